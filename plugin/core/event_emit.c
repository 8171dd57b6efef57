/* event_emit.c - typed events to the host's sink; see event_emit.h. */
#include "event_emit.h"

#include <string.h>

#include "errors.h"

/* A held event's strings can be as long as a response (one huge delta). */
#define HELD_TEXT_MAX (((size_t)1 << 62))

void ev_init(ev_emitter *em, const mp_event_sink *sink)
{
    memset(em, 0, sizeof *em);
    em->sink = sink;
    em->minor = MP_ABI_MINOR;
    sb_init(&em->held_text, HELD_TEXT_MAX);
}

void ev_free(ev_emitter *em)
{
    sb_free(&em->held_text);
    em->holding = 0;
}

void ev_set_host_minor(ev_emitter *em, uint32_t minor, const lp_logger *log)
{
    em->minor = minor;
    em->log = log;
    if (minor == 0)
        em->batching = 0;
}

void ev_set_batching(ev_emitter *em, int on)
{
    em->batching = on && em->minor >= 1;
}

void ev_set_response_info(ev_emitter *em, const mp_event_response_info *info)
{
    em->info = info;
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

/* Hand one finished event to the host. */
static int hand_over(ev_emitter *em, const mp_event_header *hdr)
{
    if (em->status)
        return em->status;
    if (ev_cancel_called(em))
        return em->status = MP_E_CANCELLED;
    em->delivered++;
    if (em->sink && em->sink->on_event && em->sink->on_event(em->sink->ctx, hdr))
        em->status = MP_E_CANCELLED;
    return em->status;
}

/* The strings of an event, to copy when it is held. */
static size_t strings_of(ev_any *ev, mp_str **out)
{
    size_t n = 0;
    switch (ev->hdr.type) {
    case MP_EVENT_BLOCK_START:
        out[n++] = &ev->block_start.tool_name;
        out[n++] = &ev->block_start.tool_use_id;
        out[n++] = &ev->block_start.reasoning_signature;
        break;
    case MP_EVENT_BLOCK_DELTA:
        out[n++] = &ev->block_delta.text;
        break;
    case MP_EVENT_MESSAGE_STOP:
        out[n++] = &ev->message_stop.raw_finish_reason;
        break;
    case MP_EVENT_RESPONSE_INFO:
        out[n++] = &ev->response_info.call_id;
        out[n++] = &ev->response_info.model_id;
        out[n++] = &ev->response_info.model_group;
        out[n++] = &ev->response_info.provider_request_id;
        out[n++] = &ev->response_info.ratelimit_reset_requests;
        out[n++] = &ev->response_info.ratelimit_reset_tokens;
        out[n++] = &ev->response_info.headers_json;
        break;
    }
    return n;
}

/* Keep a copy of `hdr` (and of its strings: they belong to the caller)
 * until the next event or ev_batch_end. */
static int hold(ev_emitter *em, const mp_event_header *hdr)
{
    memcpy(&em->held, hdr, hdr->size);
    mp_str *strs[8];
    size_t n = strings_of(&em->held, strs), need = 0;
    for (size_t i = 0; i < n; i++)
        need += strs[i]->ptr ? strs[i]->len + 1 : 0;
    sb_reset(&em->held_text);
    if (need && sb_reserve(&em->held_text, need))
        return em->status = MP_E_NO_MEMORY;
    /* Room was made at once, so the copies below never move. */
    for (size_t i = 0; i < n; i++) {
        if (!strs[i]->ptr)
            continue;
        char *at = em->held_text.data + em->held_text.len;
        sb_append(&em->held_text, strs[i]->ptr, strs[i]->len);
        sb_appendc(&em->held_text, '\0');
        strs[i]->ptr = at;
    }
    em->holding = 1;
    return MP_OK;
}

static int deliver(ev_emitter *em, mp_event_header *hdr, size_t size, int type)
{
    if (em->status)
        return em->status;
    hdr->size = (uint32_t)size;
    hdr->type = (uint16_t)type;
    hdr->flags = 0;
    if (!em->batching)
        return hand_over(em, hdr);
    if (em->holding) {
        em->holding = 0;
        if (hand_over(em, &em->held.hdr))
            return em->status;
    }
    return hold(em, hdr);
}

int ev_batch_end(ev_emitter *em)
{
    if (!em->holding)
        return em->status;
    em->holding = 0;
    em->held.hdr.flags |= MP_EVENT_FLAG_BATCH_END;
    return hand_over(em, &em->held.hdr);
}

/* The size a host of the emitter's minor gets for an event whose v1.0
 * struct ended at `v10`. */
static size_t sized(const ev_emitter *em, size_t full, size_t v10)
{
    return em->minor >= 1 ? full : v10;
}

static int response_info(ev_emitter *em)
{
    if (!em->info || em->minor < 1)
        return em->status;
    mp_event_response_info ev = *em->info;
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_RESPONSE_INFO);
}

