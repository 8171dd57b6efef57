/*
 * test_stream_transport.c - the parts of the HTTP transport the other
 * stream tests do not reach, through the real plugin: the standard proxy
 * environment variables, the connect timeout (a listener whose accept
 * queue is full, so the handshake never completes) and its retries, the
 * whole-call timeout in the middle of a stream,
 * exponential backoff between retries, how fast a non-zero callback return
 * ends the call, cancel() called from inside the event callback, and
 * binary garbage from the server.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stream_it.h"

#define START "{\"messageStart\":{\"role\":\"assistant\"}}\n"
#define BSTART "{\"contentBlockStart\":{\"start\":{}}}\n"
#define TEXT(t) "{\"contentBlockDelta\":{\"delta\":{\"text\":\"" t "\"}}}\n"

/* ------------------------------------------------------------- proxies */

/* A port on 127.0.0.1 that nothing listens on (bound, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void proxy_env_clear(void)
{
    unsetenv("http_proxy");
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
}

/* Per-test teardown: a failed assertion must not leave a proxy set for
 * the tests after it. */
static int clear_proxy(void **state)
{
    (void)state;
    proxy_env_clear();
    return 0;
}

/* http_proxy is honoured: a request for a host that does not exist goes
 * to the proxy (the mock), in absolute form, and is answered there. */
static void test_http_proxy_env_is_used(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    setenv("http_proxy", m.base_url, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    it_call c;
    it_call_run(&c, "{\"model_id\":\"it-ok\"}",
                "{\"api_base\":\"http://upstream.invalid:4000\","
                "\"api_key\":\"sk-proxy-test-0000000000\"}", NULL);
    proxy_env_clear();
    st_expect_rc(&c, MP_OK);
    assert_int_equal(c.ev.by_type[MP_EVENT_MESSAGE_STOP], 1);
    it_call_free(&c);
    json_object *r = it_last_chat(&m);
    assert_non_null(r);
    assert_string_equal(it_get_str(r, "path"),
                        "http://upstream.invalid:4000/chat/completions");
    assert_string_equal(it_get_str(r, "headers.host"), "upstream.invalid:4000");
    json_object_put(r);
    mock_stop(&m);
}

/* no_proxy is honoured too: with a dead proxy configured, a host listed in
 * no_proxy is reached directly; without the listing the dead proxy makes
 * the same call fail, which shows the proxy setting was really read. */
static void test_no_proxy_env_bypasses_the_proxy(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", closed_port());
    setenv("http_proxy", dead, 1);
    unsetenv("NO_PROXY");

    it_call c;
    setenv("no_proxy", "127.0.0.1", 1);
    it_call_model(&c, &m, "it-ok", NULL, NULL, NULL);
    st_expect_rc(&c, MP_OK);
    it_call_free(&c);
    json_object *r = it_last_chat(&m);
    assert_non_null(r);
    assert_string_equal(it_get_str(r, "path"), "/chat/completions");
    json_object_put(r);

    unsetenv("no_proxy");
    it_call_model(&c, &m, "it-ok", NULL, NULL, NULL);
    proxy_env_clear();
    st_expect_rc(&c, MP_E_NETWORK);
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);
    assert_int_equal(it_chat_count(&m), 1);
    mock_stop(&m);
}

/* ------------------------------------------------------ connect timeout */

