#!/usr/bin/env bash
# `make bench`: every workload side by side in one run, each client's runs
# interleaved with the others' so all see the same machine, each figure the
# median of BENCH_RUNS runs with the minimum and maximum beside it.  Writes
# build/bench/report.md (the tables, the machine, every component's
# version, which target each figure meets) and build/bench/chart.png
# (gnuplot; installed from Debian when missing and possible, else the
# report says the chart was skipped).  Benchmarks are not tests: nothing
# here fails on a slow figure, only on a client that failed to run.
#
# Settings (environment): BENCH_RUNS (5), BENCH_KS ("1 16 64 256 1024"),
# BENCH_CHUNKS (2000 chunks per stream for the concurrency runs),
# BENCH_SINGLE (100000 chunks for the single stream), BENCH_NO_NODE=1 to
# leave the node SDK out, BENCH_NO_CALLGRIND=1 to leave out the
# instruction counts.
set -uo pipefail
build=${1:-build}
version=${2:-}
out=$build/bench
runs=${BENCH_RUNS:-5}
ks=${BENCH_KS:-"1 16 64 256 1024"}
conc_chunks=${BENCH_CHUNKS:-2000}
single_chunks=${BENCH_SINGLE:-100000}
src=$(cd "$(dirname "$0")" && pwd)
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

for b in bench_server bench_load bench_cold bench_format bench_host; do
  if [ ! -x "$out/$b" ]; then
    echo "bench: $out/$b is missing (run make bench)" >&2
    exit 1
  fi
done
# The cold-start baseline holds libcurl only (Makefile); a bare .so that
# loaded json-c would make every cold-start ratio look better than it is.
if readelf -d "$out/bare_plugin.so" | grep -q 'NEEDED.*libjson-c'; then
  echo "bench: $out/bare_plugin.so needs libjson-c; the baseline must link libcurl only (Makefile)" >&2
  exit 1
fi
data=$out/data
rm -rf "$data"
mkdir -p "$data"
notes=$data/notes
: >"$notes"
note() { echo "- $*" >>"$notes"; echo "bench: $*" >&2; }

# ------------------------------------------------------------ the server
"$out/bench_server" "$data/port" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$data/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$data/port")

# ------------------------------------------------------ the node SDK peer
node_ok=0
sdk_version=""
if [ -n "${BENCH_NO_NODE:-}" ]; then
  note "the node SDK was left out (BENCH_NO_NODE)"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  note "node or npm is not installed: the openai SDK figures are missing"
else
  mkdir -p "$out/node"
  cp "$src/node/package.json" "$out/node/package.json"
  if (cd "$out/node" && timeout 300 npm install --no-audit --no-fund --silent >/dev/null 2>&1); then
    node_ok=1
    sdk_version=$(node -p "require('$(cd "$out/node" && pwd)/node_modules/openai/package.json').version")
  else
    note "npm could not install the pinned openai SDK (registry unreachable?): its figures are missing"
  fi
fi
export BENCH_NODE_MODULES=$(cd "$out" && pwd)/node/node_modules

# ------------------------------------------------------------ one run each
# run WORKLOAD CLIENT RUN COMMAND...: the RESULT line's key=value pairs go
# to $data/WORKLOAD.CLIENT as one line per run; a failed run is noted.
run() {
  local w=$1 c=$2 r=$3
  shift 3
  local line
  line=$("$@" 2>>"$data/stderr" | grep '^RESULT ' | tail -1)
  if [ -z "$line" ]; then
    note "$w: $c run $r failed (see $data/stderr)"
    return 1
  fi
  echo "${line#RESULT }" >>"$data/$w.$c"
}

stream_client() { # CLIENT K N
  if [ "$1" = node ]; then
    node "$src/node/bench_openai.mjs" "$2" "$3" "$url"
  else
    "$out/bench_load" stream "$1" "$2" "$3" "$url"
  fi
}

clients=(raw curljson plugin host)
[ $node_ok = 1 ] && clients+=(node)
echo "bench: 1/7 one stream of $single_chunks chunks ($runs runs)" >&2
for r in $(seq "$runs"); do
  for c in "${clients[@]}"; do
    run single "$c" "$r" stream_client "$c" 1 "$single_chunks"
  done
