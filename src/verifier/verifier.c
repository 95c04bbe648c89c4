/* The verifier's entry point and main loop: Linux-style path-sensitive
 * abstract interpretation.  Each path is walked instruction by instruction
 * (do_check); conditional jumps queue the other side; pruning points
 * compare the state with explored ones (state.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "btf/btf.h"
#include "isa/isa.h"
#include "maps/map.h"
#include "pbpf/object.h"
#include "verifier/vstate.h"

/* Linux's BPF_COMPLEXITY_LIMIT_INSNS */
#define MAX_PROCESSED 1000000u
#define MAX_PENDING 8192u

void *vzalloc(struct venv *e, size_t n)
{
    void *p = pbpf_calloc(1, n ? n : 1);
    if (p) {
        e->mem += n;
        if (e->mem > e->peak_mem)
            e->peak_mem = e->mem;
    }
    return p;
}

void vfree(struct venv *e, void *p, size_t n)
{
    if (!p)
        return;
    e->mem -= n;
    pbpf_free(p);
}

void vlog(struct venv *e, const char *fmt, ...)
{
    if (!e->log || !e->log_size || e->log_len + 1 >= e->log_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->log + e->log_len, e->log_size - e->log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        e->log_len = e->log_len + (size_t)n < e->log_size ? e->log_len + (size_t)n : e->log_size - 1;
}

int verr(struct venv *e, int rc, const char *fmt, ...)
{
    if (e->msg[0])
        return rc; /* the first reason wins */
    e->err_insn = e->insn_idx < e->cnt ? (int64_t)e->insn_idx : -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return rc;
}

/* Linux's reg_type_str() names */
const char *vtype_str(uint32_t type)
{
    static const char *names[VTYPE_COUNT] = {
        [NOT_INIT] = "?",
        [SCALAR_VALUE] = "scalar",
        [PTR_TO_CTX] = "ctx",
        [CONST_PTR_TO_MAP] = "map_ptr",
        [PTR_TO_MAP_VALUE] = "map_value",
        [PTR_TO_MAP_KEY] = "map_key",
        [PTR_TO_STACK] = "fp",
        [PTR_TO_PACKET_META] = "pkt_meta",
        [PTR_TO_PACKET] = "pkt",
        [PTR_TO_PACKET_END] = "pkt_end",
        [PTR_TO_MEM] = "mem",
        [PTR_TO_FUNC] = "func",
        [PTR_TO_SOCK_COMMON] = "sock_common",
        [PTR_TO_SOCKET] = "sock",
        [PTR_TO_FLOW_KEYS] = "flow_keys",
    };
    static char buf[4][48];
    static unsigned k;
    uint32_t base = VT_BASE(type);
    const char *n = base < VTYPE_COUNT && names[base] ? names[base] : "?";
    if (type == base)
        return n;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s%s%s%s", type & VT_RDONLY ? "rdonly_" : "",
             type & VT_RINGBUF ? "ringbuf_" : "", n, type & VT_OR_NULL ? "_or_null" : "");
    return b;
}

static void log_reg(struct venv *e, int i, const struct vreg *r)
{
    if (r->type == NOT_INIT)
        return;
    if (r->type == SCALAR_VALUE) {
        if (tnum_is_const(r->var_off)) {
            vlog(e, " R%d=%lld", i, (long long)r->var_off.value);
            return;
        }
        vlog(e, " R%d=scalar(smin=%lld,smax=%lld,umin=%llu,umax=%llu,var_off=(%#llx; %#llx))", i,
             (long long)r->smin, (long long)r->smax, (unsigned long long)r->umin,
             (unsigned long long)r->umax, (unsigned long long)r->var_off.value,
             (unsigned long long)r->var_off.mask);
        return;
    }
    vlog(e, " R%d=%s(", i, vtype_str(r->type));
    if (VT_BASE(r->type) == PTR_TO_STACK && !r->off && tnum_is_const(r->var_off)) {
        vlog(e, ")");
        return;
    }
    vlog(e, "id=%u,off=%d", r->id, r->off);
    if (VT_BASE(r->type) == PTR_TO_PACKET || VT_BASE(r->type) == PTR_TO_PACKET_META)
        vlog(e, ",r=%u", r->range);
    if (!tnum_is_const(r->var_off) || r->var_off.value)
        vlog(e, ",var_off=(%#llx; %#llx)", (unsigned long long)r->var_off.value,
             (unsigned long long)r->var_off.mask);
    if (r->ref_obj_id)
        vlog(e, ",ref_obj_id=%u", r->ref_obj_id);
    vlog(e, ")");
}

