/* RFC 9669 semantics at the edges, run on the interpreter in checked and in
 * verified mode: both must agree with each other and with the value the
 * test derives from the RFC's definitions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "isa/isa.h"
#include "pbpf/pbpf.h"
#include "unit.h"

static struct pbpf_runtime *rt;

static int run_one(const struct pbpf_insn *p, size_t n, enum pbpf_mode mode, void *mem,
                   size_t len, uint64_t *r0, char *err, size_t err_size)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1,
              .mode = mode, .log_buf = err, .log_size = err_size);
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, p, n, &po, &prog);
    if (rc)
        return rc;
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = err_size);
    rc = pbpf_prog_run(prog, mem, len, r0, &ro);
    pbpf_prog_free(prog);
    return rc;
}

/* Runs p in checked mode on mem and in verified mode on a copy; both must
 * succeed with the same r0 and leave the same memory.  Returns r0. */
static uint64_t run_both(const struct pbpf_insn *p, size_t n, void *mem, size_t len, int line)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, mem, len);
    char err[256] = "";
    uint64_t r_checked = 0xbad, r_verified = 0xbad;
    int rc = run_one(p, n, PBPF_MODE_CHECKED, mem, len, &r_checked, err, sizeof err);
    if (rc)
        unit_fail(__FILE__, line, "checked run failed: %d %s", rc, err);
    rc = run_one(p, n, PBPF_MODE_VERIFIED, len ? copy : NULL, len, &r_verified, err, sizeof err);
    if (rc)
        unit_fail(__FILE__, line, "verified run failed: %d %s", rc, err);
    if (r_checked != r_verified)
        unit_fail(__FILE__, line, "checked r0 0x%llx != verified r0 0x%llx",
                  (unsigned long long)r_checked, (unsigned long long)r_verified);
    if (len && memcmp(mem, copy, len) != 0)
        unit_fail(__FILE__, line, "checked and verified runs left different memory");
    free(copy);
    return r_checked;
}

#define EXPECT(want, ...)                                                                          \
    do {                                                                                           \
        struct pbpf_insn p_[] = {__VA_ARGS__};                                                     \
        uint64_t w_ = (uint64_t)(want), g_ = run_both(p_, NINSNS(p_), NULL, 0, __LINE__);          \
        if (g_ != w_)                                                                              \
            unit_fail(__FILE__, __LINE__, "r0 0x%llx, want 0x%llx", (unsigned long long)g_,        \
                      (unsigned long long)w_);                                                     \
    } while (0)
#define EXPECT_MEM(mem, len, want, ...)                                                            \
    do {                                                                                           \
        struct pbpf_insn p_[] = {__VA_ARGS__};                                                     \
        uint64_t w_ = (uint64_t)(want), g_ = run_both(p_, NINSNS(p_), mem, len, __LINE__);         \
        if (g_ != w_)                                                                              \
            unit_fail(__FILE__, __LINE__, "r0 0x%llx, want 0x%llx", (unsigned long long)g_,        \
                      (unsigned long long)w_);                                                     \
    } while (0)
/* r0 = 1 if the jump (offset 2, over "r0 = 0; exit") is taken, else 0 */
#define TAKEN(want, setup_and_jump...)                                                             \
    EXPECT(want, setup_and_jump, MOV64_K(0, 0), EXIT(), MOV64_K(0, 1), EXIT())

static const uint64_t INT64_MIN_U = 0x8000000000000000ull;

