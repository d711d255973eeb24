#!/usr/bin/env bash
# Site building blocks: the host's static files and its template rendering,
# each against a native peer.
#
#   static  a generated 10 KiB stylesheet, GET by wrk, from Debian's nginx
#           (one worker, sendfile, ETag/Last-Modified as nginx sends them by
#           default) and from wasmweb serve's [site.static] (netpoll and std
#           transports; the plain URL and the ?v=HASH versioned one).
#           Target: wasmweb ≥ 0.8× nginx req/s.
#   page    a ~10 KiB HTML page (a layout with blocks and a listing of 20
#           products) rendered by wasmweb for its guest bench/site/page,
#           which builds the data each request and calls
#           ctx.Render("page.html", data), and by bench/peers/tmplpage,
#           Go net/http + html/template on the same template files and the
#           same data (bench/site/pagedata). The guest makes the JSON in
#           two ways, each on its own URL: /page with encoding/json (the
#           SDK encodes the struct, as a typical plugin does) and
#           /page-json with the data's hand-written appender, passed as a
#           json.RawMessage. The bodies are checked to be byte-identical
#           first. Target: wasmweb ≥ 0.8× the native page. With
#           PAGE_DEADLINE_OFF=1 (the default) the page site is measured
#           again with call_timeout = "off" on the first transport.
#
#   bench/site.sh                          # DURATION=10 RUNS=3 CONNS=50
#   DURATION=30 RUNS=5 bench/site.sh       # for figures to quote
#   SUITE=page TRANSPORTS=netpoll bench/site.sh
#   BASE=aeeae4d bench/site.sh         # also that commit's wasmweb, side by side
#
# With BASE=COMMIT, that commit is exported (git archive) and its
# cmd/wasmweb built; its wasmweb servers, with its own hello plugin and its
# own page guest (bench/site/page built with its SDK), join each phase's
# rounds, every one next to this tree's twin (after it in odd rounds,
# before it in even ones), and the report compares the two (after ÷
# before).
#
# Every server is pinned to SERVER_CPU (taskset, GOMAXPROCS=1; nginx with
# one worker process), wrk to LOAD_CPU (one thread, CONNS keep-alive
# connections). Per phase, all servers are started, each target gets an
# unmeasured warm-up, and the measured runs go round-robin over the targets;
# before each run the script waits for a quiet box, and a run during which
# other work used more than MAX_OTHER % of a core is repeated. The median
# run gives req/s, p50 and p99.
#
# Output: a Markdown report on stdout, also written to
# bench/results/site-latest.md, with the raw outputs in
# bench/results/site-raw/. Installs nothing: it names the package to
# apt-get when a tool is missing. See bench/README.md.
set -euo pipefail

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
CONNS=${CONNS:-50}
WARMUP=${WARMUP:-2}                 # seconds of unmeasured wrk per target before the runs
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
PORT_BASE=${PORT_BASE:-18600}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}  # seconds to wait for a server to answer
MAX_OTHER=${MAX_OTHER:-25}          # a run during which other work used more CPU (% of a core) ...
RETRIES=${RETRIES:-2}               # ... is repeated up to this many times,
RETRY_BUDGET=${RETRY_BUDGET:-6}     # and at most this many repeats in all
QUIET_TIMEOUT=${QUIET_TIMEOUT:-30}  # before each run, wait up to this long for the box to be idle,
QUIET_BUDGET=${QUIET_BUDGET:-120}   # and up to this long in all
WASMWEB_BIN=${WASMWEB_BIN:-}        # use this wasmweb binary instead of building ./cmd/wasmweb
SUITE=${SUITE:-all}                 # phases: static,page (or all)
TRANSPORTS=${TRANSPORTS:-netpoll std}  # wasmweb transports to measure
PAGE_DEADLINE_OFF=${PAGE_DEADLINE_OFF:-1} # 1: also the page with call_timeout = "off" (first transport)
NGINX=${NGINX:-nginx}               # the nginx binary (Debian's package: apt-get install nginx)
FILE_BYTES=${FILE_BYTES:-10240}     # size of the static file
BASE=${BASE:-}                      # a commit whose wasmweb is measured next to this tree's

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
RESULTS_DIR=$BENCH_DIR/results
TEMPLATES=$BENCH_DIR/site/templates
PLUGIN_DIR=$BENCH_DIR/site/page
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wasmweb-site.XXXXXX")
SCRIPT_START=$SECONDS

log() { printf 'site: %s\n' "$*" >&2; }
. "$BENCH_DIR/lib.sh" # cpu_busy, proc_cpu, children_cpu, wait_quiet, to_us, fmt_lat, wrk_row, base_prepare, tree_label

[[ $SUITE == all ]] && SUITE=static,page
for p in ${SUITE//,/ }; do
	case $p in
	static | page) ;;
	*) log "unknown phase '$p' in SUITE (want static, page or all)"; exit 2 ;;
	esac
done
phase() { [[ ,$SUITE, == *,$1,* ]]; }
TRANSPORTS=${TRANSPORTS//,/ }
for t in $TRANSPORTS; do
	case $t in
	netpoll | std) ;;
	*) log "unknown transport '$t' in TRANSPORTS (want netpoll and/or std)"; exit 2 ;;
	esac
