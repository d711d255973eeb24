#!/usr/bin/env bash
# Long-poll sweep: 1,000, 10,000 and 18,000 parked chat waiters on wasmweb
# (the demo site's chat plugin) and on Tornado's chat (bench/peers/tornado),
# each size on a fresh server process: the wake-up's p50/p99/max after one
# published message, and the resident memory each waiter adds.
#
#   bash bench/longpoll-sweep.sh                   # about 4 minutes on a quiet box
#   RUNS=3 bash bench/longpoll-sweep.sh            # steadier, about 12 minutes
#   SIZES="10000 18000" TORNADO=0 bash bench/longpoll-sweep.sh
#
# Knobs: SIZES (waiter counts), RUNS (per server and size), PIN (1: server
# on CPU 1 with GOMAXPROCS=1, client on CPU 0; 0: both unpinned), TORNADO
# (0 skips it), STARTUP_TIMEOUT (seconds a server may take to listen),
# MAX_OTHER (% of a core other work may use before a run starts; the
# script waits up to QUIET_TIMEOUT seconds per run, QUIET_BUDGET in all,
# then goes on and says so).
#
# Each size needs an open-file limit of at least SIZE+256 for the server
# and for the client: the script raises its soft limit to the hard one and
# skips (with a message and a line in the report) a size the hard limit
# does not allow.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf 'longpoll-sweep: %s\n' "$*" >&2; }
. bench/lib.sh # wait_quiet, build_plugins, tree_label, cpu_busy
SIZES=${SIZES:-1000 10000 18000}
RUNS=${RUNS:-1}
PIN=${PIN:-1}
TORNADO=${TORNADO:-1}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-180}
MAX_OTHER=${MAX_OTHER:-15}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-30}
QUIET_BUDGET=${QUIET_BUDGET:-120}
out=$ROOT/bench/results
raw=$out/longpoll-sweep-raw
rm -rf "$raw"
mkdir -p "$raw"
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]:-}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# Open files: every waiter is a descriptor in the server and one in the
# client, which inherit this shell's limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
log "open-file limit: $NOFILE (soft raised to the hard limit)"
ports=$(awk '{print $2 - $1 + 1}' /proc/sys/net/ipv4/ip_local_port_range)
log "local ports: $ports per source address (the client spreads over 16 addresses)"

if [ "$TORNADO" = 1 ] && ! /usr/bin/python3 -c 'import tornado' 2>/dev/null; then
	log "installing Debian's python3-tornado"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-tornado >/dev/null
fi
if [ "$TORNADO" = 1 ] && ! /usr/bin/python3 -c 'import tornado' 2>/dev/null; then
	log "Tornado cannot be imported by /usr/bin/python3: its runs are skipped"
	TORNADO=0
fi
go build -o "$tmp/wasmweb" ./cmd/wasmweb
(cd bench && go build -o "$tmp/longpoll" ./longpoll)
build_plugins "$tmp/wasmweb" "$ROOT" "$tmp/plugins.log"

server_pin=(); client_pin=(); procs=""
if [ "$PIN" = 1 ]; then server_pin=(taskset -c 1); client_pin=(taskset -c 0); procs=1; fi

wait_port() {
	local end=$((SECONDS + STARTUP_TIMEOUT))
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		if (( SECONDS >= end )) || ! kill -0 "$2" 2>/dev/null; then log "port $1 never opened"; return 1; fi
		sleep 0.1
	done
}
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
	log "something already listens on 127.0.0.1:$1"
	return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# A first start fills wazero's compile cache, outside every measurement.
cache=$tmp/cache
port_free 19400 && {
	(GOMAXPROCS=$procs exec "${server_pin[@]}" "$tmp/wasmweb" serve --listen 127.0.0.1:19400 --cache-dir "$cache") >"$raw/warm-up.log" 2>&1 &
	pid=$!; pids+=("$pid")
	wait_port 19400 "$pid" || { tail -n 20 "$raw/warm-up.log" >&2; exit 1; }
	stop "$pid"
}

# run SERVER N PORT LOAD: one fresh server process and one client run;
# prints "SERVER N LOAD client-line" or "SERVER N LOAD error=...".
run() {
	local server=$1 n=$2 port=$3 load=$4 admin=$(($3 + 1)) pid flags=() logf=$raw/$1-$2.log
	port_free "$port" || { echo "$server $n $load error=port-busy"; return; }
	if [ "$server" = wasmweb ]; then
		port_free "$admin" || { echo "$server $n $load error=port-busy"; return; }
		(GOMAXPROCS=$procs exec "${server_pin[@]}" "$tmp/wasmweb" serve --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --cache-dir "$cache") >>"$logf" 2>&1 &
		flags=(-metrics "http://127.0.0.1:$admin/metrics")
	else
		("${server_pin[@]}" /usr/bin/python3 bench/peers/tornado/chat.py --port "$port") >>"$logf" 2>&1 &
		flags=(-timeout 300s)
	fi
	pid=$!; pids+=("$pid")
	if ! wait_port "$port" "$pid"; then
		tail -n 20 "$logf" >&2
		stop "$pid"
		echo "$server $n $load error=no-start"
		return
	fi
	local line
	if line=$(cd "$tmp" && "${client_pin[@]}" "$tmp/longpoll" -addr "127.0.0.1:$port" -pid "$pid" -n "$n" "${flags[@]}" 2>>"$logf"); then
		echo "$server $n $load $line"
	else
		echo "$server $n $load error=client-failed ${line:-}"
		tail -n 5 "$logf" >&2
	fi
	stop "$pid"
}

results=()
servers=(wasmweb)
[ "$TORNADO" = 1 ] && servers+=(tornado)
port=19410
for n in $SIZES; do
	if (( NOFILE < n + 256 )); then
		log "skipping $n waiters: the open-file limit $NOFILE is below $((n + 256))"
		results+=("- $n 0 error=open-file-limit-$NOFILE")
		continue
	fi
	for r in $(seq 1 "$RUNS"); do
		for s in "${servers[@]}"; do
			wait_quiet
			log "$s, $n waiters, run $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
			results+=("$(run "$s" "$n" "$port" "$(cut -d' ' -f1 /proc/loadavg)")")
			port=$((port + 2))
		done
	done
done

# field LINE KEY: the value of KEY=value in a client line.
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2; exit}'; }
{
	echo "# Long-poll sweep, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(tree_label "$ROOT")"
	echo
	echo "PIN=$PIN RUNS=$RUNS, $(nproc) CPUs, $(go version | cut -d' ' -f3), tornado $(/usr/bin/python3 -c 'import tornado; print(tornado.version)' 2>/dev/null || echo none), open-file limit $NOFILE"
	echo
	echo "| server | waiters | wake p50 | wake p99 | wake max | RSS per waiter | server CPU for the wake | failed | load (1 min) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for line in "${results[@]}"; do
		read -r s n load rest <<<"$line"
		if [[ $rest == error=* ]]; then
			echo "| $s | $n | ${rest%% *} | | | | | | $load |"
			continue
		fi
		per=$(field "$rest" per_waiter_bytes)
		cpu=$(field "$rest" wake_cpu_ms)
		echo "| $s | $n | $(field "$rest" wake_p50_ms) ms | $(field "$rest" wake_p99_ms) ms | $(field "$rest" wake_max_ms) ms | $(awk -v b="$per" 'BEGIN {printf "%.2f KiB", b / 1024}') | ${cpu:-?} ms | $(field "$rest" failed) | $load |"
	done
	echo
	echo "Raw client lines:"
	echo
	printf '    %s\n' "${results[@]}"
} | tee "$out/longpoll-sweep.md"
