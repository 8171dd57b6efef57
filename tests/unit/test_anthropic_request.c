/*
 * test_anthropic_request.c - the Messages API body (anthropic-wire.md
 * section 2): the acceptance cases of section 8 about format_request,
 * each named after its case (the number in the comment), and the [R]
 * rules the plugin adds.  Prompt caching has its own program
 * (test_anthropic_cache.c).
 */
#include "anthropic_test_util.h"

#define E "{'type':'ephemeral'}"

/* ------------------------------------------------------ 8.1 [S] cases */

/* 6 */
static void test_format_request_default(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, AT_MESSAGES, NULL);
    at_assert_body(b, "{'max_tokens':1,'messages':[{'role':'user','content':"
                      "[{'type':'text','text':'test'}]}],'model':'m1',"
                      "'tools':[]}");
    json_object_put(b);
}

/* 7 */
static void test_format_request_with_params(void **state)
{
    (void)state;
    json_object *b = at_body("{'model_id':'anthropic/m1','params':"
                             "{'max_tokens':1,'temperature':1}}",
                             AT_MESSAGES, NULL);
    at_assert_body(b, "{'max_tokens':1,'messages':[{'role':'user','content':"
                      "[{'type':'text','text':'test'}]}],'model':'m1',"
                      "'tools':[],'temperature':1}");
    json_object_put(b);
}

/* 8 */
static void test_format_request_with_system_prompt(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST "],"
                                    "'system_prompt':'s1'}", NULL);
    at_assert_body(b, "{'max_tokens':1,'messages':[{'role':'user','content':"
                      "[{'type':'text','text':'test'}]}],'model':'m1',"
                      "'tools':[],'system':'s1'}");
    json_object_put(b);
}

static json_object *first_block(json_object *body)
{
    json_object *msg = rt_message(body, 0);
    return json_object_array_get_idx(at_get(msg, "content"), 0);
}

/* 9 (both variants) and 55 (csv, [M]) */
static void test_format_request_with_document(void **state)
{
    (void)state;
    static const struct {
        const char *format, *b64, *want;
    } cases[] = {
        {"pdf", "cGRm", "{'source':{'data':'cGRm','media_type':"
                        "'application/pdf','type':'base64'},'title':"
                        "'test doc','type':'document'}"},
        {"txt", "dHh0", "{'source':{'data':'txt','media_type':'text/plain',"
                        "'type':'text'},'title':'test doc','type':"
                        "'document'}"},
        {"csv", "YSxiCjEsMg==", "{'source':{'data':'a,b\\n1,2','media_type':"
                                "'text/plain','type':'text'},'title':"
                                "'test doc','type':'document'}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char req[512];
        snprintf(req, sizeof req, "{'messages':[{'role':'user','content':"
                 "[{'document':{'format':'%s','name':'test doc','source':"
                 "{'bytes':'%s'}}}]}]}", cases[i].format, cases[i].b64);
        json_object *b = at_body(AT_M1, req, NULL);
        rt_assert_json(first_block(b), J(cases[i].want));
        json_object_put(b);
    }
}

/* 10 */
static void test_format_request_with_image(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'image':{'format':'jpg','source':{'bytes':"
                             "'YmFzZTY0ZW5jb2RlZGltYWdl'}}}]}]}", NULL);
    rt_assert_json(first_block(b),
                   J("{'source':{'data':'YmFzZTY0ZW5jb2RlZGltYWdl',"
                     "'media_type':'image/jpeg','type':'base64'},"
                     "'type':'image'}"));
    json_object_put(b);
}

/* 11 */
static void test_format_request_with_reasoning(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'reasoningContent':{'reasoningText':"
                             "{'signature':'reasoning_signature','text':"
                             "'reasoning_text'}}}]}]}", NULL);
    rt_assert_json(rt_message(b, 0),
                   J("{'role':'user','content':[{'signature':"
                     "'reasoning_signature','thinking':'reasoning_text',"
                     "'type':'thinking'}]}"));
    json_object_put(b);
}

/* 12 */
static void test_format_request_with_tool_use(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'assistant',"
                             "'content':[{'toolUse':{'toolUseId':'c1','name':"
                             "'calculator','input':{'expression':'2+2'}}}]}]}",
                             NULL);
    rt_assert_json(rt_message(b, 0),
                   J("{'role':'assistant','content':[{'id':'c1','input':"
                     "{'expression':'2+2'},'name':'calculator','type':"
                     "'tool_use'}]}"));
    json_object_put(b);
}

#define TOOL_USE_C1 "{'role':'assistant','content':[{'toolUse':{'toolUseId':" \
                    "'c1','name':'calculator','input':{}}}]}"

/* 13 */
static void test_format_request_with_tool_results(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" TOOL_USE_C1 ",{'role':"
                             "'user','content':[{'toolResult':{'toolUseId':"
                             "'c1','status':'success','content':[{'text':"
                             "'see image'},{'json':['see image']},{'image':"
                             "{'format':'jpg','source':{'bytes':"
                             "'YmFzZTY0ZW5jb2RlZGltYWdl'}}}]}}]}]}", NULL);
    rt_assert_json(rt_message(b, 1),
                   J("{'role':'user','content':[{'content':[{'text':"
                     "'see image','type':'text'},{'text':'[\\'see image\\']',"
                     "'type':'text'},{'source':{'data':"
                     "'YmFzZTY0ZW5jb2RlZGltYWdl','media_type':'image/jpeg',"
                     "'type':'base64'},'type':'image'}],'is_error':false,"
                     "'tool_use_id':'c1','type':'tool_result'}]}"));
    json_object_put(b);
}

/* A failed tool's result says so, and a missing status is a success. */
static void test_format_request_tool_result_is_error(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" TOOL_USE_C1 ",{'role':"
                             "'user','content':[{'toolResult':{'toolUseId':"
                             "'c1','status':'error','content':[{'text':"
                             "'boom'}]}},{'toolResult':{'toolUseId':'c1',"
                             "'content':[]}}]}]}", NULL);
    json_object *content = at_get(rt_message(b, 1), "content");
    rt_assert_json(json_object_array_get_idx(content, 0),
                   J("{'type':'tool_result','tool_use_id':'c1','content':"
                     "[{'type':'text','text':'boom'}],'is_error':true}"));
    rt_assert_json(json_object_array_get_idx(content, 1),
                   J("{'type':'tool_result','tool_use_id':'c1','content':[],"
                     "'is_error':false}"));
    json_object_put(b);
}

/* 14 */
static void test_format_request_with_unsupported_type(void **state)
{
    (void)state;
    at_refused(AT_M1, "{'messages':[{'role':'user','content':"
                      "[{'unsupported':{}}]}]}",
               "messages[0].content[0]", "unsupported", NULL);
}

/* 15 */
static void test_format_request_with_cache_point(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'text':'cache me'},{'cachePoint':{'type':"
                             "'default'}}]}]}", NULL);
    rt_assert_json(at_get(rt_message(b, 0), "content"),
                   J("[{'cache_control':{'type':'ephemeral'},'text':"
                     "'cache me','type':'text'}]"));
    json_object_put(b);
}

/* 16 */
static void test_format_request_with_empty_content(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[]}]}", NULL);
    rt_assert_json(at_get(b, "messages"), "[]");
    json_object_put(b);
}

