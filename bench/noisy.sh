#!/usr/bin/env bash
# Noisy neighbour: site b (the Go hello plugin) under keep-alive load,
# alone and while site a floods requests that each burn about BURN_MS of
# guest CPU, with a's [site.limits] cpu budget at each of BUDGETS ("none":
# no budget, for comparison). One wasmweb serve pinned to SERVER_CPU with
# GOMAXPROCS=1; both wrk processes pinned to LOAD_CPU.
#
#   bench/noisy.sh                          # defaults below
#   DURATION=20 RUNS=5 bench/noisy.sh
#   BUDGETS=250ms bench/noisy.sh            # only the budgeted server
#
# For each budget, RUNS rounds of: b alone (wrk -c$CONNS, DURATION s), then
# b again while a's flood (wrk -c$FLOOD_CONNS on /burn?N) runs, started
# FLOOD_LEAD s before b's. The report gives, per budget, the median round
# (by b's requests/s under the flood): b's req/s and p99 alone and with a,
# their ratios against the targets (>= 0.7x and <= 2x), a's answers by
# status, and a's guest time and yields (times its calls gave the core up
# part way) per second from the server's /metrics.
#
# The burn: conformance/guests/burn.wasm spins N million times; N is
# calibrated at start so that one call takes about BURN_MS on an idle box.
# Output: Markdown on stdout, also in bench/results/noisy.md.
set -euo pipefail

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNS=${CONNS:-50}
FLOOD_CONNS=${FLOOD_CONNS:-20}
FLOOD_LEAD=${FLOOD_LEAD:-2}
BURN_MS=${BURN_MS:-50}
BUDGETS=${BUDGETS:-"250ms none"}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT=${PORT:-18480}
ADMIN_PORT=${ADMIN_PORT:-18481}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RESULTS_DIR=$BENCH_DIR/results
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmweb-noisy.XXXXXX")
log() { printf 'noisy: %s\n' "$*" >&2; }
MAX_OTHER=25 QUIET_TIMEOUT=20 QUIET_BUDGET=60
. "$BENCH_DIR/lib.sh" # wrk_row, to_us, fmt_lat, cpu_busy, proc_cpu, children_cpu, wait_quiet, tree_label, need_tools, port_free
need_tools wrk curl taskset
port_free "$PORT"
port_free "$ADMIN_PORT"

SERVER_PID=
cleanup() {
	[[ -z $SERVER_PID ]] || kill "$SERVER_PID" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

log "building wasmweb"
(cd "$ROOT" && go build -o "$tmp/wasmweb" ./cmd/wasmweb)
(cd "$ROOT" && "$tmp/wasmweb" build plugins/hello) >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }

# config BUDGET: a config whose site a has that cpu budget.
config() {
	local limits=""
	[[ $1 == none ]] || limits=$'[site.limits]\ncpu = "'$1$'"'
	cat <<EOF
[server]
listen = "127.0.0.1:$PORT"
admin = "127.0.0.1:$ADMIN_PORT"

[[site]]
name = "a"
hosts = ["a"]
$limits
[site.plugins]
burn = "$ROOT/conformance/guests/burn.wasm"
[[site.route]]
path = "/"
plugin = "burn"
[[site.route]]
path = "/burn"
plugin = "burn"

[[site]]
name = "b"
hosts = ["b"]
[site.plugins]
hello = "$ROOT/plugins/hello/hello.wasm"
[[site.route]]
path = "/"
plugin = "hello"

[[site]]
name = "cal"
hosts = ["cal"]
[site.plugins]
burn = "$ROOT/conformance/guests/burn.wasm"
[[site.route]]
path = "/"
plugin = "burn"
[[site.route]]
path = "/burn"
plugin = "burn"
EOF
}

