/* Shared between the two assembler front ends (asm.c, asm_llvm.c). */
#ifndef PBPF_ISA_ASM_INTERNAL_H
#define PBPF_ISA_ASM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* Decimal or 0x-hex, optional sign; allow_u64 admits values above INT64_MAX
 * (returned two's-complement).  0 or -1. */
int pbpf_asm_parse_number(const char *s, int64_t *out, int allow_u64);

typedef int (*pbpf_asm_emit_fn)(void *state, struct pbpf_insn in);
int pbpf_asm_emit_cb(void *state, struct pbpf_insn in);

/* Whether a line is in llvm-objdump syntax rather than conformance syntax. */
int pbpf_asm_is_llvm_line(const char *s);
/* Assembles one llvm-syntax line at slot pc; pass 1 only counts slots. */
int pbpf_asm_llvm_line(const char *s, int pass, size_t pc, char *err, size_t err_size,
                       size_t line_no, pbpf_asm_emit_fn emit, void *state);

#endif
