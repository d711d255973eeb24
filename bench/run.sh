#!/usr/bin/env bash
# Side-by-side benchmark: wasmweb serve (netpoll and std transports, per-call
# deadline on and off), this checkout's netloop core with a native handler,
# Go net/http, valyala/fasthttp and Tornado, all answering GET / with
# "Hello, world"; plus the plugin pool's hit rate, wasmweb's restart-to-ready
# time and the in-process dispatch benchmarks.
#
#   bench/run.sh                      # defaults: DURATION=10 RUNS=3 CONNS=50 IDLE_CONNS=10000
#   DURATION=30 RUNS=5 bench/run.sh
#   SUITE=restart,dispatch bench/run.sh            # only some phases
#   ONLY="wasmweb-netpoll nethttp" bench/run.sh    # only some servers
#   BASE=aeeae4d bench/run.sh         # also that commit's wasmweb, side by side
#
# Phases (SUITE, comma-separated; default all of them):
#   throughput  every server pinned to one core (taskset -c $SERVER_CPU,
#               GOMAXPROCS=1), wrk pinned to another (taskset -c $LOAD_CPU,
#               one thread, $CONNS keep-alive connections), runs interleaved
#               round-robin over the servers so that drift hits all of them
#               equally; median requests/s and the p50/p99 of that run. The
#               wasmweb servers run with --admin, and their /metrics give the
#               instance pool's hit rate over the measured runs.
#   idle        a fresh instance of each server gets $IDLE_CONNS keep-alive
#               connections (one request each, then idle); bench/idleconns
#               reports the RSS added per connection.
#   restart     wasmweb serve (the demo site): time from process start
#               to the first 200 "Hello, world" for GET /, once with an empty
#               compile cache and $RESTARTS times with a warm one.
#   dispatch    go test -bench Dispatch ./host/ and -bench Hello ./netloop/,
#               $BENCH_COUNT times each, pinned like the servers.
#
# With BASE=COMMIT, that commit is exported (git archive) and its
# cmd/wasmweb built; its wasmweb servers, run from the exported tree (its
# own plugins and configs), join every phase next to this tree's, in the
# same rounds, and the report compares the two (after ÷ before).
#
# Output: a Markdown report on stdout, also written to bench/results/latest.md.
# See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNS=${CONNS:-50}
IDLE_CONNS=${IDLE_CONNS:-10000}
WARMUP=${WARMUP:-2}                 # seconds of unmeasured wrk per server before the runs
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT_BASE=${PORT_BASE:-18080}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-30}  # seconds to wait for a server to answer
MAX_OTHER=${MAX_OTHER:-25}          # a run during which other work used more CPU (% of a core) ...
RETRIES=${RETRIES:-2}               # ... is repeated up to this many times,
RETRY_BUDGET=${RETRY_BUDGET:-6}     # and at most this many repeats in all
QUIET_TIMEOUT=${QUIET_TIMEOUT:-30}  # before each run, wait up to this long for the box to be idle,
QUIET_BUDGET=${QUIET_BUDGET:-120}   # and up to this long in all
WASMWEB_BIN=${WASMWEB_BIN:-}        # use this wasmweb binary instead of building ./cmd/wasmweb
SUITE=${SUITE:-all}                 # phases: throughput,idle,restart,dispatch (or all)
ONLY=${ONLY:-}                      # server names to measure (space or comma separated); empty: all
RESTARTS=${RESTARTS:-5}             # warm-cache restarts measured
BENCH_COUNT=${BENCH_COUNT:-5}       # go test -count for the dispatch benchmarks
PYTHON=${PYTHON:-/usr/bin/python3}  # the interpreter that has Debian's python3-tornado
BASE=${BASE:-}                      # a commit whose wasmweb is measured next to this tree's

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RESULTS_DIR=$BENCH_DIR/results
CACHE_DIR=$RESULTS_DIR/compile-cache   # the restart phase's --cache-dir
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmweb-bench.XXXXXX")
SCRIPT_START=$SECONDS

log() { printf 'bench: %s\n' "$*" >&2; }
. "$BENCH_DIR/lib.sh" # cpu_busy, proc_cpu, children_cpu, wait_quiet, to_us, fmt_lat, wrk_row, base_prepare, build_plugins, tree_label

[[ $SUITE == all ]] && SUITE=throughput,idle,restart,dispatch
for p in ${SUITE//,/ }; do
	case $p in
	throughput | idle | restart | dispatch) ;;
	*) log "unknown phase '$p' in SUITE (want throughput, idle, restart, dispatch or all)"; exit 2 ;;
	esac
done
(( IDLE_CONNS > 0 )) || SUITE=$(tr ',' '\n' <<<"$SUITE" | grep -vx idle | paste -sd, -)
phase() { [[ ,$SUITE, == *,$1,* ]]; }

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

# ---------------------------------------------------------------- cleanup ---
declare -A PID=()   # server name -> pid of the running instance
LOAD_PID=""         # pid of the running wrk / idleconns / go test
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

# ----------------------------------------------------------------- tools ----
if ! command -v wrk >/dev/null 2>&1; then
	log "wrk not found; installing it with apt-get"
	apt-get update && apt-get install -y wrk
fi
for t in taskset go curl; do
	command -v "$t" >/dev/null 2>&1 || { log "$t is required"; exit 1; }
done
if (( $(nproc) < 2 )); then
	log "warning: only $(nproc) CPU; server and load generator will share it"
fi

# selected NAME: whether ONLY lets this server in.
selected() { [[ -z $ONLY || " ${ONLY//,/ } " == *" $1 "* ]]; }

# ----------------------------------------------------------------- build ----
NOTES=""
note() { NOTES+="${NOTES:+; }$*"; }
HAVE_PEERS=0 HAVE_CORE=0 HAVE_WASMWEB=0 HAVE_TORNADO=0
if phase throughput || phase idle; then
	log "building peers and idleconns"
	(cd "$BENCH_DIR" && go build -o "$tmp/" ./peers/nethttp ./peers/fasthttp ./idleconns)
	HAVE_PEERS=1
	# The netloop peer is this checkout's HTTP core with a native Go handler;
	# it is skipped, like wasmweb, if the core does not build.
	if (cd "$BENCH_DIR" && go build -o "$tmp/netloop" ./peers/netloop) >"$tmp/netloop-build.log" 2>&1; then
		HAVE_CORE=1
	else
		log "SKIPPING the netloop core peer: go build ./peers/netloop failed:"
		sed 's/^/    /' "$tmp/netloop-build.log" | head -n 20 >&2
		note "netloop core peer skipped: \`go build ./peers/netloop\` failed"
	fi
	# Tornado from Debian's package, run by Debian's interpreter (a python3
	# earlier on PATH, pyenv's for one, does not see it).
	if selected tornado; then
		if ! "$PYTHON" -c 'import tornado' 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
			log "python3-tornado not found for $PYTHON; installing it with apt-get"
			apt-get update && apt-get install -y python3-tornado || true
		fi
		if "$PYTHON" -c 'import tornado' 2>/dev/null; then
			HAVE_TORNADO=1
		else
			log "SKIPPING Tornado: $PYTHON cannot import tornado (apt-get install python3-tornado, or set PYTHON)"
			note "Tornado skipped: $PYTHON cannot import tornado"
		fi
	fi
