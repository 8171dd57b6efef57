/* schema_validate.c - JSON Schema validation with precise error paths; see
 * schema_validate.h. */
#include "schema_validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/json_writer.h"
#include "schema_ref.h"
#include "../core/strbuf.h"
#include "../core/utf8.h"

#define SV_ERR_MAX 1024

typedef struct sv {
    json_object *root;
    int lenient;        /* SV_NULL_AS_ABSENT                              */
    int strip;          /* removals allowed now (not inside a trial)      */
    int oom;
    strbuf path;        /* "$.a[2].b" of the value being checked          */
    char err[SV_ERR_MAX];
    size_t err_depth;   /* path length of the failure, to rank branches   */
} sv;

/* --------------------------------------------------------------- helpers */

static int is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) ||
           json_object_is_type(v, json_type_double);
}

/* Compare two numbers: -1, 0, 1.  Integers exactly, others as doubles. */
static int num_cmp(json_object *a, json_object *b)
{
    if (json_object_is_type(a, json_type_int) &&
        json_object_is_type(b, json_type_int)) {
        int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
        return x < y ? -1 : x > y;
    }
    double x = json_object_get_double(a), y = json_object_get_double(b);
    return x < y ? -1 : x > y;
}

int sv_json_equal(json_object *a, json_object *b)
{
    if (is_number(a) && is_number(b))
        return num_cmp(a, b) == 0;
    enum json_type ta = json_object_get_type(a);
    if (ta != json_object_get_type(b))
        return 0;
    switch (ta) {
    case json_type_null:
        return 1;
    case json_type_boolean:
        return !json_object_get_boolean(a) == !json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return 0;
        for (size_t i = 0; i < n; i++)
            if (!sv_json_equal(json_object_array_get_idx(a, i),
                               json_object_array_get_idx(b, i)))
                return 0;
        return 1;
    }
    case json_type_object: {
        if (json_object_object_length(a) != json_object_object_length(b))
            return 0;
        json_object_object_foreach(a, key, va) {
            json_object *vb;
            if (!json_object_object_get_ex(b, key, &vb) || !sv_json_equal(va, vb))
                return 0;
        }
        return 1;
    }
    default:
        return 0;
    }
}

/* A value for messages, as compact JSON cut at `max` bytes (on a
 * character boundary); unless `whole`, containers only by their type. */
static void show(json_object *v, char *out, size_t cap, size_t max, int whole)
{
    strbuf sb;
    sb_init(&sb, 1 << 20);
    if ((!whole && (json_object_is_type(v, json_type_object) ||
                    json_object_is_type(v, json_type_array))) ||
        jw_to_string(v, &sb) || !sb.data) {
        snprintf(out, cap, "%s", lp_json_type_name(v));
    } else {
        size_t n = sb.len > max ? lp_utf8_whole(sb.data, max) : sb.len;
        lp_format(out, cap, "%.*s%s", (int)n, sb.data, n < sb.len ? "..." : "");
    }
    sb_free(&sb);
}

