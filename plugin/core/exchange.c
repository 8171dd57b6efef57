/* exchange.c - build one exchange with a model; see exchange.h. */
#include "exchange.h"

#include <string.h>

#include "error_classify.h"
#include "errors.h"
#include "module.h"

/* The body, URL and headers for the route's adapter. */
static int build(lp_exchange *x, const lp_config *cfg,
                 const lp_call_options *opt, const lp_logger *log,
                 mp_error *err)
{
    const lp_wire *w = x->route.wire;
    int rc = w->format_body(cfg, &x->route, &x->req, opt, log, &x->body,
                            &x->streaming, err);
    if (!rc && (rc = lp_route_url(&x->route, &x->url)))
        lp_fail(err, rc, "could not build the request URL");
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    if (!rc)
        rc = lp_route_headers(&x->route, x->streaming, opt, &x->headers,
                              err);
    return rc;
}

int lp_exchange_prepare(lp_exchange *x, const lp_config *cfg,
                        const char *request_json, size_t len,
                        const lp_call_options *opt, mp_error *err)
{
    memset(x, 0, sizeof *x);
    sb_init(&x->body, (size_t)1 << 31);
    sb_init(&x->url, 8192);
    int rc = lp_route_resolve(cfg, &x->route, err);
    if (rc)
        return rc;
    lp_route_secrets(&x->route, x->secrets, LP_MAX_SECRETS);
    const lp_logger *log = lp_module_logger();
    rc = rf_parse(request_json, len, log, &x->req, err);
    return rc ? rc : build(x, cfg, opt, log, err);
}

int lp_exchange_rebuild(lp_exchange *x, const lp_config *cfg,
                        const lp_call_options *opt, mp_error *err)
{
    static const lp_logger quiet = {NULL, NULL};
    return build(x, cfg, opt, &quiet, err);
}

void lp_exchange_release_request(lp_exchange *x)
{
    rf_release(&x->req);
}

void lp_exchange_explain(const lp_exchange *x, int rc, int delivered,
                         mp_error *err)
{
    /* Only where the destination matters: the server's answer or the
     * way to it, not cancellation or a stream that went wrong midway.
     * Once the exchange is under way the only bad argument left is the
     * URL (the body and headers were checked before). */
    const char *hint = NULL;
    switch (rc) {
    case MP_E_AUTHENTICATION: case MP_E_THROTTLED: case MP_E_CONTEXT_OVERFLOW:
    case MP_E_TIMEOUT: case MP_E_NETWORK: case MP_E_SERVER:
    case MP_E_BAD_REQUEST: case MP_E_NOT_FOUND: case MP_E_HTTP:
    case MP_E_INVALID_ARGUMENT:
        break;
    case MP_E_PROTOCOL:
        if (delivered)
            return;
        hint = x->route.wire ? x->route.wire->speaks : NULL;
        break;
    default:
        return;
    }
    if (!x->url.data || !LP_ERR_HAS(err, message))
        return;
    strbuf where, clean;
    sb_init(&where, 4096);
    sb_init(&clean, 8192);
    if (!lp_route_describe(&x->route, x->body.data ? "POST" : "GET",
                           x->url.data, &where) &&
        !ec_scrub(where.data, where.len, x->secrets, &clean) && clean.data)
        lp_error_append(err, clean.data);
    if (hint) {
        sb_reset(&where);
        if (!sb_printf(&where, "; check that the base URL is %s", hint))
            lp_error_append(err, where.data);
    }
    sb_free(&where);
    sb_free(&clean);
}

void lp_exchange_free(lp_exchange *x)
{
    rf_release(&x->req);
    sb_free(&x->body);
    sb_free(&x->url);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
}
