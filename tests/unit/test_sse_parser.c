/*
 * test_sse_parser.c - the incremental SSE parser: every framing rule, the
 * limits, zero-copy delivery, and split invariance on the real transcripts
 * (whole buffer, byte by byte and random cuts give the same events).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../abi/model_provider.h"
#include "../../plugin/transport/sse_parser.h"
#include "../../plugin/core/strbuf.h"
#include "../support/it_harness.h"

/* Every event as "name|offset|data\n" (name "-" for the default). */
typedef struct log {
    strbuf text;
    int events;
    int fail_at;          /* return MP_E_CANCELLED on this event       */
    const char *buf;      /* the buffer being fed, for zero-copy checks */
    size_t buf_len;
    int in_buffer;        /* events whose data pointed into `buf`      */
} log_t;

static int on_event(void *ctx, const char *name, const char *data, size_t len,
                    uint64_t offset)
{
    log_t *l = ctx;
    l->events++;
    if (l->buf && data >= l->buf && data + len <= l->buf + l->buf_len)
        l->in_buffer++;
    sb_printf(&l->text, "%s|%llu|", name ? name : "-",
              (unsigned long long)offset);
    sb_append(&l->text, data, len);
    sb_appendc(&l->text, '\n');
    return l->fail_at && l->events == l->fail_at ? MP_E_CANCELLED : 0;
}

static void log_init(log_t *l)
{
    memset(l, 0, sizeof *l);
    sb_init(&l->text, (size_t)1 << 28);
}

/* Parse `s` fed in pieces of `step` bytes (0 = whole), then finish. */
static int parse(const char *s, size_t len, size_t step, size_t max_line,
                 log_t *l, char *err, size_t errlen)
{
    sse_parser p;
    sse_init(&p, max_line, on_event, l);
    int rc = 0;
    if (!step) {
        l->buf = s;
        l->buf_len = len;
        rc = sse_feed(&p, s, len);
        l->buf = NULL;
    } else {
        for (size_t i = 0; i < len && !rc; i += step)
            rc = sse_feed(&p, s + i, len - i < step ? len - i : step);
    }
    if (!rc)
        rc = sse_finish(&p);
    if (err)
        snprintf(err, errlen, "%s", sse_error(&p));
    sse_free(&p);
    return rc;
}

/* Whole and byte-by-byte must agree; returns the events text. */
static char *both(const char *s)
{
    log_t a, b;
    log_init(&a);
    log_init(&b);
    assert_int_equal(parse(s, strlen(s), 0, 0, &a, NULL, 0), 0);
    assert_int_equal(parse(s, strlen(s), 1, 0, &b, NULL, 0), 0);
    assert_string_equal(a.text.data ? a.text.data : "",
                        b.text.data ? b.text.data : "");
    sb_free(&b.text);
    return sb_detach(&a.text);
}

#define EXPECT(input, expected)              \
    do {                                     \
        char *got_ = both(input);            \
        assert_string_equal(got_, expected); \
        free(got_);                          \
    } while (0)

static void test_sse_basic_event(void **state)
{
    (void)state;
    EXPECT("data: {\"a\":1}\n\n", "-|0|{\"a\":1}\n");
    EXPECT("data: one\n\ndata: two\n\n", "-|0|one\n-|11|two\n");
}

static void test_sse_line_endings(void **state)
{
    (void)state;
    EXPECT("data: a\r\n\r\ndata: b\r\n\r\n", "-|0|a\n-|11|b\n");
    EXPECT("data: a\r\rdata: b\r\r", "-|0|a\n-|9|b\n");
    EXPECT("data: a\n\r\ndata: b\r\n\n", "-|0|a\n-|10|b\n");
    /* A lone CR at the very end of a piece, its LF in the next piece. */
    log_t l;
    log_init(&l);
    sse_parser p;
    sse_init(&p, 0, on_event, &l);
    assert_int_equal(sse_feed(&p, "data: x\r", 8), 0);
    assert_int_equal(sse_feed(&p, "\n\r", 2), 0);
    assert_int_equal(sse_feed(&p, "\n", 1), 0);
    assert_int_equal(l.events, 1);
    assert_int_equal(sse_feed(&p, "data: y\n\n", 9), 0);
    assert_string_equal(l.text.data, "-|0|x\n-|11|y\n");
    sse_free(&p);
    sb_free(&l.text);
}

