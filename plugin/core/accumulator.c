/* accumulator.c - events to the final Strands message; see accumulator.h. */
#include "accumulator.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "event_json.h"
#include "json_util.h"
#include "json_writer.h"
#include "strbuf.h"

/* Text of one block (or the whole message) can be as long as a response. */
#define ACC_MAX ((size_t)1 << 40)

/* Whether the producer's event struct (sized ev->size) has `field`. */
#define HAS(ev, type, field) \
    ((ev)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

struct mp_accumulator {
    strbuf content;        /* the closed blocks' JSON, comma-separated      */
    /* The open block. */
    int in_tool;
    strbuf tool_id, tool_name, tool_sig, tool_input;
    strbuf text, reasoning, signature, redacted;
    strbuf citations;      /* rendered citation objects, comma-separated    */
    int saw_tool;
    uint32_t stop_reason;  /* 0 until MESSAGE_STOP                          */
    int64_t in, out, total, cache_read, cache_write, latency, ttfb, reasoning_out;
    double cost;
    strbuf info;           /* the responseInfo value, or empty              */
    strbuf invalid;        /* JSON strings of the ids of invalid inputs     */
    int failed;            /* out of memory: sticky                         */
};

static void each_buffer(mp_accumulator *a, void (*fn)(strbuf *))
{
    strbuf *all[] = {&a->content, &a->tool_id, &a->tool_name, &a->tool_sig,
                     &a->tool_input, &a->text, &a->reasoning, &a->signature,
                     &a->redacted, &a->citations, &a->info, &a->invalid};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        fn(all[i]);
}

static void init_buffer(strbuf *sb) { sb_init(sb, ACC_MAX); }

int lp_acc_create(mp_accumulator **out)
{
    if (!out)
        return MP_E_INVALID_ARGUMENT;
    mp_accumulator *a = calloc(1, sizeof *a);
    *out = a;
    if (!a)
        return MP_E_NO_MEMORY;
    each_buffer(a, init_buffer);
    a->in = a->out = a->total = a->cache_read = a->cache_write = -1;
    a->latency = a->ttfb = a->reasoning_out = -1;
    a->cost = -1;
    return MP_OK;
}

void lp_acc_destroy(mp_accumulator *a)
{
    if (!a)
        return;
    each_buffer(a, sb_free);
    free(a);
}

static int copy(strbuf *sb, mp_str s)
{
    sb_reset(sb);
    return s.ptr ? sb_append(sb, s.ptr, s.len) : SB_OK;
}

/* Start one more content block's JSON: a comma after the first. */
static void next_block(jw *w, mp_accumulator *a)
{
    jw_init(w, &a->content);
    if (a->content.len)
        sb_appendc(&a->content, ',');
    jw_object_open(w);
}

/* json.loads on the tool input, with Strands' fallback: {} for an empty or
 * invalid input (*invalid set for a non-empty one).  A valid one is
 * written compactly, wide integers kept.  A bare scalar ("5", "null") is
 * read as the one element of an array: json-c needs a delimiter after a
 * top-level number, and takes JSON null for no value. */
static void tool_input(jw *w, const strbuf *in, int *invalid)
{
    json_object *v = NULL, *wrapped = NULL;
    size_t i = 0;
    while (i < in->len && strchr(" \t\r\n", in->data[i]))
        i++;
    int rc = MP_E_INVALID_ARGUMENT;
    if (i < in->len && (in->data[i] == '{' || in->data[i] == '[')) {
        rc = lp_json_parse(in->data, in->len, "input", &v, NULL);
    } else if (i < in->len) {
        strbuf arr;
        sb_init(&arr, ACC_MAX);
        if (!sb_appendc(&arr, '[') && !sb_append(&arr, in->data, in->len) &&
            !sb_appendc(&arr, ']'))
            rc = lp_json_parse(arr.data, arr.len, "input", &wrapped, NULL);
        sb_free(&arr);
        if (!rc && json_object_array_length(wrapped) == 1)
            v = json_object_get(json_object_array_get_idx(wrapped, 0));
        else
            rc = MP_E_INVALID_ARGUMENT;
        json_object_put(wrapped);
    }
    *invalid = rc && in->len;
    if (rc) {
        jw_object_open(w);
        jw_object_close(w);
    } else {
        jw_json(w, v);
    }
    json_object_put(v);
}

static int close_tool(mp_accumulator *a)
{
    /* A tool use without an id or a name cannot be answered: Strands drops
     * the block (reference-update 2.26). */
    if (!a->tool_id.len || !a->tool_name.len) {
        a->in_tool = 0;
        return MP_OK;
    }
    jw w;
    next_block(&w, a);
    jw_key(&w, "toolUse");
    jw_object_open(&w);
    jw_key(&w, "toolUseId");
    jw_string(&w, a->tool_id.data, a->tool_id.len);
    jw_key(&w, "name");
    jw_string(&w, a->tool_name.data, a->tool_name.len);
    jw_key(&w, "input");
    int invalid;
    tool_input(&w, &a->tool_input, &invalid);
    if (a->tool_sig.len) {
        jw_key(&w, "reasoningSignature");
        jw_string(&w, a->tool_sig.data, a->tool_sig.len);
    }
    jw_object_close(&w);
    jw_object_close(&w);
    if (invalid) {
        jw iw;
        jw_init(&iw, &a->invalid);
        if (a->invalid.len)
            sb_appendc(&a->invalid, ',');
        jw_string(&iw, a->tool_id.data ? a->tool_id.data : "", a->tool_id.len);
        if (jw_status(&iw))
            return jw_status(&iw);
    }
    a->in_tool = 0;
    a->saw_tool = 1;
    return jw_status(&w);
}

static int close_text(mp_accumulator *a)
{
    jw w;
    next_block(&w, a);
    if (a->citations.len) {
        jw_key(&w, "citationsContent");
        jw_object_open(&w);
        jw_key(&w, "citations");
        jw_array_open(&w);
        jw_raw(&w, a->citations.data, a->citations.len);
        jw_array_close(&w);
        jw_key(&w, "content");
        jw_array_open(&w);
        jw_object_open(&w);
        jw_key(&w, "text");
        jw_string(&w, a->text.data, a->text.len);
        jw_object_close(&w);
        jw_array_close(&w);
        jw_object_close(&w);
    } else {
        jw_key(&w, "text");
        jw_string(&w, a->text.data, a->text.len);
    }
    jw_object_close(&w);
    return jw_status(&w);
}

static int close_reasoning(mp_accumulator *a)
{
    jw w;
    next_block(&w, a);
    jw_key(&w, "reasoningContent");
    jw_object_open(&w);
    if (a->reasoning.len || a->signature.len) {
        jw_key(&w, "reasoningText");
        jw_object_open(&w);
        jw_key(&w, "text");
        jw_string(&w, a->reasoning.data, a->reasoning.len);
        if (a->signature.len) {
            jw_key(&w, "signature");
            jw_string(&w, a->signature.data, a->signature.len);
        }
        jw_object_close(&w);
    } else {
        jw_key(&w, "redactedContent");
        jw_base64(&w, a->redacted.data, a->redacted.len);
    }
    jw_object_close(&w);
    jw_object_close(&w);
    return jw_status(&w);
}

/* The first matching rule of Strands' handle_content_block_stop; then the
 * block's state starts over. */
static int block_stop(mp_accumulator *a)
{
    int rc = MP_OK;
    if (a->in_tool)
        rc = close_tool(a);
    else if (a->text.len)
        rc = close_text(a);
    /* Reasoning counts with text or a signature (reference-update 2.26);
     * else with redacted bytes. */
    else if (a->reasoning.len || a->signature.len || a->redacted.len)
        rc = close_reasoning(a);
    strbuf *block[] = {&a->tool_id, &a->tool_name, &a->tool_sig, &a->tool_input,
                       &a->text, &a->reasoning, &a->signature, &a->redacted,
                       &a->citations};
    for (size_t i = 0; i < sizeof block / sizeof *block; i++)
        sb_reset(block[i]);
    a->in_tool = 0;
    return rc;
}

static int block_start(mp_accumulator *a, const mp_event_header *ev)
{
    const mp_event_block_start *e = (const mp_event_block_start *)ev;
    if (!HAS(ev, mp_event_block_start, kind))
        return MP_E_INVALID_ARGUMENT;
    if (e->kind != MP_BLOCK_TOOL_USE)
        return MP_OK;
    if (!HAS(ev, mp_event_block_start, tool_use_id))
        return MP_E_INVALID_ARGUMENT;
    a->in_tool = 1;
    sb_reset(&a->tool_input);
    int rc = copy(&a->tool_id, e->tool_use_id);
    if (!rc)
        rc = copy(&a->tool_name, e->tool_name);
    mp_str none = {NULL, 0};
    if (!rc)
        rc = copy(&a->tool_sig, HAS(ev, mp_event_block_start, reasoning_signature)
                                    ? e->reasoning_signature : none);
    return rc;
}

static int block_delta(mp_accumulator *a, const mp_event_header *ev)
{
    const mp_event_block_delta *e = (const mp_event_block_delta *)ev;
    if (!HAS(ev, mp_event_block_delta, text))
        return MP_E_INVALID_ARGUMENT;
    const char *s = e->text.ptr ? e->text.ptr : "";
    size_t n = e->text.ptr ? e->text.len : 0;
    switch (e->kind) {
    case MP_DELTA_TEXT: return sb_append(&a->text, s, n);
    case MP_DELTA_REASONING_TEXT: return sb_append(&a->reasoning, s, n);
    case MP_DELTA_REASONING_SIGNATURE: return sb_append(&a->signature, s, n);
    case MP_DELTA_TOOL_INPUT:
        return a->in_tool ? sb_append(&a->tool_input, s, n) : MP_OK;
    case MP_DELTA_REDACTED_REASONING: return sb_append(&a->redacted, s, n);
    case MP_DELTA_CITATION: {
        /* Checked and made compact now, so the result is always JSON. */
        size_t mark = a->citations.len;
        jw w;
        jw_init(&w, &a->citations);
        if (mark)
            sb_appendc(&a->citations, ',');
        int rc = lp_citation_json(&w, s, n);
        if (!rc)
            rc = jw_status(&w);
        if (rc)
            a->citations.len = mark;
        return rc;
    }
    default: return MP_OK; /* a newer kind: nothing we know to keep */
    }
}

/* A metadata field, or -1 when the producer's struct lacks it. */
#define MD(ev, field) \
    (HAS(ev, mp_event_metadata, field) ? ((const mp_event_metadata *)(ev))->field : -1)

static int metadata(mp_accumulator *a, const mp_event_header *ev)
{
    if (!HAS(ev, mp_event_metadata, total_tokens))
        return MP_E_INVALID_ARGUMENT;
    /* The last metadata wins, as in Strands. */
    a->in = MD(ev, input_tokens);
    a->out = MD(ev, output_tokens);
    a->total = MD(ev, total_tokens);
    a->cache_read = MD(ev, cache_read_input_tokens);
    a->cache_write = MD(ev, cache_write_input_tokens);
    a->latency = MD(ev, latency_ms);
    a->ttfb = MD(ev, time_to_first_byte_ms);
    a->cost = MD(ev, cost_usd);
    a->reasoning_out = MD(ev, reasoning_output_tokens);
    return MP_OK;
}

static int response_info(mp_accumulator *a, const mp_event_header *ev)
{
    strbuf fresh;
    sb_init(&fresh, ACC_MAX);
    jw w;
    jw_init(&w, &fresh);
    int rc = lp_response_info_json(&w, ev);
    if (!rc)
        rc = jw_status(&w);
    if (rc) {
        sb_free(&fresh);
        return rc;
    }
    sb_free(&a->info);
    a->info = fresh;
    return MP_OK;
}

int lp_acc_add(mp_accumulator *a, const mp_event_header *ev)
{
    if (!a || !ev || ev->size < sizeof *ev)
        return MP_E_INVALID_ARGUMENT;
    if (a->failed)
        return MP_E_NO_MEMORY;
    int rc = MP_OK;
    switch (ev->type) {
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
            return MP_E_INVALID_ARGUMENT;
        /* An unknown reason reads as end_turn, as a Strands host would. */
        a->stop_reason = lp_stop_reason_name(e->stop_reason) ? e->stop_reason
                                                              : MP_STOP_END_TURN;
        break;
    }
    case MP_EVENT_METADATA:
        rc = metadata(a, ev);
        break;
    case MP_EVENT_RESPONSE_INFO:
        rc = response_info(a, ev);
        break;
    default:
        break; /* MESSAGE_START (the role is always assistant), newer types */
    }
    if (rc == MP_E_NO_MEMORY || rc == MP_E_PROTOCOL) {
        a->failed = 1;
        return MP_E_NO_MEMORY;
    }
    return rc;
}

