/*
 * cancel_point.h - cancelling the model call in flight from another
 * thread, as `agent-host -i` does on Ctrl-C.
 *
 * The thread that calls the plugin registers the call (cp_enter) and
 * withdraws it (cp_leave) around stream(); any other thread may call
 * cp_cancel, which marks the prompt cancelled and calls the plugin's
 * cancel() on the registered instance, if any.  The lock keeps the
 * instance alive while cancel() runs on it (ABI: cancel() must not
 * overlap destroy()), and a cancel that comes between two calls of one
 * prompt (while tools run, or between retries) is not lost: the agent
 * looks at cp_requested before each step.
 *
 * Thread: every function is [any-thread].  cp_cancel is not
 * async-signal-safe: a signal handler wakes a thread that calls it.
 */
#ifndef HOST_CANCEL_POINT_H
#define HOST_CANCEL_POINT_H

#include <pthread.h>
#include <stdatomic.h>

#include "../abi/model_provider.h"

typedef struct cancel_point {
    pthread_mutex_t lock;
    const mp_provider_v1 *desc; /* the call in flight, or NULL */
    mp_instance *inst;
    atomic_int requested;       /* cp_cancel since the last cp_reset */
    unsigned generation;        /* +1 per cp_reset: one per prompt    */
} cancel_point;

void cp_init(cancel_point *cp);
void cp_destroy(cancel_point *cp);

/* Before a prompt: forget an earlier request. */
void cp_reset(cancel_point *cp);

/* Register the call about to run on `inst`.  Returns non-zero (and
 * registers nothing) when a cancel was already requested: the caller then
 * skips the call. */
int cp_enter(cancel_point *cp, const mp_provider_v1 *desc, mp_instance *inst);
void cp_leave(cancel_point *cp);

/* Request a cancel: the call in flight returns MP_E_CANCELLED promptly. */
void cp_cancel(cancel_point *cp);

/* The same, but only while the prompt of `generation` (cp_generation's
 * answer when the request came) is still the current one: a canceller
 * that repeats its request (a cancel() that lands before the plugin call
 * has begun is lost, per the ABI) never reaches the next prompt. */
unsigned cp_generation(cancel_point *cp);
void cp_cancel_generation(cancel_point *cp, unsigned generation);

int cp_requested(cancel_point *cp);

/* Whether a call is registered now. */
int cp_in_flight(cancel_point *cp);

#endif
