/*
 * test_chunk_dialects.c - what particular servers send inside a 200 stream
 * (issue 9 part 3; decisions 26, 27), each body written the way that
 * server writes it, fed whole, byte by byte, and split in two at every
 * byte, always ending in the same events and the same result:
 *   - vLLM's error chunk {"object":"error",...} with no choices, before or
 *     after text, followed by [DONE]: a typed error, never a finished
 *     answer (its "longer than the maximum model length" is an overflow);
 *   - OpenRouter's choice with finish_reason "error" plus a top-level
 *     error, and a finish_reason "error" with no error object at all;
 *   - Mistral's reasoning models: delta.content as typed parts, thinking
 *     parts holding a list of text parts, then text parts, then a string;
 *   - Perplexity: usage (cumulative) and citations on every chunk, the
 *     cumulative text in "message" beside the delta, and a last chunk whose
 *     object is chat.completion.done, which still carries a delta, then no
 *     [DONE];
 *   - chunks with no choices, usage or error shape (harmless metadata), and
 *     chunks that say they are errors in other ways.
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

/* ------------------------------------------------------------ feeding */

/* What one dialect body must give, whatever the cuts. */
typedef struct expect {
    int rc;                /* the mapper's result                        */
    const char *events;    /* the events (` quoting)                     */
    const char *message;   /* substring of err.message when rc != MP_OK  */
    int http_status;       /* err.http_status when rc != MP_OK           */
    const char *text;      /* the assembled text when rc == MP_OK, or NULL */
} expect;

typedef struct debug_log {
    int count;
    char last[512];
} debug_log;

static void capture(void *ctx, int level, const char *msg)
{
    debug_log *d = ctx;
    if (level == MP_LOG_DEBUG) {
        d->count++;
        snprintf(d->last, sizeof d->last, "%s", msg);
    }
}

/* Map `body` in the given pieces (cut[] are the offsets where a new piece
 * starts; ncut of them) and check the outcome.  The answer must also be
 * complete (cm_complete) exactly when a terminator was in the body. */
static void map_cut(const char *body, const size_t *cut, size_t ncut,
                    const expect *want, int terminated, debug_log *log,
                    const char *how)
{
    lp_logger lg = {capture, log};
    cm_options opt = {.log = &lg};
    recorder r;
    rec_init(&r, &opt);
    size_t len = strlen(body), from = 0;
    int rc = MP_OK;
    for (size_t i = 0; i <= ncut && !rc; i++) {
        size_t to = i < ncut ? cut[i] : len;
        rc = cm_feed(&r.m, body + from, to - from, &r.err);
        from = to;
    }
    if (!rc) {
        if (cm_complete(&r.m) != terminated)
            fail_msg("%s: complete is %d", how, cm_complete(&r.m));
        rc = cm_finish(&r.m, 0, 0, &r.err);
    }
    if (rc != want->rc)
        fail_msg("%s: %s (%s), want %s", how, mp_errname(rc), r.err.message,
                 mp_errname(want->rc));
    if (strcmp(rec_text(&r), Q(want->events)) != 0)
        fail_msg("%s: events differ:\n got: %s\nwant: %s", how, rec_text(&r),
                 Q(want->events));
    if (rc) {
        assert_int_equal(r.err.code, rc);
        if (!strstr(r.err.message, want->message))
            fail_msg("%s: message \"%s\" lacks \"%s\"", how, r.err.message,
                     want->message);
        assert_int_equal(r.err.http_status, want->http_status);
    } else if (want->text) {
        json_object *msg = asm_take_message(&r.as);
        json_object *text = json_object_array_get_idx(
            json_object_object_get(msg, "content"), 0);
        assert_string_equal(json_object_get_string(
                                json_object_object_get(text, "text")),
                            want->text);
        json_object_put(msg);
    }
    rec_free(&r);
}

/* Whole, byte by byte, and cut in two at every byte. */
static void every_way(const char *body, const expect *want, int terminated,
                      debug_log *log)
{
    size_t len = strlen(body);
    map_cut(body, NULL, 0, want, terminated, log, "whole");
    size_t *each = malloc(len * sizeof *each);
    assert_non_null(each);
    for (size_t i = 0; i < len; i++)
        each[i] = i + 1;
    map_cut(body, each, len ? len - 1 : 0, want, terminated, log,
            "byte by byte");
    free(each);
    for (size_t i = 1; i < len; i++) {
        char how[64];
        snprintf(how, sizeof how, "cut at byte %zu", i);
        map_cut(body, &i, 1, want, terminated, log, how);
    }
}

