/* Precision tracking (Linux's mark_chain_precision, backtrack_insn,
 * propagate_precision).
 *
 * Scalars start imprecise: a checkpoint's imprecise scalar matches any
 * scalar when states are compared (state.c).  An instruction whose
 * safety or outcome depends on a scalar's exact bounds (a branch decided
 * by them, a pointer offset, a helper's size or constant argument, a
 * return value checked against a range, ...) marks it precise: the path's
 * instructions are walked backwards from there, registers and stack slots
 * that fed the value are followed to where they were defined, and every
 * checkpoint met on the way gets them marked precise.
 *
 * Each path keeps the instructions it ran since its parent checkpoint
 * (struct vhist: the frame, and the slot of a stack access), so the walk
 * follows jumps, calls and returns exactly.  What the walk cannot follow
 * (a shape of call or return it does not expect) makes every scalar of
 * every checkpoint above the current path precise, as Linux's
 * mark_all_scalars_precise: sound, only slower. */
#include <errno.h>
#include <string.h>

#include "verifier/vstate.h"

/* A segment (the instructions since the last checkpoint) is copied with
 * its state at every branch, so a long one would make a long path cost
 * quadratic time.  Past HIST_MAX entries the older ones are dropped and
 * the segment marked: a backtracking walk that needs them gives up and
 * makes every scalar above precise (sound, only less pruning). */
#define HIST_MAX 1024

