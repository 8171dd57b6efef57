/*
 * test_route.c - a model id's prefix picks a route (decision 24, issue
 * "Reach models without a proxy"): every row of the table resolves to the
 * right URL, auth header, key and base variable with LiteLLM's precedence;
 * client args override the table; the prefix is stripped on the wire;
 * Azure's two URL forms; Vertex's project/location URL; the proxy rules;
 * an unknown prefix refused with the list; errors that say where things
 * came from.  The environment is faked: every variable the table names is
 * cleared before each test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/core/config.h"
#include "../../plugin/route/route.h"

/* Every variable any row reads, and the proxy switch. */
static void clear_env(void)
{
    for (const lp_route_row *r = lp_route_table; r->provider[0]; r++) {
        const char *lists[] = {r->base_env, r->key_env, r->token_env,
                               r->version_env, r->project_env,
                               r->location_env};
        for (size_t l = 0; l < sizeof lists / sizeof *lists; l++)
            for (const char *n = lists[l]; *n; n = lp_env_next(n))
                unsetenv(n);
        for (size_t i = 0; i < 2; i++)
            if (r->env_headers[i].env[0])
                unsetenv(r->env_headers[i].env);
    }
    unsetenv("USE_LITELLM_PROXY");
}

static int setup(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

static lp_config *make(const char *model, const char *client)
{
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"model_id\":\"%s\"}", model);
    lp_config *c = NULL;
    mp_error err = MP_ERROR_INIT;
    if (lp_config_new(cfg, (size_t)-1, client, (size_t)-1, NULL, &c, &err))
        fail_msg("lp_config_new: %s", err.message);
    return c;
}

/* The URL and the whole header list of `model` with `client` args. */
typedef struct resolved {
    int rc;
    char url[1024];
    char headers[2048]; /* "a\nb\n" */
    char model[512];
    char base_from[128], key_from[128];
    int retries;
    char message[MP_ERROR_MESSAGE_MAX];
} resolved;

static resolved resolve(const char *model, const char *client)
{
    resolved out;
    memset(&out, 0, sizeof out);
    lp_config *c = make(model, client);
    lp_route r;
    mp_error err = MP_ERROR_INIT;
    out.rc = lp_route_resolve(c, &r, &err);
    if (out.rc) {
        snprintf(out.message, sizeof out.message, "%s", err.message);
        lp_config_unref(c);
        return out;
    }
    strbuf sb;
    sb_init(&sb, 8192);
    assert_int_equal(lp_route_url(&r, &sb), MP_OK);
    snprintf(out.url, sizeof out.url, "%s", sb.data);
    sb_free(&sb);
    struct curl_slist *list = NULL;
    assert_int_equal(lp_route_headers(&r, 1, NULL, &list, &err), MP_OK);
    size_t used = 0;
    for (struct curl_slist *h = list; h; h = h->next)
        used += (size_t)snprintf(out.headers + used, sizeof out.headers - used,
                                 "%s\n", h->data);
    curl_slist_free_all(list);
    snprintf(out.model, sizeof out.model, "%s", r.model);
    snprintf(out.base_from, sizeof out.base_from, "%s", r.base_from);
    snprintf(out.key_from, sizeof out.key_from, "%s", r.key_from);
    out.retries = r.num_retries;
    lp_config_unref(c);
    return out;
}

