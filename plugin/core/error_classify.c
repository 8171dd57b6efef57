/* error_classify.c - typed errors from HTTP failures; see error_classify.h. */
#include "error_classify.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "errors.h"
#include "json_util.h"
#include "utf8.h"

/* How much of a plain-text or HTML body becomes the message: enough to read
 * the cause, not a whole error page. */
#define EC_TEXT_MAX 512
/* Bound on the provider message we keep before formatting. */
#define EC_MSG_MAX 8192

/* What we could learn from an error body or object. */
typedef struct ec_info {
    strbuf msg;     /* the provider's message, unscrubbed            */
    char code[96];  /* error.code as text ("429", "invalid_api_key") */
    char type[96];  /* error.type                                    */
    int cut;        /* msg is only the start of the server's message */
} ec_info;

/* ------------------------------------------------------------ matching */

/* Case-insensitive search of ASCII `needle` in hay[0..n). */
static const char *ci_find(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)hay[i + j]) ==
                            tolower((unsigned char)needle[j]))
            j++;
        if (j == k)
            return hay + i;
    }
    return NULL;
}

static int has(const ec_info *in, const char *needle)
{
    return ci_find(in->msg.data ? in->msg.data : "", in->msg.len, needle)
           != NULL;
}

/* The reference matches its patterns against the exception's string form,
 * which for an HTTP error holds the whole JSON body; we keep the message,
 * the code and the type apart, so a pattern is looked for in each. */
static int says(const ec_info *in, const char *needle)
{
    return has(in, needle) || ci_find(in->code, strlen(in->code), needle) ||
           ci_find(in->type, strlen(in->type), needle);
}

static int code_is(const ec_info *in, const char *code)
{
    return strcasecmp(in->code, code) == 0;
}

/* Rule 1 of the reference's classifier (reference-update 2.8): throttling
 * comes before anything else.  LiteLLM's proxy also marks its 429s with
 * the type "throttling_error" (litellm-wire 1.5), which says the same. */
static int ref_throttled(const ec_info *in, int status)
{
    return status == 429 || code_is(in, "rate_limit_exceeded") ||
           says(in, "rate_limit_exceeded") || says(in, "rate limit") ||
           says(in, "too many requests") ||
           strcmp(in->type, "throttling_error") == 0;
}

/* exceed(s|ed)? (customer )?model maximum, as the reference's regular
 * expression (OpenAI's and Bedrock Mantle's wording). */
static int says_model_maximum(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = s; (p = ci_find(p, (size_t)(end - p), "exceed"));
         p++) {
        const char *q = p + 6;
        if (q < end && (*q == 's' || *q == 'S'))
            q++;
        else if (end - q >= 2 && ci_find(q, 2, "ed") == q)
            q += 2;
        if (q >= end || *q != ' ')
            continue;
        q++;
        if (end - q >= 9 && ci_find(q, 9, "customer ") == q)
            q += 9;
        if (end - q >= 13 && ci_find(q, 13, "model maximum") == q)
            return 1;
    }
    return 0;
}

/* Rule 2 of the reference's classifier: its overflow wording, matched at
 * any status. */
static const char *const ref_overflow_phrases[] = {
    "maximum context length",
    "context_length_exceeded",
    "too many tokens",
    "context length",
    "input is too long for requested model",
    "input length and `max_tokens` exceed context limit",
    "too many total text bytes",
    "exceeds the max_model_len",
    NULL};

static int ref_overflow(const ec_info *in)
{
    if (code_is(in, "context_length_exceeded"))
        return 1;
    for (size_t i = 0; ref_overflow_phrases[i]; i++)
        if (says(in, ref_overflow_phrases[i]))
            return 1;
    return says_model_maximum(in->msg.data ? in->msg.data : "", in->msg.len);
}

/* Our further overflow wording: LiteLLM's own checks (reference 7.1), the
 * strings of litellm-wire 1.5, and what servers we met send (vLLM: "is
 * longer than the maximum model length"). */
static const char *const overflow_phrases[] = {
    "contextwindowexceedederror",
    "exceed context limit",
    "this model's maximum context length is",
    "string too long. expected a string with maximum length",
    "model's maximum context limit",
    "is longer than the model's context length",
    "is longer than the maximum model length",
    "input tokens exceed the configured limit",
    "`inputs` tokens + `max_new_tokens` must be",
    "exceeds the available context size",
    "exceeds the maximum number of tokens allowed",
    "prompt is too long",
    NULL};

