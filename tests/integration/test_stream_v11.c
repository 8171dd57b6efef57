/*
 * test_stream_v11.c - ABI 1.1 through the real plugin and build/mock-server:
 *
 *   - cost and response metadata: a gateway's x-litellm-* / x-ratelimit-*
 *     headers become one RESPONSE_INFO event right after MESSAGE_START,
 *     LiteLLM's usage.cost and completion reasoning tokens reach the
 *     METADATA, a header echoing the API key is left out; with no
 *     usage.cost the x-litellm-response-cost header is the cost;
 *   - the same stream for a host of minor 0 (the plugin's minor-0
 *     descriptor): 1.0 events only, no flag, v1.0 sizes, same text;
 *   - the batch hint: a body that arrives in one read gives many events
 *     and exactly one flag, on the last; a paced body one flag per read,
 *     with the text delivered as it arrives (interactive);
 *   - a plain server sends none of those headers: no RESPONSE_INFO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../support/it_harness.h"

static mock_proc g_mock;

static int setup(void **state)
{
    (void)state;
    if (it_load())
        return -1;
    return it_mock_scenarios(&g_mock, 0, "v11_gateway.scn", "v11_header_cost.scn",
                             "v11_one_read.scn", "it_ok_paced.scn", NULL);
}

static int teardown(void **state)
{
    mock_stop(&g_mock);
    return it_group_teardown(state);
}

/* Every event's JSON line, with its flags, for a call through `d`. */
typedef struct flagged_events {
    it_events ev;
    double t0, first_text_ms, last_ms;
    int info_at;       /* event number of RESPONSE_INFO (1-based), 0 none */
    mp_event_response_info info;
    char call_id[64], request_id[64], headers[1024];
    mp_event_metadata md;
    uint32_t md_size;
} flagged_events;

static int hook(it_events *e, const mp_event_header *ev)
{
    flagged_events *f = e->hook_ctx;
    f->last_ms = it_now_ms();
    if (ev->type == MP_EVENT_BLOCK_DELTA && !f->first_text_ms)
        f->first_text_ms = it_now_ms();
    if (ev->type == MP_EVENT_RESPONSE_INFO) {
        const mp_event_response_info *r = (const mp_event_response_info *)ev;
        f->info_at = e->count;
        f->info = *r;
        snprintf(f->call_id, sizeof f->call_id, "%.*s", (int)r->call_id.len,
                 r->call_id.ptr ? r->call_id.ptr : "");
        snprintf(f->request_id, sizeof f->request_id, "%.*s",
                 (int)r->provider_request_id.len,
                 r->provider_request_id.ptr ? r->provider_request_id.ptr : "");
        snprintf(f->headers, sizeof f->headers, "%.*s", (int)r->headers_json.len,
                 r->headers_json.ptr ? r->headers_json.ptr : "");
    }
    if (ev->type == MP_EVENT_METADATA) {
        f->md_size = ev->size;
        memcpy(&f->md, ev, ev->size < sizeof f->md ? ev->size : sizeof f->md);
    }
    return 0;
}

/* A hello call to `model` through descriptor `d` (the host's minor). */
static int call(const mp_provider_v1 *d, const char *model, flagged_events *f,
                mp_error *err)
{
    memset(f, 0, sizeof *f);
    it_events_init(&f->ev);
    f->ev.hook = hook;
    f->ev.hook_ctx = f;
    char cfg[128];
    snprintf(cfg, sizeof cfg, "{\"model_id\":\"%s\"}", model);
    char *args = it_client_args(g_mock.base_url, "sk-v11-SECRET-key", NULL);
    mp_instance *inst = NULL;
    int rc = d->create(cfg, args, &inst, err);
    free(args);
    if (rc)
        return rc;
    mp_event_sink sink = it_sink(&f->ev);
    f->t0 = it_now_ms();
    rc = d->stream(inst, it_hello_request, strlen(it_hello_request), &sink, err);
    request_log(it_hello_request, (size_t)-1, rc);
    d->destroy(inst);
    return rc;
}

