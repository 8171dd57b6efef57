/*
 * validate.c - the conformance checker.  Each check prints one line,
 * "PASS <name>: <detail>", "FAIL <name>: <detail>" or "SKIP <name>: <why>".
 *
 * Checks that need an instance run with a "profile": the built-in one (a
 * LiteLLM-style config aimed at the in-process loopback server) or the
 * caller's --config/--slow-config/--client-args, so any provider can be
 * validated.  If the provider refuses the profile's config, that is one
 * FAIL line saying what to pass, and the checks that need an instance are
 * skipped instead of failing one by one.
 */
#include "validate.h"

#include <dirent.h>
#include <json-c/json.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../abi/model_provider.h"
#include "loopback_server.h"
#include "provider_loader.h"
#include "validate_internal.h"

#define SECRET_KEY "sk-validate-SECRET-0123456789"
#define SECRET_HDR "hdr-validate-SECRET-9876"

static int failures;

void vd_skip(const char *name, const char *why)
{
    printf("SKIP %s: %s\n", name, why);
    fflush(stdout);
}

void vd_report(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %s: ", ok ? "PASS" : "FAIL", name);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (!ok)
        failures++;
}

double vd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void vd_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* ---- secrets: every secret-looking string value in the given configs --- */

static int secret_name(const char *k)
{
    static const char *const words[] = {"key", "token", "secret",
                                        "authorization", "password", NULL};
    for (int i = 0; words[i]; i++)
        if (strcasestr(k, words[i]))
            return 1;
    return 0;
}

static void collect_secrets(json_object *v, vctx *c, size_t *n)
{
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            collect_secrets(json_object_array_get_idx(v, i), c, n);
        return;
    }
    if (!json_object_is_type(v, json_type_object))
        return;
    json_object_object_foreach(v, k, val) {
        const char *s = json_object_get_string(val);
        /* Short values ("1", "on") would match innocent text. */
        if (secret_name(k) && json_object_is_type(val, json_type_string) &&
            strlen(s) >= 6 && *n < VD_MAX_SECRETS)
            c->secrets[(*n)++] = strdup(s);
        else
            collect_secrets(val, c, n);
    }
}

static void find_secrets(vctx *c)
{
    size_t n = 0;
    const char *docs[] = {c->cfg, c->slow, c->client};
    for (int i = 0; i < 3; i++) {
        json_object *doc = docs[i] ? json_tokener_parse(docs[i]) : NULL;
        collect_secrets(doc, c, &n);
        json_object_put(doc);
    }
    c->secrets[n] = NULL;
}

static int count_secrets(const vctx *c)
{
    int n = 0;
    while (c->secrets[n])
        n++;
    return n;
}

const char *vd_leaked(const vctx *c, const char *text)
{
    for (int i = 0; c->secrets[i]; i++)
        if (strstr(text, c->secrets[i]))
            return c->secrets[i];
    return NULL;
}

/* ---- sinks the checks use ---------------------------------------------- */

