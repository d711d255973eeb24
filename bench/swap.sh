#!/usr/bin/env bash
# Hot-swap benchmark: wasmweb serve with the demo site, its hello plugin
# replaced through the admin API while it serves.
#
#   bench/swap.sh                          # DURATION=10 RUNS=3 N=100
#   DURATION=30 RUNS=5 bench/swap.sh       # the longer, steadier variant
#
# 1. Throughput of GET / (wrk, pinned like run.sh) with no swaps and with
#    one swap per second (bench/swaptime -every 1s on the load CPU,
#    PUTting the two builds of hello alternately), round-robin for RUNS
#    rounds: median req/s, p50/p99, errors, swaps done and refused.
# 2. N swaps one after the other (bench/swaptime): the time from sending
#    the PUT to the first GET / answered by the new build, and the PUT
#    answer's load_ms and total_ms.
#
# With FRESH=1 each timed swap of part 2 is a build never seen before (the
# server then runs with an empty compilation cache of its own, so that
# it compiles every one); by default it alternates the two builds, which
# the server compiles once and then finds in its cache.
#
# Knobs: DURATION, RUNS, N, FRESH, CONNS, WARMUP, PORT_BASE, SERVER_CPU,
# LOAD_CPU, WASMWEB_BIN, STARTUP_TIMEOUT, MAX_OTHER, QUIET_TIMEOUT,
# QUIET_BUDGET (see bench/README.md). The report goes to stdout and to
# bench/results/swap-latest.md, the raw outputs to bench/results/swap-raw/.
set -euo pipefail
SCRIPT_START=$SECONDS
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=$ROOT/bench
RESULTS_DIR=$BENCH_DIR/results
log() { printf 'swap: %s\n' "$*" >&2; }

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
N=${N:-100}
CONNS=${CONNS:-50}
WARMUP=${WARMUP:-2}
PORT_BASE=${PORT_BASE:-18080}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
WASMWEB_BIN=${WASMWEB_BIN:-}
FRESH=${FRESH:-0}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-180}
MAX_OTHER=${MAX_OTHER:-25}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-30}
QUIET_BUDGET=${QUIET_BUDGET:-120}
. "$BENCH_DIR/lib.sh" # wait_quiet, wrk_row, fmt_lat, build_plugins, tree_label

PORT=$PORT_BASE
ADMIN_PORT=$((PORT_BASE + 200))
URL=http://127.0.0.1:$PORT/
ADMIN_URL=http://127.0.0.1:$ADMIN_PORT/v1/sites/demo/plugins/hello
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)

