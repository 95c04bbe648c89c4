#!/bin/sh
# Light skeletons are refused at compile time with pbpf's explanation:
# `bpftool gen skeleton -L` of a test object, a loader that includes it,
# compiled against include/compat, must fail with the message of
# include/compat/bpf/skel_internal.h (and nothing else must break first).
#   lskel_refused.sh SRC OUT CLANG CC
set -u
src=$1 out=$2 clang=$3 cc=$4
bpftool=$(command -v bpftool 2>/dev/null)
[ -n "$bpftool" ] || [ ! -x /usr/sbin/bpftool ] || bpftool=/usr/sbin/bpftool
[ -n "$bpftool" ] && "$bpftool" version >/dev/null 2>&1 ||
    { echo "SKIP: bpftool not found"; exit 77; }
mkdir -p "$out" || exit 1
"$clang" -O2 -g -target bpf -c "$src/tests/compat/progs/minimal.bpf.c" -o "$out/minimal.bpf.o" ||
    { echo "FAIL: clang"; exit 1; }
"$bpftool" gen skeleton -L "$out/minimal.bpf.o" >"$out/minimal.lskel.h" ||
    { echo "FAIL: bpftool gen skeleton -L"; exit 1; }
grep -q 'bpf/skel_internal.h' "$out/minimal.lskel.h" ||
    { echo "FAIL: the light skeleton does not include bpf/skel_internal.h"; exit 1; }
cat >"$out/lskel_loader.c" <<'EOC'
#include "minimal.lskel.h"
int main(void)
{
    struct minimal_bpf *skel = minimal_bpf__open_and_load();
    if (!skel)
        return 1;
    minimal_bpf__destroy(skel);
    return 0;
}
EOC
if "$cc" -std=gnu11 -I "$src/include/compat" -I "$out" -c "$out/lskel_loader.c" \
    -o "$out/lskel_loader.o" 2>"$out/err"; then
    echo "FAIL: a light skeleton compiled against pbpf's headers"
    exit 1
fi
if ! grep -q "pbpf: light skeletons (bpftool gen skeleton -L) are not supported" "$out/err"; then
    cat "$out/err"
    echo "FAIL: the light skeleton failed to compile, but not with pbpf's refusal"
    exit 1
fi
# the refusal is the first error: nothing before it went wrong
first=$(grep -m1 "error" "$out/err")
case $first in
*"light skeletons"*) ;;
*) echo "FAIL: first error is not the refusal: $first"; exit 1 ;;
esac
echo "refused as expected: $first"
