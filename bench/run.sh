#!/usr/bin/env bash
# Side-by-side benchmark: wasmweb (netpoll and std transports), Go net/http and
# valyala/fasthttp, all answering GET / with "Hello, world".
#
#   bench/run.sh                      # defaults: DURATION=10 RUNS=3 CONNS=50 IDLE_CONNS=10000
#   DURATION=30 RUNS=5 bench/run.sh
#
# Throughput: every server runs pinned to one core (taskset -c $SERVER_CPU,
# GOMAXPROCS=1), wrk runs pinned to another (taskset -c $LOAD_CPU, one thread,
# $CONNS keep-alive connections). Runs are interleaved round-robin over the
# servers so that drift (thermal, noisy neighbours) hits all of them equally;
# the table shows the median requests/s and the p50/p99 of that median run.
#
# Idle memory: a fresh instance of each server gets $IDLE_CONNS keep-alive
# connections (one request each, then idle); bench/idleconns reports the RSS
# added per connection.
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

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RESULTS_DIR=$BENCH_DIR/results
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmweb-bench.XXXXXX")

log() { printf 'bench: %s\n' "$*" >&2; }

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
LOAD_PID=""         # pid of the running wrk / idleconns
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
for t in taskset go; do
	command -v "$t" >/dev/null 2>&1 || { log "$t is required"; exit 1; }
done
if (( $(nproc) < 2 )); then
	log "warning: only $(nproc) CPU; server and load generator will share it"
fi

# ----------------------------------------------------------------- build ----
log "building peers and idleconns"
(cd "$BENCH_DIR" && go build -o "$tmp/" ./peers/nethttp ./peers/fasthttp ./idleconns)
# The netloop peer is this checkout's HTTP core with a native Go handler; it
# is skipped, like wasmweb, if the core does not build.
HAVE_CORE=0
if (cd "$BENCH_DIR" && go build -o "$tmp/netloop" ./peers/netloop) >"$tmp/netloop-build.log" 2>&1; then
	HAVE_CORE=1
else
	log "SKIPPING the netloop core peer: go build ./peers/netloop failed:"
	sed 's/^/    /' "$tmp/netloop-build.log" | head -n 20 >&2
fi

HAVE_WASMWEB=0
NOTES=""
if [[ -n ${WASMWEB_BIN:-} ]]; then
	log "using prebuilt wasmweb: $WASMWEB_BIN"
	cp "$WASMWEB_BIN" "$tmp/wasmweb"
	HAVE_WASMWEB=1
	NOTES="wasmweb binary given by WASMWEB_BIN=$WASMWEB_BIN, not built from this tree"
elif log "building wasmweb" && (cd "$ROOT" && go build -o "$tmp/wasmweb" ./cmd/wasmweb) >"$tmp/wasmweb-build.log" 2>&1; then
	HAVE_WASMWEB=1
else
	NOTES="wasmweb skipped: \`go build ./cmd/wasmweb\` failed: $(head -n 3 "$tmp/wasmweb-build.log" | tr '\n' ' ' | sed 's/ *$//')"
	log "SKIPPING wasmweb: go build ./cmd/wasmweb failed:"
	sed 's/^/    /' "$tmp/wasmweb-build.log" | head -n 20 >&2
fi

# ---------------------------------------------------------------- servers ---
# Each server: a name, a display label and a command line with @ADDR@ for the
# listen address.
SERVERS=()
declare -A LABEL=() CMD=()
add_server() { SERVERS+=("$1"); LABEL[$1]=$2; CMD[$1]=$3; }
if (( HAVE_WASMWEB )); then
	add_server wasmweb-netpoll "wasmweb (netpoll)" "$tmp/wasmweb serve --listen @ADDR@ --transport netpoll"
	add_server wasmweb-std     "wasmweb (std)"     "$tmp/wasmweb serve --listen @ADDR@ --transport std"
fi
if (( HAVE_CORE )); then
	add_server core-netpoll "netloop core, native handler (netpoll)" "$tmp/netloop -listen @ADDR@ -transport netpoll"
	add_server core-std     "netloop core, native handler (std)"     "$tmp/netloop -listen @ADDR@ -transport std"