int hist_push(struct venv *e, uint32_t idx)
{
    struct vstate *st = e->cur;
    if (st->nhist == HIST_MAX) {
        st->nhist = 0;
        st->hist_lost = true;
        st->bt_memo_pos = 0;
    }
    if (st->nhist == st->hist_cap) {
        uint32_t cap = st->hist_cap ? st->hist_cap * 2 : 32;
        struct vhist *h = vzalloc(e, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        if (st->nhist)
            memcpy(h, st->hist, st->nhist * sizeof *h);
        vfree(e, st->hist, st->hist_cap * sizeof *h);
        st->hist = h;
        st->hist_cap = cap;
    }
    struct vhist *h = &st->hist[st->nhist++];
    h->idx = idx;
    h->frame = (uint8_t)st->curframe;
    h->flags = h->sframe = h->spi = 0;
    return 0;
}

/* the stack slot the current load or store went through */
void hist_note_stack(struct venv *e, uint8_t flag, uint32_t frameno, int64_t spi)
{
    struct vstate *st = e->cur;
    if (!st->nhist || spi < 0 || spi >= MAX_SLOTS)
        return;
    struct vhist *h = &st->hist[st->nhist - 1];
    uint8_t cls = PBPF_CLASS(e->insns[h->idx].code);
    if (h->idx != e->insn_idx ||
        (cls != PBPF_CLS_LDX && cls != PBPF_CLS_STX && cls != PBPF_CLS_ST))
        return;
    h->flags |= flag;
    h->sframe = (uint8_t)frameno;
    h->spi = (uint8_t)spi;
}

/* what is being followed: registers and stack slots per frame */
struct bt {
    uint16_t reg[PBPF_MAX_CALL_DEPTH];
    uint64_t slot[PBPF_MAX_CALL_DEPTH];
    uint32_t top; /* frames above it follow nothing */
};

static bool bt_empty(const struct bt *b)
{
    uint64_t any = 0;
    for (uint32_t f = 0; f <= b->top; f++)
        any |= b->reg[f] | b->slot[f];
    return !any;
}

/* only frame f has anything, and it is within what the memo followed */
static bool bt_within_memo(const struct bt *b, const struct vstate *st, uint32_t f)
{
    if (f != st->bt_memo_frame || (b->reg[f] & ~st->bt_memo_regs) ||
        (b->slot[f] & ~st->bt_memo_slots))
        return false;
    uint64_t other = 0;
    for (uint32_t k = 0; k < PBPF_MAX_CALL_DEPTH; k++)
        if (k != f)
            other |= b->reg[k] | b->slot[k];
    return !other;
}

/* One instruction, backwards: the registers and slots needed after it
 * become those needed before it.  *fr is the frame of the instruction
 * that ran after this one.  Returns -1 when it cannot be followed. */
static int bt_insn(struct venv *e, struct bt *b, const struct vhist *h, uint32_t *fr)
{
    const struct pbpf_insn *in = &e->insns[h->idx];
    uint32_t f = h->frame;
    uint8_t cls = PBPF_CLASS(in->code), op = PBPF_OP(in->code), mode = PBPF_MODE(in->code);
    uint32_t dreg = PBPF_INSN_DST(in), sreg = PBPF_INSN_SRC(in);
    uint16_t d = (uint16_t)(1u << dreg), s = (uint16_t)(1u << sreg);
    bool x = (in->code & PBPF_SRC_X) != 0;

    if (f >= PBPF_MAX_CALL_DEPTH)
        return -1;
    if (f == *fr + 1) {
        /* the callee's exit; the caller ran next */
        uint32_t c = *fr;
        if (in->code != PBPF_OPCODE_EXIT)
            return -1;
        if (h->flags & H_CBEXIT) {
            /* the caller's r0 after a callback is unknown */
            b->reg[c] &= (uint16_t)~1u;
            if (b->reg[f] || b->slot[f])
                return -1;
        } else if (b->reg[c] & 1) {
            b->reg[c] &= (uint16_t)~1u;
            b->reg[f] |= 1;
            if (f > b->top)
                b->top = f;
        }
        if (b->reg[c] & 0x3e) /* r1-r5 are scratched by a call */
            return -1;
        *fr = f;
        return 0;
    }
    if (f + 1 == *fr) {
        /* the call; the callee's first instruction ran next */
        uint32_t c = *fr;
        uint16_t m = b->reg[c];
        if (in->code != PBPF_OPCODE_CALL || b->slot[c])
            return -1;
        if (sreg == PBPF_PSEUDO_CALL) {
            /* arguments: r1-r5 are the caller's */
            if (m & (uint16_t)~0x3eu)
                return -1;
            b->reg[f] |= m;
        } else if (in->imm == H_LOOP) {
            /* callback(index, ctx): the index is unknown, ctx is r3 */
            m &= (uint16_t)~2u;
            if (m & 4) {
                m &= (uint16_t)~4u;
                b->reg[f] |= 8;
            }
            if (m)
                return -1;
        } else if (in->imm == H_FOR_EACH_MAP_ELEM) {
            /* callback(map, key, value, ctx): pointers, and ctx (r3) */
            m &= (uint16_t)~0xeu;
            if (m & 0x10) {
                m &= (uint16_t)~0x10u;
                b->reg[f] |= 8;
            }
            if (m)
                return -1;
        } else {
            return -1;
        }
        b->reg[c] = 0;
        *fr = f;
        return 0;
    }
    if (f != *fr)
        return -1;

    uint16_t *rm = &b->reg[f];
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64:
        if (!(*rm & d))
            return 0;
        if (op == PBPF_ALU_MOV) {
            /* dst = imm defines it; dst = src (or a sign extension of
             * it) passes the need on */
            *rm &= (uint16_t)~d;
            if (x && sreg != 10)
                *rm |= s;
        } else if (op != PBPF_ALU_NEG && op != PBPF_ALU_END && x) {
            /* dst op= src: both feed the result */
            *rm |= s;
        }
        return 0;
    case PBPF_CLS_LDX:
        if (!(*rm & d))
            return 0;
        *rm &= (uint16_t)~d;
        /* a fill: the spilled register's value; anything else read
         * from memory is what the access's type says it is */
        if (h->flags & H_FILL)
            b->slot[h->sframe] |= 1ull << h->spi;
        return 0;
    case PBPF_CLS_ST:
    case PBPF_CLS_STX: {
        bool slot = (h->flags & H_SWRITE) && h->sframe < PBPF_MAX_CALL_DEPTH &&
                    (b->slot[h->sframe] >> h->spi & 1);
        if (cls == PBPF_CLS_STX && mode == PBPF_MODE_ATOMIC) {
            /* the fetched value and the slot after it are unknown */
            if (in->imm & PBPF_ATOMIC_FETCH)
                *rm &= (uint16_t)~(in->imm == PBPF_ATOMIC_CMPXCHG ? 1u : s);
            if (slot)
                b->slot[h->sframe] &= ~(1ull << h->spi);
            return 0;
        }
        if (slot) {
            /* a spill: the slot holds the stored register from here */
            b->slot[h->sframe] &= ~(1ull << h->spi);
            if (cls == PBPF_CLS_STX)
                *rm |= s;
        }
        return 0;
    }
    case PBPF_CLS_LD:
        if (mode == PBPF_MODE_IMM) {
            *rm &= (uint16_t)~d;
            return 0;
        }
        /* LD_ABS/IND: r0 from the packet, r1-r5 scratched */
        *rm &= (uint16_t)~1u;
        return (*rm & 0x3e) ? -1 : 0;
    default: /* JMP, JMP32 */
        if (op == PBPF_JMP_CALL) {
            /* a helper (without a callback) or a global function: r0 is
             * what its prototype says, r1-r5 are scratched */
            *rm &= (uint16_t)~1u;
            return (*rm & 0x3e) ? -1 : 0;
        }
        if (op == PBPF_JMP_EXIT) {
            /* a callback's exit, and the next call of it began: the
             * callback's registers are its arguments again (bpf_loop's
             * index: unknown), its stack is new; the caller's r0 is
             * unknown and its r1-r5 scratched */
            if (!(h->flags & H_CBEXIT) || f == 0)
                return -1;
            if ((*rm & (uint16_t)~2u) || b->slot[f])
                return -1;
            *rm = 0;
            b->reg[f - 1] &= (uint16_t)~1u;
            return (b->reg[f - 1] & 0x3e) ? -1 : 0;
        }
        if (op == PBPF_JMP_JA)
            return 0;
        /* dst <cond> src: the branch's bounds came from both */
        if (x && (*rm & (d | s)))
            *rm |= (uint16_t)(d | s);
        return 0;
    }
}

