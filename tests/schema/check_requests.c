/*
 * check_requests.c - every request the tests sent, checked against the
 * request's JSON Schema (abi/request.schema.json).
 *
 *     check-requests SCHEMA.json LOG_DIR
 *
 * LOG_DIR holds the request logs the hosts of this tree write while
 * `make test` runs with $MP_REQUEST_LOG set (host-sample/request_log.h):
 * one JSON line {"rc":N,"request":"<text>"} per request, from the C tests,
 * agent-host, the Python package, and the Go and Rust hosts.  A request
 * the plugin did not refuse as invalid input (rc != MP_E_INVALID_ARGUMENT)
 * must be valid against the schema: what the hosts send, what the plugin
 * takes and what the schema documents cannot drift apart.  Refused ones
 * are only counted (the plugin checks more than a schema can say).  A
 * request a test marks as knowingly outside the schema ("offSchema", an
 * unknown key the plugin ignores with a warning) must be rejected by it.
 *
 * The validator is the plugin's own (plugin/structured/schema_validate.c),
 * which reads every keyword the schema uses except "pattern" (base64 is
 * checked by the plugin anyway).  Prints one summary line in the format
 * tests/run_all.sh counts, and a line for each request that fails.
 * Exit 0 when every accepted request is valid, 1 otherwise, 2 on a usage
 * or I/O problem.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "../../plugin/core/json_util.h"
#include "../../plugin/structured/schema_ref.h"
#include "../../plugin/structured/schema_validate.h"

typedef struct tally {
    long accepted, refused, refused_invalid, off_schema, failed, unreadable;
} tally;

/* The request as the plugin reads a host's JSON (lp_json_parse: strict,
 * UTF-8, nesting up to the host input's limit), or NULL. */
static json_object *parse_strict(const char *text)
{
    json_object *v = NULL;
    mp_error err = MP_ERROR_INIT;
    if (lp_json_parse(text, (size_t)-1, "request", &v, &err) != MP_OK)
        return NULL;
    return v;
}

static void check_line(json_object *schema, const char *file, long line_no,
                       const char *line, tally *t)
{
    json_object *row = json_tokener_parse(line), *rc_v, *req_v;
    if (!row || !json_object_object_get_ex(row, "rc", &rc_v) ||
        !json_object_object_get_ex(row, "request", &req_v) ||
        !json_object_is_type(req_v, json_type_string)) {
        printf("[  FAILED  ] request-schema: %s:%ld: not a request-log line\n",
               file, line_no);
        t->unreadable++;
        json_object_put(row);
        return;
    }
    int rc = json_object_get_int(rc_v);
    json_object *off_v = NULL;
    json_object_object_get_ex(row, "offSchema", &off_v);
    const char *text = json_object_get_string(req_v);
    json_object *req = parse_strict(text);
    char why[512] = "not strict JSON";
    int valid = req && sv_validate(schema, req, 0, why, sizeof why) == MP_OK;
    if (json_object_get_boolean(off_v)) {
        /* Sent knowingly outside the schema: it must say so. */
        t->off_schema++;
        if (valid) {
            t->failed++;
            printf("[  FAILED  ] request-schema: %s:%ld: a request a test "
                   "marks as outside the schema is valid against it\n"
                   "    request: %.300s\n", file, line_no, text);
        }
    } else if (rc == MP_E_INVALID_ARGUMENT) {
        t->refused++;
        t->refused_invalid += !valid;
    } else {
        t->accepted++;
        if (!valid) {
            t->failed++;
            printf("[  FAILED  ] request-schema: %s:%ld (the plugin said %d): "
                   "%s\n    request: %.300s%s\n", file, line_no, rc, why, text,
                   strlen(text) > 300 ? "..." : "");
        }
    }
    json_object_put(req);
    json_object_put(row);
}

static int check_file(json_object *schema, const char *dir, const char *name,
                      tally *t)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    long no = 0;
    while (getline(&line, &cap, f) > 0)
        check_line(schema, name, ++no, line, t);
    free(line);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check-requests SCHEMA.json LOG_DIR\n");
        return 2;
    }
    json_object *schema = json_object_from_file(argv[1]);
    mp_error err = MP_ERROR_INIT;
    if (!schema || sch_check(schema, &err) != MP_OK) {
        printf("[  FAILED  ] request-schema: %s is not a schema the validator "
               "takes: %s\n", argv[1], schema ? err.message : "unreadable JSON");
        json_object_put(schema);
        return 1;
    }
    DIR *d = opendir(argv[2]);
    if (!d) {
        perror(argv[2]);
        json_object_put(schema);
        return 2;
    }
    tally t = {0};
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".jsonl") && check_file(schema, argv[2], e->d_name, &t) == 0)
            files++;
    closedir(d);
    json_object_put(schema);
    if (t.accepted == 0) {
        printf("[  FAILED  ] request-schema: no request was logged in %s "
               "(is MP_REQUEST_LOG reaching the tests?)\n", argv[2]);
        return 1;
    }
    if (t.failed || t.unreadable)
        return 1;
    printf("[  PASSED  ] request-schema: all %ld requests the plugin accepted "
           "(from %d test processes) are valid against %s; the %ld sent "
           "knowingly outside it are rejected; of the %ld the plugin "
           "refused as invalid, the schema rejects %ld\n", t.accepted,
           files, argv[1], t.off_schema, t.refused, t.refused_invalid);
    return 0;
}
