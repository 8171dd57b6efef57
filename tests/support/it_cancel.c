/* it_cancel.c - cancel() from another thread; see it_cancel.h. */
#include "it_cancel.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#define TRIGGER_WAIT_MS 30000

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* 1 when triggered, 0 when told to stop first, -1 on timeout. */
static int wait_for_trigger(it_canceller *k)
{
    double deadline = it_now_ms() + TRIGGER_WAIT_MS;
    if (k->mock) {
        while (it_now_ms() < deadline) {
            if (atomic_load(&k->stopping))
                return 0;
            if (it_chat_count(k->mock) > k->requests_before)
                return 1;
            sleep_ms(2);
        }
        return -1;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += TRIGGER_WAIT_MS / 1000;
    int rc;
    while ((rc = sem_timedwait(&k->wake, &until)) != 0 && errno == EINTR)
        ;
    if (atomic_load(&k->triggered))
        return 1;
    return rc == 0 ? 0 : -1;
}

static void *canceller_main(void *arg)
{
    it_canceller *k = arg;
    int got = wait_for_trigger(k);
    if (got == 0)
        return NULL;
    k->no_trigger = got < 0;
    if (got > 0)
        sleep_ms(k->delay_ms);
    k->cancelled_at = it_now_ms();
    it_p->cancel(k->inst);
    return NULL;
}

int it_canceller_start(it_canceller *k, mp_instance *inst, int delay_ms,
                       const mock_proc *mock)
{
    k->inst = inst;
    k->delay_ms = delay_ms;
    k->mock = mock;
    k->requests_before = mock ? it_chat_count(mock) : 0;
    k->cancelled_at = 0;
    k->no_trigger = 0;
    atomic_init(&k->triggered, 0);
    atomic_init(&k->stopping, 0);
    if (sem_init(&k->wake, 0, 0) != 0)
        return -1;
    if (pthread_create(&k->thread, NULL, canceller_main, k) != 0) {
        sem_destroy(&k->wake);
        return -1;
    }
    return 0;
}

void it_canceller_trigger(it_canceller *k)
{
    if (atomic_exchange(&k->triggered, 1) == 0)
        sem_post(&k->wake);
}

int it_canceller_on_text(it_events *e, const mp_event_header *ev)
{
    if (ev->type == MP_EVENT_BLOCK_DELTA)
        it_canceller_trigger(e->hook_ctx);
    return 0;
}

double it_canceller_join(it_canceller *k)
{
    atomic_store(&k->stopping, 1);
    sem_post(&k->wake);
    pthread_join(k->thread, NULL);
    sem_destroy(&k->wake);
    return k->cancelled_at;
}

int it_stream_cancelled(mp_instance *inst, int delay_ms, const mock_proc *mock,
                        it_events *ev, mp_error *err, double *ms,
                        int *no_trigger)
{
    it_canceller k;
    if (it_canceller_start(&k, inst, delay_ms, mock) != 0)
        return -1;
    it_events_init(ev);
    if (!mock) {
        ev->hook = it_canceller_on_text;
        ev->hook_ctx = &k;
    }
    int rc = it_stream(inst, it_hello_request, ev, err);
    double returned = it_now_ms();
    double at = it_canceller_join(&k);
    *ms = at > 0 ? returned - at : -1.0;
    *no_trigger = k.no_trigger;
    return rc;
}
