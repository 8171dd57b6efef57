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
    /* One tokener for the whole stream, reset per payload: no per-chunk
     * allocation of parser state. */
    m->tok = json_tokener_new_ex(CM_JSON_DEPTH);
    if (!m->tok)
        return MP_E_NO_MEMORY;
    /* No JSON_TOKENER_VALIDATE_UTF8: it costs a tenth of the per-chunk
     * time, checks only the byte structure, and covers keys we never use.
     * The strings handed to the host are checked instead (cm_check_utf8). */
    json_tokener_set_flags(m->tok, JSON_TOKENER_STRICT);
    return MP_OK;
}

void cm_free(chunk_mapper *m)
{
    sse_free(&m->sse);
    if (m->tok)
        json_tokener_free(m->tok);
    m->tok = NULL;
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

int cm_shape_error(chunk_mapper *m, json_object *v, const char *what,
                   const char *path_fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, path_fmt);
    lp_vformat(path, sizeof path, path_fmt, ap);
    va_end(ap);
    return cm_protocol_error(m, "%s is a JSON %s, expected %s", path,
                             lp_json_type_name(v), what);
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

/* Parse one payload with the shared tokener; NULL root on error (filled). */
static int parse_payload(chunk_mapper *m, const char *data, size_t len,
                         json_object **root)
{
    *root = NULL;
    if (len > (size_t)INT32_MAX)
        return cm_protocol_error(m, "JSON payload too large");
    json_tokener_reset(m->tok);
    errno = 0; /* json-c 0.16 reports a failed allocation as bad syntax */
    json_object *v = lp_json_tokener_parse(m->tok, data, len);
    enum json_tokener_error jerr = json_tokener_get_error(m->tok);
    if (!v && errno == ENOMEM)
        return MP_E_NO_MEMORY;
    if (!v) {
        if (jerr == json_tokener_continue || jerr == json_tokener_success)
            return cm_protocol_error(m, "invalid JSON: unexpected end of "
                                     "input after %zu bytes", len);
        return cm_protocol_error(m, "invalid JSON at payload byte %zu: %s",
                                 json_tokener_get_parse_end(m->tok),
                                 json_tokener_error_desc(jerr));
    }
    for (size_t i = json_tokener_get_parse_end(m->tok); i < len; i++) {
        char c = data[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            json_object_put(v);
            return cm_protocol_error(m, "invalid JSON: unexpected data after "
                                     "the value at payload byte %zu", i);
        }
    }
    *root = v;
    return MP_OK;
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
static int mid_stream_error(chunk_mapper *m, json_object *error_obj)
{
    int rc = ec_classify_error_object(error_obj, 0, m->opt.secrets, m->err);
    return rc ? rc : MP_E_SERVER; /* an error object always fails the call */
}

/* finish_reason "error" (decision 27; OpenRouter sends it with a
 * top-level error, which map_chunk reads first): the answer was cut off by
 * a failure, never finished.  The choice's own "error" member, when there
 * is one, says which. */
static int choice_error(chunk_mapper *m, json_object *error_obj)
{
    if (error_obj && !json_object_is_type(error_obj, json_type_null))
        return mid_stream_error(m, error_obj);
    return lp_fail(m->err, MP_E_SERVER, "stream error: choices[%zu] ended "
                   "with finish_reason \"error\" and no error object (the "
                   "answer is incomplete)", m->choice);
}

/* The members of a choice we read, in one pass (see chunk_delta.c). */
typedef struct choice_fields {
    json_object *index, *body, *finish_reason, *error;
} choice_fields;

static void choice_members(const chunk_mapper *m, json_object *choice,
                           choice_fields *f)
{
    const char *body = cm_delta_name(m);
    memset(f, 0, sizeof *f);
    json_object_object_foreach(choice, key, val) {
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
static int choice_index(chunk_mapper *m, json_object *v, int64_t *idx)
{
    *idx = 0;
    if (!v || json_object_is_type(v, json_type_null))
        return MP_OK;
    if (!json_object_is_type(v, json_type_int))
        return cm_shape_error(m, v, "an integer", "choices[%zu].index",
                              m->choice);
    *idx = json_object_get_int64(v);
    return MP_OK;
}

static int map_choice(chunk_mapper *m, const choice_fields *f)
{
    json_object *v = f->body;
    if (v && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_object))
            return cm_shape_error(m, v, "an object", "choices[%zu].%s",
                                  m->choice, cm_delta_name(m));
        int rc = cm_apply_delta(m, v);
        if (rc)
            return rc;
    }
    v = f->finish_reason;
    if (!v || json_object_is_type(v, json_type_null))
        return m->whole ? cm_finish_message(m, NULL, 0) : MP_OK;
    if (!json_object_is_type(v, json_type_string))
        return cm_shape_error(m, v, "a string", "choices[%zu].finish_reason",
                              m->choice);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0) /* "" is no finish reason, as in the reference */
        return m->whole ? cm_finish_message(m, NULL, 0) : MP_OK;
    if (n == 5 && memcmp(json_object_get_string(v), "error", 5) == 0)
        return choice_error(m, f->error);
    int rc = cm_check_utf8(m, json_object_get_string(v), n, "finish_reason");
    return rc ? rc : cm_finish_message(m, json_object_get_string(v), n);
}

/* The choices of a chunk; only index 0 counts, wherever it sits.  Returns
 * through *seen whether a choice 0 was there. */
static int map_choices(chunk_mapper *m, json_object *choices, int *seen)
{
    *seen = 0;
    if (!choices || json_object_is_type(choices, json_type_null))
        return MP_OK;
    if (!json_object_is_type(choices, json_type_array))
        return cm_shape_error(m, choices, "an array", "choices");
    size_t n = json_object_array_length(choices);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(choices, i);
        m->choice = i;
        if (!json_object_is_type(c, json_type_object))
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
static int says_error(json_object *object, json_object *type)
{
    if (object && json_object_is_type(object, json_type_string)) {
        const char *o = json_object_get_string(object);
        size_t n = (size_t)json_object_get_string_len(object);
        if ((n == 5 && memcmp(o, "error", 5) == 0) ||
            (n > 6 && memcmp(o + n - 6, ".error", 6) == 0))
            return 1;
    }
    return type && json_object_is_type(type, json_type_string) &&
           strcmp(json_object_get_string(type), "error") == 0;
}

/* Perplexity's last chunk: it still carries a delta (and the last usage),
 * and nothing after it belongs to the answer. */
static int is_done_object(json_object *object)
{
    return object && json_object_is_type(object, json_type_string) &&
           strcmp(json_object_get_string(object), "chat.completion.done") == 0;
}

/* The members of a chunk (or whole answer) we read, in one pass over its
 * keys: a lookup by name hashes the name each time, and at a few
 * thousand chunks a second those hashes were a visible part of the
 * mapping's cost. */
typedef struct root_fields {
    json_object *error, *object, *type, *choices, *usage;
} root_fields;

static void root_members(json_object *root, root_fields *f)
{
    memset(f, 0, sizeof *f);
    json_object_object_foreach(root, key, val) {
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
static int map_chunk(chunk_mapper *m, json_object *root, int error_event)
{
    if (!json_object_is_type(root, json_type_object)) {
        if (error_event)
            return mid_stream_error(m, root);
        return cm_shape_error(m, root, "an object", "the chunk");
    }
    root_fields f;
    root_members(root, &f);
    if (f.error && !json_object_is_type(f.error, json_type_null))
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
    json_object *root;
    int rc = parse_payload(m, data, len, &root);
    if (rc && error_event) {
        /* `event: error` with plain text: still the server's error. */
        json_object *text = json_object_new_string_len(data, (int)len);
        if (!text)
            return MP_E_NO_MEMORY;
        lp_error_clear(m->err);
        rc = mid_stream_error(m, text);
        json_object_put(text);
        return rc;
    }
    if (rc)
        return rc;
    rc = map_chunk(m, root, error_event);
    json_object_put(root); /* done with this chunk: free it right away */
    return rc;
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
static int64_t count(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        return -1;
    if (!json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return -1;
    int64_t n = json_object_get_int64(v);
    return n < 0 ? -1 : n;
}

/* A non-negative amount (LiteLLM's usage.cost, in USD), or -1. */
static double amount(json_object *obj, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) ||
        !(json_object_is_type(v, json_type_double) ||
          json_object_is_type(v, json_type_int)))
        return -1;
    double d = json_object_get_double(v);
    return d >= 0 ? d : -1;
}

int cm_read_usage(chunk_mapper *m, json_object *u)
{
    json_object *details = NULL;
    if (!u || json_object_is_type(u, json_type_null))
        return MP_OK; /* decision 7: a null usage is skipped */
    if (!json_object_is_type(u, json_type_object))
        return cm_shape_error(m, u, "an object", "usage");
    int64_t in = count(u, "prompt_tokens");
    int64_t out = count(u, "completion_tokens");
    int64_t total = count(u, "total_tokens");
    if (in < 0 && out < 0 && total < 0)
        return MP_OK; /* no counts at all: as good as null */
    if (total < 0 && in >= 0 && out >= 0)
        total = lp_count_add(in, out);
    if (json_object_object_get_ex(u, "prompt_tokens_details", &details) &&
        !json_object_is_type(details, json_type_object))
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
    json_object *out_details = NULL;
    if (json_object_object_get_ex(u, "completion_tokens_details", &out_details) &&
        !json_object_is_type(out_details, json_type_object))
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

static int map_response(chunk_mapper *m, json_object *root)
{
    if (!json_object_is_type(root, json_type_object))
        return cm_shape_error(m, root, "an object", "the response");
    root_fields f;
    root_members(root, &f);
    if (f.error && !json_object_is_type(f.error, json_type_null))
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
    json_object *root;
    int rc = parse_payload(m, body ? body : "", body ? len : 0, &root);
    if (!rc) {
        rc = map_response(m, root);
        if (!rc)
            rc = cm_emit_metadata(m, latency_ms, ttfb_ms);
        json_object_put(root);
    }
    return settle(m, rc);
}

int cm_check_single_choice(const char *body, size_t len, mp_error *err)
{
    if (!body || len > (size_t)INT32_MAX)
        return MP_OK;
    json_tokener *tok = json_tokener_new_ex(128);
    if (!tok)
        return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of memory");
    json_object *root = lp_json_tokener_parse(tok, body, len), *choices;
    json_tokener_free(tok);
    /* The mapper has read this body already; anything odd was its call. */
    if (!json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return MP_OK;
    }
    size_t n = 0;
    if (json_object_object_get_ex(root, "choices", &choices) &&
        json_object_is_type(choices, json_type_array))
        n = json_object_array_length(choices);
    json_object_put(root);
    if (n == 0)
        return lp_fail(err, MP_E_PROTOCOL, "structured output: No choices "
                       "found in the response");
    if (n > 1)
        return lp_fail(err, MP_E_PROTOCOL, "structured output: Multiple "
                       "choices found in the response (%zu; is params.n "
                       "set?)", n);
    return MP_OK;
}
