/* route.c - resolving a model id to a route; see route.h. */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/errors.h"
#include "../core/url_shown.h"
#include "../core/utf8.h"
#include "../openai_chat/openai_chat.h"
#include "../transport/mock_transport.h"

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The first set variable of a list (route.h); *which names it. */
static const char *first_env(const char *names, const char **which)
{
    for (; *names; names = lp_env_next(names)) {
        const char *v = env_nonempty(names);
        if (v) {
            *which = names;
            return v;
        }
    }
    return NULL;
}

static const lp_route_row *proxy_row(void)
{
    return &lp_route_table[0];
}

/* The row whose prefix starts `model`, or NULL. */
static const lp_route_row *row_for(const char *model)
{
    for (const lp_route_row *r = lp_route_table + 1; r->provider[0]; r++)
        if (strncmp(model, r->prefix, strlen(r->prefix)) == 0)
            return r;
    return NULL;
}

static int truthy_env(const char *name)
{
    const char *v = env_nonempty(name);
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
                 strcasecmp(v, "yes") == 0);
}

int lp_route_list_prefixes(strbuf *out)
{
    int rc = 0;
    for (const lp_route_row *r = lp_route_table + 1; r->provider[0] && !rc;
         r++)
        rc = sb_printf(out, "%s%s", r == lp_route_table + 1 ? "" : ", ",
                       r->prefix);
    return rc;
}

/* "$NAME" into buf, for base_from/key_from. */
static const char *env_label(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "$%s", name);
    return buf;
}

/* Where the base comes from: the client arg, the row's variables, the
 * row's default. */
static void resolve_base(lp_route *r)
{
    const lp_route_row *row = r->row;
    const char *which = NULL;
    if (r->cfg->api_base) {
        r->base = r->cfg->api_base;
        r->base_from = "client_args.api_base";
    } else if ((r->base = first_env(row->base_env, &which))) {
        r->base_from = env_label(r->base_from_buf, sizeof r->base_from_buf,
                                 which);
    } else if (row->default_base[0]) {
        r->base = row->default_base;
        r->base_from = row == proxy_row() ? "the built-in default (a local "
                       "LiteLLM proxy)" : "the route table";
    }
}

static void resolve_key(lp_route *r)
{
    const char *which = NULL;
    if (r->cfg->api_key) {
        r->key = r->cfg->api_key;
        r->key_from = "client_args.api_key";
    } else if ((r->key = first_env(r->row->key_env, &which))) {
        r->key_from = env_label(r->key_from_buf, sizeof r->key_from_buf,
                                which);
    } else if ((r->key = first_env(r->row->token_env, &which))) {
        r->key_is_token = 1;
        r->key_from = env_label(r->key_from_buf, sizeof r->key_from_buf,
                                which);
    } else {
        r->key_from = "nowhere (no key is sent)";
    }
}

/* A key goes into a header line as it is: a line break in it (a key read
 * from a file with its newline) would end the header early or add one of
 * the key's choosing, so a key with a control byte is refused before
 * anything is sent.  The message names where the key came from and the
 * byte's position, never the key. */
static int check_key_bytes(const lp_route *r, mp_error *err)
{
    if (!r->key)
        return MP_OK;
    for (size_t i = 0; r->key[i]; i++) {
        unsigned char c = (unsigned char)r->key[i];
        if (c < 0x20 || c == 0x7f)
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "the API key from %s "
                           "holds a control character (0x%02x) at byte %zu%s; "
                           "set it again without it", r->key_from, c, i,
                           c == '\n' || c == '\r' ? ", a line break (a "
                           "key read from a file keeps its newline)" : "");
    }
    return MP_OK;
}

/* Names of a variable list (route.h): "$A or $B". */
static void list_env(strbuf *sb, const char *names)
{
    for (const char *n = names; *n; n = lp_env_next(n))
        sb_printf(sb, "%s$%s", n == names ? "" : " or ", n);
}

static int missing(lp_route *r, mp_error *err, const char *what,
                   const char *arg, const char *env)
{
    strbuf sb;
    sb_init(&sb, 1024);
    sb_printf(&sb, "model \"%s\" (%s route): no %s; set client_args.%s",
              r->cfg->model_id, r->row->provider, what, arg);
    if (env[0]) {
        sb_appends(&sb, " or ");
        list_env(&sb, env);
    }
    if (env == r->row->key_env && r->row->token_env[0]) {
        sb_appends(&sb, " (or a bearer token in ");
        list_env(&sb, r->row->token_env);
        sb_appendc(&sb, ')');
    }
    int rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "%s",
                     sb.data ? sb.data : what);
    sb_free(&sb);
    return rc;
}

