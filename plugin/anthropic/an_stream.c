/*
 * an_stream.c - the mapper's life cycle and the events of a streamed
 * Messages API response (spec 3.1-3.2); see an_mapper.h.
 */
#include "an_mapper.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/json_reader.h"
#include "../core/json_util.h"
#include "../core/utf8.h"

#define AN_DEFAULT_LIMIT ((size_t)1 << 20)

/* Content blocks of tools Anthropic runs itself: they have no Strands
 * block, so they are skipped whole (spec 3.2, [L]). */
static const char *const server_blocks[] = {
    "server_tool_use", "web_search_tool_result", "web_fetch_tool_result",
    "code_execution_tool_result", "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result", "tool_search_tool_result",
    "mcp_tool_use", "mcp_tool_result", "container_upload", NULL};

static int on_event(void *ctx, const char *name, const char *data, size_t len,
                    uint64_t offset);

int an_mapper_init(an_mapper *m, ev_emitter *em, const lp_map_options *opt)
{
    memset(m, 0, sizeof *m);
    m->em = em;
    if (opt)
        m->opt = *opt;
    m->opt.log = lp_log_scrub_init(&m->log_scrub, m->opt.log, m->opt.secrets);
    if (!m->opt.max_line)
        m->opt.max_line = AN_DEFAULT_LIMIT;
    if (!m->opt.max_tool_args)
        m->opt.max_tool_args = AN_DEFAULT_LIMIT;
    m->open_index = -1;
    m->in = m->out = m->cache_read = m->cache_write = -1;
    sse_init(&m->sse, m->opt.max_line, on_event, m);
    sb_init(&m->cur_text, m->opt.max_line);
    sb_init(&m->cur_sig, m->opt.max_line);
    m->raw = json_object_new_array();
    /* Events are read by the answers' reader, whose buffers are reused
     * from event to event; a whole body by json-c (an_whole.c). */
    jr_init(&m->doc, AN_JSON_DEPTH);
    return m->raw ? MP_OK : MP_E_NO_MEMORY;
}

void an_mapper_free(an_mapper *m)
{
    sse_free(&m->sse);
    jr_free(&m->doc);
    json_object_put(m->raw);
    m->raw = NULL;
    m->cur = NULL;
    sb_free(&m->cur_text);
    sb_free(&m->cur_sig);
}

int an_mapper_complete(const an_mapper *m)
{
    return m->stopped && !m->status;
}

/* ------------------------------------------------------------ errors */

int an_protocol(an_mapper *m, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    size_t n = lp_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* The message may quote the server (an event type, an id), which may
     * echo a secret of the request. */
    strbuf clean;
    sb_init(&clean, 4 * sizeof msg);
    int rc = ec_scrub_formatted(msg, n, sizeof msg, m->opt.secrets, &clean);
    const char *shown = rc ? "(message not shown: out of memory)" : clean.data;
    if (m->whole)
        lp_fail(m->err, MP_E_PROTOCOL, "response body: %s", shown);
    else
        lp_fail(m->err, MP_E_PROTOCOL, "SSE event at byte %llu: %s",
                (unsigned long long)m->at, shown);
    sb_free(&clean);
    return m->status = MP_E_PROTOCOL;
}

int an_utf8(an_mapper *m, const char *s, size_t n, const char *what)
{
    size_t bad = lp_utf8_bad(s, n);
    if (bad == n)
        return MP_OK;
    return an_protocol(m, "%s is not valid UTF-8 (byte %zu)", what, bad);
}

int an_emitted(an_mapper *m, int rc)
{
    if (rc && !m->status) {
        m->status = rc;
        if (rc == MP_E_CANCELLED)
            lp_fail(m->err, rc, ev_cancel_called(m->em)
                        ? "cancelled"
                        : "stream cancelled by the host's event callback");
        else if (rc == MP_E_NO_MEMORY)
            lp_fail(m->err, rc, "out of memory while reading the response");
    }
    return m->status;
}

/* ------------------------------------------------------------ blocks */

int an_open_block(an_mapper *m, int64_t index, int open, const char *name,
                  size_t name_len, const char *id, size_t id_len)
{
    m->open_index = index;
    m->open = open;
    m->tool_bytes = 0;
    int kind = open == AO_TEXT ? MP_BLOCK_TEXT
               : open == AO_TOOL ? MP_BLOCK_TOOL_USE : MP_BLOCK_REASONING;
    if (open == AO_SKIP)
        return MP_OK;
    return an_emitted(m, ev_block_start(m->em, kind, name, name_len, id,
                                        id_len, NULL, 0));
}

