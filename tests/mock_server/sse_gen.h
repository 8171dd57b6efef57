/* sse_gen.h - synthesize a chat-completion SSE stream (`generate_chunks`).
 *
 * Benchmarks ask for a million chunks, so the repeated event is rendered
 * once and sent in large batches; the server stays far cheaper than the
 * client it measures.
 */
#ifndef MOCK_SSE_GEN_H
#define MOCK_SSE_GEN_H

#include <stdbool.h>

#include "http_response.h"

struct scenario;

/* Write the whole synthesized body through o: a role chunk,
 * sc->generate_chunks content chunks of sc->generate_text, a finish chunk,
 * a usage chunk and `data: [DONE]`. model is echoed in every chunk.  With
 * `messages_api` (a request to .../v1/messages) the same text comes as
 * Anthropic's events instead: message_start, a text block's deltas,
 * message_delta, message_stop.  Honours pace_ms per event;
 * trickle/stall/drop come from out_write(). */
enum out_result gen_stream(struct resp_out *o, const struct scenario *sc,
                           const char *model, bool messages_api);

#endif
