/* The instruction table and the structural validator (src/isa): table
 * invariants, lookups, and every error pbpf_isa_validate reports, with its
 * message and instruction index.
 *
 * Usage: unit_isa [--spec DIR]   (DIR holds isa-opcodes.tsv; exit 77 if
 * it is missing, so ctest reports a skip) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "isa/isa.h"
#include "unit.h"

/* An encoding of row op that satisfies each of its field rules. */
static struct pbpf_insn canonical(const struct pbpf_opinfo *op)
{
    struct pbpf_insn in = {.code = op->code};
    unsigned dst = op->dst.kind == PBPF_RULE_ZERO ? 0 : 3;
    unsigned src = op->src.kind == PBPF_RULE_EQ     ? (unsigned)op->src.value
                   : op->src.kind == PBPF_RULE_ZERO ? 0
                                                    : 4;
    in.regs = PBPF_INSN_REGS(dst, src);
    in.off = (int16_t)(op->off.kind == PBPF_RULE_EQ ? op->off.value : 0);
    in.imm = op->imm.kind == PBPF_RULE_EQ ? op->imm.value : 0;
    return in;
}

static void table_is_sorted_and_indexed_by_xop(void)
{
    for (unsigned i = 0; i < PBPF_XOP_COUNT; i++) {
        CHECK_EQ(pbpf_isa_table[i].xop, i);
        CHECK(pbpf_isa_table[i].name && pbpf_isa_table[i].mnemonic && pbpf_isa_table[i].sym);
        if (i + 1 < PBPF_XOP_COUNT)
            CHECK(pbpf_isa_table[i].code <= pbpf_isa_table[i + 1].code);
    }
}

static void lookup_of_canonical_encoding_returns_its_row(void)
{
    for (unsigned i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *op = &pbpf_isa_table[i];
        struct pbpf_insn in = canonical(op);
        const struct pbpf_opinfo *got = pbpf_isa_lookup(&in);
        if (got != op)
            unit_fail(__FILE__, __LINE__, "lookup of %s gave %s", op->name,
                      got ? got->name : "NULL");
        CHECK(pbpf_isa_first(op->code) != NULL);
        CHECK(pbpf_isa_first(op->code) <= op);
        /* each row, alone before an exit, is a valid program (lddw takes
         * two slots; jumps and local calls with 0 land on the next insn) */
        struct pbpf_insn prog[3] = {in, EXIT(), EXIT()};
        size_t n = 2;
        if (op->fmt == PBPF_FMT_LDDW) {
            prog[1] = INSN(0, 0, 0, 0, 0);
            n = 3;
        }
        char err[200] = "";
        int rc = pbpf_isa_validate(prog, n, err, sizeof err, NULL);
        if (rc)
            unit_fail(__FILE__, __LINE__, "%s: %s", op->name, err);
    }
}

/* The 256 opcode bytes: those with a row are looked up; the rest are
 * rejected by the validator as unknown. */
static void every_opcode_byte_is_known_or_rejected(void)
{
    unsigned known = 0;
    for (unsigned code = 0; code < 256; code++) {
        int in_table = 0;
        for (unsigned i = 0; i < PBPF_XOP_COUNT; i++)
            in_table |= pbpf_isa_table[i].code == code;
        const struct pbpf_opinfo *first = pbpf_isa_first((uint8_t)code);
        CHECK_EQ(first != NULL, in_table);
        struct pbpf_insn prog[] = {MOV64_K(0, 0), INSN(code, 0, 0, 0, 0), EXIT()};
        char err[200] = "";
        size_t bad = 99;
        int rc = pbpf_isa_validate(prog, NINSNS(prog), err, sizeof err, &bad);
        if (in_table) {
            known++;
            if (rc)
                CHECK(strstr(err, "unknown opcode") == NULL);
        } else {
            char want[64];
            snprintf(want, sizeof want, "insn 1: unknown opcode 0x%02x", code);
            CHECK_EQ(rc, -EINVAL);
            CHECK_STR(err, want);
            CHECK_EQ(bad, 1);
            CHECK(pbpf_isa_lookup(&prog[1]) == NULL);
        }
    }
    CHECK(known > 100);
}