int an_close_block(an_mapper *m)
{
    int open = m->open;
    m->open = AO_NONE;
    m->open_index = -1;
    if (open == AO_NONE || open == AO_SKIP)
        return m->status;
    return an_emitted(m, ev_block_stop(m->em));
}

int an_piece(an_mapper *m, int delta_kind, const char *s, size_t len)
{
    static const char *const names[] = {
        [MP_DELTA_TEXT] = "text", [MP_DELTA_REASONING_TEXT] = "thinking",
        [MP_DELTA_REASONING_SIGNATURE] = "signature",
        [MP_DELTA_TOOL_INPUT] = "partial_json"};
    if (an_utf8(m, s, len, names[delta_kind]))
        return m->status;
    if (delta_kind == MP_DELTA_TOOL_INPUT) {
        m->tool_bytes += len;
        if (m->tool_bytes > m->opt.max_tool_args)
            return an_protocol(m, "tool input of block %lld exceeds %zu bytes "
                               "(max_response_bytes)",
                               (long long)m->open_index,
                               m->opt.max_tool_args);
    }
    return an_emitted(m, ev_block_delta(m->em, delta_kind, s, len));
}

/* ------------------------------------------------------------ events */

static const jr_val *member(const jr_val *o, const char *key)
{
    return jr_get(o, key); /* NULL unless o is an object that has it */
}

