/* log_scrub.c - log lines mended and scrubbed; see log_scrub.h. */
#include "log_scrub.h"

#include <string.h>

#include "error_classify.h"
#include "strbuf.h"
#include "utf8.h"

static void scrubbed(void *ctx, int level, const char *message)
{
    const lp_log_scrub *s = ctx;
    if (!s->to || !s->to->fn || !message)
        return;
    size_t n = strlen(message);
    strbuf clean;
    /* A secret, however short, becomes at most "<redacted>". */
    sb_init(&clean, 10 * n + 64);
    if (ec_scrub(message, n, s->secrets, &clean)) {
        s->to->fn(s->to->ctx, level, "(a log line was not shown: out of "
                  "memory)");
    } else {
        /* A secret is UTF-8 itself, so mending after scrubbing cannot
         * uncover one. */
        lp_utf8_mend(clean.data, clean.len);
        s->to->fn(s->to->ctx, level, clean.data ? clean.data : "");
    }
    sb_free(&clean);
}

const lp_logger *lp_log_scrub_init(lp_log_scrub *s, const lp_logger *to,
                                   const char *const *secrets)
{
    s->log.fn = scrubbed;
    s->log.ctx = s;
    s->to = to;
    s->secrets = secrets;
    return to ? &s->log : NULL;
}
