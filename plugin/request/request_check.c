/*
 * request_check.c - pass 1 of request formatting: check every shape of the
 * host's request and fail with the JSON path of the first problem
 * (decisions.md "Data across the ABI"; ABI rule MP_PLUGIN_8).
 *
 * The writers of pass 2 trust what is accepted here, so every member they
 * read is checked here first.  The walk also records each toolUse id so a
 * toolResult can be matched to an earlier toolUse.
 */
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "request_internal.h"

/* Where a block sits decides which kinds are allowed in it. */
typedef enum block_place {
    IN_MESSAGE,
    IN_TOOL_RESULT,
    IN_SYSTEM
} block_place;

static int check_block(rq_ctx *c, json_object *block, block_place place);

static int type_error(rq_ctx *c, const char *want, json_object *got)
{
    return rq_invalid(c->err, &c->path, "expected %s, got %s", want,
                      lp_json_type_name(got));
}

/* Member `key` of `obj` (which is at c->path): it must have `type`; when
 * absent (or null and optional) *out is NULL, an error if `required`. */
static int member(rq_ctx *c, json_object *obj, const char *key, json_type type,
                  int required, json_object **out)
{
    json_object *v = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || (!v && !required)) {
        if (required)
            return rq_invalid(c->err, &c->path, "missing key \"%s\"", key);
        return MP_OK;
    }
    if (!json_object_is_type(v, type)) {
        size_t mark = rq_path_key(&c->path, key);
        int rc = type_error(c, json_type_to_name(type), v);
        rq_path_pop(&c->path, mark);
        return rc;
    }
    *out = v;
    return MP_OK;
}

/* A required, non-empty string member (tool names, tool ids). */
static int nonempty_string(rq_ctx *c, json_object *obj, const char *key)
{
    json_object *v;
    int rc = member(c, obj, key, json_type_string, 1, &v);
    if (!rc && json_object_get_string_len(v) == 0) {
        size_t mark = rq_path_key(&c->path, key);
        rc = rq_invalid(c->err, &c->path, "must not be empty");
        rq_path_pop(&c->path, mark);
    }
    return rc;
}

static int check_base64(rq_ctx *c, json_object *s)
{
    size_t bad;
    if (rq_base64_valid(json_object_get_string(s),
                        (size_t)json_object_get_string_len(s), &bad))
        return MP_OK;
    return rq_invalid(c->err, &c->path,
                      "invalid base64 at offset %zu (expected standard "
                      "base64 with padding)", bad);
}

/* image / document / video: {format, source:{bytes|location}} (+ name for
 * documents).  A video may leave out "format" (decision 29): in a message
 * its bytes must then show their container (rq_video_sniff); elsewhere it
 * is skipped anyway. */
static int check_media(rq_ctx *c, json_object *media, rq_kind kind,
                       block_place place)
{
    json_object *v, *src, *bytes, *loc, *format;
    int rc = member(c, media, "format", json_type_string, kind != RQ_VIDEO,
                    &format);
    if (!rc && kind == RQ_DOCUMENT)
        rc = member(c, media, "name", json_type_string, 1, &v);
    if (!rc)
        rc = member(c, media, "source", json_type_object, 1, &src);
    if (rc)
        return rc;
    size_t mark = rq_path_key(&c->path, "source");
    rc = member(c, src, "bytes", json_type_string, 0, &bytes);
    if (!rc)
        rc = member(c, src, "location", json_type_object, 0, &loc);
    if (!rc && bytes && loc)
        rc = rq_invalid(c->err, &c->path,
                        "has both \"bytes\" and \"location\"");
    else if (!rc && !bytes && !loc)
        rc = rq_invalid(c->err, &c->path,
                        "missing key \"bytes\" (or \"location\")");
    else if (!rc && bytes) {
        rq_path_key(&c->path, "bytes");
        rc = check_base64(c, bytes);
    }
    rq_path_pop(&c->path, mark);
    if (!rc && kind == RQ_VIDEO && !format && bytes && place == IN_MESSAGE &&
        !rq_video_sniff(json_object_get_string(bytes),
                        (size_t)json_object_get_string_len(bytes)))
        rc = rq_invalid(c->err, &c->path, "no \"format\", and the bytes do "
                        "not start like a video container we know (MP4, "
                        "QuickTime, 3GP, WebM, Matroska, FLV, AVI, MPEG-PS, "
                        "MPEG-TS, ASF/WMV, Ogg); give \"format\"");
    return rc;
}

