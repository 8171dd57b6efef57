/* scenario_io.c - reading response bodies and cutting SSE bodies into
 * events, the byte-level half of scenario loading. */
#include "scenario.h"
#include "scenario_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Benchmark bodies can be large, but a scenario file over this is a
 * mistake (e.g. body_file pointing at the wrong thing). */
#define SCN_MAX_FILE (512u * 1024u * 1024u)

/* Reads a whole file; *len excludes the NUL we always append so callers can
 * treat the content as a C string when it has no embedded NULs. */
char *scn_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f)
        return NULL;
    for (;;) {
        size_t got;
        if (cap - n < 65536) {
            char *nb;
            cap = cap ? cap * 2 : 131072;
            if (cap > SCN_MAX_FILE || !(nb = realloc(buf, cap + 1))) {
                free(buf);
                fclose(f);
                errno = EFBIG;
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        errno = EIO;
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Records where each SSE event ends so pacing can write one event at a
 * time. Events end after a blank line ("\n\n" or "\r\n\r\n"); any tail
 * without one is a final event of its own. */
bool scn_split_events(struct scenario *s)
{
    size_t cap = 16, i = 0, start = 0;

    s->event_end = malloc(cap * sizeof(*s->event_end));
    if (!s->event_end)
        return false;
    while (i < s->body_len) {
        size_t end = 0;
        if (s->body[i] == '\n' && i + 1 < s->body_len && s->body[i + 1] == '\n')
            end = i + 2;
        else if (s->body[i] == '\r' && i + 3 < s->body_len &&
                 memcmp(s->body + i, "\r\n\r\n", 4) == 0)
            end = i + 4;
        if (!end) {
            i++;
            continue;
        }
        if (s->n_events == cap) {
            size_t *ne = realloc(s->event_end, 2 * cap * sizeof(*ne));
            if (!ne)
                return false;
            s->event_end = ne;
            cap *= 2;
        }
        s->event_end[s->n_events++] = end;
        start = i = end;
    }
    if (start < s->body_len) {
        size_t *ne = realloc(s->event_end, (s->n_events + 1) * sizeof(*ne));
        if (!ne)
            return false;
        s->event_end = ne;
        s->event_end[s->n_events++] = s->body_len;
    }
    return true;
}
