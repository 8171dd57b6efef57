"""The C ABI as ctypes sees it: the provider descriptor and the two small
host structs the plugin reads (mp_host_v1, mp_text_sink), nothing else.

Since ABI 1.1 a host in another language needs no event struct and no
mp_error mirror: stream_json hands every event over as one Strands
StreamEvent JSON line, the accumulator builds the final message as JSON,
and error_to_json renders the error buffer (a zeroed 4096-byte buffer with
its size in the first four bytes, MP_HOST_8).  So this file mirrors only
what abi/model_provider.h says must be mirrored.

Every function pointer is called through ctypes, which releases the GIL
for the call: a stream blocking on the network does not stop other Python
threads, and cancel() from another thread reaches it.
"""

import ctypes
import os
import struct
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t,
                    c_uint16, c_uint32, c_void_p)

ABI_MAJOR = 1
ABI_MINOR = 1  # the highest minor this package speaks
ENTRY_SYMBOL = "mp_provider_entry_v1"
ERROR_BUFFER_SIZE = 4096  # MP_HOST_8: always enough for mp_error

LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)
# mp_text_fn / mp_line_fn: `data` as a bare pointer, read with its length
# (a c_char_p would stop at a NUL and copy twice).
TEXT_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)
LINE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_uint32)


class HostV1(Structure):
    """mp_host_v1: what init() reads."""
    _fields_ = [("struct_size", c_uint32),
                ("log_ctx", c_void_p),
                ("log", LOG_FN)]


class TextSink(Structure):
    """mp_text_sink: get_config() and structured_output() write through it."""
    _fields_ = [("struct_size", c_uint32),
                ("ctx", c_void_p),
                ("write", TEXT_FN)]


class ProviderV1(Structure):
    """mp_provider_v1, field for field (the 1.0 part, then 1.1's)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("abi_major", c_uint16),
        ("abi_minor", c_uint16),
        ("id", c_char_p),
        ("name", c_char_p),
        ("version", c_char_p),
        ("capabilities", POINTER(c_char_p)),
        ("init", CFUNCTYPE(c_int, POINTER(HostV1), c_void_p)),
        ("deinit", CFUNCTYPE(c_int)),
        ("create", CFUNCTYPE(c_int, c_char_p, c_char_p, POINTER(c_void_p),
                             c_void_p)),
        ("destroy", CFUNCTYPE(None, c_void_p)),
        ("update_config", CFUNCTYPE(c_int, c_void_p, c_char_p, c_size_t,
                                    c_void_p)),
        ("get_config", CFUNCTYPE(c_int, c_void_p, POINTER(TextSink),
                                 c_void_p)),
        # stream() takes an mp_event_sink of event structs; this package
        # uses stream_json instead, so the pointer stays opaque.
        ("stream", c_void_p),
        ("structured_output", CFUNCTYPE(c_int, c_void_p, c_char_p, c_size_t,
                                        c_char_p, c_size_t, c_char_p,
                                        c_char_p, POINTER(TextSink),
                                        c_void_p)),
        ("cancel", CFUNCTYPE(c_int, c_void_p)),
        ("get_extension", CFUNCTYPE(c_void_p, c_char_p)),
        ("event_to_json", c_void_p),
        # ---- ABI 1.1
        ("errname", CFUNCTYPE(c_char_p, c_int)),
        ("strerror", CFUNCTYPE(c_char_p, c_int)),
        ("error_to_json", CFUNCTYPE(c_int, c_void_p, TEXT_FN, c_void_p)),
        ("stream_json", CFUNCTYPE(c_int, c_void_p, c_char_p, c_size_t,
                                  LINE_FN, c_void_p, c_void_p, c_void_p)),
        ("accumulator_create", CFUNCTYPE(c_int, POINTER(c_void_p))),
        ("accumulator_add", c_void_p),  # events as structs: not used here
        ("accumulator_result", CFUNCTYPE(c_int, c_void_p, TEXT_FN, c_void_p)),
        ("accumulator_destroy", CFUNCTYPE(None, c_void_p)),
    ]


# The byte offset just past accumulator_destroy: a descriptor whose
# struct_size does not reach it lacks what this package needs (MP_HOST_11).
V1_1_SIZE = ctypes.sizeof(ProviderV1)


def load_library(path):
    """dlopen the plugin with RTLD_NOW | RTLD_LOCAL (MP_HOST_1)."""
    return ctypes.CDLL(os.fspath(path), mode=os.RTLD_NOW | os.RTLD_LOCAL)


def entry(lib, minor=ABI_MINOR):
    """Negotiate: returns (status, agreed minor, descriptor pointer)."""
    fn = getattr(lib, ENTRY_SYMBOL)
    fn.restype = c_int
    fn.argtypes = [POINTER(c_uint32), POINTER(POINTER(ProviderV1))]
    inout = c_uint32(minor)
    out = POINTER(ProviderV1)()
    rc = fn(ctypes.byref(inout), ctypes.byref(out))
    return rc, inout.value, out


def new_error_buffer():
    """A zeroed error buffer with its size first, as MP_HOST_8 allows."""
    buf = ctypes.create_string_buffer(ERROR_BUFFER_SIZE)
    struct.pack_into("=I", buf, 0, ERROR_BUFFER_SIZE)
    return buf


class Collector:
    """A text callback gathering the pieces of one document."""

    def __init__(self):
        self.parts = []
        self.fn = TEXT_FN(self._write)

    def _write(self, _ctx, data, size):
        try:
            self.parts.append(ctypes.string_at(data, size) if size else b"")
            return 0
        except BaseException:  # never unwind into C (MP_HOST_9)
            return 1

    def text(self):
        return b"".join(self.parts).decode("utf-8")

    def sink(self):
        """The same callback as an mp_text_sink (ctx unused)."""
        return TextSink(ctypes.sizeof(TextSink), None, self.fn)
