/*
 * test_anthropic_stream.c - Messages API responses to events
 * (anthropic-wire.md sections 3-4): the format_chunk / stream cases of
 * section 8 named after their cases, the citation cases (147-152), the
 * server-tool and pause_turn cases (153-159), and the [R] rules: stop
 * reasons, inclusive usage (section 0), the end of a stream, errors
 * inside a 200 stream, whole answers.
 *
 * Citations and redacted thinking are ABI 1.1's delta kinds; what a host
 * that negotiated 1.0 gets instead is checked too.
 */
#include "anthropic_stream_util.h"

#include "../../plugin/core/errors.h"

/* ---------------------------------------------- 8.1 format_chunk cases */

/* 20 */
static void test_format_chunk_message_start(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    char *body = a_sse((const char *[]){"{'type':'message_start','message':"
                                        "{'usage':{'input_tokens':1}}}",
                                        NULL});
    assert_int_equal(an_mapper_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_aevents(&r, A_START);
    free(body);
    arec_free(&r);
}

/* Events of one block between a message start and a clean end. */
static void block_case(const char *start, const char *delta,
                       const char *want_block)
{
    arec r;
    arec_init(&r);
    const char *payloads[] = {P_MSG_START(1, 1), start, delta, P_BSTOP(0),
                              P_DELTA("end_turn", 2), P_MSG_STOP, NULL};
    if (!delta) {
        payloads[2] = P_BSTOP(0);
        payloads[3] = P_DELTA("end_turn", 2);
        payloads[4] = P_MSG_STOP;
        payloads[5] = NULL;
    }
    assert_int_equal(arec_events(&r, payloads), MP_OK);
    strbuf want;
    sb_init(&want, 1 << 16);
    sb_appends(&want, A_START);
    sb_appends(&want, want_block);
    sb_appends(&want, A_BSTOP A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_aevents(&r, want.data);
    sb_free(&want);
    arec_free(&r);
}

#define P_TOOL_START(i, name, id) \
    "{'type':'content_block_start','index':" #i ",'content_block':{'type':" \
    "'tool_use','id':'" id "','name':'" name "','input':{}}}"
#define P_THINK_START(i) \
    "{'type':'content_block_start','index':" #i ",'content_block':{'type':" \
    "'thinking','thinking':'','signature':''}}"

/* 21 */
static void test_format_chunk_content_block_start_tool_use(void **state)
{
    (void)state;
    block_case(P_TOOL_START(0, "calculator", "c1"), NULL,
               A_TOOL("calculator", "c1"));
}

/* 22 */
static void test_format_chunk_content_block_start_other(void **state)
{
    (void)state;
    block_case("{'type':'content_block_start','index':0,'content_block':"
               "{'type':'text'}}", NULL, A_BSTART);
}

/* 23 */
static void test_format_chunk_content_block_delta_signature_delta(void **s)
{
    (void)s;
    block_case(P_THINK_START(0), "{'type':'content_block_delta','index':0,"
               "'delta':{'type':'signature_delta','signature':'s1'}}",
               A_BSTART A_SIG("s1"));
}

/* 24 */
static void test_format_chunk_content_block_delta_thinking_delta(void **s)
{
    (void)s;
    block_case(P_THINK_START(0), "{'type':'content_block_delta','index':0,"
               "'delta':{'type':'thinking_delta','thinking':'t1'}}",
               A_BSTART A_REASON("t1"));
}

/* 25 */
static void test_format_chunk_content_block_delta_input_json_delta_delta(
    void **state)
{
    (void)state;
    block_case(P_TOOL_START(0, "calculator", "c1"),
               "{'type':'content_block_delta','index':0,'delta':{'type':"
               "'input_json_delta','partial_json':'{'}}",
               A_TOOL("calculator", "c1") A_INPUT("{"));
}

/* 26 */
static void test_format_chunk_content_block_delta_text_delta(void **state)
{
    (void)state;
    block_case(P_TEXT_START(0), P_TEXT(0, "hello"), A_BSTART A_TEXT("hello"));
}

/* 27: Strands raises on an unknown delta type; here it is ignored with a
 * warning (spec 3.2 [R]). */
static void test_format_chunk_content_block_delta_unknown(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TEXT_START(0),
        "{'type':'content_block_delta','delta':{'type':'unknown'}}",
        P_BSTOP(0), P_DELTA("end_turn", 2), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_BSTOP A_STOP("end_turn")
                       A_USAGE(1, 2, 3));
    assert_true(r.log.warnings >= 1);
    assert_non_null(strstr(r.log.msgs[0], "delta_type=<unknown> | unknown "
                                          "type"));
    arec_free(&r);
}

/* 28 and 63 ([M]: content_block_stop maps to its stop) */
static void test_format_chunk_content_block_stop(void **state)
{
    (void)state;
    block_case(P_TEXT_START(0), NULL, A_BSTART);
}

static void test_stream_content_block_stop_no_pydantic_warnings(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TEXT_START(0), P_TEXT(0, "x"), P_BSTOP(0),
        P_DELTA("end_turn", 1), P_MSG_STOP, NULL}), MP_OK);
    assert_non_null(strstr(arec_text(&r), requote(A_BSTOP, '`')));
    assert_int_equal(r.log.warnings, 0);
    arec_free(&r);
}

