/*
 * an_body.c - the Messages API body (spec 2.1, 2.5-2.7, 1.4, 6): the
 * adapter's format_body.
 *
 * The host wrote `params` for LiteLLM, so OpenAI names are mapped as
 * LiteLLM maps them (stop, max_completion_tokens, user, reasoning_effort,
 * parallel_tool_calls, response_format, web_search_options), OpenAI-only
 * names Anthropic refuses are dropped with a warning, and everything else
 * (temperature, thinking, metadata, top_k, ...) goes through as given.
 * The keys the plugin builds (model, messages, system, stream) are never
 * taken from params; an explicit tool_choice wins over params.tool_choice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "../route/route.h"
#include "an_body.h"
#include "an_request.h"
#include "an_schema.h"

#define DEFAULT_MAX_TOKENS 4096

/* OpenAI parameters the Messages API refuses ("Extra inputs are not
 * permitted"): dropped, and said so. */
static const char *const openai_only[] = {
    "stream_options", "n", "presence_penalty", "frequency_penalty",
    "logprobs", "top_logprobs", "seed", "logit_bias", NULL};

/* Keys this file reads itself instead of passing them through. */
static const char *const handled[] = {
    "model", "messages", "system", "stream", "max_tokens",
    "max_completion_tokens", "tools", "tool_choice", "parallel_tool_calls",
    "stop", "user", "reasoning_effort", "response_format",
    "web_search_options", "output_config", "thinking", NULL};

static int in_list(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (strcmp(*list, key) == 0)
            return 1;
    return 0;
}

/* What the tool choice comes to. */
enum choice { CH_UNSET, CH_AUTO, CH_ANY, CH_TOOL, CH_NONE, CH_OTHER };

typedef struct body {
    an_req c;
    const lp_config *cfg;
    const rf_request *req;
    const lp_call_options *opt;
    json_object *p;          /* params, or NULL                          */
    int forced;              /* the structured-output tool body          */
    int json_format;         /* the structured-output response_format    */
    int streaming;
    int64_t max_tokens;
    /* Thinking: params.thinking, or reasoning_effort mapped. */
    int thinking_on;         /* type "enabled" (manual budget)           */
    int64_t budget;
    const char *effort;      /* reasoning_effort mapped to a budget      */
    /* Tool choice. */
    int choice;              /* enum choice                              */
    const char *choice_name; /* CH_TOOL                                  */
    json_object *choice_raw; /* params' Anthropic-shaped choice, as is   */
    int no_parallel;         /* parallel_tool_calls: false               */
    json_object *schema;     /* S' for output_config.format, owned       */
} body;

/* ------------------------------------------------------ max_tokens */

/* params.max_tokens or max_completion_tokens: an integer, or a float
 * rounded (LiteLLM); 1 if absent. */
static int explicit_max(body *b, int64_t *out, int *given)
{
    static const char *const names[] = {"max_tokens", "max_completion_tokens"};
    *given = 0;
    for (size_t i = 0; i < 2; i++) {
        json_object *v = rq_get(b->p, names[i]);
        if (!v)
            continue;
        if (json_object_is_type(v, json_type_int)) {
            *out = json_object_get_int64(v);
        } else if (json_object_is_type(v, json_type_double)) {
            double d = json_object_get_double(v) + 0.5;
            *out = d < 1 ? 1 : d > 1e15 ? (int64_t)1e15 : (int64_t)d;
        } else {
            return lp_fail(b->c.rq.err, MP_E_INVALID_ARGUMENT,
                           "config.params.%s: expected a number, got %s",
                           names[i], lp_json_type_name(v));
        }
        if (*out < 0)
            return lp_fail(b->c.rq.err, MP_E_INVALID_ARGUMENT,
                           "config.params.%s: must not be negative",
                           names[i]);
        *given = 1;
        return MP_OK;
    }
    return MP_OK;
}

/* Spec 1.4: params, else $DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS, else 4096;
 * a defaulted value leaves room for a thinking budget. */
