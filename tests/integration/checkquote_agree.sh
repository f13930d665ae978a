#!/usr/bin/env bash
# tpm2_checkquote (tpm2-tools) and our verifier agree on every quote
# vector, good and bad, made from real recorded evidence: "ours" is
# host-verify's own quote check (hv_quote_check, through quote-vectors),
# and it must also give exactly the reasons each vector was made for.
# A vector marked "beyond" breaks a check tpm2_checkquote does not make
# (magic, type): there only our reasons are asserted, and its verdict is
# shown.
set -u
B=${B:-build}
command -v tpm2_checkquote >/dev/null || { echo "1..0 # SKIP tpm2-tools not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$B/tests/quote-vectors" "$tmp" >/dev/null || { echo "Bail out! quote-vectors failed"; exit 99; }
n=0 fail=0 goods=0
for d in "$tmp"/*/; do
	name=$(basename "$d")
	ours=$(cat "$d/expect")
	why=$(cat "$d/reasons")
	want=$(cat "$d/want")
	if tpm2_checkquote -u "$d/ak.pem" -m "$d/quote.msg" -s "$d/quote.sig" -g sha256 \
		-q "$(cat "$d/qual.hex")" >/dev/null 2>&1; then got=accept; else got=reject; fi
	[ "$ours" = accept ] && goods=$((goods + 1))
	n=$((n + 1))
	if [ "$why" = "$want" ]; then echo "ok $n - $name: ours $ours${why:+ ($why)}"
	else echo "not ok $n - $name: ours gives '$why', the vector is made for '$want'"; fail=1; fi
	n=$((n + 1))
	if [ -e "$d/beyond" ]; then
		if [ "$ours" = reject ]; then echo "ok $n - $name: tpm2_checkquote $got (it does not check this)"
		else echo "not ok $n - $name: ours accepts a quote made to break a check"; fail=1; fi
	elif [ "$got" = "$ours" ]; then echo "ok $n - $name: both $got"
	else echo "not ok $n - $name: ours $ours, tpm2_checkquote $got"; fail=1; fi
done
n=$((n + 1))
if [ $goods -eq 3 ]; then echo "ok $n - exactly the two honest quotes and the software AK's are accepted"; else echo "not ok $n - $goods accepted"; fail=1; fi
echo "1..$n"
exit $fail
