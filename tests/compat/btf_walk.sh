#!/bin/sh
# The BTF walker (tests/compat/btf_walk.c) built against pbpf and against
# the system's libbpf:
#  * its raw dump of each object and of the kernel's BTF must be what
#    `bpftool btf dump file F format raw` prints (skipped without bpftool);
#  * its answers about sizes, alignments, lookups and errors, and about
#    bpf_object__btf, must be libbpf's (skipped without libbpf).
#   btf_walk.sh WALK_PBPF WALK_LIBBPF|none OUT OBJ...
set -u
walk=$1 walk_libbpf=$2 out=$3
shift 3
mkdir -p "$out" || exit 1
bpftool=$(command -v bpftool 2>/dev/null)
[ -n "$bpftool" ] || [ ! -x /usr/sbin/bpftool ] || bpftool=/usr/sbin/bpftool
[ -n "$bpftool" ] && ! "$bpftool" version >/dev/null 2>&1 && bpftool=
[ -x "$walk_libbpf" ] || walk_libbpf=
if [ -z "$bpftool" ] && [ -z "$walk_libbpf" ]; then
    echo "SKIP: neither bpftool nor libbpf to compare with"
    exit 77
fi
status=0 compared=0
files="$*"
[ -r /sys/kernel/btf/vmlinux ] && files="$files vmlinux"
# files that are not BTF, for the error conventions
printf 'not BTF\n' >"$out/text"
: >"$out/empty"
rm -f "$out/missing"
cp "$walk" "$out/elf_without_btf" # a host executable: ELF, no .BTF
for f in $files; do
    name=$(basename "$f")
    src=$f
    [ "$f" = vmlinux ] && src=/sys/kernel/btf/vmlinux
    "$walk" raw "$f" >"$out/$name.pbpf.raw" || { echo "FAIL: btf_walk raw $f"; status=1; continue; }
    if [ -n "$bpftool" ]; then
        "$bpftool" btf dump file "$src" format raw >"$out/$name.bpftool.raw" 2>/dev/null
        if ! cmp -s "$out/$name.pbpf.raw" "$out/$name.bpftool.raw"; then
            echo "FAIL: $f: the walker over pbpf's btf__* differs from bpftool btf dump:"
            diff "$out/$name.bpftool.raw" "$out/$name.pbpf.raw" | head -20
            status=1
        fi
        compared=$((compared + 1))
    fi
    [ -n "$walk_libbpf" ] || continue
    for mode in api obj; do
        [ "$mode" = obj ] && [ "$f" = vmlinux ] && continue
        "$walk" $mode "$f" >"$out/$name.pbpf.$mode" 2>&1
        "$walk_libbpf" $mode "$f" >"$out/$name.libbpf.$mode" 2>&1
        # objects libbpf 1.x does not open (legacy maps) are not compared
        grep -q '^open: errno' "$out/$name.libbpf.$mode" && continue
        if ! cmp -s "$out/$name.pbpf.$mode" "$out/$name.libbpf.$mode"; then
            echo "FAIL: $f: btf_walk $mode differs between pbpf and libbpf:"
            diff "$out/$name.libbpf.$mode" "$out/$name.pbpf.$mode" | head -20
            status=1
        fi
        compared=$((compared + 1))
    done
done
if [ -n "$walk_libbpf" ]; then
    "$walk" err "$out" >"$out/errors.pbpf"
    "$walk_libbpf" err "$out" >"$out/errors.libbpf"
    if ! cmp -s "$out/errors.pbpf" "$out/errors.libbpf"; then
        echo "FAIL: btf__parse* errors differ between pbpf and libbpf:"
        diff "$out/errors.libbpf" "$out/errors.pbpf"
        status=1
    fi
    compared=$((compared + 1))
fi
echo "btf_walk: $compared comparisons"
exit $status
