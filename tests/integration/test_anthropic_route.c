/*
 * test_anthropic_route.c - the anthropic/ route end to end: the real .so
 * against build/mock-server answering as Anthropic's Messages API
 * (anthropic-wire.md sections 1, 3.6, 3.7, 5, 6): URL, headers and
 * credentials, retries (section 0: 2 by default), the end of a stream
 * when the server keeps the connection open, pause_turn continuations,
 * structured output both ways, and the recorded streams of
 * ../shared/fixtures/transcripts/anthropic/ served as they were recorded
 * (read in place; skipped without ../shared).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/requote.h"
#include "stream_it.h"

#define KEY "sk-ant-it-key-0123456789"
#define HELLO_EVENTS                                                         \
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"                          \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Hello\"}}}\n"             \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\", world\"}}}\n"           \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"                      \
    "{\"metadata\":{\"usage\":{\"inputTokens\":13,\"outputTokens\":2,"       \
    "\"totalTokens\":15,\"cacheReadInputTokens\":10},\"metrics\":"          \
    "{\"latencyMs\":0,\"timeToFirstByteMs\":0}}}\n"

/* One stream() call on model `model` with client args `args`. */
static void call(it_call *c, const char *model, const char *params,
                 const char *args, const char *request)
{
    char config[512];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"%s%s}", model,
             params ? ",\"params\":" : "", params ? params : "");
    it_call_run(c, config, args, request);
}

static void expect_events(const it_call *c, const char *want)
{
    int64_t latency, ttfb;
    char *got = it_normalise_metrics(c->ev.json.data ? c->ev.json.data : "",
                                     &latency, &ttfb);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* 1.1-1.3: POST {base}/v1/messages, x-api-key, anthropic-version, and no
 * Authorization; the model without its prefix; max_tokens 4096. */
static void test_url_headers_and_key(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_text.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    expect_events(&c, HELLO_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 1);
    json_object *r = json_object_array_get_idx(all, 0);
    assert_string_equal(it_get_str(r, "path"), "/v1/messages");
    assert_string_equal(it_get_str(r, "headers.x-api-key"), KEY);
    assert_string_equal(it_get_str(r, "headers.accept"), "application/json");
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* 1.1, 1.3: the key from $ANTHROPIC_API_KEY, else a bearer token from
 * $ANTHROPIC_AUTH_TOKEN; the base from $ANTHROPIC_BASE_URL, a base that
 * is already the messages URL used as it is. */
static void test_credentials_and_base_from_environment(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_text.scn", NULL), 0);
    setenv("ANTHROPIC_BASE_URL", m.base_url, 1);
    setenv("ANTHROPIC_API_KEY", "sk-ant-from-env-0123456789", 1);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, "{}", NULL);
    st_expect_rc(&c, MP_OK);
    it_call_free(&c);
    json_object *all = mock_requests(&m, NULL);
    assert_string_equal(it_get_str(all, "[0].headers.x-api-key"),
                        "sk-ant-from-env-0123456789");
    json_object_put(all);
    unsetenv("ANTHROPIC_API_KEY");
    mock_stop(&m);
    /* The same answer from a scenario that lets Authorization through. */
    char *scn = it_read_file(scenario_path("an_text.scn"), NULL);
    assert_non_null(scn);
    char *line = strstr(scn, "expect.header_absent: authorization\n");
    assert_non_null(line);
    memset(line, ' ', strlen("expect.header_absent: authorization"));
    line[0] = '#';
    char *bearer = it_write_file("an_text_bearer.scn", "%s", scn);
    assert_int_equal(it_mock_scenarios(&m, 0, bearer, NULL), 0);
    setenv("ANTHROPIC_AUTH_TOKEN", "tok-0123456789", 1);
    char base[128];
    snprintf(base, sizeof base, "%s/v1/messages", m.base_url);
    char *args = it_client_args(base, NULL, NULL);
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    it_call_free(&c);
    all = mock_requests(&m, NULL);
    assert_string_equal(it_get_str(all, "[0].path"), "/v1/messages");
    assert_string_equal(it_get_str(all, "[0].headers.authorization"),
                        "Bearer tok-0123456789");
    assert_false(it_has(all, "[0].headers.x-api-key"));
    json_object_put(all);
    unsetenv("ANTHROPIC_AUTH_TOKEN");
    unsetenv("ANTHROPIC_BASE_URL");
    free(args);
    free(bearer);
    free(scn);
    mock_stop(&m);
}

/* 1.3 [R]: no credential at all: refused before anything is sent, saying
 * where a key can be set. */
static void test_no_key_nothing_sent(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_text.scn", NULL), 0);
    char *args = it_client_args(m.base_url, NULL, NULL);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_E_INVALID_ARGUMENT);
    st_expect_message(&c, "ANTHROPIC_API_KEY");
    st_expect_message(&c, "ANTHROPIC_AUTH_TOKEN");
    assert_int_equal(c.ev.count, 0);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 0);
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* The answer is whole at message_stop: stream() returns then, even when
 * the server keeps the connection open for seconds. */
