/* Verifier states: copies for pending branches, the explored states at
 * pruning points, and Linux's subsumption test (a new state is safe when an
 * explored one is at least as general where it matters). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "verifier/vstate.h"

/* Linux's BPF_COMPLEXITY_LIMIT_JMP_SEQ */
#define MAX_PENDING 8192

const struct vslot vslot_invalid;

/* Frames keep only the stack depth in use; released frames are recycled
 * with their stack buffers. */
static struct vframe *frame_alloc_dirty(struct venv *e)
{
    struct vframe *f = e->frame_pool;
    if (f) {
        e->frame_pool = *(struct vframe **)f;
        return f; /* keeps its stack buffer (stack, stack_cap) */
    }
    return vzalloc(e, sizeof(struct vframe));
}

struct vframe *frame_alloc(struct venv *e)
{
    struct vframe *f = frame_alloc_dirty(e);
    if (f) {
        struct vslot *stack = f->stack;
        uint32_t cap = f->stack_cap;
        memset(f, 0, sizeof *f);
        f->stack = stack;
        f->stack_cap = cap;
    }
    return f;
}

void frame_release(struct venv *e, struct vframe *f)
{
    if (!f)
        return;
    *(struct vframe **)f = e->frame_pool;
    e->frame_pool = f;
}

/* the stack reaches depth bytes (a multiple of 8): new slots are invalid */
int frame_grow(struct venv *e, struct vframe *f, uint32_t depth)
{
    uint32_t n = depth / 8, old = f->allocated / 8;
    if (n <= old)
        return 0;
    if (n > f->stack_cap) {
        uint32_t cap = n < 4 ? 4 : n;
        struct vslot *ns = vzalloc(e, cap * sizeof *ns);
        if (!ns)
            return -ENOMEM;
        if (old)
            memcpy(ns, f->stack, old * sizeof *ns);
        vfree(e, f->stack, f->stack_cap * sizeof *ns);
        f->stack = ns;
        f->stack_cap = cap;
    } else {
        memset(&f->stack[old], 0, (n - old) * sizeof *f->stack);
    }
    f->allocated = depth;
    return 0;
}

static int frame_copy(struct venv *e, struct vframe *dst, const struct vframe *src)
{
    struct vslot *keep = dst->stack;
    uint32_t cap = dst->stack_cap, n = src->allocated / 8;
    memcpy(dst, src, sizeof *dst);
    dst->stack = keep;
    dst->stack_cap = cap;
    if (n > cap) {
        struct vslot *ns = vzalloc(e, n * sizeof *ns);
        if (!ns)
            return -ENOMEM;
        vfree(e, keep, cap * sizeof *ns);
        dst->stack = ns;
        dst->stack_cap = n;
    }
    if (n)
        memcpy(dst->stack, src->stack, n * sizeof *src->stack);
    return 0;
}

/* States are recycled too (a loop pushes and pops one at each branch):
 * a zeroed state without frames, which keeps the history buffer it had
 * in the pool (hist, hist_cap; nhist 0). */
static struct vstate *state_alloc(struct venv *e)
{
    struct vstate *st = e->state_pool;
    if (!st)
        return vzalloc(e, sizeof *st);
    e->state_pool = st->parent;
    struct vhist *hist = st->hist;
    uint32_t hist_cap = st->hist_cap;
    memset(st, 0, sizeof *st);
    st->hist = hist;
    st->hist_cap = hist_cap;
    return st;
}

struct vstate *state_new(struct venv *e)
{
    struct vstate *st = state_alloc(e);
    if (!st)
        return NULL;
    st->frame[0] = frame_alloc(e);
    if (!st->frame[0]) {
        state_free(e, st);
        return NULL;
    }
    return st;
}

void state_free(struct venv *e, struct vstate *st)
{
    if (!st)
        return;
    for (uint32_t i = 0; i < PBPF_MAX_CALL_DEPTH; i++)
        frame_release(e, st->frame[i]);
    vfree(e, st->refs, st->refs_cap * sizeof *st->refs);
    st->refs = NULL;
    st->refs_cap = 0;
    st->parent = e->state_pool;
    e->state_pool = st;
}

