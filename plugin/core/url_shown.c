/* url_shown.c - a URL without its credentials; see url_shown.h. */
#include "url_shown.h"

#include <string.h>

int lp_url_user_part(const char *url, size_t *start, size_t *end)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    const char *at = strchr(host, '@');
    const char *slash = strchr(host, '/');
    if (!at || (slash && slash < at))
        return 0;
    *start = (size_t)(host - url);
    *end = (size_t)(at + 1 - url);
    return 1;
}

int lp_url_shown(const char *url, const char *mask, strbuf *out)
{
    size_t start, end;
    if (!lp_url_user_part(url, &start, &end))
        return sb_appends(out, url);
    return sb_append(out, url, start) || sb_appends(out, mask) ||
           sb_appends(out, url + end);
}
