/* Interpreter error paths in checked mode, and the API helpers use to talk
 * to a run (regions, memory checks, abort, registration). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "exec/exec.h"
#include "pbpf/pbpf.h"
#include "unit.h"

static struct pbpf_runtime *rt;

struct outcome {
    int load_rc;
    char log[256];
    int rc;
    uint64_t r0;
    size_t err_pc;
    char err[256];
    uint64_t executed;
};

static struct outcome run_prog(const struct pbpf_insn *insns, size_t n, enum pbpf_mode mode,
                               uint64_t budget, void *mem, size_t len, void *user)
{
    struct outcome o;
    memset(&o, 0, sizeof o);
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, popts, .preverified = 1,
              .mode = mode, .insn_budget = budget, .log_buf = o.log,
              .log_size = sizeof o.log);
    struct pbpf_prog *prog = NULL;
    o.load_rc = pbpf_prog_load(rt, insns, n, &popts, &prog);
    o.rc = 1;
    if (o.load_rc)
        return o;
    PBPF_OPTS(pbpf_run_opts, ropts, .err_buf = o.err, .err_size = sizeof o.err, .user = user);
    o.r0 = 0xdeadbeef;
    o.rc = pbpf_prog_run(prog, mem, len, &o.r0, &ropts);
    o.err_pc = ropts.err_pc;
    o.executed = ropts.insns_executed;
    pbpf_prog_free(prog);
    return o;
}
#define RUN_CHECKED(prog, mem, len) run_prog(prog, NINSNS(prog), PBPF_MODE_CHECKED, 0, mem, len, NULL)

static void expect_fault(const struct outcome *o, size_t pc, const char *what, unsigned size,
                         uint64_t addr, int line)
{
    char want[200];
    snprintf(want, sizeof want,
             "insn %zu: invalid %s of %u bytes at 0x%llx (outside every known region)", pc, what,
             size, (unsigned long long)addr);
    if (o->load_rc || o->rc != -EFAULT || o->err_pc != pc || strcmp(o->err, want) != 0)
        unit_fail(__FILE__, line, "want -EFAULT \"%s\", got load %d (%s) run %d pc %zu \"%s\"", want,
                  o->load_rc, o->log, o->rc, o->err_pc, o->err);
}

static void out_of_bounds_read_and_write_fault(void)
{
    uint8_t *mem = calloc(1, 16);
    /* read 8 bytes at mem+12: 4 bytes past the end */
    struct pbpf_insn rd[] = {LDX(PBPF_SIZE_DW, 0, 1, 12), EXIT()};
    struct outcome o = RUN_CHECKED(rd, mem, 16);
    expect_fault(&o, 0, "read", 8, (uintptr_t)mem + 12, __LINE__);
    /* the last byte is fine, one before the start is not */
    struct pbpf_insn edge[] = {LDX(PBPF_SIZE_B, 0, 1, 15), LDX(PBPF_SIZE_B, 0, 1, -1), EXIT()};
    o = RUN_CHECKED(edge, mem, 16);
    expect_fault(&o, 1, "read", 1, (uintptr_t)mem - 1, __LINE__);
    struct pbpf_insn wr[] = {MOV64_K(0, 0), ST(PBPF_SIZE_W, 1, 14, 7), EXIT()};
    o = RUN_CHECKED(wr, mem, 16);
    expect_fault(&o, 1, "write", 4, (uintptr_t)mem + 14, __LINE__);
    struct pbpf_insn wx[] = {STX(PBPF_SIZE_H, 1, 1, 16), EXIT()};
    o = RUN_CHECKED(wx, mem, 16);
    expect_fault(&o, 0, "write", 2, (uintptr_t)mem + 16, __LINE__);
    /* nothing was written */
    for (int i = 0; i < 16; i++)
        CHECK_EQ(mem[i], 0);
    /* no memory at all: r1 = NULL, r2 = 0 */
    struct pbpf_insn nul[] = {LDX(PBPF_SIZE_B, 0, 1, 0), EXIT()};
    o = RUN_CHECKED(nul, NULL, 0);
    expect_fault(&o, 0, "read", 1, 0, __LINE__);
    /* an address computation that wraps around */
    struct pbpf_insn wrap[] = {LDDW(2, 0xfffffffffffffffcull), LDX(PBPF_SIZE_DW, 0, 2, 0), EXIT()};
    o = RUN_CHECKED(wrap, mem, 16);
    expect_fault(&o, 2, "read", 8, 0xfffffffffffffffcull, __LINE__);
    free(mem);
}

