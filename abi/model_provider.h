/*
 * model_provider.h - the model-provider plugin ABI, major version 1.
 *
 * This header is the whole contract between a host program and a provider
 * plugin (a shared object loaded with dlopen).  A host includes only this
 * file; a plugin implements it.  Everything here is plain C99 with fixed-size
 * integer types so that any language with a C FFI can use it.
 *
 * THE RULES
 * ---------
 * Plugin rules (MP_PLUGIN_n).  A plugin that breaks one is not conformant;
 * `agent-host validate PATH.so` checks the ones marked [checked].  Rules
 * are numbered for good: new rules are appended, none is renumbered.
 *
 *  MP_PLUGIN_1  Export exactly one symbol per ABI major it implements, named
 *               `mp_provider_entry_v<MAJOR>` (here: mp_provider_entry_v1).
 *               Build with -fvisibility=hidden, a version script and
 *               -Wl,-z,defs.                                     [checked]
 *  MP_PLUGIN_2  The entry function is pure: no allocation, no host callback,
 *               no global state change.  It may be called any number of
 *               times, from any thread, before or after init.    [checked]
 *  MP_PLUGIN_3  Every struct the plugin writes or reads starts with
 *               `uint32_t struct_size`.  The plugin never reads a field of a
 *               host struct that lies beyond the host's struct_size, and
 *               never writes beyond it.                          [checked]
 *  MP_PLUGIN_4  Structs are append-only within a major: fields are never
 *               removed, reordered, retyped or reused.  Enum values likewise.
 *  MP_PLUGIN_5  Nothing crosses the boundary to be freed by the other side.
 *               Data handed to the host is borrowed for the duration stated
 *               beside each function; the host copies what it keeps.
 *  MP_PLUGIN_6  The plugin owns no threads, registers no atexit() handler,
 *               no destructor that does work and no thread-local destructor.
 *               After the last deinit() returns, no plugin code runs and no
 *               plugin memory remains, so the .so can be dlclose()d and
 *               loaded again.                                    [checked]
 *  MP_PLUGIN_7  Errors are negative mp_status codes.  A function that fails
 *               before producing output produces none (a stream that fails
 *               before its first event delivers no events).      [checked]
 *  MP_PLUGIN_8  Bad input never crashes the plugin: malformed JSON or a wrong
 *               shape returns MP_E_INVALID_ARGUMENT with a message naming
 *               the JSON path.                                   [checked]
 *  MP_PLUGIN_9  Secrets (API keys, auth headers) never appear in a log line,
 *               an error message or get_config() output.         [checked]
 *  MP_PLUGIN_10 Event, sink and log callbacks are only invoked on the thread
 *               that called the function that takes them, and only before
 *               that function returns.  (Module-level log calls happen inside
 *               init/deinit or inside a call on an instance.)
 *  MP_PLUGIN_11 Numbers in any JSON the plugin writes are independent of the
 *               process locale.
 *  MP_PLUGIN_12 Configuration changes are atomic snapshots: a stream() or
 *               structured_output() call uses the config that was current
 *               when it started, to its end, even if update_config() runs
 *               meanwhile on another thread.                     [checked]
 *  MP_PLUGIN_13 A host struct whose struct_size is smaller than this
 *               header's v1.0 size of a struct the plugin must read
 *               (mp_host_v1, mp_text_sink, mp_event_sink) is refused with
 *               MP_E_INVALID_ARGUMENT; mp_error is the exception, written
 *               only as far as its struct_size allows.           [checked]
 *  MP_PLUGIN_14 A host gets exactly what the minor it negotiated defines,
 *               nothing newer.  To a 1.0 host (minor 0) a 1.1 plugin
 *               hands a descriptor of the v1.0 size with abi_minor 0, and
 *               its stream() delivers only event types 1-6, block kinds
 *               1-3 and delta kinds 1-4, every event exactly its v1.0
 *               sizeof, header flags 0.  1.1 content 1.0 cannot carry is
 *               left out, never sent in another shape: no RESPONSE_INFO
 *               event; a block holding redacted reasoning is left out
 *               whole (no START, DELTA or STOP; the blocks after it keep
 *               contiguous indices) and a warning is logged; citation
 *               deltas are dropped (the cited text itself still arrives
 *               as a text block) and one warning per stream is logged;
 *               the metadata's cost and reasoning-token fields are not
 *               sent (the event is v1.0 sized).                  [checked]
 *
 * Host rules (MP_HOST_n).
 *
 *  MP_HOST_1    Load with RTLD_NOW | RTLD_LOCAL.  To hot-swap a rebuilt
 *               plugin, load it from a new unique path (dlopen returns the
 *               old mapping for a path it already has open).
 *  MP_HOST_2    Call the entry with the highest minor the host speaks; use
 *               only what the returned minor and struct_size provide.
 *  MP_HOST_3    Call init() before anything else on the descriptor (except
 *               get_extension and event_to_json, which need no init), and
 *               one deinit() per successful init().  init/deinit are never
 *               called concurrently with each other or with any other
 *               plugin call.
 *  MP_HOST_4    stream() and structured_output() on one instance are
 *               serialized by the host (one at a time).  update_config(),
 *               get_config() and cancel() may be called from any thread at
 *               any time while the instance exists, also while a stream()
 *               runs on it and from inside its callbacks.  destroy() must
 *               not overlap any other call on that instance.  Different
 *               instances are independent and may be used fully in
 *               parallel from different threads.
 *  MP_HOST_5    An event or sink callback must not call stream(),
 *               structured_output() or destroy() on the same instance.  To
 *               stop a stream from inside the callback, return non-zero.
 *  MP_HOST_6    Before unloading: wait for (or cancel) calls in flight,
 *               destroy every instance (and, since 1.1, every accumulator),
 *               call deinit(), then dlclose().  Never call into a plugin
 *               from atexit() or a static destructor.
 *  MP_HOST_7    Strings passed in are UTF-8.  A `const char *` plus `size_t`
 *               length pair need not be NUL-terminated; a bare `const char *`
 *               must be.
 *  MP_HOST_8    Set struct_size of every struct the host passes in
 *               (mp_host_v1, mp_text_sink, mp_event_sink, mp_error) to the
 *               sizeof of the struct as the host was compiled.  (A host
 *               that does not mirror mp_error may pass a zeroed buffer of
 *               at least sizeof(mp_error) bytes, 4096 always suffice, with
 *               the buffer's size in its first four bytes, and read it with
 *               error_to_json, ABI 1.1.)
 *  MP_HOST_9    Callbacks (log, sink write, event) return normally: never
 *               longjmp, throw, or unwind (a Rust panic, a C++ exception, a
 *               Go panic) through plugin frames.  Catch inside the callback
 *               and return non-zero instead where a return value exists.
 *  MP_HOST_10   A log callback must not call into the plugin.
 *  MP_HOST_11   Read a descriptor field appended after 1.0 only when the
 *               negotiated minor defines it and the descriptor's
 *               struct_size covers it; read an event field appended after
 *               1.0 only when ev->size covers it.  A 1.1 host that loads a
 *               1.0 plugin (minor 0) uses none of the 1.1 additions: no
 *               1.1 operation, no flag, no new event type.
 *
 * WHAT EACH MINOR ADDS (all by appending; nothing of 1.0 changed):
 *   1.1  descriptor: errname, strerror, error_to_json, stream_json and the
 *        accumulator (accumulator_create/_add/_result/_destroy); event
 *        header flag MP_EVENT_FLAG_BATCH_END; event type
 *        MP_EVENT_RESPONSE_INFO; delta kinds MP_DELTA_REDACTED_REASONING
 *        and MP_DELTA_CITATION; mp_event_metadata fields cost_usd and
 *        reasoning_output_tokens; types mp_text_fn, mp_line_fn and
 *        mp_accumulator.
 *
 * THREAD TAGS used below:
 *   [any-thread]           callable from any thread at any time (for an
 *                          instance: while it exists).
 *   [module-serialized]    no other call into the plugin may run concurrently.
 *   [instance-serialized]  one such call at a time per instance (MP_HOST_4).
 *   [instance-exclusive]   no other call on that instance may overlap.
 *
 * LIFETIME WORDS used below:
 *   "borrowed until X"     the pointer and what it points to are valid until
 *                          X; copy what you keep.
 *   "copied"               the receiver copies during the call; the caller
 *                          may free or reuse its memory as soon as the call
 *                          returns.
 *
 * LAYOUT: structs use the platform's ordinary C layout (no packing).  Enum
 * types never appear as struct fields (fields are fixed-width integers), so
 * the size of a C enum does not matter; statuses are returned as `int`.
 * tests/unit/test_abi_freeze.c freezes every size and offset for LP64.
 *
 * FOR HOSTS IN OTHER LANGUAGES: every callback receives the `ctx` pointer
 * the host gave, untouched; in Go pass a cgo.Handle (not a Go pointer) and
 * export the callback from Go; in Rust declare callbacks `extern "C"` and
 * wrap their bodies in catch_unwind (MP_HOST_9).  Callbacks run on the OS
 * thread that made the plugin call (MP_PLUGIN_10).  Since 1.1 such a host
 * needs to mirror only the descriptor: stream_json delivers every event as
 * one Strands StreamEvent JSON line to a plain callback, an accumulator
 * turns them into the final Strands Message JSON, and errname, strerror and
 * error_to_json replace the static inline helpers below, which an FFI
 * cannot see.
 */
