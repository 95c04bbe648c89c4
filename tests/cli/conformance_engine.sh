#!/bin/sh
# Runs the conformance vectors on one engine (and mode); skips (77) when the
# engine does not exist on this host (pbpf reports "not available").
#   conformance_engine.sh PBPF ENGINE CONFDIR [MODE]
# Passes when every vector passes and the report is one line per vector
# ("PASS name..." or "FAIL name: ...") and the summary line, nothing else:
# a multi-line verifier log in a reason once broke that.
set -u
# the kernel's verdicts: vectors Linux refuses pass when refused alike
kv=
[ -f "$3/kernel-6.18.tsv" ] && kv="--kernel-verdicts $3/kernel-6.18.tsv"
mode=
[ $# -ge 4 ] && mode="--mode $4"
# shellcheck disable=SC2086
out=$("$1" conformance --engine "$2" $mode $kv "$3" 2>&1)
rc=$?
case $out in
*"is not available"*)
    echo "SKIP: $out"
    exit 77
    ;;
esac
printf '%s\n' "$out"
n=$(ls "$3"/*.data | wc -l)
if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -qx "$n passed, 0 failed"; then
    echo "FAIL: expected '$n passed, 0 failed' and exit 0 (exit $rc)"
    exit 1
fi
lines=$(printf '%s\n' "$out" | grep -c '')
vectors=$(printf '%s\n' "$out" | grep -cE '^(PASS|FAIL) [^ ]')
if [ "$lines" -ne $((n + 1)) ] || [ "$vectors" -ne "$n" ]; then
    echo "FAIL: the report has $lines lines, $vectors of them per vector; want $n vector lines and the summary:"
    printf '%s\n' "$out" | grep -vE '^(PASS|FAIL) [^ ]|passed, [0-9]+ failed$'
    exit 1
fi
