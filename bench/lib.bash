# SPDX-License-Identifier: MIT
# Shared by bench/*.sh (sourced): a scratch folder removed on exit, the
# median of the numbers on stdin, and a command's wall time in ms.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# ms CMD...: its time; a failing command fails the benchmark
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
# ms_any CMD...: its time, whatever its exit status (a verdict, a VM's)
ms_any() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