#define TOOL_SPEC "{'description':'test tool','name':'test_tool','inputSchema':" \
                  "{'json':{'key':'value'}}}"
#define TOOLS_WANT "[{'name':'test_tool','description':'test tool'," \
                   "'input_schema':{'key':'value'}}]"

static void choice_case(const char *choice, const char *want, rt_log *log)
{
    char req[512];
    snprintf(req, sizeof req, "{'messages':[" AT_USER_TEST "],'tool_specs':"
             "[" TOOL_SPEC "],'tool_choice':%s}", choice);
    json_object *b = at_body(AT_M1, req, log);
    rt_assert_json(at_get(b, "tools"), J(TOOLS_WANT));
    rt_assert_json(at_get(b, "tool_choice"), J(want));
    json_object_put(b);
}

/* 17 */
static void test_format_request_tool_choice_auto(void **state)
{
    (void)state;
    choice_case("{'auto':{}}", "{'type':'auto'}", NULL);
}

/* 18 */
static void test_format_request_tool_choice_any(void **state)
{
    (void)state;
    choice_case("{'any':{}}", "{'type':'any'}", NULL);
}

/* 19 */
static void test_format_request_tool_choice_tool(void **state)
{
    (void)state;
    choice_case("{'tool':{'name':'test_tool'}}",
                "{'name':'test_tool','type':'tool'}", NULL);
}

/* 41 */
static void test_tool_choice_supported_no_warning(void **state)
{
    (void)state;
    rt_log log = {0};
    choice_case("{'auto':{}}", "{'type':'auto'}", &log);
    assert_int_equal(log.warnings, 0);
}

/* 42 */
static void test_tool_choice_none_no_warning(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST "],"
                             "'tool_specs':[" TOOL_SPEC "]}", &log);
    assert_false(json_object_object_get_ex(b, "tool_choice", NULL));
    assert_int_equal(log.warnings, 0);
    json_object_put(b);
}

/* 32 (its request half; the events are in test_anthropic_stream.c) */
static void test_stream_request(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'text':'hello'}]}]}", NULL);
    at_assert_body(b, "{'max_tokens':1,'messages':[{'role':'user','content':"
                      "[{'type':'text','text':'hello'}]}],'model':'m1',"
                      "'tools':[]}");
    json_object_put(b);
}

#define WARN_LOCATION "Location sources are not supported by Anthropic"

