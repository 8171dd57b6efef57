/* http_transport.c - one HTTP exchange with libcurl; see http_transport.h. */
#include "http_transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/url_shown.h"
#include "../core/strbuf.h"

/* Longest wait inside one curl_multi_poll; bounds how late an idle timeout
 * is noticed.  Cancellation does not depend on it (wakeup is immediate). */
#define POLL_SLICE_MS 200
/* How far libcurl's millisecond clock and ours may disagree. */
#define CLOCK_SLACK_MS 2

/* splitmix64: a small, well-mixed generator; plenty for spreading retries
 * and cheap enough to need no thought.  Not for anything secret. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int lp_transport_out_of_fds(void)
{
    /* The direct question: can a socket be opened now? */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == EMFILE || errno == ENFILE ? errno : 0;
}

int lp_transport_init(lp_transport *t)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->cancel, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* Any seed will do for splitmix64; these differ between instances and
     * between processes started at the same moment. */
    t->rng = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
             ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)t;
    pthread_mutex_init(&t->multi_lock, NULL);
    return MP_OK;
}

/* The easy and share handles, made by the first call rather than by
 * create(): libcurl builds a whole easy handle for each (the share's
 * connection pool has one to close connections with), which is most of
 * what create() cost, and an instance that never calls needs neither. */
static int make_handles(lp_transport *t, mp_error *err)
{
    if (t->easy)
        return MP_OK;
    CURLSH *share = curl_share_init();
    CURL *easy = share ? curl_easy_init() : NULL;
    if (!easy ||
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) ||
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS)) {
        if (easy)
            curl_easy_cleanup(easy);
        if (share)
            curl_share_cleanup(share);
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory in libcurl");
    }
    t->share = share;
    t->easy = easy;
    return MP_OK;
}

void lp_transport_free(lp_transport *t)
{
    if (t->easy)
        curl_easy_cleanup(t->easy);
    if (t->share)
        curl_share_cleanup(t->share); /* closes the pooled connections */
    pthread_mutex_destroy(&t->multi_lock);
    t->easy = NULL;
    t->share = NULL;
}

void lp_transport_cancel(lp_transport *t)
{
    atomic_store(&t->cancel, 1);
    /* The lock keeps the multi handle from being freed under the wakeup. */
    pthread_mutex_lock(&t->multi_lock);
    if (t->multi)
        curl_multi_wakeup(t->multi);
    pthread_mutex_unlock(&t->multi_lock);
}

/* Multi handles between calls.  libcurl gives every multi handle a wakeup
 * socket pair, so an instance that kept its own would hold two
 * descriptors while idle; instead a call takes one from this pool (or
 * makes one) and gives it back after, and the pool keeps at most
 * MULTI_POOL_MAX: idle instances hold none, the process a few.  A multi
 * handle keeps nothing of a call once its easy handle is removed (the
 * connections live in the instance's share handle), so any call can use
 * any of them. */
#define MULTI_POOL_MAX 4
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static CURLM *pool[MULTI_POOL_MAX];
static int pool_len;

void lp_transport_pool_drain(void)
{
    pthread_mutex_lock(&pool_lock);
    while (pool_len)
        curl_multi_cleanup(pool[--pool_len]);
    pthread_mutex_unlock(&pool_lock);
}

/* A new multi handle with its wakeup pair, which is what lets cancel()
 * stop a call at once: libcurl leaves the pair out quietly when no
 * descriptor is free, so a call that cannot have it does not start. */
static int new_multi(CURLM **out, mp_error *err)
{
    CURLM *m = curl_multi_init();
    if (!m)
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory in libcurl");
    /* A wakeup now proves the pair is there (the first poll returns at
     * once, nothing more). */
    if (curl_multi_wakeup(m) != CURLM_OK) {
        curl_multi_cleanup(m);
        int no_fds = lp_transport_out_of_fds();
        if (!no_fds)
            return lp_fail(err, MP_E_NO_MEMORY, "libcurl could not make "
                           "the call's wakeup pair");
        return lp_fail(err, MP_E_NETWORK, "no file descriptors left for "
                       "the call (%s: the %s open-file limit is reached; "
                       "each call in flight needs 3, an idle instance "
                       "none but its kept-alive connection); raise it "
                       "(ulimit -n) or run fewer calls at once",
                       no_fds == EMFILE ? "EMFILE" : "ENFILE",
                       no_fds == EMFILE ? "process's" : "system's");
    }
    *out = m;
    return MP_OK;
}

