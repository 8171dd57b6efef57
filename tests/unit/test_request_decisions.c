/*
 * test_request_decisions.c - where the request formatter departs from the
 * reference (decisions.md 1-6), the inputs it accepts that we refused
 * (decision 29), the structured-output bodies (6.1 with
 * decision 20), params merging (3.1) and the request document's top level.
 */
#include "request_test_util.h"
#include "../../plugin/request/request_internal.h"

#define USER_HI "{'role':'user','content':[{'text':'hi'}]}"

static json_object *with_params(const char *params_json, const char *req,
                                int *streaming)
{
    lp_config cfg = rt_config();
    json_object *params = rt_parse(params_json);
    cfg.params = params;
    rt_log log = {0};
    json_object *body = rt_format_opt(&cfg, J(req), NULL, &log, streaming);
    json_object_put(params);
    return body;
}

/* Decision 1: no stream_options when params turn streaming off. */
static void test_decision1_no_stream_options_without_streaming(void **state)
{
    (void)state;
    int streaming = -1;
    json_object *body = with_params("{\"stream\":false,\"max_tokens\":5}",
                                    "{'messages':[" USER_HI "]}", &streaming);
    assert_false(json_object_object_get_ex(body, "stream_options", NULL));
    assert_false(json_object_get_boolean(rt_member(body, "stream")));
    assert_int_equal(json_object_get_int(rt_member(body, "max_tokens")), 5);
    assert_int_equal(streaming, 0);
    json_object_put(body);
}

/* Decision 1: params are spread last, so their stream_options win. */
static void test_decision1_params_stream_options_win(void **state)
{
    (void)state;
    int streaming = -1;
    json_object *body = with_params(
        "{\"stream_options\":{\"include_usage\":false,\"x\":1}}",
        "{'messages':[" USER_HI "]}", &streaming);
    rt_assert_json(rt_member(body, "stream_options"),
                   "{\"include_usage\":false,\"x\":1}");
    assert_int_equal(streaming, 1);
    json_object_put(body);
}

/* 3.1: params can override any key, each key written once. */
static void test_params_override_any_key(void **state)
{
    (void)state;
    json_object *body = with_params(
        "{\"model\":\"other\",\"tools\":[{\"x\":1}],\"tool_choice\":\"none\","
        "\"temperature\":0.10}",
        "{'messages':[" USER_HI "],'tool_choice':{'any':{}}}", NULL);
    rt_assert_json(body, J("{'messages':[{'role':'user','content':[{'text':"
        "'hi','type':'text'}]}],'model':'other','stream':true,"
        "'stream_options':{'include_usage':true},'tools':[{'x':1}],"
        "'tool_choice':'none','temperature':0.10}"));
    json_object_put(body);
}

/* A missing model_id is an invalid argument, as the reference's KeyError;
 * a params.stream that is neither boolean nor null too (the reference
 * takes its truthiness). */
static void test_decision1_missing_model_and_bad_stream(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    mp_error err = MP_ERROR_INIT;
    cfg.wire_model = NULL;
    cfg.model_id = NULL;
    assert_int_equal(rt_format_fail(&cfg, J("{'messages':[]}"), &log, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, "config.model_id is required");

    cfg = rt_config();
    json_object *params = rt_parse("{\"stream\":\"yes\"}");
    cfg.params = params;
    assert_int_equal(rt_format_fail(&cfg, J("{'messages':[]}"), &log, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, "config.params.stream: expected boolean "
                        "or null, got string");
    json_object_put(params);
}

/* Decision 2: a message-level cachePoint marks the part before it. */
static void test_decision2_message_cache_point(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'A'},{'cachePoint':{'type':'default','ttl':'5m'}},"
        "{'image':{'format':'png','source':{'bytes':'aW1n'}}},{'cachePoint':"
        "{'type':'default'}},{'text':'B'}]}]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "content"), J("["
        "{'text':'A','type':'text','cache_control':{'type':'ephemeral','ttl':"
        "'5m'}},{'image_url':{'detail':'auto','format':'image/png','url':"
        "'data:image/png;base64,aW1n'},'type':'image_url','cache_control':"
        "{'type':'ephemeral'}},{'text':'B','type':'text'}]"));
    assert_int_equal(log.warnings, 0);
    json_object_put(body);
}