static int resolve_max_tokens(body *b)
{
    int given;
    int rc = explicit_max(b, &b->max_tokens, &given);
    if (rc || given)
        return rc;
    b->max_tokens = DEFAULT_MAX_TOKENS;
    const char *env = getenv("DEFAULT_ANTHROPIC_CHAT_MAX_TOKENS");
    if (env && *env) {
        char *end;
        long long v = strtoll(env, &end, 10);
        if (*end || v < 1)
            lp_log(b->c.rq.log, MP_LOG_WARN, "$DEFAULT_ANTHROPIC_CHAT_MAX_"
                   "TOKENS=\"%.40s\" is not a positive integer | using %d",
                   env, DEFAULT_MAX_TOKENS);
        else
            b->max_tokens = v;
    }
    /* The API needs budget_tokens < max_tokens; an absurd budget gets the
     * largest max_tokens (the API then says what it allows), not a sum
     * past INT64_MAX. */
    if (b->thinking_on && b->max_tokens <= b->budget)
        b->max_tokens = b->budget > INT64_MAX - DEFAULT_MAX_TOKENS
                            ? INT64_MAX : b->budget + DEFAULT_MAX_TOKENS;
    return MP_OK;
}

/* -------------------------------------------------------- thinking */

static int64_t effort_budget(const char *effort)
{
    if (strcmp(effort, "minimal") == 0 || strcmp(effort, "low") == 0)
        return 1024; /* the API's smallest budget */
    if (strcmp(effort, "medium") == 0)
        return 2048;
    if (strcmp(effort, "high") == 0)
        return 4096;
    return -1;
}

static void read_thinking(body *b)
{
    json_object *t = rq_get(b->p, "thinking");
    if (t) {
        const char *type = rq_str(t, "type", NULL);
        json_object *budget = rq_get(t, "budget_tokens");
        b->thinking_on = type && strcmp(type, "enabled") == 0;
        b->budget = json_object_is_type(budget, json_type_int)
                        ? json_object_get_int64(budget) : 0;
        return;
    }
    const char *effort = rq_str(b->p, "reasoning_effort", NULL);
    if (!effort || strcmp(effort, "none") == 0)
        return;
    int64_t budget = effort_budget(effort);
    if (budget < 0) {
        lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.reasoning_effort "
               "\"%.40s\" has no Anthropic thinking budget (minimal, low, "
               "medium, high) | dropped", effort);
        return;
    }
    b->effort = effort;
    b->thinking_on = 1;
    b->budget = budget;
}

/* ------------------------------------------------------ tool choice */

/* The request's Strands tool_choice, else params.tool_choice in OpenAI's
 * or Anthropic's form (spec 2.6). */
static void read_choice(body *b)
{
    json_object *tc = b->req->tool_choice;
    if (b->forced) {
        b->choice = CH_ANY;
    } else if (tc) {
        json_object *tool = rq_get(tc, "tool");
        if (json_object_object_get_ex(tc, "any", NULL))
            b->choice = CH_ANY;
        else if (json_object_object_get_ex(tc, "auto", NULL))
            b->choice = CH_AUTO;
        else if (tool) {
            b->choice = CH_TOOL;
            b->choice_name = rq_str(tool, "name", NULL);
        } else {
            b->choice = CH_OTHER; /* {} and the like: no key (cases 42, 142) */
        }
    } else if ((tc = rq_get(b->p, "tool_choice"))) {
        const char *s = json_object_is_type(tc, json_type_string)
                            ? json_object_get_string(tc) : NULL;
        const char *type = rq_str(tc, "type", NULL);
        if (s) {
            b->choice = strcmp(s, "required") == 0 ? CH_ANY
                        : strcmp(s, "none") == 0   ? CH_NONE
                        : strcmp(s, "auto") == 0   ? CH_AUTO : CH_OTHER;
            if (b->choice == CH_OTHER)
                lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.tool_choice "
                       "\"%.40s\" is not auto, required or none | not sent",
                       s);
        } else if (type && strcmp(type, "function") == 0) {
            b->choice = CH_TOOL;
            b->choice_name = rq_str(rq_get(tc, "function"), "name", NULL);
        } else if (type) {
            /* Already Anthropic's shape: sent as given. */
            b->choice_raw = tc;
            b->choice = strcmp(type, "any") == 0    ? CH_ANY
                        : strcmp(type, "tool") == 0 ? CH_TOOL
                        : strcmp(type, "none") == 0 ? CH_NONE : CH_AUTO;
        }
    }
    json_object *par = rq_get(b->p, "parallel_tool_calls");
    b->no_parallel = json_object_is_type(par, json_type_boolean) &&
                     !json_object_get_boolean(par);
    /* Manual thinking refuses a forced tool (spec 2.6). */
    if (b->thinking_on && (b->choice == CH_ANY || b->choice == CH_TOOL)) {
        lp_log(b->c.rq.log, MP_LOG_WARN, "tool_choice=<%s> | Anthropic "
               "refuses a forced tool with thinking enabled; sending "
               "tool_choice auto", b->choice == CH_ANY ? "any" : "tool");
        b->choice = CH_AUTO;
        b->choice_raw = NULL;
    }
}

