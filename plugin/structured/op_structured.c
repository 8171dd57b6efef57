/*
 * op_structured.c - the structured_output() operation (reference 6.1 with
 * decisions 18-20).
 *
 *  1. Everything the host gave is checked before anything is sent: the
 *     name, the description, the schema (schema_ref.h) and the request
 *     (its body is built at once).
 *  2. The path: config structured_output_mode `tool` or `response_format`
 *     decides; `auto` uses what this instance learned about the model, and
 *     otherwise asks the proxy's /model/info (model_info.h) and remembers
 *     the answer.  Unknown means the tool path (the reference's answer for
 *     proxy model ids).
 *  3. One non-streaming exchange; the body goes through the chunk mapper
 *     into a collecting sink (structured_reply.h), so it is read exactly as
 *     stream() reads it, HTTP errors are classified the same way, and the
 *     answer is validated against the caller's schema.
 *  4. `auto` only: a 400 to response_format (MP_E_BAD_REQUEST, never an
 *     overflow) switches to the tool path at once and for the model's
 *     future calls on this instance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/errors.h"
#include "../core/event_emit.h"
#include "../core/exchange.h"
#include "../transport/http_transport.h"
#include "../core/instance.h"
#include "../core/json_util.h"
#include "../core/log.h"
#include "../route/model_info.h"
#include "../core/module.h"
#include "schema_ref.h"
#include "schema_strict.h"
#include "../core/strbuf.h"
#include "structured_reply.h"
#include "../core/utf8.h"

/* The longest the `auto` probe may take (each of the proxy's two
 * model-info routes), whatever the config's timeout. */
#define SO_PROBE_MS 30000

/* The two ways to ask, built once per call. */
typedef struct so_call {
    json_object *schema;    /* the caller's schema, parsed              */
    lp_call_options tool;        /* forced_tool_spec: the schema as a tool   */
    lp_call_options rformat;     /* response_format with the strict schema   */
} so_call;

static void so_call_free(so_call *s)
{
    json_object_put(s->schema);
    json_object_put(s->tool.forced_tool_spec);
    json_object_put(s->rformat.response_format);
}

/* ^[A-Za-z0-9_-]{1,64}$, the rule for an OpenAI function name. */
static int valid_name(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n >= 1 && n <= 64;
}

static int add(json_object *obj, const char *key, json_object *v)
{
    if (!v || json_object_object_add(obj, key, v)) {
        json_object_put(v);
        return MP_E_NO_MEMORY;
    }
    return MP_OK;
}

/* The forced-tool ToolSpec (reference convert_pydantic_to_tool_spec) and
 * the strict response_format (reference 6.1a). */
static int build_options(so_call *s, const char *name, const char *description)
{
    int has_desc = description && *description;
    json_object *spec = json_object_new_object();
    json_object *input = json_object_new_object();
    json_object *rf = json_object_new_object();
    json_object *js = json_object_new_object();
    json_object *strict = NULL;
    int rc = spec && input && rf && js ? MP_OK : MP_E_NO_MEMORY;
    if (!rc)
        rc = add(spec, "name", json_object_new_string(name));
    char fallback[128]; /* the name has at most 64 characters */
    snprintf(fallback, sizeof fallback, "%s structured output tool", name);
    if (!rc)
        rc = add(spec, "description",
                 json_object_new_string(has_desc ? description : fallback));
    if (!rc)
        rc = add(input, "json", json_object_get(s->schema));
    if (!rc) {
        rc = add(spec, "inputSchema", input);
        input = NULL;
    }
    if (!rc)
        rc = ss_make_strict(s->schema, &strict);
    if (!rc)
        rc = add(js, "name", json_object_new_string(name));
    if (!rc && has_desc)
        rc = add(js, "description", json_object_new_string(description));
    if (!rc) {
        rc = add(js, "schema", strict);
        strict = NULL;
    }
    if (!rc)
        rc = add(js, "strict", json_object_new_boolean(1));
    if (!rc)
        rc = add(rf, "type", json_object_new_string("json_schema"));
    if (!rc) {
        rc = add(rf, "json_schema", js);
        js = NULL;
    }
    json_object_put(input);
    json_object_put(js);
    json_object_put(strict);
    if (rc) {
        json_object_put(spec);
        json_object_put(rf);
        return rc;
    }
    s->tool.forced_tool_spec = spec;
    s->rformat.response_format = rf;
    s->rformat.schema = s->schema; /* borrowed; for the adapter's own form */
    return MP_OK;
}

