/*
 * event_emit.h - building typed mp_event structs and handing them to the
 * host's sink.
 *
 * The emitter numbers blocks, remembers which one is open, and turns a
 * non-zero return of the host callback into MP_E_CANCELLED, which then
 * sticks: after cancellation nothing more is delivered.  It can also watch
 * the instance's cancel flag (ev_watch_cancel), checked before every
 * event: one network read may hold hundreds of events, and a cancel()
 * made meanwhile (from another thread, or from inside the callback) must
 * stop the delivery at the next event, not after the read.
 */
#ifndef LP_EVENT_EMIT_H
#define LP_EVENT_EMIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"

typedef struct ev_emitter {
    const mp_event_sink *sink;
    uint32_t next_block;  /* index the next block_start gets */
    int open_kind;        /* mp_block_kind of the open block, 0 if none */
    int status;           /* 0, or MP_E_CANCELLED once the host said stop */
    uint64_t delivered;   /* events delivered so far */
    const atomic_int *cancel_flag; /* non-zero: cancel() was called      */
} ev_emitter;

void ev_init(ev_emitter *em, const mp_event_sink *sink);
/* Stop (MP_E_CANCELLED) before the next event once *flag is non-zero.
 * The flag must outlive the emitter. */
void ev_watch_cancel(ev_emitter *em, const atomic_int *flag);
/* Whether the watched flag says cancel() was called (then a cancellation
 * came from it rather than from the host's callback). */
int ev_cancel_called(const ev_emitter *em);

int ev_message_start(ev_emitter *em);
/* name/id/signature may be NULL (absent); lengths are in bytes. */
int ev_block_start(ev_emitter *em, int kind,
                   const char *tool_name, size_t name_len,
                   const char *tool_use_id, size_t id_len,
                   const char *signature, size_t sig_len);
int ev_block_delta(ev_emitter *em, int delta_kind, const char *text,
                   size_t len);
/* Close the open block, if any. */
int ev_block_stop(ev_emitter *em);
int ev_message_stop(ev_emitter *em, int stop_reason, const char *raw,
                    size_t raw_len);
int ev_metadata(ev_emitter *em, const mp_event_metadata *m);

#endif
