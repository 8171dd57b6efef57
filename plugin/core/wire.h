/*
 * wire.h - the seam between the core and a wire format.
 *
 * A wire adapter is one provider API's shape on the wire: OpenAI's
 * /chat/completions (openai_chat/), Anthropic's Messages API
 * (anthropic/).  The core (config, transport, retries, events, structured
 * output) only ever calls through this table; it never asks which API it
 * is talking to.  An adapter does four things:
 *
 *   1. build the request body for a parsed, checked Strands request;
 *   2. add its own headers to the route's (auth and extras come from the
 *      route, see route.h; the adapter adds Accept, API versions, ...);
 *   3. map the response bytes to events: streamed (fed as they arrive)
 *      or whole (one body);
 *   4. classify an HTTP error body into a typed mp_error.
 *
 * Which adapter serves a call, and the URL it goes to, is the route's
 * business (plugin/route/): a model id prefix picks a row of the route
 * table, and the row names its adapter.
 *
 * Thread: an adapter is a static table of pure functions; a mapper serves
 * one call on one thread.
 */
#ifndef LP_WIRE_H
#define LP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "config.h"
#include "event_emit.h"
#include "http_reply.h"
#include "log.h"
#include "strbuf.h"

struct curl_slist;
struct json_object;
struct rf_request;
struct lp_route;

/* What a call asks for beyond a plain stream() (NULL or zeroed: plain).
 * Both are structured output's two ways to ask (decisions 18-20); each
 * adapter writes them in its own API's terms. */
typedef struct lp_call_options {
    /* Ask for JSON that follows a schema: {"name","schema","strict",
     * "description"?} as OpenAI's json_schema response_format holds it
     * (the schema already made strict). */
    struct json_object *response_format;
    /* Force one tool: a Strands ToolSpec {"name","description",
     * "inputSchema":{"json":...}}; never streamed. */
    struct json_object *forced_tool_spec;
    /* With response_format: the caller's schema as given, for an API
     * that wants its own transformation of it rather than OpenAI's strict
     * form (Anthropic's output_config.format). */
    struct json_object *schema;
    /* Ask in the API's older form (Anthropic: the beta output_format
     * instead of output_config.format), after the current one was
     * refused; see lp_wire.older_form. */
    int legacy_format;
} lp_call_options;

/* How a response mapper reads (shared by every adapter). */
typedef struct lp_map_options {
    int reasoning_round_trip; /* decision 5: emit reasoning signatures     */
    size_t max_line;          /* longest SSE line / JSON payload; 0 = 1 MiB */
    size_t max_tool_args;     /* most bytes the tool calls of one answer
                                 may buffer (ids, names, signatures and
                                 arguments together); 0 = 1 MiB          */
    /* Optional NULL-terminated strings scrubbed from error messages of
     * mid-stream error objects (the API key).  Borrowed for the mapper's
     * lifetime; may be NULL. */
    const char *const *secrets;
    /* Where a mapper's notes and warnings go (a skipped content part or
     * block type, a citation it cannot place); may be NULL. */
    const lp_logger *log;
} lp_map_options;

typedef struct lp_mapper lp_mapper; /* an adapter's response mapper */

