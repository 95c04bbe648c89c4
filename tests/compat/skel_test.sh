#!/bin/sh
# A libbpf-style loader with a skeleton, end to end, as a libbpf user
# builds one: clang builds NAME.bpf.o from tests/compat/progs, `bpftool gen
# skeleton` writes NAME.skel.h, the loader tests/compat/loaders/NAME.c is
# compiled against pbpf's headers (include/compat) and linked with
# pbpf_bpf and pbpf instead of libbpf, then run.  Exits 77 (skip) when
# bpftool or clang is missing.
#   skel_test.sh NAME SRC OUT CLANG CC "CFLAGS" LIBPBPF_BPF LIBPBPF [kernel]
# With `kernel`, the same loader and skeleton are instead built against the
# system's libbpf (-lbpf, /usr/include/bpf) and run in the Linux kernel: the
# loader's own checks then hold for Linux too (root only, else 77).
set -u
if [ $# -ne 8 ] && [ $# -ne 9 ]; then
    echo "usage: $0 NAME SRC OUT CLANG CC CFLAGS LIBPBPF_BPF LIBPBPF [kernel]" >&2
    exit 2
fi
name=$1 src=$2 out=$3 clang=$4 cc=$5 cflags=$6 lib_bpf=$7 lib=$8 mode=${9:-pbpf}
if [ "$mode" = kernel ]; then
    [ "$(id -u)" = 0 ] || { echo "SKIP: running programs in the kernel needs root"; exit 77; }
    [ -f /usr/include/bpf/libbpf.h ] || { echo "SKIP: libbpf-dev not installed"; exit 77; }
    out=$out/kernel
fi

bpftool=$(command -v bpftool 2>/dev/null)
[ -n "$bpftool" ] || [ ! -x /usr/sbin/bpftool ] || bpftool=/usr/sbin/bpftool
if [ -z "$bpftool" ] || ! "$bpftool" version >/dev/null 2>&1; then
    echo "SKIP: bpftool not found (Debian: apt-get install bpftool)"
    exit 77
fi
command -v "$clang" >/dev/null 2>&1 || { echo "SKIP: clang not found"; exit 77; }
mkdir -p "$out" || exit 1

"$clang" -O2 -g -target bpf -c "$src/tests/compat/progs/$name.bpf.c" -o "$out/$name.bpf.o" ||
    { echo "FAIL: clang -target bpf $name.bpf.c"; exit 1; }
"$bpftool" gen skeleton "$out/$name.bpf.o" >"$out/$name.skel.h" ||
    { echo "FAIL: bpftool gen skeleton $name.bpf.o"; exit 1; }
if [ "$mode" = kernel ]; then
    "$cc" -std=gnu11 -Wall -Werror -I "$out" "$src/tests/compat/loaders/$name.c" -lbpf \
        -o "$out/$name" || { echo "FAIL: the $name loader does not build against libbpf"; exit 1; }
    exec "$out/$name"
fi
# shellcheck disable=SC2086
"$cc" -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
    $cflags -I "$src/include/compat" -I "$out" \
    "$src/tests/compat/loaders/$name.c" "$lib_bpf" "$lib" -lpthread -o "$out/$name" ||
    { echo "FAIL: the $name loader does not build against pbpf's headers"; exit 1; }
exec "$out/$name"
