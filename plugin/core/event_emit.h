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
 *
 * It is also where the negotiated ABI minor is enforced (MP_PLUGIN_14), so
 * no wire adapter has to think about it: adapters always emit everything
 * they have, and for a minor-0 host the emitter
 *   - sizes every event at its v1.0 size and sets no flag,
 *   - never delivers RESPONSE_INFO,
 *   - leaves out a block whose content is redacted reasoning (its start is
 *     held until the first delta shows what the block is; block indices
 *     stay contiguous) and drops citation deltas, logging a warning.
 * For a host of minor >= 1 it can batch (ev_set_batching): each event is
 * held until the next one is made or ev_batch_end says the bytes at hand
 * are used up, so the last event of a network read goes out with
 * MP_EVENT_FLAG_BATCH_END.  Held events own copies of their strings.
 *
 * For wire adapters (the Anthropic native one first): redacted reasoning
 * is a REASONING block whose deltas are MP_DELTA_REDACTED_REASONING with
 * the opaque bytes (Anthropic's `data` string as it came); a citation is
 * an MP_DELTA_CITATION delta in the TEXT block it belongs to, its text one
 * JSON object in the Strands Citation shape (anthropic-wire 3.4).  Emit
 * them for every host: what a minor-0 host must not get is left out here.
 *
 * The response info (ev_set_response_info) goes out right after
 * MESSAGE_START, whatever adapter starts the message, and its header cost
 * stands in for a metadata event that has no cost of its own.
 */
#ifndef LP_EVENT_EMIT_H
#define LP_EVENT_EMIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "log.h"
#include "strbuf.h"

/* Any event, as the emitter holds one back. */
typedef union ev_any {
    mp_event_header hdr;
    mp_event_message_start message_start;
    mp_event_block_start block_start;
    mp_event_block_delta block_delta;
    mp_event_block_stop block_stop;
    mp_event_message_stop message_stop;
    mp_event_metadata metadata;
    mp_event_response_info response_info;
} ev_any;

typedef struct ev_emitter {
    const mp_event_sink *sink;
    uint32_t next_block;  /* index the next delivered block_start gets */
    int open_kind;        /* mp_block_kind of the open block, 0 if none */
    int status;           /* 0, or the first error (sticky)             */
    uint64_t delivered;   /* events delivered so far */
    const atomic_int *cancel_flag; /* non-zero: cancel() was called      */
    uint32_t minor;       /* the host's negotiated ABI minor            */
    const lp_logger *log; /* for the minor-0 warnings; may be NULL      */
    /* Batching (minor >= 1). */
    int batching;
    int holding;          /* `held` waits to be delivered               */
    ev_any held;
    strbuf held_text;     /* copies of the held event's strings         */
    /* Minor 0. */
    int start_held;       /* a reasoning block's start waits for its first
                             delta (it may turn out redacted)           */
    int leaving_out;      /* the open block is left out for this host   */
    int citation_warned;
    /* The response's headers, delivered after MESSAGE_START. */
    const mp_event_response_info *info; /* borrowed; NULL: none         */
} ev_emitter;

/* A fresh emitter for a host of this header's minor (MP_ABI_MINOR), not
 * batching: events are delivered as they are made. */
void ev_init(ev_emitter *em, const mp_event_sink *sink);
/* Release what batching held (nothing else needs freeing). */
void ev_free(ev_emitter *em);
/* The host negotiated `minor` (before the first event).  `log` (may be
 * NULL) receives the warnings of what a minor-0 host does not get. */
void ev_set_host_minor(ev_emitter *em, uint32_t minor, const lp_logger *log);
/* Hold each event until the next (see above).  Ignored for minor 0,
 * which has no flags. */
void ev_set_batching(ev_emitter *em, int on);
/* The bytes at hand are used up: deliver the held event, flagged
 * MP_EVENT_FLAG_BATCH_END.  Returns the emitter's status. */
int ev_batch_end(ev_emitter *em);
/* ev_batch_end at the end of one network read (or of the call), with
 * `err` (may be NULL) filled when that delivery is cancelled and it holds
 * no message yet.  stream() and the fuzz driver both end reads with it. */
int ev_read_done(ev_emitter *em, mp_error *err);
/* The end of a call whose mapping returned `rc`: the last read is done
 * (ev_read_done) and the call's status returned.  When the host's callback
 * stops the stream on that last event (or cancel() was called), the call
 * is MP_E_CANCELLED even if the response failed after the event was made:
 * unbatched, the host would have stopped the call on it before the
 * failure was read, and batching changes when events arrive, never what
 * the call returns.  `err` then says both. */
int ev_call_done(ev_emitter *em, int rc, mp_error *err);
/* Deliver `info` right after MESSAGE_START (borrowed until the emitter is
 * done; NULL: none). */
void ev_set_response_info(ev_emitter *em, const mp_event_response_info *info);

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
/* `m` as the adapter filled it (cost_usd < 0 when its wire had none). */
int ev_metadata(ev_emitter *em, const mp_event_metadata *m);

#endif
