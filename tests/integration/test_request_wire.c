/*
 * test_request_wire.c - the request side through the real plugin and
 * build/mock-server, for what test_stream_request.c does not cover:
 *  - bad input of every class fails with MP_E_INVALID_ARGUMENT naming the
 *    path, emits no event and sends nothing (the server sees no request);
 *  - location-sourced media is skipped with the reference's warning,
 *    delivered through the host's log callback;
 *  - the base URL and the key from the environment, in the documented
 *    order, when client_args do not give them;
 *  - numbers and UTF-8 reach the server exactly as the host wrote them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/requote.h"
#include "stream_it.h"

#define CONFIG "{\"model_id\":\"it-req\"}"
#define KEY "sk-wire-key-0000000099"

/* ' -> " so requests stay readable. */
static const char *dq(const char *sq)
{
    return requote(sq, '\'');
}

/* One stream() with `client_args`; the request must succeed.  Returns the
 * request the server recorded for it. */
static json_object *send_ok(const char *client_args, const char *request_sq)
{
    return st_send_ok(&it_req_mock, CONFIG, client_args, dq(request_sq));
}

/* --------------------------------------------------------- bad input */

#define CALL_T1 "{'role':'assistant','content':[{'toolUse':{'toolUseId':" \
                "'t1','name':'n','input':{}}}]}"
#define RESULT_T1(item) "{'role':'user','content':[{'toolResult':{" \
                "'toolUseId':'t1','content':[{'text':'ok'}," item "]}}]}"

static void test_bad_input_sends_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *request, *message;
    } cases[] = {
        /* invalid JSON */
        {"{'messages':[{'role':'user','content':[{'text':'a'}]}",
         "request: invalid JSON: unexpected end of input at byte 53"},
        /* a wrong type */
        {"{'messages':[{'role':'user','content':[{'text':'a'}]},"
         "{'role':'assistant','content':'b'}]}",
         "messages[1].content: expected array, got string"},
        /* an unknown block, deep inside a tool result */
        {"{'messages':[{'role':'user','content':[{'text':'go'}]}," CALL_T1 ","
         RESULT_T1("{'sound':{'format':'mp3'}}") "]}",
         "messages[2].content[0].toolResult.content[1]: unsupported block "
         "\"sound\""},
        /* guardContent and citationsContent: unsupported, as the reference */
        {"{'messages':[{'role':'user','content':[{'guardContent':{'text':"
         "{'text':'x'}}}]}]}",
         "messages[0].content[0]: unsupported block \"guardContent\""},
        {"{'messages':[{'role':'user','content':[{'text':'go'}]}," CALL_T1 ","
         RESULT_T1("{'citationsContent':{'content':[]}}") "]}",
         "messages[2].content[0].toolResult.content[1]: unsupported block "
         "\"citationsContent\""},
        /* bytes that are not base64 */
        {"{'messages':[{'role':'user','content':[{'text':'go'}]}," CALL_T1 ","
         RESULT_T1("{'image':{'format':'png','source':{'bytes':'aW1n*A=='}}}")
         "]}",
         "messages[2].content[0].toolResult.content[1].image.source.bytes: "
         "invalid base64 at offset 4 (expected standard base64 with "
         "padding)"},
        /* an empty tool name, in a toolUse and in a tool spec */
        {"{'messages':[{'role':'assistant','content':[{'toolUse':{'toolUseId':"
         "'t1','name':'','input':{}}}]}]}",
         "messages[0].content[0].toolUse.name: must not be empty"},
        {"{'messages':[{'role':'user','content':[{'text':'a'}]}],'tool_specs':"
         "[{'name':'','inputSchema':{'json':{}}}]}",
         "tool_specs[0].name: must not be empty"},
        /* a toolResult answering no toolUse */
        {"{'messages':[{'role':'user','content':[{'toolResult':{'toolUseId':"
         "'zz','content':[]}}]}]}",
         "messages[0].content[0].toolResult.toolUseId: no earlier toolUse "
         "has the id \"zz\""},
    };
    char *args = it_client_args(it_req_mock.base_url, KEY, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *request = dq(cases[i].request);
        int before = it_chat_count(&it_req_mock);
        it_call c;
        it_call_run(&c, CONFIG, args, request);
        assert_int_equal(c.rc, MP_E_INVALID_ARGUMENT);
        assert_int_equal(c.err.code, MP_E_INVALID_ARGUMENT);
        assert_string_equal(c.err.message, cases[i].message);
        assert_int_equal(c.ev.count, 0);           /* no event */
        /* nothing sent */
        assert_int_equal(it_chat_count(&it_req_mock), before);
        it_call_free(&c);
    }
    /* The plugin keeps working after all that. */
    json_object *r = send_ok(args, "{'messages':[{'role':'user','content':"
                                   "[{'text':'still here'}]}]}");
    assert_string_equal(it_get_str(r, "body.messages[0].content[0].text"),
                        "still here");
    json_object_put(r);
    char *logs = it_logs();
    assert_null(strstr(logs, KEY));
    free(logs);
    free(args);
}

/* -------------------------------------------------- location sources */