int state_copy(struct venv *e, struct vstate *dst, const struct vstate *src)
{
    for (uint32_t i = 0; i < PBPF_MAX_CALL_DEPTH; i++) {
        if (i <= src->curframe) {
            if (!dst->frame[i]) {
                /* frame_copy overwrites the whole frame */
                dst->frame[i] = frame_alloc_dirty(e);
                if (!dst->frame[i])
                    return -ENOMEM;
            }
            if (frame_copy(e, dst->frame[i], src->frame[i]))
                return -ENOMEM;
        } else if (dst->frame[i]) {
            frame_release(e, dst->frame[i]);
            dst->frame[i] = NULL;
        }
    }
    dst->curframe = src->curframe;
    if (src->nrefs > dst->refs_cap) {
        struct vref *r = vzalloc(e, src->nrefs * sizeof *r);
        if (!r)
            return -ENOMEM;
        vfree(e, dst->refs, dst->refs_cap * sizeof *dst->refs);
        dst->refs = r;
        dst->refs_cap = src->nrefs;
    }
    if (src->nrefs)
        memcpy(dst->refs, src->refs, src->nrefs * sizeof *src->refs);
    dst->nrefs = src->nrefs;
    dst->active_lock_id = src->active_lock_id;
    dst->active_lock_map = src->active_lock_map;
    dst->speculative = src->speculative;
    dst->cb_unroll = src->cb_unroll;
    dst->parent = src->parent;
    dst->branches = src->branches;
    dst->insn_idx = src->insn_idx;
    if (src->npath)
        memcpy(dst->path, src->path, sizeof dst->path);
    dst->npath = src->npath;
    if (src->nhist > dst->hist_cap) {
        uint32_t cap = src->nhist;
        struct vhist *h = vzalloc(e, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        vfree(e, dst->hist, dst->hist_cap * sizeof *dst->hist);
        dst->hist = h;
        dst->hist_cap = cap;
    }
    if (src->nhist)
        memcpy(dst->hist, src->hist, src->nhist * sizeof *src->hist);
    dst->nhist = src->nhist;
    dst->bt_root = src->bt_root;
    dst->hist_lost = src->hist_lost;
    dst->bt_memo_pos = src->bt_memo_pos;
    dst->bt_memo_frame = src->bt_memo_frame;
    dst->bt_memo_regs = src->bt_memo_regs;
    dst->bt_memo_slots = src->bt_memo_slots;
    return 0;
}

/* the branch decisions of a path, for the log (level >= 1) */
int path_push(struct venv *e, struct vstate *st, uint32_t insn, bool taken)
{
    if (e->log_level < 1)
        return 0;
    st->path[st->npath++ % PATH_LOG] = insn << 1 | (taken ? 1u : 0u);
    return 0;
}

struct vstate *push_stack(struct venv *e, uint32_t insn_idx, uint32_t prev_idx)
{
    struct vstack_elem *el = vzalloc(e, sizeof *el);
    if (!el)
        return NULL;
    el->st = state_alloc(e);
    if (!el->st || state_copy(e, el->st, e->cur)) {
        state_free(e, el->st);
        vfree(e, el, sizeof *el);
        return NULL;
    }
    el->insn_idx = insn_idx;
    el->prev_idx = prev_idx;
    el->next = e->head;
    e->head = el;
    e->stack_size++;
    if (el->st->parent)
        el->st->parent->branches++;
    return el->st;
}

/* Replaces the current state with the next pending one: 0, or -ENOENT when
 * none is left. */
int pop_stack(struct venv *e, uint32_t *insn_idx)
{
    struct vstack_elem *el = e->head;
    if (!el)
        return -ENOENT;
    /* the pending state becomes the current one (no copy) */
    struct vstate *old = e->cur;
    e->cur = el->st;
    *insn_idx = el->insn_idx;
    e->prev_insn_idx = el->prev_idx;
    e->head = el->next;
    e->stack_size--;
    state_free(e, old);
    vfree(e, el, sizeof *el);
    return 0;
}

static void explored_free(struct venv *e, struct vexplored *x)
{
    state_free(e, x->st);
    vfree(e, x, sizeof *x);
}

/* a path ended (exit or pruned): explored states with no path left below
 * them are complete; an evicted one is no longer needed and is freed (as
 * Linux frees the states on its free list when their branches reach 0) */
void update_branch_counts(struct venv *e, struct vstate *st)
{
    while (st) {
        if (--st->branches)
            break;
        struct vstate *parent = st->parent;
        struct vexplored *x = st->retired;
        if (x) {
            if (x->prev)
                x->prev->next = x->next;
            else
                e->retired = x->next;
            if (x->next)
                x->next->prev = x->prev;
            explored_free(e, x);
        }
        st = parent;
    }
}

/* ---- subsumption ---- */

/* as Linux's BPF_ID_MAP_SIZE: every register and stack slot of every
 * frame may hold an id */
#define IDMAP_SIZE ((11 + MAX_SLOTS) * PBPF_MAX_CALL_DEPTH)

struct idmap {
    uint32_t old[IDMAP_SIZE], cur[IDMAP_SIZE];
    uint32_t n;
    uint32_t fresh; /* the next id for a current scalar without one */
};

/* ids given here to current scalars without one (check_scalar_ids): above
 * any the walk makes (id_gen grows by at most a few per instruction of a
 * budget of one million) */
#define IDMAP_FRESH 0x80000000u

/* the ids of old and cur must correspond one to one */
static bool check_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
    if (!old && !cur)
        return true;
    if (!old || !cur)
        return false;
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->old[i] == old)
            return m->cur[i] == cur;
        if (m->cur[i] == cur)
            return false;
    }
    if (m->n == IDMAP_SIZE)
        return false;
    m->old[m->n] = old;
    m->cur[m->n++] = cur;
    return true;
}

