/* json_reader.c - a fast read-only JSON reader; see json_reader.h. */
#include "json_reader.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"

void jr_init(jr_doc *d, unsigned max_depth)
{
    memset(d, 0, sizeof *d);
    d->max_depth = max_depth;
}

void jr_free(jr_doc *d)
{
    free(d->vals);
    free(d->text);
    jr_init(d, d->max_depth);
}

/* ------------------------------------------------------------ the parse */

/* What one byte is to the string scanner: 0 plain, 1 the closing quote, a
 * backslash or a NUL byte.  Other control characters are plain (json-c
 * kept them); a NUL ended json-c's input, so it is refused. */
static const unsigned char string_stop[256] = {['"'] = 1, ['\\'] = 1,
                                               [0] = 1};

typedef struct parse {
    jr_doc *d;
    const unsigned char *s;
    size_t len, at;
    char *out; /* the next free byte of d->text */
} parse;

/* Every step of the parse is inlined into jr_parse's loop, and only this
 * error path is a call, taking no pointer to the parse state: a payload
 * is a few dozen short values, calls were a third of the reading, and
 * the state stays in registers. */
#define JR_STEP static inline __attribute__((always_inline))

/* Out of line: errors are rare. */
static __attribute__((cold, noinline)) enum jr_status
failed(jr_doc *d, size_t len, size_t at, const char *what)
{
    d->err_at = at;
    d->err_what = what;
    return at >= len ? JR_E_END : JR_E_SYNTAX;
}

#define fail(p, at, what) failed((p)->d, (p)->len, (at), (what))

/* Compact payloads have no white space: one compare decides most calls. */
JR_STEP void skip_space(parse *p)
{
    while (p->at < p->len && p->s[p->at] <= ' ') {
        unsigned char c = p->s[p->at];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        p->at++;
    }
}

/* Room for one more value: rare once the list has grown. */
static __attribute__((noinline)) int grow(jr_doc *d)
{
    size_t cap = d->cap_vals ? d->cap_vals * 2 : 64;
    jr_val *v = realloc(d->vals, cap * sizeof *v);
    if (!v)
        return -1;
    d->vals = v;
    d->cap_vals = cap;
    return 0;
}

/* A new value at the end of the list; NULL when out of memory. */
JR_STEP jr_val *add(parse *p, enum jr_type type)
{
    jr_doc *d = p->d;
    if (d->nvals == d->cap_vals && grow(d))
        return NULL;
    jr_val *v = &d->vals[d->nvals++];
    v->type = (uint8_t)type;
    v->flag = 0;
    v->count = 0;
    v->span = 1;
    v->src = (uint32_t)p->at;
    v->src_len = 0;
    v->u.i = 0;
    return v;
}

