/*
 * test_anthropic_transcripts.c - the wire-replay cases of anthropic-wire.md
 * 8.4 (160-172): the recordings in LP_TRANSCRIPTS_DIR/anthropic/ (read in
 * place, never copied; skipped when ../shared is missing) through the
 * Anthropic mapper and error classifier.
 *
 * Each stream is mapped whole, byte by byte, split in two at every byte
 * (near every line end for the two long recordings), and in random cuts;
 * every feeding must give exactly the events of the whole one, and those
 * are checked against the case.  Usage follows section 0: cached
 * input is part of inputTokens.
 */
#include "anthropic_stream_util.h"

#include "../../plugin/core/errors.h"
#include "../support/it_harness.h"

#define DIR LP_TRANSCRIPTS_DIR "/anthropic/"

typedef struct mapped {
    char *events;        /* the events' JSON lines */
    json_object *message; /* the assembled message */
    char stop[32];
    int rc;
    mp_error err;
    rt_log log;
} mapped;

static void mapped_free(mapped *m)
{
    free(m->events);
    json_object_put(m->message);
}

/* Map `body` fed in the pieces that `cuts` (ascending, ends excluded)
 * mark; n_cuts 0 = whole, (size_t)-1 = one byte at a time. */
static void map_cut(const char *body, size_t len, const size_t *cuts,
                    size_t n_cuts, int light, mapped *out)
{
    arec r;
    arec_init(&r);
    r.lg.fn = NULL; /* nobody reads the log of a light run */
    if (!light)
        r.lg.fn = rt_capture;
    int rc = MP_OK;
    size_t at = 0;
    for (size_t c = 0; !rc && at < len; c++) {
        size_t end = n_cuts == (size_t)-1 ? at + 1
                     : c < n_cuts         ? cuts[c] : len;
        rc = an_mapper_feed(&r.m, body + at, end - at, &r.err);
        at = end;
    }
    if (!rc)
        rc = an_mapper_finish(&r.m, 0, 0, &r.err);
    out->rc = rc;
    out->events = strdup(arec_text(&r));
    out->message = NULL;
    if (!light) { /* the same events make the same message and log */
        out->err = r.err;
        out->log = r.log;
        const char *stop = asm_stop_reason(&r.as);
        snprintf(out->stop, sizeof out->stop, "%s", stop ? stop : "");
        out->message = asm_take_message(&r.as);
    }
    arec_free(&r);
}

/* Files up to this size are split in two at every byte. */
#define SPLIT_ALL_MAX 4096

static int near_line_end(const char *body, size_t len, size_t k)
{
    for (size_t d = 0; d < 3; d++)
        if ((k >= d + 1 && body[k - d - 1] == '\n') ||
            (k + d < len && body[k + d] == '\n'))
            return 1;
    return 0;
}

