#!/bin/sh
# Behaviour of the pbpf command line and of pbpf-plugin: help, bad
# arguments and bad files (non-zero exit and exactly one line on stderr
# naming the problem), the output forms, and asm/disasm round trips.
#   cli_test.sh PBPF PLUGIN SHARED_DIR WORK_DIR EXAMPLES_DIR
set -u
if [ $# -ne 5 ]; then
    echo "usage: $0 PBPF PLUGIN SHARED_DIR WORK_DIR EXAMPLES_DIR" >&2
    exit 2
fi
PBPF=$1 PLUGIN=$2 CONF=$3/conformance T=$4 EX=$5
rm -rf "$T" && mkdir -p "$T" || exit 1
failures=0
checks=0

bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect_ok DESC STDOUT_REGEX CMD...: exit 0 and stdout matching.
expect_ok() {
    desc=$1 re=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ $rc -ne 0 ]; then
        bad "$desc: exit $rc: $(cat "$T/err")"
    elif ! grep -q -- "$re" "$T/out"; then
        bad "$desc: stdout lacks '$re': $(head -5 "$T/out")"
    fi
}

# expect_fail DESC STDERR_REGEX CMD...: exit 1 (not a crash), nothing on
# stdout, one line on stderr matching.
expect_fail() {
    desc=$1 re=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err" </dev/null
    check_fail "$desc" "$re" $?
}

check_fail() {
    if [ "$3" -eq 0 ]; then
        bad "$1: exit 0"
    elif [ "$3" -ne 1 ]; then
        bad "$1: exit $3 (crash or wrong status): $(cat "$T/err")"
    elif [ "$(wc -l <"$T/err")" -ne 1 ]; then
        bad "$1: expected one line on stderr, got: $(cat "$T/err")"
    elif ! grep -q -- "$2" "$T/err"; then
        bad "$1: stderr lacks '$2': $(cat "$T/err")"
    elif [ -s "$T/out" ]; then
        bad "$1: unexpected output: $(head -3 "$T/out")"
    fi
}

# --- help ------------------------------------------------------------------
expect_ok "pbpf --help" "Usage: pbpf COMMAND" "$PBPF" --help
expect_ok "pbpf help run" "Usage: pbpf run FILE" "$PBPF" help run
for c in asm disasm run conformance; do
    expect_ok "pbpf $c --help" "Usage: pbpf $c" "$PBPF" $c --help
    expect_ok "pbpf $c -h" "Usage: pbpf $c" "$PBPF" $c -h
done
expect_ok "pbpf-plugin --help" "Usage: pbpf-plugin" "$PLUGIN" --help

# --- bad command lines --------------------------------------------------------
expect_fail "no command" "^pbpf: missing command" "$PBPF"
expect_fail "unknown command" "^pbpf: unknown command 'frobnicate'" "$PBPF" frobnicate
expect_fail "help for an unknown command" "unknown command 'nope'" "$PBPF" help nope
for c in asm disasm run conformance; do
    expect_fail "$c without a file" "^pbpf: $c: missing" "$PBPF" $c
    expect_fail "$c with an unknown option" "^pbpf: $c: unknown option '--bogus'" \
        "$PBPF" $c --bogus "$CONF/add.data"
done
expect_fail "run with two files" "unexpected argument" "$PBPF" run "$CONF/add.data" "$CONF/add.data"
expect_fail "run --engine bogus" "unknown engine 'bogus'" "$PBPF" run --engine bogus "$CONF/add.data"
expect_fail "run --mode bogus" "unknown mode 'bogus'" "$PBPF" run --mode bogus "$CONF/add.data"
expect_fail "run --repeat 0" "positive count" "$PBPF" run --repeat 0 "$CONF/add.data"
expect_fail "run --repeat x" "positive count" "$PBPF" run --repeat=x "$CONF/add.data"
expect_fail "run --mem without value" "needs a value" "$PBPF" run "$CONF/add.data" --mem
expect_fail "run --mem bad hex" "^pbpf: run: --mem" "$PBPF" run "$CONF/add.data" --mem "zz"
expect_fail "disasm --style bogus" "unknown style" "$PBPF" disasm --style bogus "$CONF/add.data"
expect_fail "conformance --engine bogus" "unknown engine" "$PBPF" conformance --engine bogus "$CONF"
expect_fail "plugin with an unknown option" "^pbpf-plugin: unknown option '--bogus'" \
    "$PLUGIN" --bogus
expect_fail "plugin --elf" "ELF" "$PLUGIN" --elf

# --- bad files ---------------------------------------------------------------
for c in asm disasm run; do
    expect_fail "$c of a missing file" "cannot read '$T/missing.bin'" "$PBPF" $c "$T/missing.bin"
done
expect_fail "conformance of a missing file" "cannot open '$T/missing'" \
    "$PBPF" conformance "$T/missing"