static void write_choice(body *b, jw *w)
{
    if (b->choice == CH_UNSET || b->choice == CH_OTHER) {
        if (!b->no_parallel)
            return;
        b->choice = CH_AUTO; /* the flag needs a choice to ride on */
    }
    jw_key(w, "tool_choice");
    if (b->choice_raw && !b->no_parallel) {
        jw_json(w, b->choice_raw);
        return;
    }
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, b->choice == CH_ANY    ? "any"
                  : b->choice == CH_TOOL ? "tool"
                  : b->choice == CH_NONE ? "none" : "auto");
    if (b->choice == CH_TOOL) {
        const char *name = b->choice_name;
        if (!name && b->choice_raw)
            name = rq_str(b->choice_raw, "name", NULL);
        jw_key(w, "name");
        jw_cstring(w, name ? name : "");
    }
    if (b->no_parallel && b->choice != CH_NONE) {
        jw_key(w, "disable_parallel_tool_use");
        jw_bool(w, 1);
    }
    jw_object_close(w);
}

/* ------------------------------------------------------------ tools */

/* Server tools: config anthropic_tools, params.tools and a web search
 * asked for with LiteLLM's web_search_options. */
typedef struct server_tools {
    json_object *lists[2];
    json_object *web;        /* web_search_options, or NULL */
    size_t count;
} server_tools;

static void gather_server_tools(body *b, server_tools *st)
{
    memset(st, 0, sizeof *st);
    st->lists[0] = rq_get(b->cfg->config, "anthropic_tools");
    st->lists[1] = rq_get(b->p, "tools");
    for (size_t i = 0; i < 2; i++) {
        if (!json_object_is_type(st->lists[i], json_type_array)) {
            if (st->lists[i] && i == 1)
                lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.tools is not "
                       "a list of server tools | ignored");
            st->lists[i] = NULL;
            continue;
        }
        st->count += json_object_array_length(st->lists[i]);
    }
    st->web = rq_get(b->p, "web_search_options");
    if (st->web && !json_object_is_type(st->web, json_type_object))
        st->web = NULL;
    st->count += st->web != NULL;
}

/* "['web_search', 'code_execution']", as the reference's warning lists
 * them. */
static void server_names(body *b, const server_tools *st, strbuf *out)
{
    sb_appendc(out, '[');
    size_t k = 0;
    for (size_t i = 0; i < 2; i++) {
        size_t n = st->lists[i] ? json_object_array_length(st->lists[i]) : 0;
        for (size_t j = 0; j < n; j++) {
            const char *name = rq_str(json_object_array_get_idx(
                                          st->lists[i], j), "name", NULL);
            sb_printf(out, "%s'%s'", k++ ? ", " : "", name ? name : "None");
        }
    }
    if (st->web)
        sb_printf(out, "%s'web_search'", k ? ", " : "");
    sb_appendc(out, ']');
    (void)b;
}