/* {reasoningText:{text, signature?}} or {redactedContent: base64}. */
static int check_reasoning(rq_ctx *c, json_object *rc_val)
{
    json_object *rt, *red, *v;
    int rc = member(c, rc_val, "reasoningText", json_type_object, 0, &rt);
    if (!rc)
        rc = member(c, rc_val, "redactedContent", json_type_string, 0, &red);
    if (rc)
        return rc;
    if (rt) {
        size_t mark = rq_path_key(&c->path, "reasoningText");
        rc = member(c, rt, "text", json_type_string, 1, &v);
        if (!rc)
            rc = member(c, rt, "signature", json_type_string, 0, &v);
        rq_path_pop(&c->path, mark);
        return rc;
    }
    if (red) {
        size_t mark = rq_path_key(&c->path, "redactedContent");
        rc = check_base64(c, red);
        rq_path_pop(&c->path, mark);
        return rc;
    }
    return rq_invalid(c->err, &c->path,
                      "missing key \"reasoningText\" (or \"redactedContent\")");
}

static int check_tool_use(rq_ctx *c, json_object *tu)
{
    json_object *v;
    int rc = nonempty_string(c, tu, "toolUseId");
    if (!rc)
        rc = nonempty_string(c, tu, "name");
    if (!rc && !json_object_object_get_ex(tu, "input", &v))
        rc = rq_invalid(c->err, &c->path, "missing key \"input\"");
    if (!rc)
        rc = member(c, tu, "reasoningSignature", json_type_string, 0, &v);
    if (rc)
        return rc;
    rq_id id;
    rq_tool_use_id(tu, &id);
    rc = rq_idmap_put(&c->ids, &id);
    return rc ? lp_fail(c->err, rc, "out of memory") : MP_OK;
}

static int check_tool_result(rq_ctx *c, json_object *tr)
{
    json_object *id, *content;
    int rc = member(c, tr, "toolUseId", json_type_string, 1, &id);
    if (!rc)
        rc = member(c, tr, "content", json_type_array, 1, &content);
    if (rc)
        return rc;
    if (!rq_idmap_get(&c->ids, json_object_get_string(id),
                      (size_t)json_object_get_string_len(id))) {
        size_t mark = rq_path_key(&c->path, "toolUseId");
        rc = rq_invalid(c->err, &c->path,
                        "no earlier toolUse has the id \"%s\"",
                        json_object_get_string(id));
        rq_path_pop(&c->path, mark);
        return rc;
    }
    size_t mark = rq_path_key(&c->path, "content");
    size_t n = json_object_array_length(content);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->path, i);
        rc = check_block(c, json_object_array_get_idx(content, i),
                         IN_TOOL_RESULT);
        rq_path_pop(&c->path, at);
    }
    rq_path_pop(&c->path, mark);
    return rc;
}

/* {"citations":[...]?, "content":[{"text":T}...]}: what a model answered
 * with citations (an Anthropic text block that cited sources). */
static int check_citations(rq_ctx *c, json_object *cc)
{
    json_object *v, *items;
    int rc = member(c, cc, "citations", json_type_array, 0, &v);
    if (!rc)
        rc = member(c, cc, "content", json_type_array, 1, &items);
    if (rc)
        return rc;
    size_t mark = rq_path_key(&c->path, "content");
    size_t n = json_object_array_length(items);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->path, i);
        json_object *item = json_object_array_get_idx(items, i);
        rc = json_object_is_type(item, json_type_object)
                 ? member(c, item, "text", json_type_string, 0, &v)
                 : type_error(c, "object", item);
        rq_path_pop(&c->path, at);
    }
    rq_path_pop(&c->path, mark);
    return rc;
}

