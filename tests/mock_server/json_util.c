/* json_util.c - strict parsing, path lookup and semantic comparison.
 *
 * Tests write expectations such as `expect.json: temperature = 0.5` or
 * `messages[0].role = "system"`; this file gives those a precise meaning
 * independent of how json-c happens to type a number.
 */
#include "json_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deep request bodies (tool JSON schemas) exceed json-c's default depth of
 * 32, and a mock must never refuse what a real server accepts. */
#define JU_MAX_DEPTH 1024

json_object *ju_parse(const char *buf, size_t len, bool *is_null)
{
    json_tokener *tok;
    json_object *obj;
    enum json_tokener_error err;
    size_t end;

    if (is_null)
        *is_null = false;
    if (len > INT32_MAX - 1)
        return NULL;
    tok = json_tokener_new_ex(JU_MAX_DEPTH);
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* len + 1 hands json-c the terminating NUL so "123" completes. */
    obj = json_tokener_parse_ex(tok, buf, (int)len + 1);
    err = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    /* Parsing must stop exactly at the NUL: an earlier stop means an
     * embedded NUL or trailing garbage, so the text is not one value. */
    if (err != json_tokener_success || end != len) {
        json_object_put(obj);
        return NULL;
    }
    if (!obj && is_null)
        *is_null = true;
    return obj;
}

/* Walks one step of a path. Returns the position after the step, or NULL
 * when the step is malformed. Fills key/key_len or *index. */
static const char *path_step(const char *p, bool first, const char **key,
                             size_t *key_len, long *index)
{
    *key = NULL;
    *key_len = 0;
    *index = -1;
    if (*p == '[') {
        char *endp;
        long v;
        if (p[1] < '0' || p[1] > '9')
            return NULL;
        v = strtol(p + 1, &endp, 10);
        if (*endp != ']' || v < 0)
            return NULL;
        *index = v;
        return endp + 1;
    }
    if (!first) {
        if (*p != '.')
            return NULL;
        p++;
    }
    *key = p;
    while (*p && *p != '.' && *p != '[')
        p++;
    *key_len = (size_t)(p - *key);
    return *key_len ? p : NULL;
}

static int walk(json_object *root, const char *path, json_object **out)
{
    json_object *cur = root;
    const char *p = path;
    bool first = true;
    bool missing = false;

    if (!*p)
        return -1;
    while (*p) {
        const char *key;
        size_t key_len;
        long index;

        p = path_step(p, first, &key, &key_len, &index);
        if (!p)
            return -1;
        first = false;
        if (missing || !out)
            continue; /* keep validating the syntax of the rest */
        if (key) {
            char name[256];
            if (key_len >= sizeof(name) ||
                !json_object_is_type(cur, json_type_object)) {
                missing = true;
                continue;
            }
            memcpy(name, key, key_len);
            name[key_len] = '\0';
            if (!json_object_object_get_ex(cur, name, &cur))
                missing = true;
        } else {
            if (!json_object_is_type(cur, json_type_array) ||
                (size_t)index >= json_object_array_length(cur))
                missing = true;
            else
                cur = json_object_array_get_idx(cur, (size_t)index);
        }
    }
    if (!out)
        return 1;
    *out = missing ? NULL : cur;
    return missing ? 0 : 1;
}

int ju_lookup(json_object *root, const char *path, json_object **out)
{
    json_object *dummy;
    return walk(root, path, out ? out : &dummy);
}

bool ju_path_valid(const char *path)
{
    return walk(NULL, path, NULL) == 1;
}

static bool is_number(json_object *o)
{
    return json_object_is_type(o, json_type_int) ||
           json_object_is_type(o, json_type_double);
}

static bool numbers_equal(json_object *a, json_object *b)
{
    /* Two integers compare exactly (64-bit ids must not lose precision);
     * anything involving a double compares as doubles so 1 == 1.0. */
    if (json_object_is_type(a, json_type_int) &&
        json_object_is_type(b, json_type_int)) {
        return json_object_get_int64(a) == json_object_get_int64(b);
    }
    return json_object_get_double(a) == json_object_get_double(b);
}

bool ju_equal(json_object *a, json_object *b)
{
    enum json_type ta = json_object_get_type(a);
    enum json_type tb = json_object_get_type(b);

    if (is_number(a) && is_number(b))
        return numbers_equal(a, b);
    if (ta != tb)
        return false;
    switch (ta) {
    case json_type_null:
        return true;
    case json_type_boolean:
        return json_object_get_boolean(a) == json_object_get_boolean(b);
    case json_type_string:
        return json_object_get_string_len(a) == json_object_get_string_len(b) &&
               memcmp(json_object_get_string(a), json_object_get_string(b),
                      (size_t)json_object_get_string_len(a)) == 0;
    case json_type_array: {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return false;
        for (size_t i = 0; i < n; i++) {
            if (!ju_equal(json_object_array_get_idx(a, i),
                          json_object_array_get_idx(b, i)))
                return false;
        }
        return true;
    }
    case json_type_object: {
        if (json_object_object_length(a) != json_object_object_length(b))
            return false;
        json_object_object_foreach(a, key, va) {
            json_object *vb;
            if (!json_object_object_get_ex(b, key, &vb) || !ju_equal(va, vb))
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

const char *ju_text(json_object *obj)
{
    return json_object_to_json_string_ext(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

char *ju_quote(const char *s, size_t len)
{
    json_object *str = json_object_new_string_len(s, (int)len);
    char *copy;

    if (!str)
        return NULL;
    copy = strdup(ju_text(str));
    json_object_put(str);
    return copy;
}
