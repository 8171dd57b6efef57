/*
 * test_request_openai_cases.c - the request side of the reference's
 * tests/strands/models/test_openai.py (reference-behaviour.md 8.2, and
 * reference-update.md 3.2/3.5: cases 119-122, 154-159, 161-164, 166) that
 * LiteLLMModel inherits, one test per reference test, named after it.
 * Where LiteLLM overrides the parent (system prompt as a content array,
 * cachePoints kept) the LiteLLM form is expected.
 *
 * The reference tests some helpers on their own (format_request_tool_
 * message, _split_tool_message_images); here the same inputs go through
 * the whole formatter, so a tool result's images always end up split out.
 */
#include "request_test_util.h"

#define IMG_PNG "{'image':{'format':'png','source':{'bytes':'aW1nMQ=='}}}"
#define IMG_JPG "{'image':{'format':'jpg','source':{'bytes':'aW1nMg=='}}}"
#define PNG_PART "{'image_url':{'detail':'auto','format':'image/png','url':" \
                 "'data:image/png;base64,aW1nMQ=='},'type':'image_url'}"
#define JPG_PART "{'image_url':{'detail':'auto','format':'image/jpeg','url':" \
                 "'data:image/jpeg;base64,aW1nMg=='},'type':'image_url'}"
#define PLACEHOLDER "{'type':'text','text':'Tool successfully returned an " \
                    "image. The image is being provided in the following " \
                    "user message.'}"
#define CALL_C1 "{'role':'assistant','content':[{'toolUse':{'toolUseId':" \
                "'c1','name':'calculator','input':{'expression':'2+2'}}}]}"
#define MOVE_WARNING "tool_call_id=c1 | Moving image from tool message to " \
                     "a new user message for OpenAI compatibility"
#define TOOL_SPEC "{'name':'test_tool','description':'A test tool'," \
                  "'inputSchema':{'json':{'properties':{'input':{'type':" \
                  "'string'}},'required':['input'],'type':'object'}}}"
#define TOOLS_OUT "[{'function':{'description':'A test tool','name':" \
                  "'test_tool','parameters':{'properties':{'input':{'type':" \
                  "'string'}},'required':['input'],'type':'object'}}," \
                  "'type':'function'}]"

/* The messages a toolResult with `items` (JSON array text) becomes, after
 * the assistant message holding toolUse c1. */
static json_object *tool_result_messages(const char *items, rt_log *log)
{
    lp_config cfg = rt_config();
    char req[4096];
    snprintf(req, sizeof req, "{'messages':[" CALL_C1 ",{'role':'user',"
             "'content':[{'toolResult':{'toolUseId':'c1','status':'success',"
             "'content':%s}}]}]}", items);
    json_object *body = rt_format(&cfg, J(req), log);
    json_object *msgs = rt_messages(body);
    /* Drop the assistant message; the rest came from the tool result. */
    json_object *rest = json_object_new_array();
    for (size_t i = 1; i < json_object_array_length(msgs); i++)
        json_object_array_add(rest, json_object_get(
            json_object_array_get_idx(msgs, i)));
    json_object_put(body);
    return rest;
}

static json_object *user_content(const char *blocks, rt_log *log)
{
    lp_config cfg = rt_config();
    char req[4096];
    snprintf(req, sizeof req, "{'messages':[{'role':'user','content':%s}]}",
             blocks);
    json_object *body = rt_format(&cfg, J(req), log);
    json_object *c = json_object_get(rt_member(rt_message(body, 0), "content"));
    json_object_put(body);
    return c;
}

/* 8.2 case 48 */
static void test_format_request_message_content(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'document':{'format':'pdf','name':"
        "'test doc','source':{'bytes':'ZG9jdW1lbnQ='}}},{'image':{'format':"
        "'jpg','source':{'bytes':'aW1hZ2U='}}},{'text':'hello'}]", &log);
    rt_assert_json(c, J("[{'file':{'file_data':'data:application/pdf;base64,"
        "ZG9jdW1lbnQ=','filename':'test doc'},'type':'file'},{'image_url':"
        "{'detail':'auto','format':'image/jpeg','url':'data:image/jpeg;base64,"
        "aW1hZ2U='},'type':'image_url'},{'text':'hello','type':'text'}]"));
    json_object_put(c);
}