/* Decision 2: nothing before the cachePoint in its message: warned and
 * ignored (a toolUse is not a content part). */
static void test_decision2_cache_point_without_preceding_block(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'cachePoint':{'type':'default'}},{'toolUse':{'toolUseId':"
        "'t1','name':'n','input':{}}},{'cachePoint':{'type':'default'}},"
        "{'text':'after'}]}]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "content"),
                   J("[{'text':'after','type':'text'}]"));
    assert_int_equal(log.warnings, 2);
    rt_assert_warning(&log, 0, "messages[0].content[0]: cachePoint has no "
                      "content block before it in its message | ignoring");
    rt_assert_warning(&log, 1, "messages[0].content[2]: cachePoint has no "
                      "content block before it in its message | ignoring");
    json_object_put(body);
}

/* Decision 3: video bytes become a data URL; the base64 is not touched. */
static void test_decision3_video_data_url(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'user',"
        "'content':[{'video':{'format':'mp4','source':{'bytes':'AAEC/+8='}}},"
        "{'video':{'format':'three_gp','source':{'bytes':'AAEC'}}}]}]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "content"), J("["
        "{'type':'video_url','video_url':{'detail':'auto','url':"
        "'data:video/mp4;base64,AAEC/+8='}},"
        "{'type':'video_url','video_url':{'detail':'auto','url':"
        "'data:video/3gpp;base64,AAEC'}}]"));
    json_object_put(body);
}

/* Decision 4: the tool message answers with the encoded id. */
static void test_decision4_tool_call_id_matches_encoded_id(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" USER_HI ","
        "{'role':'assistant','content':[{'toolUse':{'toolUseId':'call_1',"
        "'name':'g','input':{},'reasoningSignature':'U0lH'}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'call_1',"
        "'content':[{'text':'ok'}]}}]},"
        "{'role':'assistant','content':[{'toolUse':{'toolUseId':'call_2',"
        "'name':'g','input':{}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'call_2',"
        "'content':[{'text':'ok'}]}}]}]}"), &log);
    const char *call = json_object_get_string(rt_member(json_object_array_get_idx(
        rt_member(rt_message(body, 1), "tool_calls"), 0), "id"));
    assert_string_equal(call, "call_1__thought__U0lH");
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 2),
                        "tool_call_id")), "call_1__thought__U0lH");
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 4),
                        "tool_call_id")), "call_2");
    json_object_put(body);
}

