/*
 * json_writer.h - compact JSON output straight into a strbuf.
 *
 * We write request bodies ourselves instead of building a json-c tree and
 * printing it, so a large base64 payload is copied exactly once: from the
 * parsed input into the body.  Output is compact, UTF-8 is kept as is (only
 * '"', '\\' and control characters are escaped), and numbers never depend on
 * the C locale.
 *
 * Errors are sticky: after the first failure every call is a no-op and
 * jw_status() reports it, so callers check once at the end.
 */
#ifndef LP_JSON_WRITER_H
#define LP_JSON_WRITER_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define JW_MAX_DEPTH 256

typedef struct jw {
    strbuf *sb;
    int status;                      /* 0 or the first mp_status error */
    unsigned depth;
    unsigned char first[JW_MAX_DEPTH]; /* 1 while the container is empty */
    unsigned char after_key;         /* a key was written, value is next */
} jw;

void jw_init(jw *w, strbuf *sb);
int jw_status(const jw *w);

void jw_object_open(jw *w);
void jw_object_close(jw *w);
void jw_array_open(jw *w);
void jw_array_close(jw *w);
void jw_key(jw *w, const char *key);
void jw_key_len(jw *w, const char *key, size_t len);

void jw_string(jw *w, const char *s, size_t len);
void jw_cstring(jw *w, const char *s);
/* One JSON string made of two pieces, e.g. "data:image/png;base64," + b64,
 * without building the joined text first. */
void jw_string2(jw *w, const char *a, size_t alen, const char *b, size_t blen);
void jw_int(jw *w, int64_t v);
/* A double, shortest round-trip text, '.' whatever the locale; NaN and
 * infinities (not JSON) as null. */
void jw_double(jw *w, double v);
/* Bytes as one JSON string of their standard base64 (RFC 4648, padded). */
void jw_base64(jw *w, const void *data, size_t len);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
/* Any json-c value, compactly.  Numbers that came from parsed text keep
 * their original spelling (json-c remembers it), so nothing is lost. */
void jw_json(jw *w, struct json_object *v);
/* A value that is already valid JSON text. */
void jw_raw(jw *w, const char *json, size_t len);

/* Escape `s` as the inside of a JSON string (no quotes) onto `sb`. */
int jw_escape_into(strbuf *sb, const char *s, size_t len);

/* Serialize a json-c value compactly into a fresh buffer (caller frees). */
int jw_to_string(struct json_object *v, strbuf *out);

#endif