static int is_overflow(const ec_info *in)
{
    if (ref_overflow(in))
        return 1;
    if (ci_find(in->code, strlen(in->code), "context_length_exceeded"))
        return 1;
    if (has(in, "ContextWindowExceededError"))
        return 1;
    /* LiteLLM's exclusions (for our wording only): a too-long string field
     * is a plain bad request, not a conversation that needs shrinking. */
    if (has(in, "string_above_max_length") ||
        ci_find(in->code, strlen(in->code), "string_above_max_length") ||
        (has(in, "invalid 'user'") && has(in, "string too long")))
        return 0;
    for (size_t i = 0; overflow_phrases[i]; i++)
        if (has(in, overflow_phrases[i]))
            return 1;
    if (has(in, "current length is") && has(in, "while limit is"))
        return 1;
    return has(in, "maximum input length is") && has(in, "tokens");
}

/* rate[\s_-]*limit, not preceded by a letter ("moderate limits" is not a
 * rate limit). */
static int says_rate_limit(const char *s, size_t n)
{
    for (const char *p = s; (p = ci_find(p, n - (size_t)(p - s), "rate"));
         p++) {
        if (p > s && isalpha((unsigned char)p[-1]))
            continue;
        const char *q = p + 4, *end = s + n;
        while (q < end && (isspace((unsigned char)*q) || *q == '_' ||
                           *q == '-'))
            q++;
        if ((size_t)(end - q) >= 5 && ci_find(q, 5, "limit") == q)
            return 1;
    }
    return 0;
}

/* "429" with no digit on either side. */
static int says_429(const char *s, size_t n)
{
    for (const char *p = s; (p = ci_find(p, n - (size_t)(p - s), "429"));
         p++) {
        int before = p > s && isdigit((unsigned char)p[-1]);
        int after = p + 3 < s + n && isdigit((unsigned char)p[3]);
        if (!before && !after)
            return 1;
    }
    return 0;
}

/* Our further throttling wording (LiteLLM's, reference 7.1).  It is asked
 * after the overflow rules: the reference finds none of it in its own
 * throttling rule, so a message that also names an overflow is one. */
static int is_rate_limited(const ec_info *in, int status)
{
    const char *s = in->msg.data ? in->msg.data : "";
    return says_rate_limit(s, in->msg.len) ||
           has(in, "service tier capacity exceeded") ||
           has(in, "request too large") ||
           (status == 0 && says_429(s, in->msg.len));
}

/* Decision 28: the reference's classifier first (throttling, then
 * overflow, whatever the status), then our own wording, then the status. */
static int classify(int status, const ec_info *in)
{
    if (ref_throttled(in, status))
        return MP_E_THROTTLED;
    if (is_overflow(in))
        return MP_E_CONTEXT_OVERFLOW;
    if (is_rate_limited(in, status))
        return MP_E_THROTTLED;
    switch (status) {
    case 401: case 403: return MP_E_AUTHENTICATION;
    case 404: return MP_E_NOT_FOUND;
    case 400: case 422: return MP_E_BAD_REQUEST;
    case 408: return MP_E_TIMEOUT;
    case 0: return MP_E_SERVER; /* an error inside a 200 stream */
    default: return status >= 500 && status <= 599 ? MP_E_SERVER : MP_E_HTTP;
    }
}

static int is_retryable(int status, int code)
{
    if (code == MP_E_CONTEXT_OVERFLOW)
        return 0; /* the same request overflows again */
    if (code == MP_E_THROTTLED)
        return 1;
    return status == 408 || status == 409 || status == 429 || status == 0 ||
           (status >= 500 && status <= 599);
}

/* ---------------------------------------------------- reading the body */

/* Keep (a prefix of) a message: a huge one is cut, never dropped, and
 * never inside a character.  The server's text becomes the host's error
 * message, which is UTF-8: a byte that starts no well-formed character (a
 * Latin-1 page, a body cut short) is kept as '?'. */
