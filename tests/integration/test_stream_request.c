/*
 * test_stream_request.c - the request side end to end: one test per
 * feature, each checking the body (and headers, path) that
 * build/mock-server actually received from the real plugin, against the
 * shapes of reference-behaviour section 3 with decisions 1-6.
 *
 * Expected JSON is written with ` for " to stay readable (J() converts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/requote.h"
#include "stream_it.h"

/* Backtick-quoted JSON text to a json-c value (fails the test if bad). */
static json_object *J(const char *bq)
{
    const char *s = requote(bq, '`');
    json_object *v = json_tokener_parse(s);
    if (!v && strcmp(s, "null") != 0)
        fail_msg("bad test JSON: %s", s);
    return v;
}

static void expect_at(json_object *root, const char *path, const char *want)
{
    if (!it_has(root, path))
        fail_msg("%s: missing in %s", path,
                 json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
    json_object *w = J(want);
    json_object *got = it_get(root, path);
    if (!json_object_equal(got, w))
        fail_msg("%s:\n got: %s\nwant: %s", path,
                 json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN),
                 json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN));
    json_object_put(w);
}

/* Run one call (which must succeed) and return the request the server
 * recorded for it (put it).  `base` NULL: the mock's base URL. */
static json_object *send_with(const char *base, const char *config,
                              const char *extra, const char *request_bq)
{
    char *args = it_client_args(base ? base : it_req_mock.base_url, NULL,
                                extra);
    json_object *r = st_send_ok(&it_req_mock, config, args,
                                requote(request_bq, '`'));
    free(args);
    return r;
}

static json_object *send_req(const char *request_bq)
{
    return send_with(NULL, "{\"model_id\":\"it-req\"}", NULL, request_bq);
}

#define USER(content) "{`messages`:[{`role`:`user`,`content`:[" content "]}]}"

static void test_text(void **state)
{
    (void)state;
    json_object *r = send_req(USER("{`text`:`hello`}"));
    expect_at(r, "body", "{`messages`:[{`role`:`user`,`content`:[{`text`:"
              "`hello`,`type`:`text`}]}],`model`:`it-req`,`stream`:true,"
              "`stream_options`:{`include_usage`:true},`tools`:[]}");
    expect_at(r, "method", "`POST`");
    expect_at(r, "headers.content-type", "`application/json`");
    expect_at(r, "headers.accept", "`text/event-stream`");
    assert_false(it_has(r, "headers.authorization")); /* no key given */
    json_object_put(r);
}

static void test_image_base64_unchanged(void **state)
{
    (void)state;
    /* + and / survive as they are; formats map to MIME types (3.3). */
    json_object *r = send_req(USER(
        "{`text`:`look`},"
        "{`image`:{`format`:`png`,`source`:{`bytes`:`iVBORw0K+/+/AA==`}}},"
        "{`image`:{`format`:`jpg`,`source`:{`bytes`:`/9j/4AAQ`}}},"
        "{`image`:{`format`:`webp`,`source`:{`bytes`:`UklGRg==`}}}"));
    expect_at(r, "body.messages[0].content",
              "[{`text`:`look`,`type`:`text`},"
              "{`image_url`:{`detail`:`auto`,`format`:`image/png`,`url`:"
              "`data:image/png;base64,iVBORw0K+/+/AA==`},`type`:`image_url`},"
              "{`image_url`:{`detail`:`auto`,`format`:`image/jpeg`,`url`:"
              "`data:image/jpeg;base64,/9j/4AAQ`},`type`:`image_url`},"
              "{`image_url`:{`detail`:`auto`,`format`:`image/webp`,`url`:"
              "`data:image/webp;base64,UklGRg==`},`type`:`image_url`}]");
    json_object_put(r);
}

static void test_document(void **state)
{
    (void)state;
    json_object *r = send_req(USER(
        "{`document`:{`format`:`pdf`,`name`:`test doc`,`source`:{`bytes`:"
        "`ZG9jdW1lbnQ=`}}},{`text`:`summarise`}"));
    expect_at(r, "body.messages[0].content",
              "[{`file`:{`file_data`:`data:application/pdf;base64,ZG9jdW1lbnQ=`,"
              "`filename`:`test doc`},`type`:`file`},"
              "{`text`:`summarise`,`type`:`text`}]");
    json_object_put(r);
}

