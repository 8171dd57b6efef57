"""Provider and Instance: loading, negotiation, config, stream, call."""

import base64
import ctypes
import json
import logging
import unittest

from support import (HELLO, PLUGIN, REPLAY_PLUGIN, MockServer, mock_config,
                     PluginTestCase, model_provider)
from model_provider import _abi


class ProviderTest(PluginTestCase):

    def test_negotiates_1_1_and_mirrors_the_whole_descriptor(self):
        self.assertEqual(self.p.abi_minor, 1)
        self.assertEqual(self.p.id, "org.strands.litellm")
        self.assertIn("stream_json", self.p.capabilities)
        # The ctypes mirror ends exactly where the plugin's 1.1 descriptor
        # does: a field missing or added would shift every later one.
        self.assertEqual(self.p._d.struct_size, ctypes.sizeof(_abi.ProviderV1))

    def test_a_1_0_plugin_is_refused_with_the_reason(self):
        with self.assertRaises(model_provider.VersionError) as cm:
            model_provider.Provider(REPLAY_PLUGIN)
        self.assertIn("speaks ABI 1.0", str(cm.exception))
        self.assertIn("stream_json", str(cm.exception))

    def test_stream_yields_strands_events_and_the_result(self):
        with self.p.create(mock_config("It is 391.")) as m:
            s = m.stream(messages=HELLO)
            events = list(s)
        self.assertEqual(events[0], {"messageStart": {"role": "assistant"}})
        text = "".join(e["contentBlockDelta"]["delta"]["text"]
                       for e in events if "contentBlockDelta" in e)
        self.assertEqual(text, "It is 391.")
        self.assertIn({"messageStop": {"stopReason": "end_turn"}}, events)
        self.assertEqual(s.result["message"],
                         {"role": "assistant", "content": [{"text": "It is 391."}]})
        self.assertEqual(s.result["stopReason"], "end_turn")
        self.assertEqual(s.result["usage"]["totalTokens"], 30)

    def test_call_against_the_mock_server(self):
        with MockServer("it_ok_text.scn") as srv, \
                self.p.create({"model_id": "it-ok"}, srv.client_args()) as m:
            seen = []
            result = m.call(messages=HELLO, system_prompt="Be brief.",
                            on_event=seen.append)
            body = srv.requests()[0]["body"]
        self.assertEqual(result["message"]["content"], [{"text": "Hello, world"}])
        self.assertEqual(result["usage"], {"inputTokens": 3, "outputTokens": 2,
                                           "totalTokens": 5})
        self.assertEqual(seen[-1]["metadata"]["usage"]["totalTokens"], 5)
        self.assertEqual(body["messages"][0], {
            "role": "system", "content": [{"type": "text", "text": "Be brief."}]})
        self.assertEqual(body["model"], "it-ok")

    def test_on_event_returning_true_cancels(self):
        with self.p.create(mock_config("a long enough answer")) as m:
            seen = []
            with self.assertRaises(model_provider.CancelledError):
                m.call(messages=HELLO, on_event=lambda e: seen.append(e) or
                       len(seen) == 3)
            self.assertEqual(len(seen), 3)
            # The instance serves the next call.
            self.assertEqual(m.call(messages=HELLO)["stopReason"], "end_turn")

    def test_an_exception_in_on_event_stops_the_call_and_is_raised(self):
        with self.p.create(mock_config("some text")) as m:
            def boom(_event):
                raise KeyError("from the callback")
            with self.assertRaises(KeyError):
                m.call(messages=HELLO, on_event=boom)

    def test_bytes_in_a_message_go_as_base64(self):
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(32))
        msgs = [{"role": "user", "content": [
            {"text": "what is this?"},
            {"image": {"format": "png", "source": {"bytes": png}}}]}]
        with MockServer("it_ok_text.scn") as srv, \
                self.p.create({"model_id": "it-ok"}, srv.client_args()) as m:
            m.call(messages=msgs)
            part = srv.requests()[0]["body"]["messages"][0]["content"][1]
        self.assertEqual(part["image_url"]["url"],
                         "data:image/png;base64," + base64.b64encode(png).decode())

    def test_get_config_redacts_and_update_config_merges(self):
        with self.p.create({"model_id": "a"}, {"api_key": "sk-secret-py"}) as m:
            m.update_config(params={"max_tokens": 5})
            m.update_config({"model_id": "b"})
            cfg = m.get_config()
        self.assertEqual(cfg["config"], {"model_id": "b",
                                         "params": {"max_tokens": 5}})
        self.assertEqual(cfg["client_args"]["api_key"], "<redacted>")
        self.assertNotIn("sk-secret-py", json.dumps(cfg))

    def test_unknown_config_keys_reach_the_logger(self):
        with self.assertLogs("model_provider", logging.WARNING) as logs:
            self.p.create({"model_id": "a", "temperatur": 1}).close()
        self.assertIn("temperatur", "\n".join(logs.output))

    def test_bad_config_is_invalid_argument_naming_the_key(self):
        with self.assertRaises(model_provider.InvalidArgumentError) as cm:
            self.p.create({"model_id": 42})
        e = cm.exception
        self.assertEqual((e.code, e.name), (-1, "MP_E_INVALID_ARGUMENT"))
        self.assertIn("config.model_id", e.message)
        self.assertIsInstance(e, ValueError)

    def test_bad_request_json_text_names_the_path(self):
        with self.p.create(mock_config("x")) as m:
            with self.assertRaises(model_provider.InvalidArgumentError) as cm:
                m.call('{"messages":[{"role":"user","content":[{"txt":"hi"}]}]}')
        self.assertIn("messages[0].content[0]", cm.exception.message)

    def test_nan_is_refused_before_it_reaches_the_plugin(self):
        with self.p.create(mock_config("x")) as m:
            with self.assertRaises(model_provider.InvalidArgumentError):
                m.call(messages=HELLO, tool_specs=[{
                    "name": "t", "inputSchema": {"json": {"max": float("nan")}}}])

    def test_deinit_with_a_live_instance_is_busy(self):
        p = model_provider.Provider(PLUGIN)
        m = p.create({"model_id": "x"})
        # The class's own Provider keeps the plugin initialised, so this
        # close is a nested deinit: it succeeds.  The last one would not.
        p.close()
        m.close()
        q = model_provider.Provider(PLUGIN)
        self.p.close()   # leave q as the only init
        try:
            m2 = q.create({"model_id": "x"})
            with self.assertRaises(model_provider.BusyError):
                q.close()
            m2.close()
            q.close()
        finally:
            type(self).p = model_provider.Provider(PLUGIN)

    def test_a_closed_instance_refuses_calls(self):
        m = self.p.create(mock_config("x"))
        m.close()
        with self.assertRaises(model_provider.InvalidArgumentError):
            m.call(messages=HELLO)
        m.close()  # twice is fine


if __name__ == "__main__":
    unittest.main()
