/* scenario.c - parse `*.scn` files into struct scenario.
 *
 * The format is deliberately line based and strict: an unknown key or a bad
 * value stops the server with FILE:LINE so that a typo in a test never turns
 * into a silently different test.
 */
#include "scenario.h"
#include "scenario_io.h"
#include "json_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parse_ctx {
    const char *path;
    int line;
    struct scenario *s;
    char *body_file;     /* resolved path, or NULL */
    int body_file_line;
    bool sse_set;
    int seen_line[32];   /* line of each single-valued key, 0 if unseen:
                            duplicates are refused, and problems found
                            only at the end still name the right line */
};

static void fail(const struct parse_ctx *c, const char *fmt, ...)
{
    va_list ap;

    if (c->line > 0)
        fprintf(stderr, "mock-server: %s:%d: ", c->path, c->line);
    else
        fprintf(stderr, "mock-server: %s: ", c->path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static char *trim(char *s)
{
    char *end;

    while (*s && isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static bool parse_bool(const struct parse_ctx *c, const char *v, bool *out)
{
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else {
        fail(c, "expected true or false, got '%s'", v);
        return false;
    }
    return true;
}

static bool parse_uint(const struct parse_ctx *c, const char *v,
                       unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long n;

    errno = 0;
    if (!isdigit((unsigned char)*v)) {
        fail(c, "expected a non-negative integer, got '%s'", v);
        return false;
    }
    n = strtoull(v, &end, 10);
    if (errno || *end || n > max) {
        fail(c, "expected an integer up to %llu, got '%s'", max, v);
        return false;
    }
    *out = n;
    return true;
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!isgraph((unsigned char)*s) || *s == ':')
            return false;
    }
    return true;
}

/* Splits "Name: value" for header lines. */
static bool split_header(const struct parse_ctx *c, char *v, char **name,
                         char **value)
{
    char *colon = strchr(v, ':');

    if (!colon) {
        fail(c, "expected 'Name: value', got '%s'", v);
        return false;
    }
    *colon = '\0';
    *name = trim(v);
    *value = trim(colon + 1);
    if (!is_token(*name)) {
        fail(c, "bad header name '%s'", *name);
        return false;
    }
    return true;
}

static void *grow(void *arr, size_t n, size_t size)
{
    /* Arrays are tiny (a handful of expectations), so one realloc per
     * element keeps the code simple. */
    return realloc(arr, (n + 1) * size);
}

static bool add_expect_json(struct parse_ctx *c, char *v)
{
    struct scenario *s = c->s;
    char *eq = strchr(v, '=');
    struct expect_json *e;
    char *path, *val;
    bool is_null;

    if (!eq) {
        fail(c, "expected 'PATH = JSONVALUE', got '%s'", v);
        return false;
    }
    *eq = '\0';
    path = trim(v);
    val = trim(eq + 1);
    if (!ju_path_valid(path)) {
        fail(c, "bad JSON path '%s' (use a.b[0].c)", path);
        return false;
    }
    if (!(e = grow(s->ej, s->n_ej, sizeof(*e))))
        return false;
    s->ej = e;
    e = &s->ej[s->n_ej];
    memset(e, 0, sizeof(*e));
    e->line = c->line;
    if (strcmp(val, "absent") == 0) {
        e->mode = EJ_ABSENT;
    } else if (strcmp(val, "present") == 0) {
        e->mode = EJ_PRESENT;
    } else {
        e->mode = EJ_EQUALS;
        e->value = ju_parse(val, strlen(val), &is_null);
        if (!e->value && !is_null) {
            fail(c, "bad JSON value '%s' (strings need double quotes)", val);
            return false;
        }
    }
    e->path = strdup(path);
    if (asprintf(&e->text, "%s = %s", path, val) < 0)
        e->text = NULL;
    s->n_ej++;
    return e->path && e->text;
}

static bool add_expect_header(struct parse_ctx *c, char *v, bool absent)
{
    struct scenario *s = c->s;
    struct expect_header *e;
    char *name, *value = NULL;

    if (absent) {
        name = trim(v);
        if (!is_token(name)) {
            fail(c, "bad header name '%s'", name);
            return false;
        }
    } else if (!split_header(c, v, &name, &value)) {
        return false;
    }
    if (!(e = grow(s->eh, s->n_eh, sizeof(*e))))
        return false;
    s->eh = e;
    e = &s->eh[s->n_eh++];
    e->line = c->line;
    e->name = strdup(name);
    e->value = value ? strdup(value) : NULL;
    return e->name && (absent || e->value);
}

static bool add_header(struct parse_ctx *c, char *v)
{
    struct scenario *s = c->s;
    struct scn_header *h;
    char *name, *value;

    if (!split_header(c, v, &name, &value))
        return false;
    if (!(h = grow(s->headers, s->n_headers, sizeof(*h))))
        return false;
    s->headers = h;
    h = &s->headers[s->n_headers++];
    h->name = strdup(name);
    h->value = strdup(value);
    if (strcasecmp(name, "Content-Type") == 0)
        s->has_content_type = true;
    return h->name && h->value;
}

static char *resolve_relative(const char *scn_path, const char *file)
{
    const char *slash = strrchr(scn_path, '/');
    char *out;

    if (file[0] == '/' || !slash)
        return strdup(file);
    if (asprintf(&out, "%.*s/%s", (int)(slash - scn_path), scn_path, file) < 0)
        return NULL;
    return out;
}

/* Single-valued keys, in an order that indexes parse_ctx.seen. */
static const char *const single_keys[] = {
    "model", "expect.method", "expect.path", "status", "body_file", "sse",
    "pace_ms", "trickle", "trickle_us", "stall_after_bytes", "stall_ms",
    "drop_after_bytes", "no_response", "close", "generate_chunks",
    "generate_text", "model_info", "repeat", "record_body_text", NULL
};

/* The line a single-valued key was given on, 0 if it was not. */
static int key_line(const struct parse_ctx *c, const char *key)
{
    for (size_t i = 0; single_keys[i]; i++) {
        if (strcmp(key, single_keys[i]) == 0)
            return c->seen_line[i];
    }
    return 0;
}

/* generate_text may be a JSON string literal so that leading or trailing
 * spaces survive the trimming every value gets. */
static char *text_value(const struct parse_ctx *c, const char *v)
{
    json_object *str;
    char *out;

    if (v[0] != '"')
        return strdup(v);
    str = ju_parse(v, strlen(v), NULL);
    if (!json_object_is_type(str, json_type_string)) {
        json_object_put(str);
        fail(c, "bad JSON string %s", v);
        return NULL;
    }
    out = strdup(json_object_get_string(str));
    json_object_put(str);
    return out;
}

static bool set_key(struct parse_ctx *c, const char *key, char *v)
{
    struct scenario *s = c->s;
    unsigned long long n;

    if (strcmp(key, "expect.json") == 0)
        return add_expect_json(c, v);
    if (strcmp(key, "expect.header") == 0)
        return add_expect_header(c, v, false);
    if (strcmp(key, "expect.header_absent") == 0)
        return add_expect_header(c, v, true);
    if (strcmp(key, "header") == 0)
        return add_header(c, v);

    for (size_t i = 0; single_keys[i]; i++) {
        if (strcmp(key, single_keys[i]) != 0)
            continue;
        if (c->seen_line[i]) {
            fail(c, "key '%s' given twice (first on line %d)", key,
                 c->seen_line[i]);
            return false;
        }
        c->seen_line[i] = c->line;
        goto known;
    }
    fail(c, "unknown key '%s'", key);
    return false;

known:
    if (strcmp(key, "model") == 0)
        return (s->model = strdup(v)) != NULL;
    if (strcmp(key, "expect.method") == 0) {
        s->expect_method_line = c->line;
        return (s->expect_method = strdup(v)) != NULL;
    }
    if (strcmp(key, "expect.path") == 0) {
        s->expect_path_line = c->line;
        return (s->expect_path = strdup(v)) != NULL;
    }
    if (strcmp(key, "generate_text") == 0)
        return (s->generate_text = text_value(c, v)) != NULL;
    if (strcmp(key, "body_file") == 0) {
        c->body_file_line = c->line;
        return (c->body_file = resolve_relative(c->path, v)) != NULL;
    }
    if (strcmp(key, "status") == 0) {
        if (!parse_uint(c, v, 599, &n))
            return false;
        if (n < 200) {
            fail(c, "status must be between 200 and 599");
            return false;
        }
        s->status = (int)n;
        return true;
    }
    if (strcmp(key, "sse") == 0) {
        c->sse_set = true;
        return parse_bool(c, v, &s->sse);
    }
    if (strcmp(key, "trickle") == 0)
        return parse_bool(c, v, &s->trickle);
    if (strcmp(key, "no_response") == 0)
        return parse_bool(c, v, &s->no_response);
    if (strcmp(key, "close") == 0)
        return parse_bool(c, v, &s->close);
    if (strcmp(key, "repeat") == 0)
        return parse_bool(c, v, &s->repeat);
    if (strcmp(key, "record_body_text") == 0)
        return parse_bool(c, v, &s->record_body_text);
    if (strcmp(key, "pace_ms") == 0 || strcmp(key, "trickle_us") == 0 ||
        strcmp(key, "stall_ms") == 0) {
        if (!parse_uint(c, v, 3600u * 1000u, &n))
            return false;
        if (strcmp(key, "pace_ms") == 0)
            s->pace_ms = (unsigned)n;
        else if (strcmp(key, "trickle_us") == 0)
            s->trickle_us = (unsigned)n;
        else
            s->stall_ms = (unsigned)n;
        return true;
    }
    if (strcmp(key, "stall_after_bytes") == 0 ||
        strcmp(key, "drop_after_bytes") == 0 ||
        strcmp(key, "generate_chunks") == 0) {
        if (!parse_uint(c, v, INT64_MAX / 2, &n))
            return false;
        if (strcmp(key, "stall_after_bytes") == 0)
            s->stall_after = (int64_t)n;
        else if (strcmp(key, "drop_after_bytes") == 0)
            s->drop_after = (int64_t)n;
        else
            s->generate_chunks = (int64_t)n;
        return true;
    }
    /* model_info is the only single key left. */
    s->model_info = ju_parse(v, strlen(v), NULL);
    if (!json_object_is_type(s->model_info, json_type_object)) {
        fail(c, "model_info must be a JSON object, got '%s'", v);
        return false;
    }
    return true;
}

static bool finish(struct parse_ctx *c, char *inline_body, size_t inline_len)
{
    struct scenario *s = c->s;

    /* These span several lines; each names the line of the key at fault. */
    if (c->body_file && inline_body) {
        c->line = key_line(c, "body_file");
        fail(c, "both body_file and an inline '--- body' given");
        return false;
    }
    if (s->generate_chunks >= 0 && (c->body_file || inline_body)) {
        c->line = key_line(c, "generate_chunks");
        fail(c, "generate_chunks cannot be combined with a body");
        return false;
    }
    if ((s->stall_after >= 0) != (key_line(c, "stall_ms") != 0)) {
        c->line = s->stall_after >= 0 ? key_line(c, "stall_after_bytes")
                                      : key_line(c, "stall_ms");
        fail(c, "stall_after_bytes and stall_ms go together");
        return false;
    }
    if (c->body_file) {
        s->body = scn_slurp(c->body_file, &s->body_len);
        if (!s->body) {
            c->line = c->body_file_line;
            fail(c, "cannot read body_file '%s': %s", c->body_file,
                 strerror(errno));
            return false;
        }
        if (!c->sse_set) {
            size_t n = strlen(c->body_file);
            s->sse = n > 4 && strcmp(c->body_file + n - 4, ".sse") == 0;
        }
    } else if (inline_body) {
        if (!(s->body = malloc(inline_len + 1)))
            return false;
        memcpy(s->body, inline_body, inline_len);
        s->body[inline_len] = '\0';
        s->body_len = inline_len;
    } else if (!(s->body = strdup(""))) {
        return false;
    }
    if (s->generate_chunks >= 0) {
        s->sse = true;
        if (!s->generate_text && !(s->generate_text = strdup("tok ")))
            return false;
    }
    return scn_split_events(s);
}

static bool parse_text(struct parse_ctx *c, char *text, size_t len)
{
    char *p = text, *end = text + len;

    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        char *line, *colon;

        c->line++;
        if (memchr(p, '\0', (size_t)(line_end - p))) {
            fail(c, "NUL byte in line");
            return false;
        }
        *line_end = '\0';
        line = trim(p);
        if (strcmp(line, "--- body") == 0)
            return finish(c, next, (size_t)(end - next));
        p = next;
        if (!*line || *line == '#')
            continue;
        colon = strchr(line, ':');
        if (!colon) {
            fail(c, "expected 'key: value', got '%s'", line);
            return false;
        }
        *colon = '\0';
        if (!set_key(c, trim(line), trim(colon + 1)))
            return false;
    }
    return finish(c, NULL, 0);
}

struct scenario *scn_load(const char *path)
{
    struct parse_ctx c;
    struct scenario *s = calloc(1, sizeof(*s));
    const char *slash = strrchr(path, '/');
    size_t len;
    char *text;

    memset(&c, 0, sizeof(c));
    c.path = path;
    if (!s)
        return NULL;
    s->status = 200;
    s->stall_after = -1;
    s->drop_after = -1;
    s->generate_chunks = -1;
    s->path = strdup(path);
    s->name = strdup(slash ? slash + 1 : path);
    text = scn_slurp(path, &len);
    if (!text) {
        fail(&c, "cannot read scenario: %s", strerror(errno));
        scn_free(s);
        return NULL;
    }
    c.s = s;
    if (!s->path || !s->name || !parse_text(&c, text, len)) {
        if (!s->path || !s->name)
            fail(&c, "out of memory");
        free(text);
        free(c.body_file);
        scn_free(s);
        return NULL;
    }
    free(text);
    free(c.body_file);
    return s;
}

void scn_free(struct scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_ej; i++) {
        free(s->ej[i].path);
        free(s->ej[i].text);
        json_object_put(s->ej[i].value);
    }
    for (size_t i = 0; i < s->n_eh; i++) {
        free(s->eh[i].name);
        free(s->eh[i].value);
    }
    for (size_t i = 0; i < s->n_headers; i++) {
        free(s->headers[i].name);
        free(s->headers[i].value);
    }
    free(s->ej);
    free(s->eh);
    free(s->headers);
    free(s->path);
    free(s->name);
    free(s->model);
    free(s->expect_method);
    free(s->expect_path);
    free(s->body);
    free(s->event_end);
    free(s->generate_text);
    json_object_put(s->model_info);
    free(s);
}
