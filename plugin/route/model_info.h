/*
 * model_info.h - asking a LiteLLM proxy what it knows of a model
 * (litellm-wire 1.3): does it take response_format json_schema (decision
 * 19), images, tools, and how large is its context window.
 *
 * GET {root}/v1/model/info, and when that fails, GET {root}/model/info
 * (root = the route's base without a final "/v1", lp_route_proxy_root).  The answer is
 * {"data": [{"model_name": ..., "model_info": {...}}, ...]}; the entries
 * whose model_name equals the wire model are read, and the model supports
 * a response schema when every one of them (a model group may hold
 * several deployments) says "supports_response_schema": true.  Not listed,
 * false, null or absent mean no.  supports_vision and
 * supports_function_calling are "no" when any entry says false, "not said"
 * when none says; max_input_tokens is the smallest given.  The probe makes
 * one attempt per route (no retries) and gives each at most `cap_ms`.
 *
 * Thread: [instance-serialized] (uses the instance's transport).
 */
#ifndef LP_MODEL_INFO_H
#define LP_MODEL_INFO_H

#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "model_memo.h"
#include "route.h"
#include "../transport/http_transport.h"

/* Read a /model/info body.  Returns 1 and fills *facts when the body is a
 * model-info document, 0 when it is not (not JSON, no "data" list). */
int mi_parse_facts(const char *body, size_t len, const char *model,
                   lp_model_facts *facts);
/* mi_parse_facts, the response_format answer only (LP_SCHEMA_YES/_NO). */
int mi_parse(const char *body, size_t len, const char *model, int *support);

/* What the proxy behind `route` says of its model: from the instance's
 * memo, else from the process's answers (model_info_shared.h), else asked
 * now (at most `cap_ms`) and remembered, in both, when the proxy answered.
 * While another instance is asking about the same model, an `optional`
 * caller goes on without an answer (*known 0) and any other asks too.
 * Only a LiteLLM proxy reached over the network is asked; for any other
 * route *known is 0 and nothing is sent.  Returns MP_OK (a proxy that
 * cannot answer is not an error) or MP_E_CANCELLED. */
struct mp_instance;
int mi_learn(struct mp_instance *inst, const lp_config *cfg,
             const lp_route *route, int64_t cap_ms, int optional,
             lp_model_facts *out, int *known, mp_error *err);

/* Before a stream() to a proxy: learn about the model (a short probe,
 * once per model, skipped while another instance asks) and warn through the log when the request holds images
 * or tools the proxy says the model cannot take (the request is still
 * sent: the proxy may know better by then).  MP_OK or MP_E_CANCELLED. */
struct rf_request;
int mi_check_request(struct mp_instance *inst, const lp_config *cfg,
                     const lp_route *route, const struct rf_request *req,
                     mp_error *err);

#endif
