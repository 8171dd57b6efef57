/*
 * request_messages.c - the "messages" array of the body: the system
 * message (reference 3.8), then each Strands message as an OpenAI message
 * followed by its tool messages and the user messages that carry images
 * moved out of them (3.2, 3.6, 3.7), with message-level cachePoints
 * (decision 2), thought-signature ids (decision 4) and thinking blocks
 * (decision 5).  Shapes were checked by request_check.c.
 */
#include <stdio.h>
#include <string.h>

#include "body_writers.h"

/* Warning texts of the reference, word for word (hosts may match them). */
#define WARN_REASONING "reasoningContent is not supported in multi-turn " \
                       "conversations with the Chat Completions API."
#define WARN_LOCATION "Location sources are not supported by OpenAI | " \
                      "skipping content block"
#define WARN_MOVE_IMAGE "tool_call_id=%s | Moving image from tool message " \
                        "to a new user message for OpenAI compatibility"
#define IMAGE_PLACEHOLDER "Tool successfully returned an image. The image " \
                          "is being provided in the following user message."

static void note(rq_ctx *c, int rc)
{
    if (rc && !c->status)
        c->status = rc;
}

/* ------------------------------------------------------- content lists */

/* A content array written as blocks arrive: opened at its first part, and
 * the latest part's object is left open so that a cachePoint after it can
 * still add cache_control (cachePoints mark the block BEFORE them). */
typedef struct part_list {
    int opened;          /* "content":[ has been written */
    int part_open;       /* the latest part's object is not closed yet */
    json_object *cache;  /* cachePoint to put on that part */
} part_list;

static void part_close(jw *w, part_list *pl)
{
    if (!pl->part_open)
        return;
    if (pl->cache)
        rq_write_cache_control(w, pl->cache);
    jw_object_close(w);
    pl->part_open = 0;
    pl->cache = NULL;
}

/* Open a new part object (left open for a cachePoint after it). */
static void part_new(jw *w, part_list *pl)
{
    part_close(w, pl);
    if (!pl->opened) {
        jw_key(w, "content");
        jw_array_open(w);
        pl->opened = 1;
    }
    jw_object_open(w);
    pl->part_open = 1;
}

static void part_add(jw *w, part_list *pl, rq_kind kind, json_object *value)
{
    part_new(w, pl);
    rq_write_part_fields(w, kind, value);
}

/* A citationsContent block (an Anthropic answer that cited sources, kept
 * in the conversation) goes as the text it holds: a chat message has no
 * place for the citations themselves. */
static void part_add_citations(rq_ctx *c, jw *w, part_list *pl,
                               json_object *cc, size_t index, size_t i)
{
    sb_reset(&c->run);
    note(c, rq_citations_text(cc, &c->run));
    part_new(w, pl);
    jw_key(w, "text");
    jw_string(w, c->run.data ? c->run.data : "", c->run.len);
    jw_key(w, "type");
    jw_cstring(w, "text");
    lp_log(c->log, MP_LOG_WARN, "messages[%zu].content[%zu]: citations "
           "cannot be sent through the Chat Completions API | sending the "
           "cited text without them", index, i);
}

/* 0 when there is no part before the cachePoint to put it on. */
static int part_cache(part_list *pl, json_object *cache_point)
{
    if (!pl->part_open)
        return 0;
    pl->cache = cache_point; /* a later one overwrites, as in 3.8 */
    return 1;
}

static void part_end(jw *w, part_list *pl)
{
    part_close(w, pl);
    if (pl->opened)
        jw_array_close(w);
}

static int is_media(rq_kind kind)
{
    return kind == RQ_IMAGE || kind == RQ_DOCUMENT || kind == RQ_VIDEO;
}

/* Media with source.bytes (the others are location-sourced). */
static int has_bytes(json_object *media)
{
    const char *b64;
    size_t len;
    return rq_media_bytes(media, &b64, &len);
}

/* A media block sourced from a location is skipped (reference 3.2). */
static int media_usable(rq_ctx *c, json_object *media)
{
    if (has_bytes(media))
        return 1;
    lp_log(c->log, MP_LOG_WARN, WARN_LOCATION);
    return 0;
}

/* ------------------------------------------------------ system message */

