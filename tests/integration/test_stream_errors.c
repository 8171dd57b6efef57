/*
 * test_stream_errors.c - HTTP error answers from build/mock-server through
 * the real plugin: each asserts the exact mp_status, http_status,
 * retryable, retry_after_ms and provider code, a message that says what
 * happened, and how many requests reached the server (retries, decision
 * 17).  Also the gateway quirks (duplicated Content-Type, html-message and
 * status/failure bodies, errors inside a 200 stream) and secrets in error
 * bodies (MP_PLUGIN_9).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_it.h"

#define SECRET "it-secret-api-key-42"

/* Every recorded request carries the same body. */
static void expect_same_bodies(const mock_proc *m, int n)
{
    json_object *all = it_chat_requests(m);
    assert_int_equal(json_object_array_length(all), n);
    json_object *first = it_get(json_object_array_get_idx(all, 0), "body");
    for (int i = 1; i < n; i++)
        assert_true(json_object_equal(
            first, it_get(json_object_array_get_idx(all, (size_t)i), "body")));
    json_object_put(all);
}

/* ---------------------------------------------------------- throttling */

static void test_429_retry_after_then_success(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "it_429_retry_after.scn",
                                       "it_ok_text.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-any", NULL, SECRET,
                  "\"num_retries\":2,\"retry_backoff_ms\":5");
    st_expect_ok_events(&c, ST_HELLO_EVENTS);
    /* The wait honoured Retry-After: 0.2 (the backoff alone is <= 5 ms). */
    assert_true(c.ms >= 195.0);
    assert_true(c.ms < 2000.0);
    expect_same_bodies(&m, 2);
    json_object *all = it_chat_requests(&m);
    assert_string_equal(it_get_str(all, "[0].scenario"), "it_429_retry_after.scn");
    assert_string_equal(it_get_str(all, "[1].scenario"), "it_ok_text.scn");
    json_object_put(all);
    it_call_free(&c);
    mock_stop(&m);
}

static void test_429_exhausted(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "it_429_always.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-any", NULL, SECRET,
                  "\"num_retries\":2,\"retry_backoff_ms\":5");
    st_expect_error(&c, MP_E_THROTTLED, 429, 1, 200, "429",
                    "HTTP 429: litellm.RateLimitError: Rate limit reached",
                    SECRET);
    assert_int_equal(c.ev.count, 0);
    assert_true(c.ms >= 390.0); /* two waits of Retry-After */
    expect_same_bodies(&m, 3);  /* the first try and two retries */
    it_call_free(&c);
    mock_stop(&m);
}

static void test_429_not_retried_by_default(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_429_retry_after.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-429", NULL, SECRET, NULL);
    st_expect_error(&c, MP_E_THROTTLED, 429, 1, 200, "429",
                    "Rate limit reached", SECRET);
    assert_true(c.ms < 150.0); /* no wait: num_retries defaults to 0 */
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);
}

/* ------------------------------------------------------ context overflow */

static void test_overflow_litellm_and_openai(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_overflow_litellm.scn",
                                       "it_overflow_openai.scn", NULL), 0);
    it_call c;
    /* Never retried, even when retries are allowed: it would overflow
     * again. */
    it_call_model(&c, &m, "it-overflow-litellm", NULL, SECRET,
                  "\"num_retries\":3");
    st_expect_error(&c, MP_E_CONTEXT_OVERFLOW, 400, 0, -1, "400",
                    "HTTP 400: litellm.ContextWindowExceededError: "
                    "litellm.BadRequestError: AnthropicException - prompt is "
                    "too long", SECRET);
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    it_call_model(&c, &m, "it-overflow-openai", NULL, SECRET,
                  "\"num_retries\":3");
    st_expect_error(&c, MP_E_CONTEXT_OVERFLOW, 400, 0, -1,
                    "context_length_exceeded",
                    "HTTP 400: This model's maximum context length is 128000 "
                    "tokens.", SECRET);
    it_call_free(&c);
    assert_int_equal(it_chat_count(&m), 2);
    mock_stop(&m);
}

/* The overflow wordings of reference 7.1 and 7.2 (and two that only look
 * like it, 7.1's exclusions), each as a 400 with code null. */