static void assert_has(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

/* ------------------------------------------------------------ each row */

static const struct {
    const char *model;     /* as the user writes it               */
    const char *key_env;   /* the variable LiteLLM reads first     */
    const char *url;       /* with every default                   */
    const char *auth;      /* the header line the key makes        */
    const char *wire;      /* the model sent                       */
} rows[] = {
    {"openai/gpt-4o-mini", "OPENAI_API_KEY",
     "https://api.openai.com/v1/chat/completions",
     "Authorization: Bearer K", "gpt-4o-mini"},
    {"groq/llama-3.3-70b", "GROQ_API_KEY",
     "https://api.groq.com/openai/v1/chat/completions",
     "Authorization: Bearer K", "llama-3.3-70b"},
    {"mistral/mistral-large-latest", "MISTRAL_API_KEY",
     "https://api.mistral.ai/v1/chat/completions",
     "Authorization: Bearer K", "mistral-large-latest"},
    {"codestral/codestral-latest", "CODESTRAL_API_KEY",
     "https://codestral.mistral.ai/v1/chat/completions",
     "Authorization: Bearer K", "codestral-latest"},
    {"deepseek/deepseek-chat", "DEEPSEEK_API_KEY",
     "https://api.deepseek.com/beta/chat/completions",
     "Authorization: Bearer K", "deepseek-chat"},
    {"openrouter/openai/gpt-4o", "OPENROUTER_API_KEY",
     "https://openrouter.ai/api/v1/chat/completions",
     "Authorization: Bearer K", "openai/gpt-4o"},
    {"together_ai/meta-llama/Llama-3-8b", "TOGETHER_API_KEY",
     "https://api.together.xyz/v1/chat/completions",
     "Authorization: Bearer K", "meta-llama/Llama-3-8b"},
    {"fireworks_ai/llama-v3-70b", "FIREWORKS_API_KEY",
     "https://api.fireworks.ai/inference/v1/chat/completions",
     "Authorization: Bearer K", "accounts/fireworks/models/llama-v3-70b"},
    {"cerebras/llama3.1-8b", "CEREBRAS_API_KEY",
     "https://api.cerebras.ai/v1/chat/completions",
     "Authorization: Bearer K", "llama3.1-8b"},
    {"xai/grok-4", "XAI_API_KEY", "https://api.x.ai/v1/chat/completions",
     "Authorization: Bearer K", "grok-4"},
    {"deepinfra/meta-llama/Llama-3-8b", "DEEPINFRA_API_KEY",
     "https://api.deepinfra.com/v1/openai/chat/completions",
     "Authorization: Bearer K", "meta-llama/Llama-3-8b"},
    {"perplexity/sonar", "PERPLEXITYAI_API_KEY",
     "https://api.perplexity.ai/chat/completions",
     "Authorization: Bearer K", "sonar"},
    {"nvidia_nim/meta/llama3-8b", "NVIDIA_NIM_API_KEY",
     "https://integrate.api.nvidia.com/v1/chat/completions",
     "Authorization: Bearer K", "meta/llama3-8b"},
    {"sambanova/Meta-Llama-3.1-8B", "SAMBANOVA_API_KEY",
     "https://api.sambanova.ai/v1/chat/completions",
     "Authorization: Bearer K", "Meta-Llama-3.1-8B"},
    {"lm_studio/qwen", "LM_STUDIO_API_KEY",
     "http://localhost:1234/v1/chat/completions",
     "Authorization: Bearer K", "qwen"},
    {"ollama/llama3", "OLLAMA_API_KEY",
     "http://localhost:11434/v1/chat/completions",
     "Authorization: Bearer K", "llama3"},
    {"ollama_chat/llama3", "OLLAMA_API_KEY",
     "http://localhost:11434/v1/chat/completions",
     "Authorization: Bearer K", "llama3"},
    {"gemini/gemini-2.5-flash", "GEMINI_API_KEY",
     "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
     "Authorization: Bearer K", "gemini-2.5-flash"},
};

static void test_every_prefix_resolves_with_its_defaults(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        clear_env();
        setenv(rows[i].key_env, "K", 1);
        resolved r = resolve(rows[i].model, NULL);
        if (r.rc)
            fail_msg("%s: %s", rows[i].model, r.message);
        assert_string_equal(r.url, rows[i].url);
        assert_has(r.headers, rows[i].auth);
        assert_string_equal(r.model, rows[i].wire);
        assert_string_equal(r.base_from, "the route table");
        char from[64];
        snprintf(from, sizeof from, "$%s", rows[i].key_env);
        assert_string_equal(r.key_from, from);
        assert_int_equal(r.retries, 2); /* a direct route */
    }
    clear_env();
}

/* Each row's base variable replaces its default, and client args replace
 * both. */
