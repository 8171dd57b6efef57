/* cli.c - parsing the agent-host command line; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "json_arg.h"

static const char usage_text[] =
"usage: agent-host [options] PROMPT\n"
"       agent-host [options] -i [PROMPT]\n"
"       agent-host validate PATH.so [--config JSON] [--slow-config JSON]\n"
"                  [--client-args JSON]\n"
"\n"
"An agent loop over model-provider plugins: the model may call the built-in\n"
"tools, whose results go back to it, until it gives a final answer.  Text is\n"
"streamed to stdout; progress ([tool], [swap], ...) goes to stderr.\n"
"\n"
"Providers (several may be loaded at once; the first one starts active):\n"
"  --provider [NAME=]PATH.so   load a provider plugin; NAME defaults to the\n"
"                              file's stem (default: litellm_provider.so\n"
"                              next to agent-host, or installed in\n"
"                              ../lib/model-providers/ beside its bin/)\n"
"  --config [NAME=]JSON        the provider's config (e.g. {\"model_id\":...});\n"
"  --client-args [NAME=]JSON   its client args (e.g. {\"api_base\":...});\n"
"                              without NAME= they apply to the provider given\n"
"                              last before them (or else the first one);\n"
"                              JSON may be @FILE\n"
"  --swap-at TURN=NAME         before model call number TURN (counted from 1\n"
"                              over the run) switch to provider NAME; the\n"
"                              conversation moves over intact (repeatable)\n"
"\n"
"The conversation:\n"
"  --system TEXT               the system prompt\n"
"  --tools LIST                calculator,current_time,word_count | all\n"
"                              (default) | none\n"
"  --session FILE              resume the conversation from FILE (a JSON array\n"
"                              of Strands messages) and save it there,\n"
"                              atomically, after every completed turn\n"
"  --events FILE               write every stream event as a Strands\n"
"                              StreamEvent JSON line (replayable with\n"
"                              replay_provider.so)\n"
"  --max-turns N               at most N model calls per prompt (default 10)\n"
"  --structured SCHEMA.json    instead of the loop: ask for a JSON object\n"
"                              valid against the schema and print it\n"
"\n"
"Output and mode:\n"
"  --json                      print the final message as JSON (no streaming)\n"
"  -q, --quiet                 no progress lines on stderr\n"
"  -i, --interactive           read prompts from stdin; commands: :providers,\n"
"                              :use NAME, :reload [NAME], :history, :help,\n"
"                              :quit; Ctrl-C cancels the answer being\n"
"                              written, a second Ctrl-C or Ctrl-D exits\n"
"  -h, --help                  this text\n"
"\n"
"SIGHUP reloads every provider's .so from disk between model calls.  The\n"
"exit status is 0 on success, 1 on an error (its kind and message on\n"
"stderr), 2 on a usage error.  `validate` checks a plugin's conformance.\n";

void cli_usage(FILE *out)
{
    fputs(usage_text, out);
}

/* A --config/--client-args value before it is matched to its provider. */
typedef struct pending {
    char *name;  /* NAME=, or NULL                              */
    int after;   /* the provider given last before it, or -1   */
    int is_config;
    char *value;
    char *arg;   /* the argument as given, for messages         */
} pending;

typedef struct parse_state {
    cli *c;
    pending vals[2 * CLI_MAX_PROVIDERS];
    size_t n_vals;
    char *swap_names[CLI_MAX_SWAPS];
    char *why;
    size_t len;
} parse_state;

static int bad(parse_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(parse_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->why, st->len, fmt, ap);
    va_end(ap);
    return -1;
}

/* "NAME=rest" where NAME is a plain word: *name = NAME (malloc'd). */
static const char *split_name(const char *arg, char **name)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    *name = NULL;
    if (!eq || n == 0 ||
        strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_-") != n)
        return arg;
    *name = strndup(arg, n);
    return eq + 1;
}

/* "build/litellm_provider.so" -> "litellm_provider". */
static char *stem(const char *path)
{
    size_t start = 0;
    for (size_t i = 0; path[i]; i++)
        if (path[i] == '/')
            start = i + 1;
    return strndup(path + start, strcspn(path + start, "."));
}