static const struct {
    const char *message;
    int code;
} wordings[] = {
    {"Requested tokens exceed context limit of 8192", MP_E_CONTEXT_OVERFLOW},
    {"This model's maximum context length is 8192 tokens",
     MP_E_CONTEXT_OVERFLOW},
    {"Invalid 'messages[0].content': string too long. Expected a string with "
     "maximum length 10485760, but got a string with length 12000000 instead.",
     MP_E_CONTEXT_OVERFLOW},
    {"This request exceeds the model's maximum context limit of 32000",
     MP_E_CONTEXT_OVERFLOW},
    {"The input is longer than the model's context length (4096)",
     MP_E_CONTEXT_OVERFLOW},
    {"Input tokens exceed the configured limit of 272000 tokens.",
     MP_E_CONTEXT_OVERFLOW},
    {"`inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000",
     MP_E_CONTEXT_OVERFLOW},
    {"the request exceeds the available context size, try increasing it",
     MP_E_CONTEXT_OVERFLOW},
    {"Prompt exceeds the maximum number of tokens allowed (131072)",
     MP_E_CONTEXT_OVERFLOW},
    {"Current length is 9000 while limit is 8192", MP_E_CONTEXT_OVERFLOW},
    {"The maximum input length is 8192 tokens", MP_E_CONTEXT_OVERFLOW},
    {"Input is too long for requested model.", MP_E_CONTEXT_OVERFLOW},
    {"input length and `max_tokens` exceed context limit: 190000 + 20000 > "
     "200000", MP_E_CONTEXT_OVERFLOW},
    {"too many total text bytes: 9000000 > 8000000", MP_E_CONTEXT_OVERFLOW},
    /* Exclusions: a too-long string field is an ordinary bad request. */
    {"Invalid 'user': string too long. Expected a string with maximum length "
     "256", MP_E_BAD_REQUEST},
    {"string_above_max_length: Invalid 'tools[0].description'",
     MP_E_BAD_REQUEST},
};

static void test_overflow_every_wording(void **state)
{
    (void)state;
    size_t n = sizeof wordings / sizeof wordings[0];
    char *paths[32];
    for (size_t i = 0; i < n; i++) {
        json_object *msg = json_object_new_string(wordings[i].message);
        char name[32];
        snprintf(name, sizeof name, "ovf%zu.scn", i);
        paths[i] = it_write_file(name, "model: it-ovf-%zu\nstatus: 400\n"
                                 "--- body\n{\"error\":{\"message\":%s,"
                                 "\"type\":\"invalid_request_error\","
                                 "\"param\":null,\"code\":null}}\n", i,
                                 json_object_to_json_string(msg));
        json_object_put(msg);
        assert_non_null(paths[i]);
    }
    mock_proc m;
    assert_int_equal(it_mock_start(&m, "--scenarios", it_tmpdir(), NULL), 0);
    for (size_t i = 0; i < n; i++) {
        char model[32];
        snprintf(model, sizeof model, "it-ovf-%zu", i);
        it_call c;
        it_call_model(&c, &m, model, NULL, SECRET, NULL);
        print_message("%s: %s\n", mp_errname(c.rc), c.err.message);
        st_expect_error(&c, wordings[i].code, 400, 0, -1,
                        "invalid_request_error",
                        wordings[i].message, SECRET);
        it_call_free(&c);
        free(paths[i]);
    }
    mock_stop(&m);
}

/* ------------------------------------------------------ other statuses */