static void test_connect_timeout(void **state)
{
    (void)state;
    int port = 0, fill[3];
    int l = it_full_listener(&port, fill);
    assert_true(l >= 0);
    char args[256];
    snprintf(args, sizeof args, "{\"api_base\":\"http://127.0.0.1:%d\","
             "\"connect_timeout\":0.3,\"timeout\":20}", port);
    it_call c;
    it_call_run(&c, "{\"model_id\":\"m\"}", args, NULL);
    print_message("%s after %.0f ms\n", c.err.message, c.ms);
    st_expect_rc(&c, MP_E_TIMEOUT);
    st_expect_message(&c, "could not connect within connect_timeout (300 ms)");
    assert_int_equal(c.err.http_status, 0);
    assert_int_equal(c.err.retryable, 1); /* nothing was sent */
    assert_int_equal(c.ev.count, 0);
    assert_true(c.ms >= 290.0 && c.ms < 2500.0);
    it_call_free(&c);

    /* A connect timeout is a failure before the first byte: num_retries
     * retries it, so three attempts take three connect timeouts. */
    snprintf(args, sizeof args, "{\"api_base\":\"http://127.0.0.1:%d\","
             "\"connect_timeout\":0.3,\"timeout\":20,\"num_retries\":2,"
             "\"retry_backoff_ms\":5}", port);
    it_call_run(&c, "{\"model_id\":\"m\"}", args, NULL);
    print_message("with 2 retries: %s after %.0f ms\n", c.err.message, c.ms);
    st_expect_rc(&c, MP_E_TIMEOUT);
    st_expect_message(&c, "could not connect within connect_timeout (300 ms)");
    assert_true(c.ms >= 3 * 290.0 && c.ms < 6000.0);
    it_call_free(&c);

    /* When the whole-call timeout is the nearer limit, it is the one
     * reported, and it is not retried. */
    snprintf(args, sizeof args, "{\"api_base\":\"http://127.0.0.1:%d\","
             "\"connect_timeout\":5,\"timeout\":0.3,\"num_retries\":2}", port);
    it_call_run(&c, "{\"model_id\":\"m\"}", args, NULL);
    st_expect_rc(&c, MP_E_TIMEOUT);
    st_expect_message(&c, "request timed out (timeout 300 ms");
    assert_int_equal(c.err.retryable, 0);
    assert_true(c.ms >= 290.0 && c.ms < 2500.0);
    it_call_free(&c);
    for (int i = 0; i < 3; i++)
        close(fill[i]);
    close(l);
}

/* The whole-call timeout reached in the middle of a stream (the server
 * went quiet after "Hello", and the idle timeout is longer) ends with the
 * timeout error, after the events that had arrived; never retried. */
static void test_whole_call_timeout_mid_stream(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_stall.scn", NULL), 0);
    it_call c;
    it_call_model(&c, &m, "it-stall", NULL, NULL, "\"timeout\":0.5,"
                  "\"idle_timeout\":30,\"num_retries\":2");
    print_message("%s after %.0f ms\n", c.err.message, c.ms);
    st_expect_rc(&c, MP_E_TIMEOUT);
    st_expect_message(&c, "request timed out (timeout 500 ms) before the "
                      "stream finished: ");
    assert_int_equal(c.err.retryable, 0);
    assert_string_equal(c.ev.json.data, START BSTART TEXT("Hello"));
    assert_true(c.ms >= 490.0 && c.ms < 2500.0);
    assert_int_equal(it_chat_count(&m), 1);
    it_call_free(&c);
    mock_stop(&m);
}

/* ------------------------------------------------------------- backoff */

/* 503 every time, retry_backoff_ms 100, two retries: the waits are drawn
 * from [50, 100] and [100, 200] ms (no Retry-After), so the call takes at
 * least 150 ms more than three quick answers. */
static void test_exponential_backoff_between_retries(void **state)
{
    (void)state;
    char *p = it_write_file("resp_503_always.scn",
                            "model: resp-503-always\nrepeat: true\n"
                            "status: 503\n--- body\n{\"error\":{\"message\":"
                            "\"overloaded\",\"type\":null,\"param\":null,"
                            "\"code\":\"503\"}}\n");
    assert_non_null(p);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 1, p, NULL), 0);
    it_call c;
    it_call_model(&c, &m, "x", NULL, NULL, "\"num_retries\":2,"
                  "\"retry_backoff_ms\":100");
    print_message("3 attempts with backoff: %.0f ms\n", c.ms);
    st_expect_rc(&c, MP_E_SERVER);
    assert_int_equal(c.err.http_status, 503);
    assert_int_equal(c.err.retryable, 1);
    assert_int_equal(it_chat_count(&m), 3);
    assert_true(c.ms >= 150.0 && c.ms < 3000.0);
    it_call_free(&c);
    free(p);
    mock_stop(&m);
}

