/*
 * test_module.c - the plugin's ABI boundary, linked in directly: the entry
 * point's negotiation, the descriptor, module init/deinit reference
 * counting and re-init, which host log receives warnings, host structs too
 * small for ABI 1.0 (MP_PLUGIN_13), and update_config/get_config racing
 * from several threads on one instance (MP_HOST_4, MP_PLUGIN_12).
 *
 * No network: these calls never reach a server.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "../../host-sample/validate_internal.h"
#include "../../plugin/core/utf8.h"

static const mp_provider_v1 *desc(void)
{
    uint32_t minor = MP_ABI_MINOR;
    const mp_provider_v1 *d = NULL;
    assert_int_equal(mp_provider_entry_v1(&minor, &d), MP_OK);
    assert_non_null(d);
    return d;
}

/* ---- a host log that counts ------------------------------------------- */

typedef struct logbook {
    pthread_mutex_t mu;
    int warnings;
    char last[8192];
} logbook;

static void log_into(void *ctx, int level, const char *msg)
{
    logbook *b = ctx;
    pthread_mutex_lock(&b->mu);
    if (level >= MP_LOG_WARN)
        b->warnings++;
    snprintf(b->last, sizeof b->last, "%s", msg);
    pthread_mutex_unlock(&b->mu);
}

static void book_init(logbook *b)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
}

/* ---- sinks (text ones: vd_text of the conformance checker) ------------ */

static int count_event(void *ctx, const mp_event_header *ev)
{
    (void)ev;
    ++*(int *)ctx;
    return 0;
}

static json_object *config_of(const mp_provider_v1 *d, mp_instance *inst)
{
    static vd_text t;
    t.len = 0;
    t.buf[0] = '\0';
    mp_text_sink sink = {sizeof sink, &t, vd_text_write};
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(d->get_config(inst, &sink, &err), MP_OK);
    json_object *all = json_tokener_parse(t.buf);
    assert_non_null(all);
    return all;
}

/* ---- negotiation and the descriptor ------------------------------------ */

static void test_entry_negotiates_the_common_minor(void **state)
{
    (void)state;
    const mp_provider_v1 *d = NULL, *again = NULL, *newest = NULL;
    uint32_t minor = 0;
    assert_int_equal(mp_provider_entry_v1(&minor, &d), MP_OK);
    assert_int_equal(minor, 0);
    assert_non_null(d);
    /* A 1.0 host gets a 1.0 descriptor (MP_PLUGIN_14). */
    assert_int_equal(d->abi_minor, 0);
    assert_int_equal(d->struct_size, offsetof(mp_provider_v1, event_to_json) +
                                         sizeof d->event_to_json);
    /* A host from the future gets the plugin's own minor, never more. */
    minor = 4000000000u;
    assert_int_equal(mp_provider_entry_v1(&minor, &newest), MP_OK);
    assert_int_equal(minor, MP_ABI_MINOR);
    assert_int_equal(newest->abi_minor, MP_ABI_MINOR);
    assert_int_equal(newest->struct_size, sizeof(mp_provider_v1));
    assert_ptr_not_equal(newest, d);
    /* The same static descriptor every time the same minor is agreed. */
    minor = 0;
    assert_int_equal(mp_provider_entry_v1(&minor, &again), MP_OK);
    assert_ptr_equal(again, d);
    minor = MP_ABI_MINOR;
    assert_int_equal(mp_provider_entry_v1(&minor, &again), MP_OK);
    assert_ptr_equal(again, newest);
    /* NULL arguments are refused. */
    assert_int_equal(mp_provider_entry_v1(NULL, &again), MP_E_INVALID_ARGUMENT);
    assert_int_equal(mp_provider_entry_v1(&minor, NULL), MP_E_INVALID_ARGUMENT);
}

