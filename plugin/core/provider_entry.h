/*
 * provider_entry.h - the ABI plumbing that is the same for every plugin
 * built from this tree (the LiteLLM provider and the replay provider): the
 * argument checks and minor-version negotiation of mp_provider_entry_v1,
 * the module state behind init/deinit (host struct check, logger, init
 * count, live instances), and the get_extension of a plugin that has no
 * extensions.  Each plugin has one descriptor per ABI minor it speaks.
 * The descriptors' event_to_json is lp_event_to_json_sink (event_json.h).
 *
 * Header-only (static inline) so that each plugin's link line needs no
 * extra source file.
 */
#ifndef LP_PROVIDER_ENTRY_H
#define LP_PROVIDER_ENTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "errors.h"
#include "json_util.h"
#include "log.h"

/* The body of mp_provider_entry_v1 for a plugin with one static
 * descriptor per minor it speaks: by_minor[m] serves minor m, for m from 0
 * to `newest`.  Pure (MP_PLUGIN_2): it only negotiates and hands out the
 * descriptor of the minor both sides speak, so a host gets exactly what
 * its minor defines (MP_PLUGIN_14).  MP_E_INVALID_ARGUMENT for a NULL
 * argument (*out is left alone when out is NULL). */
static inline int lp_provider_entry(const mp_provider_v1 *const *by_minor,
                                    uint32_t newest,
                                    uint32_t *abi_minor_inout,
                                    const mp_provider_v1 **out)
{
    if (!abi_minor_inout || !out)
        return MP_E_INVALID_ARGUMENT;
    *out = NULL;
    /* Every 1.x host is served: minor 0 is the oldest these plugins speak.
     * If a minor ever becomes mandatory, a host offering less gets
     * MP_E_VERSION here, with that minor written back. */
    if (*abi_minor_inout > newest)
        *abi_minor_inout = newest;
    *out = by_minor[*abi_minor_inout];
    return MP_OK;
}

/* The struct_size of a descriptor for minor 0: every ABI 1.0 field. */
#define LP_PROVIDER_V10_SIZE LP_V10_SIZE(mp_provider_v1, event_to_json)

/* ------------------------------------------------------ module state */

/* What init/deinit keep: the init count, the first init's host logger and
 * the number of live instances.  Each plugin holds one, statically. */
typedef struct lp_module_state {
    int init_count;   /* init/deinit never run concurrently (MP_HOST_3) */
    lp_logger logger; /* the first init's host log (NULL fn: none)      */
    atomic_int live_instances; /* instances are made on any thread      */
} lp_module_state;

/* The body of init(): a host struct smaller than mp_host_v1 of ABI 1.0 is
 * refused (MP_PLUGIN_13); the first init keeps the host's logger (a nested
 * init shares it) and runs `first_setup` (may be NULL), whose failure
 * leaves everything as it was (no deinit owed). */
static inline int lp_module_state_init(lp_module_state *m,
                                       const mp_host_v1 *host,
                                       int (*first_setup)(const lp_logger *,
                                                          mp_error *),
                                       mp_error *err)
{
    lp_error_clear(err);
    if (host && host->struct_size < LP_V10_SIZE(mp_host_v1, log))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "init: host struct_size %u "
                       "is smaller than mp_host_v1 of ABI 1.0 (%zu)",
                       host->struct_size, LP_V10_SIZE(mp_host_v1, log));
    if (m->init_count == 0) {
        memset(&m->logger, 0, sizeof m->logger);
        if (host) {
            m->logger.fn = host->log;
            m->logger.ctx = host->log_ctx;
        }
        int rc = first_setup ? first_setup(&m->logger, err) : MP_OK;
        if (rc) {
            memset(&m->logger, 0, sizeof m->logger);
            return rc;
        }
    }
    m->init_count++;
    return MP_OK;
}

/* The body of deinit(): a no-op without a matching init; MP_E_BUSY (and
 * an error log naming `plugin`) when it would be the last while instances
 * exist; the last one runs `last_teardown` (may be NULL), frees the JSON
 * parser lp_json_parse keeps, and forgets the logger, which is never
 * called again. */
static inline int lp_module_state_deinit(lp_module_state *m,
                                         const char *plugin,
                                         void (*last_teardown)(void))
{
    if (m->init_count == 0)
        return MP_OK; /* unbalanced deinit: harmless */
    if (m->init_count == 1 && atomic_load(&m->live_instances) > 0) {
        lp_log(&m->logger, MP_LOG_ERROR, "%sdeinit refused: %d instance(s) "
               "still exist; destroy them first", plugin,
               atomic_load(&m->live_instances));
        return MP_E_BUSY;
    }
    if (--m->init_count == 0) {
        if (last_teardown)
            last_teardown();
        lp_json_release_spare();
        memset(&m->logger, 0, sizeof m->logger);
    }
    return MP_OK;
}

/* get_extension of a plugin with no extensions yet: every id is unknown. */
static inline const void *lp_no_extension(const char *id)
{
    (void)id;
    return NULL;
}

#endif
