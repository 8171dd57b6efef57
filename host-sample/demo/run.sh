#!/usr/bin/env bash
# The demo (`make demo`, i.e. host-sample/demo/run.sh BUILD).
#
# Offline by default: a scripted model server (build/mock-server) plays a
# model that asks for two tools at once, one call carrying a Gemini
# thought signature; the sample host runs both tools, sends the results
# back (the signature with them), hot-swaps the conversation to a second
# provider before model call 2, and prints the final answer.  Then the
# recorded run is replayed with replay_provider.so, with no server at all.
# Last, the same conversation goes on with an anthropic/ provider (the
# scripted server now answering as Anthropic's Messages API) and swaps
# back to the proxy: tool calls, results and reasoning move across the two
# wire formats, and what one cannot carry is left out with a warning.
#
# With LITELLM_API_BASE or LITELLM_API_KEY set (a LiteLLM proxy), or with
# LITELLM_MODEL=<prefix>/<model> and that provider's key (openai/,
# gemini/, groq/, mistral/, deepseek/, openrouter/), the same steps run
# against the real model (LITELLM_MODEL, default gpt-4o-mini); with
# ANTHROPIC_API_KEY also set, step 5 calls Anthropic (ANTHROPIC_MODEL,
# default claude-haiku-4-5).
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
HOST="$BUILD/agent-host"
PLUGIN="$BUILD/litellm_provider.so"
REPLAY="$BUILD/replay_provider.so"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/agent-demo.XXXXXX")
MOCK_PID=""

cleanup() {
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

heading() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
[ -t 1 ] || heading() { printf '\n== %s ==\n' "$*"; }
quote() { # one argument, quoted for a shell only when it needs it
  case "$1" in
    *[!A-Za-z0-9_./=:,@+-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}
show() { # print a command the way a user would type it (an option per
         # line), then run it with stderr on stdout so the steps interleave
  printf '$ %s' "$1"
  local i=1
  for arg in "${@:2}"; do
    i=$((i + 1))
    case "$arg" in --*) printf ' \\\n    ' ;; *) [ $i -eq $# ] && printf ' \\\n    ' || printf ' ' ;; esac
    quote "$arg"
  done
  printf '\n\n'
  "$@" 2>&1
}

for f in "$HOST" "$PLUGIN" "$REPLAY" "$BUILD/mock-server"; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "demo: $f is missing; run make first" >&2; exit 1; }
done

PROMPT='How much is 1234567 * 7654321, and how many words are in the sentence "Strands agents call tools in parallel"?'
MODEL=${LITELLM_MODEL:-gpt-4o-mini}
SIG=R2VtaW5pVGhvdWdodFNpZw==

