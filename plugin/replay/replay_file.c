/* replay_file.c - reading and checking a recording; see replay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "replay.h"

#define RP_MAX_FILE ((size_t)256 << 20)

static const char *const event_keys[] = {
    "messageStart", "contentBlockStart", "contentBlockDelta",
    "contentBlockStop", "messageStop", "metadata", "responseInfo", NULL};

static int slurp(const char *path, char **out, size_t *len, mp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: "
                       "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *grown = cap < RP_MAX_FILE ? realloc(buf, cap * 2 + 1) : NULL;
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return lp_fail(err, bad ? MP_E_INVALID_ARGUMENT : MP_E_NO_MEMORY,
                       "config.events_file: cannot read %s (%s)", path,
                       bad ? "read error" : "too large or out of memory");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return MP_OK;
}

/* The one key of an event line, or NULL when it is not an event. */
static const char *event_key(json_object *ev)
{
    if (!json_object_is_type(ev, json_type_object) ||
        json_object_object_length(ev) != 1)
        return NULL;
    json_object_object_foreach(ev, key, val) {
        (void)val;
        for (int i = 0; event_keys[i]; i++)
            if (strcmp(key, event_keys[i]) == 0)
                return event_keys[i];
    }
    return NULL;
}

static int parse_lines(const char *path, char *text, size_t len,
                       json_object *messages, mp_error *err)
{
    json_object *current = NULL;
    int line = 0;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
        line++;
        p[n] = '\0';
        char *s = p;
        p += n + 1;
        if (strspn(s, " \t\r") == n)
            continue; /* blank line */
        json_tokener *tok = json_tokener_new();
        if (!tok)
            return lp_fail(err, MP_E_NO_MEMORY, "out of memory");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *ev = lp_json_tokener_parse(tok, s, n);
        int ok = json_tokener_get_error(tok) == json_tokener_success;
        json_tokener_free(tok);
        const char *key = ok ? event_key(ev) : NULL;
        if (!key) {
            json_object_put(ev);
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: "
                           "%s:%d: not a Strands StreamEvent JSON line", path, line);
        }
        if (strcmp(key, "responseInfo") == 0) {
            /* Recorded from a 1.1 provider: headers of a call long gone,
             * and nothing a 1.0 provider may deliver (MP_PLUGIN_14). */
            json_object_put(ev);
            continue;
        }
        if (strcmp(key, "messageStart") == 0) {
            current = json_object_new_array();
            json_object_array_add(messages, current);
        } else if (!current) {
            json_object_put(ev);
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: "
                           "%s:%d: %s before the first messageStart", path,
                           line, key);
        }
        json_object_array_add(current, ev);
    }
    if (json_object_array_length(messages) == 0)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.events_file: %s "
                       "holds no recorded message", path);
    return MP_OK;
}

int rp_file_load(const char *path, json_object **messages, mp_error *err)
{
    *messages = NULL;
    size_t len = 0;
    char *text = NULL;
    int rc = slurp(path, &text, &len, err);
    if (rc)
        return rc;
    json_object *list = json_object_new_array();
    rc = list ? parse_lines(path, text, len, list, err)
                  : lp_fail(err, MP_E_NO_MEMORY, "out of memory");
    free(text);
    if (rc) {
        json_object_put(list);
        return rc;
    }
    *messages = list;
    return MP_OK;
}
