/*
 * request_media.c - media blocks (image, document, video) as every wire
 * format's writer reads them: MIME types for a Strands format name and the
 * base64 payload of a bytes-sourced block.  See request_internal.h.
 */
#include <stdio.h>
#include <string.h>

#include "request_internal.h"

/* Python's mimetypes.types_map after mimetypes.init() has read the system
 * table (reference 3.3, right column).  The lookup is case-sensitive, as
 * types_map.get() is. */
const char *rq_mime_type(const char *format)
{
    static const char *const table[][2] = {
        {"png", "image/png"},
        {"jpeg", "image/jpeg"},
        {"jpg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"pdf", "application/pdf"},
        {"csv", "text/csv"},
        {"doc", "application/msword"},
        {"docx", "application/vnd.openxmlformats-officedocument."
                 "wordprocessingml.document"},
        {"xls", "application/vnd.ms-excel"},
        {"xlsx", "application/vnd.openxmlformats-officedocument."
                 "spreadsheetml.sheet"},
        {"html", "text/html"},
        {"txt", "text/plain"},
        {"md", "text/markdown"},
    };
    for (size_t i = 0; format && i < sizeof table / sizeof *table; i++)
        if (strcmp(format, table[i][0]) == 0)
            return table[i][1];
    return "application/octet-stream";
}

void rq_video_mime(const char *format, char *out, size_t size)
{
    /* Decision 3 says video/<fmt>; these Strands format names are not
     * MIME subtypes, so they get the registered ones (Gemini, the usual
     * video backend, rejects unknown types). */
    static const char *const renamed[][2] = {
        {"three_gp", "3gpp"},
        {"flv", "x-flv"},
        {"mkv", "x-matroska"},
    };
    const char *sub = format ? format : "";
    for (size_t i = 0; i < sizeof renamed / sizeof *renamed; i++)
        if (strcmp(sub, renamed[i][0]) == 0)
            sub = renamed[i][1];
    snprintf(out, size, "video/%s", sub);
}

int rq_media_bytes(json_object *media, const char **b64, size_t *len)
{
    *b64 = rq_str(rq_get(media, "source"), "bytes", len);
    return *b64 != NULL;
}
