/*
 * chunk_tools.c - buffering tool-call deltas and emitting them as tool-use
 * blocks (reference 4.2 c and 4); grouping by index with decision 11, and
 * the Gemini thought signature of reference 5 / litellm-wire 1.8.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_mapper.h"
#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/json_numbers.h"
#include "../core/json_writer.h"
#include "../core/utf8.h"
#include "../core/uuid.h"

/* More tool calls than this in one answer is a broken or hostile server;
 * the bound keeps memory proportional to something sane. */
#define CM_MAX_TOOL_CALLS 4096

/* LiteLLM's separator between a tool-call id and its signature (reference
 * 5; a copy of a LiteLLM constant, as in the Python provider). */
static const char thought_sep[] = "__thought__";

static void tool_free(cm_tool *t)
{
    sb_free(&t->id);
    sb_free(&t->name);
    sb_free(&t->args);
    sb_free(&t->sig_call);
    sb_free(&t->sig_func);
    sb_free(&t->sig_google);
    free(t->ends);
}

void cm_tools_free(chunk_mapper *m)
{
    for (size_t i = 0; i < m->ntools; i++)
        tool_free(&m->tools[i]);
    free(m->tools);
    m->tools = NULL;
    m->ntools = m->cap_tools = 0;
}

static int new_tool(chunk_mapper *m, int64_t index, cm_tool **out)
{
    if (m->ntools >= CM_MAX_TOOL_CALLS)
        return cm_protocol_error(m, "more than %d tool calls",
                                 CM_MAX_TOOL_CALLS);
    if (m->ntools == m->cap_tools) {
        size_t cap = m->cap_tools ? m->cap_tools * 2 : 4;
        cm_tool *p = realloc(m->tools, cap * sizeof *p);
        if (!p)
            return MP_E_NO_MEMORY;
        m->tools = p;
        m->cap_tools = cap;
    }
    cm_tool *t = &m->tools[m->ntools++];
    memset(t, 0, sizeof *t);
    t->index = index;
    /* Ids and names arrive within one SSE line, so max_line bounds them;
     * arguments grow over many lines and have their own limit. */
    sb_init(&t->id, m->opt.max_line);
    sb_init(&t->name, m->opt.max_line);
    sb_init(&t->args, m->opt.max_tool_args); /* see charge() */
    sb_init(&t->sig_call, m->opt.max_line);
    sb_init(&t->sig_func, m->opt.max_line);
    sb_init(&t->sig_google, m->opt.max_line);
    *out = t;
    return MP_OK;
}

/* Everything kept for the tool calls of one answer counts against one
 * budget, max_tool_args: a limit per call alone would let 4096 calls each
 * hold that much.  A piece of arguments also costs its entry in `ends`. */
static int charge(chunk_mapper *m, const cm_tool *t, size_t n)
{
    /* t is NULL for the message-level signature. */
    char at[64] = "the message's thought signature";
    if (t)
        snprintf(at, sizeof at, "the call at index %lld", (long long)t->index);
    if (n > m->opt.max_tool_args - m->tool_bytes)
        return cm_protocol_error(m, "the tool calls of this answer hold more "
                                 "than max_tool_args (%zu bytes) at %s; "
                                 "raise client_args.max_response_bytes if "
                                 "the answer is genuine",
                                 m->opt.max_tool_args, at);
    m->tool_bytes += n;
    return MP_OK;
}

/* A member that must be a string when present; absent or null leave *s
 * NULL.  `what` names it in the error. */
static int str_member(chunk_mapper *m, const jr_val *obj, const char *key,
                      size_t pos, const char *what, const char **s,
                      size_t *n)
{
    const jr_val *v;
    *s = NULL;
    *n = 0;
    if (jr_is(v = jr_get(obj, key), JR_NULL)) /* absent or null */
        return MP_OK;
    if (!jr_is(v, JR_STRING))
        return cm_shape_error(m, v, "a string", "choices[%zu].%s."
                              "tool_calls[%zu].%s", m->choice,
                              cm_delta_name(m), pos, what);
    *s = jr_str(v);
    *n = jr_len(v);
    return MP_OK;
}

/* Keep a string for the host: it must be UTF-8 (`what` names it if not),
 * and is bounded by max_line (ids, names and signatures arrive within one
 * SSE line).  Checked here, where a value is kept, because later deltas
 * repeat values that are then not kept. */
