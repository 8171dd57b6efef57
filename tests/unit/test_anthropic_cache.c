/*
 * test_anthropic_cache.c - prompt caching on the anthropic/ route: the
 * TestPromptCaching cases of anthropic-wire.md 8.2 (64-110) and the
 * cache_config / system-prompt cases of 8.3 (111-138), each named after
 * its case.  Section 0 adopts cache_config as Strands' AnthropicModel has
 * it.  "bp" is the list of cache_control's of a body as the cases list
 * them: [section, tool name | "text" | message index, value].
 */
#include "anthropic_test_util.h"

#define E "{'type':'ephemeral'}"
#define E1H "{'type':'ephemeral','ttl':'1h'}"
#define E5M "{'type':'ephemeral','ttl':'5m'}"

/* AT_M1 with more config keys. */
#define CFG(extra) "{'model_id':'anthropic/m1','params':{'max_tokens':1}," extra "}"
#define AUTO "'cache_config':{'strategy':'auto'}"
#define AUTO_1H "'cache_config':{'strategy':'auto','ttl':'1h'}"
#define TOOLS "'tool_specs':[" AT_T1 "," AT_T2 "]"
#define REQ_TEST_TOOLS "{'messages':[" AT_USER_TEST "]," TOOLS "}"
#define CP "{'cachePoint':{'type':'default'}}"
#define CP_TTL(t) "{'cachePoint':{'type':'default','ttl':'" t "'}}"
#define TXT(t) "{'text':'" t "'}"
#define REASONING "{'reasoningContent':{'reasoningText':{'text':'r'," \
                  "'signature':'s'}}}"
#define S3_IMAGE "{'image':{'format':'png','source':{'location':{'type':" \
                 "'s3','uri':'s3://b/i.png'}}}}"
#define USER(blocks) "{'role':'user','content':[" blocks "]}"
#define ASSISTANT(blocks) "{'role':'assistant','content':[" blocks "]}"
#define MSGS(list) "{'messages':[" list "]}"
#define STRIP_WARNING "stripped extra cache points"

/* The content of body.messages[i]. */
static json_object *content_of(json_object *body, size_t i)
{
    return at_get(rt_message(body, i), "content");
}

static void assert_content(const char *config, const char *request,
                           size_t msg, const char *want, rt_log *log)
{
    json_object *b = at_body(config, request, log);
    rt_assert_json(content_of(b, msg), J(want));
    json_object_put(b);
}

/* ------------------------------------------------- 8.2 TestPromptCaching */

/* 64 */
static void test_off_when_unset(void **state)
{
    (void)state;
    at_assert_bp(AT_M1, REQ_TEST_TOOLS, "[]", NULL);
}

/* 65 */
static void test_cache_config_adds_breakpoint_to_last_user_message(void **s)
{
    (void)s;
    json_object *b = at_body(CFG(AUTO), AT_MESSAGES, NULL);
    at_assert_body(b, "{'max_tokens':1,'messages':[{'role':'user','content':"
                      "[{'type':'text','text':'test','cache_control':" E
                      "}]}],'model':'m1','tools':[]}");
    json_object_put(b);
}

/* 66 */
static void test_auto_and_anthropic_strategies_coincide(void **state)
{
    (void)state;
    json_object *a = at_body(CFG(AUTO), REQ_TEST_TOOLS, NULL);
    json_object *b = at_body(CFG("'cache_config':{'strategy':'anthropic'}"),
                             REQ_TEST_TOOLS, NULL);
    assert_true(json_object_equal(a, b));
    json_object_put(a);
    json_object_put(b);
}

/* 67 */
static void test_cache_config_ttl_is_carried_onto_cache_control(void **s)
{
    (void)s;
    at_assert_bp(CFG(AUTO_1H), AT_MESSAGES, "[['messages',0," E1H "]]", NULL);
}

/* 68 */
static void test_cache_tools_caches_only_the_last_tool(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_tools':'default'"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E "]]", NULL);
}

/* 69 */
static void test_cache_tools_ttl(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_tools':{'ttl':'1h'}"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E1H "]]", NULL);
}

/* 70 */
static void test_cache_tools_normalizes_bedrock_cache_point_type(void **s)
{
    (void)s;
    at_assert_bp(CFG("'cache_tools':{'type':'default'}"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E "]]", NULL);
}

/* 71 */
static void test_cache_tools_without_tools_is_a_noop(void **state)
{
    (void)state;
    json_object *b = at_body(CFG("'cache_tools':'default'"), AT_MESSAGES,
                             NULL);
    rt_assert_json(at_get(b, "tools"), "[]");
    json_object *bp = at_breakpoints(b);
    rt_assert_json(bp, "[]");
    json_object_put(bp);
    json_object_put(b);
}

/* 72 */
static void test_cache_tools_is_independent_of_cache_config(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_tools':'default'"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E "]]", NULL);
}

/* 73 */
static void test_both_options_produce_two_breakpoints(void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO ",'cache_tools':'default'"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E "],['messages',0," E "]]", NULL);
}

/* 74: 25 turns, each with cache points -> at most 4 breakpoints, one in
 * the messages, on the final tool result. */
