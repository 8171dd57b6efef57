/*
 * test_error_classify.c - HTTP failures and mid-stream error objects to
 * typed errors (decisions 14-16, 28): the reference's classification cases
 * (reference-behaviour 8.1 case 13; 8.2 cases 88-96; reference-update
 * 3.2 cases 90', 91', 127 and 3.3 cases 134-142), every overflow and
 * rate-limit phrase of 7.1/7.2 and litellm-wire 1.5, Retry-After forms,
 * each body shape, secret scrubbing and truncation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/core/error_classify.h"
#include "../../plugin/core/utf8.h"
#include "../support/secret_echo.h"

/* An OpenAI/LiteLLM error body around `message` and `code`. */
static int classify_msg(int status, const char *message, const char *code,
                        mp_error *err)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_object_add(e, "type", NULL);
    json_object_object_add(e, "param", NULL);
    json_object_object_add(e, "code", code ? json_object_new_string(code)
                                           : NULL);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "error", e);
    const char *s = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    *err = (mp_error)MP_ERROR_INIT;
    int rc = ec_classify_http(status, s, strlen(s), NULL, NULL, err);
    json_object_put(body);
    assert_int_equal(err->code, rc);
    return rc;
}

static int classify_body(int status, const char *body, mp_error *err)
{
    *err = (mp_error)MP_ERROR_INIT;
    return ec_classify_http(status, body, body ? strlen(body) : 0, NULL, NULL,
                            err);
}

/* 8.1 case 13: LiteLLM's ContextWindowExceededError through the proxy. */
static void test_context_window_maps_to_typed_exception(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(400, "litellm.ContextWindowExceededError: "
        "litellm.BadRequestError: BedrockException: Context Window Error - "
        "Input is too long", "400", &err), MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.retryable, 0);
    assert_string_equal(err.provider_code, "400");
    assert_true(strncmp(err.message, "HTTP 400: litellm.ContextWindowExceeded"
                        "Error:", 44) == 0);
}

/* 8.2 cases 88/89: code context_length_exceeded. */
static void test_stream_context_overflow_exception(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(400, "This model's maximum context length "
        "is 128000 tokens. However, your messages resulted in 150000 tokens.",
        "context_length_exceeded", &err), MP_E_CONTEXT_OVERFLOW);
    assert_non_null(strstr(err.message, "maximum context length"));
    assert_string_equal(err.provider_code, "context_length_exceeded");
    /* The code alone suffices, whatever the wording. */
    assert_int_equal(classify_msg(400, "too big", "context_length_exceeded",
                                  &err), MP_E_CONTEXT_OVERFLOW);
}

/* 8.2 cases 90'/91' (reference-update 3.2): the OpenAI parent's
 * alternative messages, five since the new classifier; the error carries
 * the server's words. */
static void test_stream_alternative_context_overflow_messages(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "Input is too long for requested model.",
        "input length and `max_tokens` exceed context limit",
        "too many total text bytes",
        "prompt tokens exceed customer model maximum",
        "MAXIMUM CONTEXT LENGTH EXCEEDED",
    };
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        if (classify_msg(400, msgs[i], NULL, &err) != MP_E_CONTEXT_OVERFLOW)
            fail_msg("not an overflow: %s", msgs[i]);
        assert_non_null(strstr(err.message, msgs[i]));
    }
}

/* Reference 7.1 (LiteLLM's own checks) and litellm-wire 1.5, each phrase,
 * case-insensitive, at any status that is not 429. */
static void test_every_overflow_phrase(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "Request exceed context limit of 4096",
        "THIS MODEL'S MAXIMUM CONTEXT LENGTH IS 4097 tokens",
        "String too long. Expected a string with maximum length 1048576",
        "model's maximum context limit reached",
        "prompt is longer than the model's context length",
        "input tokens exceed the configured limit of 272000 tokens",
        "`inputs` tokens + `max_new_tokens` must be <= 4096",
        "the request exceeds the available context size",
        "This request exceeds the maximum number of tokens allowed",
        "current length is 9000 while limit is 8192",
        "maximum input length is 4096 tokens",
        "prompt is too long: 210000 tokens > 200000 maximum",
        "maximum context length exceeded",
        "BedrockException: ContextWindowExceededError",
        "code context_length_exceeded in text",
    };
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        if (classify_msg(400, msgs[i], NULL, &err) != MP_E_CONTEXT_OVERFLOW)
            fail_msg("not an overflow: %s", msgs[i]);
        if (classify_msg(500, msgs[i], NULL, &err) != MP_E_CONTEXT_OVERFLOW)
            fail_msg("not an overflow at 500: %s", msgs[i]);
    }
    /* Half of a two-part rule is not enough. */
    assert_int_equal(classify_msg(400, "current length is 9000", NULL, &err),
                     MP_E_BAD_REQUEST);
    assert_int_equal(classify_msg(400, "maximum input length is 4096 chars",
                                  NULL, &err), MP_E_BAD_REQUEST);
}

