/*
 * an_messages.c - "system" and "messages" of a Messages API body (spec
 * 2.2-2.4): each Strands message becomes one Anthropic message with the
 * same role (the API joins consecutive turns itself, so none are merged
 * here), its blocks formatted in order, an empty message left out.
 *
 * A cachePoint marks the nearest block before it that may carry
 * cache_control, which is only known once the blocks before it are
 * formatted, so each message is first planned (an_block list) and then
 * written.  Prompt caching (cache_config) decides which points survive
 * and adds one where none was placed (an_cache.c, Strands' rules).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/utf8.h"
#include "an_request.h"

#define WARN_LOCATION "Location sources are not supported by Anthropic | " \
                      "skipping content block"
#define WARN_LOCATION_RESULT "Location sources are not supported by " \
                             "Anthropic | skipping toolResult content block"

static void note(an_req *c, int rc)
{
    if (rc && !c->rq.status)
        c->rq.status = rc;
}

/* ----------------------------------------------------------- formats */

/* The four image types the API takes ([M]'s table; spec 2.4). */
static const char *image_type(const char *format)
{
    static const char *const table[][2] = {
        {"png", "image/png"}, {"jpeg", "image/jpeg"}, {"jpg", "image/jpeg"},
        {"gif", "image/gif"}, {"webp", "image/webp"}};
    for (size_t i = 0; format && i < sizeof table / sizeof *table; i++)
        if (strcmp(format, table[i][0]) == 0)
            return table[i][1];
    return NULL;
}

/* Documents: a PDF goes as base64; these go as their UTF-8 text. */
static int text_document(const char *format)
{
    static const char *const text[] = {"txt", "csv", "html", "md"};
    for (size_t i = 0; format && i < sizeof text / sizeof *text; i++)
        if (strcmp(format, text[i]) == 0)
            return 1;
    return 0;
}

static int has_bytes(json_object *media)
{
    const char *b64;
    size_t len;
    return rq_media_bytes(media, &b64, &len);
}

/* The bytes of a media block (or of redactedContent) into c->bytes. */
static int decode(an_req *c, const char *b64, size_t len)
{
    sb_reset(&c->bytes);
    return rq_base64_decode(b64, len, &c->bytes);
}

static int decode_media(an_req *c, json_object *media)
{
    const char *b64;
    size_t len;
    rq_media_bytes(media, &b64, &len);
    return decode(c, b64 ? b64 : "", len);
}

/* ------------------------------------------------------------ pass 1 */

/* MP_E_INVALID_ARGUMENT at the path plus ".key". */
static int refuse(an_req *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(an_req *c, const char *key, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    lp_vformat(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t mark = rq_path_key(&c->rq.path, key);
    int rc = rq_invalid(c->rq.err, &c->rq.path, "%s", what);
    rq_path_pop(&c->rq.path, mark);
    return rc;
}

/* An image, document or video with bytes: one Anthropic can take? */
static int check_media(an_req *c, rq_kind kind, json_object *media)
{
    const char *format = rq_str(media, "format", NULL);
    if (!has_bytes(media))
        return MP_OK; /* location-sourced: skipped with a warning later */
    if (kind == RQ_VIDEO)
        return rq_invalid(c->rq.err, &c->rq.path, "content_type=<video> | "
                          "unsupported type (the Messages API has no video "
                          "block: remove it or send it to a model that takes "
                          "video)");
    if (kind == RQ_IMAGE && !image_type(format))
        return refuse(c, "format", "content_type=<image>, format=<%s> | "
                      "unsupported format (Anthropic takes png, jpeg, gif "
                      "and webp images)", format);
    if (kind != RQ_DOCUMENT || strcmp(format, "pdf") == 0)
        return MP_OK;
    if (!text_document(format))
        return refuse(c, "format", "content_type=<document>, format=<%s> | "
                      "unsupported format (Anthropic takes pdf, txt, csv, "
                      "html and md documents)", format);
    int rc = decode_media(c, media);
    if (rc)
        return lp_fail(c->rq.err, rc, "request: out of memory decoding a "
                       "document");
    if (!lp_utf8_valid(c->bytes.data ? c->bytes.data : "", c->bytes.len))
        return refuse(c, "source", "content_type=<document>, format=<%s> | "
                      "document is not valid utf-8 text", format);
    return MP_OK;
}

static int check_result(an_req *c, json_object *tr)
{
    json_object *items = rq_get(tr, "content"), *v;
    size_t n = json_object_array_length(items);
    size_t mark = rq_path_key(&c->rq.path, "content");
    int rc = MP_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->rq.path, i);
        rq_kind kind = rq_block(json_object_array_get_idx(items, i), &v);
        if (kind == RQ_IMAGE || kind == RQ_DOCUMENT || kind == RQ_VIDEO) {
            size_t k = rq_path_key(&c->rq.path, kind == RQ_IMAGE ? "image"
                                   : kind == RQ_DOCUMENT ? "document"
                                                         : "video");
            rc = check_media(c, kind, v);
            rq_path_pop(&c->rq.path, k);
        }
        rq_path_pop(&c->rq.path, at);
    }
    rq_path_pop(&c->rq.path, mark);
    return rc;
}

