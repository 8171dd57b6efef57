/* contract.c - the ABI contract checks of the fuzz targets; see
 * contract.h. */
#include "contract.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int on_event(void *ctx, const mp_event_header *h)
{
    fz_events *ev = ctx;
    ev->count++;
    unsigned long long n = (unsigned long long)ev->count;
    if (ev->cancelled)
        fz_fail("event %llu delivered after the callback asked to stop", n);
    if (h->flags != 0)
        fz_fail("event %llu: flags %u", n, h->flags);
    static const size_t sizes[] = {
        0, sizeof(mp_event_message_start), sizeof(mp_event_block_start),
        sizeof(mp_event_block_delta), sizeof(mp_event_block_stop),
        sizeof(mp_event_message_stop), sizeof(mp_event_metadata)};
    if (h->type < 1 || h->type > 6)
        fz_fail("event %llu: unknown type %u", n, h->type);
    if (h->size < sizes[h->type])
        fz_fail("event %llu: size %u below the v1.0 struct", n, h->size);
    if (h->type != MP_EVENT_MESSAGE_START && !ev->started)
        fz_fail("event %llu (type %u) before MESSAGE_START", n, h->type);
    if (h->type != MP_EVENT_METADATA && ev->stopped)
        fz_fail("event %llu (type %u) after MESSAGE_STOP", n, h->type);
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
        ev->metadata = 1;
        break;
    }
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
