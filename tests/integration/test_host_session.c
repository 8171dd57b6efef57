/*
 * test_host_session.c - build/agent-host --session: save and resume, a
 * corrupt session refused and left untouched (an empty file is a new
 * session), a session path that could not be saved refused before any
 * model call, and a save that fails or
 * crashes half way (AGENT_HOST_FAULT) never harming the previous session,
 * a save keeping the file's permission bits, and a save onto a really
 * full disk (a tiny tmpfs filled up) doing no harm either.
 */
#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../support/mock_proc.h"
#include "host_test.h"

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
    ht_expect_status(&r, 0);
    assert_string_equal(r.out, "Second answer.\n");
    assert_int_equal(messages_in(session), 4);
    json_object *conv = json_object_from_file(session);
    assert_string_equal(ht_str(conv, "[3].content[0].text"), "Second answer.");
    json_object_put(conv);
    host_run_free(&r);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 0777;
}

/* A save replaces the file but keeps its permission bits; a new session
 * file is private to its owner. */
static void test_save_keeps_the_file_mode(void **state)
{
    (void)state;
    const char *args[] = {"--sequence", "--scenario", scenario_path("host_session_first.scn"),
                          "--scenario", scenario_path("host_session_first.scn"), NULL};
    assert_int_equal(mock_start(&g_mock, args), 0);
    const char *fresh = ht_path("fresh.json");
    host_run r = ask(fresh, "first question", NULL);
    ht_expect_status(&r, 0);
    host_run_free(&r);
    assert_int_equal(mode_of(fresh), 0600);

    const char *shared = ht_path("shared.json");
    assert_int_equal(ht_write(shared, "[]"), 0);
    assert_int_equal(chmod(shared, 0640), 0);
    r = ask(shared, "first question", NULL);
    ht_expect_status(&r, 0);
    host_run_free(&r);
    assert_int_equal(messages_in(shared), 2); /* really replaced... */
    assert_int_equal(mode_of(shared), 0640);  /* ...with its mode kept */
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
    expect_refused("object.json", "{\"messages\":[]}", "expected a JSON array");
    expect_refused("role.json", "[{\"role\":\"robot\",\"content\":[]}]", "[0]");
    expect_refused("content.json", "[{\"role\":\"user\",\"content\":\"hi\"}]",
                   "[0].content: expected an array");
    expect_refused("garbage.json", "[] trailing", "invalid JSON at byte 3");
}

/* An empty file (made by `touch`, or an editor) is a new session. */
static void test_an_empty_session_file_is_a_new_session(void **state)
{
    (void)state;
    start(0);
    const char *session = ht_path("touched.json");
    assert_int_equal(ht_write(session, "\n"), 0);
    host_run r = ask(session, "first question", NULL);
    ht_expect_status(&r, 0);
    assert_string_equal(r.out, "First answer.\n");
    assert_int_equal(messages_in(session), 2);
    host_run_free(&r);
}

/* A session that could not be saved is refused before the model call, so
 * no tokens are spent on an answer that would be lost. */
static void test_a_session_in_a_missing_folder_is_refused_first(void **state)
{
    (void)state;
    start(0);
    host_run r = ask(ht_path("no/such/folder/s.json"), "first question", NULL);
    ht_expect_status(&r, 1);
    assert_non_null(strstr(r.err, "HOST_E_IO: --session "));
    assert_non_null(strstr(r.err, "no/such/folder does not exist; create it "
                           "first (mkdir -p "));
    json_object *sent = it_chat_requests(&g_mock);
    assert_int_equal(json_object_array_length(sent), 0);
    json_object_put(sent);
    host_run_free(&r);

    r = ask(ht_tmpdir(), "first question", NULL);
    ht_expect_status(&r, 1);
    assert_non_null(strstr(r.err, "that is a folder; name a file in it"));
    host_run_free(&r);
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
    ht_expect_status(&r, 0);
    assert_int_equal(messages_in(session), 4);
    host_run_free(&r);
    free(before);
}

/* Mount a small tmpfs on `dir`, in a mount namespace of this test process
 * alone (so nothing shows outside and it goes away with the process).
 * Root can do it directly; other users through a user namespace where the
 * kernel allows one.  0, or -1 when this machine allows neither. */
