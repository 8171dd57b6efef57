/* json_util.c - strict JSON parsing of host input, and the answers'
 * values handed to json-c code; see json_util.h. */
#include "json_util.h"
#include "json_numbers.h"
#include "json_reader.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "utf8.h"

/* Tool inputs and schemas sit five levels deep in a request already;
 * json-c's default of 32 would refuse reasonable nesting. */
#define LP_JSON_MAX_DEPTH 128

/* ---- json-c's parse without glibc's locale lock ------------------------ */

/* glibc hands out one static C locale object for newlocale(LC_ALL_MASK,
 * "C", 0) and allocates nothing; duplocale, newlocale and freelocale
 * return early for it, before their lock.  Asked for once all the same, in
 * case another C library allocates. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t lp_c_locale(void)
{
    pthread_once(&c_locale_once, c_locale_init);
    return c_locale;
}

json_object *lp_json_tokener_parse(json_tokener *tok, const char *s, size_t len)
{
    locale_t c = lp_c_locale();
    /* Without the object (it cannot fail on glibc) json-c still parses
     * correctly, only through the lock. */
    locale_t prev = c ? uselocale(c) : (locale_t)0;
    json_object *v = json_tokener_parse_ex(tok, s, (int)len);
    if (prev)
        uselocale(prev);
    return v;
}

/* ---- what json-c's strict mode still lets through ----------------------
 *
 * json-c 0.16 with JSON_TOKENER_STRICT still accepts NaN and Infinity (which
 * then leave as null: silently changed data), single-quoted keys, raw
 * control characters inside strings and "1." (a spelling the writer would
 * then send on verbatim: invalid JSON on the wire).  One pass over the text
 * finds these first.  It runs over every request, most of whose bytes sit
 * inside long strings (base64 images), so string bodies are skipped eight
 * bytes at a time until a byte that needs a look. */

static uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

#define ONES (~(uint64_t)0 / 255)
#define HIGHS (ONES * 128)
/* Non-zero iff some byte of x is zero / below n (n <= 128). */
#define HAS_ZERO(x) (((x) - ONES) & ~(x) & HIGHS)
#define HAS_LESS(x, n) (((x) - ONES * (n)) & ~(x) & HIGHS)

/* Whether any of the 8 bytes is '"', '\\' or a control character. */
static int block_needs_look(uint64_t x)
{
    return (HAS_LESS(x, 0x20) | HAS_ZERO(x ^ (ONES * '"')) |
            HAS_ZERO(x ^ (ONES * '\\'))) != 0;
}

/* The code unit of a "\\uXXXX" escape whose backslash is at s[i - 1]
 * (s[i] == 'u'), or -1 when there is none. */
static int hex4(const unsigned char *s, size_t len, size_t i)
{
    if (i + 5 > len || s[i] != 'u')
        return -1;
    int v = 0;
    for (size_t k = 1; k <= 4; k++) {
        unsigned char c = s[i + k];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Returns NULL when the text has none of those constructs, else what is
 * wrong, with its offset in *at.  Anything else invalid is left to json-c,
 * which reports it with its own position. */
static const char *lenient_construct(const unsigned char *s, size_t len,
                                     size_t *at)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == '"') {
            for (i++;;) {
                while (i + 8 <= len && !block_needs_look(load8(s + i)))
                    i += 8;
                if (i >= len)
                    return NULL; /* unterminated: json-c says so */
                c = s[i];
                if (c == '"')
                    break;
                if (c == '\\') {
                    /* json-c turns an unpaired surrogate escape into
                     * U+FFFD: silently changed text.  A pair is fine. */
                    int cp = hex4(s, len, i + 1);
                    if (cp >= 0xD800 && cp <= 0xDBFF &&
                        hex4(s, len, i + 7) >= 0xDC00 &&
                        hex4(s, len, i + 7) <= 0xDFFF && s[i + 6] == '\\') {
                        i += 12;
                        continue;
                    }
                    if (cp >= 0xD800 && cp <= 0xDFFF) {
                        *at = i;
                        return "an unpaired UTF-16 surrogate escape (not "
                               "Unicode text)";
                    }
                    i += 2;
                    continue;
                }
                if (c < 0x20) {
                    *at = i;
                    return "control character in a string (escape it)";
                }
                i++;
            }
            i++;
            continue;
        }
        *at = i;
        if (c == '\'')
            return "single quotes (JSON strings use double quotes)";
        if (c == 'N' || c == 'I')
            return "NaN and Infinity are not JSON numbers";
        if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return "control character outside a string";
        if (c == '.' && (i + 1 >= len || s[i + 1] < '0' || s[i + 1] > '9'))
            return "a digit must follow the decimal point";
        i++;
    }
    return NULL;
}

/* One parser kept for the next lp_json_parse: json_tokener_new_ex makes
 * and zeroes a 128-level stack, two allocations and about 5,000
 * instructions, a fifth of the JSON work of a short request.  A caller
 * takes it whole (or makes its own when another thread has it) and puts
 * it back when done; the one it displaces is freed.  A parser that read
 * a long text is not kept: its string buffer has grown to the longest
 * string (a base64 image), and reset does not shrink it. */
#define LP_SPARE_MAX_TEXT ((size_t)64 << 10)
static _Atomic(json_tokener *) spare_tokener;

static json_tokener *take_tokener(void)
{
    json_tokener *tok = atomic_exchange(&spare_tokener, NULL);
    if (tok)
        json_tokener_reset(tok);
    else
        tok = json_tokener_new_ex(LP_JSON_MAX_DEPTH);
    return tok;
}

