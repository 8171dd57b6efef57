/* config.c - parse, validate and merge instance config; see config.h
 * (what get_config shows, secrets redacted, is config_redact.c). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "json_util.h"
#include "json_writer.h"
#include "strbuf.h"
#include "../route/route.h"

/* Sorted, as the reference prints them (Python's sorted()). */
static const char *const model_keys[] = {
    "anthropic_tools", "cache_config", "cache_tools", "context_window_limit",
    "model_id", "params", "reasoning_round_trip", "stream",
    "structured_output_mode", NULL};

/* CacheConfig's fields (reference-update 2.15). */
static const char *const cache_keys[] = {
    "cache_key", "strategy", "system_prompt_ttl", "tools_ttl", "ttl", NULL};

static const char *const client_keys[] = {
    "api_base", "api_key", "api_version", "base_url", "ca_bundle",
    "connect_timeout", "extra_headers", "idle_timeout", "max_response_bytes",
    "num_retries", "retry_backoff_ms", "ssl_verify", "timeout",
    "use_litellm_proxy", "vertex_location", "vertex_project", NULL};

/* Parameters of an OpenAI-style chat request (and LiteLLM's), which
 * belong inside "params": put at the top of the config, they do nothing,
 * and the warning says where they go. */
static const char *const request_params[] = {
    "frequency_penalty", "logit_bias", "logprobs", "max_completion_tokens",
    "max_tokens", "metadata", "n", "parallel_tool_calls", "presence_penalty",
    "reasoning_effort", "response_format", "seed", "service_tier", "stop",
    "temperature", "thinking", "top_k", "top_logprobs", "top_p", "user",
    "verbosity", NULL};

static int is_known(const char *const *keys, const char *k)
{
    for (; *keys; keys++)
        if (strcmp(*keys, k) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key as Python's repr() prints a str, so the warning reads exactly as
 * the reference's list repr: single quotes unless the text has a single
 * quote and no double quote; backslash, the quote and control characters
 * escaped.  Keys are valid UTF-8 (the parser checks), and printable
 * non-ASCII text stays as it is, as in Python 3. */
static void py_repr(strbuf *sb, const char *k)
{
    char q = strchr(k, '\'') && !strchr(k, '"') ? '"' : '\'';
    sb_appendc(sb, q);
    for (const unsigned char *p = (const unsigned char *)k; *p; p++) {
        unsigned c = *p;
        if (c == '\\' || c == (unsigned char)q) {
            sb_appendc(sb, '\\');
            sb_appendc(sb, (char)c);
        } else if (c == '\n') {
            sb_appends(sb, "\\n");
        } else if (c == '\r') {
            sb_appends(sb, "\\r");
        } else if (c == '\t') {
            sb_appends(sb, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            sb_printf(sb, "\\x%02x", c);
        } else if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            sb_printf(sb, "\\x%02x", p[1]); /* U+0080..U+009F */
            p++;
        } else {
            sb_appendc(sb, (char)c);
        }
    }
    sb_appendc(sb, q);
}

/* After the reference's text: where the unknown keys that belong in
 * another place go, e.g.
 *   Did you mean params.temperature? Request parameters go inside the
 *   config's "params".
 * Nothing when none of them is such a key.  `label` names the document. */
static void hint_misplaced(strbuf *sb, const char **unknown, size_t n,
                           const char *label)
{
    int in_config = strcmp(label, "configuration") == 0;
    int in_client = strcmp(label, "client_args") == 0;
    int params = 0, client = 0, model = 0;
    size_t hints = 0;
    for (size_t i = 0; i < n && (in_config || in_client); i++) {
        const char *where = NULL;
        if (is_known(request_params, unknown[i])) {
            where = in_config ? "params." : "the config's params.";
            params = 1;
        } else if (in_config && is_known(client_keys, unknown[i])) {
            where = "the client args' ";
            client = 1;
        } else if (in_client && is_known(model_keys, unknown[i])) {
            where = "the config's ";
            model = 1;
        }
        if (where)
            sb_printf(sb, "%s%s%s", hints++ ? ", " : "\nDid you mean ", where,
                      unknown[i]);
    }
    if (!hints)
        return;
    sb_appendc(sb, '?');
    if (params)
        sb_appends(sb, " Request parameters go inside the config's \"params\".");
    if (client)
        sb_appends(sb, " Credentials, endpoints, timeouts and retries are "
                       "client args (create()'s second document).");
    if (model)
        sb_appends(sb, " The model and its settings are config keys "
                       "(create()'s first document).");
}

/* One warning listing every unknown key, worded as the reference's
 * validate_config_keys (reference-behaviour.md 2.2), then hint_misplaced's
 * line, if any. */
static void warn_unknown(json_object *doc, const char *const *known,
                         const char *label, const lp_logger *log)
{
    if (!log || !log->fn)
        return; /* nobody would read it: build nothing */
    size_t n = 0, total = (size_t)json_object_object_length(doc);
    const char **unknown = total ? calloc(total, sizeof *unknown) : NULL;
    if (!unknown)
        return;
    json_object_object_foreach(doc, k, v) {
        (void)v;
        if (!is_known(known, k))
            unknown[n++] = k;
    }
    if (n) {
        qsort(unknown, n, sizeof *unknown, cmp_str);
        strbuf sb;
        sb_init(&sb, (size_t)1 << 24);
        sb_printf(&sb, "Invalid %s parameters: [", label);
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_appends(&sb, ", ");
            py_repr(&sb, unknown[i]);
        }
        sb_appends(&sb, "].\nValid parameters are: [");
        for (size_t i = 0; known[i]; i++) {
            if (i)
                sb_appends(&sb, ", ");
            py_repr(&sb, known[i]);
        }
        sb_appends(&sb, "].\n\nSee https://github.com/strands-agents/"
                        "harness-sdk/issues/815");
        hint_misplaced(&sb, unknown, n, label);
        if (sb.data)
            lp_log(log, MP_LOG_WARN, "%s", sb.data);
        sb_free(&sb);
    }
    free(unknown);
}

static int type_error(mp_error *err, const char *doc, const char *key,
                      const char *want, json_object *got)
{
    return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s.%s: expected %s, got %s",
                   doc, key, want, lp_json_type_name(got));
}