start_server() {
	config "$1" >"$tmp/noisy.toml"
	GOMAXPROCS=1 taskset -c "$SERVER_CPU" "$tmp/wasmweb" serve --config "$tmp/noisy.toml" >"$tmp/server.log" 2>&1 &
	SERVER_PID=$!
	local i
	for ((i = 0; i < 300; i++)); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' -H 'Host: b' "http://127.0.0.1:$PORT/" 2>/dev/null) == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	log "the server did not answer:"
	cat "$tmp/server.log" >&2
	exit 1
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

# metric SERIES: a value from the server's /metrics (0 when absent).
metric() {
	curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v s="$1" '$1 == s {print $2; f = 1} END {if (!f) print 0}'
}

# calibrate: N such that /burn?N takes about BURN_MS, from site cal.
calibrate() {
	local t best=999
	for _ in 1 2 3 4 5; do
		t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Host: cal' "http://127.0.0.1:$PORT/burn?20")
		best=$(awk -v a="$best" -v b="$t" 'BEGIN {print (b < a ? b : a)}')
	done
	awk -v t="$best" -v ms="$BURN_MS" 'BEGIN {n = int(ms / (t * 1000 / 20) + 0.5); print (n < 1 ? 1 : n)}'
}

WRK() { taskset -c "$LOAD_CPU" wrk -t1 "$@"; }

mkdir -p "$RESULTS_DIR"
report=$tmp/report.md
{
	echo "## Noisy neighbour (\`bench/noisy.sh\`)"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), tree $(tree_label "$ROOT"); server pinned to CPU $SERVER_CPU with GOMAXPROCS=1, both wrk on CPU $LOAD_CPU;"
	echo "b: \`wrk -t1 -c$CONNS -d${DURATION}s\` on the Go hello plugin; a: \`wrk -t1 -c$FLOOD_CONNS\` on /burn, each call about ${BURN_MS} ms of guest CPU; median of $RUNS rounds by b's req/s with a."
	echo
	echo "| a's cpu budget | N (M spins) | b alone req/s | b alone p99 | b with a req/s | b with a p99 | throughput ratio (≥ 0.7) | p99 ratio (≤ 2) | a's answers (200 / other) | a's guest time per s | a's yields per s | box busy (other CPU) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"

for budget in $BUDGETS; do
	log "server with a's cpu budget: $budget"
	start_server "$budget"
	n=$(calibrate)
	log "  /burn?$n (calibrated for ${BURN_MS} ms)"
	WRK -c"$CONNS" -d2s -H 'Host: b' "http://127.0.0.1:$PORT/" >/dev/null # warm-up
	rows=()
	for ((r = 1; r <= RUNS; r++)); do
		wait_quiet
		WRK -c"$CONNS" -d"${DURATION}s" --latency -H 'Host: b' "http://127.0.0.1:$PORT/" >"$tmp/solo.txt"
		read -r solo_rps _ solo_p99 _ < <(wrk_row "$tmp/solo.txt")
		cpu0=$(metric 'wasmweb_site_cpu_seconds_total{site="a"}')
		yields0=$(metric 'wasmweb_guest_yields_total{plugin="burn",site="a"}')
		busy0=$(cpu_busy | awk '{print $1}') srv0=$(proc_cpu "$SERVER_PID") kids0=$(children_cpu)
		WRK -c"$FLOOD_CONNS" -d"$((DURATION + FLOOD_LEAD + 1))s" -H 'Host: a' "http://127.0.0.1:$PORT/burn?$n" >"$tmp/flood.txt" &
		flood=$!
		sleep "$FLOOD_LEAD"
		WRK -c"$CONNS" -d"${DURATION}s" --latency -H 'Host: b' "http://127.0.0.1:$PORT/" >"$tmp/with.txt"
		busy1=$(cpu_busy | awk '{print $1}') srv1=$(proc_cpu "$SERVER_PID") kids1=$(children_cpu)
		wait "$flood"
		cpu1=$(metric 'wasmweb_site_cpu_seconds_total{site="a"}')
		yields1=$(metric 'wasmweb_guest_yields_total{plugin="burn",site="a"}')
		read -r with_rps _ with_p99 _ < <(wrk_row "$tmp/with.txt")
		a_total=$(awk '/requests in/ {print $1}' "$tmp/flood.txt")
		a_other=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$tmp/flood.txt")
		a_other=${a_other:-0}
		a_secs=$((DURATION + FLOOD_LEAD + 1))
		# Other work on the box while b ran with a: busy jiffies of all CPUs
		# less the server's and b's wrk's (a's wrk, still running, counts as
		# other: a few hundred requests a second).
		other=$(awk -v b0="$busy0" -v b1="$busy1" -v s0="$srv0" -v s1="$srv1" -v k0="$kids0" -v k1="$kids1" -v hz="$HZ" -v d="$DURATION" \
			'BEGIN {printf "%.0f", ((b1 - b0) - (s1 - s0) - (k1 - k0)) / hz / d * 100}')
		(( other >= 0 )) || other=0
		row=$(awk -v s="$solo_rps" -v sp="$solo_p99" -v w="$with_rps" -v wp="$with_p99" -v at="$a_total" -v ao="$a_other" \
			-v c0="$cpu0" -v c1="$cpu1" -v as="$a_secs" -v o="$other" -v y0="$yields0" -v y1="$yields1" '
			BEGIN { printf "%s %s %s %s %.2f %.2f %d %d %.0f %d %.0f", s, sp, w, wp, w / s, wp / sp, at - ao, ao, (c1 - c0) / as * 1000, o, (y1 - y0) / as }')
		log "  round $r: $row"
		rows+=("$row")
	done
	stop_server
	# The median round by b's req/s with a.
	mid=$(printf '%s\n' "${rows[@]}" | sort -k3 -g | sed -n "$(((RUNS + 1) / 2))p")
	read -r s sp w wp tr pr a200 aother ams other ayields <<<"$mid"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s ms | %s | %s %% of a core |\n' "$budget" "$n" "$(printf '%.0f' "$s")" "$(fmt_lat "$sp")" \
		"$(printf '%.0f' "$w")" "$(fmt_lat "$wp")" "$tr" "$pr" "$a200" "$aother" "$ams" "$ayields" "$other" >>"$report"
	{
		echo
		echo "<details><summary>every round, budget $budget (b alone req/s, p99 µs; b with a req/s, p99 µs; ratios; a's 200s, others; a's ms/s; other CPU %; a's yields/s)</summary>"
		echo
		printf '    %s\n' "${rows[@]}"
		echo
		echo "</details>"
		echo
	} >>"$tmp/rounds.md"
done
cat "$tmp/rounds.md" >>"$report"
cp "$report" "$RESULTS_DIR/noisy.md"
cat "$report"
