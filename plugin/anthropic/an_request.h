/*
 * an_request.h - the request half of the Anthropic adapter (spec
 * sections 1.4 and 2): shared by an_body.c (the body's keys, params,
 * tools, tool choice), an_messages.c (system and messages) and
 * an_cache.c (prompt caching as Strands' AnthropicModel does it).
 *
 * Like the OpenAI writer it runs in passes over a request that
 * request/request_check.c already accepted: an_check_request refuses
 * what Anthropic cannot take (naming the JSON path, logging nothing),
 * then the writers build the body, logging a warning for each thing they
 * leave out.
 */
#ifndef LP_AN_REQUEST_H
#define LP_AN_REQUEST_H

#include <stddef.h>

#include "../core/config.h"
#include "../core/json_writer.h"
#include "../request/request_internal.h"

/* Prompt caching as configured (cache_config, cache_tools), resolved the
 * way Strands' AnthropicModel resolves it (spec 2.4, cases 64-138).  A
 * NULL ttl means "no ttl": the API's default (5 minutes). */
typedef struct an_cache {
    int managed;            /* cache_config with strategy auto/anthropic:
                               one cache point in the last user message  */
    int unknown_strategy;   /* cache_config with another strategy (warned
                               per request, caching off)                 */
    const char *strategy;   /* as configured, for that warning           */
    const char *ttl;        /* cache_config.ttl                          */
    int system_auto;        /* the system prompt gets a point when none
                               was placed (system_prompt_ttl not false)  */
    const char *system_ttl; /* ttl of the system's managed point         */
    int tools;              /* the last tool gets a cache point          */
    const char *tools_ttl;
} an_cache;

/* What the config says (it was validated by core/config.c). */
void an_cache_resolve(const lp_config *cfg, an_cache *out);

/* One block of a message as it will be written. */
typedef enum an_btype {
    AB_TEXT,
    AB_IMAGE,
    AB_DOCUMENT,
    AB_TOOL_USE,
    AB_TOOL_RESULT,
    AB_THINKING,
    AB_REDACTED,
    AB_CITED_TEXT /* citationsContent, sent as its text */
} an_btype;

typedef struct an_block {
    int type;            /* an_btype */
    json_object *v;      /* the Strands block's value */
    size_t text_len;     /* AB_TEXT: bytes sent (a final prefill loses its
                            trailing white space) */
    int cache;           /* carries cache_control */
    const char *ttl;     /* its ttl, or NULL */
} an_block;

typedef struct an_req {
    rq_ctx rq;           /* log, err, JSON path, scratch buffers */
    an_cache cache;
    size_t trailing;     /* request's dynamic_trailing_blocks */
    strbuf bytes;        /* decoded base64 */
    strbuf text;         /* a joined or sanitised string */
    an_block *plan;      /* the blocks of the message being written */
    size_t nplan, cap_plan;
} an_req;

void an_req_init(an_req *c, const lp_logger *log, mp_error *err,
                 size_t max);
void an_req_free(an_req *c);

/* Pass 1 (after rq_check_request): what Anthropic refuses, with the path.
 * Logs nothing. */
int an_check_request(an_req *c, const rf_request *req);

/* "system": its value, when there is one (spec 2.2; cache points per
 * an_cache).  Writes the key itself, or nothing. */
void an_write_system(an_req *c, jw *w, const rf_request *req);

/* "messages": [...] (spec 2.3, 2.4). */
void an_write_messages(an_req *c, jw *w, const rf_request *req);

/* The cache_control value for a point with `ttl` (NULL: none). */
void an_write_cache_control(jw *w, const char *ttl);

/* Whether a block type may carry cache_control (thinking may not). */
int an_cacheable(int type);

/* Mark the last of blocks[0..n) that may carry cache_control; 0 if none
 * can.  A block marked before keeps its mark, with the new ttl. */
int an_mark_last(an_block *blocks, size_t n, const char *ttl);

/* The text of a cachePoint's ttl, or NULL when absent or empty. */
const char *an_point_ttl(json_object *cache_point);

/* A tool-use id as Anthropic takes it (^[a-zA-Z0-9_-]+$): a Gemini
 * thought signature appended by LiteLLM ("__thought__...") is cut, other
 * bytes become '_'.  The same id always maps to the same text, so a
 * toolUse and its toolResult stay paired.  Returns 1 when it changed
 * (then c->text holds it), 0 when `id` is fine as it is. */
int an_tool_id(an_req *c, const char *id, size_t len);

#endif
