# shellcheck shell=bash
# Shell helpers shared by the benchmark scripts (bench/mix.sh,
# bench/audio.sh).  Source it from the repository root:  . bench/lib.sh

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
# tessera_config ROOMS MIXER [MORE]: write ./tessera.yaml for one mix
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
