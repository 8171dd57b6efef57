"""Typed exceptions: one class per status, with the plugin's detail."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from support import (HELLO, PACKAGE_DIR, PLUGIN, MockServer, mock_config,
                     PluginTestCase, model_provider)
from model_provider import errors


class ErrorsTest(PluginTestCase):

    def call(self, srv, model, **client):
        with self.p.create({"model_id": model}, srv.client_args(**client)) as m:
            with self.assertRaises(model_provider.ProviderError) as cm:
                m.call(messages=HELLO)
        return cm.exception

    def test_every_status_has_its_class_named_as_the_plugin_names_it(self):
        for code in range(-1, -19, -1):
            cls = model_provider.error_class(code)
            self.assertEqual(cls.code, code)
            self.assertIsNot(cls, model_provider.ProviderError)
        # A code newer than this package still raises a ProviderError.
        self.assertIs(model_provider.error_class(-99),
                      model_provider.ProviderError)
        self.assertEqual(self.p.errname(-6), "MP_E_THROTTLED")
        self.assertEqual(self.p.strerror(-7), "context window overflow")

    def test_throttled_carries_retry_after_in_seconds(self):
        with MockServer("it_429_always.scn") as srv:
            e = self.call(srv, "it-429-always")
        self.assertIsInstance(e, model_provider.ThrottledError)
        self.assertEqual((e.code, e.name, e.http_status), (-6, "MP_E_THROTTLED", 429))
        self.assertTrue(e.retryable)
        self.assertEqual(e.retry_after_ms, 200)
        self.assertAlmostEqual(e.retry_after, 0.2)
        self.assertIn("Rate limit reached", e.message)

    def test_throttled_without_retry_after(self):
        with self.p.create(mock_config("litellm.RateLimitError")) as m:
            with self.assertRaises(model_provider.ThrottledError) as cm:
                m.call(messages=HELLO)
        self.assertIsNone(cm.exception.retry_after)

    def test_context_overflow(self):
        with MockServer("it_overflow_openai.scn") as srv:
            e = self.call(srv, "it-overflow-openai")
        self.assertIsInstance(e, model_provider.ContextWindowOverflowError)
        self.assertEqual(e.provider_code, "context_length_exceeded")
        self.assertEqual(e.http_status, 400)

    def test_authentication_never_shows_the_key(self):
        with MockServer("it_401_echo_key.scn") as srv:
            e = self.call(srv, "it-401", api_key="it-secret-api-key-42")
        self.assertIsInstance(e, model_provider.AuthenticationError)
        self.assertNotIn("it-secret-api-key-42", str(e))
        # The message says where the call went.
        self.assertIn("POST http://127.0.0.1", e.message)

    def test_not_found_and_server_error(self):
        with MockServer("it_404.scn", "it_500.scn") as srv:
            self.assertIsInstance(self.call(srv, "it-404"),
                                  model_provider.NotFoundError)
            self.assertIsInstance(self.call(srv, "it-500"),
                                  model_provider.ServerError)

    def test_connection_refused_is_a_network_error(self):
        srv = MockServer("it_ok_text.scn")
        args = srv.client_args()
        srv.close()     # nothing listens on that port now
        with self.p.create({"model_id": "it-ok"}, args) as m:
            with self.assertRaises(model_provider.NetworkError) as cm:
                m.call(messages=HELLO)
        self.assertIsInstance(cm.exception, ConnectionError)

    def test_timeout_is_a_timeout_error(self):
        cfg = mock_config("x", mock_timeout=True)
        with self.p.create(cfg, {"timeout": 0.05}) as m:
            with self.assertRaises(TimeoutError) as cm:
                m.call(messages=HELLO)
        self.assertIsInstance(cm.exception, model_provider.ProviderTimeoutError)

    def test_strands_exceptions_when_strands_is_installed(self):
        # A stand-in `strands` package (the real one is not installed
        # here): the package must pick up its exception and Model classes.
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "strands")
            for sub in ("", "types", "models"):
                os.makedirs(os.path.join(pkg, sub), exist_ok=True)
                open(os.path.join(pkg, sub, "__init__.py"), "w").close()
            with open(os.path.join(pkg, "types", "exceptions.py"), "w") as f:
                f.write(textwrap.dedent("""
                    class ModelThrottledException(Exception):
                        def __init__(self, message):
                            super().__init__(message)
                            self.message = message
                    class ContextWindowOverflowException(Exception):
                        pass
                """))
            with open(os.path.join(pkg, "models", "model.py"), "w") as f:
                f.write(textwrap.dedent("""
                    import abc
                    class Model(abc.ABC):
                        @abc.abstractmethod
                        def update_config(self, **c): ...
                        @abc.abstractmethod
                        def get_config(self): ...
                        @abc.abstractmethod
                        def structured_output(self, output_model, prompt,
                                              system_prompt=None, **kw): ...
                        @abc.abstractmethod
                        def stream(self, messages, tool_specs=None,
                                   system_prompt=None, **kw): ...
                """))
            script = textwrap.dedent("""
                from strands.types.exceptions import (
                    ModelThrottledException, ContextWindowOverflowException)
                from strands.models.model import Model
                import model_provider as mp
                e = mp.ThrottledError("slow down", retry_after_ms=1500)
                assert isinstance(e, ModelThrottledException)
                assert e.message == "slow down" and e.retry_after == 1.5
                assert issubclass(mp.ContextWindowOverflowError,
                                  ContextWindowOverflowException)
                m = mp.ProviderModel(plugin=%r, model_id="x")
                assert isinstance(m, Model)
                print("ok")
            """ % PLUGIN)
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([d, PACKAGE_DIR]))
            out = subprocess.run([sys.executable, "-c", script], env=env,
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_without_strands_the_classes_stand_alone(self):
        try:
            import strands  # noqa: F401
            self.skipTest("Strands is installed here")
        except ImportError:
            pass
        self.assertEqual(model_provider.ThrottledError.__mro__[1:3],
                         (model_provider.ProviderError, Exception))
        self.assertEqual(errors._strands_base("ModelThrottledException"), ())


if __name__ == "__main__":
    unittest.main()
