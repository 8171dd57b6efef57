/*
 * test_anthropic_errors.c - HTTP errors of the Messages API to typed
 * mp_errors (anthropic-wire.md section 5): the stream error cases of 8.1
 * (35-37, named after them) and the status/type table, the headers
 * (retry-after-ms, retry-after, rate-limit resets, x-should-retry,
 * request-id) and bodies that are not Anthropic's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../plugin/anthropic/an_mapper.h"
#include "../../plugin/core/error_classify.h"
#include "../support/requote.h"
#include "../support/secret_echo.h"

static int classify(int status, const char *body, const char *headers,
                    mp_error *err)
{
    lp_http_reply r = {status, body, body ? strlen(body) : 0, headers,
                       headers ? strlen(headers) : 0};
    *err = (mp_error)MP_ERROR_INIT;
    return an_classify_http(&r, NULL, err);
}

/* Anthropic's error body for a type and message (` quoted). */
static const char *body_of(const char *type, const char *message)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "{\"type\":\"error\",\"error\":{\"type\":\"%s\","
             "\"message\":\"%s\"},\"request_id\":\"req_body\"}", type,
             message);
    return buf;
}

/* 35 */
static void test_stream_rate_limit_error(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify(429, body_of("rate_limit_error", "rate limit"),
                              NULL, &err), MP_E_THROTTLED);
    assert_non_null(strstr(err.message, "rate limit"));
    assert_int_equal(err.retryable, 1);
}

/* 36 (the three phrases) */
static void test_stream_bad_request_overflow_error(void **state)
{
    (void)state;
    static const char *const phrases[] = {
        "...input is too long...", "...input length exceeds context window...",
        "...input and output tokens exceed your context limit..."};
    for (size_t i = 0; i < 3; i++) {
        mp_error err;
        assert_int_equal(classify(400, body_of("invalid_request_error",
                                               phrases[i]), NULL, &err),
                         MP_E_CONTEXT_OVERFLOW);
        assert_int_equal(err.retryable, 0);
    }
}

/* 37 */
static void test_stream_bad_request_error(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify(400, body_of("invalid_request_error", "bad"),
                              NULL, &err), MP_E_BAD_REQUEST);
    assert_non_null(strstr(err.message, "bad"));
}

/* 5.2: type first, status where the type is unknown. */
static void test_status_and_type_table(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *type;
        int code, retryable;
    } rows[] = {
        {401, "authentication_error", MP_E_AUTHENTICATION, 0},
        {402, "billing_error", MP_E_AUTHENTICATION, 0},
        {403, "permission_error", MP_E_AUTHENTICATION, 0},
        {404, "not_found_error", MP_E_NOT_FOUND, 0},
        {413, "request_too_large", MP_E_BAD_REQUEST, 0},
        {500, "api_error", MP_E_SERVER, 1},
        {504, "timeout_error", MP_E_TIMEOUT, 1},
        {529, "overloaded_error", MP_E_THROTTLED, 1},
        {529, "some_future_error", MP_E_THROTTLED, 1},
        {503, "some_future_error", MP_E_SERVER, 1},
        {408, "some_future_error", MP_E_TIMEOUT, 1},
        {409, "some_future_error", MP_E_SERVER, 1},
        {418, "some_future_error", MP_E_HTTP, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        mp_error err;
        int rc = classify(rows[i].status, body_of(rows[i].type, "m"), NULL,
                          &err);
        if (rc != rows[i].code || err.retryable != rows[i].retryable)
            fail_msg("HTTP %d %s: %s retryable %d", rows[i].status,
                     rows[i].type, mp_errname(rc), err.retryable);
        assert_int_equal(err.http_status, rows[i].status);
        assert_string_equal(err.provider_code, rows[i].type);
    }
}

/* 5.1: a body that is not Anthropic's (Cloudflare's 413 page, a proxy's
 * text) still gives a typed error with its text. */
static void test_foreign_bodies(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify(413, "<html><body><h1>413 Request Entity Too "
                              "Large</h1></body></html>", NULL, &err),
                     MP_E_BAD_REQUEST);
    assert_string_equal(err.provider_code, "request_too_large");
    assert_non_null(strstr(err.message, "413 Request Entity Too Large"));
    assert_int_equal(classify(529, "Overloaded", NULL, &err), MP_E_THROTTLED);
    assert_int_equal(err.retryable, 1);
    assert_int_equal(classify(502, "", NULL, &err), MP_E_SERVER);
}

/* 5.4: retry-after-ms first, then retry-after; x-should-retry decides;
 * the request-id header wins over the body's. */
