/*
 * test_chunk_errors.c - how a stream ends and how it fails: decision 10
 * ([DONE] without a finish_reason, truncated bodies, a dropped connection),
 * decision 12 (error objects inside the stream, `event: error`), malformed
 * JSON and wrong shapes (MP_E_PROTOCOL with the byte offset), limits, the
 * host's cancel, and the lazy messageStart that keeps a failed call
 * retryable.
 *
 * Test JSON uses ` for " (see test_chunk_recorder.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_chunk_recorder.h"

/* One choice-0 chunk with the given delta (raw JSON), and a finish. */
#define CHUNK(delta) "{`choices`:[{`index`:0,`delta`:" delta ",`finish_reason`:null}]}"
#define FINISH(delta, fr) "{`choices`:[{`index`:0,`delta`:" delta ",`finish_reason`:`" fr "`}]}"

/* Decision 10 (reference leaves the block open): [DONE] without a
 * finish_reason closes the open block and ends with end_turn. */
static void test_done_without_finish_reason(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`reasoning_content`:`r`}"),
                            CHUNK("{`content`:`t`}"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("r") STOP START TEXT("t") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
    /* Even [DONE] alone is a (empty) message. */
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "data: [DONE]\n\n"), MP_OK);
    assert_events(&r, MSG_START MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Decision 10: a body that ends with neither [DONE] nor a finish_reason
 * is a network error, clean end or not. */
static void test_stream_truncated_before_finish(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`par`}"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 0), MP_E_NETWORK);
    assert_int_equal(r.err.code, MP_E_NETWORK);
    assert_string_equal(r.err.message, "stream ended before finish_reason");
    rec_free(&r);

    char *body = sse_body(chunks, 0);
    rec_init(&r, NULL);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(cm_body_cut(&r.m, 0, 0, MP_E_NETWORK, "", &r.err),
                     MP_E_NETWORK);
    assert_string_equal(r.err.message,
                        "connection closed before finish_reason");
    /* What was delivered stays delivered; the error is sticky. */
    assert_events(&r, MSG_START START TEXT("par"));
    assert_int_equal(cm_finish(&r.m, 0, 0, &r.err), MP_E_NETWORK);
    rec_free(&r);
    free(body);
}

/* A finish_reason makes an early end harmless: clean end without [DONE],
 * or a dropped connection after the finish. */
static void test_stream_end_after_finish_without_done(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`ok`}"), FINISH("{}", "stop"),
                            "{`choices`:[],`usage`:{`prompt_tokens`:1,`completion_tokens`:1,`total_tokens`:2}}",
                            NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 0), MP_OK);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn")
                      USAGE(1, 1, 2));
    rec_free(&r);

    char *body = sse_body(chunks, 0);
    rec_init(&r, NULL);
    /* Cut inside the usage chunk: its partial line is dropped. */
    size_t cut = strlen(body) - 20;
    assert_int_equal(cm_feed(&r.m, body, cut, &r.err), MP_OK);
    assert_int_equal(cm_body_cut(&r.m, 0, 0, MP_E_NETWORK, "reset", &r.err),
                     MP_OK);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    rec_free(&r);
    free(body);
}

/* Lazy messageStart: a stream that fails on its first chunk delivers
 * nothing, so the transport may still retry. */
static void test_error_before_data_emits_nothing(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    const char *body = "data: {\"error\":{\"message\":\"litellm.RateLimitError: "
                       "slow down\",\"type\":\"throttling_error\",\"code\":\"429\"}}\n\n";
    assert_int_equal(rec_stream(&r, body), MP_E_THROTTLED);
    assert_int_equal(r.count, 0);
    assert_false(cm_started(&r.m));
    assert_int_equal(r.err.code, MP_E_THROTTLED);
    assert_int_equal(r.err.http_status, 429);
    assert_string_equal(r.err.provider_code, "429");
    assert_string_equal(r.err.message, "stream error (HTTP 429): "
                        "litellm.RateLimitError: slow down");
    rec_free(&r);
}

/* Decision 12: an error object after data is a typed error, after the
 * events already delivered. */
static void test_mid_stream_error_object(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`content`:`par`}"),
        "{`error`:{`message`:`litellm.MidStreamFallbackError: upstream died`,"
        "`type`:null,`param`:null,`code`:`503`}}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_E_SERVER);
    assert_true(cm_started(&r.m));
    assert_events(&r, MSG_START START TEXT("par"));
    assert_int_equal(r.err.http_status, 503);
    assert_int_equal(r.err.retryable, 1);
    rec_free(&r);

    /* An overflow reported mid-stream keeps its type. */
    const char *overflow[] = {
        "{`error`:{`message`:`This model\\u0027s maximum context length is 8192 tokens`,"
        "`code`:`context_length_exceeded`}}", NULL};
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, overflow, 1), MP_E_CONTEXT_OVERFLOW);
    assert_string_equal(r.err.provider_code, "context_length_exceeded");
    rec_free(&r);
}

