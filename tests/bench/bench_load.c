/*
 * bench_load.c - one measured run of a streaming client against
 * build/bench/bench_server, printed as one RESULT line for
 * tests/bench/run.sh to collect.  Each run is a fresh process, so peak
 * memory is the run's own.
 *
 *   bench_load stream CLIENT K N URL   K threads at once, each with its own
 *                                      client, each reading one stream of N
 *                                      content chunks
 *   bench_load request CLIENT M URL    one client, M short requests (3
 *                                      chunks) one after another on a
 *                                      reused connection
 *
 * CLIENT is one of
 *   plugin    build/litellm_provider.so through the ABI (one instance per
 *             thread; events counted, nothing kept)
 *   curljson  the least a correct client does: libcurl receives, a minimal
 *             SSE split finds each data: payload, json-c parses and frees
 *             it.  Each thread sets the C locale object for itself once
 *             (uselocale), as a client tuned for threads would: json-c
 *             0.16 otherwise takes glibc's locale lock on every parse.
 *   raw       libcurl only: the bytes are received and counted, no parse.
 *   (Both libcurl clients keep libcurl's default 16 KiB receive buffer,
 *   as the plugin does.)
 *   host      build/agent-host (the sample host, K must be 1) streaming the
 *             text to a pipe this program drains; with the 1.1 plugin it
 *             writes once per network read (the batch hint).  CPU and peak
 *             RSS are the whole child process's (start-up included).
 *
 * stream: CPU is the process's CPU time from the moment every
 * thread is ready (instances created, handles made) until every stream
 * has ended, less the sampler thread's own; the sampler reads the peak
 * thread and descriptor counts every 50 ms.  Peak RSS is VmHWM.
 * request: per request, the time to the first event (plugin) or first
 * body byte (libcurl), the time to return, and CPU; medians over M.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <json-c/json.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/it_harness.h"

enum client { PLUGIN, CURLJSON, RAW, HOST };

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double cpu_us(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* ------------------------------------------------------ the baselines */

typedef struct base {
    json_tokener *tok;
    char *carry;        /* a line cut by the end of a write */
    size_t carry_len, carry_cap;
    long payloads;
    size_t bytes;
    int bad;
    int parse;          /* curljson: 1, raw: 0 */
    double first_us;    /* first body byte */
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

static int carry_add(base *b, const char *s, size_t n)
{
    if (b->carry_len + n > b->carry_cap) {
        b->carry_cap = (b->carry_len + n) * 2;
        b->carry = realloc(b->carry, b->carry_cap);
        if (!b->carry)
            return -1;
    }
    memcpy(b->carry + b->carry_len, s, n);
    b->carry_len += n;
    return 0;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
    base *b = ctx;
    size_t n = size * nmemb;
    if (!b->first_us)
        b->first_us = now_us();
    b->bytes += n;
    if (!b->parse)
        return n;
    const char *s = p, *end = p + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) {
            if (carry_add(b, s, (size_t)(end - s)))
                return 0;
            break;
        }
        if (b->carry_len) {
            if (carry_add(b, s, (size_t)(nl - s)))
                return 0;
            payload(b, b->carry, b->carry_len);
            b->carry_len = 0;
        } else {
            payload(b, s, (size_t)(nl - s));
        }
        s = nl + 1;
    }
    return n;
}

typedef struct curl_client {
    CURL *e;
    struct curl_slist *h;
    char target[256], body[512];
    base b;
} curl_client;

static int curl_client_init(curl_client *c, const char *url, const char *model,
                            int parse)
{
    memset(c, 0, sizeof *c);
    c->e = curl_easy_init();
    snprintf(c->target, sizeof c->target, "%s/chat/completions", url);
    snprintf(c->body, sizeof c->body, "{\"model\":\"%s\",\"messages\":[{\"role\""
             ":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}],"
             "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
             model);
    c->h = curl_slist_append(NULL, "Content-Type: application/json");
    c->h = curl_slist_append(c->h, "Accept: text/event-stream");
    c->b.tok = json_tokener_new();
    c->b.parse = parse;
    curl_easy_setopt(c->e, CURLOPT_URL, c->target);
    curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, c->h);
    curl_easy_setopt(c->e, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(c->e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->e, CURLOPT_WRITEDATA, &c->b);
    curl_easy_setopt(c->e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c->e, CURLOPT_BUFFERSIZE, 16L * 1024);
    return c->e && c->b.tok ? 0 : -1;
}

static int curl_client_run(curl_client *c)
{
    c->b.payloads = 0;
    c->b.carry_len = 0;
    c->b.first_us = 0;
    CURLcode cc = curl_easy_perform(c->e);
    if (cc != CURLE_OK || c->b.bad) {
        fprintf(stderr, "bench_load: libcurl: %s%s\n", curl_easy_strerror(cc),
                c->b.bad ? " (a payload did not parse)" : "");
        return -1;
    }
    return 0;
}

