/* stream_driver.c - the stream-mapper driver; see stream_driver.h. */
#include "stream_driver.h"

#include <stdlib.h>
#include <string.h>

#include "contract.h"

/* The mode, from the last input byte XOR '\n':
 *   bits 0-1  how the body ends: 0 clean, 1 connection reset, 2 timeout,
 *             3 whole non-streaming body (clean end if the adapter has
 *             no whole-body entry);
 *   bits 2-3  how it is split: 0 one piece, 1 byte by byte (the first
 *             4 KiB; the rest in one piece), 2 and 3 at pseudo-random
 *             points up to 61 or 4093 bytes apart (seeded by the length);
 *   bit  4    small limits (a 200-byte line, 300 bytes of tool input)
 *             and reasoning_round_trip;
 *   bits 5-7  n > 0: the event callback stops the stream at event 3n-2. */
int fz_stream_run(const lp_wire *w, const uint8_t *data, size_t size)
{
    unsigned mode = size ? (unsigned)(data[size - 1] ^ '\n') : 0;
    const char *body = (const char *)data;
    size_t len = size;
    int ending = mode & 3, split = (mode >> 2) & 3;
    int cancel_at = (int)((mode >> 5) & 7);
    cancel_at = cancel_at ? 3 * cancel_at - 2 : 0;
    lp_map_options opt = {
        .reasoning_round_trip = (mode & 16) != 0,
        .max_line = mode & 16 ? 200 : 1 << 20,
        .max_tool_args = mode & 16 ? 300 : 1 << 20,
        .secrets = fz_secrets,
    };

    fz_events ev;
    fz_events_init(&ev, fz_secrets, cancel_at);
    ev_emitter em;
    ev_init(&em, &ev.sink);
    lp_mapper *m = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = w->new_mapper(&em, &opt, &m);
    if (rc) { /* only memory can fail here */
        if (rc != MP_E_NO_MEMORY || m)
            fz_fail("%s: new_mapper returned %s", w->name, mp_errname(rc));
        return rc;
    }
    if (ending == 3 && w->map_whole) {
        rc = w->map_whole(m, body, len, 5, 1, &err);
    } else {
        uint64_t seed = len * 0x9E3779B97F4A7C15ull + 1;
        for (size_t off = 0; !rc && off < len;) {
            size_t n = len - off;
            if (split == 1) {
                n = off < 4096 ? 1 : n;
            } else if (split >= 2) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                n = 1 + (size_t)((seed >> 33) % (split == 2 ? 61 : 4093));
                if (n > len - off)
                    n = len - off;
            }
            /* Each piece in its own allocation, so a read past it is
             * caught by AddressSanitizer. */
            char *piece = malloc(n ? n : 1);
            if (!piece)
                break;
            memcpy(piece, body + off, n);
            rc = w->feed(m, piece, n, &err);
            free(piece);
            off += n;
        }
        if (!rc && ending == 1)
            rc = w->cut(m, 5, 1, MP_E_NETWORK, "Connection reset by peer",
                        &err);
        else if (!rc && ending == 2)
            rc = w->cut(m, 5, 1, MP_E_TIMEOUT, "request timed out (timeout "
                        "10 ms, the limit for the whole call, was reached)",
                        &err);
        else if (!rc)
            rc = w->finish(m, 5, 1, &err);
    }
    fz_events_done(&ev, rc, &err, 1);
    if (rc == MP_OK && ending == 1 && !ev.stopped)
        fz_fail("%s: a reset before MESSAGE_STOP returned MP_OK", w->name);
    if (!!w->started(m) != !!ev.started)
        fz_fail("%s: started() says %d after %llu events", w->name,
                w->started(m), (unsigned long long)ev.count);
    w->free_mapper(m);
    return rc;
}
