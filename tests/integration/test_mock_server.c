/*
 * test_mock_server.c - build/mock-server itself, driven over raw sockets
 * (no plugin involved): a malformed scenario stops it with FILE:LINE and
 * exit status 2; it listens on 127.0.0.1 only, on the port it reports; the
 * built-in LiteLLM routes; choosing a scenario by model or in sequence;
 * expectations; the request record; response framing; and the scripted
 * faults (drop at byte N, stall, pacing, trickle) measured from the
 * client's side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/it_harness.h"

/* ---- a raw HTTP/1.1 client ------------------------------------------------ */

typedef struct reply {
    int status;
    char *head;          /* status line and headers, NUL-terminated */
    char *body;          /* de-chunked when chunked, NUL-terminated */
    size_t body_len;
    int chunked, complete; /* complete: final chunk / full length seen */
    int reset;           /* the connection ended with a reset */
    double first_body_ms, last_body_ms; /* arrival, from the request */
    double stall_ms;     /* the longest gap between two reads of body */
} reply;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* De-chunk raw[0..n) in place; sets *complete when the 0-chunk arrived. */
static size_t dechunk(char *raw, size_t n, int *complete)
{
    size_t in = 0, out = 0;
    *complete = 0;
    while (in < n) {
        char *end;
        unsigned long size = strtoul(raw + in, &end, 16);
        char *crlf = strstr(raw + in, "\r\n");
        if (!crlf || end == raw + in)
            break;
        in = (size_t)(crlf - raw) + 2;
        if (size == 0) {
            *complete = 1;
            break;
        }
        size_t take = in + size <= n ? size : n - in;
        memmove(raw + out, raw + in, take);
        out += take;
        in += take + 2;
    }
    raw[out] = '\0';
    return out;
}

/* Send `request` and read until the server closes (requests ask for
 * Connection: close) or 10 s pass. */
static int http_raw(int port, const char *request, reply *r)
{
    memset(r, 0, sizeof *r);
    int fd = connect_local(port);
    if (fd < 0)
        return -1;
    double t0 = now_ms(), last_read = 0;
    if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
        close(fd);
        return -1;
    }
    size_t cap = 1 << 16, len = 0, head_len = 0;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            break;
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
        if (got < 0 && errno == ECONNRESET)
            r->reset = 1;
        if (got <= 0)
            break;
        double t = now_ms() - t0;
        len += (size_t)got;
        buf[len] = '\0';
        if (!head_len) {
            char *end = strstr(buf, "\r\n\r\n");
            if (end)
                head_len = (size_t)(end - buf) + 4;
        }
        if (head_len && len > head_len) {
            if (!r->first_body_ms)
                r->first_body_ms = t;
            else if (t - last_read > r->stall_ms)
                r->stall_ms = t - last_read;
            r->last_body_ms = t;
            last_read = t;
        }
    }
    close(fd);
    if (!head_len) {
        free(buf);
        return -1;
    }
    r->head = strndup(buf, head_len);
    sscanf(buf, "HTTP/1.1 %d", &r->status);
    r->chunked = strcasestr(r->head, "\r\nTransfer-Encoding: chunked") != NULL;
    size_t n = len - head_len;
    r->body = malloc(n + 1);
    memcpy(r->body, buf + head_len, n);
    r->body[n] = '\0';
    if (r->chunked) {
        r->body_len = dechunk(r->body, n, &r->complete);
    } else {
        r->body_len = n;
        char *cl = strcasestr(r->head, "\r\nContent-Length:");
        r->complete = !cl || strtoul(cl + 17, NULL, 10) == n;
    }
    free(buf);
    return 0;
}

static void reply_free(reply *r)
{
    free(r->head);
    free(r->body);
}

/* A chat request for `model`, with Connection: close. */
static int chat(int port, const char *model, const char *extra_header, reply *r)
{
    char body[256], req[1024];
    snprintf(body, sizeof body, "{\"model\":\"%s\",\"stream\":true,\"messages\":[]}",
             model);
    snprintf(req, sizeof req, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
             "Content-Type: application/json\r\n%sContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s", extra_header ? extra_header : "",
             strlen(body), body);
    return http_raw(port, req, r);
}

static int get(int port, const char *path, reply *r)
{
    char req[512];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             path);
    return http_raw(port, req, r);
}