/* 7.1's exclusions: a too-long string field is a plain bad request. */
static void test_overflow_exclusions(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(400, "Invalid 'messages[1].content': string "
        "too long. Expected a string with maximum length 1048576, but got a "
        "string with length 2000000 instead.", "string_above_max_length",
        &err), MP_E_BAD_REQUEST);
    assert_int_equal(classify_msg(400, "string_above_max_length: String too "
        "long. Expected a string with maximum length 10", NULL, &err),
        MP_E_BAD_REQUEST);
    assert_int_equal(classify_msg(400, "Invalid 'user': string too long. "
        "Expected a string with maximum length 256", NULL, &err),
        MP_E_BAD_REQUEST);
}

/* 8.2 case 92: any other API error passes through as what it is. */
static void test_stream_api_error_passthrough(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(500, "The server had an error", NULL, &err),
                     MP_E_SERVER);
    assert_int_equal(err.retryable, 1);
    assert_string_equal(err.message, "HTTP 500: The server had an error");
}

/* 8.2 case 93: a bad request with another code stays a bad request. */
static void test_stream_other_bad_request_errors_passthrough(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(400, "Invalid parameter", "invalid_parameter",
                                  &err), MP_E_BAD_REQUEST);
    assert_string_equal(err.provider_code, "invalid_parameter");
    assert_int_equal(err.retryable, 0);
}

/* 8.2 cases 94-96: rate limits become throttling. */
static void test_stream_rate_limit_as_throttle(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(429, "Request too large for gpt-4o in "
        "organization org-x on tokens per min (TPM): Limit 30000, Requested "
        "50000.", "rate_limit_exceeded", &err), MP_E_THROTTLED);
    assert_non_null(strstr(err.message, "tokens per min"));
    assert_int_equal(err.retryable, 1);
}

static void test_stream_request_rate_limit_as_throttle(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(classify_msg(429, "Rate limit reached for requests per "
                                  "minute.", NULL, &err), MP_E_THROTTLED);
    assert_int_equal(err.http_status, 429);
}

/* 7.1's rate-limit wording at statuses other than 429. */
static void test_rate_limit_phrases(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "litellm.RateLimitError: AnthropicException",
        "rate_limit_error: slow down",
        "Rate-Limit exceeded",
        "rate  limit",
        "Service tier capacity exceeded for this model",
        "Request too large for model",
    };
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        if (classify_msg(400, msgs[i], NULL, &err) != MP_E_THROTTLED)
            fail_msg("not throttled: %s", msgs[i]);
    /* Our own rate[\s_-]*limit wants no letter before "rate"; the
     * reference's rule (decision 28) is a plain substring, which comes
     * first, so "moderate limits" is throttling, as in the reference. */
    assert_int_equal(classify_msg(400, "exceeds moderate limits", NULL, &err),
                     MP_E_THROTTLED);
    assert_int_equal(classify_msg(400, "exceeds moderate-limits", NULL, &err),
                     MP_E_BAD_REQUEST);
    /* A standalone 429 counts only when the status is unknown. */
    json_object *o = json_object_new_string("upstream said 429 Too Many");
    err = (mp_error)MP_ERROR_INIT;
    assert_int_equal(ec_classify_error_object(o, 0, NULL, &err),
                     MP_E_THROTTLED);
    json_object_put(o);
    o = json_object_new_string("request 14290 failed");
    err = (mp_error)MP_ERROR_INIT;
    assert_int_equal(ec_classify_error_object(o, 0, NULL, &err), MP_E_SERVER);
    json_object_put(o);
    assert_int_equal(classify_msg(400, "error 429 upstream", NULL, &err),
                     MP_E_BAD_REQUEST);
    /* LiteLLM's throttling type. */
    assert_int_equal(classify_body(400, "{\"error\":{\"message\":\"x\","
                                   "\"type\":\"throttling_error\"}}", &err),
                     MP_E_THROTTLED);
    /* A 429 wins over an overflow phrase: the request may fit later. */
    assert_int_equal(classify_msg(429, "maximum context length", NULL, &err),
                     MP_E_THROTTLED);
}

