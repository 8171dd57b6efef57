/*
 * it_harness.h - helpers shared by the integration tests and benchmarks:
 * load the real build/litellm_provider.so through the sample host's loader,
 * collect a stream's events (as Strands JSON lines and as an assembled
 * message), write scenario files for build/mock-server at run time, and
 * read back what the mock server recorded.
 *
 * No cmocka here: the benchmarks link every .c file of tests/support too, without
 * cmocka.  Functions report problems by return value (or abort on out of
 * memory, which a test cannot recover from anyway).
 */
#ifndef TEST_IT_HARNESS_H
#define TEST_IT_HARNESS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../abi/model_provider.h"
#include "../../host-sample/assembler.h"
#include "../../host-sample/request_log.h" /* every request a test sends */
#include "mock_proc.h"
#include "test_paths.h"

/* ------------------------------------------------------------ the plugin */

/* The loaded provider (NULL before it_load). */
extern const mp_provider_v1 *it_p;

/* Load LP_BUILD_DIR/litellm_provider.so and init it, once per process.
 * Returns 0, or -1 with the reason on stderr. */
int it_load(void);
/* The loaded plugin's descriptor for a host of `minor` (its entry asked
 * again, offering that minor): what a host compiled against that minor
 * gets.  NULL if the plugin does not answer that minor. */
const mp_provider_v1 *it_descriptor(uint32_t minor);
/* Deinit and unload (every instance must be destroyed).  0 on success. */
int it_unload(void);

/* cmocka group setup and teardown (the signature only; no cmocka here) of
 * a program whose tests each start their own mock server: setup loads the
 * plugin; teardown removes it_tmpdir() and unloads. */
int it_group_setup(void **state);
int it_group_teardown(void **state);

/* Everything the plugin logged so far, one line each (a copy; free it). */
char *it_logs(void);

/* -------------------------------------------------------------- buffers */

typedef struct it_buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len, cap;
} it_buf;

