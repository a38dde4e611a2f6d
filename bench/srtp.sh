#!/usr/bin/env bash
# bench/srtp.sh [PACKETS]  (default 200000)
#
# SRTP's CPU cost per packet (protect + unprotect of a 112-byte RTP
# packet), by number of live session pairs (1, 20, 200, 2000; one pair per
# participant and direction in a server), for AEAD_AES_128_GCM (what
# browsers negotiate with us) and AES_CM_128_HMAC_SHA1_80 (SDES-SRTP
# phones), in the same run:
#   (a) libsrtp's own primitives: Debian builds libsrtp2 on NSS
#   (b) the OpenSSL primitives Tessera installs into libsrtp at start
#       (src/srtp/ossl.c, through srtp_replace_cipher_type/_auth_type)
# The results are appended to bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=bench/lib.sh
. bench/lib.sh

packets=${1:-200000}
if ! [[ $packets =~ ^[0-9]+$ ]] || [ "$packets" -lt 1000 ]; then
	echo "usage: bench/srtp.sh [PACKETS >= 1000]" >&2
	exit 2
fi

build_bench
say "SRTP per packet, $packets packets per measurement"
table=$(run "$bin/bench/tes_srtpbench" --packets "$packets")
echo "$table"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

results=$root/bench/RESULTS.md
if ! grep -q '^## SRTP benchmark (bench/srtp.sh)' "$results"; then
	cat >>"$results" <<'EOT'

## SRTP benchmark (bench/srtp.sh)

Appended by `bench/srtp.sh [PACKETS]` (entries titled "srtp").  Thread
CPU time per protect + unprotect of one RTP packet (12-byte header,
100-byte payload), every live session pair taking its turn, round robin,
as a server's participants do.  libsrtp 2.5.0 with its own primitives
(Debian builds them on NSS: a PKCS#11 context per AES-CM packet, and
every imported key an object in softoken's tables) against the same
libsrtp with the OpenSSL primitives Tessera installs at start
(`src/srtp/ossl.c`), in the same process.  Compare the ratios.
EOT
fi
{
	results_head "srtp, $packets packets"
	sed -n '/^|/p' <<<"$table"
	echo
	echo '```'
	echo "bench/srtp.sh $packets"
	echo "$bin/bench/tes_srtpbench --packets $packets"
	echo '```'
} >>"$results"
echo
echo "appended to $results"
