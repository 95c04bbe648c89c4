/* Disassembler: one instruction to text, in llvm-objdump's syntax or the
 * conformance files'.  The text comes from the row's template (syntax.h),
 * the same one the assembler matches, so disassembled text assembles back
 * to the same bytes. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "isa/syntax.h"
#include "pbpf/pbpf.h"
#include "platform/platform.h"

struct out {
    char *buf;
    size_t size, len; /* len may pass size: the text was truncated */
};

static void put(struct out *o, const char *fmt, ...) PBPF_PRINTF_FMT(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* A signed number: llvm prints hex with a sign ("-0x8"), the conformance
 * files mostly decimal.  spaced: "+ 0x8" / "- 0x8" as in llvm's "(r10 - 0x8)";
 * plus: always show the sign (offsets, jump targets). */
static void put_num(struct out *o, int64_t v, int style, int plus, int spaced)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    const char *sign = v < 0 ? "-" : plus ? "+" : "";
    const char *gap = spaced && *sign ? " " : "";
    if (style == PBPF_DISASM_LLVM)
        put(o, "%s%s0x%" PRIx64, sign, gap, mag);
    else
        put(o, "%s%s%" PRIu64, sign, gap, mag);
}

static int invalid(const struct pbpf_insn *in, struct out *o)
{
    /* the slot as one little-endian 64-bit number (byte 0 = opcode), the
     * form the assembler's ".insn" takes back */
    uint64_t v = (uint64_t)in->code | (uint64_t)in->regs << 8 | (uint64_t)(uint16_t)in->off << 16 |
                 (uint64_t)(uint32_t)in->imm << 32;
    put(o, ".insn 0x%016" PRIx64, v);
    return -EINVAL;
}

static int reg_ok(const struct pbpf_rule *r, unsigned reg)
{
    return (r->kind != PBPF_RULE_REG_READ && r->kind != PBPF_RULE_REG_WRITE) || reg <= 10;
}

int pbpf_disasm_insn(const struct pbpf_insn *insns, size_t cnt, size_t pc,
                     enum pbpf_disasm_style style, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    if (buf && size)
        buf[0] = 0;
    if (!insns || pc >= cnt || !buf || !size ||
        (style != PBPF_DISASM_LLVM && style != PBPF_DISASM_CONFORMANCE))
        return -EINVAL;
    const struct pbpf_insn *in = &insns[pc];
    const struct pbpf_opinfo *op = pbpf_isa_lookup(in);
    if (!op || !reg_ok(&op->dst, PBPF_INSN_DST(in)) || !reg_ok(&op->src, PBPF_INSN_SRC(in)))
        return invalid(in, &o);
    int slots = 1;
    int32_t imm2 = 0;
    if (op->fmt == PBPF_FMT_LDDW) {
        /* RFC 9669 §5.4: the second slot holds only the upper immediate */
        if (pc + 1 >= cnt || insns[pc + 1].code || insns[pc + 1].regs || insns[pc + 1].off)
            return invalid(in, &o);
        imm2 = insns[pc + 1].imm;
        slots = 2;
    }

    char t[PBPF_SYNTAX_TEMPLATE_MAX];
    pbpf_syntax_template(op, style, t);
    for (const char *p = t; *p; p++) {
        if (*p != '$') {
            put(&o, "%c", *p);
            continue;
        }
        switch (*++p) {
        case 'd':
            put(&o, "%u", PBPF_INSN_DST(in));
            break;
        case 's':
            put(&o, "%u", PBPF_INSN_SRC(in));
            break;
        case 'o':
            put_num(&o, in->off, style, 1, style == PBPF_DISASM_LLVM);
            break;
        case 'k':
            put_num(&o, in->imm, style, 1, 1);
            break;
        case 'i':
            put_num(&o, in->imm, style, 0, 0);
            break;
        case 'L': {
            uint64_t v = pbpf_insn_imm64(insns + pc);
            if (style == PBPF_DISASM_LLVM)
                put_num(&o, (int64_t)v, style, 0, 0);
            else
                put(&o, "0x%" PRIx64, v);
            break;
        }
        case 'J':
            if (imm2) {
                put(&o, ", ");
                put_num(&o, imm2, style, 0, 0);
            }
            break;
        case 'O':
            if (in->off) {
                put(&o, ", ");
                put_num(&o, in->off, style, 0, 0);
            }
            break;
        case 't':
            put_num(&o, in->off, style, 1, 0);
            break;
        case 'T':
            put_num(&o, in->imm, style, 1, 0);
            break;
        default:
            break;
        }
    }
    return o.len < size ? slots : -ENOSPC;
}
