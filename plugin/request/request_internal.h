/*
 * request_internal.h - pieces shared by the request_*.c files (not part of
 * the plugin's interface; see request_format.h for that).
 *
 * Formatting runs in two passes over the parsed request:
 *   1. request_check.c validates every shape and fails with a JSON path;
 *   2. request_messages.c / request_tools.c / request_content.c write the
 *      body, trusting the shapes pass 1 accepted.
 * Splitting them keeps "bad input builds nothing and logs nothing" true
 * without unwinding half-written output or half-emitted warnings.
 */
#ifndef LP_REQUEST_INTERNAL_H
#define LP_REQUEST_INTERNAL_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/json_writer.h"
#include "../core/log.h"
#include "../core/wire.h"
#include "request.h"
#include "../core/strbuf.h"

/* LiteLLM's separator for a Gemini thought signature inside a tool-call id
 * (reference section 5). */
#define RQ_THOUGHT_SEP "__thought__"

/* ---------------------------------------------------------- JSON paths */

/* A JSON path such as "messages[2].content[0].toolResult" built while
 * walking, for error messages.  Overlong paths are cut, never overflowed. */
#define RQ_PATH_MAX 512
typedef struct rq_path {
    char buf[RQ_PATH_MAX];
    size_t len;
} rq_path;

void rq_path_set(rq_path *p, const char *root);
/* Append ".key" or "[i]"; both return the previous length for rq_path_pop. */
size_t rq_path_key(rq_path *p, const char *key);
size_t rq_path_index(rq_path *p, size_t i);
void rq_path_pop(rq_path *p, size_t len);
/* MP_E_INVALID_ARGUMENT with "<path>: <message>". */
int rq_invalid(mp_error *err, const rq_path *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------ content blocks */

/* What a Strands content block is: its one key.  Tool-result items use the
 * same names plus "json". */
typedef enum rq_kind {
    RQ_UNKNOWN = 0,
    RQ_TEXT,
    RQ_IMAGE,
    RQ_DOCUMENT,
    RQ_VIDEO,
    RQ_REASONING,
    RQ_TOOL_USE,
    RQ_TOOL_RESULT,
    RQ_CACHE_POINT,
    RQ_JSON,
    RQ_CITATIONS   /* citationsContent: cited text a model answered with */
} rq_kind;

/* The kind of a one-key block object and its value (NULL block -> unknown).
 * A "type" key beside it names the same kind (decision 29) and is not the
 * block's kind.  Blocks are only classified after pass 1 accepted them. */
rq_kind rq_block(json_object *block, json_object **value);
rq_kind rq_kind_of(const char *key);

/* Whether any message holds an image block, also inside a toolResult
 * (the request's shapes must have been checked). */
int rq_request_has_images(const rf_request *req);

/* A string member or NULL (length in *len when len is not NULL). */
const char *rq_str(json_object *obj, const char *key, size_t *len);
/* A member of any type, or NULL when absent (or JSON null). */
json_object *rq_get(json_object *obj, const char *key);

/* Standard base64 (RFC 4648: A-Z a-z 0-9 + /, '=' padding, length a
 * multiple of 4).  Returns 1 if valid; else 0 and the offset of the first
 * offending byte in *bad_at.  Scans only, never decodes. */
int rq_base64_valid(const char *s, size_t len, size_t *bad_at);

/* 1 if a cachePoint applies: its type is "default" (reference 3.8). */
int rq_cache_point_applies(json_object *cache_point);

/* Decode standard base64 (already checked by rq_base64_valid) onto `out`.
 * 0 or an strbuf error. */
int rq_base64_decode(const char *s, size_t len, strbuf *out);

/* The text of a citationsContent value: its content items' texts joined
 * (the citations themselves are not text), appended to `out`. */
int rq_citations_text(json_object *citations_content, strbuf *out);

/* The MIME type of a document/image format, Python's mimetypes table with
 * the system types loaded (reference 3.3, right column). */
const char *rq_mime_type(const char *format);
/* "video/<fmt>" with the three Strands names that are not MIME subtypes
 * mapped (three_gp, flv, mkv). */
void rq_video_mime(const char *format, char *out, size_t size);

/* The container of a video without "format", from the signature of its
 * (validated) base64 bytes (decision 29): a Strands video format ("mp4",
 * "mov", "three_gp", "webm", "mkv", "flv", "mpeg", "wmv") or, where Strands
 * has none, the MIME subtype ("x-msvideo" for AVI, "mp2t" for MPEG-TS,
 * "ogg"); NULL when no signature matches.  Decodes only the first few
 * hundred bytes. */
const char *rq_video_sniff(const char *b64, size_t len);
/* The format a video goes out with: its "format", else the sniffed one
 * (NULL when neither; pass 1 refuses that for bytes). */
const char *rq_video_format(json_object *video);

/* Media block value (image/document/video): 1 and the base64 text when it
 * has source.bytes, 0 when location-sourced. */
int rq_media_bytes(json_object *media, const char **b64, size_t *len);

/* ------------------------------------------------------- tool call ids */

/* The id a toolUse goes out with: `id`, plus RQ_THOUGHT_SEP and `sig` when
 * sig is not NULL (reference 3.5 / decision 4). */
typedef struct rq_id {
    const char *id;
    size_t id_len;
    const char *sig; /* NULL: the id is sent unchanged */
    size_t sig_len;
} rq_id;

/* toolUseId -> the id its toolUse was sent with, so the matching tool
 * message carries the same tool_call_id (decision 4).  Keys and values
 * borrow strings of the parsed request. */
typedef struct rq_idmap {
    rq_id *slots;
    size_t cap;   /* power of two, or 0 */
    size_t count;
} rq_idmap;

void rq_idmap_clear(rq_idmap *m);
void rq_idmap_free(rq_idmap *m);
/* Insert or replace (the latest toolUse with an id wins). */
int rq_idmap_put(rq_idmap *m, const rq_id *e);
const rq_id *rq_idmap_get(const rq_idmap *m, const char *id, size_t len);
/* The id for a (validated) toolUse value. */
void rq_tool_use_id(json_object *tool_use, rq_id *out);

/* ------------------------------------------------------------ context */

typedef struct rq_ctx {
    const lp_logger *log;
    mp_error *err;
    int round_trip;    /* cfg->reasoning_round_trip (decision 5) */
    /* What the route's door wants (route.h quirks), set by the adapter. */
    const char *sig_vendor; /* "google"/"vertex": signatures go back as
                               extra_content.<vendor>.thought_signature
                               (NULL: in the id, "__thought__")          */
    int sig_placeholder;    /* a message's tool calls made without any
                               signature get Google's placeholder         */
    int no_stream_options, max_tokens_only, no_empty_tools;
    int status;        /* first scratch-buffer failure, like jw's */
    rq_idmap ids;
    rq_path path;
    strbuf run;        /* a merged tool-result text, JSON-escaped */
    strbuf dump;       /* compact JSON of a tool input / json result */
} rq_ctx;

/* Pass 1.  Checks the whole request (and the structured-output extras in
 * `opt`), fills c->ids as a side effect, returns 0 or
 * MP_E_INVALID_ARGUMENT with the path in c->err. */
int rq_check_request(rq_ctx *c, const rf_request *req, const lp_call_options *opt);
int rq_check_tool_spec(rq_ctx *c, json_object *spec);

#endif
