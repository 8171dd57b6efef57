//! rust-host: stream one answer from a model-provider plugin and print it,
//! from Rust with the standard library alone and the header as the only
//! reference (abi/model_provider.h).
//!
//!     rust-host [--config JSON] [--client-args JSON] PLUGIN.so PROMPT
//!
//! It mirrors the structs it reads with #[repr(C)] and receives typed
//! events through stream() (ABI 1.0, so it also runs on a 1.0 plugin such
//! as the replay provider).  Callbacks are `extern "C"` and never let a
//! panic unwind into the plugin (MP_HOST_9).  The API key comes from the
//! environment, read by the plugin itself.
//!
//! Build: rustc --edition 2021 -O -o rust-host host-sample/rust/main.rs

use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::exit;

// ---- the header, as far as this host reads it --------------------------

#[repr(C)]
struct MpError {
    struct_size: u32,
    code: i32,
    http_status: i32,
    retryable: i32,
    retry_after_ms: i64,
    provider_code: [c_char; 64],
    message: [c_char; 2048],
}

impl MpError {
    fn new() -> Box<MpError> {
        Box::new(MpError {
            struct_size: std::mem::size_of::<MpError>() as u32,
            code: 0,
            http_status: 0,
            retryable: 0,
            retry_after_ms: -1,
            provider_code: [0; 64],
            message: [0; 2048],
        })
    }
    fn message(&self) -> String {
        unsafe { CStr::from_ptr(self.message.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }
}

type LogFn = unsafe extern "C" fn(*mut c_void, c_int, *const c_char);
type EventFn = unsafe extern "C" fn(*mut c_void, *const MpEventHeader) -> c_int;

#[repr(C)]
struct MpHostV1 {
    struct_size: u32,
    log_ctx: *mut c_void,
    log: Option<LogFn>,
}

#[repr(C)]
struct MpEventSink {
    struct_size: u32,
    ctx: *mut c_void,
    on_event: Option<EventFn>,
}

#[repr(C)]
struct MpEventHeader {
    size: u32,
    kind: u16, // `type` in C
    flags: u16,
}

#[repr(C)]
struct MpStr {
    ptr: *const c_char,
    len: usize,
}

#[repr(C)]
struct MpEventBlockDelta {
    hdr: MpEventHeader,
    block_index: u32,
    kind: u32,
    text: MpStr,
}

#[repr(C)]
struct MpEventMessageStop {
    hdr: MpEventHeader,
    stop_reason: u32,
    reserved: u32,
    raw_finish_reason: MpStr,
}

#[repr(C)]
struct MpEventMetadata {
    hdr: MpEventHeader,
    input_tokens: i64,
    output_tokens: i64,
    total_tokens: i64,
}

const MP_EVENT_BLOCK_DELTA: u16 = 3;
const MP_EVENT_MESSAGE_STOP: u16 = 5;
const MP_EVENT_METADATA: u16 = 6;
const MP_DELTA_TEXT: u32 = 1;
const MP_EVENT_FLAG_BATCH_END: u16 = 1;
const MP_LOG_WARN: c_int = 30;

/// mp_provider_v1 of ABI 1.0 (operations this host does not call are
/// opaque pointers).  Every descriptor is at least this large.
#[repr(C)]
struct MpProviderV1 {
    struct_size: u32,
    abi_major: u16,
    abi_minor: u16,
    id: *const c_char,
    name: *const c_char,
    version: *const c_char,
    capabilities: *const *const c_char,
    init: unsafe extern "C" fn(*const MpHostV1, *mut MpError) -> c_int,
    deinit: unsafe extern "C" fn() -> c_int,
    create: unsafe extern "C" fn(*const c_char, *const c_char, *mut *mut c_void, *mut MpError) -> c_int,
    destroy: unsafe extern "C" fn(*mut c_void),
    update_config: *const c_void,
    get_config: *const c_void,
    stream: unsafe extern "C" fn(*mut c_void, *const c_char, usize, *const MpEventSink, *mut MpError) -> c_int,
    structured_output: *const c_void,
    cancel: unsafe extern "C" fn(*mut c_void) -> c_int,
    get_extension: *const c_void,
    event_to_json: *const c_void,
}

/// The first 1.1 additions, read only when the negotiated minor is >= 1
/// and struct_size covers them (MP_HOST_11).
#[repr(C)]
struct MpProviderV1_1 {
    v1_0: MpProviderV1,
    errname: unsafe extern "C" fn(c_int) -> *const c_char,
}

type EntryFn = unsafe extern "C" fn(*mut u32, *mut *const MpProviderV1) -> c_int;

#[link(name = "dl")]
extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;
const RTLD_LOCAL: c_int = 0;

// ---- callbacks ------------------------------------------------------------

unsafe extern "C" fn on_log(_ctx: *mut c_void, level: c_int, message: *const c_char) {
    let _ = catch_unwind(|| {
        if level >= MP_LOG_WARN {
            eprintln!("[provider] {}", CStr::from_ptr(message).to_string_lossy());
        }
    });
}

#[derive(Default)]
struct Call {
    printed: bool,
    stop_reason: u32,
    tokens: Option<(i64, i64)>,
}

fn str_of(s: &MpStr) -> &[u8] {
    if s.ptr.is_null() {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(s.ptr as *const u8, s.len) }
    }
}

/// Runs on the thread that called stream(); `ev` and what it points to are
/// borrowed until it returns.  A field is read only if it lies within
/// ev.size (events grow by appending).
unsafe extern "C" fn on_event(ctx: *mut c_void, ev: *const MpEventHeader) -> c_int {
    let call = &mut *(ctx as *mut Call);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let size = (*ev).size as usize;
        let mut out = std::io::stdout().lock();
        match (*ev).kind {
            MP_EVENT_BLOCK_DELTA if size >= std::mem::size_of::<MpEventBlockDelta>() => {
                let d = &*(ev as *const MpEventBlockDelta);
                if d.kind == MP_DELTA_TEXT {
                    let text = str_of(&d.text);
                    out.write_all(text).expect("stdout");
                    call.printed |= !text.is_empty();
                }
            }
            MP_EVENT_MESSAGE_STOP if size >= std::mem::size_of::<MpEventMessageStop>() => {
                call.stop_reason = (*(ev as *const MpEventMessageStop)).stop_reason;
            }
            MP_EVENT_METADATA if size >= std::mem::size_of::<MpEventMetadata>() => {
                let m = &*(ev as *const MpEventMetadata);
                call.tokens = Some((m.input_tokens, m.output_tokens));
            }
            _ => {} // types this host does not know are skipped
        }
        // With a 1.1 plugin, flush once per network read; a 1.0 plugin
        // never sets the flag, so flush after every event.
        if (*ev).flags & MP_EVENT_FLAG_BATCH_END != 0 || (*ev).flags == 0 {
            out.flush().expect("stdout");
        }
    }));
    // A panic (e.g. stdout closed) cancels the stream instead of unwinding.
    if result.is_ok() {
        0
    } else {
        1
    }
}

