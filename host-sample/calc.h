/*
 * calc.h - exact arithmetic on an expression, for the calculator tool.
 *
 * Numbers are exact rationals (128-bit numerator and denominator), so
 * "0.1 + 0.2" is exactly 0.3 and "1/3 * 3" is exactly 1.  Grammar:
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | primary
 *   primary := NUMBER | '(' expr ')'
 *   NUMBER  := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]
 *
 * '%' is the floored remainder (a - b * floor(a / b), the sign follows the
 * divisor, as in Python) and works on decimals too.  Every result that
 * does not fit in 128 bits is an error, never a wrong answer.
 */
#ifndef HOST_CALC_H
#define HOST_CALC_H

#include <stddef.h>

/* Evaluate `expr`.  On success returns 0 and writes the result to `out`:
 * an integer ("42"), an exact decimal ("0.3", "-2.25"), or a fraction
 * with an approximation ("1/3 (approximately 0.333333333333333)").  On
 * failure returns -1 and writes the reason ("division by zero",
 * "unexpected 'x' at position 4", "result too large for exact
 * arithmetic ...").  The output is always NUL-terminated. */
int calc_eval(const char *expr, char *out, size_t outlen);

#endif