/* The stack is PBPF_STACK_SIZE bytes below r10 in every frame. */
static void stack_underflow_and_overflow_fault(void)
{
    struct pbpf_insn top[] = {MOV64_X(2, 10), LDX(PBPF_SIZE_B, 0, 10, 0), EXIT()};
    struct outcome o = RUN_CHECKED(top, NULL, 0);
    CHECK_EQ(o.rc, -EFAULT);
    CHECK_EQ(o.err_pc, 1);
    CHECK_CONTAINS(o.err, "invalid read of 1 bytes");
    struct pbpf_insn ok[] = {ST(PBPF_SIZE_DW, 10, -512, 5), LDX(PBPF_SIZE_DW, 0, 10, -512),
                             EXIT()};
    o = RUN_CHECKED(ok, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 5);
    struct pbpf_insn below[] = {ST(PBPF_SIZE_B, 10, -513, 1), EXIT()};
    o = RUN_CHECKED(below, NULL, 0);
    CHECK_EQ(o.rc, -EFAULT);
    CHECK_EQ(o.err_pc, 0);
    CHECK_CONTAINS(o.err, "invalid write of 1 bytes");
    struct pbpf_insn far[] = {LDX(PBPF_SIZE_DW, 0, 10, -32768), EXIT()};
    o = RUN_CHECKED(far, NULL, 0);
    CHECK_EQ(o.rc, -EFAULT);
    /* a callee may use its own frame and its caller's (through a pointer),
     * but not below its own */
    struct pbpf_insn callee[] = {
        ST(PBPF_SIZE_DW, 10, -8, 40), MOV64_X(1, 10), CALL_LOCAL(2),
        LDX(PBPF_SIZE_DW, 0, 10, -8), EXIT(),
        /* callee */
        LDX(PBPF_SIZE_DW, 0, 1, -8), ST(PBPF_SIZE_DW, 10, -512, 2), ALU64_K(PBPF_ALU_ADD, 0, 2),
        STX(PBPF_SIZE_DW, 1, 0, -8), EXIT()};
    o = RUN_CHECKED(callee, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 42);
    struct pbpf_insn deep[] = {CALL_LOCAL(1), EXIT(), ST(PBPF_SIZE_B, 10, -513, 1), EXIT()};
    o = RUN_CHECKED(deep, NULL, 0);
    CHECK_EQ(o.rc, -EFAULT);
    CHECK_EQ(o.err_pc, 2);
}

static uint8_t ro_buf[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static uint8_t rw_buf[8];

/* helper 1000: adds ro_buf (read-only) and returns its address */
static uint64_t h_region_ro(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                            struct pbpf_run_ctx *ctx)
{
    if (pbpf_run_ctx_add_region(ctx, ro_buf, sizeof ro_buf, 0) != 0)
        return 0;
    return (uint64_t)(uintptr_t)ro_buf;
}

/* helper 1001: adds rw_buf (writable) */
static uint64_t h_region_rw(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                            struct pbpf_run_ctx *ctx)
{
    if (pbpf_run_ctx_add_region(ctx, rw_buf, sizeof rw_buf, 1) != 0)
        return 0;
    return (uint64_t)(uintptr_t)rw_buf;
}

/* helper 1002: pbpf_run_ctx_check_mem(r1, r2, r3) */
static uint64_t h_check_mem(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                            struct pbpf_run_ctx *ctx)
{
    return (uint64_t)pbpf_run_ctx_check_mem(ctx, a, b, (int)c);
}

/* helper 1003: aborts with -EPERM */
static uint64_t h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                        struct pbpf_run_ctx *ctx)
{
    pbpf_run_ctx_abort(ctx, -EPERM, "denied by policy");
    return 77;
}