static void test_breakpoints_do_not_accumulate_across_turns(void **state)
{
    (void)state;
    strbuf req;
    sb_init(&req, 1 << 20);
    sb_appends(&req, "{'messages':[");
    for (int t = 0; t < 25; t++) {
        if (t == 0)
            sb_appends(&req, USER(TXT("start") "," CP));
        else
            sb_printf(&req, ",{'role':'user','content':[{'toolResult':"
                      "{'toolUseId':'t%d','content':[{'text':'r%d'}]}},"
                      CP "]}", t - 1, t - 1);
        sb_printf(&req, ",{'role':'assistant','content':[{'toolUse':"
                  "{'toolUseId':'t%d','name':'t1','input':{}}}]}", t);
    }
    sb_appends(&req, ",{'role':'user','content':[{'toolResult':{'toolUseId':"
                     "'t24','content':[{'text':'last'}]}}," CP "]}]," TOOLS
                     "}");
    rt_log log = {0};
    json_object *b = at_body(CFG(AUTO ",'cache_tools':'default'"), req.data,
                             &log);
    json_object *bp = at_breakpoints(b);
    size_t n = json_object_array_length(bp), in_messages = 0;
    assert_true(n <= 4);
    size_t last = json_object_array_length(at_get(b, "messages")) - 1;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(bp, i);
        if (strcmp(json_object_get_string(json_object_array_get_idx(e, 0)),
                   "messages") == 0) {
            in_messages++;
            assert_int_equal(json_object_get_int(json_object_array_get_idx(
                                 e, 1)), (int)last);
        }
    }
    assert_int_equal(in_messages, 1);
    /* ... on the final tool result, not on its cache point's text. */
    json_object *final = json_object_array_get_idx(content_of(b, last), 0);
    assert_string_equal(json_object_get_string(at_get(final, "type")),
                        "tool_result");
    assert_true(json_object_object_get_ex(final, "cache_control", NULL));
    assert_true(at_logged(&log, "count=<25> | " STRIP_WARNING));
    json_object_put(bp);
    json_object_put(b);
    sb_free(&req);
}

/* 75 */
static void test_cache_points_in_earlier_messages_are_stripped(void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO), MSGS(USER(TXT("a") "," CP) "," ASSISTANT(TXT("b"))
                                 "," USER(TXT("c"))),
                 "[['messages',2," E "]]", NULL);
}

/* 76 */
static void test_honors_a_cache_point_in_the_last_user_message(void **state)
{
    (void)state;
    rt_log log = {0};
    assert_content(CFG(AUTO), MSGS(USER(TXT("stable prefix") "," CP ","
                                        TXT("volatile per-call content"))),
                   0, "[{'type':'text','text':'stable prefix',"
                      "'cache_control':" E "},{'type':'text','text':"
                      "'volatile per-call content'}]", &log);
    assert_false(at_logged(&log, STRIP_WARNING));
}

/* 77 */
static void test_extra_cache_points_in_the_last_user_message_are_stripped(
    void **state)
{
    (void)state;
    rt_log log = {0};
    assert_content(CFG(AUTO), MSGS(USER(TXT("a") "," CP "," TXT("b") "," CP
                                        "," TXT("c") "," CP)),
                   0, "[{'type':'text','text':'a','cache_control':" E "},"
                      "{'type':'text','text':'b'},{'type':'text','text':"
                      "'c'}]", &log);
    assert_true(at_logged(&log, "count=<2> | " STRIP_WARNING));
}

/* 78 */
static void test_stripping_cache_points_outside_the_honored_one_warns(
    void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(CFG(AUTO), MSGS(USER(TXT("a") "," CP) "," ASSISTANT(TXT("b"))
                                 "," USER(TXT("c") "," CP)),
                 "[['messages',2," E "]]", &log);
    assert_true(at_logged(&log, "count=<1> | " STRIP_WARNING));
}

/* 79 */
static void test_no_warning_when_the_caller_placed_no_cache_points(void **s)
{
    (void)s;
    rt_log log = {0};
    at_assert_bp(CFG(AUTO), AT_MESSAGES, "[['messages',0," E "]]", &log);
    assert_int_equal(log.warnings, 0);
}

/* 80 */
static void test_honored_point_inherits_the_configured_ttl(void **state)
{
    (void)state;
    assert_content(CFG(AUTO_1H), MSGS(USER(TXT("a") "," CP "," TXT("b"))), 0,
                   "[{'type':'text','text':'a','cache_control':" E1H "},"
                   "{'type':'text','text':'b'}]", NULL);
}

/* 81 */
static void test_hand_placed_ttl_wins_over_the_configured_one(void **state)
{
    (void)state;
    assert_content(CFG(AUTO_1H), MSGS(USER(TXT("a") "," CP_TTL("5m"))), 0,
                   "[{'type':'text','text':'a','cache_control':" E5M "}]",
                   NULL);
}

