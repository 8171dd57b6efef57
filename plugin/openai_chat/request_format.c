/*
 * request_format.c - the /chat/completions body (reference-behaviour.md
 * 3.1 with decision 1, and the structured-output bodies of 6.1 with
 * decision 20).
 *
 * Keys are written in the reference's order; `params` is spread last and
 * wins over any of them.  Rather than write a key twice, a fixed key that
 * params also has is skipped and the params value is written in its place
 * further on (JSON key order carries no meaning).
 */
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "../route/route.h"
#include "body_writers.h"
#include "request_format.h"

typedef enum body_kind {
    BODY_STREAM,          /* plain stream() */
    BODY_RESPONSE_FORMAT, /* 6.1a */
    BODY_FORCED_TOOL      /* 6.1b */
} body_kind;

/* `params` is the config's params, or NULL where a body ignores them. */
static int in_params(json_object *params, const char *key)
{
    return params && json_object_object_get_ex(params, key, NULL);
}

/* Keys of params that a plain stream() body never spreads: "stream" is
 * resolved above and written once, "stream_options" only goes with a
 * streaming body (reference-update 2.2, decision 1). */
static int stream_owns(const char *key)
{
    return strcmp(key, "stream") == 0 || strcmp(key, "stream_options") == 0;
}

/* Keys the forced-tool body decides whatever params say: it is never
 * streamed (stream is written as false after params, and stream_options
 * never go with it), and the caller's schema is its only tool, forced.  The
 * reference lets params override tools and tool_choice here, which turns
 * structured output into an ordinary call that may answer in prose. */
static int forced_tool_owns(const char *key)
{
    return strcmp(key, "stream") == 0 || strcmp(key, "stream_options") == 0 ||
           strcmp(key, "tools") == 0 || strcmp(key, "tool_choice") == 0;
}

static void write_params(const rq_ctx *c, jw *w, json_object *params,
                         body_kind kind)
{
    if (!params)
        return;
    json_object_object_foreach(params, key, val) {
        if (kind == BODY_FORCED_TOOL && forced_tool_owns(key))
            continue;
        if (kind == BODY_STREAM && stream_owns(key))
            continue;
        /* A door that knows only max_tokens gets the newer name renamed,
         * unless params set max_tokens too (then that one stands). */
        if (c->max_tokens_only && strcmp(key, "max_completion_tokens") == 0) {
            if (in_params(params, "max_tokens"))
                continue;
            jw_key(w, "max_tokens");
        } else {
            jw_key(w, key);
        }
        jw_json(w, val);
    }
}

/* cache_config -> prompt_cache_key / prompt_cache_retention (reference-
 * update 2.15), after everything else; a key params already has wins.
 * The key: none when cache_key is false; the configured one when it is a
 * non-empty string; else "strands-<session id>" when the request names
 * its agent's session (`req` NULL: no session to use). */
static void write_cache_keys(jw *w, const lp_config *cfg, json_object *p,
                             const rf_request *req)
{
    const char *session_id = req ? req->session_id : NULL;
    if (!cfg->has_cache_config)
        return;
    if (!cfg->cache_key_off && !in_params(p, "prompt_cache_key")) {
        if (cfg->cache_key && *cfg->cache_key) {
            jw_key(w, "prompt_cache_key");
            jw_cstring(w, cfg->cache_key);
        } else if (!cfg->cache_key && session_id) {
            jw_key(w, "prompt_cache_key");
            jw_string2(w, "strands-", 8, session_id, req->session_id_len);
        }
    }
    if (cfg->cache_retention && !in_params(p, "prompt_cache_retention")) {
        jw_key(w, "prompt_cache_retention");
        jw_cstring(w, cfg->cache_retention);
    }
}

