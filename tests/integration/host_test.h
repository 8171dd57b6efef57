/*
 * host_test.h - helpers for the end-to-end tests of build/agent-host
 * (tests/integration/test_host_*.c): run the host as a child process and
 * capture its exit status, stdout and stderr; a private temp directory;
 * small file and JSON helpers.  Header-only so that each test program
 * stays one file (the Makefile builds tests/integration/test_*.c alone).
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

#ifndef LP_BUILD_DIR
#define LP_BUILD_DIR "build"
#endif

#define HT_UNUSED __attribute__((unused))
#define HOST_BIN LP_BUILD_DIR "/agent-host"
#define LITELLM_SO LP_BUILD_DIR "/litellm_provider.so"
#define REPLAY_SO LP_BUILD_DIR "/replay_provider.so"

typedef struct host_run {
    int status; /* exit code; 128 + N when killed by signal N */
    char *out;  /* stdout, NUL-terminated */
    char *err;  /* stderr */
} host_run;

static void ht_append(char **buf, size_t *len, const char *p, size_t n)
{
    char *grown = realloc(*buf, *len + n + 1);
    if (!grown)
        abort();
    memcpy(grown + *len, p, n);
    *len += n;
    grown[*len] = '\0';
    *buf = grown;
}

/* Run agent-host with `args` (NULL-terminated, without the program),
 * `input` on stdin (or nothing), and extra "NAME=VALUE" environment
 * entries (NULL-terminated, or NULL).  The child is killed after 30 s. */
static HT_UNUSED int host_exec(host_run *r, const char *const *args,
                               const char *input, const char *const *env)
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
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
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
    if (ht_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ht_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", ht_dir);
        ht_dir[0] = '\0';
    }
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

#endif