static void test_headers(void **state)
{
    (void)state;
    mp_error err;
    const char *b = body_of("rate_limit_error", "slow");
    classify(429, b, "retry-after: 7\r\nretry-after-ms: 1500\r\n", &err);
    assert_int_equal(err.retry_after_ms, 1500);
    classify(429, b, "Retry-After: 2.5\r\n", &err);
    assert_int_equal(err.retry_after_ms, 2500);
    classify(529, body_of("overloaded_error", "busy"),
             "x-should-retry: false\r\n", &err);
    assert_int_equal(err.retryable, 0);
    classify(400, body_of("invalid_request_error", "x"),
             "x-should-retry: true\r\n", &err);
    assert_int_equal(err.retryable, 1);
    classify(400, body_of("invalid_request_error", "prompt is too long: 1 > 0"),
             "x-should-retry: true\r\n", &err);
    assert_int_equal(err.retryable, 0); /* an overflow overflows again */
    classify(500, b, "request-id: req_header\r\n", &err);
    assert_non_null(strstr(err.message, "request id req_header"));
    assert_null(strstr(err.message, "req_body"));
    classify(500, b, NULL, &err);
    assert_non_null(strstr(err.message, "request id req_body"));
}

/* Section 0: a 429/529 without retry-after waits for the reset of the
 * budget that ran out (RFC 3339). */
static void test_ratelimit_reset_gives_the_wait(void **state)
{
    (void)state;
    time_t now = time(NULL) + 30;
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[64], headers[512];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(headers, sizeof headers,
             "anthropic-ratelimit-requests-remaining: 7\r\n"
             "anthropic-ratelimit-requests-reset: 2000-01-01T00:00:00Z\r\n"
             "anthropic-ratelimit-tokens-remaining: 0\r\n"
             "anthropic-ratelimit-tokens-reset: %s\r\n", when);
    mp_error err;
    classify(429, body_of("rate_limit_error", "x"), headers, &err);
    assert_true(err.retry_after_ms > 25000 && err.retry_after_ms <= 30000);
    /* Not for other statuses, and not when the budget is not exhausted. */
    classify(500, body_of("api_error", "x"), headers, &err);
    assert_int_equal(err.retry_after_ms, -1);
    assert_int_equal(ec_parse_rfc3339_wait("2026-01-01T00:00:10.5+00:00",
                                           1767225600000LL), 10500);
    assert_int_equal(ec_parse_rfc3339_wait("2026-01-01T01:00:00+01:00",
                                           1767225600000LL), 0);
    assert_int_equal(ec_parse_rfc3339_wait("soon", 0), -1);
}


/* At every offset of the cut, not even the secret's start may show. */
static void test_secret_cut_at_the_kept_end_is_scrubbed(void **state)
{
    (void)state;
    const char *secrets[] = {ECHO_SECRET, NULL};
    for (size_t pad = 0; pad <= strlen(ECHO_SECRET); pad++) {
        char *body = echo_body(pad, "{\"type\":\"error\",\"error\":{\"type\":"
                               "\"invalid_request_error\",\"message\":\"",
                               "\"}}");
        lp_http_reply r = {400, body, strlen(body), NULL, 0};
        mp_error err = MP_ERROR_INIT;
        an_classify_http(&r, secrets, &err);
        if (strstr(err.message, "gw-tok-0"))
            fail_msg("pad %zu: a secret's start shows: %s", pad, err.message);
        assert_non_null(strstr(err.message, "<redacted>"));
        free(body);
    }
}

/* Secrets never reach the message (decision 21). */
static void test_secrets_scrubbed(void **state)
{
    (void)state;
    const char *secrets[] = {"sk-ant-api03-SECRETSECRET", NULL};
    lp_http_reply r = {401, NULL, 0, NULL, 0};
    const char *body = body_of("authentication_error",
                               "invalid x-api-key sk-ant-api03-SECRETSECRET");
    r.body = body;
    r.body_len = strlen(body);
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(an_classify_http(&r, secrets, &err),
                     MP_E_AUTHENTICATION);
    assert_null(strstr(err.message, "SECRETSECRET"));
    assert_non_null(strstr(err.message, "<redacted>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_rate_limit_error),
        cmocka_unit_test(test_stream_bad_request_overflow_error),
        cmocka_unit_test(test_stream_bad_request_error),
        cmocka_unit_test(test_status_and_type_table),
        cmocka_unit_test(test_foreign_bodies),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_ratelimit_reset_gives_the_wait),
        cmocka_unit_test(test_secrets_scrubbed),
        cmocka_unit_test(test_secret_cut_at_the_kept_end_is_scrubbed),
    };
    return cmocka_run_group_tests_name("anthropic: errors", tests, NULL, NULL);
}