/* Decision 16: the status map and the retryable flag. */
static void test_status_map_and_retryable(void **state)
{
    (void)state;
    static const struct {
        int status, code, retryable;
    } cases[] = {
        {400, MP_E_BAD_REQUEST, 0},    {401, MP_E_AUTHENTICATION, 0},
        {403, MP_E_AUTHENTICATION, 0}, {404, MP_E_NOT_FOUND, 0},
        {408, MP_E_TIMEOUT, 1},        {409, MP_E_HTTP, 1},
        {418, MP_E_HTTP, 0},           {422, MP_E_BAD_REQUEST, 0},
        {429, MP_E_THROTTLED, 1},      {500, MP_E_SERVER, 1},
        {502, MP_E_SERVER, 1},         {503, MP_E_SERVER, 1},
        {504, MP_E_SERVER, 1},         {599, MP_E_SERVER, 1},
        {302, MP_E_HTTP, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_error err;
        int rc = classify_msg(cases[i].status, "nothing special", NULL, &err);
        if (rc != cases[i].code || err.retryable != cases[i].retryable ||
            err.http_status != cases[i].status)
            fail_msg("status %d: got %s retryable %d", cases[i].status,
                     mp_errname(rc), err.retryable);
        assert_int_equal(err.retry_after_ms, -1);
    }
}

/* Retry-After: delta seconds (fractional too), the three date forms, and
 * garbage. */
static void test_retry_after_parsing(void **state)
{
    (void)state;
    const int64_t now = 1445412480000LL - 5000; /* 5 s before the date */
    assert_int_equal(ec_parse_retry_after("120", now), 120000);
    assert_int_equal(ec_parse_retry_after(" 3 ", now), 3000);
    assert_int_equal(ec_parse_retry_after("0", now), 0);
    assert_int_equal(ec_parse_retry_after("1.5", now), 1500);
    assert_int_equal(ec_parse_retry_after("0.25", now), 250);
    assert_int_equal(ec_parse_retry_after("0.0001", now), 1); /* rounds up */
    assert_int_equal(ec_parse_retry_after("2.000", now), 2000);
    assert_int_equal(ec_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
                     5000);
    assert_int_equal(ec_parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT",
                                          now), 5000);
    assert_int_equal(ec_parse_retry_after("Wed Oct 21 07:28:00 2015", now),
                     5000);
    assert_int_equal(ec_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
                                          784111777000LL), 0);
    /* A date already past: retry now. */
    assert_int_equal(ec_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
                     0);
    static const char *const bad[] = {
        "", "   ", "abc", "-1", "1.", "1.5s", "12 34", "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT", "Wed, 21 Oct 2015 25:28:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT junk", "99999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ec_parse_retry_after(bad[i], now) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(ec_parse_retry_after(NULL, now), -1);
}

static void test_retry_after_header_on_429(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    const char *body = "{\"error\":{\"message\":\"No deployments available\","
                       "\"code\":\"429\"}}";
    assert_int_equal(ec_classify_http(429, body, strlen(body), "2", NULL, &err),
                     MP_E_THROTTLED);
    assert_int_equal(err.retry_after_ms, 2000);
    err = (mp_error)MP_ERROR_INIT;
    ec_classify_http(429, body, strlen(body), "soon", NULL, &err);
    assert_int_equal(err.retry_after_ms, -1);
    /* A date far ahead gives a large positive wait. */
    err = (mp_error)MP_ERROR_INIT;
    ec_classify_http(503, "", 0, "Fri, 31 Dec 2069 23:59:59 GMT", NULL, &err);
    assert_true(err.retry_after_ms > 1000LL * 3600 * 24 * 365);
}

