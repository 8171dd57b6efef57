/* structured_reply.c - collecting and judging a structured-output answer;
 * see structured_reply.h. */
#include "structured_reply.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/error_classify.h"
#include "../core/errors.h"
#include "../core/json_util.h"
#include "../core/json_writer.h"
#include "schema_validate.h"
#include "../core/utf8.h"

/* Keep the first buffer failure; the mapper must not see it as a cancel. */
static void keep(so_reply *r, int rc)
{
    if (rc && !r->status)
        r->status = rc;
}

static int on_event(void *ctx, const mp_event_header *ev)
{
    so_reply *r = ctx;
    switch (ev->type) {
    case MP_EVENT_BLOCK_START: {
        const mp_event_block_start *b = (const mp_event_block_start *)ev;
        r->open_kind = (int)b->kind;
        r->in_first_tool = 0;
        if (b->kind == MP_BLOCK_TOOL_USE && r->tools++ == 0) {
            r->in_first_tool = 1;
            if (b->tool_name.ptr)
                keep(r, sb_append(&r->tool_name, b->tool_name.ptr,
                                  b->tool_name.len));
        }
        break;
    }
    case MP_EVENT_BLOCK_DELTA: {
        const mp_event_block_delta *d = (const mp_event_block_delta *)ev;
        if (d->kind == MP_DELTA_TEXT && d->text.ptr)
            keep(r, sb_append(&r->text, d->text.ptr, d->text.len));
        else if (d->kind == MP_DELTA_TOOL_INPUT && r->in_first_tool &&
                 d->text.ptr)
            keep(r, sb_append(&r->tool_input, d->text.ptr, d->text.len));
        break;
    }
    case MP_EVENT_BLOCK_STOP:
        r->open_kind = 0;
        r->in_first_tool = 0;
        break;
    case MP_EVENT_MESSAGE_STOP: {
        const mp_event_message_stop *s = (const mp_event_message_stop *)ev;
        sb_reset(&r->finish);
        if (s->raw_finish_reason.ptr)
            keep(r, sb_append(&r->finish, s->raw_finish_reason.ptr,
                              s->raw_finish_reason.len));
        break;
    }
    case MP_EVENT_METADATA: {
        const mp_event_metadata *m = (const mp_event_metadata *)ev;
        r->in_tokens = m->input_tokens;
        r->out_tokens = m->output_tokens;
        break;
    }
    default:
        break; /* message start: nothing to keep */
    }
    return 0;
}

void so_reply_init(so_reply *r, size_t max)
{
    memset(r, 0, sizeof *r);
    r->sink.struct_size = sizeof r->sink;
    r->sink.ctx = r;
    r->sink.on_event = on_event;
    r->in_tokens = r->out_tokens = -1;
    sb_init(&r->text, max);
    sb_init(&r->tool_name, max);
    sb_init(&r->tool_input, max);
    sb_init(&r->finish, 4096);
}

void so_reply_free(so_reply *r)
{
    sb_free(&r->text);
    sb_free(&r->tool_name);
    sb_free(&r->tool_input);
    sb_free(&r->finish);
}

void so_reply_reset(so_reply *r)
{
    sb_reset(&r->text);
    sb_reset(&r->tool_name);
    sb_reset(&r->tool_input);
    sb_reset(&r->finish);
    r->tools = r->open_kind = r->in_first_tool = r->status = 0;
    r->in_tokens = r->out_tokens = -1;
}



/* MP_E_VALIDATION "<head><lead><raw, cut to fit>": the whole head is kept
 * and the raw answer gets what room is left, cut on a character
 * boundary. */
static int fail_with_raw(mp_error *err, const char *const *secrets,
                         const char *lead, const char *raw, size_t raw_len,
                         const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* MP_E_VALIDATION: what was wrong, then the model's raw answer, cut to fit.
 * What the model returned comes from the server, which may echo the
 * request's key into it: the whole text is scrubbed before it is cut, so
 * no part of a secret survives. */
static int fail_with_raw(mp_error *err, const char *const *secrets,
                         const char *lead, const char *raw, size_t raw_len,
                         const char *fmt, ...)
{
    char head[1400];
    va_list ap;
    va_start(ap, fmt);
    lp_vformat(head, sizeof head, fmt, ap);
    va_end(ap);
    strbuf all, clean;
    size_t max = raw_len + sizeof head + 256;
    sb_init(&all, max);
    sb_init(&clean, 4 * max);
    int rc = sb_appends(&all, head);
    if (!rc)
        rc = sb_appends(&all, lead);
    if (!rc)
        rc = raw_len ? sb_append(&all, raw, raw_len)
                     : sb_appends(&all, "(nothing)");
    if (!rc)
        rc = ec_scrub(all.data, all.len, secrets, &clean);
    sb_free(&all);
    if (rc) {
        sb_free(&clean);
        return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of "
                       "memory describing an invalid answer");
    }
    size_t cap = lp_error_message_room(err);
    if (clean.len < cap || cap == 0) {
        lp_fail(err, MP_E_VALIDATION, "%s", clean.data);
    } else {
        char tail[64];
        snprintf(tail, sizeof tail, "... (%zu bytes in all)", raw_len);
        size_t keep = cap - 1 > strlen(tail) ? cap - 1 - strlen(tail) : 0;
        keep = lp_utf8_whole(clean.data, keep);
        lp_fail(err, MP_E_VALIDATION, "%.*s%s", (int)keep, clean.data, tail);
    }
    sb_free(&clean);
    return MP_E_VALIDATION;
}