static void test_complete_at_message_stop(void **state)
{
    (void)state;
    char *scn = it_read_file(scenario_path("an_text.scn"), NULL);
    assert_non_null(scn);
    const char *body = strstr(scn, "--- body\n") + 9;
    char *path = it_write_file("an_hold_open.scn", "stall_after_bytes: %zu\n"
                               "stall_ms: 4000\n%s", strlen(body), scn);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, path, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    expect_events(&c, HELLO_EVENTS);
    assert_true(c.ms < 2000);
    it_call_free(&c);
    free(args);
    free(path);
    free(scn);
    mock_stop(&m);
}

/* Section 0: an overloaded 529 is throttling, retried (2 retries by
 * default on this route), after the retry-after-ms the server asked. */
static void test_overloaded_is_retried(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "an_529.scn", "an_529.scn",
                                       "an_text.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"retry_backoff_ms\":1");
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    expect_events(&c, HELLO_EVENTS);
    assert_true(c.ms >= 40); /* twice retry-after-ms: 20 */
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 3);
    json_object_put(all);
    it_call_free(&c);
    /* Three 529s in a row: the third is the error, typed. */
    mock_stop(&m);
    assert_int_equal(it_mock_scenarios(&m, 1, "an_529.scn", "an_529.scn",
                                       "an_529.scn", NULL), 0);
    free(args);
    args = it_client_args(m.base_url, KEY, "\"retry_backoff_ms\":1");
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_error(&c, MP_E_THROTTLED, 529, 1, 20, "overloaded_error",
                    "req_it_529", KEY);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* 5.4: x-should-retry: false is obeyed. */
static void test_should_retry_false(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_429_no_retry.scn", NULL),
                     0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-no-retry", NULL, args, NULL);
    st_expect_error(&c, MP_E_THROTTLED, 429, 0, -1, "rate_limit_error",
                    "per-minute rate limit", KEY);
    st_expect_message(&c, "/v1/messages; base URL from client_args.api_base");
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 1);
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* 3.6 (case 153 end to end): pause_turn sends the request again with the
 * paused content; one message comes out. */
