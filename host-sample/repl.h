/*
 * repl.h - interactive mode (-i): prompts and line commands from a stream.
 *
 *   :providers      list the loaded providers (the active one starred)
 *   :use NAME       continue the conversation on provider NAME
 *   :reload [NAME]  load NAME's .so (default: the active one) again from
 *                   disk: new calls go to the new code, the old module is
 *                   unloaded
 *   :history        the conversation so far, one line per message
 *   :help           the commands
 *   :quit           leave (end of input does too)
 *
 * Any other line is a prompt for the agent.
 */
#ifndef HOST_REPL_H
#define HOST_REPL_H

#include <stdio.h>

#include "agent.h"

/* Read lines from the file descriptor `fd` until :quit or end of input.
 * While it waits for a line, a SIGHUP (a->reload_requested) reloads every
 * provider.  `json` prints each final answer as JSON.  Returns 0, or 1 if
 * any prompt failed (each error is reported as it happens and the loop
 * goes on) or the input could not be read (HOST_E_IO, or MP_E_NO_MEMORY,
 * reported on stderr: an unreadable input is not the end of the input). */
int repl_run(agent *a, int fd, int json);

/* Print a final answer as JSON on stdout (agent_result_json: with the
 * cost and rate-limit state when a provider reported them). */
void repl_print_json(const agent *a, json_object *msg);

#endif
