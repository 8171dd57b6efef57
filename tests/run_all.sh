#!/usr/bin/env bash
# Runs every test: the export check, each cmocka program (unit and
# integration), and the plugin conformance checker.  Prints each program's
# own cmocka summary, then one closing line "N passed, N failed, N skipped"
# (a skipped test is never counted as passed).
set -u
build=${1:-build}
# Under `make asan` an undefined-behaviour report must fail the test that
# caused it, not scroll by in output that only a failure would show.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# A proxy from the environment (a CI runner's) must not reroute the tests'
# 127.0.0.1 traffic; the proxy test sets its own.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
# Each program runs under a time limit (TEST_TIMEOUT seconds, default 300),
# so a hang fails that program, by name, instead of blocking the run
# (timeout signals the whole process group, servers a test started
# included; KILL 10 s later if need be).
limit=${TEST_TIMEOUT:-300}
# Every host of the tree logs each request it sends here
# (host-sample/request_log.h); step 4 checks them against the schema.
MP_REQUEST_LOG=$(mktemp -d /tmp/mp-requests-XXXXXX)
export MP_REQUEST_LOG
bounded() { timeout -k 10 "$limit" "$@"; }
timed_out() { [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; }
pass=0
fail=0
skipped=0
failed_names=()
# TEST_ONLY="test_a test_b": only those cmocka programs and the validate
# step (`make tsan`: the threaded ones); the build checks are skipped.
only=${TEST_ONLY:-}

note_fail() { fail=$((fail + $1)); failed_names+=("$2"); }

# 1. The plugin exports exactly one symbol (ABI rule MP_PLUGIN_1).
[ -n "$only" ] || for so in "$build"/litellm_provider.so "$build"/replay_provider.so; do
  [ -f "$so" ] || continue
  syms=$(nm -D --defined-only "$so" | awk 'NF>=3 {print $3}')
  if [ "$syms" = "mp_provider_entry_v1" ]; then
    echo "[  PASSED  ] exports: $so exports only mp_provider_entry_v1"
    pass=$((pass + 1))
  else
    echo "[  FAILED  ] exports: $so exports: $(echo $syms)"
    note_fail 1 "exports:$so"
  fi
  # MP_PLUGIN_6: nothing registered to run at exit or thread exit, no
  # thread of its own, and never pinned in memory (-z nodelete).
  bad=$(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//' |
        grep -xE 'atexit|on_exit|__cxa_atexit|__cxa_thread_atexit_impl|pthread_create|pthread_key_create')
  if [ -n "$bad" ]; then
    echo "[  FAILED  ] no-atexit: $so references $(echo $bad)"
    note_fail 1 "atexit:$so"
  else
    echo "[  PASSED  ] no-atexit: $so references no atexit, thread or thread-key creation"
    pass=$((pass + 1))
  fi
  # The plugins carry their own json-c (Makefile, PLUGIN_LIBS).
  if readelf -d "$so" | grep -q 'NEEDED.*libjson-c'; then
    echo "[  FAILED  ] own-json-c: $so needs libjson-c.so"
    note_fail 1 "json-c:$so"
  else
    echo "[  PASSED  ] own-json-c: $so carries its own json-c (needs no libjson-c.so)"
    pass=$((pass + 1))
  fi
  if readelf -d "$so" | grep -q NODELETE; then
    echo "[  FAILED  ] unloadable: $so is linked -z nodelete"
    note_fail 1 "nodelete:$so"
  else
    echo "[  PASSED  ] unloadable: $so can be unmapped by dlclose (no NODELETE)"
    pass=$((pass + 1))
  fi
done

# Checks written as scripts (tests/checks/*.sh) print one "[  PASSED  ]",
# "[  FAILED  ]" or "[  SKIPPED ]" line each, plus details under a failure.
run_checks() {
  local name=$1 out
  shift
  out=$(timeout -k 10 "$limit" "$@" 2>&1)
  local rc=$?
  printf '%s\n' "$out"
  local p f s
  p=$(printf '%s\n' "$out" | grep -c '^\[  PASSED  \]')
  f=$(printf '%s\n' "$out" | grep -c '^\[  FAILED  \]')
  s=$(printf '%s\n' "$out" | grep -c '^\[  SKIPPED \]')
  pass=$((pass + p))
  skipped=$((skipped + s))
  if [ "$f" -gt 0 ]; then
    note_fail "$f" "$name"
  elif [ $rc -ne 0 ] || [ $((p + s)) -eq 0 ]; then
    note_fail 1 "$name (exit $rc)"
  fi
}

if [ -z "$only" ]; then
# 1a. `make install` and `make uninstall`, with PREFIX and with DESTDIR
# (tests/checks/install.sh).
run_checks install tests/checks/install.sh "$build"

# 1b. The docs: links, the host's manual against --help, the set-up
# command, and the examples they show, run as written
# (tests/checks/docs.sh).
run_checks docs tests/checks/docs.sh "$build"

# 1c. No file of the project is a copy of a third-party recording: they are
# read from ../shared in place (decision 30).
shared_fx=$(cd "$(dirname "$0")/../.." && pwd)/shared/fixtures
if [ -d "$shared_fx" ]; then
  sums=$(cd "$shared_fx" && find . -type f ! -name README.md -exec sha256sum {} + | awk '{print $1}' | sort -u)
  copies=$(git ls-files -z 2>/dev/null | xargs -0 -r sha256sum 2>/dev/null | sort |
           join - <(printf '%s\n' "$sums") | awk '{print $2}')
  if [ -z "$copies" ]; then
    echo "[  PASSED  ] fixtures: no file of the project copies one of ../shared/fixtures"
    pass=$((pass + 1))
  else
    echo "[  FAILED  ] fixtures: these files copy third-party recordings of ../shared/fixtures:"
    printf '  %s\n' $copies
    note_fail 1 fixtures
  fi
else
  echo "[  SKIPPED ] fixtures: no ../shared/fixtures here to compare with (counted as skipped)"
  skipped=$((skipped + 1))
fi
fi # TEST_ONLY

# 2. Every cmocka program.
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if [ -n "$only" ] && ! printf ' %s ' $only | grep -q " $name "; then
    continue
  fi
  out=$(bounded "$t" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -E '^\[(  PASSED  |  FAILED  |  ERROR   |  SKIPPED )\]|^\[==========\]' | sed "s|^|$name: |"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
  s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
  pass=$((pass + ${p:-0}))
  skipped=$((skipped + ${s:-0}))
  if timed_out "$rc"; then
    [ -n "$out" ] && printf '%s\n' "$out" | tail -20
    echo "[  FAILED  ] $name: timed out after $limit s"
    note_fail 1 "$name (timed out after $limit s)"
  elif [ -n "$f" ]; then
    printf '%s\n' "$out" | grep -E 'error:|ERROR|Failure' | head -20
    note_fail "$f" "$name"
  elif [ $rc -ne 0 ] || [ -z "$p" ]; then
    printf '%s\n' "$out" | tail -20
    note_fail 1 "$name (exit $rc)"
  fi
done

# 2a. Hosts in other languages: the Python package's tests (python3 -m
# unittest, standard library only), and the Go and Rust sample hosts,
# built here and run against build/mock-server.  A missing toolchain is
# reported SKIPPED, never passed.  Not under TEST_ONLY (`make tsan`).
if [ -z "$only" ]; then
build_abs=$(cd "$build" && pwd)
lang_env=(MP_BUILD_DIR="$build_abs" PYTHONDONTWRITEBYTECODE=1)
if nm -D "$build/litellm_provider.so" | grep -q __asan_init; then
  # An ASan plugin in a host that is not: its runtime must come first.
  # The interpreters' own allocations are not ours to leak-check.
  lang_env+=(LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so)"
             ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
fi
lang_tmp=$(mktemp -d /tmp/lang-hosts-XXXXXX)

if command -v python3 >/dev/null; then
  out=$(cd host-sample/python/tests &&
        env "${lang_env[@]}" timeout -k 10 "$limit" python3 -m unittest discover -s . -v 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -E ' \.\.\. ' | sed 's/^/python: /'
  ran=$(printf '%s\n' "$out" | sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in.*/\1/p')
  pf=$(printf '%s\n' "$out" | sed -n 's/.*failures=\([0-9]*\).*/\1/p' | tail -1)
  pe=$(printf '%s\n' "$out" | sed -n 's/.*errors=\([0-9]*\).*/\1/p' | tail -1)
  ps=$(printf '%s\n' "$out" | sed -n 's/.*skipped=\([0-9]*\).*/\1/p' | tail -1)
  bad=$(( ${pf:-0} + ${pe:-0} ))
  skipped=$((skipped + ${ps:-0}))
  if timed_out "$rc"; then
    printf '%s\n' "$out" | tail -20
    echo "[  FAILED  ] python: timed out after $limit s"
    note_fail 1 "python (timed out after $limit s)"
  elif [ -z "$ran" ] || { [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; }; then
    printf '%s\n' "$out" | tail -30
    note_fail 1 "python (exit $rc)"
  else
    pass=$((pass + ran - bad - ${ps:-0}))
    if [ "$bad" -gt 0 ]; then
      printf '%s\n' "$out" | sed -n '/^=\{10,\}/,$p' | head -80
      note_fail "$bad" python
    fi
  fi
else
  echo "[  SKIPPED ] python: no python3 here (counted as skipped)"
  skipped=$((skipped + 1))
fi

# One Go or Rust host: `run_lang_host NAME BINARY`.  It must print the scripted
# answer, and on a 401 fail with the typed error and never the key.
run_lang_host() {
  local name=$1 bin=$2 port out err rc
  "$build/mock-server" --quiet --port-file "$lang_tmp/port-$name" \
    --scenario tests/scenarios/it_ok_text.scn \
    --scenario tests/scenarios/it_401_echo_key.scn >/dev/null &
  local mpid=$!
  for _ in $(seq 100); do [ -s "$lang_tmp/port-$name" ] && break; sleep 0.05; done
  port=$(cat "$lang_tmp/port-$name" 2>/dev/null)
  local args="{\"api_base\":\"http://127.0.0.1:$port\"}"
  out=$(env "${lang_env[@]}" timeout -k 10 60 "$bin" \
        --config '{"model_id":"it-ok"}' --client-args "$args" \
        "$build/litellm_provider.so" "Hi" 2>"$lang_tmp/err"); rc=$?
  if [ $rc -eq 0 ] && [ "$out" = "Hello, world" ]; then
    echo "[  PASSED  ] $name: streamed the answer and printed it"
    pass=$((pass + 1))
  else
    echo "[  FAILED  ] $name: exit $rc, printed \"$out\":"; cat "$lang_tmp/err"
    note_fail 1 "$name"
  fi
  out=$(env "${lang_env[@]}" LITELLM_API_KEY=it-secret-api-key-42 timeout -k 10 60 "$bin" \
        --config '{"model_id":"it-401"}' --client-args "$args" \
        "$build/litellm_provider.so" "Hi" 2>&1); rc=$?
  if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "^$name: MP_E_AUTHENTICATION: HTTP 401" &&
     ! printf '%s' "$out" | grep -q it-secret-api-key-42; then
    echo "[  PASSED  ] $name: a 401 is reported as MP_E_AUTHENTICATION, without the key"
    pass=$((pass + 1))
  else
    echo "[  FAILED  ] $name: on a 401: exit $rc, said: $out"
    note_fail 1 "$name-401"
  fi
  kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null
}

for lang in go:go rust:rustc; do
  name=${lang%%:*}-host tool=${lang#*:}
  if ! command -v "$tool" >/dev/null; then
    echo "[  SKIPPED ] $name: no $tool here (counted as skipped; .ci/run installs it)"
    skipped=$((skipped + 1))
  elif ! make -s --no-print-directory BUILD="$build" "$build/$name" >"$lang_tmp/build.log" 2>&1; then
    echo "[  FAILED  ] $name: does not build:"; cat "$lang_tmp/build.log"
    note_fail 1 "$name (build)"
  else
    run_lang_host "$name" "$build/$name"
  fi
done
rm -rf "$lang_tmp"
fi # TEST_ONLY

# 3. The conformance checker on the real plugin.
if [ -x "$build/agent-host" ] && [ -f "$build/litellm_provider.so" ]; then
  vout=$(bounded "$build/agent-host" validate "$build/litellm_provider.so" 2>&1)
  vrc=$?
  printf '%s\n' "$vout" | sed 's/^/validate: /'
  vp=$(printf '%s\n' "$vout" | grep -c '^PASS ')
  vf=$(printf '%s\n' "$vout" | grep -c '^FAIL ')
  vs=$(printf '%s\n' "$vout" | grep -c '^SKIP ')
  pass=$((pass + vp))
  skipped=$((skipped + vs))
  if timed_out "$vrc"; then
    echo "[  FAILED  ] validate: timed out after $limit s"
    note_fail 1 "validate (timed out after $limit s)"
  elif [ "$vf" -gt 0 ]; then
    note_fail "$vf" validate
  elif [ "$vrc" -ne 0 ]; then
    note_fail 1 "validate (exit $vrc)"
  fi
fi

# 4. Every request the tests sent that the plugin accepted is valid
# against the request's JSON Schema (tests/schema/check_requests.c).
# Under TEST_ONLY the check is left out (`make tsan` does not build it).
if [ -z "$only" ]; then
sout=$("$build/tests/check-requests" abi/request.schema.json "$MP_REQUEST_LOG" 2>&1)
src=$?
printf '%s\n' "$sout" | head -40
if [ $src -eq 0 ]; then
  pass=$((pass + 1))
else
  note_fail "$(printf '%s\n' "$sout" | grep -c 'FAILED' | sed 's/^0$/1/')" request-schema
fi
fi # TEST_ONLY
rm -rf "$MP_REQUEST_LOG"

if [ $fail -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ]
