/* session.c - atomic load and save of the conversation; see session.h. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conversation.h"
#include "json_arg.h"

/* Parse the whole text as one JSON value; NULL with a reason otherwise. */
static json_object *parse_all(const char *text, size_t n, char *why, size_t len)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *v = json_tokener_parse_ex(tok, text, (int)n);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (e == json_tokener_success && end < n && memchr(" \t\r\n", text[end], 4))
        end++;
    if (e == json_tokener_success && end == n)
        return v;
    json_object_put(v);
    if (e == json_tokener_continue)
        snprintf(why, len, "truncated: the JSON ends early");
    else if (e == json_tokener_success)
        snprintf(why, len, "unexpected text after the JSON at byte %zu", end);
    else
        snprintf(why, len, "invalid JSON at byte %zu (%s)", end,
                 json_tokener_error_desc(e));
    return NULL;
}

int session_load(const char *path, json_object **out, char *why, size_t len)
{
    size_t n = 0;
    char *text = read_whole_file(path, &n);
    if (!text && errno == ENOENT) {
        *out = json_object_new_array(); /* a new session */
        return *out ? 0 : -1;
    }
    *out = NULL;
    if (!text) {
        snprintf(why, len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (strspn(text, " \t\r\n") == n) { /* empty: a new session */
        free(text);
        *out = json_object_new_array();
        return *out ? 0 : -1;
    }
    char detail[256];
    json_object *conv = parse_all(text, n, detail, sizeof detail);
    free(text);
    if (conv && conv_check(conv, detail, sizeof detail)) {
        json_object_put(conv);
        conv = NULL;
    }
    if (!conv) {
        snprintf(why, len, "%s: not a valid session (%s); the file was left "
                 "untouched", path, detail);
        return -1;
    }
    *out = conv;
    return 0;
}

/* The folder part of `path` ("." for a bare name, "/" for /name). */
static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int session_check_path(const char *path, char *why, size_t len)
{
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    struct stat st;
    if (!*path || path[strlen(path) - 1] == '/' ||
        (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        snprintf(why, len, "--session %s: that is a folder; name a file in it "
                 "(e.g. %s%ssession.json)", path, path,
                 *path && path[strlen(path) - 1] == '/' ? "" : "/");
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, len, "--session %s: the folder %s does not exist; "
                 "create it first (mkdir -p %s)", path, dir, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(why, len, "--session %s: cannot save there: the folder %s "
                 "is not writable (%s)", path, dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* What AGENT_HOST_FAULT asks for: 0 none, 1 fail, 2 crash. */
static int fault_mode(void)
{
    const char *f = getenv("AGENT_HOST_FAULT");
    if (!f)
        return 0;
    return strcmp(f, "session-write") == 0 ? 1 : strcmp(f, "session-crash") == 0 ? 2 : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    int fault = fault_mode();
    size_t limit = fault ? n / 2 : n;
    while (limit > 0) {
        ssize_t w = write(fd, p, limit);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        limit -= (size_t)w;
    }
    if (fault == 2)
        _exit(70); /* a simulated crash in the middle of the save */
    if (fault == 1) {
        errno = ENOSPC; /* a simulated full disk */
        return -1;
    }
    return 0;
}

/* fsync the directory holding `path`, so the rename itself is durable. */
static int sync_dir(const char *path)
{
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int session_save(const char *path, json_object *conv, char *why, size_t len)
{
    const char *slash = strrchr(path, '/');
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%.*s.%s.tmp-%d", slash ? (int)(slash - path + 1) : 0,
             path, slash ? slash + 1 : path, (int)getpid());
    const char *text = json_object_to_json_string_ext(
        conv, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) {
        snprintf(why, len, "cannot save the session to %s: out of memory", path);
        return -1;
    }
    unlink(tmp); /* a stale one from an earlier crash of this pid */
    /* The new file keeps the permission bits of the one it replaces (a
     * session its owner shared with a group stays shared, a private one
     * private); a new session is private to its owner (0600), since a
     * conversation can hold anything.  fchmod, unlike open's mode, is not
     * narrowed by the umask, so an existing mode is kept exactly. */
    struct stat old;
    mode_t mode = stat(path, &old) == 0 ? (old.st_mode & 0777) : 0600;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int ok = fd >= 0 && fchmod(fd, mode) == 0 &&
             write_all(fd, text, strlen(text)) == 0 &&
             write_all(fd, "\n", 1) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        snprintf(why, len, "cannot save the session to %s: %s; the previous "
                 "session is intact", path, strerror(saved));
        return -1;
    }
    if (sync_dir(path) != 0) {
        snprintf(why, len, "saved the session to %s, but cannot sync its "
                 "directory: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
