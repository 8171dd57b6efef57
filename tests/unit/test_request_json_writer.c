/*
 * test_request_json_writer.c - the JSON the request side writes: compact,
 * UTF-8 kept byte for byte, every number exactly as it came in (integers
 * beyond 64 bits included), computed doubles the same under a
 * decimal-comma locale, and values shared between calls only read.
 *
 * The locale tests need a locale whose decimal point is a comma.  When
 * de_DE.UTF-8 is not installed it is generated with localedef into a
 * temporary directory (LOCPATH); when neither works they are skipped
 * (reported as skipped, never as passed).
 */
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <unistd.h>

#include "request_test_util.h"
#include "request_copy_meter.h"
#include "../support/comma_locale.h"
#include "../../plugin/core/json_writer.h"

/* ------------------------------------------------------------ helpers */

/* jw_json of a value into a fresh C string (caller frees). */
static char *write_value(json_object *v)
{
    strbuf sb;
    sb_init(&sb, 1 << 20);
    assert_int_equal(jw_to_string(v, &sb), 0);
    char *out = strdup(sb.data ? sb.data : "");
    sb_free(&sb);
    return out;
}

/* The arguments text of the one toolUse whose input is `input_json`. */
static char *arguments_of(const char *input_json)
{
    lp_config cfg = rt_config();
    char req[8192];
    snprintf(req, sizeof req, "{\"messages\":[{\"role\":\"assistant\","
             "\"content\":[{\"toolUse\":{\"toolUseId\":\"t\",\"name\":\"n\","
             "\"input\":%s}}]}]}", input_json);
    rt_log log = {0};
    json_object *body = rt_format(&cfg, req, &log);
    json_object *fn = rt_member(json_object_array_get_idx(
        rt_member(rt_message(body, 0), "tool_calls"), 0), "function");
    char *args = strdup(json_object_get_string(rt_member(fn, "arguments")));
    json_object_put(body);
    return args;
}

static void expect_arguments(const char *input_json, const char *want)
{
    char *got = arguments_of(input_json);
    assert_string_equal(got, want);
    free(got);
}

/* Numbers exactly as written, each kind that matters. */
#define NUMBERS_IN "{\"u64\":12345678901234567890,\"wide\":" \
    "123456789012345678901234567890,\"below\":-9223372036854775809," \
    "\"max\":18446744073709551615,\"over\":18446744073709551616," \
    "\"min\":-9223372036854775808,\"i\":-42,\"big\":1e308,\"huge\":1E+400," \
    "\"tenth\":0.1,\"negzero\":-0.0,\"tiny\":5e-324,\"keep\":2.50," \
    "\"one\":1.0,\"arr\":[0,-1,3.14159265358979323846]}"

/* -------------------------------------------------------------- tests */

static void test_compact_output(void **state)
{
    (void)state;
    json_object *v = rt_parse("{ \"a\" : [ 1 , 2 , { } , [ ] ] ,\n\t\"b\" : "
                              "{ \"c\" : null , \"d\" : true , \"e\" : false } }");
    char *s = write_value(v);
    assert_string_equal(s, "{\"a\":[1,2,{},[]],\"b\":{\"c\":null,\"d\":true,"
                           "\"e\":false}}");
    free(s);
    json_object_put(v);
}

static void test_utf8_kept_and_controls_escaped(void **state)
{
    (void)state;
    /* Raw UTF-8 (2, 3 and 4 bytes, U+2028) and escaped forms of the same
     * characters all come out as raw UTF-8; only '"', '\' and control
     * characters are escaped; '/' and DEL are left alone. */
    json_object *v = rt_parse("{\"k\xc3\xa9y\":\"\xc3\xa9 \xe2\x82\xac "
                              "\xf0\x9f\x98\x80 \xe2\x80\xa8 \\u00e9 \\u20ac "
                              "\\ud83d\\ude00 a/b \x7f \\\" \\\\ \\n\\t\\r\\b"
                              "\\f \\u0001\\u001f \\u0000 end\"}");
    char *s = write_value(v);
    assert_string_equal(s, "{\"k\xc3\xa9y\":\"\xc3\xa9 \xe2\x82\xac "
                           "\xf0\x9f\x98\x80 \xe2\x80\xa8 \xc3\xa9 \xe2\x82\xac "
                           "\xf0\x9f\x98\x80 a/b \x7f \\\" \\\\ \\n\\t\\r\\b"
                           "\\f \\u0001\\u001f \\u0000 end\"}");
    free(s);
    json_object_put(v);
}

