/* assembler.c - the Strands assistant message from events; see assembler.h. */
#include "assembler.h"

#include <stdlib.h>
#include <string.h>

/* Whether the producer's event struct (sized ev->size) has `field`. */
#define HAS(ev, type, field) \
    ((ev)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

void asm_init(msg_assembler *a)
{
    memset(a, 0, sizeof *a);
    a->info.remaining_requests = a->info.remaining_tokens = -1;
}

static void text_free(asm_text *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}

static void tool_reset(msg_assembler *a)
{
    free(a->tool_id);
    free(a->tool_name);
    free(a->tool_sig);
    a->tool_id = a->tool_name = a->tool_sig = NULL;
    a->tool_id_len = a->tool_name_len = a->tool_sig_len = 0;
    a->tool_input.len = 0;
    a->in_tool = 0;
}

void asm_free(msg_assembler *a)
{
    tool_reset(a);
    text_free(&a->text);
    text_free(&a->reasoning);
    text_free(&a->signature);
    text_free(&a->tool_input);
    text_free(&a->redacted);
    json_object_put(a->citations);
    json_object_put(a->content);
    json_object_put(a->usage);
    json_object_put(a->metrics);
    json_object_put(a->bad_inputs);
    memset(a, 0, sizeof *a);
}

static int append(asm_text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->data, cap);
        if (!p)
            return -1;
        t->data = p;
        t->cap = cap;
    }
    if (n)
        memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
    return 0;
}

/* A private copy of a borrowed string (events live only for the call). */
static int dup_str(mp_str s, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!s.ptr)
        return 0;
    *out = malloc(s.len + 1);
    if (!*out)
        return -1;
    memcpy(*out, s.ptr, s.len);
    (*out)[s.len] = '\0';
    *len = s.len;
    return 0;
}

static json_object *str_obj(const char *s, size_t n)
{
    return json_object_new_string_len(s ? s : "", (int)n);
}

/* Python's json.loads on the tool input, with Strands' fallback: an empty
 * or invalid input is {} (and *invalid is set for a non-empty one). */
static json_object *parse_input(const asm_text *t, int *invalid)
{
    *invalid = 0;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* The text is NUL-terminated; handing json-c that NUL too lets it end
     * a bare top-level number or literal ("5", "true"), as json.loads does. */
    const char *s = t->data ? t->data : "";
    json_object *v = json_tokener_parse_ex(tok, s, (int)t->len + 1);
    int ok = json_tokener_get_error(tok) == json_tokener_success;
    size_t end = json_tokener_get_parse_end(tok);
    while (ok && end < t->len && strchr(" \t\r\n", s[end]))
        end++;
    json_tokener_free(tok);
    if (ok && end == t->len && t->len)
        return v; /* may be NULL: json-c's JSON null */
    json_object_put(v);
    *invalid = t->len > 0;
    return json_object_new_object();
}

static int add_block(msg_assembler *a, const char *key, json_object *value)
{
    json_object *block = json_object_new_object();
    if (!block || !value) {
        json_object_put(block);
        json_object_put(value);
        return -1;
    }
    json_object_object_add(block, key, value);
    if (!a->content && !(a->content = json_object_new_array())) {
        json_object_put(block);
        return -1;
    }
    json_object_array_add(a->content, block);
    return 0;
}

static int close_tool(msg_assembler *a)
{
    /* A tool use without an id or a name cannot be answered: Strands drops
     * the block (reference-update 2.26; its warning says the model may be
     * using a non-standard streaming format). */
    if (!a->tool_id_len || !a->tool_name_len) {
        a->dropped_tools++;
        tool_reset(a);
        return 0;
    }
    json_object *tu = json_object_new_object();
    if (!tu)
        return -1;
    json_object_object_add(tu, "toolUseId",
                           a->tool_id ? str_obj(a->tool_id, a->tool_id_len)
                                      : NULL);
    json_object_object_add(tu, "name",
                           a->tool_name ? str_obj(a->tool_name,
                                                  a->tool_name_len)
                                        : NULL);
    int invalid;
    json_object_object_add(tu, "input", parse_input(&a->tool_input, &invalid));
    if (a->tool_sig && a->tool_sig_len)
        json_object_object_add(tu, "reasoningSignature",
                               str_obj(a->tool_sig, a->tool_sig_len));
    if (invalid && a->tool_id) {
        if (!a->bad_inputs && !(a->bad_inputs = json_object_new_array()))
            return -1;
        json_object_array_add(a->bad_inputs,
                              str_obj(a->tool_id, a->tool_id_len));
    }
    tool_reset(a);
    a->saw_tool = 1;
    return add_block(a, "toolUse", tu);
}

