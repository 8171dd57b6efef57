/*
 * test_host_swap.c - several providers in one build/agent-host: a hot swap
 * between turns (--swap-at, :use), to another instance of the LiteLLM
 * plugin and to the replay plugin; interactive mode with :reload; SIGHUP
 * during a stream loading a rebuilt .so for the next call; a recorded run replayed by replay_provider.so giving the same
 * final message; and `agent-host validate` on the replay plugin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

#define FIXTURE LP_SOURCE_DIR "/tests/fixtures/expected/openai_gpt4o_text_plain.events.jsonl"

static char g_client[512];

/* Start the mock with these scenarios (picked by model, or in order with
 * "--sequence" first); remembers the client args for it. */
static void start(const char *const *scenarios, int sequence)
{
    const char *args[16];
    int n = 0;
    if (sequence)
        args[n++] = "--sequence";
    for (int i = 0; scenarios[i]; i++) {
        args[n++] = "--scenario";
        args[n++] = scenario_path(scenarios[i]);
    }
    args[n] = NULL;
    assert_int_equal(mock_start(&g_mock, args), 0);
    snprintf(g_client, sizeof g_client, "%s", mock_client_args(&g_mock, NULL));
}

static const char replay_text[] =
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"
    "{\"contentBlockStart\":{\"start\":{}}}\n"
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Replayed: \"}}}\n"
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"forty-two.\"}}}\n"
    "{\"contentBlockStop\":{}}\n"
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n";

static void test_swap_at_between_providers(void **state)
{
    (void)state;
    const char *scn[] = {"host_swap_a.scn", "host_swap_b.scn", NULL};
    start(scn, 0);
    const char *args[] = {
        "--provider", "a=" LITELLM_SO, "--config", "{\"model_id\":\"host-swap-a\"}",
        "--client-args", g_client,
        "--provider", "b=" LITELLM_SO, "--config", "b={\"model_id\":\"host-swap-b\"}",
        "--client-args", "b=@/dev/stdin", "--swap-at", "2=b", "What is 6 * 7?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, g_client, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "Provider b says: 42."));
    assert_non_null(strstr(r.err, "[swap] the conversation (3 messages) moves from "
                           "provider \"a\" to \"b\""));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 2);
    assert_string_equal(ht_str(reqs, "[0].body.model"), "host-swap-a");
    assert_string_equal(ht_str(reqs, "[1].body.model"), "host-swap-b");
    assert_int_equal(ht_len(reqs, "[1].body.messages"), 3);
    json_object_put(reqs);
    host_run_free(&r);
}

/* A hot swap from a proxy provider to Google's endpoint mid-conversation:
 * the proxy's tool call had no thought signature, so the gemini/ request
 * carries Google's placeholder on it (the scenario's expectations answer
 * 418 otherwise). */
