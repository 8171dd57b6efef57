/*
 * mock_transport.c - LiteLLM's offline test hooks (litellm-wire 1.7):
 * `params.mock_response`, `mock_tool_calls`, `mock_delay`, `mock_timeout`
 * and the error magic strings answer without any network call.
 *
 * It is a transport: it hands the body handler the bytes a LiteLLM proxy
 * would have sent (an OpenAI chat stream, or one chat.completion), so the
 * answer goes through the same mapper, events and errors as a real one.
 * Streamed answers carry tool calls too (LiteLLM's cannot).
 */
#include "mock_transport.h"

#include <stdio.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/json_writer.h"
#include "../core/utf8.h"

/* "Exception: mock_streaming_error": LiteLLM fails with a 529. */
static const char mock_529[] =
    "{\"error\":{\"message\":\"litellm.InternalServerError: MockException - "
    "mock_streaming_error\",\"type\":\"overloaded_error\",\"code\":529}}";

/* LiteLLM's fixed usage for a mocked answer. */
#define MOCK_PROMPT_TOKENS 10
#define MOCK_COMPLETION_TOKENS 20

static json_object *param(const lp_config *cfg, const char *key)
{
    json_object *v = NULL;
    if (!cfg->params || !json_object_object_get_ex(cfg->params, key, &v))
        return NULL;
    return v;
}

int lp_mock_requested(const lp_config *cfg)
{
    return param(cfg, "mock_response") != NULL ||
           param(cfg, "mock_tool_calls") != NULL ||
           json_object_get_boolean(param(cfg, "mock_timeout"));
}

/* The request's "model", echoed as LiteLLM echoes it. */
static void request_model(const lp_http_request *req, strbuf *out)
{
    json_object *body = NULL, *m;
    mp_error e = MP_ERROR_INIT;
    if (req->body && !lp_json_parse(req->body, req->body_len, "body", &body,
                                    &e) &&
        json_object_object_get_ex(body, "model", &m) &&
        json_object_is_type(m, json_type_string))
        sb_appends(out, json_object_get_string(m));
    json_object_put(body);
    if (!out->len)
        sb_appends(out, "mock");
}

/* ------------------------------------------------------- the answer */

static void write_usage(jw *w)
{
    jw_key(w, "usage");
    jw_object_open(w);
    jw_key(w, "prompt_tokens");
    jw_int(w, MOCK_PROMPT_TOKENS);
    jw_key(w, "completion_tokens");
    jw_int(w, MOCK_COMPLETION_TOKENS);
    jw_key(w, "total_tokens");
    jw_int(w, MOCK_PROMPT_TOKENS + MOCK_COMPLETION_TOKENS);
    jw_object_close(w);
}

/* {"id":..,"object":..,"created":0,"model":M,"choices":[{"index":0,
 * <KEY>: ...  -- the caller writes the choice's payload, then
 * close_chunk. */
static void open_chunk(jw *w, const char *object, const char *model)
{
    jw_object_open(w);
    jw_key(w, "id");
    jw_cstring(w, "chatcmpl-mock");
    jw_key(w, "object");
    jw_cstring(w, object);
    jw_key(w, "created");
    jw_int(w, 0);
    jw_key(w, "model");
    jw_cstring(w, model);
    jw_key(w, "choices");
    jw_array_open(w);
    jw_object_open(w);
    jw_key(w, "index");
    jw_int(w, 0);
}

static void close_chunk(jw *w, const char *finish, int usage)
{
    jw_key(w, "finish_reason");
    if (finish)
        jw_cstring(w, finish);
    else
        jw_null(w);
    jw_object_close(w);
    jw_array_close(w);
    if (usage)
        write_usage(w);
    jw_object_close(w);
}

/* One tool call as OpenAI writes it; `arguments` may be given as a string
 * (kept) or as JSON (written as its text). */
static void write_tool_call(jw *w, json_object *tc, size_t i, int streamed)
{
    json_object *fn = NULL, *v;
    json_object_object_get_ex(tc, "function", &fn);
    jw_object_open(w);
    if (streamed) {
        jw_key(w, "index");
        jw_int(w, (int64_t)i);
    }
    jw_key(w, "id");
    if (json_object_object_get_ex(tc, "id", &v) &&
        json_object_is_type(v, json_type_string))
        jw_json(w, v);
    else {
        char id[32];
        snprintf(id, sizeof id, "call_mock_%zu", i);
        jw_cstring(w, id);
    }
    jw_key(w, "type");
    jw_cstring(w, "function");
    jw_key(w, "function");
    jw_object_open(w);
    jw_key(w, "name");
    if (fn && json_object_object_get_ex(fn, "name", &v))
        jw_json(w, v);
    else
        jw_null(w);
    jw_key(w, "arguments");
    if (fn && json_object_object_get_ex(fn, "arguments", &v) &&
        json_object_is_type(v, json_type_string)) {
        jw_json(w, v);
    } else if (fn && v) {
        strbuf text;
        sb_init(&text, (size_t)1 << 30);
        jw_to_string(v, &text);
        jw_string(w, text.data ? text.data : "{}", text.data ? text.len : 2);
        sb_free(&text);
    } else {
        jw_cstring(w, "{}");
    }
    jw_object_close(w);
    jw_object_close(w);
}

