#!/usr/bin/env bash
# host-verify's time on 1k/10k/100k-record bundles, and, on the same real
# quote, tpm2_checkquote's time as a reference line (median of 5).
set -euo pipefail
B=${B:-build}
"$B/bench/verify"
. "$(dirname "$0")/lib.bash"
"$B/tests/quote-vectors" "$tmp" >/dev/null
d=$tmp/good-a
for i in 1 2 3 4 5; do
	s=$(date +%s%N)
	tpm2_checkquote -u "$d/ak.pem" -m "$d/quote.msg" -s "$d/quote.sig" -g sha256 -q "$(cat "$d/qual.hex")" >/dev/null
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 3p | awk '{printf "  reference: tpm2_checkquote on the same quote (process included) %.2f ms\n", $1 / 1000}'
for i in 1 2 3 4 5; do
	s=$(date +%s%N)
	"$B/bin/host-verify" --bundle tests/vectors/evidence/honest-a.cbor --manifest tests/vectors/evidence/manifest.cbor \
		--ek tests/vectors/evidence/ek.pub --verifier-key tests/vectors/evidence/verifier.pem >/dev/null
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 3p | awk '{printf "  host-verify on the whole honest bundle (process included)       %.2f ms\n", $1 / 1000}'
