/*
 * test_host_replay.c - build/replay_provider.so, loaded through the sample
 * host's loader:
 *
 *   - every recorded event file in tests/fixtures/expected/ (the events
 *     the LiteLLM plugin must emit for the real transcripts) replays
 *     losslessly as far as ABI 1.0 goes: the replayed events, rendered
 *     again as StreamEvent JSON, are the file byte for byte once the keys
 *     only ABI 1.1 carries are taken out of it (the replay provider speaks
 *     1.0, MP_PLUGIN_14), and the assembled message is the expected
 *     <case>.message.json;
 *   - update_config() from another thread while a stream runs: the stream
 *     finishes on the recording it started with (MP_PLUGIN_12), the next
 *     one uses the new recording, and get_config() shows it meanwhile.
 */
#include <dirent.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "../../host-sample/assembler.h"
#include "../../host-sample/provider_loader.h"
#include "host_test.h"

#define EXPECTED LP_SOURCE_DIR "/tests/fixtures/expected"

static hp_module *g_mod;

/* What one stream delivered: its StreamEvent JSON lines and the message.
 * With `pause_at`, the callback of that event posts `paused` and waits
 * for `resume`: the stream is held mid-way, however loaded the machine. */
typedef struct replayed {
    const mp_provider_v1 *desc;
    char *lines;
    size_t len;
    msg_assembler as;
    atomic_int events; /* how many arrived so far */
    int pause_at;
    sem_t paused, resume;
} replayed;

static int add_text(void *ctx, const char *p, size_t n)
{
    replayed *r = ctx;
    ht_append(&r->lines, &r->len, p, n);
    return 0;
}

static int on_event(void *ctx, const mp_event_header *ev)
{
    replayed *r = ctx;
    mp_text_sink sink = {sizeof sink, r, add_text};
    int n = atomic_fetch_add(&r->events, 1) + 1;
    if (r->pause_at && n == r->pause_at) {
        sem_post(&r->paused);
        while (sem_wait(&r->resume) != 0)
            ;
    }
    if (r->desc->event_to_json(ev, &sink) != MP_OK)
        return 1;
    ht_append(&r->lines, &r->len, "\n", 1);
    return asm_on_event(&r->as, ev) != 0;
}

/* One stream() into `r` (zeroed by the caller). */
static int stream_once(mp_instance *inst, replayed *r)
{
    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"again\"}]}]}";
    r->desc = g_mod->desc;
    ht_append(&r->lines, &r->len, "", 0);
    asm_init(&r->as);
    mp_event_sink sink = {sizeof sink, r, on_event};
    mp_error err = MP_ERROR_INIT;
    int rc = g_mod->desc->stream(inst, req, strlen(req), &sink, &err);
    request_log(req, (size_t)-1, rc);
    if (rc)
        fprintf(stderr, "stream: %s: %s\n", mp_errname(rc), err.message);
    return rc;
}

static void replayed_free(replayed *r)
{
    free(r->lines);
    asm_free(&r->as);
}

/* `jsonl` without the metadata keys that only ABI 1.1 has (the usage's
 * "reasoningOutputTokens" and "totalCostUsd"), in place.  Returns how
 * many were taken out. */
static int drop_v11_keys(char *jsonl)
{
    static const char *const keys[] = {",\"reasoningOutputTokens\":",
                                       ",\"totalCostUsd\":", NULL};
    int dropped = 0;
    for (int k = 0; keys[k]; k++) {
        char *at;
        while ((at = strstr(jsonl, keys[k]))) {
            char *end = at + strlen(keys[k]);
            end += strspn(end, "0123456789.eE+-");
            memmove(at, end, strlen(end) + 1);
            dropped++;
        }
    }
    return dropped;
}

static mp_instance *open_recording(const char *path, int delay_ms)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\",\"delay_ms\":%d}", path, delay_ms);
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = g_mod->desc->create(cfg, NULL, &inst, &err);
    if (rc)
        fprintf(stderr, "create %s: %s\n", path, err.message);
    assert_int_equal(rc, MP_OK);
    return inst;
}