static int check_block(an_req *c, json_object *block)
{
    json_object *v;
    rq_kind kind = rq_block(block, &v);
    const char *key = NULL;
    json_object_object_foreach(block, k, val) {
        (void)val;
        if (strcmp(k, "type") != 0) { /* "type" may name the kind again */
            key = k;
            break;
        }
    }
    size_t mark = rq_path_key(&c->rq.path, key ? key : "");
    int rc = MP_OK;
    if (kind == RQ_IMAGE || kind == RQ_DOCUMENT || kind == RQ_VIDEO) {
        rc = check_media(c, kind, v);
    } else if (kind == RQ_TOOL_USE) {
        json_object *input = rq_get(v, "input");
        if (!json_object_is_type(input, json_type_object))
            rc = refuse(c, "input", "expected object, got %s",
                        lp_json_type_name(input));
    } else if (kind == RQ_TOOL_RESULT) {
        rc = check_result(c, v);
    }
    rq_path_pop(&c->rq.path, mark);
    return rc;
}

int an_check_request(an_req *c, const rf_request *req)
{
    rq_path_set(&c->rq.path, "messages");
    size_t n = json_object_array_length(req->messages);
    int rc = MP_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t at = rq_path_index(&c->rq.path, i);
        json_object *content = rq_get(json_object_array_get_idx(
                                          req->messages, i), "content");
        size_t mark = rq_path_key(&c->rq.path, "content");
        size_t nb = json_object_array_length(content);
        for (size_t j = 0; j < nb && !rc; j++) {
            size_t bj = rq_path_index(&c->rq.path, j);
            rc = check_block(c, json_object_array_get_idx(content, j));
            rq_path_pop(&c->rq.path, bj);
        }
        rq_path_pop(&c->rq.path, mark);
        rq_path_pop(&c->rq.path, at);
    }
    return rc;
}

/* ---------------------------------------------------- cache controls */

int an_cacheable(int type)
{
    return type == AB_TEXT || type == AB_IMAGE || type == AB_DOCUMENT ||
           type == AB_TOOL_USE || type == AB_TOOL_RESULT ||
           type == AB_CITED_TEXT;
}

int an_mark_last(an_block *blocks, size_t n, const char *ttl)
{
    while (n-- > 0) {
        if (an_cacheable(blocks[n].type)) {
            blocks[n].cache = 1;
            blocks[n].ttl = ttl;
            return 1;
        }
    }
    return 0;
}

const char *an_point_ttl(json_object *cache_point)
{
    size_t len;
    const char *ttl = rq_str(cache_point, "ttl", &len);
    return ttl && len ? ttl : NULL;
}

void an_write_cache_control(jw *w, const char *ttl)
{
    jw_key(w, "cache_control");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "ephemeral");
    if (ttl) {
        jw_key(w, "ttl");
        jw_cstring(w, ttl);
    }
    jw_object_close(w);
}