/* The host's arguments, checked before anything is sent. */
static int check_args(so_call *s, const char *schema_json, size_t schema_len,
                      const char *name, const char *description, mp_error *err)
{
    if (!valid_name(name)) {
        /* Shown in the message only when it is text (a message is UTF-8). */
        if (!lp_utf8_valid(name, strlen(name)))
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "name: not valid UTF-8 "
                           "(a function name is 1 to 64 of A-Z, a-z, 0-9, _ "
                           "and -)");
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "name: \"%.*s\" is not a "
                       "valid function name (1 to 64 of A-Z, a-z, 0-9, _ "
                       "and -)", lp_utf8_prec(name, 80), name);
    }
    if (description && !lp_utf8_valid(description, strlen(description)))
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "description: not valid UTF-8");
    int rc = lp_json_parse(schema_json, schema_len, "schema", &s->schema, err);
    if (!rc)
        rc = sch_check(s->schema, err);
    if (!rc && (rc = build_options(s, name, description)))
        lp_fail(err, rc, "structured_output: out of memory");
    return rc;
}

/* ------------------------------------------------------- one exchange */

static int collect(void *ctx, const char *p, size_t n, mp_error *err)
{
    strbuf *sb = ctx;
    int rc = sb_append(sb, p, n);
    if (rc == MP_E_PROTOCOL)
        return lp_fail(err, rc, "response body exceeds max_response_bytes "
                       "(%zu bytes)", sb->max);
    if (rc)
        return lp_fail(err, rc, "out of memory reading the response");
    return MP_OK;
}

/* Nothing reaches the host before the answer is whole, so a failed
 * attempt may always be retried. */
static int never_started(void *ctx)
{
    (void)ctx;
    return 0;
}

static const char *path_name(int path)
{
    return path == SO_PATH_TOOL ? "tool" : "response_format";
}

/* One request of the call and its answer.  *deadline is the whole call's:
 * 0 before its first request, which sets it, so `timeout` bounds the call
 * however many requests it takes (an older form of response_format, the
 * tool path after a 400), as in stream(). */
static int exchange(mp_instance *inst, const lp_config *cfg, lp_exchange *p,
                    int path, json_object *schema, int64_t *deadline,
                    strbuf *result, mp_error *err)
{
    size_t max = (size_t)cfg->max_response_bytes;
    strbuf whole;
    sb_init(&whole, max);
    so_reply reply;
    so_reply_init(&reply, max);
    reply.secrets = p->secrets;
    ev_emitter em;
    ev_init(&em, &reply.sink);
    const lp_wire *w = p->route.wire;
    lp_mapper *mapper = NULL;
    lp_map_options opt = {.max_line = max, .max_tool_args = max,
                          .secrets = p->secrets, .log = lp_module_logger()};
    int rc = w->new_mapper(&em, &opt, &mapper);
    if (rc) {
        so_reply_free(&reply);
        return lp_fail(err, rc, "structured_output: out of memory");
    }
    lp_body_handler h = {.ctx = &whole, .on_bytes = collect,
                         .started = never_started};
    lp_http_request hreq = {.url = p->url.data, .headers = p->headers,
                            .body = p->body.data, .body_len = p->body.len,
                            .num_retries = p->route.num_retries,
                            .deadline_ms = *deadline,
                            .classify = w->classify_http};
    lp_http_result res;
    int64_t t0 = lp_now_ms();
    rc = p->route.perform(&inst->transport, cfg, &hreq, &h, p->secrets, &res,
                         err);
    if (!*deadline)
        *deadline = res.deadline_ms;
    lp_exchange_explain(p, rc, 0, err);
    int64_t latency = lp_now_ms() - t0;
    if (!rc && !res.complete) /* not expected: nothing ever "started" */
        rc = lp_fail(err, res.cut_status, "the response was cut short: %s",
                     res.detail);
    if (!rc)
        rc = w->map_whole(mapper, whole.data, whole.len, latency,
                          res.ttfb_ms, err);
    if (!rc && w->check_single_answer)
        rc = w->check_single_answer(whole.data, whole.len, err);
    if (!rc)
        rc = so_reply_result(&reply, path, schema, result, err);
    lp_log(lp_module_logger(), MP_LOG_DEBUG, "structured_output: %s path, "
           "HTTP %ld, %lld ms, tokens in %lld out %lld: %s", path_name(path),
           res.status, (long long)latency, (long long)reply.in_tokens,
           (long long)reply.out_tokens, rc ? mp_errname(rc) : "valid");
    w->free_mapper(mapper);
    so_reply_free(&reply);
    sb_free(&whole);
    return rc;
}

/* ------------------------------------------------------- the operation */

/* The path to start with; *probe says auto does not know yet.  Only a
 * LiteLLM proxy can be asked (/model/info); a provider reached directly
 * is tried with response_format, and a 400 moves it to the tool path as
 * for a proxy's model. */
static int first_path(const mp_instance *inst, const lp_config *cfg,
                      const lp_route *route, int *probe)
{
    *probe = 0;
    if (cfg->structured_output_mode == LP_SO_TOOL)
        return SO_PATH_TOOL;
    if (cfg->structured_output_mode == LP_SO_RESPONSE_FORMAT)
        return SO_PATH_RESPONSE_FORMAT;
    int known = lp_model_memo_get_schema(&inst->model_memo, route->model);
    /* An API that knows from the model id: no guess (a 400 still moves
     * the model to the tool path, remembered below). */
    if (known == LP_SCHEMA_UNKNOWN && route->wire->json_schema_support)
        known = route->wire->json_schema_support(route->model)
                    ? LP_SCHEMA_YES : LP_SCHEMA_NO;
    if (known == LP_SCHEMA_YES)
        return SO_PATH_RESPONSE_FORMAT;
    if (known == LP_SCHEMA_NO)
        return SO_PATH_TOOL;
    if (!lp_route_quirk(route, LP_Q_PROXY) || route->perform != lp_http_perform)
        return SO_PATH_RESPONSE_FORMAT;
    *probe = 1;
    return SO_PATH_TOOL;
}

