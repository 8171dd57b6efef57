/*
 * validate_minor.c - the conformance checks of ABI 1.1's additions, in
 * both directions of the minor negotiation:
 *
 *   minor0.*  the plugin as a host compiled against 1.0 sees it (offering
 *             minor 0): a 1.0 descriptor, and a stream of nothing but 1.0
 *             events, v1.0 sized, no flag (MP_PLUGIN_14), even though the
 *             built-in loopback server sends the headers and usage that
 *             make a 1.1 host get RESPONSE_INFO and a cost;
 *   minor1.*  the plugin as a 1.1 host sees it: the new events well formed
 *             (validate_streams.c checks each one), the batch flag on the
 *             last event, and the JSON conveniences (errname, strerror,
 *             error_to_json, stream_json, the accumulator) agreeing with
 *             the struct API.
 *
 * A plugin that speaks only 1.0 gets SKIP lines for the minor1 checks: a
 * 1.1 host uses none of the 1.1 additions with it (MP_HOST_11).
 */
#include <dlfcn.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider_loader.h"
#include "request_log.h"
#include "validate_internal.h"

/* What the built-in loopback server sends (loopback_server.c). */
#define LOOPBACK_CALL_ID "validate-call-1"
#define LOOPBACK_COST 0.00042
#define LOOPBACK_TEXT "Hello from validate"

static const mp_provider_v1 *descriptor_for(hp_module *m, uint32_t offer,
                                            uint32_t *minor)
{
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(m->dl, MP_ENTRY_SYMBOL_V1);
    const mp_provider_v1 *d = NULL;
    *minor = offer;
    return entry && entry(minor, &d) == MP_OK ? d : NULL;
}

/* The words of minor checks skipped because the profile has no instance. */
#define NO_INSTANCE "the provider refused the config (see profile.create)"

/* A stream of the hello request through descriptor d (its own instance).
 * *created says whether the instance could be made: when the provider
 * refuses the profile's config, profile.create has already failed and
 * said that the checks needing an instance are skipped. */
static int counted_stream(const mp_provider_v1 *d, const vctx *v, vd_counter *c,
                          mp_error *err, int *created)
{
    mp_instance *inst = NULL;
    memset(c, 0, sizeof *c);
    int rc = d->create(v->cfg, v->client, &inst, err);
    *created = rc == MP_OK;
    if (rc)
        return rc;
    *c = vd_new_counter(d, inst);
    rc = vd_stream_hello(d, inst, c, err);
    d->destroy(inst);
    return rc;
}

static void check_minor0(hp_module *m, const vctx *v)
{
    uint32_t minor;
    const mp_provider_v1 *d = descriptor_for(m, 0, &minor);
    if (!d || minor != 0) {
        vd_report(0, "minor0.events", "offering minor 0 gave no minor-0 "
                  "descriptor");
        return;
    }
    mp_error err = MP_ERROR_INIT;
    vd_counter c;
    int created, rc = counted_stream(d, v, &c, &err, &created);
    if (!created) {
        vd_skip("minor0.events", NO_INSTANCE);
        return;
    }
    char problem[256];
    vd_problem(&c, problem, sizeof problem);
    vd_report(rc == MP_OK && c.stops == 1 && !c.bad_shape && c.batch_ends == 0,
              "minor0.events", "a host of ABI 1.0 gets %d events, all of 1.0's "
              "types and kinds, exactly v1.0 sized, no flag%s%s%s", c.events,
              problem, rc ? ": " : "", rc ? err.message : "");
}

/* The first event's JSON of a stream_json call, and how many came. */
typedef struct lines {
    int count, bad, flagged_last;
    unsigned last_flags;
    char first[256];
} lines;

static int on_line(void *ctx, const char *line, size_t len, uint32_t flags)
{
    lines *l = ctx;
    l->count++;
    l->last_flags = flags;
    json_object *o = len && line[len - 1] == '\n' && line[len] == '\0'
                         ? json_tokener_parse(line) : NULL;
    if (!json_object_is_type(o, json_type_object) ||
        json_object_object_length(o) != 1 || memchr(line, '\n', len - 1))
        l->bad++;
    json_object_put(o);
    if (l->count == 1)
        snprintf(l->first, sizeof l->first, "%.*s", (int)len - 1, line);
    return 0;
}

static json_object *get_path(json_object *o, const char *a, const char *b)
{
    json_object *v = NULL, *w = NULL;
    if (!json_object_object_get_ex(o, a, &v))
        return NULL;
    if (!b)
        return v;
    return json_object_object_get_ex(v, b, &w) ? w : NULL;
}

static void check_errnames(const mp_provider_v1 *d)
{
    int same = 1, code = -20;
    for (; code <= 1 && same; code++)
        same = strcmp(d->errname(code), mp_errname(code)) == 0 &&
               strcmp(d->strerror(code), mp_strerror(code)) == 0;
    vd_report(same, "minor1.errname", "errname and strerror agree with the "
              "header's for every code from -20 to 1%s",
              same ? "" : " (they differ at the last one tried)");
}