/* Each body shape gives its message and code. */
static void test_body_shapes(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *body, *message, *code;
    } cases[] = {
        {400, "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\","
              "\"param\":\"model\",\"code\":\"model_not_found\"}}",
         "HTTP 400: bad model", "model_not_found"},
        {429, "{\"error\":{\"message\":\"slow\",\"code\":429}}", "HTTP 429: slow",
         "429"},
        {401, "{\"error\":{\"message\":\"no key\",\"type\":\"auth_error\"}}",
         "HTTP 401: no key", "auth_error"},
        {502, "{\"error\":\"upstream gone\"}", "HTTP 502: upstream gone", ""},
        {500, "{\"status\":\"failure\",\"message\":\"worker crashed\"}",
         "HTTP 500: worker crashed", ""},
        {422, "{\"detail\":\"Field required\"}", "HTTP 422: Field required", ""},
        {422, "{\"detail\":[{\"loc\":[\"body\",\"model\"],\"msg\":\"field required\"}]}",
         "HTTP 422: [{\"loc\":[\"body\",\"model\"],\"msg\":\"field required\"}]", ""},
        {403, "{\"message\":\"Forbidden by policy\"}",
         "HTTP 403: Forbidden by policy", ""},
        {503, "{\"html-message\":\"Service paused\"}", "HTTP 503: Service paused",
         ""},
        {404, "{\"foo\":1}", "HTTP 404: {\"foo\":1}", ""},
        {502, "upstream connect error or disconnect/reset before headers.\n"
              "  reset reason: overflow",
         "HTTP 502: upstream connect error or disconnect/reset before "
         "headers. reset reason: overflow", ""},
        {502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>"
              "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx"
              "</center>\r\n</body>\r\n</html>\r\n",
         "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx", ""},
        {503, "", "HTTP 503: Service Unavailable", ""},
        {503, NULL, "HTTP 503: Service Unavailable", ""},
        {418, "", "HTTP 418: (empty body)", ""},
        {500, "   \n ", "HTTP 500: Internal Server Error", ""},
        {400, "{\"error\":{\"message\":\"x\"", "HTTP 400: {\"error\":{\"message\":\"x\"",
         ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_error err;
        classify_body(cases[i].status, cases[i].body, &err);
        if (strcmp(err.message, cases[i].message) != 0 ||
            strcmp(err.provider_code, cases[i].code) != 0)
            fail_msg("case %zu: got \"%s\" / \"%s\"", i, err.message,
                     err.provider_code);
        assert_int_equal(err.http_status, cases[i].status);
    }
}

