/* request_log.c - see request_log.h. */
#include "request_log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void log_line(const char *request, size_t len, int rc, int off_schema)
{
    const char *dir = getenv("MP_REQUEST_LOG");
    if (!dir || !*dir || !request)
        return;
    if (len == (size_t)-1)
        len = strlen(request);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%d.jsonl", dir,
             program_invocation_short_name, (int)getpid());
    json_object *line = json_object_new_object();
    json_object *text = json_object_new_string_len(request, (int)len);
    if (!line || !text) {
        json_object_put(line);
        json_object_put(text);
        return;
    }
    json_object_object_add(line, "rc", json_object_new_int(rc));
    json_object_object_add(line, "request", text);
    if (off_schema)
        json_object_object_add(line, "offSchema", json_object_new_boolean(1));
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *buf = s ? malloc(n + 1) : NULL;
    int fd = buf ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (fd >= 0) {
        memcpy(buf, s, n);
        buf[n] = '\n';
        /* One write of the whole line: lines of parallel writers do not
         * interleave.  A failure only loses the line for the check. */
        ssize_t w;
        do
            w = write(fd, buf, n + 1);
        while (w < 0 && errno == EINTR);
        close(fd);
    }
    free(buf);
    json_object_put(line);
}

void request_log(const char *request, size_t len, int rc)
{
    log_line(request, len, rc, 0);
}

void request_log_off_schema(const char *request, size_t len, int rc)
{
    log_line(request, len, rc, 1);
}
