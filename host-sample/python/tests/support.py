"""What the Python tests share: where the build is, and the scripted mock
server (build/mock-server) with scenarios from tests/scenarios.

Paths come from the environment tests/run_all.sh sets (MP_BUILD_DIR), else
the repository's build/ folder.
"""

import json
import logging
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(HERE)                       # host-sample/python
REPO = os.path.dirname(os.path.dirname(PACKAGE_DIR))
BUILD = os.environ.get("MP_BUILD_DIR") or os.path.join(REPO, "build")
PLUGIN = os.path.join(BUILD, "litellm_provider.so")
REPLAY_PLUGIN = os.path.join(BUILD, "replay_provider.so")
MOCK_SERVER = os.path.join(BUILD, "mock-server")
SCENARIOS = os.path.join(REPO, "tests", "scenarios")

if PACKAGE_DIR not in sys.path:
    sys.path.insert(0, PACKAGE_DIR)

import model_provider  # noqa: E402

# The plugin's warnings (some tests provoke them) stay out of the test
# output; assertLogs still sees them.
logging.getLogger("model_provider").addHandler(logging.NullHandler())

HELLO = [{"role": "user", "content": [{"text": "hi"}]}]


def mock_config(text, **params):
    """A config answered by LiteLLM's offline mock hook (no server)."""
    return {"model_id": "openai/gpt-4o",
            "params": dict(params, mock_response=text)}


class MockServer:
    """build/mock-server on 127.0.0.1 with the given scenario files (names
    in tests/scenarios or paths), recording every request."""

    def __init__(self, *scenarios, sequence=False):
        self._dir = tempfile.TemporaryDirectory(prefix="py-mock-")
        self.record = os.path.join(self._dir.name, "record.jsonl")
        args = [MOCK_SERVER, "--quiet", "--record", self.record]
        for s in scenarios:
            args += ["--scenario", s if os.path.isabs(s)
                     else os.path.join(SCENARIOS, s)]
        if sequence:
            args.append("--sequence")
        self._proc = subprocess.Popen(args, stdout=subprocess.PIPE)
        line = self._proc.stdout.readline().decode()
        if not line.startswith("PORT="):
            self.close()
            raise RuntimeError("mock-server did not start: %r" % line)
        self.port = int(line[5:])
        self.base_url = "http://127.0.0.1:%d" % self.port

    def client_args(self, **extra):
        return dict({"api_base": self.base_url, "api_key": "sk-py-test"},
                    **extra)

    def requests(self):
        """The chat requests the server received, as recorded."""
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [r for r in rows if r.get("path", "").endswith(
            "/chat/completions")]

    def close(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait()
        self._proc.stdout.close()
        self._dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PluginTestCase(unittest.TestCase):
    """A test class with the LiteLLM provider loaded (self.p) and, when
    SCENARIOS names any, a mock server playing them (self.srv)."""

    SCENARIOS = ()

    @classmethod
    def setUpClass(cls):
        cls.p = model_provider.Provider(PLUGIN)
        cls.srv = MockServer(*cls.SCENARIOS) if cls.SCENARIOS else None

    @classmethod
    def tearDownClass(cls):
        if cls.srv:
            cls.srv.close()
        cls.p.close()
