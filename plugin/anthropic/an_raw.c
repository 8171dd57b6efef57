/*
 * an_raw.c - the content blocks of a streamed response rebuilt as the API
 * returned them (the SDK's message snapshot), kept only to resume a turn
 * Anthropic paused (pause_turn): the next request sends them back exactly,
 * server_tool_use and *_tool_result blocks included (spec 3.6).
 *
 * Each block is its content_block_start object with what the deltas
 * brought: text, thinking and signature concatenated, citations appended,
 * a tool's partial JSON parsed at the end.  Bounded by max_response_bytes;
 * past it the content is dropped and the turn cannot be resumed.
 */
#include "an_mapper.h"
#include "../core/json_util.h"

#include <json-c/json.h>
#include <string.h>

static void lose(an_mapper *m)
{
    m->raw_lost = 1;
    m->cur = NULL;
    json_object_put(m->raw);
    m->raw = json_object_new_array();
    if (!m->raw)
        m->status = MP_E_NO_MEMORY;
}

static void grew(an_mapper *m, size_t len)
{
    m->raw_bytes += len;
    if (m->raw_bytes > m->opt.max_line)
        lose(m);
}

void an_raw_start(an_mapper *m, json_object *block)
{
    if (m->raw_lost || !m->raw)
        return;
    sb_reset(&m->cur_text);
    sb_reset(&m->cur_sig);
    m->cur = json_object_get(block);
    if (json_object_array_add(m->raw, m->cur)) {
        json_object_put(m->cur);
        lose(m);
    }
}

static void append(an_mapper *m, strbuf *sb, const char *s, size_t len)
{
    if (!m->cur)
        return;
    grew(m, len);
    if (m->cur && sb_append(sb, s, len))
        lose(m);
}

void an_raw_text(an_mapper *m, const char *s, size_t len)
{
    append(m, &m->cur_text, s, len);
}

void an_raw_signature(an_mapper *m, const char *s, size_t len)
{
    append(m, &m->cur_sig, s, len);
}

void an_raw_citation(an_mapper *m, json_object *citation)
{
    if (!m->cur)
        return;
    json_object *list = NULL;
    if (!json_object_object_get_ex(m->cur, "citations", &list) ||
        !json_object_is_type(list, json_type_array)) {
        list = json_object_new_array();
        if (!list || json_object_object_add(m->cur, "citations", list)) {
            json_object_put(list);
            lose(m);
            return;
        }
    }
    if (json_object_array_add(list, json_object_get(citation)))
        lose(m);
}

static void set_string(an_mapper *m, const char *key, const strbuf *sb)
{
    json_object *s = json_object_new_string_len(sb->data ? sb->data : "",
                                                (int)sb->len);
    if (!s || json_object_object_add(m->cur, key, s)) {
        json_object_put(s);
        lose(m);
    }
}

void an_raw_stop(an_mapper *m)
{
    json_object *block = m->cur, *type = NULL;
    if (!block)
        return;
    json_object_object_get_ex(block, "type", &type);
    const char *t = json_object_get_string(type);
    if (t && strcmp(t, "text") == 0) {
        set_string(m, "text", &m->cur_text);
    } else if (t && strcmp(t, "thinking") == 0) {
        set_string(m, "thinking", &m->cur_text);
        if (m->cur)
            set_string(m, "signature", &m->cur_sig);
    } else if (m->cur_text.len) {
        /* A tool's input (tool_use, server_tool_use, mcp_tool_use): the
         * API wants the object, not the text it streamed.  Read as host
         * input is (lp_json_parse), so it goes back as it came: nested
         * past json-c's default depth of 32, wide integers digit for
         * digit. */
        json_object *input = NULL;
        mp_error ignored = MP_ERROR_INIT;
        if (lp_json_parse(m->cur_text.data, m->cur_text.len, "tool input",
                          &input, &ignored) == MP_E_NO_MEMORY) {
            lose(m);
            return;
        }
        if (!json_object_is_type(input, json_type_object)) {
            json_object_put(input);
            input = json_object_new_object();
        }
        if (!input || json_object_object_add(block, "input", input)) {
            json_object_put(input);
            lose(m);
        }
    }
    m->cur = NULL;
}

void an_raw_reset(an_mapper *m)
{
    json_object_put(m->raw);
    m->raw = json_object_new_array();
    m->cur = NULL;
    m->raw_bytes = 0;
    m->raw_lost = 0;
    sb_reset(&m->cur_text);
    sb_reset(&m->cur_sig);
    if (!m->raw)
        m->status = MP_E_NO_MEMORY;
}