static void test_base_variable_then_client_args_win(void **state)
{
    (void)state;
    setenv("GROQ_API_KEY", "env-key", 1);
    setenv("GROQ_API_BASE", "http://groq.local/v9/", 1);
    resolved r = resolve("groq/m", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "http://groq.local/v9/chat/completions");
    assert_string_equal(r.base_from, "$GROQ_API_BASE");
    r = resolve("groq/m", "{\"api_base\":\"http://arg.local\","
                          "\"api_key\":\"arg-key\"}");
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "http://arg.local/chat/completions");
    assert_has(r.headers, "Authorization: Bearer arg-key\n");
    assert_null(strstr(r.headers, "env-key"));
    assert_string_equal(r.base_from, "client_args.api_base");
    assert_string_equal(r.key_from, "client_args.api_key");
}

/* Where several variables exist, LiteLLM's first one wins. */
static void test_key_variable_precedence(void **state)
{
    (void)state;
    setenv("TOGETHER_AI_TOKEN", "k4", 1);
    assert_has(resolve("together_ai/m", NULL).headers, "Bearer k4\n");
    setenv("TOGETHERAI_API_KEY", "k3", 1);
    assert_has(resolve("together_ai/m", NULL).headers, "Bearer k3\n");
    setenv("TOGETHER_AI_API_KEY", "k2", 1);
    assert_has(resolve("together_ai/m", NULL).headers, "Bearer k2\n");
    setenv("TOGETHER_API_KEY", "k1", 1);
    assert_has(resolve("together_ai/m", NULL).headers, "Bearer k1\n");
    setenv("OR_API_KEY", "or2", 1);
    assert_has(resolve("openrouter/m", NULL).headers, "Bearer or2\n");
    setenv("OPENROUTER_API_KEY", "or1", 1);
    assert_has(resolve("openrouter/m", NULL).headers, "Bearer or1\n");
    setenv("OPENAI_API_BASE", "http://second", 1);
    setenv("OPENAI_API_KEY", "k", 1);
    assert_string_equal(resolve("openai/m", NULL).url,
                        "http://second/chat/completions");
    setenv("OPENAI_BASE_URL", "http://first", 1);
    assert_string_equal(resolve("openai/m", NULL).url,
                        "http://first/chat/completions");
}

static void test_openrouter_headers_only_when_set(void **state)
{
    (void)state;
    setenv("OPENROUTER_API_KEY", "k", 1);
    resolved r = resolve("openrouter/m", NULL);
    assert_null(strstr(r.headers, "HTTP-Referer"));
    assert_null(strstr(r.headers, "X-Title"));
    setenv("OR_SITE_URL", "https://example.org", 1);
    setenv("OR_APP_NAME", "My App", 1);
    r = resolve("openrouter/m", NULL);
    assert_has(r.headers, "HTTP-Referer: https://example.org\n");
    assert_has(r.headers, "X-Title: My App\n");
    /* The user's own header wins over the environment's. */
    r = resolve("openrouter/m", "{\"extra_headers\":{\"X-Title\":\"Mine\"}}");
    assert_has(r.headers, "X-Title: Mine\n");
    assert_null(strstr(r.headers, "My App"));
}

static void test_azure_deployment_url_with_api_version(void **state)
{
    (void)state;
    setenv("AZURE_API_KEY", "az-key", 1);
    setenv("AZURE_API_BASE", "https://res.openai.azure.com/", 1);
    setenv("AZURE_API_VERSION", "2024-10-21", 1);
    resolved r = resolve("azure/my-deploy", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "https://res.openai.azure.com/openai/"
                        "deployments/my-deploy/chat/completions?api-version="
                        "2024-10-21");
    assert_has(r.headers, "api-key: az-key\n");
    assert_null(strstr(r.headers, "Authorization"));
    /* The client arg names the version too (LiteLLM's api_version). */
    r = resolve("azure/my-deploy", "{\"api_version\":\"2025-01-01-preview\"}");
    assert_has(r.url, "?api-version=2025-01-01-preview");
}

