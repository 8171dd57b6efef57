/*
 * test_compat_v10_plugin.c - the compatibility matrix, second half: the
 * sample host (ABI 1.1) with a plugin that answers only minor 0, the
 * replay provider.  The host must use none of 1.1's additions with it
 * (MP_HOST_11):
 *
 *   - negotiation gives minor 0 and the host does not count on 1.1;
 *   - a whole model call through the host's own code (model_call: the
 *     assembler, the events file through event_to_json, the echoed text)
 *     works on a copy of the replay's descriptor that is exactly the v1.0
 *     size and ends where a guard page begins, so reading any 1.1 field
 *     would crash the test;
 *   - with no batch flag to go by the host flushes the echoed text after
 *     every delta (it stays interactive); with the 1.1 LiteLLM plugin it
 *     flushes once per network read: a body that arrives in one read gives
 *     one write;
 *   - agent-host --json with the 1.0 plugin adds no "agentHost" key, and
 *     the recording of a 1.1 plugin (with its responseInfo line) replays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../host-sample/model_call.h"
#include "../../host-sample/providers.h"
#include "host_test.h"

#define FIXTURE LP_SOURCE_DIR "/tests/fixtures/expected/openai_gpt4o_text_plain.events.jsonl"
#define V10_SIZE (offsetof(mp_provider_v1, event_to_json) + sizeof(void *))

/* A FILE that counts the writes stdio makes to it (one per flush). */
typedef struct counted { int writes; size_t bytes; } counted;

static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
    (void)buf;
    counted *c = cookie;
    c->writes++;
    c->bytes += n;
    return (ssize_t)n;
}

static FILE *counting_file(counted *c)
{
    memset(c, 0, sizeof *c);
    cookie_io_functions_t io = {NULL, count_write, NULL, NULL};
    FILE *f = fopencookie(c, "w", io);
    setvbuf(f, NULL, _IOFBF, 1 << 16); /* as a pipe: fully buffered */
    return f;
}

/* `d`'s first v1.0-size bytes, placed so that the byte after them is the
 * first of a page nobody may read. */
