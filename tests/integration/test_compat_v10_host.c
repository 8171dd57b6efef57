/*
 * test_compat_v10_host.c - the compatibility matrix, first half: a host
 * compiled against the frozen ABI 1.0 header (tests/fixtures/abi_v1_0/,
 * never edited) loads today's plugin.  It offers its own MP_ABI_MINOR (0)
 * and must get a plugin that is, to it, a 1.0 plugin (MP_PLUGIN_14):
 * a descriptor of the 1.0 size saying minor 0, and streams holding only
 * 1.0 event types and delta kinds, each exactly its 1.0 sizeof, with no
 * flag set, even from a gateway whose headers and usage give a 1.1 host
 * RESPONSE_INFO and a cost.  The message it assembles is the one a 1.1
 * host gets.
 *
 * This file includes no other ABI header (the harness includes today's),
 * so it loads the plugin itself, as such a host would.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../host-sample/request_log.h"

#include "../fixtures/abi_v1_0/model_provider.h"
#include "../support/mock_proc.h"
#include "../support/test_paths.h"

#if MP_ABI_MINOR != 0
#error "this host must be compiled against the frozen ABI 1.0 header"
#endif

/* The 1.0 layout as frozen in test_abi_freeze.c: the copy is 1.0's. */
_Static_assert(sizeof(mp_provider_v1) == 128, "v1.0 descriptor");
_Static_assert(sizeof(mp_event_metadata) == 64, "v1.0 metadata");
_Static_assert(sizeof(mp_event_block_start) == 64, "v1.0 block start");

static mock_proc g_mock;
static void *g_dl;
static const mp_provider_v1 *g_p;

static int setup(void **state)
{
    (void)state;
    const char *args[] = {"--scenario", NULL, NULL};
    args[1] = scenario_path("v11_gateway.scn");
    if (mock_start(&g_mock, args))
        return -1;
    g_dl = dlopen(LP_BUILD_DIR "/litellm_provider.so", RTLD_NOW | RTLD_LOCAL);
    return g_dl ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mock_stop(&g_mock);
    return g_dl ? dlclose(g_dl) : 0;
}

static void test_negotiates_a_v10_descriptor(void **state)
{
    (void)state;
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(g_dl, MP_ENTRY_SYMBOL_V1);
    assert_non_null(entry);
    uint32_t minor = MP_ABI_MINOR; /* the newest this host knows: 0 */
    assert_int_equal(entry(&minor, &g_p), MP_OK);
    assert_int_equal(minor, 0);
    assert_int_equal(g_p->abi_major, 1);
    assert_int_equal(g_p->abi_minor, 0);
    assert_int_equal(g_p->struct_size, sizeof(mp_provider_v1));
    /* Told of nothing a 1.0 host cannot reach (MP_PLUGIN_14). */
    static const char *const v11_only[] = {"cost", "response_info",
                                           "batch_hint", "stream_json",
                                           "accumulator"};
    int has_stream = 0;
    for (const char *const *c = g_p->capabilities; c && *c; c++) {
        has_stream |= strcmp(*c, "stream") == 0;
        for (size_t i = 0; i < sizeof v11_only / sizeof *v11_only; i++)
            if (strcmp(*c, v11_only[i]) == 0)
                fail_msg("a 1.0 host is told of capability \"%s\"", *c);
    }
    assert_true(has_stream);
}

/* What the 1.0 host checks of every event it receives. */
typedef struct host10 {
    int events, bad;
    char why[200];
    int by_type[7];
    char text[256];
    size_t text_len;
    char lines[8192];
    size_t lines_len;
} host10;

