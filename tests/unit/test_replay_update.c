/*
 * test_replay_update.c - the replay provider's update_config never holds
 * the instance lock while it reads the recording from disk or while the
 * host's log callback runs: get_config (and stream) on other threads go on
 * meanwhile (MP_HOST_4 allows them at any time).
 *
 * The slow parts are made to wait on the test: the recording is a FIFO
 * that the test writes only when it has seen get_config finish, and the
 * log callback waits for the same.  Each wait gives up after WAIT_S
 * seconds, so code that does hold the lock fails the test instead of
 * hanging it.  Loads LP_BUILD_DIR/replay_provider.so with dlopen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../abi/model_provider.h"
#include "../support/test_paths.h"

#define WAIT_S 5

static const char recording[] =
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"
    "{\"contentBlockStart\":{\"start\":{}}}\n"
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"hi\"}}}\n"
    "{\"contentBlockStop\":{}}\n"
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n";

static void *dl;
static const mp_provider_v1 *p;
static char dir[64];

/* 1 if `s` was posted within WAIT_S seconds. */
static int wait_for(sem_t *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WAIT_S;
    while (sem_timedwait(s, &until) != 0)
        if (errno != EINTR)
            return 0;
    return 1;
}

/* ---- the host log: the warning waits until get_config came back -------- */

typedef struct gate {
    int armed;      /* only the test that waits here  */
    sem_t entered;  /* the slow part began            */
    sem_t released; /* the other thread got through  */
    int held_up;    /* the slow part waited in vain   */
} gate;

static gate log_gate;

static void on_log(void *ctx, int level, const char *message)
{
    (void)ctx;
    (void)message;
    if (level < MP_LOG_WARN || !log_gate.armed)
        return;
    sem_post(&log_gate.entered);
    if (!wait_for(&log_gate.released))
        log_gate.held_up = 1;
}

static int write_text(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/replay_provider.so", LP_BUILD_DIR);
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fprintf(stderr, "%s\n", dlerror());
        return -1;
    }
    mp_provider_entry_v1_fn entry;
    *(void **)&entry = dlsym(dl, MP_ENTRY_SYMBOL_V1);
    uint32_t minor = MP_ABI_MINOR;
    if (!entry || entry(&minor, &p) != MP_OK)
        return -1;
    mp_host_v1 host = {sizeof host, NULL, on_log};
    mp_error err = MP_ERROR_INIT;
    snprintf(dir, sizeof dir, "/tmp/lp-replay-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return p->init(&host, &err) == MP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    int rc = p->deinit() == MP_OK && system(cmd) == 0 ? 0 : -1;
    dlclose(dl);
    return rc;
}

static mp_instance *new_instance(void)
{
    char file[128], config[256];
    snprintf(file, sizeof file, "%s/first.jsonl", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    assert_int_equal(fputs(recording, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    snprintf(config, sizeof config, "{\"events_file\":\"%s\",\"loop\":true}",
             file);
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(p->create(config, NULL, &inst, &err), MP_OK);
    return inst;
}

/* ---- update_config on a thread of its own ----------------------------- */

typedef struct updater {
    mp_instance *inst;
    const char *json;
    int rc;
    char message[MP_ERROR_MESSAGE_MAX];
} updater;

static void *run_update(void *arg)
{
    updater *u = arg;
    mp_error err = MP_ERROR_INIT;
    u->rc = p->update_config(u->inst, u->json, strlen(u->json), &err);
    snprintf(u->message, sizeof u->message, "%s", err.message);
    return NULL;
}

/* get_config, on a thread of its own so that the test can wait for it
 * with a time limit. */
typedef struct reader {
    mp_instance *inst;
    sem_t done;
    int rc;
} reader;

static void *run_get_config(void *arg)
{
    reader *r = arg;
    mp_text_sink sink = {sizeof sink, NULL, write_text};
    mp_error err = MP_ERROR_INIT;
    r->rc = p->get_config(r->inst, &sink, &err);
    sem_post(&r->done);
    return NULL;
}

/* While update_config warns through the host log (an unknown key), the
 * instance is not locked: get_config comes back before the log returns. */
static void test_update_logs_without_the_lock(void **state)
{
    (void)state;
    mp_instance *inst = new_instance();
    sem_init(&log_gate.entered, 0, 0);
    sem_init(&log_gate.released, 0, 0);
    log_gate.held_up = 0;
    log_gate.armed = 1;

    updater u = {.inst = inst, .json = "{\"not_a_replay_key\":1}"};
    pthread_t ut;
    assert_int_equal(pthread_create(&ut, NULL, run_update, &u), 0);
    assert_true(wait_for(&log_gate.entered)); /* the warning is being logged */

    reader r = {.inst = inst};
    sem_init(&r.done, 0, 0);
    pthread_t rt;
    assert_int_equal(pthread_create(&rt, NULL, run_get_config, &r), 0);
    int got_through = wait_for(&r.done);
    sem_post(&log_gate.released); /* let the log return either way */
    log_gate.armed = 0;
    if (!got_through)
        wait_for(&r.done);
    pthread_join(rt, NULL);
    pthread_join(ut, NULL);
    assert_int_equal(u.rc, MP_OK);
    assert_int_equal(r.rc, MP_OK);
    if (!got_through || log_gate.held_up)
        fail_msg("get_config waited for update_config's log callback: the "
                 "instance lock was held while the host was called");
    p->destroy(inst);
    sem_destroy(&r.done);
    sem_destroy(&log_gate.entered);
    sem_destroy(&log_gate.released);
}

/* While update_config reads a new recording (a FIFO the test fills only
 * later), get_config comes back; once the recording arrives the update
 * applies whole. */
static void test_update_reads_the_file_without_the_lock(void **state)
{
    (void)state;
    mp_instance *inst = new_instance();
    char fifo[128], json[256];
    snprintf(fifo, sizeof fifo, "%s/second.fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(json, sizeof json, "{\"events_file\":\"%s\"}", fifo);

    updater u = {.inst = inst, .json = json};
    pthread_t ut;
    assert_int_equal(pthread_create(&ut, NULL, run_update, &u), 0);
    /* A non-blocking open for writing succeeds once the reader (the
     * update) has the FIFO open; from then on it waits for our data. */
    int fd = -1;
    for (int i = 0; i < WAIT_S * 1000 && fd < 0; i++) {
        fd = open(fifo, O_WRONLY | O_NONBLOCK);
        if (fd < 0)
            usleep(1000);
    }
    assert_true(fd >= 0);

    reader r = {.inst = inst};
    sem_init(&r.done, 0, 0);
    pthread_t rt;
    assert_int_equal(pthread_create(&rt, NULL, run_get_config, &r), 0);
    int got_through = wait_for(&r.done);
    /* Now the recording, so the update can finish either way. */
    assert_int_equal(write(fd, recording, strlen(recording)),
                     (ssize_t)strlen(recording));
    close(fd);
    if (!got_through)
        wait_for(&r.done);
    pthread_join(rt, NULL);
    pthread_join(ut, NULL);
    if (u.rc != MP_OK)
        fail_msg("update_config: %s", u.message);
    assert_int_equal(r.rc, MP_OK);
    if (!got_through)
        fail_msg("get_config waited while update_config read the recording: "
                 "the instance lock was held during file I/O");
    p->destroy(inst);
    sem_destroy(&r.done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_logs_without_the_lock),
        cmocka_unit_test(test_update_reads_the_file_without_the_lock),
    };
    return cmocka_run_group_tests_name("replay update", tests, setup, teardown);
}
