/*
 * test_load_streams.c - load on loopback (127.0.0.1, build/mock-server):
 *
 *  - LOAD_STREAMS (1024) threads, each with its own instance, stream at
 *    once; every thread waits in its first event until all of them have
 *    one, so all the streams are open together, then each must receive
 *    the whole answer.  Bounded: one stream per thread, a 60 s cap on the
 *    wait, then it stops by itself.  The descriptor limit is raised to
 *    the hard limit first (each stream holds a socket, and each instance
 *    curl's wakeup pair); where the hard limit is too low the test is
 *    SKIPPED with the numbers.
 *  - Running out of descriptors is reported as that: a stream whose
 *    connection finds the table full fails with MP_E_NETWORK naming the
 *    descriptor limit (not "Couldn't connect to server"), and create()
 *    into a full table fails cleanly or succeeds (then its stream reports
 *    the limit too).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../support/it_harness.h"

#define LOAD_STREAMS 1024
/* Descriptors per stream: the connection, curl's wakeup pair, and the
 * server's end (the mock is a child and inherits the limit), with room. */
#define FDS_NEEDED (LOAD_STREAMS * 4 + 256)

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open_count; /* streams that have had their first event */
static int gate_total;

/* Hold the stream (inside its first event) until every stream has one, or
 * 60 s have passed. */
static int wait_for_all(it_events *e, const mp_event_header *ev)
{
    (void)e;
    if (ev->type != MP_EVENT_MESSAGE_START)
        return 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    pthread_mutex_lock(&gate_lock);
    if (++gate_open_count == gate_total)
        pthread_cond_broadcast(&gate_cond);
    while (gate_open_count < gate_total)
        if (pthread_cond_timedwait(&gate_cond, &gate_lock, &until) != 0)
            break;
    pthread_mutex_unlock(&gate_lock);
    return 0;
}

typedef struct worker {
    pthread_t th;
    const char *client_args; /* shared, read-only */
    int rc;
    int complete;     /* the whole answer arrived */
    char why[256];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-ok\"}", w->client_args,
                                  &err);
    if (!inst) {
        w->rc = err.code;
        snprintf(w->why, sizeof w->why, "create: %.200s", err.message);
        pthread_mutex_lock(&gate_lock);
        gate_total--; /* nobody waits for this one */
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
        return NULL;
    }
    it_events ev;
    it_events_init(&ev);
    ev.no_assemble = 1;
    ev.hook = wait_for_all;
    w->rc = it_stream(inst, it_hello_request, &ev, &err);
    if (w->rc)
        snprintf(w->why, sizeof w->why, "%.200s", err.message);
    w->complete = w->rc == MP_OK && ev.json.data &&
                  strstr(ev.json.data, "{\"text\":\"Hello\"}") &&
                  strstr(ev.json.data, "{\"text\":\", world\"}") &&
                  ev.by_type[MP_EVENT_MESSAGE_STOP] == 1 &&
                  ev.by_type[MP_EVENT_METADATA] == 1;
    if (w->rc != MP_OK && !ev.by_type[MP_EVENT_MESSAGE_START]) {
        pthread_mutex_lock(&gate_lock);
        gate_total--;
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
    }
    it_events_free(&ev);
    it_p->destroy(inst);
    return NULL;
}

static int raise_fd_limit(rlim_t want, struct rlimit *old)
{
    getrlimit(RLIMIT_NOFILE, old);
    struct rlimit r = *old;
    if (r.rlim_cur >= want)
        return 0;
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max < want)
        return -1;
    r.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &r);
}