typedef struct lp_wire {
    const char *name; /* "openai_chat", "anthropic": for logs and tests */
    /* What the server at the URL must be, for the hint after an answer
     * this adapter cannot read at all: "an OpenAI-compatible chat
     * completions endpoint". */
    const char *speaks;
    /* Appended to the base URL when the route row gives no URL of its
     * own: "/chat/completions", "/v1/messages". */
    const char *default_path;
    /* The adapter places cache points itself from cache_config
     * (strategy, ttl, system_prompt_ttl, tools_ttl all mean something to
     * its API), so the warnings about fields an OpenAI-style API ignores
     * do not apply. */
    int places_cache_points;

    /* The body for `req` (already parsed; the adapter checks its
     * contents).  *streaming says whether the body asks for a streamed
     * answer.  Warnings go to `log`.  On failure the body is empty and
     * `err` names the offending JSON path. */
    int (*format_body)(const lp_config *cfg, const struct lp_route *route,
                       const struct rf_request *req,
                       const lp_call_options *opt, const lp_logger *log,
                       strbuf *body, int *streaming, mp_error *err);

    /* The adapter's own headers (Accept, Content-Type, API versions),
     * appended to *list; the route adds auth and extra headers.  A header
     * the route's extra headers also name must be left out, so the user's
     * value wins: `has_extra(route, name)` says; or, for a comma list
     * such as Anthropic's betas, written with the user's value merged in
     * (the route then does not send the user's again).  `opt` is what
     * format_body was given (may be NULL). */
    int (*add_headers)(const struct lp_route *route, int streaming,
                       const lp_call_options *opt, struct curl_slist **list,
                       mp_error *err);

    /* Response mapping.  new_mapper allocates a mapper that delivers
     * through `em` (which outlives it); feed takes streamed body bytes
     * split anywhere; finish says the body ended cleanly; cut says it
     * stopped early (`status` MP_E_NETWORK or MP_E_TIMEOUT, `why` the
     * transport's words); started says whether any event was delivered
     * (a response cut after some of its bytes is then the mapper's to
     * judge; retries depend on the response's own bytes only);
     * complete says the terminator arrived; map_whole
     * maps one whole non-streamed body.
     * Latency and time to first byte (-1: unknown) go into the metadata.
     * Every error is sticky and fills `err`. */
    int (*new_mapper)(ev_emitter *em, const lp_map_options *opt,
                      lp_mapper **out);
    int (*feed)(lp_mapper *m, const char *bytes, size_t len, mp_error *err);
    int (*finish)(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                  mp_error *err);
    int (*cut)(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms, int status,
               const char *why, mp_error *err);
    int (*started)(const lp_mapper *m);
    /* Whether the answer is complete before the body ends: the stream's
     * terminator arrived ("[DONE]", Anthropic's message_stop), so the core
     * stops reading at once (decision 26).  NULL: only the body's end. */
    int (*complete)(const lp_mapper *m);
    int (*map_whole)(lp_mapper *m, const char *body, size_t len,
                     int64_t latency_ms, int64_t ttfb_ms, mp_error *err);
    /* Optional (NULL: never): after finish or map_whole returned MP_OK,
     * whether the answer asks to be continued by another request in the
     * same message (Anthropic's pause_turn).  Returns 1 with `body`
     * rewritten for that request (the mapper is then ready for its
     * response: feed/finish or map_whole again, events continuing the
     * same message), 0 when the answer is over, or an error.  The core
     * sends it within the call's one `timeout`, with the same retries as
     * the first request. */
    int (*next_request)(lp_mapper *m, strbuf *body, mp_error *err);
    void (*free_mapper)(lp_mapper *m);

    /* Structured output's `auto` mode: whether `model` takes a JSON
     * schema (response_format), 1 or 0, known from the model id alone.
     * NULL: ask the server (a LiteLLM proxy's /model/info). */
    int (*json_schema_support)(const char *model);

    /* After a 400 to a response_format body: whether the API's older form
     * of it may be accepted (lp_call_options.legacy_format); structured
     * output then tries once more with it.  NULL: never. */
    int (*older_form)(const mp_error *err);

    /* Structured output reads a whole answer; this says whether the body
     * holds exactly one (MP_E_PROTOCOL naming what it holds instead).
     * NULL: nothing to check. */
    int (*check_single_answer)(const char *body, size_t len, mp_error *err);

    /* A non-2xx response: its status, body (may be empty, JSON, text or
     * HTML) and headers; secrets to scrub.  Fills `err` (retryable and
     * retry_after_ms decide the transport's retries) and returns its
     * code. */
    int (*classify_http)(const lp_http_reply *reply,
                         const char *const *secrets, mp_error *err);
} lp_wire;

#endif