static int fail(sv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(sv *c, const char *fmt, ...)
{
    char rule[SV_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lp_vformat(rule, sizeof rule, fmt, ap);
    va_end(ap);
    /* Cut to fit when the path is very long; the rule comes last. */
    lp_format(c->err, sizeof c->err, "%s: %s",
              c->path.data ? c->path.data : "$", rule);
    c->err_depth = c->path.len;
    return 1;
}

static int is_identifier(const char *k)
{
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
        return 0;
    for (k++; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
              (*k >= '0' && *k <= '9') || *k == '_'))
            return 0;
    return 1;
}

static size_t push_key(sv *c, const char *key)
{
    size_t at = c->path.len;
    int rc;
    if (is_identifier(key)) {
        rc = sb_appendc(&c->path, '.') || sb_appends(&c->path, key);
    } else {
        rc = sb_appends(&c->path, "[\"") ||
             jw_escape_into(&c->path, key, strlen(key)) ||
             sb_appends(&c->path, "\"]");
    }
    if (rc)
        c->oom = 1;
    return at;
}

static size_t push_index(sv *c, size_t i)
{
    size_t at = c->path.len;
    if (sb_printf(&c->path, "[%zu]", i))
        c->oom = 1;
    return at;
}

static void pop(sv *c, size_t at)
{
    c->path.len = at;
    if (c->path.data)
        c->path.data[at] = '\0';
}

/* ------------------------------------------------------------------ core */

static int check(sv *c, json_object *s, json_object *v);

/* Whether `v` satisfies `s`, without a message and without removals. */
static int trial(sv *c, json_object *s, json_object *v)
{
    int strip = c->strip;
    char saved[SV_ERR_MAX];
    size_t depth = c->err_depth;
    memcpy(saved, c->err, sizeof saved);
    c->strip = 0;
    int bad = check(c, s, v);
    c->strip = strip;
    memcpy(c->err, saved, sizeof saved);
    c->err_depth = depth;
    return !bad;
}

static int type_is(const char *t, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return strcmp(t, "null") == 0;
    case json_type_boolean: return strcmp(t, "boolean") == 0;
    case json_type_string: return strcmp(t, "string") == 0;
    case json_type_array: return strcmp(t, "array") == 0;
    case json_type_object: return strcmp(t, "object") == 0;
    case json_type_int:
        return strcmp(t, "integer") == 0 || strcmp(t, "number") == 0;
    case json_type_double: {
        if (strcmp(t, "number") == 0)
            return 1;
        double d = json_object_get_double(v);
        /* 30.0 is an integer; the range check keeps the cast defined. */
        return strcmp(t, "integer") == 0 && isfinite(d) &&
               d > -9.2e18 && d < 9.2e18 && (double)(int64_t)d == d;
    }
    }
    return 0;
}

static int check_type(sv *c, json_object *t, json_object *v)
{
    char want[256] = "", got[96];
    if (json_object_is_type(t, json_type_string)) {
        if (type_is(json_object_get_string(t), v))
            return 0;
        snprintf(want, sizeof want, "%s", json_object_get_string(t));
    } else {
        size_t n = json_object_array_length(t), used = 0;
        for (size_t i = 0; i < n; i++) {
            const char *name = json_object_get_string(json_object_array_get_idx(t, i));
            if (type_is(name, v))
                return 0;
            int w = snprintf(want + used, sizeof want - used, "%s%s",
                             i == 0 ? "" : i + 1 == n ? " or " : ", ", name);
            if (w > 0 && (size_t)w < sizeof want - used)
                used += (size_t)w;
        }
    }
    show(v, got, sizeof got, 40, 0);
    if (json_object_is_type(v, json_type_object) ||
        json_object_is_type(v, json_type_array) ||
        json_object_is_type(v, json_type_null))
        return fail(c, "expected type %s, got %s", want, got);
    return fail(c, "expected type %s, got %s %s", want, lp_json_type_name(v), got);
}

static int check_enum(sv *c, json_object *list, json_object *v)
{
    size_t n = json_object_array_length(list);
    for (size_t i = 0; i < n; i++)
        if (sv_json_equal(json_object_array_get_idx(list, i), v))
            return 0;
    char got[96], all[200];
    show(v, got, sizeof got, 40, 0);
    show(list, all, sizeof all, 120, 1);
    return fail(c, "value %s is not one of the allowed values %s", got, all);
}

/* minimum (sign -1) or maximum (sign +1), with its exclusive form: a
 * number (draft 6 on) or a boolean beside the bound (draft 4). */