#ifndef MODEL_PROVIDER_H
#define MODEL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_ABI_MAJOR 1
#define MP_ABI_MINOR 1

/* The exported entry point's name for this major, for dlsym(). */
#define MP_ENTRY_SYMBOL_V1 "mp_provider_entry_v1"

/* ------------------------------------------------------------------------ */
/* Status codes: 0 is success, errors are negative.  Append-only: a host
 * must treat an unknown negative value as a generic failure.               */

typedef enum mp_status {
    MP_OK = 0,
    MP_E_INVALID_ARGUMENT = -1, /* bad input from the host (names the path) */
    MP_E_NO_MEMORY = -2,
    MP_E_VERSION = -3,          /* no ABI minor both sides speak            */
    MP_E_UNSUPPORTED = -4,      /* operation or feature not provided        */
    MP_E_AUTHENTICATION = -5,   /* HTTP 401/403                             */
    MP_E_THROTTLED = -6,        /* HTTP 429 or rate-limit wording           */
    MP_E_CONTEXT_OVERFLOW = -7, /* the conversation exceeds the model window */
    MP_E_TIMEOUT = -8,          /* connect, whole-call or idle timeout      */
    MP_E_NETWORK = -9,          /* connection failed, reset or cut short    */
    MP_E_SERVER = -10,          /* HTTP 5xx                                 */
    MP_E_PROTOCOL = -11,        /* server sent malformed SSE/JSON           */
    MP_E_CANCELLED = -12,       /* cancel() or a non-zero callback return   */
    MP_E_INTERNAL = -13,        /* a plugin bug; please report              */
    MP_E_BAD_REQUEST = -14,     /* HTTP 400/422 not otherwise classified    */
    MP_E_NOT_FOUND = -15,       /* HTTP 404 (unknown model or route)        */
    MP_E_BUSY = -16,            /* resource still in use (e.g. deinit with
                                   live instances)                          */
    MP_E_VALIDATION = -17,      /* model output failed the caller's schema  */
    MP_E_HTTP = -18             /* another HTTP status (e.g. 409, 418)      */
} mp_status;

/* Static, never-NULL, NUL-terminated descriptions of a status (unknown
 * codes give "MP_E_UNKNOWN" / "unknown error").  Compiled into the host,
 * so usable without loading any plugin.  Never free the result.
 * [any-thread] */