static void test_401_404_500_503(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_401_echo_key.scn",
                                       "it_404.scn", "it_500.scn",
                                       "it_503.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-401", NULL, SECRET, "\"num_retries\":2");
    /* The key echoed by the server is redacted, wherever it appears. */
    st_expect_error(&c, MP_E_AUTHENTICATION, 401, 0, -1, "401",
                    "HTTP 401: Authentication Error, Invalid proxy server "
                    "token passed. Received API Key = <redacted>, Key Hash "
                    "(Token) =abc. Header: Bearer <redacted>", SECRET);
    it_call_free(&c);
    it_call_model(&c, &m, "it-404", NULL, SECRET, "\"num_retries\":2");
    st_expect_error(&c, MP_E_NOT_FOUND, 404, 0, -1, "404",
                    "HTTP 404: litellm.NotFoundError: Model it-404 not found "
                    "on this proxy", SECRET);
    it_call_free(&c);
    it_call_model(&c, &m, "it-500", NULL, SECRET, NULL);
    st_expect_error(&c, MP_E_SERVER, 500, 1, -1, "500",
                    "HTTP 500: litellm.InternalServerError: upstream exploded",
                    SECRET);
    it_call_free(&c);
    it_call_model(&c, &m, "it-503", NULL, SECRET, NULL);
    st_expect_error(&c, MP_E_SERVER, 503, 1, -1, "",
                    "HTTP 503: Service temporarily unavailable: the upstream "
                    "model is overloaded", SECRET);
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    /* 401 and 404 are not retried; 500 and 503 had num_retries 0. */
    assert_int_equal(it_chat_count(&m), 4);
    char *logs = it_logs();
    assert_null(strstr(logs, SECRET));
    free(logs);
    mock_stop(&m);
}

static void test_503_retried_then_success(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "it_503_retry.scn",
                                       "it_ok_text.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-any", NULL, SECRET,
                  "\"num_retries\":1,\"retry_backoff_ms\":5");
    st_expect_ok_events(&c, ST_HELLO_EVENTS);
    expect_same_bodies(&m, 2);
    it_call_free(&c);
    mock_stop(&m);
}

/* ------------------------------------------------------ gateway quirks */

static void test_gateway_quirks(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_dup_content_type.scn",
                                       "it_html_message.scn",
                                       "it_status_failure.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-dup-content-type", NULL, SECRET, NULL);
    st_expect_ok_events(&c, ST_HELLO_EVENTS);
    it_call_free(&c);

    it_call_model(&c, &m, "it-html-message", NULL, SECRET, NULL);
    st_expect_error(&c, MP_E_SERVER, 502, 1, -1, "",
                    "HTTP 502: 502 Bad Gateway Bad Gateway upstream connect "
                    "error or disconnect/reset before headers", SECRET);
    assert_null(strstr(c.err.message, "<"));  /* the tags are gone */
    it_call_free(&c);

    it_call_model(&c, &m, "it-status-failure", NULL, SECRET, NULL);
    st_expect_error(&c, MP_E_BAD_REQUEST, 400, 0, -1, "",
                    "HTTP 400: Invalid value for temperature: 7 is greater "
                    "than the maximum of 2", SECRET);
    it_call_free(&c);
    mock_stop(&m);
}

/* An HTTP 200 stream whose only event is an error object: typed from its
 * code, no events at all, and not retried (the response had begun). */
static void test_error_only_stream(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_error_only_stream.scn",
                                       "it_error_after_text.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-error-only-stream", NULL, SECRET,
                  "\"num_retries\":2");
    st_expect_error(&c, MP_E_THROTTLED, 429, 1, -1, "429",
                    "stream error (HTTP 429): litellm.RateLimitError: Rate "
                    "limit exceeded, retry later", SECRET);
    assert_int_equal(c.ev.count, 0);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);

    /* After some text: the events so far, then the typed error. */
    it_call_model(&c, &m, "it-error-after-text", NULL, SECRET,
                  "\"num_retries\":2");
    st_expect_error(&c, MP_E_SERVER, 500, 1, -1, "500",
                    "stream error (HTTP 500): litellm.APIConnectionError: "
                    "upstream reset the stream", SECRET);
    assert_string_equal(c.ev.json.data,
                        "{\"messageStart\":{\"role\":\"assistant\"}}\n"
                        "{\"contentBlockStart\":{\"start\":{}}}\n"
                        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Par\"}}}\n");
    assert_int_equal(it_chat_count(&m), 2);
    it_call_free(&c);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_429_retry_after_then_success),
        cmocka_unit_test(test_429_exhausted),
        cmocka_unit_test(test_429_not_retried_by_default),
        cmocka_unit_test(test_overflow_litellm_and_openai),
        cmocka_unit_test(test_overflow_every_wording),
        cmocka_unit_test(test_401_404_500_503),
        cmocka_unit_test(test_503_retried_then_success),
        cmocka_unit_test(test_gateway_quirks),
        cmocka_unit_test(test_error_only_stream),
    };
    return cmocka_run_group_tests_name("stream_errors", tests, it_group_setup,
                                       it_group_teardown);
}