/* helper 1004: r1 + r2*10 + ... as a witness of argument passing, plus the
 * user pointer's first byte */
static uint64_t h_sum(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                      struct pbpf_run_ctx *ctx)
{
    const uint8_t *u = pbpf_run_ctx_user(ctx);
    return a + b * 10 + c * 100 + d * 1000 + e * 10000 + (u ? *u : 0) * 100000;
}

/* helper 1005: adds as many regions as it can; returns how many */
static uint64_t h_many_regions(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                               struct pbpf_run_ctx *ctx)
{
    uint64_t n = 0;
    while (pbpf_run_ctx_add_region(ctx, rw_buf, sizeof rw_buf, 1) == 0 && n < 1000)
        n++;
    return n;
}

static void helper_regions_are_accessible(void)
{
    /* read from the read-only region works */
    struct pbpf_insn rd[] = {CALL(1000), LDX(PBPF_SIZE_W, 0, 0, 12), EXIT()};
    struct outcome o = RUN_CHECKED(rd, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 13u | 14u << 8 | 15u << 16 | 16u << 24);
    /* writing it faults */
    struct pbpf_insn wr[] = {CALL(1000), ST(PBPF_SIZE_B, 0, 0, 9), EXIT()};
    o = RUN_CHECKED(wr, NULL, 0);
    expect_fault(&o, 1, "write", 1, (uintptr_t)ro_buf, __LINE__);
    CHECK_EQ(ro_buf[0], 1);
    /* a read past its end faults */
    struct pbpf_insn past[] = {CALL(1000), LDX(PBPF_SIZE_W, 0, 0, 13), EXIT()};
    o = RUN_CHECKED(past, NULL, 0);
    expect_fault(&o, 1, "read", 4, (uintptr_t)ro_buf + 13, __LINE__);
    /* writable region */
    struct pbpf_insn rw[] = {CALL(1001), ST(PBPF_SIZE_DW, 0, 0, 0x55), EXIT()};
    memset(rw_buf, 0, sizeof rw_buf);
    o = RUN_CHECKED(rw, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(rw_buf[0], 0x55);
    /* regions last only for the run that added them */
    struct pbpf_insn later[] = {LDDW(1, (uintptr_t)rw_buf), LDX(PBPF_SIZE_B, 0, 1, 0), EXIT()};
    o = RUN_CHECKED(later, NULL, 0);
    CHECK_EQ(o.rc, -EFAULT);
    /* the region table is bounded: adding stops with -ENOSPC */
    struct pbpf_insn many[] = {CALL(1005), EXIT()};
    o = RUN_CHECKED(many, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, PBPF_MAX_REGIONS - 1); /* the stack holds one slot */
    /* verified mode trusts the verifier and records nothing */
    o = run_prog(many, NINSNS(many), PBPF_MODE_VERIFIED, 0, NULL, 0, NULL);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 1000);
}

