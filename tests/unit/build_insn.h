/* Instruction constructors for hand-written test programs.  They spell
 * encodings with the field constants of src/isa/insn.h (RFC 9669 §3), so a
 * test states *which* instruction it means, not its bytes. */
#ifndef PBPF_TESTS_BUILD_INSN_H
#define PBPF_TESTS_BUILD_INSN_H

#include "isa/insn.h"

#define INSN(code, dst, src, off, imm)                                                             \
    ((struct pbpf_insn){(uint8_t)(code), PBPF_INSN_REGS(dst, src), (int16_t)(off), (int32_t)(imm)})

/* arithmetic (§4.1): op is PBPF_ALU_* */
#define ALU64_K(op, dst, imm) INSN(PBPF_CLS_ALU64 | (op), dst, 0, 0, imm)
#define ALU64_X(op, dst, src) INSN(PBPF_CLS_ALU64 | PBPF_SRC_X | (op), dst, src, 0, 0)
#define ALU32_K(op, dst, imm) INSN(PBPF_CLS_ALU | (op), dst, 0, 0, imm)
#define ALU32_X(op, dst, src) INSN(PBPF_CLS_ALU | PBPF_SRC_X | (op), dst, src, 0, 0)
/* signed division and modulo: offset 1 (§4.1) */
#define SALU64_K(op, dst, imm) INSN(PBPF_CLS_ALU64 | (op), dst, 0, 1, imm)
#define SALU64_X(op, dst, src) INSN(PBPF_CLS_ALU64 | PBPF_SRC_X | (op), dst, src, 1, 0)
#define SALU32_K(op, dst, imm) INSN(PBPF_CLS_ALU | (op), dst, 0, 1, imm)
#define SALU32_X(op, dst, src) INSN(PBPF_CLS_ALU | PBPF_SRC_X | (op), dst, src, 1, 0)
#define MOV64_K(dst, imm) ALU64_K(PBPF_ALU_MOV, dst, imm)
#define MOV64_X(dst, src) ALU64_X(PBPF_ALU_MOV, dst, src)
#define MOV32_K(dst, imm) ALU32_K(PBPF_ALU_MOV, dst, imm)
/* sign-extending moves: offset = source width in bits */
#define MOVSX64(dst, src, bits) INSN(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, dst, src, bits, 0)
#define MOVSX32(dst, src, bits) INSN(PBPF_CLS_ALU | PBPF_SRC_X | PBPF_ALU_MOV, dst, src, bits, 0)
/* byte swaps (§4.2): to little / big endian, unconditional */
#define END_LE(dst, bits) INSN(PBPF_CLS_ALU | PBPF_ALU_END, dst, 0, 0, bits)
#define END_BE(dst, bits) INSN(PBPF_CLS_ALU | PBPF_SRC_X | PBPF_ALU_END, dst, 0, 0, bits)
#define BSWAP(dst, bits) INSN(PBPF_CLS_ALU64 | PBPF_ALU_END, dst, 0, 0, bits)

/* 64-bit immediate (§5.4): two slots */
#define LDDW(dst, v)                                                                               \
    INSN(PBPF_OPCODE_LDDW, dst, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                           \
        INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))

/* jumps (§4.3): op is PBPF_JMP_* */
#define JMP_K(op, dst, imm, off) INSN(PBPF_CLS_JMP | (op), dst, 0, off, imm)
#define JMP_X(op, dst, src, off) INSN(PBPF_CLS_JMP | PBPF_SRC_X | (op), dst, src, off, 0)
#define JMP32_K(op, dst, imm, off) INSN(PBPF_CLS_JMP32 | (op), dst, 0, off, imm)
#define JMP32_X(op, dst, src, off) INSN(PBPF_CLS_JMP32 | PBPF_SRC_X | (op), dst, src, off, 0)
#define JA(off) INSN(PBPF_OPCODE_JA, 0, 0, off, 0)
#define JA32(imm) INSN(PBPF_OPCODE_JA32, 0, 0, 0, imm)
#define CALL(id) INSN(PBPF_OPCODE_CALL, 0, 0, 0, id)
#define CALL_LOCAL(off) INSN(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, off)
#define CALLX(reg) INSN(PBPF_OPCODE_CALLX, reg, 0, 0, 0)
#define EXIT() INSN(PBPF_OPCODE_EXIT, 0, 0, 0, 0)

/* loads and stores (§5): size is PBPF_SIZE_* */
#define LDX(size, dst, src, off) INSN(PBPF_CLS_LDX | PBPF_MODE_MEM | (size), dst, src, off, 0)
#define LDXS(size, dst, src, off) INSN(PBPF_CLS_LDX | PBPF_MODE_MEMSX | (size), dst, src, off, 0)
#define ST(size, dst, off, imm) INSN(PBPF_CLS_ST | PBPF_MODE_MEM | (size), dst, 0, off, imm)
#define STX(size, dst, src, off) INSN(PBPF_CLS_STX | PBPF_MODE_MEM | (size), dst, src, off, 0)
/* atomics (§5.3): aop is PBPF_ALU_{ADD,OR,AND,XOR} [| PBPF_ATOMIC_FETCH],
 * PBPF_ATOMIC_XCHG or PBPF_ATOMIC_CMPXCHG */
#define ATOMIC(size, dst, src, off, aop)                                                           \
    INSN(PBPF_CLS_STX | PBPF_MODE_ATOMIC | (size), dst, src, off, aop)
/* legacy packet loads (§5.5) */
#define LDABS(size, imm) INSN(PBPF_CLS_LD | PBPF_MODE_ABS | (size), 0, 0, 0, imm)
#define LDIND(size, src, imm) INSN(PBPF_CLS_LD | PBPF_MODE_IND | (size), 0, src, 0, imm)

#define NINSNS(a) (sizeof(a) / sizeof((a)[0]))

#endif
