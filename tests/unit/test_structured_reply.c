/*
 * test_structured_reply.c - reading a structured-output answer
 * (structured_reply.h): a chat.completion body goes through the chunk
 * mapper into the collecting sink, as op_structured.c does, and comes out
 * as the validated object or a precise error.
 */
#include "request_test_util.h"

#include "../../plugin/openai_chat/chunk_mapper.h"
#include "../../plugin/core/event_emit.h"
#include "../../plugin/structured/structured_reply.h"

#define PERSON "{'type':'object','properties':{'name':{'type':'string'},'age':" \
               "{'type':'integer'}},'required':['name','age']}"

/* A chat.completion whose choice 0 has `message` and `finish`. */
#define BODY(message, finish)                                               \
    "{'id':'c1','object':'chat.completion','created':1,'model':'m1',"       \
    "'choices':[{'index':0,'message':" message ",'finish_reason':" finish   \
    "}],'usage':{'prompt_tokens':10,'completion_tokens':5,'total_tokens':15}}"

#define TOOL_CALL(args)                                                      \
    "{'role':'assistant','content':null,'tool_calls':[{'id':'call_1','type':" \
    "'function','function':{'name':'Person','arguments':" args "}}]}"

typedef struct run_result {
    int rc;
    mp_error err;
    char out[4096];
} run_result;

static run_result res;

/* Map `body` as op_structured does; the result lands in `res`. */
static int run_with(const char *body_json, int path, const char *schema_json,
                    uint32_t err_size)
{
    memset(&res, 0, sizeof res);
    res.err = (mp_error)MP_ERROR_INIT;
    res.err.struct_size = err_size;
    json_object *schema = rt_parse(J(schema_json));
    const char *body = J(body_json);
    so_reply reply;
    so_reply_init(&reply, 1 << 20);
    ev_emitter em;
    ev_init(&em, &reply.sink);
    chunk_mapper m;
    assert_int_equal(cm_init(&m, &em, NULL), MP_OK);
    strbuf out;
    sb_init(&out, 1 << 20);
    int rc = cm_map_response(&m, body, strlen(body), 0, 0, &res.err);
    if (!rc)
        rc = cm_check_single_choice(body, strlen(body), &res.err);
    if (!rc)
        rc = so_reply_result(&reply, path, schema, &out, &res.err);
    if (!rc)
        snprintf(res.out, sizeof res.out, "%s", out.data);
    assert_int_equal(res.err.code, rc);
    res.rc = rc;
    sb_free(&out);
    cm_free(&m);
    so_reply_free(&reply);
    json_object_put(schema);
    return rc;
}

static int run(const char *body_json, int path, const char *schema_json)
{
    return run_with(body_json, path, schema_json, sizeof(mp_error));
}

static void expect_output(const char *body, int path, const char *schema,
                          const char *want)
{
    if (run(body, path, schema) != MP_OK)
        fail_msg("%s: %s", mp_errname(res.rc), res.err.message);
    assert_string_equal(res.out, J(want));
}

static void expect_error(const char *body, int path, const char *schema,
                         int code, const char *message)
{
    assert_int_equal(run(body, path, schema), code);
    assert_string_equal(res.err.message, J(message));
}

/* Decision 20: the tool call is taken whatever the finish reason says. */
static void test_tool_call_with_any_finish_reason(void **state)
{
    (void)state;
    const char *finishes[] = {"'tool_calls'", "'tool_use'", "'stop'", "null",
                              "'end_turn'"};
    for (size_t i = 0; i < sizeof finishes / sizeof *finishes; i++) {
        char body[1024];
        snprintf(body, sizeof body, BODY(TOOL_CALL("'{\\'name\\': \\'John\\', "
                 "\\'age\\': 30}'"), "%s"), finishes[i]);
        expect_output(body, SO_PATH_TOOL, PERSON, "{'name':'John','age':30}");
    }
}

/* #743/#1005: JSON sent as text instead of a tool call is accepted. */
static void test_json_as_text_on_tool_path(void **state)
{
    (void)state;
    expect_output(BODY("{'role':'assistant','content':'  {\\'name\\':\\'Ann\\',"
                       "\\'age\\':41}\\n'}", "'stop'"),
                  SO_PATH_TOOL, PERSON, "{'name':'Ann','age':41}");
}

/* The tool call wins over text on the tool path, and only the first tool
 * call counts. */
