/*
 * instance.h - what an mp_instance is inside the plugin.
 */
#ifndef LP_INSTANCE_H
#define LP_INSTANCE_H

#include <pthread.h>

#include "../../abi/model_provider.h"
#include "config.h"
#include "../transport/http_transport.h"
#include "../route/model_memo.h"

struct mp_instance {
    pthread_mutex_t lock;   /* guards `cfg` (swapped by update_config);
                               held only for a pointer swap or ref      */
    pthread_mutex_t update_lock; /* serializes update_config calls, so two
                               racing updates both apply (none is lost) */
    lp_config *cfg;
    lp_transport transport;
    /* Structured output `auto`: what each model answered (decision 19). */
    lp_model_memo model_memo;
};

/* The config a call should use: a new reference (unref when done). */
lp_config *lp_instance_config(mp_instance *inst);

/* Begin an operation: clear a stale cancel request (the operation clears
 * the host's mp_error itself, once, on entry). */
void lp_instance_begin_call(mp_instance *inst);

int lp_instance_create(const char *config_json, const char *client_args_json,
                       mp_instance **out, mp_error *err);
void lp_instance_destroy(mp_instance *inst);
int lp_instance_update_config(mp_instance *inst, const char *json, size_t len,
                              mp_error *err);
int lp_instance_get_config(mp_instance *inst, const mp_text_sink *out,
                           mp_error *err);
int lp_instance_cancel(mp_instance *inst);

/* The operations, in their own files.  lp_op_stream serves hosts of this
 * header's minor, lp_op_stream_v10 those of minor 0 (op_stream.c). */
int lp_op_stream(mp_instance *inst, const char *request_json, size_t len,
                 const mp_event_sink *sink, mp_error *err);
int lp_op_stream_v10(mp_instance *inst, const char *request_json, size_t len,
                     const mp_event_sink *sink, mp_error *err);
int lp_op_stream_json(mp_instance *inst, const char *request_json, size_t len,
                      mp_line_fn on_line, void *ctx, mp_accumulator *acc,
                      mp_error *err);
int lp_op_structured_output(mp_instance *inst, const char *request_json,
                            size_t len, const char *schema_json,
                            size_t schema_len, const char *name,
                            const char *description, const mp_text_sink *out,
                            mp_error *err);

#endif
