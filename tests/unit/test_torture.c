/*
 * test_torture.c - allocation-failure injection (alloc_fail.h): for each
 * path below, run it once to count its allocations, then once more for
 * every N, with the Nth allocation failing.  Each run must return
 * MP_E_NO_MEMORY (with err.code and a message saying so) or what the
 * plain run returned, and then produce exactly the plain run's output (a
 * failure must never change data silently); it must never crash, and it
 * must free every block it allocated (nothing armed is left live).
 *
 *  - request building: config, then everything stream() prepares
 *    (lp_exchange_prepare: route, request parsed and checked, body, URL,
 *    headers, secrets);
 *  - SSE and chunk mapping: our recorded-style streams (text with usage,
 *    reasoning and tool calls in pieces, an error object mid-stream) fed
 *    in 7-byte pieces, and a whole non-streaming body;
 *  - config: create, update, get_config's redaction;
 *  - structured output: the schema checked and made strict, the answer
 *    mapped, picked, parsed and validated (both paths).
 *
 * Not failed: allocations inside json-c's parser (json_tokener_parse_ex,
 * wrapped below).  json-c 0.16, Debian 12's, does not check the strdup of
 * an object key there and crashes on the NULL (newer json-c reports
 * json_tokener_error_memory); no caller can prevent that.  Everything the
 * plugin does with the parsed values, and every other json-c call it
 * makes, is failed in turn.
 *
 * Under AddressSanitizer or ThreadSanitizer the allocator cannot be
 * replaced, and the tests report SKIPPED.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "../../plugin/anthropic/an_mapper.h"
#include "../../plugin/core/config.h"
#include "../../plugin/core/event_emit.h"
#include "../../plugin/core/event_json.h"
#include "../../plugin/core/exchange.h"
#include "../../plugin/core/json_util.h"
#include "../../plugin/core/json_writer.h"
#include "../../plugin/core/strbuf.h"
#include "../../plugin/openai_chat/chunk_mapper.h"
#include "../../plugin/structured/schema_ref.h"
#include "../../plugin/structured/schema_strict.h"
#include "../../plugin/structured/structured_reply.h"
#include "../support/it_harness.h"

#if AF_AVAILABLE
#include <dlfcn.h>

json_object *json_tokener_parse_ex(json_tokener *tok, const char *str,
                                   int len)
{
    static json_object *(*real)(json_tokener *, const char *, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "json_tokener_parse_ex");
    af_hold++;
    json_object *v = real(tok, str, len);
    af_hold--;
    return v;
}
#endif

/* Inputs, read before anything is armed. */
static char *seed(const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/seeds/%s", LP_SOURCE_DIR, rel);
    size_t n;
    char *s = it_read_file(path, &n);
    if (!s)
        fail_msg("cannot read %s", path);
    return s;
}

static const lp_logger quiet = {NULL, NULL};
static const char cfg_json[] =
    "{\"model_id\":\"litellm_proxy/m\",\"reasoning_round_trip\":true,"
    "\"params\":{\"max_tokens\":5,\"temperature\":0.25}}";
static const char client_json[] =
    "{\"api_key\":\"sk-torture-0123456789\",\"api_base\":\"http://h:4000/v1/\","
    "\"extra_headers\":{\"Cookie\":\"c=1234\",\"Accept-Language\":\"de\"},"
    "\"use_litellm_proxy\":true,\"unknown\":1}";

typedef int (*scenario_fn)(const char *input, strbuf *out, mp_error *err);

/* ----------------------------------------------------------- request */