static int keep_string(chunk_mapper *m, const cm_tool *t, strbuf *sb,
                       const char *s, size_t n, const char *what)
{
    int rc = cm_check_utf8(m, s, n, what);
    if (!rc)
        rc = charge(m, t, n);
    if (rc)
        return rc;
    rc = sb_append(sb, s, n);
    if (rc == MP_E_PROTOCOL && !t)
        return cm_protocol_error(m, "%s is longer than max_line (%zu bytes)",
                                 what, m->opt.max_line);
    if (rc == MP_E_PROTOCOL)
        return cm_protocol_error(m, "tool call at index %lld: a field is "
                                 "longer than max_line (%zu bytes)",
                                 (long long)t->index, m->opt.max_line);
    return rc;
}

/* Keep the first non-empty value of an optional signature found at
 * obj.key1(.key2).thought_signature; other shapes are ignored (these are
 * provider extras, not content).  A kept value that is not UTF-8 fails
 * like any other string for the host. */
static int keep_signature(chunk_mapper *m, const cm_tool *t, strbuf *sb,
                          const jr_val *obj, const char *key1,
                          const char *key2)
{
    const jr_val *v = obj;
    if (sb->len)
        return MP_OK;
    if (!jr_is(v = jr_get(v, key1), JR_OBJECT))
        return MP_OK;
    if (key2 && !jr_is(v = jr_get(v, key2), JR_OBJECT))
        return MP_OK;
    if (!jr_is(v = jr_get(v, "thought_signature"), JR_STRING))
        return MP_OK;
    return keep_string(m, t, sb, jr_str(v), jr_len(v),
                       t ? "tool_calls[].thought_signature"
                         : "extra_content.thought_signature");
}

/* The call a streaming delta belongs to: the latest call with its index
 * (no index: the latest call, as LiteLLM and Mistral mean it), unless the
 * delta carries a different non-empty id, which starts a new call. */
static int target(chunk_mapper *m, int has_index, int64_t index,
                  const char *id, size_t id_len, cm_tool **out)
{
    cm_tool *t = NULL;
    if (!has_index) {
        if (m->ntools)
            t = &m->tools[m->ntools - 1];
        index = t ? t->index : 0;
    } else {
        for (size_t i = m->ntools; i-- > 0;)
            if (m->tools[i].index == index) {
                t = &m->tools[i];
                break;
            }
    }
    if (t && id_len && t->id.len &&
        (t->id.len != id_len || memcmp(t->id.data, id, id_len) != 0))
        t = NULL; /* decision 11: same index, another id, another call */
    if (t) {
        *out = t;
        return MP_OK;
    }
    return new_tool(m, index, out);
}

static int add_args(chunk_mapper *m, cm_tool *t, const char *s, size_t n)
{
    if (n == 0)
        return MP_OK;
    int rc = charge(m, t, n + sizeof *t->ends);
    if (!rc)
        rc = sb_append(&t->args, s, n);
    if (rc)
        return rc;
    if (t->nends == t->cap_ends) {
        size_t cap = t->cap_ends ? t->cap_ends * 2 : 16;
        size_t *p = realloc(t->ends, cap * sizeof *p);
        if (!p)
            return MP_E_NO_MEMORY;
        t->ends = p;
        t->cap_ends = cap;
    }
    t->ends[t->nends++] = t->args.len;
    return MP_OK;
}

/* function.arguments: normally a string of JSON text; a few servers send
 * the object itself, which we turn back into text rather than refuse. */
static int arguments(chunk_mapper *m, const jr_val *fn, size_t pos,
                     strbuf *text, const char **s, size_t *n)
{
    const jr_val *v;
    *s = NULL;
    *n = 0;
    if (jr_is(v = jr_get(fn, "arguments"), JR_NULL)) /* absent or null */
        return MP_OK;
    if (jr_is(v, JR_OBJECT)) {
        /* The object's own text, read again by json-c as the chunk was
         * read before (so NaN, raw control characters and lone surrogates
         * pass as they did), wide integers given back their digits, and
         * written compactly by our writer, not json-c's printer, which
         * returns cut text when an allocation fails.  Rare: most servers
         * send a string. */
        json_object *obj = NULL;
        int rc = cm_json_c(m, v, &obj);
        if (rc)
            return rc;
        mp_error werr = MP_ERROR_INIT;
        rc = lp_json_keep_wide_integers(obj, m->json + v->src, v->src_len,
                                        "arguments", &werr);
        if (rc) {
            json_object_put(obj);
            return rc == MP_E_NO_MEMORY
                       ? rc
                       : cm_protocol_error(m, "choices[%zu].%s.tool_calls"
                                           "[%zu].function.%s", m->choice,
                                           cm_delta_name(m), pos,
                                           werr.message);
        }
        rc = jw_to_string(obj, text);
        json_object_put(obj);
        if (rc)
            return rc == MP_E_PROTOCOL
                       ? cm_protocol_error(m, "tool call arguments longer "
                                           "than max_line (%zu bytes)",
                                           m->opt.max_line)
                       : rc;
        *s = text->data ? text->data : "";
        *n = text->len;
        return MP_OK;
    }
    return str_member(m, fn, "arguments", pos, "function.arguments", s, n);
}

