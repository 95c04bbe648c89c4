/* The instruction table and the functions built on it: lookup, validation.
 * Every module that needs to know what an opcode means asks here. */
#ifndef PBPF_ISA_ISA_H
#define PBPF_ISA_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "isa/insn.h"
#include "isa/isa_table.def"

/* One enumerator per table row: the "execution op" that engines switch on. */
enum pbpf_xop {
#define PBPF_X_ENUM(name, ...) PBPF_XOP_##name,
    PBPF_ISA_TABLE(PBPF_X_ENUM)
#undef PBPF_X_ENUM
    PBPF_XOP_COUNT
};

/* How a field must look for a row to match. */
enum pbpf_rule_kind {
    PBPF_RULE_ZERO,      /* the field must be 0 */
    PBPF_RULE_ANY,       /* any value */
    PBPF_RULE_EQ,        /* exactly .value */
    PBPF_RULE_REG_READ,  /* a register the instruction reads: r0..r10 */
    PBPF_RULE_REG_WRITE, /* a register the instruction writes: r0..r9 */
};

struct pbpf_rule {
    uint8_t kind; /* enum pbpf_rule_kind */
    int32_t value;
};

/* Operand syntax: drives the assembler, disassembler and engines' decoding. */
enum pbpf_fmt {
    PBPF_FMT_ALU_K,
    PBPF_FMT_ALU_X,
    PBPF_FMT_NEG,
    PBPF_FMT_END,
    PBPF_FMT_MOVSX,
    PBPF_FMT_LDDW,
    PBPF_FMT_LDX,
    PBPF_FMT_ST,
    PBPF_FMT_STX,
    PBPF_FMT_ATOMIC,
    PBPF_FMT_JA,
    PBPF_FMT_JA32,
    PBPF_FMT_JCOND_K,
    PBPF_FMT_JCOND_X,
    PBPF_FMT_CALL,
    PBPF_FMT_CALL_LOCAL,
    PBPF_FMT_CALL_KFUNC,
    PBPF_FMT_CALLX,
    PBPF_FMT_EXIT,
    PBPF_FMT_LDABS,
    PBPF_FMT_LDIND,
};

/* RFC 9669 §2.4 conformance groups, plus what Linux adds outside the RFC. */
enum pbpf_group {
    PBPF_GROUP_BASE32,
    PBPF_GROUP_BASE64,
    PBPF_GROUP_DIVMUL32,
    PBPF_GROUP_DIVMUL64,
    PBPF_GROUP_ATOMIC32,
    PBPF_GROUP_ATOMIC64,
    PBPF_GROUP_PACKET,
    PBPF_GROUP_LINUX,
};

struct pbpf_opinfo {
    const char *name; /* enumerator name without prefix, e.g. "ADD64_K" */
    uint8_t code;
    uint8_t xop; /* enum pbpf_xop */
    uint8_t fmt; /* enum pbpf_fmt */
    uint8_t group;
    struct pbpf_rule dst, src, off, imm;
    const char *mnemonic; /* conformance-file assembler syntax */
    const char *sym;      /* operator in llvm-objdump syntax */
};

/* The table, sorted by opcode, PBPF_XOP_COUNT rows; row i has xop i. */
extern const struct pbpf_opinfo pbpf_isa_table[PBPF_XOP_COUNT];

/* The row describing insn, or NULL.  Only looks at the first slot. */
const struct pbpf_opinfo *pbpf_isa_lookup(const struct pbpf_insn *insn);

/* First row with this opcode byte, or NULL if the byte is not an opcode. */
const struct pbpf_opinfo *pbpf_isa_first(uint8_t code);

/* Access size in bytes of a load/store/atomic row (1, 2, 4, 8), else 0. */
unsigned pbpf_isa_mem_size(const struct pbpf_opinfo *op);

/* Number of slots an instruction occupies (2 for lddw, else 1). */
static inline unsigned pbpf_isa_slots(const struct pbpf_insn *insn)
{
    return insn->code == PBPF_OPCODE_LDDW ? 2 : 1;
}

/* Whether the instruction transfers control to insn index + 1 + off (or imm
 * for ja32), and the target; calls are not jumps. */
int pbpf_isa_jump_target(const struct pbpf_insn *insn, size_t pc, int64_t *target);

const char *pbpf_isa_group_name(unsigned group);

/* Structural validation of raw bytecode (no data-flow): every instruction is
 * a row of the table with its reserved fields zero, registers are in range,
 * r10 is never written, lddw is complete, jumps and local calls land on an
 * instruction, and the program ends in exit or an unconditional jump.
 * Returns 0 or -EINVAL with "insn N: ..." in err; *bad_pc gets N. */
int pbpf_isa_validate(const struct pbpf_insn *insns, size_t cnt, char *err, size_t err_size,
                      size_t *bad_pc);

#endif
