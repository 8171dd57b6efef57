/*
 * request_format.h - host request document -> LiteLLM /chat/completions
 * HTTP request (body, URL, headers).
 *
 * The host sends the Strands shapes as JSON (abi stream()); this module
 * checks them completely first, so bad input fails with a message naming
 * the JSON path and nothing is built, then writes the OpenAI-style body
 * that the Strands LiteLLMModel would send (reference-behaviour.md 3, with
 * the changes of decisions.md 1-6).  The body is written with the JSON
 * writer, never through a json-c tree, so each base64 payload is copied
 * once: from the parsed request into the body.
 */
#ifndef LP_REQUEST_FORMAT_H
#define LP_REQUEST_FORMAT_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/strbuf.h"

#include "../core/wire.h"
#include "../request/request.h"

struct lp_route;

/* The body for `req` (the adapter's format_body, core/wire.h), built into
 * `body` (initialised by the caller with its size limit).  The model and
 * the quirks come from `route`; NULL means the proxy's defaults (model
 * cfg->wire_model, no quirks), which unit tests use.  *streaming_out says
 * whether the body asks for SSE ("stream": true).  Warnings of the
 * reference (reasoning dropped, location sources skipped, images moved out
 * of tool messages) go to `log`.  On failure the body is left empty and
 * `err` names the offending JSON path. */
int rf_format_body(const lp_config *cfg, const struct lp_route *route,
                   const rf_request *req, const lp_call_options *opt,
                   const lp_logger *log, strbuf *body, int *streaming_out,
                   mp_error *err);

#endif