static int private_tmpfs(const char *dir, const char *options)
{
    if (unshare(CLONE_NEWNS) != 0) {
        char map[64];
        int uid = (int)getuid(), gid = (int)getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
            return -1;
        snprintf(map, sizeof map, "0 %d 1", uid);
        if (ht_write("/proc/self/setgroups", "deny") || ht_write("/proc/self/uid_map", map))
            return -1;
        snprintf(map, sizeof map, "0 %d 1", gid);
        if (ht_write("/proc/self/gid_map", map))
            return -1;
    }
    /* Private first: a mount under a shared tree would propagate out. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return -1;
    return mount("tmpfs", dir, "tmpfs", 0, options);
}

/* Fill the file system of `path` to the last byte; 0 once it says ENOSPC. */
static int fill_disk(const char *path)
{
    FILE *f = fopen(path, "wb");
    static char block[4096];
    int rc = -1;
    while (f && rc != 0) {
        if (fwrite(block, 1, sizeof block, f) != sizeof block || fflush(f) != 0)
            rc = errno == ENOSPC ? 0 : -2;
        if (rc == -2)
            break;
    }
    if (f)
        fclose(f);
    return rc;
}

/* The small tmpfs while it is mounted: unmounted by the teardown, also
 * when an assertion fails first (a mount point cannot be removed). */
static char g_mounted[256];

static int unmount_and_stop_mock(void **state)
{
    if (g_mounted[0] && umount2(g_mounted, MNT_DETACH) != 0)
        fprintf(stderr, "cannot unmount %s: %s\n", g_mounted, strerror(errno));
    g_mounted[0] = '\0';
    return ht_stop_mock(state);
}

/* A real full disk, not a simulated one: the session lives on a 256 KiB
 * tmpfs that is then filled to the brim, so the save hits ENOSPC. */
static void test_full_disk_keeps_the_old_session(void **state)
{
    (void)state;
    const char *dir = ht_path("small-disk");
    assert_int_equal(mkdir(dir, 0700), 0);
    if (private_tmpfs(dir, "size=256k,mode=0700") != 0) {
        fprintf(stderr, "cannot mount a tmpfs here (%s): the full-disk test "
                "is skipped, not passed\n", strerror(errno));
        skip();
    }
    snprintf(g_mounted, sizeof g_mounted, "%s", dir);
    start(2);
    char session[256], filler[256];
    snprintf(session, sizeof session, "%s/session.json", dir);
    snprintf(filler, sizeof filler, "%s/filler", dir);
    host_run r = ask(session, "first question", NULL);
    ht_expect_status(&r, 0);
    host_run_free(&r);
    char *before = ht_read(session);
    assert_non_null(before);

    assert_int_equal(fill_disk(filler), 0);
    r = ask(session, "second question", NULL);
    ht_expect_status(&r, 1);
    assert_string_equal(r.out, "Second answer.\n"); /* the turn ran... */
    assert_non_null(strstr(r.err, "HOST_E_IO: cannot save the session to"));
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_non_null(strstr(r.err, "the previous session is intact"));
    char *after = ht_read(session);
    assert_string_equal(after, before);             /* ...the file did not change */
    free(after);
    /* session.json and filler, and nothing else: the temporary file
     * (.session.json.tmp-PID, a dot name) is gone too. */
    assert_int_equal(it_count_entries(dir), 2);
    host_run_free(&r);

    /* Room again: the same prompt now saves. */
    assert_int_equal(unlink(filler), 0);
    r = ask(session, "second question", NULL);
    ht_expect_status(&r, 0);
    assert_int_equal(messages_in(session), 4);
    host_run_free(&r);
    free(before);
    g_mounted[0] = '\0';
    assert_int_equal(umount2(dir, MNT_DETACH), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_save_and_resume, ht_stop_mock),
        cmocka_unit_test_teardown(test_corrupt_session_refused, ht_stop_mock),
        cmocka_unit_test_teardown(test_an_empty_session_file_is_a_new_session, ht_stop_mock),
        cmocka_unit_test_teardown(test_a_session_in_a_missing_folder_is_refused_first,
                                  ht_stop_mock),
        cmocka_unit_test_teardown(test_failed_saves_keep_the_old_session, ht_stop_mock),
        cmocka_unit_test_teardown(test_save_keeps_the_file_mode, ht_stop_mock),
        /* Last: it moves this process into a mount namespace of its own. */
        cmocka_unit_test_teardown(test_full_disk_keeps_the_old_session,
                                  unmount_and_stop_mock),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