static int check_cache_point(rq_ctx *c, json_object *cp)
{
    json_object *v;
    int rc = member(c, cp, "type", json_type_string, 0, &v);
    if (!rc)
        rc = member(c, cp, "ttl", json_type_string, 0, &v);
    return rc;
}

/* Which kinds a place accepts; the rest are "unsupported block". */
static int allowed(rq_kind kind, block_place place)
{
    switch (place) {
    case IN_MESSAGE:
        return kind != RQ_UNKNOWN && kind != RQ_JSON;
    case IN_TOOL_RESULT:
        return kind == RQ_TEXT || kind == RQ_JSON || kind == RQ_IMAGE ||
               kind == RQ_DOCUMENT || kind == RQ_VIDEO;
    case IN_SYSTEM:
        return kind == RQ_TEXT || kind == RQ_CACHE_POINT;
    }
    return 0;
}

/* A "type" key beside the block's one kind (decision 29; the reference
 * ignores it): it must name that same kind. */
static int check_type_key(rq_ctx *c, json_object *type, const char *key)
{
    size_t mark = rq_path_key(&c->path, "type");
    int rc = MP_OK;
    if (!json_object_is_type(type, json_type_string))
        rc = rq_invalid(c->err, &c->path, "expected the block's kind "
                        "(\"%s\") as a string, got %s", key,
                        lp_json_type_name(type));
    else if (strcmp(json_object_get_string(type), key) != 0)
        rc = rq_invalid(c->err, &c->path, "says \"%s\", but the block is "
                        "\"%s\"", json_object_get_string(type), key);
    rq_path_pop(&c->path, mark);
    return rc;
}

/* One content block at c->path: an object with exactly one known key (and
 * perhaps a "type" key naming it). */
static int check_block(rq_ctx *c, json_object *block, block_place place)
{
    if (!json_object_is_type(block, json_type_object))
        return type_error(c, "object", block);
    const char *key = NULL, *second = NULL;
    json_object *val = NULL, *type = NULL;
    int has_type = 0;
    json_object_object_foreach(block, k, v) {
        if (strcmp(k, "type") == 0) {
            has_type = 1;
            type = v;
        } else if (!key) {
            key = k;
            val = v;
        } else if (!second) {
            second = k;
        }
    }
    if (!key)
        return rq_invalid(c->err, &c->path, has_type
                          ? "block has only a \"type\" key and no content"
                          : "empty content block");
    if (second)
        return rq_invalid(c->err, &c->path,
                          "block has several kinds (\"%s\", \"%s\")", key,
                          second);
    if (has_type) {
        int rc = check_type_key(c, type, key);
        if (rc)
            return rc;
    }
    rq_kind kind = rq_kind_of(key);
    if (!allowed(kind, place))
        return rq_invalid(c->err, &c->path, "unsupported block \"%s\"", key);

    size_t mark = rq_path_key(&c->path, key);
    int rc = MP_OK;
    switch (kind) {
    case RQ_TEXT:
        if (!json_object_is_type(val, json_type_string))
            rc = type_error(c, "string", val);
        break;
    case RQ_JSON: /* any JSON value is a valid tool result */
        break;
    default:
        /* Every other kind has an object value. */
        if (!json_object_is_type(val, json_type_object)) {
            rc = type_error(c, "object", val);
            break;
        }
        if (kind == RQ_IMAGE || kind == RQ_DOCUMENT || kind == RQ_VIDEO)
            rc = check_media(c, val, kind, place);
        else if (kind == RQ_REASONING)
            rc = check_reasoning(c, val);
        else if (kind == RQ_TOOL_USE)
            rc = check_tool_use(c, val);
        else if (kind == RQ_TOOL_RESULT)
            rc = check_tool_result(c, val);
        else if (kind == RQ_CACHE_POINT)
            rc = check_cache_point(c, val);
        else if (kind == RQ_CITATIONS)
            rc = check_citations(c, val);
    }
    rq_path_pop(&c->path, mark);
    return rc;
}

