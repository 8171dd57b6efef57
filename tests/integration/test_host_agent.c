/*
 * test_host_agent.c - build/agent-host end to end against build/mock-server:
 * the tool round trip with a thought signature, parallel tool calls with
 * failing ones, --tools none and --system, --structured, --events
 * lines, the --max-turns limit, a hand-written session normalised, output
 * to a full disk, and bad command lines.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

/* Start the mock with these scenarios served in order. */
static void start_sequence(mock_proc *m, const char *first, const char *second)
{
    const char *args[] = {"--sequence", "--scenario", scenario_path(first),
                          second ? "--scenario" : NULL, scenario_path(second ? second : first),
                          NULL};
    assert_int_equal(mock_start(m, args), 0);
}

/* Every line of an --events file is one Strands StreamEvent (an object
 * with exactly one of the six event keys), and each of the `calls` model
 * calls runs messageStart .. messageStop, then metadata. */
static void check_stream_event_lines(char *text, int calls)
{
    static const char *const keys[] = {"messageStart", "contentBlockStart",
        "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"};
    int starts = 0, stops = 0, metadata = 0, lines = 0;
    const char *last = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_object *ev = json_tokener_parse(line);
        if (!json_object_is_type(ev, json_type_object) ||
            json_object_object_length(ev) != 1)
            fprintf(stderr, "not a StreamEvent line: %s\n", line);
        assert_true(json_object_is_type(ev, json_type_object));
        assert_int_equal(json_object_object_length(ev), 1);
        const char *key = NULL;
        for (size_t k = 0; k < 6; k++)
            if (json_object_object_get_ex(ev, keys[k], NULL))
                key = keys[k];
        assert_non_null(key);
        if (lines++ == 0)
            assert_string_equal(key, "messageStart");
        starts += strcmp(key, "messageStart") == 0;
        stops += strcmp(key, "messageStop") == 0;
        metadata += strcmp(key, "metadata") == 0;
        if (strcmp(key, "metadata") == 0)
            assert_string_equal(last, "messageStop");
        last = key;
        json_object_put(ev);
    }
    assert_int_equal(starts, calls);
    assert_int_equal(stops, calls);
    assert_int_equal(metadata, calls);
    assert_string_equal(last, "metadata");
}

static void test_signature_round_trip(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_sig_tool.scn", "host_sig_answer.scn");
    const char *events = ht_path("sig.jsonl"), *session = ht_path("sig.json");
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--events", events,
                          "--session", session, "What is 2 + 3 * 4?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "2 + 3 * 4 = 14."));
    assert_non_null(strstr(r.err, "thought signature c2lnLXBzZg=="));

    /* The second request carries the signature, encoded exactly once. */
    json_object *reqs = mock_requests(mp, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 2);
    json_object *second = json_object_array_get_idx(reqs, 1);
    const char *id = ht_str(second, "body.messages[1].tool_calls[0].id");
    assert_non_null(id);
    assert_string_equal(id, "call_ps1__thought__c2lnLXBzZg==");
    assert_int_equal(ht_count(id, "__thought__"), 1);
    assert_string_equal(ht_str(second, "body.messages[2].tool_call_id"), id);
    json_object_put(reqs);

    /* The event stream shows it, and the stored message keeps it. */
    char *ev = ht_read(events);
    assert_non_null(ev);
    assert_non_null(strstr(ev, "{\"contentBlockStart\":{\"start\":{\"toolUse\":"
                           "{\"name\":\"calculator\",\"toolUseId\":\"call_ps1\","
                           "\"reasoningSignature\":\"c2lnLXBzZg==\"}}}}\n"));
    check_stream_event_lines(ev, 2);
    free(ev);
    json_object *conv = json_object_from_file(session);
    assert_non_null(conv);
    assert_int_equal(json_object_array_length(conv), 4);
    assert_string_equal(ht_str(conv, "[1].content[0].toolUse.reasoningSignature"),
                        "c2lnLXBzZg==");
    assert_string_equal(ht_str(conv, "[1].content[0].toolUse.toolUseId"), "call_ps1");
    json_object_put(conv);
    host_run_free(&r);
}

