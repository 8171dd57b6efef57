/*
 * bench_format.c - `make bench`, request half: the body of a 200-message
 * conversation carrying 1 MiB of images (100 images of 10 KiB base64,
 * tool uses and tool results among them), built by rf_parse +
 * rf_format_body (the internal library, called directly).
 *
 * Reported: CPU time per message (median of RUNS runs after a warm-up)
 * against a baseline measured in the same run, json-c parse + serialise of
 * the same request (json_tokener_parse + json_object_to_json_string_ext +
 * json_object_put), the least a client that reads the JSON in and writes a
 * body out could do; and bytes allocated per byte of payload (the request
 * text), total and peak live, counted by malloc/calloc/realloc/free
 * defined in this program (they wrap glibc's __libc_* functions, so every
 * library's allocations are seen).
 */
#include <json-c/json.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../plugin/config.h"
#include "../../plugin/request_format.h"
#include "../support/it_harness.h"

#define MESSAGES 200
#define IMAGES 100
#define IMAGE_B64 10488 /* 100 x 10488 = 1 MiB of base64 text */
#define RUNS 15
#define WARMUP 3

/* ------------------------------------------------- allocation counting */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int counting;
static size_t total_bytes, calls, live, peak;

static void note_alloc(void *p, size_t requested)
{
    if (!counting || !p)
        return;
    total_bytes += requested;
    calls++;
    live += malloc_usable_size(p);
    if (live > peak)
        peak = live;
}

static void note_free(void *p)
{
    if (counting && p) {
        size_t n = malloc_usable_size(p);
        live = live > n ? live - n : 0;
    }
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    note_alloc(p, n);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    note_alloc(p, n * size);
    return p;
}

void *realloc(void *old, size_t n)
{
    note_free(old);
    void *p = __libc_realloc(old, n);
    note_alloc(p, n);
    return p;
}

void free(void *p)
{
    note_free(p);
    __libc_free(p);
}

static void count_start(void)
{
    total_bytes = calls = live = peak = 0;
    counting = 1;
}

static void count_stop(void)
{
    counting = 0;
}

/* ------------------------------------------------------- the request */

static void add_b64(it_buf *b, size_t n, unsigned seed)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[256];
    for (size_t i = 0; i < n;) {
        size_t k = n - i < sizeof chunk ? n - i : sizeof chunk;
        for (size_t j = 0; j < k; j++) {
            seed = seed * 1103515245u + 12345u;
            chunk[j] = alphabet[(seed >> 16) & 63];
        }
        it_buf_add(b, chunk, k);
        i += k;
    }
}

static void add_image(it_buf *b, unsigned seed)
{
    it_buf_addf(b, "{\"image\":{\"format\":\"%s\",\"source\":{\"bytes\":\"",
                seed % 2 ? "png" : "jpeg");
    add_b64(b, IMAGE_B64, seed);
    it_buf_add(b, "\"}}}", 4);
}

/* 100 user/assistant pairs; every image is in a user turn, every fifth
 * user turn returns it from a tool the assistant called before. */
static char *build_request(void)
{
    it_buf b = {0};
    it_buf_addf(&b, "{\"system_prompt\":\"You are a careful assistant that "
                "describes photographs.\",\"tool_specs\":[");
    for (int t = 0; t < 3; t++)
        it_buf_addf(&b, "%s{\"name\":\"tool_%d\",\"description\":\"Tool %d "
                    "fetches a photo\",\"inputSchema\":{\"json\":{\"type\":"
                    "\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},"
                    "\"required\":[\"q\"]}}}", t ? "," : "", t, t);
    it_buf_addf(&b, "],\"tool_choice\":{\"auto\":{}},\"messages\":[");
    for (int i = 0; i < MESSAGES / 2; i++) {
        int via_tool = i > 0 && i % 5 == 0;
        if (i)
            it_buf_add(&b, ",", 1);
        if (via_tool)
            it_buf_addf(&b, "{\"role\":\"user\",\"content\":[{\"toolResult\":"
                        "{\"toolUseId\":\"call_%d\",\"status\":\"success\","
                        "\"content\":[{\"text\":\"Photo %d as requested.\"},",
                        i, i);
        else
            it_buf_addf(&b, "{\"role\":\"user\",\"content\":[{\"text\":\"Turn "
                        "%d: what can you see in this photo? Please describe "
                        "the colours, the light and the people.\"},", i);
        add_image(&b, (unsigned)i + 1);
        it_buf_add(&b, via_tool ? "]}}]}" : "]}", via_tool ? 5 : 2);
        int calls_tool = (i + 1) % 5 == 0;
        it_buf_addf(&b, ",{\"role\":\"assistant\",\"content\":[{\"text\":\"In "
                    "photo %d the light comes from the left, the colours are "
                    "warm (ochre, amber, a little teal) and two people stand "
                    "near a window, one of them smiling \\u00e9 \\\"really\\\""
                    ".\"}", i);
        if (calls_tool)
            it_buf_addf(&b, ",{\"toolUse\":{\"toolUseId\":\"call_%d\",\"name\":"
                        "\"tool_%d\",\"input\":{\"q\":\"photo %d\",\"size\":"
                        "[640,480],\"hq\":true}}}", i + 1, i % 3, i + 1);
        it_buf_add(&b, "]}", 2);
    }
    it_buf_add(&b, "]}", 2);
    return b.data;
}

