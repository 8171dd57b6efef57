/*
 * test_stream_modes.c - the real plugin against build/mock-server in its
 * other modes: the non-streaming path (config params.stream false,
 * reference 4.3 and case 17, decision 1), connection reuse across calls
 * on one instance (the mock records a connection number per request), and
 * four instances streaming at once on four threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_it.h"

#define NONSTREAM "{\"stream\":false}"
#define NONSTREAM_CONFIG(model) \
    "{\"model_id\":\"" model "\",\"params\":" NONSTREAM "}"
#define KEY "sk-nonstream-0000000000"

/* Reference case 17 as the message the host assembles. */
static const char case17_message[] =
    "{\"role\":\"assistant\",\"content\":["
    "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Let me think about "
    "this calculation\"}}},"
    "{\"text\":\"I'll calculate that for you\"},"
    "{\"toolUse\":{\"toolUseId\":\"tool_call_id_123\",\"name\":\"calculator\","
    "\"input\":{\"expression\":\"123981723 + 234982734\"}}}]}";

/* ------------------------------------------------------ non-streaming */

static void test_non_streaming_case17(void **state)
{
    (void)state;
    char *trickle = it_trickled_copy("it_nonstream.scn");
    assert_non_null(trickle);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_nonstream.scn", trickle,
                                       NULL), 0);
    json_object *want_msg = json_tokener_parse(case17_message);
    assert_non_null(want_msg);
    const char *models[] = {"it-nonstream", "it-nonstream-trickle"};
    for (int i = 0; i < 2; i++) {
        it_call c;
        it_call_model(&c, &m, models[i], NONSTREAM, KEY, NULL);
        st_expect_ok_events(&c, ST_CASE17_EVENTS);
        json_object *msg = asm_take_message(&c.ev.as);
        assert_true(json_object_equal(msg, want_msg));
        assert_string_equal(asm_stop_reason(&c.ev.as), "tool_use");
        json_object_put(msg);
        it_call_free(&c);
    }
    /* The requests said stream false, without stream_options (decision 1;
     * the scenario checks it too and would have answered 418). */
    json_object *all = it_chat_requests(&m);
    assert_int_equal(json_object_array_length(all), 2);
    for (size_t i = 0; i < 2; i++) {
        json_object *r = json_object_array_get_idx(all, i);
        assert_true(it_has(r, "body.stream"));
        assert_false(json_object_get_boolean(it_get(r, "body.stream")));
        assert_false(it_has(r, "body.stream_options"));
        assert_string_equal(it_get_str(r, "headers.accept"), "application/json");
        assert_int_equal(json_object_array_length(it_get(r, "body.tools")), 0);
    }
    json_object_put(all);
    json_object_put(want_msg);
    free(trickle);
    mock_stop(&m);
}

/* reference-update 2.1: the config's own "stream": false asks for the
 * whole answer too (case 17' through the real plugin), and wins over a
 * params.stream true. */
static void test_stream_config_key_selects_the_whole_response(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_nonstream.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"it-nonstream\",\"stream\":false,"
                "\"params\":{\"stream\":true}}", args, NULL);
    st_expect_ok_events(&c, ST_CASE17_EVENTS);
    it_call_free(&c);
    json_object *r = it_last_chat(&m);
    assert_false(json_object_get_boolean(it_get(r, "body.stream")));
    assert_false(it_has(r, "body.stream_options"));
    json_object_put(r);
    free(args);
    mock_stop(&m);
}

/* idle_timeout bounds the silence between bytes of a stream; a
 * non-streamed answer may be silent while the model works, so only the
 * whole-call timeout applies to it.  The same stall on a stream fails
 * (test_stream_faults covers that). */
static void test_non_streaming_ignores_idle_timeout(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_nonstream_slow.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-nonstream-slow", NONSTREAM, KEY,
                  "\"idle_timeout\":0.2,\"timeout\":5");
    st_expect_rc(&c, MP_OK);
    assert_true(c.ms >= 650);
    assert_string_equal(asm_stop_reason(&c.ev.as), "tool_use");
    it_call_free(&c);
    mock_stop(&m);
}

/* A stream request answered with one JSON object gives the same events
 * as the non-streaming path, not a protocol error. */
static void test_stream_request_answered_with_json(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_stream_json_answer.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-stream-json-answer", NULL, KEY, NULL);
    st_expect_ok_events(&c, ST_CASE17_EVENTS);
    it_call_free(&c);
    mock_stop(&m);
}

