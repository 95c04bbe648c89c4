/* The verifier's core rules on small assembled programs: every case checks
 * the verdict and the message (Linux's words, as its verifier logs them). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

static int fails, runs;
static struct pbpf_map *maps[4];

struct vcase {
    const char *name;
    uint32_t prog_type; /* 0: r1 = 64 bytes of memory */
    int caps;
    int want_rc;
    const char *want_msg; /* substring of the log's last line */
    const char *text;
    int64_t want_insn_1; /* 1 + the instruction a rejection names; 0: any */
};

static void run(const struct vcase *c)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256], log[8192];
    runs++;
    if (pbpf_asm(c->text, &p, &n, err, sizeof err)) {
        printf("FAIL %s: asm: %s\n", c->name, err);
        fails++;
        return;
    }
    PBPF_OPTS(pbpf_verifier_opts, o, .prog_type = c->prog_type, .mem_size = 64, .maps = maps,
              .map_cnt = 4, .log_buf = log, .log_size = sizeof log, .caps = c->caps, .gpl = 1);
    struct pbpf_verifier_stats st;
    int rc = pbpf_verify(p, n, &o, &st);
    const char *last = log;
    for (const char *q = log; *q; q++)
        if (q[0] == '\n' && q[1])
            last = q + 1;
    if (rc != c->want_rc || (c->want_msg && !strstr(last, c->want_msg))) {
        printf("FAIL %s: rc %d (want %d), log:\n%s\n", c->name, rc, c->want_rc, log);
        fails++;
    }
    /* stats.err_insn: -1 when accepted, else an instruction of the
     * program (the one the case names, when it names one) */
    bool insn_ok = rc ? st.err_insn >= 0 && (uint64_t)st.err_insn < n : st.err_insn == -1;
    if (!insn_ok || (rc && c->want_insn_1 && st.err_insn != c->want_insn_1 - 1)) {
        printf("FAIL %s: err_insn %lld (want %lld), log:\n%s\n", c->name,
               (long long)st.err_insn, rc ? (long long)c->want_insn_1 - 1 : -1LL, log);
        fails++;
    }
    free(p);
}

#define ACC(name, text) {name, 0, 0, 0, NULL, text, 0}
#define REJ(name, msg, text) {name, 0, 0, -EACCES, msg, text, 0}
#define REJ_INVAL(name, msg, text) {name, 0, 0, -EINVAL, msg, text, 0}
/* the rejection names instruction insn (stats.err_insn) */
#define REJ_AT(name, msg, insn, text) {name, 0, 0, -EACCES, msg, text, (insn) + 1}
#define REJ_INVAL_AT(name, msg, insn, text) {name, 0, 0, -EINVAL, msg, text, (insn) + 1}

