/*
 * test_accumulator.c - the plugin's message accumulator (ABI 1.1,
 * accumulator.h): Strands' streaming-layer rules for each block, the
 * citationsContent and redactedContent blocks, tool inputs (invalid,
 * empty, bare scalars, wide integers), the stop-reason override, usage and
 * metrics defaults, the response info, what is skipped, and the argument
 * checks.  The same events go through the sample host's assembler, which
 * must build the same message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../host-sample/assembler.h"
#include "../../plugin/core/accumulator.h"
#include "../../plugin/core/event_emit.h"
#include "../support/requote.h"

typedef struct both {
    mp_accumulator *acc;
    msg_assembler as;
    ev_emitter em;
    mp_event_sink sink;
} both;

static int feed(void *ctx, const mp_event_header *ev)
{
    both *b = ctx;
    assert_int_equal(lp_acc_add(b->acc, ev), MP_OK);
    assert_int_equal(asm_on_event(&b->as, ev), 0);
    return 0;
}

static void both_init(both *b)
{
    memset(b, 0, sizeof *b);
    assert_int_equal(lp_acc_create(&b->acc), MP_OK);
    asm_init(&b->as);
    b->sink = (mp_event_sink){sizeof b->sink, b, feed};
    ev_init(&b->em, &b->sink);
}

static void both_free(both *b)
{
    lp_acc_destroy(b->acc);
    asm_free(&b->as);
}

static int collect(void *ctx, const char *p, size_t n)
{
    strbuf *sb = ctx;
    return sb_append(sb, p, n);
}

/* The accumulator's result, parsed. */
static json_object *result(const both *b)
{
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_acc_result(b->acc, collect, &sb), MP_OK);
    json_object *r = json_tokener_parse(sb.data);
    if (!r)
        fail_msg("not JSON: %s", sb.data);
    sb_free(&sb);
    return r;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* The result's message must be `want` (` quoting), and the host's
 * assembler must have built the same. */
static json_object *expect_message(both *b, const char *want)
{
    json_object *r = result(b);
    json_object *expected = json_tokener_parse(requote(want, '`'));
    assert_non_null(expected);
    json_object *msg = member(r, "message");
    if (!json_object_equal(msg, expected))
        fail_msg("accumulated %s", json_object_to_json_string(msg));
    json_object *host = asm_take_message(&b->as);
    if (!json_object_equal(host, expected))
        fail_msg("assembled %s", json_object_to_json_string(host));
    json_object_put(host);
    json_object_put(expected);
    return r;
}

static void text_block(ev_emitter *em, const char *t)
{
    ev_block_start(em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_TEXT, t, strlen(t));
    ev_block_stop(em);
}

static void tool_block(ev_emitter *em, const char *id, const char *input,
                       const char *sig)
{
    ev_block_start(em, MP_BLOCK_TOOL_USE, "calc", 4, id, strlen(id), sig,
                   sig ? strlen(sig) : 0);
    if (input)
        ev_block_delta(em, MP_DELTA_TOOL_INPUT, input, strlen(input));
    ev_block_stop(em);
}

