/*
 * test_request_large.c - a long conversation with about 1 MiB of images
 * (in user messages and in tool results) formats correctly: the body
 * parses, the messages come out in the expected shape and number, and
 * each image's base64 appears in the body exactly once; and building the
 * body copies the payload once, measured by counting the bytes every
 * memcpy-like call and every moving realloc carries (request_copy_meter.h).
 * Speed is measured elsewhere (make bench).
 */
#include <malloc.h>

#include "request_test_util.h"
#include "../../plugin/core/json_util.h"
#include "request_copy_meter.h"

#define PAIRS 100           /* user + assistant = 200 messages */
#define IMAGE_BYTES 7800    /* 100 images x 10400 base64 chars ~ 1 MiB */

static void base64(const unsigned char *in, size_t n, strbuf *out)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        char q[4] = {abc[v >> 18 & 63], abc[v >> 12 & 63],
                     i + 1 < n ? abc[v >> 6 & 63] : '=',
                     i + 2 < n ? abc[v & 63] : '='};
        assert_int_equal(sb_append(out, q, 4), 0);
    }
}

/* The base64 text of image number k (deterministic, distinct). */
static void image_b64(int k, strbuf *out)
{
    static unsigned char raw[IMAGE_BYTES];
    uint32_t x = 2463534242u + (uint32_t)k * 7919u;
    for (size_t i = 0; i < sizeof raw; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        raw[i] = (unsigned char)x;
    }
    sb_reset(out);
    base64(raw, sizeof raw, out);
}

static size_t count(const char *hay, size_t hay_len, const char *needle,
                    size_t len)
{
    size_t n = 0;
    const char *p = hay, *end = hay + hay_len;
    while ((p = memmem(p, (size_t)(end - p), needle, len))) {
        n++;
        p += len;
    }
    return n;
}

/* Pair i: user [text, image i (+ toolResult of call i-1 with an image
 * every fourth time)], assistant [text, toolUse call i]. */
static void build_request(strbuf *req, int *moved)
{
    strbuf img;
    sb_init(&img, 1 << 20);
    *moved = 0;
    sb_appends(req, "{\"system_prompt\":\"be brief\",\"messages\":[");
    for (int i = 0; i < PAIRS; i++) {
        image_b64(i, &img);
        sb_printf(req, "%s{\"role\":\"user\",\"content\":[{\"text\":\"q%d\"},"
                  "{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"%s\"}}}",
                  i ? "," : "", i, img.data);
        if (i > 0) {
            sb_printf(req, ",{\"toolResult\":{\"toolUseId\":\"call_%d\","
                      "\"status\":\"success\",\"content\":[{\"text\":\"r%d\"}",
                      i - 1, i - 1);
            if (i % 4 == 0) {
                image_b64(1000 + i, &img);
                sb_printf(req, ",{\"image\":{\"format\":\"jpeg\",\"source\":"
                          "{\"bytes\":\"%s\"}}}", img.data);
                ++*moved;
            }
            sb_appends(req, "]}}");
        }
        sb_printf(req, "]},{\"role\":\"assistant\",\"content\":[{\"text\":"
                  "\"a%d\"},{\"toolUse\":{\"toolUseId\":\"call_%d\",\"name\":"
                  "\"lookup\",\"input\":{\"i\":%d}}}]}", i, i, i);
    }
    sb_appends(req, "]}");
    sb_free(&img);
}

static void test_large_conversation_with_images(void **state)
{
    (void)state;
    strbuf req;
    sb_init(&req, (size_t)64 << 20);
    int moved;
    build_request(&req, &moved);
    assert_true(req.len > (size_t)1 << 20);

    lp_config cfg = rt_config();
    rt_log log = {0};
    lp_logger lg = {rt_capture, &log};
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, (size_t)1 << 30);
    int streaming = 0;
    assert_int_equal(rf_parse(req.data, req.len, &lg, &r, &err), MP_OK);
    assert_int_equal(rf_format_body(&cfg, NULL, &r, NULL, &lg, &body, &streaming,
                                    &err), MP_OK);
    assert_int_equal(streaming, 1);

    json_object *doc = json_tokener_parse(body.data);
    assert_non_null(doc);
    /* system + 100 user + 100 assistant + 99 tool + moved image messages */
    size_t want = 1 + 2 * PAIRS + (PAIRS - 1) + (size_t)moved;
    assert_int_equal(json_object_array_length(rt_messages(doc)), want);
    assert_int_equal(log.warnings, moved);

    strbuf img;
    sb_init(&img, 1 << 20);
    for (int i = 0; i < PAIRS; i++) {
        image_b64(i, &img);
        assert_int_equal(count(body.data, body.len, img.data, img.len), 1);
        if (i > 0 && i % 4 == 0) {
            image_b64(1000 + i, &img);
            assert_int_equal(count(body.data, body.len, img.data, img.len), 1);
        }
    }
    /* The 4th pair's tool message and the user message with its image. */
    json_object *msgs = rt_messages(doc);
    size_t at = 0;
    for (size_t k = 0; k < json_object_array_length(msgs); k++) {
        json_object *m = json_object_array_get_idx(msgs, k);
        json_object *id;
        if (json_object_object_get_ex(m, "tool_call_id", &id) &&
            strcmp(json_object_get_string(id), "call_3") == 0)
            at = k;
    }
    assert_true(at > 0);
    json_object *next = json_object_array_get_idx(msgs, at + 1);
    assert_string_equal(json_object_get_string(rt_member(next, "role")), "user");
    image_b64(1004, &img);
    assert_non_null(strstr(json_object_get_string(rt_member(
        rt_member(json_object_array_get_idx(rt_member(next, "content"), 0),
                  "image_url"), "url")), img.data));

    json_object_put(doc);
    sb_free(&img);
    sb_free(&body);
    sb_free(&req);
    rf_release(&r);
}

