#!/usr/bin/env bash
# The recorded transcripts are vendored in tests/fixtures/transcripts so that a
# fresh clone tests on its own.  Where the upstream copy (../shared/fixtures)
# is present, prove the vendored one is byte-identical to it: the fixtures are
# never edited to make a test pass.  Prints one cmocka-style line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ours="$here/fixtures/transcripts"
upstream="$here/../../shared/fixtures/transcripts"
if [ ! -d "$upstream" ]; then
  echo "[  SKIPPED ] fixtures: no ../shared here to compare with (counted as skipped)"
  exit 2
fi
if diff -r "$upstream" "$ours" >/dev/null; then
  echo "[  PASSED  ] fixtures: tests/fixtures/transcripts is byte-identical to ../shared/fixtures/transcripts"
  exit 0
fi
echo "[  FAILED  ] fixtures: tests/fixtures/transcripts differs from ../shared/fixtures/transcripts:"
diff -rq "$upstream" "$ours"
exit 1
