/*
 * chunk_mapper.c - the mapper's life cycle, the per-chunk path of a stream,
 * the end of a stream, and the non-streaming body; see chunk_mapper.h.
 * Deltas are read in chunk_delta.c, tool calls handled in chunk_tools.c.
 */
#include "chunk_mapper.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/counts.h"
#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/json_util.h"

#define CM_DEFAULT_LIMIT ((size_t)1 << 20)
/* Chunks nest about six levels deep; this leaves room for odd extras. */
#define CM_JSON_DEPTH 64

static int on_event(void *ctx, const char *name, const char *data, size_t len,
                    uint64_t offset);

int cm_init(chunk_mapper *m, ev_emitter *em, const cm_options *opt)
{
    memset(m, 0, sizeof *m);
    m->em = em;
    if (opt)
        m->opt = *opt;
    m->opt.log = lp_log_scrub_init(&m->log_scrub, m->opt.log, m->opt.secrets);
    if (!m->opt.max_line)
        m->opt.max_line = CM_DEFAULT_LIMIT;
    if (!m->opt.max_tool_args)
        m->opt.max_tool_args = CM_DEFAULT_LIMIT;
    sse_init(&m->sse, m->opt.max_line, on_event, m);
    sb_init(&m->msg_sig, m->opt.max_line);
    /* One reader for the whole stream: its buffers grow to the largest
     * payload and are reused, so a chunk allocates nothing.  It does not
     * check UTF-8 (nor did json-c here): the strings handed to the host
     * are checked instead (cm_check_utf8), not the keys we never use. */
    jr_init(&m->doc, CM_JSON_DEPTH);
    return MP_OK;
}

void cm_free(chunk_mapper *m)
{
    sse_free(&m->sse);
    jr_free(&m->doc);
    cm_tools_free(m);
    sb_free(&m->msg_sig);
}

int cm_started(const chunk_mapper *m)
{
    return m->started;
}

int cm_complete(const chunk_mapper *m)
{
    return m->done && !m->status;
}

/* ------------------------------------------------------------------ errors */

static void where(const chunk_mapper *m, char *buf, size_t n)
{
    if (m->whole)
        snprintf(buf, n, "response body");
    else
        snprintf(buf, n, "SSE data at byte %llu", (unsigned long long)m->at);
}

int cm_protocol_error(chunk_mapper *m, const char *fmt, ...)
{
    char w[64], msg[512];
    where(m, w, sizeof w);
    va_list ap;
    va_start(ap, fmt);
    size_t n = lp_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A message may quote what the server sent (an id), which may echo a
     * secret of the request. */
    strbuf clean;
    sb_init(&clean, 4 * sizeof msg);
    int rc = ec_scrub_formatted(msg, n, sizeof msg, m->opt.secrets, &clean);
    lp_fail(m->err, MP_E_PROTOCOL, "%s: %s", w,
            rc ? "(message not shown: out of memory)" : clean.data);
    sb_free(&clean);
    return MP_E_PROTOCOL;
}

int cm_shape_error(chunk_mapper *m, const jr_val *v, const char *what,
                   const char *path_fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, path_fmt);
    lp_vformat(path, sizeof path, path_fmt, ap);
    va_end(ap);
    return cm_protocol_error(m, "%s is a JSON %s, expected %s", path,
                             jr_type_name(v), what);
}

const char *cm_delta_name(const chunk_mapper *m)
{
    return m->whole ? "message" : "delta";
}

/* Every public entry point ends here.  Errors raised by our own checks have
 * filled `err` where they happened; the ones that come back bare from the
 * emitter (cancel), an allocation or the SSE parser get their text here.
 * The first error sticks: the stream cannot be resumed after it. */