/* ------------------------------------------------- stopping from a host */

typedef struct stopper {
    mp_instance *inst;
    int at;           /* the event number to act on */
    int call_cancel;  /* call cancel() there (and return 0)... */
    double acted_ms;  /* ...or return non-zero; when that happened */
} stopper;

static int stop_hook(it_events *e, const mp_event_header *ev)
{
    (void)ev;
    stopper *s = e->hook_ctx;
    if (e->count != s->at)
        return 0;
    if (s->call_cancel) {
        it_p->cancel(s->inst);
        s->acted_ms = it_now_ms();
        return 0;
    }
    s->acted_ms = it_now_ms();
    return 1;
}

static int stream_with(const mock_proc *m, const char *model, stopper *s,
                       it_events *ev, mp_error *err, double *returned_ms)
{
    char config[128];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    char *args = it_client_args(m->base_url, NULL, NULL);
    s->inst = it_create(config, args, err);
    free(args);
    assert_non_null(s->inst);
    it_events_init(ev);
    ev->hook = stop_hook;
    ev->hook_ctx = s;
    int rc = it_stream(s->inst, it_hello_request, ev, err);
    *returned_ms = it_now_ms();
    return rc;
}

/* A non-zero callback return ends the call at once, even though the
 * server is about to be silent for 5 s: measured from the callback's
 * return to stream()'s (target under 50 ms, typically well under 1 ms). */
static void test_callback_return_stops_at_once(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_stall.scn", NULL), 0);
    stopper s = {.at = 3};
    it_events ev;
    mp_error err = MP_ERROR_INIT;
    double back;
    int rc = stream_with(&m, "it-stall", &s, &ev, &err, &back);
    double ms = back - s.acted_ms;
    print_message("stream returned %.2f ms after the callback said stop\n", ms);
    assert_int_equal(rc, MP_E_CANCELLED);
    assert_string_equal(err.message,
                        "stream cancelled by the host's event callback");
    assert_string_equal(ev.json.data, START BSTART TEXT("Hello"));
    /* What this guards against is a stop noticed only at the transfer's
     * next poll tick (~200 ms) or at the end of the 5 s stall; 150 ms
     * still catches both and leaves a loaded 2-core CI machine room. */
    assert_true(ms >= 0.0 && ms < 150.0);
    it_events_free(&ev);
    it_p->destroy(s.inst);
    mock_stop(&m);
}

/* cancel() called inside the callback (allowed by the ABI) stops the
 * delivery at the next event, although the rest of the stream came in
 * the same network read; the instance works normally afterwards.  Called
 * during the last event (metadata), there is nothing left to stop: the
 * call had delivered everything and succeeds. */
static void test_cancel_called_inside_the_callback(void **state)
{
    (void)state;
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, "it_ok_text.scn", NULL), 0);
    for (int at = 1; at <= 7; at++) {
        stopper s = {.at = at, .call_cancel = 1};
        it_events ev;
        mp_error err = MP_ERROR_INIT;
        double back;
        int rc = stream_with(&m, "it-ok", &s, &ev, &err, &back);
        int want = at < 7 ? MP_E_CANCELLED : MP_OK;
        if (rc != want)
            fail_msg("cancel at event %d: got %s (%d events)", at,
                     mp_errname(rc), ev.count);
        assert_string_equal(err.message, at < 7 ? "cancelled" : "");
        assert_int_equal(ev.count, at);
        it_events_free(&ev);

        it_events after;
        it_events_init(&after);
        assert_int_equal(it_stream(s.inst, it_hello_request, &after, &err),
                         MP_OK);
        assert_int_equal(after.count, 7);
        it_events_free(&after);
        it_p->destroy(s.inst);
    }
    mock_stop(&m);
}

