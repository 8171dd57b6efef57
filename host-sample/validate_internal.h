/*
 * validate_internal.h - what the conformance checker's two files share:
 * the profile the checks run with, one-line reporting, text and event
 * sinks, and the stream checks of validate_streams.c.
 */
#ifndef HOST_VALIDATE_INTERNAL_H
#define HOST_VALIDATE_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>

#include "../abi/model_provider.h"

#define VD_MAX_SECRETS 16

/* The request most checks stream: one user message saying "hi". */
#define VD_USER_HELLO \
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"

/* Set AGENT_HOST_FAULT=validate-late-call to start each stream that another
 * thread cancels 300 ms late, as a loaded machine may: the checks must not
 * depend on when the call begins (a cancel() before it is dropped). */
#define VD_FAULT_LATE_CALL "validate-late-call"

/* What the checks run with: the built-in profile (a LiteLLM-style config
 * aimed at the loopback server) or the caller's own configs. */
typedef struct vctx {
    const char *cfg;    /* for instances that must stream normally     */
    const char *slow;   /* streams until cancelled, or NULL: skip that */
    const char *client; /* client args                                 */
    int builtin;        /* no --config given: LiteLLM-specific checks  */
    const char *secrets[VD_MAX_SECRETS + 1]; /* values that must never show */
} vctx;

/* One line per check: "PASS name: detail" / "FAIL ..." (counted). */
void vd_report(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vd_skip(const char *name, const char *why);

double vd_now_ms(void);
void vd_sleep_ms(int ms);

/* The first secret of the profile found in `text`, or NULL. */
const char *vd_leaked(const vctx *c, const char *text);

/* A text sink into a fixed buffer (write fails when it is full). */
typedef struct vd_text { char buf[65536]; size_t len; int calls; } vd_text;
int vd_text_write(void *ctx, const char *p, size_t n);

/* Counts a stream's events and checks each against the header's rules
 * for the descriptor's minor (validate_streams.c). */
typedef struct vd_counter {
    int events, stops, cancel_after, cancel_inside;
    int bad_shape;               /* first problem seen, as an event number */
    char why[160];
    int open_block, next_block, started, stopped;
    const mp_provider_v1 *p;     /* renders each event; may be NULL        */
    mp_instance *inst;
    sem_t *first_event;          /* posted at the first event, or NULL     */
    uint32_t minor;              /* what the host negotiated               */
    int by_type[8];              /* events per type                        */
    unsigned last_flags;         /* the last event's header flags          */
    int batch_ends;              /* events flagged MP_EVENT_FLAG_BATCH_END */
    int info_count;              /* RESPONSE_INFO events (ABI 1.1)         */
    char call_id[64];            /* ...and what they said                  */
    int64_t remaining_requests;
    double cost_usd;             /* the METADATA's (1.1), -1 if none       */
    int64_t reasoning_tokens;
} vd_counter;

vd_counter vd_new_counter(const mp_provider_v1 *p, mp_instance *inst);
/* " (event N: what was wrong)" for the first shape problem, or "". */
void vd_problem(const vd_counter *c, char *out, size_t cap);
/* stream() of VD_USER_HELLO through `c`. */
int vd_stream_hello(const mp_provider_v1 *d, mp_instance *inst, vd_counter *c,
                    mp_error *err);
/* Whether s[0..n) is UTF-8. */
int vd_utf8(const char *s, size_t n);

/* The checks of what ABI 1.1 added, both directions of the minor
 * negotiation (validate_minor.c): a host of minor 0 gets nothing newer,
 * a host of minor 1 gets well-formed 1.1 events and working JSON
 * conveniences. */
struct hp_module;
void vd_check_minors(struct hp_module *m, const vctx *v);

/* The stream checks (validate_streams.c). */
void vd_check_events(const mp_provider_v1 *d, mp_instance *inst);
void vd_check_concurrency(const mp_provider_v1 *d, const vctx *v);
void vd_check_cancel(const mp_provider_v1 *d, const vctx *v);
/* Stream a one-line request with a sink that only counts events (used by
 * the bad-input checks); returns stream()'s status, events in *events. */
int vd_stream_counted(const mp_provider_v1 *d, mp_instance *inst,
                      const char *request, size_t len, uint32_t sink_size,
                      int *events, mp_error *err);

#endif