static void keep(ec_info *in, const char *s, size_t n)
{
    size_t room = in->msg.max > in->msg.len ? in->msg.max - in->msg.len : 0;
    if (n > room) {
        n = lp_utf8_whole(s, room);
        in->cut = 1;
    }
    while (n) {
        size_t good = lp_utf8_bad(s, n);
        sb_append(&in->msg, s, good);
        if (good == n)
            break;
        sb_appendc(&in->msg, '?');
        s += good + 1;
        n -= good + 1;
    }
}

static void set_text(char *dst, size_t cap, json_object *v)
{
    if (!v || json_object_is_type(v, json_type_null))
        return;
    const char *s = json_object_is_type(v, json_type_string)
        ? json_object_get_string(v)
        : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    lp_format(dst, cap, "%s", s ? s : ""); /* cut on a character boundary */
    /* It reaches the host as provider_code, which is UTF-8 like every
     * string there: a byte that starts no well-formed character is '?',
     * as in the message. */
    lp_utf8_mend(dst, strlen(dst));
}

static void from_text(const char *s, size_t n, ec_info *in);

/* Message, code and type of one error-shaped object.  The message keys
 * cover OpenAI/LiteLLM ("message"), FastAPI ("detail"), and gateways that
 * wrap HTML or report {"status":"failure","message":...}. */
static void from_fields(json_object *o, ec_info *in)
{
    static const char *const keys[] = {"message", "detail", "html-message",
                                       "error_message", "msg", NULL};
    json_object *v;
    for (size_t i = 0; keys[i] && !in->msg.len; i++) {
        if (!json_object_object_get_ex(o, keys[i], &v) ||
            json_object_is_type(v, json_type_null))
            continue;
        if (strcmp(keys[i], "html-message") == 0 &&
            json_object_is_type(v, json_type_string)) {
            /* An HTML error page: its text, not its markup. */
            from_text(json_object_get_string(v),
                      (size_t)json_object_get_string_len(v), in);
            continue;
        }
        const char *s = json_object_is_type(v, json_type_string)
            ? json_object_get_string(v)
            : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (s)
            keep(in, s, strlen(s));
    }
    if (!in->code[0] && json_object_object_get_ex(o, "code", &v))
        set_text(in->code, sizeof in->code, v);
    if (!in->type[0] && json_object_object_get_ex(o, "type", &v))
        set_text(in->type, sizeof in->type, v);
}

static void from_json(json_object *o, ec_info *in)
{
    json_object *e;
    if (json_object_is_type(o, json_type_string)) {
        keep(in, json_object_get_string(o),
             (size_t)json_object_get_string_len(o));
        return;
    }
    if (json_object_is_type(o, json_type_object)) {
        if (json_object_object_get_ex(o, "error", &e)) {
            if (json_object_is_type(e, json_type_object))
                from_fields(e, in);
            else if (json_object_is_type(e, json_type_string))
                keep(in, json_object_get_string(e),
                     (size_t)json_object_get_string_len(e));
        }
        from_fields(o, in); /* fills only what is still missing */
    }
    if (!in->msg.len) {
        /* An unknown shape: its JSON text says more than nothing. */
        const char *s = json_object_to_json_string_ext(o,
                                                       JSON_C_TO_STRING_PLAIN);
        if (s)
            keep(in, s, strlen(s) < EC_TEXT_MAX ? strlen(s) : EC_TEXT_MAX);
    }
}

/* A text or HTML body: tags dropped, whitespace runs made one space,
 * trimmed, at most EC_TEXT_MAX bytes (kept as keep() keeps text). */
static void from_text(const char *s, size_t n, ec_info *in)
{
    strbuf plain;
    sb_init(&plain, EC_TEXT_MAX + 1);
    int in_tag = 0, space = 0;
    size_t i = 0;
    for (; i < n && plain.len < EC_TEXT_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<' && i + 1 < n && (isalpha((unsigned char)s[i + 1]) ||
                                      s[i + 1] == '/' || s[i + 1] == '!')) {
            in_tag = 1;
            space = 1;
            continue;
        }
        if (in_tag) {
            in_tag = c != '>';
            continue;
        }
        if (isspace(c) || c < 0x20) {
            space = 1;
            continue;
        }
        if (space && plain.len)
            sb_appendc(&plain, ' ');
        space = 0;
        sb_appendc(&plain, (char)c);
    }
    /* Cut at the limit: not inside a character. */
    size_t len = i < n ? lp_utf8_whole(plain.data, plain.len) : plain.len;
    if (len)
        keep(in, plain.data, len);
    sb_free(&plain);
}

