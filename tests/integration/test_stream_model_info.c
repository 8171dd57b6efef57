/*
 * test_stream_model_info.c - what a LiteLLM proxy's /model/info says of a
 * model, used by stream(): asked once per model (the instance keeps it), its
 * max_input_tokens shown by get_config as context_window_limit when the
 * config gives none, and a warning (the request still sent) when the
 * request holds images or tools the proxy says the model cannot take.
 * Only a proxy is asked: a direct route sends no GET.  The answer is
 * shared by the process's instances with the same proxy, key and headers,
 * and asked for once when several start at once.  The probe adds little to
 * the host thread's stack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/it_harness.h"

static mock_proc mock;

#define ANSWER \
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n" \
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" \
    "data: [DONE]\n\n"

static int setup(void **state)
{
    (void)state;
    if (it_load())
        return -1;
    char *a = it_write_file("small.scn", "model: small-text-model\n"
                            "model_info: {\"max_input_tokens\": 8192, "
                            "\"supports_vision\": false, "
                            "\"supports_function_calling\": false}\n"
                            "sse: true\n--- body\n" ANSWER);
    char *b = it_write_file("big.scn", "model: big-model\n"
                            "model_info: {\"max_input_tokens\": 1000000, "
                            "\"supports_vision\": true, "
                            "\"supports_function_calling\": true}\n"
                            "sse: true\n--- body\n" ANSWER);
    int ok = a && b;
    free(a);
    free(b);
    return ok ? it_mock_start(&mock, "--scenarios", it_tmpdir(), NULL) : -1;
}

static int teardown(void **state)
{
    (void)state;
    mock_stop(&mock);
    it_tmp_cleanup();
    return it_unload();
}

static int gets(void)
{
    json_object *all = mock_requests(&mock, "/model/info");
    int n = (int)json_object_array_length(all);
    json_object_put(all);
    return n;
}

static int collect(void *ctx, const char *data, size_t len)
{
    it_buf_add(ctx, data, len);
    return 0;
}

static char *config_of(mp_instance *inst)
{
    it_buf b = {0};
    mp_text_sink sink = {sizeof sink, &b, collect};
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(it_p->get_config(inst, &sink, &err), MP_OK);
    return b.data;
}

#define IMAGE_AND_TOOLS "{\"messages\":[{\"role\":\"user\",\"content\":[" \
    "{\"text\":\"what is this?\"},{\"image\":{\"format\":\"png\",\"source\":" \
    "{\"bytes\":\"iVBORw0KGgo=\"}}}]}],\"tool_specs\":[{\"name\":\"t\"," \
    "\"description\":\"d\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}]}"

static void test_warns_and_learns_the_window(void **state)
{
    (void)state;
    char *args = it_client_args(mock.base_url, "sk-x", NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"small-text-model\"}", args,
                                  &err);
    assert_non_null(inst);
    /* Nothing asked yet: get_config never goes to the network. */
    char *before = config_of(inst);
    assert_null(strstr(before, "context_window_limit"));
    free(before);
    int gets0 = gets();
    free(it_logs());
    it_events ev;
    it_events_init(&ev);
    assert_int_equal(it_stream(inst, IMAGE_AND_TOOLS, &ev, &err), MP_OK);
    it_events_free(&ev);
    assert_int_equal(gets(), gets0 + 1);
    char *logs = it_logs();
    assert_non_null(strstr(logs, "model \"small-text-model\": the proxy's "
                            "/model/info says supports_vision is false, but "
                            "the request holds images; sending it anyway"));
    assert_non_null(strstr(logs, "supports_function_calling is false, but the "
                                 "request offers tools"));
    free(logs);
    char *after = config_of(inst);
    assert_non_null(strstr(after, "\"context_window_limit\":8192"));
    free(after);
    /* Asked once: the second call uses what it learned. */
    it_events_init(&ev);
    assert_int_equal(it_stream(inst, it_hello_request, &ev, &err), MP_OK);
    it_events_free(&ev);
    assert_int_equal(gets(), gets0 + 1);
    it_p->destroy(inst);
    free(args);
}

