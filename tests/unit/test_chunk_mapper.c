/*
 * test_chunk_mapper.c - the streaming response path: the reference's
 * response-side stream cases (reference-behaviour 8.1 cases 5, 6, 24-30;
 * 8.2 cases 78-80, 86; reference-update cases 123 and 165) with concrete
 * values, and decisions 7-9 (usage,
 * metrics, finish reasons) where they change the reference.  Elsewhere:
 * delta contents in test_chunk_content.c, ends and failures in
 * test_chunk_errors.c, tool calls in test_chunk_tools.c, the non-streaming
 * body in test_chunk_response.c.
 *
 * Test JSON uses ` for " (see test_chunk_recorder.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_chunk_recorder.h"

/* One choice-0 chunk with the given delta and finish_reason (raw JSON). */
#define CHUNK(delta) "{`choices`:[{`index`:0,`delta`:" delta ",`finish_reason`:null}]}"
#define FINISH(delta, fr) "{`choices`:[{`index`:0,`delta`:" delta ",`finish_reason`:`" fr "`}]}"

/* 8.1 case 5: reasoning/text switching, tools after the text, usage with
 * cache counts.  Our decisions change nothing here except metrics: we carry
 * the real latency and TTFB (0 in this harness) (decision 8). */
static void test_stream(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning_content`:``,`content`:null}"),
        CHUNK("{`reasoning_content`:`\\nI\\u0027m thinking`}"),
        CHUNK("{`content`:`One second`}"),
        CHUNK("{`reasoning_content`:`\\nI\\u0027m think`}"),
        CHUNK("{`reasoning_content`:`ing again`}"),
        CHUNK("{`content`:`I\\u0027ll calculate`,`tool_calls`:["
              "{`index`:0,`id`:`c1`,`type`:`function`,`function`:{`name`:`calculator`,`arguments`:`{\\`expression\\`: \\`2`}},"
              "{`index`:1,`id`:`c2`,`type`:`function`,`function`:{`name`:`calculator`,`arguments`:`{\\`expression\\`: \\`3`}}]}"),
        CHUNK("{`content`:`that for you`,`tool_calls`:["
              "{`index`:0,`function`:{`arguments`:`+2\\`}`}},"
              "{`index`:1,`function`:{`arguments`:`+3\\`}`}}]}"),
        FINISH("{`content`:``}", "tool_calls"),
        "{`choices`:[],`usage`:{`prompt_tokens`:100,`completion_tokens`:50,`total_tokens`:150,"
        "`prompt_tokens_details`:{`cached_tokens`:10},`cache_creation_input_tokens`:10}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r,
        MSG_START
        START REASON("\\nI'm thinking") STOP
        START TEXT("One second") STOP
        START REASON("\\nI'm think") REASON("ing again") STOP
        START TEXT("I'll calculate") TEXT("that for you") STOP
        "{`contentBlockStart`:{`start`:{`toolUse`:{`name`:`calculator`,`toolUseId`:`c1`}}}}\n"
        "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`{\\`expression\\`: \\`2`}}}}\n"
        "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`+2\\`}`}}}}\n"
        STOP
        "{`contentBlockStart`:{`start`:{`toolUse`:{`name`:`calculator`,`toolUseId`:`c2`}}}}\n"
        "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`{\\`expression\\`: \\`3`}}}}\n"
        "{`contentBlockDelta`:{`delta`:{`toolUse`:{`input`:`+3\\`}`}}}}\n"
        STOP
        MSG_STOP("tool_use")
        "{`metadata`:{`usage`:{`inputTokens`:100,`outputTokens`:50,`totalTokens`:150,"
        "`cacheReadInputTokens`:10,`cacheWriteInputTokens`:10},"
        "`metrics`:{`latencyMs`:0,`timeToFirstByteMs`:0}}}\n");
    rec_free(&r);
}

/* 8.1 case 6: empty deltas, a finish, two null usages -> 2 events. */
static void test_stream_empty(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{}}],`usage`:null}",
        "{`choices`:[{`index`:0,`delta`:{},`finish_reason`:`stop`}],`usage`:null}",
        "{`choices`:[],`usage`:null}",
        "{`choices`:[],`usage`:null}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START MSG_STOP("end_turn"));
    assert_int_equal(r.count, 2);
    rec_free(&r);
}