/* A long text body keeps only a prefix. */
static void test_text_body_prefix(void **state)
{
    (void)state;
    char body[4000];
    memset(body, 'a', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    mp_error err;
    classify_body(500, body, &err);
    assert_int_equal(strlen(err.message), strlen("HTTP 500: ") + 512);
}

/* Mid-stream error objects: numeric codes become the status. */
static void test_error_object_forms(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    json_object *o = json_tokener_parse("{\"message\":\"overloaded\",\"code\":503}");
    assert_int_equal(ec_classify_error_object(o, 0, NULL, &err), MP_E_SERVER);
    assert_int_equal(err.http_status, 503);
    assert_string_equal(err.message, "stream error (HTTP 503): overloaded");
    json_object_put(o);
    err = (mp_error)MP_ERROR_INIT;
    o = json_tokener_parse("{\"code\":\"401\"}");
    assert_int_equal(ec_classify_error_object(o, 0, NULL, &err),
                     MP_E_AUTHENTICATION);
    assert_string_equal(err.message, "stream error (HTTP 401): {\"code\":\"401\"}");
    json_object_put(o);
    /* A known status from the caller wins over the code. */
    err = (mp_error)MP_ERROR_INIT;
    o = json_tokener_parse("{\"message\":\"m\",\"code\":\"bad\"}");
    assert_int_equal(ec_classify_error_object(o, 404, NULL, &err),
                     MP_E_NOT_FOUND);
    json_object_put(o);
    err = (mp_error)MP_ERROR_INIT;
    assert_int_equal(ec_classify_error_object(NULL, 0, NULL, &err), MP_E_SERVER);
}

/* provider_code is a string for the host, so it is UTF-8 like the message
 * beside it: bytes that start no well-formed character become '?', from an
 * HTTP error body and from an error object inside a stream. */
static void test_provider_code_is_utf8(void **state)
{
    (void)state;
    const char *body = "{\"error\":{\"message\":\"m\",\"code\":"
                       "\"bad\xff\xfe\xc0\xaf" "code\xed\xa0\x80\"}}";
    mp_error err = MP_ERROR_INIT;
    ec_classify_http(400, body, strlen(body), NULL, NULL, &err);
    assert_true(lp_utf8_valid(err.provider_code, strlen(err.provider_code)));
    assert_string_equal(err.provider_code, "bad????code???");

    json_object *e = json_object_new_object();
    json_object_object_add(e, "message", json_object_new_string("m"));
    json_object_object_add(e, "type", json_object_new_string("t\xf4\x90\x80\x80"));
    err = (mp_error)MP_ERROR_INIT;
    ec_classify_error_object(e, 0, NULL, &err);
    json_object_put(e);
    assert_string_equal(err.provider_code, "t????");
}

/* A text cut at its end may end inside a secret: ec_scrub_cut drops that
 * start too, where ec_scrub (which needs the whole secret) cannot. */
static void test_scrub_cut(void **state)
{
    (void)state;
    static const char *const secrets[] = {"abc-secret-1", NULL};
    static const struct { const char *in, *want; } cases[] = {
        {"Bearer abc-secr", "Bearer <redacted>"},
        {"Bearer abc-secret-1", "Bearer <redacted>"},
        {"key abc-secret-1 and abc", "key <redacted> and <redacted>"},
        {"x sk-abc", "x <redacted>"},
        {"task-xyz", "task-xyz"},
        {"ends in abc", "ends in <redacted>"}, /* may be the key's start */
        {"nothing to hide", "nothing to hide"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf out;
        sb_init(&out, 4096);
        assert_int_equal(ec_scrub_cut(cases[i].in, strlen(cases[i].in),
                                      secrets, &out), 0);
        assert_string_equal(out.data, cases[i].want);
        sb_free(&out);
    }
}


/* At every offset of the cut, not even the secret's start may show. */
static void test_secret_cut_at_the_kept_end_is_scrubbed(void **state)
{
    (void)state;
    const char *secrets[] = {ECHO_SECRET, NULL};
    for (size_t pad = 0; pad <= strlen(ECHO_SECRET); pad++) {
        char *body = echo_body(pad, "{\"error\":{\"message\":\"", "\"}}");
        mp_error err = MP_ERROR_INIT;
        ec_classify_http(400, body, strlen(body), NULL, secrets, &err);
        if (strstr(err.message, "gw-tok-0"))
            fail_msg("pad %zu: a secret's start shows: %s", pad, err.message);
        assert_non_null(strstr(err.message, "<redacted>"));
        free(body);
    }
}

/* Decision 21 / MP_PLUGIN_9: secrets never reach the message or code. */
static void test_secret_scrubbing(void **state)
{
    (void)state;
    const char *secrets[] = {"my-proxy-key-123", "tok", NULL};
    const char *body = "{\"error\":{\"message\":\"Invalid key my-proxy-key-123 "
                       "(also sk-proj-abcDEF_12-34 and sk-short, task-abcdefghijk)"
                       " tok tok\",\"code\":\"bad my-proxy-key-123\"}}";
    mp_error err = MP_ERROR_INIT;
    ec_classify_http(401, body, strlen(body), NULL, secrets, &err);
    assert_string_equal(err.message, "HTTP 401: Invalid key <redacted> (also "
                        "sk-<redacted> and sk-short, task-abcdefghijk) "
                        "<redacted> <redacted>");
    assert_string_equal(err.provider_code, "bad <redacted>");
    assert_null(strstr(err.message, "my-proxy"));

    /* The longest secret wins where two start at the same place. */
    strbuf out;
    sb_init(&out, 4096);
    const char *nested[] = {"abc", "abcdef", NULL};
    assert_int_equal(ec_scrub("xabcdefx abc", 12, nested, &out), 0);
    assert_string_equal(out.data, "x<redacted>x <redacted>");
    sb_free(&out);
    /* sk- keys at the very start and end, exactly 8 characters. */
    sb_init(&out, 4096);
    assert_int_equal(ec_scrub("sk-12345678", 11, NULL, &out), 0);
    assert_string_equal(out.data, "sk-<redacted>");
    sb_free(&out);
    sb_init(&out, 4096);
    assert_int_equal(ec_scrub("key=sk-1234567", 14, NULL, &out), 0);
    assert_string_equal(out.data, "key=sk-1234567");
    sb_free(&out);
}

/* The message is cut to the host's room, on a UTF-8 boundary, after
 * scrubbing (a secret near the cut cannot leak half of itself). */
static void test_message_truncation(void **state)
{
    (void)state;
    strbuf body;
    sb_init(&body, 1 << 20);
    sb_appends(&body, "{\"error\":{\"message\":\"");
    for (int i = 0; i < 3000; i++)
        sb_appends(&body, "\xC3\xA9"); /* é */
    sb_appends(&body, "\"}}");
    mp_error err = MP_ERROR_INIT;
    ec_classify_http(400, body.data, body.len, NULL, NULL, &err);
    size_t n = strlen(err.message);
    assert_true(n < MP_ERROR_MESSAGE_MAX);
    assert_true(n > MP_ERROR_MESSAGE_MAX - 8);
    assert_string_equal(err.message + n - 3, "...");
    /* The byte before "..." ends a whole character. */
    assert_int_equal((unsigned char)err.message[n - 4], 0xA9);
    sb_free(&body);

    /* A message far beyond every internal cap is cut, not dropped. */
    sb_init(&body, 1 << 20);
    sb_appends(&body, "{\"error\":{\"message\":\"");
    for (int i = 0; i < 20000; i++)
        sb_appendc(&body, 'q');
    sb_appends(&body, "\"}}");
    err = (mp_error)MP_ERROR_INIT;
    ec_classify_http(400, body.data, body.len, NULL, NULL, &err);
    assert_true(strncmp(err.message, "HTTP 400: qqqq", 14) == 0);
    assert_int_equal(strlen(err.message), MP_ERROR_MESSAGE_MAX - 1);
    sb_free(&body);

    /* A host with a smaller mp_error: nothing written past its size. */
    struct {
        mp_error err;
        char canary[8];
    } small;
    memset(&small, 0x5A, sizeof small);
    small.err.struct_size = (uint32_t)(offsetof(mp_error, message) + 40);
    const char *secrets[] = {"SECRETSECRETSECRET", NULL};
    const char *b2 = "{\"error\":{\"message\":\"xxxxxxxxxxxxxxxxxxxxxxSECRETSECRETSECRET "
                     "and more text\"}}";
    ec_classify_http(400, b2, strlen(b2), NULL, secrets, &small.err);
    assert_true(strlen(small.err.message) < 40);
    assert_null(strstr(small.err.message, "SECRET"));
    assert_int_equal((unsigned char)small.err.message[45], 0x5A);
    for (size_t i = 0; i < sizeof small.canary; i++)
        assert_int_equal((unsigned char)small.canary[i], 0x5A);
}

/* 8.2 cases 88, 91, 96: structured output's HTTP errors go through the
 * same classifier as stream's (the transport classifies every non-2xx),
 * so these repeat 89, 90 and 94 under the reference's names. */
static void test_structured_output_context_overflow_exception(void **state)
{
    test_stream_context_overflow_exception(state);
}

static void test_structured_output_alternative_context_overflow_messages(void **state)
{
    test_stream_alternative_context_overflow_messages(state);
}

static void test_structured_output_rate_limit_as_throttle(void **state)
{
    test_stream_rate_limit_as_throttle(state);
}

/* ---------------------------------------------------------------------
 * reference-update 3.3, test_openai_errors.py (cases 134-142): the
 * reference's classifier, which decision 28 applies on every path.  Its
 * errors carry a message and an optional code and status; here the
 * status-less ones are error objects inside a stream (status unknown). */

/* The reference's error: message, optional code (JSON text, so 400 can
 * be an integer), optional status (0: none). */
static int ref_classify(int status, const char *message, const char *code_json,
                        mp_error *err)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "message", json_object_new_string(message));
    if (code_json)
        json_object_object_add(e, "code", json_tokener_parse(code_json));
    *err = (mp_error)MP_ERROR_INIT;
    int rc;
    if (status) {
        json_object *body = json_object_new_object();
        json_object_object_add(body, "error", json_object_get(e));
        const char *s = json_object_to_json_string_ext(body,
                                                       JSON_C_TO_STRING_PLAIN);
        rc = ec_classify_http(status, s, strlen(s), NULL, NULL, err);
        json_object_put(body);
    } else {
        rc = ec_classify_error_object(e, 0, NULL, err);
    }
    json_object_put(e);
    assert_int_equal(err->code, rc);
    return rc;
}