/* 8.2 case 49: an unknown block is an error naming it and its path. */
static void test_format_request_message_content_unsupported_type(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    mp_error err = MP_ERROR_INIT;
    int rc = rt_format_fail(&cfg, J("{'messages':[{'role':'user','content':"
                                    "[{'unsupported':{}}]}]}"), &log, &err);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message,
                        "messages[0].content[0]: unsupported block \"unsupported\"");
}

/* 8.2 case 50 */
static void test_format_request_message_tool_call(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" CALL_C1 "]}"), &log);
    rt_assert_json(rt_member(rt_message(body, 0), "tool_calls"),
                   J("[{'function':{'arguments':'{\\'expression\\':\\'2+2\\'}',"
                     "'name':'calculator'},'id':'c1','type':'function'}]"));
    json_object_put(body);
}

/* 8.2 case 51 */
static void test_format_request_tool_message(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'4'},{'json':['4']}]", &log);
    rt_assert_json(m, J("[{'content':'4\\n[\\'4\\']','role':'tool',"
                        "'tool_call_id':'c1'}]"));
    json_object_put(m);
}

/* 8.2 case 52 */
static void test_format_request_tool_message_single_text_returns_string(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages(
        "[{'text':'{\\'result\\': \\'success\\'}'}]", &log);
    rt_assert_json(m, J("[{'content':'{\\'result\\': \\'success\\'}','role':"
                        "'tool','tool_call_id':'c1'}]"));
    json_object_put(m);
}

/* 8.2 case 53: texts are kept as they are, json items are dumped
 * (compactly, decision 6). */
static void test_format_request_tool_message_multi_text_returns_joined_string(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Temperature: 72°F'},"
        "{'json':{'humidity':45,'unit':'%'}},{'text':'Wind: 5 mph'}]", &log);
    rt_assert_json(json_object_array_get_idx(m, 0), J("{'content':"
        "'Temperature: 72°F\\n{\\'humidity\\':45,\\'unit\\':\\'%\\'}\\nWind: 5 mph',"
        "'role':'tool','tool_call_id':'c1'}"));
    json_object_put(m);
}

/* 8.2 case 54: order kept; the image then moves to a user message. */
static void test_format_request_tool_message_mixed_text_image_preserves_order(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Before image'}," IMG_PNG
                                          ",{'text':'After image'}]", &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':["
        "{'type':'text','text':'Before image'},{'type':'text','text':"
        "'After image'}," PLACEHOLDER "]},{'role':'user','content':["
        PNG_PART "]}]"));
    json_object_put(m);
}

/* 8.2 case 55: adjacent texts merge; the image still separates. */
static void test_format_request_tool_message_merges_adjacent_text(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Line 1'},{'text':"
        "'Line 2'}," IMG_PNG ",{'text':'Line 3'}]", &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':["
        "{'type':'text','text':'Line 1\\nLine 2'},{'type':'text','text':"
        "'Line 3'}," PLACEHOLDER "]},{'role':'user','content':[" PNG_PART "]}]"));
    json_object_put(m);
}

/* 8.2 case 56 */
static void test_format_request_tool_message_image_only(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[" IMG_PNG "]", &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':["
        PLACEHOLDER "]},{'role':'user','content':[" PNG_PART "]}]"));
    json_object_put(m);
}

/* 8.2 case 57: a document stays in the tool message. */
static void test_format_request_tool_message_document_mixed(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Summary'},{'document':"
        "{'format':'pdf','name':'report','source':{'bytes':'ZG9j'}}},"
        "{'text':'Footer'}]", &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':["
        "{'type':'text','text':'Summary'},{'file':{'file_data':"
        "'data:application/pdf;base64,ZG9j','filename':'report'},'type':"
        "'file'},{'type':'text','text':'Footer'}]}]"));
    assert_int_equal(log.warnings, 0);
    json_object_put(m);
}

/* 8.2 case 58 */
static void test_format_request_tool_message_empty_content(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[]", &log);
    rt_assert_json(m, J("[{'content':'','role':'tool','tool_call_id':'c1'}]"));
    json_object_put(m);
}

/* 8.2 case 59 */
static void test_split_tool_message_images_with_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Result'}," IMG_PNG "]",
                                          &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':["
        "{'type':'text','text':'Result'}," PLACEHOLDER "]},{'role':'user',"
        "'content':[" PNG_PART "]}]"));
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, MOVE_WARNING);
    json_object_put(m);
}

