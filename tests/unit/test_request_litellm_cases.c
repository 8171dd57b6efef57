/*
 * test_request_litellm_cases.c - the request side of the reference's
 * tests/strands/models/test_litellm.py (reference-behaviour.md 8.1, and
 * the cases reference-update.md 3.1/3.5 added or changed: 17', 151, 152),
 * one test per reference test, named after it, with concrete values.
 *
 * Where decisions.md changes the behaviour the test checks ours and says
 * so (video as a data URL, no stream_options without streaming, reasoning
 * sent back only when reasoning_round_trip is on).
 */
#include "request_test_util.h"

#define USER_CALC "{'role':'user','content':[{'text':'calculate 2+2'}]}"

/* 8.1 case 4: reasoning -> thinking block (reachable here through
 * decision 5), video -> video_url (decision 3: a data URL), text. */
static void test_format_request_message_content(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    cfg.reasoning_round_trip = 1;
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'reasoningContent':{'reasoningText':{'signature':"
        "'reasoning_signature','text':'reasoning_text'}}},{'text':'hello'}]},"
        "{'role':'user','content':[{'video':{'format':'mp4','source':{'bytes':"
        "'YmFzZTY0ZW5jb2RlZHZpZGVv'}}}]}]}"), &log);
    json_object *asst = rt_message(body, 0);
    rt_assert_json(json_object_array_get_idx(rt_member(asst, "thinking_blocks"), 0),
                   J("{'signature':'reasoning_signature','thinking':'reasoning_text',"
                     "'type':'thinking'}"));
    rt_assert_json(rt_member(asst, "content"), J("[{'type':'text','text':'hello'}]"));
    rt_assert_json(rt_member(rt_message(body, 1), "content"),
                   J("[{'type':'video_url','video_url':{'detail':'auto','url':"
                     "'data:video/mp4;base64,YmFzZTY0ZW5jb2RlZHZpZGVv'}}]"));
    assert_int_equal(log.warnings, 0);
    json_object_put(body);
}

/* 8.1 case 5, request side: exactly these keys (api_key is a header). */
static void test_stream(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    int streaming = -1;
    json_object *body = rt_format_opt(&cfg, J("{'messages':[" USER_CALC "]}"),
                                      NULL, &log, &streaming);
    rt_assert_json(body, J("{'messages':[{'role':'user','content':[{'text':"
        "'calculate 2+2','type':'text'}]}],'model':'m1','stream':true,"
        "'stream_options':{'include_usage':true},'tools':[]}"));
    assert_int_equal(streaming, 1);
    json_object_put(body);
}

/* 8.1 case 6, request side: a user message with no content is dropped. */
static void test_stream_empty(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
                                          "'content':[]}]}"), &log);
    rt_assert_json(body, J("{'model':'m1','messages':[],'stream':true,"
        "'stream_options':{'include_usage':true},'tools':[]}"));
    json_object_put(body);
}

/* 8.1 case 11: tool_choice auto is sent and logs nothing. */
static void test_tool_choice_supported_no_warning(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" USER_CALC "],"
                                          "'tool_choice':{'auto':{}}}"), &log);
    rt_assert_json(rt_member(body, "tool_choice"), "\"auto\"");
    assert_int_equal(log.count, 0);
    json_object_put(body);
}

/* 8.1 case 12: no tool_choice: no key, no log. */
static void test_tool_choice_none_no_warning(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" USER_CALC "],"
                                          "'tool_choice':null}"), &log);
    assert_false(json_object_object_get_ex(body, "tool_choice", NULL));
    assert_int_equal(log.count, 0);
    json_object_put(body);
}

/* 8.1 case 14 */
static void test_format_request_messages_with_system_prompt_content(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'Hello'}]}],'system_prompt_content':[{'text':"
        "'You are a helpful assistant.'},{'cachePoint':{'type':'default'}}]}"),
        &log);
    rt_assert_json(rt_messages(body), J("[{'role':'system','content':[{'type':"
        "'text','text':'You are a helpful assistant.','cache_control':{'type':"
        "'ephemeral'}}]},{'role':'user','content':[{'text':'Hello','type':"
        "'text'}]}]"));
    json_object_put(body);
}

