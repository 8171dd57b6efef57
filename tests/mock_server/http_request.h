/* http_request.h - read HTTP/1.x requests from a connection.
 *
 * One conn_reader per connection, used by that connection's thread only.
 * It buffers what it has read past the current request, so pipelined
 * requests on a keep-alive connection are not lost.
 */
#ifndef MOCK_HTTP_REQUEST_H
#define MOCK_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

/* Real clients send bodies of a few MiB at most; 256 MiB leaves room for
 * the 64 MiB stress tests while keeping a runaway client from eating RAM. */
#define REQ_MAX_BODY   (256u * 1024u * 1024u)
#define REQ_MAX_HEAD   (256u * 1024u)
#define REQ_MAX_FIELDS 512

struct conn_reader {
    int fd;
    char *buf;
    size_t cap;
    size_t start;   /* unread data is buf[start..end) */
    size_t end;
};

struct req_header {
    char *name;     /* lower-cased; points into request.head */
    char *value;    /* trimmed; points into request.head */
};

struct request {
    char *head;                 /* private copy of the header block */
    char *method;
    char *target;               /* path plus query, exactly as sent */
    int minor;                  /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    struct req_header *headers; /* in arrival order, duplicates kept */
    size_t n_headers;
    char *body;                 /* NUL-terminated; NULL when no body */
    size_t body_len;
    bool keep_alive;            /* the client allows another request */
    unsigned long conn_id;      /* connection it came on (set by conn.c;
                                   1, 2, ... in accept order) */
};

enum req_status {
    REQ_OK,
    REQ_EOF,        /* clean close between requests */
    REQ_GONE,       /* I/O error or close in mid-request: nothing to answer */
    REQ_BAD,        /* answer 400 and close */
    REQ_TOO_LARGE,  /* answer 413 and close */
};

void rd_init(struct conn_reader *r, int fd);
void rd_free(struct conn_reader *r);

/* Read one complete request (head and body) into *req, which the caller
 * must later pass to req_free() whatever the result. Sends the interim
 * "100 Continue" itself when the client asks for it. On REQ_BAD and
 * REQ_TOO_LARGE a short reason is written to why. */
enum req_status req_read(struct conn_reader *r, struct request *req,
                         char *why, size_t why_len);

void req_free(struct request *req);

/* Value of header lname (lower case), all occurrences joined with ", " as
 * HTTP allows; NULL when absent. The result is malloc'd for the caller. */
char *req_header_joined(const struct request *req, const char *lname);

/* Block until the peer closes the connection (or an error), discarding
 * anything it sends. Used to hold a socket open without answering. */
void rd_drain(struct conn_reader *r);

#endif