static void test_swap_from_proxy_to_gemini_sends_placeholder(void **state)
{
    (void)state;
    const char *scn[] = {"host_swap_a.scn", "host_swap_gemini.scn", NULL};
    start(scn, 0);
    char base[300], key[] = "GEMINI_API_KEY=gemini-test-key";
    snprintf(base, sizeof base, "GEMINI_API_BASE=%s/v1beta/openai",
             g_mock.base_url);
    const char *env[] = {base, key, NULL};
    const char *args[] = {
        "--provider", "a=" LITELLM_SO, "--config", "{\"model_id\":\"host-swap-a\"}",
        "--client-args", g_client,
        "--provider", "g=" LITELLM_SO,
        "--config", "g={\"model_id\":\"gemini/gemini-swap-it\"}",
        "--swap-at", "2=g", "What is 6 * 7?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, env), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "Gemini says: 42."));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 2);
    assert_string_equal(ht_str(reqs, "[1].body.model"), "gemini-swap-it");
    json_object_put(reqs);
    host_run_free(&r);
}

static void test_swap_to_replay_provider(void **state)
{
    (void)state;
    const char *scn[] = {"host_swap_a.scn", NULL};
    start(scn, 0);
    const char *events = ht_path("answer.jsonl");
    assert_int_equal(ht_write(events, replay_text), 0);
    char replay_cfg[512];
    snprintf(replay_cfg, sizeof replay_cfg, "{\"events_file\":\"%s\"}", events);
    const char *args[] = {
        "--provider", "live=" LITELLM_SO, "--config", "{\"model_id\":\"host-swap-a\"}",
        "--client-args", g_client, "--provider", "tape=" REPLAY_SO,
        "--config", replay_cfg, "--swap-at", "2=tape", "--json", "What is 6 * 7?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    json_object *msg = json_tokener_parse(r.out);
    assert_string_equal(ht_str(msg, "content[0].text"), "Replayed: forty-two.");
    json_object_put(msg);
    assert_non_null(strstr(r.err, "[tool] calculator -> 42"));
    host_run_free(&r);
}

static void test_interactive(void **state)
{
    (void)state;
    const char *scn[] = {"host_hello_a.scn", "host_hello_b.scn", NULL};
    start(scn, 0);
    const char *args[] = {
        "--provider", "a=" LITELLM_SO, "--config", "{\"model_id\":\"host-hello-a\"}",
        "--client-args", g_client, "--provider", "b=" LITELLM_SO,
        "--config", "{\"model_id\":\"host-hello-b\"}", "--client-args", g_client,
        "-i", NULL};
    const char *input = "first\n:providers\n:use b\nsecond\n:history\n:reload b\n"
                        ":providers\nthird\n:use nobody\n:bogus\n:quit\nnever\n";
    host_run r;
    assert_int_equal(host_exec(&r, args, input, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "from A\n"));
    assert_non_null(strstr(r.out, "* a "));
    assert_int_equal(ht_count(r.out, "from B\n"), 2);
    assert_non_null(strstr(r.out, "  1 user      \"first\""));
    assert_non_null(strstr(r.out, "  4 assistant \"from B\""));
    assert_non_null(strstr(r.out, "* b "));
    assert_non_null(strstr(r.out, "generation 2)"));
    assert_non_null(strstr(r.err, "[swap] the conversation (2 messages) moves from "
                           "provider \"a\" to \"b\" (:use)"));
    assert_non_null(strstr(r.err, "[reload] b: reloaded"));
    assert_non_null(strstr(r.err, "no provider named \"nobody\""));
    assert_non_null(strstr(r.err, "unknown command :bogus"));
    json_object *reqs = mock_requests(&g_mock, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 3); /* not "never" */
    assert_string_equal(ht_str(reqs, "[0].body.model"), "host-hello-a");
    assert_string_equal(ht_str(reqs, "[1].body.model"), "host-hello-b");
    assert_string_equal(ht_str(reqs, "[2].body.model"), "host-hello-b");
    assert_int_equal(ht_len(reqs, "[2].body.messages"), 5);
    json_object_put(reqs);
    host_run_free(&r);
}

/* Wait until `fd` has produced `needle` (appending to *buf), up to 10 s. */
static int read_until(int fd, char **buf, size_t *len, const char *needle)
{
    for (int waited = 0; !(*buf && strstr(*buf, needle)) && waited < 10000;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) == 1) {
            char chunk[4096];
            ssize_t n = read(fd, chunk, sizeof chunk);
            if (n <= 0)
                return -1;
            ht_append(buf, len, chunk, (size_t)n);
        } else {
            waited += 100;
        }
    }
    return *buf && strstr(*buf, needle) ? 0 : -1;
}

/* SIGHUP while a stream is running: the stream finishes untouched, then
 * the rebuilt .so is loaded before the next model call and serves it. */
static void test_sighup_reloads(void **state)
{
    (void)state;
    const char *scn[] = {"host_slow.scn", NULL};
    start(scn, 0);
    ht_plugin_versions();
    const char *so = ht_path("sighup.so");
    ht_install_plugin(so, NULL);
    char provider[300];
    snprintf(provider, sizeof provider, "slow=%s", so);
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        close(in[1]);
        close(out[0]);
        execl(HOST_BIN, HOST_BIN, "--provider", provider, "--config",
              "{\"model_id\":\"host-slow\"}", "--client-args", g_client, "-i",
              (char *)NULL);
        _exit(127);
    }
    ht_child = pid; /* killed by the teardown if an assertion fails */
    close(in[0]);
    close(out[1]);
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(write(in[1], "count\n", 6), 6);
    assert_int_equal(read_until(out[0], &buf, &len, "one "), 0); /* streaming */
    ht_install_plugin(so, ht_rebuilt);                          /* rebuilt... */
    kill(pid, SIGHUP);                                          /* ...reload! */
    assert_int_equal(read_until(out[0], &buf, &len, "seven"), 0);
    assert_int_equal(read_until(out[0], &buf, &len, "[reload] slow: reloaded"), 0);
    assert_int_equal(write(in[1], ":providers\nagain\n:quit\n", 23), 23);
    close(in[1]);
    read_until(out[0], &buf, &len, "\x01"); /* to the end (at most 10 s) */
    int status = ht_wait_child(pid, 10000);
    close(out[0]);
    if (status != 0 || strstr(buf, "agent-host:"))
        fprintf(stderr, "exit %d\n%s\n", status, buf);
    assert_int_equal(status, 0);
    assert_null(strstr(buf, "agent-host:")); /* no error of any kind */
    /* Both answers whole; the reload between them; the new code after. */
    assert_int_equal(ht_count(buf, "one two three four five six seven"), 2);
    const char *first = strstr(buf, "seven"), *reload = strstr(buf, "[reload]");
    const char *second = strstr(buf, "--- model call 2");
    assert_true(first && reload && second && first < reload && reload < second);
    char want[96];
    snprintf(want, sizeof want, "%s, ABI 1.%d, generation 2)", ht_rebuilt,
             MP_ABI_MINOR);
    assert_non_null(strstr(buf, want));
    free(buf);
}

