/* log.c - messages to the host's log callback; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void lp_log(const lp_logger *log, int level, const char *fmt, ...)
{
    if (!log || !log->fn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log->fn(log->ctx, level, msg);
}
