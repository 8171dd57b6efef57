/*
 * main.c - agent-host, the sample host: an agent loop over provider
 * plugins (see `agent-host --help`, cli.c), and `agent-host validate`, the
 * conformance checker (validate.c).
 *
 * This file wires the pieces together:
 *   cli.c        the command line
 *   providers.c  named provider slots over provider_loader.c, hot reload
 *   agent.c      the loop (model_call.c, assembler.c, tools.c,
 *                conversation.c, session.c)
 *   structured.c --structured
 *   repl.c       -i
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/model_provider.h"
#include "agent.h"
#include "cli.h"
#include "conversation.h"
#include "json_arg.h"
#include "repl.h"
#include "session.h"
#include "structured.h"
#include "text_buf.h"
#include "validate.h"

static volatile sig_atomic_t reload_requested;

static void on_sighup(int sig)
{
    (void)sig;
    reload_requested = 1;
}

/* The plugin's log lines (warnings such as unknown config keys). */
static void log_stderr(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level >= MP_LOG_INFO)
        fprintf(stderr, "[provider %s] %s\n",
                level >= MP_LOG_ERROR ? "error" : level >= MP_LOG_WARN ? "warning" : "info",
                msg);
}

static int cmd_validate(int argc, char **argv)
{
    char *vals[3] = {NULL, NULL, NULL}; /* config, slow config, client args */
    static const char *const names[3] = {"--config", "--slow-config", "--client-args"};
    int bad = argc < 3 || argv[2][0] == '-';
    for (int i = 3; !bad && i < argc; i += 2) {
        int k = 0;
        while (k < 3 && strcmp(argv[i], names[k]) != 0)
            k++;
        if (k == 3 || i + 1 >= argc || vals[k]) {
            fprintf(stderr, "agent-host validate: unexpected %s\n", argv[i]);
            bad = 1;
        } else if (!(vals[k] = json_arg_load(argv[i + 1]))) {
            bad = 1;
        }
    }
    int failures = 0;
    if (bad)
        fprintf(stderr, "usage: agent-host validate PATH.so [--config JSON] "
                "[--slow-config JSON] [--client-args JSON]  (see --help)\n");
    else
        failures = validate_plugin_ex(argv[2], vals[0], vals[1], vals[2]);
    for (int k = 0; k < 3; k++)
        free(vals[k]);
    return bad ? 2 : failures ? 1 : 0;
}

static int report(const agent_error *e)
{
    fprintf(stderr, "agent-host: %s: %s\n", host_errname(e->code), e->message);
    return 1;
}

/* A provider given no --config must still name its model: every Strands
 * model config has model_id.  Checked after create() and before the first
 * call, so the user learns the flag to use before anything is sent.  (A
 * provider that needs no model, such as the replay provider, is given a
 * --config of its own, and is not checked.) */
static int check_model(const cli_provider *p, prov_slot *s, agent_error *e)
{
    if (p->config)
        return 0;
    prov_lease lease;
    prov_acquire(s, &lease);
    text_buf t = {0};
    mp_text_sink sink = {sizeof sink, &t, text_buf_write};
    int rc = lease.mod->desc->get_config(lease.inst, &sink, NULL);
    prov_release(&lease);
    json_object *doc = rc == MP_OK && t.data ? json_tokener_parse(t.data) : NULL;
    json_object *cfg = NULL, *model = NULL;
    int has_model = json_object_object_get_ex(doc, "config", &cfg) &&
                    json_object_object_get_ex(cfg, "model_id", &model) &&
                    json_object_is_type(model, json_type_string);
    json_object_put(doc);
    free(t.data);
    if (has_model || rc != MP_OK)
        return 0;
    snprintf(e->message, sizeof e->message, "provider \"%s\" has no model: "
             "name one with --config '{\"model_id\":\"MODEL\"}', e.g. "
             "gpt-4o-mini through a LiteLLM proxy or openai/gpt-4o-mini "
             "directly (README.md, \"Reaching a model\")", p->name);
    return e->code = HOST_E_USAGE;
}

