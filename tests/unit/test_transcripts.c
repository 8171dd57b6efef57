/*
 * test_transcripts.c - every real recorded stream in
 * LP_TRANSCRIPTS_DIR/<case>.sse through the chunk mapper (latency
 * 0, TTFB 0), compared with tests/fixtures/expected/:
 *   <case>.events.jsonl  the events as Strands JSON, one per line, exactly;
 *   <case>.message.json  the message the assembler builds (JSON equality);
 * fed whole, byte by byte, and in random cuts.  A transcript without
 * expected files fails the test, so a new recording cannot slip through.
 * How the expected files were derived is in tests/fixtures/expected/README.md.
 *
 * The expected files are also checked against what the official openai
 * node SDK accumulated from the same bytes (expected-openai-node/<case>.json
 * beside the transcripts): text, tool ids, names and parsed arguments, the
 * finish reason and the usage counts must agree, apart from the documented
 * differences (README.md there and in tests/fixtures/expected).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "../support/it_harness.h"
#include "test_chunk_recorder.h"

#define TRANSCRIPTS LP_TRANSCRIPTS_DIR
#define EXPECTED LP_SOURCE_DIR "/tests/fixtures/expected"

/* The assembled stop reason of each case, worked out by hand: the
 * finish_reason mapped by decision 9, with Strands' tool_use override. */
static const struct {
    const char *name, *stop;
} stops[] = {
    {"azure_model_router_prompt_filter_first", "end_turn"},
    {"cerebras_glm_reasoning_field_tool", "tool_use"},
    {"deepseek_reasoner_reasoning_then_tool", "tool_use"},
    {"groq_tool_whole_in_one_delta_x_groq_usage", "tool_use"},
    {"mistral_tool_no_index_no_type_finish_same_chunk", "tool_use"},
    {"openai_gpt41nano_text_obfuscation_usage", "end_turn"},
    {"openai_gpt4o_finish_length", "max_tokens"},
    {"openai_gpt4o_parallel_tools_usage", "tool_use"},
    {"openai_gpt4o_refusal", "end_turn"},
    {"openai_gpt4o_text_plain", "end_turn"},
    {"openai_gpt4o_tool_args_split", "tool_use"},
    {"qwen3max_tool_empty_id_repeats", "tool_use"},
};

/* The whole file (NUL-terminated; free it); a missing one fails the test. */
static char *read_file(const char *path, size_t *len)
{
    char *text = it_read_file(path, len);
    if (!text)
        fail_msg("cannot open %s", path);
    return text;
}

typedef enum { WHOLE, BYTES, RANDOM } feeding;

/* Map one transcript fed in the given way; the recorder holds the result
 * (and `acc`, when not NULL, has every event too). */
static void map(recorder *r, const char *body, size_t len, feeding how,
                unsigned seed, mp_accumulator *acc)
{
    rec_init(r, NULL);
    r->acc = acc;
    int rc = MP_OK;
    for (size_t i = 0; i < len && !rc;) {
        size_t n = len - i;
        if (how == BYTES) {
            n = 1;
        } else if (how == RANDOM) {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 16) % 61;
            if (n > len - i)
                n = len - i;
        }
        rc = cm_feed(&r->m, body + i, n, &r->err);
        i += n;
    }
    if (!rc)
        rc = cm_finish(&r->m, 0, 0, &r->err);
    if (rc)
        fail_msg("mapping failed: %s: %s", mp_errname(rc), r->err.message);
}

static int acc_write(void *ctx, const char *p, size_t n)
{
    return sb_append(ctx, p, n);
}

