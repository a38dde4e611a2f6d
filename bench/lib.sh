# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # globals of the sourcing script
# Shell helpers shared by the benchmark scripts (bench/mix.sh,
# bench/audio.sh, bench/forward.sh).  Source it from the repository root:
#   . bench/lib.sh

# a section heading
say() { printf '\n== %s\n' "$*"; }
# print a command, then run it
run() { printf '$'; printf ' %q' "$@"; printf '\n'; "$@"; }
# the value of KEY=VALUE in a line of key=value pairs
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1" | head -n1; }
# awk arithmetic: calc FORMAT EXPRESSION
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# whether a TCP or UDP port is bound (IPv4 or IPv6)
port_used() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -qi "$hex" /proc/net/tcp /proc/net/tcp6 /proc/net/udp \
		/proc/net/udp6 2>/dev/null
}
# a random port in 20000..49999 that nothing has bound
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 30000))
		port_used "$p" || { echo "$p"; return 0; }
	done
	return 1
}
# datagrams the kernel dropped on a full receive buffer of a UDP port
udp_drops() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'toupper($2) ~ p"$" { d += $NF } END { print d + 0 }' \
		/proc/net/udp /proc/net/udp6
}
# the same, summed over every UDP socket of the machine
udp_drops_all() {
	awk 'FNR > 1 { d += $NF } END { print d + 0 }' /proc/net/udp \
		/proc/net/udp6
}
# wait_tcp PORT PID LOG: wait up to 10 s until 127.0.0.1:PORT accepts;
# fail (and show LOG) when process PID exits first
wait_tcp() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		if ! kill -0 "$2" 2>/dev/null; then
			cat "$3" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$1 after 10 s" >&2
	return 1
}
# tessera_config ROOMS MIXER [MORE]: write ./tessera.yaml for one
# server on free ports of 127.0.0.1 (sets http_port and media_port) and
# print it; ROOMS and MIXER are extra lines under rooms: and mixer:, MORE
# goes at the end (e.g. a profiles list).  Needs $root.
tessera_config() {
	http_port=$(free_port)
	media_port=$(free_port)
	while [ "$media_port" = "$http_port" ]; do media_port=$(free_port); done
	cat >tessera.yaml <<EOF
log:
  level: warn
http:
  listen: 127.0.0.1
  port: $http_port
  web_root: $root/web
media:
  listen: 127.0.0.1
  port: $media_port
  announce: 127.0.0.1
rooms:
  default_mode: mix
$1
mixer:
  threads: 2
  layouts: $root/conf/layouts.yaml
$2
${3:-}
EOF
	sed 's/^/    /' tessera.yaml
}
# the checked-out commit, "+dirty" when the tree has changes
commit_id() {
	local c
	c=$(git -C "$1" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if ! git -C "$1" diff --quiet HEAD 2>/dev/null; then
		c="$c+dirty"
	fi
	echo "$c"
}
cpu_model() {
	sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1
}

# ---- the servers of bench/audio.sh and bench/forward.sh ----
# Each sets server_pid; stop_server stops it.  They need $root, $tmp and
# (Janus) $janus_lib and $shim, and set globals for the caller.

# janus_libs PLUGIN: the folder holding Janus's plugins/libjanus_PLUGIN.so
# and transports/libjanus_http.so (sets janus_lib); installs janus first
# when it is missing
janus_libs() {
	if ! command -v janus >/dev/null; then
		"$root/scripts/install-deps.sh" --bench
	fi
	janus_lib=$(dpkg -L janus | sed -n "s|/plugins/libjanus_$1\.so\$||p" |
		head -n1)
	if [ -z "$janus_lib" ] ||
		[ ! -e "$janus_lib/transports/libjanus_http.so" ]; then
		echo "cannot find Janus's $1 and HTTP libraries" >&2
		return 1
	fi
}
# stop the server: TERM, then KILL after 10 s
stop_server() {
	[ -n "${server_pid:-}" ] || return 0
	kill "$server_pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
# run_tessera KEY NOTE: start $bin/tessera on the ./tessera.yaml that
# tessera_config wrote, its log in tessera-KEY.log; sets server_url
# (tes_loadgen's --url) and server_cmd (for the report, with NOTE saying
# what the configuration holds)
run_tessera() {
	printf '$ %s\n' "$bin/tessera --config $tmp/tessera.yaml &"
	"$bin/tessera" --config tessera.yaml >"tessera-$1.log" 2>&1 &
	server_pid=$!
	wait_tcp "$http_port" "$server_pid" "tessera-$1.log"
	server_url=(--url "http://127.0.0.1:$http_port")
	server_cmd="tessera --config tessera.yaml   # $2"
}
# start_janus PLUGIN: Janus from the configuration in bench/janus/ (its
# @DIR@ and @PORT@ filled in) in $tmp/janus, the plugins and transports
# folders holding links to PLUGIN's and the HTTP transport's libraries
# alone; sets janus_port, server_url (tes_loadgen's --janus) and
# server_cmd (for the report)
start_janus() {
	local jdir=$tmp/janus f
	janus_port=$(free_port)
	rm -rf "$jdir"
	mkdir -p "$jdir/plugins" "$jdir/transports" "$jdir/none"
	for f in "$root"/bench/janus/*.jcfg; do
		sed "s|@DIR@|$jdir|g; s|@PORT@|$janus_port|g" "$f" \
			>"$jdir/$(basename "$f")"
	done
	ln -s "$janus_lib/plugins/libjanus_$1.so" "$jdir/plugins/"
	ln -s "$janus_lib/transports/libjanus_http.so" "$jdir/transports/"
	printf '$ %s\n' "LD_PRELOAD=$shim janus --configs-folder=$jdir &"
	LD_PRELOAD=$shim janus --configs-folder="$jdir" >"$jdir/stdout" 2>&1 &
	server_pid=$!
	wait_tcp "$janus_port" "$server_pid" "$jdir/stdout"
	server_url=(--janus "http://127.0.0.1:$janus_port/janus")
	server_cmd="LD_PRELOAD=$shim janus --configs-folder=janus   # bench/janus/*.jcfg: ICE-lite, 127.0.0.1, HTTP + $1 only"
}
# server_warnings SERVER KEY: the warnings and errors a server (tessera,
# whose log is tessera-KEY.log, or janus) logged in its run, into
# server.log; sets warn_n to their count and shows the first few
server_warnings() {
	local log
	if [ "$1" = tessera ]; then
		log="tessera-$2.log"
		cp "$log" server.log
	else
		log="janus-$2.log"
		mv "$tmp/janus/janus.log" "$log" 2>/dev/null || : >"$log"
		# Janus warns about our own configuration at start-up
		grep -E '\[(WARN|ERR|FATAL)\]' "$log" |
			grep -v 'mDNS resolution disabled' >server.log || true
	fi
	warn_n=$(grep -c . server.log || true)
	if [ "$warn_n" -gt 0 ]; then
		head -n 5 server.log | cut -c1-200 | sed 's/^/    /'
	fi
}

# ---- before and after a run ----

# build_bench: note the load average before the run (load_before), build
# build-bench and set bin to it (from the repository root)
build_bench() {
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	say "build"
	run scripts/build.sh build-bench
	bin=$root/build-bench
}
# print_threads: every measurement's server CPU by thread (r_thr of
# tessera-N and janus-N for N in sizes)
print_threads() {
	local n srv
	for n in "${sizes[@]}"; do
		for srv in tessera janus; do
			echo "$srv $n: CPU by thread (core-s per media-s):" \
				"${r_thr[$srv-$n]:-n/a}"
		done
	done
}
# results_head TITLE: the heading of a bench/RESULTS.md entry (the time,
# the commit, TITLE) and its machine line (load_before, load_after)
results_head() {
	cat <<EOF

## $(date -u '+%Y-%m-%d %H:%M UTC') - $(commit_id "$root") - $1

Machine: $(nproc) cores, $(cpu_model); load average before
$load_before, after $load_after.

EOF
}
# results_notes KEY: an entry's line on the lost datagrams and the server
# warnings of one measurement (r_drops, r_warn)
results_notes() {
	echo "  - ${r_drops[$1]} UDP datagrams dropped on full receive" \
		"buffers (all sockets), ${r_warn[$1]} server log lines at" \
		"warn or above"
}
# results_commands LINE...: the closing "Commands" block of an entry:
# each LINE that is not empty, then the server and load generator
# commands of every measurement (r_srv, r_cmd of tessera-N and janus-N
# for N in sizes)
results_commands() {
	local l n srv
	echo
	echo "Commands (in a temp dir; the servers on free ports of" \
		"127.0.0.1):"
	echo
	echo '```'
	for l in "$@"; do
		[ -z "$l" ] || echo "$l"
	done
	for n in "${sizes[@]}"; do
		for srv in tessera janus; do
			echo "${r_srv[$srv-$n]}"
			echo "${r_cmd[$srv-$n]}"
		done
	done
	echo '```'
}
# bench_start NAME: what bench/audio.sh and bench/forward.sh do before
# they measure: lg_prio, a temp dir (tmp, /tmp/tessera-NAME.*: removed on
# exit, after the server is stopped), build_bench, the path of the Janus
# shim (shim), and cd to tmp.  The load generator stands for clients on
# other machines: lg_prio runs it before the server in the scheduler's
# eyes (nice -10, when we may), so that what runs short of CPU on a small
# box is the server under test, not the packets it is sent.
bench_start() {
	lg_prio=()
	if [ "$(id -u)" = 0 ]; then
		lg_prio=(nice -n -10)
	fi
	tmp=$(mktemp -d "/tmp/tessera-$1.XXXXXX")
	server_pid=
	trap 'stop_server; rm -rf "$tmp"' EXIT
	build_bench
	shim=$bin/bench/libtes_janus_lo.so
	cd "$tmp" || return
}
# take_run KEY OUT DROPS: keep what every measurement reports, from
# tes_loadgen's output OUT, under KEY: r_cmd (its command), r_srv
# (server_cmd), r_cpu (the server's core-s per media-s), r_win (its window
# line), r_thr (CPU by thread), r_warn (warn_n) and r_drops (DROPS)
take_run() {
	r_cmd[$1]=$(sed -n 's/^\$ //p' <<<"$2" | head -n1)
	r_srv[$1]=$server_cmd
	r_win[$1]=$(grep '^window:' <<<"$2" | sed 's/^window: //' || true)
	r_cpu[$1]=$(kv " ${r_win[$1]}" core_s_per_media_s)
	r_thr[$1]=$(grep '^threads:' <<<"$2" | sed 's/^threads: //' || true)
	r_warn[$1]=$warn_n
	r_drops[$1]=$3
}
# results_run KEY LABEL: an entry's first lines on one measurement: LABEL,
# its window and its CPU by thread
results_run() {
	echo "- $2: window \`${r_win[$1]}\`"
	echo "  - CPU by thread (core-s per media-s): \`${r_thr[$1]:-n/a}\`"
}
