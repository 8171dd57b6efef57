/*
 * errors_json.c - ABI 1.1's error helpers for hosts without the header's
 * inline functions (FFI): errname, strerror, and a host's mp_error as one
 * JSON object (error_to_json).  Only read the mp_error, within its
 * struct_size.
 */
#include <string.h>

#include "errors.h"
#include "json_writer.h"
#include "strbuf.h"
#include "utf8.h"

const char *lp_errname(int code)
{
    return mp_errname(code);
}

const char *lp_strerror(int code)
{
    return mp_strerror(code);
}

/* A string field of the host's struct: at most `cap` bytes, to its NUL,
 * cut before the first byte that is not UTF-8 (the plugin only writes
 * UTF-8; a host may have written anything). */
static size_t field_len(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return lp_utf8_bad(s, n);
}

int lp_error_to_json(const mp_error *err, mp_text_fn write, void *ctx)
{
    if (!err || !write || !LP_ERR_HAS(err, code))
        return MP_E_INVALID_ARGUMENT;
    strbuf sb;
    sb_init(&sb, (size_t)1 << 20);
    jw w;
    jw_init(&w, &sb);
    jw_object_open(&w);
    jw_key(&w, "code");
    jw_int(&w, err->code);
    jw_key(&w, "name");
    jw_cstring(&w, mp_errname(err->code));
    size_t room = lp_error_message_room(err);
    if (room) {
        jw_key(&w, "message");
        jw_string(&w, err->message, field_len(err->message, room));
    }
    if (LP_ERR_HAS(err, http_status)) {
        jw_key(&w, "httpStatus");
        jw_int(&w, err->http_status);
    }
    if (LP_ERR_HAS(err, retryable)) {
        jw_key(&w, "retryable");
        jw_bool(&w, err->retryable != 0);
    }
    if (LP_ERR_HAS(err, retry_after_ms) && err->retry_after_ms >= 0) {
        jw_key(&w, "retryAfterMs");
        jw_int(&w, err->retry_after_ms);
    }
    if (LP_ERR_HAS(err, provider_code) && err->provider_code[0]) {
        jw_key(&w, "providerCode");
        jw_string(&w, err->provider_code,
                  field_len(err->provider_code, sizeof err->provider_code));
    }
    jw_object_close(&w);
    int rc = jw_status(&w);
    if (!rc && write(ctx, sb.data, sb.len))
        rc = MP_E_CANCELLED;
    sb_free(&sb);
    return rc;
}