static void test_configured_window_wins_and_capable_model_is_quiet(void **state)
{
    (void)state;
    char *args = it_client_args(mock.base_url, "sk-x", NULL);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"big-model\","
                                  "\"context_window_limit\":4096}", args, &err);
    assert_non_null(inst);
    free(it_logs());
    it_events ev;
    it_events_init(&ev);
    assert_int_equal(it_stream(inst, IMAGE_AND_TOOLS, &ev, &err), MP_OK);
    it_events_free(&ev);
    char *logs = it_logs();
    assert_null(strstr(logs, "model \"big-model\": the proxy's"));
    free(logs);
    char *cfg = config_of(inst);
    assert_non_null(strstr(cfg, "\"context_window_limit\":4096"));
    assert_null(strstr(cfg, "1000000"));
    free(cfg);
    it_p->destroy(inst);
    free(args);
}

/* A direct route has no /model/info: nothing is asked. */
static void test_direct_route_asks_nothing(void **state)
{
    (void)state;
    int gets0 = gets();
    char args[512];
    snprintf(args, sizeof args, "{\"api_base\":\"%s\",\"api_key\":\"k\"}",
             mock.base_url);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"openai/big-model\"}", args, NULL);
    assert_int_equal(c.rc, MP_OK);
    it_call_free(&c);
    assert_int_equal(gets(), gets0);
}

/* One stream() of it_hello_request on `inst` (NULL: none); the instance
 * is returned (for get_config), or destroyed and NULL on failure. */
static mp_instance *stream_on(mp_instance *inst)
{
    if (!inst)
        return NULL;
    mp_error err = MP_ERROR_INIT;
    it_events ev;
    it_events_init(&ev);
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    it_events_free(&ev);
    if (rc != MP_OK) {
        it_p->destroy(inst);
        return NULL;
    }
    return inst;
}

static mp_instance *new_instance(const char *model, const char *args)
{
    char config[128];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    mp_error err = MP_ERROR_INIT;
    return it_create(config, args, &err);
}

/* A new instance of `model` with `args` and its first stream (above). */
static mp_instance *first_stream(const char *model, const char *args)
{
    return stream_on(new_instance(model, args));
}

static void client_args(char *out, size_t size, const char *key,
                        const char *test)
{
    snprintf(out, size, "{\"api_base\":\"%s\",\"api_key\":\"%s\","
             "\"extra_headers\":{\"X-Test\":\"%s\"}}", mock.base_url, key,
             test);
}

/* The answer is the process's: a second instance on the same proxy with
 * the same key and headers takes it (no GET) and shows its window; one
 * with another key asks. */
static void test_instances_share_the_answer(void **state)
{
    (void)state;
    char args[512], other_key[512];
    client_args(args, sizeof args, "k", "share");
    client_args(other_key, sizeof other_key, "k2", "share");
    int gets0 = gets();
    mp_instance *a = first_stream("small-text-model", args);
    assert_non_null(a);
    assert_int_equal(gets(), gets0 + 1);
    mp_instance *b = first_stream("small-text-model", args);
    assert_non_null(b);
    assert_int_equal(gets(), gets0 + 1);
    char *cfg = config_of(b);
    assert_non_null(strstr(cfg, "\"context_window_limit\":8192"));
    free(cfg);
    mp_instance *c = first_stream("small-text-model", other_key);
    assert_non_null(c);
    assert_int_equal(gets(), gets0 + 2);
    it_p->destroy(a);
    it_p->destroy(b);
    it_p->destroy(c);
}

#define RACERS 8

typedef struct racer {
    pthread_barrier_t *go;
    const char *args;
    mp_instance *inst;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    mp_instance *inst = new_instance("small-text-model", r->args);
    pthread_barrier_wait(r->go);
    r->inst = stream_on(inst);
    return NULL;
}