/* 43 */
static void test_format_request_filters_s3_source_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'text':'look at this image'},{'image':"
                             "{'format':'png','source':{'location':{'type':"
                             "'s3','uri':'s3://bucket/image.png'}}}}]}]}",
                             &log);
    rt_assert_json(at_get(b, "messages"),
                   J("[{'role':'user','content':[{'type':'text','text':"
                     "'look at this image'}]}]"));
    assert_true(at_logged(&log, WARN_LOCATION));
    json_object_put(b);
}

/* 44 */
static void test_format_request_filters_location_source_document(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'text':'read these'},{'document':{'format':"
                             "'pdf','name':'a','source':{'location':{'type':"
                             "'s3','uri':'s3://b/a.pdf'}}}},{'document':"
                             "{'format':'pdf','name':'b','source':"
                             "{'location':{'type':'s3','uri':'s3://b/b.pdf'"
                             "}}}}]}]}", &log);
    rt_assert_json(at_get(b, "messages"),
                   J("[{'role':'user','content':[{'type':'text','text':"
                     "'read these'}]}]"));
    assert_int_equal(at_count_logged(&log, WARN_LOCATION), 2);
    json_object_put(b);
}

/* ------------------------------------------------------ 8.2 [M] cases */

/* 56 */
static void test_format_request_with_unsupported_document_format(void **st)
{
    (void)st;
    static const char *const formats[] = {"doc", "docx", "xls", "xlsx"};
    for (size_t i = 0; i < 4; i++) {
        char req[512], frag[128];
        snprintf(req, sizeof req, "{'messages':[{'role':'user','content':"
                 "[{'document':{'format':'%s','name':'d','source':{'bytes':"
                 "'cGRm'}}}]}]}", formats[i]);
        snprintf(frag, sizeof frag, "content_type=<document>, format=<%s> | "
                 "unsupported format", formats[i]);
        at_refused(AT_M1, req, "messages[0].content[0].document.format", frag,
                   NULL);
    }
}

/* 57 */
static void test_format_request_with_non_utf8_text_document(void **state)
{
    (void)state;
    at_refused(AT_M1, "{'messages':[{'role':'user','content':[{'document':"
                      "{'format':'csv','name':'d','source':{'bytes':"
                      "'Y2Fm6Q=='}}}]}]}",
               "content_type=<document>, format=<csv> | document is not "
               "valid utf-8 text", NULL);
}

/* 58 */
static void test_format_request_with_webp_image_does_not_depend_on_mimetypes(
    void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'image':{'format':'webp','source':{'bytes':"
                             "'AQID'}}}]}]}", NULL);
    json_object *src = at_get(first_block(b), "source");
    assert_string_equal(json_object_get_string(at_get(src, "media_type")),
                        "image/webp");
    json_object_put(b);
}

/* 59 */
static void test_format_request_with_unsupported_image_format(void **state)
{
    (void)state;
    at_refused(AT_M1, "{'messages':[{'role':'user','content':[{'image':"
                      "{'format':'bmp','source':{'bytes':'AQID'}}}]}]}",
               "messages[0].content[0].image.format",
               "content_type=<image>, format=<bmp> | unsupported format",
               NULL);
}

/* 60: compact JSON, non-ASCII kept (decision 6) */
static void test_format_request_with_tool_result_preserves_non_ascii(void **s)
{
    (void)s;
    json_object *b = at_body(AT_M1, "{'messages':[" TOOL_USE_C1 ",{'role':"
                             "'user','content':[{'toolResult':{'toolUseId':"
                             "'c1','status':'success','content':[{'json':"
                             "{'city':'東京'}}]}}]}]}", NULL);
    rt_assert_json(json_object_array_get_idx(at_get(rt_message(b, 1),
                                                    "content"), 0),
                   J("{'content':[{'text':'{\\'city\\':\\'東京\\'}','type':"
                     "'text'}],'is_error':false,'tool_use_id':'c1','type':"
                     "'tool_result'}"));
    json_object_put(b);
}

/* ------------------------------------------------------ 8.3 [L] cases */

/* 113 */
static void test_format_request_filters_location_source_document_in_tool_result(
    void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'assistant',"
                             "'content':[{'toolUse':{'toolUseId':'t1','name':"
                             "'f','input':{}}}]},{'role':'user','content':"
                             "[{'toolResult':{'toolUseId':'t1','status':"
                             "'success','content':[{'document':{'format':"
                             "'pdf','name':'r','source':{'location':{'type':"
                             "'s3','uri':'s3://b/r.pdf'}}}},{'text':"
                             "'fallback summary'}]}}]}]}", &log);
    rt_assert_json(json_object_array_get_idx(at_get(rt_message(b, 1),
                                                    "content"), 0),
                   J("{'content':[{'text':'fallback summary','type':'text'}],"
                     "'is_error':false,'tool_use_id':'t1','type':"
                     "'tool_result'}"));
    assert_true(at_logged(&log, "Location sources are not supported by "
                                "Anthropic | skipping toolResult content "
                                "block"));
    json_object_put(b);
}