static void from_body(const char *body, size_t len, ec_info *in)
{
    if (!body || !len || len > (size_t)INT32_MAX)
        return;
    json_tokener *tok = json_tokener_new();
    json_object *o = tok ? lp_json_tokener_parse(tok, body, len) : NULL;
    size_t end = o ? json_tokener_get_parse_end(tok) : 0;
    while (o && end < len && isspace((unsigned char)body[end]))
        end++;
    if (o && end == len && (json_object_is_type(o, json_type_object) ||
                            json_object_is_type(o, json_type_string)))
        from_json(o, in);
    else
        from_text(body, len, in);
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "(empty body)";
    }
}

/* ------------------------------------------------------------ scrubbing */

static int key_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

int ec_scrub(const char *text, size_t len, const char *const *secrets,
             strbuf *out)
{
    size_t run = 0, i = 0;
    int rc = 0;
    while (i < len && !rc) {
        /* The longest secret starting here, if any. */
        size_t best = 0;
        for (size_t k = 0; secrets && secrets[k]; k++) {
            size_t sl = strlen(secrets[k]);
            if (sl > best && sl <= len - i && memcmp(text + i, secrets[k], sl) == 0)
                best = sl;
        }
        size_t skip = best;
        const char *mask = "<redacted>";
        if (!skip && len - i >= 3 && memcmp(text + i, "sk-", 3) == 0 &&
            (i == 0 || !key_char((unsigned char)text[i - 1]))) {
            size_t j = i + 3;
            while (j < len && key_char((unsigned char)text[j]))
                j++;
            if (j - i - 3 >= 8) {
                skip = j - i;
                mask = "sk-<redacted>";
            }
        }
        if (!skip) {
            i++;
            continue;
        }
        rc = sb_append(out, text + run, i - run);
        if (!rc)
            rc = sb_appends(out, mask);
        i += skip;
        run = i;
    }
    if (!rc)
        rc = sb_append(out, text + run, len - run);
    return rc;
}

int ec_scrub_formatted(const char *text, size_t len, size_t cap,
                       const char *const *secrets, strbuf *out)
{
    return len + 1 < cap ? ec_scrub(text, len, secrets, out)
                         : ec_scrub_cut(text, len, secrets, out);
}

/* Where a text that was cut at its end may hold the first part of a
 * secret: the earliest offset from which the rest is a proper prefix of a
 * secret, or an sk-style key running to the end (its length unknown);
 * `len` when there is none. */
static size_t secret_tail(const char *text, size_t len,
                          const char *const *secrets)
{
    for (size_t i = 0; i < len; i++) {
        size_t rest = len - i;
        for (size_t k = 0; secrets && secrets[k]; k++) {
            size_t sl = strlen(secrets[k]);
            if (sl > rest && memcmp(text + i, secrets[k], rest) == 0)
                return i;
        }
        if ((i == 0 || !key_char((unsigned char)text[i - 1])) &&
            memcmp(text + i, "sk-", rest < 3 ? rest : 3) == 0) {
            size_t j = i + (rest < 3 ? rest : 3);
            while (j < len && key_char((unsigned char)text[j]))
                j++;
            if (j == len)
                return i;
        }
    }
    return len;
}

int ec_scrub_cut(const char *text, size_t len, const char *const *secrets,
                 strbuf *out)
{
    size_t keep = secret_tail(text, len, secrets);
    int rc = ec_scrub(text, keep, secrets, out);
    if (!rc && keep < len)
        rc = sb_appends(out, "<redacted>");
    return rc;
}

/* --------------------------------------------------------- Retry-After */

