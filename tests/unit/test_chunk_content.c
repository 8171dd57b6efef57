/*
 * test_chunk_content.c - what a delta may carry: choices other than index
 * 0 (interleaved), delta.reasoning, content as a list of parts, refusals,
 * unknown fields, and reasoning signatures (decision 5).
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

/* Only choices[].index == 0 is used, wherever it sits; a missing index
 * counts as 0. */
static void test_interleaved_choices(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`index`:1,`delta`:{`content`:`B1`}},{`index`:0,`delta`:{`content`:`A1`}}]}",
        "{`choices`:[{`index`:1,`delta`:{`content`:`B2`},`finish_reason`:`length`}]}",
        "{`choices`:[{`index`:0,`delta`:{`content`:`A2`}}]}",
        "{`choices`:[{`index`:1,`delta`:{`content`:`B3`}},{`index`:0,`delta`:{},`finish_reason`:`stop`}]}",
        NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("A1") TEXT("A2") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Cerebras/Groq/OpenRouter put reasoning in delta.reasoning;
 * reasoning_content wins when both are there. */
static void test_delta_reasoning_field(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning`:`a`}"),
        CHUNK("{`reasoning`:`dup`,`reasoning_content`:`b`}"),
        CHUNK("{`reasoning`:``,`content`:`c`}"),
        FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("a") REASON("b") STOP START
                      TEXT("c") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* delta.content as a list of parts, in order; unknown parts skipped. */
static void test_content_parts_array(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`content`:[{`type`:`thinking`,`thinking`:`hmm`},"
              "{`type`:`text`,`text`:`one`},{`type`:`image_url`,`image_url`:{}},"
              "{`type`:`text`,`text`:`two`},{`type`:`text`,`text`:``}]}"),
        FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("hmm") STOP START TEXT("one")
                      TEXT("two") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* A refusal is surfaced as text. */
static void test_refusal_as_text(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`role`:`assistant`,`content`:null,`refusal`:``}"),
        CHUNK("{`refusal`:`I can not`}"), FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("I can not") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Unknown top-level and choice fields are ignored. */
static void test_unknown_fields_ignored(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`obfuscation`:`xx`,`x_groq`:{`id`:`r`},`prompt_filter_results`:[],"
        "`time_info`:{`a`:1},`choices`:[{`index`:0,`logprobs`:null,"
        "`content_filter_results`:{},`delta`:{`content`:`k`,`role`:`assistant`,"
        "`function_call`:null}}]}",
        FINISH("{}", "stop"), NULL};
    recorder r;
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START TEXT("k") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Decision 5: thinking_blocks signatures become signature deltas on the
 * reasoning block, only with reasoning_round_trip. */
static void test_reasoning_signature_round_trip(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning_content`:`deep`,`thinking_blocks`:[{`type`:`thinking`,`thinking`:`deep`}]}"),
        CHUNK("{`reasoning_content`:``,`thinking_blocks`:[{`type`:`thinking`,`thinking`:``,`signature`:`SIG1`}],"
              "`provider_specific_fields`:{`thinking_blocks`:[{`signature`:`SIG1`}]}}"),
        CHUNK("{`content`:`answer`}"),
        FINISH("{}", "stop"), NULL};
    cm_options opt = {.reasoning_round_trip = 1};
    recorder r;
    rec_init(&r, &opt);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("deep") SIG("SIG1") STOP START
                      TEXT("answer") STOP MSG_STOP("end_turn"));
    json_object *msg = asm_take_message(&r.as);
    assert_string_equal(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN),
        Q("{`role`:`assistant`,`content`:[{`reasoningContent`:{`reasoningText`:"
          "{`text`:`deep`,`signature`:`SIG1`}}},{`text`:`answer`}]}"));
    json_object_put(msg);
    rec_free(&r);
    /* Off (the default, as the reference): no signature delta. */
    rec_init(&r, NULL);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("deep") STOP START
                      TEXT("answer") STOP MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Other signature homes: provider_specific_fields.signature,
 * delta.thinking.signature, a thinking content part. */
static void test_reasoning_signature_other_sources(void **state)
{
    (void)state;
    const char *chunks[] = {
        CHUNK("{`reasoning_content`:`a`,`provider_specific_fields`:{`signature`:`S1`}}"),
        CHUNK("{`reasoning_content`:`b`,`thinking`:{`signature`:`S2`}}"),
        CHUNK("{`content`:[{`type`:`thinking`,`thinking`:`c`,`signature`:`S3`}]}"),
        FINISH("{}", "stop"), NULL};
    cm_options opt = {.reasoning_round_trip = 1};
    recorder r;
    rec_init(&r, &opt);
    assert_int_equal(rec_chunks(&r, chunks, 1), MP_OK);
    assert_events(&r, MSG_START START REASON("a") SIG("S1") REASON("b")
                      SIG("S2") REASON("c") SIG("S3") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_choices),
        cmocka_unit_test(test_delta_reasoning_field),
        cmocka_unit_test(test_content_parts_array),
        cmocka_unit_test(test_refusal_as_text),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_reasoning_signature_round_trip),
        cmocka_unit_test(test_reasoning_signature_other_sources),
    };
    return cmocka_run_group_tests_name("chunk_content", tests, NULL, NULL);
}
