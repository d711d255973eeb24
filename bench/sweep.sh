#!/usr/bin/env bash
# Connection sweep: wasmweb (the Wasm hello plugin, netpoll), this
# checkout's netloop core with a native handler (netpoll), Go net/http and
# valyala/fasthttp, all answering GET / with "Hello, world", under wrk at
# 50, 1,000, 5,000 and 15,000 keep-alive connections.
#
#   bench/sweep.sh                           # defaults: CONNS="50 1000 5000 15000" RUNS=3 DURATION=5
#   CONNS="1000 5000" RUNS=5 bench/sweep.sh
#   ONLY="wasmweb fasthttp" bench/sweep.sh   # only some servers
#   BASE=f573f7e bench/sweep.sh              # also that commit's wasmweb and core, side by side
#
# Every server is pinned to one core (taskset -c $SERVER_CPU, GOMAXPROCS=1)
# and wrk to another (taskset -c $LOAD_CPU, one thread). For each number of
# connections, every server gets an unmeasured warm-up, then RUNS rounds in
# which each server is measured once, in an order that rotates from round
# to round, so that drift hits all of them alike. The report gives, per
# number of connections, the run with the median requests/s of each
# server (its p50, p99 and max latency), the worst max latency over all
# its runs, and the ratios to fasthttp's median run. A number of
# connections the open-file limit cannot hold (the script raises the soft
# limit to the hard one first) is skipped with a note.
#
# Output: a Markdown report on stdout, also written to
# bench/results/sweep-latest.md, with wrk's outputs in
# bench/results/raw/sweep/. See bench/README.md.
set -euo pipefail

CONNS=${CONNS:-50 1000 5000 15000}
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}             # seconds per measured run
WARMUP=${WARMUP:-2}                 # seconds of unmeasured wrk per server and number of connections
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT_BASE=${PORT_BASE:-18580}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-30}  # seconds to wait for a server to answer
WRK_TIMEOUT=${WRK_TIMEOUT:-10}      # wrk's --timeout, seconds: a slower answer counts as an error
FD_RESERVE=${FD_RESERVE:-200}       # descriptors kept beyond the connections, per process
MAX_OTHER=${MAX_OTHER:-25}          # a run during which other work used more CPU (% of a core) ...
RETRIES=${RETRIES:-1}               # ... is repeated up to this many times,
RETRY_BUDGET=${RETRY_BUDGET:-4}     # and at most this many repeats in all
QUIET_TIMEOUT=${QUIET_TIMEOUT:-20}  # before each run, wait up to this long for the box to be idle,
QUIET_BUDGET=${QUIET_BUDGET:-60}    # and up to this long in all
ONLY=${ONLY:-}                      # server names (wasmweb core nethttp fasthttp); empty: all
BASE=${BASE:-}                      # a commit whose wasmweb and core are measured next to this tree's
WASMWEB_BIN=${WASMWEB_BIN:-}        # use this wasmweb binary instead of building ./cmd/wasmweb

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RESULTS_DIR=$BENCH_DIR/results
RAW_DIR=$RESULTS_DIR/raw/sweep
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmweb-sweep.XXXXXX")
SCRIPT_START=$SECONDS

log() { printf 'sweep: %s\n' "$*" >&2; }
. "$BENCH_DIR/lib.sh" # cpu_busy, proc_cpu, children_cpu, wait_quiet, to_us, fmt_lat, wrk_row, base_prepare, build_plugins, tree_label, need_tools
need_tools wrk curl taskset

