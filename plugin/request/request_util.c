/*
 * request_util.c - small shared helpers of the request formatter: JSON
 * paths for error messages, block classification, member lookups and the
 * toolUseId map.  See request_internal.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/hash.h"
#include "request_internal.h"

/* ---------------------------------------------------------- JSON paths */

/* Appends n bytes, cut to what the buffer holds with its NUL.  The path
 * is written for every key and index of every request, and shown only
 * when one is refused: copies, not snprintf, which cost about 3% of a
 * short request's work. */
static void path_put(rq_path *p, const char *s, size_t n)
{
    size_t room = sizeof p->buf - 1 - p->len;
    if (n > room)
        n = room;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

void rq_path_set(rq_path *p, const char *root)
{
    p->len = 0;
    path_put(p, root, strlen(root));
}

size_t rq_path_key(rq_path *p, const char *key)
{
    size_t old = p->len;
    path_put(p, ".", 1);
    path_put(p, key, strlen(key));
    return old;
}

size_t rq_path_index(rq_path *p, size_t i)
{
    size_t old = p->len;
    char digits[24];
    size_t at = sizeof digits;
    digits[--at] = ']';
    do
        digits[--at] = (char)('0' + i % 10);
    while ((i /= 10) != 0);
    digits[--at] = '[';
    path_put(p, digits + at, sizeof digits - at);
    return old;
}

void rq_path_pop(rq_path *p, size_t len)
{
    p->len = len;
    p->buf[len] = '\0';
}

int rq_invalid(mp_error *err, const rq_path *p, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    lp_vformat(what, sizeof what, fmt, ap);
    va_end(ap);
    return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: %s", p->buf, what);
}

/* ------------------------------------------------------ content blocks */

rq_kind rq_kind_of(const char *key)
{
    static const struct {
        const char *name;
        rq_kind kind;
    } kinds[] = {
        {"text", RQ_TEXT},
        {"image", RQ_IMAGE},
        {"document", RQ_DOCUMENT},
        {"video", RQ_VIDEO},
        {"reasoningContent", RQ_REASONING},
        {"toolUse", RQ_TOOL_USE},
        {"toolResult", RQ_TOOL_RESULT},
        {"cachePoint", RQ_CACHE_POINT},
        {"json", RQ_JSON},
        {"citationsContent", RQ_CITATIONS},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(key, kinds[i].name) == 0)
            return kinds[i].kind;
    return RQ_UNKNOWN;
}

rq_kind rq_block(json_object *block, json_object **value)
{
    *value = NULL;
    if (!json_object_is_type(block, json_type_object))
        return RQ_UNKNOWN;
    json_object_object_foreach(block, key, val) {
        if (strcmp(key, "type") == 0)
            continue; /* a redundant name of the kind, checked in pass 1 */
        *value = val;
        return rq_kind_of(key);
    }
    return RQ_UNKNOWN;
}

json_object *rq_get(json_object *obj, const char *key)
{
    json_object *v = NULL;
    if (!json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

const char *rq_str(json_object *obj, const char *key, size_t *len)
{
    json_object *v = rq_get(obj, key);
    if (!json_object_is_type(v, json_type_string)) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* ------------------------------------------------------- toolUseId map */

/* FNV-1a: ids are short and this table is rebuilt per request, so a
 * simple hash with linear probing is plenty. */
static size_t hash_id(const char *s, size_t len)
{
    return (size_t)lp_fnv1a(LP_FNV_START, s, len);
}

static rq_id *find_slot(rq_id *slots, size_t cap, const char *id, size_t len)
{
    size_t i = hash_id(id, len) & (cap - 1);
    while (slots[i].id &&
           !(slots[i].id_len == len && memcmp(slots[i].id, id, len) == 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

void rq_idmap_clear(rq_idmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

void rq_idmap_free(rq_idmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static int grow(rq_idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    rq_id *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return MP_E_NO_MEMORY;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].id)
            *find_slot(slots, cap, m->slots[i].id, m->slots[i].id_len) =
                m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return MP_OK;
}

int rq_idmap_put(rq_idmap *m, const rq_id *e)
{
    /* Keep the load under one half so probes stay short. */
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    rq_id *slot = find_slot(m->slots, m->cap, e->id, e->id_len);
    if (!slot->id)
        m->count++;
    *slot = *e;
    return MP_OK;
}

const rq_id *rq_idmap_get(const rq_idmap *m, const char *id, size_t len)
{
    if (!m->cap)
        return NULL;
    rq_id *slot = find_slot(m->slots, m->cap, id, len);
    return slot->id ? slot : NULL;
}

void rq_tool_use_id(json_object *tool_use, rq_id *out)
{
    out->id = rq_str(tool_use, "toolUseId", &out->id_len);
    out->sig = rq_str(tool_use, "reasoningSignature", &out->sig_len);
    if (!out->id) {
        out->id = "";
        out->id_len = 0;
    }
    /* Reference 3.5: append the signature only when there is one and the
     * id does not carry a separator already (no double encoding). */
    if (out->sig && (out->sig_len == 0 || strstr(out->id, RQ_THOUGHT_SEP))) {
        out->sig = NULL;
        out->sig_len = 0;
    }
}

int rq_cache_point_applies(json_object *cache_point)
{
    const char *type = rq_str(cache_point, "type", NULL);
    return type && strcmp(type, "default") == 0;
}

/* --------------------------------------------------- citationsContent */

int rq_citations_text(json_object *cc, strbuf *out)
{
    json_object *items = rq_get(cc, "content");
    size_t n = json_object_is_type(items, json_type_array)
                   ? json_object_array_length(items) : 0;
    int rc = sb_append(out, "", 0);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len;
        const char *t = rq_str(json_object_array_get_idx(items, i), "text",
                               &len);
        if (t)
            rc = sb_append(out, t, len);
    }
    return rc;
}

/* An image among `blocks`, or among a toolResult's content. */
static int has_image(json_object *blocks)
{
    size_t n = json_object_is_type(blocks, json_type_array)
                   ? json_object_array_length(blocks) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v;
        rq_kind kind = rq_block(json_object_array_get_idx(blocks, i), &v);
        if (kind == RQ_IMAGE ||
            (kind == RQ_TOOL_RESULT && has_image(rq_get(v, "content"))))
            return 1;
    }
    return 0;
}

int rq_request_has_images(const rf_request *req)
{
    size_t n = req->messages ? json_object_array_length(req->messages) : 0;
    for (size_t i = 0; i < n; i++)
        if (has_image(rq_get(json_object_array_get_idx(req->messages, i),
                             "content")))
            return 1;
    return 0;
}