static void helpers_can_check_memory(void)
{
    uint8_t mem[16];
    /* r0 = check(r1=mem+a, r2=len, r3=write) for several cases, packed as bits */
    struct pbpf_insn prog[] = {
        MOV64_X(6, 1), MOV64_K(7, 0),
        /* mem, 16, write: ok */
        MOV64_X(1, 6), MOV64_K(2, 16), MOV64_K(3, 1), CALL(1002), ALU64_X(PBPF_ALU_OR, 7, 0),
        /* mem+1, 16: one past */
        MOV64_X(1, 6), ALU64_K(PBPF_ALU_ADD, 1, 1), MOV64_K(2, 16), MOV64_K(3, 0), CALL(1002),
        ALU64_K(PBPF_ALU_LSH, 0, 1), ALU64_X(PBPF_ALU_OR, 7, 0),
        /* r10-512, 512, write: the stack */
        MOV64_X(1, 10), ALU64_K(PBPF_ALU_ADD, 1, -512), MOV64_K(2, 512), MOV64_K(3, 1), CALL(1002),
        ALU64_K(PBPF_ALU_LSH, 0, 2), ALU64_X(PBPF_ALU_OR, 7, 0),
        /* NULL, 0: empty ranges are always fine */
        MOV64_K(1, 0), MOV64_K(2, 0), MOV64_K(3, 1), CALL(1002), ALU64_K(PBPF_ALU_LSH, 0, 3),
        ALU64_X(PBPF_ALU_OR, 7, 0),
        /* NULL, 1 */
        MOV64_K(1, 0), MOV64_K(2, 1), MOV64_K(3, 0), CALL(1002), ALU64_K(PBPF_ALU_LSH, 0, 4),
        ALU64_X(PBPF_ALU_OR, 7, 0),
        /* mem+8, huge length that wraps */
        MOV64_X(1, 6), ALU64_K(PBPF_ALU_ADD, 1, 8), MOV64_K(2, -1), MOV64_K(3, 0), CALL(1002),
        ALU64_K(PBPF_ALU_LSH, 0, 5), ALU64_X(PBPF_ALU_OR, 7, 0),
        /* ro_buf for reading (after the helper added it) and writing */
        CALL(1000), MOV64_X(8, 0), MOV64_X(1, 8), MOV64_K(2, 16), MOV64_K(3, 0), CALL(1002),
        ALU64_K(PBPF_ALU_LSH, 0, 6), ALU64_X(PBPF_ALU_OR, 7, 0), MOV64_X(1, 8), MOV64_K(2, 16),
        MOV64_K(3, 1), CALL(1002), ALU64_K(PBPF_ALU_LSH, 0, 7), ALU64_X(PBPF_ALU_OR, 7, 0),
        MOV64_X(0, 7), EXIT()};
    struct outcome o = RUN_CHECKED(prog, mem, sizeof mem);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 6);
    o = run_prog(prog, NINSNS(prog), PBPF_MODE_VERIFIED, 0, mem, sizeof mem, NULL);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 0xff);
}

static void helper_abort_stops_the_run(void)
{
    struct pbpf_insn prog[] = {MOV64_K(0, 1), MOV64_K(0, 2), CALL(1003), MOV64_K(0, 3), EXIT()};
    struct outcome o = RUN_CHECKED(prog, NULL, 0);
    CHECK_EQ(o.rc, -EPERM);
    CHECK_EQ(o.err_pc, 2);
    CHECK_CONTAINS(o.err, "denied by policy");
    o = run_prog(prog, NINSNS(prog), PBPF_MODE_VERIFIED, 0, NULL, 0, NULL);
    CHECK_EQ(o.rc, -EPERM);
    CHECK_EQ(o.err_pc, 2);
    CHECK_CONTAINS(o.err, "denied by policy");
    /* the next run of the same program is not affected: a fresh context */
    struct pbpf_insn ok[] = {MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3), MOV64_K(4, 4),
                             MOV64_K(5, 5), CALL(1004), EXIT()};
    uint8_t user = 6;
    o = run_prog(ok, NINSNS(ok), PBPF_MODE_CHECKED, 0, NULL, 0, &user);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 654321);
}

