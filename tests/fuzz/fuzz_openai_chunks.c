/*
 * fuzz_openai_chunks.c - the OpenAI /chat/completions response: SSE parser
 * and chunk mapper, streamed and as a whole body, through the adapter's
 * lp_wire entry points (stream_driver.h does the driving and checking).
 *
 * fuzz-seeds: $TRANSCRIPTS tests/fuzz/seeds/openai_chunks
 * fuzz-dict: sse.dict
 */
#include "stream_driver.h"
#include "../../plugin/openai_chat/openai_chat.h"

FZ_WIRE_TARGET(lp_wire_openai_chat)