/* 29 and 45 (the stop reason is message_delta's, as recorded) */
static void test_format_chunk_message_stop(void **state)
{
    (void)state;
    block_case(P_TEXT_START(0), P_TEXT(0, "a"), A_BSTART A_TEXT("a"));
}

static void test_stream_message_stop_no_pydantic_warnings(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(3, 1), P_DELTA("end_turn", 4), P_MSG_STOP, NULL}),
        MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(3, 4, 7));
    arec_free(&r);
}

/* 30: usage 1/2; the metrics are the call's real ones (decision 8). */
static void test_format_chunk_metadata(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    char *body = a_sse((const char *[]){P_MSG_START(1, 1),
                                        P_DELTA("end_turn", 2), P_MSG_STOP,
                                        NULL});
    assert_int_equal(an_mapper_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_true(an_mapper_complete(&r.m));
    assert_int_equal(an_mapper_finish(&r.m, 1234, 56, &r.err), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn")
                       "{`metadata`:{`usage`:{`inputTokens`:1,`outputTokens`:"
                       "2,`totalTokens`:3},`metrics`:{`latencyMs`:1234,"
                       "`timeToFirstByteMs`:56}}}\n");
    free(body);
    arec_free(&r);
}

/* 31 and 32: unknown event types (and one typed "metadata") produce
 * nothing.  [R] 3.7: the stream must end with a stop reason, so this port
 * ends it; Strands' test stream had none (see 33). */
static void test_format_chunk_unknown(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), "{'type':'unknown'}",
        "{'type':'metadata','usage':{'input_tokens':9}}",
        P_DELTA("end_turn", 2), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_int_equal(r.log.warnings, 0);
    arec_free(&r);
}

static void test_stream(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    /* The SDK fills a missing "type" from the event name; an event named
     * only by "event:" is read the same way. */
    const char *body = "event: message_start\ndata: {\"message\":{\"usage\":"
                       "{\"input_tokens\":1,\"output_tokens\":0}}}\n\n"
                       "event: something_new\ndata: {\"x\":1}\n\n"
                       "event: message_delta\ndata: {\"delta\":{"
                       "\"stop_reason\":\"end_turn\"},\"usage\":{"
                       "\"output_tokens\":2}}\n\n"
                       "event: message_stop\ndata: {}\n\n";
    assert_int_equal(arec_feed(&r, body, strlen(body), 0), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(1, 2, 3));
    arec_free(&r);
}

/* 33: only message_start.  Strands ends silently (end_turn); [R] 3.7
 * (decision 10): a network error after the messageStart, never a
 * finished answer. */
static void test_stream_early_termination(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){P_MSG_START(1, 1),
                                                      NULL}),
                     MP_E_NETWORK);
    assert_aevents(&r, A_START);
    assert_non_null(strstr(r.err.message, "connection closed before "
                                          "message_stop"));
    arec_free(&r);
}

/* 34: no events: a protocol error, nothing delivered. */
static void test_stream_empty(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_feed(&r, "", 0, 0), MP_E_PROTOCOL);
    assert_int_equal(r.count, 0);
    assert_non_null(strstr(r.err.message, "empty"));
    arec_free(&r);
}

/* ------------------------------------------------- 8.2 [M] usage cases */

/* 61: cached input is part of inputTokens (section 0, as on every route
 * of the plugin; Strands reports 5 here); the cache parts are given. */
static void test_format_chunk_metadata_with_cache_tokens(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        "{'type':'message_start','message':{'usage':{'input_tokens':5,"
        "'output_tokens':1,'cache_read_input_tokens':100,"
        "'cache_creation_input_tokens':50}}}",
        P_DELTA("end_turn", 7), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn")
                       "{`metadata`:{`usage`:{`inputTokens`:155,"
                       "`outputTokens`:7,`totalTokens`:162,"
                       "`cacheReadInputTokens`:100,`cacheWriteInputTokens`:"
                       "50},`metrics`:{`latencyMs`:0,`timeToFirstByteMs`:0}"
                       "}}\n");
    arec_free(&r);
}

/* 62 */
static void test_format_chunk_metadata_omits_zero_cache_tokens(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        "{'type':'message_start','message':{'usage':{'input_tokens':5,"
        "'output_tokens':1,'cache_read_input_tokens':0,"
        "'cache_creation_input_tokens':0}}}",
        P_DELTA("end_turn", 7), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(5, 7, 12));
    arec_free(&r);
}

/* -------------------------------------------------- 8.3 citations [L] */

static void citation_case(const char *citation, const char *want,
                          const char *warning)
{
    rt_log log = {0};
    lp_logger lg = {rt_capture, &log};
    json_object *c = rt_parse(J(citation));
    strbuf out;
    sb_init(&out, 1 << 16);
    assert_int_equal(an_citation_json(c, &lg, &out), MP_OK);
    json_object *got = rt_parse(out.data);
    rt_assert_json(got, J(want));
    if (warning) {
        assert_int_equal(log.warnings, 1);
        assert_non_null(strstr(log.msgs[0], warning));
    } else {
        assert_int_equal(log.warnings, 0);
    }
    json_object_put(got);
    json_object_put(c);
    sb_free(&out);
}