tmp=$(mktemp -d)
SERVER_PID=""
LOOP_PID=""
cleanup() {
	for p in $LOOP_PID $SERVER_PID; do kill "$p" 2>/dev/null || true; done
	for p in $LOOP_PID $SERVER_PID; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null 2>&1; then
	log "wrk not found; installing it with apt-get"
	apt-get update && apt-get install -y wrk
fi
for c in taskset curl; do
	command -v "$c" >/dev/null 2>&1 || { log "$c is needed"; exit 1; }
done

# Binaries: wasmweb (built here unless WASMWEB_BIN is given) and swaptime.
if [[ -n $WASMWEB_BIN ]]; then
	BIN=$(realpath "$WASMWEB_BIN")
	[[ -x $BIN ]] || { log "WASMWEB_BIN=$WASMWEB_BIN is not an executable"; exit 1; }
else
	log "building ./cmd/wasmweb"
	go build -o "$tmp/wasmweb" ./cmd/wasmweb
	BIN=$tmp/wasmweb
fi
log "building bench/swaptime"
(cd "$BENCH_DIR" && go build -o "$tmp/swaptime" ./swaptime)
# The demo site's plugins, built before the server starts (it would build
# stale ones itself, inside the start-up timeout).
build_plugins "$BIN" "$ROOT" "$tmp/plugins.log"
WASM=$ROOT/plugins/hello/hello.wasm
grep -q "Hello, world" "$WASM" || { log "$WASM does not hold \"Hello, world\""; exit 1; }

for p in "$PORT" "$ADMIN_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		log "something already listens on 127.0.0.1:$p; set PORT_BASE"
		exit 1
	fi
done

SERVER_CMD="serve --listen 127.0.0.1:$PORT --admin 127.0.0.1:$ADMIN_PORT"
# FRESH=1: a cache of its own, removed on exit, which the fresh builds
# fill (the server then compiles the demo site's plugins at start too).
(( ! FRESH )) || SERVER_CMD+=" --cache-dir $tmp/cache"
log "starting wasmweb $SERVER_CMD on CPU $SERVER_CPU"
# shellcheck disable=SC2086  # the command line is split on purpose
(cd "$ROOT" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" "$BIN" $SERVER_CMD) >"$tmp/server.log" 2>&1 &
SERVER_PID=$!
deadline=$((SECONDS + STARTUP_TIMEOUT))
until body=$(curl -fsS --max-time 1 "$URL" 2>/dev/null); do
	if ! kill -0 "$SERVER_PID" 2>/dev/null || (( SECONDS >= deadline )); then
		log "wasmweb did not answer on $URL within ${STARTUP_TIMEOUT}s; its output:"
		sed 's/^/    /' "$tmp/server.log" | tail -n 20 >&2
		exit 1
	fi
	sleep 0.1
done
[[ $body == "Hello, world" ]] || log "warning: GET / answered '${body:0:60}', not 'Hello, world'"

SWAPTIME=(taskset -c "$LOAD_CPU" "$tmp/swaptime" -wasm "$WASM" -url "$URL" -admin "$ADMIN_URL")
WRK=(taskset -c "$LOAD_CPU" wrk -t1 "-c$CONNS" "-d${DURATION}s" --latency "$URL")

# A warm-up of each: plain load, then load with swaps.
log "warm-up: ${WARMUP}s of wrk, then ${WARMUP}s with swaps"
taskset -c "$LOAD_CPU" wrk -t1 "-c$CONNS" "-d${WARMUP}s" "$URL" >"$tmp/warmup.txt" 2>&1
"${SWAPTIME[@]}" -every 1s -for "${WARMUP}s" >"$tmp/warmup-swaps.txt" 2>&1 &
LOOP_PID=$!
taskset -c "$LOAD_CPU" wrk -t1 "-c$CONNS" "-d${WARMUP}s" "$URL" >>"$tmp/warmup.txt" 2>&1
wait "$LOOP_PID" || true
LOOP_PID=""

# measure MODE ROUND: one wrk run, with the swap loop next to it when
# MODE is "swaps". Appends "req/s p50 p99 errors done refused" to ROWS[MODE].
declare -A ROWS=()
measure() {
	local mode=$1 r=$2 out=$tmp/wrk-$1-$2.txt row done=0 refused=0
	wait_quiet
	if [[ $mode == swaps ]]; then
		"${SWAPTIME[@]}" -every 1s -for "${DURATION}s" >"$tmp/loop-$r.txt" 2>"$tmp/loop-$r.err" &
		LOOP_PID=$!
	fi
	"${WRK[@]}" >"$out" 2>&1 || true
	if [[ $mode == swaps ]]; then
		wait "$LOOP_PID" || log "  the swap loop failed: $(tail -n 1 "$tmp/loop-$r.err")"
		LOOP_PID=""
		done=$(sed -n 's/^done=\([0-9]*\) .*/\1/p' "$tmp/loop-$r.txt")
		refused=$(sed -n 's/.* refused=\([0-9]*\)$/\1/p' "$tmp/loop-$r.txt")
	fi
	row=$(wrk_row "$out") || return 1
	ROWS[$mode]+="$row ${done:-?} ${refused:-?}"$'\n'
	log "  $mode, run $r: $(awk '{printf "%.0f req/s, p99 %s µs, errors %s", $1, $3, $4}' <<<"$row")$([[ $mode == swaps ]] && echo ", swaps done $done, refused $refused")"
}

log "throughput: $RUNS round(s) of ${DURATION}s, no swaps and one swap per second"
for ((r = 1; r <= RUNS; r++)); do
	if (( r % 2 )); then order=(none swaps); else order=(swaps none); fi
	for m in "${order[@]}"; do measure "$m" "$r" || log "  $m, run $r: no figures"; done
done

log "swap latency: $N swaps, one after the other"
wait_quiet
FRESH_FLAG=()
(( ! FRESH )) || FRESH_FLAG=(-fresh)
"${SWAPTIME[@]}" -n "$N" "${FRESH_FLAG[@]}" >"$tmp/swaptime.txt" 2>"$tmp/swaptime.err" || {
	log "swaptime failed: $(tail -n 3 "$tmp/swaptime.err")"
}
generation=$(curl -fsS "http://127.0.0.1:$ADMIN_PORT/v1/sites/demo" | tr -d ' \n' | grep -o '"name":"hello","generation":[0-9]*' | grep -o '[0-9]*$' || echo "?")

# ------------------------------------------------------------ report ---
# median_row MODE: the row of the median run by req/s (the lower middle
# one for an even RUNS).
median_row() { sed '/^$/d' <<<"${ROWS[$1]}" | sort -n -k1,1 | sed -n "$(( (RUNS + 1) / 2 ))p"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$tmp/swaptime.txt" | tail -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }

cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ {gsub(/^[ \t]+/, "", $2); print $2; exit}')
report=$tmp/report.md
{
	echo "# wasmweb hot-swap benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- Machine: ${cpu_model:-unknown CPU}, $(nproc) CPUs, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}'), kernel $(uname -r)"
	echo "- $(go version), $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')"
	echo "- wasmweb tree: $(tree_label "$ROOT")$([[ -n $WASMWEB_BIN ]] && echo ", binary WASMWEB_BIN=$WASMWEB_BIN")"
	echo "- Settings: DURATION=$DURATION RUNS=$RUNS N=$N FRESH=$FRESH CONNS=$CONNS WARMUP=$WARMUP, server on CPU $SERVER_CPU, load and swaps on CPU $LOAD_CPU"
	echo "- Load average (1/5/15 min) at the start: $LOADAVG_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the box skews the figures); the script took $((SECONDS - SCRIPT_START)) s"
	echo "- hello's generation at the end: $generation"
	echo
	echo "## Throughput with and without swaps (GET /, $CONNS connections, ${DURATION}s × $RUNS run(s), interleaved)"
	echo
	echo "| load | req/s (median) | req/s (all runs) | p50 | p99 | socket errors + non-2xx (all runs) | swaps done / refused (all runs) |"
	echo "|---|---:|---|---:|---:|---|---|"
	for m in none swaps; do
		[[ -n ${ROWS[$m]:-} ]] || continue
		read -r rps p50 p99 _ _ _ <<<"$(median_row "$m")"
		all=$(sed '/^$/d' <<<"${ROWS[$m]}" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
		errs=$(sed '/^$/d' <<<"${ROWS[$m]}" | awk '{printf "%s%s", (NR > 1 ? ", " : ""), $4}')
		swaps="—"
		[[ $m == none ]] || swaps=$(sed '/^$/d' <<<"${ROWS[$m]}" | awk '{printf "%s%s / %s", (NR > 1 ? ", " : ""), $5, $6}')
		label="no swaps"
		[[ $m == none ]] || label="one swap per second"
		printf '| %s | %.0f | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$all" "$(fmt_lat "$p50")" "$(fmt_lat "$p99")" "$errs" "$swaps"
	done
	echo
	echo "\"All runs\" columns are in the order of the runs. Odd rounds ran without swaps first, even rounds with swaps first. A swap run's \"done / refused\" counts the PUTs of the loop next to wrk (one per second; a PUT that takes longer delays the next): done is a 200 answer, refused anything else."
	echo
	if [[ -n ${ROWS[none]:-} && -n ${ROWS[swaps]:-} ]]; then
		read -r rps0 _ p990 _ <<<"$(median_row none)"
		read -r rps1 _ p991 _ <<<"$(median_row swaps)"
		r=$(ratio "$rps1" "$rps0")
		allerr=$(printf '%s%s' "${ROWS[none]}" "${ROWS[swaps]}" | awk 'NF {n += $4} END {print n + 0}')
		refused=$(sed '/^$/d' <<<"${ROWS[swaps]}" | awk '{n += ($6 == "?" ? 1 : $6)} END {print n + 0}')
		echo "| target | measured | result |"
		echo "|---|---:|---|"
		echo "| req/s with one swap per second ≥ 0.9× without | ${r}× | $(awk -v r="$r" 'BEGIN { print (r >= 0.9 ? "**met**" : "**not met**") }') |"
		echo "| p99 with swaps against without (for information) | $(fmt_lat "$p991") vs $(fmt_lat "$p990") | — |"
		echo "| socket errors + non-2xx, all runs = 0 | $allerr | $( (( allerr == 0 )) && echo "**met**" || echo "**not met**") |"
		echo "| swaps refused = 0 | $refused | $( (( refused == 0 )) && echo "**met**" || echo "**not met**") |"
		echo
	fi
	if (( FRESH )); then
		echo "## Time for a swap to show ($N swaps of builds never seen before, one after the other, no other load)"
	else
		echo "## Time for a swap to show ($N swaps alternating two builds, one after the other, no other load)"
	fi
	echo
	if grep -q "^summary " "$tmp/swaptime.txt" 2>/dev/null; then
		echo "| | p50 | p99 | max |"
		echo "|---|---:|---:|---:|"
		echo "| PUT sent → first GET / answered by the new build | $(field shown_p50) ms | $(field shown_p99) ms | $(field shown_max) ms |"
		echo "| server: load_ms (compile, check, warm instances) | $(field load_p50) ms | $(field load_p99) ms | |"
		echo "| server: total_ms (the whole change) | $(field total_p50) ms | $(field total_p99) ms | |"
		echo
		echo "Swaps timed: $(field swaps). GET / is polled on one keep-alive connection (on CPU $LOAD_CPU) while the PUT is in flight; the time ends at the first answer with the new build's body. load_ms and total_ms are from the PUT's JSON answer.$( (( FRESH )) && echo " Each swap put a build never seen before (its answer \"Hello, \" and five random letters), compiled by the server (empty compilation cache of its own)." || echo " The two builds alternate: the server compiles each once (or not at all, from its cache of earlier runs) and then finds it in its compilation cache, so load_ms is mostly checking and warming; FRESH=1 measures swaps that compile.")"
	else
		echo "**Not measured:** swaptime failed: $(tail -n 1 "$tmp/swaptime.err")"
	fi
	echo
	echo "## Commands"
	echo
	echo '```sh'
	echo "GOMAXPROCS=1 taskset -c $SERVER_CPU ./wasmweb ${SERVER_CMD//$tmp/TMP}   # from the repository root, the demo site (wasmweb.example.toml)"
	echo "taskset -c $LOAD_CPU wrk -t1 -c$CONNS -d${DURATION}s --latency $URL   # no swaps and with swaps, $RUNS round(s), after ${WARMUP}s of warm-up each"
	echo "taskset -c $LOAD_CPU ./swaptime -wasm plugins/hello/hello.wasm -url $URL -admin $ADMIN_URL -every 1s -for ${DURATION}s   # next to wrk in the swap runs"
	echo "taskset -c $LOAD_CPU ./swaptime -wasm plugins/hello/hello.wasm -url $URL -admin $ADMIN_URL -n $N$( (( FRESH )) && echo " -fresh")"
	echo '```'
	echo
	echo "Binaries: \`go build -o DIR/wasmweb ./cmd/wasmweb\` (repository root) and \`go build ./swaptime\` (in bench/). The second build of hello is plugins/hello/hello.wasm with \"Hello, world\" changed to \"Hello, World\" in its bytes."
} >"$report"

mkdir -p "$RESULTS_DIR"
cp "$report" "$RESULTS_DIR/swap-latest.md"
rm -rf "$RESULTS_DIR/swap-raw"
mkdir -p "$RESULTS_DIR/swap-raw"
cp "$tmp"/*.txt "$tmp"/*.log "$tmp"/*.err "$RESULTS_DIR/swap-raw/" 2>/dev/null || true
cat "$report"
log "written to $RESULTS_DIR/swap-latest.md (raw outputs in $RESULTS_DIR/swap-raw/)"
