/*
 * schema_ref.h - what structured output accepts as a JSON Schema, and
 * local `$ref` resolution (shared by the strict transform and the
 * validator).
 *
 * A caller's schema is checked whole before anything is sent, so a typo in
 * it is an MP_E_INVALID_ARGUMENT naming the path rather than a model call
 * that can never validate:
 *  - the root is an object schema: "type": "object", or "properties" and no
 *    "type";
 *  - every keyword the validator reads has the right shape (a known type
 *    name, "required" a list of strings, bounds numbers, "enum" an array,
 *    subschemas objects or booleans, ...); keywords it does not read are
 *    passed through untouched;
 *  - every "$ref" is local ("#/$defs/X", "#/definitions/X" or any other
 *    JSON Pointer into the same document), resolves to a schema, and no
 *    chain of references leads back to itself (recursive schemas are not
 *    supported, as in the reference, which cannot flatten them).
 *
 * Thread: pure functions, [any-thread].
 */
#ifndef LP_SCHEMA_REF_H
#define LP_SCHEMA_REF_H

#include <json-c/json.h>

#include "../../abi/model_provider.h"

/* The value a local reference points at: "#" is the root, "#/a/b~1c" a
 * JSON Pointer (with ~0, ~1 and %XX escapes).  NULL when the reference is
 * not local or does not resolve. */
json_object *sch_resolve(json_object *root, const char *ref);

/* Check a schema as described above.  MP_OK, or MP_E_INVALID_ARGUMENT
 * with a message such as
 *   schema.properties.zip.$ref: "other.json#/Zip" is not a local reference
 * (MP_E_NO_MEMORY if memory runs out). */
int sch_check(json_object *root, mp_error *err);

/* Whether a schema value is an object schema: its "type" is or contains
 * "object", or it has "properties" and no "type". */
int sch_is_object_schema(json_object *schema);

#endif
