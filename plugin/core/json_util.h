/*
 * json_util.h - strict JSON parsing of host input and small shape helpers.
 */
#ifndef LP_JSON_UTIL_H
#define LP_JSON_UTIL_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"

/* Parse exactly one JSON value from json[0..len) with strict syntax and
 * UTF-8 validation; trailing non-space bytes are an error.  On failure
 * returns MP_E_INVALID_ARGUMENT with "<what>: invalid JSON at byte N: ...".
 * `len` of (size_t)-1 means NUL-terminated. */
int lp_json_parse(const char *json, size_t len, const char *what,
                  json_object **out, mp_error *err);

/* "object", "array", "string", ... for messages. */
const char *lp_json_type_name(json_object *v);

#endif
