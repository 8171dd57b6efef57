/*
 * sse_parser.h - an incremental Server-Sent Events parser.
 *
 * The body of a streamed chat completion arrives in pieces of any size, cut
 * anywhere (even inside a CRLF).  The parser turns those pieces into whole
 * events and hands each event's data to a callback.  Feeding the body one
 * byte at a time gives exactly the same callbacks as feeding it in one
 * buffer: same data, same event names, same offsets, same errors.
 *
 * What it understands (the WHATWG EventSource rules, which every LLM gateway
 * follows): LF, CRLF and lone CR line endings; a leading UTF-8 BOM; comment
 * lines starting with ':' (keep-alives); the fields data, event, id and retry
 * (id and retry are ignored); one optional space after the colon; several
 * data lines joined with "\n"; an event dispatched at a blank line.  A body
 * that ends without the final blank line still delivers its last event
 * (sse_finish).
 *
 * Speed: when a whole single-data-line event lies inside the buffer given to
 * sse_feed(), the callback gets a pointer into that buffer, nothing copied.
 * Only an event that straddles two feed calls, or has several data lines,
 * is copied.  Lines are found with memchr.
 *
 * Limits: no line may exceed max_line bytes (terminator excluded) and no
 * event's data may exceed max_line bytes; either is MP_E_PROTOCOL with a
 * message naming the limit and the byte offset (sse_error()).
 *
 * Thread: one parser is used by one thread at a time.
 */
#ifndef LP_SSE_PARSER_H
#define LP_SSE_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"

/* One event.  `event_name` is NULL for the default type ("message"),
 * otherwise the NUL-terminated value of the last `event:` field.  `data` is
 * NOT NUL-terminated (it may point into the caller's buffer) and is valid
 * only until the callback returns.  `offset` is the stream byte offset of
 * the event's first field line.  Return 0 to go on, or a negative mp_status
 * to stop: sse_feed()/sse_finish() then return it, and the parser stays
 * failed. */
typedef int (*sse_event_fn)(void *ctx, const char *event_name,
                            const char *data, size_t len, uint64_t offset);

typedef struct sse_parser {
    sse_event_fn fn;
    void *ctx;
    size_t max_line;
    uint64_t offset;        /* stream offset of the next byte to be fed     */
    int status;             /* 0, or the first error (sticky)               */
    unsigned char skip_lf;  /* last byte was a CR: an LF next belongs to it */
    unsigned char bom;      /* BOM bytes matched at the start; 3 = settled  */
    unsigned char has_data; /* the event being built has a data field       */
    unsigned char has_name; /* ... and an event field                       */
    unsigned char started;  /* ... and has seen a field line                */
    uint64_t ev_start;      /* offset of the event's first field line       */
    strbuf line;            /* a line cut by the end of a feed buffer       */
    uint64_t line_start;    /* offset of that line's first byte             */
    strbuf data;            /* event data, when it had to be copied         */
    const char *view;       /* zero-copy data inside the current buffer     */
    size_t view_len;
    strbuf name;            /* the event field's value                      */
    char error[192];        /* why status was set by the parser itself      */
} sse_parser;

/* max_line: see "Limits" above; 0 means 1 MiB. */
void sse_init(sse_parser *p, size_t max_line, sse_event_fn fn, void *ctx);
void sse_free(sse_parser *p);

/* Parse more bytes.  Returns 0, MP_E_PROTOCOL (a limit, see sse_error()),
 * MP_E_NO_MEMORY, or the callback's error. */
int sse_feed(sse_parser *p, const char *buf, size_t len);

/* The body ended cleanly: an unterminated last line is taken as a line and
 * a pending event is dispatched even without its blank line. */
int sse_finish(sse_parser *p);

/* The body was cut short (connection lost): an unterminated last line is
 * dropped, since it may be a truncated JSON text, but a pending event made of
 * complete lines is still dispatched. */
int sse_abort(sse_parser *p);

/* Text describing a parser error (limits), "" if the error came from the
 * callback or there is none. */
const char *sse_error(const sse_parser *p);

/* Whether an event's data is the OpenAI end marker "[DONE]". */
int sse_is_done(const char *data, size_t len);

#endif
