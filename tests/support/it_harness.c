/* it_harness.c - helpers of the integration tests; see it_harness.h. */
#include "it_harness.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../host-sample/provider_loader.h"

const mp_provider_v1 *it_p;
static hp_module *module;

/* ------------------------------------------------------------ buffers */

void it_buf_add(it_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void it_buf_addf(it_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    it_buf_add(b, s, (size_t)n);
    free(s);
}

void it_buf_free(it_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------ loading */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static it_buf log_text;

static void on_log(void *ctx, int level, const char *message)
{
    (void)ctx;
    pthread_mutex_lock(&log_lock);
    it_buf_addf(&log_text, "%d %s\n", level, message);
    pthread_mutex_unlock(&log_lock);
}

char *it_logs(void)
{
    pthread_mutex_lock(&log_lock);
    char *s = strdup(log_text.data ? log_text.data : "");
    pthread_mutex_unlock(&log_lock);
    return s;
}

int it_load(void)
{
    if (it_p)
        return 0;
    static mp_host_v1 host = {sizeof(mp_host_v1), NULL, on_log};
    char errbuf[512];
    int rc = hp_module_load(LP_BUILD_DIR "/litellm_provider.so", MP_ABI_MINOR,
                            &host, &module, errbuf, sizeof errbuf);
    if (rc) {
        fprintf(stderr, "it_load: %s: %s\n", mp_errname(rc), errbuf);
        return -1;
    }
    it_p = module->desc;
    return 0;
}

const mp_provider_v1 *it_descriptor(uint32_t minor)
{
    if (!module)
        return NULL;
    mp_provider_entry_v1_fn entry =
        (mp_provider_entry_v1_fn)dlsym(module->dl, MP_ENTRY_SYMBOL_V1);
    const mp_provider_v1 *d = NULL;
    uint32_t offer = minor;
    return entry && entry(&offer, &d) == MP_OK && offer == minor ? d : NULL;
}

int it_unload(void)
{
    if (!module)
        return 0;
    char errbuf[512];
    int rc = hp_module_unload(&module, errbuf, sizeof errbuf);
    if (rc) {
        fprintf(stderr, "it_unload: %s: %s\n", mp_errname(rc), errbuf);
        return -1;
    }
    it_p = NULL;
    return 0;
}

int it_group_setup(void **state)
{
    (void)state;
    return it_load();
}

int it_group_teardown(void **state)
{
    (void)state;
    it_tmp_cleanup();
    return it_unload();
}

/* ------------------------------------------------------------- events */

long it_child_writes(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
        return -1;
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    long n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "syscw: %ld", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

double it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void it_events_init(it_events *e)
{
    memset(e, 0, sizeof *e);
    asm_init(&e->as);
}

void it_events_free(it_events *e)
{
    it_buf_free(&e->json);
    asm_free(&e->as);
}

static int write_buf(void *ctx, const char *data, size_t len)
{
    it_buf_add(ctx, data, len);
    return 0;
}

static int on_event(void *ctx, const mp_event_header *ev)
{
    it_events *e = ctx;
    if (!e->count)
        e->first_ms = it_now_ms();
    e->count++;
    if (ev->type < 8)
        e->by_type[ev->type]++;
    e->flagged += (ev->flags & MP_EVENT_FLAG_BATCH_END) != 0;
    e->last_flags = ev->flags;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind == MP_DELTA_TEXT)
            e->text_bytes += d->text.len;
    }
    if (!e->no_json) {
        mp_text_sink sink = {sizeof sink, &e->json, write_buf};
        if (it_p->event_to_json(ev, &sink) != MP_OK)
            e->bad_render = 1;
        it_buf_add(&e->json, "\n", 1);
    }
    if (!e->no_assemble)
        asm_on_event(&e->as, ev);
    int stop = e->cancel_at && e->count == e->cancel_at;
    if (e->hook && e->hook(e, ev))
        stop = 1;
    return stop;
}

mp_event_sink it_sink(it_events *e)
{
    mp_event_sink s = {sizeof s, e, on_event};
    return s;
}

mp_instance *it_create(const char *config, const char *client_args,
                       mp_error *err)
{
    mp_instance *inst = NULL;
    if (it_p->create(config, client_args, &inst, err) != MP_OK)
        return NULL;
    return inst;
}

int it_stream(mp_instance *inst, const char *request, it_events *e,
              mp_error *err)
{
    mp_event_sink sink = it_sink(e);
    int rc = it_p->stream(inst, request, strlen(request), &sink, err);
    request_log(request, (size_t)-1, rc);
    return rc;
}

const char it_hello_request[] =
    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";

char *it_client_args(const char *base, const char *api_key, const char *extra)
{
    it_buf b = {0};
    it_buf_addf(&b, "{\"api_base\":\"%s\"", base);
    if (api_key)
        it_buf_addf(&b, ",\"api_key\":\"%s\"", api_key);
    if (extra && *extra)
        it_buf_addf(&b, ",%s", extra);
    it_buf_add(&b, "}", 1);
    return b.data;
}

/* --------------------------------------------------------------- files */

char *it_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    it_buf b = {0};
    char chunk[65536];
    size_t n;
    it_buf_add(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        it_buf_add(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    return b.data;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int it_list_names(const char *dir, const char *suffix, char **names, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t sl = strlen(suffix);
    int n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > sl && strcmp(e->d_name + len - sl, suffix) == 0)
            names[n++] = strndup(e->d_name, len - sl);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    return n;
}

const char *it_transcripts_dir(void)
{
    struct stat st;
    if (stat(LP_TRANSCRIPTS_DIR, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return LP_TRANSCRIPTS_DIR;
}

/* Replace the number after `key` with 0 in b; returns its value, -1 when
 * the key is not there, -2 when the value is not a plain integer. */
static int64_t zero_value(it_buf *b, size_t from, const char *key)
{
    char *k = strstr(b->data + from, key);
    char *nl = strchr(b->data + from, '\n');
    if (!k || (nl && k > nl))
        return -1;
    char *v = k + strlen(key), *end = v;
    while (isdigit((unsigned char)*end))
        end++;
    if (end == v || (*end != ',' && *end != '}'))
        return -2;
    int64_t value = strtoll(v, NULL, 10);
    *v = '0';
    memmove(v + 1, end, strlen(end) + 1);
    b->len -= (size_t)(end - v) - 1;
    return value;
}

char *it_normalise_metrics(const char *jsonl, int64_t *latency, int64_t *ttfb)
{
    it_buf b = {0};
    it_buf_add(&b, jsonl, strlen(jsonl));
    *latency = *ttfb = -1;
    size_t at = 0;
    char *line;
    while ((line = strstr(b.data + at, "{\"metadata\":"))) {
        at = (size_t)(line - b.data);
        int64_t l = zero_value(&b, at, "\"latencyMs\":");
        int64_t t = zero_value(&b, at, "\"timeToFirstByteMs\":");
        if (l == -2 || t == -2 || l == -1) {
            it_buf_free(&b);
            return NULL;
        }
        *latency = l;
        *ttfb = t;
        at++;
    }
    return b.data;
}

/* ------------------------------------------------------------ temp dir */

static char tmpdir[256];
static pid_t tmpdir_owner; /* the process that made it */

/* At exit, whatever a failed test left (its teardown skipped).  Only in
 * the process that made the directory: a forked child that exits must
 * not take its parent's files. */
static void tmp_cleanup_at_exit(void)
{
    if (tmpdir[0] && getpid() == tmpdir_owner)
        it_tmp_cleanup();
}

const char *it_tmpdir(void)
{
    static int registered;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/lp-it-%d-XXXXXX", (int)getpid());
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
        tmpdir_owner = getpid();
        if (!registered && atexit(tmp_cleanup_at_exit) == 0)
            registered = 1;
    }
    return tmpdir;
}

void it_tmp_cleanup(void)
{
    if (!tmpdir[0])
        return;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

char *it_write_file(const char *name, const char *fmt, ...)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", it_tmpdir(), name) < 0)
        return NULL;
    FILE *f = fopen(path, "w");
    if (!f) {
        free(path);
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    if (fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

char *it_trickled_copy(const char *name)
{
    char *text = it_read_file(scenario_path(name), NULL);
    char *model = text ? strstr(text, "\nmodel: ") : NULL;
    char *eol = model ? strchr(model + 1, '\n') : NULL;
    char *path = NULL;
    if (eol) {
        char file[256];
        snprintf(file, sizeof file, "trickle-%s", name);
        path = it_write_file(file, "%.*s-trickle\ntrickle: true%s",
                             (int)(eol - text), text, eol);
    }
    free(text);
    return path;
}

int it_mock_start(mock_proc *m, ...)
{
    const char *args[60];
    int n = 0;
    va_list ap;
    va_start(ap, m);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 59)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    return mock_start(m, args);
}

int it_mock_scenarios(mock_proc *m, int sequence, ...)
{
    const char *args[60];
    char *paths[28];
    int n = 0, np = 0;
    if (sequence)
        args[n++] = "--sequence";
    va_list ap;
    va_start(ap, sequence);
    const char *name;
    while ((name = va_arg(ap, const char *)) && np < 28) {
        paths[np] = name[0] == '/' ? strdup(name) : strdup(scenario_path(name));
        args[n++] = "--scenario";
        args[n++] = paths[np++];
    }
    va_end(ap);
    args[n] = NULL;
    int rc = mock_start(m, args);
    for (int i = 0; i < np; i++)
        free(paths[i]);
    return rc;
}

void it_call_run(it_call *c, const char *config, const char *client_args,
                 const char *request)
{
    memset(c, 0, sizeof *c);
    mp_error init = MP_ERROR_INIT;
    c->err = init;
    it_events_init(&c->ev);
    mp_instance *inst = it_create(config, client_args, &c->err);
    if (!inst) {
        c->rc = c->err.code ? c->err.code : MP_E_INTERNAL;
        return;
    }
    double t0 = it_now_ms();
    c->rc = it_stream(inst, request ? request : it_hello_request, &c->ev,
                      &c->err);
    c->ms = it_now_ms() - t0;
    it_p->destroy(inst);
}

void it_call_free(it_call *c)
{
    it_events_free(&c->ev);
}

/* ------------------------------------------------------------ records */

json_object *it_chat_requests(const mock_proc *m)
{
    return mock_requests(m, "/chat/completions");
}

int it_chat_count(const mock_proc *m)
{
    json_object *all = it_chat_requests(m);
    int n = (int)json_object_array_length(all);
    json_object_put(all);
    return n;
}

json_object *it_last_chat(const mock_proc *m)
{
    json_object *all = it_chat_requests(m);
    size_t n = json_object_array_length(all);
    json_object *last = n ? json_object_get(json_object_array_get_idx(all, n - 1))
                          : NULL;
    json_object_put(all);
    return last;
}

/* Walks the path; *found says whether the last step existed. */
static json_object *walk(json_object *v, const char *path, int *found)
{
    *found = 1;
    const char *p = path;
    while (*p) {
        if (*p == '.')
            p++;
        if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']' || !json_object_is_type(v, json_type_array) ||
                i < 0 || (size_t)i >= json_object_array_length(v)) {
                *found = 0;
                return NULL;
            }
            v = json_object_array_get_idx(v, (size_t)i);
            p = end + 1;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        if (!json_object_is_type(v, json_type_object) ||
            !json_object_object_get_ex(v, key, &v)) {
            *found = 0;
            return NULL;
        }
        p += n;
    }
    return v;
}

json_object *it_get(json_object *root, const char *path)
{
    int found;
    return walk(root, path, &found);
}

int it_has(json_object *root, const char *path)
{
    int found;
    walk(root, path, &found);
    return found;
}

const char *it_get_str(json_object *root, const char *path)
{
    json_object *v = it_get(root, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                    : NULL;
}

void it_call_model(it_call *c, const mock_proc *m, const char *model,
                   const char *params, const char *api_key, const char *extra)
{
    it_buf config = {0};
    it_buf_addf(&config, "{\"model_id\":\"%s\"", model);
    if (params)
        it_buf_addf(&config, ",\"params\":%s", params);
    it_buf_add(&config, "}", 1);
    char *args = it_client_args(m->base_url, api_key, extra);
    it_call_run(c, config.data, args, NULL);
    free(args);
    it_buf_free(&config);
}

/* -------------------------------------------------- request-side groups */

mock_proc it_req_mock;

void it_clear_provider_env(void)
{
    static const char *const names[] = {
        "LITELLM_PROXY_API_KEY", "LITELLM_API_KEY", "OPENAI_API_KEY",
        "LITELLM_PROXY_API_BASE", "LITELLM_API_BASE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unsetenv(names[i]);
}

int it_req_group_setup(void **state)
{
    (void)state;
    it_clear_provider_env();
    if (it_load())
        return -1;
    return it_mock_scenarios(&it_req_mock, 0, "it_req.scn", NULL);
}

int it_req_group_teardown(void **state)
{
    (void)state;
    it_clear_provider_env();
    mock_stop(&it_req_mock);
    it_tmp_cleanup();
    return it_unload();
}

int it_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

int it_full_listener(int *port, int fill[3])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 0) ||
        getsockname(l, (struct sockaddr *)&a, &n))
        return -1;
    *port = ntohs(a.sin_port);
    for (int i = 0; i < 3; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fill[i], F_SETFL, O_NONBLOCK);
        if (connect(fill[i], (struct sockaddr *)&a, sizeof a) &&
            errno != EINPROGRESS)
            return -1;
    }
    usleep(50 * 1000); /* let the handshakes that can complete do so */
    return l;
}
