/*
 * test_request_target.c - the request URL, the proxy root and the HTTP
 * header list (reference 2.4, litellm-wire 1.2 / 1.11).
 */
#include <curl/curl.h>

#include "request_test_util.h"
#include "../../plugin/route/route.h"

static int setup(void **state)
{
    (void)state;
    /* The key and base fall back to the environment; keep it out. */
    unsetenv("LITELLM_PROXY_API_KEY");
    unsetenv("LITELLM_API_KEY");
    unsetenv("OPENAI_API_KEY");
    unsetenv("LITELLM_PROXY_API_BASE");
    unsetenv("LITELLM_API_BASE");
    return 0;
}

/* The route of `cfg` (which must resolve). */
static lp_route route_of(const lp_config *cfg)
{
    lp_route r;
    mp_error err = MP_ERROR_INIT;
    if (lp_route_resolve(cfg, &r, &err))
        fail_msg("lp_route_resolve: %s", err.message);
    return r;
}

static void check_url(const char *base, const char *path, const char *want)
{
    lp_config cfg = rt_config();
    cfg.api_base = base;
    strbuf sb;
    sb_init(&sb, 8192);
    assert_string_equal(path, "/chat/completions"); /* the proxy row's */
    lp_route r = route_of(&cfg);
    assert_int_equal(lp_route_url(&r, &sb), MP_OK);
    assert_string_equal(sb.data, want);
    sb_free(&sb);
}

static void check_root(const char *base, const char *want)
{
    lp_config cfg = rt_config();
    cfg.api_base = base;
    strbuf sb;
    sb_init(&sb, 8192);
    lp_route r = route_of(&cfg);
    assert_int_equal(lp_route_proxy_root(&r, &sb), MP_OK);
    assert_string_equal(sb.data, want);
    sb_free(&sb);
}

static void test_build_url_strips_trailing_slashes(void **state)
{
    (void)state;
    check_url("http://h:4000", "/chat/completions",
              "http://h:4000/chat/completions");
    check_url("http://h:4000/", "/chat/completions",
              "http://h:4000/chat/completions");
    check_url("http://h:4000/v1//", "/chat/completions",
              "http://h:4000/v1/chat/completions");
    check_url("https://api.example.com/openai/v1", "/chat/completions",
              "https://api.example.com/openai/v1/chat/completions");
}

static void test_build_url_default_base(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    cfg.api_base = NULL;
    strbuf sb;
    sb_init(&sb, 8192);
    setenv("LITELLM_PROXY_API_BASE", "http://env:4001/", 1);
    lp_route r = route_of(&cfg);
    assert_int_equal(lp_route_url(&r, &sb), MP_OK);
    assert_string_equal(sb.data, "http://env:4001/chat/completions");
    unsetenv("LITELLM_PROXY_API_BASE");
    r = route_of(&cfg);
    assert_int_equal(lp_route_url(&r, &sb), MP_OK);
    assert_string_equal(sb.data, "http://127.0.0.1:4000/chat/completions");
    sb_free(&sb);
}

static void test_proxy_root(void **state)
{
    (void)state;
    check_root("http://h:4000", "http://h:4000");
    check_root("http://h:4000/", "http://h:4000");
    check_root("http://h:4000/v1", "http://h:4000");
    check_root("http://h:4000/v1/", "http://h:4000");
    check_root("http://h:4000/litellm/v1", "http://h:4000/litellm");
    check_root("http://h:4000/v10", "http://h:4000/v10");
}

/* The headers lp_route_headers makes for `cfg` (which must succeed), as one
 * string "a\nb\n..." for easy comparison. */
static void headers_of(const lp_config *cfg, int streaming, char *out,
                       size_t size)
{
    struct curl_slist *list = NULL;
    mp_error err = MP_ERROR_INIT;
    lp_route r = route_of(cfg);
    assert_int_equal(lp_route_headers(&r, streaming, NULL, &list, &err), MP_OK);
    size_t used = 0;
    out[0] = '\0';
    for (struct curl_slist *h = list; h; h = h->next) {
        int n = snprintf(out + used, size - used, "%s\n", h->data);
        assert_true(n > 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
    curl_slist_free_all(list);
}

static void test_headers_streaming_with_key(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    cfg.api_key = "a1";
    char text[1024];
    headers_of(&cfg, 1, text, sizeof text);
    assert_string_equal(text, "Content-Type: application/json\n"
                              "Accept: text/event-stream\n"
                              "Authorization: Bearer a1\n"
                              "Expect:\n");

    headers_of(&cfg, 0, text, sizeof text);
    assert_non_null(strstr(text, "Accept: application/json\n"));
}

static void test_headers_without_key(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    char text[1024];
    headers_of(&cfg, 1, text, sizeof text);
    assert_null(strstr(text, "Authorization"));

    setenv("LITELLM_PROXY_API_KEY", "sk-env", 1);
    headers_of(&cfg, 1, text, sizeof text);
    assert_non_null(strstr(text, "Authorization: Bearer sk-env\n"));
    unsetenv("LITELLM_PROXY_API_KEY");
}

/* Extra headers are added; one named like a default replaces it (the
 * user's Authorization is sent alone). */
static void test_headers_extra_override(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    cfg.api_key = "a1";
    json_object *extra = rt_parse("{\"x-litellm-tags\":\"a,b\",\"authorization\":"
                                  "\"Bearer user\",\"X-Empty\":\"\"}");
    cfg.extra_headers = extra;
    char text[1024];
    headers_of(&cfg, 1, text, sizeof text);
    assert_string_equal(text, "Content-Type: application/json\n"
                              "Accept: text/event-stream\n"
                              "Expect:\n"
                              "x-litellm-tags: a,b\n"
                              "authorization: Bearer user\n"
                              "X-Empty;\n");
    json_object_put(extra);
}

static void test_headers_extra_not_string(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    json_object *extra = rt_parse("{\"X-Num\":5}");
    cfg.extra_headers = extra;
    struct curl_slist *list = (struct curl_slist *)&cfg; /* must be reset */
    mp_error err = MP_ERROR_INIT;
    lp_route r = route_of(&cfg);
    assert_int_equal(lp_route_headers(&r, 1, NULL, &list, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_null(list);
    assert_string_equal(err.message, "client_args.extra_headers.X-Num: "
                                     "expected string, got integer");
    json_object_put(extra);

    extra = rt_parse("{\"X-Bad\":\"a\\r\\nInjected: 1\"}");
    cfg.extra_headers = extra;
    r = route_of(&cfg);
    assert_int_equal(lp_route_headers(&r, 1, NULL, &list, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "client_args.extra_headers.X-Bad"));
    json_object_put(extra);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_url_strips_trailing_slashes),
        cmocka_unit_test(test_build_url_default_base),
        cmocka_unit_test(test_proxy_root),
        cmocka_unit_test(test_headers_streaming_with_key),
        cmocka_unit_test(test_headers_without_key),
        cmocka_unit_test(test_headers_extra_override),
        cmocka_unit_test(test_headers_extra_not_string),
    };
    return cmocka_run_group_tests_name("request: URL and headers", tests,
                                       setup, NULL);
}
