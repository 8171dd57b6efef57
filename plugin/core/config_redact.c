/* config_redact.c - which names and headers are secrets, and the config
 * as get_config shows it: every secret redacted (decision 21); see
 * config.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json_writer.h"
#include "strbuf.h"
#include "url_shown.h"

static int contains_ci(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

int lp_is_secret_name(const char *name)
{
    return contains_ci(name, "key") || contains_ci(name, "token") ||
           contains_ci(name, "secret") || contains_ci(name, "authorization") ||
           contains_ci(name, "password");
}

int lp_header_is_public(const char *name)
{
    static const char *const public_headers[] = {
        "Accept", "Accept-Language", "Cache-Control", "Content-Type",
        "User-Agent", "X-Request-Id", "anthropic-version", "anthropic-beta",
        "OpenAI-Beta", NULL};
    for (size_t i = 0; public_headers[i]; i++)
        if (strcasecmp(name, public_headers[i]) == 0)
            return 1;
    return 0;
}

int lp_header_scrubbed(const char *name, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    if (lp_is_secret_name(name))
        return len > 0;
    return !lp_header_is_public(name) && len >= LP_MIN_SCRUBBED;
}

/* Inside params, "token" alone would hide max_tokens; a key is secret there
 * when it names a key, secret, password or credential, or a *_token.  A
 * prompt-cache key is no secret (it goes to the server in the body, and
 * the host needs to see which one is set): cache_config.cache_key and
 * params.prompt_cache_key are shown. */
static int is_secret_param(const char *name)
{
    /* Names of cache namespaces, not credentials (cache_config.cache_key,
     * OpenAI's prompt_cache_key): shown, as get_config should. */
    if (strcmp(name, "cache_key") == 0 ||
        strcmp(name, "prompt_cache_key") == 0)
        return 0;
    size_t n = strlen(name);
    if (contains_ci(name, "key") || contains_ci(name, "secret") ||
        contains_ci(name, "authorization") || contains_ci(name, "password") ||
        contains_ci(name, "credential"))
        return 1;
    return strcasecmp(name, "token") == 0 ||
           (n > 6 && strcasecmp(name + n - 6, "_token") == 0);
}

static void write_redacted(jw *w, json_object *v, int (*secret)(const char *));

/* A base URL with a user part ("https://user:token@host/...") carries a
 * credential: written with that part as "<redacted>". */
static void write_url(jw *w, const char *url)
{
    size_t start, end;
    if (!lp_url_user_part(url, &start, &end)) { /* nothing to hide */
        jw_cstring(w, url);
        return;
    }
    strbuf shown;
    sb_init(&shown, strlen(url) + 16);
    if (lp_url_shown(url, "<redacted>@", &shown))
        jw_cstring(w, "<redacted>");
    else
        jw_cstring(w, shown.data);
    sb_free(&shown);
}

/* client_args: secret-looking names, every extra header off the public
 * list (lp_header_is_public), and the user part of a base URL. */
static void write_client_args(jw *w, json_object *client)
{
    jw_object_open(w);
    json_object_object_foreach(client, k, val) {
        jw_key(w, k);
        if (strcmp(k, "extra_headers") == 0 &&
            json_object_is_type(val, json_type_object)) {
            jw_object_open(w);
            json_object_object_foreach(val, name, hv) {
                jw_key(w, name);
                if (lp_header_is_public(name) || !hv)
                    jw_json(w, hv);
                else
                    jw_cstring(w, "<redacted>");
            }
            jw_object_close(w);
        } else if (lp_is_secret_name(k) && val) {
            jw_cstring(w, "<redacted>");
        } else if ((strcmp(k, "api_base") == 0 || strcmp(k, "base_url") == 0) &&
                   json_object_is_type(val, json_type_string)) {
            write_url(w, json_object_get_string(val));
        } else {
            write_redacted(w, val, lp_is_secret_name);
        }
    }
    jw_object_close(w);
}

/* The members of object `v`, secrets redacted. */
static void write_members(jw *w, json_object *v, int (*secret)(const char *))
{
    json_object_object_foreach(v, k, val) {
        jw_key(w, k);
        if (secret(k) && val)
            jw_cstring(w, "<redacted>");
        else
            write_redacted(w, val, secret);
    }
}

static void write_redacted(jw *w, json_object *v, int (*secret)(const char *))
{
    if (!json_object_is_type(v, json_type_object)) {
        if (json_object_is_type(v, json_type_array)) {
            jw_array_open(w);
            size_t n = json_object_array_length(v);
            for (size_t i = 0; i < n; i++)
                write_redacted(w, json_object_array_get_idx(v, i), secret);
            jw_array_close(w);
        } else {
            jw_json(w, v);
        }
        return;
    }
    jw_object_open(w);
    write_members(w, v, secret);
    jw_object_close(w);
}

int lp_config_to_redacted_json(const lp_config *cfg, int64_t learned_window,
                               strbuf *out)
{
    jw w;
    jw_init(&w, out);
    jw_object_open(&w);
    jw_key(&w, "config");
    jw_object_open(&w);
    write_members(&w, cfg->config, is_secret_param);
    if (learned_window > 0 && cfg->context_window_limit < 0 &&
        !json_object_object_get_ex(cfg->config, "context_window_limit", NULL)) {
        jw_key(&w, "context_window_limit");
        jw_int(&w, learned_window);
    }
    jw_object_close(&w);
    jw_key(&w, "client_args");
    write_client_args(&w, cfg->client_args);
    jw_object_close(&w);
    return jw_status(&w);
}