static void curl_client_free(curl_client *c)
{
    json_tokener_free(c->b.tok);
    free(c->b.carry);
    curl_slist_free_all(c->h);
    curl_easy_cleanup(c->e);
}

/* --------------------------------------------------------- the plugin */

typedef struct counter {
    long deltas;
    double first_us;
} counter;

static int count_event(void *ctx, const mp_event_header *ev)
{
    counter *c = ctx;
    if (!c->first_us)
        c->first_us = now_us();
    if (ev->type == MP_EVENT_BLOCK_DELTA)
        c->deltas++;
    return 0;
}

static mp_instance *plugin_instance(const char *url, const char *model)
{
    char config[128];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    char *args = it_client_args(url, NULL, "\"timeout\":600");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create(config, args, &err);
    free(args);
    if (!inst)
        fprintf(stderr, "bench_load: create: %s\n", err.message);
    return inst;
}

static int plugin_run(mp_instance *inst, counter *c)
{
    mp_event_sink sink = {sizeof sink, c, count_event};
    mp_error err = MP_ERROR_INIT;
    c->deltas = 0;
    c->first_us = 0;
    int rc = it_p->stream(inst, it_hello_request, strlen(it_hello_request),
                          &sink, &err);
    if (rc)
        fprintf(stderr, "bench_load: stream: %s: %s\n", mp_errname(rc),
                err.message);
    return rc;
}

/* ------------------------------------------------------ K at once */

typedef struct shared {
    enum client client;
    const char *url;
    char model[32];
    pthread_barrier_t ready, done;
    atomic_long chunks;
    atomic_int failures;
} shared;

static void *stream_thread(void *arg)
{
    shared *s = arg;
    mp_instance *inst = NULL;
    curl_client cc;
    int ok = 0;
    if (s->client == PLUGIN) {
        inst = plugin_instance(s->url, s->model);
        ok = inst != NULL;
    } else {
        if (s->client == CURLJSON)
            uselocale(newlocale(LC_ALL_MASK, "C", (locale_t)0));
        ok = curl_client_init(&cc, s->url, s->model, s->client == CURLJSON) == 0;
    }
    pthread_barrier_wait(&s->ready);
    if (ok && s->client == PLUGIN) {
        counter c = {0};
        if (plugin_run(inst, &c) == 0)
            atomic_fetch_add(&s->chunks, c.deltas);
        else
            atomic_fetch_add(&s->failures, 1);
    } else if (ok) {
        if (curl_client_run(&cc) == 0)
            atomic_fetch_add(&s->chunks, s->client == CURLJSON
                                             ? cc.b.payloads - 3 /* role, finish, usage */
                                             : strtol(s->model + 6, NULL, 10));
        else
            atomic_fetch_add(&s->failures, 1);
    } else {
        atomic_fetch_add(&s->failures, 1);
    }
    pthread_barrier_wait(&s->done);
    if (inst)
        it_p->destroy(inst);
    else if (ok)
        curl_client_free(&cc);
    return NULL;
}

typedef struct sampler {
    atomic_int stop;
    int max_threads, max_fds;
    double own_cpu_us;
} sampler;

static void *sample(void *arg)
{
    sampler *sm = arg;
    while (!atomic_load(&sm->stop)) {
        int t = (int)status_kb("Threads"), f = count_fds();
        if (t > sm->max_threads)
            sm->max_threads = t;
        if (f > sm->max_fds)
            sm->max_fds = f;
        usleep(50 * 1000);
    }
    sm->own_cpu_us = cpu_us(CLOCK_THREAD_CPUTIME_ID);
    return NULL;
}

/* The scheduler's own count, to the nanosecond: getrusage's is sampled
 * at the tick, too coarse for a run of a few milliseconds. */
static double process_cpu_us(void)
{
    return cpu_us(CLOCK_PROCESS_CPUTIME_ID);
}

static int run_streams(enum client client, int k, long n, const char *url)
{
    shared s;
    memset(&s, 0, sizeof s);
    s.client = client;
    s.url = url;
    snprintf(s.model, sizeof s.model, "bench-%ld", n);
    pthread_barrier_init(&s.ready, NULL, (unsigned)k + 1);
    pthread_barrier_init(&s.done, NULL, (unsigned)k + 1);
    pthread_t *t = calloc((size_t)k, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* Small stacks, as a host running a thousand streams would pick. */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < k; i++)
        if (pthread_create(&t[i], &attr, stream_thread, &s)) {
            fprintf(stderr, "bench_load: thread %d could not start\n", i);
            return 1;
        }
    sampler sm;
    memset(&sm, 0, sizeof sm);
    pthread_t st;
    pthread_create(&st, NULL, sample, &sm);
    pthread_barrier_wait(&s.ready);
    double c0 = process_cpu_us(), w0 = now_us();
    pthread_barrier_wait(&s.done);
    double w1 = now_us();
    atomic_store(&sm.stop, 1);
    pthread_join(st, NULL);
    double c1 = process_cpu_us();
    for (int i = 0; i < k; i++)
        pthread_join(t[i], NULL);
    long chunks = atomic_load(&s.chunks);
    int failed = atomic_load(&s.failures);
    printf("RESULT chunks=%ld failures=%d cpu_us=%.0f wall_us=%.0f hwm_kb=%ld "
           "threads=%d fds=%d\n", chunks, failed, c1 - c0 - sm.own_cpu_us,
           w1 - w0, status_kb("VmHWM"), sm.max_threads, sm.max_fds);
    free(t);
    return failed || chunks != (long)k * n ? 1 : 0;
}

