"""model_provider: load a model-provider plugin (abi/model_provider.h) from
Python with ctypes alone (no third-party package).

    Provider(path)            one plugin: negotiated (ABI >= 1.1), initialised
    Provider.create(config, client_args) -> Instance
    Instance.stream(...)      StreamEvent dicts as they arrive (.result after)
    Instance.call(...)        the same on this thread, returns the result
    Instance.structured_output(schema, ...) -> dict
    Instance.cancel()         from any thread
    AsyncInstance(instance)   the same for asyncio; a cancelled task cancels
    ProviderModel(...)        Strands' Model interface over a plugin
    errors                    one exception class per status

See host-sample/python/README.md.
"""

from .aio import AsyncInstance, AsyncStream
from .errors import (AuthenticationError, BadRequestError, BusyError,
                     CancelledError, ContextWindowOverflowError, HTTPError,
                     InternalError, InvalidArgumentError, NetworkError,
                     NotFoundError, OutOfMemoryError, ProtocolError,
                     ProviderError, ProviderTimeoutError, ServerError,
                     ThrottledError, UnsupportedError, ValidationError,
                     VersionError, error_class)
from .provider import Instance, Provider, Stream, build_request
from .strands_model import ProviderModel, default_plugin_path

__all__ = [
    "AsyncInstance", "AsyncStream", "AuthenticationError", "BadRequestError",
    "BusyError", "CancelledError", "ContextWindowOverflowError", "HTTPError",
    "Instance", "InternalError", "InvalidArgumentError", "NetworkError",
    "NotFoundError", "OutOfMemoryError", "ProtocolError", "Provider",
    "ProviderError", "ProviderModel", "ProviderTimeoutError", "ServerError",
    "Stream", "ThrottledError", "UnsupportedError", "ValidationError",
    "VersionError", "build_request", "default_plugin_path", "error_class",
]
