/*
 * it_cancel.h - cancel() from another thread, once a call is under way.
 *
 * A cancel() that lands before a call begins is dropped (the ABI says so:
 * it "has no effect on later calls").  A canceller that only sleeps a fixed
 * time after it was started can therefore miss a call that begins late on
 * a loaded machine, and leave it running until its timeout.  This one
 * waits for proof that the call runs: an event the call delivered
 * (it_canceller_on_text, as the it_events hook) or the request reaching
 * the mock server; then it waits `delay_ms` and cancels.
 *
 * No cmocka here (tests/support is linked into the benchmarks too).
 */
#ifndef TEST_IT_CANCEL_H
#define TEST_IT_CANCEL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "it_harness.h"

typedef struct it_canceller {
    /* Set by it_canceller_start. */
    mp_instance *inst;
    int delay_ms;            /* from the trigger to cancel()               */
    const mock_proc *mock;   /* trigger: one more chat request than at the
                                start, or NULL: it_canceller_trigger      */
    int requests_before;
    sem_t wake;
    atomic_int triggered, stopping;
    pthread_t thread;
    /* Results: read them after it_canceller_join. */
    double cancelled_at;     /* it_now_ms() just before cancel(); 0: never */
    int no_trigger;          /* no trigger within 30 s: cancelled anyway   */
} it_canceller;

/* Start the thread that cancels `inst` `delay_ms` after the trigger: the
 * mock `mock` recording a new chat request (polled every 2 ms), or, when
 * `mock` is NULL, a call to it_canceller_trigger.  Without a trigger
 * within 30 s it cancels anyway (and says so in no_trigger), so a lost
 * trigger ends the call instead of hanging the test.  0, or -1 when the
 * thread cannot start. */
int it_canceller_start(it_canceller *k, mp_instance *inst, int delay_ms,
                       const mock_proc *mock);

/* The call is under way (any thread, also inside an event callback). */
void it_canceller_trigger(it_canceller *k);

/* An it_events hook (hook_ctx = the canceller): triggers at the first
 * text delta; never stops the stream itself. */
int it_canceller_on_text(it_events *e, const mp_event_header *ev);

/* Wait for the thread; one that was never triggered stops without
 * cancelling.  Returns cancelled_at. */
double it_canceller_join(it_canceller *k);

/* One stream() of it_hello_request on `inst` (events into `ev`, which this
 * initialises), cancelled `delay_ms` after the trigger: `mock` receiving
 * the request, or with `mock` NULL the first text delta.  Returns the
 * stream's status (-1 if the thread cannot start); *ms is the time from
 * cancel() to stream()'s return (negative: it returned first or no
 * cancel() was made), and
 * *no_trigger says the trigger never came. */
int it_stream_cancelled(mp_instance *inst, int delay_ms, const mock_proc *mock,
                        it_events *ev, mp_error *err, double *ms,
                        int *no_trigger);

#endif
