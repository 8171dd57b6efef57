/*
 * structured_it.h - helpers shared by the test_structured_*.c integration
 * programs: start build/mock-server with scenarios and flags, make an
 * instance pointed at it, call structured_output() through the real .so,
 * and read back which requests reached the server.
 *
 * Header-only: the Makefile builds each tests/integration/test_*.c as its
 * own program.
 */
#ifndef STRUCTURED_IT_H
#define STRUCTURED_IT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/it_harness.h"

/* The reference fixture's output model: class TestOutputModel(BaseModel):
 * name: str; age: int. */
#define SO_PERSON_SCHEMA                                                     \
    "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"   \
    "\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"]}"

#define SO_REQUEST                                                           \
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"John is 30 " \
    "years old.\"}]}]}"

#define SO_KEY "sk-so-test-key-0123456789"

/* What a test started, so a failed test (cmocka jumps out of it) still
 * stops its server and destroys its instances in so_cleanup. */
#define SO_MAX_LIVE 16
static mock_proc *so_live_mocks[SO_MAX_LIVE];
static mp_instance *so_live_insts[SO_MAX_LIVE];

static inline void so_track(void **slots, void *p)
{
    for (int i = 0; i < SO_MAX_LIVE; i++)
        if (!slots[i]) {
            slots[i] = p;
            return;
        }
}

static inline void so_untrack(void **slots, void *p)
{
    for (int i = 0; i < SO_MAX_LIVE; i++)
        if (slots[i] == p)
            slots[i] = NULL;
}

/* Stop a server started with so_start. */
static inline void so_stop(mock_proc *m)
{
    so_untrack((void **)so_live_mocks, m);
    mock_stop(m);
}

/* Destroy an instance made with so_instance. */
static inline void so_destroy(mp_instance *inst)
{
    so_untrack((void **)so_live_insts, inst);
    it_p->destroy(inst);
}

/* Per-test teardown: whatever is left over. */
static inline int so_cleanup(void **state)
{
    (void)state;
    for (int i = 0; i < SO_MAX_LIVE; i++) {
        if (so_live_insts[i])
            it_p->destroy(so_live_insts[i]);
        if (so_live_mocks[i])
            mock_stop(so_live_mocks[i]);
        so_live_insts[i] = NULL;
        so_live_mocks[i] = NULL;
    }
    return 0;
}

#define SO_TEST(f) cmocka_unit_test_teardown(f, so_cleanup)

/* Start the mock server: flags first (e.g. "--sequence"), then the
 * scenario files by name; both lists NULL-terminated (flags may be NULL). */
static inline void so_start(mock_proc *m, const char *const *flags,
                            const char *const *scenarios)
{
    const char *args[64];
    char paths[24][512];
    int n = 0;
    for (int i = 0; flags && flags[i]; i++)
        args[n++] = flags[i];
    for (int i = 0; scenarios[i] && i < 24; i++) {
        snprintf(paths[i], sizeof paths[i], "%s", scenario_path(scenarios[i]));
        args[n++] = "--scenario";
        args[n++] = paths[i];
    }
    args[n] = NULL;
    if (mock_start(m, args) != 0)
        fail_msg("mock-server did not start");
    so_track((void **)so_live_mocks, m);
}

/* An instance for `model` with api_base = the server + `base_path`, its
 * config extended by `config_extra` (e.g.
 * "\"structured_output_mode\":\"tool\"", or NULL) and its client args by
 * `client_extra` (e.g. "\"num_retries\":1", or NULL). */
static inline mp_instance *so_instance_ex(const mock_proc *m,
                                          const char *base_path,
                                          const char *model,
                                          const char *config_extra,
                                          const char *client_extra)
{
    char config[1024], client[1024];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"%s%s}", model,
             config_extra ? "," : "", config_extra ? config_extra : "");
    snprintf(client, sizeof client, "{\"api_base\":\"%s%s\",\"api_key\":"
             "\"%s\"%s%s}", m->base_url, base_path, SO_KEY,
             client_extra ? "," : "", client_extra ? client_extra : "");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create(config, client, &err);
    if (!inst)
        fail_msg("create: %s", err.message);
    so_track((void **)so_live_insts, inst);
    return inst;
}

/* The usual instance: api_base ends in /v1 as a LiteLLM proxy's usually
 * does. */
static inline mp_instance *so_instance(const mock_proc *m, const char *model,
                                       const char *config_extra)
{
    return so_instance_ex(m, "/v1", model, config_extra, NULL);
}

/* The result of one structured_output() call. */
typedef struct so_result {
    int rc;
    mp_error err;
    it_buf out;   /* what was written to the text sink */
    int writes;   /* how many write() calls */
} so_result;

static inline int so_write(void *ctx, const char *data, size_t len)
{
    so_result *r = ctx;
    r->writes++;
    it_buf_add(&r->out, data, len);
    return 0;
}

static inline void so_result_free(so_result *r)
{
    it_buf_free(&r->out);
}

/* structured_output() with a NUL-terminated request and schema. */
static inline int so_call(mp_instance *inst, const char *request,
                          const char *schema, const char *name,
                          const char *description, so_result *r)
{
    memset(r, 0, sizeof *r);
    r->err = (mp_error)MP_ERROR_INIT;
    mp_text_sink sink = {sizeof sink, r, so_write};
    r->rc = it_p->structured_output(inst, request, strlen(request), schema,
                                    strlen(schema), name, description, &sink,
                                    &r->err);
    request_log(request, (size_t)-1, r->rc);
    assert_int_equal(r->err.code, r->rc);
    return r->rc;
}

/* The call must succeed with exactly this JSON text. */
static inline void so_expect_output(const so_result *r, const char *want)
{
    if (r->rc != MP_OK)
        fail_msg("structured_output: %s: %s", mp_errname(r->rc), r->err.message);
    assert_int_equal(r->writes, 1);
    assert_non_null(r->out.data);
    assert_string_equal(r->out.data, want);
}

/* "METHOD /path" of every request the server saw, joined by " | ". */
static inline void so_requests(const mock_proc *m, char *buf, size_t cap)
{
    json_object *all = mock_requests(m, NULL);
    size_t used = 0, n = json_object_array_length(all);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(all, i);
        int w = snprintf(buf + used, cap - used, "%s%s %s", i ? " | " : "",
                         it_get_str(r, "method"), it_get_str(r, "path"));
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
    json_object_put(all);
}

static inline void so_expect_requests(const mock_proc *m, const char *want)
{
    char seen[2048];
    so_requests(m, seen, sizeof seen);
    assert_string_equal(seen, want);
}

/* The body of the i-th recorded request (a new reference). */
static inline json_object *so_body(const mock_proc *m, size_t i)
{
    json_object *all = mock_requests(m, NULL);
    assert_true(i < json_object_array_length(all));
    json_object *body = json_object_get(it_get(json_object_array_get_idx(all, i),
                                               "body"));
    json_object_put(all);
    return body;
}

#define SO_CHAT "POST /v1/chat/completions"
#define SO_V1_INFO "GET /v1/model/info"
#define SO_INFO "GET /model/info"

static inline int so_setup(void **state)
{
    (void)state;
    return it_load();
}

static inline int so_teardown(void **state)
{
    (void)state;
    return it_unload();
}

#endif
