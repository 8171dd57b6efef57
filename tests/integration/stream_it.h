/*
 * stream_it.h - assertions shared by the stream() integration programs
 * (test_stream_*.c, test_request_wire.c): the outcome of one it_call (its
 * status, its typed error, its events) and "one call that must succeed,
 * and what the server received for it".  Also the events that the shared
 * scenario files yield, so each is written down once.
 *
 * Header-only, like structured_it.h: the Makefile builds each
 * tests/integration/test_*.c as its own program, and tests/support stays
 * free of cmocka for the benchmarks.  Include it after cmocka.h.
 */
#ifndef STREAM_IT_H
#define STREAM_IT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/it_harness.h"

/* The events of it_ok_text.scn (and it_req.scn), metrics normalised. */
#define ST_HELLO_EVENTS                                                      \
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"                          \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Hello\"}}}\n"             \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\", world\"}}}\n"           \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"                      \
    "{\"metadata\":{\"usage\":{\"inputTokens\":3,\"outputTokens\":2,"        \
    "\"totalTokens\":5},\"metrics\":{\"latencyMs\":0,"                      \
    "\"timeToFirstByteMs\":0}}}\n"

/* The one message of an_pause_1.scn (paused) then an_pause_2.scn (its
 * continuation): usage summed over both, metrics normalised. */
#define ST_AN_PAUSE_EVENTS                                                   \
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"                          \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Searching. \"}}}\n"       \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Agents are "              \
    "autonomous.\"}}}\n"                                                     \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"                      \
    "{\"metadata\":{\"usage\":{\"inputTokens\":11,\"outputTokens\":7,"       \
    "\"totalTokens\":18},\"metrics\":{\"latencyMs\":0,"                      \
    "\"timeToFirstByteMs\":0}}}\n"

/* Reference case 17 (test_stream_non_streaming), the answer of
 * it_nonstream.scn: 12 events, with our metrics (latency and TTFB,
 * normalised to 0 here). */
#define ST_CASE17_EVENTS                                                     \
    "{\"messageStart\":{\"role\":\"assistant\"}}\n"                          \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":{\"text\":"     \
    "\"Let me think about this calculation\"}}}}\n"                          \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"contentBlockStart\":{\"start\":{}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"text\":\"I'll calculate that for " \
    "you\"}}}\n"                                                             \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"name\":\"calculator\"," \
    "\"toolUseId\":\"tool_call_id_123\"}}}}\n"                               \
    "{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":"             \
    "\"{\\\"expression\\\": \\\"123981723 + 234982734\\\"}\"}}}}\n"          \
    "{\"contentBlockStop\":{}}\n"                                            \
    "{\"messageStop\":{\"stopReason\":\"tool_use\"}}\n"                      \
    "{\"metadata\":{\"usage\":{\"inputTokens\":10,\"outputTokens\":20,"      \
    "\"totalTokens\":30},\"metrics\":{\"latencyMs\":0,"                      \
    "\"timeToFirstByteMs\":0}}}\n"

/* Unset every variable the anthropic/ route reads (keys, bases, the
 * max_tokens default, the proxy switch) and the proxy's. */
static inline void st_an_clear_env(void)
{
    static const char *const names[] = {
        "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_BASE",
        "ANTHROPIC_BASE_URL", "DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS",
        "USE_LITELLM_PROXY"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unsetenv(names[i]);
    it_clear_provider_env();
}

/* cmocka fixtures of an anthropic/ program: the group loads the plugin,
 * and each test starts without the variables another may have set. */
static inline int st_an_group_setup(void **state)
{
    st_an_clear_env();
    return it_group_setup(state);
}

static inline int st_an_group_teardown(void **state)
{
    st_an_clear_env();
    return it_group_teardown(state);
}

static inline int st_an_each(void **state)
{
    (void)state;
    st_an_clear_env();
    return 0;
}

/* The call ended with `code`; the failure names both statuses. */
static inline void st_expect_rc(const it_call *c, int code)
{
    if (c->rc != code)
        fail_msg("got %s (%s), want %s", mp_errname(c->rc), c->err.message,
                 mp_errname(code));
}

static inline void st_expect_message(const it_call *c, const char *needle)
{
    if (!strstr(c->err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", c->err.message, needle);
}

/* The typed error, field by field: code, http_status, retryable,
 * retry_after_ms, provider_code (not checked when NULL); `needle` is in
 * the message and `secret` (when not NULL) is not. */
static inline void st_expect_error(const it_call *c, int code, int http,
                                   int retryable, int64_t retry_after,
                                   const char *provider_code,
                                   const char *needle, const char *secret)
{
    st_expect_rc(c, code);
    assert_int_equal(c->err.code, code);
    assert_int_equal(c->err.http_status, http);
    assert_int_equal(c->err.retryable, retryable);
    assert_int_equal(c->err.retry_after_ms, retry_after);
    if (provider_code)
        assert_string_equal(c->err.provider_code, provider_code);
    st_expect_message(c, needle);
    if (secret && strstr(c->err.message, secret))
        fail_msg("the API key leaked into \"%s\"", c->err.message);
}

/* The events as JSON lines, metrics normalised, are exactly `want`. */
static inline void st_expect_events(const it_events *ev, const char *want)
{
    int64_t latency, ttfb;
    char *got = it_normalise_metrics(ev->json.data ? ev->json.data : "",
                                     &latency, &ttfb);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* The call succeeded with exactly these events. */
static inline void st_expect_ok_events(const it_call *c, const char *want)
{
    st_expect_rc(c, MP_OK);
    st_expect_events(&c->ev, want);
}

/* One call with these texts (request NULL: the hello request) that must
 * succeed with a whole message and reach `m` as exactly one request;
 * returns the request the server recorded (put it). */
static inline json_object *st_send_ok(const mock_proc *m, const char *config,
                                      const char *client_args,
                                      const char *request)
{
    int before = it_chat_count(m);
    it_call c;
    it_call_run(&c, config, client_args, request);
    st_expect_rc(&c, MP_OK);
    assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
    it_call_free(&c);
    assert_int_equal(it_chat_count(m), before + 1);
    return it_last_chat(m);
}

#endif