/* Case 134 (10 messages). */
static void test_classify_openai_error_context_overflow_message(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "maximum context length",
        "context_length_exceeded",
        "too many tokens",
        "context length",
        "input is too long for requested model",
        "input length and `max_tokens` exceed context limit",
        "too many total text bytes",
        "exceed customer model maximum",
        "the engine prompt length exceeds the max_model_len",
        "prompt tokens (1200008) exceed model maximum (1050000) for "
        "openai.gpt-5.6-terra",
    };
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        if (ref_classify(0, msgs[i], NULL, &err) != MP_E_CONTEXT_OVERFLOW)
            fail_msg("not an overflow: %s", msgs[i]);
        /* At any status, not only 400. */
        if (ref_classify(500, msgs[i], NULL, &err) != MP_E_CONTEXT_OVERFLOW)
            fail_msg("not an overflow at 500: %s", msgs[i]);
    }
    /* The regular expression's other forms: exceeds / exceeded. */
    assert_int_equal(ref_classify(0, "prompt exceeds model maximum", NULL,
                                  &err), MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(ref_classify(0, "input exceeded customer model maximum",
                                  NULL, &err), MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(ref_classify(0, "exceeding model maximum", NULL, &err),
                     MP_E_SERVER);
}

/* Case 135. */
static void test_classify_openai_error_context_overflow_message_case_insensitive(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(0, "MAXIMUM CONTEXT LENGTH EXCEEDED", NULL,
                                  &err), MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(ref_classify(0, "PROMPT TOKENS EXCEED CUSTOMER MODEL "
                                  "MAXIMUM", NULL, &err),
                     MP_E_CONTEXT_OVERFLOW);
}

/* Case 136. */
static void test_classify_openai_error_context_overflow_code(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(0, "provider failure",
                                  "\"CONTEXT_LENGTH_EXCEEDED\"", &err),
                     MP_E_CONTEXT_OVERFLOW);
    assert_string_equal(err.provider_code, "CONTEXT_LENGTH_EXCEEDED");
}

