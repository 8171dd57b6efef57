/*
 * test_stream_transcripts.c - every real recorded stream in
 * LP_TRANSCRIPTS_DIR/<case>.sse served by build/mock-server
 * over HTTP to the real litellm_provider.so (loaded with hp_module_load),
 * whole and byte by byte (`trickle: true`), checked against
 * tests/fixtures/expected/<case>.events.jsonl (event_to_json output, with
 * latency and TTFB normalised to 0) and <case>.message.json (the message
 * the sample host's assembler builds).
 *
 * The scenario files are written at run time into a temp dir with absolute
 * body_file paths, so the test works wherever the checkout is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/it_harness.h"

#define TRANSCRIPTS LP_TRANSCRIPTS_DIR
#define EXPECTED LP_SOURCE_DIR "/tests/fixtures/expected"
#define MAX_CASES 128

static char *cases[MAX_CASES];
static size_t ncases;
static mock_proc mock;

/* One scenario per transcript and way of serving it. */
static int setup(void **state)
{
    (void)state;
    if (it_load())
        return -1;
    if (!it_transcripts_dir())
        return 0; /* no ../shared here: the tests skip */
    int listed = it_list_names(TRANSCRIPTS, ".sse", cases, MAX_CASES);
    if (listed < 0) {
        fprintf(stderr, "cannot open %s\n", TRANSCRIPTS);
        return -1;
    }
    ncases = (size_t)listed;
    for (size_t i = 0; i < ncases; i++) {
        char name[300];
        snprintf(name, sizeof name, "%s.scn", cases[i]);
        char *p = it_write_file(name, "model: tr-%s\nexpect.method: POST\n"
                                "body_file: %s/%s.sse\n", cases[i],
                                TRANSCRIPTS, cases[i]);
        snprintf(name, sizeof name, "%s-trickle.scn", cases[i]);
        char *q = it_write_file(name, "model: tr-%s-trickle\ntrickle: true\n"
                                "body_file: %s/%s.sse\n", cases[i],
                                TRANSCRIPTS, cases[i]);
        int ok = p && q;
        free(p);
        free(q);
        if (!ok)
            return -1;
    }
    return it_mock_start(&mock, "--scenarios", it_tmpdir(), NULL);
}

static int teardown(void **state)
{
    (void)state;
    mock_stop(&mock);
    it_tmp_cleanup();
    for (size_t i = 0; i < ncases; i++)
        free(cases[i]);
    return it_unload();
}

/* The first line where two texts differ, for a readable failure. */
static void fail_diff(const char *what, const char *got, const char *want)
{
    size_t line = 1;
    while (*got && *got == *want) {
        line += *got == '\n';
        got++;
        want++;
    }
    fail_msg("%s: events differ at line %zu:\n got: %.300s\nwant: %.300s",
             what, line, got, want);
}