: >"$T/empty.bin"
expect_fail "run of an empty file" "empty file" "$PBPF" run "$T/empty.bin"
printf '\225\000\000\000\000\000\000\000\000\000\000' >"$T/short.bin"
expect_fail "run of 11 bytes of bytecode" "11 bytes is not a whole number" "$PBPF" run "$T/short.bin"
printf 'mov %%r0, 1\nfrobnicate %%r0\nexit\n' >"$T/bad.s"
expect_fail "run of bad assembly" "^pbpf: run: $T/bad.s: .*frobnicate" "$PBPF" run "$T/bad.s"
# ldxdw r0, [r1+0] with no memory: checked mode catches the read of address 0
printf 'ldxdw %%r0, [%%r1]\nexit\n' >"$T/nullread.s"
expect_fail "run faulting in checked mode" "^pbpf: run: insn 0: .*read.* 8 bytes" \
    "$PBPF" run "$T/nullread.s"
# unused field set (RFC 9669: add with K source must have src = 0)
printf '\007\020\000\000\001\000\000\000\225\000\000\000\000\000\000\000' >"$T/badsrc.bin"
expect_fail "run of invalid bytecode" "badsrc.bin: cannot load.*insn 0: .*src must be 0" \
    "$PBPF" run "$T/badsrc.bin"
# an infinite loop runs out of budget in checked mode
printf 'ja -1\nexit\n' >"$T/loop.s"
expect_fail "run of an endless loop" "^pbpf: run: insn 0: " "$PBPF" run "$T/loop.s"
checks=$((checks + 1))
printf 'zz\n' | "$PLUGIN" >"$T/out" 2>"$T/err"
check_fail "plugin with bad hex on stdin" "^pbpf-plugin: program: " $?
checks=$((checks + 1))
printf '95 00 00 00 00 00 00\n' | "$PLUGIN" >"$T/out" 2>"$T/err"
check_fail "plugin with 7 bytes" "7 bytes is not a whole number" $?
checks=$((checks + 1))
"$PLUGIN" <"$T/empty.bin" >"$T/out" 2>"$T/err"
check_fail "plugin with no program" "no instructions" $?

# --- running -------------------------------------------------------------------
# 1229 primes below 10000 (0x2710)
expect_ok "run primes.s" "^0x4cd$" "$PBPF" run "$EX/primes.s" --mem "10 27 00 00"
# verified mode runs the verifier first: primes.s loops as often as its
# input says, which no verifier can bound, so it is refused (as Linux would)
"$PBPF" run "$EX/primes.s" --mem "10 27 00 00" --mode verified >"$T/out" 2>"$T/err"
check_fail "run primes.s verified" "cannot load on interp/verified" $?
expect_ok "run --stats counts" "^instructions: [1-9][0-9]*$" \
    "$PBPF" run "$EX/primes.s" --mem "10 27 00 00" --stats --repeat 3
grep -q "^time: .* ns/run (3 runs" "$T/out" || bad "run --stats: no time line: $(cat "$T/out")"
expect_ok "run --json" '^{"r0": "0x4cd", "instructions": [0-9]*, "ns_per_run": [0-9.]*, "runs": 1}$' \
    "$PBPF" run "$EX/primes.s" --mem "10 27 00 00" --stats --json
# fnv1a.s has a bounded loop: the verifier accepts it.  The hash of bytes
# 0..15, computed here by python3 from FNV-1a's definition:
M16="00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
fnv=$(python3 -c '
h = 0x811c9dc5
for b in range(16):
    h = ((h ^ b) * 0x01000193) & 0xffffffff
print(hex(h))')
expect_ok "run fnv1a.s checked" "^$fnv$" "$PBPF" run "$EX/fnv1a.s" --mem "$M16" --stats
checked=$(grep '^instructions' "$T/out")
expect_ok "run fnv1a.s verified" "^$fnv$" "$PBPF" run "$EX/fnv1a.s" --mem "$M16" --mode verified
# the same number of instructions in both modes
"$PBPF" run "$EX/fnv1a.s" --mem "$M16" --stats --mode verified >"$T/out2"
[ "$checked" = "$(grep '^instructions' "$T/out2")" ] ||
    bad "instruction counts differ: $checked / $(grep '^instructions' "$T/out2")"
# the verifier proves the reads against the memory given: 3 bytes are too few
"$PBPF" run "$EX/fnv1a.s" --mem "00 01 02" --mode verified >"$T/out" 2>"$T/err"
check_fail "fnv1a.s verified on 3 bytes" "invalid access to memory, mem_size=3 off=3 size=1" $?
# a .data file brings its memory; --mem overrides it
expect_ok "run a .data file with memory" "^0x11$" "$PBPF" run "$CONF/ldxb.data"
expect_ok "run --mem overrides -- mem" "^0x0$" "$PBPF" run "$CONF/ldxb.data" --mem "00 00 00 00 00"
# the JIT: the same r0 as the interpreter, or a clear refusal
checks=$((checks + 1))
if "$PBPF" run "$EX/fnv1a.s" --mem "$M16" --engine jit --stats >"$T/out" 2>"$T/err"; then
    grep -qx "$fnv" "$T/out" || bad "jit: wrong r0: $(cat "$T/out")"
    [ "$checked" = "$(grep '^instructions' "$T/out")" ] ||
        bad "jit --stats: instruction count differs: $(grep '^instructions' "$T/out")"
else
    grep -q "^pbpf: run: .*cannot load on jit" "$T/err" || bad "jit refusal unclear: $(cat "$T/err")"
fi
# the plugin: memory first, then options
checks=$((checks + 1))
out=$(printf '61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n' |
    "$PLUGIN" "78 56 34 12" --mode verified) || bad "plugin run failed"
[ "$out" = "12345678" ] || bad "plugin: expected 12345678, got '$out'"

# --- conformance output -----------------------------------------------------------
cat >"$T/wrong.data" <<'DATA'
-- asm
mov %r0, 1
exit
-- result
0x2
DATA
cat >"$T/right.data" <<'DATA'
-- asm
mov %r0, 2
exit
-- result
0x2
DATA
checks=$((checks + 1))
"$PBPF" conformance "$T/right.data" "$T/wrong.data" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] || bad "conformance with a failing test: exit $rc"
grep -qx "PASS right" "$T/out" || bad "conformance: no 'PASS right': $(cat "$T/out")"
grep -qx "FAIL wrong: r0 = 0x1, expected 0x2" "$T/out" || bad "conformance: FAIL line: $(cat "$T/out")"
[ "$(tail -1 "$T/out")" = "1 passed, 1 failed" ] || bad "conformance summary: $(tail -1 "$T/out")"
expect_ok "conformance --kernel-verdicts" \
    "^PASS lsh32-imm-high (linux: REJECT invalid shift 60 \[Invalid argument\])$" \
    "$PBPF" conformance --kernel-verdicts "$CONF/kernel-6.18.tsv" "$CONF/lsh32-imm-high.data" \
    "$CONF/add.data"
