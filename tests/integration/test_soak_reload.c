/*
 * test_soak_reload.c - soak: one thread streams continuously (127.0.0.1,
 * build/mock-server) through the loaded plugin while another loads a
 * fresh private copy of the same .so, inits it, creates and destroys an
 * instance, deinits and unloads it, SOAK_RELOADS times (500).  No call may
 * fail, every stream must deliver the whole answer, and the process's
 * open descriptors, threads and resident memory (from /proc/self) must end
 * where they began (memory within SOAK_RSS_SLACK_KIB, for the allocator's
 * own bookkeeping).  The counts are measured after one warm-up round of
 * both, so libraries' one-time set-up is not counted as growth.
 *
 * Bounded: 500 reloads (or SOAK_RELOADS from the environment), then it
 * stops by itself.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host-sample/provider_loader.h"
#include "../support/it_harness.h"

#define SOAK_RSS_SLACK_KIB 4096

/* Under a sanitizer the runtime's own shadow memory, quarantine and
 * history grow with the work done, so resident memory says nothing about
 * the plugin there; the plain build checks it. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

static long proc_status(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            v = strtol(line + k + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static int open_fds(void)
{
    return it_count_entries("/proc/self/fd") - 1; /* the one reading it */
}

typedef struct usage {
    int fds;
    long threads, rss_kib;
} usage;

static usage measure(void)
{
    usage u = {open_fds(), proc_status("Threads"), proc_status("VmRSS")};
    return u;
}

typedef struct streamer {
    const mock_proc *mock;
    atomic_int stop;
    atomic_long streams, failures;
    char first_failure[2600]; /* written by the streaming thread only */
} streamer;

static void *stream_loop(void *arg)
{
    streamer *s = arg;
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-ok\"}",
                                  mock_client_args(s->mock, NULL), &err);
    if (!inst) {
        s->failures++;
        snprintf(s->first_failure, sizeof s->first_failure, "create: %s",
                 err.message);
        return NULL;
    }
    while (!atomic_load(&s->stop)) {
        it_events ev;
        it_events_init(&ev);
        int rc = it_stream(inst, it_hello_request, &ev, &err);
        s->streams++;
        if (rc != MP_OK || !ev.json.data ||
            !strstr(ev.json.data, "Hello") || !strstr(ev.json.data, ", world") ||
            ev.by_type[MP_EVENT_MESSAGE_STOP] != 1) {
            if (!s->failures++)
                snprintf(s->first_failure, sizeof s->first_failure,
                         "stream %ld: %s: %s", s->streams, mp_errname(rc),
                         err.message);
        }
        it_events_free(&ev);
    }
    it_p->destroy(inst);
    return NULL;
}

/* Load a private copy, init, create/destroy, deinit, unload. */
static int reload_once(char *why, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/litellm_provider.so", LP_BUILD_DIR);
    hp_module *m = NULL;
    int rc = hp_module_load(path, MP_ABI_MINOR, NULL, &m, why, len);
    if (rc)
        return rc;
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    rc = m->desc->create("{\"model_id\":\"m\"}", NULL, &inst, &err);
    if (rc)
        snprintf(why, len, "create: %s", err.message);
    else
        m->desc->destroy(inst);
    int urc = hp_module_unload(&m, why, len);
    return rc ? rc : urc;
}

static void test_soak_reload_while_streaming(void **state)
{
    (void)state;
    int reloads = 500;
    if (getenv("SOAK_RELOADS"))
        reloads = atoi(getenv("SOAK_RELOADS"));
    mock_proc mock;
    assert_int_equal(it_mock_scenarios(&mock, 0, "it_ok_text.scn", NULL), 0);

    /* Warm-up: a few streams and one reload. */
    streamer s = {.mock = &mock};
    char why[2600] = "";
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stream_loop, &s), 0);
    if (reload_once(why, sizeof why))
        fail_msg("warm-up reload: %s", why);
    while (atomic_load(&s.streams) < 5 && !atomic_load(&s.failures))
        sched_yield();
    atomic_store(&s.stop, 1);
    pthread_join(th, NULL);
    if (s.failures)
        fail_msg("warm-up: %s", s.first_failure);

    usage before = measure();
    double t0 = it_now_ms();
    streamer run = {.mock = &mock};
    assert_int_equal(pthread_create(&th, NULL, stream_loop, &run), 0);
    int failed_reloads = 0;
    for (int i = 0; i < reloads; i++)
        if (reload_once(why, sizeof why) && !failed_reloads++)
            print_message("reload %d failed: %s\n", i, why);
    atomic_store(&run.stop, 1);
    pthread_join(th, NULL);
    double secs = (it_now_ms() - t0) / 1000.0;
    usage after = measure();
    mock_stop(&mock);

    print_message("soak: %d reloads and %ld streams in %.1f s; fds %d -> %d, "
                  "threads %ld -> %ld, RSS %ld -> %ld KiB\n", reloads,
                  atomic_load(&run.streams), secs, before.fds, after.fds, before.threads,
                  after.threads, before.rss_kib, after.rss_kib);
    assert_int_equal(failed_reloads, 0);
    if (run.failures)
        fail_msg("%ld of %ld streams failed; first: %s",
                 atomic_load(&run.failures), atomic_load(&run.streams),
                 run.first_failure);
    assert_true(run.streams > 0);
    assert_int_equal(after.fds, before.fds);
    assert_int_equal(after.threads, before.threads);
    if (!RSS_MEANINGFUL)
        print_message("RSS not checked under a sanitizer\n");
    else if (after.rss_kib > before.rss_kib + SOAK_RSS_SLACK_KIB)
        fail_msg("RSS grew from %ld to %ld KiB", before.rss_kib,
                 after.rss_kib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_reload_while_streaming),
    };
    return cmocka_run_group_tests_name("soak", tests, it_group_setup,
                                       it_group_teardown);
}