static void test_parallel_tools(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_parallel_tools.scn", "host_parallel_answer.scn");
    const char *session = ht_path("parallel.json");
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--session", session,
                          "Use your tools.", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_non_null(strstr(r.out, "the rest failed."));

    /* One model round: one user message answers all five calls. */
    json_object *conv = json_object_from_file(session);
    assert_non_null(conv);
    assert_int_equal(json_object_array_length(conv), 4);
    assert_int_equal(ht_len(conv, "[2].content"), 5);
    static const char *const status[] = {"success", "success", "error", "error", "error"};
    static const char *const ids[] = {"call_p1", "call_p2", "call_p3", "call_p4", "call_p5"};
    for (int i = 0; i < 5; i++) {
        char path[64];
        snprintf(path, sizeof path, "[2].content[%d].toolResult.status", i);
        assert_string_equal(ht_str(conv, path), status[i]);
        snprintf(path, sizeof path, "[2].content[%d].toolResult.toolUseId", i);
        assert_string_equal(ht_str(conv, path), ids[i]);
    }
    assert_int_equal(ht_at(conv, "[2].content[1].toolResult.content[0].json.words") != NULL, 1);
    assert_int_equal(json_object_get_int(ht_at(conv, "[2].content[1].toolResult.content[0].json.words")), 3);
    assert_non_null(strstr(ht_str(conv, "[2].content[3].toolResult.content[0].text"),
                           "unknown tool \"launch_rocket\""));
    assert_non_null(strstr(ht_str(conv, "[2].content[4].toolResult.content[0].text"),
                           "not valid JSON"));
    json_object_put(conv);
    host_run_free(&r);
}

static void test_tools_none_and_system(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_text_ok.scn", NULL);
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--tools", "none",
                          "--system", "Be brief.", "-q", "Hello?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_string_equal(r.out, "All good.\n");
    assert_string_equal(r.err, ""); /* -q: no progress lines */
    json_object *reqs = mock_requests(mp, "/chat/completions");
    json_object *req = json_object_array_get_idx(reqs, 0);
    assert_int_equal(ht_len(req, "body.tools"), 0); /* "tools": [] as Strands */
    assert_string_equal(ht_str(req, "body.messages[0].role"), "system");
    assert_string_equal(ht_str(req, "body.messages[0].content[0].text"), "Be brief.");
    json_object_put(reqs);
    host_run_free(&r);
}

