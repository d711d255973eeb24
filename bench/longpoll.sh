#!/usr/bin/env bash
# Long-poll benchmark: N parked chat waiters on wasmweb (the demo site's
# chat plugin) and on a Tornado chat with the same API; resident memory per
# waiter and the time one published message takes to reach them all.
#
#   bash bench/longpoll.sh            # N=10000
#   N=15000 bash bench/longpoll.sh    # the stretch
#   BASE=aeeae4d bash bench/longpoll.sh   # also that commit's wasmweb, side by side
#
# Knobs: N (waiters), STARTUP_TIMEOUT (seconds a server may take to listen,
# default 180), PIN (1: server on CPU 1 with GOMAXPROCS=1, client on
# CPU 0; 0: both unpinned), RUNS (per server), TORNADO (0 skips it),
# DEADLINE (on: the default 5 s per-call deadline; off: only
# bench/configs/deadline-off.toml; both, the default: both), BASE (a
# commit: exported with git archive, its cmd/wasmweb built and run from
# the exported tree with its own plugins and configs, next to this
# tree's: after it in odd runs, before it in even ones; its lines are labelled
# wasmweb@COMMIT).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf 'longpoll: %s\n' "$*" >&2; }
. bench/lib.sh # base_prepare, build_plugins, tree_label
N=${N:-10000}
PIN=${PIN:-1}
RUNS=${RUNS:-2}
TORNADO=${TORNADO:-1}
DEADLINE=${DEADLINE:-both}
BASE=${BASE:-}
out=bench/results
rm -rf "$out/longpoll-raw"
mkdir -p "$out/longpoll-raw"   # the servers' logs
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]:-}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$TORNADO" = 1 ] && ! /usr/bin/python3 -c 'import tornado' 2>/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-tornado
fi
go build -o "$tmp/wasmweb" ./cmd/wasmweb
(cd bench && go build -o "$tmp/longpoll" ./longpoll)
# Build the demo plugins once, outside the measurement.
build_plugins "$tmp/wasmweb" "$ROOT" "$tmp/plugins.log"
BASE_SHORT="" BASE_ROOT="" BASE_BIN=""
if [ -n "$BASE" ]; then
	base_prepare "$tmp/base"
	build_plugins "$BASE_BIN" "$BASE_ROOT" "$tmp/base-plugins.log"
	[ -f "$BASE_ROOT/bench/configs/deadline-off.toml" ] || log "$BASE_SHORT has no bench/configs/deadline-off.toml: its deadline-off run is skipped"
fi

server_pin=(); client_pin=(); procs=""
if [ "$PIN" = 1 ]; then server_pin=(taskset -c 1); client_pin=(taskset -c 0); procs=1; fi

# wait_port PORT PID: waits until PORT accepts connections, while PID runs,
# for at most STARTUP_TIMEOUT seconds (a start with an empty compile cache
# compiles every plugin first).
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-180}
wait_port() {
	local end=$((SECONDS + STARTUP_TIMEOUT))
	until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
		if (( SECONDS >= end )) || ! kill -0 "$2" 2>/dev/null; then echo "port $1 never opened" >&2; return 1; fi
		sleep 0.1
	done
}
# port_free PORT: fails, saying so, if something already listens on PORT.
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
	echo "something already listens on 127.0.0.1:$1" >&2
	return 1
}
# The servers are started in command substitutions (subshells), so the
# cleanup trap does not know them: each run stops its own server, also when
# it fails.

results=()
# run_wasmweb PORT ADMIN [on|off] [base]: this tree's wasmweb, or with
# "base" the base's, run from its own tree.
run_wasmweb() {
	local port=$1 admin=$2 label=wasmweb config=() bin=$tmp/wasmweb dir=$ROOT cache=$tmp/cache
	if [ "${4:-}" = base ]; then label=wasmweb@$BASE_SHORT bin=$BASE_BIN dir=$BASE_ROOT cache=$tmp/cache-base; fi
	if [ "${3:-}" = off ]; then label=$label-deadline-off; config=(--config bench/configs/deadline-off.toml); fi
	port_free "$port" && port_free "$admin" || return 1
	(cd "$dir" && GOMAXPROCS=$procs exec "${server_pin[@]}" "$bin" serve "${config[@]}" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --cache-dir "$cache") >>"$out/longpoll-raw/$label.log" 2>&1 &
	local pid=$!; pids+=("$pid")
	wait_port "$port" "$pid" || { tail -n 20 "$out/longpoll-raw/$label.log" >&2; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1; }
	local line
	line=$(cd "$tmp" && "${client_pin[@]}" "$tmp/longpoll" -addr "127.0.0.1:$port" -pid "$pid" -n "$N" -metrics "http://127.0.0.1:$admin/metrics")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$label $line"
}
run_tornado() {
	local port=$1
	port_free "$port" || return 1
	"${server_pin[@]}" /usr/bin/python3 bench/peers/tornado/chat.py --port "$port" >>"$out/longpoll-raw/tornado.log" 2>&1 &
	local pid=$!; pids+=("$pid")
	wait_port "$port" "$pid" || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return 1; }
	local line
	line=$(cd "$tmp" && "${client_pin[@]}" "$tmp/longpoll" -addr "127.0.0.1:$port" -pid "$pid" -n "$N" -timeout 300s)
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "tornado $line"
}
for r in $(seq 1 "$RUNS"); do
	p=$((19000 + r * 20))
	# With a base, this tree's server runs first in odd runs, the base's
	# in even ones.
	order="cur base"
	[ -z "$BASE" ] && order=cur
	[ -n "$BASE" ] && [ $((r % 2)) = 0 ] && order="base cur"
	if [ "$DEADLINE" != off ]; then
		for v in $order; do
			if [ "$v" = cur ]; then results+=("$(run_wasmweb "$p" $((p + 1)))")
			else results+=("$(run_wasmweb $((p + 2)) $((p + 3)) on base)"); fi
		done
	fi
	if [ "$DEADLINE" != on ]; then
		for v in $order; do
			if [ "$v" = cur ]; then results+=("$(run_wasmweb $((p + 4)) $((p + 5)) off)")
			elif [ -f "$BASE_ROOT/bench/configs/deadline-off.toml" ]; then results+=("$(run_wasmweb $((p + 6)) $((p + 7)) off base)"); fi
		done
	fi
	if [ "$TORNADO" = 1 ]; then results+=("$(run_tornado $((p + 8)))"); fi
done
{
	echo "# long-poll benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(tree_label "$ROOT")${BASE:+, base $BASE_SHORT (BASE=$BASE)}"
	echo "N=$N PIN=$PIN ($(nproc) CPUs, $(go version | cut -d' ' -f3), tornado $(/usr/bin/python3 -c 'import tornado; print(tornado.version)' 2>/dev/null || echo none))"
	printf '%s\n' "${results[@]}"
} | tee "$out/longpoll-$N-pin$PIN.txt"
