/*
 * test_event_json.c - events rendered as the exact Strands StreamEvent JSON
 * (reference-behaviour 4.1; 8.2 cases 74-77 and 8.1 cases 24-25 at the
 * JSON level), with decisions 5, 8 and 9, and the struct-size rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../plugin/core/event_json.h"

static mp_str S(const char *s)
{
    mp_str m = {s, s ? strlen(s) : 0};
    return m;
}

/* Render and compare; the buffer starts with "prefix|" to check that
 * rendering appends. */
static void expect_json(const mp_event_header *ev, const char *expected)
{
    strbuf sb;
    sb_init(&sb, 1 << 20);
    sb_appends(&sb, "prefix|");
    assert_int_equal(lp_event_to_json(ev, &sb), MP_OK);
    assert_string_equal(sb.data + 7, expected);
    sb_free(&sb);
}

static void expect_invalid(const mp_event_header *ev)
{
    strbuf sb;
    sb_init(&sb, 1 << 20);
    sb_appends(&sb, "keep");
    assert_int_equal(lp_event_to_json(ev, &sb), MP_E_INVALID_ARGUMENT);
    assert_string_equal(sb.data, "keep"); /* nothing half-written */
    sb_free(&sb);
}

#define HDR(ev, t) ((ev).hdr.size = sizeof(ev), (ev).hdr.type = (t), &(ev).hdr)

static mp_event_block_start tool_start(const char *name, const char *id,
                                       const char *sig)
{
    mp_event_block_start e;
    memset(&e, 0, sizeof e);
    e.kind = MP_BLOCK_TOOL_USE;
    e.tool_name = S(name);
    e.tool_use_id = S(id);
    e.reasoning_signature = S(sig);
    return e;
}

static mp_event_block_delta delta(uint32_t kind, mp_str text)
{
    mp_event_block_delta e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.text = text;
    return e;
}

static mp_event_metadata usage(int64_t in, int64_t out, int64_t total,
                               int64_t read, int64_t write, int64_t latency,
                               int64_t ttfb)
{
    mp_event_metadata m;
    memset(&m, 0, sizeof m);
    m.input_tokens = in;
    m.output_tokens = out;
    m.total_tokens = total;
    m.cache_read_input_tokens = read;
    m.cache_write_input_tokens = write;
    m.latency_ms = latency;
    m.time_to_first_byte_ms = ttfb;
    m.cost_usd = -1; /* 1.1 fields: unknown unless a test sets them */
    m.reasoning_output_tokens = -1;
    return m;
}

/* 8.2 case 74: the twelve format_chunk cases. */
static void test_format_chunk(void **state)
{
    (void)state;
    mp_event_message_start ms;
    memset(&ms, 0, sizeof ms);
    ms.role = MP_ROLE_ASSISTANT;
    expect_json(HDR(ms, MP_EVENT_MESSAGE_START),
                "{\"messageStart\":{\"role\":\"assistant\"}}");

    mp_event_block_start ts = tool_start("calculator", "c1", NULL);
    expect_json(HDR(ts, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":"
                "\"calculator\",\"toolUseId\":\"c1\"}}}}");

    mp_event_block_start text_start;
    memset(&text_start, 0, sizeof text_start);
    text_start.kind = MP_BLOCK_TEXT;
    expect_json(HDR(text_start, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{}}}");

    mp_event_block_delta d = delta(MP_DELTA_TOOL_INPUT,
                                   S("{\"expression\": \"2+2\"}"));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":"
                "\"{\\\"expression\\\": \\\"2+2\\\"}\"}}}}");
    /* Arguments None: input "". */
    d = delta(MP_DELTA_TOOL_INPUT, S(NULL));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":\"\"}}}}");
    d = delta(MP_DELTA_REASONING_TEXT, S("I'm thinking"));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":"
                "{\"text\":\"I'm thinking\"}}}}");
    d = delta(MP_DELTA_TEXT, S("hello"));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"text\":\"hello\"}}}");

    mp_event_block_stop bs;
    memset(&bs, 0, sizeof bs);
    expect_json(HDR(bs, MP_EVENT_BLOCK_STOP), "{\"contentBlockStop\":{}}");

    static const struct {
        uint32_t reason;
        const char *json;
    } stops[] = {
        {MP_STOP_TOOL_USE, "{\"messageStop\":{\"stopReason\":\"tool_use\"}}"},
        {MP_STOP_MAX_TOKENS, "{\"messageStop\":{\"stopReason\":\"max_tokens\"}}"},
        {MP_STOP_END_TURN, "{\"messageStop\":{\"stopReason\":\"end_turn\"}}"},
    };
    for (size_t i = 0; i < 3; i++) {
        mp_event_message_stop st;
        memset(&st, 0, sizeof st);
        st.stop_reason = stops[i].reason;
        expect_json(HDR(st, MP_EVENT_MESSAGE_STOP), stops[i].json);
    }

    /* Metadata with details None; the reference's latencyMs is 0 and TTFB
     * unknown here. */
    mp_event_metadata md = usage(100, 50, 150, -1, -1, 0, -1);
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":100,\"outputTokens\""
                ":50,\"totalTokens\":150},\"metrics\":{\"latencyMs\":0}}}");
}