/* An "error" member that is not an object (a string, a number, a list)
 * is classified as it was when json-c read the whole chunk: the classifier
 * gets the same value, not its text. */
static void test_mid_stream_error_scalars(void **state)
{
    (void)state;
    const char *bodies[] = {
        "{`error`:`Rate limit exceeded, retry later`}",
        "{`error`:429}",
        "{`error`:[`upstream`,503]}",
        "{`error`:true}",
        "{`error`:{`message`:`overloaded`,`code`:529,`x`:1.5e0}}",
    };
    const int want[] = {MP_E_THROTTLED, MP_E_THROTTLED, MP_E_SERVER, MP_E_SERVER,
                        MP_E_SERVER};
    const char *say[] = {"Rate limit exceeded, retry later", "429", "upstream",
                         "true", "overloaded"};
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        const char *chunks[] = {bodies[i], NULL};
        recorder r;
        rec_init(&r, NULL);
        int rc = rec_chunks(&r, chunks, 1);
        print_message("%s -> %s: %s\n", bodies[i], mp_errname(rc),
                      r.err.message);
        assert_int_equal(rc, want[i]);
        assert_non_null(strstr(r.err.message, say[i]));
        rec_free(&r);
    }
}

/* `event: error` frames (some gateways), JSON or plain text. */
static void test_error_event_frame(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "event: error\ndata: {\"message\":"
                                    "\"Rate limit exceeded\"}\n\n"),
                     MP_E_THROTTLED);
    rec_free(&r);
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "event: error\ndata: upstream "
                                    "timeout\n\n"), MP_E_SERVER);
    assert_string_equal(r.err.message, "stream error: upstream timeout");
    assert_int_equal(r.count, 0);
    rec_free(&r);
}

/* Invalid JSON: a protocol error that names the byte offset. */
static void test_invalid_json_chunk(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    const char *body = "data: {\"choices\":[]}\n\ndata: {\"choices\":[{]}\n\n";
    assert_int_equal(rec_stream(&r, body), MP_E_PROTOCOL);
    assert_int_equal(r.err.code, MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "SSE data at byte 22: invalid JSON"));
    /* Sticky. */
    assert_int_equal(cm_feed(&r.m, "data: {}\n\n", 10, &r.err), MP_E_PROTOCOL);
    rec_free(&r);
    /* Truncated JSON and trailing garbage too. */
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "data: {\"choices\":[\n\n"), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "SSE data at byte 0: invalid JSON"));
    rec_free(&r);
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "data: {} {}\n\n"), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "invalid JSON at payload byte 3"));
    rec_free(&r);
}

/* JSON text is UTF-8: multi-byte text passes through unchanged, but a
 * string for the host with bytes that are not UTF-8 (wherever it sits:
 * text, reasoning, refusal, tool id, name or arguments, finish_reason) is a
 * protocol error naming the chunk's offset and the member, and nothing of
 * that chunk reaches the host. */