static void division_by_zero(void)
{
    /* RFC 9669 §4.1: dst / 0 = 0, dst % 0 = dst (ALU: upper half zeroed) */
    EXPECT(0, MOV64_K(0, 7), MOV64_K(1, 0), ALU64_X(PBPF_ALU_DIV, 0, 1), EXIT());
    EXPECT(0, LDDW(0, 0x100000007ull), ALU32_K(PBPF_ALU_DIV, 0, 0), EXIT());
    EXPECT(0, LDDW(0, 0x100000007ull), ALU64_K(PBPF_ALU_DIV, 0, 0), EXIT());
    EXPECT(0x100000007ull, LDDW(0, 0x100000007ull), MOV64_K(1, 0), ALU64_X(PBPF_ALU_MOD, 0, 1),
           EXIT());
    EXPECT(0x100000007ull, LDDW(0, 0x100000007ull), ALU64_K(PBPF_ALU_MOD, 0, 0), EXIT());
    EXPECT(7, LDDW(0, 0x100000007ull), MOV64_K(1, 0), ALU32_X(PBPF_ALU_MOD, 0, 1), EXIT());
    EXPECT(7, LDDW(0, 0x100000007ull), ALU32_K(PBPF_ALU_MOD, 0, 0), EXIT());
    /* a 32-bit divisor is the low half of src: 0x1_00000000 is zero */
    EXPECT(0, MOV64_K(0, 9), LDDW(1, 0x100000000ull), ALU32_X(PBPF_ALU_DIV, 0, 1), EXIT());
    EXPECT(9, LDDW(0, 0x500000009ull), LDDW(1, 0x100000000ull), ALU32_X(PBPF_ALU_MOD, 0, 1),
           EXIT());
    /* signed forms */
    EXPECT(0, MOV64_K(0, -7), SALU64_K(PBPF_ALU_DIV, 0, 0), EXIT());
    EXPECT(0, MOV64_K(0, -7), MOV64_K(1, 0), SALU32_X(PBPF_ALU_DIV, 0, 1), EXIT());
    EXPECT((uint64_t)-7, MOV64_K(0, -7), MOV64_K(1, 0), SALU64_X(PBPF_ALU_MOD, 0, 1), EXIT());
    EXPECT(0xfffffff9u, MOV64_K(0, -7), SALU32_K(PBPF_ALU_MOD, 0, 0), EXIT());
}

static void signed_division_overflow_and_signs(void)
{
    /* INT_MIN / -1 wraps to INT_MIN, INT_MIN % -1 is 0 (RFC 9669 §4.1) */
    EXPECT(INT64_MIN_U, LDDW(0, INT64_MIN_U), SALU64_K(PBPF_ALU_DIV, 0, -1), EXIT());
    EXPECT(INT64_MIN_U, LDDW(0, INT64_MIN_U), MOV64_K(1, -1), SALU64_X(PBPF_ALU_DIV, 0, 1),
           EXIT());
    EXPECT(0, LDDW(0, INT64_MIN_U), SALU64_K(PBPF_ALU_MOD, 0, -1), EXIT());
    EXPECT(0, LDDW(0, INT64_MIN_U), MOV64_K(1, -1), SALU64_X(PBPF_ALU_MOD, 0, 1), EXIT());
    EXPECT(0x80000000u, LDDW(0, 0xffffffff80000000ull), SALU32_K(PBPF_ALU_DIV, 0, -1), EXIT());
    EXPECT(0x80000000u, MOV32_K(0, (int32_t)0x80000000u), MOV64_K(1, -1),
           SALU32_X(PBPF_ALU_DIV, 0, 1), EXIT());
    EXPECT(0, MOV32_K(0, (int32_t)0x80000000u), SALU32_K(PBPF_ALU_MOD, 0, -1), EXIT());
    /* truncating division; the remainder takes the dividend's sign */
    EXPECT((uint64_t)-3, MOV64_K(0, -7), SALU64_K(PBPF_ALU_DIV, 0, 2), EXIT());
    EXPECT(3, MOV64_K(0, -7), SALU64_K(PBPF_ALU_DIV, 0, -2), EXIT());
    EXPECT((uint64_t)-1, MOV64_K(0, -7), SALU64_K(PBPF_ALU_MOD, 0, 2), EXIT());
    EXPECT(1, MOV64_K(0, 7), SALU64_K(PBPF_ALU_MOD, 0, -2), EXIT());
    EXPECT(0xfffffffdu, MOV32_K(0, -7), SALU32_K(PBPF_ALU_DIV, 0, 2), EXIT());
    EXPECT(0xffffffffu, MOV32_K(0, -7), MOV64_K(1, 2), SALU32_X(PBPF_ALU_MOD, 0, 1), EXIT());
    /* the unsigned forms see imm -1 as all ones (sign-extended for ALU64) */
    EXPECT(0, MOV64_K(0, 5), ALU64_K(PBPF_ALU_DIV, 0, -1), EXIT());
    EXPECT(1, MOV64_K(0, -1), ALU64_K(PBPF_ALU_DIV, 0, -1), EXIT());
    EXPECT(0, MOV64_K(0, -1), ALU64_K(PBPF_ALU_MOD, 0, -1), EXIT());
    EXPECT(1, MOV32_K(0, -1), ALU32_K(PBPF_ALU_DIV, 0, -1), EXIT());
    EXPECT(0xfffffffeu, MOV32_K(0, -2), ALU32_K(PBPF_ALU_MOD, 0, -1), EXIT());
    /* sdiv32 looks only at the low halves */
    EXPECT(0xfffffffdu, LDDW(0, 0x12345678fffffff9ull), LDDW(1, 0x7777777700000002ull),
           SALU32_X(PBPF_ALU_DIV, 0, 1), EXIT());
}

