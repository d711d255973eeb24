#!/usr/bin/env bash
# Many tenants on one server: density, cold starts, instance creation
# and the cost of per-request isolation.
#
#   bench/tenants.sh                       # SITES="100 1000" COLD=200
#   BASE=57ef671 bench/tenants.sh          # also that commit's wasmweb at 100 sites
#
# 1. Density (bench/tenants density): SITES sites with distinct host
#    names, each serving the hello plugin (the Go one, built with the
#    SDK), started with a warm compilation cache (a first start, not
#    measured, fills it): how long the server took to load the sites (its
#    log), seconds from process start until every site has answered 200
#    "Hello, world", RSS then, and RSS once idle (instance_idle_timeout =
#    2s, so every instance has been freed), and every site asked again. With BASE, that commit's build at 100 sites
#    (the same config without the new key; its RSS "idle" is after the
#    same wait).
# 2. Cold start (bench/tenants coldstart): COLD tenants, all idle (no
#    instance); each gets one request (its instance is made from the
#    snapshot) and then a second (warm): p50/p99 of both and of their
#    difference.
# 3. Instance creation, in process: go test -bench InstanceCreation
#    ./host/internal/guest, from the snapshot and by _initialize, p50/p99
#    in wall time and (cpu-) in the creating thread's CPU time, which
#    leaves out what other processes took of the core.
# 4. Isolation: wrk (one thread, CONNS connections, DURATION s; server
#    on CPU 1 with GOMAXPROCS=1, wrk on CPU 0) on the hello plugin and
#    the rendered page (bench/site), isolation = "instance" (pooled)
#    against "request".
#
# The report goes to stdout and bench/results/tenants-latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SITES=${SITES:-"100 1000"}
COLD=${COLD:-200}
BASE=${BASE:-}
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
PORT=${PORT:-18480}
log() { printf 'tenants: %s\n' "$*" >&2; }
MAX_OTHER=25 QUIET_TIMEOUT=20 QUIET_BUDGET=60
. bench/lib.sh # need_tools, port_free
need_tools wrk curl taskset
tmp=$(mktemp -d)
pid=
trap '[[ -z $pid ]] || kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p bench/results
out=bench/results/tenants-latest.md

log "building"
go build -o "$tmp/wasmweb" ./cmd/wasmweb
wasip1() { (cd "$1" && GOOS=wasip1 GOARCH=wasm GOFLAGS= go build -buildmode=c-shared -o "$2" .); }
wasip1 plugins/hello "$tmp/hello.wasm"
wasip1 bench/site/page "$tmp/page.wasm"
(cd bench && go build -o "$tmp/tenants" ./tenants)

{
echo "# Many tenants ($(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD))"
echo
echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs."
echo
echo "## Density (warm compilation cache)"
echo
echo '```'
for n in $SITES; do
	log "density, $n sites"
	"$tmp/tenants" -bin "$tmp/wasmweb" -wasm "$tmp/hello.wasm" -sites "$n" -cache "$tmp/cache" -port "$PORT" density
done
if [[ -n $BASE ]]; then
	log "density, 100 sites, $BASE"
	mkdir -p "$tmp/base"
	git archive "$BASE" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && go build -o "$tmp/wasmweb-base" ./cmd/wasmweb)
	printf '%s: ' "$BASE"
	"$tmp/tenants" -bin "$tmp/wasmweb-base" -wasm "$tmp/hello.wasm" -sites 100 -cache "$tmp/cache-base" -port "$PORT" -idle 0 density
fi
echo '```'
echo
echo "## Cold start: first request to an idle tenant"
echo
echo '```'
log "cold start, $COLD tenants"
"$tmp/tenants" -bin "$tmp/wasmweb" -wasm "$tmp/hello.wasm" -sites "$COLD" -cache "$tmp/cache" -port "$PORT" coldstart
echo '```'
echo
echo "## Instance creation (hello, in process)"
echo
echo '```'
log "instance creation"
WASMWEB_HELLO_WASM=$tmp/hello.wasm go test -run '^$' -bench InstanceCreation -benchtime 300x ./host/internal/guest | grep Benchmark
echo '```'
echo
echo "## Per-request isolation"
echo
echo "| target | isolation | req/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for target in hello page; do
	for iso in instance request; do
		conf=$tmp/$target-$iso.toml
		if [[ $target == hello ]]; then
			printf '[[site]]\nname = "h"\nhosts = ["*"]\n[site.limits]\nisolation = "%s"\n[site.plugins]\nhello = "%s"\n[[site.route]]\npath = "/"\nplugin = "hello"\n' "$iso" "$tmp/hello.wasm" >"$conf"
			path=/
		else
			printf '[[site]]\nname = "p"\nhosts = ["*"]\n[site.limits]\nisolation = "%s"\n[site.templates]\ndir = "%s"\n[site.plugins]\npage = "%s"\n[[site.route]]\npath = "/page"\nplugin = "page"\n' "$iso" "$ROOT/bench/site/templates" "$tmp/page.wasm" >"$conf"
			path=/page
		fi
		log "isolation: $target, $iso"
		port_free "$PORT"
		GOMAXPROCS=1 taskset -c 1 "$tmp/wasmweb" serve --config "$conf" --listen "127.0.0.1:$PORT" --cache-dir "$tmp/cache" >/dev/null 2>"$tmp/serve.err" &
		pid=$!
		for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT$path" && break; sleep 0.1; done
		taskset -c 0 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT$path" >/dev/null
		taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path" >"$tmp/wrk.txt"
		kill -INT "$pid"; wait "$pid" || true
		pid=
		rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.txt")
		p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
		p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
		non2xx=$(awk '/Non-2xx/ {print $NF}' "$tmp/wrk.txt")
		echo "| $target | $iso | $rps${non2xx:+ ($non2xx non-2xx)} | $p50 | $p99 |"
	done
done
echo
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)."
} | tee "$out"