static void test_text_reasoning_and_tools(void **state)
{
    (void)state;
    both b;
    both_init(&b);
    ev_emitter *em = &b.em;
    ev_message_start(em);
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REASONING_TEXT, "think", 5);
    ev_block_delta(em, MP_DELTA_REASONING_SIGNATURE, "SIG", 3);
    ev_block_stop(em);
    text_block(em, "Hello \"you\"");
    tool_block(em, "t1", "{\"a\": 123456789012345678901234567890}", "G");
    tool_block(em, "t2", "{not json", NULL);
    tool_block(em, "t3", NULL, NULL);     /* no input at all: {} */
    tool_block(em, "t4", " 5 ", NULL);   /* json.loads("5") */
    tool_block(em, "t5", "null", NULL);
    tool_block(em, "t6", "1,2", NULL);   /* not one value */
    ev_message_stop(em, MP_STOP_END_TURN, "stop", 4);
    json_object *r = expect_message(&b,
        "{`role`:`assistant`,`content`:["
        "{`reasoningContent`:{`reasoningText`:{`text`:`think`,`signature`:`SIG`}}},"
        "{`text`:`Hello \\`you\\``},"
        "{`toolUse`:{`toolUseId`:`t1`,`name`:`calc`,`input`:{`a`:123456789012345678901234567890},"
        "`reasoningSignature`:`G`}},"
        "{`toolUse`:{`toolUseId`:`t2`,`name`:`calc`,`input`:{}}},"
        "{`toolUse`:{`toolUseId`:`t3`,`name`:`calc`,`input`:{}}},"
        "{`toolUse`:{`toolUseId`:`t4`,`name`:`calc`,`input`:5}},"
        "{`toolUse`:{`toolUseId`:`t5`,`name`:`calc`,`input`:null}},"
        "{`toolUse`:{`toolUseId`:`t6`,`name`:`calc`,`input`:{}}}]}");
    /* end_turn with toolUses: Strands runs the tools. */
    assert_string_equal(json_object_get_string(member(r, "stopReason")), "tool_use");
    json_object *bad = member(r, "invalidToolInputs");
    assert_int_equal(json_object_array_length(bad), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(bad, 0)), "t2");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(bad, 1)), "t6");
    assert_true(asm_input_was_invalid(&b.as, "t2"));
    assert_true(asm_input_was_invalid(&b.as, "t6"));
    assert_false(asm_input_was_invalid(&b.as, "t3"));
    /* The wide integer kept its digits. */
    strbuf sb;
    sb_init(&sb, 1 << 20);
    lp_acc_result(b.acc, collect, &sb);
    assert_non_null(strstr(sb.data, "{\"a\":123456789012345678901234567890}"));
    sb_free(&sb);
    json_object_put(r);
    both_free(&b);
}

/* ABI 1.1 blocks: a text block with citations, a redacted reasoning block;
 * each block's citations and bytes are its own. */
static void test_citations_and_redacted(void **state)
{
    (void)state;
    both b;
    both_init(&b);
    ev_emitter *em = &b.em;
    ev_message_start(em);
    ev_block_start(em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    const char *c1 = "{\"title\":\"Doc\",\"location\":{\"documentChar\":"
                     "{\"documentIndex\":0,\"start\":1,\"end\":5}}}";
    ev_block_delta(em, MP_DELTA_CITATION, c1, strlen(c1));
    ev_block_delta(em, MP_DELTA_TEXT, "cited", 5);
    ev_block_delta(em, MP_DELTA_CITATION, "{ \"title\" : \"B\" }", 17);
    ev_block_stop(em);
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REDACTED_REASONING, "Encrypted", 9);
    ev_block_delta(em, MP_DELTA_REDACTED_REASONING, "Data", 4);
    ev_block_stop(em);
    text_block(em, "plain");  /* no citations carried over */
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REDACTED_REASONING, "x", 1);
    ev_block_delta(em, MP_DELTA_REASONING_TEXT, "shown", 5); /* text wins */
    ev_block_stop(em);
    ev_message_stop(em, MP_STOP_END_TURN, NULL, 0);
    json_object *r = expect_message(&b,
        "{`role`:`assistant`,`content`:["
        "{`citationsContent`:{`citations`:[{`title`:`Doc`,`location`:{`documentChar`:"
        "{`documentIndex`:0,`start`:1,`end`:5}}},{`title`:`B`}],"
        "`content`:[{`text`:`cited`}]}},"
        "{`reasoningContent`:{`redactedContent`:`RW5jcnlwdGVkRGF0YQ==`}},"
        "{`text`:`plain`},"
        "{`reasoningContent`:{`reasoningText`:{`text`:`shown`}}}]}");
    assert_string_equal(json_object_get_string(member(r, "stopReason")), "end_turn");
    assert_null(member(r, "invalidToolInputs"));
    json_object_put(r);
    both_free(&b);
}

/* Reference-update 2.26 and 2.17: a tool use without an id or a name is
 * left out; a reasoning block with only a signature is kept; a reported 0
 * cache write is shown. */