static void give_back_tokener(json_tokener *tok, size_t text_len)
{
    if (text_len > LP_SPARE_MAX_TEXT) {
        json_tokener_free(tok);
        return;
    }
    json_tokener_reset(tok); /* holds no parsed value between calls */
    tok = atomic_exchange(&spare_tokener, tok);
    if (tok)
        json_tokener_free(tok);
}

void lp_json_release_spare(void)
{
    json_tokener *tok = atomic_exchange(&spare_tokener, NULL);
    if (tok)
        json_tokener_free(tok);
}

int lp_json_parse(const char *json, size_t len, const char *what,
                  json_object **out, mp_error *err)
{
    *out = NULL;
    if (!json)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: no JSON given", what);
    if (len == (size_t)-1)
        len = strlen(json);
    if (len > (size_t)INT32_MAX)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: JSON too large", what);
    /* RFC 3629 UTF-8 (json-c's own check lets overlong forms, encoded
     * surrogates and code points above U+10FFFF through, which would then
     * be sent on and echoed into messages that promise UTF-8). */
    size_t at = lp_utf8_bad(json, len);
    if (at < len)
        return lp_fail(err, MP_E_INVALID_ARGUMENT, "%s: invalid JSON at byte "
                       "%zu: not UTF-8 (a stray byte, an overlong form, an "
                       "encoded surrogate or a code point above U+10FFFF)",
                       what, at);
    const char *why = lenient_construct((const unsigned char *)json, len, &at);
    if (why)
        return lp_fail(err, MP_E_INVALID_ARGUMENT,
                       "%s: invalid JSON at byte %zu: %s", what, at, why);
    json_tokener *tok = take_tokener();
    if (!tok)
        return lp_fail(err, MP_E_NO_MEMORY, "%s: out of memory", what);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    /* json-c 0.16 reports a failed allocation as a syntax error (most often
     * "unexpected end"); only an allocation sets ENOMEM, so that tells. */
    errno = 0;
    json_object *v = lp_json_tokener_parse(tok, json, len);
    int oom = errno == ENOMEM;
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    int rc = MP_OK;
    if (oom && (!v || jerr != json_tokener_success)) {
        rc = lp_fail(err, MP_E_NO_MEMORY, "%s: out of memory parsing the "
                     "JSON", what);
    } else if (jerr == json_tokener_continue ||
               (!v && jerr == json_tokener_success)) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                     "%s: invalid JSON: unexpected end of input at byte %zu",
                     what, len);
    } else if (jerr != json_tokener_success) {
        rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                     "%s: invalid JSON at byte %zu: %s", what, used,
                     json_tokener_error_desc(jerr));
    } else {
        for (size_t i = used; i < len; i++) {
            char c = json[i];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                rc = lp_fail(err, MP_E_INVALID_ARGUMENT,
                             "%s: invalid JSON: unexpected data after the "
                             "value at byte %zu", what, i);
                break;
            }
        }
    }
    give_back_tokener(tok, len);
    /* Integers beyond 64 bits keep the digits they came with, wherever the
     * JSON came from (request, params, schema, the model's answer). */
    if (!rc)
        rc = lp_json_keep_wide_integers(v, json, len, what, err);
    if (rc) {
        json_object_put(v);
        return rc;
    }
    *out = v;
    return MP_OK;
}

/* ---- a value of the answers' reader, as json-c holds it ---------------- */

static int scalar_json_c(const jr_val *v, json_object **out)
{
    switch (v->type) {
    case JR_NULL: return MP_OK;
    case JR_BOOL: *out = json_object_new_boolean(v->flag); break;
    case JR_INT: *out = json_object_new_int64(v->u.i); break;
    case JR_DOUBLE: *out = json_object_new_double(v->u.d); break;
    default: *out = json_object_new_string_len(v->u.s, (int)v->count); break;
    }
    return *out ? MP_OK : MP_E_NO_MEMORY;
}

int lp_json_c_value(const char *json, const jr_val *v, unsigned depth,
                    json_object **out, size_t *bad_at, const char **why)
{
    *out = NULL;
    *bad_at = v->src;
    *why = "it is over 2 GiB";
    /* json-c cannot finish a number or a word that ends its input: a
     * scalar is made from the value itself. */
    if (v->type != JR_OBJECT && v->type != JR_ARRAY)
        return v->count <= INT32_MAX ? scalar_json_c(v, out) : MP_E_PROTOCOL;
    if (v->src_len > (uint32_t)INT32_MAX)
        return MP_E_PROTOCOL;
    /* One level more than the reader's: json-c counts a scalar as one. */
    json_tokener *tok = json_tokener_new_ex((int)depth + 1);
    if (!tok)
        return MP_E_NO_MEMORY;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    errno = 0; /* json-c 0.16 reports a failed allocation as bad syntax */
    json_object *o = lp_json_tokener_parse(tok, json + v->src, v->src_len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (jerr == json_tokener_success) {
        *out = o;
        return MP_OK;
    }
    json_object_put(o);
    if (errno == ENOMEM)
        return MP_E_NO_MEMORY;
    *bad_at = (size_t)v->src + end; /* json-c refuses what the reader took */
    *why = json_tokener_error_desc(jerr);
    return MP_E_PROTOCOL;
}

const char *lp_json_type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "boolean";
    case json_type_int: return "integer";
    case json_type_double: return "number";
    case json_type_string: return "string";
    case json_type_array: return "array";
    case json_type_object: return "object";
    }
    return "unknown";
}
