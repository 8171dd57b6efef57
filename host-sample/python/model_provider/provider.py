"""Provider (one loaded plugin) and Instance (one configured model).

    from model_provider import Provider

    with Provider("build/litellm_provider.so") as p, \\
         p.create({"model_id": "gpt-4o-mini"}) as model:
        stream = model.stream(messages=[{"role": "user",
                                         "content": [{"text": "Hi!"}]}])
        for event in stream:            # Strands StreamEvent dicts
            delta = event.get("contentBlockDelta", {}).get("delta", {})
            print(delta.get("text", ""), end="", flush=True)
        print(stream.result["stopReason"], stream.result["usage"])

Threads (abi/model_provider.h, MP_HOST_4): one stream() or
structured_output() at a time per Instance (this class serialises them);
cancel(), update_config() and get_config() from any thread at any time.
Use one Instance per thread for parallel calls.
"""

import base64
import ctypes
import json
import logging
import os
import queue
import re
import threading

from . import _abi
from .errors import (CancelledError, InvalidArgumentError, VersionError,
                     error_class, from_json)

log = logging.getLogger("model_provider")

_LEVELS = ((40, logging.ERROR), (30, logging.WARNING), (20, logging.INFO),
           (10, logging.DEBUG))


def _on_log(_ctx, level, message):
    # Runs on the thread of the plugin call that logs; logging is
    # thread-safe.  Never raises into C (MP_HOST_9).
    try:
        py_level = next((p for m, p in _LEVELS if level >= m), logging.DEBUG)
        log.log(py_level, "%s", message.decode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001
        pass


# One callback for the whole process: a plugin keeps the first init's host
# until its last deinit, so the callback must outlive every Provider.
_LOG_CALLBACK = _abi.LOG_FN(_on_log)
_HOST = _abi.HostV1(ctypes.sizeof(_abi.HostV1), None, _LOG_CALLBACK)

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _to_json_default(value):
    # Strands holds binary payloads (image/document/video source bytes,
    # redacted reasoning) as bytes; the ABI carries them as base64 text.
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError("%s is not JSON serialisable" % type(value).__name__)


def to_json_bytes(value):
    """Strict JSON (no NaN), UTF-8, bytes as base64."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"),
                          default=_to_json_default).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as e:
        raise InvalidArgumentError("cannot send this as JSON: %s" % e,
                                   code=-1, name="MP_E_INVALID_ARGUMENT") \
            from e


def _json_arg(value):
    """A config or request: a dict, JSON text, or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return to_json_bytes(value)


def build_request(messages, tool_specs=None, system_prompt=None, *,
                  tool_choice=None, system_prompt_content=None,
                  agent_metadata=None):
    """The stream() request document of abi/README.md (keys left out when
    None)."""
    req = {"messages": messages}
    for key, value in (("tool_specs", tool_specs),
                       ("tool_choice", tool_choice),
                       ("system_prompt", system_prompt),
                       ("system_prompt_content", system_prompt_content),
                       ("agent_metadata", agent_metadata)):
        if value is not None:
            req[key] = value
    return req


def _log_request(body, rc):
    """With $MP_REQUEST_LOG naming a directory, append the request and the
    call's status to DIR/python-PID.jsonl as {"rc":N,"request":"<text>"},
    the convention of every host in this tree (tests/README.md): the tests
    check each request the plugin accepted against abi/request.schema.json.
    """
    directory = os.environ.get("MP_REQUEST_LOG")
    if directory:
        path = os.path.join(directory, "python-%d.jsonl" % os.getpid())
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"rc": rc, "request": body.decode("utf-8")})
                    + "\n")


