/*
 * json_same.h - does the plugin's JSON reader (plugin/core/json_reader.h)
 * read a text as json-c does?  For the differential tests and the
 * json_reader fuzz target.
 */
#ifndef TEST_JSON_SAME_H
#define TEST_JSON_SAME_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../plugin/core/json_reader.h"

/* 1 when `a` (the reader's) and `b` (json-c's) hold the same value: same
 * types, numbers, string bytes, elements, and for objects the same names
 * with the last value of each.  Otherwise 0, and `why` (of `n` bytes)
 * names the first difference. */
int js_same(const jr_val *a, json_object *b, char *why, size_t n);

/* Parses s[0..len) with both readers, as the plugin set them up (json-c
 * strict, depth `depth`), and compares.  Returns 1 when both read the
 * same value (and every value's span, read alone, is that value again)
 * or both refuse the text; 0 with `why` otherwise.  Not differences:
 * the spellings json_reader.h lists as refused on purpose, a number or
 * literal at the very end (which json-c cannot finish), and a depth
 * refusal by either when the text nests to the limit (json-c counts the
 * innermost scalar as a level, the reader only containers). */
int js_same_text(const char *s, size_t len, unsigned depth, char *why,
                 size_t n);

#endif
