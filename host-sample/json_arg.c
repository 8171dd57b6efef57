/* json_arg.c - command-line JSON values: inline text or @FILE. */
#include <stddef.h>
#include "json_arg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *read_whole_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int failed = ferror(f), why = failed ? errno : ENOMEM; /* EISDIR, EIO, ... */
    fclose(f);
    if (!buf || failed) {
        free(buf);
        errno = why;
        return NULL;
    }
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

char *json_arg_load(const char *arg)
{
    if (arg[0] != '@')
        return strdup(arg);
    char *text = read_whole_file(arg + 1, NULL);
    if (!text)
        fprintf(stderr, "agent-host: cannot read %s: %s\n", arg + 1,
                strerror(errno));
    return text;
}