int vd_text_write(void *ctx, const char *p, size_t n)
{
    vd_text *t = ctx;
    t->calls++;
    if (t->len + n >= sizeof t->buf)
        return 1;
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

typedef struct logs { pthread_mutex_t mu; int warnings; vd_text all; } logs;

static void log_cb(void *ctx, int level, const char *msg)
{
    logs *l = ctx;
    pthread_mutex_lock(&l->mu);
    if (level >= MP_LOG_WARN)
        l->warnings++;
    vd_text_write(&l->all, msg, strlen(msg));
    vd_text_write(&l->all, "\n", 1);
    pthread_mutex_unlock(&l->mu);
}


/* ---- negotiation and the descriptor ------------------------------------ */

/* The descriptor a host offering `offer` gets, its answer in *minor. */
static int offer_minor(mp_provider_entry_v1_fn entry, uint32_t offer,
                       uint32_t *minor, const mp_provider_v1 **d)
{
    *minor = offer;
    *d = (const mp_provider_v1 *)1; /* must be overwritten */
    return entry(minor, d);
}

/* Every offer answers the common minor with that minor's own descriptor:
 * the same pointer whenever the same minor is agreed, abi_minor equal to
 * it, big enough for it (MP_PLUGIN_14). */
static void check_minor_answers(mp_provider_entry_v1_fn entry)
{
    uint32_t newest;
    const mp_provider_v1 *top;
    int ok = offer_minor(entry, UINT32_MAX, &newest, &top) == MP_OK && top;
    const uint32_t offers[] = {0, 1, MP_ABI_MINOR, newest, newest + 1u, 999,
                               UINT32_MAX, 0, MP_ABI_MINOR};
    const mp_provider_v1 *seen[2] = {NULL, NULL}; /* for minor 0 and 1 */
    char why[200] = "";
    for (size_t i = 0; i < sizeof offers / sizeof *offers && ok; i++) {
        uint32_t minor;
        const mp_provider_v1 *d;
        int rc = offer_minor(entry, offers[i], &minor, &d);
        uint32_t want = offers[i] < newest ? offers[i] : newest;
        if (rc == MP_OK) {
            const mp_provider_v1 **first = want < 2 ? &seen[want] : NULL;
            ok = d && minor == want && d->abi_major == MP_ABI_MAJOR &&
                 d->abi_minor == want &&
                 d->struct_size >= hp_descriptor_size(want) &&
                 (!first || !*first || *first == d);
            if (ok && first)
                *first = d;
        } else { /* allowed only when the plugin needs a newer minor */
            ok = rc == MP_E_VERSION && d == NULL && minor > offers[i];
        }
        if (!ok)
            snprintf(why, sizeof why, ": offering 1.%u gave %s, minor %u, "
                     "descriptor of ABI 1.%u, struct_size %u", offers[i],
                     mp_errname(rc), minor, rc || !d ? 0u : d->abi_minor,
                     rc || !d ? 0u : d->struct_size);
    }
    vd_report(ok, "negotiate.minor", "offering 1.0 up to 1.%u answers the common "
              "minor (never more than offered) with that minor's own descriptor "
              "(abi_minor equal to it, its size, the same pointer every time), "
              "or MP_E_VERSION%s", UINT32_MAX, why);
}

static void check_entry(hp_module *m)
{
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(m->dl, MP_ENTRY_SYMBOL_V1);
    check_minor_answers(entry);
    const mp_provider_v1 *d = NULL;
    uint32_t minor = 0;
    vd_report(entry(NULL, &d) == MP_E_INVALID_ARGUMENT &&
              entry(&minor, NULL) == MP_E_INVALID_ARGUMENT, "negotiate.null_args",
              "NULL arguments are refused with MP_E_INVALID_ARGUMENT");
    /* MP_PLUGIN_1: the v1 entry hands out a major-1 descriptor, and an
     * entry point for another major, if the plugin has one (one .so may
     * export _v1 and _v2 during a transition), is a function of its own:
     * an alias of the v1 entry would give a v2 host a v1 descriptor. */
    minor = MP_ABI_MINOR;
    d = NULL;
    int rc = entry(&minor, &d);
    int major_ok = rc == MP_OK && d && d->abi_major == MP_ABI_MAJOR;
    int others = 0, aliases = 0;
    for (int major = 2; major <= 9; major++) {
        char sym[32];
        snprintf(sym, sizeof sym, "mp_provider_entry_v%d", major);
        void *other = dlsym(m->dl, sym);
        others += other != NULL;
        aliases += other != NULL && other == (void *)entry;
    }
    vd_report(major_ok && !aliases, "negotiate.major", "the v1 entry's "
              "descriptor says ABI major %u; %d entry point(s) of other majors, "
              "%d of them the v1 entry itself", rc == MP_OK && d ? d->abi_major : 0u,
              others, aliases);
}

static void check_descriptor(const mp_provider_v1 *d, uint32_t minor)
{
    int caps = 0, empty = 0;
    for (const char *const *c = d->capabilities; c && *c; c++, caps++)
        empty += !**c;
    vd_report(d->struct_size >= hp_descriptor_size(minor) && d->abi_major == 1,
              "descriptor.size", "struct_size %u (ABI 1.%u needs %zu), ABI %u.%u",
              d->struct_size, minor, hp_descriptor_size(minor), d->abi_major,
              d->abi_minor);
    vd_report(d->id && *d->id && d->name && d->version && d->capabilities &&
              caps > 0 && !empty, "descriptor.fields",
              "id \"%s\", version \"%s\", %d capabilities",
              d->id ? d->id : "(null)", d->version ? d->version : "(null)", caps);
    int all = d->init && d->deinit && d->create && d->destroy &&
              d->update_config && d->get_config && d->stream &&
              d->structured_output && d->cancel && d->get_extension &&
              d->event_to_json;
    if (minor >= 1)
        all = all && d->errname && d->strerror && d->error_to_json &&
              d->stream_json && d->accumulator_create && d->accumulator_add &&
              d->accumulator_result && d->accumulator_destroy;
    vd_report(all, "descriptor.operations", "every operation of ABI 1.%u is "
              "present", minor);
    vd_report(d->get_extension("org.example.unknown/1") == NULL &&
              d->get_extension(NULL) == NULL, "descriptor.unknown_extension",
              "an unknown (or NULL) extension id gives NULL");
}

/* ---- lifecycle --------------------------------------------------------- */

static void check_init(const mp_provider_v1 *d, const mp_host_v1 *host,
                       const vctx *v)
{
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    /* The loader holds one reference.  A nested pair keeps it at one. */
    int ok = d->init(host, &err) == MP_OK && d->deinit() == MP_OK;
    ok = ok && d->create(v->cfg, v->client, &inst, &err) == MP_OK;
    int busy = d->deinit(); /* the last one, with an instance alive */
    if (busy == MP_OK)      /* it let go: take the loader's reference back */
        d->init(host, NULL);
    d->destroy(inst);
    vd_report(ok && busy == MP_E_BUSY, "lifecycle.init_refcount",
              "nested init/deinit pairs; the last deinit with a live instance "
              "gives MP_E_BUSY (%s)", mp_errname(busy));

    /* Down to zero and up again on the same mapping. */
    ok = d->deinit() == MP_OK;
    inst = NULL;
    int refused = d->create(v->cfg, v->client, &inst, &err) != MP_OK;
    d->destroy(inst);
    ok = ok && d->init(host, &err) == MP_OK;
    inst = NULL;
    ok = ok && d->create(v->cfg, v->client, &inst, &err) == MP_OK;
    d->destroy(inst);
    vd_report(ok && refused, "lifecycle.reinit", "after the last deinit create "
              "is refused, and init works again on the same mapping");

    mp_host_v1 small = {(uint32_t)offsetof(mp_host_v1, log), host->log_ctx,
                        host->log};
    int rc = d->init(&small, &err);
    if (rc == MP_OK)
        d->deinit();
    vd_report(rc == MP_E_INVALID_ARGUMENT, "abi.host_struct_size",
              "init with an mp_host_v1 smaller than ABI 1.0 is refused: %s",
              mp_errname(rc));
}

static void check_reload(const char *path, const mp_host_v1 *host,
                         const vctx *v)
{
    int threads = count_threads();
    int ok = 1, extra_threads = 0;
    char why[512] = "";
    for (int i = 0; i < 200 && ok; i++) {
        hp_module *m = NULL;
        if (hp_module_load(path, MP_ABI_MINOR, host, &m, why, sizeof why)) {
            ok = 0;
            break;
        }
        mp_instance *inst = NULL;
        mp_error err = MP_ERROR_INIT;
        if (m->desc->create(v->cfg, v->client, &inst, &err) == MP_OK) {
            /* init and create start no thread that outlives the call */
            if (count_threads() > threads)
                extra_threads++;
            m->desc->destroy(inst);
        }
        char name[64];
        snprintf(name, sizeof name, "%s", m->copy_name);
        if (hp_module_unload(&m, why, sizeof why)) {
            ok = 0;
            break;
        }
        if (hp_path_is_mapped(name)) {
            ok = 0;
            snprintf(why, sizeof why, "cycle %d: still mapped after dlclose "
                     "(something pins the module)", i);
        }
    }
    int after = count_threads();
    vd_report(ok, "lifecycle.reload_200", "200 load/init/create/destroy/deinit/"
              "dlclose cycles, unmapped every time %s", why);
    vd_report(after <= threads && !extra_threads, "lifecycle.no_threads",
              "threads before %d, after %d; %d cycle(s) had a thread running "
              "after init+create", threads, after, extra_threads);
}

/* ---- config ------------------------------------------------------------ */

/* Whether every key of the config JSON `given` comes back from
 * get_config (the text `got`) under "config" with the same value. */
static int config_round_trips(const char *given, const char *got)
{
    json_object *want = json_tokener_parse(given), *all = json_tokener_parse(got);
    json_object *have = NULL;
    int ok = json_object_is_type(want, json_type_object) &&
             json_object_object_get_ex(all, "config", &have) &&
             json_object_object_get_ex(all, "client_args", NULL);
    if (ok) {
        json_object_object_foreach(want, key, val) {
            json_object *got_v = NULL;
            ok &= json_object_object_get_ex(have, key, &got_v) &&
                  json_object_equal(got_v, val);
        }
    }
    json_object_put(want);
    json_object_put(all);
    return ok;
}

#define INJECTED_SECRET "tok-validate-INJECTED-5550123"

/* The profile's own secrets, plus one the checker adds to the client args
 * under a name every provider must treat as secret ("..._token"): unknown
 * keys are accepted (they only warn), and must not come back either. */
static void check_redaction(const mp_provider_v1 *d, const vctx *v)
{
    json_object *client = json_tokener_parse(v->client);
    if (!json_object_is_type(client, json_type_object)) {
        json_object_put(client);
        client = json_object_new_object();
    }
    json_object_object_add(client, "validate_secret_token",
                           json_object_new_string(INJECTED_SECRET));
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = d->create(v->cfg, json_object_to_json_string(client), &inst, &err);
    json_object_put(client);
    vd_text t = {.len = 0};
    mp_text_sink sink = {sizeof sink, &t, vd_text_write};
    if (!rc)
        rc = d->get_config(inst, &sink, &err);
    d->destroy(inst);
    const char *leak = rc ? NULL : vd_leaked(v, t.buf);
    if (!leak && strstr(t.buf, INJECTED_SECRET))
        leak = INJECTED_SECRET;
    vd_report(!rc && !leak, "config.redaction", "%s; get_config shows none of "
              "the profile's %d secret value(s) nor an added "
              "client_args.validate_secret_token%s%s", mp_errname(rc),
              count_secrets(v), leak ? ": leaked " : "", leak ? leak : "");
}

static void check_config(const mp_provider_v1 *d, const vctx *v, logs *lg,
                         mp_instance *inst)
{
    mp_error err = MP_ERROR_INIT;
    vd_text t = {.len = 0};
    mp_text_sink sink = {sizeof sink, &t, vd_text_write};
    int rc = d->get_config(inst, &sink, &err);
    vd_report(rc == MP_OK && config_round_trips(v->cfg, t.buf), "config.round_trip",
              "get_config returns every key of the config given to create");
    check_redaction(d, v);
    if (v->builtin) {
        rc = d->update_config(inst, "{\"params\":{\"max_tokens\":7}}", 27, &err);
        t.len = 0;
        d->get_config(inst, &sink, NULL);
        vd_report(rc == MP_OK && strstr(t.buf, "\"max_tokens\":7"), "config.update",
                  "update_config merges params");
    } else {
        rc = d->update_config(inst, v->cfg, strlen(v->cfg), &err);
        t.len = 0;
        d->get_config(inst, &sink, NULL);
        vd_report(rc == MP_OK && config_round_trips(v->cfg, t.buf), "config.update",
                  "update_config with the same config keeps it: %s", mp_errname(rc));
    }
    /* Only `len` bytes are read (MP_HOST_7). */
    rc = d->update_config(inst, "{}{{{ not json", 2, &err);
    vd_report(rc == MP_OK, "abi.length_not_nul", "a (text, len) pair is read to "
              "len, not to a NUL: %s %s", mp_errname(rc), err.message);
    pthread_mutex_lock(&lg->mu);
    int before = lg->warnings;
    pthread_mutex_unlock(&lg->mu);
    rc = d->update_config(inst, "{\"bogus_key_xyz\":1}", 19, &err);
    t.len = 0;
    d->get_config(inst, &sink, NULL);
    pthread_mutex_lock(&lg->mu);
    int warned = lg->warnings > before;
    pthread_mutex_unlock(&lg->mu);
    vd_report(rc == MP_OK && warned && strstr(t.buf, "bogus_key_xyz"),
              "config.unknown_key_warns",
              "an unknown key is kept and logged as a warning, not a failure");
    t = (vd_text){.len = 0};
    mp_text_sink small = {(uint32_t)offsetof(mp_text_sink, write), &t, vd_text_write};
    rc = d->get_config(inst, &small, &err);
    mp_event_message_start ms = {{sizeof ms, MP_EVENT_MESSAGE_START, 0}, MP_ROLE_ASSISTANT, 0};
    int rc2 = d->event_to_json(&ms.hdr, &small);
    vd_report(rc == MP_E_INVALID_ARGUMENT && rc2 == MP_E_INVALID_ARGUMENT && t.calls == 0,
              "abi.sink_struct_size", "a text sink smaller than ABI 1.0 is "
              "refused unread: get_config %s, event_to_json %s", mp_errname(rc),
              mp_errname(rc2));
}

/* ---- bad input ----------------------------------------------------------- */

static void check_bad_input(const mp_provider_v1 *d, const vctx *v,
                            mp_instance *inst)
{
    mp_instance *bad = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = d->create("{\"model_id\":", v->client, &bad, &err);
    vd_report(rc == MP_E_INVALID_ARGUMENT && !bad && err.message[0],
              "bad_input.create_json", "%s: %s", mp_errname(rc), err.message);
    rc = d->create("[1,2]", v->client, &bad, &err);
    vd_report(rc == MP_E_INVALID_ARGUMENT && !bad, "bad_input.create_shape",
              "%s: %s", mp_errname(rc), err.message);
    rc = d->update_config(inst, "[1,2]", 5, &err);
    vd_report(rc == MP_E_INVALID_ARGUMENT, "bad_input.update_shape", "%s: %s",
              mp_errname(rc), err.message);
    if (v->builtin) {
        rc = d->update_config(inst, "{\"model_id\":5}", 14, &err);
        vd_report(rc == MP_E_INVALID_ARGUMENT, "bad_input.update_type", "%s: %s",
                  mp_errname(rc), err.message);
    }
    const char *bad_req[] = {"{\"messages\":[", "{\"messages\":5}",
                             "{\"messages\":[{\"role\":\"user\",\"content\":[{\"nope\":{}}]}]}",
                             "\xff\xfe", "{\"messages\":[{\"role\":\"user\",\"content\":"
                             "[{\"text\":\"hi\"}]}],\"x\":NaN}", NULL};
    int events;
    for (int i = 0; bad_req[i]; i++) {
        rc = vd_stream_counted(d, inst, bad_req[i], strlen(bad_req[i]),
                               sizeof(mp_event_sink), &events, &err);
        char name[64];
        snprintf(name, sizeof name, "bad_input.stream_%d", i);
        vd_report(rc == MP_E_INVALID_ARGUMENT && events == 0 && err.message[0],
                  name, "%s, %d events: %s", mp_errname(rc), events, err.message);
    }
    mp_error small = MP_ERROR_INIT;
    small.struct_size = (uint32_t)offsetof(mp_error, provider_code);
    memset(small.message, 'Z', sizeof small.message);
    rc = vd_stream_counted(d, inst, "{", 1, sizeof(mp_event_sink), &events, &small);
    vd_report(rc == MP_E_INVALID_ARGUMENT && small.code == rc && small.message[0] == 'Z',
              "abi.error_struct_size", "a host's smaller mp_error is never written past");
    rc = vd_stream_counted(d, inst, VD_USER_HELLO, strlen(VD_USER_HELLO),
                           (uint32_t)offsetof(mp_event_sink, on_event), &events, &err);
    vd_report(rc == MP_E_INVALID_ARGUMENT && events == 0, "abi.event_sink_struct_size",
              "an event sink smaller than ABI 1.0 is refused unread: %s", mp_errname(rc));
    const char *leak = vd_leaked(v, err.message);
    vd_report(!leak, "errors.no_secrets", "no secret appears in an error message");
}

/* ---- the driver ----------------------------------------------------------- */

static void run_instance_checks(const mp_provider_v1 *d, const mp_host_v1 *host,
                                vctx *v, logs *lg)
{
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = d->create(v->cfg, v->client, &inst, &err);
    if (rc) {
        vd_report(0, "profile.create", "the provider refused the %s config: %s: "
                  "%s; pass a config it accepts with --config (and --slow-config, "
                  "--client-args); the checks that need an instance are skipped",
                  v->builtin ? "built-in (LiteLLM-style)" : "given",
                  mp_errname(rc), err.message);
        return;
    }
    vd_report(1, "profile.create", "%s config accepted",
              v->builtin ? "built-in" : "given");
    /* The lifecycle checks take the module down to zero references, which
     * needs every instance gone. */
    d->destroy(inst);
    check_init(d, host, v);
    inst = NULL;
    if ((rc = d->create(v->cfg, v->client, &inst, &err))) {
        vd_report(0, "profile.create_again", "%s: %s", mp_errname(rc), err.message);
        return;
    }
    check_config(d, v, lg, inst);
    check_bad_input(d, v, inst);
    vd_check_events(d, inst);
    d->destroy(inst);
    vd_check_concurrency(d, v);
    vd_check_cancel(d, v);
    pthread_mutex_lock(&lg->mu);
    const char *leak = vd_leaked(v, lg->all.buf);
    pthread_mutex_unlock(&lg->mu);
    vd_report(!leak, "log.no_secrets", "no secret appears in any log line");
}

int validate_plugin(const char *path, const char *config_json,
                    const char *client_args_json)
{
    return validate_plugin_ex(path, config_json, NULL, client_args_json);
}

int validate_plugin_ex(const char *path, const char *config_json,
                       const char *slow_config_json,
                       const char *client_args_json)
{
    failures = 0;
    logs lg = {.warnings = 0};
    pthread_mutex_init(&lg.mu, NULL);
    mp_host_v1 host = {sizeof host, &lg, log_cb};
    loopback_server *srv = loopback_start();
    if (!srv) {
        vd_report(0, "setup.loopback", "cannot start the loopback server");
        return 1;
    }
    char *client = NULL;
    if (client_args_json)
        client = strdup(client_args_json);
    else if (asprintf(&client, "{\"api_base\":\"http://127.0.0.1:%d\","
                      "\"api_key\":\"" SECRET_KEY "\",\"extra_headers\":{\"X-Api-Key\":"
                      "\"" SECRET_HDR "\",\"X-Trace\":\"t\"},\"idle_timeout\":5}",
                      loopback_port(srv)) < 0)
        client = NULL;
    if (!client) {
        vd_report(0, "setup.client_args", "out of memory");
        loopback_stop(srv);
        pthread_mutex_destroy(&lg.mu);
        return failures;
    }
    vctx v = {.client = client, .builtin = !config_json};
    v.cfg = config_json ? config_json : "{\"model_id\":\"validate-model\"}";
    v.slow = slow_config_json ? slow_config_json
           : config_json ? NULL : "{\"model_id\":\"validate-slow\"}";
    find_secrets(&v);
    char why[512];
    hp_module *m = NULL;
    int rc = hp_module_load(path, MP_ABI_MINOR, &host, &m, why, sizeof why);
    vd_report(rc == MP_OK, "load", "%s", rc ? why : path);
    if (!rc) {
        check_entry(m);
        check_descriptor(m->desc, m->minor);
        run_instance_checks(m->desc, &host, &v, &lg);
        vd_check_minors(m, &v);
        rc = hp_module_unload(&m, why, sizeof why);
        vd_report(rc == MP_OK, "unload", "%s", rc ? why : "deinit + dlclose");
        check_reload(path, &host, &v);
    }
    loopback_stop(srv);
    pthread_mutex_destroy(&lg.mu);
    for (int i = 0; v.secrets[i]; i++)
        free((char *)v.secrets[i]);
    free(client);
    printf("validate: %d check(s) failed\n", failures);
    return failures;
}