static int settle(chunk_mapper *m, int rc)
{
    if (!rc || m->status)
        return rc;
    m->status = rc;
    if (rc == MP_E_CANCELLED)
        lp_fail(m->err, rc, ev_cancel_called(m->em)
                                ? "cancelled"
                                : "stream cancelled by the host's event callback");
    else if (rc == MP_E_NO_MEMORY)
        lp_fail(m->err, rc, "out of memory while reading the response");
    else if (sse_error(&m->sse)[0])
        lp_fail(m->err, rc, "%s", sse_error(&m->sse));
    return rc;
}

static int already_failed(chunk_mapper *m, mp_error *err)
{
    if (LP_ERR_HAS(err, code) && err->code == MP_OK)
        lp_fail(err, m->status, "the response stream already failed (%s)",
                mp_errname(m->status));
    return m->status;
}

/* ------------------------------------------------------------ the chunks */

/* Parse one payload with the mapper's reader; NULL root on error (filled).
 * The payload stays readable through m->json while it is mapped: an error
 * object is handed on as its own text (mid_stream_error). */
static int parse_payload(chunk_mapper *m, const char *data, size_t len,
                         const jr_val **root)
{
    m->json = data;
    switch (jr_parse(&m->doc, data, len, root)) {
    case JR_OK:
        return MP_OK;
    case JR_E_NO_MEMORY:
        return MP_E_NO_MEMORY;
    case JR_E_TOO_LARGE:
        return cm_protocol_error(m, "JSON payload too large");
    case JR_E_END:
        return cm_protocol_error(m, "invalid JSON: unexpected end of input "
                                 "after %zu bytes", len);
    case JR_E_DEPTH:
        return cm_protocol_error(m, "invalid JSON at payload byte %zu: "
                                 "nested deeper than %d levels",
                                 m->doc.err_at, CM_JSON_DEPTH);
    default:
        return cm_protocol_error(m, "invalid JSON at payload byte %zu: %s",
                                 m->doc.err_at, m->doc.err_what);
    }
}

int cm_message_start(chunk_mapper *m)
{
    if (m->started)
        return MP_OK;
    m->started = 1;
    return ev_message_start(m->em);
}

/* A chunk's "error" member (or a whole `event: error` payload): decision
 * 12, surfaced as the typed error it describes. */
static int classify(chunk_mapper *m, json_object *error_obj)
{
    int rc = ec_classify_error_object(error_obj, 0, m->opt.secrets, m->err);
    return rc ? rc : MP_E_SERVER; /* an error object always fails the call */
}

int cm_json_c(chunk_mapper *m, const jr_val *v, json_object **out)
{
    size_t bad_at;
    const char *why;
    int rc = lp_json_c_value(m->json, v, CM_JSON_DEPTH, out, &bad_at, &why);
    if (rc == MP_E_PROTOCOL)
        return cm_protocol_error(m, "the value at payload byte %zu cannot be "
                                 "handed on: %s", bad_at, why);
    return rc;
}

/* The classifier reads json-c objects, as it does for HTTP error bodies
 * and Anthropic's errors: the error value's own text (its span in the
 * payload) is read again for it.  Errors are rare; chunks are not. */
static int mid_stream_error(chunk_mapper *m, const jr_val *error_obj)
{
    json_object *v;
    int rc = cm_json_c(m, error_obj, &v);
    if (rc == MP_E_NO_MEMORY)
        return rc;
    if (rc) { /* what json-c cannot read still names the failure as text */
        lp_error_clear(m->err);
        v = json_object_new_string_len(m->json + error_obj->src,
                                       (int)error_obj->src_len);
        if (!v)
            return MP_E_NO_MEMORY;
    }
    rc = classify(m, v);
    json_object_put(v);
    return rc;
}

/* finish_reason "error" (decision 27; OpenRouter sends it with a
 * top-level error, which map_chunk reads first): the answer was cut off by
 * a failure, never finished.  The choice's own "error" member, when there
 * is one, says which. */
