/*
 * test_stream_mock.c - LiteLLM's offline test hooks (litellm-wire 1.7)
 * through the real plugin with no server at all: params.mock_response
 * streamed in pieces and whole, with usage 10/20/30; mock_tool_calls, also
 * when streaming; a whole response object; the error magic strings typed as
 * a proxy's errors; mock_streaming_error failing mid-stream; mock_delay and
 * mock_timeout, both cancellable; structured output from a mock answer.
 * The base URL points at a closed port, so any network use would fail.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/it_harness.h"

#define NOWHERE "{\"api_base\":\"http://127.0.0.1:9\",\"num_retries\":0}"

static void run(it_call *c, const char *model, const char *params)
{
    char config[4096];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\",\"params\":%s}",
             model, params);
    it_call_run(c, config, NOWHERE, NULL);
}

static void expect_json_lines(const it_call *c, const char *want)
{
    int64_t latency, ttfb;
    char *got = it_normalise_metrics(c->ev.json.data, &latency, &ttfb);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("events differ:\n--- got\n%s--- want\n%s", got, want);
    free(got);
}

static void test_mock_response_streamed_in_pieces(void **state)
{
    (void)state;
    it_call c;
    run(&c, "gpt-4o-mini", "{\"mock_response\":\"Hello, wörld\"}");
    assert_int_equal(c.rc, MP_OK);
    expect_json_lines(&c,
        "{\"messageStart\":{\"role\":\"assistant\"}}\n"
        "{\"contentBlockStart\":{\"start\":{}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Hel\"}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"lo,\"}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\" wö\"}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"rld\"}}}\n"
        "{\"contentBlockStop\":{}}\n"
        "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"
        "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":20,"
        "\"totalTokens\":30},\"metrics\":{\"latencyMs\":0,"
        "\"timeToFirstByteMs\":0}}}\n");
    it_call_free(&c);
}

static void test_mock_response_not_streamed(void **state)
{
    (void)state;
    it_call c;
    run(&c, "gpt-4o-mini", "{\"mock_response\":\"Hello there\",\"stream\":false}");
    assert_int_equal(c.rc, MP_OK);
    expect_json_lines(&c,
        "{\"messageStart\":{\"role\":\"assistant\"}}\n"
        "{\"contentBlockStart\":{\"start\":{}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Hello there\"}}}\n"
        "{\"contentBlockStop\":{}}\n"
        "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"
        "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":20,"
        "\"totalTokens\":30},\"metrics\":{\"latencyMs\":0,"
        "\"timeToFirstByteMs\":0}}}\n");
    it_call_free(&c);
}

#define TOOL_CALLS "[{\"id\":\"call_w\",\"type\":\"function\",\"function\":" \
    "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]"

/* Streamed tool calls, which LiteLLM's own mock cannot do. */
static void test_mock_tool_calls_streamed_and_whole(void **state)
{
    (void)state;
    const char *want =
        "{\"messageStart\":{\"role\":\"assistant\"}}\n"
        "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":"
        "\"get_weather\",\"toolUseId\":\"call_w\"}}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":"
        "\"{\\\"city\\\":\\\"Oslo\\\"}\"}}}}\n"
        "{\"contentBlockStop\":{}}\n"
        "{\"messageStop\":{\"stopReason\":\"tool_use\"}}\n"
        "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":20,"
        "\"totalTokens\":30},\"metrics\":{\"latencyMs\":0,"
        "\"timeToFirstByteMs\":0}}}\n";
    it_call c;
    run(&c, "openai/gpt-4o", "{\"mock_tool_calls\":" TOOL_CALLS "}");
    assert_int_equal(c.rc, MP_OK);
    expect_json_lines(&c, want);
    it_call_free(&c);
    run(&c, "openai/gpt-4o", "{\"mock_tool_calls\":" TOOL_CALLS
        ",\"stream\":false}");
    assert_int_equal(c.rc, MP_OK);
    expect_json_lines(&c, want);
    it_call_free(&c);
}

/* A whole response object, as LiteLLM's ModelResponse(**dict). */
static void test_mock_response_object(void **state)
{
    (void)state;
    it_call c;
    run(&c, "m", "{\"mock_response\":{\"choices\":[{\"index\":0,\"message\":"
        "{\"role\":\"assistant\",\"content\":\"from a dict\"},\"finish_reason\":"
        "\"length\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,"
        "\"total_tokens\":3}}}");
    assert_int_equal(c.rc, MP_OK);
    assert_non_null(strstr(c.ev.json.data, "{\"text\":\"from a dict\"}"));
    assert_non_null(strstr(c.ev.json.data, "\"stopReason\":\"max_tokens\""));
    assert_non_null(strstr(c.ev.json.data, "\"inputTokens\":1,"));
    it_call_free(&c);
}

static void test_magic_strings_fail_as_a_proxy_would(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc, status;
        const char *words;
    } cases[] = {
        {"litellm.RateLimitError", MP_E_THROTTLED, 429, "mock rate limit"},
        {"litellm.ContextWindowExceededError", MP_E_CONTEXT_OVERFLOW, 400,
         "ContextWindowExceededError"},
        {"litellm.InternalServerError", MP_E_SERVER, 500, "internal server"},
        {"Exception: content_filter_policy was triggered", MP_E_BAD_REQUEST,
         400, "ContentPolicyViolationError"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char params[256];
        snprintf(params, sizeof params, "{\"mock_response\":\"%s\"}",
                 cases[i].text);
        it_call c;
        run(&c, "gpt-4o-mini", params);
        assert_int_equal(c.rc, cases[i].rc);
        assert_int_equal(c.err.http_status, cases[i].status);
        if (!strstr(c.err.message, cases[i].words))
            fail_msg("%s: %s", cases[i].text, c.err.message);
        assert_int_equal(c.ev.count, 0);
        it_call_free(&c);
    }
}

