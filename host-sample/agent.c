/* agent.c - the agent loop; see agent.h. */
#include "agent.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assembler.h"
#include "conversation.h"
#include "model_call.h"
#include "session.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

const char *host_errname(int code)
{
    switch (code) {
    case HOST_E_IO: return "HOST_E_IO";
    case HOST_E_TURN_LIMIT: return "HOST_E_TURN_LIMIT";
    case HOST_E_USAGE: return "HOST_E_USAGE";
    default: return mp_errname(code);
    }
}

void agent_progress(const agent *a, const char *fmt, ...)
{
    if (a->quiet)
        return;
    fflush(stdout); /* keep the order when both go to one pipe */
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int fail(agent_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(agent_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return e->code = code;
}

int agent_find(const agent *a, const char *name)
{
    for (size_t i = 0; i < a->n_slots; i++)
        if (strcmp(a->slots[i].name, name) == 0)
            return (int)i;
    return -1;
}

void agent_use(agent *a, size_t i, const char *why)
{
    if (i == a->active)
        return;
    agent_progress(a, "[swap] the conversation (%zu messages) moves from "
                   "provider \"%s\" to \"%s\" (%s)",
                   json_object_array_length(a->conv), a->slots[a->active].name,
                   a->slots[i].name, why);
    a->active = i;
}

int agent_reload(agent *a, size_t i)
{
    char why[1024];
    int rc = prov_reload(&a->slots[i], a->host, why, sizeof why);
    if (rc)
        fprintf(stderr, "agent-host: reload: %s: %s\n", host_errname(rc), why);
    else
        agent_progress(a, "[reload] %s", why);
    return rc;
}

int agent_reload_if_asked(agent *a)
{
    if (!a->reload_requested || !*a->reload_requested)
        return 0;
    *a->reload_requested = 0;
    for (size_t i = 0; i < a->n_slots; i++)
        agent_reload(a, i);
    return (int)a->n_slots;
}

int64_t agent_retry_delay_ms(int retries_so_far, int64_t retry_after_ms)
{
    if (retry_after_ms > BACKOFF_MAX_MS)
        return -1;
    if (retry_after_ms >= 0)
        return retry_after_ms; /* the server knows best */
    int64_t wait = (int64_t)BACKOFF_FIRST_MS << (retries_so_far < 16 ? retries_so_far : 16);
    return wait > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait;
}

static int cancelled(const agent *a)
{
    return a->cancel && cp_requested(a->cancel);
}

/* Sleep `ms`, in steps short enough that a cancel (Ctrl-C in -i) ends the
 * wait at once. */
static void sleep_ms(const agent *a, int64_t ms)
{
    while (ms > 0 && !cancelled(a)) {
        int64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ; /* interrupted by a signal: sleep the rest */
        ms -= step;
    }
}

/* Swaps planned for this call, and reloads asked for by SIGHUP. */
static void before_call(agent *a)
{
    a->calls++;
    for (size_t i = 0; i < a->n_swaps; i++)
        if (a->swaps[i].call == a->calls)
            agent_use(a, a->swaps[i].slot, "--swap-at");
    agent_reload_if_asked(a);
    agent_progress(a, "--- model call %d on provider \"%s\" ---", a->calls,
                   a->slots[a->active].name);
}

/* One model call, retried on overflow (after dropping old messages; *mark
 * follows the drop) and on throttling.  On success `as` holds the
 * assembled message. */
static int call_with_recovery(agent *a, msg_assembler *as, size_t *mark,
                              agent_error *e)
{
    for (int throttled = 0;;) {
        if (cancelled(a))
            return fail(e, MP_E_CANCELLED, "cancelled");
        char *req = model_request(a->conv, a->specs, a->system_prompt);
        if (!req)
            return fail(e, MP_E_NO_MEMORY, "out of memory building the request");
        mp_error err = MP_ERROR_INIT;
        call_output out = {.events = a->events,
                           .text = a->echo_text ? stdout : NULL,
                           .cancel = a->cancel};
        asm_init(as);
        int rc = model_call(&a->slots[a->active], req, as, &out, &err);
        free(req);
        if (!a->events_errno)
            a->events_errno = out.events_errno;
        if (!a->stdout_errno)
            a->stdout_errno = out.text_errno;
        if (out.text_printed) {
            fputc('\n', stdout);
            fflush(stdout);
        }
        if (rc == MP_OK)
            return MP_OK;
        asm_free(as);
        if (rc == MP_E_CONTEXT_OVERFLOW) {
            int dropped = conv_reduce(a->conv, CONV_WINDOW);
            if (dropped < 0)
                return fail(e, rc, "%s (the conversation cannot be "
                            "reduced any further)", err.message);
            *mark = (size_t)dropped > *mark ? 0 : *mark - (size_t)dropped;
            agent_progress(a, "[overflow] %s: dropped the %d oldest messages "
                           "(%zu left); retrying", mp_errname(rc), dropped,
                           json_object_array_length(a->conv));
            continue;
        }
        /* A throttle the plugin marks not retryable came after part of
         * the answer was delivered (a resumed turn): running the call
         * again would deliver that part twice. */
        if (rc == MP_E_THROTTLED && !err.retryable)
            return fail(e, rc, "%s (not retried: part of the answer was "
                        "already delivered)", err.message);
        if (rc == MP_E_THROTTLED) {
            int64_t wait = agent_retry_delay_ms(throttled, err.retry_after_ms);
            if (wait < 0)
                return fail(e, rc, "%s (the server asks to wait %lld s, longer "
                            "than this host waits; try again later)", err.message,
                            (long long)(err.retry_after_ms / 1000));
            if (throttled == a->max_retries)
                return fail(e, rc, "%s (still throttled after %d retries; try "
                            "again later)", err.message, throttled);
            throttled++;
            agent_progress(a, "[throttled] %s; retry %d of %d in %lld ms",
                           err.message, throttled, a->max_retries, (long long)wait);
            sleep_ms(a, wait);
            continue;
        }
        return fail(e, rc, "%s", err.message[0] ? err.message : mp_strerror(rc));
    }
}

/* Cost and rate-limit state of one call (ABI 1.1 providers report them):
 * summed / kept for --json, and shown in a progress line. */
static void note_usage(agent *a, const msg_assembler *as)
{
    double cost = asm_cost_usd(as);
    if (cost >= 0)
        a->prompt_cost = (a->prompt_cost > 0 ? a->prompt_cost : 0) + cost;
    if (as->info.present)
        a->rate = as->info;
    const asm_response_info *r = &as->info;
    int limits = r->present && (r->remaining_requests >= 0 ||
                                r->remaining_tokens >= 0);
    if (cost < 0 && !limits)
        return;
    char line[512];
    size_t n = (size_t)snprintf(line, sizeof line, "[usage] call %d:", a->calls);
    if (cost >= 0 && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " cost $%.6f (this "
                              "prompt $%.6f)", cost, a->prompt_cost);
    if (limits && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s rate limit: %lld "
                              "requests, %lld tokens left%s%s%s%s",
                              cost >= 0 ? ";" : "",
                              (long long)r->remaining_requests,
                              (long long)r->remaining_tokens,
                              r->reset_requests[0] || r->reset_tokens[0]
                                  ? ", reset in " : "",
                              r->reset_requests[0] ? r->reset_requests : "?",
                              r->reset_requests[0] || r->reset_tokens[0] ? " / " : "",
                              r->reset_tokens[0] ? r->reset_tokens : "?");
    agent_progress(a, "%s", line);
}

json_object *agent_result_json(const agent *a, json_object *final)
{
    const asm_response_info *r = &a->rate;
    int limits = r->present && (r->remaining_requests >= 0 ||
                                r->remaining_tokens >= 0 ||
                                r->reset_requests[0] || r->reset_tokens[0]);
    if (a->prompt_cost < 0 && !limits)
        return json_object_get(final);
    json_object *out = json_object_new_object();
    json_object *extra = json_object_new_object();
    if (!out || !extra) {
        json_object_put(out);
        json_object_put(extra);
        return NULL;
    }
    json_object_object_foreach(final, key, val)
        json_object_object_add(out, key, json_object_get(val));
    if (a->prompt_cost >= 0)
        json_object_object_add(extra, "costUsd",
                               json_object_new_double(a->prompt_cost));
    if (limits) {
        json_object *rl = json_object_new_object();
        if (r->remaining_requests >= 0)
            json_object_object_add(rl, "remainingRequests",
                                   json_object_new_int64(r->remaining_requests));
        if (r->remaining_tokens >= 0)
            json_object_object_add(rl, "remainingTokens",
                                   json_object_new_int64(r->remaining_tokens));
        if (r->reset_requests[0])
            json_object_object_add(rl, "resetRequests",
                                   json_object_new_string(r->reset_requests));
        if (r->reset_tokens[0])
            json_object_object_add(rl, "resetTokens",
                                   json_object_new_string(r->reset_tokens));
        json_object_object_add(extra, "rateLimit", rl);
    }
    json_object_object_add(out, "agentHost", extra);
    return out;
}

static const char *plain(json_object *v)
{
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                              JSON_C_TO_STRING_NOSLASHESCAPE);
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* Run every toolUse of `msg` and append one user message holding all the
 * toolResults, in the order of the calls. */
static int run_tools(agent *a, json_object *msg, const msg_assembler *as)
{
    json_object *results = json_object_new_array();
    json_object *content = get(msg, "content");
    for (size_t i = 0; results && i < json_object_array_length(content); i++) {
        json_object *tu = get(json_object_array_get_idx(content, i), "toolUse");
        if (!tu)
            continue;
        const char *name = json_object_get_string(get(tu, "name"));
        const char *sig = json_object_get_string(get(tu, "reasoningSignature"));
        agent_progress(a, "[tool] %s %s%s%.24s%s", name, plain(get(tu, "input")),
                       sig ? "  (thought signature " : "", sig ? sig : "",
                       sig ? (strlen(sig) > 24 ? "...)" : ")") : "");
        const char *id = json_object_get_string(get(tu, "toolUseId"));
        json_object *r = tools_run(&a->tools, tu, asm_input_was_invalid(as, id));
        if (!r)
            break;
        agent_progress(a, "[tool] %s -> %s%s", name,
                       tools_result_failed(r) ? "error: " : "", tools_result_text(r));
        json_object_array_add(results, r);
    }
    json_object *user = json_object_new_object();
    if (!results || !user) {
        json_object_put(results);
        json_object_put(user);
        return -1;
    }
    json_object_object_add(user, "role", json_object_new_string("user"));
    json_object_object_add(user, "content", results);
    return json_object_array_add(a->conv, user);
}

int agent_ask(agent *a, const char *prompt, json_object **final, agent_error *e)
{
    size_t mark = json_object_array_length(a->conv);
    int rc = MP_OK;
    *final = NULL;
    a->prompt_cost = -1;
    if (conv_add_user_text(a->conv, prompt))
        return fail(e, MP_E_NO_MEMORY, "out of memory");
    for (int turn = 0; turn < a->max_turns && !*final && rc == MP_OK; turn++) {
        msg_assembler as;
        before_call(a);
        rc = call_with_recovery(a, &as, &mark, e);
        if (rc)
            break;
        note_usage(a, &as);
        json_object *msg = asm_take_message(&as);
        const char *stop = asm_stop_reason(&as);
        if (!msg) {
            asm_free(&as);
            rc = fail(e, MP_E_NO_MEMORY, "out of memory");
            break;
        }
        conv_normalize_assistant(msg);
        json_object_array_add(a->conv, msg);
        if (strcmp(stop, "tool_use") == 0 && conv_has_block(msg, "toolUse")) {
            if (cancelled(a))
                rc = fail(e, MP_E_CANCELLED, "cancelled");
            else if (run_tools(a, msg, &as))
                rc = fail(e, MP_E_NO_MEMORY, "out of memory");
        } else {
            if (strcmp(stop, "max_tokens") == 0)
                fprintf(stderr, "agent-host: warning: the model stopped at "
                        "max_tokens; the answer may be cut short\n");
            *final = msg;
        }
        asm_free(&as);
    }
    if (rc == MP_OK && !*final)
        rc = fail(e, HOST_E_TURN_LIMIT, "no final answer after %d model "
                  "calls (--max-turns)", a->max_turns);
    char why[1024];
    if (rc == MP_OK && a->session_path &&
        session_save(a->session_path, a->conv, why, sizeof why)) {
        *final = NULL;
        rc = fail(e, HOST_E_IO, "%s", why);
    }
    if (rc != MP_OK) {
        size_t n = json_object_array_length(a->conv);
        if (n > mark)
            json_object_array_del_idx(a->conv, mark, n - mark);
    }
    return rc;
}