done

conc=(curljson plugin)
[ $node_ok = 1 ] && conc+=(node)
for k in $ks; do
  echo "bench: 2/7 K=$k streams of $conc_chunks chunks ($runs runs)" >&2
  for r in $(seq "$runs"); do
    for c in "${conc[@]}"; do
      run "k$k" "$c" "$r" stream_client "$c" "$k" "$conc_chunks"
    done
  done
done

echo "bench: 3/7 requests one after another ($runs runs of 300)" >&2
# One request at a time is a ping-pong between client and server: where
# the scheduler puts the two changes a request's time by up to half (runs
# on this 2-core VM fell into two modes, 33 or 55 us for raw libcurl).
# With two cores or more, a server of its own runs on the last core and
# every client on the first, so all clients see the same placement.
req_url=$url
pin=()
req_server=
# The CPUs this script may use (a cpuset need not start at 0).
cpus=$(taskset -pc $$ 2>/dev/null | sed 's/.*: *//' | tr ',' '\n' |
       awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c }')
first_cpu=$(echo "$cpus" | head -1)
last_cpu=$(echo "$cpus" | tail -1)
if [ -n "$cpus" ] && [ "$first_cpu" != "$last_cpu" ]; then
  taskset -c "$last_cpu" "$out/bench_server" "$data/port.request" &
  req_server=$!
  trap 'kill $server $req_server 2>/dev/null' EXIT
  for _ in $(seq 50); do [ -s "$data/port.request" ] && break; sleep 0.1; done
  if [ -s "$data/port.request" ] && kill -0 "$req_server" 2>/dev/null; then
    req_url=http://127.0.0.1:$(cat "$data/port.request")
    pin=(taskset -c "$first_cpu")
    note "per request: server pinned to CPU $last_cpu, clients to CPU $first_cpu"
  else
    kill "$req_server" 2>/dev/null
    wait "$req_server" 2>/dev/null
    req_server=
    note "per request: the pinned server did not start; client and server unpinned"
  fi
else
  note "per request: one CPU (or no taskset): client and server unpinned"
fi
for r in $(seq "$runs"); do
  for c in raw curljson plugin; do
    run request "$c" "$r" "${pin[@]}" "$out/bench_load" request "$c" 300 "$req_url"
  done
done
if [ -n "$req_server" ]; then
  kill "$req_server" 2>/dev/null
  wait "$req_server" 2>/dev/null
  req_server=
fi

echo "bench: 4/7 cold start ($runs runs of 200 cycles, two hosts)" >&2
# bench_cold links libcurl only: "plain" is a host without json-c, "jsonc"
# one that has libjson-c.so loaded too (bench_cold loads it first).
jsonc_so=$(pkg-config --variable=libdir json-c)/libjson-c.so
for r in $(seq "$runs"); do
  run cold plain "$r" "$out/bench_cold" "$build/stripped/litellm_provider.so" \
    "$out/bare_plugin.so" 200
  run cold jsonc "$r" "$out/bench_cold" "$build/stripped/litellm_provider.so" \
    "$out/bare_plugin.so" 200 "$jsonc_so"
done

echo "bench: 5/7 request building ($runs runs)" >&2
for r in $(seq "$runs"); do
  "$out/bench_format" >"$data/format.out" 2>>"$data/stderr" ||
    note "bench_format run $r: formatting copied the image bytes more than once, or failed (see $data/format.out)"
  line=$(sed -n 's/^format .*plugin \([0-9.]*\) us\/message, baseline[^0-9]*\([0-9.]*\) us\/message, ratio \([0-9.]*\).*/plugin=\1 baseline=\2 ratio=\3/p' "$data/format.out")
  if [ -n "$line" ]; then echo "$line" >>"$data/format.both"; else note "format run $r failed"; fi
done

