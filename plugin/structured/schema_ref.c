/* schema_ref.c - checking a caller's JSON Schema and resolving local
 * references; see schema_ref.h. */
#include "schema_ref.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/strbuf.h"

/* ------------------------------------------------------------ resolution */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An array index token: digits, no leading zero (RFC 6901). */
static int array_step(json_object *arr, const char *tok, json_object **out)
{
    size_t n = strlen(tok), idx = 0;
    if (n == 0 || (n > 1 && tok[0] == '0') || n > 9)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return 0;
        idx = idx * 10 + (size_t)(tok[i] - '0');
    }
    if (idx >= json_object_array_length(arr))
        return 0;
    *out = json_object_array_get_idx(arr, idx);
    return 1;
}

json_object *sch_resolve(json_object *root, const char *ref)
{
    if (!root || !ref || ref[0] != '#')
        return NULL;
    const char *p = ref + 1;
    json_object *cur = root;
    while (*p) {
        if (*p != '/')
            return NULL;
        p++;
        char tok[256];
        size_t n = 0;
        while (*p && *p != '/') {
            char c = *p++;
            if (c == '%' && hex_digit(p[0]) >= 0 && hex_digit(p[1]) >= 0) {
                c = (char)(hex_digit(p[0]) * 16 + hex_digit(p[1]));
                p += 2;
            } else if (c == '~') {
                if (*p != '0' && *p != '1')
                    return NULL;
                c = *p++ == '0' ? '~' : '/';
            }
            if (n + 1 >= sizeof tok)
                return NULL;
            tok[n++] = c;
        }
        tok[n] = '\0';
        json_object *next = NULL;
        if (json_object_is_type(cur, json_type_object)) {
            if (!json_object_object_get_ex(cur, tok, &next))
                return NULL;
        } else if (json_object_is_type(cur, json_type_array)) {
            if (!array_step(cur, tok, &next))
                return NULL;
        } else {
            return NULL;
        }
        cur = next;
    }
    return cur;
}

int sch_is_object_schema(json_object *s)
{
    json_object *t;
    if (!json_object_is_type(s, json_type_object))
        return 0;
    if (!json_object_object_get_ex(s, "type", &t))
        return json_object_object_get_ex(s, "properties", NULL);
    if (json_object_is_type(t, json_type_string))
        return strcmp(json_object_get_string(t), "object") == 0;
    if (!json_object_is_type(t, json_type_array))
        return 0;
    size_t n = json_object_array_length(t);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(t, i);
        if (json_object_is_type(e, json_type_string) &&
            strcmp(json_object_get_string(e), "object") == 0)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------- checking */

enum { MARK_ACTIVE = 1, MARK_DONE = 2 };

typedef struct mark {
    json_object *node;
    int state;
} mark;

typedef struct ck {
    json_object *root;
    mp_error *err;
    strbuf path;
    int oom;
    mark *marks; /* reference targets met by the cycle search */
    size_t nmarks, cap;
} ck;

typedef int (*visit_fn)(ck *c, json_object *schema);

static int fail_at(ck *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail_at(ck *c, const char *fmt, ...)
{
    if (c->oom)
        return lp_fail(c->err, MP_E_NO_MEMORY, "schema: out of memory");
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    lp_vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lp_fail(c->err, MP_E_INVALID_ARGUMENT, "%s: %s",
                   c->path.data ? c->path.data : "schema", msg);
}

static size_t push_key(ck *c, const char *key)
{
    size_t at = c->path.len;
    if (sb_appendc(&c->path, '.') || sb_appends(&c->path, key))
        c->oom = 1;
    return at;
}

static size_t push_index(ck *c, size_t i)
{
    size_t at = c->path.len;
    if (sb_printf(&c->path, "[%zu]", i))
        c->oom = 1;
    return at;
}

static void pop(ck *c, size_t at)
{
    c->path.len = at;
    if (c->path.data)
        c->path.data[at] = '\0';
}

static int is_schema(json_object *v)
{
    return json_object_is_type(v, json_type_object) ||
           json_object_is_type(v, json_type_boolean);
}

static int in_list(const char *key, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(key, list[i]) == 0)
            return 1;
    return 0;
}

/* Keywords by the shape of their value. */
static const char *const map_kw[] = {"properties", "patternProperties",
                                     "$defs", "definitions",
                                     "dependentSchemas", NULL};
static const char *const defs_kw[] = {"$defs", "definitions", NULL};
static const char *const single_kw[] = {"additionalProperties", "not",
                                        "contains", "if", "then", "else",
                                        "propertyNames", "additionalItems",
                                        NULL};
static const char *const list_kw[] = {"anyOf", "oneOf", "allOf",
                                      "prefixItems", NULL};
static const char *const count_kw[] = {"minItems", "maxItems", "minLength",
                                       "maxLength", "minProperties",
                                       "maxProperties", NULL};
static const char *const number_kw[] = {"minimum", "maximum", "multipleOf",
                                        NULL};
static const char *const bound_kw[] = {"exclusiveMinimum",
                                       "exclusiveMaximum", NULL};
static const char *const type_names[] = {"string", "number", "integer",
                                         "boolean", "object", "array",
                                         "null", NULL};

/* Call fn on every subschema of s (the path extended meanwhile); the
 * definitions are included only when `with_defs`.  Shapes were checked
 * before this runs, so anything else is skipped. */
static int each_sub(ck *c, json_object *s, int with_defs, visit_fn fn)
{
    if (!json_object_is_type(s, json_type_object))
        return MP_OK;
    int rc = MP_OK;
    json_object_object_foreach(s, key, val) {
        size_t at = push_key(c, key);
        if (in_list(key, map_kw) && json_object_is_type(val, json_type_object)) {
            if (with_defs || !in_list(key, defs_kw)) {
                json_object_object_foreach(val, name, sub) {
                    size_t at2 = push_key(c, name);
                    rc = fn(c, sub);
                    pop(c, at2);
                    if (rc)
                        break;
                }
            }
        } else if (in_list(key, single_kw) ||
                   (strcmp(key, "items") == 0 && !json_object_is_type(val, json_type_array))) {
            rc = fn(c, val);
        } else if ((in_list(key, list_kw) || strcmp(key, "items") == 0) &&
                   json_object_is_type(val, json_type_array)) {
            size_t n = json_object_array_length(val);
            for (size_t i = 0; i < n && !rc; i++) {
                size_t at2 = push_index(c, i);
                rc = fn(c, json_object_array_get_idx(val, i));
                pop(c, at2);
            }
        }
        pop(c, at);
        if (rc)
            return rc;
    }
    return MP_OK;
}

static int check_type(ck *c, json_object *t)
{
    if (json_object_is_type(t, json_type_string)) {
        if (!in_list(json_object_get_string(t), type_names))
            return fail_at(c, "unknown type \"%s\" (expected one of string, "
                           "number, integer, boolean, object, array, null)",
                           json_object_get_string(t));
        return MP_OK;
    }
    if (!json_object_is_type(t, json_type_array) ||
        json_object_array_length(t) == 0)
        return fail_at(c, "expected a type name or a non-empty array of "
                       "type names, got %s", lp_json_type_name(t));
    size_t n = json_object_array_length(t);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(t, i);
        size_t at = push_index(c, i);
        int rc = check_type(c, e);
        if (!rc && !json_object_is_type(e, json_type_string))
            rc = fail_at(c, "expected a type name, got %s",
                         lp_json_type_name(e));
        pop(c, at);
        if (rc)
            return rc;
    }
    return MP_OK;
}

