/*
 * test_json_reader.c - the answers' JSON reader (plugin/core/json_reader.h):
 * values, strings, numbers (under a decimal-comma locale too), refusals
 * with their offsets, buffers reused from payload to payload, and the
 * same values as json-c for every payload of the recorded transcripts.
 */
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/core/json_reader.h"
#include "../support/comma_locale.h"
#include "../support/json_same.h"

#define TRANSCRIPTS LP_TRANSCRIPTS_DIR

/* Element i of an array (NULL out of range): the plugin walks arrays
 * with jr_first/jr_next; the tests pick elements. */
static const jr_val *at(const jr_val *arr, size_t i)
{
    if (!jr_is(arr, JR_ARRAY) || i >= arr->count)
        return NULL;
    const jr_val *v = jr_first(arr);
    while (i--)
        v = jr_next(v);
    return v;
}

static const jr_val *parse_ok(jr_doc *d, const char *s)
{
    const jr_val *v = NULL;
    enum jr_status st = jr_parse(d, s, strlen(s), &v);
    if (st != JR_OK)
        fail_msg("%s: status %d at %zu (%s)", s, (int)st, d->err_at,
                 d->err_what ? d->err_what : "-");
    return v;
}

static void test_values_and_walks(void **state)
{
    (void)state;
    jr_doc d;
    jr_init(&d, 64);
    const char *src = " {\"a\":[1,true,null,\"x\"],\"b\":{},\"c\":false,"
                      "\"a\":2.5} ";
    const jr_val *v = parse_ok(&d, src);
    assert_true(jr_is(v, JR_OBJECT));
    assert_int_equal(v->count, 4);
    assert_int_equal(v->src, 1);
    assert_int_equal(v->src_len, 48);
    /* A repeated name: both kept, the last one found, as json-c did. */
    const jr_val *a = jr_get(v, "a");
    assert_true(jr_is(a, JR_DOUBLE));
    assert_true(jr_double(a) == 2.5);
    assert_null(jr_get(v, "missing"));
    assert_null(jr_get(a, "a")); /* not an object */
    assert_true(jr_is(jr_get(v, "b"), JR_OBJECT));
    assert_int_equal(jr_get(v, "b")->count, 0);
    assert_null(jr_first(jr_get(v, "b")));
    assert_true(jr_is(jr_get(v, "c"), JR_BOOL));
    assert_int_equal(jr_get(v, "c")->flag, 0);
    /* Members in order, the first "a" included. */
    const char *names[] = {"a", "b", "c", "a"};
    size_t i = 0;
    JR_FOREACH_MEMBER(v, name, val) {
        assert_true(i < 4);
        assert_string_equal(jr_str(name), names[i]);
        if (i == 0) {
            assert_true(jr_is(val, JR_ARRAY));
            assert_int_equal(val->count, 4);
            assert_int_equal(val->span, 5);
            assert_int_equal(val->src_len, 17);
            assert_memory_equal(src + val->src, "[1,true,null,\"x\"]", 17);
            const jr_val *e = jr_first(val);
            assert_int_equal(jr_int64(e), 1);
            e = jr_next(e);
            assert_true(jr_is(e, JR_BOOL) && e->flag == 1);
            e = jr_next(e);
            assert_true(jr_is(e, JR_NULL));
            e = jr_next(e);
            assert_string_equal(jr_str(e), "x");
            assert_ptr_equal(at(val, 3), e);
            assert_null(at(val, 4));
        }
        i++;
    }
    assert_int_equal(i, 4);
    /* NULL is "no value": a null for jr_is, empty for the rest. */
    assert_true(jr_is(NULL, JR_NULL));
    assert_false(jr_is(NULL, JR_OBJECT));
    assert_string_equal(jr_str(NULL), "");
    assert_int_equal(jr_len(NULL), 0);
    assert_string_equal(jr_type_name(NULL), "null");
    assert_string_equal(jr_type_name(v), "object");
    assert_string_equal(jr_type_name(a), "number");
    /* Nested containers: spans skip whole subtrees. */
    v = parse_ok(&d, "[[1,[2,3]],{\"k\":[4]},5]");
    assert_int_equal(v->count, 3);
    const jr_val *e = jr_first(v);
    assert_int_equal(e->span, 5);
    e = jr_next(e);
    assert_true(jr_is(e, JR_OBJECT));
    assert_int_equal(jr_int64(jr_first(jr_get(e, "k"))), 4);
    e = jr_next(e);
    assert_int_equal(jr_int64(e), 5);
    /* A scalar at the very end (json-c could not finish one). */
    v = parse_ok(&d, "123");
    assert_int_equal(jr_int64(v), 123);
    v = parse_ok(&d, "true");
    assert_true(jr_is(v, JR_BOOL));
    jr_free(&d);
}