static void test_structured_output(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_structured.scn", NULL);
    /* The example schema the docs name, as shipped. */
    const char *schema = LP_SOURCE_DIR "/host-sample/examples/person.schema.json";
    const char *args[] = {"--config", "{\"model_id\":\"m\",\"structured_output_mode\":\"tool\"}",
                          "--client-args", mock_client_args(mp, NULL),
                          "--structured", schema, "Who is John?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    json_object *got = json_tokener_parse(r.out);
    assert_string_equal(ht_str(got, "name"), "John");
    assert_int_equal(json_object_get_int(ht_at(got, "age")), 30);
    json_object_put(got);
    host_run_free(&r);
}

/* Run with these arguments and expect `status` and `needle` on stderr. */
static void expect_failure(const char *const *args, int status, const char *needle)
{
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    if (r.status != status || !strstr(r.err, needle))
        host_dump(&r);
    assert_int_equal(r.status, status);
    assert_non_null(strstr(r.err, needle));
    host_run_free(&r);
}

static void test_bad_command_lines(void **state)
{
    (void)state;
    const char *unknown[] = {"--frobnicate", "hi", NULL};
    expect_failure(unknown, 2, "HOST_E_USAGE: unknown option --frobnicate");
    const char *no_prompt[] = {"--json", NULL};
    expect_failure(no_prompt, 2, "no PROMPT");
    const char *bad_tools[] = {"--tools", "calculator,teleport", "hi", NULL};
    expect_failure(bad_tools, 2, "unknown tool \"teleport\"");
    const char *bad_swap[] = {"--swap-at", "2=nobody", "hi", NULL};
    expect_failure(bad_swap, 2, "no provider named \"nobody\"");
    const char *bad_swap2[] = {"--swap-at", "two", "hi", NULL};
    expect_failure(bad_swap2, 2, "TURN=NAME");
    const char *dup[] = {"--provider", LITELLM_SO, "--provider", LITELLM_SO, "hi", NULL};
    expect_failure(dup, 2, "two providers named \"litellm_provider\"");
    const char *missing_value[] = {"hi", "--config", NULL};
    expect_failure(missing_value, 2, "--config needs a value");
    const char *missing_file[] = {"--config", "@/nonexistent/cfg.json", "hi", NULL};
    expect_failure(missing_file, 2, "cannot read /nonexistent/cfg.json");
    const char *dir_file[] = {"--client-args", "@/tmp", "hi", NULL};
    expect_failure(dir_file, 2, "HOST_E_USAGE: cannot read /tmp: Is a directory");
    const char *dir_session[] = {"--session", "/tmp", "hi", NULL};
    expect_failure(dir_session, 1, "HOST_E_IO: --session /tmp: that is a folder");

    const char *missing_so[] = {"--provider", "/nonexistent/x.so", "hi", NULL};
    expect_failure(missing_so, 1, "MP_E_INVALID_ARGUMENT: /nonexistent/x.so: cannot open");
    const char *dir_so[] = {"--provider", "/tmp", "hi", NULL};
    expect_failure(dir_so, 1, "MP_E_INVALID_ARGUMENT: /tmp: cannot read: Is a directory");
    const char *not_so[] = {"--provider", HOST_BIN, "hi", NULL};
    expect_failure(not_so, 1, "not a loadable shared object");
    Dl_info info;
    assert_true(dladdr((void *)json_object_new_object, &info) && info.dli_fname);
    const char *not_provider[] = {"--provider", info.dli_fname, "hi", NULL};
    expect_failure(not_provider, 1, "MP_E_VERSION");
    const char *bad_config[] = {"--config", "{\"model_id\":", "hi", NULL};
    expect_failure(bad_config, 2, "HOST_E_USAGE: --config {\"model_id\":: not a "
                   "JSON object; write e.g. --config '{\"model_id\":\"gpt-4o-mini\"}'");
    /* key=value where JSON was meant: said so, with the JSON to write. */
    const char *key_value[] = {"--config", "model_id=x", "hi", NULL};
    expect_failure(key_value, 2, "HOST_E_USAGE: --config model_id=x: the value "
                   "is not JSON; write --config '{\"model_id\":\"x\"}'");
    const char *key_number[] = {"--config", "context_window_limit=8000", "hi", NULL};
    expect_failure(key_number, 2, "write --config '{\"context_window_limit\":8000}'");
    /* No model: said before any call, with the flag to use. */
    const char *no_model[] = {"hi", NULL};
    host_run nm;
    assert_int_equal(host_exec(&nm, no_model, NULL, NULL), 0);
    ht_expect_status(&nm, 2);
    assert_non_null(strstr(nm.err, "HOST_E_USAGE: provider \"litellm_provider\" "
                           "has no model: name one with --config "
                           "'{\"model_id\":\"MODEL\"}'"));
    assert_null(strstr(nm.err, "model call"));
    host_run_free(&nm);
    /* validate without a path: one usage line, not the whole help. */
    const char *validate_bare[] = {"validate", NULL};
    host_run v;
    assert_int_equal(host_exec(&v, validate_bare, NULL, NULL), 0);
    ht_expect_status(&v, 2);
    assert_string_equal(v.err, "usage: agent-host validate PATH.so [--config JSON] "
                        "[--slow-config JSON] [--client-args JSON]  (see --help)\n");
    host_run_free(&v);

    host_run r;
    const char *help[] = {"--help", NULL};
    assert_int_equal(host_exec(&r, help, NULL, NULL), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--swap-at TURN=NAME"));
    assert_non_null(strstr(r.out, "--session FILE"));
    host_run_free(&r);
}

/* A request parameter at the top of the config reaches the user as a
 * warning that says where it goes (the plugin's log, printed by the host),
 * and the call still runs (offline: LiteLLM's mock hook answers). */
static void test_misplaced_config_key_hint(void **state)
{
    (void)state;
    const char *args[] = {"--config", "{\"model_id\":\"openai/gpt-4o\","
                          "\"temperature\":0.2,\"params\":{\"mock_response\":\"ok\"}}",
                          "hi", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    assert_string_equal(r.out, "ok\n");
    const char *hint = strstr(r.err, "Did you mean params.temperature? Request "
                              "parameters go inside the config's \"params\".");
    assert_non_null(hint);
    /* Said once, before the model call. */
    assert_int_equal(ht_count(r.err, "Did you mean"), 1);
    const char *call = strstr(r.err, "model call 1");
    assert_true(call == NULL || hint < call);
    host_run_free(&r);
}

/* A model that keeps calling tools: --max-turns stops it, with a typed
 * error, and the session from before the prompt is left as it was. */
static void test_turn_limit(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_tool_loop.scn", NULL);
    const char *session = ht_path("limit.json");
    const char *before = "[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]},"
                         "{\"role\":\"assistant\",\"content\":[{\"text\":\"hello\"}]}]";
    assert_int_equal(ht_write(session, before), 0);
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--session", session,
                          "--max-turns", "3", "Count forever.", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 1);
    assert_non_null(strstr(r.err, "agent-host: HOST_E_TURN_LIMIT: no final answer "
                           "after 3 model calls (--max-turns)"));
    assert_int_equal(ht_count(r.err, "[tool] calculator -> 2"), 3);
    json_object *reqs = mock_requests(mp, "/chat/completions");
    assert_int_equal(json_object_array_length(reqs), 3);
    /* Each call carried the growing conversation: 2 old + prompt, then
     * a toolUse and its result per round. */
    assert_int_equal(ht_len(reqs, "[0].body.messages"), 3);
    assert_int_equal(ht_len(reqs, "[2].body.messages"), 7);
    json_object_put(reqs);
    char *after = ht_read(session);
    assert_string_equal(after, before);
    free(after);
    host_run_free(&r);
}

/* A session written by hand (or by another tool) may hold assistant
 * messages Strands would normalise; they go out normalised. */
static void test_resumed_session_is_normalised(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_text_ok.scn", NULL);
    const char *session = ht_path("raw.json");
    assert_int_equal(ht_write(session,
        "[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]},"
        "{\"role\":\"assistant\",\"content\":[]},"
        "{\"role\":\"user\",\"content\":[{\"text\":\"and?\"}]},"
        "{\"role\":\"assistant\",\"content\":[{\"text\":\"  \"}]}]"), 0);
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--session", session, "-q",
                          "Hello?", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    json_object *reqs = mock_requests(mp, "/chat/completions");
    json_object *msgs = ht_at(reqs, "[0].body.messages");
    assert_int_equal(json_object_array_length(msgs), 5);
    const char *m1 = json_object_to_json_string(json_object_array_get_idx(msgs, 1));
    const char *m3 = json_object_to_json_string(json_object_array_get_idx(msgs, 3));
    assert_non_null(strstr(m1, "[blank text]"));
    assert_non_null(strstr(m3, "[blank text]"));
    json_object_put(reqs);
    host_run_free(&r);
}

/* A full disk where the output goes is an error, not a silent success. */
static void test_output_to_full_disk(void **state)
{
    (void)state;
    mock_proc *mp = &g_mock;
    start_sequence(mp, "host_text_ok.scn", "host_text_ok.scn");
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(mp, NULL), "--tools", "none", "-q",
                          "Hello?", NULL};
    host_run r;
    assert_int_equal(host_exec_to(&r, args, NULL, NULL, "/dev/full"), 0);
    ht_expect_status(&r, 1);
    assert_non_null(strstr(r.err, "agent-host: HOST_E_IO: cannot write the output "
                           "to stdout: No space left on device"));
    host_run_free(&r);

    const char *events[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                            mock_client_args(mp, NULL), "--tools", "none", "-q",
                            "--events", "/dev/full", "Hello?", NULL};
    assert_int_equal(host_exec(&r, events, NULL, NULL), 0);
    ht_expect_status(&r, 1);
    assert_string_equal(r.out, "All good.\n"); /* the answer itself got out */
    assert_non_null(strstr(r.err, "agent-host: HOST_E_IO: --events /dev/full: "
                           "write failed: No space left on device"));
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_signature_round_trip, ht_stop_mock),
        cmocka_unit_test_teardown(test_parallel_tools, ht_stop_mock),
        cmocka_unit_test_teardown(test_tools_none_and_system, ht_stop_mock),
        cmocka_unit_test_teardown(test_structured_output, ht_stop_mock),
        cmocka_unit_test_teardown(test_turn_limit, ht_stop_mock),
        cmocka_unit_test_teardown(test_resumed_session_is_normalised, ht_stop_mock),
        cmocka_unit_test_teardown(test_output_to_full_disk, ht_stop_mock),
        cmocka_unit_test(test_bad_command_lines),
        cmocka_unit_test(test_misplaced_config_key_hint),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