/* 147 */
static void test_format_chunk_citations_delta_web(void **state)
{
    (void)state;
    citation_case("{'type':'web_search_result_location','url':"
                  "'https://docs.example.com/agents','title':'Agents guide',"
                  "'cited_text':'Agents are autonomous programs.',"
                  "'encrypted_index':'EoQ'}",
                  "{'title':'Agents guide','sourceContent':[{'text':"
                  "'Agents are autonomous programs.'}],'location':{'web':"
                  "{'url':'https://docs.example.com/agents','domain':"
                  "'docs.example.com'}}}", NULL);
    /* Python's urlparse(...).hostname: lower case, no port or user. */
    citation_case("{'type':'web_search_result_location','url':"
                  "'https://u:p@Docs.Example.COM:8443/x'}",
                  "{'location':{'web':{'url':'https://u:p@Docs.Example.COM:"
                  "8443/x','domain':'docs.example.com'}}}", NULL);
    citation_case("{'type':'web_search_result_location'}",
                  "{'location':{'web':{'url':''}}}", NULL);
}

/* 148 */
static void test_format_chunk_citations_delta_search_result(void **state)
{
    (void)state;
    citation_case("{'type':'search_result_location','search_result_index':1,"
                  "'start_block_index':2,'end_block_index':3}",
                  "{'location':{'searchResultLocation':{'searchResultIndex':"
                  "1,'start':2,'end':3}}}", NULL);
}

/* 149 */
static void test_format_chunk_citations_delta_char(void **state)
{
    (void)state;
    citation_case("{'type':'char_location','document_index':0,"
                  "'document_title':'D','start_char_index':1,"
                  "'end_char_index':2}",
                  "{'title':'D','location':{'documentChar':{'documentIndex':"
                  "0,'start':1,'end':2}}}", NULL);
}

/* 150 */
static void test_format_chunk_citations_delta_page(void **state)
{
    (void)state;
    citation_case("{'type':'page_location','document_index':0,"
                  "'start_page_number':1,'end_page_number':2}",
                  "{'location':{'documentPage':{'documentIndex':0,'start':1,"
                  "'end':2}}}", NULL);
}

/* 151 */
static void test_format_chunk_citations_delta_content_block(void **state)
{
    (void)state;
    citation_case("{'type':'content_block_location','document_index':0,"
                  "'start_block_index':1,'end_block_index':2}",
                  "{'location':{'documentChunk':{'documentIndex':0,'start':1,"
                  "'end':2}}}", NULL);
}

/* 152 */
static void test_format_chunk_citations_delta_unknown(void **state)
{
    (void)state;
    citation_case("{'type':'unknown_location','title':'T'}", "{'title':'T'}",
                  "citation_type=<unknown_location> | unsupported citation "
                  "location | skipping");
}

/* The web search stream of 153 and 158 (server tool blocks 0 and 1, the
 * cited text block 2). */
#define P_SERVER_TOOL(i) \
    "{'type':'content_block_start','index':" #i ",'content_block':{'type':" \
    "'server_tool_use','id':'srvtoolu_1','name':'web_search','input':{}}}"
#define P_SERVER_INPUT(i) \
    "{'type':'content_block_delta','index':" #i ",'delta':{'type':" \
    "'input_json_delta','partial_json':'{\\'query\\':\\'agents\\'}'}}"
#define P_SEARCH_RESULT(i) \
    "{'type':'content_block_start','index':" #i ",'content_block':{'type':" \
    "'web_search_tool_result','tool_use_id':'srvtoolu_1','content':[{" \
    "'type':'web_search_result','url':'https://docs.example.com/agents'," \
    "'title':'Agents guide','encrypted_content':'Eq'}]}}"
#define P_CITATION(i) \
    "{'type':'content_block_delta','index':" #i ",'delta':{'type':" \
    "'citations_delta','citation':{'type':'web_search_result_location'," \
    "'url':'https://docs.example.com/agents','title':'Agents guide'," \
    "'cited_text':'Agents are autonomous programs.','encrypted_index':" \
    "'Eo'}}}"
#define SEARCH_STREAM(base, reason, in, out)                                 \
    P_SERVER_TOOL(base), P_SERVER_INPUT(base), P_BSTOP(base),                \
        P_SEARCH_RESULT(1), P_BSTOP(1), P_TEXT_START(2), P_CITATION(2),     \
        P_TEXT(2, "Agents are autonomous."), P_BSTOP(2),                   \
        "{'type':'message_delta','delta':{'stop_reason':'" reason "'},"     \
        "'usage':{'input_tokens':" #in ",'output_tokens':" #out "}}",      \
        P_MSG_STOP

/* 158: server-tool blocks are skipped whole; the cited text block keeps
 * its text and its citation, which comes before the text. */
#define WEB_CITE "{`title`:`Agents guide`,`sourceContent`:[{`text`:`Agents are autonomous programs.`}],`location`:{`web`:{`url`:`https://docs.example.com/agents`,`domain`:`docs.example.com`}}}"
#define CITED_CONTENT                                                       \
    "{'citationsContent':{'citations':[{'title':'Agents guide',"            \
    "'sourceContent':[{'text':'Agents are autonomous programs.'}],"        \
    "'location':{'web':{'url':'https://docs.example.com/agents',"          \
    "'domain':'docs.example.com'}}}],'content':[{'text':"                  \
    "'Agents are autonomous.'}]}}"

