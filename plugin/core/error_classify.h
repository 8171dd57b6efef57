/*
 * error_classify.h - HTTP error responses and mid-stream error objects to
 * typed mp_error values (decisions 14-16).
 *
 * Order of the rules, first match wins (decision 28: the reference's
 * classifier of reference-update 2.8 first, at any HTTP status, then our
 * own wording, then the status).  Patterns are case-insensitive and looked
 * for in the provider's message, code and type:
 *   1. throttling: HTTP 429, code "rate_limit_exceeded", "rate_limit_
 *      exceeded" / "rate limit" / "too many requests", or LiteLLM's type
 *      "throttling_error"                                  -> MP_E_THROTTLED
 *   2. context overflow: code "context_length_exceeded", the reference's
 *      phrases ("maximum context length", "too many tokens", "context
 *      length", "exceeds the max_model_len", exceed(s|ed)? (customer )?model
 *      maximum, ...); then "ContextWindowExceededError" and the phrases of
 *      reference 7.1 and litellm-wire 1.5 plus vLLM's "is longer than the
 *      maximum model length" (7.1's exclusions apply to these)
 *                                                          -> MP_E_CONTEXT_OVERFLOW
 *   3. LiteLLM's further rate-limit wording (reference 7.1: "RateLimit",
 *      "rate-limit", "service tier capacity exceeded", "request too large",
 *      a standalone "429" when the status is unknown)      -> MP_E_THROTTLED
 *   4. by status: 401/403 AUTHENTICATION, 404 NOT_FOUND, 400/422 BAD_REQUEST,
 *      408 TIMEOUT, 5xx SERVER, none (inside a 200 stream) SERVER, anything
 *      else HTTP.
 * retryable: status 408/409/429/5xx, or throttled; never for an overflow (the
 * same request would overflow again).  retry_after_ms from Retry-After.
 *
 * Messages are "HTTP <status>: <provider message>" with every given secret
 * replaced by "<redacted>" and sk-style keys masked, truncated (on a UTF-8
 * boundary) to fit the host's mp_error.
 *
 * Thread: pure functions, [any-thread].
 */
#ifndef LP_ERROR_CLASSIFY_H
#define LP_ERROR_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "http_reply.h"
#include "strbuf.h"

struct json_object;

/* A non-2xx HTTP response.  `body` may be NULL/empty, JSON (OpenAI/LiteLLM
 * {"error":{message,type,param,code}}, {"detail":..}, {"message":..},
 * {"status":"failure","message":..}, {"html-message":..}), plain text or
 * HTML.  `retry_after` is the Retry-After header value or NULL.  `secrets`
 * is a NULL-terminated list (or NULL).  Fills `err`, returns its code. */
int ec_classify_http(int http_status, const char *body, size_t len,
                     const char *retry_after, const char *const *secrets,
                     mp_error *err);

/* ec_classify_http for a whole reply (its Retry-After header read from
 * the reply): the classifier of OpenAI-compatible APIs. */
int ec_classify_reply(const lp_http_reply *reply, const char *const *secrets,
                      mp_error *err);

/* Whether an error message says the conversation is too long for the
 * model (the overflow wording of rule 2 above, its exclusions applied). */
int ec_says_overflow(const char *text, size_t len);

/* An error object that arrived inside the stream: the value of a chunk's
 * "error" key (object or string), or a whole `event: error` payload.
 * `http_status` is 0 when unknown; then a numeric `code` ("429", 503) is
 * taken as the status.  Fills `err`, returns its code. */
int ec_classify_error_object(struct json_object *error_obj, int http_status,
                             const char *const *secrets, mp_error *err);

/* Retry-After: delta-seconds (fractions accepted) or an HTTP date
 * (IMF-fixdate, RFC 850 or asctime form, in English whatever the locale).
 * Returns milliseconds to wait from `now_ms` (Unix epoch ms; a past date
 * gives 0), or -1 when absent or unparseable. */
int64_t ec_parse_retry_after(const char *value, int64_t now_ms);

/* An RFC 3339 time ("2026-01-01T00:00:30Z", fractions and offsets
 * accepted), such as a rate-limit reset header: milliseconds to wait from
 * `now_ms` (0 when past), or -1 when unparseable. */
int64_t ec_parse_rfc3339_wait(const char *value, int64_t now_ms);

/* The wall clock in Unix epoch milliseconds. */
int64_t ec_wall_ms(void);

/* Append `text` to `out` with every secret replaced by "<redacted>" and
 * every sk-style key ("sk-" then 8+ of [A-Za-z0-9_-], not inside a word)
 * masked as "sk-<redacted>".  Returns 0 or an strbuf error. */
int ec_scrub(const char *text, size_t len, const char *const *secrets,
             strbuf *out);

/* ec_scrub for a text that is only the start of a longer one (the first
 * bytes of a body, say): a tail that may be the first part of a secret or
 * of an sk-style key, cut off with the rest, is replaced by "<redacted>"
 * too, so no prefix of a secret survives the cut. */
int ec_scrub_cut(const char *text, size_t len, const char *const *secrets,
                 strbuf *out);

/* For a message formatted into a buffer of `cap` bytes (`len` of them
 * used): ec_scrub, or ec_scrub_cut when it filled the buffer and so may
 * have been cut. */
int ec_scrub_formatted(const char *text, size_t len, size_t cap,
                       const char *const *secrets, strbuf *out);

#endif
