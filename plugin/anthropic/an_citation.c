/*
 * an_citation.c - one citation of a citations_delta as its Strands JSON
 * (spec 3.4, [L]'s _format_citation):
 *   {"title"?: title or document_title,
 *    "sourceContent"?: [{"text": cited_text}],
 *    "location"?: {"web"|"searchResultLocation"|"documentChar"|
 *                  "documentPage"|"documentChunk": {...}}}
 * Missing numbers are 0; encrypted_index, file_id and the like are not
 * Strands fields and stay behind.
 */
#include "an_mapper.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

#include "../core/json_writer.h"

static const char *text_of(json_object *o, const char *key, size_t *len)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    if (!json_object_is_type(v, json_type_string) ||
        !json_object_get_string_len(v))
        return NULL;
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

static int64_t number_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v)
                                                 : 0;
}

/* The host of a URL, lower-cased, as Python's urlparse(url).hostname:
 * after "scheme://", before any path, query, fragment or port, without
 * user info or IPv6 brackets.  0 when there is none. */
static size_t url_host(const char *url, size_t len, char *out, size_t cap)
{
    const char *p = memmem(url, len, "://", 3);
    if (!p)
        return 0;
    p += 3;
    const char *end = url + len, *stop = p;
    while (stop < end && !strchr("/?#", *stop))
        stop++;
    const char *at = NULL;
    for (const char *q = p; q < stop; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;
    const char *host_end = stop;
    if (p < stop && *p == '[') { /* [::1]:8080 */
        const char *close = memchr(p, ']', (size_t)(stop - p));
        if (!close)
            return 0;
        p++;
        host_end = close;
    } else {
        const char *colon = memchr(p, ':', (size_t)(stop - p));
        if (colon)
            host_end = colon;
    }
    size_t n = (size_t)(host_end - p);
    if (!n || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[n] = '\0';
    return n;
}

static void range(jw *w, const char *name, const char *index_key,
                  int64_t index, int64_t start, int64_t end)
{
    jw_key(w, "location");
    jw_object_open(w);
    jw_key(w, name);
    jw_object_open(w);
    jw_key(w, index_key);
    jw_int(w, index);
    jw_key(w, "start");
    jw_int(w, start);
    jw_key(w, "end");
    jw_int(w, end);
    jw_object_close(w);
    jw_object_close(w);
}

static void location(jw *w, json_object *c, const char *type,
                     const lp_logger *log)
{
    if (!type) {
        lp_log(log, MP_LOG_WARN, "citation_type=<None> | unsupported "
               "citation location | skipping");
    } else if (strcmp(type, "web_search_result_location") == 0) {
        size_t len = 0;
        const char *url = text_of(c, "url", &len);
        char host[256];
        size_t hn = url ? url_host(url, len, host, sizeof host) : 0;
        jw_key(w, "location");
        jw_object_open(w);
        jw_key(w, "web");
        jw_object_open(w);
        jw_key(w, "url");
        jw_string(w, url ? url : "", len);
        if (hn) {
            jw_key(w, "domain");
            jw_string(w, host, hn);
        }
        jw_object_close(w);
        jw_object_close(w);
    } else if (strcmp(type, "search_result_location") == 0) {
        range(w, "searchResultLocation", "searchResultIndex",
              number_of(c, "search_result_index"),
              number_of(c, "start_block_index"),
              number_of(c, "end_block_index"));
    } else if (strcmp(type, "char_location") == 0) {
        range(w, "documentChar", "documentIndex",
              number_of(c, "document_index"),
              number_of(c, "start_char_index"),
              number_of(c, "end_char_index"));
    } else if (strcmp(type, "page_location") == 0) {
        range(w, "documentPage", "documentIndex",
              number_of(c, "document_index"),
              number_of(c, "start_page_number"),
              number_of(c, "end_page_number"));
    } else if (strcmp(type, "content_block_location") == 0) {
        range(w, "documentChunk", "documentIndex",
              number_of(c, "document_index"),
              number_of(c, "start_block_index"),
              number_of(c, "end_block_index"));
    } else {
        lp_log(log, MP_LOG_WARN, "citation_type=<%.60s> | unsupported "
               "citation location | skipping", type);
    }
}

int an_citation_json(json_object *c, const lp_logger *log, strbuf *out)
{
    jw w;
    jw_init(&w, out);
    jw_object_open(&w);
    size_t len = 0;
    const char *title = text_of(c, "title", &len);
    if (!title)
        title = text_of(c, "document_title", &len);
    if (title) {
        jw_key(&w, "title");
        jw_string(&w, title, len);
    }
    const char *cited = text_of(c, "cited_text", &len);
    if (cited) {
        jw_key(&w, "sourceContent");
        jw_array_open(&w);
        jw_object_open(&w);
        jw_key(&w, "text");
        jw_string(&w, cited, len);
        jw_object_close(&w);
        jw_array_close(&w);
    }
    json_object *type = NULL;
    json_object_object_get_ex(c, "type", &type);
    location(&w, c, json_object_is_type(type, json_type_string)
                        ? json_object_get_string(type) : NULL, log);
    jw_object_close(&w);
    return jw_status(&w);
}
