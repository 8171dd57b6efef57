/* expect.c - request expectations.
 *
 * All failures are reported, not just the first, so one failing test run
 * shows everything the client got wrong.
 */
#include "expect.h"
#include "http_request.h"
#include "json_util.h"
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Seen values can be whole message arrays; keep messages readable. */
#define SEEN_MAX 300

struct msg {
    char *text;
    size_t len;
};

static void add(struct msg *m, const char *fmt, ...)
{
    va_list ap;
    char *part;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&part, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *nt = realloc(m->text, m->len + (size_t)n + 3);
    if (nt) {
        m->text = nt;
        if (m->len) {
            memcpy(m->text + m->len, "; ", 2);
            m->len += 2;
        }
        memcpy(m->text + m->len, part, (size_t)n + 1);
        m->len += (size_t)n;
    }
    free(part);
}

static void check_json(struct msg *m, const struct scenario *sc,
                       const struct expect_json *e, json_object *body,
                       bool body_is_json)
{
    json_object *seen = NULL;
    int found;

    if (!body_is_json) {
        add(m, "%s:%d: expect.json %s: the request body is not JSON",
            sc->name, e->line, e->text);
        return;
    }
    found = ju_lookup(body, e->path, &seen);
    if (e->mode == EJ_ABSENT && found == 0)
        return;
    if (e->mode == EJ_PRESENT && found == 1)
        return;
    if (e->mode == EJ_EQUALS && found == 1 && ju_equal(seen, e->value))
        return;
    if (found != 1) {
        add(m, "%s:%d: expect.json %s: saw absent", sc->name, e->line,
            e->text);
    } else {
        const char *t = ju_text(seen);
        add(m, "%s:%d: expect.json %s: saw %.*s%s", sc->name, e->line,
            e->text, SEEN_MAX, t, strlen(t) > SEEN_MAX ? "..." : "");
    }
}

static void check_header(struct msg *m, const struct scenario *sc,
                         const struct expect_header *e,
                         const struct request *req)
{
    char lname[256];
    char *seen;
    size_t i;

    for (i = 0; e->name[i] && i + 1 < sizeof(lname); i++)
        lname[i] = (char)((e->name[i] >= 'A' && e->name[i] <= 'Z')
                              ? e->name[i] - 'A' + 'a' : e->name[i]);
    lname[i] = '\0';
    seen = req_header_joined(req, lname);
    if (!e->value) {
        if (seen)
            add(m, "%s:%d: expect.header_absent %s: saw '%.*s'", sc->name,
                e->line, e->name, SEEN_MAX, seen);
    } else if (!seen) {
        add(m, "%s:%d: expect.header %s: %s: saw absent", sc->name, e->line,
            e->name, e->value);
    } else if (strcmp(seen, e->value) != 0) {
        add(m, "%s:%d: expect.header %s: %s: saw '%.*s'", sc->name, e->line,
            e->name, e->value, SEEN_MAX, seen);
    }
    free(seen);
}

char *expect_check(const struct scenario *sc, const struct request *req,
                   json_object *body, bool body_is_json)
{
    struct msg m = { NULL, 0 };

    if (sc->expect_method && strcmp(sc->expect_method, req->method) != 0)
        add(&m, "%s:%d: expect.method %s: saw %s", sc->name,
            sc->expect_method_line, sc->expect_method, req->method);
    if (sc->expect_path && strcmp(sc->expect_path, req->target) != 0)
        add(&m, "%s:%d: expect.path %s: saw %.*s", sc->name,
            sc->expect_path_line, sc->expect_path, SEEN_MAX, req->target);
    for (size_t i = 0; i < sc->n_eh; i++)
        check_header(&m, sc, &sc->eh[i], req);
    for (size_t i = 0; i < sc->n_ej; i++)
        check_json(&m, sc, &sc->ej[i], body, body_is_json);
    return m.text;
}
