/*
 * json_numbers.c - integers wider than 64 bits keep their digits; see
 * json_numbers.h.
 *
 * json-c gives no position for a value, so the literal of a saturated node
 * is found from the text: a scan that knows, at every number, the path of
 * keys and indexes leading to it.  The path is then followed in the tree.
 * With duplicate keys json-c keeps the last value in the first one's
 * place; following paths in text order, the last literal on a path is the
 * one that decides, which is the same rule.
 */
#include "json_numbers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* Deeper than lp_json_parse accepts, so a valid text never overflows. */
#define SCAN_DEPTH 256

static const char UINT64_MAX_TEXT[] = "18446744073709551615";
static const char INT64_MIN_DIGITS[] = "9223372036854775808";

/* A value json-c pinned to a 64-bit limit (or a literal at the limit). */
static int saturated(json_object *v)
{
    return json_object_is_type(v, json_type_int) &&
           (json_object_get_int64(v) == INT64_MIN ||
            json_object_get_uint64(v) == UINT64_MAX);
}

static int any_saturated(json_object *v, int depth)
{
    if (depth > SCAN_DEPTH)
        return 0;
    switch (json_object_get_type(v)) {
    case json_type_int:
        return saturated(v);
    case json_type_array: {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            if (any_saturated(json_object_array_get_idx(v, i), depth + 1))
                return 1;
        return 0;
    }
    case json_type_object: {
        json_object_object_foreach(v, key, val) {
            (void)key;
            if (any_saturated(val, depth + 1))
                return 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* How an integer literal (no fraction, no exponent) compares with the
 * 64-bit limit on its side: -1 inside, 0 exactly at it, 1 beyond. */
static int versus_limit(const char *s, size_t n)
{
    const char *limit = UINT64_MAX_TEXT;
    if (*s == '-') {
        s++;
        n--;
        limit = INT64_MIN_DIGITS;
    }
    size_t ln = strlen(limit);
    if (n != ln)
        return n < ln ? -1 : 1;
    int c = memcmp(s, limit, n);
    return c < 0 ? -1 : c > 0;
}

typedef struct frame {
    int is_object;
    int want_key;       /* object: the next string is a key */
    const char *key;    /* raw text of the current key (no quotes) */
    size_t key_len;
    int key_escaped;    /* the raw text holds a backslash */
    size_t index;       /* array: the current element */
} frame;

typedef struct scan {
    json_object *root;
    const char *json;
    size_t len;
    const char *what;
    mp_error *err;
    frame stack[SCAN_DEPTH];
    int depth;
} scan;

/* The tree node at the scan's current path, or NULL when the text's value
 * did not survive into the tree (an overwritten duplicate key). */
static json_object *node_at_path(scan *s, size_t at, int *rc)
{
    json_object *node = s->root;
    char small[256];
    *rc = MP_OK;
    for (int d = 0; d < s->depth && node; d++) {
        frame *f = &s->stack[d];
        if (!f->is_object) {
            node = json_object_is_type(node, json_type_array) &&
                           f->index < json_object_array_length(node)
                       ? json_object_array_get_idx(node, f->index)
                       : NULL;
            continue;
        }
        if (f->key_escaped) {
            *rc = lp_fail(s->err, MP_E_INVALID_ARGUMENT,
                          "%s: the integer at byte %zu does not fit in 64 "
                          "bits and its key is written with escapes, so it "
                          "cannot be kept exactly (send it as a string)",
                          s->what, at);
            return NULL;
        }
        char *key = f->key_len < sizeof small ? small : malloc(f->key_len + 1);
        if (!key) {
            *rc = lp_fail(s->err, MP_E_NO_MEMORY, "%s: out of memory",
                          s->what);
            return NULL;
        }
        memcpy(key, f->key, f->key_len);
        key[f->key_len] = '\0';
        json_object *child = NULL;
        if (!json_object_is_type(node, json_type_object) ||
            !json_object_object_get_ex(node, key, &child))
            child = NULL;
        if (key != small)
            free(key);
        node = child;
    }
    return node;
}

/* An integer literal at a 64-bit limit or beyond, at json[at..at+n). */
static int restore(scan *s, size_t at, size_t n)
{
    int side = versus_limit(s->json + at, n);
    if (side < 0)
        return MP_OK;
    int rc;
    json_object *node = node_at_path(s, at, &rc);
    if (rc || !node || !saturated(node))
        return rc;
    if (side == 0) {
        /* A literal exactly at the limit is what json-c holds already; a
         * text set by an earlier duplicate key must not stay. */
        json_object_set_serializer(node, NULL, NULL, NULL);
        return MP_OK;
    }
    char *text = malloc(n + 1);
    if (!text)
        return lp_fail(s->err, MP_E_NO_MEMORY, "%s: out of memory", s->what);
    memcpy(text, s->json + at, n);
    text[n] = '\0';
    json_object_set_serializer(node, json_object_userdata_to_json_string,
                               text, json_object_free_userdata);
    return MP_OK;
}

/* Past the closing quote of the string opening at json[i]. */
static size_t skip_string(scan *s, size_t i, int *escaped)
{
    *escaped = 0;
    for (i++; i < s->len; i++) {
        if (s->json[i] == '\\') {
            *escaped = 1;
            i++;
        } else if (s->json[i] == '"') {
            return i + 1;
        }
    }
    return s->len;
}

static int is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

static int scan_text(scan *s)
{
    size_t i = 0;
    while (i < s->len) {
        char c = s->json[i];
        frame *top = s->depth ? &s->stack[s->depth - 1] : NULL;
        if (c == '"') {
            int escaped;
            size_t end = skip_string(s, i, &escaped);
            if (top && top->is_object && top->want_key) {
                top->key = s->json + i + 1;
                top->key_len = end - i - 2;
                top->key_escaped = escaped;
                top->want_key = 0;
            }
            i = end;
        } else if (c == '{' || c == '[') {
            if (s->depth == SCAN_DEPTH)
                return MP_OK; /* deeper than any parsed text can be */
            frame *f = &s->stack[s->depth++];
            memset(f, 0, sizeof *f);
            f->is_object = c == '{';
            f->want_key = f->is_object;
            i++;
        } else if (c == '}' || c == ']') {
            if (s->depth)
                s->depth--;
            i++;
        } else if (c == ',') {
            if (top && top->is_object)
                top->want_key = 1;
            else if (top)
                top->index++;
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            int integer = 1;
            while (i < s->len && is_number_char(s->json[i])) {
                char d = s->json[i++];
                if (d == '.' || d == 'e' || d == 'E')
                    integer = 0;
            }
            if (integer) {
                int rc = restore(s, start, i - start);
                if (rc)
                    return rc;
            }
        } else {
            i++; /* ':', blanks, true/false/null */
        }
    }
    return MP_OK;
}

int lp_json_keep_wide_integers(json_object *root, const char *json,
                               size_t len, const char *what, mp_error *err)
{
    if (!any_saturated(root, 0))
        return MP_OK;
    scan *s = calloc(1, sizeof *s);
    if (!s)
        return lp_fail(err, MP_E_NO_MEMORY, "%s: out of memory", what);
    s->root = root;
    s->json = json;
    s->len = len;
    s->what = what;
    s->err = err;
    int rc = scan_text(s);
    free(s);
    return rc;
}
