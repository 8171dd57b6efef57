/*
 * provider_loader.h - loading, negotiating with and unloading provider
 * plugins (the host side of the ABI; see abi/model_provider.h, rules
 * MP_HOST_1..6).
 *
 * A plugin is loaded from a private copy of its file (a fresh, randomly
 * named file in $TMPDIR or /tmp), so loading a rebuilt .so really maps the
 * new code: dlopen returns the old mapping for a path it already holds.
 * The copy is unlinked as soon as it is mapped; nothing stays on disk.
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
    struct hp_module *next_refused; /* link in a prov_slot's list of old
                                       modules whose deinit refused   */
} hp_module;

/* Load (RTLD_NOW | RTLD_LOCAL), negotiate (offering `host_minor`) and
 * init.  On failure returns a negative mp_status and writes a message
 * naming the file and the problem into errbuf:
 *   MP_E_INVALID_ARGUMENT  the file cannot be read or is not a loadable
 *                          shared object
 *   MP_E_VERSION           not a provider for ABI major 1, or no minor
 *                          both sides speak, or a malformed descriptor
 *   other                  what the plugin's init() returned */
int hp_module_load(const char *path, uint32_t host_minor,
                   const mp_host_v1 *host, hp_module **out, char *errbuf,
                   size_t errlen);

/* Negotiation alone: call `entry` offering `host_minor`, then check the
 * descriptor it hands out (major, minor no newer than offered, a struct
 * that holds every field of the agreed minor, every operation of that
 * minor present).  MP_OK with
 * *desc and *minor set, or MP_E_VERSION (or the entry's own error) with
 * the reason in `why`.  hp_module_load uses it; tests call it with fake
 * entry functions. */
int hp_negotiate(mp_provider_entry_v1_fn entry, uint32_t host_minor,
                 const mp_provider_v1 **desc, uint32_t *minor, char *why,
                 size_t len);

/* The struct_size a descriptor needs for `minor`: up to its last field
 * (ABI 1.0: event_to_json; 1.1: accumulator_destroy).  A newer minor than
 * this host knows needs what this host's newest needs. */
size_t hp_descriptor_size(uint32_t minor);

/* Whether the module offers what ABI 1.1 added (MP_HOST_11): it agreed on
 * minor 1 or later, which hp_negotiate only accepts with a descriptor
 * holding every 1.1 operation. */
static inline int hp_speaks_1_1(const hp_module *m) { return m->minor >= 1; }

/* Refuse (MP_E_BUSY, *m untouched) while calls are in flight, or when the
 * plugin's deinit() refuses (its code, *m untouched).  Otherwise deinit
 * and dlclose; a dlclose failure is reported (MP_E_INTERNAL + dlerror())
 * and the module is freed anyway.  *m is NULL afterwards unless refused.
 * errbuf may be NULL. */
int hp_module_unload(hp_module **m, char *errbuf, size_t errlen);

/* Track a call so unload can refuse while it runs. */
static inline void hp_call_begin(hp_module *m) { atomic_fetch_add(&m->in_flight, 1); }
static inline void hp_call_end(hp_module *m) { atomic_fetch_sub(&m->in_flight, 1); }

/* Whether a file whose path contains `path_fragment` is mapped into the
 * process (read from /proc/self/maps). */
int hp_path_is_mapped(const char *path_fragment);

#endif
