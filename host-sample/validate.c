/*
 * validate.c - the conformance checker.  Each check prints one line,
 * "PASS <name>: <detail>" or "FAIL <name>: <detail>".
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
#include <time.h>

#include "../abi/model_provider.h"
#include "loopback_server.h"
#include "provider_loader.h"

#define SECRET_KEY "sk-validate-SECRET-0123456789"
#define SECRET_HDR "hdr-validate-SECRET-9876"

static int failures;

/* What the checks run with: the built-in profile (a LiteLLM-style config
 * aimed at the loopback server) or the caller's own configs. */
typedef struct vctx {
    const char *cfg;    /* for instances that must stream normally     */
    const char *slow;   /* streams until cancelled, or NULL: skip that */
    const char *client; /* client args                                 */
    int builtin;        /* no --config given: LiteLLM-specific checks  */
} vctx;

static void skip(const char *name, const char *why)
{
    printf("SKIP %s: %s\n", name, why);
    fflush(stdout);
}

static void report(int ok, const char *name, const char *fmt, ...)
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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
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

/* ---- sinks the checks use ---------------------------------------------- */

typedef struct text { char buf[65536]; size_t len; } text;

static int text_write(void *ctx, const char *p, size_t n)
{
    text *t = ctx;
    if (t->len + n >= sizeof t->buf)
        return 1;
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

typedef struct logs { pthread_mutex_t mu; int warnings; text all; } logs;

static void log_cb(void *ctx, int level, const char *msg)
{
    logs *l = ctx;
    pthread_mutex_lock(&l->mu);
    if (level >= MP_LOG_WARN)
        l->warnings++;
    text_write(&l->all, msg, strlen(msg));
    text_write(&l->all, "\n", 1);
    pthread_mutex_unlock(&l->mu);
}

typedef struct counter {
    int events, stops, cancel_after;
    mp_instance *inst;
    const mp_provider_v1 *p;
} counter;

static int count_event(void *ctx, const mp_event_header *ev)
{
    counter *c = ctx;
    c->events++;
    if (ev->type == MP_EVENT_MESSAGE_STOP)
        c->stops++;
    return c->cancel_after && c->events >= c->cancel_after;
}

/* ---- the checks --------------------------------------------------------- */

static void check_entry(hp_module *m)
{
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(m->dl, MP_ENTRY_SYMBOL_V1);
    uint32_t minor = 0;
    const mp_provider_v1 *d = NULL;
    int rc = entry(&minor, &d);
    report(rc == MP_OK && d && minor == 0, "negotiate.minor0",
           "host offering 1.0 gets %s, minor %u", mp_errname(rc), minor);
    minor = 999;
    rc = entry(&minor, &d);
    report(rc == MP_OK && d && minor == d->abi_minor && minor < 999,
           "negotiate.future_minor", "host offering 1.999 gets minor %u "
           "(plugin's own %u)", minor, d ? d->abi_minor : 0);
    report(entry(NULL, &d) == MP_E_INVALID_ARGUMENT, "negotiate.null_args",
           "NULL arguments are refused with MP_E_INVALID_ARGUMENT");
    report(dlsym(m->dl, "mp_provider_entry_v2") == NULL,
           "negotiate.incompatible_major",
           "no mp_provider_entry_v2: a v2 host finds no entry and refuses "
           "this plugin cleanly");
}

static void check_descriptor(const mp_provider_v1 *d)
{
    int caps = 0;
    for (const char *const *c = d->capabilities; c && *c; c++)
        caps++;
    report(d->struct_size >= sizeof(mp_provider_v1) && d->abi_major == 1,
           "descriptor.size", "struct_size %u (host's sizeof %zu), ABI %u.%u",
           d->struct_size, sizeof(mp_provider_v1), d->abi_major, d->abi_minor);
    report(d->id && d->name && d->version && d->capabilities && caps > 0,
           "descriptor.fields", "id \"%s\", version \"%s\", %d capabilities",
           d->id ? d->id : "(null)", d->version ? d->version : "(null)", caps);
    int all = d->init && d->deinit && d->create && d->destroy &&
              d->update_config && d->get_config && d->stream &&
              d->structured_output && d->cancel && d->get_extension &&
              d->event_to_json;
    report(all, "descriptor.operations", "every operation is present");
    report(d->get_extension("org.example.unknown/1") == NULL,
           "descriptor.unknown_extension", "an unknown extension id gives NULL");
}

/* Whether every key of the config JSON `given` comes back from
 * get_config (the text `got`) under "config" with the same value. */
static int config_round_trips(const char *given, const char *got)
{
    json_object *want = json_tokener_parse(given), *all = json_tokener_parse(got);
    json_object *have = NULL;
    int ok = json_object_is_type(want, json_type_object) &&
             json_object_object_get_ex(all, "config", &have);
    if (ok) {
        json_object_object_foreach(want, key, val) {
            json_object *v = NULL;
            ok &= json_object_object_get_ex(have, key, &v) &&
                  json_object_equal(v, val);
        }
    }
    json_object_put(want);
    json_object_put(all);
    return ok;
}

static void check_config(const mp_provider_v1 *d, const vctx *v, logs *lg)
{
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = d->create(v->cfg, v->client, &inst, &err);
    report(rc == MP_OK && inst, "config.create", "%s %s", mp_errname(rc), err.message);
    if (rc)
        return;
    text t = {.len = 0};
    mp_text_sink sink = {sizeof sink, &t, text_write};
    rc = d->get_config(inst, &sink, &err);
    report(rc == MP_OK && config_round_trips(v->cfg, t.buf), "config.round_trip",
           "get_config returns every key of the config given to create");
    report(!strstr(t.buf, SECRET_KEY) && !strstr(t.buf, SECRET_HDR),
           "config.redaction", "the API key and the secret header are redacted");
    if (v->builtin) {
        rc = d->update_config(inst, "{\"params\":{\"max_tokens\":7}}", 27, &err);
        t.len = 0;
        d->get_config(inst, &sink, NULL);
        report(rc == MP_OK && strstr(t.buf, "\"max_tokens\":7"), "config.update",
               "update_config merges params");
    } else {
        rc = d->update_config(inst, v->cfg, strlen(v->cfg), &err);
        t.len = 0;
        d->get_config(inst, &sink, NULL);
        report(rc == MP_OK && config_round_trips(v->cfg, t.buf), "config.update",
               "update_config with the same config keeps it: %s", mp_errname(rc));
    }
    int before = lg->warnings;
    rc = d->update_config(inst, "{\"bogus_key_xyz\":1}", 19, &err);
    report(rc == MP_OK && lg->warnings > before, "config.unknown_key_warns",
           "an unknown key is kept and logged as a warning, not a failure");
    report(!strstr(lg->all.buf, SECRET_KEY) && !strstr(lg->all.buf, SECRET_HDR),
           "log.no_secrets", "no secret appears in any log line");
    d->destroy(inst);
}

static void check_bad_input(const mp_provider_v1 *d, const vctx *v)
{
    const char *client = v->client;
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    int rc = d->create("{\"model_id\":", client, &inst, &err);
    report(rc == MP_E_INVALID_ARGUMENT && !inst && err.message[0],
           "bad_input.create_json", "%s: %s", mp_errname(rc), err.message);
    rc = d->create("[1,2]", client, &inst, &err);
    report(rc == MP_E_INVALID_ARGUMENT, "bad_input.create_shape", "%s: %s",
           mp_errname(rc), err.message);
    rc = d->create(v->cfg, client, &inst, &err);
    if (rc)
        return;
    rc = d->update_config(inst, "[1,2]", 5, &err);
    report(rc == MP_E_INVALID_ARGUMENT, "bad_input.update_shape", "%s: %s",
           mp_errname(rc), err.message);
    if (v->builtin) {
        rc = d->update_config(inst, "{\"model_id\":5}", 14, &err);
        report(rc == MP_E_INVALID_ARGUMENT, "bad_input.update_type", "%s: %s",
               mp_errname(rc), err.message);
    }
    counter c = {0};
    mp_event_sink es = {sizeof es, &c, count_event};
    const char *bad[] = {"{\"messages\":[", "{\"messages\":5}",
                         "{\"messages\":[{\"role\":\"user\",\"content\":[{\"nope\":{}}]}]}",
                         "\xff\xfe", NULL};
    for (int i = 0; bad[i]; i++) {
        c.events = 0;
        rc = d->stream(inst, bad[i], strlen(bad[i]), &es, &err);
        char name[64];
        snprintf(name, sizeof name, "bad_input.stream_%d", i);
        report(rc == MP_E_INVALID_ARGUMENT && c.events == 0 && err.message[0],
               name, "%s, %d events: %s", mp_errname(rc), c.events, err.message);
    }
    mp_error small = MP_ERROR_INIT;
    small.struct_size = (uint32_t)offsetof(mp_error, provider_code);
    memset(small.message, 'Z', sizeof small.message);
    rc = d->stream(inst, "{", 1, &es, &small);
    report(rc == MP_E_INVALID_ARGUMENT && small.code == rc && small.message[0] == 'Z',
           "abi.error_struct_size", "a host's smaller mp_error is never written past");
    d->destroy(inst);
}

#define USER_HELLO "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"

typedef struct worker {
    const mp_provider_v1 *d;
    const vctx *v;
    int ok;
    char detail[MP_ERROR_MESSAGE_MAX + 64];
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    if (w->d->create(w->v->cfg, w->v->client, &inst, &err)) {
        snprintf(w->detail, sizeof w->detail, "create: %s", err.message);
        return NULL;
    }
    w->ok = 1;
    for (int i = 0; i < 20 && w->ok; i++) {
        counter c = {0};
        mp_event_sink es = {sizeof es, &c, count_event};
        int rc = w->d->stream(inst, USER_HELLO, strlen(USER_HELLO), &es, &err);
        if (rc != MP_OK || c.stops != 1) {
            w->ok = 0;
            snprintf(w->detail, sizeof w->detail, "call %d: %s %s", i,
                     mp_errname(rc), err.message);
        }
    }
    w->d->destroy(inst);
    return NULL;
}

static void check_concurrency(const mp_provider_v1 *d, const vctx *v)
{
    enum { N = 4 };
    worker w[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){.d = d, .v = v};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    int ok = 1;
    const char *why = "";
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (!w[i].ok) {
            ok = 0;
            why = w[i].detail;
        }
    }
    report(ok, "concurrency.instances", "%d threads x 20 streams on separate "
           "instances %s", N, ok ? "all succeeded" : why);
}

