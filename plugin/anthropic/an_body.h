/*
 * an_body.h - the Messages API request body (the adapter's format_body,
 * core/wire.h), built by an_body.c with the writers of an_messages.c.
 */
#ifndef LP_AN_BODY_H
#define LP_AN_BODY_H

#include "../core/config.h"
#include "../core/log.h"
#include "../core/strbuf.h"
#include "../core/wire.h"
#include "../request/request.h"

struct lp_route;

/* The body for `req`; model from `route` (NULL: cfg->wire_model, as unit
 * tests use it).  *streaming_out says whether it asks for SSE.  Warnings
 * (what was left out and why) go to `log`.  On failure `out` is empty and
 * `err` names the JSON path or the config key at fault. */
int an_format_body(const lp_config *cfg, const struct lp_route *route,
                   const rf_request *req, const lp_call_options *opt,
                   const lp_logger *log, strbuf *out, int *streaming_out,
                   mp_error *err);

#endif
