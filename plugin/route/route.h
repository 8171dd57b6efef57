/*
 * route.h - where a call goes, chosen by the model id (decision 24).
 *
 * LiteLLM's promise is that one model string reaches any model; its
 * prefix says how.  The route table (route_table.c) is data: one row per
 * prefix with the wire adapter to use, the URL form, the default base
 * URL, the environment variables for the base and the key (LiteLLM's
 * names, first set wins), how the key is sent, extra headers taken from
 * the environment, and quirk flags.  Nothing outside this folder and the
 * adapters' quirk lookups knows which provider a row is.
 *
 * Resolution, for one call (the environment is read each time, as LiteLLM
 * reads it per call):
 *  1. Through a LiteLLM proxy with the whole id (as today) when
 *     client_args.use_litellm_proxy is true (the id then starts with
 *     "litellm_proxy/", reference 2.4), the id starts with
 *     "litellm_proxy/", or $USE_LITELLM_PROXY is "true"/"1": base from
 *     api_base, $LITELLM_PROXY_API_BASE, $LITELLM_API_BASE, else
 *     http://127.0.0.1:4000; "litellm_proxy/" is stripped on the wire.
 *  2. A known prefix: that row.  The prefix is stripped on the wire;
 *     client_args api_base / api_key override the row's base and key.
 *  3. No prefix (a bare id or a proxy alias): the proxy row of step 1.
 *  4. An unknown prefix ("foo/bar"): the proxy row when a proxy base is
 *     configured (api_base or the LiteLLM environment), with the whole id;
 *     otherwise MP_E_INVALID_ARGUMENT listing the known prefixes.
 *
 * Thread: pure; [any-thread].  A resolved route borrows from the config
 * and the environment for the length of one call.
 */
#ifndef LP_ROUTE_H
#define LP_ROUTE_H

#include <stddef.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "../core/strbuf.h"
#include "../core/wire.h"
#include "../transport/http_transport.h"

struct curl_slist;

/* How the key travels. */
enum lp_auth {
    LP_AUTH_BEARER = 0,   /* Authorization: Bearer <key> (when a key is set) */
    LP_AUTH_API_KEY = 1,  /* api-key: <key> (Azure)                          */
    LP_AUTH_X_API_KEY = 2 /* x-api-key: <key> (Anthropic)                    */
};

/* Quirks: what a provider's door does differently.  Request and response
 * code asks lp_route_quirk(route, flag), never which provider it is. */
enum lp_quirk {
    LP_Q_PROXY = 1u << 0,          /* a LiteLLM proxy: /model/info answers,
                                      retries are the router's           */
    LP_Q_NO_STREAM_OPTIONS = 1u << 1, /* refuses stream_options          */
    LP_Q_GOOGLE_SIGNATURES = 1u << 2, /* thought signatures travel as
                                      extra_content.google.thought_signature
                                      on each tool call                  */
    LP_Q_VERTEX_SIGNATURES = 1u << 3, /* ... as extra_content.vertex.*  */
    LP_Q_SIGNATURE_PLACEHOLDER = 1u << 4, /* every tool call in the history
                                      needs a signature: send Google's
                                      skip_thought_signature_validator
                                      for calls made without one          */
    LP_Q_MAX_TOKENS_ONLY = 1u << 5, /* takes max_tokens only: params.
                                      max_completion_tokens is renamed   */
    LP_Q_NO_EMPTY_TOOLS = 1u << 6,  /* refuses "tools": [] (sent only when
                                      there are tools)                   */
    LP_Q_API_VERSION = 1u << 7     /* Azure: {api_version} in the URL     */
};

/* The route table holds no pointer: a row of strings kept in place is
 * read-only data the loader maps as it is, where pointers would each need
 * a relocation at load time and the pages they sit on a private copy in
 * every process (about 10 us a page on a virtual machine, most of what
 * loading the plugin cost beyond a bare library; tests/README.md,
 * Performance).  Strings are char arrays (an empty one is "none"), the
 * adapter an id, and a list of environment variables is their names one
 * after another, each ended by a NUL, the list by an empty name:
 * "GROQ_API_KEY\0" "OTHER_KEY".  test_route checks that every string of
 * every row fits its array with its ending. */
#define LP_ENV_LIST 96

/* Names of an environment list in turn:
 *   for (const char *n = row->key_env; *n; n = lp_env_next(n)) ... */
static inline const char *lp_env_next(const char *name)
{
    return name + strlen(name) + 1;
}

/* A header whose value comes from an environment variable, sent only when
 * the variable is set (e.g. OpenRouter's HTTP-Referer from OR_SITE_URL). */
typedef struct lp_env_header {
    char header[24];
    char env[24];
} lp_env_header;

/* The adapter of a row (lp_route_row_wire gives its table). */
enum lp_wire_id {
    LP_WIRE_NONE = 0,     /* not built yet (then refused)                */
    LP_WIRE_OPENAI_CHAT,  /* plugin/openai_chat/                          */
    LP_WIRE_ANTHROPIC     /* plugin/anthropic/                            */
};

