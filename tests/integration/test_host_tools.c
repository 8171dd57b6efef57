/*
 * test_host_tools.c - the sample host's parts in process (libhost.a): the
 * exact calculator, the built-in tools, the sliding-window reduction and
 * normalisation of the conversation, atomic session saves, and the
 * command line's provider/config matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../host-sample/calc.h"
#include "../../host-sample/cli.h"
#include "../../host-sample/conversation.h"
#include "../../host-sample/session.h"
#include "../../host-sample/tools.h"
#include "host_test.h"

static void test_calculator(void **state)
{
    (void)state;
    static const struct { const char *expr, *want; int ok; } cases[] = {
        {"1 + 2 * 3", "7", 1},
        {"(1 + 2) * 3", "9", 1},
        {"0.1 + 0.2", "0.3", 1},
        {"1/3 * 3", "1", 1},
        {"2 / 4", "0.5", 1},
        {"-7 % 3", "2", 1},
        {"7 % -3", "-2", 1},
        {"7.5 % 2", "1.5", 1},
        {"--5", "5", 1},
        {"-(2 - 5)", "3", 1},
        {"1e3 + 2.5e-1", "1000.25", 1},
        {"1234567 * 7654321", "9449772114007", 1},
        {"99999999999999999999 * 9999999999999999", "999999999999999899990000000000000001", 1},
        {"1/7", "1/7 (approximately 0.142857142857143)", 1},
        {"-3/8", "-0.375", 1},
        {"0e99999", "0", 1},        /* zero times any power of ten */
        {"0e-50", "0", 1},
        {"1.5e1 * 2", "30", 1},
        {"1e37", "10000000000000000000000000000000000000", 1},
        {"10 % 3.5", "3", 1},
        {"1/3 + 1/3", "2/3 (approximately 0.666666666666667)", 1},
        {"1e39", "exponent too large at position 2", 0},
        {"1e", "unexpected end of expression", 0},
        {"1.2.3", "unexpected '.' at position 4", 0},
        {"3 4", "unexpected '4' at position 3", 0},
        {"1/0", "division by zero", 0},
        {"5 % 0", "modulo by zero", 0},
        {"(1 + 2", "missing ')'", 0},
        {"1 +", "unexpected end of expression", 0},
        {"", "empty expression", 0},
        {"2 ^ 3", "unexpected '^' at position 3", 0},
        {"99999999999999999999 * 99999999999999999999",
         "result too large for exact arithmetic (about 38 digits)", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[256];
        int rc = calc_eval(cases[i].expr, out, sizeof out);
        if (rc != (cases[i].ok ? 0 : -1) || strcmp(out, cases[i].want) != 0)
            fprintf(stderr, "calc(\"%s\") = %d \"%s\", want \"%s\"\n",
                    cases[i].expr, rc, out, cases[i].want);
        assert_int_equal(rc, cases[i].ok ? 0 : -1);
        assert_string_equal(out, cases[i].want);
    }
}

static json_object *use(const char *name, const char *input)
{
    char text[512];
    snprintf(text, sizeof text, "{\"toolUseId\":\"t1\",\"name\":\"%s\",\"input\":%s}",
             name, input);
    return json_tokener_parse(text);
}

static json_object *run(const tool_set *ts, const char *name, const char *input,
                        int invalid)
{
    json_object *tu = use(name, input);
    json_object *r = tools_run(ts, tu, invalid);
    json_object_put(tu);
    assert_non_null(r);
    assert_string_equal(ht_str(r, "toolResult.toolUseId"), "t1");
    return r;
}

