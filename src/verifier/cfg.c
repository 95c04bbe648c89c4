/* Control-flow checks before the walk, in Linux's order and words:
 * subprogram boundaries and jump ranges (check_subprogs), reachability and
 * jumps into lddw (check_cfg), plus the pruning points and a static
 * register liveness the state pruning uses. */
#include <errno.h>
#include <string.h>

#include "verifier/vstate.h"

static bool is_lddw(const struct pbpf_insn *in) { return in->code == PBPF_OPCODE_LDDW; }

static bool is_pseudo_call(const struct pbpf_insn *in)
{
    return in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL;
}

static bool is_pseudo_func(const struct pbpf_insn *in)
{
    return is_lddw(in) && PBPF_INSN_SRC(in) == PBPF_PSEUDO_FUNC;
}

/* jump target of a JMP/JMP32 jump (not call/exit), or -1 */
static bool jump_target(const struct pbpf_insn *in, size_t pc, int64_t *t)
{
    uint8_t cls = PBPF_CLASS(in->code), op = PBPF_OP(in->code);
    if (cls != PBPF_CLS_JMP && cls != PBPF_CLS_JMP32)
        return false;
    if (op == PBPF_JMP_CALL || op == PBPF_JMP_EXIT)
        return false;
    if (cls == PBPF_CLS_JMP32 && op == PBPF_JMP_JA)
        *t = (int64_t)pc + 1 + in->imm;
    else
        *t = (int64_t)pc + 1 + in->off;
    return true;
}

int find_subprog(struct venv *e, uint32_t insn)
{
    for (uint32_t i = 0; i < e->nsubprogs; i++)
        if (e->subprogs[i].start == insn)
            return (int)i;
    return -1;
}

static int add_subprog(struct venv *e, int64_t off, uint32_t *cap)
{
    if (off < 0 || (size_t)off >= e->cnt)
        return verr(e, -EINVAL, "function offset %lld is out of range", (long long)off);
    if (find_subprog(e, (uint32_t)off) >= 0)
        return 0;
    if (e->nsubprogs == *cap) {
        uint32_t ncap = *cap * 2;
        struct vsubprog *n = pbpf_realloc(e->subprogs, ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        e->subprogs = n;
        *cap = ncap;
    }
    /* keep them sorted by start */
    uint32_t i = e->nsubprogs++;
    while (i > 0 && e->subprogs[i - 1].start > off) {
        e->subprogs[i] = e->subprogs[i - 1];
        i--;
    }
    memset(&e->subprogs[i], 0, sizeof e->subprogs[i]);
    e->subprogs[i].start = (uint32_t)off;
    return 0;
}

int check_subprogs(struct venv *e)
{
    uint32_t cap = 8;
    e->subprogs = pbpf_calloc(cap, sizeof *e->subprogs);
    if (!e->subprogs)
        return -ENOMEM;
    e->nsubprogs = 1;
    /* lddw pairs first, as Linux's resolve_pseudo_ldimm64 */
    for (size_t i = 0; i < e->cnt; i++) {
        const struct pbpf_insn *in = &e->insns[i];
        if (!is_lddw(in))
            continue;
        e->insn_idx = (uint32_t)i;
        if (i + 1 == e->cnt || in[1].code || in[1].regs || in[1].off)
            return verr(e, -EINVAL, "invalid bpf_ld_imm64 insn");
        i++;
    }
    for (size_t i = 0; i < e->cnt; i++) {
        const struct pbpf_insn *in = &e->insns[i];
        int rc = 0;
        e->insn_idx = (uint32_t)i;
        if (is_pseudo_call(in))
            rc = add_subprog(e, (int64_t)i + 1 + in->imm, &cap);
        else if (is_pseudo_func(in))
            rc = add_subprog(e, (int64_t)i + 1 + in->imm, &cap);
        if (rc)
            return rc;
        if (is_lddw(in))
            i++;
    }
    for (uint32_t s = 0; s < e->nsubprogs; s++)
        e->subprogs[s].end = s + 1 < e->nsubprogs ? e->subprogs[s + 1].start : (uint32_t)e->cnt;
    for (uint32_t s = 0; s < e->nsubprogs; s++) {
        struct vsubprog *sp = &e->subprogs[s];
        for (uint32_t i = sp->start; i < sp->end; i++) {
            int64_t t;
            e->insn_idx = i;
            if (jump_target(&e->insns[i], i, &t) && (t < sp->start || t >= sp->end))
                return verr(e, -EINVAL, "jump out of range from insn %u to %lld", i,
                            (long long)t);
        }
        const struct pbpf_insn *last = &e->insns[sp->end - 1];
        if (last->code != PBPF_OPCODE_EXIT && last->code != PBPF_OPCODE_JA &&
            last->code != PBPF_OPCODE_JA32) {
            e->insn_idx = sp->end - 1;
            return verr(e, -EINVAL, "last insn is not an exit or jmp");
        }
    }
    return 0;
}

/* Depth-first walk from insn 0 following jumps, calls and callback
 * references; then every instruction must have been reached. */
int check_cfg(struct venv *e)
{
    size_t n = e->cnt;
    uint32_t *stack = pbpf_malloc(n * sizeof *stack);
    uint8_t *seen = pbpf_calloc(n, 1);
    if (!stack || !seen) {
        pbpf_free(stack);
        pbpf_free(seen);
        return -ENOMEM;
    }
    int rc = 0;
    size_t sp = 0;
    stack[sp++] = 0;
    seen[0] = 1;
    e->prune_point[0] = 1;
    while (sp && !rc) {
        uint32_t i = stack[--sp];
        const struct pbpf_insn *in = &e->insns[i];
        int64_t succ[3];
        int ns = 0;
        int64_t t;
        if (in->code == PBPF_OPCODE_EXIT) {
            /* no successor */
        } else if (jump_target(in, i, &t)) {
            succ[ns++] = t;
            e->prune_point[t] = 1;
            if (PBPF_OP(in->code) != PBPF_JMP_JA) {
                succ[ns++] = i + 1;
                e->prune_point[i + 1] = 1;
                e->prune_point[i] = 1;
            }
        } else if (is_lddw(in)) {
            succ[ns++] = i + 2;
            if (is_pseudo_func(in)) {
                succ[ns++] = (int64_t)i + 1 + in->imm;
                e->prune_point[i + 2] = 1;
            }
        } else {
            succ[ns++] = i + 1;
            if (in->code == PBPF_OPCODE_CALL) {
                e->prune_point[i + 1 < n ? i + 1 : i] = 1;
                if (is_pseudo_call(in))
                    succ[ns++] = (int64_t)i + 1 + in->imm;
            }
        }
        for (int k = 0; k < ns; k++) {
            int64_t s = succ[k];
            if (s < 0 || (size_t)s >= n) {
                e->insn_idx = i;
                rc = verr(e, -EINVAL, "jump out of range from insn %u to %lld", i,
                          (long long)s);
                break;
            }
            if (!seen[s]) {
                seen[s] = 1;
                stack[sp++] = (uint32_t)s;
            }
        }
    }
    /* instruction boundaries: second lddw slots are not instructions */
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            if (is_lddw(&e->insns[i])) {
                if (i + 1 < n && seen[i + 1]) {
                    e->insn_idx = (uint32_t)i;
                    rc = verr(e, -EINVAL, "jump into the middle of ldimm64 insn %zu", i);
                    break;
                }
                i++;
                continue;
            }
        }
    }
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            if (!seen[i]) {
                e->insn_idx = (uint32_t)i;
                rc = verr(e, -EINVAL, "unreachable insn %zu", i);
                break;
            }
            if (is_lddw(&e->insns[i]))
                i++;
        }
    }
    for (uint32_t s = 0; s < e->nsubprogs; s++)
        e->prune_point[e->subprogs[s].start] = 1;
    pbpf_free(stack);
    pbpf_free(seen);
    return rc;
}

