/*
 * exchange.h - everything one HTTP exchange with a model needs, built from
 * the host's request before anything is sent: the route, the parsed
 * request, the body, the URL, the headers and the secrets to scrub from
 * errors.  stream() and structured_output() both start here, whatever the
 * wire format: the route names the adapter, the adapter writes the body.
 */
#ifndef LP_EXCHANGE_H
#define LP_EXCHANGE_H

#include <curl/curl.h>

#include "../../abi/model_provider.h"
#include "../request/request.h"
#include "../route/route.h"
#include "config.h"
#include "strbuf.h"
#include "wire.h"

/* The key, every hidden extra header (config.h), the terminator. */
#define LP_MAX_SECRETS (LP_MAX_HIDDEN_HEADERS + 2)

typedef struct lp_exchange {
    lp_route route;
    rf_request req;
    strbuf body;
    strbuf url;
    struct curl_slist *headers;
    int streaming;
    const char *secrets[LP_MAX_SECRETS]; /* borrowed from the config and
                                            the environment             */
} lp_exchange;

/* Resolve the route, parse the request and build the exchange.  On
 * failure nothing is sent and `err` names the problem;
 * lp_exchange_free is needed either way. */
int lp_exchange_prepare(lp_exchange *x, const lp_config *cfg,
                        const char *request_json, size_t len,
                        const lp_call_options *opt, mp_error *err);

/* Build the body again for other options (structured output switching
 * path); the request stays parsed and its warnings are not repeated. */
int lp_exchange_rebuild(lp_exchange *x, const lp_config *cfg,
                        const lp_call_options *opt, mp_error *err);

/* Drop the parsed request once the body holds what it needs (about two
 * bytes per payload byte not held through the transfer). */
void lp_exchange_release_request(lp_exchange *x);

/* Append where the call went (lp_route_describe) to err->message, for an
 * error of the transport or the server: the URL, and where the base and
 * the key came from.  Also for a URL libcurl could not use, and for an
 * answer the adapter could not read before it delivered anything
 * (`delivered` 0), which most often means the base URL points at a server
 * of another kind: the hint names what the adapter expects. */
void lp_exchange_explain(const lp_exchange *x, int rc, int delivered,
                         mp_error *err);

void lp_exchange_free(lp_exchange *x);

#endif
