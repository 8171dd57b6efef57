/*
 * test_stream_timeouts.c - which timeout a stream() reports, through the
 * real .so (127.0.0.1 only):
 *
 *  - a server that goes silent after its finish_reason (waiting to send
 *    the usage chunk) is cut by the idle timeout like a dropped connection
 *    is cut by the network: the message was complete, so MP_OK without
 *    METADATA (decision 10), not a timeout after MESSAGE_STOP;
 *  - a whole-call timeout reached while still connecting is the whole-call
 *    timeout (not retryable), whatever connect_timeout says, also when it
 *    is 0 (libcurl's default), which is decided by the clock, not by
 *    comparing the two limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugin/core/strbuf.h"
#include "../support/it_harness.h"

#define CHUNK(delta, finish)                                                  \
    "data: {\"id\":\"t\",\"object\":\"chat.completion.chunk\",\"choices\":"   \
    "[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" finish "}]}\n\n"

static const char answer[] =
    CHUNK("{\"role\":\"assistant\",\"content\":\"Hello\"}", "null")
    CHUNK("{}", "\"stop\"");
static const char usage_and_done[] =
    "data: {\"id\":\"t\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
    "\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
    "data: [DONE]\n\n";

static void expect_message_prefix(const it_call *c, const char *want)
{
    if (strncmp(c->err.message, want, strlen(want)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", c->err.message,
                 want);
}

/* Silence after the finish chunk, longer than idle_timeout. */
static void test_idle_timeout_after_finish_reason_is_success(void **state)
{
    (void)state;
    char *scn = it_write_file("to_stall_after_finish.scn",
                              "model: to-stall-after-finish\nsse: true\n"
                              "stall_after_bytes: %zu\nstall_ms: 3000\n"
                              "--- body\n%s%s", strlen(answer), answer,
                              usage_and_done);
    assert_non_null(scn);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, scn, NULL), 0);
    it_call c;
    it_call_model(&c, &m, "to-stall-after-finish", NULL, "k",
                  "\"idle_timeout\":0.3");
    if (c.rc != MP_OK)
        fail_msg("got %s: %s", mp_errname(c.rc), c.err.message);
    assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
    assert_int_equal(c.ev.by_type[MP_EVENT_METADATA], 0); /* never arrived */
    assert_true(c.ms < 2500.0); /* the idle timeout, not the 3 s stall */
    it_call_free(&c);
    mock_stop(&m);
    free(scn);
}

static void test_whole_call_timeout_while_connecting(void **state)
{
    (void)state;
    int port = 0, fill[3];
    int l = it_full_listener(&port, fill);
    assert_true(l >= 0);
    /* connect_timeout 0 (libcurl's default, 300 s) and 10 s: either way
     * the 0.3 s whole-call timeout is what ends the call. */
    static const char *const connect[] = {"0", "10"};
    for (int i = 0; i < 2; i++) {
        char args[256];
        snprintf(args, sizeof args, "{\"api_base\":\"http://127.0.0.1:%d\","
                 "\"connect_timeout\":%s,\"timeout\":0.3,\"num_retries\":2}",
                 port, connect[i]);
        it_call c;
        it_call_run(&c, "{\"model_id\":\"m\"}", args, NULL);
        if (c.rc != MP_E_TIMEOUT)
            fail_msg("connect_timeout %s: got %s: %s", connect[i],
                     mp_errname(c.rc), c.err.message);
        expect_message_prefix(&c, "request timed out (timeout 300 ms");
        assert_int_equal(c.err.retryable, 0);
        assert_int_equal(c.ev.count, 0);
        assert_true(c.ms >= 290.0 && c.ms < 2500.0);
        it_call_free(&c);
    }
    for (int i = 0; i < 3; i++)
        close(fill[i]);
    close(l);
}

/* A long transfer that never gets to its first event (the server sends
 * only SSE keep-alive comments) ends by the whole-call timeout, and the
 * message names that limit, not connect_timeout: the connection was made
 * long before. */
static void test_whole_call_timeout_after_long_transfer(void **state)
{
    (void)state;
    strbuf body;
    sb_init(&body, 1 << 20);
    for (int i = 0; i < 60; i++)
        sb_appends(&body, ": keep-alive\n\n");
    char *scn = it_write_file("to_keepalive_only.scn",
                              "model: to-keepalive-only\nsse: true\n"
                              "pace_ms: 50\n--- body\n%s", body.data);
    sb_free(&body);
    assert_non_null(scn);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, scn, NULL), 0);
    it_call c;
    it_call_model(&c, &m, "to-keepalive-only", NULL, "k", "\"timeout\":0.6");
    if (c.rc != MP_E_TIMEOUT)
        fail_msg("got %s: %s", mp_errname(c.rc), c.err.message);
    expect_message_prefix(&c, "request timed out (timeout 600 ms");
    if (strstr(c.err.message, "connect_timeout"))
        fail_msg("names connect_timeout: %s", c.err.message);
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    mock_stop(&m);
    free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_timeout_after_finish_reason_is_success),
        cmocka_unit_test(test_whole_call_timeout_while_connecting),
        cmocka_unit_test(test_whole_call_timeout_after_long_transfer),
    };
    return cmocka_run_group_tests_name("stream timeouts", tests,
                                       it_group_setup, it_group_teardown);
}