static int sc_request(const char *input, strbuf *out, mp_error *err)
{
    lp_config *cfg;
    int rc = lp_config_new(cfg_json, (size_t)-1, client_json, (size_t)-1,
                           &quiet, &cfg, err);
    if (rc)
        return rc;
    /* The whole of stream()'s preparation: route, parse, body, URL,
     * headers, secrets. */
    lp_exchange x;
    rc = lp_exchange_prepare(&x, cfg, input, strlen(input), NULL, err);
    if (!rc) {
        sb_append(out, x.body.data, x.body.len);
        sb_printf(out, "\n%s", x.url.data);
        for (struct curl_slist *p = x.headers; p; p = p->next)
            sb_printf(out, "\n%s", p->data);
        for (size_t i = 0; x.secrets[i]; i++)
            sb_printf(out, "\n%s", x.secrets[i]);
    }
    lp_exchange_free(&x);
    lp_config_unref(cfg);
    return rc;
}

/* ---------------------------------------------------- chunk mapping */

/* The recorder is the test's, not the plugin's: its own allocations (a
 * citation's JSON, say) are neither counted nor failed. */
static int record(void *ctx, const mp_event_header *ev)
{
    strbuf *out = ctx;
#if AF_AVAILABLE
    af_hold++;
#endif
    int rc = lp_event_to_json(ev, out) || sb_appendc(out, '\n');
#if AF_AVAILABLE
    af_hold--;
#endif
    if (rc)
        fail_msg("the recorder ran out of its reserved room");
    return 0;
}

static int map(const char *input, strbuf *out, mp_error *err, int whole)
{
    mp_event_sink sink = {sizeof sink, out, record};
    ev_emitter em;
    ev_init(&em, &sink);
    chunk_mapper m;
    cm_options opt = {.reasoning_round_trip = 1,
                      .secrets = (const char *const[]){"sk-torture", NULL}};
    int rc = cm_init(&m, &em, &opt);
    if (rc) {
        cm_free(&m);
        err->code = rc; /* cm_init leaves the message to its caller */
        snprintf(err->message, sizeof err->message, "out of memory");
        return rc;
    }
    size_t len = strlen(input);
    if (whole) {
        rc = cm_map_response(&m, input, len, 1, 1, err);
    } else {
        for (size_t off = 0; !rc && off < len; off += 7)
            rc = cm_feed(&m, input + off, len - off < 7 ? len - off : 7, err);
        if (!rc)
            rc = cm_finish(&m, 1, 1, err);
    }
    cm_free(&m);
    return rc;
}

static int sc_stream(const char *input, strbuf *out, mp_error *err)
{
    return map(input, out, err, 0);
}

static int sc_whole(const char *input, strbuf *out, mp_error *err)
{
    return map(input, out, err, 1);
}

/* An Anthropic Messages API stream: its events are read by the answers'
 * reader, and blocks, citations, usage and errors handed on as json-c
 * objects. */
static int sc_anthropic(const char *input, strbuf *out, mp_error *err)
{
    mp_event_sink sink = {sizeof sink, out, record};
    ev_emitter em;
    ev_init(&em, &sink);
    an_mapper m;
    lp_map_options opt = {.reasoning_round_trip = 1,
                          .secrets = (const char *const[]){"sk-torture",
                                                           NULL}};
    int rc = an_mapper_init(&m, &em, &opt);
    if (rc) {
        an_mapper_free(&m);
        err->code = rc; /* init leaves the message to its caller */
        snprintf(err->message, sizeof err->message, "out of memory");
        return rc;
    }
    size_t len = strlen(input);
    for (size_t off = 0; !rc && off < len; off += 11)
        rc = an_mapper_feed(&m, input + off, len - off < 11 ? len - off : 11,
                            err);
    if (!rc)
        rc = an_mapper_finish(&m, 1, 1, err);
    an_mapper_free(&m);
    return rc;
}

/* ------------------------------------------------------------ config */

static int sc_config(const char *input, strbuf *out, mp_error *err)
{
    lp_config *cfg, *next = NULL;
    int rc = lp_config_new(cfg_json, (size_t)-1, client_json, (size_t)-1,
                           &quiet, &cfg, err);
    if (rc)
        return rc;
    rc = lp_config_update(cfg, input, strlen(input), &quiet, &next, err);
    if (!rc)
        rc = lp_config_to_redacted_json(next, -1, out);
    if (rc == MP_E_NO_MEMORY && !err->message[0]) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "get_config: out of memory");
    }
    lp_config_unref(next);
    lp_config_unref(cfg);
    return rc;
}

