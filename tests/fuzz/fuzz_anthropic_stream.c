/*
 * fuzz_anthropic_stream.c - Anthropic's Messages API response: the SSE
 * parser and the anthropic/ adapter's event mapper, streamed and as a whole
 * body, through the adapter's lp_wire entry points (stream_driver.h does
 * the driving and checking).
 *
 * fuzz-seeds: $TRANSCRIPTS/anthropic tests/fuzz/seeds/anthropic_stream
 * fuzz-dict: anthropic.dict
 */
#include "stream_driver.h"
#include "../../plugin/anthropic/anthropic.h"

FZ_WIRE_TARGET(lp_wire_anthropic)
