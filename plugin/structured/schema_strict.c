/* schema_strict.c - a JSON Schema made OpenAI-strict; see schema_strict.h. */
#include "schema_strict.h"

#include <string.h>

#include "../../abi/model_provider.h"
#include "schema_ref.h"

static int is_null_name(json_object *v)
{
    return json_object_is_type(v, json_type_string) &&
           strcmp(json_object_get_string(v), "null") == 0;
}

static int array_has_null(json_object *arr, int as_name)
{
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (as_name ? is_null_name(e) : json_object_is_type(e, json_type_null))
            return 1;
    }
    return 0;
}

static const char *const applicators[] = {"type", "enum", "const", "anyOf",
                                          "oneOf", "allOf", "$ref", "not",
                                          NULL};

/* Whether a schema plainly accepts null already (a shallow look: enough
 * for what strict schemas are made of). */
static int accepts_null(json_object *s)
{
    json_object *t, *e, *any;
    if (json_object_is_type(s, json_type_boolean))
        return json_object_get_boolean(s);
    if (!json_object_is_type(s, json_type_object))
        return 0;
    if (json_object_object_get_ex(s, "const", &e))
        return json_object_is_type(e, json_type_null);
    int has_enum = json_object_object_get_ex(s, "enum", &e) &&
                   json_object_is_type(e, json_type_array);
    if (has_enum && !array_has_null(e, 0))
        return 0;
    if (json_object_object_get_ex(s, "type", &t))
        return is_null_name(t) ||
               (json_object_is_type(t, json_type_array) && array_has_null(t, 1));
    if (json_object_object_get_ex(s, "anyOf", &any) &&
        json_object_is_type(any, json_type_array)) {
        size_t n = json_object_array_length(any);
        for (size_t i = 0; i < n; i++)
            if (accepts_null(json_object_array_get_idx(any, i)))
                return 1;
        return 0;
    }
    if (has_enum)
        return 1; /* an enum that lists null */
    for (size_t i = 0; applicators[i]; i++)
        if (json_object_object_get_ex(s, applicators[i], NULL))
            return 0;
    return 1; /* no constraint on the type at all */
}

static json_object *null_type_schema(void)
{
    json_object *o = json_object_new_object();
    json_object *t = json_object_new_string("null");
    if (!o || !t || json_object_object_add(o, "type", t)) {
        json_object_put(o);
        json_object_put(t);
        return NULL;
    }
    return o;
}

/* Append a new value to an array; the value is taken either way. */
static int append(json_object *arr, json_object *v)
{
    if (!v || json_object_array_add(arr, v)) {
        json_object_put(v);
        return MP_E_NO_MEMORY;
    }
    return MP_OK;
}

/* Properties that were optional become nullable (see the header). */
static int make_nullable(json_object *props, const char *key, json_object *ps)
{
    json_object *t, *e, *any;
    if (accepts_null(ps))
        return MP_OK;
    int is_obj = json_object_is_type(ps, json_type_object);
    int has_const = is_obj && json_object_object_get_ex(ps, "const", NULL);
    if (is_obj && !has_const && json_object_object_get_ex(ps, "type", &t)) {
        if (json_object_is_type(t, json_type_string)) {
            json_object *arr = json_object_new_array();
            if (!arr)
                return MP_E_NO_MEMORY;
            if (append(arr, json_object_new_string(json_object_get_string(t))) ||
                append(arr, json_object_new_string("null"))) {
                json_object_put(arr);
                return MP_E_NO_MEMORY;
            }
            if (json_object_object_add(ps, "type", arr)) {
                json_object_put(arr);
                return MP_E_NO_MEMORY;
            }
        } else if (json_object_is_type(t, json_type_array) &&
                   !array_has_null(t, 1) &&
                   append(t, json_object_new_string("null"))) {
            return MP_E_NO_MEMORY;
        }
        if (json_object_object_get_ex(ps, "enum", &e) &&
            json_object_is_type(e, json_type_array) && !array_has_null(e, 0))
            return json_object_array_add(e, NULL) ? MP_E_NO_MEMORY : MP_OK;
        return MP_OK;
    }
    if (is_obj && !has_const && json_object_object_get_ex(ps, "anyOf", &any) &&
        json_object_is_type(any, json_type_array))
        return append(any, null_type_schema());
    if (is_obj && !has_const && json_object_object_get_ex(ps, "enum", &e) &&
        json_object_is_type(e, json_type_array))
        return json_object_array_add(e, NULL) ? MP_E_NO_MEMORY : MP_OK;
    /* Wrap: {"anyOf": [ps, {"type": "null"}]}. */
    json_object *wrap = json_object_new_object();
    json_object *list = json_object_new_array();
    if (!wrap || !list) {
        json_object_put(wrap);
        json_object_put(list);
        return MP_E_NO_MEMORY;
    }
    if (append(list, json_object_get(ps)) || append(list, null_type_schema()) ||
        json_object_object_add(wrap, "anyOf", list)) {
        json_object_put(list);
        json_object_put(wrap);
        return MP_E_NO_MEMORY;
    }
    /* Replaces ps in place (its reference now lives in the wrapper). */
    if (json_object_object_add(props, key, wrap)) {
        json_object_put(wrap);
        return MP_E_NO_MEMORY;
    }
    return MP_OK;
}

