/*
 * test_host_validate.c - `agent-host validate` itself (the checks it runs
 * are exercised on both plugins by tests/run_all.sh and test_host_swap):
 *
 *   - the cancel-from-another-thread checks do not depend on when the call
 *     begins: with every such stream started 300 ms late (the
 *     AGENT_HOST_FAULT=validate-late-call hook, as a loaded machine may
 *     start it), a cancel timed from the thread's start would be dropped
 *     (a cancel() before the call is) and leave the stream running for
 *     good; the checker waits for the first event instead;
 *   - --client-args of any length are used whole (secrets found in them
 *     too), not cut at a fixed buffer size;
 *   - a provider that refuses the built-in config fails profile.create
 *     alone, naming --config; the checks needing an instance are skipped
 *     (they once reported figures from a counter never filled in).
 *     host-sample/README.md's config for the replay provider passes: the
 *     docs check (tests/checks/docs.sh) runs that command as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_test.h"

#define FIXTURE LP_SOURCE_DIR "/tests/fixtures/expected/openai_gpt4o_text_plain.events.jsonl"

static void expect_all_passed(const host_run *r)
{
    if (r->status != 0 || strstr(r->out, "FAIL "))
        host_dump(r);
    assert_int_equal(r->status, 0);
    assert_null(strstr(r->out, "FAIL "));
    assert_non_null(strstr(r->out, "validate: 0 check(s) failed"));
}

static void test_late_calls_are_still_cancelled(void **state)
{
    (void)state;
    const char *env[] = {"AGENT_HOST_FAULT=validate-late-call", NULL};
    const char *args[] = {"validate", LITELLM_SO, NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, env), 0);
    expect_all_passed(&r);
    assert_non_null(strstr(r.out, "PASS cancel.other_thread: MP_E_CANCELLED"));
    assert_non_null(strstr(r.out, "PASS config.update_during_stream: "
                                  "update_config (MP_OK) and get_config (MP_OK)"));
    host_run_free(&r);
}

static void test_long_client_args_are_used_whole(void **state)
{
    (void)state;
    /* 2000 bytes of padding first, the secret after it. */
    char client[2200];
    int n = snprintf(client, sizeof client, "{\"pad\":\"");
    for (int i = 0; i < 2000; i++)
        client[n++] = (char)('a' + i % 26);
    snprintf(client + n, sizeof client - (size_t)n,
             "\",\"service_key\":\"sk-long-args-SECRET-4242\"}");
    const char *args[] = {"validate", REPLAY_SO,
                          "--config", "{\"events_file\":\"" FIXTURE "\",\"loop\":true}",
                          "--slow-config", "{\"events_file\":\"" FIXTURE "\",\"loop\":true,"
                          "\"delay_ms\":20}", "--client-args", client, NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    expect_all_passed(&r);
    assert_non_null(strstr(r.out, "PASS profile.create: given config accepted"));
    /* The secret past byte 511 was found, and checked for leaks. */
    assert_non_null(strstr(r.out, "the profile's 1 secret value(s)"));
    assert_null(strstr(r.out, "sk-long-args-SECRET-4242"));
    host_run_free(&r);
}

static void test_a_refused_config_fails_once_and_skips_the_rest(void **state)
{
    (void)state;
    const char *args[] = {"validate", REPLAY_SO, NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    if (r.status != 1 || ht_count(r.out, "FAIL ") != 1)
        host_dump(&r);
    assert_int_equal(r.status, 1);
    assert_int_equal(ht_count(r.out, "FAIL "), 1);
    assert_non_null(strstr(r.out, "FAIL profile.create: the provider refused the "
                           "built-in (LiteLLM-style) config: MP_E_INVALID_ARGUMENT: "
                           "config.events_file: required"));
    assert_non_null(strstr(r.out, "pass a config it accepts with --config"));
    assert_non_null(strstr(r.out, "SKIP minor0.events: the provider refused the "
                           "config (see profile.create)\n"));
    assert_non_null(strstr(r.out, "validate: 1 check(s) failed"));
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_calls_are_still_cancelled),
        cmocka_unit_test(test_long_client_args_are_used_whole),
        cmocka_unit_test(test_a_refused_config_fails_once_and_skips_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