/* 8.2 case 60 */
static void test_split_tool_message_images_without_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Result'}]", &log);
    rt_assert_json(m, J("[{'role':'tool','tool_call_id':'c1','content':"
                        "'Result'}]"));
    assert_int_equal(log.warnings, 0);
    json_object_put(m);
}

/* 8.2 case 61 */
static void test_split_tool_message_images_only_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[" IMG_PNG "]", &log);
    rt_assert_json(json_object_array_get_idx(m, 0), J("{'role':'tool',"
        "'tool_call_id':'c1','content':[" PLACEHOLDER "]}"));
    rt_assert_json(json_object_array_get_idx(m, 1), J("{'role':'user',"
        "'content':[" PNG_PART "]}"));
    rt_assert_warning(&log, 0, MOVE_WARNING);
    json_object_put(m);
}

/* 8.2 case 62: an image in a user message is not moved anywhere. */
static void test_split_tool_message_images_non_tool_role(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'text':'look'}," IMG_PNG "]", &log);
    rt_assert_json(c, J("[{'text':'look','type':'text'}," PNG_PART "]"));
    assert_int_equal(log.warnings, 0);
    json_object_put(c);
}

/* 8.2 case 63: a text-only tool message keeps its string content. */
static void test_split_tool_message_images_invalid_content_type(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'plain'}]", &log);
    assert_int_equal(json_object_array_length(m), 1);
    assert_true(json_object_is_type(
        rt_member(json_object_array_get_idx(m, 0), "content"), json_type_string));
    assert_int_equal(log.warnings, 0);
    json_object_put(m);
}

/* 8.2 case 64 */
static void test_format_request_messages_with_tool_result_containing_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[{'text':'Here'}," IMG_PNG "]", &log);
    assert_int_equal(json_object_array_length(m), 2);
    json_object *tool = json_object_array_get_idx(m, 0);
    assert_string_equal(json_object_get_string(rt_member(tool, "role")), "tool");
    assert_null(strstr(json_object_to_json_string(tool), "image_url"));
    json_object *user = json_object_array_get_idx(m, 1);
    assert_string_equal(json_object_get_string(rt_member(user, "role")), "user");
    assert_non_null(strstr(json_object_to_json_string(user), "image_url"));
    json_object_put(m);
}

/* 8.2 case 65 */
static void test_format_request_messages_with_multiple_images_in_tool_result(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages("[" IMG_PNG "," IMG_JPG "]", &log);
    assert_int_equal(json_object_array_length(m), 2);
    rt_assert_json(json_object_array_get_idx(m, 1), J("{'role':'user',"
        "'content':[" PNG_PART "," JPG_PART "]}"));
    json_object_put(m);
}

static void check_tool_choice(const char *choice, const char *want)
{
    lp_config cfg = rt_config();
    rt_log log = {0};
    char req[512];
    snprintf(req, sizeof req, "{'messages':[],'tool_choice':%s}", choice);
    json_object *body = rt_format(&cfg, J(req), &log);
    rt_assert_json(rt_member(body, "tool_choice"), J(want));
    assert_int_equal(log.count, 0);
    json_object_put(body);
}

/* 8.2 cases 66-68 */
static void test_format_request_tool_choice_auto(void **state)
{
    (void)state;
    check_tool_choice("{'auto':{}}", "'auto'");
}

static void test_format_request_tool_choice_any(void **state)
{
    (void)state;
    check_tool_choice("{'any':{}}", "'required'");
}

static void test_format_request_tool_choice_tool(void **state)
{
    (void)state;
    check_tool_choice("{'tool':{'name':'test_tool'}}",
                      "{'type':'function','function':{'name':'test_tool'}}");
}

/* 8.2 case 69 (LiteLLM's array-form system message). */
static void test_format_request_messages(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'system_prompt':'s1','messages':["
        "{'role':'user','content':[{'text':'hello'}]},"
        "{'role':'user','content':[]},"
        "{'role':'assistant','content':[{'text':'call tool'},{'toolUse':"
        "{'toolUseId':'c1','name':'calculator','input':{'expression':'2+2'}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'c1','status':"
        "'success','content':[{'text':'4'}]}}]}]}"), &log);
    rt_assert_json(rt_messages(body), J("[{'content':[{'type':'text','text':"
        "'s1'}],'role':'system'},{'content':[{'text':'hello','type':'text'}],"
        "'role':'user'},{'content':[{'text':'call tool','type':'text'}],'role':"
        "'assistant','tool_calls':[{'function':{'name':'calculator',"
        "'arguments':'{\\'expression\\':\\'2+2\\'}'},'id':'c1','type':"
        "'function'}]},{'content':'4','role':'tool','tool_call_id':'c1'}]"));
    json_object_put(body);
}