/* Every field but precise is equal.  The differences are or-ed together
 * and tested once: this runs for each in-progress state at every pruning
 * point of a loop, and branches per field cost the most under coverage
 * instrumentation (the fuzzer's build). */
/* Linked scalars (a shared id: copies of one value) in the old state must
 * be linked in the current one too, since what the old path learned on
 * one it applied to the others.  The converse is not needed: a current
 * state whose copies are linked where the old one's were not holds fewer
 * values.  So old ids map to current ones as a function (not one to one,
 * unlike pointer ids), and an old scalar without id accepts any.  This
 * holds for imprecise scalars too (regsafe): a bound a branch learns on
 * an imprecise copy reaches a precise one through the link, which Linux
 * follows by marking the linked registers precise together.  Scalar and
 * pointer ids come from one counter and never meet. */
static bool check_scalar_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
    if (!old)
        return true;
    /* a current scalar without id is linked to nothing: it gets an id of
     * its own, which no other scalar maps to.  An old id that only one of
     * the scalars compared holds then still accepts it (the copies it was
     * linked to are never read again: dead registers and slots are not
     * compared); one that two of them hold does not (Linux's
     * check_scalar_ids gives such a scalar a fresh id too) */
    if (!cur)
        cur = m->fresh++;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->old[i] == old)
            return m->cur[i] == cur;
    if (m->n == IDMAP_SIZE)
        return false;
    m->old[m->n] = old;
    m->cur[m->n++] = cur;
    return true;
}

static bool regs_exact(const struct vreg *a, const struct vreg *b)
{
    uint64_t d = (uint64_t)(a->type ^ b->type) | (uint64_t)(a->frameno ^ b->frameno) |
                 (uint64_t)(uint32_t)(a->off ^ b->off) |
                 (a->var_off.value ^ b->var_off.value) | (a->var_off.mask ^ b->var_off.mask) |
                 (uint64_t)(a->smin ^ b->smin) | (uint64_t)(a->smax ^ b->smax) |
                 (a->umin ^ b->umin) | (a->umax ^ b->umax) |
                 (uint64_t)(uint32_t)(a->s32_min ^ b->s32_min) |
                 (uint64_t)(uint32_t)(a->s32_max ^ b->s32_max) | (a->u32_min ^ b->u32_min) |
                 (a->u32_max ^ b->u32_max) | (a->id ^ b->id) | (a->ref_obj_id ^ b->ref_obj_id) |
                 (a->range ^ b->range) | ((uintptr_t)a->map ^ (uintptr_t)b->map);
    return d == 0;
}

