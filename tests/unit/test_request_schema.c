/*
 * test_request_schema.c - abi/request.schema.json, the JSON Schema of the
 * request: the validator takes it, it accepts each shape the ABI documents
 * (every block kind, a multi-turn tool round trip, the tool choices) and
 * rejects the wrong ones with the path, and every request example in
 * abi/README.md is valid against it and accepted by the plugin.  (tests/run_all.sh also checks every
 * request the tests sent, tests/schema/check_requests.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/structured/schema_ref.h"
#include "../../plugin/structured/schema_validate.h"
#include "../support/test_paths.h"
#include "request_test_util.h"

static json_object *g_schema;

static int setup(void **state)
{
    (void)state;
    g_schema = json_object_from_file(LP_SOURCE_DIR "/abi/request.schema.json");
    return g_schema ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_object_put(g_schema);
    return 0;
}

/* The verdict on a request written with ' for ", and the reason. */
static int check(const char *request_sq, char *why, size_t len)
{
    json_object *req = json_tokener_parse(requote(request_sq, '\''));
    if (!req)
        fail_msg("test JSON does not parse: %s", request_sq);
    int rc = sv_validate(g_schema, req, 0, why, len);
    json_object_put(req);
    return rc;
}

static void expect_valid(const char *request_sq)
{
    char why[512] = "";
    if (check(request_sq, why, sizeof why) != MP_OK)
        fail_msg("rejected: %s\n  request: %s", why, request_sq);
}

static void expect_invalid(const char *request_sq, const char *path)
{
    char why[512] = "";
    if (check(request_sq, why, sizeof why) == MP_OK)
        fail_msg("accepted: %s", request_sq);
    if (!strstr(why, path))
        fail_msg("the reason \"%s\" does not name %s", why, path);
}

static void test_the_validator_takes_the_schema(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(sch_check(g_schema, &err), MP_OK);
}

#define USER_HI "{'role':'user','content':[{'text':'hi'}]}"
#define B64 "iVBORw0KGgo="

static void test_every_block_kind(void **state)
{
    (void)state;
    expect_valid("{'messages':[" USER_HI "]}");
    expect_valid("{'messages':[{'role':'user','content':["
                 "{'text':'look'},"
                 "{'image':{'format':'png','source':{'bytes':'" B64 "'}}},"
                 "{'document':{'format':'pdf','name':'a','source':{'bytes':'" B64 "'},"
                 "'citations':{'enabled':true}}},"
                 "{'video':{'format':'mp4','source':{'location':{'uri':'s3://b/k'}}}},"
                 "{'video':{'source':{'bytes':'" B64 "'}}},"
                 "{'cachePoint':{'type':'default','ttl':'1h'}},"
                 "{'type':'text','text':'a redundant type key'}]}]}");
    expect_valid("{'messages':[" USER_HI ",{'role':'assistant','content':["
                 "{'reasoningContent':{'reasoningText':{'text':'hm','signature':'s'}}},"
                 "{'reasoningContent':{'redactedContent':'" B64 "'}},"
                 "{'text':'ok'}]}]}");
    /* An answer that cited sources, kept in the conversation (the plugin
     * sends its text); not inside a tool result. */
    const char *cited = "{'messages':[" USER_HI ",{'role':'assistant','content':["
                        "{'citationsContent':{'citations':[{'title':'T'}],"
                        "'content':[{'text':'Agents are '},{'text':'autonomous.'}]}}]}]}";
    expect_valid(cited);
    lp_config cfg = rt_config();
    rt_log log = {0};
    json_object_put(rt_format(&cfg, requote(cited, '\''), &log)); /* accepted */
    expect_invalid("{'messages':[" USER_HI ",{'role':'assistant','content':["
                   "{'citationsContent':{'citations':[]}}]}]}",
                   "$.messages[1].content[0]");
}

static void test_a_multi_turn_tool_round_trip(void **state)
{
    (void)state;
    expect_valid("{'messages':["
        "{'role':'user','content':[{'text':'What is 6*7?'}]},"
        "{'role':'assistant','content':[{'text':'Let me compute.'},"
        "  {'toolUse':{'toolUseId':'call_1','name':'calculator',"
        "   'input':{'expression':'6*7'},'reasoningSignature':'sig'}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'call_1',"
        "   'status':'success','content':[{'text':'42'},{'json':{'value':42}}]}}]},"
        "{'role':'assistant','content':[{'text':'It is 42.'}]},"
        "{'role':'user','content':[{'text':'Thanks'}]}],"
        "'tool_specs':[{'name':'calculator','description':'Evaluates.',"
        "  'inputSchema':{'json':{'type':'object','properties':"
        "   {'expression':{'type':'string'}},'required':['expression']}}}],"
        "'tool_choice':{'auto':{}},"
        "'system_prompt_content':[{'text':'Be exact.'},{'cachePoint':{'type':'default'}}],"
        "'agent_metadata':{'session_id':'s-1'}}");
}