typedef struct canceller {
    const mp_provider_v1 *d;
    mp_instance *inst;
    double at;
} canceller;

static void *cancel_main(void *arg)
{
    canceller *c = arg;
    struct timespec ts = {0, 200 * 1000000};
    nanosleep(&ts, NULL);
    c->at = now_ms();
    c->d->cancel(c->inst);
    return NULL;
}

static void check_cancel(const mp_provider_v1 *d, const vctx *v)
{
    mp_instance *inst = NULL;
    mp_error err = MP_ERROR_INIT;
    counter c = {0};
    mp_event_sink es = {sizeof es, &c, count_event};
    if (!v->slow) {
        skip("cancel.other_thread", "no --slow-config (a config whose stream "
             "runs until cancelled)");
    } else if (d->create(v->slow, v->client, &inst, &err)) {
        report(0, "cancel.create", "%s", err.message);
        return;
    } else {
        canceller cc = {d, inst, 0};
        pthread_t th;
        pthread_create(&th, NULL, cancel_main, &cc);
        int rc = d->stream(inst, USER_HELLO, strlen(USER_HELLO), &es, &err);
        double took = now_ms() - cc.at;
        pthread_join(th, NULL);
        report(rc == MP_E_CANCELLED && took < 50.0, "cancel.other_thread",
               "%s %.1f ms after cancel() (target < 50 ms), %d events before",
               mp_errname(rc), took, c.events);
        d->destroy(inst);
    }
    if (d->create(v->cfg, v->client, &inst, &err)) {
        report(0, "cancel.create", "%s", err.message);
        return;
    }
    c = (counter){.cancel_after = 3};
    int rc = d->stream(inst, USER_HELLO, strlen(USER_HELLO), &es, &err);
    report(rc == MP_E_CANCELLED && c.events == 3, "cancel.callback_return",
           "a non-zero callback return stops the stream: %s after %d events",
           mp_errname(rc), c.events);
    d->cancel(inst); /* no call running: harmless, and must not stick */
    c = (counter){0};
    rc = d->stream(inst, USER_HELLO, strlen(USER_HELLO), &es, &err);
    report(rc == MP_OK && c.stops == 1, "cancel.not_sticky",
           "a cancel with no call running does not affect the next call: %s",
           mp_errname(rc));
    d->destroy(inst);
}

