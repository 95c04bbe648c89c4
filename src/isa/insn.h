/* Instruction encoding (RFC 9669 §3).  The one place that knows where the
 * fields of an instruction live; everything else uses these accessors. */
#ifndef PBPF_ISA_INSN_H
#define PBPF_ISA_INSN_H

#include <stdint.h>

#include "pbpf/pbpf.h"

/* RFC 9669 §3: an instruction is 8 bytes; byte 1 holds dst in its low
 * nibble and src in its high nibble (little-endian encoding). */
#define PBPF_INSN_DST(i) ((uint8_t)((i)->regs & 0x0f))
#define PBPF_INSN_SRC(i) ((uint8_t)((i)->regs >> 4))
#define PBPF_INSN_REGS(dst, src) ((uint8_t)(((src) << 4) | ((dst)&0x0f)))

/* opcode byte: class in the low three bits (§3.3). */
#define PBPF_CLASS(code) ((code)&0x07)
#define PBPF_CLS_LD 0x00
#define PBPF_CLS_LDX 0x01
#define PBPF_CLS_ST 0x02
#define PBPF_CLS_STX 0x03
#define PBPF_CLS_ALU 0x04
#define PBPF_CLS_JMP 0x05
#define PBPF_CLS_JMP32 0x06
#define PBPF_CLS_ALU64 0x07

/* arithmetic and jump instructions (§4): source bit and operation. */
#define PBPF_SRC_X 0x08
#define PBPF_OP(code) ((code)&0xf0)
#define PBPF_ALU_ADD 0x00
#define PBPF_ALU_SUB 0x10
#define PBPF_ALU_MUL 0x20
#define PBPF_ALU_DIV 0x30
#define PBPF_ALU_OR 0x40
#define PBPF_ALU_AND 0x50
#define PBPF_ALU_LSH 0x60
#define PBPF_ALU_RSH 0x70
#define PBPF_ALU_NEG 0x80
#define PBPF_ALU_MOD 0x90
#define PBPF_ALU_XOR 0xa0
#define PBPF_ALU_MOV 0xb0
#define PBPF_ALU_ARSH 0xc0
#define PBPF_ALU_END 0xd0

#define PBPF_JMP_JA 0x00
#define PBPF_JMP_JEQ 0x10
#define PBPF_JMP_JGT 0x20
#define PBPF_JMP_JGE 0x30
#define PBPF_JMP_JSET 0x40
#define PBPF_JMP_JNE 0x50
#define PBPF_JMP_JSGT 0x60
#define PBPF_JMP_JSGE 0x70
#define PBPF_JMP_CALL 0x80
#define PBPF_JMP_EXIT 0x90
#define PBPF_JMP_JLT 0xa0
#define PBPF_JMP_JLE 0xb0
#define PBPF_JMP_JSLT 0xc0
#define PBPF_JMP_JSLE 0xd0

/* load and store instructions (§5): mode and size. */
#define PBPF_MODE(code) ((code)&0xe0)
#define PBPF_SIZE(code) ((code)&0x18)
#define PBPF_MODE_IMM 0x00
#define PBPF_MODE_ABS 0x20
#define PBPF_MODE_IND 0x40
#define PBPF_MODE_MEM 0x60
#define PBPF_MODE_MEMSX 0x80
#define PBPF_MODE_ATOMIC 0xc0
#define PBPF_SIZE_W 0x00
#define PBPF_SIZE_H 0x08
#define PBPF_SIZE_B 0x10
#define PBPF_SIZE_DW 0x18

/* atomic operations (§5.3), in imm. */
#define PBPF_ATOMIC_FETCH 0x01
#define PBPF_ATOMIC_XCHG (0xe0 | PBPF_ATOMIC_FETCH)
#define PBPF_ATOMIC_CMPXCHG (0xf0 | PBPF_ATOMIC_FETCH)

/* src values of the 64-bit immediate load (§5.4) and of calls (§4.3.1). */
#define PBPF_PSEUDO_MAP_FD 1
#define PBPF_PSEUDO_MAP_VALUE 2
#define PBPF_PSEUDO_BTF_ID 3
#define PBPF_PSEUDO_FUNC 4
#define PBPF_PSEUDO_MAP_IDX 5
#define PBPF_PSEUDO_MAP_IDX_VALUE 6
#define PBPF_PSEUDO_CALL 1
#define PBPF_PSEUDO_KFUNC_CALL 2

#define PBPF_OPCODE_LDDW 0x18
#define PBPF_OPCODE_CALL 0x85
#define PBPF_OPCODE_CALLX 0x8d
#define PBPF_OPCODE_EXIT 0x95
#define PBPF_OPCODE_JA 0x05
#define PBPF_OPCODE_JA32 0x06

/* Execution environment limits shared by every engine (Linux values). */
#define PBPF_STACK_SIZE 512
#define PBPF_MAX_CALL_DEPTH 8
#define PBPF_MAX_INSNS (1u << 20)

/* The 64-bit immediate of a lddw whose first slot is i. */
static inline uint64_t pbpf_insn_imm64(const struct pbpf_insn *i)
{
    return (uint64_t)(uint32_t)i[0].imm | ((uint64_t)(uint32_t)i[1].imm << 32);
}

#endif
