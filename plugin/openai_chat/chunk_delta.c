/*
 * chunk_delta.c - one delta (streaming) or message (non-streaming) to text
 * and reasoning events, following the reference's _stream_switch_content:
 * a block is opened when the kind of content changes, closing the previous
 * one.  Within one delta, reasoning comes before text (reference 4.2 a, b).
 */
#include <string.h>

#include "chunk_mapper.h"
#include "../core/log.h"
#include "../core/utf8.h"

int cm_check_utf8(chunk_mapper *m, const char *s, size_t n, const char *what)
{
    size_t bad = lp_utf8_bad(s, n);
    if (bad == n)
        return MP_OK;
    return cm_protocol_error(m, "choices[%zu].%s.%s is not UTF-8 (byte %zu of "
                             "%zu is 0x%02x)", m->choice, cm_delta_name(m),
                             what, bad, n, (unsigned char)s[bad]);
}

/* Make `kind` the open block, then deliver one delta into it.  `what`
 * names the member the text came from, for the UTF-8 check. */
static int emit(chunk_mapper *m, int block_kind, int delta_kind,
                const char *s, size_t n, const char *what)
{
    int bad = cm_check_utf8(m, s, n, what);
    if (bad)
        return bad;
    if (m->open_kind != block_kind) {
        int rc = cm_message_start(m);
        if (!rc && m->open_kind)
            rc = ev_block_stop(m->em);
        m->open_kind = block_kind;
        if (!rc)
            rc = ev_block_start(m->em, block_kind, NULL, 0, NULL, 0, NULL, 0);
        if (rc)
            return rc;
    }
    return ev_block_delta(m->em, delta_kind, s, n);
}

static int emit_text(chunk_mapper *m, const char *s, size_t n,
                     const char *what)
{
    if (n == 0)
        return MP_OK; /* "" emits nothing, as in the reference */
    return emit(m, MP_BLOCK_TEXT, MP_DELTA_TEXT, s, n, what);
}

static int emit_reasoning(chunk_mapper *m, const char *s, size_t n,
                          const char *what)
{
    if (n == 0)
        return MP_OK;
    return emit(m, MP_BLOCK_REASONING, MP_DELTA_REASONING_TEXT, s, n, what);
}

/* Decision 5: a reasoning signature belongs to the reasoning block. */
static int emit_signature(chunk_mapper *m, const char *s, size_t n)
{
    if (n == 0 || !m->opt.reasoning_round_trip)
        return MP_OK;
    return emit(m, MP_BLOCK_REASONING, MP_DELTA_REASONING_SIGNATURE, s, n,
                "signature");
}

/* The members of a delta we read, found in one pass over its keys: a
 * delta has one to four members, so walking them beats a hash lookup for
 * each of the dozen names we know (this is the per-chunk hot path). */
typedef struct delta_fields {
    const jr_val *reasoning_content, *reasoning, *content, *refusal;
    const jr_val *tool_calls, *thinking_blocks, *thinking, *psf;
} delta_fields;

static void collect(const jr_val *delta, delta_fields *f)
{
    memset(f, 0, sizeof *f);
    JR_FOREACH_MEMBER(delta, name, val) {
        const char *key = name->u.s;
        switch (key[0]) {
        case 'c':
            if (strcmp(key, "content") == 0)
                f->content = val;
            break;
        case 'r':
            if (strcmp(key, "reasoning_content") == 0)
                f->reasoning_content = val;
            else if (strcmp(key, "reasoning") == 0)
                f->reasoning = val;
            else if (strcmp(key, "refusal") == 0)
                f->refusal = val;
            break;
        case 't':
            if (strcmp(key, "tool_calls") == 0)
                f->tool_calls = val;
            else if (strcmp(key, "thinking_blocks") == 0)
                f->thinking_blocks = val;
            else if (strcmp(key, "thinking") == 0)
                f->thinking = val;
            break;
        case 'p':
            if (strcmp(key, "provider_specific_fields") == 0)
                f->psf = val;
            break;
        default:
            break;
        }
    }
}

/* An optional string member: absent or null leaves *s NULL; any other type
 * is a protocol error naming the member. */
