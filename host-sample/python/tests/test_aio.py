"""The asyncio wrapper: events reach the loop as they arrive, and a
cancelled task cancels the plugin call."""

import asyncio
import time
import unittest

from support import HELLO, PluginTestCase, mock_config, model_provider
from model_provider import AsyncInstance

PERSON = {"title": "Person", "type": "object",
          "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"]}


class AioTest(PluginTestCase):

    SCENARIOS = ("slow_answer.scn", "so_fenced_json.scn")

    async def cancel_task(self, task):
        """Cancel `task`; it must end cancelled.  Returns how long that
        took, in seconds."""
        t0 = time.monotonic()
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        return time.monotonic() - t0

    def model(self, model_id):
        return AsyncInstance(self.p.create({"model_id": model_id},
                                           self.srv.client_args()))

    def test_stream_delivers_events_while_the_loop_runs(self):
        async def main():
            m = self.model("slow-answer")
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.02)
                    ticks += 1

            t = asyncio.create_task(ticker())
            texts = []
            s = m.stream(messages=HELLO)
            async for ev in s:
                if "contentBlockDelta" in ev:
                    texts.append(ev["contentBlockDelta"]["delta"]["text"])
            t.cancel()
            m.instance.close()
            return texts, s.result, ticks

        texts, result, ticks = asyncio.run(main())
        self.assertEqual("".join(texts), "one two three four five six seven "
                         "eight nine ten")
        self.assertEqual(result["stopReason"], "end_turn")
        # The loop kept running during the 1.3 s call (not blocked by it).
        self.assertGreater(ticks, 20)

    def test_cancelling_the_task_cancels_the_call(self):
        async def main():
            m = self.model("slow-answer")
            seen = []

            async def consume():
                async for ev in m.stream(messages=HELLO):
                    seen.append(ev)

            task = asyncio.create_task(consume())
            while not any("contentBlockDelta" in e for e in seen):
                await asyncio.sleep(0.01)
            took = await self.cancel_task(task)
            # The plugin call has ended (the instance is free): the next
            # call starts at once and completes.
            result = await m.call(messages=HELLO)
            m.instance.close()
            return seen, took, result

        seen, took, result = asyncio.run(main())
        self.assertLess(took, 0.8)   # not the 1.2 s left of the answer
        self.assertFalse(any("messageStop" in e for e in seen))
        self.assertEqual(result["stopReason"], "end_turn")

    def test_cancelling_a_waiting_call_wakes_it(self):
        async def main():
            m = AsyncInstance(self.p.create(mock_config("x", mock_delay=30)))
            task = asyncio.create_task(m.call(messages=HELLO))
            await asyncio.sleep(0.1)
            took = await self.cancel_task(task)
            m.instance.close()
            return took

        self.assertLess(asyncio.run(main()), 5)

    def test_wait_for_timeout_cancels_structured_output(self):
        async def main():
            m = AsyncInstance(self.p.create(mock_config("x", mock_delay=30)))
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(
                    m.structured_output(PERSON, messages=HELLO), 0.2)
            m.instance.close()

        t0 = time.monotonic()
        asyncio.run(main())
        self.assertLess(time.monotonic() - t0, 5)

    def test_structured_output(self):
        async def main():
            m = self.model("so-fenced")
            try:
                return await m.structured_output(
                    PERSON, messages=HELLO), self.srv.requests()[-1]["body"]
            finally:
                m.instance.close()

        out, body = asyncio.run(main())
        self.assertEqual(out, {"name": "Fay", "age": 33})
        self.assertEqual(body["response_format"]["json_schema"]["name"], "Person")

    def test_errors_are_raised_in_the_task(self):
        async def main():
            m = AsyncInstance(self.p.create(
                mock_config("litellm.ContextWindowExceededError")))
            try:
                async for _ in m.stream(messages=HELLO):
                    pass
            finally:
                m.instance.close()

        with self.assertRaises(model_provider.ContextWindowOverflowError):
            asyncio.run(main())


if __name__ == "__main__":
    unittest.main()
