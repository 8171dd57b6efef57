/*
 * route_table.c - the route table (route.h): one row per model-id prefix.
 * Data, not code: adding an OpenAI-compatible provider is adding a row.
 * Names and precedence of the environment variables are LiteLLM's
 * (litellm-wire 1.11).
 */
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
    {.prefix = NULL},
};