static int close_reasoning(msg_assembler *a)
{
    json_object *rt = json_object_new_object();
    json_object *rc = json_object_new_object();
    if (!rt || !rc) {
        json_object_put(rt);
        json_object_put(rc);
        return -1;
    }
    json_object_object_add(rt, "text",
                           str_obj(a->reasoning.data, a->reasoning.len));
    if (a->signature.len)
        json_object_object_add(rt, "signature",
                               str_obj(a->signature.data, a->signature.len));
    json_object_object_add(rc, "reasoningText", rt);
    /* Strands keeps a signature across blocks; we start each reasoning
     * block afresh so one block's signature never lands on the next. */
    a->reasoning.len = 0;
    a->signature.len = 0;
    return add_block(a, "reasoningContent", rc);
}

/* Bytes as standard base64 (how JSON carries Strands' redactedContent). */
static json_object *base64_obj(const asm_text *t)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)t->data;
    size_t n = t->len, o = 0;
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = digits[v >> 18];
        out[o++] = digits[(v >> 12) & 63];
        out[o++] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? digits[v & 63] : '=';
    }
    json_object *s = json_object_new_string_len(out, (int)o);
    free(out);
    return s;
}

static int close_redacted(msg_assembler *a)
{
    json_object *rc = json_object_new_object();
    json_object *b64 = base64_obj(&a->redacted);
    if (!rc || !b64) {
        json_object_put(rc);
        json_object_put(b64);
        return -1;
    }
    json_object_object_add(rc, "redactedContent", b64);
    return add_block(a, "reasoningContent", rc);
}

/* Text that came with citations: Strands' citationsContent block. */
static int close_cited_text(msg_assembler *a)
{
    json_object *cc = json_object_new_object();
    json_object *content = json_object_new_array();
    json_object *piece = json_object_new_object();
    if (!cc || !content || !piece) {
        json_object_put(cc);
        json_object_put(content);
        json_object_put(piece);
        return -1;
    }
    json_object_object_add(piece, "text", str_obj(a->text.data, a->text.len));
    json_object_array_add(content, piece);
    json_object_object_add(cc, "citations", a->citations);
    a->citations = NULL;
    json_object_object_add(cc, "content", content);
    return add_block(a, "citationsContent", cc);
}

/* The first matching rule of Strands' handle_content_block_stop; the
 * block's signature, citations and redacted bytes go with it either way. */
static int block_stop(msg_assembler *a)
{
    int rc = 0;
    if (a->in_tool)
        rc = close_tool(a);
    else if (a->text.len)
        rc = a->citations ? close_cited_text(a)
                          : add_block(a, "text", str_obj(a->text.data, a->text.len));
    /* A reasoning block counts when it has text or a signature (reference-
     * update 2.26: a block may carry only the signature). */
    else if (a->reasoning.len || a->signature.len)
        rc = close_reasoning(a);
    else if (a->redacted.len)
        rc = close_redacted(a);
    a->text.len = a->reasoning.len = a->signature.len = a->redacted.len = 0;
    json_object_put(a->citations);
    a->citations = NULL;
    return rc;
}

/* One citation delta: a JSON object (the plugin's contract); anything
 * else is a malformed event. */
static int add_citation(msg_assembler *a, const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return -1;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *c = json_tokener_parse_ex(tok, s, (int)n);
    int ok = json_tokener_get_error(tok) == json_tokener_success &&
             json_tokener_get_parse_end(tok) == n &&
             json_object_is_type(c, json_type_object);
    json_tokener_free(tok);
    if (!ok || (!a->citations && !(a->citations = json_object_new_array()))) {
        json_object_put(c);
        return -1;
    }
    return json_object_array_add(a->citations, c);
}

