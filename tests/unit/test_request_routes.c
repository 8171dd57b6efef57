/*
 * test_request_routes.c - what a route's door changes in the body:
 * Google's and Vertex's thought signatures as extra_content beside each
 * tool call (with Google's placeholder for calls made without one), the
 * LiteLLM "__thought__" id form kept for proxies, and the quirk flags
 * (no stream_options, max_tokens only, no empty tools list).
 */
#include "request_test_util.h"
#include "../../plugin/route/route.h"

/* The body for `request` sent to `model` (client args give a key, so no
 * environment is needed). */
static json_object *body_for(const char *model, const char *params,
                             const char *request, rt_log *log)
{
    char cfg_json[512];
    snprintf(cfg_json, sizeof cfg_json, "{\"model_id\":\"%s\"%s%s}", model,
             params ? ",\"params\":" : "", params ? params : "");
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *client = "{\"api_key\":\"k\",\"api_base\":\"http://h\","
                         "\"vertex_project\":\"p\"}";
    if (lp_config_new(cfg_json, (size_t)-1, client, (size_t)-1, NULL, &cfg,
                      &err))
        fail_msg("lp_config_new: %s", err.message);
    lp_route route;
    if (lp_route_resolve(cfg, &route, &err))
        fail_msg("lp_route_resolve: %s", err.message);
    lp_logger lg = {rt_capture, log};
    rf_request req;
    assert_int_equal(rf_parse(request, strlen(request), &lg, &req, &err), MP_OK);
    strbuf body;
    sb_init(&body, 1 << 20);
    int streaming;
    if (rf_format_body(cfg, &route, &req, NULL, &lg, &body, &streaming, &err))
        fail_msg("rf_format_body: %s", err.message);
    json_object *v = json_tokener_parse(body.data);
    assert_non_null(v);
    sb_free(&body);
    rf_release(&req);
    lp_config_unref(cfg);
    return v;
}

/* An assistant turn with two calls, the first signed, and their results. */
#define SIGNED_TURN J("{'messages':[{'role':'user','content':[{'text':'go'}]}," \
    "{'role':'assistant','content':[{'toolUse':{'toolUseId':'c1','name':'a'," \
    "'input':{},'reasoningSignature':'SIG1'}},{'toolUse':{'toolUseId':'c2'," \
    "'name':'b','input':{}}}]},{'role':'user','content':[{'toolResult':{" \
    "'toolUseId':'c1','content':[{'text':'r1'}]}},{'toolResult':{'toolUseId':" \
    "'c2','content':[{'text':'r2'}]}}]}]}")

static void test_gemini_signature_goes_in_extra_content(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("gemini/gemini-3-pro", NULL, SIGNED_TURN, &log);
    rt_assert_json(rt_member(rt_message(body, 1), "tool_calls"),
                   J("[{'function':{'arguments':'{}','name':'a'},'id':'c1',"
                     "'type':'function','extra_content':{'google':{"
                     "'thought_signature':'SIG1'}}},{'function':{'arguments':"
                     "'{}','name':'b'},'id':'c2','type':'function'}]"));
    /* The results pair with the ids as sent: no "__thought__" anywhere. */
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 2),
                        "tool_call_id")), "c1");
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 3),
                        "tool_call_id")), "c2");
    json_object_put(body);
}

static void test_vertex_signature_goes_in_extra_content(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("vertex_ai/gemini-3-pro", NULL, SIGNED_TURN,
                                 &log);
    json_object *call = json_object_array_get_idx(
        rt_member(rt_message(body, 1), "tool_calls"), 0);
    rt_assert_json(rt_member(call, "extra_content"),
                   J("{'vertex':{'thought_signature':'SIG1'}}"));
    assert_string_equal(json_object_get_string(rt_member(body, "model")),
                        "google/gemini-3-pro");
    json_object_put(body);
}

/* A call another provider made (no signature anywhere in its message) gets
 * Google's placeholder on the message's first call only. */
static void test_unsigned_history_gets_the_placeholder(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("gemini/gemini-3-pro", NULL, J(
        "{'messages':[{'role':'user','content':[{'text':'go'}]},"
        "{'role':'assistant','content':[{'text':'calling'},{'toolUse':{"
        "'toolUseId':'x1','name':'a','input':{'q':1}}},{'toolUse':{'toolUseId':"
        "'x2','name':'b','input':{}}}]}]}"), &log);
    json_object *calls = rt_member(rt_message(body, 1), "tool_calls");
    rt_assert_json(rt_member(json_object_array_get_idx(calls, 0),
                             "extra_content"),
                   J("{'google':{'thought_signature':"
                     "'skip_thought_signature_validator'}}"));
    assert_false(json_object_object_get_ex(json_object_array_get_idx(calls, 1),
                                           "extra_content", NULL));
    json_object_put(body);
}

