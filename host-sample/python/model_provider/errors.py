"""Typed exceptions, one per mp_status of abi/model_provider.h.

Each carries what the plugin put in the host's mp_error (read back as JSON
with error_to_json): the status code and name, the message (secrets
removed), the HTTP status, whether a retry may succeed, the server's
Retry-After and the provider's own error code.

When Strands Agents is installed, the two exceptions its agent loop acts on
are also Strands' own: ThrottledError is a ModelThrottledException (the
agent retries it) and ContextWindowOverflowError a
ContextWindowOverflowException (the agent shrinks the conversation).
"""

import builtins


def _strands_base(name):
    """Strands' exception class `name`, or () when Strands is absent."""
    try:
        from strands.types import exceptions  # noqa: PLC0415
    except ImportError:
        return ()
    cls = getattr(exceptions, name, None)
    return (cls,) if isinstance(cls, type) else ()


class ProviderError(Exception):
    """A plugin call failed.

    code          the negative mp_status (e.g. -6)
    name          its name (e.g. "MP_E_THROTTLED")
    message       what went wrong and what to do, secrets removed
    http_status   the HTTP status of the failed call, 0 when none
    retryable     True when retrying the same call may succeed
    retry_after   the server's Retry-After in seconds (float), or None
    provider_code the provider's own error code ("" when none)
    """

    code = None  # set on each subclass

    def __init__(self, message, *, code=None, name=None, http_status=0,
                 retryable=False, retry_after_ms=None, provider_code=""):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.name = name or type(self).__name__
        self.http_status = http_status
        self.retryable = retryable
        self.retry_after_ms = retry_after_ms
        self.provider_code = provider_code

    @property
    def retry_after(self):
        if self.retry_after_ms is None:
            return None
        return self.retry_after_ms / 1000.0

    def __str__(self):
        return "%s: %s" % (self.name, self.message)


class InvalidArgumentError(ProviderError, ValueError):
    code = -1


class OutOfMemoryError(ProviderError):
    code = -2


class VersionError(ProviderError):
    code = -3


class UnsupportedError(ProviderError):
    code = -4


class AuthenticationError(ProviderError):
    code = -5


class ThrottledError(ProviderError, *_strands_base("ModelThrottledException")):
    """Rate limited: wait `retry_after` seconds (when the server said)."""
    code = -6


class ContextWindowOverflowError(
        ProviderError, *_strands_base("ContextWindowOverflowException")):
    """The conversation exceeds the model's context window."""
    code = -7


class ProviderTimeoutError(ProviderError, builtins.TimeoutError):
    code = -8


class NetworkError(ProviderError, ConnectionError):
    code = -9


class ServerError(ProviderError):
    code = -10


class ProtocolError(ProviderError):
    code = -11


class CancelledError(ProviderError):
    """The call was cancelled (cancel(), or a callback asked to stop)."""
    code = -12


class InternalError(ProviderError):
    code = -13


class BadRequestError(ProviderError):
    code = -14


class NotFoundError(ProviderError):
    code = -15


class BusyError(ProviderError):
    code = -16


class ValidationError(ProviderError):
    """Structured output: the model's answer failed the schema."""
    code = -17


class HTTPError(ProviderError):
    code = -18


_BY_CODE = {cls.code: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, VersionError, UnsupportedError,
    AuthenticationError, ThrottledError, ContextWindowOverflowError,
    ProviderTimeoutError, NetworkError, ServerError, ProtocolError,
    CancelledError, InternalError, BadRequestError, NotFoundError, BusyError,
    ValidationError, HTTPError)}


def error_class(code):
    """The exception class of a status; ProviderError for unknown codes
    (the enum is append-only: a newer plugin may return a newer code)."""
    return _BY_CODE.get(code, ProviderError)


def from_json(doc):
    """The exception for error_to_json's object."""
    code = doc.get("code", -13)
    return error_class(code)(
        doc.get("message") or doc.get("name", "error"),
        code=code, name=doc.get("name"),
        http_status=doc.get("httpStatus", 0),
        retryable=bool(doc.get("retryable", False)),
        retry_after_ms=doc.get("retryAfterMs"),
        provider_code=doc.get("providerCode", ""))