static void shifts_mask_their_amount(void)
{
    EXPECT(2, MOV64_K(0, 1), MOV64_K(1, 65), ALU64_X(PBPF_ALU_LSH, 0, 1), EXIT());
    EXPECT(2, MOV64_K(0, 1), MOV64_K(1, 33), ALU32_X(PBPF_ALU_LSH, 0, 1), EXIT());
    EXPECT(INT64_MIN_U, MOV64_K(0, 1), ALU64_K(PBPF_ALU_LSH, 0, -1), EXIT());
    EXPECT(0x80000000u, MOV64_K(0, 1), ALU32_K(PBPF_ALU_LSH, 0, -1), EXIT());
    EXPECT(0x80000000u, LDDW(0, 0xffffffff80000000ull), ALU32_K(PBPF_ALU_RSH, 0, 32), EXIT());
    EXPECT(1, LDDW(0, INT64_MIN_U), ALU64_K(PBPF_ALU_RSH, 0, 63), EXIT());
    EXPECT(0x40000000u, MOV32_K(0, (int32_t)0x80000000u), MOV64_K(1, 33),
           ALU32_X(PBPF_ALU_RSH, 0, 1), EXIT());
    /* arithmetic shifts copy the sign bit of the operand width */
    EXPECT(0xf8000000u, MOV32_K(0, (int32_t)0x80000000u), ALU32_K(PBPF_ALU_ARSH, 0, 4), EXIT());
    /* ...and arsh32 ignores bit 63 */
    EXPECT(0x20000000u, LDDW(0, 0x8000000040000000ull), ALU32_K(PBPF_ALU_ARSH, 0, 1), EXIT());
    EXPECT(0xf800000000000000ull, LDDW(0, INT64_MIN_U), MOV64_K(1, 68),
           ALU64_X(PBPF_ALU_ARSH, 0, 1), EXIT());
    EXPECT(0xffffffffu, MOV32_K(0, (int32_t)0x80000000u), LDDW(1, 0x100000003full),
           ALU32_X(PBPF_ALU_ARSH, 0, 1), EXIT());
    EXPECT(0xffffffffu, MOV32_K(0, -1), ALU32_K(PBPF_ALU_ARSH, 0, 32), EXIT());
}

/* Every 32-bit ALU row (class ALU, RFC 9669 §4.1) writes a zero-extended
 * result: with dst and src full of high bits, r0 >> 32 must be 0. */
static void every_alu32_op_zero_extends(void)
{
    unsigned rows = 0;
    for (unsigned i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *op = &pbpf_isa_table[i];
        if (PBPF_CLASS(op->code) != PBPF_CLS_ALU)
            continue;
        struct pbpf_insn in = INSN(op->code, 0, 0, 0, 0);
        if (op->src.kind == PBPF_RULE_REG_READ)
            in.regs = PBPF_INSN_REGS(0, 1);
        if (op->off.kind == PBPF_RULE_EQ)
            in.off = (int16_t)op->off.value;
        if (op->imm.kind == PBPF_RULE_EQ)
            in.imm = op->imm.value;
        else if (op->imm.kind == PBPF_RULE_ANY)
            in.imm = -3;
        if (op->fmt == PBPF_FMT_END && in.imm == 64)
            continue; /* le64/be64 keep all 64 bits */
        rows++;
        struct pbpf_insn prog[] = {LDDW(0, 0xfedcba9887654321ull), LDDW(1, 0xa5a5a5a5fffffffdull),
                                   in, ALU64_K(PBPF_ALU_RSH, 0, 32), EXIT()};
        uint64_t r0 = run_both(prog, NINSNS(prog), NULL, 0, __LINE__);
        if (r0 != 0)
            unit_fail(__FILE__, __LINE__, "%s left upper half 0x%llx", op->name,
                      (unsigned long long)r0);
    }
    CHECK(rows >= 30);
    /* a few full results */
    EXPECT(0, MOV64_K(0, -1), ALU32_K(PBPF_ALU_ADD, 0, 1), EXIT());
    EXPECT(0xffffffffu, MOV64_K(0, 0), ALU32_K(PBPF_ALU_SUB, 0, 1), EXIT());
    EXPECT(0, MOV64_K(0, 0x10000), ALU32_K(PBPF_ALU_MUL, 0, 0x10000), EXIT());
    EXPECT(0xffffffffu, MOV64_K(0, 1), INSN(PBPF_CLS_ALU | PBPF_ALU_NEG, 0, 0, 0, 0), EXIT());
    EXPECT(0xffffffffu, MOV32_K(0, -1), EXIT());
    EXPECT(0xffffffffu, MOV64_K(1, -1), ALU32_X(PBPF_ALU_MOV, 0, 1), EXIT());
    EXPECT(0xfffffffeu, MOV64_K(0, -1), ALU32_K(PBPF_ALU_XOR, 0, 1), EXIT());
    /* ...and 64-bit ones do not truncate */
    EXPECT(0x100000000ull, MOV32_K(0, -1), ALU64_K(PBPF_ALU_ADD, 0, 1), EXIT());
    EXPECT((uint64_t)-1, MOV64_K(0, 1), INSN(PBPF_CLS_ALU64 | PBPF_ALU_NEG, 0, 0, 0, 0), EXIT());
}

