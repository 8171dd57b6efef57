/*
 * test_structured_modes.c - structured_output() through the real plugin:
 * the request shape of each mode (checked by the server's expect.json and
 * by the record), the finish reasons the tool path accepts, JSON sent as
 * text, bad input refused before anything is sent, cancel, and a sink that
 * stops.
 */

#include "structured_it.h"
#include "../support/it_cancel.h"

#define TOOL_MODE "\"structured_output_mode\":\"tool\""
#define RF_MODE "\"structured_output_mode\":\"response_format\""

/* One call for `model` against one scenario; returns the output text
 * (static) after checking which requests were made. */
static const char *one_call(const char *scenario, const char *model,
                            const char *config_extra, const char *description,
                            const char *want_requests, json_object **body)
{
    static char out[4096];
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){scenario, NULL});
    mp_instance *inst = so_instance(&m, model, config_extra);
    so_result r;
    if (so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", description,
                &r) != MP_OK)
        fail_msg("%s: %s: %s", scenario, mp_errname(r.rc), r.err.message);
    snprintf(out, sizeof out, "%s", r.out.data);
    so_expect_requests(&m, want_requests);
    if (body) {
        json_object *all = mock_requests(&m, "/chat/completions");
        *body = json_object_get(it_get(json_object_array_get_idx(all, 0), "body"));
        json_object_put(all);
    }
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
    return out;
}

/* Mode tool: no probe; params merged but never stream or stream_options
 * (decision 20), nor tools or tool_choice: the schema stays the only tool,
 * forced (the scenario's expect.json lines check each, and would answer
 * 418); the description given is the tool's. */
static void test_mode_tool_request_shape(void **state)
{
    (void)state;
    json_object *body;
    const char *out = one_call("so_tool_person.scn", "so-tool", TOOL_MODE
        ",\"params\":{\"max_tokens\":100,\"stream\":true,\"stream_options\":"
        "{\"include_usage\":true},\"tool_choice\":\"auto\",\"tools\":[{\"type\":"
        "\"function\",\"function\":{\"name\":\"other\",\"parameters\":{}}}]}",
        "A person", SO_CHAT, &body);
    assert_string_equal(out, "{\"name\":\"John\",\"age\":30}");
    assert_int_equal(json_object_get_int(it_get(body, "max_tokens")), 100);
    assert_string_equal(it_get_str(body, "tools[0].function.description"), "A person");
    json_object_put(body);
}

/* Mode response_format: no probe; params are not sent (reference 6.1a). */
static void test_mode_response_format_request_shape(void **state)
{
    (void)state;
    json_object *body;
    const char *out = one_call("so_rf_person.scn", "so-rf", RF_MODE
        ",\"params\":{\"max_tokens\":100}", NULL, SO_CHAT, &body);
    assert_string_equal(out, "{\"name\":\"John\",\"age\":30}");
    json_object_put(body);
}

/* Decision 20: the tool call is taken with finish_reason tool_calls,
 * tool_use or stop. */
static void test_finish_reasons_tool_calls_tool_use_stop(void **state)
{
    (void)state;
    assert_string_equal(one_call("so_tool_person.scn", "so-tool", TOOL_MODE, NULL,
                                 SO_CHAT, NULL), "{\"name\":\"John\",\"age\":30}");
    assert_string_equal(one_call("so_tool_use_finish.scn", "so-tool-use", TOOL_MODE,
                                 NULL, SO_CHAT, NULL), "{\"name\":\"Kim\",\"age\":27}");
    assert_string_equal(one_call("so_tool_stop_finish.scn", "so-tool-stop", TOOL_MODE,
                                 NULL, SO_CHAT, NULL), "{\"name\":\"Lee\",\"age\":52}");
}

/* Reference issues #743/#1005: JSON as text instead of a tool call. */
static void test_json_as_text_instead_of_tool_call(void **state)
{
    (void)state;
    assert_string_equal(one_call("so_tool_text_json.scn", "so-tool-text", TOOL_MODE,
                                 NULL, SO_CHAT, NULL), "{\"name\":\"Ann\",\"age\":41}");
}

/* Bad input: MP_E_INVALID_ARGUMENT naming the problem, and nothing sent
 * (not even the model-info probe of `auto`). */
