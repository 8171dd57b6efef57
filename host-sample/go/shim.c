/* shim.c - see shim.h. */
#include "shim.h"

#include <dlfcn.h>
#include <stdio.h>

#include "_cgo_export.h"

const mp_provider_v1 *shim_load(const char *path, uint32_t *minor,
                                char *why, size_t len)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL); /* MP_HOST_1 */
    if (!dl) {
        snprintf(why, len, "%s", dlerror());
        return NULL;
    }
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(dl, MP_ENTRY_SYMBOL_V1);
    const mp_provider_v1 *p = NULL;
    if (!entry) {
        snprintf(why, len, "%s: no %s: not a model-provider plugin", path,
                 MP_ENTRY_SYMBOL_V1);
    } else if (entry(minor, &p) != MP_OK) {
        snprintf(why, len, "%s needs ABI 1.%u", path, (unsigned)*minor);
        p = NULL;
    }
    /* The sample loads one plugin for the life of the process, so the
     * handle is never closed. */
    return p;
}

int shim_init(const mp_provider_v1 *p, void *err)
{
    return p->init(NULL, err); /* no log callback: warnings are dropped */
}

int shim_deinit(const mp_provider_v1 *p) { return p->deinit(); }

int shim_create(const mp_provider_v1 *p, const char *config,
                const char *client_args, mp_instance **out, void *err)
{
    return p->create(config, client_args, out, err);
}

void shim_destroy(const mp_provider_v1 *p, mp_instance *inst) { p->destroy(inst); }

int shim_cancel(const mp_provider_v1 *p, mp_instance *inst) { return p->cancel(inst); }

const char *shim_errname(const mp_provider_v1 *p, int code) { return p->errname(code); }

static int line_cb(void *ctx, const char *line, size_t len, uint32_t flags)
{
    return goLine((uintptr_t)ctx, (char *)line, len, flags);
}

static int text_cb(void *ctx, const char *data, size_t len)
{
    return goText((uintptr_t)ctx, (char *)data, len);
}

int shim_stream_json(const mp_provider_v1 *p, mp_instance *inst,
                     const char *req, size_t len, uintptr_t handle,
                     mp_accumulator *acc, void *err)
{
    return p->stream_json(inst, req, len, line_cb, (void *)handle, acc, err);
}

int shim_accumulator_create(const mp_provider_v1 *p, mp_accumulator **out)
{
    return p->accumulator_create(out);
}

void shim_accumulator_destroy(const mp_provider_v1 *p, mp_accumulator *acc)
{
    p->accumulator_destroy(acc);
}

int shim_accumulator_result(const mp_provider_v1 *p, mp_accumulator *acc,
                            uintptr_t handle)
{
    return p->accumulator_result(acc, text_cb, (void *)handle);
}

int shim_error_to_json(const mp_provider_v1 *p, const void *err,
                       uintptr_t handle)
{
    return p->error_to_json(err, text_cb, (void *)handle);
}
