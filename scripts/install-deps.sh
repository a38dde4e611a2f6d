#!/usr/bin/env bash
# Install what Tessera needs on Debian 12, and only what is missing:
# one `apt-get update` when something is missing, then `apt-get install`.
# With --test, also what the test suite needs (Chromium, clang for the
# fuzzers, ffmpeg/ffprobe, baresip as a SIP endpoint, the npm packages of
# tests/e2e).  baresip-core has every module the SIP tests load (g711,
# g722, opus, vp8, srtp, fakevideo, ausine, aufile, snapshot, ctrl_tcp,
# menu, account) and baresip-ffmpeg adds avcodec for H.264; the
# `baresip` metapackage would also pull in GTK, X11 and GStreamer.
# With --bench, also the baselines the benchmarks compare against (Janus
# for bench/audio.sh, ffmpeg and time for bench/mix.sh) and clang with its
# libFuzzer runtime for bench/fuzz.sh.  The flags combine:
# scripts/install-deps.sh --test --bench.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
for arg in "$@"; do
	case $arg in
	--test) want_test=1 ;;
	--bench) want_bench=1 ;;
	*)
		echo "usage: scripts/install-deps.sh [--test] [--bench]" >&2
		exit 2
		;;
	esac
done

pkgs=(
	build-essential cmake pkg-config
	libuv1-dev libssl-dev libsrtp2-dev libwebsockets-dev
	libwebsockets-evlib-uv libjansson-dev libfyaml-dev
	libvpx-dev libopenh264-dev libopus-dev libyuv-dev libpng-dev
	libavformat-dev libhiredis-dev libspandsp-dev libspeexdsp-dev
	libsofia-sip-ua-dev
)
test_pkgs=(clang libclang-rt-14-dev chromium ffmpeg time
	baresip-core baresip-ffmpeg)
bench_pkgs=(janus ffmpeg time clang libclang-rt-14-dev)

[ $want_test = 1 ] && pkgs+=("${test_pkgs[@]}")
[ $want_bench = 1 ] && pkgs+=("${bench_pkgs[@]}")
# node and npm: the machine image may ship its own; use Debian's otherwise
if [ $want_test = 1 ] && ! command -v npm >/dev/null; then
	pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"
else
	echo "install-deps: all Debian packages present"
fi

if [ $want_test = 1 ]; then
	# browser tests drive Debian's chromium with playwright-core from npm
	# (never `npx playwright install`: it downloads browsers)
	stamp=tests/e2e/node_modules/.tessera-lock
	if ! cmp -s tests/e2e/package-lock.json "$stamp" 2>/dev/null; then
		(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
		cp tests/e2e/package-lock.json "$stamp"
	else
		echo "install-deps: npm packages of tests/e2e present"
	fi
fi