/* Decision 5: reasoning goes back as thinking_blocks only when enabled. */
static void test_decision5_reasoning_round_trip(void **state)
{
    (void)state;
    const char *req = J("{'messages':[" USER_HI ",{'role':'assistant','content':"
        "[{'reasoningContent':{'reasoningText':{'text':'plan','signature':'c2ln'}}},"
        "{'reasoningContent':{'redactedContent':'AAEC'}},"
        "{'reasoningContent':{'reasoningText':{'text':'no sig'}}},"
        "{'text':'answer'}]},{'role':'user','content':[{'text':'more'},"
        "{'reasoningContent':{'reasoningText':{'text':'user side'}}}]}]}");
    lp_config cfg = rt_config();
    cfg.reasoning_round_trip = 1;
    rt_log log = {0};
    json_object *body = rt_format(&cfg, req, &log);
    rt_assert_json(rt_message(body, 1), J("{'role':'assistant','content':"
        "[{'text':'answer','type':'text'}],'thinking_blocks':[{'type':"
        "'thinking','thinking':'plan','signature':'c2ln'},{'type':'thinking',"
        "'thinking':'no sig'}]}"));
    rt_assert_json(rt_message(body, 2), J("{'role':'user','content':"
        "[{'text':'more','type':'text'}]}"));
    assert_int_equal(log.warnings, 2);
    rt_assert_warning(&log, 0, "redactedContent cannot be sent through the "
                      "Chat Completions API | skipping content block");
    rt_assert_warning(&log, 1, "reasoningContent is not supported in "
                      "multi-turn conversations with the Chat Completions API.");
    json_object_put(body);

    cfg.reasoning_round_trip = 0;
    rt_log off = {0};
    body = rt_format(&cfg, req, &off);
    assert_false(json_object_object_get_ex(rt_message(body, 1),
                                           "thinking_blocks", NULL));
    assert_int_equal(off.warnings, 2); /* one per message with reasoning */
    json_object_put(body);

    /* Reasoning alone makes no message; that is said, not silent. */
    cfg.reasoning_round_trip = 1;
    rt_log alone = {0};
    body = rt_format(&cfg, J("{'messages':[{'role':'assistant','content':"
        "[{'reasoningContent':{'reasoningText':{'text':'plan'}}}]}]}"), &alone);
    assert_int_equal(json_object_array_length(rt_messages(body)), 0);
    assert_int_equal(alone.warnings, 1);
    rt_assert_warning(&alone, 0, "messages[0]: an assistant message with only "
                      "reasoning is not sent | skipping message");
    json_object_put(body);
}

/* Decision 6: arguments and json results are compact, keep UTF-8 and the
 * numbers' spelling.  (The same under a decimal-comma locale, and every
 * kind of number, is in test_request_json_writer.c.) */
static void test_decision6_compact_stable_json(void **state)
{
    (void)state;
    const char *req = J("{'messages':[{'role':'assistant','content':[{'toolUse':"
        "{'toolUseId':'t','name':'n','input':{'x':'\u00e9 \\u00e9','f':1.0,"
        "'g':1e-07,'big':12345678901234567890,'n':[1, 2.50, -0.0],'o':{}}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'t','content':"
        "[{'json':{'pi':3.14159265358979323846}}]}}]}]}");
    const char *args_want = "{\"x\":\"\xc3\xa9 \xc3\xa9\",\"f\":1.0,\"g\":1e-07,"
                            "\"big\":12345678901234567890,\"n\":[1,2.50,-0.0],"
                            "\"o\":{}}";
    /* Byte-for-byte stable: the same input twice gives the same text. */
    for (int pass = 0; pass < 2; pass++) {
        lp_config cfg = rt_config();
        rt_log log = {0};
        json_object *body = rt_format(&cfg, req, &log);
        json_object *fn = rt_member(json_object_array_get_idx(
            rt_member(rt_message(body, 0), "tool_calls"), 0), "function");
        assert_string_equal(json_object_get_string(rt_member(fn, "arguments")),
                            args_want);
        assert_string_equal(json_object_get_string(rt_member(rt_message(body, 1),
                            "content")), "{\"pi\":3.14159265358979323846}");
        json_object_put(body);
    }
}

/* 6.1a: response_format body: messages, model, response_format, stream
 * false; no params, tools or stream_options. */
static void test_structured_output_response_format_body(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    json_object *params = rt_parse("{\"max_tokens\":5}");
    cfg.params = params;
    json_object *rf = rt_parse("{\"type\":\"json_schema\",\"json_schema\":"
                               "{\"name\":\"P\",\"schema\":{},\"strict\":true}}");
    lp_call_options opt = {.response_format = rf};
    rt_log log = {0};
    int streaming = -1;
    json_object *body = rt_format_opt(&cfg, J("{'messages':[" USER_HI "],"
        "'system_prompt':'S','tool_specs':[{'name':'x','inputSchema':{'json':{}}}]}"),
        &opt, &log, &streaming);
    rt_assert_json(body, J("{'messages':[{'role':'system','content':[{'type':"
        "'text','text':'S'}]},{'role':'user','content':[{'text':'hi','type':"
        "'text'}]}],'model':'m1','response_format':{'type':'json_schema',"
        "'json_schema':{'name':'P','schema':{},'strict':true}},'stream':false}"));
    assert_int_equal(streaming, 0);
    json_object_put(body);
    json_object_put(rf);
    json_object_put(params);
}