# Direct OpenAI-compatible routes for a model prefix with its key.
prefix_route() {
  case "$MODEL" in
    openai/*)     echo "https://api.openai.com/v1 ${OPENAI_API_KEY:-}" ;;
    gemini/*)     echo "https://generativelanguage.googleapis.com/v1beta/openai ${GEMINI_API_KEY:-}" ;;
    groq/*)       echo "https://api.groq.com/openai/v1 ${GROQ_API_KEY:-}" ;;
    mistral/*)    echo "https://api.mistral.ai/v1 ${MISTRAL_API_KEY:-}" ;;
    deepseek/*)   echo "https://api.deepseek.com/v1 ${DEEPSEEK_API_KEY:-}" ;;
    openrouter/*) echo "https://openrouter.ai/api/v1 ${OPENROUTER_API_KEY:-}" ;;
  esac
}

MODE=mock
if [ -n "${LITELLM_API_BASE:-}${LITELLM_API_KEY:-}${LITELLM_PROXY_API_BASE:-}${LITELLM_PROXY_API_KEY:-}" ]; then
  MODE=proxy
elif route=$(prefix_route) && [ -n "$route" ] && [ -n "${route#* }" ]; then
  MODE=direct
fi

echo "This demo runs the sample agent host ($HOST) with the LiteLLM provider plugin"
echo "($PLUGIN) loaded twice, as two providers, on one prompt that needs two tools."

# start_mock RECORD SCENARIO...: the scripted server answering the
# scenarios in order; sets MOCK_PID and PORT.
start_mock() {
  local record=$1; shift
  local args=()
  for s in "$@"; do args+=(--scenario "$HERE/$s"); done
  rm -f "$WORK/port"
  "$BUILD/mock-server" --sequence --quiet --record "$record" "${args[@]}" > "$WORK/port" &
  MOCK_PID=$!
  for _ in $(seq 100); do grep -q '^PORT=' "$WORK/port" 2>/dev/null && break; sleep 0.05; done
  PORT=$(sed -n 's/^PORT=//p' "$WORK/port")
  [ -n "$PORT" ] || { echo "demo: the mock server did not start" >&2; exit 1; }
}
stop_mock() {
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID"; wait "$MOCK_PID" 2>/dev/null || true; MOCK_PID=""; fi
}

if [ "$MODE" = mock ]; then
  heading "1. Start the scripted model server (no network, no API key)"
  start_mock "$WORK/requests.jsonl" 01_two_tools.scn 02_final_answer.scn
  echo "$BUILD/mock-server listens on 127.0.0.1:$PORT and answers two requests in order:"
  echo "  1. 01_two_tools.scn: a sentence, then two tool calls in one message; the"
  echo "     calculator call's id carries a Gemini thought signature (id__thought__SIG)"
  echo "  2. 02_final_answer.scn: checks that request 2 carries both calls, the signature"
  echo "     and both results (its expect.json lines), then streams the final answer"
  # A key goes in the environment, which the plugin reads, never on a
  # command line (ps shows those); the scripted server takes any key.
  export LITELLM_API_KEY=sk-demo-not-a-secret
  CLIENT="{\"api_base\":\"http://127.0.0.1:$PORT/v1\"}"
  PRIMARY='{"model_id":"demo-primary"}'
  BACKUP='{"model_id":"demo-backup"}'
else
  heading "1. Real model: $MODEL ($MODE)"
  if [ "$MODE" = direct ]; then
    route=$(prefix_route)
    unset LITELLM_PROXY_API_KEY LITELLM_PROXY_API_BASE # the plugin would prefer these
    export LITELLM_API_KEY="${route#* }" # the plugin reads it; never printed
    CLIENT="{\"api_base\":\"${route%% *}\"}"
    MODEL=${MODEL#*/}
    echo "calling ${route%% *} directly as model $MODEL"
  else
    CLIENT='{}' # api_base and the key come from LITELLM_API_BASE / LITELLM_API_KEY
    echo "calling the LiteLLM proxy at ${LITELLM_API_BASE:-${LITELLM_PROXY_API_BASE:-http://127.0.0.1:4000}}"
  fi
  PRIMARY="{\"model_id\":\"$MODEL\"}"
  BACKUP="{\"model_id\":\"$MODEL\",\"params\":{\"temperature\":0}}"
fi

heading "2. The agent: two providers loaded, the conversation swapped to \"backup\" before model call 2"
echo "(stdout: the model's text as it streams; stderr: what the host does)"
echo
show "$HOST" \
  --provider primary="$PLUGIN" --config primary="$PRIMARY" --client-args primary="$CLIENT" \
  --provider backup="$PLUGIN" --config backup="$BACKUP" --client-args backup="$CLIENT" \
  --tools calculator,word_count --swap-at 2=backup \
  --events "$WORK/run.jsonl" --session "$WORK/session.json" "$PROMPT"

