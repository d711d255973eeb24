#!/usr/bin/env bash
# Long-poll benchmark: N parked chat waiters on wasmweb (the demo site's
# chat plugin) and on a Tornado chat with the same API; resident memory per
# waiter and the time one published message takes to reach them all.
#
#   bash bench/longpoll.sh            # N=10000
#   N=15000 bash bench/longpoll.sh    # the stretch
#
# Knobs: N (waiters), PIN (1: server on CPU 1 with GOMAXPROCS=1, client on
# CPU 0; 0: both unpinned), RUNS (per server), TORNADO (0 skips it),
# DEADLINE (on: the default 5 s per-call deadline; off: also measure
# bench/configs/deadline-off.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
PIN=${PIN:-1}
RUNS=${RUNS:-2}
TORNADO=${TORNADO:-1}
DEADLINE=${DEADLINE:-both}
out=bench/results
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

if [ "$TORNADO" = 1 ] && ! /usr/bin/python3 -c 'import tornado' 2>/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-tornado
fi
go build -o "$tmp/wasmweb" ./cmd/wasmweb
(cd bench && go build -o "$tmp/longpoll" ./longpoll)
# Build the demo plugins once, outside the measurement.
"$tmp/wasmweb" build plugins/hello plugins/echo plugins/chat >/dev/null

server_pin=(); client_pin=(); procs=""
if [ "$PIN" = 1 ]; then server_pin=(taskset -c 1); client_pin=(taskset -c 0); procs=1; fi

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

results=()
run_wasmweb() {
	local port=$1 admin=$2 label=wasmweb config=()
	if [ "${3:-}" = off ]; then label=wasmweb-deadline-off; config=(--config bench/configs/deadline-off.toml); fi
	GOMAXPROCS=$procs "${server_pin[@]}" "$tmp/wasmweb" serve "${config[@]}" --listen "127.0.0.1:$port" --admin "127.0.0.1:$admin" --cache-dir "$tmp/cache" >"$tmp/ww.log" 2>&1 &
	local pid=$!; pids+=("$pid")
	wait_port "$port"
	local line
	line=$(cd "$tmp" && "${client_pin[@]}" "$tmp/longpoll" -addr "127.0.0.1:$port" -pid "$pid" -n "$N" -metrics "http://127.0.0.1:$admin/metrics")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$label $line"
}
run_tornado() {
	local port=$1
	"${server_pin[@]}" /usr/bin/python3 bench/peers/tornado/chat.py --port "$port" >"$tmp/tornado.log" 2>&1 &
	local pid=$!; pids+=("$pid")
	wait_port "$port"
	local line
	line=$(cd "$tmp" && "${client_pin[@]}" "$tmp/longpoll" -addr "127.0.0.1:$port" -pid "$pid" -n "$N" -timeout 300s)
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "tornado $line"
}
for r in $(seq 1 "$RUNS"); do
	[ "$DEADLINE" != off ] && results+=("$(run_wasmweb $((19000 + r * 10)) $((19001 + r * 10)))")
	[ "$DEADLINE" != on ] && results+=("$(run_wasmweb $((19002 + r * 10)) $((19003 + r * 10)) off)")
	[ "$TORNADO" = 1 ] && results+=("$(run_tornado $((19005 + r * 10)))")
done
{
	echo "# long-poll benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
	echo "N=$N PIN=$PIN ($(nproc) CPUs, $(go version | cut -d' ' -f3), tornado $(/usr/bin/python3 -c 'import tornado; print(tornado.version)' 2>/dev/null || echo none))"
	printf '%s\n' "${results[@]}"
} | tee "$out/longpoll-$N-pin$PIN.txt"
