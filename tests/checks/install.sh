#!/usr/bin/env bash
# tests/checks/install.sh BUILD: `make install` and `make uninstall`, as a
# user of the installed tree meets them.  Prints one "[  PASSED  ]" or
# "[  FAILED  ]" line per check (tests/run_all.sh counts them).
#
#   1. PREFIX=tmp: a host (abi/example_host.c) builds from the installed
#      header with pkg-config alone (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
#      and loads the plugin from the .pc's providerdir; the header is
#      pedantic C99 and C++11.
#   2. The installed agent-host, run from elsewhere, finds its plugin in
#      providerdir; the replay provider and the request schema are there.
#   3. `make uninstall` with the same PREFIX removes every file.
#   4. DESTDIR=tmp PREFIX=/opt/...: the files land under DESTDIR, the .pc
#      names the final PREFIX (providerdir, schemadir), the plugins are
#      stripped with their debug info in .debug/ behind a debug link, and
#      `make uninstall` with the same DESTDIR and PREFIX removes them all.
#   5. `make` with no goal builds everything, not just the plugin.
set -u
build=${1:-build}
limit=${TEST_TIMEOUT:-300}
inst=$(mktemp -d /tmp/mp-install-XXXXXX)
stage=$(mktemp -d /tmp/mp-destdir-XXXXXX)
ilog=$(mktemp -d /tmp/mp-install-log-XXXXXX)
trap 'rm -rf "$inst" "$stage" "$ilog"' EXIT

passed() { echo "[  PASSED  ] $*"; }
failed() { echo "[  FAILED  ] $*"; }
mk() { make -s --no-print-directory BUILD="$build" "$@" >"$ilog/make.log" 2>&1; }
pc() { PKG_CONFIG_PATH="$1/lib/pkgconfig" pkg-config "${@:2}" model-provider; }

san=${SAN:-}
if [ -z "$san" ] && nm -D "$build/litellm_provider.so" | grep -q __asan_init; then
  san="-fsanitize=address,undefined"   # an ASan plugin needs an ASan host
fi

# 1. A host from the installed tree.
if ! mk PREFIX="$inst" install; then
  failed "install: make install PREFIX=$inst failed:"; cat "$ilog/make.log"
  exit 0
fi
if ! flags=$(pc "$inst" --cflags --libs) || ! dir=$(pc "$inst" --variable=providerdir) ||
   ! ${CC:-cc} -std=c99 -Wall -Wextra -Werror $san abi/example_host.c $flags \
       -o "$ilog/example_host" 2>"$ilog/cc.log"; then
  failed "install: cannot build a host from the installed tree:"; cat "$ilog/cc.log"
elif ! printf '#include <model_provider.h>\nint main(void){return mp_strerror(MP_OK) == 0;}\n' >"$ilog/hdr.c" ||
     ! ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror $flags "$ilog/hdr.c" -o "$ilog/hdr" 2>"$ilog/cc.log" ||
     { command -v c++ >/dev/null &&
       ! c++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror $flags "$ilog/hdr.c" -o "$ilog/hdr" 2>"$ilog/cc.log"; }; then
  failed "install: the installed header is not clean pedantic C99 (and C++11):"; cat "$ilog/cc.log"
else
  hout=$(timeout -k 10 "$limit" "$ilog/example_host" "$dir/litellm_provider.so" 2>&1); hrc=$?
  if [ $hrc -eq 0 ] && printf '%s' "$hout" | grep -q '"api_key":"<redacted>"' &&
     printf '%s' "$hout" | grep -q '{"messageStart":{"role":"assistant"}}' &&
     ! printf '%s' "$hout" | grep -q 'sk-example-not-shown'; then
    passed "install: header (pedantic C99/C++11), plugin and model-provider.pc installed; a host built with pkg-config loads the plugin"
  else
    failed "install: the example host (exit $hrc) said:"; printf '%s\n' "$hout"
  fi
fi

