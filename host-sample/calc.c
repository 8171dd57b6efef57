/* calc.c - exact rational arithmetic on an expression; see calc.h. */
#include "calc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define I128_MAX ((i128)(~(u128)0 >> 1))
#define I128_MIN (-I128_MAX - 1)
#define MAX_DEPTH 200

/* A reduced fraction n/d with d > 0.  Neither part is ever I128_MIN, so
 * negating is always safe. */
typedef struct rat { i128 n, d; } rat;

typedef struct parser {
    const char *s;
    size_t pos;
    int depth;
    int failed;
    char *err;
    size_t errlen;
} parser;

static int fail(parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(parser *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    p->failed = 1;
    return -1;
}

static int too_large(parser *p)
{
    return fail(p, "result too large for exact arithmetic (about 38 digits)");
}

static i128 gcd(i128 a, i128 b)
{
    if (a < 0)
        a = -a;
    while (b) {
        i128 t = a % b;
        a = b;
        b = t < 0 ? -t : t;
    }
    return a;
}

/* n/d in lowest terms with a positive denominator. */
static int make(parser *p, i128 n, i128 d, rat *out)
{
    if (d == 0)
        return fail(p, "division by zero");
    if (n == I128_MIN || d == I128_MIN)
        return too_large(p);
    if (d < 0) {
        n = -n;
        d = -d;
    }
    i128 g = gcd(n, d);
    out->n = n / g;
    out->d = d / g;
    return 0;
}

static int add(parser *p, rat a, rat b, rat *out)
{
    i128 g = gcd(a.d, b.d), x, y, n, d;
    if (__builtin_mul_overflow(a.n, b.d / g, &x) ||
        __builtin_mul_overflow(b.n, a.d / g, &y) ||
        __builtin_add_overflow(x, y, &n) ||
        __builtin_mul_overflow(a.d / g, b.d, &d))
        return too_large(p);
    return make(p, n, d, out);
}

static int mul(parser *p, rat a, rat b, rat *out)
{
    /* Cross-reduce first so that exact results stay in range longer. */
    i128 g1 = gcd(a.n, b.d), g2 = gcd(b.n, a.d), n, d;
    if (__builtin_mul_overflow(a.n / g1, b.n / g2, &n) ||
        __builtin_mul_overflow(a.d / g2, b.d / g1, &d))
        return too_large(p);
    return make(p, n, d, out);
}

static int divide(parser *p, rat a, rat b, rat *out)
{
    rat inv;
    if (b.n == 0)
        return fail(p, "division by zero");
    if (make(p, b.d, b.n, &inv))
        return -1;
    return mul(p, a, inv, out);
}

/* a - b * floor(a / b). */
static int modulo(parser *p, rat a, rat b, rat *out)
{
    rat q, prod;
    if (b.n == 0)
        return fail(p, "modulo by zero");
    if (divide(p, a, b, &q))
        return -1;
    i128 fl = q.n / q.d;
    if (q.n % q.d != 0 && q.n < 0)
        fl -= 1;
    rat whole = {fl, 1};
    if (mul(p, b, whole, &prod))
        return -1;
    prod.n = -prod.n;
    return add(p, a, prod, out);
}

static void skip_space(parser *p)
{
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
           p->s[p->pos] == '\n' || p->s[p->pos] == '\r')
        p->pos++;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int unexpected(parser *p)
{
    char c = p->s[p->pos];
    if (!c)
        return fail(p, "unexpected end of expression");
    return fail(p, "unexpected '%c' at position %zu", c, p->pos + 1);
}

/* digits [. digits] [e [+-] digits], scaled into an exact fraction. */
static int number(parser *p, rat *out)
{
    i128 n = 0, d = 1;
    int digits = 0;
    for (int frac = 0;; p->pos++) {
        char c = p->s[p->pos];
        if (c == '.' && !frac) {
            frac = 1;
            continue;
        }
        if (!is_digit(c))
            break;
        digits++;
        if (__builtin_mul_overflow(n, 10, &n) ||
            __builtin_add_overflow(n, c - '0', &n) ||
            (frac && __builtin_mul_overflow(d, 10, &d)))
            return fail(p, "number too long for exact arithmetic at "
                        "position %zu", p->pos + 1);
    }
    if (!digits)
        return unexpected(p);
    if (p->s[p->pos] == 'e' || p->s[p->pos] == 'E') {
        size_t at = ++p->pos;
        int neg = p->s[p->pos] == '-';
        if (p->s[p->pos] == '-' || p->s[p->pos] == '+')
            p->pos++;
        int e = 0;
        if (!is_digit(p->s[p->pos]))
            return unexpected(p);
        for (; is_digit(p->s[p->pos]); p->pos++)
            if (e < 1000) /* any more overflows below anyway */
                e = e * 10 + (p->s[p->pos] - '0');
        if (n == 0)
            e = 0; /* zero times any power of ten is zero */
        for (; e > 0; e--)
            if (__builtin_mul_overflow(neg ? d : n, 10, neg ? &d : &n))
                return fail(p, "exponent too large at position %zu", at);
    }
    return make(p, n, d, out);
}

static int expr(parser *p, rat *out);

static int primary(parser *p, rat *out)
{
    skip_space(p);
    if (p->s[p->pos] != '(')
        return number(p, out);
    if (++p->depth > MAX_DEPTH)
        return fail(p, "expression nested too deeply");
    p->pos++;
    if (expr(p, out))
        return -1;
    skip_space(p);
    if (p->s[p->pos] != ')')
        return p->s[p->pos] ? unexpected(p) : fail(p, "missing ')'");
    p->pos++;
    p->depth--;
    return 0;
}

static int unary(parser *p, rat *out)
{
    skip_space(p);
    char c = p->s[p->pos];
    if (c != '-' && c != '+')
        return primary(p, out);
    if (++p->depth > MAX_DEPTH)
        return fail(p, "expression nested too deeply");
    p->pos++;
    if (unary(p, out))
        return -1;
    p->depth--;
    if (c == '-')
        out->n = -out->n;
    return 0;
}

static int term(parser *p, rat *out)
{
    if (unary(p, out))
        return -1;
    for (;;) {
        skip_space(p);
        char op = p->s[p->pos];
        if (op != '*' && op != '/' && op != '%')
            return 0;
        p->pos++;
        rat rhs;
        if (unary(p, &rhs))
            return -1;
        int rc = op == '*' ? mul(p, *out, rhs, out)
               : op == '/' ? divide(p, *out, rhs, out)
                           : modulo(p, *out, rhs, out);
        if (rc)
            return -1;
    }
}

static int expr(parser *p, rat *out)
{
    if (term(p, out))
        return -1;
    for (;;) {
        skip_space(p);
        char op = p->s[p->pos];
        if (op != '+' && op != '-')
            return 0;
        p->pos++;
        rat rhs;
        if (term(p, &rhs))
            return -1;
        if (op == '-')
            rhs.n = -rhs.n;
        if (add(p, *out, rhs, out))
            return -1;
    }
}

/* Decimal digits of |v| with a leading '-' when negative. */
static void int_text(i128 v, char *buf, size_t len)
{
    char tmp[48];
    size_t n = 0;
    u128 u = v < 0 ? -(u128)v : (u128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0 && o + 1 < len)
        buf[o++] = '-';
    while (n && o + 1 < len)
        buf[o++] = tmp[--n];
    buf[o] = '\0';
}

/* The exact decimal form if the denominator is 2^a * 5^b and it fits;
 * otherwise 0. */
static int exact_decimal(rat r, char *out, size_t outlen)
{
    i128 d = r.d, scale = 1, n;
    int k = 0;
    while (d % 10 == 0 || d % 2 == 0 || d % 5 == 0) {
        d /= d % 10 == 0 ? 10 : d % 2 == 0 ? 2 : 5;
        if (__builtin_mul_overflow(scale, 10, &scale))
            return 0;
        k++;
    }
    if (d != 1 || __builtin_mul_overflow(r.n, scale / r.d, &n))
        return 0;
    char digits[48];
    int_text(n, digits, sizeof digits);
    const char *mag = digits + (n < 0);
    size_t len = strlen(mag);
    char padded[96];
    /* Leading zeros so that there is a digit before the point. */
    size_t zeros = len <= (size_t)k ? (size_t)k - len + 1 : 0;
    memset(padded, '0', zeros);
    memcpy(padded + zeros, mag, len + 1);
    len += zeros;
    snprintf(out, outlen, "%s%.*s.%s", n < 0 ? "-" : "",
             (int)(len - (size_t)k), padded, padded + len - (size_t)k);
    return 1;
}

int calc_eval(const char *text, char *out, size_t outlen)
{
    parser p = {.s = text ? text : "", .err = out, .errlen = outlen};
    rat r = {0, 1};
    if (outlen)
        out[0] = '\0';
    skip_space(&p);
    if (!p.s[p.pos]) {
        snprintf(out, outlen, "empty expression");
        return -1;
    }
    if (expr(&p, &r))
        return -1;
    skip_space(&p);
    if (p.s[p.pos]) {
        unexpected(&p);
        return -1;
    }
    if (r.d == 1) {
        int_text(r.n, out, outlen);
    } else if (!exact_decimal(r, out, outlen)) {
        char n[48], d[48];
        int_text(r.n, n, sizeof n);
        int_text(r.d, d, sizeof d);
        snprintf(out, outlen, "%s/%s (approximately %.15Lg)", n, d,
                 (long double)r.n / (long double)r.d);
    }
    return 0;
}
