/*
 * test_assembler.c - the sample host's message assembler with the Strands
 * streaming layer's newer rules (reference-update 2.26): a tool block
 * without an id or a name is dropped, and a reasoning block with only a
 * signature is kept (text ""), its signature not leaking into the next.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../host-sample/assembler.h"

static void feed(msg_assembler *a, const mp_event_header *ev)
{
    assert_int_equal(asm_on_event(a, ev), 0);
}

static void start(msg_assembler *a, uint32_t kind, const char *name,
                  const char *id)
{
    mp_event_block_start e;
    memset(&e, 0, sizeof e);
    e.hdr.size = sizeof e;
    e.hdr.type = MP_EVENT_BLOCK_START;
    e.kind = kind;
    e.tool_name = (mp_str){name, name ? strlen(name) : 0};
    e.tool_use_id = (mp_str){id, id ? strlen(id) : 0};
    feed(a, &e.hdr);
}

static void delta(msg_assembler *a, uint32_t kind, const char *text)
{
    mp_event_block_delta e;
    memset(&e, 0, sizeof e);
    e.hdr.size = sizeof e;
    e.hdr.type = MP_EVENT_BLOCK_DELTA;
    e.kind = kind;
    e.text = (mp_str){text, strlen(text)};
    feed(a, &e.hdr);
}

static void stop(msg_assembler *a)
{
    mp_event_header e = {sizeof e, MP_EVENT_BLOCK_STOP, 0};
    feed(a, &e);
}

static void expect_message(msg_assembler *a, const char *want)
{
    json_object *msg = asm_take_message(a);
    assert_non_null(msg);
    assert_string_equal(json_object_to_json_string_ext(msg,
                                                       JSON_C_TO_STRING_PLAIN),
                        want);
    json_object_put(msg);
}

static void test_tool_without_id_or_name_is_dropped(void **state)
{
    (void)state;
    msg_assembler a;
    asm_init(&a);
    start(&a, MP_BLOCK_TOOL_USE, "calc", "");
    delta(&a, MP_DELTA_TOOL_INPUT, "{}");
    stop(&a);
    start(&a, MP_BLOCK_TOOL_USE, "", "t2");
    delta(&a, MP_DELTA_TOOL_INPUT, "{}");
    stop(&a);
    start(&a, MP_BLOCK_TOOL_USE, "calc", "t3");
    delta(&a, MP_DELTA_TOOL_INPUT, "{\"x\":1}");
    stop(&a);
    assert_int_equal(a.dropped_tools, 2);
    expect_message(&a, "{\"role\":\"assistant\",\"content\":[{\"toolUse\":"
                   "{\"toolUseId\":\"t3\",\"name\":\"calc\",\"input\":{\"x\":1}}}]}");
    asm_free(&a);
}

static void test_reasoning_with_only_a_signature_is_kept(void **state)
{
    (void)state;
    msg_assembler a;
    asm_init(&a);
    start(&a, MP_BLOCK_REASONING, NULL, NULL);
    delta(&a, MP_DELTA_REASONING_SIGNATURE, "c2ln");
    stop(&a);
    start(&a, MP_BLOCK_REASONING, NULL, NULL);
    delta(&a, MP_DELTA_REASONING_TEXT, "more");
    stop(&a);
    /* A block with neither adds nothing. */
    start(&a, MP_BLOCK_REASONING, NULL, NULL);
    stop(&a);
    expect_message(&a, "{\"role\":\"assistant\",\"content\":["
                   "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"\","
                   "\"signature\":\"c2ln\"}}},"
                   "{\"reasoningContent\":{\"reasoningText\":{\"text\":"
                   "\"more\"}}}]}");
    asm_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tool_without_id_or_name_is_dropped),
        cmocka_unit_test(test_reasoning_with_only_a_signature_is_kept),
    };
    return cmocka_run_group_tests_name("assembler", tests, NULL, NULL);
}
