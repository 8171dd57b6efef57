/*
 * test_chunk_response.c - the non-streaming path (params.stream == false):
 * one chat.completion body to events (reference-behaviour 4.3; 8.1 case
 * 17), with decision 7's null-usage skip and the error shapes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_chunk_recorder.h"

/* Map `body` (` quoting) with latency 0 and unknown TTFB, as the
 * reference's metrics {"latencyMs":0}. */
static int map(recorder *r, const cm_options *opt, const char *body)
{
    rec_init(r, opt);
    const char *json = Q(body);
    return cm_map_response(&r->m, json, strlen(json), 0, -1, &r->err);
}

/* 8.1 case 17: 12 events, exactly as the reference. */
static void test_stream_non_streaming(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`id`:`x`,`object`:`chat.completion`,`choices`:[{`index`:0,`message`:{"
        "`role`:`assistant`,`content`:`I\\u0027ll calculate that for you`,"
        "`reasoning_content`:`Let me think about this calculation`,"
        "`tool_calls`:[{`id`:`tool_call_id_123`,`type`:`function`,`function`:{"
        "`name`:`calculator`,`arguments`:`{\\`expression\\`: \\`123981723 + 234982734\\`}`}}]},"
        "`finish_reason`:`tool_calls`}],"
        "`usage`:{`prompt_tokens`:10,`completion_tokens`:20,`total_tokens`:30}}"),
        MP_OK);
    assert_events(&r, MSG_START
        START REASON("Let me think about this calculation") STOP
        START TEXT("I'll calculate that for you") STOP
        TOOL("calculator", "tool_call_id_123")
        INPUT("{\\`expression\\`: \\`123981723 + 234982734\\`}") STOP
        MSG_STOP("tool_use")
        "{`metadata`:{`usage`:{`inputTokens`:10,`outputTokens`:20,`totalTokens`:30},"
        "`metrics`:{`latencyMs`:0}}}\n");
    assert_int_equal(r.count, 12);
    rec_free(&r);
}

/* Reference 4.3 crashes on usage: null; decision 7 skips it. */
static void test_non_streaming_usage_null_skipped(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`choices`:[{`index`:0,`message`:{`content`:`hi`},`finish_reason`:`stop`}],"
        "`usage`:null}"), MP_OK);
    assert_events(&r, MSG_START START TEXT("hi") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* No choices: messageStart, messageStop end_turn, then the usage. */
static void test_non_streaming_no_choices(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`choices`:[],`usage`:{`prompt_tokens`:3,`completion_tokens`:0,`total_tokens`:3}}"),
        MP_OK);
    assert_events(&r, MSG_START MSG_STOP("end_turn")
        "{`metadata`:{`usage`:{`inputTokens`:3,`outputTokens`:0,`totalTokens`:3},"
        "`metrics`:{`latencyMs`:0}}}\n");
    rec_free(&r);
}

