/*
 * test_host_interactive.c - `agent-host -i` on a terminal, driven through
 * a pseudo-terminal as a user would drive it (keys go through the tty's
 * line discipline, so Ctrl-C really is a SIGINT from the terminal):
 *
 *   - a one-line banner naming :help, then the prompt;
 *   - Ctrl-C while an answer streams cancels that answer through the
 *     plugin's cancel() (the rest never arrives), the conversation is as
 *     before the prompt, and the prompt comes back; a second Ctrl-C exits;
 *   - Ctrl-C at the prompt says how to exit and keeps running;
 *   - Ctrl-D exits with a newline, so the shell's prompt starts a line;
 *   - a reload (SIGHUP) at the prompt prints its message and the prompt
 *     again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <time.h>

#include "host_test.h"

typedef struct term {
    int master;
    pid_t pid;
    char *out;   /* everything the host wrote to the terminal */
    size_t len;
} term;

static void term_start(term *t, const char *model)
{
    memset(t, 0, sizeof *t);
    char config[128], client[256];
    snprintf(config, sizeof config, "{\"model_id\":\"%s\"}", model);
    snprintf(client, sizeof client, "{\"api_base\":\"%s\",\"api_key\":\"sk-t\"}",
             g_mock.base_url);
    struct winsize ws = {24, 100, 0, 0};
    t->pid = forkpty(&t->master, NULL, NULL, &ws);
    assert_true(t->pid >= 0);
    if (t->pid == 0) {
        execl(HOST_BIN, HOST_BIN, "-i", "--tools", "none", "--config", config,
              "--client-args", client, (char *)NULL);
        _exit(127);
    }
    ht_child = t->pid;
    ht_append(&t->out, &t->len, "", 0);
}

/* Read what the host writes until `needle` appears after byte `from` (or
 * `ms` pass).  Returns the offset just past it, or -1. */
static long term_wait(term *t, size_t from, const char *needle, int ms)
{
    for (int waited = 0;; waited += 10) {
        char *at = strstr(t->out + from, needle);
        if (at)
            return (long)(at - t->out) + (long)strlen(needle);
        if (waited >= ms)
            return -1;
        struct pollfd p = {t->master, POLLIN, 0};
        if (poll(&p, 1, 10) > 0) {
            char chunk[4096];
            ssize_t n = read(t->master, chunk, sizeof chunk);
            if (n > 0)
                ht_append(&t->out, &t->len, chunk, (size_t)n);
            else if (n < 0 && errno != EINTR && errno != EAGAIN)
                waited = ms; /* the host closed the terminal (EIO) */
        }
    }
}

static long expect_out(term *t, size_t from, const char *needle, int ms)
{
    long at = term_wait(t, from, needle, ms);
    if (at < 0)
        fail_msg("no \"%s\" within %d ms; the terminal showed:\n%s", needle,
                 ms, t->out);
    return at;
}

static void term_type(term *t, const char *keys)
{
    assert_int_equal(write(t->master, keys, strlen(keys)), (ssize_t)strlen(keys));
}

/* The host's exit status, once it has exited (within `ms`). */
static int term_end(term *t, int ms)
{
    /* Drain the terminal so the host never blocks writing to it. */
    term_wait(t, t->len, "\x01never\x01", 50);
    int status = ht_wait_child(t->pid, ms);
    term_wait(t, t->len, "\x01never\x01", 50);
    close(t->master);
    return status;
}

static void term_free(term *t)
{
    free(t->out);
}

static int start_mock(void **state)
{
    (void)state;
    return it_mock_scenarios(&g_mock, 0, "slow_answer.scn", "it_ok_text.scn",
                             (char *)NULL) == 0 ? 0 : -1;
}

static int chat_requests(void)
{
    json_object *r = it_chat_requests(&g_mock);
    int n = r ? (int)json_object_array_length(r) : -1;
    json_object_put(r);
    return n;
}

/* Ask for the slow answer and press Ctrl-C once its first word is on
 * screen; returns the offset past the prompt that comes back, and in *ms
 * how long that took from the key. */
