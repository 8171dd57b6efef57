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
# Plugins are linked with -z defs (no undefined symbol left, MP_PLUGIN_1);
# `make tsan` clears it: clang's static TSan runtime lives in the program.
ZDEFS    ?= -Wl,-z,defs

# ---------------------------------------------------------------- plugin
# One folder per stage (plugin/README.md): core/, request/, transport/, one
# folder per wire adapter, structured/.  plugin/replay/ is the other plugin.
# The code a host runs to load, init, create, destroy, deinit and unload
# the plugin is linked first: it then sits in .text's first pages beside
# _init, so a host that cycles the plugin (a provider swap) faults in fewer
# pages of it.  `make bench` prints the faults per cycle (cold start).
PLUGIN_LIFECYCLE := $(addprefix plugin/,core/entry.c core/module.c core/instance.c \
  core/config.c core/config_native.c core/json_util.c core/json_numbers.c \
  core/errors.c core/utf8.c core/log.c transport/http_transport.c \
  route/model_memo.c route/model_info_shared.c)
PLUGIN_SRC := $(PLUGIN_LIFECYCLE) \
  $(filter-out $(PLUGIN_LIFECYCLE) plugin/replay/%,$(wildcard plugin/*/*.c))
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

# The plugins carry their own json-c, linked from the static archive that
# libjson-c-dev ships (position-independent): a host need not load
# libjson-c.so for them (a cold start without it takes half as long),
# and json-c's process-wide settings (number format, string hash) in the
# host's own copy cannot change them.  exports.map keeps every json-c
# symbol local.  README.md, Dependencies, says what this costs.
JSONC_A     := $(shell pkg-config --variable=libdir json-c)/libjson-c.a
PLUGIN_LIBS := $(JSONC_A) $(shell pkg-config --libs libcurl)

$(JSONC_A):
	@echo "make: json-c's static archive $@ is missing; install libjson-c-dev" \
	  "(apt-get install libjson-c-dev), which ships it" >&2; exit 1

$(BUILD)/litellm_provider.so: $(PLUGIN_PIC) plugin/exports.map $(JSONC_A)
	$(CC) -shared $(SAN) -o $@ $(PLUGIN_PIC) -Wl,--version-script=plugin/exports.map \
	  $(ZDEFS) $(LDFLAGS) $(PLUGIN_LIBS)

$(BUILD)/libplugin_internal.a: $(PLUGIN_TST)
	rm -f $@ && ar rcs $@ $^

# The replay provider: a second plugin that replays recorded events.  It
# shares the event helpers with the main plugin but none of its HTTP code.
REPLAY_SRC := $(wildcard plugin/replay/*.c) plugin/core/event_emit.c plugin/core/event_json.c \
  plugin/core/errors.c plugin/core/strbuf.c plugin/core/json_util.c plugin/core/json_numbers.c plugin/core/json_writer.c plugin/core/log.c \
  plugin/core/utf8.c
REPLAY_PIC := $(REPLAY_SRC:%.c=$(BUILD)/pic/%.o)

$(BUILD)/replay_provider.so: $(REPLAY_PIC) plugin/exports.map $(JSONC_A)
	$(CC) -shared $(SAN) -o $@ $(REPLAY_PIC) -Wl,--version-script=plugin/exports.map \
	  $(ZDEFS) $(LDFLAGS) $(JSONC_A)

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
# The tests carry TRANSCRIPTS compiled in: this file holds the value they
# were built with and changes (so they are rebuilt) only when it does.
TRANSCRIPTS_STAMP := $(BUILD)/transcripts.path
$(shell mkdir -p $(BUILD) && { echo '$(TRANSCRIPTS)' | cmp -s - $(TRANSCRIPTS_STAMP) || \
  echo '$(TRANSCRIPTS)' > $(TRANSCRIPTS_STAMP); })

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(TRANSCRIPTS_STAMP) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(wildcard tests/support/*.h tests/unit/*.h) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lpthread -lm

# Integration tests drive the real .so through the host loader against
# build/mock-server; they are cmocka programs like the unit tests.
$(BUILD)/tests/%: tests/integration/%.c $(TEST_SUPPORT) $(TRANSCRIPTS_STAMP) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(wildcard tests/support/*.h tests/integration/*.h) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lpthread -lm

# A host exporting its own functions under json-c's names: linked without
# json-c or the test support code (which uses it), and with -rdynamic.
$(BUILD)/tests/test_host_json_names: tests/integration/test_host_json_names.c abi/model_provider.h | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -rdynamic -o $@ $< \
	  $(LDFLAGS) $(CMOCKA_LIBS) -ldl

# The request-schema check over what the tests logged (tests/schema/).
$(BUILD)/tests/check-requests: tests/schema/check_requests.c $(BUILD)/libplugin_internal.a | dirs
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libplugin_internal.a $(LDFLAGS) $(PKG_LIBS)

# Benchmarks: one program per file in tests/bench/.
$(BUILD)/bench/%: tests/bench/%.c $(TEST_SUPPORT) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a | dirs
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(PKG_LIBS) -ldl -lpthread -lm

# Cold start runs in a process holding libcurl only (a host without json-c);
# bench_cold loads json-c itself for the case of a host that has it too.
$(BUILD)/bench/bench_cold: tests/bench/bench_cold.c abi/model_provider.h | dirs
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) $(shell pkg-config --libs libcurl) -ldl

# ---------------------------------------------------------------- fuzzing
# One libFuzzer target per tests/fuzz/fuzz_NAME.c (tests/fuzz/README.md);
# adding a file adds a target everywhere below.  In `make test` each
# target also runs as a cmocka program over its seeds and regressions.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_SUPPORT := tests/fuzz/contract.c tests/fuzz/stream_driver.c tests/support/json_same.c
FUZZ_DEPS := $(FUZZ_SUPPORT) $(wildcard tests/fuzz/*.h) $(BUILD)/libplugin_internal.a
FUZZ_REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/test_fuzz_%)
FUZZ_SECONDS ?= 60

$(BUILD)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(FUZZ_DEPS) $(TRANSCRIPTS_STAMP) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -DFZ_TARGET='"$*"' -o $@ $< \
	  tests/fuzz/replay_main.c $(FUZZ_SUPPORT) $(BUILD)/libplugin_internal.a $(LDFLAGS) \
	  $(CMOCKA_LIBS) $(PKG_LIBS) -lpthread -lm

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) | dirs
	@mkdir -p $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(LDFLAGS) $(PKG_LIBS) -lpthread -lm

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

ALL_BINS := $(BUILD)/litellm_provider.so $(BUILD)/agent-host $(BUILD)/mock-server
ifneq ($(wildcard plugin/replay/*.c),)
ALL_BINS += $(BUILD)/replay_provider.so
endif

all: $(ALL_BINS) $(UNIT_BIN) $(INTEG_BIN) $(FUZZ_REPLAY_BIN) $(BUILD)/tests/check-requests

dirs:
	@mkdir -p $(BUILD)/pic/plugin $(BUILD)/tst/plugin $(BUILD)/tst/host-sample $(BUILD)/tests

unit: $(UNIT_BIN)
	@tests/run_unit.sh $(UNIT_BIN)

test: all
	@tests/run_all.sh $(BUILD)

# The same tests with AddressSanitizer and UBSan, in a separate build dir.
asan:
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" CFLAGS="-O1 -g" test

# Every fuzz target for FUZZ_SECONDS each (clang, libFuzzer, ASan + UBSan,
# in build-fuzz/); fails on any finding (tests/fuzz/run.sh).
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g" \
	  SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  fuzz-bins
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# The programs that run threads (or drive the plugin from several), under
# ThreadSanitizer: clang, whose sanitizer runtime is linked statically by
# default (the shared one crashes at start here), in build-tsan/.
TSAN_TESTS := test_config_update test_module test_replay_update test_host_reload \
  test_host_replay test_stream_faults test_stream_modes test_stream_nonstream \
  test_structured_modes test_soak_reload test_load_streams test_json_locale \
  test_stream_mock test_stream_model_info
tsan:
	$(MAKE) BUILD=build-tsan CC=clang CFLAGS="-O1 -g" SAN="-fsanitize=thread" ZDEFS= \
	  build-tsan/litellm_provider.so build-tsan/replay_provider.so build-tsan/agent-host \
	  build-tsan/mock-server $(TSAN_TESTS:%=build-tsan/tests/%)
	@TEST_ONLY="$(TSAN_TESTS)" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	  tests/run_all.sh build-tsan

# The cold-start baseline: a bare .so doing only libcurl's global init.
$(BUILD)/bench/bare_plugin.so: tests/bench/bare/bare_plugin.c | dirs
	@mkdir -p $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ $< $(LDFLAGS) \
	  $(shell pkg-config --libs libcurl)

bench: $(ALL_BINS) $(BENCH_BIN) $(BUILD)/bench/bare_plugin.so $(BUILD)/stripped/litellm_provider.so
	@tests/bench/run.sh $(BUILD) $(VERSION)

demo: $(ALL_BINS)
	@host-sample/demo/run.sh $(BUILD)

# ---------------------------------------------------------------- install
# The installed plugins carry no debug info (smaller to map, quicker to
# load); their debug info goes to a separate file beside them, in .debug/,
# where gdb looks for it by the .so's debug link.
$(BUILD)/stripped/%.so: $(BUILD)/%.so
	@mkdir -p $(BUILD)/stripped
	objcopy --only-keep-debug $< $@.debug
	objcopy --strip-unneeded --add-gnu-debuglink=$@.debug $< $@

# The header, both plugins (under lib/model-providers, the .pc's
# providerdir, stripped, their debug info in .debug/), the pkg-config file,
# agent-host (which finds the LiteLLM plugin there by itself) and the
# request's JSON Schema.  `make uninstall` with the same PREFIX (and
# DESTDIR) removes exactly these files.
PLUGINS   := litellm_provider.so replay_provider.so
INSTALLED := include/model_provider.h $(PLUGINS:%=lib/model-providers/%) \
  $(PLUGINS:%=lib/model-providers/.debug/%.debug) lib/pkgconfig/model-provider.pc \
  bin/agent-host share/model-provider/request.schema.json

install: $(ALL_BINS) $(PLUGINS:%=$(BUILD)/stripped/%)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/model-providers/.debug \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/model-provider
	install -m 644 abi/model_provider.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(PLUGINS:%=$(BUILD)/stripped/%) $(DESTDIR)$(PREFIX)/lib/model-providers/
	install -m 644 $(PLUGINS:%=$(BUILD)/stripped/%.debug) \
	  $(DESTDIR)$(PREFIX)/lib/model-providers/.debug/
	install -m 755 $(BUILD)/agent-host $(DESTDIR)$(PREFIX)/bin/
	install -m 644 abi/request.schema.json $(DESTDIR)$(PREFIX)/share/model-provider/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' abi/model-provider.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/model-provider.pc

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	rmdir $(DESTDIR)$(PREFIX)/lib/model-providers/.debug $(DESTDIR)$(PREFIX)/lib/model-providers \
	  $(DESTDIR)$(PREFIX)/share/model-provider 2>/dev/null || true

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-tsan

.PHONY: all dirs unit test asan fuzz fuzz-bins tsan bench demo install uninstall clean