/* 82 */
static void test_honored_point_lands_on_the_nearest_acceptable_block_ahead_of_it(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(TXT("a") "," REASONING "," CP ","
                                        TXT("b"))), 0,
                   "[{'type':'text','text':'a','cache_control':" E "},"
                   "{'type':'thinking','thinking':'r','signature':'s'},"
                   "{'type':'text','text':'b'}]", NULL);
}

/* 83 */
static void test_leading_cache_point_falls_back_to_automatic_placement(
    void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(CFG(AUTO), MSGS(USER(CP "," TXT("one"))),
                 "[['messages',0," E "]]", &log);
    assert_true(at_logged(&log, "falling back to automatic placement"));
}

/* 84 */
static void test_honored_point_falls_back_when_everything_ahead_is_dropped_in_translation(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(S3_IMAGE "," CP "," TXT("volatile"))),
                   0, "[{'type':'text','text':'volatile','cache_control':" E
                      "}]", NULL);
}

/* 85 */
static void test_honored_point_falls_back_when_only_a_reasoning_block_is_ahead_of_it(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(REASONING "," CP "," TXT("t"))), 0,
                   "[{'type':'thinking','thinking':'r','signature':'s'},"
                   "{'type':'text','text':'t','cache_control':" E "}]", NULL);
}

/* 86 */
static void test_a_cache_point_only_last_user_message_is_not_the_target(
    void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *b = at_body(CFG(AUTO), MSGS(USER(TXT("stable")) ","
                                             USER(CP)), &log);
    json_object *bp = at_breakpoints(b);
    rt_assert_json(bp, J("[['messages',0," E "]]"));
    /* The message left with nothing is not sent. */
    assert_int_equal(json_object_array_length(at_get(b, "messages")), 1);
    assert_true(at_logged(&log, "count=<1> | " STRIP_WARNING));
    json_object_put(bp);
    json_object_put(b);
}

/* 87 */
static void test_honoring_never_exceeds_one_message_breakpoint(void **state)
{
    (void)state;
    json_object *b = at_body(CFG(AUTO), MSGS(USER(TXT("a") "," CP ","
                                                  TXT("b") "," TXT("c"))),
                             NULL);
    json_object *bp = at_breakpoints(b);
    assert_int_equal(json_object_array_length(bp), 1);
    json_object_put(bp);
    json_object_put(b);
}

/* 88 */
static void test_hand_placed_cache_points_are_honored_without_cache_config(
    void **state)
{
    (void)state;
    assert_content(AT_M1, MSGS(USER(TXT("prefix") "," CP "," TXT("volatile"))),
                   0, "[{'type':'text','text':'prefix','cache_control':" E
                      "},{'type':'text','text':'volatile'}]", NULL);
}

/* 89: the caller's request is never changed by formatting. */
static void test_caller_messages_are_not_mutated(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_logger lg = {rt_capture, &log};
    lp_config *cfg = at_config(CFG(AUTO), &log);
    lp_route route;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_route_resolve(cfg, &route, &err), MP_OK);
    const char *r = J(MSGS(USER(TXT("a") "," CP "," TXT("b") "," CP)));
    rf_request req;
    assert_int_equal(rf_parse(r, strlen(r), &lg, &req, &err), MP_OK);
    char *before = strdup(json_object_to_json_string(req.root));
    strbuf body;
    sb_init(&body, 1 << 20);
    int st;
    for (int i = 0; i < 2; i++) {
        sb_reset(&body);
        assert_int_equal(an_format_body(cfg, &route, &req, NULL, &lg, &body,
                                        &st, &err), MP_OK);
        assert_string_equal(json_object_to_json_string(req.root), before);
    }
    free(before);
    sb_free(&body);
    rf_release(&req);
    lp_config_unref(cfg);
}

/* 90 */
static void test_breakpoint_lands_after_last_cacheable_block(void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(TXT("question") "," REASONING)), 0,
                   "[{'type':'text','text':'question','cache_control':" E "},"
                   "{'type':'thinking','thinking':'r','signature':'s'}]",
                   NULL);
}

/* 91 */
static void test_no_cacheable_content_is_skipped(void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(CFG(AUTO), MSGS(USER(REASONING)), "[]", &log);
    assert_true(at_logged(&log, "no cacheable content block, skipped cache "
                                "point"));
}

/* 92 */
static void test_assistant_only_history_is_skipped(void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO), MSGS(ASSISTANT(TXT("only me"))), "[]", NULL);
}

/* 93 */
static void test_existing_cache_points_are_stripped_even_with_nothing_to_cache(
    void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(CFG(AUTO), MSGS(ASSISTANT(TXT("a") "," CP)), "[]", &log);
    assert_true(at_logged(&log, "count=<1> | " STRIP_WARNING));
}

/* 94 */
static void test_unknown_strategy_disables_caching(void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(CFG("'cache_config':{'strategy':'nonsense'}"),
                 "{'messages':[" AT_USER_TEST "],'system_prompt':'s'}", "[]",
                 &log);
    assert_true(at_logged(&log, "strategy=<nonsense> | unknown cache "
                                "strategy, prompt caching disabled"));
}

/* 95 */
static void test_manual_cache_point_ttl_is_honored(void **state)
{
    (void)state;
    at_assert_bp(AT_M1, MSGS(USER(TXT("a") "," CP_TTL("1h"))),
                 "[['messages',0," E1H "]]", NULL);
}

