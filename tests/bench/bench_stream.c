/*
 * bench_stream.c - `make bench`, streaming half.
 *
 * CPU: a 100k-chunk stream from build/mock-server (bench_100k.scn), read
 * once by the real plugin (loaded with hp_module_load, events only
 * counted) and once by a baseline client that does the least any correct
 * client must: libcurl receives the bytes, a minimal SSE line split finds
 * each `data:` payload, json-c parses it (json_tokener_parse_ex) and frees
 * it.  CPU time (getrusage RUSAGE_SELF, user + sys) is taken around the
 * stream call only, in a fresh child process per run; RUNS runs each,
 * interleaved, median reported, with the ratio plugin / baseline.
 *
 * Memory: peak RSS (ru_maxrss, and VmHWM of the child's own address space)
 * of a fresh child streaming 1M chunks vs 10k chunks through a host that
 * keeps no text; the difference should stay within 1 MiB.
 *
 * Usage: bench_stream                 run everything and print results
 *        bench_stream plugin|baseline URL MODEL      one run (internal)
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/it_harness.h"

#define RUNS 5
#define MEM_RUNS 3
#define CPU_CHUNKS 100000.0

typedef struct result {
    double cpu_us;  /* user + sys around the stream */
    long count;     /* text deltas (plugin) or parsed payloads (baseline) */
    long maxrss_kb; /* ru_maxrss at the end */
    long hwm_kb;    /* VmHWM at the end */
} result;

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void finish(result *r)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r->maxrss_kb = ru.ru_maxrss;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &r->hwm_kb) == 1)
            break;
    if (f)
        fclose(f);
    printf("RESULT %.0f %ld %ld %ld\n", r->cpu_us, r->count, r->maxrss_kb,
           r->hwm_kb);
}

/* ------------------------------------------------------------- plugin */

static int run_plugin(const char *url, const char *model)
{
    if (it_load())
        return 1;
    char config[128];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    char *args = it_client_args(url, NULL, "\"timeout\":300");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create(config, args, &err);
    free(args);
    if (!inst) {
        fprintf(stderr, "create: %s\n", err.message);
        return 1;
    }
    it_events ev;
    it_events_init(&ev);
    ev.no_json = ev.no_assemble = 1; /* a host that keeps no text */
    result r = {0};
    double t0 = cpu_us();
    int rc = it_stream(inst, it_hello_request, &ev, &err);
    r.cpu_us = cpu_us() - t0;
    if (rc) {
        fprintf(stderr, "stream: %s: %s\n", mp_errname(rc), err.message);
        return 1;
    }
    r.count = ev.by_type[MP_EVENT_BLOCK_DELTA];
    finish(&r);
    it_events_free(&ev);
    it_p->destroy(inst);
    return it_unload() ? 1 : 0;
}

/* ----------------------------------------------------------- baseline */

typedef struct base {
    json_tokener *tok;
    char *carry;        /* a line cut by the end of a write */
    size_t carry_len, carry_cap;
    long payloads;
    int bad;
} base;

static void payload(base *b, const char *line, size_t n)
{
    if (n < 5 || memcmp(line, "data:", 5) != 0)
        return; /* blank line, comment or another field */
    line += 5;
    n -= 5;
    if (n && *line == ' ')
        line++, n--;
    if (n == 6 && memcmp(line, "[DONE]", 6) == 0)
        return;
    json_tokener_reset(b->tok);
    json_object *o = json_tokener_parse_ex(b->tok, line, (int)n);
    if (!o)
        b->bad = 1;
    json_object_put(o);
    b->payloads++;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
    base *b = ctx;
    size_t n = size * nmemb;
    const char *s = p, *end = p + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            size_t rest = (size_t)(end - s);
            if (b->carry_len + rest > b->carry_cap) {
                b->carry_cap = (b->carry_len + rest) * 2;
                b->carry = realloc(b->carry, b->carry_cap);
                if (!b->carry)
                    return 0;
            }
            memcpy(b->carry + b->carry_len, s, rest);
            b->carry_len += rest;
            break;
        }
        if (b->carry_len) {
            size_t k = (size_t)(nl - s);
            if (b->carry_len + k > b->carry_cap) {
                b->carry_cap = (b->carry_len + k) * 2;
                b->carry = realloc(b->carry, b->carry_cap);
                if (!b->carry)
                    return 0;
            }
            memcpy(b->carry + b->carry_len, s, k);
            payload(b, b->carry, b->carry_len + k);
            b->carry_len = 0;
        } else {
            payload(b, s, (size_t)(nl - s));
        }
        s = nl + 1;
    }
    return n;
}

