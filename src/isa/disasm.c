/* Disassembler: one instruction → text, in llvm-objdump's syntax or in the
 * conformance-file syntax.  Both are accepted back by pbpf_asm(). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"

/* Immediates as llvm-objdump prints them: signed decimal. */
static const char *shex(char *b, size_t n, int64_t v)
{
    snprintf(b, n, "%" PRId64, v);
    return b;
}

static const char *signed_rel(char *b, size_t n, int64_t v)
{
    snprintf(b, n, "%s%" PRId64, v < 0 ? "" : "+", v);
    return b;
}

static const char *mem_type(unsigned size, int sign)
{
    static const char *const u[] = {"", "u8", "u16", "", "u32", "", "", "", "u64"};
    static const char *const s[] = {"", "s8", "s16", "", "s32", "", "", "", "s64"};
    return sign ? s[size] : u[size];
}

static int disasm_llvm(const struct pbpf_insn *in, const struct pbpf_opinfo *op, uint64_t imm64,
                       char *buf, size_t size)
{
    unsigned d = PBPF_INSN_DST(in), s = PBPF_INSN_SRC(in);
    char t1[32], t2[32];
    int alu32 = PBPF_CLASS(op->code) == PBPF_CLS_ALU || PBPF_CLASS(op->code) == PBPF_CLS_JMP32;
    char rp = alu32 ? 'w' : 'r';
    unsigned msize = pbpf_isa_mem_size(op);
    switch (op->fmt) {
    case PBPF_FMT_ALU_K:
        return snprintf(buf, size, "%c%u %s %s", rp, d, op->sym, shex(t1, sizeof t1, in->imm));
    case PBPF_FMT_ALU_X:
        return snprintf(buf, size, "%c%u %s %c%u", rp, d, op->sym, rp, s);
    case PBPF_FMT_MOVSX:
        return snprintf(buf, size, "%c%u = (s%d)%c%u", rp, d, in->off, rp, s);
    case PBPF_FMT_NEG:
        return snprintf(buf, size, "%c%u = -%c%u", rp, d, rp, d);
    case PBPF_FMT_END:
        return snprintf(buf, size, "r%u = %s%d r%u", d, op->sym, in->imm, d);
    case PBPF_FMT_LDDW:
        switch (s) {
        case 0:
            return snprintf(buf, size, "r%u = %" PRId64 " ll", d, (int64_t)imm64);
        case PBPF_PSEUDO_MAP_VALUE:
        case PBPF_PSEUDO_MAP_IDX_VALUE:
            return snprintf(buf, size, "r%u = %s(%d, %d) ll", d,
                            s == PBPF_PSEUDO_MAP_VALUE ? "map_value" : "map_idx_value", in[0].imm,
                            in[1].imm);
        default: {
            static const char *const names[] = {"", "map_fd", "", "btf_var", "func", "map_idx"};
            return snprintf(buf, size, "r%u = %s(%d) ll", d, names[s], in[0].imm);
        }
        }
    case PBPF_FMT_LDX:
        return snprintf(buf, size, "r%u = *(%s *)(r%u %c %u)", d,
                        mem_type(msize, PBPF_MODE(op->code) == PBPF_MODE_MEMSX), s,
                        in->off < 0 ? '-' : '+', (unsigned)(in->off < 0 ? -in->off : in->off));
    case PBPF_FMT_ST:
        return snprintf(buf, size, "*(%s *)(r%u %c %u) = %s", mem_type(msize, 0), d,
                        in->off < 0 ? '-' : '+', (unsigned)(in->off < 0 ? -in->off : in->off),
                        shex(t1, sizeof t1, in->imm));
    case PBPF_FMT_STX:
        return snprintf(buf, size, "*(%s *)(r%u %c %u) = r%u", mem_type(msize, 0), d,
                        in->off < 0 ? '-' : '+', (unsigned)(in->off < 0 ? -in->off : in->off), s);
    case PBPF_FMT_ATOMIC: {
        char w = msize == 4 ? 'w' : 'r';
        char sign = in->off < 0 ? '-' : '+';
        unsigned aoff = (unsigned)(in->off < 0 ? -in->off : in->off);
        if (op->imm.value == PBPF_ATOMIC_XCHG)
            return snprintf(buf, size, "%c%u = %s(r%u %c %u, %c%u)", w, s,
                            msize == 4 ? "xchg32_32" : "xchg_64", d, sign, aoff, w, s);
        if (op->imm.value == PBPF_ATOMIC_CMPXCHG)
            return snprintf(buf, size, "%c0 = %s(r%u %c %u, %c0, %c%u)", w,
                            msize == 4 ? "cmpxchg32_32" : "cmpxchg_64", d, sign, aoff, w, w, s);
        if (op->imm.value & PBPF_ATOMIC_FETCH)
            return snprintf(buf, size, "%c%u = atomic_fetch_%s((%s *)(r%u %c %u), %c%u)", w, s,
                            op->sym, mem_type(msize, 0), d, sign, aoff, w, s);
        static const struct {
            const char *sym, *op;
        } m[] = {{"add", "+="}, {"or", "|="}, {"and", "&="}, {"xor", "^="}};
        const char *o = "?";
        for (size_t i = 0; i < 4; i++)
            if (!strcmp(m[i].sym, op->sym))
                o = m[i].op;
        return snprintf(buf, size, "lock *(%s *)(r%u %c %u) %s %c%u", mem_type(msize, 0), d,
                        sign, aoff, o, w, s);
    }
    case PBPF_FMT_JA:
        return snprintf(buf, size, "goto %s", signed_rel(t1, sizeof t1, in->off));
    case PBPF_FMT_JA32:
        return snprintf(buf, size, "gotol %s", signed_rel(t1, sizeof t1, in->imm));
    case PBPF_FMT_JCOND_K:
        return snprintf(buf, size, "if %c%u %s %s goto %s", rp, d, op->sym,
                        shex(t1, sizeof t1, in->imm), signed_rel(t2, sizeof t2, in->off));
    case PBPF_FMT_JCOND_X:
        return snprintf(buf, size, "if %c%u %s %c%u goto %s", rp, d, op->sym, rp, s,
                        signed_rel(t2, sizeof t2, in->off));
    case PBPF_FMT_CALL:
        return snprintf(buf, size, "call %s", shex(t1, sizeof t1, in->imm));
    case PBPF_FMT_CALL_LOCAL:
        return snprintf(buf, size, "call pc%s", signed_rel(t1, sizeof t1, in->imm));
    case PBPF_FMT_CALL_KFUNC:
        return snprintf(buf, size, "call kfunc(%d, %d)", in->imm, in->off);
    case PBPF_FMT_CALLX:
        return snprintf(buf, size, "callx r%u", d);
    case PBPF_FMT_EXIT:
        return snprintf(buf, size, "exit");
    case PBPF_FMT_LDABS:
        return snprintf(buf, size, "r0 = *(%s *)skb[%s]", mem_type(msize, 0),
                        shex(t1, sizeof t1, in->imm));
    case PBPF_FMT_LDIND:
        return snprintf(buf, size, "r0 = *(%s *)skb[r%u %c %u]", mem_type(msize, 0), s,
                        in->imm < 0 ? '-' : '+',
                        (unsigned)(in->imm < 0 ? 0u - (uint32_t)in->imm : (uint32_t)in->imm));
    }
    return -EINVAL;
}