static void test_first_tool_call_wins(void **state)
{
    (void)state;
    expect_output(BODY("{'role':'assistant','content':'Here you go','tool_calls':["
                       "{'id':'a','type':'function','function':{'name':'Person',"
                       "'arguments':'{\\'name\\':\\'A\\',\\'age\\':1}'}},{'id':'b',"
                       "'type':'function','function':{'name':'Person','arguments':"
                       "'{\\'name\\':\\'B\\',\\'age\\':2}'}}]}", "'tool_calls'"),
                  SO_PATH_TOOL, PERSON, "{'name':'A','age':1}");
}

/* response_format: the content; a tool call when there is no content. */
static void test_response_format_reads_content(void **state)
{
    (void)state;
    expect_output(BODY("{'role':'assistant','content':'{\\'name\\': \\'John\\', "
                       "\\'age\\': 30}'}", "'stop'"),
                  SO_PATH_RESPONSE_FORMAT, PERSON, "{'name':'John','age':30}");
    expect_output(BODY(TOOL_CALL("'{\\'name\\':\\'T\\',\\'age\\':3}'"), "'tool_calls'"),
                  SO_PATH_RESPONSE_FORMAT, PERSON, "{'name':'T','age':3}");
    /* Content given as parts, and reasoning beside it. */
    expect_output(BODY("{'role':'assistant','reasoning_content':'thinking',"
                       "'content':[{'type':'text','text':'{\\'name\\':'},{'type':"
                       "'text','text':'\\'P\\',\\'age\\':5}'}]}", "'stop'"),
                  SO_PATH_RESPONSE_FORMAT, PERSON, "{'name':'P','age':5}");
}

/* Output is compact and keeps numbers as the model spelled them. */
static void test_output_is_compact_and_exact(void **state)
{
    (void)state;
    expect_output(BODY("{'role':'assistant','content':'{ \\'v\\' : 1.50 , \\'big\\'"
                       ": 12345678901234567 }'}", "'stop'"),
                  SO_PATH_RESPONSE_FORMAT, "{'type':'object'}",
                  "{'v':1.50,'big':12345678901234567}");
    /* Wider than 64 bits: json-c alone would saturate it. */
    expect_output(BODY("{'role':'assistant','content':'{\\'id\\':"
                       "123456789012345678901234567890,\\'neg\\':"
                       "-9223372036854775809}'}", "'stop'"),
                  SO_PATH_RESPONSE_FORMAT, "{'type':'object'}",
                  "{'id':123456789012345678901234567890,"
                  "'neg':-9223372036854775809}");
}

/* The nulls of optional properties (the strict schema's) are removed. */
static void test_optional_nulls_are_removed(void **state)
{
    (void)state;
    expect_output(BODY("{'role':'assistant','content':'{\\'name\\':\\'J\\',\\'age\\':"
                       "1,\\'nick\\':null}'}", "'stop'"), SO_PATH_RESPONSE_FORMAT,
                  "{'type':'object','properties':{'name':{'type':'string'},'age':"
                  "{'type':'integer'},'nick':{'type':'string'}},'required':['name',"
                  "'age'],'additionalProperties':false}",
                  "{'name':'J','age':1}");
}

static void test_invalid_outputs_name_the_path(void **state)
{
    (void)state;
    const char *schema = "{'type':'object','properties':{'name':{'type':'string'},"
        "'address':{'type':'object','properties':{'zip':{'type':'string'}},"
        "'required':['zip'],'additionalProperties':false}},'required':['name',"
        "'address'],'additionalProperties':false}";
    expect_error(BODY(TOOL_CALL("'{name: John}'"), "'tool_calls'"), SO_PATH_TOOL,
                 schema, MP_E_VALIDATION,
                 "structured output is not valid JSON: invalid JSON at byte 1: "
                 "quoted object property name expected; the model returned in tool call 'Person': "
                 "{name: John}");
    expect_error(BODY(TOOL_CALL("'{\\'name\\':7,\\'address\\':{\\'zip\\':\\'1\\'}}'"),
                      "'tool_calls'"), SO_PATH_TOOL, schema, MP_E_VALIDATION,
                 "structured output failed the schema: $.name: expected type "
                 "string, got integer 7; the model returned in tool call 'Person': "
                 "{'name':7,'address':{'zip':'1'}}");
    expect_error(BODY(TOOL_CALL("'{\\'name\\':\\'a\\',\\'address\\':{}}'"),
                      "'tool_calls'"), SO_PATH_TOOL, schema, MP_E_VALIDATION,
                 "structured output failed the schema: $.address.zip: required "
                 "property is missing; the model returned in tool call 'Person': "
                 "{'name':'a','address':{}}");
    expect_error(BODY("{'role':'assistant','content':'{\\'name\\':\\'a\\',"
                      "\\'address\\':{\\'zip\\':\\'1\\',\\'plus4\\':\\'2\\'}}'}",
                      "'stop'"), SO_PATH_RESPONSE_FORMAT, schema, MP_E_VALIDATION,
                 "structured output failed the schema: $.address.plus4: property "
                 "is not allowed (additionalProperties is false); the model "
                 "returned as text: {'name':'a','address':{'zip':'1','plus4':'2'}}");
    expect_error(BODY("{'role':'assistant','content':'[1,2]'}", "'stop'"),
                 SO_PATH_RESPONSE_FORMAT, schema, MP_E_VALIDATION,
                 "structured output failed the schema: $: expected type object, "
                 "got array; the model returned as text: [1,2]");
}