/* A finish_reason of null or "length"; choice 0 found after choice 1. */
static void test_non_streaming_finish_and_choice_index(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`choices`:[{`index`:1,`message`:{`content`:`other`},`finish_reason`:`stop`},"
        "{`index`:0,`message`:{`content`:`mine`},`finish_reason`:`length`}]}"),
        MP_OK);
    assert_events(&r, MSG_START START TEXT("mine") STOP MSG_STOP("max_tokens"));
    rec_free(&r);
    assert_int_equal(map(&r, NULL,
        "{`choices`:[{`message`:{`content`:`x`},`finish_reason`:null}]}"), MP_OK);
    assert_events(&r, MSG_START START TEXT("x") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* In a whole message every tool_calls element is its own call (index =
 * position), even with equal or missing indexes; null arguments are one
 * "" delta. */
static void test_non_streaming_tool_calls_by_position(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`choices`:[{`index`:0,`message`:{`content`:null,`tool_calls`:["
        "{`index`:0,`id`:`a`,`function`:{`name`:`f`,`arguments`:`{}`}},"
        "{`index`:0,`id`:`b`,`function`:{`name`:`g`,`arguments`:null}}]},"
        "`finish_reason`:`tool_calls`}]}"), MP_OK);
    assert_events(&r, MSG_START TOOL("f", "a") INPUT("{}") STOP
                      TOOL("g", "b") INPUT("") STOP MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Content parts, refusal and a thinking_blocks signature (decision 5). */
static void test_non_streaming_parts_refusal_signature(void **state)
{
    (void)state;
    cm_options opt = {.reasoning_round_trip = 1};
    recorder r;
    assert_int_equal(map(&r, &opt,
        "{`choices`:[{`index`:0,`message`:{`reasoning_content`:`plan`,"
        "`thinking_blocks`:[{`type`:`thinking`,`thinking`:`plan`,`signature`:`SG`}],"
        "`content`:[{`type`:`text`,`text`:`a`},{`type`:`text`,`text`:`b`}],"
        "`refusal`:`no`},`finish_reason`:`stop`}]}"), MP_OK);
    assert_events(&r, MSG_START START REASON("plan") SIG("SG") STOP START
                      TEXT("a") TEXT("b") TEXT("no") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* A 200 body holding an error object is a typed error, with no events. */
static void test_non_streaming_error_body(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`error`:{`message`:`litellm.ContextWindowExceededError: too long`,"
        "`type`:null,`param`:null,`code`:`400`}}"), MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.err.http_status, 400);
    rec_free(&r);
}

/* Malformed bodies: protocol errors naming "response body". */
static void test_non_streaming_malformed(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL, "{`choices`:["), MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "response body: invalid JSON"));
    rec_free(&r);
    assert_int_equal(map(&r, NULL, "[]"), MP_E_PROTOCOL);
    assert_string_equal(r.err.message, "response body: the response is a "
                        "JSON array, expected an object");
    rec_free(&r);
    assert_int_equal(map(&r, NULL, "{`choices`:[{`message`:[]}]}"),
                     MP_E_PROTOCOL);
    assert_string_equal(r.err.message, "response body: choices[0].message is "
                        "a JSON array, expected an object");
    rec_free(&r);
    assert_int_equal(map(&r, NULL, "{`choices`:[],`usage`:5}"), MP_E_PROTOCOL);
    assert_int_equal(r.count, 0); /* usage is checked before any event */
    rec_free(&r);
    assert_int_equal(map(&r, NULL, ""), MP_E_PROTOCOL);
    rec_free(&r);
}

/* reference-update 3.2 case 124 (the parent's non-streaming converter;
 * ours for stream false): content "done", finish stop, usage 7/3/10. */
static void test_stream_can_use_non_streaming_chat_completion(void **state)
{
    (void)state;
    recorder r;
    assert_int_equal(map(&r, NULL,
        "{`id`:`x`,`object`:`chat.completion`,`choices`:[{`index`:0,`message`:"
        "{`role`:`assistant`,`content`:`done`},`finish_reason`:`stop`}],"
        "`usage`:{`prompt_tokens`:7,`completion_tokens`:3,`total_tokens`:10}}"),
        MP_OK);
    assert_events(&r, MSG_START START TEXT("done") STOP MSG_STOP("end_turn")
        "{`metadata`:{`usage`:{`inputTokens`:7,`outputTokens`:3,`totalTokens`:10},"
        "`metrics`:{`latencyMs`:0}}}\n");
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_non_streaming),
        cmocka_unit_test(test_stream_can_use_non_streaming_chat_completion),
        cmocka_unit_test(test_non_streaming_usage_null_skipped),
        cmocka_unit_test(test_non_streaming_no_choices),
        cmocka_unit_test(test_non_streaming_finish_and_choice_index),
        cmocka_unit_test(test_non_streaming_tool_calls_by_position),
        cmocka_unit_test(test_non_streaming_parts_refusal_signature),
        cmocka_unit_test(test_non_streaming_error_body),
        cmocka_unit_test(test_non_streaming_malformed),
    };
    return cmocka_run_group_tests_name("chunk_response", tests, NULL, NULL);
}