static void mem_size_of_loads_stores_and_atomics(void)
{
    static const struct {
        unsigned xop, size;
    } want[] = {
        {PBPF_XOP_LDX_B, 1},       {PBPF_XOP_LDX_H, 2},         {PBPF_XOP_LDX_W, 4},
        {PBPF_XOP_LDX_DW, 8},      {PBPF_XOP_LDXS_B, 1},        {PBPF_XOP_LDXS_H, 2},
        {PBPF_XOP_LDXS_W, 4},      {PBPF_XOP_ST_B, 1},          {PBPF_XOP_ST_DW, 8},
        {PBPF_XOP_STX_H, 2},       {PBPF_XOP_STX_W, 4},         {PBPF_XOP_ATOMIC32_ADD, 4},
        {PBPF_XOP_ATOMIC64_CMPXCHG, 8}, {PBPF_XOP_LDABS_B, 1}, {PBPF_XOP_LDABS_H, 2},
        {PBPF_XOP_LDIND_W, 4},     {PBPF_XOP_LDDW, 0},          {PBPF_XOP_ADD64_K, 0},
        {PBPF_XOP_JA, 0},          {PBPF_XOP_CALL, 0},          {PBPF_XOP_EXIT, 0},
        {PBPF_XOP_BSWAP64, 0},     {PBPF_XOP_MOVSX32_64, 0},
    };
    for (size_t i = 0; i < NINSNS(want); i++)
        CHECK_EQ(pbpf_isa_mem_size(&pbpf_isa_table[want[i].xop]), want[i].size);
    /* every LDX/ST/STX row accesses memory, no ALU or JMP row does */
    for (unsigned i = 0; i < PBPF_XOP_COUNT; i++) {
        uint8_t cls = PBPF_CLASS(pbpf_isa_table[i].code);
        unsigned sz = pbpf_isa_mem_size(&pbpf_isa_table[i]);
        if (cls == PBPF_CLS_LDX || cls == PBPF_CLS_ST || cls == PBPF_CLS_STX)
            CHECK(sz == 1 || sz == 2 || sz == 4 || sz == 8);
        if (cls == PBPF_CLS_ALU || cls == PBPF_CLS_ALU64 || cls == PBPF_CLS_JMP ||
            cls == PBPF_CLS_JMP32)
            CHECK_EQ(sz, 0);
    }
}

static void jump_target_uses_off_or_imm_for_gotol(void)
{
    int64_t t = 12345;
    struct pbpf_insn ja = JA(-1), ja32 = JA32(1000), jeq = JMP32_K(PBPF_JMP_JEQ, 1, 5, 3);
    struct pbpf_insn jx = JMP_X(PBPF_JMP_JSLE, 1, 2, -7);
    CHECK_EQ(pbpf_isa_jump_target(&ja, 5, &t), 1);
    CHECK_EQ(t, 5);
    CHECK_EQ(pbpf_isa_jump_target(&ja32, 2, &t), 1);
    CHECK_EQ(t, 1003);
    CHECK_EQ(pbpf_isa_jump_target(&jeq, 10, &t), 1);
    CHECK_EQ(t, 14);
    CHECK_EQ(pbpf_isa_jump_target(&jx, 3, &t), 1);
    CHECK_EQ(t, -3);
    /* calls, exit and non-jumps are not jumps */
    struct pbpf_insn no[] = {CALL(1), CALL_LOCAL(4), CALLX(1), EXIT(), MOV64_K(0, 1),
                             LDX(PBPF_SIZE_W, 0, 1, 2)};
    for (size_t i = 0; i < NINSNS(no); i++) {
        t = 777;
        CHECK_EQ(pbpf_isa_jump_target(&no[i], 0, &t), 0);
        CHECK_EQ(t, 777);
    }
}

/* --- validation errors ------------------------------------------------ */

static void expect_invalid(const struct pbpf_insn *prog, size_t n, int rc_want, size_t pc_want,
                           const char *msg_want, int line)
{
    char err[256] = "";
    size_t bad = (size_t)-1;
    int rc = pbpf_isa_validate(prog, n, err, sizeof err, &bad);
    if (rc != rc_want || bad != pc_want || strcmp(err, msg_want) != 0)
        unit_fail(__FILE__, line, "want rc %d pc %zu \"%s\", got rc %d pc %zu \"%s\"", rc_want,
                  pc_want, msg_want, rc, bad, err);
}
#define INVALID(msg, pc, ...)                                                                      \
    do {                                                                                           \
        struct pbpf_insn p_[] = {__VA_ARGS__};                                                     \
        expect_invalid(p_, NINSNS(p_), -EINVAL, pc, msg, __LINE__);                                \
    } while (0)
