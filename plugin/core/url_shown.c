/* url_shown.c - a URL without its credentials; see url_shown.h. */
#include "url_shown.h"

#include <string.h>

int lp_url_shown(const char *url, const char *mask, strbuf *out)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (!at || (slash && slash < at))
        return sb_appends(out, url);
    return sb_append(out, url, (size_t)(host - url)) ||
           sb_appends(out, mask) || sb_appends(out, at + 1);
}
