/*
 * host_test.h - helpers for the end-to-end tests of build/agent-host
 * (tests/integration/test_host_*.c): run the host as a child process and
 * capture its exit status, stdout and stderr; a private temp directory;
 * small file and JSON helpers; the test's mock server; a "rebuilt" plugin
 * for reload tests.
 * Header-only so that each test program stays one file (the Makefile
 * builds tests/integration/test_*.c alone).  Include it after cmocka.h.
 */
#ifndef TEST_HOST_TEST_H
#define TEST_HOST_TEST_H

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../abi/model_provider.h"
#include "../support/it_harness.h"
#include "../support/mock_proc.h"
#include "../support/test_paths.h"

#define HT_UNUSED __attribute__((unused))
#define HOST_BIN LP_BUILD_DIR "/agent-host"
#define LITELLM_SO LP_BUILD_DIR "/litellm_provider.so"
#define REPLAY_SO LP_BUILD_DIR "/replay_provider.so"

typedef struct host_run {
    int status; /* exit code; 128 + N when killed by signal N */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr */
    long writes; /* write() calls the child made (its /proc syscw), -1 if
                    unknown */
} host_run;

/* The room a buffer of `need` bytes gets: a power of two, so that
 * appending n bytes in pieces copies O(n) bytes in all (a plugin image of
 * megabytes read in 64 KiB pieces would otherwise be copied over and over,
 * which under ASan takes long enough to upset timed tests). */
static size_t ht_room(size_t need)
{
    size_t room = 64;
    while (room < need)
        room *= 2;
    return room;
}

/* Buffers grown only here, from NULL. */
static void ht_append(char **buf, size_t *len, const char *p, size_t n)
{
    char *grown = *buf;
    if (!grown || ht_room(*len + n + 1) != ht_room(*len + 1))
        grown = realloc(*buf, ht_room(*len + n + 1));
    if (!grown)
        abort();
    memcpy(grown + *len, p, n);
    *len += n;
    grown[*len] = '\0';
    *buf = grown;
}

/* Run agent-host with `args` (NULL-terminated, without the program),
 * `input` on stdin (or nothing), extra "NAME=VALUE" environment entries
 * (NULL-terminated, or NULL), stdin read from the file `in_file` instead
 * of `input` when it is not NULL, and stdout going to the file `out_file`
 * (e.g. "/dev/full") instead of r->out when it is not NULL.  The child is
 * killed after 30 s. */
