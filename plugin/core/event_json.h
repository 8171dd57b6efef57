/*
 * event_json.h - an mp event as the exact Strands StreamEvent JSON
 * (reference-behaviour 4.1, with decisions 5, 8 and 9).
 *
 *   messageStart      {"messageStart":{"role":"assistant"}}
 *   block start       {"contentBlockStart":{"start":{}}}   (text, reasoning)
 *                     {"contentBlockStart":{"start":{"toolUse":{"name":N,
 *                       "toolUseId":I[,"reasoningSignature":S]}}}}
 *   block delta       {"contentBlockDelta":{"delta":{"text":T}}}
 *                     {"contentBlockDelta":{"delta":{"reasoningContent":{"text":T}}}}
 *                     {"contentBlockDelta":{"delta":{"reasoningContent":{"signature":S}}}}
 *                     {"contentBlockDelta":{"delta":{"toolUse":{"input":T}}}}
 *   block stop        {"contentBlockStop":{}}
 *   messageStop       {"messageStop":{"stopReason":R}}
 *   metadata          {"metadata":{"usage":{"inputTokens":..,"outputTokens":..,
 *                       "totalTokens":..[,"cacheReadInputTokens":..]
 *                       [,"cacheWriteInputTokens":..]},
 *                       "metrics":{"latencyMs":..[,"timeToFirstByteMs":..]}}}
 *
 *   1.1 additions (see the header's event_to_json):
 *   redacted          {"contentBlockDelta":{"delta":{"reasoningContent":
 *                       {"redactedContent":"<base64>"}}}}
 *   citation          {"contentBlockDelta":{"delta":{"citation":{...}}}}
 *   metadata          usage gains "totalCostUsd" (>= 0) and
 *                       "reasoningOutputTokens" (> 0)
 *   response info     {"responseInfo":{...}} (not a Strands key)
 *
 * No contentBlockIndex is written (the reference never writes one).  Cache
 * counts appear only when > 0, TTFB only when known (>= 0); the three
 * required usage counts are written as 0 when unknown (-1), which is what a
 * Strands Usage holds by default.
 *
 * Thread: pure, [any-thread].
 */
#ifndef LP_EVENT_JSON_H
#define LP_EVENT_JSON_H

#include "../../abi/model_provider.h"
#include "json_writer.h"
#include "strbuf.h"

/* Append the JSON text of `ev` to `out` (no newline).  Reads only the
 * fields that lie within ev->size.  MP_E_INVALID_ARGUMENT for a NULL event,
 * an unknown type or kind, or an event too small for its required fields;
 * a strbuf error if `out` is full. */
int lp_event_to_json(const mp_event_header *ev, strbuf *out);

/* Pieces the accumulator shares: a citation's JSON text re-written
 * compactly (MP_E_INVALID_ARGUMENT unless it is a JSON object); the value
 * of "responseInfo" for a RESPONSE_INFO event; the Strands name of a stop
 * reason (NULL for an unknown one). */
int lp_citation_json(jw *w, const char *text, size_t len);
int lp_response_info_json(jw *w, const mp_event_header *ev);
const char *lp_stop_reason_name(uint32_t reason);

/* The descriptor's event_to_json operation: render `ev` and hand the text
 * to the host's sink in one write; a NULL event, or a sink that is NULL,
 * without write or smaller than its ABI 1.0 size, is MP_E_INVALID_ARGUMENT
 * with nothing written.  Shared by every plugin in this tree. */
int lp_event_to_json_sink(const mp_event_header *ev, const mp_text_sink *out);

#endif