JR_STEP void put_utf8(parse *p, uint32_t c)
{
    char *o = p->out;
    if (c < 0x80) {
        *o++ = (char)c;
    } else if (c < 0x800) {
        *o++ = (char)(0xC0 | c >> 6);
        *o++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (char)(0xE0 | c >> 12);
        *o++ = (char)(0x80 | (c >> 6 & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (char)(0xF0 | c >> 18);
        *o++ = (char)(0x80 | (c >> 12 & 0x3F));
        *o++ = (char)(0x80 | (c >> 6 & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    }
    p->out = o;
}

/* Four hex digits at s[at..]; -1 when they are not. */
JR_STEP long hex4(const parse *p, size_t at)
{
    if (p->len - at < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p->s[at + (size_t)i];
        int h = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* A \u escape whose 'u' is at p->at; leaves p->at after it.  A surrogate
 * without its other half is U+FFFD, as json-c made it. */
JR_STEP enum jr_status unicode_escape(parse *p)
{
    long c = hex4(p, p->at + 1);
    if (c < 0)
        return fail(p, p->at, "invalid \\u escape in a string");
    p->at += 5;
    if (c >= 0xD800 && c <= 0xDBFF && p->len - p->at >= 6 &&
        p->s[p->at] == '\\' && p->s[p->at + 1] == 'u') {
        long lo = hex4(p, p->at + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            p->at += 6;
            put_utf8(p, 0x10000 + (((uint32_t)c - 0xD800) << 10) +
                            ((uint32_t)lo - 0xDC00));
            return JR_OK;
        }
    }
    put_utf8(p, c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : (uint32_t)c);
    return JR_OK;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JR_WORDS 1
/* The bytes of v that are '"', '\\' or NUL: the high bit of each such
 * byte, and maybe of bytes after the first (the usual has-zero-byte
 * test), so only the lowest is exact. */
static inline uint64_t stops8(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones) & ~v)) & highs;
}
#endif

/* Plain bytes from p->at on, copied to p->out, up to the next byte that
 * needs a look (or the end).  Eight at a time while eight are left: each
 * word is stored whole before it is tested, which stays inside the text
 * buffer because the output never runs ahead of the input (see string). */
JR_STEP void plain_run(parse *p)
{
    /* Locals: the stores through `o` could alias *p for the compiler. */
    const unsigned char *s = p->s;
    size_t i = p->at, len = p->len;
    char *o = p->out;
#ifdef JR_WORDS
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        memcpy(o, &w, 8);
        uint64_t m = stops8(w);
        if (m) {
            unsigned k = (unsigned)__builtin_ctzll(m) / 8;
            p->at = i + k;
            p->out = o + k;
            return;
        }
        i += 8;
        o += 8;
    }
#endif
    while (i < len && !string_stop[s[i]])
        *o++ = (char)s[i++];
    p->at = i;
    p->out = o;
}

/* A string whose opening quote is at p->at, decoded into the text buffer.
 * The buffer holds len + 1 bytes.  Every input byte gives at most one
 * output byte (an escape fewer than it takes, a quote none, the closing
 * one the NUL), so the output offset never passes the input offset, and
 * nothing here, the whole words of plain_run included, can overflow it. */
JR_STEP enum jr_status string(parse *p, jr_val *v)
{
    size_t start = ++p->at;
    char *begin = p->out;
    for (;;) {
        plain_run(p);
        size_t i = p->at;
        if (i >= p->len)
            return fail(p, p->len, "unterminated string");
        if (p->s[i] == '"')
            break;
        if (p->s[i] == '\0')
            return fail(p, i, "a NUL byte inside a string");
        if (++p->at >= p->len)
            return fail(p, p->len, "unterminated string");
        char e;
        switch (p->s[p->at]) {
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '/': e = '/'; break;
        case 'b': e = '\b'; break;
        case 'f': e = '\f'; break;
        case 'n': e = '\n'; break;
        case 'r': e = '\r'; break;
        case 't': e = '\t'; break;
        case 'u': {
            enum jr_status st = unicode_escape(p);
            if (st)
                return st;
            continue;
        }
        default:
            return fail(p, p->at, "invalid escape in a string");
        }
        *p->out++ = e;
        p->at++;
    }
    p->at++; /* the closing quote */
    *p->out++ = '\0';
    v->u.s = begin;
    v->count = (uint32_t)(p->out - 1 - begin);
    v->src_len = (uint32_t)(p->at - start + 1);
    return JR_OK;
}

/* The words a value can be.  NaN and Infinity are not JSON, but Python's
 * json.dumps writes them (vLLM's logprobs carry -Infinity), and json-c
 * and json.loads, the reference's reader, both read them. */
JR_STEP enum jr_status literal(parse *p, jr_val *v)
{
    static const struct {
        const char *word;
        size_t len;
        enum jr_type type;
        uint8_t flag;
        double d;
    } words[] = {{"true", 4, JR_BOOL, 1, 0}, {"false", 5, JR_BOOL, 0, 0},
                 {"null", 4, JR_NULL, 0, 0}, {"NaN", 3, JR_DOUBLE, 0, NAN},
                 {"Infinity", 8, JR_DOUBLE, 0, INFINITY}};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        if (p->s[p->at] != (unsigned char)words[i].word[0])
            continue;
        size_t n = words[i].len, have = p->len - p->at;
        if (memcmp(p->s + p->at, words[i].word, have < n ? have : n) != 0)
            break;
        if (have < n)
            return fail(p, p->len, "input ends inside a literal");
        v->type = (uint8_t)words[i].type;
        v->flag = words[i].flag;
        if (words[i].type == JR_DOUBLE)
            v->u.d = words[i].d;
        v->src_len = (uint32_t)n;
        p->at += n;
        return JR_OK;
    }
    return fail(p, p->at, "unexpected character");
}

JR_STEP size_t digits(const parse *p, size_t at)
{
    while (at < p->len && p->s[at] >= '0' && p->s[at] <= '9')
        at++;
    return at;
}

/* An integer's digits, saturating at the int64 bounds (flag set). */
JR_STEP void integer(jr_val *v, const unsigned char *s, size_t n, int neg)
{
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (mag > (limit - dgt) / 10) {
            v->flag = 1;
            mag = limit;
            break;
        }
        mag = mag * 10 + dgt;
    }
    v->u.i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                   : -(int64_t)mag)
                 : (int64_t)mag;
}

