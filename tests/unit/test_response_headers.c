/*
 * test_response_headers.c - which response headers become RESPONSE_INFO
 * (response_headers.h): the names kept, case folding, a header holding a
 * secret or bytes that are not UTF-8 left out, the first of a repeated
 * name, a new status line starting over, the bounds, the fields read out
 * of them (counts, the cost in any locale, the request id's order), and
 * headers_json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "../../plugin/transport/response_headers.h"
#include "../support/comma_locale.h"

static void line(rh_headers *h, const char *text)
{
    rh_line(h, text, strlen(text));
}

static json_object *headers_of(const mp_event_response_info *e)
{
    assert_non_null(e->headers_json.ptr);
    json_object *o = json_tokener_parse(e->headers_json.ptr);
    assert_true(json_object_is_type(o, json_type_object));
    return o;
}

static const char *header(json_object *o, const char *name)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : NULL;
}

static void test_litellm_headers(void **state)
{
    (void)state;
    static const char *const secrets[] = {"sk-SECRET-123", NULL};
    rh_headers h;
    rh_init(&h, secrets);
    assert_false(rh_any(&h));
    line(&h, "HTTP/1.1 200 OK\r\n");
    line(&h, "Content-Type: text/event-stream\r\n");       /* not kept */
    line(&h, "X-LiteLLM-Call-Id:   abc-123  \r\n");        /* case folded */
    line(&h, "x-litellm-model-id: dep-7\r\n");
    line(&h, "x-litellm-model-group: gpt-4o\r\n");
    line(&h, "x-litellm-attempted-retries: 2\r\n");
    line(&h, "x-litellm-attempted-fallbacks: 0\r\n");
    line(&h, "x-litellm-response-cost: 1.5e-05\r\n");
    line(&h, "x-litellm-response-cost-input: 0.00001\r\n");
    line(&h, "x-ratelimit-remaining-requests: 4999\r\n");
    line(&h, "x-ratelimit-remaining-tokens: 159000\r\n");
    line(&h, "x-ratelimit-reset-requests: 12ms\r\n");
    line(&h, "x-ratelimit-reset-tokens: 6m0s\r\n");
    line(&h, "x-litellm-key-echo: Bearer sk-SECRET-123\r\n"); /* a secret */
    line(&h, "x-litellm-bad: \xff\xfe\r\n");                 /* not UTF-8 */
    line(&h, "x-litellm-call-id: second\r\n");             /* repeated */
    line(&h, "x-request-id: req-proxy\r\n");
    line(&h, "llm_provider-x-request-id: req-openai\r\n");
    line(&h, "set-cookie: session=1\r\n");                 /* not kept */
    line(&h, "\r\n");
    assert_true(rh_any(&h));
    mp_event_response_info e;
    strbuf json;
    sb_init(&json, 1 << 20);
    assert_int_equal(rh_response_info(&h, 200, 3, &json, &e), MP_OK);
    assert_int_equal(e.hdr.type, MP_EVENT_RESPONSE_INFO);
    assert_int_equal(e.hdr.size, sizeof e);
    assert_int_equal(e.http_status, 200);
    assert_int_equal(e.attempts, 3);
    assert_string_equal(e.call_id.ptr, "abc-123");
    assert_int_equal(e.call_id.len, 7);
    assert_string_equal(e.model_id.ptr, "dep-7");
    assert_string_equal(e.model_group.ptr, "gpt-4o");
    assert_int_equal(e.attempted_retries, 2);
    assert_int_equal(e.attempted_fallbacks, 0);
    assert_true(e.cost_usd == 1.5e-05);
    assert_int_equal(e.ratelimit_remaining_requests, 4999);
    assert_int_equal(e.ratelimit_remaining_tokens, 159000);
    assert_string_equal(e.ratelimit_reset_requests.ptr, "12ms");
    assert_string_equal(e.ratelimit_reset_tokens.ptr, "6m0s");
    /* The upstream provider's id, not the proxy's own. */
    assert_string_equal(e.provider_request_id.ptr, "req-openai");
    json_object *o = headers_of(&e);
    assert_int_equal(json_object_object_length(o), 13);
    assert_string_equal(header(o, "x-litellm-call-id"), "abc-123");
    assert_string_equal(header(o, "x-litellm-response-cost-input"), "0.00001");
    assert_null(header(o, "x-litellm-key-echo"));
    assert_null(header(o, "x-litellm-bad"));
    assert_null(header(o, "content-type"));
    assert_null(header(o, "set-cookie"));
    assert_null(strstr(e.headers_json.ptr, "SECRET"));
    json_object_put(o);
    sb_free(&json);
    rh_free(&h);
}

