/*
 * log.h - messages to the host's log callback.
 *
 * The host gives one callback at module init; it is called only on the
 * thread of the plugin call that logs (ABI rule MP_PLUGIN_10).  Never pass a
 * secret to these functions.
 */
#ifndef LP_LOG_H
#define LP_LOG_H

#include "../../abi/model_provider.h"

typedef struct lp_logger {
    mp_log_fn fn;
    void *ctx;
} lp_logger;

void lp_log(const lp_logger *log, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
