/*
 * test_host_session.c - build/agent-host --session: save and resume, a
 * corrupt session refused and left untouched, and a save that fails or
 * crashes half way (AGENT_HOST_FAULT) never harming the previous session.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

static mock_proc g_mock;

static int stop_mock(void **state)
{
    (void)state;
    if (g_mock.pid > 0)
        mock_stop(&g_mock);
    return 0;
}

/* first, then `seconds` times the resumed turn. */
static void start(int seconds)
{
    const char *args[16] = {"--sequence", "--scenario", scenario_path("host_session_first.scn")};
    int n = 3;
    for (int i = 0; i < seconds; i++) {
        args[n++] = "--scenario";
        args[n++] = scenario_path("host_session_second.scn");
    }
    args[n] = NULL;
    assert_int_equal(mock_start(&g_mock, args), 0);
}

static host_run ask(const char *session, const char *prompt, const char *fault)
{
    char env[64];
    snprintf(env, sizeof env, "AGENT_HOST_FAULT=%s", fault ? fault : "");
    const char *envs[] = {env, NULL};
    const char *args[] = {"--config", "{\"model_id\":\"m\"}", "--client-args",
                          mock_client_args(&g_mock, NULL), "--session", session,
                          "-q", prompt, NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, envs), 0);
    return r;
}

static size_t messages_in(const char *path)
{
    json_object *conv = json_object_from_file(path);
    size_t n = json_object_is_type(conv, json_type_array) ? json_object_array_length(conv) : 0;
    json_object_put(conv);
    return n;
}

/* Names in the test directory that start with ".", other than . and .. */
static int hidden_files(void)
{
    DIR *d = opendir(ht_tmpdir());
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_save_and_resume(void **state)
{
    (void)state;
    start(1);
    const char *session = ht_path("resume.json");
    host_run r = ask(session, "first question", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "First answer.\n");
    assert_int_equal(messages_in(session), 2);
    host_run_free(&r);

    r = ask(session, "second question", NULL); /* the scenario checks the resume */
    if (r.status != 0)
        host_dump(&r);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Second answer.\n");
    assert_int_equal(messages_in(session), 4);
    json_object *conv = json_object_from_file(session);
    assert_string_equal(ht_str(conv, "[3].content[0].text"), "Second answer.");
    json_object_put(conv);
    host_run_free(&r);
}

static void expect_refused(const char *name, const char *text, const char *why)
{
    const char *session = ht_path(name);
    assert_int_equal(ht_write(session, text), 0);
    const char *args[] = {"--session", session, "hello", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    if (r.status != 1 || !strstr(r.err, why))
        host_dump(&r);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "HOST_E_IO"));
    assert_non_null(strstr(r.err, "not a valid session"));
    assert_non_null(strstr(r.err, why));
    assert_non_null(strstr(r.err, "left untouched"));
    char *after = ht_read(session);
    assert_string_equal(after, text);
    free(after);
    host_run_free(&r);
}

static void test_corrupt_session_refused(void **state)
{
    (void)state;
    expect_refused("truncated.json", "[{\"role\":\"user\",\"content\":[{\"te", "truncated");
    expect_refused("empty.json", "", "empty");
    expect_refused("object.json", "{\"messages\":[]}", "expected a JSON array");
    expect_refused("role.json", "[{\"role\":\"robot\",\"content\":[]}]", "[0]");
    expect_refused("content.json", "[{\"role\":\"user\",\"content\":\"hi\"}]",
                   "[0].content: expected an array");
    expect_refused("garbage.json", "[] trailing", "invalid JSON at byte 3");
}

static void test_failed_saves_keep_the_old_session(void **state)
{
    (void)state;
    start(3);
    const char *session = ht_path("faults.json");
    host_run r = ask(session, "first question", NULL);
    assert_int_equal(r.status, 0);
    host_run_free(&r);
    char *before = ht_read(session);
    assert_non_null(before);

    /* A full disk half way through the temporary file. */
    r = ask(session, "second question", "session-write");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "HOST_E_IO: cannot save the session to"));
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_non_null(strstr(r.err, "the previous session is intact"));
    char *after = ht_read(session);
    assert_string_equal(after, before);
    free(after);
    assert_int_equal(hidden_files(), 0); /* the temporary file is gone */
    host_run_free(&r);

    /* A crash half way through: the process dies, the old file stays. */
    r = ask(session, "second question", "session-crash");
    assert_int_equal(r.status, 70);
    after = ht_read(session);
    assert_string_equal(after, before);
    free(after);
    assert_int_equal(hidden_files(), 1); /* what the crash left behind */
    host_run_free(&r);

    /* And the next run resumes from the intact session. */
    r = ask(session, "second question", NULL);
    if (r.status != 0)
        host_dump(&r);
    assert_int_equal(r.status, 0);
    assert_int_equal(messages_in(session), 4);
    host_run_free(&r);
    free(before);
}

static int teardown_all(void **state)
{
    (void)state;
    ht_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_save_and_resume, stop_mock),
        cmocka_unit_test_teardown(test_corrupt_session_refused, stop_mock),
        cmocka_unit_test_teardown(test_failed_saves_keep_the_old_session, stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
