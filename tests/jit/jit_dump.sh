#!/bin/sh
# pbpf jit-dump: every eBPF instruction listed as `pbpf disasm` prints it,
# the native code under them covering the whole code, the same bytes with
# and without the disassembler, blinding visible in the bytes, and ELF
# objects dumped per program.
#   jit_dump.sh PBPF WORKDIR [OBJECT PROG]
# Exits 77 when this build has no JIT.
set -u
pbpf=$1 work=$2 obj=${3:-} objprog=${4:-}
mkdir -p "$work" || exit 1
fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

cat >"$work/prog.s" <<'EOF'
mov %r3, 0
mov %r0, 1
add %r0, 0x12345
ldxdw %r2, [%r1+8]
lsh %r0, %r2
jeq %r0, 0x7777, +2
lddw %r3, 0x1122334455667788
add %r0, %r3
exit
EOF

if ! "$pbpf" jit-dump --mem-size 16 "$work/prog.s" >"$work/dump.txt" 2>"$work/err.txt"; then
    if grep -q "no JIT" "$work/err.txt"; then
        echo "SKIP: $(cat "$work/err.txt")"
        exit 77
    fi
    cat "$work/err.txt"
    fail "jit-dump of an assembly file"
fi
"$pbpf" jit-dump --mem-size 16 --hex "$work/prog.s" >"$work/hex.txt" || fail "jit-dump --hex"
"$pbpf" disasm "$work/prog.s" >"$work/disasm.txt" || fail "disasm"

# the eBPF lines, in order, are exactly the disassembler's
grep -E '^ {0,4}[0-9]+: ' "$work/dump.txt" >"$work/insns.txt"
cmp -s "$work/insns.txt" "$work/disasm.txt" || {
    diff "$work/disasm.txt" "$work/insns.txt"
    fail "eBPF lines differ from 'pbpf disasm'"
}

# bytes of the native lines: "        OFFS:  b1 b2 ...   mnemonic" (hex bytes
# only, so mnemonics that look like hex do not count)
native_bytes() {
    grep -E '^        [0-9a-f]{4,}: ' "$1" | sed -E 's/^        [0-9a-f]+: ((  ?[0-9a-f]{2})*).*/\1/' |
        tr -s ' ' '\n' | grep -E '^[0-9a-f]{2}$'
}
size=$(sed -n '1s/.* \([0-9][0-9]*\) bytes of x86-64 code.*/\1/p' "$work/dump.txt")
[ -n "$size" ] || fail "no code size in the header"
native_bytes "$work/hex.txt" >"$work/hex.bytes"
native_bytes "$work/dump.txt" >"$work/dis.bytes"
n=$(wc -l <"$work/hex.bytes")
[ "$n" = "$size" ] || fail "hex dump shows $n bytes, the header says $size"
cmp -s "$work/hex.bytes" "$work/dis.bytes" || fail "disassembly and hex dump show different bytes"
# offsets increase and each native line starts where the previous ended
expect=0
while read -r off rest; do
    off=$(printf '%d' "0x${off%:}")
    [ "$off" = "$expect" ] || { fail "native line at $off, expected $expect"; break; }
    cnt=$(printf '%s\n' "$rest" | tr -s ' ' '\n' | grep -cE '^[0-9a-f]{2}$')
    expect=$((off + cnt))
done <<EOF
$(grep -E '^        [0-9a-f]{4,}: ' "$work/hex.txt")
EOF
[ "$expect" = "$size" ] || fail "hex lines end at $expect, the code has $size bytes"

# the immediates are in the plain code and not in the blinded one
tr '\n' ' ' <"$work/hex.bytes" | grep -q "45 23 01 00" || fail "imm 0x12345 missing from the unblinded code"
"$pbpf" jit-dump --mem-size 16 --hex --blind "$work/prog.s" >"$work/blind.txt" || fail "jit-dump --blind"
native_bytes "$work/blind.txt" | tr '\n' ' ' >"$work/blind.flat"
if grep -q "45 23 01 00" "$work/blind.flat" || grep -q "88 77 66 55" "$work/blind.flat"; then
    fail "an immediate appears in the blinded code"
fi
# an untrusted program is blinded without asking
"$pbpf" jit-dump --mem-size 16 --hex --untrusted "$work/prog.s" >"$work/untrusted.txt" || fail "jit-dump --untrusted"
native_bytes "$work/untrusted.txt" | tr '\n' ' ' >"$work/untrusted.flat"
if grep -q "45 23 01 00" "$work/untrusted.flat"; then
    fail "an immediate appears in the code of an untrusted program"
fi

if "$pbpf" jit-dump --help | grep -q "Disassembler: capstone"; then
    # the native code of `exit` (no bpf-to-bpf calls: the epilogue) ends in ret
    awk '/^ *[0-9]+: exit$/ { e = 1; next } /^ *[0-9]+: [^ ]/ || /^  ;/ { e = 0 } e { last = $0 }
         END { print last }' "$work/dump.txt" | grep -q ' ret$' ||
        fail "exit does not end in ret"
    # the 64-bit immediate of lddw is one movabs
    grep -q "movabs rdx, 0x1122334455667788" "$work/dump.txt" || fail "lddw r3 is not movabs rdx"
fi

# the JIT loads only what the verifier accepts: verified for no memory, r1
# may be NULL and the read of [r1+8] is refused with the verifier's reason
if "$pbpf" jit-dump "$work/prog.s" >"$work/nomem.txt" 2>&1; then
    fail "jit-dump accepted a read past a memory of 0 bytes"
fi
grep -q "R1 invalid mem access 'mem_or_null'" "$work/nomem.txt" ||
    fail "no verifier reason for the refused program: $(cat "$work/nomem.txt")"

# --prog is for objects only
if "$pbpf" jit-dump "$work/prog.s" --prog x >/dev/null 2>&1; then
    fail "--prog accepted for an assembly file"
fi

if [ -n "$obj" ] && [ -f "$obj" ]; then
    "$pbpf" jit-dump "$obj" >"$work/obj.txt" || fail "jit-dump of $obj"
    progs=$(grep -cE '^[A-Za-z_][A-Za-z0-9_]*: [0-9]+ instruction slots' "$work/obj.txt")
    [ "$progs" -ge 2 ] || fail "$obj: $progs programs dumped, expected every one"
    "$pbpf" jit-dump "$obj" --prog "$objprog" >"$work/one.txt" || fail "jit-dump --prog $objprog"
    [ "$(grep -cE 'instruction slots' "$work/one.txt")" = 1 ] &&
        grep -q "^$objprog: " "$work/one.txt" || fail "--prog $objprog did not dump just it"
    if "$pbpf" jit-dump "$obj" --prog no_such_prog >/dev/null 2>"$work/err.txt"; then
        fail "unknown --prog accepted"
    fi
    grep -q "no_such_prog" "$work/err.txt" || fail "the error does not name the program"
else
    echo "no object file: ELF part skipped"
fi

if [ $fails -ne 0 ]; then
    echo "$fails failed"
    exit 1
fi
echo "jit-dump: all checks passed"