static void sign_extending_moves(void)
{
    EXPECT(0xffffffffffffff80ull, LDDW(1, 0x1234567812345680ull), MOVSX64(0, 1, 8), EXIT());
    EXPECT(0x7f, MOV64_K(1, 0x17f), MOVSX64(0, 1, 8), EXIT());
    EXPECT(0xffffffffffff8000ull, MOV64_K(1, 0x18000), MOVSX64(0, 1, 16), EXIT());
    EXPECT(0xffffffff80000000ull, LDDW(1, 0x0000000180000000ull), MOVSX64(0, 1, 32), EXIT());
    EXPECT(0x7fffffff, LDDW(1, 0xffffffff7fffffffull), MOVSX64(0, 1, 32), EXIT());
    /* the 32-bit forms sign-extend to 32 bits and zero the upper half */
    EXPECT(0xffffff80u, MOV64_K(1, 0x1ff80), MOVSX32(0, 1, 8), EXIT());
    EXPECT(0xffff8000u, LDDW(1, 0xffffffff00008000ull), MOVSX32(0, 1, 16), EXIT());
    EXPECT(0x7fff, MOV64_K(1, -0x8001), MOVSX32(0, 1, 16), EXIT());
}

static void sign_extending_loads(void)
{
    uint8_t mem[16] = {0};
    uint16_t h = 0x8000;
    uint32_t w = 0x80000000u;
    mem[0] = 0x80;
    memcpy(mem + 2, &h, 2);
    memcpy(mem + 4, &w, 4);
    mem[8] = 0x7f;
    EXPECT_MEM(mem, 16, 0xffffffffffffff80ull, LDXS(PBPF_SIZE_B, 0, 1, 0), EXIT());
    EXPECT_MEM(mem, 16, 0xffffffffffff8000ull, LDXS(PBPF_SIZE_H, 0, 1, 2), EXIT());
    EXPECT_MEM(mem, 16, 0xffffffff80000000ull, LDXS(PBPF_SIZE_W, 0, 1, 4), EXIT());
    EXPECT_MEM(mem, 16, 0x7f, MOV64_K(0, -1), LDXS(PBPF_SIZE_B, 0, 1, 8), EXIT());
    /* plain loads zero-extend */
    EXPECT_MEM(mem, 16, 0x80, MOV64_K(0, -1), LDX(PBPF_SIZE_B, 0, 1, 0), EXIT());
    EXPECT_MEM(mem, 16, 0x8000, LDX(PBPF_SIZE_H, 0, 1, 2), EXIT());
    EXPECT_MEM(mem, 16, 0x80000000u, LDX(PBPF_SIZE_W, 0, 1, 4), EXIT());
    /* stores write exactly their size */
    uint8_t st[16];
    memset(st, 0xaa, sizeof st);
    EXPECT_MEM(st, 16, 0, MOV64_K(2, -1), STX(PBPF_SIZE_H, 1, 2, 1), ST(PBPF_SIZE_B, 1, 5, 0x1ff),
               ST(PBPF_SIZE_W, 1, 8, -2), MOV64_K(0, 0), EXIT());
    static const uint8_t want[16] = {0xaa, 0xff, 0xff, 0xaa, 0xaa, 0xff, 0xaa, 0xaa,
                                     0,    0,    0,    0,    0xaa, 0xaa, 0xaa, 0xaa};
    uint32_t m2 = 0xfffffffeu;
    uint8_t want2[16];
    memcpy(want2, want, 16);
    memcpy(want2 + 8, &m2, 4);
    CHECK(memcmp(st, want2, 16) == 0);
}

