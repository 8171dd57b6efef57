/*
 * bench_format.c - `make bench`, request half: the body of a 200-message
 * conversation carrying 1 MiB of images (100 images of 10 KiB base64,
 * tool uses and tool results among them), built by rf_parse +
 * rf_format_body (the internal library, called directly).
 *
 * Reported:
 *  - CPU time per message (median of RUNS runs after a warm-up) against a
 *    baseline measured in the same run: json-c parse + serialise of the
 *    same request, the least a client that reads the JSON in and writes a
 *    body out could do;
 *  - bytes allocated per byte of payload (the base64 of the images),
 *    total and peak live, for parse and format;
 *  - bytes copied per byte of payload, for parse and format.  Formatting
 *    must copy each payload byte once (into the body) and no more: the
 *    program exits 1 when the format phase copies 1.25 payloads or more, or
 *    less than the one copy the body needs (the counter missed it).
 * Allocations and copies are counted by tests/unit/request_copy_meter.h,
 * which wraps malloc & co and memcpy & co for the whole program, json-c
 * included.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../plugin/core/config.h"
#include "../../plugin/openai_chat/request_format.h"
#include "../support/it_harness.h"
#include "../unit/request_copy_meter.h"

#define MESSAGES 200
#define IMAGES 100
#define IMAGE_B64 10488 /* 100 x 10488 = 1 MiB of base64 text */
#define RUNS 15
#define WARMUP 3

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
    double ms;            /* median CPU time of one run */
    rcm_counts all;       /* the last run, counted whole */
    rcm_counts parse;     /* plugin only: rf_parse of the last run */
    rcm_counts format;    /* plugin only: rf_format_body of the last run */
    size_t out_len;       /* bytes written */
} measure;

static size_t since(size_t now, size_t then)
{
    return now > then ? now - then : 0;
}

/* One parse + format.  With `m`, the run is counted whole and split into
 * its two phases (copies and allocations of each). */
static int plugin_once(const lp_config *cfg, const char *json, size_t len,
                       size_t *out_len, measure *m)
{
    rf_request req;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, (size_t)1 << 31);
    int streaming = 0;
    if (m)
        rcm_start();
    int rc = rf_parse(json, len, NULL, &req, &err);
    rcm_counts parsed = rcm_peek();
    if (!rc)
        rc = rf_format_body(cfg, NULL, &req, NULL, NULL, &body, &streaming, &err);
    if (m) {
        rcm_counts done = rcm_peek();
        m->parse = parsed;
        m->format.copied_bytes = since(done.copied_bytes, parsed.copied_bytes);
        m->format.copy_calls = since(done.copy_calls, parsed.copy_calls);
        m->format.alloc_bytes = since(done.alloc_bytes, parsed.alloc_bytes);
        m->format.alloc_calls = since(done.alloc_calls, parsed.alloc_calls);
    }
    if (rc)
        fprintf(stderr, "bench_format: %s: %s\n", mp_errname(rc), err.message);
    *out_len = body.len;
    rf_release(&req);
    sb_free(&body);
    if (m)
        m->all = rcm_stop();
    return rc;
}

static int baseline_once(const char *json, size_t len, size_t *out_len,
                         measure *m)
{
    if (m)
        rcm_start();
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    int rc = -1;
    if (o) {
        size_t n;
        json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
        *out_len = n;
        json_object_put(o);
        rc = 0;
    }
    if (m)
        m->all = rcm_stop();
    return rc;
}

static int measure_one(int plugin, const lp_config *cfg, const char *json,
                       size_t len, measure *m)
{
    double t[RUNS];
    for (int i = 0; i < WARMUP + RUNS; i++) {
        double t0 = cpu_ms();
        int rc = plugin ? plugin_once(cfg, json, len, &m->out_len, NULL)
                        : baseline_once(json, len, &m->out_len, NULL);
        double dt = cpu_ms() - t0;
        if (rc)
            return -1;
        if (i >= WARMUP)
            t[i - WARMUP] = dt;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    m->ms = t[RUNS / 2];
    /* One more run, counted (outside the timed ones). */
    return plugin ? plugin_once(cfg, json, len, &m->out_len, m)
                  : baseline_once(json, len, &m->out_len, m);
}

static double per(size_t n, size_t payload)
{
    return (double)n / (double)payload;
}

int main(void)
{
    char *json = build_request();
    size_t len = strlen(json);
    const size_t payload = (size_t)IMAGES * IMAGE_B64; /* base64 bytes */
    lp_config *cfg = NULL;
    mp_error err = MP_ERROR_INIT;
    if (!RCM_AVAILABLE) {
        fprintf(stderr, "bench_format: built with AddressSanitizer; the "
                "allocation and copy counters cannot run\n");
        return 1;
    }
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
    printf("allocation per payload byte (%zu bytes of base64): plugin %.2f "
           "total (parse %.2f, format %.2f), %.2f peak live (%zu calls); "
           "baseline %.2f total, %.2f peak live (%zu calls); body %zu bytes\n",
           payload, per(p.all.alloc_bytes, payload),
           per(p.parse.alloc_bytes, payload), per(p.format.alloc_bytes, payload),
           per(p.all.peak_live, payload), p.all.alloc_calls,
           per(b.all.alloc_bytes, payload), per(b.all.peak_live, payload),
           b.all.alloc_calls, p.out_len);
    /* Bytes moved by memcpy & co and by reallocs that moved a block, over
     * the payload size: the body must hold the payload, so formatting
     * copies at least 1.0; the rest of the body adds about 0.05; a body
     * that regrows while it is written passes 1.4, a second copy 2.0. */
    double format_copies = per(p.format.copied_bytes, payload);
    printf("bytes copied per payload byte: plugin parse %.2f (%zu calls), "
           "format %.2f (%zu calls); baseline parse + serialise %.2f\n",
           per(p.parse.copied_bytes, payload), p.parse.copy_calls,
           format_copies, p.format.copy_calls,
           per(b.all.copied_bytes, payload));
    int once = format_copies >= 1.0 && format_copies < 1.25;
    printf("formatting copies the base64 payload at most once: %s\n",
           once ? "yes" : "NO");
    lp_config_unref(cfg);
    free(json);
    return once ? 0 : 1;
}