/* The wire model: the id without the row's prefix (and, for the proxy,
 * without "litellm_proxy/"), with the row's model_prefix added to a model
 * that has no '/'. */
static int resolve_model(lp_route *r, const char *rest, mp_error *err)
{
    r->model = rest;
    const char *mp = r->row->model_prefix;
    if (!*mp || strchr(rest, '/'))
        return MP_OK;
    size_t need = strlen(mp) + strlen(rest) + 1;
    if (need > sizeof r->model_buf)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.model_id is too "
                       "long (%zu bytes)", strlen(rest));
    size_t mpl = strlen(mp);
    memcpy(r->model_buf, mp, mpl);
    memcpy(r->model_buf + mpl, rest, need - mpl);
    r->model = r->model_buf;
    return MP_OK;
}

/* The row `model` goes to, and the model without the row's prefix in
 * *rest; *known says whether a row's prefix (or the proxy's) matched. */
static const lp_route_row *select_row(const char *model, const char **rest,
                                      int *known)
{
    size_t proxy_len = strlen(LP_PROXY_PREFIX);
    const lp_route_row *row;
    *rest = model;
    *known = 1;
    if (strncmp(model, LP_PROXY_PREFIX, proxy_len) == 0) {
        *rest = model + proxy_len;
        return proxy_row();
    }
    if (truthy_env("USE_LITELLM_PROXY"))
        return proxy_row();
    if ((row = row_for(model))) {
        *rest = model + strlen(row->prefix);
        return row;
    }
    *known = 0;
    return proxy_row();
}

const lp_wire *lp_route_wire_for(const lp_config *cfg)
{
    const char *rest;
    int known;
    return cfg && cfg->model_id
               ? lp_route_row_wire(select_row(cfg->model_id, &rest, &known))
               : NULL;
}

int lp_route_resolve(const lp_config *cfg, lp_route *out, mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->cfg = cfg;
    const char *model = cfg->model_id;
    if (!model)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "config.model_id is required");
    const char *rest;
    int known;
    const lp_route_row *row = select_row(model, &rest, &known);
    if (!known) {
        if (strchr(model, '/') && !cfg->api_base && !lp_mock_requested(cfg)) {
            const char *which = NULL;
            if (!first_env(row->base_env, &which)) {
                strbuf sb;
                sb_init(&sb, 4096);
                lp_route_list_prefixes(&sb);
                int rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "model \"%.*s\": "
                                 "unknown provider prefix \"%.*s/\" and no "
                                 "LiteLLM proxy configured (client_args."
                                 "api_base, $LITELLM_PROXY_API_BASE or "
                                 "$LITELLM_API_BASE); known prefixes: %s",
                                 lp_utf8_prec(model, 200), model,
                                 (int)(strchr(model, '/') - model), model,
                                 sb.data ? sb.data : "");
                sb_free(&sb);
                return rc;
            }
        }
    }
    out->row = row;
    out->wire = lp_route_row_wire(row);
    out->perform = lp_http_perform;
    if (lp_mock_requested(cfg)) {
        /* LiteLLM's mock answers need no server, key or adapter: they are
         * OpenAI chat answers made on the spot, whatever the prefix. */
        out->wire = &lp_wire_openai_chat;
        out->perform = lp_mock_perform;
    }
    int rc = resolve_model(out, rest, err);
    if (rc)
        return rc;
    if (!out->wire)
        return lp_fail(err, MP_E_UNSUPPORTED, "model \"%s\": the %s route "
                       "is not available in this build; send it through a "
                       "LiteLLM proxy (client_args.use_litellm_proxy)",
                       model, row->provider);
    resolve_base(out);
    int mocked = out->perform != lp_http_perform;
    if (!out->base && mocked)
        out->base = "http://mock.invalid", out->base_from = "params.mock_*";
    if (!out->base)
        return missing(out, err, "base URL", "api_base", row->base_env);
    resolve_key(out);
    if (row->key_required && !out->key && !mocked)
        return missing(out, err, "API key", "api_key", row->key_env);
    rc = check_key_bytes(out, err);
    if (rc)
        return rc;
    const char *which = NULL;
    if (row->quirks & LP_Q_API_VERSION)
        out->api_version = cfg->api_version ? cfg->api_version
                                            : first_env(row->version_env, &which);
    if (row->project_env[0]) {
        out->project = cfg->vertex_project ? cfg->vertex_project
                                           : first_env(row->project_env, &which);
        if (!out->project && !mocked)
            return missing(out, err, "project", "vertex_project",
                           row->project_env);
        out->location = cfg->vertex_location ? cfg->vertex_location
                                             : first_env(row->location_env, &which);
        if (!out->location && row->default_location[0])
            out->location = row->default_location;
    }
    out->num_retries = cfg->num_retries >= 0 ? cfg->num_retries
                       : (row->quirks & LP_Q_PROXY) ? 0 : 2;
    return MP_OK;
}