/* 8.2 case 75: an unknown type is refused (the reference raises). */
static void test_format_chunk_unknown_type(void **state)
{
    (void)state;
    mp_event_block_stop bs;
    memset(&bs, 0, sizeof bs);
    expect_invalid(HDR(bs, 99));
    expect_invalid(NULL);
}

/* 8.2 case 76 / 8.1 case 24: cache counts present. */
static void test_format_chunk_metadata_with_cache_tokens(void **state)
{
    (void)state;
    mp_event_metadata md = usage(100, 50, 150, 25, 10, 0, -1);
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":100,\"outputTokens\""
                ":50,\"totalTokens\":150,\"cacheReadInputTokens\":25,"
                "\"cacheWriteInputTokens\":10},\"metrics\":{\"latencyMs\":0}}}");
}

/* 8.2 case 77 / 8.1 case 25: zero or absent cache counts -> no keys. */
static void test_format_chunk_metadata_with_zero_cached_tokens(void **state)
{
    (void)state;
    mp_event_metadata md = usage(100, 50, 150, 0, -1, 0, -1);
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":100,\"outputTokens\""
                ":50,\"totalTokens\":150},\"metrics\":{\"latencyMs\":0}}}");
}

/* Decision 8: real latency and TTFB; unknown counts are 0. */
static void test_metadata_metrics(void **state)
{
    (void)state;
    mp_event_metadata md = usage(-1, -1, -1, -1, -1, 1234, 56);
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":0,\"outputTokens\""
                ":0,\"totalTokens\":0},\"metrics\":{\"latencyMs\":1234,"
                "\"timeToFirstByteMs\":56}}}");
    md = usage(1, 2, 3, -1, -1, 9, 0);
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":1,\"outputTokens\""
                ":2,\"totalTokens\":3},\"metrics\":{\"latencyMs\":9,"
                "\"timeToFirstByteMs\":0}}}");
}

/* Decision 9 and the other stop reasons. */
static void test_stop_reasons(void **state)
{
    (void)state;
    static const struct {
        uint32_t reason;
        const char *name;
    } cases[] = {
        {MP_STOP_CONTENT_FILTERED, "content_filtered"},
        {MP_STOP_STOP_SEQUENCE, "stop_sequence"},
        {MP_STOP_CANCELLED, "cancelled"},
    };
    for (size_t i = 0; i < 3; i++) {
        mp_event_message_stop st;
        memset(&st, 0, sizeof st);
        st.stop_reason = cases[i].reason;
        st.raw_finish_reason = S("whatever");
        char want[128];
        snprintf(want, sizeof want, "{\"messageStop\":{\"stopReason\":\"%s\"}}",
                 cases[i].name);
        expect_json(HDR(st, MP_EVENT_MESSAGE_STOP), want);
    }
    mp_event_message_stop st;
    memset(&st, 0, sizeof st);
    st.stop_reason = 77;
    expect_invalid(HDR(st, MP_EVENT_MESSAGE_STOP));
}

/* Decision 5 and reference 5: signatures. */
static void test_signatures(void **state)
{
    (void)state;
    mp_event_block_delta d = delta(MP_DELTA_REASONING_SIGNATURE, S("EqoB=="));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":"
                "{\"signature\":\"EqoB==\"}}}}");
    mp_event_block_start ts = tool_start("g", "c__thought__XYZ", "XYZ");
    expect_json(HDR(ts, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":\"g\","
                "\"toolUseId\":\"c__thought__XYZ\",\"reasoningSignature\":\"XYZ\"}}}}");
    /* An empty signature is no signature. */
    ts = tool_start("g", "c", "");
    expect_json(HDR(ts, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":\"g\","
                "\"toolUseId\":\"c\"}}}}");
}

/* Strings are escaped; NULs inside use the length; reasoning blocks start
 * like text. */
static void test_escaping_and_kinds(void **state)
{
    (void)state;
    mp_str nul = {"a\0b\"\\\n\x01", 7};
    mp_event_block_delta d = delta(MP_DELTA_TEXT, nul);
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"text\":"
                "\"a\\u0000b\\\"\\\\\\n\\u0001\"}}}");
    d = delta(MP_DELTA_TEXT, S("\xC3\xA9\xE2\x80\x94"));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"text\":\"\xC3\xA9\xE2\x80\x94\"}}}");
    mp_event_block_start rs;
    memset(&rs, 0, sizeof rs);
    rs.kind = MP_BLOCK_REASONING;
    expect_json(HDR(rs, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{}}}");
    rs.kind = 9;
    expect_invalid(HDR(rs, MP_EVENT_BLOCK_START));
    d = delta(42, S("x"));
    expect_invalid(HDR(d, MP_EVENT_BLOCK_DELTA));
    /* A tool start without a name: null, as Strands would hold None. */
    mp_event_block_start ts = tool_start(NULL, "id", NULL);
    expect_json(HDR(ts, MP_EVENT_BLOCK_START),
                "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":null,"
                "\"toolUseId\":\"id\"}}}}");
}