static void test_pause_turn_continues(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "an_pause_1.scn",
                                       "an_pause_2.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    expect_events(&c, ST_AN_PAUSE_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 2);
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

#define SCHEMA "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":" \
               "\"string\"},\"age\":{\"type\":\"integer\"}},\"required\":" \
               "[\"name\",\"age\"]}"

typedef struct collected {
    it_buf out;
} collected;

static int collect(void *ctx, const char *p, size_t n)
{
    it_buf_add(&((collected *)ctx)->out, p, n);
    return 0;
}

static int structured(const char *config, const char *args, const char *name,
                      collected *got, mp_error *err)
{
    *err = (mp_error)MP_ERROR_INIT;
    mp_instance *inst = it_create(config, args, err);
    if (!inst)
        return err->code;
    mp_text_sink sink = {sizeof sink, got, collect};
    const char *req = "{\"messages\":[{\"role\":\"user\",\"content\":"
                      "[{\"text\":\"John is 30 years old.\"}]}]}";
    int rc = it_p->structured_output(inst, req, strlen(req), SCHEMA,
                                     strlen(SCHEMA), name, NULL, &sink, err);
    it_p->destroy(inst);
    return rc;
}

/* 38 test_structured_output: the forced tool, the tool's input is the
 * answer (validated against the schema). */
static void test_structured_output(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_structured_tool.scn",
                                       NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    collected got = {0};
    mp_error err;
    assert_int_equal(structured("{\"model_id\":\"anthropic/claude-so-tool\"}",
                                args, "TestOutputModel", &got, &err), MP_OK);
    json_object *v = json_tokener_parse(got.out.data);
    json_object *want = json_tokener_parse("{\"name\":\"John\",\"age\":30}");
    assert_true(json_object_equal(v, want));
    json_object_put(v);
    json_object_put(want);
    it_buf_free(&got.out);
    free(args);
    mock_stop(&m);
}

/* 6.3: `auto` on a model of 6.2's list asks natively (output_config),
 * without probing any /model/info, and reads the JSON text. */
static void test_structured_output_native(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "an_structured_json.scn", NULL),
                     0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    collected got = {0};
    mp_error err;
    assert_int_equal(structured("{\"model_id\":\"anthropic/claude-sonnet-4-5\"}",
                                args, "Person", &got, &err), MP_OK);
    assert_string_equal(got.out.data, "{\"name\":\"Ann\",\"age\":41}");
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 1); /* no probe */
    json_object_put(all);
    it_buf_free(&got.out);
    free(args);
    mock_stop(&m);
}

/* 6.3: a deployment that refuses output_config gets the beta
 * output_format once, with its beta merged into the user's betas. */
static void test_structured_output_legacy_form(void **state)
{
    (void)state;
    char *refuse = it_write_file("an_refuse_oc.scn", "status: 400\n--- body\n"
                                 "{\"type\":\"error\",\"error\":{\"type\":"
                                 "\"invalid_request_error\",\"message\":"
                                 "\"output_config: Extra inputs are not "
                                 "permitted\"}}");
    char *accept = it_write_file("an_accept_of.scn",
                                 "expect.json: output_format.type = "
                                 "\"json_schema\"\nexpect.json: output_config "
                                 "= absent\nexpect.header: anthropic-beta: "
                                 "files-api-2025-04-14,structured-outputs-"
                                 "2025-11-13\n--- body\n{\"type\":\"message\","
                                 "\"role\":\"assistant\",\"content\":[{\"type\":"
                                 "\"text\",\"text\":\"{\\\"name\\\":\\\"Bo\\\","
                                 "\\\"age\\\":5}\"}],\"stop_reason\":"
                                 "\"end_turn\",\"usage\":{\"input_tokens\":1,"
                                 "\"output_tokens\":1}}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, refuse, accept, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"extra_headers\":"
                                "{\"anthropic-beta\":\" files-api-2025-04-14"
                                "\"}");
    collected got = {0};
    mp_error err;
    assert_int_equal(structured("{\"model_id\":\"anthropic/claude-opus-4-1\","
                                "\"structured_output_mode\":"
                                "\"response_format\"}", args, "P", &got,
                                &err), MP_OK);
    assert_string_equal(got.out.data, "{\"name\":\"Bo\",\"age\":5}");
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 2);
    json_object_put(all);
    it_buf_free(&got.out);
    free(args);
    free(refuse);
    free(accept);
    mock_stop(&m);
}

/* ------------------------------------- recorded streams, served again */

/* A scenario serving a recording from ../shared in place. */
static char *recording_scenario(const char *name, const char *keys)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/anthropic/%s", LP_TRANSCRIPTS_DIR, name);
    return it_write_file("an_recording.scn", "%sbody_file: %s\n", keys, path);
}

