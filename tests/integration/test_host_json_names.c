/*
 * test_host_json_names.c - a host whose own functions carry json-c's
 * names, exported without a symbol version: a host program linked with
 * -rdynamic (as hosts of plugins often are) that has its own helpers, or
 * a JSON library linked in statically (Jansson has a json_object_get of
 * its own, with another meaning), or an unversioned json-c (0.13 and
 * older).  The executable comes first in the process's symbol lookup, so
 * a plugin linked against libjson-c.so would call these.  Both plugins
 * carry their own json-c, bound inside the .so (Makefile, PLUGIN_LIBS):
 * loading them must not bring libjson-c.so in, and a whole conversation,
 * update_config and get_config must work and never reach the host's
 * functions.
 *
 * Built by its own rule (Makefile): it links neither json-c nor the
 * test support code, which uses json-c; it starts build/mock-server
 * itself.
 */
#include <dlfcn.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../abi/model_provider.h"

/* ---- the host's own functions with json-c's names ---------------------- */

static int host_calls;          /* how often the plugins reached them */
static char host_last[64];      /* the last one reached                  */

static void reached(const char *name)
{
    host_calls++;
    snprintf(host_last, sizeof host_last, "%s", name);
}

#define HOST_FN __attribute__((visibility("default"), used))

/* Jansson's signature: the member `key` of `object`. */
HOST_FN void *json_object_get(const void *object, const char *key)
{
    (void)object, (void)key;
    reached("json_object_get");
    return NULL;
}

HOST_FN int json_object_put(void *object)
{
    (void)object;
    reached("json_object_put");
    return 0;
}

HOST_FN void *json_tokener_parse_ex(void *tok, const char *text, int len)
{
    (void)tok, (void)text, (void)len;
    reached("json_tokener_parse_ex");
    return NULL;
}

HOST_FN void *json_object_new_object(void)
{
    reached("json_object_new_object");
    return NULL;
}

HOST_FN int json_object_object_add(void *object, const char *key, void *value)
{
    (void)object, (void)key, (void)value;
    reached("json_object_object_add");
    return -1;
}

HOST_FN const char *json_object_get_string(void *object)
{
    (void)object;
    reached("json_object_get_string");
    return "the host's";
}

/* ---- build/mock-server -------------------------------------------------- */

static pid_t server_pid;
static char base_url[64];

static int server_start(const char *scenario)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t parent = getpid();
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* gone with the test */
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(LP_BUILD_DIR "/mock-server", "mock-server", "--quiet",
              "--sequence", "--scenario", scenario, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[128];
    int port = 0;
    int ok = f && fgets(line, sizeof line, f) &&
             sscanf(line, "PORT=%d", &port) == 1;
    if (f)
        fclose(f);
    if (!ok) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
        return -1;
    }
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", port);
    return 0;
}

static void server_stop(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
}

/* ---- a plugin, loaded as a host loads it -------------------------------- */

typedef struct loaded {
    void *dl;
    const mp_provider_v1 *p;
} loaded;

/* dl_iterate_phdr: the path of a loaded libjson-c, if any. */
static int find_json_c(struct dl_phdr_info *info, size_t size, void *out)
{
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "libjson-c")) {
        snprintf(out, 256, "%s", info->dlpi_name);
        return 1;
    }
    return 0;
}

/* Fails the test with what the plugin reached of the host's, if anything:
 * a plugin that called them fails on their wrong answers first. */
static void fail_with_calls(const char *what, const char *why)
{
    if (host_calls)
        fail_msg("%s: %s (the plugin called the host's %s, %d calls: its "
                 "json-c is not its own)", what, why, host_last, host_calls);
    fail_msg("%s: %s", what, why);
}

static void load(loaded *l, const char *path)
{
    /* The premise: the loader sees the host's functions under these names. */
    assert_ptr_equal(dlsym(RTLD_DEFAULT, "json_object_get"), (void *)json_object_get);
    assert_ptr_equal(dlsym(RTLD_DEFAULT, "json_tokener_parse_ex"),
                     (void *)json_tokener_parse_ex);
    l->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!l->dl)
        fail_msg("dlopen %s: %s", path, dlerror());
    char jsonc[256] = "";
    dl_iterate_phdr(find_json_c, jsonc);
    if (jsonc[0])
        fail_msg("loading %s brought %s into the process", path, jsonc);
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(l->dl, MP_ENTRY_SYMBOL_V1);
    assert_non_null(entry);
    uint32_t minor = MP_ABI_MINOR;
    assert_int_equal(entry(&minor, &l->p), MP_OK);
    mp_host_v1 host = {sizeof host, NULL, NULL};
    mp_error err = MP_ERROR_INIT;
    if (l->p->init(&host, &err))
        fail_with_calls("init", err.message);
}

