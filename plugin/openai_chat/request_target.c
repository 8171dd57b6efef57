/*
 * request_target.c - where a request goes and with which headers: the URL
 * from api_base (reference 2.4 / litellm-wire 1.11) and the header list
 * for curl (litellm-wire 1.2).  The only request_* file that needs curl.
 */
#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "request_format.h"

/* Length of `base` without its trailing slashes. */
static size_t trimmed_len(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return n;
}

int rf_build_url(const lp_config *cfg, const char *path, strbuf *out)
{
    const char *base = lp_config_api_base(cfg);
    sb_reset(out);
    int rc = sb_append(out, base, trimmed_len(base));
    if (!rc && path)
        rc = sb_appends(out, path);
    return rc;
}

int rf_proxy_root(const lp_config *cfg, strbuf *out)
{
    const char *base = lp_config_api_base(cfg);
    size_t n = trimmed_len(base);
    /* http://h:4000/v1 and http://h:4000 name the same proxy. */
    if (n >= 3 && strncmp(base + n - 3, "/v1", 3) == 0)
        n -= 3;
    while (n > 0 && base[n - 1] == '/')
        n--;
    sb_reset(out);
    return sb_append(out, base, n);
}

/* An extra header replaces the default header of the same name. */
static int has_extra(const lp_config *cfg, const char *name)
{
    if (!cfg->extra_headers)
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

/* "Name: value", or "Name;" for an empty value: curl's way to send a
 * header with nothing after the colon. */
static int add_header(struct curl_slist **list, strbuf *line,
                      const char *name, const char *value)
{
    sb_reset(line);
    int rc = *value ? sb_printf(line, "%s: %s", name, value)
                    : sb_printf(line, "%s;", name);
    return rc ? MP_E_NO_MEMORY : add_line(list, line->data);
}

static int add_defaults(const lp_config *cfg, int streaming,
                        struct curl_slist **list, strbuf *line)
{
    int rc = MP_OK;
    if (!has_extra(cfg, "Content-Type"))
        rc = add_header(list, line, "Content-Type", "application/json");
    if (!rc && !has_extra(cfg, "Accept"))
        rc = add_header(list, line, "Accept",
                        streaming ? "text/event-stream" : "application/json");
    const char *key = lp_config_api_key(cfg);
    if (!rc && key && *key && !has_extra(cfg, "Authorization")) {
        sb_reset(line);
        rc = sb_printf(line, "Authorization: Bearer %s", key)
                 ? MP_E_NO_MEMORY : add_line(list, line->data);
    }
    /* An empty Expect stops curl waiting for "100 Continue" on a POST. */
    if (!rc && !has_extra(cfg, "Expect"))
        rc = add_line(list, "Expect:");
    return rc;
}

static int add_extras(const lp_config *cfg, struct curl_slist **list,
                      strbuf *line, mp_error *err)
{
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
        if (add_header(list, line, name, value))
            return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    return MP_OK;
}

int rf_build_headers(const lp_config *cfg, int streaming,
                     struct curl_slist **out, mp_error *err)
{
    struct curl_slist *list = NULL;
    strbuf line;
    sb_init(&line, 64 * 1024);
    int rc = add_defaults(cfg, streaming, &list, &line);
    if (rc)
        rc = lp_fail(err, rc, "out of memory");
    else
        rc = add_extras(cfg, &list, &line, err);
    /* `line` held the bearer token: clear it before freeing. */
    if (line.data)
        memset(line.data, 0, line.cap);
    sb_free(&line);
    if (rc) {
        curl_slist_free_all(list);
        list = NULL;
    }
    *out = list;
    return rc;
}
