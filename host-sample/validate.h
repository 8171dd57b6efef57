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

/* The same with a "slow" config: one whose stream goes on until it is
 * cancelled from another thread (the checker cancels it 100 ms after its
 * first event, and waits up to 30 s for that event).  Without --config the
 * built-in profile uses {"model_id":"validate-slow"}; with a config of
 * the caller's own and no slow config, the cancel-from-another-thread
 * check is skipped.  The LiteLLM-specific checks (params merge, model_id
 * type) run only in the built-in profile; every other check uses the
 * given configs, so any provider can be validated.  A provider that
 * refuses the config gets one FAIL line ("profile.create") saying to pass
 * --config, and the checks that need an instance are not run. */
int validate_plugin_ex(const char *path, const char *config_json,
                       const char *slow_config_json,
                       const char *client_args_json);

#endif
