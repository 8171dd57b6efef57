#!/usr/bin/env bash
# Run the given cmocka programs; non-zero exit if any fails.
rc=0
for t in "$@"; do "$t" || rc=1; done
exit $rc