static int choice_error(chunk_mapper *m, const jr_val *error_obj)
{
    if (error_obj && !jr_is(error_obj, JR_NULL))
        return mid_stream_error(m, error_obj);
    return lp_fail(m->err, MP_E_SERVER, "stream error: choices[%zu] ended "
                   "with finish_reason \"error\" and no error object (the "
                   "answer is incomplete)", m->choice);
}

/* The members of a choice we read, in one pass (see chunk_delta.c). */
typedef struct choice_fields {
    const jr_val *index, *body, *finish_reason, *error;
} choice_fields;

static void choice_members(const chunk_mapper *m, const jr_val *choice,
                           choice_fields *f)
{
    const char *body = cm_delta_name(m);
    memset(f, 0, sizeof *f);
    JR_FOREACH_MEMBER(choice, name, val) {
        const char *key = name->u.s;
        if (strcmp(key, "index") == 0)
            f->index = val;
        else if (strcmp(key, body) == 0)
            f->body = val;
        else if (strcmp(key, "finish_reason") == 0)
            f->finish_reason = val;
        else if (strcmp(key, "error") == 0)
            f->error = val;
    }
}

/* The index of a choice: a missing or null index counts as 0. */
static int choice_index(chunk_mapper *m, const jr_val *v, int64_t *idx)
{
    *idx = 0;
    if (!v || jr_is(v, JR_NULL))
        return MP_OK;
    if (!jr_is(v, JR_INT))
        return cm_shape_error(m, v, "an integer", "choices[%zu].index",
                              m->choice);
    *idx = jr_int64(v);
    return MP_OK;
}

static int map_choice(chunk_mapper *m, const choice_fields *f)
{
    const jr_val *v = f->body;
    if (v && !jr_is(v, JR_NULL)) {
        if (!jr_is(v, JR_OBJECT))
            return cm_shape_error(m, v, "an object", "choices[%zu].%s",
                                  m->choice, cm_delta_name(m));
        int rc = cm_apply_delta(m, v);
        if (rc)
            return rc;
    }
    v = f->finish_reason;
    if (!v || jr_is(v, JR_NULL))
        return m->whole ? cm_finish_message(m, NULL, 0) : MP_OK;
    if (!jr_is(v, JR_STRING))
        return cm_shape_error(m, v, "a string", "choices[%zu].finish_reason",
                              m->choice);
    size_t n = jr_len(v);
    if (n == 0) /* "" is no finish reason, as in the reference */
        return m->whole ? cm_finish_message(m, NULL, 0) : MP_OK;
    if (n == 5 && memcmp(jr_str(v), "error", 5) == 0)
        return choice_error(m, f->error);
    int rc = cm_check_utf8(m, jr_str(v), n, "finish_reason");
    return rc ? rc : cm_finish_message(m, jr_str(v), n);
}

/* The choices of a chunk; only index 0 counts, wherever it sits.  Returns
 * through *seen whether a choice 0 was there. */
static int map_choices(chunk_mapper *m, const jr_val *choices, int *seen)
{
    *seen = 0;
    if (!choices || jr_is(choices, JR_NULL))
        return MP_OK;
    if (!jr_is(choices, JR_ARRAY))
        return cm_shape_error(m, choices, "an array", "choices");
    size_t n = jr_len(choices);
    const jr_val *c = jr_first(choices);
    for (size_t i = 0; i < n; i++, c = jr_next(c)) {
        m->choice = i;
        if (!jr_is(c, JR_OBJECT))
            return cm_shape_error(m, c, "an object", "choices[%zu]", i);
        choice_fields f;
        choice_members(m, c, &f);
        int64_t idx;
        int rc = choice_index(m, f.index, &idx);
        if (rc)
            return rc;
        /* A non-streaming body has one message; only its first choice 0
         * is used. */
        if (idx != 0 || (m->whole && *seen) || m->finished)
            continue;
        *seen = 1;
        rc = map_choice(m, &f);
        if (rc)
            return rc;
    }
    return MP_OK;
}

/* Whether a chunk without an "error" member still says it is an error:
 * vLLM's {"object":"error","message":...,"code":400}, an "object" such as
 * "chat.completion.error", or "type": "error". */
