#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile images: each is refused with its own error, and nothing is left
# behind (no output folder, no staging files).
set -u
cd "$(dirname "$0")/../.." || exit 99
. tests/image/common.bash
need "$PY" mke2fs

# refused CASE ERROR [mkoci args...]
refused() {
	local c=$1 want=$2 err
	shift 2
	$MKOCI "$c" "$T/in-$c" "$@" || exit 99
	err=$("$V" image "$T/in-$c" -o "$T/out-$c" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 1 ] && [[ $err == *"($want)"* ]] && [ ! -e "$T/out-$c" ]; then
		ok "$c: refused with $want, nothing left"
	else
		notok "$c: refused with $want, nothing left (rc $rc)"
		echo "# $err"
	fi
}

refused traversal IMG_E_PATH_ESCAPE
refused traversal-deep IMG_E_PATH_ESCAPE
refused symlink-escape IMG_E_SYMLINK_PATH
refused symlink-relative IMG_E_SYMLINK_PATH
refused hardlink-outside IMG_E_LINK_ESCAPE
refused hardlink-missing IMG_E_LINK_TARGET
refused whiteout-dotdot IMG_E_WHITEOUT
refused huge-size IMG_E_ENTRY_SIZE
refused long-name IMG_E_NAME

for what in manifest config layer truncate index mediatype; do
	case $what in
	truncate) want=IMG_E_BLOB_SIZE ;;
	index) want=IMG_E_JSON ;;
	mediatype) want=IMG_E_MEDIA_TYPE ;;
	*) want=IMG_E_DIGEST ;;
	esac
	$MKOCI basic "$T/c-$what" --no-devices && $MKOCI corrupt "$T/c-$what" $what || exit 99
	err=$("$V" image "$T/c-$what" -o "$T/o-$what" 2>&1 >/dev/null)
	if [ $? -eq 1 ] && [[ $err == *"($want)"* ]] && [ ! -e "$T/o-$what" ]; then
		ok "$what altered: refused with $want, nothing left"
	else
		notok "$what altered: refused with $want, nothing left"
		echo "# $err"
	fi
done

# docker save: a layer tar no longer matching the config's diff_ids
$MKOCI basic "$T/dk" --docker --no-devices || exit 99
l=$(ls "$T"/dk/*/layer.tar | head -1)
"$PY" -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[600]^=1; open(p,"wb").write(d)' "$l"
err=$("$V" image "$T/dk" -o "$T/o-dk" 2>&1 >/dev/null)
check "docker save: layer altered: refused with IMG_E_DIGEST, nothing left" \
	sh -c "[ $? -eq 1 ] && [ ! -e '$T/o-dk' ] && echo '$err' | grep -q IMG_E_DIGEST"

# an output folder that exists keeps what it had; no staging remains
mkdir -p "$T/keep" && echo old >"$T/keep/rootfs.img"
"$V" image "$T/in-traversal" -o "$T/keep" 2>/dev/null
check "existing output folder: old files untouched, no staging left" \
	sh -c "[ \"\$(cat '$T/keep/rootfs.img')\" = old ] && [ \"\$(ls -A '$T/keep')\" = rootfs.img ]"
check "a file that is not an image is refused" sh -c "! '$V' image /etc/hostname -o '$T/o-x' 2>/dev/null && [ ! -e '$T/o-x' ]"
check "usage error: exit 64" sh -c "'$V' image 2>/dev/null; [ \$? -eq 64 ]"
finish