static bool regsafe(const struct vreg *old, const struct vreg *cur, struct idmap *m, bool precise)
{
    if (old->type == NOT_INIT)
        return true;
    /* an imprecise scalar: no check below the old state needed its
     * value (precise.c), any scalar does as well */
    if (!precise && old->type == SCALAR_VALUE && cur->type == SCALAR_VALUE)
        return check_scalar_ids(m, old->id, cur->id);
    if (cur->type != old->type)
        return false;
    switch (VT_BASE(old->type)) {
    case SCALAR_VALUE:
        return reg_range_within(old, cur) && tnum_in(old->var_off, cur->var_off) &&
               check_scalar_ids(m, old->id, cur->id);
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
        /* the old path proved less range: what it did is safe here */
        if (old->range > cur->range)
            return false;
        if (old->off != cur->off)
            return false;
        if (!check_ids(m, old->id, cur->id))
            return false;
        return reg_range_within(old, cur) && tnum_in(old->var_off, cur->var_off);
    default:
        if (old->off != cur->off || old->map != cur->map || old->range != cur->range ||
            old->frameno != cur->frameno || old->map_uid != cur->map_uid)
            return false;
        if (!check_ids(m, old->id, cur->id) || !check_ids(m, old->ref_obj_id, cur->ref_obj_id))
            return false;
        return reg_range_within(old, cur) && tnum_in(old->var_off, cur->var_off);
    }
}

static bool is_spilled_zero(const struct vslot *s)
{
    return s->type[7] == STACK_SPILL && s->spilled.type == SCALAR_VALUE &&
           tnum_equals_const(s->spilled.var_off, 0);
}

/* cur's slot reads as an unknown scalar wherever old's 8-byte spill of a
 * scalar reads as its value: all bytes written data (zero reads as zero,
 * within any scalar), or uninitialised where a privileged loader may read
 * them (Linux's scalar_reg_for_stack) */
static bool slot_reads_scalar(const struct vslot *c, bool unpriv)
{
    for (int i = 0; i < 8; i++)
        if (c->type[i] != STACK_MISC && c->type[i] != STACK_ZERO &&
            (unpriv || c->type[i] != STACK_INVALID))
            return false;
    return true;
}

/* live: the slots of old that a path from here may read (the others,
 * overwritten first on every path, hold anything) */
static bool stacksafe(const struct vframe *old, const struct vframe *cur, struct idmap *m,
                      bool exact, bool unpriv, uint64_t live)
{
    /* slots past the old state's depth are invalid there: anything goes */
    uint32_t n = old->allocated / 8;
    for (uint32_t spi = 0; spi < n; spi++) {
        if (!(live >> spi & 1))
            continue;
        const struct vslot *o = &old->stack[spi], *c = slot_r(cur, spi);
        bool spill_o = o->type[7] == STACK_SPILL, spill_c = c->type[7] == STACK_SPILL;
        if (spill_o) {
            bool precise = exact || o->spilled.precise;
            if (!precise && o->spilled.type == SCALAR_VALUE && !spill_c &&
                o->type[0] == STACK_SPILL && slot_reads_scalar(c, unpriv)) {
                /* an imprecise 8-byte scalar spill against data */
                if (!check_scalar_ids(m, o->spilled.id, 0))
                    return false;
                continue;
            }
            /* a whole-register spill (or a 32-bit one in the low half) */
            if (!spill_c)
                return false;
            for (int i = 0; i < 8; i++)
                if (o->type[i] != c->type[i] && o->type[i] != STACK_INVALID)
                    return false;
            if (!regsafe(&o->spilled, &c->spilled, m, precise))
                return false;
            continue;
        }
        for (int i = 0; i < 8; i++) {
            uint8_t ot = o->type[i], ct = c->type[i];
            if (ot == STACK_INVALID || ot == ct)
                continue;
            /* misc reads as any scalar: so do zero bytes, a scalar spill's
             * and, for a loader that may read uninitialised stack, those
             * (Linux's stacksafe with allow_uninit_stack) */
            if (ot == STACK_MISC &&
                (ct == STACK_ZERO || (ct == STACK_INVALID && !unpriv) ||
                 (ct == STACK_SPILL && spill_c && c->spilled.type == SCALAR_VALUE)))
                continue;
            if (ot == STACK_ZERO && spill_c && is_spilled_zero(c))
                continue;
            return false;
        }
    }
    return true;
}

static bool refsafe(const struct vstate *old, const struct vstate *cur, struct idmap *m)
{
    if (old->nrefs != cur->nrefs)
        return false;
    for (uint32_t i = 0; i < old->nrefs; i++)
        if (!check_ids(m, old->refs[i].id, cur->refs[i].id))
            return false;
    return true;
}

