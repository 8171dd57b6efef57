# Build for the LiteLLM model-provider plugin, its sample host, the scripted
# test server, and the tests.  `make` builds everything; `make test` runs
# every test; `make demo` runs the offline demo.

# `make` alone builds everything (plugins, host, server, tests), not just
# the first target in the file.
.DEFAULT_GOAL := all

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
# The recorded transcripts: third-party recordings, read in place from
# ../shared and never copied into the project.  Where they are missing, the
# tests that need them report SKIPPED.  Override: make test TRANSCRIPTS=DIR.
TRANSCRIPTS ?= $(abspath $(CURDIR)/../shared/fixtures/transcripts)
VERSION  := 0.1.0

PKGS      := libcurl json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-unused-parameter
CFLAGS   ?= -O2 -g
SAN      ?=
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) $(PKG_CFLAGS)
LDFLAGS  ?=

# ---------------------------------------------------------------- plugin
# One folder per stage (plugin/README.md): core/, request/, transport/, one
# folder per wire adapter, structured/.  plugin/replay/ is the other plugin.
PLUGIN_SRC := $(filter-out plugin/replay/%,$(wildcard plugin/*/*.c))
PLUGIN_HDR := $(wildcard abi/*.h plugin/*/*.h)
PLUGIN_PIC := $(PLUGIN_SRC:%.c=$(BUILD)/pic/%.o)
# The same sources without hidden visibility, for unit tests to link.
PLUGIN_TST := $(PLUGIN_SRC:%.c=$(BUILD)/tst/%.o)

$(BUILD)/pic/%.o: %.c $(PLUGIN_HDR) | dirs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(BUILD)/tst/%.o: %.c $(PLUGIN_HDR) $(wildcard host-sample/*.h) | dirs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/litellm_provider.so: $(PLUGIN_PIC) plugin/exports.map
	$(CC) -shared $(SAN) -o $@ $(PLUGIN_PIC) -Wl,--version-script=plugin/exports.map \
	  -Wl,-z,defs $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/libplugin_internal.a: $(PLUGIN_TST)
	rm -f $@ && ar rcs $@ $^

# The replay provider: a second plugin that replays recorded events.  It
# shares the event helpers with the main plugin but none of its HTTP code.
REPLAY_SRC := $(wildcard plugin/replay/*.c) plugin/core/event_emit.c plugin/core/event_json.c \
  plugin/core/errors.c plugin/core/strbuf.c plugin/core/json_util.c plugin/core/json_numbers.c plugin/core/json_writer.c plugin/core/log.c
REPLAY_PIC := $(REPLAY_SRC:%.c=$(BUILD)/pic/%.o)

$(BUILD)/replay_provider.so: $(REPLAY_PIC) plugin/exports.map
	$(CC) -shared $(SAN) -o $@ $(REPLAY_PIC) -Wl,--version-script=plugin/exports.map \
	  -Wl,-z,defs $(LDFLAGS) $(shell pkg-config --libs json-c)

# ---------------------------------------------------------------- host
HOST_LIB_SRC := $(filter-out host-sample/main.c,$(wildcard host-sample/*.c))
HOST_LIB_OBJ := $(HOST_LIB_SRC:%.c=$(BUILD)/tst/%.o)

$(BUILD)/libhost.a: $(HOST_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/agent-host: $(BUILD)/tst/host-sample/main.o $(BUILD)/libhost.a
	$(CC) $(SAN) -o $@ $^ $(LDFLAGS) $(PKG_LIBS) -ldl -lpthread -lm

# ---------------------------------------------------------------- hosts in other languages
# The Go (cgo) and Rust (std-only FFI) sample hosts.  Not part of `all`:
# tests/run_all.sh builds and runs them when `go` / `rustc` exist and
# reports them SKIPPED otherwise.  Go: no network (GOPROXY=off), no
# toolchain download, no VCS stamp (a worktree's .git is a file).
GO    ?= go
RUSTC ?= rustc
$(BUILD)/go-host: $(wildcard host-sample/go/*.go host-sample/go/*.c host-sample/go/*.h) \
  host-sample/go/go.mod abi/model_provider.h | dirs
	cd host-sample/go && GOFLAGS=-buildvcs=false GOTOOLCHAIN=local GOPROXY=off \
	  $(GO) build -o $(abspath $@) .

$(BUILD)/rust-host: host-sample/rust/main.rs | dirs
	$(RUSTC) --edition 2021 -O -o $@ $<

# ---------------------------------------------------------------- mock server
MOCK_SRC := $(wildcard tests/mock_server/*.c)
$(BUILD)/mock-server: $(MOCK_SRC) $(wildcard tests/mock_server/*.h) | dirs
	$(CC) $(ALL_CFLAGS) -o $@ $(MOCK_SRC) $(LDFLAGS) $(shell pkg-config --libs json-c) -lpthread

# ---------------------------------------------------------------- tests
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
TEST_DEFS := -DLP_TRANSCRIPTS_DIR='"$(TRANSCRIPTS)"' -DLP_SOURCE_DIR='"$(CURDIR)"' -DLP_BUILD_DIR='"$(abspath $(BUILD))"'
TEST_SUPPORT := $(wildcard tests/support/*.c)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(wildcard tests/support/*.h tests/unit/*.h) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lpthread -lm

# Integration tests drive the real .so through the host loader against
# build/mock-server; they are cmocka programs like the unit tests.
$(BUILD)/tests/%: tests/integration/%.c $(TEST_SUPPORT) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(wildcard tests/support/*.h tests/integration/*.h) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lpthread -lm

# The request-schema check over what the tests logged (tests/schema/).
$(BUILD)/tests/check-requests: tests/schema/check_requests.c $(BUILD)/libplugin_internal.a | dirs
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libplugin_internal.a $(LDFLAGS) $(PKG_LIBS)

# Benchmarks: one program per file in tests/bench/.
$(BUILD)/bench/%: tests/bench/%.c $(TEST_SUPPORT) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a | dirs
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(PKG_LIBS) -ldl -lpthread -lm

ALL_BINS := $(BUILD)/litellm_provider.so $(BUILD)/agent-host $(BUILD)/mock-server
ifneq ($(wildcard plugin/replay/*.c),)
ALL_BINS += $(BUILD)/replay_provider.so
endif

all: $(ALL_BINS) $(UNIT_BIN) $(INTEG_BIN) $(BUILD)/tests/check-requests

dirs:
	@mkdir -p $(BUILD)/pic/plugin $(BUILD)/tst/plugin $(BUILD)/tst/host-sample $(BUILD)/tests

unit: $(UNIT_BIN)
	@tests/run_unit.sh $(UNIT_BIN)

test: all
	@tests/run_all.sh $(BUILD)

# The same tests with AddressSanitizer and UBSan, in a separate build dir.
asan:
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" CFLAGS="-O1 -g" test

bench: $(ALL_BINS) $(BENCH_BIN)
	@tests/bench/run.sh $(BUILD)

demo: $(ALL_BINS)
	@host-sample/demo/run.sh $(BUILD)

# ---------------------------------------------------------------- install
# The header, both plugins (under lib/model-providers, the .pc's
# providerdir), the pkg-config file, agent-host (which finds the LiteLLM
# plugin there by itself) and the request's JSON Schema.  `make uninstall`
# with the same PREFIX (and DESTDIR) removes exactly these files.
INSTALLED := include/model_provider.h lib/model-providers/litellm_provider.so \
  lib/model-providers/replay_provider.so lib/pkgconfig/model-provider.pc \
  bin/agent-host share/model-provider/request.schema.json

install: $(ALL_BINS)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/model-providers \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/model-provider
	install -m 644 abi/model_provider.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(BUILD)/litellm_provider.so $(BUILD)/replay_provider.so \
	  $(DESTDIR)$(PREFIX)/lib/model-providers/
	install -m 755 $(BUILD)/agent-host $(DESTDIR)$(PREFIX)/bin/
	install -m 644 abi/request.schema.json $(DESTDIR)$(PREFIX)/share/model-provider/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' abi/model-provider.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/model-provider.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	-rmdir $(DESTDIR)$(PREFIX)/lib/model-providers $(DESTDIR)$(PREFIX)/share/model-provider \
	  2>/dev/null

clean:
	rm -rf $(BUILD) build-asan

.PHONY: all dirs unit test asan bench demo install uninstall clean
