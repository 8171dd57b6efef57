/*
 * test_chunk_tools.c - tool calls in a stream: grouping by index and id
 * (decision 11), id/name repeats, missing index, whole calls in one delta,
 * empty arguments, the thought signature (reference-behaviour 8.1 cases
 * 32-34 and the response half of 41, plus the newer preference order and
 * Google's form), the id made up for a call without one (reference-update
 * case 118), and the protocol errors (a call without a name).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "test_chunk_recorder.h"

#define TC_CHUNK(calls) "{`choices`:[{`index`:0,`delta`:{`tool_calls`:[" calls "]}}]}"
#define FINISH(fr) "{`choices`:[{`index`:0,`delta`:{},`finish_reason`:`" fr "`}]}"

/* The assembled message as compact JSON (freed by the caller). */
static char *message_json(recorder *r)
{
    json_object *msg = asm_take_message(&r->as);
    assert_non_null(msg);
    char *s = strdup(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
    json_object_put(msg);
    return s;
}

#define assert_message(r, expected)                  \
    do {                                             \
        char *got_ = message_json(r);                \
        assert_string_equal(got_, Q(expected));      \
        free(got_);                                  \
    } while (0)

static void run(recorder *r, const cm_options *opt, const char *const *chunks,
                int expect_rc)
{
    rec_init(r, opt);
    assert_int_equal(rec_chunks(r, chunks, 1), expect_rc);
}

/* 8.1 case 32: the signature after the first __thought__ of the id; the
 * toolUseId stays the full id. */
static void test_format_chunk_tool_start_extracts_thought_signature_from_id(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`call_abc123__thought__dGhpcy1pcy1hLXNpZw==`,"
                 "`function`:{`name`:`get_weather`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START
        TOOL_SIG("get_weather", "call_abc123__thought__dGhpcy1pcy1hLXNpZw==",
                 "dGhpcy1pcy1hLXNpZw==")
        INPUT("{}") STOP MSG_STOP("tool_use"));
    rec_free(&r);
}

/* 8.1 case 33: from provider_specific_fields.thought_signature. */
static void test_format_chunk_tool_start_extracts_thought_signature_from_provider_specific_fields(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`call_abc123`,`provider_specific_fields`:"
                 "{`thought_signature`:`cHNmLXNpZw==`},"
                 "`function`:{`name`:`get_weather`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START
        TOOL_SIG("get_weather", "call_abc123", "cHNmLXNpZw==")
        INPUT("{}") STOP MSG_STOP("tool_use"));
    rec_free(&r);
}

/* 8.1 case 34: no signature anywhere -> no reasoningSignature key. */
static void test_format_chunk_tool_start_no_thought_signature(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`call_abc123`,`function`:{`name`:`get_weather`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("get_weather", "call_abc123")
                      INPUT("{}") STOP MSG_STOP("tool_use"));
    rec_free(&r);
}

/* 8.1 case 41, response half: the signature reaches the assembled toolUse
 * with the full id, ready for the request side to send back. */