/* -------------------------------------------------------------- ids */

static int id_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

int an_tool_id(an_req *c, const char *id, size_t len)
{
    const char *sep = memmem(id, len, RQ_THOUGHT_SEP, strlen(RQ_THOUGHT_SEP));
    size_t keep = sep ? (size_t)(sep - id) : len;
    int changed = keep != len || keep == 0;
    for (size_t i = 0; i < keep && !changed; i++)
        changed = !id_char((unsigned char)id[i]);
    if (!changed)
        return 0;
    sb_reset(&c->text);
    for (size_t i = 0; i < keep; i++)
        note(c, sb_appendc(&c->text, id_char((unsigned char)id[i])
                                         ? id[i] : '_'));
    if (!keep)
        note(c, sb_appends(&c->text, "tool_use"));
    return 1;
}

static void write_id(an_req *c, jw *w, const char *id, size_t len)
{
    if (an_tool_id(c, id, len))
        jw_string(w, c->text.data ? c->text.data : "", c->text.len);
    else
        jw_string(w, id, len);
}

/* ------------------------------------------------------------ blocks */

static void write_media_source(an_req *c, jw *w, const char *media_type,
                               json_object *media)
{
    const char *b64;
    size_t len;
    rq_media_bytes(media, &b64, &len);
    jw_key(w, "source");
    jw_object_open(w);
    jw_key(w, "type");
    jw_cstring(w, "base64");
    jw_key(w, "media_type");
    jw_cstring(w, media_type);
    jw_key(w, "data");
    jw_string(w, b64 ? b64 : "", len);
    jw_object_close(w);
}

static void write_image(an_req *c, jw *w, json_object *image)
{
    jw_key(w, "type");
    jw_cstring(w, "image");
    write_media_source(c, w, image_type(rq_str(image, "format", NULL)),
                       image);
}

static void write_document(an_req *c, jw *w, json_object *doc)
{
    const char *format = rq_str(doc, "format", NULL);
    jw_key(w, "type");
    jw_cstring(w, "document");
    if (strcmp(format, "pdf") == 0) {
        write_media_source(c, w, "application/pdf", doc);
    } else {
        note(c, decode_media(c, doc)); /* pass 1 saw it decode to UTF-8 */
        jw_key(w, "source");
        jw_object_open(w);
        jw_key(w, "type");
        jw_cstring(w, "text");
        jw_key(w, "media_type");
        jw_cstring(w, "text/plain");
        jw_key(w, "data");
        jw_string(w, c->bytes.data ? c->bytes.data : "", c->bytes.len);
        jw_object_close(w);
    }
    size_t name_len;
    const char *name = rq_str(doc, "name", &name_len);
    jw_key(w, "title");
    jw_string(w, name ? name : "", name_len);
    /* Not mapped by any Strands version; the API has both (spec 2.4). */
    json_object *cit = rq_get(doc, "citations");
    json_object *enabled = rq_get(cit, "enabled");
    if (json_object_is_type(enabled, json_type_boolean) &&
        json_object_get_boolean(enabled)) {
        jw_key(w, "citations");
        jw_object_open(w);
        jw_key(w, "enabled");
        jw_bool(w, 1);
        jw_object_close(w);
    }
    size_t ctx_len;
    const char *context = rq_str(doc, "context", &ctx_len);
    if (context && ctx_len) {
        jw_key(w, "context");
        jw_string(w, context, ctx_len);
    }
}

static void write_text(jw *w, const char *s, size_t len)
{
    jw_key(w, "type");
    jw_cstring(w, "text");
    jw_key(w, "text");
    jw_string(w, s, len);
}

