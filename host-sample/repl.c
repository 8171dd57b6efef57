/* repl.c - interactive mode; see repl.h. */
#include "repl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conversation.h"

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
        printf(":providers  :use NAME  :reload [NAME]  :history  :quit\n");
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
} line_reader;

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
        agent_reload_if_asked(a);
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

int repl_run(agent *a, int fd, int json)
{
    line_reader lr = {.fd = fd};
    size_t consumed = 0;
    int failed = 0, show_prompt = isatty(fd);
    char *line;
    for (;;) {
        if (show_prompt)
            fprintf(stderr, "> ");
        if (!(line = next_line(&lr, a, &consumed)))
            break;
        line[strcspn(line, "\r")] = '\0';
        char *text = line + strspn(line, " \t");
        if (!*text)
            continue;
        if (text[0] == ':') {
            if (command(a, text))
                break;
            continue;
        }
        json_object *final = NULL;
        agent_error e = {0};
        if (agent_ask(a, text, &final, &e)) {
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
    free(lr.buf);
    return failed;
}
