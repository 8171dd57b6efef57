/*
 * utf8.h - the plugin's one notion of UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), for checking text before it
 * reaches the host and for cutting text without splitting a character.
 *
 * The cutting helpers are static inline so that code shared with the
 * replay provider (errors.c, log.c) can use them without linking utf8.c.
 *
 * Thread: pure, [any-thread].
 */
#ifndef LP_UTF8_H
#define LP_UTF8_H

#include <stddef.h>
#include <string.h>

/* The offset of the first byte of s[0..n) that does not belong to a
 * well-formed character, or n when all of it is UTF-8.  Fast on ASCII. */
size_t lp_utf8_bad(const char *s, size_t n);

static inline int lp_utf8_valid(const char *s, size_t n)
{
    return lp_utf8_bad(s, n) == n;
}

/* In place: every byte of s[0..n) that starts no well-formed character
 * becomes '?', so text from a server (an event name, an id) can be quoted
 * in a message that promises UTF-8 and keep its readable part. */
void lp_utf8_mend(char *s, size_t n);

/* Characters (code points) in UTF-8 text: the bytes that are not
 * continuation bytes. */
size_t lp_utf8_count(const char *s, size_t n);

/* The length of s[0..n) without a character cut short at its end: when
 * the text was truncated inside a multi-byte character, the lead byte and
 * the continuation bytes that made it are dropped.  Needs only the text
 * before the cut, so it also repairs what snprintf already truncated.
 * Anything else (complete text, or bytes that are not UTF-8 anyway) is
 * left as it is. */
static inline size_t lp_utf8_whole(const char *s, size_t n)
{
    size_t lead = n, cont = 0;
    while (lead > 0 && cont < 3 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--, cont++;
    if (lead == 0)
        return n;
    unsigned char c = (unsigned char)s[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return cont + 1 < need ? lead - 1 : n;
}

/* For "%.*s": the bytes of NUL-terminated `s` to print so that at most
 * `max` are printed and no character is split. */
static inline int lp_utf8_prec(const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max) : 0;
    return (int)lp_utf8_whole(s, n);
}

#endif
