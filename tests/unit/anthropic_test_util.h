/*
 * anthropic_test_util.h - helpers of the test_anthropic_*.c programs:
 * configs built through lp_config_new (so the config checks run), the
 * anthropic/ route resolved, a request formatted by the adapter in one
 * call, and the list of cache breakpoints of a body.
 *
 * The acceptance cases of anthropic-wire.md section 8 use
 * AnthropicModel(model_id="m1", max_tokens=1); here that is the config
 * {"model_id":"anthropic/m1","params":{"max_tokens":1}} (AT_M1).
 */
#ifndef ANTHROPIC_TEST_UTIL_H
#define ANTHROPIC_TEST_UTIL_H

#include "request_test_util.h"

#include "../../plugin/anthropic/an_body.h"
#include "../../plugin/core/config.h"
#include "../../plugin/route/route.h"

#define AT_M1 "{'model_id':'anthropic/m1','params':{'max_tokens':1}}"
#define AT_USER_TEST "{'role':'user','content':[{'text':'test'}]}"
#define AT_MESSAGES "{'messages':[" AT_USER_TEST "]}"
/* The case fixtures' two tools. */
#define AT_T1 "{'name':'t1','description':'tool one','inputSchema':{'json':{'type':'object'}}}"
#define AT_T2 "{'name':'t2','description':'tool two','inputSchema':{'json':{'type':'object'}}}"

/* A config from ' quoted JSON (client_args: a key, so the route
 * resolves); fails the test when it is refused. */
static inline lp_config *at_config(const char *config_json, rt_log *log)
{
    lp_logger lg = {rt_capture, log};
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *c = J(config_json);
    const char *ca = "{\"api_key\":\"sk-ant-test-key\"}";
    int rc = lp_config_new(c, strlen(c), ca, strlen(ca), &lg, &cfg, &err);
    if (rc)
        fail_msg("config refused: %s", err.message);
    return cfg;
}

/* Format `request_json` (' quoted) for `cfg` through the anthropic/
 * route; returns the code, the body parsed back in *out (NULL on
 * failure), the error in *err. */
static inline int at_try(const lp_config *cfg, const char *request_json,
                         const lp_call_options *opt, rt_log *log,
                         json_object **out, int *streaming, mp_error *err)
{
    lp_logger lg = {rt_capture, log};
    *err = (mp_error)MP_ERROR_INIT;
    *out = NULL;
    lp_route route;
    int rc = lp_route_resolve(cfg, &route, err);
    if (rc)
        fail_msg("route: %s", err->message);
    assert_string_equal(route.wire->name, "anthropic");
    rf_request req;
    const char *r = J(request_json);
    rc = rf_parse(r, strlen(r), &lg, &req, err);
    if (rc)
        return rc;
    strbuf body;
    sb_init(&body, (size_t)1 << 30);
    int st = -1;
    rc = an_format_body(cfg, &route, &req, opt, &lg, &body, &st, err);
    if (!rc) {
        *out = json_tokener_parse(body.data);
        if (!*out)
            fail_msg("body is not JSON: %s", body.data);
    } else {
        assert_int_equal(body.len, 0); /* nothing half-built */
    }
    if (streaming)
        *streaming = st;
    sb_free(&body);
    rf_release(&req);
    return rc;
}

/* The body as the cases show it: without "stream" (the SDK adds that),
 * which must be true here. */
static inline json_object *at_body_opt(const char *config_json,
                                       const char *request_json,
                                       const lp_call_options *opt,
                                       rt_log *log)
{
    rt_log local = {0};
    if (!log)
        log = &local;
    lp_config *cfg = at_config(config_json, log);
    json_object *body;
    mp_error err;
    int st;
    int rc = at_try(cfg, request_json, opt, log, &body, &st, &err);
    if (rc)
        fail_msg("format failed: %s (%s)", err.message, mp_errname(rc));
    json_object *stream = NULL;
    if (json_object_object_get_ex(body, "stream", &stream)) {
        assert_true(st);
        assert_true(json_object_get_boolean(stream));
        json_object_object_del(body, "stream");
    }
    lp_config_unref(cfg);
    return body;
}

