/*
 * http_transport.h - one HTTP exchange with libcurl, on the caller's
 * thread, cancellable from any thread, with timeouts and retries.
 *
 * Each instance owns one transport: a curl share handle (which keeps the
 * connection pool and the DNS cache, so keep-alive works across calls) and
 * one easy handle reused for every call, both made by the first call.  Each call drives its transfer
 * through a multi handle with curl_multi_poll, so cancel() from another
 * thread can wake it with curl_multi_wakeup and the call returns at once.
 * The multi handle is the call's only while it runs (taken from a small
 * process-wide pool, given back after) because libcurl gives every multi
 * handle a wakeup socket pair: an idle instance holds no descriptor but
 * its kept-alive connection, where hundreds of idle instances used to
 * hold two each.
 *
 * Proxies: no proxy option is set, so libcurl's environment rules apply to
 * every call: http_proxy (lower case only, as curl requires for http),
 * https_proxy / HTTPS_PROXY, all_proxy / ALL_PROXY, no_proxy / NO_PROXY.
 * TLS: peer and host verification on unless ssl_verify is false; ca_bundle
 * (or ssl_verify given as a path) replaces the system CA store.  HTTP/2 is
 * offered through ALPN on TLS connections and used when the server agrees.
 */
#ifndef LP_HTTP_TRANSPORT_H
#define LP_HTTP_TRANSPORT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/model_provider.h"
#include "../core/config.h"
#include "../core/http_reply.h"
#include "response_headers.h"

typedef struct lp_transport {
    CURLSH *share;
    CURL *easy;
    /* The running call's multi handle, NULL between calls.  Set and
     * cleared by the calling thread under multi_lock, which cancel() takes
     * to wake it. */
    CURLM *multi;
    pthread_mutex_t multi_lock;
    atomic_int cancel; /* set by lp_transport_cancel, cleared per call */
    /* Jitter for retry backoff.  Private to the instance and seeded from
     * the clock, the pid and its address: libc rand() would share the
     * host's sequence (and disturb it), and, never seeded, would make every
     * process back off in lockstep, which is what jitter exists to avoid. */
    uint64_t rng;
} lp_transport;

/* MP_OK.  Takes no descriptor and makes no libcurl handle (the first
 * call does). */
int lp_transport_init(lp_transport *t);
/* EMFILE or ENFILE when no socket can be opened now (the process's or the
 * system's descriptor table is full), else 0. */
int lp_transport_out_of_fds(void);
void lp_transport_free(lp_transport *t);
/* Free the pooled multi handles (module deinit, before libcurl's global
 * cleanup). */
void lp_transport_pool_drain(void);
/* [any-thread] Stop the call in flight, if any. */
void lp_transport_cancel(lp_transport *t);
/* Sleep for `ms`, waking early on cancel.  Returns 1 if cancelled. */
int lp_transport_sleep(lp_transport *t, int64_t ms);

/* What on_bytes returns when the answer is complete before the body ends
 * (a stream's terminator arrived, decision 26).  The transport hands it no
 * more bytes and returns within LP_BODY_GRACE_MS with res->complete set,
 * whatever the server does next (holds the connection open, sends
 * keep-alive comments).  The grace lets a server that ends the response
 * right after its terminator (nearly all do) finish it, so the connection
 * stays in the pool; otherwise the connection is dropped. */
#define LP_BODY_COMPLETE 1
#define LP_BODY_GRACE_MS 20

/* Where the body of a successful (2xx) response goes. */
typedef struct lp_body_handler {
    void *ctx;
    /* Called with body bytes as they arrive.  Returns MP_OK, or
     * LP_BODY_COMPLETE (above), or an error (an mp_status, with `err`
     * filled), which stops the transfer and is returned. */
    int (*on_bytes)(void *ctx, const char *p, size_t n, mp_error *err);
    /* Whether the handler has delivered anything to the host yet.  Asked
     * only about a 2xx response that handed it bytes and then stopped
     * early: when it has, the cut is the handler's owner's to judge
     * (res->complete 0) rather than an error.  Retries do not ask it:
     * they depend on whether this response handed the handler any byte
     * (decision 17), so a later request of the same call (an answer
     * continued in the same message) is retried as the first is. */
    int (*started)(void *ctx);
    /* Optional (may be NULL).  Called once per 2xx response, before its
     * first body byte, with the status and the attempt's number (1 for
     * the first): the response headers are complete by then.  A non-zero
     * return stops the transfer as on_bytes does. */
    int (*on_response)(void *ctx, long status, int attempt, mp_error *err);
    /* Optional (may be NULL).  Called when every byte at hand has been
     * handed to on_bytes and the transport is about to wait for more: the
     * moment to let the host flush (MP_EVENT_FLAG_BATCH_END).  Not called
     * after the last read; the handler's owner ends the last batch itself
     * once it has mapped the end of the body.  A non-zero return stops the transfer as
     * on_bytes does. */
    int (*on_idle)(void *ctx, mp_error *err);
} lp_body_handler;