/* -------------------------------------------------- structured output */

static int sc_structured(const char *input, strbuf *out, mp_error *err)
{
    /* input: the schema, a NUL, the body (as the fuzz seeds are). */
    const char *body = input + strlen(input) + 1;
    json_object *schema = NULL, *strict = NULL;
    int rc = lp_json_parse(input, strlen(input), "schema", &schema, err);
    if (!rc)
        rc = sch_check(schema, err);
    if (!rc && (rc = ss_make_strict(schema, &strict)))
        snprintf(err->message, sizeof err->message, "strict: out of memory"),
            err->code = rc;
    if (!rc && (rc = jw_to_string(strict, out)))
        err->code = rc, snprintf(err->message, sizeof err->message, "oom");
    for (int path = SO_PATH_RESPONSE_FORMAT; !rc && path <= SO_PATH_TOOL;
         path++) {
        so_reply reply;
        so_reply_init(&reply, 1 << 20);
        ev_emitter em;
        ev_init(&em, &reply.sink);
        chunk_mapper m;
        cm_options opt = {0};
        rc = cm_init(&m, &em, &opt);
        if (rc)
            err->code = rc, snprintf(err->message, sizeof err->message, "oom");
        if (!rc)
            rc = cm_map_response(&m, body, strlen(body), 1, 1, err);
        if (!rc)
            rc = cm_check_single_choice(body, strlen(body), err);
        if (!rc)
            rc = so_reply_result(&reply, path, schema, out, err);
        sb_appendc(out, '\n');
        cm_free(&m);
        so_reply_free(&reply);
    }
    json_object_put(strict);
    json_object_put(schema);
    return rc;
}

/* ----------------------------------------------------------- driving */

#define OUT_ROOM ((size_t)1 << 22)

static void torture(const char *name, scenario_fn fn, const char *input)
{
#if !AF_AVAILABLE
    (void)name, (void)fn, (void)input;
    skip();
#else
    strbuf ref;
    sb_init(&ref, OUT_ROOM);
    assert_int_equal(sb_reserve(&ref, OUT_ROOM - 1), 0);
    mp_error e0 = MP_ERROR_INIT;
    /* lp_json_parse keeps one parser for its next call, on purpose: each
     * run starts and ends without it, so what it leaves live is a leak. */
    lp_json_release_spare();
    af_arm(0);
    int rc0 = fn(input, &ref, &e0);
    lp_json_release_spare();
    uint64_t total = af_disarm();
    if (af_live())
        fail_msg("%s: %zu block(s) left live by a run without failures",
                 name, af_live());
    if (rc0 == MP_E_NO_MEMORY)
        fail_msg("%s: out of memory without a failure: %s", name, e0.message);
    uint64_t nomem = 0, same = 0, n;
    strbuf out;
    sb_init(&out, OUT_ROOM);
    assert_int_equal(sb_reserve(&out, OUT_ROOM - 1), 0);
    for (n = 1;; n++) {
        sb_reset(&out);
        mp_error err = MP_ERROR_INIT;
        af_arm(n);
        int rc = fn(input, &out, &err);
        lp_json_release_spare();
        af_disarm();
        if (af_live())
            fail_msg("%s: allocation %llu failed: %zu block(s) leaked (%s)",
                     name, (unsigned long long)n, af_live(), mp_errname(rc));
        if (!af_injected())
            break; /* past the last allocation */
        if (rc == MP_E_NO_MEMORY) {
            if (err.code != rc || !err.message[0])
                fail_msg("%s: allocation %llu failed: MP_E_NO_MEMORY with "
                         "err.code %d and message \"%s\"", name,
                         (unsigned long long)n, err.code, err.message);
            nomem++;
            continue;
        }
        if (rc != rc0)
            fail_msg("%s: allocation %llu failed: got %s (%s), expected "
                     "MP_E_NO_MEMORY or %s", name, (unsigned long long)n,
                     mp_errname(rc), err.message, mp_errname(rc0));
        if (out.len != ref.len || memcmp(out.data, ref.data, ref.len) != 0)
            fail_msg("%s: allocation %llu failed: %s but a different "
                     "output:\n%.*s\nexpected:\n%.*s", name,
                     (unsigned long long)n, mp_errname(rc), (int)out.len,
                     out.data, (int)ref.len, ref.data);
        same++;
    }
    print_message("%s: %llu allocation(s), each failed in turn: %llu "
                  "MP_E_NO_MEMORY, %llu recovered with the same result (%s)\n",
                  name, (unsigned long long)total, (unsigned long long)nomem,
                  (unsigned long long)same, mp_errname(rc0));
    sb_free(&out);
    sb_free(&ref);
#endif
}

