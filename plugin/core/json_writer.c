/* json_writer.c - compact JSON output; see json_writer.h. */
#include "json_writer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../../abi/model_provider.h"

void jw_init(jw *w, strbuf *sb)
{
    memset(w, 0, sizeof *w);
    w->sb = sb;
}

int jw_status(const jw *w)
{
    return w->status;
}

static void put(jw *w, const char *s, size_t n)
{
    if (!w->status)
        w->status = sb_append(w->sb, s, n);
}

/* Separator before a value or key: a comma unless first in its container,
 * nothing right after a key. */
static void before_item(jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth == 0)
        return;
    if (w->first[w->depth - 1])
        w->first[w->depth - 1] = 0;
    else
        put(w, ",", 1);
}

static void open_container(jw *w, char c)
{
    before_item(w);
    if (w->depth >= JW_MAX_DEPTH) {
        if (!w->status)
            w->status = MP_E_INVALID_ARGUMENT;
        return;
    }
    put(w, &c, 1);
    w->first[w->depth++] = 1;
}

static void close_container(jw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    put(w, &c, 1);
}

void jw_object_open(jw *w) { open_container(w, '{'); }
void jw_object_close(jw *w) { close_container(w, '}'); }
void jw_array_open(jw *w) { open_container(w, '['); }
void jw_array_close(jw *w) { close_container(w, ']'); }

/* Whether byte c must be escaped in a JSON string: '"', '\\' and the
 * control bytes.  word_needs_escape is the same test on eight at once. */
static inline int needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* Whether any of the eight bytes in `v` must be escaped: a control byte
 * (below 0x20), '"' or '\\'.  The usual zero-byte test on words: a byte
 * is below n when (b - n) borrows into its top bit while b's own top bit
 * was clear.  Most text, and every base64 image, is long runs without
 * such a byte, so the writer skips eight bytes at a time. */
static int word_needs_escape(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    uint64_t hits = ((v - ones * 0x20) & ~v) |
                    ((quote - ones) & ~quote) |
                    ((backslash - ones) & ~backslash);
    return (hits & high) != 0;
}

int jw_escape_into(strbuf *sb, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    int rc = sb_reserve(sb, len);
    size_t run = 0; /* start of the pending run of bytes needing no escape */
    for (size_t i = 0; i < len && !rc; i++) {
        while (i + 8 <= len) {
            uint64_t v;
            memcpy(&v, s + i, sizeof v);
            if (word_needs_escape(v))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c))
            continue;
        rc = sb_append(sb, s + run, i - run);
        run = i + 1;
        if (rc)
            break;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
            n = 6;
        }
        rc = sb_append(sb, esc, n);
    }
    if (!rc)
        rc = sb_append(sb, s + run, len - run);
    return rc;
}

/* Short strings (every key, most values of a request body or an event)
 * with nothing to escape are written in one step: one reservation, the
 * quotes, the bytes and `tail` (":" after a key).  The general path costs
 * about 360 instructions for a key of a few bytes, most of it calls and
 * checks per piece; this one a third of that. */
#define JW_SHORT 48

static int plain_short(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (needs_escape((unsigned char)s[i]))
            return 0;
    return 1;
}

static int put_short(jw *w, const char *s, size_t len, const char *tail,
                     size_t tail_len)
{
    if (len > JW_SHORT || !plain_short(s, len))
        return 0;
    strbuf *sb = w->sb;
    size_t n = len + 2 + tail_len;
    if (!w->status)
        w->status = sb_reserve(sb, n);
    if (w->status)
        return 1;
    char *p = sb->data + sb->len;
    p[0] = '"';
    if (len) /* s may be NULL for an empty string */
        memcpy(p + 1, s, len);
    p[len + 1] = '"';
    memcpy(p + len + 2, tail, tail_len);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 1;
}

/* The quoted string a then b, then `tail`: the short step when it
 * applies, else escaped piece by piece. */
static void put_string(jw *w, const char *a, size_t alen, const char *b,
                       size_t blen, const char *tail, size_t tail_len)
{
    if (!blen && put_short(w, a, alen, tail, tail_len))
        return;
    put(w, "\"", 1);
    if (!w->status)
        w->status = jw_escape_into(w->sb, a, alen);
    if (!w->status && blen)
        w->status = jw_escape_into(w->sb, b, blen);
    put(w, "\"", 1);
    if (tail_len)
        put(w, tail, tail_len);
}

void jw_string2(jw *w, const char *a, size_t alen, const char *b, size_t blen)
{
    before_item(w);
    put_string(w, a, alen, b, blen, "", 0);
}

void jw_string(jw *w, const char *s, size_t len)
{
    jw_string2(w, s, len, NULL, 0);
}

void jw_cstring(jw *w, const char *s)
{
    jw_string(w, s, strlen(s));
}

