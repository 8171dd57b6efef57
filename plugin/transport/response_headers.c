/* response_headers.c - headers for RESPONSE_INFO; see response_headers.h. */
#include "response_headers.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json_util.h"
#include "../core/json_writer.h"
#include "../core/utf8.h"

static const char *const kept_prefixes[] = {
    "x-litellm-", "x-ratelimit-", "anthropic-ratelimit-",
    "llm_provider-x-ratelimit-", "llm_provider-anthropic-ratelimit-", NULL};

/* The provider's request id: through LiteLLM's proxy the upstream one is
 * re-sent with the llm_provider- prefix; it names the provider's request,
 * which is what a support ticket asks for, so it comes first. */
static const char *const request_id_names[] = {
    "llm_provider-x-request-id", "llm_provider-request-id", "x-request-id",
    "request-id", NULL};

void rh_init(rh_headers *h, const char *const *secrets)
{
    memset(h, 0, sizeof *h);
    sb_init(&h->text, RH_MAX_HEADERS * (RH_MAX_VALUE + 128));
    h->secrets = secrets;
}

void rh_free(rh_headers *h)
{
    sb_free(&h->text);
    h->count = 0;
}

void rh_reset(rh_headers *h)
{
    sb_reset(&h->text);
    h->count = 0;
}

static int kept_name(const char *name)
{
    for (size_t i = 0; kept_prefixes[i]; i++)
        if (strncmp(name, kept_prefixes[i], strlen(kept_prefixes[i])) == 0)
            return 1;
    for (size_t i = 0; request_id_names[i]; i++)
        if (strcmp(name, request_id_names[i]) == 0)
            return 1;
    return 0;
}

static int holds_secret(const rh_headers *h, const char *v, size_t n)
{
    for (size_t i = 0; h->secrets && h->secrets[i]; i++) {
        size_t k = strlen(h->secrets[i]);
        for (size_t at = 0; k && at + k <= n; at++)
            if (memcmp(v + at, h->secrets[i], k) == 0)
                return 1;
    }
    return 0;
}

/* The value of header `name` (lower case), or NULL. */
static const char *find(const rh_headers *h, const char *name)
{
    const char *p = h->text.data, *end = p + h->text.len;
    for (size_t i = 0; p && i < h->count && p < end; i++) {
        const char *value = p + strlen(p) + 1;
        if (strcmp(p, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

void rh_line(rh_headers *h, const char *line, size_t len)
{
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        rh_reset(h);
        return;
    }
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line || h->count >= RH_MAX_HEADERS)
        return;
    char name[96];
    size_t nlen = (size_t)(colon - line);
    if (nlen >= sizeof name)
        return;
    for (size_t i = 0; i < nlen; i++)
        name[i] = (char)tolower((unsigned char)line[i]);
    name[nlen] = '\0';
    if (!kept_name(name) || find(h, name))
        return;
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                       end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen > RH_MAX_VALUE || memchr(v, '\0', vlen) ||
        !lp_utf8_valid(v, vlen) || holds_secret(h, v, vlen))
        return;
    size_t mark = h->text.len;
    if (sb_append(&h->text, name, nlen + 1) || sb_append(&h->text, v, vlen) ||
        sb_appendc(&h->text, '\0')) {
        h->text.len = mark; /* out of room: this header is not kept */
        return;
    }
    h->count++;
}

static mp_str str_of(const char *s)
{
    mp_str r = {s, s ? strlen(s) : 0};
    return r;
}

/* A whole non-negative decimal count, or -1. */
static int64_t count_of(const char *s)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    return *end || v < 0 ? -1 : (int64_t)v;
}

/* A non-negative number (json-c reads it in the C locale whatever the
 * host's), or -1. */
static double amount_of(const char *s)
{
    if (!s || !*s)
        return -1;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return -1;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t n = strlen(s);
    /* The NUL ends a bare number, as at the end of a document. */
    json_object *v = lp_json_tokener_parse(tok, s, n + 1);
    int whole = json_tokener_get_error(tok) == json_tokener_success &&
                json_tokener_get_parse_end(tok) >= n;
    json_tokener_free(tok);
    double d = -1;
    if (whole && (json_object_is_type(v, json_type_double) ||
                  json_object_is_type(v, json_type_int)))
        d = json_object_get_double(v);
    json_object_put(v);
    return d >= 0 ? d : -1;
}

int rh_response_info(const rh_headers *h, int http_status, int attempts,
                     strbuf *json, mp_event_response_info *out)
{
    memset(out, 0, sizeof *out);
    out->hdr.size = sizeof *out;
    out->hdr.type = MP_EVENT_RESPONSE_INFO;
    out->http_status = http_status;
    out->attempts = attempts;
    out->attempted_retries = count_of(find(h, "x-litellm-attempted-retries"));
    out->attempted_fallbacks = count_of(find(h, "x-litellm-attempted-fallbacks"));
    out->ratelimit_remaining_requests =
        count_of(find(h, "x-ratelimit-remaining-requests"));
    out->ratelimit_remaining_tokens =
        count_of(find(h, "x-ratelimit-remaining-tokens"));
    out->cost_usd = amount_of(find(h, "x-litellm-response-cost"));
    out->call_id = str_of(find(h, "x-litellm-call-id"));
    out->model_id = str_of(find(h, "x-litellm-model-id"));
    out->model_group = str_of(find(h, "x-litellm-model-group"));
    for (size_t i = 0; request_id_names[i] && !out->provider_request_id.ptr; i++)
        out->provider_request_id = str_of(find(h, request_id_names[i]));
    out->ratelimit_reset_requests = str_of(find(h, "x-ratelimit-reset-requests"));
    out->ratelimit_reset_tokens = str_of(find(h, "x-ratelimit-reset-tokens"));

    sb_reset(json);
    if (h->count == 0)
        return MP_OK;
    jw w;
    jw_init(&w, json);
    jw_object_open(&w);
    const char *p = h->text.data;
    for (size_t i = 0; p && i < h->count; i++) {
        const char *value = p + strlen(p) + 1;
        jw_key(&w, p);
        jw_cstring(&w, value);
        p = value + strlen(value) + 1;
    }
    jw_object_close(&w);
    if (jw_status(&w))
        return MP_E_NO_MEMORY;
    out->headers_json.ptr = json->data;
    out->headers_json.len = json->len;
    return MP_OK;
}