static void test_sse_comments_and_fields(void **state)
{
    (void)state;
    /* Keep-alive comments, id and retry are ignored, unknown fields too. */
    EXPECT(": keep-alive\n\n: ping\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\n",
           "-|21|x\n");
    /* A comment-only event is no event. */
    EXPECT(":\n\n:\n\n", "");
    /* event: names the event; the name does not outlive it. */
    EXPECT("event: error\ndata: {}\n\ndata: after\n\n",
           "error|0|{}\n-|23|after\n");
    /* A later event field replaces an earlier one. */
    EXPECT("event: a\nevent: b\ndata: x\n\n", "b|0|x\n");
    /* A blank line without data drops the name with the event. */
    EXPECT("event: x\n\ndata: y\n\n", "-|10|y\n");
}

static void test_sse_data_lines(void **state)
{
    (void)state;
    /* Several data lines join with "\n". */
    EXPECT("data: a\ndata: b\ndata:\ndata: c\n\n", "-|0|a\nb\n\nc\n");
    /* Only one space after the colon is removed. */
    EXPECT("data:x\n\ndata:  y\n\n", "-|0|x\n-|8| y\n");
    /* A field name without a colon has an empty value. */
    EXPECT("data\n\n", "-|0|\n");
    /* A colon inside the value stays. */
    EXPECT("data: a: b\n\n", "-|0|a: b\n");
}

static void test_sse_done_marker(void **state)
{
    (void)state;
    EXPECT("data: [DONE]\n\n", "-|0|[DONE]\n");
    assert_true(sse_is_done("[DONE]", 6));
    assert_false(sse_is_done("[DONE] ", 7));
    assert_false(sse_is_done("[done]", 6));
    assert_false(sse_is_done("", 0));
}

static void test_sse_end_without_blank_line(void **state)
{
    (void)state;
    /* The last event lacks its blank line: sse_finish delivers it. */
    EXPECT("data: a\n\ndata: b\n", "-|0|a\n-|9|b\n");
    /* ... even when its line lacks the terminator. */
    EXPECT("data: a\n\ndata: b", "-|0|a\n-|9|b\n");
}

static void test_sse_abort_drops_partial_line(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    sse_parser p;
    sse_init(&p, 0, on_event, &l);
    const char *s = "data: {\"a\":1}\n\ndata: {\"tr";
    assert_int_equal(sse_feed(&p, s, strlen(s)), 0);
    assert_int_equal(sse_abort(&p), 0);
    assert_string_equal(l.text.data, "-|0|{\"a\":1}\n");
    sse_free(&p);
    sb_free(&l.text);
    /* A pending event made of complete lines is still delivered. */
    log_init(&l);
    sse_init(&p, 0, on_event, &l);
    s = "data: {\"b\":2}\n";
    assert_int_equal(sse_feed(&p, s, strlen(s)), 0);
    assert_int_equal(sse_abort(&p), 0);
    assert_string_equal(l.text.data, "-|0|{\"b\":2}\n");
    sse_free(&p);
    sb_free(&l.text);
}

static void test_sse_bom(void **state)
{
    (void)state;
    EXPECT("\xEF\xBB\xBF" "data: a\n\n", "-|3|a\n");
    /* Not a BOM after all: the bytes belong to the first line, which is
     * then an unknown field. */
    EXPECT("\xEF\xBB" "data: a\n\ndata: b\n\n", "-|11|b\n");
    /* A BOM only at the start. */
    EXPECT("data: a\n\n\xEF\xBB\xBF" "data: b\n\n", "-|0|a\n");
}

static void test_sse_zero_copy(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    const char *s = "data: a\n\ndata: b\n\ndata: c\ndata: d\n\n";
    assert_int_equal(parse(s, strlen(s), 0, 0, &l, NULL, 0), 0);
    /* The single-line events came straight from the buffer; the two-line
     * one had to be joined, so it was copied. */
    assert_int_equal(l.events, 3);
    assert_int_equal(l.in_buffer, 2);
    sb_free(&l.text);
}

static void test_sse_line_too_long(void **state)
{
    (void)state;
    const char *s = "data: 12345\n\ndata: 0123456789abcdefXYZ\n\n";
    char e1[256], e2[256];
    log_t a, b;
    log_init(&a);
    log_init(&b);
    assert_int_equal(parse(s, strlen(s), 0, 16, &a, e1, sizeof e1),
                     MP_E_PROTOCOL);
    assert_int_equal(parse(s, strlen(s), 1, 16, &b, e2, sizeof e2),
                     MP_E_PROTOCOL);
    assert_string_equal(e1, "SSE line longer than max_line (16 bytes) at "
                            "byte offset 13");
    assert_string_equal(e1, e2);
    assert_int_equal(a.events, 1);
    assert_int_equal(b.events, 1);
    /* Exactly at the limit is fine. */
    log_t c;
    log_init(&c);
    assert_int_equal(parse("data: 0123456789\n\n", 18, 0, 16, &c, NULL, 0), 0);
    sb_free(&a.text);
    sb_free(&b.text);
    sb_free(&c.text);
}

