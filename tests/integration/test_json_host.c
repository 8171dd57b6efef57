/*
 * test_json_host.c - a host written the way a Python (ctypes) or Go (cgo)
 * host would use ABI 1.1: it mirrors the descriptor and nothing else.  No
 * event struct, no mp_error field, no inline helper of the header: events
 * arrive as Strands StreamEvent JSON lines (stream_json), the message
 * comes from the plugin's accumulator as JSON, an error is a plain
 * 4096-byte buffer read back with error_to_json, and status names come
 * from errname / strerror.
 *
 * The plugin is loaded with dlopen as such a host would (not through the
 * sample host's loader), against build/mock-server.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "../../abi/model_provider.h" /* for mp_provider_v1 alone */
#include "../support/mock_proc.h"
#include "../support/test_paths.h"
#include "../../host-sample/request_log.h"

static mock_proc g_mock;
static void *g_dl;
static const mp_provider_v1 *g_p;
static mp_instance *g_inst;

/* An error buffer as an FFI host has one: raw bytes, its size first. */
typedef struct errbuf { unsigned char bytes[4096]; } errbuf;

static void *err_of(errbuf *e)
{
    memset(e, 0, sizeof *e);
    uint32_t size = sizeof e->bytes;
    memcpy(e->bytes, &size, sizeof size);
    return e->bytes;
}

/* ---- text callbacks ---------------------------------------------------- */

typedef struct text { char *data; size_t len; } text;

static int add_text(void *ctx, const char *data, size_t len)
{
    text *t = ctx;
    char *grown = realloc(t->data, t->len + len + 1);
    if (!grown)
        return 1;
    memcpy(grown + t->len, data, len);
    t->len += len;
    grown[t->len] = '\0';
    t->data = grown;
    return 0;
}

typedef struct lines {
    text all;          /* every line, as received                      */
    int count, flagged, bad, stop_after;
    unsigned last_flags;
} lines;

static int on_line(void *ctx, const char *line, size_t len, uint32_t flags)
{
    lines *l = ctx;
    l->count++;
    l->last_flags = flags;
    l->flagged += (flags & 1u) != 0; /* the documented BATCH_END bit */
    /* One line: a JSON object, '\n' last, NUL after, usable as a C string. */
    if (!len || line[len - 1] != '\n' || line[len] != '\0' ||
        strlen(line) != len || memchr(line, '\n', len - 1))
        l->bad++;
    add_text(&l->all, line, len);
    return l->stop_after && l->count == l->stop_after;
}

static json_object *error_json(void *err)
{
    text t = {0};
    assert_int_equal(g_p->error_to_json(err, add_text, &t), 0);
    json_object *o = json_tokener_parse(t.data);
    free(t.data);
    assert_non_null(o);
    return o;
}

static json_object *get(json_object *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        json_object *next = NULL;
        if (json_object_is_type(o, json_type_array))
            next = json_object_array_get_idx(o, (size_t)atoi(key));
        else
            json_object_object_get_ex(o, key, &next);
        o = next;
        path += n + (path[n] == '.');
    }
    return o;
}

static const char *str(json_object *o, const char *path)
{
    return json_object_get_string(get(o, path));
}

/* ---- set-up: load, negotiate 1.1, init, one instance --------------------- */

static int setup(void **state)
{
    (void)state;
    const char *args[] = {"--scenario", NULL, "--scenario", NULL, NULL};
    char *a = strdup(scenario_path("v11_gateway.scn"));
    char *b = strdup(scenario_path("v11_json_tool.scn"));
    args[1] = a;
    args[3] = b;
    int rc = mock_start(&g_mock, args);
    free(a);
    free(b);
    if (rc)
        return -1;
    g_dl = dlopen(LP_BUILD_DIR "/litellm_provider.so", RTLD_NOW | RTLD_LOCAL);
    mp_provider_entry_v1_fn entry =
        g_dl ? (mp_provider_entry_v1_fn)dlsym(g_dl, "mp_provider_entry_v1") : NULL;
    uint32_t minor = 1;
    if (!entry || entry(&minor, &g_p) || minor != 1 ||
        g_p->struct_size < offsetof(mp_provider_v1, accumulator_destroy) + sizeof(void *))
        return -1;
    errbuf e;
    if (g_p->init(NULL, err_of(&e)))
        return -1;
    char client[256];
    snprintf(client, sizeof client, "{\"api_base\":\"%s\",\"api_key\":\"sk-json-host\"}",
             g_mock.base_url);
    return g_p->create("{\"model_id\":\"v11-gateway\",\"reasoning_round_trip\":true}",
                       client, &g_inst, err_of(&e));
}

static int teardown(void **state)
{
    (void)state;
    if (g_p) {
        g_p->destroy(g_inst);
        g_p->deinit();
    }
    mock_stop(&g_mock);
    return g_dl ? dlclose(g_dl) : 0;
}

static const char hello[] =
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";

static void use_model(const char *model)
{
    char cfg[128];
    errbuf e;
    snprintf(cfg, sizeof cfg, "{\"model_id\":\"%s\"}", model);
    assert_int_equal(g_p->update_config(g_inst, cfg, strlen(cfg), err_of(&e)), 0);
}