static void test_stream_skips_server_tool_blocks(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), SEARCH_STREAM(0, "end_turn", 1, 2), NULL}), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_CITE(WEB_CITE)
                       A_TEXT("Agents are autonomous.") A_BSTOP
                       A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_content_is(&r, "[" CITED_CONTENT "]");
    assert_int_equal(at_count(&r.log, "incomplete tool use block"), 0);
    assert_int_equal(r.log.warnings, 0);
    arec_free(&r);
}

/* The same for a host that negotiated ABI 1.0: the citation is left out
 * (said once), the cited text still arrives. */
static void test_stream_citations_for_an_abi_1_0_host(void **state)
{
    (void)state;
    arec r;
    arec_init_minor(&r, 0);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), SEARCH_STREAM(0, "end_turn", 1, 2), NULL}), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_TEXT("Agents are autonomous.")
                       A_BSTOP A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_content_is(&r, "[{'text':'Agents are autonomous.'}]");
    assert_int_equal(at_count(&r.log, "citations were left out"), 1);
    arec_free(&r);
}

/* 159 */
static void test_stream_logs_server_tool_error(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1),
        "{'type':'content_block_start','index':0,'content_block':{'type':"
        "'web_search_tool_result','tool_use_id':'s1','content':{'type':"
        "'web_search_tool_result_error','error_code':'max_uses_exceeded'}}}",
        P_BSTOP(0), P_DELTA("end_turn", 2), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_int_equal(at_count(&r.log, "block_type=<web_search_tool_result>, "
                                      "error_code=<max_uses_exceeded> | "
                                      "server-side tool failed"), 1);
    arec_free(&r);
}

/* ------------------------------------------------- pause_turn (153-156) */

/* Feed one response of a turn and finish it. */
static int respond(arec *r, const char *const *payloads)
{
    char *body = a_sse(payloads);
    size_t len = strlen(body);
    int rc = MP_OK;
    for (size_t i = 0; i < len && !rc; i += 7) /* in 7-byte pieces */
        rc = an_mapper_feed(&r->m, body + i, len - i < 7 ? len - i : 7,
                            &r->err);
    if (!rc)
        rc = an_mapper_finish(&r->m, 0, 0, &r->err);
    free(body);
    return rc;
}

#define PAUSED_RESPONSE(in, out)                                            \
    (const char *[]){P_MSG_START(in, 1), P_SERVER_TOOL(0), P_BSTOP(0),       \
                     P_TEXT_START(1), P_TEXT(1, "Searching. "), P_BSTOP(1), \
                     "{'type':'message_delta','delta':{'stop_reason':"      \
                     "'pause_turn'},'usage':{'output_tokens':" #out         \
                     ",'service_tier':'standard'}}",                        \
                     P_MSG_STOP, NULL}

#define REQUEST_1 "{'model':'m1','max_tokens':1,'messages':[{'role':'user'," \
                  "'content':[{'type':'text','text':'search'}]}],'tools':[" \
                  "{'type':'web_search_20260318','name':'web_search'}]}"

/* 153 */
static void test_stream_continues_paused_server_tool_turn(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    strbuf body;
    sb_init(&body, 1 << 20);
    sb_appends(&body, J(REQUEST_1));
    assert_int_equal(respond(&r, PAUSED_RESPONSE(10, 5)), MP_OK);
    /* Nothing ends the message yet: the turn goes on. */
    assert_int_equal(an_mapper_next_request(&r.m, &body, &r.err), 1);
    json_object *req2 = rt_parse(body.data);
    json_object *req1 = rt_parse(J(REQUEST_1));
    json_object *msgs = rt_member(req2, "messages");
    assert_int_equal(json_object_array_length(msgs), 2);
    rt_assert_json(json_object_array_get_idx(msgs, 0),
                   json_object_to_json_string(json_object_array_get_idx(
                       rt_member(req1, "messages"), 0)));
    rt_assert_json(json_object_array_get_idx(msgs, 1),
                   J("{'role':'assistant','content':[{'type':"
                     "'server_tool_use','id':'srvtoolu_1','name':"
                     "'web_search','input':{}},{'type':'text','text':"
                     "'Searching. '}]}"));
    rt_assert_json(rt_member(req2, "tools"),
                   json_object_to_json_string(rt_member(req1, "tools")));
    assert_int_equal(respond(&r, (const char *[]){
        "{'type':'message_start','message':{'usage':{'input_tokens':1,"
        "'output_tokens':1}}}", SEARCH_STREAM(0, "end_turn", 1, 2), NULL}),
        MP_OK);
    assert_int_equal(an_mapper_next_request(&r.m, &body, &r.err), 0);
    /* One messageStart, messageStop and metadata for the whole turn; the
     * blocks numbered on (the emitter gives 0 and 1 where the wire said 1
     * and 4 with the offset: no gaps in the ABI). */
    assert_aevents(&r, A_START A_BSTART A_TEXT("Searching. ") A_BSTOP
                       A_BSTART A_CITE(WEB_CITE)
                       A_TEXT("Agents are autonomous.") A_BSTOP
                       A_STOP("end_turn") A_USAGE(11, 7, 18));
    assert_content_is(&r, "[{'text':'Searching. '}," CITED_CONTENT "]");
    json_object_put(req1);
    json_object_put(req2);
    sb_free(&body);
    arec_free(&r);
}