static void test_tool_choices_and_nulls(void **state)
{
    (void)state;
    expect_valid("{'messages':[],'tool_choice':{'any':{}}}");
    expect_valid("{'messages':[],'tool_choice':{'tool':{'name':'t'}}}");
    expect_valid("{'messages':[],'tool_choice':{}}");
    expect_valid("{'messages':[],'tool_choice':null,'tool_specs':null,"
                 "'system_prompt':null,'system_prompt_content':null,"
                 "'agent_metadata':{'session_id':null}}");
}

static void test_wrong_shapes_are_rejected_with_the_path(void **state)
{
    (void)state;
    expect_invalid("{'tool_specs':[]}", "messages");
    expect_invalid("{'messages':[{'role':'system','content':[]}]}", "$.messages[0]");
    expect_invalid("{'messages':[{'role':'user','content':[{'text':'a','image':{}}]}]}",
                   "$.messages[0].content[0]");
    expect_invalid("{'messages':[{'role':'user','content':[{'type':'image','text':'a'}]}]}",
                   "$.messages[0].content[0]");
    expect_invalid("{'messages':[{'role':'user','content':[{'image':{'format':'png',"
                   "'source':{'bytes':'" B64 "','location':{}}}}]}]}",
                   "$.messages[0].content[0]");
    expect_invalid("{'messages':[{'role':'assistant','content':[{'toolUse':"
                   "{'toolUseId':'','name':'t','input':{}}}]}]}",
                   "$.messages[0].content[0]");
    expect_invalid("{'messages':[],'tool_choice':{'tool':{}}}", "$.tool_choice");
    expect_invalid("{'messages':[],'tool_specs':[{'name':'t','inputSchema':{}}]}",
                   "$.tool_specs[0].inputSchema");
    expect_invalid("{'messages':[],'system_prompt_content':[{'image':{}}]}",
                   "$.system_prompt_content[0]");
    expect_invalid("{'messages':[],'invocation_state':{}}", "invocation_state");
}

/* Every ```json block of abi/README.md that holds a request (an object
 * with "messages") is valid: the docs' examples cannot go stale. */
static void test_the_examples_in_abi_readme(void **state)
{
    (void)state;
    FILE *f = fopen(LP_SOURCE_DIR "/abi/README.md", "r");
    assert_non_null(f);
    char line[4096];
    char *block = NULL;
    size_t len = 0;
    int in_json = 0, examples = 0;
    while (fgets(line, sizeof line, f)) {
        if (!in_json && strncmp(line, "```json", 7) == 0) {
            in_json = 1;
            len = 0;
            if (block)
                block[0] = '\0';
            continue;
        }
        if (in_json && strncmp(line, "```", 3) == 0) {
            in_json = 0;
            json_object *doc = block ? json_tokener_parse(block) : NULL;
            if (json_object_is_type(doc, json_type_object) &&
                json_object_object_get_ex(doc, "messages", NULL)) {
                char why[512] = "";
                if (sv_validate(g_schema, doc, 0, why, sizeof why) != MP_OK)
                    fail_msg("abi/README.md example %d: %s\n%s", examples + 1,
                             why, block);
                /* ...and the plugin builds a body from it. */
                lp_config cfg = rt_config();
                rt_log log = {0};
                json_object_put(rt_format(&cfg, block, &log));
                examples++;
            }
            json_object_put(doc);
            continue;
        }
        if (in_json) {
            size_t n = strlen(line);
            char *grown = realloc(block, len + n + 1);
            assert_non_null(grown);
            block = grown;
            memcpy(block + len, line, n + 1);
            len += n;
        }
    }
    fclose(f);
    free(block);
    /* The reference shows at least: minimal, media, tools, a round trip. */
    assert_true(examples >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_validator_takes_the_schema),
        cmocka_unit_test(test_every_block_kind),
        cmocka_unit_test(test_a_multi_turn_tool_round_trip),
        cmocka_unit_test(test_tool_choices_and_nulls),
        cmocka_unit_test(test_wrong_shapes_are_rejected_with_the_path),
        cmocka_unit_test(test_the_examples_in_abi_readme),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