static int block_start(msg_assembler *a, const mp_event_header *ev)
{
    const mp_event_block_start *e = (const mp_event_block_start *)ev;
    if (!HAS(ev, mp_event_block_start, kind))
        return -1;
    if (e->kind != MP_BLOCK_TOOL_USE)
        return 0;
    if (!HAS(ev, mp_event_block_start, tool_use_id))
        return -1;
    tool_reset(a);
    a->in_tool = 1;
    if (dup_str(e->tool_use_id, &a->tool_id, &a->tool_id_len) ||
        dup_str(e->tool_name, &a->tool_name, &a->tool_name_len))
        return -1;
    if (HAS(ev, mp_event_block_start, reasoning_signature) &&
        dup_str(e->reasoning_signature, &a->tool_sig, &a->tool_sig_len))
        return -1;
    return 0;
}

static int block_delta(msg_assembler *a, const mp_event_header *ev)
{
    const mp_event_block_delta *e = (const mp_event_block_delta *)ev;
    if (!HAS(ev, mp_event_block_delta, text))
        return -1;
    const char *s = e->text.ptr ? e->text.ptr : "";
    size_t n = e->text.ptr ? e->text.len : 0;
    switch (e->kind) {
    case MP_DELTA_TEXT: return append(&a->text, s, n);
    case MP_DELTA_REASONING_TEXT: return append(&a->reasoning, s, n);
    case MP_DELTA_REASONING_SIGNATURE: return append(&a->signature, s, n);
    case MP_DELTA_TOOL_INPUT:
        return a->in_tool ? append(&a->tool_input, s, n) : 0;
    case MP_DELTA_REDACTED_REASONING: return append(&a->redacted, s, n);
    case MP_DELTA_CITATION: return add_citation(a, s, n);
    default: return 0; /* a newer kind: nothing we know to keep */
    }
}

static const char *stop_name(uint32_t r)
{
    switch (r) {
    case MP_STOP_END_TURN: return "end_turn";
    case MP_STOP_TOOL_USE: return "tool_use";
    case MP_STOP_MAX_TOKENS: return "max_tokens";
    case MP_STOP_CONTENT_FILTERED: return "content_filtered";
    case MP_STOP_STOP_SEQUENCE: return "stop_sequence";
    case MP_STOP_CANCELLED: return "cancelled";
    default: return "end_turn";
    }
}

static int add_count(json_object *o, const char *key, int64_t v)
{
    json_object *n = json_object_new_int64(v);
    return n ? json_object_object_add(o, key, n) : -1;
}

static int metadata(msg_assembler *a, const mp_event_header *ev)
{
    const mp_event_metadata *e = (const mp_event_metadata *)ev;
    if (!HAS(ev, mp_event_metadata, total_tokens))
        return -1;
    json_object *u = json_object_new_object();
    json_object *m = json_object_new_object();
    int rc = u && m ? 0 : -1;
    /* Strands' Usage defaults every required count to 0. */
    rc |= add_count(u, "inputTokens", e->input_tokens > 0 ? e->input_tokens : 0);
    rc |= add_count(u, "outputTokens", e->output_tokens > 0 ? e->output_tokens : 0);
    rc |= add_count(u, "totalTokens", e->total_tokens > 0 ? e->total_tokens : 0);
    if (HAS(ev, mp_event_metadata, cache_read_input_tokens) &&
        e->cache_read_input_tokens > 0)
        rc |= add_count(u, "cacheReadInputTokens", e->cache_read_input_tokens);
    if (HAS(ev, mp_event_metadata, cache_write_input_tokens) &&
        e->cache_write_input_tokens >= 0)
        rc |= add_count(u, "cacheWriteInputTokens",
                        e->cache_write_input_tokens);
    /* ABI 1.1 fields, under the names of event_to_json. */
    if (HAS(ev, mp_event_metadata, cost_usd) && e->cost_usd >= 0) {
        json_object *c = json_object_new_double(e->cost_usd);
        rc |= c ? json_object_object_add(u, "totalCostUsd", c) : -1;
    }
    if (HAS(ev, mp_event_metadata, reasoning_output_tokens) &&
        e->reasoning_output_tokens > 0)
        rc |= add_count(u, "reasoningOutputTokens", e->reasoning_output_tokens);
    int64_t latency = HAS(ev, mp_event_metadata, latency_ms) ? e->latency_ms : 0;
    rc |= add_count(m, "latencyMs", latency > 0 ? latency : 0);
    if (HAS(ev, mp_event_metadata, time_to_first_byte_ms) &&
        e->time_to_first_byte_ms >= 0)
        rc |= add_count(m, "timeToFirstByteMs", e->time_to_first_byte_ms);
    if (rc) {
        json_object_put(u);
        json_object_put(m);
        return -1;
    }
    json_object_put(a->usage); /* the last metadata wins */
    json_object_put(a->metrics);
    a->usage = u;
    a->metrics = m;
    return 0;
}