/* 154 */
static void test_stream_pause_turn_continuation_limit(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    strbuf body;
    sb_init(&body, 1 << 22);
    sb_appends(&body, J(REQUEST_1));
    int requests = 0, rc = 1;
    while (rc == 1) {
        requests++;
        assert_int_equal(respond(&r, PAUSED_RESPONSE(10, 5)), MP_OK);
        rc = an_mapper_next_request(&r.m, &body, &r.err);
    }
    assert_int_equal(requests, 11);
    assert_int_equal(rc, MP_E_SERVER);
    assert_non_null(strstr(r.err.message, "did not complete after 10 "
                                          "continuations"));
    /* The partial events went out; no messageStop, no metadata. */
    assert_null(strstr(arec_text(&r), "messageStop"));
    assert_null(strstr(arec_text(&r), "metadata"));
    sb_free(&body);
    arec_free(&r);
}

/* 155: Strands without a message snapshot ends the turn.  The plugin
 * always has the content, except when it is too big to keep
 * (max_response_bytes): then the same. */
static void test_stream_pause_turn_without_snapshot_ends_turn(void **state)
{
    (void)state;
    arec r;
    arec_init_max(&r, 256); /* more text than that, 10 bytes a delta */
    strbuf body;
    sb_init(&body, 1 << 20);
    sb_appends(&body, J(REQUEST_1));
    const char *paused[64];
    size_t n = 0;
    paused[n++] = P_MSG_START(10, 1);
    paused[n++] = P_TEXT_START(0);
    for (int i = 0; i < 40; i++)
        paused[n++] = P_TEXT(0, "0123456789");
    paused[n++] = P_BSTOP(0);
    paused[n++] = "{'type':'message_delta','delta':{'stop_reason':"
                  "'pause_turn'},'usage':{'output_tokens':5}}";
    paused[n++] = P_MSG_STOP;
    paused[n] = NULL;
    assert_int_equal(respond(&r, paused), MP_OK);
    assert_int_equal(an_mapper_next_request(&r.m, &body, &r.err), 0);
    const char *text = arec_text(&r);
    const char *last = strstr(text, "{\"messageStop\"");
    assert_non_null(last);
    assert_string_equal(last, requote(A_STOP("end_turn") A_USAGE(10, 5, 15),
                                      '`'));
    assert_true(at_count(&r.log, "paused server-side tool turn not resumed") ==
                1);
    sb_free(&body);
    arec_free(&r);
}

/* 156: the second response cannot be resumed: the turn ends with the
 * usage of both (summed, as [L] sums continuations). */
static void test_stream_pause_turn_keeps_usage_when_last_snapshot_unavailable(
    void **state)
{
    (void)state;
    arec r;
    strbuf body;
    /* The second response's content exceeds the bound (many small deltas,
     * each line within it). */
    arec_init_max(&r, 256);
    sb_init(&body, 1 << 20);
    sb_appends(&body, J(REQUEST_1));
    assert_int_equal(respond(&r, PAUSED_RESPONSE(10, 5)), MP_OK);
    assert_int_equal(an_mapper_next_request(&r.m, &body, &r.err), 1);
    const char *second[64];
    size_t n = 0;
    second[n++] = "{'type':'message_start','message':{'usage':{"
                  "'input_tokens':3,'output_tokens':1}}}";
    second[n++] = P_TEXT_START(0);
    for (int i = 0; i < 40; i++)
        second[n++] = P_TEXT(0, "0123456789");
    second[n++] = P_BSTOP(0);
    second[n++] = "{'type':'message_delta','delta':{'stop_reason':"
                  "'pause_turn'},'usage':{'output_tokens':4}}";
    second[n++] = P_MSG_STOP;
    second[n] = NULL;
    assert_int_equal(respond(&r, second), MP_OK);
    assert_int_equal(an_mapper_next_request(&r.m, &body, &r.err), 0);
    const char *last = strstr(arec_text(&r), "{\"messageStop\"");
    assert_non_null(last);
    assert_string_equal(last, requote(A_STOP("end_turn") A_USAGE(13, 9, 22),
                                      '`'));
    sb_free(&body);
    arec_free(&r);
}

/* ------------------------------------------------------ [R] stop reasons */

static void stop_case(const char *wire, const char *want, int warned)
{
    arec r;
    arec_init(&r);
    char delta[256];
    snprintf(delta, sizeof delta, "{'type':'message_delta','delta':"
             "{'stop_reason':'%s','stop_sequence':null},'usage':"
             "{'output_tokens':2}}", wire);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TEXT_START(0), P_TEXT(0, "x"), P_BSTOP(0),
        delta, P_MSG_STOP, NULL}), MP_OK);
    char line[128];
    snprintf(line, sizeof line, "{\"messageStop\":{\"stopReason\":\"%s\"}}",
             want);
    assert_non_null(strstr(arec_text(&r), line));
    assert_int_equal(r.log.warnings, warned);
    arec_free(&r);
}