/* ---------------------------------------------------------- measuring */

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct measure {
    double ms;              /* median CPU time of one run */
    size_t total, peak, n;  /* allocation of the last run */
    size_t out_len;         /* bytes written */
} measure;

static int plugin_once(const lp_config *cfg, const char *json, size_t len,
                       size_t *out_len)
{
    rf_request req;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, (size_t)1 << 31);
    int streaming = 0;
    int rc = rf_parse(json, len, NULL, &req, &err);
    if (!rc)
        rc = rf_format_body(cfg, &req, NULL, NULL, &body, &streaming, &err);
    if (rc)
        fprintf(stderr, "bench_format: %s: %s\n", mp_errname(rc), err.message);
    *out_len = body.len;
    rf_release(&req);
    sb_free(&body);
    return rc;
}

static int baseline_once(const char *json, size_t len, size_t *out_len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    if (!o)
        return -1;
    size_t n;
    json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    *out_len = n;
    json_object_put(o);
    return 0;
}

static int measure_one(int plugin, const lp_config *cfg, const char *json,
                       size_t len, measure *m)
{
    double t[RUNS];
    for (int i = 0; i < WARMUP + RUNS; i++) {
        int last = i == WARMUP + RUNS - 1;
        if (last)
            count_start();
        double t0 = cpu_ms();
        int rc = plugin ? plugin_once(cfg, json, len, &m->out_len)
                        : baseline_once(json, len, &m->out_len);
        double dt = cpu_ms() - t0;
        if (last)
            count_stop();
        if (rc)
            return -1;
        if (i >= WARMUP)
            t[i - WARMUP] = dt;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    m->ms = t[RUNS / 2];
    m->total = total_bytes;
    m->peak = peak;
    m->n = calls;
    return 0;
}

int main(void)
{
    char *json = build_request();
    size_t len = strlen(json);
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    if (lp_config_new("{\"model_id\":\"bench\",\"params\":{\"max_tokens\":1024}}",
                      (size_t)-1, "{}", (size_t)-1, NULL, &cfg, &err)) {
        fprintf(stderr, "bench_format: config: %s\n", err.message);
        return 1;
    }
    measure p, b;
    /* Interleave so that both see the same machine state. */
    if (measure_one(0, NULL, json, len, &b) || measure_one(1, cfg, json, len, &p) ||
        measure_one(0, NULL, json, len, &b)) {
        fprintf(stderr, "bench_format: a run failed\n");
        return 1;
    }
    double mib = (double)len / (1024.0 * 1024.0);
    printf("format %d messages (%.2f MiB request, %d images): plugin %.2f "
           "us/message, baseline (json-c parse + serialise) %.2f us/message, "
           "ratio %.2f [median of %d]\n", MESSAGES, mib, IMAGES,
           p.ms * 1e3 / MESSAGES, b.ms * 1e3 / MESSAGES, p.ms / b.ms, RUNS);
    printf("format allocation per payload byte: plugin %.2f total, %.2f peak "
           "live (%zu calls); baseline %.2f total, %.2f peak live (%zu "
           "calls); body %zu bytes\n", (double)p.total / (double)len,
           (double)p.peak / (double)len, p.n, (double)b.total / (double)len,
           (double)b.peak / (double)len, b.n, p.out_len);
    lp_config_unref(cfg);
    free(json);
    return 0;
}
