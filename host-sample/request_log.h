/*
 * request_log.h - the request log every host in this tree keeps when
 * $MP_REQUEST_LOG names a directory: each request handed to a plugin's
 * stream(), stream_json() or structured_output() is appended, with the
 * call's status, as one JSON line {"rc":N,"request":"<the request text>"}
 * to DIR/<program>-<pid>.jsonl.  `make test` sets it and checks every
 * request a plugin accepted against abi/request.schema.json
 * (tests/schema/check_requests.c), so the schema, the docs and what the
 * hosts send cannot drift apart.  Without the variable nothing happens.
 *
 * Thread: [any-thread] (one write(2) of a whole line, O_APPEND).
 */
#ifndef HOST_REQUEST_LOG_H
#define HOST_REQUEST_LOG_H

#include <stddef.h>

/* `request` is `len` bytes (not necessarily NUL-terminated; (size_t)-1:
 * up to its NUL); `rc` the status the plugin returned. */
void request_log(const char *request, size_t len, int rc);

/* The same for a request a test sends knowingly outside the schema, one
 * the plugin accepts while it warns that it ignores a part (an unknown
 * key): the line carries "offSchema":true, and the check requires the
 * schema to reject it (so the mark cannot hide a real mismatch). */
void request_log_off_schema(const char *request, size_t len, int rc);

#endif