int cm_tools_add(chunk_mapper *m, const jr_val *tc, size_t pos)
{
    if (!jr_is(tc, JR_OBJECT))
        return cm_shape_error(m, tc, "an object", "choices[%zu].%s."
                              "tool_calls[%zu]", m->choice, cm_delta_name(m),
                              pos);
    const jr_val *v, *fn = NULL;
    int has_index = 0;
    int64_t index = (int64_t)pos;
    if (!jr_is(v = jr_get(tc, "index"), JR_NULL)) {
        if (!jr_is(v, JR_INT))
            return cm_shape_error(m, v, "an integer", "choices[%zu].%s."
                                  "tool_calls[%zu].index", m->choice,
                                  cm_delta_name(m), pos);
        has_index = 1;
        index = jr_int64(v);
    }
    const char *id, *name = NULL, *args = NULL;
    size_t id_len, name_len = 0, args_len = 0;
    strbuf obj_args; /* arguments sent as an object, as text */
    sb_init(&obj_args, m->opt.max_line);
    int rc = str_member(m, tc, "id", pos, "id", &id, &id_len);
    if (rc)
        return rc;
    if (!jr_is(fn = jr_get(tc, "function"), JR_NULL)) {
        if (!jr_is(fn, JR_OBJECT))
            return cm_shape_error(m, fn, "an object", "choices[%zu].%s."
                                  "tool_calls[%zu].function", m->choice,
                                  cm_delta_name(m), pos);
        rc = str_member(m, fn, "name", pos, "function.name", &name,
                        &name_len);
        if (!rc)
            rc = arguments(m, fn, pos, &obj_args, &args, &args_len);
        if (rc) {
            sb_free(&obj_args);
            return rc;
        }
    } else {
        fn = NULL;
    }
    /* Every argument piece is kept, so each is checked; ids, names and
     * signatures are checked where they are kept (keep_string). */
    rc = cm_check_utf8(m, args, args_len, "tool_calls[].function.arguments");
    cm_tool *t = NULL;
    /* In a whole message each element is a call of its own (reference
     * 4.3: index = position in the list). */
    if (!rc && m->whole)
        rc = new_tool(m, (int64_t)pos, &t);
    else if (!rc)
        rc = target(m, has_index, index, id, id_len, &t);
    /* Later deltas repeat "id":"" and sometimes the name: the first
     * non-empty value stays. */
    if (!rc && id_len && !t->id.len)
        rc = keep_string(m, t, &t->id, id, id_len, "tool_calls[].id");
    if (!rc && name_len && !t->name.len)
        rc = keep_string(m, t, &t->name, name, name_len,
                         "tool_calls[].function.name");
    if (!rc)
        rc = keep_signature(m, t, &t->sig_call, tc,
                            "provider_specific_fields", NULL);
    if (!rc && fn)
        rc = keep_signature(m, t, &t->sig_func, fn,
                            "provider_specific_fields", NULL);
    /* Google's endpoint, then Vertex's: the first value seen wins. */
    if (!rc)
        rc = keep_signature(m, t, &t->sig_google, tc, "extra_content",
                            "google");
    if (!rc)
        rc = keep_signature(m, t, &t->sig_google, tc, "extra_content",
                            "vertex");
    if (!rc)
        rc = add_args(m, t, args, args_len);
    sb_free(&obj_args);
    return rc;
}

int cm_tools_message_signature(chunk_mapper *m, const jr_val *delta)
{
    int rc = keep_signature(m, NULL, &m->msg_sig, delta, "extra_content",
                            "google");
    return rc ? rc : keep_signature(m, NULL, &m->msg_sig, delta,
                                    "extra_content", "vertex");
}

/* Reference 5 plus the newer provider's order: the call's
 * provider_specific_fields, then the function's, then the part of the id
 * after the first "__thought__"; Google's own OpenAI-compatible form last. */
