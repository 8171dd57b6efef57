/*
 * test_stream_descriptors.c - what the plugin's instances hold in open
 * files, and what a call says when the process has none left (issue 15).
 *
 * With the common limit of 1024 open files, every idle instance used to
 * hold two descriptors (libcurl's wakeup pair, made with each multi
 * handle), so a host with a few hundred instances lost calls to "Couldn't
 * connect to server".  Now an instance holds none until a call, and after
 * one only its kept-alive connection; a call that finds the table full
 * says which limit ran out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "stream_it.h"

#define INSTANCES 64

static int open_fds(void)
{
    return it_count_entries("/proc/self/fd");
}

static mp_instance *create_for(const mock_proc *m)
{
    char *args = it_client_args(m->base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-ok\"}", args, &err);
    free(args);
    if (!inst)
        fail_msg("create: %s", err.message);
    return inst;
}

/* Idle instances hold no descriptor; after a call each holds at most its
 * kept-alive connection, and the process a pooled wakeup pair (the pool
 * keeps at most 4 whatever the number of instances); destroy() gives the
 * connections back. */
static void test_idle_instances_hold_none(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    int before = open_fds();
    mp_instance *inst[INSTANCES];
    for (int i = 0; i < INSTANCES; i++)
        inst[i] = create_for(&m);
    assert_int_equal(open_fds(), before);

    for (int i = 0; i < INSTANCES; i++) {
        it_events ev;
        it_events_init(&ev);
        mp_error err = MP_ERROR_INIT;
        assert_int_equal(it_stream(inst[i], it_hello_request, &ev, &err), MP_OK);
        assert_int_equal(ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
        it_events_free(&ev);
    }
    int after = open_fds();
    if (after > before + INSTANCES + 2 * 4)
        fail_msg("%d idle instances hold %d descriptors", INSTANCES,
                 after - before);

    for (int i = 0; i < INSTANCES; i++)
        it_p->destroy(inst[i]);
    assert_true(open_fds() <= before + 2 * 4);
    mock_stop(&m);
}

/* The descriptor table is full when the call starts: the error says so,
 * names the limit and what to do, and the next call, with room again,
 * works.  (A connect that finds the table full is named as well; that is
 * the transport's connect path, tested with the load tests.) */
static void test_full_table_is_named(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    mp_instance *inst = create_for(&m);

    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    struct rlimit low = old;
    low.rlim_cur = 256;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int held[256], n = 0;
    for (int fd; n < 256 && (fd = dup(0)) >= 0;)
        held[n++] = fd;

    it_events ev;
    it_events_init(&ev);
    mp_error err = MP_ERROR_INIT;
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    for (int i = 0; i < n; i++)
        close(held[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);

    if (rc != MP_E_NETWORK)
        fail_msg("got %s (%s)", mp_errname(rc), err.message);
    if (!strstr(err.message, "no file descriptors left") ||
        !strstr(err.message, "EMFILE") || !strstr(err.message, "ulimit -n"))
        fail_msg("the message does not name the limit: %s", err.message);
    assert_int_equal(ev.count, 0);
    it_events_free(&ev);

    it_events_init(&ev);
    err = (mp_error)MP_ERROR_INIT;
    assert_int_equal(it_stream(inst, it_hello_request, &ev, &err), MP_OK);
    assert_int_equal(ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
    it_events_free(&ev);
    it_p->destroy(inst);
    mock_stop(&m);
}

/* cancel() from another thread still wakes a call at once (the wakeup
 * pair now belongs to the call); covered for timing in
 * test_stream_transport.c, here for an instance that has never made a
 * call: a cancel before any call is harmless. */
static void test_cancel_before_any_call(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    mp_instance *inst = create_for(&m);
    assert_int_equal(it_p->cancel(inst), MP_OK);
    it_events ev;
    it_events_init(&ev);
    mp_error err = MP_ERROR_INIT;
    /* A new call clears a cancel made before it started. */
    assert_int_equal(it_stream(inst, it_hello_request, &ev, &err), MP_OK);
    assert_int_equal(ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
    it_events_free(&ev);
    it_p->destroy(inst);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First, while the process has made no call: the wakeup pair is
         * then the first descriptor the call needs (later calls take a
         * pooled one, and the connect is the first). */
        cmocka_unit_test(test_full_table_is_named),
        cmocka_unit_test(test_idle_instances_hold_none),
        cmocka_unit_test(test_cancel_before_any_call),
    };
    return cmocka_run_group_tests(tests, it_group_setup, it_group_teardown);
}
