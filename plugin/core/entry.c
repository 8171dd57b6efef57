/*
 * entry.c - the one exported symbol and the static descriptor.
 *
 * The entry function is pure (ABI rule MP_PLUGIN_2): it only negotiates the
 * minor version and hands out the descriptor; all setup happens in init().
 */
#include "../../abi/model_provider.h"
#include "event_json.h"
#include "instance.h"
#include "module.h"
#include "provider_entry.h"

#define LP_PROVIDER_VERSION "0.1.0"

static const char *const capabilities[] = {
    "stream", "structured_output", "tool_use", "reasoning",
    "thought_signatures", "images", "documents", "video", "cache_points",
    "cancel", "usage", NULL};

static const mp_provider_v1 descriptor = {
    .struct_size = sizeof(mp_provider_v1),
    .abi_major = MP_ABI_MAJOR,
    .abi_minor = MP_ABI_MINOR,
    .id = "org.strands.litellm",
    .name = "LiteLLM / OpenAI-compatible chat completions",
    .version = LP_PROVIDER_VERSION,
    .capabilities = capabilities,
    .init = lp_module_init,
    .deinit = lp_module_deinit,
    .create = lp_instance_create,
    .destroy = lp_instance_destroy,
    .update_config = lp_instance_update_config,
    .get_config = lp_instance_get_config,
    .stream = lp_op_stream,
    .structured_output = lp_op_structured_output,
    .cancel = lp_instance_cancel,
    .get_extension = lp_no_extension,
    .event_to_json = lp_event_to_json_sink,
};

__attribute__((visibility("default")))
int mp_provider_entry_v1(uint32_t *abi_minor_inout, const mp_provider_v1 **out)
{
    return lp_provider_entry(&descriptor, abi_minor_inout, out);
}
