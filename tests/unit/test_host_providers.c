/*
 * test_host_providers.c - the sample host's provider slots
 * (host-sample/providers.c): a reload whose old module refuses to deinit.
 *
 * The old module of the slot is a stand-in: a descriptor copied from the
 * real plugin (linked in) whose deinit refuses as told, on a dlopen handle
 * of the test program itself (dlclose of it is harmless).  The new module
 * is the real build/litellm_provider.so, loaded by the reload.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host-sample/providers.h"

#define PLUGIN LP_BUILD_DIR "/litellm_provider.so"

static mp_provider_v1 g_fake;
static int g_refusals_left; /* deinit refuses this many more times */
static int g_deinit_calls, g_destroy_calls;
static int g_fake_inst;      /* the stand-in's "instance" */

static int fake_deinit(void)
{
    g_deinit_calls++;
    if (g_refusals_left > 0) {
        g_refusals_left--;
        return MP_E_BUSY;
    }
    return MP_OK;
}

static void fake_destroy(mp_instance *inst)
{
    assert_ptr_equal(inst, (mp_instance *)&g_fake_inst);
    g_destroy_calls++;
}

/* A slot serving the stand-in, as prov_open would leave it. */
static void open_fake_slot(prov_slot *s, int refusals)
{
    uint32_t minor = MP_ABI_MINOR;
    const mp_provider_v1 *real = NULL;
    assert_int_equal(mp_provider_entry_v1(&minor, &real), MP_OK);
    g_fake = *real;
    g_fake.deinit = fake_deinit;
    g_fake.destroy = fake_destroy;
    g_refusals_left = refusals;
    g_deinit_calls = g_destroy_calls = 0;

    prov_init(s, "slot", PLUGIN, "{\"model_id\":\"m\"}", NULL);
    hp_module *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->path = strdup("stand-in.so");
    snprintf(m->copy_name, sizeof m->copy_name, "stand-in-never-mapped");
    m->dl = dlopen(NULL, RTLD_NOW);
    assert_non_null(m->dl);
    m->desc = &g_fake;
    atomic_init(&m->in_flight, 0);
    m->initialised = 1;
    s->mod = m;
    s->inst = (mp_instance *)&g_fake_inst;
    s->generation = 1;
}

static void reload_with_refusing_old_module(prov_slot *s)
{
    char why[1024] = "";
    int rc = prov_reload(s, NULL, why, sizeof why);
    if (rc != MP_E_BUSY)
        fprintf(stderr, "reload: %s: %s\n", mp_errname(rc), why);
    /* The reload happened: the new module serves the slot... */
    assert_int_equal(rc, MP_E_BUSY);
    assert_int_equal(s->generation, 2);
    assert_ptr_not_equal(s->mod->desc, &g_fake);
    assert_string_equal(s->mod->path, PLUGIN);
    /* ...and the failure to retire the old one is reported, not lost. */
    assert_non_null(strstr(why, "retiring the old module failed"));
    assert_non_null(strstr(why, "stand-in.so: deinit refused"));
    assert_non_null(strstr(why, "tried again when the host closes \"slot\""));
    assert_int_equal(g_destroy_calls, 1);
    assert_int_equal(g_deinit_calls, 1);
    assert_non_null(s->refused);
    assert_ptr_equal(s->refused->desc, &g_fake);
    assert_null(s->refused->next_refused);
}

/* Refused at the reload, unloaded at close. */
static void test_refused_module_is_retried_at_close(void **state)
{
    (void)state;
    prov_slot s;
    open_fake_slot(&s, 1);
    reload_with_refusing_old_module(&s);
    char why[1024] = "";
    int rc = prov_close(&s, why, sizeof why);
    if (rc)
        fprintf(stderr, "close: %s: %s\n", mp_errname(rc), why);
    assert_int_equal(rc, MP_OK);
    assert_int_equal(g_deinit_calls, 2);
    assert_null(s.refused);
    assert_null(s.mod);
}

/* Still refused at close: reported, and the module stays listed. */
static void test_module_that_still_refuses_is_reported(void **state)
{
    (void)state;
    prov_slot s;
    open_fake_slot(&s, 2);
    reload_with_refusing_old_module(&s);
    char why[1024] = "";
    int rc = prov_close(&s, why, sizeof why);
    assert_int_equal(rc, MP_E_BUSY);
    assert_non_null(strstr(why, "an old module retired at a reload could not "
                                "be unloaded: stand-in.so: deinit refused"));
    assert_int_equal(g_deinit_calls, 2);
    assert_null(s.mod); /* the current module went normally */
    assert_non_null(s.refused);
    /* This test's own clean-up: now it lets go. */
    assert_int_equal(hp_module_unload(&s.refused, why, sizeof why), MP_OK);
    assert_null(s.refused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_module_is_retried_at_close),
        cmocka_unit_test(test_module_that_still_refuses_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
