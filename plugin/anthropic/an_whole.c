/*
 * an_whole.c - a whole (non-streaming) Messages API answer as the events a
 * stream would have given (spec section 4): messageStart; per content
 * block its start, a citation delta per citation, one delta with the whole
 * text (or reasoning text and signature, or the compact JSON of a tool's
 * input), its stop; server-tool blocks skipped; messageStop and metadata.
 */
#include "an_mapper.h"
#include "../core/json_util.h"

#include <json-c/json.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_writer.h"

static const char *text_of(json_object *o, const char *key, size_t *len)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    if (!json_object_is_type(v, json_type_string)) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int text_block(an_mapper *m, int64_t i, json_object *b)
{
    if (an_open_block(m, i, AO_TEXT, NULL, 0, NULL, 0))
        return m->status;
    json_object *cites = NULL;
    json_object_object_get_ex(b, "citations", &cites);
    size_t n = json_object_is_type(cites, json_type_array)
                   ? json_object_array_length(cites) : 0;
    for (size_t k = 0; k < n && !m->status; k++)
        an_emit_citation(m, json_object_array_get_idx(cites, k));
    size_t len;
    const char *s = text_of(b, "text", &len);
    if (!m->status && s && len)
        an_piece(m, MP_DELTA_TEXT, s, len);
    return m->status;
}

static int thinking_block(an_mapper *m, int64_t i, json_object *b)
{
    size_t len;
    const char *s;
    if (an_open_block(m, i, AO_THINKING, NULL, 0, NULL, 0))
        return m->status;
    if ((s = text_of(b, "thinking", &len)) && len)
        an_piece(m, MP_DELTA_REASONING_TEXT, s, len);
    if (!m->status && (s = text_of(b, "signature", &len)) && len)
        an_piece(m, MP_DELTA_REASONING_SIGNATURE, s, len);
    return m->status;
}

static int tool_block(an_mapper *m, int64_t i, json_object *b)
{
    size_t name_len, id_len;
    const char *name = text_of(b, "name", &name_len);
    const char *id = text_of(b, "id", &id_len);
    if (!name || !name_len || !id || !id_len)
        return an_protocol(m, "content[%lld]: tool_use without a name or id",
                           (long long)i);
    if (an_utf8(m, name, name_len, "tool name") ||
        an_utf8(m, id, id_len, "tool use id") ||
        an_open_block(m, i, AO_TOOL, name, name_len, id, id_len))
        return m->status;
    json_object *input = NULL;
    json_object_object_get_ex(b, "input", &input);
    strbuf json;
    sb_init(&json, m->opt.max_tool_args);
    int rc = input ? jw_to_string(input, &json) : sb_appends(&json, "{}");
    if (rc)
        an_protocol(m, "content[%lld]: tool input exceeds %zu bytes "
                    "(max_response_bytes)", (long long)i,
                    m->opt.max_tool_args);
    else
        an_piece(m, MP_DELTA_TOOL_INPUT, json.data, json.len);
    sb_free(&json);
    return m->status;
}

static int block(an_mapper *m, int64_t i, json_object *b)
{
    size_t len;
    const char *type = text_of(b, "type", &len);
    if (!type)
        return an_protocol(m, "content[%lld] has no type", (long long)i);
    if (strcmp(type, "text") == 0)
        text_block(m, i, b);
    else if (strcmp(type, "thinking") == 0)
        thinking_block(m, i, b);
    else if (strcmp(type, "tool_use") == 0)
        tool_block(m, i, b);
    else if (strcmp(type, "redacted_thinking") == 0) {
        const char *data = text_of(b, "data", &len);
        if (!data)
            return an_protocol(m, "content[%lld]: redacted_thinking without "
                               "data", (long long)i);
        if (!an_utf8(m, data, len, "redacted thinking"))
            an_emit_redacted(m, i, data, len);
    } else {
        lp_log(m->opt.log, MP_LOG_DEBUG, "block_type=<%.60s> | skipping "
               "block", type);
        return MP_OK;
    }
    return m->status ? m->status : an_close_block(m);
}

static int map_message(an_mapper *m, json_object *root)
{
    json_object *content = NULL, *stop = NULL, *v = NULL;
    json_object_object_get_ex(root, "content", &content);
    json_object_object_get_ex(root, "stop_reason", &stop);
    if (!json_object_is_type(content, json_type_array))
        return an_protocol(m, "\"content\" is a JSON %s, expected array",
                           json_type_to_name(json_object_get_type(content)));
    if (!json_object_is_type(stop, json_type_string))
        return an_protocol(m, "no stop_reason in the message");
    size_t len = (size_t)json_object_get_string_len(stop);
    if (an_utf8(m, json_object_get_string(stop), len, "stop_reason"))
        return m->status;
    m->msg_started = 1;
    if (!m->started) {
        m->started = 1;
        if (an_emitted(m, ev_message_start(m->em)))
            return m->status;
    }
    size_t n = json_object_array_length(content);
    for (size_t i = 0; i < n && !m->status; i++)
        block(m, (int64_t)i, json_object_array_get_idx(content, i));
    if (m->status)
        return m->status;
    if (json_object_object_get_ex(root, "usage", &v))
        an_read_usage(m, v);
    lp_format(m->stop, sizeof m->stop, "%s", json_object_get_string(stop));
    m->have_stop = m->stopped = 1;
    /* The content exactly as returned, should it have to go back. */
    json_object_put(m->raw);
    m->raw = json_object_get(content);
    if (an_end_response(m))
        return m->status;
    return m->paused ? MP_OK : an_emit_metadata(m);
}

int an_mapper_whole(an_mapper *m, const char *body, size_t len,
                    int64_t latency_ms, int64_t ttfb_ms, mp_error *err)
{
    m->err = err;
    if (m->status)
        return m->status;
    m->whole = 1;
    m->latency_ms = latency_ms;
    m->ttfb_ms = ttfb_ms;
    if (!body || !len || len > (size_t)INT32_MAX)
        return an_protocol(m, "empty (expected a message object)");
    /* One parse per call: the parser is made here, not with the mapper,
     * which a stream (by far the usual call) never needs it for.  Strings
     * for the host are checked one by one (an_utf8). */
    json_tokener *tok = json_tokener_new_ex(AN_JSON_DEPTH);
    if (!tok)
        return an_emitted(m, MP_E_NO_MEMORY);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *root = lp_json_tokener_parse(tok, body, len);
    size_t end = root ? json_tokener_get_parse_end(tok) : 0;
    json_tokener_free(tok);
    while (root && end < len && body[end] && strchr(" \t\r\n", body[end]))
        end++;
    if (!root || end != len || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return an_protocol(m, "not one JSON object");
    }
    json_object *type = NULL, *error = NULL;
    json_object_object_get_ex(root, "type", &type);
    const char *t = json_object_get_string(type);
    int rc;
    if ((t && strcmp(t, "error") == 0) ||
        json_object_object_get_ex(root, "error", &error)) {
        json_object_object_get_ex(root, "error", &error);
        rc = m->status = an_classify_error(error, 200, m->opt.secrets, err);
    } else {
        rc = map_message(m, root);
    }
    json_object_put(root);
    return rc;
}