static void test_azure_v1_url_without_api_version(void **state)
{
    (void)state;
    setenv("AZURE_OPENAI_API_KEY", "az-key", 1);
    resolved r = resolve("azure/my-deploy",
                         "{\"api_base\":\"https://res.openai.azure.com\"}");
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url,
                        "https://res.openai.azure.com/openai/v1/chat/completions");
    assert_string_equal(r.model, "my-deploy");
    assert_has(r.headers, "api-key: az-key\n");
}

static void test_azure_without_base_says_where_to_set_it(void **state)
{
    (void)state;
    setenv("AZURE_API_KEY", "az-key", 1);
    resolved r = resolve("azure/d", NULL);
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_string_equal(r.message, "model \"azure/d\" (azure route): no base "
                        "URL; set client_args.api_base or $AZURE_API_BASE or "
                        "$AZURE_OPENAI_ENDPOINT");
}

static void test_missing_key_is_refused_before_sending(void **state)
{
    (void)state;
    resolved r = resolve("groq/llama", NULL);
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_string_equal(r.message, "model \"groq/llama\" (groq route): no API "
                        "key; set client_args.api_key or $GROQ_API_KEY");
    /* A self-hosted server needs no key: none is sent. */
    setenv("HOSTED_VLLM_API_BASE", "http://gpu:8000/v1", 1);
    r = resolve("hosted_vllm/meta-llama/Llama-3", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "http://gpu:8000/v1/chat/completions");
    assert_string_equal(r.model, "meta-llama/Llama-3");
    assert_null(strstr(r.headers, "Authorization"));
}

/* A key goes into a header line: a line break in it would end the header
 * or add one of the key's choosing.  Refused before sending, naming where
 * the key came from, never the key. */
