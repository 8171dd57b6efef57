/*
 * conversation.h - the conversation as a json-c array of Strands messages
 * ({"role":"user"|"assistant","content":[ContentBlock...]}), the very
 * shape the provider's stream() takes, plus the two edits an agent makes
 * to it: the caller-side normalisation of assistant messages
 * (reference-behaviour 1) and the sliding-window reduction on context
 * overflow (Strands' SlidingWindowConversationManager).
 */
#ifndef HOST_CONVERSATION_H
#define HOST_CONVERSATION_H

#include <json-c/json.h>
#include <stdio.h>

/* The window Strands' sliding-window manager keeps by default. */
#define CONV_WINDOW 40

/* Append {"role":"user","content":[{"text":text}]}.  0, or -1 if out of
 * memory. */
int conv_add_user_text(json_object *conv, const char *text);

/* Strands' _normalize_messages for one assistant message, in place: empty
 * content becomes [{"text":"[blank text]"}]; with a toolUse, blank text
 * blocks are dropped, otherwise blank text becomes "[blank text]"; a tool
 * name that is not ^[a-zA-Z0-9_-]{1,64}$ becomes "INVALID_TOOL_NAME". */
void conv_normalize_assistant(json_object *msg);

/* conv_normalize_assistant on every assistant message of `conv` (for a
 * conversation that came from a session file).  Idempotent. */
void conv_normalize(json_object *conv);

/* Drop the oldest messages as the sliding-window manager does: keep the
 * last `window` messages (or drop 2 when there are no more than that),
 * then move the cut forward until the conversation starts with a user
 * message that holds no toolResult.  So a toolUse and its toolResult are
 * dropped together, never one without the other.  Two differences from
 * Strands, both on purpose: Strands may also start the rest with an
 * assistant toolUse (some APIs refuse a conversation that does not start
 * with the user), and it first tries shrinking large tool results (the
 * host leaves results as the tools wrote them).  Returns the number of
 * messages dropped, or -1 (nothing changed) when no valid cut exists. */
int conv_reduce(json_object *conv, size_t window);

/* Check that `conv` is a conversation: an array of objects with role
 * "user" or "assistant" and a content array of objects.  0, or -1 with the
 * first problem (naming its index) in `why`. */
int conv_check(json_object *conv, char *why, size_t len);

/* One line per message for the `:history` command. */
void conv_print(json_object *conv, FILE *out);

/* Whether a message's content has a block with this key ("toolUse",
 * "toolResult", ...). */
int conv_has_block(json_object *msg, const char *key);

#endif
