/*
 * test_request_bad_input.c - bad host input is MP_E_INVALID_ARGUMENT with
 * a message naming the JSON path, builds no body and logs nothing
 * (decisions.md "Data across the ABI", ABI rule MP_PLUGIN_8).  One test
 * per class of bad input.
 */
#include "request_test_util.h"
#include "../../plugin/request/request_internal.h"

/* Formats `req` (single-quoted JSON), expects failure with exactly
 * `want` as the message and no warning logged. */
static void expect_error(const char *req, const char *want)
{
    lp_config cfg = rt_config();
    rt_log log = {0};
    mp_error err = MP_ERROR_INIT;
    int rc = rt_format_fail(&cfg, J(req), &log, &err);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    assert_int_equal(err.code, MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, want);
    assert_int_equal(log.count, 0);
}

/* Same with raw (double-quoted) text, for syntax errors. */
static void expect_raw_error(const char *req, size_t len, const char *want)
{
    lp_logger lg = {rt_capture, NULL};
    rt_log log = {0};
    lg.ctx = &log;
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    int rc = rf_parse(req, len, &lg, &r, &err);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    assert_null(r.root);
    assert_string_equal(err.message, want);
}

#define CALL_T1 "{'role':'assistant','content':[{'toolUse':{'toolUseId':" \
                "'t1','name':'n','input':{}}}]}"

static void test_bad_json_syntax_names_byte_offset(void **state)
{
    (void)state;
    const char *s = "{\"messages\": [}";
    expect_raw_error(s, strlen(s),
                     "request: invalid JSON at byte 14: unexpected character");
    s = "{\"messages\": []} x";
    expect_raw_error(s, strlen(s),
                     "request: invalid JSON at byte 17: unexpected character");
    s = "{\"messages\": [";
    expect_raw_error(s, strlen(s), "request: invalid JSON: unexpected end of "
                     "input at byte 14");
    /* The offset is the point; the wording of what is wrong there is the
     * JSON parser's (json_util.c). */
    s = "{\"messages\": [], \"system_prompt\": 'x'}";
    lp_logger lg = {NULL, NULL};
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(rf_parse(s, strlen(s), &lg, &r, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_null(r.root);
    assert_true(strncmp(err.message, "request: invalid JSON at byte 34: ",
                        34) == 0);
}

static void test_bad_json_invalid_utf8(void **state)
{
    (void)state;
    const char s[] = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"\xff\"}]}]}";
    lp_logger lg = {NULL, NULL};
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(rf_parse(s, sizeof s - 1, &lg, &r, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "request: invalid JSON at byte 48"));
}

/* Text that json-c's own check lets through but that is not Unicode:
 * encoded surrogates, overlong forms, code points above U+10FFFF, and
 * unpaired surrogate escapes (which json-c would turn into U+FFFD).  Each
 * is refused at its byte; a surrogate pair escape stays valid. */
static void test_bad_json_invalid_unicode(void **state)
{
    (void)state;
    static const struct { const char *text; const char *want; } cases[] = {
        {"\xed\xa0\x80", "request: invalid JSON at byte 48: not UTF-8"},
        {"\xc0\xaf", "request: invalid JSON at byte 48: not UTF-8"},
        {"ok \xf4\x90\x80\x80", "request: invalid JSON at byte 51: not UTF-8"},
        {"\\ud800", "request: invalid JSON at byte 48: an unpaired UTF-16 "
                     "surrogate"},
        {"\\udc00\\ud800", "request: invalid JSON at byte 48: an unpaired"},
        {"\\ud83d x", "request: invalid JSON at byte 48: an unpaired"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char s[256];
        snprintf(s, sizeof s, "{\"messages\":[{\"role\":\"user\",\"content\":"
                 "[{\"text\":\"%s\"}]}]}", cases[i].text);
        lp_logger lg = {NULL, NULL};
        rf_request r;
        mp_error err = MP_ERROR_INIT;
        if (rf_parse(s, strlen(s), &lg, &r, &err) != MP_E_INVALID_ARGUMENT)
            fail_msg("case %zu accepted", i);
        if (strncmp(err.message, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("case %zu: \"%s\" does not start with \"%s\"", i,
                     err.message, cases[i].want);
    }
    const char ok[] = "{\"messages\":[{\"role\":\"user\",\"content\":"
                      "[{\"text\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80\"}]}]}";
    lp_logger lg = {NULL, NULL};
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    if (rf_parse(ok, sizeof ok - 1, &lg, &r, &err))
        fail_msg("a valid pair refused: %s", err.message);
    rf_release(&r);
}

static void test_bad_top_level_types(void **state)
{
    (void)state;
    expect_error("[]", "request: expected object, got array");
    expect_error("{}", "request: missing key \"messages\"");
    expect_error("{'messages':'hi'}", "messages: expected array, got string");
    expect_error("{'messages':[],'tool_specs':{}}",
                 "tool_specs: expected array, got object");
    expect_error("{'messages':[],'tool_choice':'auto'}",
                 "tool_choice: expected object, got string");
    expect_error("{'messages':[],'system_prompt':1}",
                 "system_prompt: expected string, got integer");
    expect_error("{'messages':[],'system_prompt_content':'x'}",
                 "system_prompt_content: expected array, got string");
}

static void test_bad_message_shape(void **state)
{
    (void)state;
    expect_error("{'messages':['hi']}", "messages[0]: expected object, got string");
    expect_error("{'messages':[{'content':[]}]}", "messages[0]: missing key \"role\"");
    expect_error("{'messages':[{'role':'user','content':'hi'}]}",
                 "messages[0].content: expected array, got string");
    expect_error("{'messages':[{'role':'user','content':[{'text':5}]}]}",
                 "messages[0].content[0].text: expected string, got integer");
    expect_error("{'messages':[{'role':'user','content':[[]]}]}",
                 "messages[0].content[0]: expected object, got array");
}

static void test_bad_role(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'system','content':[]}]}",
                 "messages[0].role: unsupported role \"system\" (expected "
                 "\"user\" or \"assistant\")");
}

static void test_bad_unknown_block(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{'text':'a'},"
                 "{'foo':{}}]}]}",
                 "messages[0].content[1]: unsupported block \"foo\"");
    /* "json" belongs to tool results only. */
    expect_error("{'messages':[{'role':'user','content':[{'json':{}}]}]}",
                 "messages[0].content[0]: unsupported block \"json\"");
}

