/*
 * providers.h - named provider slots with hot reload (abi-design.md 9).
 *
 * A slot is one named provider: a plugin file, its config and client args,
 * and the module + instance currently serving it.  Callers lease the
 * current pair for the length of one call; prov_reload loads the file
 * again from disk and swaps the pair under the lease lock, so:
 *
 *   1. the new module is loaded from a unique private copy (the loader
 *      copies), negotiated, init'ed, and an instance created;
 *   2. new leases get the new pair;
 *   3. calls in flight on the old pair finish there (its in-flight
 *      counter); then the old instance is destroyed, the old module
 *      deinit'ed and dlclose'd, and a dlclose failure or a mapping that
 *      stays is reported.  An old module whose deinit refuses stays
 *      loaded on the slot's `refused` list (reported by the reload), and
 *      prov_close tries it once more.
 *
 * If anything in step 1 fails, the old pair keeps serving and the error
 * is returned.  Calls on one slot's instance must still be serialized by
 * the caller (ABI rule MP_HOST_4); the sample agent is single-threaded.
 */
#ifndef HOST_PROVIDERS_H
#define HOST_PROVIDERS_H

#include <pthread.h>

#include "../abi/model_provider.h"
#include "provider_loader.h"

typedef struct prov_slot {
    const char *name;        /* borrowed: must outlive the slot          */
    const char *path;
    const char *config;      /* JSON text, or NULL for {}                */
    const char *client_args; /* JSON text, or NULL for {}                */
    pthread_mutex_t lock;    /* guards mod, inst, generation             */
    hp_module *mod;
    mp_instance *inst;
    unsigned generation;     /* 1 after open, +1 per reload              */
    hp_module *refused;      /* old modules whose deinit refused at a
                                reload (their instances are destroyed);
                                only prov_reload and prov_close touch it */
} prov_slot;

/* What one call runs on.  Valid from prov_acquire to prov_release. */
typedef struct prov_lease {
    hp_module *mod;
    mp_instance *inst;
} prov_lease;

/* Set the slot's strings (borrowed) before prov_open. */
void prov_init(prov_slot *s, const char *name, const char *path,
               const char *config, const char *client_args);

/* Load the plugin and create the instance.  On failure returns a negative
 * mp_status with the reason (naming the file) in `why`. */
int prov_open(prov_slot *s, const mp_host_v1 *host, char *why, size_t len);

/* Lease the current module + instance; counts the call as in flight. */
void prov_acquire(prov_slot *s, prov_lease *l);
void prov_release(prov_lease *l);

/* Load the slot's file again and swap it in, then retire the old module
 * once its calls have finished (see above).  MP_OK with a summary in
 * `why`, or a negative mp_status with the reason. */
int prov_reload(prov_slot *s, const mp_host_v1 *host, char *why, size_t len);

/* Destroy the instance and unload the module, then try again to unload
 * every module on the `refused` list (no call may be running).  MP_OK, or
 * the first failure's code with every failure in `why`; a module that
 * still refuses stays loaded (and listed) until the process exits. */
int prov_close(prov_slot *s, char *why, size_t len);

#endif
