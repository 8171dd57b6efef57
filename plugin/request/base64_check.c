/*
 * base64_check.c - is a string standard base64?  (see request_internal.h)
 *
 * Media bytes cross the ABI as base64 text and go into the body unchanged
 * inside a data URL, so the plugin never decodes them; it only has to be
 * sure the server will be able to.  A scan is enough and costs no copy.
 */
#include "request_internal.h"

static int is_b64_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
}

int rq_base64_valid(const char *s, size_t len, size_t *bad_at)
{
    size_t pad = 0;
    /* At most two '=' and only at the very end. */
    if (len >= 1 && s[len - 1] == '=')
        pad = (len >= 2 && s[len - 2] == '=') ? 2 : 1;
    size_t body = len - pad;
    for (size_t i = 0; i < body; i++) {
        if (!is_b64_char((unsigned char)s[i])) {
            *bad_at = i;
            return 0;
        }
    }
    if (len % 4 != 0) {
        /* Unpadded or truncated: the text ends in the middle of a group. */
        *bad_at = len;
        return 0;
    }
    return 1;
}
