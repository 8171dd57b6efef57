/*
 * test_host_loader.c - the sample host's plugin loader
 * (host-sample/provider_loader.c) and its retry delay (agent.c):
 *
 *   - version negotiation, driven with fake entry functions: a plugin that
 *     needs a newer minor, answers a minor it was not offered, is for
 *     another major, has a short descriptor or lacks an operation is
 *     refused with MP_E_VERSION and a message that says which;
 *   - loading real files: missing, a directory, not an ELF object, a
 *     shared object that is not a provider, nowhere to put the copy, a
 *     copy that cannot be written whole, and the real plugin, each time
 *     from a unique private copy that leaves nothing on disk;
 *   - unloading: refused while a call is in flight and while an instance
 *     lives (deinit refuses), then deinit + dlclose and the mapping gone;
 *   - the throttling backoff.
 */
#include <dlfcn.h>
#include <ftw.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../host-sample/agent.h"
#include "../../host-sample/provider_loader.h"
#include "../support/it_harness.h"

#define PLUGIN LP_BUILD_DIR "/litellm_provider.so"

/* Everything a test makes lives under g_root, removed by the group
 * teardown: g_tmp is the private TMPDIR where the loader puts its copies
 * (it must stay empty), and other files go next to it. */
static char g_root[64], g_tmp[80];

/* RLIMIT_FSIZE as it was, while a test has lowered it. */
static struct rlimit g_fsize;
static int g_fsize_lowered;

/* ---- negotiation with fake entries -------------------------------------- */

/* A descriptor to doctor: a copy of the real plugin's (linked in from
 * libplugin_internal.a), changed by each fake entry. */
static mp_provider_v1 g_fake;
static int g_entry_rc;
static uint32_t g_answer_minor;
static int g_no_descriptor;

static int fake_entry(uint32_t *minor, const mp_provider_v1 **out)
{
    *out = g_no_descriptor ? NULL : &g_fake;
    if (g_entry_rc == MP_OK)
        *minor = g_answer_minor;
    return g_entry_rc;
}

static void reset_fake(void)
{
    uint32_t minor = MP_ABI_MINOR;
    const mp_provider_v1 *real = NULL;
    assert_int_equal(mp_provider_entry_v1(&minor, &real), MP_OK);
    g_fake = *real;
    g_entry_rc = MP_OK;
    g_answer_minor = 0;
    g_no_descriptor = 0;
}

/* Negotiate with the fake; expect `want` and `needle` in the reason. */
static void expect_refused(int want, const char *needle)
{
    const mp_provider_v1 *d = NULL;
    uint32_t minor = 77;
    char why[256] = "";
    int rc = hp_negotiate(fake_entry, 0, &d, &minor, why, sizeof why);
    if (rc != want || !strstr(why, needle))
        fprintf(stderr, "got %s \"%s\", want %s \"%s\"\n", mp_errname(rc), why,
                mp_errname(want), needle);
    assert_int_equal(rc, want);
    assert_non_null(strstr(why, needle));
    assert_null(d);         /* nothing handed out on a refusal */
    assert_int_equal(minor, 77);
}

static void test_negotiation(void **state)
{
    (void)state;
    reset_fake();
    const mp_provider_v1 *d = NULL;
    uint32_t minor = 99;
    char why[256];
    assert_int_equal(hp_negotiate(fake_entry, 0, &d, &minor, why, sizeof why), MP_OK);
    assert_ptr_equal(d, &g_fake);
    assert_int_equal(minor, 0);

    reset_fake();
    g_entry_rc = MP_E_VERSION; /* the plugin needs a newer minor */
    expect_refused(MP_E_VERSION, "incompatible provider: it needs a newer ABI than 1.0");
    reset_fake();
    g_entry_rc = MP_E_INTERNAL;
    expect_refused(MP_E_INTERNAL, "the entry function failed: MP_E_INTERNAL");
    reset_fake();
    g_no_descriptor = 1;
    expect_refused(MP_E_VERSION, "gave no descriptor");
    reset_fake();
    g_fake.abi_major = 2;
    expect_refused(MP_E_VERSION, "for ABI major 2, not 1");
    reset_fake();
    g_answer_minor = 3; /* a minor the host never offered */
    expect_refused(MP_E_VERSION, "answered ABI 1.3 when the host offered 1.0");
    reset_fake();
    /* One pointer short: event_to_json would lie beyond the struct. */
    g_fake.struct_size = (uint32_t)offsetof(mp_provider_v1, event_to_json);
    expect_refused(MP_E_VERSION, "malformed descriptor: struct_size");
    reset_fake();
    g_fake.stream = NULL;
    expect_refused(MP_E_VERSION, "malformed descriptor: no stream operation");
    reset_fake();
    g_fake.event_to_json = NULL;
    expect_refused(MP_E_VERSION, "no event_to_json operation");
}

