/*
 * route_table.c - the route table (route.h): one row per model-id prefix.
 * Data, not code: adding an OpenAI-compatible provider is adding a row.
 * Names and precedence of the environment variables are LiteLLM's
 * (litellm-wire 1.11, LiteLLM's providers.json); where LiteLLM has none
 * (a Vertex access token) the name is ours and route/README.md says so.
 * A variable list is its names each ended by a NUL: "A\0" "B" (route.h
 * says why the table holds no pointer).
 */
#include "../anthropic/anthropic.h"
#include "../openai_chat/openai_chat.h"
#include "route.h"

/* The OpenAI-compatible door of a provider: {base} + the adapter's path
 * (/chat/completions) unless the row gives a URL, with a bearer key. */
#define OPENAI_LIKE .wire = LP_WIRE_OPENAI_CHAT, .auth = LP_AUTH_BEARER

const lp_route_row lp_route_table[] = {
    /* The LiteLLM proxy: bare ids, proxy aliases, "litellm_proxy/...",
     * use_litellm_proxy and $USE_LITELLM_PROXY.  Its router retries, so
     * we do not (decision 17). */
    {.prefix = "", .provider = "litellm_proxy", OPENAI_LIKE,
     .default_base = "http://127.0.0.1:4000",
     .base_env = "LITELLM_PROXY_API_BASE\0" "LITELLM_API_BASE",
     .key_env = "LITELLM_PROXY_API_KEY\0" "LITELLM_API_KEY\0" "OPENAI_API_KEY",
     .quirks = LP_Q_PROXY},

    {.prefix = "openai/", .provider = "openai", OPENAI_LIKE,
     .default_base = "https://api.openai.com/v1",
     .base_env = "OPENAI_BASE_URL\0" "OPENAI_API_BASE",
     .key_env = "OPENAI_API_KEY", .key_required = 1},

    /* Azure OpenAI: a deployment, "api-key" auth.  With an api-version
     * the classic deployment URL, without one the newer /openai/v1 form
     * (the deployment then goes in the body's "model"). */
    {.prefix = "azure/", .provider = "azure", .wire = LP_WIRE_OPENAI_CHAT,
     .url = "{base}/openai/deployments/{model}/chat/completions"
            "?api-version={api_version}",
     .url_no_version = "{base}/openai/v1/chat/completions",
     .base_env = "AZURE_API_BASE\0" "AZURE_OPENAI_ENDPOINT",
     .key_env = "AZURE_API_KEY\0" "AZURE_OPENAI_API_KEY", .key_required = 1,
     .auth = LP_AUTH_API_KEY, .version_env = "AZURE_API_VERSION",
     .quirks = LP_Q_API_VERSION},

    /* Azure AI Foundry's model inference endpoint. */
    {.prefix = "azure_ai/", .provider = "azure_ai", OPENAI_LIKE,
     .base_env = "AZURE_AI_API_BASE",
     .key_env = "AZURE_AI_API_KEY", .key_required = 1},

    {.prefix = "groq/", .provider = "groq", OPENAI_LIKE,
     .default_base = "https://api.groq.com/openai/v1",
     .base_env = "GROQ_API_BASE",
     .key_env = "GROQ_API_KEY", .key_required = 1},

    /* Mistral refuses unknown body keys with a 422 (extra_forbidden):
     * no stream_options (it reports usage anyway), max_tokens only, and
     * no empty tools list. */
    {.prefix = "mistral/", .provider = "mistral", OPENAI_LIKE,
     .default_base = "https://api.mistral.ai/v1",
     .base_env = "MISTRAL_API_BASE",
     .key_env = "MISTRAL_API_KEY", .key_required = 1,
     .quirks = LP_Q_NO_STREAM_OPTIONS | LP_Q_MAX_TOKENS_ONLY |
               LP_Q_NO_EMPTY_TOOLS},

    {.prefix = "codestral/", .provider = "codestral", OPENAI_LIKE,
     .default_base = "https://codestral.mistral.ai/v1",
     .base_env = "CODESTRAL_API_BASE",
     .key_env = "CODESTRAL_API_KEY", .key_required = 1,
     .quirks = LP_Q_NO_STREAM_OPTIONS | LP_Q_MAX_TOKENS_ONLY |
               LP_Q_NO_EMPTY_TOOLS},

    {.prefix = "deepseek/", .provider = "deepseek", OPENAI_LIKE,
     .default_base = "https://api.deepseek.com/beta",
     .base_env = "DEEPSEEK_API_BASE",
     .key_env = "DEEPSEEK_API_KEY", .key_required = 1},

    /* OpenRouter ranks apps by these two optional headers. */
    {.prefix = "openrouter/", .provider = "openrouter", OPENAI_LIKE,
     .default_base = "https://openrouter.ai/api/v1",
     .base_env = "OPENROUTER_API_BASE",
     .key_env = "OPENROUTER_API_KEY\0" "OR_API_KEY", .key_required = 1,
     .env_headers = {{"HTTP-Referer", "OR_SITE_URL"},
                     {"X-Title", "OR_APP_NAME"}}},

    {.prefix = "together_ai/", .provider = "together_ai", OPENAI_LIKE,
     .default_base = "https://api.together.xyz/v1",
     .base_env = "TOGETHER_AI_API_BASE",
     .key_env = "TOGETHER_API_KEY\0" "TOGETHER_AI_API_KEY\0"
                "TOGETHERAI_API_KEY\0" "TOGETHER_AI_TOKEN",
     .key_required = 1},

    /* Fireworks names models "accounts/fireworks/models/<name>". */
    {.prefix = "fireworks_ai/", .provider = "fireworks_ai", OPENAI_LIKE,
     .default_base = "https://api.fireworks.ai/inference/v1",
     .base_env = "FIREWORKS_API_BASE\0" "FIREWORKS_AI_API_BASE",
     .key_env = "FIREWORKS_API_KEY\0" "FIREWORKS_AI_API_KEY\0"
                "FIREWORKSAI_API_KEY\0" "FIREWORKS_AI_TOKEN",
     .key_required = 1, .model_prefix = "accounts/fireworks/models/"},

    {.prefix = "cerebras/", .provider = "cerebras", OPENAI_LIKE,
     .default_base = "https://api.cerebras.ai/v1",
     .base_env = "CEREBRAS_API_BASE",
     .key_env = "CEREBRAS_API_KEY", .key_required = 1},

    {.prefix = "xai/", .provider = "xai", OPENAI_LIKE,
     .default_base = "https://api.x.ai/v1",
     .base_env = "XAI_API_BASE",
     .key_env = "XAI_API_KEY", .key_required = 1},

    {.prefix = "deepinfra/", .provider = "deepinfra", OPENAI_LIKE,
     .default_base = "https://api.deepinfra.com/v1/openai",
     .base_env = "DEEPINFRA_API_BASE",
     .key_env = "DEEPINFRA_API_KEY", .key_required = 1},

    {.prefix = "perplexity/", .provider = "perplexity", OPENAI_LIKE,
     .default_base = "https://api.perplexity.ai",
     .base_env = "PERPLEXITY_API_BASE",
     .key_env = "PERPLEXITYAI_API_KEY\0" "PERPLEXITY_API_KEY",
     .key_required = 1},

    {.prefix = "nvidia_nim/", .provider = "nvidia_nim", OPENAI_LIKE,
     .default_base = "https://integrate.api.nvidia.com/v1",
     .base_env = "NVIDIA_NIM_API_BASE",
     .key_env = "NVIDIA_NIM_API_KEY", .key_required = 1},

    {.prefix = "sambanova/", .provider = "sambanova", OPENAI_LIKE,
     .default_base = "https://api.sambanova.ai/v1",
     .base_env = "SAMBANOVA_API_BASE",
     .key_env = "SAMBANOVA_API_KEY", .key_required = 1},

    /* Self-hosted servers: the base is the user's; a key is optional. */
    {.prefix = "hosted_vllm/", .provider = "hosted_vllm", OPENAI_LIKE,
     .base_env = "HOSTED_VLLM_API_BASE",
     .key_env = "HOSTED_VLLM_API_KEY"},

    {.prefix = "lm_studio/", .provider = "lm_studio", OPENAI_LIKE,
     .default_base = "http://localhost:1234/v1",
     .base_env = "LM_STUDIO_API_BASE",
     .key_env = "LM_STUDIO_API_KEY"},

    /* Ollama's OpenAI-compatible door is /v1 under the server root that
     * $OLLAMA_API_BASE names (LiteLLM's meaning of the variable). */
    {.prefix = "ollama_chat/", .provider = "ollama_chat", OPENAI_LIKE,
     .url = "{base}/v1/chat/completions",
     .default_base = "http://localhost:11434",
     .base_env = "OLLAMA_API_BASE", .key_env = "OLLAMA_API_KEY"},

    {.prefix = "ollama/", .provider = "ollama", OPENAI_LIKE,
     .url = "{base}/v1/chat/completions",
     .default_base = "http://localhost:11434",
     .base_env = "OLLAMA_API_BASE", .key_env = "OLLAMA_API_KEY"},

    /* Google's OpenAI-compatible endpoint: thought signatures travel as
     * extra_content.google.thought_signature, and Gemini 3 refuses a tool
     * call in the history without one. */
    {.prefix = "gemini/", .provider = "gemini", OPENAI_LIKE,
     .default_base = "https://generativelanguage.googleapis.com/v1beta/openai",
     .base_env = "GEMINI_API_BASE",
     .key_env = "GEMINI_API_KEY\0" "GOOGLE_API_KEY", .key_required = 1,
     .quirks = LP_Q_GOOGLE_SIGNATURES | LP_Q_SIGNATURE_PLACEHOLDER},

    /* Vertex AI's OpenAI-compatible endpoint: project and location in the
     * URL, an OAuth access token as the key (e.g. from `gcloud auth
     * print-access-token`), Gemini models named "google/<model>". */
    {.prefix = "vertex_ai/", .provider = "vertex_ai", OPENAI_LIKE,
     .url = "{base}/projects/{project}/locations/{location}/endpoints/"
            "openapi/chat/completions",
     .default_base = "https://{location-}aiplatform.googleapis.com/v1beta1",
     .base_env = "VERTEXAI_API_BASE",
     .key_env = "VERTEXAI_ACCESS_TOKEN", .key_required = 1,
     .project_env = "VERTEXAI_PROJECT\0" "VERTEX_PROJECT\0"
                    "GOOGLE_CLOUD_PROJECT",
     .location_env = "VERTEXAI_LOCATION\0" "VERTEX_LOCATION",
     .default_location = "us-central1", .model_prefix = "google/",
     .quirks = LP_Q_VERTEX_SIGNATURES | LP_Q_SIGNATURE_PLACEHOLDER},

    /* Anthropic's own Messages API (anthropic-wire.md): the adapter of
     * plugin/anthropic/, {base}/v1/messages; a bearer token when there is
     * no key (1.3). */
    {.prefix = "anthropic/", .provider = "anthropic",
     .wire = LP_WIRE_ANTHROPIC, .default_base = "https://api.anthropic.com",
     .base_env = "ANTHROPIC_API_BASE\0" "ANTHROPIC_BASE_URL",
     .key_env = "ANTHROPIC_API_KEY", .token_env = "ANTHROPIC_AUTH_TOKEN",
     .key_required = 1, .auth = LP_AUTH_X_API_KEY},

    {.provider = ""}, /* the end */
};

const lp_wire *lp_route_row_wire(const lp_route_row *row)
{
    switch (row->wire) {
    case LP_WIRE_OPENAI_CHAT:
        return &lp_wire_openai_chat;
    case LP_WIRE_ANTHROPIC:
        return &lp_wire_anthropic;
    default:
        return NULL;
    }
}
