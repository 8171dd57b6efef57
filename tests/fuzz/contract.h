/*
 * contract.h - the ABI contract, asserted on whatever a fuzz target
 * made the plugin produce (abi/model_provider.h):
 *
 *  - events: MESSAGE_START first and once; blocks numbered from 0, one open
 *    at a time, START / DELTA... / STOP, deltas of the open block's kind;
 *    MESSAGE_STOP with no block open; METADATA at most once, after it;
 *    header size at least the v1.0 struct, flags 0; nothing after the
 *    callback asked to stop;
 *  - every mp_str: NULL with len 0, or ptr[len] == '\0' and UTF-8;
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
} fz_events;

void fz_events_init(fz_events *ev, const char *const *secrets, int cancel_at);
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
