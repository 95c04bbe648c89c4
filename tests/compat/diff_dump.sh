#!/bin/sh
# Runs the object-API dump built against pbpf and against libbpf on the
# same arguments; the outputs must be equal (libbpf is the reference).
#   diff_dump.sh PBPF_DUMP LIBBPF_DUMP OUTDIR ARGS...
set -u
ours=$1 ref=$2 out=$3
shift 3
mkdir -p "$out" || exit 1
"$ours" "$@" >"$out/pbpf.txt" 2>&1 || { echo "FAIL: pbpf dump exited $?"; exit 1; }
"$ref" "$@" >"$out/libbpf.txt" 2>&1 || { echo "FAIL: libbpf dump exited $?"; exit 1; }
if ! diff -u "$out/libbpf.txt" "$out/pbpf.txt"; then
    echo "FAIL: pbpf's object API differs from libbpf's (- libbpf, + pbpf)"
    exit 1
fi
echo "same as libbpf: $(grep -c '^  prog' "$out/pbpf.txt") programs, $(grep -c '^  map' "$out/pbpf.txt") maps"