static void test_strings(void **state)
{
    (void)state;
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *v = parse_ok(&d, "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\","
                                   "\"\\u00e9\\u20ac\\ud83d\\ude00\","
                                   "\"\\ud800\",\"\\udc00x\",\"\\ud800\\u0041\","
                                   "\"a\\u0000b\",\"raw\ttab\x01\","
                                   "\"\xff\xfe\",\"\"]");
    const char *want[] = {"\"\\/\b\f\n\r\t", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
                          "\xef\xbf\xbd", "\xef\xbf\xbdx", "\xef\xbf\xbd" "A",
                          "a\0b", "raw\ttab\x01", "\xff\xfe", ""};
    size_t lens[] = {8, 9, 3, 4, 4, 3, 8, 2, 0};
    const jr_val *e = jr_first(v);
    for (size_t i = 0; i < 9; i++, e = jr_next(e)) {
        assert_true(jr_is(e, JR_STRING));
        assert_int_equal(jr_len(e), lens[i]);
        assert_memory_equal(jr_str(e), want[i], lens[i]);
        assert_int_equal(jr_str(e)[lens[i]], '\0');
    }
    jr_free(&d);
}

/* The pairs json-c 0.16 turned into U+FFFD (it took the decoded code
 * point for a surrogate again when its low 16 bits were D800-DFFF) are
 * decoded: Sutton SignWriting's U+1D800 and U+1DA00, Latin Extended-G's
 * U+1DF00, and the same range of plane 2. */
static void test_pairs_json_c_mangled(void **state)
{
    (void)state;
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *v = parse_ok(&d, "[\"\\ud836\\udc00\",\"\\ud836\\ude00\","
                                   "\"\\ud837\\udf00\",\"\\ud876\\udc00\"]");
    const char *want[] = {"\xf0\x9d\xa0\x80", "\xf0\x9d\xa8\x80",
                          "\xf0\x9d\xbc\x80", "\xf0\xad\xa0\x80"};
    const jr_val *e = jr_first(v);
    for (size_t i = 0; i < 4; i++, e = jr_next(e)) {
        assert_int_equal(jr_len(e), 4);
        assert_memory_equal(jr_str(e), want[i], 4);
    }
    /* The comparison with json-c knows this difference, and only it. */
    char why[256];
    assert_true(js_same_text("\"\\ud837\\ude00\"", 14, 64, why, sizeof why));
    assert_true(js_same_text("{\"\\ud837\\ude00\":1}", 18, 64, why,
                             sizeof why));
    jr_free(&d);
}

static void test_numbers(void **state)
{
    (void)state;
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *v = parse_ok(&d, "[0,-0,42,-17,9223372036854775807,"
                                   "-9223372036854775808,9223372036854775808,"
                                   "-123456789012345678901234567890,1.5,"
                                   "-2.5e3,1E-2,2e+1,1e400,1.9e19]");
    const jr_val *e = jr_first(v);
    int64_t ints[] = {0, 0, 42, -17, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN};
    int wide[] = {0, 0, 0, 0, 0, 0, 1, 1};
    for (size_t i = 0; i < 8; i++, e = jr_next(e)) {
        assert_true(jr_is(e, JR_INT));
        assert_true(jr_int64(e) == ints[i]);
        assert_int_equal(e->flag, wide[i]);
    }
    double dbl[] = {1.5, -2500, 0.01, 20};
    for (size_t i = 0; i < 4; i++, e = jr_next(e)) {
        assert_true(jr_is(e, JR_DOUBLE));
        assert_true(jr_double(e) == dbl[i]);
    }
    assert_true(isinf(jr_double(e)));
    assert_true(jr_int64(e) == INT64_MAX); /* saturates, as json-c did */
    e = jr_next(e);
    assert_true(jr_int64(e) == INT64_MAX);
    assert_true(jr_double(jr_first(v)) == 0.0);
    assert_int_equal(jr_int64(at(v, 8)), 1); /* 1.5 truncated */
    /* What Python's json.dumps writes for these, as json.loads reads it. */
    v = parse_ok(&d, "[NaN,Infinity,-Infinity]");
    assert_true(isnan(jr_double(at(v, 0))));
    assert_true(isinf(jr_double(at(v, 1))) && jr_double(at(v, 1)) > 0);
    assert_true(isinf(jr_double(at(v, 2))) && jr_double(at(v, 2)) < 0);
    assert_int_equal(at(v, 2)->src, 14);
    assert_int_equal(at(v, 2)->src_len, 9);
    jr_free(&d);
}