static void check_case(const char *name)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/%s.sse", TRANSCRIPTS, name);
    char *body = read_file(path, &len);
    snprintf(path, sizeof path, "%s/%s.events.jsonl", EXPECTED, name);
    char *events = read_file(path, NULL);
    snprintf(path, sizeof path, "%s/%s.message.json", EXPECTED, name);
    char *message_text = read_file(path, NULL);
    json_object *expected = json_tokener_parse(message_text);
    if (!expected)
        fail_msg("%s: invalid JSON", path);

    const char *stop = NULL;
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
        if (strcmp(stops[i].name, name) == 0)
            stop = stops[i].stop;
    if (!stop)
        fail_msg("%s: no expected stop reason in this test's table", name);

    static const feeding ways[] = {WHOLE, BYTES, RANDOM, RANDOM, RANDOM};
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        recorder r;
        mp_accumulator *acc = NULL;
        assert_int_equal(lp_acc_create(&acc), MP_OK);
        map(&r, body, len, ways[w], (unsigned)w * 7919u, acc);
        if (strcmp(rec_text(&r), events) != 0) {
            /* Show the first differing line, not two walls of text. */
            const char *a = rec_text(&r), *b = events;
            size_t line = 1;
            while (*a && *a == *b) {
                line += *a == '\n';
                a++;
                b++;
            }
            fail_msg("%s (feeding %zu): events differ at line %zu:\n got: "
                     "%.200s\nwant: %.200s", name, w, line, a, b);
        }
        json_object *msg = asm_take_message(&r.as);
        if (!json_object_equal(msg, expected))
            fail_msg("%s (feeding %zu): message differs:\n got: %s", name, w,
                     json_object_to_json_string_ext(msg,
                                                    JSON_C_TO_STRING_PLAIN));
        json_object_put(msg);
        assert_string_equal(asm_stop_reason(&r.as), stop);
        /* The plugin's accumulator (ABI 1.1) builds the same message and
         * stop reason as the sample host's assembler. */
        strbuf acc_json;
        sb_init(&acc_json, (size_t)1 << 28);
        assert_int_equal(lp_acc_result(acc, acc_write, &acc_json), MP_OK);
        json_object *res = json_tokener_parse(acc_json.data), *part = NULL;
        json_object_object_get_ex(res, "message", &part);
        if (!json_object_equal(part, expected))
            fail_msg("%s (feeding %zu): the accumulator's message differs:\n "
                     "got: %s", name, w, acc_json.data);
        json_object_object_get_ex(res, "stopReason", &part);
        assert_string_equal(json_object_get_string(part), stop);
        json_object_put(res);
        sb_free(&acc_json);
        lp_acc_destroy(acc);
        rec_free(&r);
    }
    json_object_put(expected);
    free(body);
    free(events);
    free(message_text);
}

static void test_every_transcript(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip(); /* no ../shared here: nothing to replay */
    char *names[256];
    int count = it_list_names(TRANSCRIPTS, ".sse", names, 256);
    assert_true(count >= 12);
    for (int i = 0; i < count; i++) {
        print_message("transcript %s\n", names[i]);
        check_case(names[i]);
        free(names[i]);
    }
}

/* ------------------------------------------ cross-check with the SDK */

/* Cases where the SDK threw instead of accumulating (its file holds the
 * error text); we produce the message anyway (expected/README.md). */
static const char *const sdk_failed[] = {
    "mistral_tool_no_index_no_type_finish_same_chunk", NULL};

static int in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

static const char *str_or_empty(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

static int64_t int_or(json_object *o, const char *key, int64_t dflt)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return dflt;
    return json_object_get_int64(v);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o)
        json_object_object_get_ex(o, key, &v);
    return v;
}

/* Decision 9, from the SDK's finish_reason to our stopReason. */
static const char *stop_of_finish(const char *f)
{
    if (strcmp(f, "tool_calls") == 0)
        return "tool_use";
    if (strcmp(f, "length") == 0)
        return "max_tokens";
    if (strcmp(f, "content_filter") == 0)
        return "content_filtered";
    return "end_turn";
}

/* The messageStop reason and the last metadata usage of an events file. */
static void read_events(const char *jsonl, char *stop, size_t cap,
                        json_object **usage)
{
    *usage = NULL;
    stop[0] = '\0';
    for (const char *line = jsonl; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        json_tokener *tok = json_tokener_new();
        json_object *ev = json_tokener_parse_ex(tok, line, (int)n);
        json_tokener_free(tok);
        if (!ev)
            fail_msg("an events line is not JSON: %.80s", line);
        json_object *ms = member(ev, "messageStop"), *md = member(ev, "metadata");
        if (ms)
            snprintf(stop, cap, "%s", str_or_empty(ms, "stopReason"));
        if (md) {
            json_object_put(*usage);
            *usage = json_object_get(member(md, "usage"));
        }
        json_object_put(ev);
        line += n + (nl ? 1 : 0);
    }
}

