/*
 * provider_loader.h - loading, negotiating with and unloading provider
 * plugins (the host side of the ABI; see abi/model_provider.h).
 *
 * A plugin is loaded from a private copy of its file, so loading a rebuilt
 * .so really maps the new code (dlopen returns the old mapping for a path
 * it already holds).  The copy is removed as soon as it is mapped.
 */
#ifndef HOST_PROVIDER_LOADER_H
#define HOST_PROVIDER_LOADER_H

#include <stdatomic.h>
#include <stddef.h>

#include "../abi/model_provider.h"

typedef struct hp_module {
    char *path;               /* the file the host was asked to load */
    char copy_name[64];       /* base name of the private copy (to check
                                 /proc/self/maps after unload)        */
    void *dl;                 /* dlopen handle of the private copy   */
    const mp_provider_v1 *desc;
    uint32_t minor;           /* negotiated minor                    */
    atomic_int in_flight;     /* calls running on this module        */
    int initialised;
} hp_module;

/* Load, negotiate (offering `host_minor`) and init.  On failure returns a
 * negative mp_status and writes a message naming the file and the problem
 * into errbuf. */
int hp_module_load(const char *path, uint32_t host_minor,
                   const mp_host_v1 *host, hp_module **out, char *errbuf,
                   size_t errlen);

/* Refuse (MP_E_BUSY) while calls are in flight; otherwise deinit and
 * dlclose.  A dlclose failure is reported (MP_E_INTERNAL + dlerror()) and
 * the module is freed anyway.  *m is NULL afterwards unless refused. */
int hp_module_unload(hp_module **m, char *errbuf, size_t errlen);

/* Track a call so unload can refuse while it runs. */
static inline void hp_call_begin(hp_module *m) { atomic_fetch_add(&m->in_flight, 1); }
static inline void hp_call_end(hp_module *m) { atomic_fetch_sub(&m->in_flight, 1); }

/* Whether a file of this path is still mapped into the process. */
int hp_path_is_mapped(const char *path_fragment);

#endif
