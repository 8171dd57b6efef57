/*
 * validate_streams.c - the conformance checks that run streams: the shape
 * of every event (sizes, flags, order, JSON rendering), separate instances
 * on several threads, and cancellation from another thread, from inside
 * the callback and by the callback's return value.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "event_sizes.h"
#include "request_log.h"
#include "validate_internal.h"

typedef vd_counter counter;

static void shape_problem(counter *c, const char *fmt, ...)
{
    if (c->bad_shape)
        return;
    c->bad_shape = c->events;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* What event_to_json wrote: only its first byte and length matter here,
 * so events of any size render. */
typedef struct rendered { int first; size_t len; } rendered;

static int note_rendered(void *ctx, const char *p, size_t n)
{
    rendered *r = ctx;
    if (!r->len && n)
        r->first = (unsigned char)p[0];
    r->len += n;
    return 0;
}

int vd_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1
                 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 9;
        if (k == 9 || i + k >= n + (k == 0))
            return 0;
        unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no surrogates */
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
        for (size_t j = 1; j <= k; j++) {
            unsigned b = p[i + j];
            if (b < (j == 1 ? lo : 0x80) || b > (j == 1 ? hi : 0xBF))
                return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* Whether a string of an event is well formed: absent (NULL, length 0)
 * or UTF-8 of its length with a NUL after it. */
static int good_str(mp_str s)
{
    if (!s.ptr)
        return s.len == 0;
    return s.ptr[s.len] == '\0' && vd_utf8(s.ptr, s.len);
}

/* The 1.1 events' own rules: RESPONSE_INFO once, right after
 * MESSAGE_START, with sane numbers and strings and a JSON object of
 * headers; METADATA's cost a real number. */
static void check_v11_fields(counter *c, const mp_event_header *ev)
{
    if (ev->type == MP_EVENT_RESPONSE_INFO) {
        const mp_event_response_info *r = (const mp_event_response_info *)ev;
        if (c->events != 2 || c->info_count)
            shape_problem(c, "RESPONSE_INFO is not the event right after "
                          "MESSAGE_START, or came twice");
        c->info_count++;
        mp_str strs[] = {r->call_id, r->model_id, r->model_group,
                         r->provider_request_id, r->ratelimit_reset_requests,
                         r->ratelimit_reset_tokens, r->headers_json};
        int ok = r->http_status >= 200 && r->http_status <= 299 &&
                 r->attempts >= 1 && r->attempted_retries >= -1 &&
                 r->attempted_fallbacks >= -1 &&
                 r->ratelimit_remaining_requests >= -1 &&
                 r->ratelimit_remaining_tokens >= -1 && r->cost_usd == r->cost_usd;
        for (size_t i = 0; ok && i < sizeof strs / sizeof *strs; i++)
            ok = good_str(strs[i]);
        json_object *h = ok && r->headers_json.ptr
                             ? json_tokener_parse(r->headers_json.ptr) : NULL;
        if (ok && r->headers_json.ptr && !json_object_is_type(h, json_type_object))
            ok = 0;
        json_object_put(h);
        if (!ok)
            shape_problem(c, "RESPONSE_INFO with a bad field (status %d, "
                          "attempts %d)", r->http_status, r->attempts);
        snprintf(c->call_id, sizeof c->call_id, "%.*s",
                 (int)(r->call_id.len < sizeof c->call_id ? r->call_id.len
                                                          : sizeof c->call_id - 1),
                 r->call_id.ptr ? r->call_id.ptr : "");
        c->remaining_requests = r->ratelimit_remaining_requests;
    } else if (ev->type == MP_EVENT_METADATA) {
        const mp_event_metadata *m = (const mp_event_metadata *)ev;
        if (m->cost_usd != m->cost_usd || m->reasoning_output_tokens < -1)
            shape_problem(c, "METADATA with a bad cost or reasoning count");
        c->cost_usd = m->cost_usd;
        c->reasoning_tokens = m->reasoning_output_tokens;
    }
}

/* Checks the header's event rules as events arrive: sizes and flags for
 * the host's minor (MP_PLUGIN_14: to minor 0 exactly the v1.0 sizes, no
 * flag, no 1.1 type or kind), and the order MESSAGE_START,
 * RESPONSE_INFO?, (BLOCK_START DELTA* BLOCK_STOP)*, MESSAGE_STOP,
 * METADATA?. */
static void check_shape(counter *c, const mp_event_header *ev)
{
    size_t want = host_event_size(ev->type, c->minor);
    unsigned bad_flags = c->minor ? ev->flags & ~MP_EVENT_FLAG_BATCH_END : ev->flags;
    if (!want || ev->size < want || (!c->minor && ev->size != want) || bad_flags)
        shape_problem(c, "type %u: size %u (ABI 1.%u: %s %zu), flags %u",
                      ev->type, ev->size, c->minor, c->minor ? "at least" : "exactly",
                      want, ev->flags);
    c->last_flags = ev->flags;
    c->batch_ends += (ev->flags & MP_EVENT_FLAG_BATCH_END) != 0;
    if (ev->type < sizeof c->by_type / sizeof *c->by_type)
        c->by_type[ev->type]++;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        unsigned kind = ((const mp_event_block_delta *)ev)->kind;
        if (kind < MP_DELTA_TEXT || kind > (c->minor ? MP_DELTA_CITATION
                                                     : MP_DELTA_TOOL_INPUT))
            shape_problem(c, "delta kind %u is not one of ABI 1.%u", kind, c->minor);
    }
    if (c->minor && want && ev->size >= want)
        check_v11_fields(c, ev);
    unsigned idx = ev->type >= MP_EVENT_BLOCK_START && ev->type <= MP_EVENT_BLOCK_STOP
                   ? ((const mp_event_block_stop *)ev)->block_index : 0;
    switch (ev->type) {
    case MP_EVENT_MESSAGE_START:
        if (c->events != 1)
            shape_problem(c, "MESSAGE_START is not the first event");
        c->started = 1;
        break;
    case MP_EVENT_RESPONSE_INFO:
        break; /* checked above */
    case MP_EVENT_BLOCK_START:
        if (!c->started || c->stopped || c->open_block >= 0 ||
            idx != (unsigned)c->next_block)
            shape_problem(c, "BLOCK_START %u out of order", idx);
        c->open_block = (int)idx;
        c->next_block++;
        break;
    case MP_EVENT_BLOCK_DELTA:
    case MP_EVENT_BLOCK_STOP:
        if (c->open_block < 0 || idx != (unsigned)c->open_block)
            shape_problem(c, "event type %u for block %u, open block %d",
                          ev->type, idx, c->open_block);
        if (ev->type == MP_EVENT_BLOCK_STOP)
            c->open_block = -1;
        break;
    case MP_EVENT_MESSAGE_STOP:
        if (!c->started || c->open_block >= 0 || c->stopped)
            shape_problem(c, "MESSAGE_STOP with a block open or twice");
        c->stopped = 1;
        break;
    case MP_EVENT_METADATA:
        if (!c->stopped)
            shape_problem(c, "METADATA before MESSAGE_STOP");
        break;
    }
    if (c->p) {
        rendered r = {0, 0};
        mp_text_sink s = {sizeof s, &r, note_rendered};
        if (c->p->event_to_json(ev, &s) != MP_OK || r.first != '{')
            shape_problem(c, "event_to_json failed on event type %u", ev->type);
    }
}

