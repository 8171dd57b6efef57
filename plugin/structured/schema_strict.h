/*
 * schema_strict.h - a caller's JSON Schema made "strict" the way OpenAI's
 * response_format {"type":"json_schema", "strict": true} requires (the
 * openai-python to_strict_json_schema of reference 6.1a, on JSON Schema
 * instead of a pydantic class).
 *
 * On a copy, recursively through properties, items (one schema or a
 * list), anyOf, oneOf, allOf and the $defs / definitions:
 *  - every object schema ("type" is or contains "object", or "properties"
 *    without a "type") without an "additionalProperties" gets
 *    "additionalProperties": false (an explicit value is kept, as
 *    openai-python does: a server that refuses it answers 400, and `auto`
 *    then falls back to the tool path);
 *  - "required" lists every property, in the order of "properties" (a
 *    list that names exactly the properties already is kept as written,
 *    so a schema that is strict already comes out unchanged);
 *  - a property that was not required before becomes nullable, so the
 *    model can still leave it out by sending null:
 *      "type": T            -> "type": [T, "null"]  (and null is added to
 *      "type": [T, ...]     -> [T, ..., "null"]      an "enum" beside it)
 *      "anyOf": [...]       -> one more branch {"type": "null"}
 *      "enum" without type  -> null added to the enum
 *      anything else ($ref, const, oneOf, allOf, ...)
 *                           -> {"anyOf": [<the schema>, {"type": "null"}]}
 *    A schema that already accepts null is left as it is.
 * The validator (schema_validate.h) treats such a null as "absent" and the
 * result is validated against the caller's original schema.
 *
 * Thread: pure, [any-thread].
 */
#ifndef LP_SCHEMA_STRICT_H
#define LP_SCHEMA_STRICT_H

#include <json-c/json.h>

/* A new strict copy of `schema` in *out (the caller puts it).  Returns
 * MP_OK or MP_E_NO_MEMORY (then *out is NULL). */
int ss_make_strict(json_object *schema, json_object **out);

#endif