static void test_non_streaming_bad_bodies(void **state)
{
    (void)state;
    it_buf big = {0};
    for (int i = 0; i < 300; i++)
        it_buf_add(&big, "0123456789", 10);
    char *p[3] = {
        it_write_file("ns-big.scn", "model: ns-big\n--- body\n"
                      "{\"choices\":[{\"index\":0,\"message\":{\"content\":"
                      "\"%s\"},\"finish_reason\":\"stop\"}]}\n", big.data),
        it_write_file("ns-bad.scn", "model: ns-bad\n--- body\n"
                      "{\"choices\":[{\"index\":0,\"message\":{\"content\":"
                      "\"Hi\"}},]}\n"),
        it_write_file("ns-error.scn", "model: ns-error\n--- body\n"
                      "{\"error\":{\"message\":\"This model's maximum context "
                      "length is 8192 tokens\",\"type\":\"invalid_request_"
                      "error\",\"code\":\"context_length_exceeded\"}}\n"),
    };
    it_buf_free(&big);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, p[0], p[1], p[2], NULL), 0);
    char *args = it_client_args(m.base_url, NULL, "\"max_response_bytes\":2048");
    it_call c;
    it_call_run(&c, NONSTREAM_CONFIG("ns-big"), args, NULL);
    assert_int_equal(c.rc, MP_E_PROTOCOL);
    assert_string_equal(c.err.message, "response body exceeds "
                        "max_response_bytes (2048 bytes)");
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);

    it_call_run(&c, NONSTREAM_CONFIG("ns-bad"), args, NULL);
    print_message("%s\n", c.err.message);
    assert_int_equal(c.rc, MP_E_PROTOCOL);
    assert_non_null(strstr(c.err.message, "response body: invalid JSON at "
                                          "payload byte 51"));
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);

    /* An error object in a 200 body is typed like a streamed one. */
    it_call_run(&c, NONSTREAM_CONFIG("ns-error"), args, NULL);
    assert_int_equal(c.rc, MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(c.err.retryable, 0);
    assert_string_equal(c.err.provider_code, "context_length_exceeded");
    assert_non_null(strstr(c.err.message, "maximum context length is 8192"));
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    free(args);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    mock_stop(&m);
}

/* ------------------------------------------------------------ keep-alive */

static int64_t conn_of(json_object *all, size_t i)
{
    json_object *c = it_get(json_object_array_get_idx(all, i), "conn");
    assert_true(json_object_is_type(c, json_type_int));
    return json_object_get_int64(c);
}

static void stream_ok(mp_instance *inst, const char *want)
{
    it_events ev;
    it_events_init(&ev);
    mp_error err = MP_ERROR_INIT;
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    if (rc != MP_OK)
        fail_msg("%s: %s", mp_errname(rc), err.message);
    if (want)
        st_expect_events(&ev, want);
    it_events_free(&ev);
}

static void test_keep_alive_reuses_the_connection(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn",
                                       "it_nonstream.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *a = it_create("{\"model_id\":\"it-ok\"}", args, &err);
    mp_instance *b = it_create("{\"model_id\":\"it-ok\"}", args, &err);
    assert_non_null(a);
    assert_non_null(b);
    stream_ok(a, ST_HELLO_EVENTS);
    stream_ok(a, ST_HELLO_EVENTS);
    stream_ok(b, ST_HELLO_EVENTS);
    /* A non-streaming call on the same instance uses it too. */
    assert_int_equal(it_p->update_config(a, NONSTREAM_CONFIG("it-nonstream"),
                                         strlen(NONSTREAM_CONFIG("it-nonstream")),
                                         &err), MP_OK);
    stream_ok(a, ST_CASE17_EVENTS);
    json_object *all = it_chat_requests(&m);
    assert_int_equal(json_object_array_length(all), 4);
    assert_int_equal(conn_of(all, 0), conn_of(all, 1));
    assert_int_equal(conn_of(all, 0), conn_of(all, 3));
    assert_int_not_equal(conn_of(all, 0), conn_of(all, 2)); /* instance b */
    json_object_put(all);
    it_p->destroy(a);
    it_p->destroy(b);
    free(args);
    mock_stop(&m);
}