static void test_invalid_utf8_chunk(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    const char *good = "data: {\"choices\":[{\"delta\":{\"content\":"
                       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"},"
                       "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    assert_int_equal(rec_stream(&r, good), MP_OK);
    assert_non_null(strstr(rec_text(&r), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"));
    rec_free(&r);

    static const struct {
        const char *delta, *finish, *want;
    } bad[] = {
        {"{\"content\":\"caf\xe9\"}", "null",
         "choices[0].delta.content is not UTF-8 (byte 3 of 4 is 0xe9)"},
        {"{\"reasoning_content\":\"\xe2\x82\"}", "null",
         "choices[0].delta.reasoning_content is not UTF-8 (byte 0 of 2"},
        {"{\"reasoning\":\"x\xc0\xaf\"}", "null",
         "choices[0].delta.reasoning is not UTF-8 (byte 1 of 3 is 0xc0)"},
        {"{\"refusal\":\"no\xed\xa0\x80\"}", "null",
         "choices[0].delta.refusal is not UTF-8 (byte 2"},
        {"{\"content\":[{\"type\":\"text\",\"text\":\"\xff\"}]}", "null",
         "choices[0].delta.content[].text is not UTF-8"},
        {"{\"tool_calls\":[{\"index\":0,\"id\":\"c\x80\",\"function\":"
         "{\"name\":\"f\"}}]}", "null",
         "choices[0].delta.tool_calls[].id is not UTF-8"},
        {"{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":"
         "{\"name\":\"f\xf5\"}}]}", "null",
         "choices[0].delta.tool_calls[].function.name is not UTF-8"},
        {"{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":"
         "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\\\"\xe9\\\"}\"}}]}",
         "null", "choices[0].delta.tool_calls[].function.arguments is not UTF-8"},
        {"{}", "\"st\xf0p\"", "choices[0].delta.finish_reason is not UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[400];
        snprintf(body, sizeof body, "data: {\"choices\":[]}\n\n"
                 "data: {\"choices\":[{\"index\":0,\"delta\":%s,"
                 "\"finish_reason\":%s}]}\n\ndata: [DONE]\n\n",
                 bad[i].delta, bad[i].finish);
        rec_init(&r, NULL);
        assert_int_equal(rec_stream(&r, body), MP_E_PROTOCOL);
        if (!strstr(r.err.message, "SSE data at byte 22: ") ||
            !strstr(r.err.message, bad[i].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, r.err.message,
                     bad[i].want);
        /* Nothing reached the host: messageStart waits for content. */
        assert_string_equal(rec_text(&r), "");
        rec_free(&r);
    }
}

/* Map one payload and expect a protocol error whose message has `needle`. */
static void expect_shape_error(const char *payload, const char *needle)
{
    const char *chunks[] = {payload, NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_E_PROTOCOL);
    if (!strstr(r.err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", r.err.message, needle);
    rec_free(&r);
}

/* Valid JSON of the wrong shape: protocol errors naming the path. */
static void test_wrong_shape_chunk(void **state)
{
    (void)state;
    expect_shape_error("[1,2]", "SSE data at byte 0: the chunk is a JSON "
                                "array, expected an object");
    expect_shape_error("{`choices`:{}}", "choices is a JSON object, "
                                         "expected an array");
    expect_shape_error("{`choices`:[7]}", "choices[0] is a JSON integer");
    expect_shape_error("{`choices`:[{`delta`:`x`}]}",
                       "choices[0].delta is a JSON string, expected an object");
    expect_shape_error("{`choices`:[{`index`:`0`,`delta`:{}}]}",
                       "choices[0].index is a JSON string");
    expect_shape_error(CHUNK("{`content`:5}"),
                       "choices[0].delta.content is a JSON integer, expected "
                       "a string or an array");
    expect_shape_error(CHUNK("{`reasoning_content`:{}}"),
                       "choices[0].delta.reasoning_content is a JSON object");
    expect_shape_error(CHUNK("{`content`:[`x`]}"),
                       "choices[0].delta.content[0] is a JSON string");
    expect_shape_error(CHUNK("{`content`:[{`type`:`text`,`text`:1}]}"),
                       "choices[0].delta.content[0].text is a JSON integer");
    expect_shape_error(CHUNK("{`refusal`:true}"),
                       "choices[0].delta.refusal is a JSON boolean");
    expect_shape_error("{`choices`:[{`delta`:{},`finish_reason`:1}]}",
                       "choices[0].finish_reason is a JSON integer");
    expect_shape_error("{`choices`:[],`usage`:[1]}",
                       "usage is a JSON array, expected an object");
}

/* Keep-alives, empty data lines and anything after [DONE] are harmless. */
static void test_keepalives_and_after_done(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    const char *body = ": ping\n\ndata:\n\ndata: {\"choices\":[{\"delta\":"
                       "{\"content\":\"k\"},\"finish_reason\":\"stop\"}]}\n\n"
                       ": ping\n\ndata: [DONE]\n\ndata: not json\n\n";
    assert_int_equal(rec_stream(&r, body), MP_OK);
    assert_events(&r, MSG_START START TEXT("k") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* A body that is JSON, not SSE (a server that ignored stream:true). */
static void test_body_not_an_event_stream(void **state)
{
    (void)state;
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, "{\"choices\":[]}\n"), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "not an event stream"));
    rec_free(&r);
    /* An empty body is a network error (nothing arrived). */
    rec_init(&r, NULL);
    assert_int_equal(rec_stream(&r, ""), MP_E_NETWORK);
    rec_free(&r);
}

/* A 200 body that is not SSE is quoted in the error, and a server that
 * echoes the request's Authorization header would put the key there: the
 * quote is scrubbed, also when the head of the body ends inside the key,
 * and so is an id quoted in a protocol error. */
static void test_non_sse_quote_has_no_secret(void **state)
{
    (void)state;
    static const char *const secrets[] = {"test-key-0123456789abcdef", NULL};
    static const char *const bodies[] = {
        "Authorization: Bearer test-key-0123456789abcdef\r\n",
        "Bearer test-key-0123456789abcdef",
        "You sent test-key-0123456789abcdef, which is wrong",
        "x sk-live-0123456789abcdefghijkl is not a key here"};
    cm_options opt = {.secrets = secrets};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        recorder r;
        rec_init(&r, &opt);
        assert_int_equal(rec_stream(&r, bodies[i]), MP_E_PROTOCOL);
        assert_non_null(strstr(r.err.message, "not an event stream"));
        if (strstr(r.err.message, "test-key") || strstr(r.err.message, "sk-live"))
            fail_msg("body %zu: a secret in \"%s\"", i, r.err.message);
        assert_non_null(strstr(r.err.message, "<redacted>"));
        rec_free(&r);
    }
    /* A nameless tool call whose id is the key. */
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`tool_calls`:[{`index`:0,"
        "`id`:`test-key-0123456789abcdef`,`function`:{`arguments`:`{}`}}]}}]}",
        "{`choices`:[{`index`:0,`delta`:{},`finish_reason`:`tool_calls`}]}",
        NULL};
    recorder r;
    rec_init(&r, &opt);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "never received a function name"));
    if (strstr(r.err.message, "test-key"))
        fail_msg("a secret in \"%s\"", r.err.message);
    rec_free(&r);
}

/* A line over max_line: the SSE parser's error, with limit and offset. */
static void test_line_over_max_line(void **state)
{
    (void)state;
    cm_options opt = {.max_line = 32};
    recorder r;
    rec_init(&r, &opt);
    assert_int_equal(rec_stream(&r, "data: {\"choices\":[],\"padding\":\"xxxxxxxx\"}\n\n"),
                     MP_E_PROTOCOL);
    assert_string_equal(r.err.message, "SSE line longer than max_line "
                        "(32 bytes) at byte offset 0");
    rec_free(&r);
}

/* A non-zero return of the host's callback cancels: MP_E_CANCELLED, and
 * nothing is delivered after it. */
static void test_callback_cancel(void **state)
{
    (void)state;
    const char *chunks[] = {CHUNK("{`content`:`a`}"), CHUNK("{`content`:`b`}"),
                            FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    r.cancel_at = 3; /* messageStart, blockStart, then stop at delta "a" */
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_E_CANCELLED);
    assert_int_equal(r.count, 3);
    assert_int_equal(r.err.code, MP_E_CANCELLED);
    assert_string_equal(r.err.message,
                        "stream cancelled by the host's event callback");
    assert_int_equal(cm_finish(&r.m, 0, 0, &r.err), MP_E_CANCELLED);
    assert_int_equal(r.count, 3);
    rec_free(&r);
}

/* A timeout that cuts the body (whole-call or idle) is the transport's
 * timeout error before the finish_reason, and harmless after it, exactly
 * like a broken connection. */
static void test_timeout_cut_before_and_after_finish(void **state)
{
    (void)state;
    const char *before[] = {CHUNK("{`content`:`par`}"), NULL};
    char *body = sse_body(before, 0);
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(cm_body_cut(&r.m, 0, 0, MP_E_TIMEOUT, "stream stalled: "
                                 "no data from the server for 300 ms "
                                 "(idle_timeout)", &r.err), MP_E_TIMEOUT);
    assert_int_equal(r.err.code, MP_E_TIMEOUT);
    assert_string_equal(r.err.message, "stream stalled: no data from the "
                        "server for 300 ms (idle_timeout)");
    assert_events(&r, MSG_START START TEXT("par"));
    rec_free(&r);
    free(body);

    const char *after[] = {CHUNK("{`content`:`ok`}"), FINISH("{}", "stop"),
                           NULL};
    body = sse_body(after, 0);
    rec_init(&r, NULL);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    assert_int_equal(cm_body_cut(&r.m, 0, 0, MP_E_TIMEOUT, "request timed "
                                 "out", &r.err), MP_OK);
    assert_int_equal(r.err.code, MP_OK);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    rec_free(&r);
    free(body);
}

/* The header's stream() contract: after MESSAGE_STOP the rest of the
 * response is still read for usage, so an error can follow MESSAGE_STOP
 * (the message itself is whole; only METADATA is missing). */
static void test_errors_after_message_stop(void **state)
{
    (void)state;
    /* Usage of the wrong shape after the finish chunk. */
    const char *bad_usage[] = {CHUNK("{`content`:`ok`}"), FINISH("{}", "stop"),
                               "{`choices`:[],`usage`:[1,2]}", NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, bad_usage, 1), MP_E_PROTOCOL);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    assert_non_null(strstr(r.err.message, "usage is a JSON array, expected "
                           "an object"));
    rec_free(&r);

    /* Malformed JSON after the finish chunk. */
    const char *garbage[] = {FINISH("{`content`:`ok`}", "stop"), "{`choices`:",
                             NULL};
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, garbage, 1), MP_E_PROTOCOL);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    rec_free(&r);

    /* An error object after the finish chunk keeps its type. */
    const char *late_error[] = {FINISH("{`content`:`ok`}", "stop"),
                                "{`error`:{`message`:`upstream died`,"
                                "`code`:`503`}}", NULL};
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, late_error, 1), MP_E_SERVER);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    rec_free(&r);

    /* The host's callback stops at MESSAGE_STOP (event 5): MP_E_CANCELLED,
     * and the usage that followed never becomes METADATA. */
    const char *with_usage[] = {CHUNK("{`content`:`ok`}"), FINISH("{}", "stop"),
                                "{`choices`:[],`usage`:{`prompt_tokens`:1,"
                                "`completion_tokens`:1,`total_tokens`:2}}",
                                NULL};
    rec_init(&r, NULL);
    r.cancel_at = 5;
    assert_int_equal(rec_chunks(&r, with_usage, 1), MP_E_CANCELLED);
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    rec_free(&r);

    /* cancel() between MESSAGE_STOP and METADATA: the same. */
    atomic_int flag;
    atomic_init(&flag, 0);
    rec_init(&r, NULL);
    ev_watch_cancel(&r.em, &flag);
    char *body = sse_body(with_usage, 1);
    assert_int_equal(cm_feed(&r.m, body, strlen(body), &r.err), MP_OK);
    atomic_store(&flag, 1);
    assert_int_equal(cm_finish(&r.m, 0, 0, &r.err), MP_E_CANCELLED);
    assert_string_equal(r.err.message, "cancelled");
    assert_events(&r, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"));
    free(body);
    rec_free(&r);
}

