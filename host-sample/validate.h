/*
 * validate.h - `agent-host validate PATH.so`: a conformance checker any
 * provider author can run against their plugin.
 */
#ifndef HOST_VALIDATE_H
#define HOST_VALIDATE_H

/* config_json / client_args_json may be NULL: then a config aimed at the
 * built-in loopback server is used ({"model_id":...} plus api_base/api_key
 * client args).  Prints one line per check; returns the number of failed
 * checks (0 = conformant). */
int validate_plugin(const char *path, const char *config_json,
                    const char *client_args_json);

#endif