/* "data: P\n\n" for each payload, then [DONE] if `done`; ` quoting; an
 * optional prefix of SSE comments first (OpenRouter's keep-alives).
 * Caller frees. */
static char *body_of(const char *prefix, const char *const *payloads,
                     int done)
{
    char *events = sse_body(payloads, done);
    strbuf b;
    sb_init(&b, (size_t)1 << 26);
    if (prefix)
        sb_appends(&b, prefix);
    sb_appends(&b, events);
    free(events);
    return sb_detach(&b);
}

/* ------------------------------------------------------------------ vLLM */

#define VLLM_HEAD "`id`:`chatcmpl-9f2c`,`object`:`chat.completion.chunk`," \
                  "`created`:1754000000,`model`:`meta-llama/Llama-3.1-8B-Instruct`"
#define VLLM_TEXT(t) "{" VLLM_HEAD ",`choices`:[{`index`:0,`delta`:{`content`:`" \
                     t "`},`logprobs`:null,`finish_reason`:null}]}"

/* vLLM's error chunk as the first chunk (the 200 and its headers already
 * went out): an overflow, typed, with no event delivered. */
static void test_vllm_error_object_first_chunk(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`object`:`error`,`message`:`The prompt (total length 9000) is "
        "longer than the maximum model length of 8192. Make sure that "
        "\\`max_model_len\\` is no smaller than the number of text tokens.`,"
        "`type`:`BadRequestError`,`param`:null,`code`:400}",
        NULL};
    char *body = body_of(NULL, chunks, 1);
    expect want = {MP_E_CONTEXT_OVERFLOW, "",
                   "stream error (HTTP 400): The prompt (total length 9000) "
                   "is longer than the maximum model length of 8192", 400,
                   NULL};
    debug_log log = {0};
    every_way(body, &want, 0, &log);
    free(body);
}

/* After text: the partial answer is not reported as finished (it was
 * MP_OK with end_turn before), and [DONE] after the error changes
 * nothing. */