/* 8.1 case 15 */
static void test_format_request_messages_backward_compatibility_system_prompt(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'Hello'}]}],'system_prompt':"
        "'You are a helpful assistant.'}"), &log);
    rt_assert_json(rt_messages(body), J("[{'role':'system','content':[{'type':"
        "'text','text':'You are a helpful assistant.'}]},{'role':'user',"
        "'content':[{'text':'Hello','type':'text'}]}]"));
    json_object_put(body);
}

/* 8.1 case 16 */
static void test_format_request_messages_cache_point_support(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'Hello'}]}],'system_prompt_content':["
        "{'text':'First instruction.'},{'text':'Second instruction.'},"
        "{'cachePoint':{'type':'default'}},{'text':'Third instruction.'}]}"),
        &log);
    rt_assert_json(rt_message(body, 0), J("{'role':'system','content':["
        "{'type':'text','text':'First instruction.'},"
        "{'type':'text','text':'Second instruction.','cache_control':"
        "{'type':'ephemeral'}},{'type':'text','text':'Third instruction.'}]}"));
    json_object_put(body);
}

/* 8.1 case 17, changed (17', reference-update 3.1): params.stream false
 * -> exactly messages, model, "stream": false and tools: no stream_options
 * (decision 1, now the reference's too). */
static void test_stream_non_streaming(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    json_object *params = rt_parse("{\"stream\":false}");
    cfg.params = params;
    rt_log log = {0};
    int streaming = -1;
    json_object *body = rt_format_opt(&cfg, J("{'messages':[" USER_CALC "]}"),
                                      NULL, &log, &streaming);
    rt_assert_json(body, J("{'messages':[{'role':'user','content':[{'text':"
        "'calculate 2+2','type':'text'}]}],'model':'m1','stream':false,"
        "'tools':[]}"));
    assert_int_equal(streaming, 0);
    json_object_put(body);
    json_object_put(params);
}

/* 8.1 case 18: the default config streams. */
static void test_stream_path_validation(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    int streaming = -1;
    json_object *body = rt_format_opt(&cfg, J("{'messages':[" USER_CALC "]}"),
                                      NULL, &log, &streaming);
    assert_true(json_object_get_boolean(rt_member(body, "stream")));
    assert_int_equal(streaming, 1);
    json_object_put(body);
}

/* 8.1 case 19 (through decision 5's thinking_blocks). */
static void test_format_request_message_content_reasoning(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    cfg.reasoning_round_trip = 1;
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'text':'x'},{'reasoningContent':{'reasoningText':"
        "{'signature':'test_sig','text':'test_thinking'}}}]}]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "thinking_blocks"),
                   J("[{'signature':'test_sig','thinking':'test_thinking',"
                     "'type':'thinking'}]"));
    json_object_put(body);
}

/* 8.1 case 20: the base64 from the request goes into the URL unchanged
 * (decision 3: inside a data URL; the reference passes it bare). */