grep -qx "PASS add" "$T/out" || bad "--kernel-verdicts annotates a test Linux passes"
expect_ok "conformance --verbose shows the rejection" "^PASS unused-neg-src (rejected: load: insn 0: " \
    "$PBPF" conformance --verbose "$CONF/negative/unused-neg-src.data"
expect_ok "conformance --json" '"passed": 313, "failed": 0}' "$PBPF" conformance --json "$CONF"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["tests"]) == 313 and all(t["result"] == "pass" for t in d["tests"])' \
        "$T/out" || bad "conformance --json is not the expected JSON"
fi
expect_ok "disasm --json" '"bytes": "b7 00 00 00 02 00 00 00", "text": ' \
    "$PBPF" disasm --json "$T/right.data"

# --- asm / disasm round trips -----------------------------------------------------
# bytes from `asm FILE.data` == bytes from `asm` of its conformance-style
# disassembly, for a sample covering every instruction format (lddw, local
# and register calls, gotol, atomics, movsx, sign-extending loads, endian
# ops, JMP32, signed division); the assembler's own tests cover the rest.
n=0
for name in lddw call_local callx ja32 lock_cmpxchg lock_fetch_xor32 lock_xchg rfc9669_movsx \
    rfc9669_ldxsh bswap64 le16 be32 jsle32-imm jsle32-reg sdiv64-reg smod64-neg-by-neg-imm stxb-all prime subnet; do
    f=$CONF/$name.data
    n=$((n + 1))
    [ -f "$f" ] || { bad "round trip: no $f"; continue; }
    if ! "$PBPF" asm "$f" -o "$T/a.bin" 2>"$T/err"; then
        bad "asm $name: $(cat "$T/err")"
        continue
    fi
    if ! "$PBPF" disasm --style conformance "$T/a.bin" >"$T/a.s" 2>"$T/err"; then
        bad "disasm $name: $(cat "$T/err")"
        continue
    fi
    if ! "$PBPF" asm "$T/a.s" -o "$T/b.bin" 2>"$T/err"; then
        bad "asm of the disassembly of $name: $(cat "$T/err")"
        continue
    fi
    cmp -s "$T/a.bin" "$T/b.bin" || bad "round trip of $name changes the bytes"
    # the llvm-style listing numbers every instruction slot that starts one
    "$PBPF" disasm "$T/a.bin" >"$T/a.txt" 2>"$T/err" || bad "disasm --style llvm $name: $(cat "$T/err")"
    grep -q "^    0: " "$T/a.txt" || bad "disasm $name: no numbered first line: $(head -1 "$T/a.txt")"
    grep -q "<invalid" "$T/a.txt" && bad "disasm $name: invalid instruction in a valid program"
done
checks=$((checks + n))
# default output name: FILE.s -> FILE.bin
cp "$EX/primes.s" "$T/primes.s"
checks=$((checks + 1))
"$PBPF" asm "$T/primes.s" >"$T/out" 2>"$T/err" || bad "asm default output: $(cat "$T/err")"
[ -s "$T/primes.bin" ] || bad "asm did not write primes.bin"
expect_ok "run the assembled file" "^0x4cd$" "$PBPF" run "$T/primes.bin" --mem "10 27 00 00"

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