static void test_sse_event_data_too_long(void **state)
{
    (void)state;
    /* Short lines, but their joined data exceeds the limit. */
    const char *s = "data: 0123456789\ndata: 0123456789\n\n";
    char e1[256];
    log_t a;
    log_init(&a);
    assert_int_equal(parse(s, strlen(s), 0, 16, &a, e1, sizeof e1),
                     MP_E_PROTOCOL);
    assert_non_null(strstr(e1, "max_line (16 bytes)"));
    sb_free(&a.text);
}

static void test_sse_callback_error_sticks(void **state)
{
    (void)state;
    log_t l;
    log_init(&l);
    l.fail_at = 1;
    sse_parser p;
    sse_init(&p, 0, on_event, &l);
    assert_int_equal(sse_feed(&p, "data: a\n\ndata: b\n\n", 18),
                     MP_E_CANCELLED);
    assert_int_equal(l.events, 1);
    assert_string_equal(sse_error(&p), ""); /* not the parser's own error */
    assert_int_equal(sse_feed(&p, "data: c\n\n", 9), MP_E_CANCELLED);
    assert_int_equal(sse_finish(&p), MP_E_CANCELLED);
    assert_int_equal(l.events, 1);
    sse_free(&p);
    sb_free(&l.text);
}

/* ------------------------------------------------------ transcripts */

/* Pieces of pseudo-random sizes 1..max, from a fixed seed. */
static int parse_random(const char *s, size_t len, unsigned seed, log_t *l)
{
    sse_parser p;
    sse_init(&p, 0, on_event, l);
    int rc = 0;
    for (size_t i = 0; i < len && !rc;) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 97;
        if (n > len - i)
            n = len - i;
        rc = sse_feed(&p, s + i, n);
        i += n;
    }
    if (!rc)
        rc = sse_finish(&p);
    sse_free(&p);
    return rc;
}

static void test_sse_transcripts_split_invariance(void **state)
{
    (void)state;
    const char *dir = it_transcripts_dir();
    if (!dir)
        skip(); /* no ../shared here */
    char *names[256];
    int files = it_list_names(dir, ".sse", names, 256);
    assert_true(files >= 12);
    for (int i = 0; i < files; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.sse", dir, names[i]);
        size_t len;
        char *body = it_read_file(path, &len);
        assert_non_null(body);
        log_t whole, bytes;
        log_init(&whole);
        log_init(&bytes);
        assert_int_equal(parse(body, len, 0, 0, &whole, NULL, 0), 0);
        assert_int_equal(parse(body, len, 1, 0, &bytes, NULL, 0), 0);
        assert_true(whole.events > 1);
        assert_string_equal(whole.text.data, bytes.text.data);
        for (unsigned seed = 1; seed <= 5; seed++) {
            log_t r;
            log_init(&r);
            assert_int_equal(parse_random(body, len, seed, &r), 0);
            assert_string_equal(whole.text.data, r.text.data);
            sb_free(&r.text);
        }
        /* The last event of every transcript is the [DONE] marker. */
        const char *last = whole.text.data + whole.text.len - 7;
        assert_memory_equal(last, "[DONE]\n", 7);
        sb_free(&whole.text);
        sb_free(&bytes.text);
        free(body);
        free(names[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_basic_event),
        cmocka_unit_test(test_sse_line_endings),
        cmocka_unit_test(test_sse_comments_and_fields),
        cmocka_unit_test(test_sse_data_lines),
        cmocka_unit_test(test_sse_done_marker),
        cmocka_unit_test(test_sse_end_without_blank_line),
        cmocka_unit_test(test_sse_abort_drops_partial_line),
        cmocka_unit_test(test_sse_bom),
        cmocka_unit_test(test_sse_zero_copy),
        cmocka_unit_test(test_sse_line_too_long),
        cmocka_unit_test(test_sse_event_data_too_long),
        cmocka_unit_test(test_sse_callback_error_sticks),
        cmocka_unit_test(test_sse_transcripts_split_invariance),
    };
    return cmocka_run_group_tests_name("sse_parser", tests, NULL, NULL);
}
