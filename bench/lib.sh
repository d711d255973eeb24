# Shell helpers shared by the bench scripts (run.sh, site.sh): CPU
# accounting from /proc, the wait for a quiet box, and wrk output. The
# caller defines log, and the knobs MAX_OTHER, QUIET_TIMEOUT and
# QUIET_BUDGET.

HZ=$(getconf CLK_TCK)

# need_tools CMD...: stops the script, saying what to install, unless
# every CMD is on PATH. port_free PORT: stops it when something already
# answers on PORT (a server an earlier run left, which would be measured
# in place of this one).
need_tools() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 || { log "$c is needed (apt-get install $c)"; exit 1; }
	done
}
port_free() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		log "port $1 is in use (a server left running?); stop it or choose another port"
		exit 1
	fi
}

# cpu_busy: busy and steal jiffies of all CPUs. proc_cpu PID: user+system
# jiffies of a process (the command name may hold spaces). children_cpu:
# the same for this script's reaped children (wrk).
cpu_busy() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8, $9}' /proc/stat; }
proc_cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
children_cpu() { awk '{print $16 + $17}' "/proc/$$/stat"; }

# wait_quiet: waits (at most QUIET_TIMEOUT seconds, QUIET_BUDGET in all)
# until the whole box has used less than MAX_OTHER % of a core for 3
# consecutive seconds. Call it only while no load is running: idle servers
# count as "other" too.
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
	(( QUIET_WAITED >= 0 )) || QUIET_WAITED=0
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

# wrk_row FILE: "req/s p50 p99 errors" of one `wrk --latency` output, the
# latencies in microseconds and errors counting socket errors and non-2xx
# answers. Fails, showing the file, when it cannot be parsed.
wrk_row() {
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$1")
	p50=$(awk '$1 == "50%" {print $2}' "$1")
	p99=$(awk '$1 == "99%" {print $2}' "$1")
	errs=$(awk '/Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10}
	            /Non-2xx or 3xx responses:/ {n += $NF}
	            END {print n + 0}' "$1")
	[[ -n $rps && -n $p50 && -n $p99 ]] || { log "cannot parse $1:"; cat "$1" >&2; return 1; }
	echo "$rps $(to_us "$p50") $(to_us "$p99") $errs"
}

# ------------------------------------------------------------ base build ---
# A second ("base") wasmweb measured next to this tree's: BASE names a
# commit of this repository. base_prepare DIR exports it with `git archive`
# into DIR, builds its cmd/wasmweb into DIR.bin and sets BASE_ROOT (the
# exported tree, where its servers run, so they use its own plugins and
# configs), BASE_BIN and BASE_SHORT (its short hash, for labels). Only the
# scripts of this bench/ are used, so the commit may predate the option.
# Fails, with the reason logged, if the commit is unknown or does not build.
base_prepare() {
	local dir=$1
	BASE_SHORT=$(git -C "$ROOT" rev-parse --short "$BASE^{commit}" 2>/dev/null) || {
		log "BASE=$BASE is not a commit of $ROOT"
		return 1
	}
	log "exporting $BASE_SHORT into $dir and building its wasmweb"
	mkdir -p "$dir"
	git -C "$ROOT" archive "$BASE_SHORT" | tar -x -C "$dir" || { log "git archive $BASE_SHORT failed"; return 1; }
	if ! (cd "$dir" && go build -o "$dir.bin" ./cmd/wasmweb) >"$dir.build.log" 2>&1; then
		log "go build ./cmd/wasmweb failed in $BASE_SHORT:"
		sed 's/^/    /' "$dir.build.log" | head -n 20 >&2
		return 1
	fi
	BASE_ROOT=$dir BASE_BIN=$dir.bin
}

# build_plugins BIN DIR LOG: builds every plugin under DIR/plugins with
# that wasmweb binary, outside the measurement (wasmweb serve would build a
# stale one at start, inside the start-up timeout); its output goes to LOG.
build_plugins() {
	local bin=$1 dir=$2 logf=$3 d ds=()
	for d in "$dir"/plugins/*/; do
		[[ -f $d/main.go ]] && ds+=("${d%/}")
	done
	(( ${#ds[@]} > 0 )) || return 0
	log "building the plugins of $dir"
	(cd "$dir" && "$bin" build "${ds[@]}") >"$logf" 2>&1 || {
		log "wasmweb build failed in $dir:"
		sed 's/^/    /' "$logf" | tail -n 20 >&2
		return 1
	}
}

# tree_label DIR: the short commit of the checkout at DIR, with "+dirty"
# when it has uncommitted changes; "no commit" outside git.
tree_label() {
	local c
	c=$(git -C "$1" rev-parse --short HEAD 2>/dev/null) || { echo "no commit"; return; }
	[[ -z $(git -C "$1" status --porcelain 2>/dev/null) ]] || c+="+dirty"
	echo "$c"
}

# round_order ROUND NAMES...: the names in the order of that round of runs.
# A base twin (base-NAME) follows NAME in odd rounds and precedes it in even
# ones, so neither tree always runs first after the same neighbour.
round_order() {
	local r=$1 i n
	shift
	local a=("$@")
	n=${#a[@]}
	if (( r % 2 == 0 )); then
		for ((i = 0; i + 1 < n; i++)); do
			if [[ ${a[i+1]} == "base-${a[i]}" ]]; then
				local t=${a[i]}
				a[i]=${a[i+1]} a[i+1]=$t
				i=$((i + 1))
			fi
		done
	fi
	printf '%s\n' "${a[@]}"
}
