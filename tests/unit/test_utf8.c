/*
 * test_utf8.c - the plugin's one UTF-8 helper (plugin/core/utf8.h): the
 * validator every string for the host passes (model text, tool ids and
 * names, the structured-output description), the code-point count of
 * schema minLength/maxLength, and the cutting helpers that keep error and
 * log text from ending inside a character.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../plugin/core/utf8.h"

/* RFC 3629: overlongs, surrogates and code points past U+10FFFF are not
 * UTF-8; the offset returned is the first byte of the first bad one. */
static void test_first_bad_byte(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t bad; /* offset of the first bad byte; SIZE_MAX: valid */
    } cases[] = {
        {"plain ascii text that is longer than eight bytes", SIZE_MAX},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", SIZE_MAX},
        {"\xed\x9f\xbf\xee\x80\x80", SIZE_MAX},   /* U+D7FF, U+E000 */
        {"\xf4\x8f\xbf\xbf", SIZE_MAX},           /* U+10FFFF */
        {"\xc2\x80\xdf\xbf", SIZE_MAX},           /* U+0080, U+07FF */
        {"caf\xe9", 3},                          /* Latin-1 */
        {"abcdefghij\x80", 10},                   /* lone continuation */
        {"abcdefgh\xe2\x82", 8},                  /* cut at the end */
        {"ab\xe2\x28\xa1", 2},                    /* bad continuation */
        {"x\xc0\xaf", 1},                         /* overlong '/' */
        {"\xc1\xbf", 0},                          /* overlong */
        {"\xe0\x9f\xbf", 0},                      /* overlong U+07FF */
        {"\xf0\x8f\xbf\xbf", 0},                  /* overlong U+FFFF */
        {"ok\xed\xa0\x80", 2},                     /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0},                  /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        size_t want = cases[i].bad == SIZE_MAX ? n : cases[i].bad;
        size_t got = lp_utf8_bad(cases[i].s, n);
        if (got != want)
            fail_msg("case %zu: first bad byte %zu, want %zu", i, got, want);
        assert_int_equal(lp_utf8_valid(cases[i].s, n), cases[i].bad == SIZE_MAX);
    }
    assert_int_equal(lp_utf8_bad(NULL, 0), 0);
    /* A NUL byte is a character like any other (lengths, not strlen). */
    assert_true(lp_utf8_valid("a\0b", 3));
}

static void test_code_points(void **state)
{
    (void)state;
    assert_int_equal(lp_utf8_count("", 0), 0);
    assert_int_equal(lp_utf8_count("h\xc3\xa9llo", 6), 5);
    assert_int_equal(lp_utf8_count("\xe2\x82\xac" "a", 4), 2);
    assert_int_equal(lp_utf8_count("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8), 2);
}

/* A cut inside a 2-, 3- or 4-byte character drops what was kept of it;
 * a cut between characters keeps everything. */
static void test_whole_drops_a_split_character(void **state)
{
    (void)state;
    const char *s = "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80";
    /* a é b € c 😀 : byte offsets 0 1-2 3 4-6 7 8-11 */
    static const struct {
        size_t cut, want;
    } cases[] = {
        {0, 0}, {1, 1}, {2, 1}, {3, 3}, {4, 4}, {5, 4}, {6, 4}, {7, 7},
        {8, 8}, {9, 8}, {10, 8}, {11, 8}, {12, 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (lp_utf8_whole(s, cases[i].cut) != cases[i].want)
            fail_msg("cut at %zu kept %zu bytes, want %zu", cases[i].cut,
                     lp_utf8_whole(s, cases[i].cut), cases[i].want);
    /* Text that is not UTF-8 to begin with is left alone. */
    assert_int_equal(lp_utf8_whole("ab\x80\x80\x80\x80", 6), 6);
    assert_int_equal(lp_utf8_whole("\x80", 1), 1);
}

/* The precision for "%.*s": at most max bytes, never half a character. */
static void test_precision_for_printf(void **state)
{
    (void)state;
    assert_int_equal(lp_utf8_prec("abcdef", 4), 4);
    assert_int_equal(lp_utf8_prec("ab", 4), 2);
    assert_int_equal(lp_utf8_prec("ab\xc3\xa9", 3), 2);
    assert_int_equal(lp_utf8_prec("ab\xc3\xa9", 4), 4);
    assert_int_equal(lp_utf8_prec("\xf0\x9f\x98\x80x", 3), 0);
    assert_int_equal(lp_utf8_prec(NULL, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_bad_byte),
        cmocka_unit_test(test_code_points),
        cmocka_unit_test(test_whole_drops_a_split_character),
        cmocka_unit_test(test_precision_for_printf),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
