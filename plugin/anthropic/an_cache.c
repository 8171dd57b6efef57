/*
 * an_cache.c - prompt caching as configured: cache_config and the older
 * cache_tools, resolved as Strands' AnthropicModel resolves them (spec
 * 2.4-2.5; cases 64-138).  The config was validated by core/config.c;
 * where the points land is an_messages.c's and an_body.c's business.
 */
#include <string.h>

#include "an_request.h"

/* A non-empty string value, else NULL (an empty ttl means none). */
static const char *ttl_text(json_object *v)
{
    if (!json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return NULL;
    return json_object_get_string(v);
}

static int is_false(json_object *v)
{
    return json_object_is_type(v, json_type_boolean) &&
           !json_object_get_boolean(v);
}

/* Whether the deprecated cache_tools is set at all (Python truthiness:
 * a non-empty string or any CacheToolsConfig object). */
static int cache_tools_on(json_object *v)
{
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string_len(v) > 0;
    return json_object_is_type(v, json_type_object);
}

void an_cache_resolve(const lp_config *cfg, an_cache *out)
{
    memset(out, 0, sizeof *out);
    json_object *cc = rq_get(cfg->config, "cache_config");
    json_object *ct = rq_get(cfg->config, "cache_tools");
    int have = json_object_is_type(cc, json_type_object);
    int known = 0;
    if (have) {
        const char *s = rq_str(cc, "strategy", NULL);
        out->strategy = s ? s : "auto";
        known = strcmp(out->strategy, "auto") == 0 ||
                strcmp(out->strategy, "anthropic") == 0;
        out->managed = known;
        out->unknown_strategy = !known;
        if (known) {
            out->ttl = ttl_text(rq_get(cc, "ttl"));
            json_object *sp = rq_get(cc, "system_prompt_ttl");
            out->system_auto = !is_false(sp);
            out->system_ttl = json_object_is_type(sp, json_type_string)
                                  ? ttl_text(sp) : out->ttl;
        }
    }
    /* The tools: cache_config.tools_ttl when set, else cache_tools. */
    json_object *tt = have ? rq_get(cc, "tools_ttl") : NULL;
    if (tt) {
        out->tools = known && !is_false(tt);
        if (out->tools)
            out->tools_ttl = json_object_is_type(tt, json_type_string)
                                 ? ttl_text(tt) : out->ttl;
        return;
    }
    if (!cache_tools_on(ct))
        return;
    out->tools = 1;
    out->tools_ttl = json_object_is_type(ct, json_type_object)
                         ? ttl_text(rq_get(ct, "ttl")) : NULL;
    if (!out->tools_ttl && known)
        out->tools_ttl = out->ttl;
}