/* 6.1b + decision 20: the forced tool, "required", params, stream false,
 * never stream_options (even from params). */
static void test_structured_output_forced_tool_body(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    json_object *params = rt_parse("{\"max_tokens\":5,\"stream\":true,"
                                   "\"stream_options\":{\"include_usage\":true}}");
    cfg.params = params;
    json_object *spec = rt_parse(J("{'name':'Person','description':'P tool',"
                                   "'inputSchema':{'json':{'type':'object'}}}"));
    lp_call_options opt = {.forced_tool_spec = spec};
    rt_log log = {0};
    int streaming = -1;
    json_object *body = rt_format_opt(&cfg, J("{'messages':[" USER_HI "],"
        "'tool_specs':[{'name':'other','inputSchema':{'json':{}}}],"
        "'tool_choice':{'auto':{}}}"), &opt, &log, &streaming);
    rt_assert_json(body, J("{'messages':[{'role':'user','content':[{'text':"
        "'hi','type':'text'}]}],'model':'m1','tools':[{'type':'function',"
        "'function':{'name':'Person','description':'P tool','parameters':"
        "{'type':'object'}}}],'tool_choice':'required','max_tokens':5,"
        "'stream':false}"));
    assert_int_equal(streaming, 0);
    json_object_put(body);
    json_object_put(spec);
    json_object_put(params);
}

/* reference-update 2.3/2.15: cache_config in structured output.  The tool
 * path carries the configured key and retention, never one derived from
 * the session (the reference passes no agent metadata there); the
 * response_format path carries neither (the reference sends only model,
 * messages and response_format there). */
static void test_structured_output_cache_keys(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = rt_config_json("{'model_id':'m1','cache_config':"
                                    "{'cache_key':'tenant-42','ttl':'24h'}}",
                                    &log);
    json_object *spec = rt_parse(J("{'name':'Person','inputSchema':{'json':"
                                   "{'type':'object'}}}"));
    lp_call_options tool = {.forced_tool_spec = spec};
    const char *req = J("{'messages':[" USER_HI "],'agent_metadata':"
                        "{'session_id':'s1'}}");
    json_object *body = rt_format_opt(cfg, req, &tool, &log, NULL);
    rt_assert_json(rt_member(body, "prompt_cache_key"), "\"tenant-42\"");
    rt_assert_json(rt_member(body, "prompt_cache_retention"), "\"24h\"");
    json_object_put(body);
    json_object *rf = rt_parse("{\"type\":\"json_object\"}");
    lp_call_options format = {.response_format = rf};
    body = rt_format_opt(cfg, req, &format, &log, NULL);
    assert_false(json_object_object_get_ex(body, "prompt_cache_key", NULL));
    assert_false(json_object_object_get_ex(body, "prompt_cache_retention",
                                           NULL));
    json_object_put(body);
    lp_config_unref(cfg);

    /* No key configured: the session gives none on the tool path. */
    cfg = rt_config_json("{'model_id':'m1','cache_config':{}}", &log);
    body = rt_format_opt(cfg, req, &tool, &log, NULL);
    assert_false(json_object_object_get_ex(body, "prompt_cache_key", NULL));
    json_object_put(body);
    lp_config_unref(cfg);
    json_object_put(rf);
    json_object_put(spec);
}

/* 3.4/3.9: tools [] always; tool_choice sent even without tools; an
 * outputSchema is not sent; {} sends no tool_choice. */
