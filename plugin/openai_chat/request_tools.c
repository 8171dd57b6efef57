/*
 * request_tools.c - the tool side of the body: tool specs -> "tools"
 * (reference 3.4), tool_choice (3.9), toolUse -> assistant tool_calls
 * (3.5 with decision 6) and the ids that pair them with tool messages
 * (section 5 / decision 4).
 */
#include <string.h>

#include "body_writers.h"

static void write_tool(jw *w, json_object *spec)
{
    json_object *desc = rq_get(spec, "description");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "function");
    jw_key(w, "function");
    jw_object_open(w);
    jw_key(w, "name");
    jw_json(w, rq_get(spec, "name"));
    if (desc) { /* optional for OpenAI-compatible servers */
        jw_key(w, "description");
        jw_json(w, desc);
    }
    /* The schema goes through untouched; outputSchema is never sent. */
    jw_key(w, "parameters");
    jw_json(w, rq_get(rq_get(spec, "inputSchema"), "json"));
    jw_object_close(w);
    jw_object_close(w);
}

void rq_write_tools(jw *w, json_object *specs, json_object *one)
{
    jw_array_open(w);
    if (one) {
        write_tool(w, one);
    } else if (specs) {
        size_t n = json_object_array_length(specs);
        for (size_t i = 0; i < n; i++)
            write_tool(w, json_object_array_get_idx(specs, i));
    }
    jw_array_close(w);
}

int rq_tool_choice_present(json_object *choice)
{
    /* Python's truthiness: None and {} send nothing. */
    return json_object_is_type(choice, json_type_object) &&
           json_object_object_length(choice) > 0;
}

void rq_write_tool_choice(jw *w, json_object *choice)
{
    json_object *tool;
    if (json_object_object_get_ex(choice, "auto", NULL)) {
        jw_cstring(w, "auto");
    } else if (json_object_object_get_ex(choice, "any", NULL)) {
        jw_cstring(w, "required");
    } else if (json_object_object_get_ex(choice, "tool", &tool)) {
        jw_object_open(w);
        jw_key(w, "type");
        jw_cstring(w, "function");
        jw_key(w, "function");
        jw_object_open(w);
        jw_key(w, "name");
        jw_json(w, rq_get(tool, "name"));
        jw_object_close(w);
        jw_object_close(w);
    } else {
        jw_cstring(w, "auto"); /* any other object, as the reference */
    }
}

const char *rq_id_text(rq_ctx *c, const rq_id *id)
{
    sb_reset(&c->dump);
    int rc = sb_append(&c->dump, id->id, id->id_len);
    if (!rc && id->sig) {
        rc = sb_appends(&c->dump, RQ_THOUGHT_SEP);
        if (!rc)
            rc = sb_append(&c->dump, id->sig, id->sig_len);
    }
    if (rc && !c->status)
        c->status = rc;
    return c->dump.data ? c->dump.data : "";
}

void rq_write_id(rq_ctx *c, jw *w, const rq_id *id)
{
    if (!id->sig) {
        jw_string(w, id->id, id->id_len);
        return;
    }
    const char *text = rq_id_text(c, id);
    jw_string(w, text, c->status ? 0 : c->dump.len);
}

void rq_write_tool_call(rq_ctx *c, jw *w, json_object *tool_use,
                        const rq_id *id, const char *sig, size_t sig_len)
{
    /* arguments is the input as JSON text (decision 6: compact, stable). */
    sb_reset(&c->dump);
    int rc = jw_to_string(rq_get(tool_use, "input"), &c->dump);
    if (rc && !c->status)
        c->status = rc;
    jw_object_open(w);
    jw_key(w, "function");
    jw_object_open(w);
    jw_key(w, "arguments");
    jw_string(w, c->dump.data ? c->dump.data : "", rc ? 0 : c->dump.len);
    jw_key(w, "name");
    jw_json(w, rq_get(tool_use, "name"));
    jw_object_close(w);
    jw_key(w, "id");
    rq_write_id(c, w, id);
    jw_key(w, "type");
    jw_cstring(w, "function");
    if (sig && c->sig_vendor) {
        jw_key(w, "extra_content");
        jw_object_open(w);
        jw_key(w, c->sig_vendor);
        jw_object_open(w);
        jw_key(w, "thought_signature");
        jw_string(w, sig, sig_len);
        jw_object_close(w);
        jw_object_close(w);
    }
    jw_object_close(w);
}
