#!/bin/sh
# `pbpf verify` on objects whose BTF maps start with `values`: a prog array
# naming programs (the programs a verified one's prog arrays start with are
# loaded beside it, as the loader, like libbpf, fills every slot) and a map
# of maps whose lookups give the inner map (tests/progs/btf_maps.bpf.c,
# which the Linux kernel accepts whole: tests/kernel/test_objects_vs_kernel.c).
#   verify_objects_test.sh PBPF PROGS_DIR WORK_DIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 PBPF PROGS_DIR WORK_DIR" >&2
    exit 2
fi
PBPF=$1 P=$2 T=$3
rm -rf "$T" && mkdir -p "$T" || exit 1
failures=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
O=$P/btf_maps.bpf.o
"$PBPF" verify "$O" --log-level 0 >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || bad "verify btf_maps: exit $rc: $(cat "$T/out" "$T/err")"
for p in tail_one tail_two entry; do
    grep -q "^$p (section xdp, type xdp): accepted" "$T/out" ||
        bad "$p not accepted: $(grep "^$p" "$T/out")"
done
# one program alone: the prog array's programs are loaded, not reported
"$PBPF" verify "$O" --prog entry --json >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] || bad "verify --prog entry: exit $rc: $(cat "$T/out" "$T/err")"
[ "$(grep -c '"program"' "$T/out")" -eq 1 ] || bad "--prog entry: want one program: $(cat "$T/out")"
grep -q '"verdict": "accept"' "$T/out" || bad "--prog entry: not accepted: $(cat "$T/out")"
if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "pbpf verify on objects with BTF map values: ok"