/* The case's events, the same whatever the feeding. */
static void replay(const char *name, mapped *whole)
{
    char path[1024];
    snprintf(path, sizeof path, DIR "%s", name);
    size_t len;
    char *body = it_read_file(path, &len);
    if (!body)
        fail_msg("cannot read %s", path);
    map_cut(body, len, NULL, 0, 0, whole);
    mapped other;
    map_cut(body, len, NULL, (size_t)-1, 1, &other);
    assert_string_equal(other.events, whole->events);
    assert_int_equal(other.rc, whole->rc);
    mapped_free(&other);
    /* In two at every byte; for the two long recordings (F2, F7) at every
     * byte around each line end (where the framing is decided) instead,
     * which keeps the run short, plus random cuts throughout. */
    for (size_t k = 1; k < len; k++) {
        if (len > SPLIT_ALL_MAX && !near_line_end(body, len, k))
            continue;
        map_cut(body, len, &k, 1, 1, &other);
        if (strcmp(other.events, whole->events) != 0 || other.rc != whole->rc)
            fail_msg("%s split at byte %zu: events differ", name, k);
        mapped_free(&other);
    }
    unsigned seed = 12345;
    for (int round = 0; round < 20; round++) {
        size_t cuts[512], n = 0;
        for (size_t at = 0; n < 512;) {
            seed = seed * 1103515245u + 12345u;
            at += 1 + (seed >> 16) % 97;
            if (at >= len)
                break;
            cuts[n++] = at;
        }
        map_cut(body, len, cuts, n, 1, &other);
        if (strcmp(other.events, whole->events) != 0 || other.rc != whole->rc)
            fail_msg("%s random cuts (round %d): events differ", name, round);
        mapped_free(&other);
    }
    free(body);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static json_object *content_at(json_object *message, size_t i)
{
    json_object *content = rt_member(message, "content");
    assert_true(i < json_object_array_length(content));
    return json_object_array_get_idx(content, i);
}

#define SKIP_WITHOUT_SHARED() \
    do {                      \
        if (!it_transcripts_dir()) \
            skip();           \
    } while (0)

/* 160 F1 */
static void test_replay_anthropic_sonnet45_text_ping_padding(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_sonnet45_text_ping_padding.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_string_equal(m.events, requote(
        A_START A_BSTART A_TEXT("[") A_TEXT("12") A_TEXT("345,")
        A_TEXT("67890]") A_BSTOP A_STOP("end_turn") A_USAGE(135, 10, 145),
        '`'));
    rt_assert_json(rt_member(m.message, "content"),
                   J("[{'text':'[12345,67890]'}]"));
    mapped_free(&m);
}

/* 161 F2 (the worked example of 3.8) */
static void test_replay_anthropic_sonnet4_thinking_signature_text(void **s)
{
    (void)s;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_sonnet4_thinking_signature_text.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_int_equal(count_of(m.events, "\"reasoningContent\":{\"text\""), 14);
    assert_int_equal(count_of(m.events, "\"signature\""), 1);
    assert_int_equal(count_of(m.events, "{\"contentBlockDelta\":{\"delta\":"
                                        "{\"text\""), 95);
    assert_int_equal(count_of(m.events, "contentBlockStart"), 2);
    assert_non_null(strstr(m.events, requote(A_STOP("end_turn")
                                             A_USAGE(43, 282, 325), '`')));
    json_object *rt = rt_member(rt_member(content_at(m.message, 0),
                                          "reasoningContent"),
                                "reasoningText");
    const char *sig = json_object_get_string(rt_member(rt, "signature"));
    assert_int_equal(strlen(sig), 504);
    assert_int_equal(strncmp(json_object_get_string(rt_member(rt, "text")),
                             "This", 4), 0);
    assert_non_null(json_object_object_get_ex(content_at(m.message, 1),
                                              "text", NULL) ? "text" : NULL);
    mapped_free(&m);
}

/* 162 F3: the cache write is part of inputTokens (section 0). */
static void test_replay_anthropic_haiku45_cache_creation_usage(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_haiku45_cache_creation_usage.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_string_equal(m.events, requote(
        A_START A_BSTART A_TEXT("OK") A_TEXT(".") A_BSTOP A_STOP("end_turn")
        "{`metadata`:{`usage`:{`inputTokens`:4211,`outputTokens`:5,"
        "`totalTokens`:4216,`cacheWriteInputTokens`:4202},`metrics`:"
        "{`latencyMs`:0,`timeToFirstByteMs`:0}}}\n", '`'));
    mapped_free(&m);
}

/* 163 F4 */
static void test_replay_anthropic_haiku45_tool_args_split_caller(void **s)
{
    (void)s;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_haiku45_tool_args_split_caller.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    /* Started before any input, at once. */
    const char *start = requote(A_START A_TOOL("get_weather",
                                               "toolu_018acGYLtfR52q9yDbWaEdQZ")
                                A_INPUT(""), '`');
    assert_int_equal(strncmp(m.events, start, strlen(start)), 0);
    assert_int_equal(count_of(m.events, "\"toolUse\":{\"input\""), 10);
    rt_assert_json(rt_member(rt_member(content_at(m.message, 0), "toolUse"),
                             "input"),
                   J("{'location':'San Francisco, CA','units':'f'}"));
    assert_string_equal(m.stop, "tool_use");
    assert_non_null(strstr(m.events, requote(A_USAGE(656, 74, 730), '`')));
    mapped_free(&m);
}

/* 164 F5: message_start's input, message_delta's output. */
static void test_replay_anthropic_opus3_text_then_tool_use(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_opus3_text_then_tool_use.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_int_equal(count_of(m.events, "{\"contentBlockDelta\":{\"delta\":"
                                        "{\"text\""), 14);
    assert_non_null(strstr(m.events, requote(
        A_TOOL("get_weather", "toolu_016tMRxcvkC82nkYxLpk2cHm"), '`')));
    json_object *tu = rt_member(content_at(m.message, 1), "toolUse");
    rt_assert_json(rt_member(tu, "input"), J("{'location':'Madrid, Spain'}"));
    assert_true(json_object_object_get_ex(content_at(m.message, 0), "text",
                                          NULL));
    assert_string_equal(m.stop, "tool_use");
    assert_non_null(strstr(m.events, requote(A_STOP("tool_use")
                                             A_USAGE(610, 131, 741), '`')));
    mapped_free(&m);
}

/* 165 F6: a tool without parameters gets one "" piece; input {}. */
static void test_replay_anthropic_haiku45_parallel_tools_no_args(void **s)
{
    (void)s;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_haiku45_parallel_tools_no_args.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_string_equal(m.events, requote(
        A_START A_TOOL("pelican_name_generator",
                       "toolu_01LtHJmixrs9NcWQkK8hu8hj") A_INPUT("") A_BSTOP
        A_TOOL("pelican_name_generator", "toolu_01N8a4jWyf116qKTMqKKmjyt")
        A_INPUT("") A_BSTOP A_STOP("tool_use") A_USAGE(542, 62, 604), '`'));
    for (size_t i = 0; i < 2; i++)
        rt_assert_json(rt_member(rt_member(content_at(m.message, i),
                                           "toolUse"), "input"), "{}");
    mapped_free(&m);
}

/* 166 F7: the server-tool blocks 0 and 1 give nothing, the ten text
 * blocks follow in order; message_delta's input (10423) wins. */
static void test_replay_anthropic_opus41_web_search_citations(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_opus41_web_search_citations.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_int_equal(count_of(m.events, "contentBlockStart"), 10);
    assert_int_equal(count_of(m.events, "toolUse"), 0);
    assert_non_null(strstr(m.events, requote(A_STOP("end_turn")
                                             A_USAGE(10423, 341, 10764),
                                             '`')));
    assert_int_equal(json_object_array_length(rt_member(m.message, "content")),
                     10);
    /* The five cited blocks: one citation (a web location) right after
     * the block's start, before its text. */
    assert_int_equal(count_of(m.events, "{\"contentBlockDelta\":{\"delta\":"
                                        "{\"citation\":"), 5);
    assert_int_equal(count_of(m.events, "{\"contentBlockStart\":{\"start\":"
                                        "{}}}\n{\"contentBlockDelta\":{"
                                        "\"delta\":{\"citation\":{"), 5);
    assert_int_equal(count_of(m.events, "\"location\":{\"web\":{\"url\":"),
                     5);
    json_object *content = rt_member(m.message, "content");
    int cited = 0;
    for (size_t i = 0; i < json_object_array_length(content); i++)
        cited += json_object_object_get_ex(json_object_array_get_idx(
                                               content, i),
                                           "citationsContent", NULL);
    assert_int_equal(cited, 5);
    /* A host of ABI 1.0 gets the text without them, told once. */
    char path[1024];
    snprintf(path, sizeof path, DIR "anthropic_opus41_web_search_citations.sse");
    size_t len;
    char *body = it_read_file(path, &len);
    assert_non_null(body);
    arec r;
    arec_init_minor(&r, 0);
    assert_int_equal(arec_feed(&r, body, len, 0), MP_OK);
    assert_null(strstr(arec_text(&r), "citation"));
    assert_int_equal(count_of(arec_text(&r), "contentBlockStart"), 10);
    assert_int_equal(at_count(&r.log, "citations were left out"), 1);
    arec_free(&r);
    free(body);
    mapped_free(&m);
}

/* 167 F8 */
static void test_replay_anthropic_haiku45_stop_sequence(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("anthropic_haiku45_stop_sequence.sse", &m);
    assert_int_equal(m.rc, MP_OK);
    assert_string_equal(m.stop, "stop_sequence");
    assert_non_null(strstr(m.events, requote(A_STOP("stop_sequence")
                                             A_USAGE(16, 28, 44), '`')));
    assert_null(strstr(json_object_get_string(rt_member(content_at(
                           m.message, 0), "text")), "```"));
    mapped_free(&m);
}

/* 168 F9: a typed server error after the partial text; the answer is
 * never finished. */
static void test_replay_synth_anthropic_midstream_api_error(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mapped m;
    replay("synth_anthropic_midstream_api_error.sse", &m);
    assert_int_equal(m.rc, MP_E_SERVER);
    assert_string_equal(m.events, requote(
        A_START A_BSTART A_TEXT("d with a replacement character") A_TEXT(" ("),
        '`'));
    assert_int_equal(m.err.http_status, 200);
    assert_string_equal(m.err.provider_code, "api_error");
    assert_non_null(strstr(m.err.message, "Internal server error"));
    assert_string_equal(m.stop, "");
    mapped_free(&m);
}

/* 169 F10: a whole answer as the events of section 4. */
static void test_replay_anthropic_200_nonstream_text_tool_use(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    size_t len;
    char *body = it_read_file(DIR "anthropic_200_nonstream_text_tool_use.json",
                              &len);
    assert_non_null(body);
    arec r;
    arec_init(&r);
    assert_int_equal(an_mapper_whole(&r.m, body, len, 0, 0, &r.err), MP_OK);
    assert_aevents(&r, A_START A_BSTART
                   A_TEXT("I'll get the weather for each of those cities. "
                          "Let me start by checking San Francisco.")
                   A_BSTOP A_TOOL("get_weather",
                                  "toolu_01LRanfq6DmHn1yDTB4d1SAh")
                   A_INPUT("{\\\"location\\\":\\\"San Francisco, CA\\\","
                           "\\\"units\\\":\\\"f\\\"}")
                   A_BSTOP A_STOP("tool_use") A_USAGE(701, 93, 794));
    free(body);
    arec_free(&r);
}

/* An error fixture classified with its recorded status and headers. */
static int classify_fixture(const char *name, int status, const char *headers,
                            mp_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, DIR "%s", name);
    size_t len;
    char *body = it_read_file(path, &len);
    assert_non_null(body);
    lp_http_reply reply = {status, body, len, headers,
                           headers ? strlen(headers) : 0};
    *err = (mp_error)MP_ERROR_INIT;
    int rc = an_classify_http(&reply, NULL, err);
    free(body);
    return rc;
}

