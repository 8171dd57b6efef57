/*
 * an_errors.c - Anthropic's errors as typed mp_errors (spec section 5).
 *
 * The body is {"type":"error","error":{"type","message"},"request_id"};
 * error.type decides, the HTTP status where the type is unknown:
 *
 *   invalid_request_error, 400, request_too_large, 413
 *                         bad request, or context overflow when the
 *                         message says the prompt is too long (5.3)
 *   authentication_error 401, permission_error 403, billing_error 402
 *                         authentication (not retryable)
 *   not_found_error 404   not found
 *   rate_limit_error 429, overloaded_error 529
 *                         throttled, retryable (section 0)
 *   timeout_error 504, 408  timeout, retryable
 *   api_error 500, 409, other 5xx   server, retryable
 *
 * Headers: retry-after-ms, then retry-after, then (429/529 only) the
 * reset time of an exhausted anthropic-ratelimit-* budget give the wait;
 * x-should-retry overrides retryable as the SDK lets it; the request id
 * (request-id header, else the body's) ends the message.  A body that is
 * not Anthropic's (a proxy's page, Cloudflare's 413) is read the way the
 * OpenAI-compatible classifier reads any body, then typed as above.
 */
#include "an_mapper.h"
#include "../core/json_util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/utf8.h"

/* Overflow wording Anthropic uses besides the shared list (5.3). */
static const char *const overflow[] = {
    "prompt is too long", "prompt: length", "input is too long",
    "input length exceeds context window",
    "input and output tokens exceed your context limit",
    "input length and `max_tokens` exceed context limit", NULL};

static const struct {
    const char *type;
    int code;
    int retryable;
} types[] = {
    {"invalid_request_error", MP_E_BAD_REQUEST, 0},
    {"request_too_large", MP_E_BAD_REQUEST, 0},
    {"authentication_error", MP_E_AUTHENTICATION, 0},
    {"permission_error", MP_E_AUTHENTICATION, 0},
    {"billing_error", MP_E_AUTHENTICATION, 0},
    {"not_found_error", MP_E_NOT_FOUND, 0},
    {"rate_limit_error", MP_E_THROTTLED, 1},
    {"overloaded_error", MP_E_THROTTLED, 1},
    {"timeout_error", MP_E_TIMEOUT, 1},
    {"api_error", MP_E_SERVER, 1},
};

static int by_status(int status, int *retryable)
{
    *retryable = status == 408 || status == 409 || status == 429 ||
                 status >= 500;
    switch (status) {
    case 400: case 413: case 422: return MP_E_BAD_REQUEST;
    case 401: case 402: case 403: return MP_E_AUTHENTICATION;
    case 404: return MP_E_NOT_FOUND;
    case 408: case 504: return MP_E_TIMEOUT;
    case 409: return MP_E_SERVER; /* a conflict: the SDK retries it */
    case 429: case 529: return MP_E_THROTTLED;
    case 200: *retryable = 1; return MP_E_SERVER; /* inside a stream */
    default: return status >= 500 ? MP_E_SERVER : MP_E_HTTP;
    }
}

static int says_overflow(const char *msg, size_t len)
{
    for (size_t i = 0; overflow[i]; i++) {
        size_t k = strlen(overflow[i]);
        for (size_t j = 0; k <= len && j <= len - k; j++)
            if (strncasecmp(msg + j, overflow[i], k) == 0)
                return 1;
    }
    return ec_says_overflow(msg, len);
}

/* The code and retryable flag for a type (NULL: unknown) and status. */
static int code_of(const char *type, int status, const char *msg,
                   size_t len, int *retryable)
{
    int code = -1;
    for (size_t i = 0; type && i < sizeof types / sizeof *types; i++) {
        if (strcmp(type, types[i].type) == 0) {
            code = types[i].code;
            *retryable = types[i].retryable;
        }
    }
    if (code == -1)
        code = by_status(status, retryable);
    if (code == MP_E_BAD_REQUEST && says_overflow(msg, len)) {
        *retryable = 0; /* the same request overflows again */
        return MP_E_CONTEXT_OVERFLOW;
    }
    return code;
}

typedef struct an_fault {
    int status;
    int stream;            /* an error event inside a 200 stream */
    const char *type;      /* error.type, or NULL */
    const char *msg;       /* error.message, or NULL */
    size_t msg_len;
    const char *request_id;
    int64_t retry_after_ms;
    int should_retry;      /* x-should-retry: 1, 0, or -1 (absent) */
} an_fault;

static int fill(const an_fault *f, const char *const *secrets, mp_error *err)
{
    int retryable = 0;
    const char *msg = f->msg ? f->msg : "";
    int code = code_of(f->type, f->status, msg, f->msg_len, &retryable);
    if (f->should_retry >= 0 && code != MP_E_CONTEXT_OVERFLOW)
        retryable = f->should_retry;
    strbuf text, clean;
    sb_init(&text, 16 * 1024);
    sb_init(&clean, 64 * 1024);
    if (f->stream)
        sb_printf(&text, "stream error (HTTP %d): ", f->status);
    else
        sb_printf(&text, "HTTP %d: ", f->status);
    /* The message is scrubbed whole before it is cut to 8 KiB, so no
     * secret cut in half can leave its first part in the text. */
    strbuf whole;
    sb_init(&whole, 64 * 1024 * 1024);
    ec_scrub(msg, f->msg_len, secrets, &whole);
    size_t keep = whole.data ? lp_utf8_whole(whole.data, whole.len < 8192
                                                         ? whole.len : 8192)
                             : 0;
    if (keep)
        sb_append(&text, whole.data, keep);
    else
        sb_appends(&text, f->msg_len ? "(message not shown: out of memory)"
                                     : "(no message)");
    sb_free(&whole);
    if (f->type || f->request_id) {
        sb_printf(&text, " (%s%s%s%s)", f->type ? f->type : "",
                  f->type && f->request_id ? "; " : "",
                  f->request_id ? "request id " : "",
                  f->request_id ? f->request_id : "");
    }
    /* Again for what the type and request id may echo; lp_fail cuts
     * the text to the message's room only after this. */
    ec_scrub(text.data ? text.data : "", text.len, secrets, &clean);
    lp_fail(err, code, "%s", clean.data ? clean.data : "");
    sb_reset(&clean);
    const char *type = f->type ? f->type : "";
    ec_scrub(type, strlen(type), secrets, &clean);
    lp_error_http(err, f->status, retryable, f->retry_after_ms,
                  clean.data ? clean.data : "");
    sb_free(&text);
    sb_free(&clean);
    return code;
}