static void test_key_with_a_line_break_is_refused(void **state)
{
    (void)state;
    setenv("ANTHROPIC_API_KEY", "sk-ant-secret\nX-Injected: yes", 1);
    resolved r = resolve("anthropic/claude-sonnet-4-5", NULL);
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_has(r.message, "the API key from $ANTHROPIC_API_KEY holds a "
               "control character (0x0a) at byte 13, a line break");
    assert_null(strstr(r.message, "sk-ant-secret"));
    /* The newline a file keeps, through client args. */
    setenv("GROQ_API_KEY", "fine", 1);
    r = resolve("groq/llama", "{\"api_key\":\"gsk-abc\\r\\n\"}");
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_has(r.message, "from client_args.api_key holds a control "
               "character (0x0d) at byte 7");
    r = resolve("groq/llama", "{\"api_key\":\"gsk-\\u0001\"}");
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    /* A clean key still goes. */
    r = resolve("groq/llama", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_has(r.headers, "Authorization: Bearer fine\n");
}

static void test_vertex_url_from_project_and_location(void **state)
{
    (void)state;
    setenv("VERTEXAI_ACCESS_TOKEN", "ya29.token", 1);
    resolved r = resolve("vertex_ai/gemini-2.5-pro", NULL);
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_has(r.message, "no project; set client_args.vertex_project or "
                          "$VERTEXAI_PROJECT");
    setenv("VERTEXAI_PROJECT", "proj-1", 1);
    r = resolve("vertex_ai/gemini-2.5-pro", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "https://us-central1-aiplatform.googleapis.com/"
                        "v1beta1/projects/proj-1/locations/us-central1/"
                        "endpoints/openapi/chat/completions");
    assert_string_equal(r.model, "google/gemini-2.5-pro");
    assert_has(r.headers, "Authorization: Bearer ya29.token\n");
    setenv("VERTEXAI_LOCATION", "global", 1);
    r = resolve("vertex_ai/gemini-2.5-pro", NULL);
    assert_string_equal(r.url, "https://aiplatform.googleapis.com/v1beta1/"
                        "projects/proj-1/locations/global/endpoints/openapi/"
                        "chat/completions");
    r = resolve("vertex_ai/meta/llama-4",
                "{\"vertex_project\":\"p2\",\"vertex_location\":\"europe-west4\"}");
    assert_string_equal(r.url, "https://europe-west4-aiplatform.googleapis.com/"
                        "v1beta1/projects/p2/locations/europe-west4/endpoints/"
                        "openapi/chat/completions");
    assert_string_equal(r.model, "meta/llama-4");
}

/* ------------------------------------------------------------ the proxy */

static void test_bare_id_goes_to_the_proxy(void **state)
{
    (void)state;
    resolved r = resolve("gpt-4o-mini", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "http://127.0.0.1:4000/chat/completions");
    assert_string_equal(r.model, "gpt-4o-mini");
    assert_string_equal(r.base_from,
                        "the built-in default (a local LiteLLM proxy)");
    assert_int_equal(r.retries, 0); /* the proxy's router retries */
    setenv("LITELLM_API_BASE", "http://proxy:4000", 1);
    setenv("OPENAI_API_KEY", "sk-openai", 1);
    r = resolve("gpt-4o-mini", NULL);
    assert_string_equal(r.url, "http://proxy:4000/chat/completions");
    assert_has(r.headers, "Authorization: Bearer sk-openai\n");
    setenv("LITELLM_PROXY_API_KEY", "sk-proxy", 1);
    r = resolve("gpt-4o-mini", NULL);
    assert_has(r.headers, "Authorization: Bearer sk-proxy\n");
    assert_string_equal(r.key_from, "$LITELLM_PROXY_API_KEY");
}

/* use_litellm_proxy, litellm_proxy/ and USE_LITELLM_PROXY all send the
 * whole id (less "litellm_proxy/") to the proxy. */
static void test_proxy_switches_keep_the_whole_id(void **state)
{
    (void)state;
    setenv("OPENAI_API_KEY", "sk-openai", 1);
    resolved r = resolve("openai/gpt-4o", "{\"use_litellm_proxy\":true}");
    assert_string_equal(r.url, "http://127.0.0.1:4000/chat/completions");
    assert_string_equal(r.model, "openai/gpt-4o");
    r = resolve("litellm_proxy/groq/llama", NULL);
    assert_string_equal(r.url, "http://127.0.0.1:4000/chat/completions");
    assert_string_equal(r.model, "groq/llama");
    setenv("USE_LITELLM_PROXY", "True", 1);
    r = resolve("openai/gpt-4o", NULL);
    assert_string_equal(r.url, "http://127.0.0.1:4000/chat/completions");
    assert_string_equal(r.model, "openai/gpt-4o");
    assert_int_equal(r.retries, 0);
    /* Without the switch the same id goes straight to OpenAI. */
    unsetenv("USE_LITELLM_PROXY");
    r = resolve("openai/gpt-4o", NULL);
    assert_string_equal(r.url, "https://api.openai.com/v1/chat/completions");
    assert_string_equal(r.model, "gpt-4o");
}

static void test_unknown_prefix_needs_a_proxy(void **state)
{
    (void)state;
    resolved r = resolve("bedrock/claude-3", NULL);
    assert_int_equal(r.rc, MP_E_INVALID_ARGUMENT);
    assert_has(r.message, "model \"bedrock/claude-3\": unknown provider prefix "
                          "\"bedrock/\" and no LiteLLM proxy configured");
    assert_has(r.message, "known prefixes: openai/, azure/, azure_ai/, groq/, "
                          "mistral/");
    assert_has(r.message, "gemini/, vertex_ai/, anthropic/");
    /* With a proxy configured it goes there, whole. */
    setenv("LITELLM_PROXY_API_BASE", "http://proxy:4000/v1", 1);
    r = resolve("bedrock/claude-3", NULL);
    assert_int_equal(r.rc, MP_OK);
    assert_string_equal(r.url, "http://proxy:4000/v1/chat/completions");
    assert_string_equal(r.model, "bedrock/claude-3");
    unsetenv("LITELLM_PROXY_API_BASE");
    r = resolve("bedrock/claude-3", "{\"api_base\":\"http://p2\"}");
    assert_string_equal(r.url, "http://p2/chat/completions");
}

static void test_num_retries_default_by_route_and_override(void **state)
{
    (void)state;
    setenv("GROQ_API_KEY", "k", 1);
    assert_int_equal(resolve("groq/m", NULL).retries, 2);
    assert_int_equal(resolve("groq/m", "{\"num_retries\":0}").retries, 0);
    assert_int_equal(resolve("m", NULL).retries, 0);
    assert_int_equal(resolve("m", "{\"num_retries\":3}").retries, 3);
}

/* The description appended to transport and HTTP errors. */
static void test_describe_names_url_and_sources_never_the_key(void **state)
{
    (void)state;
    setenv("LITELLM_PROXY_API_KEY", "sk-stale-proxy-key", 1);
    lp_config *c = make("gpt-4o", "{\"api_base\":\"https://u:pw@proxy.example/v1\"}");
    lp_route r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_route_resolve(c, &r, &err), MP_OK);
    strbuf url, out;
    sb_init(&url, 4096);
    sb_init(&out, 4096);
    assert_int_equal(lp_route_url(&r, &url), MP_OK);
    assert_int_equal(lp_route_describe(&r, "POST", url.data, &out), MP_OK);
    assert_string_equal(out.data, " (POST https://proxy.example/v1/chat/"
                        "completions; base URL from client_args.api_base; key "
                        "from $LITELLM_PROXY_API_KEY)");
    sb_free(&url);
    sb_free(&out);
    lp_config_unref(c);
}