static void test_strands_amendments(void **state)
{
    (void)state;
    both b;
    both_init(&b);
    ev_emitter *em = &b.em;
    ev_message_start(em);
    tool_block(em, "", "{}", NULL);
    ev_block_start(em, MP_BLOCK_TOOL_USE, "", 0, "t9", 2, NULL, 0);
    ev_block_stop(em);
    ev_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(em, MP_DELTA_REASONING_SIGNATURE, "only-sig", 8);
    ev_block_stop(em);
    ev_message_stop(em, MP_STOP_END_TURN, NULL, 0);
    mp_event_metadata md;
    memset(&md, 0, sizeof md);
    md.input_tokens = md.output_tokens = md.total_tokens = 1;
    md.cache_read_input_tokens = -1;
    md.cache_write_input_tokens = 0;
    md.latency_ms = 1;
    md.time_to_first_byte_ms = -1;
    md.cost_usd = -1;
    md.reasoning_output_tokens = -1;
    ev_metadata(em, &md);
    json_object *r = expect_message(&b,
        "{`role`:`assistant`,`content`:["
        "{`reasoningContent`:{`reasoningText`:{`text`:``,`signature`:`only-sig`}}}]}");
    /* No toolUse was kept: end_turn stays. */
    assert_string_equal(json_object_get_string(member(r, "stopReason")), "end_turn");
    json_object *want = json_tokener_parse(requote(
        "{`inputTokens`:1,`outputTokens`:1,`totalTokens`:1,`cacheWriteInputTokens`:0}", '`'));
    assert_true(json_object_equal(member(r, "usage"), want));
    assert_true(json_object_equal(asm_usage(&b.as), want));
    json_object_put(want);
    json_object_put(r);
    both_free(&b);
}

/* Nothing closed yet, no stop, no metadata: an empty message, stopReason
 * null, usage and metrics at Strands' defaults. */
static void test_defaults_and_unfinished_block(void **state)
{
    (void)state;
    both b;
    both_init(&b);
    ev_message_start(&b.em);
    ev_block_start(&b.em, MP_BLOCK_TEXT, NULL, 0, NULL, 0, NULL, 0);
    ev_block_delta(&b.em, MP_DELTA_TEXT, "cut", 3);
    json_object *r = expect_message(&b, "{`role`:`assistant`,`content`:[]}");
    assert_true(json_object_is_type(member(r, "stopReason"), json_type_null));
    json_object *want = json_tokener_parse(requote(
        "{`inputTokens`:0,`outputTokens`:0,`totalTokens`:0}", '`'));
    assert_true(json_object_equal(member(r, "usage"), want));
    json_object_put(want);
    want = json_tokener_parse(requote("{`latencyMs`:0}", '`'));
    assert_true(json_object_equal(member(r, "metrics"), want));
    json_object_put(want);
    assert_null(member(r, "responseInfo"));
    json_object_put(r);
    both_free(&b);
}