static void write_function_tool(jw *w, json_object *spec, int cache,
                                const char *ttl)
{
    jw_object_open(w);
    jw_key(w, "name");
    jw_json(w, rq_get(spec, "name"));
    json_object *desc = rq_get(spec, "description");
    if (desc) {
        jw_key(w, "description");
        jw_json(w, desc);
    }
    jw_key(w, "input_schema");
    jw_json(w, rq_get(rq_get(spec, "inputSchema"), "json"));
    if (cache)
        an_write_cache_control(w, ttl);
    jw_object_close(w);
}

/* A server tool as configured, members copied (the config is shared and
 * never changed), with the tools' cache point when it is the last. */
static void write_server_tool(jw *w, json_object *tool, int cache,
                              const char *ttl)
{
    if (!json_object_is_type(tool, json_type_object)) {
        jw_json(w, tool);
        return;
    }
    jw_object_open(w);
    json_object_object_foreach(tool, key, val) {
        if (cache && strcmp(key, "cache_control") == 0)
            continue;
        jw_key(w, key);
        jw_json(w, val);
    }
    if (cache)
        an_write_cache_control(w, ttl);
    jw_object_close(w);
}

/* LiteLLM's mapping of web_search_options to Anthropic's search tool. */
static void write_web_search(jw *w, json_object *opts, int cache,
                             const char *ttl)
{
    static const struct {
        const char *size;
        int uses;
    } sizes[] = {{"low", 1}, {"medium", 5}, {"high", 10}};
    const char *size = rq_str(opts, "search_context_size", NULL);
    json_object *loc = rq_get(rq_get(opts, "user_location"), "approximate");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "web_search_20250305");
    jw_key(w, "name");
    jw_cstring(w, "web_search");
    for (size_t i = 0; size && i < sizeof sizes / sizeof *sizes; i++) {
        if (strcmp(size, sizes[i].size) == 0) {
            jw_key(w, "max_uses");
            jw_int(w, sizes[i].uses);
        }
    }
    if (json_object_is_type(loc, json_type_object)) {
        jw_key(w, "user_location");
        jw_object_open(w);
        jw_key(w, "type");
        jw_cstring(w, "approximate");
        json_object_object_foreach(loc, key, val) {
            jw_key(w, key);
            jw_json(w, val);
        }
        jw_object_close(w);
    }
    if (cache)
        an_write_cache_control(w, ttl);
    jw_object_close(w);
}

static void write_tools(body *b, jw *w)
{
    const an_cache *k = &b->c.cache;
    json_object *specs = b->forced ? NULL : b->req->tool_specs;
    size_t nf = b->forced ? 1 : specs ? json_object_array_length(specs) : 0;
    server_tools st;
    gather_server_tools(b, &st);
    /* Forcing a function tool leaves the server tools out (spec 2.5). */
    int servers = st.count && !b->forced &&
                  (b->choice == CH_UNSET || b->choice == CH_AUTO ||
                   b->choice == CH_NONE);
    if (st.count && !servers && !b->forced) {
        strbuf names;
        sb_init(&names, 64 * 1024);
        server_names(b, &st, &names);
        lp_log(b->c.rq.log, MP_LOG_WARN, "tool_choice=<%s>, server_tools=<%s>"
               " | forced tool call, omitting server tools",
               b->choice == CH_ANY ? "any" : b->choice == CH_TOOL ? "tool"
                                                                : "None",
               names.data ? names.data : "[]");
        sb_free(&names);
    }
    size_t total = nf + (servers ? st.count : 0), at = 0;
    jw_key(w, "tools");
    jw_array_open(w); /* always present, [] when empty (case 6) */
    for (size_t i = 0; i < nf; i++, at++)
        write_function_tool(w, b->forced ? b->opt->forced_tool_spec
                                         : json_object_array_get_idx(specs, i),
                            k->tools && at + 1 == total, k->tools_ttl);
    for (size_t l = 0; servers && l < 2; l++) {
        size_t n = st.lists[l] ? json_object_array_length(st.lists[l]) : 0;
        for (size_t j = 0; j < n; j++, at++)
            write_server_tool(w, json_object_array_get_idx(st.lists[l], j),
                              k->tools && at + 1 == total, k->tools_ttl);
    }
    if (servers && st.web)
        write_web_search(w, st.web, k->tools && at + 1 == total,
                         k->tools_ttl);
    jw_array_close(w);
}

