/*
 * op_stream_json.c - stream_json() (ABI 1.1): stream() with each event
 * handed over as its Strands StreamEvent JSON line, and optionally added
 * to a host's accumulator, so a host in another language needs no event
 * struct.  It is stream() of this header's minor with an event sink of its
 * own; everything else (request, errors, cancel, batching) is stream()'s.
 */
#include <string.h>

#include "accumulator.h"
#include "errors.h"
#include "event_json.h"
#include "instance.h"
#include "strbuf.h"

typedef struct line_sink {
    mp_line_fn on_line;
    void *ctx;
    mp_accumulator *acc;
    strbuf line;       /* reused for every event                       */
    int failed;        /* our own failure (not the host's cancel), or 0 */
    int failed_type;   /* the event it happened on                     */
} line_sink;

static int on_event(void *ctx, const mp_event_header *ev)
{
    line_sink *s = ctx;
    if (s->acc) {
        int rc = lp_acc_add(s->acc, ev);
        if (rc) {
            s->failed = rc;
            s->failed_type = ev->type;
            return 1;
        }
    }
    if (!s->on_line)
        return 0;
    sb_reset(&s->line);
    int rc = lp_event_to_json(ev, &s->line);
    if (!rc)
        rc = sb_appendc(&s->line, '\n');
    if (rc) {
        s->failed = rc == MP_E_PROTOCOL ? MP_E_NO_MEMORY : rc;
        s->failed_type = ev->type;
        return 1;
    }
    return s->on_line(s->ctx, s->line.data, s->line.len, ev->flags) != 0;
}

int lp_op_stream_json(mp_instance *inst, const char *request_json, size_t len,
                      mp_line_fn on_line, void *ctx, mp_accumulator *acc,
                      mp_error *err)
{
    lp_error_clear(err);
    if (!on_line && !acc)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "stream_json: on_line and "
                       "acc are both NULL: nothing would receive the events");
    line_sink s = {.on_line = on_line, .ctx = ctx, .acc = acc};
    sb_init(&s.line, (size_t)1 << 40);
    mp_event_sink sink = {sizeof sink, &s, on_event};
    int rc = lp_op_stream(inst, request_json, len, &sink, err);
    if (s.failed) {
        lp_error_clear(err);
        rc = s.failed == MP_E_NO_MEMORY
                 ? lp_fail(err, MP_E_NO_MEMORY, "stream_json: out of memory "
                           "handling event type %d", s.failed_type)
                 : lp_fail(err, MP_E_INTERNAL, "stream_json: event type %d "
                           "could not be rendered or accumulated (%s); "
                           "please report", s.failed_type, mp_errname(s.failed));
    }
    sb_free(&s.line);
    return rc;
}