/* 8.2 cases 70-73: the whole body with params {"max_tokens":1}. */
static void check_format_request(const char *choice, const char *want_choice)
{
    lp_config cfg = rt_config();
    json_object *params = rt_parse("{\"max_tokens\":1}");
    cfg.params = params;
    rt_log log = {0};
    char req[1024], want[2048];
    snprintf(req, sizeof req, "{'messages':[{'role':'user','content':[{'text':"
             "'test'}]}],'system_prompt':'s1','tool_specs':[" TOOL_SPEC "]%s%s}",
             choice ? ",'tool_choice':" : "", choice ? choice : "");
    snprintf(want, sizeof want, "{'messages':[{'role':'system','content':"
             "[{'type':'text','text':'s1'}]},{'role':'user','content':[{'text':"
             "'test','type':'text'}]}],'model':'m1','stream':true,"
             "'stream_options':{'include_usage':true},'tools':" TOOLS_OUT
             ",'max_tokens':1%s%s}", want_choice ? ",'tool_choice':" : "",
             want_choice ? want_choice : "");
    json_object *body = rt_format(&cfg, J(req), &log);
    rt_assert_json(body, J(want));
    json_object_put(body);
    json_object_put(params);
}

static void test_format_request(void **state)
{
    (void)state;
    check_format_request(NULL, NULL);
}

static void test_format_request_with_tool_choice_auto(void **state)
{
    (void)state;
    check_format_request("{'auto':{}}", "'auto'");
}

static void test_format_request_with_tool_choice_any(void **state)
{
    (void)state;
    check_format_request("{'any':{}}", "'required'");
}

static void test_format_request_with_tool_choice_tool(void **state)
{
    (void)state;
    check_format_request("{'tool':{'name':'test_tool'}}",
                         "{'type':'function','function':{'name':'test_tool'}}");
}

/* 8.2 cases 84-85 */
static void test_tool_choice_supported_no_warning(void **state)
{
    (void)state;
    check_tool_choice("{'any':{}}", "'required'"); /* asserts no log */
}

static void test_tool_choice_none_no_warning(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[]}"), &log);
    assert_false(json_object_object_get_ex(body, "tool_choice", NULL));
    assert_int_equal(log.count, 0);
    json_object_put(body);
}

/* 8.2 case 87 */
static void test_format_request_messages_excludes_reasoning_content(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'text':'Hello'},{'reasoningContent':"
        "{'reasoningText':{'text':'Thinking...','signature':'sig'}}}]", &log);
    rt_assert_json(c, J("[{'text':'Hello','type':'text'}]"));
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, "reasoningContent is not supported in "
                      "multi-turn conversations with the Chat Completions API.");
    json_object_put(c);
}

static json_object *system_messages(const char *extra)
{
    lp_config cfg = rt_config();
    rt_log log = {0};
    char req[1024];
    snprintf(req, sizeof req, "{'messages':[{'role':'user','content':[{'text':"
             "'Hello'}]}]%s}", extra);
    json_object *body = rt_format(&cfg, J(req), &log);
    json_object *m = json_object_get(rt_messages(body));
    json_object_put(body);
    return m;
}

/* 8.2 case 97, LiteLLM form: a content array. */
static void test_format_request_messages_with_system_prompt_content(void **state)
{
    (void)state;
    json_object *m = system_messages(",'system_prompt_content':[{'text':"
                                     "'You are a helpful assistant.'}]");
    rt_assert_json(json_object_array_get_idx(m, 0), J("{'role':'system',"
        "'content':[{'type':'text','text':'You are a helpful assistant.'}]}"));
    json_object_put(m);
}

/* 8.2 case 98 */
static void test_format_request_messages_with_none_system_prompt_content(void **state)
{
    (void)state;
    json_object *m = system_messages(",'system_prompt_content':null,"
                                     "'system_prompt':null");
    assert_int_equal(json_object_array_length(m), 1);
    assert_string_equal(json_object_get_string(
        rt_member(json_object_array_get_idx(m, 0), "role")), "user");
    json_object_put(m);
}