/* The slots of frame f of explored state old at insn that may still be
 * read (cfg.c's slot liveness).  Only for old's current frame, and only
 * once every path below old has ended (its reads are all recorded then):
 * not while it is being explored (exact), nor when a path below it was
 * pruned against a state still being explored (a callback's entry),
 * whose reads are not all seen yet; mark_all_precise marked old then. */
uint64_t old_live_slots(const struct venv *e, const struct vstate *old, uint32_t f,
                        uint32_t insn, bool exact)
{
    if (exact || old->all_precise || e->slot_live_off || !e->live_slots)
        return ~0ull;
    if (f == old->curframe)
        return e->live_slots[insn];
    /* a caller's frame: what the call it is in (and the callees below
     * it, through pointers) or its code after the return may read */
    int32_t cs = old->frame[f + 1]->callsite;
    return cs >= 0 && (size_t)cs < e->cnt ? e->live_slots[cs] : ~0ull;
}

/* The registers of frame f of old that the rest of the program may read,
 * and those whose scalar value may matter (cfg.c, static): a caller's
 * frame resumes after its call with r0 set by the return and r1-r5
 * scratched. */
static void old_live_regs(const struct venv *e, const struct vstate *old, uint32_t f,
                          uint32_t insn, uint16_t *live, uint16_t *prec)
{
    if (f == old->curframe) {
        *live = e->live_regs[insn];
        *prec = e->precise_regs[insn];
        return;
    }
    int32_t cs = old->frame[f + 1]->callsite;
    if (cs < 0 || (size_t)cs + 1 >= e->cnt) {
        *live = *prec = 0x7ff;
        return;
    }
    *live = (uint16_t)(e->live_regs[cs + 1] & ~1u);
    *prec = (uint16_t)(e->precise_regs[cs + 1] & ~1u);
}

/* exact: old is still being explored (its precision marks are not
 * final), every scalar the static analysis (cfg.c) may need counts */
static bool states_equal(struct venv *e, const struct vstate *old, const struct vstate *cur,
                         uint32_t insn, bool exact)
{
    struct idmap m;
    m.n = 0;
    m.fresh = IDMAP_FRESH;
    if (old->curframe != cur->curframe)
        return false;
    /* what was safe only on a mispredicted path proves nothing for a
     * real one (Linux's states_equal) */
    if (old->speculative && !cur->speculative)
        return false;
    if (!!old->active_lock_id != !!cur->active_lock_id ||
        old->active_lock_map != cur->active_lock_map)
        return false;
    if (old->active_lock_id && !check_ids(&m, old->active_lock_id, cur->active_lock_id))
        return false;
    for (uint32_t f = 0; f <= old->curframe; f++) {
        const struct vframe *of = old->frame[f], *cf = cur->frame[f];
        if (of->callsite != cf->callsite)
            return false;
        uint16_t live, prec;
        old_live_regs(e, old, f, insn, &live, &prec);
        for (int r = 0; r < 11; r++)
            if ((live >> r & 1) &&
                !regsafe(&of->regs[r], &cf->regs[r], &m,
                         (prec >> r & 1) && (exact || of->regs[r].precise)))
                return false;
        if (!stacksafe(of, cf, &m, exact, e->unpriv, old_live_slots(e, old, f, insn, exact)))
            return false;
    }
    return refsafe(old, cur, &m);
}

/* the scalars of a state that hold an id: registers and spills */
static uint32_t scalar_id_regs(struct vstate *st, struct vreg **out, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int i = 0; i < 11 && n < cap; i++)
            if (fr->regs[i].type == SCALAR_VALUE && fr->regs[i].id)
                out[n++] = &fr->regs[i];
        for (uint32_t s = 0; s < nslots(fr) && n < cap; s++) {
            struct vreg *r = &fr->stack[s].spilled;
            if (fr->stack[s].type[7] == STACK_SPILL && r->type == SCALAR_VALUE && r->id)
                out[n++] = r;
        }
    }
    return n;
}

/* Linux's clear_singular_ids: in a stored state, an id that only one
 * scalar holds links nothing; without it the state prunes more (an old
 * scalar without id accepts any current one). */