int ev_message_start(ev_emitter *em)
{
    mp_event_message_start ev;
    memset(&ev, 0, sizeof ev);
    ev.role = MP_ROLE_ASSISTANT;
    int rc = deliver(em, &ev.hdr, sizeof ev, MP_EVENT_MESSAGE_START);
    return rc ? rc : response_info(em);
}

static int deliver_block_start(ev_emitter *em, int kind,
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
    return deliver(em, &ev.hdr, sizeof ev, MP_EVENT_BLOCK_START);
}

int ev_block_start(ev_emitter *em, int kind,
                   const char *tool_name, size_t name_len,
                   const char *tool_use_id, size_t id_len,
                   const char *signature, size_t sig_len)
{
    em->open_kind = kind;
    em->leaving_out = 0;
    /* A minor-0 host must not see a block that turns out to be redacted
     * reasoning, and only its first delta tells; a reasoning start has no
     * strings, so holding it costs nothing. */
    if (em->minor == 0 && kind == MP_BLOCK_REASONING) {
        em->start_held = 1;
        return em->status;
    }
    em->start_held = 0;
    return deliver_block_start(em, kind, tool_name, name_len, tool_use_id,
                               id_len, signature, sig_len);
}

static int release_held_start(ev_emitter *em)
{
    if (!em->start_held)
        return em->status;
    em->start_held = 0;
    return deliver_block_start(em, MP_BLOCK_REASONING, NULL, 0, NULL, 0, NULL, 0);
}

/* What a minor-0 host gets of a 1.1 delta kind: nothing.  Returns 1 when
 * the delta is left out. */
static int left_out_for_v10(ev_emitter *em, int delta_kind)
{
    if (em->minor >= 1)
        return 0;
    if (em->leaving_out)
        return 1;
    if (delta_kind == MP_DELTA_REDACTED_REASONING) {
        if (em->start_held) { /* the whole block goes: no index used */
            em->start_held = 0;
            em->leaving_out = 1;
            lp_log(em->log, MP_LOG_WARN, "a redacted reasoning block was left "
                   "out: the host speaks ABI 1.0, which cannot carry it (a "
                   "host of ABI 1.1 keeps it to send back)");
        } else {
            lp_log(em->log, MP_LOG_WARN, "redacted reasoning inside a "
                   "reasoning block was left out: the host speaks ABI 1.0");
        }
        return 1;
    }
    if (delta_kind == MP_DELTA_CITATION) {
        if (!em->citation_warned)
            lp_log(em->log, MP_LOG_WARN, "citations were left out: the host "
                   "speaks ABI 1.0 (the cited text still arrives as text)");
        em->citation_warned = 1;
        return 1;
    }
    return 0;
}

int ev_block_delta(ev_emitter *em, int delta_kind, const char *text,
                   size_t len)
{
    if (em->status)
        return em->status;
    if (left_out_for_v10(em, delta_kind))
        return em->status;
    if (release_held_start(em))
        return em->status;
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
    em->open_kind = 0;
    if (em->leaving_out) {
        em->leaving_out = 0;
        return em->status;
    }
    if (release_held_start(em))
        return em->status;
    mp_event_block_stop ev;
    memset(&ev, 0, sizeof ev);
    ev.block_index = em->next_block - 1;
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
    /* The wire's own figure wins; the gateway's header is the fallback. */
    if (!(ev.cost_usd >= 0) && em->info && em->info->cost_usd >= 0)
        ev.cost_usd = em->info->cost_usd;
    if (!(ev.cost_usd >= 0))
        ev.cost_usd = -1;
    /* 1.0 said "-1 when absent or 0"; the reported 0 (1.1, as the
     * reference) is for hosts that know the newer rule. */
    if (em->minor == 0 && ev.cache_write_input_tokens == 0)
        ev.cache_write_input_tokens = -1;
    return deliver(em, &ev.hdr,
                   sized(em, sizeof ev,
                         LP_V10_SIZE(mp_event_metadata, time_to_first_byte_ms)),
                   MP_EVENT_METADATA);
}
