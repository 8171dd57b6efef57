"""Cancellation: from another thread, by leaving the loop, before the
call begins; the instance serves the next call afterwards."""

import threading
import time
import unittest

from support import HELLO, PluginTestCase, mock_config, model_provider


class CancelTest(PluginTestCase):

    SCENARIOS = ("slow_answer.scn", "it_ok_text.scn")

    def slow(self):
        """An instance whose answer takes about 1.3 s (an event every
        100 ms, slow_answer.scn)."""
        return self.p.create({"model_id": "slow-answer"}, self.srv.client_args())

    def test_cancel_from_another_thread_mid_stream(self):
        with self.slow() as m:
            s = m.stream(messages=HELLO)
            first = next(s)
            self.assertIn("messageStart", first)
            t0 = time.monotonic()
            threading.Thread(target=m.cancel).start()
            rest = []
            with self.assertRaises(model_provider.CancelledError):
                for ev in s:
                    rest.append(ev)
            took = time.monotonic() - t0
            # The answer had 1.2 s to go: it was cut short, not waited out.
            self.assertLess(took, 0.8)
            self.assertFalse(any("messageStop" in e for e in rest))
            self.assertIsNone(s.result)
            self.assertEqual(m.call(messages=HELLO)["stopReason"], "end_turn")

    def test_cancel_wakes_a_call_that_waits_for_the_server(self):
        cfg = mock_config("late", mock_delay=30)
        with self.p.create(cfg) as m:
            threading.Timer(0.1, m.cancel).start()
            t0 = time.monotonic()
            with self.assertRaises(model_provider.CancelledError):
                m.call(messages=HELLO)
            self.assertLess(time.monotonic() - t0, 5)

    def test_leaving_the_loop_cancels_the_call(self):
        with self.slow() as m:
            t0 = time.monotonic()
            with m.stream(messages=HELLO) as s:
                for ev in s:
                    if "contentBlockDelta" in ev:
                        break
            self.assertLess(time.monotonic() - t0, 0.8)
            self.assertIsNone(s.result)
            # Not blocked: the next call gets the instance at once.
            self.assertEqual(m.call(messages=HELLO)["stopReason"], "end_turn")

    def test_a_stream_cancelled_before_its_call_begins_never_runs(self):
        with self.slow() as m:
            first = m.stream(messages=HELLO)   # holds the instance
            second = m.stream(messages=HELLO)  # waits for it
            second.cancel()
            with self.assertRaises(model_provider.CancelledError):
                list(second)
            # Cancelling the waiting one left the running one alone.
            events = list(first)
            self.assertIn({"messageStop": {"stopReason": "end_turn"}}, events)
            self.assertEqual(first.result["message"]["content"][0]["text"],
                             "one two three four five six seven eight nine ten")

    def test_calls_on_one_instance_are_serialised(self):
        with self.p.create({"model_id": "it-ok"}, self.srv.client_args()) as m:
            results = []
            threads = [threading.Thread(
                target=lambda: results.append(m.call(messages=HELLO)))
                for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual([r["stopReason"] for r in results], ["end_turn"] * 3)

    def test_separate_instances_run_in_parallel(self):
        a, b = self.slow(), self.slow()
        try:
            t0 = time.monotonic()
            sa, sb = a.stream(messages=HELLO), b.stream(messages=HELLO)
            list(sa), list(sb)
            # Two 1.3 s answers at once (the GIL is released while the
            # plugin waits), not one after the other (2.6 s).
            self.assertLess(time.monotonic() - t0, 2.2)
        finally:
            a.close()
            b.close()


if __name__ == "__main__":
    unittest.main()
