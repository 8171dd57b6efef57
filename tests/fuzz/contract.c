/* contract.c - the ABI contract checks of the fuzz targets; see
 * contract.h. */
#include "contract.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../host-sample/event_sizes.h"
#include "../../plugin/core/utf8.h"

const char *const fz_secrets[] = {"sk-fuzz-key-0123456789abcdef",
                                  "fuzz-header-secret-value", NULL};

void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("contract broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

int fz_contains_secret(const void *data, size_t n, const char *const *secrets)
{
    for (size_t i = 0; secrets && secrets[i]; i++)
        if (memmem(data, n, secrets[i], strlen(secrets[i])))
            return 1;
    return 0;
}

void fz_check_text(const char *what, const char *s, size_t n,
                   const char *const *secrets)
{
    size_t bad = lp_utf8_bad(s, n);
    if (bad < n)
        fz_fail("%s is not UTF-8 at byte %zu of %zu", what, bad, n);
    if (fz_contains_secret(s, n, secrets))
        fz_fail("%s holds a secret: %.*s", what, (int)(n > 300 ? 300 : n), s);
}

void fz_check_field(const char *what, const char *s, size_t cap,
                    const char *const *secrets)
{
    const char *nul = memchr(s, '\0', cap);
    if (!nul)
        fz_fail("%s is not NUL-terminated within its %zu bytes", what, cap);
    fz_check_text(what, s, (size_t)(nul - s), secrets);
}

void fz_check_error(int rc, const mp_error *err, const char *const *secrets)
{
    if (!err)
        return;
    if (err->code != rc)
        fz_fail("err.code %d (%s) but the call returned %d (%s): %s",
                err->code, mp_errname(err->code), rc, mp_errname(rc),
                err->message);
    fz_check_field("err.message", err->message, sizeof err->message, secrets);
    fz_check_field("err.provider_code", err->provider_code,
                   sizeof err->provider_code, secrets);
    if (rc != MP_OK && !err->message[0])
        fz_fail("%s without a message", mp_errname(rc));
    if (rc > 0)
        fz_fail("a positive status %d", rc);
}

static void check_str(const fz_events *ev, const char *what, mp_str s)
{
    if (!s.ptr) {
        if (s.len)
            fz_fail("event %llu: %s is absent with len %zu",
                    (unsigned long long)ev->count, what, s.len);
        return;
    }
    if (s.ptr[s.len] != '\0')
        fz_fail("event %llu: %s is not NUL-terminated (ptr[%zu] is 0x%02x)",
                (unsigned long long)ev->count, what, s.len,
                (unsigned char)s.ptr[s.len]);
    /* Content is delivered as the model sent it, a secret in it too
     * (only messages are scrubbed). */
    fz_check_text(what, s.ptr, s.len, NULL);
}

/* The header: type, size and flags as the host's minor and batching
 * allow. */
static void check_header(fz_events *ev, const mp_event_header *h)
{
    unsigned long long n = (unsigned long long)ev->count;
    unsigned last_type = ev->minor >= 1 ? MP_EVENT_RESPONSE_INFO
                                        : MP_EVENT_METADATA;
    if (h->type < MP_EVENT_MESSAGE_START || h->type > last_type)
        fz_fail("event %llu: type %u for a host of minor %u", n, h->type,
                ev->minor);
    if (ev->minor == 0 && h->size != host_event_size(h->type, 0))
        fz_fail("event %llu (type %u): size %u for a minor-0 host, not its "
                "v1.0 size %zu", n, h->type, h->size,
                host_event_size(h->type, 0));
    if (ev->minor >= 1 && h->size < host_event_size(h->type, 1))
        fz_fail("event %llu (type %u): size %u below its 1.1 size %zu", n,
                h->type, h->size, host_event_size(h->type, 1));
    if (h->flags & ~MP_EVENT_FLAG_BATCH_END)
        fz_fail("event %llu: flags 0x%x, not defined in 1.1", n, h->flags);
    if (h->flags && !ev->batching)
        fz_fail("event %llu: flags 0x%x for a host of minor %u %s", n,
                h->flags, ev->minor,
                ev->minor ? "with batching off" : "(1.0 has no flags)");
    /* BATCH_END: "the last event the plugin made from the bytes at hand;
     * next it waits for the network (or stream() returns)". */
    if (ev->read_ended)
        fz_fail("event %llu (type %u) after a BATCH_END in the same read", n,
                h->type);
    if (h->flags & MP_EVENT_FLAG_BATCH_END)
        ev->read_ended = 1;
}

static void check_response_info(fz_events *ev,
                                 const mp_event_response_info *e)
{
    if (!ev->info)
        fz_fail("RESPONSE_INFO (event %llu) though the response had none",
                (unsigned long long)ev->count);
    if (ev->info_seen)
        fz_fail("a second RESPONSE_INFO");
    if (ev->last_type != MP_EVENT_MESSAGE_START)
        fz_fail("RESPONSE_INFO after event type %u, not right after "
                "MESSAGE_START", ev->last_type);
    ev->info_seen = 1;
    check_str(ev, "call_id", e->call_id);
    check_str(ev, "model_id", e->model_id);
    check_str(ev, "model_group", e->model_group);
    check_str(ev, "provider_request_id", e->provider_request_id);
    check_str(ev, "ratelimit_reset_requests", e->ratelimit_reset_requests);
    check_str(ev, "ratelimit_reset_tokens", e->ratelimit_reset_tokens);
    check_str(ev, "headers_json", e->headers_json);
}

static void check_metadata(const fz_events *ev, const mp_event_metadata *e)
{
    const int64_t counts[] = {e->input_tokens, e->output_tokens,
                              e->total_tokens, e->cache_read_input_tokens,
                              e->cache_write_input_tokens};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (counts[i] < -1)
            fz_fail("METADATA token count %zu is %lld", i,
                    (long long)counts[i]);
    if (e->cache_read_input_tokens == 0)
        fz_fail("METADATA cache_read_input_tokens 0 (-1 when absent or 0)");
    if (ev->minor < 1) {
        if (e->cache_write_input_tokens == 0)
            fz_fail("METADATA cache_write_input_tokens 0 for a minor-0 "
                    "host (1.0: -1 when absent or 0)");
        return;
    }
    if (e->reasoning_output_tokens < -1)
        fz_fail("METADATA reasoning_output_tokens %lld",
                (long long)e->reasoning_output_tokens);
    if (!(e->cost_usd >= 0) && !(e->cost_usd < 0))
        fz_fail("METADATA cost_usd is not a number");
    if (ev->info && ev->info->cost_usd >= 0 && !(e->cost_usd >= 0))
        fz_fail("METADATA cost_usd %g though the response headers said %g",
                e->cost_usd, ev->info->cost_usd);
}

static int on_event(void *ctx, const mp_event_header *h)
{
    fz_events *ev = ctx;
    ev->count++;
    unsigned long long n = (unsigned long long)ev->count;
    if (ev->cancelled)
        fz_fail("event %llu delivered after the callback asked to stop", n);
    check_header(ev, h);
    if (h->type != MP_EVENT_MESSAGE_START && !ev->started)
        fz_fail("event %llu (type %u) before MESSAGE_START", n, h->type);
    if (h->type != MP_EVENT_METADATA && ev->stopped)
        fz_fail("event %llu (type %u) after MESSAGE_STOP", n, h->type);
    /* "RESPONSE_INFO, when the plugin has one" comes right after
     * MESSAGE_START. */
    if (ev->minor >= 1 && ev->info &&
        ev->last_type == MP_EVENT_MESSAGE_START &&
        h->type != MP_EVENT_RESPONSE_INFO)
        fz_fail("event %llu (type %u) right after MESSAGE_START instead of "
                "the RESPONSE_INFO", n, h->type);
    switch (h->type) {
    case MP_EVENT_MESSAGE_START: {
        const mp_event_message_start *e = (const void *)h;
        if (ev->started)
            fz_fail("a second MESSAGE_START (event %llu)", n);
        if (e->role != MP_ROLE_ASSISTANT)
            fz_fail("MESSAGE_START role %u", e->role);
        ev->started = 1;
        break;
    }
    case MP_EVENT_BLOCK_START: {
        const mp_event_block_start *e = (const void *)h;
        if (ev->open_kind)
            fz_fail("BLOCK_START (event %llu) while block %u is open", n,
                    ev->next_block - 1);
        if (e->block_index != ev->next_block)
            fz_fail("BLOCK_START index %u, expected %u", e->block_index,
                    ev->next_block);
        if (e->kind < MP_BLOCK_TEXT || e->kind > MP_BLOCK_TOOL_USE)
            fz_fail("BLOCK_START kind %u", e->kind);
        check_str(ev, "tool_name", e->tool_name);
        check_str(ev, "tool_use_id", e->tool_use_id);
        check_str(ev, "reasoning_signature", e->reasoning_signature);
        if (e->kind == MP_BLOCK_TOOL_USE &&
            (!e->tool_name.len || !e->tool_use_id.ptr))
            fz_fail("a tool-use block without a name or id (event %llu)", n);
        if (e->kind != MP_BLOCK_TOOL_USE &&
            (e->tool_name.ptr || e->tool_use_id.ptr))
            fz_fail("a tool name or id on a block of kind %u", e->kind);
        ev->open_kind = (int)e->kind;
        ev->next_block++;
        break;
    }
    case MP_EVENT_BLOCK_DELTA: {
        const mp_event_block_delta *e = (const void *)h;
        if (!ev->open_kind)
            fz_fail("BLOCK_DELTA (event %llu) with no block open", n);
        if (e->block_index != ev->next_block - 1)
            fz_fail("BLOCK_DELTA index %u, open block %u", e->block_index,
                    ev->next_block - 1);
        /* The header says where each kind goes (1.1: citations in text
         * blocks, redacted reasoning in reasoning blocks). */
        int ok = (ev->open_kind == MP_BLOCK_TEXT &&
                  (e->kind == MP_DELTA_TEXT || e->kind == MP_DELTA_CITATION)) ||
                 (ev->open_kind == MP_BLOCK_REASONING &&
                  (e->kind == MP_DELTA_REASONING_TEXT ||
                   e->kind == MP_DELTA_REASONING_SIGNATURE ||
                   e->kind == MP_DELTA_REDACTED_REASONING)) ||
                 (ev->open_kind == MP_BLOCK_TOOL_USE &&
                  e->kind == MP_DELTA_TOOL_INPUT);
        if (!ok)
            fz_fail("a delta of kind %u in a block of kind %d", e->kind,
                    ev->open_kind);
        if (ev->minor == 0 && e->kind > MP_DELTA_TOOL_INPUT)
            fz_fail("a delta of kind %u (1.1) for a minor-0 host", e->kind);
        check_str(ev, "delta text", e->text);
        if (!e->text.ptr)
            fz_fail("a delta without text (event %llu)", n);
        break;
    }
    case MP_EVENT_BLOCK_STOP: {
        const mp_event_block_stop *e = (const void *)h;
        if (!ev->open_kind)
            fz_fail("BLOCK_STOP (event %llu) with no block open", n);
        if (e->block_index != ev->next_block - 1)
            fz_fail("BLOCK_STOP index %u, open block %u", e->block_index,
                    ev->next_block - 1);
        ev->open_kind = 0;
        break;
    }
    case MP_EVENT_MESSAGE_STOP: {
        const mp_event_message_stop *e = (const void *)h;
        if (ev->open_kind)
            fz_fail("MESSAGE_STOP with block %u open", ev->next_block - 1);
        if (e->stop_reason < MP_STOP_END_TURN ||
            e->stop_reason > MP_STOP_CANCELLED)
            fz_fail("stop reason %u", e->stop_reason);
        check_str(ev, "raw_finish_reason", e->raw_finish_reason);
        ev->stopped = 1;
        break;
    }
    case MP_EVENT_METADATA:
        if (!ev->stopped)
            fz_fail("METADATA before MESSAGE_STOP");
        if (ev->metadata)
            fz_fail("a second METADATA");
        check_metadata(ev, (const void *)h);
        ev->metadata = 1;
        break;
    case MP_EVENT_RESPONSE_INFO:
        check_response_info(ev, (const void *)h);
        break;
    }
    ev->last_type = h->type;
    ev->last_flags = h->flags;
    if (ev->cancel_at && ev->count == (uint64_t)ev->cancel_at) {
        ev->cancelled = 1;
        return 1;
    }
    return 0;
}

void fz_events_init(fz_events *ev, const char *const *secrets, int cancel_at)
{
    memset(ev, 0, sizeof *ev);
    ev->sink.struct_size = sizeof ev->sink;
    ev->sink.ctx = ev;
    ev->sink.on_event = on_event;
    ev->secrets = secrets;
    ev->cancel_at = cancel_at;
    ev->minor = 1;
}

void fz_events_host(fz_events *ev, uint32_t minor, int batching,
                    const mp_event_response_info *info)
{
    ev->minor = minor;
    ev->batching = batching && minor >= 1;
    ev->info = minor >= 1 ? info : NULL;
}

void fz_events_read_done(fz_events *ev, int rc)
{
    /* The read's events went out as soon as it was mapped, the last one
     * flagged (unless the mapping failed or the host stopped it). */
    if (ev->batching && rc == MP_OK && !ev->cancelled &&
        ev->count > ev->read_from &&
        !(ev->last_flags & MP_EVENT_FLAG_BATCH_END))
        fz_fail("the read's last event (%llu, type %u) without BATCH_END",
                (unsigned long long)ev->count, ev->last_type);
    ev->read_from = ev->count;
    ev->read_ended = 0;
}

void fz_events_done(const fz_events *ev, int rc, const mp_error *err,
                    int must_finish)
{
    fz_check_error(rc, err, ev->secrets);
    if (ev->cancelled && rc != MP_E_CANCELLED)
        fz_fail("the callback asked to stop, the call returned %s",
                mp_errname(rc));
    if (rc == MP_OK && must_finish && !ev->stopped)
        fz_fail("MP_OK without MESSAGE_STOP (%llu events): a partial "
                "answer reported as finished",
                (unsigned long long)ev->count);
    if (rc != MP_OK && ev->stopped &&
        (rc == MP_E_NETWORK || rc == MP_E_TIMEOUT))
        fz_fail("%s after MESSAGE_STOP (the message was complete)",
                mp_errname(rc));
    if (rc != MP_OK && !ev->stopped && ev->metadata)
        fz_fail("METADATA without MESSAGE_STOP");
    /* "The last event of a stream that returns MP_OK carries the flag." */
    if (rc == MP_OK && ev->batching && ev->count &&
        !(ev->last_flags & MP_EVENT_FLAG_BATCH_END))
        fz_fail("MP_OK, but the last event (%llu, type %u) has no BATCH_END",
                (unsigned long long)ev->count, ev->last_type);
}

void fz_log(void *ctx, int level, const char *message)
{
    if (level < MP_LOG_DEBUG)
        fz_fail("log level %d", level);
    if (!message)
        fz_fail("a NULL log message");
    fz_check_text("log message", message, strlen(message),
                  (const char *const *)ctx);
}
