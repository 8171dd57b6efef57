/* json_util.c - strict JSON parsing of host input; see json_util.h. */
#include "json_util.h"

#include <string.h>

#include "errors.h"

/* Tool inputs and schemas sit five levels deep in a request already;
 * json-c's default of 32 would refuse reasonable nesting. */
#define LP_JSON_MAX_DEPTH 128

int lp_json_parse(const char *json, size_t len, const char *what,
                  json_object **out, mp_error *err)
{
    *out = NULL;
    if (!json)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: no JSON given", what);
    if (len == (size_t)-1)
        len = strlen(json);
    if (len > (size_t)INT32_MAX)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: JSON too large", what);
    json_tokener *tok = json_tokener_new_ex(LP_JSON_MAX_DEPTH);
    if (!tok)
        return lp_fail(err, MP_E_NO_MEMORY, "%s: out of memory", what);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *v = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    int rc = MP_OK;
    if (jerr == json_tokener_continue || (!v && jerr == json_tokener_success)) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                     "%s: invalid JSON: unexpected end of input at byte %zu",
                     what, len);
    } else if (jerr != json_tokener_success) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                     "%s: invalid JSON at byte %zu: %s", what, used,
                     json_tokener_error_desc(jerr));
    } else {
        for (size_t i = used; i < len; i++) {
            char c = json[i];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                             "%s: invalid JSON: unexpected data after the "
                             "value at byte %zu", what, i);
                break;
            }
        }
    }
    json_tokener_free(tok);
    if (rc) {
        json_object_put(v);
        return rc;
    }
    *out = v;
    return MP_OK;
}

const char *lp_json_type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "boolean";
    case json_type_int: return "integer";
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    }
    return "unknown";
}
