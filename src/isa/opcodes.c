/* The instruction table (RFC 9669 Appendix A, plus the Linux additions named
 * in isa_table.def) and lookups over it. */
#include <errno.h>
#include <stddef.h>

#include "isa/isa.h"

#define DZ {PBPF_RULE_ZERO, 0}
#define DR {PBPF_RULE_REG_READ, 0}
#define DW {PBPF_RULE_REG_WRITE, 0}
#define SZ {PBPF_RULE_ZERO, 0}
#define SR {PBPF_RULE_REG_READ, 0}
#define SW {PBPF_RULE_REG_WRITE, 0}
#define SE(v) {PBPF_RULE_EQ, (v)}
#define OZ {PBPF_RULE_ZERO, 0}
#define OA {PBPF_RULE_ANY, 0}
#define OE(v) {PBPF_RULE_EQ, (v)}
#define IZ {PBPF_RULE_ZERO, 0}
#define IA {PBPF_RULE_ANY, 0}
#define IE(v) {PBPF_RULE_EQ, (v)}

const struct pbpf_opinfo pbpf_isa_table[PBPF_XOP_COUNT] = {
#define PBPF_X_ROW(nm, opc, d, s, o, i, f, g, mn, sy)                                             \
    [PBPF_XOP_##nm] = {.name = #nm,                                                            \
                       .code = (opc),                                                          \
                       .xop = PBPF_XOP_##nm,                                                   \
                       .fmt = PBPF_FMT_##f,                                                    \
                       .group = PBPF_GROUP_##g,                                                \
                       .dst = d,                                                               \
                       .src = s,                                                               \
                       .off = o,                                                               \
                       .imm = i,                                                               \
                       .mnemonic = mn,                                                         \
                       .sym = sy},
    PBPF_ISA_TABLE(PBPF_X_ROW)
#undef PBPF_X_ROW
};

const struct pbpf_opinfo *pbpf_isa_first(uint8_t code)
{
    size_t lo = 0, hi = PBPF_XOP_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pbpf_isa_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < PBPF_XOP_COUNT && pbpf_isa_table[lo].code == code ? &pbpf_isa_table[lo] : NULL;
}

static int rule_ok(const struct pbpf_rule *r, int64_t v)
{
    switch (r->kind) {
    case PBPF_RULE_ZERO:
        return v == 0;
    case PBPF_RULE_ANY:
        return 1;
    case PBPF_RULE_EQ:
        return v == r->value;
    case PBPF_RULE_REG_READ:
    case PBPF_RULE_REG_WRITE:
        /* register numbers are range-checked by the validator, which can
         * say which register is wrong; any value selects the row. */
        return 1;
    }
    return 0;
}

const struct pbpf_opinfo *pbpf_isa_lookup(const struct pbpf_insn *insn)
{
    const struct pbpf_opinfo *op = pbpf_isa_first(insn->code);
    if (!op)
        return NULL;
    for (; op < pbpf_isa_table + PBPF_XOP_COUNT && op->code == insn->code; op++) {
        if (rule_ok(&op->src, PBPF_INSN_SRC(insn)) && rule_ok(&op->off, insn->off) &&
            rule_ok(&op->imm, insn->imm) && rule_ok(&op->dst, PBPF_INSN_DST(insn)))
            return op;
    }
    return NULL;
}

unsigned pbpf_isa_mem_size(const struct pbpf_opinfo *op)
{
    switch (op->fmt) {
    case PBPF_FMT_LDX:
    case PBPF_FMT_ST:
    case PBPF_FMT_STX:
    case PBPF_FMT_ATOMIC:
    case PBPF_FMT_LDABS:
    case PBPF_FMT_LDIND:
        switch (PBPF_SIZE(op->code)) {
        case PBPF_SIZE_B:
            return 1;
        case PBPF_SIZE_H:
            return 2;
        case PBPF_SIZE_W:
            return 4;
        default:
            return 8;
        }
    default:
        return 0;
    }
}

int pbpf_isa_jump_target(const struct pbpf_insn *insn, size_t pc, int64_t *target)
{
    uint8_t cls = PBPF_CLASS(insn->code);
    if (cls != PBPF_CLS_JMP && cls != PBPF_CLS_JMP32)
        return 0;
    uint8_t op = PBPF_OP(insn->code);
    if (op == PBPF_JMP_CALL || op == PBPF_JMP_EXIT)
        return 0;
    /* RFC 9669 §4.3: JMP32 JA ("gotol") takes its offset from imm. */
    if (insn->code == PBPF_OPCODE_JA32)
        *target = (int64_t)pc + 1 + insn->imm;
    else
        *target = (int64_t)pc + 1 + insn->off;
    return 1;
}

const char *pbpf_isa_group_name(unsigned group)
{
    static const char *const names[] = {"base32", "base64",   "divmul32", "divmul64",
                                        "atomic32", "atomic64", "packet",   "linux"};
    return group < sizeof(names) / sizeof(names[0]) ? names[group] : "?";
}