static int says_error(const jr_val *object, const jr_val *type)
{
    if (object && jr_is(object, JR_STRING)) {
        const char *o = jr_str(object);
        size_t n = jr_len(object);
        if ((n == 5 && memcmp(o, "error", 5) == 0) ||
            (n > 6 && memcmp(o + n - 6, ".error", 6) == 0))
            return 1;
    }
    return jr_is(type, JR_STRING) && strcmp(jr_str(type), "error") == 0;
}

/* Perplexity's last chunk: it still carries a delta (and the last usage),
 * and nothing after it belongs to the answer. */
static int is_done_object(const jr_val *object)
{
    return jr_is(object, JR_STRING) &&
           strcmp(jr_str(object), "chat.completion.done") == 0;
}

/* The members of a chunk (or whole answer) we read, in one pass over its
 * keys: a lookup by name hashes the name each time, and at a few
 * thousand chunks a second those hashes were a visible part of the
 * mapping's cost. */
typedef struct root_fields {
    const jr_val *error, *object, *type, *choices, *usage;
} root_fields;

static void root_members(const jr_val *root, root_fields *f)
{
    memset(f, 0, sizeof *f);
    JR_FOREACH_MEMBER(root, name, val) {
        const char *key = name->u.s;
        switch (key[0]) {
        case 'c':
            if (strcmp(key, "choices") == 0)
                f->choices = val;
            break;
        case 'e':
            if (strcmp(key, "error") == 0)
                f->error = val;
            break;
        case 'o':
            if (strcmp(key, "object") == 0)
                f->object = val;
            break;
        case 't':
            if (strcmp(key, "type") == 0)
                f->type = val;
            break;
        case 'u':
            if (strcmp(key, "usage") == 0)
                f->usage = val;
            break;
        }
    }
}

/* One parsed streaming chunk. */
static int map_chunk(chunk_mapper *m, const jr_val *root, int error_event)
{
    if (!jr_is(root, JR_OBJECT)) {
        if (error_event)
            return mid_stream_error(m, root);
        return cm_shape_error(m, root, "an object", "the chunk");
    }
    root_fields f;
    root_members(root, &f);
    if (f.error && !jr_is(f.error, JR_NULL))
        return mid_stream_error(m, f.error);
    if (error_event || says_error(f.object, f.type))
        return mid_stream_error(m, root);
    /* No messageStart yet: it goes out with the first content (or the
     * finish), so a chunk that only fails, or only says who answers,
     * leaves the call retryable. */
    int rc = MP_OK, seen;
    if (!m->finished)
        rc = map_choices(m, f.choices, &seen);
    if (!rc)
        rc = cm_read_usage(m, f.usage);
    if (!rc && is_done_object(f.object))
        m->done = 1;
    return rc;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 0;
    return 1;
}

/* The SSE parser's callback: one event's data. */
static int on_event(void *ctx, const char *name, const char *data, size_t len,
                    uint64_t offset)
{
    chunk_mapper *m = ctx;
    m->events++;
    m->at = offset;
    if (m->done)
        return MP_OK; /* nothing after [DONE] is part of the answer */
    if (sse_is_done(data, len)) {
        m->done = 1;
        return MP_OK;
    }
    if (is_blank(data, len))
        return MP_OK; /* an empty data line: keep-alive, not a chunk */
    int error_event = name && strcmp(name, "error") == 0;
    const jr_val *root;
    int rc = parse_payload(m, data, len, &root);
    if (rc && error_event) {
        /* `event: error` with plain text: still the server's error. */
        json_object *text = json_object_new_string_len(data, (int)len);
        if (!text)
            return MP_E_NO_MEMORY;
        lp_error_clear(m->err);
        rc = classify(m, text);
        json_object_put(text);
        return rc;
    }
    if (rc)
        return rc;
    return map_chunk(m, root, error_event);
}

