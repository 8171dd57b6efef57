/*
 * test_request_openai_cases.c - the request side of the reference's
 * tests/strands/models/test_openai.py (reference-behaviour.md 8.2) that
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
    };
    return cmocka_run_group_tests_name("request: test_openai.py cases", tests,
                                       NULL, NULL);
}