static const mp_provider_v1 *guarded_copy(const mp_provider_v1 *d, void **map,
                                          size_t *map_len)
{
    long page = sysconf(_SC_PAGESIZE);
    *map_len = (size_t)page * 2;
    char *m = mmap(NULL, *map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    char *at = m + page - V10_SIZE;
    memcpy(at, d, V10_SIZE);
    assert_int_equal(mprotect(m + page, (size_t)page, PROT_NONE), 0);
    assert_int_equal(mprotect(m, (size_t)page, PROT_READ), 0);
    *map = m;
    return (const mp_provider_v1 *)at;
}

static void test_host_uses_nothing_of_v11_with_a_v10_plugin(void **state)
{
    (void)state;
    prov_slot slot;
    char cfg[512], why[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\"}", FIXTURE);
    prov_init(&slot, "tape", REPLAY_SO, cfg, NULL);
    mp_host_v1 host = {sizeof host, NULL, NULL};
    assert_int_equal(prov_open(&slot, &host, why, sizeof why), MP_OK);
    assert_int_equal(slot.mod->minor, 0);
    assert_false(hp_speaks_1_1(slot.mod));
    assert_int_equal(slot.mod->desc->struct_size, V10_SIZE);
    assert_int_equal(slot.mod->desc->abi_minor, 0);

    void *map;
    size_t map_len;
    const mp_provider_v1 *real = slot.mod->desc;
    slot.mod->desc = guarded_copy(real, &map, &map_len);

    msg_assembler as;
    asm_init(&as);
    counted text_writes, event_writes;
    call_output out = {.events = counting_file(&event_writes),
                       .text = counting_file(&text_writes)};
    mp_error err = MP_ERROR_INIT;
    int rc = model_call(&slot, it_hello_request, &as, &out, &err);
    if (rc)
        fail_msg("model_call: %s: %s", mp_errname(rc), err.message);
    fclose(out.events);
    fclose(out.text);
    json_object *msg = asm_take_message(&as);
    assert_non_null(strstr(json_object_to_json_string(msg), "unable"));
    json_object_put(msg);
    asm_free(&as);
    assert_true(event_writes.bytes > 0); /* event_to_json was used */
    /* No flag from a 1.0 plugin: one flush per text delta (30). */
    assert_int_equal(text_writes.writes, 30);

    slot.mod->desc = real;
    munmap(map, map_len);
    assert_int_equal(prov_close(&slot, why, sizeof why), MP_OK);
}

/* The same host code with the 1.1 plugin: one flush for a body that came
 * in one read, however many deltas it held. */
static void test_host_flushes_once_per_read_with_a_v11_plugin(void **state)
{
    (void)state;
    const char *scn[] = {"--scenario", NULL, NULL};
    scn[1] = scenario_path("v11_one_read.scn");
    assert_int_equal(mock_start(&g_mock, scn), 0);
    prov_slot slot;
    char why[512];
    prov_init(&slot, "live", LITELLM_SO, "{\"model_id\":\"v11-one-read\"}",
              mock_client_args(&g_mock, NULL));
    mp_host_v1 host = {sizeof host, NULL, NULL};
    assert_int_equal(prov_open(&slot, &host, why, sizeof why), MP_OK);
    assert_true(hp_speaks_1_1(slot.mod));
    msg_assembler as;
    asm_init(&as);
    counted text_writes;
    call_output out = {.text = counting_file(&text_writes)};
    mp_error err = MP_ERROR_INIT;
    assert_int_equal(model_call(&slot, it_hello_request, &as, &out, &err), MP_OK);
    fclose(out.text);
    assert_int_equal(text_writes.bytes, strlen("Hello, world"));
    assert_int_equal(text_writes.writes, 1); /* two deltas, one read */
    asm_free(&as);
    assert_int_equal(prov_close(&slot, why, sizeof why), MP_OK);
    mock_stop(&g_mock);
}

/* agent-host with the replay provider: no 1.1 extras in --json; and a
 * recording made by a 1.1 plugin, responseInfo line included, replays. */
static void test_agent_host_with_the_replay_provider(void **state)
{
    (void)state;
    const char *rec = ht_path("v11.jsonl");
    assert_int_equal(ht_write(rec,
        "{\"messageStart\":{\"role\":\"assistant\"}}\n"
        "{\"responseInfo\":{\"httpStatus\":200,\"attempts\":1,\"callId\":\"c\"}}\n"
        "{\"contentBlockStart\":{\"start\":{}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":{\"redactedContent\":\"AAEC\"}}}}\n"
        "{\"contentBlockStop\":{}}\n"
        "{\"contentBlockStart\":{\"start\":{}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"citation\":{\"title\":\"T\"}}}}\n"
        "{\"contentBlockDelta\":{\"delta\":{\"text\":\"Replayed.\"}}}\n"
        "{\"contentBlockStop\":{}}\n"
        "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n"
        "{\"metadata\":{\"usage\":{\"inputTokens\":1,\"outputTokens\":2,"
        "\"totalTokens\":3,\"totalCostUsd\":0.5},\"metrics\":{\"latencyMs\":0}}}\n"), 0);
    char cfg[512];
    snprintf(cfg, sizeof cfg, "{\"events_file\":\"%s\"}", rec);
    const char *events = ht_path("out.jsonl");
    const char *args[] = {"--provider", REPLAY_SO, "--config", cfg, "--json",
                          "--events", events, "hi", NULL};
    host_run r;
    assert_int_equal(host_exec(&r, args, NULL, NULL), 0);
    ht_expect_status(&r, 0);
    json_object *msg = json_tokener_parse(r.out);
    assert_non_null(msg);
    /* The 1.0 plugin left the redacted block and the citation out. */
    assert_int_equal(ht_len(msg, "content"), 1);
    assert_string_equal(ht_str(msg, "content[0].text"), "Replayed.");
    assert_null(ht_at(msg, "agentHost"));
    json_object_put(msg);
    assert_non_null(strstr(r.err, "[provider warning] a redacted reasoning "
                                  "block was left out"));
    assert_null(strstr(r.err, "[usage]"));
    char *written = ht_read(events);
    assert_non_null(written);
    assert_null(strstr(written, "responseInfo"));
    assert_null(strstr(written, "totalCostUsd"));
    free(written);
    host_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_uses_nothing_of_v11_with_a_v10_plugin),
        cmocka_unit_test(test_host_flushes_once_per_read_with_a_v11_plugin),
        cmocka_unit_test(test_agent_host_with_the_replay_provider),
    };
    return cmocka_run_group_tests(tests, NULL, ht_teardown_all);
}