static int is_number(json_object *v)
{
    json_type t = json_object_get_type(v);
    return t == json_type_int || t == json_type_double;
}

/* Seconds (LiteLLM's unit) to milliseconds; null keeps the default. */
static int seconds_ms(json_object *doc, const char *key, int64_t *out,
                      mp_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, key, &v) || !v)
        return MP_OK;
    if (!is_number(v))
        return type_error(err, "client_args", key, "a number of seconds", v);
    double s = json_object_get_double(v);
    if (!(s >= 0) || s > 1e9)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "client_args.%s: must be between 0 and 1e9 seconds", key);
    *out = (int64_t)(s * 1000.0 + 0.5);
    return MP_OK;
}

static int optional_string(json_object *doc, const char *docname,
                           const char *key, const char **out, mp_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, key, &v) || !v)
        return MP_OK;
    if (!json_object_is_type(v, json_type_string))
        return type_error(err, docname, key, "string", v);
    *out = json_object_get_string(v);
    return MP_OK;
}

static int optional_bool(json_object *doc, const char *docname,
                         const char *key, int *out, mp_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, key, &v) || !v)
        return MP_OK;
    if (!json_object_is_type(v, json_type_boolean))
        return type_error(err, docname, key, "boolean", v);
    *out = json_object_get_boolean(v);
    return MP_OK;
}

static int optional_int(json_object *doc, const char *docname,
                        const char *key, int64_t lo, int64_t hi,
                        int64_t *out, mp_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(doc, key, &v) || !v)
        return MP_OK;
    if (!json_object_is_type(v, json_type_int))
        return type_error(err, docname, key, "integer", v);
    int64_t i = json_object_get_int64(v);
    if (i < lo || i > hi)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "%s.%s: %lld is out of range [%lld, %lld]", docname,
                       key, (long long)i, (long long)lo, (long long)hi);
    *out = i;
    return MP_OK;
}

/* cache_config: an object (or null, which is none).  Its values are
 * checked here; what they mean for a request is request_format.c's. */