static int check_bound(sv *c, json_object *s, json_object *v, int sign)
{
    const char *key = sign < 0 ? "minimum" : "maximum";
    const char *ekey = sign < 0 ? "exclusiveMinimum" : "exclusiveMaximum";
    const char *than = sign < 0 ? "greater" : "less";
    json_object *b, *e = NULL;
    json_object_object_get_ex(s, ekey, &e);
    int draft4 = json_object_is_type(e, json_type_boolean) &&
                 json_object_get_boolean(e);
    char got[64], lim[64];
    show(v, got, sizeof got, 40, 0);
    if (json_object_object_get_ex(s, key, &b)) {
        int beyond = num_cmp(v, b) * sign;
        show(b, lim, sizeof lim, 40, 0);
        if (draft4 && beyond >= 0)
            return fail(c, "%s is not %s than the exclusive %s %s", got, than,
                        key, lim);
        if (beyond > 0)
            return fail(c, "%s is %s than %s %s", got,
                        sign < 0 ? "less" : "greater", key, lim);
    }
    if (is_number(e) && num_cmp(v, e) * sign >= 0) {
        show(e, lim, sizeof lim, 40, 0);
        return fail(c, "%s is not %s than %s %s", got, than, ekey, lim);
    }
    return 0;
}

static int64_t bound(json_object *s, const char *key)
{
    json_object *b;
    if (!json_object_object_get_ex(s, key, &b))
        return -1;
    return json_object_get_int64(b);
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static int check_string(sv *c, json_object *s, json_object *v)
{
    int64_t n = (int64_t)lp_utf8_count(json_object_get_string(v),
                                       (size_t)json_object_get_string_len(v));
    int64_t lo = bound(s, "minLength"), hi = bound(s, "maxLength");
    if (lo >= 0 && n < lo)
        return fail(c, "string has %lld %s, fewer than minLength %lld",
                    (long long)n, plural(n, "character", "characters"),
                    (long long)lo);
    if (hi >= 0 && n > hi)
        return fail(c, "string has %lld %s, more than maxLength %lld",
                    (long long)n, plural(n, "character", "characters"),
                    (long long)hi);
    return 0;
}

static int check_array(sv *c, json_object *s, json_object *v)
{
    size_t n = json_object_array_length(v);
    int64_t lo = bound(s, "minItems"), hi = bound(s, "maxItems");
    if (lo >= 0 && (int64_t)n < lo)
        return fail(c, "array has %zu %s, fewer than minItems %lld", n,
                    plural((int64_t)n, "item", "items"), (long long)lo);
    if (hi >= 0 && (int64_t)n > hi)
        return fail(c, "array has %zu %s, more than maxItems %lld", n,
                    plural((int64_t)n, "item", "items"), (long long)hi);
    json_object *items = NULL, *prefix = NULL, *rest = NULL, *u;
    json_object_object_get_ex(s, "items", &items);
    json_object_object_get_ex(s, "prefixItems", &prefix);
    size_t npos = 0;
    if (json_object_is_type(prefix, json_type_array)) {
        npos = json_object_array_length(prefix);
        rest = items;
    } else if (json_object_is_type(items, json_type_array)) {
        prefix = items;
        npos = json_object_array_length(items);
        json_object_object_get_ex(s, "additionalItems", &rest);
    } else {
        prefix = NULL;
        rest = items;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *sub = i < npos ? json_object_array_get_idx(prefix, i) : rest;
        if (!sub)
            continue;
        size_t at = push_index(c, i);
        int bad = check(c, sub, json_object_array_get_idx(v, i));
        pop(c, at);
        if (bad)
            return 1;
    }
    if (json_object_object_get_ex(s, "uniqueItems", &u) &&
        json_object_get_boolean(u)) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (sv_json_equal(json_object_array_get_idx(v, i),
                                  json_object_array_get_idx(v, j)))
                    return fail(c, "items %zu and %zu are equal, but "
                                "uniqueItems is true", i, j);
    }
    return 0;
}

static int listed(json_object *list, const char *key)
{
    size_t n = json_object_is_type(list, json_type_array)
                   ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
                   key) == 0)
            return 1;
    return 0;
}

/* The null of an optional property that cannot be null (flag
 * SV_NULL_AS_ABSENT). */