static inline const char *mp_errname(int code)
{
    switch (code) {
    case MP_OK: return "MP_OK";
    case MP_E_INVALID_ARGUMENT: return "MP_E_INVALID_ARGUMENT";
    case MP_E_NO_MEMORY: return "MP_E_NO_MEMORY";
    case MP_E_VERSION: return "MP_E_VERSION";
    case MP_E_UNSUPPORTED: return "MP_E_UNSUPPORTED";
    case MP_E_AUTHENTICATION: return "MP_E_AUTHENTICATION";
    case MP_E_THROTTLED: return "MP_E_THROTTLED";
    case MP_E_CONTEXT_OVERFLOW: return "MP_E_CONTEXT_OVERFLOW";
    case MP_E_TIMEOUT: return "MP_E_TIMEOUT";
    case MP_E_NETWORK: return "MP_E_NETWORK";
    case MP_E_SERVER: return "MP_E_SERVER";
    case MP_E_PROTOCOL: return "MP_E_PROTOCOL";
    case MP_E_CANCELLED: return "MP_E_CANCELLED";
    case MP_E_INTERNAL: return "MP_E_INTERNAL";
    case MP_E_BAD_REQUEST: return "MP_E_BAD_REQUEST";
    case MP_E_NOT_FOUND: return "MP_E_NOT_FOUND";
    case MP_E_BUSY: return "MP_E_BUSY";
    case MP_E_VALIDATION: return "MP_E_VALIDATION";
    case MP_E_HTTP: return "MP_E_HTTP";
    default: return "MP_E_UNKNOWN";
    }
}

static inline const char *mp_strerror(int code)
{
    switch (code) {
    case MP_OK: return "success";
    case MP_E_INVALID_ARGUMENT: return "invalid argument";
    case MP_E_NO_MEMORY: return "out of memory";
    case MP_E_VERSION: return "incompatible ABI version";
    case MP_E_UNSUPPORTED: return "unsupported operation";
    case MP_E_AUTHENTICATION: return "authentication failed";
    case MP_E_THROTTLED: return "rate limited (throttled)";
    case MP_E_CONTEXT_OVERFLOW: return "context window overflow";
    case MP_E_TIMEOUT: return "timed out";
    case MP_E_NETWORK: return "network error";
    case MP_E_SERVER: return "server error";
    case MP_E_PROTOCOL: return "protocol error (malformed response)";
    case MP_E_CANCELLED: return "cancelled";
    case MP_E_INTERNAL: return "internal error";
    case MP_E_BAD_REQUEST: return "bad request";
    case MP_E_NOT_FOUND: return "not found";
    case MP_E_BUSY: return "busy";
    case MP_E_VALIDATION: return "output failed schema validation";
    case MP_E_HTTP: return "HTTP error";
    default: return "unknown error";
    }
}

/* ------------------------------------------------------------------------ */
/* Per-call error detail.  The HOST owns it (usually on its stack) and
 * passes it to one call at a time:
 *
 *     mp_error err = MP_ERROR_INIT;
 *     int rc = p->stream(inst, req, len, &sink, &err);
 *
 * Every function that takes an `mp_error *` accepts NULL (no detail).  The
 * plugin resets it at the start of the call (code MP_OK, http_status 0,
 * retryable 0, retry_after_ms -1, empty strings) and, on failure, fills the
 * fields that lie within err->struct_size; code then equals the returned
 * status.  Strings are NUL-terminated UTF-8, truncated to fit, and never
 * contain a secret.  The plugin keeps no pointer to it after the call
 * returns.  There is no global "last error": two threads each pass their
 * own. */

#define MP_ERROR_MESSAGE_MAX 2048
#define MP_ERROR_CODE_MAX 64

typedef struct mp_error {
    uint32_t struct_size;    /* = sizeof(mp_error), set by the host          */
    int32_t code;            /* mp_status                                    */
    int32_t http_status;     /* HTTP status of the failed call, 0 if none    */
    int32_t retryable;       /* 1 if retrying the same call may succeed      */
    int64_t retry_after_ms;  /* server's Retry-After in ms, -1 if not given  */
    char provider_code[MP_ERROR_CODE_MAX]; /* e.g. "context_length_exceeded",
                                              "" when the server gave none   */
    char message[MP_ERROR_MESSAGE_MAX];    /* human readable, secrets removed */
} mp_error;

#define MP_ERROR_INIT {sizeof(mp_error), 0, 0, 0, -1, {0}, {0}}

/* ------------------------------------------------------------------------ */
/* Logging.  Warnings such as unknown config keys reach the host here.      */

typedef enum mp_log_level {
    MP_LOG_DEBUG = 10,
    MP_LOG_INFO = 20,
    MP_LOG_WARN = 30,
    MP_LOG_ERROR = 40
} mp_log_level;

/* The host's log callback.  `level` is an mp_log_level (a host maps a value
 * it does not know to the nearest lower one).  `message` is NUL-terminated
 * UTF-8, may span several lines, never contains a secret, and is borrowed
 * until the callback returns.  It runs on the thread of the plugin call
 * that logs (MP_PLUGIN_10), so it must be thread-safe whenever the host
 * calls the plugin from more than one thread: calls may log at the same
 * time on different threads, also on one instance (update_config() warning
 * on one thread while stream() logs on another, MP_HOST_4).  It must not
 * call into the plugin (MP_HOST_10). */
typedef void (*mp_log_fn)(void *ctx, int level, const char *message);

/* Given to init().  Copied: the struct itself need not outlive init(), but
 * `log` and `log_ctx` must stay valid until the last deinit() returns. */
typedef struct mp_host_v1 {
    uint32_t struct_size; /* = sizeof(mp_host_v1)                        */
    void *log_ctx;        /* passed to log() untouched                   */
    mp_log_fn log;        /* may be NULL: logs are dropped               */
} mp_host_v1;

/* A sink for text the plugin produces (one JSON document per call that
 * takes it).  write() is called zero or more times, on the calling thread,
 * before the plugin function returns; the pieces concatenate to the whole
 * text, which is UTF-8 and not NUL-terminated.  `data` is borrowed until
 * write() returns (len may be 0).  A non-zero return aborts the operation:
 * write() is not called again and the function returns MP_E_CANCELLED.
 * The host owns the struct; the plugin reads it during the call only. */
