/*
 * test_config.c - instance config: the reference's config cases
 * (reference-behaviour.md 8.1 cases 1-3, 9, 10, 21-23; 8.2 cases 42-44, 46,
 * 47, 82, 83), the keys reference-update 2.1/2.15 added (stream,
 * cache_config), and our decisions 21-23 (redaction, warnings, atomic
 * update).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/core/config.h"
#include "../../plugin/core/error_classify.h"
#include "../../plugin/route/route.h"
#include "../../plugin/core/strbuf.h"
#include "request_copy_meter.h"

typedef struct captured {
    int warnings;
    char first[2048]; /* the first message */
    char last[2048];
} captured;

static void capture(void *ctx, int level, const char *msg)
{
    captured *c = ctx;
    if (level >= MP_LOG_WARN)
        c->warnings++;
    if (!c->first[0])
        snprintf(c->first, sizeof c->first, "%s", msg);
    snprintf(c->last, sizeof c->last, "%s", msg);
}

static lp_config *make(const char *cfg, const char *client, captured *cap)
{
    lp_logger log = {capture, cap};
    lp_config *c = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_config_new(cfg, (size_t)-1, client, (size_t)-1, &log, &c, &err);
    if (rc)
        fail_msg("lp_config_new: %s", err.message);
    return c;
}

static lp_config *update(lp_config *base, const char *json, captured *cap)
{
    lp_logger log = {capture, cap};
    lp_config *c = NULL;
    mp_error err = MP_ERROR_INIT;
    if (lp_config_update(base, json, strlen(json), &log, &c, &err))
        fail_msg("lp_config_update: %s", err.message);
    return c;
}

/* Config and client args are host JSON too: text that is not Unicode is
 * refused, so it can reach neither the wire nor a warning (an unknown key
 * is quoted in one) nor get_config. */
static void test_config_refuses_invalid_unicode(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"model_id\":\"m\xed\xa0\x80\"}",
        "{\"unknown_\xc0\xaf\":1}",
        "{\"params\":{\"x\":\"\xf4\x90\x80\x80\"}}",
        "{\"model_id\":\"\\udfff\"}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        captured cap = {0};
        lp_logger log = {capture, &cap};
        lp_config *c = NULL;
        mp_error err = MP_ERROR_INIT;
        if (lp_config_new(docs[i], (size_t)-1, NULL, 0, &log, &c, &err) !=
            MP_E_INVALID_ARGUMENT)
            fail_msg("config %zu accepted", i);
        assert_null(c);
        assert_int_equal(cap.warnings, 0);
        assert_non_null(strstr(err.message, "invalid JSON at byte"));
        c = NULL;
        if (lp_config_new(NULL, 0, docs[i], (size_t)-1, &log, &c, &err) !=
            MP_E_INVALID_ARGUMENT)
            fail_msg("client args %zu accepted", i);
        assert_int_equal(cap.warnings, 0);
    }
    captured cap = {0};
    lp_config *base = make("{\"model_id\":\"m\"}", NULL, &cap);
    lp_logger log = {capture, &cap};
    lp_config *next = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_config_update(base, docs[0], strlen(docs[0]), &log,
                                      &next, &err), MP_E_INVALID_ARGUMENT);
    assert_null(next);
    lp_config_unref(base);
}

static void test_update_config(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m0\"}", "{\"api_key\":\"a1\"}", &cap);
    lp_config *u = update(c, "{\"model_id\":\"m1\"}", &cap);
    assert_string_equal(u->model_id, "m1");
    assert_string_equal(c->model_id, "m0"); /* the old snapshot is intact */
    lp_config_unref(c);
    lp_config_unref(u);
}