int cm_feed(chunk_mapper *m, const char *bytes, size_t len, mp_error *err)
{
    if (m->status)
        return already_failed(m, err);
    m->err = err;
    m->bytes += len;
    if (m->done)
        return MP_OK; /* the answer is complete; trailing bytes are noise */
    for (size_t i = 0; m->head_len < sizeof m->head - 1 && i < len; i++)
        if (m->head_len || (bytes[i] != ' ' && bytes[i] != '\t' &&
                            bytes[i] != '\r' && bytes[i] != '\n'))
            m->head[m->head_len++] = bytes[i];
    return settle(m, sse_feed(&m->sse, bytes, len));
}

/* ------------------------------------------------------ end of the message */

int cm_stop_reason(const char *raw, size_t len)
{
    if (!raw)
        return MP_STOP_END_TURN;
    if (len == 10 && memcmp(raw, "tool_calls", 10) == 0)
        return MP_STOP_TOOL_USE;
    if (len == 6 && memcmp(raw, "length", 6) == 0)
        return MP_STOP_MAX_TOKENS;
    if (len == 14 && memcmp(raw, "content_filter", 14) == 0)
        return MP_STOP_CONTENT_FILTERED; /* decision 9 (reference: end_turn) */
    return MP_STOP_END_TURN;
}

int cm_finish_message(chunk_mapper *m, const char *raw, size_t raw_len)
{
    int rc = cm_message_start(m);
    if (!rc && m->open_kind) {
        m->open_kind = 0;
        rc = ev_block_stop(m->em);
    }
    if (!rc)
        rc = cm_tools_emit(m);
    if (!rc)
        rc = ev_message_stop(m->em, cm_stop_reason(raw, raw_len), raw,
                             raw_len);
    m->finished = 1;
    return rc;
}

/* A token count, or -1 when missing or not a number. */
static int64_t count(const jr_val *obj, const char *key)
{
    const jr_val *v = jr_get(obj, key); /* NULL unless obj has it */
    if (!jr_is(v, JR_INT) && !jr_is(v, JR_DOUBLE))
        return -1;
    int64_t n = jr_int64(v);
    return n < 0 ? -1 : n;
}

/* A non-negative amount (LiteLLM's usage.cost, in USD), or -1. */
static double amount(const jr_val *obj, const char *key)
{
    const jr_val *v = jr_get(obj, key);
    if (!jr_is(v, JR_DOUBLE) && !jr_is(v, JR_INT))
        return -1;
    double d = jr_double(v);
    return d >= 0 ? d : -1;
}

int cm_read_usage(chunk_mapper *m, const jr_val *u)
{
    const jr_val *details = NULL;
    if (!u || jr_is(u, JR_NULL))
        return MP_OK; /* decision 7: a null usage is skipped */
    if (!jr_is(u, JR_OBJECT))
        return cm_shape_error(m, u, "an object", "usage");
    int64_t in = count(u, "prompt_tokens");
    int64_t out = count(u, "completion_tokens");
    int64_t total = count(u, "total_tokens");
    if (in < 0 && out < 0 && total < 0)
        return MP_OK; /* no counts at all: as good as null */
    if (total < 0 && in >= 0 && out >= 0)
        total = lp_count_add(in, out);
    if (!jr_is(details = jr_get(u, "prompt_tokens_details"), JR_OBJECT))
        details = NULL;
    /* Cache reads: OpenAI's details field; Anthropic's top-level name as a
     * fallback (litellm-wire 1.10).  0 means none, as in Strands. */
    int64_t read = count(details, "cached_tokens");
    if (read <= 0)
        read = count(u, "cache_read_input_tokens");
    /* Cache writes (reference-update 2.17): OpenAI's details field when
     * non-zero, else Anthropic's top-level count, where 0 is a value (the
     * reference reports it). */
    int64_t write = count(details, "cache_write_tokens");
    if (write <= 0)
        write = count(u, "cache_creation_input_tokens");
    const jr_val *out_details = NULL;
    if (!jr_is(out_details = jr_get(u, "completion_tokens_details"),
               JR_OBJECT))
        out_details = NULL;
    m->reasoning_tokens = count(out_details, "reasoning_tokens");
    m->cost = amount(u, "cost");
    m->in_tokens = in;
    m->out_tokens = out;
    m->total_tokens = total;
    m->cache_read = read > 0 ? read : -1;
    m->cache_write = write;
    m->have_usage = 1; /* the last usage seen wins */
    return MP_OK;
}