static void test_1024_concurrent_streams(void **state)
{
    (void)state;
    struct rlimit old;
    if (raise_fd_limit(FDS_NEEDED, &old)) {
        print_message("descriptor hard limit %llu, below the %d needed\n",
                      (unsigned long long)old.rlim_max, FDS_NEEDED);
        skip();
    }
    mock_proc mock;
    assert_int_equal(it_mock_scenarios(&mock, 0, "it_ok_text.scn", NULL), 0);
    worker *w = calloc(LOAD_STREAMS, sizeof *w);
    assert_non_null(w);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    gate_open_count = 0;
    gate_total = LOAD_STREAMS;
    /* mock_client_args writes a static buffer: one copy for every thread. */
    char *client = strdup(mock_client_args(&mock, NULL));
    double t0 = it_now_ms();
    int started = 0;
    for (int i = 0; i < LOAD_STREAMS; i++) {
        w[i].client_args = client;
        if (pthread_create(&w[i].th, &attr, work, &w[i]) != 0)
            break;
        started++;
    }
    if (started < LOAD_STREAMS) { /* nobody will wait for the rest */
        pthread_mutex_lock(&gate_lock);
        gate_total = started;
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
    }
    for (int i = 0; i < started; i++)
        pthread_join(w[i].th, NULL);
    double secs = (it_now_ms() - t0) / 1000.0;
    pthread_attr_destroy(&attr);
    free(client);
    mock_stop(&mock);
    setrlimit(RLIMIT_NOFILE, &old);
    int complete = 0, at_once = gate_open_count;
    const char *first = NULL;
    for (int i = 0; i < started; i++) {
        complete += w[i].complete;
        if (!w[i].complete && !first)
            first = w[i].why;
    }
    print_message("load: %d streams started, %d open at once, %d complete "
                  "with the right content, in %.2f s\n", started, at_once,
                  complete, secs);
    char first_copy[256];
    snprintf(first_copy, sizeof first_copy, "%s", first ? first : "");
    free(w);
    assert_int_equal(started, LOAD_STREAMS);
    if (complete != LOAD_STREAMS)
        fail_msg("%d of %d streams incomplete; first: %s",
                 LOAD_STREAMS - complete, LOAD_STREAMS, first_copy);
    assert_int_equal(at_once, LOAD_STREAMS);
}

/* Fill the descriptor table (under a lowered limit): the fds taken, to
 * close afterwards. */
static int fill_fds(int *fds, int max)
{
    int n = 0;
    while (n < max) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        fds[n++] = fd;
    }
    return n;
}

static void test_descriptor_exhaustion_is_named(void **state)
{
    (void)state;
    mock_proc mock;
    assert_int_equal(it_mock_scenarios(&mock, 0, "it_ok_text.scn", NULL), 0);
    mp_error err = MP_ERROR_INIT;
    mp_instance *made = it_create("{\"model_id\":\"it-ok\"}",
                                  mock_client_args(&mock, NULL), &err);
    assert_non_null(made);

    struct rlimit old, low;
    getrlimit(RLIMIT_NOFILE, &old);
    low = old;
    low.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fds[64];
    int n = fill_fds(fds, 64);

    /* A stream on an instance made before: the connection cannot open. */
    it_events ev;
    it_events_init(&ev);
    int rc = it_stream(made, it_hello_request, &ev, &err);
    char msg[MP_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%s", err.message);
    int events = ev.count;
    it_events_free(&ev);

    /* create() into the full table: fails cleanly, or works and its
     * stream then says the same. */
    mp_error cerr = MP_ERROR_INIT;
    mp_instance *late = it_create("{\"model_id\":\"it-ok\"}",
                                  mock_client_args(&mock, NULL), &cerr);
    int late_rc = MP_OK;
    char late_msg[MP_ERROR_MESSAGE_MAX] = "";
    if (late) {
        it_events_init(&ev);
        mp_error lerr = MP_ERROR_INIT;
        late_rc = it_stream(late, it_hello_request, &ev, &lerr);
        snprintf(late_msg, sizeof late_msg, "%s", lerr.message);
        it_events_free(&ev);
        it_p->destroy(late);
    }

    for (int i = 0; i < n; i++)
        close(fds[i]);
    setrlimit(RLIMIT_NOFILE, &old);
    /* With descriptors back, the same instance works again. */
    it_events_init(&ev);
    int again = it_stream(made, it_hello_request, &ev, &err);
    it_events_free(&ev);
    it_p->destroy(made);
    mock_stop(&mock);
    print_message("full table: stream %s: %s\n", mp_errname(rc), msg);
    print_message("full table: create %s: %s%s%s\n", late ? "worked" : "failed",
                  late ? mp_errname(late_rc) : cerr.message, late ? ": " : "",
                  late_msg);

    assert_int_equal(rc, MP_E_NETWORK);
    assert_int_equal(events, 0);
    assert_non_null(strstr(msg, "file descriptors"));
    assert_null(strstr(msg, "Couldn't connect"));
    if (late) {
        assert_int_equal(late_rc, MP_E_NETWORK);
        assert_non_null(strstr(late_msg, "file descriptors"));
    } else {
        assert_non_null(strstr(cerr.message, "file descriptors"));
    }
    assert_int_equal(again, MP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1024_concurrent_streams),
        cmocka_unit_test(test_descriptor_exhaustion_is_named),
    };
    return cmocka_run_group_tests_name("load", tests, it_group_setup,
                                       it_group_teardown);
}
