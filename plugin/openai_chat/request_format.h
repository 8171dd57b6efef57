/*
 * request_format.h - host request document -> LiteLLM /chat/completions
 * HTTP request (body, URL, headers).
 *
 * The host sends the Strands shapes as JSON (abi stream()); this module
 * checks them completely first, so bad input fails with a message naming
 * the JSON path and nothing is built, then writes the OpenAI-style body
 * that the Strands LiteLLMModel would send (reference-behaviour.md 3, with
 * the changes of decisions.md 1-6).  The body is written with the JSON
 * writer, never through a json-c tree, so each base64 payload is copied
 * once: from the parsed request into the body.
 */
#ifndef LP_REQUEST_FORMAT_H
#define LP_REQUEST_FORMAT_H

#include <json-c/json.h>
#include <stddef.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/strbuf.h"

/* Only request_target.c needs curl itself; callers that free the list
 * include <curl/curl.h> themselves. */
struct curl_slist;

/* Borrowed views into a parsed host request document (see abi stream()). */
typedef struct rf_request {
    json_object *root;                  /* owned: rf_release() frees it   */
    json_object *messages;              /* array, required                */
    json_object *tool_specs;            /* array or NULL                  */
    json_object *tool_choice;           /* object or NULL                 */
    const char *system_prompt;          /* or NULL                        */
    json_object *system_prompt_content; /* array or NULL (present-but-[]
                                           is not NULL)                   */
    const char *session_id;             /* agent_metadata.session_id, or
                                           NULL                           */
    size_t session_id_len;
    size_t json_len;                    /* size of the parsed text, used
                                           to presize the body            */
} rf_request;

/* Parse and check the top-level shape
 *   {"messages":[...], "tool_specs":[...], "tool_choice":{...},
 *    "system_prompt":"...", "system_prompt_content":[...],
 *    "agent_metadata":{"session_id":"..."}}
 * (strict JSON, UTF-8 validated, no trailing data; a syntax error names
 * its byte offset).  Optional keys may be null.  An unknown top-level key
 * is a warning through `log`, not an error.  On failure `out` holds
 * nothing to release (it is zeroed). */
int rf_parse(const char *json, size_t len, const lp_logger *log,
             rf_request *out, mp_error *err);
void rf_release(rf_request *req);

typedef struct rf_options {
    /* Structured output, response_format path (reference 6.1a): the body
     * is only messages, model, response_format and "stream": false. */
    json_object *response_format;  /* NULL unless that path */
    /* Structured output, forced-tool path (6.1b + decision 20): tools =
     * [this ToolSpec], tool_choice "required", params merged, then
     * "stream": false, never stream_options. */
    json_object *forced_tool_spec; /* NULL unless that path */
} rf_options; /* a zeroed rf_options (or NULL) = plain stream() */

/* Build the body into `body` (initialised by the caller with its size
 * limit).  *streaming_out says whether the body asks for SSE ("stream":
 * true).  Warnings of the reference (reasoning dropped, location sources
 * skipped, images moved out of tool messages) go to `log`.  On failure the
 * body is left empty and `err` names the offending JSON path. */
int rf_format_body(const lp_config *cfg, const rf_request *req,
                   const rf_options *opt, const lp_logger *log, strbuf *body,
                   int *streaming_out, mp_error *err);

/* "{api_base}{path}" with the base's trailing slashes stripped, so both
 * http://h:4000 and http://h:4000/v1 work with path "/chat/completions".
 * Returns 0 or an mp_status (out of memory or over the buffer's limit). */
int rf_build_url(const lp_config *cfg, const char *path, strbuf *out);
/* The proxy root: the base without trailing slashes and without a final
 * "/v1", for routes such as "/v1/model/info". */
int rf_proxy_root(const lp_config *cfg, strbuf *out);

/* Request headers as a new curl_slist (the caller frees it with
 * curl_slist_free_all): Content-Type, Accept (text/event-stream when
 * streaming), Authorization: Bearer <key> when there is a key, each
 * extra_headers entry (overriding a default header of the same name), and
 * an empty "Expect:" so curl does not wait for 100-continue.  On failure
 * *out is NULL. */
int rf_build_headers(const lp_config *cfg, int streaming,
                     struct curl_slist **out, mp_error *err);

#endif
