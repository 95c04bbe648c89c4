#!/bin/sh
# Counts the libbpf functions pbpf's libbpf-compatible headers declare
# (LIBBPF_API in include/compat/bpf/{libbpf,bpf,btf}.h; pbpf's own extensions
# in pbpf_attach.h are not libbpf's and are left out), checks that each is
# defined in libpbpf_bpf.a and, where the system's libbpf is there, that it
# is a libbpf symbol, and that docs/libbpf-compat.md lists exactly these.
#   count_symbols.sh SRC LIBPBPF_BPF [LIBBPF_SO]
#   count_symbols.sh --list SRC      prints the list only
set -u
list_only=0
if [ "${1:-}" = --list ]; then list_only=1; shift; fi
src=$1
hdrs="$src/include/compat/bpf/libbpf.h $src/include/compat/bpf/bpf.h $src/include/compat/bpf/btf.h"
# a declaration: LIBBPF_API <type> [*]name(  (the name may be on the next line)
syms=$(awk '/LIBBPF_API/ { decl = $0; while (decl !~ /\(/ && (getline line) > 0) decl = decl " " line;
                             sub(/\(.*/, "", decl); n = split(decl, w, /[ *]+/); print w[n] }' $hdrs | sort -u)
if [ $list_only = 1 ]; then
    echo "$syms"
    exit 0
fi
lib=$2 so=${3:-}
n=$(echo "$syms" | wc -l)
status=0
defined=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
missing=$(printf '%s\n' "$syms" | comm -23 - "$(printf '%s\n' "$defined" >"$lib.syms"; echo "$lib.syms")")
rm -f "$lib.syms"
for s in $missing; do echo "FAIL: $s is declared but not defined in $lib"; status=1; done
if [ -n "$so" ] && [ -f "$so" ]; then
    exported=$(nm -D --defined-only "$so" | awk 'NF == 3 {print $3}' | sed 's/@.*//' | grep -v '^LIBBPF' | sort -u)
    printf '%s\n' "$exported" >"$lib.libbpf-syms"
    notlibbpf=$(printf '%s\n' "$syms" | comm -23 - "$lib.libbpf-syms")
    rm -f "$lib.libbpf-syms"
    for s in $notlibbpf; do echo "FAIL: $s is not a symbol of libbpf ($so)"; status=1; done
    total=$(printf '%s\n' "$exported" | wc -l)
    echo "the system's libbpf exports $total functions"
fi
# the documentation's list (between the markers) must be this list
doc="$src/docs/libbpf-compat.md"
doclist=$(sed -n '/<!-- symbols begin -->/,/<!-- symbols end -->/p' "$doc" | grep -o '`[a-z_0-9]*`' | tr -d '`' | sort -u)
if [ "$doclist" != "$syms" ]; then
    echo "FAIL: the list in docs/libbpf-compat.md differs from the headers:"
    echo "$syms" >/tmp/pbpf-compat-syms.$$
    echo "$doclist" | diff /tmp/pbpf-compat-syms.$$ - 
    rm -f /tmp/pbpf-compat-syms.$$
    status=1
fi
docn=$(sed -n 's/.*libbpf functions implemented: \([0-9]*\).*/\1/p' "$doc" | head -1)
[ "$docn" = "$n" ] || { echo "FAIL: docs/libbpf-compat.md says $docn functions, the headers declare $n"; status=1; }
echo "libbpf functions implemented: $n"
exit $status
