/*
 * test_host_io.c - build/agent-host's own input and output under stress:
 *
 *   - a SIGHUP while stdout is a full pipe (the reader is slow): the write
 *     that the signal interrupts is restarted, so the answer arrives whole
 *     and the run succeeds;
 *   - interactive input that cannot be read (stdin a directory: read()
 *     fails with EISDIR) is an error (HOST_E_IO, exit 1), not the end of
 *     the input and a silent success.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/ioctl.h>

#include "../support/mock_proc.h"
#include "host_test.h"

#define BIG_CHUNKS 50000
#define FIXTURE LP_SOURCE_DIR "/tests/fixtures/expected/openai_gpt4o_text_plain.events.jsonl" /* host_big_text.scn: "tok " each */

/* Bytes waiting in the pipe behind `fd`. */
static int pipe_fill(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

/* Read `fd` to its end (at most `ms`), appending to *buf. */
static int read_to_end(int fd, char **buf, size_t *len, int ms)
{
    for (int waited = 0; waited < ms;) {
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, 100);
        if (ready < 0 && errno != EINTR)
            return -1;
        if (ready <= 0) {
            waited += 100;
            continue;
        }
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
        if (n > 0)
            ht_append(buf, len, chunk, (size_t)n);
    }
    return -1;
}

static void test_sighup_while_stdout_is_full(void **state)
{
    (void)state;
    const char *scn[] = {"--scenario", scenario_path("host_big_text.scn"), NULL};
    assert_int_equal(mock_start(&g_mock, scn), 0);
    const char *errors = ht_path("stderr.txt");
    int out[2];
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int err = open(errors, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err < 0)
            _exit(126);
        dup2(out[1], 1);
        dup2(err, 2);
        close(out[0]);
        close(out[1]);
        execl(HOST_BIN, HOST_BIN, "--config", "{\"model_id\":\"host-big\"}",
              "--client-args", mock_client_args(&g_mock, NULL), "--tools", "none",
              "-q", "Talk a lot.", (char *)NULL);
        _exit(127);
    }
    ht_child = pid; /* killed by the teardown if an assertion fails */
    close(out[1]);
    /* Nobody reads: wait until the pipe is mostly full and its fill has
     * stopped growing for 300 ms: the host is blocked writing.  Mostly:
     * the pipe is full when its page slots (16 for 64 KiB) are taken,
     * which writes that end mid-page leave short of its capacity in
     * bytes (60,036 of 65,536 seen with 16 KiB network reads, each one
     * write). */
    int cap = fcntl(out[0], F_GETPIPE_SZ);
    assert_true(cap > 0 && cap < BIG_CHUNKS * 4); /* it cannot hold it all */
    int fill = 0, same = 0;
    for (int waited = 0; waited < 20000 && same < 30; waited += 10) {
        usleep(10000);
        int now = pipe_fill(out[0]);
        same = now >= cap / 4 * 3 && now == fill ? same + 1 : 0;
        fill = now;
    }
    if (same < 30)
        fprintf(stderr, "the pipe (%d bytes) holds %d bytes\n", cap, fill);
    assert_true(same >= 30);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kill(pid, SIGHUP), 0);
        usleep(50000);
    }
    char *text = NULL;
    size_t len = 0;
    ht_append(&text, &len, "", 0);
    int read_rc = read_to_end(out[0], &text, &len, 20000);
    close(out[0]);
    int status = ht_wait_child(pid, 10000);
    char *said = ht_read(errors);
    if (status != 0 || read_rc != 0)
        fprintf(stderr, "exit %d, %zu bytes on stdout; stderr:\n%s\n", status, len,
                said ? said : "");
    assert_int_equal(read_rc, 0);
    assert_int_equal(status, 0);
    assert_non_null(said);
    assert_null(strstr(said, "agent-host:")); /* no error of any kind */
    /* The whole answer, in order: every chunk, then the newline. */
    assert_int_equal(len, (size_t)BIG_CHUNKS * 4 + 1);
    assert_int_equal(ht_count(text, "tok "), BIG_CHUNKS);
    assert_int_equal(text[len - 1], '\n');
    free(said);
    free(text);
}

static void test_unreadable_input_is_an_error(void **state)
{
    (void)state;
    const char *args[] = {"--provider", REPLAY_SO, "--config",
                          "{\"events_file\":\"" FIXTURE "\"}", "-i", NULL};
    host_run r;
    assert_int_equal(host_exec_io(&r, args, NULL, NULL, ht_tmpdir(), NULL), 0);
    if (r.status != 1 || !strstr(r.err, "HOST_E_IO: cannot read the input: Is a directory"))
        host_dump(&r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "agent-host: HOST_E_IO: cannot read the input: "
                                  "Is a directory"));
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_sighup_while_stdout_is_full, ht_teardown_test),
        cmocka_unit_test(test_unreadable_input_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