static int open_multi(lp_transport *t, mp_error *err)
{
    pthread_mutex_lock(&pool_lock);
    CURLM *m = pool_len ? pool[--pool_len] : NULL;
    pthread_mutex_unlock(&pool_lock);
    if (!m) {
        int rc = new_multi(&m, err);
        if (rc)
            return rc;
    }
    pthread_mutex_lock(&t->multi_lock);
    t->multi = m;
    pthread_mutex_unlock(&t->multi_lock);
    return MP_OK;
}

static void close_multi(lp_transport *t)
{
    pthread_mutex_lock(&t->multi_lock);
    CURLM *m = t->multi;
    t->multi = NULL;
    pthread_mutex_unlock(&t->multi_lock);
    if (!m)
        return;
    pthread_mutex_lock(&pool_lock);
    if (pool_len < MULTI_POOL_MAX) {
        pool[pool_len++] = m;
        m = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    if (m)
        curl_multi_cleanup(m);
}

/* State of one attempt, shared with the curl callbacks. */
typedef struct attempt {
    lp_transport *t;
    const lp_body_handler *h;
    rh_headers *headers; /* may be NULL */
    int number;          /* 1 for the first attempt */
    mp_error *err;
    int64_t start_ms;
    int64_t last_byte_ms;
    int64_t ttfb_ms;
    long status;
    int handler_rc;      /* error returned by the handler, 0 if none */
    int64_t complete_ms; /* when the handler said LP_BODY_COMPLETE, or -1 */
    size_t fed;          /* 2xx body bytes handed to the handler */
    int cancelled;
    strbuf error_body;   /* body of a non-2xx response (bounded) */
    strbuf lines;        /* header lines of the response (bounded), for
                            the error classifier */
} attempt;

static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    attempt *a = userp;
    size_t len = size * n;
    a->last_byte_ms = lp_now_ms();
    /* A new status line (after a 100 Continue, say) starts over. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
        sb_reset(&a->lines);
    else if (a->lines.len + len <= a->lines.max) /* else: dropped */
        sb_append(&a->lines, data, len);
    if (a->headers)
        rh_line(a->headers, data, len);
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    attempt *a = userp;
    size_t len = size * n;
    a->last_byte_ms = lp_now_ms();
    if (a->ttfb_ms < 0) {
        a->ttfb_ms = a->last_byte_ms - a->start_ms;
        curl_easy_getinfo(a->t->easy, CURLINFO_RESPONSE_CODE, &a->status);
        int rc = a->status >= 200 && a->status <= 299 && a->h->on_response
                     ? a->h->on_response(a->h->ctx, a->status, a->number, a->err)
                     : MP_OK;
        if (rc) {
            a->handler_rc = rc;
            return CURL_WRITEFUNC_ERROR;
        }
    }
    if (atomic_load(&a->t->cancel)) {
        a->cancelled = 1;
        return CURL_WRITEFUNC_ERROR;
    }
    if (a->status < 200 || a->status > 299) {
        /* Keep the start of an error body; the rest adds nothing. */
        size_t room = a->error_body.max - a->error_body.len;
        sb_append(&a->error_body, data, len < room ? len : room);
        return len;
    }
    if (a->complete_ms >= 0)
        return len; /* the answer is whole: what follows is not read */
    a->fed += len;
    int rc = a->h->on_bytes(a->h->ctx, data, len, a->err);
    if (rc == LP_BODY_COMPLETE) {
        a->complete_ms = a->last_byte_ms;
        return len;
    }
    if (rc) {
        a->handler_rc = rc;
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

static void setup_easy(CURL *e, const lp_config *cfg, const lp_http_request *req,
                       attempt *a, int64_t remaining_ms, char *errbuf)
{
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_SHARE, a->t->share);
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->headers);
    if (req->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    /* libcurl's default receive buffer, on purpose: it is resident for as
     * long as the instance lives, so 64 KiB cost 48 KiB more per
     * concurrent stream (12 MiB at 256 streams) for fewer reads only on a
     * burst, and a stream of ~200-byte chunks is still read about 90
     * chunks at a time (tests/README.md, Performance). */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 16L * 1024);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
#ifdef CURLOPT_PROTOCOLS_STR
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
    if (remaining_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->ssl_verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->ssl_verify ? 2L : 0L);
    if (cfg->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_bundle);
}

/* The handler's on_idle: every byte at hand went to on_bytes.  Returns 1
 * when the handler stopped the transfer (handler_rc set). */
static int handler_idle(attempt *a)
{
    if (!a->h->on_idle || a->handler_rc)
        return a->handler_rc != 0;
    int rc = a->h->on_idle(a->h->ctx, a->err);
    if (rc)
        a->handler_rc = rc;
    return rc != 0;
}