static int host_is_le(void)
{
    uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void byte_swaps_truncate(void)
{
    const uint64_t v = 0x1122334455667788ull;
    int le = host_is_le();
    /* to-little-endian is a no-op on little-endian hosts, but truncates */
    EXPECT(le ? 0x7788 : 0x8877, LDDW(0, v), END_LE(0, 16), EXIT());
    EXPECT(le ? 0x55667788 : 0x88776655, LDDW(0, v), END_LE(0, 32), EXIT());
    EXPECT(le ? v : 0x8877665544332211ull, LDDW(0, v), END_LE(0, 64), EXIT());
    EXPECT(le ? 0x8877 : 0x7788, LDDW(0, v), END_BE(0, 16), EXIT());
    EXPECT(le ? 0x88776655 : 0x55667788, LDDW(0, v), END_BE(0, 32), EXIT());
    EXPECT(le ? 0x8877665544332211ull : v, LDDW(0, v), END_BE(0, 64), EXIT());
    /* bswap (ALU64 class, RFC 9669 §4.2) swaps whatever the host order */
    EXPECT(0x8877, LDDW(0, v), BSWAP(0, 16), EXIT());
    EXPECT(0x88776655, LDDW(0, v), BSWAP(0, 32), EXIT());
    EXPECT(0x8877665544332211ull, LDDW(0, v), BSWAP(0, 64), EXIT());
}

static void jump_widths_and_signedness(void)
{
    /* JMP32 compares the low halves only */
    TAKEN(1, LDDW(1, 0x100000000ull), JMP32_K(PBPF_JMP_JEQ, 1, 0, 2));
    TAKEN(0, LDDW(1, 0x100000000ull), JMP_K(PBPF_JMP_JEQ, 1, 0, 2));
    TAKEN(0, LDDW(1, 0xffffffff00000001ull), MOV64_K(2, 2), JMP32_X(PBPF_JMP_JGT, 1, 2, 2));
    TAKEN(1, LDDW(1, 0xffffffff00000001ull), MOV64_K(2, 2), JMP_X(PBPF_JMP_JGT, 1, 2, 2));
    TAKEN(1, LDDW(1, 0xffffffff00000001ull), MOV64_K(2, 2), JMP32_X(PBPF_JMP_JLT, 1, 2, 2));
    TAKEN(1, MOV32_K(1, (int32_t)0x80000000u), JMP32_K(PBPF_JMP_JSLT, 1, 0, 2));
    TAKEN(0, MOV32_K(1, (int32_t)0x80000000u), JMP_K(PBPF_JMP_JSLT, 1, 0, 2));
    TAKEN(0, MOV32_K(1, (int32_t)0x80000000u), JMP32_K(PBPF_JMP_JSGT, 1, -1, 2));
    TAKEN(0, LDDW(1, 0x100000005ull), LDDW(2, 0x200000005ull), JMP32_X(PBPF_JMP_JNE, 1, 2, 2));
    TAKEN(1, LDDW(1, 0x100000005ull), LDDW(2, 0x200000005ull), JMP_X(PBPF_JMP_JNE, 1, 2, 2));
    TAKEN(1, LDDW(1, 0x1fffffffeull), JMP32_K(PBPF_JMP_JSLE, 1, -2, 2));
    TAKEN(1, LDDW(1, 0x1fffffffeull), JMP32_K(PBPF_JMP_JSGE, 1, -2, 2));
    TAKEN(0, LDDW(1, 0x1fffffffeull), JMP32_K(PBPF_JMP_JSGT, 1, -2, 2));
    /* imm is sign-extended to 64 bits for JMP, used as is for JMP32 */
    TAKEN(1, MOV64_K(1, -1), JMP_K(PBPF_JMP_JEQ, 1, -1, 2));
    TAKEN(0, MOV32_K(1, -1), JMP_K(PBPF_JMP_JEQ, 1, -1, 2));
    TAKEN(1, MOV32_K(1, -1), JMP32_K(PBPF_JMP_JEQ, 1, -1, 2));
    TAKEN(1, MOV32_K(1, (int32_t)0x80000000u), JMP_K(PBPF_JMP_JSET, 1, (int32_t)0x80000000u, 2));
    /* unsigned vs signed */
    TAKEN(1, MOV64_K(1, -1), JMP_K(PBPF_JMP_JGT, 1, 1, 2));
    TAKEN(0, MOV64_K(1, -1), JMP_K(PBPF_JMP_JSGT, 1, 1, 2));
    TAKEN(1, MOV64_K(1, -1), JMP_K(PBPF_JMP_JSLT, 1, 1, 2));
    TAKEN(0, MOV64_K(1, -1), JMP_K(PBPF_JMP_JLE, 1, 1, 2));
    TAKEN(1, MOV64_K(1, -1), MOV64_K(2, -1), JMP_X(PBPF_JMP_JSGE, 1, 2, 2));
    TAKEN(0, MOV64_K(1, -2), MOV64_K(2, -1), JMP_X(PBPF_JMP_JSGE, 1, 2, 2));
    TAKEN(0, MOV64_K(1, -2), MOV64_K(2, -1), JMP_X(PBPF_JMP_JGE, 1, 2, 2));
    /* equality edges */
    TAKEN(1, MOV64_K(1, 5), JMP_K(PBPF_JMP_JGE, 1, 5, 2));
    TAKEN(1, MOV64_K(1, 5), JMP_K(PBPF_JMP_JLE, 1, 5, 2));
    TAKEN(0, MOV64_K(1, 5), JMP_K(PBPF_JMP_JGT, 1, 5, 2));
    TAKEN(0, MOV64_K(1, 5), JMP_K(PBPF_JMP_JLT, 1, 5, 2));
    TAKEN(1, MOV64_K(1, 5), JMP_K(PBPF_JMP_JSGE, 1, 5, 2));
    TAKEN(1, MOV64_K(1, 5), JMP_K(PBPF_JMP_JSLE, 1, 5, 2));
    /* jset tests bits, per width */
    TAKEN(1, LDDW(1, 0x100000000ull), LDDW(2, 0x100000000ull), JMP_X(PBPF_JMP_JSET, 1, 2, 2));
    TAKEN(0, LDDW(1, 0x100000000ull), LDDW(2, 0x100000000ull), JMP32_X(PBPF_JMP_JSET, 1, 2, 2));
    /* gotol uses imm */
    EXPECT(2, MOV64_K(0, 1), JA32(1), EXIT(), MOV64_K(0, 2), EXIT());
}

struct atomic_case {
    int32_t aop;
    uint64_t (*apply)(uint64_t old, uint64_t v);
};
static uint64_t ap_add(uint64_t o, uint64_t v) { return o + v; }
static uint64_t ap_or(uint64_t o, uint64_t v) { return o | v; }
static uint64_t ap_and(uint64_t o, uint64_t v) { return o & v; }
static uint64_t ap_xor(uint64_t o, uint64_t v) { return o ^ v; }
static uint64_t ap_xchg(uint64_t o, uint64_t v) { (void)o; return v; }

static void atomics_update_memory_and_fetch(void)
{
    static const struct atomic_case cases[] = {
        {PBPF_ALU_ADD, ap_add}, {PBPF_ALU_OR, ap_or}, {PBPF_ALU_AND, ap_and},
        {PBPF_ALU_XOR, ap_xor}, {PBPF_ATOMIC_XCHG, ap_xchg},
    };
    const uint64_t old64 = 0xf0f0f0f00000fff0ull, v64 = 0x0ff00ff0800000ffull;
    const uint32_t old32 = 0xf0f0fff0u;
    for (size_t i = 0; i < NINSNS(cases); i++) {
        for (int fetch = 0; fetch < 2; fetch++) {
            int32_t aop = cases[i].aop | (fetch ? PBPF_ATOMIC_FETCH : 0);
            if (cases[i].aop == PBPF_ATOMIC_XCHG && !fetch)
                continue;
            int fetches = fetch || cases[i].aop == PBPF_ATOMIC_XCHG;
            /* 64-bit at mem+8; r0 = r2 afterwards */
            uint64_t mem[3] = {1, old64, 2};
            EXPECT_MEM(mem, sizeof mem, fetches ? old64 : v64, LDDW(2, v64),
                       ATOMIC(PBPF_SIZE_DW, 1, 2, 8, aop), MOV64_X(0, 2), EXIT());
            CHECK_EQ(mem[1], cases[i].apply(old64, v64));
            CHECK_EQ(mem[0], 1);
            CHECK_EQ(mem[2], 2);
            /* 32-bit at mem+4: uses the low half of src, fetches zero-extended */
            uint32_t m32[3] = {1, old32, 2};
            EXPECT_MEM(m32, sizeof m32, fetches ? old32 : v64, LDDW(2, v64),
                       ATOMIC(PBPF_SIZE_W, 1, 2, 4, aop), MOV64_X(0, 2), EXIT());
            CHECK_EQ(m32[1], (uint32_t)cases[i].apply(old32, (uint32_t)v64));
            CHECK_EQ(m32[0], 1);
            CHECK_EQ(m32[2], 2);
        }
    }
    /* the address may be on the stack */
    EXPECT(12, ST(PBPF_SIZE_DW, 10, -8, 5), MOV64_K(2, 7),
           ATOMIC(PBPF_SIZE_DW, 10, 2, -8, PBPF_ALU_ADD), LDX(PBPF_SIZE_DW, 0, 10, -8), EXIT());
}

static void compare_and_exchange(void)
{
    /* success: memory takes src, r0 gets the old value */
    uint64_t m[1] = {0x10};
    EXPECT_MEM(m, 8, 0x10, MOV64_K(0, 0x10), MOV64_K(2, 0x99),
               ATOMIC(PBPF_SIZE_DW, 1, 2, 0, PBPF_ATOMIC_CMPXCHG), EXIT());
    CHECK_EQ(m[0], 0x99);
    /* failure: memory unchanged, r0 still gets the old value */
    m[0] = 0x10;
    EXPECT_MEM(m, 8, 0x10, MOV64_K(0, 0x11), MOV64_K(2, 0x99),
               ATOMIC(PBPF_SIZE_DW, 1, 2, 0, PBPF_ATOMIC_CMPXCHG), EXIT());
    CHECK_EQ(m[0], 0x10);
    /* 32-bit: compares the low half of r0 and zero-extends the result
     * (Linux: r0 = (u32)atomic_cmpxchg(..., (u32)r0, (u32)src)) */
    uint32_t w[2] = {5, 0xabcd};
    EXPECT_MEM(w, 8, 5, LDDW(0, 0xffffffff00000005ull), LDDW(2, 0x1234567800000077ull),
               ATOMIC(PBPF_SIZE_W, 1, 2, 0, PBPF_ATOMIC_CMPXCHG), EXIT());
    CHECK_EQ(w[0], 0x77);
    CHECK_EQ(w[1], 0xabcd);
    w[0] = 5;
    EXPECT_MEM(w, 8, 5, MOV64_K(0, 6), MOV64_K(2, 0x77),
               ATOMIC(PBPF_SIZE_W, 1, 2, 0, PBPF_ATOMIC_CMPXCHG), EXIT());
    CHECK_EQ(w[0], 5);
    /* src is not written by cmpxchg */
    w[0] = 5;
    EXPECT_MEM(w, 8, 0x77, MOV64_K(0, 5), MOV64_K(2, 0x77),
               ATOMIC(PBPF_SIZE_W, 1, 2, 0, PBPF_ATOMIC_CMPXCHG), MOV64_X(0, 2), EXIT());
}

static void local_calls_have_their_own_frames(void)
{
    /* r6..r9 are callee-saved: the caller sees its own values after the call */
    EXPECT(1030, MOV64_K(6, 6), MOV64_K(7, 7), MOV64_K(8, 8), MOV64_K(9, 9), CALL_LOCAL(5),
           ALU64_X(PBPF_ALU_ADD, 0, 6), ALU64_X(PBPF_ALU_ADD, 0, 7), ALU64_X(PBPF_ALU_ADD, 0, 8),
           ALU64_X(PBPF_ALU_ADD, 0, 9), EXIT(),
           /* callee */
           MOV64_K(6, 100), MOV64_K(7, 100), MOV64_K(8, 100), MOV64_K(9, 100), MOV64_K(0, 1000),
           EXIT());
    /* arguments arrive in r1..r5 */
    EXPECT(54321, MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3), MOV64_K(4, 4), MOV64_K(5, 5),
           CALL_LOCAL(1), EXIT(), MOV64_X(0, 5), ALU64_K(PBPF_ALU_MUL, 0, 10),
           ALU64_X(PBPF_ALU_ADD, 0, 4), ALU64_K(PBPF_ALU_MUL, 0, 10), ALU64_X(PBPF_ALU_ADD, 0, 3),
           ALU64_K(PBPF_ALU_MUL, 0, 10), ALU64_X(PBPF_ALU_ADD, 0, 2), ALU64_K(PBPF_ALU_MUL, 0, 10),
           ALU64_X(PBPF_ALU_ADD, 0, 1), EXIT());
    /* r10 is per frame: the callee's [r10-8] is not the caller's, and the
     * caller's frame is reachable through a pointer */
    EXPECT(111333, ST(PBPF_SIZE_DW, 10, -8, 111), MOV64_X(1, 10), CALL_LOCAL(4),
           LDX(PBPF_SIZE_DW, 4, 10, -8), ALU64_K(PBPF_ALU_MUL, 4, 1000), ALU64_X(PBPF_ALU_ADD, 0, 4),
           EXIT(),
           /* callee */
           ST(PBPF_SIZE_DW, 10, -8, 222), LDX(PBPF_SIZE_DW, 2, 10, -8), LDX(PBPF_SIZE_DW, 3, 1, -8),
           MOV64_X(0, 2), ALU64_X(PBPF_ALU_ADD, 0, 3), EXIT());
    /* r10 is restored on return; the frames do not overlap (512 bytes each) */
    EXPECT(0, MOV64_X(6, 10), CALL_LOCAL(3), MOV64_X(0, 6), ALU64_X(PBPF_ALU_SUB, 0, 10), EXIT(),
           MOV64_K(0, 0), EXIT());
    EXPECT(1, MOV64_X(1, 10), CALL_LOCAL(1), EXIT(), MOV64_X(0, 1), ALU64_X(PBPF_ALU_SUB, 0, 10),
           MOV64_X(2, 0), MOV64_K(0, 0), JMP_K(PBPF_JMP_JLT, 2, 512, 1), MOV64_K(0, 1), EXIT());
    /* recursion: 5! with n kept in callee-saved r6 */
    EXPECT(120, MOV64_K(1, 5), CALL_LOCAL(1), EXIT(), JMP_K(PBPF_JMP_JGT, 1, 1, 2), MOV64_K(0, 1),
           EXIT(), MOV64_X(6, 1), ALU64_K(PBPF_ALU_SUB, 1, 1), CALL_LOCAL(-6),
           ALU64_X(PBPF_ALU_MUL, 0, 6), EXIT());
}