/* 8.1 case 24 through the mapper: every usage field. */
static void test_format_chunk_metadata_with_cache_tokens(void **state)
{
    (void)state;
    const char *chunks[] = {
        FINISH("{`content`:`x`}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:100,`completion_tokens`:50,`total_tokens`:150,"
        "`prompt_tokens_details`:{`cached_tokens`:25},`cache_creation_input_tokens`:10}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_non_null(strstr(rec_text(&r), Q(
        "{`metadata`:{`usage`:{`inputTokens`:100,`outputTokens`:50,`totalTokens`:150,"
        "`cacheReadInputTokens`:25,`cacheWriteInputTokens`:10},")));
    rec_free(&r);
}

/* 8.1 case 25: details null and no creation count -> no cache keys. */
static void test_format_chunk_metadata_without_cache_tokens(void **state)
{
    (void)state;
    const char *chunks[] = {
        FINISH("{`content`:`x`}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:100,`completion_tokens`:50,`total_tokens`:150,"
        "`prompt_tokens_details`:null,`cache_creation_input_tokens`:null}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_non_null(strstr(rec_text(&r), Q(USAGE(100, 50, 150))));
    rec_free(&r);
}

/* 8.1 case 26 / 8.2 case 86 ("text","text"): no switch. */
static void test_stream_switch_content_same_type(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`a`}"), CHUNK("{`content`:`b`}"),
                            FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("a") TEXT("b") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.1 case 27 / 8.2 case 86 ("reasoning_content" after "text"): stop then
 * start. */
static void test_stream_switch_content_different_type_with_prev(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`a`}"),
                            CHUNK("{`reasoning_content`:`r`}"),
                            FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("a") STOP START REASON("r") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.1 case 28 / 8.2 case 86 ("text" with nothing before): only a start. */
static void test_stream_switch_content_different_type_no_prev(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`a`}"), FINISH("{}", "stop"),
                            NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("a") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.2 case 86 (OpenAI test__stream_switch_content), its three pairs in
 * one stream: ("text", None) -> start; ("reasoning_content", "text") ->
 * stop, start; ("text", "text") -> nothing. */
static void test__stream_switch_content(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`t1`}"),
                            CHUNK("{`reasoning_content`:`r`}"),
                            CHUNK("{`content`:`t2`}"), CHUNK("{`content`:`t3`}"),
                            FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("t1") STOP START REASON("r") STOP
                      START TEXT("t2") TEXT("t3") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.2 case 86 beyond the three pairs: within one delta reasoning is
 * handled before text. */
static void test_stream_switch_content_reasoning_before_text(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`content`:`answer`,`reasoning_content`:`think`}"),
        FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("think") STOP START
                      TEXT("answer") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.1 case 29: no usage anywhere -> no metadata, no crash. */
static void test_stream_with_events_missing_usage_attribute(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`Hello`}"), FINISH("{}", "stop"),
                            "{`choices`:[]}", "{`choices`:[]}", NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("Hello") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.1 case 30: usage after the finish -> exactly one metadata. */
static void test_stream_with_usage_in_final_event(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`content`:`Hi`}"), FINISH("{}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:10,`completion_tokens`:5,`total_tokens`:15}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("Hi") STOP MSG_STOP("end_turn")
                      USAGE(10, 5, 15));
    rec_free(&r);
}

/* 8.2 case 78 (OpenAI test_stream): 18 events. */
static void test_openai_stream(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning_content`:`\\nI\\u0027m thinking`}"),
        CHUNK("{`content`:`I\\u0027ll calculate`,`tool_calls`:["
              "{`index`:0,`id`:`c1`,`function`:{`name`:`calculator`,`arguments`:`{\\`expression\\`: \\`2`}},"
              "{`index`:1,`id`:`c2`,`function`:{`name`:`calculator`,`arguments`:`{\\`expression\\`: \\`3`}}]}"),
        CHUNK("{`content`:`that for you`,`tool_calls`:["
              "{`index`:0,`function`:{`arguments`:`+2\\`}`}},"
              "{`index`:1,`function`:{`arguments`:`+3\\`}`}}]}"),
        FINISH("{`content`:``}", "tool_calls"),
        "{`choices`:[],`usage`:{`prompt_tokens`:1,`completion_tokens`:2,`total_tokens`:3}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_int_equal(r.count, 18);
    rec_free(&r);
}