static void test_bad_guard_and_citations_content(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{'text':'a'}]},"
                 "{'role':'assistant','content':[{'guardContent':{'text':"
                 "{'text':'x','qualifiers':[]}}}]}]}",
                 "messages[1].content[0]: unsupported block \"guardContent\"");
    /* citationsContent is accepted (an Anthropic answer kept in the
     * conversation), in its shape only. */
    expect_error("{'messages':[{'role':'assistant','content':"
                 "[{'citationsContent':{'content':{}}}]}]}",
                 "messages[0].content[0].citationsContent.content: expected "
                 "array, got object");
    expect_error("{'messages':[{'role':'assistant','content':"
                 "[{'citationsContent':{'content':[{'text':1}]}}]}]}",
                 "messages[0].content[0].citationsContent.content[0].text: "
                 "expected string, got integer");
}

static void test_bad_block_key_count(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{}]}]}",
                 "messages[0].content[0]: empty content block");
    expect_error("{'messages':[{'role':'user','content':[{'text':'a',"
                 "'image':{}}]}]}",
                 "messages[0].content[0]: block has several kinds (\"text\", "
                 "\"image\")");
}

/* The check reads blocks of 32 bytes at once: a byte outside the alphabet
 * is found, at its own offset, wherever it sits in or between blocks. */
static void test_base64_stranger_at_every_offset(void **state)
{
    (void)state;
    static const char strangers[] = {'-', '_', '=', ' ', '\n', '"', '\0',
                                     (char)0x80, (char)0xff, '.'};
    char text[100];
    for (size_t k = 0; k < sizeof strangers; k++) {
        for (size_t at = 0; at < sizeof text; at++) {
            memset(text, 'Q', sizeof text);
            text[at] = strangers[k];
            size_t bad = (size_t)-1;
            int ok = rq_base64_valid(text, sizeof text, &bad);
            /* '=' in the last two places is padding, and valid. */
            if (strangers[k] == '=' && at == sizeof text - 1) {
                assert_true(ok);
                continue;
            }
            assert_false(ok);
            if (bad != at)
                fail_msg("0x%02x at %zu reported at %zu",
                         (unsigned char)strangers[k], at, bad);
        }
    }
    memset(text, 'Q', sizeof text);
    size_t bad = 0;
    assert_true(rq_base64_valid(text, sizeof text, &bad));
}