static int nonblank(const strbuf *sb)
{
    for (size_t i = 0; i < sb->len; i++)
        if (sb->data[i] != ' ' && sb->data[i] != '\n' && sb->data[i] != '\r' &&
            sb->data[i] != '\t')
            return 1;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Some models wrap the object in a Markdown code block even when asked for
 * bare JSON.  When the whole answer (blanks around it aside) is one block
 * fenced by ``` lines whose opening line says nothing or "json", the part
 * inside is the answer; anything else is left as it is, for the parser to
 * judge.  Safe because what comes out is validated against the schema all
 * the same.  Returns 1 when a fence was taken off. */
static int strip_fence(const char *s, size_t n, const char **in, size_t *in_len)
{
    *in = s;
    *in_len = n;
    size_t a = 0, b = n;
    while (a < b && is_space(s[a]))
        a++;
    while (b > a && is_space(s[b - 1]))
        b--;
    if (b - a < 7 || memcmp(s + a, "```", 3) != 0 ||
        memcmp(s + b - 3, "```", 3) != 0)
        return 0;
    /* The opening line: ``` then an optional "json" tag, then a newline. */
    size_t p = a + 3, eol = p;
    while (eol < b && s[eol] != '\n')
        eol++;
    size_t t0 = p, t1 = eol;
    while (t0 < t1 && (s[t0] == ' ' || s[t0] == '\t'))
        t0++;
    while (t1 > t0 && is_space(s[t1 - 1]))
        t1--;
    if (eol >= b - 3 ||
        !(t1 == t0 || (t1 - t0 == 4 && strncasecmp(s + t0, "json", 4) == 0)))
        return 0;
    /* The closing ``` starts a line of its own. */
    size_t q = b - 3;
    while (q > eol && (s[q - 1] == ' ' || s[q - 1] == '\t'))
        q--;
    if (s[q - 1] != '\n')
        return 0;
    /* One block only: no other fence inside. */
    for (size_t i = eol + 1; i + 3 <= q; i++)
        if (memcmp(s + i, "```", 3) == 0)
            return 0;
    *in = s + eol + 1;
    *in_len = q - (eol + 1);
    return 1;
}

/* A hint about why an answer may be broken, from the finish reason. */
static const char *finish_note(const so_reply *r)
{
    if (r->finish.len && strcmp(r->finish.data, "length") == 0)
        return " (finish_reason \"length\": the answer was cut off by the "
               "token limit)";
    if (r->finish.len && strcmp(r->finish.data, "content_filter") == 0)
        return " (finish_reason \"content_filter\")";
    return "";
}

int so_reply_result(so_reply *r, int path, json_object *schema, strbuf *out,
                    mp_error *err)
{
    if (r->status == MP_E_NO_MEMORY)
        return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of memory "
                       "reading the answer");
    if (r->status)
        return lp_fail(err, MP_E_PROTOCOL, "structured output: the answer "
                       "exceeds max_response_bytes");
    /* Which part of the message is the answer. */
    int use_tool = r->tools > 0 && (path == SO_PATH_TOOL || !nonblank(&r->text));
    if (!use_tool && !nonblank(&r->text))
        return lp_fail(err, MP_E_VALIDATION, "structured output: the model "
                       "returned neither a tool call nor any text%s",
                       finish_note(r));
    const strbuf *raw = use_tool ? &r->tool_input : &r->text;
    char lead[200];
    if (use_tool) {
        /* Scrubbed whole before it is cut to 64 bytes (see fail_with_raw). */
        strbuf name;
        sb_init(&name, 4 * r->tool_name.len + 64);
        if (ec_scrub(r->tool_name.len ? r->tool_name.data : "",
                     r->tool_name.len, r->secrets, &name)) {
            sb_free(&name);
            return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of "
                           "memory");
        }
        snprintf(lead, sizeof lead, "; the model returned in tool call "
                 "\"%.*s\": ", lp_utf8_prec(name.data, 64),
                 name.data ? name.data : "");
        sb_free(&name);
    } else
        snprintf(lead, sizeof lead, "; the model returned as text: ");

    json_object *v = NULL;
    mp_error pe = MP_ERROR_INIT;
    const char *json;
    size_t json_len;
    int fenced = strip_fence(raw->data ? raw->data : "", raw->len, &json,
                             &json_len);
    int rc = lp_json_parse(json, json_len, fenced
                           ? "structured output (inside its ``` fence) is not "
                             "valid JSON"
                           : "structured output is not valid JSON", &v, &pe);
    if (rc == MP_E_NO_MEMORY)
        return lp_fail(err, rc, "structured output: out of memory");
    if (rc)
        return fail_with_raw(err, r->secrets, lead, raw->data, raw->len, "%s%s",
                             pe.message, finish_note(r));
    char msg[1024];
    rc = sv_validate(schema, v, SV_NULL_AS_ABSENT, msg, sizeof msg);
    if (rc == MP_E_VALIDATION) {
        json_object_put(v);
        return fail_with_raw(err, r->secrets, lead, raw->data, raw->len, "structured "
                             "output failed the schema: %s%s", msg,
                             finish_note(r));
    }
    if (!rc)
        rc = jw_to_string(v, out);
    json_object_put(v);
    if (rc)
        return lp_fail(err, MP_E_NO_MEMORY, "structured output: out of memory "
                       "writing the answer");
    return MP_OK;
}