static const struct vcase cases[] = {
    /* control flow */
    ACC("straight line", "r0 = 1\nr0 += 2\nexit\n"),
    REJ_INVAL_AT("unreachable insn", "unreachable insn 2", 2, "r0 = 0\nexit\nr0 = 1\nexit\n"),
    REJ_INVAL_AT("jump out of range", "jump out of range from insn 1 to 5", 1,
                 "r0 = 0\nif r0 > 1 goto +3\nexit\n"),
    REJ_INVAL_AT("last insn", "last insn is not an exit or jmp", 2, "r0 = 0\nexit\nr0 = 1\n"),
    REJ_INVAL_AT("lddw without its second half", "invalid bpf_ld_imm64 insn", 1,
                 "r0 = 0\n.insn 0x18\nexit\n"),
    ACC("bounded loop", "r0 = 0\nr1 = 0\nl: r1 += 1\nr0 += r1\nif r1 < 100 goto l\nexit\n"),
    REJ_INVAL_AT("infinite loop", "infinite loop detected at insn 1", 1,
                 "r0 = 0\nl: r1 = 0\nif r0 == 0 goto l\nexit\n"),
    {"unbounded loop", 0, 0, -E2BIG, "BPF program is too large. Processed 1000001 insn",
     "r0 = 0\nr1 = *(u64 *)(r1 + 0)\nl: r0 += 1\nif r0 != r1 goto l\nexit\n", 0},
    /* bpf_loop callbacks: each call starts from the state the last one
     * left; a counter in the context that starts as a constant must not
     * make the calls unroll until the budget (Linux widens it) */
    ACC("callback counter converges",
        "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 100\nr2 = func(7) ll\nr3 = r10\nr3 += -8\n"
        "r4 = 0\ncall 181\nr0 = 0\nexit\n"
        "r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit\n"),
    /* a callback that calls bpf_loop itself */
    ACC("nested callbacks converge",
        "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 10\nr2 = func(7) ll\nr3 = r10\nr3 += -8\n"
        "r4 = 0\ncall 181\nr0 = 0\nexit\n"
        /* outer (insn 11): r1 = i, r2 = &sum */
        "r6 = r2\nr1 = 3\n*(u64 *)(r10 - 8) = r1\nr2 = func(9) ll\nr3 = r10\nr3 += -8\n"
        "r4 = 0\ncall 181\nr1 = *(u64 *)(r10 - 8)\n*(u64 *)(r6 + 0) = r1\nr0 = 0\nexit\n"
        /* inner (insn 24): *data += 1 */
        "r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit\n"),
    /* the counter is still known on the first call: a bound on it there
     * is not lost, and after widening the check still guards the access */
    ACC("callback index checked each call",
        "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr1 = 100\nr2 = func(7) ll\nr3 = r10\nr3 += -8\n"
        "r4 = 0\ncall 181\nr0 = 0\nexit\n"
        "r1 = *(u64 *)(r2 + 0)\nif r1 > 7 goto +4\nr1 += 1\n*(u64 *)(r2 + 0) = r1\n"
        "r0 = 0\nexit\nr0 = 1\nexit\n"),
    /* a loop whose state repeats must not be pruned against its own head
     * (found by fuzz_verifier) */
    REJ_INVAL("repeating loop state", "infinite loop detected",
              "r1 -= 2\nr0 = -4\nr0 = 2\nw1 -= 0\nif r1 s> -5 goto -3\nw0 <<= 0\nexit\n"),
    /* registers */
    REJ_AT("uninit r0", "R0 !read_ok", 0, "exit\n"),
    REJ_AT("uninit src", "R3 !read_ok", 0, "r0 = r3\nexit\n"),
    REJ_AT("one branch init", "R6 !read_ok", 4,
        "r0 = 0\nr1 = *(u64 *)(r1 + 0)\nif r1 > 3 goto +1\nr6 = 1\nr0 = r6\nexit\n"),
    ACC("both branches init",
        "r0 = 0\nr1 = *(u64 *)(r1 + 0)\nif r1 > 3 goto +2\nr6 = 1\ngoto +1\nr6 = 2\nr0 = r6\nexit\n"),
    REJ("write r10", "frame pointer is read only", "r10 = 0\nr0 = 0\nexit\n"),
    REJ("caller-saved after call", "R1 !read_ok", "call 5\nr0 = r1\nexit\n"),
    /* atomics need natural alignment (found by fuzz_verifier: a misaligned
     * atomic_fetch_or that the checked interpreter refuses) */
    REJ("misaligned atomic", "misaligned access off 0+0+10 size 4",
        "r2 = 1\nw2 = atomic_fetch_or((u32 *)(r1 + 0xa), w2)\nr0 = 0\nexit\n"),
    REJ("misaligned atomic 8", "misaligned access off 0+0+4 size 8",
        "r2 = 1\nlock *(u64 *)(r1 + 4) += r2\nr0 = 0\nexit\n"),
    ACC("aligned atomic", "r2 = 1\nlock *(u64 *)(r1 + 8) += r2\nw2 = atomic_fetch_or((u32 *)(r1 + 4), w2)\nr0 = 0\nexit\n"),
    /* ALU rules */
    REJ_INVAL("shift imm out of range", "invalid shift 64", "r0 = 1\nr0 <<= 64\nexit\n"),
    REJ_INVAL("shift32 imm out of range", "invalid shift 32", "w0 = 1\nw0 >>= 32\nexit\n"),
    REJ_INVAL("div by zero imm", "div by zero", "r0 = 1\nr0 /= 0\nexit\n"),
    ACC("div by reg may be zero", "r0 = 1\nr2 = *(u64 *)(r1 + 0)\nr0 /= r2\nexit\n"),
    ACC("shift by reg", "r0 = 1\nr2 = *(u64 *)(r1 + 0)\nr0 <<= r2\nexit\n"),
    /* bounds from branches make the access safe (64-byte memory) */
    ACC("bounded index",
        "r2 = *(u64 *)(r1 + 0)\nif r2 > 56 goto +3\nr1 += r2\nr0 = *(u64 *)(r1 + 0)\nexit\n"
        "r0 = 0\nexit\n"),
    REJ_AT("index one too far", "invalid access to memory, mem_size=64 off=57 size=8", 3,
        "r2 = *(u64 *)(r1 + 0)\nif r2 > 57 goto +3\nr1 += r2\nr0 = *(u64 *)(r1 + 0)\nexit\n"
        "r0 = 0\nexit\n"),
    ACC("and mask bounds",
        "r2 = *(u64 *)(r1 + 0)\nr2 &= 31\nr1 += r2\nr0 = *(u32 *)(r1 + 0)\nexit\n"),
    REJ("signed check missing",
        "math between mem pointer and register with unbounded min value is not allowed",
        "r2 = *(u64 *)(r1 + 0)\nif r2 s> 56 goto +3\nr1 += r2\nr0 = *(u64 *)(r1 + 0)\nexit\n"
        "r0 = 0\nexit\n"),
    ACC("jmp32 bounds",
        "r2 = *(u32 *)(r1 + 0)\nif w2 > 7 goto +3\nr1 += r2\nr0 = *(u8 *)(r1 + 0)\nexit\n"
        "r0 = 0\nexit\n"),
    ACC("jset clears bits",
        "r2 = *(u64 *)(r1 + 0)\nr2 &= 63\nif r2 & 32 goto +3\nr1 += r2\nr0 = *(u64 *)(r1 + 24)\nexit\n"
        "r0 = 0\nexit\n"),
    ACC("dead branch not explored",
        "r0 = 0\nr2 = 5\nif r2 > 10 goto +1\nexit\nr0 = *(u64 *)(r2 + 0)\nexit\n"),
    REJ("scalar deref", "R2 invalid mem access 'scalar'",
        "r2 = 5\nr0 = *(u64 *)(r2 + 0)\nexit\n"),
    /* linked scalars (Linux's find_equal_scalars): a 64-bit copy of an
     * unknown scalar shares its id, and a branch's bound on one applies to
     * the other */
    ACC("bound through a copy",
        "r2 = *(u64 *)(r1 + 0)\nr3 = r2\nif r2 > 56 goto +3\nr1 += r3\nr0 = *(u64 *)(r1 + 0)\n"
        "exit\nr0 = 0\nexit\n"),
    ACC("bound through a spilled copy",
        "r2 = *(u64 *)(r1 + 0)\nr3 = r2\n*(u64 *)(r10 - 8) = r3\nif r2 > 56 goto +4\n"
        "r3 = *(u64 *)(r10 - 8)\nr1 += r3\nr0 = *(u64 *)(r1 + 0)\nexit\nr0 = 0\nexit\n"),
    REJ("copy changed after the copy",
        "math between mem pointer and register with unbounded min value is not allowed",
        "r2 = *(u64 *)(r1 + 0)\nr3 = r2\nr3 += 1\nif r2 > 55 goto +3\nr1 += r3\n"
        "r0 = *(u64 *)(r1 + 0)\nexit\nr0 = 0\nexit\n"),
    REJ("32-bit copy is not linked", "R1 unbounded memory access",
        "r2 = *(u64 *)(r1 + 0)\nw3 = w2\nif r2 > 56 goto +3\nr1 += r3\nr0 = *(u64 *)(r1 + 0)\n"
        "exit\nr0 = 0\nexit\n"),
    /* pruning: the state stored at insn 9 (r3 linked to r2) must not
     * subsume the path where r3 is another unknown value (accepted before
     * the id check in regsafe) */
    REJ("linked state does not prune an unlinked one",
        "math between mem pointer and register with unbounded min value is not allowed",
        "r2 = *(u64 *)(r1 + 0)\nr4 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r1 + 16)\n"
        "if r4 == 0 goto +1\nr3 = r2\nr5 = 0\nr5 += 1\nr5 += 1\nif r5 == 5 goto +0\n"
        "if r5 == 6 goto +0\nr0 = 0\nif r2 > 56 goto +3\nr1 += r3\nr0 = *(u64 *)(r1 + 0)\n"
        "exit\nr0 = 0\nexit\n"),
    /* stack */
    ACC("stack spill fill", "r0 = 7\n*(u64 *)(r10 - 8) = r0\nr0 = *(u64 *)(r10 - 8)\nexit\n"),
    REJ("stack out of range", "invalid write to stack R10 off=-520 size=8",
        "r0 = 0\n*(u64 *)(r10 - 520) = r0\nexit\n"),
    REJ("stack above fp", "invalid write to stack R10 off=0 size=8",
        "r0 = 0\n*(u64 *)(r10 + 0) = r0\nexit\n"),
    REJ("stack misaligned", "misaligned stack access off 0+0+-12 size 8",
        "r0 = 0\n*(u64 *)(r10 - 12) = r0\nexit\n"),
    /* a variable stack offset is checked for alignment as a tnum, before
     * its bounds (Linux's check_generic_ptr_alignment: the kernel gives
     * these words for the PREVAIL case "numeric store through imprecise
     * pointer preserves num_bytes") */
    REJ("stack var-offset store misaligned", "misaligned stack access off (0x0; 0x7)+-8+0 size 4",
        "r9 = *(u64 *)(r1 + 0)\nr9 &= 7\nr5 = r10\nr5 += -8\nr5 += r9\nr3 = 0\n"
        "*(u32 *)(r5 + 0) = r3\nr0 = 0\nexit\n"),
    REJ("stack var-offset read misaligned", "misaligned stack access off (0x0; 0x6)+-16+0 size 8",
        "r9 = *(u64 *)(r1 + 0)\nr9 &= 6\nr5 = r10\nr5 += -16\nr5 += r9\nr3 = 0\n"
        "*(u64 *)(r10 - 8) = r3\n*(u64 *)(r10 - 16) = r3\nr0 = *(u64 *)(r5 + 0)\nexit\n"),
    ACC("stack var-offset store aligned",
        "r9 = *(u64 *)(r1 + 0)\nr9 &= 4\nr5 = r10\nr5 += -8\nr5 += r9\nr3 = 0\n"
        "*(u32 *)(r5 + 0) = r3\nr0 = 0\nexit\n"),
    {"stack uninit read (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EACCES,
     "invalid read from stack R10 off=-8 size=8", "r0 = *(u64 *)(r10 - 8)\nexit\n", 0},
    ACC("stack uninit read (root)", "r0 = *(u64 *)(r10 - 8)\nexit\n"),
    REJ("register fill size", "invalid size of register fill",
        "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit\n"),
    ACC("spilled pointer keeps its type",
        "*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u64 *)(r2 + 0)\nexit\n"),
    /* pointers */
    REJ("pointer bitwise", "R1 bitwise operator &= on pointer prohibited", "r1 &= 7\nr0 = 0\nexit\n"),
    REJ("pointer mul", "R1 pointer arithmetic with *= operator prohibited",
        "r1 *= 2\nr0 = 0\nexit\n"),
    REJ("pointer 32-bit", "R1 32-bit pointer arithmetic prohibited", "w1 += 2\nr0 = 0\nexit\n"),
    REJ("pointer plus pointer", "R1 pointer += pointer prohibited", "r1 += r10\nr0 = 0\nexit\n"),
    {"pointer leak (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EACCES, "R0 leaks addr as return value",
     "r0 = r10\nexit\n", 0},
    /* maps: map 0 is a hash map, key 4 bytes, value 8 bytes */
    ACC("map lookup null checked",
        "r1 = map_fd(0) ll\nr2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\ncall 1\n"
        "if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    REJ("map value unchecked", "R0 invalid mem access 'map_value_or_null'",
        "r1 = map_fd(0) ll\nr2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\ncall 1\n"
        "r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    REJ("map value past end", "invalid access to map value, value_size=8 off=8 size=4",
        "r1 = map_fd(0) ll\nr2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\ncall 1\n"
        "if r0 == 0 goto +1\nr0 = *(u32 *)(r0 + 8)\nr0 = 0\nexit\n"),
    {"map key uninit (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EACCES, "invalid read from stack",
     "r1 = map_fd(0) ll\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit\n", 0},
    /* without CAP_PERFMON: a spill narrower than 8 bytes leaves the slot's
     * other bytes uninitialised (mark_stack_slot_misc), and a helper
     * writing a variable number of bytes needs them all initialised
     * (check_mem_size_reg turns raw mode off) */
    {"partly initialised slot (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EACCES,
     "invalid read from stack off -8+4 size 8",
     "r1 = 1\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n", 3},
    {"partly initialised slot (root)", 0, 0, 0, NULL,
     "r1 = 1\n*(u32 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit\n", 0},
    {"helper fills variable size of uninit stack (CAP_BPF)", 1, PBPF_VERIFIER_CAP_BPF, -EACCES,
     "invalid read from stack R3 off",
     "r6 = r1\ncall 7\nr4 = r0\nr4 &= 15\nr4 += 1\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -16\n"
     "call 26\nr0 = 0\nexit\n", 10},
    {"helper fills variable size of init stack (CAP_BPF)", 1, PBPF_VERIFIER_CAP_BPF, 0, NULL,
     "*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr6 = r1\ncall 7\nr4 = r0\nr4 &= 15\n"
     "r4 += 1\nr1 = r6\nr2 = 0\nr3 = r10\nr3 += -16\ncall 26\nr0 = *(u64 *)(r10 - 8)\n"
     "exit\n", 0},
    {"helper fills constant size of uninit stack (CAP_BPF)", 1, PBPF_VERIFIER_CAP_BPF, 0, NULL,
     "r2 = 0\nr3 = r10\nr3 += -16\nr4 = 16\ncall 26\nr0 = *(u64 *)(r10 - 8)\nexit\n", 0},
    /* without CAP_PERFMON a pointer moved by a register is masked to the
     * distance it moves, which every path through the insn must share
     * (sanitize_ptr_alu: alu_state and alu_limit) */
    {"sanitize: one insn, two distances (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EACCES,
     "R2 tried to add from different maps, paths or scalars, pointer arithmetic with it "
     "prohibited for !root",
     "r1 = 0\nr2 = r10\nr2 += -64\nr2 += r1\nr3 = 0\n*(u8 *)(r2 + 0) = r3\nr1 += 1\n"
     "if r1 < 4 goto -7\nr0 = 0\nexit\n", 4},
    {"sanitize: one insn, two distances (root)", 0, 0, 0, NULL,
     "r1 = 0\nr2 = r10\nr2 += -64\nr2 += r1\nr3 = 0\n*(u8 *)(r2 + 0) = r3\nr1 += 1\n"
     "if r1 < 4 goto -7\nr0 = 0\nexit\n", 0},
    {"sanitize: one insn, one distance (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, 0, NULL,
     "r1 = 8\nr2 = r10\nr2 += -64\nr2 += r1\nr3 = 0\n*(u8 *)(r2 + 0) = r3\nr0 = 0\nexit\n",
     0},
    /* without CAP_PERFMON the side of a decided branch that only a
     * mispredicting CPU runs is explored too, with the compared registers
     * unknown (sanitize_speculative_path): an unsafe insn there ends the
     * path (a speculation barrier, Linux 6.17+), an endless loop there is
     * still refused */
    {"speculative path ends at an unsafe load (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, 0, NULL,
     "r1 = 0\nif r1 == 0 goto +1\nr0 = *(u64 *)(r1 + 0)\nr0 = 0\nexit\n", 0},
    {"speculative path loops (CAP_BPF)", 0, PBPF_VERIFIER_CAP_BPF, -EINVAL,
     "infinite loop detected at insn 2", "r1 = 0\nif r1 == 0 goto +1\nja -1\nr0 = 0\nexit\n", 3},
    {"speculative path loops (root)", 0, 0, 0, NULL,
     "r1 = 0\nif r1 == 0 goto +1\nja -1\nr0 = 0\nexit\n", 0},
    /* a subprogram may return nothing; only reading its r0 is an error */
    ACC("void subprogram", "call pc+2\nr0 = 0\nexit\nr1 = 1\nexit\n"),
    REJ("void subprogram's r0 read", "R0 !read_ok", "call pc+1\nexit\nr1 = 1\nexit\n"),
    REJ("callback without r0", "R0 not a scalar value",
        "r1 = 4\nr2 = func(6) ll\nr3 = 0\nr4 = 0\ncall 181\nr0 = 0\nexit\nr1 = 1\nexit\n"),
    /* map 2 is an array of 4: a lookup with a constant key below 4
     * cannot fail, and Linux (6.13+, get_constant_map_key) needs no check */
    ACC("array lookup, constant key",
        "r1 = map_fd(2) ll\nr2 = 3\n*(u32 *)(r10 - 8) = r2\nr2 = r10\nr2 += -8\ncall 1\n"
        "r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    ACC("array lookup, zero key",
        "r1 = map_fd(2) ll\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\ncall 1\n"
        "r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    REJ("array lookup, key = max_entries", "R0 invalid mem access 'map_value_or_null'",
        "r1 = map_fd(2) ll\nr2 = 4\n*(u32 *)(r10 - 8) = r2\nr2 = r10\nr2 += -8\ncall 1\n"
        "r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    REJ("array lookup, unknown key", "R0 invalid mem access 'map_value_or_null'",
        "r6 = r1\nr1 = map_fd(2) ll\nr2 = *(u32 *)(r6 + 0)\n*(u32 *)(r10 - 8) = r2\nr2 = r10\n"
        "r2 += -8\ncall 1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit\n"),
    REJ("map arg not a map", "R1 type=scalar expected=map_ptr",
        "r1 = 0\nr2 = r10\nr2 += -4\ncall 1\nr0 = 0\nexit\n"),
    REJ_INVAL("unknown helper", "invalid func unknown#100000", "call 100000\nr0 = 0\nexit\n"),
    /* ring buffer (map 1): reserve must be submitted or discarded */
    ACC("ringbuf submit",
        "r1 = map_fd(1) ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +4\nr1 = r0\nr2 = 0\n"
        "call 132\nr0 = 0\nexit\n"),
    REJ_INVAL_AT("ringbuf leak", "Unreleased reference", 6,
                 "r1 = map_fd(1) ll\nr2 = 8\nr3 = 0\ncall 131\nr0 = 0\nexit\n"),
    REJ("ringbuf record past size", "invalid access to memory, mem_size=8 off=8 size=8",
        "r1 = map_fd(1) ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +5\nr1 = 0\n"
        "*(u64 *)(r0 + 8) = r1\nr1 = r0\nr2 = 0\ncall 132\nr0 = 0\nexit\n"),
    /* bpf-to-bpf calls */
    ACC("subprog call", "r1 = 1\ncall pc+2\nr0 += 1\nexit\nr0 = r1\nexit\n"),
    REJ_INVAL("subprog returns stack pointer", "cannot return stack pointer to the caller",
              "call pc+2\nr0 = 0\nexit\nr0 = r10\nexit\n"),
    /* the context (TC, struct __sk_buff) at a fixed offset: only offset 0
     * may be dereferenced (__check_ptr_off_reg) */
    {"ctx moved and back", 3, 0, 0, NULL, "r1 += 4\nr1 += -4\nr0 = *(u32 *)(r1 + 0)\nexit\n", 0},
    {"ctx moved by a constant register and back", 3, 0, 0, NULL,
     "r2 = 8\nr1 += r2\nr1 -= r2\nr0 = *(u32 *)(r1 + 0)\nexit\n", 0},
    {"ctx moved", 3, 0, -EACCES, "dereference of modified ctx ptr R1 off=8 disallowed",
     "r1 += 8\nr0 = *(u32 *)(r1 + 0)\nexit\n", 0},
    {"ctx below its start", 3, 0, -EACCES, "negative offset ctx ptr R1 off=-4 disallowed",
     "r1 += -4\nr0 = *(u32 *)(r1 + 4)\nexit\n", 0},
    {"ctx plus a variable", 3, 0, -EACCES, "variable ctx access var_off=(0x0; 0x4) disallowed",
     "r2 = *(u32 *)(r1 + 0)\nr2 &= 4\nr1 += r2\nr0 = *(u32 *)(r1 + 0)\nexit\n", 0},
    /* skb->sk: PTR_TO_SOCK_COMMON_OR_NULL, readable after a null check at
     * bpf_sock_common_is_valid_access's offsets, never writable */
    {"sk family", 3, 0, 0, NULL,
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nexit\n", 0},
    {"sk dst_port byte", 3, 0, 0, NULL,
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u8 *)(r2 + 49)\nexit\n", 0},
    {"sk unchecked", 3, 0, -EACCES, "R2 invalid mem access 'sock_common_or_null'",
     "r2 = *(u64 *)(r1 + 168)\nr0 = *(u32 *)(r2 + 4)\nexit\n", 0},
    {"sk type (not in sock_common)", 3, 0, -EACCES, "R2 invalid sock_common access off=8 size=4",
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 8)\nexit\n", 0},
    {"sk family byte 2", 3, 0, -EACCES, "R2 invalid sock_common access off=6 size=2",
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u16 *)(r2 + 6)\nexit\n", 0},
    {"sk dst_port padding", 3, 0, -EACCES, "R2 invalid sock_common access off=50 size=2",
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u16 *)(r2 + 50)\nexit\n", 0},
    {"sk past its end", 3, 0, -EACCES, "R2 invalid sock_common access off=80 size=4",
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 80)\nexit\n", 0},
    {"sk write", 3, 0, -EACCES, "R2 cannot write into sock_common",
     "r3 = 1\nr2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\n*(u32 *)(r2 + 0) = r3\n"
     "exit\n", 0},
    /* one load through the socket on one path and the stack on another:
     * Linux rewrites socket loads in place (save_aux_ptr_type) */
    {"same insn, sk and stack", 3, 0, -EINVAL, "same insn cannot be used with different pointers",
     "r2 = *(u64 *)(r1 + 168)\n*(u64 *)(r10 - 8) = r2\nif r2 != 0 goto +2\nr2 = r10\n"
     "r2 += -8\nr0 = *(u32 *)(r2 + 4)\nexit\n", 6},
    {"same insn, ctx and stack", 3, 0, -EINVAL, "same insn cannot be used with different pointers",
     "r2 = r1\nr3 = *(u32 *)(r1 + 0)\n*(u64 *)(r10 - 8) = r3\nif r3 != 0 goto +2\nr2 = r10\n"
     "r2 += -8\nr0 = *(u32 *)(r2 + 0)\nexit\n", 7},
};

/* Linux's BPF_COMPLEXITY_LIMIT_INSNS: the verifier's budget of processed
 * instructions */
#define BUDGET 1000000u

/* A loop the budget ends (its exit condition compares with a value read
 * from memory, so no iteration count is ever proven): the verdict is
 * -E2BIG once the budget is used up, with Linux's count (the instruction
 * past the budget is counted, as Linux's "Processed 1000001 insn").  Each
 * iteration has a state of its own, so the explored states must stay few
 * (Linux's checkpoint spacing inside loops and eviction of states that do
 * not prune) for this to take a fraction of a second: before, the loop
 * head kept 64 states and a run took seconds under ASan. */
static void budget_loop(const char *name, const char *text)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256], log[4096];
    runs++;
    if (pbpf_asm(text, &p, &n, err, sizeof err)) {
        printf("FAIL %s: asm: %s\n", name, err);
        fails++;
        return;
    }
    PBPF_OPTS(pbpf_verifier_opts, o, .mem_size = 64, .log_buf = log, .log_size = sizeof log);
    struct pbpf_verifier_stats st;
    int rc = pbpf_verify(p, n, &o, &st);
    const char *m = strstr(log, "BPF program is too large. Processed ");
    unsigned long logged = m ? strtoul(m + 36, NULL, 10) : 0;
    if (rc != -E2BIG || st.processed_insns != BUDGET + 1 || logged != st.processed_insns ||
        st.peak_states >= 64 || st.peak_mem >= (64u << 20)) {
        printf("FAIL %s: rc %d (want %d), processed %llu (want %u, log says %lu), peak states "
               "%u, peak mem %zu, log:\n%s\n",
               name, rc, -E2BIG, (unsigned long long)st.processed_insns, BUDGET + 1, logged,
               st.peak_states, st.peak_mem, log);
        fails++;
    }
    free(p);
}