static void expect_load_fails(const char *path, int want, const char *needle)
{
    hp_module *m = (hp_module *)&m; /* must be reset to NULL */
    char why[512] = "";
    int rc = hp_module_load(path, MP_ABI_MINOR, NULL, &m, why, sizeof why);
    if (rc != want || !strstr(why, needle))
        fprintf(stderr, "load %s: %s \"%s\", want %s \"%s\"\n", path,
                mp_errname(rc), why, mp_errname(want), needle);
    assert_int_equal(rc, want);
    assert_null(m);
    assert_non_null(strstr(why, needle));
    assert_non_null(strstr(why, path)); /* the message names the file */
    assert_int_equal(it_count_entries(g_tmp), 0); /* no copy left behind */
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_load_fails("/nonexistent/provider.so", MP_E_INVALID_ARGUMENT,
                      "cannot open: No such file or directory");
    expect_load_fails(g_tmp, MP_E_INVALID_ARGUMENT, "cannot read: Is a directory");
    char text[128];
    snprintf(text, sizeof text, "%s/not-elf.txt", g_root);
    FILE *f = fopen(text, "w");
    assert_non_null(f);
    fputs("not an ELF object\n", f);
    fclose(f);
    expect_load_fails(text, MP_E_INVALID_ARGUMENT, "not a loadable shared object");
    unlink(text);
    /* A real shared object that is not a provider: libjson-c. */
    Dl_info info;
    assert_true(dladdr((void *)json_object_new_object, &info) && info.dli_fname);
    expect_load_fails(info.dli_fname, MP_E_VERSION,
                      "not a model provider for ABI major 1 (no mp_provider_entry_v1 symbol)");

    /* Nowhere to put the private copy (the test teardown restores TMPDIR,
     * also when an assertion fails first). */
    setenv("TMPDIR", "/nonexistent-tmpdir", 1);
    hp_module *m = NULL;
    char why[512];
    assert_int_equal(hp_module_load(PLUGIN, MP_ABI_MINOR, NULL, &m, why, sizeof why),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(why, "cannot create its private copy /nonexistent-tmpdir/"));
}

/* The copy cannot be written whole: a file size limit makes write() take
 * only part of a block and then fail with EFBIG.  The reason names the
 * real error (not a stale errno), and no partial copy stays. */
static void test_copy_write_fails(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(PLUGIN, &st), 0);
    assert_true(st.st_size > 150000);
    signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails, not kills */
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &g_fsize), 0);
    g_fsize_lowered = 1;
    struct rlimit small = g_fsize;
    small.rlim_cur = 100000; /* a 64 KiB block, then 34464 bytes of one */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    hp_module *m = (hp_module *)&m;
    char why[512] = "";
    int rc = hp_module_load(PLUGIN, MP_ABI_MINOR, NULL, &m, why, sizeof why);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &g_fsize), 0);
    g_fsize_lowered = 0;
    if (rc != MP_E_INVALID_ARGUMENT || !strstr(why, "File too large"))
        fprintf(stderr, "got %s \"%s\"\n", mp_errname(rc), why);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    assert_null(m);
    assert_non_null(strstr(why, "cannot write its private copy"));
    assert_non_null(strstr(why, "File too large"));
    assert_int_equal(it_count_entries(g_tmp), 0);
}

static void test_unique_copies(void **state)
{
    (void)state;
    hp_module *a = NULL, *b = NULL;
    char why[512];
    assert_int_equal(hp_module_load(PLUGIN, MP_ABI_MINOR, NULL, &a, why, sizeof why), MP_OK);
    assert_int_equal(hp_module_load(PLUGIN, MP_ABI_MINOR, NULL, &b, why, sizeof why), MP_OK);
    assert_int_equal(it_count_entries(g_tmp), 0); /* the copies were unlinked once mapped */
    /* The same path loaded twice gives two separate mappings: two copies
     * of the code and of its static data (a rebuilt file would be new). */
    assert_string_not_equal(a->copy_name, b->copy_name);
    assert_ptr_not_equal(a->dl, b->dl);
    assert_ptr_not_equal(a->desc, b->desc);
    assert_true(hp_path_is_mapped(a->copy_name));
    assert_true(hp_path_is_mapped(b->copy_name));
    assert_string_equal(a->path, PLUGIN);
    assert_int_equal(a->minor, MP_ABI_MINOR);
    assert_string_equal(a->desc->id, b->desc->id);

    char name_a[64], name_b[64];
    snprintf(name_a, sizeof name_a, "%s", a->copy_name);
    snprintf(name_b, sizeof name_b, "%s", b->copy_name);
    assert_int_equal(hp_module_unload(&a, why, sizeof why), MP_OK);
    assert_null(a);
    assert_false(hp_path_is_mapped(name_a));
    assert_true(hp_path_is_mapped(name_b)); /* the other one is untouched */
    assert_int_equal(hp_module_unload(&b, why, sizeof why), MP_OK);
    assert_false(hp_path_is_mapped(name_b));
    assert_int_equal(hp_module_unload(&b, why, sizeof why), MP_OK); /* NULL: no-op */
}

