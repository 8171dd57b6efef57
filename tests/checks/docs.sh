#!/usr/bin/env bash
# tests/checks/docs.sh BUILD: the documentation says what the tree does.
# Prints one "[  PASSED  ]", "[  FAILED  ]" or "[  SKIPPED ]" line per
# check (tests/run_all.sh counts them).
#
#   1. Every relative link of every Markdown file resolves, anchors included.
#   2. `agent-host --help` and host-sample/README.md's options table name
#      the same options; the interactive commands too.
#   3. README.md's set-up command 1 runs as root without sudo, and through
#      sudo where there is one (stand-in apt-get, make and sudo).
#   4. The examples the docs show run as written: README.md's first call
#      and Python snippet, abi/README.md's C host, and the replay provider
#      passing `validate` with host-sample/README.md's config.
#      No example puts an API key on a command line.
#   5. Every C file of plugin/ and host-sample/ is named in its folder's
#      README.
set -u
build=${1:-build}
tmp=$(mktemp -d /tmp/mp-docs-XXXXXX)
mock_pid=
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

passed() { echo "[  PASSED  ] $*"; }
failed() { echo "[  FAILED  ] $*"; }
skipped() { echo "[  SKIPPED ] $*"; }

# Lines of a Markdown file outside its ``` fences.
prose() { awk '/^```/ {fence = !fence; next} !fence' "$1"; }
# GitHub's anchor of a heading: lower case, punctuation dropped, spaces to
# hyphens (numbered -1, -2 when repeated).
anchors() {
  prose "$1" | sed -n 's/^#\{1,6\} \(.*\)/\1/p' |
    tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9 _-]//g; s/ /-/g' |
    awk '{ n = seen[$0]++; print (n ? $0 "-" n : $0) }'
}
# The body of fenced block number N (from 1) of `lang` in a file.
fenced() {
  awk -v lang="$2" -v want="$3" '
    /^```/ { if (inside) { inside = 0; if (n == want) exit; next }
             if ($0 == "```" lang) { n++; inside = (n == want) } ; next }
    inside' "$1"
}
# Docs name paths under build/; this run's build directory may be another.
with_build() { sed "s#\\([ \"']\\|^\\)build/#\\1$build/#g"; }