static int run_baseline(const char *url, const char *model)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *e = curl_easy_init();
    char target[256], body[512];
    snprintf(target, sizeof target, "%s/chat/completions", url);
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"messages\":[{\"role\":"
             "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
             "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
             model);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: text/event-stream");
    base b = {0};
    b.tok = json_tokener_new();
    curl_easy_setopt(e, CURLOPT_URL, target);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 16L * 1024);
    result r = {0};
    double t0 = cpu_us();
    CURLcode cc = curl_easy_perform(e);
    r.cpu_us = cpu_us() - t0;
    if (cc != CURLE_OK || b.bad) {
        fprintf(stderr, "baseline: %s%s\n", curl_easy_strerror(cc),
                b.bad ? " (a payload did not parse)" : "");
        return 1;
    }
    r.count = b.payloads;
    finish(&r);
    json_tokener_free(b.tok);
    free(b.carry);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    curl_global_cleanup();
    return 0;
}

/* ------------------------------------------------------- orchestration */

/* Run this program again as a child in `mode`; parse its RESULT line. */
static int child(const char *mode, const char *url, const char *model,
                 result *r)
{
    int fds[2];
    if (pipe(fds))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/proc/self/exe", "bench_stream", mode, url, model, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[256];
    int ok = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RESULT %lf %ld %ld %ld", &r->cpu_us, &r->count,
                   &r->maxrss_kb, &r->hwm_kb) == 4)
            ok = 1;
    if (f)
        fclose(f);
    int status;
    waitpid(pid, &status, 0);
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_all(void)
{
    mock_proc m;
    if (it_mock_scenarios(&m, 0, "bench_100k.scn", "bench_1m.scn",
                          "it_bench_10k.scn", NULL)) {
        fprintf(stderr, "bench_stream: cannot start the mock server\n");
        return 1;
    }
    double plug[RUNS], bl[RUNS];
    int failed = 0;
    for (int i = 0; i < RUNS && !failed; i++) {
        result a, b;
        if (child("plugin", m.base_url, "bench-100k", &a) ||
            child("baseline", m.base_url, "bench-100k", &b)) {
            failed = 1;
            break;
        }
        if (a.count != 100000 || b.count != 100003) {
            fprintf(stderr, "bench_stream: wrong counts %ld / %ld\n", a.count,
                    b.count);
            failed = 1;
        }
        plug[i] = a.cpu_us / CPU_CHUNKS;
        bl[i] = b.cpu_us / CPU_CHUNKS;
    }
    if (!failed) {
        double p = median(plug, RUNS), b = median(bl, RUNS);
        printf("stream 100k chunks: plugin %.3f us/chunk, baseline %.3f "
               "us/chunk, ratio %.2f (target <= 1.30) [median of %d]\n",
               p, b, p / b, RUNS);
    }
    long rss_small[MEM_RUNS], rss_big[MEM_RUNS], hwm_small[MEM_RUNS],
        hwm_big[MEM_RUNS];
    for (int i = 0; i < MEM_RUNS && !failed; i++) {
        result s, g;
        if (child("plugin", m.base_url, "bench-10k", &s) ||
            child("plugin", m.base_url, "bench-1m", &g) ||
            s.count != 10000 || g.count != 1000000) {
            failed = 1;
            break;
        }
        rss_small[i] = s.maxrss_kb;
        rss_big[i] = g.maxrss_kb;
        hwm_small[i] = s.hwm_kb;
        hwm_big[i] = g.hwm_kb;
    }
    if (!failed) {
        double v[4][MEM_RUNS];
        for (int i = 0; i < MEM_RUNS; i++) {
            v[0][i] = (double)rss_small[i];
            v[1][i] = (double)rss_big[i];
            v[2][i] = (double)hwm_small[i];
            v[3][i] = (double)hwm_big[i];
        }
        double s = median(v[0], MEM_RUNS), g = median(v[1], MEM_RUNS);
        double hs = median(v[2], MEM_RUNS), hg = median(v[3], MEM_RUNS);
        printf("peak RSS: 1M chunks %.0f KiB, 10k chunks %.0f KiB, "
               "difference %+.0f KiB (target within 1024 KiB) "
               "[VmHWM %.0f vs %.0f KiB, %+.0f KiB]\n",
               g, s, g - s, hg, hs, hg - hs);
    }
    mock_stop(&m);
    if (failed)
        fprintf(stderr, "bench_stream: a run failed\n");
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "plugin") == 0)
        return run_plugin(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "baseline") == 0)
        return run_baseline(argv[2], argv[3]);
    if (argc == 1)
        return run_all();
    fprintf(stderr, "usage: bench_stream [plugin|baseline URL MODEL]\n");
    return 2;
}
