/*
 * secret_echo.h - a server body that echoes a secret many times, for the
 * scrub-before-cut tests of both wire formats' error classifiers.
 *
 * The copies shrink to "<redacted>" in the message, which brings the copy
 * cut at the kept message's end (8 KiB of the server's text) into the
 * visible message; `pad` bytes before the first copy move that cut
 * through every offset of the secret.
 */
#ifndef TESTS_SUPPORT_SECRET_ECHO_H
#define TESTS_SUPPORT_SECRET_ECHO_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_SECRET "gw-tok-0123456789abcdefghijklmnopqrstuvwxyz-0123456789ABCDEFGHIJ"

/* HEAD, `pad` x's, enough copies of ECHO_SECRET to pass 8 KiB, TAIL;
 * malloc'd, the caller frees it. */
static inline char *echo_body(size_t pad, const char *head, const char *tail)
{
    size_t n = strlen(ECHO_SECRET), copies = 9000 / (n + 1) + 2;
    char *b = malloc(strlen(head) + pad + copies * (n + 1) + strlen(tail) + 1);
    if (!b)
        abort();
    size_t at = (size_t)sprintf(b, "%s", head);
    memset(b + at, 'x', pad);
    at += pad;
    for (size_t i = 0; i < copies; i++)
        at += (size_t)sprintf(b + at, "%s ", ECHO_SECRET);
    sprintf(b + at, "%s", tail);
    return b;
}

#endif
