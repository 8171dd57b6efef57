/*
 * errors.h - filling the host's mp_error safely.
 *
 * The host owns the mp_error and says how big it is (struct_size), so every
 * write checks that the field lies inside it: an older host with a smaller
 * struct, or a NULL pointer, is never written past.
 */
#ifndef LP_ERRORS_H
#define LP_ERRORS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"

/* Text for errors and logs: vsnprintf into buf[cap] (cap > 0), except
 * that a cut never splits a UTF-8 character (the partial one is dropped).
 * Returns the length written.  Every message the host receives is built
 * with it, in lp_fail and in any scratch buffer on the way there. */
size_t lp_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
size_t lp_format(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset to "no error" (code MP_OK, empty message, retry_after -1). */
void lp_error_clear(mp_error *err);
/* Set code and a printf-style message (cut to the host's message field
 * on a character boundary); returns `code` so callers can write
 * `return lp_fail(err, MP_E_INVALID_ARGUMENT, "...")`. */
int lp_fail(mp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The HTTP side of an error; provider_code may be NULL (cut to fit on a
 * character boundary). */
void lp_error_http(mp_error *err, int http_status, int retryable,
                   int64_t retry_after_ms, const char *provider_code);

/* errors_json.c: the descriptor's errname / strerror (ABI 1.1), the
 * header's inline functions compiled into the plugin so a host without
 * the header can call them. */
const char *lp_errname(int code);
const char *lp_strerror(int code);
/* The descriptor's error_to_json (ABI 1.1); see the header. */
int lp_error_to_json(const mp_error *err, mp_text_fn write, void *ctx);
/* Append `suffix` to the message.  The suffix is kept whole when it
 * fits the field at all: the message before it is cut (on a character
 * boundary, ending "...") to make room, since what the suffix says
 * (where a call went) is what the reader needs to act. */
void lp_error_append(mp_error *err, const char *suffix);

/* Bytes of the host's message field, NUL included (0 if it has none). */
size_t lp_error_message_room(const mp_error *err);

/* True if `field` of an mp_error of the host's size can be written. */
#define LP_ERR_HAS(err, field) \
    ((err) && (err)->struct_size >= offsetof(mp_error, field) + sizeof((err)->field))

/* The v1.0 size of a host struct: up to the end of its last v1.0 field.
 * Written this way (not sizeof) so that a later minor appending fields
 * still accepts v1.0 hosts. */
#define LP_V10_SIZE(type, last_field) \
    (offsetof(type, last_field) + sizeof(((type *)0)->last_field))

/* Whether a host's sink is usable: present, at least its v1.0 size
 * (MP_PLUGIN_13: anything smaller is refused, never read past) and with
 * its callback set. */
#define LP_TEXT_SINK_OK(s) \
    ((s) && (s)->struct_size >= LP_V10_SIZE(mp_text_sink, write) && (s)->write)
#define LP_EVENT_SINK_OK(s) \
    ((s) && (s)->struct_size >= LP_V10_SIZE(mp_event_sink, on_event) && \
     (s)->on_event)

#endif