static int disasm_conformance(const struct pbpf_insn *in, const struct pbpf_opinfo *op,
                              uint64_t imm64, char *buf, size_t size)
{
    unsigned d = PBPF_INSN_DST(in), s = PBPF_INSN_SRC(in);
    const char *mn = op->mnemonic;
    switch (op->fmt) {
    case PBPF_FMT_ALU_K:
        return snprintf(buf, size, "%s %%r%u, %d", mn, d, in->imm);
    case PBPF_FMT_ALU_X:
    case PBPF_FMT_MOVSX:
        return snprintf(buf, size, "%s %%r%u, %%r%u", mn, d, s);
    case PBPF_FMT_NEG:
    case PBPF_FMT_END:
        return snprintf(buf, size, "%s %%r%u", mn, d);
    case PBPF_FMT_LDDW:
        if (s != 0)
            return -EOPNOTSUPP; /* the conformance syntax has no pseudo forms */
        return snprintf(buf, size, "lddw %%r%u, 0x%" PRIx64, d, imm64);
    case PBPF_FMT_LDX:
        return snprintf(buf, size, "%s %%r%u, [%%r%u%+d]", mn, d, s, in->off);
    case PBPF_FMT_ST:
        return snprintf(buf, size, "%s [%%r%u%+d], %d", mn, d, in->off, in->imm);
    case PBPF_FMT_STX:
    case PBPF_FMT_ATOMIC:
        return snprintf(buf, size, "%s [%%r%u%+d], %%r%u", mn, d, in->off, s);
    case PBPF_FMT_JA:
        return snprintf(buf, size, "ja %+d", in->off);
    case PBPF_FMT_JA32:
        return snprintf(buf, size, "ja32 %+d", in->imm);
    case PBPF_FMT_JCOND_K:
        return snprintf(buf, size, "%s %%r%u, %d, %+d", mn, d, in->imm, in->off);
    case PBPF_FMT_JCOND_X:
        return snprintf(buf, size, "%s %%r%u, %%r%u, %+d", mn, d, s, in->off);
    case PBPF_FMT_CALL:
        return snprintf(buf, size, "call %d", in->imm);
    case PBPF_FMT_CALL_LOCAL:
        return snprintf(buf, size, "call local %+d", in->imm);
    case PBPF_FMT_CALL_KFUNC:
        return -EOPNOTSUPP;
    case PBPF_FMT_CALLX:
        return snprintf(buf, size, "call %%r%u", d);
    case PBPF_FMT_EXIT:
        return snprintf(buf, size, "exit");
    case PBPF_FMT_LDABS:
        return snprintf(buf, size, "%s %d", mn, in->imm);
    case PBPF_FMT_LDIND:
        return snprintf(buf, size, "%s %%r%u, %d", mn, s, in->imm);
    }
    return -EINVAL;
}

