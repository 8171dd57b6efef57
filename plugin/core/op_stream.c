/*
 * op_stream.c - the stream() operation: host request -> route and wire
 * adapter -> HTTP body -> transport -> the adapter's mapper -> host
 * events.  Nothing here knows which API it talks to (wire.h).
 *
 * One body serves every ABI minor: the descriptor of minor 0 and the one
 * of minor 1 each have their own entry point here, which tells the emitter
 * what the host speaks (event_emit.h enforces MP_PLUGIN_14).  For a host of
 * minor >= 1 events are batched per network read (MP_EVENT_FLAG_BATCH_END)
 * and the response headers become a RESPONSE_INFO event.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errors.h"
#include "event_emit.h"
#include "exchange.h"
#include "../transport/http_transport.h"
#include "instance.h"
#include "../route/model_info.h"
#include "module.h"
#include "strbuf.h"

/* The body of a non-streaming response is collected whole, then mapped.
 * A streamed request whose answer starts with '{' is such a body too: some
 * OpenAI-compatible servers ignore "stream": true and answer one JSON
 * object, which is a complete answer, not a protocol error. */
enum body_mode { BODY_UNDECIDED, BODY_SSE, BODY_WHOLE };

typedef struct body_sink {
    const lp_wire *wire;
    lp_mapper *mapper;
    ev_emitter *em;
    int mode;           /* enum body_mode */
    strbuf whole;
    rh_headers headers; /* the ones a host may want (RESPONSE_INFO)     */
    strbuf info_json;   /* their JSON object                            */
    mp_event_response_info info;
    int over_limit;     /* the whole body passed max_response_bytes     */
    int mapper_failed;  /* the mapper refused this exchange's bytes     */
    int64_t deadline;   /* the whole call's, once its first request set
                           it (0 before)                               */
} body_sink;

static int on_bytes(void *ctx, const char *p, size_t n, mp_error *err)
{
    body_sink *b = ctx;
    for (size_t i = 0; b->mode == BODY_UNDECIDED && i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            b->mode = p[i] == '{' ? BODY_WHOLE : BODY_SSE;
    if (b->mode != BODY_WHOLE) { /* leading blank lines are harmless SSE */
        int rc = b->wire->feed(b->mapper, p, n, err);
        b->mapper_failed = rc != MP_OK;
        /* Decision 26: the terminator ends the call, not the connection. */
        if (!rc && b->wire->complete && b->wire->complete(b->mapper))
            return LP_BODY_COMPLETE;
        return rc;
    }
    int rc = sb_append(&b->whole, p, n);
    if (rc == MP_E_PROTOCOL) {
        b->over_limit = 1;
        return lp_fail(err, MP_E_PROTOCOL, "response body exceeds "
                       "max_response_bytes (%zu bytes)", b->whole.max);
    }
    if (rc)
        return lp_fail(err, rc, "out of memory reading the response");
    return MP_OK;
}

static int started(void *ctx)
{
    body_sink *b = ctx;
    return b->wire->started(b->mapper);
}

/* The 2xx response being streamed: its headers become the RESPONSE_INFO
 * the emitter delivers after MESSAGE_START. */
static int on_response(void *ctx, long status, int attempt, mp_error *err)
{
    body_sink *b = ctx;
    ev_set_response_info(b->em, NULL);
    if (!rh_any(&b->headers))
        return MP_OK;
    if (rh_response_info(&b->headers, (int)status, attempt, &b->info_json,
                         &b->info))
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory reading the "
                       "response headers");
    ev_set_response_info(b->em, &b->info);
    return MP_OK;
}

/* The bytes of one network read are mapped: the host may flush. */
static int end_batch(ev_emitter *em, mp_error *err)
{
    int rc = ev_batch_end(em);
    if (rc == MP_E_CANCELLED && !(LP_ERR_HAS(err, message) && err->message[0]))
        lp_fail(err, rc, ev_cancel_called(em) ? "cancelled" : "stream "
                "cancelled by the host's event callback");
    return rc;
}

static int on_idle(void *ctx, mp_error *err)
{
    body_sink *b = ctx;
    return end_batch(b->em, err);
}

/* A request that continues an answer the host already has part of
 * (next_request) failed on its own account (an HTTP error, the
 * connection, the timeout), after the transport retried what it could.
 * Running the call again would deliver that part twice, so the failure is
 * not retryable for the host, as for a stream cut short. */
static void not_retryable(mp_error *err)
{
    if (!LP_ERR_HAS(err, retryable) || !err->retryable)
        return;
    err->retryable = 0;
    lp_error_append(err, " (while continuing an answer already partly "
                    "delivered: not retryable, since running the call again "
                    "would deliver that part twice)");
}