/* One item of a tool result's content (pass 1 refused what cannot go). */
static void write_result_item(an_req *c, jw *w, rq_kind kind,
                              json_object *v)
{
    if ((kind == RQ_IMAGE || kind == RQ_DOCUMENT) && !has_bytes(v)) {
        lp_log(c->rq.log, MP_LOG_WARN, WARN_LOCATION_RESULT);
        return;
    }
    jw_object_open(w);
    if (kind == RQ_TEXT) {
        write_text(w, json_object_get_string(v),
                   (size_t)json_object_get_string_len(v));
    } else if (kind == RQ_JSON) {
        /* Decision 6: compact, stable, non-ASCII kept as it is. */
        sb_reset(&c->rq.dump);
        note(c, jw_to_string(v, &c->rq.dump));
        write_text(w, c->rq.dump.data ? c->rq.dump.data : "",
                   c->rq.dump.len);
    } else if (kind == RQ_IMAGE) {
        write_image(c, w, v);
    } else {
        write_document(c, w, v);
    }
    jw_object_close(w);
}

static void write_tool_result(an_req *c, jw *w, json_object *tr)
{
    size_t id_len;
    const char *id = rq_str(tr, "toolUseId", &id_len);
    const char *status = rq_str(tr, "status", NULL);
    json_object *items = rq_get(tr, "content"), *v;
    jw_key(w, "type");
    jw_cstring(w, "tool_result");
    jw_key(w, "tool_use_id");
    write_id(c, w, id, id_len);
    jw_key(w, "content");
    jw_array_open(w);
    size_t n = json_object_array_length(items);
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(items, i), &v);
        write_result_item(c, w, kind, v);
    }
    jw_array_close(w);
    jw_key(w, "is_error");
    jw_bool(w, status && strcmp(status, "error") == 0);
}

static void write_tool_use(an_req *c, jw *w, json_object *tu)
{
    size_t id_len, name_len;
    const char *id = rq_str(tu, "toolUseId", &id_len);
    const char *name = rq_str(tu, "name", &name_len);
    jw_key(w, "type");
    jw_cstring(w, "tool_use");
    jw_key(w, "id");
    if (an_tool_id(c, id, id_len))
        lp_log(c->rq.log, MP_LOG_WARN, "toolUseId \"%.*s\" is not an id "
               "Anthropic takes (letters, digits, _ and -; another model's "
               "thought signature is not sent) | sent as \"%s\"",
               lp_utf8_prec(id, 200), id, c->text.data ? c->text.data : "");
    write_id(c, w, id, id_len);
    jw_key(w, "name");
    jw_string(w, name, name_len);
    jw_key(w, "input");
    jw_json(w, rq_get(tu, "input"));
}

static void write_block(an_req *c, jw *w, const an_block *b)
{
    json_object *v = b->v;
    jw_object_open(w);
    switch (b->type) {
    case AB_TEXT:
        write_text(w, json_object_get_string(v), b->text_len);
        break;
    case AB_CITED_TEXT:
        /* Spec 2.4: the cited text; the citations were the model's. */
        sb_reset(&c->text);
        note(c, rq_citations_text(v, &c->text));
        write_text(w, c->text.data ? c->text.data : "", c->text.len);
        break;
    case AB_IMAGE:
        write_image(c, w, v);
        break;
    case AB_DOCUMENT:
        write_document(c, w, v);
        break;
    case AB_TOOL_USE:
        write_tool_use(c, w, v);
        break;
    case AB_TOOL_RESULT:
        write_tool_result(c, w, v);
        break;
    case AB_THINKING: {
        json_object *rt = rq_get(v, "reasoningText");
        jw_key(w, "type");
        jw_cstring(w, "thinking");
        jw_key(w, "thinking");
        jw_json(w, rq_get(rt, "text"));
        jw_key(w, "signature");
        jw_json(w, rq_get(rt, "signature"));
        break;
    }
    case AB_REDACTED: {
        /* The bytes the stream delivered were the UTF-8 of `data`, so
         * the string goes back exactly (spec 3.3). */
        size_t len;
        const char *b64 = rq_str(v, "redactedContent", &len);
        note(c, decode(c, b64, len));
        jw_key(w, "type");
        jw_cstring(w, "redacted_thinking");
        jw_key(w, "data");
        jw_string(w, c->bytes.data ? c->bytes.data : "", c->bytes.len);
        break;
    }
    }
    if (b->cache)
        an_write_cache_control(w, b->ttl);
    jw_object_close(w);
}