static void test__init__use_litellm_proxy_prefix(void **state)
{
    (void)state;
    static const struct { const char *client, *model, *want; } cases[] = {
        {"{\"use_litellm_proxy\":true}", "openai/gpt-4", "litellm_proxy/openai/gpt-4"},
        {"{\"use_litellm_proxy\":false}", "openai/gpt-4", "openai/gpt-4"},
        {"{\"use_litellm_proxy\":null}", "openai/gpt-4", "openai/gpt-4"},
        {"{}", "openai/gpt-4", "openai/gpt-4"},
        {NULL, "openai/gpt-4", "openai/gpt-4"},
        {"{\"use_litellm_proxy\":true}", "litellm_proxy/openai/gpt-4", "litellm_proxy/openai/gpt-4"},
        {"{\"use_litellm_proxy\":false}", "litellm_proxy/openai/gpt-4", "litellm_proxy/openai/gpt-4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char cfg[256];
        snprintf(cfg, sizeof cfg, "{\"model_id\":\"%s\"}", cases[i].model);
        captured cap = {0};
        lp_config *c = make(cfg, cases[i].client, &cap);
        assert_string_equal(c->model_id, cases[i].want);
        /* On the wire the proxy prefix is stripped (reference 2.4). */
        assert_string_equal(c->wire_model, "openai/gpt-4");
        lp_config_unref(c);
    }
}

static void test_update_config_proxy_prefix(void **state)
{
    (void)state;
    static const struct { const char *client, *want; } cases[] = {
        {"{\"use_litellm_proxy\":true}", "litellm_proxy/anthropic/claude-3"},
        {"{\"use_litellm_proxy\":false}", "anthropic/claude-3"},
        {"{\"use_litellm_proxy\":null}", "anthropic/claude-3"},
    };
    for (size_t i = 0; i < 3; i++) {
        captured cap = {0};
        lp_config *c = make("{\"model_id\":\"openai/gpt-4\"}", cases[i].client, &cap);
        lp_config *u = update(c, "{\"model_id\":\"anthropic/claude-3\"}", &cap);
        assert_string_equal(u->model_id, cases[i].want);
        /* Updating only params keeps a prefixed id as it is. */
        lp_config *p = update(u, "{\"params\":{\"max_tokens\":1}}", &cap);
        assert_string_equal(p->model_id, cases[i].want);
        lp_config_unref(c);
        lp_config_unref(u);
        lp_config_unref(p);
    }
}

static void test_apply_proxy_prefix_cases(void **state)
{
    /* Reference cases 21-23 in one place. */
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"openai/gpt-4\"}", "{\"use_litellm_proxy\":true}", &cap);
    assert_string_equal(c->model_id, "litellm_proxy/openai/gpt-4");
    lp_config *again = update(c, "{}", &cap);
    assert_string_equal(again->model_id, "litellm_proxy/openai/gpt-4");
    lp_config *off = make("{\"model_id\":\"openai/gpt-4\"}", "{}", &cap);
    assert_string_equal(off->model_id, "openai/gpt-4");
    lp_config_unref(c);
    lp_config_unref(again);
    lp_config_unref(off);
}

static void test_config_validation_warns_on_unknown_keys(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"invalid_param\":\"test\"}", NULL, &cap);
    assert_int_equal(cap.warnings, 1);
    assert_non_null(strstr(cap.last, "Invalid configuration parameters"));
    assert_non_null(strstr(cap.last, "invalid_param"));
    assert_string_equal(cap.last,
        "Invalid configuration parameters: ['invalid_param'].\n"
        "Valid parameters are: ['anthropic_tools', 'cache_config', "
        "'cache_tools', 'context_window_limit', 'model_id', 'params', "
        "'reasoning_round_trip', 'stream', 'structured_output_mode'].\n\n"
        "See https://github.com/strands-agents/harness-sdk/issues/815");
    /* Kept, not dropped (reference 2.2). */
    assert_true(json_object_object_get_ex(c->config, "invalid_param", NULL));
    lp_config_unref(c);
}

/* A request parameter at the top of the config, or a client arg in the
 * wrong document: the warning says where it goes (issue 13). */
static void test_unknown_key_warning_says_where_misplaced_keys_go(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"temperature\":0.2}", NULL, &cap);
    assert_int_equal(cap.warnings, 1);
    const char *tail = strstr(cap.last, "issues/815\n");
    assert_non_null(tail);
    assert_string_equal(tail, "issues/815\nDid you mean params.temperature? "
                        "Request parameters go inside the config's \"params\".");
    lp_config_unref(c);

    cap = (captured){0};
    c = make("{\"model_id\":\"m1\",\"api_key\":\"sk-x\",\"bogus\":1}",
             "{\"model_id\":\"m2\"}", &cap);
    assert_int_equal(cap.warnings, 2);
    /* The config's warning came first: api_key is a client arg... */
    assert_non_null(strstr(cap.first, "Did you mean the client args' api_key? "
                           "Credentials, endpoints, timeouts and retries are "
                           "client args"));
    assert_null(strstr(cap.first, "bogus?")); /* no guess for a plain typo */
    assert_null(strstr(cap.first, "sk-x"));  /* the value is never shown */
    /* ...and model_id is a config key. */
    assert_non_null(strstr(cap.last, "Did you mean the config's model_id? "
                           "The model and its settings are config keys"));
    lp_config_unref(c);
}

