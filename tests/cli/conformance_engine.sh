#!/bin/sh
# Runs the conformance vectors on one engine; skips (77) when the engine does
# not exist on this host (pbpf reports "not available").
#   conformance_engine.sh PBPF ENGINE CONFDIR
set -u
# the kernel's verdicts: vectors Linux refuses pass when refused alike
kv=
[ -f "$3/kernel-6.18.tsv" ] && kv="--kernel-verdicts $3/kernel-6.18.tsv"
# shellcheck disable=SC2086
out=$("$1" conformance --engine "$2" $kv "$3" 2>&1)
rc=$?
case $out in
*"is not available"*)
    echo "SKIP: $out"
    exit 77
    ;;
esac
printf '%s\n' "$out"
n=$(ls "$3"/*.data | wc -l)
[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qx "$n passed, 0 failed"