/* An id made through a LiteLLM proxy ("<id>__thought__<sig>") keeps its
 * form (its result pairs with it) and its signature also goes beside it. */
static void test_proxy_made_id_signature_is_extracted(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("gemini/gemini-3-pro", NULL, J(
        "{'messages':[{'role':'assistant','content':[{'toolUse':{'toolUseId':"
        "'call_1__thought__S2','name':'a','input':{}}}]},{'role':'user',"
        "'content':[{'toolResult':{'toolUseId':'call_1__thought__S2',"
        "'content':[{'text':'ok'}]}}]}]}"), &log);
    json_object *call = json_object_array_get_idx(
        rt_member(rt_message(body, 0), "tool_calls"), 0);
    assert_string_equal(json_object_get_string(rt_member(call, "id")),
                        "call_1__thought__S2");
    rt_assert_json(rt_member(call, "extra_content"),
                   J("{'google':{'thought_signature':'S2'}}"));
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 1),
                        "tool_call_id")), "call_1__thought__S2");
    json_object_put(body);
}

/* Through a proxy the LiteLLM form stays: the signature rides in the id
 * and the result's tool_call_id (decision 4); no extra_content. */
static void test_proxy_route_keeps_the_thought_id(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("gemini-3-pro-alias", NULL, SIGNED_TURN, &log);
    json_object *call = json_object_array_get_idx(
        rt_member(rt_message(body, 1), "tool_calls"), 0);
    assert_string_equal(json_object_get_string(rt_member(call, "id")),
                        "c1__thought__SIG1");
    assert_false(json_object_object_get_ex(call, "extra_content", NULL));
    assert_string_equal(json_object_get_string(rt_member(rt_message(body, 2),
                        "tool_call_id")), "c1__thought__SIG1");
    json_object_put(body);
}

static void test_mistral_quirks(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("mistral/mistral-large-latest",
                                 "{\"max_completion_tokens\":50}",
                                 J("{'messages':[{'role':'user','content':"
                                   "[{'text':'hi'}]}]}"), &log);
    assert_false(json_object_object_get_ex(body, "stream_options", NULL));
    assert_false(json_object_object_get_ex(body, "tools", NULL));
    assert_false(json_object_object_get_ex(body, "max_completion_tokens", NULL));
    assert_int_equal(json_object_get_int(rt_member(body, "max_tokens")), 50);
    assert_true(json_object_get_boolean(rt_member(body, "stream")));
    assert_string_equal(json_object_get_string(rt_member(body, "model")),
                        "mistral-large-latest");
    json_object_put(body);
    /* With tools, they are sent; max_tokens given stands over the rename. */
    body = body_for("mistral/m", "{\"max_completion_tokens\":50,"
                    "\"max_tokens\":7}", J("{'messages':[],'tool_specs':[{"
                    "'name':'t','description':'d','inputSchema':{'json':{"
                    "'type':'object'}}}]}"), &log);
    assert_int_equal(json_object_array_length(rt_member(body, "tools")), 1);
    assert_int_equal(json_object_get_int(rt_member(body, "max_tokens")), 7);
    assert_false(json_object_object_get_ex(body, "max_completion_tokens", NULL));
    json_object_put(body);
}

/* Other routes keep the reference's body: stream_options, tools: []. */
static void test_direct_openai_route_keeps_reference_body(void **state)
{
    (void)state;
    rt_log log = {0};
    json_object *body = body_for("openai/gpt-4o", "{\"max_completion_tokens\":5}",
                                 J("{'messages':[]}"), &log);
    rt_assert_json(body, J("{'messages':[],'model':'gpt-4o','stream':true,"
                           "'stream_options':{'include_usage':true},'tools':[],"
                           "'max_completion_tokens':5}"));
    json_object_put(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemini_signature_goes_in_extra_content),
        cmocka_unit_test(test_vertex_signature_goes_in_extra_content),
        cmocka_unit_test(test_unsigned_history_gets_the_placeholder),
        cmocka_unit_test(test_proxy_made_id_signature_is_extracted),
        cmocka_unit_test(test_proxy_route_keeps_the_thought_id),
        cmocka_unit_test(test_mistral_quirks),
        cmocka_unit_test(test_direct_openai_route_keeps_reference_body),
    };
    return cmocka_run_group_tests_name("request: per-route doors", tests, NULL,
                                       NULL);
}