/* A string of the event as a C string in `out` (cut to fit; "" absent). */
static void copy_str(char *out, size_t cap, mp_str s)
{
    size_t n = s.ptr ? (s.len < cap ? s.len : cap - 1) : 0;
    if (n)
        memcpy(out, s.ptr, n);
    out[n] = '\0';
}

static int response_info(msg_assembler *a, const mp_event_header *ev)
{
    const mp_event_response_info *e = (const mp_event_response_info *)ev;
    if (!HAS(ev, mp_event_response_info, ratelimit_reset_tokens))
        return -1; /* every field here is in its 1.1 struct */
    asm_response_info *i = &a->info;
    i->present = 1;
    i->remaining_requests = e->ratelimit_remaining_requests;
    i->remaining_tokens = e->ratelimit_remaining_tokens;
    copy_str(i->reset_requests, sizeof i->reset_requests, e->ratelimit_reset_requests);
    copy_str(i->reset_tokens, sizeof i->reset_tokens, e->ratelimit_reset_tokens);
    copy_str(i->call_id, sizeof i->call_id, e->call_id);
    return 0;
}

int asm_on_event(msg_assembler *a, const mp_event_header *ev)
{
    if (a->failed || !ev || ev->size < sizeof *ev)
        return a->failed = -1;
    int rc = 0;
    switch (ev->type) {
    case MP_EVENT_MESSAGE_START:
        break; /* the role is always assistant */
    case MP_EVENT_BLOCK_START:
        rc = block_start(a, ev);
        break;
    case MP_EVENT_BLOCK_DELTA:
        rc = block_delta(a, ev);
        break;
    case MP_EVENT_BLOCK_STOP:
        rc = block_stop(a);
        break;
    case MP_EVENT_MESSAGE_STOP: {
        const mp_event_message_stop *e = (const mp_event_message_stop *)ev;
        if (!HAS(ev, mp_event_message_stop, stop_reason))
            return a->failed = -1;
        strcpy(a->stop_reason, stop_name(e->stop_reason));
        break;
    }
    case MP_EVENT_METADATA:
        rc = metadata(a, ev);
        break;
    case MP_EVENT_RESPONSE_INFO:
        rc = response_info(a, ev);
        break;
    default:
        break; /* a newer event type: skip it, as the ABI asks */
    }
    if (rc)
        a->failed = -1;
    return a->failed;
}

json_object *asm_take_message(msg_assembler *a)
{
    json_object *msg = json_object_new_object();
    json_object *content = a->content ? a->content : json_object_new_array();
    json_object *role = json_object_new_string("assistant");
    if (!msg || !content || !role) {
        json_object_put(msg);
        json_object_put(role);
        if (content != a->content)
            json_object_put(content);
        return NULL;
    }
    json_object_object_add(msg, "role", role);
    json_object_object_add(msg, "content", content);
    a->content = NULL;
    return msg;
}

const char *asm_stop_reason(const msg_assembler *a)
{
    if (!a->stop_reason[0])
        return NULL;
    /* Strands' override: a message with a toolUse wants its tools run
     * even when the server said "stop" (Gemini, Ollama; issue #312). */
    if (a->saw_tool && strcmp(a->stop_reason, "end_turn") == 0)
        return "tool_use";
    return a->stop_reason;
}

json_object *asm_usage(const msg_assembler *a)
{
    return a->usage;
}

json_object *asm_metrics(const msg_assembler *a)
{
    return a->metrics;
}

double asm_cost_usd(const msg_assembler *a)
{
    json_object *c = NULL;
    if (!a->usage || !json_object_object_get_ex(a->usage, "totalCostUsd", &c))
        return -1;
    return json_object_get_double(c);
}

int asm_input_was_invalid(const msg_assembler *a, const char *tool_use_id)
{
    size_t n = a->bad_inputs ? json_object_array_length(a->bad_inputs) : 0;
    for (size_t i = 0; tool_use_id && i < n; i++) {
        json_object *id = json_object_array_get_idx(a->bad_inputs, i);
        if (strcmp(json_object_get_string(id), tool_use_id) == 0)
            return 1;
    }
    return 0;
}
