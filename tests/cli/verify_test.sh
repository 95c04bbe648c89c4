#!/bin/sh
# Behaviour of `pbpf verify`: help, usage errors (exit 1, one line on
# stderr), verdicts and exit status on the verifier test programs, the
# explanation of a rejection (reason, instruction, source line) and the JSON
# form.  Expected verdicts and reasons come from tests/verifier/cases.tsv
# (Linux's).
#   verify_test.sh PBPF VPROGS_DIR WORK_DIR
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 PBPF VPROGS_DIR WORK_DIR" >&2
    exit 2
fi
PBPF=$1 V=$2 T=$3
rm -rf "$T" && mkdir -p "$T" || exit 1
failures=0 checks=0
bad() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
# run DESC WANT_RC CMD...: exit status WANT_RC; output in $T/out, $T/err
run() {
    desc=$1 want=$2
    shift 2
    checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    [ "$rc" -eq "$want" ] || bad "$desc: exit $rc, want $want: $(head -3 "$T/err")"
}
has() { grep -q -- "$2" "$T/$1" || bad "$3: $1 lacks '$2': $(head -5 "$T/$1")"; }
one_err() { [ "$(wc -l <"$T/err")" -eq 1 ] || bad "$1: want one line on stderr: $(cat "$T/err")"; }
empty_out() { [ ! -s "$T/out" ] || bad "$1: unexpected output: $(head -3 "$T/out")"; }

run "verify --help" 0 "$PBPF" verify --help
has out "Usage: pbpf verify FILE" "verify --help"
run "help verify" 0 "$PBPF" help verify
has out "--log-level" "help verify"
run "pbpf --help lists verify" 0 "$PBPF" --help
has out "verify" "pbpf --help"

for args in "" "--log-level 3 $V/v_regs.bpf.o" "--type no_such_type $V/v_regs.bpf.o" \
    "--prog no_such_prog $V/v_regs.bpf.o" "$T/missing.o" "--bogus $V/v_regs.bpf.o" \
    "--prog"; do
    # shellcheck disable=SC2086
    run "verify $args" 1 "$PBPF" verify $args
    one_err "verify $args"
    empty_out "verify $args"
done
printf 'not an object' >"$T/junk.txt"
run "verify of text that is no program" 1 "$PBPF" verify "$T/junk.txt"
one_err "junk"
printf '\177ELF\002\001\001' >"$T/trunc.o"
run "verify of a truncated ELF file" 1 "$PBPF" verify "$T/trunc.o"
one_err "truncated ELF"

# accepted (Linux: accept): exit 0, one line naming the program
run "accepted program" 0 "$PBPF" verify --prog reg_r0_init_ok "$V/v_regs.bpf.o"
has out "reg_r0_init_ok (section socket, type socket_filter): accepted: [0-9]* insns processed" \
    "accepted program"
[ "$(wc -l <"$T/out")" -eq 1 ] || bad "accepted program: more than one line"

# rejected (Linux: "R2 !read_ok" at the first instruction, r0 = r2)
run "rejected program" 1 "$PBPF" verify --prog reg_read_r2_uninit "$V/v_regs.bpf.o"
has out "reg_read_r2_uninit .*: rejected (EACCES)" "rejected program"
has out "reason: .*R2 !read_ok" "rejected program"
has out "insn 0: r0 = r2" "rejected program"
has out "source: .*v_regs.bpf.c:[0-9]*: .*reg_read_r2_uninit" "rejected program"

# the instruction comes from the verifier (stats.err_insn), not from its
# log: at log level 0 the log names no instruction
run "rejected program, log level 0" 1 "$PBPF" verify --log-level 0 --prog reg_read_r2_uninit \
    "$V/v_regs.bpf.o"
has out "insn 0: r0 = r2" "rejected program, log level 0"
# a control-flow rejection names its instruction too (type 0: assembly)
printf 'r0 = 0\nexit\nr0 = 1\nexit\n' >"$T/unreach.s"
run "unreachable insn" 1 "$PBPF" verify "$T/unreach.s"
has out "reason: unreachable insn 2" "unreachable insn"
has out "insn 2: r0 = 0x1" "unreachable insn"

# the whole object: one line (at least) per program, non-zero exit
run "whole object" 1 "$PBPF" verify "$V/v_regs.bpf.o"
n=$(grep -c "^reg_.*: \(accepted\|rejected\)" "$T/out")
[ "$n" -ge 9 ] || bad "whole object: $n verdict lines"

# --type: the same program verified as another type
run "--type xdp" 0 "$PBPF" verify --type xdp --prog reg_r0_init_ok "$V/v_regs.bpf.o"
has out "type xdp" "--type xdp"

# JSON: an array with the fields, valid where python3 can tell
run "json" 1 "$PBPF" verify --json --prog reg_read_r2_uninit "$V/v_regs.bpf.o"
for f in '"program": "reg_read_r2_uninit"' '"verdict": "reject"' '"processed_insns": ' \
    '"peak_states": ' '"time_ns": ' '"insn": 0' '"source": {'; do
    has out "$f" "json"
done
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["verdict"]=="reject"' \
        "$T/out" || bad "json: not valid JSON: $(head -c 300 "$T/out")"
    run "json whole object" 1 "$PBPF" verify --json "$V/v_regs.bpf.o"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)>=9' "$T/out" ||
        bad "json whole object: not a JSON array of every program"
fi

# --log-level 2 prints the verifier's log of an accepted program too
run "log level 2" 0 "$PBPF" verify --log-level 2 --prog reg_r0_init_ok "$V/v_regs.bpf.o"
has out "accepted" "log level 2"

echo "verify_test: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