static void test_descriptor_is_complete(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    assert_int_equal(d->struct_size, sizeof(mp_provider_v1));
    assert_int_equal(d->abi_major, MP_ABI_MAJOR);
    assert_int_equal(d->abi_minor, MP_ABI_MINOR);
    assert_string_equal(d->id, "org.strands.litellm");
    assert_non_null(d->name);
    assert_non_null(d->version);
    int caps = 0, has_stream = 0;
    for (const char *const *c = d->capabilities; *c; c++, caps++)
        has_stream |= strcmp(*c, "stream") == 0;
    assert_true(caps > 0);
    assert_true(has_stream);
    assert_non_null(d->init);
    assert_non_null(d->deinit);
    assert_non_null(d->create);
    assert_non_null(d->destroy);
    assert_non_null(d->update_config);
    assert_non_null(d->get_config);
    assert_non_null(d->stream);
    assert_non_null(d->structured_output);
    assert_non_null(d->cancel);
    assert_non_null(d->get_extension);
    assert_non_null(d->event_to_json);
    /* ABI 1.1's operations, all there in the minor-1 descriptor. */
    assert_non_null(d->errname);
    assert_non_null(d->strerror);
    assert_non_null(d->error_to_json);
    assert_non_null(d->stream_json);
    assert_non_null(d->accumulator_create);
    assert_non_null(d->accumulator_add);
    assert_non_null(d->accumulator_result);
    assert_non_null(d->accumulator_destroy);
    /* Unknown extensions (and no id at all) give NULL, before any init. */
    assert_null(d->get_extension("org.example.nothing/1"));
    assert_null(d->get_extension(NULL));
    assert_int_equal(d->cancel(NULL), MP_OK);
    d->destroy(NULL);
}

/* ---- init / deinit ---------------------------------------------------- */

static void test_init_is_reference_counted_and_reinit_works(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;

    /* Before any init: create refuses, a stray deinit is harmless. */
    assert_int_equal(d->deinit(), MP_OK);
    assert_int_equal(d->create(NULL, NULL, &inst, &err), MP_E_INVALID_ARGUMENT);
    assert_null(inst);
    assert_non_null(strstr(err.message, "init"));

    for (int round = 0; round < 3; round++) {
        assert_int_equal(d->init(NULL, &err), MP_OK);
        assert_int_equal(d->init(NULL, &err), MP_OK);
        assert_int_equal(d->deinit(), MP_OK); /* one reference left */
        assert_int_equal(d->create("{\"model_id\":\"m\"}", NULL, &inst, &err), MP_OK);
        /* The last deinit with a live instance is refused... */
        assert_int_equal(d->deinit(), MP_E_BUSY);
        /* ...and the module stays usable. */
        mp_instance *second = NULL;
        assert_int_equal(d->create(NULL, NULL, &second, &err), MP_OK);
        d->destroy(second);
        d->destroy(inst);
        inst = NULL;
        assert_int_equal(d->deinit(), MP_OK);
        /* Fully de-initialised: create refuses again until the next init. */
        assert_int_equal(d->create(NULL, NULL, &inst, &err), MP_E_INVALID_ARGUMENT);
    }
}

static void test_the_first_init_chooses_the_log(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    logbook a, b;
    book_init(&a);
    book_init(&b);
    mp_host_v1 ha = {sizeof ha, &a, log_into}, hb = {sizeof hb, &b, log_into};
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;

    assert_int_equal(d->init(&ha, &err), MP_OK);
    assert_int_equal(d->init(&hb, &err), MP_OK); /* nested: keeps a's log */
    assert_int_equal(d->create("{\"bogus\":1}", NULL, &inst, &err), MP_OK);
    assert_int_equal(a.warnings, 1);
    assert_int_equal(b.warnings, 0);
    assert_non_null(strstr(a.last, "Invalid configuration parameters: ['bogus']"));
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
    assert_int_equal(d->deinit(), MP_OK);

    /* After the last deinit, the next first init brings its own log. */
    assert_int_equal(d->init(&hb, &err), MP_OK);
    assert_int_equal(d->create("{\"other\":1}", NULL, &inst, &err), MP_OK);
    assert_int_equal(a.warnings, 1);
    assert_int_equal(b.warnings, 1);
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);

    /* A host without a log callback: warnings are simply dropped. */
    mp_host_v1 quiet = {sizeof quiet, NULL, NULL};
    assert_int_equal(d->init(&quiet, &err), MP_OK);
    assert_int_equal(d->create("{\"other\":1}", NULL, &inst, &err), MP_OK);
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
}

static void test_init_refuses_a_host_struct_too_small(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_host_v1 small = {sizeof(uint32_t) + sizeof(void *), NULL, NULL};
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(d->init(&small, &err), MP_E_INVALID_ARGUMENT);
    assert_int_equal(err.code, MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "struct_size"));
    /* The failed init took no reference. */
    mp_instance *inst = NULL;
    assert_int_equal(d->create(NULL, NULL, &inst, &err), MP_E_INVALID_ARGUMENT);
    assert_null(inst);
}

