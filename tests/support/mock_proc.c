/* mock_proc.c - run build/mock-server for integration tests. */
#include "mock_proc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it_harness.h"
#include "test_paths.h"

/* tests/mock_server/json_util.c's JU_MAX_DEPTH. */
#define MOCK_RECORD_DEPTH 1024

static int counter;

int mock_start(mock_proc *m, const char *const *args)
{
    memset(m, 0, sizeof *m);
    /* In the test's private directory: a test that fails skips its
     * mock_stop, and the directory goes with the group teardown or, at
     * the latest, when the test process exits (it_tmpdir). */
    snprintf(m->record_path, sizeof m->record_path, "%s/mock-record-%d.jsonl",
             it_tmpdir(), counter++);
    unlink(m->record_path);
    const char *argv[64];
    int n = 0;
    argv[n++] = LP_BUILD_DIR "/mock-server";
    argv[n++] = "--record";
    argv[n++] = m->record_path;
    argv[n++] = "--quiet";
    for (int i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t parent = getpid();
    m->pid = fork();
    if (m->pid < 0)
        return -1;
    if (m->pid == 0) {
        /* A test that fails skips its mock_stop (cmocka jumps out): the
         * server must still go when the test process does, or it keeps
         * the test's output pipe open.  Linux sends the signal when the
         * THREAD that called mock_start exits, so start a server from a
         * thread that outlives its use (normally the main thread). */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[128];
    int ok = f && fgets(line, sizeof line, f) && sscanf(line, "PORT=%d", &m->port) == 1;
    if (f)
        fclose(f);
    if (!ok) {
        mock_stop(m);
        return -1;
    }
    snprintf(m->base_url, sizeof m->base_url, "http://127.0.0.1:%d", m->port);
    return 0;
}

void mock_stop(mock_proc *m)
{
    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        waitpid(m->pid, NULL, 0);
        m->pid = 0;
    }
    if (m->record_path[0])
        unlink(m->record_path);
}

json_object *mock_requests(const mock_proc *m, const char *path_suffix)
{
    json_object *arr = json_object_new_array();
    FILE *f = fopen(m->record_path, "r");
    if (!f)
        return arr;
    char *line = NULL;
    size_t cap = 0;
    /* As deep as the mock server reads (a deep tool schema is a request
     * like any other; json-c's default of 32 would drop its record). */
    json_tokener *tok = json_tokener_new_ex(MOCK_RECORD_DEPTH);
    ssize_t n;
    while (tok && (n = getline(&line, &cap, f)) > 0) {
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, line, (int)n);
        if (!o)
            continue;
        const char *path = json_object_get_string(json_object_object_get(o, "path"));
        /* The suffix is matched against the path without its query
         * (Azure's "?api-version=..."). */
        size_t pl = path ? strcspn(path, "?") : 0, sl = path_suffix ? strlen(path_suffix) : 0;
        if (!path_suffix || (pl >= sl && strncmp(path + pl - sl, path_suffix, sl) == 0))
            json_object_array_add(arr, o);
        else
            json_object_put(o);
    }
    if (tok)
        json_tokener_free(tok);
    free(line);
    fclose(f);
    return arr;
}

const char *scenario_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, 512, "%s/tests/scenarios/%s", LP_SOURCE_DIR, name);
    return b;
}

const char *mock_client_args(const mock_proc *m, const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "{\"api_base\":\"%s\",\"api_key\":\"sk-test-key-123456\"%s%s}",
             m->base_url, extra ? "," : "", extra ? extra : "");
    return buf;
}