int cm_emit_metadata(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms)
{
    if (!m->have_usage)
        return MP_OK;
    mp_event_metadata md;
    memset(&md, 0, sizeof md);
    md.input_tokens = m->in_tokens;
    md.output_tokens = m->out_tokens;
    md.total_tokens = m->total_tokens;
    md.cache_read_input_tokens = m->cache_read;
    md.cache_write_input_tokens = m->cache_write;
    md.latency_ms = latency_ms;
    md.time_to_first_byte_ms = ttfb_ms < 0 ? -1 : ttfb_ms;
    md.cost_usd = m->cost;
    md.reasoning_output_tokens = m->reasoning_tokens;
    m->have_usage = 0; /* exactly one metadata event */
    return ev_metadata(m->em, &md);
}

/* Whether a body starts like an event stream: a comment or a known field
 * (after an optional UTF-8 BOM).  Keep-alives alone are still SSE. */
static int looks_like_sse(const char *s, size_t n)
{
    static const char *const fields[] = {"data", "event", "id", "retry", NULL};
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3, n -= 3;
    if (n && s[0] == ':')
        return 1;
    for (size_t i = 0; fields[i]; i++) {
        size_t k = strlen(fields[i]);
        if (n >= k && memcmp(s, fields[i], k) == 0 &&
            (n == k || s[k] == ':' || s[k] == '\r' || s[k] == '\n'))
            return 1;
    }
    return 0;
}

/* The head bytes as printable text for a message (C-style escapes).  The
 * head is the start of what the server sent, which may echo the request's
 * Authorization header: secrets are scrubbed, a secret cut by the end of
 * the head included. */