/* 96 */
static void test_leading_cache_point_is_skipped(void **state)
{
    (void)state;
    rt_log log = {0};
    at_assert_bp(AT_M1, MSGS(USER(CP "," TXT("a"))), "[]", &log);
    assert_true(at_logged(&log, "no preceding block accepts a cache point | "
                                "skipped cache point"));
}

/* 97 */
static void test_breakpoint_survives_a_block_dropped_in_translation(void **s)
{
    (void)s;
    assert_content(CFG(AUTO), MSGS(USER(TXT("long prefix") "," S3_IMAGE)), 0,
                   "[{'type':'text','text':'long prefix','cache_control':" E
                   "}]", NULL);
}

/* 98 */
static void test_breakpoint_never_lands_on_a_reasoning_block(void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO), MSGS(USER(REASONING "," S3_IMAGE)), "[]", NULL);
}

/* 99 */
static void test_no_fallback_to_an_earlier_turn(void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO), MSGS(USER(TXT("earlier")) ","
                                 ASSISTANT(TXT("x")) "," USER(REASONING)),
                 "[]", NULL);
}

/* 100 */
static void test_breakpoint_lands_on_the_last_of_several_cacheable_blocks(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(ASSISTANT("{'toolUse':{'toolUseId':'u1',"
                                             "'name':'t1','input':{}}}") ","
                                   USER(TXT("first") ",{'toolResult':"
                                        "{'toolUseId':'u1','content':[]}}")),
                   1, "[{'type':'text','text':'first'},{'type':"
                      "'tool_result','tool_use_id':'u1','content':[],"
                      "'is_error':false,'cache_control':" E "}]", NULL);
}

/* 101 */
static void test_empty_cache_tools_is_treated_as_unset(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_tools':''"), REQ_TEST_TOOLS, "[]", NULL);
}

/* 102 */
static void test_manual_cache_point_attaches_to_nearest_acceptable_block(
    void **state)
{
    (void)state;
    assert_content(AT_M1, MSGS(USER(TXT("a") "," REASONING "," CP)), 0,
                   "[{'type':'text','text':'a','cache_control':" E "},"
                   "{'type':'thinking','thinking':'r','signature':'s'}]",
                   NULL);
}

/* 103 */
static void test_cross_sdk_media_request_parity(void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(TXT("prefix") ",{'image':{'format':"
                                        "'png','source':{'bytes':'AQID'}}},"
                                        S3_IMAGE)), 0,
                   "[{'type':'text','text':'prefix'},{'type':'image',"
                   "'source':{'type':'base64','media_type':'image/png',"
                   "'data':'AQID'},'cache_control':" E "}]", NULL);
}

/* 104 */
static void test_cross_sdk_request_parity(void **state)
{
    (void)state;
    json_object *b = at_body(CFG(AUTO_1H ",'cache_tools':{'ttl':'1h'}"),
                             "{'messages':[" USER(TXT("hello")) ","
                             ASSISTANT(TXT("hi")) "," USER(TXT("again")) "],"
                             TOOLS "}", NULL);
    at_assert_body(b, "{'max_tokens':1,'model':'m1','tools':["
                      "{'name':'t1','description':'tool one','input_schema':"
                      "{'type':'object'}},{'name':'t2','description':"
                      "'tool two','input_schema':{'type':'object'},"
                      "'cache_control':" E1H "}],'messages':[{'role':'user',"
                      "'content':[{'type':'text','text':'hello'}]},{'role':"
                      "'assistant','content':[{'type':'text','text':'hi'}]},"
                      "{'role':'user','content':[{'type':'text','text':"
                      "'again','cache_control':" E1H "}]}]}");
    json_object_put(b);
}

#define TRAILING(n) ",'dynamic_trailing_blocks':" #n

/* 105 */
static void test_dynamic_trailing_blocks_keeps_the_cache_point_ahead_of_per_call_content(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), "{'messages':[" USER(TXT("durable ask") ","
                                                   TXT("per-call")) "]"
                              TRAILING(1) "}", 0,
                   "[{'type':'text','text':'durable ask','cache_control':" E
                   "},{'type':'text','text':'per-call'}]", NULL);
}

/* 106 */
static void test_dynamic_trailing_blocks_covers_every_block_of_a_multi_block_tail(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), "{'messages':[" USER(TXT("a") "," TXT("b") ","
                                                   TXT("c")) "]" TRAILING(2)
                              "}", 0,
                   "[{'type':'text','text':'a','cache_control':" E "},"
                   "{'type':'text','text':'b'},{'type':'text','text':'c'}]",
                   NULL);
}

/* 107 */
static void test_dynamic_trailing_blocks_skips_the_cache_point_when_nothing_durable_precedes_it(
    void **state)
{
    (void)state;
    at_assert_bp(CFG(AUTO), "{'messages':[" USER(TXT("a")) "]" TRAILING(1)
                            "}", "[]", NULL);
}

