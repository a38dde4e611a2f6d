#!/usr/bin/env bash
# tests/vectors/sip/capture.sh  Re-captures the baresip offers of this
# folder: baresip (Debian baresip-core 1.0.0 + baresip-ffmpeg) runs headless
# with the config of README.md and dials sip:room1@127.0.0.1:PORT, where a
# Python UDP socket keeps the first INVITE's body.  Nothing answers, so
# baresip only ever sends the offer.  Needs no audio or video device.
#
# Usage: tests/vectors/sip/capture.sh [OUT_DIR]   (default: this folder)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
work=$(mktemp -d /tmp/tessera-sip.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# the [config] block of README.md is the config file
sed -n '/^```config$/,/^```$/p' "$here/README.md" | sed '1d;$d' \
	>"$work/config"

capture() {  # NAME RTCP_MUX ACCOUNT_PARAMS
	local name=$1 mux=$2 params=$3 port=$((15060 + RANDOM % 1000))
	local dir=$work/$name

	mkdir -p "$dir"
	sed "s/^rtcp_mux.*/rtcp_mux\t\t$mux/" "$work/config" >"$dir/config"
	echo "<sip:tester@127.0.0.1>;regint=0$params" >"$dir/accounts"
	python3 - "$port" "$out/$name.sdp" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(20)
msg = s.recvfrom(65535)[0].decode()
body = msg.partition("\r\n\r\n")[2]
open(sys.argv[2], "w", newline="").write(body)
PY
	local py=$!
	sleep 0.5
	timeout 10 baresip -f "$dir" -t 3 \
		-e "/dial sip:room1@127.0.0.1:$port" >"$dir/log" 2>&1 || true
	wait "$py"
	echo "$name.sdp: $(grep -c '^m=' "$out/$name.sdp") m-lines"
}

capture baresip_h264_pcmu no ";audio_codecs=PCMU/8000;video_codecs=H264"
capture baresip_h264_pcmu_srtp_mand no \
	";audio_codecs=PCMU/8000;video_codecs=H264;mediaenc=srtp-mand"
capture baresip_h264_pcmu_srtp no \
	";audio_codecs=PCMU/8000;video_codecs=H264;mediaenc=srtp"
capture baresip_vp8_opus no ";audio_codecs=opus/48000/2;video_codecs=VP8"
capture baresip_vp8_opus_mux_srtp_mandf yes \
	";audio_codecs=opus/48000/2;video_codecs=VP8;mediaenc=srtp-mandf"
capture baresip_all_codecs no ""