static void write_system(jw *w, const rf_request *req)
{
    json_object *blocks = req->system_prompt_content;
    if (!blocks) {
        /* The string is used only without content blocks, even "[]". */
        if (!req->system_prompt || !*req->system_prompt)
            return;
        jw_object_open(w);
        jw_key(w, "role");
        jw_cstring(w, "system");
        jw_key(w, "content");
        jw_array_open(w);
        jw_object_open(w);
        jw_key(w, "type");
        jw_cstring(w, "text");
        jw_key(w, "text");
        jw_cstring(w, req->system_prompt);
        jw_object_close(w);
        jw_array_close(w);
        jw_object_close(w);
        return;
    }
    size_t n = json_object_array_length(blocks);
    size_t texts = 0;
    json_object *v;
    for (size_t i = 0; i < n; i++)
        texts += rq_block(json_object_array_get_idx(blocks, i), &v) == RQ_TEXT;
    if (!texts)
        return; /* only cachePoints: no system message at all */
    jw_object_open(w);
    jw_key(w, "role");
    jw_cstring(w, "system");
    part_list pl = {0};
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(blocks, i), &v);
        if (kind == RQ_TEXT)
            part_add(w, &pl, kind, v);
        else if (kind == RQ_CACHE_POINT && rq_cache_point_applies(v))
            part_cache(&pl, v); /* none before it: ignored, as 3.8 */
    }
    part_end(w, &pl);
    jw_object_close(w);
}

/* ------------------------------------------------------ tool messages */

/* A tool result's texts and json items join with "\n" into one JSON
 * string, built escaped in c->run (opened with '"' by the first item). */
static void run_add(rq_ctx *c, rq_kind kind, json_object *item, int *in_run)
{
    int rc;
    if (!*in_run) {
        sb_reset(&c->run);
        rc = sb_appendc(&c->run, '"');
        *in_run = 1;
    } else {
        rc = sb_append(&c->run, "\\n", 2);
    }
    if (!rc && kind == RQ_TEXT) {
        rc = jw_escape_into(&c->run, json_object_get_string(item),
                            (size_t)json_object_get_string_len(item));
    } else if (!rc) {
        sb_reset(&c->dump);
        rc = jw_to_string(item, &c->dump);
        if (!rc)
            rc = jw_escape_into(&c->run, c->dump.data, c->dump.len);
    }
    note(c, rc);
}

static void run_value(rq_ctx *c, jw *w, int *in_run)
{
    if (!*in_run) {
        jw_cstring(w, "");
        return;
    }
    note(c, sb_appendc(&c->run, '"'));
    jw_raw(w, c->run.data, c->status ? 0 : c->run.len);
    *in_run = 0;
}

static void run_flush_part(rq_ctx *c, jw *w, int *in_run)
{
    if (!*in_run)
        return;
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "text");
    jw_key(w, "text");
    run_value(c, w, in_run);
    jw_object_close(w);
}

/* The id a tool message answers: its toolUse's encoded id (decision 4). */
static rq_id result_id(rq_ctx *c, json_object *tool_result)
{
    rq_id id = {0};
    id.id = rq_str(tool_result, "toolUseId", &id.id_len);
    const rq_id *found = rq_idmap_get(&c->ids, id.id ? id.id : "", id.id_len);
    return found ? *found : id;
}

/* Reference 3.6 + 3.7: {"role":"tool","tool_call_id","content"}, content a
 * string unless an image or document is present; images leave for a user
 * message.  Returns 1 if this result had images to move. */
static int write_tool_message(rq_ctx *c, jw *w, json_object *tool_result)
{
    json_object *items = rq_get(tool_result, "content");
    size_t n = json_object_array_length(items);
    int non_text = 0, images = 0;
    json_object *v;
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(items, i), &v);
        if (kind == RQ_VIDEO)
            lp_log(c->log, MP_LOG_WARN, "video is not supported in tool "
                   "results | skipping content block");
        else if ((kind == RQ_IMAGE || kind == RQ_DOCUMENT) &&
                 media_usable(c, v)) {
            non_text = 1;
            images += kind == RQ_IMAGE;
        }
    }
    rq_id id = result_id(c, tool_result);
    jw_object_open(w);
    jw_key(w, "role");
    jw_cstring(w, "tool");
    jw_key(w, "tool_call_id");
    rq_write_id(c, w, &id);
    jw_key(w, "content");
    int in_run = 0;
    if (!non_text) {
        for (size_t i = 0; i < n; i++) {
            rq_kind kind = rq_block(json_object_array_get_idx(items, i), &v);
            if (kind == RQ_TEXT || kind == RQ_JSON)
                run_add(c, kind, v, &in_run);
        }
        run_value(c, w, &in_run);
    } else {
        jw_array_open(w);
        for (size_t i = 0; i < n; i++) {
            rq_kind kind = rq_block(json_object_array_get_idx(items, i), &v);
            if (kind == RQ_TEXT || kind == RQ_JSON) {
                run_add(c, kind, v, &in_run);
            } else if ((kind == RQ_IMAGE || kind == RQ_DOCUMENT) &&
                       has_bytes(v)) {
                /* Texts are merged before images are moved out, so an
                 * image still separates the texts around it. */
                run_flush_part(c, w, &in_run);
                if (kind == RQ_DOCUMENT) {
                    jw_object_open(w);
                    rq_write_part_fields(w, kind, v);
                    jw_object_close(w);
                }
            }
        }
        run_flush_part(c, w, &in_run);
        if (images) {
            jw_object_open(w);
            jw_key(w, "type");
            jw_cstring(w, "text");
            jw_key(w, "text");
            jw_cstring(w, IMAGE_PLACEHOLDER);
            jw_object_close(w);
        }
        jw_array_close(w);
    }
    jw_object_close(w);
    if (images)
        lp_log(c->log, MP_LOG_WARN, WARN_MOVE_IMAGE, rq_id_text(c, &id));
    return images > 0;
}

