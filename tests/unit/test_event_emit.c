/*
 * test_event_emit.c - the emitter's ABI 1.1 duties (event_emit.h):
 *
 *   - batching: events made from one read of bytes are held one behind and
 *     go out back to back; the last one of the read carries
 *     MP_EVENT_FLAG_BATCH_END (one read, many events: one flag), also when
 *     a real chunk mapper makes them; held events keep their own copies
 *     of the strings;
 *   - what a minor-0 host gets (MP_PLUGIN_14): v1.0 sizes, no flag, no
 *     RESPONSE_INFO, a redacted reasoning block left out whole with the
 *     indices after it contiguous, citations dropped, each with a warning;
 *   - a stop on the last event of a call wins over a failure read after
 *     that event was made (as unbatched), the message saying both;
 *   - RESPONSE_INFO right after MESSAGE_START, and its header cost as the
 *     metadata's when the wire had none (the wire's wins).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../plugin/core/errors.h"
#include "test_chunk_recorder.h"

/* What a sink saw: each event's header, kind/index and text. */
typedef struct seen {
    int n;
    mp_event_header hdr[64];
    uint32_t index[64], kind[64];
    char text[64][32];
    double cost[64];
    int64_t cache_write[64];
    int cancel_at;
} seen;

static int on_event(void *ctx, const mp_event_header *ev)
{
    seen *s = ctx;
    int i = s->n++;
    if (i >= 64)
        return 1;
    s->hdr[i] = *ev;
    s->text[i][0] = '\0';
    if (ev->type == MP_EVENT_BLOCK_START || ev->type == MP_EVENT_BLOCK_STOP)
        s->index[i] = ((const mp_event_block_stop *)ev)->block_index;
    if (ev->type == MP_EVENT_BLOCK_START)
        s->kind[i] = ((const mp_event_block_start *)ev)->kind;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        s->index[i] = d->block_index;
        s->kind[i] = d->kind;
        snprintf(s->text[i], sizeof s->text[i], "%.*s", (int)d->text.len,
                 d->text.ptr);
    }
    if (ev->type == MP_EVENT_METADATA && ev->size >= sizeof(mp_event_metadata))
        s->cost[i] = ((const mp_event_metadata *)ev)->cost_usd;
    if (ev->type == MP_EVENT_METADATA)
        s->cache_write[i] = ((const mp_event_metadata *)ev)->cache_write_input_tokens;
    return s->cancel_at && s->n == s->cancel_at;
}

static mp_event_sink sink_of(seen *s)
{
    memset(s, 0, sizeof *s);
    mp_event_sink k = {sizeof k, s, on_event};
    return k;
}

/* Log lines the emitter wrote. */
static char logged[2048];

static void on_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof logged - n, "%d %s\n", level, msg);
}

static const lp_logger test_log = {on_log, NULL};

static mp_event_metadata usage_with_cost(double cost)
{
    mp_event_metadata m;
    memset(&m, 0, sizeof m);
    m.input_tokens = 3;
    m.output_tokens = 2;
    m.total_tokens = 5;
    m.cost_usd = cost;
    m.reasoning_output_tokens = -1;
    return m;
}

static int flagged(const seen *s)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += (s->hdr[i].flags & MP_EVENT_FLAG_BATCH_END) != 0;
    return n;
}