/* Drive the transfer until it ends, is cancelled, goes idle too long, or
 * its body was complete LP_BODY_GRACE_MS ago.  Returns the CURLcode of the
 * transfer, or -1 for cancel, -2 for idle, -3 for a complete body whose
 * response did not end within the grace, -4 when the handler stopped it
 * between reads (handler_rc says why). */
static int drive(lp_transport *t, attempt *a, int64_t idle_ms)
{
    int running = 1;
    while (running) {
        if (atomic_load(&t->cancel))
            return -1;
        CURLMcode mc = curl_multi_perform(t->multi, &running);
        if (mc != CURLM_OK)
            return CURLE_FAILED_INIT;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(t->multi, &left)))
            if (msg->msg == CURLMSG_DONE)
                return msg->data.result;
        if (!running)
            break;
        /* About to wait: what the last read brought is all mapped. */
        if (handler_idle(a))
            return -4;
        int64_t now = lp_now_ms();
        int wait = POLL_SLICE_MS;
        if (a->complete_ms >= 0) {
            int64_t grace_left = a->complete_ms + LP_BODY_GRACE_MS - now;
            if (grace_left <= 0)
                return -3;
            if (grace_left < wait)
                wait = (int)grace_left;
        } else if (idle_ms > 0) {
            int64_t idle_left = a->last_byte_ms + idle_ms - now;
            if (idle_left <= 0)
                return -2;
            if (idle_left < wait)
                wait = (int)idle_left;
        }
        curl_multi_poll(t->multi, NULL, 0, wait, NULL);
    }
    return CURLE_OK;
}

int lp_transport_sleep(lp_transport *t, int64_t ms)
{
    /* Outside lp_http_perform (the mock transport's delays) the wait takes
     * a multi handle too, for cancel() to wake. */
    int own = !t->multi;
    mp_error ignored = MP_ERROR_INIT;
    if (own && open_multi(t, &ignored))
        own = 0; /* no wakeup: cancel is seen within a second */
    int64_t until = lp_now_ms() + ms;
    int cancelled = 0;
    for (;;) {
        if (atomic_load(&t->cancel)) {
            cancelled = 1;
            break;
        }
        int64_t left = until - lp_now_ms();
        if (left <= 0)
            break;
        int slice = left > 1000 ? 1000 : (int)left;
        if (t->multi)
            curl_multi_poll(t->multi, NULL, 0, slice, NULL);
        else
            poll(NULL, 0, slice);
    }
    if (own)
        close_multi(t);
    return cancelled;
}

int64_t lp_backoff_ms(const lp_config *cfg, int attempt_no,
                      int64_t retry_after_ms, uint64_t *rng)
{
    int64_t cap = cfg->retry_base_ms;
    for (int i = 0; i < attempt_no && cap < cfg->retry_max_ms; i++)
        cap *= 2;
    if (cap > cfg->retry_max_ms)
        cap = cfg->retry_max_ms;
    int64_t d = 0;
    if (cap > 0) {
        uint64_t span = (uint64_t)(cap - cap / 2) + 1; /* [cap/2, cap] */
        d = cap / 2 + (int64_t)(next_random(rng) % span);
    }
    return retry_after_ms > d ? retry_after_ms : d;
}

/* Connection-level failures that may succeed on a new attempt; a timeout
 * only while connecting (a server that took the request and went quiet
 * may be working on it). */