static void budget_exhaustion_is_eloop(void)
{
    struct pbpf_insn loop[] = {MOV64_K(0, 0), ALU64_K(PBPF_ALU_ADD, 0, 1), JA(-2)};
    struct outcome o = run_prog(loop, NINSNS(loop), PBPF_MODE_CHECKED, 100, NULL, 0, NULL);
    CHECK_EQ(o.rc, -ELOOP);
    CHECK_EQ(o.executed, 100);
    CHECK_CONTAINS(o.err, "instruction budget of 100 exhausted");
    /* a program that needs exactly the budget completes */
    struct pbpf_insn three[] = {MOV64_K(0, 1), MOV64_K(0, 2), EXIT()};
    o = run_prog(three, 3, PBPF_MODE_CHECKED, 3, NULL, 0, NULL);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 2);
    CHECK_EQ(o.executed, 3);
    o = run_prog(three, 3, PBPF_MODE_CHECKED, 2, NULL, 0, NULL);
    CHECK_EQ(o.rc, -ELOOP);
    CHECK_EQ(o.executed, 2);
}

/* main: r2 = depth (from mem); r0 = 0; call f; exit
 * f:    r0 += 1; r2 -= 1; if r2 == 0 goto +1; call f; exit
 * makes depth nested calls: depth + 1 frames. */
static void call_depth_over_eight_frames_is_e2big(void)
{
    struct pbpf_insn prog[] = {LDX(PBPF_SIZE_W, 2, 1, 0), MOV64_K(0, 0), CALL_LOCAL(1), EXIT(),
                               ALU64_K(PBPF_ALU_ADD, 0, 1), ALU64_K(PBPF_ALU_SUB, 2, 1),
                               JMP_K(PBPF_JMP_JEQ, 2, 0, 1), CALL_LOCAL(-4), EXIT()};
    uint32_t depth = PBPF_MAX_CALL_DEPTH - 1;
    struct outcome o = RUN_CHECKED(prog, &depth, sizeof depth);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 7);
    depth = PBPF_MAX_CALL_DEPTH;
    o = RUN_CHECKED(prog, &depth, sizeof depth);
    CHECK_EQ(o.rc, -E2BIG);
    CHECK_EQ(o.err_pc, 7);
    CHECK_STR(o.err, "insn 7: call depth exceeds 8 frames");
    /* the same limit in verified mode */
    o = run_prog(prog, NINSNS(prog), PBPF_MODE_VERIFIED, 0, &depth, sizeof depth, NULL);
    CHECK_EQ(o.rc, -E2BIG);
    depth = 7;
    o = run_prog(prog, NINSNS(prog), PBPF_MODE_VERIFIED, 0, &depth, sizeof depth, NULL);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 7);
}

static void callx_reaches_registered_helpers_only(void)
{
    struct pbpf_insn ok[] = {MOV64_K(1, 3), MOV64_K(2, 0), MOV64_K(3, 0), MOV64_K(4, 0),
                             MOV64_K(5, 0), MOV64_K(6, 1004), CALLX(6), EXIT()};
    struct outcome o = RUN_CHECKED(ok, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 3);
    struct pbpf_insn bad[] = {MOV64_K(6, 9999), CALLX(6), EXIT()};
    o = RUN_CHECKED(bad, NULL, 0);
    CHECK_EQ(o.rc, -EINVAL);
    CHECK_EQ(o.err_pc, 1);
    CHECK_STR(o.err, "insn 1: callx to unknown helper 9999");
    /* an id in range that nobody registered (35: get_current_task) */
    struct pbpf_insn unreg[] = {MOV64_K(3, 35), CALLX(3), EXIT()};
    o = RUN_CHECKED(unreg, NULL, 0);
    CHECK_EQ(o.rc, -EINVAL);
    CHECK_STR(o.err, "insn 1: callx to unknown helper 35");
    struct pbpf_insn neg[] = {MOV64_K(3, -1), CALLX(3), EXIT()};
    o = RUN_CHECKED(neg, NULL, 0);
    CHECK_EQ(o.rc, -EINVAL);
    CHECK_STR(o.err, "insn 1: callx to unknown helper 18446744073709551615");
}