#define VALID(...)                                                                                 \
    do {                                                                                           \
        struct pbpf_insn p_[] = {__VA_ARGS__};                                                     \
        char e_[256] = "";                                                                         \
        int rc_ = pbpf_isa_validate(p_, NINSNS(p_), e_, sizeof e_, NULL);                          \
        if (rc_)                                                                                   \
            unit_fail(__FILE__, __LINE__, "valid program rejected: %s", e_);                       \
    } while (0)

static void validate_rejects_unknown_opcodes(void)
{
    INVALID("insn 0: unknown opcode 0x00", 0, INSN(0x00, 0, 0, 0, 0), EXIT());
    INVALID("insn 2: unknown opcode 0xff", 2, MOV64_K(0, 0), MOV64_K(0, 0), INSN(0xff, 0, 0, 0, 0),
            EXIT());
    /* 0x8e: JMP32 class with the call op does not exist */
    INVALID("insn 0: unknown opcode 0x8e", 0, INSN(0x8e, 0, 0, 0, 0), EXIT());
}

static void validate_rejects_nonzero_reserved_fields(void)
{
    INVALID("insn 0: add (opcode 0x07): src must be 0 (is 3)", 0, INSN(0x07, 0, 3, 0, 1), EXIT());
    INVALID("insn 0: add (opcode 0x07): offset must be 0 (is 5)", 0, INSN(0x07, 0, 0, 5, 1),
            EXIT());
    INVALID("insn 1: add (opcode 0x0f): imm must be 0 (is 7)", 1, MOV64_K(0, 0),
            INSN(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 1, 0, 7), EXIT());
    INVALID("insn 0: ja (opcode 0x05): dst must be 0 (is 1)", 0, INSN(PBPF_OPCODE_JA, 1, 0, 0, 0),
            EXIT());
    INVALID("insn 0: exit (opcode 0x95): dst must be 0 (is 2)", 0,
            INSN(PBPF_OPCODE_EXIT, 2, 0, 0, 0));
    INVALID("insn 0: exit (opcode 0x95): imm must be 0 (is -1)", 0,
            INSN(PBPF_OPCODE_EXIT, 0, 0, 0, -1));
    INVALID("insn 0: neg (opcode 0x87): src must be 0 (is 1)", 0,
            INSN(PBPF_CLS_ALU64 | PBPF_ALU_NEG, 0, 1, 0, 0), EXIT());
    INVALID("insn 0: ldxw (opcode 0x61): imm must be 0 (is 4)", 0,
            INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_W, 0, 1, 0, 4), EXIT());
    INVALID("insn 0: ldabsw (opcode 0x20): dst must be 0 (is 1)", 0,
            INSN(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_W, 1, 0, 0, 0), EXIT());
    /* fields with several allowed values list them */
    INVALID("insn 0: div32 (opcode 0x34): invalid offset 2 (allowed: 0, 1)", 0,
            INSN(PBPF_CLS_ALU | PBPF_ALU_DIV, 0, 0, 2, 1), EXIT());
    INVALID("insn 0: le16 (opcode 0xd4): invalid imm 8 (allowed: 16, 32, 64)", 0, END_LE(0, 8),
            EXIT());
    INVALID("insn 0: mov (opcode 0xbf): invalid offset 64 (allowed: 0, 8, 16, 32)", 0,
            MOVSX64(0, 1, 64), EXIT());
    INVALID("insn 0: lddw (opcode 0x18): invalid src 7 (allowed: 0, 1, 2, 3, 4, 5, 6)", 0,
            INSN(PBPF_OPCODE_LDDW, 0, 7, 0, 0), INSN(0, 0, 0, 0, 0), EXIT());
    INVALID("insn 0: call (opcode 0x85): invalid src 3 (allowed: 0, 1, 2)", 0,
            INSN(PBPF_OPCODE_CALL, 0, 3, 0, 0), EXIT());
    INVALID("insn 0: call (opcode 0x85): offset must be 0 (is 1)", 0,
            INSN(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 1, 0), EXIT());
    INVALID("insn 0: lock add (opcode 0xdb): invalid imm 2 (allowed: 0, 1, 64, 65, 80, 81, 160, "
            "161, 225, 241)",
            0, ATOMIC(PBPF_SIZE_DW, 1, 2, 0, 2), EXIT());
}