static void test_bad_input_sends_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *request, *schema, *name, *description, *message;
    } cases[] = {
        {SO_REQUEST, "{\"type\":", "P", NULL,
         "schema: invalid JSON: unexpected end of input at byte 8"},
        {SO_REQUEST, "[{\"type\":\"object\"}]", "P", NULL,
         "schema: expected a JSON object (an object schema), got array"},
        {SO_REQUEST, "{\"type\":\"string\"}", "P", NULL,
         "schema: the root must be an object schema"},
        {SO_REQUEST, "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":"
         "\"https://example.com/a.json\"}}}", "P", NULL,
         "schema.properties.a.$ref: \"https://example.com/a.json\" is not a local "
         "reference"},
        {SO_REQUEST, "{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":"
         "\"#/$defs/N\"}},\"$defs\":{\"N\":{\"type\":\"object\",\"properties\":"
         "{\"next\":{\"$ref\":\"#/$defs/N\"}}}}}", "P", NULL,
         "schema.$defs.N.properties.next.$ref: \"#/$defs/N\" leads back to itself"},
        {SO_REQUEST, SO_PERSON_SCHEMA, "", NULL, "name: \"\" is not a valid function name"},
        {SO_REQUEST, SO_PERSON_SCHEMA, "has space", NULL,
         "name: \"has space\" is not a valid function name"},
        {SO_REQUEST, SO_PERSON_SCHEMA, "a.b", NULL, "name: \"a.b\" is not a valid"},
        {SO_REQUEST, SO_PERSON_SCHEMA, "\xc3\xbcmlaut", NULL, "name: "},
        {SO_REQUEST, SO_PERSON_SCHEMA,
         "x234567890123456789012345678901234567890123456789012345678901234z", NULL,
         "name: \"x2345678901234567890123456789012345678901234567890123456789012"
         "34z\" is not a valid function name"},
        {SO_REQUEST, SO_PERSON_SCHEMA, "P", "bad \xff utf-8",
         "description: not valid UTF-8"},
        {"{\"messages\":[{\"role\":\"user\",\"content\":[{\"nope\":1}]}]}",
         SO_PERSON_SCHEMA, "P", NULL, "messages[0].content[0]"},
        {"{\"messages\":", SO_PERSON_SCHEMA, "P", NULL, "invalid JSON"},
    };
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_rf_person.scn",
             "so_tool_use_finish.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        so_result r;
        int rc = so_call(inst, cases[i].request, cases[i].schema, cases[i].name,
                         cases[i].description, &r);
        if (rc != MP_E_INVALID_ARGUMENT || !strstr(r.err.message, cases[i].message))
            fail_msg("case %zu: %s: %s", i, mp_errname(rc), r.err.message);
        assert_int_equal(r.writes, 0);
        so_result_free(&r);
    }
    /* NULL arguments (a NULL mp_error is allowed, so not tried here). */
    mp_error err = MP_ERROR_INIT;
    so_result r;
    mp_text_sink sink = {sizeof sink, &r, so_write};
    assert_int_equal(it_p->structured_output(inst, SO_REQUEST, strlen(SO_REQUEST),
                     SO_PERSON_SCHEMA, strlen(SO_PERSON_SCHEMA), NULL, NULL, &sink,
                     &err), MP_E_INVALID_ARGUMENT);
    assert_int_equal(it_p->structured_output(inst, SO_REQUEST, strlen(SO_REQUEST),
                     NULL, 0, "P", NULL, &sink, &err), MP_E_INVALID_ARGUMENT);
    assert_int_equal(it_p->structured_output(inst, SO_REQUEST, strlen(SO_REQUEST),
                     SO_PERSON_SCHEMA, strlen(SO_PERSON_SCHEMA), "P", NULL, NULL,
                     &err), MP_E_INVALID_ARGUMENT);
    assert_int_equal(it_p->structured_output(NULL, SO_REQUEST, strlen(SO_REQUEST),
                     SO_PERSON_SCHEMA, strlen(SO_PERSON_SCHEMA), "P", NULL, &sink,
                     &err), MP_E_INVALID_ARGUMENT);
    so_expect_requests(&m, "");
    so_destroy(inst);
    /* A 64-character name is fine. */
    inst = so_instance(&m, "so-tool-use", TOOL_MODE);
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA,
            "x23456789012345678901234567890123456789012345678901234567890123z",
            NULL, &r);
    so_expect_output(&r, "{\"name\":\"Kim\",\"age\":27}");
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* cancel() from another thread stops a call the server never answers. */
static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_hang.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-hang", TOOL_MODE);
    /* 150 ms after the server got the request (a cancel() before the
     * call began would be dropped). */
    it_canceller k;
    assert_int_equal(it_canceller_start(&k, inst, 150, &m), 0);
    so_result r;
    int rc = so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                     NULL, &r);
    double returned = it_now_ms();
    double cancelled_at = it_canceller_join(&k);
    assert_false(k.no_trigger);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_true(cancelled_at > 0 && returned - cancelled_at < 2000);
    assert_int_equal(r.writes, 0);
    so_result_free(&r);
    /* A later call is not affected by the old cancel. */
    so_destroy(inst);
    so_stop(&m);
}

static int refuse(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 1;
}

/* A sink that says stop: MP_E_CANCELLED. */
static void test_sink_that_stops(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-tool", TOOL_MODE);
    mp_error err = MP_ERROR_INIT;
    mp_text_sink sink = {sizeof sink, NULL, refuse};
    int rc = it_p->structured_output(inst, SO_REQUEST, strlen(SO_REQUEST),
                                     SO_PERSON_SCHEMA, strlen(SO_PERSON_SCHEMA),
                                     "TestOutputModel", NULL, &sink, &err);
    request_log(SO_REQUEST, (size_t)-1, rc);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_int_equal(err.code, MP_E_CANCELLED);
    so_destroy(inst);
    so_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SO_TEST(test_mode_tool_request_shape),
        SO_TEST(test_mode_response_format_request_shape),
        SO_TEST(test_finish_reasons_tool_calls_tool_use_stop),
        SO_TEST(test_json_as_text_instead_of_tool_call),
        SO_TEST(test_bad_input_sends_nothing),
        SO_TEST(test_cancel_from_another_thread),
        SO_TEST(test_sink_that_stops),
    };
    return cmocka_run_group_tests(tests, so_setup, so_teardown);
}
