/*
 * test_errors.c - how problems reach the host: filling the host's mp_error
 * within its struct_size (no global last error), strict JSON parsing with
 * messages naming the byte, log lines that are never cut short, and the
 * buffer limit that turns oversized input into an error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/core/config.h"
#include "../../plugin/core/error_classify.h"
#include "../../plugin/core/errors.h"
#include "../../plugin/core/json_util.h"
#include "../../plugin/core/log.h"
#include "../../plugin/core/strbuf.h"
#include "../../plugin/core/utf8.h"

static void test_fail_fills_code_and_message(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_fail(&err, MP_E_TIMEOUT, "after %d ms", 250), MP_E_TIMEOUT);
    assert_int_equal(err.code, MP_E_TIMEOUT);
    assert_string_equal(err.message, "after 250 ms");
    lp_error_http(&err, 429, 1, 1500, "rate_limit_exceeded");
    assert_int_equal(err.http_status, 429);
    assert_int_equal(err.retryable, 1);
    assert_int_equal(err.retry_after_ms, 1500);
    assert_string_equal(err.provider_code, "rate_limit_exceeded");
    /* Clearing resets every field to "no error". */
    lp_error_clear(&err);
    assert_int_equal(err.code, MP_OK);
    assert_int_equal(err.http_status, 0);
    assert_int_equal(err.retryable, 0);
    assert_int_equal(err.retry_after_ms, -1);
    assert_string_equal(err.provider_code, "");
    assert_string_equal(err.message, "");
    /* NULL means "no detail wanted" everywhere. */
    assert_int_equal(lp_fail(NULL, MP_E_NETWORK, "x"), MP_E_NETWORK);
    lp_error_clear(NULL);
    lp_error_http(NULL, 500, 1, -1, NULL);
}

/* An older or smaller host struct is written only as far as it goes. */
static void test_small_error_structs_are_never_overrun(void **state)
{
    (void)state;
    struct {
        mp_error err;
        char guard[64];
    } box;
    static const size_t sizes[] = {
        0, sizeof(uint32_t), offsetof(mp_error, http_status),
        offsetof(mp_error, provider_code), offsetof(mp_error, message),
        offsetof(mp_error, message) + 1, offsetof(mp_error, message) + 10,
    };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        memset(&box, 'Z', sizeof box);
        box.err.struct_size = (uint32_t)sizes[i];
        lp_error_clear(&box.err);
        lp_fail(&box.err, MP_E_PROTOCOL, "a message much longer than ten bytes");
        lp_error_http(&box.err, 502, 1, 10, "a_provider_code");
        /* Nothing at or after struct_size changed. */
        const unsigned char *bytes = (const unsigned char *)&box;
        for (size_t b = sizes[i] < sizeof(uint32_t) ? sizeof(uint32_t) : sizes[i];
             b < sizeof box; b++) {
            if (bytes[b] != 'Z')
                fail_msg("struct_size %zu: byte %zu was written", sizes[i], b);
        }
        if (sizes[i] >= offsetof(mp_error, code) + sizeof(int32_t))
            assert_int_equal(box.err.code, MP_E_PROTOCOL);
    }
    /* A message field of 10 bytes holds 9 characters and the NUL. */
    memset(&box, 'Z', sizeof box);
    box.err.struct_size = (uint32_t)(offsetof(mp_error, message) + 10);
    lp_fail(&box.err, MP_E_PROTOCOL, "0123456789abcdef");
    assert_string_equal(box.err.message, "012345678");
}