heading "3. The thought signature round trip"
if [ "$MODE" = mock ]; then
  echo "The model's tool call, as the provider delivered it (from --events):"
  grep -o '{"contentBlockStart":{"start":{"toolUse":[^}]*}}}}' "$WORK/run.jsonl" | sed 's/^/  /'
  echo
  echo "Request 2, as build/mock-server received it from provider \"backup\" (--record):"
  req=$(grep '"method": *"POST"' "$WORK/requests.jsonl" | sed -n 2p)
  echo "  $(grep -o '"model":"[^"]*"' <<<"$req" | tail -1)"
  echo "  assistant $(grep -o '"tool_calls":\[[^]]*\]' <<<"$req")"
  grep -o '{"role":"tool","tool_call_id":"[^"]*","content":"\([^"\\]\|\\.\)*"}' <<<"$req" | sed 's/^/  /'
  n=$(grep -o "__thought__$SIG" <<<"$req" | wc -l)
  echo
  echo "The signature $SIG went back with its tool call ($n times: the call's id and its result's tool_call_id)."
else
  if grep -q reasoningSignature "$WORK/run.jsonl"; then
    grep -o '{"contentBlockStart":{"start":{"toolUse":[^}]*}}}}' "$WORK/run.jsonl" | grep reasoningSignature | sed 's/^/  /'
    echo "These signatures were stored on the toolUse blocks and sent back on the next request."
  else
    echo "This model sent no thought signature (Gemini models do); the tool calls were:"
    grep -o '{"contentBlockStart":{"start":{"toolUse":[^}]*}}}}' "$WORK/run.jsonl" | sed 's/^/  /' || echo "  (none)"
  fi
fi

heading "4. Replay the recorded run with replay_provider.so: offline, deterministic"
if [ -n "$MOCK_PID" ]; then stop_mock; echo "(the mock server is stopped)"; echo; fi
show "$HOST" --provider "$REPLAY" --config "{\"events_file\":\"$WORK/run.jsonl\"}" \
  --tools calculator,word_count --session "$WORK/replayed.json" "$PROMPT"
echo
if cmp -s "$WORK/session.json" "$WORK/replayed.json"; then
  echo "The replayed conversation is identical to the recorded one ($(grep -c '"role"' "$WORK/session.json") messages, byte for byte)."
else
  echo "demo: the replayed conversation differs from the recorded one" >&2
  diff "$WORK/session.json" "$WORK/replayed.json" >&2 || true
  exit 1
fi

heading "5. Across wire formats: the conversation goes on with an anthropic/ provider, and back"
FOLLOW_UP='And that product plus one?'
CLAUDE_RAN=0
if [ "$MODE" = mock ]; then
  start_mock "$WORK/requests2.jsonl" 03_anthropic_turn.scn 04_back_to_proxy.scn
  echo "A second scripted server on 127.0.0.1:$PORT answers, in order:"
  echo "  1. 03_anthropic_turn.scn, as Anthropic's Messages API (POST /v1/messages):"
  echo "     checks that step 2's conversation arrived in that API's shape, then"
  echo "     answers with signed thinking and a tool call"
  echo "  2. 04_back_to_proxy.scn, as the LiteLLM proxy: checks that Anthropic's"
  echo "     tool call and its result arrived in chat shape, then the final answer"
  CLAUDE='{"model_id":"anthropic/demo-claude"}'
  export ANTHROPIC_API_KEY=sk-ant-demo-not-a-secret # never a real key to a local server
  CLAUDE_CLIENT="{\"api_base\":\"http://127.0.0.1:$PORT\"}"
  CLIENT="{\"api_base\":\"http://127.0.0.1:$PORT/v1\"}"
  CLAUDE_RAN=1
elif [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  CLAUDE="{\"model_id\":\"anthropic/${ANTHROPIC_MODEL:-claude-haiku-4-5}\"}"
  CLAUDE_CLIENT='{}' # the key comes from ANTHROPIC_API_KEY; never printed
  echo "calling Anthropic's Messages API as ${ANTHROPIC_MODEL:-claude-haiku-4-5}, then $MODEL again"
  CLAUDE_RAN=1
else
  echo "(skipped: set ANTHROPIC_API_KEY to continue this conversation with Anthropic's API)"
fi
if [ "$CLAUDE_RAN" = 1 ]; then
  echo
  show "$HOST" \
    --provider claude="$PLUGIN" --config claude="$CLAUDE" --client-args claude="$CLAUDE_CLIENT" \
    --provider primary="$PLUGIN" --config primary="$PRIMARY" --client-args primary="$CLIENT" \
    --tools calculator,word_count --swap-at 2=primary --session "$WORK/session.json" "$FOLLOW_UP"
fi
if [ "$MODE" = mock ]; then
  echo
  req=$(grep '"/v1/messages"' "$WORK/requests2.jsonl" | head -1)
  echo "What provider \"claude\" sent (POST /v1/messages): the earlier tool calls as"
  echo "  $(grep -o '"type":"tool_use","id":"[^"]*"' <<<"$req" | tr '\n' ' ')"
  echo "(the Gemini signature is cut from the id: Anthropic ids take letters, digits, _ and -),"
  echo "each result paired with its call: $(grep -o '"tool_use_id":"[^"]*"' <<<"$req" | tr '\n' ' ')"
  req=$(grep '"/v1/chat/completions"' "$WORK/requests2.jsonl" | tail -1)
  echo "What provider \"primary\" sent back through the proxy: Anthropic's call as a chat"
  echo "tool call, $(grep -o '"id":"toolu_[^"]*"' <<<"$req" | head -1), its result as $(grep -o '"tool_call_id":"toolu_[^"]*"' <<<"$req"),"
  echo "and its thinking left out (the plugin's warning above says why)."
  stop_mock
fi

heading "Done"
if [ "$MODE" = mock ]; then
  echo "Two providers, parallel tool calls, a thought signature round trip, a hot swap,"
  echo "an offline replay, and the same conversation across two wire formats."
else
  echo "The same steps against $MODEL: what the model chose to do is above, and it replayed offline."
fi
echo "Try: $HOST --help"