static void load_rejects_unresolved_calls_and_pseudo_lddw(void)
{
    struct pbpf_insn printk[] = {MOV64_K(0, 0), CALL(35), EXIT()};
    struct outcome o = RUN_CHECKED(printk, NULL, 0);
    CHECK_EQ(o.load_rc, -EINVAL);
    CHECK_STR(o.log, "insn 1: helper 35 (bpf_get_current_task) is not available for this runtime");
    struct pbpf_insn unknown[] = {CALL(900), EXIT()};
    o = RUN_CHECKED(unknown, NULL, 0);
    CHECK_EQ(o.load_rc, -EINVAL);
    CHECK_STR(o.log, "insn 0: unknown helper 900");
    struct pbpf_insn huge[] = {CALL(-5), EXIT()};
    o = RUN_CHECKED(huge, NULL, 0);
    CHECK_EQ(o.load_rc, -EINVAL);
    CHECK_STR(o.log, "insn 0: unknown helper 4294967291");
    struct pbpf_insn map[] = {MOV64_K(0, 0), INSN(PBPF_OPCODE_LDDW, 1, PBPF_PSEUDO_MAP_FD, 0, 3),
                              INSN(0, 0, 0, 0, 0), EXIT()};
    o = RUN_CHECKED(map, NULL, 0);
    CHECK_EQ(o.load_rc, -EBADF); /* no map table: fd 3 names nothing */
    CHECK_STR(o.log, "insn 1: fd 3 is not pointing to valid bpf_map");
    struct pbpf_insn idx[] = {MOV64_K(0, 0), INSN(PBPF_OPCODE_LDDW, 1, PBPF_PSEUDO_MAP_IDX, 0, 3),
                              INSN(0, 0, 0, 0, 0), EXIT()};
    o = RUN_CHECKED(idx, NULL, 0);
    CHECK_EQ(o.load_rc, -EINVAL);
    CHECK_STR(o.log, "insn 1: lddw with src=5 (a map or function reference) needs the object "
                     "loader to resolve it");
    struct pbpf_insn kfunc[] = {INSN(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_KFUNC_CALL, 0, 10), EXIT()};
    o = RUN_CHECKED(kfunc, NULL, 0);
    CHECK_EQ(o.load_rc, -EOPNOTSUPP);
    CHECK_CONTAINS(o.log, "insn 0: kfunc calls");
    /* validation errors come through pbpf_prog_load unchanged */
    struct pbpf_insn inval[] = {MOV64_K(10, 0), EXIT()};
    o = RUN_CHECKED(inval, NULL, 0);
    CHECK_EQ(o.load_rc, -EINVAL);
    CHECK_CONTAINS(o.log, "insn 0: mov (opcode 0xb7): dst register r10 is written");
    /* the JIT needs verified programs */
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, jo, .preverified = 1,
              .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_CHECKED);
    struct pbpf_prog *p = (struct pbpf_prog *)1;
    struct pbpf_insn ret[] = {EXIT()};
    CHECK_EQ(pbpf_prog_load(rt, ret, 1, &jo, &p), -EINVAL);
    CHECK(p == NULL);
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, mo, .preverified = 1, .mode = (enum pbpf_mode)7);
    CHECK_EQ(pbpf_prog_load(rt, ret, 1, &mo, &p), -EINVAL);
    CHECK_EQ(pbpf_prog_load(NULL, ret, 1, NULL, &p), -EINVAL);
    CHECK_EQ(pbpf_prog_load(rt, NULL, 1, NULL, &p), -EINVAL);
}