static void test_video(void **state)
{
    (void)state;
    /* Decision 3: a data URL with the base64 as given. */
    json_object *r = send_req(USER(
        "{`video`:{`format`:`mp4`,`source`:{`bytes`:`AAAAGGZ0eXBtcDQy`}}}"));
    expect_at(r, "body.messages[0].content",
              "[{`type`:`video_url`,`video_url`:{`detail`:`auto`,`url`:"
              "`data:video/mp4;base64,AAAAGGZ0eXBtcDQy`}}]");
    json_object_put(r);
}

/* Decision 29 on the wire: a redundant "type" key and a video without
 * "format" (an MP4 by its ftyp box) are accepted, as the reference
 * accepts them. */
static void test_inputs_the_reference_accepts(void **state)
{
    (void)state;
    json_object *r = send_req(USER(
        "{`type`:`text`,`text`:`look`},"
        "{`video`:{`source`:{`bytes`:`AAAAGGZ0eXBtcDQy`}}}"));
    expect_at(r, "body.messages[0].content",
              "[{`text`:`look`,`type`:`text`},{`type`:`video_url`,`video_url`:"
              "{`detail`:`auto`,`url`:`data:video/mp4;base64,AAAAGGZ0eXBtcDQy`}}]");
    json_object_put(r);
}

static void test_tool_use_with_signature_and_result(void **state)
{
    (void)state;
    json_object *r = send_req(
        "{`messages`:["
        "{`role`:`user`,`content`:[{`text`:`weather?`}]},"
        "{`role`:`assistant`,`content`:[{`toolUse`:{`toolUseId`:`call_1`,"
        "`name`:`get_weather`,`input`:{`city`:`Paris`,`days`:2},"
        "`reasoningSignature`:`c2lnLTE=`}}]},"
        "{`role`:`user`,`content`:[{`toolResult`:{`toolUseId`:`call_1`,"
        "`status`:`success`,`content`:[{`text`:`18C`},{`json`:{`rain`:false}}]}}]}"
        "]}");
    /* The id carries the signature (reference 5), and the tool message
     * pairs with that same id (decision 4). */
    expect_at(r, "body.messages[1].role", "`assistant`");
    assert_false(it_has(r, "body.messages[1].content"));
    expect_at(r, "body.messages[1].tool_calls[0].id",
              "`call_1__thought__c2lnLTE=`");
    expect_at(r, "body.messages[1].tool_calls[0].type", "`function`");
    expect_at(r, "body.messages[1].tool_calls[0].function.name",
              "`get_weather`");
    /* arguments is JSON text: compared by meaning (decision 6). */
    json_object *args = json_tokener_parse(it_get_str(
        r, "body.messages[1].tool_calls[0].function.arguments"));
    json_object *want = J("{`city`:`Paris`,`days`:2}");
    assert_true(json_object_equal(args, want));
    json_object_put(args);
    json_object_put(want);
    expect_at(r, "body.messages[2]",
              "{`role`:`tool`,`tool_call_id`:`call_1__thought__c2lnLTE=`,"
              "`content`:`18C\\n{\\`rain\\`:false}`}");
    assert_int_equal(json_object_array_length(it_get(r, "body.messages")), 3);
    json_object_put(r);
}

static void test_tool_result_with_image_moves_it(void **state)
{
    (void)state;
    json_object *r = send_req(
        "{`messages`:["
        "{`role`:`assistant`,`content`:[{`toolUse`:{`toolUseId`:`c7`,"
        "`name`:`shot`,`input`:{}}}]},"
        "{`role`:`user`,`content`:[{`toolResult`:{`toolUseId`:`c7`,"
        "`content`:[{`text`:`here`},{`image`:{`format`:`png`,`source`:"
        "{`bytes`:`aW1nMQ==`}}}]}}]}]}");
    expect_at(r, "body.messages[0].tool_calls[0].function.arguments", "`{}`");
    expect_at(r, "body.messages[1]",
              "{`role`:`tool`,`tool_call_id`:`c7`,`content`:["
              "{`type`:`text`,`text`:`here`},"
              "{`type`:`text`,`text`:`Tool successfully returned an image. "
              "The image is being provided in the following user message.`}]}");
    expect_at(r, "body.messages[2]",
              "{`role`:`user`,`content`:[{`image_url`:{`detail`:`auto`,"
              "`format`:`image/png`,`url`:`data:image/png;base64,aW1nMQ==`},"
              "`type`:`image_url`}]}");
    char *logs = it_logs();
    assert_non_null(strstr(logs, "tool_call_id=c7 | Moving image from tool "
                                 "message to a new user message"));
    free(logs);
    json_object_put(r);
}