/* 108 */
static void test_dynamic_trailing_blocks_carries_the_configured_ttl(void **s)
{
    (void)s;
    at_assert_bp(CFG(AUTO_1H), "{'messages':[" USER(TXT("a") "," TXT("b"))
                               "]" TRAILING(1) "}",
                 "[['messages',0," E1H "]]", NULL);
}

/* 109 */
static void test_no_dynamic_trailing_blocks_places_the_cache_point_on_the_last_block(
    void **state)
{
    (void)state;
    assert_content(CFG(AUTO), MSGS(USER(TXT("a") "," TXT("b"))), 0,
                   "[{'type':'text','text':'a'},{'type':'text','text':'b',"
                   "'cache_control':" E "}]", NULL);
}

/* 110 */
static void test_dynamic_trailing_blocks_emits_no_cache_point_without_cache_config(
    void **state)
{
    (void)state;
    at_assert_bp(AT_M1, "{'messages':[" USER(TXT("a") "," TXT("b")) "]"
                        TRAILING(1) "}", "[]", NULL);
}

/* ------------------------------------------------------ 8.3 [L] cases */

/* 111 */
static void test_cache_key_round_trips_through_config(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config(CFG("'cache_config':{'cache_key':"
                                   "'tenant-42'}"), &log);
    strbuf out;
    sb_init(&out, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(cfg, 0, &out), MP_OK);
    json_object *v = rt_parse(out.data);
    rt_assert_json(at_get(at_get(v, "config"), "cache_config"),
                   J("{'cache_key':'tenant-42'}"));
    json_object_put(v);
    sb_free(&out);
    lp_config_unref(cfg);
}

/* 112 */
static void test_cache_key_does_not_change_request_shape(void **state)
{
    (void)state;
    json_object *a = at_body(CFG(AUTO), REQ_TEST_TOOLS, NULL);
    json_object *b = at_body(CFG("'cache_config':{'strategy':'auto',"
                                 "'cache_key':'tenant-42'}"),
                             REQ_TEST_TOOLS, NULL);
    assert_true(json_object_equal(a, b));
    json_object_put(a);
    json_object_put(b);
}

/* 115 */
static void test_cache_tools_emits_deprecation_warning(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config(CFG("'cache_tools':'default'"), &log);
    assert_true(at_logged(&log, "cache_tools is deprecated. Use CacheConfig"));
    lp_config_unref(cfg);
    /* ... also when update_config sets it. */
    rt_log upd = {0};
    lp_logger lg = {rt_capture, &upd};
    cfg = at_config(AT_M1, &log);
    lp_config *next = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *u = J("{'cache_tools':'default'}");
    assert_int_equal(lp_config_update(cfg, u, strlen(u), &lg, &next, &err),
                     MP_OK);
    assert_true(at_logged(&upd, "cache_tools is deprecated"));
    lp_config_unref(next);
    lp_config_unref(cfg);
}

/* 116 */
static void test_tools_ttl_true_derives_from_shared_ttl(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_config':{'strategy':'auto','ttl':'1h',"
                     "'tools_ttl':true}"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E1H "],['messages',0," E1H "]]", NULL);
}

/* 117 */
static void test_tools_ttl_string_sets_the_section_duration(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_config':{'ttl':'1h','tools_ttl':'5m'}"),
                 REQ_TEST_TOOLS,
                 "[['tools','t2'," E5M "],['messages',0," E1H "]]", NULL);
}

/* 118 */
static void test_tools_ttl_true_without_shared_ttl_stays_untimed(void **s)
{
    (void)s;
    at_assert_bp(CFG("'cache_config':{'tools_ttl':true}"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E "],['messages',0," E "]]", NULL);
}

/* 119 */
static void test_tools_ttl_false_disables_the_tools_cache_point(void **s)
{
    (void)s;
    at_assert_bp(CFG("'cache_config':{'tools_ttl':false}"), REQ_TEST_TOOLS,
                 "[['messages',0," E "]]", NULL);
}

/* 120 */
static void test_tools_ttl_defaults_to_off(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_config':{'ttl':'1h'}"), REQ_TEST_TOOLS,
                 "[['messages',0," E1H "]]", NULL);
}

/* 121 */
static void test_tools_ttl_takes_precedence_over_deprecated_cache_tools(
    void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_config':{'ttl':'1h','tools_ttl':'5m'},"
                     "'cache_tools':{'ttl':'1h'}"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E5M "],['messages',0," E1H "]]", NULL);
}

/* 122 */
static void test_tools_ttl_false_overrides_deprecated_cache_tools(void **s)
{
    (void)s;
    at_assert_bp(CFG("'cache_config':{'tools_ttl':false},'cache_tools':"
                     "'default'"), REQ_TEST_TOOLS, "[['messages',0," E "]]",
                 NULL);
}

#define STATIC_PROMPT "{'messages':[" AT_USER_TEST "],'system_prompt':" \
                      "'static prompt'}"
#define SYS_CONTENT(blocks) "{'messages':[" AT_USER_TEST "]," \
                            "'system_prompt_content':[" blocks "]}"