static void test_tools_always_sent_and_output_schema_dropped(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[],'tool_choice':{}}"),
                                  &log);
    rt_assert_json(rt_member(body, "tools"), "[]");
    assert_false(json_object_object_get_ex(body, "tool_choice", NULL));
    json_object_put(body);
    body = rt_format(&cfg, J("{'messages':[],'tool_specs':[{'name':'t',"
        "'description':'d','inputSchema':{'json':{'type':'object'}},"
        "'outputSchema':{'json':{}}}],'tool_choice':{'other':{}}}"), &log);
    rt_assert_json(rt_member(body, "tools"), J("[{'type':'function','function':"
        "{'name':'t','description':'d','parameters':{'type':'object'}}}]"));
    rt_assert_json(rt_member(body, "tool_choice"), "\"auto\"");
    json_object_put(body);
}

/* Location-sourced media is skipped with the reference's warning, in a
 * message (3.2, video too) and, where the reference crashes, inside a
 * tool result; video inside a tool result is skipped with a warning where
 * the reference drops it silently. */
static void test_location_media_and_tool_result_video_skipped(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':["
        "{'role':'user','content':[{'text':'see'},{'video':{'format':'mp4',"
        "'source':{'location':{'type':'s3','uri':'s3://b/v.mp4'}}}}]},"
        "{'role':'assistant','content':[{'toolUse':{'toolUseId':'c1','name':"
        "'n','input':{}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'c1','content':["
        "{'text':'a'},{'image':{'format':'png','source':{'location':{'type':"
        "'s3','uri':'s3://b/i.png'}}}},{'document':{'format':'pdf','name':'d',"
        "'source':{'location':{'type':'s3','uri':'s3://b/d.pdf'}}}},"
        "{'video':{'format':'mp4','source':{'bytes':'AAAA'}}},{'text':'b'}]}}]}"
        "]}"), &log);
    rt_assert_json(rt_messages(body), J("["
        "{'role':'user','content':[{'text':'see','type':'text'}]},"
        "{'role':'assistant','tool_calls':[{'function':{'arguments':'{}',"
        "'name':'n'},'id':'c1','type':'function'}]},"
        "{'role':'tool','tool_call_id':'c1','content':'a\\nb'}]"));
    assert_int_equal(log.warnings, 4);
    const char *loc = "Location sources are not supported by OpenAI | "
                      "skipping content block";
    rt_assert_warning(&log, 0, loc);
    rt_assert_warning(&log, 1, loc);
    rt_assert_warning(&log, 2, loc);
    rt_assert_warning(&log, 3, "video is not supported in tool results | "
                      "skipping content block");
    json_object_put(body);
}

/* The MIME table is the system one (3.3, right column). */
static void test_mime_table(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"png", "image/png"}, {"jpeg", "image/jpeg"}, {"jpg", "image/jpeg"},
        {"gif", "image/gif"}, {"webp", "image/webp"},
        {"pdf", "application/pdf"}, {"csv", "text/csv"},
        {"doc", "application/msword"},
        {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"xls", "application/vnd.ms-excel"},
        {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"html", "text/html"}, {"txt", "text/plain"}, {"md", "text/markdown"},
        {"bmp", "application/octet-stream"}, {"PNG", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        lp_config cfg = rt_config();
        rt_log log = {0};
        char req[512], want[512];
        snprintf(req, sizeof req, "{'messages':[{'role':'user','content':[{"
                 "'document':{'format':'%s','name':'n','source':{'bytes':"
                 "'QQ=='}}}]}]}", pairs[i][0]);
        snprintf(want, sizeof want, "data:%s;base64,QQ==", pairs[i][1]);
        json_object *body = rt_format(&cfg, J(req), &log);
        json_object *part = json_object_array_get_idx(
            rt_member(rt_message(body, 0), "content"), 0);
        assert_string_equal(json_object_get_string(rt_member(
            rt_member(part, "file"), "file_data")), want);
        json_object_put(body);
    }
}

/* The top level: unknown keys warn, nulls mean absent, a system prompt
 * string is ignored when content blocks are given (even []). */
