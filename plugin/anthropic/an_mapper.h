/*
 * an_mapper.h - Messages API responses in, Strands stream events out
 * (spec sections 3-5): the adapter's response mapper.
 *
 *  - streamed: every event of section 3.2 (an_stream.c): message_start
 *    opens the message; content blocks keep the wire's order (thinking,
 *    text, tool_use as sent; tool input streamed live); server-tool blocks
 *    (server_tool_use, web_search_tool_result, ...) and unknown block
 *    types are skipped whole; ping and unknown event types produce
 *    nothing; citations and redacted thinking become their own deltas
 *    (an_emit.c); message_delta carries the stop reason and cumulative
 *    usage; message_stop ends the message at once, whatever the
 *    connection does next (an_mapper_complete);
 *  - whole: one message body (an_whole.c, section 4);
 *  - the end (an_finish.c): one messageStop with the mapped stop reason
 *    (3.6) and one metadata event with usage inclusive of cached input
 *    (section 0) and real latency; a body that ends after a stop reason
 *    but before message_stop is complete, one that ends before any stop
 *    reason is a network error, never a finished answer (3.7);
 *  - pause_turn (a server-side tool loop Anthropic paused): the content
 *    so far goes back as an assistant message and the answer continues in
 *    the same message, at most 10 times (an_mapper_next_request);
 *  - an `error` event inside a 200 stream is a typed error (5.5), never
 *    retried, with no messageStop or metadata after it.
 *
 * Block indices: the host's blocks are numbered by the emitter, in order
 * and without gaps (the ABI's rule), so a skipped server block leaves no
 * hole; the mapper checks that each delta and stop belongs to the block
 * the wire opened.
 *
 * Thread: one mapper serves one call on one thread.
 */
#ifndef LP_AN_MAPPER_H
#define LP_AN_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/event_emit.h"
#include "../core/log_scrub.h"
#include "../core/strbuf.h"
#include "../core/wire.h"
#include "../transport/sse_parser.h"
#include "../core/json_reader.h"

struct json_object;

/* Events and bodies nest a few levels; a web search result a few more. */
#define AN_JSON_DEPTH 64

/* What the open wire block is to the host. */
enum an_open {
    AO_NONE = 0,
    AO_TEXT,
    AO_TOOL,
    AO_THINKING,
    AO_REDACTED, /* a reasoning block holding redacted thinking */
    AO_SKIP      /* a server-tool or unknown block: nothing delivered */
};

typedef struct an_mapper {
    ev_emitter *em;
    lp_map_options opt;   /* opt.log is log_scrub's: lines quote the server */
    lp_log_scrub log_scrub;
    sse_parser sse;
    jr_doc doc;            /* the events (an_stream.c), reused           */
    const char *json;      /* the event being mapped: its values' text   */
    mp_error *err;
    int status;            /* 0, or the first error (sticky)             */
    uint64_t at;           /* stream offset of the event being mapped    */
    int whole;             /* mapping a whole body                       */
    uint64_t bytes;        /* body bytes of this response                */

    /* This response. */
    int msg_started;       /* its message_start was read                 */
    int stopped;           /* its message_stop was read                  */
    int have_stop;         /* a stop_reason arrived                      */
    char stop[64];         /* that stop_reason, as sent                  */
    int64_t open_index;    /* wire index of the open block, -1: none     */
    int open;              /* enum an_open                               */
    size_t tool_bytes;     /* input received for the open tool block     */
    int64_t in, out, cache_read, cache_write; /* usage, -1 unknown       */

    /* The whole turn (across pause_turn continuations). */
    int started;           /* messageStart was delivered                 */
    int finished;          /* messageStop was delivered                  */
    int paused;            /* this response ended with pause_turn        */
    int continuations;
    int64_t sum_in, sum_out, sum_cache_read, sum_cache_write;
    int usage_seen;
    int64_t latency_ms, ttfb_ms;

    /* The content as returned (for a continuation request): the blocks
     * of this response, rebuilt from the events (an_raw.c). */
    struct json_object *raw;   /* array                                 */
    struct json_object *cur;   /* the block being streamed (in raw)     */
    strbuf cur_text;           /* its text / thinking / partial JSON    */
    strbuf cur_sig;            /* its signature                         */
    size_t raw_bytes;
    int raw_lost;              /* too big to keep: cannot continue      */
} an_mapper;