static void check_reload(const char *path, const mp_host_v1 *host,
                         const vctx *v)
{
    int threads = count_threads();
    int ok = 1;
    char why[512] = "";
    for (int i = 0; i < 200 && ok; i++) {
        hp_module *m = NULL;
        if (hp_module_load(path, MP_ABI_MINOR, host, &m, why, sizeof why)) {
            ok = 0;
            break;
        }
        mp_instance *inst = NULL;
        mp_error err = MP_ERROR_INIT;
        if (m->desc->create(v->cfg, v->client, &inst, &err) == MP_OK)
            m->desc->destroy(inst);
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
    report(ok, "lifecycle.reload_200", "200 load/init/create/destroy/deinit/"
           "dlclose cycles, unmapped every time %s", why);
    report(after <= threads, "lifecycle.no_threads_left",
           "threads before %d, after %d", threads, after);
}

static void check_init_refcount(const mp_provider_v1 *d, const mp_host_v1 *host,
                                const vctx *v)
{
    mp_error err = MP_ERROR_INIT;
    int ok = d->init(host, &err) == MP_OK; /* the loader already did one */
    mp_instance *inst = NULL;
    ok = ok && d->deinit() == MP_OK;      /* back to one reference */
    ok = ok && d->create(v->cfg, v->client, &inst, &err) == MP_OK;
    int busy = d->deinit();
    ok = ok && busy == MP_E_BUSY;
    d->destroy(inst);
    report(ok, "lifecycle.init_refcount",
           "init is reference-counted; the last deinit with a live instance "
           "gives MP_E_BUSY (%s)", mp_errname(busy));
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
        report(0, "setup.loopback", "cannot start the loopback server");
        return 1;
    }
    char client[512];
    if (client_args_json)
        snprintf(client, sizeof client, "%s", client_args_json);
    else
        snprintf(client, sizeof client, "{\"api_base\":\"http://127.0.0.1:%d\","
                 "\"api_key\":\"" SECRET_KEY "\",\"extra_headers\":{\"X-Api-Key\":"
                 "\"" SECRET_HDR "\",\"X-Trace\":\"t\"},\"idle_timeout\":5}",
                 loopback_port(srv));
    vctx v = {.client = client, .builtin = !config_json};
    v.cfg = config_json ? config_json : "{\"model_id\":\"validate-model\"}";
    v.slow = slow_config_json ? slow_config_json
           : config_json ? NULL : "{\"model_id\":\"validate-slow\"}";
    char why[512];
    hp_module *m = NULL;
    int rc = hp_module_load(path, MP_ABI_MINOR, &host, &m, why, sizeof why);
    report(rc == MP_OK, "load", "%s", rc ? why : path);
    if (!rc) {
        check_entry(m);
        check_descriptor(m->desc);
        check_init_refcount(m->desc, &host, &v);
        check_config(m->desc, &v, &lg);
        check_bad_input(m->desc, &v);
        check_concurrency(m->desc, &v);
        check_cancel(m->desc, &v);
        rc = hp_module_unload(&m, why, sizeof why);
        report(rc == MP_OK, "unload", "%s", rc ? why : "deinit + dlclose");
        check_reload(path, &host, &v);
    }
    loopback_stop(srv);
    pthread_mutex_destroy(&lg.mu);
    printf("validate: %d check(s) failed\n", failures);
    return failures;
}
