/*
 * stream_driver.h - one driver for the stream mapper of every wire adapter.
 *
 * A wire adapter turns response bytes into events.  Its fuzz target is one
 * small file that fills an fz_stream_adapter with its mapper's entry
 * points and ends with FZ_STREAM_TARGET(adapter); this driver does the
 * rest: it splits the input the way a network would (in one piece, byte
 * by byte, or at pseudo-random points), ends the body cleanly, cuts it
 * (connection reset or timeout) or hands it over whole (a non-streaming
 * answer), sometimes stops from the event callback, sometimes with small
 * limits, and checks the ABI contract on everything that comes out
 * (contract.h), the configured secrets included (fz_secrets).
 *
 * The input is the response body as the server sends it; its LAST byte
 * also chooses the mode (XOR '\n', so a recorded transcript, which ends in
 * "\n", is replayed plainly: one piece, clean end).  See tests/fuzz/README.md.
 */
#ifndef FUZZ_STREAM_DRIVER_H
#define FUZZ_STREAM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "../../plugin/core/event_emit.h"

typedef struct fz_stream_limits {
    size_t max_line;      /* longest line / payload (max_response_bytes) */
    size_t max_buffered;  /* most a stream may buffer (tool arguments)   */
    const char *const *secrets; /* NULL-terminated, to scrub from errors */
    int variant;          /* flip the adapter's own option, if it has one
                             (OpenAI: reasoning_round_trip)             */
} fz_stream_limits;

typedef struct fz_stream_adapter {
    const char *name;
    size_t state_size;    /* bytes of the adapter's state (zeroed)       */
    /* Set up for one response; events go to `em`.  MP_OK or an error. */
    int (*init)(void *state, ev_emitter *em, const fz_stream_limits *lim);
    /* Body bytes as they arrive. */
    int (*feed)(void *state, const char *p, size_t n, mp_error *err);
    /* The body ended cleanly. */
    int (*finish)(void *state, mp_error *err);
    /* The body was cut: `status` MP_E_NETWORK or MP_E_TIMEOUT, `why` the
     * transport's words. */
    int (*cut)(void *state, int status, const char *why, mp_error *err);
    /* A whole non-streaming body; NULL if the adapter has none. */
    int (*whole)(void *state, const char *body, size_t n, mp_error *err);
    void (*release)(void *state);
} fz_stream_adapter;

/* Run one input through `a`, checking the contract (aborts on a break). */
int fz_stream_run(const fz_stream_adapter *a, const uint8_t *data,
                  size_t size);

#define FZ_STREAM_TARGET(adapter)                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)           \
    {                                                                      \
        fz_stream_run(&(adapter), data, size);                             \
        return 0;                                                          \
    }

#endif