static void test_cache_points(void **state)
{
    (void)state;
    json_object *r = send_req(
        "{`system_prompt_content`:[{`text`:`A`},{`text`:`B`},"
        "{`cachePoint`:{`type`:`default`}},{`text`:`C`},"
        "{`cachePoint`:{`type`:`default`,`ttl`:`1h`}}],"
        "`messages`:[{`role`:`user`,`content`:[{`text`:`q1`},"
        "{`cachePoint`:{`type`:`default`}},{`text`:`q2`}]}]}");
    expect_at(r, "body.messages[0]",
              "{`role`:`system`,`content`:[{`type`:`text`,`text`:`A`},"
              "{`type`:`text`,`text`:`B`,`cache_control`:{`type`:`ephemeral`}},"
              "{`type`:`text`,`text`:`C`,`cache_control`:{`type`:`ephemeral`,"
              "`ttl`:`1h`}}]}");
    /* Decision 2: a message-level cachePoint marks the block before it. */
    expect_at(r, "body.messages[1]",
              "{`role`:`user`,`content`:[{`text`:`q1`,`type`:`text`,"
              "`cache_control`:{`type`:`ephemeral`}},{`text`:`q2`,`type`:`text`}]}");
    json_object_put(r);
}

static void test_tool_choice(void **state)
{
    (void)state;
    static const struct {
        const char *choice, *want;
    } cases[] = {
        {"{`auto`:{}}", "`auto`"},
        {"{`any`:{}}", "`required`"},
        {"{`tool`:{`name`:`t`}}", "{`type`:`function`,`function`:{`name`:`t`}}"},
    };
    for (size_t i = 0; i < 3; i++) {
        char req[512];
        snprintf(req, sizeof req,
                 "{`messages`:[{`role`:`user`,`content`:[{`text`:`q`}]}],"
                 "`tool_specs`:[{`name`:`t`,`description`:`d`,`inputSchema`:"
                 "{`json`:{`type`:`object`,`properties`:{`x`:{`type`:"
                 "`integer`}}}}}],`tool_choice`:%s}", cases[i].choice);
        json_object *r = send_req(req);
        expect_at(r, "body.tool_choice", cases[i].want);
        expect_at(r, "body.tools",
                  "[{`type`:`function`,`function`:{`name`:`t`,`description`:"
                  "`d`,`parameters`:{`type`:`object`,`properties`:{`x`:"
                  "{`type`:`integer`}}}}}]");
        json_object_put(r);
    }
    json_object *r = send_req(USER("{`text`:`q`}"));
    assert_false(it_has(r, "body.tool_choice"));
    json_object_put(r);
}

static void test_params_merge(void **state)
{
    (void)state;
    json_object *r = send_with(
        NULL, "{\"model_id\":\"it-req\",\"params\":{\"max_tokens\":5,"
        "\"temperature\":0.1,\"metadata\":{\"run\":\"it\",\"n\":[1,2]},"
        "\"stream_options\":{\"include_usage\":true,\"x\":1}}}",
        NULL, USER("{`text`:`q`}"));
    expect_at(r, "body.max_tokens", "5");
    expect_at(r, "body.temperature", "0.1");
    expect_at(r, "body.metadata", "{`run`:`it`,`n`:[1,2]}");
    /* params are spread last and win (reference 3.1). */
    expect_at(r, "body.stream_options", "{`include_usage`:true,`x`:1}");
    expect_at(r, "body.stream", "true");
    expect_at(r, "body.model", "`it-req`");
    json_object_put(r);
}

/* reference-update 3.5 cases 153 (test_litellm.py) and 160
 * (test_openai.py), both test_stream_derives_prompt_cache_key_from_agent_
 * session: stream() with the agent's session in the request's
 * agent_metadata and an empty cache_config sends prompt_cache_key
 * "strands-s1"; the next call without it sends none. */
static void test_stream_derives_prompt_cache_key_from_agent_session(void **state)
{
    (void)state;
    const char *config = "{\"model_id\":\"it-req\",\"cache_config\":{}}";
    json_object *r = send_with(NULL, config, NULL,
        "{`messages`:[{`role`:`user`,`content`:[{`text`:`q`}]}],"
        "`agent_metadata`:{`session_id`:`s1`}}");
    expect_at(r, "body.prompt_cache_key", "`strands-s1`");
    assert_false(it_has(r, "body.prompt_cache_retention"));
    json_object_put(r);
    r = send_with(NULL, config, NULL, USER("{`text`:`q`}"));
    assert_false(it_has(r, "body.prompt_cache_key"));
    json_object_put(r);
}