/* litellm_provider.so beside this executable (the build tree), else in
 * ../lib/model-providers (where `make install` puts it, the .pc's
 * providerdir). */
static char *default_plugin(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    static const char *const places[] = {
        "/litellm_provider.so", "/../lib/model-providers/litellm_provider.so"};
    char *path = NULL;
    for (size_t i = 0; slash && i < 2; i++) {
        free(path);
        if (asprintf(&path, "%.*s%s", (int)(slash - exe), exe, places[i]) < 0)
            path = NULL;
        else if (access(path, F_OK) == 0)
            return path;
    }
    /* Neither exists: name the first, so the error says where it looked. */
    free(path);
    if (!slash || asprintf(&path, "%.*s%s", (int)(slash - exe), exe, places[0]) < 0)
        path = strdup("build/litellm_provider.so");
    return path;
}

/* JSON text or @FILE. */
static char *json_value(parse_state *st, const char *arg)
{
    if (arg[0] != '@')
        return strdup(arg);
    char *text = read_whole_file(arg + 1, NULL);
    if (!text)
        snprintf(st->why, st->len, "cannot read %s: %s", arg + 1, strerror(errno));
    return text;
}

static int add_provider(parse_state *st, const char *arg)
{
    cli *c = st->c;
    if (c->n_providers == CLI_MAX_PROVIDERS)
        return bad(st, "too many providers (at most %d)", CLI_MAX_PROVIDERS);
    cli_provider *p = &c->providers[c->n_providers];
    const char *path = split_name(arg, &p->name);
    p->path = strdup(path);
    if (!p->name)
        p->name = stem(path);
    for (size_t i = 0; i < c->n_providers; i++)
        if (strcmp(c->providers[i].name, p->name) == 0) {
            c->n_providers++; /* so that cli_free frees it */
            return bad(st, "two providers named \"%s\"; name them with "
                       "--provider NAME=PATH", p->name);
        }
    c->n_providers++;
    return 0;
}

static int add_value(parse_state *st, const char *arg, int is_config)
{
    if (st->n_vals == sizeof st->vals / sizeof st->vals[0])
        return bad(st, "too many %s options", is_config ? "--config" : "--client-args");
    pending *v = &st->vals[st->n_vals++];
    const char *text = split_name(arg, &v->name);
    v->after = (int)st->c->n_providers - 1;
    v->is_config = is_config;
    v->arg = strdup(arg);
    v->value = json_value(st, text);
    return v->value ? 0 : -1;
}

static int add_swap(parse_state *st, const char *arg)
{
    cli *c = st->c;
    char *end;
    long call = strtol(arg, &end, 10);
    if (end == arg || *end != '=' || call < 1 || call > 1000000 || !end[1])
        return bad(st, "--swap-at wants TURN=NAME (e.g. 2=backup), not \"%s\"", arg);
    if (c->n_swaps == CLI_MAX_SWAPS)
        return bad(st, "too many --swap-at options (at most %d)", CLI_MAX_SWAPS);
    c->swaps[c->n_swaps].call = (int)call;
    st->swap_names[c->n_swaps++] = strdup(end + 1);
    return 0;
}

/* Whether `text` is one JSON object (what a config and client args are). */
static int is_json_object(const char *text)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return 0;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t n = strlen(text);
    json_object *v = json_tokener_parse_ex(tok, text, (int)n);
    size_t end = json_tokener_get_parse_end(tok);
    int ok = json_tokener_get_error(tok) == json_tokener_success &&
             json_object_is_type(v, json_type_object);
    while (ok && end < n && strchr(" \t\r\n", text[end]))
        end++;
    json_object_put(v);
    json_tokener_free(tok);
    return ok && end == n;
}

/* KEY=VALUE given where JSON was meant: the JSON that says it, e.g.
 * {"model_id":"x"} for model_id=x (VALUE kept when it is a JSON number,
 * true, false or null, else quoted). */
