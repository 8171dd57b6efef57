/*
 * fuzz_request.c - the request builder: host request JSON -> parse and
 * check -> the route's adapter's body, URL and headers, under one of four
 * configs (the first
 * input byte picks it, so any seed still means what it says after that).
 * A success must be one JSON object in UTF-8; a failure must say what was
 * wrong (contract.h); warnings go through the checking log callback.
 * The configured key may show in a message only where the host's own
 * request spelled it out.
 *
 * fuzz-seeds: tests/fuzz/seeds/request tests/integration/data
 * fuzz-dict: json.dict
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "../../plugin/core/config.h"
#include "../../plugin/core/utf8.h"
#include "../../plugin/request/request.h"
#include "../../plugin/route/route.h"

/* Four routes: a proxy, Google's (signatures as extra_content), one with
 * quirks (no stream_options, max_tokens only) and a proxy with params. */
static const char *const configs[] = {
    "{\"model_id\":\"gpt-4o\"}",
    "{\"model_id\":\"gemini/g\",\"reasoning_round_trip\":true}",
    "{\"model_id\":\"mistral/m\",\"params\":{\"stream\":false,"
    "\"max_completion_tokens\":5}}",
    "{\"model_id\":\"litellm_proxy/m\",\"params\":{\"temperature\":0.5,"
    "\"tools\":[],\"api_key\":\"p\"}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *client = "{\"api_key\":\"sk-fuzz-key-0123456789abcdef\","
                         "\"api_base\":\"http://127.0.0.1:9/v1\","
                         "\"extra_headers\":{\"X-Auth\":"
                         "\"fuzz-header-secret-value\"}}";
    /* The first byte picks the config when it is not part of the JSON. */
    int json_first = data[0] == '{' || data[0] == ' ' || data[0] == '\n';
    size_t pick = json_first ? 0 : data[0] % 4;
    if (!json_first)
        data++, size--;
    const char *const *secrets =
        fz_contains_secret(data, size, fz_secrets) ? NULL : fz_secrets;
    lp_logger log = {fz_log, (void *)secrets};
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_config_new(configs[pick], (size_t)-1, client, (size_t)-1,
                           &log, &cfg, &err);
    if (rc) /* only memory can fail with these */
        fz_fail("config %zu: %s", pick, err.message);

    /* What lp_exchange_prepare does, with the checking logger. */
    lp_route route;
    rf_request req;
    memset(&req, 0, sizeof req);
    strbuf body, url;
    sb_init(&body, (size_t)1 << 28);
    sb_init(&url, 8192);
    struct curl_slist *headers = NULL;
    int streaming = 0;
    rc = lp_route_resolve(cfg, &route, &err);
    if (rc)
        fz_fail("route %zu: %s", pick, err.message);
    rc = rf_parse((const char *)data, size, &log, &req, &err);
    if (!rc)
        rc = route.wire->format_body(cfg, &route, &req, NULL, &log, &body,
                                     &streaming, &err);
    fz_check_error(rc, &err, secrets);
    if (rc == MP_OK) {
        fz_check_text("request body", body.data, body.len, NULL);
        json_tokener *tok = json_tokener_new_ex(512);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        json_object *v = json_tokener_parse_ex(tok, body.data, (int)body.len);
        if (!v || json_tokener_get_parse_end(tok) != body.len ||
            !json_object_is_type(v, json_type_object))
            fz_fail("the body is not one JSON object: %.300s", body.data);
        json_object_put(v);
        json_tokener_free(tok);
        mp_error herr = MP_ERROR_INIT;
        int hrc = lp_route_url(&route, &url);
        if (hrc)
            fz_fail("url: %s", mp_errname(hrc));
        hrc = lp_route_headers(&route, streaming, NULL, &headers, &herr);
        fz_check_error(hrc, &herr, fz_secrets);
    }
    if (rc != MP_OK && body.len)
        fz_fail("a failed request left a body behind");
    curl_slist_free_all(headers);
    rf_release(&req);
    sb_free(&body);
    sb_free(&url);
    lp_config_unref(cfg);
    return 0;
}