static void test_format_request_message_content_video(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'video':{'format':'webm','source':{'bytes':"
        "'YmFzZTY0dmlkZW9kYXRh'}}}]}]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "content"),
                   J("[{'type':'video_url','video_url':{'detail':'auto','url':"
                     "'data:video/webm;base64,YmFzZTY0dmlkZW9kYXRh'}}]"));
    json_object_put(body);
}

/* 8.1 cases 21-23 are config (the prefix rule, tested with config.c);
 * their request side is that the wire "model" is model_id without the
 * "litellm_proxy/" prefix, which the proxy does not know. */
static void check_wire_model(const char *config_json, const char *client_json,
                             const char *want_model_id, const char *want_wire)
{
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    if (lp_config_new(config_json, strlen(config_json), client_json,
                      strlen(client_json), NULL, &cfg, &err))
        fail_msg("lp_config_new: %s", err.message);
    assert_string_equal(cfg->model_id, want_model_id);
    rt_log log = {0};
    json_object *body = rt_format(cfg, J("{'messages':[]}"), &log);
    assert_string_equal(json_object_get_string(rt_member(body, "model")),
                        want_wire);
    json_object_put(body);
    lp_config_unref(cfg);
}

static void test_apply_proxy_prefix_with_use_litellm_proxy(void **state)
{
    (void)state;
    check_wire_model("{\"model_id\":\"openai/gpt-4\"}",
                     "{\"use_litellm_proxy\":true}",
                     "litellm_proxy/openai/gpt-4", "openai/gpt-4");
}

static void test_apply_proxy_prefix_already_has_prefix(void **state)
{
    (void)state;
    check_wire_model("{\"model_id\":\"litellm_proxy/openai/gpt-4\"}",
                     "{\"use_litellm_proxy\":true}",
                     "litellm_proxy/openai/gpt-4", "openai/gpt-4");
}

static void test_apply_proxy_prefix_disabled(void **state)
{
    (void)state;
    check_wire_model("{\"model_id\":\"openai/gpt-4\"}",
                     "{\"use_litellm_proxy\":false}",
                     "openai/gpt-4", "openai/gpt-4");
}

/* 8.1 case 31 (and 105): assistant with only a toolUse has no content. */
static void test_format_request_messages_with_tool_calls_no_content(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'toolUse':{'toolUseId':'c1','name':'calculator','input':"
        "{'expression':'2+2'}}}]}]}"), &log);
    /* arguments: compact JSON (decision 6); Python's would have spaces. */
    rt_assert_json(rt_messages(body), J("[{'role':'assistant','tool_calls':["
        "{'function':{'arguments':'{\\'expression\\':\\'2+2\\'}','name':"
        "'calculator'},'id':'c1','type':'function'}]}]"));
    json_object_put(body);
}

static json_object *one_tool_call(const char *tool_use_json)
{
    lp_config cfg = rt_config();
    rt_log log = {0};
    char req[2048];
    snprintf(req, sizeof req, "{'messages':[{'role':'assistant','content':"
             "[{'toolUse':%s}]}]}", tool_use_json);
    json_object *body = rt_format(&cfg, J(req), &log);
    json_object *call = json_object_array_get_idx(
        rt_member(rt_message(body, 0), "tool_calls"), 0);
    json_object_get(call);
    json_object_put(body);
    return call;
}

/* 8.1 case 35 */
static void test_format_request_message_tool_call_encodes_thought_signature(void **state)
{
    (void)state;
    json_object *call = one_tool_call("{'toolUseId':'call_abc123','name':"
        "'get_weather','input':{'city':'Seattle'},'reasoningSignature':"
        "'dGhpcy1pcy1hLXNpZw=='}");
    rt_assert_json(call, J("{'function':{'arguments':'{\\'city\\':\\'Seattle\\'}',"
        "'name':'get_weather'},'id':'call_abc123__thought__dGhpcy1pcy1hLXNpZw==',"
        "'type':'function'}"));
    json_object_put(call);
}

/* 8.1 case 36 */
static void test_format_request_message_tool_call_skips_encoding_when_already_present(void **state)
{
    (void)state;
    json_object *call = one_tool_call("{'toolUseId':"
        "'call_abc123__thought__dGhpcy1pcy1hLXNpZw==','name':'get_weather',"
        "'input':{'city':'Seattle'},'reasoningSignature':'dGhpcy1pcy1hLXNpZw=='}");
    assert_string_equal(json_object_get_string(rt_member(call, "id")),
                        "call_abc123__thought__dGhpcy1pcy1hLXNpZw==");
    json_object_put(call);
}

/* 8.1 case 37 */
static void test_format_request_message_tool_call_no_reasoning_signature(void **state)
{
    (void)state;
    json_object *call = one_tool_call("{'toolUseId':'call_plain123','name':"
                                      "'get_weather','input':{'city':'Seattle'}}");
    const char *id = json_object_get_string(rt_member(call, "id"));
    assert_string_equal(id, "call_plain123");
    assert_null(strstr(id, "__thought__"));
    json_object_put(call);
}