// ---- the host ----------------------------------------------------------

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// With $MP_REQUEST_LOG naming a directory, the request and the call's
/// status go to DIR/rust-PID.jsonl (the convention of every host in this
/// tree; the tests check them against abi/request.schema.json).
fn log_request(request: &str, rc: c_int) {
    if let Ok(dir) = std::env::var("MP_REQUEST_LOG") {
        let path = format!("{}/rust-{}.jsonl", dir, std::process::id());
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{{\"rc\":{},\"request\":{}}}", rc, json_string(request));
        }
    }
}

struct Plugin {
    p: &'static MpProviderV1,
    minor: u32,
}

impl Plugin {
    fn load(path: &str) -> Result<Plugin, String> {
        let cpath = CString::new(path).map_err(|e| e.to_string())?;
        unsafe {
            let dl = dlopen(cpath.as_ptr(), RTLD_NOW | RTLD_LOCAL); // MP_HOST_1
            if dl.is_null() {
                return Err(CStr::from_ptr(dlerror()).to_string_lossy().into_owned());
            }
            let sym = dlsym(dl, b"mp_provider_entry_v1\0".as_ptr() as *const c_char);
            if sym.is_null() {
                return Err(format!("{}: not a model-provider plugin", path));
            }
            let entry: EntryFn = std::mem::transmute(sym);
            let mut minor: u32 = 1; // the highest minor this host speaks
            let mut p: *const MpProviderV1 = std::ptr::null();
            if entry(&mut minor, &mut p) != 0 || p.is_null() {
                return Err(format!("{} needs ABI 1.{}", path, minor));
            }
            // The plugin stays loaded for the life of the process.
            Ok(Plugin { p: &*p, minor })
        }
    }

