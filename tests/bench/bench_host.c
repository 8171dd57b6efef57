/*
 * bench_host.c - `make bench`, the sample host against the bare ABI.
 *
 * The same 100k-chunk stream (bench_100k.scn on build/mock-server) is read
 * by three processes, each started fresh, RUNS times, interleaved:
 *
 *   bare ABI   build/bench/bench_stream in its "plugin" mode: loads the
 *              plugin and only counts the events (no JSON, no assembly,
 *              no output);
 *   agent-host build/agent-host streaming the text to a pipe this program
 *              drains, as a terminal or a parent process would;
 *   --json     build/agent-host --json: the message assembled, nothing
 *              streamed.
 *
 * Each process's whole CPU time (user + sys, from wait4) is compared with
 * the bare ABI's, whose run does the same set-up (load, negotiate, init,
 * connect).  Also printed: the write() calls agent-host made (its /proc
 * syscw, read while it is a zombie) and when its first text reached the
 * pipe, to show it stays interactive while writing once per network read
 * (MP_EVENT_FLAG_BATCH_END) instead of once per chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/it_harness.h"

#define RUNS 9
#define CHUNKS 100000

typedef struct run {
    double cpu_ms;      /* user + sys of the whole process */
    long writes;        /* its write() calls, -1 unknown */
    double first_ms;    /* start -> first byte on its stdout, -1 none */
    double total_ms;    /* start -> exit */
    size_t out_bytes;
} run;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Run argv with stdout into a pipe drained here; 0 on a clean exit. */
static int measure(char *const argv[], run *r)
{
    int out[2];
    if (pipe(out))
        return -1;
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    memset(r, 0, sizeof *r);
    r->first_ms = -1;
    char buf[65536];
    for (;;) {
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (r->first_ms < 0)
            r->first_ms = now_ms() - t0;
        r->out_bytes += (size_t)n;
    }
    close(out[0]);
    r->writes = it_child_writes(pid);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    r->total_ms = now_ms() - t0;
    r->cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof *v, cmp);
    return v[RUNS / 2];
}

int main(void)
{
    mock_proc m;
    if (it_mock_scenarios(&m, 0, "bench_100k.scn", NULL)) {
        fprintf(stderr, "bench_host: cannot start the mock server\n");
        return 1;
    }
    char client[256];
    snprintf(client, sizeof client, "{\"api_base\":\"%s\",\"api_key\":\"sk-bench\","
             "\"timeout\":300}", m.base_url);
    char *bare[] = {LP_BUILD_DIR "/bench/bench_stream", "plugin", m.base_url,
                    "bench-100k", NULL};
    char *host[] = {LP_BUILD_DIR "/agent-host", "--config",
                    "{\"model_id\":\"bench-100k\"}", "--client-args", client,
                    "--tools", "none", "-q", "go", NULL};
    char *json[] = {LP_BUILD_DIR "/agent-host", "--config",
                    "{\"model_id\":\"bench-100k\"}", "--client-args", client,
                    "--tools", "none", "-q", "--json", "go", NULL};
    double c_bare[RUNS], c_host[RUNS], c_json[RUNS], writes[RUNS], first[RUNS],
        total[RUNS];
    int failed = 0;
    for (int i = 0; i < RUNS && !failed; i++) {
        run b, h, j;
        if (measure(bare, &b) || measure(host, &h) || measure(json, &j)) {
            failed = 1;
            break;
        }
        if (h.out_bytes != (size_t)CHUNKS * 4 + 1) {
            fprintf(stderr, "bench_host: agent-host wrote %zu bytes, expected %d\n",
                    h.out_bytes, CHUNKS * 4 + 1);
            failed = 1;
        }
        c_bare[i] = b.cpu_ms;
        c_host[i] = h.cpu_ms;
        c_json[i] = j.cpu_ms;
        writes[i] = (double)h.writes;
        first[i] = h.first_ms;
        total[i] = h.total_ms;
    }
    mock_stop(&m);
    if (failed) {
        fprintf(stderr, "bench_host: a run failed\n");
        return 1;
    }
    double b = median(c_bare), h = median(c_host), j = median(c_json);
    printf("agent-host streaming %d chunks to a pipe: %.0f ms CPU, bare ABI "
           "%.0f ms, ratio %.2f (target <= 1.30); %.0f write() calls; first "
           "text on the pipe after %.0f of %.0f ms [median of %d]\n", CHUNKS,
           h, b, h / b, median(writes), median(first), median(total), RUNS);
    printf("agent-host --json (assembled, not streamed): %.0f ms CPU, ratio "
           "%.2f to the bare ABI [median of %d]\n", j, j / b, RUNS);
    return 0;
}
