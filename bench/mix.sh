#!/usr/bin/env bash
# bench/mix.sh [SECONDS]  (default 20)
#
# The mixing benchmark: one room, 9 VP8 640x360@30 inputs (testsrc2, a
# different hue each) and audio (3 talkers, 6 silent), one VP8 1280x720@30
# output (realtime, cpu-used 6, 1500 kbit/s).  In the same run it measures
#   (a) the codec floor: the codec work alone, one thread (tes_codecfloor)
#   (b) ffmpeg doing the same mix: 9 decodes -> xstack 3x3 -> 1280x720 ->
#       libvpx with the same settings, one thread each (+ amix -> libopus)
#   (c) Tessera's room, driven by tes_loadgen (9 WebRTC participants that
#       each get the mix back), its CPU sampled from /proc over the steady
#       window (skip 3 s of set-up, measure SECONDS - 5 s)
#   (d) how many such rooms one server keeps at once without a missed
#       tick (2, 3, ... ROOMS_MAX, default 4)
# and prints CPU seconds per media second (user + sys), real-time factors
# and the ratios Tessera / floor and Tessera / ffmpeg, with every command.
# The results are appended to bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-20}
N=9
TALKERS=3
WARMUP=3
TAIL=2

if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 8 ]; then
	echo "usage: bench/mix.sh [SECONDS >= 8]" >&2
	exit 2
fi

if ! command -v ffmpeg >/dev/null || [ ! -x /usr/bin/time ]; then
	scripts/install-deps.sh --bench
fi

# shellcheck source=bench/lib.sh
. bench/lib.sh

tmp=$(mktemp -d /tmp/tessera-bench.XXXXXX)
server_pid=
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

build_bench

say "inputs ($N x VP8 640x360@30, ${secs} s; Opus: $TALKERS sine, rest silence)"
cd "$tmp"
for i in $(seq 0 $((N - 1))); do
	run ffmpeg -v error -nostdin -y -f lavfi \
		-i "testsrc2=size=640x360:rate=30,hue=h=$((i * 40))" -t "$secs" \
		-c:v libvpx -g 30 -b:v 600k -deadline realtime -cpu-used 8 \
		-f ivf "in$i.ivf" &
	if [ $((i % 2)) = 1 ]; then wait; fi
done
wait
for i in $(seq 0 $((N - 1))); do
	if [ "$i" -lt $TALKERS ]; then
		src="aevalsrc=0.0316*sin(2*PI*440*t):s=48000:d=$secs"
	else
		src="anullsrc=r=48000:cl=mono"
	fi
	run ffmpeg -v error -nostdin -y -f lavfi -i "$src" -t "$secs" -ac 1 \
		-c:a libopus -b:a 32k -application voip -frame_duration 20 \
		"a$i.ogg"
done
ivfs=()
for i in $(seq 0 $((N - 1))); do ivfs+=("in$i.ivf"); done

# ---- (a) codec floor ----
say "(a) codec floor: $N VP8 decodes + 1 VP8 encode + Opus, one thread"
out=$(run "$bin/bench/tes_codecfloor" --seconds "$secs" --width 1280 \
	--height 720 --bitrate 1500 --cpu-used 6 --talkers $TALKERS \
	"${ivfs[@]}")
echo "$out"
fl=$(grep '^floor:' <<<"$out")
floor_cpu=$(kv "$fl" core_s_per_media_s)
floor_rtf=$(kv "$fl" rtf)
floor_cmd=$(sed -n 's/^command: //p' <<<"$out")

# ---- (b) ffmpeg ----
say "(b) ffmpeg: $N decodes -> xstack 3x3 -> 1280x720 -> libvpx, -threads 1"
layout="0_0|w0_0|w0+w1_0|0_h0|w0_h0|w0+w1_h0|0_h0+h3|w0_h0+h3|w0+w1_h0+h3"
fin=()
vlab=""
alab=""
for i in $(seq 0 $((N - 1))); do
	fin+=(-threads 1 -i "in$i.ivf")
	vlab+="[$i:v]"
done
for i in $(seq 0 $((N - 1))); do
	fin+=(-i "a$i.ogg")
	alab+="[$((N + i)):a]"
done
graph="${vlab}xstack=inputs=$N:layout=$layout,scale=1280:720[v];"
graph+="${alab}amix=inputs=$N[a]"
ffcmd=(ffmpeg -v error -nostdin -y "${fin[@]}"
	-filter_complex_threads 1 -filter_complex "$graph"
	-map "[v]" -c:v libvpx -deadline realtime -cpu-used 6
	-b:v 1500k -minrate 1500k -maxrate 1500k -qmin 2 -qmax 56
	-lag-in-frames 0 -static-thresh 1 -g 100000 -threads 1
	-map "[a]" -c:a libopus -b:a 32k -ac 1 -application voip
	-f null -)