typedef struct lp_route_row {
    char prefix[16];           /* "groq/"; "" for the proxy row          */
    char provider[16];         /* "groq": for messages and get_config;
                                  "" ends the table                      */
    unsigned char wire;        /* enum lp_wire_id                         */
    unsigned char key_required; /* no key (nor token) -> refused before
                                   sending                              */
    unsigned char auth;        /* enum lp_auth                            */
    unsigned quirks;           /* enum lp_quirk                           */
    /* The URL: {base} (trailing slashes removed), {model} (the wire
     * model), {api_version}, {project}, {location}, {location-} (the
     * location and a dash, or nothing for "global"); the base may use
     * them too.  "": {base} and the adapter's default_path. */
    char url[96];
    char url_no_version[48];   /* LP_Q_API_VERSION: the URL when no
                                  api_version is configured             */
    char default_base[64];     /* "": a base must be configured          */
    char model_prefix[32];     /* prepended to a wire model without '/'  */
    char default_location[16];
    lp_env_header env_headers[2];
    char base_env[LP_ENV_LIST];
    char key_env[LP_ENV_LIST];
    /* When no key is found: a token from these variables, sent as
     * "Authorization: Bearer" whatever `auth` says (Anthropic's
     * $ANTHROPIC_AUTH_TOKEN). */
    char token_env[LP_ENV_LIST];
    char version_env[LP_ENV_LIST];  /* {api_version}                      */
    char project_env[LP_ENV_LIST];  /* {project}                          */
    char location_env[LP_ENV_LIST]; /* {location}                         */
} lp_route_row;

/* The table: rows in lookup order, ended by a row whose provider is "".
 * The first row is the proxy row. */
extern const lp_route_row lp_route_table[];

/* The adapter of `row`, or NULL when it has none (LP_WIRE_NONE). */
const lp_wire *lp_route_row_wire(const lp_route_row *row);

/* A route resolved for one call. */
typedef struct lp_route {
    const lp_route_row *row;
    const lp_wire *wire;
    const lp_config *cfg;
    const char *model;       /* the model on the wire (see wire_model)   */
    char model_buf[512];     /* model_prefix + model when one is added   */
    const char *base;        /* the base URL as configured               */
    const char *key;         /* NULL: none                               */
    int key_is_token;        /* the key came from token_env: Bearer      */
    const char *api_version; /* NULL: none                               */
    const char *project, *location;
    /* Where each came from, for error messages: "client_args.api_base",
     * "$GROQ_API_BASE", "the route table (groq/)", "the built-in default".
     * Static or in the buffers below. */
    const char *base_from, *key_from;
    char base_from_buf[64], key_from_buf[64];
    /* How the exchange is made: lp_http_perform, or lp_mock_perform
     * when params ask for LiteLLM's offline mock answers (then the wire
     * is the OpenAI chat adapter, the format those answers come in). */
    lp_perform_fn perform;
    int num_retries;         /* configured, else 0 through a proxy (its
                                router retries) and 2 on direct routes,
                                the official SDKs' default (decision 24) */
} lp_route;

/* Resolve the route for `cfg` (see above).  MP_E_INVALID_ARGUMENT naming
 * what is missing (an unknown prefix with the list of known ones, a
 * missing base, project or required key, with where each could be set);
 * MP_E_UNSUPPORTED for a row whose adapter is not built. */
int lp_route_resolve(const lp_config *cfg, lp_route *out, mp_error *err);

/* The adapter the config's model id goes to (the row lp_route_resolve
 * would pick, without its checks), for what a config means; NULL without
 * a model id or when that row has no adapter built. */
const lp_wire *lp_route_wire_for(const lp_config *cfg);

/* Whether the route has quirk `q`. */
int lp_route_quirk(const lp_route *r, unsigned q);

/* The URL of the call (the row's template filled in).  A base that
 * already ends with the path the template adds after {base} (a full
 * ".../v1/messages" URL given as the base) is used as it is. */
int lp_route_url(const lp_route *r, strbuf *out);

/* A LiteLLM proxy's root: the base without trailing slashes and a final
 * "/v1", for routes such as "/v1/model/info". */
int lp_route_proxy_root(const lp_route *r, strbuf *out);

/* The request headers: the adapter's (wire->add_headers, given `opt`),
 * the key in the row's form, the row's environment headers, then every
 * client_args.extra_headers entry (overriding a default header of the same
 * name; one the adapter already wrote, merged, is not sent twice), and an
 * empty "Expect:".  The caller frees the list with
 * curl_slist_free_all.  On failure *out is NULL. */
int lp_route_headers(const lp_route *r, int streaming,
                     const lp_call_options *opt, struct curl_slist **out,
                     mp_error *err);

/* Whether client_args.extra_headers names `header` (case-insensitive):
 * an adapter leaves such a default out so the user's value wins. */
int lp_route_has_extra(const lp_route *r, const char *header);

/* Append one "Name: value" header line (or "Name;" for an empty value, curl's
 * way to send an empty header).  0 or MP_E_NO_MEMORY. */
int lp_route_add_header(struct curl_slist **list, const char *name,
                        const char *value);

/* " (POST <url>; base URL from <where>; key from <where>)": what an error
 * should say about where the call went.  Never includes the key itself. */
int lp_route_describe(const lp_route *r, const char *method,
                      const char *url, strbuf *out);

/* Secrets to scrub from error text for this route: the key and the
 * extra header values kept secret (config.h, lp_header_scrubbed).  Fills
 * up to `cap`-1 and a NULL. */
void lp_route_secrets(const lp_route *r, const char **out, size_t cap);

/* "openai/, azure/, ...": the known prefixes, for messages. */
int lp_route_list_prefixes(strbuf *out);

#endif
