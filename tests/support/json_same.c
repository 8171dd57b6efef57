/* json_same.c - the reader against json-c; see json_same.h. */
#include "json_same.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../plugin/core/json_util.h"

static int differ(char *why, size_t n, const char *what, const char *path)
{
    snprintf(why, n, "%s: %s", path, what);
    return 0;
}

/* json-c 0.16 tests a decoded surrogate pair for being a surrogate again,
 * on all 21 bits: every code point whose low 16 bits fall in D800-DFFF
 * (U+1D800-U+1DFFF, U+2D800-U+2DFFF, ...) comes out as U+FFFD, or worse.
 * The reader decodes them; a string holding one is not comparable. */
static int json_c_mangles(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i + 3 < n; i++) {
        if (u[i] < 0xF0 || u[i] > 0xF4)
            continue;
        unsigned long cp = (unsigned long)(u[i] & 0x07) << 18 |
                           (unsigned long)(u[i + 1] & 0x3F) << 12 |
                           (unsigned long)(u[i + 2] & 0x3F) << 6 |
                           (unsigned long)(u[i + 3] & 0x3F);
        if ((cp & 0xF800) == 0xD800)
            return 1;
    }
    return 0;
}

static int same(const jr_val *a, json_object *b, char *path, size_t plen,
                char *why, size_t n)
{
    enum json_type bt = json_object_get_type(b);
    switch ((enum jr_type)a->type) {
    case JR_NULL:
        return bt == json_type_null ? 1 : differ(why, n, "null", path);
    case JR_BOOL:
        if (bt != json_type_boolean ||
            (json_object_get_boolean(b) != 0) != (a->flag != 0))
            return differ(why, n, "boolean", path);
        return 1;
    case JR_INT:
        if (bt != json_type_int || json_object_get_int64(b) != a->u.i)
            return differ(why, n, "integer", path);
        return 1;
    case JR_DOUBLE:
        if (bt != json_type_double ||
            (json_object_get_double(b) != a->u.d &&
             !(isnan(a->u.d) && isnan(json_object_get_double(b)))))
            return differ(why, n, "number", path);
        return 1;
    case JR_STRING:
        if (bt == json_type_string && json_c_mangles(a->u.s, a->count))
            return 1;
        if (bt != json_type_string ||
            (size_t)json_object_get_string_len(b) != a->count ||
            memcmp(json_object_get_string(b), a->u.s, a->count) != 0 ||
            a->u.s[a->count] != '\0')
            return differ(why, n, "string", path);
        return 1;
    case JR_ARRAY: {
        if (bt != json_type_array || json_object_array_length(b) != a->count)
            return differ(why, n, "array", path);
        const jr_val *e = jr_first(a);
        size_t at = strlen(path);
        for (size_t i = 0; i < a->count; i++, e = jr_next(e)) {
            snprintf(path + at, plen - at, "[%zu]", i);
            if (!same(e, json_object_array_get_idx(b, i), path, plen, why, n))
                return 0;
        }
        path[at] = '\0';
        return 1;
    }
    case JR_OBJECT: {
        if (bt != json_type_object)
            return differ(why, n, "object", path);
        /* json-c keeps one member per name (the last value); count the
         * reader's distinct names. */
        size_t distinct = 0, at = strlen(path);
        /* json-c cuts a name at a NUL ("a\u0000b" is "a", and may then
         * replace another member "a"); the reader keeps it whole, so no
         * name the mapper asks for matches it.  Not comparable: taken as
         * the same. */
        JR_FOREACH_MEMBER(a, name, val) {
            if (memchr(name->u.s, '\0', name->count) ||
                json_c_mangles(name->u.s, name->count))
                return 1;
        }
        JR_FOREACH_MEMBER(a, name, val) {
            if (jr_get(a, name->u.s) != val)
                continue; /* a later one of this name counts */
            distinct++;
            json_object *bv;
            if (!json_object_object_get_ex(b, name->u.s, &bv))
                return differ(why, n, "a name json-c lacks", path);
            snprintf(path + at, plen - at, ".%.40s", name->u.s);
            if (!same(val, bv, path, plen, why, n))
                return 0;
            path[at] = '\0';
        }
        if (distinct != (size_t)json_object_object_length(b))
            return differ(why, n, "member count", path);
        return 1;
    }
    }
    return differ(why, n, "unknown type", path);
}

int js_same(const jr_val *a, json_object *b, char *why, size_t n)
{
    char path[512] = "$";
    return same(a, b, path, sizeof path, why, n);
}

