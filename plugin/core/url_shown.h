/* url_shown.h - a URL as messages and get_config show it. */
#ifndef LP_URL_SHOWN_H
#define LP_URL_SHOWN_H

#include "strbuf.h"

/* Appends `url` to `out` with its user part ("user:password@" of
 * "scheme://user:password@host/..."), which may hold a credential,
 * replaced by `mask` ("" drops it).  0, or nonzero when out of memory. */
int lp_url_shown(const char *url, const char *mask, strbuf *out);

#endif
