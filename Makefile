# Build for the LiteLLM model-provider plugin, its sample host, the scripted
# test server, and the tests.  `make` builds everything; `make test` runs
# every test; `make demo` runs the offline demo.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
SHARED   ?= $(abspath ../shared)
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
PLUGIN_SRC := $(wildcard plugin/*.c)
PLUGIN_PIC := $(PLUGIN_SRC:%.c=$(BUILD)/pic/%.o)
# The same sources without hidden visibility, for unit tests to link.
PLUGIN_TST := $(PLUGIN_SRC:%.c=$(BUILD)/tst/%.o)

$(BUILD)/pic/%.o: %.c $(wildcard abi/*.h plugin/*.h) | dirs
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(BUILD)/tst/%.o: %.c $(wildcard abi/*.h plugin/*.h host-sample/*.h) | dirs
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(BUILD)/litellm_provider.so: $(PLUGIN_PIC) plugin/exports.map
	$(CC) -shared $(SAN) -o $@ $(PLUGIN_PIC) -Wl,--version-script=plugin/exports.map \
	  -Wl,-z,defs $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/libplugin_internal.a: $(PLUGIN_TST)
	rm -f $@ && ar rcs $@ $^

# ---------------------------------------------------------------- host
HOST_LIB_SRC := $(filter-out host-sample/main.c host-sample/replay_provider.c,$(wildcard host-sample/*.c))
HOST_LIB_OBJ := $(HOST_LIB_SRC:%.c=$(BUILD)/tst/%.o)

$(BUILD)/libhost.a: $(HOST_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/agent-host: $(BUILD)/tst/host-sample/main.o $(BUILD)/libhost.a
	$(CC) $(SAN) -o $@ $^ $(LDFLAGS) $(PKG_LIBS) -ldl -lpthread -lm

# ---------------------------------------------------------------- mock server
MOCK_SRC := $(wildcard tests/mock_server/*.c)
$(BUILD)/mock-server: $(MOCK_SRC) $(wildcard tests/mock_server/*.h) | dirs
	$(CC) $(ALL_CFLAGS) -o $@ $(MOCK_SRC) $(LDFLAGS) $(PKG_LIBS) -lpthread

# ---------------------------------------------------------------- tests
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_DEFS := -DLP_SHARED_DIR='"$(SHARED)"' -DLP_SOURCE_DIR='"$(CURDIR)"' -DLP_BUILD_DIR='"$(abspath $(BUILD))"'
TEST_SUPPORT := $(wildcard tests/support/*.c)

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(wildcard tests/support/*.h) | dirs
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(TEST_DEFS) -o $@ $< $(TEST_SUPPORT) \
	  $(BUILD)/libplugin_internal.a $(BUILD)/libhost.a $(LDFLAGS) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lpthread -lm

ALL_BINS := $(BUILD)/litellm_provider.so $(BUILD)/agent-host $(BUILD)/mock-server

all: $(ALL_BINS) $(UNIT_BIN)

dirs:
	@mkdir -p $(BUILD)/pic/plugin $(BUILD)/tst/plugin $(BUILD)/tst/host-sample $(BUILD)/tests

unit: $(UNIT_BIN)
	@tests/run_unit.sh $(UNIT_BIN)

test: all
	@tests/run_all.sh $(BUILD)

clean:
	rm -rf $(BUILD)

.PHONY: all dirs unit test clean
