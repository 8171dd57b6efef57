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
 * `agent-host validate PATH.so` checks the ones marked [checked].
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
 *               before its first event delivers no events).
 *  MP_PLUGIN_8  Bad input never crashes the plugin: malformed JSON or a wrong
 *               shape returns MP_E_INVALID_ARGUMENT with a message naming
 *               the JSON path.                                   [checked]
 *  MP_PLUGIN_9  Secrets (API keys, auth headers) never appear in a log line,
 *               an error message or get_config() output.         [checked]
 *  MP_PLUGIN_10 Event and log callbacks are only invoked on the thread that
 *               called the function that takes them, and only before that
 *               function returns.  (Module-level log calls happen inside
 *               init/deinit or inside a call on an instance.)
 *  MP_PLUGIN_11 Numbers in any JSON the plugin writes are independent of the
 *               process locale.
 *
 * Host rules (MP_HOST_n).
 *
 *  MP_HOST_1    Load with RTLD_NOW | RTLD_LOCAL.  To hot-swap a rebuilt
 *               plugin, load it from a new unique path (dlopen returns the
 *               old mapping for a path it already has open).
 *  MP_HOST_2    Call the entry with the highest minor the host speaks; use
 *               only what the returned minor and struct_size provide.
 *  MP_HOST_3    Call init() before anything else on the descriptor, and one
 *               deinit() per successful init().  init/deinit are never called
 *               concurrently with each other or with any other plugin call.
 *  MP_HOST_4    Calls on one instance are serialized by the host (one at a
 *               time), except cancel(), which may be called from any thread
 *               at any time while the instance exists.  Different instances
 *               may be used fully in parallel from different threads.
 *  MP_HOST_5    An event callback must not call back into the same instance,
 *               except cancel().  To stop a stream from inside the callback,
 *               return non-zero.
 *  MP_HOST_6    Before unloading: wait for (or cancel) calls in flight,
 *               destroy every instance, call deinit(), then dlclose().  Never
 *               call into a plugin from atexit() or a static destructor.
 *  MP_HOST_7    Strings passed in are UTF-8.  A `const char *` plus `size_t`
 *               length pair need not be NUL-terminated; a bare `const char *`
 *               must be.
 *
 * THREAD TAGS used below:
 *   [any-thread]           callable from any thread at any time.
 *   [module-serialized]    no other call into the plugin may run concurrently.
 *   [instance-serialized]  one call at a time per instance (MP_HOST_4).
 */
#ifndef MODEL_PROVIDER_H
#define MODEL_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_ABI_MAJOR 1
#define MP_ABI_MINOR 0

/* The exported entry point's name for this major, for dlsym(). */
#define MP_ENTRY_SYMBOL_V1 "mp_provider_entry_v1"

/* ------------------------------------------------------------------------ */
/* Status codes: 0 is success, errors are negative.  Append-only.           */

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

/* Static, never-NULL descriptions of a status; safe without loading any
 * plugin.  [any-thread] */
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
/* Per-call error detail.  The HOST owns it (usually on its stack):
 *
 *     mp_error err = MP_ERROR_INIT;
 *     int rc = p->stream(inst, req, len, &sink, &err);
 *
 * Every function that takes an `mp_error *` accepts NULL.  On failure the
 * plugin fills the fields that fit in err->struct_size; on success it leaves
 * code = MP_OK and message empty.  Strings are NUL-terminated and truncated
 * to fit.  There is no global "last error". */

#define MP_ERROR_MESSAGE_MAX 2048
#define MP_ERROR_CODE_MAX 64

