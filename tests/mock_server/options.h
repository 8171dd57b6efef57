/* options.h - command line of build/mock-server. */
#ifndef MOCK_OPTIONS_H
#define MOCK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct server;

struct options {
    int port;                  /* 0: let the kernel pick */
    const char *port_file;
    const char *record;
};

/* Parse argv into opt and srv (scenarios are loaded as they are named, so
 * load order is command-line order, a directory's files sorted by name).
 * Returns 0, 1 after --help, or 2 after printing a usage error. */
int options_parse(int argc, char **argv, struct options *opt,
                  struct server *srv);

#endif