static void test_batch_holds_one_behind_and_flags_the_last(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_batching(&em, 1);
    char text[8] = "one";
    assert_int_equal(ev_message_start(&em), MP_OK);
    assert_int_equal(s.n, 0); /* held until the next event */
    assert_int_equal(ev_block_start(&em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0), MP_OK);
    assert_int_equal(ev_block_delta(&em, MP_DELTA_TEXT, text, 3), MP_OK);
    strcpy(text, "XXX"); /* the caller's buffer is reused at once */
    assert_int_equal(s.n, 2);
    assert_int_equal(ev_batch_end(&em), MP_OK); /* the read is used up */
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[2], "one"); /* the held copy, not "XXX" */
    assert_int_equal(flagged(&s), 1);
    assert_int_equal(s.hdr[2].flags, MP_EVENT_FLAG_BATCH_END);
    /* Nothing held: a second end is a no-op. */
    assert_int_equal(ev_batch_end(&em), MP_OK);
    assert_int_equal(s.n, 3);
    /* The next read's events: again one flag, on its last. */
    ev_block_delta(&em, MP_DELTA_TEXT, "two", 3);
    ev_block_stop(&em);
    ev_batch_end(&em);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.hdr[3].flags, 0);
    assert_int_equal(s.hdr[4].flags, MP_EVENT_FLAG_BATCH_END);
    ev_free(&em);
}

/* The chunk mapper fed one buffer holding a whole stream: every event
 * comes from that one read, and exactly one is flagged, the last. */
static void test_one_read_many_events_one_flag(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    ev_set_batching(&r.em, 1);
    const char *payloads[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:`a`}}]}",
        "{`choices`:[{`index`:0,`delta`:{`content`:`b`}}]}",
        "{`choices`:[{`index`:0,`delta`:{`content`:`c`},`finish_reason`:`stop`}]}",
        NULL};
    char *body = sse_body(payloads, 1);
    seen s;
    mp_event_sink k = sink_of(&s);
    r.em.sink = &k;
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    /* Mapped, one held back, none flagged yet. */
    int before = s.n;
    assert_int_equal(flagged(&s), 0);
    assert_int_equal(ev_batch_end(&r.em), MP_OK);
    assert_int_equal(s.n, before + 1);
    assert_int_equal(s.n, 7); /* start, block start, 3 deltas, stop, msg stop */
    assert_int_equal(flagged(&s), 1);
    assert_int_equal(s.hdr[6].type, MP_EVENT_MESSAGE_STOP);
    assert_int_equal(s.hdr[6].flags, MP_EVENT_FLAG_BATCH_END);
    free(body);
    ev_free(&r.em);
    rec_free(&r);
}

/* A host's non-zero return on a delivered event stops the next delivery;
 * a held event is never delivered after that. */
static void test_batch_respects_cancel(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    s.cancel_at = 1;
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_batching(&em, 1);
    ev_message_start(&em);
    assert_int_equal(ev_block_start(&em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0),
                     MP_E_CANCELLED);
    assert_int_equal(ev_batch_end(&em), MP_E_CANCELLED);
    assert_int_equal(s.n, 1);
    ev_free(&em);
}

/* The response fails after the last event of a read was made, and the
 * host stops on that event when the call's end delivers it: the call is
 * cancelled (unbatched, the host would have stopped it there), and the
 * message keeps the failure. */
static void test_stop_on_the_last_event_wins_over_a_later_failure(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    s.cancel_at = 2;
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_batching(&em, 1);
    ev_message_start(&em);
    ev_block_start(&em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    mp_error err = MP_ERROR_INIT;
    int rc = lp_fail(&err, MP_E_PROTOCOL, "SSE event at byte 9: bad JSON");
    lp_error_http(&err, 200, 1, -1, "overloaded");
    assert_int_equal(ev_call_done(&em, rc, &err), MP_E_CANCELLED);
    assert_int_equal(s.n, 2);
    assert_int_equal(err.code, MP_E_CANCELLED);
    assert_string_equal(err.message, "stream cancelled by the host's event "
                        "callback (after that event the response failed: "
                        "SSE event at byte 9: bad JSON)");
    assert_int_equal(err.retryable, 0);
    assert_string_equal(err.provider_code, "");
    ev_free(&em);

    /* A host that goes on gets the failure. */
    k = sink_of(&s);
    ev_init(&em, &k);
    ev_set_batching(&em, 1);
    ev_message_start(&em);
    err = (mp_error)MP_ERROR_INIT;
    rc = lp_fail(&err, MP_E_PROTOCOL, "bad JSON");
    assert_int_equal(ev_call_done(&em, rc, &err), MP_E_PROTOCOL);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.hdr[0].flags, MP_EVENT_FLAG_BATCH_END);
    assert_string_equal(err.message, "bad JSON");
    ev_free(&em);
}