/* 134 (the C meaning: dynamic_trailing_blocks does not disturb the
 * choice) */
static void test_tool_choice_and_dynamic_trailing_blocks_stay_positional(
    void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST "],"
                             "'tool_specs':[" TOOL_SPEC "],'tool_choice':"
                             "{'any':{}},'dynamic_trailing_blocks':1}", NULL);
    rt_assert_json(at_get(b, "tool_choice"), J("{'type':'any'}"));
    json_object_put(b);
}

#define SERVER_TOOL "{'type':'web_search_20260318','name':'web_search','max_uses':3}"
#define NAMED_SPEC "{'name':'name','description':'description','inputSchema':" \
                   "{'json':{'key':'val'}}}"
#define NAMED_WANT "{'name':'name','description':'description'," \
                   "'input_schema':{'key':'val'}}"

/* 139 */
static void test_format_request_with_anthropic_tools(void **state)
{
    (void)state;
    json_object *b = at_body("{'model_id':'anthropic/m1','params':"
                             "{'max_tokens':1},'anthropic_tools':["
                             SERVER_TOOL "]}",
                             "{'messages':[" AT_USER_TEST "],'tool_specs':["
                             NAMED_SPEC "]}", NULL);
    rt_assert_json(at_get(b, "tools"), J("[" NAMED_WANT "," SERVER_TOOL "]"));
    json_object_put(b);
}

/* 140 */
static void test_format_request_with_params_tools(void **state)
{
    (void)state;
    json_object *b = at_body("{'model_id':'anthropic/m1','params':"
                             "{'max_tokens':1,'tools':[" SERVER_TOOL "]}}",
                             "{'messages':[" AT_USER_TEST "],'tool_specs':["
                             NAMED_SPEC "]}", NULL);
    rt_assert_json(at_get(b, "tools"), J("[" NAMED_WANT "," SERVER_TOOL "]"));
    json_object_put(b);
}

#define BOTH_SERVER_TOOLS "{'model_id':'anthropic/m1','params':{'max_tokens':" \
    "1,'tools':[" SERVER_TOOL "]},'anthropic_tools':[" SERVER_TOOL "]}"
#define TEST_TOOL_SPEC "{'name':'test_tool','description':'d','inputSchema':" \
                       "{'json':{'type':'object'}}}"

/* 141 (both variants) */
static void test_format_request_forced_tool_choice_omits_server_tools(void **s)
{
    (void)s;
    static const char *const choices[][2] = {
        {"{'any':{}}", "any"}, {"{'tool':{'name':'test_tool'}}", "tool"}};
    for (size_t i = 0; i < 2; i++) {
        rt_log log = {0};
        char req[512], warn[160];
        snprintf(req, sizeof req, "{'messages':[" AT_USER_TEST "],"
                 "'tool_specs':[" TEST_TOOL_SPEC "],'tool_choice':%s}",
                 choices[i][0]);
        json_object *b = at_body(BOTH_SERVER_TOOLS, req, &log);
        json_object *tools = at_get(b, "tools");
        assert_int_equal(json_object_array_length(tools), 1);
        assert_string_equal(json_object_get_string(at_get(
            json_object_array_get_idx(tools, 0), "name")), "test_tool");
        assert_string_equal(json_object_get_string(at_get(
            at_get(b, "tool_choice"), "type")), choices[i][1]);
        snprintf(warn, sizeof warn, "tool_choice=<%s>, server_tools=<['web_"
                 "search', 'web_search']> | forced tool call, omitting server "
                 "tools", choices[i][1]);
        assert_true(at_logged(&log, warn));
        json_object_put(b);
    }
}

/* 142 */
static void test_format_request_empty_tool_choice_omits_server_tools(void **s)
{
    (void)s;
    json_object *b = at_body(BOTH_SERVER_TOOLS, "{'messages':[" AT_USER_TEST
                             "],'tool_specs':[" TEST_TOOL_SPEC "],"
                             "'tool_choice':{}}", NULL);
    assert_int_equal(json_object_array_length(at_get(b, "tools")), 1);
    assert_false(json_object_object_get_ex(b, "tool_choice", NULL));
    json_object_put(b);
}

/* 143 */
static void test_format_request_auto_tool_choice_keeps_server_tools(void **s)
{
    (void)s;
    json_object *b = at_body("{'model_id':'anthropic/m1','params':"
                             "{'max_tokens':1},'anthropic_tools':["
                             SERVER_TOOL "]}",
                             "{'messages':[" AT_USER_TEST "],'tool_specs':["
                             TEST_TOOL_SPEC "],'tool_choice':{'auto':{}}}",
                             NULL);
    json_object *tools = at_get(b, "tools");
    assert_int_equal(json_object_array_length(tools), 2);
    rt_assert_json(json_object_array_get_idx(tools, 1), J(SERVER_TOOL));
    rt_assert_json(at_get(b, "tool_choice"), J("{'type':'auto'}"));
    json_object_put(b);
}

