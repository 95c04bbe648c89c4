#!/bin/sh
# Runs the conformance vectors on one engine; skips (77) when the engine does
# not exist on this host (pbpf reports "not available").
#   conformance_engine.sh PBPF ENGINE CONFDIR
set -u
out=$("$1" conformance --engine "$2" "$3" 2>&1)
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