# ---- 1. links ------------------------------------------------------------
mds=$(git ls-files --cached --others --exclude-standard '*.md' 2>/dev/null)
[ -n "$mds" ] || mds=$(find . -name '*.md' -not -path './build*' | sed 's#^\./##')
bad=()
links=0
for md in $mds; do
  dir=$(dirname "$md")
  while IFS= read -r target; do
    [ -n "$target" ] || continue
    case $target in http://*|https://*|mailto:*) continue ;; esac
    links=$((links + 1))
    path=${target%%#*}
    anchor=${target#"$path"}
    anchor=${anchor#\#}
    file=$md
    if [ -n "$path" ]; then
      file=$dir/$path
      if [ ! -e "$file" ]; then bad+=("$md: $target: no such file"); continue; fi
    fi
    if [ -n "$anchor" ]; then
      if [ -d "$file" ] || [ "${file%.md}" = "$file" ]; then
        bad+=("$md: $target: an anchor into something that is not Markdown")
      elif ! anchors "$file" | grep -qxF -- "$anchor"; then
        bad+=("$md: $target: no heading with that anchor in $file")
      fi
    fi
  done < <(prose "$md" | grep -o '](\([^)]*\))' | sed 's/^](\(.*\))$/\1/')
done
if [ ${#bad[@]} -eq 0 ] && [ "$links" -gt 0 ]; then
  passed "docs: all $links relative links between the Markdown files resolve (anchors included)"
else
  failed "docs: broken links:"; printf '  %s\n' "${bad[@]}"
fi

# ---- 2. the host's manual and its --help ---------------------------------
options() { grep -oE '(^|[^A-Za-z0-9_-])--?[a-z][a-z-]*' | sed 's/^[^-]*//' | sort -u; }
commands() { grep -oE '(^|[ `(,])(:[a-z]+)' | sed 's/^[^:]*//' | sort -u; }
section() { # the lines of `## $2` in file $1, up to the next heading of that level
  awk -v h="## $2" '$0 == h {on = 1; next} /^## / {on = 0} on' "$1"
}
help=$("$build/agent-host" --help 2>&1)
manual_opts=$(section host-sample/README.md Options | options)
manual_cmds=$(section host-sample/README.md "Interactive mode" | grep '^| `:' | commands)
help_opts=$(printf '%s\n' "$help" | options)
help_cmds=$(printf '%s\n' "$help" | commands)
if [ -n "$help_opts" ] && [ "$help_opts" = "$manual_opts" ] && [ "$help_cmds" = "$manual_cmds" ]; then
  passed "docs: host-sample/README.md documents exactly the $(echo $help_opts | wc -w) options and $(echo $help_cmds | wc -w) interactive commands of agent-host --help"
else
  failed "docs: agent-host --help and host-sample/README.md disagree:"
  diff <(printf '%s\n' $help_opts $help_cmds) <(printf '%s\n' $manual_opts $manual_cmds) |
    sed -n 's/^</  only in --help:/p; s/^>/  only in the manual:/p'
fi

# ---- 3. the README's set-up command 1 ------------------------------------
setup=$(prose README.md | grep -m1 '^    .*apt-get install' | sed 's/^    //')
ci_pkgs=$(sed -n '/apt-get install -y -qq --no-install-recommends/,/>\/dev\/null/p' .ci/run |
          tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]*$' | grep -vxE 'apt-get|install' |
          grep -vxE 'clang|libclang-rt-[0-9]+-dev|binutils|libc6-dev|util-linux')
stubs=$tmp/stubs
mkdir -p "$stubs"
printf '#!/bin/sh\necho "apt-get $*" >>"%s"\n' "$tmp/setup.log" >"$stubs/apt-get"
printf '#!/bin/sh\necho "make $*" >>"%s"\n' "$tmp/setup.log" >"$stubs/make"
chmod +x "$stubs/apt-get" "$stubs/make"
bash_bin=$(command -v bash)
run_setup() { : >"$tmp/setup.log"; PATH=$stubs "$bash_bin" -c "$setup" >"$tmp/setup.out" 2>&1; }
problems=()
if [ -z "$setup" ]; then
  problems+=("README.md has no indented apt-get install command")
else
  run_setup
  [ "$(cut -d' ' -f1-2 "$tmp/setup.log" | tr '\n' ' ')" = "apt-get update apt-get install make demo " ] ||
    problems+=("without sudo it ran: $(tr '\n' ';' <"$tmp/setup.log") $(cat "$tmp/setup.out")")
  printf '#!/bin/sh\necho "sudo $*" >>"%s"\nexec "$@"\n' "$tmp/setup.log" >"$stubs/sudo"
  chmod +x "$stubs/sudo"
  run_setup
  [ "$(grep -c '^sudo apt-get' "$tmp/setup.log")" = 2 ] && ! grep -q '^sudo make' "$tmp/setup.log" ||
    problems+=("with sudo it ran: $(tr '\n' ';' <"$tmp/setup.log")")
  for pkg in $ci_pkgs; do
    printf '%s\n' "$setup" | grep -qw -- "$pkg" || problems+=("it does not install $pkg (.ci/run does)")
  done
fi
if [ ${#problems[@]} -eq 0 ]; then
  passed "docs: README set-up command 1 runs apt-get as root without sudo and through sudo otherwise, then make demo; it installs what .ci/run installs for make test"
else
  failed "docs: README set-up command 1:"; printf '  %s\n' "${problems[@]}"
fi

# ---- 4. the examples, run as written -------------------------------------
san=${SAN:-}
py_env=()
if nm -D "$build/litellm_provider.so" | grep -q __asan_init; then
  san="-fsanitize=address,undefined"
  py_env=(LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so)"
          ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
fi

first=$(prose README.md | grep -m1 '^    build/agent-host .*mock_response' | sed 's/^    //' | with_build)
out=$(bash -c "$first" 2>"$tmp/err"); rc=$?
if [ -n "$first" ] && [ $rc -eq 0 ] && [ "$out" = "It is 391." ]; then
  passed "docs: README's first call prints the mock answer offline"
else
  failed "docs: README's first call ($first): exit $rc, printed \"$out\""; cat "$tmp/err"
fi

if ! command -v python3 >/dev/null; then
  skipped "docs: README's Python snippet: no python3 here (counted as skipped)"
else
  fenced README.md python 1 | with_build >"$tmp/first.py"
  out=$(env "${py_env[@]}" PYTHONDONTWRITEBYTECODE=1 python3 "$tmp/first.py" 2>&1); rc=$?
  if [ $rc -eq 0 ] && [ "$out" = "$(printf 'It is 391.\nstop reason: end_turn')" ]; then
    passed "docs: README's Python snippet streams the mock answer"
  else
    failed "docs: README's Python snippet: exit $rc, printed:"; printf '%s\n' "$out"
  fi
fi

# abi/README.md's host, against the scripted server: an answer, then a 401.
start_mock() {
  rm -f "$tmp/port"
  "$build/mock-server" --quiet --sequence --port-file "$tmp/port" --scenario "$1" >/dev/null 2>&1 &
  mock_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
}
stop_mock() { kill "$mock_pid" 2>/dev/null; wait "$mock_pid" 2>/dev/null; mock_pid=; }
awk '/^## Writing your own host/ {on = 1} on' abi/README.md >"$tmp/guide.md"
fenced "$tmp/guide.md" c 1 >"$tmp/host.c"
if ! ${CC:-cc} -std=c99 -Wall -Wextra -Werror $san -Iabi "$tmp/host.c" -o "$tmp/host" -ldl 2>"$tmp/cc.log"; then
  failed "docs: abi/README.md's host does not compile:"; cat "$tmp/cc.log"
else
  key=it-secret-api-key-42   # the 401 scenario echoes it back: it must be scrubbed
  start_mock tests/scenarios/it_ok_text.scn
  out=$(LITELLM_API_BASE="http://127.0.0.1:$(cat "$tmp/port")" LITELLM_API_KEY=$key \
        timeout 60 "$tmp/host" "$build/litellm_provider.so" 2>&1); rc=$?
  stop_mock
  start_mock tests/scenarios/it_401_echo_key.scn
  err=$(LITELLM_API_BASE="http://127.0.0.1:$(cat "$tmp/port")" LITELLM_API_KEY=$key \
        timeout 60 "$tmp/host" "$build/litellm_provider.so" 2>&1 >/dev/null); erc=$?
  stop_mock
  if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q 'Hello, world' && [ $erc -eq 1 ] &&
     printf '%s' "$err" | grep -q '^MP_E_AUTHENTICATION: HTTP 401' &&
     [ "$(printf '%s' "$err" | grep -o 'HTTP 401' | wc -l)" -eq 1 ] &&
     ! printf '%s%s' "$out" "$err" | grep -q "$key"; then
    passed "docs: abi/README.md's host, compiled from the page, streams an answer and prints a 401 once, without the key"
  else
    failed "docs: abi/README.md's host: exit $rc then $erc; it said:"; printf '%s\n---\n%s\n' "$out" "$err"
  fi
fi

# The replay provider passes validate with the manual's config.
cmd=$(section host-sample/README.md "The replay provider" |
      awk '/^    build\/agent-host validate/ {on = 1} on {print; if ($0 !~ /\\$/) exit}' |
      sed 's/^    //' | with_build)
out=$(bash -c "$cmd" 2>&1); rc=$?
if [ -n "$cmd" ] && [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^validate: 0 check(s) failed'; then
  passed "docs: the replay provider passes validate with host-sample/README.md's config"
else
  failed "docs: host-sample/README.md's validate command (exit $rc):"; printf '%s\n' "$out" | grep -v '^PASS ' | tail -20
fi

# No example puts a key on a command line, where ps shows it: no api_key in
# an option's JSON, no KEY=value prefix on a command.
keyed=$(grep -nE -e "--(config|client-args)[ =].*api_key" \
          -e "(^|[ ;&])[A-Z_]*(API_KEY|TOKEN)=[^ ]+ +[^ ]*(agent-host|-host|python3|\.py)" \
          $mds host-sample/demo/run.sh 2>/dev/null)
if [ -z "$keyed" ]; then
  passed "docs: no example puts an API key on a command line"
else
  failed "docs: examples with a key on the command line:"; printf '  %s\n' "$keyed"
fi

# ---- 5. every source file is named where its folder is described ----------
unnamed=()
for f in $(git ls-files 'plugin/*/*.c' 2>/dev/null); do
  row=$(grep "^| \`$(basename "$(dirname "$f")")/\`" plugin/README.md)
  printf '%s' "$row" | grep -qF "\`$(basename "$f")\`" || unnamed+=("$f (plugin/README.md, its folder's row)")
done
for f in $(git ls-files 'host-sample/*.c' ':!host-sample/*/*' 2>/dev/null); do
  b=$(basename "$f" .c)
  grep -qF -e "\`$b.c\`" -e "\`${b%%_*}*.c\`" host-sample/README.md || unnamed+=("$f (host-sample/README.md)")
done
if [ ${#unnamed[@]} -eq 0 ]; then
  passed "docs: every C file of plugin/ and host-sample/ is named in its folder's README"
else
  failed "docs: C files their README does not name:"; printf '  %s\n' "${unnamed[@]}"
fi