static void misaligned_atomics_fault(void)
{
    uint64_t mem[2] = {0, 0};
    struct pbpf_insn prog[] = {ATOMIC(PBPF_SIZE_W, 1, 2, 2, PBPF_ALU_ADD), EXIT()};
    struct outcome o = RUN_CHECKED(prog, mem, sizeof mem);
    char want[100];
    snprintf(want, sizeof want, "insn 0: misaligned atomic access at 0x%llx",
             (unsigned long long)(uintptr_t)mem + 2);
    CHECK_EQ(o.rc, -EFAULT);
    CHECK_STR(o.err, want);
    struct pbpf_insn p64[] = {ATOMIC(PBPF_SIZE_DW, 1, 2, 4, PBPF_ATOMIC_CMPXCHG), EXIT()};
    o = RUN_CHECKED(p64, mem, sizeof mem);
    CHECK_EQ(o.rc, -EFAULT);
    CHECK_CONTAINS(o.err, "misaligned atomic access");
    /* aligned but out of bounds is an ordinary fault */
    struct pbpf_insn oob[] = {ATOMIC(PBPF_SIZE_DW, 1, 2, 16, PBPF_ALU_ADD), EXIT()};
    o = RUN_CHECKED(oob, mem, sizeof mem);
    expect_fault(&o, 0, "write", 8, (uintptr_t)mem + 16, __LINE__);
    CHECK_EQ(mem[0], 0);
    CHECK_EQ(mem[1], 0);
}

static void set_helper_registers_and_removes(void)
{
    CHECK_EQ(pbpf_runtime_set_helper(rt, PBPF_HELPER_MAX, h_sum, NULL), -EINVAL);
    CHECK_EQ(pbpf_runtime_set_helper(NULL, 1, h_sum, NULL), -EINVAL);
    CHECK_EQ(pbpf_runtime_set_helper(rt, 1023, h_sum, "my_sum"), 0);
    struct pbpf_insn prog[] = {MOV64_K(1, 4), MOV64_K(2, 0), MOV64_K(3, 0), MOV64_K(4, 0),
                               MOV64_K(5, 0), CALL(1023), EXIT()};
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, NINSNS(prog), NULL, &p), 0);
    /* removal affects programs loaded afterwards only */
    CHECK_EQ(pbpf_runtime_set_helper(rt, 1023, NULL, NULL), 0);
    uint64_t r0 = 0;
    CHECK_EQ(pbpf_prog_run(p, NULL, 0, &r0, NULL), 0);
    CHECK_EQ(r0, 4);
    pbpf_prog_free(p);
    char log[128];
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1, .log_buf = log, .log_size = sizeof log);
    p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, NINSNS(prog), &o, &p), -EINVAL);
    CHECK_STR(log, "insn 5: unknown helper 1023");
    CHECK(p == NULL);
    /* a built-in helper can be replaced and removed too (8: smp_processor_id) */
    struct pbpf_insn cpu[] = {CALL(8), EXIT()};
    CHECK_EQ(pbpf_runtime_set_helper(rt, 8, h_sum, NULL), 0);
    CHECK_EQ(pbpf_prog_load(rt, cpu, 2, NULL, &p), 0);
    r0 = 0;
    CHECK_EQ(pbpf_prog_run(p, NULL, 0, &r0, NULL), 0);
    CHECK_EQ(r0, 0); /* r1..r5 = NULL, 0, 0, 0, 0 */
    pbpf_prog_free(p);
    CHECK_EQ(pbpf_runtime_set_helper(rt, 8, NULL, NULL), 0);
    CHECK_EQ(pbpf_prog_load(rt, cpu, 2, &o, &p), -EINVAL);
    CHECK_STR(log, "insn 0: helper 8 (bpf_get_smp_processor_id) is not available for this runtime");
    CHECK_STR(pbpf_helper_name(8), "get_smp_processor_id");
    CHECK(pbpf_helper_name(100000) == NULL);
}