/* "Exception: mock_streaming_error" fails after the stream began: never a
 * finished answer. */
static void test_mock_streaming_error_mid_stream(void **state)
{
    (void)state;
    it_call c;
    run(&c, "gpt-4o-mini", "{\"mock_response\":\"Exception: "
        "mock_streaming_error\"}");
    assert_true(c.rc < 0);
    assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 0);
    assert_non_null(strstr(c.err.message, "mock_streaming_error"));
    it_call_free(&c);
}

static void test_mock_delay_waits(void **state)
{
    (void)state;
    it_call c;
    run(&c, "gpt-4o-mini", "{\"mock_response\":\"ok\",\"mock_delay\":0.3}");
    assert_int_equal(c.rc, MP_OK);
    assert_true(c.ms >= 290);
    it_call_free(&c);
}

static void test_mock_timeout_is_a_timeout(void **state)
{
    (void)state;
    it_call c;
    it_call_run(&c, "{\"model_id\":\"m\",\"params\":{\"mock_timeout\":true}}",
                "{\"timeout\":0.2}", NULL);
    assert_int_equal(c.rc, MP_E_TIMEOUT);
    assert_true(c.ms >= 190 && c.ms < 5000);
    assert_non_null(strstr(c.err.message, "mock_timeout"));
    it_call_free(&c);
}

typedef struct canceller {
    mp_instance *inst;
    int after_ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *k = arg;
    usleep((useconds_t)k->after_ms * 1000);
    it_p->cancel(k->inst);
    return NULL;
}

/* A long mock_delay ends at once on cancel(). */
static void test_mock_delay_cancellable(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"m\",\"params\":{"
                                  "\"mock_response\":\"late\",\"mock_delay\":"
                                  "30}}", NOWHERE, &err);
    assert_non_null(inst);
    canceller k = {inst, 100};
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, &k);
    it_events ev;
    it_events_init(&ev);
    double t0 = it_now_ms();
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    double ms = it_now_ms() - t0;
    pthread_join(th, NULL);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_true(ms < 2000);
    assert_int_equal(ev.count, 0);
    it_events_free(&ev);
    it_p->destroy(inst);
}

/* Any prefix works offline: no key, no adapter needed. */
static void test_mock_needs_no_key_for_any_prefix(void **state)
{
    (void)state;
    const char *models[] = {"anthropic/claude-sonnet-4-5", "groq/llama",
                            "somewhere/unknown-model"};
    for (size_t i = 0; i < 3; i++) {
        it_call c;
        char config[256];
        snprintf(config, sizeof config, "{\"model_id\":\"%s\",\"params\":"
                 "{\"mock_response\":\"hi\"}}", models[i]);
        it_call_run(&c, config, "{}", NULL);
        if (c.rc)
            fail_msg("%s: %s", models[i], c.err.message);
        assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
        it_call_free(&c);
    }
}

static int collect(void *ctx, const char *data, size_t len)
{
    it_buf *b = ctx;
    it_buf_add(b, data, len);
    return 0;
}

/* Structured output answered by a mock: validated like a real answer. */
static void test_structured_output_from_a_mock(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"m\",\"params\":{"
                                  "\"mock_response\":\"{\\\"name\\\":\\\"Ann\\\","
                                  "\\\"age\\\":41}\"}}", NOWHERE, &err);
    assert_non_null(inst);
    const char *schema = "{\"type\":\"object\",\"properties\":{\"name\":{"
                         "\"type\":\"string\"},\"age\":{\"type\":\"integer\"}},"
                         "\"required\":[\"name\",\"age\"]}";
    it_buf out = {0};
    mp_text_sink sink = {sizeof sink, &out, collect};
    int rc = it_p->structured_output(inst, it_hello_request,
                                     strlen(it_hello_request), schema,
                                     strlen(schema), "Person", NULL, &sink,
                                     &err);
    request_log(it_hello_request, (size_t)-1, rc);
    if (rc)
        fail_msg("%s: %s", mp_errname(rc), err.message);
    assert_string_equal(out.data, "{\"name\":\"Ann\",\"age\":41}");
    it_buf_free(&out);
    it_p->destroy(inst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mock_response_streamed_in_pieces),
        cmocka_unit_test(test_mock_response_not_streamed),
        cmocka_unit_test(test_mock_tool_calls_streamed_and_whole),
        cmocka_unit_test(test_mock_response_object),
        cmocka_unit_test(test_magic_strings_fail_as_a_proxy_would),
        cmocka_unit_test(test_mock_streaming_error_mid_stream),
        cmocka_unit_test(test_mock_delay_waits),
        cmocka_unit_test(test_mock_timeout_is_a_timeout),
        cmocka_unit_test(test_mock_delay_cancellable),
        cmocka_unit_test(test_mock_needs_no_key_for_any_prefix),
        cmocka_unit_test(test_structured_output_from_a_mock),
    };
    return cmocka_run_group_tests_name("stream: LiteLLM mock hooks", tests,
                                       it_group_setup, it_group_teardown);
}
