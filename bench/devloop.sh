#!/usr/bin/env bash
# wasmweb dev's save-to-served time for the hello plugin: the time from
# saving an edit of its main.go (written to a temporary file and renamed
# over it, as editors do) to the first GET / that answers the edited
# body. It covers the loop's debounce, `go build` of the plugin (warm Go
# build cache), loading the new module in wazero's interpreter (never
# cached: each edit is new code), warming one instance and the swap. The
# compiled code that takes over in the background is not timed; its
# compiles are counted (an edit that comes first cancels one). A browser
# that reloads itself after the swap adds its own reload on top.
#
#   bench/devloop.sh                 # RUNS=25 edits
#   RUNS=50 PORT=28999 bench/devloop.sh
#   DEVOUT=dev.out bench/devloop.sh  # keep wasmweb dev's output
#
# The hello plugin is copied into a temporary module (made by wasmweb new,
# using this checkout's SDK), so the checkout is never edited. Prints each
# edit's time and then p50/p99; asserts nothing.
set -euo pipefail

RUNS=${RUNS:-25}
PORT=${PORT:-28990}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	if [[ -n ${DEVOUT:-} && -f $tmp/dev.out ]]; then cp "$tmp/dev.out" "$DEVOUT"; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -C "$root" -o "$tmp/wasmweb" ./cmd/wasmweb
"$tmp/wasmweb" new --dir "$tmp/hello" --wasmweb "$root" hello >/dev/null
cp "$root/plugins/hello/main.go" "$tmp/hello/main.go"
cat >"$tmp/site.toml" <<TOML
[[site]]
name = "bench"
hosts = ["*"]
[site.plugins]
hello = "hello"
[[site.route]]
path = "/"
plugin = "hello"
TOML

url=http://127.0.0.1:$PORT/
"$tmp/wasmweb" dev --config "$tmp/site.toml" --listen "127.0.0.1:$PORT" --cache-dir "$tmp/cache" \
	>"$tmp/dev.out" 2>"$tmp/dev.err" &
pid=$!
for _ in $(seq 600); do
	[[ $(curl -s "$url" 2>/dev/null) == "Hello, world" ]] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/dev.err"; exit 1; }
	sleep 0.1
done
[[ $(curl -s "$url") == "Hello, world" ]] || { echo "devloop: wasmweb dev did not start"; cat "$tmp/dev.err"; exit 1; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
times=()
for i in $(seq "$RUNS"); do
	want="Hello, edit $i"
	sed "s/Hello, world/$want/" "$root/plugins/hello/main.go" >"$tmp/hello/.main.go.tmp"
	start=$(now_ms)
	mv "$tmp/hello/.main.go.tmp" "$tmp/hello/main.go"
	until [[ $(curl -s "$url") == "$want" ]]; do
		if (( $(now_ms) - start > 60000 )); then
			echo "devloop: edit $i not served after 60 s"; tail -20 "$tmp/dev.out"; exit 1
		fi
		sleep 0.01
	done
	ms=$(( $(now_ms) - start ))
	times+=("$ms")
	echo "edit $i: ${ms} ms"
	sleep 0.3 # let the old generation drain before the next edit
done

sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
p50=${sorted[$(( (n * 50 + 99) / 100 - 1 ))]}
p99=${sorted[$(( (n * 99 + 99) / 100 - 1 ))]}
# The loop's own split of each swap: go build, then loading the module
# interpreted (instrumenting, decoding, checking, warming one instance);
# and, behind it, compiling it and swapping the compiled code in, when
# the next edit did not cancel that first.
split() { # split 'build|load|swapped in, in': that part of every swap, in ms, sorted
	{ grep -o "$1 [0-9.]*m\?s" "$tmp/dev.out" || true; } | awk '{ v = $NF; if (v ~ /ms$/) { sub(/ms$/, "", v) } else { sub(/s$/, "", v); v *= 1000 } printf "%d\n", v }' | sort -n
}
median() { awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "?" }'; }
compiled=$(split "swapped in, in" | wc -l)
echo "median go build $(split build | median) ms, median load $(split load | median) ms (interpreted); $compiled compiles finished, median $(split "swapped in, in" | median) ms (the loop's own timings)"
echo "load average before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wasmweb dev save-to-served, hello plugin, $n edits: p50 ${p50} ms, p99 ${p99} ms (min ${sorted[0]} ms, max ${sorted[n-1]} ms)"