static int retryable_curl(CURLcode cc, int connected)
{
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return !connected;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

/* Whether the request went out on a connection: libcurl counts the request
 * bytes it sent, which stays 0 while it is still connecting (a reused
 * connection counts as connected at once). */
static int request_sent(CURL *e)
{
    long sent = 0;
    return curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK &&
           sent > 0;
}

/* A curl failure as a typed error.  `connected` says whether the request
 * was sent; a timeout before that is the connect timeout (unless the
 * caller found the whole-call timeout reached and said connected). */
static int curl_failure(CURLcode cc, int connected, const char *errbuf,
                        const lp_http_request *req, const lp_config *cfg,
                        int64_t timeout_ms, mp_error *err)
{
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    /* A full descriptor table makes socket() fail, which libcurl reports
     * as "Couldn't connect to server" (without the errno): say what
     * really ran out. */
    int no_fds = !connected && cc == CURLE_COULDNT_CONNECT
                     ? lp_transport_out_of_fds() : 0;
    if (no_fds) {
        lp_error_http(err, 0, 1, -1, NULL);
        strbuf url;
        sb_init(&url, 16 * 1024);
        lp_url_shown(req->url, "", &url);
        lp_fail(err, MP_E_NETWORK, "no file descriptors left to connect to "
                "%s (%s: the %s open-file limit is reached); raise it "
                "(ulimit -n) or run fewer calls at once",
                url.data ? url.data : "the server", no_fds == EMFILE
                ? "EMFILE" : "ENFILE", no_fds == EMFILE ? "process's"
                : "system's");
        sb_free(&url);
        return MP_E_NETWORK;
    }
    /* No HTTP status; retryable for the connection failures that a new
     * attempt may cure (the ones num_retries retries before any body
     * byte arrived). */
    lp_error_http(err, 0, retryable_curl(cc, connected), -1, NULL);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        if (!connected && cfg->connect_timeout_ms == 0)
            return lp_fail(err, MP_E_TIMEOUT, "could not connect within "
                           "libcurl's default connect timeout (300 s; "
                           "connect_timeout is 0): %s", why);
        if (!connected)
            return lp_fail(err, MP_E_TIMEOUT, "could not connect within "
                           "connect_timeout (%lld ms): %s",
                           (long long)cfg->connect_timeout_ms, why);
        /* Connected (or out of time anyway): the whole-call limit is the
         * one reached, whatever connect_timeout says. */
        return lp_fail(err, MP_E_TIMEOUT, "request timed out (timeout %lld "
                       "ms, the limit for the whole call, was reached): %s",
                       (long long)timeout_ms, why);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* The caller appends the URL (without credentials) and where
         * its base came from (lp_exchange_explain). */
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "the URL is not usable "
                       "(%s); check the base URL", why);
    case CURLE_OUT_OF_MEMORY:
        return lp_fail(err, MP_E_NO_MEMORY, "out of memory in libcurl");
    default:
        return lp_fail(err, MP_E_NETWORK, "network error: %s", why);
    }
}