static void test_long_messages_are_truncated_safely(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    char big[MP_ERROR_MESSAGE_MAX * 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    lp_fail(&err, MP_E_INTERNAL, "%s", big);
    assert_int_equal(strlen(err.message), MP_ERROR_MESSAGE_MAX - 1);
    char code[MP_ERROR_CODE_MAX * 2];
    memset(code, 'c', sizeof code - 1);
    code[sizeof code - 1] = '\0';
    lp_error_http(&err, 400, 0, -1, code);
    assert_int_equal(strlen(err.provider_code), MP_ERROR_CODE_MAX - 1);
}

/* An error struct whose message field holds `room` bytes (NUL included). */
static mp_error *small_error(size_t room)
{
    static struct {
        mp_error err;
        char spare[8];
    } box;
    memset(&box, 0, sizeof box);
    box.err.struct_size = (uint32_t)(offsetof(mp_error, message) + room);
    return &box.err;
}

/* The message is UTF-8 even when cut: a cut inside a 2-byte or a 4-byte
 * character drops the part of it that fit, never leaves a lead byte. */
static void test_truncation_never_splits_a_character(void **state)
{
    (void)state;
    /* 10 bytes of room: 9 characters' worth of bytes and the NUL. */
    mp_error *err = small_error(10);
    lp_fail(err, MP_E_PROTOCOL, "%s", "abcdefgh\xc3\xa9"); /* cut after \xc3 */
    assert_string_equal(err->message, "abcdefgh");
    lp_fail(err, MP_E_PROTOCOL, "%s", "abcdefg\xf0\x9f\x98\x80"); /* 2 of 4 */
    assert_string_equal(err->message, "abcdefg");
    lp_fail(err, MP_E_PROTOCOL, "%s", "abcdef\xf0\x9f\x98\x80"); /* 3 of 4 */
    assert_string_equal(err->message, "abcdef");
    lp_fail(err, MP_E_PROTOCOL, "%s", "abcde\xf0\x9f\x98\x80x"); /* whole */
    assert_string_equal(err->message, "abcde\xf0\x9f\x98\x80");

    /* The full-size field: a long message ending in 2-byte characters. */
    mp_error full = MP_ERROR_INIT;
    char big[MP_ERROR_MESSAGE_MAX + 16];
    memset(big, 'a', MP_ERROR_MESSAGE_MAX - 2);
    strcpy(big + MP_ERROR_MESSAGE_MAX - 2, "\xc3\xa9\xc3\xa9"); /* é at 2046 */
    lp_fail(&full, MP_E_INTERNAL, "%s", big);
    assert_int_equal(strlen(full.message), MP_ERROR_MESSAGE_MAX - 2);

    /* Text put together from parts is cut the same way. */
    err = small_error(12);
    lp_fail(err, MP_E_NETWORK, "%s: %s", "ctx",
            "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    assert_string_equal(err->message, "ctx: \xf0\x9f\x98\x80"); /* not + 2 */
    err = small_error(8);
    lp_fail(err, MP_E_NETWORK, "%s: %s", "ctx", "\xc3\xa9\xc3\xa9");
    assert_string_equal(err->message, "ctx: \xc3\xa9");
    err = small_error(7);
    lp_fail(err, MP_E_NETWORK, "%s: %s", "ctx", "\xc3\xa9\xc3\xa9");
    assert_string_equal(err->message, "ctx: "); /* "ctx: " + \xc3 cut */

    /* The provider code field. */
    mp_error e = MP_ERROR_INIT;
    char code[MP_ERROR_CODE_MAX + 8];
    memset(code, 'c', MP_ERROR_CODE_MAX - 2);
    strcpy(code + MP_ERROR_CODE_MAX - 2, "\xe2\x82\xac"); /* € from 62 */
    lp_error_http(&e, 400, 0, -1, code);
    assert_int_equal(strlen(e.provider_code), MP_ERROR_CODE_MAX - 2);

    /* And any scratch buffer on the way (lp_format). */
    char buf[6];
    assert_int_equal(lp_format(buf, sizeof buf, "ab%s", "c\xe2\x82\xac"), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(lp_format(buf, sizeof buf, "%d", 42), 2);
    assert_string_equal(buf, "42");
}

/* A server's error text becomes the host's message, which is UTF-8: a
 * page in Latin-1 or a JSON string with bytes that are not UTF-8 keeps its
 * readable part, with '?' for each bad byte. */
static void test_server_text_that_is_not_utf8(void **state)
{
    (void)state;
    mp_error err = MP_ERROR_INIT;
    static const char page[] = "<html><body><h1>Erreur: caf\xe9 "
                               "ferm\xe9</h1></body></html>";
    assert_int_equal(ec_classify_http(500, page, strlen(page), NULL, NULL,
                                      &err), MP_E_SERVER);
    assert_string_equal(err.message, "HTTP 500: Erreur: caf? ferm?");
    static const char json[] = "{\"error\":{\"message\":\"bad \xff\xfe "
                               "bytes, good \xc3\xa9\"}}";
    assert_int_equal(ec_classify_http(400, json, strlen(json), NULL, NULL,
                                      &err), MP_E_BAD_REQUEST);
    assert_string_equal(err.message, "HTTP 400: bad ?? bytes, good \xc3\xa9");
    /* A page longer than what is kept, cut in the middle of a character. */
    char big[4096] = "";
    for (int k = 0; k < 1000; k++)
        strcat(big, "\xe2\x82\xac");
    assert_int_equal(ec_classify_http(503, big, strlen(big), NULL, NULL,
                                      &err), MP_E_SERVER);
    assert_true(lp_utf8_valid(err.message, strlen(err.message)));
    assert_null(strchr(err.message, '?'));
    /* An appended text with a bad byte, short or too long to fit. */
    char suffix[MP_ERROR_MESSAGE_MAX + 64];
    memset(suffix, 'a', sizeof suffix - 1);
    suffix[sizeof suffix - 1] = '\0';
    suffix[5] = '\xff';
    for (int cut = 0; cut <= 1; cut++) {
        if (!cut)
            suffix[10] = '\0';
        lp_fail(&err, MP_E_SERVER, "x");
        lp_error_append(&err, suffix);
        assert_true(lp_utf8_valid(err.message, strlen(err.message)));
        assert_non_null(strstr(err.message, "aaaaa?aaaa"));
        suffix[10] = 'a';
    }
}

static void expect_parse_error(const char *json, size_t len, const char *want)
{
    json_object *out = (json_object *)1;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_json_parse(json, len, "request", &out, &err),
                     MP_E_INVALID_ARGUMENT);
    assert_null(out);
    assert_int_equal(err.code, MP_E_INVALID_ARGUMENT);
    if (!strstr(err.message, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
}

static void test_json_parse_names_what_and_where(void **state)
{
    (void)state;
    expect_parse_error("{\"a\":", (size_t)-1, "request: invalid JSON: unexpected end of input");
    expect_parse_error("{\"a\":1} x", (size_t)-1, "at byte 8");
    expect_parse_error("{'a':1}", (size_t)-1, "request: invalid JSON at byte");
    expect_parse_error("\"\xc3\x28\"", (size_t)-1, "request: invalid JSON");
    expect_parse_error("", 0, "request: invalid JSON");
    expect_parse_error(NULL, 0, "request: no JSON given");
    /* Deeper than the limit (128) is refused, not a stack overflow. */
    char deep[600];
    size_t n = 0;
    for (int i = 0; i < 200; i++)
        deep[n++] = '[';
    for (int i = 0; i < 200; i++)
        deep[n++] = ']';
    expect_parse_error(deep, n, "request: invalid JSON");

    /* Only `len` bytes are read; trailing whitespace is fine. */
    json_object *out = NULL;
    assert_int_equal(lp_json_parse("{\"a\":1}  \n GARBAGE", 10, "x", &out, NULL), MP_OK);
    assert_int_equal(json_object_get_int(json_object_object_get(out, "a")), 1);
    json_object_put(out);
    assert_string_equal(lp_json_type_name(NULL), "null");
}

typedef struct heard {
    int calls, level;
    char *msg;
} heard;

static void hear(void *ctx, int level, const char *msg)
{
    heard *h = ctx;
    h->calls++;
    h->level = level;
    free(h->msg);
    h->msg = strdup(msg);
}

static void test_log_lines_are_never_cut_short(void **state)
{
    (void)state;
    heard h = {0};
    lp_logger log = {hear, &h};
    lp_log(&log, MP_LOG_INFO, "short %d", 1);
    assert_string_equal(h.msg, "short 1");
    assert_int_equal(h.level, MP_LOG_INFO);
    char *big = malloc(5001);
    memset(big, 'k', 5000);
    big[5000] = '\0';
    lp_log(&log, MP_LOG_WARN, "[%s]", big);
    assert_int_equal(strlen(h.msg), 5002);
    assert_int_equal(h.msg[5001], ']');
    free(big);
    /* No callback, or no logger: nothing happens. */
    lp_logger none = {NULL, NULL};
    lp_log(&none, MP_LOG_ERROR, "dropped");
    lp_log(NULL, MP_LOG_ERROR, "dropped");
    assert_int_equal(h.calls, 2);
    free(h.msg);
}

/* The unknown-key warning lists every key, however many, each as Python's
 * repr() would print it (the reference's wording is a Python list repr). */
static void test_unknown_key_warning_lists_every_key_as_python_does(void **state)
{
    (void)state;
    heard h = {0};
    lp_logger log = {hear, &h};
    char json[8192];
    size_t n = (size_t)snprintf(json, sizeof json, "{");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"unknown_key_%03d\":1",
                              i ? "," : "", i);
    snprintf(json + n, sizeof json - n, "}");
    lp_config *c = NULL;
    assert_int_equal(lp_config_new(json, (size_t)-1, NULL, 0, &log, &c, NULL), MP_OK);
    assert_int_equal(h.calls, 1);
    assert_non_null(strstr(h.msg, "['unknown_key_000', 'unknown_key_001', "));
    assert_non_null(strstr(h.msg, "'unknown_key_099'].\nValid parameters are: "));
    lp_config_unref(c);

    /* Quotes, backslashes and control characters as repr() shows them. */
    h.calls = 0;
    assert_int_equal(lp_config_new("{\"it's\":1,\"say \\\"hi\\\" it's\":2,"
                                   "\"back\\\\slash\":3,\"tab\\there\":4,"
                                   "\"caf\xc3\xa9\":5}",
                                   (size_t)-1, NULL, 0, &log, &c, NULL), MP_OK);
    assert_int_equal(h.calls, 1);
    assert_non_null(strstr(h.msg,
        "Invalid configuration parameters: ['back\\\\slash', 'caf\xc3\xa9', "
        "\"it's\", 'say \"hi\" it\\'s', 'tab\\there']."));
    lp_config_unref(c);
    free(h.msg);
}

static void test_buffer_limit_is_an_error_not_growth(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, 8);
    assert_int_equal(sb_appends(&sb, "12345678"), SB_OK);
    assert_int_equal(sb_appendc(&sb, '9'), MP_E_PROTOCOL);
    assert_int_equal(sb_printf(&sb, "%d", 1), MP_E_PROTOCOL);
    assert_int_equal(sb.len, 8);
    assert_string_equal(sb.data, "12345678"); /* unchanged by the failures */
    sb_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.data, "");
    assert_int_equal(sb_append(&sb, "ab", 2), SB_OK);
    char *owned = sb_detach(&sb);
    assert_string_equal(owned, "ab");
    free(owned);
    assert_null(sb.data);
    owned = sb_detach(&sb); /* empty: an allocated "" */
    assert_string_equal(owned, "");
    free(owned);
    /* A size that would overflow is refused before any arithmetic wraps. */
    assert_int_equal(sb_reserve(&sb, SIZE_MAX), MP_E_PROTOCOL);
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_fills_code_and_message),
        cmocka_unit_test(test_small_error_structs_are_never_overrun),
        cmocka_unit_test(test_long_messages_are_truncated_safely),
        cmocka_unit_test(test_truncation_never_splits_a_character),
        cmocka_unit_test(test_server_text_that_is_not_utf8),
        cmocka_unit_test(test_json_parse_names_what_and_where),
        cmocka_unit_test(test_log_lines_are_never_cut_short),
        cmocka_unit_test(test_unknown_key_warning_lists_every_key_as_python_does),
        cmocka_unit_test(test_buffer_limit_is_an_error_not_growth),
    };
    return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
