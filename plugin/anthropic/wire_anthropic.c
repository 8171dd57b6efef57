/*
 * wire_anthropic.c - the Anthropic adapter's table (core/wire.h): the
 * body of an_body.c, this API's headers, the mapper of an_stream.c /
 * an_whole.c / an_finish.c, the error classifier of an_errors.c.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../route/route.h"
#include "an_body.h"
#include "an_mapper.h"
#include "anthropic.h"

/* The only version there is; the SDK and LiteLLM send it too (1.2). */
#define AN_VERSION "2023-06-01"

static int add_headers(const lp_route *route, int streaming,
                       struct curl_slist **list, mp_error *err)
{
    static const char *const fixed[][2] = {
        {"Content-Type", "application/json"},
        {"anthropic-version", AN_VERSION},
        /* LiteLLM sends this also when streaming; the server still
         * answers text/event-stream. */
        {"Accept", "application/json"},
    };
    (void)streaming;
    int rc = MP_OK;
    for (size_t i = 0; !rc && i < sizeof fixed / sizeof *fixed; i++)
        if (!lp_route_has_extra(route, fixed[i][0]))
            rc = lp_route_add_header(list, fixed[i][0], fixed[i][1]);
    return rc ? lp_fail(err, rc, "out of memory") : MP_OK;
}

static int new_mapper(ev_emitter *em, const lp_map_options *opt,
                      lp_mapper **out)
{
    an_mapper *m = malloc(sizeof *m);
    if (!m)
        return MP_E_NO_MEMORY;
    int rc = an_mapper_init(m, em, opt);
    if (rc) {
        an_mapper_free(m);
        free(m);
        return rc;
    }
    *out = (lp_mapper *)m;
    return MP_OK;
}

static int feed(lp_mapper *m, const char *bytes, size_t len, mp_error *err)
{
    return an_mapper_feed((an_mapper *)m, bytes, len, err);
}

static int finish(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms,
                  mp_error *err)
{
    return an_mapper_finish((an_mapper *)m, latency_ms, ttfb_ms, err);
}

static int cut(lp_mapper *m, int64_t latency_ms, int64_t ttfb_ms, int status,
               const char *why, mp_error *err)
{
    return an_mapper_cut((an_mapper *)m, latency_ms, ttfb_ms, status, why,
                         err);
}

static int started(const lp_mapper *m)
{
    return ((const an_mapper *)m)->started;
}

static int complete(const lp_mapper *m)
{
    return an_mapper_complete((const an_mapper *)m);
}

static int map_whole(lp_mapper *m, const char *body, size_t len,
                     int64_t latency_ms, int64_t ttfb_ms, mp_error *err)
{
    return an_mapper_whole((an_mapper *)m, body, len, latency_ms, ttfb_ms,
                           err);
}

static int next_request(lp_mapper *m, strbuf *body, mp_error *err)
{
    return an_mapper_next_request((an_mapper *)m, body, err);
}

static void free_mapper(lp_mapper *m)
{
    if (!m)
        return;
    an_mapper_free((an_mapper *)m);
    free(m);
}

const lp_wire lp_wire_anthropic = {
    .name = "anthropic",
    .format_body = an_format_body,
    .add_headers = add_headers,
    .new_mapper = new_mapper,
    .feed = feed,
    .finish = finish,
    .cut = cut,
    .started = started,
    .complete = complete,
    .map_whole = map_whole,
    .next_request = next_request,
    .free_mapper = free_mapper,
    .check_single_answer = NULL,
    .classify_http = an_classify_http,
};
