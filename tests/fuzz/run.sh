#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD/fuzz/ for SECONDS, FUZZ_JOBS at a
# time: its corpus is BUILD/fuzz/corpus/NAME (kept between runs) plus the
# seed directories its source names on its "fuzz-seeds:" line ($TRANSCRIPTS
# at the start of one is ../shared/fixtures/transcripts, read in place; a
# missing one is left out) and tests/fuzz/regressions/NAME; its dictionary is the file on its
# "fuzz-dict:" line.  A finding (crash, leak, timeout, contract break,
# UBSan report) fails the run: the input is kept in BUILD/fuzz/findings/
# NAME/, to be fixed and then saved in tests/fuzz/regressions/NAME/.
# Prints one summary line per target: executions, seconds, corpus, coverage.
# FUZZ_JOBS defaults to 2, one target per core of a CI machine.
set -u
build=$1 seconds=$2
shift 2
jobs_max=${FUZZ_JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
transcripts=${TRANSCRIPTS:-$(cd "$root/.." && pwd)/shared/fixtures/transcripts}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
# One target: its log in BUILD/fuzz/NAME.log, its summary line in
# BUILD/fuzz/NAME.summary, exit status 1 on a finding.
run_one() {
  local name=$1
  local bin="$build/fuzz/fuzz_$name" src="$here/fuzz_$name.c"
  local corpus="$build/fuzz/corpus/$name" findings="$build/fuzz/findings/$name"
  mkdir -p "$corpus" "$findings"
  local dirs=() w d
  for w in $(sed -n 's/.*fuzz-seeds://p' "$src" | head -1); do
    case $w in
      '$TRANSCRIPTS'*) d=$transcripts${w#\$TRANSCRIPTS} ;;
      *) d=$root/$w ;;
    esac
    if [ -d "$d" ]; then dirs+=("$d"); else echo "fuzz: $name: seeds $d not here, left out"; fi
  done
  [ -d "$root/tests/fuzz/regressions/$name" ] && dirs+=("$root/tests/fuzz/regressions/$name")
  local dict
  dict=$(sed -n 's/.*fuzz-dict: *\([^ ]*\).*/\1/p' "$src" | head -1)
  local opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$findings/" -max_len=65536)
  [ -n "$dict" ] && opts+=(-dict="$here/$dict")
  local log="$build/fuzz/$name.log"
  echo "fuzz: $name for $seconds s (seeds: ${dirs[*]:-none})"
  "$bin" "${opts[@]}" "$corpus" "${dirs[@]}" >"$log" 2>&1
  local rc=$?
  local runs secs cov size line
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  size=$(ls "$corpus" | wc -l)
  line="fuzz: $name: ${runs:-?} executions in ${secs:-?} s, corpus $size, ${cov:-cov: ?}"
  if [ $rc -ne 0 ]; then
    grep -E 'contract broken|ERROR: |SUMMARY|runtime error|Test unit written' "$log" | head -20
    line="$line: FINDING (exit $rc), see $log and $findings/"
  fi
  echo "$line" >"$build/fuzz/$name.summary"
  [ $rc -eq 0 ]
}

mkdir -p "$build/fuzz"
for name in "$@"; do
  rm -f "$build/fuzz/$name.summary"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
  run_one "$name" &
done
wait
failed=()
summary=()
for name in "$@"; do
  line=$(cat "$build/fuzz/$name.summary" 2>/dev/null || echo "fuzz: $name: did not run")
  case $line in *FINDING*|*"did not run") failed+=("$name") ;; esac
  summary+=("$line")
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#summary[@]} target(s), no finding"