/* The meter sees copies made the way the formatter makes them: two
 * appends of a buffer into a strbuf count as two copies of it. */
static void test_copy_meter_sees_strbuf_copies(void **state)
{
    (void)state;
    if (!RCM_AVAILABLE)
        skip(); /* AddressSanitizer owns memcpy and malloc */
    strbuf src, dst;
    sb_init(&src, 1 << 20);
    sb_init(&dst, 1 << 22);
    image_b64(7, &src);
    assert_int_equal(sb_reserve(&dst, 3 * src.len), 0);
    rcm_start();
    assert_int_equal(sb_append(&dst, src.data, src.len), 0);
    assert_int_equal(sb_append(&dst, src.data, src.len), 0);
    rcm_counts n = rcm_stop();
    assert_int_equal(n.copied_bytes, 2 * src.len);
    /* A growing buffer that moves counts the bytes it carries. */
    strbuf grow;
    sb_init(&grow, 1 << 22);
    rcm_start();
    for (int i = 0; i < 64; i++)
        assert_int_equal(sb_append(&grow, src.data, src.len), 0);
    n = rcm_stop();
    assert_true(n.copied_bytes >= 64 * src.len);
    sb_free(&grow);
    sb_free(&dst);
    sb_free(&src);
}

/* Formatting (rf_format_body, after the parse) copies each base64 byte
 * once, into the body: the bytes copied are at least the payload (the
 * body holds it) and far below two payloads. */
static void test_large_conversation_copies_payload_once(void **state)
{
    (void)state;
    if (!RCM_AVAILABLE)
        skip(); /* AddressSanitizer owns memcpy and malloc */
    strbuf req;
    sb_init(&req, (size_t)64 << 20);
    int moved;
    build_request(&req, &moved);
    size_t payload = (size_t)(PAIRS + moved) * ((IMAGE_BYTES + 2) / 3 * 4);

    lp_config cfg = rt_config();
    rf_request r;
    mp_error err = MP_ERROR_INIT;
    strbuf body;
    sb_init(&body, (size_t)1 << 30);
    int streaming = 0;
    assert_int_equal(rf_parse(req.data, req.len, NULL, &r, &err), MP_OK);
    rcm_start();
    int rc = rf_format_body(&cfg, NULL, &r, NULL, NULL, &body, &streaming, &err);
    rcm_counts n = rcm_stop();
    assert_int_equal(rc, MP_OK);
    double copies = (double)n.copied_bytes / (double)payload;
    print_message("payload %zu bytes, body %zu bytes, copied %zu bytes "
                  "(%.3f payloads) in %zu calls, allocated %zu bytes\n",
                  payload, body.len, n.copied_bytes, copies, n.copy_calls,
                  n.alloc_bytes);
    assert_true(n.copied_bytes >= payload);
    assert_true(copies < 1.25);
    /* One body buffer, reserved once: no growth that would move it. */
    assert_true(n.alloc_bytes < payload + payload / 2);
    sb_free(&body);
    sb_free(&req);
    rf_release(&r);
}

/* lp_json_parse keeps one json-c parser for its next call, but not one
 * that read a long text: its string buffer has grown to the longest
 * string and would stay that large for the process's life. */
static void test_parser_kept_holds_no_large_buffer(void **state)
{
    (void)state;
    lp_json_release_spare();
    size_t n = (size_t)8 << 20;
    char *doc = malloc(n + 16);
    assert_non_null(doc);
    memcpy(doc, "{\"s\":\"", 6);
    memset(doc + 6, 'A', n);
    memcpy(doc + 6 + n, "\"}", 3);
    struct mallinfo2 before = mallinfo2();
    json_object *v = NULL;
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(lp_json_parse(doc, n + 8, "test", &v, &err), MP_OK);
    json_object_put(v);
    struct mallinfo2 after = mallinfo2();
    size_t held_before = before.uordblks + before.hblkhd;
    size_t held_after = after.uordblks + after.hblkhd;
    print_message("heap in use: %zu KiB before, %zu KiB after\n",
                  held_before >> 10, held_after >> 10);
    assert_true(held_after < held_before + ((size_t)1 << 20));
    free(doc);
    /* A short text's parser is kept: the next call takes it. */
    assert_int_equal(lp_json_parse("{\"a\":1}", (size_t)-1, "test", &v, &err),
                     MP_OK);
    json_object_put(v);
    lp_json_release_spare();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_conversation_with_images),
        cmocka_unit_test(test_copy_meter_sees_strbuf_copies),
        cmocka_unit_test(test_large_conversation_copies_payload_once),
        cmocka_unit_test(test_parser_kept_holds_no_large_buffer),
    };
    return cmocka_run_group_tests_name("request: large conversation", tests,
                                       NULL, NULL);
}