/* "data: <chunk>\n\n" around whatever `w` wrote since `from`. */
static int frame(strbuf *out, size_t from)
{
    strbuf tmp;
    sb_init(&tmp, out->max);
    int rc = sb_append(&tmp, out->data + from, out->len - from);
    out->len = from;
    if (!rc)
        rc = sb_appends(out, "data: ");
    if (!rc)
        rc = sb_append(out, tmp.data, tmp.len);
    if (!rc)
        rc = sb_appends(out, "\n\n");
    sb_free(&tmp);
    return rc;
}

/* Text in pieces of three characters (LiteLLM's mock stream does the
 * same), never splitting a UTF-8 character. */
static int stream_text(strbuf *out, const char *model, const char *text,
                       size_t len)
{
    jw w;
    jw_init(&w, out);
    size_t at = 0;
    int rc = MP_OK;
    while (at < len && !rc) {
        size_t end = at;
        for (int chars = 0; chars < 3 && end < len; chars++) {
            end++;
            while (end < len && ((unsigned char)text[end] & 0xC0) == 0x80)
                end++;
        }
        size_t from = out->len;
        open_chunk(&w, "chat.completion.chunk", model);
        jw_key(&w, "delta");
        jw_object_open(&w);
        jw_key(&w, "role");
        jw_cstring(&w, "assistant");
        jw_key(&w, "content");
        jw_string(&w, text + at, end - at);
        jw_object_close(&w);
        close_chunk(&w, NULL, 0);
        rc = jw_status(&w) ? jw_status(&w) : frame(out, from);
        at = end;
    }
    return rc;
}

/* The whole streamed answer. */
static int build_stream(strbuf *out, const char *model, const char *text,
                        size_t len, json_object *tools, int error_after)
{
    int rc = stream_text(out, model, text, len);
    jw w;
    jw_init(&w, out);
    if (!rc && error_after) {
        /* "Exception: mock_streaming_error": LiteLLM fails mid-stream with
         * a 529 after the first piece. */
        rc = sb_appends(out, "data: ");
        if (!rc)
            rc = sb_appends(out, mock_529);
        return rc ? rc : sb_appends(out, "\n\n");
    }
    size_t n = tools ? json_object_array_length(tools) : 0;
    if (!rc && n) {
        size_t from = out->len;
        open_chunk(&w, "chat.completion.chunk", model);
        jw_key(&w, "delta");
        jw_object_open(&w);
        jw_key(&w, "role");
        jw_cstring(&w, "assistant");
        jw_key(&w, "tool_calls");
        jw_array_open(&w);
        for (size_t i = 0; i < n; i++)
            write_tool_call(&w, json_object_array_get_idx(tools, i), i, 1);
        jw_array_close(&w);
        jw_object_close(&w);
        close_chunk(&w, NULL, 0);
        rc = jw_status(&w) ? jw_status(&w) : frame(out, from);
    }
    if (!rc) {
        size_t from = out->len;
        open_chunk(&w, "chat.completion.chunk", model);
        jw_key(&w, "delta");
        jw_object_open(&w);
        jw_object_close(&w);
        close_chunk(&w, n ? "tool_calls" : "stop", 1);
        rc = jw_status(&w) ? jw_status(&w) : frame(out, from);
    }
    if (!rc)
        rc = sb_appends(out, "data: [DONE]\n\n");
    return rc;
}

static int build_whole(strbuf *out, const char *model, const char *text,
                       size_t len, json_object *tools)
{
    jw w;
    jw_init(&w, out);
    size_t n = tools ? json_object_array_length(tools) : 0;
    open_chunk(&w, "chat.completion", model);
    jw_key(&w, "message");
    jw_object_open(&w);
    jw_key(&w, "role");
    jw_cstring(&w, "assistant");
    jw_key(&w, "content");
    if (text)
        jw_string(&w, text, len);
    else
        jw_null(&w);
    if (n) {
        jw_key(&w, "tool_calls");
        jw_array_open(&w);
        for (size_t i = 0; i < n; i++)
            write_tool_call(&w, json_object_array_get_idx(tools, i), i, 0);
        jw_array_close(&w);
    }
    jw_object_close(&w);
    close_chunk(&w, n ? "tool_calls" : "stop", 1);
    return jw_status(&w);
}

/* ------------------------------------------------------- magic errors */

typedef struct magic {
    const char *prefix;
    int status;
    const char *body; /* the error body a LiteLLM proxy would send */
} magic;

