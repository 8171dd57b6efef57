/*
 * an_schema.h - a caller's JSON Schema in the form Anthropic's structured
 * outputs take (spec 6.2-6.3): local "$ref"s inlined (and "$defs" /
 * "definitions" dropped), the bounds the API does not enforce
 * (minItems, maxItems, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, minLength, maxLength) moved into the description so
 * the model still reads them, and "additionalProperties": false on every
 * object schema that does not say otherwise.  The original schema stays
 * the one the answer is validated against.
 *
 * Thread: pure, [any-thread].
 */
#ifndef LP_AN_SCHEMA_H
#define LP_AN_SCHEMA_H

#include <json-c/json.h>

/* A new transformed copy in *out (the caller puts it).  MP_OK or
 * MP_E_NO_MEMORY. */
int an_schema_for_output(json_object *schema, json_object **out);

#endif
