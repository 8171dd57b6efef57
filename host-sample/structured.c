/* structured.c - the --structured command; see structured.h. */
#include "structured.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conversation.h"
#include "json_arg.h"
#include "model_call.h"
#include "request_log.h"
#include "text_buf.h"


/* The schema's title when it is a valid output name, else "Output". */
static const char *output_name(json_object *schema)
{
    json_object *title = NULL;
    json_object_object_get_ex(schema, "title", &title);
    const char *s = json_object_get_string(title);
    size_t n = s ? strlen(s) : 0;
    if (!json_object_is_type(title, json_type_string) || n < 1 || n > 64 ||
        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-") != n)
        return "Output";
    return s;
}

int agent_structured(agent *a, const char *prompt, const char *schema_path,
                     agent_error *e)
{
    size_t schema_len = 0;
    char *schema_text = read_whole_file(schema_path, &schema_len);
    if (!schema_text) {
        snprintf(e->message, sizeof e->message, "%s: cannot read: %s",
                 schema_path, strerror(errno));
        return e->code = HOST_E_IO;
    }
    json_object *schema = json_tokener_parse(schema_text);
    json_object *desc = NULL;
    json_object_object_get_ex(schema, "description", &desc);

    /* The conversation so far plus the prompt, on a copy. */
    json_object *conv = NULL;
    json_object_deep_copy(a->conv, &conv, NULL);
    char *req = conv && conv_add_user_text(conv, prompt) == 0
                    ? model_request(conv, NULL, a->system_prompt) : NULL;
    json_object_put(conv);

    text_buf out = {NULL, 0};
    mp_text_sink sink = {sizeof sink, &out, text_buf_write};
    mp_error err = MP_ERROR_INIT;
    int rc = MP_E_NO_MEMORY;
    if (req) {
        prov_lease lease;
        prov_acquire(&a->slots[a->active], &lease);
        rc = lease.mod->desc->structured_output(
            lease.inst, req, strlen(req), schema_text, schema_len,
            output_name(schema),
            json_object_is_type(desc, json_type_string) ? json_object_get_string(desc) : NULL,
            &sink, &err);
        prov_release(&lease);
        request_log(req, (size_t)-1, rc);
    }
    if (rc == MP_OK)
        printf("%s\n", out.data ? out.data : "");
    else
        snprintf(e->message, sizeof e->message, "%s",
                 err.message[0] ? err.message : mp_strerror(rc));
    free(out.data);
    free(req);
    json_object_put(schema);
    free(schema_text);
    return e->code = rc;
}