typedef struct lp_http_request {
    const char *url;
    struct curl_slist *headers;
    const char *body;   /* NULL: GET */
    size_t body_len;
    /* Apply cfg->idle_timeout_ms (the longest silence between bytes).  Set
     * for streamed answers, whose bytes keep coming; a non-streamed answer
     * may legitimately stay silent while the model works, so it is bounded
     * by the whole-call timeout only. */
    int watch_idle;
    /* Tighter bounds than the config's, for a side request such as the
     * model-info probe (0 = the config's): the whole-call timeout is at
     * most timeout_cap_ms, and single_attempt makes one attempt whatever
     * num_retries says.  The config itself is shared and never copied. */
    int64_t timeout_cap_ms;
    int single_attempt;
    /* The whole call's deadline on lp_now_ms()'s clock when it began
     * before this request (0: the whole-call timeout starts now).  A call
     * that sends several requests (an answer continued in the same
     * message) passes each the same one, so `timeout` bounds the call,
     * not each request; res->deadline_ms says which one applied. */
    int64_t deadline_ms;
    /* Where to keep the response headers a host may want (RESPONSE_INFO);
     * NULL: none kept.  Reset by every new response. */
    rh_headers *headers_kept;
    /* Retries after the first attempt (the route's num_retries). */
    int num_retries;
    /* Classifies a non-2xx answer (the wire adapter's); NULL:
     * ec_classify_reply. */
    int (*classify)(const lp_http_reply *reply, const char *const *secrets,
                    mp_error *err);
} lp_http_request;

typedef struct lp_http_result {
    long status;          /* final HTTP status (0 if none)                  */
    int complete;         /* the body was received to its end              */
    int64_t ttfb_ms;      /* attempt start -> first body byte, -1 if none   */
    int attempts;         /* how many were made                            */
    int64_t deadline_ms;  /* the whole-call deadline applied, 0 if none    */
    /* When complete is 0 after the handler started: why the body stopped,
     * as the error it is unless the handler's answer was already whole:
     * MP_E_NETWORK (connection broken; `detail` is curl's words) or
     * MP_E_TIMEOUT (whole-call or idle timeout; `detail` is a whole
     * sentence saying which). */
    int cut_status;
    char detail[256];
} lp_http_result;

/* The wait before retry number `attempt_no` + 1 (decision 17): exponential
 * backoff with jitter, uniform in [cap/2, cap] where cap =
 * cfg->retry_base_ms * 2^attempt_no limited to cfg->retry_max_ms, and never
 * shorter than the server's Retry-After (`retry_after_ms`, -1 if none).
 * Advances `*rng`. */
int64_t lp_backoff_ms(const lp_config *cfg, int attempt_no,
                      int64_t retry_after_ms, uint64_t *rng);

/*
 * Perform the exchange.  Returns:
 *  - MP_OK with res->complete = 1: a 2xx body was handed over completely,
 *    or as far as the handler wanted it (LP_BODY_COMPLETE);
 *  - MP_OK with res->complete = 0: a 2xx body started (bytes of it reached
 *    `h`, and h->started) but stopped early: the connection broke or a timeout (whole-call or idle)
 *    cut it; res->cut_status and res->detail say which, and the handler's
 *    owner decides whether that is an error (it knows whether the stream
 *    had finished);
 *  - an error: HTTP errors classified (overflow, throttling, ...), curl
 *    failures (timeout, network), cancellation, or the handler's error.
 *    A call that finds the descriptor table full before it starts is
 *    MP_E_NETWORK naming the limit (EMFILE/ENFILE).
 *    A connection that could not be made within connect_timeout is
 *    MP_E_TIMEOUT with retryable = 1 (a new attempt may reach another
 *    backend); the whole-call and idle timeouts are not retryable.  `err`
 *    starts clear (the caller clears it once per operation).
 * Retries (req->num_retries) happen only for retryable failures before any
 * body byte of that response was handed to `h`, waiting lp_backoff_ms() in
 * between, all within the whole-call deadline.
 * `secrets` (NULL-terminated, may be NULL) are scrubbed from any message.
 */
int lp_http_perform(lp_transport *t, const lp_config *cfg,
                    const lp_http_request *req, const lp_body_handler *h,
                    const char *const *secrets, lp_http_result *res,
                    mp_error *err);

/* lp_http_perform's shape: how a route performs an exchange (the network,
 * or mock_transport.h's offline answers). */
typedef int (*lp_perform_fn)(lp_transport *t, const lp_config *cfg,
                             const lp_http_request *req,
                             const lp_body_handler *h,
                             const char *const *secrets, lp_http_result *res,
                             mp_error *err);

#endif
