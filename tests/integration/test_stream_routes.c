/*
 * test_stream_routes.c - direct routes on the wire, through the real
 * plugin, with build/mock-server standing in for each provider: the base
 * URL comes from the row's environment variable (pointed at the mock), the
 * key from its key variable, and the server sees the row's path, auth
 * header and the model without its prefix.  Errors name the URL they
 * posted to and where the base and the key came from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/it_harness.h"

static mock_proc mock;

#define ANSWER \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n" \
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" \
    "data: [DONE]\n\n"

static int setup(void **state)
{
    (void)state;
    if (it_load())
        return -1;
    /* Every model the routes below send answers the same short stream. */
    const char *models[] = {"route-it", "google/route-it",
                            "accounts/fireworks/models/route-it"};
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        char name[64];
        snprintf(name, sizeof name, "route%zu.scn", i);
        char *p = it_write_file(name, "model: %s\nexpect.method: POST\n"
                                "sse: true\n--- body\n" ANSWER, models[i]);
        if (!p)
            return -1;
        free(p);
    }
    char *p = it_write_file("denied.scn", "model: denied-it\nstatus: 401\n"
                            "--- body\n{\"error\":{\"message\":\"Invalid API "
                            "key\",\"type\":\"invalid_request_error\"}}");
    if (!p)
        return -1;
    free(p);
    return it_mock_start(&mock, "--scenarios", it_tmpdir(), NULL);
}

static int teardown(void **state)
{
    (void)state;
    mock_stop(&mock);
    it_tmp_cleanup();
    return it_unload();
}

static const char *const all_env[] = {
    "GROQ_API_BASE", "GROQ_API_KEY", "AZURE_API_BASE", "AZURE_API_KEY",
    "AZURE_API_VERSION", "OPENROUTER_API_BASE", "OPENROUTER_API_KEY",
    "OR_SITE_URL", "OR_APP_NAME", "VERTEXAI_API_BASE", "VERTEXAI_PROJECT",
    "VERTEXAI_LOCATION", "VERTEXAI_ACCESS_TOKEN", "OLLAMA_API_BASE",
    "FIREWORKS_API_BASE", "FIREWORKS_API_KEY", "MISTRAL_API_BASE",
    "MISTRAL_API_KEY", "USE_LITELLM_PROXY", "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL", NULL};

static int clean(void **state)
{
    (void)state;
    for (size_t i = 0; all_env[i]; i++)
        unsetenv(all_env[i]);
    it_clear_provider_env();
    return 0;
}

/* Stream `model` with no client args; it must succeed.  Returns the request
 * the mock recorded. */
static json_object *send(const char *model)
{
    char config[256];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    int before = it_chat_count(&mock);
    it_call c;
    it_call_run(&c, config, "{}", NULL);
    if (c.rc)
        fail_msg("%s: %s: %s", model, mp_errname(c.rc), c.err.message);
    it_call_free(&c);
    assert_int_equal(it_chat_count(&mock), before + 1);
    json_object *r = it_last_chat(&mock);
    if (getenv("ROUTES_DEBUG"))
        fprintf(stderr, "%s\n", json_object_to_json_string(r));
    return r;
}

static void base_env(const char *name, const char *suffix)
{
    char base[512];
    snprintf(base, sizeof base, "%s%s", mock.base_url, suffix);
    setenv(name, base, 1);
}

static void test_groq_from_its_environment(void **state)
{
    (void)state;
    base_env("GROQ_API_BASE", "/openai/v1");
    setenv("GROQ_API_KEY", "gsk-test-key-1", 1);
    json_object *r = send("groq/route-it");
    assert_string_equal(it_get_str(r, "path"), "/openai/v1/chat/completions");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer gsk-test-key-1");
    assert_string_equal(it_get_str(r, "body.model"), "route-it");
    json_object_put(r);
}