/* Calls `fn` on each image with bytes of a tool result; returns how many. */
static size_t each_image(json_object *tool_result, jw *w,
                         void (*fn)(jw *, json_object *))
{
    json_object *items = rq_get(tool_result, "content");
    size_t n = json_object_array_length(items), found = 0;
    json_object *v;
    for (size_t i = 0; i < n; i++) {
        if (rq_block(json_object_array_get_idx(items, i), &v) == RQ_IMAGE &&
            has_bytes(v)) {
            found++;
            if (fn)
                fn(w, v);
        }
    }
    return found;
}

static void write_image_part(jw *w, json_object *image)
{
    jw_object_open(w);
    rq_write_part_fields(w, RQ_IMAGE, image);
    jw_object_close(w);
}

/* The user message that carries a tool result's images (3.7). */
static void write_image_message(jw *w, json_object *tool_result)
{
    jw_object_open(w);
    jw_key(w, "role");
    jw_cstring(w, "user");
    jw_key(w, "content");
    jw_array_open(w);
    each_image(tool_result, w, write_image_part);
    jw_array_close(w);
    jw_object_close(w);
}

/* All tool messages of one Strands message, then its image messages. */
static void write_tool_results(rq_ctx *c, jw *w, json_object *content)
{
    size_t n = json_object_array_length(content);
    json_object *v;
    int moved = 0;
    for (size_t i = 0; i < n; i++)
        if (rq_block(json_object_array_get_idx(content, i), &v) ==
            RQ_TOOL_RESULT)
            moved |= write_tool_message(c, w, v);
    if (!moved)
        return;
    /* One user message per result that had an image, after them all. */
    for (size_t i = 0; i < n; i++)
        if (rq_block(json_object_array_get_idx(content, i), &v) ==
                RQ_TOOL_RESULT && each_image(v, w, NULL))
            write_image_message(w, v);
}

/* ---------------------------------------------------- regular messages */

/* The content parts of one message; runs even for a message that is not
 * written, so its skip warnings still appear (as in the reference). */
static void write_parts(rq_ctx *c, jw *w, json_object *content,
                        size_t index)
{
    part_list pl = {0};
    size_t n = json_object_array_length(content);
    json_object *v;
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(content, i), &v);
        if (kind == RQ_TEXT || (is_media(kind) && media_usable(c, v)))
            part_add(w, &pl, kind, v);
        else if (kind == RQ_CITATIONS)
            part_add_citations(c, w, &pl, v, index, i);
        else if (kind == RQ_CACHE_POINT && !rq_cache_point_applies(v))
            lp_log(c->log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
                   "cachePoint type is not \"default\" | ignoring", index, i);
        else if (kind == RQ_CACHE_POINT && !part_cache(&pl, v))
            lp_log(c->log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
                   "cachePoint has no content block before it in its "
                   "message | ignoring", index, i);
    }
    part_end(w, &pl);
}

/* Google's documented stand-in for a signature the history does not have
 * (a call another provider made before a hot swap): Gemini 3 refuses a
 * function call without one. */
#define GOOGLE_SIGNATURE_PLACEHOLDER "skip_thought_signature_validator"

/* The id a toolUse goes out with and, on a route that carries signatures
 * beside the call (c->sig_vendor), its signature: the toolUse's
 * reasoningSignature, or the part of an id made by a LiteLLM proxy after
 * "__thought__" (the id itself stays as it was, so its result pairs). */
static void call_id(const rq_ctx *c, json_object *tool_use, rq_id *id,
                    const char **sig, size_t *sig_len)
{
    rq_tool_use_id(tool_use, id);
    *sig = NULL;
    *sig_len = 0;
    if (!c->sig_vendor)
        return;
    if (id->sig) {
        *sig = id->sig;
        *sig_len = id->sig_len;
        id->sig = NULL;
        id->sig_len = 0;
        return;
    }
    const char *sep = strstr(id->id, RQ_THOUGHT_SEP);
    if (sep && sep[sizeof RQ_THOUGHT_SEP - 1]) {
        *sig = sep + sizeof RQ_THOUGHT_SEP - 1;
        *sig_len = id->id_len - (size_t)(*sig - id->id);
    }
}