static int get_str(chunk_mapper *m, const jr_val *v, const char *key,
                   const char **s, size_t *n)
{
    *s = NULL;
    *n = 0;
    if (!v || jr_is(v, JR_NULL))
        return MP_OK;
    if (!jr_is(v, JR_STRING))
        return cm_shape_error(m, v, "a string", "choices[%zu].%s.%s",
                              m->choice, cm_delta_name(m), key);
    *s = jr_str(v);
    *n = jr_len(v);
    return MP_OK;
}

/* A non-empty string value, leniently: anything else is "none". */
static int soft_value(const jr_val *v, const char **s, size_t *n)
{
    if (!jr_is(v, JR_STRING) || jr_len(v) == 0)
        return 0;
    *s = jr_str(v);
    *n = jr_len(v);
    return 1;
}

/* A non-empty string member, leniently: anything else is "none".  For
 * optional extras whose shape varies between gateways. */
static int soft_str(const jr_val *obj, const char *key, const char **s,
                    size_t *n)
{
    const jr_val *v = jr_get(obj, key); /* NULL unless obj is an object */
    if (!jr_is(v, JR_STRING) || jr_len(v) == 0)
        return 0;
    *s = jr_str(v);
    *n = jr_len(v);
    return 1;
}

/* The signatures of a thinking_blocks list ({type, thinking, signature}),
 * in order.  Returns through *found whether there was any. */
static int thinking_block_signatures(chunk_mapper *m, const jr_val *blocks,
                                     int *found)
{
    if (!jr_is(blocks, JR_ARRAY))
        return MP_OK;
    size_t count = jr_len(blocks);
    const jr_val *b = jr_first(blocks);
    for (size_t i = 0; i < count; i++, b = jr_next(b)) {
        const char *s;
        size_t n;
        if (!soft_str(b, "signature", &s, &n))
            continue;
        *found = 1;
        int rc = emit_signature(m, s, n);
        if (rc)
            return rc;
    }
    return MP_OK;
}

/* Reasoning signatures (decision 5), from the first source that has any:
 * LiteLLM's delta.thinking_blocks, the same under provider_specific_fields,
 * a signature field there, or delta.thinking.signature.  Taking a single
 * source keeps a gateway that repeats the signature in two places from
 * delivering it twice. */
static int delta_signatures(chunk_mapper *m, const delta_fields *f)
{
    const jr_val *v = NULL, *psf = f->psf;
    int found = 0;
    int rc = thinking_block_signatures(m, f->thinking_blocks, &found);
    if (rc || found)
        return rc;
    if (jr_is(psf, JR_OBJECT)) {
        v = jr_get(psf, "thinking_blocks");
        rc = thinking_block_signatures(m, v, &found);
        if (rc || found)
            return rc;
    }
    const char *s;
    size_t n;
    if (soft_str(psf, "reasoning_signature", &s, &n) ||
        soft_str(psf, "signature", &s, &n))
        return emit_signature(m, s, n);
    if (soft_str(f->thinking, "signature", &s, &n))
        return emit_signature(m, s, n);
    return MP_OK;
}

/* A part type we cannot represent (an image, a citation reference, ...)
 * is skipped rather than failing the answer; the host hears of it once per
 * stream, at debug level. */
static void skipped_part(chunk_mapper *m, const char *type)
{
    if (m->skipped_part_logged)
        return;
    m->skipped_part_logged = 1;
    size_t n = type ? strlen(type) : 0;
    if (type && lp_utf8_bad(type, n) == n)
        lp_log(m->opt.log, MP_LOG_DEBUG, "response: content part of type "
               "\"%.*s\" skipped (only text and thinking parts are read)",
               lp_utf8_prec(type, 64), type);
    else
        lp_log(m->opt.log, MP_LOG_DEBUG, "response: content part without "
               "a readable type skipped (only text and thinking parts are "
               "read)");
}

static int content_parts(chunk_mapper *m, const jr_val *parts, int thinking,
                         const char *path);

/* The value of a thinking part: a string, or (Mistral) a list of text
 * parts, all of it reasoning. */
static int thinking_value(chunk_mapper *m, const jr_val *v, size_t i)
{
    if (jr_is(v, JR_ARRAY))
        return content_parts(m, v, 1, "content[].thinking");
    if (!jr_is(v, JR_STRING))
        return cm_shape_error(m, v, "a string or an array", "choices[%zu].%s."
                              "content[%zu].thinking", m->choice,
                              cm_delta_name(m), i);
    return emit_reasoning(m, jr_str(v), jr_len(v),
                          "content[].thinking");
}