static void test_tools(void **state)
{
    (void)state;
    tool_set ts;
    char why[256];
    assert_int_equal(tools_select(&ts, "all", why, sizeof why), 0);
    json_object *specs = tools_specs(&ts);
    assert_int_equal(json_object_array_length(specs), 3);
    assert_string_equal(ht_str(specs, "[0].name"), "calculator");
    assert_string_equal(ht_str(specs, "[0].inputSchema.json.type"), "object");
    json_object_put(specs);

    json_object *r = run(&ts, "calculator", "{\"expression\":\"6*7\"}", 0);
    assert_false(tools_result_failed(r));
    assert_string_equal(tools_result_text(r), "42");
    json_object_put(r);
    r = run(&ts, "word_count", "{\"text\":\"héllo  wörld\\nsecond line\\n\"}", 0);
    assert_false(tools_result_failed(r));
    assert_int_equal(json_object_get_int(ht_at(r, "toolResult.content[0].json.words")), 4);
    assert_int_equal(json_object_get_int(ht_at(r, "toolResult.content[0].json.lines")), 2);
    assert_int_equal(json_object_get_int(ht_at(r, "toolResult.content[0].json.characters")), 25);
    assert_int_equal(json_object_get_int(ht_at(r, "toolResult.content[0].json.bytes")), 27);
    json_object_put(r);
    r = run(&ts, "current_time", "{}", 0);
    assert_false(tools_result_failed(r));
    assert_non_null(strstr(ht_str(r, "toolResult.content[0].json.iso8601"), "Z"));
    json_object_put(r);

    static const struct { const char *name, *input, *needle; int invalid; } bad[] = {
        {"calculator", "{\"expression\":\"1/0\"}", "division by zero", 0},
        {"calculator", "{}", "needs \"expression\"", 0},
        {"calculator", "{\"expression\":5}", "must be a string", 0},
        {"calculator", "{}", "not valid JSON", 1},
        {"current_time", "{\"timezone\":\"Mars/Olympus\"}", "must be \"UTC\" or \"local\"", 0},
        {"word_count", "[1]", "must be a JSON object", 0},
        {"teleport", "{}", "unknown tool \"teleport\"", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = run(&ts, bad[i].name, bad[i].input, bad[i].invalid);
        assert_true(tools_result_failed(r));
        assert_string_equal(ht_str(r, "toolResult.status"), "error");
        assert_non_null(strstr(tools_result_text(r), bad[i].needle));
        json_object_put(r);
    }

    assert_int_equal(tools_select(&ts, "word_count", why, sizeof why), 0);
    r = run(&ts, "calculator", "{\"expression\":\"1\"}", 0); /* not enabled */
    assert_true(tools_result_failed(r));
    json_object_put(r);
    assert_int_equal(tools_select(&ts, "none", why, sizeof why), 0);
    specs = tools_specs(&ts);
    assert_int_equal(json_object_array_length(specs), 0);
    json_object_put(specs);
    assert_int_equal(tools_select(&ts, "calculator,nope", why, sizeof why), -1);
    assert_non_null(strstr(why, "\"nope\""));
}

#define U(t) "{\"role\":\"user\",\"content\":[{\"text\":\"" t "\"}]}"
#define A(t) "{\"role\":\"assistant\",\"content\":[{\"text\":\"" t "\"}]}"
#define TU "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"x\",\"name\":\"calculator\",\"input\":{}}}]}"
#define TR "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"x\",\"status\":\"success\",\"content\":[]}}]}"

static void test_reduce(void **state)
{
    (void)state;
    /* Drops 2, then moves past the tool result and the assistant. */
    json_object *c = json_tokener_parse("[" U("a") "," TU "," TR "," A("b") "," U("c") "]");
    assert_int_equal(conv_reduce(c, CONV_WINDOW), 4);
    assert_int_equal(json_object_array_length(c), 1);
    assert_string_equal(ht_str(c, "[0].content[0].text"), "c");
    assert_int_equal(conv_reduce(c, CONV_WINDOW), -1); /* nothing left to drop */
    assert_int_equal(json_object_array_length(c), 1);
    json_object_put(c);

    /* Over the window: keep the last `window`, at a valid start. */
    c = json_tokener_parse("[" U("1") "," A("1") "," U("2") "," TU "," TR "," A("2") ","
                           U("3") "," A("3") "]");
    assert_int_equal(conv_reduce(c, 5), 6); /* 8-5 = 3 is the toolUse: on to 6 */
    assert_string_equal(ht_str(c, "[0].content[0].text"), "3");
    json_object_put(c);
    c = json_tokener_parse("[" U("1") "," A("1") "," U("2") "," A("2") "]");
    assert_int_equal(conv_reduce(c, 40), 2);
    assert_string_equal(ht_str(c, "[0].content[0].text"), "2");
    json_object_put(c);
}

static void test_normalize(void **state)
{
    (void)state;
    json_object *m = json_tokener_parse("{\"role\":\"assistant\",\"content\":[]}");
    conv_normalize_assistant(m);
    assert_string_equal(ht_str(m, "content[0].text"), "[blank text]");
    json_object_put(m);
    m = json_tokener_parse("{\"role\":\"assistant\",\"content\":[{\"text\":\" \"},"
                           "{\"toolUse\":{\"toolUseId\":\"x\",\"name\":\"bad name!\",\"input\":{}}}]}");
    conv_normalize_assistant(m);
    assert_int_equal(ht_len(m, "content"), 1);
    assert_string_equal(ht_str(m, "content[0].toolUse.name"), "INVALID_TOOL_NAME");
    json_object_put(m);
    m = json_tokener_parse("{\"role\":\"assistant\",\"content\":[{\"text\":\"\\n\"}]}");
    conv_normalize_assistant(m);
    assert_string_equal(ht_str(m, "content[0].text"), "[blank text]");
    json_object_put(m);

    /* A whole conversation: assistant messages only, and idempotent. */
    json_object *c = json_tokener_parse(
        "[{\"role\":\"user\",\"content\":[{\"text\":\" \"}]},"
        "{\"role\":\"assistant\",\"content\":[]},"
        "{\"role\":\"assistant\",\"content\":[{\"text\":\"fine\"}]}]");
    conv_normalize(c);
    assert_string_equal(ht_str(c, "[0].content[0].text"), " "); /* user: as is */
    assert_string_equal(ht_str(c, "[1].content[0].text"), "[blank text]");
    assert_string_equal(ht_str(c, "[2].content[0].text"), "fine");
    json_object *again = NULL;
    json_object_deep_copy(c, &again, NULL);
    conv_normalize(again);
    assert_true(json_object_equal(c, again));
    json_object_put(again);
    json_object_put(c);
}

static void test_session_save(void **state)
{
    (void)state;
    const char *path = ht_path("unit-session.json");
    json_object *conv = json_tokener_parse("[" U("hello") "," A("hi") "]"), *back = NULL;
    char why[512];
    assert_int_equal(session_save(path, conv, why, sizeof why), 0);
    assert_int_equal(session_load(path, &back, why, sizeof why), 0);
    assert_true(json_object_equal(conv, back));
    json_object_put(back);
    char *before = ht_read(path);

    conv_add_user_text(conv, "more");
    setenv("AGENT_HOST_FAULT", "session-write", 1);
    assert_int_equal(session_save(path, conv, why, sizeof why), -1);
    unsetenv("AGENT_HOST_FAULT");
    assert_non_null(strstr(why, "the previous session is intact"));
    char *after = ht_read(path);
    assert_string_equal(after, before);
    free(after);
    free(before);

    assert_int_equal(session_save("/nonexistent-dir/s.json", conv, why, sizeof why), -1);
    assert_non_null(strstr(why, "No such file or directory"));
    assert_int_equal(session_load(ht_path("absent.json"), &back, why, sizeof why), 0);
    assert_int_equal(json_object_array_length(back), 0); /* a new session */
    json_object_put(back);
    json_object_put(conv);
}

static void test_cli_matching(void **state)
{
    (void)state;
    cli c;
    char why[512];
    char *argv[] = {"--config", "{\"model_id\":\"first\"}", "--provider", "a=x/a.so",
                    "--provider", "y/b.so", "--config", "{\"model_id\":\"b\"}",
                    "--client-args", "a={\"k\":1}", "--swap-at", "3=b", "--max-turns", "4",
                    "hello", NULL};
    assert_int_equal(cli_parse(&c, 15, argv, why, sizeof why), 0);
    assert_int_equal(c.n_providers, 2);
    assert_string_equal(c.providers[0].name, "a");
    assert_string_equal(c.providers[1].name, "b");  /* the file's stem */
    /* An unnamed --config before any --provider goes to the first one. */
    assert_string_equal(c.providers[0].config, "{\"model_id\":\"first\"}");
    assert_string_equal(c.providers[1].config, "{\"model_id\":\"b\"}");
    assert_string_equal(c.providers[0].client_args, "{\"k\":1}");
    assert_null(c.providers[1].client_args);
    assert_int_equal(c.n_swaps, 1);
    assert_int_equal(c.swaps[0].call, 3);
    assert_int_equal(c.swaps[0].slot, 1);
    assert_int_equal(c.max_turns, 4);
    assert_string_equal(c.prompt, "hello");
    cli_free(&c);

    char *twice[] = {"--provider", "a=x.so", "--config", "{}", "--config", "a={}", "hi", NULL};
    assert_int_equal(cli_parse(&c, 7, twice, why, sizeof why), -1);
    assert_non_null(strstr(why, "two values for provider \"a\""));
    cli_free(&c);
    char *dash[] = {"--", "-not-an-option", NULL};
    assert_int_equal(cli_parse(&c, 2, dash, why, sizeof why), 0);
    assert_string_equal(c.prompt, "-not-an-option");
    assert_non_null(strstr(c.providers[0].path, "litellm_provider.so"));
    cli_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calculator),
        cmocka_unit_test(test_tools),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_session_save),
        cmocka_unit_test(test_cli_matching),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