/* registers read and written by an instruction (bit i = r_i) */
static void insn_use_def(const struct pbpf_insn *in, uint16_t *use, uint16_t *def)
{
    uint8_t cls = PBPF_CLASS(in->code), op = PBPF_OP(in->code), mode = PBPF_MODE(in->code);
    uint16_t d = (uint16_t)(1u << PBPF_INSN_DST(in)), s = (uint16_t)(1u << PBPF_INSN_SRC(in));
    *use = 1u << 10;
    *def = 0;
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64:
        if (op != PBPF_ALU_MOV)
            *use |= d;
        if (in->code & PBPF_SRC_X && op != PBPF_ALU_END && op != PBPF_ALU_NEG)
            *use |= s;
        *def |= d;
        break;
    case PBPF_CLS_LDX:
        *use |= s;
        *def |= d;
        break;
    case PBPF_CLS_ST:
        *use |= d;
        break;
    case PBPF_CLS_STX:
        *use |= d | s;
        if (mode == PBPF_MODE_ATOMIC) {
            if (in->imm == PBPF_ATOMIC_CMPXCHG) {
                *use |= 1;
                *def |= 1;
            } else if (in->imm & PBPF_ATOMIC_FETCH) {
                *def |= s;
            }
        }
        break;
    case PBPF_CLS_LD:
        if (mode == PBPF_MODE_IMM) {
            *def |= d;
        } else {
            *use |= 1u << 6;
            if (mode == PBPF_MODE_IND)
                *use |= s;
            *def |= 0x3f;
        }
        break;
    default: /* JMP, JMP32 */
        if (op == PBPF_JMP_CALL) {
            *use |= 0x3e;
            *def |= 0x3f;
        } else if (op == PBPF_JMP_EXIT) {
            *use |= 1;
        } else if (op != PBPF_JMP_JA) {
            *use |= d;
            if (in->code & PBPF_SRC_X)
                *use |= s;
        }
        break;
    }
}

