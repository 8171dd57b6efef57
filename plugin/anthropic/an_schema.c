/* an_schema.c - schemas for Anthropic's structured outputs; see
 * an_schema.h. */
#include "an_schema.h"

#include <string.h>

#include "../../abi/model_provider.h"
#include "../core/json_writer.h"
#include "../structured/schema_ref.h"

/* Deeper than any real schema; also stops a reference cycle in a schema
 * that was not checked (params.response_format). */
#define MAX_DEPTH 64

static const char *const bounds[] = {
    "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", NULL};

static int is_bound(const char *key)
{
    for (size_t i = 0; bounds[i]; i++)
        if (strcmp(bounds[i], key) == 0)
            return 1;
    return 0;
}

static json_object *transform(json_object *v, json_object *root, int depth);

static json_object *transform_list(json_object *arr, json_object *root,
                                   int depth)
{
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; out && i < n; i++) {
        json_object *t = transform(json_object_array_get_idx(arr, i), root,
                                   depth);
        if (!t || json_object_array_add(out, t)) {
            json_object_put(t);
            json_object_put(out);
            return NULL;
        }
    }
    return out;
}

static json_object *transform_map(json_object *map, json_object *root,
                                  int depth)
{
    json_object *out = json_object_new_object();
    json_object_object_foreach(map, key, val) {
        json_object *t = out ? transform(val, root, depth) : NULL;
        if (!t || json_object_object_add(out, key, t)) {
            json_object_put(t);
            json_object_put(out);
            return NULL;
        }
    }
    return out;
}

/* The subschema keywords walked into. */
static json_object *transform_member(const char *key, json_object *val,
                                     json_object *root, int depth)
{
    if (strcmp(key, "properties") == 0 ||
        strcmp(key, "patternProperties") == 0)
        return json_object_is_type(val, json_type_object)
                   ? transform_map(val, root, depth) : json_object_get(val);
    if (strcmp(key, "anyOf") == 0 || strcmp(key, "oneOf") == 0 ||
        strcmp(key, "allOf") == 0 || strcmp(key, "prefixItems") == 0 ||
        (strcmp(key, "items") == 0 &&
         json_object_is_type(val, json_type_array)))
        return transform_list(val, root, depth);
    if (strcmp(key, "items") == 0 || strcmp(key, "not") == 0 ||
        strcmp(key, "additionalProperties") == 0)
        return transform(val, root, depth);
    json_object *copy = NULL;
    return json_object_deep_copy(val, &copy, NULL) ? NULL : copy;
}

/* "(minimum: 1, maxLength: 20)" appended to the description. */
static int add_bounds_note(json_object *src, json_object *out)
{
    strbuf note;
    sb_init(&note, 64 * 1024);
    json_object_object_foreach(src, key, val) {
        if (!is_bound(key))
            continue;
        sb_appends(&note, note.len ? ", " : "(");
        sb_printf(&note, "%s: ", key);
        jw_to_string(val, &note);
    }
    if (!note.len) {
        sb_free(&note);
        return MP_OK;
    }
    sb_appendc(&note, ')');
    json_object *desc = NULL;
    json_object_object_get_ex(src, "description", &desc);
    strbuf text;
    sb_init(&text, 128 * 1024);
    if (json_object_is_type(desc, json_type_string) &&
        json_object_get_string_len(desc)) {
        sb_appends(&text, json_object_get_string(desc));
        sb_appends(&text, " ");
    }
    sb_append(&text, note.data, note.len);
    json_object *s = text.data ? json_object_new_string_len(text.data,
                                                            (int)text.len)
                               : NULL;
    sb_free(&note);
    sb_free(&text);
    if (!s || json_object_object_add(out, "description", s)) {
        json_object_put(s);
        return MP_E_NO_MEMORY;
    }
    return MP_OK;
}

static json_object *transform(json_object *v, json_object *root, int depth)
{
    if (!json_object_is_type(v, json_type_object) || depth > MAX_DEPTH) {
        json_object *copy = NULL;
        return json_object_deep_copy(v, &copy, NULL) ? NULL : copy;
    }
    json_object *ref;
    if (json_object_object_get_ex(v, "$ref", &ref) &&
        json_object_is_type(ref, json_type_string)) {
        json_object *target = sch_resolve(root, json_object_get_string(ref));
        if (target)
            return transform(target, root, depth + 1);
    }
    json_object *out = json_object_new_object();
    json_object_object_foreach(v, key, val) {
        if (!out)
            break;
        if (is_bound(key) || strcmp(key, "$defs") == 0 ||
            strcmp(key, "definitions") == 0)
            continue;
        json_object *t = transform_member(key, val, root, depth + 1);
        if (!t && val) {
            json_object_put(out);
            return NULL;
        }
        json_object_object_add(out, key, t);
    }
    if (out && add_bounds_note(v, out)) {
        json_object_put(out);
        return NULL;
    }
    if (out && sch_is_object_schema(v) &&
        !json_object_object_get_ex(v, "additionalProperties", NULL))
        json_object_object_add(out, "additionalProperties",
                               json_object_new_boolean(0));
    return out;
}

int an_schema_for_output(json_object *schema, json_object **out)
{
    *out = transform(schema, schema, 0);
    return *out ? MP_OK : MP_E_NO_MEMORY;
}
