/*
 * chunk_mapper.h - chat-completion chunks in, Strands stream events out.
 *
 * This is the response half of the Python LiteLLMModel (reference-behaviour
 * 4.2 streaming, 4.3 non-streaming) with decisions 5 and 7-13:
 *
 *  - messageStart is emitted lazily, with the first content (or the end of
 *    the message), so a call that fails before any content delivers no
 *    events at all and may still be retried;
 *  - only choices whose `index` is 0 (a missing index counts as 0) are used;
 *  - reasoning (delta.reasoning_content, or delta.reasoning) is handled before
 *    text (delta.content as a string or as parts, delta.refusal) in a chunk,
 *    and a change of kind closes the open block and opens a new one;
 *  - tool calls are buffered by index (a new id at an index that already has
 *    another id starts a new call, decision 11) and emitted after the text
 *    and reasoning blocks when the finish_reason arrives: start (name, full
 *    id, thought signature), one delta per non-empty piece of arguments (one
 *    "" delta if there was none), stop;
 *  - messageStop follows the finish_reason at once (decision 9 mapping);
 *    later chunks are still read for usage;
 *  - usage may come on any chunk, the last non-null one wins, and exactly one
 *    metadata event closes the stream if any arrived (decisions 7, 8);
 *  - the stream is complete at its terminator (decision 26): `[DONE]`, or
 *    a chunk whose "object" is "chat.completion.done" (Perplexity, after
 *    its delta is read); nothing after it is read, and cm_complete() tells
 *    the transport to stop reading at once.  A terminator without a
 *    finish_reason ends normally (end_turn); a body that ends with neither
 *    is a network error (decision 10);
 *  - an error inside the stream becomes a typed error (decisions 12, 27),
 *    in every shape servers use: a chunk with a non-null "error" member
 *    (OpenAI, LiteLLM; OpenRouter, whose choice also says finish_reason
 *    "error"), a chunk that says it is one ("object": "error" as vLLM
 *    sends it, an "object" ending in ".error", or "type": "error"), a
 *    choice with finish_reason "error" (its "error" member, if any, says
 *    which), and `event: error`;
 *  - a chunk with no choices, no usage and no error shape is a provider's
 *    metadata (citations, a heartbeat object, a routing note): it starts
 *    the message like any chunk, and is otherwise ignored;
 *  - delta.content may be a string or a list of typed parts: text parts
 *    are text, thinking parts reasoning, also when their value is itself a
 *    list of text parts (Mistral); other part types are skipped, with one
 *    debug log per stream;
 *  - a tool call that never gets an id is given "call_<uuid4>" (reference-
 *    update 2.4);
 *  - malformed JSON or a wrong shape is MP_E_PROTOCOL with the byte offset,
 *    and so is a string for the host that is not UTF-8.
 *
 * Thread: a mapper serves one call on one thread.  Event callbacks run inside
 * cm_feed / cm_finish / cm_body_cut / cm_map_response.
 */
#ifndef LP_CHUNK_MAPPER_H
#define LP_CHUNK_MAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "../core/event_emit.h"
#include "../core/json_reader.h"
#include "../core/log.h"
#include "../core/log_scrub.h"
#include "../transport/sse_parser.h"

struct json_object;
#include "../core/strbuf.h"
#include "../core/wire.h"

/* How the mapper reads (the options every adapter's mapper takes). */
typedef lp_map_options cm_options;

/* One tool call being buffered until the finish_reason. */
typedef struct cm_tool {
    int64_t index;        /* the wire index it was grouped under          */
    strbuf id;            /* first non-empty id                           */
    strbuf name;          /* first non-empty function.name                */
    strbuf args;          /* all argument pieces, concatenated            */
    size_t *ends;         /* end offset in args of each non-empty piece   */
    size_t nends, cap_ends;
    strbuf sig_call;      /* provider_specific_fields.thought_signature   */
    strbuf sig_func;      /* function.provider_specific_fields...         */
    strbuf sig_google;    /* extra_content.google.thought_signature       */
} cm_tool;

typedef struct chunk_mapper {
    ev_emitter *em;
    cm_options opt;       /* opt.log is log_scrub's: lines quote the server */
    lp_log_scrub log_scrub;
    sse_parser sse;
    jr_doc doc;           /* the reader, reused from payload to payload  */
    const char *json;     /* the payload being mapped: a value's text is
                             json + src, src_len bytes                   */
    mp_error *err;        /* error detail of the call in progress         */
    int status;           /* 0, or the first error (sticky)               */
    int started;          /* messageStart was delivered                   */
    int finished;         /* messageStop was delivered                    */
    int done;             /* the terminator was seen ([DONE], or a
                             chat.completion.done chunk)                  */
    int skipped_part_logged; /* a skipped content part was logged       */
    int open_kind;        /* MP_BLOCK_TEXT / _REASONING open, or 0        */
    uint64_t events;      /* SSE events seen                              */
    uint64_t bytes;       /* body bytes fed                               */
    char head[32];        /* the first body bytes after leading white-
                             space, to tell what a body without events
                             was (head_len < sizeof head)                */
    size_t head_len;
    /* Where we are, for error messages (built only when one happens). */
    uint64_t at;          /* stream offset of the event being mapped      */
    int whole;            /* mapping a non-streaming body                 */
    size_t choice;        /* position of the choice being mapped          */
    /* extra_content.google/vertex.thought_signature on the message itself
     * (not on a call): it goes to the first tool call. */
    strbuf msg_sig;
    /* Tool calls in first-seen order. */
    cm_tool *tools;
    size_t ntools, cap_tools;
    size_t tool_bytes;    /* charged against opt.max_tool_args           */
    /* Last usage seen. */
    int have_usage;
    int64_t in_tokens, out_tokens, total_tokens, cache_read, cache_write;
    int64_t reasoning_tokens;  /* completion_tokens_details.reasoning_tokens */
    double cost;               /* usage.cost (LiteLLM), -1 when absent    */
} chunk_mapper;

