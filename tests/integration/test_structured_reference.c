/*
 * test_structured_reference.c - the reference's structured-output cases
 * (reference-behaviour.md 8: 7, 8, 81, 88, 91, 96; reference-update 3.2:
 * 91' and 128), ported to the real
 * plugin against build/mock-server, each named after its reference test.
 * The server checks the request shapes (expect.json in the scenarios).
 */
#include "structured_it.h"

/* Case 7, test_structured_output: the model supports a response schema
 * (the proxy's /model/info says so), the answer is the message content. */
static void test_structured_output(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_rf_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, "{\"name\":\"John\",\"age\":30}");
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT);
    /* The system prompt and messages go as in stream(). */
    json_object *body = so_body(&m, 1);
    assert_string_equal(it_get_str(body, "messages[0].content[0].text"),
                        "John is 30 years old.");
    json_object_put(body);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Case 8, test_structured_output_unsupported_model: no response schema
 * support, so the forced tool; finish_reason tool_calls. */
static void test_structured_output_unsupported_model(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-tool", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, "{\"name\":\"John\",\"age\":30}");
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT);
    /* The reference's tool spec: description "<Name> structured output
     * tool" when none is given. */
    json_object *body = so_body(&m, 1);
    assert_string_equal(it_get_str(body, "tools[0].function.description"),
                        "TestOutputModel structured output tool");
    json_object_put(body);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Case 81 (OpenAI parent), test_structured_output: parse() with a strict
 * response_format.  Here: mode response_format, no model-info probe. */
static void test_openai_structured_output(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_rf_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf",
                                    "\"structured_output_mode\":\"response_format\"");
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, "{\"name\":\"John\",\"age\":30}");
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Case 88, test_structured_output_context_overflow_exception: the call
 * overflows (code context_length_exceeded): a typed overflow, with the
 * server's words, and no fallback to the tool path (that 400 is not a
 * refusal of response_format). */
static void test_structured_output_context_overflow_exception(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_overflow_rf.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-overflow", NULL);
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), MP_E_CONTEXT_OVERFLOW);
    assert_non_null(strstr(r.err.message, "maximum context length"));
    assert_int_equal(r.err.http_status, 400);
    assert_int_equal(r.err.retryable, 0);
    assert_string_equal(r.err.provider_code, "context_length_exceeded");
    assert_int_equal(r.writes, 0);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Case 91' (reference-update 3.2),
 * test_structured_output_alternative_context_overflow_messages: the five
 * other overflow wordings, on the tool path. */
static void test_structured_output_alternative_context_overflow_messages(void **state)
{
    (void)state;
    static const struct {
        const char *model, *words;
    } cases[] = {
        {"so-overflow-alt1", "Input is too long for requested model"},
        {"so-overflow-alt2", "input length and `max_tokens` exceed context limit"},
        {"so-overflow-alt3", "too many total text bytes"},
        {"so-overflow-alt4", "prompt tokens exceed customer model maximum"},
        {"so-overflow-alt5", "MAXIMUM CONTEXT LENGTH EXCEEDED"},
    };
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_overflow_alt_input.scn",
             "so_overflow_alt_max_tokens.scn", "so_overflow_alt_bytes.scn",
             "so_overflow_alt_customer.scn", "so_overflow_alt_upper.scn",
             NULL});
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_instance *inst = so_instance(&m, cases[i].model,
                                        "\"structured_output_mode\":\"tool\"");
        so_result r;
        assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                                 NULL, &r), MP_E_CONTEXT_OVERFLOW);
        assert_non_null(strstr(r.err.message, cases[i].words));
        assert_int_equal(r.writes, 0);
        so_result_free(&r);
        so_destroy(inst);
    }
    so_expect_requests(&m, SO_CHAT " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT
                       " | " SO_CHAT);
    so_stop(&m);
}

/* Case 96, test_structured_output_rate_limit_as_throttle: a TPM rate
 * limit is MP_E_THROTTLED, retryable, with Retry-After in ms. */
static void test_structured_output_rate_limit_as_throttle(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_rate_limit_tpm.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-429-tpm",
                                    "\"structured_output_mode\":\"tool\"");
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), MP_E_THROTTLED);
    assert_non_null(strstr(r.err.message, "tokens per min"));
    assert_int_equal(r.err.http_status, 429);
    assert_int_equal(r.err.retryable, 1);
    assert_int_equal(r.err.retry_after_ms, 3000);
    assert_int_equal(r.writes, 0);
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* reference-update 3.2 case 128, test_structured_output_rate_limit_message
 * (the parent's; every path by decision 28): "Too many requests from
 * provider" without a 429 is throttling, with the server's words. */
static void test_structured_output_rate_limit_message(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_rate_limit_message.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rate-limit-words",
                                    "\"structured_output_mode\":\"tool\"");
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), MP_E_THROTTLED);
    assert_non_null(strstr(r.err.message, "Too many requests"));
    assert_int_equal(r.err.http_status, 503);
    assert_int_equal(r.err.retryable, 1);
    assert_int_equal(r.writes, 0);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SO_TEST(test_structured_output),
        SO_TEST(test_structured_output_unsupported_model),
        SO_TEST(test_openai_structured_output),
        SO_TEST(test_structured_output_context_overflow_exception),
        SO_TEST(test_structured_output_alternative_context_overflow_messages),
        SO_TEST(test_structured_output_rate_limit_as_throttle),
        SO_TEST(test_structured_output_rate_limit_message),
    };
    return cmocka_run_group_tests(tests, so_setup, so_teardown);
}