static const magic magic_errors[] = {
    {"litellm.RateLimitError", 429,
     "{\"error\":{\"message\":\"litellm.RateLimitError: This is a mock rate "
     "limit error\",\"type\":\"throttling_error\",\"code\":\"429\"}}"},
    {"litellm.ContextWindowExceededError", 400,
     "{\"error\":{\"message\":\"litellm.ContextWindowExceededError: This is a "
     "mock context window exceeded error\",\"type\":null,\"code\":\"400\"}}"},
    {"litellm.InternalServerError", 500,
     "{\"error\":{\"message\":\"litellm.InternalServerError: This is a mock "
     "internal server error\",\"type\":null,\"code\":\"500\"}}"},
    {"Exception: content_filter_policy", 400,
     "{\"error\":{\"message\":\"litellm.ContentPolicyViolationError: This is "
     "a mock content policy violation\",\"type\":null,\"code\":\"400\"}}"},
};

static const magic *magic_error(const char *text)
{
    for (size_t i = 0; i < sizeof magic_errors / sizeof *magic_errors; i++)
        if (strncmp(text, magic_errors[i].prefix,
                    strlen(magic_errors[i].prefix)) == 0)
            return &magic_errors[i];
    return NULL;
}

/* ------------------------------------------------------- the exchange */

/* Wait `ms` (cancellable), within the whole-call timeout. */
static int wait_ms(lp_transport *t, const lp_config *cfg, int64_t ms,
                   int64_t start, mp_error *err)
{
    int64_t limit = cfg->timeout_ms > 0 ? cfg->timeout_ms : ms;
    int64_t d = ms < limit ? ms : limit;
    if (d > 0 && lp_transport_sleep(t, d))
        return lp_fail(err, MP_E_CANCELLED, "cancelled");
    if (ms >= limit && cfg->timeout_ms > 0)
        return lp_fail(err, MP_E_TIMEOUT, "request timed out after %lld ms "
                       "(timeout; params.mock_%s)",
                       (long long)(lp_now_ms() - start),
                       ms == INT64_MAX ? "timeout" : "delay");
    return MP_OK;
}

int lp_mock_perform(lp_transport *t, const lp_config *cfg,
                    const lp_http_request *req, const lp_body_handler *h,
                    const char *const *secrets, lp_http_result *res,
                    mp_error *err)
{
    memset(res, 0, sizeof *res);
    res->ttfb_ms = -1;
    res->attempts = 1;
    int64_t start = lp_now_ms();
    json_object *resp = param(cfg, "mock_response");
    json_object *tools = param(cfg, "mock_tool_calls");
    json_object *delay = param(cfg, "mock_delay");
    if (tools && !json_object_is_type(tools, json_type_array))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.params."
                       "mock_tool_calls: expected an array of tool calls, "
                       "got %s", lp_json_type_name(tools));
    if (resp && !json_object_is_type(resp, json_type_string) &&
        !json_object_is_type(resp, json_type_object))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.params."
                       "mock_response: expected a string or a response "
                       "object, got %s", lp_json_type_name(resp));
    int rc = MP_OK;
    if (delay && (json_object_is_type(delay, json_type_double) ||
                  json_object_is_type(delay, json_type_int)))
        rc = wait_ms(t, cfg, (int64_t)(json_object_get_double(delay) * 1000),
                     start, err);
    if (!rc && json_object_get_boolean(param(cfg, "mock_timeout")))
        rc = wait_ms(t, cfg, cfg->timeout_ms > 0 ? INT64_MAX : 0, start, err);
    if (rc)
        return rc;

    const char *text = NULL;
    size_t len = 0;
    if (resp && json_object_is_type(resp, json_type_string)) {
        text = json_object_get_string(resp);
        len = (size_t)json_object_get_string_len(resp);
        const magic *m = magic_error(text);
        if (m) {
            res->status = m->status;
            lp_http_reply reply = {m->status, m->body, strlen(m->body),
                                   NULL, 0};
            return (req->classify ? req->classify : ec_classify_reply)(
                &reply, secrets, err);
        }
    }
    int error_after = text && strncmp(text, "Exception: mock_streaming_error",
                                      31) == 0;
    strbuf model, body;
    sb_init(&model, 4096);
    sb_init(&body, (size_t)cfg->max_response_bytes * 4);
    request_model(req, &model);
    if (resp && json_object_is_type(resp, json_type_object))
        rc = jw_to_string(resp, &body); /* the caller's whole response */
    else if (req->watch_idle)
        rc = build_stream(&body, model.data, error_after ? "" : text,
                          error_after ? 0 : len, tools, error_after);
    else if (error_after)
        rc = ec_classify_http(529, mock_529, strlen(mock_529), NULL, secrets,
                              err);
    else
        rc = build_whole(&body, model.data, text, len, tools);
    if (rc && !(LP_ERR_HAS(err, code) && err->code == rc))
        rc = lp_fail(err, rc == MP_E_NO_MEMORY ? rc : MP_E_INTERNAL,
                     "mock_response: could not build the answer");
    if (!rc) {
        res->status = 200;
        res->ttfb_ms = lp_now_ms() - start;
        rc = h->on_bytes(h->ctx, body.data ? body.data : "", body.len, err);
        if (rc == LP_BODY_COMPLETE)
            rc = MP_OK; /* the answer ended at its terminator: all read */
        res->complete = rc == MP_OK;
    }
    sb_free(&model);
    sb_free(&body);
    return rc;
}
