/*
 * contract.h - the ABI contract, asserted on whatever a fuzz target
 * made the plugin produce (abi/model_provider.h):
 *
 *  - events: MESSAGE_START first and once; blocks numbered from 0, one open
 *    at a time, START / DELTA... / STOP, deltas of the open block's kind;
 *    MESSAGE_STOP with no block open; METADATA at most once, after it,
 *    token counts >= -1, a cache count never 0 where the header says -1
 *    (reads always, writes for minor 0); nothing after the callback asked
 *    to stop;
 *  - what the host's minor allows (MP_PLUGIN_14): for minor 0 event types
 *    1-6, delta kinds 1-4, every event exactly its v1.0 size, flags 0; for
 *    minor 1 every event at least this header's sizeof, RESPONSE_INFO only
 *    when the response had one, once, right after MESSAGE_START, and the
 *    metadata's cost >= 0 when that info had a cost (else a number);
 *  - batching (minor 1 only, else flags stay 0): no flag but
 *    MP_EVENT_FLAG_BATCH_END; a flagged event is the last one of its read
 *    (nothing follows it before the next read); a read whose mapping went
 *    well ends with a flagged event if it made any; a call that returns
 *    MP_OK ends with a flagged event;
 *  - every mp_str: NULL with len 0, or ptr[len] == '\0' and UTF-8, checked
 *    as it is delivered, so a held event's copies are checked too (and
 *    AddressSanitizer sees a string that points into a freed read);
 *  - the call's result: err.code == rc; MP_OK only after MESSAGE_STOP
 *    (when the call streams); a message that is NUL-terminated, UTF-8 and
 *    non-empty on failure; provider_code NUL-terminated UTF-8; a network
 *    or timeout error never after MESSAGE_STOP (that is a success);
 *  - no secret in any message, provider_code or log line that the target
 *    did not itself put there (event text is content, delivered as sent).
 *
 * A broken rule prints what and where, then aborts, which libFuzzer (and
 * the replay program, through its crash) reports as a finding.
 */
#ifndef FUZZ_CONTRACT_H
#define FUZZ_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"

/* Print "contract broken: ..." and abort. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Text for the host: UTF-8 and, unless `secrets` is NULL, none of them. */
void fz_check_text(const char *what, const char *s, size_t n,
                   const char *const *secrets);
/* A NUL-terminated string inside a fixed field of `cap` bytes. */
void fz_check_field(const char *what, const char *s, size_t cap,
                    const char *const *secrets);
/* The mp_error of a call that returned `rc` (err may be a v1.0 struct). */
void fz_check_error(int rc, const mp_error *err, const char *const *secrets);

/* An event sink that checks every event as it comes. */
typedef struct fz_events {
    mp_event_sink sink;       /* hand this to the plugin                  */
    const char *const *secrets;
    int cancel_at;            /* return non-zero on this event (1-based)  */
    int cancelled;            /* the callback asked to stop               */
    uint64_t count;
    int started, stopped, metadata;
    int open_kind;            /* mp_block_kind of the open block, 0 if none */
    uint32_t next_block;
    /* The host (fz_events_host). */
    uint32_t minor;
    int batching;             /* BATCH_END flags expected                 */
    const mp_event_response_info *info; /* the response's, or NULL        */
    /* The read being mapped. */
    uint64_t read_from;       /* events delivered before it               */
    int read_ended;           /* a BATCH_END came in it                   */
    uint16_t last_type, last_flags;
    int info_seen;
} fz_events;

/* A sink for a host of ABI minor 1 without batching and no response
 * info; fz_events_host says otherwise. */
void fz_events_init(fz_events *ev, const char *const *secrets, int cancel_at);
/* The host speaks `minor`; `batching`: the emitter was asked to batch
 * (flags are expected only when minor >= 1 as well); `info`: the response
 * info the emitter was given (NULL: none), borrowed. */
void fz_events_host(fz_events *ev, uint32_t minor, int batching,
                    const mp_event_response_info *info);
/* One read's bytes are mapped and its batch ended (ev_read_done), with
 * status `rc`: the batching rules of that read. */
void fz_events_read_done(fz_events *ev, int rc);
/* After the call returned `rc`: the events and the result agree.
 * `must_finish`: MP_OK means a complete message was delivered. */
void fz_events_done(const fz_events *ev, int rc, const mp_error *err,
                    int must_finish);

/* A log callback (ctx: the secrets, a NULL-terminated array, or NULL)
 * that checks each message. */
void fz_log(void *ctx, int level, const char *message);

/* The secrets the targets configure; the dictionaries name them too, so
 * the fuzzer tries putting them where a server could echo them. */
extern const char *const fz_secrets[];

/* Whether any of `secrets` occurs in data[0..n) (then a target that echoes
 * host input may show it without breaking the contract). */
int fz_contains_secret(const void *data, size_t n, const char *const *secrets);

#endif
