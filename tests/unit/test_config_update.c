/*
 * test_config_update.c - update_config while a stream runs on the same
 * instance (decision 23, MP_PLUGIN_12, MP_HOST_4), through the real .so
 * against build/mock-server.
 *
 * Each test pauses a running stream at a known point and has ANOTHER
 * thread call update_config (and get_config) meanwhile; the stream must
 * finish with the config it started with, which the test can see in two
 * places: the model the server was sent (also on a retry sent after the
 * update), and how the response is mapped (reasoning_round_trip decides
 * whether a reasoning signature becomes an event).  The next stream must
 * use the new config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../host-sample/validate_internal.h"
#include "../support/it_harness.h"

#define NEW_CONFIG "{\"model_id\":\"upd-b\",\"reasoning_round_trip\":true}"

/* Reasoning, then its signature in LiteLLM's thinking_blocks, then text. */
static const char reasoning_sse[] =
    "data: {\"id\":\"u\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"reasoning_content\":\"Let me think\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"u\",\"choices\":[{\"index\":0,\"delta\":{\"thinking_blocks\":"
    "[{\"type\":\"thinking\",\"thinking\":\"Let me think\",\"signature\":\"sig-1\"}]},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"u\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Answer\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"u\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

static const char signature_event[] =
    "{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":{\"signature\":\"sig-1\"}}}}";

/* ---- an updater thread the stream's callback can wait for ------------- */

typedef struct updater {
    mp_instance *inst;
    sem_t go, done;
    int rc;
    vd_text config_seen; /* get_config() after the update */
} updater;

static void *updater_main(void *arg)
{
    updater *u = arg;
    sem_wait(&u->go);
    mp_error err = MP_ERROR_INIT;
    u->rc = it_p->update_config(u->inst, NEW_CONFIG, strlen(NEW_CONFIG), &err);
    mp_text_sink sink = {sizeof sink, &u->config_seen, vd_text_write};
    if (it_p->get_config(u->inst, &sink, &err) != MP_OK)
        u->config_seen.buf[0] = '\0';
    sem_post(&u->done);
    return NULL;
}

/* On the first reasoning delta: let the other thread update, and hold the
 * stream here until it has, so the rest of the stream runs after it. */
static int update_mid_stream(it_events *e, const mp_event_header *ev)
{
    updater *u = e->hook_ctx;
    if (ev->type == MP_EVENT_BLOCK_DELTA && u) {
        e->hook_ctx = NULL; /* once */
        sem_post(&u->go);
        sem_wait(&u->done);
    }
    return 0;
}

static void test_stream_keeps_its_config_while_another_thread_updates(void **state)
{
    (void)state;
    char *a = it_write_file("upd_a.scn", "model: upd-a\nsse: true\n--- body\n%s",
                            reasoning_sse);
    char *b = it_write_file("upd_b.scn", "model: upd-b\nsse: true\n--- body\n%s",
                            reasoning_sse);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, a, b, NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"upd-a\"}", args, &err);
    assert_non_null(inst);

    updater u = {.inst = inst, .rc = -999};
    sem_init(&u.go, 0, 0);
    sem_init(&u.done, 0, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, updater_main, &u), 0);
    it_events ev;
    it_events_init(&ev);
    ev.hook = update_mid_stream;
    ev.hook_ctx = &u;
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    if (ev.hook_ctx) /* no delta came: release the updater (asserted below) */
        sem_post(&u.go);
    pthread_join(t, NULL);
    sem_destroy(&u.go);
    sem_destroy(&u.done);

    /* The update really happened, mid-stream, and is visible at once. */
    assert_null(ev.hook_ctx);
    assert_int_equal(u.rc, MP_OK);
    const char *seen = u.config_seen.buf;
    assert_non_null(strstr(seen, "\"model_id\":\"upd-b\""));
    assert_non_null(strstr(seen, "\"reasoning_round_trip\":true"));
    /* ...but the running stream finished with the old config: sent to
     * upd-a, and no signature event (round trip was off when it began). */
    assert_int_equal(rc, MP_OK);
    assert_non_null(strstr(ev.json.data, "{\"text\":\"Answer\"}"));
    assert_null(strstr(ev.json.data, signature_event));
    json_object *first = it_last_chat(&m);
    assert_string_equal(it_get_str(first, "body.model"), "upd-a");
    json_object_put(first);
    it_events_free(&ev);

    /* The next stream uses the new config. */
    it_events_init(&ev);
    assert_int_equal(it_stream(inst, it_hello_request, &ev, &err), MP_OK);
    assert_non_null(strstr(ev.json.data, signature_event));
    json_object *second = it_last_chat(&m);
    assert_string_equal(it_get_str(second, "body.model"), "upd-b");
    json_object_put(second);
    assert_int_equal(it_chat_count(&m), 2);
    it_events_free(&ev);

    it_p->destroy(inst);
    free(args);
    free(a);
    free(b);
    mock_stop(&m);
}

