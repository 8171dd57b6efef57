/*
 * anthropic_stream_util.h - the Anthropic response mapper under test: a
 * sink that records every event as its Strands JSON (one line each) and
 * feeds the sample host's assembler, SSE bodies built from event
 * payloads, and feeding in pieces of any size.
 */
#ifndef ANTHROPIC_STREAM_UTIL_H
#define ANTHROPIC_STREAM_UTIL_H

#include "request_test_util.h"

#include "../../host-sample/assembler.h"
#include "../../plugin/anthropic/an_mapper.h"
#include "../../plugin/core/event_json.h"

/* The Strands JSON of each event (` for "), one line each. */
#define A_START "{`messageStart`:{`role`:`assistant`}}\n"
#define A_BSTART "{`contentBlockStart`:{`start`:{}}}\n"
#define A_BSTOP "{`contentBlockStop`:{}}\n"
#define A_TEXT(t) "{`contentBlockDelta`:{`delta`:{`text`:`" t "`}}}\n"
#define A_REASON(t) \
    "{`contentBlockDelta`:{`delta`:{`reasoningContent`:{`text`:`" t "`}}}}\n"
#define A_SIG(t) \
    "{`contentBlockDelta`:{`delta`:{`reasoningContent`:{`signature`:`" t "`}}}}\n"
#define A_TOOL(name, id) \
    "{`contentBlockStart`:{`start`:{`toolUse`:{`name`:`" name "`,`toolUseId`:`" id "`}}}}\n"
#define A_INPUT(t) "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`" t "`}}}}\n"
#define A_STOP(r) "{`messageStop`:{`stopReason`:`" r "`}}\n"
#define A_CITE(c) "{`contentBlockDelta`:{`delta`:{`citation`:" c "}}}\n"
#define A_REDACTED(b64) \
    "{`contentBlockDelta`:{`delta`:{`reasoningContent`:{`redactedContent`:`" b64 "`}}}}\n"
#define A_USAGE(i, o, t) \
    "{`metadata`:{`usage`:{`inputTokens`:" #i ",`outputTokens`:" #o \
    ",`totalTokens`:" #t "},`metrics`:{`latencyMs`:0,`timeToFirstByteMs`:0}}}\n"

typedef struct arec {
    strbuf lines;
    int count;
    msg_assembler as;
    mp_event_sink sink;
    ev_emitter em;
    an_mapper m;
    mp_error err;
    rt_log log;
    lp_logger lg;
    lp_map_options opt;
} arec;

static int arec_on_event(void *ctx, const mp_event_header *ev)
{
    arec *r = ctx;
    r->count++;
    if (lp_event_to_json(ev, &r->lines) || sb_appendc(&r->lines, '\n'))
        fail_msg("event %d could not be rendered", r->count);
    if (asm_on_event(&r->as, ev))
        fail_msg("the assembler rejected event %d", r->count);
    return 0;
}

/* `max_line` 0: the mapper's default. */
static inline void arec_init_max(arec *r, size_t max_line)
{
    memset(r, 0, sizeof *r);
    sb_init(&r->lines, (size_t)1 << 28);
    asm_init(&r->as);
    r->sink.struct_size = sizeof r->sink;
    r->sink.ctx = r;
    r->sink.on_event = arec_on_event;
    ev_init(&r->em, &r->sink);
    r->err = (mp_error)MP_ERROR_INIT;
    r->lg.fn = rt_capture;
    r->lg.ctx = &r->log;
    r->opt.log = &r->lg;
    r->opt.max_line = max_line;
    assert_int_equal(an_mapper_init(&r->m, &r->em, &r->opt), MP_OK);
}

static inline void arec_init(arec *r)
{
    arec_init_max(r, 0);
}

/* As a host that negotiated ABI minor `minor` would receive the events
 * (ev_set_host_minor: what 1.0 cannot carry is left out). */
static inline void arec_init_minor(arec *r, uint32_t minor)
{
    arec_init_max(r, 0);
    ev_set_host_minor(&r->em, minor, &r->lg);
}

static inline void arec_free(arec *r)
{
    an_mapper_free(&r->m);
    asm_free(&r->as);
    sb_free(&r->lines);
}

static inline const char *arec_text(const arec *r)
{
    return r->lines.data ? r->lines.data : "";
}

/* Feed `body` in pieces of `piece` bytes (0: whole), then end it cleanly
 * (latency 0, TTFB 0).  Returns the mapper's status. */
static inline int arec_feed(arec *r, const char *body, size_t len,
                            size_t piece)
{
    int rc = MP_OK;
    for (size_t i = 0; i < len && !rc;) {
        size_t n = piece && piece < len - i ? piece : len - i;
        rc = an_mapper_feed(&r->m, body + i, n, &r->err);
        i += n;
    }
    if (!rc)
        rc = an_mapper_finish(&r->m, 0, 0, &r->err);
    return rc;
}

/* An SSE body: "event: <type>\ndata: <payload>\n\n" for each ' quoted
 * payload, the type read from the payload. */
static inline char *a_sse(const char *const *payloads)
{
    strbuf b;
    sb_init(&b, (size_t)1 << 26);
    for (size_t i = 0; payloads[i]; i++) {
        const char *p = J(payloads[i]);
        json_object *o = json_tokener_parse(p);
        json_object *t = NULL;
        if (!o || !json_object_object_get_ex(o, "type", &t))
            fail_msg("payload without a type: %s", p);
        sb_printf(&b, "event: %s\ndata: %s\n\n", json_object_get_string(t),
                  p);
        json_object_put(o);
    }
    return sb_detach(&b);
}

/* Payloads -> body -> events, fed whole; returns the status. */
static inline int arec_events(arec *r, const char *const *payloads)
{
    char *body = a_sse(payloads);
    int rc = arec_feed(r, body, strlen(body), 0);
    free(body);
    return rc;
}

/* How many logged messages contain `text`. */
static inline int at_count(const rt_log *log, const char *text)
{
    int n = 0;
    for (int i = 0; i < log->count; i++)
        n += strstr(log->msgs[i], text) != NULL;
    return n;
}

#define assert_aevents(r, expected) \
    assert_string_equal(arec_text(r), requote(expected, '`'))

/* The assembled message's content equals `want` (' quoted). */
static inline void assert_content_is(arec *r, const char *want)
{
    json_object *msg = asm_take_message(&r->as);
    json_object *content = NULL;
    json_object_object_get_ex(msg, "content", &content);
    rt_assert_json(content, J(want));
    json_object_put(msg);
}

/* Common payloads (' quoted). */
#define P_MSG_START(in, out) \
    "{'type':'message_start','message':{'id':'msg_1','type':'message'," \
    "'role':'assistant','model':'m1','content':[],'stop_reason':null," \
    "'usage':{'input_tokens':" #in ",'output_tokens':" #out "}}}"
#define P_TEXT_START(i) \
    "{'type':'content_block_start','index':" #i ",'content_block':" \
    "{'type':'text','text':''}}"
#define P_TEXT(i, t) \
    "{'type':'content_block_delta','index':" #i ",'delta':{'type':" \
    "'text_delta','text':'" t "'}}"
#define P_BSTOP(i) "{'type':'content_block_stop','index':" #i "}"
#define P_DELTA(reason, out) \
    "{'type':'message_delta','delta':{'stop_reason':'" reason "'," \
    "'stop_sequence':null},'usage':{'output_tokens':" #out "}}"
#define P_MSG_STOP "{'type':'message_stop'}"

#endif
