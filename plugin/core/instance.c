/*
 * instance.c - instance lifecycle and configuration.
 *
 * The config pointer is swapped under a mutex and every call takes its own
 * reference, so update_config, which the ABI allows from any thread while a
 * stream runs (MP_HOST_4), never disturbs a call already running (decision
 * 23, MP_PLUGIN_12).
 */
#include "instance.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "module.h"
#include "strbuf.h"
#include "../route/route.h"

int lp_instance_create(const char *config_json, const char *client_args_json,
                       mp_instance **out, mp_error *err)
{
    lp_error_clear(err);
    if (!out)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "create: out is NULL");
    *out = NULL;
    if (!lp_module_initialized())
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "create: the module is not initialised (call init first)");
    lp_config *cfg;
    int rc = lp_config_new(config_json, (size_t)-1, client_args_json,
                           (size_t)-1, lp_module_logger(), &cfg, err);
    if (rc)
        return rc;
    mp_instance *inst = calloc(1, sizeof *inst);
    /* An instance holds no descriptor (a call takes its handles), so
     * only memory can fail here. */
    if (!inst || lp_transport_init(&inst->transport)) {
        free(inst);
        lp_config_unref(cfg);
        return lp_fail(err, MP_E_NO_MEMORY, "create: out of memory");
    }
    pthread_mutex_init(&inst->lock, NULL);
    pthread_mutex_init(&inst->update_lock, NULL);
    inst->cfg = cfg;
    lp_module_instance_added();
    *out = inst;
    return MP_OK;
}

void lp_instance_destroy(mp_instance *inst)
{
    if (!inst)
        return;
    lp_transport_free(&inst->transport);
    lp_config_unref(inst->cfg);
    lp_model_memo_free(&inst->model_memo);
    pthread_mutex_destroy(&inst->lock);
    pthread_mutex_destroy(&inst->update_lock);
    free(inst);
    lp_module_instance_removed();
}

lp_config *lp_instance_config(mp_instance *inst)
{
    pthread_mutex_lock(&inst->lock);
    lp_config *cfg = lp_config_ref(inst->cfg);
    pthread_mutex_unlock(&inst->lock);
    return cfg;
}

void lp_instance_begin_call(mp_instance *inst)
{
    atomic_store(&inst->transport.cancel, 0);
}

int lp_instance_update_config(mp_instance *inst, const char *json, size_t len,
                              mp_error *err)
{
    lp_error_clear(err);
    if (!inst || !json)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "update_config: instance and JSON are required");
    /* Read, build and swap under update_lock: otherwise two updates racing
     * from different threads would both start from the same base and the
     * second swap would drop the first one's keys.  `lock` itself is held
     * only for the swap, so streams starting meanwhile never wait for the
     * JSON work (or for the host's log callback, which may run inside). */
    pthread_mutex_lock(&inst->update_lock);
    lp_config *base = lp_instance_config(inst), *next;
    int rc = lp_config_update(base, json, len, lp_module_logger(), &next, err);
    lp_config_unref(base);
    if (!rc) {
        pthread_mutex_lock(&inst->lock);
        lp_config *old = inst->cfg;
        inst->cfg = next;
        pthread_mutex_unlock(&inst->lock);
        lp_config_unref(old);
    }
    pthread_mutex_unlock(&inst->update_lock);
    return rc;
}

int lp_instance_get_config(mp_instance *inst, const mp_text_sink *out,
                           mp_error *err)
{
    lp_error_clear(err);
    if (!inst || !LP_TEXT_SINK_OK(out))
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "get_config: an instance and a sink (with write, and "
                       "struct_size at least mp_text_sink of ABI 1.0) are "
                       "required");
    lp_config *cfg = lp_instance_config(inst);
    /* The context window a proxy reported for the configured model, when
     * a call has asked it (get_config itself never goes to the network). */
    int64_t window = -1;
    lp_route route;
    lp_model_facts facts;
    if (!lp_route_resolve(cfg, &route, NULL)) {
        pthread_mutex_lock(&inst->lock);
        if (lp_model_memo_get_facts(&inst->model_memo, route.model, &facts))
            window = facts.max_input_tokens;
        pthread_mutex_unlock(&inst->lock);
    }
    strbuf sb;
    sb_init(&sb, (size_t)1 << 30);
    int rc = lp_config_to_redacted_json(cfg, window, &sb);
    lp_config_unref(cfg);
    if (rc) {
        sb_free(&sb);
        return lp_fail(err, rc, "get_config: out of memory");
    }
    if (out->write(out->ctx, sb.data, sb.len))
        rc = lp_fail(err, MP_E_CANCELLED, "get_config: the sink stopped");
    sb_free(&sb);
    return rc;
}

int lp_instance_cancel(mp_instance *inst)
{
    if (inst)
        lp_transport_cancel(&inst->transport);
    return MP_OK;
}

