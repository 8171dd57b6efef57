/*
 * accumulator.h - the ABI 1.1 message accumulator (mp_accumulator): the
 * events of one stream in, the final Strands assistant message, stop
 * reason, usage, metrics and response info out, as one JSON document.
 *
 * It follows the Strands streaming layer (reference-behaviour 4.5,
 * event_loop/streaming.py): at each BLOCK_STOP the first matching rule
 * makes the block: an open tool use -> toolUse (input parsed as JSON;
 * empty or invalid -> {}), left out when its id or name is empty
 * (reference-update 2.26); text -> citationsContent when the block had
 * citations, else text; reasoning text or a signature ->
 * reasoningContent.reasoningText (with its signature); redacted reasoning
 * -> reasoningContent.redactedContent (base64).  Unlike Strands, the signature, citations and
 * redacted bytes start afresh with every block, so one block's never lands
 * on the next.  The stop reason becomes tool_use when the message holds a
 * toolUse and the server said end_turn.
 *
 * Blocks are rendered to JSON as they close (nothing is kept as a tree),
 * and everything any plugin's event points to is copied.
 *
 * Thread: an accumulator is used by one thread at a time; pure otherwise
 * (no module state, needs no init).
 */
#ifndef LP_ACCUMULATOR_H
#define LP_ACCUMULATOR_H

#include "../../abi/model_provider.h"

int lp_acc_create(mp_accumulator **out);
int lp_acc_add(mp_accumulator *acc, const mp_event_header *ev);
int lp_acc_result(const mp_accumulator *acc, mp_text_fn write, void *ctx);
void lp_acc_destroy(mp_accumulator *acc);

#endif
