/* model_info.c - does the proxy say a model supports response_format
 * json_schema?  See model_info.h. */
#include "model_info.h"
#include "model_info_shared.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/exchange.h"
#include "../core/errors.h"
#include "../core/instance.h"
#include "../core/json_util.h"
#include "../core/strbuf.h"
#include "../core/utf8.h"
#include "../core/log.h"
#include "../core/module.h"
#include "../request/request_internal.h"

/* What one probe learned. */
typedef struct mi_answer {
    int support;   /* enum lp_schema_support: LP_SCHEMA_YES or _NO */
    lp_model_facts facts; /* when definite */
    int definite;  /* 1: the server answered (worth caching): a
                      model-info document, or on both routes a status
                      such as 404 that says the route is not there; 0: no
                      answer (network, timeout) or a transient status
                      (5xx, 408, 429), so ask again on the next call */
    char why[160]; /* for the log: where the answer came from */
} mi_answer;

/* A flag of one entry into the running answer: any false makes it "no". */
static void merge_flag(json_object *info, const char *key, int *flag)
{
    json_object *v;
    if (!json_object_object_get_ex(info, key, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return;
    if (!json_object_get_boolean(v))
        *flag = 0;
    else if (*flag < 0)
        *flag = 1;
}

int mi_parse_facts(const char *body, size_t len, const char *model,
                   lp_model_facts *facts)
{
    json_object *root = NULL, *data;
    memset(facts, 0, sizeof *facts);
    facts->response_schema = LP_SCHEMA_NO;
    facts->vision = facts->function_calling = -1;
    facts->max_input_tokens = -1;
    if (!body || lp_json_parse(body, len, "model info", &root, NULL))
        return 0;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "data", &data) ||
        !json_object_is_type(data, json_type_array)) {
        json_object_put(root);
        return 0;
    }
    size_t n = json_object_array_length(data), found = 0, yes = 0;
    for (size_t i = 0; model && i < n; i++) {
        json_object *e = json_object_array_get_idx(data, i), *name, *info, *v;
        if (!json_object_is_type(e, json_type_object) ||
            !json_object_object_get_ex(e, "model_name", &name) ||
            !json_object_is_type(name, json_type_string) ||
            strcmp(json_object_get_string(name), model) != 0)
            continue;
        found++;
        if (!json_object_object_get_ex(e, "model_info", &info) ||
            !json_object_is_type(info, json_type_object))
            continue;
        if (json_object_object_get_ex(info, "supports_response_schema", &v) &&
            json_object_is_type(v, json_type_boolean) &&
            json_object_get_boolean(v))
            yes++;
        merge_flag(info, "supports_vision", &facts->vision);
        merge_flag(info, "supports_function_calling", &facts->function_calling);
        if (json_object_object_get_ex(info, "max_input_tokens", &v) &&
            json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0 &&
            (facts->max_input_tokens < 0 ||
             json_object_get_int64(v) < facts->max_input_tokens))
            facts->max_input_tokens = json_object_get_int64(v);
    }
    json_object_put(root);
    facts->listed = found > 0;
    facts->response_schema = found && yes == found ? LP_SCHEMA_YES : LP_SCHEMA_NO;
    return 1;
}

int mi_parse(const char *body, size_t len, const char *model, int *support)
{
    lp_model_facts f;
    int ok = mi_parse_facts(body, len, model, &f);
    *support = f.response_schema;
    return ok;
}

/* The whole body of a 2xx answer, bounded. */
static int collect(void *ctx, const char *p, size_t n, mp_error *err)
{
    strbuf *sb = ctx;
    int rc = sb_append(sb, p, n);
    if (rc == MP_E_PROTOCOL)
        return lp_fail(err, rc, "model info larger than max_response_bytes");
    if (rc)
        return lp_fail(err, rc, "out of memory reading model info");
    return MP_OK;
}

static int nothing_started(void *ctx)
{
    (void)ctx;
    return 0;
}

/* One GET.  Returns 1 with out filled when it gave a model-info document,
 * 0 when not (out->why says why), or -1 when cancelled (err filled).
 * `scratch` takes the GET's own error, which only feeds out->why. */
