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

#include "../support/it_harness.h"

#define SECRET "it-secret-api-key-42"

/* The events of it_ok_text.scn (metrics normalised). */
static const char hello_events[] =
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"
    "{\"contentBlockStart\":{\"start\":{}}}\n"
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Hello\"}}}\n"
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\", world\"}}}\n"
    "{\"contentBlockStop\":{}}\n"
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"
    "{\"metadata\":{\"usage\":{\"inputTokens\":3,\"outputTokens\":2,"
    "\"totalTokens\":5},\"metrics\":{\"latencyMs\":0,\"timeToFirstByteMs\":0}}}\n";

static int setup(void **state)
{
    (void)state;
    return it_load();
}

static int teardown(void **state)
{
    (void)state;
    it_tmp_cleanup();
    return it_unload();
}

/* One call against `m` with model `model` and extra client args. */
static void run(it_call *c, const mock_proc *m, const char *model,
                const char *extra)
{
    it_call_model(c, m, model, SECRET, extra);
}

/* The error fields, exactly; `needle` must be in the message. */
static void expect_error(const it_call *c, int code, int http, int retryable,
                         int64_t retry_after, const char *provider_code,
                         const char *needle)
{
    if (c->rc != code)
        fail_msg("got %s (%s), want %s", mp_errname(c->rc), c->err.message,
                 mp_errname(code));
    assert_int_equal(c->err.code, code);
    assert_int_equal(c->err.http_status, http);
    assert_int_equal(c->err.retryable, retryable);
    assert_int_equal(c->err.retry_after_ms, retry_after);
    if (provider_code)
        assert_string_equal(c->err.provider_code, provider_code);
    if (!strstr(c->err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", c->err.message, needle);
    if (strstr(c->err.message, SECRET))
        fail_msg("the API key leaked into \"%s\"", c->err.message);
}

static void expect_hello(const it_call *c)
{
    if (c->rc != MP_OK)
        fail_msg("stream: %s: %s", mp_errname(c->rc), c->err.message);
    int64_t l, t;
    char *got = it_normalise_metrics(c->ev.json.data, &l, &t);
    assert_non_null(got);
    assert_string_equal(got, hello_events);
    free(got);
}

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
    run(&c, &m, "it-any", "\"num_retries\":2,\"retry_backoff_ms\":5");
    expect_hello(&c);
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
    run(&c, &m, "it-any", "\"num_retries\":2,\"retry_backoff_ms\":5");
    expect_error(&c, MP_E_THROTTLED, 429, 1, 200, "429",
                 "HTTP 429: litellm.RateLimitError: Rate limit reached");
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
    run(&c, &m, "it-429", NULL);
    expect_error(&c, MP_E_THROTTLED, 429, 1, 200, "429", "Rate limit reached");
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
    run(&c, &m, "it-overflow-litellm", "\"num_retries\":3");
    expect_error(&c, MP_E_CONTEXT_OVERFLOW, 400, 0, -1, "400",
                 "HTTP 400: litellm.ContextWindowExceededError: "
                 "litellm.BadRequestError: AnthropicException - prompt is "
                 "too long");
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    run(&c, &m, "it-overflow-openai", "\"num_retries\":3");
    expect_error(&c, MP_E_CONTEXT_OVERFLOW, 400, 0, -1,
                 "context_length_exceeded",
                 "HTTP 400: This model's maximum context length is 128000 "
                 "tokens.");
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
        run(&c, &m, model, NULL);
        print_message("%s: %s\n", mp_errname(c.rc), c.err.message);
        expect_error(&c, wordings[i].code, 400, 0, -1, "invalid_request_error",
                     wordings[i].message);
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
    run(&c, &m, "it-401", "\"num_retries\":2");
    /* The key echoed by the server is redacted, wherever it appears. */
    expect_error(&c, MP_E_AUTHENTICATION, 401, 0, -1, "401",
                 "HTTP 401: Authentication Error, Invalid proxy server token "
                 "passed. Received API Key = <redacted>, Key Hash (Token) "
                 "=abc. Header: Bearer <redacted>");
    it_call_free(&c);
    run(&c, &m, "it-404", "\"num_retries\":2");
    expect_error(&c, MP_E_NOT_FOUND, 404, 0, -1, "404",
                 "HTTP 404: litellm.NotFoundError: Model it-404 not found on "
                 "this proxy");
    it_call_free(&c);
    run(&c, &m, "it-500", NULL);
    expect_error(&c, MP_E_SERVER, 500, 1, -1, "500",
                 "HTTP 500: litellm.InternalServerError: upstream exploded");
    it_call_free(&c);
    run(&c, &m, "it-503", NULL);
    expect_error(&c, MP_E_SERVER, 503, 1, -1, "",
                 "HTTP 503: Service temporarily unavailable: the upstream "
                 "model is overloaded");
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
    run(&c, &m, "it-any", "\"num_retries\":1,\"retry_backoff_ms\":5");
    expect_hello(&c);
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
    run(&c, &m, "it-dup-content-type", NULL);
    expect_hello(&c);
    it_call_free(&c);

    run(&c, &m, "it-html-message", NULL);
    expect_error(&c, MP_E_SERVER, 502, 1, -1, "",
                 "HTTP 502: 502 Bad Gateway Bad Gateway upstream connect "
                 "error or disconnect/reset before headers");
    assert_null(strstr(c.err.message, "<"));  /* the tags are gone */
    it_call_free(&c);

    run(&c, &m, "it-status-failure", NULL);
    expect_error(&c, MP_E_BAD_REQUEST, 400, 0, -1, "",
                 "HTTP 400: Invalid value for temperature: 7 is greater than "
                 "the maximum of 2");
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
    run(&c, &m, "it-error-only-stream", "\"num_retries\":2");
    expect_error(&c, MP_E_THROTTLED, 429, 1, -1, "429",
                 "stream error (HTTP 429): litellm.RateLimitError: Rate "
                 "limit exceeded, retry later");
    assert_int_equal(c.ev.count, 0);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);

    /* After some text: the events so far, then the typed error. */
    run(&c, &m, "it-error-after-text", "\"num_retries\":2");
    expect_error(&c, MP_E_SERVER, 500, 1, -1, "500",
                 "stream error (HTTP 500): litellm.APIConnectionError: "
                 "upstream reset the stream");
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
    return cmocka_run_group_tests_name("stream_errors", tests, setup, teardown);
}