else
	NOTES+="${NOTES:+; }netloop core peer skipped: \`go build ./peers/netloop\` failed"
fi
add_server nethttp  "net/http" "$tmp/nethttp -listen @ADDR@"
add_server fasthttp "fasthttp" "$tmp/fasthttp -listen @ADDR@"

# Our servers, compared with the targets.
OURS="wasmweb-netpoll wasmweb-std core-netpoll core-std"

declare -A PORT=()
i=0
for s in "${SERVERS[@]}"; do PORT[$s]=$((PORT_BASE + i)); i=$((i + 1)); done

# probe URL: prints the body if the server answers 200, fails otherwise.
probe() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 1 "$1" 2>/dev/null
	else
		local hostport=${1#http://}; hostport=${hostport%%/*}
		exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" || return 1
		printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hostport" >&3
		local resp; resp=$(timeout 1 cat <&3) || true
		exec 3<&-
		[[ $resp == "HTTP/1.1 200"* ]] || return 1
		printf '%s' "${resp#*$'\r\n\r\n'}"
	fi
}

# start NAME PORT: starts the server pinned to SERVER_CPU with GOMAXPROCS=1 and
# waits until it answers. Returns 1 (and prints its log) if it does not.
start() {
	local name=$1 port=$2 addr=127.0.0.1:$2 cmd body
	if probe "http://$addr/" >/dev/null; then
		log "something already answers on $addr; set PORT_BASE"
		exit 1
	fi
	cmd=${CMD[$name]//@ADDR@/$addr}
	# shellcheck disable=SC2086  # the command line is split on purpose
	(cd "$ROOT" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" $cmd) >>"$tmp/$name.log" 2>&1 &
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

# to_us VALUE: wrk latency ("227.00us", "1.20ms", "1.01s") in microseconds.
to_us() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/)      { sub(/us$/, "", v); printf "%.1f", v }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.1f", v * 1000 }
		else if (v ~ /m$/)  { sub(/m$/, "", v);  printf "%.1f", v * 60e6 }
		else if (v ~ /s$/)  { sub(/s$/, "", v);  printf "%.1f", v * 1e6 }
		else                { printf "nan" }
	}'
}
# fmt_lat MICROSECONDS: "412 µs" or "1.23 ms".
fmt_lat() {
	awk -v u="$1" 'BEGIN { if (u >= 1000) printf "%.2f ms", u / 1000; else printf "%.0f µs", u }'
}

# ------------------------------------------------------------- throughput ---
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
HZ=$(getconf CLK_TCK)
RETRIED=0
# cpu_busy: busy and steal jiffies of all CPUs; proc_cpu PID: user+system
# jiffies of a process; children_cpu: the same for this script's reaped
# children (wrk).
cpu_busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; }
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
children_cpu() { awk '{print $16 + $17}' "/proc/$$/stat"; }

# wait_quiet: waits (at most QUIET_TIMEOUT seconds) until the whole box has
# used less than MAX_OTHER % of a core for 3 consecutive seconds. Call it only
# while no load is running: the idle servers then count as "other" too.
QUIET_WAITED=0
wait_quiet() {
	local start=$SECONDS deadline=$((SECONDS + QUIET_TIMEOUT)) quiet=0 b0 b1 st said=0
	(( deadline <= start + QUIET_BUDGET - QUIET_WAITED )) || deadline=$((start + QUIET_BUDGET - QUIET_WAITED))
	while (( quiet < 3 )); do
		if (( SECONDS >= deadline )); then
			(( ! said )) || log "  the box is still busy; going on anyway"
			break
		fi
		read -r b0 st < <(cpu_busy)
		sleep 1
		read -r b1 st < <(cpu_busy)
		if (( (b1 - b0) * 100 <= MAX_OTHER * HZ )); then
			quiet=$((quiet + 1))
		else
			quiet=0
			(( said )) || log "  waiting for other work to finish (busy $(( (b1 - b0) * 100 / HZ ))% of a core)"
			said=1
		fi
	done
	QUIET_WAITED=$((QUIET_WAITED + SECONDS - start - 3))  # 3 s is the minimum on a quiet box
}
WRK_CMD="taskset -c $LOAD_CPU wrk -t1 -c$CONNS -d${DURATION}s --latency http://127.0.0.1:PORT/"
RUNNING=()
for s in "${SERVERS[@]}"; do
	if start "$s" "${PORT[$s]}"; then
		RUNNING+=("$s")
	else
		log "SKIPPING $s"
		NOTES+="${NOTES:+; }$s skipped: it did not start (see the log above)"
	fi
