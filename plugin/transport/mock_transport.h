/*
 * mock_transport.h - LiteLLM's offline test hooks as a transport (see
 * mock_transport.c): with params.mock_response, mock_tool_calls or
 * mock_timeout set, the route sends the call here instead of the network.
 *
 *  - mock_response "text": the answer, streamed in pieces when the body
 *    asks for a stream, with usage 10/20/30; mock_tool_calls (OpenAI
 *    tool_calls) are answered too, also when streaming;
 *  - mock_response {...}: that whole chat.completion object;
 *  - the magic strings "litellm.RateLimitError" (429),
 *    "litellm.ContextWindowExceededError", "litellm.InternalServerError"
 *    (500), "Exception: content_filter_policy..." (400) fail as a LiteLLM
 *    proxy would; "Exception: mock_streaming_error" fails mid-stream (529);
 *  - mock_delay: N seconds first; mock_timeout: true waits the whole-call
 *    timeout and fails with MP_E_TIMEOUT.  Both wake at once on cancel().
 *
 * Thread: as lp_http_perform (the instance's transport, its caller's
 * thread).
 */
#ifndef LP_MOCK_TRANSPORT_H
#define LP_MOCK_TRANSPORT_H

#include "http_transport.h"

/* Whether the config asks for a mocked answer. */
int lp_mock_requested(const lp_config *cfg);

/* lp_http_perform's contract, without the network. */
int lp_mock_perform(lp_transport *t, const lp_config *cfg,
                    const lp_http_request *req, const lp_body_handler *h,
                    const char *const *secrets, lp_http_result *res,
                    mp_error *err);

#endif
