/* scenario.h - one declarative test case (`*.scn` file) of the mock server.
 *
 * A scenario is loaded once at start-up and then only read, from any number
 * of connection threads at once, so nothing in it is ever modified after
 * scn_load() returns.
 */
#ifndef MOCK_SCENARIO_H
#define MOCK_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

enum ej_mode { EJ_EQUALS, EJ_ABSENT, EJ_PRESENT };

/* `expect.json: PATH = VALUE` */
struct expect_json {
    char *path;
    char *text;          /* the expectation as written, for messages */
    json_object *value;  /* NULL for JSON null or for ABSENT/PRESENT */
    enum ej_mode mode;
    int line;
};

/* `expect.header: Name: value` (value != NULL) or
 * `expect.header_absent: Name` (value == NULL). */
struct expect_header {
    char *name;
    char *value;
    int line;
};

/* A response header sent verbatim. */
struct scn_header {
    char *name;
    char *value;
};

/* Fault offsets use -1 for "not set" because 0 is meaningful: fault right
 * after the response headers, before any body byte. */
struct scenario {
    char *path;             /* as given on the command line */
    char *name;             /* base name, used in logs and records */
    char *model;            /* NULL: never picked by model */

    char *expect_method;
    char *expect_path;
    struct expect_json *ej;
    size_t n_ej;
    struct expect_header *eh;
    size_t n_eh;

    int status;
    struct scn_header *headers;
    size_t n_headers;
    bool has_content_type;  /* a `header: Content-Type` replaces ours */

    char *body;             /* NUL-terminated; body_len excludes the NUL */
    size_t body_len;
    bool sse;
    size_t *event_end;      /* SSE: end offset of each event in body */
    size_t n_events;

    unsigned pace_ms;
    bool trickle;
    unsigned trickle_us;
    int64_t stall_after;
    unsigned stall_ms;
    int64_t drop_after;
    bool no_response;
    bool close;
    bool repeat;

    int64_t generate_chunks; /* -1: serve body instead */
    char *generate_text;

    json_object *model_info; /* NULL: `{}` in /model/info */
};

/* Load and validate the scenario file at path. On failure prints
 * "mock-server: FILE:LINE: problem" to stderr and returns NULL. The result
 * belongs to the caller and is released with scn_free(). */
struct scenario *scn_load(const char *path);

/* Release everything owned by s; s may be NULL. */
void scn_free(struct scenario *s);

#endif
