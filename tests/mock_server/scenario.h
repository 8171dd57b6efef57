/* scenario.h - one declarative test case (`*.scn` file) of the mock server.
 *
 * A scenario is loaded once at start-up and then only read, from any number
 * of connection threads at once, so nothing in it is ever modified after
 * scn_load() returns.
 *
 * THE FILE FORMAT.  One `key: value` per line; blank lines and lines
 * starting with '#' are ignored; a line `--- body` ends the keys and
 * everything after it, byte for byte, is the response body.  Values are
 * trimmed.  An unknown key, a key given twice (except the repeatable
 * ones, marked *), or a bad value stops the server at start-up with
 * "mock-server: FILE:LINE: problem" and exit status 2.
 *
 * Choosing (see --sequence in `mock-server --help`):
 *   model: NAME              answer chat requests whose JSON "model" is
 *                            NAME; also listed by GET /model/info
 *   model_info: {JSON}       the entry's "model_info" in /model/info
 *   repeat: true|false       in --sequence mode, never used up
 * Expectations (a request that breaks any gets 418 and a message naming
 * FILE:LINE of each broken one; in Anthropic's error shape for a request
 * to .../v1/messages, as every error the server makes itself):
 *   expect.method: POST
 *   expect.path: /v1/chat/completions      (path and query, exact)
 * * expect.json: PATH = JSON | absent | present   (PATH like a.b[0].c)
 * * expect.header: Name: value             (exact value)
 * * expect.header_absent: Name
 * The answer:
 *   status: 200..599         default 200
 * * header: Name: value      sent verbatim (a Content-Type replaces ours)
 *   body_file: PATH          the body from a file (relative to this
 *                            file); a `.sse` name implies sse: true
 *   sse: true|false          an SSE body: chunked (or close-delimited
 *                            with close: true or an HTTP/1.0 client)
 *   generate_chunks: N       an SSE body of N content chunks, generated
 *                            (Anthropic's events for a request to
 *                            .../v1/messages, chat chunks otherwise)
 *   generate_text: TEXT      each chunk's text (a JSON string keeps
 *                            spaces), default "tok "
 * Pacing and faults (byte offsets count body bytes, framing excluded):
 *   pace_ms: N               a pause of N ms between SSE events
 *   trickle: true            one byte per write ...
 *   trickle_us: N            ... with N us between bytes
 *   stall_after_bytes: N     after N bytes, silence for ...
 *   stall_ms: N              ... N ms (the two go together)
 *   drop_after_bytes: N      after N bytes, reset the connection
 *   no_response: true        read the request, never answer
 *   close: true              close the connection after the answer
 * Recording:
 *   record_body_text: true   the request's record also holds the body
 *                            as received ("body_text"): digits a JSON
 *                            parse would change (integers past 64 bits)
 *                            stay visible
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
    int expect_method_line, expect_path_line;
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
    bool record_body_text;

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