/* Record a run with --events, replay it offline: the same final message. */
static void test_replay_gives_the_same_answer(void **state)
{
    (void)state;
    const char *scn[] = {"host_sig_tool.scn", "host_sig_answer.scn", NULL};
    start(scn, 1);
    const char *events = ht_path("recorded.jsonl");
    const char *rec[] = {"--config", "{\"model_id\":\"m\"}", "--client-args", g_client,
                         "--events", events, "--json", "-q", "What is 2 + 3 * 4?", NULL};
    host_run live, replay;
    assert_int_equal(host_exec(&live, rec, NULL, NULL), 0);
    assert_int_equal(live.status, 0);
    mock_stop(&g_mock); /* offline from here on */

    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\"}", events);
    const char *rep[] = {"--provider", REPLAY_SO, "--config", cfg, "--json", "-q",
                         "What is 2 + 3 * 4?", NULL};
    assert_int_equal(host_exec(&replay, rep, NULL, NULL), 0);
    ht_expect_status(&replay, 0);
    json_object *a = json_tokener_parse(live.out), *b = json_tokener_parse(replay.out);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_object_equal(a, b));
    assert_string_equal(ht_str(b, "content[0].text"), "2 + 3 * 4 = 14.");
    json_object_put(a);
    json_object_put(b);
    host_run_free(&live);
    host_run_free(&replay);

    /* A third stream() has no recorded message left. */
    const char *more[] = {"--provider", REPLAY_SO, "--config", cfg, "-q", "-i", NULL};
    assert_int_equal(host_exec(&replay, more, "one\nmore\n", NULL), 0);
    assert_int_equal(replay.status, 1);
    assert_non_null(strstr(replay.err, "all were replayed"));
    host_run_free(&replay);
}

static void test_replay_bad_config(void **state)
{
    (void)state;
    const char *bad = ht_path("bad.jsonl");
    assert_int_equal(ht_write(bad, "{\"messageStart\":{}}\nnot json\n"), 0);
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\"}", bad);
    const char *args[] = {"--provider", REPLAY_SO, "--config", cfg, "hi", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "MP_E_INVALID_ARGUMENT"));
    assert_non_null(strstr(r.err, "bad.jsonl:2: not a Strands StreamEvent JSON line"));
    host_run_free(&r);
    const char *none[] = {"--provider", REPLAY_SO, "hi", NULL};
    assert_int_equal(host_exec(&r, none, NULL, NULL), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "config.events_file: required"));
    host_run_free(&r);
}

static void test_structured_unsupported_on_replay(void **state)
{
    (void)state;
    const char *schema = ht_path("schema.json");
    assert_int_equal(ht_write(schema, "{\"title\":\"Answer\",\"type\":\"object\"}"), 0);
    const char *args[] = {"--provider", REPLAY_SO, "--config",
                          "{\"events_file\":\"" FIXTURE "\"}", "--structured", schema,
                          "Give me an object", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "agent-host: MP_E_UNSUPPORTED:"));
    host_run_free(&r);
}

static void test_validate_replay_plugin(void **state)
{
    (void)state;
    const char *args[] = {"validate", REPLAY_SO,
                          "--config", "{\"events_file\":\"" FIXTURE "\",\"loop\":true}",
                          "--slow-config", "{\"events_file\":\"" FIXTURE "\",\"loop\":true,"
                          "\"delay_ms\":20}", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_null(strstr(r.out, "FAIL "));
    /* The replay provider speaks ABI 1.0: only the checks of 1.1's
     * additions are skipped, and the ones of what a 1.0 host gets pass. */
    assert_int_equal(ht_count(r.out, "SKIP "), 5);
    assert_int_equal(ht_count(r.out, "SKIP minor1."), 5);
    assert_non_null(strstr(r.out, "PASS minor0.events"));
    assert_non_null(strstr(r.out, "PASS descriptor.size: struct_size 128 (ABI 1.0"));
    assert_true(ht_count(r.out, "PASS ") >= 30);
    assert_non_null(strstr(r.out, "PASS cancel.other_thread"));
    assert_non_null(strstr(r.out, "validate: 0 check(s) failed"));
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_swap_at_between_providers, ht_stop_mock),
        cmocka_unit_test_teardown(test_swap_from_proxy_to_gemini_sends_placeholder,
                                  ht_stop_mock),
        cmocka_unit_test_teardown(test_swap_to_replay_provider, ht_stop_mock),
        cmocka_unit_test_teardown(test_interactive, ht_stop_mock),
        cmocka_unit_test_teardown(test_sighup_reloads, ht_teardown_test),
        cmocka_unit_test_teardown(test_replay_gives_the_same_answer, ht_stop_mock),
        cmocka_unit_test(test_replay_bad_config),
        cmocka_unit_test(test_structured_unsupported_on_replay),
        cmocka_unit_test(test_validate_replay_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