static void test_update_config_validation_warns_on_unknown_keys(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"old_unknown\":1}", NULL, &cap);
    cap.warnings = 0;
    lp_config *u = update(c, "{\"wrong_param\":\"test\"}", &cap);
    assert_int_equal(cap.warnings, 1);
    assert_non_null(strstr(cap.last, "wrong_param"));
    assert_null(strstr(cap.last, "old_unknown"));
    cap.warnings = 0;
    lp_config *v = update(u, "{\"model_id\":\"m2\"}", &cap);
    assert_int_equal(cap.warnings, 0);
    lp_config_unref(c);
    lp_config_unref(u);
    lp_config_unref(v);
}

/* A log that keeps the length of the last line. */
static void measure(void *ctx, int level, const char *msg)
{
    (void)level;
    *(size_t *)ctx = strlen(msg);
}

/* The unknown-key warning is a sorted list of every key: with no host log
 * to read it, none of it is built. */
static void test_unknown_keys_cost_nothing_without_a_log(void **state)
{
    (void)state;
    if (!RCM_AVAILABLE)
        skip(); /* AddressSanitizer owns malloc */
    enum { KEYS = 300 };
    char json[KEYS * 16 + 8];
    size_t n = (size_t)snprintf(json, sizeof json, "{");
    for (int i = 0; i < KEYS; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"unknown_%03d\":1",
                              i ? "," : "", i);
    snprintf(json + n, sizeof json - n, "}");
    size_t warning_len = 0;
    lp_logger heard = {measure, &warning_len}, silent = {NULL, NULL};
    const lp_logger *logs[] = {&heard, &silent, NULL};
    size_t bytes[3];
    for (int i = 0; i < 3; i++) {
        lp_config *c = NULL;
        rcm_start();
        assert_int_equal(lp_config_new(json, (size_t)-1, NULL, 0, logs[i], &c,
                                       NULL), MP_OK);
        bytes[i] = rcm_stop().alloc_bytes;
        lp_config_unref(c);
    }
    assert_true(warning_len > 1024); /* every key is in it */
    /* Heard, the warning costs its text twice (built, then formatted for
     * the callback) and a pointer per key; unheard, nothing at all. */
    size_t least = 2 * warning_len + KEYS * sizeof(char *);
    if (bytes[1] + least > bytes[0] || bytes[2] + least > bytes[0])
        fail_msg("with a log %zu bytes, with a NULL callback %zu, with no "
                 "logger %zu: the warning (%zu bytes) was built for nobody",
                 bytes[0], bytes[1], bytes[2], warning_len);
}

static void test__init__context_window_limit(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"context_window_limit\":128000}", NULL, &cap);
    assert_int_equal(c->context_window_limit, 128000);
    lp_config *d = make("{\"model_id\":\"gpt-4o\"}", NULL, &cap);
    /* LiteLLM deliberately does not auto-fill it (reference 2.3, case 45). */
    assert_int_equal(d->context_window_limit, -1);
    lp_config *e = make("{\"model_id\":\"m1\",\"params\":{\"max_tokens\":1}}", NULL, &cap);
    assert_int_equal(json_object_get_int(json_object_object_get(e->params, "max_tokens")), 1);
    lp_config_unref(c);
    lp_config_unref(d);
    lp_config_unref(e);
}