/* 8.2 case 99, LiteLLM form: the cachePoint is kept as cache_control. */
static void test_format_request_messages_drops_cache_points(void **state)
{
    (void)state;
    json_object *m = system_messages(",'system_prompt_content':[{'text':"
        "'You are a helpful assistant.'},{'cachePoint':{'type':'default'}}]");
    rt_assert_json(json_object_array_get_idx(m, 0), J("{'role':'system',"
        "'content':[{'type':'text','text':'You are a helpful assistant.',"
        "'cache_control':{'type':'ephemeral'}}]}"));
    json_object_put(m);
}

/* 8.2 case 103 */
static void test_format_request_filters_s3_source_image(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'text':'look'},{'image':{'format':'png',"
        "'source':{'location':{'type':'s3','uri':'s3://bucket/img.png'}}}}]",
        &log);
    rt_assert_json(c, J("[{'text':'look','type':'text'}]"));
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, "Location sources are not supported by "
                      "OpenAI | skipping content block");
    json_object_put(c);
}

/* 8.2 case 104 */
static void test_format_request_filters_location_source_document(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'text':'read'},{'document':{'format':"
        "'pdf','name':'a','source':{'location':{'type':'s3','uri':'s3://b/a'}}}},"
        "{'document':{'format':'txt','name':'b','source':{'location':{'type':"
        "'other','path':'/b'}}}}]", &log);
    rt_assert_json(c, J("[{'text':'read','type':'text'}]"));
    assert_int_equal(log.warnings, 2);
    rt_assert_warning(&log, 1, "Location sources are not supported by "
                      "OpenAI | skipping content block");
    json_object_put(c);
}

/* 8.2 case 105 */
static void test_format_request_messages_with_tool_calls_no_content(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[" CALL_C1 "]}"), &log);
    assert_false(json_object_object_get_ex(rt_message(body, 0), "content", NULL));
    json_object_put(body);
}

/* 8.2 case 106, exactly. */
static void test_format_request_messages_multiple_tool_calls_with_images(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':["
        "{'role':'user','content':[{'text':'Run the tools'}]},"
        "{'role':'assistant','content':[{'toolUse':{'toolUseId':'call_1',"
        "'name':'tool_1','input':{}}},{'toolUse':{'toolUseId':'call_2','name':"
        "'tool_2','input':{}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'call_1',"
        "'status':'success','content':[" IMG_PNG "]}},{'toolResult':{"
        "'toolUseId':'call_2','status':'success','content':[{'image':{'format':"
        "'png','source':{'bytes':'aW1nMg=='}}}]}}]}]}"), &log);
    rt_assert_json(rt_messages(body), J("["
        "{'role':'user','content':[{'text':'Run the tools','type':'text'}]},"
        "{'role':'assistant','tool_calls':[{'function':{'arguments':'{}',"
        "'name':'tool_1'},'id':'call_1','type':'function'},{'function':"
        "{'arguments':'{}','name':'tool_2'},'id':'call_2','type':'function'}]},"
        "{'role':'tool','tool_call_id':'call_1','content':[" PLACEHOLDER "]},"
        "{'role':'tool','tool_call_id':'call_2','content':[" PLACEHOLDER "]},"
        "{'role':'user','content':[" PNG_PART "]},"
        "{'role':'user','content':[{'image_url':{'detail':'auto','format':"
        "'image/png','url':'data:image/png;base64,aW1nMg=='},'type':"
        "'image_url'}]}]"));
    assert_int_equal(log.warnings, 2);
    json_object_put(body);
}

/* ------------------------------------------------- reference-update 3.2 */

/* Case 119: tool-call arguments keep non-ASCII characters as they are
 * (compact, decision 6). */
static void test_format_request_message_tool_call_preserves_non_ascii(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object *body = rt_format(&cfg, J("{'messages':[{'role':'assistant',"
        "'content':[{'toolUse':{'toolUseId':'c1','name':'search','input':"
        "{'query':'\xe6\x9d\xb1\xe4\xba\xac'}}}]}]}"), &log);
    json_object *call = json_object_array_get_idx(
        rt_member(rt_message(body, 0), "tool_calls"), 0);
    json_object *fn = rt_member(call, "function");
    assert_string_equal(json_object_get_string(rt_member(fn, "arguments")),
                        "{\"query\":\"\xe6\x9d\xb1\xe4\xba\xac\"}");
    assert_string_equal(json_object_get_string(rt_member(fn, "name")),
                        "search");
    assert_string_equal(json_object_get_string(rt_member(call, "id")), "c1");
    json_object_put(body);
}