static int null_as_absent(sv *c, json_object *required, const char *key,
                          json_object *ps, json_object *val)
{
    return c->lenient && json_object_is_type(val, json_type_null) &&
           !listed(required, key) && !trial(c, ps, val);
}

static int check_object(sv *c, json_object *s, json_object *v)
{
    json_object *props = NULL, *required = NULL, *extra = NULL;
    json_object_object_get_ex(s, "properties", &props);
    json_object_object_get_ex(s, "required", &required);
    json_object_object_get_ex(s, "additionalProperties", &extra);
    int open = json_object_object_get_ex(s, "patternProperties", NULL);
    const char **drop = NULL;
    size_t ndrop = 0;
    int64_t count = 0, absent = 0;
    if (c->lenient && c->strip) {
        drop = malloc((json_object_object_length(v) + 1) * sizeof *drop);
        if (!drop) {
            c->oom = 1;
            return 1;
        }
    }
    json_object_object_foreach(v, key, val) {
        json_object *ps = NULL;
        count++;
        if (props && json_object_object_get_ex(props, key, &ps)) {
            if (null_as_absent(c, required, key, ps, val)) {
                absent++;
                if (drop)
                    drop[ndrop++] = key;
                continue;
            }
        } else if (!open && extra && json_object_is_type(extra, json_type_boolean)) {
            if (!json_object_get_boolean(extra)) {
                size_t at = push_key(c, key);
                fail(c, "property is not allowed (additionalProperties is "
                     "false)");
                pop(c, at);
                free(drop);
                return 1;
            }
        } else if (!open && extra) {
            ps = extra;
        }
        if (!ps)
            continue;
        size_t at = push_key(c, key);
        int bad = check(c, ps, val);
        pop(c, at);
        if (bad) {
            free(drop);
            return 1;
        }
    }
    size_t nreq = json_object_is_type(required, json_type_array)
                      ? json_object_array_length(required) : 0;
    for (size_t i = 0; i < nreq; i++) {
        const char *name = json_object_get_string(json_object_array_get_idx(required, i));
        if (!json_object_object_get_ex(v, name, NULL)) {
            size_t at = push_key(c, name);
            fail(c, "required property is missing");
            pop(c, at);
            free(drop);
            return 1;
        }
    }
    int64_t lo = bound(s, "minProperties"), hi = bound(s, "maxProperties");
    count -= absent;
    int bad = 0;
    if (lo >= 0 && count < lo)
        bad = fail(c, "object has %lld %s, fewer than minProperties %lld",
                   (long long)count, plural(count, "property", "properties"),
                   (long long)lo);
    else if (hi >= 0 && count > hi)
        bad = fail(c, "object has %lld %s, more than maxProperties %lld",
                   (long long)count, plural(count, "property", "properties"),
                   (long long)hi);
    /* Removed only now that the walk over the keys is over.  Each key
     * string belongs to its entry; json-c reads it for the lookup before
     * it frees the entry. */
    for (size_t i = 0; !bad && i < ndrop; i++)
        json_object_object_del(v, drop[i]);
    free(drop);
    return bad;
}

static int check_any_of(sv *c, json_object *list, json_object *v)
{
    size_t n = json_object_array_length(list);
    char best[SV_ERR_MAX] = "";
    size_t best_depth = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *sub = json_object_array_get_idx(list, i);
        int strip = c->strip;
        c->strip = 0;
        int bad = check(c, sub, v);
        c->strip = strip;
        if (!bad)
            return strip ? check(c, sub, v) : 0; /* again, with removals */
        if (i == 0 || c->err_depth > best_depth) {
            memcpy(best, c->err, sizeof best);
            best_depth = c->err_depth;
        }
    }
    return fail(c, "matches none of the %zu anyOf alternatives; closest: %s",
                n, best);
}

