/*
 * an_emit.c - the two kinds of content ABI 1.0 has no delta for: redacted
 * thinking and citations.  ABI 1.1 defines MP_DELTA_REDACTED_REASONING
 * and MP_DELTA_CITATION (and hands a host that negotiated 1.0 neither:
 * the emitter leaves such a block out, MP_PLUGIN_14).  This file is the
 * one place that knows which ABI this build has, so switching is here
 * alone.
 */
#include "an_mapper.h"

#include <json-c/json.h>

#include "../core/utf8.h"

int an_emit_redacted(an_mapper *m, int64_t index, const char *data,
                     size_t len)
{
#if MP_ABI_MINOR >= 1
    if (an_open_block(m, index, AO_REDACTED, NULL, 0, NULL, 0))
        return m->status;
    /* The bytes are the UTF-8 of `data`, so it goes back exactly. */
    return an_emitted(m, ev_block_delta(m->em, MP_DELTA_REDACTED_REASONING,
                                        data, len));
#else
    (void)data;
    (void)len;
    lp_log(m->opt.log, MP_LOG_WARN, "a redacted_thinking block (index %lld) "
           "was left out: ABI 1.0 has no delta kind for it, so it cannot be "
           "sent back on the next turn", (long long)index);
    return an_open_block(m, index, AO_SKIP, NULL, 0, NULL, 0);
#endif
}

int an_emit_citation(an_mapper *m, json_object *citation)
{
    strbuf json;
    sb_init(&json, m->opt.max_line);
    int rc = an_citation_json(citation, m->opt.log, &json);
    if (rc) {
        sb_free(&json);
        return an_emitted(m, rc);
    }
    if (an_utf8(m, json.data, json.len, "citation")) {
        sb_free(&json);
        return m->status;
    }
#if MP_ABI_MINOR >= 1
    rc = an_emitted(m, ev_block_delta(m->em, MP_DELTA_CITATION, json.data,
                                      json.len));
#else
    if (!m->citation_warned)
        lp_log(m->opt.log, MP_LOG_WARN, "citations were left out: ABI 1.0 "
               "has no delta kind for them (the cited text still arrives as "
               "text)");
    m->citation_warned = 1;
    rc = MP_OK;
#endif
    sb_free(&json);
    return rc;
}