/* Load every provider, then run the prompt and/or the interactive loop. */
static int run(cli *c, agent *a, prov_slot *slots)
{
    agent_error e = {0};
    /* A session that could not be saved is found now, not after a model
     * call has spent tokens. */
    json_object *loaded = NULL;
    if (c->session &&
        (session_check_path(c->session, e.message, sizeof e.message) ||
         session_load(c->session, &loaded, e.message, sizeof e.message))) {
        e.code = HOST_E_IO;
        return report(&e);
    }
    for (size_t i = 0; i < c->n_providers; i++) {
        cli_provider *p = &c->providers[i];
        prov_init(&slots[i], p->name, p->path, p->config, p->client_args);
        e.code = prov_open(&slots[i], a->host, e.message, sizeof e.message);
        if (!e.code) {
            a->n_slots++;
            if (check_model(p, &slots[i], &e))
                e.code = HOST_E_USAGE;
        }
        if (e.code) {
            json_object_put(loaded);
            return report(&e) + (e.code == HOST_E_USAGE); /* usage: status 2 */
        }
    }
    if (loaded) {
        /* A session written by hand or by another tool may hold assistant
         * messages Strands' caller would normalise (reference-behaviour 1).
         * Normalised once here, the conversation stays so: every message
         * the loop adds afterwards is normalised as it is assembled. */
        conv_normalize(loaded);
        json_object_put(a->conv);
        a->conv = loaded;
    }
    if (c->events && !(a->events = fopen(c->events, "w"))) {
        snprintf(e.message, sizeof e.message, "--events %s: cannot open: %s",
                 c->events, strerror(errno));
        e.code = HOST_E_IO;
        return report(&e);
    }
    int failed = 0;
    if (c->structured && c->prompt) {
        failed = agent_structured(a, c->prompt, c->structured, &e) ? report(&e) : 0;
    } else if (c->prompt) {
        json_object *final = NULL;
        if (agent_ask(a, c->prompt, &final, &e))
            failed = report(&e);
        else if (c->json)
            repl_print_json(a, final);
    }
    if (c->interactive)
        failed |= repl_run(a, 0, c->json);
    if (a->events && (fclose(a->events) != 0 || a->events_errno)) {
        fprintf(stderr, "agent-host: %s: --events %s: write failed: %s\n",
                host_errname(HOST_E_IO), c->events,
                strerror(a->events_errno ? a->events_errno : errno));
        failed = 1;
    }
    a->events = NULL;
    return failed;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc, argv);
    cli c;
    char why[1024];
    int rc = cli_parse(&c, argc - 1, argv + 1, why, sizeof why);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "agent-host: %s: %s\n", host_errname(HOST_E_USAGE), why);
        cli_free(&c);
        return rc < 0 ? 2 : 0;
    }
    mp_host_v1 host = {sizeof host, NULL, log_stderr};
    prov_slot slots[CLI_MAX_PROVIDERS];
    agent a = {
        .slots = slots, .host = &host, .system_prompt = c.system,
        .session_path = c.session, .echo_text = !c.json, .quiet = c.quiet,
        .max_turns = c.max_turns, .max_retries = 5, .swaps = c.swaps,
        .n_swaps = c.n_swaps, .reload_requested = &reload_requested,
    };
    if (tools_select(&a.tools, c.tools, why, sizeof why)) {
        fprintf(stderr, "agent-host: %s: %s\n", host_errname(HOST_E_USAGE), why);
        cli_free(&c);
        return 2;
    }
    a.specs = tools_specs(&a.tools);
    a.conv = json_object_new_array();

    /* SA_RESTART: a SIGHUP that lands while stdout is a full pipe must not
     * fail that write with EINTR (stdio would drop the output and the run
     * would end with HOST_E_IO).  Nothing waits on a restartable call to
     * see the flag: the REPL waits in poll() with a timeout, which a
     * signal interrupts anyway (poll is never restarted), and the loop
     * looks at the flag before every model call. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sighup;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);

    int failed = run(&c, &a, slots);
    for (size_t i = 0; i < a.n_slots; i++) {
        int closed = prov_close(&slots[i], why, sizeof why);
        if (closed) {
            fprintf(stderr, "agent-host: %s: unloading %s: %s\n",
                    host_errname(closed), slots[i].name, why);
            failed = 1;
        }
    }
    /* The answer went to stdout: failing to write it (a full disk) is an
     * error too, not a silent success. */
    int flushed = fflush(stdout);
    if (flushed != 0 || ferror(stdout)) {
        int err = a.stdout_errno ? a.stdout_errno : flushed ? errno : EIO;
        fprintf(stderr, "agent-host: %s: cannot write the output to stdout: %s\n",
                host_errname(HOST_E_IO), strerror(err));
        failed = 1;
    }
    json_object_put(a.conv);
    json_object_put(a.specs);
    cli_free(&c);
    return failed;
}