/* 3.6 [R] */
static void test_stop_reasons(void **state)
{
    (void)state;
    stop_case("end_turn", "end_turn", 0);
    stop_case("tool_use", "tool_use", 0);
    stop_case("max_tokens", "max_tokens", 0);
    stop_case("stop_sequence", "stop_sequence", 0);
    stop_case("refusal", "content_filtered", 0);
    stop_case("model_context_window_exceeded", "max_tokens", 0);
    stop_case("something_new", "end_turn", 1);
}

/* ------------------------------------------------ [R] the end (3.7, 0) */

/* A body that ends after message_delta's stop reason is complete. */
static void test_stream_ends_after_stop_reason(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TEXT_START(0), P_TEXT(0, "x"), P_BSTOP(0),
        P_DELTA("end_turn", 2), NULL}), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_TEXT("x") A_BSTOP A_STOP("end_turn")
                       A_USAGE(1, 2, 3));
    arec_free(&r);
}

/* A tool block still open at message_delta (max_tokens cut its input)
 * ends with the input received. */
static void test_stream_tool_cut_by_max_tokens(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TOOL_START(0, "f", "t1"),
        "{'type':'content_block_delta','index':0,'delta':{'type':"
        "'input_json_delta','partial_json':'{\\'a\\':'}}",
        P_DELTA("max_tokens", 2), P_MSG_STOP, NULL}), MP_OK);
    assert_aevents(&r, A_START A_TOOL("f", "t1") A_INPUT("{\\\"a\\\":")
                       A_BSTOP A_STOP("max_tokens") A_USAGE(1, 2, 3));
    arec_free(&r);
}

/* message_stop makes the answer whole at once: later events are not
 * read (a server may keep the connection open). */
static void test_stream_complete_at_message_stop(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    char *body = a_sse((const char *[]){P_MSG_START(1, 1),
                                        P_DELTA("end_turn", 2), P_MSG_STOP,
                                        P_TEXT_START(0), NULL});
    assert_false(an_mapper_complete(&r.m));
    assert_int_equal(an_mapper_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_true(an_mapper_complete(&r.m));
    assert_aevents(&r, A_START A_STOP("end_turn"));
    assert_int_equal(an_mapper_finish(&r.m, 0, 0, &r.err), MP_OK);
    assert_aevents(&r, A_START A_STOP("end_turn") A_USAGE(1, 2, 3));
    free(body);
    arec_free(&r);
}

/* A cut connection before any stop reason: the transport's status, the
 * partial answer never finished. */
static void test_stream_cut_before_stop(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    char *body = a_sse((const char *[]){P_MSG_START(1, 1), P_TEXT_START(0),
                                        P_TEXT(0, "par"), NULL});
    assert_int_equal(an_mapper_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(an_mapper_cut(&r.m, 0, 0, MP_E_TIMEOUT, "stream stalled",
                                   &r.err), MP_E_TIMEOUT);
    assert_aevents(&r, A_START A_BSTART A_TEXT("par"));
    assert_string_equal(r.err.message, "stream stalled");
    free(body);
    arec_free(&r);
}

/* ---------------------------------------- [R] errors in a 200 (5.5) */

static void stream_error_case(const char *type, const char *message, int want,
                              int retryable)
{
    arec r;
    arec_init(&r);
    char ev[512];
    snprintf(ev, sizeof ev, "{'type':'error','error':{'type':'%s',"
             "'message':'%s'}}", type, message);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_TEXT_START(0), P_TEXT(0, "partial"), ev, NULL}),
        want);
    /* No stop, no message end, no metadata for the partial answer. */
    assert_aevents(&r, A_START A_BSTART A_TEXT("partial"));
    assert_int_equal(r.err.http_status, 200);
    assert_int_equal(r.err.retryable, retryable);
    assert_string_equal(r.err.provider_code, type);
    assert_non_null(strstr(r.err.message, message));
    arec_free(&r);
}

static void test_stream_error_events(void **state)
{
    (void)state;
    stream_error_case("overloaded_error", "Overloaded", MP_E_THROTTLED, 1);
    stream_error_case("rate_limit_error", "slow down", MP_E_THROTTLED, 1);
    stream_error_case("api_error", "Internal server error", MP_E_SERVER, 1);
    stream_error_case("invalid_request_error", "prompt is too long: 300000 "
                      "tokens > 200000 maximum", MP_E_CONTEXT_OVERFLOW, 0);
    stream_error_case("invalid_request_error", "bad", MP_E_BAD_REQUEST, 0);
    stream_error_case("brand_new_error", "?", MP_E_SERVER, 1);
}

/* --------------------------------------------- [R] malformed streams */

static void malformed(const char *body, const char *fragment)
{
    arec r;
    arec_init(&r);
    assert_int_equal(arec_feed(&r, body, strlen(body), 0), MP_E_PROTOCOL);
    if (!strstr(r.err.message, fragment))
        fail_msg("\"%s\" does not say \"%s\"", r.err.message, fragment);
    arec_free(&r);
}