static void test_azure_both_url_forms(void **state)
{
    (void)state;
    base_env("AZURE_API_BASE", "");
    setenv("AZURE_API_KEY", "az-test-key", 1);
    json_object *r = send("azure/route-it");
    assert_string_equal(it_get_str(r, "path"), "/openai/v1/chat/completions");
    assert_string_equal(it_get_str(r, "headers.api-key"), "az-test-key");
    assert_null(it_get_str(r, "headers.authorization"));
    json_object_put(r);
    setenv("AZURE_API_VERSION", "2024-10-21", 1);
    r = send("azure/route-it");
    assert_string_equal(it_get_str(r, "path"), "/openai/deployments/route-it/"
                        "chat/completions?api-version=2024-10-21");
    json_object_put(r);
}

static void test_openrouter_optional_headers(void **state)
{
    (void)state;
    base_env("OPENROUTER_API_BASE", "/api/v1");
    setenv("OPENROUTER_API_KEY", "or-key", 1);
    setenv("OR_SITE_URL", "https://example.org", 1);
    setenv("OR_APP_NAME", "Route Test", 1);
    json_object *r = send("openrouter/route-it");
    assert_string_equal(it_get_str(r, "path"), "/api/v1/chat/completions");
    assert_string_equal(it_get_str(r, "headers.http-referer"),
                        "https://example.org");
    assert_string_equal(it_get_str(r, "headers.x-title"), "Route Test");
    json_object_put(r);
}

static void test_vertex_project_location_and_model(void **state)
{
    (void)state;
    base_env("VERTEXAI_API_BASE", "/v1beta1");
    setenv("VERTEXAI_PROJECT", "proj-7", 1);
    setenv("VERTEXAI_LOCATION", "europe-west4", 1);
    setenv("VERTEXAI_ACCESS_TOKEN", "ya29.test", 1);
    json_object *r = send("vertex_ai/route-it");
    assert_string_equal(it_get_str(r, "path"), "/v1beta1/projects/proj-7/"
                        "locations/europe-west4/endpoints/openapi/chat/"
                        "completions");
    assert_string_equal(it_get_str(r, "headers.authorization"),
                        "Bearer ya29.test");
    assert_string_equal(it_get_str(r, "body.model"), "google/route-it");
    json_object_put(r);
}

static void test_ollama_and_fireworks_model_names(void **state)
{
    (void)state;
    base_env("OLLAMA_API_BASE", "");
    json_object *r = send("ollama_chat/route-it");
    assert_string_equal(it_get_str(r, "path"), "/v1/chat/completions");
    assert_null(it_get_str(r, "headers.authorization"));
    json_object_put(r);
    base_env("FIREWORKS_API_BASE", "/inference/v1");
    setenv("FIREWORKS_API_KEY", "fw", 1);
    r = send("fireworks_ai/route-it");
    assert_string_equal(it_get_str(r, "body.model"),
                        "accounts/fireworks/models/route-it");
    json_object_put(r);
}

static void test_mistral_body_quirks_on_the_wire(void **state)
{
    (void)state;
    base_env("MISTRAL_API_BASE", "/v1");
    setenv("MISTRAL_API_KEY", "ms", 1);
    json_object *r = send("mistral/route-it");
    assert_string_equal(it_get_str(r, "body.model"), "route-it");
    assert_true(it_has(r, "body.stream"));
    assert_false(it_has(r, "body.stream_options"));
    assert_false(it_has(r, "body.tools"));
    json_object_put(r);
}

/* A 401 says which URL was called and where the key came from: here a
 * stale $LITELLM_PROXY_API_KEY overrode $OPENAI_API_KEY. */