/* A retry's (or a 100 Continue's) new status line starts over. */
static void test_new_response_starts_over(void **state)
{
    (void)state;
    rh_headers h;
    rh_init(&h, NULL);
    line(&h, "HTTP/1.1 429 Too Many Requests\r\n");
    line(&h, "x-ratelimit-remaining-requests: 0\r\n");
    line(&h, "x-litellm-call-id: first-try\r\n");
    line(&h, "HTTP/2 200\r\n");
    assert_false(rh_any(&h));
    line(&h, "request-id: req_01\r\n");
    mp_event_response_info e;
    strbuf json;
    sb_init(&json, 1 << 20);
    assert_int_equal(rh_response_info(&h, 200, 2, &json, &e), MP_OK);
    assert_null(e.call_id.ptr);
    assert_int_equal(e.call_id.len, 0);
    assert_int_equal(e.ratelimit_remaining_requests, -1);
    assert_int_equal(e.attempted_retries, -1);
    assert_true(e.cost_usd < 0);
    assert_string_equal(e.provider_request_id.ptr, "req_01");
    assert_string_equal(e.headers_json.ptr, "{\"request-id\":\"req_01\"}");
    sb_free(&json);
    rh_free(&h);
}

/* Values that are not what their header promises read as unknown. */
static void test_values(void **state)
{
    (void)state;
    rh_headers h;
    rh_init(&h, NULL);
    line(&h, "x-litellm-attempted-retries: two\r\n");
    line(&h, "x-ratelimit-remaining-requests: -5\r\n");
    line(&h, "x-ratelimit-remaining-tokens: 12 tokens\r\n");
    line(&h, "x-litellm-response-cost: 0.25\r\n");
    line(&h, "x-litellm-attempted-fallbacks: 3\r\n");
    mp_event_response_info e;
    strbuf json;
    sb_init(&json, 1 << 20);
    assert_int_equal(rh_response_info(&h, 201, 1, &json, &e), MP_OK);
    assert_int_equal(e.attempted_retries, -1);
    assert_int_equal(e.ratelimit_remaining_requests, -1);
    assert_int_equal(e.ratelimit_remaining_tokens, -1);
    assert_int_equal(e.attempted_fallbacks, 3);
    assert_true(e.cost_usd == 0.25);
    rh_reset(&h);
    line(&h, "x-litellm-response-cost: -1\r\n");
    rh_response_info(&h, 200, 1, &json, &e);
    assert_true(e.cost_usd < 0);
    rh_reset(&h);
    line(&h, "x-litellm-response-cost: 1,5\r\n");
    rh_response_info(&h, 200, 1, &json, &e);
    assert_true(e.cost_usd < 0);
    sb_free(&json);
    rh_free(&h);
}

/* The cost reads the same when the host's locale writes decimals with a
 * comma (MP_PLUGIN_11's counterpart for input).  Skipped only where no
 * such locale can be found or made (comma_locale.h). */
static void test_cost_under_decimal_comma_locale(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5"); /* the locale really is in force */
    rh_headers h;
    rh_init(&h, NULL);
    line(&h, "x-litellm-response-cost: 0.000375\r\n");
    mp_event_response_info e;
    strbuf json;
    sb_init(&json, 1 << 20);
    assert_int_equal(rh_response_info(&h, 200, 1, &json, &e), MP_OK);
    it_leave_comma_locale();
    assert_true(e.cost_usd == 0.000375);
    sb_free(&json);
    rh_free(&h);
}

/* At most RH_MAX_HEADERS headers, none longer than RH_MAX_VALUE. */
static void test_bounds(void **state)
{
    (void)state;
    rh_headers h;
    rh_init(&h, NULL);
    char text[RH_MAX_VALUE + 64];
    memset(text, 'v', sizeof text);
    memcpy(text, "x-litellm-long: ", 16);
    text[16 + RH_MAX_VALUE + 1] = '\0'; /* one byte too long */
    line(&h, text);
    assert_false(rh_any(&h));
    for (int i = 0; i < RH_MAX_HEADERS + 10; i++) {
        char l[64];
        snprintf(l, sizeof l, "x-litellm-h%d: %d\r\n", i, i);
        line(&h, l);
    }
    assert_int_equal(h.count, RH_MAX_HEADERS);
    line(&h, "no colon here\r\n");
    line(&h, ": no name\r\n");
    assert_int_equal(h.count, RH_MAX_HEADERS);
    rh_free(&h);
}

static int remove_locale(void **state)
{
    (void)state;
    return it_remove_comma_locale();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_litellm_headers),
        cmocka_unit_test(test_new_response_starts_over),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_cost_under_decimal_comma_locale),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, remove_locale);
}