/* The spellings json-c's strict mode reads and RFC 8259 (and Python's
 * json.loads, the reference's reader) does not, which the reader refuses
 * on purpose: a single-quoted member name ({'a':1}), "1.", "1.e5",
 * "-.5", and some leading zeros ("00", and "-01", which json-c reads as
 * -1; it refuses "01").  `at` is where the reader stopped, `what` why. */
static int json_c_leniency(const char *s, size_t len, size_t at,
                           const char *what)
{
    if (!what || at >= len)
        return 0;
    if (strcmp(what, "expected a quoted member name") == 0)
        return s[at] == '\'';
    if (strcmp(what, "a number with no digit after '.'") == 0)
        return 1;
    if (strcmp(what, "a number without digits") == 0)
        return s[at] == '.'; /* "-.5" */
    /* A digit after a leading zero: "00", "-01". */
    return s[at] >= '0' && s[at] <= '9' && at >= 1 && s[at - 1] == '0' &&
           (at == 1 || s[at - 2] < '0' || s[at - 2] > '9');
}

/* How deep containers nest in s (strings skipped). */
static unsigned nesting(const char *s, size_t len)
{
    unsigned depth = 0, most = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > most)
                most = depth;
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return most;
}

/* Each value's text (src, src_len) read alone is that value again: the
 * error path and tool arguments hand these spans on. */
static int spans_hold_their_values(const jr_doc *d, const char *s,
                                   unsigned depth, char *why, size_t n)
{
    jr_doc one;
    jr_init(&one, depth);
    int ok = 1;
    for (size_t i = 0; ok && i < d->nvals; i++) {
        const jr_val *v = &d->vals[i], *w;
        if (jr_parse(&one, s + v->src, v->src_len, &w) != JR_OK ||
            w->type != v->type || w->count != v->count ||
            w->span != v->span ||
            (v->type == JR_INT && w->u.i != v->u.i) ||
            (v->type == JR_STRING &&
             memcmp(w->u.s, v->u.s, v->count) != 0)) {
            snprintf(why, n, "value %zu: its text at %u (%u bytes) reads "
                     "as another value", i, v->src, v->src_len);
            ok = 0;
        }
    }
    jr_free(&one);
    return ok;
}

int js_same_text(const char *s, size_t len, unsigned depth, char *why,
                 size_t n)
{
    jr_doc d;
    jr_init(&d, depth);
    const jr_val *a;
    enum jr_status st = jr_parse(&d, s, len, &a);
    json_tokener *tok = json_tokener_new_ex((int)depth);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *b = len <= (size_t)INT32_MAX
                         ? lp_json_tokener_parse(tok, s, len) : NULL;
    /* json-c gives NULL for a JSON null too: its error says which. */
    enum json_tokener_error jerr = len <= (size_t)INT32_MAX
                                       ? json_tokener_get_error(tok)
                                       : json_tokener_error_size;
    int b_ok = jerr == json_tokener_success;
    if (b_ok) {
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
            if (!strchr(" \t\r\n", s[i]) || s[i] == '\0') {
                json_object_put(b);
                b = NULL;
                b_ok = 0;
                jerr = json_tokener_error_parse_unexpected;
                break;
            }
    }
    int ok;
    if (st == JR_OK && b_ok)
        ok = js_same(a, b, why, n) && spans_hold_their_values(&d, s, depth,
                                                              why, n);
    else if (st != JR_OK && !b_ok)
        ok = 1;
    else if ((st == JR_E_DEPTH || jerr == json_tokener_error_depth) &&
             nesting(s, len) + 1 >= depth)
        ok = 1; /* at the limit: json-c counts a scalar as a level too */
    else if (st != JR_OK && json_c_leniency(s, len, d.err_at, d.err_what))
        ok = 1;
    else if (st == JR_OK && jerr == json_tokener_continue &&
             a->type != JR_OBJECT && a->type != JR_ARRAY &&
             a->type != JR_STRING)
        ok = 1;
    else {
        snprintf(why, n, "the reader %s (%s at %zu), json-c %s (%s)",
                 st == JR_OK ? "accepts" : "refuses",
                 d.err_what ? d.err_what : "-", d.err_at,
                 b_ok ? "accepts" : "refuses", json_tokener_error_desc(jerr));
        ok = 0;
    }
    json_object_put(b);
    json_tokener_free(tok);
    jr_free(&d);
    return ok;
}