static long interrupt_an_answer(term *t, long at, double *ms)
{
    term_type(t, "count\n");
    at = expect_out(t, (size_t)at, "one ", 5000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    term_type(t, "\x03"); /* the terminal's VINTR: SIGINT */
    at = expect_out(t, (size_t)at, "[cancelled", 5000);
    at = expect_out(t, (size_t)at, "> ", 5000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
          (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return at;
}

static void test_ctrl_c_cancels_the_answer_then_twice_exits(void **state)
{
    (void)state;
    term t;
    term_start(&t, "slow-answer");
    long at = expect_out(&t, 0, "> ", 10000);
    /* One banner line, naming :help, before the first prompt. */
    assert_non_null(strstr(t.out, ":help"));
    assert_non_null(strstr(t.out, "Ctrl-C"));
    assert_int_equal(ht_count(t.out, "\n"), 1);

    double ms;
    at = interrupt_an_answer(&t, at, &ms);
    /* Stopped, not waited out: the rest of the answer (about 1 s more)
     * never came, and the prompt was back well before it would have. */
    assert_null(strstr(t.out, "nine"));
    assert_true(ms < 900);
    assert_int_equal(chat_requests(), 1);

    /* The host still runs, and the cancelled prompt left no trace. */
    term_type(&t, ":history\n");
    at = expect_out(&t, (size_t)at, "(the conversation is empty)", 5000);
    at = expect_out(&t, (size_t)at, "> ", 5000);

    /* A line was typed since the cancel: one Ctrl-C only warns... */
    term_type(&t, "\x03");
    at = expect_out(&t, (size_t)at, "Ctrl-C again or Ctrl-D to exit", 5000);
    at = expect_out(&t, (size_t)at, "> ", 5000);
    /* ...and the second one exits. */
    term_type(&t, "\x03");
    assert_int_equal(term_end(&t, 5000), 0);
    term_free(&t);
}

static void test_a_ctrl_c_after_a_cancel_exits(void **state)
{
    (void)state;
    term t;
    term_start(&t, "slow-answer");
    double ms;
    interrupt_an_answer(&t, expect_out(&t, 0, "> ", 10000), &ms);
    term_type(&t, "\x03"); /* the second Ctrl-C */
    assert_int_equal(term_end(&t, 5000), 0);
    term_free(&t);
}

static void test_ctrl_d_exits_on_a_fresh_line(void **state)
{
    (void)state;
    term t;
    term_start(&t, "it-ok");
    long at = expect_out(&t, 0, "> ", 10000);
    term_type(&t, "hi\n");
    at = expect_out(&t, (size_t)at, "Hello, world", 5000);
    at = expect_out(&t, (size_t)at, "> ", 5000);
    term_type(&t, "\x04"); /* VEOF on an empty line: the end of input */
    assert_int_equal(term_end(&t, 5000), 0);
    /* After the last prompt: only the newline (the tty shows \r\n). */
    const char *last = strrchr(t.out, '>');
    assert_non_null(last);
    assert_string_equal(last, "> \r\n");
    term_free(&t);
}

static void test_a_reload_reprints_the_prompt(void **state)
{
    (void)state;
    term t;
    term_start(&t, "it-ok");
    long at = expect_out(&t, 0, "> ", 10000);
    kill(t.pid, SIGHUP);
    at = expect_out(&t, (size_t)at, "[reload]", 5000);
    at = expect_out(&t, (size_t)at, "\n", 5000);
    expect_out(&t, (size_t)at, "> ", 5000);
    term_type(&t, ":quit\n");
    assert_int_equal(term_end(&t, 5000), 0);
    term_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ctrl_c_cancels_the_answer_then_twice_exits,
                                        start_mock, ht_teardown_test),
        cmocka_unit_test_setup_teardown(test_a_ctrl_c_after_a_cancel_exits,
                                        start_mock, ht_teardown_test),
        cmocka_unit_test_setup_teardown(test_ctrl_d_exits_on_a_fresh_line,
                                        start_mock, ht_teardown_test),
        cmocka_unit_test_setup_teardown(test_a_reload_reprints_the_prompt,
                                        start_mock, ht_teardown_test),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