echo "bench: 6/7 memory, 10k and 1M chunks ($runs runs)" >&2
for r in $(seq "$runs"); do
  run mem10k plugin "$r" "$out/bench_load" stream plugin 1 10000 "$url"
  run mem1m plugin "$r" "$out/bench_load" stream plugin 1 1000000 "$url"
done

echo "bench: 7/7 the sample host against the bare ABI (bench_host)" >&2
"$out/bench_host" >"$data/host.out" 2>>"$data/stderr" || note "bench_host failed (see $data/stderr)"

# Instruction counts: repeatable whatever else the machine does, so they
# check the timed ratios above (which a loaded machine moves around).
have_cg=0
if [ -z "${BENCH_NO_CALLGRIND:-}" ] && command -v valgrind >/dev/null; then
  echo "bench: instruction counts (callgrind)" >&2
  have_cg=1
  for c in curljson plugin; do
    valgrind --tool=callgrind --callgrind-out-file="$data/cg.stream.$c" \
      "$out/bench_load" stream "$c" 1 20000 "$url" >/dev/null 2>&1 || have_cg=0
  done
  # 50 and 250 requests: the difference over 200 is one request's count,
  # without the process's start-up.
  for c in raw curljson plugin; do
    for m in 50 250; do
      f=$data/cg.request.$c; [ $m = 250 ] && f=$f.250
      valgrind --tool=callgrind --callgrind-out-file="$f" \
        "$out/bench_load" request "$c" $m "$url" >/dev/null 2>&1 || have_cg=0
    done
  done
elif [ -z "${BENCH_NO_CALLGRIND:-}" ]; then
  note "valgrind is missing: no instruction counts"
fi
kill $server 2>/dev/null

# ------------------------------------------------------------ statistics
# field FILE KEY: the values of KEY, one a line.
field() { [ -f "$1" ] && sed -n "s/.*\\b$2=\\([-0-9.]*\\).*/\\1/p" "$1"; }
# stat: median, min, max of the numbers on stdin ("- - -" when none).
stat() {
  sort -g | awk '{v[NR]=$1} END {
    if (NR == 0) { print "- - -"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}
# per FILE KEY DIVISOR: stat of KEY / DIVISOR per run.
per() { field "$1" "$2" | awk -v d="$3" '{print $1 / d}' | stat; }
fmt() { # "median min max" -> "M (min-max)" with PRINTF format $2
  set -- $1 "$2"
  [ "$1" = - ] && { echo "n/a"; return; }
  printf "$4 ($4-$4)" "$1" "$2" "$3"
}
med() { set -- $1; echo "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
meets() { # VALUE OP LIMIT -> yes/no
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
    if (v == "n/a" || v == "-") { print "not measured"; exit }
    ok = op == "<=" ? v <= l : v >= l; print ok ? "yes" : "**no**" }'
}

# ---------------------------------------------------------------- report
report=$out/report.md
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
echo "# Benchmark report"
echo
echo "Made by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)."
echo "Each figure is the median of $runs runs, with the minimum and maximum in brackets;"
echo "every client's runs were interleaved with the others' in the same run of this script."
echo
echo "## Machine and versions"
echo
echo "- CPU: ${cpu:-unknown}, $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(uname -sr); $(ldd --version 2>/dev/null | head -1)"
echo "- plugin ${version:-?}; compiler: $(${CC:-cc} --version | head -1)"
echo "- libcurl $(pkg-config --modversion libcurl 2>/dev/null), json-c $(pkg-config --modversion json-c 2>/dev/null)"
if [ $node_ok = 1 ]; then
  echo "- node $(node --version), the official openai SDK $sdk_version (pinned in tests/bench/node/package.json)"
fi
echo "- server: build/bench/bench_server (one thread, epoll, loopback, each answer sent from memory)"
echo
echo "Clients (tests/bench/bench_load.c, tests/bench/node/bench_openai.mjs): *raw libcurl* receives"
echo "the bytes only; *libcurl + json-c* also splits the SSE lines and parses and frees each"
echo "payload with json-c, each thread on the C locale object (uselocale) as a client tuned"
echo "for threads would be; *the plugin* is build/litellm_provider.so through the ABI, one"
echo "instance per thread, events counted; the *openai SDK* runs K requests in one Node"
echo "process after one warm-up request.  CPU is the whole process's user + system time"
echo "while the streams run."
echo
} >"$report"

