#!/usr/bin/env bash
# Runs every test: the export check, each cmocka program (unit and
# integration), and the plugin conformance checker.  Prints each program's
# own cmocka summary, then one closing line "N passed, N failed".
set -u
build=${1:-build}
pass=0
fail=0
failed_names=()

note_fail() { fail=$((fail + $1)); failed_names+=("$2"); }

# 1. The plugin exports exactly one symbol (ABI rule MP_PLUGIN_1).
for so in "$build"/litellm_provider.so "$build"/replay_provider.so; do
  [ -f "$so" ] || continue
  syms=$(nm -D --defined-only "$so" | awk 'NF>=3 {print $3}')
  if [ "$syms" = "mp_provider_entry_v1" ]; then
    echo "[  PASSED  ] exports: $so exports only mp_provider_entry_v1"
    pass=$((pass + 1))
  else
    echo "[  FAILED  ] exports: $so exports: $(echo $syms)"
    note_fail 1 "exports:$so"
  fi
  if nm -D "$so" | grep -qw atexit; then
    echo "[  FAILED  ] no-atexit: $so references atexit"
    note_fail 1 "atexit:$so"
  else
    echo "[  PASSED  ] no-atexit: $so does not reference atexit"
    pass=$((pass + 1))
  fi
done

# 1b. The vendored transcripts are the upstream ones, unedited.
fx=$(tests/check_fixtures.sh); fxrc=$?
printf "%s\n" "$fx"
case $fxrc in 0) pass=$((pass + 1)) ;; 2) ;; *) note_fail 1 fixtures ;; esac

# 2. Every cmocka program.
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  out=$("$t" 2>&1)
  rc=$?
  printf '%s\n' "$out" | grep -E '^\[(  PASSED  |  FAILED  |  ERROR   |  SKIPPED )\]|^\[==========\]' | sed "s|^|$(basename "$t"): |"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | tail -1)
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
  pass=$((pass + ${p:-0}))
  if [ -n "$f" ]; then
    printf '%s\n' "$out" | grep -E 'error:|ERROR|Failure' | head -20
    note_fail "$f" "$(basename "$t")"
  elif [ $rc -ne 0 ] || [ -z "$p" ]; then
    printf '%s\n' "$out" | tail -20
    note_fail 1 "$(basename "$t") (exit $rc)"
  fi
done

# 3. The conformance checker on the real plugin.
if [ -x "$build/agent-host" ] && [ -f "$build/litellm_provider.so" ]; then
  vout=$("$build/agent-host" validate "$build/litellm_provider.so" 2>&1)
  vrc=$?
  printf '%s\n' "$vout" | sed 's/^/validate: /'
  vp=$(printf '%s\n' "$vout" | grep -c '^PASS ')
  vf=$(printf '%s\n' "$vout" | grep -c '^FAIL ')
  pass=$((pass + vp))
  [ "$vf" -gt 0 ] && note_fail "$vf" validate
  [ "$vrc" -ne 0 ] && [ "$vf" -eq 0 ] && note_fail 1 "validate (exit $vrc)"
fi

if [ $fail -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
