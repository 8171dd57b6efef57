/*
 * an_emit.c - the two kinds of content ABI 1.0 had no delta for: redacted
 * thinking (MP_DELTA_REDACTED_REASONING) and citations (MP_DELTA_CITATION),
 * both of ABI 1.1.  The adapter always emits them; the emitter hands a
 * host that negotiated 1.0 neither (it leaves the redacted block out whole
 * and drops citations, with a warning each: MP_PLUGIN_14).
 */
#include "an_mapper.h"

#include <json-c/json.h>

int an_emit_redacted(an_mapper *m, int64_t index, const char *data,
                     size_t len)
{
    if (an_open_block(m, index, AO_REDACTED, NULL, 0, NULL, 0))
        return m->status;
    /* The bytes are the UTF-8 of `data`, so it goes back exactly. */
    return an_emitted(m, ev_block_delta(m->em, MP_DELTA_REDACTED_REASONING,
                                        data, len));
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
    if (!an_utf8(m, json.data, json.len, "citation"))
        an_emitted(m, ev_block_delta(m->em, MP_DELTA_CITATION, json.data,
                                     json.len));
    sb_free(&json);
    return m->status;
}
