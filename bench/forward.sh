#!/usr/bin/env bash
# bench/forward.sh [SECONDS]  (default 20)
#
# The forwarding benchmark (issue 6): one publisher sending VP8 1280x720
# at 30 fps and 1500 kbit/s (ffmpeg testsrc2, a keyframe every 2 s) and
# Opus (20 ms, a -30 dBov sine with its RFC 6464 level), forwarded to 1,
# 10 and 50 subscribers.  tes_loadgen makes every participant with
# Tessera's own ICE/DTLS/SRTP/RTP code on 127.0.0.1; the subscribers send
# no media and count, by SSRC, the packets they are forwarded.  For each
# size, in the same run:
#   (a) Tessera: one room in sfu mode (WHIP joins; each subscriber gets the
#       publisher's tracks by renegotiation on its event channel)
#   (b) Janus VideoRoom (Debian janus), the same publisher sending the same
#       packets, each subscriber subscribing to its feed
# It prints the server's CPU (utime + stime from /proc, all threads) over
# the steady window (skip 3 s, stop 2 s before the end) divided by the
# packets the subscribers received in that window (the publisher's
# packets x subscribers when nothing is lost): microseconds per packet
# per subscriber, and the ratio Tessera / Janus (target <= 0.5); also what
# every subscriber received and every command.  It fails when a
# subscriber got no keyframe or less than half of the publisher's packets
# in the window.  The results are appended to bench/RESULTS.md.
#
# Environment:
#   SUBS="1 10 50"  the subscriber counts
#   PERF=auto       after the measurements, profile Tessera with
#                   `perf record -g` in one more run at the largest count
#                   and append its costliest functions: auto = when the
#                   target is missed, 1 = always, 0 = never
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

usage() {
	echo "usage: [SUBS=\"1 10 50\"] [PERF=auto|0|1] bench/forward.sh" \
		"[SECONDS >= 8]" >&2
	exit 2
}
case "${1:-}" in -h | --help) usage ;; esac
secs=${1:-20}
self="bench/forward.sh $secs"
if [ -n "${SUBS:-}" ]; then
	self="SUBS=\"$SUBS\" $self"
fi
read -r -a sizes <<<"${SUBS:-1 10 50}"
perf_mode=${PERF:-auto}
FPS=30
KBPS=1500
GOP=60
CLIP_S=10
WARMUP=3
TAIL=2
ROOM=fwd
TARGET=0.5