run /usr/bin/time -f "%e %U %S" -o ffmpeg.time "${ffcmd[@]}"
read -r ff_wall ff_user ff_sys <ffmpeg.time
ff_cpu=$(calc "%.3f" "($ff_user + $ff_sys) / $secs")
ff_rtf=$(calc "%.2f" "$secs / $ff_wall")
echo "ffmpeg: wall_s=$ff_wall user_s=$ff_user sys_s=$ff_sys" \
	"core_s_per_media_s=$ff_cpu rtf=$ff_rtf"

# ---- (c) Tessera ----
say "(c) Tessera: one mix room, $N WebRTC participants (tes_loadgen)"
tessera_config "" "" "profiles:
  - name: vp8-720p
    codec: VP8
    width: 1280
    height: 720
    fps: 30
    bitrate_kbps: 1500
    cpu_used: 6"
printf '$ %s\n' "$bin/tessera --config $tmp/tessera.yaml 2>server.log &"
"$bin/tessera" --config tessera.yaml >server.log 2>&1 &
server_pid=$!
wait_tcp "$http_port" "$server_pid" server.log
drops0=$(udp_drops "$media_port")

videos=$(IFS=,; echo "${ivfs[*]}")
set +e
out=$(run "$bin/bench/tes_loadgen" --url "http://127.0.0.1:$http_port" \
	--room bench --count $N --seconds "$secs" --video "$videos" \
	--talkers $TALKERS --server-pid "$server_pid" --warmup $WARMUP \
	--tail $TAIL 2> >(tee loadgen.err >&2))
lg_rc=$?
set -e
echo "$out"
drops1=$(udp_drops "$media_port")
kill "$server_pid"
wait "$server_pid" || true
server_pid=
lg_cmd=$(sed -n 's/^command: //p' <<<"$out")
win=$(grep '^window:' <<<"$out" || true)
room=$(grep '^room:' <<<"$out" || true)
threads=$(grep '^threads:' <<<"$out" | sed 's/^threads: //' || true)
tes_cpu=$(kv "$win" core_s_per_media_s)
tes_rtf=$(kv "$win" rtf)
p50=$(kv "$room" latency_p50_ms)
p99=$(kv "$room" latency_p99_ms)
rcvbuf_drops=$((drops1 - drops0))
warn_lines=$(grep -c . server.log || true)
echo "server: udp receive-buffer drops on the media port: $rcvbuf_drops;" \
	"log lines at warn or above: $warn_lines"
if [ "$warn_lines" -gt 0 ]; then
	head -n 20 server.log | sed 's/^/    /'
fi
if [ "$lg_rc" != 0 ] || [ -z "$tes_cpu" ]; then
	echo "mix.sh: the Tessera run failed (loadgen exit $lg_rc):" >&2
	tail -n 20 loadgen.err >&2
	exit 1
fi

# ---- (d) how many such rooms at once ----
# R rooms of N participants each on one server, R = 2, 3, ... ROOMS_MAX;
# a count passes when every room kept its clock (real-time factor >= 0.99)
# with no missed tick in the steady window.  The load generators share
# the two cores with the server (about 0.05 core per room), so this is a
# lower bound of what a dedicated machine holds.
ROOMS_MAX=${ROOMS_MAX:-4}
sweep_secs=12
one_ok=$(awk -v r="$tes_rtf" -v m="$(kv "$win" video_missed)" \
	'BEGIN { print (r >= 0.99 && m == 0) ? 1 : 0 }')
rooms_ok=$one_ok
rooms_detail="1 room: rtf $tes_rtf, missed $(kv "$win" video_missed)"
for R in $(seq 2 "$ROOMS_MAX"); do
	[ "$rooms_ok" = $((R - 1)) ] || break
	say "(d) $R rooms of $N participants at once (${sweep_secs} s)"
	"$bin/tessera" --config tessera.yaml >server.log 2>&1 &
	server_pid=$!
	# as before: a server that did not come up shows in the sweep
	wait_tcp "$http_port" "$server_pid" server.log || true
	lg_pids=()
	for r in $(seq 1 "$R"); do
		"$bin/bench/tes_loadgen" --url "http://127.0.0.1:$http_port" \
			--room "bench$r" --count $N --seconds $sweep_secs \
			--video "$videos" --talkers $TALKERS \
			--server-pid "$server_pid" --warmup $WARMUP --tail $TAIL \
			>"sweep$r.out" 2>/dev/null &
		lg_pids+=($!)
	done
	pass=1
	line="$R rooms:"
	for r in $(seq 1 "$R"); do
		wait "${lg_pids[$((r - 1))]}" || pass=0
		w=$(grep '^window:' "sweep$r.out" || true)
		rtf=$(kv "$w" rtf)
		miss=$(kv "$w" video_missed)
		line="$line room$r rtf ${rtf:-?} missed ${miss:-?};"
		awk -v r="${rtf:-0}" -v m="${miss:-1}" \
			'BEGIN { exit !(r >= 0.99 && m == 0) }' || pass=0
	done
	kill "$server_pid"
	wait "$server_pid" || true
	server_pid=
	echo "$line $([ $pass = 1 ] && echo pass || echo FAIL)"
	rooms_detail="$rooms_detail; ${line%;}"
	[ $pass = 1 ] && rooms_ok=$R