/* ---- an update between a throttled attempt and its retry --------------- */

typedef struct watcher {
    mock_proc *m;
    mp_instance *inst;
    int rc;
    int requests_when_updated;
} watcher;

/* Waits (up to 20 s) for the first request to reach the server, then
 * updates the model while the plugin sleeps out the 1 s Retry-After. */
static void *update_after_first_request(void *arg)
{
    watcher *w = arg;
    struct timespec pause = {0, 5 * 1000000};
    for (int i = 0; i < 4000 && it_chat_count(w->m) < 1; i++)
        nanosleep(&pause, NULL);
    w->requests_when_updated = it_chat_count(w->m);
    mp_error err = MP_ERROR_INIT;
    w->rc = it_p->update_config(w->inst, NEW_CONFIG, strlen(NEW_CONFIG), &err);
    return NULL;
}

static void test_retry_after_an_update_sends_the_old_model(void **state)
{
    (void)state;
    char *busy = it_write_file(
        "upd_429.scn", "status: 429\nheader: Retry-After: 1\n--- body\n"
        "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"throttling_error\","
        "\"code\":\"429\"}}");
    char *ok = it_write_file("upd_ok.scn", "sse: true\n--- body\n%s", reasoning_sse);
    char *ok2 = it_write_file("upd_ok2.scn", "sse: true\n--- body\n%s", reasoning_sse);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, busy, ok, ok2, NULL), 0);
    char *args = it_client_args(m.base_url, NULL, "\"num_retries\":1");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"upd-a\"}", args, &err);
    assert_non_null(inst);

    watcher w = {.m = &m, .inst = inst, .rc = -999};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, update_after_first_request, &w), 0);
    it_events ev;
    it_events_init(&ev);
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    pthread_join(t, NULL);

    assert_int_equal(rc, MP_OK);
    assert_int_equal(w.rc, MP_OK);
    /* The update landed between the two attempts... */
    assert_int_equal(w.requests_when_updated, 1);
    json_object *all = it_chat_requests(&m);
    assert_int_equal(json_object_array_length(all), 2);
    /* ...and the retry still carried the model the call started with. */
    assert_string_equal(it_get_str(all, "[0].body.model"), "upd-a");
    assert_string_equal(it_get_str(all, "[1].body.model"), "upd-a");
    assert_null(strstr(ev.json.data, signature_event));
    json_object_put(all);
    it_events_free(&ev);

    it_events_init(&ev);
    assert_int_equal(it_stream(inst, it_hello_request, &ev, &err), MP_OK);
    json_object *last = it_last_chat(&m);
    assert_string_equal(it_get_str(last, "body.model"), "upd-b");
    assert_non_null(strstr(ev.json.data, signature_event));
    json_object_put(last);
    it_events_free(&ev);

    it_p->destroy(inst);
    free(args);
    free(busy);
    free(ok);
    free(ok2);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_keeps_its_config_while_another_thread_updates),
        cmocka_unit_test(test_retry_after_an_update_sends_the_old_model),
    };
    return cmocka_run_group_tests_name("config_update", tests, it_group_setup,
                                       it_group_teardown);
}
