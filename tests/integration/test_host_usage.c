/*
 * test_host_usage.c - build/agent-host with ABI 1.1 providers:
 *
 *   - cost and rate-limit state from a gateway's headers and usage reach
 *     the progress lines and the --json output ("agentHost"), summed over
 *     the calls of a prompt; the --events recording holds the
 *     responseInfo line;
 *   - the batch hint: 5,000 chunks streamed to a pipe take about one
 *     write per network read with the 1.1 LiteLLM plugin, and one per
 *     chunk with the 1.0 replay provider (which gives no flag), counted
 *     from the host process's own write calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

static void start(const char *scenario)
{
    const char *args[] = {"--scenario", scenario_path(scenario), NULL};
    assert_int_equal(mock_start(&g_mock, args), 0);
}

static void test_cost_and_rate_limits_shown(void **state)
{
    (void)state;
    start("v11_gateway.scn");
    const char *events = ht_path("gateway.jsonl");
    /* The key the scenario's x-litellm-debug-key header echoes. */
    char client[256];
    snprintf(client, sizeof client, "{\"api_base\":\"%s\",\"api_key\":"
             "\"sk-v11-SECRET-key\"}", g_mock.base_url);
    const char *args[] = {"--config", "{\"model_id\":\"v11-gateway\"}",
                          "--client-args", client,
                          "--events", events, "--json", "--tools", "none",
                          "Say hello", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.err, "[usage] call 1: cost $0.000123 (this prompt "
                                  "$0.000123); rate limit: 42 requests, 9000 "
                                  "tokens left, reset in 1s / 6m0s"));
    json_object *out = json_tokener_parse(r.out);
    assert_non_null(out);
    assert_string_equal(ht_str(out, "content[0].text"), "Hello, world");
    assert_true(json_object_get_double(ht_at(out, "agentHost.costUsd")) == 0.000123);
    assert_int_equal(json_object_get_int(ht_at(out, "agentHost.rateLimit.remainingRequests")), 42);
    assert_int_equal(json_object_get_int(ht_at(out, "agentHost.rateLimit.remainingTokens")), 9000);
    assert_string_equal(ht_str(out, "agentHost.rateLimit.resetTokens"), "6m0s");
    json_object_put(out);
    char *lines = ht_read(events);
    assert_non_null(strstr(lines, "{\"messageStart\":{\"role\":\"assistant\"}}\n"
                                  "{\"responseInfo\":{\"httpStatus\":200,"));
    assert_non_null(strstr(lines, "\"totalCostUsd\":0.000123"));
    assert_null(strstr(lines, "SECRET"));
    free(lines);
    host_run_free(&r);
    mock_stop(&g_mock);
}

static void test_one_write_per_read(void **state)
{
    (void)state;
    start("v11_many_chunks.scn");
    const char *events = ht_path("many.jsonl");
    const char *live[] = {"--config", "{\"model_id\":\"v11-many-chunks\"}",
                          "--client-args", mock_client_args(&g_mock, NULL),
                          "--tools", "none", "--events", events, "-q", "go", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, live, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_int_equal(strlen(r.out), 5000 * 4 + 1);
    assert_true(r.writes > 0);
    /* The events file and the plugin's private copy take some writes
     * too; 5,000 chunks arrive in a few dozen reads at most. */
    if (r.writes >= 300)
        fprintf(stderr, "agent-host made %ld writes\n", r.writes);
    assert_true(r.writes < 300);
    host_run_free(&r);
    mock_stop(&g_mock);

    /* The same stream from the 1.0 replay provider: no flag, so the host
     * flushes each chunk as it comes. */
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\"}", events);
    const char *replay[] = {"--provider", REPLAY_SO, "--config", cfg, "-q", "go", NULL};
    assert_int_equal(host_exec(&r, replay, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_int_equal(strlen(r.out), 5000 * 4 + 1);
    assert_true(r.writes >= 5000);
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_cost_and_rate_limits_shown, ht_stop_mock),
        cmocka_unit_test_teardown(test_one_write_per_read, ht_stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