# ---------------------------------------------------------------- cleanup ---
declare -A PID=()   # server name -> pid of the running server
LOAD_PID=""         # pid of the running wrk
cleanup() {
	local name
	[[ -z $LOAD_PID ]] || kill "$LOAD_PID" 2>/dev/null || true
	for name in "${!PID[@]}"; do
		kill "${PID[$name]}" 2>/dev/null || true
	done
	for name in "${!PID[@]}"; do
		wait "${PID[$name]}" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# load CMD...: runs a load generator in the background and waits for it, so
# that a signal to this script interrupts the wait and the trap kills it.
load() {
	"$@" &
	LOAD_PID=$!
	local rc=0
	wait "$LOAD_PID" || rc=$?
	LOAD_PID=""
	return "$rc"
}

# ----------------------------------------------------------------- checks ---
for t in wrk taskset go curl; do
	command -v "$t" >/dev/null 2>&1 || { log "$t is required (wrk: apt-get install wrk)"; exit 1; }
done
if (( $(nproc) < 2 )); then
	log "warning: only $(nproc) CPU; server and load generator will share it"
fi
NOTES=""
note() { NOTES+="${NOTES:+; }$*"; }

# The open-file limit: the servers (started from this shell) and wrk each
# hold one descriptor per connection. Raise the soft limit to the hard one,
# then keep only the numbers of connections that fit.
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || (( hard > $(ulimit -Sn) )); then
	ulimit -n "$hard" 2>/dev/null || log "could not raise the open-file limit to $hard"
fi
FD_LIMIT=$(ulimit -n)
LEVELS=()
for c in $CONNS; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || { log "CONNS: '$c' is not a number of connections"; exit 2; }
	if [[ $FD_LIMIT != unlimited ]] && (( c + FD_RESERVE > FD_LIMIT )); then
		log "SKIPPING $c connections: the open-file limit is $FD_LIMIT (needs $c + $FD_RESERVE)"
		note "$c connections skipped: open-file limit $FD_LIMIT"
		continue
	fi
	LEVELS+=("$c")
done
(( ${#LEVELS[@]} > 0 )) || { log "no number of connections fits the open-file limit $FD_LIMIT"; exit 1; }
# Each wrk run opens that many connections from 127.0.0.1 to one port; the
# local port range bounds them (TIME_WAIT ports are reused on loopback
# when net.ipv4.tcp_tw_reuse allows it, which Linux does by default).
read -r plo phi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { plo=32768 phi=60999; }
for c in "${LEVELS[@]}"; do
	(( c <= phi - plo )) || log "warning: $c connections exceed the local port range ($plo-$phi); expect connect errors"
done

# selected NAME: whether ONLY lets this server in.
selected() { [[ -z $ONLY || " ${ONLY//,/ } " == *" $1 "* ]]; }

# ----------------------------------------------------------------- build ----
SERVERS=()
declare -A LABEL=() CMD=() DIR=()
add_server() { SERVERS+=("$1"); LABEL[$1]=$2; CMD[$1]=$3; DIR[$1]=${4:-$ROOT}; }

log "building peers"
(cd "$BENCH_DIR" && go build -o "$tmp/" ./peers/nethttp ./peers/fasthttp)
HAVE_CORE=0
if (cd "$BENCH_DIR" && go build -o "$tmp/netloop" ./peers/netloop) >"$tmp/netloop-build.log" 2>&1; then
	HAVE_CORE=1
else
	log "SKIPPING the netloop core: go build ./peers/netloop failed:"
	sed 's/^/    /' "$tmp/netloop-build.log" | head -n 20 >&2
	note "netloop core skipped: \`go build ./peers/netloop\` failed"
fi
HAVE_WASMWEB=0
if selected wasmweb || [[ -n $BASE ]]; then
	if [[ -n $WASMWEB_BIN ]]; then
		cp "$WASMWEB_BIN" "$tmp/wasmweb" && HAVE_WASMWEB=1
		note "wasmweb binary given by WASMWEB_BIN=$WASMWEB_BIN, not built from this tree"
	elif log "building wasmweb" && (cd "$ROOT" && go build -o "$tmp/wasmweb" ./cmd/wasmweb) >"$tmp/wasmweb-build.log" 2>&1; then
		HAVE_WASMWEB=1
		build_plugins "$tmp/wasmweb" "$ROOT" "$tmp/plugins-build.log" || note "\`wasmweb build\` of this tree's plugins failed"
	else
		log "SKIPPING wasmweb: go build ./cmd/wasmweb failed:"
		sed 's/^/    /' "$tmp/wasmweb-build.log" | head -n 20 >&2
		note "wasmweb skipped: \`go build ./cmd/wasmweb\` failed"
	fi
fi
HAVE_BASE=0 BASE_SHORT="" BASE_ROOT="" BASE_CORE=""
if [[ -n $BASE ]]; then
	if base_prepare "$tmp/base"; then
		HAVE_BASE=1
		build_plugins "$BASE_BIN" "$BASE_ROOT" "$tmp/base-plugins-build.log" || note "\`wasmweb build\` of $BASE_SHORT's plugins failed"
		# The base's core: its bench/peers/netloop, built in its tree (its
		# bench module points at its own netloop).
		if [[ -f $BASE_ROOT/bench/peers/netloop/main.go ]] &&
			(cd "$BASE_ROOT/bench" && go build -o "$tmp/base-netloop" ./peers/netloop) >"$tmp/base-netloop-build.log" 2>&1; then
			BASE_CORE=$tmp/base-netloop
		else
			note "the netloop core of $BASE_SHORT not measured: its peers/netloop is missing or does not build"
		fi
	else
		note "BASE=$BASE skipped: it could not be exported or built (see the log)"
	fi
fi
CUR_SHORT=$(tree_label "$ROOT")
at_cur() { (( HAVE_BASE )) && echo " @ $CUR_SHORT"; return 0; }

# Each server: a name, a label and a command line with @ADDR@ for the
# listen address. With a base, its servers follow this tree's.
if (( HAVE_WASMWEB )) && selected wasmweb; then
	add_server wasmweb "wasmweb, Wasm hello (netpoll)$(at_cur)" "$tmp/wasmweb serve --listen @ADDR@ --transport netpoll"
	(( ! HAVE_BASE )) || add_server base-wasmweb "wasmweb, Wasm hello (netpoll) @ $BASE_SHORT" \
		"$BASE_BIN serve --listen @ADDR@ --transport netpoll" "$BASE_ROOT"
fi
if (( HAVE_CORE )) && selected core; then
	add_server core "netloop core, native hello (netpoll)$(at_cur)" "$tmp/netloop -listen @ADDR@ -transport netpoll"
	[[ -z $BASE_CORE ]] || add_server base-core "netloop core, native hello (netpoll) @ $BASE_SHORT" \
		"$BASE_CORE -listen @ADDR@ -transport netpoll"
fi
selected nethttp && add_server nethttp "net/http" "$tmp/nethttp -listen @ADDR@"
selected fasthttp && add_server fasthttp "fasthttp" "$tmp/fasthttp -listen @ADDR@"
(( ${#SERVERS[@]} > 0 )) || { log "no server selected (ONLY=$ONLY)"; exit 2; }
selected fasthttp || note "fasthttp not measured: no ratios"

declare -A PORT=()
i=0
for s in "${SERVERS[@]}"; do PORT[$s]=$((PORT_BASE + i)); i=$((i + 1)); done

# --------------------------------------------------------------- servers ----
probe() { curl -fsS --max-time 1 "$1" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME: starts the server pinned to SERVER_CPU with GOMAXPROCS=1 and
# waits until it answers GET /; fails (printing its log) if it does not.
start() {
	local name=$1 addr=127.0.0.1:${PORT[$1]} cmd body
	if port_busy "${PORT[$name]}"; then
		log "something already listens on $addr; set PORT_BASE"
		return 1
	fi
	cmd=${CMD[$name]//@ADDR@/$addr}
	# shellcheck disable=SC2086  # the command line is split on purpose
	(cd "${DIR[$name]}" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" $cmd) >>"$tmp/$name.log" 2>&1 &
	PID[$name]=$!
	local deadline=$((SECONDS + STARTUP_TIMEOUT))
	until body=$(probe "http://$addr/"); do
		if ! kill -0 "${PID[$name]}" 2>/dev/null || (( SECONDS >= deadline )); then
			log "$name did not start answering on $addr within ${STARTUP_TIMEOUT}s; its output:"
			sed 's/^/    /' "$tmp/$name.log" | tail -n 20 >&2
			stop "$name"
			return 1
		fi
		sleep 0.1
	done
	[[ $body == "Hello, world" ]] || log "warning: $name answered GET / with '${body:0:60}', not 'Hello, world'"
}

stop() {
	[[ -n ${PID[$1]:-} ]] || return 0
	kill "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

RUNNING=()
for s in "${SERVERS[@]}"; do
	if start "$s"; then
		RUNNING+=("$s")
	else
		log "SKIPPING $s"
		note "$s skipped: it did not start"
	fi
done
(( ${#RUNNING[@]} > 0 )) || { log "no server started"; exit 1; }

# ------------------------------------------------------------------ sweep ---
# wrk_max FILE: the max latency of a wrk output, in microseconds.
wrk_max() { to_us "$(awk '$1 == "Latency" { print $4; exit }' "$1")"; }

mkdir -p "$RAW_DIR"
rm -f "$RAW_DIR"/wrk.*.txt
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
RETRIED=0
est=$(( ${#LEVELS[@]} * ${#RUNNING[@]} * (WARMUP + RUNS * (DURATION + 4)) ))
log "servers: ${RUNNING[*]}; connections: ${LEVELS[*]}; about $((est / 60 + 1)) min"
for c in "${LEVELS[@]}"; do
	for s in "${RUNNING[@]}"; do
		kill -0 "${PID[$s]}" 2>/dev/null || continue
		log "warm-up ${WARMUP}s: $s, $c connections"
		load taskset -c "$LOAD_CPU" wrk -t1 -c"$c" -d"${WARMUP}s" --timeout "${WRK_TIMEOUT}s" \
			"http://127.0.0.1:${PORT[$s]}/" >/dev/null 2>&1 || true
	done
	n=${#RUNNING[@]}
	for ((r = 1; r <= RUNS; r++)); do
		for ((k = 0; k < n; k++)); do
			s=${RUNNING[$(( (k + r - 1) % n ))]}
			f=$RAW_DIR/wrk.$s.$c.$r.txt
			if ! kill -0 "${PID[$s]}" 2>/dev/null; then
				log "$s has exited; its output:"
				sed 's/^/    /' "$tmp/$s.log" | tail -n 10 >&2
				continue
			fi
			log "$c connections, run $r/$RUNS: $s (${DURATION}s)"
			for ((attempt = 0; ; attempt++)); do
				wait_quiet
				read -r busy0 steal0 < <(cpu_busy); srv0=$(proc_cpu "${PID[$s]}"); kid0=$(children_cpu)
				WRK_CONNECTIONS=$c load taskset -c "$LOAD_CPU" wrk -t1 -c"$c" -d"${DURATION}s" --timeout "${WRK_TIMEOUT}s" --latency \
					-s "$BENCH_DIR/wrk-mean.lua" "http://127.0.0.1:${PORT[$s]}/" >"$f" 2>&1 || true
				read -r busy1 steal1 < <(cpu_busy); srv1=$(proc_cpu "${PID[$s]}"); kid1=$(children_cpu)
				other=$(awk -v o=$(( (busy1 - busy0) - (srv1 - srv0) - (kid1 - kid0) )) -v st=$((steal1 - steal0)) \
					-v t=$(( DURATION * HZ )) 'BEGIN { printf "%.0f", 100 * (o + st) / t }')
				echo "$other" >"$f.other"
				echo "$((srv1 - srv0)) $((kid1 - kid0))" >"$f.cpu"
				(( other > MAX_OTHER && attempt < RETRIES && RETRIED < RETRY_BUDGET )) || break
				log "  other CPU use ${other}% > ${MAX_OTHER}%: repeating"
				RETRIED=$((RETRIED + 1))
			done
		done
	done
done
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${RUNNING[@]}"; do stop "$s"; done

# ----------------------------------------------------------------- report ---
# run_load FILE CONNS: "server-µs-per-request wrk-CPU-% at-server" for a
# run: the server's CPU time over the requests wrk completed; wrk's CPU
# time in % of the run (near 100: the one-core client was the limit);
# and the mean latency times the rate over the connections, by Little's
# law the share of the connections whose request was at the server
# rather than waiting in wrk to be sent (near 1: the server held the
# queue, and its latency is about connections ÷ rate). The mean is the
# completed requests' (wrk-mean.lua), not wrk's own, which counts the
# requests its correction for coordinated omission makes up.
run_load() {
	local f=$1 c=$2 srv kid n mean rps
	read -r srv kid <"$f.cpu" 2>/dev/null || { echo "- - -"; return; }
	n=$(awk '/requests in/ {print $1; exit}' "$f")
	mean=$(awk '/^requests.? mean latency: [0-9.]+ us$/ {print $4; exit}' "$f")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
	awk -v srv="$srv" -v kid="$kid" -v n="${n:-0}" -v mean="$mean" -v rps="${rps:-0}" -v c="$c" \
		-v hz="$HZ" -v d="$DURATION" 'BEGIN {
		printf "%s %s %s\n", (n > 0 ? sprintf("%.1f", srv * 1e6 / hz / n) : "-"),
			sprintf("%.0f", 100 * kid / hz / d), (mean != "" ? sprintf("%.2f", mean / 1e6 * rps / c) : "-")
	}'
}

# For each server and number of connections: the run with the median req/s
# ("rps p50 p99 errors max other"), and the worst max over the runs; and
# each run's "rps p99 server-µs/req" by round (ROUND).
declare -A MED=() WORST=() NRUNS=() ROUND=()
for c in "${LEVELS[@]}"; do
	for s in "${RUNNING[@]}"; do
		rows=""
		for ((r = 1; r <= RUNS; r++)); do
			f=$RAW_DIR/wrk.$s.$c.$r.txt
			[[ -s $f ]] || continue
			row=$(wrk_row "$f" 2>/dev/null) || { log "no figures in $f (wrk failed?):"; sed 's/^/    /' "$f" | head -n 5 >&2; continue; }
			load=$(run_load "$f" "$c")
			rows+="$row $(wrk_max "$f") $(cat "$f.other" 2>/dev/null || echo 0) $load"$'\n'
			read -r rps _ p99 _ <<<"$row"
			ROUND[$s.$c.$r]="$rps $p99 ${load%% *}"
		done
		[[ -n $rows ]] || continue
		sorted=$(printf '%s' "$rows" | sort -n -k1,1)
		NRUNS[$s.$c]=$(printf '%s' "$rows" | grep -c .)
		MED[$s.$c]=$(printf '%s\n' "$sorted" | sed -n "$(( (NRUNS[$s.$c] + 1) / 2 ))p")
		WORST[$s.$c]=$(printf '%s\n' "$sorted" | awk '$5 > m { m = $5 } END { print m + 0 }')
	done
done

# by_round SERVER CONNS: "req/s p99 CPU" ratios to fasthttp's runs of the
# same rounds, each as "median (lowest–highest)", or nothing without
# fasthttp's runs.
by_round() {
	local s=$1 c=$2 r lines=""
	for ((r = 1; r <= RUNS; r++)); do
		[[ -n ${ROUND[$s.$c.$r]:-} && -n ${ROUND[fasthttp.$c.$r]:-} ]] || continue
		lines+="${ROUND[$s.$c.$r]} ${ROUND[fasthttp.$c.$r]}"$'\n'
	done
	[[ -n $lines ]] || return 0
	printf '%s' "$lines" | awk '
		function med(a, n,   i, j, t) {
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return sprintf("%.2f (%.2f–%.2f)", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2, a[1], a[n])
		}
		$4 > 0 && $5 > 0 && $6 > 0 && $3 != "-" { n++; x[n] = $1 / $4; y[n] = $2 / $5; z[n] = $3 / $6 }
		END { if (n) printf "%s|%s|%s|%d\n", med(x, n), med(y, n), med(z, n), n }'
}

report() {
	echo "# Connection sweep"
	echo
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -sr), open-file limit $FD_LIMIT"
	echo "- wasmweb tree: $CUR_SHORT$( (( HAVE_BASE )) && echo "; base: $BASE_SHORT")"
	echo "- servers pinned to CPU $SERVER_CPU with GOMAXPROCS=1; \`wrk -t1 --timeout ${WRK_TIMEOUT}s\` pinned to CPU $LOAD_CPU; GET /, keep-alive"
	echo "- $RUNS runs of ${DURATION}s per server and number of connections, interleaved, after ${WARMUP}s of warm-up; figures from each server's median run"
	echo "- load average at start: $LOADAVG_START; at end: $LOADAVG_END; repeated runs (other CPU > ${MAX_OTHER}%): $RETRIED; took $(( (SECONDS - SCRIPT_START) / 60 )) min"
	[[ -z $NOTES ]] || echo "- notes: $NOTES"
	local c s m fm
	for c in "${LEVELS[@]}"; do
		echo
		echo "## $c connections"
		echo
		echo "| server | req/s | × fasthttp | p50 | p99 | p99 ÷ fasthttp's | max | worst max | errors | other CPU | server CPU µs/req | wrk CPU | at server |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
		fm=${MED[fasthttp.$c]:-}
		for s in "${RUNNING[@]}"; do
			m=${MED[$s.$c]:-}
			if [[ -z $m ]]; then
				echo "| ${LABEL[$s]} | no run | | | | | | | | | | | |"
				continue
			fi
			read -r rps p50 p99 errs max other srvus wrkcpu atsrv <<<"$m"
			ratio="" p99r=""
			if [[ -n $fm ]]; then
				read -r frps _ fp99 _ <<<"$fm"
				ratio=$(awk -v a="$rps" -v b="$frps" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
				p99r=$(awk -v a="$p99" -v b="$fp99" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
			fi
			printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s%% | %s | %s%% | %s |\n' "${LABEL[$s]}" "$rps" "$ratio" \
				"$(fmt_lat "$p50")" "$(fmt_lat "$p99")" "$p99r" "$(fmt_lat "$max")" "$(fmt_lat "${WORST[$s.$c]}")" "$errs" "$other" \
				"$srvus" "$wrkcpu" "$atsrv"
		done
		[[ -n $fm ]] || continue
		echo
		echo "Round by round, against fasthttp's run of the same round:"
		echo
		echo "| server | rounds | req/s × fasthttp | p99 ÷ fasthttp's | server CPU µs/req ÷ fasthttp's |"
		echo "|---|---|---|---|---|"
		for s in "${RUNNING[@]}"; do
			[[ $s != fasthttp ]] || continue
			IFS='|' read -r x y z n <<<"$(by_round "$s" "$c")"
			[[ -n ${n:-} ]] && echo "| ${LABEL[$s]} | $n | $x | $y | $z |"
		done
	done
	echo
	echo "\"worst max\" is the highest max latency over the server's runs; errors count wrk's socket errors"
	echo "(connect, read, write, timeout) and non-2xx answers; \"other CPU\" is what anything but the server"
	echo "and wrk used during the median run (% of one core, steal included): above ${MAX_OTHER}% the box was not quiet."
	echo "\"server CPU µs/req\" is the server's CPU time over the requests of the run; \"wrk CPU\" is the"
	echo "client's, in % of its one core: near 100% the client limits the rate as much as the server does."
	echo "\"at server\" is the completed requests' mean latency (not wrk's, which counts the requests its"
	echo "coordinated-omission correction makes up) times the rate over the connections (Little's law): the share of"
	echo "the connections whose request was at the server rather than waiting in wrk to be sent. Near 1 the"
	echo "server holds the queue and its latency is about connections ÷ rate; a server cheaper per request"
	echo "than the client leaves part of the queue in wrk, where wrk's latency does not count it."
	echo "\"Round by round\" divides each run's figures by fasthttp's in the same round, which ran minutes"
	echo "apart at most, and gives the median of those ratios with their range: a box whose speed drifts"
	echo "between rounds moves both runs of a round alike, where the median runs above may come from"
	echo "different rounds."
	echo "Raw wrk outputs: bench/results/raw/sweep/."
}
mkdir -p "$RESULTS_DIR"
report | tee "$RESULTS_DIR/sweep-latest.md"