static int count_event(void *ctx, const mp_event_header *ev)
{
    counter *c = ctx;
    c->events++;
    if (c->events == 1 && c->first_event)
        sem_post(c->first_event);
    check_shape(c, ev);
    if (ev->type == MP_EVENT_MESSAGE_STOP)
        c->stops++;
    if (c->cancel_inside && c->events == c->cancel_inside)
        c->p->cancel(c->inst); /* allowed from inside the callback */
    return c->cancel_after && c->events >= c->cancel_after;
}

void vd_problem(const vd_counter *c, char *out, size_t cap)
{
    out[0] = '\0';
    if (c->bad_shape)
        snprintf(out, cap, " (event %d: %s)", c->bad_shape, c->why);
}

vd_counter vd_new_counter(const mp_provider_v1 *p, mp_instance *inst)
{
    return (vd_counter){.open_block = -1, .p = p, .inst = inst,
                        .minor = p ? p->abi_minor : MP_ABI_MINOR,
                        .cost_usd = -1, .reasoning_tokens = -1,
                        .remaining_requests = -1};
}

#define new_counter vd_new_counter

int vd_stream_hello(const mp_provider_v1 *d, mp_instance *inst, vd_counter *c,
                    mp_error *err)
{
    mp_event_sink es = {sizeof es, c, count_event};
    int rc = d->stream(inst, VD_USER_HELLO, strlen(VD_USER_HELLO), &es, err);
    request_log(VD_USER_HELLO, (size_t)-1, rc);
    return rc;
}

#define stream_hello vd_stream_hello

/* ---- streams --------------------------------------------------------------- */