/* 144 */
static void test_format_request_tools_cache_lands_on_server_tool_without_mutating_config(
    void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','params':"
                               "{'max_tokens':1},'anthropic_tools':["
                               SERVER_TOOL "],'cache_config':{'tools_ttl':"
                               "true}}", &log);
    json_object *b;
    mp_error err;
    assert_int_equal(at_try(cfg, "{'messages':[" AT_USER_TEST "]}", NULL,
                            &log, &b, NULL, &err), MP_OK);
    rt_assert_json(json_object_array_get_idx(at_get(b, "tools"), 0),
                   J("{'type':'web_search_20260318','name':'web_search',"
                     "'max_uses':3,'cache_control':" E "}"));
    json_object_put(b);
    /* The configured tool itself is untouched. */
    json_object *conf = at_get(cfg->config, "anthropic_tools");
    rt_assert_json(json_object_array_get_idx(conf, 0), J(SERVER_TOOL));
    lp_config_unref(cfg);
    /* tools_ttl false: no cache point. */
    b = at_body("{'model_id':'anthropic/m1','params':{'max_tokens':1},"
                "'anthropic_tools':[" SERVER_TOOL "],'cache_config':"
                "{'tools_ttl':false}}", "{'messages':[" AT_USER_TEST "]}",
                NULL);
    rt_assert_json(json_object_array_get_idx(at_get(b, "tools"), 0),
                   J(SERVER_TOOL));
    json_object_put(b);
}

/* 157 */
static void test_format_request_with_citations_content(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST ",{'role':"
                             "'assistant','content':[{'citationsContent':"
                             "{'citations':[{'title':'T'}],'content':"
                             "[{'text':'Agents are '},{'text':"
                             "'autonomous.'}]}}]}]}", NULL);
    rt_assert_json(rt_message(b, 1),
                   J("{'role':'assistant','content':[{'text':"
                     "'Agents are autonomous.','type':'text'}]}"));
    json_object_put(b);
}

/* ------------------------------------------------- [R] rules (spec 2) */

/* 2.2 [R]: system_prompt_content wins over the string; its blocks. */
static void test_system_prompt_content_array(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST "],"
                             "'system_prompt':'ignored',"
                             "'system_prompt_content':[{'text':'A'},"
                             "{'cachePoint':{'type':'default','ttl':'1h'}},"
                             "{'text':'B'}]}", NULL);
    rt_assert_json(at_get(b, "system"),
                   J("[{'type':'text','text':'A','cache_control':{'type':"
                     "'ephemeral','ttl':'1h'}},{'type':'text','text':'B'}]"));
    json_object_put(b);
}

/* 2.3 [R]: a final assistant message (a prefill) loses trailing white
 * space; an empty text is left out with a warning naming its path. */
static void test_prefill_trailing_space_and_empty_text(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'text':''},{'text':'hi'}]},{'role':"
                             "'assistant','content':[{'text':'The answer "
                             "is: \\n '}]}]}", &log);
    rt_assert_json(at_get(b, "messages"),
                   J("[{'role':'user','content':[{'type':'text','text':"
                     "'hi'}]},{'role':'assistant','content':[{'type':"
                     "'text','text':'The answer is:'}]}]"));
    assert_true(at_logged(&log, "messages[0].content[0]: Anthropic refuses "
                                "empty text"));
    json_object_put(b);
}

/* 2.4 [R]: thinking without a signature cannot go (Anthropic refuses it):
 * left out with a warning; a signed one and redacted thinking go back
 * exactly (the redacted bytes are the UTF-8 of Anthropic's string). */
static void test_reasoning_signed_unsigned_and_redacted(void **state)
{
    (void)state;
    rt_log log = {0};
    /* "EncryptedOpaque==" as base64: RW5jcnlwdGVkT3BhcXVlPT0= */
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST ",{'role':"
                             "'assistant','content':[{'reasoningContent':"
                             "{'reasoningText':{'text':'from gpt'}}},"
                             "{'reasoningContent':{'redactedContent':"
                             "'RW5jcnlwdGVkT3BhcXVlPT0='}},"
                             "{'reasoningContent':{'reasoningText':{'text':"
                             "'','signature':'sig'}}},{'text':'ok'}]}]}",
                             &log);
    rt_assert_json(at_get(rt_message(b, 1), "content"),
                   J("[{'type':'redacted_thinking','data':"
                     "'EncryptedOpaque=='},{'type':'thinking','thinking':'',"
                     "'signature':'sig'},{'type':'text','text':'ok'}]"));
    assert_true(at_logged(&log, "messages[1].content[0]: reasoning without "
                                "a signature cannot be sent to Anthropic"));
    json_object_put(b);
}

/* 2.4 [R]: video has no Anthropic block; a tool input must be an object;
 * citations and context of a document are mapped. */
