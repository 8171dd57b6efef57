/*
 * provider_entry.h - the ABI plumbing that is the same for every plugin
 * built from this tree (the LiteLLM provider and the replay provider): the
 * argument checks and minor-version negotiation of mp_provider_entry_v1,
 * the descriptor's event_to_json (with its check of the host's sink), and
 * the get_extension of a plugin that has no extensions.
 *
 * Header-only (static inline) so that each plugin's link line needs no
 * extra source file.
 */
#ifndef LP_PROVIDER_ENTRY_H
#define LP_PROVIDER_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "../abi/model_provider.h"
#include "errors.h"
#include "event_json.h"

/* The body of mp_provider_entry_v1 for a plugin whose descriptor is
 * `descriptor`: pure (MP_PLUGIN_2), it only negotiates and hands out the
 * static descriptor.  MP_E_INVALID_ARGUMENT for a NULL argument (*out is
 * left alone when out is NULL). */
static inline int lp_provider_entry(const mp_provider_v1 *descriptor,
                                    uint32_t *abi_minor_inout,
                                    const mp_provider_v1 **out)
{
    if (!abi_minor_inout || !out)
        return MP_E_INVALID_ARGUMENT;
    *out = NULL;
    /* Every 1.x host is served: minor 0 is the oldest these plugins speak.
     * If a minor ever becomes mandatory, a host offering less gets
     * MP_E_VERSION here, with that minor written back. */
    if (*abi_minor_inout > MP_ABI_MINOR)
        *abi_minor_inout = MP_ABI_MINOR;
    *out = descriptor;
    return MP_OK;
}

/* The descriptor's event_to_json: a sink that is NULL, smaller than its
 * ABI 1.0 size or without write is refused unread (MP_PLUGIN_13). */
static inline int lp_op_event_to_json(const mp_event_header *ev,
                                      const mp_text_sink *out)
{
    if (!LP_TEXT_SINK_OK(out))
        return MP_E_INVALID_ARGUMENT;
    return lp_event_to_json_sink(ev, out);
}

/* get_extension of a plugin with no extensions yet: every id is unknown. */
static inline const void *lp_no_extension(const char *id)
{
    (void)id;
    return NULL;
}

#endif