static void test_minor0_gets_no_flags_and_v10_sizes(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_host_minor(&em, 0, &test_log);
    ev_set_batching(&em, 1); /* asked for, but minor 0 has no flags */
    mp_event_response_info info;
    memset(&info, 0, sizeof info);
    info.http_status = 200;
    info.cost_usd = 0.5;
    ev_set_response_info(&em, &info);
    ev_message_start(&em);
    assert_int_equal(s.n, 1); /* delivered at once: no batching */
    mp_event_metadata md = usage_with_cost(0.25);
    ev_message_stop(&em, MP_STOP_END_TURN, NULL, 0);
    ev_metadata(&em, &md);
    assert_int_equal(ev_batch_end(&em), MP_OK);
    assert_int_equal(s.n, 3); /* no RESPONSE_INFO */
    for (int i = 0; i < s.n; i++) {
        assert_int_equal(s.hdr[i].flags, 0);
        assert_true(s.hdr[i].type != MP_EVENT_RESPONSE_INFO);
    }
    assert_int_equal(s.hdr[2].type, MP_EVENT_METADATA);
    assert_int_equal(s.hdr[2].size, 64); /* v1.0's, not sizeof (80) */
    ev_free(&em);
}

/* The cache-write count a host of `minor` gets for a reported `write`. */
static int64_t cache_write_seen(uint32_t minor, int64_t write)
{
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_host_minor(&em, minor, &test_log);
    mp_event_metadata md = usage_with_cost(-1);
    md.cache_write_input_tokens = write;
    ev_message_start(&em);
    ev_message_stop(&em, MP_STOP_END_TURN, NULL, 0);
    ev_metadata(&em, &md);
    ev_free(&em);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.hdr[2].type, MP_EVENT_METADATA);
    return s.cache_write[2];
}

/* A reported 0 of cache writes is 0 for a 1.1 host, and -1 for a 1.0 host,
 * whose header says "-1 when absent or 0"; a count stays a count. */
static void test_cache_write_zero_by_minor(void **state)
{
    (void)state;
    assert_int_equal(cache_write_seen(0, 0), -1);
    assert_int_equal(cache_write_seen(1, 0), 0);
    assert_int_equal(cache_write_seen(0, 7), 7);
    assert_int_equal(cache_write_seen(1, 7), 7);
}

/* Blocks: text, redacted reasoning, reasoning text, text with a citation.
 * A 1.1 host gets all four; a 1.0 host gets three, indexed 0, 1, 2, and
 * the plain text of the cited block, with one warning each. */
static void emit_four_blocks(ev_emitter *em)
{
    ev_message_start(em);
    ev_block_start(em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_TEXT, "t", 1);
    ev_block_stop(em);
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REDACTED_REASONING, "\x01opaque", 7);
    ev_block_stop(em);
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REASONING_TEXT, "r", 1);
    ev_block_stop(em);
    ev_block_start(em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_CITATION, "{\"title\":\"T\"}", 13);
    ev_block_delta(em, MP_DELTA_TEXT, "c", 1);
    ev_block_delta(em, MP_DELTA_CITATION, "{\"title\":\"U\"}", 13);
    ev_block_stop(em);
    ev_message_stop(em, MP_STOP_END_TURN, NULL, 0);
}

