/* op_structured.c - the structured_output() operation (issue 5: not yet). */
#include "errors.h"
#include "instance.h"

int lp_op_structured_output(mp_instance *inst, const char *request_json,
                            size_t len, const char *schema_json,
                            size_t schema_len, const char *name,
                            const char *description, const mp_text_sink *out,
                            mp_error *err)
{
    (void)inst; (void)request_json; (void)len; (void)schema_json;
    (void)schema_len; (void)name; (void)description; (void)out;
    return lp_fail(err, MP_E_UNSUPPORTED, "structured_output is not implemented yet");
}