static void run_reports_instruction_counts(void)
{
    struct pbpf_insn prog[] = {MOV64_K(0, 0), JA(1), MOV64_K(0, 9), ALU64_K(PBPF_ALU_ADD, 0, 1),
                               EXIT()};
    /* executed: mov, ja, add, exit */
    struct outcome o = RUN_CHECKED(prog, NULL, 0);
    CHECK_EQ(o.rc, 0);
    CHECK_EQ(o.r0, 1);
    CHECK_EQ(o.executed, 4);
    struct pbpf_prog *p = NULL;
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, vo, .preverified = 1, .mode = PBPF_MODE_VERIFIED);
    CHECK_EQ(pbpf_prog_load(rt, prog, NINSNS(prog), &vo, &p), 0);
    PBPF_OPTS(pbpf_run_opts, ro, .count_insns = 1);
    uint64_t r0 = 0;
    CHECK_EQ(pbpf_prog_run(p, NULL, 0, &r0, &ro), 0);
    CHECK_EQ(ro.insns_executed, 4);
    CHECK_EQ(r0, 1);
    pbpf_prog_free(p);
}

static void load_copies_the_program(void)
{
    struct pbpf_insn prog[] = {MOV64_K(0, 5), LDDW(1, 0x1122334455667788ull), EXIT()};
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1, .mode = PBPF_MODE_VERIFIED, .name = "copy");
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, NINSNS(prog), &o, &p), 0);
    if (!p)
        return;
    prog[0] = MOV64_K(0, 6); /* the caller's array is not used after loading */
    CHECK_EQ(pbpf_prog_insn_cnt(p), 4);
    CHECK(pbpf_prog_insns(p) != prog);
    CHECK_EQ(pbpf_prog_insns(p)[0].imm, 5);
    CHECK_EQ(pbpf_prog_insns(p)[2].imm, 0x11223344);
    CHECK_EQ(pbpf_prog_engine(p), PBPF_ENGINE_INTERP);
    CHECK_EQ(pbpf_prog_mode(p), PBPF_MODE_VERIFIED);
    uint64_t r0 = 0;
    CHECK_EQ(pbpf_prog_run(p, NULL, 0, &r0, NULL), 0);
    CHECK_EQ(r0, 5);
    pbpf_prog_free(p);
    pbpf_prog_free(NULL);
    /* an options struct from an older caller (smaller sz) gets defaults */
    struct pbpf_prog_opts old = {.sz = offsetof(struct pbpf_prog_opts, mode), .mode = 99};
    CHECK_EQ(pbpf_prog_load(rt, prog, NINSNS(prog), &old, &p), 0);
    if (p)
        CHECK_EQ(pbpf_prog_mode(p), PBPF_MODE_CHECKED);
    pbpf_prog_free(p);
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt) != 0) {
        fprintf(stderr, "pbpf_runtime_new failed\n");
        return 1;
    }
    pbpf_runtime_set_helper(rt, 1000, h_region_ro, "region_ro");
    pbpf_runtime_set_helper(rt, 1001, h_region_rw, "region_rw");
    pbpf_runtime_set_helper(rt, 1002, h_check_mem, "check_mem");
    pbpf_runtime_set_helper(rt, 1003, h_abort, "abort");
    pbpf_runtime_set_helper(rt, 1004, h_sum, "sum");
    pbpf_runtime_set_helper(rt, 1005, h_many_regions, "many_regions");
    UNIT_RUN(out_of_bounds_read_and_write_fault);
    UNIT_RUN(stack_underflow_and_overflow_fault);
    UNIT_RUN(helper_regions_are_accessible);
    UNIT_RUN(helpers_can_check_memory);
    UNIT_RUN(helper_abort_stops_the_run);
    UNIT_RUN(budget_exhaustion_is_eloop);
    UNIT_RUN(call_depth_over_eight_frames_is_e2big);
    UNIT_RUN(callx_reaches_registered_helpers_only);
    UNIT_RUN(load_rejects_unresolved_calls_and_pseudo_lddw);
    UNIT_RUN(misaligned_atomics_fault);
    UNIT_RUN(set_helper_registers_and_removes);
    UNIT_RUN(run_reports_instruction_counts);
    UNIT_RUN(load_copies_the_program);
    pbpf_runtime_free(rt);
    return unit_finish();
}