/* Nothing usable: neither a tool call nor text. */
static void test_no_answer(void **state)
{
    (void)state;
    expect_error(BODY("{'role':'assistant','content':null}", "'stop'"), SO_PATH_TOOL,
                 PERSON, MP_E_VALIDATION, "structured output: the model returned "
                 "neither a tool call nor any text");
    expect_error(BODY("{'role':'assistant','content':'  '}", "'length'"),
                 SO_PATH_RESPONSE_FORMAT, PERSON, MP_E_VALIDATION,
                 "structured output: the model returned neither a tool call nor "
                 "any text (finish_reason 'length': the answer was cut off by the "
                 "token limit)");
}

/* A cut-off answer says why it is broken. */
static void test_cut_off_answer(void **state)
{
    (void)state;
    expect_error(BODY("{'role':'assistant','content':'{\\'name\\':\\'Jo'}", "'length'"),
                 SO_PATH_RESPONSE_FORMAT, PERSON, MP_E_VALIDATION,
                 "structured output is not valid JSON: invalid JSON: unexpected "
                 "end of input at byte 11 (finish_reason 'length': the answer was "
                 "cut off by the token limit); the model returned as text: "
                 "{'name':'Jo");
}

/* The reference's choice checks: none, or more than one. */
static void test_choice_counts(void **state)
{
    (void)state;
    expect_error("{'id':'c','choices':[],'usage':null}", SO_PATH_TOOL, PERSON,
                 MP_E_PROTOCOL, "structured output: No choices found in the response");
    expect_error("{'id':'c','choices':[{'index':0,'message':{'content':'{}'},"
                 "'finish_reason':'stop'},{'index':1,'message':{'content':'{}'},"
                 "'finish_reason':'stop'}]}", SO_PATH_RESPONSE_FORMAT, PERSON,
                 MP_E_PROTOCOL, "structured output: Multiple choices found in the "
                 "response (2; is params.n set?)");
}