static int read_cache_config(lp_config *c, mp_error *err)
{
    json_object *cc, *v;
    if (!json_object_object_get_ex(c->config, "cache_config", &cc) || !cc)
        return MP_OK;
    if (!json_object_is_type(cc, json_type_object))
        return type_error(err, "config", "cache_config", "object or null", cc);
    c->has_cache_config = 1;
    if (json_object_object_get_ex(cc, "cache_key", &v) && v) {
        if (json_object_is_type(v, json_type_string))
            c->cache_key = json_object_get_string(v);
        else if (json_object_is_type(v, json_type_boolean) &&
                 !json_object_get_boolean(v))
            c->cache_key_off = 1;
        else
            return type_error(err, "config", "cache_config.cache_key",
                              "string, false or null", v);
    }
    if (json_object_object_get_ex(cc, "ttl", &v) && v) {
        if (!json_object_is_type(v, json_type_string))
            return type_error(err, "config", "cache_config.ttl",
                              "string or null", v);
        const char *ttl = json_object_get_string(v);
        if (strcmp(ttl, "in_memory") == 0 || strcmp(ttl, "24h") == 0)
            c->cache_retention = ttl;
    }
    if (json_object_object_get_ex(cc, "strategy", &v) && v &&
        !json_object_is_type(v, json_type_string))
        return type_error(err, "config", "cache_config.strategy",
                          "string or null", v);
    static const char *const ttl_like[] = {"system_prompt_ttl", "tools_ttl"};
    for (size_t i = 0; i < 2; i++)
        if (json_object_object_get_ex(cc, ttl_like[i], &v) && v &&
            !json_object_is_type(v, json_type_boolean) &&
            !json_object_is_type(v, json_type_string)) {
            char key[64];
            snprintf(key, sizeof key, "cache_config.%s", ttl_like[i]);
            return type_error(err, "config", key, "boolean, string or null",
                              v);
        }
    return MP_OK;
}

/* Whether a CacheConfig field differs from its default (strategy "auto",
 * system_prompt_ttl true, tools_ttl None); only cache_key and ttl mean
 * anything to an OpenAI-style API. */
static int placement_field_set(json_object *cc, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(cc, key, &v))
        return 0; /* absent: the default */
    if (strcmp(key, "strategy") == 0)
        return v && strcmp(json_object_get_string(v), "auto") != 0;
    if (strcmp(key, "system_prompt_ttl") == 0)
        return !(v && json_object_is_type(v, json_type_boolean) &&
                 json_object_get_boolean(v));
    return v != NULL; /* tools_ttl: the default is None */
}

/* The reference's warnings about a cache_config (reference-update 2.15),
 * given once per config rather than on every request: an unknown ttl, and
 * the fields an OpenAI-style API has no use for.  Unknown fields warn as
 * unknown keys do. */
static void warn_cache_config(const lp_config *c, const lp_logger *log)
{
    json_object *cc, *v;
    if (!log || !log->fn || !c->has_cache_config ||
        !json_object_object_get_ex(c->config, "cache_config", &cc))
        return;
    /* An adapter that places cache points itself takes every field. */
    const lp_wire *wire = lp_route_wire_for(c);
    if (wire && wire->places_cache_points) {
        warn_unknown(cc, cache_keys, "cache_config", log);
        return;
    }
    strbuf sb;
    sb_init(&sb, (size_t)1 << 20);
    if (json_object_object_get_ex(cc, "ttl", &v) && v &&
        !c->cache_retention) {
        sb_appends(&sb, "cache_config.ttl=");
        py_repr(&sb, json_object_get_string(v));
        sb_appends(&sb, " is not an openai retention value ('in_memory' or "
                        "'24h') and will be ignored");
        if (sb.data)
            lp_log(log, MP_LOG_WARN, "%s", sb.data);
        sb_reset(&sb);
    }
    static const char *const placement[] = {"strategy", "system_prompt_ttl",
                                            "tools_ttl", NULL};
    int n = 0;
    for (size_t i = 0; placement[i]; i++) {
        if (!placement_field_set(cc, placement[i]))
            continue;
        sb_appends(&sb, n++ ? ", " : "cache_config fields [");
        py_repr(&sb, placement[i]);
    }
    if (n) {
        sb_appends(&sb, "] have no effect on OpenAI, which does not support "
                        "them; they will be ignored.");
        if (sb.data)
            lp_log(log, MP_LOG_WARN, "%s", sb.data);
    }
    sb_free(&sb);
    warn_unknown(cc, cache_keys, "cache_config", log);
}