static void expect_invalid(const char *cfg, const char *client, const char *needle)
{
    lp_config *c = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_config_new(cfg, (size_t)-1, client, (size_t)-1, NULL, &c, &err);
    assert_int_equal(rc, MP_E_INVALID_ARGUMENT);
    assert_null(c);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_bad_config_names_the_path(void **state)
{
    (void)state;
    expect_invalid("{\"model_id\":", NULL, "config: invalid JSON");
    expect_invalid("[]", NULL, "config: expected a JSON object, got array");
    expect_invalid("{\"model_id\":5}", NULL, "config.model_id: expected string, got integer");
    expect_invalid("{\"params\":[1]}", NULL, "config.params: expected object");
    expect_invalid("{\"structured_output_mode\":\"magic\"}", NULL, "config.structured_output_mode");
    expect_invalid(NULL, "{\"timeout\":\"soon\"}", "client_args.timeout");
    expect_invalid(NULL, "{\"num_retries\":-1}", "client_args.num_retries");
    expect_invalid(NULL, "{\"extra_headers\":{\"X-A\":1}}", "client_args.extra_headers.X-A");
    expect_invalid(NULL, "{\"extra_headers\":{\"X-A\":\"a\\r\\nInjected: 1\"}}", "line breaks");
    expect_invalid("{\"model_id\":\"m\"} trailing", NULL, "config: invalid JSON at byte 17");
    expect_invalid("{\"model_id\":\"\xff\"}", NULL, "config: invalid JSON");
}

/* The config keys the reference added (reference-update 2.1, 2.14, 2.15):
 * "stream" and "cache_config" are valid keys, warn about nothing, and
 * get_config shows them as given (a cache key is no secret). */
static void test_stream_and_cache_config_are_valid_keys(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"stream\":false,"
                        "\"cache_config\":{\"cache_key\":\"tenant-42\","
                        "\"ttl\":\"24h\"},\"params\":{\"prompt_cache_key\":"
                        "\"explicit\"}}", NULL, &cap);
    assert_int_equal(cap.warnings, 0);
    assert_int_equal(c->stream, 0);
    assert_int_equal(c->has_cache_config, 1);
    assert_string_equal(c->cache_key, "tenant-42");
    assert_string_equal(c->cache_retention, "24h");
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(c, -1, &sb), 0);
    assert_non_null(strstr(sb.data, "\"stream\":false"));
    assert_non_null(strstr(sb.data, "\"cache_config\":{\"cache_key\":"
                           "\"tenant-42\",\"ttl\":\"24h\"}"));
    assert_non_null(strstr(sb.data, "\"prompt_cache_key\":\"explicit\""));
    sb_free(&sb);

    /* Through update_config too; null stream is falsy, as the reference
     * reads it; a null cache_config is none. */
    cap.warnings = 0;
    lp_config *u = update(c, "{\"stream\":null,\"cache_config\":null}", &cap);
    assert_int_equal(cap.warnings, 0);
    assert_int_equal(u->stream, 0);
    assert_int_equal(u->has_cache_config, 0);
    lp_config *v = update(u, "{\"stream\":true,\"cache_config\":{\"cache_key\":"
                          "false}}", &cap);
    assert_int_equal(v->stream, 1);
    assert_int_equal(v->cache_key_off, 1);
    assert_null(v->cache_key);
    lp_config *w = make("{\"model_id\":\"m1\"}", NULL, &cap);
    assert_int_equal(w->stream, -1);
    assert_int_equal(w->has_cache_config, 0);
    lp_config_unref(c);
    lp_config_unref(u);
    lp_config_unref(v);
    lp_config_unref(w);

    /* An unknown cache_config field is kept and reported, as unknown keys
     * are. */
    cap.warnings = 0;
    lp_config *x = make("{\"model_id\":\"m1\",\"cache_config\":{\"bogus\":1}}",
                        NULL, &cap);
    assert_int_equal(cap.warnings, 1);
    assert_non_null(strstr(cap.last, "Invalid cache_config parameters: "
                           "['bogus']"));
    lp_config_unref(x);

    expect_invalid("{\"stream\":\"yes\"}", NULL,
                   "config.stream: expected boolean or null, got string");
    expect_invalid("{\"cache_config\":\"k\"}", NULL,
                   "config.cache_config: expected object or null, got string");
    expect_invalid("{\"cache_config\":{\"cache_key\":true}}", NULL,
                   "config.cache_config.cache_key: expected string, false or "
                   "null, got boolean");
    expect_invalid("{\"cache_config\":{\"ttl\":5}}", NULL,
                   "config.cache_config.ttl: expected string or null");
    expect_invalid("{\"cache_config\":{\"tools_ttl\":[]}}", NULL,
                   "config.cache_config.tools_ttl: expected boolean, string "
                   "or null");
}