static void write_body(rq_ctx *c, jw *w, const lp_config *cfg,
                       const char *model, const rf_request *req,
                       const lp_call_options *opt, body_kind kind, int stream)
{
    /* The response_format body ignores params (reference 6.1a).  The
     * config is shared with other threads' calls, so it is only read. */
    json_object *p = kind == BODY_RESPONSE_FORMAT ? NULL : cfg->params;
    jw_object_open(w);
    if (!in_params(p, "messages")) {
        jw_key(w, "messages");
        rq_write_messages(c, w, req);
    }
    if (!in_params(p, "model")) {
        jw_key(w, "model");
        jw_cstring(w, model);
    }
    if (kind == BODY_RESPONSE_FORMAT) {
        jw_key(w, "response_format");
        jw_json(w, opt->response_format);
        jw_key(w, "stream");
        jw_bool(w, 0);
        jw_object_close(w);
        return;
    }
    if (kind == BODY_STREAM) {
        jw_key(w, "stream");
        jw_bool(w, stream);
    }
    /* Decision 1 (and now the reference): only a streaming body asks for
     * the usage chunk.  params.stream_options replaces ours (a null there
     * sends none); a route that takes none gets ours left out. */
    if (kind == BODY_STREAM && stream) {
        json_object *own = NULL;
        int given = p && json_object_object_get_ex(p, "stream_options", &own);
        if (given && own) {
            jw_key(w, "stream_options");
            jw_json(w, own);
        } else if (!given && !c->no_stream_options) {
            jw_key(w, "stream_options");
            jw_object_open(w);
            jw_key(w, "include_usage");
            jw_bool(w, 1);
            jw_object_close(w);
        }
    }
    if (kind == BODY_FORCED_TOOL) {
        jw_key(w, "tools");
        rq_write_tools(w, NULL, opt->forced_tool_spec);
        jw_key(w, "tool_choice");
        jw_cstring(w, "required"); /* the reference's {"any":{}} */
    } else {
        int no_specs = !req->tool_specs ||
                       json_object_array_length(req->tool_specs) == 0;
        if (!in_params(p, "tools") && !(no_specs && c->no_empty_tools)) {
            jw_key(w, "tools");
            rq_write_tools(w, req->tool_specs, NULL);
        }
        if (!in_params(p, "tool_choice") &&
            rq_tool_choice_present(req->tool_choice)) {
            jw_key(w, "tool_choice");
            rq_write_tool_choice(w, req->tool_choice);
        }
    }
    write_params(c, w, p, kind);
    if (kind == BODY_FORCED_TOOL) {
        jw_key(w, "stream");
        jw_bool(w, 0);
    }
    /* The reference's structured output passes no agent metadata, so its
     * tool path only gets a configured key. */
    write_cache_keys(w, cfg, p, kind == BODY_STREAM ? req : NULL);
    jw_object_close(w);
}

/* A writer failure becomes an error the host can act on. */
static int body_error(int rc, const strbuf *body, mp_error *err)
{
    if (rc == MP_E_NO_MEMORY)
        return lp_fail(err, rc, "request: out of memory building the body");
    if (rc == MP_E_PROTOCOL) /* strbuf's "over the limit" */
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "request: the body would exceed %zu bytes", body->max);
    return lp_fail(err, MP_E_INVALID_ARGUMENT,
                   "request: JSON nested too deeply to write");
}

int rf_format_body(const lp_config *cfg, const lp_route *route,
                   const rf_request *req, const lp_call_options *opt,
                   const lp_logger *log, strbuf *body, int *streaming_out,
                   mp_error *err)
{
    *streaming_out = 0;
    sb_reset(body);
    if (!cfg || !req || !req->messages)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "request: no parsed request or config");
    const char *model = route ? route->model : cfg->wire_model;
    if (!model)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "config.model_id is required");

    body_kind kind = BODY_STREAM;
    if (opt && opt->response_format)
        kind = BODY_RESPONSE_FORMAT;
    else if (opt && opt->forced_tool_spec)
        kind = BODY_FORCED_TOOL;
    int stream = 0;
    if (kind == BODY_STREAM) {
        int rc = lp_config_stream_flag(cfg, &stream, err);
        if (rc)
            return rc;
    }

    rq_ctx c;
    memset(&c, 0, sizeof c);
    c.log = log;
    c.err = err;
    c.round_trip = cfg->reasoning_round_trip;
    if (route) {
        c.sig_vendor = lp_route_quirk(route, LP_Q_GOOGLE_SIGNATURES) ? "google"
                       : lp_route_quirk(route, LP_Q_VERTEX_SIGNATURES) ? "vertex"
                       : NULL;
        c.sig_placeholder = lp_route_quirk(route, LP_Q_SIGNATURE_PLACEHOLDER);
        c.no_stream_options = lp_route_quirk(route, LP_Q_NO_STREAM_OPTIONS);
        c.max_tokens_only = lp_route_quirk(route, LP_Q_MAX_TOKENS_ONLY);
        c.no_empty_tools = lp_route_quirk(route, LP_Q_NO_EMPTY_TOOLS);
    }
    sb_init(&c.run, body->max);
    sb_init(&c.dump, body->max);

    int rc = rq_check_request(&c, req, opt);
    if (!rc) {
        /* The body is about the size of the request (the base64 dominates),
         * so one reservation avoids regrowing it across the payloads.  A
         * failed reservation is not an error: appends report the limit. */
        size_t want = req->json_len + req->json_len / 8 + 4096;
        if (want > body->max)
            want = body->max;
        (void)sb_reserve(body, want);

        jw w;
        jw_init(&w, body);
        write_body(&c, &w, cfg, model, req, opt, kind, stream);
        rc = c.status ? c.status : jw_status(&w);
        if (rc)
            rc = body_error(rc, body, err);
    }
    rq_idmap_free(&c.ids);
    sb_free(&c.run);
    sb_free(&c.dump);
    if (rc) {
        sb_reset(body);
        return rc;
    }
    *streaming_out = stream;
    return MP_OK;
}