typedef struct mp_text_sink {
    uint32_t struct_size; /* = sizeof(mp_text_sink) */
    void *ctx;            /* passed to write() untouched */
    int (*write)(void *ctx, const char *data, size_t len); /* not NULL */
} mp_text_sink;

/* Since 1.1: the same callback without the struct, as the 1.1 operations
 * take it (a function pointer plus its ctx), so that an FFI host needs no
 * struct for it.  Rules as for mp_text_sink.write; in addition data[len]
 * is '\0' (the text itself holds no NUL byte), so `data` may be read as
 * a C string. */
typedef int (*mp_text_fn)(void *ctx, const char *data, size_t len);

/* ------------------------------------------------------------------------ */
/* Events delivered by stream().  Every event starts with a header; a reader
 * switches on `type`, ignores types it does not know, and reads a field only
 * if it lies within `size` (events grow by appending fields).  For the
 * types below the plugin always sets size >= the v1.0 sizeof of the
 * event's struct, so a v1.0 reader may read every v1.0 field.  When the
 * host negotiated minor >= 1, every event is at least its 1.1 sizeof (this
 * header's), so a 1.1 reader may read every field declared here; to a
 * minor-0 host every event is exactly its v1.0 size (MP_PLUGIN_14). */

typedef struct mp_event_header {
    uint32_t size;  /* sizeof the whole event struct as the plugin built it */
    uint16_t type;  /* mp_event_type                                        */
    uint16_t flags; /* MP_EVENT_FLAG_*: 0 for a minor-0 host; readers ignore
                       bits they do not know                                */
} mp_event_header;

/* Header flags (since 1.1; never set for a minor-0 host).
 *
 * MP_EVENT_FLAG_BATCH_END: this is the last event the plugin made from the
 * bytes at hand; next it waits for the network (or stream() returns).  A
 * host that buffers output (a terminal, a pipe, a socket) flushes when it
 * sees the flag instead of after every delta: text still appears as it
 * arrives, with one write per network read instead of one per event.  The
 * events of one read are delivered back to back as soon as that read is
 * mapped.  The last event of a stream that returns MP_OK carries the flag;
 * after an error or a cancellation the host flushes when stream() returns. */
#define MP_EVENT_FLAG_BATCH_END 0x0001u

typedef enum mp_event_type {
    MP_EVENT_MESSAGE_START = 1,  /* mp_event_message_start */
    MP_EVENT_BLOCK_START = 2,    /* mp_event_block_start   */
    MP_EVENT_BLOCK_DELTA = 3,    /* mp_event_block_delta   */
    MP_EVENT_BLOCK_STOP = 4,     /* mp_event_block_stop    */
    MP_EVENT_MESSAGE_STOP = 5,   /* mp_event_message_stop  */
    MP_EVENT_METADATA = 6,       /* mp_event_metadata      */
    MP_EVENT_RESPONSE_INFO = 7   /* mp_event_response_info (since 1.1) */
} mp_event_type;

/* A borrowed string: valid until the event callback returns.  `ptr` is NULL
 * when absent (then len is 0); otherwise ptr[len] == '\0' as a convenience,
 * but the text may itself contain NUL bytes only if the model sent "\u0000"
 * (use len).  UTF-8. */
typedef struct mp_str {
    const char *ptr;
    size_t len;
} mp_str;

typedef enum mp_role { MP_ROLE_ASSISTANT = 1 } mp_role;

typedef struct mp_event_message_start {
    mp_event_header hdr;
    uint32_t role;     /* mp_role */
    uint32_t reserved; /* 0 */
} mp_event_message_start;

typedef enum mp_block_kind {
    MP_BLOCK_TEXT = 1,
    MP_BLOCK_REASONING = 2,
    MP_BLOCK_TOOL_USE = 3
} mp_block_kind;

/* Blocks are numbered from 0 in order of appearance within one message;
 * exactly one block is open at a time: START, DELTA..., STOP. */
typedef struct mp_event_block_start {
    mp_event_header hdr;
    uint32_t block_index;
    uint32_t kind;              /* mp_block_kind                            */
    mp_str tool_name;           /* TOOL_USE only, else absent               */
    mp_str tool_use_id;         /* TOOL_USE only: the full id as received   */
    mp_str reasoning_signature; /* TOOL_USE: Gemini thought signature, or
                                   absent                                   */
} mp_event_block_start;

/* Delta kinds.  Since 1.1 (never sent to a minor-0 host, MP_PLUGIN_14):
 *
 * MP_DELTA_REDACTED_REASONING, in a REASONING block: opaque reasoning the
 *   provider encrypted (Anthropic's redacted_thinking `data`), to be sent
 *   back unchanged on the next turn.  `text` holds the bytes (for
 *   Anthropic the UTF-8 of the `data` string); the pieces of one block
 *   concatenate.  Strands StreamEvent: {"contentBlockDelta":{"delta":
 *   {"reasoningContent":{"redactedContent":<bytes>}}}}, in JSON the bytes
 *   as base64.  Assembled block: {"reasoningContent":{"redactedContent":
 *   <base64>}}, unless the block also had reasoning text.
 * MP_DELTA_CITATION, in a TEXT block (before or among its text): one
 *   citation, `text` holding a compact JSON object in the Strands Citation
 *   shape ({"title"?, "sourceContent"?, "location"?}).  Strands
 *   StreamEvent: {"contentBlockDelta":{"delta":{"citation":{...}}}}.  A
 *   text block with citations assembles to {"citationsContent":
 *   {"citations":[...],"content":[{"text":<the block's text>}]}}. */
typedef enum mp_delta_kind {
    MP_DELTA_TEXT = 1,
    MP_DELTA_REASONING_TEXT = 2,
    MP_DELTA_REASONING_SIGNATURE = 3,
    MP_DELTA_TOOL_INPUT = 4, /* a piece of the tool input's JSON text */
    MP_DELTA_REDACTED_REASONING = 5, /* since 1.1, see above */
    MP_DELTA_CITATION = 6            /* since 1.1, see above */
} mp_delta_kind;