/* -------------------------------------------------------- planning */

static void plan_add(an_req *c, int type, json_object *v, size_t text_len)
{
    if (c->nplan == c->cap_plan) {
        size_t cap = c->cap_plan ? c->cap_plan * 2 : 16;
        an_block *p = realloc(c->plan, cap * sizeof *p);
        if (!p) {
            note(c, MP_E_NO_MEMORY);
            return;
        }
        c->plan = p;
        c->cap_plan = cap;
    }
    an_block b = {.type = type, .v = v, .text_len = text_len};
    c->plan[c->nplan++] = b;
}

/* One Strands block (not a cachePoint) of messages[i].content[j] into the
 * plan, or left out with a warning that says why. */
static void plan_block(an_req *c, rq_kind kind, json_object *v, size_t i,
                       size_t j)
{
    switch (kind) {
    case RQ_TEXT: {
        size_t len = (size_t)json_object_get_string_len(v);
        if (len)
            plan_add(c, AB_TEXT, v, len);
        else
            lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
                   "Anthropic refuses empty text | skipping content block",
                   i, j);
        break;
    }
    case RQ_IMAGE:
    case RQ_DOCUMENT:
    case RQ_VIDEO: /* pass 1 let only a location-sourced video through */
        if (!has_bytes(v))
            lp_log(c->rq.log, MP_LOG_WARN, WARN_LOCATION);
        else
            plan_add(c, kind == RQ_IMAGE ? AB_IMAGE : AB_DOCUMENT, v, 0);
        break;
    case RQ_REASONING: {
        json_object *rt = rq_get(v, "reasoningText");
        if (rt) {
            size_t sig_len = 0;
            if (rq_str(rt, "signature", &sig_len) && sig_len)
                plan_add(c, AB_THINKING, v, 0);
            else
                lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
                       "reasoning without a signature cannot be sent to "
                       "Anthropic (it refuses unsigned thinking; another "
                       "model wrote it) | skipping content block", i, j);
            break;
        }
        size_t len;
        const char *b64 = rq_str(v, "redactedContent", &len);
        note(c, decode(c, b64, len));
        if (c->bytes.len &&
            lp_utf8_valid(c->bytes.data ? c->bytes.data : "", c->bytes.len))
            plan_add(c, AB_REDACTED, v, 0);
        else
            lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
                   "redactedContent that is not Anthropic's (not UTF-8 "
                   "text) cannot be sent back | skipping content block",
                   i, j);
        break;
    }
    case RQ_TOOL_USE:
        plan_add(c, AB_TOOL_USE, v, 0);
        break;
    case RQ_TOOL_RESULT:
        plan_add(c, AB_TOOL_RESULT, v, 0);
        break;
    case RQ_CITATIONS:
        plan_add(c, AB_CITED_TEXT, v, 0);
        break;
    default:
        break; /* pass 1 refused everything else */
    }
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* A final assistant message is a prefill the answer continues, and the
 * API refuses one that ends in white space (spec 2.3). */
static void trim_prefill(an_req *c, size_t i)
{
    for (size_t k = c->nplan; k-- > 0;) {
        an_block *b = &c->plan[k];
        if (b->type != AB_TEXT)
            continue;
        const char *s = json_object_get_string(b->v);
        while (b->text_len && is_space(s[b->text_len - 1]))
            b->text_len--;
        if (!b->text_len) {
            lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu]: the final "
                   "assistant text is only white space, which Anthropic "
                   "refuses in a prefill | skipping content block", i);
            memmove(b, b + 1, (c->nplan - k - 1) * sizeof *b);
            c->nplan--;
        }
        return;
    }
}

/* The message that owns the managed cache point: the last user message
 * with a block that is not a cachePoint; -1 when none. */