static HT_UNUSED int host_exec_io(host_run *r, const char *const *args,
                                  const char *input, const char *const *env,
                                  const char *in_file, const char *out_file)
{
    int in[2], out[2], err[2];
    memset(r, 0, sizeof *r);
    if (pipe(in) || pipe(out) || pipe(err))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int i = 0; i < 2; i++) {
            close(in[i]);
            close(out[i]);
            close(err[i]);
        }
        for (int i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (in_file && !freopen(in_file, "r", stdin))
            _exit(126);
        if (out_file && !freopen(out_file, "w", stdout))
            _exit(126);
        const char *argv[64];
        int n = 0;
        argv[n++] = HOST_BIN;
        for (int i = 0; args[i] && n < 63; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        alarm(30);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (input && write(in[1], input, strlen(input)) < 0)
        perror("host_exec: write");
    close(in[1]);
    size_t lens[2] = {0, 0};
    char **bufs[2] = {&r->out, &r->err};
    struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    ht_append(&r->out, &lens[0], "", 0);
    ht_append(&r->err, &lens[1], "", 0);
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            char chunk[4096];
            ssize_t got = read(p[i].fd, chunk, sizeof chunk);
            if (got > 0) {
                ht_append(bufs[i], &lens[i], chunk, (size_t)got);
            } else {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
    int st = 0;
    r->writes = it_child_writes(pid);
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

static HT_UNUSED int host_exec_to(host_run *r, const char *const *args,
                                  const char *input, const char *const *env,
                                  const char *out_file)
{
    return host_exec_io(r, args, input, env, NULL, out_file);
}

static HT_UNUSED int host_exec(host_run *r, const char *const *args,
                               const char *input, const char *const *env)
{
    return host_exec_io(r, args, input, env, NULL, NULL);
}

/* A child a test started by hand (fork + exec), or 0: ht_teardown_test
 * kills it if an assertion left it running. */
static pid_t ht_child;

/* Wait up to `ms` for child `pid` to exit, then kill it (SIGKILL) and
 * reap it.  Returns its status as host_run.status has it (128 + N when
 * killed by signal N), or -1 if it cannot be waited for. */
static HT_UNUSED int ht_wait_child(pid_t pid, int ms)
{
    int st = 0;
    pid_t got = 0;
    for (int waited = 0; (got = waitpid(pid, &st, WNOHANG)) == 0 && waited < ms;
         waited += 10)
        usleep(10000);
    if (got == 0) {
        fprintf(stderr, "child %d still running after %d ms: killed\n", (int)pid, ms);
        kill(pid, SIGKILL);
        got = waitpid(pid, &st, 0);
    }
    if (pid == ht_child)
        ht_child = 0;
    if (got != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static HT_UNUSED void host_run_free(host_run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Print what the host said, for a failing test's log. */
static HT_UNUSED void host_dump(const host_run *r)
{
    fprintf(stderr, "agent-host exit %d\n--- stdout\n%s--- stderr\n%s---\n",
            r->status, r->out ? r->out : "", r->err ? r->err : "");
}

/* The host exited with `status`; if not, what it printed goes to the log
 * before the assertion fails. */
static HT_UNUSED void ht_expect_status(const host_run *r, int status)
{
    if (r->status != status)
        host_dump(r);
    assert_int_equal(r->status, status);
}

/* A fresh private directory for one test program, and paths in it. */
static char ht_dir[64];

static HT_UNUSED const char *ht_tmpdir(void)
{
    if (!ht_dir[0]) {
        snprintf(ht_dir, sizeof ht_dir, "/tmp/host-test-XXXXXX");
        if (!mkdtemp(ht_dir))
            abort();
    }
    return ht_dir;
}

static HT_UNUSED const char *ht_path(const char *name)
{
    static char bufs[8][256];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 256, "%s/%s", ht_tmpdir(), name);
    return b;
}

static HT_UNUSED void ht_cleanup(void)
{
    it_tmp_cleanup(); /* mock-server records live there */
    if (ht_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ht_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", ht_dir);
        ht_dir[0] = '\0';
    }
}

/* cmocka group teardown of the host tests: remove the temp directory. */
static HT_UNUSED int ht_teardown_all(void **state)
{
    (void)state;
    ht_cleanup();
    return 0;
}

/* The mock server a host test starts (each its own, with the scenarios it
 * needs); ht_stop_mock, that test's teardown, stops it even when the test
 * failed half-way. */
static HT_UNUSED mock_proc g_mock;

static HT_UNUSED int ht_stop_mock(void **state)
{
    (void)state;
    if (g_mock.pid > 0)
        mock_stop(&g_mock);
    return 0;
}

/* The teardown of a test that also starts a child by hand (ht_child):
 * stop the mock server, and kill and reap the child if it is still
 * running. */
static HT_UNUSED int ht_teardown_test(void **state)
{
    if (ht_child > 0)
        ht_wait_child(ht_child, 0);
    return ht_stop_mock(state);
}

static HT_UNUSED char *ht_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, n;
    char chunk[4096];
    ht_append(&buf, &len, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ht_append(&buf, &len, chunk, n);
    fclose(f);
    return buf;
}

static HT_UNUSED int ht_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Number of times `needle` occurs in `hay`. */
static HT_UNUSED int ht_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* A JSON value at a simple path like "body.messages[2].content" (keys
 * and [index] steps), borrowed from `root`; NULL when absent. */
static HT_UNUSED json_object *ht_at(json_object *root, const char *path)
{
    json_object *cur = root;
    char key[128];
    for (const char *p = path; cur && *p;) {
        if (*p == '.') {
            p++;
        } else if (*p == '[') {
            size_t i = strtoul(p + 1, (char **)&p, 10);
            p += *p == ']';
            cur = json_object_is_type(cur, json_type_array) &&
                          i < json_object_array_length(cur)
                      ? json_object_array_get_idx(cur, i) : NULL;
        } else {
            size_t n = strcspn(p, ".[");
            snprintf(key, sizeof key, "%.*s", (int)n, p);
            p += n;
            if (!json_object_object_get_ex(cur, key, &cur))
                cur = NULL;
        }
    }
    return cur;
}

static HT_UNUSED const char *ht_str(json_object *root, const char *path)
{
    json_object *v = ht_at(root, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static HT_UNUSED size_t ht_len(json_object *root, const char *path)
{
    json_object *v = ht_at(root, path);
    return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

/* ---- a "rebuilt" plugin ------------------------------------------------ */

/* The version string of build/litellm_provider.so, and a "rebuilt" one
 * of the same length (its first character changed). */
static char ht_built[32], ht_rebuilt[32];

static HT_UNUSED void ht_plugin_versions(void)
{
    uint32_t minor = MP_ABI_MINOR;
    const mp_provider_v1 *d = NULL; /* the same sources, linked in */
    if (mp_provider_entry_v1(&minor, &d) != MP_OK)
        abort();
    snprintf(ht_built, sizeof ht_built, "%s", d->version);
    snprintf(ht_rebuilt, sizeof ht_rebuilt, "%s", d->version);
    ht_rebuilt[0] = ht_rebuilt[0] == '9' ? '8' : '9';
}

/* "Rebuild" the plugin: a new file at `dst` (new inode, as a linker
 * writes it) with the bytes of build/litellm_provider.so, and when
 * `version` is not NULL its version string replaced by that one: new code
 * that says so through its descriptor. */
static HT_UNUSED void ht_install_plugin(const char *dst, const char *version)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.new", dst);
    FILE *in = fopen(LITELLM_SO, "rb"), *out = fopen(tmp, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char *image = NULL, chunk[65536];
    size_t n = 0, got;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        ht_append(&image, &n, chunk, got);
    fclose(in);
    assert_true(n > 0);
    if (version) {
        /* The string with its NUL on both sides, so only it matches. */
        char needle[34];
        size_t len = strlen(ht_built) + 2;
        snprintf(needle + 1, sizeof needle - 1, "%s", ht_built);
        needle[0] = '\0';
        char *at = memmem(image, n, needle, len);
        assert_non_null(at);
        assert_null(memmem(at + 1, n - (size_t)(at + 1 - image), needle, len));
        memcpy(at + 1, version, strlen(version));
    }
    assert_int_equal(fwrite(image, 1, n, out), n);
    free(image);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(rename(tmp, dst), 0);
}

#endif