/* 170 F11 */
static void test_replay_anthropic_429_rate_limit_error(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mp_error err;
    assert_int_equal(classify_fixture("anthropic_429_rate_limit_error.json",
                                      429, "content-type: application/json\r\n"
                                      "content-length: 606\r\n"
                                      "x-should-retry: true\r\n", &err),
                     MP_E_THROTTLED);
    assert_int_equal(err.retryable, 1);
    assert_int_equal(err.retry_after_ms, -1);
    assert_int_equal(err.http_status, 429);
    assert_string_equal(err.provider_code, "rate_limit_error");
    /* The provider's message, after the status. */
    assert_int_equal(strncmp(err.message, "HTTP 429: This request would "
                             "exceed your organization's rate limit", 66), 0);
    assert_non_null(strstr(err.message, "req_011CYK5n67SytMUxm8WMZUWY"));
}

/* 171 F12: a 400 that is not an overflow. */
static void test_replay_anthropic_400_invalid_request_tool_result(void **s)
{
    (void)s;
    SKIP_WITHOUT_SHARED();
    mp_error err;
    assert_int_equal(classify_fixture(
                         "anthropic_400_invalid_request_tool_result.json",
                         400, "x-should-retry: false\r\n", &err),
                     MP_E_BAD_REQUEST);
    assert_int_equal(err.retryable, 0);
    assert_non_null(strstr(err.message, "req_011CYHyk9NPsBYeGbC9LuDNK"));
    assert_non_null(strstr(err.message, "unexpected `tool_use_id`"));
}

