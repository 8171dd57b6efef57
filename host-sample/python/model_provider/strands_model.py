"""ProviderModel: a plugin behind Strands Agents' Model interface.

It has the method names and arguments of `strands.models.model.Model`
(reference-behaviour section 1), so a Strands user can pass it where a
model is expected:

    from strands import Agent
    from model_provider import ProviderModel

    model = ProviderModel(client_args={"api_base": "http://localhost:4000"},
                          model_id="gpt-4o-mini", params={"max_tokens": 500})
    agent = Agent(model=model)

- stream(messages, tool_specs=None, system_prompt=None, *, tool_choice=None,
  system_prompt_content=None, invocation_state=None, **kwargs) is an async
  iterator of StreamEvent dicts;
- structured_output(output_model, prompt, system_prompt=None, **kwargs) is
  an async generator whose last item is {"output": <output_model
  instance>}; output_model is a pydantic model class (its JSON Schema is
  sent) or a JSON Schema dict (the validated dict comes back);
- update_config(**model_config) / get_config(), stateful,
  context_window_limit.

With Strands installed the class derives from Strands' Model and raises
Strands' ModelThrottledException / ContextWindowOverflowException (see
errors.py), which the agent loop retries or answers by shrinking the
conversation.  Without it the class works the same on its own.
"""

import base64
import os

from .aio import AsyncInstance
from .provider import Provider


def _strands_model_base():
    try:
        from strands.models.model import Model  # noqa: PLC0415
    except ImportError:
        return object
    return Model


def default_plugin_path():
    """$MODEL_PROVIDER_PLUGIN, else the installed LiteLLM provider."""
    env = os.environ.get("MODEL_PROVIDER_PLUGIN")
    if env:
        return env
    for prefix in ("/usr/local", "/usr"):
        path = prefix + "/lib/model-providers/litellm_provider.so"
        if os.path.exists(path):
            return path
    return "litellm_provider.so"  # found through the loader's search path


def _strands_event(event):
    """Strands holds redacted reasoning as bytes; JSON carries base64."""
    delta = event.get("contentBlockDelta", {}).get("delta", {})
    reasoning = delta.get("reasoningContent")
    if isinstance(reasoning, dict) and isinstance(
            reasoning.get("redactedContent"), str):
        reasoning["redactedContent"] = base64.b64decode(
            reasoning["redactedContent"])
    return event


class ProviderModel(_strands_model_base()):
    """A Strands-shaped model over a provider plugin (LiteLLM's by
    default).  Constructor arguments as Strands' LiteLLMModel:
    client_args (credentials, endpoint, timeouts) and the model config as
    keywords (model_id, params, ...); `plugin` names another .so."""

    stateful = False

    def __init__(self, client_args=None, *, plugin=None, **model_config):
        self.provider = Provider(plugin or default_plugin_path())
        self._model = AsyncInstance(
            self.provider.create(model_config, client_args or {}))

    # -- config -------------------------------------------------------------

    def update_config(self, **model_config):
        self._model.instance.update_config(model_config)

    def get_config(self):
        return self._model.instance.get_config()["config"]

    @property
    def context_window_limit(self):
        return self.get_config().get("context_window_limit")

    # -- calls --------------------------------------------------------------

    async def stream(self, messages, tool_specs=None, system_prompt=None, *,
                     tool_choice=None, system_prompt_content=None,
                     invocation_state=None, **kwargs):
        """StreamEvent dicts as they arrive.  Strands' invocation_state and
        model_state (in kwargs) concern the agent, not the request."""
        request = {"messages": messages}
        if tool_specs:
            request["tool_specs"] = tool_specs
        if system_prompt is not None:
            request["system_prompt"] = system_prompt
        if tool_choice:
            request["tool_choice"] = tool_choice
        if system_prompt_content is not None:
            request["system_prompt_content"] = system_prompt_content
        events = self._model.stream(request)
        async with events:
            async for event in events:
                yield _strands_event(event)

    async def structured_output(self, output_model, prompt,
                                system_prompt=None, **kwargs):
        request = {"messages": prompt}
        if system_prompt is not None:
            request["system_prompt"] = system_prompt
        if isinstance(output_model, dict):
            schema, name, description = output_model, None, None
        else:  # a pydantic model class
            schema = output_model.model_json_schema()
            name = output_model.__name__
            description = (output_model.__doc__ or "").strip() or None
        data = await self._model.structured_output(
            schema, request, name=name, description=description)
        if isinstance(output_model, dict):
            yield {"output": data}
        else:
            yield {"output": output_model(**data)}
