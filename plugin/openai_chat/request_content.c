/*
 * request_content.c - one Strands content block -> one OpenAI/LiteLLM
 * content part (reference-behaviour.md 3.3), plus cache_control and
 * thinking blocks.  Shapes were checked by request_check.c.
 */
#include <stdio.h>
#include <string.h>

#include "body_writers.h"

/* "data:<mime>;base64,<b64>" as one JSON string; the base64 text goes
 * straight from the parsed request into the body (its one copy). */
static void write_data_url(jw *w, const char *mime, json_object *media)
{
    char prefix[160];
    const char *b64;
    size_t len;
    rq_media_bytes(media, &b64, &len);
    int n = snprintf(prefix, sizeof prefix, "data:%s;base64,", mime);
    size_t plen = n < 0 ? 0 : ((size_t)n < sizeof prefix ? (size_t)n
                                                         : sizeof prefix - 1);
    jw_string2(w, prefix, plen, b64 ? b64 : "", len);
}

static void write_image(jw *w, json_object *image)
{
    const char *mime = rq_mime_type(rq_str(image, "format", NULL));
    jw_key(w, "image_url");
    jw_object_open(w);
    jw_key(w, "detail");
    jw_cstring(w, "auto");
    jw_key(w, "format");
    jw_cstring(w, mime);
    jw_key(w, "url");
    write_data_url(w, mime, image);
    jw_object_close(w);
    jw_key(w, "type");
    jw_cstring(w, "image_url");
}

static void write_document(jw *w, json_object *doc)
{
    size_t name_len;
    const char *name = rq_str(doc, "name", &name_len);
    jw_key(w, "file");
    jw_object_open(w);
    jw_key(w, "file_data");
    write_data_url(w, rq_mime_type(rq_str(doc, "format", NULL)), doc);
    jw_key(w, "filename");
    jw_string(w, name ? name : "", name_len);
    jw_object_close(w);
    jw_key(w, "type");
    jw_cstring(w, "file");
}

const char *rq_video_format(json_object *video)
{
    const char *format = rq_str(video, "format", NULL);
    const char *b64;
    size_t len;
    if (!format && rq_media_bytes(video, &b64, &len))
        format = rq_video_sniff(b64, len);
    return format;
}

static void write_video(jw *w, json_object *video)
{
    char mime[64];
    rq_video_mime(rq_video_format(video), mime, sizeof mime);
    jw_key(w, "type");
    jw_cstring(w, "video_url");
    jw_key(w, "video_url");
    jw_object_open(w);
    jw_key(w, "detail");
    jw_cstring(w, "auto");
    jw_key(w, "url");
    write_data_url(w, mime, video);
    jw_object_close(w);
}

void rq_write_part_fields(jw *w, rq_kind kind, json_object *value)
{
    switch (kind) {
    case RQ_TEXT:
        jw_key(w, "text");
        jw_json(w, value);
        jw_key(w, "type");
        jw_cstring(w, "text");
        break;
    case RQ_IMAGE:
        write_image(w, value);
        break;
    case RQ_DOCUMENT:
        write_document(w, value);
        break;
    case RQ_VIDEO:
        write_video(w, value);
        break;
    default:
        break; /* not a content part; pass 1 keeps these out */
    }
}

void rq_write_cache_control(jw *w, json_object *cache_point)
{
    size_t ttl_len;
    const char *ttl = rq_str(cache_point, "ttl", &ttl_len);
    jw_key(w, "cache_control");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "ephemeral");
    if (ttl && ttl_len) { /* the reference adds ttl only when truthy */
        jw_key(w, "ttl");
        jw_string(w, ttl, ttl_len);
    }
    jw_object_close(w);
}

void rq_write_thinking(jw *w, json_object *reasoning_text)
{
    json_object *sig = rq_get(reasoning_text, "signature");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "thinking");
    jw_key(w, "thinking");
    jw_json(w, rq_get(reasoning_text, "text"));
    if (sig) { /* reasoning without a signature (e.g. GPT-OSS) has none */
        jw_key(w, "signature");
        jw_json(w, sig);
    }
    jw_object_close(w);
}
