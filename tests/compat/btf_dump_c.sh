#!/bin/sh
# pbpf btf dump FILE format c, checked by compiling it:
#   btf_dump_c.sh PBPF BTF_C_CHECK CLANG WORKDIR OBJ...
# For each object (and /sys/kernel/btf/vmlinux where it exists) the header
# must compile with gcc (-fsyntax-only) and clang -target bpf, and the
# program btf_c_check writes from the BTF itself (sizeof, offsetof and
# enumerator values as _Static_assert, bit-fields found in memory at run
# time) must compile against it and run clean.  Where bpftool is
# installed both headers must define the same struct, union, enum and
# typedef names; whether bpftool's header passes the same checks is
# reported (libbpf 1.1's has layout bugs, so it is a note, not a failure).
# With BTF_DUMP_API=PROGRAM (tests/compat/btf_dump_api.c) the header that
# libbpf's btf_dump API writes is checked the same way.
set -u
pbpf=$1 check=$2 clang=$3 work=$4
shift 4
mkdir -p "$work" || exit 1
cc=${CC:-gcc}
command -v "$cc" >/dev/null 2>&1 || cc=cc
status=0
fail() {
    echo "FAIL: $*"
    status=1
    failed=1
}
bpftool=$(command -v bpftool 2>/dev/null || { [ -x /usr/sbin/bpftool ] && echo /usr/sbin/bpftool; })
files="$*"
[ -r /sys/kernel/btf/vmlinux ] && files="$files /sys/kernel/btf/vmlinux" ||
    echo "note: no /sys/kernel/btf/vmlinux: the kernel's BTF is not checked"
# names defined at file scope: "struct foo {", "union foo {", "enum foo {",
# and typedefs ("typedef ... foo;", "typedef ... (*foo)(...);", "} foo;")
defined_names() {
    {
        grep -E '^(struct|union|enum) [A-Za-z_][A-Za-z_0-9]* \{' "$1" | sed 's/ {.*//'
        grep -E '^typedef .*\(\*[A-Za-z_0-9]+\)' "$1" | sed -E 's/^[^(]*\(\*([A-Za-z_0-9]+)\).*/typedef \1/'
        grep -E '^typedef [^(]*;$' "$1" | sed -E 's/(\[[0-9]*\])*;$//; s/.*[^A-Za-z_0-9]([A-Za-z_0-9]+)$/typedef \1/'
        grep -E '^} [A-Za-z_][A-Za-z_0-9]*;$' "$1" | sed -E 's/^\} (.*);/typedef \1/'
    } | sort -u
}
# check HEADER WHAT [note]: compile the header and the checks against it;
# with "note", failures are reported as notes (another tool's header)
check() {
    h=$1 what=$2
    if [ "${3:-}" = note ]; then
        status_before=$status
        failed=0
        check "$h" "$what" >"$h.note" 2>&1
        status=$status_before
        if [ $failed = 1 ]; then
            n=$(grep -c "static assertion failed" "$h.cgcc.err" 2>/dev/null)
            echo "note: $what fails ${n:-some} of the checks"
            grep "static assertion failed" "$h.cgcc.err" 2>/dev/null | head -3 | sed 's/^/note:   /'
            grep '^.*: bits ' "$h.note" | head -3 | sed 's/^/note:   /'
        else
            echo "$what passes the same checks"
        fi
        return
    fi
    "$cc" -std=gnu11 -fsyntax-only -x c "$h" 2>"$h.gcc.err" ||
        { head -20 "$h.gcc.err"; fail "$what: gcc cannot compile the header"; return; }
    "$clang" -target bpf -fsyntax-only -x c "$h" 2>"$h.clang.err" ||
        { head -20 "$h.clang.err"; fail "$what: clang -target bpf cannot compile the header"; return; }
    sed "s|@HEADER@|$h|" "$base.check.c.in" >"$h.check.c"
    "$clang" -target bpf -fsyntax-only "$h.check.c" 2>"$h.cclang.err" ||
        { head -20 "$h.cclang.err"; fail "$what: the BTF's sizes/offsets/values differ (clang -target bpf)"; }
    "$cc" -std=gnu11 -fmax-errors=0 -DRUN_BITS -o "$h.check" "$h.check.c" 2>"$h.cgcc.err" ||
        { head -20 "$h.cgcc.err"; fail "$what: the BTF's sizes/offsets/values differ (gcc)"; return; }
    "$h.check" || fail "$what: bit-fields differ from the BTF"
}
for f in $files; do
    [ -f "$f" ] || { fail "$f: missing"; continue; }
    name=$(basename "$f")
    base=$work/$name
    "$pbpf" btf dump file "$f" format c >"$base.h" || { fail "$f: pbpf btf dump format c"; continue; }
    "$check" "$f" @HEADER@ >"$base.check.c.in" 2>"$base.counts" || { cat "$base.counts"; fail "$f: btf_c_check"; continue; }
    echo "$name: $(grep '^checks:' "$base.counts")"
    check "$base.h" "$name (pbpf)"
    # the kernel's BTF is large: the API (the same dumper) and bpftool's
    # layout are checked on the objects only
    big=0
    [ "$f" = /sys/kernel/btf/vmlinux ] && big=1
    if [ -n "${BTF_DUMP_API:-}" ] && [ $big = 0 ]; then
        "$BTF_DUMP_API" "$f" >"$base.api.h" || { fail "$f: btf_dump API"; continue; }
        check "$base.api.h" "$name (libbpf's btf_dump API)"
    fi
    if [ -n "$bpftool" ]; then
        "$bpftool" btf dump file "$f" format c >"$base.bpftool.h" 2>/dev/null ||
            { echo "note: bpftool cannot dump $f"; continue; }
        # bpftool's libbpf may lay types out wrong (libbpf 1.1 writes no
        # packed enums and cuts 64-bit enums): its failures are notes
        [ $big = 0 ] && check "$base.bpftool.h" "$name (bpftool's header)" note
        defined_names "$base.h" >"$base.names"
        defined_names "$base.bpftool.h" >"$base.bpftool.names"
        if ! cmp -s "$base.names" "$base.bpftool.names"; then
            diff "$base.names" "$base.bpftool.names" | head -20
            fail "$name: the struct/union/enum/typedef names differ from bpftool's"
        else
            echo "$name: $(wc -l <"$base.names") struct/union/enum/typedef names, as bpftool's"
        fi
    fi
done
[ $status = 0 ] && echo "btf dump format c: all checks passed"
exit $status