static void test_vllm_error_object_mid_stream(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{" VLLM_HEAD ",`choices`:[{`index`:0,`delta`:{`role`:`assistant`,"
        "`content`:``},`logprobs`:null,`finish_reason`:null}]}",
        VLLM_TEXT("Hel"), VLLM_TEXT("lo"),
        "{`object`:`error`,`message`:`Engine loop has died`,`type`:"
        "`InternalServerError`,`param`:null,`code`:500}",
        NULL};
    char *body = body_of(NULL, chunks, 1);
    expect want = {MP_E_SERVER, MSG_START START TEXT("Hel") TEXT("lo"),
                   "stream error (HTTP 500): Engine loop has died", 500,
                   NULL};
    debug_log log = {0};
    every_way(body, &want, 0, &log);
    free(body);
}

/* ------------------------------------------------------------ OpenRouter */

#define OR_HEAD "`id`:`gen-1754000000-AbC`,`provider`:`OpenAI`,`model`:" \
                "`openai/gpt-4o`,`object`:`chat.completion.chunk`,`created`:1754000000"

/* OpenRouter, as its documentation shows a failure after the answer
 * started: keep-alive comments first, text, then a chunk with a top-level
 * error and a choice with finish_reason "error". */
static void test_openrouter_finish_reason_error(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{" OR_HEAD ",`choices`:[{`index`:0,`delta`:{`role`:`assistant`,"
        "`content`:`Par`},`finish_reason`:null,`native_finish_reason`:null,"
        "`logprobs`:null}]}",
        "{" OR_HEAD ",`error`:{`code`:`server_error`,`message`:`Provider "
        "disconnected unexpectedly`},`choices`:[{`index`:0,`delta`:{`content`:"
        "``},`finish_reason`:`error`,`native_finish_reason`:`error`}]}",
        NULL};
    char *body = body_of(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n",
                         chunks, 1);
    expect want = {MP_E_SERVER, MSG_START START TEXT("Par"),
                   "stream error: Provider disconnected unexpectedly", 0, NULL};
    debug_log log = {0};
    every_way(body, &want, 0, &log);
    free(body);

    /* The same failure worded as a rate limit is throttling. */
    const char *limited[] = {
        "{" OR_HEAD ",`error`:{`code`:429,`message`:`Rate limit exceeded: "
        "free-models-per-min`},`choices`:[{`index`:0,`delta`:{`content`:``},"
        "`finish_reason`:`error`}]}",
        NULL};
    body = body_of(NULL, limited, 1);
    expect throttled = {MP_E_THROTTLED, "", "Rate limit exceeded", 429, NULL};
    every_way(body, &throttled, 0, &log);
    free(body);
}

/* A finish_reason "error" alone (no error object anywhere) still fails
 * the call; the choice's own error member, when there is one, says why. */
static void test_finish_reason_error_without_error_object(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{" OR_HEAD ",`choices`:[{`index`:0,`delta`:{`content`:`Par`},"
        "`finish_reason`:null}]}",
        "{" OR_HEAD ",`choices`:[{`index`:0,`delta`:{},`finish_reason`:"
        "`error`}]}",
        NULL};
    char *body = body_of(NULL, chunks, 1);
    expect want = {MP_E_SERVER, MSG_START START TEXT("Par"),
                   "stream error: choices[0] ended with finish_reason \"error\" "
                   "and no error object (the answer is incomplete)", 0, NULL};
    debug_log log = {0};
    every_way(body, &want, 0, &log);
    free(body);

    const char *own[] = {
        "{" OR_HEAD ",`choices`:[{`index`:0,`delta`:{},`finish_reason`:"
        "`error`,`error`:{`message`:`maximum context length exceeded`}}]}",
        NULL};
    body = body_of(NULL, own, 1);
    expect overflow = {MP_E_CONTEXT_OVERFLOW, "",
                       "stream error: maximum context length exceeded", 0,
                       NULL};
    every_way(body, &overflow, 0, &log);
    free(body);
}

/* --------------------------------------------------------------- Mistral */

#define MI_HEAD "`id`:`2f7b0c9e`,`object`:`chat.completion.chunk`,`created`:" \
                "1754000000,`model`:`magistral-medium-2507`"
#define MI(delta, fr) "{" MI_HEAD ",`choices`:[{`index`:0,`delta`:" delta \
                      ",`finish_reason`:" fr "}]}"

/* Magistral: thinking parts whose value is a list of text parts, then text
 * parts, then plain strings, usage on the finish chunk.  A part type we
 * cannot show (a citation reference) is skipped, with one debug log. */
static void test_mistral_nested_thinking_parts(void **state)
{
    (void)state;
    const char *chunks[] = {
        MI("{`role`:`assistant`,`content`:``}", "null"),
        MI("{`content`:[{`type`:`thinking`,`thinking`:[{`type`:`text`,`text`:"
           "`Okay, the user`}]}]}", "null"),
        MI("{`content`:[{`type`:`thinking`,`thinking`:[{`type`:`text`,`text`:"
           "` asks 2+2.`}]}]}", "null"),
        MI("{`content`:[{`type`:`text`,`text`:`2 + 2`}]}", "null"),
        MI("{`content`:[{`type`:`reference`,`reference_ids`:[1]}]}", "null"),
        MI("{`content`:` = 4.`}", "null"),
        "{" MI_HEAD ",`choices`:[{`index`:0,`delta`:{`content`:``},"
        "`finish_reason`:`stop`}],`usage`:{`prompt_tokens`:10,`total_tokens`:"
        "60,`completion_tokens`:50}}",
        NULL};
    char *body = body_of(NULL, chunks, 1);
    expect want = {MP_OK, MSG_START START REASON("Okay, the user")
                   REASON(" asks 2+2.") STOP START TEXT("2 + 2") TEXT(" = 4.")
                   STOP MSG_STOP("end_turn") USAGE(10, 50, 60), NULL, 0, NULL};
    debug_log log = {0};
    every_way(body, &want, 1, &log);
    /* One note per stream, however the body was cut. */
    assert_int_equal(log.count, (int)(strlen(body) + 1));
    assert_string_equal(log.last, "response: content part of type "
                        "\"reference\" skipped (only text and thinking parts "
                        "are read)");
    free(body);
}

/* ------------------------------------------------------------ Perplexity */

#define PX_HEAD "`id`: `a3c1f2d0`, `model`: `sonar-pro`, `created`: 1754000000"
#define PX_CITES "`citations`: [`https://example.org/sky`, `https://example.org/" \
                 "rayleigh`], `search_results`: [{`title`: `Why is the sky blue`," \
                 " `url`: `https://example.org/sky`, `date`: null}]"
#define PX_USAGE(c, t) "`usage`: {`prompt_tokens`: 10, `completion_tokens`: " \
                       #c ", `total_tokens`: " #t ", `search_context_size`: " \
                       "`low`, `citation_tokens`: 120, `num_search_queries`: 1}"
#define PX(object, usage, fr, whole, piece)                                  \
    "{" PX_HEAD ", " usage ", " PX_CITES ", `object`: `" object "`, "          \
    "`choices`: [{`index`: 0, `finish_reason`: " fr ", `message`: {`role`: " \
    "`assistant`, `content`: `" whole "`}, `delta`: {`role`: `assistant`, "  \
    "`content`: `" piece "`}}]}"

/* Cumulative usage on every chunk (the last wins, one metadata), the
 * whole text so far in "message" (ignored: the delta is the news), and a
 * last chunk whose object is chat.completion.done, with a delta that is
 * not lost; no [DONE] after it.  The done chunk completes the answer. */
static void test_perplexity_cumulative_usage_and_done_object(void **state)
{
    (void)state;
    const char *chunks[] = {
        PX("chat.completion.chunk", PX_USAGE(1, 11), "null", "The", "The"),
        PX("chat.completion.chunk", PX_USAGE(3, 13), "null", "The sky is",
           " sky is"),
        PX("chat.completion.done", PX_USAGE(5, 15), "`stop`",
           "The sky is blue.", " blue."),
        NULL};
    char *body = body_of(NULL, chunks, 0);
    expect want = {MP_OK, MSG_START START TEXT("The") TEXT(" sky is")
                   TEXT(" blue.") STOP MSG_STOP("end_turn") USAGE(10, 5, 15),
                   NULL, 0, "The sky is blue."};
    debug_log log = {0};
    every_way(body, &want, 1, &log);
    free(body);

    /* The done object is the end even without a finish_reason (Perplexity's
     * concise mode), and what a server sends after it is not read. */
    const char *concise[] = {
        PX("chat.completion.chunk", PX_USAGE(1, 11), "null", "The", "The"),
        PX("chat.completion.done", PX_USAGE(2, 12), "null", "The end",
           " end"),
        "{`not`: `read`, `choices`: `broken`}",
        NULL};
    body = body_of(NULL, concise, 0);
    expect ended = {MP_OK, MSG_START START TEXT("The") TEXT(" end") STOP
                    MSG_STOP("end_turn") USAGE(10, 2, 12), NULL, 0,
                    "The end"};
    every_way(body, &ended, 1, &log);
    free(body);
}

/* ------------------------------------------------ other chunk shapes */

/* Decision 27's other half: a chunk with no choices, no usage and no
 * error shape is a provider's metadata (a routing note, citations, a
 * heartbeat object) and changes nothing. */
static void test_metadata_only_chunk_is_harmless(void **state)
{
    (void)state;
    const char *chunks[] = {
        "{`id`:`x`,`object`:`chat.completion.chunk`,`created`:1,`model`:`m`,"
        "`system_fingerprint`:`fp_1`}",
        "{`choices`:[{`index`:0,`delta`:{`content`:`ok`},`finish_reason`:null}]}",
        "{`citations`:[`https://example.org`]}",
        "{`object`:`chat.completion.chunk`,`choices`:[{`index`:0,`delta`:{},"
        "`finish_reason`:`stop`}]}",
        "{`status`:`keepalive`}",
        NULL};
    char *body = body_of(NULL, chunks, 1);
    expect want = {MP_OK, MSG_START START TEXT("ok") STOP MSG_STOP("end_turn"),
                   NULL, 0, "ok"};
    debug_log log = {0};
    every_way(body, &want, 1, &log);
    free(body);
}

/* An object that says it is an error, without an "error" member: an
 * "object" ending in ".error", or "type": "error". */
static void test_chunk_that_says_it_is_an_error(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        "{`object`:`chat.completion.error`,`message`:`upstream overloaded`,"
        "`code`:503}",
        "{`type`:`error`,`message`:`upstream overloaded`,`code`:`503`}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const char *chunks[] = {
            "{`choices`:[{`index`:0,`delta`:{`content`:`a`},`finish_reason`:"
            "null}]}",
            shapes[i], NULL};
        char *body = body_of(NULL, chunks, 1);
        expect want = {MP_E_SERVER, MSG_START START TEXT("a"),
                       "stream error (HTTP 503): upstream overloaded", 503,
                       NULL};
        debug_log log = {0};
        every_way(body, &want, 0, &log);
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vllm_error_object_first_chunk),
        cmocka_unit_test(test_vllm_error_object_mid_stream),
        cmocka_unit_test(test_openrouter_finish_reason_error),
        cmocka_unit_test(test_finish_reason_error_without_error_object),
        cmocka_unit_test(test_mistral_nested_thinking_parts),
        cmocka_unit_test(test_perplexity_cumulative_usage_and_done_object),
        cmocka_unit_test(test_metadata_only_chunk_is_harmless),
        cmocka_unit_test(test_chunk_that_says_it_is_an_error),
    };
    return cmocka_run_group_tests_name("chunk_dialects", tests, NULL, NULL);
}
