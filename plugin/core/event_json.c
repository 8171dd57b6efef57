/* event_json.c - events as Strands StreamEvent JSON; see event_json.h. */
#include "event_json.h"

#include <stddef.h>

#include "errors.h"
#include "json_util.h"
#include "json_writer.h"

/* Whether the event, as its producer sized it, contains `field` of `type`.
 * Events grow by appending fields, so an older producer's smaller struct
 * simply lacks the newer ones. */
#define EV_HAS(ev, type, field) \
    ((ev)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

static void str_value(jw *w, mp_str s)
{
    if (s.ptr)
        jw_string(w, s.ptr, s.len);
    else
        jw_null(w);
}

static int block_start(jw *w, const mp_event_header *ev)
{
    const mp_event_block_start *e = (const mp_event_block_start *)ev;
    if (!EV_HAS(ev, mp_event_block_start, kind))
        return MP_E_INVALID_ARGUMENT;
    jw_key(w, "contentBlockStart");
    jw_object_open(w);
    jw_key(w, "start");
    jw_object_open(w);
    if (e->kind == MP_BLOCK_TOOL_USE) {
        if (!EV_HAS(ev, mp_event_block_start, tool_use_id))
            return MP_E_INVALID_ARGUMENT;
        jw_key(w, "toolUse");
        jw_object_open(w);
        jw_key(w, "name");
        str_value(w, e->tool_name);
        jw_key(w, "toolUseId");
        str_value(w, e->tool_use_id);
        /* Strands adds the signature only when there is one. */
        if (EV_HAS(ev, mp_event_block_start, reasoning_signature) &&
            e->reasoning_signature.ptr && e->reasoning_signature.len) {
            jw_key(w, "reasoningSignature");
            jw_string(w, e->reasoning_signature.ptr,
                      e->reasoning_signature.len);
        }
        jw_object_close(w);
    } else if (e->kind != MP_BLOCK_TEXT && e->kind != MP_BLOCK_REASONING) {
        return MP_E_INVALID_ARGUMENT;
    }
    jw_object_close(w);
    jw_object_close(w);
    return MP_OK;
}

static int block_delta(jw *w, const mp_event_header *ev)
{
    const mp_event_block_delta *e = (const mp_event_block_delta *)ev;
    if (!EV_HAS(ev, mp_event_block_delta, text))
        return MP_E_INVALID_ARGUMENT;
    /* A NULL text is an empty piece, as the reference's `or ""`. */
    const char *s = e->text.ptr ? e->text.ptr : "";
    size_t n = e->text.ptr ? e->text.len : 0;
    jw_key(w, "contentBlockDelta");
    jw_object_open(w);
    jw_key(w, "delta");
    jw_object_open(w);
    switch (e->kind) {
    case MP_DELTA_TEXT:
        jw_key(w, "text");
        jw_string(w, s, n);
        break;
    case MP_DELTA_REASONING_TEXT:
    case MP_DELTA_REASONING_SIGNATURE:
        jw_key(w, "reasoningContent");
        jw_object_open(w);
        jw_key(w, e->kind == MP_DELTA_REASONING_TEXT ? "text" : "signature");
        jw_string(w, s, n);
        jw_object_close(w);
        break;
    case MP_DELTA_TOOL_INPUT:
        jw_key(w, "toolUse");
        jw_object_open(w);
        jw_key(w, "input");
        jw_string(w, s, n);
        jw_object_close(w);
        break;
    case MP_DELTA_REDACTED_REASONING:
        /* Strands holds bytes; JSON carries them as base64. */
        jw_key(w, "reasoningContent");
        jw_object_open(w);
        jw_key(w, "redactedContent");
        jw_base64(w, s, n);
        jw_object_close(w);
        break;
    case MP_DELTA_CITATION: {
        jw_key(w, "citation");
        int rc = lp_citation_json(w, s, n);
        if (rc)
            return rc;
        break;
    }
    default:
        return MP_E_INVALID_ARGUMENT;
    }
    jw_object_close(w);
    jw_object_close(w);
    return MP_OK;
}

int lp_citation_json(jw *w, const char *text, size_t len)
{
    json_object *v = NULL;
    int rc = lp_json_parse(text, len, "citation", &v, NULL);
    if (!rc && !json_object_is_type(v, json_type_object))
        rc = MP_E_INVALID_ARGUMENT;
    if (!rc)
        jw_json(w, v);
    json_object_put(v);
    return rc;
}

const char *lp_stop_reason_name(uint32_t r)
{
    switch (r) {
    case MP_STOP_END_TURN: return "end_turn";
    case MP_STOP_TOOL_USE: return "tool_use";
    case MP_STOP_MAX_TOKENS: return "max_tokens";
    case MP_STOP_CONTENT_FILTERED: return "content_filtered";
    case MP_STOP_STOP_SEQUENCE: return "stop_sequence";
    case MP_STOP_CANCELLED: return "cancelled";
    default: return NULL;
    }
}

static int message_stop(jw *w, const mp_event_header *ev)
{
    const mp_event_message_stop *e = (const mp_event_message_stop *)ev;
    if (!EV_HAS(ev, mp_event_message_stop, stop_reason))
        return MP_E_INVALID_ARGUMENT;
    const char *name = lp_stop_reason_name(e->stop_reason);
    if (!name)
        return MP_E_INVALID_ARGUMENT;
    jw_key(w, "messageStop");
    jw_object_open(w);
    jw_key(w, "stopReason");
    jw_cstring(w, name);
    jw_object_close(w);
    return MP_OK;
}

/* A metadata field, or `dflt` when the producer's struct lacks it. */
#define MD_FIELD(ev, field, dflt)                                         \
    (EV_HAS(ev, mp_event_metadata, field)                                 \
         ? ((const mp_event_metadata *)(ev))->field : (dflt))

static int metadata(jw *w, const mp_event_header *ev)
{
    int64_t in = MD_FIELD(ev, input_tokens, -1);
    int64_t out = MD_FIELD(ev, output_tokens, -1);
    int64_t total = MD_FIELD(ev, total_tokens, -1);
    int64_t read = MD_FIELD(ev, cache_read_input_tokens, -1);
    int64_t write = MD_FIELD(ev, cache_write_input_tokens, -1);
    int64_t latency = MD_FIELD(ev, latency_ms, -1);
    int64_t ttfb = MD_FIELD(ev, time_to_first_byte_ms, -1);
    double cost = MD_FIELD(ev, cost_usd, -1.0);
    int64_t reasoning = MD_FIELD(ev, reasoning_output_tokens, -1);
    jw_key(w, "metadata");
    jw_object_open(w);
    jw_key(w, "usage");
    jw_object_open(w);
    jw_key(w, "inputTokens");
    jw_int(w, in > 0 ? in : 0);
    jw_key(w, "outputTokens");
    jw_int(w, out > 0 ? out : 0);
    jw_key(w, "totalTokens");
    jw_int(w, total > 0 ? total : 0);
    if (read > 0) {
        jw_key(w, "cacheReadInputTokens");
        jw_int(w, read);
    }
    if (write >= 0) { /* a reported 0 is shown (reference-update 2.17) */
        jw_key(w, "cacheWriteInputTokens");
        jw_int(w, write);
    }
    /* Not in a Strands release yet: the names of its cost and usage
     * branches (reference-update 2.18, 2.19). */
    if (cost >= 0) {
        jw_key(w, "totalCostUsd");
        jw_double(w, cost);
    }
    if (reasoning > 0) {
        jw_key(w, "reasoningOutputTokens");
        jw_int(w, reasoning);
    }
    jw_object_close(w);
    jw_key(w, "metrics");
    jw_object_open(w);
    jw_key(w, "latencyMs");
    jw_int(w, latency > 0 ? latency : 0);
    if (ttfb >= 0) {
        jw_key(w, "timeToFirstByteMs");
        jw_int(w, ttfb);
    }
    jw_object_close(w);
    jw_object_close(w);
    return MP_OK;
}

/* A response-info field, or `dflt` when the producer's struct lacks it. */
#define RI_FIELD(ev, field, dflt)                                         \
    (EV_HAS(ev, mp_event_response_info, field)                            \
         ? ((const mp_event_response_info *)(ev))->field : (dflt))

static const mp_str no_str = {NULL, 0};

static void opt_string(jw *w, const char *key, mp_str s)
{
    if (!s.ptr)
        return;
    jw_key(w, key);
    jw_string(w, s.ptr, s.len);
}

static void opt_count(jw *w, const char *key, int64_t v)
{
    if (v < 0)
        return;
    jw_key(w, key);
    jw_int(w, v);
}

int lp_response_info_json(jw *w, const mp_event_header *ev)
{
    if (!EV_HAS(ev, mp_event_response_info, attempts))
        return MP_E_INVALID_ARGUMENT;
    const mp_event_response_info *e = (const mp_event_response_info *)ev;
    jw_object_open(w);
    jw_key(w, "httpStatus");
    jw_int(w, e->http_status);
    jw_key(w, "attempts");
    jw_int(w, e->attempts);
    opt_string(w, "callId", RI_FIELD(ev, call_id, no_str));
    opt_string(w, "modelId", RI_FIELD(ev, model_id, no_str));
    opt_string(w, "modelGroup", RI_FIELD(ev, model_group, no_str));
    opt_string(w, "providerRequestId", RI_FIELD(ev, provider_request_id, no_str));
    opt_count(w, "attemptedRetries", RI_FIELD(ev, attempted_retries, -1));
    opt_count(w, "attemptedFallbacks", RI_FIELD(ev, attempted_fallbacks, -1));
    double cost = RI_FIELD(ev, cost_usd, -1.0);
    if (cost >= 0) {
        jw_key(w, "costUsd");
        jw_double(w, cost);
    }
    int64_t req = RI_FIELD(ev, ratelimit_remaining_requests, -1);
    int64_t tok = RI_FIELD(ev, ratelimit_remaining_tokens, -1);
    mp_str reset_req = RI_FIELD(ev, ratelimit_reset_requests, no_str);
    mp_str reset_tok = RI_FIELD(ev, ratelimit_reset_tokens, no_str);
    if (req >= 0 || tok >= 0 || reset_req.ptr || reset_tok.ptr) {
        jw_key(w, "rateLimit");
        jw_object_open(w);
        opt_count(w, "remainingRequests", req);
        opt_count(w, "remainingTokens", tok);
        opt_string(w, "resetRequests", reset_req);
        opt_string(w, "resetTokens", reset_tok);
        jw_object_close(w);
    }
    mp_str headers = RI_FIELD(ev, headers_json, no_str);
    if (headers.ptr && headers.len) {
        /* A JSON object by contract; checked, as the event may come from
         * any plugin and a broken one must not break the line. */
        json_object *v = NULL;
        int rc = lp_json_parse(headers.ptr, headers.len, "headers_json", &v,
                               NULL);
        if (rc || !json_object_is_type(v, json_type_object)) {
            json_object_put(v);
            return MP_E_INVALID_ARGUMENT;
        }
        jw_key(w, "headers");
        jw_json(w, v);
        json_object_put(v);
    }
    jw_object_close(w);
    return MP_OK;
}

int lp_event_to_json(const mp_event_header *ev, strbuf *out)
{
    if (!ev || !out || ev->size < sizeof(mp_event_header))
        return MP_E_INVALID_ARGUMENT;
    /* Build into a scratch tail of `out` and roll back on error, so a
     * failed call leaves `out` as it was. */
    size_t mark = out->len;
    jw w;
    jw_init(&w, out);
    jw_object_open(&w);
    int rc = MP_OK;
    switch (ev->type) {
    case MP_EVENT_MESSAGE_START:
        jw_key(&w, "messageStart");
        jw_object_open(&w);
        jw_key(&w, "role");
        jw_cstring(&w, "assistant");
        jw_object_close(&w);
        break;
    case MP_EVENT_BLOCK_START:
        rc = block_start(&w, ev);
        break;
    case MP_EVENT_BLOCK_DELTA:
        rc = block_delta(&w, ev);
        break;
    case MP_EVENT_BLOCK_STOP:
        jw_key(&w, "contentBlockStop");
        jw_object_open(&w);
        jw_object_close(&w);
        break;
    case MP_EVENT_MESSAGE_STOP:
        rc = message_stop(&w, ev);
        break;
    case MP_EVENT_METADATA:
        rc = metadata(&w, ev);
        break;
    case MP_EVENT_RESPONSE_INFO:
        jw_key(&w, "responseInfo");
        rc = lp_response_info_json(&w, ev);
        break;
    default:
        rc = MP_E_INVALID_ARGUMENT;
    }
    if (!rc) {
        jw_object_close(&w);
        rc = jw_status(&w);
    }
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

int lp_event_to_json_sink(const mp_event_header *ev, const mp_text_sink *out)
{
    /* A sink smaller than its ABI 1.0 size is refused unread (MP_PLUGIN_13). */
    if (!ev || !LP_TEXT_SINK_OK(out))
        return MP_E_INVALID_ARGUMENT;
    strbuf sb;
    sb_init(&sb, (size_t)1 << 30);
    int rc = lp_event_to_json(ev, &sb);
    if (!rc && out->write(out->ctx, sb.data ? sb.data : "", sb.len))
        rc = MP_E_CANCELLED;
    sb_free(&sb);
    return rc;
}