void it_buf_add(it_buf *b, const char *p, size_t n);
void it_buf_addf(it_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void it_buf_free(it_buf *b);

/* ---------------------------------------------------------- event sink */

typedef struct it_events it_events;
/* Called for every event after it was recorded; a non-zero return makes
 * the event callback return non-zero (the host cancels). */
typedef int (*it_hook_fn)(it_events *e, const mp_event_header *ev);

struct it_events {
    it_buf json;        /* each event's JSON + '\n' (unless no_json)     */
    int no_json;        /* skip rendering (benchmarks)                   */
    int no_assemble;    /* skip the assembler (benchmarks)               */
    int count;          /* events received                               */
    int by_type[8];     /* count per mp_event_type                       */
    int cancel_at;      /* return non-zero on this event (1-based), 0 no */
    int bad_render;     /* event_to_json failed on some event            */
    double first_ms;    /* it_now_ms() of the first event, 0 if none     */
    msg_assembler as;
    it_hook_fn hook;
    void *hook_ctx;
    size_t text_bytes;  /* total bytes of text deltas                    */
    int flagged;        /* events flagged MP_EVENT_FLAG_BATCH_END        */
    unsigned last_flags; /* the last event's header flags                */
};

void it_events_init(it_events *e);
void it_events_free(it_events *e);
mp_event_sink it_sink(it_events *e);

/* ------------------------------------------------------------- calls */

/* create() with the given JSON texts; NULL on failure (err filled). */
mp_instance *it_create(const char *config, const char *client_args,
                       mp_error *err);
/* stream() with a NUL-terminated request. */
int it_stream(mp_instance *inst, const char *request, it_events *e,
              mp_error *err);

/* A minimal request: one user message saying "hi". */
extern const char it_hello_request[];

/* Client args for a base URL: api_base, api_key, then `extra` verbatim
 * (may be NULL).  Returns a malloc'd string. */
char *it_client_args(const char *base, const char *api_key,
                     const char *extra);

/* ------------------------------------------------------------- misc */

double it_now_ms(void);
/* How many write calls child `pid` made (its /proc syscw), read once it
 * has exited but before it is reaped (the caller reaps it after); -1 if
 * unknown. */
long it_child_writes(pid_t pid);
/* The whole file, NUL-terminated, malloc'd; NULL if unreadable. */
char *it_read_file(const char *path, size_t *len);
/* The names in directory `dir` that end with `suffix`, without it, sorted
 * (strcmp), at most `max` of them, each malloc'd into `names`.  Returns how
 * many, or -1 when the directory cannot be opened. */
int it_list_names(const char *dir, const char *suffix, char **names,
                  int max);
/* The third-party recordings: LP_TRANSCRIPTS_DIR (the Makefile's
 * TRANSCRIPTS, by default ../shared/fixtures/transcripts), or NULL when it
 * is not there (a clone without ../shared).  They are read in place, never
 * copied into the project; a test that needs them calls cmocka's skip()
 * when this is NULL, so it counts as skipped, never as passed. */
const char *it_transcripts_dir(void);

/* A copy of `jsonl` (events as JSON lines) with the values of
 * "latencyMs" and "timeToFirstByteMs" replaced by 0, so output can be
 * compared with expected files.  The values of the last metadata event are
 * stored in *latency / *ttfb (-1 when absent).  NULL if a value is not a
 * non-negative integer. */
char *it_normalise_metrics(const char *jsonl, int64_t *latency,
                           int64_t *ttfb);

/* ------------------------------------------------------ scenario files */

/* A private temporary directory, created on first use and removed (with
 * every file in it) by it_tmp_cleanup, or else when the process that made
 * it exits. */
const char *it_tmpdir(void);
void it_tmp_cleanup(void);
/* Write it_tmpdir()/NAME with printf-formatted content; returns the path
 * (malloc'd) or NULL. */
char *it_write_file(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A copy of scenario NAME (in tests/scenarios) in it_tmpdir() with
 * `trickle: true` added and "-trickle" appended to its model, so the same
 * body is also served one byte per write.  Returns the path (malloc'd) or
 * NULL. */
char *it_trickled_copy(const char *name);

/* Start the mock server with the given arguments (NULL-terminated list).
 * Returns 0 on success. */
int it_mock_start(mock_proc *m, ...) __attribute__((sentinel));

/* Start the mock server with scenario files (names in tests/scenarios, or
 * absolute paths), in --sequence mode when `sequence`.  NULL-terminated.
 * Returns 0 on success. */
int it_mock_scenarios(mock_proc *m, int sequence, ...)
    __attribute__((sentinel));

/* One whole call: create an instance, stream `request` (NULL: the hello
 * request), destroy it.  rc is create's error if that failed. */
typedef struct it_call {
    int rc;
    mp_error err;
    it_events ev;
    double ms;          /* wall time of stream() */
} it_call;

void it_call_run(it_call *c, const char *config, const char *client_args,
                 const char *request);
void it_call_free(it_call *c);
/* it_call_run with config {"model_id":MODEL} (plus "params":PARAMS when
 * `params`, a JSON object text, is not NULL) and client args for the mock
 * `m` (api_key, then `extra` verbatim; either may be NULL). */
void it_call_model(it_call *c, const mock_proc *m, const char *model,
                   const char *params, const char *api_key, const char *extra);

/* ------------------------------------------------- request-side groups */

/* The mock server of a request-side test program: it serves
 * it_req.scn (model it-req: a short text answer to every request) for the
 * whole group and records what it received. */
extern mock_proc it_req_mock;
/* Group setup: clear the provider's environment variables (keys and base
 * URLs from the environment would change the requests the tests check),
 * load the plugin and start it_req_mock.  Teardown: clear them again (a
 * test may set them), stop the server, remove it_tmpdir(), unload. */
int it_req_group_setup(void **state);
int it_req_group_teardown(void **state);
/* Unset LITELLM_PROXY_API_KEY, LITELLM_API_KEY, OPENAI_API_KEY,
 * LITELLM_PROXY_API_BASE and LITELLM_API_BASE. */
void it_clear_provider_env(void);

/* ---------------------------------------------------------- records */

/* The chat requests the mock recorded (caller puts). */
json_object *it_chat_requests(const mock_proc *m);
/* How many chat requests were recorded. */
int it_chat_count(const mock_proc *m);
/* The last recorded chat request (a new reference; NULL if none). */
json_object *it_last_chat(const mock_proc *m);

/* A member by path: "a.b[2].c" ("" is the root).  Borrowed; NULL when
 * missing.  A member holding JSON null is also NULL; use it_has to tell. */
json_object *it_get(json_object *root, const char *path);
int it_has(json_object *root, const char *path);
/* The string at a path, or NULL. */
const char *it_get_str(json_object *root, const char *path);

/* Entries of `dir` other than . and .. (dot names included); 0 if it
 * cannot be read. */
int it_count_entries(const char *dir);

/* A listener on 127.0.0.1 whose accept queue is full: the kernel drops
 * further SYNs, so a connect to it hangs until the client gives up.  Its
 * port goes to *port and the sockets that fill the queue to `fill` (the
 * caller closes them and the listener).  The listener, or -1. */
int it_full_listener(int *port, int fill[3]);

#endif
