/*
 * test_stream_conversation.c - one whole multi-turn conversation (system
 * prompt with a cache point, text and an image, an assistant turn with
 * reasoning, text and a tool use carrying a Gemini signature, a tool result
 * with an image, a message-level cache point, tools and tool_choice, params)
 * sent by the real plugin to build/mock-server.  The body the server
 * received must equal, as JSON, tests/integration/data/
 * conversation.expected.json, written by hand from reference-behaviour
 * section 3 and decisions 1-6 (not from the plugin's output).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream_it.h"

#define DATA LP_SOURCE_DIR "/tests/integration/data/"

/* Send the conversation with this config; returns the recorded request. */
static json_object *send_conversation(const char *config)
{
    char *request = it_read_file(DATA "conversation.request.json", NULL);
    assert_non_null(request);
    char *args = it_client_args(it_req_mock.base_url,
                                "sk-conv-key-0000000042",
                                "\"extra_headers\":{\"X-Session\":\"conv-1\"}");
    json_object *r = st_send_ok(&it_req_mock, config, args, request);
    free(args);
    free(request);
    return r;
}

/* Where two JSON values first differ, as a path, for the failure text. */
static void first_difference(json_object *a, json_object *b, it_buf *path)
{
    if (json_object_is_type(a, json_type_object) &&
        json_object_is_type(b, json_type_object)) {
        json_object_object_foreach(a, key, va) {
            json_object *vb;
            if (!json_object_object_get_ex(b, key, &vb)) {
                it_buf_addf(path, ".%s (not expected)", key);
                return;
            }
            if (!json_object_equal(va, vb)) {
                it_buf_addf(path, ".%s", key);
                first_difference(va, vb, path);
                return;
            }
        }
        json_object_object_foreach(b, kb, unused) {
            (void)unused;
            if (!json_object_object_get_ex(a, kb, NULL)) {
                it_buf_addf(path, ".%s (missing)", kb);
                return;
            }
        }
    } else if (json_object_is_type(a, json_type_array) &&
               json_object_is_type(b, json_type_array)) {
        size_t na = json_object_array_length(a);
        size_t nb = json_object_array_length(b);
        for (size_t i = 0; i < na && i < nb; i++) {
            json_object *x = json_object_array_get_idx(a, i);
            json_object *y = json_object_array_get_idx(b, i);
            if (!json_object_equal(x, y)) {
                it_buf_addf(path, "[%zu]", i);
                first_difference(x, y, path);
                return;
            }
        }
        if (na != nb)
            it_buf_addf(path, " (length %zu, expected %zu)", na, nb);
    }
}

static void expect_body(json_object *body, json_object *want)
{
    if (json_object_equal(body, want))
        return;
    it_buf where = {0};
    it_buf_add(&where, "body", 4);
    first_difference(body, want, &where);
    fail_msg("the body differs at %s:\n got: %s\nwant: %s", where.data,
             json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
             json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN));
}

static void test_whole_conversation_reaches_the_server(void **state)
{
    (void)state;
    json_object *want = json_object_from_file(DATA "conversation.expected.json");
    assert_non_null(want);
    json_object *r = send_conversation(
        "{\"model_id\":\"litellm_proxy/it-req\",\"params\":{\"max_tokens\":256,"
        "\"temperature\":0.2}}");
    expect_body(it_get(r, "body"), want);
    assert_string_equal(it_get_str(r, "path"), "/chat/completions");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer sk-conv-key-0000000042");
    assert_string_equal(it_get_str(r, "headers.x-session"), "conv-1");
    /* Reasoning was dropped with the reference's warning (round trip is
     * off by default). */
    char *logs = it_logs();
    assert_non_null(strstr(logs, "reasoningContent is not supported in "
                                 "multi-turn conversations with the Chat "
                                 "Completions API."));
    assert_null(strstr(logs, "sk-conv-key"));
    free(logs);
    json_object_put(r);
    json_object_put(want);
}

/* With reasoning_round_trip (decision 5) the same conversation also sends
 * the assistant's reasoning back as LiteLLM thinking_blocks; everything
 * else is unchanged. */
static void test_conversation_with_reasoning_round_trip(void **state)
{
    (void)state;
    json_object *want = json_object_from_file(DATA "conversation.expected.json");
    assert_non_null(want);
    json_object *blocks = json_tokener_parse(
        "[{\"type\":\"thinking\",\"thinking\":\"I should call the tool.\","
        "\"signature\":\"sig-r\"}]");
    json_object *assistant = it_get(want, "messages[2]");
    json_object_object_add(assistant, "thinking_blocks", blocks);
    json_object *r = send_conversation(
        "{\"model_id\":\"it-req\",\"reasoning_round_trip\":true,"
        "\"params\":{\"max_tokens\":256,\"temperature\":0.2}}");
    expect_body(it_get(r, "body"), want);
    json_object_put(r);
    json_object_put(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_conversation_reaches_the_server),
        cmocka_unit_test(test_conversation_with_reasoning_round_trip),
    };
    return cmocka_run_group_tests_name("stream_conversation", tests,
                                       it_req_group_setup,
                                       it_req_group_teardown);
}