typedef struct mp_event_block_delta {
    mp_event_header hdr;
    uint32_t block_index; /* the open block's index */
    uint32_t kind;        /* mp_delta_kind          */
    mp_str text;          /* the piece; may be empty */
} mp_event_block_delta;

typedef struct mp_event_block_stop {
    mp_event_header hdr;
    uint32_t block_index;
    uint32_t reserved; /* 0 */
} mp_event_block_stop;

typedef enum mp_stop_reason {
    MP_STOP_END_TURN = 1,
    MP_STOP_TOOL_USE = 2,
    MP_STOP_MAX_TOKENS = 3,
    MP_STOP_CONTENT_FILTERED = 4,
    MP_STOP_STOP_SEQUENCE = 5,
    MP_STOP_CANCELLED = 6
} mp_stop_reason;

typedef struct mp_event_message_stop {
    mp_event_header hdr;
    uint32_t stop_reason;      /* mp_stop_reason                            */
    uint32_t reserved;         /* 0                                         */
    mp_str raw_finish_reason;  /* the server's finish_reason, or absent     */
} mp_event_message_stop;

/* Token counts are -1 when the server did not report them.  The metadata
 * event is delivered at most once per stream, after MESSAGE_STOP. */
typedef struct mp_event_metadata {
    mp_event_header hdr;
    int64_t input_tokens;
    int64_t output_tokens;
    int64_t total_tokens;
    int64_t cache_read_input_tokens;  /* -1 when absent or 0 (as Strands) */
    int64_t cache_write_input_tokens; /* -1 when absent; 0 only when the
                                         server reported 0 as Anthropic's
                                         cache_creation_input_tokens (the
                                         reference passes that 0 on), and
                                         only to a minor >= 1 host: a 1.0
                                         host gets -1 for it, as 1.0 said */
    int64_t latency_ms;               /* wall time of the whole call      */
    int64_t time_to_first_byte_ms;    /* request sent -> first body byte,
                                         -1 when unknown                  */
    /* ---- since 1.1 (read only when hdr.size covers them) ---- */
    double cost_usd;                  /* the call's cost in US dollars as
                                         the gateway priced it: LiteLLM's
                                         usage.cost, else the proxy's
                                         x-litellm-response-cost header;
                                         < 0 when neither came            */
    int64_t reasoning_output_tokens;  /* completion_tokens_details.
                                         reasoning_tokens (part of
                                         output_tokens); -1 when absent   */
} mp_event_metadata;

/* Since 1.1: what the response's HTTP headers said about the call,
 * delivered at most once per stream, right after MESSAGE_START (so a call
 * that fails before its first event still delivers none, MP_PLUGIN_7),
 * and only when the response carried at least one of the headers below
 * (a plain OpenAI-compatible server's stream is then exactly as in 1.0).
 * Numbers are -1 and strings absent when their header was not sent.  Never sent to
 * a minor-0 host (MP_PLUGIN_14).  Strands has no such StreamEvent; its
 * JSON is the extra key {"responseInfo":{...}} (event_to_json), which
 * Strands' stream processing passes over like any key it does not know. */
typedef struct mp_event_response_info {
    mp_event_header hdr;
    int32_t http_status;              /* of the response being streamed   */
    int32_t attempts;                 /* HTTP attempts this plugin made
                                         for the call (1 + its retries)   */
    int64_t attempted_retries;        /* x-litellm-attempted-retries: the
                                         gateway's own retries            */
    int64_t attempted_fallbacks;      /* x-litellm-attempted-fallbacks    */
    int64_t ratelimit_remaining_requests; /* x-ratelimit-remaining-requests */
    int64_t ratelimit_remaining_tokens;   /* x-ratelimit-remaining-tokens   */
    double cost_usd;                  /* x-litellm-response-cost; < 0 when
                                         absent (for a stream the gateway
                                         may only know it at the end: see
                                         the metadata's cost_usd)         */
    mp_str call_id;                   /* x-litellm-call-id                */
    mp_str model_id;                  /* x-litellm-model-id (the gateway's
                                         deployment id)                   */
    mp_str model_group;               /* x-litellm-model-group            */
    mp_str provider_request_id;       /* the upstream provider's request id:
                                         llm_provider-x-request-id,
                                         llm_provider-request-id,
                                         x-request-id or request-id, the
                                         first one present                */
    mp_str ratelimit_reset_requests;  /* x-ratelimit-reset-requests, as
                                         sent (e.g. "1s", "6m0s")         */
    mp_str ratelimit_reset_tokens;    /* x-ratelimit-reset-tokens         */
    mp_str headers_json;              /* every x-litellm-*, x-ratelimit-*,
                                         anthropic-ratelimit-* and request
                                         id header as one JSON object
                                         {"lower-case-name":"value",...},
                                         including the ones above; a
                                         header whose value holds a secret
                                         of the config is left out        */
} mp_event_response_info;

/* The host's event callback.  `ev` and everything it points to are borrowed
 * until the callback returns.  Cast `ev` to the struct named beside its
 * type.  Return 0 to continue, non-zero to cancel the stream: no further
 * event is delivered and stream() returns MP_E_CANCELLED.  Runs on the
 * thread that called stream() (MP_PLUGIN_10); may call cancel(),
 * update_config(), get_config() and event_to_json(), and anything on other
 * instances, but not stream/structured_output/destroy on this instance
 * (MP_HOST_5). */
typedef int (*mp_event_fn)(void *ctx, const mp_event_header *ev);

/* The host owns the struct; the plugin reads it during stream() only. */
typedef struct mp_event_sink {
    uint32_t struct_size; /* = sizeof(mp_event_sink) */
    void *ctx;            /* passed to on_event() untouched */
    mp_event_fn on_event; /* not NULL */
} mp_event_sink;

