/*
 * test_host_swap_wire.c - a hot swap mid-conversation between a LiteLLM
 * proxy provider (chat completions) and an anthropic/ provider (the
 * Messages API), in both directions, in build/agent-host: the tool call,
 * its result and the reasoning move over; what one format cannot carry is
 * left out with a warning, never a failed request.  The mock server's
 * scenarios (tests/scenarios/swap_*.scn) check the shape of each request
 * and answer 418 when it is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

static char g_proxy_args[512], g_claude_args[512];

static void start(const char *first, const char *second)
{
    const char *args[] = {"--scenario", scenario_path(first), "--scenario",
                          NULL, NULL};
    char second_path[1024];
    snprintf(second_path, sizeof second_path, "%s", scenario_path(second));
    args[3] = second_path;
    assert_int_equal(mock_start(&g_mock, args), 0);
    snprintf(g_proxy_args, sizeof g_proxy_args, "%s",
             mock_client_args(&g_mock, NULL));
    snprintf(g_claude_args, sizeof g_claude_args,
             "{\"api_base\":\"%s\",\"api_key\":\"sk-ant-swap-0123456789\"}",
             g_mock.base_url);
}

/* proxy -> anthropic/: the signature-carrying tool id becomes one
 * Anthropic takes (both ends of the pair), the unsigned reasoning is
 * left out, both said on stderr. */
static void test_swap_proxy_to_anthropic(void **state)
{
    (void)state;
    start("swap_proxy_tool.scn", "swap_claude_answer.scn");
    const char *args[] = {
        "--provider", "proxy=" LITELLM_SO,
        "--config", "proxy={\"model_id\":\"swap-proxy\"}",
        "--client-args", g_proxy_args,
        "--provider", "claude=" LITELLM_SO,
        "--config", "claude={\"model_id\":\"anthropic/claude-swap-answer\"}",
        "--client-args", g_claude_args,
        "--tools", "calculator", "--swap-at", "2=claude", "What is 6 * 7?",
        NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "Claude says: 42."));
    assert_non_null(strstr(r.err, "[tool] calculator -> 42"));
    assert_non_null(strstr(r.err, "reasoning without a signature cannot be "
                                  "sent to Anthropic"));
    assert_non_null(strstr(r.err, "is not an id Anthropic takes"));
    /* One call each way (the proxy may also be asked for model info). */
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object_put(reqs);
    reqs = mock_requests(&g_mock, "/v1/messages");
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object_put(reqs);
    host_run_free(&r);
}

/* anthropic/ -> proxy: the Anthropic turn's text, tool call (its id kept)
 * and result go on in chat shape; the signed thinking cannot (no
 * reasoning_round_trip), said on stderr. */
static void test_swap_anthropic_to_proxy(void **state)
{
    (void)state;
    start("swap_claude_tool.scn", "swap_proxy_answer.scn");
    const char *args[] = {
        "--provider", "claude=" LITELLM_SO,
        "--config", "claude={\"model_id\":\"anthropic/claude-swap\"}",
        "--client-args", g_claude_args,
        "--provider", "proxy=" LITELLM_SO,
        "--config", "proxy={\"model_id\":\"swap-proxy-answer\"}",
        "--client-args", g_proxy_args,
        "--tools", "calculator", "--swap-at", "2=proxy", "What is 6 * 7?",
        NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "Proxy says: 42."));
    assert_non_null(strstr(r.err, "reasoningContent is not supported in "
                                  "multi-turn conversations"));
    /* One call each way (the proxy may also be asked for model info). */
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object_put(reqs);
    reqs = mock_requests(&g_mock, "/v1/messages");
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object_put(reqs);
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_swap_proxy_to_anthropic, ht_stop_mock),
        cmocka_unit_test_teardown(test_swap_anthropic_to_proxy, ht_stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