/* ----------------------------------------------------------- params */

/* An e-mail address or a phone number is not sent as metadata.user_id
 * (LiteLLM's rule: the API refuses personal data there). */
static int personal(const char *s)
{
    if (strchr(s, '@'))
        return 1;
    size_t digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr("+-() .", *p))
            return 0;
    }
    return digits >= 7;
}

static void write_stop(body *b, jw *w)
{
    json_object *stop = rq_get(b->p, "stop");
    if (!stop || rq_get(b->p, "stop_sequences"))
        return;
    jw_key(w, "stop_sequences");
    if (json_object_is_type(stop, json_type_array)) {
        jw_json(w, stop);
        return;
    }
    jw_array_open(w);
    jw_json(w, stop);
    jw_array_close(w);
}

static void write_user(body *b, jw *w)
{
    const char *user = rq_str(b->p, "user", NULL);
    if (!user || rq_get(b->p, "metadata"))
        return;
    if (personal(user)) {
        lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.user looks like an "
               "e-mail address or phone number, which Anthropic refuses as "
               "metadata.user_id | dropped");
        return;
    }
    jw_key(w, "metadata");
    jw_object_open(w);
    jw_key(w, "user_id");
    jw_cstring(w, user);
    jw_object_close(w);
}

static void write_thinking(body *b, jw *w)
{
    json_object *t = rq_get(b->p, "thinking");
    if (t) {
        jw_key(w, "thinking");
        jw_json(w, t);
    } else if (b->effort) {
        jw_key(w, "thinking");
        jw_object_open(w);
        jw_key(w, "type");
        jw_cstring(w, "enabled");
        jw_key(w, "budget_tokens");
        jw_int(w, b->budget);
        jw_object_close(w);
    }
}

/* params.response_format on a plain stream(): LiteLLM sends a JSON schema
 * as Anthropic's structured output; anything else has no equivalent. */
static int read_response_format(body *b)
{
    json_object *rf = b->json_format ? b->opt->response_format
                                     : rq_get(b->p, "response_format");
    if (!rf || b->forced)
        return MP_OK;
    json_object *schema = b->json_format && b->opt->schema
                              ? b->opt->schema
                              : rq_get(rq_get(rf, "json_schema"), "schema");
    if (!json_object_is_type(schema, json_type_object)) {
        lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.response_format "
               "without a json_schema has no Anthropic equivalent | dropped");
        return MP_OK;
    }
    int rc = an_schema_for_output(schema, &b->schema);
    return rc ? lp_fail(b->c.rq.err, rc, "request: out of memory") : MP_OK;
}

/* "<key>":{"type":"json_schema","schema":S'} */
static void write_format(body *b, jw *w, const char *key)
{
    jw_key(w, key);
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "json_schema");
    jw_key(w, "schema");
    jw_json(w, b->schema);
    jw_object_close(w);
}

/* output_config: the caller's (effort, ...) with the format added. */
static void write_output_config(body *b, jw *w)
{
    json_object *oc = rq_get(b->p, "output_config");
    if (b->schema && b->opt && b->opt->legacy_format) {
        /* The beta form older deployments take (spec 6.3). */
        write_format(b, w, "output_format");
    } else if (b->schema) {
        jw_key(w, "output_config");
        jw_object_open(w);
        if (json_object_is_type(oc, json_type_object)) {
            json_object_object_foreach(oc, key, val) {
                if (strcmp(key, "format") == 0)
                    continue;
                jw_key(w, key);
                jw_json(w, val);
            }
        }
        write_format(b, w, "format");
        jw_object_close(w);
        return;
    }
    if (oc) {
        jw_key(w, "output_config");
        jw_json(w, oc);
    }
}