/* ------------------------------------------------------ the sample host */

static int run_host(long n, const char *url)
{
    char config[64], client[256];
    snprintf(config, sizeof config, "{\"model_id\":\"bench-%ld\"}", n);
    snprintf(client, sizeof client, "{\"api_base\":\"%s\",\"timeout\":600}", url);
    char *argv[] = {LP_BUILD_DIR "/agent-host", "--config", config,
                    "--client-args", client, "--tools", "none", "-q", "go", NULL};
    int out[2];
    if (pipe(out))
        return 1;
    double w0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out[1]);
    char buf[65536];
    size_t bytes = 0;
    ssize_t r;
    while ((r = read(out[0], buf, sizeof buf)) > 0)
        bytes += (size_t)r;
    close(out[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 1;
    double w1 = now_us();
    /* "tok " per chunk, and a newline at the end of the answer. */
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             bytes >= (size_t)n * 4;
    printf("RESULT chunks=%ld failures=%d cpu_us=%.0f wall_us=%.0f hwm_kb=%ld "
           "threads=-1 fds=-1\n", ok ? n : 0, !ok,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
           w1 - w0, ru.ru_maxrss);
    return ok ? 0 : 1;
}

/* --------------------------------------------------- one after another */

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

static int run_requests(enum client client, int m, const char *url)
{
    double *first = calloc((size_t)m, sizeof *first);
    double *total = calloc((size_t)m, sizeof *total);
    double *cpu = calloc((size_t)m, sizeof *cpu);
    mp_instance *inst = NULL;
    curl_client cc;
    if (client == PLUGIN) {
        if (!(inst = plugin_instance(url, "bench-3")))
            return 1;
    } else {
        uselocale(newlocale(LC_ALL_MASK, "C", (locale_t)0));
        if (curl_client_init(&cc, url, "bench-3", client == CURLJSON))
            return 1;
    }
    /* The first request opens the connection; every measured one reuses
     * it. */
    for (int i = -1; i < m; i++) {
        double c0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID), t0 = now_us(), t1;
        if (client == PLUGIN) {
            counter c = {0};
            if (plugin_run(inst, &c) || c.deltas != 3)
                return 1;
            t1 = c.first_us;
        } else {
            if (curl_client_run(&cc))
                return 1;
            t1 = cc.b.first_us;
        }
        if (i < 0)
            continue;
        total[i] = now_us() - t0;
        first[i] = t1 - t0;
        cpu[i] = cpu_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    printf("RESULT requests=%d first_us=%.1f total_us=%.1f cpu_us=%.1f\n", m,
           median(first, m), median(total, m), median(cpu, m));
    if (inst)
        it_p->destroy(inst);
    else
        curl_client_free(&cc);
    free(first);
    free(total);
    free(cpu);
    return 0;
}

static int parse_client(const char *s, enum client *c)
{
    if (strcmp(s, "plugin") == 0)
        *c = PLUGIN;
    else if (strcmp(s, "curljson") == 0)
        *c = CURLJSON;
    else if (strcmp(s, "raw") == 0)
        *c = RAW;
    else if (strcmp(s, "host") == 0)
        *c = HOST;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    enum client c;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int stream = argc == 6 && strcmp(argv[1], "stream") == 0;
    int request = argc == 5 && strcmp(argv[1], "request") == 0;
    if ((!stream && !request) || parse_client(argv[2], &c)) {
        fprintf(stderr, "usage: bench_load stream plugin|curljson|raw|host K N URL\n"
                        "       bench_load request plugin|curljson|raw M URL\n");
        return 2;
    }
    if (c == HOST)
        return stream && atoi(argv[3]) == 1 ? run_host(atol(argv[4]), argv[5]) : 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (c == PLUGIN && it_load())
        return 1;
    int rc = stream ? run_streams(c, atoi(argv[3]), atol(argv[4]), argv[5])
                    : run_requests(c, atoi(argv[3]), argv[4]);
    if (c == PLUGIN && it_unload())
        rc = 1;
    curl_global_cleanup();
    return rc;
}
