/*
 * test_structured_auto.c - structured_output_mode "auto" (decision 19):
 * the /v1/model/info then /model/info probe, what each answer chooses,
 * the cache per model (kept by the instance, shared by the process), and
 * the fallback to the tool path when response_format is refused with a
 * 400 (remembered).
 */
#include "structured_it.h"

#define PERSON_JSON "{\"name\":\"John\",\"age\":30}"

/* Two calls on one instance; the requests of both are checked. */
static void two_calls(const char *const *flags, const char *const *scenarios,
                      const char *model, const char *want_out1,
                      const char *want_out2, const char *want_requests)
{
    mock_proc m;
    so_start(&m, flags, scenarios);
    mp_instance *inst = so_instance(&m, model, NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, want_out1);
    so_result_free(&r);
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, want_out2);
    so_result_free(&r);
    so_expect_requests(&m, want_requests);
    so_destroy(inst);
    so_stop(&m);
}

/* supports_response_schema true: response_format, asked once. */
static void test_model_info_true_uses_response_format(void **state)
{
    (void)state;
    two_calls(NULL, (const char *const[]){"so_rf_person.scn", NULL}, "so-rf",
              PERSON_JSON, PERSON_JSON,
              SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
}

/* supports_response_schema false: the tool, asked once. */
static void test_model_info_false_uses_tool(void **state)
{
    (void)state;
    two_calls(NULL, (const char *const[]){"so_tool_person.scn", NULL}, "so-tool",
              PERSON_JSON, PERSON_JSON,
              SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
}

/* Listed without the flag: the tool. */
static void test_model_info_absent_uses_tool(void **state)
{
    (void)state;
    two_calls(NULL, (const char *const[]){"so_no_info.scn", NULL}, "so-noinfo",
              "{\"name\":\"Noa\",\"age\":9}", "{\"name\":\"Noa\",\"age\":9}",
              SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
}

/* Not listed at all: the tool (the chat call is served by --sequence,
 * whatever the model). */
static void test_model_not_listed_uses_tool(void **state)
{
    (void)state;
    two_calls((const char *const[]){"--sequence", NULL},
              (const char *const[]){"so_tool_person.scn", "so_tool_person.scn", NULL},
              "not-in-the-list", PERSON_JSON, PERSON_JSON,
              SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
}

/* /v1/model/info answers 404: /model/info is asked next, and its answer
 * (supported) is used. */
static void test_v1_404_then_model_info(void **state)
{
    (void)state;
    two_calls((const char *const[]){"--no-v1-model-info", NULL},
              (const char *const[]){"so_rf_person.scn", NULL}, "so-rf",
              PERSON_JSON, PERSON_JSON,
              SO_V1_INFO " | " SO_INFO " | " SO_CHAT " | " SO_CHAT);
}

/* Both routes fail (500): the tool path.  A 5xx is not an answer about
 * the model (the routes may work next time), so the next call asks
 * again. */
static void test_model_info_unavailable_uses_tool(void **state)
{
    (void)state;
    two_calls((const char *const[]){"--fail-model-info", NULL},
              (const char *const[]){"so_info_fails.scn", NULL}, "so-info-fails",
              "{\"name\":\"Ida\",\"age\":64}", "{\"name\":\"Ida\",\"age\":64}",
              SO_V1_INFO " | " SO_INFO " | " SO_CHAT " | "
              SO_V1_INFO " | " SO_INFO " | " SO_CHAT);
}

/* A server without the routes (404 on both, as a plain OpenAI-compatible
 * server under a path prefix answers): the tool path, remembered, so the
 * second call sends no probe. */
static void test_model_info_routes_absent_is_remembered(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_use_finish.scn", NULL});
    mp_instance *inst = so_instance_ex(&m, "/openai/v1", "so-tool-use", NULL, NULL);
    so_result r;
    for (int i = 0; i < 2; i++) {
        so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
        so_expect_output(&r, "{\"name\":\"Kim\",\"age\":27}");
        so_result_free(&r);
    }
    so_expect_requests(&m, "GET /openai/v1/model/info | GET /openai/model/info | "
                       "POST /openai/v1/chat/completions | "
                       "POST /openai/v1/chat/completions");
    so_destroy(inst);
    so_stop(&m);
}

/* Issue #862: model info says yes, the backend refuses response_format
 * with a 400.  The same call falls back to the tool, and the next call
 * goes straight to it. */
static void test_400_falls_back_to_tool_and_remembers(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, (const char *const[]){"--sequence", NULL},
             (const char *const[]){"so_rf_400.scn", "so_tool_person.scn",
                                   "so_tool_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf-400", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
    json_object *first = so_body(&m, 1), *second = so_body(&m, 2);
    assert_true(it_has(first, "response_format"));
    assert_false(it_has(first, "tools"));
    assert_string_equal(it_get_str(second, "tool_choice"), "required");
    assert_false(it_has(second, "response_format"));
    json_object_put(first);
    json_object_put(second);
    char *logs = it_logs();
    assert_non_null(strstr(logs, "\"so-rf-400\" rejected response_format"));
    free(logs);
    /* Remembered: no probe, no response_format. */
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT);
    so_destroy(inst);
    so_stop(&m);
}

/* Mode response_format is taken at its word: a 400 is the answer. */
static void test_explicit_response_format_does_not_fall_back(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, (const char *const[]){"--sequence", NULL},
             (const char *const[]){"so_rf_400.scn", "so_tool_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf-400",
                                    "\"structured_output_mode\":\"response_format\"");
    so_result r;
    assert_int_equal(so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel",
                             NULL, &r), MP_E_BAD_REQUEST);
    assert_int_equal(r.err.http_status, 400);
    assert_non_null(strstr(r.err.message, "does not support json_schema"));
    so_expect_requests(&m, SO_CHAT);
    so_result_free(&r);
    so_destroy(inst);
    so_stop(&m);
}

/* Remembered per model: update_config to another model asks again.  And
 * shared by the process's instances (model_info_shared.h): another
 * instance with the same proxy, key and headers takes the answer without
 * asking, and one that sends other headers (here its own extra header; a
 * key is sent the same way) asks for itself. */
static void test_cache_is_per_model_and_shared_by_instances(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_person.scn",
             "so_rf_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-tool", NULL);
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    const char *update = "{\"model_id\":\"so-rf\"}";
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(it_p->update_config(inst, update, strlen(update), &err), MP_OK);
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_V1_INFO " | " SO_CHAT);
    json_object *rf = so_body(&m, 3);
    assert_string_equal(it_get_str(rf, "model"), "so-rf");
    assert_true(it_has(rf, "response_format"));
    json_object_put(rf);
    mp_instance *other = so_instance(&m, "so-rf", NULL);
    so_call(other, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_V1_INFO " | " SO_CHAT
                       " | " SO_CHAT);
    json_object *shared = so_body(&m, 4);
    assert_true(it_has(shared, "response_format")); /* the answer taken */
    json_object_put(shared);
    mp_instance *team = so_instance_ex(&m, "/v1", "so-rf", NULL,
                                       "\"extra_headers\":{\"X-Team\":\"b\"}");
    so_call(team, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_V1_INFO " | " SO_CHAT
                       " | " SO_CHAT " | " SO_V1_INFO " | " SO_CHAT);
    so_destroy(team);
    /* The probe carries the key, as a LiteLLM proxy requires. */
    json_object *all = mock_requests(&m, "/model/info");
    assert_string_equal(it_get_str(json_object_array_get_idx(all, 0),
                                   "headers.authorization"), "Bearer " SO_KEY);
    json_object_put(all);
    so_destroy(other);
    so_destroy(inst);
    so_stop(&m);
}

static void call_ok(mp_instance *inst)
{
    so_result r;
    so_call(inst, SO_REQUEST, SO_PERSON_SCHEMA, "TestOutputModel", NULL, &r);
    so_expect_output(&r, PERSON_JSON);
    so_result_free(&r);
}

static void update(mp_instance *inst, const char *json)
{
    mp_error err = MP_ERROR_INIT;
    if (it_p->update_config(inst, json, strlen(json), &err) != MP_OK)
        fail_msg("update_config %s: %s", json, err.message);
}

/* When the cache is consulted: per call, with the model of the config the
 * call started with.  An update that leaves the wire model alone (params,
 * or the litellm_proxy/ prefix, which is not sent) keeps what was
 * learned; a new model is asked about on its first call, once. */
static void test_probe_cache_across_update_config(void **state)
{
    (void)state;
    mock_proc m;
    so_start(&m, NULL, (const char *const[]){"so_tool_person.scn",
             "so_rf_person.scn", NULL});
    mp_instance *inst = so_instance(&m, "so-rf", NULL);
    call_ok(inst);
    call_ok(inst);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
    update(inst, "{\"params\":{\"temperature\":0}}");
    update(inst, "{\"model_id\":\"litellm_proxy/so-rf\"}");
    call_ok(inst);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT);
    /* Updating the model asks nothing by itself: the probe comes with the
     * first structured call for the new model. */
    update(inst, "{\"model_id\":\"so-tool\"}");
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT);
    call_ok(inst);
    call_ok(inst);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT
                       " | " SO_V1_INFO " | " SO_CHAT " | " SO_CHAT);
    json_object *last = so_body(&m, 6);
    assert_string_equal(it_get_str(last, "model"), "so-tool");
    assert_string_equal(it_get_str(last, "tool_choice"), "required");
    json_object_put(last);
    /* Back to the first model: its answer is still remembered, so no probe
     * (each model keeps its own answer, not only the latest one). */
    update(inst, "{\"model_id\":\"so-rf\"}");
    call_ok(inst);
    so_expect_requests(&m, SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT
                       " | " SO_V1_INFO " | " SO_CHAT " | " SO_CHAT " | " SO_CHAT);
    last = so_body(&m, 7);
    assert_string_equal(it_get_str(last, "model"), "so-rf");
    assert_non_null(it_get(last, "response_format"));
    json_object_put(last);
    so_destroy(inst);
    so_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SO_TEST(test_model_info_true_uses_response_format),
        SO_TEST(test_model_info_false_uses_tool),
        SO_TEST(test_model_info_absent_uses_tool),
        SO_TEST(test_model_not_listed_uses_tool),
        SO_TEST(test_v1_404_then_model_info),
        SO_TEST(test_model_info_unavailable_uses_tool),
        SO_TEST(test_model_info_routes_absent_is_remembered),
        SO_TEST(test_400_falls_back_to_tool_and_remembers),
        SO_TEST(test_explicit_response_format_does_not_fall_back),
        SO_TEST(test_cache_is_per_model_and_shared_by_instances),
        SO_TEST(test_probe_cache_across_update_config),
    };
    return cmocka_run_group_tests(tests, so_setup, so_teardown);
}
