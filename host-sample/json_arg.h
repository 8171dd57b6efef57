/* json_arg.h - command-line JSON values: inline text or @FILE. */
#ifndef HOST_JSON_ARG_H
#define HOST_JSON_ARG_H

/* Returns a malloc'd copy of the JSON text: `arg` itself, or the contents
 * of FILE when arg is "@FILE".  NULL (with a message on stderr) when the
 * file cannot be read. */
char *json_arg_load(const char *arg);

/* Read a whole file into a malloc'd NUL-terminated buffer; NULL on error
 * (errno set).  *len_out may be NULL. */
char *read_whole_file(const char *path, size_t *len_out);

#endif