    fn errname(&self, code: c_int) -> String {
        let covered = self.p.struct_size as usize >= std::mem::size_of::<MpProviderV1_1>();
        if self.minor >= 1 && covered {
            let p = unsafe { &*(self.p as *const MpProviderV1 as *const MpProviderV1_1) };
            return unsafe { CStr::from_ptr((p.errname)(code)) }.to_string_lossy().into_owned();
        }
        format!("error {}", code)
    }

    fn fail(&self, rc: c_int, err: &MpError) -> String {
        format!("{}: {}", self.errname(rc), err.message())
    }
}

fn run(path: &str, config: &str, client_args: &str, prompt: &str) -> Result<(), String> {
    let plugin = Plugin::load(path)?;
    let p = plugin.p;
    let mut err = MpError::new();
    let host = MpHostV1 {
        struct_size: std::mem::size_of::<MpHostV1>() as u32,
        log_ctx: std::ptr::null_mut(),
        log: Some(on_log),
    };
    unsafe {
        let rc = (p.init)(&host, &mut *err);
        if rc != 0 {
            return Err(plugin.fail(rc, &err));
        }
        let ccfg = CString::new(config).map_err(|e| e.to_string())?;
        let cargs = CString::new(client_args).map_err(|e| e.to_string())?;
        let mut inst: *mut c_void = std::ptr::null_mut();
        let rc = (p.create)(ccfg.as_ptr(), cargs.as_ptr(), &mut inst, &mut *err);
        if rc != 0 {
            (p.deinit)();
            return Err(plugin.fail(rc, &err));
        }
        let request = format!(
            "{{\"messages\":[{{\"role\":\"user\",\"content\":[{{\"text\":{}}}]}}]}}",
            json_string(prompt)
        );
        let mut call = Call::default();
        let sink = MpEventSink {
            struct_size: std::mem::size_of::<MpEventSink>() as u32,
            ctx: &mut call as *mut Call as *mut c_void,
            on_event: Some(on_event),
        };
        let rc = (p.stream)(inst, request.as_ptr() as *const c_char, request.len(), &sink, &mut *err);
        log_request(&request, rc);
        if call.printed {
            println!();
        }
        (p.destroy)(inst);
        (p.deinit)();
        if rc != 0 {
            return Err(plugin.fail(rc, &err));
        }
        let reasons = ["?", "end_turn", "tool_use", "max_tokens", "content_filtered",
                       "stop_sequence", "cancelled"];
        let reason = reasons.get(call.stop_reason as usize).unwrap_or(&"?");
        match call.tokens {
            Some((i, o)) => eprintln!("[{}; {} tokens in, {} out]", reason, i, o),
            None => eprintln!("[{}]", reason),
        }
    }
    Ok(())
}

fn usage() -> ! {
    eprintln!("usage: rust-host [--config JSON] [--client-args JSON] PLUGIN.so PROMPT");
    exit(2)
}

fn main() {
    let mut config = String::from("{\"model_id\":\"gpt-4o-mini\"}");
    let mut client_args = String::from("{}");
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = args.next().unwrap_or_else(|| usage()),
            "--client-args" => client_args = args.next().unwrap_or_else(|| usage()),
            "-h" | "--help" => usage(),
            _ => positional.push(a),
        }
    }
    if positional.len() != 2 {
        usage();
    }
    if let Err(e) = run(&positional[0], &config, &client_args, &positional[1]) {
        eprintln!("rust-host: {}", e);
        exit(1);
    }
}
