/*
 * test_stream_gemini.c - Gemini and Vertex thought signatures on their
 * OpenAI-compatible endpoints, through the real plugin and the mock
 * server: read from extra_content.google / .vertex (per call, first value
 * wins; also from the message itself), delivered as the tool use's
 * reasoningSignature, and written back beside the same call on the next
 * request of the gemini/ (vertex_ai/) route, ids unchanged.  The recorded
 * shapes come from ../shared/fixtures/transcripts/gemini/ (read in place;
 * skipped without ../shared).
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

static mock_proc mock;
static int have_fixtures;

#define ANSWER \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"done\"}}]}\n\n" \
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" \
    "data: [DONE]\n\n"

/* A Vertex answer: one call with its signature under "vertex". */
#define VERTEX_CALL \
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{" \
    "\"extra_content\":{\"vertex\":{\"thought_signature\":\"VTX-SIG\"}}," \
    "\"function\":{\"arguments\":\"{}\",\"name\":\"now\"},\"id\":\"v1\"," \
    "\"type\":\"function\"}]},\"index\":0}]}\n\n" \
    "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\",\"index\":0}]}\n\n" \
    "data: [DONE]\n\n"

/* The signature on the delta itself, the call without one. */
#define MESSAGE_LEVEL \
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"extra_content\":" \
    "{\"google\":{\"thought_signature\":\"MSG-SIG\"}},\"tool_calls\":[{" \
    "\"function\":{\"arguments\":\"{}\",\"name\":\"a\"},\"id\":\"m1\"," \
    "\"type\":\"function\"},{\"function\":{\"arguments\":\"{}\",\"name\":\"b\"}," \
    "\"id\":\"m2\",\"type\":\"function\"}]},\"index\":0}]}\n\n" \
    "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\",\"index\":0}]}\n\n" \
    "data: [DONE]\n\n"

static int scenario(const char *file, const char *model, const char *body_file,
                    const char *body)
{
    char *p = body_file
        ? it_write_file(file, "model: %s\nbody_file: %s\n", model, body_file)
        : it_write_file(file, "model: %s\nsse: true\n--- body\n%s", model, body);
    free(p);
    return p ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    if (it_load())
        return -1;
    const char *dir = it_transcripts_dir();
    have_fixtures = dir != NULL;
    char synth[1024], noindex[1024];
    snprintf(synth, sizeof synth, "%s/gemini/synth_gemini3_openai_compat_"
             "tools_extra_content_google.sse", dir ? dir : "");
    snprintf(noindex, sizeof noindex, "%s/gemini/gemini20flash_openai_compat_"
             "tool_no_index_empty_id.sse", dir ? dir : "");
    if ((have_fixtures &&
         (scenario("synth.scn", "g3-synth", synth, NULL) ||
          scenario("noindex.scn", "g2-noindex", noindex, NULL))) ||
        scenario("answer.scn", "g3-answer", NULL, ANSWER) ||
        scenario("vertex.scn", "google/vx-call", NULL, VERTEX_CALL) ||
        scenario("vanswer.scn", "google/vx-answer", NULL, ANSWER) ||
        scenario("msglevel.scn", "g3-msglevel", NULL, MESSAGE_LEVEL))
        return -1;
    return it_mock_start(&mock, "--scenarios", it_tmpdir(), NULL);
}

static int teardown(void **state)
{
    (void)state;
    mock_stop(&mock);
    it_tmp_cleanup();
    return it_unload();
}

static int env(void **state)
{
    (void)state;
    char base[512];
    snprintf(base, sizeof base, "%s/v1beta/openai", mock.base_url);
    setenv("GEMINI_API_BASE", base, 1);
    setenv("GEMINI_API_KEY", "gem-key", 1);
    setenv("VERTEXAI_API_BASE", mock.base_url, 1);
    setenv("VERTEXAI_PROJECT", "p", 1);
    setenv("VERTEXAI_ACCESS_TOKEN", "tok", 1);
    return 0;
}

/* Stream `model` with `request` (NULL: hello); returns the assembled
 * assistant message (put it). */
static json_object *turn(const char *model, const char *request)
{
    char config[256];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    it_call c;
    it_call_run(&c, config, "{}", request);
    if (c.rc)
        fail_msg("%s: %s: %s", model, mp_errname(c.rc), c.err.message);
    json_object *msg = asm_take_message(&c.ev.as);
    assert_non_null(msg);
    it_call_free(&c);
    return msg;
}

/* The next request: user "go", the assistant message, and a result for each
 * of its tool uses. */
static char *next_request(json_object *assistant)
{
    json_object *req = json_object_new_object();
    json_object *msgs = json_object_new_array();
    json_object_array_add(msgs, json_tokener_parse(
        "{\"role\":\"user\",\"content\":[{\"text\":\"go\"}]}"));
    json_object_array_add(msgs, json_object_get(assistant));
    json_object *results = json_object_new_array();
    json_object *content = it_get(assistant, "content");
    for (size_t i = 0; i < json_object_array_length(content); i++) {
        const char *id = it_get_str(json_object_array_get_idx(content, i),
                                    "toolUse.toolUseId");
        if (!id)
            continue;
        char item[512];
        snprintf(item, sizeof item, "{\"toolResult\":{\"toolUseId\":\"%s\","
                 "\"content\":[{\"text\":\"r\"}]}}", id);
        json_object_array_add(results, json_tokener_parse(item));
    }
    json_object *user = json_object_new_object();
    json_object_object_add(user, "role", json_object_new_string("user"));
    json_object_object_add(user, "content", results);
    json_object_array_add(msgs, user);
    json_object_object_add(req, "messages", msgs);
    char *text = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
    json_object_put(req);
    return text;
}

static void test_recorded_google_shape_round_trips(void **state)
{
    (void)state;
    if (!have_fixtures)
        skip();
    json_object *msg = turn("gemini/g3-synth", NULL);
    const char *sig = it_get_str(msg, "content[0].toolUse.reasoningSignature");
    assert_non_null(sig);
    assert_int_equal(strncmp(sig, "EpoICpcIAQw51sc78WQ2", 20), 0);
    assert_int_equal(strlen(sig), 1404); /* the whole value, unchanged */
    assert_string_equal(it_get_str(msg, "content[0].toolUse.toolUseId"),
                        "u959pftr");
    assert_string_equal(it_get_str(msg, "content[1].toolUse.toolUseId"),
                        "k2m8x0qa");
    assert_null(it_get_str(msg, "content[1].toolUse.reasoningSignature"));
    char *sig_copy = strdup(sig);

    char *req = next_request(msg);
    json_object_put(msg);
    json_object_put(turn("gemini/g3-answer", req));
    free(req);
    json_object *sent = it_last_chat(&mock);
    assert_string_equal(it_get_str(sent, "body.model"), "g3-answer");
    assert_string_equal(it_get_str(sent, "body.messages[1].tool_calls[0].id"),
                        "u959pftr");
    assert_string_equal(it_get_str(sent, "body.messages[1].tool_calls[0]."
                        "extra_content.google.thought_signature"), sig_copy);
    /* The second call had none; the message has one, so no placeholder. */
    assert_false(it_has(sent, "body.messages[1].tool_calls[1].extra_content"));
    assert_string_equal(it_get_str(sent, "body.messages[2].tool_call_id"),
                        "u959pftr");
    json_object_put(sent);
    free(sig_copy);
}

/* No index, an empty id, finish "stop": the call still gets an id. */
static void test_recorded_call_without_id_gets_one(void **state)
{
    (void)state;
    if (!have_fixtures)
        skip();
    json_object *msg = turn("gemini/g2-noindex", NULL);
    const char *id = it_get_str(msg, "content[0].toolUse.toolUseId");
    assert_non_null(id);
    assert_int_equal(strncmp(id, "call_", 5), 0);
    json_object_put(msg);
}

static void test_vertex_signature_round_trips(void **state)
{
    (void)state;
    json_object *msg = turn("vertex_ai/vx-call", NULL);
    assert_string_equal(it_get_str(msg, "content[0].toolUse.reasoningSignature"),
                        "VTX-SIG");
    char *req = next_request(msg);
    json_object_put(msg);
    json_object_put(turn("vertex_ai/vx-answer", req));
    free(req);
    json_object *sent = it_last_chat(&mock);
    assert_string_equal(it_get_str(sent, "body.messages[1].tool_calls[0]."
                        "extra_content.vertex.thought_signature"), "VTX-SIG");
    json_object_put(sent);
}

static void test_message_level_signature_goes_to_first_call(void **state)
{
    (void)state;
    json_object *msg = turn("gemini/g3-msglevel", NULL);
    assert_string_equal(it_get_str(msg, "content[0].toolUse.reasoningSignature"),
                        "MSG-SIG");
    assert_null(it_get_str(msg, "content[1].toolUse.reasoningSignature"));
    json_object_put(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_recorded_google_shape_round_trips, env),
        cmocka_unit_test_setup(test_recorded_call_without_id_gets_one, env),
        cmocka_unit_test_setup(test_vertex_signature_round_trips, env),
        cmocka_unit_test_setup(test_message_level_signature_goes_to_first_call, env),
    };
    return cmocka_run_group_tests_name("stream: Gemini and Vertex signatures",
                                       tests, setup, teardown);
}