/* A host that runs under a decimal-comma locale reads 1.5 as 1.5. */
static void test_numbers_under_a_comma_locale(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *v = parse_ok(&d, "{\"cost\":0.000125,\"x\":-2.75E1}");
    assert_true(jr_double(jr_get(v, "cost")) == 0.000125);
    assert_true(jr_double(jr_get(v, "x")) == -27.5);
    jr_free(&d);
    it_leave_comma_locale();
}

typedef struct refusal {
    const char *text;
    enum jr_status status;
    size_t at;
    size_t len; /* 0: strlen(text) */
} refusal;

static void test_refusals_say_where(void **state)
{
    (void)state;
    static const refusal cases[] = {
        {"", JR_E_END, 0, 0},
        {"   ", JR_E_END, 3, 0},
        {"{\"a\":", JR_E_END, 5, 0},
        {"{\"a\":1", JR_E_END, 6, 0},
        {"[\"abc", JR_E_END, 5, 0},
        {"[\"a\\", JR_E_END, 4, 0},
        {"tru", JR_E_END, 3, 0},
        {"{} {}", JR_E_TRAILING, 3, 0},
        {"[1]x", JR_E_TRAILING, 3, 0},
        {"[1,]", JR_E_SYNTAX, 3, 0},
        {"{\"a\":1,}", JR_E_SYNTAX, 7, 0},
        {"{'a':1}", JR_E_SYNTAX, 1, 0},
        {"{\"a\" 1}", JR_E_SYNTAX, 5, 0},
        {"[1 2]", JR_E_SYNTAX, 3, 0},
        {"[01]", JR_E_SYNTAX, 2, 0},
        {"[-01]", JR_E_SYNTAX, 3, 0},
        {"[1.]", JR_E_SYNTAX, 3, 0},
        {"[1.e5]", JR_E_SYNTAX, 3, 0},
        {"[1e]", JR_E_SYNTAX, 3, 0},
        {"[-]", JR_E_SYNTAX, 2, 0},
        {"[.5]", JR_E_SYNTAX, 1, 0},
        {"[+1]", JR_E_SYNTAX, 1, 0},
        {"[nan]", JR_E_SYNTAX, 1, 0},
        {"[-NaN]", JR_E_SYNTAX, 2, 0},
        {"[Inf]", JR_E_SYNTAX, 1, 0},
        {"[Infinity", JR_E_END, 9, 0},
        {"[nul]", JR_E_SYNTAX, 1, 0},
        {"[\"\\x\"]", JR_E_SYNTAX, 3, 0},
        {"[\"\\u12G4\"]", JR_E_SYNTAX, 3, 0},
        {"[\"a\0b\"]", JR_E_SYNTAX, 3, 7},
        {"\xef\xbb\xbf{}", JR_E_SYNTAX, 0, 0},
    };
    jr_doc d;
    jr_init(&d, 64);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const refusal *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        const jr_val *v = (const jr_val *)&d;
        enum jr_status st = jr_parse(&d, c->text, len, &v);
        if (st != c->status || d.err_at != c->at || v != NULL)
            fail_msg("case %zu (%s): status %d at %zu, want %d at %zu", i,
                     c->text, (int)st, d.err_at, (int)c->status, c->at);
        assert_non_null(d.err_what);
    }
    jr_free(&d);
}

static void test_depth_limit(void **state)
{
    (void)state;
    char deep[200];
    jr_doc d;
    jr_init(&d, 64);
    for (size_t n = 63; n <= 65; n++) {
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        const jr_val *v;
        enum jr_status st = jr_parse(&d, deep, 2 * n, &v);
        assert_int_equal(st, n <= 64 ? JR_OK : JR_E_DEPTH);
    }
    /* Many containers side by side are not deep: 100 arrays and 100
     * objects in one array, each holding one more. */
    char wide_doc[2000];
    size_t at = 0;
    wide_doc[at++] = '[';
    for (int i = 0; i < 100; i++)
        at += (size_t)sprintf(wide_doc + at, "%s[[1]],{\"k\":{}}",
                              i ? "," : "");
    wide_doc[at++] = ']';
    const jr_val *w;
    assert_int_equal(jr_parse(&d, wide_doc, at, &w), JR_OK);
    assert_int_equal(w->count, 200);
    /* Deeper than the reader's own stack: still a refusal, not a crash. */
    jr_doc wide;
    jr_init(&wide, 1000);
    memset(deep, '[', 200);
    const jr_val *v;
    assert_int_equal(jr_parse(&wide, deep, 200, &v), JR_E_DEPTH);
    jr_free(&wide);
    jr_free(&d);
}

/* Buffers grow to the largest payload and are kept: the mapper's chunks
 * then cost no allocation. */