static json_object *system_of(const char *blocks_json)
{
    lp_config cfg = rt_config();
    rt_log log = {0};
    char req[2048];
    snprintf(req, sizeof req, "{'messages':[],'system_prompt_content':%s}",
             blocks_json);
    json_object *body = rt_format(&cfg, J(req), &log);
    json_object *msgs = rt_messages(body);
    json_object_get(msgs);
    json_object_put(body);
    return msgs;
}

/* 8.1 case 38 */
static void test_format_system_messages_preserves_cache_point_ttl(void **state)
{
    (void)state;
    json_object *msgs = system_of("[{'text':'X'},{'cachePoint':{'type':"
                                  "'default','ttl':'1h'}}]");
    rt_assert_json(msgs, J("[{'role':'system','content':[{'type':'text','text':"
        "'X','cache_control':{'type':'ephemeral','ttl':'1h'}}]}]"));
    json_object_put(msgs);
}

/* 8.1 case 39 */
static void test_format_system_messages_cache_point_without_ttl(void **state)
{
    (void)state;
    json_object *msgs = system_of("[{'text':'X'},{'cachePoint':{'type':"
                                  "'default'}}]");
    rt_assert_json(msgs, J("[{'role':'system','content':[{'type':'text','text':"
        "'X','cache_control':{'type':'ephemeral'}}]}]"));
    json_object_put(msgs);
}

/* 8.1 case 40 */
static void test_format_system_messages_cache_point_with_no_preceding_content(void **state)
{
    (void)state;
    json_object *msgs = system_of("[{'cachePoint':{'type':'default'}}]");
    rt_assert_json(msgs, "[]");
    json_object_put(msgs);
}

/* 8.1 case 41, request side: the id as it came back (signature inside)
 * is sent once, not re-encoded. */
static void test_thought_signature_round_trip(void **state)
{
    (void)state;
    json_object *call = one_tool_call("{'toolUseId':"
        "'call_xyz789__thought__R2VtaW5pVGhvdWdodFNpZw==','name':'g','input':{},"
        "'reasoningSignature':'R2VtaW5pVGhvdWdodFNpZw=='}");
    const char *id = json_object_get_string(rt_member(call, "id"));
    const char *sep = strstr(id, "__thought__");
    assert_non_null(sep);
    assert_null(strstr(sep + 1, "__thought__"));
    const char *sig = strstr(id, "R2VtaW5pVGhvdWdodFNpZw==");
    assert_non_null(sig);
    assert_null(strstr(sig + 1, "R2VtaW5pVGhvdWdodFNpZw=="));
    assert_string_equal(json_object_get_string(
        rt_member(rt_member(call, "function"), "arguments")), "{}");
    json_object_put(call);
}

/* reference-update 2.1/2.2, the reference's four examples: the config's
 * own "stream" key wins over the older params.stream, which is never
 * spread into the body; stream_options go only with streaming. */
