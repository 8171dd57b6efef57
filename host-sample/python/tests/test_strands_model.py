"""ProviderModel (Strands' Model interface) and the agent-loop sample."""

import asyncio
import json
import os
import subprocess
import sys
import unittest

from support import (HELLO, PACKAGE_DIR, PLUGIN, MockServer, mock_config,
                     model_provider)
from model_provider import ProviderModel

SPEC = {"name": "lookup", "description": "Look a word up.",
        "inputSchema": {"json": {"type": "object",
                                 "properties": {"word": {"type": "string"}}}}}


class Person:
    """A person (a stand-in for a pydantic model class)."""

    def __init__(self, name, age):
        self.name, self.age = name, age

    @classmethod
    def model_json_schema(cls):
        return {"title": "Person", "type": "object",
                "properties": {"name": {"type": "string"},
                               "age": {"type": "integer"}},
                "required": ["name", "age"]}


async def collect(agen):
    return [item async for item in agen]


class StrandsModelTest(unittest.TestCase):

    def test_stream_takes_strands_arguments(self):
        with MockServer("it_ok_text.scn") as srv:
            model = ProviderModel(srv.client_args(), plugin=PLUGIN,
                                  model_id="it-ok")
            events = asyncio.run(collect(model.stream(
                HELLO, [SPEC], "Be brief.", tool_choice={"any": {}},
                invocation_state={"agent": "ignored"}, model_state={})))
            body = srv.requests()[0]["body"]
        self.assertEqual(events[0], {"messageStart": {"role": "assistant"}})
        self.assertIn({"messageStop": {"stopReason": "end_turn"}}, events)
        self.assertEqual(body["tools"][0]["function"]["name"], "lookup")
        self.assertEqual(body["tool_choice"], "required")
        self.assertEqual(body["messages"][0]["role"], "system")

    def test_system_prompt_content_is_sent(self):
        with MockServer("it_ok_text.scn") as srv:
            model = ProviderModel(srv.client_args(), plugin=PLUGIN,
                                  model_id="it-ok")
            asyncio.run(collect(model.stream(
                HELLO, system_prompt_content=[{"text": "Rules."},
                                              {"cachePoint": {"type": "default"}}])))
            system = srv.requests()[0]["body"]["messages"][0]
        self.assertEqual(system["content"][0]["text"], "Rules.")
        self.assertEqual(system["content"][0]["cache_control"], {"type": "ephemeral"})

    def test_config_round_trip(self):
        model = ProviderModel(plugin=PLUGIN, model_id="a",
                              context_window_limit=8000)
        model.update_config(model_id="b", params={"max_tokens": 9})
        self.assertEqual(model.get_config(), {"model_id": "b",
                                              "context_window_limit": 8000,
                                              "params": {"max_tokens": 9}})
        self.assertEqual(model.context_window_limit, 8000)
        self.assertFalse(model.stateful)

    def test_structured_output_with_a_model_class_and_a_schema(self):
        with MockServer("so_fenced_json.scn") as srv:
            model = ProviderModel(srv.client_args(), plugin=PLUGIN,
                                  model_id="so-fenced")
            items = asyncio.run(collect(model.structured_output(Person, HELLO)))
            person = items[-1]["output"]
            items = asyncio.run(collect(model.structured_output(
                Person.model_json_schema(), HELLO, "Extract.")))
            bodies = [r["body"] for r in srv.requests()]
        self.assertIsInstance(person, Person)
        self.assertEqual((person.name, person.age), ("Fay", 33))
        self.assertEqual(items[-1], {"output": {"name": "Fay", "age": 33}})
        self.assertEqual(bodies[0]["response_format"]["json_schema"]["name"],
                         "Person")
        self.assertEqual(bodies[1]["messages"][0]["role"], "system")

    def test_redacted_reasoning_arrives_as_bytes(self):
        # Strands holds redacted reasoning as bytes; the JSON has base64.
        from model_provider.strands_model import _strands_event
        ev = {"contentBlockDelta": {"delta": {"reasoningContent": {
            "redactedContent": "AAEC"}}}}
        self.assertEqual(_strands_event(ev)["contentBlockDelta"]["delta"]
                         ["reasoningContent"]["redactedContent"], b"\x00\x01\x02")

    def test_throttling_raises_the_typed_error(self):
        model = ProviderModel(plugin=PLUGIN,
                              **mock_config("litellm.RateLimitError"))
        with self.assertRaises(model_provider.ThrottledError):
            asyncio.run(collect(model.stream(HELLO)))


class AgentLoopSampleTest(unittest.TestCase):

    def test_two_tools_then_the_answer(self):
        with MockServer("py_tool_call.scn", "py_final_answer.scn",
                        sequence=True) as srv:
            out = subprocess.run(
                [sys.executable, os.path.join(PACKAGE_DIR, "agent_loop.py"),
                 "--plugin", PLUGIN, "--config", '{"model_id":"m"}',
                 "--client-args", json.dumps({"api_base": srv.base_url}),
                 "What is 1234567 * 7654321, and how many words has "
                 "'agents call tools in parallel'?"],
                capture_output=True, text=True, timeout=60)
            n = len(srv.requests())
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(n, 2)
        self.assertIn("[tool] calculator", out.stderr)
        self.assertIn("-> 9449772114007", out.stderr)
        self.assertIn("-> 5", out.stderr)
        self.assertTrue(out.stdout.endswith(
            "It is 9449772114007; the sentence has 5 words.\n"), out.stdout)


if __name__ == "__main__":
    unittest.main()
