/*
 * wire_anthropic.c - the Anthropic adapter's table (core/wire.h): the
 * body of an_body.c, this API's headers, the mapper of an_stream.c /
 * an_whole.c / an_finish.c, the error classifier of an_errors.c.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/errors.h"
#include "../route/route.h"
#include "an_body.h"
#include "an_mapper.h"
#include "anthropic.h"

/* The only version there is; the SDK and LiteLLM send it too (1.2). */
#define AN_VERSION "2023-06-01"
/* The beta the legacy output_format needs (spec 6.3). */
#define AN_BETA_OUTPUT_FORMAT "structured-outputs-2025-11-13"

/* The user's anthropic-beta extra header, or NULL. */
static const char *user_betas(const lp_route *route)
{
    json_object *extra = route->cfg ? route->cfg->extra_headers : NULL;
    if (!extra)
        return NULL;
    json_object_object_foreach(extra, name, val) {
        if (strcasecmp(name, "anthropic-beta") == 0)
            return json_object_get_string(val);
    }
    return NULL;
}

/* anthropic-beta: the user's betas with `ours` added once (spec 1.2: a
 * comma list, trimmed, without repeats). */
static int add_betas(const lp_route *route, const char *ours,
                     struct curl_slist **list)
{
    const char *theirs = user_betas(route);
    strbuf v;
    sb_init(&v, 8192);
    int seen = 0, rc = MP_OK;
    for (const char *p = theirs; p && *p && !rc;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > p) {
            seen |= (size_t)(e - p) == strlen(ours) &&
                    strncmp(p, ours, (size_t)(e - p)) == 0;
            rc = sb_printf(&v, "%s%.*s", v.len ? "," : "", (int)(e - p), p);
        }
        p = comma ? comma + 1 : end;
    }
    if (!rc && !seen)
        rc = sb_printf(&v, "%s%s", v.len ? "," : "", ours);
    if (!rc)
        rc = lp_route_add_header(list, "anthropic-beta", v.data);
    sb_free(&v);
    return rc ? MP_E_NO_MEMORY : MP_OK;
}

static int add_headers(const lp_route *route, int streaming,
                       const lp_call_options *opt, struct curl_slist **list,
                       mp_error *err)
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
    /* The plugin adds a beta of its own only for a field that needs one. */
    if (!rc && opt && opt->response_format && opt->legacy_format)
        rc = add_betas(route, AN_BETA_OUTPUT_FORMAT, list);
    return rc ? lp_fail(err, rc, "out of memory") : MP_OK;
}

/* Spec 6.2's list of models with native structured outputs; "." and "_"
 * spell the same version as "-". */
static int json_schema_support(const char *model)
{
    static const char *const models[] = {
        "sonnet-4-5", "sonnet-4-6", "opus-4-1", "opus-4-5", "opus-4-6",
        "opus-4-7", NULL};
    char norm[256];
    size_t n = 0;
    for (; model && model[n] && n + 1 < sizeof norm; n++) {
        char ch = (char)tolower((unsigned char)model[n]);
        norm[n] = ch == '.' || ch == '_' ? '-' : ch;
    }
    norm[n] = '\0';
    for (size_t i = 0; models[i]; i++)
        if (strstr(norm, models[i]))
            return 1;
    return 0;
}

/* A 400 naming output_config: a deployment that only knows the beta
 * output_format (spec 6.3). */
static int older_form(const mp_error *err)
{
    return LP_ERR_HAS(err, message) && strstr(err->message, "output_config");
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
    .speaks = "Anthropic's Messages API",
    .default_path = "/v1/messages",
    .places_cache_points = 1,
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
    .json_schema_support = json_schema_support,
    .older_form = older_form,
    .check_single_answer = NULL,
    .classify_http = an_classify_http,
};