static size_t v10_size(unsigned type)
{
    switch (type) {
    case MP_EVENT_MESSAGE_START: return sizeof(mp_event_message_start);
    case MP_EVENT_BLOCK_START: return sizeof(mp_event_block_start);
    case MP_EVENT_BLOCK_DELTA: return sizeof(mp_event_block_delta);
    case MP_EVENT_BLOCK_STOP: return sizeof(mp_event_block_stop);
    case MP_EVENT_MESSAGE_STOP: return sizeof(mp_event_message_stop);
    case MP_EVENT_METADATA: return sizeof(mp_event_metadata);
    default: return 0; /* not a type this host knows */
    }
}

static int add_line(void *ctx, const char *data, size_t len)
{
    host10 *h = ctx;
    if (h->lines_len + len + 1 >= sizeof h->lines)
        return 1;
    memcpy(h->lines + h->lines_len, data, len);
    h->lines_len += len;
    h->lines[h->lines_len++] = '\n';
    h->lines[h->lines_len] = '\0';
    return 0;
}

static int on_event(void *ctx, const mp_event_header *ev)
{
    host10 *h = ctx;
    h->events++;
    size_t want = v10_size(ev->type);
    if (!h->bad && (!want || ev->size != want || ev->flags != 0)) {
        h->bad = h->events;
        snprintf(h->why, sizeof h->why, "event %d: type %u, size %u, flags %u",
                 h->events, ev->type, ev->size, ev->flags);
    }
    if (want)
        h->by_type[ev->type]++;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind < MP_DELTA_TEXT || d->kind > MP_DELTA_TOOL_INPUT) {
            h->bad = h->events;
            snprintf(h->why, sizeof h->why, "delta kind %u", d->kind);
        }
        if (d->kind == MP_DELTA_TEXT && h->text_len + d->text.len < sizeof h->text) {
            memcpy(h->text + h->text_len, d->text.ptr, d->text.len);
            h->text_len += d->text.len;
        }
    }
    mp_text_sink sink = {sizeof sink, h, add_line};
    if (g_p->event_to_json(ev, &sink) != MP_OK && !h->bad) {
        h->bad = h->events;
        snprintf(h->why, sizeof h->why, "event %d does not render", h->events);
    }
    return 0;
}

static void test_streams_only_v10_events(void **state)
{
    (void)state;
    assert_non_null(g_p);
    mp_host_v1 host = {sizeof host, NULL, NULL};
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(g_p->init(&host, &err), MP_OK);
    char args[256];
    snprintf(args, sizeof args, "{\"api_base\":\"%s\",\"api_key\":"
             "\"sk-v11-SECRET-key\"}", g_mock.base_url);
    mp_instance *inst = NULL;
    assert_int_equal(g_p->create("{\"model_id\":\"v11-gateway\"}", args, &inst,
                                 &err), MP_OK);
    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
    host10 h;
    memset(&h, 0, sizeof h);
    mp_event_sink sink = {sizeof sink, &h, on_event};
    int rc = g_p->stream(inst, req, strlen(req), &sink, &err);
    request_log(req, (size_t)-1, rc);
    g_p->destroy(inst);
    assert_int_equal(g_p->deinit(), MP_OK);
    if (rc)
        fail_msg("stream: %s: %s", mp_errname(rc), err.message);
    if (h.bad)
        fail_msg("not a 1.0 event: %s", h.why);
    /* start, block start, 2 deltas, block stop, message stop, metadata */
    assert_int_equal(h.events, 7);
    assert_int_equal(h.by_type[MP_EVENT_METADATA], 1);
    assert_string_equal(h.text, "Hello, world");
    /* Its JSON is 1.0's Strands JSON: no 1.1 keys. */
    assert_null(strstr(h.lines, "responseInfo"));
    assert_null(strstr(h.lines, "totalCostUsd"));
    assert_null(strstr(h.lines, "reasoningOutputTokens"));
    assert_non_null(strstr(h.lines, "{\"metadata\":{\"usage\":{\"inputTokens\":3,"
                                    "\"outputTokens\":2,\"totalTokens\":5}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiates_a_v10_descriptor),
        cmocka_unit_test(test_streams_only_v10_events),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
