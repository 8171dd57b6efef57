/*
 * replay.h - the replay provider: a second plugin behind the same ABI,
 * which replays an events file recorded by `agent-host --events FILE`
 * (Strands StreamEvent JSON, one event per line) instead of calling a
 * model.  An agent recorded once against a real model can so be run again
 * offline and deterministically, in tests or demos.
 *
 * Config (JSON object):
 *   "events_file"  string, required: the recording
 *   "loop"         boolean, default false: start over after the last
 *                  message instead of failing
 *   "delay_ms"     integer 0..60000, default 0: a pause before each event
 *                  (for demos, and for cancellation and reload tests)
 * Unknown keys are kept and reported as a warning.  Client args are
 * accepted (any JSON object) and ignored.
 *
 * Each stream() call replays the next recorded message, messageStart up to
 * the next messageStart, whatever the request asks (the request is still
 * checked for shape, as any provider would).
 */
#ifndef RP_REPLAY_H
#define RP_REPLAY_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "../core/log.h"

/* ---- module (replay_entry.c) ------------------------------------------ */
int rp_module_initialized(void);
const lp_logger *rp_logger(void);
void rp_instances_add(int delta);

/* ---- the events file (replay_file.c) ---------------------------------- */

/* Read and check a recording: *messages becomes an array with one array
 * of event objects per recorded message.  Errors are
 * MP_E_INVALID_ARGUMENT naming "config.events_file" and FILE:LINE. */
int rp_file_load(const char *path, json_object **messages, mp_error *err);

/* ---- instances (replay_instance.c) ------------------------------------ */
/* update_config and get_config may run on any thread, also while a
 * stream() runs (MP_HOST_4), so everything but `cancel` is guarded by
 * `lock`, which is held only to read or swap these fields (never across
 * file I/O or a host callback); a stream takes a snapshot (its own
 * reference to the recording, the settings, its message index) at its
 * start and keeps it to its end (MP_PLUGIN_12).  The recording itself is
 * never modified once loaded. */
struct mp_instance {
    pthread_mutex_t lock;
    pthread_mutex_t update_lock; /* serializes update_config: each builds
                               on the config the previous one left      */
    json_object *config;   /* the config document, unknown keys included */
    json_object *messages; /* from rp_file_load                          */
    int loop;
    int64_t delay_ms;
    size_t next;           /* the message the next stream() replays      */
    atomic_int cancel;     /* set by cancel(), cleared when a call starts */
};

int rp_create(const char *config_json, const char *client_args_json,
              mp_instance **out, mp_error *err);
void rp_destroy(mp_instance *inst);
int rp_update_config(mp_instance *inst, const char *json, size_t len,
                     mp_error *err);
int rp_get_config(mp_instance *inst, const mp_text_sink *out, mp_error *err);
int rp_cancel(mp_instance *inst);

/* ---- stream (replay_stream.c) ----------------------------------------- */
int rp_stream(mp_instance *inst, const char *request_json, size_t len,
              const mp_event_sink *sink, mp_error *err);

#endif
