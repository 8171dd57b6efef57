/*
 * log_scrub.h - a logger for code that quotes a server in its log lines
 * (an event name, a block or delta type): each line goes on to the real
 * logger mended to UTF-8 and with the call's secrets scrubbed, as the
 * host's log callback is promised (mp_log_fn: UTF-8, never a secret).  A
 * server can send any bytes there, and can echo the request's API key.
 *
 * Each response mapper hands this, not the logger it was given, to
 * everything it logs through, so no log call of a mapper needs to think
 * about what it quotes.
 */
#ifndef LP_LOG_SCRUB_H
#define LP_LOG_SCRUB_H

#include "log.h"

typedef struct lp_log_scrub {
    lp_logger log;               /* log through &this->log               */
    const lp_logger *to;         /* where clean lines go; NULL: nowhere   */
    const char *const *secrets;  /* NULL-terminated, or NULL             */
} lp_log_scrub;

/* `to` and `secrets` are borrowed for as long as `s` is used; `s` must not
 * move while its `log` is in use.  Returns &s->log, or NULL when `to` is
 * NULL (nothing to log to: lp_log then does nothing). */
const lp_logger *lp_log_scrub_init(lp_log_scrub *s, const lp_logger *to,
                                   const char *const *secrets);

#endif