/* 8.2 case 79 (OpenAI test_stream_empty): 2 events. */
static void test_openai_stream_empty(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{}"), FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START MSG_STOP("end_turn"));
    rec_free(&r);
}

/* 8.2 case 80: a chunk without choices and one with choices:[] are
 * skipped; 7 events. */
static void test_stream_with_empty_choices(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`id`:`x`}", "{`choices`:[]}",
        CHUNK("{`content`:`content`}"), CHUNK("{`content`:`content`}"),
        FINISH("{}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:10,`completion_tokens`:20,`total_tokens`:30}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("content") TEXT("content") STOP
                      MSG_STOP("end_turn") USAGE(10, 20, 30));
    assert_int_equal(r.count, 7);
    rec_free(&r);
}

/* Decision 7 (reference drops it): usage carried by the finish chunk. */
static void test_usage_on_finish_chunk(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`content`:`Hi`}"),
        "{`choices`:[{`index`:0,`delta`:{},`finish_reason`:`stop`}],"
        "`usage`:{`prompt_tokens`:7,`completion_tokens`:3,`total_tokens`:10}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("Hi") STOP MSG_STOP("end_turn")
                      USAGE(7, 3, 10));
    rec_free(&r);
}

/* Decision 7 (reference: one metadata per usage chunk): several usages,
 * nulls skipped, exactly one metadata with the last. */
static void test_usage_last_wins_one_metadata(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:`a`}}],"
        "`usage`:{`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2}}",
        FINISH("{}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:5,`completion_tokens`:6,`total_tokens`:11}}",
        "{`choices`:[],`usage`:null}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("a") STOP MSG_STOP("end_turn")
                      USAGE(5, 6, 11));
    rec_free(&r);
}

/* A usage without total_tokens gets input + output; Anthropic's
 * top-level cache_read_input_tokens is read; a cache_creation_input_tokens
 * of 0 is reported as 0 (reference-update 2.17). */
static void test_usage_fields_fallbacks(void **state)
{
    (void)state;
    const char *chunks[] = {
        FINISH("{}", "stop"),
        "{`choices`:[],`usage`:{`prompt_tokens`:4,`completion_tokens`:2,"
        "`cache_read_input_tokens`:3,`cache_creation_input_tokens`:0}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START MSG_STOP("end_turn")
        "{`metadata`:{`usage`:{`inputTokens`:4,`outputTokens`:2,`totalTokens`:6,"
        "`cacheReadInputTokens`:3,`cacheWriteInputTokens`:0},`metrics`:{"
        "`latencyMs`:0,`timeToFirstByteMs`:0}}}\n");
    rec_free(&r);
}

/* Decision 8: latency and TTFB are what the transport measured. */
static void test_metrics_latency_and_ttfb(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`delta`:{},`finish_reason`:`stop`}],"
        "`usage`:{`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2}}",
        NULL};
    char *body = sse_body(chunks, 1);
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(cm_finish(&r.m, 1234, 56, &r.err), MP_OK);
    assert_non_null(strstr(rec_text(&r),
        Q("`metrics`:{`latencyMs`:1234,`timeToFirstByteMs`:56}")));
    rec_free(&r);
    /* Unknown TTFB: the key is left out. */
    rec_init(&r, NULL);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(cm_finish(&r.m, 7, -1, &r.err), MP_OK);
    assert_non_null(strstr(rec_text(&r), Q("`metrics`:{`latencyMs`:7}}}")));
    rec_free(&r);
    free(body);
}

/* Captures the raw finish reason of the messageStop event. */
typedef struct stop_seen {
    uint32_t reason;
    char raw[64];
    int raw_present;
} stop_seen;

static int capture_stop(void *ctx, const mp_event_header *ev)
{
    stop_seen *s = ctx;
    if (ev->type == MP_EVENT_MESSAGE_STOP) {
        const mp_event_message_stop *e = (const mp_event_message_stop *)ev;
        s->reason = e->stop_reason;
        s->raw_present = e->raw_finish_reason.ptr != NULL;
        snprintf(s->raw, sizeof s->raw, "%.*s",
                 (int)e->raw_finish_reason.len,
                 e->raw_finish_reason.ptr ? e->raw_finish_reason.ptr : "");
    }
    return 0;
}

