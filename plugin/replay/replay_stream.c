/*
 * replay_stream.c - stream(): check the request, then turn the next
 * recorded message's StreamEvent JSON back into typed events.
 *
 * The JSON of a text or reasoning contentBlockStart does not say which it
 * is ({"start":{}}), so the kind is taken from the block's first delta;
 * a delta with no block open (as some producers write) opens one.
 */
#include <string.h>
#include <time.h>

#include "../core/errors.h"
#include "../core/event_emit.h"
#include "../core/json_util.h"
#include "replay.h"

static const char *const block_keys[] = {
    "text", "image", "document", "video", "reasoningContent", "toolUse",
    "toolResult", "cachePoint", "guardContent", "citationsContent", NULL};

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static int check_message(json_object *msg, size_t i, mp_error *err)
{
    const char *role = json_object_get_string(get(msg, "role"));
    json_object *content = get(msg, "content");
    if (!json_object_is_type(msg, json_type_object))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "messages[%zu]: expected "
                       "object, got %s", i, lp_json_type_name(msg));
    if (!json_object_is_type(get(msg, "role"), json_type_string) ||
        (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "messages[%zu].role: "
                       "expected \"user\" or \"assistant\"", i);
    if (!json_object_is_type(content, json_type_array))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "messages[%zu].content: "
                       "expected array, got %s", i, lp_json_type_name(content));
    for (size_t j = 0; j < json_object_array_length(content); j++) {
        json_object *block = json_object_array_get_idx(content, j);
        if (!json_object_is_type(block, json_type_object) ||
            json_object_object_length(block) != 1)
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "messages[%zu]."
                           "content[%zu]: expected an object with one key",
                           i, j);
        json_object_object_foreach(block, key, val) {
            (void)val;
            int k = 0;
            while (block_keys[k] && strcmp(block_keys[k], key) != 0)
                k++;
            if (!block_keys[k])
                return lp_fail(err, MP_E_INVALID_ARGUMENT, "messages[%zu]."
                               "content[%zu]: unsupported block \"%s\"", i, j, key);
        }
    }
    return MP_OK;
}

/* The request is checked as any provider would (MP_PLUGIN_8), though a
 * replay does not depend on it. */
static int check_request(const char *req, size_t len, mp_error *err)
{
    json_object *root = NULL, *msgs;
    int rc = lp_json_parse(req, len, "request", &root, err);
    if (rc)
        return rc;
    msgs = get(root, "messages");
    if (!json_object_is_type(root, json_type_object))
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "request: expected object, "
                     "got %s", lp_json_type_name(root));
    else if (!json_object_is_type(msgs, json_type_array))
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "messages: expected array, "
                     "got %s", msgs ? lp_json_type_name(msgs) : "nothing");
    for (size_t i = 0; !rc && i < json_object_array_length(msgs); i++)
        rc = check_message(json_object_array_get_idx(msgs, i), i, err);
    json_object *specs = get(root, "tool_specs"), *sys = get(root, "system_prompt");
    if (!rc && specs && !json_object_is_type(specs, json_type_array))
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "tool_specs: expected array");
    if (!rc && sys && !json_object_is_type(sys, json_type_string))
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "system_prompt: expected string");
    json_object_put(root);
    return rc;
}

/* A string value as pointer + length (NULL when absent or not a string). */
static const char *str(json_object *v, size_t *len)
{
    *len = 0;
    if (!json_object_is_type(v, json_type_string))
        return NULL;
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* The delta kind of a {"contentBlockDelta":{"delta":{...}}} and its text. */
static int delta_kind(json_object *delta, json_object **text)
{
    json_object *rc = get(delta, "reasoningContent");
    if ((*text = get(delta, "text")))
        return MP_DELTA_TEXT;
    if ((*text = get(get(delta, "toolUse"), "input")))
        return MP_DELTA_TOOL_INPUT;
    if ((*text = get(rc, "text")))
        return MP_DELTA_REASONING_TEXT;
    if ((*text = get(rc, "signature")))
        return MP_DELTA_REASONING_SIGNATURE;
    /* Recorded from a 1.1 provider.  This provider speaks 1.0, so the
     * emitter leaves both out (MP_PLUGIN_14): a redacted block whole, a
     * citation alone.  Their text is never delivered (the redacted one
     * would need decoding from base64, the citation is not a string). */
    if ((*text = get(rc, "redactedContent")))
        return MP_DELTA_REDACTED_REASONING;
    if ((*text = get(delta, "citation")))
        return MP_DELTA_CITATION;
    return 0;
}

static int block_kind_of(int delta)
{
    return delta == MP_DELTA_TOOL_INPUT ? MP_BLOCK_TOOL_USE
         : delta == MP_DELTA_REASONING_TEXT || delta == MP_DELTA_REASONING_SIGNATURE ||
           delta == MP_DELTA_REDACTED_REASONING
               ? MP_BLOCK_REASONING : MP_BLOCK_TEXT;
}

static int stop_reason(const char *s)
{
    static const struct { const char *name; int reason; } map[] = {
        {"end_turn", MP_STOP_END_TURN}, {"tool_use", MP_STOP_TOOL_USE},
        {"max_tokens", MP_STOP_MAX_TOKENS},
        {"content_filtered", MP_STOP_CONTENT_FILTERED},
        {"stop_sequence", MP_STOP_STOP_SEQUENCE}, {"cancelled", MP_STOP_CANCELLED}};
    for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i].name) == 0)
            return map[i].reason;
    return MP_STOP_END_TURN;
}