/* A count: `least` is the smallest value shown (a smaller one, unknown
 * included, is left out), or -1 to always show it, unknown as 0. */
static void count_key(jw *w, const char *key, int64_t v, int64_t least)
{
    if (least >= 0 && v < least)
        return;
    jw_key(w, key);
    jw_int(w, v > 0 ? v : 0);
}

int lp_acc_result(const mp_accumulator *a, mp_text_fn write, void *ctx)
{
    if (!a || !write)
        return MP_E_INVALID_ARGUMENT;
    if (a->failed)
        return MP_E_NO_MEMORY;
    strbuf out;
    sb_init(&out, ACC_MAX);
    jw w;
    jw_init(&w, &out);
    jw_object_open(&w);
    jw_key(&w, "message");
    jw_object_open(&w);
    jw_key(&w, "role");
    jw_cstring(&w, "assistant");
    jw_key(&w, "content");
    jw_array_open(&w);
    if (a->content.len)
        jw_raw(&w, a->content.data, a->content.len);
    jw_array_close(&w);
    jw_object_close(&w);
    jw_key(&w, "stopReason");
    uint32_t stop = a->stop_reason;
    if (stop == MP_STOP_END_TURN && a->saw_tool)
        stop = MP_STOP_TOOL_USE; /* Strands' override (issue #312) */
    if (stop)
        jw_cstring(&w, lp_stop_reason_name(stop));
    else
        jw_null(&w);
    jw_key(&w, "usage");
    jw_object_open(&w);
    count_key(&w, "inputTokens", a->in, -1);
    count_key(&w, "outputTokens", a->out, -1);
    count_key(&w, "totalTokens", a->total, -1);
    /* As event_json.c: cache reads when > 0, a reported 0 cache write
     * shown (reference-update 2.17). */
    count_key(&w, "cacheReadInputTokens", a->cache_read, 1);
    count_key(&w, "cacheWriteInputTokens", a->cache_write, 0);
    if (a->cost >= 0) {
        jw_key(&w, "totalCostUsd");
        jw_double(&w, a->cost);
    }
    count_key(&w, "reasoningOutputTokens", a->reasoning_out, 1);
    jw_object_close(&w);
    jw_key(&w, "metrics");
    jw_object_open(&w);
    count_key(&w, "latencyMs", a->latency, -1);
    if (a->ttfb >= 0) {
        jw_key(&w, "timeToFirstByteMs");
        jw_int(&w, a->ttfb);
    }
    jw_object_close(&w);
    if (a->info.len) {
        jw_key(&w, "responseInfo");
        jw_raw(&w, a->info.data, a->info.len);
    }
    if (a->invalid.len) {
        jw_key(&w, "invalidToolInputs");
        jw_array_open(&w);
        jw_raw(&w, a->invalid.data, a->invalid.len);
        jw_array_close(&w);
    }
    jw_object_close(&w);
    int rc = jw_status(&w);
    if (!rc && write(ctx, out.data, out.len))
        rc = MP_E_CANCELLED;
    sb_free(&out);
    return rc;
}