static stop_seen finish_with(const char *payload, int done)
{
    stop_seen s;
    memset(&s, 0, sizeof s);
    mp_event_sink sink = {sizeof sink, &s, capture_stop};
    ev_emitter em;
    ev_init(&em, &sink);
    chunk_mapper m;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(cm_init(&m, &em, NULL), MP_OK);
    const char *chunks[] = {payload, NULL};
    char *body = sse_body(chunks, done);
    assert_int_equal(cm_feed(&m, body, strlen(body), &err), MP_OK);
    assert_int_equal(cm_finish(&m, 0, 0, &err), MP_OK);
    cm_free(&m);
    free(body);
    return s;
}

/* Decision 9: the mapping, and the raw string passed along. */
static void test_finish_reason_mapping(void **state)
{
    (void)state;
    stop_seen s = finish_with(FINISH("{}", "tool_calls"), 1);
    assert_int_equal(s.reason, MP_STOP_TOOL_USE);
    assert_string_equal(s.raw, "tool_calls");
    s = finish_with(FINISH("{}", "length"), 1);
    assert_int_equal(s.reason, MP_STOP_MAX_TOKENS);
    /* Reference: end_turn.  Decision 9: content_filtered. */
    s = finish_with(FINISH("{}", "content_filter"), 1);
    assert_int_equal(s.reason, MP_STOP_CONTENT_FILTERED);
    assert_string_equal(s.raw, "content_filter");
    s = finish_with(FINISH("{}", "stop"), 1);
    assert_int_equal(s.reason, MP_STOP_END_TURN);
    s = finish_with(FINISH("{}", "function_call"), 1);
    assert_int_equal(s.reason, MP_STOP_END_TURN);
    assert_string_equal(s.raw, "function_call");
    /* [DONE] without any finish_reason: end_turn, no raw string. */
    s = finish_with(CHUNK("{`content`:`x`}"), 1);
    assert_int_equal(s.reason, MP_STOP_END_TURN);
    assert_false(s.raw_present);
}

/* Decision 9 in the rendered JSON: stopReason "content_filtered". */
static void test_content_filter_event_json(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`par`}"),
                            FINISH("{}", "content_filter"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("par") STOP
                      MSG_STOP("content_filtered"));
    rec_free(&r);
}

/* Byte-by-byte feeding gives the very same events. */
static void test_byte_by_byte_same_events(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning_content`:`r`}"), CHUNK("{`content`:`t\\u00e9`}"),
        CHUNK("{`tool_calls`:[{`index`:0,`id`:`i`,`function`:{`name`:`n`,`arguments`:`{}`}}]}"),
        FINISH("{}", "tool_calls"),
        "{`choices`:[],`usage`:{`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2}}",
        NULL};
    char *body = sse_body(chunks, 1);
    recorder a, b;
    rec_init(&a, NULL);
    rec_init(&b, NULL);
    assert_int_equal(rec_stream(&a, body), MP_OK);
    for (size_t i = 0; body[i]; i++)
        assert_int_equal(cm_feed(&b.m, body + i, 1, &b.err), MP_OK);
    assert_int_equal(cm_finish(&b.m, 0, 0, &b.err), MP_OK);
    assert_string_equal(rec_text(&a), rec_text(&b));
    rec_free(&a);
    rec_free(&b);
    free(body);
}

/* reference-update 3.5 case 165 (3): cache writes from
 * prompt_tokens_details.cache_write_tokens (reference-update 2.17); 0 or
 * missing there means none. */
