/*
 * route_headers.c - the header list of a call (litellm-wire 1.2): the
 * adapter's own headers, the key in the route's form, the route's
 * environment headers, the user's extra headers, and an empty Expect.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "route.h"

int lp_route_has_extra(const lp_route *r, const char *name)
{
    const lp_config *cfg = r->cfg;
    if (!cfg || !cfg->extra_headers)
        return 0;
    json_object_object_foreach(cfg->extra_headers, key, val) {
        (void)val;
        if (strcasecmp(key, name) == 0)
            return 1;
    }
    return 0;
}

/* Appends one finished header line.  0 or MP_E_NO_MEMORY. */
static int add_line(struct curl_slist **list, const char *text)
{
    struct curl_slist *next = curl_slist_append(*list, text);
    if (!next)
        return MP_E_NO_MEMORY;
    *list = next;
    return MP_OK;
}

/* "Name: <prefix><value>", or "Name;" when both are empty.  The line may
 * hold a key, so its room is reserved once (no copy left behind by a
 * realloc) and wiped before it is freed.  Appends, not a format: this
 * runs for every header of every call. */
static int add_header_line(struct curl_slist **list, const char *name,
                           const char *prefix, const char *value)
{
    size_t nl = strlen(name), pl = strlen(prefix), vl = strlen(value);
    int empty = pl == 0 && vl == 0;
    strbuf line;
    sb_init(&line, 64 * 1024);
    int rc = sb_reserve(&line, empty ? nl + 1 : nl + 2 + pl + vl);
    if (!rc)
        rc = sb_append(&line, name, nl);
    if (!rc)
        rc = empty ? sb_appendc(&line, ';') : sb_append(&line, ": ", 2);
    if (!rc && !empty)
        rc = sb_append(&line, prefix, pl);
    if (!rc && !empty)
        rc = sb_append(&line, value, vl);
    rc = rc ? MP_E_NO_MEMORY : add_line(list, line.data);
    if (line.data)
        memset(line.data, 0, line.cap);
    sb_free(&line);
    return rc;
}

int lp_route_add_header(struct curl_slist **list, const char *name,
                        const char *value)
{
    return add_header_line(list, name, "", value);
}

static const char *const auth_header[] = {
    [LP_AUTH_BEARER] = "Authorization",
    [LP_AUTH_API_KEY] = "api-key",
    [LP_AUTH_X_API_KEY] = "x-api-key",
};

static int add_auth(const lp_route *r, struct curl_slist **list)
{
    if (!r->key || !*r->key)
        return MP_OK;
    int auth = r->key_is_token ? LP_AUTH_BEARER : r->row->auth;
    const char *name = auth_header[auth];
    if (lp_route_has_extra(r, name))
        return MP_OK;
    return add_header_line(list, name, auth == LP_AUTH_BEARER ? "Bearer " : "",
                           r->key);
}

static int add_env_headers(const lp_route *r, struct curl_slist **list)
{
    int rc = MP_OK;
    for (size_t i = 0; !rc && i < 2 && r->row->env_headers[i].header[0];
         i++) {
        const lp_env_header *h = &r->row->env_headers[i];
        const char *v = getenv(h->env);
        if (v && *v && !strpbrk(v, "\r\n") && !lp_route_has_extra(r, h->header))
            rc = lp_route_add_header(list, h->header, v);
    }
    return rc;
}

/* Whether `list` holds a header `name` (the adapter wrote it). */
static int listed(const struct curl_slist *list, const char *name)
{
    size_t n = strlen(name);
    for (; list; list = list->next)
        if (strncasecmp(list->data, name, n) == 0 &&
            (list->data[n] == ':' || list->data[n] == ';'))
            return 1;
    return 0;
}

static int add_extras(const lp_route *r, struct curl_slist **list,
                      mp_error *err)
{
    const lp_config *cfg = r->cfg;
    if (!cfg->extra_headers)
        return MP_OK;
    json_object_object_foreach(cfg->extra_headers, name, val) {
        /* config.c checks these too; a host-built config may not have. */
        if (!json_object_is_type(val, json_type_string))
            return lp_fail(err, MP_E_INVALID_ARGUMENT,
                           "client_args.extra_headers.%s: expected string, "
                           "got %s", name, lp_json_type_name(val));
        const char *value = json_object_get_string(val);
        if (!*name || strpbrk(name, ":;\r\n \t") || strpbrk(value, "\r\n"))
            return lp_fail(err, MP_E_INVALID_ARGUMENT,
                           "client_args.extra_headers.%s: not a valid header "
                           "(name without ':', ';' or spaces, no line "
                           "breaks)", name);
        if (listed(*list, name))
            continue; /* the adapter merged it into its own */
        if (lp_route_add_header(list, name, value))
            return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    return MP_OK;
}

int lp_route_headers(const lp_route *r, int streaming,
                     const lp_call_options *opt, struct curl_slist **out,
                     mp_error *err)
{
    struct curl_slist *list = NULL;
    int rc = r->wire->add_headers(r, streaming, opt, &list, err);
    if (!rc && (rc = add_auth(r, &list)))
        lp_fail(err, rc, "out of memory");
    /* An empty Expect stops curl waiting for "100 Continue" on a POST. */
    if (!rc && !lp_route_has_extra(r, "Expect") &&
        (rc = add_line(&list, "Expect:")))
        lp_fail(err, rc, "out of memory");
    if (!rc && (rc = add_env_headers(r, &list)))
        lp_fail(err, rc, "out of memory");
    if (!rc)
        rc = add_extras(r, &list, err);
    if (rc) {
        curl_slist_free_all(list);
        list = NULL;
    }
    *out = list;
    return rc;
}