static void test_error_names_url_and_sources(void **state)
{
    (void)state;
    setenv("LITELLM_PROXY_API_BASE", mock.base_url, 1);
    setenv("LITELLM_PROXY_API_KEY", "sk-stale-proxy-key-000", 1);
    setenv("OPENAI_API_KEY", "sk-the-users-key-000", 1);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"denied-it\"}", "{}", NULL);
    assert_int_equal(c.rc, MP_E_AUTHENTICATION);
    char want[1024];
    snprintf(want, sizeof want, "HTTP 401: Invalid API key (POST "
             "%s/chat/completions; base URL from $LITELLM_PROXY_API_BASE; key "
             "from $LITELLM_PROXY_API_KEY)", mock.base_url);
    assert_string_equal(c.err.message, want);
    assert_null(strstr(c.err.message, "sk-stale"));
    it_call_free(&c);
}

/* A refused connection names the URL and the sources too. */
static void test_connection_refused_names_url(void **state)
{
    (void)state;
    setenv("GROQ_API_KEY", "gsk", 1);
    setenv("GROQ_API_BASE", "http://127.0.0.1:9/openai/v1", 1);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"groq/route-it\"}", "{\"num_retries\":0}",
                NULL);
    assert_int_equal(c.rc, MP_E_NETWORK);
    if (!strstr(c.err.message, "(POST http://127.0.0.1:9/openai/v1/chat/"
                               "completions; base URL from $GROQ_API_BASE; "
                               "key from $GROQ_API_KEY)"))
        fail_msg("message: %s", c.err.message);
    it_call_free(&c);
}

/* A base URL libcurl cannot use is named without its user part (which
 * may hold a credential), with where it came from. */
static void test_bad_base_url_hides_its_credentials(void **state)
{
    (void)state;
    setenv("GROQ_API_KEY", "gsk", 1);
    setenv("GROQ_API_BASE", "htps://user:tok3nSecret@api.groq.test/openai/v1", 1);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"groq/route-it\"}", "{}", NULL);
    assert_int_equal(c.rc, MP_E_INVALID_ARGUMENT);
    if (!strstr(c.err.message, "the URL is not usable") ||
        !strstr(c.err.message, "(POST htps://api.groq.test/openai/v1/chat/"
                               "completions; base URL from $GROQ_API_BASE;"))
        fail_msg("message: %s", c.err.message);
    assert_null(strstr(c.err.message, "tok3nSecret"));
    it_call_free(&c);
}

/* An answer the adapter cannot read at all, before any event: most often
 * the base URL points at a server of another kind.  The message says
 * where the call went and what the adapter expects there. */
static void test_unreadable_answer_names_the_expected_endpoint(void **state)
{
    (void)state;
    setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
    setenv("ANTHROPIC_BASE_URL", mock.base_url, 1);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"anthropic/route-it\"}", "{}", NULL);
    assert_int_equal(c.rc, MP_E_PROTOCOL);
    char want[512];
    snprintf(want, sizeof want, "(POST %s/v1/messages; base URL from "
             "$ANTHROPIC_BASE_URL; key from $ANTHROPIC_API_KEY); check that "
             "the base URL is Anthropic's Messages API", mock.base_url);
    if (!strstr(c.err.message, want))
        fail_msg("message: %s", c.err.message);
    it_call_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_groq_from_its_environment, clean),
        cmocka_unit_test_setup(test_azure_both_url_forms, clean),
        cmocka_unit_test_setup(test_openrouter_optional_headers, clean),
        cmocka_unit_test_setup(test_vertex_project_location_and_model, clean),
        cmocka_unit_test_setup(test_ollama_and_fireworks_model_names, clean),
        cmocka_unit_test_setup(test_mistral_body_quirks_on_the_wire, clean),
        cmocka_unit_test_setup(test_error_names_url_and_sources, clean),
        cmocka_unit_test_setup(test_connection_refused_names_url, clean),
        cmocka_unit_test_setup(test_bad_base_url_hides_its_credentials, clean),
        cmocka_unit_test_setup(test_unreadable_answer_names_the_expected_endpoint,
                               clean),
    };
    return cmocka_run_group_tests_name("stream: direct routes", tests, setup,
                                       teardown);
}