int an_mapper_init(an_mapper *m, ev_emitter *em, const lp_map_options *opt);
void an_mapper_free(an_mapper *m);

/* The core's calls (core/wire.h). */
int an_mapper_feed(an_mapper *m, const char *bytes, size_t len,
                   mp_error *err);
int an_mapper_finish(an_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                     mp_error *err);
int an_mapper_cut(an_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                  int status, const char *why, mp_error *err);
int an_mapper_whole(an_mapper *m, const char *body, size_t len,
                    int64_t latency_ms, int64_t ttfb_ms, mp_error *err);
/* message_stop was read: nothing more of this response is needed. */
int an_mapper_complete(const an_mapper *m);
/* After a response ended with pause_turn: 1 with `body` rewritten (the
 * paused content appended as an assistant message) when the turn goes
 * on, 0 when it is over (events all delivered), or an error. */
int an_mapper_next_request(an_mapper *m, strbuf *body, mp_error *err);

/* ---- internal, shared by the an_*.c files of the response side ---- */

/* MP_E_PROTOCOL "<where>: <message>" (sticky). */
int an_protocol(an_mapper *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* MP_E_PROTOCOL unless s[0..n) is UTF-8 (every string the host gets). */
int an_utf8(an_mapper *m, const char *s, size_t n, const char *what);
/* The emitter's status after a call, made sticky here. */
int an_emitted(an_mapper *m, int rc);

/* Blocks, by what the wire block is.  an_open_block starts it for the
 * host (not for AO_SKIP); an_close_block stops it. */
int an_open_block(an_mapper *m, int64_t index, int open, const char *name,
                  size_t name_len, const char *id, size_t id_len);
int an_close_block(an_mapper *m);
/* A piece of the open block (text, reasoning, signature, tool input). */
int an_piece(an_mapper *m, int delta_kind, const char *s, size_t len);

/* Usage of a message_start or message_delta (`cumulative`: only the
 * fields present replace the ones known). */
void an_read_usage(an_mapper *m, struct json_object *usage);
/* The content of one response is over (message_stop, or the body ended
 * after a stop reason): the open block closes, then messageStop, or for
 * pause_turn nothing yet (m->paused). */
int an_end_response(an_mapper *m);
/* The one metadata event of the turn (usage summed over continuations,
 * cached input included in inputTokens: spec 0). */
int an_emit_metadata(an_mapper *m);

/* Stop reasons (3.6): the mp_stop_reason for a wire reason; *known 0 for
 * a reason this plugin does not know (then end_turn). */
int an_stop_reason(const char *raw, int *known);

/* Redacted thinking and citations (an_emit.c, ABI 1.1's delta kinds):
 * an_emit_redacted opens a reasoning block holding `data`;
 * an_emit_citation adds one citation (its Strands JSON) to the open text
 * block. */
int an_emit_redacted(an_mapper *m, int64_t index, const char *data,
                     size_t len);
int an_emit_citation(an_mapper *m, struct json_object *citation);

/* A citation object of the wire as its Strands JSON (3.4), appended to
 * `out`; an unknown location type is logged and left out. */
int an_citation_json(struct json_object *citation, const lp_logger *log,
                     strbuf *out);

/* The raw content kept for a continuation (an_raw.c). */
void an_raw_start(an_mapper *m, struct json_object *block);
void an_raw_text(an_mapper *m, const char *s, size_t len);
void an_raw_signature(an_mapper *m, const char *s, size_t len);
void an_raw_citation(an_mapper *m, struct json_object *citation);
void an_raw_stop(an_mapper *m);
void an_raw_reset(an_mapper *m);

/* A typed error for an Anthropic error object {"type","message"} (5.2,
 * 5.5); `http_status` 200 for an error event inside a stream. */
int an_classify_error(struct json_object *error_obj, int http_status,
                      const char *const *secrets, mp_error *err);
/* The adapter's classify_http (an_errors.c). */
int an_classify_http(const lp_http_reply *reply, const char *const *secrets,
                     mp_error *err);

#endif