static long cache_target(json_object *messages)
{
    for (size_t i = json_object_array_length(messages); i-- > 0;) {
        json_object *msg = json_object_array_get_idx(messages, i);
        const char *role = rq_str(msg, "role", NULL);
        json_object *content = rq_get(msg, "content"), *v;
        if (strcmp(role, "user") != 0)
            continue;
        size_t n = json_object_array_length(content);
        for (size_t j = 0; j < n; j++)
            if (rq_block(json_object_array_get_idx(content, j), &v) !=
                RQ_CACHE_POINT)
                return (long)i;
    }
    return -1;
}

/* Cache points cache_config strips: all but the first of the target. */
static size_t count_stripped(json_object *messages, long target)
{
    size_t stripped = 0, n = json_object_array_length(messages);
    json_object *v;
    for (size_t i = 0; i < n; i++) {
        json_object *content = rq_get(json_object_array_get_idx(messages, i),
                                      "content");
        size_t nb = json_object_array_length(content), points = 0;
        for (size_t j = 0; j < nb; j++)
            points += rq_block(json_object_array_get_idx(content, j), &v) ==
                      RQ_CACHE_POINT;
        stripped += (long)i == target && points ? points - 1 : points;
    }
    return stripped;
}

/* A cachePoint at messages[i].content[j]: mark the block before it. */
static int place_point(an_req *c, json_object *cp, long target, size_t i,
                       size_t j)
{
    if (!rq_cache_point_applies(cp)) {
        lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu].content[%zu]: "
               "cachePoint type is not \"default\" | ignoring", i, j);
        return 0;
    }
    const char *ttl = an_point_ttl(cp);
    if (!ttl && (long)i == target)
        ttl = c->cache.ttl;
    if (an_mark_last(c->plan, c->nplan, ttl))
        return 1;
    if ((long)i == target)
        lp_log(c->rq.log, MP_LOG_WARN, "msg_idx=<%zu> | nothing ahead of the "
               "placed cache point can carry one, falling back to automatic "
               "placement", i);
    else
        lp_log(c->rq.log, MP_LOG_WARN, "messages[%zu].content[%zu]: no "
               "preceding block accepts a cache point | skipped cache point",
               i, j);
    return 0;
}

static void write_message(an_req *c, jw *w, json_object *msg, size_t i,
                          long target, int last)
{
    const char *role = rq_str(msg, "role", NULL);
    json_object *content = rq_get(msg, "content"), *v;
    size_t n = json_object_array_length(content);
    int marked = 0, honored = 0;
    c->nplan = 0;
    for (size_t j = 0; j < n; j++) {
        rq_kind kind = rq_block(json_object_array_get_idx(content, j), &v);
        if (kind != RQ_CACHE_POINT) {
            plan_block(c, kind, v, i, j);
            continue;
        }
        /* Managed caching keeps only the target's first point (the
         * others were counted and warned about once). */
        if (c->cache.managed && ((long)i != target || honored))
            continue;
        honored = 1;
        marked |= place_point(c, v, target, i, j);
    }
    if ((long)i == target && !marked) {
        size_t durable = c->nplan > c->trailing ? c->nplan - c->trailing : 0;
        if (an_mark_last(c->plan, durable, c->cache.ttl))
            lp_log(c->rq.log, MP_LOG_DEBUG, "msg_idx=<%zu> | added cache "
                   "point to last user message", i);
        else
            lp_log(c->rq.log, MP_LOG_DEBUG, "msg_idx=<%zu> | no cacheable "
                   "content block, skipped cache point", i);
    }
    if (last && strcmp(role, "assistant") == 0)
        trim_prefill(c, i);
    if (!c->nplan)
        return; /* spec 2.3: an empty message is left out */
    jw_object_open(w);
    jw_key(w, "role");
    jw_cstring(w, role);
    jw_key(w, "content");
    jw_array_open(w);
    for (size_t k = 0; k < c->nplan; k++)
        write_block(c, w, &c->plan[k]);
    jw_array_close(w);
    jw_object_close(w);
}

