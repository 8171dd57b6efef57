/*
 * schema_validate.h - does a JSON value satisfy a JSON Schema?  With the
 * JSON path of the first thing wrong and the rule it breaks, e.g.
 *   $.address.zip: expected type string, got integer 12345
 *
 * Keywords read: type (one name or a list; "integer" also accepts a number
 * with no fraction such as 30.0), enum, const, properties, required,
 * additionalProperties (boolean or schema; not checked when
 * patternProperties is present, since patterns are not evaluated),
 * minProperties, maxProperties, items (one schema, or a list with
 * additionalItems), prefixItems, minItems, maxItems, uniqueItems,
 * minLength / maxLength (in Unicode code points), minimum, maximum,
 * exclusiveMinimum / exclusiveMaximum (numbers, or draft-4 booleans),
 * anyOf, oneOf, allOf, not, local $ref, and boolean schemas.  Other
 * keywords (pattern, format, multipleOf, ...) are ignored.  Numbers
 * compare by value (1 equals 1.0 in enum and const).
 *
 * The schema must have passed sch_check() (schema_ref.h).
 *
 * Thread: [any-thread]; `value` is modified only with SV_NULL_AS_ABSENT.
 */
#ifndef LP_SCHEMA_VALIDATE_H
#define LP_SCHEMA_VALIDATE_H

#include <json-c/json.h>
#include <stddef.h>

/* Flags. */
enum {
    /* A property that is not required, whose schema does not accept null,
     * and whose value is null counts as absent and is removed from the
     * value.  This undoes the nullable optional properties of the strict
     * schema (schema_strict.h), so what the caller gets back validates
     * against the schema the caller gave. */
    SV_NULL_AS_ABSENT = 1
};

/* Validate `value` against `schema`, which is also the document that
 * local references resolve in.  Returns MP_OK, MP_E_VALIDATION with
 * "<path>: <rule>" in msg (truncated to msglen), or MP_E_NO_MEMORY. */
int sv_validate(json_object *schema, json_object *value, int flags,
                char *msg, size_t msglen);

/* JSON equality with numbers compared by value (1 == 1.0) and object keys
 * in any order. */
int sv_json_equal(json_object *a, json_object *b);

#endif
