/*
 * bench_server.c - the server every streaming benchmark talks to: one
 * thread, epoll, loopback, HTTP/1.1 keep-alive.  It answers any POST with
 * an OpenAI chat-completions stream whose length the request's model
 * names: "bench-N" gives a role chunk, N content chunks ("tok " each), a
 * finish chunk, a usage chunk and [DONE].  Each distinct body is built
 * once and sent from memory with Content-Length, so the server spends
 * next to nothing per chunk and the clients' costs are what is measured.
 *
 * Usage: bench_server PORT_FILE   listens on an ephemeral port of 127.0.0.1,
 *                                 writes the port to PORT_FILE and serves
 *                                 until it is killed (run.sh stops it).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_BODIES 16
#define REQ_MAX (1 << 20)

typedef struct body {
    long chunks;
    char *data;
    size_t len;
    char head[160];
    size_t head_len;
} body;

static body bodies[MAX_BODIES];
static int n_bodies;

typedef struct conn {
    int fd;
    char *in;
    size_t in_len, in_cap;
    const body *out;  /* the answer being sent, NULL while reading */
    size_t out_off;   /* bytes of head + body sent */
} conn;

static void add(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *b = realloc(*b, *cap);
        if (!*b)
            abort();
    }
    memcpy(*b + *len, s, n);
    *len += n;
}

static const body *body_for(long chunks)
{
    for (int i = 0; i < n_bodies; i++)
        if (bodies[i].chunks == chunks)
            return &bodies[i];
    if (n_bodies == MAX_BODIES)
        return NULL;
    body *b = &bodies[n_bodies++];
    size_t cap = 0;
    b->chunks = chunks;
    static const char pre[] = "data: {\"id\":\"chatcmpl-bench\",\"object\":"
        "\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"bench\","
        "\"choices\":[{\"index\":0,\"delta\":";
    char line[512];
    int n = snprintf(line, sizeof line, "%s{\"role\":\"assistant\",\"content\":"
                     "\"\"},\"finish_reason\":null}]}\n\n", pre);
    add(&b->data, &b->len, &cap, line, (size_t)n);
    n = snprintf(line, sizeof line, "%s{\"content\":\"tok \"},\"finish_reason\""
                 ":null}]}\n\n", pre);
    for (long i = 0; i < chunks; i++)
        add(&b->data, &b->len, &cap, line, (size_t)n);
    n = snprintf(line, sizeof line, "%s{},\"finish_reason\":\"stop\"}]}\n\n", pre);
    add(&b->data, &b->len, &cap, line, (size_t)n);
    n = snprintf(line, sizeof line, "data: {\"id\":\"chatcmpl-bench\",\"object\":"
                 "\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                 "\"bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
                 "\"completion_tokens\":%ld,\"total_tokens\":%ld}}\n\n"
                 "data: [DONE]\n\n", chunks, chunks + 3);
    add(&b->data, &b->len, &cap, line, (size_t)n);
    b->head_len = (size_t)snprintf(b->head, sizeof b->head,
                                   "HTTP/1.1 200 OK\r\nContent-Type: "
                                   "text/event-stream\r\nContent-Length: %zu"
                                   "\r\n\r\n", b->len);
    return b;
}

/* A whole request in c->in: its length, or 0 while more is needed. */
static size_t request_len(const conn *c)
{
    const char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->in) + 4;
    long clen = 0;
    for (const char *p = c->in; p < end; p++) {
        if ((p == c->in || p[-1] == '\n') &&
            strncasecmp(p, "content-length:", 15) == 0) {
            clen = strtol(p + 15, NULL, 10);
            break;
        }
    }
    return c->in_len >= head + (size_t)clen ? head + (size_t)clen : 0;
}

static const body *answer_for(const char *req, size_t len)
{
    const char *m = memmem(req, len, "\"model\":\"bench-", 15);
    long chunks = m ? strtol(m + 15, NULL, 10) : 0;
    return body_for(chunks > 0 ? chunks : 1);
}

static void drop(int ep, conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c);
}

/* Send what the socket takes; 1 when the answer is out, -1 on error. */
static int send_some(conn *c)
{
    const body *b = c->out;
    while (c->out_off < b->head_len + b->len) {
        struct iovec v[2];
        int nv = 0;
        if (c->out_off < b->head_len) {
            v[nv].iov_base = (char *)b->head + c->out_off;
            v[nv++].iov_len = b->head_len - c->out_off;
            v[nv].iov_base = b->data;
            v[nv++].iov_len = b->len;
        } else {
            v[nv].iov_base = b->data + (c->out_off - b->head_len);
            v[nv++].iov_len = b->len - (c->out_off - b->head_len);
        }
        ssize_t w = writev(c->fd, v, nv);
        if (w < 0)
            return errno == EAGAIN ? 0 : -1;
        c->out_off += (size_t)w;
    }
    return 1;
}

static void on_ready(int ep, conn *c, unsigned events)
{
    if (c->out) {
        int r = send_some(c);
        if (r < 0) {
            drop(ep, c);
            return;
        }
        if (r == 0)
            return;
        c->out = NULL;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
    for (;;) {
        if (c->in_cap - c->in_len < 4096) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 8192;
            if (c->in_cap > REQ_MAX) {
                drop(ep, c);
                return;
            }
            c->in = realloc(c->in, c->in_cap);
        }
        ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
            drop(ep, c);
            return;
        }
        if (r < 0)
            break;
        c->in_len += (size_t)r;
    }
    (void)events;
    size_t n = request_len(c);
    if (!n)
        return;
    c->out = answer_for(c->in, n);
    c->out_off = 0;
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
    int r = send_some(c);
    if (r < 0) {
        drop(ep, c);
    } else if (r == 0) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    } else {
        c->out = NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_server PORT_FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096) ||
        getsockname(ls, (struct sockaddr *)&a, &alen)) {
        perror("bench_server: listen");
        return 1;
    }
    FILE *pf = fopen(argv[1], "w");
    if (!pf) {
        perror(argv[1]);
        return 1;
    }
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &lev);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            if (!evs[i].data.ptr) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            on_ready(ep, evs[i].data.ptr, evs[i].events);
        }
    }
}
