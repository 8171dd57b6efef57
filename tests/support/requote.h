/*
 * requote.h - test JSON written with another quote character (' or `) so
 * that it reads without backslashes, turned back into real JSON.
 *
 * No cmocka here (the benchmarks link tests/support too): a text too long
 * for the buffers is a mistake in the test itself, reported on stderr
 * before the program aborts.
 */
#ifndef TEST_REQUOTE_H
#define TEST_REQUOTE_H

#include <stddef.h>

/* Longest text requote() takes, its NUL excluded. */
#define REQUOTE_MAX 65535

/* `text` with every `quote` character replaced by '"'.  The result lives
 * in one of 8 static buffers used in turn, so it stays valid through the
 * next 7 calls (enough for the arguments of one assertion); not
 * thread-safe.  Aborts when `text` is longer than REQUOTE_MAX. */
const char *requote(const char *text, char quote);

#endif