static void test_thought_signature_round_trip(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`call_xyz789__thought__R2VtaW5pVGhvdWdodFNpZw==`,"
                 "`type`:`function`,`function`:{`name`:`calc`,`arguments`:``}}"),
        TC_CHUNK("{`index`:0,`function`:{`arguments`:`{\\`x\\`: 1}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_message(&r, "{`role`:`assistant`,`content`:[{`toolUse`:{"
        "`toolUseId`:`call_xyz789__thought__R2VtaW5pVGhvdWdodFNpZw==`,`name`:`calc`,"
        "`input`:{`x`:1},`reasoningSignature`:`R2VtaW5pVGhvdWdodFNpZw==`}}]}");
    rec_free(&r);
}

/* Preference: call-level psf, function-level psf, id suffix, Google's
 * extra_content form. */
static void test_thought_signature_preference_order(void **state)
{
    (void)state;
    const char *all4[] = {
        TC_CHUNK("{`index`:0,`id`:`c__thought__FROMID`,"
                 "`provider_specific_fields`:{`thought_signature`:`CALL`},"
                 "`extra_content`:{`google`:{`thought_signature`:`GOOGLE`}},"
                 "`function`:{`name`:`f`,`arguments`:`{}`,"
                 "`provider_specific_fields`:{`thought_signature`:`FUNC`}}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, all4, MP_OK);
    assert_non_null(strstr(rec_text(&r), Q("`reasoningSignature`:`CALL`")));
    rec_free(&r);

    const char *func[] = {
        TC_CHUNK("{`index`:0,`id`:`c__thought__FROMID`,"
                 "`extra_content`:{`google`:{`thought_signature`:`GOOGLE`}},"
                 "`function`:{`name`:`f`,`arguments`:`{}`,"
                 "`provider_specific_fields`:{`thought_signature`:`FUNC`}}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, func, MP_OK);
    assert_non_null(strstr(rec_text(&r), Q("`reasoningSignature`:`FUNC`")));
    rec_free(&r);

    const char *id[] = {
        TC_CHUNK("{`index`:0,`id`:`c__thought__FROMID`,"
                 "`extra_content`:{`google`:{`thought_signature`:`GOOGLE`}},"
                 "`function`:{`name`:`f`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, id, MP_OK);
    assert_non_null(strstr(rec_text(&r), Q("`reasoningSignature`:`FROMID`")));
    rec_free(&r);

    const char *google[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,"
                 "`extra_content`:{`google`:{`thought_signature`:`GOOGLE`}},"
                 "`function`:{`name`:`f`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, google, MP_OK);
    assert_events(&r, MSG_START TOOL_SIG("f", "c", "GOOGLE") INPUT("{}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);

    /* Empty or odd-shaped signatures count as none; an id ending in the
     * separator has no signature. */
    const char *none[] = {
        TC_CHUNK("{`index`:0,`id`:`c__thought__`,"
                 "`provider_specific_fields`:{`thought_signature`:``},"
                 "`extra_content`:{`google`:`x`},"
                 "`function`:{`name`:`f`,`arguments`:`{}`,"
                 "`provider_specific_fields`:{`thought_signature`:7}}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, none, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "c__thought__") INPUT("{}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* A signature that only arrives in a later delta of the call is kept. */
static void test_thought_signature_in_later_delta(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`f`,`arguments`:``}}"),
        TC_CHUNK("{`index`:0,`provider_specific_fields`:{`thought_signature`:`LATE`},"
                 "`function`:{`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL_SIG("f", "c", "LATE") INPUT("{}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Mistral: no index, no type; two calls told apart by their ids. */
static void test_tool_delta_without_index(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:null,`tool_calls`:["
        "{`id`:`a1`,`function`:{`name`:`weather`,`arguments`:`{\\`city\\`: \\`Paris\\`}`}},"
        "{`id`:`b2`,`function`:{`name`:`time`,`arguments`:`{}`}}]},"
        "`finish_reason`:`tool_calls`}]}",
        NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START
        TOOL("weather", "a1") INPUT("{\\`city\\`: \\`Paris\\`}") STOP
        TOOL("time", "b2") INPUT("{}") STOP MSG_STOP("tool_use"));
    rec_free(&r);

    /* Pieces without index or id continue the latest call; with no call
     * yet they start index 0.  Never given an id, the call gets one
     * (reference-update 2.4). */
    const char *pieces[] = {
        TC_CHUNK("{`function`:{`name`:`f`,`arguments`:`{\\`a`}}"),
        TC_CHUNK("{`function`:{`arguments`:`\\`:1}`}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, pieces, MP_OK);
    assert_events_made_ids(&r, MSG_START TOOL("f", "call_<uuid4>")
                               INPUT("{\\`a") INPUT("\\`:1}") STOP
                               MSG_STOP("tool_use"), 1);
    rec_free(&r);
}

/* Qwen: later deltas repeat "id":"" and type; they must not overwrite the
 * first id, and an empty trailing piece adds no delta. */
static void test_tool_empty_id_repeats(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`call_1`,`type`:`function`,`function`:{`name`:`weather`,`arguments`:``}}"),
        TC_CHUNK("{`index`:0,`id`:``,`type`:`function`,`function`:{`name`:``,`arguments`:`{\\`l\\`: \\`SF`}}"),
        TC_CHUNK("{`index`:0,`id`:``,`type`:`function`,`function`:{`arguments`:`\\`}`}}"),
        TC_CHUNK("{`function`:{`arguments`:``},`index`:0,`id`:``,`type`:`function`}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("weather", "call_1")
                      INPUT("{\\`l\\`: \\`SF") INPUT("\\`}") STOP
                      MSG_STOP("tool_use"));
    assert_message(&r, "{`role`:`assistant`,`content`:[{`toolUse`:{`toolUseId`:"
                       "`call_1`,`name`:`weather`,`input`:{`l`:`SF`}}}]}");
    rec_free(&r);
}

/* A repeated (even different) name never replaces the first one. */
static void test_tool_name_not_overwritten(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`first`,`arguments`:``}}"),
        TC_CHUNK("{`index`:0,`function`:{`name`:`second`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("first", "c") INPUT("{}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Only a value that is kept must be UTF-8: a later delta repeating the
 * name (here with bytes that are not UTF-8) is ignored like any repeat,
 * since it never reaches the host.  A kept one that is not UTF-8 fails. */
static void test_tool_repeats_are_not_checked_only_kept_values(void **state)
{
    (void)state;
    const char *repeat[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`first`,`arguments`:``}}"),
        TC_CHUNK("{`index`:0,`id`:``,`function`:{`name`:`fi\xffst`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, repeat, MP_OK);
    assert_events(&r, MSG_START TOOL("first", "c") INPUT("{}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);

    const char *kept[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`fi\xffst`,`arguments`:``}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, kept, MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "tool_calls[].function.name is not "
                           "UTF-8"));
    assert_events(&r, ""); /* no tool block, nothing at all */
    rec_free(&r);
}

/* Groq: the whole call in one delta. */
static void test_tool_whole_in_one_delta(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`id`:`tk85`,`type`:`function`,`function`:{`name`:`weather`,"
                 "`arguments`:`{\\`q\\`:1}`},`index`:0}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("weather", "tk85") INPUT("{\\`q\\`:1}")
                      STOP MSG_STOP("tool_use"));
    rec_free(&r);
}

/* No arguments at all (null, "" or absent): one "" delta (8.2 case 74's
 * `arguments or ""`), assembled as {}. */
static void test_tool_empty_args(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`a`,`function`:{`name`:`f`,`arguments`:null}}"),
        TC_CHUNK("{`index`:1,`id`:`b`,`function`:{`name`:`g`,`arguments`:``}}"),
        TC_CHUNK("{`index`:2,`id`:`c`,`function`:{`name`:`h`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "a") INPUT("") STOP TOOL("g", "b")
                      INPUT("") STOP TOOL("h", "c") INPUT("") STOP
                      MSG_STOP("tool_use"));
    assert_message(&r, "{`role`:`assistant`,`content`:["
        "{`toolUse`:{`toolUseId`:`a`,`name`:`f`,`input`:{}}},"
        "{`toolUse`:{`toolUseId`:`b`,`name`:`g`,`input`:{}}},"
        "{`toolUse`:{`toolUseId`:`c`,`name`:`h`,`input`:{}}}]}");
    rec_free(&r);
}

/* Invalid argument JSON still makes a block; the assembler falls back to
 * {} as Strands does.  Arguments sent as an object are re-serialised. */
static void test_tool_args_invalid_or_object(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`a`,`function`:{`name`:`f`,`arguments`:`{broken`}}"),
        TC_CHUNK("{`index`:1,`id`:`b`,`function`:{`name`:`g`,`arguments`:{`k`:[1,2]}}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "a") INPUT("{broken") STOP
                      TOOL("g", "b") INPUT("{\\`k\\`:[1,2]}") STOP
                      MSG_STOP("tool_use"));
    assert_message(&r, "{`role`:`assistant`,`content`:["
        "{`toolUse`:{`toolUseId`:`a`,`name`:`f`,`input`:{}}},"
        "{`toolUse`:{`toolUseId`:`b`,`name`:`g`,`input`:{`k`:[1,2]}}}]}");
    rec_free(&r);
}

/* Arguments sent as an object keep every digit of an integer wider than
 * 64 bits (json-c saturated it while it read the whole chunk), and come
 * out compact whatever white space they were sent with. */
static void test_tool_args_object_keeps_wide_integers(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`w`,`function`:{`name`:`f`,`arguments`: "
                 "{ `n` : 123456789012345678901234567890 , `m` : [ -1.5e3 ] } }}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "w")
                      INPUT("{\\`n\\`:123456789012345678901234567890,"
                            "\\`m\\`:[-1.5e3]}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Arguments sent as an object are read as the chunk was read before the
 * answers' own reader: NaN, a lone surrogate and a raw tab pass (as null,
 * U+FFFD and an escaped tab), where the strict reading of host JSON would
 * refuse them. */
static void test_tool_args_object_read_as_before(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`a`,`function`:{`name`:`f`,`arguments`:{`x`:NaN}}}"),
        TC_CHUNK("{`index`:1,`id`:`b`,`function`:{`name`:`g`,`arguments`:{`s`:`a\\ud800b`}}}"),
        TC_CHUNK("{`index`:2,`id`:`c`,`function`:{`name`:`h`,`arguments`:{`t`:`1\t2`}}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_message(&r, "{`role`:`assistant`,`content`:["
        "{`toolUse`:{`toolUseId`:`a`,`name`:`f`,`input`:{`x`:null}}},"
        "{`toolUse`:{`toolUseId`:`b`,`name`:`g`,`input`:{`s`:`a\xef\xbf\xbd" "b`}}},"
        "{`toolUse`:{`toolUseId`:`c`,`name`:`h`,`input`:{`t`:`1\\t2`}}}]}");
    rec_free(&r);
}

/* Decision 11: a new non-empty id at an index that already has another id
 * is a new call (LiteLLM's all-index-0 parallel calls). */
static void test_tool_new_id_same_index(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`A`,`function`:{`name`:`f`,`arguments`:`{\\`n\\`:`}}"),
        TC_CHUNK("{`index`:0,`function`:{`arguments`:`1}`}}"),
        TC_CHUNK("{`index`:0,`id`:`B`,`function`:{`name`:`g`,`arguments`:`{\\`n\\`:2}`}}"),
        TC_CHUNK("{`index`:0,`id`:`B`,`function`:{`arguments`:``}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "A") INPUT("{\\`n\\`:") INPUT("1}")
                      STOP TOOL("g", "B") INPUT("{\\`n\\`:2}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Parallel calls by index, interleaved, keep first-seen order; tool blocks
 * come after the text block. */
static void test_tool_parallel_interleaved_after_text(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:1,`id`:`second`,`function`:{`name`:`g`,`arguments`:`{`}}"),
        TC_CHUNK("{`index`:0,`id`:`first`,`function`:{`name`:`f`,`arguments`:`{`}}"),
        "{`choices`:[{`index`:0,`delta`:{`content`:`text`,`tool_calls`:["
        "{`index`:0,`function`:{`arguments`:`}`}},{`index`:1,`function`:{`arguments`:`}`}}]}}]}",
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START START TEXT("text") STOP
                      TOOL("g", "second") INPUT("{") INPUT("}") STOP
                      TOOL("f", "first") INPUT("{") INPUT("}") STOP
                      MSG_STOP("tool_use"));
    rec_free(&r);
}

/* Tools with finish_reason "stop" (Gemini, Ollama): the event says
 * end_turn, the assembler's stop reason says tool_use (reference 4.5). */
static void test_tool_with_stop_finish(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`f`,`arguments`:`{}`}}"),
        FINISH("stop"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "c") INPUT("{}") STOP
                      MSG_STOP("end_turn"));
    assert_string_equal(asm_stop_reason(&r.as), "tool_use");
    rec_free(&r);
}

/* Tools buffered then [DONE] without a finish_reason: still emitted. */
static void test_tool_done_without_finish(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`f`,`arguments`:`{}`}}"),
        NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events(&r, MSG_START TOOL("f", "c") INPUT("{}") STOP
                      MSG_STOP("end_turn"));
    rec_free(&r);
}

/* Decision 11: a call whose name never arrives is a protocol error naming
 * its index, and no tool block goes out. */
static void test_tool_without_name(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`choices`:[{`index`:0,`delta`:{`content`:`hi`}}]}",
        TC_CHUNK("{`index`:0,`id`:`ok`,`function`:{`name`:`f`,`arguments`:`{}`}}"),
        TC_CHUNK("{`index`:3,`id`:`nameless`,`function`:{`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "the tool call at index 3 "
                                          "(id \"nameless\") never received "
                                          "a function name"));
    assert_events(&r, MSG_START START TEXT("hi") STOP);
    rec_free(&r);
}

/* Wrong shapes inside tool_calls. */
static void test_tool_wrong_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *chunk, *needle;
    } cases[] = {
        {"{`choices`:[{`delta`:{`tool_calls`:{}}}]}",
         "choices[0].delta.tool_calls is a JSON object, expected an array"},
        {TC_CHUNK("5"), "choices[0].delta.tool_calls[0] is a JSON integer"},
        {TC_CHUNK("{`index`:`0`}"), "tool_calls[0].index is a JSON string"},
        {TC_CHUNK("{`index`:0,`id`:5}"), "tool_calls[0].id is a JSON integer"},
        {TC_CHUNK("{`index`:0,`function`:[]}"),
         "tool_calls[0].function is a JSON array"},
        {TC_CHUNK("{`index`:0,`function`:{`name`:{}}}"),
         "tool_calls[0].function.name is a JSON object"},
        {TC_CHUNK("{`index`:0,`function`:{`name`:`f`,`arguments`:3}}"),
         "tool_calls[0].function.arguments is a JSON integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *chunks[] = {cases[i].chunk, FINISH("tool_calls"), NULL};
        recorder r;
        run(&r, NULL, chunks, MP_E_PROTOCOL);
        if (!strstr(r.err.message, cases[i].needle))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, r.err.message,
                     cases[i].needle);
        rec_free(&r);
    }
}

/* Arguments beyond max_tool_args: a protocol error naming the limit. */
static void test_tool_args_limit(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`f`,`arguments`:`0123456789`}}"),
        TC_CHUNK("{`index`:0,`function`:{`arguments`:`0123456789`}}"),
        FINISH("tool_calls"), NULL};
    cm_options opt = {.max_tool_args = 32};
    recorder r;
    run(&r, &opt, chunks, MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "the tool calls of this answer "
                                          "hold more than max_tool_args "
                                          "(32 bytes) at the call at index 0"));
    rec_free(&r);
}

/* The bound is per answer, not per call: many calls each under the limit
 * must not add up to many times it (issue 14: 64 calls x 7.5 MiB reached
 * 548 MB).  Each call here is far below the limit; together they pass it. */
static void test_tool_args_bounded_per_answer(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`a`,`function`:{`name`:`f`,`arguments`:`0123456789`}}"),
        TC_CHUNK("{`index`:1,`id`:`b`,`function`:{`name`:`f`,`arguments`:`0123456789`}}"),
        TC_CHUNK("{`index`:2,`id`:`c`,`function`:{`name`:`f`,`arguments`:`0123456789`}}"),
        TC_CHUNK("{`index`:3,`id`:`d`,`function`:{`name`:`f`,`arguments`:`0123456789`}}"),
        FINISH("tool_calls"), NULL};
    cm_options opt = {.max_tool_args = 64};
    recorder r;
    run(&r, &opt, chunks, MP_E_PROTOCOL);
    assert_non_null(strstr(r.err.message, "more than max_tool_args (64 "
                                          "bytes) at the call at index 3"));
    assert_null(strstr(rec_text(&r), "toolUse")); /* no tool went out */
    rec_free(&r);
    /* The same answer within a budget that holds it is delivered whole. */
    opt.max_tool_args = 4096;
    run(&r, &opt, chunks, MP_OK);
    rec_free(&r);
}

/* Every tool-input delta is a NUL-terminated mp_str (the header's
 * ptr[len] == '\0'), also when the arguments came in several pieces that
 * share one buffer. */
typedef struct piece_check {
    int deltas;
    int bad;
    char seen[256];
} piece_check;

static int check_piece(void *ctx, const mp_event_header *ev)
{
    piece_check *pc = ctx;
    if (ev->type != MP_EVENT_BLOCK_DELTA)
        return 0;
    const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
    pc->deltas++;
    if (d->text.ptr && d->text.ptr[d->text.len] != '\0')
        pc->bad++;
    /* Read as a C string, each piece is exactly its own bytes. */
    strncat(pc->seen, d->text.ptr ? d->text.ptr : "",
            sizeof pc->seen - strlen(pc->seen) - 2);
    strcat(pc->seen, "|");
    return 0;
}

static void test_tool_input_pieces_are_nul_terminated(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:`c`,`function`:{`name`:`f`,`arguments`:`{\\`a\\`:`}}"),
        TC_CHUNK("{`index`:0,`function`:{`arguments`:`12`}}"),
        TC_CHUNK("{`index`:0,`function`:{`arguments`:`}`}}"),
        FINISH("tool_calls"), NULL};
    char *body = sse_body(chunks, 1);
    piece_check pc;
    memset(&pc, 0, sizeof pc);
    mp_event_sink sink = {sizeof sink, &pc, check_piece};
    ev_emitter em;
    ev_init(&em, &sink);
    chunk_mapper m;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(cm_init(&m, &em, NULL), MP_OK);
    int rc = cm_feed(&m, body, strlen(body), &err);
    if (!rc)
        rc = cm_finish(&m, 0, 0, &err);
    if (rc)
        fail_msg("%s: %s", mp_errname(rc), err.message);
    cm_free(&m);
    free(body);
    assert_int_equal(pc.deltas, 3);
    assert_int_equal(pc.bad, 0);
    assert_string_equal(pc.seen, "{\"a\":|12|}|");
}

/* reference-update 3.1 case 118: a tool call whose id is null gets
 * "call_<uuid4>" (reference-update 2.4); so does one whose id is "", two
 * such calls get different ids, and the non-streaming path does it too. */
static void test_stream_generates_tool_call_id_when_null(void **state)
{
    (void)state;
    const char *chunks[] = {
        TC_CHUNK("{`index`:0,`id`:null,`function`:{`name`:`test_tool`,"
                 "`arguments`:`{\\`arg\\`: \\`value\\`}`}}"),
        FINISH("tool_calls"), NULL};
    recorder r;
    run(&r, NULL, chunks, MP_OK);
    assert_events_made_ids(&r, MSG_START TOOL("test_tool", "call_<uuid4>")
        INPUT("{\\`arg\\`: \\`value\\`}") STOP MSG_STOP("tool_use"), 1);
    rec_free(&r);

    const char *two[] = {
        TC_CHUNK("{`index`:0,`id`:``,`function`:{`name`:`a`,`arguments`:`{}`}},"
                 "{`index`:1,`function`:{`name`:`b`,`arguments`:`{}`}}"),
        FINISH("tool_calls"), NULL};
    run(&r, NULL, two, MP_OK);
    assert_events_made_ids(&r, MSG_START TOOL("a", "call_<uuid4>") INPUT("{}")
        STOP TOOL("b", "call_<uuid4>") INPUT("{}") STOP MSG_STOP("tool_use"),
        2);
    rec_free(&r);

    rec_init(&r, NULL);
    const char *whole = Q("{`choices`:[{`index`:0,`message`:{`role`:`assistant`,"
        "`content`:null,`tool_calls`:[{`type`:`function`,`function`:{`name`:"
        "`test_tool`,`arguments`:`{}`}}]},`finish_reason`:`tool_calls`}]}");
    assert_int_equal(cm_map_response(&r.m, whole, strlen(whole), 0, 0, &r.err),
                     MP_OK);
    assert_events_made_ids(&r, MSG_START TOOL("test_tool", "call_<uuid4>") INPUT("{}")
        STOP MSG_STOP("tool_use"), 1);
    rec_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_chunk_tool_start_extracts_thought_signature_from_id),
        cmocka_unit_test(test_format_chunk_tool_start_extracts_thought_signature_from_provider_specific_fields),
        cmocka_unit_test(test_format_chunk_tool_start_no_thought_signature),
        cmocka_unit_test(test_thought_signature_round_trip),
        cmocka_unit_test(test_thought_signature_preference_order),
        cmocka_unit_test(test_thought_signature_in_later_delta),
        cmocka_unit_test(test_tool_delta_without_index),
        cmocka_unit_test(test_stream_generates_tool_call_id_when_null),
        cmocka_unit_test(test_tool_empty_id_repeats),
        cmocka_unit_test(test_tool_name_not_overwritten),
        cmocka_unit_test(test_tool_repeats_are_not_checked_only_kept_values),
        cmocka_unit_test(test_tool_whole_in_one_delta),
        cmocka_unit_test(test_tool_empty_args),
        cmocka_unit_test(test_tool_args_invalid_or_object),
        cmocka_unit_test(test_tool_args_object_keeps_wide_integers),
        cmocka_unit_test(test_tool_args_object_read_as_before),
        cmocka_unit_test(test_tool_new_id_same_index),
        cmocka_unit_test(test_tool_parallel_interleaved_after_text),
        cmocka_unit_test(test_tool_with_stop_finish),
        cmocka_unit_test(test_tool_done_without_finish),
        cmocka_unit_test(test_tool_without_name),
        cmocka_unit_test(test_tool_wrong_shapes),
        cmocka_unit_test(test_tool_args_limit),
        cmocka_unit_test(test_tool_args_bounded_per_answer),
        cmocka_unit_test(test_tool_input_pieces_are_nul_terminated),
    };
    return cmocka_run_group_tests_name("chunk_tools", tests, NULL, NULL);
}
