/*
 * fuzz_config.c - config and client args: parse, update, get_config's
 * redaction, and the route built from them (secrets list, URL, headers).
 * The input is up to three JSON texts separated by NUL bytes: the config,
 * the client args and an update.  get_config's output must be one JSON
 * object, UTF-8, with api_key and every extra header off the public list
 * shown as "<redacted>"; errors and warnings keep the contract.  The
 * fuzzer writes the secrets itself here, so "no secret" is checked as the
 * redaction rule, not by searching messages.
 *
 * fuzz-seeds: tests/fuzz/seeds/config
 * fuzz-dict: json.dict
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "../../plugin/core/config.h"
#include "../../plugin/core/exchange.h"
#include "../../plugin/core/strbuf.h"
#include "../../plugin/route/route.h"

static int redacted(json_object *v)
{
    return json_object_is_type(v, json_type_string) &&
           strcmp(json_object_get_string(v), "<redacted>") == 0;
}

/* get_config of `cfg`, checked. */
static void check_redaction(const lp_config *cfg)
{
    strbuf out;
    sb_init(&out, (size_t)1 << 28);
    int rc = lp_config_to_redacted_json(cfg, -1, &out);
    if (rc == MP_E_NO_MEMORY) {
        sb_free(&out);
        return;
    }
    if (rc)
        fz_fail("get_config: %s", mp_errname(rc));
    fz_check_text("get_config", out.data, out.len, NULL);
    json_tokener *tok = json_tokener_new_ex(512);
    json_object *doc = json_tokener_parse_ex(tok, out.data, (int)out.len);
    if (!doc || json_tokener_get_parse_end(tok) != out.len)
        fz_fail("get_config is not JSON: %.300s", out.data);
    json_tokener_free(tok);
    json_object *client, *v;
    if (!json_object_object_get_ex(doc, "client_args", &client))
        fz_fail("get_config without client_args");
    if (json_object_object_get_ex(client, "api_key", &v) && v && !redacted(v))
        fz_fail("get_config shows api_key: %.300s", out.data);
    if (json_object_object_get_ex(client, "extra_headers", &v) &&
        json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, name, hv) {
            if (!lp_header_is_public(name) && hv && !redacted(hv))
                fz_fail("get_config shows header %s: %.300s", name, out.data);
        }
    }
    json_object_put(doc);
    sb_free(&out);
}

/* What an exchange would use: the route, its secrets, URL and headers. */
static void check_target(const lp_config *cfg)
{
    lp_route route;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_route_resolve(cfg, &route, &err);
    fz_check_error(rc, &err, NULL); /* the input wrote the secrets */
    if (rc)
        return;
    const char *secrets[LP_MAX_SECRETS];
    lp_route_secrets(&route, secrets, LP_MAX_SECRETS);
    strbuf url;
    sb_init(&url, 8192);
    rc = lp_route_url(&route, &url);
    if (rc == MP_OK)
        fz_check_text("url", url.data, url.len, NULL);
    sb_free(&url);
    struct curl_slist *h = NULL;
    err = (mp_error)MP_ERROR_INIT;
    rc = lp_route_headers(&route, 1, NULL, &h, &err);
    fz_check_error(rc, &err, NULL);
    curl_slist_free_all(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 3 && p <= end; i++) {
        const char *nul = i < 2 ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        part[i] = p;
        len[i] = nul ? (size_t)(nul - p) : (size_t)(end - p);
        p += len[i] + 1;
        if (!nul)
            break;
    }
    /* create() takes NUL-terminated texts: copy the first two. */
    char *doc[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        if (!part[i])
            continue;
        doc[i] = malloc(len[i] + 1);
        memcpy(doc[i], part[i], len[i]);
        doc[i][len[i]] = '\0';
    }
    lp_logger log = {fz_log, NULL};
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_config_new(doc[0], (size_t)-1, doc[1], (size_t)-1, &log, &cfg,
                           &err);
    fz_check_error(rc, &err, NULL);
    if (!rc) {
        check_redaction(cfg);
        check_target(cfg);
        if (part[2]) {
            lp_config *next = NULL;
            err = (mp_error)MP_ERROR_INIT;
            rc = lp_config_update(cfg, part[2], len[2], &log, &next, &err);
            fz_check_error(rc, &err, NULL);
            if (!rc) {
                check_redaction(next);
                check_target(next);
                lp_config_unref(next);
            } else if (next) {
                fz_fail("a failed update returned a config");
            }
        }
        lp_config_unref(cfg);
    } else if (cfg) {
        fz_fail("a failed create returned a config");
    }
    free(doc[0]);
    free(doc[1]);
    return 0;
}
