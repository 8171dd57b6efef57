/*
 * model_info.h - asking a LiteLLM proxy whether a model supports
 * response_format json_schema (decision 19; litellm-wire 1.3).
 *
 * GET {root}/v1/model/info, and when that fails, GET {root}/model/info
 * (root = the route's base without a final "/v1", lp_route_proxy_root).  The answer is
 * {"data": [{"model_name": ..., "model_info": {...}}, ...]}; the entries
 * whose model_name equals the wire model are read, and the model supports
 * a response schema when every one of them (a model group may hold
 * several deployments) says "supports_response_schema": true.  Not listed,
 * false, null or absent mean no.  The probe makes one attempt per route
 * (no retries) and gives each at most 30 s.
 *
 * Thread: [instance-serialized] (uses the instance's transport).
 */
#ifndef LP_MODEL_INFO_H
#define LP_MODEL_INFO_H

#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "../route/route.h"
#include "../transport/http_transport.h"

typedef struct mi_answer {
    int support;   /* enum lp_schema_support: LP_SCHEMA_YES or _NO */
    int definite;  /* 1: the server answered (worth caching): a
                      model-info document, or on both routes a status
                      such as 404 that says the route is not there; 0: no
                      answer (network, timeout) or a transient status
                      (5xx, 408, 429), so ask again on the next call */
    char why[160]; /* for the log: where the answer came from */
} mi_answer;

/* Read a /model/info body.  Returns 1 and sets *support when the body is
 * a model-info document, 0 when it is not (not JSON, no "data" list). */
int mi_parse(const char *body, size_t len, const char *model, int *support);

/* Ask the server (see above).  Never fails because the information is
 * missing: that is LP_SCHEMA_NO.  Returns MP_OK, or MP_E_CANCELLED (with
 * `err` filled) when cancel() stopped it. */
int mi_query(lp_transport *t, const lp_config *cfg, const lp_route *route,
             mi_answer *out, mp_error *err);

#endif
