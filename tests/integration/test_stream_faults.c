/*
 * test_stream_faults.c - transport faults between build/mock-server and the
 * real plugin: a connection reset before and after the finish chunk, a
 * stall past the idle timeout, a server that never answers, a refused
 * connection, garbage bytes and over-long lines, cancellation from another
 * thread (timed) and from the event callback, and the rule that nothing is
 * retried once an event went out (decision 17, checked in the mock's
 * record).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/it_cancel.h"
#include "stream_it.h"

#define START "{\"messageStart\":{\"role\":\"assistant\"}}\n"
#define BSTART "{\"contentBlockStart\":{\"start\":{}}}\n"
#define TEXT(t) "{\"contentBlockDelta\":{\"delta\":{\"text\":\"" t "\"}}}\n"
#define BSTOP "{\"contentBlockStop\":{}}\n"
#define END_TURN "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"

#define KEY "sk-faults-key-0123456789"

/* The typed error of a transport fault: no Retry-After, no provider code,
 * and not a piece of the key in the message. */
static void expect_error(const it_call *c, int code, int http, int retryable,
                         const char *needle)
{
    st_expect_error(c, code, http, retryable, -1, NULL, needle,
                    "sk-faults-key");
}

/* ------------------------------------------------- connection resets */

static void test_reset_before_finish_is_network_error(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_drop_before_finish.scn",
                                       NULL), 0);
    it_call c;
    /* Retries allowed, but an event went out: exactly one request. */
    it_call_model(&c, &m, "it-drop-before-finish", NULL, KEY,
                  "\"num_retries\":3");
    expect_error(&c, MP_E_NETWORK, 0, 0, "connection closed before "
                 "finish_reason");
    assert_string_equal(c.ev.json.data, START BSTART TEXT("Hello"));
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);
}

static void test_reset_after_finish_is_success(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_drop_after_finish.scn",
                                       NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-drop-after-finish", NULL, KEY,
                  "\"num_retries\":3");
    st_expect_rc(&c, MP_OK);
    /* Complete content; the usage chunk never came, so no metadata. */
    assert_string_equal(c.ev.json.data, START BSTART TEXT("Hello")
                        TEXT(", world") BSTOP END_TURN);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);
}

/* A 2xx body that breaks before any event was delivered, but after some of
 * its bytes arrived: not retried (decision 17: only failures before the
 * first byte of a response), and in particular never retried into a
 * parser that still holds the first attempt's partial bytes. */
static void test_partial_body_is_not_retried(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "it_drop_first_chunk.scn",
                                       "it_ok_text.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "x", NULL, KEY,
                  "\"num_retries\":2,\"retry_backoff_ms\":5");
    expect_error(&c, MP_E_NETWORK, 0, 1, "network error: ");
    assert_int_equal(c.ev.count, 0);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);

    assert_int_equal(it_mock_scenarios(&m, 1, "it_nonstream_drop.scn",
                                       "it_nonstream.scn", NULL), 0);
    it_call_model(&c, &m, "x", "{\"stream\":false}", NULL,
                  "\"num_retries\":2,\"retry_backoff_ms\":5");
    expect_error(&c, MP_E_NETWORK, 0, 1, "network error: ");
    assert_int_equal(c.ev.count, 0);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);
}

static void test_connection_refused(void **state)
{
    (void)state;
    /* A port that was just in use and is closed now. */
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    mock_stop(&m);
    it_call c;
    it_call_model(&c, &m, "it-ok", NULL, KEY,
                  "\"num_retries\":2,\"retry_backoff_ms\":5");
    /* Refused before any byte: the transport retried it, and says the
     * host may retry too. */
    expect_error(&c, MP_E_NETWORK, 0, 1, "network error: ");
    assert_int_equal(c.ev.count, 0);
    assert_true(c.ms < 1000.0);
    it_call_free(&c);
}

/* ------------------------------------------------------------ timeouts */

static void test_stall_past_idle_timeout(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_stall.scn",
                                       "it_stall_headers.scn", "it_pause.scn",
                                       NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-stall", NULL, KEY,
                  "\"idle_timeout\":0.3,\"num_retries\":2");
    expect_error(&c, MP_E_TIMEOUT, 0, 0, "stream stalled: no data from the "
                 "server for 300 ms (idle_timeout)");
    assert_string_equal(c.ev.json.data, START BSTART TEXT("Hello"));
    assert_true(c.ms >= 290.0 && c.ms < 800.0); /* not the 5 s stall */
    it_call_free(&c);

    /* Silence right after the headers: the same timeout, no event. */
    it_call_model(&c, &m, "it-stall-headers", NULL, KEY,
                  "\"idle_timeout\":0.3");
    expect_error(&c, MP_E_TIMEOUT, 0, 0, "no data from the server for 300 ms "
                 "(idle_timeout)");
    assert_int_equal(c.ev.count, 0);
    assert_true(c.ms >= 290.0 && c.ms < 800.0);
    it_call_free(&c);

    /* A pause shorter than the idle timeout is fine. */
    it_call_model(&c, &m, "it-pause", NULL, KEY, "\"idle_timeout\":1");
    assert_int_equal(c.rc, MP_OK);
    assert_true(c.ms >= 240.0);
    assert_int_equal(c.ev.by_type[MP_EVENT_METADATA], 1);
    it_call_free(&c);
    assert_int_equal(it_chat_count(&m), 3); /* none retried */
    mock_stop(&m);
}