static const char *scn(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write a scenario file into the test's temp dir; returns its path. */
static const char *scn(const char *name, const char *fmt, ...)
{
    static char paths[16][512];
    static int next;
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    char *p = it_write_file(name, "%s", text ? text : "");
    free(text);
    char *slot = paths[next++ % 16];
    snprintf(slot, 512, "%s", p ? p : "");
    free(p);
    return slot;
}

static const char sse_body[] =
    "data: {\"id\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
    "data: {\"id\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

static int teardown_all(void **state)
{
    (void)state;
    it_tmp_cleanup();
    return 0;
}

/* ---- start-up errors --------------------------------------------------------- */

/* Runs the server with the arguments; returns its exit status, with its
 * stdout and stderr.  A server that starts listening is killed after 5 s
 * (and the status says so: 128 + SIGKILL). */
static int run_server(const char *const *args, char *out, size_t out_len,
                      char *err, size_t err_len)
{
    int po[2], pe[2];
    if (pipe(po) || pipe(pe))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        const char *argv[32] = {LP_BUILD_DIR "/mock-server"};
        int n = 1;
        for (int i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    int status = 0;
    for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
        if (waited >= 5000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(10000);
    }
    ssize_t n = read(po[0], out, out_len - 1);
    out[n > 0 ? n : 0] = '\0';
    n = read(pe[0], err, err_len - 1);
    err[n > 0 ? n : 0] = '\0';
    close(po[0]);
    close(pe[0]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void expect_bad_scenario(const char *text, const char *line_and_message)
{
    const char *path = scn("bad.scn", "%s", text);
    const char *args[] = {"--scenario", path, NULL};
    char out[256], err[2048], want[1024];
    int rc = run_server(args, out, sizeof out, err, sizeof err);
    snprintf(want, sizeof want, "mock-server: %s:%s", path, line_and_message);
    if (rc != 2 || !strstr(err, want) || strstr(out, "PORT="))
        fail_msg("scenario:\n%s\nexit %d, stdout \"%s\", stderr \"%s\"; wanted "
                 "exit 2 and \"%s\"", text, rc, out, err, want);
}

static void test_malformed_scenarios_stop_with_file_and_line(void **state)
{
    (void)state;
    expect_bad_scenario("# a comment\nmodle: m\n", "2: unknown key 'modle'");
    expect_bad_scenario("model: m\nmodel: n\n", "2: key 'model' given twice (first on line 1)");
    expect_bad_scenario("status: 99\n", "1: status must be between 200 and 599");
    expect_bad_scenario("status: abc\n", "1: expected a non-negative integer, got 'abc'");
    expect_bad_scenario("status: 700\n", "1: expected an integer up to 599");
    expect_bad_scenario("just words\n", "1: expected 'key: value', got 'just words'");
    expect_bad_scenario("expect.json: stream = yes\n",
                        "1: bad JSON value 'yes' (strings need double quotes)");
    expect_bad_scenario("expect.json: a..b = 1\n", "1: bad JSON path 'a..b'");
    expect_bad_scenario("expect.json: stream\n", "1: expected 'PATH = JSONVALUE'");
    expect_bad_scenario("header: NoColon\n", "1: expected 'Name: value'");
    expect_bad_scenario("trickle: maybe\n", "1: expected true or false, got 'maybe'");
    expect_bad_scenario("model_info: [1]\n", "1: model_info must be a JSON object");
    expect_bad_scenario("model: m\nbody_file: no-such-file.sse\n",
                        "2: cannot read body_file");
    /* Problems seen only at the end still name the line at fault. */
    expect_bad_scenario("model: m\nstall_after_bytes: 4\nsse: true\n",
                        "2: stall_after_bytes and stall_ms go together");
    expect_bad_scenario("stall_ms: 4\nmodel: m\n",
                        "1: stall_after_bytes and stall_ms go together");
    expect_bad_scenario("model: m\nbody_file: x.sse\n--- body\ninline\n",
                        "2: both body_file and an inline '--- body' given");
    expect_bad_scenario("generate_chunks: 3\n--- body\nx\n",
                        "1: generate_chunks cannot be combined with a body");

    char out[256], err[2048];
    const char *missing[] = {"--scenario", "/nonexistent/x.scn", NULL};
    assert_int_equal(run_server(missing, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "mock-server: /nonexistent/x.scn: cannot read scenario"));
    const char *unknown[] = {"--frobnicate", NULL};
    assert_int_equal(run_server(unknown, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown argument '--frobnicate'"));
    const char *bad_port[] = {"--port", "70000", NULL};
    assert_int_equal(run_server(bad_port, out, sizeof out, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad --port '70000'"));
}

/* ---- listening, built-in routes ----------------------------------------- */

/* /proc/net/tcp lists the listening socket as 0100007F:PORT (127.0.0.1). */
static int listens_on_loopback_only(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512], want[32];
    int loopback = 0, other = 0;
    snprintf(want, sizeof want, ":%04X", port);
    while (f && fgets(line, sizeof line, f)) {
        char local[64], remote[64], st[8];
        size_t ll, wl = strlen(want);
        if (sscanf(line, "%*d: %63s %63s %7s", local, remote, st) != 3 ||
            strcmp(st, "0A") != 0 || (ll = strlen(local)) < wl ||
            strcmp(local + ll - wl, want) != 0)
            continue;
        if (strncmp(local, "0100007F:", 9) == 0)
            loopback++;
        else
            other++;
    }
    if (f)
        fclose(f);
    return loopback == 1 && other == 0;
}

static void test_reports_its_port_and_answers_litellm_routes(void **state)
{
    (void)state;
    const char *a = scn("route_a.scn", "model: model-a\nmodel_info: "
                        "{\"supports_response_schema\":true}\nsse: true\n--- body\n%s",
                        sse_body);
    const char *b = scn("route_b.scn", "model: model-b\n--- body\n{\"ok\":1}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, a, b, NULL), 0);
    assert_true(m.port > 0);
    assert_true(listens_on_loopback_only(m.port));

    reply r;
    assert_int_equal(get(m.port, "/health/liveliness", &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "\"I'm alive!\"");
    reply_free(&r);

    assert_int_equal(get(m.port, "/v1/model/info?litellm_model_id=x", &r), 0);
    assert_int_equal(r.status, 200);
    json_object *info = json_tokener_parse(r.body);
    assert_int_equal(json_object_array_length(it_get(info, "data")), 2);
    assert_string_equal(it_get_str(info, "data[0].model_name"), "model-a");
    assert_string_equal(it_get_str(info, "data[0].litellm_params.model"), "model-a");
    assert_true(json_object_get_boolean(
        it_get(info, "data[0].model_info.supports_response_schema")));
    assert_string_equal(it_get_str(info, "data[1].model_name"), "model-b");
    json_object_put(info);
    reply_free(&r);

    assert_int_equal(get(m.port, "/model/info", &r), 0);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    mock_stop(&m);
}

/* ---- choosing scenarios, expectations, the record -------------------------- */

static void test_picks_by_model_and_records_every_request(void **state)
{
    (void)state;
    const char *a = scn("pick_a.scn", "model: model-a\nsse: true\n--- body\n%s", sse_body);
    const char *b = scn("pick_b.scn", "model: model-b\nstatus: 429\n"
                        "header: Retry-After: 7\n--- body\n{\"error\":{\"message\":\"slow down\"}}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, a, b, NULL), 0);
    reply r;
    assert_int_equal(chat(m.port, "model-b", "X-Trace: t1\r\n", &r), 0);
    assert_int_equal(r.status, 429);
    assert_non_null(strstr(r.head, "\r\nRetry-After: 7\r\n"));
    assert_non_null(strstr(r.head, "\r\nContent-Type: application/json\r\n"));
    char length[64];
    snprintf(length, sizeof length, "\r\nContent-Length: %zu\r\n", r.body_len);
    assert_non_null(strstr(r.head, length));
    assert_string_equal(r.body, "{\"error\":{\"message\":\"slow down\"}}");
    reply_free(&r);

    assert_int_equal(chat(m.port, "model-a", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.chunked);
    assert_true(r.complete);
    assert_non_null(strstr(r.head, "\r\nContent-Type: text/event-stream\r\n"));
    assert_string_equal(r.body, sse_body);
    reply_free(&r);

    assert_int_equal(chat(m.port, "model-zzz", NULL, &r), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "no scenario for model model-zzz"));
    reply_free(&r);

    json_object *all = mock_requests(&m, NULL);
    assert_int_equal(json_object_array_length(all), 3);
    for (int i = 0; i < 3; i++) {
        json_object *line = json_object_array_get_idx(all, (size_t)i);
        assert_int_equal(json_object_get_int(it_get(line, "seq")), i + 1);
        assert_string_equal(it_get_str(line, "method"), "POST");
        assert_string_equal(it_get_str(line, "path"), "/v1/chat/completions");
        assert_string_equal(it_get_str(line, "headers.content-type"), "application/json");
        assert_true(json_object_get_boolean(it_get(line, "body.stream")));
    }
    assert_string_equal(it_get_str(all, "[0].headers.x-trace"), "t1");
    assert_string_equal(it_get_str(all, "[0].scenario"), "pick_b.scn");
    assert_string_equal(it_get_str(all, "[0].body.model"), "model-b");
    assert_string_equal(it_get_str(all, "[1].scenario"), "pick_a.scn");
    assert_true(it_has(all, "[2].scenario") && !it_get(all, "[2].scenario"));
    json_object_put(all);
    mock_stop(&m);
}

static void test_sequence_serves_in_order_then_says_so(void **state)
{
    (void)state;
    const char *one = scn("seq_1.scn", "--- body\n{\"n\":1}");
    const char *two = scn("seq_2.scn", "status: 503\n--- body\n{\"n\":2}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, one, two, NULL), 0);
    reply r;
    /* In sequence mode the model does not matter. */
    assert_int_equal(chat(m.port, "anything", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"n\":1}");
    reply_free(&r);
    assert_int_equal(chat(m.port, "else", NULL, &r), 0);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "{\"n\":2}");
    reply_free(&r);
    assert_int_equal(chat(m.port, "more", NULL, &r), 0);
    assert_int_equal(r.status, 418);
    assert_non_null(strstr(r.body, "sequence exhausted"));
    reply_free(&r);
    mock_stop(&m);
}

static void test_failed_expectations_are_a_418_naming_each(void **state)
{
    (void)state;
    const char *e = scn("expect.scn", "model: model-e\nexpect.method: POST\n"
                        "expect.path: /chat/completions\nexpect.json: stream = false\n"
                        "expect.json: tools = present\nexpect.header: X-Need: yes\n"
                        "expect.header_absent: X-Trace\n--- body\n{}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, e, NULL), 0);
    reply r;
    assert_int_equal(chat(m.port, "model-e", "X-Trace: t\r\n", &r), 0);
    assert_int_equal(r.status, 418);
    assert_non_null(strstr(r.body, "expect.scn:3"));  /* path */
    assert_non_null(strstr(r.body, "expect.scn:4"));  /* stream */
    assert_non_null(strstr(r.body, "expect.scn:5"));  /* tools */
    assert_non_null(strstr(r.body, "expect.scn:6"));  /* X-Need */
    assert_non_null(strstr(r.body, "expect.scn:7"));  /* X-Trace */
    assert_null(strstr(r.body, "expect.scn:2"));      /* the method was right */
    reply_free(&r);
    mock_stop(&m);
}

/* ---- scripted faults, seen from the client -------------------------------- */

static void test_drop_at_byte_n_sends_exactly_n_bytes(void **state)
{
    (void)state;
    const char *d = scn("drop.scn", "model: m-drop\nsse: true\ndrop_after_bytes: 10\n"
                        "--- body\n%s", sse_body);
    const char *c = scn("drop_close.scn", "model: m-drop-close\nsse: true\nclose: true\n"
                        "drop_after_bytes: 25\n--- body\n%s", sse_body);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, d, c, NULL), 0);
    reply r;
    assert_int_equal(chat(m.port, "m-drop", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 10);
    assert_memory_equal(r.body, sse_body, 10);
    assert_false(r.complete); /* no final chunk: the body was cut */
    reply_free(&r);
    /* Without chunking (close-delimited) the cut is at the same byte. */
    assert_int_equal(chat(m.port, "m-drop-close", NULL, &r), 0);
    assert_false(r.chunked);
    assert_int_equal(r.body_len, 25);
    assert_memory_equal(r.body, sse_body, 25);
    reply_free(&r);
    mock_stop(&m);
}

static void test_stall_pacing_and_trickle(void **state)
{
    (void)state;
    const char *st = scn("stall.scn", "model: m-stall\nsse: true\nstall_after_bytes: 5\n"
                         "stall_ms: 400\n--- body\n%s", sse_body);
    const char *pa = scn("pace.scn", "model: m-pace\nsse: true\npace_ms: 150\n"
                         "--- body\n%s", sse_body);
    const char *tr = scn("trickle.scn", "model: m-trickle\nsse: true\ntrickle: true\n"
                         "--- body\n%s", sse_body);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, st, pa, tr, NULL), 0);
    reply r;
    /* Five bytes, silence, then the rest: the gap is at least the stall
     * (a sleep never returns early; the margin covers the clock). */
    assert_int_equal(chat(m.port, "m-stall", NULL, &r), 0);
    assert_string_equal(r.body, sse_body);
    assert_true(r.complete);
    assert_true(r.stall_ms >= 390.0);
    reply_free(&r);
    /* Three events, two pauses between them. */
    assert_int_equal(chat(m.port, "m-pace", NULL, &r), 0);
    assert_string_equal(r.body, sse_body);
    assert_true(r.last_body_ms - r.first_body_ms >= 290.0);
    reply_free(&r);
    /* One byte per write still adds up to the same body. */
    assert_int_equal(chat(m.port, "m-trickle", NULL, &r), 0);
    assert_string_equal(r.body, sse_body);
    assert_true(r.complete);
    reply_free(&r);
    mock_stop(&m);
}

static void test_generated_stream_has_every_chunk(void **state)
{
    (void)state;
    const char *g = scn("gen.scn", "model: m-gen\ngenerate_chunks: 5000\n"
                        "generate_text: \" ab\"\n");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, g, NULL), 0);
    reply r;
    assert_int_equal(chat(m.port, "m-gen", NULL, &r), 0);
    assert_true(r.complete);
    int events = 0, text = 0;
    for (const char *p = r.body; (p = strstr(p, "data: ")); p += 6) {
        events++;
        text += strncmp(p, "data: {", 7) == 0 && strstr(p, "\"content\":\" ab\"") &&
                strstr(p, "\"content\":\" ab\"") < strstr(p, "\n\n");
    }
    /* role + 5000 content + finish + usage + [DONE] */
    assert_int_equal(events, 5004);
    assert_int_equal(text, 5000);
    assert_non_null(strstr(r.body, "\"model\":\"m-gen\""));
    assert_non_null(strstr(r.body, "\"completion_tokens\":5000"));
    reply_free(&r);
    mock_stop(&m);
}

/* Garbage gets a 400 and the server goes on serving. */
static void test_garbage_request_is_answered_and_survived(void **state)
{
    (void)state;
    const char *a = scn("alive.scn", "model: m-alive\n--- body\n{\"ok\":true}");
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, a, NULL), 0);
    reply r;
    assert_int_equal(http_raw(m.port, "\x01\x02 garbage\r\n\r\n", &r), 0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "mock-server: bad request"));
    reply_free(&r);
    assert_int_equal(http_raw(m.port, "POST /v1/chat/completions HTTP/1.1\r\n"
                              "Content-Length: 99999999999999999999\r\n\r\n", &r), 0);
    assert_true(r.status == 400 || r.status == 413);
    reply_free(&r);
    assert_int_equal(chat(m.port, "m-alive", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"ok\":true}");
    reply_free(&r);
    mock_stop(&m);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_scenarios_stop_with_file_and_line),
        cmocka_unit_test(test_reports_its_port_and_answers_litellm_routes),
        cmocka_unit_test(test_picks_by_model_and_records_every_request),
        cmocka_unit_test(test_sequence_serves_in_order_then_says_so),
        cmocka_unit_test(test_failed_expectations_are_a_418_naming_each),
        cmocka_unit_test(test_drop_at_byte_n_sends_exactly_n_bytes),
        cmocka_unit_test(test_stall_pacing_and_trickle),
        cmocka_unit_test(test_generated_stream_has_every_chunk),
        cmocka_unit_test(test_garbage_request_is_answered_and_survived),
    };
    return cmocka_run_group_tests_name("mock_server", tests, NULL, teardown_all);
}