/* Case 137 (3 messages). */
static void test_classify_openai_error_throttling_message(void **state)
{
    (void)state;
    static const char *const msgs[] = {"rate_limit_exceeded", "rate limit",
                                       "too many requests"};
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        if (ref_classify(0, msgs[i], NULL, &err) != MP_E_THROTTLED)
            fail_msg("not throttled: %s", msgs[i]);
        /* At any status: a 400 or 503 that says so is throttling. */
        if (ref_classify(400, msgs[i], NULL, &err) != MP_E_THROTTLED ||
            ref_classify(503, msgs[i], NULL, &err) != MP_E_THROTTLED)
            fail_msg("not throttled at 400/503: %s", msgs[i]);
        assert_int_equal(err.retryable, 1);
    }
}

/* Case 138. */
static void test_classify_openai_error_throttling_code(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(0, "provider failure",
                                  "\"RATE_LIMIT_EXCEEDED\"", &err),
                     MP_E_THROTTLED);
}

/* Case 139. */
static void test_classify_openai_error_http_429(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(429, "provider failure", NULL, &err),
                     MP_E_THROTTLED);
    assert_int_equal(err.http_status, 429);
}

/* Case 140: throttling is asked first. */
static void test_classify_openai_error_throttling_precedes_context_overflow(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(0, "exceed customer model maximum",
                                  "\"rate_limit_exceeded\"", &err),
                     MP_E_THROTTLED);
    /* Also when both are words of the message, and at status 400. */
    assert_int_equal(ref_classify(400, "rate limit: too many tokens", NULL,
                                  &err), MP_E_THROTTLED);
}

/* Case 141 (3): none of the patterns; ours leave them alone too. */
static void test_classify_openai_error_unknown(void **state)
{
    (void)state;
    static const char *const msgs[] = {
        "unrelated failure",
        "model maximum output tokens must be a positive integer",
        "requested model openai.gpt-5.6-terra is not available in this region",
    };
    mp_error err;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        int rc = ref_classify(0, msgs[i], NULL, &err);
        if (rc == MP_E_THROTTLED || rc == MP_E_CONTEXT_OVERFLOW)
            fail_msg("classified %s: %s", mp_errname(rc), msgs[i]);
        assert_int_equal(ref_classify(400, msgs[i], NULL, &err),
                         MP_E_BAD_REQUEST);
    }
}

