/*
 * chat_call.h - everything one /chat/completions exchange needs, built
 * from the host's request before anything is sent: the parsed request, the
 * body, the URL, the headers and the secrets to scrub from errors.
 * stream() and structured_output() both start here.
 */
#ifndef LP_CHAT_CALL_H
#define LP_CHAT_CALL_H

#include <curl/curl.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "request_format.h"
#include "../core/strbuf.h"

/* The API key, every hidden extra header (config.h), the terminator. */
#define LP_MAX_SECRETS (LP_MAX_HIDDEN_HEADERS + 2)

typedef struct chat_call {
    rf_request req;
    strbuf body;
    strbuf url;
    struct curl_slist *headers;
    int streaming;
    const char *secrets[LP_MAX_SECRETS]; /* borrowed from the config */
} chat_call;

/* Parse the request and build the exchange.  On failure nothing is sent
 * and `err` names the problem; chat_call_free is needed either way. */
int chat_call_prepare(chat_call *c, const lp_config *cfg,
                      const char *request_json, size_t len,
                      const rf_options *opt, mp_error *err);
void chat_call_free(chat_call *c);

#endif