/* A checkpoint on the path: what is followed there is marked precise;
 * what is already precise was followed further up when it was marked. */
static int bt_mark_state(struct bt *b, struct vstate *p)
{
    if (p->all_precise) {
        memset(b, 0, sizeof *b);
        return 0;
    }
    for (uint32_t f = 0; f < PBPF_MAX_CALL_DEPTH; f++) {
        if (!b->reg[f] && !b->slot[f])
            continue;
        if (f > p->curframe)
            return -1;
        struct vframe *fp = p->frame[f];
        if (!fp) {
            /* evicted (its registers are gone): go on above it with what
             * no walk followed past it yet.  Following a set is following
             * each of its registers and slots, so what an earlier walk
             * followed from here was marked above then (or made
             * everything above precise).  Without this, each walk of a
             * loop whose checkpoints were evicted went back to the
             * loop's start. */
            struct vexplored *x = p->retired;
            if (!x)
                continue;
            uint16_t r = b->reg[f] & (uint16_t)~x->past_regs[f];
            uint64_t s = b->slot[f] & ~x->past_slots[f];
            x->past_regs[f] |= b->reg[f];
            x->past_slots[f] |= b->slot[f];
            b->reg[f] = r;
            b->slot[f] = s;
            continue;
        }
        for (int r = 0; r < 11; r++) {
            if (!(b->reg[f] >> r & 1))
                continue;
            struct vreg *reg = &fp->regs[r];
            if (reg->type != SCALAR_VALUE || reg->precise)
                b->reg[f] &= (uint16_t)~(1u << r);
            else
                reg->precise = true;
        }
        for (uint32_t spi = 0; spi < MAX_SLOTS; spi++) {
            if (!(b->slot[f] >> spi & 1))
                continue;
            struct vslot *sl = spi < nslots(fp) ? &fp->stack[spi] : NULL;
            if (!sl || sl->type[7] != STACK_SPILL || sl->spilled.type != SCALAR_VALUE ||
                sl->spilled.precise)
                b->slot[f] &= ~(1ull << spi);
            else
                sl->spilled.precise = true;
        }
    }
    return 0;
}

void mark_all_precise(struct vstate *st)
{
    for (; st && !st->all_precise; st = st->parent) {
        st->all_precise = true;
        for (uint32_t f = 0; f <= st->curframe && f < PBPF_MAX_CALL_DEPTH; f++) {
            struct vframe *fp = st->frame[f];
            if (!fp)
                continue;
            for (int r = 0; r < 11; r++)
                if (fp->regs[r].type == SCALAR_VALUE)
                    fp->regs[r].precise = true;
            for (uint32_t spi = 0; spi < nslots(fp); spi++)
                if (fp->stack[spi].type[7] == STACK_SPILL &&
                    fp->stack[spi].spilled.type == SCALAR_VALUE)
                    fp->stack[spi].spilled.precise = true;
        }
    }
}

/* Walks the current path backwards, then the checkpoints above it.
 * skip_last: the last instruction of the path is the one asking (its
 * inputs are what is followed).
 *
 * A walk that reaches where the last one of this path started, with no
 * more to follow than that one had, is done: the rest was marked then.
 * (A loop's counter, marked at each iteration's test, is followed back
 * one iteration instead of to the loop's last checkpoint.) */