static void test_request_top_level(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" USER_HI "],"
        "'system_prompt':'ignored','system_prompt_content':[],'tool_specs':null,"
        "'invocation_state':{}}"), &log);
    assert_int_equal(json_object_array_length(rt_messages(body)), 1);
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, "request: unknown key \"invocation_state\" is ignored");
    json_object_put(body);
}

/* Decision 29: a block may carry a "type" key naming its own kind, as the
 * reference ignores it: the body is the same as without it, everywhere a
 * block can be. */
static void test_decision29_redundant_type_key(void **state)
{
    (void)state;
    static const char *const tmpl =
        "{'messages':[{'role':'user','content':[{%stext':'hi'},{%simage':"
        "{'format':'png','source':{'bytes':'aW1n'}}},{%scachePoint':{'type':"
        "'default'}},{%sdocument':{'format':'pdf','name':'d','source':"
        "{'bytes':'ZG9j'}}}]},{'role':'assistant','content':[{"
        "%sreasoningContent':{'reasoningText':{'text':'r'}}},{%stoolUse':"
        "{'toolUseId':'t1','name':'n','input':{}}}]},{'role':'user','content':"
        "[{%stoolResult':{'toolUseId':'t1','content':[{%sjson':{'a':1}},"
        "{%stext':'ok'}]}}]}],'system_prompt_content':[{%stext':'S'},"
        "{%scachePoint':{'type':'default'}}]}";
    static const char *const typed[] = {
        "'type':'text','", "'type':'image','", "'type':'cachePoint','",
        "'type':'document','", "'type':'reasoningContent','",
        "'type':'toolUse','", "'type':'toolResult','", "'type':'json','",
        "'type':'text','", "'type':'text','", "'type':'cachePoint','"};
    char plain[2048], with_type[2048];
    snprintf(plain, sizeof plain, tmpl, "'", "'", "'", "'", "'", "'", "'",
             "'", "'", "'", "'");
    snprintf(with_type, sizeof with_type, tmpl, typed[0], typed[1], typed[2],
             typed[3], typed[4], typed[5], typed[6], typed[7], typed[8],
             typed[9], typed[10]);
    lp_config cfg = rt_config();
    rt_log log_a = {0}, log_b = {0};
    json_object *a = rt_format(&cfg, J(plain), &log_a);
    json_object *b = rt_format(&cfg, J(with_type), &log_b);
    if (!json_object_equal(a, b))
        fail_msg("bodies differ:\n%s\n%s",
                 json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                 json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
    rt_assert_json(rt_member(rt_message(b, 1), "content"),
                   J("[{'text':'hi','type':'text'},{'image_url':{'detail':"
                     "'auto','format':'image/png','url':'data:image/png;"
                     "base64,aW1n'},'type':'image_url','cache_control':{'type':"
                     "'ephemeral'}},{'file':{'file_data':'data:application/"
                     "pdf;base64,ZG9j','filename':'d'},'type':'file'}]"));
    assert_int_equal(log_a.count, log_b.count);
    json_object_put(a);
    json_object_put(b);
}

/* Standard base64 of n bytes (test helper). */
static char *b64(const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    assert_non_null(out);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Decision 29: a video without "format" takes its container from the
 * signature of its bytes; the base64 goes out as given. */
static void test_decision29_video_without_format(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        size_t len;
        const char *mime;
    } cases[] = {
        {"\0\0\0\x18" "ftypisom\0\0\x02\0", 16, "video/mp4"},
        {"\0\0\0\x14" "ftypqt  \0\0\0\0", 16, "video/mov"},
        {"\0\0\0\x14" "ftyp3gp4\0\0\0\0", 16, "video/3gpp"},
        {"\0\0\0\x08" "wide\0\0\0\0", 12, "video/mov"},
        {"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", 16,
         "video/webm"},
        {"\x1A\x45\xDF\xA3\xA3\x42\x82\x88matroska", 16, "video/x-matroska"},
        {"FLV\x01\x05\0\0\0\x09", 9, "video/x-flv"},
        {"RIFF\x24\0\0\0" "AVI LIST", 16, "video/x-msvideo"},
        {"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C", 16,
         "video/wmv"},
        {"\0\0\x01\xBA\x44\0\x04\0", 8, "video/mpeg"},
        {"OggS\0\x02", 6, "video/ogg"},
    };
    lp_config cfg = rt_config();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char bytes[64];
        memset(bytes, 0x5a, sizeof bytes);
        memcpy(bytes, cases[i].head, cases[i].len);
        char *text = b64(bytes, sizeof bytes);
        char req[512], want[512];
        snprintf(req, sizeof req, "{'messages':[{'role':'user','content':"
                 "[{'video':{'source':{'bytes':'%s'}}}]}]}", text);
        snprintf(want, sizeof want, "[{'type':'video_url','video_url':"
                 "{'detail':'auto','url':'data:%s;base64,%s'}}]",
                 cases[i].mime, text);
        rt_log log = {0};
        json_object *body = rt_format(&cfg, J(req), &log);
        rt_assert_json(rt_member(rt_message(body, 0), "content"), J(want));
        assert_int_equal(log.count, 0);
        json_object_put(body);
        free(text);
    }
    /* MPEG-TS: a sync byte every 188 bytes. */
    unsigned char ts[400];
    memset(ts, 0x11, sizeof ts);
    ts[0] = ts[188] = ts[376] = 0x47;
    char *text = b64(ts, sizeof ts);
    assert_string_equal(rq_video_sniff(text, strlen(text)), "mp2t");
    /* Only the head is read: a length far beyond the 400 characters the
     * signatures need touches nothing past them (ASan would say). */
    char head[401];
    memcpy(head, text, 400);
    head[400] = '\0';
    assert_string_equal(rq_video_sniff(head, (size_t)1 << 40), "mp2t");
    /* One sync byte is not a transport stream. */
    ts[188] = 0;
    free(text);
    text = b64(ts, sizeof ts);
    assert_null(rq_video_sniff(text, strlen(text)));
    free(text);
    /* In a tool result a video is skipped with a warning anyway, so an
     * unknown container is no error there. */
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'toolUse':{'toolUseId':'t1','name':'n','input':{}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'t1','content':"
        "[{'text':'ok'},{'video':{'source':{'bytes':'QQ=='}}}]}}]}]}"), &log);
    assert_int_equal(log.warnings, 1);
    json_object_put(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision29_redundant_type_key),
        cmocka_unit_test(test_decision29_video_without_format),
        cmocka_unit_test(test_decision1_no_stream_options_without_streaming),
        cmocka_unit_test(test_decision1_params_stream_options_win),
        cmocka_unit_test(test_params_override_any_key),
        cmocka_unit_test(test_decision1_missing_model_and_bad_stream),
        cmocka_unit_test(test_decision2_message_cache_point),
        cmocka_unit_test(test_decision2_cache_point_without_preceding_block),
        cmocka_unit_test(test_decision3_video_data_url),
        cmocka_unit_test(test_decision4_tool_call_id_matches_encoded_id),
        cmocka_unit_test(test_decision5_reasoning_round_trip),
        cmocka_unit_test(test_decision6_compact_stable_json),
        cmocka_unit_test(test_structured_output_response_format_body),
        cmocka_unit_test(test_structured_output_forced_tool_body),
        cmocka_unit_test(test_structured_output_cache_keys),
        cmocka_unit_test(test_tools_always_sent_and_output_schema_dropped),
        cmocka_unit_test(test_location_media_and_tool_result_video_skipped),
        cmocka_unit_test(test_mime_table),
        cmocka_unit_test(test_request_top_level),
    };
    return cmocka_run_group_tests_name("request: decisions 1-6 and bodies",
                                       tests, NULL, NULL);
}