static void test_video_refused_input_object_document_citations(void **state)
{
    (void)state;
    at_refused(AT_M1, "{'messages':[{'role':'user','content':[{'video':"
                      "{'format':'mp4','source':{'bytes':'AQID'}}}]}]}",
               "messages[0].content[0].video", "content_type=<video>", NULL);
    at_refused(AT_M1, "{'messages':[{'role':'assistant','content':"
                      "[{'toolUse':{'toolUseId':'a','name':'f','input':"
                      "'text'}}]}]}",
               "messages[0].content[0].toolUse.input: expected object, got "
               "string", NULL);
    json_object *b = at_body(AT_M1, "{'messages':[{'role':'user','content':"
                             "[{'document':{'format':'pdf','name':'p',"
                             "'source':{'bytes':'cGRm'},'citations':"
                             "{'enabled':true},'context':'a contract'}}]}]}",
                             NULL);
    rt_assert_json(first_block(b),
                   J("{'type':'document','source':{'type':'base64',"
                     "'media_type':'application/pdf','data':'cGRm'},"
                     "'title':'p','citations':{'enabled':true},'context':"
                     "'a contract'}"));
    json_object_put(b);
}

/* A tool-use id LiteLLM gave a Gemini thought signature
 * (id__thought__SIG, with '=' in it) is not a valid Anthropic id: the
 * signature is cut, the pair stays matched, and it is said. */
static void test_tool_use_id_from_another_provider(void **state)
{
    (void)state;
    json_object *b = at_body(AT_M1, "{'messages':[" AT_USER_TEST ",{'role':"
                             "'assistant','content':[{'toolUse':{'toolUseId':"
                             "'call_1__thought__R2Vt==','name':'f','input':"
                             "{}}},{'toolUse':{'toolUseId':'x.y','name':'f',"
                             "'input':{}}}]},{'role':'user','content':"
                             "[{'toolResult':{'toolUseId':"
                             "'call_1__thought__R2Vt==','content':[{'text':"
                             "'r'}]}},{'toolResult':{'toolUseId':'x.y',"
                             "'content':[]}}]}]}", NULL);
    assert_string_equal(json_object_get_string(at_get(
        json_object_array_get_idx(at_get(rt_message(b, 1), "content"), 0),
        "id")), "call_1");
    json_object *results = at_get(rt_message(b, 2), "content");
    assert_string_equal(json_object_get_string(at_get(
        json_object_array_get_idx(results, 0), "tool_use_id")), "call_1");
    assert_string_equal(json_object_get_string(at_get(
        json_object_array_get_idx(results, 1), "tool_use_id")), "x_y");
    json_object_put(b);
}

/* 1.4 [R]: max_tokens defaults to 4096 (or $DEFAULT_ANTHROPIC_CHAT_MAX_
 * TOKENS), leaves room for a thinking budget, and is never changed when
 * given; max_completion_tokens is its other name. */
static void test_max_tokens_default(void **state)
{
    (void)state;
    unsetenv("DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS");
    json_object *b = at_body("{'model_id':'anthropic/m1'}", AT_MESSAGES,
                             NULL);
    assert_int_equal(json_object_get_int(at_get(b, "max_tokens")), 4096);
    json_object_put(b);
    b = at_body("{'model_id':'anthropic/m1','params':{'thinking':{'type':"
                "'enabled','budget_tokens':8000}}}", AT_MESSAGES, NULL);
    assert_int_equal(json_object_get_int(at_get(b, "max_tokens")), 12096);
    rt_assert_json(at_get(b, "thinking"),
                   J("{'type':'enabled','budget_tokens':8000}"));
    json_object_put(b);
    /* A budget near INT64_MAX: the largest max_tokens, not an overflow
     * (which made it negative). */
    b = at_body("{'model_id':'anthropic/m1','params':{'thinking':{'type':"
                "'enabled','budget_tokens':9223372036854775000}}}",
                AT_MESSAGES, NULL);
    assert_true(json_object_get_int64(at_get(b, "max_tokens")) == INT64_MAX);
    json_object_put(b);
    b = at_body("{'model_id':'anthropic/m1','params':{'max_tokens':100,"
                "'thinking':{'type':'enabled','budget_tokens':8000}}}",
                AT_MESSAGES, NULL);
    assert_int_equal(json_object_get_int(at_get(b, "max_tokens")), 100);
    json_object_put(b);
    b = at_body("{'model_id':'anthropic/m1','params':"
                "{'max_completion_tokens':77.4}}", AT_MESSAGES, NULL);
    assert_int_equal(json_object_get_int(at_get(b, "max_tokens")), 77);
    assert_false(json_object_object_get_ex(b, "max_completion_tokens", NULL));
    json_object_put(b);
    setenv("DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS", "1234", 1);
    b = at_body("{'model_id':'anthropic/m1'}", AT_MESSAGES, NULL);
    assert_int_equal(json_object_get_int(at_get(b, "max_tokens")), 1234);
    json_object_put(b);
    unsetenv("DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS");
}

