/*
 * request_parse.c - the host's request document: strict parse and the
 * top-level shape (abi stream()).  The contents of each member are checked
 * later, in request_check.c, when the body is built.
 */
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "request.h"

static const char *const known_keys[] = {
    "messages", "tool_specs", "tool_choice", "system_prompt",
    "system_prompt_content", "agent_metadata", "dynamic_trailing_blocks",
    NULL};

static int is_known(const char *key)
{
    for (const char *const *k = known_keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return 1;
    return 0;
}

/* Member `key` of the root: must have `type`; absent or null -> NULL
 * unless required. */
static int top_member(json_object *root, const char *key, json_type type,
                      int required, json_object **out, mp_error *err)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(root, key, &v) || !v) {
        if (required)
            return lp_fail(err, MP_E_INVALID_ARGUMENT,
                           "request: missing key \"%s\"", key);
        return MP_OK;
    }
    if (!json_object_is_type(v, type))
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "%s: expected %s, got %s", key,
                       json_type_to_name(type), lp_json_type_name(v));
    *out = v;
    return MP_OK;
}

/* agent_metadata (reference-update 2.16): {"session_id": "..."|null}, the
 * calling agent's session; other members are ignored with a warning. */
static int agent_metadata(json_object *md, const lp_logger *log,
                          rf_request *out, mp_error *err)
{
    json_object *v;
    if (!md)
        return MP_OK;
    if (json_object_object_get_ex(md, "session_id", &v) && v) {
        if (!json_object_is_type(v, json_type_string))
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "agent_metadata."
                           "session_id: expected string or null, got %s",
                           lp_json_type_name(v));
        out->session_id = json_object_get_string(v);
        out->session_id_len = (size_t)json_object_get_string_len(v);
    }
    json_object_object_foreach(md, key, val) {
        (void)val;
        if (strcmp(key, "session_id") != 0)
            lp_log(log, MP_LOG_WARN, "request: unknown key "
                   "\"agent_metadata.%s\" is ignored", key);
    }
    return MP_OK;
}

int rf_parse(const char *json, size_t len, const lp_logger *log,
             rf_request *out, mp_error *err)
{
    memset(out, 0, sizeof *out);
    if (json && len == (size_t)-1) /* NUL-terminated: keep the real size */
        len = strlen(json);
    json_object *root;
    int rc = lp_json_parse(json, len, "request", &root, err);
    if (rc)
        return rc;
    if (!json_object_is_type(root, json_type_object)) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                     "request: expected object, got %s",
                     lp_json_type_name(root));
        json_object_put(root);
        return rc;
    }
    json_object *prompt = NULL, *md = NULL;
    rc = top_member(root, "messages", json_type_array, 1, &out->messages, err);
    if (!rc)
        rc = top_member(root, "tool_specs", json_type_array, 0,
                        &out->tool_specs, err);
    if (!rc)
        rc = top_member(root, "tool_choice", json_type_object, 0,
                        &out->tool_choice, err);
    if (!rc)
        rc = top_member(root, "system_prompt", json_type_string, 0, &prompt,
                        err);
    if (!rc)
        rc = top_member(root, "system_prompt_content", json_type_array, 0,
                        &out->system_prompt_content, err);
    if (!rc)
        rc = top_member(root, "agent_metadata", json_type_object, 0, &md, err);
    if (!rc)
        rc = agent_metadata(md, log, out, err);
    json_object *trailing = NULL;
    if (!rc)
        rc = top_member(root, "dynamic_trailing_blocks", json_type_int, 0,
                        &trailing, err);
    if (!rc && trailing && json_object_get_int64(trailing) < 0)
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "dynamic_trailing_blocks: "
                     "expected a count >= 0, got %lld",
                     (long long)json_object_get_int64(trailing));
    if (rc) {
        json_object_put(root);
        memset(out, 0, sizeof *out);
        return rc;
    }
    if (trailing)
        out->dynamic_trailing_blocks = (size_t)json_object_get_int64(trailing);
    json_object_object_foreach(root, key, val) {
        (void)val;
        if (!is_known(key))
            lp_log(log, MP_LOG_WARN, "request: unknown key \"%s\" is ignored",
                   key);
    }
    out->root = root;
    out->system_prompt = prompt ? json_object_get_string(prompt) : NULL;
    out->json_len = len;
    return MP_OK;
}

void rf_release(rf_request *req)
{
    if (!req)
        return;
    json_object_put(req->root);
    memset(req, 0, sizeof *req);
}
