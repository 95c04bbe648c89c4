/* Templates of the two text styles (see syntax.h), derived from the ISA
 * table: the conformance files' uBPF-style syntax and llvm-objdump's. */
#include "isa/syntax.h"

#include <stdio.h>
#include <string.h>

#include "pbpf/pbpf.h"

const char *pbpf_syntax_pseudo_name(unsigned src)
{
    /* RFC 9669 §5.4 names of the 64-bit immediate load's src values; the
     * spellings are ours (llvm-objdump shows only the relocation). */
    static const char *const names[] = {
        [PBPF_PSEUDO_MAP_FD] = "map_fd",   [PBPF_PSEUDO_MAP_VALUE] = "map_value",
        [PBPF_PSEUDO_BTF_ID] = "btf_id",   [PBPF_PSEUDO_FUNC] = "func",
        [PBPF_PSEUDO_MAP_IDX] = "map_idx", [PBPF_PSEUDO_MAP_IDX_VALUE] = "map_idx_value",
    };
    return src < sizeof(names) / sizeof(names[0]) ? names[src] : NULL;
}

/* The llvm operator of the ALU operation an atomic row performs: the
 * atomic row's sym is the operation name ("add"), which is the mnemonic of
 * the 64-bit ALU row whose sym is the operator ("+="). */
static const char *alu_operator(const char *name)
{
    for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *r = &pbpf_isa_table[i];
        if (r->fmt == PBPF_FMT_ALU_X && PBPF_CLASS(r->code) == PBPF_CLS_ALU64 &&
            !strcmp(r->mnemonic, name))
            return r->sym;
    }
    return NULL;
}

/* 'w' for the 32-bit register views (ALU and JMP32 classes), else 'r'. */
static char reg_prefix(const struct pbpf_opinfo *op)
{
    uint8_t cls = PBPF_CLASS(op->code);
    return cls == PBPF_CLS_ALU || cls == PBPF_CLS_JMP32 ? 'w' : 'r';
}

static void llvm_template(const struct pbpf_opinfo *op, int llvm14, char *buf, size_t n)
{
    char R = reg_prefix(op);
    unsigned bits = 8 * pbpf_isa_mem_size(op);
    switch (op->fmt) {
    case PBPF_FMT_ALU_K:
        snprintf(buf, n, "%c$d %s $i", R, op->sym);
        break;
    case PBPF_FMT_ALU_X:
        snprintf(buf, n, "%c$d %s %c$s", R, op->sym, R);
        break;
    case PBPF_FMT_NEG:
        snprintf(buf, n, "%c$d = -%c$d", R, R);
        break;
    case PBPF_FMT_END:
        /* llvm: "r0 = be16 r0", width from the row's fixed imm */
        snprintf(buf, n, "r$d = %s%d r$d", op->sym, (int)op->imm.value);
        break;
    case PBPF_FMT_MOVSX:
        snprintf(buf, n, "%c$d = (s%d)%c$s", R, (int)op->off.value, R);
        break;
    case PBPF_FMT_LDDW: {
        const char *pseudo = pbpf_syntax_pseudo_name((unsigned)op->src.value);
        if (pseudo)
            snprintf(buf, n, "r$d = %s($i$J) ll", pseudo);
        else
            snprintf(buf, n, "r$d = $L ll");
        break;
    }
    case PBPF_FMT_LDX:
        snprintf(buf, n, "r$d = *(%s *)(r$s $o)", op->sym);
        break;
    case PBPF_FMT_ST:
        snprintf(buf, n, "*(%s *)(r$d $o) = $i", op->sym);
        break;
    case PBPF_FMT_STX:
        snprintf(buf, n, "*(%s *)(r$d $o) = r$s", op->sym);
        break;
    case PBPF_FMT_ATOMIC: {
        char V = bits == 32 && !llvm14 ? 'w' : 'r';
        const char *sfx = bits == 32 ? "32_32" : "_64";
        if (!strcmp(op->sym, "xchg"))
            snprintf(buf, n, "%c$s = xchg%s(r$d $o, %c$s)", V, sfx, V);
        else if (!strcmp(op->sym, "cmpxchg"))
            snprintf(buf, n, "%c0 = cmpxchg%s(r$d $o, %c0, %c$s)", V, sfx, V, V);
        else if (op->imm.value & PBPF_ATOMIC_FETCH)
            snprintf(buf, n, "%c$s = atomic_fetch_%s((u%u *)(r$d $o), %c$s)", V, op->sym, bits,
                     V);
        else
            snprintf(buf, n, "lock *(u%u *)(r$d $o) %s %c$s", bits, alu_operator(op->sym), V);
        break;
    }
    case PBPF_FMT_JA:
        snprintf(buf, n, "%s $t", op->sym);
        break;
    case PBPF_FMT_JA32:
        snprintf(buf, n, "%s $T", op->sym);
        break;
    case PBPF_FMT_JCOND_K:
        snprintf(buf, n, "if %c$d %s $i goto $t", R, op->sym);
        break;
    case PBPF_FMT_JCOND_X:
        snprintf(buf, n, "if %c$d %s %c$s goto $t", R, op->sym, R);
        break;
    case PBPF_FMT_CALL:
        snprintf(buf, n, "call $i");
        break;
    case PBPF_FMT_CALL_LOCAL:
        /* llvm-objdump prints local calls like helper calls ("call 0x3");
         * pc-relative spelling as in bpftool, so the two stay distinct. */
        snprintf(buf, n, "call pc$T");
        break;
    case PBPF_FMT_CALL_KFUNC:
        snprintf(buf, n, "call kfunc $i$O");
        break;
    case PBPF_FMT_CALLX:
        snprintf(buf, n, "callx r$d");
        break;
    case PBPF_FMT_EXIT:
        snprintf(buf, n, "exit");
        break;
    case PBPF_FMT_LDABS:
        snprintf(buf, n, "r0 = *(%s *)skb[$i]", op->sym);
        break;
    case PBPF_FMT_LDIND:
        snprintf(buf, n, "r0 = *(%s *)skb[r$s $k]", op->sym);
        break;
    default:
        buf[0] = 0;
        break;
    }
}