static void test_usage_metrics_and_response_info(void **state)
{
    (void)state;
    both b;
    both_init(&b);
    mp_event_response_info info;
    memset(&info, 0, sizeof info);
    info.http_status = 200;
    info.attempts = 1;
    info.attempted_retries = info.attempted_fallbacks = -1;
    info.ratelimit_remaining_requests = 7;
    info.ratelimit_remaining_tokens = -1;
    info.cost_usd = 0.25;
    info.call_id.ptr = "c-1";
    info.call_id.len = 3;
    ev_set_response_info(&b.em, &info);
    ev_message_start(&b.em);
    text_block(&b.em, "hi");
    ev_message_stop(&b.em, MP_STOP_MAX_TOKENS, NULL, 0);
    mp_event_metadata md;
    memset(&md, 0, sizeof md);
    md.input_tokens = 10;
    md.output_tokens = 4;
    md.total_tokens = 14;
    md.cache_read_input_tokens = 6;
    md.cache_write_input_tokens = -1;
    md.latency_ms = 321;
    md.time_to_first_byte_ms = 0;
    md.cost_usd = -1; /* none on the wire: the header's 0.25 */
    md.reasoning_output_tokens = 2;
    ev_metadata(&b.em, &md);
    json_object *r = expect_message(&b, "{`role`:`assistant`,`content`:[{`text`:`hi`}]}");
    assert_string_equal(json_object_get_string(member(r, "stopReason")), "max_tokens");
    json_object *want = json_tokener_parse(requote(
        "{`inputTokens`:10,`outputTokens`:4,`totalTokens`:14,`cacheReadInputTokens`:6,"
        "`totalCostUsd`:0.25,`reasoningOutputTokens`:2}", '`'));
    assert_true(json_object_equal(member(r, "usage"), want));
    assert_true(json_object_equal(asm_usage(&b.as), want)); /* the host agrees */
    json_object_put(want);
    want = json_tokener_parse(requote("{`latencyMs`:321,`timeToFirstByteMs`:0}", '`'));
    assert_true(json_object_equal(member(r, "metrics"), want));
    json_object_put(want);
    want = json_tokener_parse(requote(
        "{`httpStatus`:200,`attempts`:1,`callId`:`c-1`,`costUsd`:0.25,"
        "`rateLimit`:{`remainingRequests`:7}}", '`'));
    assert_true(json_object_equal(member(r, "responseInfo"), want));
    json_object_put(want);
    assert_true(b.as.info.present);
    assert_int_equal(b.as.info.remaining_requests, 7);
    assert_string_equal(b.as.info.call_id, "c-1");
    /* Asking again gives the same. */
    json_object *again = result(&b);
    assert_true(json_object_equal(again, r));
    json_object_put(again);
    json_object_put(r);
    both_free(&b);
}

static int refuse(void *ctx, const char *p, size_t n)
{
    (void)ctx; (void)p; (void)n;
    return 1;
}

static void test_arguments_and_unknowns(void **state)
{
    (void)state;
    mp_accumulator *acc = NULL;
    assert_int_equal(lp_acc_create(NULL), MP_E_INVALID_ARGUMENT);
    assert_int_equal(lp_acc_create(&acc), MP_OK);
    assert_int_equal(lp_acc_add(acc, NULL), MP_E_INVALID_ARGUMENT);
    assert_int_equal(lp_acc_add(NULL, NULL), MP_E_INVALID_ARGUMENT);
    /* An unknown type and an unknown delta kind are skipped. */
    mp_event_block_delta d;
    memset(&d, 0, sizeof d);
    d.hdr.size = sizeof d;
    d.hdr.type = 99;
    assert_int_equal(lp_acc_add(acc, &d.hdr), MP_OK);
    d.hdr.type = MP_EVENT_BLOCK_DELTA;
    d.kind = 42;
    d.text.ptr = "x";
    d.text.len = 1;
    assert_int_equal(lp_acc_add(acc, &d.hdr), MP_OK);
    /* Too small for its fields; a citation that is not an object. */
    d.hdr.size = 12;
    assert_int_equal(lp_acc_add(acc, &d.hdr), MP_E_INVALID_ARGUMENT);
    d.hdr.size = sizeof d;
    d.kind = MP_DELTA_CITATION;
    d.text.ptr = "[1]";
    d.text.len = 3;
    assert_int_equal(lp_acc_add(acc, &d.hdr), MP_E_INVALID_ARGUMENT);
    assert_int_equal(lp_acc_result(acc, NULL, NULL), MP_E_INVALID_ARGUMENT);
    assert_int_equal(lp_acc_result(acc, refuse, NULL), MP_E_CANCELLED);
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_acc_result(acc, collect, &sb), MP_OK);
    assert_string_equal(sb.data, "{\"message\":{\"role\":\"assistant\",\"content\":[]},"
                        "\"stopReason\":null,\"usage\":{\"inputTokens\":0,"
                        "\"outputTokens\":0,\"totalTokens\":0},\"metrics\":"
                        "{\"latencyMs\":0}}");
    sb_free(&sb);
    lp_acc_destroy(acc);
    lp_acc_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_reasoning_and_tools),
        cmocka_unit_test(test_citations_and_redacted),
        cmocka_unit_test(test_strands_amendments),
        cmocka_unit_test(test_defaults_and_unfinished_block),
        cmocka_unit_test(test_usage_metrics_and_response_info),
        cmocka_unit_test(test_arguments_and_unknowns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
