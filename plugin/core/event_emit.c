/* event_emit.c - typed events to the host's sink; see event_emit.h. */
#include "event_emit.h"

#include <string.h>

void ev_init(ev_emitter *em, const mp_event_sink *sink)
{
    memset(em, 0, sizeof *em);
    em->sink = sink;
}

void ev_watch_cancel(ev_emitter *em, const atomic_int *flag)
{
    em->cancel_flag = flag;
}

int ev_cancel_called(const ev_emitter *em)
{
    return em->cancel_flag &&
           atomic_load_explicit(em->cancel_flag, memory_order_relaxed);
}

static mp_str str_of(const char *p, size_t n)
{
    mp_str s = {p, p ? n : 0};
    return s;
}

static int deliver(ev_emitter *em, mp_event_header *hdr, size_t size, int type)
{
    if (em->status)
        return em->status;
    if (ev_cancel_called(em))
        return em->status = MP_E_CANCELLED;
    hdr->size = (uint32_t)size;
    hdr->type = (uint16_t)type;
    hdr->flags = 0;
    em->delivered++;
    if (em->sink && em->sink->on_event && em->sink->on_event(em->sink->ctx, hdr))
        em->status = MP_E_CANCELLED;
    return em->status;
}

int ev_message_start(ev_emitter *em)
{
    mp_event_message_start ev;
    memset(&ev, 0, sizeof ev);
    ev.role = MP_ROLE_ASSISTANT;
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_MESSAGE_START);
}

int ev_block_start(ev_emitter *em, int kind,
                   const char *tool_name, size_t name_len,
                   const char *tool_use_id, size_t id_len,
                   const char *signature, size_t sig_len)
{
    mp_event_block_start ev;
    memset(&ev, 0, sizeof ev);
    ev.block_index = em->next_block++;
    ev.kind = (uint32_t)kind;
    ev.tool_name = str_of(tool_name, name_len);
    ev.tool_use_id = str_of(tool_use_id, id_len);
    ev.reasoning_signature = str_of(signature, sig_len);
    em->open_kind = kind;
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_BLOCK_START);
}

int ev_block_delta(ev_emitter *em, int delta_kind, const char *text,
                   size_t len)
{
    mp_event_block_delta ev;
    memset(&ev, 0, sizeof ev);
    ev.block_index = em->next_block ? em->next_block - 1 : 0;
    ev.kind = (uint32_t)delta_kind;
    ev.text = str_of(text ? text : "", len);
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_BLOCK_DELTA);
}

int ev_block_stop(ev_emitter *em)
{
    if (!em->open_kind)
        return em->status;
    mp_event_block_stop ev;
    memset(&ev, 0, sizeof ev);
    ev.block_index = em->next_block - 1;
    em->open_kind = 0;
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_BLOCK_STOP);
}

int ev_message_stop(ev_emitter *em, int stop_reason, const char *raw,
                    size_t raw_len)
{
    mp_event_message_stop ev;
    memset(&ev, 0, sizeof ev);
    ev.stop_reason = (uint32_t)stop_reason;
    ev.raw_finish_reason = str_of(raw, raw_len);
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_MESSAGE_STOP);
}

int ev_metadata(ev_emitter *em, const mp_event_metadata *m)
{
    mp_event_metadata ev = *m;
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_METADATA);
}
