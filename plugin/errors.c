/* errors.c - filling the host's mp_error safely; see errors.h. */
#include "errors.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Bytes of the message field available in the host's struct. */
size_t lp_error_message_room(const mp_error *err)
{
    size_t off = offsetof(mp_error, message);
    if (!err || err->struct_size <= off)
        return 0;
    size_t room = err->struct_size - off;
    return room < MP_ERROR_MESSAGE_MAX ? room : MP_ERROR_MESSAGE_MAX;
}

void lp_error_clear(mp_error *err)
{
    if (LP_ERR_HAS(err, code))
        err->code = MP_OK;
    if (LP_ERR_HAS(err, http_status))
        err->http_status = 0;
    if (LP_ERR_HAS(err, retryable))
        err->retryable = 0;
    if (LP_ERR_HAS(err, retry_after_ms))
        err->retry_after_ms = -1;
    if (LP_ERR_HAS(err, provider_code))
        err->provider_code[0] = '\0';
    if (lp_error_message_room(err))
        err->message[0] = '\0';
}

int lp_fail(mp_error *err, int code, const char *fmt, ...)
{
    if (LP_ERR_HAS(err, code))
        err->code = code;
    size_t room = lp_error_message_room(err);
    if (room) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, room, fmt, ap);
        va_end(ap);
    }
    return code;
}

void lp_error_http(mp_error *err, int http_status, int retryable,
                   int64_t retry_after_ms, const char *provider_code)
{
    if (LP_ERR_HAS(err, http_status))
        err->http_status = http_status;
    if (LP_ERR_HAS(err, retryable))
        err->retryable = retryable;
    if (LP_ERR_HAS(err, retry_after_ms))
        err->retry_after_ms = retry_after_ms;
    if (LP_ERR_HAS(err, provider_code)) {
        snprintf(err->provider_code, sizeof err->provider_code, "%s",
                 provider_code ? provider_code : "");
    }
}

void lp_error_prefix(mp_error *err, const char *what)
{
    size_t room = lp_error_message_room(err);
    if (!room)
        return;
    /* Build "what: old" in a scratch buffer, then copy back truncated. */
    char old[MP_ERROR_MESSAGE_MAX];
    memcpy(old, err->message, room);
    old[room - 1] = '\0';
    size_t wl = strlen(what);
    size_t n = 0;
    for (size_t i = 0; i < wl && n + 1 < room; i++)
        err->message[n++] = what[i];
    for (const char *p = ": "; *p && n + 1 < room; p++)
        err->message[n++] = *p;
    for (const char *p = old; *p && n + 1 < room; p++)
        err->message[n++] = *p;
    err->message[n] = '\0';
}