static int check_message(rq_ctx *c, json_object *msg)
{
    if (!json_object_is_type(msg, json_type_object))
        return type_error(c, "object", msg);
    json_object *role, *content;
    int rc = member(c, msg, "role", json_type_string, 1, &role);
    if (!rc)
        rc = member(c, msg, "content", json_type_array, 1, &content);
    if (rc)
        return rc;
    const char *r = json_object_get_string(role);
    if (strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0) {
        size_t mark = rq_path_key(&c->path, "role");
        rc = rq_invalid(c->err, &c->path,
                        "unsupported role \"%s\" (expected \"user\" or "
                        "\"assistant\")", r);
        rq_path_pop(&c->path, mark);
        return rc;
    }
    size_t mark = rq_path_key(&c->path, "content");
    size_t n = json_object_array_length(content);
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->path, i);
        rc = check_block(c, json_object_array_get_idx(content, i), IN_MESSAGE);
        rq_path_pop(&c->path, at);
    }
    rq_path_pop(&c->path, mark);
    return rc;
}

int rq_check_tool_spec(rq_ctx *c, json_object *spec)
{
    if (!json_object_is_type(spec, json_type_object))
        return type_error(c, "object", spec);
    json_object *v, *schema;
    int rc = nonempty_string(c, spec, "name");
    if (!rc)
        rc = member(c, spec, "description", json_type_string, 0, &v);
    if (!rc)
        rc = member(c, spec, "inputSchema", json_type_object, 1, &schema);
    if (rc)
        return rc;
    size_t mark = rq_path_key(&c->path, "inputSchema");
    rc = member(c, schema, "json", json_type_object, 1, &v);
    rq_path_pop(&c->path, mark);
    return rc;
}

/* Only the member that reference 3.9 will read is checked: auto, then any,
 * then tool; any other object means "auto". */
static int check_tool_choice(rq_ctx *c, json_object *choice)
{
    json_object *tool;
    if (json_object_object_get_ex(choice, "auto", NULL) ||
        json_object_object_get_ex(choice, "any", NULL) ||
        !json_object_object_get_ex(choice, "tool", &tool))
        return MP_OK;
    size_t mark = rq_path_key(&c->path, "tool");
    int rc = json_object_is_type(tool, json_type_object)
                 ? nonempty_string(c, tool, "name")
                 : type_error(c, "object", tool);
    rq_path_pop(&c->path, mark);
    return rc;
}

/* Each element of `arr` (named `root`) through `fn`. */
static int check_array(rq_ctx *c, const char *root, json_object *arr,
                       int (*fn)(rq_ctx *, json_object *))
{
    rq_path_set(&c->path, root);
    size_t n = json_object_array_length(arr);
    int rc = MP_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->path, i);
        rc = fn(c, json_object_array_get_idx(arr, i));
        rq_path_pop(&c->path, at);
    }
    return rc;
}

static int check_system_block(rq_ctx *c, json_object *block)
{
    return check_block(c, block, IN_SYSTEM);
}

int rq_check_request(rq_ctx *c, const rf_request *req, const lp_call_options *opt)
{
    rq_idmap_clear(&c->ids);
    int rc = check_array(c, "messages", req->messages, check_message);
    if (!rc && req->system_prompt_content)
        rc = check_array(c, "system_prompt_content",
                         req->system_prompt_content, check_system_block);
    if (!rc && req->tool_specs)
        rc = check_array(c, "tool_specs", req->tool_specs, rq_check_tool_spec);
    if (!rc && req->tool_choice) {
        rq_path_set(&c->path, "tool_choice");
        rc = check_tool_choice(c, req->tool_choice);
    }
    if (!rc && opt && opt->forced_tool_spec) {
        rq_path_set(&c->path, "forced_tool_spec");
        rc = rq_check_tool_spec(c, opt->forced_tool_spec);
    }
    if (!rc && opt && opt->response_format &&
        !json_object_is_type(opt->response_format, json_type_object)) {
        rq_path_set(&c->path, "response_format");
        rc = type_error(c, "object", opt->response_format);
    }
    return rc;
}