void vd_check_events(const mp_provider_v1 *d, mp_instance *inst)
{
    mp_error err = MP_ERROR_INIT;
    counter c = new_counter(d, inst);
    int rc = stream_hello(d, inst, &c, &err);
    char problem[256];
    vd_problem(&c, problem, sizeof problem);
    vd_report(rc == MP_OK && c.stops == 1 && !c.bad_shape, "events.shape",
              "%d events: sizes and flags as ABI 1.%u allows, in order, each "
              "rendered by event_to_json%s%s%s%s%s", c.events, c.minor, problem,
              rc ? "; " : "", rc ? mp_errname(rc) : "", rc ? ": " : "",
              rc ? err.message : "");
}

typedef struct worker {
    const mp_provider_v1 *d;
    const vctx *v;
    int ok;
    char detail[MP_ERROR_MESSAGE_MAX + 64];
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    if (w->d->create(w->v->cfg, w->v->client, &inst, &err)) {
        snprintf(w->detail, sizeof w->detail, "create: %s", err.message);
        return NULL;
    }
    w->ok = 1;
    for (int i = 0; i < 20 && w->ok; i++) {
        counter c = new_counter(NULL, NULL);
        int rc = stream_hello(w->d, inst, &c, &err);
        if (rc != MP_OK || c.stops != 1) {
            w->ok = 0;
            snprintf(w->detail, sizeof w->detail, "call %d: %s %s", i,
                     mp_errname(rc), err.message);
        }
    }
    w->d->destroy(inst);
    return NULL;
}

void vd_check_concurrency(const mp_provider_v1 *d, const vctx *v)
{
    enum { N = 4 };
    worker w[N];
    pthread_t th[N];
    int started[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){.d = d, .v = v};
        int e = pthread_create(&th[i], NULL, worker_main, &w[i]);
        started[i] = e == 0;
        if (e)
            snprintf(w[i].detail, sizeof w[i].detail, "cannot start thread "
                     "%d: %s", i, strerror(e));
    }
    int ok = 1;
    const char *why = "";
    for (int i = 0; i < N; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        if (!w[i].ok) {
            ok = 0;
            why = w[i].detail;
        }
    }
    vd_report(ok, "concurrency.instances", "%d threads x 20 streams on separate "
              "instances %s", N, ok ? "all succeeded" : why);
}

/* Another thread acts on the instance while a slow stream runs.  It waits
 * for the stream's first event, not for a fixed time: a cancel() before
 * the call begins is dropped (by contract), so on a loaded machine a timed
 * cancel could miss the call and leave it running for good.  Then it calls
 * update_config and get_config (MP_HOST_4) if asked to, lets the stream go
 * on for a while, and calls cancel() (twice: it is idempotent). */
typedef struct meddler {
    const mp_provider_v1 *d;
    mp_instance *inst;
    const char *update;     /* NULL: only cancel */
    int update_rc, config_rc;
    sem_t first_event;      /* posted at the first event, and when stream()
                               returned (then `returned` is set first)    */
    atomic_int returned;
    int no_event;           /* none within MEDDLE_WAIT_S: cancelled anyway */
    double cancelled_at;    /* 0: cancel() was not called                 */
} meddler;

#define MEDDLE_WAIT_S 30

static void *meddle_main(void *arg)
{
    meddler *m = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += MEDDLE_WAIT_S;
    int rc;
    while ((rc = sem_timedwait(&m->first_event, &until)) != 0 && errno == EINTR)
        ;
    if (rc != 0)
        m->no_event = 1; /* try to end it anyway; the check fails */
    else if (atomic_load(&m->returned))
        return NULL;     /* it ended before its first event: nothing to do */
    mp_error err = MP_ERROR_INIT;
    if (m->update) {
        m->update_rc = m->d->update_config(m->inst, m->update, strlen(m->update), &err);
        vd_text *t = calloc(1, sizeof *t);
        mp_text_sink s = {sizeof s, t, vd_text_write};
        m->config_rc = t ? m->d->get_config(m->inst, &s, &err) : MP_E_NO_MEMORY;
        free(t);
    }
    vd_sleep_ms(100); /* the stream goes on meanwhile */
    m->cancelled_at = vd_now_ms();
    m->d->cancel(m->inst);
    m->d->cancel(m->inst);
    return NULL;
}

/* Runs the slow config's stream with a meddler; returns stream()'s status
 * and in *took_ms how long after cancel() it returned (negative if it
 * returned before cancel() was called). */