static void test_format_chunk_metadata_with_cache_write_tokens(void **state)
{
    (void)state;
    static const struct {
        const char *details, *want;
    } cases[] = {
        {"{`cached_tokens`:25,`cache_write_tokens`:4346}",
         ",`cacheReadInputTokens`:25,`cacheWriteInputTokens`:4346},"},
        {"{`cached_tokens`:25,`cache_write_tokens`:0}",
         ",`cacheReadInputTokens`:25},"},
        {"{`cached_tokens`:25}", ",`cacheReadInputTokens`:25},"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char usage[512];
        snprintf(usage, sizeof usage, "{`choices`:[],`usage`:{`prompt_tokens`:"
                 "100,`completion_tokens`:50,`total_tokens`:150,"
                 "`prompt_tokens_details`:%s}}", cases[i].details);
        const char *chunks[] = {FINISH("{`content`:`x`}", "stop"), usage, NULL};
        recorder r;
        rec_init(&r, NULL);
        assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
        char want[512];
        snprintf(want, sizeof want, "{`metadata`:{`usage`:{`inputTokens`:100,"
                 "`outputTokens`:50,`totalTokens`:150%s", cases[i].want);
        if (!strstr(rec_text(&r), Q(want)))
            fail_msg("case %zu: %s", i, rec_text(&r));
        rec_free(&r);
    }
}

/* reference-update 2.17: the details field wins over Anthropic's
 * top-level count, which now counts even when it is 0 (LiteLLM over
 * Anthropic, the reference's wire example). */
static void test_cache_write_fallback_and_zero(void **state)
{
    (void)state;
    static const struct {
        const char *usage, *want;
    } cases[] = {
        {"`prompt_tokens`:120,`completion_tokens`:8,`total_tokens`:128,"
         "`prompt_tokens_details`:{`cached_tokens`:100},"
         "`cache_creation_input_tokens`:0",
         "`inputTokens`:120,`outputTokens`:8,`totalTokens`:128,"
         "`cacheReadInputTokens`:100,`cacheWriteInputTokens`:0}"},
        {"`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2,"
         "`prompt_tokens_details`:{`cache_write_tokens`:7},"
         "`cache_creation_input_tokens`:3",
         "`inputTokens`:1,`outputTokens`:1,`totalTokens`:2,"
         "`cacheWriteInputTokens`:7}"},
        {"`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2,"
         "`prompt_tokens_details`:{`cache_write_tokens`:0},"
         "`cache_creation_input_tokens`:3",
         "`inputTokens`:1,`outputTokens`:1,`totalTokens`:2,"
         "`cacheWriteInputTokens`:3}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char usage[512], want[512];
        snprintf(usage, sizeof usage, "{`choices`:[],`usage`:{%s}}",
                 cases[i].usage);
        snprintf(want, sizeof want, "{`metadata`:{`usage`:{%s,", cases[i].want);
        const char *chunks[] = {FINISH("{`content`:`x`}", "stop"), usage, NULL};
        recorder r;
        rec_init(&r, NULL);
        assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
        if (!strstr(rec_text(&r), Q(want)))
            fail_msg("case %zu: %s", i, rec_text(&r));
        rec_free(&r);
    }
}

/* reference-update 3.2 case 123 (the parent's; the LiteLLM proxy sends
 * reasoning_content, and we read delta.reasoning too): a vLLM delta with
 * only `reasoning`, content and tool_calls null, then a finish and a chunk
 * with a null usage: exactly these five events. */
static void test_stream_accepts_vllm_reasoning_delta(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning`:`\\nI'm thinking`,`content`:null,`tool_calls`:null}"),
        FINISH("{`reasoning`:null,`content`:null,`tool_calls`:null}", "stop"),
        "{`choices`:[],`usage`:null}", NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("\\nI'm thinking") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_stream_empty),
        cmocka_unit_test(test_format_chunk_metadata_with_cache_tokens),
        cmocka_unit_test(test_format_chunk_metadata_without_cache_tokens),
        cmocka_unit_test(test_stream_switch_content_same_type),
        cmocka_unit_test(test_stream_switch_content_different_type_with_prev),
        cmocka_unit_test(test_stream_switch_content_different_type_no_prev),
        cmocka_unit_test(test__stream_switch_content),
        cmocka_unit_test(test_stream_switch_content_reasoning_before_text),
        cmocka_unit_test(test_stream_with_events_missing_usage_attribute),
        cmocka_unit_test(test_stream_with_usage_in_final_event),
        cmocka_unit_test(test_openai_stream),
        cmocka_unit_test(test_openai_stream_empty),
        cmocka_unit_test(test_stream_with_empty_choices),
        cmocka_unit_test(test_usage_on_finish_chunk),
        cmocka_unit_test(test_usage_last_wins_one_metadata),
        cmocka_unit_test(test_usage_fields_fallbacks),
        cmocka_unit_test(test_metrics_latency_and_ttfb),
        cmocka_unit_test(test_finish_reason_mapping),
        cmocka_unit_test(test_content_filter_event_json),
        cmocka_unit_test(test_byte_by_byte_same_events),
        cmocka_unit_test(test_format_chunk_metadata_with_cache_write_tokens),
        cmocka_unit_test(test_cache_write_fallback_and_zero),
        cmocka_unit_test(test_stream_accepts_vllm_reasoning_delta),
    };
    return cmocka_run_group_tests_name("chunk_mapper", tests, NULL, NULL);
}