static void unload(loaded *l)
{
    assert_int_equal(l->p->deinit(), MP_OK);
    assert_int_equal(dlclose(l->dl), 0);
}

typedef struct collected {
    char text[256];
    size_t len;
    int stops;
} collected;

static int on_event(void *ctx, const mp_event_header *ev)
{
    collected *c = ctx;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind == MP_DELTA_TEXT && c->len + d->text.len < sizeof c->text) {
            memcpy(c->text + c->len, d->text.ptr, d->text.len);
            c->len += d->text.len;
        }
    }
    if (ev->type == MP_EVENT_MESSAGE_STOP)
        c->stops++;
    return 0;
}

static int add_text(void *ctx, const char *data, size_t len)
{
    collected *c = ctx;
    if (c->len + len >= sizeof c->text)
        return 1;
    memcpy(c->text + c->len, data, len);
    c->len += len;
    c->text[c->len] = '\0';
    return 0;
}

static void assert_host_not_reached(void)
{
    if (host_calls)
        fail_msg("the plugin called the host's %s (%d calls): its json-c "
                 "is not its own", host_last, host_calls);
}

/* ---- the tests ---------------------------------------------------------- */

static void test_litellm_plugin_keeps_its_json_c(void **state)
{
    (void)state;
    host_calls = 0;
    assert_int_equal(server_start(LP_SOURCE_DIR "/tests/scenarios/host_text_ok.scn"), 0);
    loaded l;
    load(&l, LP_BUILD_DIR "/litellm_provider.so");
    char args[256];
    snprintf(args, sizeof args, "{\"api_base\":\"%s\",\"api_key\":\"sk-names-1\"}",
             base_url);
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    if (l.p->create("{\"model_id\":\"mock\",\"params\":{\"max_tokens\":64}}",
                    args, &inst, &err))
        fail_with_calls("create", err.message);

    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}],"
        "\"system_prompt\":\"Be brief.\"}";
    collected c;
    memset(&c, 0, sizeof c);
    mp_event_sink sink = {sizeof sink, &c, on_event};
    int rc = l.p->stream(inst, req, strlen(req), &sink, &err);
    if (rc)
        fail_with_calls("stream", err.message);
    c.text[c.len] = '\0';
    assert_string_equal(c.text, "All good.");
    assert_int_equal(c.stops, 1);

    if (l.p->update_config(inst, "{\"params\":{\"temperature\":0.25}}", (size_t)-1, &err))
        fail_with_calls("update_config", err.message);
    collected cfg;
    memset(&cfg, 0, sizeof cfg);
    mp_text_sink out = {sizeof out, &cfg, add_text};
    if (l.p->get_config(inst, &out, &err))
        fail_with_calls("get_config", err.message);
    assert_non_null(strstr(cfg.text, "\"temperature\":0.25"));
    assert_non_null(strstr(cfg.text, "\"model_id\":\"mock\""));

    l.p->destroy(inst);
    unload(&l);
    server_stop();
    assert_host_not_reached();
}

static void test_replay_plugin_keeps_its_json_c(void **state)
{
    (void)state;
    host_calls = 0;
    loaded l;
    load(&l, LP_BUILD_DIR "/replay_provider.so");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    if (l.p->create("{\"events_file\":\"" LP_SOURCE_DIR
                    "/tests/fixtures/expected/openai_gpt4o_text_plain.events.jsonl\"}",
                    NULL, &inst, &err))
        fail_with_calls("create", err.message);
    static const char req[] =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
    collected c;
    memset(&c, 0, sizeof c);
    mp_event_sink sink = {sizeof sink, &c, on_event};
    if (l.p->stream(inst, req, strlen(req), &sink, &err))
        fail_with_calls("stream", err.message);
    c.text[c.len < sizeof c.text ? c.len : sizeof c.text - 1] = '\0';
    assert_true(c.len > 0);
    assert_int_equal(strncmp(c.text, "I'm unable to provide real-time", 31), 0);
    assert_int_equal(c.stops, 1);
    l.p->destroy(inst);
    unload(&l);
    assert_host_not_reached();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_litellm_plugin_keeps_its_json_c),
        cmocka_unit_test(test_replay_plugin_keeps_its_json_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
