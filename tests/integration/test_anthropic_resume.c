/*
 * test_anthropic_resume.c - the request that resumes a paused Anthropic
 * turn (stop_reason pause_turn, anthropic-wire.md 3.6), through the real
 * .so against build/mock-server: it carries the first request's content
 * unchanged (deep schemas, integers wider than 64 bits), it is retried as
 * the first request is (without delivering the first part twice), a
 * failure after the first part is not retryable for the host, and the
 * whole turn lives within one `timeout`.
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
#define MODEL "anthropic/claude-it"
#define CONFIG "{\"model_id\":\"" MODEL "\"}"
/* json-c saturates wider integers to this (2^64 - 1). */
#define SATURATED "18446744073709551615"

/* The paused first part of ST_AN_PAUSE_EVENTS: what the host has when
 * the resume fails. */
#define FIRST_PART_EVENTS                                                    \
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"                          \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Searching. \"}}}\n"       \
    "{\"contentBlockStop\":{}}\n"

/* A scenario in it_tmpdir() answering with the body of tests/scenarios
 * NAME (its own keys and expectations left out), with `keys` in front and
 * the first `from` in the body replaced by `to` (when `from`). */
static char *answer_of(const char *out, const char *name, const char *keys,
                       const char *from, const char *to)
{
    char *scn = it_read_file(scenario_path(name), NULL);
    assert_non_null(scn);
    char *body = strstr(scn, "--- body\n");
    assert_non_null(body);
    body += 9;
    char *at = from ? strstr(body, from) : NULL;
    if (from)
        assert_non_null(at);
    char *path = at ? it_write_file(out, "%s--- body\n%.*s%s%s", keys,
                                    (int)(at - body), body, to,
                                    at + strlen(from))
                    : it_write_file(out, "%s--- body\n%s", keys, body);
    assert_non_null(path);
    free(scn);
    return path;
}

/* A tool whose input schema nests `levels` objects: deeper than json-c's
 * default 32 in the request, within the host input's 128. */
static char *deep_tool_request(int levels)
{
    it_buf b = {0};
    it_buf_addf(&b, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":"
                "\"hi\"}]}],\"tool_specs\":[{\"name\":\"deep\",\"description\":"
                "\"d\",\"inputSchema\":{\"json\":");
    for (int i = 0; i < levels; i++)
        it_buf_addf(&b, "{\"type\":\"object\",\"properties\":{\"a\":");
    it_buf_addf(&b, "{\"type\":\"string\"}");
    for (int i = 0; i < levels; i++)
        it_buf_addf(&b, "}}");
    it_buf_addf(&b, "}}]}");
    return b.data;
}

/* A 40-level tool schema was accepted in the first request: the resume
 * request carries it unchanged (it was MP_E_NO_MEMORY, "could not build
 * the request that resumes ..."). */
static void test_deep_schema_survives_resume(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "an_pause_1.scn",
                                       "an_pause_2.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    char *request = deep_tool_request(20); /* 40 JSON levels */
    it_call c;
    it_call_run(&c, CONFIG, args, request);
    st_expect_ok_events(&c, ST_AN_PAUSE_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 2);
    json_object *first = it_get(all, "[0].body.tools");
    json_object *resumed = it_get(all, "[1].body.tools");
    assert_non_null(first);
    assert_non_null(resumed);
    assert_true(json_object_equal(first, resumed));
    char leaf[1024] = "[1].body.tools[0].input_schema";
    for (int i = 0; i < 20; i++)
        strcat(leaf, ".properties.a");
    assert_string_equal(it_get_str(all, strcat(leaf, ".type")), "string");
    /* The first request's messages, then the paused content. */
    assert_true(json_object_equal(it_get(all, "[0].body.messages[0]"),
                                  it_get(all, "[1].body.messages[0]")));
    assert_string_equal(it_get_str(all, "[1].body.messages[1].role"),
                        "assistant");
    assert_false(it_has(all, "[1].body.messages[2]"));
    json_object_put(all);
    it_call_free(&c);
    free(request);
    free(args);
    mock_stop(&m);
}

/* Integers wider than 64 bits keep their digits in the resume request:
 * the host's (a toolUse input in the history) and the server's (a
 * server tool's input in the paused content).  They were sent as
 * 2^64 - 1. */