static void test_no_response_times_out(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_no_response.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-no-response", NULL, KEY, "\"timeout\":0.5");
    expect_error(&c, MP_E_TIMEOUT, 0, 0, "request timed out (timeout 500 ms");
    assert_int_equal(c.ev.count, 0);
    assert_true(c.ms >= 490.0 && c.ms < 1000.0);
    it_call_free(&c);

    /* The idle timeout also covers waiting for the response head. */
    it_call_model(&c, &m, "it-no-response", NULL, KEY,
                  "\"timeout\":5,\"idle_timeout\":0.3");
    expect_error(&c, MP_E_TIMEOUT, 0, 0, "no data from the server for 300 ms");
    assert_true(c.ms >= 290.0 && c.ms < 800.0);
    it_call_free(&c);
    mock_stop(&m);
}

/* ------------------------------------------------------ malformed bodies */

static void test_garbage_json_names_offset(void **state)
{
    (void)state;
    char *trickle = it_trickled_copy("it_garbage_json.scn");
    assert_non_null(trickle);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_garbage_json.scn", trickle,
                                       NULL), 0);
    const char *models[] = {"it-garbage-json", "it-garbage-json-trickle"};
    for (int i = 0; i < 2; i++) {
        it_call c;
        it_call_model(&c, &m, models[i], NULL, KEY, "\"num_retries\":2");
        /* Byte 13 of the payload is the second comma. */
        expect_error(&c, MP_E_PROTOCOL, 0, 0, "SSE data at byte 289: invalid "
                     "JSON at payload byte 13: expected a quoted member "
                     "name");
        assert_string_equal(c.ev.json.data, START BSTART TEXT("Hi"));
        it_call_free(&c);
    }
    assert_int_equal(it_chat_count(&m), 2);
    free(trickle);
    mock_stop(&m);
}

static void test_body_that_is_not_sse(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_not_sse.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-not-sse", NULL, KEY, NULL);
    expect_error(&c, MP_E_PROTOCOL, 0, 0, "the response body is not an event "
                 "stream (no SSE data line in its 56 bytes; it starts with "
                 "\"upstream hiccup");
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    mock_stop(&m);
}

/* A stream whose second event is one `len`-byte line. */
static char *long_line_scenario(const char *name, size_t len, int trickle)
{
    it_buf text = {0};
    it_buf_add(&text, "x", 0);
    for (size_t i = 0; i < len; i++)
        it_buf_add(&text, "abcdefghijklmnopqrstuvwxyz" + i % 26, 1);
    char *path = it_write_file(
        name,
        "model: %s\nsse: true\ntrickle: %s\n--- body\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}"
        "\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{},"
        "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
        name, trickle ? "true" : "false", text.data);
    it_buf_free(&text);
    assert_non_null(path);
    return path;
}

static void test_over_long_line(void **state)
{
    (void)state;
    char *p[3] = {long_line_scenario("it-long", 5000, 0),
                  long_line_scenario("it-long-trickle", 5000, 1),
                  long_line_scenario("it-long-ok", 1900, 0)};
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, p[0], p[1], p[2], NULL), 0);
    /* The second event starts at byte 62 (after the role chunk). */
    for (int i = 0; i < 2; i++) {
        it_call c;
        it_call_model(&c, &m, i ? "it-long-trickle" : "it-long", NULL, KEY,
                      "\"max_response_bytes\":2048");
        expect_error(&c, MP_E_PROTOCOL, 0, 0, "SSE line longer than max_line "
                     "(2048 bytes) at byte offset 62");
        /* The role chunk had no content: no event went out. */
        assert_int_equal(c.ev.count, 0);
        it_call_free(&c);
    }
    /* Under the limit: fine. */
    it_call c;
    it_call_model(&c, &m, "it-long-ok", NULL, KEY,
                  "\"max_response_bytes\":2048");
    assert_int_equal(c.rc, MP_OK);
    assert_int_equal(c.ev.text_bytes, 1900);
    it_call_free(&c);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    mock_stop(&m);
}

/* ------------------------------------------------------------ cancel */

/* Stream `model` on a fresh instance and cancel it from another thread
 * `delay_ms` after the first text delta, or, when `after_request`, after
 * the server received the request; returns the time from cancel() to
 * stream()'s return (negative: it returned first). */