done
if (( ${#RUNNING[@]} == 0 )); then log "no server started"; exit 1; fi

if (( WARMUP > 0 )); then
	for s in "${RUNNING[@]}"; do
		log "warm-up ${WARMUP}s: $s"
		load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:${PORT[$s]}/" >/dev/null
	done
fi

for ((r = 1; r <= RUNS; r++)); do
	for s in "${RUNNING[@]}"; do
		log "run $r/$RUNS: $s (${DURATION}s)"
		for ((attempt = 0; ; attempt++)); do
			wait_quiet
			read -r busy0 steal0 < <(cpu_busy); srv0=$(proc_cpu "${PID[$s]}"); kid0=$(children_cpu)
			load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency \
				"http://127.0.0.1:${PORT[$s]}/" >"$tmp/wrk.$s.$r.txt"
			read -r busy1 steal1 < <(cpu_busy); srv1=$(proc_cpu "${PID[$s]}"); kid1=$(children_cpu)
			# CPU time (in % of one core) spent by anything but this server
			# and wrk during the run, and time stolen by the hypervisor.
			awk -v o=$(( (busy1 - busy0) - (srv1 - srv0) - (kid1 - kid0) )) -v st=$((steal1 - steal0)) \
				-v t="$(( DURATION * HZ ))" 'BEGIN { printf "%.0f %.0f\n", 100 * o / t, 100 * st / t }' \
				>"$tmp/other.$s.$r.txt"
			read -r other steal <"$tmp/other.$s.$r.txt"
			(( other + steal > MAX_OTHER && attempt < RETRIES && RETRIED < RETRY_BUDGET )) || break
			log "  other CPU use ${other}% + steal ${steal}% > ${MAX_OTHER}%: something else is running; repeating (retry $((attempt + 1))/$RETRIES)"
			RETRIED=$((RETRIED + 1))
		done
	done
done
for s in "${RUNNING[@]}"; do stop "$s"; done

# Parse. For each server: the run with the median requests/s (the lower middle
# one for an even RUNS) gives the figures.
declare -A RPS=() RPS_ALL=() P50=() P99=() ERRS=() OTHER=() STEAL=() OTHER_MAX=()
for s in "${RUNNING[@]}"; do
	rows=""
	for ((r = 1; r <= RUNS; r++)); do
		f=$tmp/wrk.$s.$r.txt
		rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
		p50=$(awk '$1 == "50%" {print $2}' "$f")
		p99=$(awk '$1 == "99%" {print $2}' "$f")
		errs=$(awk '/Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
		            /Non-2xx or 3xx responses:/ {n += $NF}
		            END {print n + 0}' "$f")
		[[ -n $rps && -n $p50 && -n $p99 ]] || { log "cannot parse $f:"; cat "$f" >&2; exit 1; }
		rows+="$rps $(to_us "$p50") $(to_us "$p99") $errs $(cat "$tmp/other.$s.$r.txt")"$'\n'
	done
	sorted=$(printf '%s' "$rows" | sort -n -k1,1)
	med=$(printf '%s\n' "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
	read -r RPS[$s] P50[$s] P99[$s] _ OTHER[$s] STEAL[$s] <<<"$med"
	OTHER_MAX[$s]=$(printf '%s' "$rows" | awk '$5 > m {m = $5} END {print m + 0}')
	RPS_ALL[$s]=$(printf '%s\n' "$sorted" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
	ERRS[$s]=$(printf '%s' "$rows" | awk '{n += $4} END {print n + 0}')
done

# ------------------------------------------------------------ idle memory ---
IDLE_RUN=()
declare -A IDLE=()
IDLE_CMD="taskset -c $LOAD_CPU idleconns -addr 127.0.0.1:PORT -pid SERVER_PID -n $IDLE_CONNS"
if (( IDLE_CONNS > 0 )); then
	for s in "${RUNNING[@]}"; do
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

# field KEY LINE: value of key=value in an idleconns line.
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k {print $2}'; }

# ----------------------------------------------------------------- report ---
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? (v >= t) : (v <= t); print (ok ? "**met**" : "**not met**") }'; }

LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ {gsub(/^[ \t]+/, "", $2); print $2; exit}')
report=$tmp/report.md
{
	echo "# wasmweb benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- Machine: ${cpu_model:-unknown CPU}, $(nproc) CPUs, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}'), kernel $(uname -r)"
	echo "- $(go version), $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'), fasthttp $(cd "$BENCH_DIR" && go list -m -f '{{.Version}}' github.com/valyala/fasthttp)"
	echo "- wasmweb tree: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$( [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && echo ' (uncommitted changes)')"
	echo "- Settings: DURATION=$DURATION RUNS=$RUNS CONNS=$CONNS IDLE_CONNS=$IDLE_CONNS WARMUP=$WARMUP, servers on CPU $SERVER_CPU, load on CPU $LOAD_CPU"
	echo "- Load average (1/5/15 min) at the start: $LOADAVG_START; at the end: $LOADAVG_END (other work on the box skews the figures)"
	[[ -n $NOTES ]] && echo "- **Note:** $NOTES"
	echo
	echo "## Throughput (keep-alive, $CONNS connections, ${DURATION}s × $RUNS run(s), interleaved round-robin)"
	echo
	echo "| server | req/s (median) | req/s (all runs) | p50 | p99 | socket errors + non-2xx | other CPU, median run (worst run) | steal |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|"
	for s in "${RUNNING[@]}"; do
		printf '| %s | %.0f | %s | %s | %s | %s | %s%% (%s%%) | %s%% |\n' "${LABEL[$s]}" "${RPS[$s]}" "${RPS_ALL[$s]}" \
			"$(fmt_lat "${P50[$s]}")" "$(fmt_lat "${P99[$s]}")" "${ERRS[$s]}" \
			"${OTHER[$s]}" "${OTHER_MAX[$s]}" "${STEAL[$s]}"
	done
	echo
	echo "\"Other CPU\" is CPU time used during a run by anything except the server and wrk (other processes, softirq), in % of one core; a few % (±10, tick accounting) is the kernel's own share, tens of % mean something else was running and the run is suspect. Runs above ${MAX_OTHER}% were repeated up to $RETRIES times ($RETRIED repeat(s) in all); the last attempt counts."
	echo
	if [[ -n ${RPS[nethttp]:-} && -n ${RPS[fasthttp]:-} ]]; then
		echo "fasthttp / net/http: $(ratio "${RPS[fasthttp]}" "${RPS[nethttp]}")× req/s"
		echo
	fi
	have_ratio=0
	for w in $OURS; do [[ -n ${RPS[$w]:-} ]] && have_ratio=1; done
	if (( have_ratio )); then
		echo "| target | measured | result |"
		echo "|---|---:|---|"
		for w in $OURS; do
			[[ -n ${RPS[$w]:-} ]] || continue
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
	for s in "${RUNNING[@]}"; do
		echo "GOMAXPROCS=1 taskset -c $SERVER_CPU ${CMD[$s]//@ADDR@/127.0.0.1:PORT}" | sed "s#$tmp/#./#"
	done
	echo "$WRK_CMD   # ${WARMUP}s warm-up per server, then $RUNS run(s) round-robin"
	echo "$IDLE_CMD   # against a fresh instance of each server" | sed 's#idleconns#./idleconns#'
	echo '```'
	echo
	echo "Binaries: \`go build -o DIR/wasmweb ./cmd/wasmweb\` (repository root, run from there so the demo site finds its plugins) and \`go build ./peers/nethttp ./peers/fasthttp ./peers/netloop ./idleconns\` (in bench/)."
} >"$report"

mkdir -p "$RESULTS_DIR"
cp "$report" "$RESULTS_DIR/latest.md"
cat "$report"
log "written to $RESULTS_DIR/latest.md"