if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 8 ] || [ ${#sizes[@]} = 0 ] ||
	! [[ $perf_mode =~ ^(auto|0|1)$ ]]; then
	usage
fi
for n in "${sizes[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt 256 ]; then
		usage
	fi
done

janus_libs videoroom
if ! command -v ffmpeg >/dev/null; then
	scripts/install-deps.sh --bench
fi

bench_start forward

say "input: VP8 1280x720@$FPS, $KBPS kbit/s, keyframe every $GOP frames," \
	"${CLIP_S} s (looped)"
clip_cmd=(ffmpeg -v error -nostdin -y -f lavfi
	-i "testsrc2=size=1280x720:rate=$FPS" -t "$CLIP_S" -c:v libvpx
	-g "$GOP" -b:v "${KBPS}k" -minrate "${KBPS}k" -maxrate "${KBPS}k"
	-deadline realtime -cpu-used 8 -f ivf pub.ivf)
run "${clip_cmd[@]}"

# ---- servers ----

start_tessera() {
	tessera_config "  modes: {$ROOM: sfu}
  max_participants: 256" ""
	run_tessera "$1" "rooms.modes {$ROOM: sfu}"
}

# the fewest..most of KEY= over the "sub N:" lines of a run (window)
range() {
	grep '^sub ' <<<"$1" | sed 's/ |.*//' |
		sed -n "s/.* $2=\([0-9]*\).*/\1/p" |
		sort -n | sed -n '1p;$p' | paste -sd' ' |
		awk '{ print ($1 == $2 || $2 == "") ? $1 : $1 ".." $2 }'
}

# "1 subscriber", "N subscribers"
subs() {
	if [ "$1" = 1 ]; then
		echo "1 subscriber"
	else
		echo "$1 subscribers"
	fi
}

# ---- one measurement ----

# measure SERVER N [PERF]: start SERVER (tessera or janus), run tes_loadgen
# with one publisher and N subscribers against it, stop it.  Leaves the
# figures in r_* arrays under the key SERVER-N.  With PERF, the server is
# profiled over the window instead (perf.data) and nothing is kept.
declare -A r_us r_cpu r_thr r_fw r_win r_room r_cmd r_srv r_warn r_drops
declare -A r_each
measure() {
	local srv=$1 n=$2 key=$1-$2 out rc d0 d1 fw none perf_pid=
	say "$srv: 1 publisher -> $n subscribers, ${secs} s${3:+ (perf)}"
	if [ "$srv" = tessera ]; then
		start_tessera "$n"
	else
		start_janus videoroom
	fi
	if [ -n "${3:-}" ]; then
		(sleep "$WARMUP"; exec perf record -q -g -o perf.data \
			-p "$server_pid" -- sleep $((secs - WARMUP - TAIL))) \
			>perf.log 2>&1 &
		perf_pid=$!
	fi
	d0=$(udp_drops_all)
	set +e
	out=$(run "${lg_prio[@]}" "$bin/bench/tes_loadgen" "${server_url[@]}" \
		--room $ROOM --subscribers "$n" --seconds "$secs" \
		--video pub.ivf --fps $FPS --server-pid "$server_pid" \
		--warmup $WARMUP --tail $TAIL 2> >(tee "lg-$key.err" >&2))
	rc=$?
	set -e
	echo "$out"
	d1=$(udp_drops_all)
	if [ -n "$perf_pid" ]; then
		wait "$perf_pid" || cat perf.log >&2
	fi
	stop_server
	server_warnings "$srv" "$n"
	[ -z "${3:-}" ] || return 0

	fw=$(grep '^forward:' <<<"$out" || true)
	r_fw[$key]=${fw#forward: }
	take_run "$key" "$out" $((d1 - d0))
	r_us[$key]=$(kv "$fw" us_per_pkt_sub)
	r_room[$key]=$(grep '^server_participants:' <<<"$out" |
		sed 's/^server_participants: //' || true)
	r_each[$key]="video $(range "$out" video), audio $(range "$out" audio),"
	r_each[$key]+=" keyframes $(range "$out" keyframes)"
	none=$(kv "$fw" none)
	echo "$srv: each subscriber in the window: ${r_each[$key]};" \
		"udp receive-buffer drops (all sockets): ${r_drops[$key]};" \
		"log lines at warn or above: $warn_n"

	if [ "$rc" != 0 ] || [ -z "${r_us[$key]}" ] || [ "$none" != 0 ]; then
		echo "forward.sh: the $srv run with $n subscribers failed" \
			"(loadgen exit $rc): ${fw:-no forward: line}" >&2
		grep '^sub ' <<<"$out" | grep -v ' ratio=1\.000 ' |
			head -n 10 >&2
		grep -v '^t=' "lg-$key.err" | tail -n 20 >&2
		exit 1
	fi
	if [ "$(kv "$fw" short)" != 0 ]; then
		echo "forward.sh: warning: $srv sent $(kv "$fw" short) of" \
			"$n subscribers less than 95 % of the publisher's" \
			"packets (fewest: $(kv "$fw" min_ratio))" >&2
	fi
}

for n in "${sizes[@]}"; do
	measure tessera "$n"
	measure janus "$n"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- table ----
last=${sizes[${#sizes[@]} - 1]}

rows=""
missed=()
for n in "${sizes[@]}"; do
	t=${r_us[tessera-$n]}
	j=${r_us[janus-$n]}
	ratio=$(calc "%.2f" "$t / $j")
	if awk "BEGIN { exit !($ratio > $TARGET) }"; then
		missed+=("$n")
	fi
	s=$(subs "$n")
	rows+="| $s: server CPU, us per packet per subscriber | $t | $j"
	rows+=" | **$ratio** (target <= $TARGET) |"$'\n'
	rows+="| $s: server CPU, core-s per media-s"
	rows+=" | ${r_cpu[tessera-$n]} | ${r_cpu[janus-$n]} | |"$'\n'
	rows+="| $s: packets received in the window / expected (fewest"
	rows+=" share of one subscriber; fewest keyframes in the run)"
	for srv in tessera janus; do
		fw=" ${r_fw[$srv-$n]}"
		rows+=" | $(kv "$fw" received) / $(kv "$fw" expected)"
		rows+=" ($(kv "$fw" min_ratio); $(kv "$fw" keyframes_min))"
	done
	rows+=" | |"$'\n'
done
if [ ${#missed[@]} = 0 ]; then
	verdict="met: Tessera / Janus <= $TARGET at every size"
	verdict+=" (${sizes[*]} subscribers)"
else
	verdict="missed at ${missed[*]} subscribers (Tessera / Janus >"
	verdict+=" $TARGET)"
fi
table=$(cat <<EOF
| 1 publisher (VP8 720p30 $KBPS kbit/s + Opus) -> N subscribers | Tessera (sfu room) | Janus VideoRoom | Tessera / Janus |
|---|---|---|---|
${rows}
EOF
)

say "results (${secs} s, $(nproc) cores, load avg before $load_before," \
	"after $load_after)"
echo "$table"
echo
echo "Verdict: $verdict"
print_threads

# ---- profile ----
perf_top=""
perf_cmd=""
if [ "$perf_mode" = 1 ] ||
	{ [ "$perf_mode" = auto ] && [ ${#missed[@]} -gt 0 ]; }; then
	if command -v perf >/dev/null; then
		measure tessera "$last" perf
		perf_cmd="perf record -g -p <tessera> -- sleep $((secs - WARMUP - TAIL))   # in one more run of $last subscribers, over its window"
		# by library, then by function (self time)
		[ -s perf.data ] || cat perf.log >&2
		[ ! -s perf.data ] || perf_top=$(for sort in dso dso,symbol; do
			perf report -i perf.data --stdio --no-children -g none \
				--sort "$sort" --percent-limit 1 2>/dev/null |
				grep -E '^ +[0-9.]+%' | sed -E 's/( +-)+ *$//' |
				head -n 15
			echo
		done || true)
		say "Tessera, $last subscribers: where its CPU goes" \
			"(perf, self time)"
		echo "$perf_top"
	else
		echo "forward.sh: perf is not installed: no profile" >&2
	fi
fi

# ---- bench/RESULTS.md ----
results=$root/bench/RESULTS.md
if ! grep -q '^## Forwarding benchmark (bench/forward.sh)' "$results" \
	2>/dev/null; then
	cat >>"$results" <<'EOF'

## Forwarding benchmark (bench/forward.sh)

Appended by `bench/forward.sh [SECONDS]` (entries titled "forward").  One
publisher sends VP8 1280x720 at 30 fps and 1500 kbit/s (ffmpeg
`testsrc2`, libvpx realtime, a keyframe every 2 s, 10 s looped) and Opus
(20 ms packets of a -30 dBov sine with its RFC 6464 level); 1, 10 and 50
subscribers receive it.  `tes_loadgen --subscribers N` makes every
participant with Tessera's own ICE, DTLS, SRTP and RTP code on
127.0.0.1; the subscribers send no media, decrypt what they are sent and
count it by the SSRCs the server's offer announced.  Tessera and Janus get
the same publisher packets and the same subscriber counts in the same
run; compare the ratios, not the absolute figures (the machine is shared
and its load varies).

- **Tessera**: `tessera` with the room in `sfu` mode.  Every participant
  joins with WHIP (the subscribers with a recvonly offer, so they publish
  nothing); each subscriber opens its event channel (a WebSocket), gets
  an offer with the publisher's two tracks and answers it there.
- **Janus VideoRoom**: Debian's `janus` 1.1.2 with only the HTTP transport
  and the VideoRoom plugin (`bench/janus/`), ICE-lite with one host
  candidate on 127.0.0.1 (the LD_PRELOAD shim `bench/janus/lo.c` lets it
  gather on loopback).  The room takes one publisher (VP8, Opus); the
  publisher sends "joinandconfigure" with its offer, and once it is up
  each subscriber sends "join" (ptype subscriber, `"streams": [{"feed":
  ID}]`) and answers Janus's offer with "start".
- **CPU per packet per subscriber**: the server's utime + stime (every
  thread) from `/proc/PID/stat` over the steady window (3 s after the
  last subscriber was ready to 2 s before the end), divided by the RTP
  packets the subscribers received in that window, in microseconds.
  Nothing is lost on loopback, so that is the publisher's packets x
  subscribers; the cost of receiving the publisher is shared by the
  subscribers, which is why 1 subscriber costs most per packet.  The load
  generator's CPU is not counted; it runs at `nice -10` when run as root.
- **received**: every subscriber's packets in the window against the
  publisher's, and its keyframes; the run fails when a subscriber got no
  keyframe or less than half of the publisher's packets.

Target: Tessera <= 0.5 x Janus VideoRoom's CPU per packet per subscriber.
EOF
fi
{
	results_head "forward, ${secs} s"
	echo "$table"
	echo
	echo "**Verdict: $verdict.**"
	echo
	for n in "${sizes[@]}"; do
		for srv in tessera janus; do
			k=$srv-$n
			results_run "$k" "$srv, $(subs "$n")"
			echo "  - forwarding: \`${r_fw[$k]}\`"
			echo "  - each subscriber in the window: ${r_each[$k]}"
			if [ -n "${r_room[$k]}" ]; then
				echo "  - server's participant counters" \
					"(sum): \`${r_room[$k]}\`"
			fi
			results_notes "$k"
		done
	done
	if [ -n "$perf_top" ]; then
		echo
		echo "Tessera with $last subscribers, where its CPU goes" \
			"(self time by library, then by function, at least" \
			"1 %;" \
			"\`perf report --no-children --sort dso[,symbol]\`):"
		echo
		echo '```'
		echo "$perf_top"
		echo '```'
	fi
	results_commands "$self   # runs all of the below" \
		"scripts/build.sh build-bench" \
		"$(printf '%q ' "${clip_cmd[@]}")" "$perf_cmd"
} >>"$results"
echo
echo "appended to $results"