static int64_t count(json_object *o, const char *key)
{
    json_object *v = get(o, key);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

static int emit_metadata(ev_emitter *em, json_object *md)
{
    json_object *u = get(md, "usage"), *m = get(md, "metrics");
    mp_event_metadata ev;
    memset(&ev, 0, sizeof ev);
    ev.input_tokens = count(u, "inputTokens");
    ev.output_tokens = count(u, "outputTokens");
    ev.total_tokens = count(u, "totalTokens");
    ev.cache_read_input_tokens = count(u, "cacheReadInputTokens");
    ev.cache_write_input_tokens = count(u, "cacheWriteInputTokens");
    ev.latency_ms = count(m, "latencyMs");
    ev.time_to_first_byte_ms = count(m, "timeToFirstByteMs");
    ev.cost_usd = -1; /* not a 1.0 field: never sent */
    ev.reasoning_output_tokens = -1;
    return ev_metadata(em, &ev);
}

/* Deliver event `i` of the recorded message `events`. */
static int emit(ev_emitter *em, json_object *events, size_t i, int *stopped)
{
    json_object *ev = json_object_array_get_idx(events, i), *text;
    size_t n1, n2, n3;
    json_object *v;
    if ((v = get(ev, "messageStart")))
        return ev_message_start(em);
    if ((v = get(ev, "contentBlockStart"))) {
        json_object *tu = get(get(v, "start"), "toolUse");
        int rc = ev_block_stop(em); /* one block open at a time */
        if (rc)
            return rc;
        if (tu) {
            const char *name = str(get(tu, "name"), &n1);
            const char *id = str(get(tu, "toolUseId"), &n2);
            const char *sig = str(get(tu, "reasoningSignature"), &n3);
            return ev_block_start(em, MP_BLOCK_TOOL_USE, name, n1, id, n2, sig, n3);
        }
        json_object *next = get(json_object_array_get_idx(events, i + 1),
                                "contentBlockDelta");
        int kind = block_kind_of(delta_kind(get(next, "delta"), &text));
        return ev_block_start(em, kind == MP_BLOCK_TOOL_USE ? MP_BLOCK_TEXT : kind,
                              NULL, 0, NULL, 0, NULL, 0);
    }
    if ((v = get(ev, "contentBlockDelta"))) {
        int kind = delta_kind(get(v, "delta"), &text);
        if (!kind)
            return MP_OK; /* a delta no ABI minor has an event for */
        int rc = em->open_kind ? MP_OK
                 : ev_block_start(em, block_kind_of(kind), NULL, 0, NULL, 0, NULL, 0);
        const char *s = str(text, &n1);
        return rc ? rc : ev_block_delta(em, kind, s ? s : "", n1);
    }
    if ((v = get(ev, "contentBlockStop")))
        return ev_block_stop(em);
    if ((v = get(ev, "messageStop"))) {
        *stopped = 1;
        int rc = ev_block_stop(em); /* never leave a block open */
        return rc ? rc : ev_message_stop(em, stop_reason(json_object_get_string(
                                                 get(v, "stopReason"))), NULL, 0);
    }
    return emit_metadata(em, get(ev, "metadata"));
}

/* Sleep `ms` in short slices, watching for cancel(). */
static int pause_or_cancel(mp_instance *inst, int64_t ms)
{
    struct timespec slice = {0, 2 * 1000 * 1000};
    for (int64_t t = 0; t < ms && !atomic_load(&inst->cancel); t += 2)
        nanosleep(&slice, NULL);
    return atomic_load(&inst->cancel) ? MP_E_CANCELLED : MP_OK;
}

int rp_stream(mp_instance *inst, const char *request_json, size_t len,
              const mp_event_sink *sink, mp_error *err)
{
    lp_error_clear(err);
    if (!inst || !request_json || !LP_EVENT_SINK_OK(sink))
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "stream: an instance, a "
                       "request and a sink (struct_size at least mp_event_sink "
                       "of ABI 1.0, with on_event) are required");
    atomic_store(&inst->cancel, 0);
    int rc = check_request(request_json, len, err);
    if (rc)
        return rc;

    /* The snapshot this call runs on (MP_PLUGIN_12). */
    pthread_mutex_lock(&inst->lock);
    json_object *recording = json_object_get(inst->messages);
    int64_t delay_ms = inst->delay_ms;
    size_t total = json_object_array_length(recording);
    if (inst->next >= total && inst->loop)
        inst->next = 0;
    size_t index = inst->next < total ? inst->next++ : total;
    pthread_mutex_unlock(&inst->lock);

    if (index == total)
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: the "
                     "recording holds %zu message(s) and all were replayed "
                     "(set \"loop\":true to start over)", total);
    json_object *events = rc ? NULL : json_object_array_get_idx(recording, index);
    ev_emitter em;
    ev_init(&em, sink);
    ev_set_host_minor(&em, 0, rp_logger()); /* a 1.0 plugin */
    int stopped = 0;
    for (size_t i = 0; !rc && i < json_object_array_length(events); i++) {
        rc = pause_or_cancel(inst, delay_ms);
        if (!rc)
            rc = emit(&em, events, i, &stopped);
    }
    pthread_mutex_lock(&inst->lock); /* json-c's count is not atomic */
    json_object_put(recording);
    pthread_mutex_unlock(&inst->lock);
    if (index == total)
        return rc;
    if (rc == MP_E_CANCELLED)
        return lp_fail(err, rc, "cancelled");
    if (!rc && !stopped)
        rc = lp_fail(err, MP_E_PROTOCOL, "recorded message %zu ends without "
                     "messageStop (the recorded call failed mid-stream)", index + 1);
    return rc;
}