static void test_stream_malformed(void **state)
{
    (void)state;
    malformed("event: content_block_start\ndata: {\"type\":"
              "\"content_block_start\",\"index\":0,\"content_block\":{"
              "\"type\":\"text\"}}\n\n", "before message_start");
    malformed("event: message_start\ndata: {\"type\":\"message_start\","
              "\"message\":{}}\n\nevent: x\ndata: {nope}\n\n",
              "SSE event at byte ");
    malformed("data: {\"type\":\"message_start\",\"message\":{}}\n\n"
              "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":"
              "{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
              "block 3, which is not open");
    malformed("data: {\"type\":\"message_start\",\"message\":{}}\n\n"
              "data: {\"type\":\"content_block_start\",\"index\":0,"
              "\"content_block\":{\"type\":\"text\"}}\n\n"
              "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
              "{\"type\":\"text_delta\",\"text\":\"\xff\"}}\n\n",
              "not valid UTF-8");
    malformed("data: {\"type\":\"message_start\",\"message\":{}}\n\n"
              "data: {\"type\":\"message_stop\"}\n\n", "without a stop reason");
    /* Spellings json-c took and RFC 8259 and json.loads refuse (the
     * answers' reader, plugin/core/json_reader.h): the byte is named. */
    malformed("data: {\"type\":\"message_start\",\"message\":{\"usage\":"
              "{\"input_tokens\":1.}}}\n\n",
              "(a number with no digit after '.' at payload byte 61)");
    malformed("data: {\"type\":\"message_start\",\"message\":{\"usage\":"
              "{\"input_tokens\":00}}}\n\n",
              "(expected ',' or '}' at payload byte 60)");
    malformed("data: {'type':'ping'}\n\n",
              "(expected a quoted member name at payload byte 1)");
    /* A citation that fails stops the block: its error is the one told,
     * not the text's after it. */
    malformed("data: {\"type\":\"message_start\",\"message\":{}}\n\n"
              "data: {\"type\":\"content_block_start\",\"index\":0,"
              "\"content_block\":{\"type\":\"text\",\"text\":\"hello\xff\","
              "\"citations\":[{\"type\":\"char_location\",\"cited_text\":"
              "\"x\xfe\",\"document_index\":0,\"start_char_index\":0,"
              "\"end_char_index\":1}]}}\n\n", "citation");
    malformed("data: {\"type\":\"message_start\",\"message\":{}}\n\n"
              "data: {\"type\":\"content_block_start\",\"index\":0,"
              "\"content_block\":{\"type\":\"text\"}}\n\n"
              "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
              "{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}\n\n",
              "input_json_delta in a text block");
}

/* --------------------------------------- thinking and redacted (3.3) */

/* display "omitted": empty thinking text, one signature; still a
 * reasoning block (its signature must go back). */
static void test_thinking_display_omitted(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, (const char *[]){
        P_MSG_START(1, 1), P_THINK_START(0),
        "{'type':'content_block_delta','index':0,'delta':{'type':"
        "'signature_delta','signature':'EqSig'}}", P_BSTOP(0),
        P_TEXT_START(1), P_TEXT(1, "hi"), P_BSTOP(1),
        P_DELTA("end_turn", 2), P_MSG_STOP, NULL}), MP_OK);
    assert_content_is(&r, "[{'reasoningContent':{'reasoningText':{'text':'',"
                          "'signature':'EqSig'}}},{'text':'hi'}]");
    arec_free(&r);
}

/* redacted_thinking: one reasoning block holding the bytes of `data`
 * (base64 in the JSON), assembled as redactedContent, to go back exactly.
 * A host of ABI 1.0 cannot carry it: the block is left out whole with a
 * warning, the blocks after it numbered without a gap. */
#define P_REDACTED \
    "{'type':'content_block_start','index':0,'content_block':{'type':" \
    "'redacted_thinking','data':'EncryptedOpaque=='}}"

