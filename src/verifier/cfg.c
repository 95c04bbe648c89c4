/* Control-flow checks before the walk, in Linux's order and words:
 * subprogram boundaries and jump ranges (check_subprogs), reachability and
 * jumps into lddw (check_cfg), plus the pruning points, a static
 * register liveness and the stack slot liveness the state pruning uses. */
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

/* The registers a call reads: a helper's arguments, r1 up to its last
 * one in the prototype (check_helper_call reads no other), as Linux's
 * compute_live_registers takes them from get_call_summary; a register
 * past them is dead at the call, so a value left there by an earlier
 * path does not keep a state from pruning.  bpf-to-bpf calls and unknown
 * helpers: r1-r5 (the call is refused later for an unknown helper). */
static uint16_t call_arg_regs(const struct pbpf_insn *in)
{
    const struct pbpf_helper_proto *p =
        PBPF_INSN_SRC(in) == 0 ? pbpf_helper_proto((uint32_t)in->imm) : NULL;
    if (!p)
        return 0x3e;
    int n = 0;
    for (int i = 0; i < 5; i++)
        if (p->args[i] != PBPF_ARG_NONE)
            n = i + 1;
    return (uint16_t)(((1u << (n + 1)) - 1) & ~1u);
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
            *use |= call_arg_regs(in);
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
            return (uint16_t)((out & ~0x3fu) | call_arg_regs(in));
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

/* ---- stack slot liveness ----
 *
 * Linux marks a stack slot REG_LIVE_READ in a state's parents when a path
 * reads it, and states_equal (stacksafe) skips the slots of an explored
 * state that no path below it read: a slot that is overwritten before
 * any read does not block pruning.  Here the same is kept per
 * instruction, for the slots of the instruction's own frame: a read seen
 * by the walk is recorded at the instruction that made it (a read of a
 * caller's slot through a pointer, at the call in the caller that led to
 * it) and flows backwards to the predecessors in the subprogram until an
 * instruction that overwrites the whole slot.  The sets only grow; an
 * explored state whose paths have all ended has had every read below it
 * recorded, so the set at its instruction covers them (state.c). */

/* The slot an insn overwrites whole, whatever it held: an 8-byte store
 * (not atomic) through r10 at an 8-aligned offset.  check_stack_write then
 * sets the slot from the stored value alone.  Stores through another
 * register, narrower or misaligned ones kill nothing. */
static uint64_t insn_slot_kill(const struct pbpf_insn *in)
{
    uint8_t cls = PBPF_CLASS(in->code);
    if ((cls != PBPF_CLS_ST && cls != PBPF_CLS_STX) || PBPF_MODE(in->code) != PBPF_MODE_MEM ||
        PBPF_SIZE(in->code) != PBPF_SIZE_DW || PBPF_INSN_DST(in) != 10)
        return 0;
    if (in->off >= 0 || in->off < -PBPF_STACK_SIZE || in->off % 8)
        return 0;
    return 1ull << ((-in->off - 1) / 8);
}

/* the successors of insn k in its subprogram (a call returns to the next
 * instruction); 0 for the second half of an lddw */
static uint32_t insn_succs(const struct venv *e, size_t k, uint32_t out[2])
{
    const struct pbpf_insn *in = &e->insns[k];
    uint32_t n = 0;
    int64_t t;
    if (in->code == PBPF_OPCODE_EXIT)
        return 0;
    if (jump_target(in, k, &t)) {
        if (t >= 0 && (size_t)t < e->cnt)
            out[n++] = (uint32_t)t;
        if (PBPF_OP(in->code) != PBPF_JMP_JA && k + 1 < e->cnt)
            out[n++] = (uint32_t)(k + 1);
        return n;
    }
    size_t next = k + (is_lddw(in) ? 2 : 1);
    if (next < e->cnt)
        out[n++] = (uint32_t)next;
    return n;
}

int slot_liveness_init(struct venv *e)
{
    size_t n = e->cnt;
    e->live_slots = pbpf_calloc(n, sizeof *e->live_slots);
    e->pend_slots = pbpf_calloc(n, sizeof *e->pend_slots);
    e->pred_start = pbpf_calloc(n + 1, sizeof *e->pred_start);
    e->slot_queue = pbpf_calloc(n, sizeof *e->slot_queue);
    uint8_t *second = pbpf_calloc(n, 1);
    if (!e->live_slots || !e->pend_slots || !e->pred_start || !e->slot_queue || !second) {
        pbpf_free(second);
        return -ENOMEM;
    }
    for (size_t k = 0; k + 1 < n; k++)
        if (is_lddw(&e->insns[k]))
            second[++k] = 1;
    /* predecessor lists, counted then filled */
    uint32_t succ[2];
    size_t edges = 0;
    for (size_t k = 0; k < n; k++) {
        if (second[k])
            continue;
        uint32_t c = insn_succs(e, k, succ);
        for (uint32_t j = 0; j < c; j++)
            e->pred_start[succ[j] + 1]++;
        edges += c;
    }
    for (size_t k = 0; k < n; k++)
        e->pred_start[k + 1] += e->pred_start[k];
    e->preds = pbpf_calloc(edges ? edges : 1, sizeof *e->preds);
    if (!e->preds) {
        pbpf_free(second);
        return -ENOMEM;
    }
    /* pend_slots counts the entries filled per insn meanwhile */
    for (size_t k = 0; k < n; k++) {
        if (second[k])
            continue;
        uint32_t c = insn_succs(e, k, succ);
        for (uint32_t j = 0; j < c; j++)
            e->preds[e->pred_start[succ[j]] + e->pend_slots[succ[j]]++] = (uint32_t)k;
    }
    memset(e->pend_slots, 0, n * sizeof *e->pend_slots);
    pbpf_free(second);
    return 0;
}

void slot_liveness_free(struct venv *e)
{
    pbpf_free(e->live_slots);
    pbpf_free(e->pend_slots);
    pbpf_free(e->pred_start);
    pbpf_free(e->preds);
    pbpf_free(e->slot_queue);
}

/* The slots in bits are read at insn: they are live there and, going
 * backwards, at every insn up to one that overwrites them.  Each
 * (insn, slot) is set once, so all the updates of a walk cost at most
 * 64 times the number of edges. */
static void slots_read_at(struct venv *e, uint32_t insn, uint64_t bits)
{
    if (!(bits & ~e->live_slots[insn]))
        return;
    /* an insn is on the work list while its pend_slots is not 0 */
    uint32_t qn = 0;
    e->pend_slots[insn] = bits;
    e->slot_queue[qn++] = insn;
    while (qn) {
        uint32_t i = e->slot_queue[--qn];
        uint64_t add = e->pend_slots[i] & ~e->live_slots[i];
        e->pend_slots[i] = 0;
        e->live_slots[i] |= add;
        for (uint32_t j = e->pred_start[i]; j < e->pred_start[i + 1]; j++) {
            uint32_t p = e->preds[j];
            uint64_t nb = add & ~insn_slot_kill(&e->insns[p]) & ~e->live_slots[p];
            if (!nb)
                continue;
            if (!e->pend_slots[p])
                e->slot_queue[qn++] = p;
            e->pend_slots[p] |= nb;
        }
    }
}

/* The current instruction reads (or may read, or checks) the bytes
 * [lo, hi) of frame frameno's stack (offsets from its frame pointer). */
void note_stack_read(struct venv *e, uint32_t frameno, int64_t lo, int64_t hi)
{
    const struct vstate *st = e->cur;
    if (!e->live_slots)
        return;
    if (!st || frameno > st->curframe || e->insn_idx >= e->cnt) {
        e->slot_live_off = true;
        return;
    }
    if (lo < -PBPF_STACK_SIZE)
        lo = -PBPF_STACK_SIZE;
    if (hi > 0)
        hi = 0;
    if (lo >= hi)
        return;
    uint32_t first = (uint32_t)((-(hi - 1) - 1) / 8), last = (uint32_t)((-lo - 1) / 8);
    uint64_t bits = (last >= 63 ? ~0ull : (2ull << last) - 1) & ~((1ull << first) - 1);
    /* a caller's slot: read by the call that is on the way there */
    uint32_t insn = e->insn_idx;
    if (frameno < st->curframe) {
        const struct vframe *callee = st->frame[frameno + 1];
        if (!callee || callee->callsite < 0 || (size_t)callee->callsite >= e->cnt) {
            e->slot_live_off = true;
            return;
        }
        insn = (uint32_t)callee->callsite;
    }
    slots_read_at(e, insn, bits);
}