static int ask(lp_transport *t, const lp_config *cfg, int64_t cap_ms,
               const char *root,
               const char *path, struct curl_slist *headers,
               const char *const *secrets, const char *model, mi_answer *out,
               int *answered, mp_error *scratch, mp_error *err)
{
    strbuf url, body;
    sb_init(&url, 8192);
    sb_init(&body, (size_t)cfg->max_response_bytes);
    int result = 0;
    if (sb_appends(&url, root) || sb_appends(&url, path)) {
        snprintf(out->why, sizeof out->why, "GET %s: out of memory", path);
        goto done;
    }
    lp_body_handler h = {.ctx = &body, .on_bytes = collect,
                         .started = nothing_started};
    /* A probe: one attempt, whatever num_retries says, and at most
     * cap_ms however long the chat call may take (which keeps its
     * own retries and timeouts). */
    lp_http_request req = {.url = url.data, .headers = headers,
                           .timeout_cap_ms = cap_ms,
                           .single_attempt = 1};
    lp_http_result res;
    *scratch = (mp_error)MP_ERROR_INIT;
    int rc = lp_http_perform(t, cfg, &req, &h, secrets, &res, scratch);
    if (rc == MP_E_CANCELLED) {
        lp_fail(err, MP_E_CANCELLED, "cancelled");
        result = -1;
        goto done;
    }
    /* A status is the server's answer, except a transient one (5xx, 408,
     * 429): the route may work next time, so that is not remembered. */
    if (res.status && res.status < 500 && res.status != 408 &&
        res.status != 429)
        *answered = 1;
    if (!rc && res.complete &&
        mi_parse_facts(body.data, body.len, model, &out->facts)) {
        out->support = out->facts.response_schema;
        out->definite = 1;
        snprintf(out->why, sizeof out->why, "GET %s: %s", path,
                 out->support == LP_SCHEMA_YES
                     ? "supports_response_schema is true"
                     : "not listed, or supports_response_schema is not true");
        result = 1;
    } else if (rc) {
        lp_format(out->why, sizeof out->why, "GET %s: %s (%.*s)", path,
                  mp_errname(rc), lp_utf8_prec(scratch->message, 80),
                  scratch->message);
    } else {
        snprintf(out->why, sizeof out->why, "GET %s: HTTP %ld, not a "
                 "model-info document", path, res.status);
    }
done:
    sb_free(&url);
    sb_free(&body);
    return result;
}

/* Where the probe goes and what it sends: the proxy's root URL and the
 * route's header list (the key with it).  The errors of the probe's own
 * steps only feed out->why: one scratch mp_error (2 KiB) on the heap, not
 * one per step on the stack, where the probe made a stream's first call
 * 6 KiB deeper than its next ones, and that stays resident for the life
 * of every host thread that called (tests/README.md, Performance). */
typedef struct probe_target {
    strbuf root;
    struct curl_slist *headers;
    mp_error *scratch;
} probe_target;

static void target_close(probe_target *pt)
{
    sb_free(&pt->root);
    curl_slist_free_all(pt->headers);
    free(pt->scratch);
}

/* 0 when the target is ready; -1 when it could not be built (closed). */
static int target_open(const lp_route *route, probe_target *pt)
{
    sb_init(&pt->root, 8192);
    pt->headers = NULL;
    pt->scratch = malloc(sizeof *pt->scratch);
    if (pt->scratch)
        *pt->scratch = (mp_error)MP_ERROR_INIT;
    if (!pt->scratch || lp_route_proxy_root(route, &pt->root) ||
        !pt->root.data ||
        lp_route_headers(route, 0, NULL, &pt->headers, pt->scratch)) {
        target_close(pt);
        return -1;
    }
    return 0;
}

/* Ask the server: /v1/model/info, then /model/info (model_info.h).  Never
 * fails because the information is missing: that is LP_SCHEMA_NO.
 * Returns MP_OK, or MP_E_CANCELLED (with `err` filled) when cancel()
 * stopped it. */