static void test_every_recording_replays_losslessly(void **state)
{
    (void)state;
    DIR *d = opendir(EXPECTED);
    assert_non_null(d);
    struct dirent *e;
    int cases = 0, v11_keys = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        const char *suffix = ".events.jsonl";
        if (n <= strlen(suffix) || strcmp(e->d_name + n - strlen(suffix), suffix) != 0)
            continue;
        char events[512], message[512];
        snprintf(events, sizeof events, "%s/%s", EXPECTED, e->d_name);
        snprintf(message, sizeof message, "%s/%.*s.message.json", EXPECTED,
                 (int)(n - strlen(suffix)), e->d_name);
        mp_instance *inst = open_recording(events, 0);
        replayed r = {0};
        assert_int_equal(stream_once(inst, &r), MP_OK);
        char *want = ht_read(events);
        v11_keys += drop_v11_keys(want);
        if (strcmp(r.lines, want) != 0)
            fprintf(stderr, "%s: replayed events differ:\n%s\n", e->d_name, r.lines);
        assert_string_equal(r.lines, want);
        free(want);
        json_object *got = asm_take_message(&r.as);
        json_object *expected = json_object_from_file(message);
        assert_non_null(expected);
        if (!json_object_equal(got, expected))
            fprintf(stderr, "%s: message %s\n", e->d_name, json_object_to_json_string(got));
        assert_true(json_object_equal(got, expected));
        json_object_put(got);
        json_object_put(expected);
        replayed_free(&r);
        g_mod->desc->destroy(inst);
        cases++;
    }
    closedir(d);
    assert_true(cases >= 10);
    /* The recordings do hold 1.1 keys, which a 1.0 provider left out. */
    assert_int_equal(v11_keys, 3);
}

typedef struct streamer {
    mp_instance *inst;
    replayed r;
    int rc;
} streamer;

static void *stream_main(void *arg)
{
    streamer *s = arg;
    s->rc = stream_once(s->inst, &s->r);
    return NULL;
}

static char *text_of(json_object *msg)
{
    const char *t = ht_str(msg, "content[0].text");
    return strdup(t ? t : "");
}

static void test_update_config_during_a_stream(void **state)
{
    (void)state;
    const char *a = EXPECTED "/openai_gpt4o_text_plain.events.jsonl";
    const char *b = ht_path("b.jsonl");
    assert_int_equal(ht_write(b, "{\"messageStart\":{\"role\":\"assistant\"}}\n"
                                 "{\"contentBlockStart\":{\"start\":{}}}\n"
                                 "{\"contentBlockDelta\":{\"delta\":{\"text\":\"from B\"}}}\n"
                                 "{\"contentBlockStop\":{}}\n"
                                 "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"), 0);
    streamer s = {.inst = open_recording(a, 10)}; /* 35 events, 10 ms apart */
    s.r.pause_at = 3; /* held inside the callback of its third event */
    sem_init(&s.r.paused, 0, 0);
    sem_init(&s.r.resume, 0, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stream_main, &s), 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    int waited;
    while ((waited = sem_timedwait(&s.r.paused, &until)) != 0 && errno == EINTR)
        ;
    if (waited != 0) {
        sem_post(&s.r.resume);
        fail_msg("the stream delivered no third event within 30 s");
    }

    /* Mid-stream, on this thread: a new recording and a new delay. */
    char update[512];
    snprintf(update, sizeof update, "{\"events_file\":\"%s\",\"delay_ms\":0}", b);
    mp_error err = MP_ERROR_INIT;
    int updated = g_mod->desc->update_config(s.inst, update, strlen(update), &err);
    replayed cfg = {0};
    mp_text_sink sink = {sizeof sink, &cfg, add_text};
    int got = g_mod->desc->get_config(s.inst, &sink, &err);
    int events_meanwhile = atomic_load(&s.r.events);
    sem_post(&s.r.resume); /* let the stream go on before any assertion */
    assert_int_equal(updated, MP_OK);
    assert_int_equal(got, MP_OK);
    assert_non_null(strstr(cfg.lines, "b.jsonl"));
    free(cfg.lines);
    /* The update landed while the stream was held at its third event. */
    assert_int_equal(events_meanwhile, 3);

    pthread_join(th, NULL);
    sem_destroy(&s.r.paused);
    sem_destroy(&s.r.resume);
    assert_int_equal(s.rc, MP_OK);
    json_object *first = asm_take_message(&s.r.as);
    char *t1 = text_of(first);
    assert_non_null(strstr(t1, "weather")); /* recording A, to its end */
    assert_int_equal(ht_count(s.r.lines, "messageStop"), 1);
    free(t1);
    json_object_put(first);
    replayed_free(&s.r);

    replayed r = {0};
    assert_int_equal(stream_once(s.inst, &r), MP_OK);
    json_object *second = asm_take_message(&r.as);
    char *t2 = text_of(second);
    assert_string_equal(t2, "from B"); /* the new recording, from its start */
    free(t2);
    json_object_put(second);
    replayed_free(&r);
    g_mod->desc->destroy(s.inst);
}

static int setup(void **state)
{
    (void)state;
    char why[512];
    int rc = hp_module_load(REPLAY_SO, MP_ABI_MINOR, NULL, &g_mod, why, sizeof why);
    if (rc)
        fprintf(stderr, "%s\n", why);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    char why[512];
    ht_cleanup();
    return hp_module_unload(&g_mod, why, sizeof why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_recording_replays_losslessly),
        cmocka_unit_test(test_update_config_during_a_stream),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