static int check_one_of(sv *c, json_object *list, json_object *v)
{
    size_t n = json_object_array_length(list), hits = 0, first = 0, second = 0;
    char best[SV_ERR_MAX] = "";
    size_t best_depth = 0;
    int strip = c->strip;
    c->strip = 0;
    for (size_t i = 0; i < n; i++) {
        if (!check(c, json_object_array_get_idx(list, i), v)) {
            if (hits++ == 0)
                first = i;
            else if (hits == 2)
                second = i;
        } else if (i == 0 || c->err_depth > best_depth || !best[0]) {
            memcpy(best, c->err, sizeof best);
            best_depth = c->err_depth;
        }
    }
    c->strip = strip;
    if (hits == 1)
        return strip ? check(c, json_object_array_get_idx(list, first), v) : 0;
    if (hits == 0)
        return fail(c, "matches none of the %zu oneOf alternatives; closest: "
                    "%s", n, best);
    return fail(c, "matches %zu of the oneOf alternatives (%zu and %zu), but "
                "exactly one must match", hits, first, second);
}

static int check(sv *c, json_object *s, json_object *v)
{
    json_object *k;
    if (c->oom)
        return 1;
    if (json_object_is_type(s, json_type_boolean))
        return json_object_get_boolean(s) ? 0 :
               fail(c, "no value is allowed here (the schema is false)");
    if (!json_object_is_type(s, json_type_object))
        return 0;
    if (json_object_object_get_ex(s, "$ref", &k)) {
        json_object *target = sch_resolve(c->root, json_object_get_string(k));
        if (!target)
            return fail(c, "$ref \"%s\" does not resolve",
                        json_object_get_string(k));
        if (check(c, target, v))
            return 1;
    }
    if (json_object_object_get_ex(s, "type", &k) && check_type(c, k, v))
        return 1;
    if (json_object_object_get_ex(s, "const", &k) && !sv_json_equal(k, v)) {
        char got[96], want[96];
        show(v, got, sizeof got, 40, 0);
        show(k, want, sizeof want, 40, 0);
        return fail(c, "value %s is not the required constant %s", got, want);
    }
    if (json_object_object_get_ex(s, "enum", &k) && check_enum(c, k, v))
        return 1;
    if (is_number(v) && (check_bound(c, s, v, -1) || check_bound(c, s, v, 1)))
        return 1;
    if (json_object_is_type(v, json_type_string) && check_string(c, s, v))
        return 1;
    if (json_object_is_type(v, json_type_array) && check_array(c, s, v))
        return 1;
    if (json_object_is_type(v, json_type_object) && check_object(c, s, v))
        return 1;
    if (json_object_object_get_ex(s, "allOf", &k)) {
        size_t n = json_object_array_length(k);
        for (size_t i = 0; i < n; i++)
            if (check(c, json_object_array_get_idx(k, i), v))
                return 1;
    }
    if (json_object_object_get_ex(s, "anyOf", &k) && check_any_of(c, k, v))
        return 1;
    if (json_object_object_get_ex(s, "oneOf", &k) && check_one_of(c, k, v))
        return 1;
    if (json_object_object_get_ex(s, "not", &k) && trial(c, k, v))
        return fail(c, "must not match the schema under \"not\"");
    return 0;
}

int sv_validate(json_object *schema, json_object *value, int flags,
                char *msg, size_t msglen)
{
    sv c;
    memset(&c, 0, sizeof c);
    c.root = schema;
    c.lenient = (flags & SV_NULL_AS_ABSENT) != 0;
    c.strip = c.lenient;
    sb_init(&c.path, 64 * 1024);
    if (sb_appendc(&c.path, '$'))
        c.oom = 1;
    int bad = check(&c, schema, value);
    int rc = c.oom ? MP_E_NO_MEMORY : bad ? MP_E_VALIDATION : MP_OK;
    if (msg && msglen)
        lp_format(msg, msglen, "%s", rc == MP_E_NO_MEMORY ? "out of memory"
                                     : rc ? c.err : "");
    sb_free(&c.path);
    return rc;
}