int main(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt)) {
        printf("FAIL runtime\n");
        return 1;
    }
    PBPF_OPTS(pbpf_map_create_opts, h, .type = PBPF_MAP_TYPE_HASH, .key_size = 4,
              .value_size = 8, .max_entries = 4);
    PBPF_OPTS(pbpf_map_create_opts, rb, .type = PBPF_MAP_TYPE_RINGBUF, .max_entries = 4096);
    PBPF_OPTS(pbpf_map_create_opts, ar, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 8, .max_entries = 4);
    if (pbpf_map_create(rt, &h, &maps[0]) || pbpf_map_create(rt, &rb, &maps[1]) ||
        pbpf_map_create(rt, &ar, &maps[2])) {
        printf("FAIL map create\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(&cases[i]);
    /* 40 bytes: 5 instructions, as the fuzzer generates them */
    budget_loop("budget loop", "r0 = 0\nr1 = *(u64 *)(r1 + 0)\nl: r0 += 1\nif r0 != r1 goto l\n"
                               "exit\n");
    budget_loop("budget loop jmp32", "w0 = 0\nr2 = *(u32 *)(r1 + 4)\nl: w0 += 3\n"
                                     "if w0 != w2 goto l\nexit\n");
    pbpf_map_free(maps[0]);
    pbpf_map_free(maps[1]);
    pbpf_map_free(maps[2]);
    pbpf_runtime_free(rt);
    printf("%d/%d %s\n", runs - fails, runs, fails ? "FAILED" : "ok");
    return fails != 0;
}
