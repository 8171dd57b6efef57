/*
 * test_transcripts.c - every real recorded stream in
 * LP_TRANSCRIPTS_DIR/<case>.sse through the chunk mapper (latency
 * 0, TTFB 0), compared with tests/fixtures/expected/:
 *   <case>.events.jsonl  the events as Strands JSON, one per line, exactly;
 *   <case>.message.json  the message the assembler builds (JSON equality);
 * fed whole, byte by byte, and in random cuts.  A transcript without
 * expected files fails the test, so a new recording cannot slip through.
 * How the expected files were derived is in tests/fixtures/expected/README.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>

#include "test_chunk_recorder.h"

#ifndef LP_TRANSCRIPTS_DIR
#define LP_TRANSCRIPTS_DIR "tests/fixtures/transcripts"
#endif
#ifndef LP_SOURCE_DIR
#define LP_SOURCE_DIR "."
#endif

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

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    strbuf b;
    sb_init(&b, (size_t)1 << 28);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_append(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    return sb_detach(&b);
}

typedef enum { WHOLE, BYTES, RANDOM } feeding;

/* Map one transcript fed in the given way; the recorder holds the result. */
static void map(recorder *r, const char *body, size_t len, feeding how,
                unsigned seed)
{
    rec_init(r, NULL);
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
        map(&r, body, len, ways[w], (unsigned)w * 7919u);
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
        rec_free(&r);
    }
    json_object_put(expected);
    free(body);
    free(events);
    free(message_text);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_every_transcript(void **state)
{
    (void)state;
    DIR *d = opendir(TRANSCRIPTS);
    assert_non_null(d);
    char *names[256];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 256) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".sse") == 0)
            names[count++] = strndup(e->d_name, n - 4);
    }
    closedir(d);
    qsort(names, count, sizeof names[0], by_name);
    assert_true(count >= 12);
    for (size_t i = 0; i < count; i++) {
        print_message("transcript %s\n", names[i]);
        check_case(names[i]);
        free(names[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transcript),
    };
    return cmocka_run_group_tests_name("transcripts", tests, NULL, NULL);
}
