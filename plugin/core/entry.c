/*
 * entry.c - the one exported symbol and the static descriptors, one per
 * ABI minor this plugin speaks.
 *
 * The entry function is pure (ABI rule MP_PLUGIN_2): it only negotiates the
 * minor version and hands out that minor's descriptor; all setup happens in
 * init().  The minor-0 descriptor is exactly a 1.0 one (its size, abi_minor
 * 0, a stream() that delivers only 1.0 events), so a host compiled against
 * ABI 1.0 sees a 1.0 plugin (MP_PLUGIN_14).
 */
#include "../../abi/model_provider.h"
#include "accumulator.h"
#include "errors.h"
#include "event_json.h"
#include "instance.h"
#include "module.h"
#include "provider_entry.h"

#define LP_PROVIDER_VERSION "0.1.0"

/* What each minor's host is told: a 1.0 host is told of nothing it
 * cannot reach (MP_PLUGIN_14), so the 1.1 additions are listed only in
 * the minor-1 descriptor. */
#define CAPABILITIES_V10                                                  \
    "stream", "structured_output", "tool_use", "reasoning",               \
    "thought_signatures", "images", "documents", "video", "cache_points", \
    "cancel", "usage"
static const char *const capabilities_v10[] = {CAPABILITIES_V10, NULL};
static const char *const capabilities_v11[] = {
    CAPABILITIES_V10, "cost", "response_info", "batch_hint", "stream_json",
    "accumulator", NULL};

/* The fields of ABI 1.0, the same in every minor's descriptor but for the
 * size, the minor, its capability list and the stream() that delivers
 * that minor's events. */
#define DESCRIPTOR_V10(size, minor, caps, stream_op)                      \
    .struct_size = (size), .abi_major = MP_ABI_MAJOR, .abi_minor = (minor), \
    .id = "org.strands.litellm",                                          \
    .name = "LiteLLM / OpenAI-compatible chat completions",               \
    .version = LP_PROVIDER_VERSION, .capabilities = (caps),               \
    .init = lp_module_init, .deinit = lp_module_deinit,                   \
    .create = lp_instance_create, .destroy = lp_instance_destroy,         \
    .update_config = lp_instance_update_config,                           \
    .get_config = lp_instance_get_config, .stream = (stream_op),          \
    .structured_output = lp_op_structured_output,                         \
    .cancel = lp_instance_cancel, .get_extension = lp_no_extension,       \
    .event_to_json = lp_event_to_json_sink

/* Minor 0: for hosts compiled against ABI 1.0. */
static const mp_provider_v1 descriptor_v10 = {
    DESCRIPTOR_V10(LP_PROVIDER_V10_SIZE, 0, capabilities_v10, lp_op_stream_v10),
};

/* Minor 1. */
static const mp_provider_v1 descriptor_v11 = {
    DESCRIPTOR_V10(sizeof(mp_provider_v1), 1, capabilities_v11, lp_op_stream),
    .errname = lp_errname,
    .strerror = lp_strerror,
    .error_to_json = lp_error_to_json,
    .stream_json = lp_op_stream_json,
    .accumulator_create = lp_acc_create,
    .accumulator_add = lp_acc_add,
    .accumulator_result = lp_acc_result,
    .accumulator_destroy = lp_acc_destroy,
};

static const mp_provider_v1 *const by_minor[] = {&descriptor_v10,
                                                 &descriptor_v11};

_Static_assert(sizeof by_minor / sizeof *by_minor == MP_ABI_MINOR + 1,
               "one descriptor per minor of the header");

__attribute__((visibility("default")))
int mp_provider_entry_v1(uint32_t *abi_minor_inout, const mp_provider_v1 **out)
{
    return lp_provider_entry(by_minor, MP_ABI_MINOR, abi_minor_inout, out);
}
