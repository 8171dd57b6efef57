"""asyncio on top of Instance: the blocking call runs on a worker thread,
its events reach the event loop as they arrive, and cancelling the task
cancels the plugin call (the plugin's cancel(), which wakes the transfer at
once) and waits for it to end, so the instance is free again afterwards.

    model = AsyncInstance(provider.create({"model_id": "gpt-4o-mini"}))
    async with model.stream(messages=msgs) as events:
        async for event in events:
            ...
    answer = await model.structured_output(schema, messages=msgs)
"""

import asyncio
import threading

from .provider import _Call, Instance

_END = object()


def _post(loop, fn, *args):
    """fn(*args) on the loop's thread; nothing when the loop is gone."""
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the loop was closed meanwhile
        pass


def _settle(fut, result, error):
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)


async def _on_worker(instance, call, work):
    """await work() run on its own thread; a cancelled task cancels `call`
    and still waits for the plugin call to end."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def run():
        try:
            result, error = work(), None
        except BaseException as e:  # noqa: BLE001 - handed to the task
            result, error = None, e
        _post(loop, _settle, done, result, error)

    threading.Thread(target=run, name="model_provider-async",
                     daemon=True).start()
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        instance._cancel_call(call)
        try:
            await asyncio.shield(done)
        except BaseException:  # noqa: BLE001 - the call's own end
            pass
        raise


class AsyncInstance:
    """An Instance for asyncio code (the Instance stays usable as is)."""

    def __init__(self, instance):
        if not isinstance(instance, Instance):
            raise TypeError("AsyncInstance wraps an Instance")
        self.instance = instance

    def stream(self, request=None, **request_keys):
        """An AsyncStream of StreamEvent dicts; .result afterwards."""
        body = self.instance._request_bytes(request, request_keys)
        return AsyncStream(self.instance, body)

    async def call(self, request=None, **request_keys):
        """Instance.call() without the events: the accumulated result."""
        body = self.instance._request_bytes(request, request_keys)
        call = _Call()
        return await _on_worker(self.instance, call,
                                lambda: self.instance._run(body, None, call))

    async def structured_output(self, schema, request=None, *, name=None,
                                description=None, **request_keys):
        body = self.instance._request_bytes(request, request_keys)
        call = _Call()
        return await _on_worker(
            self.instance, call,
            lambda: self.instance._structured(body, schema, name,
                                              description, call))

    def cancel(self):
        self.instance.cancel()

    async def update_config(self, config=None, **keys):
        self.instance.update_config(config, **keys)

    def get_config(self):
        return self.instance.get_config()


class AsyncStream:
    """`async for event in stream`; the call starts at the first
    iteration.  A cancelled task, aclose() or leaving `async with` early
    cancel the call and wait for it to end."""

    def __init__(self, instance, body):
        self._inst = instance
        self._body = body
        self._call = _Call()
        self._queue = None
        self._finished = None
        self._done = False
        self.result = None

    def _start(self):
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._finished = loop.create_future()
        queue, finished, call = self._queue, self._finished, self._call

        def run():
            try:
                result = self._inst._run(
                    self._body, lambda ev: _post(loop, queue.put_nowait, ev),
                    call)
                error = None
            except BaseException as e:  # noqa: BLE001 - handed to the task
                result, error = None, e
            _post(loop, _settle, finished, result, error)
            _post(loop, queue.put_nowait, _END)

        threading.Thread(target=run, name="model_provider-async-stream",
                         daemon=True).start()

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._done:
            raise StopAsyncIteration
        if self._queue is None:
            self._start()
        try:
            item = await self._queue.get()
        except asyncio.CancelledError:
            await self._cancel_and_wait()
            raise
        if item is not _END:
            return item
        self._done = True
        self.result = await self._finished  # raises the call's error
        raise StopAsyncIteration

    async def _cancel_and_wait(self):
        self._done = True
        self._inst._cancel_call(self._call)
        if self._finished is not None:
            try:
                await asyncio.shield(self._finished)
            except BaseException:  # noqa: BLE001 - the call's own end
                pass

    async def aclose(self):
        if not self._done:
            await self._cancel_and_wait()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()