# 1. one stream
{
echo "## 1. One stream of $single_chunks chunks: CPU per chunk and peak RSS"
echo
echo "| client | CPU us/chunk | x libcurl + json-c | peak RSS MiB |"
echo "|---|---|---|---|"
base1=$(per "$data/single.curljson" cpu_us "$single_chunks")
for c in raw curljson plugin host node; do
  name=$c
  case $c in
    raw) name="raw libcurl (no parse)";;
    curljson) name="libcurl + json-c";;
    plugin) name="the plugin through the ABI";;
    host) name="the sample host (agent-host) to a pipe, with the batch hint; whole process";;
    node) name="openai SDK $sdk_version (node)";;
  esac
  [ -f "$data/single.$c" ] || { echo "| $name | not measured | | |"; continue; }
  s=$(per "$data/single.$c" cpu_us "$single_chunks")
  m=$(field "$data/single.$c" hwm_kb | awk '{print $1 / 1024}' | stat)
  echo "| $name | $(fmt "$s" %.3f) | $(ratio "$(med "$s")" "$(med "$base1")") | $(fmt "$m" %.1f) |"
done
echo
} >>"$report"

# 2. concurrency
total_k() { echo $(( $1 * conc_chunks )); }
{
echo "## 2. K streams at once, $conc_chunks chunks each (one thread and one client each; node: K requests in one process)"
echo
echo "| K | client | chunks/s | CPU us/chunk | x libcurl + json-c | peak RSS MiB | threads | descriptors |"
echo "|---|---|---|---|---|---|---|---|"
} >>"$report"
: >"$data/chart.dat"
for k in $ks; do
  n=$(total_k "$k")
  b=$(per "$data/k$k.curljson" cpu_us "$n")
  row="$k"
  for c in curljson plugin node; do
    f=$data/k$k.$c
    [ -f "$f" ] || { row="$row - - -"; continue; }
    s=$(per "$f" cpu_us "$n")
    rate=$(field "$f" wall_us | awk -v n="$n" '{print n / ($1 / 1e6)}' | stat)
    mem=$(field "$f" hwm_kb | awk '{print $1 / 1024}' | stat)
    thr=$(field "$f" threads | stat)
    fds=$(field "$f" fds | stat)
    name=$c
    [ $c = curljson ] && name="libcurl + json-c"
    [ $c = node ] && name="openai SDK (node)"
    echo "| $k | $name | $(fmt "$rate" %.0f) | $(fmt "$s" %.2f) | $(ratio "$(med "$s")" "$(med "$b")") | $(fmt "$mem" %.1f) | $(med "$thr") | $(med "$fds") |" >>"$report"
    row="$row $s"
  done
  echo "$row" >>"$data/chart.dat"
done
echo >>"$report"