static int bt_run(struct venv *e, struct bt *b, bool skip_last)
{
    struct vstate *cur = e->cur, *st = cur;
    uint32_t n = st->nhist, fr = st->curframe;
    uint32_t start = 0, start_frame = fr;
    b->top = fr;
    for (uint32_t f = fr + 1; f < PBPF_MAX_CALL_DEPTH; f++)
        if (b->reg[f] || b->slot[f])
            b->top = f;
    uint16_t start_regs = b->reg[fr];
    uint64_t start_slots = b->slot[fr];
    /* only a walk of the current frame's registers and slots is kept */
    b->reg[fr] = 0;
    b->slot[fr] = 0;
    bool memo_ok = bt_empty(b);
    b->reg[fr] = start_regs;
    b->slot[fr] = start_slots;
    if (skip_last) {
        if (!n || st->hist[n - 1].frame != fr) {
            memo_ok = false;
            goto fail;
        }
        n--;
    }
    start = n;
    for (;;) {
        for (uint32_t j = n; j-- > 0;) {
            if (bt_empty(b))
                goto done;
            if (st == cur && j + 1 == cur->bt_memo_pos && bt_within_memo(b, cur, fr))
                goto done;
            if (bt_insn(e, b, &st->hist[j], &fr))
                goto fail;
        }
        if (bt_empty(b))
            goto done;
        /* the segment's older instructions were dropped */
        if (st->hist_lost)
            goto fail;
        /* the start of the walk: its state is the same for every path */
        if (st->bt_root || !st->parent)
            goto done;
        struct vstate *p = st->parent;
        if (p->curframe != fr || bt_mark_state(b, p))
            goto fail;
        st = p;
        n = st->nhist;
    }
fail:
    if (e->log_level >= 2)
        vlog(e, "precision backtracking from insn %u gave up: all scalars precise\n",
             e->insn_idx);
    mark_all_precise(cur->parent);
done:
    if (memo_ok) {
        if (cur->bt_memo_pos != start || cur->bt_memo_frame != start_frame) {
            cur->bt_memo_pos = start;
            cur->bt_memo_frame = (uint8_t)start_frame;
            cur->bt_memo_regs = 0;
            cur->bt_memo_slots = 0;
        }
        cur->bt_memo_regs |= start_regs;
        cur->bt_memo_slots |= start_slots;
    }
    return 0;
}

/* the scalars among regs (current frame), as inputs of the current
 * instruction */
int mark_precise(struct venv *e, uint16_t regs)
{
    struct bt b;
    memset(&b, 0, sizeof b);
    b.top = PBPF_MAX_CALL_DEPTH - 1; /* bt_run narrows it */
    const struct vframe *f = cur_frame(e);
    for (int r = 0; r < 10; r++)
        if ((regs >> r & 1) && f->regs[r].type == SCALAR_VALUE)
            b.reg[e->cur->curframe] |= (uint16_t)(1u << r);
    if (bt_empty(&b))
        return 0;
    return bt_run(e, &b, true);
}

/* a spilled scalar read by the current instruction */
int mark_precise_slot(struct venv *e, uint32_t frameno, uint32_t spi)
{
    if (frameno >= PBPF_MAX_CALL_DEPTH || spi >= MAX_SLOTS)
        return 0;
    struct bt b;
    memset(&b, 0, sizeof b);
    b.top = PBPF_MAX_CALL_DEPTH - 1; /* bt_run narrows it */
    b.slot[frameno] = 1ull << spi;
    return bt_run(e, &b, true);
}

/* The current path is pruned against old: what old needed precisely the
 * path's values must be as precise about (the checkpoints above the path
 * have their part in old's safety). */
int propagate_precision(struct venv *e, const struct vstate *old)
{
    struct bt b;
    memset(&b, 0, sizeof b);
    b.top = PBPF_MAX_CALL_DEPTH - 1; /* bt_run narrows it */
    for (uint32_t f = 0; f <= old->curframe && f < PBPF_MAX_CALL_DEPTH; f++) {
        const struct vframe *fp = old->frame[f];
        uint16_t live = f == old->curframe ? e->live_regs[e->insn_idx] : 0x7ff;
        uint64_t live_slots = old_live_slots(e, old, f, e->insn_idx, false);
        for (int r = 0; r < 10; r++)
            if ((live >> r & 1) && fp->regs[r].type == SCALAR_VALUE && fp->regs[r].precise)
                b.reg[f] |= (uint16_t)(1u << r);
        /* as Linux, a slot no path from here reads is not followed */
        for (uint32_t spi = 0; spi < nslots(fp); spi++)
            if ((live_slots >> spi & 1) && fp->stack[spi].type[7] == STACK_SPILL &&
                fp->stack[spi].spilled.type == SCALAR_VALUE && fp->stack[spi].spilled.precise)
                b.slot[f] |= 1ull << spi;
    }
    if (bt_empty(&b))
        return 0;
    return bt_run(e, &b, false);
}