/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar
 * arithmetic with 400-year eras, so no table and no libc time zone). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (strncmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static int digits(const char **p, int min, int max, int *out)
{
    int n = 0, v = 0;
    while (isdigit((unsigned char)**p) && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n >= min && !isdigit((unsigned char)**p);
}

static void spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int clock_of(const char **p, int *h, int *mi, int *s)
{
    return digits(p, 2, 2, h) && *(*p)++ == ':' && digits(p, 2, 2, mi) &&
           *(*p)++ == ':' && digits(p, 2, 2, s) && *h < 24 && *mi < 60 &&
           *s < 61;
}

/* The three HTTP date forms (RFC 9110 5.6.7), month names in English. */
static int http_date(const char *p, int64_t *epoch_s)
{
    int y, mo, d, h, mi, s;
    while (isalpha((unsigned char)*p))
        p++; /* day name */
    if (*p == ',')
        p++;
    spaces(&p);
    if (isdigit((unsigned char)*p)) { /* IMF-fixdate or RFC 850 */
        if (!digits(&p, 1, 2, &d) || (*p != ' ' && *p != '-'))
            return 0;
        p++;
        if (!(mo = month_of(p)))
            return 0;
        p += 3;
        if (*p != ' ' && *p != '-')
            return 0;
        p++;
        if (!digits(&p, 2, 4, &y))
            return 0;
        if (y < 100) /* RFC 850's two digits */
            y += y < 70 ? 2000 : 1900;
        spaces(&p);
        if (!clock_of(&p, &h, &mi, &s))
            return 0;
        spaces(&p);
        if (strncmp(p, "GMT", 3) == 0 || strncmp(p, "UTC", 3) == 0)
            p += 3;
    } else { /* asctime: Sun Nov  6 08:49:37 1994 */
        if (!(mo = month_of(p)))
            return 0;
        p += 3;
        spaces(&p);
        if (!digits(&p, 1, 2, &d))
            return 0;
        spaces(&p);
        if (!clock_of(&p, &h, &mi, &s))
            return 0;
        spaces(&p);
        if (!digits(&p, 4, 4, &y))
            return 0;
    }
    spaces(&p);
    if (*p || d < 1 || d > 31)
        return 0;
    *epoch_s = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 1;
}

int64_t ec_parse_retry_after(const char *value, int64_t now_ms)
{
    if (!value)
        return -1;
    const char *p = value;
    spaces(&p);
    if (!*p)
        return -1;
    if (isdigit((unsigned char)*p)) {
        int64_t secs = 0, frac_ms = 0, scale = 100;
        while (isdigit((unsigned char)*p)) {
            if (secs > 100000000) /* over three years: not a real wait */
                return -1;
            secs = secs * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            int beyond = 0;
            for (; isdigit((unsigned char)*p); p++) {
                if (scale) {
                    frac_ms += (*p - '0') * scale;
                    scale /= 10;
                } else if (*p != '0') {
                    beyond = 1;
                }
            }
            /* A rest below a millisecond rounds up: never retry earlier
             * than the server asked. */
            frac_ms += beyond;
        }
        spaces(&p);
        return *p ? -1 : secs * 1000 + frac_ms;
    }
    int64_t when;
    if (!http_date(p, &when))
        return -1;
    int64_t wait = when * 1000 - now_ms;
    return wait > 0 ? wait : 0;
}

int64_t ec_parse_rfc3339_wait(const char *value, int64_t now_ms)
{
    if (!value)
        return -1;
    const char *p = value;
    int y, mo, d, h, mi, s;
    spaces(&p);
    if (!digits(&p, 4, 4, &y) || *p++ != '-' || !digits(&p, 2, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, 2, &d) || (*p != 'T' && *p != 't' &&
                                                 *p != ' '))
        return -1;
    p++;
    if (!clock_of(&p, &h, &mi, &s) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    int64_t ms = 0;
    if (*p == '.') {
        int64_t scale = 100;
        for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
            ms += scale ? (*p - '0') * scale : 0;
    }
    int64_t offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, 2, &oh) || *p++ != ':' || !digits(&p, 2, 2, &om))
            return -1;
        offset_s = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    spaces(&p);
    if (*p)
        return -1;
    int64_t when = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                    s - offset_s) * 1000 + ms;
    return when > now_ms ? when - now_ms : 0;
}

/* ---------------------------------------------------------- filling err */


/* Cut `sb` to at most max-1 bytes on a UTF-8 boundary, marking the cut. */
static void fit(strbuf *sb, size_t max)
{
    if (max == 0 || sb->len < max)
        return;
    size_t keep = lp_utf8_whole(sb->data, max > 4 ? max - 4 : 0);
    sb->len = keep;
    sb->data[keep] = '\0';
    if (max > 4)
        sb_appends(sb, "...");
}

