/* cancel_point.c - see cancel_point.h. */
#include "cancel_point.h"

void cp_init(cancel_point *cp)
{
    pthread_mutex_init(&cp->lock, NULL);
    cp->desc = NULL;
    cp->inst = NULL;
    cp->generation = 0;
    atomic_store(&cp->requested, 0);
}

void cp_destroy(cancel_point *cp)
{
    pthread_mutex_destroy(&cp->lock);
}

void cp_reset(cancel_point *cp)
{
    pthread_mutex_lock(&cp->lock);
    cp->generation++;
    atomic_store(&cp->requested, 0);
    pthread_mutex_unlock(&cp->lock);
}

int cp_enter(cancel_point *cp, const mp_provider_v1 *desc, mp_instance *inst)
{
    pthread_mutex_lock(&cp->lock);
    int cancelled = atomic_load(&cp->requested);
    if (!cancelled) {
        cp->desc = desc;
        cp->inst = inst;
    }
    pthread_mutex_unlock(&cp->lock);
    return cancelled;
}

void cp_leave(cancel_point *cp)
{
    pthread_mutex_lock(&cp->lock);
    cp->desc = NULL;
    cp->inst = NULL;
    pthread_mutex_unlock(&cp->lock);
}

void cp_cancel(cancel_point *cp)
{
    cp_cancel_generation(cp, cp_generation(cp));
}

unsigned cp_generation(cancel_point *cp)
{
    pthread_mutex_lock(&cp->lock);
    unsigned g = cp->generation;
    pthread_mutex_unlock(&cp->lock);
    return g;
}

void cp_cancel_generation(cancel_point *cp, unsigned generation)
{
    pthread_mutex_lock(&cp->lock);
    if (cp->generation == generation) {
        atomic_store(&cp->requested, 1);
        if (cp->desc)
            cp->desc->cancel(cp->inst);
    }
    pthread_mutex_unlock(&cp->lock);
}

int cp_requested(cancel_point *cp)
{
    return atomic_load(&cp->requested);
}

int cp_in_flight(cancel_point *cp)
{
    pthread_mutex_lock(&cp->lock);
    int busy = cp->desc != NULL;
    pthread_mutex_unlock(&cp->lock);
    return busy;
}
