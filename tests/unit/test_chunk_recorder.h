/*
 * test_chunk_recorder.h - helpers shared by the chunk-mapper tests: a sink
 * that records every event as its Strands JSON (one line each) and feeds a
 * message assembler, plus a quote converter so test JSON stays readable.
 *
 * Header-only on purpose: the Makefile builds every tests/unit/test_*.c as
 * its own program, so shared code cannot live in a .c there.
 */
#ifndef TEST_CHUNK_RECORDER_H
#define TEST_CHUNK_RECORDER_H

#include <stdlib.h>
#include <string.h>

#include "../../host-sample/assembler.h"
#include "../../plugin/core/accumulator.h"
#include "../../plugin/openai_chat/chunk_mapper.h"
#include "../../plugin/core/event_json.h"
#include "../../plugin/core/strbuf.h"
#include "../support/requote.h"

/* The Strands JSON of each event kind, in ` quoting, one line each. */
#define MSG_START "{`messageStart`:{`role`:`assistant`}}\n"
#define START "{`contentBlockStart`:{`start`:{}}}\n"
#define STOP "{`contentBlockStop`:{}}\n"
#define TEXT(t) "{`contentBlockDelta`:{`delta`:{`text`:`" t "`}}}\n"
#define REASON(t) \
    "{`contentBlockDelta`:{`delta`:{`reasoningContent`:{`text`:`" t "`}}}}\n"
#define SIG(t) \
    "{`contentBlockDelta`:{`delta`:{`reasoningContent`:{`signature`:`" t "`}}}}\n"
#define TOOL(name, id) \
    "{`contentBlockStart`:{`start`:{`toolUse`:{`name`:`" name "`,`toolUseId`:`" id "`}}}}\n"
#define TOOL_SIG(name, id, sig)                                               \
    "{`contentBlockStart`:{`start`:{`toolUse`:{`name`:`" name "`,`toolUseId`:`" \
    id "`,`reasoningSignature`:`" sig "`}}}}\n"
#define INPUT(t) "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`" t "`}}}}\n"
#define MSG_STOP(r) "{`messageStop`:{`stopReason`:`" r "`}}\n"
#define USAGE(i, o, t) \
    "{`metadata`:{`usage`:{`inputTokens`:" #i ",`outputTokens`:" #o \
    ",`totalTokens`:" #t "},`metrics`:{`latencyMs`:0,`timeToFirstByteMs`:0}}}\n"

typedef struct recorder {
    strbuf lines;        /* each event's JSON followed by '\n'          */
    int count;           /* events received                             */
    int cancel_at;       /* return non-zero on this event number (1-based) */
    msg_assembler as;
    mp_accumulator *acc; /* the plugin's accumulator (ABI 1.1), fed too
                            when set                                   */
    mp_event_sink sink;
    ev_emitter em;
    chunk_mapper m;
    mp_error err;
} recorder;

static int rec_on_event(void *ctx, const mp_event_header *ev)
{
    recorder *r = ctx;
    r->count++;
    if (lp_event_to_json(ev, &r->lines) || sb_appendc(&r->lines, '\n'))
        fail_msg("event %d could not be rendered", r->count);
    if (asm_on_event(&r->as, ev))
        fail_msg("the assembler rejected event %d", r->count);
    if (r->acc && lp_acc_add(r->acc, ev))
        fail_msg("the accumulator rejected event %d", r->count);
    return r->cancel_at && r->count == r->cancel_at;
}

static inline void rec_init(recorder *r, const cm_options *opt)
{
    memset(r, 0, sizeof *r);
    sb_init(&r->lines, (size_t)1 << 28);
    asm_init(&r->as);
    r->sink.struct_size = sizeof r->sink;
    r->sink.ctx = r;
    r->sink.on_event = rec_on_event;
    ev_init(&r->em, &r->sink);
    r->err = (mp_error)MP_ERROR_INIT;
    assert_int_equal(cm_init(&r->m, &r->em, opt), MP_OK);
}

static inline void rec_free(recorder *r)
{
    cm_free(&r->m);
    asm_free(&r->as);
    sb_free(&r->lines);
}

static inline const char *rec_text(const recorder *r)
{
    return r->lines.data ? r->lines.data : "";
}

/* Test JSON is written with ` for " so it reads without escapes. */
static inline const char *Q(const char *s)
{
    return requote(s, '`');
}

/* An SSE body of "data: P\n\n" for each payload (` quoting), then
 * "data: [DONE]\n\n" if `done`.  Caller frees. */
static inline char *sse_body(const char *const *payloads, int done)
{
    strbuf b;
    sb_init(&b, (size_t)1 << 26);
    for (size_t i = 0; payloads[i]; i++)
        sb_printf(&b, "data: %s\n\n", Q(payloads[i]));
    if (done)
        sb_appends(&b, "data: [DONE]\n\n");
    return sb_detach(&b);
}

/* Feed a whole body, then end it cleanly with latency 0 / ttfb 0. */
static inline int rec_stream(recorder *r, const char *body)
{
    int rc = cm_feed(&r->m, body, strlen(body), &r->err);
    if (!rc)
        rc = cm_finish(&r->m, 0, 0, &r->err);
    return rc;
}

/* Payloads -> body -> events; returns the mapper's status. */
static inline int rec_chunks(recorder *r, const char *const *payloads,
                             int done)
{
    char *body = sse_body(payloads, done);
    int rc = rec_stream(r, body);
    free(body);
    return rc;
}

/* Assert the recorded events equal `expected` lines (` quoting, each line
 * ending in \n). */
#define assert_events(r, expected) \
    assert_string_equal(rec_text(r), Q(expected))

/* Whether s starts with a canonical lower-case UUID version 4. */
static inline int is_uuid4(const char *s)
{
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* The recorded events with every made-up tool id (reference-update 2.4:
 * "call_" and a UUID version 4) written "call_<uuid4>", after checking
 * each is well formed and that no two are the same.  *made = how many.
 * Caller frees. */
static inline char *rec_masked_ids(const recorder *r, int *made)
{
    static const char key[] = "\"toolUseId\":\"call_";
    const char *text = rec_text(r), *ids[64];
    strbuf out;
    sb_init(&out, (size_t)1 << 28);
    *made = 0;
    for (const char *p = text;;) {
        const char *hit = strstr(p, key);
        const char *u = hit ? hit + sizeof key - 1 : NULL;
        if (!hit || strlen(u) < 37 || !is_uuid4(u) || u[36] != '"') {
            if (!hit) {
                sb_appends(&out, p);
                break;
            }
            sb_append(&out, p, (size_t)(u - p)); /* a real "call_..." id */
            p = u;
            continue;
        }
        for (int i = 0; i < *made; i++)
            if (memcmp(ids[i], u, 36) == 0)
                fail_msg("the same id was made twice: %.36s", u);
        if (*made < 64)
            ids[(*made)++] = u;
        sb_append(&out, p, (size_t)(u - p));
        sb_appends(&out, "<uuid4>");
        p = u + 36;
    }
    return sb_detach(&out);
}

/* Like assert_events, with `n` made-up ids written call_<uuid4>. */
#define assert_events_made_ids(r, expected, n)          \
    do {                                                \
        int made_;                                      \
        char *got_ = rec_masked_ids(r, &made_);         \
        assert_string_equal(got_, Q(expected));         \
        assert_int_equal(made_, n);                     \
        free(got_);                                     \
    } while (0)

#endif
