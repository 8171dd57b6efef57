/*
 * structured_reply.h - reading the answer of a structured-output call.
 *
 * The chat.completion body goes through the same chunk mapper as stream()
 * (cm_map_response), so error objects, shapes, content parts, refusals,
 * tool calls and usage are read exactly as there; the mapper's events come
 * to the sink kept here, which collects the text, the first tool call's
 * name and input, and the finish reason.  Then:
 *  - the tool path takes the first tool call whatever the finish_reason
 *    ("tool_calls", "tool_use", "stop", ... decision 20), and else text
 *    that is itself the JSON object (reference issues #743, #1005);
 *  - the response_format path takes the text, and else a tool call (what a
 *    gateway that emulates response_format with a tool may send);
 *  - an answer that is one Markdown code block (```json ... ``` or
 *    ``` ... ```, blanks around it aside) is read from inside the fence;
 *  - the answer is parsed and validated against the caller's schema; a
 *    null sent for an optional property whose schema does not accept null
 *    is removed (SV_NULL_AS_ABSENT), any other null is kept;
 *  - every failure is MP_E_VALIDATION with the JSON path and rule, and the
 *    raw text the model returned (cut to fit), so the host can retry.
 *
 * Thread: one reply serves one call on one thread.
 */
#ifndef LP_STRUCTURED_REPLY_H
#define LP_STRUCTURED_REPLY_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "../core/strbuf.h"

enum so_path { SO_PATH_RESPONSE_FORMAT = 1, SO_PATH_TOOL = 2 };

typedef struct so_reply {
    mp_event_sink sink;  /* hand this to ev_init()                        */
    strbuf text;         /* every text delta, concatenated                */
    strbuf tool_name;    /* the first tool call's name                    */
    strbuf tool_input;   /* the first tool call's input JSON text         */
    int tools;           /* tool calls seen                               */
    int open_kind;       /* mp_block_kind of the open block, 0 if none    */
    int in_first_tool;   /* the open block is the first tool call         */
    strbuf finish;       /* the raw finish_reason, "" if none             */
    int64_t in_tokens;   /* usage, -1 when the server sent none           */
    int64_t out_tokens;
    int status;          /* first buffer error (limit or memory), 0 if none */
    const char *const *secrets; /* scrubbed from the answer quoted in an
                                   error; NULL-terminated, borrowed, may
                                   be NULL (set after so_reply_init)     */
} so_reply;

/* Buffers are bounded by `max` bytes each (max_response_bytes). */
void so_reply_init(so_reply *r, size_t max);
void so_reply_free(so_reply *r);
/* Forget what was collected (for a second attempt). */
void so_reply_reset(so_reply *r);


/* Pick the answer for `path`, parse it, validate it against `schema` and
 * append its compact JSON to `out`.  MP_OK, MP_E_VALIDATION or
 * MP_E_NO_MEMORY, with `err` filled. */
int so_reply_result(so_reply *r, int path, json_object *schema, strbuf *out,
                    mp_error *err);

#endif