static void check_conveniences(const mp_provider_v1 *d, const vctx *v,
                               const vd_counter *structs)
{
    check_errnames(d);

    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    if (d->create(v->cfg, v->client, &inst, &err)) {
        vd_report(0, "minor1.stream_json", "create: %s", err.message);
        return;
    }
    mp_accumulator *acc = NULL;
    int rc = d->accumulator_create(&acc);
    lines l = {0};
    if (!rc) {
        rc = d->stream_json(inst, VD_USER_HELLO, strlen(VD_USER_HELLO), on_line,
                            &l, acc, &err);
        request_log(VD_USER_HELLO, (size_t)-1, rc);
    }
    vd_report(rc == MP_OK && l.count == structs->events && !l.bad &&
              (l.last_flags & MP_EVENT_FLAG_BATCH_END) &&
              strcmp(l.first, "{\"messageStart\":{\"role\":\"assistant\"}}") == 0,
              "minor1.stream_json", "%s: %d lines (stream() gave %d events), "
              "each one JSON object and a newline, the last flagged batch "
              "end, the first %s", mp_errname(rc), l.count, structs->events,
              l.first);
    vd_text t = {.len = 0};
    int rrc = rc ? rc : d->accumulator_result(acc, vd_text_write, &t);
    json_object *res = rrc ? NULL : json_tokener_parse(t.buf);
    json_object *content = get_path(get_path(res, "message", NULL), "content", NULL);
    json_object *stop = get_path(res, "stopReason", NULL);
    int ok = json_object_is_type(content, json_type_array) &&
             json_object_is_type(stop, json_type_string) &&
             json_object_is_type(get_path(res, "usage", "inputTokens"), json_type_int);
    if (ok && v->builtin) {
        json_object *text = get_path(json_object_array_get_idx(content, 0), "text", NULL);
        json_object *cost = get_path(res, "usage", "totalCostUsd");
        json_object *call = get_path(res, "responseInfo", "callId");
        ok = text && strcmp(json_object_get_string(text), LOOPBACK_TEXT) == 0 &&
             cost && json_object_get_double(cost) == LOOPBACK_COST && call &&
             strcmp(json_object_get_string(call), LOOPBACK_CALL_ID) == 0;
    }
    vd_report(ok, "minor1.accumulator", "%s: the result is the assembled "
              "message with stopReason and usage%s: %.200s", mp_errname(rrc),
              v->builtin ? " (and the loopback's text, cost and call id)" : "",
              t.buf);
    json_object_put(res);
    d->accumulator_destroy(acc);

    /* A failed call, read back without mirroring mp_error. */
    unsigned char raw[4096] = {0};
    uint32_t size = sizeof raw;
    memcpy(raw, &size, sizeof size);
    rc = d->stream_json(inst, "{\"messages\":5}", 14, on_line, &l, NULL,
                        (mp_error *)raw);
    request_log("{\"messages\":5}", 14, rc);
    t = (vd_text){.len = 0};
    int jrc = d->error_to_json((const mp_error *)raw, vd_text_write, &t);
    json_object *e = jrc ? NULL : json_tokener_parse(t.buf);
    json_object *name = get_path(e, "name", NULL), *ecode = get_path(e, "code", NULL);
    json_object *msg = get_path(e, "message", NULL);
    vd_report(rc == MP_E_INVALID_ARGUMENT && name && ecode && msg &&
              json_object_get_int(ecode) == rc &&
              strcmp(json_object_get_string(name), mp_errname(rc)) == 0 &&
              json_object_get_string_len(msg) > 0, "minor1.error_to_json",
              "a bad request through a plain 4096-byte buffer as mp_error: %s; "
              "error_to_json %s: %.200s", mp_errname(rc), mp_errname(jrc), t.buf);
    json_object_put(e);
    d->destroy(inst);
}

static void check_minor1(hp_module *m, const vctx *v)
{
    uint32_t minor;
    const mp_provider_v1 *d = descriptor_for(m, 1, &minor);
    static const char *const names[] = {"minor1.events", "minor1.errname",
        "minor1.stream_json", "minor1.accumulator", "minor1.error_to_json", NULL};
    if (d && minor == 0) {
        for (int i = 0; names[i]; i++)
            vd_skip(names[i], "the plugin speaks ABI 1.0 only; a 1.1 host uses "
                    "none of 1.1's additions with it");
        return;
    }
    if (!d || minor != 1 || d->struct_size < hp_descriptor_size(1)) {
        vd_report(0, "minor1.events", "offering minor 1 gave no minor-1 "
                  "descriptor");
        return;
    }
    mp_error err = MP_ERROR_INIT;
    vd_counter c;
    int created, rc = counted_stream(d, v, &c, &err, &created);
    if (!created) {
        for (int i = 0; names[i]; i++)
            if (i != 1) /* minor1.errname needs no instance */
                vd_skip(names[i], NO_INSTANCE);
        check_errnames(d);
        return;
    }
    char problem[256];
    vd_problem(&c, problem, sizeof problem);
    int ok = rc == MP_OK && c.stops == 1 && !c.bad_shape &&
             (c.last_flags & MP_EVENT_FLAG_BATCH_END);
    /* The loopback sends x-litellm-* headers and usage.cost: they must
     * arrive (elsewhere, only their shape is checked). */
    if (ok && v->builtin)
        ok = c.info_count == 1 && strcmp(c.call_id, LOOPBACK_CALL_ID) == 0 &&
             c.remaining_requests == 99 && c.cost_usd == LOOPBACK_COST &&
             c.reasoning_tokens == 1;
    vd_report(ok, "minor1.events", "a host of ABI 1.1 gets %d events, 1.1 "
              "sized, the last flagged batch end (%d flagged), %d RESPONSE_INFO "
              "(call id \"%s\", %lld requests left), cost %g, reasoning tokens "
              "%lld%s%s%s", c.events, c.batch_ends, c.info_count, c.call_id,
              (long long)c.remaining_requests, c.cost_usd,
              (long long)c.reasoning_tokens, problem, rc ? ": " : "",
              rc ? err.message : "");
    check_conveniences(d, v, &c);
}

void vd_check_minors(hp_module *m, const vctx *v)
{
    check_minor0(m, v);
    check_minor1(m, v);
}