# 2. The installed agent-host (offline: LiteLLM's mock hook answers).
aout=$(cd / && timeout -k 10 "$limit" "$inst/bin/agent-host" -q \
       --config '{"model_id":"openai/gpt-4o","params":{"mock_response":"installed and found"}}' hi 2>&1); arc=$?
if [ $arc -eq 0 ] && [ "$aout" = "installed and found" ] &&
   [ -f "$inst/lib/model-providers/replay_provider.so" ] &&
   [ -f "$inst/share/model-provider/request.schema.json" ] &&
   [ "$(pc "$inst" --variable=schemadir)" = "$inst/share/model-provider" ]; then
  passed "install: agent-host, the replay provider and the request schema installed; agent-host finds the plugin in providerdir"
else
  failed "install: the installed agent-host (exit $arc) said: $aout"; ls -R "$inst"
fi

# 3. Uninstall.
if mk PREFIX="$inst" uninstall && [ -z "$(find "$inst" -type f)" ]; then
  passed "uninstall: make uninstall removed every installed file"
else
  failed "uninstall: left behind:"; find "$inst" -type f; cat "$ilog/make.log"
fi

# 4. A staged install (DESTDIR), as a package build makes it.
prefix=/opt/model-provider-check
root=$stage$prefix
lib=$root/lib/model-providers
problems=()
if ! mk DESTDIR="$stage" PREFIX="$prefix" install; then
  problems+=("make install DESTDIR=$stage PREFIX=$prefix failed: $(cat "$ilog/make.log")")
else
  for f in include/model_provider.h bin/agent-host lib/pkgconfig/model-provider.pc \
           share/model-provider/request.schema.json; do
    [ -f "$root/$f" ] || problems+=("$f is not under DESTDIR")
  done
  [ "$(pc "$root" --variable=providerdir)" = "$prefix/lib/model-providers" ] ||
    problems+=("providerdir is $(pc "$root" --variable=providerdir), not $prefix/lib/model-providers")
  [ "$(pc "$root" --variable=schemadir)" = "$prefix/share/model-provider" ] ||
    problems+=("schemadir is $(pc "$root" --variable=schemadir)")
  for so in litellm_provider.so replay_provider.so; do
    sections=$(readelf -S "$lib/$so" 2>/dev/null)
    if [ ! -f "$lib/$so" ] || printf '%s' "$sections" | grep -q '\.debug_info'; then
      problems+=("$so is missing or not stripped")
    elif ! printf '%s' "$sections" | grep -q '\.gnu_debuglink' ||
         ! readelf -S "$lib/.debug/$so.debug" 2>/dev/null | grep -q '\.debug_info'; then
      problems+=("$so has no debug link to .debug/$so.debug with its debug info")
    fi
  done
  if ! mk DESTDIR="$stage" PREFIX="$prefix" uninstall; then
    problems+=("make uninstall failed: $(cat "$ilog/make.log")")
  elif [ -n "$(find "$stage" -type f)" ]; then
    problems+=("make uninstall left: $(find "$stage" -type f | tr '\n' ' ')")
  elif [ -e "$lib" ]; then
    problems+=("make uninstall left the folder lib/model-providers")
  fi
fi
if [ ${#problems[@]} -eq 0 ]; then
  passed "install: DESTDIR staging: files under DESTDIR, the .pc names PREFIX (providerdir, schemadir), plugins stripped with a debug link to .debug/; uninstall removes them"
else
  failed "install: DESTDIR staging:"; printf '  %s\n' "${problems[@]}"
fi

# 5. The default goal.
plan=$(make -n --no-print-directory BUILD="$ilog/fresh" 2>&1)
missing=()
for bin in litellm_provider.so replay_provider.so agent-host mock-server \
           tests/test_config tests/test_host_interactive tests/check-requests; do
  printf '%s' "$plan" | grep -q -- "-o $ilog/fresh/$bin\b" || missing+=("$bin")
done
if [ ${#missing[@]} -eq 0 ]; then
  passed "make: with no goal it builds everything (plugins, host, server, tests)"
else
  failed "make: with no goal it would not build: ${missing[*]}"
fi
