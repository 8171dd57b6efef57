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

/* 1 for the 64 characters of the standard alphabet. */
static const unsigned char b64_char[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['/'] = 1,
};

int rq_base64_valid(const char *s, size_t len, size_t *bad_at)
{
    size_t pad = 0;
    /* At most two '=' and only at the very end. */
    if (len >= 1 && s[len - 1] == '=')
        pad = (len >= 2 && s[len - 2] == '=') ? 2 : 1;
    size_t body = len - pad;
    const unsigned char *u = (const unsigned char *)s;
    /* Images are megabytes of this: the table is ANDed over blocks of 32
     * and a block is looked at byte by byte only when it holds a stranger. */
    size_t i = 0;
    for (; i + 32 <= body; i += 32) {
        unsigned all = 1;
        for (size_t j = 0; j < 32; j++)
            all &= b64_char[u[i + j]];
        if (!all)
            break;
    }
    for (; i < body; i++) {
        if (!b64_char[u[i]]) {
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