/* 172 F13 */
static void test_replay_anthropic_400_prompt_too_long(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED();
    mp_error err;
    assert_int_equal(classify_fixture("anthropic_400_prompt_too_long.json",
                                      400, NULL, &err),
                     MP_E_CONTEXT_OVERFLOW);
    assert_int_equal(err.retryable, 0);
    assert_non_null(strstr(err.message, "prompt is too long: 219898 tokens "
                                        "> 200000 maximum"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_anthropic_sonnet45_text_ping_padding),
        cmocka_unit_test(test_replay_anthropic_sonnet4_thinking_signature_text),
        cmocka_unit_test(test_replay_anthropic_haiku45_cache_creation_usage),
        cmocka_unit_test(test_replay_anthropic_haiku45_tool_args_split_caller),
        cmocka_unit_test(test_replay_anthropic_opus3_text_then_tool_use),
        cmocka_unit_test(test_replay_anthropic_haiku45_parallel_tools_no_args),
        cmocka_unit_test(test_replay_anthropic_opus41_web_search_citations),
        cmocka_unit_test(test_replay_anthropic_haiku45_stop_sequence),
        cmocka_unit_test(test_replay_synth_anthropic_midstream_api_error),
        cmocka_unit_test(test_replay_anthropic_200_nonstream_text_tool_use),
        cmocka_unit_test(test_replay_anthropic_429_rate_limit_error),
        cmocka_unit_test(test_replay_anthropic_400_invalid_request_tool_result),
        cmocka_unit_test(test_replay_anthropic_400_prompt_too_long),
    };
    return cmocka_run_group_tests_name("anthropic: recorded streams", tests,
                                       NULL, NULL);
}
