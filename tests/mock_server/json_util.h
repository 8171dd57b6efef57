/* json_util.h - small JSON helpers on top of json-c for the mock server.
 *
 * Thread-safety: every function here is reentrant; json-c objects are not
 * shared between threads except read-only scenario data.
 */
#ifndef MOCK_JSON_UTIL_H
#define MOCK_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Parse exactly one JSON value spanning all of buf[0..len) (surrounding
 * whitespace allowed). buf[len] must be a readable '\0': json-c needs the
 * terminator to know a bare number has ended. Returns a new reference the
 * caller must json_object_put(), or NULL when the text is not one complete
 * JSON value. *is_null (may be NULL) is set when the text was the literal
 * `null`, because json-c represents that as a NULL pointer too. */
json_object *ju_parse(const char *buf, size_t len, bool *is_null);

/* Look up PATH ("a.b[2].c", "[0]", "messages[0].role") in root.
 * Returns 1 and stores a borrowed pointer in *out when the member exists
 * (*out may be NULL for a JSON null), 0 when it does not exist, -1 when the
 * path text itself is malformed. */
int ju_lookup(json_object *root, const char *path, json_object **out);

/* Check that PATH is syntactically valid (used at scenario load time). */
bool ju_path_valid(const char *path);

/* Semantic equality: numbers compare by value whatever their json-c type,
 * objects compare as unordered key sets. NULL stands for JSON null. */
bool ju_equal(json_object *a, json_object *b);

/* Compact rendering used in messages and records. The string is owned by
 * obj (or static for NULL) and lives until obj is freed or re-rendered. */
const char *ju_text(json_object *obj);

/* Append the JSON string literal for s[0..len) (with quotes) to a freshly
 * malloc'd NUL-terminated string. Returns NULL on allocation failure. */
char *ju_quote(const char *s, size_t len);

#endif
