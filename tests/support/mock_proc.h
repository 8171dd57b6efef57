/*
 * mock_proc.h - start build/mock-server for an integration test, read
 * back the requests it recorded, and stop it.
 */
#ifndef TEST_MOCK_PROC_H
#define TEST_MOCK_PROC_H

#include <json-c/json.h>
#include <sys/types.h>

typedef struct mock_proc {
    pid_t pid;
    int port;
    char base_url[64];     /* http://127.0.0.1:PORT */
    char record_path[256]; /* JSON lines of every request received */
} mock_proc;

/* Start the server with extra arguments (NULL-terminated), recording to a
 * fresh file in it_tmpdir() (removed by mock_stop, and with that
 * directory).  Returns 0 on success. */
int mock_start(mock_proc *m, const char *const *args);
void mock_stop(mock_proc *m);

/* The recorded requests as a JSON array (caller puts it); only requests
 * whose path ends with `path_suffix` when it is non-NULL. */
json_object *mock_requests(const mock_proc *m, const char *path_suffix);

/* Path of a scenario file: LP_SOURCE_DIR/tests/scenarios/NAME. */
const char *scenario_path(const char *name);

/* Client args JSON text for the provider pointed at this server (static
 * buffer; `extra` is inserted verbatim after the api_base member, e.g.
 * "\"num_retries\":2", or NULL). */
const char *mock_client_args(const mock_proc *m, const char *extra);

#endif