/* hdr.size: fields beyond it are never read. */
static void test_respects_event_size(void **state)
{
    (void)state;
    /* A metadata event from an older, smaller struct: no TTFB read. */
    mp_event_metadata md = usage(1, 2, 3, 4, 5, 6, 7);
    md.hdr.type = MP_EVENT_METADATA;
    md.hdr.size = (uint32_t)offsetof(mp_event_metadata, time_to_first_byte_ms);
    expect_json(&md.hdr,
                "{\"metadata\":{\"usage\":{\"inputTokens\":1,\"outputTokens\""
                ":2,\"totalTokens\":3,\"cacheReadInputTokens\":4,"
                "\"cacheWriteInputTokens\":5},\"metrics\":{\"latencyMs\":6}}}");
    md.hdr.size = (uint32_t)offsetof(mp_event_metadata, cache_read_input_tokens);
    expect_json(&md.hdr,
                "{\"metadata\":{\"usage\":{\"inputTokens\":1,\"outputTokens\""
                ":2,\"totalTokens\":3},\"metrics\":{\"latencyMs\":0}}}");
    /* A tool start too small for its id; a delta without its text. */
    mp_event_block_start ts = tool_start("n", "i", "s");
    ts.hdr.type = MP_EVENT_BLOCK_START;
    ts.hdr.size = (uint32_t)offsetof(mp_event_block_start, tool_use_id);
    expect_invalid(&ts.hdr);
    /* ... but big enough without the signature: no signature read. */
    ts.hdr.size = (uint32_t)offsetof(mp_event_block_start, reasoning_signature);
    expect_json(&ts.hdr,
                "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":\"n\","
                "\"toolUseId\":\"i\"}}}}");
    mp_event_block_delta d = delta(MP_DELTA_TEXT, S("x"));
    d.hdr.type = MP_EVENT_BLOCK_DELTA;
    d.hdr.size = (uint32_t)offsetof(mp_event_block_delta, text);
    expect_invalid(&d.hdr);
    mp_event_header tiny = {2, MP_EVENT_BLOCK_STOP, 0};
    expect_invalid(&tiny);
}

/* ABI 1.1: redacted reasoning as base64 of its bytes (all three padding
 * cases, and bytes that are not text). */
static void test_redacted_reasoning(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        const char *b64;
    } cases[] = {
        {"EncryptedData", 13, "RW5jcnlwdGVkRGF0YQ=="},
        {"abc", 3, "YWJj"},
        {"ab", 2, "YWI="},
        {"\0\xff\x10", 3, "AP8Q"},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mp_str bytes = {cases[i].bytes, cases[i].len};
        mp_event_block_delta d = delta(MP_DELTA_REDACTED_REASONING, bytes);
        char want[160];
        snprintf(want, sizeof want, "{\"contentBlockDelta\":{\"delta\":{"
                 "\"reasoningContent\":{\"redactedContent\":\"%s\"}}}}",
                 cases[i].b64);
        expect_json(HDR(d, MP_EVENT_BLOCK_DELTA), want);
    }
}

/* ABI 1.1: a citation is a JSON object, written compactly; anything else
 * is refused. */
static void test_citation(void **state)
{
    (void)state;
    mp_event_block_delta d = delta(MP_DELTA_CITATION, S(
        "{ \"title\": \"Doc\", \"sourceContent\": [{\"text\": \"cited\"}],\n"
        "  \"location\": {\"documentChar\": {\"documentIndex\": 0, \"start\": 12,"
        " \"end\": 123456789012345678901234567890}}}"));
    expect_json(HDR(d, MP_EVENT_BLOCK_DELTA),
                "{\"contentBlockDelta\":{\"delta\":{\"citation\":{\"title\":"
                "\"Doc\",\"sourceContent\":[{\"text\":\"cited\"}],\"location\":"
                "{\"documentChar\":{\"documentIndex\":0,\"start\":12,\"end\":"
                "123456789012345678901234567890}}}}}}");
    const char *bad[] = {"", "[1]", "\"text\"", "{\"a\":", "{} {}", NULL};
    for (int i = 0; bad[i]; i++) {
        d = delta(MP_DELTA_CITATION, S(bad[i]));
        expect_invalid(HDR(d, MP_EVENT_BLOCK_DELTA));
    }
}