static int perform(lp_transport *t, const lp_config *cfg,
                   const lp_http_request *req, const lp_body_handler *h,
                   const char *const *secrets, lp_http_result *res,
                   mp_error *err)
{
    memset(res, 0, sizeof *res);
    res->ttfb_ms = -1;
    int64_t timeout_ms = cfg->timeout_ms;
    if (req->timeout_cap_ms > 0 &&
        (timeout_ms <= 0 || timeout_ms > req->timeout_cap_ms))
        timeout_ms = req->timeout_cap_ms;
    int num_retries = req->single_attempt ? 0 : req->num_retries;
    int64_t deadline = timeout_ms > 0 ? lp_now_ms() + timeout_ms : 0;
    /* A deadline carried from an earlier request of the call (which set
     * it from the same timeout) is the one that counts. */
    if (req->deadline_ms > 0 && (!deadline || req->deadline_ms < deadline))
        deadline = req->deadline_ms;
    res->deadline_ms = deadline;
    int rc = MP_OK;

    for (int attempt_no = 0;; attempt_no++) {
        attempt a;
        memset(&a, 0, sizeof a);
        a.t = t;
        a.h = h;
        a.err = err;
        a.headers = req->headers_kept;
        a.number = attempt_no + 1;
        if (req->headers_kept)
            rh_reset(req->headers_kept);
        a.start_ms = a.last_byte_ms = lp_now_ms();
        a.ttfb_ms = -1;
        a.complete_ms = -1;
        sb_init(&a.error_body, 64 * 1024);
        sb_init(&a.lines, 16 * 1024);
        char errbuf[CURL_ERROR_SIZE] = "";
        int64_t remaining = deadline ? deadline - a.start_ms : 0;
        if (deadline && remaining <= 0) {
            sb_free(&a.error_body);
            sb_free(&a.lines);
            return lp_fail(err, MP_E_TIMEOUT, "request timed out (timeout "
                           "%lld ms, the limit for the whole call, was "
                           "reached before attempt %d of this request)",
                           (long long)timeout_ms, attempt_no + 1);
        }
        setup_easy(t->easy, cfg, req, &a, remaining, errbuf);
        curl_multi_add_handle(t->multi, t->easy);
        int outcome = drive(t, &a, req->watch_idle ? cfg->idle_timeout_ms : 0);
        curl_multi_remove_handle(t->multi, t->easy);
        if (a.status == 0)
            curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &a.status);
        res->status = a.status;
        res->ttfb_ms = a.ttfb_ms;
        res->attempts = attempt_no + 1;

        int retry = 0;
        int64_t retry_after = -1;
        /* This response's bytes reached the handler, and through it
         * events reached the host (earlier requests of the call may have
         * delivered some too: that is no reason to give up on this one). */
        int body_started = a.status >= 200 && a.status <= 299 && a.fed &&
                           h->started(h->ctx);
        rc = MP_OK;
        if (outcome == -1 || a.cancelled) {
            rc = lp_fail(err, MP_E_CANCELLED, "cancelled");
        } else if (a.complete_ms >= 0) {
            /* The handler has the whole answer: however the transfer
             * ended (normally, cut after the grace, reset or timed out
             * since), the exchange succeeded. */
            res->complete = 1;
        } else if (a.handler_rc) {
            rc = a.handler_rc; /* err already filled by the handler */
        } else if (outcome == -2 && body_started) {
            /* Cut after events went out: the handler's owner decides (a
             * finished stream is still fine), as for a broken connection. */
            res->cut_status = MP_E_TIMEOUT;
            lp_format(res->detail, sizeof res->detail, "stream stalled: no "
                      "data from the server for %lld ms (idle_timeout)",
                      (long long)cfg->idle_timeout_ms);
        } else if (outcome == -2) {
            rc = lp_fail(err, MP_E_TIMEOUT, "no data from the server for %lld ms "
                         "(idle_timeout)", (long long)cfg->idle_timeout_ms);
        } else if (a.status >= 200 && a.status <= 299) {
            const char *why = errbuf[0] ? errbuf
                                        : curl_easy_strerror((CURLcode)outcome);
            if (outcome == CURLE_OK) {
                res->complete = 1;
            } else if (body_started && outcome == CURLE_OPERATION_TIMEDOUT) {
                res->cut_status = MP_E_TIMEOUT;
                lp_format(res->detail, sizeof res->detail, "request timed out "
                          "(timeout %lld ms) before the stream finished: %s",
                          (long long)timeout_ms, why);
            } else if (body_started) {
                res->cut_status = MP_E_NETWORK;
                lp_format(res->detail, sizeof res->detail, "%s", why);
            } else {
                rc = curl_failure((CURLcode)outcome, 1, errbuf, req, cfg,
                                  timeout_ms, err);
                retry = retryable_curl((CURLcode)outcome, 1);
            }
        } else if (a.status != 0 && (outcome == CURLE_OK || a.error_body.len)) {
            lp_http_reply reply = {(int)a.status, a.error_body.data,
                                   a.error_body.len, a.lines.data,
                                   a.lines.len};
            rc = (req->classify ? req->classify : ec_classify_reply)(
                                  &reply, secrets, err);
            retry = LP_ERR_HAS(err, retryable) ? err->retryable : 0;
            retry_after = LP_ERR_HAS(err, retry_after_ms) ? err->retry_after_ms : -1;
        } else {
            /* Still connecting when it failed.  Whether that was the
             * whole-call timeout is a matter of time, not of which limit
             * was set lower (connect_timeout 0 means libcurl's default):
             * curl's clock started after `deadline` was set, so when that
             * timeout fired the deadline has passed on ours too (give or
             * take the rounding of two millisecond clocks). */
            int call_over = deadline && lp_now_ms() >= deadline - CLOCK_SLACK_MS;
            int connected = request_sent(t->easy) || call_over;
            rc = curl_failure((CURLcode)outcome, connected, errbuf, req, cfg,
                              timeout_ms, err);
            retry = retryable_curl((CURLcode)outcome, connected);
        }
        sb_free(&a.error_body);
        sb_free(&a.lines);

        /* Decision 17: only failures before the first byte of a response
         * are retried.  Once the handler has body bytes of this response
         * it holds state (a partial SSE line, part of a JSON body, events
         * delivered) that a second response must not be appended to. */
        if (!retry || attempt_no >= num_retries || a.fed)
            return rc;
        int64_t wait = lp_backoff_ms(cfg, attempt_no, retry_after, &t->rng);
        if (deadline && lp_now_ms() + wait >= deadline)
            return rc; /* waiting would pass the whole-call timeout */
        if (lp_transport_sleep(t, wait))
            return lp_fail(err, MP_E_CANCELLED, "cancelled");
        lp_error_clear(err);
    }
}

int lp_http_perform(lp_transport *t, const lp_config *cfg,
                    const lp_http_request *req, const lp_body_handler *h,
                    const char *const *secrets, lp_http_result *res,
                    mp_error *err)
{
    memset(res, 0, sizeof *res);
    res->ttfb_ms = -1;
    int rc = make_handles(t, err);
    if (!rc)
        rc = open_multi(t, err);
    if (rc)
        return rc;
    rc = perform(t, cfg, req, h, secrets, res, err);
    close_multi(t);
    return rc;
}