int lp_route_quirk(const lp_route *r, unsigned q)
{
    return r->row && (r->row->quirks & q) != 0;
}

/* Length of `base` without its trailing slashes. */
static size_t trimmed_len(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return n;
}

static int expand(const lp_route *r, const char *t, int depth, strbuf *out);

/* Append the value of one {name} of the URL template. */
static int fill(const lp_route *r, const char *name, size_t len, int depth,
                strbuf *out)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
    if (IS("base") && depth == 0) {
        /* The base may hold {location-} etc. itself (Vertex's default). */
        size_t from = out->len;
        int rc = expand(r, r->base, depth + 1, out);
        while (!rc && out->len > from && out->data[out->len - 1] == '/')
            out->data[--out->len] = '\0';
        return rc;
    }
    if (IS("model"))
        return sb_appends(out, r->model);
    if (IS("api_version"))
        return sb_appends(out, r->api_version ? r->api_version : "");
    if (IS("project"))
        return sb_appends(out, r->project ? r->project : "");
    if (IS("location"))
        return sb_appends(out, r->location ? r->location : "");
    if (IS("location-")) {
        if (!r->location || strcmp(r->location, "global") == 0)
            return MP_OK;
        int rc = sb_appends(out, r->location);
        return rc ? rc : sb_appendc(out, '-');
    }
#undef IS
    return sb_append(out, name - 1, len + 2); /* not ours: kept as is */
}

/* Whether the base already ends with `path` (a full ".../v1/messages"
 * URL given as the base: used as it is, as LiteLLM does). */
static int base_ends_with(const lp_route *r, const char *path)
{
    size_t n = trimmed_len(r->base), k = strlen(path);
    return k && n >= k && strncmp(r->base + n - k, path, k) == 0;
}

static int expand(const lp_route *r, const char *t, int depth, strbuf *out)
{
    int rc = MP_OK;
    while (*t && !rc) {
        const char *open = strchr(t, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!close)
            return sb_appends(out, t);
        rc = sb_append(out, t, (size_t)(open - t));
        if (!rc)
            rc = fill(r, open + 1, (size_t)(close - open - 1), depth, out);
        t = close + 1;
    }
    return rc;
}

int lp_route_url(const lp_route *r, strbuf *out)
{
    const char *t = r->row->url;
    if ((r->row->quirks & LP_Q_API_VERSION) && !r->api_version)
        t = r->row->url_no_version;
    if (!*t)
        t = NULL; /* none: {base} and the adapter's path */
    sb_reset(out);
    if (!t && base_ends_with(r, r->wire->default_path))
        return expand(r, "{base}", 0, out);
    if (!t) {
        int rc = expand(r, "{base}", 0, out);
        return rc ? rc : sb_appends(out, r->wire->default_path);
    }
    return expand(r, t, 0, out);
}

int lp_route_proxy_root(const lp_route *r, strbuf *out)
{
    const char *base = r->base;
    size_t n = trimmed_len(base);
    /* http://h:4000/v1 and http://h:4000 name the same proxy. */
    if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
        n -= 3;
    while (n > 0 && base[n - 1] == '/')
        n--;
    sb_reset(out);
    return sb_append(out, base, n);
}

int lp_route_describe(const lp_route *r, const char *method, const char *url,
                      strbuf *out)
{
    int rc = sb_printf(out, " (%s ", method);
    if (!rc)
        rc = lp_url_shown(url, "", out);
    if (!rc)
        rc = sb_printf(out, "; base URL from %s; key from %s)",
                       r->base_from ? r->base_from : "?",
                       r->key_from ? r->key_from : "?");
    return rc;
}

void lp_route_secrets(const lp_route *r, const char **out, size_t cap)
{
    size_t n = 0;
    if (r->key && *r->key && n + 1 < cap)
        out[n++] = r->key;
    const lp_config *cfg = r->cfg;
    if (cfg && cfg->extra_headers) {
        json_object_object_foreach(cfg->extra_headers, name, val) {
            const char *s = json_object_get_string(val);
            if (lp_header_scrubbed(name, s) && n + 1 < cap)
                out[n++] = s;
        }
    }
    out[n] = NULL;
}