static int read_model(lp_config *c, mp_error *err)
{
    json_object *doc = c->config, *v;
    int rc = optional_string(doc, "config", "model_id", &c->model_id, err);
    if (rc)
        return rc;
    if (json_object_object_get_ex(doc, "params", &v) && v) {
        if (!json_object_is_type(v, json_type_object))
            return type_error(err, "config", "params", "object", v);
        c->params = v;
    }
    /* The reference takes any value by truthiness; we take a boolean, or
     * null, which is falsy there too. */
    if (json_object_object_get_ex(doc, "stream", &v)) {
        if (v && !json_object_is_type(v, json_type_boolean))
            return type_error(err, "config", "stream", "boolean or null", v);
        c->stream = v ? json_object_get_boolean(v) : 0;
    }
    int rc0 = read_cache_config(c, err);
    if (rc0)
        return rc0;
    if ((rc = optional_int(doc, "config", "context_window_limit", 1,
                           INT64_MAX, &c->context_window_limit, err)))
        return rc;
    if ((rc = optional_bool(doc, "config", "reasoning_round_trip",
                            &c->reasoning_round_trip, err)))
        return rc;
    const char *mode = NULL;
    if ((rc = optional_string(doc, "config", "structured_output_mode", &mode,
                              err)))
        return rc;
    if (mode) {
        if (strcmp(mode, "auto") == 0)
            c->structured_output_mode = LP_SO_AUTO;
        else if (strcmp(mode, "response_format") == 0)
            c->structured_output_mode = LP_SO_RESPONSE_FORMAT;
        else if (strcmp(mode, "tool") == 0)
            c->structured_output_mode = LP_SO_TOOL;
        else
            return lp_fail(err, MP_E_INVALID_ARGUMENT,
                           "config.structured_output_mode: \"%s\" is not one "
                           "of \"auto\", \"response_format\", \"tool\"", mode);
    }
    return MP_OK;
}

