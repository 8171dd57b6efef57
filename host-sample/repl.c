/* repl.c - interactive mode; see repl.h. */
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conversation.h"

static const char banner[] =
    "agent-host: type a prompt (:help for commands; Ctrl-C cancels an "
    "answer, Ctrl-D exits)\n";

void repl_print_json(const agent *a, json_object *msg)
{
    json_object *shown = agent_result_json(a, msg);
    printf("%s\n", json_object_to_json_string_ext(
                       shown ? shown : msg, JSON_C_TO_STRING_PRETTY |
                       JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(shown);
    fflush(stdout);
}

static void list_providers(const agent *a)
{
    for (size_t i = 0; i < a->n_slots; i++) {
        prov_slot *s = &a->slots[i];
        pthread_mutex_lock(&s->lock);
        const mp_provider_v1 *d = s->mod->desc;
        printf("%c %-16s %s  (%s %s, ABI 1.%u, generation %u)\n",
               i == a->active ? '*' : ' ', s->name, s->path, d->id, d->version,
               s->mod->minor, s->generation);
        pthread_mutex_unlock(&s->lock);
    }
}

/* The slot named by `arg`, or the active one when arg is empty. */
static int slot_arg(const agent *a, const char *arg)
{
    if (!*arg)
        return (int)a->active;
    int i = agent_find(a, arg);
    if (i < 0)
        fprintf(stderr, "agent-host: no provider named \"%s\" (see :providers)\n", arg);
    return i;
}

/* Run one ":command".  Returns 1 for :quit. */
static int command(agent *a, char *line)
{
    char *arg = line + strcspn(line, " \t");
    if (*arg)
        *arg++ = '\0';
    arg += strspn(arg, " \t");
    int i;
    if (strcmp(line, ":quit") == 0 || strcmp(line, ":q") == 0 ||
        strcmp(line, ":exit") == 0)
        return 1;
    if (strcmp(line, ":providers") == 0) {
        list_providers(a);
    } else if (strcmp(line, ":use") == 0) {
        if (!*arg)
            fprintf(stderr, "agent-host: usage: :use NAME\n");
        else if ((i = slot_arg(a, arg)) >= 0)
            agent_use(a, (size_t)i, ":use");
    } else if (strcmp(line, ":reload") == 0) {
        if ((i = slot_arg(a, arg)) >= 0)
            agent_reload(a, (size_t)i);
    } else if (strcmp(line, ":history") == 0) {
        conv_print(a->conv, stdout);
    } else if (strcmp(line, ":help") == 0) {
        printf(":providers      the loaded providers (* = active)\n"
               ":use NAME       switch to provider NAME; the conversation moves over\n"
               ":reload [NAME]  load the provider's .so again from disk (all: SIGHUP)\n"
               ":history        the conversation so far\n"
               ":quit           exit (also Ctrl-D, or Ctrl-C twice)\n"
               "Ctrl-C          cancel the answer being written\n");
    } else {
        fprintf(stderr, "agent-host: unknown command %s (try :help)\n", line);
    }
    fflush(stdout);
    return 0;
}

/* Input lines, read with read(2) so that waiting for one can watch the
 * SIGHUP flag (a signal that lands just before a blocking read would
 * otherwise wait for the next line). */
typedef struct line_reader {
    int fd;
    char *buf;
    size_t len, cap;
    int eof;
    int error; /* errno of a failed poll or read, ENOMEM; 0 = none */
    int prompt; /* a "> " prompt is on screen (a terminal)         */
    sig_atomic_t seen; /* Ctrl-Cs accounted for (see `interrupts`)  */
    int interrupted;   /* next_line returned NULL for a Ctrl-C       */
} line_reader;

/* Ctrl-C in -i.  The handler only counts and wakes the canceller thread
 * through a pipe (async-signal-safe); that thread calls the plugin's
 * cancel() (cancel_point.h), and the line reader sees the count. */
static volatile sig_atomic_t interrupts;
static int intr_pipe[2] = {-1, -1};

static void on_sigint(int sig)
{
    (void)sig;
    int saved = errno;
    interrupts++;
    if (intr_pipe[1] >= 0) {
        ssize_t w = write(intr_pipe[1], "!", 1);
        (void)w; /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

/* The canceller: one cancel per Ctrl-C.  cancel() before the plugin call
 * has begun has no effect (the ABI says so), so while that prompt's call
 * stays registered the request is repeated, briefly. */
static void *canceller(void *arg)
{
    cancel_point *cp = arg;
    char c;
    for (;;) {
        ssize_t n = read(intr_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return NULL; /* the REPL closed the pipe: done */
        unsigned gen = cp_generation(cp);
        cp_cancel_generation(cp, gen);
        struct timespec tick = {0, 20 * 1000 * 1000};
        for (int i = 0; i < 100 && cp_in_flight(cp) && cp_generation(cp) == gen; i++) {
            nanosleep(&tick, NULL);
            cp_cancel_generation(cp, gen);
        }
    }
}

/* The next line without its newline (valid until the next call), or NULL
 * at the end of input or on an error (then lr->error says which: a read
 * error is not the end of the input, and must not end the run as if it
 * were). */
static char *next_line(line_reader *lr, agent *a, size_t *consumed)
{
    if (*consumed) {                 /* buf is still NULL before the first read */
        memmove(lr->buf, lr->buf + *consumed, lr->len - *consumed);
        lr->len -= *consumed;
        *consumed = 0;
    }
    for (;;) {
        char *nl = lr->len ? memchr(lr->buf, '\n', lr->len) : NULL;
        if (nl || (lr->eof && lr->len)) {
            size_t n = nl ? (size_t)(nl - lr->buf) : lr->len;
            *consumed = nl ? n + 1 : n;
            lr->buf[n] = '\0';
            return lr->buf;
        }
        if (lr->eof)
            return NULL;
        if (interrupts != lr->seen) {
            lr->seen = interrupts;
            lr->interrupted = 1;
            return NULL;
        }
        /* A reload's messages go on lines of their own, then the prompt
         * comes back. */
        if (lr->prompt && a->reload_requested && *a->reload_requested)
            fputc('\n', stderr);
        if (agent_reload_if_asked(a) && lr->prompt)
            fputs("> ", stderr);
        struct pollfd p = {lr->fd, POLLIN, 0};
        int ready = poll(&p, 1, 200);
        if (ready < 0 && errno != EINTR) {
            lr->error = errno;
            return NULL;
        }
        if (ready <= 0)
            continue; /* a timeout or a signal: look at the flag again */
        if (lr->len + 4096 + 1 > lr->cap) {
            size_t cap = lr->len + 8192;
            char *grown = realloc(lr->buf, cap);
            if (!grown) {
                lr->error = ENOMEM;
                return NULL;
            }
            lr->buf = grown;
            lr->cap = cap;
        }
        ssize_t got = read(lr->fd, lr->buf + lr->len, 4096);
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (got < 0) {
            lr->error = errno;
            return NULL;
        }
        if (got == 0)
            lr->eof = 1;
        else
            lr->len += (size_t)got;
    }
}

/* Ctrl-C handling for the length of the REPL: the handler, the pipe and
 * the canceller thread.  Returns 0, or -1 (then Ctrl-C keeps its default
 * action). */
static int sigint_start(cancel_point *cp, pthread_t *th, struct sigaction *old)
{
    if (pipe2(intr_pipe, O_CLOEXEC) != 0)
        return -1;
    fcntl(intr_pipe[1], F_SETFL, O_NONBLOCK);
    if (pthread_create(th, NULL, canceller, cp) != 0) {
        close(intr_pipe[0]);
        close(intr_pipe[1]);
        intr_pipe[0] = intr_pipe[1] = -1;
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART; /* output is never cut short by a Ctrl-C */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old);
    return 0;
}

static void sigint_stop(pthread_t th, const struct sigaction *old)
{
    sigaction(SIGINT, old, NULL);
    int w = intr_pipe[1];
    intr_pipe[1] = -1;
    close(w); /* the canceller reads the end and returns */
    pthread_join(th, NULL);
    close(intr_pipe[0]);
    intr_pipe[0] = -1;
}

int repl_run(agent *a, int fd, int json)
{
    line_reader lr = {.fd = fd};
    size_t consumed = 0;
    int failed = 0, tty = isatty(fd);
    /* After a Ctrl-C (an answer cancelled, or one at the prompt), the
     * next Ctrl-C at the prompt exits; a line typed in between disarms. */
    int armed = 0;
    cancel_point cp;
    cp_init(&cp);
    pthread_t th;
    struct sigaction old;
    int handling = sigint_start(&cp, &th, &old) == 0;
    if (handling)
        a->cancel = &cp;
    lr.seen = interrupts;
    if (tty)
        fputs(banner, stderr);
    char *line;
    for (;;) {
        lr.prompt = tty;
        if (tty)
            fputs("> ", stderr);
        line = next_line(&lr, a, &consumed);
        lr.prompt = 0;
        if (!line && lr.interrupted) {
            lr.interrupted = 0;
            if (armed) {
                fputc('\n', stderr);
                break; /* the second Ctrl-C */
            }
            armed = 1;
            fputs("\n(Ctrl-C again or Ctrl-D to exit)\n", stderr);
            continue;
        }
        if (!line) {
            if (tty && !lr.error)
                fputc('\n', stderr); /* Ctrl-D: leave the shell a fresh line */
            break;
        }
        line[strcspn(line, "\r")] = '\0';
        char *text = line + strspn(line, " \t");
        if (!*text)
            continue;
        armed = 0;
        if (text[0] == ':') {
            if (command(a, text))
                break;
            continue;
        }
        json_object *final = NULL;
        agent_error e = {0};
        cp_reset(&cp);
        int rc = agent_ask(a, text, &final, &e);
        int stops = (int)(interrupts - lr.seen);
        lr.seen = interrupts;
        if (rc == MP_E_CANCELLED && cp_requested(&cp)) {
            fflush(stdout);
            fputs("[cancelled: the conversation is as it was before this "
                  "prompt]\n", stderr);
            armed = 1;
            if (stops >= 2)
                break; /* Ctrl-C twice while it was answering */
        } else if (rc) {
            fprintf(stderr, "agent-host: %s: %s\n", host_errname(e.code), e.message);
            failed = 1;
        } else if (json) {
            repl_print_json(a, final);
        }
    }
    if (lr.error) {
        fprintf(stderr, "agent-host: %s: cannot read the input: %s\n",
                host_errname(lr.error == ENOMEM ? MP_E_NO_MEMORY : HOST_E_IO),
                strerror(lr.error));
        failed = 1;
    }
    if (handling) {
        a->cancel = NULL;
        sigint_stop(th, &old);
    }
    cp_destroy(&cp);
    free(lr.buf);
    return failed;
}
