/*
 * config.h - an instance's configuration: parsed, validated, immutable.
 *
 * A config is built whole from JSON and never changed afterwards.  An
 * instance holds a pointer to its current config; update_config builds a
 * new one and swaps the pointer under the instance lock, and every call
 * takes its own reference first, so a stream that is running keeps the
 * config it started with (decision 23).
 */
#ifndef LP_CONFIG_H
#define LP_CONFIG_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "log.h"

#define LP_PROXY_PREFIX "litellm_proxy/"

enum lp_structured_mode {
    LP_SO_AUTO = 0,
    LP_SO_RESPONSE_FORMAT = 1,
    LP_SO_TOOL = 2
};

typedef struct lp_config {
    atomic_int refs; /* see lp_config_ref/unref */

    /* The documents as stored, unknown keys included.  Owned. */
    json_object *config;      /* object */
    json_object *client_args; /* object */

    /* --- model config (Strands LiteLLMConfig + our additions) --- */
    const char *model_id;      /* with the litellm_proxy/ prefix rule
                                  applied; NULL when missing            */
    const char *wire_model;    /* model_id without a leading
                                  "litellm_proxy/", as sent on the wire */
    json_object *params;       /* object, or NULL when absent or null
                                  (null is {}, reference-update 2.2)    */
    int stream;                /* the "stream" key (reference-update
                                  2.1): -1 absent, else 0/1 (null is 0) */
    /* cache_config (reference-update 2.15), read once here.  Strings are
     * borrowed from `config`. */
    int has_cache_config;      /* given and not null                    */
    const char *cache_key;     /* its cache_key; NULL: none given       */
    int cache_key_off;         /* cache_key: false (never send a key)   */
    const char *cache_retention; /* ttl when OpenAI knows it ("in_memory"
                                  or "24h"), else NULL                  */
    int64_t context_window_limit; /* -1 when absent                     */
    int reasoning_round_trip;  /* decision 5, default 0                 */
    int structured_output_mode; /* enum lp_structured_mode            */

    /* --- client args (LiteLLM names) --- */
    const char *api_key;       /* NULL: from the environment            */
    const char *api_base;      /* NULL: from the environment            */
    int use_litellm_proxy;
    int64_t timeout_ms;        /* whole call; 0 = none; default 600 s   */
    int64_t connect_timeout_ms;/* default 10 s                          */
    int64_t idle_timeout_ms;   /* max silence between body bytes; 0 = none;
                                  default 120 s                         */
    int num_retries;           /* -1 when not given: the route's default */
    const char *api_version;   /* Azure api-version; NULL: from the env  */
    const char *vertex_project, *vertex_location; /* NULL: from the env  */
    json_object *extra_headers;/* object of string values, or NULL      */
    int ssl_verify;            /* default 1                             */
    const char *ca_bundle;     /* NULL: system default                  */
    int64_t max_response_bytes;/* limit for an SSE line / JSON body;
                                  default 8 MiB                         */
    int64_t retry_base_ms;     /* first backoff delay, default 500 ms   */
    int64_t retry_max_ms;      /* backoff cap, default 30 s             */
} lp_config;

/* Build a config from two JSON texts (NULL means {}).  Unknown keys are kept
 * and reported with one warning each document, worded as the reference's.
 * Errors are MP_E_INVALID_ARGUMENT with a message naming the key. */
int lp_config_new(const char *config_json, size_t config_len,
                  const char *client_args_json, size_t client_len,
                  const lp_logger *log, lp_config **out, mp_error *err);

/* A new config = `base` with the keys of `update_json` merged in (shallow;
 * `params` is replaced, not deep-merged).  `base` is unchanged. */
int lp_config_update(const lp_config *base, const char *update_json,
                     size_t len, const lp_logger *log, lp_config **out,
                     mp_error *err);

/* Whether a plain stream() call asks for a streamed answer (reference-
 * update 2.1): the config's "stream" key, else params.stream (a boolean
 * or null), else yes.  MP_E_INVALID_ARGUMENT for another params.stream. */
int lp_config_stream_flag(const lp_config *cfg, int *stream, mp_error *err);

lp_config *lp_config_ref(lp_config *cfg);
void lp_config_unref(lp_config *cfg);

/* Check the native providers' model keys of a config document
 * (cache_tools, anthropic_tools; config_native.c): types, and no function
 * tool among the server tools.  The deprecated cache_tools is warned about
 * through `log`. */
int lp_config_check_native(json_object *doc, const lp_logger *log,
                           mp_error *err);

/* {"config":{...},"client_args":{...}} with secrets redacted (decision 21),
 * written with the JSON writer into `out`.  `learned_window` > 0 is the
 * model's context window as a LiteLLM proxy reported it, shown as
 * config.context_window_limit when the config gives none. */
struct strbuf;
int lp_config_to_redacted_json(const lp_config *cfg, int64_t learned_window,
                               struct strbuf *out);

/* True if a header or key name looks secret: contains "key", "token",
 * "secret" or "authorization" (case-insensitive). */
int lp_is_secret_name(const char *name);

/* extra_headers: the value of every header NOT named on a short list of
 * headers that never carry a credential (Accept, Accept-Language,
 * Cache-Control, Content-Type, User-Agent, X-Request-Id and the vendors'
 * version/beta headers; case-insensitive) is treated as a secret: shown as
 * "<redacted>" by get_config, and scrubbed from error text (values of
 * fewer than LP_MIN_SCRUBBED bytes excepted when the name does not look
 * secret: such a value would mask ordinary digits and words).  A name that
 * is not on the list cannot leak, whatever it is called (Cookie, X-Auth,
 * Proxy-Authorization...).  At most LP_MAX_HIDDEN_HEADERS such headers are
 * accepted, so every one of them fits in the list of secrets an exchange
 * scrubs. */
int lp_header_is_public(const char *name);
/* Whether the value of extra header `name` is scrubbed from error text:
 * any non-empty value of a secret-looking name, and a value of at least
 * LP_MIN_SCRUBBED bytes of any other name off the public list. */
int lp_header_scrubbed(const char *name, const char *value);
#define LP_MAX_HIDDEN_HEADERS 32
#define LP_MIN_SCRUBBED 4

#endif