done

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
LOAD_PID=""
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
# need TOOL PACKAGE: exits with the package to install if TOOL is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	log "$1 is required but not found; install it with: apt-get install -y $2"
	exit 1
}
need wrk wrk
need taskset util-linux
need curl curl
need cmp diffutils
need diff diffutils
need sha256sum coreutils
command -v go >/dev/null 2>&1 || { log "go is required but not found; install Go 1.26 (https://go.dev/dl/)"; exit 1; }
if phase static; then
	# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
	if ! command -v "$NGINX" >/dev/null 2>&1 && [[ $NGINX == nginx && -x /usr/sbin/nginx ]]; then
		NGINX=/usr/sbin/nginx
	fi
	if ! command -v "$NGINX" >/dev/null 2>&1; then
		log "nginx is required for the static phase but '$NGINX' is not found; install it with: apt-get install -y nginx"
		log "(or set NGINX to its path, or run only the page phase: SUITE=page)"
		exit 1
	fi
	NGINX=$(command -v "$NGINX")
fi
if (( $(nproc) < 2 )); then
	log "warning: only $(nproc) CPU; server and load generator will share it"
fi

# ----------------------------------------------------------------- build ----
NOTES=""
note() { NOTES+="${NOTES:+; }$*"; }
if [[ -n $WASMWEB_BIN ]]; then
	log "using prebuilt wasmweb: $WASMWEB_BIN"
	cp "$WASMWEB_BIN" "$tmp/wasmweb"
	note "wasmweb binary given by WASMWEB_BIN=$WASMWEB_BIN, not built from this tree"
else
	log "building wasmweb"
	if ! (cd "$ROOT" && go build -o "$tmp/wasmweb" ./cmd/wasmweb) >"$tmp/wasmweb-build.log" 2>&1; then
		log "go build ./cmd/wasmweb failed; nothing to measure:"
		sed 's/^/    /' "$tmp/wasmweb-build.log" | head -n 20 >&2
		exit 1
	fi
fi
# Plugins are built once here, outside the measurement and outside the
# pinned servers (wasmweb serve would build a stale one at start).
if phase static; then
	log "building plugins/hello (the static site's / route)"
	if ! "$tmp/wasmweb" build "$ROOT/plugins/hello" >"$tmp/hello-build.log" 2>&1; then
		log "SKIPPING the static phase: wasmweb build plugins/hello failed:"
		sed 's/^/    /' "$tmp/hello-build.log" | head -n 20 >&2
		note "static phase skipped: \`wasmweb build plugins/hello\` failed"
		SUITE=$(tr ',' '\n' <<<"$SUITE" | grep -vx static | paste -sd, -) || SUITE=""
	fi
fi
if phase page; then
	log "building the page guest (wasmweb build bench/site/page) and the native peer"
	if ! "$tmp/wasmweb" build "$PLUGIN_DIR" >"$tmp/page-build.log" 2>&1; then
		log "SKIPPING the page phase: wasmweb build bench/site/page failed:"
		sed 's/^/    /' "$tmp/page-build.log" | head -n 20 >&2
		note "page phase skipped: \`wasmweb build bench/site/page\` failed"
		SUITE=$(tr ',' '\n' <<<"$SUITE" | grep -vx page | paste -sd, -) || SUITE=""
	elif ! (cd "$BENCH_DIR" && go build -o "$tmp/tmplpage" ./peers/tmplpage) >"$tmp/tmplpage-build.log" 2>&1; then
		log "SKIPPING the page phase: go build ./peers/tmplpage failed:"
		sed 's/^/    /' "$tmp/tmplpage-build.log" | head -n 20 >&2
		note "page phase skipped: \`go build ./peers/tmplpage\` failed"
		SUITE=$(tr ',' '\n' <<<"$SUITE" | grep -vx page | paste -sd, -) || SUITE=""
	fi
fi
[[ -n $SUITE ]] || { log "nothing left to measure"; exit 1; }
# The base commit's wasmweb (BASE), its hello plugin and its page guest.
# VARIANTS: this tree's ("cur") and the base's; VPRE prefixes the names of
# the base's servers and targets, VAT is the label suffix.
VARIANTS=cur BASE_SHORT="" BASE_ROOT="" BASE_PAGE=0
declare -A VPRE=([cur]="" [base]=base-) VAT=([cur]="") VBIN=([cur]=$tmp/wasmweb) VROOT=([cur]=$ROOT)
if [[ -n $BASE ]]; then
	if base_prepare "$tmp/base"; then
		VARIANTS="cur base"
		VAT[cur]=" @ $(tree_label "$ROOT")" VAT[base]=" @ $BASE_SHORT"
		VBIN[base]=$BASE_BIN VROOT[base]=$BASE_ROOT
		if phase static && ! (cd "$BASE_ROOT" && "$BASE_BIN" build plugins/hello) >"$tmp/base-hello-build.log" 2>&1; then
			log "wasmweb build plugins/hello failed in $BASE_SHORT:"
			sed 's/^/    /' "$tmp/base-hello-build.log" | head -n 20 >&2
			note "$BASE_SHORT's static server not measured: \`wasmweb build plugins/hello\` failed"
		fi
		if phase page; then
			if [[ ! -d $BASE_ROOT/bench/site/page ]]; then
				note "$BASE_SHORT has no bench/site/page: its page server is not measured"
			elif (cd "$BASE_ROOT" && "$BASE_BIN" build bench/site/page) >"$tmp/base-page-build.log" 2>&1; then
				BASE_PAGE=1
			else
				log "wasmweb build bench/site/page failed in $BASE_SHORT:"
				sed 's/^/    /' "$tmp/base-page-build.log" | head -n 20 >&2
				note "$BASE_SHORT's page server not measured: \`wasmweb build bench/site/page\` failed"
			fi
		fi
	else
		note "BASE=$BASE skipped: it could not be exported or built (see the log)"
	fi
fi

