#!/usr/bin/env bash
# The shared library built against musl (guest) and glibc (host) must
# compute the same tree digest, PCR replay and record chain for the same
# input.
set -u
B=${B:-build}
n=0 fail=0
report() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
for bin in "$B/tests/mbcheck-glibc" "$B/tests/mbcheck-musl"; do
	[ -x "$bin" ] || { echo "Bail out! $bin not built"; exit 99; }
done
file "$B/tests/mbcheck-musl" | grep -q 'statically linked' ; report $? "musl build is static"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/t/sub"
printf 'hello' >"$tmp/t/a"
head -c 3000000 /dev/urandom >"$tmp/t/sub/big"
ln -s ../a "$tmp/t/sub/link"
mkfifo "$tmp/t/fifo"
chmod 4755 "$tmp/t/a"
for path in "$tmp/t" "$tmp/t/a" measured-boot /usr/include/linux; do
	g=$("$B/tests/mbcheck-glibc" tree "$path" 2>&1); m=$("$B/tests/mbcheck-musl" tree "$path" 2>&1)
	[ -n "$g" ] && [ "$g" = "$m" ]; report $? "same tree digest for $path ($g)"
done
for v in tests/vectors/good/evlog.cbor; do
	[ -f "$v" ] || continue
	g=$("$B/tests/mbcheck-glibc" replay "$v"); m=$("$B/tests/mbcheck-musl" replay "$v")
	[ -n "$g" ] && [ "$g" = "$m" ]; report $? "same PCR replay of $v"
done
if [ -f tests/vectors/good/chain.cborseq ]; then
	g=$("$B/tests/mbcheck-glibc" records tests/vectors/good/chain.nonce tests/vectors/good/chain.cborseq)
	m=$("$B/tests/mbcheck-musl" records tests/vectors/good/chain.nonce tests/vectors/good/chain.cborseq)
	[ -n "$g" ] && [ "$g" = "$m" ]; report $? "same record chain head ($g)"
fi
echo "1..$n"
exit $fail