/* 160 F1 through the whole plugin, its bytes trickled one per write. */
static void test_recorded_text_stream(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    char *scn = recording_scenario("anthropic_sonnet45_text_ping_padding.sse",
                                   "trickle: true\n");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, scn, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-sonnet-4-5", NULL, args, NULL);
    st_expect_rc(&c, MP_OK);
    json_object *msg = asm_take_message(&c.ev.as);
    assert_string_equal(it_get_str(msg, "content[0].text"), "[12345,67890]");
    json_object_put(msg);
    assert_non_null(strstr(c.ev.json.data, "\"inputTokens\":135,"
                                           "\"outputTokens\":10"));
    it_call_free(&c);
    free(args);
    free(scn);
    mock_stop(&m);
}

/* 168 F9: an error event in a 200 stream, after partial text. */
static void test_recorded_midstream_error(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    char *scn = recording_scenario("synth_anthropic_midstream_api_error.sse",
                                   "");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, scn, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-it", NULL, args, NULL);
    st_expect_error(&c, MP_E_SERVER, 200, 1, -1, "api_error",
                    "Internal server error", KEY);
    assert_int_equal(c.ev.count, 4); /* start, block, two deltas */
    assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 0);
    assert_int_equal(c.ev.by_type[MP_EVENT_METADATA], 0);
    it_call_free(&c);
    free(args);
    free(scn);
    mock_stop(&m);
}

/* 169 F10: params.stream false asks for a whole answer. */
static void test_recorded_whole_answer(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    char *scn = recording_scenario("anthropic_200_nonstream_text_tool_use.json",
                                   "expect.json: stream = absent\n");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, scn, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    it_call c;
    call(&c, "anthropic/claude-haiku-4-5", "{\"stream\":false}", args, NULL);
    st_expect_rc(&c, MP_OK);
    assert_string_equal(asm_stop_reason(&c.ev.as), "tool_use");
    json_object *msg = asm_take_message(&c.ev.as);
    assert_string_equal(it_get_str(msg, "content[1].toolUse.input.location"),
                        "San Francisco, CA");
    json_object_put(msg);
    it_call_free(&c);
    free(args);
    free(scn);
    mock_stop(&m);
}

/* 170 F11: the recorded 429 (x-should-retry: true) with its headers. */
static void test_recorded_rate_limit(void **state)
{
    (void)state;
    if (!it_transcripts_dir())
        skip();
    char *scn = recording_scenario("anthropic_429_rate_limit_error.json",
                                   "status: 429\nheader: x-should-retry: "
                                   "true\n");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, scn, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"num_retries\":0");
    it_call c;
    call(&c, "anthropic/claude-sonnet-4-5", NULL, args, NULL);
    st_expect_error(&c, MP_E_THROTTLED, 429, 1, -1, "rate_limit_error",
                    "req_011CYK5n67SytMUxm8WMZUWY", KEY);
    it_call_free(&c);
    free(args);
    free(scn);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_url_headers_and_key, st_an_each),
        cmocka_unit_test_setup(test_credentials_and_base_from_environment,
                               st_an_each),
        cmocka_unit_test_setup(test_no_key_nothing_sent, st_an_each),
        cmocka_unit_test_setup(test_complete_at_message_stop, st_an_each),
        cmocka_unit_test_setup(test_overloaded_is_retried, st_an_each),
        cmocka_unit_test_setup(test_should_retry_false, st_an_each),
        cmocka_unit_test_setup(test_pause_turn_continues, st_an_each),
        cmocka_unit_test_setup(test_structured_output, st_an_each),
        cmocka_unit_test_setup(test_structured_output_native, st_an_each),
        cmocka_unit_test_setup(test_structured_output_legacy_form, st_an_each),
        cmocka_unit_test_setup(test_recorded_text_stream, st_an_each),
        cmocka_unit_test_setup(test_recorded_midstream_error, st_an_each),
        cmocka_unit_test_setup(test_recorded_whole_answer, st_an_each),
        cmocka_unit_test_setup(test_recorded_rate_limit, st_an_each),
    };
    return cmocka_run_group_tests_name("anthropic: the route end to end",
                                       tests, st_an_group_setup,
                                       st_an_group_teardown);
}
