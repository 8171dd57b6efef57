/*
 * test_host_resume.c - build/agent-host and a throttle the plugin marks
 * not retryable: an Anthropic turn paused (pause_turn) whose resume
 * request stays overloaded after the plugin's retries.  The first part of
 * the answer was already delivered, so the host must not run the call
 * again (it would print that part twice and send the turn again): it
 * reports the error once, and the server sees the plugin's requests only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/it_harness.h"
#include "host_test.h"

static void test_throttle_after_delivery_is_not_rerun(void **state)
{
    (void)state;
    assert_int_equal(it_mock_scenarios(&g_mock, 1, "an_pause_1.scn",
                                       "an_529.scn", "an_529.scn",
                                       "an_529.scn", "an_529.scn",
                                       "an_529.scn", NULL), 0);
    char base[256];
    snprintf(base, sizeof base, "ANTHROPIC_BASE_URL=%s", g_mock.base_url);
    const char *env[] = {base, "ANTHROPIC_API_KEY=sk-ant-host-resume-0001",
                         NULL};
    const char *args[] = {"--config", "{\"model_id\":\"anthropic/claude-it\"}",
                          "--client-args", "{\"retry_backoff_ms\":1}",
                          "--tools", "none", "search something", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, env), 0);
    if (r.status == 0 || !strstr(r.err, "not retried: part of the answer "
                                        "was already delivered"))
        host_dump(&r);
    assert_int_not_equal(r.status, 0);
    assert_non_null(strstr(r.err, "not retried: part of the answer was "
                                  "already delivered"));
    assert_int_equal(ht_count(r.out, "Searching."), 1);
    json_object *all = mock_requests(&g_mock, NULL);
    /* The paused request, the resume and its 2 retries: nothing more. */
    assert_int_equal(json_object_array_length(all), 4);
    json_object_put(all);
    assert_null(strstr(r.err, "sk-ant-host"));
    host_run_free(&r);
    mock_stop(&g_mock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_throttle_after_delivery_is_not_rerun,
                                  ht_teardown_test),
    };
    return cmocka_run_group_tests_name("agent-host: a resumed turn",
                                       tests, NULL, ht_teardown_all);
}