/* Every number of a host's request reaches the body as it was written. */
static void test_numbers_keep_their_spelling(void **state)
{
    (void)state;
    expect_arguments(NUMBERS_IN, NUMBERS_IN);
    /* The same inside a json tool result and a tool spec's schema, read
     * from the body text (parsing it back would saturate again). */
    lp_config cfg = rt_config();
    const char *req = "{\"messages\":[{\"role\":\"assistant\",\"content\":"
        "[{\"toolUse\":{\"toolUseId\":\"t\",\"name\":\"n\",\"input\":{}}}]},"
        "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":"
        "\"t\",\"content\":[{\"json\":" NUMBERS_IN "}]}}]}],\"tool_specs\":"
        "[{\"name\":\"n\",\"inputSchema\":{\"json\":{\"maximum\":"
        "123456789012345678901234567890,\"minimum\":-0.0}}}]}";
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, 1 << 20);
    int streaming;
    assert_int_equal(rf_parse(req, strlen(req), NULL, &r, &err), MP_OK);
    assert_int_equal(rf_format_body(&cfg, NULL, &r, NULL, NULL, &body, &streaming,
                                    &err), MP_OK);
    assert_non_null(strstr(body.data, "\"parameters\":{\"maximum\":"
                           "123456789012345678901234567890,\"minimum\":-0.0}"));
    json_object *doc = rt_parse(body.data);
    assert_string_equal(json_object_get_string(rt_member(rt_message(doc, 1),
                        "content")), NUMBERS_IN);
    json_object_put(doc);
    sb_free(&body);
    rf_release(&r);
}

/* Wide integers in arrays, nested, and under repeated keys (json-c keeps
 * the last value in the first one's place; so must the digits). */
static void test_wide_integers_in_every_position(void **state)
{
    (void)state;
    expect_arguments("[[99999999999999999999,[-99999999999999999999]],"
                     "{\"k\":[1,88888888888888888888]}]",
                     "[[99999999999999999999,[-99999999999999999999]],"
                     "{\"k\":[1,88888888888888888888]}]");
    expect_arguments("{\"a\":1,\"b\":99999999999999999999,"
                     "\"a\":77777777777777777777}",
                     "{\"a\":77777777777777777777,\"b\":99999999999999999999}");
    expect_arguments("{\"a\":99999999999999999999,\"a\":18446744073709551615}",
                     "{\"a\":18446744073709551615}");
    expect_arguments("{\"a\":99999999999999999999,\"a\":5}", "{\"a\":5}");
    expect_arguments("{\"a\":{\"x\":99999999999999999999},\"a\":{\"y\":1}}",
                     "{\"a\":{\"y\":1}}");
    /* Keys that need no escape may hold anything else, strings may hold
     * digits and brackets. */
    expect_arguments("{\"\xc3\xa9 [x]\":{\"s\":\"] } 99999999999999999999 "
                     "\\\"\",\"n\":99999999999999999999}}",
                     "{\"\xc3\xa9 [x]\":{\"s\":\"] } 99999999999999999999 "
                     "\\\"\",\"n\":99999999999999999999}}");
}

/* A wide integer under a key written with escapes cannot be found from the
 * text: a clear error, never a different number. */
