/*
 * entry.c - the one exported symbol and the static descriptor.
 *
 * The entry function is pure (ABI rule MP_PLUGIN_2): it only negotiates the
 * minor version and hands out the descriptor; all setup happens in init().
 */
#include <stddef.h>
#include <string.h>

#include "../abi/model_provider.h"
#include "errors.h"
#include "event_json.h"
#include "instance.h"
#include "module.h"
#include "provider_entry.h"
#include "strbuf.h"

#define LP_PROVIDER_VERSION "0.1.0"

static const char *const capabilities[] = {
    "stream", "structured_output", "tool_use", "reasoning",
    "thought_signatures", "images", "documents", "video", "cache_points",
    "cancel", "usage", NULL};

static int op_init(const mp_host_v1 *host, mp_error *err)
{
    return lp_module_init(host, err);
}

static int op_deinit(void)
{
    return lp_module_deinit();
}

/* The operations that take a host sink check it here, at the boundary,
 * so the code behind them can rely on a usable sink (MP_PLUGIN_13). */
static int op_stream(mp_instance *inst, const char *req, size_t len,
                     const mp_event_sink *sink, mp_error *err)
{
    if (!LP_EVENT_SINK_OK(sink)) {
        lp_error_clear(err);
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "stream: the event sink is "
                       "NULL, has no on_event, or its struct_size is smaller "
                       "than mp_event_sink of ABI 1.0");
    }
    return lp_op_stream(inst, req, len, sink, err);
}

static int op_structured_output(mp_instance *inst, const char *req,
                                size_t len, const char *schema,
                                size_t schema_len, const char *name,
                                const char *description,
                                const mp_text_sink *out, mp_error *err)
{
    if (!LP_TEXT_SINK_OK(out)) {
        lp_error_clear(err);
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "structured_output: the "
                       "output sink is NULL, has no write, or its struct_size "
                       "is smaller than mp_text_sink of ABI 1.0");
    }
    return lp_op_structured_output(inst, req, len, schema, schema_len, name,
                                   description, out, err);
}

static const mp_provider_v1 descriptor = {
    .struct_size = sizeof(mp_provider_v1),
    .abi_major = MP_ABI_MAJOR,
    .abi_minor = MP_ABI_MINOR,
    .id = "org.strands.litellm",
    .name = "LiteLLM / OpenAI-compatible chat completions",
    .version = LP_PROVIDER_VERSION,
    .capabilities = capabilities,
    .init = op_init,
    .deinit = op_deinit,
    .create = lp_instance_create,
    .destroy = lp_instance_destroy,
    .update_config = lp_instance_update_config,
    .get_config = lp_instance_get_config,
    .stream = op_stream,
    .structured_output = op_structured_output,
    .cancel = lp_instance_cancel,
    .get_extension = lp_no_extension,
    .event_to_json = lp_op_event_to_json,
};

__attribute__((visibility("default")))
int mp_provider_entry_v1(uint32_t *abi_minor_inout, const mp_provider_v1 **out)
{
    return lp_provider_entry(&descriptor, abi_minor_inout, out);
}