static void test_redacted_thinking(void **state)
{
    (void)state;
    const char *stream[] = {P_MSG_START(1, 1), P_REDACTED, P_BSTOP(0),
                            P_TEXT_START(1), P_TEXT(1, "hi"), P_BSTOP(1),
                            P_DELTA("end_turn", 2), P_MSG_STOP, NULL};
    arec r;
    arec_init(&r);
    assert_int_equal(arec_events(&r, stream), MP_OK);
    /* "EncryptedOpaque==" as bytes, in base64 */
    assert_aevents(&r, A_START A_BSTART A_REDACTED("RW5jcnlwdGVkT3BhcXVlPT0=")
                       A_BSTOP A_BSTART A_TEXT("hi") A_BSTOP
                       A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_content_is(&r, "[{'reasoningContent':{'redactedContent':"
                          "'RW5jcnlwdGVkT3BhcXVlPT0='}},{'text':'hi'}]");
    arec_free(&r);

    arec_init_minor(&r, 0);
    assert_int_equal(arec_events(&r, stream), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_TEXT("hi") A_BSTOP
                       A_STOP("end_turn") A_USAGE(1, 2, 3));
    assert_int_equal(at_count(&r.log, "redacted reasoning block was left "
                                      "out"), 1);
    arec_free(&r);
}

/* ------------------------------------------------- whole answers (4) */

static void test_whole_message(void **state)
{
    (void)state;
    arec r;
    arec_init(&r);
    const char *body = J(
        "{'id':'msg_1','type':'message','role':'assistant','model':'m',"
        "'content':[{'type':'thinking','thinking':'hmm','signature':'S'},"
        "{'type':'server_tool_use','id':'s','name':'web_search','input':{}},"
        "{'type':'text','text':'Hi'},{'type':'tool_use','id':'t1','name':"
        "'f','input':{'b':[1,2],'a':'é'}}],'stop_reason':'tool_use',"
        "'stop_sequence':null,'usage':{'input_tokens':5,"
        "'cache_read_input_tokens':2,'output_tokens':3}}");
    assert_int_equal(an_mapper_whole(&r.m, body, strlen(body), 9, 4,
                                     &r.err), MP_OK);
    assert_aevents(&r, A_START A_BSTART A_REASON("hmm") A_SIG("S") A_BSTOP
                       A_BSTART A_TEXT("Hi") A_BSTOP A_TOOL("f", "t1")
                       A_INPUT("{\\\"b\\\":[1,2],\\\"a\\\":\\\"é\\\"}")
                       A_BSTOP A_STOP("tool_use")
                       "{`metadata`:{`usage`:{`inputTokens`:7,`outputTokens`:"
                       "3,`totalTokens`:10,`cacheReadInputTokens`:2},"
                       "`metrics`:{`latencyMs`:9,`timeToFirstByteMs`:4}}}\n");
    arec_free(&r);
    /* An error body with status 200 is an error, not an answer. */
    arec_init(&r);
    body = J("{'type':'error','error':{'type':'overloaded_error','message':"
             "'Overloaded'}}");
    assert_int_equal(an_mapper_whole(&r.m, body, strlen(body), 0, 0,
                                     &r.err), MP_E_THROTTLED);
    assert_int_equal(r.count, 0);
    arec_free(&r);
    /* A NUL after the object is not whitespace: not one JSON object. */
    arec_init(&r);
    char nul_body[128];
    int n = snprintf(nul_body, sizeof nul_body, "%s", J("{'type':'message',"
                     "'content':[],'stop_reason':'end_turn'}"));
    nul_body[n] = '\0';
    assert_int_equal(an_mapper_whole(&r.m, nul_body, (size_t)n + 1, 0, 0,
                                     &r.err), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "not one JSON object"));
    assert_int_equal(r.count, 0);
    arec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_chunk_message_start),
        cmocka_unit_test(test_format_chunk_content_block_start_tool_use),
        cmocka_unit_test(test_format_chunk_content_block_start_other),
        cmocka_unit_test(test_format_chunk_content_block_delta_signature_delta),
        cmocka_unit_test(test_format_chunk_content_block_delta_thinking_delta),
        cmocka_unit_test(test_format_chunk_content_block_delta_input_json_delta_delta),
        cmocka_unit_test(test_format_chunk_content_block_delta_text_delta),
        cmocka_unit_test(test_format_chunk_content_block_delta_unknown),
        cmocka_unit_test(test_format_chunk_content_block_stop),
        cmocka_unit_test(test_format_chunk_message_stop),
        cmocka_unit_test(test_format_chunk_metadata),
        cmocka_unit_test(test_format_chunk_unknown),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_early_termination),
        cmocka_unit_test(test_stream_empty),
        cmocka_unit_test(test_stream_message_stop_no_pydantic_warnings),
        cmocka_unit_test(test_format_chunk_metadata_with_cache_tokens),
        cmocka_unit_test(test_format_chunk_metadata_omits_zero_cache_tokens),
        cmocka_unit_test(test_stream_content_block_stop_no_pydantic_warnings),
        cmocka_unit_test(test_format_chunk_citations_delta_web),
        cmocka_unit_test(test_format_chunk_citations_delta_search_result),
        cmocka_unit_test(test_format_chunk_citations_delta_char),
        cmocka_unit_test(test_format_chunk_citations_delta_page),
        cmocka_unit_test(test_format_chunk_citations_delta_content_block),
        cmocka_unit_test(test_format_chunk_citations_delta_unknown),
        cmocka_unit_test(test_stream_continues_paused_server_tool_turn),
        cmocka_unit_test(test_stream_pause_turn_continuation_limit),
        cmocka_unit_test(test_stream_pause_turn_without_snapshot_ends_turn),
        cmocka_unit_test(test_stream_pause_turn_keeps_usage_when_last_snapshot_unavailable),
        cmocka_unit_test(test_stream_skips_server_tool_blocks),
        cmocka_unit_test(test_stream_citations_for_an_abi_1_0_host),
        cmocka_unit_test(test_stream_logs_server_tool_error),
        cmocka_unit_test(test_stop_reasons),
        cmocka_unit_test(test_stream_ends_after_stop_reason),
        cmocka_unit_test(test_stream_tool_cut_by_max_tokens),
        cmocka_unit_test(test_stream_complete_at_message_stop),
        cmocka_unit_test(test_stream_cut_before_stop),
        cmocka_unit_test(test_stream_error_events),
        cmocka_unit_test(test_stream_malformed),
        cmocka_unit_test(test_thinking_display_omitted),
        cmocka_unit_test(test_redacted_thinking),
        cmocka_unit_test(test_whole_message),
    };
    return cmocka_run_group_tests_name("anthropic: stream events", tests, NULL,
                                       NULL);
}
