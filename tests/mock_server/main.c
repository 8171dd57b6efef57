/* main.c - mock-server: a scripted OpenAI-compatible HTTP server for the
 * plugin's tests, demo and benchmarks.
 *
 * Start-up: parse options and load every scenario (any error exits 2
 * before a port is announced), bind 127.0.0.1, announce `PORT=n`, then
 * accept connections until SIGTERM/SIGINT or --max-requests.
 */
#include "options.h"
#include "record.h"
#include "scenario.h"
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The signal handler can only reach the wake pipe through a global. */
static int g_wake_fd = -1;

void server_wake(const struct server *srv)
{
    char b = 1;
    /* A full pipe already means "wake up", so a failed write is fine. */
    ssize_t n = write(srv->wake_fd, &b, 1);
    (void)n;
}

static void on_signal(int sig)
{
    char b = 1;
    int saved = errno;
    ssize_t n = write(g_wake_fd, &b, 1);

    (void)sig;
    (void)n;
    errno = saved;
}

static int listen_local(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 512) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    return ntohs(a.sin_port);
}

/* Write temp + rename: a reader polling for the file never sees it
 * half-written. */
static int write_port_file(const char *path, int port)
{
    char *tmp;
    FILE *f;
    int ok;

    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return -1;
    f = fopen(tmp, "w");
    ok = f && fprintf(f, "%d\n", port) > 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok ? 0 : -1;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void spawn(struct server *srv, int fd)
{
    struct conn_arg *ca = malloc(sizeof(*ca));
    pthread_attr_t attr;
    pthread_t t;

    if (!ca) {
        close(fd);
        return;
    }
    ca->srv = srv;
    ca->fd = fd;
    atomic_fetch_add(&srv->active_conns, 1);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Threads need little stack; a smaller one lets hundreds of idle
     * keep-alive connections coexist cheaply. */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&t, &attr, conn_thread, ca) != 0) {
        atomic_fetch_sub(&srv->active_conns, 1);
        free(ca);
        close(fd);
    }
    pthread_attr_destroy(&attr);
}

static void accept_loop(struct server *srv, int lfd, int wake_rd)
{
    for (;;) {
        struct pollfd p[2] = { { lfd, POLLIN, 0 }, { wake_rd, POLLIN, 0 } };
        int fd;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("mock-server: poll");
            return;
        }
        if (p[1].revents)
            return;
        if (!(p[0].revents & POLLIN))
            continue;
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            /* EMFILE and friends: back off instead of spinning. */
            if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
                usleep(10000);
            continue;
        }
        spawn(srv, fd);
    }
}

int main(int argc, char **argv)
{
    static struct server srv;
    struct options opt;
    int pipefd[2], lfd, port, result;

    pthread_mutex_init(&srv.seq_lock, NULL);
    atomic_init(&srv.served, 0);
    atomic_init(&srv.active_conns, 0);
    result = options_parse(argc, argv, &opt, &srv);
    if (result != 0)
        return result == 1 ? 0 : 2;
    if (rec_open(&srv.rec, opt.record) != 0) {
        fprintf(stderr, "mock-server: --record %s: %s\n", opt.record,
                strerror(errno));
        return 2;
    }
    if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("mock-server: pipe");
        return 1;
    }
    srv.wake_fd = g_wake_fd = pipefd[1];
    install_signals();

    lfd = listen_local(opt.port);
    if (lfd < 0 || (port = bound_port(lfd)) < 0) {
        fprintf(stderr, "mock-server: cannot listen on 127.0.0.1:%d: %s\n",
                opt.port, strerror(errno));
        return 1;
    }
    if (opt.port_file && write_port_file(opt.port_file, port) != 0) {
        fprintf(stderr, "mock-server: --port-file %s: %s\n", opt.port_file,
                strerror(errno));
        return 1;
    }
    printf("PORT=%d\n", port);
    fflush(stdout);

    accept_loop(&srv, lfd, pipefd[0]);
    close(lfd);
    rec_close(&srv.rec);
    /* Scenarios are freed only when no connection thread can still read
     * them; otherwise the process exit reclaims them. */
    if (atomic_load(&srv.active_conns) == 0) {
        for (size_t i = 0; i < srv.n_scn; i++)
            scn_free(srv.scn[i]);
        free(srv.scn);
    }
    return 0;
}
