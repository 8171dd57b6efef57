/*
 * route_table.c - the route table (route.h): one row per model-id prefix.
 * Data, not code: adding an OpenAI-compatible provider is adding a row.
 * Names and precedence of the environment variables are LiteLLM's
 * (litellm-wire 1.11).
 */
#include "../anthropic/anthropic.h"
#include "../openai_chat/openai_chat.h"
#include "route.h"

const lp_route_row lp_route_table[] = {
    /* The LiteLLM proxy: bare ids, proxy aliases, "litellm_proxy/...",
     * use_litellm_proxy and $USE_LITELLM_PROXY.  Its router retries, so
     * we do not (decision 17). */
    {.prefix = "", .provider = "litellm_proxy", .wire = &lp_wire_openai_chat,
     .url = "{base}/chat/completions",
     .default_base = "http://127.0.0.1:4000",
     .base_env = {"LITELLM_PROXY_API_BASE", "LITELLM_API_BASE"},
     .key_env = {"LITELLM_PROXY_API_KEY", "LITELLM_API_KEY", "OPENAI_API_KEY"},
     .quirks = LP_Q_PROXY, .default_retries = 0},
    /* Anthropic's own Messages API (anthropic-wire.md): the adapter of
     * plugin/anthropic/; retries as the SDK makes them (spec 0). */
    {.prefix = "anthropic/", .provider = "anthropic",
     .wire = &lp_wire_anthropic, .url = "{base}/v1/messages",
     .default_base = "https://api.anthropic.com",
     .base_env = {"ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"},
     .key_env = {"ANTHROPIC_API_KEY"}, .token_env = {"ANTHROPIC_AUTH_TOKEN"},
     .key_required = 1, .auth = LP_AUTH_X_API_KEY, .default_retries = 2},
    {.prefix = NULL},
};