static void write_params(body *b, jw *w)
{
    if (!b->p)
        return;
    json_object_object_foreach(b->p, key, val) {
        if (in_list(openai_only, key)) {
            lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.%s is not a "
                   "Messages API parameter | dropped", key);
        } else if (strcmp(key, "model") == 0 || strcmp(key, "messages") == 0 ||
                   strcmp(key, "system") == 0) {
            lp_log(b->c.rq.log, MP_LOG_WARN, "config.params.%s is ignored: "
                   "the plugin builds it from the config and the request",
                   key);
        } else if (!in_list(handled, key)) {
            jw_key(w, key);
            jw_json(w, val);
        }
    }
    write_stop(b, w);
    write_user(b, w);
    write_thinking(b, w);
}

/* ------------------------------------------------------------- body */

static void write_body(body *b, jw *w, const char *model)
{
    jw_object_open(w);
    jw_key(w, "model");
    jw_cstring(w, model);
    jw_key(w, "max_tokens");
    jw_int(w, b->max_tokens);
    if (b->streaming) {
        jw_key(w, "stream");
        jw_bool(w, 1);
    }
    an_write_system(&b->c, w, b->req);
    an_write_messages(&b->c, w, b->req);
    write_tools(b, w);
    write_choice(b, w);
    write_params(b, w);
    write_output_config(b, w);
    jw_object_close(w);
}

/* The config's stream key, else params.stream, chooses streaming
 * (default true); params.stream is not itself sent. */
static int stream_flag(body *b)
{
    b->streaming = 0;
    if (b->forced || b->json_format)
        return MP_OK; /* structured output reads one whole answer */
    return lp_config_stream_flag(b->cfg, &b->streaming, b->c.rq.err);
}

static int body_error(int rc, const strbuf *out, mp_error *err)
{
    if (rc == MP_E_NO_MEMORY)
        return lp_fail(err, rc, "request: out of memory building the body");
    if (rc == MP_E_PROTOCOL) /* strbuf's "over the limit" */
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "request: the body would exceed %zu bytes", out->max);
    return lp_fail(err, MP_E_INVALID_ARGUMENT,
                   "request: JSON nested too deeply to write");
}

int an_format_body(const lp_config *cfg, const struct lp_route *route,
                   const rf_request *req, const lp_call_options *opt,
                   const lp_logger *log, strbuf *out, int *streaming_out,
                   mp_error *err)
{
    *streaming_out = 0;
    sb_reset(out);
    if (!cfg || !req || !req->messages)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "request: no parsed request or config");
    const char *model = route ? route->model : cfg->wire_model;
    if (!model || !*model)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "config.model_id is required (\"anthropic/<model>\")");
    body b;
    memset(&b, 0, sizeof b);
    an_req_init(&b.c, log, err, out->max);
    b.cfg = cfg;
    b.req = req;
    b.opt = opt;
    b.p = cfg->params;
    b.forced = opt && opt->forced_tool_spec;
    b.json_format = opt && opt->response_format && !b.forced;
    b.c.trailing = req->dynamic_trailing_blocks;
    an_cache_resolve(cfg, &b.c.cache);

    int rc = stream_flag(&b);
    if (!rc)
        rc = rq_check_request(&b.c.rq, req, opt);
    if (!rc)
        rc = an_check_request(&b.c, req);
    if (!rc) {
        read_thinking(&b);
        rc = resolve_max_tokens(&b);
    }
    if (!rc)
        rc = read_response_format(&b);
    if (!rc) {
        read_choice(&b);
        size_t want = req->json_len + req->json_len / 8 + 4096;
        (void)sb_reserve(out, want < out->max ? want : out->max);
        jw w;
        jw_init(&w, out);
        write_body(&b, &w, model);
        rc = b.c.rq.status ? b.c.rq.status : jw_status(&w);
        if (rc)
            rc = body_error(rc, out, err);
    }
    json_object_put(b.schema);
    an_req_free(&b.c);
    if (rc) {
        sb_reset(out);
        return rc;
    }
    *streaming_out = b.streaming;
    return MP_OK;
}
