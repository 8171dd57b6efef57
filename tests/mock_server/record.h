/* record.h - append every received request to a JSON-lines file.
 *
 * Tests read the file after their call returns to see exactly what the
 * client sent, so each line is flushed before the response goes out.
 * rec_write() may be called from any connection thread.
 *
 * One line per request: {"seq":n,"method","path","headers":{lower-case
 * name: value},"body":<JSON or text or null>,"scenario":name|null,
 * "conn":c}, where conn numbers the TCP connection (1, 2, ... in accept
 * order), so requests that share a keep-alive connection share a conn.
 * With `with_text` (the scenario's record_body_text) also "body_text": the
 * body as received, a string (null when there is none).
 */
#ifndef MOCK_RECORD_H
#define MOCK_RECORD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

struct request;

struct recorder {
    FILE *f;                /* NULL: recording off or closed */
    bool enabled;           /* set once at open, read without the lock */
    pthread_mutex_t lock;   /* serializes lines and seq */
    unsigned long seq;      /* number of the last line written */
};

/* Open path for appending (created if missing). Returns 0, or -1 with
 * errno set. With path NULL recording stays off and this cannot fail. */
int rec_open(struct recorder *rec, const char *path);

/* Append one line for req. body/body_is_json as for expect_check();
 * scenario is the scenario's file name or NULL. */
void rec_write(struct recorder *rec, const struct request *req,
               json_object *body, bool body_is_json, const char *scenario,
               bool with_text);

/* Close the file; later rec_write() calls do nothing. */
void rec_close(struct recorder *rec);

#endif
