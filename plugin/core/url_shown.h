/* url_shown.h - a URL as messages and get_config show it. */
#ifndef LP_URL_SHOWN_H
#define LP_URL_SHOWN_H

#include <stddef.h>

#include "strbuf.h"

/* Whether `url` has a user part ("user:password@" of
 * "scheme://user:password@host/..."), which may hold a credential; if so
 * it spans url[*start .. *end). */
int lp_url_user_part(const char *url, size_t *start, size_t *end);

/* Appends `url` to `out` with its user part replaced by `mask` (""
 * drops it).  0, or nonzero when out of memory. */
int lp_url_shown(const char *url, const char *mask, strbuf *out);

#endif