static void test_wide_integer_under_escaped_key_is_an_error(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    rt_log log = {0};
    mp_error err = MP_ERROR_INIT;
    const char *req = "{\"messages\":[{\"role\":\"assistant\",\"content\":"
        "[{\"toolUse\":{\"toolUseId\":\"t\",\"name\":\"n\",\"input\":"
        "{\"k\\u0041\":99999999999999999999}}}]}]}";
    assert_int_equal(rt_format_fail(&cfg, req, &log, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_string_equal(err.message, "request: the integer at byte 102 does "
                        "not fit in 64 bits and its key is written with "
                        "escapes, so it cannot be kept exactly (send it as a "
                        "string)");
    /* Escaped keys with ordinary numbers are fine. */
    expect_arguments("{\"k\\u0041\":18446744073709551614}",
                     "{\"kA\":18446744073709551614}");
}

/* Doubles that were computed, not parsed: shortest round-trip text, '.'
 * as the decimal point, always a float, NaN/inf as null. */
static void check_computed_doubles(void)
{
    static const struct {
        double d;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},   {1.0, "1.0"},   {100.0, "100.0"}, {-0.0, "-0.0"},
        {2.5, "2.5"},   {1e300, "1e+300"}, {0.30000000000000004,
                                            "0.30000000000000004"},
        {-1234.5678, "-1234.5678"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *v = json_object_new_double(cases[i].d);
        char *s = write_value(v);
        assert_string_equal(s, cases[i].want);
        free(s);
        json_object_put(v);
    }
    json_object *nan = json_object_new_double(0.0 / 0.0);
    char *s = write_value(nan);
    assert_string_equal(s, "null");
    free(s);
    json_object_put(nan);
}

static void test_computed_doubles(void **state)
{
    (void)state;
    check_computed_doubles();
}

/* ------------------------------------------------ decimal-comma locale */

static void test_numbers_under_decimal_comma_locale(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    /* The locale really is in force for this process. */
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    assert_string_equal(probe, "0,5");
    expect_arguments(NUMBERS_IN, NUMBERS_IN);
    check_computed_doubles();
    it_leave_comma_locale();
}

/* newlocale() made to fail on demand: the writer must not depend on
 * creating a locale (it may fail for lack of memory, and making one per
 * number would be waste), so numbers stay JSON even then. */
static int newlocale_fails;

locale_t newlocale(int mask, const char *name, locale_t base)
{
    static locale_t (*real)(int, const char *, locale_t);
    if (newlocale_fails) {
        errno = ENOMEM;
        return (locale_t)0;
    }
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "newlocale");
    return real ? real(mask, name, base) : (locale_t)0;
}

static void test_numbers_need_no_locale_object(void **state)
{
    (void)state;
    if (!it_use_comma_locale())
        skip();
    newlocale_fails = 1;
    check_computed_doubles();
}

/* Whatever the test's outcome: newlocale works again (json-c's parser
 * needs it) and the C locale is back. */
static int locale_back(void **state)
{
    (void)state;
    newlocale_fails = 0;
    it_leave_comma_locale();
    return 0;
}

static int remove_locale_dir(void **state)
{
    (void)state;
    return it_remove_comma_locale();
}

/* -------------------------------------------------- body presizing */

/* A request passed with length (size_t)-1 (NUL-terminated) is measured: the
 * body is presized from its real length, not from SIZE_MAX (which wrapped
 * around and reserved the body's whole 2 GiB limit). */
static void test_nul_terminated_request_presizes_by_its_length(void **state)
{
    (void)state;
    lp_config cfg = rt_config();
    const char *req = "{\"messages\":[{\"role\":\"user\",\"content\":"
                      "[{\"text\":\"hi\"}]}]}";
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(rf_parse(req, (size_t)-1, NULL, &r, &err), MP_OK);
    assert_int_equal(r.json_len, strlen(req));
    strbuf body;
    sb_init(&body, (size_t)1 << 31);
    int streaming;
    assert_int_equal(rf_format_body(&cfg, NULL, &r, NULL, NULL, &body, &streaming,
                                    &err), MP_OK);
    if (body.cap > 64 * 1024)
        fail_msg("a %zu-byte request reserved %zu bytes of body", strlen(req),
                 body.cap);
    sb_free(&body);
    rf_release(&r);
}

/* -------------------------------------------------- shared values */

/* Config params are shared by calls running at once on other threads, so
 * writing a value must only read it.  json-c's own printer caches its text
 * inside the object (an allocation on the first call); jw_json must not
 * go through it: writing a parsed double allocates nothing. */
static void test_writing_a_value_only_reads_it(void **state)
{
    (void)state;
    if (!RCM_AVAILABLE)
        skip(); /* AddressSanitizer owns malloc */
    json_object *params = rt_parse("{\"temperature\":0.1,\"top_p\":1.0e0,"
                                   "\"n\":[2.50]}");
    strbuf sb;
    sb_init(&sb, 1 << 16);
    assert_int_equal(sb_reserve(&sb, 4096), 0);
    jw w;
    jw_init(&w, &sb);
    rcm_start();
    jw_json(&w, params);
    rcm_counts n = rcm_stop();
    assert_int_equal(jw_status(&w), 0);
    assert_string_equal(sb.data, "{\"temperature\":0.1,\"top_p\":1.0e0,"
                                 "\"n\":[2.50]}");
    assert_int_equal(n.alloc_calls, 0);
    sb_free(&sb);
    json_object_put(params);
}

/* The writer looks at eight bytes at a time; every byte value that needs
 * escaping is found at every place in and around a word, and nothing
 * else is touched. */
static void test_escape_every_byte_at_every_position(void **state)
{
    (void)state;
    char in[24], want[64];
    for (int c = 0; c < 256; c++) {
        for (size_t at = 0; at < sizeof in; at++) {
            memset(in, 'A', sizeof in);
            in[at] = (char)c;
            size_t n = 0;
            for (size_t i = 0; i < sizeof in; i++) {
                unsigned char b = (unsigned char)in[i];
                if (b == '"' || b == '\\') {
                    want[n++] = '\\';
                    want[n++] = (char)b;
                } else if (b < 0x20) {
                    const char *short_form = b == '\n' ? "\\n" : b == '\r' ? "\\r"
                                           : b == '\t' ? "\\t" : b == '\b' ? "\\b"
                                           : b == '\f' ? "\\f" : NULL;
                    n += (size_t)(short_form ? sprintf(want + n, "%s", short_form)
                                             : sprintf(want + n, "\\u%04x", b));
                } else {
                    want[n++] = (char)b;
                }
            }
            strbuf sb;
            sb_init(&sb, 1 << 10);
            assert_int_equal(jw_escape_into(&sb, in, sizeof in), 0);
            if (sb.len != n || memcmp(sb.data, want, n) != 0)
                fail_msg("byte 0x%02x at %zu: got %.*s", c, at, (int)sb.len,
                         sb.data);
            sb_free(&sb);
        }
    }
}

/* Keys and strings of every length around the writer's short-string step
 * (48 bytes), plain or holding one byte to escape at any position, come
 * out as jw_escape_into (tested above) spells them, inside quotes, with
 * the separators in place. */
static void test_keys_and_strings_of_every_length(void **state)
{
    (void)state;
    static const char specials[] = {'a', '"', '\\', '\n', 0x00, 0x01, 0x1f,
                                    0x20, 0x7f, (char)0x80, (char)0xc3,
                                    (char)0xff};
    char in[64];
    for (size_t len = 0; len <= 52; len++) {
        for (size_t k = 0; k < sizeof specials; k++) {
            for (size_t at = 0; at < (len ? len : 1); at++) {
                memset(in, 'x', len);
                if (len)
                    in[at] = specials[k];
                strbuf esc;
                sb_init(&esc, 1 << 10);
                assert_int_equal(jw_escape_into(&esc, in, len), 0);
                char want[512];
                snprintf(want, sizeof want, "{\"%s\":\"%s\",\"k\":[\"%s\",\"%s\"]}",
                         esc.data ? esc.data : "", esc.data ? esc.data : "",
                         esc.data ? esc.data : "", esc.data ? esc.data : "");
                sb_free(&esc);
                strbuf sb;
                sb_init(&sb, 1 << 10);
                jw w;
                jw_init(&w, &sb);
                jw_object_open(&w);
                jw_key_len(&w, in, len);
                jw_string(&w, in, len);
                jw_key(&w, "k");
                jw_array_open(&w);
                jw_string(&w, in, len);
                jw_string2(&w, in, len > 3 ? 3 : len, in + (len > 3 ? 3 : len),
                           len > 3 ? len - 3 : 0);
                jw_array_close(&w);
                jw_object_close(&w);
                assert_int_equal(jw_status(&w), 0);
                if (strcmp(sb.data, want) != 0)
                    fail_msg("length %zu, byte 0x%02x at %zu: got %s, want %s",
                             len, (unsigned char)specials[k], at, sb.data, want);
                sb_free(&sb);
            }
        }
    }
}

/* An empty string may come as (NULL, 0), as an empty text delta does:
 * written as "" (under `make asan`, UBSan also checks that no NULL reaches
 * memcpy on the way). */
static void test_empty_string_from_null(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, 1 << 10);
    jw w;
    jw_init(&w, &sb);
    jw_array_open(&w);
    jw_string(&w, NULL, 0);
    jw_string2(&w, NULL, 0, NULL, 0);
    jw_array_close(&w);
    assert_int_equal(jw_status(&w), 0);
    assert_string_equal(sb.data, "[\"\",\"\"]");
    sb_free(&sb);
}

