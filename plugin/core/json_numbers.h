/*
 * json_numbers.h - integers wider than 64 bits keep their digits.
 *
 * json-c holds integers as int64/uint64 and silently saturates anything
 * beyond: 123456789012345678901234567890 parses as 18446744073709551615,
 * even in strict mode.  Parsed doubles keep their original spelling,
 * integers do not.  Python hosts keep arbitrary integers (a model's tool
 * input can carry one), and sending a different number would be silent
 * data loss, so after parsing such literals are put back.
 */
#ifndef LP_JSON_NUMBERS_H
#define LP_JSON_NUMBERS_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"

/* `root` was parsed from json[0..len) (by lp_json_parse, so the text is
 * valid JSON).  Every integer node that json-c saturated gets its literal
 * back as its spelling (the userdata serializer, which jw_json and
 * json-c's own printer both write verbatim); nothing else changes.  Costs
 * one walk of the tree, plus one scan of the text only when a saturated
 * value is present.
 *
 * Returns 0, MP_E_NO_MEMORY, or MP_E_INVALID_ARGUMENT ("<what>: ...",
 * naming the byte offset) when such an integer sits under an object key
 * written with escapes, whose member cannot be found from the raw text.
 * Call it on a tree no other thread uses yet. */
int lp_json_keep_wide_integers(json_object *root, const char *json,
                               size_t len, const char *what, mp_error *err);

#endif