fi
if phase throughput || phase idle || phase restart; then
	if [[ -n ${WASMWEB_BIN:-} ]]; then
		log "using prebuilt wasmweb: $WASMWEB_BIN"
		cp "$WASMWEB_BIN" "$tmp/wasmweb"
		HAVE_WASMWEB=1
		note "wasmweb binary given by WASMWEB_BIN=$WASMWEB_BIN, not built from this tree"
	elif log "building wasmweb" && (cd "$ROOT" && go build -o "$tmp/wasmweb" ./cmd/wasmweb) >"$tmp/wasmweb-build.log" 2>&1; then
		HAVE_WASMWEB=1
	else
		note "wasmweb skipped: \`go build ./cmd/wasmweb\` failed: $(head -n 3 "$tmp/wasmweb-build.log" | tr '\n' ' ' | sed 's/ *$//')"
		log "SKIPPING wasmweb: go build ./cmd/wasmweb failed:"
		sed 's/^/    /' "$tmp/wasmweb-build.log" | head -n 20 >&2
	fi
	if (( HAVE_WASMWEB )) && [[ -z $WASMWEB_BIN ]]; then
		build_plugins "$tmp/wasmweb" "$ROOT" "$tmp/plugins-build.log" || note "\`wasmweb build\` of this tree's plugins failed"
	fi
fi
# The base commit's wasmweb (BASE), for the phases that run wasmweb.
HAVE_BASE=0 BASE_SHORT="" BASE_ROOT=""
if [[ -n $BASE ]] && { phase throughput || phase idle || phase restart || phase dispatch; }; then
	if base_prepare "$tmp/base"; then
		HAVE_BASE=1
		if phase throughput || phase idle || phase restart; then
			build_plugins "$BASE_BIN" "$BASE_ROOT" "$tmp/base-plugins-build.log" || note "\`wasmweb build\` of $BASE_SHORT's plugins failed"
		fi
	else
		note "BASE=$BASE skipped: it could not be exported or built (see the log)"
	fi
fi
# Labels: with a base, each wasmweb label names its tree.
CUR_SHORT=$(tree_label "$ROOT")
at_cur() { (( HAVE_BASE )) && echo " @ $CUR_SHORT"; return 0; }

# ---------------------------------------------------------------- servers ---
# Each server: a name, a display label and a command line with @ADDR@ for the
# listen address and @ADMIN@ for wasmweb's admin address (metrics).
SERVERS=()
declare -A LABEL=() CMD=() DIR=()   # DIR: where the server runs (default: the repository root)
add_server() { selected "$1" || return 0; SERVERS+=("$1"); LABEL[$1]=$2; CMD[$1]=$3; }
# add_wasmweb NAME LABEL ARGS: this tree's wasmweb serve with ARGS and, with
# a base, the base's as base-NAME right after it (so the round-robin runs
# them back to back), from its own tree. @CONFIG@ in ARGS is
# bench/configs/deadline-off.toml of the tree it runs from; a base without
# one gets no such server.
add_wasmweb() {
	local name=$1 label=$2 args=$3
	selected "$name" || return 0
	add_server "$name" "$label$(at_cur)" "$tmp/wasmweb serve ${args//@CONFIG@/$NODL_CONFIG}"
	(( HAVE_BASE )) || return 0
	if [[ $args == *@CONFIG@* && ! -f $BASE_ROOT/bench/configs/deadline-off.toml ]]; then
		note "$label @ $BASE_SHORT not measured: that commit has no bench/configs/deadline-off.toml"
		return 0
	fi
	SERVERS+=("base-$name")
	LABEL[base-$name]="$label @ $BASE_SHORT"
	CMD[base-$name]="$BASE_BIN serve ${args//@CONFIG@/$BASE_ROOT/bench/configs/deadline-off.toml}"
	DIR[base-$name]=$BASE_ROOT
}
NODL_CONFIG=$BENCH_DIR/configs/deadline-off.toml
# The demo site's plugins (the [site.plugins] of wasmweb.example.toml, which
# plain `wasmweb serve` serves) and the deadline-off config's, which should
# be the same.
plugin_names() { awk '/^\[/ { p = ($0 == "[site.plugins]") } p && /^[A-Za-z0-9_-]+ *=/ { print $1 }' "$1" 2>/dev/null | sort | paste -sd' ' -; }
DEMO_PLUGIN_NAMES=$(plugin_names "$ROOT/wasmweb.example.toml") || true
NODL_PLUGIN_NAMES=$(plugin_names "$NODL_CONFIG") || true
if [[ $DEMO_PLUGIN_NAMES != "$NODL_PLUGIN_NAMES" ]]; then
	log "warning: the demo site's plugins ($DEMO_PLUGIN_NAMES) differ from $NODL_CONFIG's ($NODL_PLUGIN_NAMES)"
	note "the deadline-off config's plugins ($NODL_PLUGIN_NAMES) are not the demo site's ($DEMO_PLUGIN_NAMES)"
fi
if (( HAVE_WASMWEB )); then
	add_wasmweb wasmweb-netpoll      "wasmweb (netpoll)"               "--listen @ADDR@ --transport netpoll --admin @ADMIN@"
	add_wasmweb wasmweb-std          "wasmweb (std)"                   "--listen @ADDR@ --transport std --admin @ADMIN@"
	add_wasmweb wasmweb-netpoll-nodl "wasmweb (netpoll), deadline off" "--config @CONFIG@ --listen @ADDR@ --transport netpoll --admin @ADMIN@"
	add_wasmweb wasmweb-std-nodl     "wasmweb (std), deadline off"     "--config @CONFIG@ --listen @ADDR@ --transport std --admin @ADMIN@"
fi
if (( HAVE_CORE )); then
	add_server core-netpoll "netloop core, native handler (netpoll)" "$tmp/netloop -listen @ADDR@ -transport netpoll"
	add_server core-std     "netloop core, native handler (std)"     "$tmp/netloop -listen @ADDR@ -transport std"
fi
if (( HAVE_PEERS )); then
	add_server nethttp  "net/http" "$tmp/nethttp -listen @ADDR@"
	add_server fasthttp "fasthttp" "$tmp/fasthttp -listen @ADDR@"
fi
if (( HAVE_TORNADO )); then
	add_server tornado "Tornado" "$PYTHON $BENCH_DIR/peers/tornado/hello.py --listen @ADDR@"
fi

# Our servers, compared with the targets.
WASMWEB_ALL="wasmweb-netpoll wasmweb-std wasmweb-netpoll-nodl wasmweb-std-nodl"
BASE_ALL="base-wasmweb-netpoll base-wasmweb-std base-wasmweb-netpoll-nodl base-wasmweb-std-nodl"
CORE_ALL="core-netpoll core-std"
OURS="$WASMWEB_ALL $CORE_ALL"

