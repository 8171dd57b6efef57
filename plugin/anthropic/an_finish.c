/*
 * an_finish.c - how a Messages API answer ends (spec 3.5-3.6, 3.7, 0):
 * usage, the stop reason, the one metadata event, and pause_turn's
 * continuation requests.
 */
#include "an_mapper.h"
#include "../core/json_util.h"

#include <json-c/json.h>
#include <string.h>

#include "../core/errors.h"
#include "../core/json_writer.h"

/* [L]'s bound on resuming a paused server-side tool turn. */
#define AN_MAX_CONTINUATIONS 10

static void take(json_object *usage, const char *key, int64_t *field)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(usage, key, &v) &&
        json_object_is_type(v, json_type_int))
        *field = json_object_get_int64(v);
}

/* message_start's usage, then message_delta's cumulative one: a field
 * that is present replaces the one known (SDK accumulate_event). */
void an_read_usage(an_mapper *m, json_object *usage)
{
    if (!json_object_is_type(usage, json_type_object))
        return;
    m->usage_seen = 1;
    take(usage, "input_tokens", &m->in);
    take(usage, "output_tokens", &m->out);
    take(usage, "cache_read_input_tokens", &m->cache_read);
    take(usage, "cache_creation_input_tokens", &m->cache_write);
}

int an_stop_reason(const char *raw, int *known)
{
    static const struct {
        const char *wire;
        int stop;
    } table[] = {
        {"end_turn", MP_STOP_END_TURN},
        {"tool_use", MP_STOP_TOOL_USE},
        {"max_tokens", MP_STOP_MAX_TOKENS},
        {"stop_sequence", MP_STOP_STOP_SEQUENCE},
        /* Decision 9's reading of a refusal. */
        {"refusal", MP_STOP_CONTENT_FILTERED},
        /* The output was cut because the window is full. */
        {"model_context_window_exceeded", MP_STOP_MAX_TOKENS},
    };
    *known = 1;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(raw, table[i].wire) == 0)
            return table[i].stop;
    *known = 0;
    return MP_STOP_END_TURN;
}

int an_end_response(an_mapper *m)
{
    if (m->open != AO_NONE) {
        an_raw_stop(m);
        if (an_close_block(m))
            return m->status;
    }
    if (strcmp(m->stop, "pause_turn") == 0) {
        m->paused = 1; /* an_mapper_next_request decides what follows */
        return MP_OK;
    }
    int known;
    int stop = an_stop_reason(m->stop, &known);
    if (!known)
        lp_log(m->opt.log, MP_LOG_WARN, "stop_reason=<%s> | not known to "
               "this plugin, reported as end_turn", m->stop);
    m->finished = 1;
    return an_emitted(m, ev_message_stop(m->em, stop, m->stop,
                                         strlen(m->stop)));
}

static int64_t known(int64_t v)
{
    return v > 0 ? v : 0;
}

int an_emit_metadata(an_mapper *m)
{
    if (m->status)
        return m->status;
    int64_t in = m->sum_in + known(m->in);
    int64_t out = m->sum_out + known(m->out);
    int64_t cr = m->sum_cache_read + known(m->cache_read);
    int64_t cw = m->sum_cache_write + known(m->cache_write);
    mp_event_metadata md;
    memset(&md, 0, sizeof md);
    /* Section 0: inputTokens is the whole prompt, cached parts included,
     * as on every route of the plugin. */
    md.input_tokens = in + cr + cw;
    md.output_tokens = out;
    md.total_tokens = md.input_tokens + out;
    md.cache_read_input_tokens = cr > 0 ? cr : -1;
    md.cache_write_input_tokens = cw > 0 ? cw : -1;
    if (!m->usage_seen)
        md.input_tokens = md.output_tokens = md.total_tokens = -1;
    md.latency_ms = m->latency_ms;
    md.time_to_first_byte_ms = m->ttfb_ms;
    /* The Messages API reports no cost, and no thinking-token count apart
     * from output_tokens. */
    md.cost_usd = -1;
    md.reasoning_output_tokens = -1;
    return an_emitted(m, ev_metadata(m->em, &md));
}

/* ------------------------------------------------------- pause_turn */

#define RESUME_WHAT "the request that resumes a paused server-side tool turn"

