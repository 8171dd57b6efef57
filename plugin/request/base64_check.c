/*
 * base64_check.c - is a string standard base64, and its bytes (see
 * request_internal.h).
 *
 * Media bytes cross the ABI as base64 text and mostly go into the body
 * unchanged (a data URL, Anthropic's base64 sources), so a scan is enough
 * and costs no copy.  A few wire forms want the bytes themselves (a text
 * document sent as text, Anthropic's redacted thinking string): those
 * decode.
 */
#include <stdint.h>

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

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

int rq_base64_decode(const char *s, size_t len, strbuf *out)
{
    int rc = sb_reserve(out, len / 4 * 3 + 1);
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            break; /* '=' padding: the end */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            rc = sb_appendc(out, (char)((acc >> bits) & 0xFF));
        }
    }
    return rc;
}