static void suggest_json(const char *key, const char *value, char *out,
                         size_t len)
{
    json_object *v = json_tokener_parse(value);
    int scalar = v && !json_object_is_type(v, json_type_object) &&
                 !json_object_is_type(v, json_type_array) &&
                 !json_object_is_type(v, json_type_string);
    json_object_put(v);
    json_object *k = json_object_new_string(key);
    json_object *q = scalar ? NULL : json_object_new_string(value);
    snprintf(out, len, "{%s:%s}",
             k ? json_object_to_json_string_ext(k, JSON_C_TO_STRING_NOSLASHESCAPE) : "\"\"",
             scalar ? value : q ? json_object_to_json_string_ext(q, JSON_C_TO_STRING_NOSLASHESCAPE) : "\"\"");
    json_object_put(k);
    json_object_put(q);
}

static int find_provider(const cli *c, const char *name)
{
    for (size_t i = 0; i < c->n_providers; i++)
        if (strcmp(c->providers[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Match --config/--client-args and --swap-at names to providers. */
static int resolve(parse_state *st)
{
    cli *c = st->c;
    for (size_t i = 0; i < st->n_vals; i++) {
        pending *v = &st->vals[i];
        const char *opt = v->is_config ? "--config" : "--client-args";
        int p = v->name ? find_provider(c, v->name) : v->after < 0 ? 0 : v->after;
        if (p < 0 && !is_json_object(v->value)) {
            char json[512];
            suggest_json(v->name, v->value, json, sizeof json);
            return bad(st, "%s %s: the value is not JSON; write %s '%s' (a "
                       "JSON object). %s NAME=JSON gives it to the provider "
                       "NAME, and no provider is named \"%s\"", opt, v->arg,
                       opt, json, opt, v->name);
        }
        if (p < 0)
            return bad(st, "no provider named \"%s\" (give --provider "
                       "NAME=PATH first)", v->name);
        if (!is_json_object(v->value))
            return bad(st, "%s %s: not a JSON object; write e.g. %s '%s'",
                       opt, v->arg, opt, v->is_config
                           ? "{\"model_id\":\"gpt-4o-mini\"}"
                           : "{\"api_base\":\"http://localhost:4000\"}");
        char **slot = v->is_config ? &c->providers[p].config
                                   : &c->providers[p].client_args;
        if (*slot)
            return bad(st, "two values for provider \"%s\"", c->providers[p].name);
        *slot = v->value;
        v->value = NULL;
    }
    for (size_t i = 0; i < c->n_swaps; i++) {
        int p = find_provider(c, st->swap_names[i]);
        if (p < 0)
            return bad(st, "--swap-at: no provider named \"%s\"", st->swap_names[i]);
        c->swaps[i].slot = (size_t)p;
    }
    if (!c->prompt && !c->interactive)
        return bad(st, "no PROMPT given (see --help)");
    if (c->structured && !c->prompt)
        return bad(st, "--structured needs a PROMPT");
    return 0;
}

static int set_max_turns(parse_state *st, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 1 || n > 1000)
        return bad(st, "--max-turns wants a number from 1 to 1000, not \"%s\"", v);
    st->c->max_turns = (int)n;
    return 0;
}

/* Every option, once: its names, what it does, and for plain text and
 * flags the field of `cli` it sets. */
typedef enum opt_kind {
    OPT_HELP, OPT_FLAG,                       /* take no value */
    OPT_TEXT, OPT_PROVIDER, OPT_CONFIG, OPT_CLIENT_ARGS, OPT_SWAP, OPT_MAX_TURNS
} opt_kind;

typedef struct option {
    const char *name, *alias;
    opt_kind kind;
    size_t field; /* OPT_TEXT: a const char * of cli; OPT_FLAG: an int */
} option;

static const option option_table[] = {
    {"--help", "-h", OPT_HELP, 0},
    {"--provider", NULL, OPT_PROVIDER, 0},
    {"--config", NULL, OPT_CONFIG, 0},
    {"--client-args", NULL, OPT_CLIENT_ARGS, 0},
    {"--swap-at", NULL, OPT_SWAP, 0},
    {"--max-turns", NULL, OPT_MAX_TURNS, 0},
    {"--system", NULL, OPT_TEXT, offsetof(cli, system)},
    {"--tools", NULL, OPT_TEXT, offsetof(cli, tools)},
    {"--session", NULL, OPT_TEXT, offsetof(cli, session)},
    {"--events", NULL, OPT_TEXT, offsetof(cli, events)},
    {"--structured", NULL, OPT_TEXT, offsetof(cli, structured)},
    {"--json", NULL, OPT_FLAG, offsetof(cli, json)},
    {"--interactive", "-i", OPT_FLAG, offsetof(cli, interactive)},
    {"--quiet", "-q", OPT_FLAG, offsetof(cli, quiet)},
};

static const option *find_option(const char *arg)
{
    for (size_t k = 0; k < sizeof option_table / sizeof option_table[0]; k++) {
        const option *o = &option_table[k];
        if (strcmp(arg, o->name) == 0 || (o->alias && strcmp(arg, o->alias) == 0))
            return o;
    }
    return NULL;
}

/* Returns 0, 1 for --help (printed), or -1 with the reason in st->why. */
static int apply(parse_state *st, const option *o, const char *v)
{
    char *field = (char *)st->c + o->field;
    switch (o->kind) {
    case OPT_HELP: cli_usage(stdout); return 1;
    case OPT_FLAG: *(int *)(void *)field = 1; return 0;
    case OPT_TEXT: *(const char **)(void *)field = v; return 0;
    case OPT_PROVIDER: return add_provider(st, v);
    case OPT_CONFIG: return add_value(st, v, 1);
    case OPT_CLIENT_ARGS: return add_value(st, v, 0);
    case OPT_SWAP: return add_swap(st, v);
    case OPT_MAX_TURNS: return set_max_turns(st, v);
    }
    return bad(st, "internal: option %s has no handler", o->name);
}

static int parse_args(parse_state *st, int argc, char **argv)
{
    int options_ended = 0; /* after "--" everything is the prompt */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const option *o = options_ended ? NULL : find_option(a);
        if (o) {
            const char *v = NULL;
            if (o->kind != OPT_HELP && o->kind != OPT_FLAG) {
                if (i + 1 >= argc)
                    return bad(st, "option %s needs a value", a);
                v = argv[++i];
            }
            int rc = apply(st, o, v);
            if (rc)
                return rc;
        } else if (!options_ended && strcmp(a, "--") == 0) {
            options_ended = 1;
        } else if (!options_ended && a[0] == '-' && a[1]) {
            return bad(st, "unknown option %s (see --help)", a);
        } else if (st->c->prompt) {
            return bad(st, "unexpected argument \"%s\" (quote the prompt as "
                       "one argument)", a);
        } else {
            st->c->prompt = a;
        }
    }
    return 0;
}

int cli_parse(cli *c, int argc, char **argv, char *why, size_t len)
{
    memset(c, 0, sizeof *c);
    c->max_turns = 10;
    parse_state st = {.c = c, .why = why, .len = len};
    int rc = parse_args(&st, argc, argv);
    if (rc == 0 && c->n_providers == 0) {
        cli_provider *p = &c->providers[c->n_providers++];
        p->path = default_plugin();
        p->name = stem(p->path);
    }
    if (rc == 0)
        rc = resolve(&st);
    for (size_t i = 0; i < st.n_vals; i++) {
        free(st.vals[i].name);
        free(st.vals[i].value);
        free(st.vals[i].arg);
    }
    for (size_t i = 0; i < c->n_swaps; i++)
        free(st.swap_names[i]);
    return rc;
}

void cli_free(cli *c)
{
    for (size_t i = 0; i < c->n_providers; i++) {
        free(c->providers[i].name);
        free(c->providers[i].path);
        free(c->providers[i].config);
        free(c->providers[i].client_args);
    }
    memset(c, 0, sizeof *c);
}