/* ---- host sinks smaller than ABI 1.0 ----------------------------------- */

static void test_sinks_too_small_are_refused_unread(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    assert_int_equal(d->init(NULL, &err), MP_OK);
    assert_int_equal(d->create("{\"model_id\":\"m\"}", NULL, &inst, &err), MP_OK);

    vd_text t = {.len = 0};
    /* struct_size covers ctx but not write: the plugin must not call it. */
    mp_text_sink small = {offsetof(mp_text_sink, write), &t, vd_text_write};
    assert_int_equal(d->get_config(inst, &small, &err), MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "struct_size"));
    assert_int_equal(d->get_config(inst, NULL, &err), MP_E_INVALID_ARGUMENT);

    mp_event_header ev = {sizeof(mp_event_message_start), MP_EVENT_MESSAGE_START, 0};
    mp_event_message_start ms = {ev, MP_ROLE_ASSISTANT, 0};
    assert_int_equal(d->event_to_json(&ms.hdr, &small), MP_E_INVALID_ARGUMENT);
    assert_int_equal(d->event_to_json(&ms.hdr, NULL), MP_E_INVALID_ARGUMENT);

    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
    assert_int_equal(d->structured_output(inst, req, strlen(req), "{}", 2, "Out",
                                          NULL, &small, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "struct_size"));

    int events = 0;
    mp_event_sink tiny = {offsetof(mp_event_sink, on_event), &events, count_event};
    assert_int_equal(d->stream(inst, req, strlen(req), &tiny, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "struct_size"));
    mp_event_sink no_fn = {sizeof no_fn, &events, NULL};
    assert_int_equal(d->stream(inst, req, strlen(req), &no_fn, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_int_equal(events, 0);
    assert_int_equal(t.calls, 0);

    /* The proper sizes work. */
    mp_text_sink full = {sizeof full, &t, vd_text_write};
    assert_int_equal(d->event_to_json(&ms.hdr, &full), MP_OK);
    assert_string_equal(t.buf, "{\"messageStart\":{\"role\":\"assistant\"}}");

    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
}

/* ---- update_config / get_config from several threads ------------------ */

enum { THREADS = 4, UPDATES = 150 };

static pthread_barrier_t start_line; /* all racers start together */

typedef struct racer {
    const mp_provider_v1 *d;
    mp_instance *inst;
    int id;
    int failures;
} racer;

static void *update_many(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < UPDATES; i++) {
        char json[96];
        snprintf(json, sizeof json, "{\"t%d_%d\":%d,\"model_id\":\"m%d\"}",
                 r->id, i, i, r->id);
        mp_error err = MP_ERROR_INIT;
        if (r->d->update_config(r->inst, json, strlen(json), &err) != MP_OK)
            r->failures++;
    }
    return NULL;
}

/* A reader racing the writers always sees one whole, valid config. */
static void *read_many(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < UPDATES; i++) {
        vd_text *t = calloc(1, sizeof *t);
        mp_text_sink sink = {sizeof sink, t, vd_text_write};
        mp_error err = MP_ERROR_INIT;
        json_object *all = NULL, *model = NULL;
        if (r->d->get_config(r->inst, &sink, &err) != MP_OK ||
            !(all = json_tokener_parse(t->buf)) ||
            !json_object_object_get_ex(json_object_object_get(all, "config"),
                                       "model_id", &model) ||
            json_object_get_string(model)[0] != 'm')
            r->failures++;
        json_object_put(all);
        free(t);
    }
    return NULL;
}

static void test_concurrent_updates_are_all_applied(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    assert_int_equal(d->init(NULL, &err), MP_OK);
    assert_int_equal(d->create("{\"model_id\":\"m\"}", NULL, &inst, &err), MP_OK);

    racer r[THREADS + 1];
    pthread_t th[THREADS + 1];
    pthread_barrier_init(&start_line, NULL, THREADS + 1);
    for (int i = 0; i <= THREADS; i++) {
        r[i] = (racer){.d = d, .inst = inst, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL,
                                        i < THREADS ? update_many : read_many,
                                        &r[i]), 0);
    }
    for (int i = 0; i <= THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].failures, 0);
    }
    pthread_barrier_destroy(&start_line);
    /* Every key of every update survived: no update was lost to a race. */
    json_object *all = config_of(d, inst);
    json_object *cfg = json_object_object_get(all, "config");
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < UPDATES; i++) {
            char key[32];
            snprintf(key, sizeof key, "t%d_%d", t, i);
            if (!json_object_object_get_ex(cfg, key, NULL))
                fail_msg("update %s was lost", key);
        }
    }
    json_object_put(all);
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
}