# 3. per request
{
echo "## 3. Per request: 300 short answers (3 chunks) one after another on a reused connection"
echo
echo "| client | first event / byte us | return us | CPU us | return x raw libcurl | return x libcurl + json-c |"
echo "|---|---|---|---|---|---|"
rb=$(field "$data/request.curljson" total_us | stat)
rr=$(field "$data/request.raw" total_us | stat)
for c in raw curljson plugin; do
  f=$data/request.$c
  [ -f "$f" ] || continue
  name=$c
  [ $c = raw ] && name="raw libcurl"
  [ $c = curljson ] && name="libcurl + json-c"
  [ $c = plugin ] && name="the plugin"
  t=$(field "$f" total_us | stat)
  echo "| $name | $(fmt "$(field "$f" first_us | stat)" %.1f) | $(fmt "$t" %.1f) | $(fmt "$(field "$f" cpu_us | stat)" %.1f) | $(ratio "$(med "$t")" "$(med "$rr")") | $(ratio "$(med "$t")" "$(med "$rb")") |"
done
echo
echo "## 4. Cold start: load, init, create, destroy, deinit, unload (libcurl already in the process)"
echo
echo "Median of 200 cycles per run; page faults are the minor faults of one cycle (median)."
echo "The plugin carries its own json-c, so a host need not have libjson-c.so loaded."
echo
echo "| host | the plugin, stripped as installed: us | faults | a bare .so doing only libcurl's global init: us | faults | ratio |"
echo "|---|---|---|---|---|---|"
for h in plain jsonc; do
  f=$data/cold.$h
  hp=$(field "$f" plugin_us | stat)
  hb=$(field "$f" bare_us | stat)
  name="libcurl only"
  [ $h = jsonc ] && name="libcurl and libjson-c.so"
  echo "| $name | $(fmt "$hp" %.1f) | $(med "$(field "$f" plugin_faults | stat)") | $(fmt "$hb" %.1f) | $(med "$(field "$f" bare_faults | stat)") | $(ratio "$(med "$hp")" "$(med "$hb")") |"
done
pc=$(field "$data/cold.plain" plugin_us | stat)
bc=$(field "$data/cold.plain" bare_us | stat)
echo
echo "## 5. Request building: 200 messages with 1 MiB of images"
echo
fp=$(field "$data/format.both" plugin | stat)
fb=$(field "$data/format.both" baseline | stat)
fr=$(field "$data/format.both" ratio | stat)
echo "| | us per message |"
echo "|---|---|"
echo "| the plugin (parse, check, write the body) | $(fmt "$fp" %.2f) |"
echo "| json-c parse + serialise of the same JSON | $(fmt "$fb" %.2f) |"
echo "| ratio (per run) | $(fmt "$fr" %.2f) |"
echo
echo "## 6. Memory: one stream of 10k vs 1M chunks through the plugin"
echo
m1=$(field "$data/mem10k.plugin" hwm_kb | stat)
m2=$(field "$data/mem1m.plugin" hwm_kb | stat)
echo "| chunks | peak RSS KiB |"
echo "|---|---|"
echo "| 10,000 | $(fmt "$m1" %.0f) |"
echo "| 1,000,000 | $(fmt "$m2" %.0f) |"
echo "| difference | $(awk -v a="$(med "$m2")" -v b="$(med "$m1")" 'BEGIN { printf "%+.0f", a - b }') |"
echo
} >>"$report"

if [ -s "$data/host.out" ]; then
  {
  echo "## 7. The sample host in detail (tests/bench/bench_host.c: its own runs, median of 9, on build/mock-server)"
  echo
  echo '```'
  cat "$data/host.out"
  echo '```'
  echo
  } >>"$report"
fi

# Instruction counts
if [ $have_cg = 1 ]; then
  ir() { sed -n 's/^summary: \([0-9]*\).*/\1/p' "$1" | head -1; }
  sp=$(ir "$data/cg.stream.plugin"); sb=$(ir "$data/cg.stream.curljson")
  rp=$(ir "$data/cg.request.plugin"); rq=$(ir "$data/cg.request.curljson")
  {
  echo "## Instruction counts (callgrind; repeatable under load)"
  echo
  echo "Whole processes (startup included): one stream of 20,000 chunks, and 50 requests one after another."
  echo
  echo "| workload | plugin | libcurl + json-c | ratio |"
  echo "|---|---|---|---|"
  echo "| stream, 20k chunks | $sp | $sb | $(ratio "$sp" "$sb") |"
  echo "| 50 requests | $rp | $rq | $(ratio "$rp" "$rq") |"
  echo
  one() { awk -v a="$(ir "$data/cg.request.$1")" -v b="$(ir "$data/cg.request.$1.250")" \
          'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", (b - a) / 200 }'; }
  op=$(one plugin); oq=$(one curljson); or=$(one raw)
  echo "One request (the difference between 250 and 50 requests, over 200):"
  echo
  echo "| client | instructions | x raw libcurl |"
  echo "|---|---|---|"
  echo "| raw libcurl | $or | 1.00 |"
  echo "| libcurl + json-c | $oq | $(ratio "$oq" "$or") |"
  echo "| the plugin | $op | $(ratio "$op" "$or") |"
  echo
  } >>"$report"
