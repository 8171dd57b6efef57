/* replay_instance.c - replay instances and their config; see replay.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/json_writer.h"
#include "../core/strbuf.h"
#include "replay.h"

/* A checked config: what an instance runs with. */
typedef struct rp_settings {
    const char *events_file; /* borrowed from the config document */
    int loop;
    int64_t delay_ms;
} rp_settings;

static int check_config(json_object *cfg, rp_settings *s, mp_error *err)
{
    json_object *v = NULL;
    memset(s, 0, sizeof *s);
    if (!json_object_object_get_ex(cfg, "events_file", &v) ||
        !json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: "
                       "required: the path of a recording made with "
                       "agent-host --events (got %s)",
                       v ? lp_json_type_name(v) : "nothing");
    s->events_file = json_object_get_string(v);
    if (json_object_object_get_ex(cfg, "loop", &v)) {
        if (!json_object_is_type(v, json_type_boolean))
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.loop: expected "
                           "boolean, got %s", lp_json_type_name(v));
        s->loop = json_object_get_boolean(v);
    }
    if (json_object_object_get_ex(cfg, "delay_ms", &v)) {
        int64_t ms = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || ms < 0 || ms > 60000)
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.delay_ms: "
                           "expected an integer from 0 to 60000");
        s->delay_ms = ms;
    }
    return MP_OK;
}

/* One warning naming the keys this provider does not know (kept). */
static void warn_unknown(json_object *given)
{
    char names[512] = "";
    size_t n = 0;
    json_object_object_foreach(given, key, val) {
        (void)val;
        if (strcmp(key, "events_file") && strcmp(key, "loop") &&
            strcmp(key, "delay_ms") && n < sizeof names)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
                                  n ? ", " : "", key);
    }
    if (n)
        lp_log(rp_logger(), MP_LOG_WARN, "replay: invalid configuration "
               "parameters: %s (kept, not used)", names);
}

/* Parse a JSON object argument ("config" or "client_args"). */
static int parse_object(const char *json, size_t len, const char *what,
                        json_object **out, mp_error *err)
{
    if (!json) {
        *out = json_object_new_object();
        return *out ? MP_OK : lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    }
    int rc = lp_json_parse(json, len, what, out, err);
    if (!rc && !json_object_is_type(*out, json_type_object)) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: expected object, got %s",
                     what, lp_json_type_name(*out));
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

int rp_create(const char *config_json, const char *client_args_json,
              mp_instance **out, mp_error *err)
{
    lp_error_clear(err);
    if (!out)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "create: out is NULL");
    *out = NULL;
    if (!rp_module_initialized())
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "create: call init first");
    json_object *cfg = NULL, *client = NULL, *messages = NULL;
    rp_settings s;
    int rc = parse_object(config_json, (size_t)-1, "config", &cfg, err);
    if (!rc)
        rc = parse_object(client_args_json, (size_t)-1, "client_args", &client, err);
    json_object_put(client); /* accepted, not used */
    if (!rc)
        rc = check_config(cfg, &s, err);
    if (!rc)
        rc = rp_file_load(s.events_file, &messages, err);
    mp_instance *inst = rc ? NULL : calloc(1, sizeof *inst);
    if (!rc && !inst)
        rc = lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    if (rc) {
        json_object_put(cfg);
        json_object_put(messages);
        return rc;
    }
    warn_unknown(cfg);
    pthread_mutex_init(&inst->lock, NULL);
    pthread_mutex_init(&inst->update_lock, NULL);
    inst->config = cfg;
    inst->messages = messages;
    inst->loop = s.loop;
    inst->delay_ms = s.delay_ms;
    atomic_init(&inst->cancel, 0);
    rp_instances_add(1);
    *out = inst;
    return MP_OK;
}

void rp_destroy(mp_instance *inst)
{
    if (!inst)
        return;
    json_object_put(inst->config);
    json_object_put(inst->messages);
    pthread_mutex_destroy(&inst->lock);
    pthread_mutex_destroy(&inst->update_lock);
    free(inst);
    rp_instances_add(-1);
}

/* The update is prepared without `lock` (the recording is read from disk
 * and warnings go to the host's log meanwhile), with `update_lock` held so
 * that no other update replaces the config it starts from, and only the
 * swap takes `lock`. */
int rp_update_config(mp_instance *inst, const char *json, size_t len,
                     mp_error *err)
{
    lp_error_clear(err);
    if (!inst || !json)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "update_config: instance and JSON are required");
    pthread_mutex_lock(&inst->update_lock);
    /* inst->config is replaced only under update_lock, which is ours: it
     * can be read here without `lock`. */
    json_object *update = NULL, *merged = NULL, *messages = NULL;
    rp_settings s;
    int rc = parse_object(json, len, "config", &update, err);
    if (!rc && json_object_deep_copy(inst->config, &merged, NULL) != 0)
        rc = lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    if (!rc) {
        json_object_object_foreach(update, key, val)
            json_object_object_add(merged, key, json_object_get(val));
        rc = check_config(merged, &s, err);
    }
    /* A new recording starts from its first message; the same one goes on. */
    const char *old_file = json_object_get_string(
        json_object_object_get(inst->config, "events_file"));
    int same_file = !rc && strcmp(old_file, s.events_file) == 0;
    if (!rc && !same_file)
        rc = rp_file_load(s.events_file, &messages, err);
    if (rc) {
        json_object_put(update);
        json_object_put(merged);
        pthread_mutex_unlock(&inst->update_lock);
        return rc; /* nothing changed: updates are atomic */
    }
    warn_unknown(update);
    json_object_put(update);

    pthread_mutex_lock(&inst->lock);
    json_object *old_config = inst->config;
    inst->config = merged;
    inst->loop = s.loop;
    inst->delay_ms = s.delay_ms;
    if (!same_file) {
        /* A stream still replaying the old recording holds its own
         * reference to it; references change only under `lock` (json-c's
         * count is not atomic). */
        json_object_put(inst->messages);
        inst->messages = messages;
        inst->next = 0;
    }
    pthread_mutex_unlock(&inst->lock);
    /* Nobody else holds the old config: get_config reads inst->config
     * under `lock` and took no reference. */
    json_object_put(old_config);
    pthread_mutex_unlock(&inst->update_lock);
    return MP_OK;
}

int rp_get_config(mp_instance *inst, const mp_text_sink *out, mp_error *err)
{
    lp_error_clear(err);
    if (!inst || !LP_TEXT_SINK_OK(out))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "get_config: an instance "
                       "and a sink (struct_size at least mp_text_sink of ABI "
                       "1.0) are required");
    strbuf sb;
    sb_init(&sb, (size_t)1 << 30);
    jw w;
    jw_init(&w, &sb);
    jw_object_open(&w);
    jw_key(&w, "config");
    pthread_mutex_lock(&inst->lock);
    jw_json(&w, inst->config); /* nothing secret in a replay config */
    pthread_mutex_unlock(&inst->lock);
    jw_key(&w, "client_args");
    jw_object_open(&w);
    jw_object_close(&w);
    jw_object_close(&w);
    int rc = jw_status(&w);
    if (rc)
        rc = lp_fail(err, rc, "get_config: out of memory");
    else if (out->write(out->ctx, sb.data, sb.len))
        rc = lp_fail(err, MP_E_CANCELLED, "get_config: the sink stopped");
    sb_free(&sb);
    return rc;
}

int rp_cancel(mp_instance *inst)
{
    if (inst)
        atomic_store(&inst->cancel, 1);
    return MP_OK;
}