static void test_get_config_redacts_secrets(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make(
        "{\"model_id\":\"m1\",\"params\":{\"max_tokens\":5,\"api_key\":\"p-secret\"}}",
        "{\"api_key\":\"sk-abcdef123456\",\"api_base\":\"http://h:4000\","
        "\"extra_headers\":{\"Authorization\":\"Bearer t0k\",\"X-Api-Key\":\"hk\","
        "\"X-Session-Token\":\"st\",\"X-Trace\":\"trace-1\","
        "\"User-Agent\":\"visible-agent\"}}", &cap);
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(c, -1, &sb), 0);
    assert_null(strstr(sb.data, "sk-abcdef123456"));
    assert_null(strstr(sb.data, "t0k"));
    assert_null(strstr(sb.data, "\"hk\""));
    assert_null(strstr(sb.data, "\"st\""));
    assert_null(strstr(sb.data, "p-secret"));
    /* Off the public list: hidden whatever the name says (issue 14). */
    assert_null(strstr(sb.data, "trace-1"));
    assert_non_null(strstr(sb.data, "\"User-Agent\":\"visible-agent\""));
    assert_non_null(strstr(sb.data, "\"max_tokens\":5"));
    assert_non_null(strstr(sb.data, "\"api_base\":\"http://h:4000\""));
    assert_non_null(strstr(sb.data, "\"api_key\":\"<redacted>\""));
    sb_free(&sb);
    lp_config_unref(c);
    /* A base URL's user part may be a credential. */
    c = make("{\"model_id\":\"m1\"}", "{\"base_url\":\"https://u:pw-9@h:4000/v1\"}",
             &cap);
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(c, -1, &sb), 0);
    assert_null(strstr(sb.data, "pw-9"));
    assert_non_null(strstr(sb.data, "\"base_url\":\"https://<redacted>@h:4000/v1\""));
    sb_free(&sb);
    lp_config_unref(c);
}

/* Headers whose names do not say "secret" still carry credentials
 * (Cookie, X-Auth, Proxy-Authorization): every value off the public list
 * is hidden in get_config and scrubbed from error text; public ones show. */
static void test_extra_headers_hidden_unless_public(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m\"}",
        "{\"extra_headers\":{\"Cookie\":\"session=c00kie-value\","
        "\"X-Auth\":\"xauth-value\",\"Proxy-Authorization\":\"Basic cHJveHk=\","
        "\"accept-language\":\"de-DE\",\"X-Debug\":\"1\"}}", &cap);
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(c, -1, &sb), 0);
    static const char *const hidden[] = {"c00kie", "xauth-value", "cHJveHk=",
                                         "\"X-Debug\":\"1\""};
    for (size_t i = 0; i < 4; i++)
        if (strstr(sb.data, hidden[i]))
            fail_msg("get_config shows %s: %s", hidden[i], sb.data);
    assert_non_null(strstr(sb.data, "\"accept-language\":\"de-DE\""));
    sb_free(&sb);

    /* A server that echoes the request's headers into its error. */
    const char *secrets[LP_MAX_HIDDEN_HEADERS + 2];
    lp_route route; /* the secrets need only the config and the key */
    memset(&route, 0, sizeof route);
    route.cfg = c;
    lp_route_secrets(&route, secrets, LP_MAX_HIDDEN_HEADERS + 2);
    const char *body = "{\"error\":{\"message\":\"bad headers: Cookie: "
                       "session=c00kie-value; X-Auth: xauth-value; "
                       "Proxy-Authorization: Basic cHJveHk=; "
                       "Accept-Language: de-DE; HTTP 401\"}}";
    mp_error err = MP_ERROR_INIT;
    ec_classify_http(401, body, strlen(body), NULL, secrets, &err);
    for (size_t i = 0; i < 3; i++)
        if (strstr(err.message, hidden[i]))
            fail_msg("the error shows %s: %s", hidden[i], err.message);
    assert_non_null(strstr(err.message, "de-DE; HTTP 401"));
    lp_config_unref(c);

    /* More hidden headers than an exchange can scrub: refused. */
    strbuf many;
    sb_init(&many, 1 << 20);
    sb_appends(&many, "{\"extra_headers\":{");
    for (int i = 0; i <= LP_MAX_HIDDEN_HEADERS; i++)
        sb_printf(&many, "%s\"X-H%d\":\"v\"", i ? "," : "", i);
    sb_appends(&many, "}}");
    lp_config *m = NULL;
    lp_logger log = {capture, &cap};
    assert_int_equal(lp_config_new(NULL, 0, many.data, (size_t)-1, &log, &m,
                                   &err), MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "client_args.extra_headers: more than"));
    sb_free(&many);
}

/* params keep integers wider than 64 bits exactly (json-c alone would
 * saturate them), so get_config and the request body see the same digits. */