/* An error object in a 200 body is typed by the mapper, as in stream(). */
static void test_error_object_in_body(void **state)
{
    (void)state;
    assert_int_equal(run("{'error':{'message':'This model\\u0027s maximum context "
                         "length is 8192 tokens','type':'invalid_request_error',"
                         "'code':'context_length_exceeded'}}", SO_PATH_TOOL, PERSON),
                     MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(run("{'error':{'message':'Rate limit reached','code':'429'}}",
                         SO_PATH_TOOL, PERSON), MP_E_THROTTLED);
    assert_int_equal(run("{'choices':'nope'}", SO_PATH_TOOL, PERSON), MP_E_PROTOCOL);
}

/* A long answer is cut to fit the message, on a character boundary, and
 * the message says how long it was. */
static void test_long_raw_answer_is_cut(void **state)
{
    (void)state;
    char body[12000], text[9000];
    size_t n = (size_t)snprintf(text, sizeof text, "{\\'name\\':\\'");
    size_t chars = 0;
    for (; n < 8000; n += 2, chars++)
        memcpy(text + n, "\xc3\xa9", 2); /* two-byte characters */
    snprintf(text + n, sizeof text - n, "\\',\\'age\\':\\'x\\'}");
    snprintf(body, sizeof body, BODY("{'role':'assistant','content':'%s'}", "'stop'"),
             text);
    assert_int_equal(run(body, SO_PATH_RESPONSE_FORMAT, PERSON), MP_E_VALIDATION);
    const char *m = res.err.message;
    assert_true(strlen(m) <= MP_ERROR_MESSAGE_MAX - 1);
    assert_true(strlen(m) > MP_ERROR_MESSAGE_MAX - 40);
    assert_non_null(strstr(m, "structured output failed the schema: $.age: expected "
                           "type integer, got string \"x\"; the model returned as "
                           "text: {\"name\":\"\xc3\xa9"));
    const char *tail = strstr(m, "\xc3\xa9... (");
    assert_non_null(tail);
    /* {"name":" + the characters + ","age":"x"} */
    char in_all[64];
    snprintf(in_all, sizeof in_all, "(%zu bytes in all)", 9 + 2 * chars + 12);
    assert_string_equal(strchr(tail, '('), in_all);
    /* A host with a small mp_error gets the head, cut safely. */
    assert_int_equal(run_with(body, SO_PATH_RESPONSE_FORMAT, PERSON,
                              (uint32_t)(offsetof(mp_error, message) + 64)),
                     MP_E_VALIDATION);
    assert_int_equal(strlen(res.err.message), 63);
}

/* The collector keeps the finish reason, usage and the first tool's name. */
static void test_collector_fields(void **state)
{
    (void)state;
    so_reply r;
    so_reply_init(&r, 1 << 16);
    ev_emitter em;
    ev_init(&em, &r.sink);
    chunk_mapper m;
    assert_int_equal(cm_init(&m, &em, NULL), MP_OK);
    mp_error err = MP_ERROR_INIT;
    const char *body = J(BODY(TOOL_CALL("'{}'"), "'tool_use'"));
    assert_int_equal(cm_map_response(&m, body, strlen(body), 5, 1, &err), MP_OK);
    assert_string_equal(r.finish.data, "tool_use");
    assert_string_equal(r.tool_name.data, "Person");
    assert_string_equal(r.tool_input.data, "{}");
    assert_int_equal(r.tools, 1);
    assert_int_equal(r.in_tokens, 10);
    assert_int_equal(r.out_tokens, 5);
    so_reply_reset(&r);
    assert_int_equal(r.tools, 0);
    assert_int_equal(r.tool_input.len, 0);
    assert_int_equal(r.in_tokens, -1);
    cm_free(&m);
    so_reply_free(&r);
}

/* A text answer that is one ```json (or bare ```) block is read from
 * inside the fence, on either path and with CRLF line ends; the fence
 * may be in tool arguments too. */
static void test_fenced_json_is_unwrapped(void **state)
{
    (void)state;
    static const char *const contents[] = {
        "```json\\n{\\'name\\':\\'F\\',\\'age\\':5}\\n```",
        "\\n  ```JSON  \\n{\\'name\\':\\'F\\',\\'age\\':5}\\n  ```\\n",
        "```\\n{\\'name\\':\\'F\\',\\'age\\':5}\\n```",
        "```json\\r\\n{\\'name\\':\\'F\\',\\'age\\':5}\\r\\n```",
    };
    for (size_t i = 0; i < sizeof contents / sizeof *contents; i++) {
        char body[1024];
        snprintf(body, sizeof body, BODY("{'role':'assistant','content':'%s'}",
                 "'stop'"), contents[i]);
        expect_output(body, SO_PATH_RESPONSE_FORMAT, PERSON, "{'name':'F','age':5}");
        expect_output(body, SO_PATH_TOOL, PERSON, "{'name':'F','age':5}");
    }
    expect_output(BODY(TOOL_CALL("'```json\\n{\\'name\\':\\'G\\',\\'age\\':6}\\n```'"),
                       "'tool_calls'"), SO_PATH_TOOL, PERSON, "{'name':'G','age':6}");
}

/* A parse failure: MP_E_VALIDATION whose message starts with `head` and
 * ends with `tail` (the parser's own words in between are json_util's). */
static void expect_parse_error(const char *body, int path, const char *head,
                               const char *tail)
{
    assert_int_equal(run(body, path, PERSON), MP_E_VALIDATION);
    const char *m = res.err.message, *h = J(head);
    size_t n = strlen(m);
    char t[512];
    snprintf(t, sizeof t, "%s", J(tail));
    if (strncmp(m, h, strlen(h)) != 0 || n < strlen(t) ||
        strcmp(m + n - strlen(t), t) != 0)
        fail_msg("message: %s\nwant: %s ... %s", m, h, t);
}

#define NOT_JSON "structured output is not valid JSON: invalid JSON"

/* Only a whole-answer fence is taken off: prose around it, another
 * language tag, two blocks or a fence on one line stay as they are and
 * fail as JSON, with the raw text in the message. */
static void test_other_fences_are_not_json(void **state)
{
    (void)state;
    expect_parse_error(BODY("{'role':'assistant','content':'Here it is:\\n```json\\n"
                            "{\\'name\\':\\'F\\',\\'age\\':5}\\n```'}", "'stop'"),
                       SO_PATH_RESPONSE_FORMAT, NOT_JSON,
                       "; the model returned as text: Here it is:\n```json\n"
                       "{'name':'F','age':5}\n```");
    expect_parse_error(BODY("{'role':'assistant','content':'```python\\n{}\\n```'}",
                            "'stop'"), SO_PATH_RESPONSE_FORMAT, NOT_JSON,
                       "; the model returned as text: ```python\n{}\n```");
    expect_parse_error(BODY("{'role':'assistant','content':'```json\\n{}\\n```\\n"
                            "```json\\n{}\\n```'}", "'stop'"),
                       SO_PATH_RESPONSE_FORMAT, NOT_JSON,
                       "; the model returned as text: ```json\n{}\n```\n```json\n"
                       "{}\n```");
    expect_parse_error(BODY("{'role':'assistant','content':'```{}```'}", "'stop'"),
                       SO_PATH_RESPONSE_FORMAT, NOT_JSON,
                       "; the model returned as text: ```{}```");
    /* Inside a fence: the error says so, and shows the whole answer. */
    expect_parse_error(BODY("{'role':'assistant','content':'```json\\n{\\'name\\':}\\n"
                            "```'}", "'stop'"), SO_PATH_RESPONSE_FORMAT,
                       "structured output (inside its ``` fence) is not valid "
                       "JSON: invalid JSON",
                       "; the model returned as text: ```json\n{'name':}\n```");
}

/* A null is removed only where the caller's schema cannot take it (an
 * optional property that is not nullable); a nullable property keeps its
 * null, required or not, so nothing the caller asked for is lost. */
static void test_nulls_the_schema_allows_are_kept(void **state)
{
    (void)state;
    const char *schema = "{'type':'object','properties':{"
        "'req_nullable':{'type':['string','null']},"
        "'opt_nullable':{'anyOf':[{'type':'integer'},{'type':'null'}]},"
        "'opt_enum':{'enum':['a',null]},"
        "'opt_ref':{'$ref':'#/$defs/MaybeText'},"
        "'opt_plain':{'type':'string'}},"
        "'required':['req_nullable'],'additionalProperties':false,"
        "'$defs':{'MaybeText':{'type':['string','null']}}}";
    expect_output(BODY("{'role':'assistant','content':'{\\'req_nullable\\':null,"
                       "\\'opt_nullable\\':null,\\'opt_enum\\':null,\\'opt_ref\\':"
                       "null,\\'opt_plain\\':null}'}", "'stop'"),
                  SO_PATH_RESPONSE_FORMAT, schema,
                  "{'req_nullable':null,'opt_nullable':null,'opt_enum':null,"
                  "'opt_ref':null}");
}

/* An OpenAI refusal on the response_format path comes back as the text it
 * is, so the host sees why there is no object. */
static void test_refusal_is_shown(void **state)
{
    (void)state;
    expect_parse_error(BODY("{'role':'assistant','content':null,'refusal':'I cannot "
                            "help with that.'}", "'stop'"), SO_PATH_RESPONSE_FORMAT,
                       NOT_JSON, "; the model returned as text: I cannot help "
                       "with that.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tool_call_with_any_finish_reason),
        cmocka_unit_test(test_json_as_text_on_tool_path),
        cmocka_unit_test(test_first_tool_call_wins),
        cmocka_unit_test(test_response_format_reads_content),
        cmocka_unit_test(test_output_is_compact_and_exact),
        cmocka_unit_test(test_optional_nulls_are_removed),
        cmocka_unit_test(test_invalid_outputs_name_the_path),
        cmocka_unit_test(test_no_answer),
        cmocka_unit_test(test_cut_off_answer),
        cmocka_unit_test(test_choice_counts),
        cmocka_unit_test(test_error_object_in_body),
        cmocka_unit_test(test_long_raw_answer_is_cut),
        cmocka_unit_test(test_collector_fields),
        cmocka_unit_test(test_fenced_json_is_unwrapped),
        cmocka_unit_test(test_other_fences_are_not_json),
        cmocka_unit_test(test_nulls_the_schema_allows_are_kept),
        cmocka_unit_test(test_refusal_is_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
