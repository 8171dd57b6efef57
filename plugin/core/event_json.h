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
#include "strbuf.h"

/* Append the JSON text of `ev` to `out` (no newline).  Reads only the
 * fields that lie within ev->size.  MP_E_INVALID_ARGUMENT for a NULL event,
 * an unknown type or kind, or an event too small for its required fields;
 * a strbuf error if `out` is full. */
int lp_event_to_json(const mp_event_header *ev, strbuf *out);

/* The descriptor's event_to_json operation: render `ev` and hand the text
 * to the host's sink in one write; a NULL event, or a sink that is NULL,
 * without write or smaller than its ABI 1.0 size, is MP_E_INVALID_ARGUMENT
 * with nothing written.  Shared by every plugin in this tree. */
int lp_event_to_json_sink(const mp_event_header *ev, const mp_text_sink *out);

#endif
