/*
 * config_native.c - the model config keys that Strands' native providers
 * have and the plugin's direct routes use (anthropic-wire 2.4-2.5; the
 * cache_config they share with the proxy path is config.c's):
 *
 *   cache_tools      "default" or {"type": ..., "ttl": ...} (deprecated)
 *   anthropic_tools  [server tool, ...] (web_search, code_execution, ...)
 *
 * Checked here, when the config is set, so a typo fails at once with the
 * key's name; read where a request is built.  A route whose API has no
 * such feature ignores them.
 */
#include <string.h>

#include "config.h"
#include "errors.h"
#include "json_util.h"

static int wrong(mp_error *err, const char *path, const char *want,
                 json_object *got)
{
    return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.%s: expected %s, got "
                   "%s", path, want, lp_json_type_name(got));
}

static int is(json_object *v, json_type t)
{
    return json_object_is_type(v, t);
}

static int check_cache_tools(json_object *ct, const lp_logger *log,
                             mp_error *err)
{
    if (!ct)
        return MP_OK;
    if (!is(ct, json_type_string) && !is(ct, json_type_object))
        return wrong(err, "cache_tools", "string, object or null", ct);
    json_object *ttl;
    if (is(ct, json_type_object) && json_object_object_get_ex(ct, "ttl", &ttl)
        && ttl && !is(ttl, json_type_string))
        return wrong(err, "cache_tools.ttl", "string or null", ttl);
    lp_log(log, MP_LOG_WARN, "cache_tools is deprecated. Use CacheConfig"
           "(tools_ttl=...) instead: config.cache_config.tools_ttl");
    return MP_OK;
}

static int check_server_tools(json_object *tools, mp_error *err)
{
    if (!tools)
        return MP_OK;
    if (!is(tools, json_type_array))
        return wrong(err, "anthropic_tools", "list of server tools", tools);
    size_t n = json_object_array_length(tools);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(tools, i);
        char path[64];
        lp_format(path, sizeof path, "anthropic_tools[%zu]", i);
        if (!is(t, json_type_object))
            return wrong(err, path, "object", t);
        if (json_object_object_get_ex(t, "input_schema", NULL))
            return lp_fail(err, MP_E_INVALID_ARGUMENT, "config.%s: "
                           "anthropic_tools should not contain function tool "
                           "definitions (this one has an input_schema). Pass "
                           "function tools as the request's tool_specs; "
                           "anthropic_tools is for Anthropic's server-side "
                           "tools such as web_search, web_fetch and "
                           "code_execution.", path);
    }
    return MP_OK;
}

int lp_config_check_native(json_object *doc, const lp_logger *log,
                           mp_error *err)
{
    json_object *v;
    int rc = MP_OK;
    if (json_object_object_get_ex(doc, "cache_tools", &v))
        rc = check_cache_tools(v, log, err);
    if (!rc && json_object_object_get_ex(doc, "anthropic_tools", &v))
        rc = check_server_tools(v, err);
    return rc;
}