# ---------------------------------------------------------------- servers ---
# A server: a label, a command line (@ADDR@ is the listen address), a port
# and a path that must answer 200 once it is up. A target: a server and a
# URL path measured on it. Ports: PORT_BASE + a fixed offset per server.
declare -A LABEL=() CMD=() PORT=() PROBE=() TSERVER=() TPATH=() TLABEL=() DIR=()
STATIC_SERVERS=() STATIC_TARGETS=() PAGE_SERVERS=() PAGE_TARGETS=()
port_of() { echo $((PORT_BASE + $1)); }

STATIC_DIR=$tmp/www/static
FILE_NAME=app.css
FILE_PATH=/static/$FILE_NAME
if phase static; then
	# A deterministic stylesheet of exactly FILE_BYTES bytes.
	mkdir -p "$STATIC_DIR"
	LC_ALL=C awk -v size="$FILE_BYTES" 'BEGIN {
		n = 0
		for (i = 0; n < size; i++) {
			l = sprintf(".c%04d { margin: %dpx %dpx; padding: %dpx %dpx; color: #%06x; font-size: %.3frem; }",
				i, i % 13, i % 7, i % 5, (i * 3) % 11, (i * 2654435761) % 16777216, 0.75 + (i % 9) / 8)
			if (n + length(l) + 1 > size) l = substr(l, 1, size - n - 1)
			printf "%s\n", l
			n += length(l) + 1
		}
	}' >"$STATIC_DIR/$FILE_NAME"
	got=$(wc -c <"$STATIC_DIR/$FILE_NAME")
	(( got == FILE_BYTES )) || { log "generated $got bytes, not $FILE_BYTES"; exit 1; }
	# nginx's worker may run as another user (www-data when started as root).
	chmod 755 "$tmp" "$tmp/www" "$STATIC_DIR"
	chmod 644 "$STATIC_DIR/$FILE_NAME"
	# wasmweb's ?v= value: the first 16 hex digits of the file's SHA-256.
	FILE_HASH=$(sha256sum "$STATIC_DIR/$FILE_NAME" | cut -c1-16)

	# nginx: one worker, no access log, sendfile, keep-alive; it sends ETag
	# and Last-Modified by default. keepalive_requests is raised from its
	# default of 1000 so that, like the other servers, it never closes a
	# keep-alive connection during a run.
	NGX=$tmp/nginx
	mkdir -p "$NGX/temp"
	PORT[nginx]=$(port_of 0)
	cat >"$NGX/nginx.conf" <<-EOF
		worker_processes 1;
		daemon off;
		pid $NGX/nginx.pid;
		error_log $NGX/error.log warn;
		events {
		    worker_connections 4096;
		}
		http {
		    types {
		        text/css css;
		    }
		    default_type application/octet-stream;
		    access_log off;
		    sendfile on;
		    tcp_nopush on;
		    keepalive_timeout 65s;
		    keepalive_requests 100000000;
		    client_body_temp_path $NGX/temp/body;
		    proxy_temp_path $NGX/temp/proxy;
		    fastcgi_temp_path $NGX/temp/fastcgi;
		    uwsgi_temp_path $NGX/temp/uwsgi;
		    scgi_temp_path $NGX/temp/scgi;
		    server {
		        listen 127.0.0.1:${PORT[nginx]};
		        root $tmp/www;
		    }
		}
	EOF
	if ! "$NGINX" -t -p "$NGX/" -e "$NGX/error.log" -c "$NGX/nginx.conf" >"$tmp/nginx-t.log" 2>&1; then
		log "nginx -t rejects the generated configuration:"
		sed 's/^/    /' "$tmp/nginx-t.log" >&2
		exit 1
	fi
	NGINX_VER=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
	NGINX_PKG=$(dpkg-query -W -f '${Version}' nginx 2>/dev/null) || NGINX_PKG=""
	LABEL[nginx]="nginx ${NGINX_VER#nginx/}${NGINX_PKG:+ (Debian $NGINX_PKG)}, 1 worker"
	CMD[nginx]="$NGINX -p $NGX/ -e $NGX/error.log -c $NGX/nginx.conf"
	PROBE[nginx]=$FILE_PATH
	STATIC_SERVERS+=(nginx)
	TSERVER[nginx-file]=nginx TPATH[nginx-file]=$FILE_PATH TLABEL[nginx-file]="${LABEL[nginx]}"
	STATIC_TARGETS+=(nginx-file)

	for v in $VARIANTS; do
		cat >"$tmp/${VPRE[$v]}static.toml" <<-EOF
			# bench/site.sh: the static file, served by the host. The site needs a
			# route, so / is the hello plugin.
			[[site]]
			name = "static"
			hosts = ["*"]
			[site.static]
			dir = "$STATIC_DIR"
			prefix = "/static/"
			[site.plugins]
			hello = "${VROOT[$v]}/plugins/hello"
			[[site.route]]
			path = "/"
			plugin = "hello"
		EOF
	done
	# Ports: this tree's wasmweb +1 and +2, the base's +4 and +5.
	i=1
	for t in $TRANSPORTS; do
		for v in $VARIANTS; do
			p=${VPRE[$v]}
			s=${p}wasmweb-static-$t
			PORT[$s]=$(port_of $((i + (${#p} ? 3 : 0))))
			LABEL[$s]="wasmweb ($t)${VAT[$v]}"
			CMD[$s]="${VBIN[$v]} serve --config $tmp/${p}static.toml --listen @ADDR@ --transport $t"
			DIR[$s]=${VROOT[$v]}
			PROBE[$s]=$FILE_PATH
			STATIC_SERVERS+=("$s")
			TSERVER[${p}ww-file-$t]=$s TPATH[${p}ww-file-$t]=$FILE_PATH TLABEL[${p}ww-file-$t]="wasmweb ($t)${VAT[$v]}"
			TSERVER[${p}ww-vfile-$t]=$s TPATH[${p}ww-vfile-$t]="$FILE_PATH?v=$FILE_HASH" TLABEL[${p}ww-vfile-$t]="wasmweb ($t), versioned URL${VAT[$v]}"
		done
		i=$((i + 1))
		for u in ww-file-$t ww-vfile-$t; do
			for v in $VARIANTS; do STATIC_TARGETS+=("${VPRE[$v]}$u"); done
		done
	done
fi

PAGE_PATH=/page
PAGE_JSON_PATH=/page-json
if phase page; then
	PORT[tmplpage]=$(port_of 10)
	LABEL[tmplpage]="net/http + html/template"
	CMD[tmplpage]="$tmp/tmplpage -listen @ADDR@ -templates $TEMPLATES"
	PROBE[tmplpage]=$PAGE_PATH
	PAGE_SERVERS+=(tmplpage)
	TSERVER[native-page]=tmplpage TPATH[native-page]=$PAGE_PATH TLABEL[native-page]="${LABEL[tmplpage]}"
	PAGE_TARGETS+=(native-page)

	# Ports: this tree's wasmweb +11 and +12 (deadline off +13), the
	# base's +14 and +15 (deadline off +16).
	PAGE_VARIANTS=cur
	(( ! BASE_PAGE )) || PAGE_VARIANTS="cur base"
	for v in $PAGE_VARIANTS; do
		# The base's own templates (when it has them) and its own guest.
		tdir=$TEMPLATES
		[[ $v == cur || ! -d ${VROOT[$v]}/bench/site/templates ]] || tdir=${VROOT[$v]}/bench/site/templates
		cat >"$tmp/${VPRE[$v]}page.toml" <<-EOF
			# bench/site.sh: GET /page, rendered by the host for the page guest.
			[[site]]
			name = "page"
			hosts = ["*"]
			[site.templates]
			dir = "$tdir"
			[site.plugins]
			page = "${VROOT[$v]}/bench/site/page/page.wasm"
			[[site.route]]
			path = "$PAGE_PATH"
			plugin = "page"
			[[site.route]]
			path = "$PAGE_JSON_PATH"
			plugin = "page"
			handler = "page-json"
		EOF
		# The same site with call_timeout = "off": what the per-call
		# deadline's checks in guest code cost.
		sed 's/^\[site.templates\]$/[site.limits]\ncall_timeout = "off"\n[site.templates]/' "$tmp/${VPRE[$v]}page.toml" >"$tmp/${VPRE[$v]}page-off.toml"
	done
	i=11
	for t in $TRANSPORTS; do
		for v in $PAGE_VARIANTS; do
			p=${VPRE[$v]}
			s=${p}wasmweb-page-$t
			PORT[$s]=$(port_of $((i + (${#p} ? 3 : 0))))
			LABEL[$s]="wasmweb ($t), guest + host template${VAT[$v]}"
			CMD[$s]="${VBIN[$v]} serve --config $tmp/${p}page.toml --listen @ADDR@ --transport $t"
			DIR[$s]=${VROOT[$v]}
			PROBE[$s]=$PAGE_PATH
			PAGE_SERVERS+=("$s")
			TSERVER[${p}ww-page-$t]=$s TPATH[${p}ww-page-$t]=$PAGE_PATH TLABEL[${p}ww-page-$t]="wasmweb ($t), guest encoding/json${VAT[$v]}"
			TSERVER[${p}ww-pagejson-$t]=$s TPATH[${p}ww-pagejson-$t]=$PAGE_JSON_PATH TLABEL[${p}ww-pagejson-$t]="wasmweb ($t), guest pre-encoded JSON${VAT[$v]}"
		done
		i=$((i + 1))
		for u in ww-page-$t ww-pagejson-$t; do
			for v in $PAGE_VARIANTS; do PAGE_TARGETS+=("${VPRE[$v]}$u"); done
		done
	done
	if [[ $PAGE_DEADLINE_OFF == 1 ]]; then
		# The page site with call_timeout = "off", on the first transport.
		t=${TRANSPORTS%% *}
		for v in $PAGE_VARIANTS; do
			p=${VPRE[$v]}
			s=${p}wasmweb-page-off-$t
			PORT[$s]=$(port_of $((13 + (${#p} ? 3 : 0))))
			LABEL[$s]="wasmweb ($t), guest + host template, deadline off${VAT[$v]}"
			CMD[$s]="${VBIN[$v]} serve --config $tmp/${p}page-off.toml --listen @ADDR@ --transport $t"
			DIR[$s]=${VROOT[$v]}
			PROBE[$s]=$PAGE_PATH
			PAGE_SERVERS+=("$s")
			TSERVER[${p}ww-pageoff-$t]=$s TPATH[${p}ww-pageoff-$t]=$PAGE_PATH TLABEL[${p}ww-pageoff-$t]="wasmweb ($t), guest encoding/json, deadline off${VAT[$v]}"
			TSERVER[${p}ww-pagejsonoff-$t]=$s TPATH[${p}ww-pagejsonoff-$t]=$PAGE_JSON_PATH TLABEL[${p}ww-pagejsonoff-$t]="wasmweb ($t), guest pre-encoded JSON, deadline off${VAT[$v]}"
		done
		for u in ww-pageoff-$t ww-pagejsonoff-$t; do
			for v in $PAGE_VARIANTS; do PAGE_TARGETS+=("${VPRE[$v]}$u"); done
		done
	fi
fi

# port_free PORT: exits the script if something listens on 127.0.0.1:PORT.
port_free() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		log "something already listens on 127.0.0.1:$1; set PORT_BASE"
		exit 1
	fi
}

# start NAME: starts the server pinned to SERVER_CPU with GOMAXPROCS=1 and
# waits until its probe path answers 200. Returns 1 (and prints its log) if
# it does not.
start() {
	local name=$1 port=${PORT[$1]} cmd
	port_free "$port"
	cmd=${CMD[$name]//@ADDR@/127.0.0.1:$port}
	# shellcheck disable=SC2086  # the command line is split on purpose
	(cd "${DIR[$name]:-$tmp}" && GOMAXPROCS=1 exec taskset -c "$SERVER_CPU" $cmd) >>"$tmp/$name.log" 2>&1 &
	PID[$name]=$!
	local deadline=$((SECONDS + STARTUP_TIMEOUT))
	until curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$port${PROBE[$name]}" 2>/dev/null; do
		if ! kill -0 "${PID[$name]}" 2>/dev/null || (( SECONDS >= deadline )); then
			log "$name did not answer GET ${PROBE[$name]} on port $port within ${STARTUP_TIMEOUT}s; its output:"
			sed 's/^/    /' "$tmp/$name.log" | tail -n 20 >&2
			[[ $name != nginx ]] || sed 's/^/    /' "$NGX/error.log" 2>/dev/null | tail -n 20 >&2
			stop "$name"
			return 1
		fi
		sleep 0.1
	done
}

stop() {
	local name=$1
	[[ -n ${PID[$name]:-} ]] || return 0
	kill "${PID[$name]}" 2>/dev/null || true
	wait "${PID[$name]}" 2>/dev/null || true
	unset "PID[$name]"
}

url() { echo "http://127.0.0.1:${PORT[${TSERVER[$1]}]}${TPATH[$1]}"; }


LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
RETRIED=0
# tree_cpu PID: user+system jiffies of a process and its children (nginx's
# worker).
tree_cpu() {
	local total kid
	total=$(proc_cpu "$1")
	for kid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		total=$((total + $(proc_cpu "$kid")))
	done
	echo "${total:-0}"
}


# ----------------------------------------------------------------- checks ---
# fetch TARGET: GETs the target's URL into $tmp/body.TARGET and its headers
# into $tmp/head.TARGET; prints "status body-bytes header-bytes".
fetch() {
	curl -sS --max-time 10 -o "$tmp/body.$1" -D "$tmp/head.$1" \
		-w '%{http_code} %{size_download} %{size_header}' "$(url "$1")" 2>/dev/null || echo "000 0 0"
}
# header TARGET NAME: the value of a response header fetch saved.
header() { awk -v n="$2" 'tolower($0) ~ "^" tolower(n) ":" { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }' "$tmp/head.$1"; }

declare -A RESP_BYTES=()   # target -> "header + body" bytes of its response
# check_static TARGET: 200, FILE_BYTES bytes, the file's content; fails otherwise.
check_static() {
	local t=$1 code size hsize
	read -r code size hsize < <(fetch "$t")
	if [[ $code != 200 ]] || (( size != FILE_BYTES )) || ! cmp -s "$tmp/body.$t" "$STATIC_DIR/$FILE_NAME"; then
		log "$t: GET $(url "$t") answered $code with $size bytes, not 200 with the file's $FILE_BYTES bytes"
		return 1
	fi
	RESP_BYTES[$t]="$hsize + $size"
	local h
	for h in ETag Last-Modified; do
		[[ -n $(header "$t" "$h") ]] || { log "warning: $t sends no $h"; note "${TLABEL[$t]} sends no $h"; }
	done
	if [[ $t == ww-vfile-* && $(header "$t" Cache-Control) != *immutable* ]]; then
		log "warning: $t: the versioned URL is not answered as immutable (Cache-Control: $(header "$t" Cache-Control)); is ?v=$FILE_HASH the host's hash?"
		note "${TLABEL[$t]}: ?v=$FILE_HASH was not recognised as the file's version"
	fi
}
# check_page TARGET: 200 and, for wasmweb, the native peer's body byte for byte.
PAGE_BYTES=""
check_page() {
	local t=$1 code size hsize
	read -r code size hsize < <(fetch "$t")
	if [[ $code != 200 ]] || (( size == 0 )); then
		log "$t: GET $(url "$t") answered $code with $size bytes"
		return 1
	fi
	RESP_BYTES[$t]="$hsize + $size"
	if [[ $t == native-page ]]; then
		PAGE_BYTES=$size
		return 0
	fi
	if [[ -z $PAGE_BYTES ]]; then
		log "$t: no native page to compare with"
		return 1
	fi
	if ! cmp -s "$tmp/body.$t" "$tmp/body.native-page"; then
		log "$t: the body differs from the native peer's ($size vs $PAGE_BYTES bytes):"
		diff -u "$tmp/body.native-page" "$tmp/body.$t" | head -n 40 | sed 's/^/    /' >&2 || true
		cp "$tmp/body.native-page" "$tmp/page.native.html.txt" 2>/dev/null || true
		cp "$tmp/body.$t" "$tmp/page.$t.html.txt" 2>/dev/null || true
		return 1
	fi
}

# -------------------------------------------------------------- measuring ---
declare -A RPS=() RPS_ALL=() P50=() P99=() P99_ALL=() OTHER_ALL=() ERRS=() STEAL=() CPU_REQ=() CPU_ALL=()
MEASURED=()
WRK_CMD="taskset -c $LOAD_CPU wrk -t1 -c$CONNS -d${DURATION}s --latency URL"

# measure_phase KIND SERVERS... -- TARGETS...: starts the servers, checks
# every target (check_KIND), warms them up, measures RUNS rounds over them
# and stops the servers.
measure_phase() {
	local kind=$1 s t r attempt row rows sorted med
	shift
	local servers=() targets=() ok=()
	while [[ $1 != -- ]]; do servers+=("$1"); shift; done
	shift
	targets=("$@")
	declare -A up=()
	for s in "${servers[@]}"; do
		log "starting $s"
		if start "$s"; then
			up[$s]=1
		else
			note "${LABEL[$s]} did not start (not measured)"
		fi
	done
	for t in "${targets[@]}"; do
		[[ -n ${up[${TSERVER[$t]}]:-} ]] || continue
		if "check_$kind" "$t"; then
			ok+=("$t")
		else
			note "${TLABEL[$t]}: failed the check before measuring (not measured)"
		fi
	done
	if (( ${#ok[@]} == 0 )); then
		log "no $kind target passed its check"
	else
		if (( WARMUP > 0 )); then
			for t in "${ok[@]}"; do
				log "warm-up ${WARMUP}s: $t"
				load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$(url "$t")" >/dev/null
			done
		fi
		for ((r = 1; r <= RUNS; r++)); do
			for t in $(round_order "$r" "${ok[@]}"); do
				s=${TSERVER[$t]}
				log "run $r/$RUNS: $t (${DURATION}s)"
				for ((attempt = 0; ; attempt++)); do
					wait_quiet
					read -r busy0 steal0 < <(cpu_busy); srv0=$(tree_cpu "${PID[$s]}"); kid0=$(children_cpu)
					load taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$(url "$t")" >"$tmp/wrk.$t.$r.txt"
					read -r busy1 steal1 < <(cpu_busy); srv1=$(tree_cpu "${PID[$s]}"); kid1=$(children_cpu)
					# CPU time (in % of one core) spent by anything but this
					# server and wrk during the run, time stolen by the
					# hypervisor, and the server's own CPU time per request (µs).
					awk -v o=$(( (busy1 - busy0) - (srv1 - srv0) - (kid1 - kid0) )) -v st=$((steal1 - steal0)) \
						-v t="$(( DURATION * HZ ))" -v sv=$((srv1 - srv0)) -v hz="$HZ" \
						-v n="$(awk '/ requests in / {print $1; exit}' "$tmp/wrk.$t.$r.txt")" \
						'BEGIN { printf "%.0f %.0f %.2f\n", 100 * o / t, 100 * st / t, (n > 0 ? 1e6 * sv / hz / n : 0) }' \
						>"$tmp/other.$t.$r.txt"
					read -r other steal _ <"$tmp/other.$t.$r.txt"
					(( other + steal > MAX_OTHER && attempt < RETRIES && RETRIED < RETRY_BUDGET )) || break
					log "  other CPU use ${other}% + steal ${steal}% > ${MAX_OTHER}%: something else is running; repeating (retry $((attempt + 1))/$RETRIES)"
					RETRIED=$((RETRIED + 1))
				done
			done
		done
	fi
	for s in "${servers[@]}"; do stop "$s"; done
	[[ $kind != static || ! -f $NGX/error.log ]] || cp "$NGX/error.log" "$tmp/nginx-error.log"

	# The run with the median requests/s (the lower middle one for an even
	# RUNS) gives the figures.
	for t in "${ok[@]}"; do
		rows=""
		for ((r = 1; r <= RUNS; r++)); do
			row=$(wrk_row "$tmp/wrk.$t.$r.txt") || exit 1
			rows+="$row $(cat "$tmp/other.$t.$r.txt")"$'\n'
		done
		sorted=$(printf '%s' "$rows" | sort -n -k1,1)
		med=$(printf '%s\n' "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p")
		read -r RPS[$t] P50[$t] P99[$t] _ _ STEAL[$t] _ <<<"$med"
		# The server's CPU per request: the median over the runs, and every
		# run's in the order of req/s.
		CPU_REQ[$t]=$(printf '%s\n' "$sorted" | awk '{print $7}' | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
		CPU_ALL[$t]=$(printf '%s\n' "$sorted" | awk '{printf "%s%.1f", (NR > 1 ? ", " : ""), $7}')
		RPS_ALL[$t]=$(printf '%s\n' "$sorted" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}')
		P99_ALL[$t]=$(printf '%s\n' "$sorted" | awk '{printf "%s%s", (NR > 1 ? ", " : ""), ($3 >= 1000 ? sprintf("%.2f ms", $3 / 1000) : sprintf("%.0f µs", $3))}')
		OTHER_ALL[$t]=$(printf '%s\n' "$sorted" | awk '{printf "%s%s%%", (NR > 1 ? ", " : ""), $5}')
		ERRS[$t]=$(printf '%s' "$rows" | awk '{n += $4} END {print n + 0}')
		MEASURED+=("$t")
	done
}

phase static && measure_phase static "${STATIC_SERVERS[@]}" -- "${STATIC_TARGETS[@]}"
phase page && measure_phase page "${PAGE_SERVERS[@]}" -- "${PAGE_TARGETS[@]}"

# ----------------------------------------------------------------- report ---
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	ok = (op == ">=") ? (v >= t) : (v <= t); print (ok ? "**met**" : "**not met**") }'; }
measured() { [[ -n ${RPS[$1]:-} ]]; }
# table TARGETS...: the per-target figures.
table() {
	local t
	echo "| server | URL | response bytes (header + body) | req/s (median) | req/s (all runs) | p50 | p99 | p99 (all runs) | socket errors + non-2xx | other CPU (all runs) | steal (median run) | server CPU per request (median) | (all runs) |"
	echo "|---|---|---:|---:|---|---:|---:|---|---:|---|---:|---:|---|"
	for t in "$@"; do
		measured "$t" || continue
		printf '| %s | `%s` | %s | %.0f | %s | %s | %s | %s | %s | %s | %s%% | %s µs | %s |\n' "${TLABEL[$t]}" "${TPATH[$t]}" "${RESP_BYTES[$t]}" \
			"${RPS[$t]}" "${RPS_ALL[$t]}" "$(fmt_lat "${P50[$t]}")" "$(fmt_lat "${P99[$t]}")" "${P99_ALL[$t]}" \
			"${ERRS[$t]}" "${OTHER_ALL[$t]}" "${STEAL[$t]}" "${CPU_REQ[$t]}" "${CPU_ALL[$t]}"
	done
	echo
}
# compare TARGETS...: with a base, this tree's figures against the base's
# twin (base-TARGET), target by target.
compare() {
	local t header=0
	for t in "$@"; do
		[[ $t != base-* ]] && measured "$t" && measured "base-$t" || continue
		if (( ! header )); then
			echo "Before (${VAT[base]# @ }) and after (${VAT[cur]# @ }), run back to back in each round (the base second in odd rounds, first in even ones):"
			echo
			echo "| server | before req/s (median) | after req/s (median) | after ÷ before | before (all runs) | after (all runs) | p99 before → after | per request, after − before | server CPU per request, before → after (median) | after ÷ before |"
			echo "|---|---:|---:|---:|---|---|---|---:|---:|---:|"
			header=1
		fi
		printf '| %s | %.0f | %.0f | %s | %s | %s | %s → %s | %s | %s → %s µs | %s |\n' "${TLABEL[$t]% @ *}" "${RPS[base-$t]}" "${RPS[$t]}" \
			"$(ratio "${RPS[$t]}" "${RPS[base-$t]}")" "${RPS_ALL[base-$t]}" "${RPS_ALL[$t]}" \
			"$(fmt_lat "${P99[base-$t]}")" "$(fmt_lat "${P99[$t]}")" "$(per_request "$t" "base-$t")" \
			"${CPU_REQ[base-$t]}" "${CPU_REQ[$t]}" "$(ratio "${CPU_REQ[$t]}" "${CPU_REQ[base-$t]}")"
	done
	(( ! header )) || echo
}
# per_request A B: 1/req/s of A − 1/req/s of B, in µs.
per_request() { awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN { printf "%+.1f µs", 1e6 / a - 1e6 / b }'; }

LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ {gsub(/^[ \t]+/, "", $2); print $2; exit}')
report=$tmp/report.md
{
	echo "# wasmweb site building blocks — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- Machine: ${cpu_model:-unknown CPU}, $(nproc) CPUs, $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB RAM"}'), kernel $(uname -r)"
	echo "- $(go version), $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}')${NGINX_VER:+, $NGINX_VER${NGINX_PKG:+ (Debian package $NGINX_PKG)}}"
	echo "- wasmweb tree: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$( [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && echo ' (uncommitted changes)')"
	[[ -z $BASE_ROOT ]] || echo "- Base (BASE=$BASE): $BASE_SHORT, \`git archive\` into TMP/base, its \`cmd/wasmweb\` built there (TMP/base.bin), its hello plugin and page guest built with it there (the guest with its SDK), its servers run from there; labelled \"${VAT[base]# }\", this tree's \"${VAT[cur]# }\""
	echo "- Settings: SUITE=$SUITE TRANSPORTS=\"$TRANSPORTS\" DURATION=$DURATION RUNS=$RUNS CONNS=$CONNS WARMUP=$WARMUP MAX_OTHER=$MAX_OTHER QUIET_TIMEOUT=$QUIET_TIMEOUT QUIET_BUDGET=$QUIET_BUDGET, servers on CPU $SERVER_CPU (GOMAXPROCS=1; nginx 1 worker), load on CPU $LOAD_CPU"
	echo "- Load average (1/5/15 min) at the start: $LOADAVG_START; at the end: $LOADAVG_END (other work on the box skews the figures); the script took $(( (SECONDS - SCRIPT_START) / 60 )) min $(( (SECONDS - SCRIPT_START) % 60 )) s; $RETRIED run(s) repeated for other CPU use above ${MAX_OTHER}%"
	[[ -z $NOTES ]] || echo "- **Note:** $NOTES"
	echo

	if phase static; then
		echo "## Static file ($FILE_BYTES-byte stylesheet, GET, keep-alive, $CONNS connections, ${DURATION}s × $RUNS run(s), interleaved)"
		echo
		echo "Before measuring, every URL was checked to answer 200 with the file's $FILE_BYTES bytes. wrk sends no Accept-Encoding, so nothing is compressed. The versioned URL carries the file's current hash (\`?v=$FILE_HASH\`), which wasmweb answers with \`Cache-Control: …, immutable\`; nginx ignores the query, so its plain URL is the reference for both."
		echo
		table "${STATIC_TARGETS[@]}"
		compare "${STATIC_TARGETS[@]}"
		header=0
		for t in "${STATIC_TARGETS[@]}"; do
			[[ $t == ww-* ]] && measured "$t" && measured nginx-file || continue
			if (( ! header )); then
				echo "| target | measured | result |"
				echo "|---|---:|---|"
				header=1
			fi
			r=$(ratio "${RPS[$t]}" "${RPS[nginx-file]}")
			echo "| ${TLABEL[$t]} req/s ≥ 0.8× nginx | ${r}× | $(verdict "$r" ">=" 0.8) |"
			echo "| ${TLABEL[$t]} p99 vs nginx p99 (for information) | $(fmt_lat "${P99[$t]}") vs $(fmt_lat "${P99[nginx-file]}") | — |"
		done
		(( ! header )) || echo
	fi

	if phase page; then
		echo "## Rendered page (layout + 20 products, GET /page, keep-alive, $CONNS connections, ${DURATION}s × $RUNS run(s), interleaved)"
		echo
		if [[ -n $PAGE_BYTES ]]; then
			echo "The page is $PAGE_BYTES bytes of HTML from bench/site/templates (layouts/base.html with blocks, page.html). Before measuring, each wasmweb body was checked to be byte-identical to the native peer's. wasmweb: the guest bench/site/page builds the data (bench/site/pagedata) each request and has the host render \`page.html\` with it, as JSON that the host decodes before it executes html/template on the decoded value; \"guest encoding/json\" (\`$PAGE_PATH\`) calls \`ctx.Render(\"page.html\", data)\`, which encodes the struct with encoding/json in the guest, and \"guest pre-encoded JSON\" (\`$PAGE_JSON_PATH\`) builds the same JSON with a hand-written appender (\`Page.AppendJSON\`) and passes it as a \`json.RawMessage\`, which the SDK sends as it is. Native: bench/peers/tmplpage, net/http + html/template on the same files and the same data, executed into a pooled buffer and sent with a Content-Length."
			echo
		fi
		table "${PAGE_TARGETS[@]}"
		compare "${PAGE_TARGETS[@]}"
		header=0
		for t in "${PAGE_TARGETS[@]}"; do
			[[ $t == ww-* ]] && measured "$t" && measured native-page || continue
			if (( ! header )); then
				echo "| target | measured | result |"
				echo "|---|---:|---|"
				header=1
			fi
			r=$(ratio "${RPS[$t]}" "${RPS[native-page]}")
			echo "| ${TLABEL[$t]} req/s ≥ 0.8× net/http + html/template | ${r}× | $(verdict "$r" ">=" 0.8) |"
			echo "| ${TLABEL[$t]} p99 vs native p99 (for information) | $(fmt_lat "${P99[$t]}") vs $(fmt_lat "${P99[native-page]}") | — |"
		done
		if (( header )); then
			echo
			for t in "${PAGE_TARGETS[@]}"; do
				[[ $t == ww-* ]] && measured "$t" && measured native-page || continue
				echo "- ${TLABEL[$t]}: $(per_request "$t" native-page) per request against the native page (1/req/s − 1/req/s)."
			done
			echo
		fi
	fi

	echo "\"Server CPU per request\" is the server's user + system time during a run (nginx: master and worker; from /proc, in ticks of 1/$HZ s) divided by the requests wrk completed: less sensitive to other work on the box than req/s, which also depends on the share of the core the server gets."
	echo
	echo "\"Other CPU\" is CPU time used during a run by anything except the server under test (nginx: master and worker) and wrk, in % of one core; tens of % mean something else was running and the run is suspect. The \"all runs\" columns are in the order of req/s, lowest first; p50/p99 are those of the median run."
	echo
	echo "## Commands"
	echo
	echo '```sh'
	for s in "${STATIC_SERVERS[@]}" "${PAGE_SERVERS[@]}"; do
		[[ -n $s ]] || continue
		line="GOMAXPROCS=1 taskset -c $SERVER_CPU ${CMD[$s]//@ADDR@/127.0.0.1:${PORT[$s]}}"
		[[ $s != base-* ]] || line="(cd TMP/base && $line)"
		echo "$line" | sed -e "s#$tmp/#TMP/#g" -e "s#$BENCH_DIR/#bench/#g" -e "s#$ROOT/##g"
	done
	(( ${#MEASURED[@]} == 0 )) || echo "$WRK_CMD   # ${WARMUP}s warm-up per target, then $RUNS run(s) round-robin"
	echo '```'
	echo
	echo "TMP is a temporary directory. wasmweb is \`go build ./cmd/wasmweb\`; the guest is \`wasmweb build bench/site/page\`; the native peer is \`go build ./peers/tmplpage\` in bench/."
	for f in static.toml page.toml base-static.toml base-page.toml; do
		[[ -f $tmp/$f ]] || continue
		echo
		echo "TMP/$f:"
		echo
		echo '```toml'
		sed -e "s#$tmp/#TMP/#g" -e "s#$BENCH_DIR/#bench/#g" -e "s#$ROOT/##g" "$tmp/$f"
		echo '```'
	done
	if [[ -f ${NGX:-/nonexistent}/nginx.conf ]]; then
		echo
		echo "TMP/nginx/nginx.conf:"
		echo
		echo '```nginx'
		sed -e "s#$tmp/#TMP/#g" -e "s#$tmp#TMP#g" "$NGX/nginx.conf"
		echo '```'
	fi
} >"$report"

mkdir -p "$RESULTS_DIR"
cp "$report" "$RESULTS_DIR/site-latest.md"
# The raw outputs (wrk, server logs, fetched headers, configurations).
rm -rf "$RESULTS_DIR/site-raw"
mkdir -p "$RESULTS_DIR/site-raw"
cp "$tmp"/*.txt "$tmp"/*.log "$tmp"/*.toml "$tmp"/head.* "$RESULTS_DIR/site-raw/" 2>/dev/null || true
[[ ! -f ${NGX:-/nonexistent}/nginx.conf ]] || cp "$NGX/nginx.conf" "$RESULTS_DIR/site-raw/"
cat "$report"
log "written to $RESULTS_DIR/site-latest.md (raw outputs in $RESULTS_DIR/site-raw/)"
