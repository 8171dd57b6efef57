/*
 * main.c - the sample host's command line.
 *
 *   agent-host validate PATH.so [--config JSON] [--client-args JSON]
 *   agent-host [--provider [NAME=]PATH.so] [--config [NAME=]JSON|@FILE]
 *              [--client-args [NAME=]JSON|@FILE] PROMPT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/model_provider.h"
#include "json_arg.h"
#include "provider_loader.h"
#include "validate.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: agent-host validate PATH.so [--config JSON] [--client-args JSON]\n"
        "       agent-host [--provider [NAME=]PATH.so] [--config [NAME=]JSON|@FILE]\n"
        "                  [--client-args [NAME=]JSON|@FILE] PROMPT\n");
}

static void log_stderr(void *ctx, int level, const char *msg)
{
    (void)ctx;
    const char *tag = level >= MP_LOG_ERROR ? "error" : level >= MP_LOG_WARN ? "warning" : "info";
    if (level >= MP_LOG_INFO)
        fprintf(stderr, "[provider %s] %s\n", tag, msg);
}

static int print_event(void *ctx, const mp_event_header *ev)
{
    (void)ctx;
    if (ev->type == MP_EVENT_BLOCK_DELTA) {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind == MP_DELTA_TEXT)
            fwrite(d->text.ptr, 1, d->text.len, stdout);
        fflush(stdout);
    }
    return 0;
}

static int cmd_validate(int argc, char **argv)
{
    const char *cfg = NULL, *client = NULL;
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--config") == 0)
            cfg = argv[i + 1];
        else if (strcmp(argv[i], "--client-args") == 0)
            client = argv[i + 1];
        else {
            fprintf(stderr, "agent-host validate: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    return validate_plugin(argv[2], cfg, client) ? 1 : 0;
}

/* Strip an optional "NAME=" prefix when NAME is a plain word. */
static const char *after_name(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || arg[0] == '{' || arg[0] == '@')
        return arg;
    for (const char *p = arg; p < eq; p++)
        if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') ||
              ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
            return arg;
    return eq + 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc, argv);
    const char *provider = "build/litellm_provider.so", *cfg_arg = NULL,
               *client_arg = NULL, *prompt = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (i + 1 < argc && strcmp(argv[i], "--provider") == 0) {
            provider = after_name(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
            cfg_arg = after_name(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--client-args") == 0) {
            client_arg = after_name(argv[++i]);
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "agent-host: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            prompt = argv[i];
        }
    }
    if (!prompt) {
        usage(stderr);
        return 2;
    }
    char *cfg = cfg_arg ? json_arg_load(cfg_arg) : NULL;
    char *client = client_arg ? json_arg_load(client_arg) : NULL;
    if ((cfg_arg && !cfg) || (client_arg && !client))
        return 2;
    mp_host_v1 host = {sizeof host, NULL, log_stderr};
    char why[1024];
    hp_module *m = NULL;
    int rc = hp_module_load(provider, MP_ABI_MINOR, &host, &m, why, sizeof why);
    if (rc) {
        fprintf(stderr, "agent-host: %s\n", why);
        return 1;
    }
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = NULL;
    rc = m->desc->create(cfg, client, &inst, &err);
    if (!rc) {
        char *req = NULL;
        /* The prompt is embedded as a JSON string by the provider-neutral
         * way: build it with minimal escaping. */
        size_t n = strlen(prompt);
        char *esc = malloc(n * 6 + 1), *o = esc;
        for (size_t i = 0; esc && i < n; i++) {
            unsigned char ch = (unsigned char)prompt[i];
            if (ch == '"' || ch == '\\') { *o++ = '\\'; *o++ = (char)ch; }
            else if (ch < 0x20) o += sprintf(o, "\\u%04x", ch);
            else *o++ = (char)ch;
        }
        if (esc)
            *o = '\0';
        if (esc && asprintf(&req, "{\"messages\":[{\"role\":\"user\",\"content\":"
                            "[{\"text\":\"%s\"}]}]}", esc) > 0) {
            mp_event_sink sink = {sizeof sink, NULL, print_event};
            hp_call_begin(m);
            rc = m->desc->stream(inst, req, strlen(req), &sink, &err);
            hp_call_end(m);
            printf("\n");
        }
        free(esc);
        free(req);
        m->desc->destroy(inst);
    }
    if (rc)
        fprintf(stderr, "agent-host: %s: %s\n", mp_errname(rc), err.message);
    hp_module_unload(&m, why, sizeof why);
    free(cfg);
    free(client);
    return rc ? 1 : 0;
}