/* ABI 1.1: cost and reasoning tokens, under the Strands branches' names;
 * a v1.0-sized event (an older producer) has neither. */
static void test_metadata_cost_and_reasoning(void **state)
{
    (void)state;
    mp_event_metadata md = usage(10, 20, 30, -1, -1, 5, -1);
    md.cost_usd = 0.000123;
    md.reasoning_output_tokens = 7;
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\""
                ":20,\"totalTokens\":30,\"totalCostUsd\":0.000123,"
                "\"reasoningOutputTokens\":7},\"metrics\":{\"latencyMs\":5}}}");
    md.cost_usd = 0; /* a free call is a cost of 0, shown */
    md.reasoning_output_tokens = 0;
    expect_json(HDR(md, MP_EVENT_METADATA),
                "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\""
                ":20,\"totalTokens\":30,\"totalCostUsd\":0.0},\"metrics\":"
                "{\"latencyMs\":5}}}");
    md.cost_usd = 2.5;
    md.reasoning_output_tokens = 7;
    md.hdr.size = 64; /* what a 1.0 plugin sends */
    md.hdr.type = MP_EVENT_METADATA;
    expect_json(&md.hdr,
                "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\""
                ":20,\"totalTokens\":30},\"metrics\":{\"latencyMs\":5}}}");
}

static mp_event_response_info info_event(void)
{
    mp_event_response_info e;
    memset(&e, 0, sizeof e);
    e.http_status = 200;
    e.attempts = 2;
    e.attempted_retries = 1;
    e.attempted_fallbacks = -1;
    e.ratelimit_remaining_requests = 99;
    e.ratelimit_remaining_tokens = -1;
    e.cost_usd = -1;
    e.call_id = S("call-\"1\"");
    e.ratelimit_reset_requests = S("1s");
    e.headers_json = S("{\"x-litellm-call-id\":\"call-\\\"1\\\"\"}");
    return e;
}

/* ABI 1.1: RESPONSE_INFO as {"responseInfo":...}, absent values left out,
 * the headers' JSON checked (a broken one is refused, not passed on). */
static void test_response_info(void **state)
{
    (void)state;
    mp_event_response_info e = info_event();
    expect_json(HDR(e, MP_EVENT_RESPONSE_INFO),
                "{\"responseInfo\":{\"httpStatus\":200,\"attempts\":2,\"callId\":"
                "\"call-\\\"1\\\"\",\"attemptedRetries\":1,\"rateLimit\":"
                "{\"remainingRequests\":99,\"resetRequests\":\"1s\"},\"headers\":"
                "{\"x-litellm-call-id\":\"call-\\\"1\\\"\"}}}");
    e.cost_usd = 0.5;
    e.ratelimit_remaining_requests = -1;
    e.ratelimit_reset_requests = S(NULL);
    e.headers_json = S(NULL);
    e.model_group = S("gpt-4o");
    expect_json(HDR(e, MP_EVENT_RESPONSE_INFO),
                "{\"responseInfo\":{\"httpStatus\":200,\"attempts\":2,\"callId\":"
                "\"call-\\\"1\\\"\",\"modelGroup\":\"gpt-4o\",\"attemptedRetries\":1,"
                "\"costUsd\":0.5}}");
    e.headers_json = S("[\"not\",\"an object\"]");
    expect_invalid(HDR(e, MP_EVENT_RESPONSE_INFO));
    e.headers_json = S("{\"cut");
    expect_invalid(HDR(e, MP_EVENT_RESPONSE_INFO));
    /* Too small for its first fields. */
    e = info_event();
    e.hdr.size = 12;
    e.hdr.type = MP_EVENT_RESPONSE_INFO;
    expect_invalid(&e.hdr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_chunk),
        cmocka_unit_test(test_format_chunk_unknown_type),
        cmocka_unit_test(test_format_chunk_metadata_with_cache_tokens),
        cmocka_unit_test(test_format_chunk_metadata_with_zero_cached_tokens),
        cmocka_unit_test(test_metadata_metrics),
        cmocka_unit_test(test_stop_reasons),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_escaping_and_kinds),
        cmocka_unit_test(test_respects_event_size),
        cmocka_unit_test(test_redacted_reasoning),
        cmocka_unit_test(test_citation),
        cmocka_unit_test(test_metadata_cost_and_reasoning),
        cmocka_unit_test(test_response_info),
    };
    return cmocka_run_group_tests_name("event_json", tests, NULL, NULL);
}