static void test_stream_config_key_examples(void **state)
{
    (void)state;
    static const struct {
        const char *config, *want;
        int streaming;
    } cases[] = {
        {"{'model_id':'m1'}",
         "'stream':true,'tools':[],'stream_options':{'include_usage':true}", 1},
        {"{'model_id':'m1','stream':false}", "'stream':false,'tools':[]", 0},
        {"{'model_id':'m1','params':{'stream':false}}",
         "'stream':false,'tools':[]", 0},
        {"{'model_id':'m1','stream':true,'params':{'stream':false}}",
         "'stream':true,'tools':[],'stream_options':{'include_usage':true}", 1},
        /* null is falsy, as the reference reads it */
        {"{'model_id':'m1','stream':null}", "'stream':false,'tools':[]", 0},
        /* params: null is {} now */
        {"{'model_id':'m1','params':null}",
         "'stream':true,'tools':[],'stream_options':{'include_usage':true}", 1},
        /* params.stream_options replaces ours when streaming, a null one
         * sends none, and without streaming it is dropped */
        {"{'model_id':'m1','params':{'stream_options':{'include_usage':false}}}",
         "'stream':true,'tools':[],'stream_options':{'include_usage':false}", 1},
        {"{'model_id':'m1','params':{'stream_options':null}}",
         "'stream':true,'tools':[]", 1},
        {"{'model_id':'m1','stream':false,'params':{'stream_options':"
         "{'include_usage':true}}}", "'stream':false,'tools':[]", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_log log = {0};
        lp_config *cfg = rt_config_json(cases[i].config, &log);
        int streaming = -1;
        json_object *body = rt_format_opt(cfg, J("{'messages':[{'role':'user',"
            "'content':[{'text':'x'}]}]}"), NULL, &log, &streaming);
        char want[512];
        snprintf(want, sizeof want, "{'messages':[{'role':'user','content':["
                 "{'text':'x','type':'text'}]}],'model':'m1',%s}",
                 cases[i].want);
        rt_assert_json(body, J(want));
        assert_int_equal(streaming, cases[i].streaming);
        assert_int_equal(log.warnings, 0);
        json_object_put(body);
        lp_config_unref(cfg);
    }
}

/* reference-update 3.5 case 151: cache_config.cache_key ->
 * prompt_cache_key. */
static void test_cache_key_maps_to_prompt_cache_key(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = rt_config_json("{'model_id':'m1','cache_config':"
                                    "{'cache_key':'tenant-42'}}", &log);
    json_object *body = rt_format(cfg, J("{'messages':[" USER_CALC "]}"), &log);
    rt_assert_json(rt_member(body, "prompt_cache_key"), "\"tenant-42\"");
    assert_int_equal(log.warnings, 0);
    json_object_put(body);
    lp_config_unref(cfg);
}

/* reference-update 3.5 case 152: an empty cache_config and the agent's
 * session s1 (the request's agent_metadata) -> "strands-s1". */
static void test_cache_key_derived_from_agent_metadata_session(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = rt_config_json("{'model_id':'m1','cache_config':{}}",
                                    &log);
    json_object *body = rt_format(cfg, J("{'messages':[" USER_CALC "],"
        "'agent_metadata':{'session_id':'s1'}}"), &log);
    rt_assert_json(rt_member(body, "prompt_cache_key"), "\"strands-s1\"");
    assert_int_equal(log.warnings, 0);
    json_object_put(body);
    lp_config_unref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_request_message_content),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_empty),
        cmocka_unit_test(test_tool_choice_supported_no_warning),
        cmocka_unit_test(test_tool_choice_none_no_warning),
        cmocka_unit_test(test_format_request_messages_with_system_prompt_content),
        cmocka_unit_test(test_format_request_messages_backward_compatibility_system_prompt),
        cmocka_unit_test(test_format_request_messages_cache_point_support),
        cmocka_unit_test(test_stream_non_streaming),
        cmocka_unit_test(test_stream_path_validation),
        cmocka_unit_test(test_stream_config_key_examples),
        cmocka_unit_test(test_cache_key_maps_to_prompt_cache_key),
        cmocka_unit_test(test_cache_key_derived_from_agent_metadata_session),
        cmocka_unit_test(test_format_request_message_content_reasoning),
        cmocka_unit_test(test_format_request_message_content_video),
        cmocka_unit_test(test_apply_proxy_prefix_with_use_litellm_proxy),
        cmocka_unit_test(test_apply_proxy_prefix_already_has_prefix),
        cmocka_unit_test(test_apply_proxy_prefix_disabled),
        cmocka_unit_test(test_format_request_messages_with_tool_calls_no_content),
        cmocka_unit_test(test_format_request_message_tool_call_encodes_thought_signature),
        cmocka_unit_test(test_format_request_message_tool_call_skips_encoding_when_already_present),
        cmocka_unit_test(test_format_request_message_tool_call_no_reasoning_signature),
        cmocka_unit_test(test_format_system_messages_preserves_cache_point_ttl),
        cmocka_unit_test(test_format_system_messages_cache_point_without_ttl),
        cmocka_unit_test(test_format_system_messages_cache_point_with_no_preceding_content),
        cmocka_unit_test(test_thought_signature_round_trip),
    };
    return cmocka_run_group_tests_name("request: test_litellm.py cases", tests,
                                       NULL, NULL);
}