/* Since 1.1: the callback of stream_json.  `line` is one event as its
 * Strands StreamEvent JSON (what event_to_json writes) followed by '\n';
 * `len` counts the '\n', and line[len] is '\0' (the JSON holds no raw NUL
 * or newline), so it may be read as a C string.  Borrowed until the
 * callback returns.  `flags` are the event's header flags
 * (MP_EVENT_FLAG_BATCH_END: flush now).  Return 0 to continue, non-zero to
 * cancel as with mp_event_fn.  Thread and re-entry rules as mp_event_fn. */
typedef int (*mp_line_fn)(void *ctx, const char *line, size_t len,
                          uint32_t flags);

/* Since 1.1: a message accumulator, opaque, owned by the host from
 * accumulator_create to accumulator_destroy.  It does what the Strands
 * streaming layer does with the events of one stream: builds the
 * assistant message, keeps the stop reason (turned from end_turn into
 * tool_use when the message holds a toolUse), the last usage and metrics,
 * and the response info.  One accumulator must not be used from two
 * threads at once; different accumulators are independent. */
typedef struct mp_accumulator mp_accumulator;

/* ------------------------------------------------------------------------ */
/* The provider descriptor.  Static, owned by the plugin, never modified,
 * valid from the entry call until the .so is dlclose()d.  Append-only: read
 * a field only if offsetof(field) + sizeof(field) <= struct_size (a v1.0
 * descriptor has every field below).  Every string in it is static
 * NUL-terminated UTF-8. */

typedef struct mp_instance mp_instance; /* opaque, owned by the plugin */