static void conformance_template(const struct pbpf_opinfo *op, char *buf, size_t n)
{
    const char *m = op->mnemonic;
    switch (op->fmt) {
    case PBPF_FMT_ALU_K:
        snprintf(buf, n, "%s %%r$d, $i", m);
        break;
    case PBPF_FMT_ALU_X:
    case PBPF_FMT_MOVSX:
        snprintf(buf, n, "%s %%r$d, %%r$s", m);
        break;
    case PBPF_FMT_NEG:
    case PBPF_FMT_END:
        snprintf(buf, n, "%s %%r$d", m);
        break;
    case PBPF_FMT_LDDW: {
        const char *pseudo = pbpf_syntax_pseudo_name((unsigned)op->src.value);
        if (pseudo)
            snprintf(buf, n, "%s %%r$d, %s($i$J)", m, pseudo);
        else
            snprintf(buf, n, "%s %%r$d, $L", m);
        break;
    }
    case PBPF_FMT_LDX:
        snprintf(buf, n, "%s %%r$d, [%%r$s$o]", m);
        break;
    case PBPF_FMT_ST:
        snprintf(buf, n, "%s [%%r$d$o], $i", m);
        break;
    case PBPF_FMT_STX:
    case PBPF_FMT_ATOMIC:
        snprintf(buf, n, "%s [%%r$d$o], %%r$s", m);
        break;
    case PBPF_FMT_JA:
        snprintf(buf, n, "%s $t", m);
        break;
    case PBPF_FMT_JA32:
        snprintf(buf, n, "%s $T", m);
        break;
    case PBPF_FMT_JCOND_K:
        snprintf(buf, n, "%s %%r$d, $i, $t", m);
        break;
    case PBPF_FMT_JCOND_X:
        snprintf(buf, n, "%s %%r$d, %%r$s, $t", m);
        break;
    case PBPF_FMT_CALL:
        snprintf(buf, n, "%s $i", m);
        break;
    case PBPF_FMT_CALL_LOCAL:
        snprintf(buf, n, "%s local $T", m);
        break;
    case PBPF_FMT_CALL_KFUNC:
        snprintf(buf, n, "%s kfunc $i$O", m);
        break;
    case PBPF_FMT_CALLX:
        /* README §1: the register of "call %rN" is in dst */
        snprintf(buf, n, "%s %%r$d", m);
        break;
    case PBPF_FMT_EXIT:
        snprintf(buf, n, "%s", m);
        break;
    case PBPF_FMT_LDABS:
        snprintf(buf, n, "%s $i", m);
        break;
    case PBPF_FMT_LDIND:
        snprintf(buf, n, "%s %%r$s, $i", m);
        break;
    default:
        buf[0] = 0;
        break;
    }
}

void pbpf_syntax_template(const struct pbpf_opinfo *op, int style, char *buf)
{
    if (style == PBPF_DISASM_CONFORMANCE)
        conformance_template(op, buf, PBPF_SYNTAX_TEMPLATE_MAX);
    else if (style != PBPF_SYNTAX_LLVM14)
        llvm_template(op, 0, buf, PBPF_SYNTAX_TEMPLATE_MAX);
    else if (op->fmt == PBPF_FMT_ATOMIC && pbpf_isa_mem_size(op) == 4)
        llvm_template(op, 1, buf, PBPF_SYNTAX_TEMPLATE_MAX);
    else
        buf[0] = 0;
}