/* --------------------------------------------------------- garbage bytes */

/* Write `n` bytes to it_tmpdir()/name; returns the path (malloc'd). */
static char *write_bytes(const char *name, const char *data, size_t n)
{
    char *path = it_write_file(name, "%s", "");
    assert_non_null(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

static void fill_noise(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (char)(seed >> 16);
    }
}

static const char hi_chunks[] =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n";

/* Random binary bytes, including NULs: as the whole body, and inside a
 * data line after two good chunks.  Each is a protocol error that says
 * where, with the events before it intact; never a crash, never success. */
static void test_binary_garbage(void **state)
{
    (void)state;
    char noise[600];
    fill_noise(noise, sizeof noise, 7);
    noise[10] = '\0';
    noise[0] = '\x8f'; /* not a SSE field name nor white space */
    char *whole = write_bytes("resp_noise.bin", noise, sizeof noise);

    it_buf b = {0};
    it_buf_add(&b, hi_chunks, strlen(hi_chunks));
    size_t data_at = b.len;
    it_buf_add(&b, "data: ", 6);
    char line[300];
    fill_noise(line, sizeof line, 11);
    for (size_t i = 0; i < sizeof line; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = '\0'; /* keep it one line */
    line[0] = '\x01';
    it_buf_add(&b, line, sizeof line);
    it_buf_add(&b, "\n\ndata: [DONE]\n\n", 16);
    char *inline_noise = write_bytes("resp_noise_line.bin", b.data, b.len);
    it_buf_free(&b);

    char *s1 = it_write_file("resp_noise.scn", "model: resp-noise\nsse: true\n"
                             "body_file: %s\n", whole);
    char *s2 = it_write_file("resp_noise_line.scn", "model: resp-noise-line\n"
                             "sse: true\nbody_file: %s\n", inline_noise);
    mock_proc m;
    assert_int_equal(it_mock_scenarios(&m, 0, s1, s2, NULL), 0);

    it_call c;
    it_call_model(&c, &m, "resp-noise", NULL, NULL, "\"num_retries\":2");
    print_message("%s\n", c.err.message);
    st_expect_rc(&c, MP_E_PROTOCOL);
    st_expect_message(&c, "the response body is not an event stream (no SSE "
                      "data line in its 600 bytes; it starts with \"\\x8f");
    assert_int_equal(c.ev.count, 0);
    it_call_free(&c);

    it_call_model(&c, &m, "resp-noise-line", NULL, NULL, "\"num_retries\":2");
    print_message("%s\n", c.err.message);
    st_expect_rc(&c, MP_E_PROTOCOL);
    char want[64];
    snprintf(want, sizeof want, "SSE data at byte %zu: invalid JSON", data_at);
    st_expect_message(&c, want);
    assert_string_equal(c.ev.json.data, START BSTART TEXT("Hi"));
    it_call_free(&c);
    assert_int_equal(it_chat_count(&m), 2); /* a body came: not retried */
    free(s1);
    free(s2);
    free(whole);
    free(inline_noise);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_http_proxy_env_is_used, clear_proxy),
        cmocka_unit_test_teardown(test_no_proxy_env_bypasses_the_proxy,
                                  clear_proxy),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_whole_call_timeout_mid_stream),
        cmocka_unit_test(test_exponential_backoff_between_retries),
        cmocka_unit_test(test_callback_return_stops_at_once),
        cmocka_unit_test(test_cancel_called_inside_the_callback),
        cmocka_unit_test(test_binary_garbage),
    };
    return cmocka_run_group_tests_name("stream_transport", tests,
                                       it_group_setup, it_group_teardown);
}