static void test_params_keep_wide_integers(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m1\",\"params\":{\"seed\":"
                        "123456789012345678901234567890}}", "{}", &cap);
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(lp_config_to_redacted_json(c, -1, &sb), 0);
    assert_non_null(strstr(sb.data, "\"seed\":123456789012345678901234567890"));
    sb_free(&sb);
    lp_config_unref(c);
}

/* The key and base a bare model id gets: the proxy route's. */
static const char *route_key(const lp_config *c)
{
    static lp_route r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_route_resolve(c, &r, &err), MP_OK);
    return r.key;
}

static const char *route_base(const lp_config *c)
{
    static lp_route r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_route_resolve(c, &r, &err), MP_OK);
    return r.base;
}

static void test_api_key_and_base_from_environment(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *c = make("{\"model_id\":\"m\"}", NULL, &cap);
    unsetenv("LITELLM_PROXY_API_KEY");
    unsetenv("LITELLM_API_KEY");
    unsetenv("OPENAI_API_KEY");
    unsetenv("LITELLM_PROXY_API_BASE");
    unsetenv("LITELLM_API_BASE");
    assert_null(route_key(c));
    assert_string_equal(route_base(c), "http://127.0.0.1:4000");
    setenv("OPENAI_API_KEY", "k3", 1);
    assert_string_equal(route_key(c), "k3");
    setenv("LITELLM_API_KEY", "k2", 1);
    assert_string_equal(route_key(c), "k2");
    setenv("LITELLM_PROXY_API_KEY", "k1", 1);
    assert_string_equal(route_key(c), "k1");
    setenv("LITELLM_API_BASE", "http://b2", 1);
    assert_string_equal(route_base(c), "http://b2");
    setenv("LITELLM_PROXY_API_BASE", "http://b1", 1);
    assert_string_equal(route_base(c), "http://b1");
    lp_config *explicit = make("{\"model_id\":\"m\"}",
                               "{\"api_key\":\"k0\",\"base_url\":\"http://b0\"}", &cap);
    assert_string_equal(route_key(explicit), "k0");
    assert_string_equal(route_base(explicit), "http://b0");
    unsetenv("LITELLM_PROXY_API_KEY");
    unsetenv("LITELLM_API_KEY");
    unsetenv("OPENAI_API_KEY");
    unsetenv("LITELLM_PROXY_API_BASE");
    unsetenv("LITELLM_API_BASE");
    lp_config_unref(c);
    lp_config_unref(explicit);
}

static void test_client_args_units_and_defaults(void **state)
{
    (void)state;
    captured cap = {0};
    lp_config *d = make(NULL, NULL, &cap);
    assert_int_equal(d->timeout_ms, 600000);
    assert_int_equal(d->num_retries, -1); /* not given: the route decides */
    assert_int_equal(d->ssl_verify, 1);
    lp_config *c = make(NULL, "{\"timeout\":1.5,\"num_retries\":3,\"idle_timeout\":2,"
                        "\"ssl_verify\":\"/etc/ca.pem\"}", &cap);
    assert_int_equal(c->timeout_ms, 1500);
    assert_int_equal(c->idle_timeout_ms, 2000);
    assert_int_equal(c->num_retries, 3);
    assert_string_equal(c->ca_bundle, "/etc/ca.pem");
    lp_config_unref(c);
    lp_config_unref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_config),
        cmocka_unit_test(test__init__use_litellm_proxy_prefix),
        cmocka_unit_test(test_update_config_proxy_prefix),
        cmocka_unit_test(test_apply_proxy_prefix_cases),
        cmocka_unit_test(test_config_validation_warns_on_unknown_keys),
        cmocka_unit_test(test_unknown_key_warning_says_where_misplaced_keys_go),
        cmocka_unit_test(test_update_config_validation_warns_on_unknown_keys),
        cmocka_unit_test(test_unknown_keys_cost_nothing_without_a_log),
        cmocka_unit_test(test__init__context_window_limit),
        cmocka_unit_test(test_bad_config_names_the_path),
        cmocka_unit_test(test_get_config_redacts_secrets),
        cmocka_unit_test(test_stream_and_cache_config_are_valid_keys),
        cmocka_unit_test(test_params_keep_wide_integers),
        cmocka_unit_test(test_extra_headers_hidden_unless_public),
        cmocka_unit_test(test_config_refuses_invalid_unicode),
        cmocka_unit_test(test_api_key_and_base_from_environment),
        cmocka_unit_test(test_client_args_units_and_defaults),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