typedef struct mp_provider_v1 {
    uint32_t struct_size;
    uint16_t abi_major;         /* = 1                                      */
    uint16_t abi_minor;         /* the minor this descriptor implements: the
                                   negotiated one (a 1.0 plugin's only
                                   descriptor says 0)                       */
    const char *id;             /* reverse-DNS, e.g. "org.strands.litellm"  */
    const char *name;           /* human readable                           */
    const char *version;        /* the plugin's own version, semver         */
    const char *const *capabilities; /* NULL-terminated list of static
                                   strings, e.g. "stream"; informational:
                                   an operation the plugin lacks still
                                   exists and returns MP_E_UNSUPPORTED      */

    /* Module lifecycle.  Reference-counted: each successful init() needs one
     * deinit(); the first init sets up global state (libcurl), the last
     * deinit tears everything down.  init() after the final deinit() works
     * (the next first init).
     *
     * init: `host` may be NULL (no logging) and is copied, see mp_host_v1.
     * Only the first init's host is used; a nested init() keeps it.  Fails
     * with MP_E_INVALID_ARGUMENT if host->struct_size is smaller than
     * sizeof(mp_host_v1) of v1.0 (MP_PLUGIN_13).  On failure the count is
     * unchanged and no deinit() is owed.  May log.
     *
     * deinit: returns MP_OK, or MP_E_BUSY (and stays initialised, count
     * unchanged) when it would be the last one while instances still exist.
     * A deinit() without a matching init() is a no-op returning MP_OK.
     * After the last one returns, the log callback is never called again.
     * [module-serialized] */
    int (*init)(const mp_host_v1 *host, mp_error *err);
    int (*deinit)(void);

    /* Create an instance from config and client-args JSON objects: each a
     * NUL-terminated UTF-8 text, copied, or NULL meaning {}.  Unknown keys
     * are kept and reported as one warning per document through the host
     * log; they never fail the call.  Malformed JSON, a non-object or a key
     * of the wrong type fails with MP_E_INVALID_ARGUMENT naming the path
     * (e.g. "config.model_id: expected string, got integer").  Before
     * init() it fails with MP_E_INVALID_ARGUMENT.  `out` must not be NULL:
     * on success *out is a new instance, owned by the host until
     * destroy(); on failure *out is NULL.  [any-thread] (after init) */
    int (*create)(const char *config_json, const char *client_args_json,
                  mp_instance **out, mp_error *err);

    /* Destroy an instance and free everything it holds.  NULL is a no-op.
     * `inst` is invalid afterwards.  [instance-exclusive] */
    void (*destroy)(mp_instance *inst);

    /* Merge the keys of a config JSON object (`len` bytes, need not be
     * NUL-terminated, copied) into the instance's config: shallow, as the
     * Strands reference (a given "params" replaces the old one).  Client
     * args are fixed at create().  Atomic: either every key applies or
     * none does (on failure the old config stays), and calls already
     * running keep the config they started with (MP_PLUGIN_12).  Unknown
     * keys warn as in create().  [any-thread] (MP_HOST_4) */
    int (*update_config)(mp_instance *inst, const char *config_json,
                         size_t len, mp_error *err);

    /* Write {"config":{...},"client_args":{...}} as JSON to `out` (see
     * mp_text_sink), with secrets redacted: their values read
     * "<redacted>".  Unknown keys are included.  [any-thread] (MP_HOST_4) */
    int (*get_config)(mp_instance *inst, const mp_text_sink *out,
                      mp_error *err);

    /* Run one model call.  `request_json` (`len` bytes, need not be
     * NUL-terminated, borrowed for the call) is a JSON object:
     *   {"messages": [Strands Message...],          required
     *    "tool_specs": [ToolSpec...],               optional
     *    "tool_choice": {"auto":{}}|{"any":{}}|{"tool":{"name":N}}, optional
     *    "system_prompt": "text",                   optional
     *    "system_prompt_content": [SystemContentBlock...], optional
     *    "agent_metadata": {"session_id": "text"|null}}    optional
     * Binary payloads (image/document/video source.bytes) are base64 text.
     * agent_metadata describes the calling agent for this request only (a
     * provider shared by several agents gets each one's own): session_id
     * is the agent's persisted session id, or null/absent when it has
     * none.  A provider may use it, e.g. to derive a prompt-cache key
     * ("strands-<session_id>" when the config's cache_config asks for
     * one); it is never required, and a provider that has no use for it
     * ignores it.  structured_output() ignores it.
     * `sink` must not be NULL (see mp_event_sink, MP_PLUGIN_13).
     *
     * Runs on the caller's thread, blocking for network I/O within the
     * configured timeouts, and delivers events to `sink` on that thread
     * before returning, in this order: MESSAGE_START; (since 1.1, for a
     * host of minor >= 1: RESPONSE_INFO, when the plugin has one); for each
     * block BLOCK_START, BLOCK_DELTA..., BLOCK_STOP; MESSAGE_STOP; then
     * METADATA if the server reported usage.  Returns MP_OK after
     * MESSAGE_STOP (and METADATA) were delivered.  The answer is complete
     * when the stream's terminator arrives (e.g. "[DONE]"): the call returns
     * then, whether or not the server closes the connection.  Otherwise
     * returns an error with detail in
     * `err`, and the return value ends the stream: no event at all if it
     * failed before the first (bad request, HTTP error status, connection
     * refused); the events so far without a MESSAGE_STOP if it failed
     * midway (the message is incomplete).  cancel() or a non-zero callback
     * return gives MP_E_CANCELLED.
     *
     * After MESSAGE_STOP the message is complete, but the plugin still
     * reads the rest of the response for its usage, so an error can come
     * after MESSAGE_STOP too, and only in these cases: MP_E_CANCELLED
     * (cancel(), or a non-zero return from the callback, the MESSAGE_STOP
     * one included); what the server sends after its finish reason being
     * malformed or too long (MP_E_PROTOCOL) or an error object (the
     * error's own type); MP_E_NO_MEMORY.  Then only METADATA is missing:
     * the host may keep the message, and should still report the error.
     * A connection that breaks or times out after MESSAGE_STOP is not an
     * error: MP_OK, with METADATA only if usage had already arrived.
     * [instance-serialized] */
    int (*stream)(mp_instance *inst, const char *request_json, size_t len,
                  const mp_event_sink *sink, mp_error *err);

    /* Ask for a JSON object that validates against `schema_json` (a JSON
     * Schema object, `schema_len` bytes, borrowed for the call).  The
     * request is as for stream().  `name` (NUL-terminated) must match
     * ^[A-Za-z0-9_-]{1,64}$; `description` is NUL-terminated or NULL.  On
     * success the validated object's JSON text is written to `out` (see
     * mp_text_sink) and nothing else is.  A reply that does not validate
     * gives MP_E_VALIDATION with the failing path in err->message; a plugin
     * without it returns MP_E_UNSUPPORTED.  [instance-serialized] */
    int (*structured_output)(mp_instance *inst, const char *request_json,
                             size_t len, const char *schema_json,
                             size_t schema_len, const char *name,
                             const char *description, const mp_text_sink *out,
                             mp_error *err);

    /* Cancel the stream() or structured_output() currently running on
     * `inst`, if any: it returns MP_E_CANCELLED promptly (the transfer is
     * woken, not waited out).  A cancel() with no call running, or before a
     * call begins, has no effect on later calls.  Idempotent; NULL is a
     * no-op.  Returns MP_OK.  [any-thread], also from inside an event or
     * sink callback; not after destroy() began. */
    int (*cancel)(mp_instance *inst);

    /* Look up an optional extension by id "vendor.name/REV" (NUL-terminated;
     * NULL gives NULL).  Returns a pointer to a static struct that starts
     * with uint32_t struct_size and stays valid until dlclose(), or NULL
     * when unknown.  Needs no init.  [any-thread] */
    const void *(*get_extension)(const char *id);

    /* Render an event as the exact Strands StreamEvent JSON (for hosts that
     * want JSON) and write it to `out` (see mp_text_sink).  `ev` may come
     * from any plugin; only fields within ev->size are read.
     * MP_E_INVALID_ARGUMENT (nothing written) for NULL arguments, an
     * unknown event type or kind, or an event too small for its required
     * fields.  Pure, needs no init.  [any-thread]
     * The 1.1 additions render as follows (whatever minor the host
     * negotiated: a minor-0 host never receives them from a 1.1 plugin):
     * redacted reasoning {"contentBlockDelta":{"delta":{"reasoningContent":
     * {"redactedContent":"<base64 of the bytes>"}}}}; a citation
     * {"contentBlockDelta":{"delta":{"citation":{...}}}} (the citation's
     * JSON, re-written compactly; not a JSON object: MP_E_INVALID_ARGUMENT);
     * the metadata's cost and reasoning tokens inside "usage" as
     * "totalCostUsd" (a number, when >= 0) and "reasoningOutputTokens"
     * (when > 0), the names the Strands branches that add them use (they
     * are not in a Strands release yet); RESPONSE_INFO as {"responseInfo":
     * {"httpStatus":..,"attempts":..[,"callId":..][,"modelId":..]
     * [,"modelGroup":..][,"providerRequestId":..][,"attemptedRetries":..]
     * [,"attemptedFallbacks":..][,"costUsd":..][,"rateLimit":
     * {["remainingRequests":..][,"remainingTokens":..][,"resetRequests":..]
     * [,"resetTokens":..]}][,"headers":{...}]}} (absent values left out),
     * a key Strands does not define. */
    int (*event_to_json)(const mp_event_header *ev, const mp_text_sink *out);

    /* ---- Appended in ABI 1.1.  Read them only when the negotiated minor
     * is >= 1 and struct_size covers them (MP_HOST_11); a 1.1 plugin's
     * descriptor for minor 1 has every one of them (non-NULL).  None needs
     * init() except stream_json. ---- */

    /* mp_errname() / mp_strerror() as functions, for hosts that cannot
     * call this header's static inline ones (FFI).  Static, never-NULL,
     * NUL-terminated strings; never free them.  Pure.  [any-thread] */
    const char *(*errname)(int code);
    const char *(*strerror)(int code);

    /* Render a host's mp_error (filled by an earlier call) as one JSON
     * object, written with one call of write(ctx, ...):
     *   {"code":-6,"name":"MP_E_THROTTLED","message":"...",
     *    "httpStatus":429,"retryable":true,"retryAfterMs":2000,
     *    "providerCode":"rate_limit_exceeded"}
     * Fields that lie beyond err->struct_size are left out; "retryAfterMs"
     * only when >= 0, "providerCode" only when not empty.  `err` is only
     * read.  MP_E_INVALID_ARGUMENT (nothing written) when err or write is
     * NULL or err->struct_size does not cover `code`; MP_E_CANCELLED when
     * write returns non-zero.  Pure.  [any-thread] */
    int (*error_to_json)(const mp_error *err, mp_text_fn write, void *ctx);

    /* stream() for hosts that want JSON and no event structs: the same
     * call, request, order of events, errors and rules as stream() (with
     * this minor's events), but each event reaches on_line(ctx, ...) as
     * its Strands StreamEvent JSON line (see mp_line_fn).  on_line may be
     * NULL (no lines).  When `acc` is not NULL every event is also added
     * to it (as accumulator_add), so after the call accumulator_result
     * gives the assembled message; pass a fresh accumulator per call.
     * `acc` is borrowed for the call (the host must not use it from
     * another thread meanwhile).  MP_E_INVALID_ARGUMENT (no event) when
     * both on_line and acc are NULL; MP_E_NO_MEMORY when the accumulator
     * runs out of memory.  Needs init(), like stream().
     * [instance-serialized] (with stream() and structured_output()) */
    int (*stream_json)(mp_instance *inst, const char *request_json,
                       size_t len, mp_line_fn on_line, void *ctx,
                       mp_accumulator *acc, mp_error *err);

    /* A new, empty accumulator in *out (owned by the host; release it with
     * accumulator_destroy, before dlclose, MP_HOST_6).  MP_E_NO_MEMORY
     * (then *out is NULL), MP_E_INVALID_ARGUMENT when out is NULL.
     * [any-thread] */
    int (*accumulator_create)(mp_accumulator **out);

    /* Add one event (borrowed for the call; copied as needed) of one
     * stream, from any plugin: only fields within ev->size are read,
     * unknown types and delta kinds are skipped.  MP_E_INVALID_ARGUMENT
     * for NULL arguments or an event too small for its required fields
     * (the accumulator is then unchanged), MP_E_NO_MEMORY (then it stays
     * failed: every later add and result return MP_E_NO_MEMORY).  May be
     * called from inside an event callback (it is no call on an instance).
     * [any-thread], one thread at a time per accumulator */
    int (*accumulator_add)(mp_accumulator *acc, const mp_event_header *ev);

    /* Write what the events added so far amount to, as one JSON object,
     * with one or more calls of write(ctx, ...):
     *   {"message":{"role":"assistant","content":[ContentBlock...]},
     *    "stopReason":"end_turn"|"tool_use"|...|null,
     *    "usage":{"inputTokens":..,"outputTokens":..,"totalTokens":..
     *             [,"cacheReadInputTokens":..][,"cacheWriteInputTokens":..]
     *             [,"totalCostUsd":..][,"reasoningOutputTokens":..]},
     *    "metrics":{"latencyMs":..[,"timeToFirstByteMs":..]}
     *    [,"responseInfo":{...}]            (as event_to_json renders it)
     *    [,"invalidToolInputs":["toolUseId",...]]}
     * Content blocks: {"text":T}, {"citationsContent":{"citations":[...],
     * "content":[{"text":T}]}}, {"reasoningContent":{"reasoningText":
     * {"text":R[,"signature":S]}}}, {"reasoningContent":
     * {"redactedContent":B64}}, {"toolUse":{"toolUseId":I,"name":N,
     * "input":<the input JSON, or {} when it was empty or not JSON>
     * [,"reasoningSignature":G]}}; each block is complete at its
     * BLOCK_STOP (an unfinished block is not included), following the
     * Strands streaming layer: a toolUse with an empty id or name is left
     * out, a reasoning block counts with text or a signature.  stopReason is
     * null until MESSAGE_STOP; usage and metrics hold 0 until a METADATA
     * came (Strands' defaults).  invalidToolInputs lists the toolUses
     * whose non-empty input was not JSON (Strands stores {} then; a host
     * should answer such a call with an error result).  The accumulator
     * is only read and may be asked again; the text is the host's to copy
     * during write() (borrowed until write returns, as mp_text_fn says).
     * MP_E_INVALID_ARGUMENT for NULL arguments; MP_E_CANCELLED when write
     * returns non-zero.  [any-thread], one thread at a time per
     * accumulator */
    int (*accumulator_result)(const mp_accumulator *acc, mp_text_fn write,
                              void *ctx);

    /* Free an accumulator and everything it holds; NULL is a no-op; `acc`
     * is invalid afterwards.  [any-thread], not while another call uses
     * it */
    void (*accumulator_destroy)(mp_accumulator *acc);
} mp_provider_v1;

/* The entry point.  `*abi_minor_inout` holds the highest minor the host
 * speaks.  On MP_OK the plugin writes the minor both speak (never more than
 * the host offered) and sets *out to its static descriptor for that minor
 * (the same pointer on every call that agrees on that minor).  Since 1.1 a
 * plugin hands each minor its own descriptor: for minor m, abi_minor is m,
 * struct_size covers exactly the fields minor m defines, and its
 * operations deliver only what minor m defines (MP_PLUGIN_14).  MP_E_VERSION if there is none (the plugin needs
 * a newer minor than the host offers): *out is NULL and *abi_minor_inout
 * holds the lowest minor the plugin needs.  MP_E_INVALID_ARGUMENT if an
 * argument is NULL.  A host of another major looks for its own symbol
 * (mp_provider_entry_v2, ...) and finds none here.  Pure (MP_PLUGIN_2),
 * needs no init.  [any-thread] */
typedef int (*mp_provider_entry_v1_fn)(uint32_t *abi_minor_inout,
                                        const mp_provider_v1 **out);

int mp_provider_entry_v1(uint32_t *abi_minor_inout,
                         const mp_provider_v1 **out);

#ifdef __cplusplus
}
#endif

#endif /* MODEL_PROVIDER_H */