static inline json_object *at_body(const char *config_json,
                                   const char *request_json, rt_log *log)
{
    return at_body_opt(config_json, request_json, NULL, log);
}

/* The body must be refused with MP_E_INVALID_ARGUMENT and a message
 * containing every fragment given (NULL-terminated). */
static inline void at_refused(const char *config_json,
                              const char *request_json, ...)
{
    rt_log log = {0};
    lp_config *cfg = at_config(config_json, &log);
    json_object *body;
    mp_error err;
    int rc = at_try(cfg, request_json, NULL, &log, &body, NULL, &err);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    va_list ap;
    va_start(ap, request_json);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        if (!strstr(err.message, frag))
            fail_msg("error \"%s\" does not say \"%s\"", err.message, frag);
    va_end(ap);
    lp_config_unref(cfg);
}

/* The body equals `want` (' quoted). */
static inline void at_assert_body(json_object *body, const char *want)
{
    rt_assert_json(body, J(want));
}

/* One member, or a failed test. */
static inline json_object *at_get(json_object *o, const char *key)
{
    return rt_member(o, key);
}

/* Whether the log holds a message containing `text` (at any level). */
static inline int at_logged(const rt_log *log, const char *text)
{
    for (int i = 0; i < log->count; i++)
        if (strstr(log->msgs[i], text))
            return 1;
    return 0;
}

static inline int at_count_logged(const rt_log *log, const char *text)
{
    int n = 0;
    for (int i = 0; i < log->count; i++)
        n += strstr(log->msgs[i], text) != NULL;
    return n;
}

/* The body's cache breakpoints as the Strands tests list them:
 * [["tools", <tool name>, cc], ["system", "text", cc],
 *  ["messages", <message index>, cc], ...] in that order. */
static inline json_object *at_breakpoints(json_object *body)
{
    json_object *out = json_object_new_array(), *v, *cc;
    static const char *const sections[] = {"tools", "system", "messages"};
    for (size_t s = 0; s < 3; s++) {
        if (!json_object_object_get_ex(body, sections[s], &v) ||
            !json_object_is_type(v, json_type_array))
            continue;
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            json_object *item = json_object_array_get_idx(v, i);
            json_object *blocks[64];
            size_t nb = 0;
            if (s == 2) { /* a message: its blocks */
                json_object *content = at_get(item, "content");
                for (size_t k = 0; k < json_object_array_length(content) &&
                                   nb < 64; k++)
                    blocks[nb++] = json_object_array_get_idx(content, k);
            } else {
                blocks[nb++] = item;
            }
            for (size_t k = 0; k < nb; k++) {
                if (!json_object_object_get_ex(blocks[k], "cache_control",
                                               &cc))
                    continue;
                json_object *bp = json_object_new_array();
                json_object_array_add(bp, json_object_new_string(
                                              sections[s]));
                if (s == 0)
                    json_object_array_add(bp, json_object_get(
                                                  at_get(item, "name")));
                else if (s == 1)
                    json_object_array_add(bp, json_object_new_string("text"));
                else
                    json_object_array_add(bp, json_object_new_int((int)i));
                json_object_array_add(bp, json_object_get(cc));
                json_object_array_add(out, bp);
            }
        }
    }
    return out;
}

/* The breakpoints of the body for (config, request) equal `want`. */
static inline void at_assert_bp(const char *config_json,
                                const char *request_json, const char *want,
                                rt_log *log)
{
    json_object *body = at_body(config_json, request_json, log);
    json_object *bp = at_breakpoints(body);
    rt_assert_json(bp, J(want));
    json_object_put(bp);
    json_object_put(body);
}

#endif