void vlog_reg_state(struct venv *e, const struct vstate *st)
{
    const struct vframe *f = st->frame[st->curframe];
    if (st->curframe)
        vlog(e, " frame%u:", st->curframe);
    for (int i = 0; i < 11; i++)
        log_reg(e, i, &f->regs[i]);
    for (int s = 0; s < (int)nslots(f); s++) {
        const struct vslot *sl = &f->stack[s];
        if (sl->type[7] == STACK_SPILL) {
            vlog(e, " fp-%d", (s + 1) * 8);
            log_reg(e, -1, &sl->spilled);
        } else {
            char t[9];
            bool any = false;
            for (int b = 0; b < 8; b++) {
                static const char c[] = "?rm0";
                t[b] = c[sl->type[b] & 3];
                any |= sl->type[b] != STACK_INVALID;
            }
            t[8] = 0;
            if (any)
                vlog(e, " fp-%d=%s", (s + 1) * 8, t);
        }
    }
    vlog(e, "\n");
}

static void log_insn(struct venv *e, uint32_t idx)
{
    char buf[128];
    pbpf_disasm_insn(e->insns, e->cnt, idx, PBPF_DISASM_LLVM, buf, sizeof buf);
    vlog(e, "%u: (%02x) %s\n", idx, e->insns[idx].code, buf);
}

static const struct pbpf_object_line_info *line_of(struct venv *e, uint32_t idx)
{
    const struct pbpf_object_line_info *best = NULL;
    if (!e->opts || !e->opts->line_info)
        return NULL;
    for (size_t i = 0; i < e->opts->line_info_cnt; i++) {
        const struct pbpf_object_line_info *li = &e->opts->line_info[i];
        if (li->insn_idx > idx)
            break;
        best = li;
    }
    return best;
}

/* ---- conditional jumps ---- */

static bool type_may_be_null(uint32_t t) { return (t & VT_OR_NULL) != 0; }

/* Linux's reg_not_null: the pointers a comparison with 0 decides (the
 * context, stack and packet pointers are not among them: both sides of
 * such a test are explored, and an unprivileged loader may not make it) */
static bool reg_not_null(const struct vreg *r)
{
    if (type_may_be_null(r->type))
        return false;
    switch (VT_BASE(r->type)) {
    case PTR_TO_SOCKET:
    case PTR_TO_SOCK_COMMON:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MAP_KEY:
    case PTR_TO_MEM:
        return true;
    default:
        return false;
    }
}

static bool is_pointer(const struct vreg *r) { return r->type != SCALAR_VALUE && r->type != NOT_INIT; }

/* Whether comparing the pointer p with the constant k decides the branch:
 * p == 0 is false and p != 0 true for a pointer that cannot be NULL. */
static bool null_cmp_decided(const struct vreg *p, const struct vreg *k, uint8_t op, bool is32)
{
    return is_pointer(p) && reg_not_null(p) && reg_is_const(k) && !k->var_off.value && !is32 &&
           (op == PBPF_JMP_JEQ || op == PBPF_JMP_JNE) && VT_BASE(p->type) != PTR_TO_PACKET_END &&
           p->off >= 0 && p->smin >= 0;
}

static void mark_ptr_or_null_reg(struct vreg *r, uint32_t id, bool is_null)
{
    if (!type_may_be_null(r->type) || r->id != id)
        return;
    if (is_null) {
        mark_reg_known(r, 0);
    } else if (VT_BASE(r->type) == PTR_TO_MAP_VALUE && r->map && r->map->inner_meta) {
        /* a lookup in a map of maps gives the inner map: a map pointer
         * shaped as the outer map's template (Linux's
         * mark_ptr_or_null_reg: CONST_PTR_TO_MAP of inner_map_meta); the
         * lookup's id names the inner map when the template has a timer,
         * which bpf_timer_init must then be given with the same map */
        const struct pbpf_map *meta = r->map->inner_meta;
        uint32_t uid = meta->timer_off >= 0 ? r->id : 0;
        r->type = CONST_PTR_TO_MAP;
        r->map = meta;
        r->map_uid = uid;
        r->id = 0;
    } else {
        r->type &= ~VT_OR_NULL;
        /* the id only served the null check, except for map values
         * with a lock, which the lock is tied to (Linux keeps it too) */
        if (!(VT_BASE(r->type) == PTR_TO_MAP_VALUE && r->map && r->map->spin_lock_off >= 0))
            r->id = 0;
    }
}

/* the null check of a pointer with this id resolves every copy of it */
static void mark_ptr_or_null_regs(struct venv *e, struct vstate *st, uint32_t id, bool is_null,
                                  uint32_t ref_obj_id)
{
    /* a NULL result holds no reference (Linux: release_reference_state) */
    if (is_null && ref_obj_id) {
        for (uint32_t i = 0; i < st->nrefs; i++) {
            if (st->refs[i].id == ref_obj_id) {
                memmove(&st->refs[i], &st->refs[i + 1], (st->nrefs - i - 1) * sizeof *st->refs);
                st->nrefs--;
                break;
            }
        }
    }
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int i = 0; i < 11; i++)
            mark_ptr_or_null_reg(&fr->regs[i], id, is_null);
        for (int s = 0; s < (int)nslots(fr); s++)
            if (fr->stack[s].type[7] == STACK_SPILL)
                mark_ptr_or_null_reg(&fr->stack[s].spilled, id, is_null);
    }
    (void)e;
}

