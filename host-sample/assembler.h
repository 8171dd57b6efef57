/*
 * assembler.h - builds the Strands assistant message from mp events, as the
 * Strands streaming layer does (reference-behaviour 4.5,
 * event_loop/streaming.py::process_stream).
 *
 *   {"role":"assistant","content":[
 *      {"text": T} |
 *      {"citationsContent":{"citations":[C...],"content":[{"text":T}]}} |
 *      {"reasoningContent":{"reasoningText":{"text":R[,"signature":S]}}} |
 *      {"reasoningContent":{"redactedContent":B64}} |
 *      {"toolUse":{"toolUseId":I,"name":N,"input":<parsed JSON>
 *                  [,"reasoningSignature":G]}} ...]}
 *
 * At each block stop: a tool block becomes a toolUse whose input is the
 * concatenated input text parsed as JSON (empty or invalid: {}), unless
 * its id or name is empty, when it is dropped; otherwise non-empty text
 * becomes a text block, or a citationsContent block when citation deltas
 * came with it (ABI 1.1); otherwise reasoning with text or a signature a
 * reasoningContent block (with the signature deltas, concatenated, if
 * any); otherwise redacted reasoning bytes (ABI 1.1) a reasoningContent
 * block holding them as base64 (with the amendments of reference-update
 * 2.26).  Signature, citations and redacted bytes start afresh with every
 * block.  The stop reason is the messageStop's, turned from end_turn into
 * tool_use when the content holds a toolUse.  Usage and metrics come from
 * the last metadata event (ABI 1.1: usage gains totalCostUsd and
 * reasoningOutputTokens when the plugin had them); the rate-limit state
 * and call id from the RESPONSE_INFO event.
 *
 * Host code: depends only on abi/model_provider.h and json-c.  One
 * assembler per stream; not thread-safe.
 */
#ifndef HOST_ASSEMBLER_H
#define HOST_ASSEMBLER_H

#include <json-c/json.h>
#include <stddef.h>

#include "../abi/model_provider.h"

/* A growable text accumulator. */
typedef struct asm_text {
    char *data;
    size_t len, cap;
} asm_text;

/* What a RESPONSE_INFO event (ABI 1.1) said; numbers -1 when unknown. */
typedef struct asm_response_info {
    int present;                  /* the event came                       */
    int64_t remaining_requests, remaining_tokens;
    char reset_requests[32], reset_tokens[32]; /* "" when unknown          */
    char call_id[128];
} asm_response_info;

typedef struct msg_assembler {
    json_object *content;     /* the content list built so far            */
    int in_tool;              /* a tool-use block is open                 */
    int saw_tool;             /* a toolUse was appended                   */
    asm_text text, reasoning, signature, tool_input, redacted;
    json_object *citations;   /* of the open text block, or NULL          */
    asm_response_info info;
    char *tool_id, *tool_name, *tool_sig; /* of the open tool block       */
    size_t tool_id_len, tool_name_len, tool_sig_len;
    char stop_reason[32];     /* "" until messageStop                     */
    json_object *usage;       /* from the last metadata event, or NULL    */
    json_object *metrics;
    json_object *bad_inputs;  /* ids of toolUses whose input text was not
                                 valid JSON (stored as {}), or NULL      */
    int failed;               /* out of memory or a malformed event       */
    int dropped_tools;        /* tool blocks dropped for an empty id/name */
} msg_assembler;

void asm_init(msg_assembler *a);
void asm_free(msg_assembler *a);

/* Feed one event (borrowed; only fields within ev->size are read).
 * Unknown event types are ignored.  Returns 0, or -1 once out of memory or
 * after a malformed event (then the assembler stays failed). */
int asm_on_event(msg_assembler *a, const mp_event_header *ev);

/* The message built so far, {"role":"assistant","content":[...]}; the
 * caller owns it (json_object_put).  The content list starts over.  NULL
 * if out of memory. */
json_object *asm_take_message(msg_assembler *a);

/* "end_turn", "tool_use", "max_tokens", "content_filtered", ... with the
 * tool_use override applied; NULL before messageStop. */
const char *asm_stop_reason(const msg_assembler *a);

/* Borrowed {"inputTokens",...} / {"latencyMs",...} of the last metadata
 * event, or NULL if none came. */
json_object *asm_usage(const msg_assembler *a);
json_object *asm_metrics(const msg_assembler *a);

/* The call's cost in USD from the last metadata event, or -1 when the
 * plugin reported none. */
double asm_cost_usd(const msg_assembler *a);

/* Whether the toolUse with this id had input text that was not valid JSON
 * (Strands stores {} then; a host answers such a call with an error
 * result instead of running the tool on {}). */
int asm_input_was_invalid(const msg_assembler *a, const char *tool_use_id);

#endif
