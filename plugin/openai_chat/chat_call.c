/* chat_call.c - build one /chat/completions exchange; see chat_call.h. */
#include "chat_call.h"

#include <string.h>

#include "../core/errors.h"
#include "../core/instance.h"
#include "../core/module.h"

int chat_call_prepare(chat_call *c, const lp_config *cfg,
                      const char *request_json, size_t len,
                      const rf_options *opt, mp_error *err)
{
    memset(c, 0, sizeof *c);
    sb_init(&c->body, (size_t)1 << 31);
    sb_init(&c->url, 8192);
    lp_instance_secrets(cfg, c->secrets, LP_MAX_SECRETS);
    const lp_logger *log = lp_module_logger();
    int rc = rf_parse(request_json, len, log, &c->req, err);
    if (!rc)
        rc = rf_format_body(cfg, &c->req, opt, log, &c->body, &c->streaming, err);
    if (!rc && (rc = rf_build_url(cfg, "/chat/completions", &c->url)))
        lp_fail(err, rc, "could not build the request URL");
    if (!rc)
        rc = rf_build_headers(cfg, c->streaming, &c->headers, err);
    return rc;
}

void chat_call_free(chat_call *c)
{
    rf_release(&c->req);
    sb_free(&c->body);
    sb_free(&c->url);
    curl_slist_free_all(c->headers);
    c->headers = NULL;
}
