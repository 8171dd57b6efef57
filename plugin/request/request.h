/*
 * request.h - the host's request document (abi stream()), parsed: the
 * Strands shapes every wire adapter starts from.
 */
#ifndef LP_REQUEST_H
#define LP_REQUEST_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/log.h"

/* Borrowed views into a parsed host request document (see abi stream()). */
typedef struct rf_request {
    json_object *root;                  /* owned: rf_release() frees it   */
    json_object *messages;              /* array, required                */
    json_object *tool_specs;            /* array or NULL                  */
    json_object *tool_choice;           /* object or NULL                 */
    const char *system_prompt;          /* or NULL                        */
    json_object *system_prompt_content; /* array or NULL (present-but-[]
                                           is not NULL)                   */
    /* How many trailing blocks of the last user message the caller
     * rebuilds on every call (Strands' dynamic_trailing_blocks): prompt
     * caching keeps its cache point ahead of them.  0 when absent. */
    size_t dynamic_trailing_blocks;
    const char *session_id;             /* agent_metadata.session_id, or
                                           NULL (reference-update 2.16)   */
    size_t session_id_len;
    size_t json_len;                    /* size of the parsed text, used
                                           to presize the body            */
} rf_request;

/* Parse and check the top-level shape
 *   {"messages":[...], "tool_specs":[...], "tool_choice":{...},
 *    "system_prompt":"...", "system_prompt_content":[...],
 *    "agent_metadata":{"session_id":"..."}, "dynamic_trailing_blocks": n}
 * (strict JSON, UTF-8 validated, no trailing data; a syntax error names
 * its byte offset).  Optional keys may be null.  An unknown top-level key
 * is a warning through `log`, not an error.  On failure `out` holds
 * nothing to release (it is zeroed). */
int rf_parse(const char *json, size_t len, const lp_logger *log,
             rf_request *out, mp_error *err);
void rf_release(rf_request *req);

#endif
