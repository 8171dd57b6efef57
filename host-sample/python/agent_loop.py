#!/usr/bin/env python3
"""A short agent loop over a provider plugin, in Python with the standard
library alone: the model may call a calculator and a word counter; their
results go back to it until it gives a final answer, streamed as it
arrives.

    python3 host-sample/python/agent_loop.py \\
        --plugin build/litellm_provider.so \\
        --config '{"model_id": "gpt-4o-mini"}' "What is 1234567 * 7654321?"

The API key comes from the environment (e.g. LITELLM_API_KEY or
OPENAI_API_KEY), never from the command line.
"""

import argparse
import ast
import json
import operator
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import model_provider  # noqa: E402

TOOLS = [
    {"name": "calculator",
     "description": "Evaluate an arithmetic expression exactly.",
     "inputSchema": {"json": {
         "type": "object",
         "properties": {"expression": {"type": "string"}},
         "required": ["expression"]}}},
    {"name": "word_count",
     "description": "Count the words of a text.",
     "inputSchema": {"json": {
         "type": "object",
         "properties": {"text": {"type": "string"}},
         "required": ["text"]}}},
]

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod, ast.USub: operator.neg, ast.UAdd: operator.pos}


def calculate(expression):
    """+ - * / // % and parentheses over numbers; nothing else runs."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise ValueError("unsupported expression")
    return str(ev(ast.parse(expression, mode="eval")))


def run_tool(tool_use):
    """One toolUse -> its toolResult block (status "error" on failure)."""
    name, args = tool_use["name"], tool_use.get("input") or {}
    try:
        if name == "calculator":
            text = calculate(args["expression"])
        elif name == "word_count":
            text = str(len(args["text"].split()))
        else:
            raise ValueError("no tool named %r" % name)
        status = "success"
    except (KeyError, ValueError, ZeroDivisionError, SyntaxError) as e:
        text, status = "error: %s" % e, "error"
    return {"toolResult": {"toolUseId": tool_use["toolUseId"],
                           "status": status, "content": [{"text": text}]}}


def ask(model, messages, system_prompt=None, max_turns=10):
    """Run the loop for the last user message; returns the final message.
    `messages` grows with every assistant message and tool result."""
    for _ in range(max_turns):
        stream = model.stream(messages=messages, tool_specs=TOOLS,
                              system_prompt=system_prompt)
        for event in stream:
            delta = event.get("contentBlockDelta", {}).get("delta", {})
            if "text" in delta:
                print(delta["text"], end="", flush=True)
        print()
        message = stream.result["message"]
        messages.append(message)
        tool_uses = [b["toolUse"] for b in message["content"] if "toolUse" in b]
        if stream.result["stopReason"] != "tool_use" or not tool_uses:
            return message
        results = []
        for tu in tool_uses:
            results.append(run_tool(tu))
            print("[tool] %s %s -> %s" % (
                tu["name"], json.dumps(tu.get("input")),
                results[-1]["toolResult"]["content"][0]["text"]),
                file=sys.stderr)
        messages.append({"role": "user", "content": results})
    raise RuntimeError("no final answer after %d model calls" % max_turns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plugin", default=model_provider.default_plugin_path())
    ap.add_argument("--config", default="{}", help="the model config (JSON)")
    ap.add_argument("--client-args", default="{}", help="client args (JSON)")
    ap.add_argument("--system", help="the system prompt")
    ap.add_argument("prompt")
    args = ap.parse_args()
    try:
        with model_provider.Provider(args.plugin) as provider, \
                provider.create(args.config, args.client_args) as model:
            messages = [{"role": "user", "content": [{"text": args.prompt}]}]
            ask(model, messages, args.system)
    except model_provider.ThrottledError as e:
        when = " in %.1f s" % e.retry_after if e.retry_after is not None else ""
        sys.exit("agent_loop: rate limited; try again%s: %s" % (when, e.message))
    except model_provider.ProviderError as e:
        sys.exit("agent_loop: %s" % e)


if __name__ == "__main__":
    main()
