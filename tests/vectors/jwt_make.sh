#!/bin/sh
# Writes jwt_vectors.txt: tokens made with openssl alone (base64 and
# dgst -hmac), not with Tessera's code, for test_auth.c.  Run once; the
# output is committed.  Each line: NAME EXPECTED TOKEN, where EXPECTED is
# ok or the errno tes_token_verify() returns, checked at
# now = 1700000000 with a clock skew of 5 s and the key below.
set -eu
KEY='tessera-test-secret-0123456789abcdef'
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
sig() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$2" -binary | b64url; }
# tok NAME EXPECTED HEADER PAYLOAD [KEY]
tok() {
	h=$(printf '%s' "$3" | b64url)
	p=$(printf '%s' "$4" | b64url)
	echo "$1 $2 $h.$p.$(sig "$h.$p" "${5:-$KEY}")"
}
HS='{"alg":"HS256","typ":"JWT"}'
C='"room":"demo","sub":"alice","rights":["publish","subscribe"]'

cd "$(dirname "$0")"
{
echo "# made by jwt_make.sh with openssl; key $KEY, now 1700000000"
tok good ok "$HS" "{$C,\"exp\":1700003600}"
tok good_admin_all_rooms ok '{"alg":"HS256"}' \
	'{"room":"*","sub":"op","rights":["admin"],"exp":1700003600,"nbf":1699990000,"iat":1699990000}'
tok good_exp_fraction ok "$HS" "{$C,\"exp\":1700003600.5}"
tok good_expired_within_skew ok "$HS" "{$C,\"exp\":1699999997}"
tok good_nbf_within_skew ok "$HS" "{$C,\"exp\":1700003600,\"nbf\":1700000003}"
tok expired EKEYEXPIRED "$HS" "{$C,\"exp\":1699999000}"
tok expired_at_skew_edge EKEYEXPIRED "$HS" "{$C,\"exp\":1699999995}"
tok nbf_future EAGAIN "$HS" "{$C,\"exp\":1700003600,\"nbf\":1700000600}"
tok bad_signature EACCES "$HS" "{$C,\"exp\":1700003600}" 'another-secret-0123456789abcdef0123'
tok alg_rs256 ENOTSUP '{"alg":"RS256","typ":"JWT"}' "{$C,\"exp\":1700003600}"
tok alg_lowercase ENOTSUP '{"alg":"hs256"}' "{$C,\"exp\":1700003600}"
tok alg_missing EBADMSG '{"typ":"JWT"}' "{$C,\"exp\":1700003600}"
tok header_crit ENOTSUP '{"alg":"HS256","crit":["exp"]}' "{$C,\"exp\":1700003600}"
tok header_duplicate_alg EBADMSG '{"alg":"none","alg":"HS256"}' "{$C,\"exp\":1700003600}"
tok header_not_json EBADMSG 'alg=HS256' "{$C,\"exp\":1700003600}"
tok missing_exp EBADMSG "$HS" "{$C}"
tok exp_string EBADMSG "$HS" "{$C,\"exp\":\"1700003600\"}"
tok exp_negative EBADMSG "$HS" "{$C,\"exp\":-1}"
tok missing_room EBADMSG "$HS" '{"sub":"alice","rights":["publish"],"exp":1700003600}'
tok room_invalid EBADMSG "$HS" '{"room":"a b","sub":"alice","rights":["publish"],"exp":1700003600}'
tok missing_sub EBADMSG "$HS" '{"room":"demo","rights":["publish"],"exp":1700003600}'
tok sub_control_char EBADMSG "$HS" '{"room":"demo","sub":"a\nb","rights":["publish"],"exp":1700003600}'
tok rights_unknown EBADMSG "$HS" '{"room":"demo","sub":"alice","rights":["publish","root"],"exp":1700003600}'
tok rights_not_array EBADMSG "$HS" '{"room":"demo","sub":"alice","rights":"publish","exp":1700003600}'
tok claims_duplicate_exp EBADMSG "$HS" "{$C,\"exp\":1,\"exp\":1700003600}"
tok claims_array EBADMSG "$HS" '[1700003600]'
# alg none: no signature at all
h=$(printf '%s' '{"alg":"none","typ":"JWT"}' | b64url)
p=$(printf '%s' "{$C,\"exp\":1700003600}" | b64url)
echo "alg_none ENOTSUP $h.$p."
# a good token, spelled wrongly
good=$(tok x ok "$HS" "{$C,\"exp\":1700003600}" | cut -d' ' -f3)
hp=${good%.*}
s=${good##*.}
echo "padded EBADMSG $hp.$s="
# the same in the standard alphabet: a sub whose base64 has + and /
url=$(tok x ok "$HS" '{"room":"demo","sub":"~~~???","rights":["publish"],"exp":1700003600}' |
      cut -d' ' -f3)
std=$(echo "$url" | tr -- '-_' '+/')
[ "$std" != "$url" ] || { echo "no - or _ in $url" >&2; exit 1; }
echo "good_url_alphabet ok $url"
echo "standard_alphabet EBADMSG $std"
echo "two_parts EBADMSG $hp"
echo "four_parts EBADMSG $good.$s"
echo "signature_truncated EACCES $hp.$(echo "$s" | cut -c1-40)"
# the last character's two unused low bits (32 bytes in 43 characters)
# set to 01: the same bytes, spelled another way
last=$(printf '%s' "$s" | tail -c1)
next=$(echo "$last" | tr '048AEIMQUYcgkosw' '159BFJNRVZdhlptx')
[ "$next" != "$last" ] || { echo "last character $last" >&2; exit 1; }
echo "signature_noncanonical EBADMSG $hp.$(printf '%s' "$s" | head -c42)$next"
echo "empty EBADMSG "
} > jwt_vectors.txt