static void assert_system(const char *config, const char *request,
                          const char *want, rt_log *log)
{
    json_object *b = at_body(config, request, log);
    rt_assert_json(at_get(b, "system"), J(want));
    json_object_put(b);
}

/* 123 */
static void test_string_system_prompt_is_promoted_to_a_cached_block(void **s)
{
    (void)s;
    assert_system(CFG(AUTO), STATIC_PROMPT,
                  "[{'type':'text','text':'static prompt','cache_control':"
                  E "}]", NULL);
}

/* 124 */
static void test_auto_injects_a_system_cache_point_on_the_last_block(void **s)
{
    (void)s;
    const char *req = SYS_CONTENT(TXT("Heavy context") "," TXT("More context"));
    at_assert_bp(CFG(AUTO), req, "[['system','text'," E "],['messages',0,"
                                 E "]]", NULL);
    assert_system(CFG(AUTO), req, "[{'type':'text','text':'Heavy context'},"
                                  "{'type':'text','text':'More context',"
                                  "'cache_control':" E "}]", NULL);
}

/* 125 */
static void test_auto_injected_system_cache_point_inherits_cache_config_ttl(
    void **state)
{
    (void)state;
    assert_system(CFG(AUTO_1H), SYS_CONTENT(TXT("Heavy context")),
                  "[{'type':'text','text':'Heavy context','cache_control':"
                  E1H "}]", NULL);
}

/* 126 */
static void test_system_prompt_ttl_false_leaves_the_system_prompt_uncached(
    void **state)
{
    (void)state;
    assert_system(CFG("'cache_config':{'system_prompt_ttl':false}"),
                  STATIC_PROMPT, "'static prompt'", NULL);
}

/* 127 */
static void test_system_prompt_ttl_string_sets_the_section_duration(void **s)
{
    (void)s;
    assert_system(CFG("'cache_config':{'ttl':'5m','system_prompt_ttl':'1h'}"),
                  STATIC_PROMPT, "[{'type':'text','text':'static prompt',"
                                 "'cache_control':" E1H "}]", NULL);
}

/* 128 */
static void test_hand_placed_system_cache_point_is_not_doubled(void **state)
{
    (void)state;
    const char *req = SYS_CONTENT(TXT("Heavy context") "," CP ","
                                  TXT("Light context"));
    assert_system(CFG(AUTO), req, "[{'type':'text','text':'Heavy context',"
                                  "'cache_control':" E "},{'type':'text',"
                                  "'text':'Light context'}]", NULL);
    at_assert_bp(CFG(AUTO), req, "[['system','text'," E "],['messages',0,"
                                 E "]]", NULL);
}

/* 129 */
static void test_hand_placed_system_cache_point_inherits_cache_config_ttl(
    void **state)
{
    (void)state;
    assert_system(CFG(AUTO_1H), SYS_CONTENT(TXT("Heavy context") "," CP),
                  "[{'type':'text','text':'Heavy context','cache_control':"
                  E1H "}]", NULL);
}

/* 130 */
static void test_hand_placed_system_cache_point_keeps_its_own_ttl(void **s)
{
    (void)s;
    assert_system(CFG(AUTO_1H), SYS_CONTENT(TXT("Heavy context") ","
                                            CP_TTL("5m")),
                  "[{'type':'text','text':'Heavy context','cache_control':"
                  E5M "}]", NULL);
}

/* 131 */
static void test_hand_placed_system_cache_point_is_honored_without_cache_config(
    void **state)
{
    (void)state;
    at_assert_bp(AT_M1, SYS_CONTENT(TXT("Heavy context") "," CP),
                 "[['system','text'," E "]]", NULL);
}

/* 132 */
static void test_system_prompt_content_without_a_placed_point_is_uncached_without_cache_config(
    void **state)
{
    (void)state;
    const char *req = SYS_CONTENT(TXT("Heavy context"));
    assert_system(AT_M1, req, "[{'type':'text','text':'Heavy context'}]",
                  NULL);
    at_assert_bp(AT_M1, req, "[]", NULL);
}

/* 133 */
static void test_adjacent_system_cache_points_keep_the_first_and_warn(
    void **state)
{
    (void)state;
    rt_log log = {0};
    assert_system(AT_M1, SYS_CONTENT(TXT("ctx") "," CP_TTL("1h") "," CP),
                  "[{'type':'text','text':'ctx','cache_control':" E1H "}]",
                  &log);
    assert_true(at_logged(&log, "stripped an extra system cache point | "
                                "keeping the earlier point on the block"));
    assert_system(AT_M1, SYS_CONTENT(TXT("ctx") "," CP "," CP_TTL("1h")),
                  "[{'type':'text','text':'ctx','cache_control':" E "}]",
                  NULL);
}

/* 136 */
static void test_untimed_cache_tools_inherits_cache_config_ttl(void **state)
{
    (void)state;
    at_assert_bp(CFG("'cache_config':{'strategy':'anthropic','ttl':'1h'},"
                     "'cache_tools':'default'"), REQ_TEST_TOOLS,
                 "[['tools','t2'," E1H "],['messages',0," E1H "]]", NULL);
}