static int in_required(json_object *required, const char *key)
{
    if (!json_object_is_type(required, json_type_array))
        return 0;
    size_t n = json_object_array_length(required);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(required, i);
        if (json_object_is_type(e, json_type_string) &&
            strcmp(json_object_get_string(e), key) == 0)
            return 1;
    }
    return 0;
}

static int strict(json_object *s);

static int strict_list(json_object *arr)
{
    if (!json_object_is_type(arr, json_type_array))
        return MP_OK;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        int rc = strict(json_object_array_get_idx(arr, i));
        if (rc)
            return rc;
    }
    return MP_OK;
}

static int strict_properties(json_object *s, json_object *props)
{
    json_object *old_required = NULL;
    json_object_object_get_ex(s, "required", &old_required);
    int all_listed = 1;
    json_object_object_foreach(props, key, ps) {
        int rc = strict(ps);
        if (!rc && !in_required(old_required, key)) {
            all_listed = 0;
            rc = make_nullable(props, key, ps);
        }
        if (rc)
            return rc;
    }
    /* A list that names exactly the properties already is kept as the
     * caller wrote it (its order too), so a schema that is strict already
     * goes out unchanged. */
    if (all_listed && json_object_is_type(old_required, json_type_array) &&
        json_object_array_length(old_required) ==
            (size_t)json_object_object_length(props))
        return MP_OK;
    /* Otherwise every property, in their order.  Adding replaces (and
     * releases) the old list, which is no longer looked at. */
    json_object *required = json_object_new_array();
    if (!required)
        return MP_E_NO_MEMORY;
    json_object_object_foreach(props, name, unused) {
        (void)unused;
        if (append(required, json_object_new_string(name))) {
            json_object_put(required);
            return MP_E_NO_MEMORY;
        }
    }
    if (json_object_object_add(s, "required", required)) {
        json_object_put(required);
        return MP_E_NO_MEMORY;
    }
    return MP_OK;
}

static int strict(json_object *s)
{
    json_object *v;
    if (!json_object_is_type(s, json_type_object))
        return MP_OK;
    int rc = MP_OK;
    static const char *const defs[] = {"$defs", "definitions"};
    for (size_t i = 0; i < 2 && !rc; i++) {
        if (!json_object_object_get_ex(s, defs[i], &v) ||
            !json_object_is_type(v, json_type_object))
            continue;
        json_object_object_foreach(v, name, def) {
            (void)name;
            if ((rc = strict(def)))
                break;
        }
    }
    if (!rc && json_object_object_get_ex(s, "properties", &v) &&
        json_object_is_type(v, json_type_object))
        rc = strict_properties(s, v);
    if (!rc && sch_is_object_schema(s) &&
        !json_object_object_get_ex(s, "additionalProperties", NULL)) {
        /* A NULL from json-c would be added as null: check it first. */
        json_object *no = json_object_new_boolean(0);
        if (!no || json_object_object_add(s, "additionalProperties", no)) {
            json_object_put(no);
            rc = MP_E_NO_MEMORY;
        }
    }
    if (!rc && json_object_object_get_ex(s, "additionalProperties", &v))
        rc = strict(v);
    if (!rc && json_object_object_get_ex(s, "items", &v))
        rc = json_object_is_type(v, json_type_array) ? strict_list(v) : strict(v);
    static const char *const lists[] = {"anyOf", "oneOf", "allOf",
                                        "prefixItems"};
    for (size_t i = 0; i < 4 && !rc; i++)
        if (json_object_object_get_ex(s, lists[i], &v))
            rc = strict_list(v);
    return rc;
}

int ss_make_strict(json_object *schema, json_object **out)
{
    *out = NULL;
    json_object *copy = NULL;
    if (json_object_deep_copy(schema, &copy, NULL) != 0)
        return MP_E_NO_MEMORY;
    int rc = strict(copy);
    if (rc) {
        json_object_put(copy);
        return rc;
    }
    *out = copy;
    return MP_OK;
}