/* The request again, with the paused content as an assistant message.
 * The body is read back as the host's input was read (lp_json_parse): the
 * same depth limit (a schema nested deeper than json-c's default 32 was
 * accepted in the first request) and integers wider than 64 bits kept
 * digit for digit (json-c alone would send 2^64-1 instead). */
static int continue_body(an_mapper *m, strbuf *body, mp_error *err)
{
    json_object *root = NULL;
    mp_error why = MP_ERROR_INIT;
    int rc = lp_json_parse(body->data, body->len, "the request body", &root,
                           &why);
    if (rc == MP_E_NO_MEMORY)
        return lp_fail(err, rc, "out of memory building " RESUME_WHAT);
    /* This plugin wrote the body: failing to read it back is a bug. */
    if (rc)
        return lp_fail(err, MP_E_INTERNAL, "could not build " RESUME_WHAT
                       ": the plugin's own request body did not read back "
                       "(%s); please report this", why.message);
    json_object *messages = NULL;
    if (!json_object_object_get_ex(root, "messages", &messages) ||
        !json_object_is_type(messages, json_type_array)) {
        json_object_put(root);
        return lp_fail(err, MP_E_INTERNAL, "could not build " RESUME_WHAT
                       ": the plugin's own request body has no \"messages\" "
                       "array; please report this");
    }
    /* json-c keeps no value it failed to add: each is put here then. */
    json_object *msg = json_object_new_object();
    json_object *role = json_object_new_string("assistant");
    json_object *content = json_object_get(m->raw);
    rc = msg && role && content ? MP_OK : MP_E_NO_MEMORY;
    if (!rc && !json_object_object_add(msg, "role", role))
        role = NULL;
    if (!rc && !role && !json_object_object_add(msg, "content", content))
        content = NULL;
    if (!rc && !content && !json_object_array_add(messages, msg))
        msg = NULL;
    if (!rc && (role || content || msg))
        rc = MP_E_NO_MEMORY;
    if (!rc) {
        sb_reset(body);
        rc = jw_to_string(root, body);
    }
    json_object_put(role);
    json_object_put(content);
    json_object_put(msg);
    json_object_put(root);
    if (rc == MP_E_NO_MEMORY)
        return lp_fail(err, rc, "out of memory building " RESUME_WHAT);
    if (rc)
        return lp_fail(err, MP_E_INTERNAL, "could not build " RESUME_WHAT
                       ": writing it failed (%s); please report this",
                       lp_errname(rc));
    return MP_OK;
}

/* Ready for the next response of the same turn. */
static void next_response(an_mapper *m)
{
    m->sum_in += known(m->in);
    m->sum_out += known(m->out);
    m->sum_cache_read += known(m->cache_read);
    m->sum_cache_write += known(m->cache_write);
    m->in = m->out = m->cache_read = m->cache_write = -1;
    m->msg_started = m->stopped = m->have_stop = m->paused = 0;
    m->stop[0] = '\0';
    m->open = AO_NONE;
    m->open_index = -1;
    m->bytes = 0;
    sse_free(&m->sse);
    sse_init(&m->sse, m->opt.max_line, m->sse.fn, m);
    an_raw_reset(m);
}

int an_mapper_next_request(an_mapper *m, strbuf *body, mp_error *err)
{
    m->err = err;
    if (m->status || !m->paused)
        return m->status;
    if (m->continuations >= AN_MAX_CONTINUATIONS)
        return m->status = lp_fail(err, MP_E_SERVER, "server-side tool turn "
                                   "did not complete after %d continuations "
                                   "(Anthropic answered pause_turn each "
                                   "time)", m->continuations);
    if (m->raw_lost) {
        /* The paused content was too big to keep: it cannot be sent
         * back, so the turn ends here (as Strands without a snapshot). */
        lp_log(m->opt.log, MP_LOG_WARN, "continuations=<%d> | paused "
               "server-side tool turn not resumed, ending turn (its content "
               "exceeds max_response_bytes)", m->continuations);
        m->paused = 0;
        m->finished = 1;
        if (an_emitted(m, ev_message_stop(m->em, MP_STOP_END_TURN,
                                          "pause_turn", 10)))
            return m->status;
        return an_emit_metadata(m);
    }
    int rc = continue_body(m, body, err);
    if (rc)
        return m->status = rc;
    m->continuations++;
    lp_log(m->opt.log, MP_LOG_DEBUG, "continuation=<%d> | resuming paused "
           "server-side tool turn", m->continuations);
    next_response(m);
    return 1;
}
