/*
 * agent.h - the agent loop: model, tool calls, tool results, model, ...
 * until a final answer or the turn limit.
 *
 * The conversation is a json-c array of Strands messages.  Each assistant
 * message is assembled from the provider's events, normalised as the
 * Strands caller does, and appended; its tool calls are all run and
 * answered in one user message of toolResults.  A toolUse keeps its
 * reasoningSignature (a Gemini thought signature), so the provider sends
 * it back on the next request.
 *
 * Recovery, as the Strands agent: on MP_E_CONTEXT_OVERFLOW the oldest
 * messages are dropped (conversation.h, sliding window) and the call is
 * retried; on MP_E_THROTTLED the call is retried after the server's
 * Retry-After, or a doubling backoff, a bounded number of times
 * (agent_retry_delay_ms).
 *
 * Between model calls the active provider can change (--swap-at, :use)
 * and providers can be reloaded (SIGHUP, :reload): the conversation is
 * host state, so nothing is lost.
 */
#ifndef HOST_AGENT_H
#define HOST_AGENT_H

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>

#include "../abi/model_provider.h"
#include "assembler.h"
#include "cancel_point.h"
#include "providers.h"
#include "tools.h"

/* Host-side error kinds, beside the mp_status codes of providers. */
#define HOST_E_IO (-100)         /* a file could not be read or written */
#define HOST_E_TURN_LIMIT (-101) /* --max-turns reached, no answer       */
#define HOST_E_USAGE (-102)      /* a bad command line                   */

/* mp_errname() extended with the host kinds. */
const char *host_errname(int code);

typedef struct agent_error {
    int code;
    char message[MP_ERROR_MESSAGE_MAX + 512];
} agent_error;

/* "Before model call number `call` (counted from 1 over the whole run),
 * switch to slot `slot`." */
typedef struct agent_swap {
    int call;
    size_t slot;
} agent_swap;

typedef struct agent {
    /* Set up by the caller. */
    prov_slot *slots;
    size_t n_slots;
    size_t active;             /* index of the slot in use                */
    const mp_host_v1 *host;    /* for reloads                             */
    json_object *conv;         /* the conversation (owned).  Its assistant
                                  messages must be normalised: the loop
                                  normalises those it adds, so a caller
                                  conv_normalize()s one it loaded         */
    json_object *specs;        /* tool specs of `tools` (owned)           */
    tool_set tools;
    const char *system_prompt; /* or NULL                                 */
    const char *session_path;  /* saved after every turn, or NULL         */
    FILE *events;              /* StreamEvent JSON lines, or NULL         */
    int echo_text;             /* stream text to stdout as it arrives     */
    int quiet;                 /* no progress lines on stderr             */
    int max_turns;             /* model calls per prompt                  */
    int max_retries;           /* retries of a throttled call             */
    const agent_swap *swaps;
    size_t n_swaps;
    volatile sig_atomic_t *reload_requested; /* set by SIGHUP, or NULL    */
    cancel_point *cancel;      /* Ctrl-C in -i cancels the prompt through
                                  it (repl.c), or NULL                    */
    /* State. */
    int calls;                 /* model calls so far in this run          */
    int events_errno;          /* first failed write to `events`, or 0    */
    int stdout_errno;          /* first failed write of streamed text     */
    double prompt_cost;        /* USD of this prompt's calls, or -1 when no
                                  call reported a cost                    */
    asm_response_info rate;    /* the last RESPONSE_INFO of the run (its
                                  present is 0 until one came)            */
} agent;

/* Ask `prompt` and run the loop to the final answer.  On success returns 0
 * and sets *final to the final assistant message (borrowed from a->conv)
 * and, with a session, saves the conversation.  On failure returns the
 * error's code with the detail in `e`; the conversation is rolled back to
 * where it was before the prompt (apart from messages dropped to recover
 * from an overflow) and the session file is not touched. */
int agent_ask(agent *a, const char *prompt, json_object **final,
              agent_error *e);

/* How long to wait before retrying a throttled call, given the retries
 * made so far and the server's Retry-After in ms (-1: none): Retry-After
 * when given, else 1 s, 2 s, 4 s, ... capped at 60 s.  -1 when the server
 * asks for more than 60 s: then the host gives up at once with that in
 * its message rather than sleep that long or retry too early. */
int64_t agent_retry_delay_ms(int retries_so_far, int64_t retry_after_ms);

/* The slot named `name`, or -1. */
int agent_find(const agent *a, const char *name);

/* Make slot `i` the active one (a hot swap between turns). */
void agent_use(agent *a, size_t i, const char *why);

/* Reload slot `i` from disk (providers.h); prints the outcome. */
int agent_reload(agent *a, size_t i);

/* Reload every slot if SIGHUP asked for it (and clear the request).
 * Returns how many slots it reloaded (0 when none was asked for). */
int agent_reload_if_asked(agent *a);

/* The final answer as --json prints it: `final` itself, or, when a
 * provider reported a cost or rate-limit state (ABI 1.1), a copy with one
 * more key that is not a Strands one:
 *   "agentHost":{["costUsd":<this prompt's calls, summed>]
 *                [,"rateLimit":{["remainingRequests":N][,"remainingTokens":N]
 *                  [,"resetRequests":S][,"resetTokens":S]}]}
 * A new reference (json_object_put it); NULL if out of memory. */
json_object *agent_result_json(const agent *a, json_object *final);

/* A progress line on stderr ("[tool] ..."), unless quiet. */
void agent_progress(const agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
