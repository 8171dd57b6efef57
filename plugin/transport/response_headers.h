/*
 * response_headers.h - the response headers a host may want to see (ABI
 * 1.1's RESPONSE_INFO event): kept as the transport receives them, read
 * into the event once the response is the one being streamed.
 *
 * Kept: every header whose lower-cased name starts with x-litellm-,
 * x-ratelimit-, anthropic-ratelimit-, llm_provider-x-ratelimit- or
 * llm_provider-anthropic-ratelimit-, and the request ids x-request-id,
 * request-id, llm_provider-x-request-id and llm_provider-request-id.
 * Left out: a header whose value holds one of the call's secrets (a
 * gateway echoing a key must not carry it to the host), a value that is
 * not UTF-8, a name seen before in the same response, and anything past
 * RH_MAX_HEADERS headers or RH_MAX_VALUE bytes of value.  A new status
 * line (a retry, a 100 Continue) starts over.
 */
#ifndef LP_RESPONSE_HEADERS_H
#define LP_RESPONSE_HEADERS_H

#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/strbuf.h"

#define RH_MAX_HEADERS 64
#define RH_MAX_VALUE 1024

typedef struct rh_headers {
    strbuf text;     /* "name\0value\0" for each header kept, in order */
    size_t count;
    const char *const *secrets; /* NULL-terminated, borrowed; may be NULL */
} rh_headers;

void rh_init(rh_headers *h, const char *const *secrets);
void rh_free(rh_headers *h);
/* Forget what was kept (a new response begins). */
void rh_reset(rh_headers *h);
/* One raw header line as libcurl hands it ("Name: value\r\n", or a status
 * line, which starts over). */
void rh_line(rh_headers *h, const char *line, size_t len);

/* Whether any header was kept: a response without one gets no
 * RESPONSE_INFO event (a plain OpenAI-compatible server's stream stays
 * exactly what it was under ABI 1.0). */
static inline int rh_any(const rh_headers *h) { return h->count > 0; }

/* Fill `out` (a whole mp_event_response_info) from the kept headers: its
 * strings point into `h` and `json` (which holds headers_json), so both
 * must outlive the event.  MP_OK or MP_E_NO_MEMORY. */
int rh_response_info(const rh_headers *h, int http_status, int attempts,
                     strbuf *json, mp_event_response_info *out);

#endif