static void test_anthropic_row_is_reserved_for_its_adapter(void **state)
{
    (void)state;
    setenv("ANTHROPIC_API_KEY", "k", 1);
    const lp_route_row *row = NULL;
    for (const lp_route_row *r = lp_route_table; r->provider[0]; r++)
        if (strcmp(r->prefix, "anthropic/") == 0)
            row = r;
    assert_non_null(row);
    assert_int_equal(row->auth, LP_AUTH_X_API_KEY);
    resolved r = resolve("anthropic/claude-sonnet-4-5", NULL);
    if (lp_route_row_wire(row)) { /* the native adapter is built in */
        assert_int_equal(r.rc, MP_OK);
        assert_string_equal(r.url, "https://api.anthropic.com/v1/messages");
        assert_string_equal(r.model, "claude-sonnet-4-5");
        assert_has(r.headers, "x-api-key: k\n");
    } else {
        assert_int_equal(r.rc, MP_E_UNSUPPORTED);
        assert_has(r.message, "use_litellm_proxy");
    }
}

/* The header lines the plugin writes: "Name: value", "Name;" for an empty
 * value (libcurl's spelling for sending it empty), and a line over the
 * 64 KiB limit refused without adding anything. */
static void test_header_lines(void **state)
{
    (void)state;
    struct curl_slist *list = NULL;
    assert_int_equal(lp_route_add_header(&list, "X-A", "b c"), MP_OK);
    assert_int_equal(lp_route_add_header(&list, "X-Empty", ""), MP_OK);
    assert_non_null(list);
    assert_string_equal(list->data, "X-A: b c");
    assert_non_null(list->next);
    assert_string_equal(list->next->data, "X-Empty;");
    assert_null(list->next->next);
    /* "X-Big: " and the value: 65,536 bytes are the most a line holds. */
    size_t fits = 64 * 1024 - strlen("X-Big: ");
    char *v = malloc(fits + 2);
    assert_non_null(v);
    memset(v, 'v', fits + 1);
    v[fits + 1] = '\0';
    assert_int_equal(lp_route_add_header(&list, "X-Big", v), MP_E_NO_MEMORY);
    assert_null(list->next->next);
    v[fits] = '\0';
    assert_int_equal(lp_route_add_header(&list, "X-Big", v), MP_OK);
    assert_non_null(list->next->next);
    assert_int_equal(strlen(list->next->next->data), 64 * 1024);
    free(v);
    curl_slist_free_all(list);
}

