/* wire_openai_chat.c - the OpenAI chat adapter's table (core/wire.h):
 * the request formatter, the chunk mapper and the error classifier of
 * this folder behind the one interface the core calls. */
#include <curl/curl.h>
#include <stdlib.h>

#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../route/route.h"
#include "chunk_mapper.h"
#include "openai_chat.h"
#include "request_format.h"

static int add_headers(const lp_route *route, int streaming,
                       const lp_call_options *opt, struct curl_slist **list,
                       mp_error *err)
{
    int rc = MP_OK;
    if (!lp_route_has_extra(route, "Content-Type"))
        rc = lp_route_add_header(list, "Content-Type", "application/json");
    if (!rc && !lp_route_has_extra(route, "Accept"))
        rc = lp_route_add_header(list, "Accept", streaming
                                 ? "text/event-stream" : "application/json");
    return rc ? lp_fail(err, rc, "out of memory") : MP_OK;
}

static int new_mapper(ev_emitter *em, const lp_map_options *opt,
                      lp_mapper **out)
{
    chunk_mapper *m = malloc(sizeof *m);
    if (!m)
        return MP_E_NO_MEMORY;
    int rc = cm_init(m, em, opt);
    if (rc) {
        cm_free(m);
        free(m);
        return rc;
    }
    *out = (lp_mapper *)m;
    return MP_OK;
}

static int feed(lp_mapper *m, const char *bytes, size_t len, mp_error *err)
{
    return cm_feed((chunk_mapper *)m, bytes, len, err);
}

static int finish(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                  mp_error *err)
{
    return cm_finish((chunk_mapper *)m, latency_ms, ttfb_ms, err);
}

static int cut(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms, int status,
               const char *why, mp_error *err)
{
    return cm_body_cut((chunk_mapper *)m, latency_ms, ttfb_ms, status, why,
                       err);
}

static int started(const lp_mapper *m)
{
    return cm_started((const chunk_mapper *)m);
}

static int complete(const lp_mapper *m)
{
    return cm_complete((const chunk_mapper *)m);
}

static int map_whole(lp_mapper *m, const char *body, size_t len,
                     int64_t latency_ms, int64_t ttfb_ms, mp_error *err)
{
    return cm_map_response((chunk_mapper *)m, body, len, latency_ms, ttfb_ms,
                           err);
}

static void free_mapper(lp_mapper *m)
{
    if (!m)
        return;
    cm_free((chunk_mapper *)m);
    free(m);
}

const lp_wire lp_wire_openai_chat = {
    .name = "openai_chat",
    .speaks = "an OpenAI-compatible chat completions endpoint",
    .default_path = "/chat/completions",
    .format_body = rf_format_body,
    .add_headers = add_headers,
    .new_mapper = new_mapper,
    .feed = feed,
    .finish = finish,
    .cut = cut,
    .started = started,
    .complete = complete,
    .map_whole = map_whole,
    .free_mapper = free_mapper,
    .check_single_answer = cm_check_single_choice,
    .classify_http = ec_classify_reply,
};
