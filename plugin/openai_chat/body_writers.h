/*
 * body_writers.h - the writers of pass 2 of the OpenAI chat body (pass 1,
 * the shape check every adapter shares, is request/request_check.c; see
 * request/request_internal.h).  They trust what pass 1 accepted.
 */
#ifndef LP_BODY_WRITERS_H
#define LP_BODY_WRITERS_H

#include "../core/json_writer.h"
#include "../request/request_internal.h"

/* The inside of a content part object for a text or bytes-sourced media
 * block (the caller opens and closes the object, so a cachePoint can still
 * add cache_control before it is closed). */
void rq_write_part_fields(jw *w, rq_kind kind, json_object *value);
/* "cache_control":{"type":"ephemeral"(,"ttl":T)} for a cachePoint value. */
void rq_write_cache_control(jw *w, json_object *cache_point);
/* {"type":"thinking","thinking":X(,"signature":S)} for a reasoningText. */
void rq_write_thinking(jw *w, json_object *reasoning_text);

/* Pass 2 writers. */
void rq_write_messages(rq_ctx *c, jw *w, const rf_request *req);
/* The tools array from `specs` (array or NULL), or of the single `one`. */
void rq_write_tools(jw *w, json_object *specs, json_object *one);
/* 1 if tool_choice is sent at all (a non-empty object, reference 3.9). */
int rq_tool_choice_present(json_object *choice);
void rq_write_tool_choice(jw *w, json_object *choice);
/* One assistant tool call sent with `id`; `sig` (NULL: none) goes beside
 * it as extra_content.<c->sig_vendor>.thought_signature when the route
 * carries signatures that way. */
void rq_write_tool_call(rq_ctx *c, jw *w, json_object *tool_use,
                        const rq_id *id, const char *sig, size_t sig_len);
/* The id as a JSON string value. */
void rq_write_id(rq_ctx *c, jw *w, const rq_id *id);
/* The id as C text (in c->dump, valid until the next use of it). */
const char *rq_id_text(rq_ctx *c, const rq_id *id);

#endif