static void validate_rejects_bad_registers(void)
{
    INVALID("insn 0: add (opcode 0x0f): invalid dst register r11", 0,
            ALU64_X(PBPF_ALU_ADD, 11, 1), EXIT());
    INVALID("insn 0: add (opcode 0x0f): invalid src register r12", 0,
            ALU64_X(PBPF_ALU_ADD, 1, 12), EXIT());
    INVALID("insn 0: jeq (opcode 0x1d): invalid dst register r15", 0,
            JMP_X(PBPF_JMP_JEQ, 15, 1, 0), EXIT());
    INVALID("insn 0: stxdw (opcode 0x7b): invalid src register r11", 0,
            STX(PBPF_SIZE_DW, 10, 11, -8), EXIT());
    INVALID("insn 0: ldxb (opcode 0x71): invalid src register r13", 0, LDX(PBPF_SIZE_B, 0, 13, 0),
            EXIT());
    INVALID("insn 0: call (opcode 0x8d): invalid dst register r11", 0, CALLX(11), EXIT());
    /* r10 may be read everywhere */
    VALID(MOV64_X(0, 10), STX(PBPF_SIZE_DW, 10, 10, -8), LDX(PBPF_SIZE_DW, 0, 10, -8),
          ST(PBPF_SIZE_B, 10, -1, 1), JMP_X(PBPF_JMP_JEQ, 10, 10, 0),
          ATOMIC(PBPF_SIZE_DW, 10, 1, -8, PBPF_ALU_ADD),
          ATOMIC(PBPF_SIZE_DW, 1, 10, 0, PBPF_ATOMIC_CMPXCHG), EXIT());
}

static void validate_rejects_writes_to_r10(void)
{
    INVALID("insn 0: mov (opcode 0xb7): dst register r10 is written (frame pointer is read-only)",
            0, MOV64_K(10, 0), EXIT());
    INVALID("insn 0: add32 (opcode 0x0c): dst register r10 is written (frame pointer is "
            "read-only)",
            0, ALU32_X(PBPF_ALU_ADD, 10, 1), EXIT());
    INVALID("insn 0: ldxdw (opcode 0x79): dst register r10 is written (frame pointer is "
            "read-only)",
            0, LDX(PBPF_SIZE_DW, 10, 1, 0), EXIT());
    INVALID("insn 0: lddw (opcode 0x18): dst register r10 is written (frame pointer is "
            "read-only)",
            0, LDDW(10, 1), EXIT());
    INVALID("insn 0: neg32 (opcode 0x84): dst register r10 is written (frame pointer is "
            "read-only)",
            0, INSN(PBPF_CLS_ALU | PBPF_ALU_NEG, 10, 0, 0, 0), EXIT());
    /* fetch atomics write the old value back into src */
    INVALID("insn 0: lock fetch add (opcode 0xdb): src register r10 is written (frame pointer is "
            "read-only)",
            0, ATOMIC(PBPF_SIZE_DW, 1, 10, 0, PBPF_ALU_ADD | PBPF_ATOMIC_FETCH), EXIT());
    INVALID("insn 0: lock xchg32 (opcode 0xc3): src register r10 is written (frame pointer is "
            "read-only)",
            0, ATOMIC(PBPF_SIZE_W, 1, 10, 0, PBPF_ATOMIC_XCHG), EXIT());
    INVALID("insn 0: lock fetch xor32 (opcode 0xc3): src register r10 is written (frame pointer "
            "is read-only)",
            0, ATOMIC(PBPF_SIZE_W, 1, 10, 0, PBPF_ALU_XOR | PBPF_ATOMIC_FETCH), EXIT());
}

