/* Text syntax of instructions, shared by the assembler and the
 * disassembler so that one is the exact inverse of the other.
 *
 * Each row of the ISA table has one template per style, built from the
 * row's format, mnemonic and llvm operator.  A template is literal text with
 * placeholders for the variable fields:
 *   $d $s   dst / src register number
 *   $o      memory offset with its sign: "+4", "-8" (llvm: "+ 0x4")
 *   $i      32-bit immediate
 *   $k      32-bit immediate with a spaced sign ("+ 0x3"), for skb[r1 + 0x3]
 *   $L      64-bit immediate of lddw
 *   $J      optional ", imm" of a lddw's second slot (pseudo forms)
 *   $O      optional ", off" (kfunc calls)
 *   $t      jump target in the offset: "+3", "-2" or a label
 *   $T      jump target in the immediate (gotol, local calls)
 * The disassembler fills the placeholders in; the assembler matches text
 * against the templates, where blanks are optional and commas may be left
 * out (the conformance files separate operands by "," and/or blanks). */
#ifndef PBPF_ISA_SYNTAX_H
#define PBPF_ISA_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

#include "isa/isa.h"

#define PBPF_SYNTAX_TEMPLATE_MAX 96

/* llvm-objdump 14's spelling, where it differs from today's: 32-bit atomics
 * with 64-bit register names ("lock *(u32 *)(r1 + 0x0) += r2").  The
 * assembler accepts it; the disassembler never prints it. */
#define PBPF_SYNTAX_LLVM14 2

/* Writes the template of row op in style (enum pbpf_disasm_style, or
 * PBPF_SYNTAX_LLVM14) to buf (PBPF_SYNTAX_TEMPLATE_MAX bytes); "" when the
 * style has no spelling of its own for the row. */
void pbpf_syntax_template(const struct pbpf_opinfo *op, int style, char *buf);

/* Name of the lddw pseudo source src (RFC 9669 §5.4), or NULL for src 0. */
const char *pbpf_syntax_pseudo_name(unsigned src);

#endif