static void clear_singular_ids(struct vstate *st)
{
    struct vreg *r[IDMAP_SIZE];
    uint32_t n = scalar_id_regs(st, r, IDMAP_SIZE);
    for (uint32_t i = 0; i < n; i++) {
        bool shared = false;
        for (uint32_t j = 0; j < n && !shared; j++)
            shared = j != i && r[j]->id == r[i]->id;
        if (!shared)
            r[i]->id = 0;
    }
}

/* Linux's states_maybe_looping: the current frames' registers are
 * identical (the cheap test before states_equal for a loop). */
static bool states_maybe_looping(const struct vstate *old, const struct vstate *cur)
{
    if (old->curframe != cur->curframe || old->cb_unroll != cur->cb_unroll)
        return false;
    const struct vframe *of = old->frame[old->curframe], *cf = cur->frame[cur->curframe];
    for (int r = 0; r < 11; r++)
        if (!regs_exact(&of->regs[r], &cf->regs[r]))
            return false;
    return true;
}

/* At a pruning point: 1 when an explored state subsumes the current one
 * (the path is done), 0 when the current state was added to the explored
 * ones (or not added), or a negative errno.
 *
 * The explored states are kept per instruction, as Linux's explored_states
 * lists, and the lists are kept short the way Linux keeps them:
 *  - a checkpoint is added only after 2 jumps and 8 instructions since the
 *    last one, and, while a loop is being walked (a state at this
 *    instruction is still in progress), only after 20 jumps or 100
 *    instructions: each iteration of a loop has a state of its own that
 *    is rarely useful for pruning;
 *  - a state that keeps missing (miss > 3 * hit + 3, misses counted only
 *    when a new state is added) is evicted; one that is still the parent
 *    of live paths is freed when the last of them ends;
 *  - the loop test (an in-progress state identical to the current one)
 *    runs states_equal only when the current frame's registers are
 *    identical, which the first differing register ends.  (A hash of the
 *    registers stored with each state did not pay: with the lists this
 *    short, computing it cost as much as the comparisons it saved.) */
int is_state_visited(struct venv *e, uint32_t insn)
{
    struct vstate *cur = e->cur;
    bool add = e->jmps_processed - e->prev_jmps >= 2 &&
               e->stats.processed_insns - e->prev_insns >= 8;
    /* callback entries always get one, as Linux forces a checkpoint at the
     * call of a helper that calls back: the next call is found there */
    add |= e->cb_entry[insn] != 0;
    struct vexplored **pp = &e->explored[insn];
    while (*pp) {
        struct vexplored *x = *pp;
        /* A state still being explored (a loop head on the current path)
         * never prunes: it is not yet proven safe.  As Linux's
         * is_state_visited, such a state only detects an infinite loop and
         * then counts as a miss (found by fuzz_verifier: a loop whose state
         * repeats was pruned against its own head and accepted). */
        bool in_progress = x->st->branches && !e->cb_entry[insn];
        if (in_progress) {
            if (states_maybe_looping(x->st, cur) &&
                states_equal(e, x->st, cur, insn, true))
                return verr(e, -EINVAL, "infinite loop detected at insn %u", insn);
            /* Linux: inside a loop, a new state only every 20 jumps or
             * 100 instructions */
            if (e->jmps_processed - e->prev_jmps < 20 &&
                e->stats.processed_insns - e->prev_insns < 100)
                add = false;
        } else if (states_equal(e, x->st, cur, insn, x->st->branches != 0)) {
            /* what x needed precisely, this path's checkpoints need too
             * (before the branch counts may free them); a callback's entry
             * still being explored has no final marks yet: everything
             * above this path is precise then */
            if (x->st->branches)
                mark_all_precise(cur->parent);
            else {
                int rc = propagate_precision(e, x->st);
                if (rc)
                    return rc;
            }
            x->hit++;
            update_branch_counts(e, cur->parent);
            return 1;
        }
        /* as Linux: misses count only when a new state would be added,
         * so that loop iterations do not push out the states recorded
         * before them */
        if (add)
            x->miss++;
        if (x->miss > x->hit * 3 + 3) {
            *pp = x->next;
            e->cur_states--;
            if (x->st->branches) {
                /* still a parent of live paths: kept until they end, for
                 * its branch count only (its registers and stack are not
                 * looked at again) */
                for (uint32_t i = 0; i < PBPF_MAX_CALL_DEPTH; i++) {
                    frame_release(e, x->st->frame[i]);
                    x->st->frame[i] = NULL;
                }
                x->prev = NULL;
                x->next = e->retired;
                if (x->next)
                    x->next->prev = x;
                e->retired = x;
                x->st->retired = x;
            } else {
                explored_free(e, x);
            }
            continue;
        }
        pp = &x->next;
    }
    if (!add)
        return 0;
    e->prev_jmps = e->jmps_processed;
    e->prev_insns = e->stats.processed_insns;
    struct vexplored *x = vzalloc(e, sizeof *x);
    if (!x)
        return -ENOMEM;
    /* as Linux's is_state_visited, on the current state before the copy:
     * the path goes on without the ids that link nothing, so that a later
     * state of the same path compares with this checkpoint id for id (an
     * id kept on the path but cleared in the copy made the exact
     * comparison of the infinite-loop test fail on every iteration) */
    clear_singular_ids(cur);
    x->st = state_alloc(e);
    if (!x->st || state_copy(e, x->st, cur)) {
        explored_free(e, x);
        return -ENOMEM;
    }
    x->st->npath = 0;
    /* the current path's next segment starts at the new checkpoint */
    cur->nhist = 0;
    cur->bt_root = false;
    cur->hist_lost = false;
    cur->bt_memo_pos = 0;
    x->st->branches = 1;
    x->st->insn_idx = insn;
    x->st->parent = cur->parent;
    cur->parent = x->st;
    x->next = e->explored[insn];
    e->explored[insn] = x;
    e->total_states++;
    e->cur_states++;
    if (e->cur_states > e->peak_states)
        e->peak_states = e->cur_states;
    return 0;
}

