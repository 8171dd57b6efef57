/* loopback_server.c - a tiny in-process SSE server; see loopback_server.h. */
#include "loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct loopback_server {
    int fd;
    int port;
    atomic_int stopping;
    atomic_int active;      /* connection threads still running */
    pthread_t acceptor;
};

typedef struct conn {
    loopback_server *s;
    int fd;
} conn;

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Send one SSE event as an HTTP chunk. */
static int send_event(int fd, const char *json)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "data: %s\n\n", json);
    char head[32];
    int h = snprintf(head, sizeof head, "%x\r\n", n);
    return send_all(fd, head, (size_t)h) || send_all(fd, buf, (size_t)n) ||
           send_all(fd, "\r\n", 2);
}

/* Read one request (headers + Content-Length body) into buf; returns the
 * total length, or -1 when the peer closed. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0)
            return -1;
        len += (size_t)r;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        size_t want = 0;
        char *cl = strcasestr(buf, "content-length:");
        if (cl && cl < end)
            want = strtoul(cl + 15, NULL, 10);
        size_t have = len - (size_t)(end + 4 - buf);
        if (have >= want || len + 1 >= cap)
            return (ssize_t)len;
    }
}

/* With the headers LiteLLM's proxy adds, so `validate` can check that a
 * host of ABI 1.1 gets them as RESPONSE_INFO and one of 1.0 does not. */
static const char *k_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    "x-litellm-call-id: validate-call-1\r\n"
    "x-litellm-model-id: validate-deployment\r\n"
    "x-litellm-response-cost: 0.00042\r\n"
    "x-ratelimit-remaining-requests: 99\r\n"
    "x-ratelimit-remaining-tokens: 9000\r\n"
    "x-ratelimit-reset-requests: 1s\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

static void *serve(void *arg)
{
    conn *c = arg;
    char *buf = malloc(1 << 20);
    while (buf && !atomic_load(&c->s->stopping)) {
        ssize_t n = read_request(c->fd, buf, 1 << 20);
        if (n < 0)
            break;
        int slow = strstr(buf, "validate-slow") != NULL;
        if (send_all(c->fd, k_head, strlen(k_head)))
            break;
        int failed = send_event(c->fd,
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"}}]}");
        while (slow && !failed && !atomic_load(&c->s->stopping)) {
            usleep(20000);
            failed = send_event(c->fd,
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" more\"}}]}");
        }
        if (failed || slow)
            break;
        if (send_event(c->fd, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" from validate\"},\"finish_reason\":\"stop\"}]}") ||
            send_event(c->fd, "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3,\"total_tokens\":6,\"completion_tokens_details\":{\"reasoning_tokens\":1},\"cost\":0.00042}}") ||
            send_event(c->fd, "[DONE]") || send_all(c->fd, "0\r\n\r\n", 5))
            break;
    }
    free(buf);
    close(c->fd);
    atomic_fetch_sub(&c->s->active, 1);
    free(c);
    return NULL;
}

static void *accept_loop(void *arg)
{
    loopback_server *s = arg;
    while (!atomic_load(&s->stopping)) {
        struct pollfd pfd = {s->fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            continue;
        conn *c = malloc(sizeof *c);
        pthread_t th;
        if (!c) {
            close(fd);
            continue;
        }
        c->s = s;
        c->fd = fd;
        atomic_fetch_add(&s->active, 1);
        if (pthread_create(&th, NULL, serve, c) != 0) {
            atomic_fetch_sub(&s->active, 1);
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(th);
    }
    return NULL;
}

loopback_server *loopback_start(void)
{
    loopback_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) ||
        listen(s->fd, 64) || getsockname(s->fd, (struct sockaddr *)&a, &alen)) {
        if (s->fd >= 0)
            close(s->fd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->acceptor, NULL, accept_loop, s)) {
        close(s->fd);
        free(s);
        return NULL;
    }
    return s;
}

int loopback_port(const loopback_server *s)
{
    return s->port;
}

void loopback_stop(loopback_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    pthread_join(s->acceptor, NULL);
    close(s->fd);
    /* Connection threads notice `stopping` or a closed peer quickly. */
    for (int i = 0; i < 500 && atomic_load(&s->active) > 0; i++)
        usleep(10000);
    free(s);
}