class Provider:
    """One plugin .so: loaded, negotiated (ABI 1.1 or newer) and
    initialised.  close() (or leaving a `with` block) deinitialises it; the
    library itself stays mapped (ctypes cannot safely unload it)."""

    def __init__(self, path):
        self.path = str(path)
        self._lib = _abi.load_library(self.path)
        rc, minor, desc = _abi.entry(self._lib)
        if rc != 0:
            raise VersionError(
                "%s needs ABI 1.%d or newer; this package speaks 1.%d"
                % (self.path, minor, _abi.ABI_MINOR), code=rc,
                name="MP_E_VERSION")
        d = desc.contents
        if minor < 1 or d.struct_size < _abi.V1_1_SIZE:
            raise VersionError(
                "%s speaks ABI 1.%d; this package needs the JSON operations "
                "of ABI 1.1 (stream_json, the accumulator, error_to_json)"
                % (self.path, minor), code=-3, name="MP_E_VERSION")
        self._d = d
        self.abi_minor = minor
        self.id = d.id.decode()
        self.name = d.name.decode()
        self.version = d.version.decode()
        caps, i = [], 0
        while d.capabilities and d.capabilities[i]:
            caps.append(d.capabilities[i].decode())
            i += 1
        self.capabilities = tuple(caps)
        err = _abi.new_error_buffer()
        rc = d.init(ctypes.byref(_HOST), err)
        if rc != 0:
            raise self.error(rc, err)
        self._open = True

    # -- errors -------------------------------------------------------------

    def errname(self, code):
        return self._d.errname(code).decode()

    def strerror(self, code):
        return self._d.strerror(code).decode()

    def error(self, rc, err):
        """The typed exception for status `rc` with the detail in `err`."""
        text = _abi.Collector()
        if self._d.error_to_json(err, text.fn, None) == 0:
            doc = json.loads(text.text())
            if doc.get("code") == rc:
                return from_json(doc)
        return error_class(rc)(self.strerror(rc), code=rc,
                               name=self.errname(rc))

    # -- lifecycle ----------------------------------------------------------

    def create(self, config=None, client_args=None):
        """A new Instance.  `config` and `client_args` are dicts or JSON
        text (see the plugin's README for the keys); unknown keys are
        reported through the "model_provider" logger."""
        self._check_open()
        handle = ctypes.c_void_p()
        err = _abi.new_error_buffer()
        rc = self._d.create(_json_arg(config), _json_arg(client_args),
                            ctypes.byref(handle), err)
        if rc != 0:
            raise self.error(rc, err)
        return Instance(self, handle)

    def close(self):
        """deinit() (MP_E_BUSY -> BusyError while instances exist)."""
        if self._open:
            rc = self._d.deinit()
            if rc != 0:
                raise error_class(rc)(
                    "%s: deinit refused: %s (close every Instance first)"
                    % (self.path, self.strerror(rc)), code=rc,
                    name=self.errname(rc))
            self._open = False

    def _check_open(self):
        if not self._open:
            raise InvalidArgumentError("the provider is closed", code=-1,
                                       name="MP_E_INVALID_ARGUMENT")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<Provider %s %s (ABI 1.%d) from %s>" % (
            self.id, self.version, self.abi_minor, self.path)


class _Call:
    """One stream_json call in flight (for cancel from any thread)."""

    def __init__(self):
        self.cancelled = False