static int query_target(lp_transport *t, const lp_config *cfg,
                        const lp_route *route, int64_t cap_ms,
                        probe_target *pt, mi_answer *out, mp_error *err)
{
    const char *model = route->model;
    const char *secrets[LP_MAX_SECRETS];
    lp_route_secrets(route, secrets, LP_MAX_SECRETS);
    static const char *const paths[] = {"/v1/model/info", "/model/info"};
    /* Without a document, the "no" is remembered only when both routes
     * answered for good (e.g. 404 twice: a server without them). */
    int answered_both = 1, got = 0;
    char first_why[sizeof out->why] = "";
    for (size_t i = 0; i < 2 && !got; i++) {
        int answered = 0;
        got = ask(t, cfg, cap_ms, pt->root.data, paths[i], pt->headers,
                  secrets, model, out, &answered, pt->scratch, err);
        answered_both &= answered;
        if (i == 0 && !got)
            memcpy(first_why, out->why, sizeof first_why);
    }
    if (got == 0) {
        char second[sizeof out->why];
        memcpy(second, out->why, sizeof second);
        lp_format(out->why, sizeof out->why, "%.*s; %.*s",
                  lp_utf8_prec(first_why, 70), first_why,
                  lp_utf8_prec(second, 80), second);
        out->support = LP_SCHEMA_NO;
        out->definite = answered_both;
    }
    return got < 0 ? MP_E_CANCELLED : MP_OK;
}

/* Into the instance's memo; get_config reads it from any thread. */
static void remember(mp_instance *inst, const lp_route *route,
                     const lp_model_facts *facts)
{
    pthread_mutex_lock(&inst->lock);
    lp_model_memo_put_facts(&inst->model_memo, route->model, facts);
    pthread_mutex_unlock(&inst->lock);
}

int mi_learn(mp_instance *inst, const lp_config *cfg, const lp_route *route,
             int64_t cap_ms, int optional, lp_model_facts *out, int *known,
             mp_error *err)
{
    *known = 0;
    if (lp_model_memo_get_facts(&inst->model_memo, route->model, out)) {
        *known = 1;
        return MP_OK;
    }
    if (!lp_route_quirk(route, LP_Q_PROXY) || route->perform != lp_http_perform)
        return MP_OK;
    mi_answer a = {.support = LP_SCHEMA_NO};
    probe_target pt;
    if (target_open(route, &pt))
        return MP_OK; /* out of memory: nothing learned, the call goes on */
    /* The process's answer first (model_info_shared.h).  Asking is at
     * most two GETs of cap_ms each: a claim not settled well after that
     * is a lost one. */
    mis_key key = mis_key_of(pt.root.data, route->model, pt.headers);
    unsigned long long token;
    switch (mis_claim(key, 2 * cap_ms + 1000, out, &token)) {
    case MIS_KNOWN:
        target_close(&pt);
        remember(inst, route, out);
        *known = 1;
        return MP_OK;
    case MIS_BUSY:
        if (optional) {
            target_close(&pt);
            return MP_OK;
        }
        break; /* asked here too (its answer shared as well) */
    case MIS_ASK:
        break;
    }
    int rc = query_target(&inst->transport, cfg, route, cap_ms, &pt, &a, err);
    target_close(&pt);
    mis_settle(key, token, !rc && a.definite ? &a.facts : NULL);
    if (rc)
        return rc;
    lp_log(lp_module_logger(), MP_LOG_DEBUG, "model info for \"%s\": %s%s",
           route->model, a.why, a.definite ? "" : " (not remembered: no "
           "answer)");
    if (!a.definite)
        return MP_OK;
    remember(inst, route, &a.facts);
    *out = a.facts;
    *known = 1;
    return MP_OK;
}

/* A stream's first call must not wait long on a proxy that is slow to
 * describe itself: the answer only adds warnings. */
#define MI_STREAM_PROBE_MS 5000

int mi_check_request(mp_instance *inst, const lp_config *cfg,
                     const lp_route *route, const rf_request *req,
                     mp_error *err)
{
    lp_model_facts f;
    int known;
    int rc = mi_learn(inst, cfg, route, MI_STREAM_PROBE_MS, 1, &f, &known,
                      err);
    if (rc || !known || !f.listed)
        return rc;
    const lp_logger *log = lp_module_logger();
    if (f.vision == 0 && rq_request_has_images(req))
        lp_log(log, MP_LOG_WARN, "model \"%s\": the proxy's /model/info says "
               "supports_vision is false, but the request holds images; "
               "sending it anyway", route->model);
    if (f.function_calling == 0 && req->tool_specs &&
        json_object_array_length(req->tool_specs) > 0)
        lp_log(log, MP_LOG_WARN, "model \"%s\": the proxy's /model/info says "
               "supports_function_calling is false, but the request offers "
               "tools; sending it anyway", route->model);
    return MP_OK;
}