void jw_key_len(jw *w, const char *key, size_t len)
{
    before_item(w);
    put_string(w, key, len, NULL, 0, ":", 1);
    w->after_key = 1;
}

void jw_key(jw *w, const char *key)
{
    jw_key_len(w, key, strlen(key));
}

void jw_int(jw *w, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    before_item(w);
    put(w, buf, (size_t)n);
}

void jw_bool(jw *w, int v)
{
    before_item(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_null(jw *w)
{
    before_item(w);
    put(w, "null", 4);
}

void jw_raw(jw *w, const char *json, size_t len)
{
    before_item(w);
    put(w, json, len);
}

/* "%g" text in whatever locale is in force, made JSON: the locale's
 * decimal point (',' in de_DE, several bytes in a few locales) becomes
 * '.'.  "%g" writes only a sign, digits, that point and an exponent (it
 * never groups thousands), so whatever is not one of those is the point.
 * Returns the new length. */
static size_t to_json_number(char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        if (strchr("0123456789+-eE", s[i])) {
            s[o++] = s[i++];
            continue;
        }
        s[o++] = '.';
        while (s[i] && !strchr("0123456789+-eE", s[i]))
            i++;
    }
    s[o] = '\0';
    return o;
}

/* A double with no original spelling (computed, not parsed): the shortest
 * text that reads back as the same double, with '.' as the decimal point
 * whatever the host set LC_NUMERIC to.  The round trip is tested in the
 * locale in force (snprintf and strtod agree on it), and only then is the
 * point rewritten: no locale object is made or switched, so nothing is
 * allocated per number and no other thread is affected. */
static void put_double(jw *w, double d)
{
    char buf[48];
    if (d != d || d - d != 0) { /* NaN or infinity: not JSON */
        put(w, "null", 4);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    size_t n = to_json_number(buf);
    if (!strpbrk(buf, ".eE")) { /* keep it a float: 1.0 not 1 */
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    put(w, buf, n);
}

void jw_double(jw *w, double v)
{
    before_item(w);
    put_double(w, v);
}

void jw_base64(jw *w, const void *data, size_t len)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    before_item(w);
    put(w, "\"", 1);
    if (!w->status)
        w->status = sb_reserve(w->sb, (len + 2) / 3 * 4 + 1);
    for (size_t i = 0; i < len && !w->status; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        char quad[4] = {digits[v >> 18], digits[(v >> 12) & 63],
                        i + 1 < len ? digits[(v >> 6) & 63] : '=',
                        i + 2 < len ? digits[v & 63] : '='};
        put(w, quad, 4);
    }
    put(w, "\"", 1);
}

/* The spelling a number came with: json-c keeps a parsed double's text as
 * its userdata (json_object_new_double_s), and json_numbers.c does the
 * same for integers wider than 64 bits.  Read directly, never through
 * json_object_to_json_string(), which caches its output inside the object:
 * the values written here (config params, for one) are shared by calls
 * running on other threads, and must only be read. */
static const char *number_text(struct json_object *v)
{
    return json_object_get_userdata(v);
}

void jw_json(jw *w, struct json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        jw_null(w);
        return;
    case json_type_boolean:
        jw_bool(w, json_object_get_boolean(v));
        return;
    case json_type_int: {
        const char *text = number_text(v);
        before_item(w);
        if (text) {
            put(w, text, strlen(text));
            return;
        }
        /* json-c keeps values above INT64_MAX as uint64. */
        char buf[32];
        int64_t i = json_object_get_int64(v);
        int n;
        if (i == INT64_MAX)
            n = snprintf(buf, sizeof buf, "%" PRIu64, json_object_get_uint64(v));
        else
            n = snprintf(buf, sizeof buf, "%" PRId64, i);
        put(w, buf, (size_t)n);
        return;
    }
    case json_type_double: {
        /* A parsed double prints its original text; only computed ones
         * need formatting. */
        const char *text = number_text(v);
        before_item(w);
        if (text)
            put(w, text, strlen(text));
        else
            put_double(w, json_object_get_double(v));
        return;
    }
    case json_type_string:
        jw_string(w, json_object_get_string(v),
                  (size_t)json_object_get_string_len(v));
        return;
    case json_type_array: {
        jw_array_open(w);
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n && !w->status; i++)
            jw_json(w, json_object_array_get_idx(v, i));
        jw_array_close(w);
        return;
    }
    case json_type_object:
        jw_object_open(w);
        json_object_object_foreach(v, key, val) {
            if (w->status)
                break;
            jw_key(w, key);
            jw_json(w, val);
        }
        jw_object_close(w);
        return;
    }
}

int jw_to_string(struct json_object *v, strbuf *out)
{
    jw w;
    jw_init(&w, out);
    jw_json(&w, v);
    return jw_status(&w);
}