static const char *string_of(json_object *o, const char *key, size_t *len)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    if (!json_object_is_type(v, json_type_string))
        return NULL;
    if (len)
        *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

int an_classify_error(json_object *error_obj, int http_status,
                      const char *const *secrets, mp_error *err)
{
    an_fault f = {.status = http_status, .stream = 1, .retry_after_ms = -1,
                  .should_retry = -1};
    f.type = string_of(error_obj, "type", NULL);
    f.msg = string_of(error_obj, "message", &f.msg_len);
    if (f.type && !lp_utf8_valid(f.type, strlen(f.type)))
        f.type = NULL;
    if (f.msg && !lp_utf8_valid(f.msg, f.msg_len))
        f.msg = NULL, f.msg_len = 0;
    return fill(&f, secrets, err);
}

/* ------------------------------------------------------------- HTTP */

/* retry-after-ms, retry-after, then an exhausted budget's reset. */
static int64_t wait_of(const lp_http_reply *r)
{
    char v[128];
    const char *ms = lp_http_header(r, "retry-after-ms", v, sizeof v);
    if (ms) {
        int64_t s = ec_parse_retry_after(ms, 0); /* a number: ms * 1000 */
        if (s >= 0)
            return (s + 999) / 1000;
    }
    int64_t wait = ec_parse_retry_after(lp_http_header(r, "retry-after", v,
                                                       sizeof v),
                                        ec_wall_ms());
    if (wait >= 0 || (r->status != 429 && r->status != 529))
        return wait;
    static const char *const budgets[] = {"requests", "tokens",
                                          "input-tokens", "output-tokens"};
    for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++) {
        char name[64];
        snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining",
                 budgets[i]);
        const char *left = lp_http_header(r, name, v, sizeof v);
        if (!left || strcmp(left, "0") != 0)
            continue;
        snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset",
                 budgets[i]);
        int64_t until = ec_parse_rfc3339_wait(lp_http_header(r, name, v,
                                                             sizeof v),
                                              ec_wall_ms());
        if (until > wait)
            wait = until;
    }
    return wait;
}

int an_classify_http(const lp_http_reply *r, const char *const *secrets,
                     mp_error *err)
{
    an_fault f = {.status = r->status, .retry_after_ms = wait_of(r),
                  .should_retry = -1};
    char v[160], rid[160];
    const char *sr = lp_http_header(r, "x-should-retry", v, sizeof v);
    if (sr && strcasecmp(sr, "true") == 0)
        f.should_retry = 1;
    else if (sr && strcasecmp(sr, "false") == 0)
        f.should_retry = 0;
    f.request_id = lp_http_header(r, "request-id", rid, sizeof rid);

    json_object *body = NULL, *error = NULL;
    if (r->body && r->body_len && r->body_len < (size_t)INT32_MAX) {
        json_tokener *tok = json_tokener_new();
        body = tok ? lp_json_tokener_parse(tok, r->body, r->body_len)
                   : NULL;
        if (tok)
            json_tokener_free(tok);
    }
    if (json_object_object_get_ex(body, "error", &error) &&
        json_object_is_type(error, json_type_object) &&
        string_of(error, "type", NULL)) {
        f.type = string_of(error, "type", NULL);
        f.msg = string_of(error, "message", &f.msg_len);
        if (!f.request_id)
            f.request_id = string_of(body, "request_id", NULL);
        if (f.msg && !lp_utf8_valid(f.msg, f.msg_len))
            f.msg = NULL, f.msg_len = 0;
        if ((f.type && !lp_utf8_valid(f.type, strlen(f.type))))
            f.type = NULL;
        if (f.request_id && !lp_utf8_valid(f.request_id,
                                           strlen(f.request_id)))
            f.request_id = NULL;
        int code = fill(&f, secrets, err);
        json_object_put(body);
        return code;
    }
    json_object_put(body);
    /* Not Anthropic's body: read it as any body is read, keep its text,
     * and type it by status. */
    ec_classify_reply(r, secrets, err);
    strbuf msg;
    sb_init(&msg, MP_ERROR_MESSAGE_MAX);
    const char *m = LP_ERR_HAS(err, message) ? err->message : "";
    const char *colon = strstr(m, ": ");
    sb_appends(&msg, colon ? colon + 2 : m);
    f.msg = msg.data;
    f.msg_len = msg.len;
    f.type = r->status == 413 ? "request_too_large" : NULL;
    int code = fill(&f, secrets, err);
    sb_free(&msg);
    return code;
}