/* A failed update changes nothing (atomic), and says which key was bad. */
static void test_a_failed_update_changes_nothing(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    assert_int_equal(d->init(NULL, &err), MP_OK);
    assert_int_equal(d->create("{\"model_id\":\"m\",\"params\":{\"max_tokens\":3}}",
                               NULL, &inst, &err), MP_OK);
    static const char bad[] = "{\"params\":{\"max_tokens\":9},\"context_window_limit\":\"x\"}";
    assert_int_equal(d->update_config(inst, bad, strlen(bad), &err),
                     MP_E_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "config.context_window_limit"));
    json_object *all = config_of(d, inst);
    assert_string_equal(json_object_to_json_string_ext(
                            json_object_object_get(all, "config"), JSON_C_TO_STRING_PLAIN),
                        "{\"model_id\":\"m\",\"params\":{\"max_tokens\":3}}");
    json_object_put(all);
    /* Not NUL-terminated: only `len` bytes are read. */
    static const char padded[] = "{\"model_id\":\"m2\"}GARBAGE";
    assert_int_equal(d->update_config(inst, padded, strlen(padded) - 7, &err), MP_OK);
    all = config_of(d, inst);
    assert_string_equal(json_object_get_string(
                            json_object_object_get(json_object_object_get(all, "config"),
                                                   "model_id")), "m2");
    json_object_put(all);
    assert_int_equal(d->update_config(inst, NULL, 0, &err), MP_E_INVALID_ARGUMENT);
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
}

/* structured_output's `name` is the host's text: the message that refuses
 * it is UTF-8 all the same, whether the name is cut to fit (never inside a
 * character) or is not UTF-8 at all (then it is not shown). */
static void test_a_refused_name_leaves_a_utf8_message(void **state)
{
    (void)state;
    const mp_provider_v1 *d = desc();
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    assert_int_equal(d->init(NULL, &err), MP_OK);
    assert_int_equal(d->create("{\"model_id\":\"m\"}", NULL, &inst, &err), MP_OK);
    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
    vd_text t = {.len = 0};
    mp_text_sink sink = {sizeof sink, &t, vd_text_write};

    /* "a" and 50 "é": 101 bytes, shown as at most 80 of them. */
    char name[128] = "a";
    for (int i = 0; i < 50; i++)
        strcat(name, "\xc3\xa9");
    assert_int_equal(d->structured_output(inst, req, strlen(req), "{}", 2, name,
                                          NULL, &sink, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_true(lp_utf8_valid(err.message, strlen(err.message)));
    char want[128] = "name: \"a";
    for (int i = 0; i < 39; i++) /* 1 + 39 * 2 = 79 bytes */
        strcat(want, "\xc3\xa9");
    strcat(want, "\" is not a valid function name");
    if (strncmp(err.message, want, strlen(want)) != 0)
        fail_msg("message \"%s\"", err.message);

    /* Not UTF-8: said so, without the bytes. */
    assert_int_equal(d->structured_output(inst, req, strlen(req), "{}", 2,
                                          "Out\xff\xfe", NULL, &sink, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_true(lp_utf8_valid(err.message, strlen(err.message)));
    assert_non_null(strstr(err.message, "name: not valid UTF-8"));
    assert_int_equal(t.calls, 0);
    d->destroy(inst);
    assert_int_equal(d->deinit(), MP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_negotiates_the_common_minor),
        cmocka_unit_test(test_descriptor_is_complete),
        cmocka_unit_test(test_init_is_reference_counted_and_reinit_works),
        cmocka_unit_test(test_the_first_init_chooses_the_log),
        cmocka_unit_test(test_init_refuses_a_host_struct_too_small),
        cmocka_unit_test(test_sinks_too_small_are_refused_unread),
        cmocka_unit_test(test_concurrent_updates_are_all_applied),
        cmocka_unit_test(test_a_failed_update_changes_nothing),
        cmocka_unit_test(test_a_refused_name_leaves_a_utf8_message),
    };
    return cmocka_run_group_tests_name("module", tests, NULL, NULL);
}