/* A scalar that changed since the previous call's entry is widened,
 * unless a check below that entry needed its value (precise there or
 * here: Linux's maybe_widen_reg): a bound on it that a branch gave it
 * through a link (find_equal_scalars reaches the caller's spills) is
 * kept.  Its id is not compared (a spill or fill in the callback links a
 * caller's slot to a copy, with an id it did not have at the previous
 * entry; widening is about values, and states_equal at the entry still
 * compares the links). */
static void widen_reg(const struct vreg *old, struct vreg *cur)
{
    if (old->type != SCALAR_VALUE || cur->type != SCALAR_VALUE || old->precise || cur->precise)
        return;
    struct vreg o = *old;
    o.id = cur->id;
    if (!regs_exact(&o, cur))
        mark_reg_unknown(cur);
}

/* The next call of a callback (bpf_loop, for_each_map_elem) starts from
 * the state the last call left.  A scalar of the calling frames that
 * changed since the previous call (a counter in the callback's context)
 * becomes unknown, so that the calls converge instead of being walked one
 * by one until the budget runs out: Linux's widen_imprecise_scalars at a
 * callback's exit.  Linux widens only scalars that no check needed
 * precisely; pbpf has no precision marks there and widens every changed
 * scalar.  That is sound (it only forgets), but a program whose safety
 * rests on the exact value of such a counter can be rejected here. */
void widen_callback_scalars(struct vstate *cur, uint32_t cb_start)
{
    const struct vstate *prev = cur->parent;
    for (; prev; prev = prev->parent) {
        /* an evicted checkpoint has no frames left (retired): an older
         * call's entry above it does as well, widening only forgets */
        if (prev->insn_idx != cb_start || prev->curframe != cur->curframe + 1 || prev->retired)
            continue;
        bool same = true;
        for (uint32_t f = 1; f <= cur->curframe && same; f++)
            same = prev->frame[f]->callsite == cur->frame[f]->callsite;
        if (same)
            break;
    }
    if (!prev)
        return;
    for (uint32_t f = 0; f <= cur->curframe; f++) {
        const struct vframe *pf = prev->frame[f];
        struct vframe *cf = cur->frame[f];
        for (int r = 0; r < 11; r++)
            widen_reg(&pf->regs[r], &cf->regs[r]);
        /* the previous call may have had less stack in use */
        uint32_t n = nslots(pf) < nslots(cf) ? nslots(pf) : nslots(cf);
        for (uint32_t spi = 0; spi < n; spi++)
            if (pf->stack[spi].type[7] == STACK_SPILL && cf->stack[spi].type[7] == STACK_SPILL)
                widen_reg(&pf->stack[spi].spilled, &cf->stack[spi].spilled);
    }
}
