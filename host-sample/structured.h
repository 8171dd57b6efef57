/*
 * structured.h - `--structured SCHEMA.json`: ask the active provider's
 * structured_output() for a JSON object that validates against a JSON
 * Schema, from the conversation so far plus a prompt.
 */
#ifndef HOST_STRUCTURED_H
#define HOST_STRUCTURED_H

#include "agent.h"

/* The schema file is read and its "title" (if it is a valid output name,
 * ^[A-Za-z0-9_-]{1,64}$, else "Output") and "description" are passed
 * along.  On success prints the object's JSON text on stdout and returns
 * 0.  The conversation and the session are not changed. */
int agent_structured(agent *a, const char *prompt, const char *schema_path,
                     agent_error *e);

#endif