/* Stream one transcript and check everything it produced. */
static void check_case(const char *name, int trickle)
{
    char what[300], path[1024];
    snprintf(what, sizeof what, "%s%s", name, trickle ? " (trickle)" : "");
    snprintf(path, sizeof path, "%s/%s.events.jsonl", EXPECTED, name);
    char *want_events = it_read_file(path, NULL);
    if (!want_events)
        fail_msg("%s: no expected events file %s", what, path);
    snprintf(path, sizeof path, "%s/%s.message.json", EXPECTED, name);
    char *want_msg_text = it_read_file(path, NULL);
    json_object *want_msg = want_msg_text ? json_tokener_parse(want_msg_text)
                                          : NULL;
    if (!want_msg)
        fail_msg("%s: missing or invalid %s", what, path);

    char config[400];
    snprintf(config, sizeof config, "{\"model_id\":\"tr-%s%s\"}", name,
             trickle ? "-trickle" : "");
    char *args = it_client_args(mock.base_url, "sk-transcript-key-0000",
                                "\"timeout\":20");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create(config, args, &err);
    free(args);
    if (!inst)
        fail_msg("%s: create: %s", what, err.message);

    it_events ev;
    it_events_init(&ev);
    double t0 = it_now_ms();
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    double wall = it_now_ms() - t0;
    it_p->destroy(inst);
    if (rc != MP_OK)
        fail_msg("%s: stream: %s: %s", what, mp_errname(rc), err.message);
    assert_int_equal(err.code, MP_OK);
    assert_string_equal(err.message, "");
    assert_false(ev.bad_render);

    int64_t latency, ttfb;
    char *got = it_normalise_metrics(ev.json.data, &latency, &ttfb);
    if (!got)
        fail_msg("%s: a metrics value is not a plain integer:\n%s", what,
                 ev.json.data);
    if (strcmp(got, want_events) != 0)
        fail_diff(what, got, want_events);
    /* Real timings: TTFB within the latency, latency within the call. */
    if (strstr(want_events, "{\"metadata\":")) {
        assert_true(latency >= 0 && ttfb >= 0);
        assert_true(ttfb <= latency);
        assert_true((double)latency <= wall + 1.0);
    }

    json_object *msg = asm_take_message(&ev.as);
    if (!json_object_equal(msg, want_msg))
        fail_msg("%s: message differs:\n got: %s\nwant: %s", what,
                 json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN),
                 json_object_to_json_string_ext(want_msg,
                                                JSON_C_TO_STRING_PLAIN));
    assert_non_null(asm_stop_reason(&ev.as));
    json_object_put(msg);
    json_object_put(want_msg);
    free(want_msg_text);
    free(want_events);
    free(got);
    it_events_free(&ev);
}

/* Each transcript was requested as a streaming chat completion. */
static void check_requests(void)
{
    json_object *all = it_chat_requests(&mock);
    size_t n = json_object_array_length(all);
    assert_int_equal(n, 2 * ncases);
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(all, i);
        assert_string_equal(it_get_str(r, "method"), "POST");
        assert_string_equal(it_get_str(r, "path"), "/chat/completions");
        assert_true(json_object_get_boolean(it_get(r, "body.stream")));
        assert_true(json_object_get_boolean(
            it_get(r, "body.stream_options.include_usage")));
        assert_string_equal(it_get_str(r, "headers.accept"),
                            "text/event-stream");
        assert_non_null(it_get_str(r, "scenario"));
    }
    json_object_put(all);
}

static void test_every_transcript_whole_and_trickled(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip(); /* no ../shared here */
    /* Every transcript must have expected files: a new recording cannot
     * slip through unchecked. */
    assert_true(ncases >= 12);
    for (size_t i = 0; i < ncases; i++) {
        print_message("transcript %s\n", cases[i]);
        check_case(cases[i], 0);
        check_case(cases[i], 1);
    }
    check_requests();
}

/* The same transcript streamed again and again on one instance gives the
 * same events every time (no state leaks from one call to the next). */
static void test_repeated_calls_on_one_instance(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    const char *name = "openai_gpt4o_parallel_tools_usage";
    char config[200], path[1024];
    snprintf(config, sizeof config, "{\"model_id\":\"tr-%s\"}", name);
    snprintf(path, sizeof path, "%s/%s.events.jsonl", EXPECTED, name);
    char *want = it_read_file(path, NULL);
    assert_non_null(want);
    char *args = it_client_args(mock.base_url, NULL, NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create(config, args, &err);
    free(args);
    assert_non_null(inst);
    for (int i = 0; i < 5; i++) {
        it_events ev;
        it_events_init(&ev);
        int rc = it_stream(inst, it_hello_request, &ev, &err);
        assert_int_equal(rc, MP_OK);
        int64_t l, t;
        char *got = it_normalise_metrics(ev.json.data, &l, &t);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
        it_events_free(&ev);
    }
    it_p->destroy(inst);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transcript_whole_and_trickled),
        cmocka_unit_test(test_repeated_calls_on_one_instance),
    };
    return cmocka_run_group_tests_name("stream_transcripts", tests, setup,
                                       teardown);
}