static int read_client(lp_config *c, mp_error *err)
{
    json_object *doc = c->client_args, *v;
    int rc;
    if ((rc = optional_string(doc, "client_args", "api_key", &c->api_key, err)) ||
        (rc = optional_string(doc, "client_args", "base_url", &c->api_base, err)) ||
        (rc = optional_string(doc, "client_args", "api_base", &c->api_base, err)) ||
        (rc = optional_string(doc, "client_args", "ca_bundle", &c->ca_bundle, err)) ||
        (rc = optional_string(doc, "client_args", "api_version", &c->api_version, err)) ||
        (rc = optional_string(doc, "client_args", "vertex_project", &c->vertex_project, err)) ||
        (rc = optional_string(doc, "client_args", "vertex_location", &c->vertex_location, err)))
        return rc;
    /* LiteLLM treats use_litellm_proxy by truthiness; accept bool or null. */
    if ((rc = optional_bool(doc, "client_args", "use_litellm_proxy",
                            &c->use_litellm_proxy, err)))
        return rc;
    if ((rc = seconds_ms(doc, "timeout", &c->timeout_ms, err)) ||
        (rc = seconds_ms(doc, "connect_timeout", &c->connect_timeout_ms, err)) ||
        (rc = seconds_ms(doc, "idle_timeout", &c->idle_timeout_ms, err)))
        return rc;
    int64_t retries = c->num_retries;
    if ((rc = optional_int(doc, "client_args", "num_retries", 0, 100,
                           &retries, err)))
        return rc;
    c->num_retries = (int)retries;
    if ((rc = optional_int(doc, "client_args", "max_response_bytes", 1024,
                           (int64_t)1 << 40, &c->max_response_bytes, err)) ||
        (rc = optional_int(doc, "client_args", "retry_backoff_ms", 0,
                           600000, &c->retry_base_ms, err)))
        return rc;
    /* LiteLLM's ssl_verify: a boolean, or a CA bundle path. */
    if (json_object_object_get_ex(doc, "ssl_verify", &v) && v) {
        if (json_object_is_type(v, json_type_boolean))
            c->ssl_verify = json_object_get_boolean(v);
        else if (json_object_is_type(v, json_type_string))
            c->ca_bundle = json_object_get_string(v);
        else
            return type_error(err, "client_args", "ssl_verify",
                              "boolean or CA bundle path", v);
    }
    if (json_object_object_get_ex(doc, "extra_headers", &v) && v) {
        if (!json_object_is_type(v, json_type_object))
            return type_error(err, "client_args", "extra_headers", "object", v);
        int hidden = 0;
        json_object_object_foreach(v, name, val) {
            if (!lp_header_is_public(name) &&
                ++hidden > LP_MAX_HIDDEN_HEADERS)
                return lp_fail(err, MP_E_INVALID_ARGUMENT,
                               "client_args.extra_headers: more than %d "
                               "headers whose values are kept secret (all "
                               "but Accept, Accept-Language, Cache-Control, "
                               "Content-Type, User-Agent, X-Request-Id and "
                               "version/beta headers); send fewer",
                               LP_MAX_HIDDEN_HEADERS);
            if (!json_object_is_type(val, json_type_string))
                return lp_fail(err, MP_E_INVALID_ARGUMENT,
                               "client_args.extra_headers.%s: expected string, "
                               "got %s", name, lp_json_type_name(val));
            const char *s = json_object_get_string(val);
            if (!*name || strpbrk(name, ":\r\n") || strpbrk(s, "\r\n"))
                return lp_fail(err, MP_E_INVALID_ARGUMENT,
                               "client_args.extra_headers.%s: header names "
                               "and values may not contain ':' in the name "
                               "or line breaks", name);
        }
        c->extra_headers = v;
    }
    return MP_OK;
}

/* The reference's _apply_proxy_prefix (reference-behaviour.md 2.4): the
 * stored model_id itself gets the prefix, so get_config shows it. */
static int apply_proxy_prefix(lp_config *c)
{
    if (!c->use_litellm_proxy || !c->model_id)
        return MP_OK;
    if (strncmp(c->model_id, LP_PROXY_PREFIX, strlen(LP_PROXY_PREFIX)) == 0)
        return MP_OK;
    strbuf sb;
    sb_init(&sb, 1 << 20);
    if (sb_appends(&sb, LP_PROXY_PREFIX) || sb_appends(&sb, c->model_id)) {
        sb_free(&sb);
        return MP_E_NO_MEMORY;
    }
    json_object *s = json_object_new_string_len(sb.data, (int)sb.len);
    sb_free(&sb);
    if (!s)
        return MP_E_NO_MEMORY;
    if (json_object_object_add(c->config, "model_id", s)) {
        json_object_put(s);
        return MP_E_NO_MEMORY;
    }
    c->model_id = json_object_get_string(s);
    return MP_OK;
}