/* 2.7 [R]: LiteLLM-style params mapped; OpenAI-only ones dropped with a
 * warning; the keys the plugin builds never taken from params. */
static void test_params_mapping(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body("{'model_id':'anthropic/m1','params':{"
                             "'max_tokens':10,'stop':'END','user':'u-42',"
                             "'reasoning_effort':'medium','seed':7,"
                             "'presence_penalty':0.5,'top_k':5,'model':'x',"
                             "'messages':[],'parallel_tool_calls':false,"
                             "'service_tier':'auto'}}",
                             "{'messages':[" AT_USER_TEST "],'tool_specs':["
                             TOOL_SPEC "]}", &log);
    at_assert_body(b, "{'model':'m1','max_tokens':10,'messages':[{'role':"
                      "'user','content':[{'type':'text','text':'test'}]}],"
                      "'tools':" TOOLS_WANT ",'tool_choice':{'type':'auto',"
                      "'disable_parallel_tool_use':true},'stop_sequences':"
                      "['END'],'metadata':{'user_id':'u-42'},'thinking':"
                      "{'type':'enabled','budget_tokens':2048},'top_k':5,"
                      "'service_tier':'auto'}");
    assert_true(at_logged(&log, "config.params.seed is not a Messages API "
                                "parameter | dropped"));
    assert_true(at_logged(&log, "config.params.presence_penalty is not a "
                                "Messages API parameter"));
    assert_true(at_logged(&log, "config.params.model is ignored"));
    json_object_put(b);
    /* An e-mail address never goes as a user id. */
    b = at_body("{'model_id':'anthropic/m1','params':{'user':"
                "'someone@example.com'}}", AT_MESSAGES, &log);
    assert_false(json_object_object_get_ex(b, "metadata", NULL));
    json_object_put(b);
}

/* 2.6 [R]: manual thinking cannot force a tool: auto, with a warning. */
static void test_thinking_with_forced_tool_sends_auto(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body("{'model_id':'anthropic/m1','params':"
                             "{'thinking':{'type':'enabled','budget_tokens':"
                             "1024}}}", "{'messages':[" AT_USER_TEST "],"
                             "'tool_specs':[" TOOL_SPEC "],'tool_choice':"
                             "{'any':{}}}", &log);
    rt_assert_json(at_get(b, "tool_choice"), J("{'type':'auto'}"));
    assert_true(at_logged(&log, "refuses a forced tool with thinking "
                                "enabled"));
    json_object_put(b);
}

/* params.stream false asks for one whole answer: no "stream" key. */
static void test_params_stream_false(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','params':"
                               "{'stream':false}}", &log);
    json_object *b;
    mp_error err;
    int st = -1;
    assert_int_equal(at_try(cfg, AT_MESSAGES, NULL, &log, &b, &st, &err),
                     MP_OK);
    assert_int_equal(st, 0);
    assert_false(json_object_object_get_ex(b, "stream", NULL));
    json_object_put(b);
    lp_config_unref(cfg);
}

/* ----------------------------------------- structured output (spec 6) */

/* 6.1: the forced tool, as Strands' structured_output sends it: the schema
 * is the only tool, tool_choice any, not streamed. */
static void test_structured_forced_tool_body(void **state)
{
    (void)state;
    json_object *spec = rt_parse(J("{'name':'Person','description':'A "
                                   "person','inputSchema':{'json':{'type':"
                                   "'object','properties':{'name':{'type':"
                                   "'string'}}}}}"));
    lp_call_options opt = {.forced_tool_spec = spec};
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','params':{"
                               "'tools':[" SERVER_TOOL "]}}", &log);
    json_object *b;
    mp_error err;
    int st = -1;
    assert_int_equal(at_try(cfg, AT_MESSAGES, &opt, &log, &b, &st, &err),
                     MP_OK);
    assert_int_equal(st, 0);
    assert_false(json_object_object_get_ex(b, "stream", NULL));
    rt_assert_json(at_get(b, "tools"),
                   J("[{'name':'Person','description':'A person',"
                     "'input_schema':{'type':'object','properties':{'name':"
                     "{'type':'string'}}}}]"));
    rt_assert_json(at_get(b, "tool_choice"), J("{'type':'any'}"));
    json_object_put(b);
    lp_config_unref(cfg);
    json_object_put(spec);
}

/* 6.3: native structured outputs: output_config.format with the schema
 * transformed (refs inlined, bounds into the description,
 * additionalProperties false), the caller's output_config kept; the
 * legacy form on request. */
