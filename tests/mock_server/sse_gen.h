/* sse_gen.h - synthesize a chat-completion SSE stream (`generate_chunks`).
 *
 * Benchmarks ask for a million chunks, so the repeated event is rendered
 * once and sent in large batches; the server stays far cheaper than the
 * client it measures.
 */
#ifndef MOCK_SSE_GEN_H
#define MOCK_SSE_GEN_H

#include "http_response.h"

struct scenario;

/* Write the whole synthesized body through o: a role chunk,
 * sc->generate_chunks content chunks of sc->generate_text, a finish chunk,
 * a usage chunk and `data: [DONE]`. model is echoed in every chunk.
 * Honours pace_ms per event; trickle/stall/drop come from out_write(). */
enum out_result gen_stream(struct resp_out *o, const struct scenario *sc,
                           const char *model);

#endif
