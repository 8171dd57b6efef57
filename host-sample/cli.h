/*
 * cli.h - the agent-host command line (everything but `validate`).
 */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "agent.h"

#define CLI_MAX_PROVIDERS 16
#define CLI_MAX_SWAPS 16

typedef struct cli_provider {
    char *name;        /* NAME of --provider NAME=PATH, or the file's stem */
    char *path;
    char *config;      /* JSON text (from --config), or NULL */
    char *client_args; /* JSON text (from --client-args), or NULL */
} cli_provider;

typedef struct cli {
    cli_provider providers[CLI_MAX_PROVIDERS];
    size_t n_providers;
    agent_swap swaps[CLI_MAX_SWAPS];
    size_t n_swaps;
    const char *prompt;     /* NULL with -i only                       */
    const char *system;     /* --system                                */
    const char *tools;      /* --tools, NULL = all                     */
    const char *session;    /* --session                               */
    const char *events;     /* --events                                */
    const char *structured; /* --structured                            */
    int json, interactive, quiet, max_turns;
} cli;

/* The usage text (for --help and usage errors). */
void cli_usage(FILE *out);

/* Parse argv (without the program name).  Returns 0, 1 when --help was
 * printed, or -1 with a message in `why`.  Reads @FILE arguments. */
int cli_parse(cli *c, int argc, char **argv, char *why, size_t len);

void cli_free(cli *c);

#endif