void an_write_messages(an_req *c, jw *w, const rf_request *req)
{
    long target = -1;
    if (c->cache.unknown_strategy)
        lp_log(c->rq.log, MP_LOG_WARN, "strategy=<%s> | unknown cache "
               "strategy, prompt caching disabled", c->cache.strategy);
    if (c->cache.managed) {
        target = cache_target(req->messages);
        if (target < 0)
            lp_log(c->rq.log, MP_LOG_DEBUG, "no user message with content | "
                   "skipped cache point");
        size_t stripped = count_stripped(req->messages, target);
        if (stripped)
            lp_log(c->rq.log, MP_LOG_WARN, "count=<%zu> | stripped extra "
                   "cache points, cache_config keeps the first cache point "
                   "in the last user message; unset cache_config to keep "
                   "every cache point", stripped);
    }
    jw_key(w, "messages");
    jw_array_open(w);
    size_t n = json_object_array_length(req->messages);
    for (size_t i = 0; i < n && !jw_status(w) && !c->rq.status; i++)
        write_message(c, w, json_object_array_get_idx(req->messages, i), i,
                      target, i + 1 == n);
    jw_array_close(w);
}

/* ------------------------------------------------------------ system */

void an_write_system(an_req *c, jw *w, const rf_request *req)
{
    json_object *blocks = req->system_prompt_content, *v;
    const an_cache *k = &c->cache;
    if (!blocks) {
        const char *s = req->system_prompt;
        if (!s || !*s)
            return;
        jw_key(w, "system");
        if (!k->system_auto) {
            jw_cstring(w, s); /* the [S] form, case 8 */
            return;
        }
        /* Promoted to a block to carry the managed point (case 123). */
        jw_array_open(w);
        jw_object_open(w);
        write_text(w, s, strlen(s));
        an_write_cache_control(w, k->system_ttl);
        jw_object_close(w);
        jw_array_close(w);
        return;
    }
    /* Spec 2.2 with [L]'s rules, which cache_config brings: a point marks
     * the text before it, the first point on a block wins. */
    size_t n = json_object_array_length(blocks);
    c->nplan = 0;
    int placed = 0;
    for (size_t i = 0; i < n; i++) {
        rq_kind kind = rq_block(json_object_array_get_idx(blocks, i), &v);
        if (kind == RQ_TEXT) {
            plan_add(c, AB_TEXT, v, (size_t)json_object_get_string_len(v));
        } else if (kind == RQ_CACHE_POINT && rq_cache_point_applies(v)) {
            if (c->nplan && c->plan[c->nplan - 1].cache) {
                lp_log(c->rq.log, MP_LOG_WARN, "stripped an extra system "
                       "cache point | keeping the earlier point on the "
                       "block");
                continue;
            }
            const char *ttl = an_point_ttl(v);
            placed |= an_mark_last(c->plan, c->nplan,
                                   ttl ? ttl : k->system_ttl);
        }
    }
    if (!c->nplan)
        return; /* nothing renders: no system key (case 138) */
    if (k->system_auto && !placed)
        an_mark_last(c->plan, c->nplan, k->system_ttl);
    jw_key(w, "system");
    jw_array_open(w);
    for (size_t i = 0; i < c->nplan; i++)
        write_block(c, w, &c->plan[i]);
    jw_array_close(w);
}

/* ----------------------------------------------------------- context */

void an_req_init(an_req *c, const lp_logger *log, mp_error *err, size_t max)
{
    memset(c, 0, sizeof *c);
    c->rq.log = log;
    c->rq.err = err;
    sb_init(&c->rq.run, max);
    sb_init(&c->rq.dump, max);
    sb_init(&c->bytes, max);
    sb_init(&c->text, max);
}

void an_req_free(an_req *c)
{
    rq_idmap_free(&c->rq.ids);
    sb_free(&c->rq.run);
    sb_free(&c->rq.dump);
    sb_free(&c->bytes);
    sb_free(&c->text);
    free(c->plan);
    c->plan = NULL;
}
