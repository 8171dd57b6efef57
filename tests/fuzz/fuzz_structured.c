/*
 * fuzz_structured.c - structured output after the HTTP exchange: the
 * caller's schema (parse, the $ref and object-schema checks, the strict
 * rewrite) and the model's answer (a chat.completion body through the
 * chunk mapper, the choice checks, the answer picked, unfenced, parsed
 * and validated).  The input is the schema, a NUL byte, then the body;
 * the schema's length picks the path (odd: tool).  A success must be one
 * JSON value, UTF-8, that validates against the caller's schema; every
 * failure keeps the contract, and the configured secrets never show in a
 * message where the server echoed them.
 *
 * fuzz-seeds: tests/fuzz/seeds/structured
 * fuzz-dict: json.dict
 */
#include <json-c/json.h>
#include <string.h>

#include "contract.h"
#include "../../plugin/core/event_emit.h"
#include "../../plugin/core/json_util.h"
#include "../../plugin/core/strbuf.h"
#include "../../plugin/openai_chat/chunk_mapper.h"
#include "../../plugin/structured/schema_ref.h"
#include "../../plugin/structured/schema_strict.h"
#include "../../plugin/structured/schema_validate.h"
#include "../../plugin/structured/structured_reply.h"

static void answer(json_object *schema, int path, const char *body,
                   size_t len)
{
    so_reply reply;
    so_reply_init(&reply, 1 << 20);
    reply.secrets = fz_secrets;
    ev_emitter em;
    ev_init(&em, &reply.sink);
    chunk_mapper m;
    cm_options opt = {.max_line = 1 << 20, .max_tool_args = 1 << 20,
                      .secrets = fz_secrets};
    mp_error err = MP_ERROR_INIT;
    strbuf out;
    sb_init(&out, 1 << 24);
    int rc = cm_init(&m, &em, &opt);
    if (!rc)
        rc = cm_map_response(&m, body, len, 1, 1, &err);
    else
        rc = MP_E_NO_MEMORY, err.code = rc, strcpy(err.message, "oom");
    if (!rc)
        rc = cm_check_single_choice(body, len, &err);
    if (!rc)
        rc = so_reply_result(&reply, path, schema, &out, &err);
    fz_check_error(rc, &err, fz_secrets);
    if (rc == MP_OK) {
        fz_check_text("structured answer", out.data, out.len, NULL);
        json_object *v = NULL;
        mp_error pe = MP_ERROR_INIT;
        if (lp_json_parse(out.data, out.len, "answer", &v, &pe))
            fz_fail("the answer is not JSON: %s", pe.message);
        char msg[512];
        if (sv_validate(schema, v, 0, msg, sizeof msg) != MP_OK)
            fz_fail("the answer does not validate: %s", msg);
        json_object_put(v);
    }
    cm_free(&m);
    so_reply_free(&reply);
    sb_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t slen = nul ? (size_t)(nul - text) : size;
    json_object *schema = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = lp_json_parse(text, slen, "schema", &schema, &err);
    if (!rc)
        rc = sch_check(schema, &err);
    fz_check_error(rc, &err, NULL);
    if (rc) {
        json_object_put(schema);
        return 0;
    }
    if (sch_is_object_schema(schema)) {
        json_object *strict = NULL;
        rc = ss_make_strict(schema, &strict);
        if (rc != MP_OK && rc != MP_E_NO_MEMORY)
            fz_fail("ss_make_strict: %s", mp_errname(rc));
        json_object_put(strict);
    }
    if (nul)
        answer(schema, slen & 1 ? SO_PATH_TOOL : SO_PATH_RESPONSE_FORMAT,
               nul + 1, size - slen - 1);
    json_object_put(schema);
    return 0;
}
