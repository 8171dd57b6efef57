/* options.c - argument parsing and scenario loading for main(). */
#include "options.h"
#include "scenario.h"
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: mock-server [--port N] [--port-file F] [--record F]\n"
    "                   [--scenario F]... [--scenarios DIR] [--sequence]\n"
    "                   [--max-requests N] [--no-v1-model-info]\n"
    "                   [--fail-model-info] [--quiet]\n"
    "\n"
    "A scripted OpenAI-compatible server on 127.0.0.1 for tests.  It prints\n"
    "PORT=n once it listens (--port 0, the default, lets the kernel pick).\n"
    "  --scenario F        load a scenario file (repeatable; the format is in\n"
    "                      tests/mock_server/scenario.h)\n"
    "  --scenarios DIR     load every DIR/*.scn, sorted by name\n"
    "  --sequence          answer chat requests with the scenarios in load\n"
    "                      order (418 when used up) instead of by model\n"
    "  --record F          append every request as a JSON line to F\n"
    "  --port-file F       also write the port to F\n"
    "  --max-requests N    exit after answering N requests\n"
    "  --no-v1-model-info  404 for GET /v1/model/info (only /model/info)\n"
    "  --fail-model-info   500 for both model info routes\n"
    "  --quiet             no line per request on stderr\n"
    "GET /health/liveliness and GET [/v1]/model/info are always answered.\n"
    "A bad scenario or argument exits 2 before listening.\n";

static int add_scenario(struct server *srv, const char *path)
{
    struct scenario *sc = scn_load(path);
    struct scenario **ns;

    if (!sc)
        return 2;
    ns = realloc(srv->scn, (srv->n_scn + 1) * sizeof(*ns));
    if (!ns) {
        scn_free(sc);
        return 2;
    }
    srv->scn = ns;
    srv->scn[srv->n_scn++] = sc;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All *.scn files of dir, sorted so the load order (and with it the
 * winner among scenarios sharing a model) does not depend on readdir. */
static int add_dir(struct server *srv, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int result = 0;

    if (!d) {
        fprintf(stderr, "mock-server: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char **nn;
        if (len < 5 || strcmp(de->d_name + len - 4, ".scn") != 0)
            continue;
        if (!(nn = realloc(names, (n + 1) * sizeof(*nn))))
            break;
        names = nn;
        if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (result == 0)
            result = add_scenario(srv, names[i]);
        free(names[i]);
    }
    free(names);
    return result;
}

static bool parse_count(const char *v, unsigned long long max,
                        unsigned long long *out)
{
    char *end;

    if (!v || *v < '0' || *v > '9')
        return false;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return !errno && !*end && *out <= max;
}

/* Accepts both "--name value" and "--name=value". */
static const char *take_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);

    const char *v;

    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        v = argv[*i] + n + 1;
    else if (strcmp(argv[*i], name) != 0)
        return NULL;
    else
        v = *i + 1 < argc ? argv[++*i] : "";
    /* "" doubles as the error value: no option takes an empty string. */
    if (!*v)
        fprintf(stderr, "mock-server: %s needs a value\n%s", name, usage);
    return v;
}

int options_parse(int argc, char **argv, struct options *opt,
                  struct server *srv)
{
    memset(opt, 0, sizeof(*opt));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        unsigned long long n;
        int result;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--sequence") == 0) {
            srv->sequence = true;
        } else if (strcmp(a, "--no-v1-model-info") == 0) {
            srv->no_v1_model_info = true;
        } else if (strcmp(a, "--fail-model-info") == 0) {
            srv->fail_model_info = true;
        } else if (strcmp(a, "--quiet") == 0) {
            srv->quiet = true;
        } else if ((v = take_value(argc, argv, &i, "--port")) != NULL) {
            if (!*v)
                return 2;
            if (!parse_count(v, 65535, &n)) {
                fprintf(stderr, "mock-server: bad --port '%s'\n", v);
                return 2;
            }
            opt->port = (int)n;
        } else if ((v = take_value(argc, argv, &i, "--max-requests")) != NULL) {
            if (!*v)
                return 2;
            if (!parse_count(v, ~0ull, &n) || n == 0) {
                fprintf(stderr, "mock-server: bad --max-requests '%s'\n", v);
                return 2;
            }
            srv->max_requests = n;
        } else if ((v = take_value(argc, argv, &i, "--port-file")) != NULL) {
            if (!*v)
                return 2;
            opt->port_file = v;
        } else if ((v = take_value(argc, argv, &i, "--record")) != NULL) {
            if (!*v)
                return 2;
            opt->record = v;
        } else if ((v = take_value(argc, argv, &i, "--scenario")) != NULL) {
            if (!*v || (result = add_scenario(srv, v)) != 0)
                return 2;
        } else if ((v = take_value(argc, argv, &i, "--scenarios")) != NULL) {
            if (!*v || (result = add_dir(srv, v)) != 0)
                return 2;
        } else {
            fprintf(stderr, "mock-server: unknown argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    return 0;
}