done

# ---- table ----
r_floor=$(calc "%.2f" "$tes_cpu / $floor_cpu")
r_ff=$(calc "%.2f" "$tes_cpu / $ff_cpu")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$root" diff --quiet HEAD 2>/dev/null; then
	commit="$commit+dirty"
fi
when=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)

table=$(cat <<EOF
| figure | core-s per media-s | real-time factor |
|---|---|---|
| codec floor (9 dec + 1 enc + Opus, 1 thread) | $floor_cpu | $floor_rtf x |
| ffmpeg xstack + libvpx (-threads 1) | $ff_cpu | $ff_rtf x |
| Tessera room (9 in, 720p out to 9, mixer.threads 2) | $tes_cpu | $tes_rtf (frames made / due) |
| **Tessera / codec floor** | **$r_floor** (target <= 1.15) | |
| **Tessera / ffmpeg** | **$r_ff** (target <= 0.90) | |
| **rooms at once without a missed tick** | **$rooms_ok** (target >= 4; tried up to $ROOMS_MAX) | |
EOF
)
say "results (${secs} s, $(nproc) cores, load avg before $load_before, after $load_after)"
echo "$table"
echo
echo "mix room: ${room#room: }"
echo "latency p50 ${p50:-n/a} ms (target <= 40), p99 ${p99:-n/a} ms (target <= 80)"
echo "server CPU by thread (core-s per media-s): ${threads:-n/a}"

# ---- bench/RESULTS.md ----
results=$root/bench/RESULTS.md
if [ ! -f "$results" ]; then
	cat >"$results" <<'EOF'
# Mixing benchmark results

Appended by `bench/mix.sh [SECONDS]`.  One room, 9 VP8 640x360@30 inputs
(ffmpeg `testsrc2`, a different hue each, keyframe every 30 frames) plus
Opus (3 talkers with a sine, 6 silent), one VP8 1280x720@30 output
(realtime, cpu-used 6, 1500 kbit/s CBR, one encoder thread).  All three
figures come from the same run on the same inputs; compare the ratios,
not the absolute times (the machine is shared and its load varies).

- **codec floor** (`tes_codecfloor`): Tessera's own codec wrappers in one
  thread, nothing else: 9 VP8 decodes of every frame, one VP8 720p encode
  per frame (of canvases composited once before timing), 9 Opus decodes
  and 4 Opus encodes (3 mix-minus + 1 shared mix) per 20 ms.  CPU from
  getrusage; real-time factor = media seconds / wall seconds.
- **ffmpeg**: the same inputs, 9 decodes -> `xstack` 3x3 -> `scale` to
  1280x720 -> libvpx with the same settings, `-threads 1` for every
  decoder and the encoder, plus `amix` of the 9 Opus files -> libopus.
  CPU and wall from `/usr/bin/time`; real-time factor = media / wall.
- **Tessera room**: `tessera` in mix mode with one profile and
  `mixer.threads: 2`, driven by `tes_loadgen` (9 WebRTC participants over
  ICE/DTLS-SRTP on 127.0.0.1, each sending its IVF and receiving the 720p
  mix back).  The server's utime + stime from `/proc/PID/stat` over the
  steady window (3 s after start to 2 s before the end), per second of
  that window; the load generator's CPU is not counted.  Real-time
  factor = video frames the room made in the window / frames due (1.000:
  it kept the 30 fps clock).
- **latency**: the room's `mix.latency_p50_ms` / `latency_p99_ms` from
  `GET /rooms/{room}` at the end of the run.

Targets: room CPU <= 1.15 x codec floor and <= 0.9 x ffmpeg; latency
p50 <= 40 ms, p99 <= 80 ms.
EOF
fi
cat >>"$results" <<EOF

## $when - $commit - ${secs} s

Machine: $(nproc) cores, $cpu_model; load average before
$load_before, after $load_after.

$table

- mix room: \`${room#room: }\`
- latency p50 ${p50:-n/a} ms (target <= 40), p99 ${p99:-n/a} ms (target <= 80)
- server CPU by thread (core-s per media-s): \`${threads:-n/a}\`
- rooms at once: $rooms_detail
- server: $rcvbuf_drops datagrams dropped on the media port's full receive
  buffer, $warn_lines log lines at warn or above
- $(grep '^received:' <<<"$out" | sed 's/^received: /received by the participants: /')

Commands (inputs made in a temp dir as above):

\`\`\`
$floor_cmd
$(printf '%q ' /usr/bin/time -f "%e %U %S" "${ffcmd[@]}")
tessera --config tessera.yaml   # mix, 1 profile vp8-720p, mixer.threads 2
$lg_cmd
\`\`\`
EOF
echo
echo "appended to $results"