declare -A PORT=()
i=0
for s in "${SERVERS[@]}"; do PORT[$s]=$((PORT_BASE + i)); i=$((i + 1)); done
RESTART_PORT=$((PORT_BASE + 400))
# admin_port PORT: the admin (metrics) port of a wasmweb listening on PORT.
admin_port() { echo $(($1 + 200)); }

# probe URL: prints the body if the server answers 200, fails otherwise.
probe() { curl -fsS --max-time 1 "$1" 2>/dev/null; }
# port_free PORT: exits the script if something listens on 127.0.0.1:PORT.
port_free() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		log "something already listens on 127.0.0.1:$1; set PORT_BASE"
		exit 1
	fi
}

# start NAME PORT: starts the server pinned to SERVER_CPU with GOMAXPROCS=1 and
# waits until it answers. Returns 1 (and prints its log) if it does not.
start() {
	local name=$1 port=$2 addr=127.0.0.1:$2 cmd body
	port_free "$port"
	cmd=${CMD[$name]//@ADDR@/$addr}
	[[ $cmd != *@ADMIN@* ]] || port_free "$(admin_port "$port")"
	cmd=${cmd//@ADMIN@/127.0.0.1:$(admin_port "$port")}
	# shellcheck disable=SC2086  # the command line is split on purpose
	(cd "${DIR[$name]:-$ROOT}" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" $cmd) >>"$tmp/$name.log" 2>&1 &
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
	if [[ $body != "Hello, world" ]]; then
		log "warning: $name answered GET / with body '${body:0:60}', not 'Hello, world'"
	fi
}

stop() {
	local name=$1
	[[ -n ${PID[$name]:-} ]] || return 0
	kill "${PID[$name]}" 2>/dev/null || true
	wait "${PID[$name]}" 2>/dev/null || true
	unset "PID[$name]"
}


LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
RETRIED=0

# metrics_hello NAME: "calls misses creations" of the hello plugin, from the
# admin listener of the running wasmweb server NAME.
metrics_hello() {
	curl -fsS --max-time 5 "http://127.0.0.1:$(admin_port "${PORT[$1]}")/metrics" 2>/dev/null | awk '
		/^wasmweb_guest_calls_total\{.*plugin="hello"/        { c = $NF }
		/^wasmweb_pool_misses_total\{.*plugin="hello"/        { m = $NF }
		/^wasmweb_instance_creations_total\{.*plugin="hello"/ { n = $NF }
		END { if (c == "") exit 1; printf "%.0f %.0f %.0f\n", c, m, n }'
}

# ------------------------------------------------------------- throughput ---
WRK_CMD="taskset -c $LOAD_CPU wrk -t1 -c$CONNS -d${DURATION}s --latency http://127.0.0.1:PORT/"
RUNNING=()
declare -A RPS=() RPS_ALL=() P50=() P99=() P99_ALL=() OTHER_ALL=() ERRS=() OTHER=() STEAL=() CPU_REQ=() CPU_ALL=()
declare -A POOL_WARM=() POOL_END=()   # "calls misses creations" after the warm-up and after the last run
if phase throughput; then
	for s in "${SERVERS[@]}"; do
		if start "$s" "${PORT[$s]}"; then
			RUNNING+=("$s")
		else
			log "SKIPPING $s"
			note "$s skipped: it did not start (see the log above)"
		fi
	done
	if (( ${#RUNNING[@]} == 0 )); then log "no server started"; exit 1; fi

	if (( WARMUP > 0 )); then
		for s in "${RUNNING[@]}"; do
			log "warm-up ${WARMUP}s: $s"
			load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:${PORT[$s]}/" >/dev/null
		done
	fi
	for s in "${RUNNING[@]}"; do
		[[ " $WASMWEB_ALL $BASE_ALL " == *" $s "* ]] || continue
		POOL_WARM[$s]=$(metrics_hello "$s") || POOL_WARM[$s]=""
	done

	for ((r = 1; r <= RUNS; r++)); do
		for s in $(round_order "$r" "${RUNNING[@]}"); do
			log "run $r/$RUNS: $s (${DURATION}s)"
			for ((attempt = 0; ; attempt++)); do
				wait_quiet
				read -r busy0 steal0 < <(cpu_busy); srv0=$(proc_cpu "${PID[$s]}"); kid0=$(children_cpu)
				load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency \
					"http://127.0.0.1:${PORT[$s]}/" >"$tmp/wrk.$s.$r.txt"
				read -r busy1 steal1 < <(cpu_busy); srv1=$(proc_cpu "${PID[$s]}"); kid1=$(children_cpu)
				# CPU time (in % of one core) spent by anything but this server
				# and wrk during the run, time stolen by the hypervisor, and
				# the server's own CPU time per request (µs).
				awk -v o=$(( (busy1 - busy0) - (srv1 - srv0) - (kid1 - kid0) )) -v st=$((steal1 - steal0)) \
					-v t="$(( DURATION * HZ ))" -v sv=$((srv1 - srv0)) -v hz="$HZ" \
					-v n="$(awk '/ requests in / {print $1; exit}' "$tmp/wrk.$s.$r.txt")" \
					'BEGIN { printf "%.0f %.0f %.2f\n", 100 * o / t, 100 * st / t, (n > 0 ? 1e6 * sv / hz / n : 0) }' \
					>"$tmp/other.$s.$r.txt"
				read -r other steal _ <"$tmp/other.$s.$r.txt"
				(( other + steal > MAX_OTHER && attempt < RETRIES && RETRIED < RETRY_BUDGET )) || break
				log "  other CPU use ${other}% + steal ${steal}% > ${MAX_OTHER}%: something else is running; repeating (retry $((attempt + 1))/$RETRIES)"
				RETRIED=$((RETRIED + 1))
			done
		done
	done
	for s in "${RUNNING[@]}"; do
		if [[ " $WASMWEB_ALL $BASE_ALL " == *" $s "* ]]; then
			POOL_END[$s]=$(metrics_hello "$s") || POOL_END[$s]=""
		fi
		stop "$s"
	done

	# Parse. For each server: the run with the median requests/s (the lower
	# middle one for an even RUNS) gives the figures.
	for s in "${RUNNING[@]}"; do
		rows=""
		for ((r = 1; r <= RUNS; r++)); do
			row=$(wrk_row "$tmp/wrk.$s.$r.txt") || exit 1
			rows+="$row $(cat "$tmp/other.$s.$r.txt")"$'\n'
		done
		sorted=$(printf '%s' "$rows" | sort -n -k1,1)
		med=$(printf '%s\n' "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
		read -r RPS[$s] P50[$s] P99[$s] _ OTHER[$s] STEAL[$s] _ <<<"$med"
		# The server's CPU per request: the median over the runs, and every
		# run's in the order of req/s.
		CPU_REQ[$s]=$(printf '%s\n' "$sorted" | awk '{print $7}' | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
		CPU_ALL[$s]=$(printf '%s\n' "$sorted" | awk '{printf "%s%.1f", (NR > 1 ? ", " : ""), $7}')
		RPS_ALL[$s]=$(printf '%s\n' "$sorted" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
		P99_ALL[$s]=$(printf '%s\n' "$sorted" | awk '{printf "%s%s", (NR > 1 ? ", " : ""), ($3 >= 1000 ? sprintf("%.2f ms", $3 / 1000) : sprintf("%.0f µs", $3))}')
		OTHER_ALL[$s]=$(printf '%s\n' "$sorted" | awk '{printf "%s%s%%", (NR > 1 ? ", " : ""), $5}')
		ERRS[$s]=$(printf '%s' "$rows" | awk '{n += $4} END {print n + 0}')
	done
fi

# ------------------------------------------------------------ idle memory ---
IDLE_RUN=()
declare -A IDLE=()
IDLE_CMD="taskset -c $LOAD_CPU idleconns -addr 127.0.0.1:PORT -pid SERVER_PID -n $IDLE_CONNS"
if phase idle; then
	for s in "${SERVERS[@]}"; do
		port=$((${PORT[$s]} + 100))
		start "$s" "$port" || { log "SKIPPING idle measurement for $s"; continue; }
		log "idle connections: $s ($IDLE_CONNS)"
		if load taskset -c "$LOAD_CPU" "$tmp/idleconns" -addr "127.0.0.1:$port" -pid "${PID[$s]}" \
			-n "$IDLE_CONNS" >"$tmp/idle.$s.out" 2>"$tmp/idle.$s.err"; then
			:
		else
			log "idleconns reported a problem for $s:"
			sed 's/^/    /' "$tmp/idle.$s.err" >&2
		fi
		stop "$s"
		out=$(cat "$tmp/idle.$s.out")
		if [[ -n $out ]]; then
			IDLE[$s]=$out
			IDLE_RUN+=("$s")
		fi
	done
fi

# ---------------------------------------------------------------- restart ---
# Time from starting `wasmweb serve` (demo site) to its first 200 "Hello,
# world" for GET /, polled with curl in a tight loop from the load CPU. The
# first start has an empty compile cache (a dedicated --cache-dir) and fills
# it; the next RESTARTS starts find it warm. With a base, its wasmweb (from
# its own tree, with a cache of its own) is started next to this tree's at
# each step (after it, and before it in even warm rounds).
DEMO_PLUGINS=$(wc -w <<<"$DEMO_PLUGIN_NAMES")
(( DEMO_PLUGINS > 0 )) || DEMO_PLUGINS=1
RESTART_CMD="GOMAXPROCS=1 taskset -c $SERVER_CPU ./wasmweb serve --listen 127.0.0.1:PORT --cache-dir bench/results/compile-cache"
RESTART_VARIANTS=cur
declare -A RESTART_BIN=([cur]=$tmp/wasmweb) RESTART_DIR=([cur]=$ROOT) RESTART_CACHE=([cur]=$CACHE_DIR)
declare -A RESTART_COLD=() RESTART_LOAD_COLD=() RESTART_WARM=() RESTART_LOAD_WARM=() RESTART_BUILT=() RESTART_FAILED=()
declare -A RESTART_LABEL=([cur]="wasmweb$(at_cur)")
if (( HAVE_BASE )); then
	RESTART_VARIANTS="cur base"
	RESTART_BIN[base]=$BASE_BIN RESTART_DIR[base]=$BASE_ROOT RESTART_CACHE[base]=$CACHE_DIR-base
	RESTART_LABEL[base]="wasmweb @ $BASE_SHORT"
fi
# ready_once VARIANT CACHE LOG: starts that variant's wasmweb serve with
# --cache-dir CACHE and sets READY_MS (start to first good answer) and
# LOAD_MS (the server's own "loaded ... in" figure); fails if it does not
# become ready.
ready_once() {
	local v=$1 cache=$2 logf=$3 port=$RESTART_PORT t0 t1 ok=0
	: >"$logf"
	t0=$EPOCHREALTIME
	(cd "${RESTART_DIR[$v]}" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" "${RESTART_BIN[$v]}" serve \
		--listen "127.0.0.1:$port" --cache-dir "$cache") >>"$logf" 2>&1 &
	PID[restart]=$!
	# The poller runs in a subshell pinned to the load CPU. Each curl fails at
	# once (connection refused) until the server listens; bounded by
	# STARTUP_TIMEOUT.
	if t1=$(
		taskset -pc "$LOAD_CPU" "$BASHPID" >/dev/null
		end=$((SECONDS + STARTUP_TIMEOUT))
		while (( SECONDS < end )); do
			if [[ $(curl -fsS --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null) == "Hello, world" ]]; then
				echo "$EPOCHREALTIME"
				exit 0
			fi
			kill -0 "${PID[restart]}" 2>/dev/null || exit 1
		done
		exit 1
	); then ok=1; fi
	stop restart
	if (( ! ok )); then
		log "wasmweb did not become ready within ${STARTUP_TIMEOUT}s; its output:"
		sed 's/^/    /' "$logf" | tail -n 20 >&2
		return 1
	fi
	! grep -q 'wasmweb: building' "$logf" || RESTART_BUILT[$v]=1
	READY_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	# the server logs a Go duration, through slog: msg="wasmweb: loaded"
	# sites=1 in=812ms (or 1.204s, 950µs); before it, as plain text:
	# wasmweb: loaded 1 site(s) in 812ms.
	LOAD_MS=$(sed -n -e 's/.*msg="wasmweb: loaded" .*in=\([^ ]*\).*/\1/p' \
		-e 's/^wasmweb: loaded .* in \([^ ]*\)$/\1/p' "$logf" | awk '
		/ms$/ { sub(/ms$/, ""); printf "%.0f", $0; exit }
		/µs$/ { sub(/µs$/, ""); printf "%.0f", $0 / 1000; exit }
		/s$/  { sub(/s$/, "");  printf "%.0f", $0 * 1000; exit }')
	LOAD_MS=${LOAD_MS:-?}
}
if phase restart && (( HAVE_WASMWEB )); then
	port_free "$RESTART_PORT"
	mkdir -p "$RESULTS_DIR"
	for v in $RESTART_VARIANTS; do
		# An unmeasured start with a throw-away cache: it builds any stale
		# plugin (so that no measured start includes a build) and warms the
		# page cache for the binary and the .wasm files.
		log "restart: unmeasured first start (${RESTART_LABEL[$v]})"
		ready_once "$v" "$tmp/cache-throwaway-$v" "$tmp/restart.$v.first.log" || true
		RESTART_BUILT[$v]=0 RESTART_FAILED[$v]=0 RESTART_WARM[$v]="" RESTART_LOAD_WARM[$v]=""
		rm -rf "${RESTART_CACHE[$v]}"
	done
	for v in $RESTART_VARIANTS; do
		wait_quiet
		log "restart: cold (${RESTART_LABEL[$v]}, empty compile cache ${RESTART_CACHE[$v]})"
		if ready_once "$v" "${RESTART_CACHE[$v]}" "$tmp/restart.$v.cold.log"; then
			RESTART_COLD[$v]=$READY_MS RESTART_LOAD_COLD[$v]=$LOAD_MS
		else
			RESTART_FAILED[$v]=1
		fi
	done
	for ((k = 1; k <= RESTARTS; k++)); do
		order=$RESTART_VARIANTS
		(( k % 2 )) || order=$(tac -s' ' <<<"$RESTART_VARIANTS " | xargs)
		for v in $order; do
			[[ -n ${RESTART_COLD[$v]:-} ]] || continue
			wait_quiet
			log "restart: warm $k/$RESTARTS (${RESTART_LABEL[$v]})"
			if ready_once "$v" "${RESTART_CACHE[$v]}" "$tmp/restart.$v.warm.$k.log"; then
				RESTART_WARM[$v]+=" $READY_MS" RESTART_LOAD_WARM[$v]+=" $LOAD_MS"
			else
				RESTART_FAILED[$v]=$((${RESTART_FAILED[$v]} + 1))
			fi
		done
	done
fi

# --------------------------------------------------------------- dispatch ---
# The in-process benchmarks, compiled with `go test -c` and run pinned like
# the servers, from the package directory (the host benchmark builds and
# loads ../plugins/hello). With a base, its test binaries are built in its
# tree and run from there, alternating with this tree's one run (-count 1)
# at a time (the base first in even rounds), BENCH_COUNT times.
declare -A DISPATCH_OUT=()   # PKG (this tree) or base/PKG -> the benchmark output
# run_in DIR CMD...: runs CMD in DIR (in the background under load, the
# function's subshell execs CMD, so LOAD_PID is CMD's pid).
run_in() { cd "$1" || return 1; shift; exec "$@"; }
DISPATCH_PKGS="host:Dispatch netloop:Hello"
if phase dispatch; then
	for pb in $DISPATCH_PKGS; do
		pkg=${pb%%:*} re=${pb#*:}
		keys=()
		declare -A droot=([$pkg]=$ROOT) dtest=([$pkg]=$tmp/$pkg.test)
		(( ! HAVE_BASE )) || { droot[base/$pkg]=$BASE_ROOT; dtest[base/$pkg]=$tmp/base-$pkg.test; }
		ks=("$pkg"); (( ! HAVE_BASE )) || ks+=("base/$pkg")
		for k in "${ks[@]}"; do
			log "building the $k test binary"
			if ! (cd "${droot[$k]}" && go test -c -o "${dtest[$k]}" "./$pkg/") >"${dtest[$k]}.log" 2>&1; then
				log "SKIPPING the $k benchmarks: go test -c ./$pkg/ failed:"
				sed 's/^/    /' "${dtest[$k]}.log" | head -n 20 >&2
				note "dispatch benchmarks of ./$pkg/$([[ $k == base/* ]] && echo " at $BASE_SHORT") skipped: \`go test -c\` failed"
				continue
			fi
			keys+=("$k")
			: >"$tmp/bench.${k//\//-}.txt"
		done
		rounds=1 count=$BENCH_COUNT
		(( ${#keys[@]} < 2 )) || { rounds=$BENCH_COUNT; count=1; }
		declare -A dfail=()
		for ((i = 1; i <= rounds; i++)); do
			order=("${keys[@]}")
			(( i % 2 )) || order=($(printf '%s\n' "${keys[@]}" | tac))
			for k in "${order[@]}"; do
				[[ -z ${dfail[$k]:-} ]] || continue
				wait_quiet
				log "go test -bench '$re' -count $count ./$pkg/ ($k$( (( rounds > 1 )) && echo ", round $i/$rounds"))"
				if ! load run_in "${droot[$k]}/$pkg" env GOMAXPROCS=1 taskset -c "$SERVER_CPU" "${dtest[$k]}" -test.run '^$' \
					-test.bench "$re" -test.benchmem -test.count "$count" >>"$tmp/bench.${k//\//-}.txt" 2>&1; then
					log "the $k benchmarks failed:"
					sed 's/^/    /' "$tmp/bench.${k//\//-}.txt" | tail -n 20 >&2
					note "dispatch benchmarks of ./$pkg/$([[ $k == base/* ]] && echo " at $BASE_SHORT") failed"
					dfail[$k]=1
				fi
			done
		done
		for k in "${keys[@]}"; do
			[[ -n ${dfail[$k]:-} ]] || DISPATCH_OUT[$k]=$tmp/bench.${k//\//-}.txt
		done
		unset droot dtest dfail
	done
fi
# bench_summary FILE: "name ns/op B/op allocs/op runs" per benchmark, the
# median of each column over its runs.
bench_summary() {
	awk '/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "ns/op") ns[name] = ns[name] " " $i
			if ($(i+1) == "B/op") by[name] = by[name] " " $i
			if ($(i+1) == "allocs/op") al[name] = al[name] " " $i
		}
		if (!(name in seen)) { seen[name] = 1; order[++n] = name }
	}
	function median(s,   a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return a[int((k + 1) / 2)]
	}
	END { for (i = 1; i <= n; i++) { nm = order[i]; print nm, median(ns[nm]), median(by[nm]), median(al[nm]), split(ns[nm], x, " ") } }' "$1"
}

# field KEY LINE: value of key=value in an idleconns line.
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k {print $2}'; }

# ----------------------------------------------------------------- report ---
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? (v >= t) : (v <= t); print (ok ? "**met**" : "**not met**") }'; }
# median of the arguments (the lower middle one for an even count).
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
modver() { (cd "$1" && go list -m -f '{{.Version}}' "$2" 2>/dev/null) || echo "?"; }

LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ {gsub(/^[ \t]+/, "", $2); print $2; exit}')
tornado_ver=$( (dpkg-query -W -f '${Version}' python3-tornado 2>/dev/null || "$PYTHON" -c 'import tornado; print(tornado.version)' 2>/dev/null) || echo "not installed")
report=$tmp/report.md
{
	echo "# wasmweb benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- Machine: ${cpu_model:-unknown CPU}, $(nproc) CPUs, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}'), kernel $(uname -r), open-file limit $(ulimit -n)"
	echo "- $(go version), $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'), fasthttp $(modver "$BENCH_DIR" github.com/valyala/fasthttp), python3-tornado $tornado_ver ($("$PYTHON" --version 2>&1)), wazero $(modver "$ROOT" github.com/tetratelabs/wazero), netpoll $(modver "$ROOT" github.com/cloudwego/netpoll)"
	echo "- wasmweb tree: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$( [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && echo ' (uncommitted changes)')"
	(( ! HAVE_BASE )) || echo "- Base (BASE=$BASE): $BASE_SHORT, \`git archive\` into a temporary directory (BASE_TREE below), its \`cmd/wasmweb\` built there (BASE_TREE.bin) and its servers run from there with its own plugins and configs; labelled \"@ $BASE_SHORT\", this tree's \"@ $CUR_SHORT\""
	echo "- Settings: SUITE=$SUITE DURATION=$DURATION RUNS=$RUNS CONNS=$CONNS IDLE_CONNS=$IDLE_CONNS WARMUP=$WARMUP RESTARTS=$RESTARTS BENCH_COUNT=$BENCH_COUNT${ONLY:+ ONLY=\"$ONLY\"}, servers on CPU $SERVER_CPU, load on CPU $LOAD_CPU"
	echo "- Load average (1/5/15 min) at the start: $LOADAVG_START; at the end: $LOADAVG_END (other work on the box skews the figures); the script took $(( (SECONDS - SCRIPT_START) / 60 )) min $(( (SECONDS - SCRIPT_START) % 60 )) s"
	[[ -n $NOTES ]] && echo "- **Note:** $NOTES"
	echo
	if (( ${#RUNNING[@]} > 0 )); then
		echo "## Throughput (keep-alive, $CONNS connections, ${DURATION}s × $RUNS run(s), interleaved round-robin)"
		echo
		echo "| server | req/s (median) | req/s (all runs) | p50 | p99 | p99 (all runs) | socket errors + non-2xx | other CPU (all runs) | steal (median run) | server CPU per request (median) | (all runs) |"
		echo "|---|---:|---|---:|---:|---|---:|---|---:|---:|---|"
		for s in "${RUNNING[@]}"; do
			printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %s%% | %s µs | %s |\n' "${LABEL[$s]}" "${RPS[$s]}" "${RPS_ALL[$s]}" \
				"$(fmt_lat "${P50[$s]}")" "$(fmt_lat "${P99[$s]}")" "${P99_ALL[$s]}" "${ERRS[$s]}" \
				"${OTHER_ALL[$s]}" "${STEAL[$s]}" "${CPU_REQ[$s]}" "${CPU_ALL[$s]}"
		done
		echo
		echo "The \"all runs\" columns are in the order of req/s, lowest first."
		echo
		echo "\"Server CPU per request\" is the server process's user + system time during a run (from /proc, in ticks of 1/$HZ s) divided by the requests wrk completed: less sensitive to other work on the box than req/s, which also depends on the share of the core the server gets."
		echo
		echo "\"Other CPU\" is CPU time used during a run by anything except the server and wrk (other processes, softirq), in % of one core; a few % (±10, tick accounting) is the kernel's own share, tens of % mean something else was running and the run is suspect. Runs above ${MAX_OTHER}% were repeated up to $RETRIES times ($RETRIED repeat(s) in all); the last attempt counts."
		echo
		if [[ -n ${RPS[nethttp]:-} && -n ${RPS[fasthttp]:-} ]]; then
			echo "fasthttp / net/http: $(ratio "${RPS[fasthttp]}" "${RPS[nethttp]}")× req/s"
			echo
		fi

		# Before (BASE) and after (this tree), run back to back in each round.
		header=0
		for w in $WASMWEB_ALL; do
			[[ -n ${RPS[$w]:-} && -n ${RPS[base-$w]:-} ]] || continue
			if (( ! header )); then
				echo "### Before ($BASE_SHORT) and after ($CUR_SHORT)"
				echo
				echo "Each base server ran right after this tree's in odd rounds and right before it in even ones."
				echo
				echo "| server | before req/s (median) | after req/s (median) | after ÷ before | before (all runs) | after (all runs) | p99 before → after | per request, after − before | server CPU per request, before → after (median) | after ÷ before |"
				echo "|---|---:|---:|---:|---|---|---|---:|---:|---:|"
				header=1
			fi
			printf '| %s | %.0f | %.0f | %s | %s | %s | %s → %s | %s | %s → %s µs | %s |\n' "${LABEL[$w]% @ *}" "${RPS[base-$w]}" "${RPS[$w]}" \
				"$(ratio "${RPS[$w]}" "${RPS[base-$w]}")" "${RPS_ALL[base-$w]}" "${RPS_ALL[$w]}" \
				"$(fmt_lat "${P99[base-$w]}")" "$(fmt_lat "${P99[$w]}")" \
				"$(awk -v a="${RPS[$w]}" -v b="${RPS[base-$w]}" 'BEGIN { printf "%+.2f µs", 1e6 / a - 1e6 / b }')" \
				"${CPU_REQ[base-$w]}" "${CPU_REQ[$w]}" "$(ratio "${CPU_REQ[$w]}" "${CPU_REQ[base-$w]}")"
		done
		(( ! header )) || echo

		# Issue 3: wasmweb serve against net/http and Tornado.
		header=0
		for w in $WASMWEB_ALL; do
			[[ -n ${RPS[$w]:-} ]] || continue
			if (( ! header )); then
				echo "### wasmweb serve against the targets (issue 3)"
				echo
				echo "| target | measured | result |"
				echo "|---|---:|---|"
				header=1
			fi
			if [[ -n ${RPS[nethttp]:-} ]]; then
				r=$(ratio "${RPS[$w]}" "${RPS[nethttp]}")
				echo "| ${LABEL[$w]} req/s ≥ 1.0× net/http | ${r}× | $(verdict "$r" ">=" 1.0) |"
			fi
			if [[ -n ${RPS[tornado]:-} ]]; then
				r=$(ratio "${RPS[$w]}" "${RPS[tornado]}")
				echo "| ${LABEL[$w]} req/s ≥ 10× Tornado | ${r}× | $(verdict "$r" ">=" 10) |"
			fi
			if [[ -n ${RPS[nethttp]:-} ]]; then
				echo "| ${LABEL[$w]} p99 ≤ net/http p99 (for information) | $(fmt_lat "${P99[$w]}") vs $(fmt_lat "${P99[nethttp]}") | $(verdict "${P99[$w]}" "<=" "${P99[nethttp]}") |"
			fi
		done
		(( ! header )) || echo
		# Cost of the deadline: deadline on vs off, same transport.
		for t in netpoll std; do
			on=wasmweb-$t off=wasmweb-$t-nodl
			[[ -n ${RPS[$on]:-} && -n ${RPS[$off]:-} ]] || continue
			echo "- Per-call deadline, $t: $(printf '%.0f' "${RPS[$on]}") req/s on, $(printf '%.0f' "${RPS[$off]}") off ($(ratio "${RPS[$on]}" "${RPS[$off]}")×); per request $(awk -v a="${RPS[$on]}" -v b="${RPS[$off]}" 'BEGIN { printf "%+.2f µs", 1e6 / a - 1e6 / b }') with the deadline."
		done
		for t in netpoll std; do
			w=wasmweb-$t c=core-$t
			[[ -n ${RPS[$w]:-} && -n ${RPS[$c]:-} ]] || continue
			echo "- Plugin host cost, $t: 1/wasmweb − 1/core = $(awk -v a="${RPS[$w]}" -v b="${RPS[$c]}" 'BEGIN { printf "%.2f µs", 1e6 / a - 1e6 / b }') per request (deadline on)."
		done
		echo

		# Issue 2: the core against fasthttp and net/http.
		header=0
		for w in $CORE_ALL; do
			[[ -n ${RPS[$w]:-} ]] || continue
			if (( ! header )); then
				echo "### netloop core against the targets (issue 2)"
				echo
				echo "| target | measured | result |"
				echo "|---|---:|---|"
				header=1
			fi
			if [[ -n ${RPS[fasthttp]:-} ]]; then
				r=$(ratio "${RPS[$w]}" "${RPS[fasthttp]}")
				echo "| ${LABEL[$w]} req/s ≥ 0.9× fasthttp | ${r}× | $(verdict "$r" ">=" 0.9) |"
			fi
			if [[ -n ${RPS[nethttp]:-} ]]; then
				r=$(ratio "${RPS[$w]}" "${RPS[nethttp]}")
				echo "| ${LABEL[$w]} req/s ≥ 1.3× net/http | ${r}× | $(verdict "$r" ">=" 1.3) |"
				echo "| ${LABEL[$w]} p99 ≤ net/http p99 | $(fmt_lat "${P99[$w]}") vs $(fmt_lat "${P99[nethttp]}") | $(verdict "${P99[$w]}" "<=" "${P99[nethttp]}") |"
			fi
		done
		(( ! header )) || echo

		# Pool hit rate.
		header=0
		for w in $WASMWEB_ALL $BASE_ALL; do
			[[ -n ${POOL_END[$w]:-} ]] || continue
			if (( ! header )); then
				echo "## Instance pool (plugin hello, from /metrics)"
				echo
				echo "Measured runs: the difference between /metrics read after the warm-up and after the last run. Since start: the totals at the end, which include the start-up probe and the warm-up."
				echo
				echo "| server | guest calls (measured runs) | pool misses | instance creations | hit rate (measured runs) | since start: calls / misses / creations | hit rate since start | target ≥ 99.9 % |"
				echo "|---|---:|---:|---:|---:|---|---:|---|"
				header=1
			fi
			read -r c1 m1 n1 <<<"${POOL_END[$w]}"
			read -r c0 m0 n0 <<<"${POOL_WARM[$w]:-0 0 0}"
			dc=$((c1 - c0)) dm=$((m1 - m0)) dn=$((n1 - n0))
			hit=$(awk -v c="$dc" -v m="$dm" 'BEGIN { if (c > 0) printf "%.4f", 100 * (1 - m / c); else print "nan" }')
			hit0=$(awk -v c="$c1" -v m="$m1" 'BEGIN { if (c > 0) printf "%.4f", 100 * (1 - m / c); else print "nan" }')
			echo "| ${LABEL[$w]} | $dc | $dm | $dn | ${hit} % | $c1 / $m1 / $n1 | ${hit0} % | $(verdict "$hit" ">=" 99.9) |"
		done
		(( ! header )) || echo
	fi

	if [[ -n ${RESTART_COLD[*]:-} ]]; then
		echo "## Restart to ready (wasmweb serve, demo site: $DEMO_PLUGINS plugins: $DEMO_PLUGIN_NAMES)"
		echo
		echo "From starting the process to its first 200 \"Hello, world\" for GET / (curl polling in a tight loop on CPU $LOAD_CPU; resolution a few ms). \"Host load\" is the server's own \"loaded … in\" figure: compiling or loading the plugins from the cache and pre-warming their pools.$( (( HAVE_BASE )) && echo " Each step starts this tree's wasmweb and $BASE_SHORT's (from its own tree, with its own cache): this tree's first, except in even warm rounds.")"
		echo
		echo "| wasmweb | start | ready after | per plugin | host load | target ≤ 1 s per plugin |"
		echo "|---|---|---:|---:|---:|---|"
		for v in $RESTART_VARIANTS; do
			[[ -n ${RESTART_COLD[$v]:-} ]] || continue
			pp=$(awk -v m="${RESTART_COLD[$v]}" -v n="$DEMO_PLUGINS" 'BEGIN { printf "%.0f", m / n }')
			echo "| ${RESTART_LABEL[$v]} | cold (empty compile cache, fills it) | ${RESTART_COLD[$v]} ms | $pp ms | ${RESTART_LOAD_COLD[$v]} ms | (not a target) |"
			if [[ -n ${RESTART_WARM[$v]} ]]; then
				# shellcheck disable=SC2086  # lists of numbers
				med=$(median ${RESTART_WARM[$v]})
				pp=$(awk -v m="$med" -v n="$DEMO_PLUGINS" 'BEGIN { printf "%.0f", m / n }')
				# shellcheck disable=SC2086
				echo "| ${RESTART_LABEL[$v]} | warm cache, median of $(wc -w <<<"${RESTART_WARM[$v]}") | $med ms | $pp ms | $(median ${RESTART_LOAD_WARM[$v]}) ms | $(verdict "$pp" "<=" 1000) |"
			fi
		done
		echo
		for v in $RESTART_VARIANTS; do
			[[ -z ${RESTART_WARM[$v]:-} ]] || echo "- ${RESTART_LABEL[$v]}: warm starts, in order: $(echo ${RESTART_WARM[$v]} | sed 's/ /, /g') ms (host load $(echo ${RESTART_LOAD_WARM[$v]} | sed 's/ /, /g') ms)."
			(( ! ${RESTART_BUILT[$v]:-0} )) || echo "- **Note:** a start of ${RESTART_LABEL[$v]} rebuilt a plugin (its .wasm was older than its sources); that start includes a build."
			(( ! ${RESTART_FAILED[$v]:-0} )) || echo "- **Note:** ${RESTART_FAILED[$v]} start(s) of ${RESTART_LABEL[$v]} did not become ready within ${STARTUP_TIMEOUT}s."
		done
		echo
	fi

	if (( ${#DISPATCH_OUT[@]} > 0 )); then
		echo "## In-process dispatch (go test -bench, $BENCH_COUNT runs each, median)"
		echo
		echo "| benchmark | ns/op | B/op | allocs/op | runs |"
		echo "|---|---:|---:|---:|---:|"
		for pb in $DISPATCH_PKGS; do
			pkg=${pb%%:*}
			for k in "$pkg" "base/$pkg"; do
				[[ -n ${DISPATCH_OUT[$k]:-} ]] || continue
				at=$(at_cur); [[ $k != base/* ]] || at=" @ $BASE_SHORT"
				while read -r name ns by al n; do
					echo "| $pkg$at: $name | $ns | $by | $al | $n |"
				done < <(bench_summary "${DISPATCH_OUT[$k]}")
			done
		done
		echo
		# Before (BASE) and after (this tree), benchmark by benchmark.
		header=0
		for pb in $DISPATCH_PKGS; do
			pkg=${pb%%:*}
			[[ -n ${DISPATCH_OUT[$pkg]:-} && -n ${DISPATCH_OUT[base/$pkg]:-} ]] || continue
			declare -A before=()
			while read -r name ns by al n; do before[$name]="$ns $by $al"; done < <(bench_summary "${DISPATCH_OUT[base/$pkg]}")
			while read -r name ns by al n; do
				[[ -n ${before[$name]:-} ]] || continue
				read -r bns bby bal <<<"${before[$name]}"
				if (( ! header )); then
					echo "Before ($BASE_SHORT) and after ($CUR_SHORT), alternating one run of each at a time (the base first in even rounds):"
					echo
					echo "| benchmark | ns/op before → after | after ÷ before | B/op before → after | allocs/op before → after |"
					echo "|---|---:|---:|---:|---:|"
					header=1
				fi
				echo "| $pkg: $name | $bns → $ns | $(ratio "$ns" "$bns") | $bby → $by | $bal → $al |"
			done < <(bench_summary "${DISPATCH_OUT[$pkg]}")
			unset before
		done
		(( ! header )) || echo
		if [[ -n ${DISPATCH_OUT[host]:-} ]]; then
			echo "| target (issue 3) | measured | result |"
			echo "|---|---:|---|"
			while read -r name ns by al n; do
				[[ $name == BenchmarkDispatchGo/* ]] || continue
				echo "| $name ≤ 2 µs per request | $(awk -v n="$ns" 'BEGIN { printf "%.2f µs", n / 1000 }') | $(verdict "$ns" "<=" 2000) |"
				echo "| $name 0 allocations per request | $al | $(verdict "$al" "<=" 0) |"
			done < <(bench_summary "${DISPATCH_OUT[host]}")
			echo
		fi
		echo "BenchmarkDispatchGo and BenchmarkDispatchWAT run a request through netloop's parser and the host into the Go hello plugin (a hand-written WAT guest), with the per-call deadline on (5 s) and off; BenchmarkHello is the core alone with a native handler. allocs/op counts every allocation in the process during the call, the Wasm runtime's included."
		echo
	fi

	if (( ${#IDLE_RUN[@]} > 0 )); then
		echo "## Idle keep-alive connections ($IDLE_CONNS, one request each, then idle)"
		echo
		echo "| server | RSS before | RSS after | added | per connection | threads before → after | still open | sampled requests ok |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|"
		for s in "${IDLE_RUN[@]}"; do
			l=${IDLE[$s]}
			printf '| %s | %.1f MiB | %.1f MiB | %.1f MiB | %.2f KiB | %s → %s | %s | %s |\n' "${LABEL[$s]}" \
				"$(awk -v k="$(field rss_before_kib "$l")" 'BEGIN{print k/1024}')" \
				"$(awk -v k="$(field rss_after_kib "$l")" 'BEGIN{print k/1024}')" \
				"$(awk -v k="$(field rss_added_kib "$l")" 'BEGIN{print k/1024}')" \
				"$(awk -v b="$(field per_conn_bytes "$l")" 'BEGIN{print b/1024}')" \
				"$(field threads_before "$l")" "$(field threads_after "$l")" \
				"$(field open "$l")" "$(field sample_ok "$l")"
		done
		echo
		header=0
		for w in $OURS; do
			[[ -n ${IDLE[$w]:-} ]] || continue
			if (( ! header )); then
				echo "| target ($IDLE_CONNS idle connections) | measured | result |"
				echo "|---|---:|---|"
				header=1
			fi
			b=$(field per_conn_bytes "${IDLE[$w]}")
			added=$(field rss_added_kib "${IDLE[$w]}")
			kib=$(awk -v b="$b" 'BEGIN{printf "%.2f", b/1024}')
			echo "| ${LABEL[$w]}: ≤ 6 KiB per connection (≤ 60 MB for 10,000) | $kib KiB ($(awk -v k="$added" 'BEGIN{printf "%.1f", k/1024}') MiB) | $(verdict "$b" "<=" 6144) |"
			echo "| ${LABEL[$w]}: stretch ≤ 4 KiB per connection | $kib KiB | $(verdict "$b" "<=" 4096) |"
		done
		(( ! header )) || echo
		for s in "${IDLE_RUN[@]}"; do
			l=${IDLE[$s]}
			[[ $(field stable "$l") == true ]] || echo "- ${LABEL[$s]}: RSS did not settle within the timeout; the figure is the last reading."
		done
	fi
	echo "## Commands"
	echo
	echo '```sh'
	if (( ${#RUNNING[@]} > 0 || ${#IDLE_RUN[@]} > 0 )); then
		for s in "${SERVERS[@]}"; do
			line="GOMAXPROCS=1 taskset -c $SERVER_CPU ${CMD[$s]//@ADDR@/127.0.0.1:PORT}"
			[[ -z ${DIR[$s]:-} ]] || line="(cd BASE_TREE && $line)"
			echo "$line" | sed -e "s#$tmp/base\.bin#BASE_TREE.bin#g" -e "s#$tmp/base/#BASE_TREE/#g" -e "s#$tmp/#./#" \
				-e "s#@ADMIN@#127.0.0.1:PORT+200#" -e "s#$BENCH_DIR/#bench/#g"
		done
	fi
	(( ${#RUNNING[@]} == 0 )) || echo "$WRK_CMD   # ${WARMUP}s warm-up per server, then $RUNS run(s) round-robin"
	(( ${#RUNNING[@]} == 0 )) || echo "curl http://127.0.0.1:PORT+200/metrics   # wasmweb: after the warm-up and after the last run"
	(( ${#IDLE_RUN[@]} == 0 )) || echo "$IDLE_CMD   # against a fresh instance of each server" | sed 's#idleconns#./idleconns#'
	[[ -z ${RESTART_COLD[*]:-} ]] || echo "$RESTART_CMD   # cold once (cache removed), then $RESTARTS warm; curl -fsS http://127.0.0.1:PORT/ in a loop"
	[[ -z ${RESTART_COLD[base]:-} ]] || echo "(cd BASE_TREE && GOMAXPROCS=1 taskset -c $SERVER_CPU BASE_TREE.bin serve --listen 127.0.0.1:PORT --cache-dir bench/results/compile-cache-base)   # $BASE_SHORT, after this tree's at each step"
	for pb in $DISPATCH_PKGS; do
		pkg=${pb%%:*} re=${pb#*:}
		[[ -n ${DISPATCH_OUT[$pkg]:-} ]] || continue
		if [[ -n ${DISPATCH_OUT[base/$pkg]:-} ]]; then
			echo "go test -c -o $pkg.test ./$pkg/ && (cd $pkg && GOMAXPROCS=1 taskset -c $SERVER_CPU ../$pkg.test -test.run '^\$' -test.bench '$re' -test.benchmem -test.count 1)   # $BENCH_COUNT times, alternating with the same in BASE_TREE"
		else
			echo "go test -c -o $pkg.test ./$pkg/ && (cd $pkg && GOMAXPROCS=1 taskset -c $SERVER_CPU ../$pkg.test -test.run '^\$' -test.bench '$re' -test.benchmem -test.count $BENCH_COUNT)"
		fi
	done
	echo '```'
	echo
	echo "Binaries: \`go build -o DIR/wasmweb ./cmd/wasmweb\` (repository root, run from there so the demo site finds its plugins) and \`go build ./peers/nethttp ./peers/fasthttp ./peers/netloop ./idleconns\` (in bench/). Tornado: \`bench/peers/tornado/hello.py\` with Debian's python3-tornado. The go test lines are \`go test -run '^\$' -bench RE -benchmem -count $BENCH_COUNT ./PKG/\`, compiled first so that only the benchmark runs pinned."
} >"$report"

mkdir -p "$RESULTS_DIR"
cp "$report" "$RESULTS_DIR/latest.md"
# The raw outputs (wrk, idleconns, go test, server logs) of this run.
rm -rf "$RESULTS_DIR/raw"
mkdir -p "$RESULTS_DIR/raw"
cp "$tmp"/*.txt "$tmp"/*.log "$tmp"/*.out "$tmp"/*.err "$RESULTS_DIR/raw/" 2>/dev/null || true
cat "$report"
log "written to $RESULTS_DIR/latest.md (raw outputs in $RESULTS_DIR/raw/)"