JR_STEP enum jr_status number(parse *p, jr_val *v)
{
    size_t start = p->at, at = p->at;
    int neg = p->s[at] == '-';
    at += (size_t)neg;
    size_t int_start = at;
    if (at >= p->len)
        return fail(p, at, "a number without digits");
    if (p->s[at] == 'I') { /* -Infinity */
        p->at = at;
        enum jr_status st = literal(p, v);
        if (!st) {
            v->u.d = -v->u.d;
            v->src = (uint32_t)start;
            v->src_len++;
        }
        return st;
    }
    if (p->s[at] == '0')
        at++;
    else if (p->s[at] >= '1' && p->s[at] <= '9')
        at = digits(p, at);
    else
        return fail(p, at, "a number without digits");
    size_t int_end = at;
    int real = 0;
    if (at < p->len && p->s[at] == '.') {
        size_t f = digits(p, at + 1);
        if (f == at + 1)
            return fail(p, f, "a number with no digit after '.'");
        at = f;
        real = 1;
    }
    if (at < p->len && (p->s[at] == 'e' || p->s[at] == 'E')) {
        size_t e = at + 1;
        if (e < p->len && (p->s[e] == '+' || p->s[e] == '-'))
            e++;
        size_t f = digits(p, e);
        if (f == e)
            return fail(p, f, "a number with no digit in its exponent");
        at = f;
        real = 1;
    }
    p->at = at;
    v->src_len = (uint32_t)(at - start);
    if (!real) {
        v->type = JR_INT;
        integer(v, p->s + int_start, int_end - int_start, neg);
        return JR_OK;
    }
    /* strtod_l wants a terminated string: copy the spelling out. */
    char small[64], *buf = small;
    size_t n = at - start;
    if (n >= sizeof small && !(buf = malloc(n + 1)))
        return JR_E_NO_MEMORY;
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    locale_t c = lp_c_locale();
    v->type = JR_DOUBLE;
    v->u.d = c ? strtod_l(buf, NULL, c) : strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return JR_OK;
}

/* A scalar, or the opening of a container (left open: the caller
 * pushes it).  *opened says which. */
JR_STEP enum jr_status value(parse *p, size_t *index, int *opened)
{
    skip_space(p);
    if (p->at >= p->len)
        return fail(p, p->len, "expected a value");
    jr_val *v = add(p, JR_NULL);
    if (!v)
        return JR_E_NO_MEMORY;
    *index = p->d->nvals - 1;
    *opened = 0;
    unsigned char c = p->s[p->at];
    switch (c) {
    case '{':
    case '[':
        v->type = c == '{' ? JR_OBJECT : JR_ARRAY;
        p->at++;
        *opened = 1;
        return JR_OK;
    case '"':
        v->type = JR_STRING;
        return string(p, v);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return number(p, v);
    default:
        return literal(p, v);
    }
}

/* An object member's name and its ':' (p->at on the opening quote). */
JR_STEP enum jr_status member_name(parse *p)
{
    if (p->at >= p->len)
        return fail(p, p->len, "expected a quoted member name");
    if (p->s[p->at] != '"')
        return fail(p, p->at, "expected a quoted member name");
    jr_val *k = add(p, JR_STRING);
    if (!k)
        return JR_E_NO_MEMORY;
    enum jr_status st = string(p, k);
    if (st)
        return st;
    skip_space(p);
    if (p->at >= p->len || p->s[p->at] != ':')
        return fail(p, p->at, "expected ':' after a member name");
    p->at++;
    return JR_OK;
}