static void show_head(const chunk_mapper *m, char *out, size_t cap)
{
    strbuf clean, shown;
    sb_init(&clean, 4 * sizeof m->head + 64);
    sb_init(&shown, 4 * (4 * sizeof m->head + 64));
    int rc = ec_scrub_cut(m->head, m->head_len, m->opt.secrets, &clean);
    for (size_t i = 0; !rc && i < clean.len; i++) {
        unsigned char c = (unsigned char)clean.data[i];
        if (c == '"' || c == '\\')
            rc = sb_printf(&shown, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            rc = sb_appendc(&shown, (char)c);
        else
            rc = sb_printf(&shown, "\\x%02x", c);
    }
    /* Escapes make text too ("f\xff" + "uzz..." reads "...ffuzz..."):
     * scrub what is shown as well. */
    sb_reset(&clean);
    if (!rc)
        rc = ec_scrub(shown.data ? shown.data : "", shown.len,
                      m->opt.secrets, &clean);
    lp_format(out, cap, "%s", rc ? "(not shown)" : clean.data ? clean.data : "");
    sb_free(&clean);
    sb_free(&shown);
}

/* What is still due once the body is over (decision 10).  `cut` is 0 for
 * a body that ended cleanly, else the status of cm_body_cut. */
static int complete(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                    int cut, const char *why)
{
    if (!m->finished && !m->done) {
        if (!cut && !m->events && m->head_len &&
            !looks_like_sse(m->head, m->head_len)) {
            /* Bytes came, but not SSE: JSON from a server that ignored
             * stream:true, an HTML page, or plain garbage. */
            char shown[160];
            show_head(m, shown, sizeof shown);
            return lp_fail(m->err, MP_E_PROTOCOL, "the response body is not "
                           "an event stream (no SSE data line in its %llu "
                           "bytes; it starts with \"%s\")",
                           (unsigned long long)m->bytes, shown);
        }
        if (!cut)
            return lp_fail(m->err, MP_E_NETWORK,
                           "stream ended before finish_reason");
        if (cut != MP_E_NETWORK)
            return lp_fail(m->err, cut, "%s", why);
        return lp_fail(m->err, MP_E_NETWORK, "%s%sconnection closed before "
                       "finish_reason", why, *why ? ": " : "");
    }
    int rc = MP_OK;
    if (!m->finished)
        rc = cm_finish_message(m, NULL, 0); /* [DONE] alone: end_turn */
    if (!rc)
        rc = cm_emit_metadata(m, latency_ms, ttfb_ms);
    return rc;
}

int cm_finish(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
              mp_error *err)
{
    if (m->status)
        return already_failed(m, err);
    m->err = err;
    int rc = sse_finish(&m->sse);
    if (!rc)
        rc = complete(m, latency_ms, ttfb_ms, 0, "");
    return settle(m, rc);
}

int cm_body_cut(chunk_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                int status, const char *why, mp_error *err)
{
    if (m->status)
        return already_failed(m, err);
    m->err = err;
    int rc = sse_abort(&m->sse);
    if (!rc)
        rc = complete(m, latency_ms, ttfb_ms,
                      status ? status : MP_E_NETWORK, why ? why : "");
    return settle(m, rc);
}

/* ------------------------------------------------------ non-streaming body */

static int map_response(chunk_mapper *m, const jr_val *root)
{
    if (!jr_is(root, JR_OBJECT))
        return cm_shape_error(m, root, "an object", "the response");
    root_fields f;
    root_members(root, &f);
    if (f.error && !jr_is(f.error, JR_NULL))
        return mid_stream_error(m, f.error);
    if (says_error(f.object, f.type))
        return mid_stream_error(m, root);
    /* Usage first: a malformed usage fails the call before any event. */
    int rc = cm_read_usage(m, f.usage);
    int seen = 0;
    if (!rc)
        rc = map_choices(m, f.choices, &seen);
    if (!rc && !m->finished)
        rc = cm_finish_message(m, NULL, 0); /* no choice 0: end_turn */
    return rc;
}

int cm_map_response(chunk_mapper *m, const char *body, size_t len,
                    int64_t latency_ms, int64_t ttfb_ms, mp_error *err)
{
    if (m->status)
        return already_failed(m, err);
    m->err = err;
    m->whole = 1;
    const jr_val *root;
    int rc = parse_payload(m, body ? body : "", body ? len : 0, &root);
    if (!rc) {
        rc = map_response(m, root);
        if (!rc)
            rc = cm_emit_metadata(m, latency_ms, ttfb_ms);
    }
    return settle(m, rc);
}

int cm_check_single_choice(const char *body, size_t len, mp_error *err)
{
    if (!body)
        return MP_OK;
    jr_doc d;
    jr_init(&d, CM_JSON_DEPTH);
    const jr_val *root;
    enum jr_status st = jr_parse(&d, body, len, &root);
    /* The mapper has read this body already; anything odd was its call. */
    if (st == JR_E_NO_MEMORY) {
        jr_free(&d);
        return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of memory");
    }
    const jr_val *choices = st == JR_OK ? jr_get(root, "choices") : NULL;
    size_t n = jr_is(choices, JR_ARRAY) ? jr_len(choices) : 0;
    int object = st == JR_OK && jr_is(root, JR_OBJECT);
    jr_free(&d);
    if (!object)
        return MP_OK;
    if (n == 0)
        return lp_fail(err, MP_E_PROTOCOL, "structured output: No choices "
                       "found in the response");
    if (n > 1)
        return lp_fail(err, MP_E_PROTOCOL, "structured output: Multiple "
                       "choices found in the response (%zu; is params.n "
                       "set?)", n);
    return MP_OK;
}