static int check_ref(ck *c, json_object *v)
{
    if (!json_object_is_type(v, json_type_string))
        return fail_at(c, "expected a string, got %s", lp_json_type_name(v));
    const char *ref = json_object_get_string(v);
    if (ref[0] != '#')
        return fail_at(c, "\"%s\" is not a local reference (only \"#/$defs/"
                       "...\", \"#/definitions/...\" and other \"#/...\" "
                       "pointers are supported)", ref);
    json_object *target = sch_resolve(c->root, ref);
    if (!target)
        return fail_at(c, "\"%s\" does not resolve to anything in the "
                       "schema", ref);
    if (!is_schema(target))
        return fail_at(c, "\"%s\" points at a %s, not a schema", ref,
                       lp_json_type_name(target));
    return MP_OK;
}

/* The shape of one keyword's value (keywords we do not read pass). */
static int check_keyword(ck *c, const char *key, json_object *v)
{
    if (strcmp(key, "type") == 0)
        return check_type(c, v);
    if (strcmp(key, "$ref") == 0)
        return check_ref(c, v);
    if (in_list(key, map_kw)) {
        if (!json_object_is_type(v, json_type_object))
            return fail_at(c, "expected an object, got %s",
                           lp_json_type_name(v));
        return MP_OK;
    }
    if (in_list(key, list_kw) || strcmp(key, "enum") == 0 ||
        strcmp(key, "required") == 0) {
        if (!json_object_is_type(v, json_type_array))
            return fail_at(c, "expected an array, got %s",
                           lp_json_type_name(v));
        size_t n = json_object_array_length(v);
        if (n == 0 && in_list(key, list_kw) && strcmp(key, "prefixItems"))
            return fail_at(c, "expected a non-empty array");
        for (size_t i = 0; strcmp(key, "required") == 0 && i < n; i++) {
            json_object *e = json_object_array_get_idx(v, i);
            if (!json_object_is_type(e, json_type_string)) {
                size_t at = push_index(c, i);
                int rc = fail_at(c, "expected a property name (string), "
                                 "got %s", lp_json_type_name(e));
                pop(c, at);
                return rc;
            }
        }
        return MP_OK;
    }
    if (in_list(key, count_kw)) {
        if (!json_object_is_type(v, json_type_int) ||
            json_object_get_int64(v) < 0)
            return fail_at(c, "expected a non-negative integer, got %s",
                           json_object_get_string(v));
        return MP_OK;
    }
    int is_num = json_object_is_type(v, json_type_int) ||
                 json_object_is_type(v, json_type_double);
    if (in_list(key, number_kw) && !is_num)
        return fail_at(c, "expected a number, got %s", lp_json_type_name(v));
    if (in_list(key, bound_kw) && !is_num &&
        !json_object_is_type(v, json_type_boolean))
        return fail_at(c, "expected a number, got %s", lp_json_type_name(v));
    if (strcmp(key, "uniqueItems") == 0 &&
        !json_object_is_type(v, json_type_boolean))
        return fail_at(c, "expected a boolean, got %s", lp_json_type_name(v));
    return MP_OK;
}