static void legacy_packet_loads(void)
{
    uint8_t pkt[16];
    for (int i = 0; i < 16; i++)
        pkt[i] = (uint8_t)(i + 1);
    /* big-endian loads into r0, zero-extended (RFC 9669 §5.5, Linux) */
    EXPECT_MEM(pkt, 16, 0x03040506, MOV64_K(0, -1), LDABS(PBPF_SIZE_W, 2), EXIT());
    EXPECT_MEM(pkt, 16, 0x0102, MOV64_K(0, -1), LDABS(PBPF_SIZE_H, 0), EXIT());
    EXPECT_MEM(pkt, 16, 0x10, MOV64_K(0, -1), LDABS(PBPF_SIZE_B, 15), EXIT());
    EXPECT_MEM(pkt, 16, 0x0708, MOV64_K(6, 4), LDIND(PBPF_SIZE_H, 6, 2), EXIT());
    EXPECT_MEM(pkt, 16, 0x0d, MOV64_K(6, 10), LDIND(PBPF_SIZE_B, 6, 2), EXIT());
    /* the offset is src + imm in 32 bits */
    EXPECT_MEM(pkt, 16, 0x05060708, MOV32_K(6, -1), LDIND(PBPF_SIZE_W, 6, 5), EXIT());
    /* out of bounds: the program ends with r0 = 0 */
    EXPECT_MEM(pkt, 16, 0, MOV64_K(0, 5), LDABS(PBPF_SIZE_W, 13), MOV64_K(0, 99), EXIT());
    EXPECT_MEM(pkt, 16, 0, LDABS(PBPF_SIZE_B, 16), MOV64_K(0, 99), EXIT());
    EXPECT_MEM(pkt, 16, 0, LDABS(PBPF_SIZE_H, -1), MOV64_K(0, 99), EXIT());
    EXPECT_MEM(pkt, 16, 0, MOV64_K(6, -10), LDIND(PBPF_SIZE_B, 6, 2), MOV64_K(0, 99), EXIT());
    EXPECT_MEM(pkt, 16, 0, MOV64_K(6, 15), LDIND(PBPF_SIZE_H, 6, 0), MOV64_K(0, 99), EXIT());
    EXPECT(0, LDABS(PBPF_SIZE_B, 0), MOV64_K(0, 99), EXIT());
    /* out of bounds inside a call ends the whole program */
    EXPECT_MEM(pkt, 16, 0, CALL_LOCAL(2), MOV64_K(0, 99), EXIT(), LDABS(PBPF_SIZE_W, 100), EXIT());
}

int main(void)
{
    if (pbpf_runtime_new(NULL, &rt) != 0) {
        fprintf(stderr, "pbpf_runtime_new failed\n");
        return 1;
    }
    UNIT_RUN(division_by_zero);
    UNIT_RUN(signed_division_overflow_and_signs);
    UNIT_RUN(shifts_mask_their_amount);
    UNIT_RUN(every_alu32_op_zero_extends);
    UNIT_RUN(sign_extending_moves);
    UNIT_RUN(sign_extending_loads);
    UNIT_RUN(byte_swaps_truncate);
    UNIT_RUN(jump_widths_and_signedness);
    UNIT_RUN(atomics_update_memory_and_fetch);
    UNIT_RUN(compare_and_exchange);
    UNIT_RUN(local_calls_have_their_own_frames);
    UNIT_RUN(legacy_packet_loads);
    pbpf_runtime_free(rt);
    return unit_finish();
}
