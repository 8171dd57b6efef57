/*
 * test_abi_freeze.c - the ABI's struct layouts and enum values, frozen.
 *
 * Every public struct's sizeof and every field's offsetof is checked
 * against this table (x86_64 / LP64).  A failure here means an accidental
 * ABI break: fields may only be appended (then add rows), never moved,
 * resized or removed.  The numbers are deliberately literal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "../../abi/model_provider.h"

typedef struct row {
    const char *type, *field;
    size_t actual, frozen;
} row;

static const row layout[] = {
    {"mp_error", "(size)", sizeof(mp_error), 2136},
    {"mp_error", "struct_size", offsetof(mp_error, struct_size), 0},
    {"mp_error", "code", offsetof(mp_error, code), 4},
    {"mp_error", "http_status", offsetof(mp_error, http_status), 8},
    {"mp_error", "retryable", offsetof(mp_error, retryable), 12},
    {"mp_error", "retry_after_ms", offsetof(mp_error, retry_after_ms), 16},
    {"mp_error", "provider_code", offsetof(mp_error, provider_code), 24},
    {"mp_error", "message", offsetof(mp_error, message), 88},
    {"mp_error", "sizeof provider_code", sizeof(((mp_error *)0)->provider_code), 64},
    {"mp_error", "sizeof message", sizeof(((mp_error *)0)->message), 2048},
    {"mp_host_v1", "(size)", sizeof(mp_host_v1), 24},
    {"mp_host_v1", "struct_size", offsetof(mp_host_v1, struct_size), 0},
    {"mp_host_v1", "log_ctx", offsetof(mp_host_v1, log_ctx), 8},
    {"mp_host_v1", "log", offsetof(mp_host_v1, log), 16},
    {"mp_text_sink", "(size)", sizeof(mp_text_sink), 24},
    {"mp_text_sink", "struct_size", offsetof(mp_text_sink, struct_size), 0},
    {"mp_text_sink", "ctx", offsetof(mp_text_sink, ctx), 8},
    {"mp_text_sink", "write", offsetof(mp_text_sink, write), 16},
    {"mp_event_header", "(size)", sizeof(mp_event_header), 8},
    {"mp_event_header", "size", offsetof(mp_event_header, size), 0},
    {"mp_event_header", "type", offsetof(mp_event_header, type), 4},
    {"mp_event_header", "flags", offsetof(mp_event_header, flags), 6},
    {"mp_str", "(size)", sizeof(mp_str), 16},
    {"mp_str", "ptr", offsetof(mp_str, ptr), 0},
    {"mp_str", "len", offsetof(mp_str, len), 8},
    {"mp_event_message_start", "(size)", sizeof(mp_event_message_start), 16},
    {"mp_event_message_start", "hdr", offsetof(mp_event_message_start, hdr), 0},
    {"mp_event_message_start", "role", offsetof(mp_event_message_start, role), 8},
    {"mp_event_message_start", "reserved", offsetof(mp_event_message_start, reserved), 12},
    {"mp_event_block_start", "(size)", sizeof(mp_event_block_start), 64},
    {"mp_event_block_start", "hdr", offsetof(mp_event_block_start, hdr), 0},
    {"mp_event_block_start", "block_index", offsetof(mp_event_block_start, block_index), 8},
    {"mp_event_block_start", "kind", offsetof(mp_event_block_start, kind), 12},
    {"mp_event_block_start", "tool_name", offsetof(mp_event_block_start, tool_name), 16},
    {"mp_event_block_start", "tool_use_id", offsetof(mp_event_block_start, tool_use_id), 32},
    {"mp_event_block_start", "reasoning_signature", offsetof(mp_event_block_start, reasoning_signature), 48},
    {"mp_event_block_delta", "(size)", sizeof(mp_event_block_delta), 32},
    {"mp_event_block_delta", "hdr", offsetof(mp_event_block_delta, hdr), 0},
    {"mp_event_block_delta", "block_index", offsetof(mp_event_block_delta, block_index), 8},
    {"mp_event_block_delta", "kind", offsetof(mp_event_block_delta, kind), 12},
    {"mp_event_block_delta", "text", offsetof(mp_event_block_delta, text), 16},
    {"mp_event_block_stop", "(size)", sizeof(mp_event_block_stop), 16},
    {"mp_event_block_stop", "hdr", offsetof(mp_event_block_stop, hdr), 0},
    {"mp_event_block_stop", "block_index", offsetof(mp_event_block_stop, block_index), 8},
    {"mp_event_block_stop", "reserved", offsetof(mp_event_block_stop, reserved), 12},
    {"mp_event_message_stop", "(size)", sizeof(mp_event_message_stop), 32},
    {"mp_event_message_stop", "hdr", offsetof(mp_event_message_stop, hdr), 0},
    {"mp_event_message_stop", "stop_reason", offsetof(mp_event_message_stop, stop_reason), 8},
    {"mp_event_message_stop", "reserved", offsetof(mp_event_message_stop, reserved), 12},
    {"mp_event_message_stop", "raw_finish_reason", offsetof(mp_event_message_stop, raw_finish_reason), 16},
    {"mp_event_metadata", "(size)", sizeof(mp_event_metadata), 80},
    {"mp_event_metadata", "(end of the v1.0 fields)",
     offsetof(mp_event_metadata, time_to_first_byte_ms) + sizeof(int64_t), 64},
    {"mp_event_metadata", "hdr", offsetof(mp_event_metadata, hdr), 0},
    {"mp_event_metadata", "input_tokens", offsetof(mp_event_metadata, input_tokens), 8},
    {"mp_event_metadata", "output_tokens", offsetof(mp_event_metadata, output_tokens), 16},
    {"mp_event_metadata", "total_tokens", offsetof(mp_event_metadata, total_tokens), 24},
    {"mp_event_metadata", "cache_read_input_tokens", offsetof(mp_event_metadata, cache_read_input_tokens), 32},
    {"mp_event_metadata", "cache_write_input_tokens", offsetof(mp_event_metadata, cache_write_input_tokens), 40},
    {"mp_event_metadata", "latency_ms", offsetof(mp_event_metadata, latency_ms), 48},
    {"mp_event_metadata", "time_to_first_byte_ms", offsetof(mp_event_metadata, time_to_first_byte_ms), 56},
    /* ABI 1.1, appended. */
    {"mp_event_metadata", "cost_usd", offsetof(mp_event_metadata, cost_usd), 64},
    {"mp_event_metadata", "reasoning_output_tokens", offsetof(mp_event_metadata, reasoning_output_tokens), 72},
    {"mp_event_response_info", "(size)", sizeof(mp_event_response_info), 168},
    {"mp_event_response_info", "hdr", offsetof(mp_event_response_info, hdr), 0},
    {"mp_event_response_info", "http_status", offsetof(mp_event_response_info, http_status), 8},
    {"mp_event_response_info", "attempts", offsetof(mp_event_response_info, attempts), 12},
    {"mp_event_response_info", "attempted_retries", offsetof(mp_event_response_info, attempted_retries), 16},
    {"mp_event_response_info", "attempted_fallbacks", offsetof(mp_event_response_info, attempted_fallbacks), 24},
    {"mp_event_response_info", "ratelimit_remaining_requests", offsetof(mp_event_response_info, ratelimit_remaining_requests), 32},
    {"mp_event_response_info", "ratelimit_remaining_tokens", offsetof(mp_event_response_info, ratelimit_remaining_tokens), 40},
    {"mp_event_response_info", "cost_usd", offsetof(mp_event_response_info, cost_usd), 48},
    {"mp_event_response_info", "call_id", offsetof(mp_event_response_info, call_id), 56},
    {"mp_event_response_info", "model_id", offsetof(mp_event_response_info, model_id), 72},
    {"mp_event_response_info", "model_group", offsetof(mp_event_response_info, model_group), 88},
    {"mp_event_response_info", "provider_request_id", offsetof(mp_event_response_info, provider_request_id), 104},
    {"mp_event_response_info", "ratelimit_reset_requests", offsetof(mp_event_response_info, ratelimit_reset_requests), 120},
    {"mp_event_response_info", "ratelimit_reset_tokens", offsetof(mp_event_response_info, ratelimit_reset_tokens), 136},
    {"mp_event_response_info", "headers_json", offsetof(mp_event_response_info, headers_json), 152},
    {"mp_event_sink", "(size)", sizeof(mp_event_sink), 24},
    {"mp_event_sink", "struct_size", offsetof(mp_event_sink, struct_size), 0},
    {"mp_event_sink", "ctx", offsetof(mp_event_sink, ctx), 8},
    {"mp_event_sink", "on_event", offsetof(mp_event_sink, on_event), 16},
    {"mp_provider_v1", "(size)", sizeof(mp_provider_v1), 192},
    {"mp_provider_v1", "(end of the v1.0 fields)",
     offsetof(mp_provider_v1, event_to_json) + sizeof(void (*)(void)), 128},
    {"mp_provider_v1", "struct_size", offsetof(mp_provider_v1, struct_size), 0},
    {"mp_provider_v1", "abi_major", offsetof(mp_provider_v1, abi_major), 4},
    {"mp_provider_v1", "abi_minor", offsetof(mp_provider_v1, abi_minor), 6},
    {"mp_provider_v1", "id", offsetof(mp_provider_v1, id), 8},
    {"mp_provider_v1", "name", offsetof(mp_provider_v1, name), 16},
    {"mp_provider_v1", "version", offsetof(mp_provider_v1, version), 24},
    {"mp_provider_v1", "capabilities", offsetof(mp_provider_v1, capabilities), 32},
    {"mp_provider_v1", "init", offsetof(mp_provider_v1, init), 40},
    {"mp_provider_v1", "deinit", offsetof(mp_provider_v1, deinit), 48},
    {"mp_provider_v1", "create", offsetof(mp_provider_v1, create), 56},
    {"mp_provider_v1", "destroy", offsetof(mp_provider_v1, destroy), 64},
    {"mp_provider_v1", "update_config", offsetof(mp_provider_v1, update_config), 72},
    {"mp_provider_v1", "get_config", offsetof(mp_provider_v1, get_config), 80},
    {"mp_provider_v1", "stream", offsetof(mp_provider_v1, stream), 88},
    {"mp_provider_v1", "structured_output", offsetof(mp_provider_v1, structured_output), 96},
    {"mp_provider_v1", "cancel", offsetof(mp_provider_v1, cancel), 104},
    {"mp_provider_v1", "get_extension", offsetof(mp_provider_v1, get_extension), 112},
    {"mp_provider_v1", "event_to_json", offsetof(mp_provider_v1, event_to_json), 120},
    /* ABI 1.1, appended. */
    {"mp_provider_v1", "errname", offsetof(mp_provider_v1, errname), 128},
    {"mp_provider_v1", "strerror", offsetof(mp_provider_v1, strerror), 136},
    {"mp_provider_v1", "error_to_json", offsetof(mp_provider_v1, error_to_json), 144},
    {"mp_provider_v1", "stream_json", offsetof(mp_provider_v1, stream_json), 152},
    {"mp_provider_v1", "accumulator_create", offsetof(mp_provider_v1, accumulator_create), 160},
    {"mp_provider_v1", "accumulator_add", offsetof(mp_provider_v1, accumulator_add), 168},
    {"mp_provider_v1", "accumulator_result", offsetof(mp_provider_v1, accumulator_result), 176},
    {"mp_provider_v1", "accumulator_destroy", offsetof(mp_provider_v1, accumulator_destroy), 184},
};