static void find_good_pkt_pointers(struct vstate *st, const struct vreg *dst, bool right_open)
{
    if (dst->off < 0 || (dst->off == 0 && right_open))
        return;
    /* Linux's MAX_PACKET_OFF */
    if (dst->umax > 0xffff || dst->umax + (uint64_t)dst->off > 0xffff)
        return;
    /* pkt + off < pkt_end (right open): bytes [0, off] exist, off + 1 of
     * them (Linux since "bpf: Fix the off-by-two error in range markings";
     * off - 1 before it) */
    uint32_t range = (uint32_t)dst->off + (right_open ? 1u : 0u);
    uint32_t type = dst->type, id = dst->id;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int i = 0; i < 11; i++) {
            struct vreg *r = &fr->regs[i];
            if (r->type == type && r->id == id && r->range < range)
                r->range = range;
        }
        for (int s = 0; s < (int)nslots(fr); s++) {
            struct vreg *r = &fr->stack[s].spilled;
            if (fr->stack[s].type[7] == STACK_SPILL && r->type == type && r->id == id &&
                r->range < range)
                r->range = range;
        }
    }
}

/* pkt (or meta) compared with pkt_end (or pkt): the branch where the
 * pointer is at most the end gets the range.  Returns whether it applied. */
static bool try_match_pkt_pointers(const struct vreg *d, const struct vreg *s, uint8_t op,
                                   bool is32, struct vstate *t, struct vstate *f)
{
    if (is32)
        return false;
    uint32_t dt = d->type, sty = s->type;
    bool d_lo = (dt == PTR_TO_PACKET && sty == PTR_TO_PACKET_END) ||
                (dt == PTR_TO_PACKET_META && sty == PTR_TO_PACKET);
    bool s_lo = (sty == PTR_TO_PACKET && dt == PTR_TO_PACKET_END) ||
                (sty == PTR_TO_PACKET_META && dt == PTR_TO_PACKET);
    if (!d_lo && !s_lo)
        return false;
    const struct vreg *p = d_lo ? d : s;
    switch (op) {
    case PBPF_JMP_JGT:
        /* d > s: false branch d <= s */
        if (d_lo)
            find_good_pkt_pointers(f, p, false);
        else
            find_good_pkt_pointers(t, p, true);
        return true;
    case PBPF_JMP_JLT:
        if (d_lo)
            find_good_pkt_pointers(t, p, true);
        else
            find_good_pkt_pointers(f, p, false);
        return true;
    case PBPF_JMP_JGE:
        if (d_lo)
            find_good_pkt_pointers(f, p, true);
        else
            find_good_pkt_pointers(t, p, false);
        return true;
    case PBPF_JMP_JLE:
        if (d_lo)
            find_good_pkt_pointers(t, p, false);
        else
            find_good_pkt_pointers(f, p, true);
        return true;
    default:
        return false;
    }
}


/* Linux's find_equal_scalars (sync_linked_regs): the scalars that share
 * known's id hold the same value, so what a branch learned about known
 * holds for them too, in every frame and in stack spills. */
static void find_equal_scalars(struct vstate *st, const struct vreg *known)
{
    if (known->type != SCALAR_VALUE || !known->id)
        return;
    struct vreg k = *known;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int i = 0; i < 11; i++)
            if (fr->regs[i].type == SCALAR_VALUE && fr->regs[i].id == k.id)
                fr->regs[i] = k;
        for (uint32_t s = 0; s < nslots(fr); s++) {
            struct vreg *r = &fr->stack[s].spilled;
            if (fr->stack[s].type[7] == STACK_SPILL && r->type == SCALAR_VALUE && r->id == k.id)
                *r = k;
        }
    }
}

static bool is_pkt_any(const struct vreg *r)
{
    return r->type == PTR_TO_PACKET || r->type == PTR_TO_PACKET_META ||
           r->type == PTR_TO_PACKET_END;
}

static bool reg_impossible(const struct vreg *r)
{
    return r->type == SCALAR_VALUE && r->umin > r->umax;
}

/* r = what refining r against itself left: the two refined copies a and b
 * met, or r unchanged where that is empty (see the caller) */
static void same_reg_refined(struct vreg *r, const struct vreg *a, const struct vreg *b, bool is32)
{
    struct vreg x = *a, y = *b, fx = *a, fy = *b;
    if (reg_impossible(a) || reg_impossible(b))
        return;
    reg_set_min_max(&x, &y, &fx, &fy, PBPF_JMP_JEQ, is32);
    if (!reg_impossible(&x))
        *r = x;
}

