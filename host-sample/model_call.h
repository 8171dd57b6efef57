/*
 * model_call.h - one stream() call on a provider slot: the request goes
 * out, the events come back and are
 *   - assembled into the Strands assistant message (assembler.h),
 *   - written as Strands StreamEvent JSON lines to an events file, through
 *     the provider's own event_to_json (optional),
 *   - and, for text deltas, printed to the terminal as they arrive
 *     (optional).
 */
#ifndef HOST_MODEL_CALL_H
#define HOST_MODEL_CALL_H

#include <stdio.h>

#include "../abi/model_provider.h"
#include "assembler.h"
#include "cancel_point.h"
#include "providers.h"

typedef struct call_output {
    FILE *events;     /* StreamEvent JSON lines go here, or NULL        */
    FILE *text;       /* text deltas are echoed here, or NULL           */
    int text_printed; /* set when any text was echoed                   */
    int events_errno; /* the first failed write (errno) to `events`...  */
    int text_errno;   /* ...and to `text`; 0 when none failed. A failed
                         write does not stop the call: the host reports
                         it when it ends.                               */
    cancel_point *cancel; /* the call is registered there for Ctrl-C, or
                             NULL                                       */
} call_output;

/* Run stream() with `request_json` on the slot's current module, feeding
 * `a` (initialised by the caller).  Returns MP_OK or the provider's error
 * (detail in `err`); a malformed event makes it MP_E_PROTOCOL. */
int model_call(prov_slot *slot, const char *request_json, msg_assembler *a,
               call_output *out, mp_error *err);

/* The request JSON for stream(): {"messages":conv[,"tool_specs":specs]
 * [,"system_prompt":system]}.  A malloc'd string, or NULL (out of
 * memory).  Empty `specs` are left out. */
char *model_request(json_object *conv, json_object *specs, const char *system);

#endif
