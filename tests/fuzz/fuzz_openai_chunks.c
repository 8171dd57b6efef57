/*
 * fuzz_openai_chunks.c - the OpenAI /chat/completions response: SSE parser
 * and chunk mapper, streamed and as a whole body (stream_driver.h does the
 * driving and the checking).
 *
 * fuzz-seeds: $TRANSCRIPTS tests/fuzz/seeds/openai_chunks
 * fuzz-dict: sse.dict
 */
#include "stream_driver.h"
#include "../../plugin/openai_chat/chunk_mapper.h"

static int init(void *st, ev_emitter *em, const fz_stream_limits *lim)
{
    cm_options opt = {.reasoning_round_trip = lim->variant,
                      .max_line = lim->max_line,
                      .max_tool_args = lim->max_buffered,
                      .secrets = lim->secrets};
    return cm_init(st, em, &opt);
}

static int feed(void *st, const char *p, size_t n, mp_error *err)
{
    return cm_feed(st, p, n, err);
}

static int finish(void *st, mp_error *err)
{
    return cm_finish(st, 5, 1, err);
}

static int cut(void *st, int status, const char *why, mp_error *err)
{
    return cm_body_cut(st, 5, 1, status, why, err);
}

static int whole(void *st, const char *body, size_t n, mp_error *err)
{
    return cm_map_response(st, body, n, 5, 1, err);
}

static void release(void *st)
{
    cm_free(st);
}

static const fz_stream_adapter openai_chat = {
    "openai_chat", sizeof(chunk_mapper), init, feed, finish, cut, whole,
    release};

FZ_STREAM_TARGET(openai_chat)
