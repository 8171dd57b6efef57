#!/usr/bin/env bash
# `make bench`: the benchmarks in tests/bench, given the build dir as $1.
# Not part of `make test`.  Prints one summary line per measurement.
set -euo pipefail
build=${1:-build}
for b in bench_stream bench_format bench_host; do
  if [ ! -x "$build/bench/$b" ]; then
    echo "bench: $build/bench/$b is missing (run make bench)" >&2
    exit 1
  fi
done
echo "== streaming (CPU per chunk vs a minimal libcurl + json-c client; memory)"
"$build/bench/bench_stream"
echo "== the sample host against the bare ABI (CPU, write calls, interactivity)"
"$build/bench/bench_host"
echo "== request formatting (200 messages, 1 MiB of images)"
"$build/bench/bench_format"
