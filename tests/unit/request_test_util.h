/*
 * request_test_util.h - helpers shared by the test_request_*.c programs:
 * a logger that records warnings, configs built by hand, formatting a
 * request in one call, and semantic JSON comparison.
 *
 * JSON literals in the tests use single quotes for readability; J() turns
 * them into double quotes (write \u0027 for a real apostrophe).
 */
#ifndef REQUEST_TEST_UTIL_H
#define REQUEST_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host-sample/request_log.h"
#include "../../plugin/openai_chat/request_format.h"
#include "../support/requote.h"

#define RT_MAX_LOGS 64

typedef struct rt_log {
    int warnings;
    int count;
    char msgs[RT_MAX_LOGS][1024];
} rt_log;

static inline void rt_capture(void *ctx, int level, const char *msg)
{
    rt_log *l = ctx;
    if (level >= MP_LOG_WARN)
        l->warnings++;
    if (l->count < RT_MAX_LOGS)
        snprintf(l->msgs[l->count++], sizeof l->msgs[0], "%s", msg);
}

/* The reference fixture: model_id "m1", no params. */
static inline lp_config rt_config(void)
{
    lp_config c;
    memset(&c, 0, sizeof c);
    c.model_id = "m1";
    c.wire_model = "m1";
    c.context_window_limit = -1;
    c.stream = -1; /* no "stream" key */
    c.api_base = "http://127.0.0.1:4000";
    return c;
}

/* A config built from JSON (' quoting) the way create() builds it, its
 * warnings going to `log`; lp_config_unref it when done. */
static inline lp_config *rt_config_json(const char *config_sq, rt_log *log)
{
    lp_logger lg = {rt_capture, log};
    lp_config *c = NULL;
    mp_error err = MP_ERROR_INIT;
    const char *json = requote(config_sq, '\'');
    if (lp_config_new(json, strlen(json), NULL, 0, &lg, &c, &err))
        fail_msg("lp_config_new: %s", err.message);
    return c;
}

/* Single quotes -> double quotes (requote's rotating buffers). */
static inline const char *J(const char *s)
{
    return requote(s, '\'');
}

static inline json_object *rt_parse(const char *json)
{
    json_object *v = json_tokener_parse(json);
    if (!v)
        fail_msg("test JSON does not parse: %s", json);
    return v;
}

/* Compare JSON values semantically (key order ignored); prints both on a
 * mismatch. */
static inline void rt_assert_json(json_object *got, const char *want_json)
{
    json_object *want = rt_parse(want_json);
    if (!json_object_equal(got, want)) {
        print_error("want: %s\n",
                    json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN));
        print_error("got:  %s\n",
                    json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN));
        json_object_put(want);
        fail_msg("JSON differs");
    }
    json_object_put(want);
}

/* Parse and format `request_json` with `cfg`; fails the test on error.
 * Returns the body parsed back (caller puts it). */
static inline json_object *rt_format_opt(const lp_config *cfg,
                                         const char *request_json,
                                         const lp_call_options *opt, rt_log *log,
                                         int *streaming)
{
    lp_logger lg = {rt_capture, log};
    rf_request req;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, (size_t)1 << 30);
    int before = log ? log->count : 0;
    int rc = rf_parse(request_json, strlen(request_json), &lg, &req, &err);
    int ignored = 0; /* the plugin warned it ignores an unknown key */
    for (int i = before; log && i < log->count && i < RT_MAX_LOGS; i++)
        ignored |= strstr(log->msgs[i], "unknown key") != NULL;
    (ignored ? request_log_off_schema : request_log)(request_json, (size_t)-1, rc);
    if (rc)
        fail_msg("rf_parse: %s (%s)", err.message, mp_errname(rc));
    int st = -1;
    rc = rf_format_body(cfg, NULL, &req, opt, &lg, &body, &st, &err);
    if (rc)
        fail_msg("rf_format_body: %s (%s)", err.message, mp_errname(rc));
    assert_int_equal(err.code, MP_OK);
    if (streaming)
        *streaming = st;
    json_object *v = json_tokener_parse(body.data);
    if (!v)
        fail_msg("body is not JSON: %s", body.data);
    sb_free(&body);
    rf_release(&req);
    return v;
}

static inline json_object *rt_format(const lp_config *cfg,
                                     const char *request_json, rt_log *log)
{
    return rt_format_opt(cfg, request_json, NULL, log, NULL);
}

/* Format a request that must fail; returns the code and leaves the
 * message in *err.  Checks that no body was built. */
static inline int rt_format_fail(const lp_config *cfg, const char *request_json,
                                 rt_log *log, mp_error *err)
{
    lp_logger lg = {rt_capture, log};
    rf_request req;
    strbuf body;
    sb_init(&body, (size_t)1 << 30);
    int rc = rf_parse(request_json, strlen(request_json), &lg, &req, err);
    if (!rc) {
        int st = -1;
        rc = rf_format_body(cfg, NULL, &req, NULL, &lg, &body, &st, err);
        assert_int_equal(st, 0);
    }
    request_log(request_json, (size_t)-1, rc);
    assert_true(body.len == 0);
    sb_free(&body);
    rf_release(&req);
    return rc;
}

static inline json_object *rt_member(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, key, &v))
        fail_msg("missing key %s", key);
    return v;
}

/* body.messages */
static inline json_object *rt_messages(json_object *body)
{
    return rt_member(body, "messages");
}

/* body.messages[i] */
static inline json_object *rt_message(json_object *body, size_t i)
{
    json_object *m = rt_messages(body);
    assert_true(i < json_object_array_length(m));
    return json_object_array_get_idx(m, i);
}

static inline void rt_assert_warning(const rt_log *log, int i, const char *text)
{
    assert_true(i < log->count);
    assert_string_equal(log->msgs[i], text);
}

#endif