/* Case 142: a non-string code is no code to the reference.  Ours reads a
 * numeric code as the HTTP status (decision 16), which classifies by
 * status only: a bad request, neither throttling nor overflow. */
static void test_classify_openai_error_non_string_code(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(0, "unrelated failure", "400", &err),
                     MP_E_BAD_REQUEST);
    assert_int_equal(err.http_status, 400);
}

/* reference-update 3.2 case 127 (parent; every path by decision 28): an
 * opaque 429 is throttling and keeps the server's words. */
static void test_stream_http_429_as_throttle(void **state)
{
    (void)state;
    mp_error err;
    assert_int_equal(ref_classify(429, "opaque provider failure", NULL, &err),
                     MP_E_THROTTLED);
    assert_non_null(strstr(err.message, "opaque provider failure"));
    assert_int_equal(err.retryable, 1);
}

/* vLLM's overflow wording (issue 9): "is longer than the maximum model
 * length", in its error object with an integer code. */
static void test_vllm_overflow_wording(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    json_object *o = json_tokener_parse(
        "{\"object\":\"error\",\"message\":\"The prompt (total length 9000) is "
        "longer than the maximum model length of 8192. Make sure that "
        "`max_model_len` is no smaller than the number of text tokens.\","
        "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
    assert_int_equal(ec_classify_error_object(o, 0, NULL, &err),
                     MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(err.http_status, 400);
    assert_int_equal(err.retryable, 0);
    assert_string_equal(err.provider_code, "400");
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_window_maps_to_typed_exception),
        cmocka_unit_test(test_stream_context_overflow_exception),
        cmocka_unit_test(test_stream_alternative_context_overflow_messages),
        cmocka_unit_test(test_every_overflow_phrase),
        cmocka_unit_test(test_overflow_exclusions),
        cmocka_unit_test(test_stream_api_error_passthrough),
        cmocka_unit_test(test_stream_other_bad_request_errors_passthrough),
        cmocka_unit_test(test_stream_rate_limit_as_throttle),
        cmocka_unit_test(test_stream_request_rate_limit_as_throttle),
        cmocka_unit_test(test_structured_output_context_overflow_exception),
        cmocka_unit_test(test_structured_output_alternative_context_overflow_messages),
        cmocka_unit_test(test_structured_output_rate_limit_as_throttle),
        cmocka_unit_test(test_rate_limit_phrases),
        cmocka_unit_test(test_status_map_and_retryable),
        cmocka_unit_test(test_retry_after_parsing),
        cmocka_unit_test(test_retry_after_header_on_429),
        cmocka_unit_test(test_body_shapes),
        cmocka_unit_test(test_text_body_prefix),
        cmocka_unit_test(test_error_object_forms),
        cmocka_unit_test(test_secret_scrubbing),
        cmocka_unit_test(test_secret_cut_at_the_kept_end_is_scrubbed),
        cmocka_unit_test(test_provider_code_is_utf8),
        cmocka_unit_test(test_scrub_cut),
        cmocka_unit_test(test_message_truncation),
        cmocka_unit_test(test_classify_openai_error_context_overflow_message),
        cmocka_unit_test(test_classify_openai_error_context_overflow_message_case_insensitive),
        cmocka_unit_test(test_classify_openai_error_context_overflow_code),
        cmocka_unit_test(test_classify_openai_error_throttling_message),
        cmocka_unit_test(test_classify_openai_error_throttling_code),
        cmocka_unit_test(test_classify_openai_error_http_429),
        cmocka_unit_test(test_classify_openai_error_throttling_precedes_context_overflow),
        cmocka_unit_test(test_classify_openai_error_unknown),
        cmocka_unit_test(test_classify_openai_error_non_string_code),
        cmocka_unit_test(test_stream_http_429_as_throttle),
        cmocka_unit_test(test_vllm_overflow_wording),
    };
    return cmocka_run_group_tests_name("error_classify", tests, NULL, NULL);
}