/* Closes the container at `index`: its span and length in the text. */
JR_STEP void close_container(parse *p, size_t index)
{
    jr_val *c = &p->d->vals[index];
    c->span = (uint32_t)(p->d->nvals - index);
    c->src_len = (uint32_t)(p->at - c->src);
}

enum jr_status jr_parse(jr_doc *d, const char *s, size_t len,
                        const jr_val **root)
{
    *root = NULL;
    d->nvals = 0;
    d->err_at = 0;
    d->err_what = NULL;
    if (len >= UINT32_MAX)
        return JR_E_TOO_LARGE;
    if (d->cap_text < len + 1) {
        char *t = realloc(d->text, len + 1);
        if (!t)
            return JR_E_NO_MEMORY;
        d->text = t;
        d->cap_text = len + 1;
    }
    parse p = {d, (const unsigned char *)s, len, 0, d->text};
    /* The containers still open, innermost last. */
    enum { STACK = 128 };
    uint32_t stack[STACK];
    unsigned depth = 0, limit = d->max_depth < STACK ? d->max_depth : STACK;
    enum jr_status st;
    size_t index;
    int opened;
    if ((st = value(&p, &index, &opened)))
        return st;
    for (;;) {
        if (opened) {
            if (depth == limit) {
                fail(&p, p.at - 1, "nested too deep");
                return JR_E_DEPTH;
            }
            stack[depth++] = (uint32_t)index;
            skip_space(&p);
            unsigned char close = d->vals[index].type == JR_OBJECT ? '}' : ']';
            if (p.at < len && p.s[p.at] == close) {
                p.at++;
                close_container(&p, index);
                depth--;
            } else {
                if (close == '}' && (st = member_name(&p)))
                    return st;
                if ((st = value(&p, &index, &opened)))
                    return st;
                d->vals[stack[depth - 1]].count++;
                continue;
            }
        }
        /* A value has ended: what follows it in its container? */
        if (depth == 0)
            break;
        size_t top = stack[depth - 1];
        unsigned char close = d->vals[top].type == JR_OBJECT ? '}' : ']';
        skip_space(&p);
        if (p.at >= len)
            return fail(&p, len, "input ends inside a container");
        unsigned char c = p.s[p.at];
        if (c == close) {
            p.at++;
            close_container(&p, top);
            depth--;
            opened = 0;
            continue;
        }
        if (c != ',')
            return fail(&p, p.at, close == '}' ? "expected ',' or '}'"
                                               : "expected ',' or ']'");
        p.at++;
        if (close == '}') {
            skip_space(&p);
            if ((st = member_name(&p)))
                return st;
        }
        if ((st = value(&p, &index, &opened)))
            return st;
        d->vals[top].count++;
    }
    skip_space(&p);
    if (p.at < len) {
        d->err_at = p.at;
        d->err_what = "unexpected data after the value";
        return JR_E_TRAILING;
    }
    *root = d->vals;
    return JR_OK;
}

/* ------------------------------------------------------------ the reads */

const jr_val *jr_get(const jr_val *obj, const char *key)
{
    if (!obj || obj->type != JR_OBJECT)
        return NULL;
    size_t n = strlen(key);
    const jr_val *found = NULL;
    JR_FOREACH_MEMBER(obj, name, val) {
        if (name->count == n && memcmp(name->u.s, key, n) == 0)
            found = val;
    }
    return found;
}

int64_t jr_int64(const jr_val *v)
{
    if (!v)
        return 0;
    if (v->type == JR_INT)
        return v->u.i;
    if (v->type != JR_DOUBLE)
        return 0;
    double d = v->u.d;
    if (d != d)
        return 0;
    if (d >= (double)INT64_MAX)
        return INT64_MAX;
    if (d <= (double)INT64_MIN)
        return INT64_MIN;
    return (int64_t)d;
}

double jr_double(const jr_val *v)
{
    if (!v)
        return 0;
    if (v->type == JR_DOUBLE)
        return v->u.d;
    return v->type == JR_INT ? (double)v->u.i : 0;
}

const char *jr_type_name(const jr_val *v)
{
    switch (v ? v->type : JR_NULL) {
    case JR_BOOL: return "boolean";
    case JR_INT: return "integer";
    case JR_DOUBLE: return "number";
    case JR_STRING: return "string";
    case JR_ARRAY: return "array";
    case JR_OBJECT: return "object";
    default: return "null";
    }
}