static void signature(const cm_tool *t, const char **s, size_t *n)
{
    *s = NULL;
    *n = 0;
    const strbuf *pick = t->sig_call.len ? &t->sig_call
                         : t->sig_func.len ? &t->sig_func : NULL;
    if (pick) {
        *s = pick->data;
        *n = pick->len;
        return;
    }
    if (t->id.len) {
        const char *sep = memmem(t->id.data, t->id.len, thought_sep,
                                 sizeof thought_sep - 1);
        if (sep) {
            const char *sig = sep + sizeof thought_sep - 1;
            size_t len = (size_t)(t->id.data + t->id.len - sig);
            if (len) {
                *s = sig;
                *n = len;
                return;
            }
        }
    }
    if (t->sig_google.len) {
        *s = t->sig_google.data;
        *n = t->sig_google.len;
    }
}

/* A call that never got an id gets "call_<uuid4>" (reference-update 2.4),
 * so the host can pair its result with it. */
static int made_up_id(chunk_mapper *m, char *out)
{
    memcpy(out, "call_", 5);
    if (lp_uuid4(out + 5) == MP_OK)
        return MP_OK;
    return lp_fail(m->err, MP_E_INTERNAL, "a tool call came without an id "
                   "and no random bytes were available to make one "
                   "(getrandom and /dev/urandom both failed)");
}

static int emit_tool(chunk_mapper *m, cm_tool *t)
{
    const char *sig;
    size_t sig_len;
    signature(t, &sig, &sig_len);
    /* A signature Google put on the message rather than on a call belongs
     * to the first call (the one Gemini checks). */
    if (!sig && t == m->tools && m->msg_sig.len) {
        sig = m->msg_sig.data;
        sig_len = m->msg_sig.len;
    }
    char made[5 + LP_UUID_TEXT_LEN + 1];
    const char *id = t->id.data;
    size_t id_len = t->id.len;
    if (!id_len) {
        int rc = made_up_id(m, made);
        if (rc)
            return rc;
        id = made;
        id_len = strlen(made);
    }
    int rc = ev_block_start(m->em, MP_BLOCK_TOOL_USE, t->name.data,
                            t->name.len, id, id_len, sig, sig_len);
    /* One delta per piece received, so a host sees the input grow as the
     * reference shows it; an input that never came is one "" delta, which
     * the assembler turns into {} as the reference does. */
    if (!rc && t->nends == 0)
        rc = ev_block_delta(m->em, MP_DELTA_TOOL_INPUT, "", 0);
    /* The pieces share one buffer: each is NUL-terminated in place for
     * the length of its event (mp_str promises ptr[len] == '\0'), and
     * the byte it covers is put back before the next piece. */
    for (size_t k = 0; !rc && k < t->nends; k++) {
        size_t from = k ? t->ends[k - 1] : 0;
        char *end = t->args.data + t->ends[k];
        char kept = *end;
        *end = '\0';
        rc = ev_block_delta(m->em, MP_DELTA_TOOL_INPUT, t->args.data + from,
                            t->ends[k] - from);
        *end = kept;
    }
    if (!rc)
        rc = ev_block_stop(m->em);
    return rc;
}

int cm_tools_emit(chunk_mapper *m)
{
    /* Check every call before the first block goes out, so a nameless call
     * fails the stream without a half-delivered list. */
    for (size_t i = 0; i < m->ntools; i++) {
        if (m->tools[i].name.len)
            continue;
        /* The id is scrubbed whole before it is cut for the message, so
         * no part of a secret the server echoed there can show. */
        strbuf id;
        sb_init(&id, m->tools[i].id.len * 2 + 64);
        if (ec_scrub(m->tools[i].id.len ? m->tools[i].id.data : "",
                     m->tools[i].id.len, m->opt.secrets, &id)) {
            sb_free(&id);
            return MP_E_NO_MEMORY;
        }
        int rc = cm_protocol_error(m, "the tool call at index %lld (id "
                                   "\"%.*s\") never received a function "
                                   "name", (long long)m->tools[i].index,
                                   lp_utf8_prec(id.data, 64),
                                   id.len ? id.data : "");
        sb_free(&id);
        return rc;
    }
    int rc = MP_OK;
    for (size_t i = 0; !rc && i < m->ntools; i++)
        rc = emit_tool(m, &m->tools[i]);
    cm_tools_free(m);
    return rc;
}