/* reference-update 3.2 case 126 (2; the parent's, every path by decision
 * 28): the stream yields a chunk with empty choices, then fails: an
 * opaque error with status 429 is throttling, "prompt tokens exceed
 * customer model maximum" an overflow. */
static void test_stream_classifies_error_during_iteration(void **state)
{
    (void)state;
    static const struct {
        const char *error;
        int rc;
    } cases[] = {
        {"{`error`:{`message`:`opaque provider failure`,`code`:429}}",
         MP_E_THROTTLED},
        {"{`error`:{`message`:`prompt tokens exceed customer model maximum`}}",
         MP_E_CONTEXT_OVERFLOW},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *chunks[] = {"{`choices`:[]}", cases[i].error, NULL};
        recorder r;
        rec_init(&r, NULL);
        assert_int_equal(rec_chunks(&r, chunks, 1), cases[i].rc);
        assert_int_equal(r.err.code, cases[i].rc);
        assert_int_equal(r.count, 0);
        rec_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_classifies_error_during_iteration),
        cmocka_unit_test(test_done_without_finish_reason),
        cmocka_unit_test(test_stream_truncated_before_finish),
        cmocka_unit_test(test_stream_end_after_finish_without_done),
        cmocka_unit_test(test_error_before_data_emits_nothing),
        cmocka_unit_test(test_mid_stream_error_object),
        cmocka_unit_test(test_mid_stream_error_scalars),
        cmocka_unit_test(test_error_event_frame),
        cmocka_unit_test(test_invalid_json_chunk),
        cmocka_unit_test(test_invalid_utf8_chunk),
        cmocka_unit_test(test_wrong_shape_chunk),
        cmocka_unit_test(test_keepalives_and_after_done),
        cmocka_unit_test(test_body_not_an_event_stream),
        cmocka_unit_test(test_line_over_max_line),
        cmocka_unit_test(test_callback_cancel),
        cmocka_unit_test(test_non_sse_quote_has_no_secret),
        cmocka_unit_test(test_timeout_cut_before_and_after_finish),
        cmocka_unit_test(test_errors_after_message_stop),
    };
    return cmocka_run_group_tests_name("chunk_errors", tests, NULL, NULL);
}