static void test_struct_layout_is_frozen(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof layout / sizeof *layout; i++) {
        if (layout[i].actual != layout[i].frozen) {
            printf("ABI break: %s.%s is %zu, frozen at %zu\n", layout[i].type,
                   layout[i].field, layout[i].actual, layout[i].frozen);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_enum_values_are_frozen(void **state)
{
    (void)state;
    static const int codes[][2] = {
        {MP_OK, 0}, {MP_E_INVALID_ARGUMENT, -1}, {MP_E_NO_MEMORY, -2},
        {MP_E_VERSION, -3}, {MP_E_UNSUPPORTED, -4}, {MP_E_AUTHENTICATION, -5},
        {MP_E_THROTTLED, -6}, {MP_E_CONTEXT_OVERFLOW, -7}, {MP_E_TIMEOUT, -8},
        {MP_E_NETWORK, -9}, {MP_E_SERVER, -10}, {MP_E_PROTOCOL, -11},
        {MP_E_CANCELLED, -12}, {MP_E_INTERNAL, -13}, {MP_E_BAD_REQUEST, -14},
        {MP_E_NOT_FOUND, -15}, {MP_E_BUSY, -16}, {MP_E_VALIDATION, -17},
        {MP_E_HTTP, -18},
        {MP_EVENT_MESSAGE_START, 1}, {MP_EVENT_BLOCK_START, 2},
        {MP_EVENT_BLOCK_DELTA, 3}, {MP_EVENT_BLOCK_STOP, 4},
        {MP_EVENT_MESSAGE_STOP, 5}, {MP_EVENT_METADATA, 6},
        {MP_EVENT_RESPONSE_INFO, 7}, {MP_EVENT_FLAG_BATCH_END, 1},
        {MP_DELTA_REDACTED_REASONING, 5}, {MP_DELTA_CITATION, 6},
        {MP_ABI_MINOR, 1},
        {MP_BLOCK_TEXT, 1}, {MP_BLOCK_REASONING, 2}, {MP_BLOCK_TOOL_USE, 3},
        {MP_DELTA_TEXT, 1}, {MP_DELTA_REASONING_TEXT, 2},
        {MP_DELTA_REASONING_SIGNATURE, 3}, {MP_DELTA_TOOL_INPUT, 4},
        {MP_STOP_END_TURN, 1}, {MP_STOP_TOOL_USE, 2}, {MP_STOP_MAX_TOKENS, 3},
        {MP_STOP_CONTENT_FILTERED, 4}, {MP_STOP_STOP_SEQUENCE, 5},
        {MP_STOP_CANCELLED, 6},
        {MP_LOG_DEBUG, 10}, {MP_LOG_INFO, 20}, {MP_LOG_WARN, 30},
        {MP_LOG_ERROR, 40}, {MP_ABI_MAJOR, 1},
        {MP_ROLE_ASSISTANT, 1},
        {MP_ERROR_MESSAGE_MAX, 2048}, {MP_ERROR_CODE_MAX, 64},
    };
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        assert_int_equal(codes[i][0], codes[i][1]);
    /* The one name a host looks up with dlsym. */
    assert_string_equal(MP_ENTRY_SYMBOL_V1, "mp_provider_entry_v1");
    mp_error init = MP_ERROR_INIT;
    assert_int_equal(init.struct_size, sizeof(mp_error));
    assert_int_equal(init.retry_after_ms, -1);
}

static void test_every_status_has_a_name_and_text(void **state)
{
    (void)state;
    for (int c = 0; c >= MP_E_HTTP; c--) {
        assert_string_not_equal(mp_errname(c), "MP_E_UNKNOWN");
        assert_string_not_equal(mp_strerror(c), "unknown error");
    }
    assert_string_equal(mp_errname(-999), "MP_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_layout_is_frozen),
        cmocka_unit_test(test_enum_values_are_frozen),
        cmocka_unit_test(test_every_status_has_a_name_and_text),
    };
    return cmocka_run_group_tests_name("abi_freeze", tests, NULL, NULL);
}
