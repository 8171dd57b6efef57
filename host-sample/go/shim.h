/*
 * shim.h - what cgo cannot do by itself: call the plugin's function
 * pointers, and hand the plugin C callbacks that forward to exported Go
 * functions.  One line each; everything else is Go (main.go).
 *
 * Callback contexts are cgo.Handle values (uintptr_t) carried through the
 * plugin's `void *ctx`, never Go pointers (the header's note on Go hosts).
 */
#ifndef MPHOST_SHIM_H
#define MPHOST_SHIM_H

#include <stdint.h>

#include "model_provider.h"

/* dlopen + dlsym + negotiation; NULL with the reason in `why`. */
const mp_provider_v1 *shim_load(const char *path, uint32_t *minor,
                                char *why, size_t len);

int shim_init(const mp_provider_v1 *p, void *err);
int shim_deinit(const mp_provider_v1 *p);
int shim_create(const mp_provider_v1 *p, const char *config,
                const char *client_args, mp_instance **out, void *err);
void shim_destroy(const mp_provider_v1 *p, mp_instance *inst);
int shim_cancel(const mp_provider_v1 *p, mp_instance *inst);
const char *shim_errname(const mp_provider_v1 *p, int code);

/* stream_json with the Go line callback (goLine) and ctx = `handle`. */
int shim_stream_json(const mp_provider_v1 *p, mp_instance *inst,
                     const char *req, size_t len, uintptr_t handle,
                     mp_accumulator *acc, void *err);

int shim_accumulator_create(const mp_provider_v1 *p, mp_accumulator **out);
void shim_accumulator_destroy(const mp_provider_v1 *p, mp_accumulator *acc);
/* accumulator_result / error_to_json with the Go text callback (goText). */
int shim_accumulator_result(const mp_provider_v1 *p, mp_accumulator *acc,
                            uintptr_t handle);
int shim_error_to_json(const mp_provider_v1 *p, const void *err,
                       uintptr_t handle);

#endif