static int slow_stream(const mp_provider_v1 *d, const vctx *v, meddler *m,
                       counter *c, double *took_ms, mp_error *err)
{
    *took_ms = -1;
    int rc = d->create(v->slow, v->client, &m->inst, err);
    if (rc)
        return rc;
    m->d = d;
    *c = new_counter(NULL, NULL);
    c->first_event = &m->first_event;
    atomic_init(&m->returned, 0);
    sem_init(&m->first_event, 0, 0);
    pthread_t th;
    int e = pthread_create(&th, NULL, meddle_main, m);
    if (e) {
        snprintf(err->message, sizeof err->message, "the checker cannot start "
                 "its thread: %s", strerror(e));
        sem_destroy(&m->first_event);
        d->destroy(m->inst);
        return err->code = MP_E_INTERNAL;
    }
    const char *fault = getenv("AGENT_HOST_FAULT");
    if (fault && strcmp(fault, VD_FAULT_LATE_CALL) == 0)
        vd_sleep_ms(300);
    rc = stream_hello(d, m->inst, c, err);
    double returned = vd_now_ms();
    atomic_store(&m->returned, 1);
    sem_post(&m->first_event); /* wakes a meddler still waiting */
    pthread_join(th, NULL);
    sem_destroy(&m->first_event);
    if (m->cancelled_at > 0 && returned >= m->cancelled_at)
        *took_ms = returned - m->cancelled_at;
    d->destroy(m->inst);
    return rc;
}

void vd_check_cancel(const mp_provider_v1 *d, const vctx *v)
{
    mp_error err = MP_ERROR_INIT;
    counter c;
    if (!v->slow) {
        vd_skip("cancel.other_thread", "no --slow-config (a config whose stream "
                "runs until cancelled)");
        vd_skip("config.update_during_stream", "no --slow-config");
    } else {
        double took;
        meddler m = {.update = NULL};
        int rc = slow_stream(d, v, &m, &c, &took, &err);
        vd_report(rc == MP_E_CANCELLED && took >= 0 && took < 200.0,
                  "cancel.other_thread", "%s %.1f ms after cancel() from another "
                  "thread (target < 200 ms; -1: it ended before), %d events "
                  "before%s%s%s", mp_errname(rc), took, c.events,
                  m.no_event ? "; no event within 30 s" : "",
                  rc == MP_E_CANCELLED ? "" : ": ",
                  rc == MP_E_CANCELLED ? "" : err.message);
        m = (meddler){.update = v->builtin ? "{\"model_id\":\"validate-model\"}" : v->slow};
        rc = slow_stream(d, v, &m, &c, &took, &err);
        vd_report(rc == MP_E_CANCELLED && took >= 0 && m.update_rc == MP_OK &&
                  m.config_rc == MP_OK, "config.update_during_stream",
                  "update_config (%s) and get_config (%s) from another thread "
                  "while a stream runs; it goes on until cancelled: %s after %d "
                  "events%s%s%s", mp_errname(m.update_rc), mp_errname(m.config_rc),
                  mp_errname(rc), c.events,
                  m.no_event ? "; no event within 30 s" : "",
                  rc == MP_E_CANCELLED ? "" : ": ",
                  rc == MP_E_CANCELLED ? "" : err.message);
    }
    mp_instance *inst = NULL;
    if (d->create(v->cfg, v->client, &inst, &err)) {
        vd_report(0, "cancel.create", "%s", err.message);
        return;
    }
    c = new_counter(d, inst);
    c.cancel_after = 3;
    int rc = stream_hello(d, inst, &c, &err);
    vd_report(rc == MP_E_CANCELLED && c.events == 3, "cancel.callback_return",
              "a non-zero callback return stops the stream: %s after %d events",
              mp_errname(rc), c.events);
    c = new_counter(d, inst);
    c.cancel_inside = 2;
    rc = stream_hello(d, inst, &c, &err);
    vd_report(rc == MP_E_CANCELLED && c.stops == 0, "cancel.inside_callback",
              "cancel() from inside the event callback stops the stream: %s "
              "after %d events", mp_errname(rc), c.events);
    d->cancel(inst); /* no call running: harmless, and must not stick */
    c = new_counter(d, inst);
    rc = stream_hello(d, inst, &c, &err);
    vd_report(rc == MP_OK && c.stops == 1, "cancel.not_sticky",
              "a cancel with no call running does not affect the next call: %s",
              mp_errname(rc));
    d->destroy(inst);
}

int vd_stream_counted(const mp_provider_v1 *d, mp_instance *inst,
                      const char *request, size_t len, uint32_t sink_size,
                      int *events, mp_error *err)
{
    counter c = new_counter(NULL, NULL);
    mp_event_sink es = {sink_size, &c, count_event};
    int rc = d->stream(inst, request, len, &es, err);
    request_log(request, len, rc);
    *events = c.events;
    return rc;
}
