/* model_call.c - one stream() call; see model_call.h. */
#include "model_call.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "request_log.h"

typedef struct call_ctx {
    const mp_provider_v1 *desc;
    msg_assembler *a;
    call_output *out;
    int batched;      /* the plugin flags the end of each read (ABI 1.1) */
    int unflushed;    /* text written since the last flush             */
} call_ctx;

/* Push the echoed text out, so it appears as it arrives. */
static void flush_text(call_ctx *c)
{
    if (!c->unflushed)
        return;
    c->unflushed = 0;
    if (fflush(c->out->text) != 0 && !c->out->text_errno)
        c->out->text_errno = errno;
}

static int write_file(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : 1;
}

/* The event callback: runs on this thread, inside stream() (MP_PLUGIN_10);
 * everything it receives is borrowed until it returns. */
static int on_event(void *ctx, const mp_event_header *ev)
{
    call_ctx *c = ctx;
    if (c->out->events) {
        mp_text_sink sink = {sizeof sink, c->out->events, write_file};
        if (c->desc->event_to_json(ev, &sink) == MP_OK)
            fputc('\n', c->out->events);
    }
    if (c->out->text && ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind == MP_DELTA_TEXT && d->text.ptr && d->text.len) {
            fwrite(d->text.ptr, 1, d->text.len, c->out->text);
            c->out->text_printed = c->unflushed = 1;
        }
    }
    /* A 1.1 plugin says when the bytes of a network read are used up:
     * one flush (one write) per read instead of one per delta, and the
     * text still appears as it arrives.  A 1.0 plugin never says, so each
     * delta is flushed. */
    if (c->out->text && (!c->batched || (ev->flags & MP_EVENT_FLAG_BATCH_END)))
        flush_text(c);
    /* A non-zero return cancels the stream; a broken event stops it, and
     * so does a cancel requested before the plugin's own cancel() could
     * reach this call (cancel_point.h). */
    if (c->out->cancel && cp_requested(c->out->cancel))
        return 1;
    return asm_on_event(c->a, ev) != 0;
}

int model_call(prov_slot *slot, const char *request_json, msg_assembler *a,
               call_output *out, mp_error *err)
{
    prov_lease lease;
    prov_acquire(slot, &lease);
    call_ctx c = {lease.mod->desc, a, out, hp_speaks_1_1(lease.mod), 0};
    mp_event_sink sink = {sizeof sink, &c, on_event};
    int rc;
    if (out->cancel && cp_enter(out->cancel, lease.mod->desc, lease.inst)) {
        rc = MP_E_CANCELLED; /* cancelled before it began: not sent */
        snprintf(err->message, sizeof err->message, "cancelled");
        err->code = rc;
    } else {
        rc = lease.mod->desc->stream(lease.inst, request_json,
                                     strlen(request_json), &sink, err);
        if (out->cancel)
            cp_leave(out->cancel);
        request_log(request_json, (size_t)-1, rc);
    }
    prov_release(&lease);
    if (out->text)
        flush_text(&c); /* after an error or a cancel no flag came */
    if (out->events && fflush(out->events) != 0 && !out->events_errno)
        out->events_errno = errno;
    if (a->failed) {
        snprintf(err->message, sizeof err->message, "the provider sent an "
                 "event the host cannot assemble (malformed or out of memory)");
        err->code = rc = MP_E_PROTOCOL;
    } else if (rc == MP_OK && !asm_stop_reason(a)) {
        snprintf(err->message, sizeof err->message, "the stream ended "
                 "without a messageStop event");
        err->code = rc = MP_E_PROTOCOL;
    }
    return rc;
}

char *model_request(json_object *conv, json_object *specs, const char *system)
{
    json_object *req = json_object_new_object();
    if (!req)
        return NULL;
    json_object_object_add(req, "messages", json_object_get(conv));
    if (specs && json_object_array_length(specs) > 0)
        json_object_object_add(req, "tool_specs", json_object_get(specs));
    if (system)
        json_object_object_add(req, "system_prompt", json_object_new_string(system));
    const char *text = json_object_to_json_string_ext(
        req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = text ? strdup(text) : NULL;
    json_object_put(req);
    return copy;
}