/* Before any input is read: skip() leaves the test at once. */
static void need_injection(void)
{
    if (!AF_AVAILABLE)
        skip();
}

static void test_torture_request(void **state)
{
    (void)state;
    need_injection();
    static const char *const files[] = {"request/tools.json",
                                        "request/media.json",
                                        "request/reasoning.json"};
    for (size_t i = 0; i < 3; i++) {
        char *in = seed(files[i]);
        torture(files[i], sc_request, in);
        free(in);
    }
}

static void test_torture_chunk_mapping(void **state)
{
    (void)state;
    need_injection();
    static const char *const files[] = {"openai_chunks/text_usage.sse",
                                        "openai_chunks/reasoning_tool_pieces.sse",
                                        "openai_chunks/error_mid_stream.sse"};
    for (size_t i = 0; i < 3; i++) {
        char *in = seed(files[i]);
        torture(files[i], sc_stream, in);
        free(in);
    }
    /* Arguments sent as an object are written back to text. */
    torture("object arguments", sc_stream,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":"
            "[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\","
            "\"arguments\":{\"x\":[1,\"y\",{\"z\":null}],\"w\":2.5,\"long\":\"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\",\"more\":[true,false,null,-1e-3]}}}]},"
            "\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
    char *in = seed("openai_chunks/whole_body.json");
    in[strlen(in) - 1] = '\0'; /* the fuzz mode byte */
    torture("openai_chunks/whole_body.json", sc_whole, in);
    free(in);
    static const char *const anthropic[] = {
        "anthropic_stream/text_tool_thinking.sse",
        "anthropic_stream/redacted_citation_error.sse"};
    for (size_t i = 0; i < 2; i++) {
        in = seed(anthropic[i]);
        torture(anthropic[i], sc_anthropic, in);
        free(in);
    }
}

static void test_torture_config(void **state)
{
    (void)state;
    need_injection();
    torture("config update", sc_config,
            "{\"model_id\":\"other\",\"params\":{\"api_key\":\"p\",\"n\":"
            "123456789012345678901234567890},\"structured_output_mode\":"
            "\"tool\",\"bogus\":[1,{\"a\":null}]}");
}

static void test_torture_structured(void **state)
{
    (void)state;
    need_injection();
    static const char *const files[] = {"structured/rf_text",
                                        "structured/tool_call",
                                        "structured/fenced_bad"};
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/fuzz/seeds/%s", LP_SOURCE_DIR,
                 files[i]);
        size_t n;
        char *in = it_read_file(path, &n); /* schema NUL body */
        assert_non_null(in);
        torture(files[i], sc_structured, in);
        free(in);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torture_request),
        cmocka_unit_test(test_torture_chunk_mapping),
        cmocka_unit_test(test_torture_config),
        cmocka_unit_test(test_torture_structured),
    };
    int rc = cmocka_run_group_tests_name("allocation failure", tests, NULL,
                                         NULL);
    curl_global_cleanup();
    return rc;
}
