/*
 * test_host_reload.c - hot reload under load, through the sample host's
 * own reload code (host-sample/providers.c, linked from libhost.a):
 * a slow stream runs on the current module while the rebuilt .so (a new
 * file at the same path whose version string differs) is loaded; the stream finishes on the old module, the old module is
 * unloaded only after it, and new calls go to the new module.  A reload
 * that fails leaves the old module serving.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "../../host-sample/providers.h"
#include "../support/mock_proc.h"
#include "host_test.h"

#define HELLO "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"count\"}]}]}"

static mp_host_v1 g_host = {sizeof g_host, NULL, NULL};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* One stream() on the slot, the way the agent makes calls. */
typedef struct call {
    prov_slot *slot;
    char module[64];      /* the private copy that served the call */
    char version[32];     /* and the version its descriptor gives   */
    int rc, stops;
    double finished;      /* when stream() returned (before release) */
    atomic_int leased;
    atomic_int hold;      /* set: the stream waits inside its first event's
                             callback until the test clears it, so it is
                             surely still running during the reload,
                             however long loading takes (ASan, load)   */
    atomic_int holding;   /* the callback is waiting                    */
    char message[MP_ERROR_MESSAGE_MAX];
} call;

static int count_stops(void *ctx, const mp_event_header *ev)
{
    call *c = ctx;
    if (atomic_load(&c->hold)) {
        atomic_store(&c->holding, 1);
        while (atomic_load(&c->hold))
            sleep_ms(1);
    }
    if (ev->type == MP_EVENT_MESSAGE_STOP)
        c->stops++;
    return 0;
}

static void run_call(call *c)
{
    prov_lease lease;
    prov_acquire(c->slot, &lease);
    snprintf(c->module, sizeof c->module, "%s", lease.mod->copy_name);
    snprintf(c->version, sizeof c->version, "%s", lease.mod->desc->version);
    atomic_store(&c->leased, 1);
    mp_event_sink sink = {sizeof sink, c, count_stops};
    mp_error err = MP_ERROR_INIT;
    c->rc = lease.mod->desc->stream(lease.inst, HELLO, strlen(HELLO), &sink, &err);
    request_log(HELLO, (size_t)-1, c->rc);
    c->finished = now_ms();
    snprintf(c->message, sizeof c->message, "%s", err.message);
    prov_release(&lease);
}

static void *call_main(void *arg)
{
    run_call(arg);
    return NULL;
}

typedef struct reload {
    prov_slot *slot;
    int rc;
    double finished;
    char why[1024];
} reload;

static void *reload_main(void *arg)
{
    reload *r = arg;
    r->rc = prov_reload(r->slot, &g_host, r->why, sizeof r->why);
    r->finished = now_ms();
    return NULL;
}

static unsigned generation(prov_slot *s)
{
    pthread_mutex_lock(&s->lock);
    unsigned g = s->generation;
    pthread_mutex_unlock(&s->lock);
    return g;
}

static void test_reload_under_load(void **state)
{
    (void)state;
    const char *args[] = {"--scenario", scenario_path("host_slow.scn"), NULL};
    assert_int_equal(mock_start(&g_mock, args), 0);
    const char *so = ht_path("provider.so");
    ht_plugin_versions();
    ht_install_plugin(so, NULL);
    char client[512];
    snprintf(client, sizeof client, "%s", mock_client_args(&g_mock, NULL));
    prov_slot slot;
    prov_init(&slot, "slow", so, "{\"model_id\":\"host-slow\"}", client);
    char why[1024];
    assert_int_equal(prov_open(&slot, &g_host, why, sizeof why), MP_OK);
    char old_module[64];
    snprintf(old_module, sizeof old_module, "%s", slot.mod->copy_name);

    /* A slow stream (about 1 s) starts on the current module, and is
     * held at its first event... */
    call in_flight = {.slot = &slot};
    atomic_store(&in_flight.hold, 1);
    pthread_t th_call, th_reload;
    pthread_create(&th_call, NULL, call_main, &in_flight);
    for (int i = 0; i < 10000 && !atomic_load(&in_flight.holding); i++)
        sleep_ms(1);
    assert_true(atomic_load(&in_flight.holding));

    /* ...the plugin is rebuilt and reloaded while it runs... */
    ht_install_plugin(so, ht_rebuilt);
    reload rl = {.slot = &slot};
    pthread_create(&th_reload, NULL, reload_main, &rl);
    for (int i = 0; i < 2000 && generation(&slot) < 2; i++)
        sleep_ms(1);
    assert_int_equal(generation(&slot), 2);
    assert_true(in_flight.finished == 0);          /* still streaming */
    assert_true(hp_path_is_mapped(old_module));   /* so the old code stays */
    atomic_store(&in_flight.hold, 0);              /* it goes on meanwhile */

    /* ...and a new call goes to the new module, in parallel. */
    call fresh = {.slot = &slot};
    run_call(&fresh);
    assert_int_equal(fresh.rc, MP_OK);
    assert_int_equal(fresh.stops, 1);
    assert_string_not_equal(fresh.module, old_module);
    assert_string_equal(fresh.version, ht_rebuilt); /* the new code */

    pthread_join(th_call, NULL);
    pthread_join(th_reload, NULL);
    if (in_flight.rc)
        fprintf(stderr, "in-flight call: %s\n", in_flight.message);
    assert_int_equal(in_flight.rc, MP_OK);        /* no failed call */
    assert_int_equal(in_flight.stops, 1);
    assert_string_equal(in_flight.module, old_module);
    assert_string_equal(in_flight.version, ht_built); /* the old code, to the end */
    if (rl.rc)
        fprintf(stderr, "reload: %s\n", rl.why);
    assert_int_equal(rl.rc, MP_OK);
    assert_true(rl.finished >= in_flight.finished); /* unloaded after it */
    assert_non_null(strstr(rl.why, "after its calls in flight finished"));
    assert_false(hp_path_is_mapped(old_module));  /* and really unloaded */
    assert_string_equal(slot.mod->copy_name, fresh.module);

    /* A reload that cannot load keeps the current module serving. */
    slot.path = "/nonexistent/provider.so";
    assert_int_equal(prov_reload(&slot, &g_host, why, sizeof why), MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "/nonexistent/provider.so: cannot open"));
    assert_non_null(strstr(why, "\"slow\" keeps the module it had"));
    slot.path = so;
    assert_int_equal(generation(&slot), 2);
    call after = {.slot = &slot};
    run_call(&after);
    assert_int_equal(after.rc, MP_OK);
    assert_string_equal(after.module, fresh.module);

    assert_int_equal(prov_close(&slot, why, sizeof why), MP_OK);
    assert_false(hp_path_is_mapped(fresh.module));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_reload_under_load, ht_stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
