/*
 * replay_entry.c - the replay provider's one exported symbol, its
 * descriptor and module lifecycle (see replay.h).
 *
 * Module state is a reference count, the host's logger and the number of
 * live instances; like the LiteLLM plugin it owns no threads and leaves
 * nothing behind after the last deinit (MP_PLUGIN_6).
 */
#include <stdatomic.h>

#include "../core/errors.h"
#include "../core/event_json.h"
#include "../core/provider_entry.h"
#include "replay.h"

#define RP_VERSION "0.1.0"

static lp_module_state state;

int rp_module_initialized(void)
{
    return state.init_count > 0;
}

const lp_logger *rp_logger(void)
{
    return &state.logger;
}

void rp_instances_add(int delta)
{
    atomic_fetch_add(&state.live_instances, delta);
}

static int op_init(const mp_host_v1 *host, mp_error *err)
{
    return lp_module_state_init(&state, host, NULL, err);
}

static int op_deinit(void)
{
    return lp_module_state_deinit(&state, "replay: ", NULL);
}

static int op_structured_output(mp_instance *inst, const char *request_json,
                                size_t len, const char *schema_json,
                                size_t schema_len, const char *name,
                                const char *description,
                                const mp_text_sink *out, mp_error *err)
{
    (void)inst; (void)request_json; (void)len; (void)schema_json;
    (void)schema_len; (void)name; (void)description; (void)out;
    lp_error_clear(err);
    return lp_fail(err, MP_E_UNSUPPORTED, "structured_output: the replay "
                   "provider only replays recorded streams");
}

static const char *const capabilities[] = {
    "stream", "cancel", "tool_use", "reasoning", "thought_signatures",
    "usage", "replay", NULL};

/* The replay provider speaks ABI 1.0 only, on purpose: it is the tree's
 * plugin that answers minor 0 to every host, so a 1.1 host is tested
 * against a plugin of the older minor (MP_HOST_11).  Its descriptor is
 * exactly a 1.0 one and its events are 1.0 events. */
static const mp_provider_v1 descriptor = {
    .struct_size = LP_PROVIDER_V10_SIZE,
    .abi_major = MP_ABI_MAJOR,
    .abi_minor = 0,
    .id = "org.strands.replay",
    .name = "Replay of recorded stream events",
    .version = RP_VERSION,
    .capabilities = capabilities,
    .init = op_init,
    .deinit = op_deinit,
    .create = rp_create,
    .destroy = rp_destroy,
    .update_config = rp_update_config,
    .get_config = rp_get_config,
    .stream = rp_stream,
    .structured_output = op_structured_output,
    .cancel = rp_cancel,
    .get_extension = lp_no_extension,
    .event_to_json = lp_event_to_json_sink,
};

__attribute__((visibility("default")))
int mp_provider_entry_v1(uint32_t *abi_minor_inout, const mp_provider_v1 **out)
{
    static const mp_provider_v1 *const by_minor[] = {&descriptor};
    return lp_provider_entry(by_minor, 0, abi_minor_inout, out);
}