static void test_structured_output_config_body(void **state)
{
    (void)state;
    json_object *schema = rt_parse(J(
        "{'type':'object','properties':{'age':{'type':'integer','minimum':0,"
        "'description':'years'},'pet':{'$ref':'#/$defs/Pet'}},'required':"
        "['age'],'$defs':{'Pet':{'type':'object','properties':{'name':"
        "{'type':'string','maxLength':20}}}}}"));
    json_object *rf = rt_parse(J("{'type':'json_schema','json_schema':"
                                 "{'name':'P','schema':{},'strict':true}}"));
    lp_call_options opt = {.response_format = rf, .schema = schema};
    rt_log log = {0};
    lp_config *cfg = at_config("{'model_id':'anthropic/m1','params':"
                               "{'output_config':{'effort':'low'}}}", &log);
    json_object *b;
    mp_error err;
    int st = -1;
    assert_int_equal(at_try(cfg, AT_MESSAGES, &opt, &log, &b, &st, &err),
                     MP_OK);
    assert_int_equal(st, 0);
    const char *want_schema =
        "{'type':'object','properties':{'age':{'type':'integer',"
        "'description':'years (minimum: 0)'},'pet':{'type':'object',"
        "'properties':{'name':{'type':'string','description':"
        "'(maxLength: 20)'}},'additionalProperties':false}},'required':"
        "['age'],'additionalProperties':false}";
    json_object *oc = at_get(b, "output_config");
    assert_string_equal(json_object_get_string(at_get(oc, "effort")), "low");
    json_object *format = at_get(oc, "format");
    assert_string_equal(json_object_get_string(at_get(format, "type")),
                        "json_schema");
    rt_assert_json(at_get(format, "schema"), J(want_schema));
    json_object_put(b);
    opt.legacy_format = 1;
    assert_int_equal(at_try(cfg, AT_MESSAGES, &opt, &log, &b, &st, &err),
                     MP_OK);
    rt_assert_json(at_get(at_get(b, "output_format"), "schema"),
                   J(want_schema));
    json_object_put(b);
    lp_config_unref(cfg);
    json_object_put(schema);
    json_object_put(rf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_request_default),
        cmocka_unit_test(test_format_request_with_params),
        cmocka_unit_test(test_format_request_with_system_prompt),
        cmocka_unit_test(test_format_request_with_document),
        cmocka_unit_test(test_format_request_with_image),
        cmocka_unit_test(test_format_request_with_reasoning),
        cmocka_unit_test(test_format_request_with_tool_use),
        cmocka_unit_test(test_format_request_with_tool_results),
        cmocka_unit_test(test_format_request_tool_result_is_error),
        cmocka_unit_test(test_format_request_with_unsupported_type),
        cmocka_unit_test(test_format_request_with_cache_point),
        cmocka_unit_test(test_format_request_with_empty_content),
        cmocka_unit_test(test_format_request_tool_choice_auto),
        cmocka_unit_test(test_format_request_tool_choice_any),
        cmocka_unit_test(test_format_request_tool_choice_tool),
        cmocka_unit_test(test_tool_choice_supported_no_warning),
        cmocka_unit_test(test_tool_choice_none_no_warning),
        cmocka_unit_test(test_stream_request),
        cmocka_unit_test(test_format_request_filters_s3_source_image),
        cmocka_unit_test(test_format_request_filters_location_source_document),
        cmocka_unit_test(test_format_request_with_unsupported_document_format),
        cmocka_unit_test(test_format_request_with_non_utf8_text_document),
        cmocka_unit_test(test_format_request_with_webp_image_does_not_depend_on_mimetypes),
        cmocka_unit_test(test_format_request_with_unsupported_image_format),
        cmocka_unit_test(test_format_request_with_tool_result_preserves_non_ascii),
        cmocka_unit_test(test_format_request_filters_location_source_document_in_tool_result),
        cmocka_unit_test(test_tool_choice_and_dynamic_trailing_blocks_stay_positional),
        cmocka_unit_test(test_format_request_with_anthropic_tools),
        cmocka_unit_test(test_format_request_with_params_tools),
        cmocka_unit_test(test_format_request_forced_tool_choice_omits_server_tools),
        cmocka_unit_test(test_format_request_empty_tool_choice_omits_server_tools),
        cmocka_unit_test(test_format_request_auto_tool_choice_keeps_server_tools),
        cmocka_unit_test(test_format_request_tools_cache_lands_on_server_tool_without_mutating_config),
        cmocka_unit_test(test_format_request_with_citations_content),
        cmocka_unit_test(test_system_prompt_content_array),
        cmocka_unit_test(test_prefill_trailing_space_and_empty_text),
        cmocka_unit_test(test_reasoning_signed_unsigned_and_redacted),
        cmocka_unit_test(test_video_refused_input_object_document_citations),
        cmocka_unit_test(test_tool_use_id_from_another_provider),
        cmocka_unit_test(test_max_tokens_default),
        cmocka_unit_test(test_params_mapping),
        cmocka_unit_test(test_thinking_with_forced_tool_sends_auto),
        cmocka_unit_test(test_params_stream_false),
        cmocka_unit_test(test_structured_forced_tool_body),
        cmocka_unit_test(test_structured_output_config_body),
    };
    return cmocka_run_group_tests_name("anthropic: request body", tests, NULL,
                                       NULL);
}
