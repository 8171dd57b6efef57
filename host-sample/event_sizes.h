/*
 * event_sizes.h - the size of each event type a host of a given minor may
 * rely on (the header's size rule): the v1.0 sizeof for minor 0, this
 * header's for minor 1; 0 for a type that minor does not have.  For the
 * checkers of what a plugin delivers (validate, the fuzz contract), which
 * must not borrow the plugin's own sizing.
 */
#ifndef HOST_EVENT_SIZES_H
#define HOST_EVENT_SIZES_H

#include <stddef.h>
#include <stdint.h>

#include "../abi/model_provider.h"

static inline size_t host_event_size(unsigned type, uint32_t minor)
{
    switch (type) {
    case MP_EVENT_MESSAGE_START: return sizeof(mp_event_message_start);
    case MP_EVENT_BLOCK_START: return sizeof(mp_event_block_start);
    case MP_EVENT_BLOCK_DELTA: return sizeof(mp_event_block_delta);
    case MP_EVENT_BLOCK_STOP: return sizeof(mp_event_block_stop);
    case MP_EVENT_MESSAGE_STOP: return sizeof(mp_event_message_stop);
    case MP_EVENT_METADATA:
        return minor ? sizeof(mp_event_metadata)
                     : offsetof(mp_event_metadata, time_to_first_byte_ms) +
                           sizeof(int64_t);
    case MP_EVENT_RESPONSE_INFO:
        return minor ? sizeof(mp_event_response_info) : 0;
    default: return 0;
    }
}

#endif