static void test_wide_integers_survive_resume(void **state)
{
    (void)state;
    char *paused = answer_of("an_wide_1.scn", "an_pause_1.scn",
                             "record_body_text: true\nsse: true\n",
                             "\\\"agents\\\"}",
                             "\\\"agents\\\", \\\"k\\\": "
                             "98765432109876543210987654321}");
    char *resumed = answer_of("an_wide_2.scn", "an_pause_2.scn",
                              "record_body_text: true\nsse: true\n", NULL,
                              NULL);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, paused, resumed, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, NULL);
    const char *request = requote(
        "{'messages':[{'role':'user','content':[{'text':'add'}]},"
        "{'role':'assistant','content':[{'toolUse':{'toolUseId':'t1',"
        "'name':'calc','input':{'n':123456789012345678901234567890}}}]},"
        "{'role':'user','content':[{'toolResult':{'toolUseId':'t1',"
        "'status':'success','content':[{'text':'ok'}]}}]}],"
        "'tool_specs':[{'name':'calc','description':'d','inputSchema':"
        "{'json':{'type':'object'}}}]}", '\'');
    it_call c;
    it_call_run(&c, CONFIG, args, request);
    st_expect_ok_events(&c, ST_AN_PAUSE_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 2);
    const char *sent = it_get_str(all, "[0].body_text");
    const char *again = it_get_str(all, "[1].body_text");
    assert_non_null(sent);
    assert_non_null(again);
    assert_non_null(strstr(sent, "{\"n\":123456789012345678901234567890}"));
    assert_non_null(strstr(again, "{\"n\":123456789012345678901234567890}"));
    assert_non_null(strstr(again, "\"k\":98765432109876543210987654321}"));
    if (strstr(again, SATURATED))
        fail_msg("a wide integer was sent as 2^64-1: %s", again);
    json_object_put(all);
    it_call_free(&c);
    free(args);
    free(paused);
    free(resumed);
    mock_stop(&m);
}

/* An overloaded 529 to the resume request is retried like one to the
 * first request; the host gets the message once (it was MP_E_THROTTLED
 * after the first part, and a host rerunning the turn printed its text
 * twice). */
static void test_resume_is_retried(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "an_pause_1.scn", "an_529.scn",
                                       "an_pause_2.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"retry_backoff_ms\":1");
    it_call c;
    it_call_run(&c, CONFIG, args, NULL);
    st_expect_ok_events(&c, ST_AN_PAUSE_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 3);
    /* The retry sends the resume request again, unchanged. */
    assert_true(json_object_equal(it_get(all, "[1].body"),
                                  it_get(all, "[2].body")));
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* Retries exhausted on the resume request: the typed error, after the
 * first part, and not retryable (running the call again would deliver
 * that part twice). */
static void test_resume_retries_exhausted_not_retryable(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, "an_pause_1.scn", "an_529.scn",
                                       "an_529.scn", "an_529.scn", NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"retry_backoff_ms\":1");
    it_call c;
    it_call_run(&c, CONFIG, args, NULL);
    st_expect_error(&c, MP_E_THROTTLED, 529, 0, 20, "overloaded_error",
                    "running the call again would deliver that part twice",
                    KEY);
    st_expect_message(&c, "/v1/messages"); /* where the call went */
    st_expect_events(&c.ev, FIRST_PART_EVENTS);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 4); /* 1 + 1 + 2 */
    json_object_put(all);
    it_call_free(&c);
    free(args);
    mock_stop(&m);
}

/* `timeout` bounds the whole call: a turn whose first response took most
 * of it fails when the resume's answer is slow, naming the limit (each
 * request had its own `timeout`, so the turn took up to 11 of them). */
static void test_timeout_bounds_the_whole_turn(void **state)
{
    (void)state;
    /* The first response stalls 1.2 s midway, the second 1.2 s before
     * its first byte: each within 2 s, both together not. */
    char *paused = answer_of("an_slow_1.scn", "an_pause_1.scn",
                             "sse: true\nstall_after_bytes: 300\n"
                             "stall_ms: 1200\n", NULL, NULL);
    char *resumed = answer_of("an_slow_2.scn", "an_pause_2.scn",
                              "sse: true\nstall_after_bytes: 0\n"
                              "stall_ms: 1200\n", NULL, NULL);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, paused, resumed, NULL), 0);
    char *args = it_client_args(m.base_url, KEY, "\"timeout\":2");
    it_call c;
    it_call_run(&c, CONFIG, args, NULL);
    st_expect_rc(&c, MP_E_TIMEOUT);
    st_expect_message(&c, "timeout 2000 ms, the limit for the whole call");
    assert_int_equal(c.err.retryable, 0);
    st_expect_events(&c.ev, FIRST_PART_EVENTS);
    assert_true(c.ms >= 1900);
    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 2);
    json_object_put(all);
    it_call_free(&c);
    free(args);
    free(paused);
    free(resumed);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_deep_schema_survives_resume, st_an_each),
        cmocka_unit_test_setup(test_wide_integers_survive_resume, st_an_each),
        cmocka_unit_test_setup(test_resume_is_retried, st_an_each),
        cmocka_unit_test_setup(test_resume_retries_exhausted_not_retryable,
                               st_an_each),
        cmocka_unit_test_setup(test_timeout_bounds_the_whole_turn, st_an_each),
    };
    return cmocka_run_group_tests_name("anthropic: resuming a paused turn",
                                       tests, st_an_group_setup,
                                       st_an_group_teardown);
}
