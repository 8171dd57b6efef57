/* serve.c - send a scenario's scripted response.
 *
 * Framing is chosen here: JSON bodies carry Content-Length; SSE bodies are
 * chunked so the connection can be reused, unless the scenario asks for
 * `close: true` or the client speaks HTTP/1.0, where the body ends at close.
 */
#include "http_request.h"
#include "http_response.h"
#include "scenario.h"
#include "server.h"
#include "sse_gen.h"

#include <stdlib.h>

/* pace_ms > 0: one write per event with a pause between events, so the
 * client's SSE parser sees them arrive separately. */
static enum out_result paced_body(struct resp_out *o,
                                  const struct scenario *sc)
{
    size_t start = 0;

    for (size_t i = 0; i < sc->n_events; i++) {
        enum out_result r;
        if (i > 0)
            sleep_ms(sc->pace_ms);
        r = out_write(o, sc->body + start, sc->event_end[i] - start);
        if (r != OUT_OK)
            return r;
        start = sc->event_end[i];
    }
    return OUT_OK;
}

enum conn_next serve_scenario(struct server *srv, struct conn_reader *r,
                              const struct request *req,
                              const struct scenario *sc, const char *model)
{
    bool keep = req->keep_alive && !sc->close;
    enum framing framing;
    struct resp_out o;
    enum out_result res;

    (void)srv;
    if (sc->no_response) {
        /* Hold the socket open without a byte until the client gives up;
         * the process exiting also ends this. */
        rd_drain(r);
        return CONN_CLOSE;
    }
    if (sc->status == 204 || sc->status == 304)
        framing = FRAME_NONE;
    else if (!sc->sse)
        framing = FRAME_LENGTH;
    else if (sc->close || req->minor == 0)
        framing = FRAME_CLOSE;
    else
        framing = FRAME_CHUNKED;
    if (framing == FRAME_CLOSE)
        keep = false;

    if (out_begin(&o, r->fd, sc, sc->status,
                  sc->sse ? "text/event-stream" : "application/json", framing,
                  sc->body_len, keep) != 0)
        return CONN_CLOSE;
    if (framing == FRAME_NONE)
        res = OUT_OK;
    else if (sc->generate_chunks >= 0)
        res = gen_stream(&o, sc, model, is_messages_path(req->target));
    else if (sc->sse && sc->pace_ms)
        res = paced_body(&o, sc);
    else
        res = out_write(&o, sc->body, sc->body_len);
    if (res == OUT_OK)
        res = out_finish(&o);
    else
        free(o.pending);
    if (res == OUT_DROPPED)
        return CONN_RESET;
    if (res != OUT_OK)
        return CONN_CLOSE;
    return keep ? CONN_KEEP : CONN_CLOSE;
}