/* auto, first call for this model: ask the proxy (mi_learn remembers),
 * and switch the body to response_format when the model supports it. */
static int probe_model(mp_instance *inst, const lp_config *cfg,
                       lp_exchange *p, const so_call *s, int *path,
                       mp_error *err)
{
    lp_model_facts f;
    int known;
    int rc = mi_learn(inst, cfg, &p->route, SO_PROBE_MS, 0, &f, &known, err);
    if (rc || !known || f.response_schema != LP_SCHEMA_YES)
        return rc;
    *path = SO_PATH_RESPONSE_FORMAT;
    return lp_exchange_rebuild(p, cfg, &s->rformat, err);
}

int lp_op_structured_output(mp_instance *inst, const char *request_json,
                            size_t len, const char *schema_json,
                            size_t schema_len, const char *name,
                            const char *description, const mp_text_sink *out,
                            mp_error *err)
{
    lp_error_clear(err);
    if (!LP_TEXT_SINK_OK(out))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "structured_output: the "
                       "output sink is NULL, has no write, or its struct_size "
                       "is smaller than mp_text_sink of ABI 1.0");
    if (!inst || !request_json || !schema_json || !name)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "structured_output: "
                       "instance, request, schema and name are required");
    lp_instance_begin_call(inst);
    lp_config *cfg = lp_instance_config(inst);
    so_call s;
    memset(&s, 0, sizeof s);
    lp_exchange p;
    memset(&p, 0, sizeof p);
    strbuf result;
    sb_init(&result, (size_t)1 << 31);

    int rc = check_args(&s, schema_json, schema_len, name, description, err);
    /* The route names the model whose answers `auto` remembers. */
    lp_route route;
    if (!rc)
        rc = lp_route_resolve(cfg, &route, err);
    int probe = 0;
    int64_t deadline = 0;
    int path = rc ? SO_PATH_TOOL : first_path(inst, cfg, &route, &probe);
    if (!rc)
        rc = lp_exchange_prepare(&p, cfg, request_json, len,
                                 path == SO_PATH_TOOL ? &s.tool : &s.rformat,
                                 err);
    if (!rc && probe)
        rc = probe_model(inst, cfg, &p, &s, &path, err);
    if (!rc)
        rc = exchange(inst, cfg, &p, path, s.schema, &deadline, &result, err);
    /* An API whose older form of response_format may still be taken (an
     * older deployment): once more in that form. */
    if (rc == MP_E_BAD_REQUEST && path == SO_PATH_RESPONSE_FORMAT &&
        p.route.wire->older_form && p.route.wire->older_form(err)) {
        lp_log(lp_module_logger(), MP_LOG_INFO, "structured_output: \"%s\" "
               "refused the current response_format form; trying the older "
               "one", p.route.model);
        s.rformat.legacy_format = 1;
        lp_error_clear(err);
        rc = lp_exchange_rebuild(&p, cfg, &s.rformat, err);
        if (!rc)
            rc = exchange(inst, cfg, &p, path, s.schema, &deadline,
                          &result, err);
    }
    if (rc == MP_E_BAD_REQUEST && path == SO_PATH_RESPONSE_FORMAT &&
        cfg->structured_output_mode == LP_SO_AUTO) {
        const char *why = LP_ERR_HAS(err, message) ? err->message : "HTTP 400";
        lp_log(lp_module_logger(), MP_LOG_INFO, "structured_output: \"%s\" "
               "rejected response_format (%.*s); using the tool path for "
               "this model from now on", p.route.model,
               lp_utf8_prec(why, 300), why);
        pthread_mutex_lock(&inst->lock); /* get_config reads the memo */
        lp_model_memo_put_schema(&inst->model_memo, p.route.model, LP_SCHEMA_NO);
        pthread_mutex_unlock(&inst->lock);
        path = SO_PATH_TOOL;
        lp_error_clear(err);
        rc = lp_exchange_rebuild(&p, cfg, &s.tool, err);
        if (!rc)
            rc = exchange(inst, cfg, &p, path, s.schema, &deadline,
                          &result, err);
    }
    if (!rc && out->write(out->ctx, result.data ? result.data : "", result.len))
        rc = lp_fail(err, MP_E_CANCELLED, "structured_output: the sink "
                     "stopped");
    sb_free(&result);
    lp_exchange_free(&p);
    so_call_free(&s);
    lp_config_unref(cfg);
    return rc;
}