static void write_tool_calls(rq_ctx *c, jw *w, json_object *content)
{
    size_t n = json_object_array_length(content);
    json_object *v;
    int opened = 0, signed_calls = 0;
    const char *sig;
    size_t sig_len;
    rq_id id;
    for (size_t i = 0; c->sig_placeholder && i < n; i++)
        if (rq_block(json_object_array_get_idx(content, i), &v) == RQ_TOOL_USE) {
            call_id(c, v, &id, &sig, &sig_len);
            signed_calls += sig != NULL;
        }
    for (size_t i = 0; i < n; i++) {
        if (rq_block(json_object_array_get_idx(content, i), &v) !=
            RQ_TOOL_USE)
            continue;
        call_id(c, v, &id, &sig, &sig_len);
        /* Gemini checks the first call of a step: a message whose calls
         * carry no signature at all gets the placeholder there. */
        if (!opened && !signed_calls && c->sig_placeholder) {
            sig = GOOGLE_SIGNATURE_PLACEHOLDER;
            sig_len = sizeof GOOGLE_SIGNATURE_PLACEHOLDER - 1;
        }
        if (!opened) {
            jw_key(w, "tool_calls");
            jw_array_open(w);
            opened = 1;
        }
        rq_write_tool_call(c, w, v, &id, sig, sig_len);
        /* Remember the id it went out with, for its tool message. */
        note(c, rq_idmap_put(&c->ids, &id));
    }
    if (opened)
        jw_array_close(w);
}

/* Decision 5: an assistant's reasoning goes back as LiteLLM
 * thinking_blocks. */
static void write_thinking_blocks(rq_ctx *c, jw *w, json_object *content)
{
    size_t n = json_object_array_length(content);
    json_object *v;
    int opened = 0;
    for (size_t i = 0; i < n; i++) {
        if (rq_block(json_object_array_get_idx(content, i), &v) !=
            RQ_REASONING)
            continue;
        json_object *text = rq_get(v, "reasoningText");
        if (!text) {
            /* The bytes would have to be decoded to the provider's opaque
             * string; no response path of ours produces them anyway. */
            lp_log(c->log, MP_LOG_WARN, "redactedContent cannot be sent "
                   "through the Chat Completions API | skipping content "
                   "block");
            continue;
        }
        if (!opened) {
            jw_key(w, "thinking_blocks");
            jw_array_open(w);
            opened = 1;
        }
        rq_write_thinking(w, text);
    }
    if (opened)
        jw_array_close(w);
}

static void write_message(rq_ctx *c, jw *w, json_object *msg, size_t index)
{
    size_t role_len;
    const char *role = rq_str(msg, "role", &role_len);
    json_object *content = rq_get(msg, "content");
    int keep_reasoning = c->round_trip && strcmp(role, "assistant") == 0;
    int reasoning = 0, output = 0, results = 0;
    size_t n = json_object_array_length(content);
    json_object *v;
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(content, i), &v);
        reasoning |= kind == RQ_REASONING;
        results |= kind == RQ_TOOL_RESULT;
        output |= kind == RQ_TEXT || kind == RQ_TOOL_USE ||
                  kind == RQ_CITATIONS ||
                  (is_media(kind) && has_bytes(v));
    }
    if (reasoning && !keep_reasoning)
        lp_log(c->log, MP_LOG_WARN, WARN_REASONING);
    /* A message with neither content nor tool_calls is dropped (3.2). */
    if (output) {
        jw_object_open(w);
        jw_key(w, "role");
        jw_string(w, role, role_len);
    }
    write_parts(c, w, content, index);
    if (output) {
        write_tool_calls(c, w, content);
        if (keep_reasoning)
            write_thinking_blocks(c, w, content);
        jw_object_close(w);
    } else if (reasoning && keep_reasoning) {
        /* thinking_blocks need a message to ride on; say what is lost. */
        lp_log(c->log, MP_LOG_WARN, "messages[%zu]: an assistant message "
               "with only reasoning is not sent | skipping message", index);
    }
    if (results)
        write_tool_results(c, w, content);
}

void rq_write_messages(rq_ctx *c, jw *w, const rf_request *req)
{
    /* Pass 1 filled the id map for checking; it is rebuilt in message
     * order here so a repeated toolUseId pairs with its latest toolUse. */
    rq_idmap_clear(&c->ids);
    jw_array_open(w);
    write_system(w, req);
    size_t n = json_object_array_length(req->messages);
    for (size_t i = 0; i < n && !jw_status(w) && !c->status; i++)
        write_message(c, w, json_object_array_get_idx(req->messages, i), i);
    jw_array_close(w);
}