static void validate_checks_lddw_slots(void)
{
    INVALID("insn 1: lddw is truncated (no second slot)", 1, MOV64_K(0, 0),
            INSN(PBPF_OPCODE_LDDW, 0, 0, 0, 1));
    INVALID("insn 2: second slot of lddw must have opcode, registers and offset 0", 2,
            MOV64_K(0, 0), INSN(PBPF_OPCODE_LDDW, 0, 0, 0, 1), INSN(0x07, 0, 0, 0, 0), EXIT());
    INVALID("insn 1: second slot of lddw must have opcode, registers and offset 0", 1,
            INSN(PBPF_OPCODE_LDDW, 0, 0, 0, 1), INSN(0, 1, 0, 0, 0), EXIT());
    INVALID("insn 1: second slot of lddw must have opcode, registers and offset 0", 1,
            INSN(PBPF_OPCODE_LDDW, 0, 0, 0, 1), INSN(0, 0, 0, -1, 0), EXIT());
    /* the second slot's imm is the upper half and may be anything */
    VALID(LDDW(0, 0xffffffffffffffffull), EXIT());
}

static void validate_checks_jump_targets(void)
{
    INVALID("insn 0: jump out of range to insn 6", 0, JA(5), EXIT());
    INVALID("insn 1: jump out of range to insn -1", 1, MOV64_K(0, 0), JA(-3), EXIT());
    INVALID("insn 1: jump out of range to insn 3", 1, MOV64_K(0, 0),
            JMP_K(PBPF_JMP_JEQ, 0, 0, 1), EXIT());
    INVALID("insn 0: jump out of range to insn -99", 0, JA32(-100), EXIT());
    INVALID("insn 0: call out of range to insn 2", 0, CALL_LOCAL(1), EXIT());
    INVALID("insn 1: call out of range to insn -1", 1, MOV64_K(0, 0), CALL_LOCAL(-3), EXIT());
    INVALID("insn 0: jump into the middle of lddw at insn 2", 0, JA(1), LDDW(0, 1), EXIT());
    INVALID("insn 3: jump into the middle of lddw at insn 1", 3, LDDW(0, 1), MOV64_K(0, 0),
            JMP32_K(PBPF_JMP_JNE, 0, 0, -3), EXIT());
    INVALID("insn 0: call into the middle of lddw at insn 2", 0, CALL_LOCAL(1), LDDW(0, 1),
            EXIT());
    INVALID("insn 0: jump into the middle of lddw at insn 2", 0, JA32(1), LDDW(0, 1), EXIT());
    /* jumps to the first slot of a lddw, to itself, and to the last insn */
    VALID(JA(0), JMP_K(PBPF_JMP_JEQ, 1, 0, 0), LDDW(0, 1), JA(-3), EXIT());
    VALID(JA(2), LDDW(0, 1), JA32(-4), EXIT());
}

static void validate_checks_program_end(void)
{
    INVALID("insn 0: last instruction is not an exit or unconditional jump", 0, MOV64_K(0, 0));
    INVALID("insn 1: last instruction is not an exit or unconditional jump", 1, MOV64_K(0, 0),
            JMP_K(PBPF_JMP_JEQ, 0, 0, -2));
    INVALID("insn 1: last instruction is not an exit or unconditional jump", 1, EXIT(),
            LDDW(0, 1));
    INVALID("insn 1: last instruction is not an exit or unconditional jump", 1, EXIT(),
            CALL_LOCAL(-2));
    VALID(JA(-1));
    VALID(JA32(-1));
    VALID(EXIT());
}

static void validate_checks_program_size(void)
{
    char err[200] = "";
    size_t bad = 7;
    CHECK_EQ(pbpf_isa_validate(NULL, 0, err, sizeof err, &bad), -EINVAL);
    CHECK_STR(err, "insn 0: program is empty");
    CHECK_EQ(bad, 0);

    size_t max = PBPF_MAX_INSNS;
    CHECK_EQ(max, 1u << 20); /* Linux's BPF_COMPLEXITY_LIMIT_INSNS */
    struct pbpf_insn *big = calloc(max + 1, sizeof *big);
    CHECK(big != NULL);
    if (!big)
        return;
    for (size_t i = 0; i <= max; i++)
        big[i] = MOV64_K(0, (int32_t)i);
    big[max - 1] = EXIT();
    CHECK_EQ(pbpf_isa_validate(big, max, err, sizeof err, &bad), 0);
    big[max] = EXIT();
    bad = 7;
    CHECK_EQ(pbpf_isa_validate(big, max + 1, err, sizeof err, &bad), -E2BIG);
    CHECK_STR(err, "insn 0: program has 1048577 instructions, more than 1048576");
    CHECK_EQ(bad, 0);
    free(big);
}