/* delta.content (or, with `thinking`, a thinking part's value) as a list of
 * typed parts: {type:"text",text} is text (reasoning inside a thinking
 * part), {type:"thinking",thinking,signature?} is reasoning.  `path` names
 * the list for errors and UTF-8 checks. */
static int content_parts(chunk_mapper *m, const jr_val *parts, int thinking,
                         const char *path)
{
    size_t count = jr_len(parts);
    const jr_val *p = jr_first(parts), *t, *v;
    for (size_t i = 0; i < count; i++, p = jr_next(p)) {
        if (!jr_is(p, JR_OBJECT))
            return cm_shape_error(m, p, "an object", "choices[%zu].%s.%s[%zu]",
                                  m->choice, cm_delta_name(m), path, i);
        const char *type = NULL;
        if (jr_is(t = jr_get(p, "type"), JR_STRING))
            type = jr_str(t);
        int is_thinking = type && strcmp(type, "thinking") == 0;
        if (!type || (!is_thinking && strcmp(type, "text") != 0) ||
            (is_thinking && thinking)) {
            skipped_part(m, type);
            continue;
        }
        const char *key = is_thinking ? "thinking" : "text";
        if (jr_is(v = jr_get(p, key), JR_NULL)) /* absent or null */
            continue;
        int rc;
        if (is_thinking) {
            rc = thinking_value(m, v, i);
        } else if (!jr_is(v, JR_STRING)) {
            return cm_shape_error(m, v, "a string", "choices[%zu].%s.%s[%zu]"
                                  ".text", m->choice, cm_delta_name(m), path,
                                  i);
        } else {
            const char *s = jr_str(v);
            size_t n = jr_len(v);
            rc = thinking ? emit_reasoning(m, s, n, "content[].thinking[].text")
                          : emit_text(m, s, n, "content[].text");
        }
        const char *sig;
        size_t sig_len;
        if (!rc && is_thinking && soft_str(p, "signature", &sig, &sig_len))
            rc = emit_signature(m, sig, sig_len);
        if (rc)
            return rc;
    }
    return MP_OK;
}

static int content(chunk_mapper *m, const jr_val *v)
{
    if (!v || jr_is(v, JR_NULL))
        return MP_OK;
    if (jr_is(v, JR_STRING))
        return emit_text(m, jr_str(v), jr_len(v), "content");
    if (jr_is(v, JR_ARRAY))
        return content_parts(m, v, 0, "content");
    return cm_shape_error(m, v, "a string or an array", "choices[%zu].%s."
                          "content", m->choice, cm_delta_name(m));
}

static int tool_calls(chunk_mapper *m, const jr_val *v)
{
    if (!v || jr_is(v, JR_NULL))
        return MP_OK;
    if (!jr_is(v, JR_ARRAY))
        return cm_shape_error(m, v, "an array", "choices[%zu].%s.tool_calls",
                              m->choice, cm_delta_name(m));
    size_t count = jr_len(v);
    const jr_val *tc = jr_first(v);
    for (size_t i = 0; i < count; i++, tc = jr_next(tc)) {
        int rc = cm_tools_add(m, tc, i);
        if (rc)
            return rc;
    }
    return MP_OK;
}

int cm_apply_delta(chunk_mapper *m, const jr_val *delta)
{
    delta_fields f;
    collect(delta, &f);
    const char *s;
    size_t n;
    /* Reasoning: LiteLLM's reasoning_content, else the `reasoning` field
     * of Cerebras, Groq, OpenRouter and vLLM. */
    int rc = get_str(m, f.reasoning_content, "reasoning_content", &s, &n);
    const char *from = "reasoning_content";
    if (!rc && n == 0 && soft_value(f.reasoning, &s, &n))
        from = "reasoning";
    if (!rc)
        rc = emit_reasoning(m, s, n, from);
    if (!rc && m->opt.reasoning_round_trip)
        rc = delta_signatures(m, &f);
    if (!rc)
        rc = content(m, f.content);
    /* A refusal is what the model said instead of an answer: show it as
     * text rather than lose it. */
    if (!rc)
        rc = get_str(m, f.refusal, "refusal", &s, &n);
    if (!rc)
        rc = emit_text(m, s, n, "refusal");
    if (!rc)
        rc = cm_tools_message_signature(m, delta);
    if (!rc)
        rc = tool_calls(m, f.tool_calls);
    return rc;
}