static int check_cond_jmp(struct venv *e, const struct pbpf_insn *in, uint32_t *idx)
{
    uint8_t op = PBPF_OP(in->code);
    bool is32 = PBPF_CLASS(in->code) == PBPF_CLS_JMP32;
    uint32_t dreg = PBPF_INSN_DST(in), sreg = PBPF_INSN_SRC(in);
    struct vreg *regs = cur_regs(e);
    if (op > PBPF_JMP_JSLE || op == PBPF_JMP_CALL || op == PBPF_JMP_EXIT)
        return verr(e, -EINVAL, "invalid BPF_JMP/JMP32 opcode %x", op);
    struct vreg srcv;
    if (in->code & PBPF_SRC_X) {
        if (in->imm)
            return verr(e, -EINVAL, "BPF_JMP/JMP32 uses reserved fields");
        if (regs[sreg].type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", sreg);
        /* Linux: comparing pointers other than packet pointers with each
         * other leaks addresses (allow_ptr_leaks) */
        if (e->unpriv && is_pointer(&regs[sreg]) &&
            !(is_pkt_any(&regs[sreg]) && is_pkt_any(&regs[dreg])))
            return verr(e, -EACCES, "R%u pointer comparison prohibited", sreg);
        srcv = regs[sreg];
    } else {
        if (sreg)
            return verr(e, -EINVAL, "BPF_JMP/JMP32 uses reserved fields");
        mark_reg_known(&srcv, is32 ? (uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
    }
    if (regs[dreg].type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", dreg);
    struct vreg *dst = &regs[dreg];
    uint32_t target = (uint32_t)((int64_t)*idx + 1 + in->off);
    uint32_t fall = *idx + 1;

    /* decided branches */
    int taken = -1;
    if (dst->type == SCALAR_VALUE && srcv.type == SCALAR_VALUE) {
        taken = branch_taken(dst, &srcv, op, is32);
    } else if (null_cmp_decided(dst, &srcv, op, is32) || null_cmp_decided(&srcv, dst, op, is32)) {
        /* a valid pointer is never NULL, on either side of the test
         * (Linux's is_branch_taken swaps a constant on the left to the
         * right) */
        taken = op == PBPF_JMP_JNE;
    }
    if (taken >= 0) {
        /* the branch was decided by the operands' bounds: they must be
         * as precise at every checkpoint above (Linux's check_cond_jmp_op) */
        int prc = mark_precise(
            e, (uint16_t)((1u << dreg) | ((in->code & PBPF_SRC_X) ? 1u << sreg : 0)));
        if (prc)
            return prc;
        /* Without CAP_PERFMON (!bypass_spec_v1) the side the CPU may
         * still run speculatively is explored too, with the compared
         * registers unknown (Linux's sanitize_speculative_path) */
        if (e->unpriv) {
            struct vstate *spec = push_stack(e, taken ? fall : target, *idx);
            if (!spec)
                return -ENOMEM;
            if (e->stack_size > MAX_PENDING)
                return verr(e, -E2BIG, "The sequence of %u jumps is too complex.",
                            e->stack_size);
            spec->speculative = true;
            struct vreg *sregs = spec->frame[spec->curframe]->regs;
            mark_reg_unknown(&sregs[dreg]);
            if (in->code & PBPF_SRC_X)
                mark_reg_unknown(&sregs[sreg]);
            int rc = path_push(e, spec, *idx, !taken);
            if (rc)
                return rc;
        }
        int rc = path_push(e, e->cur, *idx, taken);
        if (rc)
            return rc;
        *idx = taken ? target : fall;
        return 0;
    }

    struct vstate *other = push_stack(e, target, *idx);
    if (!other)
        return -ENOMEM;
    if (e->stack_size > MAX_PENDING)
        return verr(e, -E2BIG, "The sequence of %u jumps is too complex.", e->stack_size);
    int rc = path_push(e, other, *idx, true);
    if (!rc)
        rc = path_push(e, e->cur, *idx, false);
    if (rc)
        return rc;
    struct vreg *oregs = other->frame[other->curframe]->regs;
    if (dst->type == SCALAR_VALUE && srcv.type == SCALAR_VALUE) {
        if ((in->code & PBPF_SRC_X) && sreg == dreg) {
            /* a register against itself: Linux narrows it as for two
             * registers, in place (r s> r: one from each end), but where
             * that leaves nothing it keeps the register as it was and
             * walks the branch all the same (seen with Linux 6.18:
             * [127, 128] stays [127, 128] on the taken side), so that
             * side is never found dead */
            struct vreg t1 = oregs[dreg], t2 = t1, f1 = regs[dreg], f2 = f1;
            reg_set_min_max(&t1, &t2, &f1, &f2, op, is32);
            same_reg_refined(&oregs[dreg], &t1, &t2, is32);
            same_reg_refined(&regs[dreg], &f1, &f2, is32);
        } else if (in->code & PBPF_SRC_X) {
            reg_set_min_max(&oregs[dreg], &oregs[sreg], &regs[dreg], &regs[sreg], op, is32);
        } else {
            struct vreg s1 = srcv, s2 = srcv;
            reg_set_min_max(&oregs[dreg], &s1, &regs[dreg], &s2, op, is32);
        }
        /* an empty range: that side cannot happen */
        bool dead_t = reg_impossible(&oregs[dreg]), dead_f = reg_impossible(&regs[dreg]);
        /* then the bounds learned reach the registers linked to the
         * operands (after the test above: a linked source copied over a
         * linked destination would hide an empty range) */
        find_equal_scalars(other, &oregs[dreg]);
        find_equal_scalars(e->cur, &regs[dreg]);
        if (in->code & PBPF_SRC_X) {
            find_equal_scalars(other, &oregs[sreg]);
            find_equal_scalars(e->cur, &regs[sreg]);
        }
        if (dead_t || dead_f) {
            /* the bounds decided it after all (see above) */
            int prc = mark_precise(e, (uint16_t)((1u << dreg) |
                                                 ((in->code & PBPF_SRC_X) ? 1u << sreg : 0)));
            if (prc)
                return prc;
            /* drop the queued branch, or continue on it */
            struct vstack_elem *el = e->head;
            e->head = el->next;
            e->stack_size--;
            if (el->st->parent)
                el->st->parent->branches--;
            if (dead_f && !dead_t) {
                state_copy(e, e->cur, el->st);
                *idx = target;
            } else {
                *idx = fall;
            }
            state_free(e, el->st);
            vfree(e, el, sizeof *el);
            return 0;
        }
    } else if (!(in->code & PBPF_SRC_X) && !in->imm && !is32 &&
               (op == PBPF_JMP_JEQ || op == PBPF_JMP_JNE) && type_may_be_null(dst->type)) {
        uint32_t id = dst->id;
        /* JEQ: the jump is taken when NULL */
        uint32_t ref = dst->ref_obj_id;
        mark_ptr_or_null_regs(e, other, id, op == PBPF_JMP_JEQ, ref);
        mark_ptr_or_null_regs(e, e->cur, id, op != PBPF_JMP_JEQ, ref);
    } else if ((in->code & PBPF_SRC_X) &&
               try_match_pkt_pointers(dst, &regs[sreg], op, is32, other, e->cur)) {
        /* ranges set */
    } else if (e->unpriv && is_pointer(dst)) {
        return verr(e, -EACCES, "R%u pointer comparison prohibited", dreg);
    }
    *idx = fall;
    return 0;
}

/* ---- the walk ---- */

static int init_state(struct venv *e)
{
    e->cur = state_new(e);
    if (!e->cur)
        return -ENOMEM;
    struct vframe *f = e->cur->frame[0];
    f->callsite = -1;
    for (int i = 0; i < 11; i++)
        mark_reg_not_init(&f->regs[i]);
    f->regs[10].type = PTR_TO_STACK;
    f->regs[10].var_off = tnum_const(0);
    f->regs[10].frameno = 0;
    if (e->prog_type == 0) {
        /* the conformance convention: r1 = mem, r2 = its size.  A
         * program verified for no memory may be run with none (r1 NULL)
         * or with some: r1 is then a pointer that may be NULL, so that a
         * comparison with 0 explores both outcomes. */
        struct vreg *r1 = &f->regs[1];
        uint32_t mem_size = e->opts ? e->opts->mem_size : 0;
        mark_reg_known(r1, 0);
        r1->type = PTR_TO_MEM;
        r1->range = mem_size;
        if (!mem_size) {
            r1->type |= VT_OR_NULL;
            r1->id = ++e->id_gen;
        }
        mark_reg_known(&f->regs[2], e->opts ? e->opts->mem_size : 0);
    } else {
        mark_reg_known(&f->regs[1], 0);
        f->regs[1].type = PTR_TO_CTX;
    }
    return 0;
}

static int check_insn(struct venv *e, uint32_t *idx, bool *path_done)
{
    const struct pbpf_insn *in = &e->insns[*idx];
    uint8_t cls = PBPF_CLASS(in->code);
    int rc;
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64:
        rc = check_alu(e, in);
        (*idx)++;
        return rc;
    case PBPF_CLS_LDX:
    case PBPF_CLS_STX:
    case PBPF_CLS_ST:
        rc = check_ldx_stx(e, in);
        (*idx)++;
        return rc;
    case PBPF_CLS_LD:
        if (PBPF_MODE(in->code) == PBPF_MODE_IMM && PBPF_SIZE(in->code) == PBPF_SIZE_DW) {
            rc = check_ld_imm64(e, in);
            *idx += 2;
            return rc;
        }
        if (PBPF_MODE(in->code) == PBPF_MODE_ABS || PBPF_MODE(in->code) == PBPF_MODE_IND) {
            rc = check_ld_abs(e, in);
            (*idx)++;
            return rc;
        }
        return verr(e, -EINVAL, "invalid BPF_LD mode");
    default: { /* JMP, JMP32 */
        uint8_t op = PBPF_OP(in->code);
        if (op == PBPF_JMP_JA) {
            if (PBPF_INSN_DST(in) || PBPF_INSN_SRC(in) || (in->code & PBPF_SRC_X) ||
                (cls == PBPF_CLS_JMP ? in->imm != 0 : in->off != 0))
                return verr(e, -EINVAL, "BPF_JA uses reserved fields");
            *idx = (uint32_t)((int64_t)*idx + 1 + (cls == PBPF_CLS_JMP ? in->off : in->imm));
            return 0;
        }
        if (cls == PBPF_CLS_JMP && op == PBPF_JMP_CALL) {
            if (in->code & PBPF_SRC_X)
                return verr(e, -EINVAL, "unknown opcode %02x", in->code);
            if (in->off || PBPF_INSN_DST(in) ||
                (PBPF_INSN_SRC(in) != 0 && PBPF_INSN_SRC(in) != PBPF_PSEUDO_CALL &&
                 PBPF_INSN_SRC(in) != PBPF_PSEUDO_KFUNC_CALL))
                return verr(e, -EINVAL, "BPF_CALL uses reserved fields");
            /* (a global function's call says it in its own words) */
            if (e->cur->active_lock_id &&
                (PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL
                     ? !subprog_is_global(
                           e, (uint32_t)find_subprog(e, (uint32_t)((int64_t)*idx + 1 + in->imm)))
                     : in->imm != 94 /* spin_unlock */))
                return verr(e, -EINVAL, "function calls are not allowed while holding a lock");
            if (PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL)
                return check_subprog_call(e, in, idx);
            if (PBPF_INSN_SRC(in) == PBPF_PSEUDO_KFUNC_CALL)
                return verr(e, -EINVAL, "calling kernel function is not supported");
            return check_helper_call(e, in, idx);
        }
        if (cls == PBPF_CLS_JMP && op == PBPF_JMP_EXIT) {
            if ((in->code & PBPF_SRC_X) || in->imm || in->off || in->regs)
                return verr(e, -EINVAL, "BPF_EXIT uses reserved fields");
            return check_exit(e, path_done, idx);
        }
        return check_cond_jmp(e, in, idx);
    }
    }
}

static int do_check(struct venv *e, uint32_t subprog)
{
    uint32_t idx = e->subprogs[subprog].start;
    int rc;
    for (;;) {
        if (idx >= e->cnt)
            return verr(e, -EFAULT, "invalid insn idx %u insn_cnt %zu", idx, e->cnt);
        e->insn_idx = idx;
        if (++e->stats.processed_insns > e->max_processed)
            return verr(e, -E2BIG, "BPF program is too large. Processed %u insn",
                        e->max_processed + 1);
        bool done = false;
        if (e->prune_point[idx]) {
            rc = is_state_visited(e, idx);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                if (e->log_level >= 2)
                    vlog(e, "%u: safe\n", idx);
                goto next_path;
            }
        }
        if (e->log_level >= 2) {
            vlog(e, "%u:", idx);
            vlog_reg_state(e, e->cur);
            log_insn(e, idx);
        }
        e->seen[idx] = 1;
        rc = hist_push(e, idx);
        if (rc)
            return rc;
        {
            uint8_t c = PBPF_CLASS(e->insns[idx].code);
            if (c == PBPF_CLS_JMP || c == PBPF_CLS_JMP32)
                e->jmps_processed++;
        }
        rc = check_insn(e, &idx, &done);
        if (rc && e->cur->speculative && (rc == -EACCES || rc == -EINVAL || rc == -EPERM)) {
            /* Linux 6.17+ (error_recoverable_with_nospec): an unsafe insn
             * on a mispredicted path gets a speculation barrier before it
             * and the path ends there, the program is not refused */
            if (e->alu_state)
                e->alu_state[idx] = 0;
            if (e->log_level >= 2)
                vlog(e, "%u: speculative path ends (nospec)\n", idx);
            rc = 0;
            done = true;
        }
        if (rc)
            return rc;
        if (!done)
            continue;
        update_branch_counts(e, e->cur->parent);
    next_path:
        rc = pop_stack(e, &idx);
        if (rc == -ENOENT)
            return 0;
        if (rc)
            return rc;
        if (e->log_level >= 2)
            vlog(e, "from %u to %u:\n", e->prev_insn_idx, idx);
    }
}

/* Linux's check_max_stack_depth: along every chain of bpf-to-bpf calls
 * the frames' stack sizes (each rounded up to 16, as with the JIT) must
 * add up to at most 512 bytes. */
static int max_stack_walk(struct venv *e, uint32_t sp, uint32_t depth, uint32_t frames)
{
    uint32_t d = (e->subprogs[sp].stack_depth + 15) & ~15u;
    depth += d;
    if (depth > PBPF_STACK_SIZE)
        return verr(e, -EACCES, "combined stack size of %u calls is %u. Too large", frames, depth);
    for (uint32_t i = e->subprogs[sp].start; i < e->subprogs[sp].end; i++) {
        const struct pbpf_insn *in = &e->insns[i];
        if (in->code != PBPF_OPCODE_CALL || PBPF_INSN_SRC(in) != PBPF_PSEUDO_CALL || !e->seen[i])
            continue;
        int t = find_subprog(e, (uint32_t)((int64_t)i + 1 + in->imm));
        if (t < 0)
            continue;
        e->insn_idx = i; /* a chain too deep is reported at its last call */
        /* the walk refuses deeper chains of static calls; a chain through
         * global functions (each walked from frame 0), or a global one
         * calling itself, is refused here (Linux's
         * check_max_stack_depth_subprog: MAX_CALL_FRAMES) */
        if (frames >= PBPF_MAX_CALL_DEPTH)
            return verr(e, -E2BIG, "the call stack of %u frames is too deep !", frames);
        int rc = max_stack_walk(e, (uint32_t)t, depth, frames + 1);
        if (rc)
            return rc;
    }
    return 0;
}

/* The explored states of a finished walk: the next walk (a global
 * function's) starts from nothing, as Linux's free_states between
 * do_check_common runs. */
static void free_explored(struct venv *e)
{
    for (size_t i = 0; i < e->cnt; i++) {
        struct vexplored *x = e->explored[i];
        while (x) {
            struct vexplored *n = x->next;
            state_free(e, x->st);
            vfree(e, x, sizeof *x);
            x = n;
        }
        e->explored[i] = NULL;
    }
    while (e->retired) {
        struct vexplored *x = e->retired;
        e->retired = x->next;
        state_free(e, x->st);
        vfree(e, x, sizeof *x);
    }
    state_free(e, e->cur);
    e->cur = NULL;
    e->cur_states = 0;
}

/* Linux's do_check_subprogs: every global function a walk reached a call
 * of is walked on its own, once (which may reach further ones). */
static int check_globals(struct venv *e)
{
    bool again = true;
    while (again) {
        again = false;
        for (uint32_t s = 1; s < e->nsubprogs; s++) {
            struct vsubprog *sp = &e->subprogs[s];
            if (!sp->global || !sp->called || sp->verified)
                continue;
            sp->verified = true;
            again = true;
            free_explored(e);
            int rc = global_init_state(e, s);
            if (!rc)
                rc = do_check(e, s);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static void free_env(struct venv *e)
{
    while (e->head) {
        struct vstack_elem *el = e->head;
        e->head = el->next;
        state_free(e, el->st);
        vfree(e, el, sizeof *el);
    }
    if (e->explored) {
        for (size_t i = 0; i < e->cnt; i++) {
            struct vexplored *x = e->explored[i];
            while (x) {
                struct vexplored *n = x->next;
                state_free(e, x->st);
                vfree(e, x, sizeof *x);
                x = n;
            }
        }
    }
    while (e->retired) {
        struct vexplored *x = e->retired;
        e->retired = x->next;
        state_free(e, x->st);
        vfree(e, x, sizeof *x);
    }
    state_free(e, e->cur);
    while (e->state_pool) {
        struct vstate *st = e->state_pool;
        e->state_pool = st->parent;
        vfree(e, st->hist, st->hist_cap * sizeof *st->hist);
        vfree(e, st, sizeof *st);
    }
    while (e->frame_pool) {
        struct vframe *f = e->frame_pool;
        e->frame_pool = *(struct vframe **)f;
        vfree(e, f->stack, f->stack_cap * sizeof *f->stack);
        vfree(e, f, sizeof *f);
    }
    pbpf_free(e->explored);
    pbpf_free(e->prune_point);
    pbpf_free(e->seen);
    pbpf_free(e->cb_entry);
    pbpf_free(e->live_regs);
    slot_liveness_free(e);
    pbpf_free(e->precise_regs);
    pbpf_free(e->subprogs);
    pbpf_free(e->ctx_off);
    pbpf_free(e->ptr_type);
    pbpf_free(e->alu_state);
    pbpf_free(e->alu_limit);
    pbpf_btf_free(e->btf);
}

static void log_failure(struct venv *e)
{
    if (e->log_level >= 1 && e->cur) {
        const struct vstate *st = e->cur;
        if (st->npath) {
            uint32_t first = st->npath > PATH_LOG ? st->npath - PATH_LOG : 0;
            vlog(e, "path%s:", first ? " (last branches)" : "");
            for (uint32_t i = first; i < st->npath; i++) {
                uint32_t d = st->path[i % PATH_LOG];
                vlog(e, " %u:%s", d >> 1, d & 1 ? "taken" : "fallthrough");
            }
            vlog(e, "\n");
        }
        vlog(e, "state:");
        vlog_reg_state(e, st);
    }
    if (e->insn_idx < e->cnt && e->stats.processed_insns) {
        const struct pbpf_object_line_info *li = line_of(e, e->insn_idx);
        if (li && li->line)
            vlog(e, "; %s @ %s:%u\n", li->line, li->file ? li->file : "?", li->line_no);
        if (e->log_level >= 1 || e->insn_idx)
            log_insn(e, e->insn_idx);
    }
    vlog(e, "%s\n", e->msg);
}

int pbpf_verify(const struct pbpf_insn *insns, size_t cnt, const struct pbpf_verifier_opts *opts,
                struct pbpf_verifier_stats *stats)
{
    struct venv env, *e = &env;
    memset(e, 0, sizeof *e);
    e->insn_idx = UINT32_MAX;
    e->err_insn = -1;
    uint64_t t0 = pbpf_time_mono_ns();
    if (opts && opts->sz < offsetof(struct pbpf_verifier_opts, ctx_access_cap) +
                               sizeof opts->ctx_access_cap)
        opts = NULL; /* a caller too old to know the fields: defaults */
    e->opts = opts;
    e->insns = insns;
    e->cnt = cnt;
    e->max_processed = MAX_PROCESSED;
    if (opts) {
        e->log = opts->log_buf;
        e->log_size = opts->log_size;
        e->log_level = opts->log_level;
        e->prog_type = opts->prog_type;
        e->unpriv = opts->sz >= offsetof(struct pbpf_verifier_opts, caps) + sizeof opts->caps &&
                    opts->caps == PBPF_VERIFIER_CAP_BPF;
        if (opts->sz >= offsetof(struct pbpf_verifier_opts, ctx_desc) + sizeof opts->ctx_desc)
            e->ctx = opts->ctx_desc;
        if (opts->sz >= offsetof(struct pbpf_verifier_opts, insn_limit) + sizeof opts->insn_limit &&
            opts->insn_limit && opts->insn_limit < MAX_PROCESSED)
            e->max_processed = opts->insn_limit;
        if (!e->ctx && e->prog_type)
            e->ctx = pbpf_ctx_desc(e->prog_type);
    }
    if (e->log && e->log_size)
        e->log[0] = 0;
    if (stats)
        memset(stats, 0, sizeof *stats);
    int rc;
    if (!insns || !cnt) {
        rc = verr(e, -EINVAL, "program is empty");
        goto out;
    }
    if (cnt > PBPF_MAX_INSNS) {
        rc = verr(e, -E2BIG, "program has %zu instructions, more than %u", cnt, PBPF_MAX_INSNS);
        goto out;
    }
    e->prune_point = pbpf_calloc(cnt, 1);
    e->seen = pbpf_calloc(cnt, 1);
    e->cb_entry = pbpf_calloc(cnt, 1);
    e->explored = pbpf_calloc(cnt, sizeof *e->explored);
    if (!e->prune_point || !e->seen || !e->cb_entry || !e->explored) {
        rc = -ENOMEM;
        goto out;
    }
    rc = check_subprogs(e);
    if (!rc)
        rc = global_setup(e);
    if (!rc)
        rc = check_cfg(e);
    e->insn_idx = UINT32_MAX;
    if (!rc)
        rc = compute_liveness(e, prog_ret_checked(e->prog_type));
    if (!rc)
        rc = slot_liveness_init(e);
    if (!rc)
        rc = init_state(e);
    if (!rc)
        rc = do_check(e, 0);
    if (!rc)
        rc = check_globals(e);
    if (!rc)
        rc = max_stack_walk(e, 0, 0, 1);
    if (!rc) {
        /* what the engines rely on: the structural rules hold too */
        char msg[200];
        size_t bad;
        rc = pbpf_isa_validate(insns, cnt, msg, sizeof msg, &bad);
        if (rc) {
            e->insn_idx = bad < cnt ? (uint32_t)bad : UINT32_MAX;
            verr(e, rc, "%s", msg);
        }
    }
out:
    if (rc && !e->msg[0])
        verr(e, rc, "%s", rc == -ENOMEM ? "out of memory" : "verification failed");
    if (rc)
        log_failure(e);
    else if (e->log_level >= 1)
        vlog(e, "processed %llu insns (limit %u) max_states_per_insn ? total_states %u "
                "peak_states %u\n",
             (unsigned long long)e->stats.processed_insns, e->max_processed, e->total_states,
             e->peak_states);
    e->stats.peak_states = e->peak_states;
    e->stats.total_states = e->total_states;
    e->stats.time_ns = pbpf_time_mono_ns() - t0;
    e->stats.peak_mem = e->peak_mem;
    e->stats.err_insn = rc ? e->err_insn : -1;
    for (uint32_t s = 0; s < e->nsubprogs; s++)
        if (e->subprogs[s].stack_depth > e->stats.max_stack_depth)
            e->stats.max_stack_depth = e->subprogs[s].stack_depth;
    if (!rc && opts && e->ctx_off) {
        for (size_t i = 0; i < cnt; i++) {
            if (!e->ctx_off[i])
                continue;
            if (opts->ctx_access && e->stats.ctx_access_cnt < opts->ctx_access_cap) {
                opts->ctx_access[e->stats.ctx_access_cnt].insn_idx = (uint32_t)i;
                opts->ctx_access[e->stats.ctx_access_cnt].base_off = (int32_t)(e->ctx_off[i] - 1);
            }
            e->stats.ctx_access_cnt++;
        }
    }
    if (stats)
        *stats = e->stats;
    free_env(e);
    return rc;
}

int pbpf_license_gpl_compatible(const char *l)
{
    /* the list of Linux's include/linux/license.h */
    static const char *const gpl[] = {"GPL",          "GPL v2",       "GPL and additional rights",
                                      "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"};
    for (size_t i = 0; l && i < sizeof gpl / sizeof gpl[0]; i++)
        if (!strcmp(l, gpl[i]))
            return 1;
    return 0;
}