/* One HTTP exchange of the call and the mapping of its answer. */
static int exchange_once(mp_instance *inst, const lp_config *cfg,
                         const lp_exchange *x, body_sink *bs, int64_t t0,
                         mp_error *err)
{
    const lp_wire *w = x->route.wire;
    int delivered = w->started(bs->mapper);
    bs->mode = x->streaming ? BODY_UNDECIDED : BODY_WHOLE;
    bs->over_limit = 0;
    bs->mapper_failed = 0;
    sb_reset(&bs->whole);
    lp_body_handler h = {.ctx = bs, .on_bytes = on_bytes, .started = started,
                         .on_response = on_response, .on_idle = on_idle};
    lp_http_request hreq = {.url = x->url.data, .headers = x->headers,
                            .watch_idle = x->streaming,
                            .body = x->body.data, .body_len = x->body.len,
                            .num_retries = x->route.num_retries,
                            .deadline_ms = bs->deadline,
                            .classify = w->classify_http,
                            .headers_kept = &bs->headers};
    lp_http_result res;
    int rc = x->route.perform(&inst->transport, cfg, &hreq, &h, x->secrets,
                              &res, err);
    if (!bs->deadline)
        bs->deadline = res.deadline_ms; /* `timeout` bounds the whole call */
    if (rc && delivered && !bs->mapper_failed)
        not_retryable(err);
    /* A body over the limit says so alone: its format is not in doubt. */
    if (!(rc == MP_E_PROTOCOL && bs->over_limit))
        lp_exchange_explain(x, rc, started(bs), err);
    int64_t latency = lp_now_ms() - t0;
    if (!rc && !res.complete)
        rc = w->cut(bs->mapper, latency, res.ttfb_ms, res.cut_status,
                    res.detail, err);
    else if (!rc && bs->mode != BODY_WHOLE)
        rc = w->finish(bs->mapper, latency, res.ttfb_ms, err);
    else if (!rc)
        rc = w->map_whole(bs->mapper, bs->whole.data, bs->whole.len, latency,
                          res.ttfb_ms, err);
    return rc;
}

/* stream() for a host that negotiated `minor`. */
static int stream_for(mp_instance *inst, const char *request_json, size_t len,
                      const mp_event_sink *sink, uint32_t minor, mp_error *err)
{
    lp_error_clear(err);
    if (!LP_EVENT_SINK_OK(sink))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "stream: the event sink is "
                       "NULL, has no on_event, or its struct_size is smaller "
                       "than mp_event_sink of ABI 1.0");
    if (!inst || !request_json)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "stream: instance and request are required");
    lp_instance_begin_call(inst);
    int64_t t0 = lp_now_ms();
    lp_config *cfg = lp_instance_config(inst);
    lp_exchange x;
    int rc = lp_exchange_prepare(&x, cfg, request_json, len, NULL, err);
    if (rc) {
        lp_exchange_free(&x);
        lp_config_unref(cfg);
        return rc;
    }

    /* A LiteLLM proxy says what the model takes (asked once per model). */
    rc = mi_check_request(inst, cfg, &x.route, &x.req, err);
    if (rc) {
        lp_exchange_free(&x);
        lp_config_unref(cfg);
        return rc;
    }

    /* The body now holds all the exchange needs: free the parsed request
     * rather than hold it (about two bytes per payload byte) through the
     * whole transfer. */
    lp_exchange_release_request(&x);

    const lp_wire *w = x.route.wire;
    ev_emitter em;
    ev_init(&em, sink);
    ev_set_host_minor(&em, minor, lp_module_logger());
    ev_set_batching(&em, 1);
    /* cancel() stops the delivery between two events, even inside one
     * network read (the transport only looks between reads). */
    ev_watch_cancel(&em, &inst->transport.cancel);
    lp_map_options opt = {
        .reasoning_round_trip = cfg->reasoning_round_trip,
        .max_line = (size_t)cfg->max_response_bytes,
        .max_tool_args = (size_t)cfg->max_response_bytes,
        .secrets = x.secrets,
        .log = lp_module_logger(),
    };
    lp_mapper *mapper = NULL;
    rc = w->new_mapper(&em, &opt, &mapper);
    if (rc) {
        lp_exchange_free(&x);
        lp_config_unref(cfg);
        return lp_fail(err, rc, "stream: out of memory");
    }
    body_sink bs = {.wire = w, .mapper = mapper, .em = &em};
    sb_init(&bs.whole, (size_t)cfg->max_response_bytes);
    rh_init(&bs.headers, x.secrets);
    sb_init(&bs.info_json, (size_t)1 << 20);
    /* An answer may ask to be continued in the same message (the
     * adapter's next_request rewrites the body); each exchange's answer
     * is mapped before the next is sent. */
    while (!(rc = exchange_once(inst, cfg, &x, &bs, t0, err)) &&
           w->next_request) {
        int more = w->next_request(mapper, &x.body, err);
        if (more <= 0) {
            rc = more;
            break;
        }
    }
    /* What the last read made goes out whatever happened after it: on an
     * error the events so far are the host's too (stream() contract). */
    int end = end_batch(&em, err);
    if (!rc)
        rc = end;
    if (rc == MP_E_CANCELLED && !(LP_ERR_HAS(err, message) && err->message[0]))
        lp_fail(err, MP_E_CANCELLED, "cancelled");
    w->free_mapper(mapper);
    ev_free(&em);
    rh_free(&bs.headers);
    sb_free(&bs.info_json);
    sb_free(&bs.whole);
    lp_exchange_free(&x);
    lp_config_unref(cfg);
    return rc;
}

int lp_op_stream(mp_instance *inst, const char *request_json, size_t len,
                 const mp_event_sink *sink, mp_error *err)
{
    return stream_for(inst, request_json, len, sink, MP_ABI_MINOR, err);
}

int lp_op_stream_v10(mp_instance *inst, const char *request_json, size_t len,
                     const mp_event_sink *sink, mp_error *err)
{
    return stream_for(inst, request_json, len, sink, 0, err);
}