/* Eight instances making their first call at once ask the proxy once in
 * all: one asks, the others take its answer or, while it is being asked
 * for, go on without it (their calls succeed all the same). */
static void test_first_calls_at_once_ask_once(void **state)
{
    (void)state;
    char args[512];
    client_args(args, sizeof args, "k", "race");
    int gets0 = gets();
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    racer r[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer){&go, args, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    int ok = 0;
    for (int i = 0; i < RACERS; i++)
        if (r[i].inst) {
            ok++;
            it_p->destroy(r[i].inst);
        }
    assert_int_equal(ok, RACERS);
    assert_int_equal(gets(), gets0 + 1);
}

/* Stack depth is measured on a painted stack; the sanitizers keep their
 * own frames and stacks, and valgrind calls a dead thread's stack
 * unreadable, so there the test says it was skipped. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STACK_MEASURABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STACK_MEASURABLE 0
#endif
#endif
#ifndef STACK_MEASURABLE
#define STACK_MEASURABLE 1
#endif

#define PAINTED_STACK (512 * 1024)
#define PAINT 0xA5

typedef struct first_call {
    const char *model;
    int rc;
} first_call;

static void *run_first_call(void *arg)
{
    first_call *f = arg;
    /* Headers of its own: no other test's answer is shared with it. */
    char args[512];
    snprintf(args, sizeof args, "{\"api_base\":\"%s\",\"api_key\":\"k\","
             "\"extra_headers\":{\"X-Test\":\"stack\"}}", mock.base_url);
    char config[128];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", f->model);
    it_call c;
    it_call_run(&c, config, args, NULL);
    f->rc = c.rc;
    it_call_free(&c);
    return NULL;
}

/* The deepest byte of its painted stack a fresh thread's instance reached
 * in its first call (create, stream, destroy) for `model`. */
static size_t stack_used(const char *model)
{
    unsigned char *stack = aligned_alloc(4096, PAINTED_STACK);
    assert_non_null(stack);
    memset(stack, PAINT, PAINTED_STACK);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstack(&attr, stack, PAINTED_STACK), 0);
    first_call f = {model, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, &attr, run_first_call, &f), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    size_t untouched = 0;
    while (untouched < PAINTED_STACK && stack[untouched] == PAINT)
        untouched++;
    free(stack);
    assert_int_equal(f.rc, MP_OK);
    return PAINTED_STACK - untouched;
}

/* The probe runs inside a stream's first call, on the host's thread, and
 * what it puts on the stack stays resident for that thread's life (a host
 * running a thousand streams has a thousand such stacks).  A first call
 * through the proxy, probe included, goes at most 3 KiB deeper than one on
 * a direct route; it went 6 KiB deeper while the probe kept its steps'
 * errors (2 KiB each) on the stack. */
static void test_probe_adds_little_stack(void **state)
{
    (void)state;
    if (!STACK_MEASURABLE || RUNNING_ON_VALGRIND)
        skip();
    int gets0 = gets();
    size_t proxy = stack_used("big-model");
    assert_int_equal(gets(), gets0 + 1); /* the probe ran */
    size_t direct = stack_used("openai/big-model");
    assert_int_equal(gets(), gets0 + 1);
    if (proxy > direct + 3072)
        fail_msg("a first call through the proxy used %zu bytes of stack, "
                 "%zu more than on a direct route (%zu)", proxy,
                 proxy - direct, direct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warns_and_learns_the_window),
        cmocka_unit_test(test_configured_window_wins_and_capable_model_is_quiet),
        cmocka_unit_test(test_direct_route_asks_nothing),
        cmocka_unit_test(test_probe_adds_little_stack),
        cmocka_unit_test(test_instances_share_the_answer),
        cmocka_unit_test(test_first_calls_at_once_ask_once),
    };
    return cmocka_run_group_tests_name("stream: proxy model info", tests,
                                       setup, teardown);
}