/* Case 120: a json tool result keeps them too. */
static void test_format_request_tool_message_preserves_non_ascii(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *m = tool_result_messages(
        "[{'json':{'city':'\xe6\x9d\xb1\xe4\xba\xac'}}]", &log);
    json_object *tool = json_object_array_get_idx(m, 0);
    assert_string_equal(json_object_get_string(rt_member(tool, "content")),
                        "{\"city\":\"\xe6\x9d\xb1\xe4\xba\xac\"}");
    assert_string_equal(json_object_get_string(rt_member(tool, "role")),
                        "tool");
    assert_string_equal(json_object_get_string(rt_member(tool,
                                                         "tool_call_id")),
                        "c1");
    json_object_put(m);
}

/* Case 121: stream false in the config, params {max_tokens: 1}: exactly
 * this body. */
static void test_format_request_can_disable_stream(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = rt_config_json("{'model_id':'m1','stream':false,"
                                    "'params':{'max_tokens':1}}", &log);
    int streaming = -1;
    json_object *body = rt_format_opt(cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'test'}]}]}"), NULL, &log, &streaming);
    rt_assert_json(body, J("{'messages':[{'role':'user','content':[{'text':"
        "'test','type':'text'}]}],'model':'m1','stream':false,'tools':[],"
        "'max_tokens':1}"));
    assert_int_equal(streaming, 0);
    json_object_put(body);
    lp_config_unref(cfg);
}

/* Case 122: the older params.stream false: stream false, no
 * stream_options, and params.stream not spread a second time. */
static void test_format_request_respects_legacy_stream_param(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = rt_config_json("{'model_id':'m1','params':{'max_tokens':"
                                    "1,'stream':false}}", &log);
    json_object *body = rt_format(cfg, J("{'messages':[{'role':'user',"
        "'content':[{'text':'test'}]}]}"), &log);
    rt_assert_json(rt_member(body, "stream"), "false");
    assert_false(json_object_object_get_ex(body, "stream_options", NULL));
    json_object_put(body);
    lp_config_unref(cfg);
}

/* ------------------------------------------------- reference-update 3.5 */

#define USER_TEST "{'messages':[{'role':'user','content':[{'text':'test'}]}]"
#define SESSION_S1 ",'agent_metadata':{'session_id':'s1'}"

/* Format USER_TEST (+ `extra` request members) with `config_sq`; returns
 * the body and leaves the warnings in *log. */
static json_object *cache_body(const char *config_sq, const char *extra,
                               rt_log *log)
{
    lp_config *cfg = rt_config_json(config_sq, log);
    char req[512];
    snprintf(req, sizeof req, USER_TEST "%s}", extra ? extra : "");
    json_object *body = rt_format(cfg, J(req), log);
    lp_config_unref(cfg);
    return body;
}

static void expect_cache_key(const char *config_sq, const char *extra,
                             const char *want)
{
    rt_log log = {0};
    json_object *body = cache_body(config_sq, extra, &log);
    json_object *key = NULL;
    int has = json_object_object_get_ex(body, "prompt_cache_key", &key);
    if (!want && has)
        fail_msg("unexpected prompt_cache_key %s",
                 json_object_to_json_string(key));
    if (want && (!has || strcmp(json_object_get_string(key), want) != 0))
        fail_msg("prompt_cache_key: want %s", want);
    assert_false(json_object_object_get_ex(body, "prompt_cache_retention",
                                           NULL));
    assert_int_equal(log.warnings, 0);
    json_object_put(body);
}

/* Case 154 */
static void test_cache_key_maps_to_prompt_cache_key(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{'cache_key':"
                     "'tenant-42'}}", NULL, "tenant-42");
}

/* Case 155: no key configured and no session: none.  And without a
 * cache_config no key is derived even from a session. */
static void test_cache_key_absent_when_unset(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{}}", NULL, NULL);
    expect_cache_key("{'model_id':'m1'}", SESSION_S1, NULL);
    expect_cache_key("{'model_id':'m1','cache_config':null}", SESSION_S1,
                     NULL);
}

/* Case 156 */
static void test_cache_key_derived_from_agent_metadata_session(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{}}", SESSION_S1,
                     "strands-s1");
}

/* Case 157 */
static void test_configured_cache_key_wins_over_agent_metadata(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{'cache_key':"
                     "'tenant-42'}}", SESSION_S1, "tenant-42");
}