class Instance:
    """One configured model of a Provider.  Create with Provider.create()."""

    def __init__(self, provider, handle):
        self.provider = provider
        self._d = provider._d
        self._h = handle
        self._call_lock = threading.Lock()   # MP_HOST_4: one call at a time
        self._state_lock = threading.Lock()  # guards _current and _h
        self._current = None

    # -- config -------------------------------------------------------------

    def update_config(self, config=None, **keys):
        """Merge keys into the config (shallow; "params" is replaced
        whole).  Atomic; a call already running keeps its config."""
        doc = dict(config or {}, **keys) if not isinstance(
            config, (str, bytes)) else config
        text = _json_arg(doc)
        err = _abi.new_error_buffer()
        rc = self._d.update_config(self._handle(), text, len(text), err)
        if rc != 0:
            raise self.provider.error(rc, err)

    def get_config(self):
        """{"config": {...}, "client_args": {...}}, secrets redacted."""
        text = _abi.Collector()
        sink = text.sink()
        err = _abi.new_error_buffer()
        rc = self._d.get_config(self._handle(), ctypes.byref(sink), err)
        if rc != 0:
            raise self.provider.error(rc, err)
        return json.loads(text.text())

    # -- calls --------------------------------------------------------------

    def cancel(self):
        """Cancel the call running on this instance, from any thread: it
        ends with CancelledError.  No effect when nothing runs."""
        with self._state_lock:
            if self._current is not None:
                self._current.cancelled = True
            if self._h is not None:
                self._d.cancel(self._h)

    def _cancel_call(self, call):
        """Cancel one call: the plugin's cancel() only while that call is
        the one running (another call may hold the instance meanwhile);
        before it begins, the mark makes it end at once."""
        with self._state_lock:
            call.cancelled = True
            if self._current is call and self._h is not None:
                self._d.cancel(self._h)

    def call(self, request=None, on_event=None, **request_keys):
        """Run one model call on this thread.  Every StreamEvent goes to
        on_event(event) as it arrives (return True from it to cancel);
        returns the accumulated result: {"message", "stopReason", "usage",
        "metrics"[, "responseInfo"][, "invalidToolInputs"]}.  Raises the
        typed error (the events already delivered stay delivered).

        The request is `request` (a dict or JSON text) or the keys of
        build_request(): messages, tool_specs, system_prompt, tool_choice,
        system_prompt_content, agent_metadata."""
        body = self._request_bytes(request, request_keys)
        return self._run(body, on_event)

    def stream(self, request=None, **request_keys):
        """A Stream: iterate it for StreamEvent dicts as they arrive (the
        call runs on a worker thread); afterwards .result holds what
        call() returns.  Breaking out of the loop, close(), or an exception
        in the loop cancels the call."""
        return Stream(self, self._request_bytes(request, request_keys))

    def structured_output(self, schema, request=None, *, name=None,
                          description=None, **request_keys):
        """Ask for a JSON object valid against `schema` (a JSON Schema dict
        or text); returns it as a dict.  `name` defaults to the schema's
        "title", else "Output".  A reply that fails the schema raises
        ValidationError naming the failing path."""
        body = self._request_bytes(request, request_keys)
        return self._structured(body, schema, name, description, _Call())

    def _structured(self, body, schema, name, description, call):
        if isinstance(schema, (str, bytes)):
            schema_text = _json_arg(schema)
            schema_doc = json.loads(schema_text)
        else:
            schema_doc, schema_text = schema, to_json_bytes(schema)
        if name is None:
            title = schema_doc.get("title") if isinstance(schema_doc, dict) \
                else None
            name = title if isinstance(title, str) and _NAME_RE.match(title) \
                else "Output"
        text = _abi.Collector()
        sink = text.sink()
        err = _abi.new_error_buffer()
        with self._call_lock:
            self._begin(call)
            try:
                rc = self._d.structured_output(
                    self._h, body, len(body), schema_text, len(schema_text),
                    name.encode("utf-8"),
                    description.encode("utf-8") if description else None,
                    ctypes.byref(sink), err)
            finally:
                self._end()
        _log_request(body, rc)
        if rc != 0:
            raise self.provider.error(rc, err)
        return json.loads(text.text())

    # -- lifecycle ----------------------------------------------------------

    def close(self):
        """Cancel what runs, wait for it, then destroy the instance."""
        self.cancel()
        with self._call_lock, self._state_lock:
            if self._h is not None:
                self._d.destroy(self._h)
                self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals ----------------------------------------------------------

    def _handle(self):
        if self._h is None:
            raise InvalidArgumentError("the instance is closed", code=-1,
                                       name="MP_E_INVALID_ARGUMENT")
        return self._h

    @staticmethod
    def _request_bytes(request, keys):
        if request is not None and keys:
            raise TypeError("give either request or its keys, not both")
        if request is None:
            if "messages" not in keys:
                raise TypeError("messages is required")
            request = build_request(**keys)
        return _json_arg(request)

    def _begin(self, call):
        with self._state_lock:
            self._handle()
            if call.cancelled:
                raise CancelledError("cancelled before the call began",
                                     code=-12, name="MP_E_CANCELLED")
            self._current = call

    def _end(self):
        with self._state_lock:
            self._current = None

    def _run(self, body, on_event, call=None):
        """stream_json with an accumulator; events to on_event."""
        call = call or _Call()
        failure = []

        def on_line(_ctx, line, size, _flags):
            # On this thread, inside stream_json (MP_PLUGIN_10).  Never
            # raise into C: keep the exception, ask the plugin to stop.
            try:
                if call.cancelled:
                    return 1
                if on_event is not None:
                    event = json.loads(ctypes.string_at(line, size))
                    if on_event(event):
                        call.cancelled = True
                        return 1
                return 0
            except BaseException as e:  # noqa: BLE001 - re-raised below
                failure.append(e)
                return 1

        line_fn = _abi.LINE_FN(on_line)
        acc = ctypes.c_void_p()
        rc = self._d.accumulator_create(ctypes.byref(acc))
        if rc != 0:
            raise self.provider.error(rc, None)
        try:
            err = _abi.new_error_buffer()
            with self._call_lock:
                self._begin(call)
                try:
                    rc = self._d.stream_json(self._h, body, len(body),
                                             line_fn, None, acc, err)
                finally:
                    self._end()
            _log_request(body, rc)
            if failure:
                raise failure[0]
            if rc != 0:
                raise self.provider.error(rc, err)
            text = _abi.Collector()
            rc = self._d.accumulator_result(acc, text.fn, None)
            if rc != 0:
                raise self.provider.error(rc, None)
            return json.loads(text.text())
        finally:
            self._d.accumulator_destroy(acc)


_END = object()


class Stream:
    """The events of one call, as they arrive; see Instance.stream()."""

    def __init__(self, instance, body):
        self._inst = instance
        self._call = _Call()
        self._queue = queue.Queue()
        self.result = None
        self._error = None
        self._done = False
        self._thread = threading.Thread(target=self._work, args=(body,),
                                        name="model_provider-stream",
                                        daemon=True)
        self._thread.start()

    def _work(self, body):
        try:
            self.result = self._inst._run(body, self._queue.put, self._call)
        except BaseException as e:  # noqa: BLE001 - handed to the reader
            self._error = e
        self._queue.put(_END)

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        try:
            item = self._queue.get()
        except BaseException:  # KeyboardInterrupt while waiting
            self.close()
            raise
        if item is _END:
            self._done = True
            self._thread.join()
            if self._error is not None:
                raise self._error
            raise StopIteration
        return item

    def cancel(self):
        """Cancel the call (from any thread); iteration then ends with
        CancelledError."""
        self._inst._cancel_call(self._call)

    def close(self):
        """Cancel if still running and wait for the call to end."""
        if not self._done:
            self.cancel()
            self._thread.join()
            self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # An abandoned stream must not keep the model busy.
        try:
            if not self._done:
                self.cancel()
        except Exception:  # noqa: BLE001
            pass