/* Takes ownership of both documents (even on failure). */
static int build(json_object *config, json_object *client, const lp_logger *log,
                 lp_config **out, mp_error *err)
{
    *out = NULL;
    lp_config *c = calloc(1, sizeof *c);
    if (!c) {
        json_object_put(config);
        json_object_put(client);
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    atomic_init(&c->refs, 1);
    c->config = config;
    c->client_args = client;
    c->context_window_limit = -1;
    c->stream = -1;
    c->timeout_ms = 600000;
    c->connect_timeout_ms = 10000;
    c->idle_timeout_ms = 120000;
    c->ssl_verify = 1;
    c->max_response_bytes = 8 << 20;
    c->retry_base_ms = 500;
    c->retry_max_ms = 30000;
    c->num_retries = -1; /* the route decides (decision 24) */
    int rc = read_model(c, err);
    if (!rc)
        rc = lp_config_check_native(config, log, err);
    if (!rc)
        rc = read_client(c, err);
    if (!rc && (rc = apply_proxy_prefix(c)))
        lp_fail(err, rc, "out of memory");
    if (rc) {
        lp_config_unref(c);
        return rc;
    }
    c->wire_model = c->model_id;
    if (c->wire_model &&
        strncmp(c->wire_model, LP_PROXY_PREFIX, strlen(LP_PROXY_PREFIX)) == 0)
        c->wire_model += strlen(LP_PROXY_PREFIX);
    warn_unknown(config, model_keys, "configuration", log);
    warn_unknown(client, client_keys, "client_args", log);
    warn_cache_config(c, log);
    *out = c;
    return MP_OK;
}

static int parse_object(const char *json, size_t len, const char *what,
                        json_object **out, mp_error *err)
{
    if (!json) {
        *out = json_object_new_object();
        return *out ? MP_OK : lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    int rc = lp_json_parse(json, len, what, out, err);
    if (rc)
        return rc;
    if (!json_object_is_type(*out, json_type_object)) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: expected a JSON object, "
                     "got %s", what, lp_json_type_name(*out));
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

int lp_config_new(const char *config_json, size_t config_len,
                  const char *client_args_json, size_t client_len,
                  const lp_logger *log, lp_config **out, mp_error *err)
{
    json_object *config, *client;
    *out = NULL;
    int rc = parse_object(config_json, config_len, "config", &config, err);
    if (rc)
        return rc;
    rc = parse_object(client_args_json, client_len, "client_args", &client, err);
    if (rc) {
        json_object_put(config);
        return rc;
    }
    return build(config, client, log, out, err);
}

int lp_config_update(const lp_config *base, const char *update_json,
                     size_t len, const lp_logger *log, lp_config **out,
                     mp_error *err)
{
    json_object *update, *config = NULL, *client = NULL;
    *out = NULL;
    int rc = parse_object(update_json, len, "config", &update, err);
    if (rc)
        return rc;
    if (json_object_deep_copy(base->config, &config, NULL) ||
        json_object_deep_copy(base->client_args, &client, NULL)) {
        json_object_put(update);
        json_object_put(config);
        json_object_put(client);
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    json_object_object_foreach(update, k, v) {
        /* A new key is copied: that can fail, and must not drop it. */
        if (json_object_object_add(config, k, json_object_get(v))) {
            json_object_put(v);
            json_object_put(update);
            json_object_put(config);
            json_object_put(client);
            return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
        }
    }
    /* Only the update's own unknown keys deserve a warning; the base's were
     * reported when they arrived.  So validate silently, then warn about
     * the update's keys (its values now also live in the new config). */
    rc = build(config, client, NULL, out, err);
    if (!rc) {
        warn_unknown(update, model_keys, "configuration", log);
        if (json_object_object_get_ex(update, "cache_config", NULL))
            warn_cache_config(*out, log);
        /* warnings about the update's own keys only */
        (void)lp_config_check_native(update, log, err);
    }
    json_object_put(update);
    return rc;
}

/* reference-update 2.1: the config's own "stream" key wins, then the
 * older params.stream, else true.  The reference takes either by
 * truthiness; we take a boolean or null (falsy there too). */
int lp_config_stream_flag(const lp_config *cfg, int *stream, mp_error *err)
{
    json_object *v;
    *stream = 1;
    if (cfg->stream >= 0) {
        *stream = cfg->stream;
        return MP_OK;
    }
    if (!cfg->params || !json_object_object_get_ex(cfg->params, "stream", &v))
        return MP_OK;
    if (v && !json_object_is_type(v, json_type_boolean))
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "config.params.stream: expected boolean or null, got "
                       "%s", lp_json_type_name(v));
    *stream = v ? json_object_get_boolean(v) : 0;
    return MP_OK;
}

lp_config *lp_config_ref(lp_config *cfg)
{
    atomic_fetch_add_explicit(&cfg->refs, 1, memory_order_relaxed);
    return cfg;
}

void lp_config_unref(lp_config *cfg)
{
    if (!cfg)
        return;
    if (atomic_fetch_sub_explicit(&cfg->refs, 1, memory_order_acq_rel) != 1)
        return;
    json_object_put(cfg->config);
    json_object_put(cfg->client_args);
    free(cfg);
}