/* After an HTTP error the connection is still good for the next call. */
static void test_keep_alive_after_an_error(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", "it_404.scn",
                                       NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *a = it_create("{\"model_id\":\"it-404\"}", args, &err);
    assert_non_null(a);
    it_events ev;
    it_events_init(&ev);
    assert_int_equal(it_stream(a, it_hello_request, &ev, &err), MP_E_NOT_FOUND);
    it_events_free(&ev);
    assert_int_equal(it_p->update_config(a, "{\"model_id\":\"it-ok\"}", 20,
                                         &err), MP_OK);
    stream_ok(a, ST_HELLO_EVENTS);
    json_object *all = it_chat_requests(&m);
    assert_int_equal(json_object_array_length(all), 2);
    assert_int_equal(conn_of(all, 0), conn_of(all, 1));
    json_object_put(all);
    it_p->destroy(a);
    free(args);
    mock_stop(&m);
}

/* A body that ends when the server closes the connection is complete; the
 * next call needs (and gets) a new connection. */
static void test_close_delimited_body(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_close_delimited.scn",
                                       "it_ok_text.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *a = it_create("{\"model_id\":\"it-close-delimited\"}", args,
                               &err);
    assert_non_null(a);
    stream_ok(a, ST_HELLO_EVENTS);
    stream_ok(a, ST_HELLO_EVENTS);
    json_object *all = it_chat_requests(&m);
    assert_int_equal(json_object_array_length(all), 2);
    assert_int_not_equal(conn_of(all, 0), conn_of(all, 1));
    json_object_put(all);
    it_p->destroy(a);
    free(args);
    mock_stop(&m);
}

/* ------------------------------------------------------------ threads */

#define THREADS 4
#define ROUNDS 3

typedef struct worker {
    const char *args;
    int failures;
    char why[2200];
    double start, end; /* of the first round */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-ok-paced\"}", w->args,
                                  &err);
    if (!inst) {
        w->failures++;
        snprintf(w->why, sizeof w->why, "create: %s", err.message);
        return NULL;
    }
    for (int r = 0; r < ROUNDS; r++) {
        it_events ev;
        it_events_init(&ev);
        double t0 = it_now_ms();
        int rc = it_stream(inst, it_hello_request, &ev, &err);
        if (r == 0) {
            w->start = t0;
            w->end = it_now_ms();
        }
        int64_t l, t;
        char *got = it_normalise_metrics(ev.json.data ? ev.json.data : "", &l,
                                         &t);
        if (rc != MP_OK || !got || strcmp(got, ST_HELLO_EVENTS) != 0) {
            w->failures++;
            snprintf(w->why, sizeof w->why, "round %d: %s %s", r,
                     mp_errname(rc), rc ? err.message : "events differ");
        }
        free(got);
        it_events_free(&ev);
    }
    it_p->destroy(inst);
    return NULL;
}

static void test_four_threads_four_instances(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_paced.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    worker w[THREADS];
    pthread_t t[THREADS];
    double t0 = it_now_ms();
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].args = args;
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    double wall = it_now_ms() - t0;
    double last_start = 0, first_end = 1e300;
    for (int i = 0; i < THREADS; i++) {
        if (w[i].failures)
            fail_msg("thread %d: %s", i, w[i].why);
        last_start = w[i].start > last_start ? w[i].start : last_start;
        first_end = w[i].end < first_end ? w[i].end : first_end;
    }
    print_message("%d threads x %d paced streams: %.0f ms\n", THREADS, ROUNDS,
                  wall);
    /* They really ran at once: every first stream had started before any
     * had ended, and the whole took far less than one after another
     * (each stream is paced to >= 200 ms). */
    assert_true(last_start < first_end);
    assert_true(wall < 0.6 * THREADS * ROUNDS * 200.0);
    assert_int_equal(it_chat_count(&m), THREADS * ROUNDS);
    free(args);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_streaming_case17),
        cmocka_unit_test(test_stream_config_key_selects_the_whole_response),
        cmocka_unit_test(test_non_streaming_ignores_idle_timeout),
        cmocka_unit_test(test_stream_request_answered_with_json),
        cmocka_unit_test(test_non_streaming_bad_bodies),
        cmocka_unit_test(test_keep_alive_reuses_the_connection),
        cmocka_unit_test(test_keep_alive_after_an_error),
        cmocka_unit_test(test_close_delimited_body),
        cmocka_unit_test(test_four_threads_four_instances),
    };
    return cmocka_run_group_tests_name("stream_modes", tests, it_group_setup,
                                       it_group_teardown);
}