static void test_minor0_leaves_redacted_and_citations_out(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    ev_set_host_minor(&em, 0, &test_log);
    logged[0] = '\0';
    emit_four_blocks(&em);
    /* start; 0: start delta stop; 1: start delta stop; 2: start delta stop;
     * message stop */
    assert_int_equal(s.n, 11);
    uint32_t starts[3], n_starts = 0;
    for (int i = 0; i < s.n; i++) {
        if (s.hdr[i].type == MP_EVENT_BLOCK_START)
            starts[n_starts++] = s.index[i];
        if (s.hdr[i].type == MP_EVENT_BLOCK_DELTA)
            assert_true(s.kind[i] <= MP_DELTA_TOOL_INPUT);
    }
    assert_int_equal(n_starts, 3);
    assert_int_equal(starts[0], 0);
    assert_int_equal(starts[1], 1);
    assert_int_equal(starts[2], 2);
    assert_int_equal(s.kind[4], MP_BLOCK_REASONING); /* the reasoning text one */
    assert_string_equal(s.text[5], "r");
    assert_int_equal(s.index[8], 2);
    assert_string_equal(s.text[8], "c");
    assert_non_null(strstr(logged, "30 a redacted reasoning block was left out"));
    const char *first = strstr(logged, "citations were left out");
    assert_non_null(first); /* two citations, one warning */
    assert_null(strstr(first + 1, "citations were left out"));
    ev_free(&em);
}

static void test_minor1_gets_everything(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    logged[0] = '\0';
    ev_set_host_minor(&em, 1, &test_log);
    emit_four_blocks(&em);
    assert_int_equal(s.n, 16);
    assert_int_equal(s.kind[5], MP_DELTA_REDACTED_REASONING);
    assert_int_equal(s.index[5], 1);
    assert_int_equal(s.kind[11], MP_DELTA_CITATION);
    assert_int_equal(s.index[11], 3);
    assert_string_equal(logged, "");
    ev_free(&em);
}

static void test_response_info_after_message_start(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    mp_event_response_info info;
    memset(&info, 0, sizeof info);
    info.http_status = 200;
    info.attempts = 1;
    info.cost_usd = 0.75;
    ev_set_response_info(&em, &info);
    ev_message_start(&em);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.hdr[0].type, MP_EVENT_MESSAGE_START);
    assert_int_equal(s.hdr[1].type, MP_EVENT_RESPONSE_INFO);
    assert_int_equal(s.hdr[1].size, sizeof(mp_event_response_info));
    /* No cost on the wire: the header's stands in. */
    mp_event_metadata md = usage_with_cost(-1);
    ev_metadata(&em, &md);
    assert_true(s.cost[2] == 0.75);
    assert_int_equal(s.hdr[2].size, sizeof(mp_event_metadata));
    /* The wire's own cost wins, 0 included. */
    md = usage_with_cost(0);
    ev_metadata(&em, &md);
    assert_true(s.cost[3] == 0);
    ev_free(&em);
}

static void test_no_response_info_no_cost(void **state)
{
    (void)state;
    seen s;
    mp_event_sink k = sink_of(&s);
    ev_emitter em;
    ev_init(&em, &k);
    ev_message_start(&em);
    mp_event_metadata md = usage_with_cost(-3); /* any negative: unknown */
    ev_metadata(&em, &md);
    assert_int_equal(s.n, 2);
    assert_true(s.cost[1] == -1);
    ev_free(&em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_holds_one_behind_and_flags_the_last),
        cmocka_unit_test(test_one_read_many_events_one_flag),
        cmocka_unit_test(test_batch_respects_cancel),
        cmocka_unit_test(test_stop_on_the_last_event_wins_over_a_later_failure),
        cmocka_unit_test(test_minor0_gets_no_flags_and_v10_sizes),
        cmocka_unit_test(test_cache_write_zero_by_minor),
        cmocka_unit_test(test_minor0_leaves_redacted_and_citations_out),
        cmocka_unit_test(test_minor1_gets_everything),
        cmocka_unit_test(test_response_info_after_message_start),
        cmocka_unit_test(test_no_response_info_no_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