static void validate_truncates_messages_safely(void)
{
    struct pbpf_insn prog[] = {INSN(0xff, 0, 0, 0, 0), EXIT()};
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK_EQ(pbpf_isa_validate(prog, 2, small, sizeof small, NULL), -EINVAL);
    CHECK_STR(small, "insn 0:");
    /* no buffer at all */
    CHECK_EQ(pbpf_isa_validate(prog, 2, NULL, 0, NULL), -EINVAL);
    char one[1] = {'x'};
    CHECK_EQ(pbpf_isa_validate(prog, 2, one, 1, NULL), -EINVAL);
    CHECK_EQ(one[0], '\0');
}

/* --- against the RFC's opcode table ----------------------------------- */

static const char *spec_dir;

static long field(const char *s, long any)
{
    return strcmp(s, "any") == 0 ? any : strtol(s, NULL, 0);
}

/* Every encoding RFC 9669 Appendix A lists is looked up, with "any" fields
 * given arbitrary values; and the table holds no opcode byte the RFC does
 * not list, except Linux's callx (0x8d) and the MEMSX loads. */
static void table_matches_rfc_appendix(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/isa-opcodes.tsv", spec_dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    unsigned char rfc_codes[256] = {0};
    char line[512];
    unsigned rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] != '0')
            continue;
        char *cols[5] = {0};
        char *p = line;
        for (int c = 0; c < 5 && p; c++) {
            cols[c] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (!cols[3])
            continue;
        unsigned code = (unsigned)strtoul(cols[0], NULL, 0);
        if (strstr(cols[4], "additional immediate")) /* the lddw second slot */
            continue;
        rows++;
        rfc_codes[code] = 1;
        long src = field(cols[1], 5), off = field(cols[2], -3), imm = field(cols[3], 0x1234);
        /* the RFC's table does not list dst: try a register, then 0 */
        struct pbpf_insn in = INSN(code, 2, src, off, imm);
        const struct pbpf_opinfo *op = pbpf_isa_lookup(&in);
        if (!op) {
            in.regs = PBPF_INSN_REGS(0, src);
            op = pbpf_isa_lookup(&in);
        }
        if (!op || op->code != code)
            unit_fail(__FILE__, __LINE__, "RFC encoding %s src=%s off=%s imm=%s not found",
                      cols[0], cols[1], cols[2], cols[3]);
    }
    fclose(f);
    CHECK(rows > 150);
    for (unsigned i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *op = &pbpf_isa_table[i];
        /* RFC 9669 §5.2 defines the sign-extending loads (MEMSX) but its
         * Appendix A table leaves them out */
        int memsx = PBPF_CLASS(op->code) == PBPF_CLS_LDX && PBPF_MODE(op->code) == PBPF_MODE_MEMSX;
        if (!rfc_codes[op->code] && op->group != PBPF_GROUP_LINUX && !memsx)
            unit_fail(__FILE__, __LINE__, "%s (0x%02x) is neither in the RFC nor a Linux row",
                      op->name, op->code);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--spec") == 0) {
        spec_dir = argv[2];
        char path[1024];
        snprintf(path, sizeof path, "%s/isa-opcodes.tsv", spec_dir);
        FILE *f = fopen(path, "r");
        if (!f) {
            printf("SKIP: %s not found (set PBPF_SHARED_DIR)\n", path);
            return 77;
        }
        fclose(f);
        UNIT_RUN(table_matches_rfc_appendix);
        return unit_finish();
    }
    UNIT_RUN(table_is_sorted_and_indexed_by_xop);
    UNIT_RUN(lookup_of_canonical_encoding_returns_its_row);
    UNIT_RUN(every_opcode_byte_is_known_or_rejected);
    UNIT_RUN(mem_size_of_loads_stores_and_atomics);
    UNIT_RUN(jump_target_uses_off_or_imm_for_gotol);
    UNIT_RUN(validate_rejects_unknown_opcodes);
    UNIT_RUN(validate_rejects_nonzero_reserved_fields);
    UNIT_RUN(validate_rejects_bad_registers);
    UNIT_RUN(validate_rejects_writes_to_r10);
    UNIT_RUN(validate_checks_lddw_slots);
    UNIT_RUN(validate_checks_jump_targets);
    UNIT_RUN(validate_checks_program_end);
    UNIT_RUN(validate_checks_program_size);
    UNIT_RUN(validate_truncates_messages_safely);
    return unit_finish();
}