/* One key and its string value, written with a buffer limit of `max`;
 * the text and status land in *out and the return value. */
static int write_pair_under(const char *in, size_t len, size_t max,
                            strbuf *out)
{
    sb_init(out, max);
    jw w;
    jw_init(&w, out);
    jw_object_open(&w);
    jw_key_len(&w, in, len);
    jw_string(&w, in, len);
    jw_object_close(&w);
    return jw_status(&w);
}

/* Under every limit from 0 to the whole text's length, for keys and
 * strings of every length around the short-string step: the text stays
 * within the limit, is the start of what an unlimited buffer gets, and
 * the status is MP_E_PROTOCOL exactly when the limit is short.  A step
 * that reserved a byte too few or too many would fail here (and write
 * past its room under `make asan`). */
static void test_keys_and_strings_under_every_limit(void **state)
{
    (void)state;
    char in[64];
    for (size_t len = 0; len <= 52; len++) {
        for (int quote = 0; quote < 2; quote++) {
            memset(in, 'x', len);
            if (quote && len)
                in[len / 2] = '"';
            strbuf full;
            assert_int_equal(write_pair_under(in, len, 1 << 10, &full), 0);
            for (size_t max = 0; max <= full.len; max++) {
                strbuf sb;
                int rc = write_pair_under(in, len, max, &sb);
                const char *got = sb.data ? sb.data : "";
                if (rc != (max < full.len ? MP_E_PROTOCOL : 0) ||
                    sb.len > max || strncmp(full.data, got, sb.len) != 0)
                    fail_msg("length %zu, limit %zu: status %d, got \"%s\" "
                             "of \"%s\"", len, max, rc, got, full.data);
                sb_free(&sb);
            }
            sb_free(&full);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_output),
        cmocka_unit_test(test_escape_every_byte_at_every_position),
        cmocka_unit_test(test_keys_and_strings_of_every_length),
        cmocka_unit_test(test_keys_and_strings_under_every_limit),
        cmocka_unit_test(test_empty_string_from_null),
        cmocka_unit_test(test_utf8_kept_and_controls_escaped),
        cmocka_unit_test(test_numbers_keep_their_spelling),
        cmocka_unit_test(test_wide_integers_in_every_position),
        cmocka_unit_test(test_wide_integer_under_escaped_key_is_an_error),
        cmocka_unit_test(test_computed_doubles),
        cmocka_unit_test(test_numbers_under_decimal_comma_locale),
        cmocka_unit_test_teardown(test_numbers_need_no_locale_object,
                                  locale_back),
        cmocka_unit_test(test_nul_terminated_request_presizes_by_its_length),
        cmocka_unit_test(test_writing_a_value_only_reads_it),
    };
    return cmocka_run_group_tests_name("request: JSON writing", tests, NULL,
                                       remove_locale_dir);
}