static const char *string_member(const jr_val *o, const char *key,
                                 size_t *len)
{
    const jr_val *v = member(o, key);
    if (!jr_is(v, JR_STRING)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = jr_len(v);
    return jr_str(v);
}

/* A value of the event as json-c holds it, for the code shared with whole
 * bodies (raw blocks, citations, usage, errors), which takes json-c
 * objects.  These come a few times a response; the deltas never need it.
 * NULL v gives NULL. */
static int json_c(an_mapper *m, const jr_val *v, json_object **out)
{
    *out = NULL;
    if (!v)
        return MP_OK;
    size_t bad_at;
    const char *why;
    int rc = lp_json_c_value(m->json, v, AN_JSON_DEPTH, out, &bad_at, &why);
    if (rc == MP_E_PROTOCOL)
        return an_protocol(m, "the value at payload byte %zu cannot be "
                           "handed on: %s", bad_at, why);
    return rc ? an_emitted(m, rc) : MP_OK; /* an_emitted names the error */
}

/* The event's "index": a block position (>= 0). */
static int read_index(an_mapper *m, const jr_val *ev, const char *type,
                      int64_t *out)
{
    const jr_val *v = member(ev, "index");
    if (!jr_is(v, JR_INT) || jr_int64(v) < 0)
        return an_protocol(m, "%s without a block index", type);
    *out = jr_int64(v);
    return MP_OK;
}

static int is_server_block(const char *type)
{
    for (size_t i = 0; server_blocks[i]; i++)
        if (strcmp(server_blocks[i], type) == 0)
            return 1;
    return 0;
}

static void skip_block(an_mapper *m, const jr_val *block, const char *type)
{
    const lp_logger *log = m->opt.log;
    const jr_val *code = member(member(block, "content"), "error_code");
    if (code && !jr_is(code, JR_NULL))
        /* The code as sent (a string's text, any other value's JSON), cut
         * to what a log line needs. */
        lp_log(log, MP_LOG_WARN, "block_type=<%s>, error_code=<%.*s> | "
               "server-side tool failed", type,
               (int)(jr_is(code, JR_STRING) ? (jr_len(code) < 200
                                                   ? jr_len(code) : 200)
                                            : (code->src_len < 200
                                                   ? code->src_len : 200)),
               jr_is(code, JR_STRING) ? jr_str(code) : m->json + code->src);
    else if (is_server_block(type))
        lp_log(log, MP_LOG_DEBUG, "block_type=<%s> | skipping server-side "
               "tool block", type);
    else
        lp_log(log, MP_LOG_WARN, "block_type=<%.60s> | content block type not "
               "known to this plugin, skipping it", type);
}

static int block_start(an_mapper *m, const jr_val *ev)
{
    int64_t index;
    if (read_index(m, ev, "content_block_start", &index))
        return m->status;
    if (m->open != AO_NONE)
        return an_protocol(m, "content_block_start %lld while block %lld is "
                           "still open", (long long)index,
                           (long long)m->open_index);
    const jr_val *block = member(ev, "content_block");
    const char *type = string_member(block, "type", NULL);
    if (!type)
        return an_protocol(m, "content_block_start %lld without a "
                           "content_block type", (long long)index);
    json_object *kept;
    if (json_c(m, block, &kept))
        return m->status;
    an_raw_start(m, kept); /* takes its own reference */
    json_object_put(kept);
    size_t len, id_len;
    const char *s;
    if (strcmp(type, "text") == 0) {
        if (an_open_block(m, index, AO_TEXT, NULL, 0, NULL, 0))
            return m->status;
        const jr_val *cites = member(block, "citations");
        size_t n = jr_is(cites, JR_ARRAY) ? jr_len(cites) : 0;
        const jr_val *c = jr_first(cites);
        for (size_t i = 0; i < n && !m->status; i++, c = jr_next(c)) {
            json_object *jc;
            if (!json_c(m, c, &jc))
                an_emit_citation(m, jc);
            json_object_put(jc);
        }
        /* Nothing after a failed citation: its error stands. */
        if (!m->status && (s = string_member(block, "text", &len)) && len)
            an_piece(m, MP_DELTA_TEXT, s, len);
    } else if (strcmp(type, "tool_use") == 0) {
        const char *name = string_member(block, "name", &len);
        const char *id = string_member(block, "id", &id_len);
        if (!name || !len || !id || !id_len)
            return an_protocol(m, "tool_use block %lld without a name or id",
                               (long long)index);
        if (an_utf8(m, name, len, "tool name") ||
            an_utf8(m, id, id_len, "tool use id"))
            return m->status;
        /* Started at once, before any input (spec 3.2). */
        an_open_block(m, index, AO_TOOL, name, len, id, id_len);
    } else if (strcmp(type, "thinking") == 0) {
        if (an_open_block(m, index, AO_THINKING, NULL, 0, NULL, 0))
            return m->status;
        if ((s = string_member(block, "thinking", &len)) && len)
            an_piece(m, MP_DELTA_REASONING_TEXT, s, len);
        if (!m->status && (s = string_member(block, "signature", &len)) &&
            len)
            an_piece(m, MP_DELTA_REASONING_SIGNATURE, s, len);
    } else if (strcmp(type, "redacted_thinking") == 0) {
        s = string_member(block, "data", &len);
        if (!s)
            return an_protocol(m, "redacted_thinking block %lld without "
                               "data", (long long)index);
        if (an_utf8(m, s, len, "redacted thinking"))
            return m->status;
        an_emit_redacted(m, index, s, len);
    } else {
        skip_block(m, block, type);
        an_open_block(m, index, AO_SKIP, NULL, 0, NULL, 0);
    }
    return m->status;
}

/* A delta type that does not fit the open block. */
static int misplaced(an_mapper *m, const char *type)
{
    static const char *const names[] = {
        [AO_TEXT] = "text", [AO_TOOL] = "tool_use",
        [AO_THINKING] = "thinking", [AO_REDACTED] = "redacted_thinking"};
    return an_protocol(m, "%s in a %s block (index %lld)", type,
                       names[m->open], (long long)m->open_index);
}

/* The deltas that carry a string: their field, the block they belong
 * in, and the piece they make. */
static const struct {
    const char *type, *field;
    int open, kind;
} string_deltas[] = {
    {"text_delta", "text", AO_TEXT, MP_DELTA_TEXT},
    {"input_json_delta", "partial_json", AO_TOOL, MP_DELTA_TOOL_INPUT},
    {"thinking_delta", "thinking", AO_THINKING, MP_DELTA_REASONING_TEXT},
    {"signature_delta", "signature", AO_THINKING,
     MP_DELTA_REASONING_SIGNATURE},
};

static int block_delta(an_mapper *m, const jr_val *ev)
{
    const jr_val *d = member(ev, "delta");
    const char *type = string_member(d, "type", NULL);
    if (!type)
        return an_protocol(m, "content_block_delta without a delta type");
    size_t which = 0, n = sizeof string_deltas / sizeof *string_deltas;
    while (which < n && strcmp(type, string_deltas[which].type) != 0)
        which++;
    int citation = strcmp(type, "citations_delta") == 0;
    if (which == n && !citation) {
        /* A new delta type: Strands raises; the answer is still readable,
         * so say so and go on (spec 3.2, case 27). */
        lp_log(m->opt.log, MP_LOG_WARN, "event_type=<content_block_delta>, "
               "delta_type=<%.60s> | unknown type, ignored", type);
        return MP_OK;
    }
    int64_t index;
    if (read_index(m, ev, "content_block_delta", &index))
        return m->status;
    if (m->open == AO_NONE || index != m->open_index)
        return an_protocol(m, "content_block_delta for block %lld, which is "
                           "not open", (long long)index);
    if (citation) {
        const jr_val *c = member(d, "citation");
        if (!jr_is(c, JR_OBJECT))
            return an_protocol(m, "citations_delta without its citation");
        json_object *jc;
        if (json_c(m, c, &jc))
            return m->status;
        an_raw_citation(m, jc);
        int rc = m->open == AO_SKIP   ? MP_OK
                 : m->open == AO_TEXT ? an_emit_citation(m, jc)
                                      : misplaced(m, type);
        json_object_put(jc);
        return rc;
    }
    size_t len;
    const char *s = string_member(d, string_deltas[which].field, &len);
    if (!s)
        return an_protocol(m, "%s without its %s", type,
                           string_deltas[which].field);
    if (string_deltas[which].kind == MP_DELTA_REASONING_SIGNATURE)
        an_raw_signature(m, s, len);
    else
        an_raw_text(m, s, len);
    if (m->open == AO_SKIP) /* a server tool's input, say */
        return MP_OK;
    if (m->open != string_deltas[which].open)
        return misplaced(m, type);
    return an_piece(m, string_deltas[which].kind, s, len);
}

static int block_stop(an_mapper *m, const jr_val *ev)
{
    int64_t index;
    if (read_index(m, ev, "content_block_stop", &index))
        return m->status;
    if (m->open == AO_NONE || index != m->open_index)
        return an_protocol(m, "content_block_stop for block %lld, which is "
                           "not open", (long long)index);
    an_raw_stop(m);
    return an_close_block(m);
}

/* message_start's or message_delta's usage, read as a whole body's is. */
static int read_usage(an_mapper *m, const jr_val *usage)
{
    json_object *u;
    if (!jr_is(usage, JR_OBJECT) || json_c(m, usage, &u))
        return m->status;
    an_read_usage(m, u);
    json_object_put(u);
    return m->status;
}

static int message_start(an_mapper *m, const jr_val *ev)
{
    if (m->msg_started)
        return an_protocol(m, "a second message_start");
    m->msg_started = 1;
    const jr_val *msg = member(ev, "message");
    if (read_usage(m, member(msg, "usage")))
        return m->status;
    /* One messageStart for the whole turn, continuations included. */
    if (m->started)
        return MP_OK;
    m->started = 1;
    return an_emitted(m, ev_message_start(m->em));
}

static int message_delta(an_mapper *m, const jr_val *ev)
{
    const jr_val *d = member(ev, "delta");
    size_t len;
    const char *stop = string_member(d, "stop_reason", &len);
    if (read_usage(m, member(ev, "usage")))
        return m->status;
    if (stop) {
        if (an_utf8(m, stop, len, "stop_reason"))
            return m->status;
        m->have_stop = 1;
        lp_format(m->stop, sizeof m->stop, "%s", stop);
    }
    /* A block still open here was cut by max_tokens: it ends with what
     * arrived (spec 0). */
    if (m->open != AO_NONE) {
        an_raw_stop(m);
        an_close_block(m);
    }
    return m->status;
}

static int message_stop(an_mapper *m)
{
    if (!m->have_stop)
        return an_protocol(m, "message_stop without a stop reason (no "
                           "message_delta carried one)");
    m->stopped = 1;
    return an_end_response(m);
}

static int error_event(an_mapper *m, const jr_val *ev)
{
    json_object *error;
    if (json_c(m, member(ev, "error"), &error))
        return m->status;
    /* retryable says whether the host may try the call again; the
     * transport never does, since bytes went out (spec 5.5). */
    m->status = an_classify_error(error, 200, m->opt.secrets, m->err);
    json_object_put(error);
    return m->status;
}

static int dispatch(an_mapper *m, const jr_val *ev, const char *type)
{
    if (strcmp(type, "error") == 0)
        return error_event(m, ev);
    if (strcmp(type, "ping") == 0)
        return MP_OK;
    if (m->stopped)
        return MP_OK; /* the message is whole: what follows is not ours */
    if (strcmp(type, "message_start") == 0)
        return message_start(m, ev);
    if (!m->msg_started)
        return an_protocol(m, "%.60s before message_start", type);
    if (strcmp(type, "content_block_start") == 0)
        return block_start(m, ev);
    if (strcmp(type, "content_block_delta") == 0)
        return block_delta(m, ev);
    if (strcmp(type, "content_block_stop") == 0)
        return block_stop(m, ev);
    if (strcmp(type, "message_delta") == 0)
        return message_delta(m, ev);
    if (strcmp(type, "message_stop") == 0)
        return message_stop(m);
    /* New event types may appear (spec 3.1). */
    lp_log(m->opt.log, MP_LOG_DEBUG, "event_type=<%.60s> | not known, "
           "ignored", type);
    return MP_OK;
}

static int on_event(void *ctx, const char *name, const char *data, size_t len,
                    uint64_t offset)
{
    an_mapper *m = ctx;
    m->at = offset;
    if (m->status)
        return m->status;
    if (!len)
        return MP_OK; /* an event with no data: a keep-alive */
    m->json = data;
    const jr_val *ev;
    switch (jr_parse(&m->doc, data, len, &ev)) {
    case JR_OK:
        break;
    case JR_E_NO_MEMORY:
        return an_emitted(m, MP_E_NO_MEMORY);
    case JR_E_TRAILING:
        return an_protocol(m, "event data is not one JSON value (trailing "
                           "data at payload byte %zu)", m->doc.err_at);
    case JR_E_TOO_LARGE:
        return an_protocol(m, "event data too large");
    default:
        return an_protocol(m, "event data is not one JSON value (%s at "
                           "payload byte %zu)", m->doc.err_what
                           ? m->doc.err_what : "nested too deep",
                           m->doc.err_at);
    }
    if (!jr_is(ev, JR_OBJECT))
        return an_protocol(m, "event data is a JSON %s, expected object",
                           jr_type_name(ev));
    /* The SDK fills a missing "type" from the event name (spec 3.1). */
    const char *type = string_member(ev, "type", NULL);
    if (!type)
        type = name;
    return type ? dispatch(m, ev, type)
                : an_protocol(m, "event without a type");
}

/* ------------------------------------------------------ the core's calls */

static int failed(an_mapper *m, mp_error *err)
{
    m->err = err;
    return m->status;
}

int an_mapper_feed(an_mapper *m, const char *bytes, size_t len,
                   mp_error *err)
{
    if (failed(m, err))
        return m->status;
    m->bytes += len;
    int rc = sse_feed(&m->sse, bytes, len);
    if (rc && !m->status) {
        m->status = rc;
        if (sse_error(&m->sse)[0])
            lp_fail(err, rc, "%s", sse_error(&m->sse));
        else if (rc == MP_E_NO_MEMORY)
            lp_fail(err, rc, "out of memory while reading the response");
    }
    return m->status;
}

/* The body ended: complete if a stop reason came (spec 0, 3.7). */
static int body_ended(an_mapper *m, int status, const char *why)
{
    if (m->status)
        return m->status;
    if (!m->stopped && m->have_stop) {
        m->stopped = 1; /* after message_delta's stop reason: complete */
        if (an_end_response(m))
            return m->status;
    }
    if (m->stopped)
        return m->paused ? MP_OK : an_emit_metadata(m);
    if (!m->msg_started && status == MP_E_NETWORK && !why)
        return an_protocol(m, m->bytes ? "the response holds no "
                           "message_start event" : "the response body is "
                           "empty (expected SSE events)");
    if (status == MP_E_TIMEOUT)
        lp_fail(m->err, status, "%s", why ? why : "timed out");
    else
        lp_fail(m->err, status, "%s%sconnection closed before message_stop "
                "(%llu bytes of the response read)", why ? why : "",
                why ? ": " : "", (unsigned long long)m->bytes);
    if (LP_ERR_HAS(m->err, retryable))
        m->err->retryable = !m->started;
    return m->status = status;
}

int an_mapper_finish(an_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                     mp_error *err)
{
    if (failed(m, err))
        return m->status;
    m->latency_ms = latency_ms;
    m->ttfb_ms = ttfb_ms;
    /* A body cut after message_stop (the transport stopped reading) has
     * nothing pending worth dispatching. */
    int rc = m->stopped ? MP_OK : sse_finish(&m->sse);
    if (rc && !m->status) {
        m->status = rc;
        if (sse_error(&m->sse)[0])
            lp_fail(err, rc, "%s", sse_error(&m->sse));
    }
    return m->status ? m->status : body_ended(m, MP_E_NETWORK, NULL);
}

int an_mapper_cut(an_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                  int status, const char *why, mp_error *err)
{
    if (failed(m, err))
        return m->status;
    m->latency_ms = latency_ms;
    m->ttfb_ms = ttfb_ms;
    int rc = m->stopped ? MP_OK : sse_abort(&m->sse);
    if (rc && !m->status)
        m->status = rc;
    if (m->status)
        return m->status;
    return body_ended(m, status, why ? why : "the connection was cut");
}
