/* http_response.h - write responses, with the scripted transport faults.
 *
 * A resp_out is owned by one connection thread for one response. Body bytes
 * go through out_write(), which is where pacing-independent faults
 * (trickle, stall, drop) are applied, so every body source (file, inline,
 * generated) gets them for free.
 */
#ifndef MOCK_HTTP_RESPONSE_H
#define MOCK_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct scenario;

enum out_result {
    OUT_OK = 0,
    OUT_GONE = -1,     /* the peer went away: stop and close */
    OUT_DROPPED = -2,  /* we reset the connection on purpose */
};

struct resp_out {
    int fd;
    bool chunked;               /* wrap every write in a chunk */
    const struct scenario *sc;  /* fault settings; NULL for none */
    char *pending;              /* head not yet sent (malloc'd) */
    size_t pending_len;
    uint64_t sent;              /* body bytes sent, framing excluded */
    bool stalled;
};

/* How the body is delimited. */
enum framing {
    FRAME_LENGTH,   /* Content-Length: n */
    FRAME_CHUNKED,  /* Transfer-Encoding: chunked */
    FRAME_CLOSE,    /* no length; the body ends when we close */
    FRAME_NONE,     /* 204/304: no body at all */
};

/* Prepare a response: builds the head (status line, the scenario's
 * headers verbatim, a default Content-Type unless the scenario has one,
 * framing and Connection headers) and keeps it pending so it leaves in
 * the same packet as the first body bytes. sc may be NULL. */
int out_begin(struct resp_out *o, int fd, const struct scenario *sc,
              int status, const char *default_type, enum framing framing,
              uint64_t content_length, bool keep_alive);

/* Send n body bytes, applying trickle/stall/drop from the scenario. */
enum out_result out_write(struct resp_out *o, const void *buf, size_t n);

/* Send the head if still pending and the chunked terminator; a stall or
 * drop placed exactly at the end of the body happens here. Always frees
 * the pending head. */
enum out_result out_finish(struct resp_out *o);

/* One-shot JSON response without faults, for built-in routes and errors. */
enum out_result resp_json(int fd, int status, const char *body,
                          bool keep_alive);

/* Make the next close() send a TCP reset instead of a FIN. */
void resp_reset_on_close(int fd);

/* Standard reason phrase for status ("Unknown" when we have none). */
const char *resp_reason(int status);

/* Sleep for ms milliseconds, restarting after signals. */
void sleep_ms(unsigned ms);

#endif
