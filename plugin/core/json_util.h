/*
 * json_util.h - strict JSON parsing of host input, small shape helpers,
 * and the answers' values (json_reader.h) handed to code that takes
 * json-c objects.
 */
#ifndef LP_JSON_UTIL_H
#define LP_JSON_UTIL_H

#include <json-c/json.h>
#include <locale.h>
#include <stddef.h>

#include "../../abi/model_provider.h"

/* Parse exactly one JSON value from json[0..len) with strict syntax and
 * UTF-8 validation; trailing non-space bytes are an error.  On failure
 * returns MP_E_INVALID_ARGUMENT with "<what>: invalid JSON at byte N: ...".
 * `len` of (size_t)-1 means NUL-terminated. */
int lp_json_parse(const char *json, size_t len, const char *what,
                  json_object **out, mp_error *err);

/* Frees the parser lp_json_parse keeps for its next call (the last
 * deinit calls it, so an unloaded plugin leaves nothing behind). */
void lp_json_release_spare(void);

/* json_tokener_parse_ex(tok, s, len), run with the calling thread on
 * the C locale object for that call only.  Every json-c parse in the
 * plugins goes through here.  Why: json-c 0.16 duplicates and frees the
 * thread's locale on every parse (to read numbers with a '.'), and glibc's
 * duplocale/newlocale/freelocale take a process-wide lock unless the
 * locale is the C locale object itself; with many threads streaming at
 * once that lock cost more than the parsing.  The thread's previous
 * locale (the host's, or the global one) is back in place before this
 * returns, and json-c calls nothing of the host's in between, so neither
 * the host nor its callbacks can see the switch.  `len` must fit an int. */
json_object *lp_json_tokener_parse(json_tokener *tok, const char *s, size_t len);

/* The C locale object, made once for the process (it cannot fail on
 * glibc; (locale_t)0 if it did), for reading numbers the same under any
 * host locale without glibc's locale lock. */
locale_t lp_c_locale(void);

struct jr_val;

/* The value v of `json` (as read by json_reader.h) as json-c holds it,
 * for the code that takes json-c objects (error classifiers, the JSON
 * writer, kept raw blocks).  Containers are read again from their text
 * by json-c, strict, as the answers were read before the reader (so its
 * leniencies are kept); scalars are made from the value.  `depth` is the
 * reader's limit.  MP_OK (*out NULL for a JSON null), MP_E_NO_MEMORY, or
 * MP_E_PROTOCOL with *bad_at (an offset in `json`) and *why. */
int lp_json_c_value(const char *json, const struct jr_val *v, unsigned depth,
                    json_object **out, size_t *bad_at, const char **why);

/* "object", "array", "string", ... for messages. */
const char *lp_json_type_name(json_object *v);

#endif