/* Pass 1: the shape of every schema in the document, definitions too. */
static int check_node(ck *c, json_object *s)
{
    if (c->oom)
        return fail_at(c, "out of memory");
    if (json_object_is_type(s, json_type_boolean))
        return MP_OK;
    if (!json_object_is_type(s, json_type_object))
        return fail_at(c, "expected a schema (an object or a boolean), got %s",
                       lp_json_type_name(s));
    json_object_object_foreach(s, key, val) {
        size_t at = push_key(c, key);
        int rc = check_keyword(c, key, val);
        pop(c, at);
        if (rc)
            return rc;
    }
    return each_sub(c, s, 1, check_node);
}

static mark *find_mark(ck *c, json_object *node)
{
    for (size_t i = 0; i < c->nmarks; i++)
        if (c->marks[i].node == node)
            return &c->marks[i];
    return NULL;
}

static mark *add_mark(ck *c, json_object *node, int state)
{
    if (c->nmarks == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        mark *m = realloc(c->marks, cap * sizeof *m);
        if (!m)
            return NULL;
        c->marks = m;
        c->cap = cap;
    }
    c->marks[c->nmarks].node = node;
    c->marks[c->nmarks].state = state;
    return &c->marks[c->nmarks++];
}

/* Pass 2: follow references from where a value would be validated; a
 * target met again while its own expansion is under way is a cycle. */
static int cycle_node(ck *c, json_object *s)
{
    json_object *v;
    if (c->oom)
        return fail_at(c, "out of memory");
    if (!json_object_is_type(s, json_type_object))
        return MP_OK;
    if (json_object_object_get_ex(s, "$ref", &v)) {
        const char *ref = json_object_get_string(v);
        json_object *target = sch_resolve(c->root, ref);
        mark *m = find_mark(c, target);
        if (m && m->state == MARK_ACTIVE) {
            size_t at = push_key(c, "$ref");
            int rc = fail_at(c, "\"%s\" leads back to itself (recursive "
                             "schemas are not supported)", ref);
            pop(c, at);
            return rc;
        }
        if (!m) {
            if (!add_mark(c, target, MARK_ACTIVE)) {
                c->oom = 1;
                return fail_at(c, "out of memory");
            }
            /* Errors inside the target are named from the target. */
            strbuf saved = c->path;
            sb_init(&c->path, saved.max);
            if (sb_appends(&c->path, "schema"))
                c->oom = 1;
            for (const char *p = ref + 1; *p; p++)
                if (sb_appendc(&c->path, *p == '/' ? '.' : *p))
                    c->oom = 1;
            int rc = cycle_node(c, target);
            sb_free(&c->path);
            c->path = saved;
            if (rc)
                return rc;
            /* The array may have moved: look the mark up again. */
            find_mark(c, target)->state = MARK_DONE;
        }
    }
    return each_sub(c, s, 0, cycle_node);
}

int sch_check(json_object *root, mp_error *err)
{
    ck c;
    memset(&c, 0, sizeof c);
    c.root = root;
    c.err = err;
    sb_init(&c.path, 64 * 1024);
    int rc = MP_OK;
    if (sb_appends(&c.path, "schema"))
        rc = lp_fail(err, MP_E_NO_MEMORY, "schema: out of memory");
    else if (!json_object_is_type(root, json_type_object))
        rc = fail_at(&c, "expected a JSON object (an object schema), got %s",
                     lp_json_type_name(root));
    if (!rc) {
        json_object *t = NULL;
        int has_type = json_object_object_get_ex(root, "type", &t);
        int ok = has_type ? json_object_is_type(t, json_type_string) &&
                                strcmp(json_object_get_string(t), "object") == 0
                          : json_object_object_get_ex(root, "properties", NULL);
        if (!ok)
            rc = fail_at(&c, "the root must be an object schema (\"type\": "
                         "\"object\", or \"properties\" without a \"type\")");
    }
    if (!rc)
        rc = check_node(&c, root);
    if (!rc) {
        /* The root is where validation starts: a reference to it, from
         * anywhere inside, is a cycle. */
        if (!add_mark(&c, root, MARK_ACTIVE))
            rc = lp_fail(err, MP_E_NO_MEMORY, "schema: out of memory");
        else
            rc = cycle_node(&c, root);
    }
    sb_free(&c.path);
    free(c.marks);
    return rc;
}