static void test_bad_base64(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{'image':{'format':"
                 "'png','source':{'bytes':'aW1n!Q=='}}}]}]}",
                 "messages[0].content[0].image.source.bytes: invalid base64 at "
                 "offset 4 (expected standard base64 with padding)");
    /* Unpadded text ends mid-group. */
    expect_error("{'messages':[{'role':'user','content':[{'document':{'format':"
                 "'pdf','name':'d','source':{'bytes':'aW1nMQ'}}}]}]}",
                 "messages[0].content[0].document.source.bytes: invalid base64 "
                 "at offset 6 (expected standard base64 with padding)");
    /* URL-safe alphabet is not standard base64. */
    expect_error("{'messages':[{'role':'user','content':[{'video':{'format':"
                 "'mp4','source':{'bytes':'ab-_'}}}]}]}",
                 "messages[0].content[0].video.source.bytes: invalid base64 at "
                 "offset 2 (expected standard base64 with padding)");
    /* Inside a tool result, with the full path. */
    expect_error("{'messages':[" CALL_T1 ",{'role':'user','content':["
                 "{'toolResult':{'toolUseId':'t1','content':[{'text':'x'},"
                 "{'image':{'format':'png','source':{'bytes':'a=b='}}}]}}]}]}",
                 "messages[1].content[0].toolResult.content[1].image.source."
                 "bytes: invalid base64 at offset 1 (expected standard base64 "
                 "with padding)");
}

static void test_bad_media_format_and_source(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{'image':{'source':"
                 "{'bytes':'QQ=='}}}]}]}",
                 "messages[0].content[0].image: missing key \"format\"");
    expect_error("{'messages':[{'role':'user','content':[{'document':{'name':"
                 "'n','source':{'bytes':'QQ=='}}}]}]}",
                 "messages[0].content[0].document: missing key \"format\"");
    /* A video may leave out its format (decision 29), if its bytes show
     * their container; "A" shows none. */
    expect_error("{'messages':[{'role':'user','content':[{'video':{'format':"
                 "null,'source':{'bytes':'QQ=='}}}]}]}",
                 "messages[0].content[0].video: no \"format\", and the bytes "
                 "do not start like a video container we know (MP4, "
                 "QuickTime, 3GP, WebM, Matroska, FLV, AVI, MPEG-PS, MPEG-TS, "
                 "ASF/WMV, Ogg); give \"format\"");
    expect_error("{'messages':[{'role':'user','content':[{'video':{'format':"
                 "7,'source':{'bytes':'QQ=='}}}]}]}",
                 "messages[0].content[0].video.format: expected string, got "
                 "integer");
    /* A "type" key must name the block's own kind (decision 29). */
    expect_error("{'messages':[{'role':'user','content':[{'type':'image',"
                 "'text':'hi'}]}]}",
                 "messages[0].content[0].type: says \"image\", but the block "
                 "is \"text\"");
    expect_error("{'messages':[{'role':'user','content':[{'type':1,"
                 "'text':'hi'}]}]}",
                 "messages[0].content[0].type: expected the block's kind "
                 "(\"text\") as a string, got integer");
    expect_error("{'messages':[{'role':'user','content':[{'type':'text'}]}]}",
                 "messages[0].content[0]: block has only a \"type\" key and "
                 "no content");
    expect_error("{'messages':[{'role':'user','content':[{'type':'text',"
                 "'text':'a','image':{}}]}]}",
                 "messages[0].content[0]: block has several kinds (\"text\", "
                 "\"image\")");
    expect_error("{'messages':[{'role':'user','content':[{'document':{'format':"
                 "'pdf','source':{'bytes':'QQ=='}}}]}]}",
                 "messages[0].content[0].document: missing key \"name\"");
    expect_error("{'messages':[{'role':'user','content':[{'image':{'format':"
                 "'png','source':{}}}]}]}",
                 "messages[0].content[0].image.source: missing key \"bytes\" "
                 "(or \"location\")");
}

static void test_bad_tool_use(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'assistant','content':[{'toolUse':"
                 "{'toolUseId':'t','name':'','input':{}}}]}]}",
                 "messages[0].content[0].toolUse.name: must not be empty");
    expect_error("{'messages':[{'role':'assistant','content':[{'toolUse':"
                 "{'toolUseId':'t','input':{}}}]}]}",
                 "messages[0].content[0].toolUse: missing key \"name\"");
    expect_error("{'messages':[{'role':'assistant','content':[{'toolUse':"
                 "{'toolUseId':'t','name':'n'}}]}]}",
                 "messages[0].content[0].toolUse: missing key \"input\"");
    expect_error("{'messages':[{'role':'assistant','content':[{'toolUse':"
                 "{'name':'n','input':{}}}]}]}",
                 "messages[0].content[0].toolUse: missing key \"toolUseId\"");
}

static void test_bad_tool_result(void **state)
{
    (void)state;
    expect_error("{'messages':[" CALL_T1 ",{'role':'user','content':["
                 "{'toolResult':{'content':[]}}]}]}",
                 "messages[1].content[0].toolResult: missing key \"toolUseId\"");
    expect_error("{'messages':[" CALL_T1 ",{'role':'user','content':["
                 "{'toolResult':{'toolUseId':'t1','content':[{'cachePoint':{}}]}}]}]}",
                 "messages[1].content[0].toolResult.content[0]: unsupported "
                 "block \"cachePoint\"");
}

/* Every class of bad block deep inside a tool result is named with its
 * whole path, as messages[2].content[0].toolResult.content[1]. */
static void test_bad_block_inside_tool_result_names_full_path(void **state)
{
    (void)state;
    static const struct {
        const char *item, *want;
    } cases[] = {
        {"{'guardContent':{'text':{'text':'x'}}}",
         "unsupported block \"guardContent\""},
        {"{'citationsContent':{'content':[]}}",
         "unsupported block \"citationsContent\""},
        {"{'toolUse':{'toolUseId':'t2','name':'n','input':{}}}",
         "unsupported block \"toolUse\""},
        {"{'bogus':1}", "unsupported block \"bogus\""},
        {"'just text'", "expected object, got string"},
        {"{'text':['a']}", "expected string, got array"},
        {"{'json':1,'text':'a'}",
         "block has several kinds (\"json\", \"text\")"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char req[1024], want[512];
        snprintf(req, sizeof req, "{'messages':[{'role':'user','content':"
                 "[{'text':'go'}]}," CALL_T1 ",{'role':'user','content':["
                 "{'toolResult':{'toolUseId':'t1','content':[{'text':'ok'},"
                 "%s]}}]}]}", cases[i].item);
        int wrong_type = strncmp(cases[i].want, "expected string", 15) == 0;
        snprintf(want, sizeof want, "messages[2].content[0].toolResult."
                 "content[1]%s: %s", wrong_type ? ".text" : "", cases[i].want);
        expect_error(req, want);
    }
    /* And in the system prompt's blocks. */
    expect_error("{'messages':[],'system_prompt_content':[{'text':'a'},"
                 "{'guardContent':{'text':{'text':'x'}}}]}",
                 "system_prompt_content[1]: unsupported block \"guardContent\"");
    expect_error("{'messages':[],'system_prompt_content':[{'text':'a'},"
                 "{'text':'b','cachePoint':{}}]}",
                 "system_prompt_content[1]: block has several kinds (\"text\", "
                 "\"cachePoint\")");
}

/* A toolResult must answer a toolUse that came before it. */
static void test_bad_tool_result_without_tool_use(void **state)
{
    (void)state;
    expect_error("{'messages':[" CALL_T1 ",{'role':'user','content':["
                 "{'toolResult':{'toolUseId':'t2','content':[]}}]}]}",
                 "messages[1].content[0].toolResult.toolUseId: no earlier "
                 "toolUse has the id \"t2\"");
    /* A later toolUse does not count. */
    expect_error("{'messages':[{'role':'user','content':[{'toolResult':"
                 "{'toolUseId':'t1','content':[]}}]}," CALL_T1 "]}",
                 "messages[0].content[0].toolResult.toolUseId: no earlier "
                 "toolUse has the id \"t1\"");
}

static void test_bad_tool_specs_and_choice(void **state)
{
    (void)state;
    expect_error("{'messages':[],'tool_specs':[{'name':'a','inputSchema':"
                 "{'json':{}}},{'description':'d','inputSchema':{'json':{}}}]}",
                 "tool_specs[1]: missing key \"name\"");
    expect_error("{'messages':[],'tool_specs':[{'name':'','inputSchema':"
                 "{'json':{}}}]}",
                 "tool_specs[0].name: must not be empty");
    expect_error("{'messages':[],'tool_specs':[{'name':'a','inputSchema':{}}]}",
                 "tool_specs[0].inputSchema: missing key \"json\"");
    expect_error("{'messages':[],'tool_choice':{'tool':{}}}",
                 "tool_choice.tool: missing key \"name\"");
}

static void test_bad_reasoning_and_system_blocks(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'assistant','content':"
                 "[{'reasoningContent':{}}]}]}",
                 "messages[0].content[0].reasoningContent: missing key "
                 "\"reasoningText\" (or \"redactedContent\")");
    expect_error("{'messages':[],'system_prompt_content':[{'text':'a'},"
                 "{'image':{}}]}",
                 "system_prompt_content[1]: unsupported block \"image\"");
    expect_error("{'messages':[{'role':'user','content':[{'cachePoint':"
                 "{'ttl':5}}]}]}",
                 "messages[0].content[0].cachePoint.ttl: expected string, "
                 "got integer");
}

/* An error anywhere means no warning for the parts before it either. */
static void test_bad_input_logs_nothing(void **state)
{
    (void)state;
    expect_error("{'messages':[{'role':'user','content':[{'image':{'format':"
                 "'png','source':{'location':{'type':'s3'}}}},"
                 "{'reasoningContent':{'reasoningText':{'text':'x'}}}]},"
                 "{'role':'user','content':[{'foo':1}]}]}",
                 "messages[1].content[0]: unsupported block \"foo\"");
}

/* The path an error names: keys and indexes as written, and a path
 * longer than its buffer cut, still NUL-terminated, popping back cleanly. */
static void test_error_path_building(void **state)
{
    (void)state;
    rq_path p;
    rq_path_set(&p, "messages");
    size_t m0 = rq_path_index(&p, 0);
    rq_path_key(&p, "content");
    size_t m1 = rq_path_index(&p, 12);
    rq_path_key(&p, "toolUse");
    assert_string_equal(p.buf, "messages[0].content[12].toolUse");
    assert_int_equal(p.len, strlen(p.buf));
    rq_path_pop(&p, m1);
    rq_path_index(&p, SIZE_MAX);
    assert_string_equal(p.buf, "messages[0].content[18446744073709551615]");
    rq_path_pop(&p, m0);
    assert_string_equal(p.buf, "messages");
    size_t marks[200];
    for (size_t i = 0; i < 200; i++)
        marks[i] = rq_path_key(&p, "abcdefgh");
    assert_int_equal(p.len, RQ_PATH_MAX - 1);
    assert_int_equal(strlen(p.buf), RQ_PATH_MAX - 1);
    assert_memory_equal(p.buf + p.len - 9, "h.abcdefg", 9); /* 8 + 55 * 9 + 8 */
    rq_path_index(&p, 7); /* no room left: nothing changes */
    assert_int_equal(p.len, RQ_PATH_MAX - 1);
    rq_path_pop(&p, marks[1]);
    assert_string_equal(p.buf, "messages.abcdefgh");
    rq_path_set(&p, "");
    assert_int_equal(p.len, 0);
    assert_string_equal(p.buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_path_building),
        cmocka_unit_test(test_bad_json_syntax_names_byte_offset),
        cmocka_unit_test(test_bad_json_invalid_utf8),
        cmocka_unit_test(test_bad_json_invalid_unicode),
        cmocka_unit_test(test_bad_top_level_types),
        cmocka_unit_test(test_bad_message_shape),
        cmocka_unit_test(test_bad_role),
        cmocka_unit_test(test_bad_unknown_block),
        cmocka_unit_test(test_bad_guard_and_citations_content),
        cmocka_unit_test(test_bad_block_key_count),
        cmocka_unit_test(test_bad_base64),
        cmocka_unit_test(test_base64_stranger_at_every_offset),
        cmocka_unit_test(test_bad_media_format_and_source),
        cmocka_unit_test(test_bad_tool_use),
        cmocka_unit_test(test_bad_tool_result),
        cmocka_unit_test(test_bad_block_inside_tool_result_names_full_path),
        cmocka_unit_test(test_bad_tool_result_without_tool_use),
        cmocka_unit_test(test_bad_tool_specs_and_choice),
        cmocka_unit_test(test_bad_reasoning_and_system_blocks),
        cmocka_unit_test(test_bad_input_logs_nothing),
    };
    return cmocka_run_group_tests_name("request: bad input", tests, NULL, NULL);
}