static void test_cost_and_response_info(void **state)
{
    (void)state;
    flagged_events f;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(call(it_descriptor(1), "v11-gateway", &f, &err), MP_OK);
    /* One RESPONSE_INFO, right after MESSAGE_START. */
    assert_int_equal(f.ev.by_type[MP_EVENT_RESPONSE_INFO], 1);
    assert_int_equal(f.info_at, 2);
    assert_int_equal(f.info.http_status, 200);
    assert_int_equal(f.info.attempts, 1);
    assert_string_equal(f.call_id, "call-9f2");
    assert_string_equal(f.request_id, "req_upstream_1");
    assert_int_equal(f.info.attempted_retries, 1);
    assert_int_equal(f.info.attempted_fallbacks, 0);
    assert_int_equal(f.info.ratelimit_remaining_requests, 42);
    assert_int_equal(f.info.ratelimit_remaining_tokens, 9000);
    assert_true(f.info.cost_usd == 0.5);
    /* The header that echoed the key never reaches the host. */
    assert_null(strstr(f.headers, "SECRET"));
    assert_null(strstr(f.headers, "x-litellm-debug-key"));
    assert_non_null(strstr(f.headers, "\"x-ratelimit-reset-tokens\":\"6m0s\""));
    assert_null(strstr(f.ev.json.data, "SECRET"));
    /* usage.cost wins over the header's figure. */
    assert_int_equal(f.md_size, sizeof(mp_event_metadata));
    assert_true(f.md.cost_usd == 0.000123);
    assert_int_equal(f.md.reasoning_output_tokens, 1);
    /* The JSON a host gets, and the message assembled. */
    const char *line = strstr(f.ev.json.data, "{\"responseInfo\":");
    assert_non_null(line);
    assert_true(line == strchr(f.ev.json.data, '\n') + 1); /* the second line */
    assert_non_null(strstr(f.ev.json.data, "\"totalTokens\":5,\"totalCostUsd\":0.000123,"
                                           "\"reasoningOutputTokens\":1}"));
    json_object *msg = asm_take_message(&f.ev.as);
    assert_string_equal(json_object_get_string(it_get(msg, "content[0].text")),
                        "Hello, world");
    json_object_put(msg);
    assert_true(asm_cost_usd(&f.ev.as) == 0.000123);
    assert_int_equal(f.ev.as.info.remaining_requests, 42);
    it_events_free(&f.ev);
}

static void test_cost_from_the_header(void **state)
{
    (void)state;
    flagged_events f;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(call(it_descriptor(1), "v11-header-cost", &f, &err), MP_OK);
    assert_int_equal(f.ev.by_type[MP_EVENT_RESPONSE_INFO], 1);
    assert_true(f.md.cost_usd == 0.0042);
    assert_int_equal(f.md.reasoning_output_tokens, -1);
    assert_non_null(strstr(f.ev.json.data, "\"totalCostUsd\":0.0042}"));
    it_events_free(&f.ev);
}

/* A host compiled against 1.0 (minor 0): the same call, nothing newer. */
static void test_minor0_host_gets_only_v10(void **state)
{
    (void)state;
    const mp_provider_v1 *d0 = it_descriptor(0);
    assert_non_null(d0);
    assert_int_equal(d0->abi_minor, 0);
    assert_int_equal(d0->struct_size, offsetof(mp_provider_v1, event_to_json) +
                                          sizeof d0->event_to_json);
    flagged_events f;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(call(d0, "v11-gateway", &f, &err), MP_OK);
    assert_int_equal(f.ev.by_type[MP_EVENT_RESPONSE_INFO], 0);
    assert_int_equal(f.ev.flagged, 0);
    assert_int_equal(f.md_size, 64); /* v1.0's size: no cost field */
    assert_int_equal(f.md.input_tokens, 3);
    assert_null(strstr(f.ev.json.data, "responseInfo"));
    assert_null(strstr(f.ev.json.data, "totalCostUsd"));
    assert_null(strstr(f.ev.json.data, "reasoningOutputTokens"));
    json_object *msg = asm_take_message(&f.ev.as);
    assert_string_equal(json_object_get_string(it_get(msg, "content[0].text")),
                        "Hello, world");
    json_object_put(msg);
    it_events_free(&f.ev);
}

/* The whole response in one write, so one read: every event from it, and
 * the last of them alone carries the flag.  (A chunked body's terminating
 * chunk may come in a read of its own; the plugin then waits once more
 * before it can make the METADATA, and rightly flags twice.) */
static void test_one_read_one_flag(void **state)
{
    (void)state;
    flagged_events f;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(call(it_descriptor(1), "v11-one-read", &f, &err), MP_OK);
    assert_int_equal(f.ev.count, 7); /* start, block, 2 deltas, stop, stop, metadata */
    assert_int_equal(f.ev.by_type[MP_EVENT_RESPONSE_INFO], 0); /* plain server */
    assert_int_equal(f.ev.flagged, 1);
    assert_int_equal(f.ev.last_flags, MP_EVENT_FLAG_BATCH_END);
    it_events_free(&f.ev);
}

/* 40 ms between events: each read brings one, and ends a batch; the first
 * text is delivered long before the stream is over. */
static void test_paced_reads_flag_each_and_stay_interactive(void **state)
{
    (void)state;
    flagged_events f;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(call(it_descriptor(1), "it-ok-paced", &f, &err), MP_OK);
    assert_true(f.ev.flagged >= 4);
    assert_int_equal(f.ev.last_flags, MP_EVENT_FLAG_BATCH_END);
    assert_true(f.first_text_ms > 0);
    assert_true(f.last_ms - f.first_text_ms >= 80.0);
    it_events_free(&f.ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cost_and_response_info),
        cmocka_unit_test(test_cost_from_the_header),
        cmocka_unit_test(test_minor0_host_gets_only_v10),
        cmocka_unit_test(test_one_read_one_flag),
        cmocka_unit_test(test_paced_reads_flag_each_and_stay_interactive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