/* Case 158: cache_key false opts out, session or not; an empty string is
 * falsy, so no key either. */
static void test_false_cache_key_opts_out_of_agent_metadata(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{'cache_key':false}}",
                     SESSION_S1, NULL);
    expect_cache_key("{'model_id':'m1','cache_config':{'cache_key':''}}",
                     SESSION_S1, NULL);
}

/* Case 159 */
static void test_agent_metadata_without_session_yields_no_cache_key(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','cache_config':{}}",
                     ",'agent_metadata':{'session_id':null}", NULL);
    expect_cache_key("{'model_id':'m1','cache_config':{}}",
                     ",'agent_metadata':{}", NULL);
}

/* Case 161: params.prompt_cache_key wins over the configured key. */
static void test_explicit_prompt_cache_key_in_params_wins(void **state)
{
    (void)state;
    expect_cache_key("{'model_id':'m1','params':{'prompt_cache_key':"
                     "'explicit'},'cache_config':{'cache_key':'from-config'}}",
                     NULL, "explicit");
    rt_log log = {0};
    json_object *body = cache_body("{'model_id':'m1','params':"
        "{'prompt_cache_key':'explicit','prompt_cache_retention':'in_memory'},"
        "'cache_config':{'cache_key':'from-config','ttl':'24h'}}", NULL, &log);
    /* The same for the retention: the params' value, not the ttl's. */
    rt_assert_json(rt_member(body, "prompt_cache_retention"), "\"in_memory\"");
    rt_assert_json(rt_member(body, "prompt_cache_key"), "\"explicit\"");
    json_object_put(body);
}

/* Case 162 (2): the two retention values OpenAI knows are sent. */
static void test_translatable_ttl_maps_to_prompt_cache_retention(void **state)
{
    (void)state;
    static const char *const ttls[] = {"24h", "in_memory"};
    for (size_t i = 0; i < 2; i++) {
        char cfg[256];
        snprintf(cfg, sizeof cfg, "{'model_id':'m1','cache_config':"
                 "{'cache_key':'k','ttl':'%s'}}", ttls[i]);
        rt_log log = {0};
        json_object *body = cache_body(cfg, NULL, &log);
        assert_string_equal(json_object_get_string(
            rt_member(body, "prompt_cache_retention")), ttls[i]);
        assert_string_equal(json_object_get_string(
            rt_member(body, "prompt_cache_key")), "k");
        assert_int_equal(log.warnings, 0);
        json_object_put(body);
    }
}

/* Case 163: another ttl is not sent, with the reference's warning (given
 * once, when the config is made). */
static void test_untranslatable_ttl_is_ignored_and_warned(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = cache_body("{'model_id':'m1','cache_config':"
                                   "{'ttl':'5m'}}", NULL, &log);
    assert_false(json_object_object_get_ex(body, "prompt_cache_retention",
                                           NULL));
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, "cache_config.ttl='5m' is not an openai "
                      "retention value ('in_memory' or '24h') and will be "
                      "ignored");
    json_object_put(body);
}

/* Case 164: placement fields do nothing here, and say so. */
static void test_placement_fields_are_no_ops_warned(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = cache_body("{'model_id':'m1','cache_config':"
        "{'strategy':'anthropic','cache_key':'k'}}", NULL, &log);
    rt_assert_json(rt_member(body, "prompt_cache_key"), "\"k\"");
    assert_int_equal(log.warnings, 1);
    rt_assert_warning(&log, 0, "cache_config fields ['strategy'] have no "
                      "effect on OpenAI, which does not support them; they "
                      "will be ignored.");
    json_object_put(body);
    /* Every non-default one, sorted; defaults are quiet. */
    rt_log all = {0};
    body = cache_body("{'model_id':'m1','cache_config':{'tools_ttl':'1h',"
        "'system_prompt_ttl':false,'strategy':'anthropic'}}", NULL, &all);
    rt_assert_warning(&all, 0, "cache_config fields ['strategy', "
                      "'system_prompt_ttl', 'tools_ttl'] have no effect on "
                      "OpenAI, which does not support them; they will be "
                      "ignored.");
    json_object_put(body);
    rt_log quiet = {0};
    body = cache_body("{'model_id':'m1','cache_config':{'strategy':'auto',"
        "'system_prompt_ttl':true,'tools_ttl':null}}", NULL, &quiet);
    assert_int_equal(quiet.count, 0);
    json_object_put(body);
}

