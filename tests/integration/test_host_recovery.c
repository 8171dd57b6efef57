/*
 * test_host_recovery.c - build/agent-host recovering from a context window
 * overflow (drop the oldest turns, retry) and from throttling (retry after
 * Retry-After, then give up with a clear message; at once when the
 * server asks for more than the host's 60 s cap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

/* Start the mock serving these scenarios in order (NULL-terminated). */
static void start(const char *first, ...)
{
    const char *args[32] = {"--sequence"};
    int n = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s && n < 30; s = va_arg(ap, const char *)) {
        args[n++] = "--scenario";
        args[n++] = scenario_path(s);
    }
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(mock_start(&g_mock, args), 0);
}

static host_run run_prompt(const char *session, const char *prompt)
{
    const char *args[8] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                           mock_client_args(&g_mock, NULL)};
    int n = 4;
    if (session) {
        args[n++] = "--session";
        args[n++] = session;
    }
    args[n++] = prompt;
    args[n] = NULL;
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    return r;
}

static const char old_turns[] =
    "[{\"role\":\"user\",\"content\":[{\"text\":\"old question\"}]},"
    "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"call_old\","
    "\"name\":\"calculator\",\"input\":{\"expression\":\"1+1\"}}}]},"
    "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"call_old\","
    "\"status\":\"success\",\"content\":[{\"text\":\"2\"}]}}]},"
    "{\"role\":\"assistant\",\"content\":[{\"text\":\"It is 2.\"}]}]";

static void test_overflow_drops_oldest_turns(void **state)
{
    (void)state;
    start("host_overflow.scn", "host_text_ok.scn", NULL);
    const char *session = ht_path("overflow.json");
    assert_int_equal(ht_write(session, old_turns), 0);
    host_run r = run_prompt(session, "new question");
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.err, "[overflow] MP_E_CONTEXT_OVERFLOW"));
    assert_string_equal(r.out, "All good.\n");

    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 2);
    json_object *first = json_object_array_get_idx(reqs, 0);
    json_object *second = json_object_array_get_idx(reqs, 1);
    size_t before = ht_len(first, "body.messages"), after = ht_len(second, "body.messages");
    assert_int_equal(before, 5);
    assert_true(after < before);
    /* The tool use/result pair went together; it starts with the user. */
    assert_string_equal(ht_str(second, "body.messages[0].role"), "user");
    assert_string_equal(ht_str(second, "body.messages[0].content[0].text"), "new question");
    for (size_t i = 0; i < after; i++) {
        char path[64];
        snprintf(path, sizeof path, "body.messages[%zu].role", i);
        assert_string_not_equal(ht_str(second, path), "tool");
    }
    json_object_put(reqs);

    /* The session holds the reduced conversation plus the new turn. */
    json_object *conv = json_object_from_file(session);
    assert_int_equal(json_object_array_length(conv), 2);
    assert_string_equal(ht_str(conv, "[1].content[0].text"), "All good.");
    json_object_put(conv);
    host_run_free(&r);
}

static void test_overflow_with_nothing_to_drop(void **state)
{
    (void)state;
    start("host_overflow.scn", NULL);
    host_run r = run_prompt(NULL, "a prompt too long on its own");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "agent-host: MP_E_CONTEXT_OVERFLOW:"));
    assert_non_null(strstr(r.err, "cannot be reduced any further"));
    host_run_free(&r);
}

static void test_throttle_retry(void **state)
{
    (void)state;
    start("host_throttle.scn", "host_throttle.scn", "host_text_ok.scn", NULL);
    host_run r = run_prompt(NULL, "hello");
    ht_expect_status(&r, 0);
    assert_string_equal(r.out, "All good.\n");
    assert_int_equal(ht_count(r.err, "[throttled]"), 2);
    assert_non_null(strstr(r.err, "retry 2 of 5 in 0 ms"));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 3);
    json_object_put(reqs);
    host_run_free(&r);
}

static void test_throttle_gives_up(void **state)
{
    (void)state;
    start("host_throttle_forever.scn", NULL);
    host_run r = run_prompt(NULL, "hello");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "agent-host: MP_E_THROTTLED:"));
    assert_non_null(strstr(r.err, "still throttled after 5 retries"));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 6);
    json_object_put(reqs);
    host_run_free(&r);
}

/* A server that asks for a wait longer than the host's cap: give up at
 * once, saying so, instead of sleeping an hour or retrying too early. */
static void test_throttle_too_long_to_wait(void **state)
{
    (void)state;
    start("host_throttle_long.scn", NULL);
    host_run r = run_prompt(NULL, "hello");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "agent-host: MP_E_THROTTLED:"));
    assert_non_null(strstr(r.err, "(the server asks to wait 3600 s, longer than "
                           "this host waits; try again later)"));
    assert_null(strstr(r.err, "[throttled]"));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object_put(reqs);
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_overflow_drops_oldest_turns, ht_stop_mock),
        cmocka_unit_test_teardown(test_overflow_with_nothing_to_drop, ht_stop_mock),
        cmocka_unit_test_teardown(test_throttle_retry, ht_stop_mock),
        cmocka_unit_test_teardown(test_throttle_gives_up, ht_stop_mock),
        cmocka_unit_test_teardown(test_throttle_too_long_to_wait, ht_stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