static void test_location_sources_skipped_with_warning(void **state)
{
    (void)state;
    char *before = it_logs();
    size_t seen = strlen(before);
    free(before);
    char *args = it_client_args(it_req_mock.base_url, NULL, NULL);
    json_object *r = send_ok(args, "{'system_prompt':'Be brief.','messages':"
        "[{'role':'user','content':[{'text':'compare'},{'image':{'format':"
        "'png','source':{'location':{'type':'s3','uri':'s3://b/a.png'}}}},"
        "{'document':{'format':'pdf','name':'r','source':{'location':{'type':"
        "'s3','uri':'s3://b/r.pdf'}}}},{'image':{'format':'png','source':"
        "{'bytes':'aW1n'}}}]}]}");
    json_object *want = json_tokener_parse(
        "[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":"
        "\"Be brief.\"}]},{\"role\":\"user\",\"content\":[{\"text\":"
        "\"compare\",\"type\":\"text\"},{\"image_url\":{\"detail\":\"auto\","
        "\"format\":\"image/png\",\"url\":\"data:image/png;base64,aW1n\"},"
        "\"type\":\"image_url\"}]}]");
    assert_true(json_object_equal(it_get(r, "body.messages"), want));
    json_object_put(want);
    json_object_put(r);
    /* Two warnings, one per skipped block, through the log callback. */
    char *logs = it_logs();
    char line[160];
    snprintf(line, sizeof line, "%d Location sources are not supported by "
             "OpenAI | skipping content block\n", MP_LOG_WARN);
    const char *p = logs + seen;
    int n = 0;
    while ((p = strstr(p, line))) {
        n++;
        p += strlen(line);
    }
    assert_int_equal(n, 2);
    free(logs);
    free(args);
}

/* ------------------------------------------------------- environment */

/* Client args without api_base: the URL comes from the environment. */
static void test_base_url_and_key_from_environment(void **state)
{
    (void)state;
    char base[256];
    snprintf(base, sizeof base, "%s/v1/", it_req_mock.base_url);
    setenv("LITELLM_API_BASE", "http://127.0.0.1:9/unused", 1);
    setenv("LITELLM_PROXY_API_BASE", base, 1);
    setenv("OPENAI_API_KEY", "sk-openai", 1);
    setenv("LITELLM_API_KEY", "sk-litellm", 1);
    setenv("LITELLM_PROXY_API_KEY", "sk-proxy", 1);
    json_object *r = send_ok("{}", "{'messages':[{'role':'user','content':"
                                   "[{'text':'q'}]}]}");
    /* LITELLM_PROXY_API_BASE wins over LITELLM_API_BASE; its trailing
     * slash goes, its /v1 stays. */
    assert_string_equal(it_get_str(r, "path"), "/v1/chat/completions");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer sk-proxy");
    json_object_put(r);

    /* Then LITELLM_API_KEY, then OPENAI_API_KEY, and LITELLM_API_BASE. */
    unsetenv("LITELLM_PROXY_API_KEY");
    r = send_ok("{}", "{'messages':[{'role':'user','content':[{'text':'q'}]}]}");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer sk-litellm");
    json_object_put(r);
    unsetenv("LITELLM_API_KEY");
    unsetenv("LITELLM_PROXY_API_BASE");
    setenv("LITELLM_API_BASE", it_req_mock.base_url, 1);
    r = send_ok("{}", "{'messages':[{'role':'user','content':[{'text':'q'}]}]}");
    assert_string_equal(it_get_str(r, "path"), "/chat/completions");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer sk-openai");
    json_object_put(r);

    /* client_args win over the environment. */
    setenv("LITELLM_PROXY_API_KEY", "sk-proxy", 1);
    setenv("LITELLM_PROXY_API_BASE", "http://127.0.0.1:9/unused", 1);
    char *args = it_client_args(it_req_mock.base_url, KEY, NULL);
    r = send_ok(args, "{'messages':[{'role':'user','content':[{'text':'q'}]}]}");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer " KEY);
    json_object_put(r);
    free(args);
    it_clear_provider_env();
}

/* ------------------------------------------------ numbers and UTF-8 */

static void test_numbers_and_utf8_reach_the_server_exactly(void **state)
{
    (void)state;
    /* Tool input and json results travel as JSON text inside strings, so
     * the server's record shows their exact bytes. */
    const char *input = "{'n':123456789012345678901234567890,'u':"
        "12345678901234567890,'d':1e308,'t':0.1,'z':-0.0,'s':'\xc3\xa9 "
        "\xf0\x9f\x98\x80 \\u00e9 \\ud83d\\ude00 \xe2\x80\xa8'}";
    char request[1024];
    snprintf(request, sizeof request, "{'messages':[{'role':'user','content':"
             "[{'text':'caf\xc3\xa9 \xf0\x9f\x98\x80'}]},{'role':'assistant',"
             "'content':[{'toolUse':{'toolUseId':'t1','name':'n','input':%s}}]},"
             "{'role':'user','content':[{'toolResult':{'toolUseId':'t1',"
             "'content':[{'json':%s}]}}]}]}", input, input);
    char *args = it_client_args(it_req_mock.base_url, NULL, NULL);
    json_object *r = send_ok(args, request);
    const char *exact = "{\"n\":123456789012345678901234567890,\"u\":"
        "12345678901234567890,\"d\":1e308,\"t\":0.1,\"z\":-0.0,\"s\":"
        "\"\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8\"}";
    assert_string_equal(it_get_str(r, "body.messages[0].content[0].text"),
                        "caf\xc3\xa9 \xf0\x9f\x98\x80");
    assert_string_equal(
        it_get_str(r, "body.messages[1].tool_calls[0].function.arguments"),
        exact);
    assert_string_equal(it_get_str(r, "body.messages[2].content"), exact);
    json_object_put(r);
    free(args);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_input_sends_nothing),
        cmocka_unit_test(test_location_sources_skipped_with_warning),
        cmocka_unit_test(test_base_url_and_key_from_environment),
        cmocka_unit_test(test_numbers_and_utf8_reach_the_server_exactly),
    };
    return cmocka_run_group_tests_name("request_wire", tests,
                                       it_req_group_setup,
                                       it_req_group_teardown);
}