/* Case 166: the reference now drops a message-level cachePoint with a
 * warning.  We keep mapping it (decision 2): cache_control on the part
 * before it, and no warning. */
static void test_format_request_skips_message_cache_point(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *c = user_content("[{'text':'durable prefix'},{'cachePoint':"
                                  "{'type':'default'}}]", &log);
    rt_assert_json(c, J("[{'text':'durable prefix','type':'text',"
                        "'cache_control':{'type':'ephemeral'}}]"));
    assert_int_equal(log.count, 0);
    json_object_put(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_request_message_content),
        cmocka_unit_test(test_format_request_message_content_unsupported_type),
        cmocka_unit_test(test_format_request_message_tool_call),
        cmocka_unit_test(test_format_request_tool_message),
        cmocka_unit_test(test_format_request_tool_message_single_text_returns_string),
        cmocka_unit_test(test_format_request_tool_message_multi_text_returns_joined_string),
        cmocka_unit_test(test_format_request_tool_message_mixed_text_image_preserves_order),
        cmocka_unit_test(test_format_request_tool_message_merges_adjacent_text),
        cmocka_unit_test(test_format_request_tool_message_image_only),
        cmocka_unit_test(test_format_request_tool_message_document_mixed),
        cmocka_unit_test(test_format_request_tool_message_empty_content),
        cmocka_unit_test(test_split_tool_message_images_with_image),
        cmocka_unit_test(test_split_tool_message_images_without_image),
        cmocka_unit_test(test_split_tool_message_images_only_image),
        cmocka_unit_test(test_split_tool_message_images_non_tool_role),
        cmocka_unit_test(test_split_tool_message_images_invalid_content_type),
        cmocka_unit_test(test_format_request_messages_with_tool_result_containing_image),
        cmocka_unit_test(test_format_request_messages_with_multiple_images_in_tool_result),
        cmocka_unit_test(test_format_request_tool_choice_auto),
        cmocka_unit_test(test_format_request_tool_choice_any),
        cmocka_unit_test(test_format_request_tool_choice_tool),
        cmocka_unit_test(test_format_request_messages),
        cmocka_unit_test(test_format_request),
        cmocka_unit_test(test_format_request_with_tool_choice_auto),
        cmocka_unit_test(test_format_request_with_tool_choice_any),
        cmocka_unit_test(test_format_request_with_tool_choice_tool),
        cmocka_unit_test(test_tool_choice_supported_no_warning),
        cmocka_unit_test(test_tool_choice_none_no_warning),
        cmocka_unit_test(test_format_request_messages_excludes_reasoning_content),
        cmocka_unit_test(test_format_request_messages_with_system_prompt_content),
        cmocka_unit_test(test_format_request_messages_with_none_system_prompt_content),
        cmocka_unit_test(test_format_request_messages_drops_cache_points),
        cmocka_unit_test(test_format_request_filters_s3_source_image),
        cmocka_unit_test(test_format_request_filters_location_source_document),
        cmocka_unit_test(test_format_request_messages_with_tool_calls_no_content),
        cmocka_unit_test(test_format_request_messages_multiple_tool_calls_with_images),
        cmocka_unit_test(test_format_request_message_tool_call_preserves_non_ascii),
        cmocka_unit_test(test_format_request_tool_message_preserves_non_ascii),
        cmocka_unit_test(test_format_request_can_disable_stream),
        cmocka_unit_test(test_format_request_respects_legacy_stream_param),
        cmocka_unit_test(test_cache_key_maps_to_prompt_cache_key),
        cmocka_unit_test(test_cache_key_absent_when_unset),
        cmocka_unit_test(test_cache_key_derived_from_agent_metadata_session),
        cmocka_unit_test(test_configured_cache_key_wins_over_agent_metadata),
        cmocka_unit_test(test_false_cache_key_opts_out_of_agent_metadata),
        cmocka_unit_test(test_agent_metadata_without_session_yields_no_cache_key),
        cmocka_unit_test(test_explicit_prompt_cache_key_in_params_wins),
        cmocka_unit_test(test_translatable_ttl_maps_to_prompt_cache_retention),
        cmocka_unit_test(test_untranslatable_ttl_is_ignored_and_warned),
        cmocka_unit_test(test_placement_fields_are_no_ops_warned),
        cmocka_unit_test(test_format_request_skips_message_cache_point),
    };
    return cmocka_run_group_tests_name("request: test_openai.py cases", tests,
                                       NULL, NULL);
}