/* The table holds strings in arrays (route.h): a string as long as its
 * array loses its ending without an error, and a variable list needs the
 * empty name after its last.  So every array's last byte is a NUL, a
 * list's last two are, and every row has its prefix-provider pair. */
#define ENDS_IN_NUL(a) ((a)[sizeof(a) - 1] == '\0')
static void test_route_rows_fit_their_arrays(void **state)
{
    (void)state;
    size_t n_rows = 0;
    for (const lp_route_row *r = lp_route_table; r->provider[0]; r++) {
        n_rows++;
        assert_true(ENDS_IN_NUL(r->prefix) && ENDS_IN_NUL(r->provider) &&
                    ENDS_IN_NUL(r->url) && ENDS_IN_NUL(r->url_no_version) &&
                    ENDS_IN_NUL(r->default_base) &&
                    ENDS_IN_NUL(r->model_prefix) &&
                    ENDS_IN_NUL(r->default_location));
        for (size_t i = 0; i < 2; i++)
            assert_true(ENDS_IN_NUL(r->env_headers[i].header) &&
                        ENDS_IN_NUL(r->env_headers[i].env));
        const char *lists[] = {r->base_env, r->key_env, r->token_env,
                               r->version_env, r->project_env,
                               r->location_env};
        for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
            assert_int_equal(lists[l][LP_ENV_LIST - 1], '\0');
            assert_int_equal(lists[l][LP_ENV_LIST - 2], '\0');
            for (const char *n = lists[l]; *n; n = lp_env_next(n))
                assert_true(n + strlen(n) < lists[l] + LP_ENV_LIST - 1);
        }
        if (r != lp_route_table) /* only the proxy row has no prefix */
            assert_true(r->prefix[0] != '\0');
        assert_true(r->wire == LP_WIRE_NONE || lp_route_row_wire(r) != NULL);
    }
    assert_true(n_rows >= 20);
    /* A list is read name by name: Together's four key variables. */
    const lp_route_row *t = NULL;
    for (const lp_route_row *r = lp_route_table; r->provider[0]; r++)
        if (strcmp(r->prefix, "together_ai/") == 0)
            t = r;
    assert_non_null(t);
    const char *want[] = {"TOGETHER_API_KEY", "TOGETHER_AI_API_KEY",
                          "TOGETHERAI_API_KEY", "TOGETHER_AI_TOKEN"};
    size_t i = 0;
    for (const char *n = t->key_env; *n; n = lp_env_next(n), i++) {
        assert_true(i < 4);
        assert_string_equal(n, want[i]);
    }
    assert_int_equal(i, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_rows_fit_their_arrays),
        cmocka_unit_test(test_header_lines),
        cmocka_unit_test_setup(test_every_prefix_resolves_with_its_defaults, setup),
        cmocka_unit_test_setup(test_base_variable_then_client_args_win, setup),
        cmocka_unit_test_setup(test_key_variable_precedence, setup),
        cmocka_unit_test_setup(test_openrouter_headers_only_when_set, setup),
        cmocka_unit_test_setup(test_azure_deployment_url_with_api_version, setup),
        cmocka_unit_test_setup(test_azure_v1_url_without_api_version, setup),
        cmocka_unit_test_setup(test_azure_without_base_says_where_to_set_it, setup),
        cmocka_unit_test_setup(test_missing_key_is_refused_before_sending, setup),
        cmocka_unit_test_setup(test_key_with_a_line_break_is_refused, setup),
        cmocka_unit_test_setup(test_vertex_url_from_project_and_location, setup),
        cmocka_unit_test_setup(test_bare_id_goes_to_the_proxy, setup),
        cmocka_unit_test_setup(test_proxy_switches_keep_the_whole_id, setup),
        cmocka_unit_test_setup(test_unknown_prefix_needs_a_proxy, setup),
        cmocka_unit_test_setup(test_num_retries_default_by_route_and_override, setup),
        cmocka_unit_test_setup(test_describe_names_url_and_sources_never_the_key, setup),
        cmocka_unit_test_setup(test_anthropic_row_is_reserved_for_its_adapter, setup),
    };
    return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