static void test_buffers_are_reused(void **state)
{
    (void)state;
    jr_doc d;
    jr_init(&d, 64);
    size_t n = 5000;
    char *big = malloc(n * 6 + 16);
    assert_non_null(big);
    size_t at = 0;
    big[at++] = '[';
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(big + at, "%s\"ab\"", i ? "," : "");
    big[at++] = ']';
    const jr_val *v;
    assert_int_equal(jr_parse(&d, big, at, &v), JR_OK);
    assert_int_equal(v->count, n);
    jr_val *vals = d.vals;
    char *text = d.text;
    size_t cap_vals = d.cap_vals, cap_text = d.cap_text;
    for (int round = 0; round < 3; round++) {
        v = parse_ok(&d, "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}");
        assert_string_equal(jr_str(jr_get(jr_get(jr_first(jr_get(v, "choices")),
                                                 "delta"), "content")), "hi");
    }
    assert_ptr_equal(d.vals, vals);
    assert_ptr_equal(d.text, text);
    assert_int_equal(d.cap_vals, cap_vals);
    assert_int_equal(d.cap_text, cap_text);
    free(big);
    jr_free(&d);
}

/* ------------------------------------------- the same values as json-c */

static void expect_same(const char *what, const char *s, size_t len,
                        size_t *compared)
{
    char why[256];
    if (!js_same_text(s, len, 64, why, sizeof why))
        fail_msg("%s: %s", what, why);
    (*compared)++;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *b = realloc(buf, cap = cap ? cap * 2 : 65536);
            assert_non_null(b);
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    *len = n;
    return buf;
}

/* Each data line of an .sse file, and a whole .json file. */
static void compare_file(const char *path, size_t *compared)
{
    size_t len = 0;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    size_t plen = strlen(path);
    if (plen > 5 && strcmp(path + plen - 5, ".json") == 0) {
        expect_same(path, buf, len, compared);
    } else {
        for (size_t at = 0; at < len;) {
            char *nl = memchr(buf + at, '\n', len - at);
            size_t end = nl ? (size_t)(nl - buf) : len, e = end;
            if (e > at && buf[e - 1] == '\r')
                e--;
            if (e - at > 5 && memcmp(buf + at, "data:", 5) == 0) {
                size_t p = at + 5 + (buf[at + 5] == ' ');
                if (!(e - p == 6 && memcmp(buf + p, "[DONE]", 6) == 0))
                    expect_same(path, buf + p, e - p, compared);
            }
            at = end + 1;
        }
    }
    free(buf);
}

static void compare_dir(const char *dir, size_t *files, size_t *compared)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".sse") == 0) {
            compare_file(path, compared);
            (*files)++;
        } else if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0) {
            compare_file(path, compared);
            (*files)++;
        } else if (!strchr(de->d_name, '.')) {
            compare_dir(path, files, compared);
        }
    }
    closedir(dp);
}

/* Every payload the real providers sent, read by both. */
static void test_transcripts_read_as_json_c_reads_them(void **state)
{
    (void)state;
    DIR *dp = opendir(TRANSCRIPTS);
    if (!dp) {
        print_message("no transcripts at %s\n", TRANSCRIPTS);
        skip();
    }
    closedir(dp);
    size_t files = 0, compared = 0;
    compare_dir(TRANSCRIPTS, &files, &compared);
    print_message("%zu payloads of %zu files compared\n", compared, files);
    assert_true(files >= 10);
    assert_true(compared >= 100);
}

/* The comparison itself sees a difference (else the test above proves
 * nothing): a doc altered after the parse no longer matches json-c. */
static void test_the_comparison_can_fail(void **state)
{
    (void)state;
    const char *s = "{\"a\":[1,\"x\"],\"b\":2.5}";
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *v = parse_ok(&d, s);
    json_object *b = json_tokener_parse(s);
    assert_non_null(b);
    char why[256];
    assert_true(js_same(v, b, why, sizeof why));
    d.vals[3].u.i = 2; /* the 1 */
    assert_false(js_same(v, b, why, sizeof why));
    assert_string_equal(why, "$.a[0]: integer");
    d.vals[3].u.i = 1;
    assert_true(js_same(v, b, why, sizeof why));
    d.vals[4].count = 0; /* "x" */
    assert_false(js_same(v, b, why, sizeof why));
    json_object_put(b);
    jr_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_walks),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_pairs_json_c_mangled),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_under_a_comma_locale),
        cmocka_unit_test(test_refusals_say_where),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_buffers_are_reused),
        cmocka_unit_test(test_transcripts_read_as_json_c_reads_them),
        cmocka_unit_test(test_the_comparison_can_fail),
    };
    int rc = cmocka_run_group_tests_name("json_reader", tests, NULL, NULL);
    it_remove_comma_locale();
    return rc;
}