fi

# Targets
{
echo "## Targets"
echo
echo "| target | measured (medians) | met |"
echo "|---|---|---|"
for k in $ks; do
  n=$(total_k "$k")
  r=$(ratio "$(med "$(per "$data/k$k.plugin" cpu_us "$n")")" "$(med "$(per "$data/k$k.curljson" cpu_us "$n")")")
  echo "| K=$k: plugin <= 1.15x libcurl + json-c CPU per chunk | ${r}x | $(meets "$r" "<=" 1.15) |"
done
if [ $node_ok = 1 ]; then
  for k in $ks; do
    [ "$k" -le 256 ] || continue
    n=$(total_k "$k")
    r=$(ratio "$(med "$(per "$data/k$k.node" cpu_us "$n")")" "$(med "$(per "$data/k$k.plugin" cpu_us "$n")")")
    mr=$(ratio "$(med "$(field "$data/k$k.node" hwm_kb | stat)")" "$(med "$(field "$data/k$k.plugin" hwm_kb | stat)")")
    echo "| K=$k: >= 3x less CPU than the node SDK | ${r}x less | $(meets "$r" ">=" 3) |"
    echo "| K=$k: >= 5x less memory than the node SDK | ${mr}x less | $(meets "$mr" ">=" 5) |"
  done
else
  echo "| K <= 256: 3x less CPU, 5x less memory than the node SDK | not measured (see notes) | not measured |"
fi
# The issue's target names libcurl: raw libcurl, which parses nothing.
r=$(ratio "$(med "$(field "$data/request.plugin" total_us | stat)")" "$(med "$(field "$data/request.raw" total_us | stat)")")
echo "| per request (return) <= 1.1x raw libcurl | ${r}x | $(meets "$r" "<=" 1.1) |"
echo "| request building <= 1.15x json-c | $(med "$fr")x | $(meets "$(med "$fr")" "<=" 1.15) |"
r=$(ratio "$(med "$pc")" "$(med "$bc")")
echo "| cold start <= 1.2x a bare .so (host with libcurl only) | ${r}x | $(meets "$r" "<=" 1.2) |"
last_k=${ks##* }
if [ "$last_k" = 1024 ]; then
  m=$(awk -v v="$(med "$(field "$data/k1024.plugin" hwm_kb | stat)")" 'BEGIN { if (v == "-") print "n/a"; else printf "%.1f", v / 1024 }')
  echo "| 1024 streams under 160 MiB | $m MiB | $(meets "$m" "<=" 160) |"
fi
echo
if [ -s "$notes" ]; then
  echo "## Notes"
  echo
  cat "$notes"
  echo
fi
} >>"$report"

# ----------------------------------------------------------------- chart
if ! command -v gnuplot >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "bench: installing gnuplot (Debian's gnuplot-nox) for the chart" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1
fi
if command -v gnuplot >/dev/null && [ -s "$data/chart.dat" ]; then
  gnuplot <<EOF 2>>"$data/stderr"
set terminal pngcairo size 900,420 font ",10"
set output "$out/chart.png"
set title "CPU per chunk, K streams at once ($conc_chunks chunks each; median, bars min-max)"
set logscale x 2
set xlabel "K (concurrent streams)"
set ylabel "CPU us per chunk (log scale)"
set logscale y
set key top right
set grid
set xrange [0.7:1500]
set yrange [0.5:*]
set datafile missing "-"
plot "$data/chart.dat" using 1:2:3:4 with yerrorlines lw 2 title "libcurl + json-c", \
     "" using 1:5:6:7 with yerrorlines lw 2 title "the plugin", \
     "" using 1:8:9:10 with yerrorlines lw 2 title "openai SDK (node)"
EOF
  [ -s "$out/chart.png" ] && echo "![CPU per chunk against K](chart.png)" >>"$report"
else
  echo "(no chart: gnuplot is not installed and could not be)" >>"$report"
fi
echo "bench: wrote $report" >&2
cat "$report"