static int fill(mp_error *err, int code, int status, int64_t retry_after,
                const char *prefix, ec_info *in, const char *const *secrets)
{
    strbuf text, clean, pcode;
    sb_init(&text, EC_MSG_MAX + 256);
    sb_init(&clean, 4 * (EC_MSG_MAX + 256));
    sb_init(&pcode, 1024);
    sb_appends(&text, prefix);
    if (in->msg.len)
        sb_append(&text, in->msg.data, in->msg.len);
    else
        sb_appends(&text, reason_phrase(status));
    /* Scrub before cutting, so a secret cut in half cannot leak its
     * first part; a message kept only in part (keep) ends the text, and
     * may end in the first part of a secret: scrubbed as a cut text. */
    if (in->cut)
        ec_scrub_cut(text.data ? text.data : "", text.len, secrets, &clean);
    else
        ec_scrub(text.data ? text.data : "", text.len, secrets, &clean);
    fit(&clean, lp_error_message_room(err));
    lp_fail(err, code, "%s", clean.data ? clean.data : "");
    const char *pc = in->code[0] ? in->code : in->type;
    if (strlen(pc) + 4 >= sizeof in->code) /* possibly cut by set_text */
        ec_scrub_cut(pc, strlen(pc), secrets, &pcode);
    else
        ec_scrub(pc, strlen(pc), secrets, &pcode);
    fit(&pcode, MP_ERROR_CODE_MAX);
    lp_error_http(err, status, is_retryable(status, code), retry_after,
                  pcode.data ? pcode.data : "");
    sb_free(&text);
    sb_free(&clean);
    sb_free(&pcode);
    return code;
}

int64_t ec_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ec_classify_http(int http_status, const char *body, size_t len,
                     const char *retry_after, const char *const *secrets,
                     mp_error *err)
{
    ec_info in;
    memset(&in, 0, sizeof in);
    sb_init(&in.msg, EC_MSG_MAX);
    from_body(body, len, &in);
    int code = classify(http_status, &in);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "HTTP %d: ", http_status);
    int64_t wait = retry_after ? ec_parse_retry_after(retry_after, ec_wall_ms())
                               : -1;
    fill(err, code, http_status, wait, prefix, &in, secrets);
    sb_free(&in.msg);
    return code;
}

int ec_classify_reply(const lp_http_reply *reply, const char *const *secrets,
                      mp_error *err)
{
    char ra[64];
    return ec_classify_http(reply->status, reply->body, reply->body_len,
                            lp_http_header(reply, "retry-after", ra,
                                           sizeof ra),
                            secrets, err);
}

int ec_says_overflow(const char *text, size_t len)
{
    ec_info in;
    memset(&in, 0, sizeof in);
    sb_init(&in.msg, EC_MSG_MAX);
    keep(&in, text, len);
    int yes = is_overflow(&in);
    sb_free(&in.msg);
    return yes;
}

/* "429", 503: a code that is an HTTP status. */
static int status_of_code(const char *code)
{
    int v = 0, n = 0;
    for (; isdigit((unsigned char)code[n]) && n < 4; n++)
        v = v * 10 + (code[n] - '0');
    return n == 3 && !code[n] && v >= 100 && v <= 599 ? v : 0;
}

int ec_classify_error_object(json_object *error_obj, int http_status,
                             const char *const *secrets, mp_error *err)
{
    ec_info in;
    memset(&in, 0, sizeof in);
    sb_init(&in.msg, EC_MSG_MAX);
    if (error_obj)
        from_json(error_obj, &in);
    if (!http_status)
        http_status = status_of_code(in.code);
    int code = classify(http_status, &in);
    char prefix[48];
    if (http_status)
        snprintf(prefix, sizeof prefix, "stream error (HTTP %d): ",
                 http_status);
    else
        snprintf(prefix, sizeof prefix, "stream error: ");
    if (!in.msg.len)
        sb_appends(&in.msg, "(no message)");
    fill(err, code, http_status, -1, prefix, &in, secrets);
    sb_free(&in.msg);
    return code;
}