static void test_unload_refusals(void **state)
{
    (void)state;
    hp_module *m = NULL;
    char why[512] = "";
    assert_int_equal(hp_module_load(PLUGIN, MP_ABI_MINOR, NULL, &m, why, sizeof why), MP_OK);
    char name[64];
    snprintf(name, sizeof name, "%s", m->copy_name);

    /* A call in flight: refused, and the module stays whole. */
    hp_call_begin(m);
    hp_module *same = m;
    assert_int_equal(hp_module_unload(&m, why, sizeof why), MP_E_BUSY);
    assert_ptr_equal(m, same);
    assert_non_null(strstr(why, "1 call(s) still running; not unloading"));
    assert_true(hp_path_is_mapped(name));
    hp_call_end(m);

    /* A live instance: the plugin's deinit refuses, so does the unload. */
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(m->desc->create("{\"model_id\":\"m\"}", NULL, &inst, &err), MP_OK);
    assert_int_equal(hp_module_unload(&m, why, sizeof why), MP_E_BUSY);
    assert_non_null(m);
    assert_non_null(strstr(why, "deinit refused"));
    assert_true(hp_path_is_mapped(name));
    /* Still initialised and usable after the refusal. */
    m->desc->destroy(inst);
    inst = NULL;
    assert_int_equal(m->desc->create("{\"model_id\":\"again\"}", NULL, &inst, &err), MP_OK);
    m->desc->destroy(inst);

    assert_int_equal(hp_module_unload(&m, why, sizeof why), MP_OK);
    assert_null(m);
    assert_false(hp_path_is_mapped(name)); /* deinit, then dlclose really unmapped it */
}

/* ---- the throttling backoff --------------------------------------------- */

static void test_retry_delay(void **state)
{
    (void)state;
    /* No Retry-After: 1 s, doubling, capped at 60 s. */
    assert_int_equal(agent_retry_delay_ms(0, -1), 1000);
    assert_int_equal(agent_retry_delay_ms(1, -1), 2000);
    assert_int_equal(agent_retry_delay_ms(4, -1), 16000);
    assert_int_equal(agent_retry_delay_ms(6, -1), 60000);
    assert_int_equal(agent_retry_delay_ms(1000, -1), 60000);
    /* The server's Retry-After wins, whatever the attempt. */
    assert_int_equal(agent_retry_delay_ms(0, 0), 0);
    assert_int_equal(agent_retry_delay_ms(3, 2500), 2500);
    assert_int_equal(agent_retry_delay_ms(0, 60000), 60000);
    /* Longer than the host waits: give up now (-1), not retry too early. */
    assert_int_equal(agent_retry_delay_ms(0, 60001), -1);
    assert_int_equal(agent_retry_delay_ms(0, 3600 * 1000), -1);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_root, sizeof g_root, "/tmp/host-loader-XXXXXX");
    if (!mkdtemp(g_root))
        return -1;
    snprintf(g_tmp, sizeof g_tmp, "%s/copies", g_root);
    if (mkdir(g_tmp, 0700) != 0)
        return -1;
    setenv("TMPDIR", g_tmp, 1);
    return 0;
}

/* After every test, pass or fail: the environment as the next test
 * expects it. */
static int restore(void **state)
{
    (void)state;
    setenv("TMPDIR", g_tmp, 1);
    if (g_fsize_lowered && setrlimit(RLIMIT_FSIZE, &g_fsize) == 0)
        g_fsize_lowered = 0;
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(g_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_negotiation, restore),
        cmocka_unit_test_teardown(test_bad_files, restore),
        cmocka_unit_test_teardown(test_copy_write_fails, restore),
        cmocka_unit_test_teardown(test_unique_copies, restore),
        cmocka_unit_test_teardown(test_unload_refusals, restore),
        cmocka_unit_test_teardown(test_retry_delay, restore),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