/* 137 */
static void test_leading_system_cache_point_falls_through_to_automatic_placement(
    void **state)
{
    (void)state;
    assert_system(CFG(AUTO), SYS_CONTENT(CP "," TXT("ctx")),
                  "[{'type':'text','text':'ctx','cache_control':" E "}]",
                  NULL);
}

/* 138 (Strands' [{}] is refused by the plugin's shape check; its C
 * meaning: blocks that render nothing leave no system key) */
static void test_system_prompt_content_with_no_renderable_blocks_omits_the_system_field(
    void **state)
{
    (void)state;
    json_object *b = at_body(CFG(AUTO), SYS_CONTENT(CP), NULL);
    assert_false(json_object_object_get_ex(b, "system", NULL));
    json_object_put(b);
}

/* 145 */
static void test__init__rejects_function_tools_in_anthropic_tools(void **s)
{
    (void)s;
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *c = J(CFG("'anthropic_tools':[{'name':'f','input_schema':"
                          "{'type':'object'}}]"));
    assert_int_equal(lp_config_new(c, strlen(c), NULL, 0, NULL, &cfg, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_null(cfg);
    assert_non_null(strstr(err.message, "anthropic_tools should not contain "
                                        "function tool definitions"));
    assert_non_null(strstr(err.message, "config.anthropic_tools[0]"));
}

/* 146 */
static void test_update_config_rejects_function_tools_in_anthropic_tools(
    void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config(AT_M1, &log), *next = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *u = J("{'anthropic_tools':[{'name':'f','input_schema':{}}]}");
    assert_int_equal(lp_config_update(cfg, u, strlen(u), NULL, &next, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_null(next);
    assert_non_null(strstr(err.message, "anthropic_tools should not contain "
                                        "function tool definitions"));
    lp_config_unref(cfg);
}

/* cache_config means something to every field on this route: none of
 * the OpenAI path's warnings (an unknown retention ttl, fields with no
 * effect); an unknown field is still reported. */
static void test_cache_config_fields_are_not_warned_about_here(void **state)
{
    (void)state;
    rt_log log = {0};
    lp_config *cfg = at_config(CFG("'cache_config':{'strategy':'anthropic',"
                                   "'ttl':'1h','system_prompt_ttl':false,"
                                   "'tools_ttl':'5m'}"), &log);
    assert_int_equal(log.warnings, 0);
    lp_config_unref(cfg);
    cfg = at_config(CFG("'cache_config':{'ttl':'1h','bogus':1}"), &log);
    assert_int_equal(log.warnings, 1);
    assert_non_null(strstr(log.msgs[0], "bogus"));
    lp_config_unref(cfg);
    /* The same config for a proxy model is warned about as before. */
    rt_log proxy = {0};
    cfg = at_config("{'model_id':'m1','cache_config':{'ttl':'1h'}}", &proxy);
    assert_true(at_logged(&proxy, "is not an openai retention value"));
    lp_config_unref(cfg);
}

/* The config checks name the key of a mistyped cache setting. */
static void test_cache_config_types_checked(void **state)
{
    (void)state;
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *c = J(CFG("'cache_config':{'ttl':5}"));
    assert_int_equal(lp_config_new(c, strlen(c), NULL, 0, NULL, &cfg, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "config.cache_config.ttl: expected"));
    c = J(CFG("'cache_tools':7"));
    assert_int_equal(lp_config_new(c, strlen(c), NULL, 0, NULL, &cfg, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "config.cache_tools"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_when_unset),
        cmocka_unit_test(test_cache_config_adds_breakpoint_to_last_user_message),
        cmocka_unit_test(test_auto_and_anthropic_strategies_coincide),
        cmocka_unit_test(test_cache_config_ttl_is_carried_onto_cache_control),
        cmocka_unit_test(test_cache_tools_caches_only_the_last_tool),
        cmocka_unit_test(test_cache_tools_ttl),
        cmocka_unit_test(test_cache_tools_normalizes_bedrock_cache_point_type),
        cmocka_unit_test(test_cache_tools_without_tools_is_a_noop),
        cmocka_unit_test(test_cache_tools_is_independent_of_cache_config),
        cmocka_unit_test(test_both_options_produce_two_breakpoints),
        cmocka_unit_test(test_breakpoints_do_not_accumulate_across_turns),
        cmocka_unit_test(test_cache_points_in_earlier_messages_are_stripped),
        cmocka_unit_test(test_honors_a_cache_point_in_the_last_user_message),
        cmocka_unit_test(test_extra_cache_points_in_the_last_user_message_are_stripped),
        cmocka_unit_test(test_stripping_cache_points_outside_the_honored_one_warns),
        cmocka_unit_test(test_no_warning_when_the_caller_placed_no_cache_points),
        cmocka_unit_test(test_honored_point_inherits_the_configured_ttl),
        cmocka_unit_test(test_hand_placed_ttl_wins_over_the_configured_one),
        cmocka_unit_test(test_honored_point_lands_on_the_nearest_acceptable_block_ahead_of_it),
        cmocka_unit_test(test_leading_cache_point_falls_back_to_automatic_placement),
        cmocka_unit_test(test_honored_point_falls_back_when_everything_ahead_is_dropped_in_translation),
        cmocka_unit_test(test_honored_point_falls_back_when_only_a_reasoning_block_is_ahead_of_it),
        cmocka_unit_test(test_a_cache_point_only_last_user_message_is_not_the_target),
        cmocka_unit_test(test_honoring_never_exceeds_one_message_breakpoint),
        cmocka_unit_test(test_hand_placed_cache_points_are_honored_without_cache_config),
        cmocka_unit_test(test_caller_messages_are_not_mutated),
        cmocka_unit_test(test_breakpoint_lands_after_last_cacheable_block),
        cmocka_unit_test(test_no_cacheable_content_is_skipped),
        cmocka_unit_test(test_assistant_only_history_is_skipped),
        cmocka_unit_test(test_existing_cache_points_are_stripped_even_with_nothing_to_cache),
        cmocka_unit_test(test_unknown_strategy_disables_caching),
        cmocka_unit_test(test_manual_cache_point_ttl_is_honored),
        cmocka_unit_test(test_leading_cache_point_is_skipped),
        cmocka_unit_test(test_breakpoint_survives_a_block_dropped_in_translation),
        cmocka_unit_test(test_breakpoint_never_lands_on_a_reasoning_block),
        cmocka_unit_test(test_no_fallback_to_an_earlier_turn),
        cmocka_unit_test(test_breakpoint_lands_on_the_last_of_several_cacheable_blocks),
        cmocka_unit_test(test_empty_cache_tools_is_treated_as_unset),
        cmocka_unit_test(test_manual_cache_point_attaches_to_nearest_acceptable_block),
        cmocka_unit_test(test_cross_sdk_media_request_parity),
        cmocka_unit_test(test_cross_sdk_request_parity),
        cmocka_unit_test(test_dynamic_trailing_blocks_keeps_the_cache_point_ahead_of_per_call_content),
        cmocka_unit_test(test_dynamic_trailing_blocks_covers_every_block_of_a_multi_block_tail),
        cmocka_unit_test(test_dynamic_trailing_blocks_skips_the_cache_point_when_nothing_durable_precedes_it),
        cmocka_unit_test(test_dynamic_trailing_blocks_carries_the_configured_ttl),
        cmocka_unit_test(test_no_dynamic_trailing_blocks_places_the_cache_point_on_the_last_block),
        cmocka_unit_test(test_dynamic_trailing_blocks_emits_no_cache_point_without_cache_config),
        cmocka_unit_test(test_cache_key_round_trips_through_config),
        cmocka_unit_test(test_cache_key_does_not_change_request_shape),
        cmocka_unit_test(test_cache_tools_emits_deprecation_warning),
        cmocka_unit_test(test_tools_ttl_true_derives_from_shared_ttl),
        cmocka_unit_test(test_tools_ttl_string_sets_the_section_duration),
        cmocka_unit_test(test_tools_ttl_true_without_shared_ttl_stays_untimed),
        cmocka_unit_test(test_tools_ttl_false_disables_the_tools_cache_point),
        cmocka_unit_test(test_tools_ttl_defaults_to_off),
        cmocka_unit_test(test_tools_ttl_takes_precedence_over_deprecated_cache_tools),
        cmocka_unit_test(test_tools_ttl_false_overrides_deprecated_cache_tools),
        cmocka_unit_test(test_string_system_prompt_is_promoted_to_a_cached_block),
        cmocka_unit_test(test_auto_injects_a_system_cache_point_on_the_last_block),
        cmocka_unit_test(test_auto_injected_system_cache_point_inherits_cache_config_ttl),
        cmocka_unit_test(test_system_prompt_ttl_false_leaves_the_system_prompt_uncached),
        cmocka_unit_test(test_system_prompt_ttl_string_sets_the_section_duration),
        cmocka_unit_test(test_hand_placed_system_cache_point_is_not_doubled),
        cmocka_unit_test(test_hand_placed_system_cache_point_inherits_cache_config_ttl),
        cmocka_unit_test(test_hand_placed_system_cache_point_keeps_its_own_ttl),
        cmocka_unit_test(test_hand_placed_system_cache_point_is_honored_without_cache_config),
        cmocka_unit_test(test_system_prompt_content_without_a_placed_point_is_uncached_without_cache_config),
        cmocka_unit_test(test_adjacent_system_cache_points_keep_the_first_and_warn),
        cmocka_unit_test(test_untimed_cache_tools_inherits_cache_config_ttl),
        cmocka_unit_test(test_leading_system_cache_point_falls_through_to_automatic_placement),
        cmocka_unit_test(test_system_prompt_content_with_no_renderable_blocks_omits_the_system_field),
        cmocka_unit_test(test__init__rejects_function_tools_in_anthropic_tools),
        cmocka_unit_test(test_update_config_rejects_function_tools_in_anthropic_tools),
        cmocka_unit_test(test_cache_config_fields_are_not_warned_about_here),
        cmocka_unit_test(test_cache_config_types_checked),
    };
    return cmocka_run_group_tests_name("anthropic: prompt caching", tests,
                                       NULL, NULL);
}