int pbpf_disasm_insn(const struct pbpf_insn *insns, size_t cnt, size_t pc,
                     enum pbpf_disasm_style style, char *buf, size_t size)
{
    if (!insns || pc >= cnt || !buf || !size)
        return -EINVAL;
    const struct pbpf_insn *in = &insns[pc];
    const struct pbpf_opinfo *op = pbpf_isa_lookup(in);
    /* the table matches any register number; out-of-range ones are not
     * instructions */
    if (op && ((op->dst.kind >= PBPF_RULE_REG_READ && PBPF_INSN_DST(in) > 10) ||
               (op->src.kind >= PBPF_RULE_REG_READ && PBPF_INSN_SRC(in) > 10)))
        op = NULL;
    int slots = 1;
    uint64_t imm64 = 0;
    if (op && op->fmt == PBPF_FMT_LDDW) {
        if (pc + 1 >= cnt)
            op = NULL; /* truncated */
        else {
            imm64 = pbpf_insn_imm64(in);
            slots = 2;
        }
    }
    int n = -EINVAL;
    if (op)
        n = style == PBPF_DISASM_CONFORMANCE ? disasm_conformance(in, op, imm64, buf, size)
                                             : disasm_llvm(in, op, imm64, buf, size);
    if (n < 0) {
        snprintf(buf, size, ".insn 0x%02x%02x%04x%08x", in->code, in->regs, (uint16_t)in->off,
                 (uint32_t)in->imm);
        return n == -EOPNOTSUPP ? -EOPNOTSUPP : -EINVAL;
    }
    return slots;
}
