/* errors.c - filling the host's mp_error safely; see errors.h. */
#include "errors.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

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

size_t lp_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, cap, fmt, ap);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    if ((size_t)n < cap)
        return (size_t)n;
    size_t len = lp_utf8_whole(buf, cap - 1);
    buf[len] = '\0';
    return len;
}

size_t lp_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t len = lp_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return len;
}

int lp_fail(mp_error *err, int code, const char *fmt, ...)
{
    if (LP_ERR_HAS(err, code))
        err->code = code;
    size_t room = lp_error_message_room(err);
    if (room) {
        va_list ap;
        va_start(ap, fmt);
        size_t len = lp_vformat(err->message, room, fmt, ap);
        va_end(ap);
        /* The message promises UTF-8 whatever a server's text quoted in
         * it holds. */
        lp_utf8_mend(err->message, len);
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
    if (LP_ERR_HAS(err, provider_code))
        lp_format(err->provider_code, sizeof err->provider_code, "%s",
                  provider_code ? provider_code : "");
}

void lp_error_append(mp_error *err, const char *suffix)
{
    size_t room = lp_error_message_room(err);
    if (!room)
        return;
    size_t have = strnlen(err->message, room - 1);
    size_t add = strlen(suffix);
    if (add + 4 > room - 1) { /* the suffix alone does not fit: cut it */
        lp_format(err->message + have, room - have, "%s", suffix);
        lp_utf8_mend(err->message + have, strlen(err->message + have));
        return;
    }
    if (have + add > room - 1) {
        size_t keep = lp_utf8_whole(err->message, room - 1 - add - 3);
        memcpy(err->message + keep, "...", 3);
        have = keep + 3;
    }
    memcpy(err->message + have, suffix, add + 1);
    lp_utf8_mend(err->message + have, add);
}