typedef struct mp_error {
    uint32_t struct_size;    /* = sizeof(mp_error), set by the host          */
    int32_t code;            /* mp_status                                    */
    int32_t http_status;     /* HTTP status of the failed call, 0 if none    */
    int32_t retryable;       /* 1 if retrying the same call may succeed      */
    int64_t retry_after_ms;  /* server's Retry-After in ms, -1 if not given  */
    char provider_code[MP_ERROR_CODE_MAX]; /* e.g. "context_length_exceeded" */
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

/* `message` is borrowed until the callback returns.  The callback runs on
 * the thread that made the plugin call (MP_PLUGIN_10); since different
 * instances may run on different threads, it must be thread-safe if the
 * host uses instances in parallel. */
typedef void (*mp_log_fn)(void *ctx, int level, const char *message);

typedef struct mp_host_v1 {
    uint32_t struct_size; /* = sizeof(mp_host_v1)                        */
    void *log_ctx;
    mp_log_fn log;        /* may be NULL: logs are dropped                 */
} mp_host_v1;

/* A sink for text the plugin produces (JSON documents).  write() may be
 * called several times; the pieces concatenate to the whole text.  `data` is
 * borrowed until write() returns.  A non-zero return aborts the operation,
 * which then returns MP_E_CANCELLED. */
typedef struct mp_text_sink {
    uint32_t struct_size; /* = sizeof(mp_text_sink) */
    void *ctx;
    int (*write)(void *ctx, const char *data, size_t len);
} mp_text_sink;

/* ------------------------------------------------------------------------ */
/* Events delivered by stream().  Every event starts with a header; a reader
 * switches on `type`, ignores types it does not know, and reads a field only
 * if it lies within `size` (events grow by appending fields). */

typedef struct mp_event_header {
    uint32_t size;  /* sizeof the whole event struct as the plugin built it */
    uint16_t type;  /* mp_event_type                                        */
    uint16_t flags; /* reserved, 0                                          */
} mp_event_header;

typedef enum mp_event_type {
    MP_EVENT_MESSAGE_START = 1,
    MP_EVENT_BLOCK_START = 2,
    MP_EVENT_BLOCK_DELTA = 3,
    MP_EVENT_BLOCK_STOP = 4,
    MP_EVENT_MESSAGE_STOP = 5,
    MP_EVENT_METADATA = 6
} mp_event_type;

/* A borrowed string: valid until the event callback returns.  `ptr` is NULL
 * when absent; otherwise ptr[len] == '\0' as a convenience, but the text may
 * itself contain NUL bytes only if the model sent "\u0000" (use len). */
typedef struct mp_str {
    const char *ptr;
    size_t len;
} mp_str;

typedef enum mp_role { MP_ROLE_ASSISTANT = 1 } mp_role;

typedef struct mp_event_message_start {
    mp_event_header hdr;
    uint32_t role;     /* mp_role */
    uint32_t reserved;
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
    mp_str tool_name;           /* TOOL_USE only                            */
    mp_str tool_use_id;         /* TOOL_USE only: the full id as received   */
    mp_str reasoning_signature; /* TOOL_USE: Gemini thought signature, or
                                   absent                                   */
} mp_event_block_start;

typedef enum mp_delta_kind {
    MP_DELTA_TEXT = 1,
    MP_DELTA_REASONING_TEXT = 2,
    MP_DELTA_REASONING_SIGNATURE = 3,
    MP_DELTA_TOOL_INPUT = 4 /* a piece of the tool input's JSON text */
} mp_delta_kind;

typedef struct mp_event_block_delta {
    mp_event_header hdr;
    uint32_t block_index;
    uint32_t kind;  /* mp_delta_kind */
    mp_str text;
} mp_event_block_delta;

typedef struct mp_event_block_stop {
    mp_event_header hdr;
    uint32_t block_index;
    uint32_t reserved;
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
    uint32_t reserved;
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
    int64_t cache_write_input_tokens; /* -1 when absent or 0              */
    int64_t latency_ms;               /* wall time of the whole call      */
    int64_t time_to_first_byte_ms;    /* request sent -> first body byte  */
} mp_event_metadata;

/* The host's event callback.  `ev` and everything it points to are borrowed
 * until the callback returns.  Return 0 to continue, non-zero to cancel the
 * stream (stream() then returns MP_E_CANCELLED). */
typedef int (*mp_event_fn)(void *ctx, const mp_event_header *ev);

typedef struct mp_event_sink {
    uint32_t struct_size; /* = sizeof(mp_event_sink) */
    void *ctx;
    mp_event_fn on_event;
} mp_event_sink;

/* ------------------------------------------------------------------------ */
/* The provider descriptor.  Static, owned by the plugin, valid from the
 * entry call until the .so is unloaded.  Append-only: read a field only if
 * offsetof(field) + sizeof(field) <= struct_size. */

typedef struct mp_instance mp_instance; /* opaque, owned by the plugin */

typedef struct mp_provider_v1 {
    uint32_t struct_size;
    uint16_t abi_major;         /* = 1                                      */
    uint16_t abi_minor;         /* highest minor the plugin implements      */
    const char *id;             /* reverse-DNS, e.g. "org.strands.litellm"  */
    const char *name;           /* human readable                           */
    const char *version;        /* the plugin's own version, semver         */
    const char *const *capabilities; /* NULL-terminated list, e.g. "stream" */

    /* Module lifecycle.  Reference-counted: each successful init() needs one
     * deinit(); the first init sets up global state (libcurl), the last
     * deinit tears everything down.  init() after the final deinit() works.
     * `host` is copied; NULL means no logging.  deinit() returns MP_E_BUSY,
     * and keeps the module initialised, if instances still exist.
     * [module-serialized] */
    int (*init)(const mp_host_v1 *host, mp_error *err);
    int (*deinit)(void);

    /* Create an instance from config and client-args JSON objects (either
     * may be NULL, meaning {}).  Unknown keys are kept and reported as a
     * warning through the host log.  On success *out owns the instance until
     * destroy().  [any-thread] (after init) */
    int (*create)(const char *config_json, const char *client_args_json,
                  mp_instance **out, mp_error *err);
    /* Destroy an instance.  No call may be running on it.  NULL is a no-op.
     * [instance-serialized] */
    void (*destroy)(mp_instance *inst);

    /* Merge keys of a config JSON object into the instance's config
     * (shallow, as the Strands reference).  Atomic: either every key applies
     * or none does; a stream already running keeps the config it started
     * with.  [instance-serialized] */
    int (*update_config)(mp_instance *inst, const char *config_json,
                         size_t len, mp_error *err);
    /* Write {"config":{...},"client_args":{...}} as JSON to `out`, with
     * secrets redacted ("<redacted>").  [instance-serialized] */
    int (*get_config)(mp_instance *inst, const mp_text_sink *out,
                      mp_error *err);

    /* Run one model call.  `request_json` is a JSON object:
     *   {"messages": [Strands Message...],          required
     *    "tool_specs": [ToolSpec...],               optional
     *    "tool_choice": {"auto":{}}|{"any":{}}|{"tool":{"name":N}}, optional
     *    "system_prompt": "text",                   optional
     *    "system_prompt_content": [SystemContentBlock...]}  optional
     * Binary payloads (image/document/video source.bytes) are base64 text.
     * Runs on the caller's thread and delivers events to `sink` on that
     * thread before returning.  Returns MP_OK after MESSAGE_STOP (and
     * METADATA if usage arrived) were delivered; otherwise an error, with
     * detail in `err`.  [instance-serialized] */
    int (*stream)(mp_instance *inst, const char *request_json, size_t len,
                  const mp_event_sink *sink, mp_error *err);

    /* Ask for a JSON object that validates against `schema_json` (a JSON
     * Schema object).  `name` must match ^[A-Za-z0-9_-]{1,64}$;
     * `description` may be NULL.  On success the validated object's JSON
     * text is written to `out`.  [instance-serialized] */
    int (*structured_output)(mp_instance *inst, const char *request_json,
                             size_t len, const char *schema_json,
                             size_t schema_len, const char *name,
                             const char *description, const mp_text_sink *out,
                             mp_error *err);

    /* Cancel the call currently running on `inst`, if any; a later call is
     * not affected.  Idempotent.  Returns MP_OK.  [any-thread], also from
     * inside an event callback. */
    int (*cancel)(mp_instance *inst);

    /* Look up an optional extension by id "vendor.name/REV".  Returns a
     * pointer to a static extension struct, or NULL when unknown.
     * [any-thread] */
    const void *(*get_extension)(const char *id);

    /* Render an event as the exact Strands StreamEvent JSON (for hosts that
     * want JSON), written to `out`.  MP_E_INVALID_ARGUMENT for an unknown
     * event type.  Pure.  [any-thread] */
    int (*event_to_json)(const mp_event_header *ev, const mp_text_sink *out);
} mp_provider_v1;

/* The entry point.  `*abi_minor_inout` holds the highest minor the host
 * speaks; on MP_OK the plugin writes the minor both speak and sets *out to
 * its static descriptor.  MP_E_VERSION if there is none (the plugin needs a
 * newer minor than the host offers).  Pure (MP_PLUGIN_2).  [any-thread] */
typedef int (*mp_provider_entry_v1_fn)(uint32_t *abi_minor_inout,
                                        const mp_provider_v1 **out);

int mp_provider_entry_v1(uint32_t *abi_minor_inout,
                         const mp_provider_v1 **out);

#ifdef __cplusplus
}
#endif

#endif /* MODEL_PROVIDER_H */