/* Registers whose scalar value may decide something on a path from here:
 * a jump, an address, a helper argument, a return value.  Scalars outside
 * this set are compared as "any scalar" when pruning: values that only
 * flow into arithmetic nobody checks do not block pruning.  It bounds the
 * precision marks of precise.c (which follow the paths actually walked)
 * from above, and stands alone for states still being explored, whose
 * marks are not final. */
static uint16_t insn_precise_use(const struct pbpf_insn *in, uint16_t out, bool main_ret_checked,
                                 bool in_main)
{
    uint8_t cls = PBPF_CLASS(in->code), op = PBPF_OP(in->code), mode = PBPF_MODE(in->code);
    uint16_t d = (uint16_t)(1u << PBPF_INSN_DST(in)), s = (uint16_t)(1u << PBPF_INSN_SRC(in));
    bool x = (in->code & PBPF_SRC_X) != 0;
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64: {
        uint16_t g = 0;
        if (out & d) {
            if (op != PBPF_ALU_MOV)
                g |= d;
            if (x && op != PBPF_ALU_END && op != PBPF_ALU_NEG)
                g |= s;
        }
        /* pointer + scalar: the offset matters */
        if (x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB))
            g |= s | d;
        return (uint16_t)(g | (out & ~d));
    }
    case PBPF_CLS_LDX:
        return (uint16_t)((out & ~d) | s);
    case PBPF_CLS_ST:
        return out | d;
    case PBPF_CLS_STX: {
        uint16_t g = d | s;
        if (mode == PBPF_MODE_ATOMIC && in->imm == PBPF_ATOMIC_CMPXCHG)
            g |= 1;
        if (mode == PBPF_MODE_ATOMIC && (in->imm & PBPF_ATOMIC_FETCH) && in->imm != PBPF_ATOMIC_CMPXCHG)
            out &= (uint16_t)~s;
        return out | g;
    }
    case PBPF_CLS_LD:
        if (mode == PBPF_MODE_IMM)
            return (uint16_t)(out & ~d);
        return (uint16_t)((out & ~0x3fu) | (1u << 6) | (mode == PBPF_MODE_IND ? s : 0));
    default:
        if (op == PBPF_JMP_CALL)
            return (uint16_t)((out & ~0x3fu) | 0x3e);
        if (op == PBPF_JMP_EXIT)
            return (!in_main || main_ret_checked) ? 1 : 0;
        if (op == PBPF_JMP_JA)
            return out;
        return (uint16_t)(out | d | (x ? s : 0));
    }
}

/* Backward dataflow to a fixpoint: live-in(i) = use(i) | (live-out(i) &
 * ~def(i)); live-out is the union over the successors in the same
 * subprogram (a call returns to the next instruction).  The precise set
 * flows the same way. */
int compute_liveness(struct venv *e, bool main_ret_checked)
{
    size_t n = e->cnt;
    e->live_regs = pbpf_calloc(n, sizeof *e->live_regs);
    e->precise_regs = pbpf_calloc(n, sizeof *e->precise_regs);
    uint8_t *second = pbpf_calloc(n, 1);
    if (!e->live_regs || !second || !e->precise_regs) {
        pbpf_free(second);
        return -ENOMEM;
    }
    for (size_t k = 0; k + 1 < n; k++)
        if (is_lddw(&e->insns[k]))
            second[++k] = 1;
    uint32_t main_end = e->subprogs[0].end;
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t k = n; k-- > 0;) {
            const struct pbpf_insn *in = &e->insns[k];
            if (second[k])
                continue;
            uint16_t use, def, out = 0, pout = 0;
            insn_use_def(in, &use, &def);
            int64_t t;
            if (in->code == PBPF_OPCODE_EXIT) {
            } else if (jump_target(in, k, &t)) {
                if (t >= 0 && (size_t)t < n) {
                    out |= e->live_regs[t];
                    pout |= e->precise_regs[t];
                }
                if (PBPF_OP(in->code) != PBPF_JMP_JA && k + 1 < n) {
                    out |= e->live_regs[k + 1];
                    pout |= e->precise_regs[k + 1];
                }
            } else if (is_lddw(in)) {
                if (k + 2 < n) {
                    out |= e->live_regs[k + 2];
                    pout |= e->precise_regs[k + 2];
                }
            } else if (k + 1 < n) {
                out |= e->live_regs[k + 1];
                pout |= e->precise_regs[k + 1];
            }
            uint16_t in_live = (uint16_t)(use | (out & ~def));
            uint16_t in_prec = insn_precise_use(in, pout, main_ret_checked, k < main_end);
            in_prec &= in_live;
            if (in_live != e->live_regs[k] || in_prec != e->precise_regs[k]) {
                e->live_regs[k] = in_live;
                e->precise_regs[k] = in_prec;
                changed = true;
            }
        }
    }
    pbpf_free(second);
    return 0;
}