/* Returns MP_OK or MP_E_NO_MEMORY.  `em` must outlive the mapper; `opt`
 * is copied (NULL: defaults). */
int cm_init(chunk_mapper *m, ev_emitter *em, const cm_options *opt);
void cm_free(chunk_mapper *m);

/* Raw SSE body bytes as they arrive, split anywhere.  Returns MP_OK or an
 * error with `err` filled: MP_E_PROTOCOL, a typed error from a mid-stream
 * error object, MP_E_CANCELLED (the host's callback said stop),
 * MP_E_NO_MEMORY.  Errors are sticky. */
int cm_feed(chunk_mapper *m, const char *bytes, size_t len, mp_error *err);

/* The body ended cleanly.  Emits what is still due (open block closed, tool
 * blocks, messageStop, one metadata with these timings; ttfb -1 = unknown)
 * or fails: MP_E_NETWORK when neither [DONE] nor a finish_reason came. */
int cm_finish(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
              mp_error *err);

/* The body was cut short: the connection broke (`status` MP_E_NETWORK,
 * `why` curl's words) or a timeout stopped it (MP_E_TIMEOUT, `why` the
 * transport's sentence naming the timeout).  If a finish_reason or [DONE]
 * was already seen the content was complete and it finishes normally
 * (decision 10); otherwise it fails with `status`: "<why>: connection
 * closed before finish_reason" for the network, "<why>" for a timeout. */
int cm_body_cut(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                int status, const char *why, mp_error *err);

/* Whether any event was delivered yet (the transport retries only before). */
int cm_started(const chunk_mapper *m);

/* Whether the stream's terminator arrived: the answer is complete, the
 * rest of the body cannot change it, and the caller may stop reading and
 * call cm_finish (decision 26). */
int cm_complete(const chunk_mapper *m);

/* Non-streaming: one whole chat.completion JSON body to events. */
int cm_map_response(chunk_mapper *m, const char *body, size_t len,
                    int64_t latency_ms, int64_t ttfb_ms, mp_error *err);

/* ------------------------------------------------------------------------
 * Internal: shared by chunk_mapper.c, chunk_delta.c and chunk_tools.c. */

/* MP_E_PROTOCOL "<where>: <path> is a JSON <type>, expected <what>",
 * where <where> is "SSE data at byte N" or "response body" and the path is
 * printf-formatted (only ever on this error path). */
int cm_shape_error(chunk_mapper *m, const jr_val *v, const char *what,
                   const char *path_fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* MP_E_PROTOCOL "<where>: <message>". */
int cm_protocol_error(chunk_mapper *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* MP_E_PROTOCOL naming `what` (a member of the current choice's delta or
 * message) unless s[0..n) is UTF-8: every string handed to the host passes
 * here, so no host receives bytes it cannot decode. */
int cm_check_utf8(chunk_mapper *m, const char *s, size_t n, const char *what);
/* The value v of the payload being mapped, read again by json-c (strict,
 * as the chunks were read before the reader) for the code that takes
 * json-c objects: the error classifier, the JSON writer.  A JSON null is
 * MP_OK with *out NULL.  MP_E_NO_MEMORY, or MP_E_PROTOCOL (filled) when
 * json-c refuses what the reader took. */
int cm_json_c(chunk_mapper *m, const jr_val *v, struct json_object **out);
/* "delta" or "message": the name of the object cm_apply_delta reads. */
const char *cm_delta_name(const chunk_mapper *m);
/* The reasoning/text/refusal/tool_calls/signatures of one delta (streaming)
 * or message (non-streaming, m->whole). */
int cm_apply_delta(chunk_mapper *m, const jr_val *delta);
/* Buffer one tool_calls[] element; `pos` is its position in the list.  In a
 * whole message every element is its own call. */
int cm_tools_add(chunk_mapper *m, const jr_val *tc, size_t pos);
/* A message-level thought signature (Google's endpoint puts one on the
 * delta or message itself at times); the first value wins. */
int cm_tools_message_signature(chunk_mapper *m, const jr_val *delta);
/* Emit the buffered tool calls as blocks and forget them. */
int cm_tools_emit(chunk_mapper *m);
void cm_tools_free(chunk_mapper *m);
/* messageStart, unless it went out already. */
int cm_message_start(chunk_mapper *m);
/* Close the open block, emit tools, then messageStop for `raw` (NULL:
 * end_turn). */
int cm_finish_message(chunk_mapper *m, const char *raw, size_t raw_len);
/* Read a chunk's `usage` member, `u` (NULL when absent, or null:
 * nothing). */
int cm_read_usage(chunk_mapper *m, const jr_val *u);
/* The final metadata event, if usage arrived. */
int cm_emit_metadata(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms);
/* Structured output's check of a whole answer: the reference's checks on
 * the choices of the body (the mapper reads only choice 0): none -> "No
 * choices found in the response", more than one -> "Multiple choices found
 * in the response", both MP_E_PROTOCOL. */
int cm_check_single_choice(const char *body, size_t len, mp_error *err);

/* Map finish_reason text to mp_stop_reason (decision 9). */
int cm_stop_reason(const char *raw, size_t len);

#endif