/* Lines and the accumulated message of one call. */
static void test_lines_and_message(void **state)
{
    (void)state;
    use_model("v11-gateway");
    mp_accumulator *acc = NULL;
    assert_int_equal(g_p->accumulator_create(&acc), 0);
    lines l = {0};
    errbuf e;
    int rc = g_p->stream_json(g_inst, hello, strlen(hello), on_line, &l, acc,
                              err_of(&e));
    request_log(hello, (size_t)-1, rc);
    assert_int_equal(rc, 0);
    assert_int_equal(l.bad, 0);
    assert_int_equal(l.count, 8);
    assert_true(l.flagged >= 1);
    assert_int_equal(l.last_flags & 1u, 1u); /* the last line ends a batch */
    /* The lines, in order, as Strands would receive them. */
    const char *want_start = "{\"messageStart\":{\"role\":\"assistant\"}}\n"
                             "{\"responseInfo\":{\"httpStatus\":200,\"attempts\":1,"
                             "\"callId\":\"call-9f2\",";
    assert_memory_equal(l.all.data, want_start, strlen(want_start));
    assert_non_null(strstr(l.all.data, "{\"contentBlockDelta\":{\"delta\":{\"text\":"
                                       "\"Hello\"}}}\n"));
    assert_non_null(strstr(l.all.data, "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"));
    free(l.all.data);

    text t = {0};
    assert_int_equal(g_p->accumulator_result(acc, add_text, &t), 0);
    json_object *r = json_tokener_parse(t.data);
    assert_non_null(r);
    assert_string_equal(str(r, "message.role"), "assistant");
    assert_string_equal(str(r, "message.content.0.text"), "Hello, world");
    assert_string_equal(str(r, "stopReason"), "end_turn");
    assert_int_equal(json_object_get_int(get(r, "usage.totalTokens")), 5);
    assert_true(json_object_get_double(get(r, "usage.totalCostUsd")) == 0.000123);
    assert_int_equal(json_object_get_int(get(r, "usage.reasoningOutputTokens")), 1);
    assert_true(json_object_get_int(get(r, "metrics.latencyMs")) >= 0);
    assert_string_equal(str(r, "responseInfo.callId"), "call-9f2");
    assert_int_equal(json_object_get_int(get(r, "responseInfo.rateLimit.remainingRequests")), 42);
    json_object_put(r);
    free(t.data);
    g_p->accumulator_destroy(acc);
}

/* Tools: the accumulator's toolUse blocks, signature and invalid input,
 * with no line callback at all. */
static void test_tools_accumulated_without_lines(void **state)
{
    (void)state;
    use_model("v11-json-tool");
    mp_accumulator *acc = NULL;
    assert_int_equal(g_p->accumulator_create(&acc), 0);
    errbuf e;
    assert_int_equal(g_p->stream_json(g_inst, hello, strlen(hello), NULL, NULL,
                                      acc, err_of(&e)), 0);
    text t = {0};
    assert_int_equal(g_p->accumulator_result(acc, add_text, &t), 0);
    json_object *r = json_tokener_parse(t.data);
    assert_non_null(r);
    assert_string_equal(str(r, "message.content.0.reasoningContent.reasoningText.text"),
                        "Need the calculator.");
    assert_string_equal(str(r, "message.content.1.toolUse.toolUseId"), "call_a");
    assert_string_equal(str(r, "message.content.1.toolUse.input.expression"), "6 * 7");
    assert_string_equal(str(r, "message.content.1.toolUse.reasoningSignature"), "c2ln");
    assert_string_equal(str(r, "message.content.2.toolUse.toolUseId"), "call_b");
    assert_int_equal(json_object_object_length(get(r, "message.content.2.toolUse.input")), 0);
    assert_string_equal(str(r, "invalidToolInputs.0"), "call_b");
    assert_string_equal(str(r, "stopReason"), "tool_use");
    assert_true(json_object_get_double(get(r, "usage.totalCostUsd")) == 0.002);
    json_object_put(r);
    free(t.data);
    g_p->accumulator_destroy(acc);
}

/* Errors through the raw buffer: a bad request, a line callback that says
 * stop, nothing to deliver to. */
static void test_errors_without_mp_error(void **state)
{
    (void)state;
    use_model("v11-gateway");
    errbuf e;
    lines l = {0};
    int rc = g_p->stream_json(g_inst, "{\"messages\":[{\"role\":\"robot\"}]}", 31,
                              on_line, &l, NULL, err_of(&e));
    assert_int_equal(l.count, 0); /* failed before the first event: none */
    json_object *o = error_json(e.bytes);
    assert_int_equal(json_object_get_int(get(o, "code")), rc);
    assert_string_equal(str(o, "name"), g_p->errname(rc));
    assert_string_equal(g_p->errname(rc), "MP_E_INVALID_ARGUMENT");
    assert_string_equal(g_p->strerror(rc), "invalid argument");
    assert_non_null(strstr(str(o, "message"), "messages[0]"));
    json_object_put(o);

    l = (lines){.stop_after = 2};
    rc = g_p->stream_json(g_inst, hello, strlen(hello), on_line, &l, NULL,
                          err_of(&e));
    request_log(hello, (size_t)-1, rc);
    assert_int_equal(l.count, 2);
    o = error_json(e.bytes);
    assert_string_equal(str(o, "name"), "MP_E_CANCELLED");
    assert_int_equal(json_object_get_int(get(o, "code")), rc);
    json_object_put(o);
    free(l.all.data);

    rc = g_p->stream_json(g_inst, hello, strlen(hello), NULL, NULL, NULL,
                          err_of(&e));
    o = error_json(e.bytes);
    assert_string_equal(str(o, "name"), "MP_E_INVALID_ARGUMENT");
    assert_non_null(strstr(str(o, "message"), "nothing would receive the events"));
    json_object_put(o);
    /* errname of a code no minor has. */
    assert_string_equal(g_p->errname(-999), "MP_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_message),
        cmocka_unit_test(test_tools_accumulated_without_lines),
        cmocka_unit_test(test_errors_without_mp_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