static double cancel_during(const mock_proc *m, const char *model,
                            const char *extra, int after_request, int delay_ms,
                            it_events *ev, mp_error *err, int *rc)
{
    char config[200];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    char *args = it_client_args(m->base_url, NULL, extra);
    mp_instance *inst = it_create(config, args, err);
    free(args);
    assert_non_null(inst);
    double ms;
    int no_trigger;
    *rc = it_stream_cancelled(inst, delay_ms, after_request ? m : NULL, ev, err,
                              &ms, &no_trigger);
    assert_false(no_trigger);
    /* The instance works normally afterwards: cancel is not sticky. */
    mp_error err2 = MP_ERROR_INIT;
    assert_int_equal(it_p->update_config(inst, "{\"model_id\":\"it-ok\"}", 20,
                                         &err2), MP_OK);
    it_events after;
    it_events_init(&after);
    assert_int_equal(it_stream(inst, it_hello_request, &after, &err2), MP_OK);
    assert_int_equal(after.by_type[MP_EVENT_MESSAGE_STOP], 1);
    it_events_free(&after);
    it_p->destroy(inst);
    return ms;
}

static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_stall.scn", "it_ok_text.scn",
                                       "it_no_response.scn", NULL), 0);
    it_events ev;
    mp_error err = MP_ERROR_INIT;
    int rc;
    /* Mid-stream, while the server is silent.  The 50 ms target of
     * issue 4, asserted as such: the plugin wakes its transfer at once
     * (~0.1 ms here; under 2 ms with both cores busy), so even a loaded
     * machine stays far below it.  The two cancels below take a little
     * longer under load (up to ~15 ms measured), so they assert 150 ms:
     * still well under the ~200 ms poll tick a cancel that is not woken
     * would wait for. */
    double ms = cancel_during(&m, "it-stall", NULL, 0, 30, &ev, &err, &rc);
    print_message("cancel mid-stream returned %.2f ms after cancel()\n", ms);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_int_equal(ev.count, 3);
    assert_true(ms >= 0.0 && ms < 50.0);
    it_events_free(&ev);

    /* Waiting for the response head (the server has the request). */
    ms = cancel_during(&m, "it-no-response", NULL, 1, 50, &ev, &err, &rc);
    print_message("cancel before the head returned %.2f ms after cancel()\n",
                  ms);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_int_equal(ev.count, 0);
    assert_string_equal(err.message, "cancelled");
    assert_true(ms >= 0.0 && ms < 150.0);
    it_events_free(&ev);
    mock_stop(&m);
}

static void test_cancel_during_retry_backoff(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "it_429_always.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, "\"num_retries\":5");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"x\"}", args, &err);
    free(args);
    assert_non_null(inst);
    /* 80 ms after the first try reached the server: inside the 200 ms
     * Retry-After wait that follows its 429. */
    it_events ev;
    double ms;
    int no_trigger;
    int rc = it_stream_cancelled(inst, 80, &m, &ev, &err, &ms, &no_trigger);
    assert_false(no_trigger);
    print_message("cancel in the retry wait returned %.2f ms after cancel()\n", ms);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_int_equal(ev.count, 0);
    assert_true(ms >= 0.0 && ms < 150.0); /* see test_cancel_from_another_thread */
    /* The first try only: the 200 ms Retry-After wait was cut short. */
    assert_int_equal(it_chat_count(&m), 1);
    it_events_free(&ev);
    it_p->destroy(inst);
    mock_stop(&m);
}

static void test_callback_stop_cancels(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-ok\"}", args, &err);
    free(args);
    assert_non_null(inst);
    for (int at = 1; at <= 7; at++) {
        it_events ev;
        it_events_init(&ev);
        ev.cancel_at = at;
        int rc = it_stream(inst, it_hello_request, &ev, &err);
        assert_int_equal(rc, MP_E_CANCELLED);
        assert_int_equal(err.code, MP_E_CANCELLED);
        assert_string_equal(err.message,
                            "stream cancelled by the host's event callback");
        assert_int_equal(ev.count, at); /* nothing after the "stop" */
        it_events_free(&ev);
    }
    assert_int_equal(it_chat_count(&m), 7); /* never retried */
    it_p->destroy(inst);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_before_finish_is_network_error),
        cmocka_unit_test(test_reset_after_finish_is_success),
        cmocka_unit_test(test_partial_body_is_not_retried),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_stall_past_idle_timeout),
        cmocka_unit_test(test_no_response_times_out),
        cmocka_unit_test(test_garbage_json_names_offset),
        cmocka_unit_test(test_body_that_is_not_sse),
        cmocka_unit_test(test_over_long_line),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_cancel_during_retry_backoff),
        cmocka_unit_test(test_callback_stop_cancels),
    };
    return cmocka_run_group_tests_name("stream_faults", tests, it_group_setup,
                                       it_group_teardown);
}