static void cross_check(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/expected-openai-node/%s.json", TRANSCRIPTS,
             name);
    char *sdk_text = read_file(path, NULL);
    snprintf(path, sizeof path, "%s/%s.message.json", EXPECTED, name);
    char *msg_text = read_file(path, NULL);
    snprintf(path, sizeof path, "%s/%s.events.jsonl", EXPECTED, name);
    char *events = read_file(path, NULL);
    json_object *ours = json_tokener_parse(msg_text);
    json_object *sdk = json_tokener_parse(sdk_text);
    assert_non_null(ours);
    json_object *content = member(ours, "content");
    assert_true(json_object_array_length(content) > 0);
    if (!sdk || !json_object_is_type(sdk, json_type_object)) {
        if (!in_list(sdk_failed, name))
            fail_msg("%s: the SDK's result is not JSON and the case is not "
                     "a known SDK failure: %.100s", name, sdk_text);
        assert_true(strncmp(sdk_text, "ERROR", 5) == 0);
        goto done;
    }
    if (in_list(sdk_failed, name))
        fail_msg("%s: listed as an SDK failure but the SDK produced JSON",
                 name);
    json_object *choice = json_object_array_get_idx(member(sdk, "choices"), 0);
    json_object *msg = member(choice, "message");
    assert_non_null(msg);

    /* Text: the SDK's content, plus its refusal, which we show as text. */
    strbuf want, got;
    sb_init(&want, (size_t)1 << 24);
    sb_init(&got, (size_t)1 << 24);
    sb_appends(&want, str_or_empty(msg, "content"));
    sb_appends(&want, str_or_empty(msg, "refusal"));
    json_object *tools = member(msg, "tool_calls");
    size_t ntools = tools ? json_object_array_length(tools) : 0, k = 0;
    for (size_t i = 0; i < json_object_array_length(content); i++) {
        json_object *block = json_object_array_get_idx(content, i);
        json_object *tu = member(block, "toolUse");
        sb_appends(&got, str_or_empty(block, "text"));
        if (!tu)
            continue;
        if (k >= ntools)
            fail_msg("%s: more tool uses than the SDK's %zu", name, ntools);
        json_object *tc = json_object_array_get_idx(tools, k++);
        json_object *fn = member(tc, "function");
        assert_string_equal(str_or_empty(tu, "toolUseId"), str_or_empty(tc, "id"));
        assert_string_equal(str_or_empty(tu, "name"), str_or_empty(fn, "name"));
        const char *args = str_or_empty(fn, "arguments");
        json_object *parsed = json_tokener_parse(*args ? args : "{}");
        assert_non_null(parsed);
        if (!json_object_equal(member(tu, "input"), parsed))
            fail_msg("%s: tool %zu input differs from the SDK's %s", name, k,
                     args);
        json_object_put(parsed);
    }
    assert_int_equal(k, ntools);
    if (strcmp(got.data ? got.data : "", want.data ? want.data : "") != 0)
        fail_msg("%s: text differs from the SDK's:\n ours: %.200s\n  sdk: "
                 "%.200s", name, got.data ? got.data : "",
                 want.data ? want.data : "");
    sb_free(&want);
    sb_free(&got);

    char stop[32];
    json_object *usage;
    read_events(events, stop, sizeof stop, &usage);
    assert_string_equal(stop, stop_of_finish(str_or_empty(choice,
                                                          "finish_reason")));
    json_object *su = member(sdk, "usage");
    if (su) {
        assert_non_null(usage);
        assert_int_equal(int_or(usage, "inputTokens", -1),
                         int_or(su, "prompt_tokens", -2));
        assert_int_equal(int_or(usage, "outputTokens", -1),
                         int_or(su, "completion_tokens", -2));
        assert_int_equal(int_or(usage, "totalTokens", -1),
                         int_or(su, "total_tokens", -2));
        int64_t cached = int_or(member(su, "prompt_tokens_details"),
                                "cached_tokens", 0);
        /* 0 is omitted, as in Strands. */
        assert_int_equal(int_or(usage, "cacheReadInputTokens", 0), cached);
    }
    json_object_put(usage);
done:
    json_object_put(ours);
    json_object_put(sdk);
    free(sdk_text);
    free(msg_text);
    free(events);
}

static void test_expected_files_agree_with_openai_node(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    char *names[256];
    int count = it_list_names(TRANSCRIPTS "/expected-openai-node", ".json",
                              names, 256);
    assert_true(count >= 12); /* one per transcript */
    for (int i = 0; i < count; i++) {
        print_message("openai-node %s\n", names[i]);
        cross_check(names[i]);
        free(names[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transcript),
        cmocka_unit_test(test_expected_files_agree_with_openai_node),
    };
    return cmocka_run_group_tests_name("transcripts", tests, NULL, NULL);
}
