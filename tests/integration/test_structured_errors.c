/*
 * test_structured_errors.c - errors of structured_output()'s HTTP call are
 * typed exactly as stream()'s (decisions 14-17; the reference let them
 * escape unconverted): authentication with the echoed key redacted, not
 * found, server errors, and num_retries retrying a 503.  Overflow and
 * throttling are the reference cases in test_structured_reference.c.
 */
#include "structured_it.h"

#define TOOL_MODE "\"structured_output_mode\":\"tool\""

/* One call for `model` in tool mode; the error must be `code` with this
 * HTTP status, retryable flag and message, followed by where the call went
 * and where its base URL and key came from (never the key itself). */
static void expect_http_error(mock_proc *m, const char *model, int code,
                              int status, int retryable, const char *message)
{
    mp_instance *inst = so_instance(m, model, TOOL_MODE);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), code);
    assert_int_equal(r.err.http_status, status);
    assert_int_equal(r.err.retryable, retryable);
    char want[2048];
    snprintf(want, sizeof want, "%s (POST %s/v1/chat/completions; base URL "
             "from client_args.api_base; key from client_args.api_key)",
             message, m->base_url);
    assert_string_equal(r.err.message, want);
    assert_int_equal(r.writes, 0);
    so_result_free(&r);
    so_destroy(inst);
}

static void test_http_errors_are_typed_as_in_stream(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_401_echo_key.scn", "it_404.scn",
             "it_500.scn", NULL});
    /* The key the server echoes is redacted wherever it appears. */
    expect_http_error(&m, "so-401", MP_E_AUTHENTICATION, 401, 0,
                      "HTTP 401: Authentication Error, Invalid proxy server token "
                      "passed. Received API Key = <redacted>, Header: Bearer "
                      "<redacted>");
    expect_http_error(&m, "it-404", MP_E_NOT_FOUND, 404, 0,
                      "HTTP 404: litellm.NotFoundError: Model it-404 not found on "
                      "this proxy");
    expect_http_error(&m, "it-500", MP_E_SERVER, 500, 1,
                      "HTTP 500: litellm.InternalServerError: upstream exploded");
    so_expect_requests(&m, SO_CHAT " | " SO_CHAT " | " SO_CHAT);
    so_stop(&m);
}

/* num_retries applies as in stream(): a 503 before any byte is retried,
 * and the retry's answer is the result. */
static void test_503_is_retried_with_num_retries(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, (const char *const[]){"--sequence", NULL},
             (const char *const[]){"it_503_retry.scn", "so_tool_person.scn", NULL});
    mp_instance *inst = so_instance_ex(&m, "/v1", "so-tool", TOOL_MODE,
                                       "\"num_retries\":1,\"retry_backoff_ms\":10");
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, "{\"name\":\"John\",\"age\":30}");
    so_expect_requests(&m, SO_CHAT " | " SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* The whole-call timeout reached while the answer is half read is the
 * timeout error, as in stream(), not a dropped connection (nothing reached
 * the host yet, so the transport reports it as such). */
static void test_timeout_mid_body_is_a_timeout(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_stall.scn", NULL});
    mp_instance *inst = so_instance_ex(&m, "/v1", "so-stall", TOOL_MODE,
                                       "\"timeout\":0.5");
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA,
                             "TestOutputModel", NULL, &r), MP_E_TIMEOUT);
    assert_non_null(strstr(r.err.message, "timed out"));
    assert_int_equal(r.writes, 0);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* `timeout` bounds the whole call, as in stream(): after a response_format
 * refused with a 400 that took 0.7 s of a 1 s timeout, the tool path has
 * the 0.3 s left, not a fresh second, and the call ends in MP_E_TIMEOUT
 * (it used to finish after 1.4 s). */
static void test_timeout_bounds_the_fallback_too(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, (const char *const[]){"--sequence", NULL},
             (const char *const[]){"so_rf_400_slow.scn", "so_tool_slow.scn",
                                   NULL});
    mp_instance *inst = so_instance_ex(&m, "/v1", "so-rf-slow", NULL,
                                       "\"timeout\":1");
    so_result r;
    double t0 = it_now_ms();
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA,
                             "TestOutputModel", NULL, &r), MP_E_TIMEOUT);
    double took = it_now_ms() - t0;
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
    assert_int_equal(r.writes, 0);
    if (took > 1000 + 400)
        fail_msg("the call took %.0f ms with a 1 s timeout", took);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SO_TEST(test_http_errors_are_typed_as_in_stream),
        SO_TEST(test_503_is_retried_with_num_retries),
        SO_TEST(test_timeout_mid_body_is_a_timeout),
        SO_TEST(test_timeout_bounds_the_fallback_too),
    };
    return cmocka_run_group_tests(tests, so_setup, so_teardown);
}
