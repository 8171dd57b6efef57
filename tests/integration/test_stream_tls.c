/*
 * test_stream_tls.c - the transport over TLS, against a real peer: node's
 * http2 server (tests/tls/tls_server.js) with a self-signed certificate
 * made by openssl for this run.  Checks that verification is on by default,
 * that ca_bundle and LiteLLM's ssl_verify forms work, and that HTTP/2 is
 * used when the server offers it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/it_harness.h"

static char dir[256], cert[300], key[300];
static pid_t server_pid;
static int port;

static int start_server(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tls-test-%d", (int)getpid());
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && openssl req -x509 -newkey rsa:2048 "
             "-nodes -keyout %s -out %s -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 2>/dev/null", dir, key, cert);
    if (system(cmd) != 0) {
        fprintf(stderr, "openssl could not make a test certificate\n");
        return -1;
    }
    int fds[2];
    if (pipe(fds))
        return -1;
    server_pid = fork();
    if (server_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("node", "node", LP_SOURCE_DIR "/tests/tls/tls_server.js", cert, key,
               (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[64] = "";
    int ok = f && fgets(line, sizeof line, f) && sscanf(line, "PORT=%d", &port) == 1;
    if (f)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "the node TLS server did not start\n");
        return -1;
    }
    return it_load();
}

static int stop_server(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return it_unload();
}

/* One call with the given TLS client args (inserted after api_base). */
static void call(it_call *c, const char *tls_args)
{
    char args[1024];
    snprintf(args, sizeof args, "{\"api_base\":\"https://127.0.0.1:%d\"%s%s}",
             port, tls_args ? "," : "", tls_args ? tls_args : "");
    it_call_run(c, "{\"model_id\":\"tls-model\"}", args, NULL);
}

static void test_verification_is_on_by_default(void **state)
{
    (void)state;
    it_call c;
    call(&c, NULL);
    assert_int_equal(c.rc, MP_E_NETWORK);
    assert_non_null(strstr(c.err.message, "certificate"));
    assert_int_equal(c.ev.count, 0); /* failed before any event */
    it_call_free(&c);
}

static void expect_http2_answer(const char *tls_args)
{
    it_call c;
    call(&c, tls_args);
    if (c.rc != MP_OK)
        fail_msg("%s: %s: %s", tls_args, mp_errname(c.rc), c.err.message);
    /* The server names the protocol the client negotiated (ALPN). */
    assert_non_null(strstr(c.ev.json.data, "http/2.0"));
    assert_non_null(strstr(c.ev.json.data, "model=tls-model"));
    it_call_free(&c);
}

static void test_ca_bundle_is_trusted_and_http2_is_used(void **state)
{
    (void)state;
    char args[400];
    snprintf(args, sizeof args, "\"ca_bundle\":\"%s\"", cert);
    expect_http2_answer(args);
}

static void test_ssl_verify_accepts_a_bundle_path_or_false(void **state)
{
    (void)state;
    char args[400];
    snprintf(args, sizeof args, "\"ssl_verify\":\"%s\"", cert);
    expect_http2_answer(args);
    expect_http2_answer("\"ssl_verify\":false");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verification_is_on_by_default),
        cmocka_unit_test(test_ca_bundle_is_trusted_and_http2_is_used),
        cmocka_unit_test(test_ssl_verify_accepts_a_bundle_path_or_false),
    };
    return cmocka_run_group_tests_name("stream_tls", tests, start_server, stop_server);
}