static void test_auth_and_extra_headers(void **state)
{
    (void)state;
    json_object *r = send_with(
        NULL, "{\"model_id\":\"it-req\"}",
        "\"api_key\":\"sk-req-key-0000000001\",\"extra_headers\":"
        "{\"X-Trace\":\"t-1\",\"x-api-key\":\"hdr-secret-7\"}",
        USER("{`text`:`q`}"));
    expect_at(r, "headers.authorization", "`Bearer sk-req-key-0000000001`");
    expect_at(r, "headers.x-trace", "`t-1`");
    expect_at(r, "headers.x-api-key", "`hdr-secret-7`");
    json_object_put(r);
    /* An extra Authorization replaces the default one. */
    r = send_with(NULL, "{\"model_id\":\"it-req\"}",
                  "\"api_key\":\"sk-req-key-0000000001\",\"extra_headers\":"
                  "{\"Authorization\":\"Basic YWJj\"}",
                  USER("{`text`:`q`}"));
    expect_at(r, "headers.authorization", "`Basic YWJj`");
    json_object_put(r);
}

static int buf_write(void *ctx, const char *p, size_t n)
{
    it_buf_add(ctx, p, n);
    return 0;
}

static void test_litellm_proxy_prefix_stripped(void **state)
{
    (void)state;
    json_object *r = send_with(NULL, "{\"model_id\":\"litellm_proxy/it-req\"}",
                               NULL, USER("{`text`:`q`}"));
    expect_at(r, "body.model", "`it-req`");
    json_object_put(r);
    /* use_litellm_proxy adds the prefix to model_id (reference 2.4)... */
    char *args = it_client_args(it_req_mock.base_url, NULL,
                                "\"use_litellm_proxy\":true");
    mp_error err = MP_ERROR_INIT;
    mp_instance *inst = it_create("{\"model_id\":\"it-req\"}", args, &err);
    assert_non_null(inst);
    it_buf cfg = {0};
    mp_text_sink sink = {sizeof sink, &cfg, buf_write};
    assert_int_equal(it_p->get_config(inst, &sink, &err), MP_OK);
    json_object *doc = json_tokener_parse(cfg.data);
    expect_at(doc, "config.model_id", "`litellm_proxy/it-req`");
    json_object_put(doc);
    it_p->destroy(inst);
    it_buf_free(&cfg);
    free(args);
    /* ...and the wire model is still the bare id. */
    r = send_with(NULL, "{\"model_id\":\"it-req\"}", "\"use_litellm_proxy\":true",
                  USER("{`text`:`q`}"));
    expect_at(r, "body.model", "`it-req`");
    json_object_put(r);
}

static void test_url_paths(void **state)
{
    (void)state;
    const struct {
        const char *suffix, *path;
    } cases[] = {
        {"", "/chat/completions"},
        {"/", "/chat/completions"},
        {"/v1", "/v1/chat/completions"},
        {"/v1/", "/v1/chat/completions"},
    };
    for (size_t i = 0; i < 4; i++) {
        char base[128];
        snprintf(base, sizeof base, "%s%s", it_req_mock.base_url,
                 cases[i].suffix);
        json_object *r = send_with(base, "{\"model_id\":\"it-req\"}", NULL,
                                   USER("{`text`:`q`}"));
        char want[64];
        snprintf(want, sizeof want, "`%s`", cases[i].path);
        expect_at(r, "path", want);
        json_object_put(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_image_base64_unchanged),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_video),
        cmocka_unit_test(test_inputs_the_reference_accepts),
        cmocka_unit_test(test_tool_use_with_signature_and_result),
        cmocka_unit_test(test_tool_result_with_image_moves_it),
        cmocka_unit_test(test_cache_points),
        cmocka_unit_test(test_tool_choice),
        cmocka_unit_test(test_params_merge),
        cmocka_unit_test(test_stream_derives_prompt_cache_key_from_agent_session),
        cmocka_unit_test(test_auth_and_extra_headers),
        cmocka_unit_test(test_litellm_proxy_prefix_stripped),
        cmocka_unit_test(test_url_paths),
    };
    return cmocka_run_group_tests_name("stream_request", tests,
                                       it_req_group_setup,
                                       it_req_group_teardown);
}
