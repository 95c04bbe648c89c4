/* Loads, stores and atomics: each access is checked against what the base
 * register points to (stack, map value, packet, context, memory), with
 * Linux's rules and messages (check_mem_access and friends). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "maps/map.h"

#include "verifier/vstate.h"

#define MAX_VAR_OFF (1ll << 29)
#define MAX_PACKET_OFF 0xffff

enum { ACC_READ, ACC_WRITE };

static bool is_ptr(const struct vreg *r) { return r->type != SCALAR_VALUE && r->type != NOT_INIT; }

struct vframe *reg_frame(struct venv *e, const struct vreg *r)
{
    struct vframe *f = e->cur->frame[r->frameno];
    return f ? f : cur_frame(e);
}

static void tn_str(char *buf, size_t n, struct tnum t)
{
    /* the kernel's printf gives %#llx of 0 as 0x0 (tnum_strn) */
    snprintf(buf, n, "(0x%llx; 0x%llx)", (unsigned long long)t.value, (unsigned long long)t.mask);
}

/* byte o (negative) of the stack: slot index and Linux's slot_type index */
static inline int spi_of(int64_t o) { return (int)((-o - 1) / 8); }
static inline int sti_of(int64_t o) { return (int)((-o - 1) % 8); }

static int update_stack_depth(struct venv *e, struct vframe *f, int64_t off)
{
    uint32_t depth = (uint32_t)(-off);
    depth = (depth + 7) & ~7u;
    struct vsubprog *sp = &e->subprogs[f->subprog];
    if (depth > sp->stack_depth)
        sp->stack_depth = depth;
    return frame_grow(e, f, depth);
}

static bool is_spilled(const struct vslot *s) { return s->type[7] == STACK_SPILL; }

static int stack_bounds(struct venv *e, uint32_t regno, const struct vreg *r, int64_t off,
                        int size, int t, const char *what)
{
    struct vframe *f = reg_frame(e, r);
    int64_t min_valid = (t == ACC_WRITE || !e->unpriv) ? -PBPF_STACK_SIZE : -(int64_t)f->allocated;
    int64_t lo, hi;
    if (tnum_is_const(r->var_off)) {
        lo = off + (int64_t)r->var_off.value;
        hi = lo + size;
    } else {
        if (r->smax >= MAX_VAR_OFF || r->smin <= -MAX_VAR_OFF)
            return verr(e, -EACCES, "invalid unbounded variable-offset%s stack R%u", what, regno);
        lo = r->smin + off;
        hi = r->smax + off + size;
    }
    if (lo < min_valid || hi > 0 || size <= 0) {
        if (tnum_is_const(r->var_off))
            return verr(e, -EACCES, "invalid%s stack R%u off=%lld size=%d", what, regno,
                        (long long)lo, size);
        char tb[48];
        tn_str(tb, sizeof tb, r->var_off);
        return verr(e, -EACCES, "invalid variable-offset%s stack R%u var_off=%s off=%lld size=%d",
                    what, regno, tb, (long long)off, size);
    }
    return 0;
}

/* Linux's check_ptr_alignment is strict for the stack whatever the
 * loader's privileges, and checks a variable offset as a tnum:
 * var_off + (off + insn off) must be a multiple of size in every value it
 * may take (check_generic_ptr_alignment, before any bounds check, for a
 * constant offset too).  off is ptr->off plus the instruction's offset. */
static int stack_var_align(struct venv *e, const struct vreg *ptr, int64_t off, int size)
{
    if (tnum_is_const(ptr->var_off)) {
        int64_t total = off + (int64_t)ptr->var_off.value;
        if (!(total % size))
            return 0;
        return verr(e, -EACCES, "misaligned stack access off 0+%d+%lld size %d", ptr->off,
                    (long long)(total - ptr->off), size);
    }
    struct tnum t = tnum_add(ptr->var_off, tnum_const((uint64_t)off));
    if (!((t.value | t.mask) & (uint64_t)(size - 1)))
        return 0;
    char tb[48];
    tn_str(tb, sizeof tb, ptr->var_off);
    return verr(e, -EACCES, "misaligned stack access off %s+%d+%lld size %d", tb, ptr->off,
                (long long)(off - ptr->off), size);
}

/* Whether a scalar's value fits in size bytes: a store or load of that
 * size keeps all of it (Linux's get_reg_width) */
static bool scalar_fits(const struct vreg *r, unsigned size)
{
    return size >= 8 || r->umax >> (size * 8) == 0;
}

/* Gives an unknown scalar an id before it is copied, so that the copy and
 * it are linked (Linux's assign_scalar_id_before_mov) */
static void link_scalar(struct venv *e, struct vreg *r)
{
    if (r->type == SCALAR_VALUE && !r->id && !tnum_is_const(r->var_off))
        r->id = ++e->id_gen;
}

static int check_stack_write(struct venv *e, uint32_t regno, int64_t off, int size,
                             int value_regno, const struct pbpf_insn *in)
{
    struct vreg *regs = cur_regs(e);
    const struct vreg *ptr = &regs[regno];
    struct vframe *f = reg_frame(e, ptr);
    const struct vreg *val = value_regno >= 0 ? &regs[value_regno] : NULL;
    int rc = stack_var_align(e, ptr, off, size);
    if (rc)
        return rc;
    rc = stack_bounds(e, regno, ptr, off, size, ACC_WRITE, " write to");
    if (rc)
        return rc;
    if (!tnum_is_const(ptr->var_off)) {
        /* variable offset: every byte it may reach becomes misc (and is
         * looked at first: a live slot for the pruning) */
        int64_t lo = ptr->smin + off, hi = ptr->smax + off + size;
        note_stack_read(e, f->frameno, lo, hi);
        for (int64_t o = lo; o < hi; o++) {
            const struct vslot *s = slot_r(f, spi_of(o));
            if (is_spilled(s) && s->spilled.type != SCALAR_VALUE && e->unpriv)
                return verr(e, -EACCES, "spilled ptr in range of var-offset stack write; insn %u, ptr off: %lld",
                            e->insn_idx, (long long)o);
            if (s->type[sti_of(o)] == STACK_INVALID && e->unpriv)
                return verr(e, -EACCES, "uninit stack in range of var-offset write prohibited for !root; insn %u, off: %lld",
                            e->insn_idx, (long long)o);
        }
        if (update_stack_depth(e, f, lo))
            return -ENOMEM;
        for (int64_t o = lo; o < hi; o++) {
            struct vslot *s = &f->stack[spi_of(o)];
            if (is_spilled(s)) {
                for (int i = 0; i < 8; i++)
                    if (s->type[i] == STACK_SPILL)
                        s->type[i] = STACK_MISC;
                mark_reg_not_init(&s->spilled);
            }
            s->type[sti_of(o)] = STACK_MISC;
        }
        return 0;
    }
    off += (int64_t)ptr->var_off.value;
    if (off % size)
        return verr(e, -EACCES, "misaligned stack access off 0+%d+%lld size %d", ptr->off,
                    (long long)(off - ptr->off), size);
    int spi = spi_of(off);
    if (update_stack_depth(e, f, off))
        return -ENOMEM;
    /* a narrower store keeps the slot's other bytes (and looks at what
     * it held): the slot is live before it */
    if (size != 8)
        note_stack_read(e, f->frameno, off, off + size);
    hist_note_stack(e, H_SWRITE, f->frameno, spi);
    struct vslot *s = &f->stack[spi];
    if (e->unpriv && is_spilled(s) && s->spilled.type != SCALAR_VALUE && size != 8)
        return verr(e, -EACCES, "attempt to corrupt spilled pointer on stack");
    bool aligned8 = (off % 8) == 0;
    if (val && val->type == SCALAR_VALUE && aligned8) {
        /* a scalar spill keeps its value (Linux: bpf_capable), and stays
         * linked to the register when the store keeps all of it: a bound
         * a branch later learns on either (or on a fill of the slot)
         * holds for both (Linux's check_stack_write_fixed_off with
         * assign_scalar_id_before_mov; find_equal_scalars covers spills) */
        bool fits = scalar_fits(val, (unsigned)size);
        if (fits && value_regno >= 0)
            link_scalar(e, &regs[value_regno]);
        s->spilled = *val;
        for (int i = 7; i > 7 - size; i--)
            s->type[i] = STACK_SPILL;
        /* the slot's other bytes (Linux: mark_stack_slot_misc) keep
         * STACK_ZERO and STACK_INVALID: uninitialised bytes stay so for a
         * loader without CAP_PERFMON, which may not read them */
        for (int i = 7 - size; i >= 0; i--)
            if (s->type[i] != STACK_ZERO && s->type[i] != STACK_INVALID)
                s->type[i] = STACK_MISC;
        if (size < 8) {
            coerce_reg_to_size(&s->spilled, (unsigned)size);
            if (fits)
                s->spilled.id = val->id;
        }
        return 0;
    }
    if (val && is_ptr(val)) {
        if (size != 8)
            return verr(e, -EACCES, "invalid size of register spill");
        if (f != cur_frame(e) && VT_BASE(val->type) == PTR_TO_STACK)
            return verr(e, -EINVAL, "cannot spill pointers to stack into stack frame of the caller");
        s->spilled = *val;
        for (int i = 0; i < 8; i++)
            s->type[i] = STACK_SPILL;
        return 0;
    }
    /* plain data: any spill in the slot is gone */
    uint8_t type = STACK_MISC;
    if ((val && reg_is_const(val) && !val->var_off.value) ||
        (!val && PBPF_CLASS(in->code) == PBPF_CLS_ST && in->imm == 0))
        type = STACK_ZERO;
    /* zero bytes read back as the constant 0: the stored register's value
     * must be precise (Linux's check_stack_write_fixed_off) */
    if (type == STACK_ZERO && val && value_regno >= 0) {
        int prc = mark_precise(e, (uint16_t)(1u << value_regno));
        if (prc)
            return prc;
    }
    if (is_spilled(s) || s->type[0] == STACK_SPILL) {
        for (int i = 0; i < 8; i++)
            if (s->type[i] == STACK_SPILL)
                s->type[i] = STACK_MISC;
        mark_reg_not_init(&s->spilled);
    }
    for (int i = 0; i < size; i++)
        s->type[sti_of(off + i)] = type;
    return 0;
}

/* Checks that [off, off+size) of the stack is initialised (or, for root,
 * merely in range).  dst (may be NULL) receives the value read. */
static int check_stack_read(struct venv *e, uint32_t regno, int64_t off, int size,
                            struct vreg *dst)
{
    struct vreg *regs = cur_regs(e);
    const struct vreg *ptr = &regs[regno];
    struct vframe *f = reg_frame(e, ptr);
    int rc = stack_var_align(e, ptr, off, size);
    if (rc)
        return rc;
    rc = stack_bounds(e, regno, ptr, off, size, ACC_READ, " read from");
    if (rc)
        return rc;
    if (!tnum_is_const(ptr->var_off)) {
        int64_t lo = ptr->smin + off, hi = ptr->smax + off + size;
        note_stack_read(e, f->frameno, lo, hi);
        for (int64_t o = lo; o < hi; o++) {
            const struct vslot *s = slot_r(f, spi_of(o));
            uint8_t t = s->type[sti_of(o)];
            if (t == STACK_INVALID && e->unpriv) {
                char tb[48];
                tn_str(tb, sizeof tb, ptr->var_off);
                return verr(e, -EACCES, "invalid variable-offset read from stack R%u var_off=%s off=%lld size=%d",
                            regno, tb, (long long)off, size);
            }
        }
        if (dst) {
            mark_reg_unknown(dst);
            coerce_reg_to_size(dst, (unsigned)size);
        }
        return 0;
    }
    off += (int64_t)ptr->var_off.value;
    if (off % size)
        return verr(e, -EACCES, "misaligned stack access off 0+%d+%lld size %d", ptr->off,
                    (long long)(off - ptr->off), size);
    note_stack_read(e, f->frameno, off, off + size);
    const struct vslot *s = slot_r(f, spi_of(off));
    if (is_spilled(s)) {
        int spill_size = 1;
        for (int i = 7; i > 0 && s->type[i - 1] == STACK_SPILL; i--)
            spill_size++;
        if (size != 8 || spill_size != 8) {
            if (s->spilled.type != SCALAR_VALUE)
                return verr(e, -EACCES, "invalid size of register fill");
            if (!dst)
                return 0;
            if (size <= spill_size && off % 8 == 0) {
                hist_note_stack(e, H_FILL, f->frameno, spi_of(off));
                /* a fill that keeps the whole value stays linked to the
                 * slot (Linux gives a 4-byte spill read back whole an id
                 * of its own for that) */
                struct vslot *ws = &f->stack[spi_of(off)];
                bool fits = scalar_fits(&ws->spilled, (unsigned)size);
                if (fits && size == 4 && spill_size == 4)
                    link_scalar(e, &ws->spilled);
                *dst = ws->spilled;
                coerce_reg_to_size(dst, (unsigned)size);
                if (fits)
                    dst->id = ws->spilled.id;
                return 0;
            }
            for (int i = 0; i < size; i++) {
                uint8_t t = s->type[sti_of(off + i)];
                if (t == STACK_INVALID && e->unpriv)
                    return verr(e, -EACCES, "invalid read from stack off %lld+%d size %d",
                                (long long)off, i, size);
            }
            mark_reg_unknown(dst);
            coerce_reg_to_size(dst, (unsigned)size);
            return 0;
        }
        if (dst) {
            hist_note_stack(e, H_FILL, f->frameno, spi_of(off));
            /* the register read back is linked to the slot (Linux) */
            struct vslot *ws = &f->stack[spi_of(off)];
            link_scalar(e, &ws->spilled);
            *dst = ws->spilled;
        }
        return 0;
    }
    int zeros = 0;
    for (int i = 0; i < size; i++) {
        uint8_t t = s->type[sti_of(off + i)];
        if (t == STACK_MISC)
            continue;
        if (t == STACK_ZERO) {
            zeros++;
            continue;
        }
        if (t == STACK_INVALID && !e->unpriv)
            continue;
        return verr(e, -EACCES, "invalid read from stack off %lld+%d size %d", (long long)off, i,
                    size);
    }
    if (dst) {
        if (zeros == size)
            mark_reg_known(dst, 0);
        else {
            mark_reg_unknown(dst);
            coerce_reg_to_size(dst, (unsigned)size);
        }
    }
    return 0;
}

/* Linux's check_mem_region_access + __check_mem_access for map values,
 * memory and map keys */
static int region_fail(struct venv *e, uint32_t regno, const struct vreg *r, int64_t off,
                       int size, uint32_t mem_size)
{
    switch (VT_BASE(r->type)) {
    case PTR_TO_MAP_VALUE:
        return verr(e, -EACCES, "invalid access to map value, value_size=%u off=%lld size=%d",
                    mem_size, (long long)off, size);
    case PTR_TO_MAP_KEY:
        return verr(e, -EACCES, "invalid access to map key, key_size=%u off=%lld size=%d",
                    mem_size, (long long)off, size);
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
        return verr(e, -EACCES, "invalid access to packet, off=%lld size=%d, R%u(id=%u,off=%d,r=%u)",
                    (long long)off, size, regno, r->id, r->off, r->range);
    default:
        return verr(e, -EACCES, "invalid access to memory, mem_size=%u off=%lld size=%d", mem_size,
                    (long long)off, size);
    }
}

static int mem_region(struct venv *e, uint32_t regno, const struct vreg *r, int64_t off,
                      int size, uint32_t mem_size, bool zero_ok)
{
    if (r->smin < 0 &&
        (r->smin == INT64_MIN || off + r->smin != (int64_t)(int32_t)(off + r->smin) ||
         r->smin + off < 0))
        return verr(e, -EACCES, "R%u min value is negative, either use unsigned or 'var &= const'",
                    regno);
    int64_t lo = r->smin + off;
    if (lo < 0 || size < 0 || (!size && !zero_ok) || lo > (int64_t)mem_size - size)
        return region_fail(e, regno, r, lo, size, mem_size);
    if (r->umax >= (uint64_t)MAX_VAR_OFF)
        return verr(e, -EACCES,
                    "R%u unbounded memory access, make sure to bounds check any such access",
                    regno);
    int64_t hi = (int64_t)r->umax + off;
    if (hi > (int64_t)mem_size - size)
        return region_fail(e, regno, r, hi, size, mem_size);
    return 0;
}

/* Linux's check_map_access_type: programs may not write a map created
 * BPF_F_RDONLY_PROG nor read one created BPF_F_WRONLY_PROG
 * (bpf_map_flags_to_cap).  off is the access's fixed offset. */
static int check_map_access_type(struct venv *e, const struct vreg *r, int64_t off, int64_t size,
                                 bool write)
{
    uint32_t flags = pbpf_map_flags(r->map);
    if (write && (flags & PBPF_F_RDONLY_PROG))
        return verr(e, -EACCES, "write into map forbidden, value_size=%u off=%lld size=%lld",
                    pbpf_map_value_size(r->map), (long long)off, (long long)size);
    if (!write && (flags & PBPF_F_WRONLY_PROG))
        return verr(e, -EACCES, "read from map forbidden, value_size=%u off=%lld size=%lld",
                    pbpf_map_value_size(r->map), (long long)off, (long long)size);
    return 0;
}

static int check_spin_lock_overlap(struct venv *e, const struct vreg *r, int64_t off, int size);
static int check_timer_overlap(struct venv *e, const struct vreg *r, int64_t off, int size);

int check_mem_region(struct venv *e, uint32_t regno, int64_t size, bool write, bool zero_ok,
                     bool allow_uninit)
{
    (void)allow_uninit;
    const struct vreg *r = &cur_regs(e)[regno];
    switch (VT_BASE(r->type)) {
    case PTR_TO_MAP_VALUE:
        /* check_helper_mem_access: the helper reads, or writes (its
         * argument is MEM_WRITE), the map value */
        if (check_map_access_type(e, r, r->off, size, write))
            return -EACCES;
        /* Linux's check_map_access: within the value, and clear of its
         * bpf_spin_lock and bpf_timer, which only their helpers touch */
        if (mem_region(e, regno, r, r->off, (int)size, pbpf_map_value_size(r->map), zero_ok) ||
            check_spin_lock_overlap(e, r, 0, (int)size) || check_timer_overlap(e, r, 0, (int)size))
            return -EACCES;
        return 0;
    case PTR_TO_MAP_KEY:
        return mem_region(e, regno, r, r->off, (int)size, pbpf_map_key_size(r->map), zero_ok);
    case PTR_TO_MEM:
        return mem_region(e, regno, r, r->off, (int)size, r->range, zero_ok);
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
        if (r->smin < 0)
            return verr(e, -EACCES,
                        "R%u min value is negative, either use unsigned index or do a if (index >=0) check.",
                        regno);
        if (r->off < 0 || (!size && !zero_ok) || (int64_t)r->off + size > (int64_t)r->range)
            return region_fail(e, regno, r, r->off, (int)size, r->range);
        return 0;
    default:
        return -EACCES;
    }
}

/* The helper reads (or writes) size bytes of the stack at the pointer:
 * Linux's check_stack_range_initialized. */
/* The kernel struct behind a map of this type (Linux: the map_btf_id of
 * its bpf_map_ops), as check_ptr_to_map_access() names it. */
static const char *map_struct_name(uint32_t type)
{
    switch (type) {
    case PBPF_MAP_TYPE_HASH:
    case PBPF_MAP_TYPE_PERCPU_HASH:
    case PBPF_MAP_TYPE_LRU_HASH:
    case PBPF_MAP_TYPE_LRU_PERCPU_HASH:
    case PBPF_MAP_TYPE_HASH_OF_MAPS:
        return "bpf_htab";
    case PBPF_MAP_TYPE_LPM_TRIE: return "lpm_trie";
    case PBPF_MAP_TYPE_DEVMAP:
    case PBPF_MAP_TYPE_DEVMAP_HASH:
        return "bpf_dtab";
    case PBPF_MAP_TYPE_CPUMAP: return "bpf_cpu_map";
    case PBPF_MAP_TYPE_XSKMAP: return "xsk_map";
    case PBPF_MAP_TYPE_QUEUE:
    case PBPF_MAP_TYPE_STACK:
        return "bpf_queue_stack";
    case PBPF_MAP_TYPE_RINGBUF:
    case PBPF_MAP_TYPE_USER_RINGBUF:
        return "bpf_ringbuf_map";
    case PBPF_MAP_TYPE_BLOOM_FILTER: return "bpf_bloom_filter";
    case PBPF_MAP_TYPE_STACK_TRACE: return "bpf_stack_map";
    default:
        /* ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY,
         * CGROUP_ARRAY, ARRAY_OF_MAPS */
        return "bpf_array";
    }
}

int check_stack_read_range(struct venv *e, uint32_t regno, int32_t off, int32_t size, int mode,
                           bool zero_ok)
{
    bool write = mode == STACK_HELPER_WRITE;
    const struct vreg *r = &cur_regs(e)[regno];
    struct vframe *f = reg_frame(e, r);
    if (!size && zero_ok)
        return 0;
    /* check_stack_range_initialized(): before the bounds */
    if (!size)
        return verr(e, -EACCES, "invalid zero-sized read");
    int64_t lo, hi;
    if (tnum_is_const(r->var_off)) {
        lo = r->off + off + (int64_t)r->var_off.value;
        hi = lo + size;
    } else {
        if (e->unpriv)
            return verr(e, -EACCES, "R%u variable stack access prohibited for !root", regno);
        if (r->smax >= MAX_VAR_OFF || r->smin <= -MAX_VAR_OFF)
            return verr(e, -EACCES, "invalid unbounded variable-offset indirect access to stack R%u",
                        regno);
        lo = r->smin + r->off + off;
        hi = r->smax + r->off + off + size;
    }
    if (lo < -PBPF_STACK_SIZE || hi > 0 || size <= 0) {
        /* Linux 6.x check_stack_access_within_bounds: named by the
         * access (the helper reads, or writes uninitialised memory) */
        if (tnum_is_const(r->var_off))
            return verr(e, -EACCES, "invalid %s stack R%u off=%lld size=%d",
                        write ? "write to" : "read from", regno, (long long)lo, size);
        return verr(e, -EACCES, "invalid variable-offset indirect access to stack R%u", regno);
    }
    /* Linux's check_stack_slot_within_bounds: without CAP_PERFMON a read
     * may not start below the stack the function has used so far */
    if (mode == STACK_HELPER_READ && e->unpriv && tnum_is_const(r->var_off) &&
        lo < -(int64_t)f->allocated) {
        return verr(e, -EACCES, "invalid read from stack R%u off=%lld size=%d", regno,
                    (long long)lo, size);
    }
    if (update_stack_depth(e, f, lo))
        return -ENOMEM;
    /* a write too: the helper may write only some of the bytes, and the
     * slots are looked at first */
    note_stack_read(e, f->frameno, lo, hi);
    for (int64_t o = lo; o < hi; o++) {
        struct vslot *s = &f->stack[spi_of(o)];
        uint8_t *t = &s->type[sti_of(o)];
        if (write) {
            /* the helper writes these bytes: whatever was there is gone */
            if (is_spilled(s)) {
                if (s->spilled.type != SCALAR_VALUE && e->unpriv)
                    return verr(e, -EACCES, "R%u leaks addr into stack", regno);
                for (int i = 0; i < 8; i++)
                    s->type[i] = STACK_MISC;
                mark_reg_not_init(&s->spilled);
            }
            *t = STACK_MISC;
            continue;
        }
        if (*t == STACK_MISC || *t == STACK_ZERO)
            continue;
        if (*t == STACK_SPILL) {
            if (s->spilled.type == SCALAR_VALUE || !e->unpriv)
                continue;
        }
        if (*t == STACK_INVALID && !e->unpriv)
            continue;
        if (tnum_is_const(r->var_off))
            return verr(e, -EACCES, "invalid read from stack R%u off %lld+%lld size %d", regno,
                        (long long)lo, (long long)(o - lo), size);
        return verr(e, -EACCES, "invalid variable-offset read from stack R%u", regno);
    }
    return 0;
}

static bool may_write_pkt(uint32_t pt);
bool may_write_pkt_type(uint32_t pt) { return may_write_pkt(pt); }

static bool may_write_pkt(uint32_t pt)
{
    switch (pt) {
    case PT_XDP:
    case PT_SCHED_CLS:
    case PT_SCHED_ACT:
    case PT_LWT_XMIT:
    case PT_SK_SKB:
    case PT_SK_MSG:
        return true;
    default:
        return false;
    }
}

/* the context field at off/size, from the program type's descriptor */
static int check_ctx(struct venv *e, uint32_t regno, int64_t off, int size, int t,
                     struct vreg *dst)
{
    const struct vreg *r = &cur_regs(e)[regno];
    /* __check_ptr_off_reg: the pointer as the program got it */
    if (r->off < 0)
        return verr(e, -EACCES, "negative offset ctx ptr R%u off=%d disallowed", regno, r->off);
    if (r->off)
        return verr(e, -EACCES, "dereference of modified ctx ptr R%u off=%d disallowed", regno,
                    r->off);
    if (!tnum_is_const(r->var_off) || r->var_off.value) {
        char tb[48];
        tn_str(tb, sizeof tb, r->var_off);
        return verr(e, -EACCES, "variable ctx access var_off=%s disallowed", tb);
    }
    const struct pbpf_ctx_desc *d = e->ctx;
    const struct pbpf_ctx_field *fld = NULL;
    if (!d)
        return verr(e, -EACCES,
                    "invalid bpf_context access off=%lld size=%d (pbpf has no context layout for program type %u)",
                    (long long)off, size, e->prog_type);
    char msg[160];
    if (pbpf_ctx_access(d, e->opts ? e->opts->expected_attach_type : 0, off, (uint32_t)size,
                        t == ACC_WRITE, &fld, msg, sizeof msg))
        return verr(e, -EACCES, "%s", msg);
    if (!e->ctx_off) {
        e->ctx_off = pbpf_calloc(e->cnt, sizeof *e->ctx_off);
        if (!e->ctx_off)
            return -ENOMEM;
    }
    e->ctx_off[e->insn_idx] = 1; /* base offset 0, +1 so that 0 means none */
    if (dst) {
        switch (fld->kind) {
        case PBPF_CTXF_PKT_DATA:
        case PBPF_CTXF_PKT_END:
        case PBPF_CTXF_PKT_META:
            mark_reg_known(dst, 0);
            dst->type = fld->kind == PBPF_CTXF_PKT_DATA  ? PTR_TO_PACKET
                        : fld->kind == PBPF_CTXF_PKT_END ? PTR_TO_PACKET_END
                                                         : PTR_TO_PACKET_META;
            break;
        case PBPF_CTXF_SOCK:
            mark_reg_known(dst, 0);
            dst->type = PTR_TO_SOCK_COMMON | VT_OR_NULL;
            dst->id = ++e->id_gen;
            break;
        case PBPF_CTXF_FLOW_KEYS:
            mark_reg_known(dst, 0);
            dst->type = PTR_TO_FLOW_KEYS;
            break;
        case PBPF_CTXF_SOCKET:
            mark_reg_known(dst, 0);
            dst->type = PTR_TO_SOCKET;
            break;
        case PBPF_CTXF_SOCKET_OR_NULL:
            mark_reg_known(dst, 0);
            dst->type = PTR_TO_SOCKET | VT_OR_NULL;
            dst->id = ++e->id_gen;
            break;
        default:
            mark_reg_unknown(dst);
            coerce_reg_to_size(dst, (unsigned)size);
            break;
        }
    }
    return 0;
}

/* Linux's bpf_sock_is_valid_access (net/core/filter.c) on struct bpf_sock
 * (80 bytes): aligned reads; family, type, protocol, src_port, state and
 * rx_queue_mapping also narrower from their first byte, the addresses
 * from any of theirs;
 * dst_port (__be16 and 2 bytes of padding) by byte, by half from its
 * start, or as a u32; everything else (bound_dev_if, mark, priority) only
 * as a whole u32.  PTR_TO_SOCK_COMMON (bpf_sock_common_is_valid_access)
 * has no type, protocol, mark or priority: only struct sock_common's
 * fields. */
static bool sock_access_ok(bool common, int64_t off, int size)
{
    if (off < 0 || off >= 80 || off % size)
        return false;
    if (common && off >= 8 && off < 24)
        return false;
    switch (off) {
    case 4: case 8: case 12: case 44: case 72: case 76: /* family .. rx_queue_mapping */
        return size <= 4;                               /* from the field's start */
    }
    switch (off & ~3) {
    case 24: case 28: case 32: case 36: case 40:        /* src_ip4, src_ip6 */
    case 52: case 56: case 60: case 64: case 68:        /* dst_ip4, dst_ip6 */
        return size <= 4;
    case 48: /* dst_port: a u32, or the __be16's bytes and half */
        return size == 4 || (size <= 2 && off + size <= 50);
    default:
        return size == 4;
    }
}

static int check_sock_access(struct venv *e, uint32_t regno, const struct vreg *r, int64_t off,
                             int size, int t)
{
    /* check_mem_access: no stores through socket pointers */
    if (t == ACC_WRITE)
        return verr(e, -EACCES, "R%u cannot write into %s", regno, vtype_str(r->type));
    /* check_sock_access */
    if (r->smin < 0)
        return verr(e, -EACCES,
                    "R%u min value is negative, either use unsigned index or do a if (index >=0) "
                    "check.",
                    regno);
    if (!sock_access_ok(r->type == PTR_TO_SOCK_COMMON, off, size))
        return verr(e, -EACCES, "R%u invalid %s access off=%lld size=%d", regno,
                    vtype_str(r->type), (long long)off, size);
    return 0;
}

static int check_spin_lock_overlap(struct venv *e, const struct vreg *r, int64_t off, int size)
{
    const struct pbpf_map *m = r->map;
    if (!m || m->spin_lock_off < 0)
        return 0;
    int64_t lo = r->off + off + r->smin, hi = r->off + off + (int64_t)r->umax + size;
    if (lo < m->spin_lock_off + 4 && hi > m->spin_lock_off)
        return verr(e, -EACCES, "bpf_spin_lock cannot be accessed directly by load/store");
    return 0;
}

static int check_timer_overlap(struct venv *e, const struct vreg *r, int64_t off, int size)
{
    const struct pbpf_map *m = r->map;
    if (!m || m->timer_off < 0)
        return 0;
    int64_t lo = r->off + off + r->smin, hi = r->off + off + (int64_t)r->umax + size;
    if (lo < m->timer_off + 16 && hi > m->timer_off)
        return verr(e, -EACCES, "bpf_timer cannot be accessed directly by load/store");
    return 0;
}

/* Linux's check_mem_access: regno's pointer + off, size bytes; the value
 * comes from (write) or goes to (read) value_regno (-1: an immediate). */
static int check_mem_access(struct venv *e, const struct pbpf_insn *in, uint32_t regno,
                            int64_t off, int size, int t, int value_regno, bool sx)
{
    struct vreg *regs = cur_regs(e);
    struct vreg *r = &regs[regno];
    struct vreg result;
    mark_reg_unknown(&result);
    bool have_result = false, known_const = false;
    const struct vreg *val = value_regno >= 0 && t == ACC_WRITE ? &regs[value_regno] : NULL;
    int rc = 0;
    switch (r->type) {
    case PTR_TO_STACK:
        if (t == ACC_WRITE)
            return check_stack_write(e, regno, r->off + off, size, val ? value_regno : -1, in);
        rc = check_stack_read(e, regno, r->off + off, size, &result);
        have_result = true;
        break;
    case PTR_TO_MAP_VALUE:
        if (t == ACC_WRITE && val && is_ptr(val) && e->unpriv)
            return verr(e, -EACCES, "R%d leaks addr into map", value_regno);
        rc = check_map_access_type(e, r, r->off + off, size, t == ACC_WRITE);
        if (!rc)
            rc = mem_region(e, regno, r, r->off + off, size, pbpf_map_value_size(r->map), false);
        if (!rc)
            rc = check_spin_lock_overlap(e, r, off, size);
        if (!rc)
            rc = check_timer_overlap(e, r, off, size);
        if (!rc && t == ACC_READ && value_regno >= 0 && tnum_is_const(r->var_off) &&
            pbpf_map_is_rdonly(r->map) && pbpf_map_type(r->map) == PBPF_MAP_TYPE_ARRAY) {
            /* A frozen read-only map's values never change: Linux reads
             * them at verification time (bpf_map_direct_read) so that
             * branches on `const volatile` globals in .rodata are decided
             * and their dead side is not explored.  Only ARRAY has
             * map_direct_value_addr, which refuses more than one element
             * (the read then fails the load, as on Linux). */
            uint64_t v;
            int64_t moff = r->off + off + (int64_t)r->var_off.value;
            rc = pbpf_map_direct_read(r->map, (uint32_t)moff, size, sx, &v);
            if (rc)
                return verr(e, rc, "R%u direct read of read-only map '%s' at off=%lld failed",
                            regno, pbpf_map_name(r->map), (long long)moff);
            mark_reg_known(&result, v);
            known_const = true;
        }
        have_result = true;
        break;
    case PTR_TO_MAP_KEY:
        if (t == ACC_WRITE)
            return verr(e, -EACCES, "write to change key R%u not allowed", regno);
        rc = mem_region(e, regno, r, r->off + off, size, pbpf_map_key_size(r->map), false);
        have_result = true;
        break;
    case PTR_TO_MEM:
    case PTR_TO_MEM | VT_RINGBUF:
        if (t == ACC_WRITE && val && is_ptr(val) && e->unpriv)
            return verr(e, -EACCES, "R%d leaks addr into mem", value_regno);
        rc = mem_region(e, regno, r, r->off + off, size, r->range, false);
        have_result = true;
        break;
    case PTR_TO_MEM | VT_RDONLY:
        if (t == ACC_WRITE)
            return verr(e, -EACCES, "R%u cannot write into %s", regno, vtype_str(r->type));
        rc = mem_region(e, regno, r, r->off + off, size, r->range, false);
        have_result = true;
        break;
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
        if (t == ACC_WRITE && !may_write_pkt(e->prog_type))
            return verr(e, -EACCES, "cannot write into packet");
        if (t == ACC_WRITE && val && is_ptr(val) && e->unpriv)
            return verr(e, -EACCES, "R%d leaks addr into packet", value_regno);
        if (r->smin < 0)
            return verr(e, -EACCES,
                        "R%u min value is negative, either use unsigned index or do a if (index >=0) check.",
                        regno);
        {
            int64_t o = r->off + off;
            if (o < 0 || o + size > (int64_t)r->range)
                return region_fail(e, regno, r, o, size, r->range);
        }
        have_result = true;
        break;
    case PTR_TO_CTX:
        if (t == ACC_WRITE && val && is_ptr(val) && e->unpriv)
            return verr(e, -EACCES, "R%d leaks addr into ctx", value_regno);
        rc = check_ctx(e, regno, off, size, t, &result);
        have_result = true;
        break;
    case PTR_TO_SOCK_COMMON:
    case PTR_TO_SOCKET:
        /* the socket a hook shows is struct bpf_sock itself (struct
         * pbpf_sock_view): reads need no rewrite; the value is a number */
        rc = check_sock_access(e, regno, r, off, size, t);
        have_result = true;
        break;
    case PTR_TO_FLOW_KEYS:
        /* Linux: the pointer's fixed offset is part of the access's
         * (check_mem_access adds reg->off), arithmetic only by constants */
        if (t == ACC_WRITE && val && is_ptr(val) && e->unpriv)
            return verr(e, -EACCES, "R%d leaks addr into flow keys", value_regno);
        if (r->off + off < 0 || r->off + off + size > PBPF_FLOW_KEYS_SIZE)
            return verr(e, -EACCES, "invalid access to flow keys off=%lld size=%d",
                        (long long)(r->off + off), size);
        have_result = true;
        break;
    case CONST_PTR_TO_MAP: {
        /* check_ptr_to_map_access(): the kernel struct of the map type
         * (its ops' map_btf_id), privileged loaders only, reads only */
        const char *tname = map_struct_name(pbpf_map_type(r->map));
        if (e->unpriv)
            return verr(e, -EACCES, "'struct %s' access is allowed only to CAP_PERFMON and "
                        "CAP_SYS_ADMIN", tname);
        if (r->off + off < 0)
            return verr(e, -EACCES, "R%u is %s invalid negative access: off=%d", regno, tname,
                        (int)(r->off + off));
        if (t != ACC_READ)
            return verr(e, -EACCES, "only read from %s is supported", tname);
        /* reads give fields of the kernel's struct bpf_map (a BTF
         * pointer for `ops`): pbpf's maps have another layout */
        return verr(e, -EACCES, "R%u invalid mem access '%s' (map fields need kernel BTF)", regno,
                    vtype_str(r->type));
    }
    default:
        return verr(e, -EACCES, "R%u invalid mem access '%s'", regno, vtype_str(r->type));
    }
    if (rc)
        return rc;
    if (t == ACC_READ && value_regno >= 0 && have_result) {
        if (result.type == SCALAR_VALUE && !known_const) {
            if (r->type != PTR_TO_STACK && r->type != PTR_TO_CTX) {
                mark_reg_unknown(&result);
                coerce_reg_to_size(&result, (unsigned)size);
            }
            if (sx && size < 8)
                coerce_reg_to_size_sx(&result, (unsigned)size);
        }
        regs[value_regno] = result;
    }
    return 0;
}

/* The write of an atomic whose base register was just filled with the
 * fetched value: an unknown scalar, in Linux's words for it. */
static int misaligned_fill(struct venv *e, int16_t off, int size)
{
    return verr(e, -EACCES, "misaligned access off (0x0; 0xffffffffffffffff)+0+%d size %d", off,
                size);
}

static int check_atomic(struct venv *e, const struct pbpf_insn *in)
{
    uint32_t dreg = PBPF_INSN_DST(in), sreg = PBPF_INSN_SRC(in);
    struct vreg *regs = cur_regs(e);
    int size = PBPF_SIZE(in->code) == PBPF_SIZE_DW ? 8 : 4;
    int op = in->imm;
    switch (op) {
    case 0x00: case 0x01: /* add */
    case 0x40: case 0x41: /* or */
    case 0x50: case 0x51: /* and */
    case 0xa0: case 0xa1: /* xor */
    case PBPF_ATOMIC_XCHG:
    case PBPF_ATOMIC_CMPXCHG:
        break;
    default:
        return verr(e, -EINVAL, "BPF_ATOMIC uses invalid atomic opcode %02x", op);
    }
    if (PBPF_SIZE(in->code) != PBPF_SIZE_W && PBPF_SIZE(in->code) != PBPF_SIZE_DW)
        return verr(e, -EINVAL, "invalid atomic operand size");
    if (in->off && false)
        return 0;
    if (regs[sreg].type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", sreg);
    if (regs[dreg].type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", dreg);
    if (op == PBPF_ATOMIC_CMPXCHG) {
        if (regs[0].type == NOT_INIT)
            return verr(e, -EACCES, "R0 !read_ok");
        if (e->unpriv && is_ptr(&regs[0]))
            return verr(e, -EACCES, "R0 leaks addr into mem");
    }
    if (e->unpriv && is_ptr(&regs[sreg]))
        return verr(e, -EACCES, "R%u leaks addr into mem", sreg);
    uint32_t bt = VT_BASE(regs[dreg].type);
    if (bt == PTR_TO_CTX || bt == PTR_TO_PACKET || bt == PTR_TO_PACKET_META ||
        bt == PTR_TO_FLOW_KEYS || bt == PTR_TO_SOCKET || bt == PTR_TO_SOCK_COMMON)
        return verr(e, -EACCES, "BPF_ATOMIC stores into R%u %s is not allowed", dreg,
                    vtype_str(regs[dreg].type));
    /* Atomics need natural alignment whatever the CPU allows for plain
     * accesses (Linux's check_atomic asks check_mem_access for strict
     * alignment; check_generic_ptr_alignment words the message). */
    if (bt != PTR_TO_STACK) {
        const struct vreg *p = &regs[dreg];
        uint64_t v = p->var_off.value + (uint64_t)(int64_t)p->off + (uint64_t)(int64_t)in->off;
        if ((v | p->var_off.mask) & (uint64_t)(size - 1)) {
            /* a constant as Linux's log prints numbers (verbose_unum):
             * decimal up to U16_MAX, hex above */
            char tb[48];
            if (p->var_off.mask)
                tn_str(tb, sizeof tb, p->var_off);
            else if (p->var_off.value <= UINT16_MAX)
                snprintf(tb, sizeof tb, "%llu", (unsigned long long)p->var_off.value);
            else
                snprintf(tb, sizeof tb, "%#llx", (unsigned long long)p->var_off.value);
            return verr(e, -EACCES, "misaligned %saccess off %s+%d+%d size %d",
                        bt == PTR_TO_MAP_VALUE ? "value " : "", tb, p->off, in->off, size);
        }
    }
    int load_reg = (op & PBPF_ATOMIC_FETCH) ? (op == PBPF_ATOMIC_CMPXCHG ? 0 : (int)sreg) : -1;
    /* A fetch into the base register itself: Linux's check_atomic_rmw
     * fills the register with the loaded value (an unknown scalar) before
     * it checks the write, which then goes through that scalar and fails
     * its strict alignment check (check_generic_ptr_alignment). */
    bool fetch_into_base = load_reg == (int)dreg;
    int rc;
    if (bt == PTR_TO_STACK) {
        /* read then write the slot; the fetched value is unknown */
        rc = check_stack_read(e, dreg, regs[dreg].off + in->off, size, NULL);
        if (!rc && fetch_into_base)
            return misaligned_fill(e, in->off, size);
        /* the write stores no register's value: the slot holds unknown
         * bytes (Linux checks it with value_regno -1).  The source may be
         * the base itself (r10), which must stay as it is. */
        if (!rc)
            rc = check_stack_write(e, dreg, regs[dreg].off + in->off, size, -1, in);
    } else {
        rc = check_mem_access(e, in, dreg, in->off, size, ACC_READ, -1, false);
        if (!rc && fetch_into_base)
            return misaligned_fill(e, in->off, size);
        if (!rc)
            rc = check_mem_access(e, in, dreg, in->off, size, ACC_WRITE, -1, false);
    }
    if (rc)
        return rc;
    if (load_reg >= 0) {
        mark_reg_unknown(&regs[load_reg]);
        coerce_reg_to_size(&regs[load_reg], (unsigned)size);
    }
    return 0;
}

/* Linux's save_aux_ptr_type: one load or store instruction cannot go
 * through the context (or a socket) on one path and through another kind
 * of pointer on another, since the context access is rewritten in place
 * ("same insn cannot be used with different pointers"). */
static bool ptr_type_rewritten(uint16_t t)
{
    return t == PTR_TO_CTX || t == PTR_TO_SOCKET || t == PTR_TO_SOCK_COMMON;
}

static int save_ptr_type(struct venv *e, uint16_t t)
{
    if (!e->ptr_type) {
        e->ptr_type = pbpf_calloc(e->cnt, sizeof *e->ptr_type);
        if (!e->ptr_type)
            return -ENOMEM;
    }
    uint16_t *prev = &e->ptr_type[e->insn_idx];
    if (!*prev) {
        *prev = (uint16_t)(t + 1);
        return 0;
    }
    uint16_t p = (uint16_t)(*prev - 1);
    if (p != t && (ptr_type_rewritten(p) || ptr_type_rewritten(t)))
        return verr(e, -EINVAL, "same insn cannot be used with different pointers");
    return 0;
}

static int check_ldx_stx_one(struct venv *e, const struct pbpf_insn *in);

int check_ldx_stx(struct venv *e, const struct pbpf_insn *in)
{
    uint8_t cls = PBPF_CLASS(in->code);
    uint32_t base = cls == PBPF_CLS_LDX ? PBPF_INSN_SRC(in) : PBPF_INSN_DST(in);
    uint16_t t = base < 11 ? cur_regs(e)[base].type : NOT_INIT;
    int rc = check_ldx_stx_one(e, in);
    if (rc || PBPF_MODE(in->code) == PBPF_MODE_ATOMIC)
        return rc;
    return save_ptr_type(e, t);
}

static int check_ldx_stx_one(struct venv *e, const struct pbpf_insn *in)
{
    uint8_t cls = PBPF_CLASS(in->code), mode = PBPF_MODE(in->code);
    uint32_t dreg = PBPF_INSN_DST(in), sreg = PBPF_INSN_SRC(in);
    struct vreg *regs = cur_regs(e);
    static const int sizes[4] = {4, 2, 1, 8};
    int size = sizes[PBPF_SIZE(in->code) >> 3];
    switch (cls) {
    case PBPF_CLS_LDX:
        if ((mode != PBPF_MODE_MEM && mode != PBPF_MODE_MEMSX) ||
            (mode == PBPF_MODE_MEMSX && size == 8))
            return verr(e, -EINVAL, "unknown opcode %02x", in->code);
        if (in->imm)
            return verr(e, -EINVAL, "BPF_LDX uses reserved fields");
        if (regs[sreg].type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", sreg);
        if (dreg == 10)
            return verr(e, -EACCES, "frame pointer is read only");
        return check_mem_access(e, in, sreg, in->off, size, ACC_READ, (int)dreg,
                                mode == PBPF_MODE_MEMSX);
    case PBPF_CLS_STX:
        if (mode == PBPF_MODE_ATOMIC)
            return check_atomic(e, in);
        if (mode != PBPF_MODE_MEM)
            return verr(e, -EINVAL, "unknown opcode %02x", in->code);
        if (in->imm)
            return verr(e, -EINVAL, "BPF_STX uses reserved fields");
        if (regs[sreg].type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", sreg);
        if (regs[dreg].type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", dreg);
        return check_mem_access(e, in, dreg, in->off, size, ACC_WRITE, (int)sreg, false);
    default: /* ST */
        if (mode != PBPF_MODE_MEM)
            return verr(e, -EINVAL, "unknown opcode %02x", in->code);
        if (sreg)
            return verr(e, -EINVAL, "BPF_ST uses reserved fields");
        if (regs[dreg].type == NOT_INIT)
            return verr(e, -EACCES, "R%u !read_ok", dreg);
        if (regs[dreg].type == PTR_TO_CTX)
            return verr(e, -EACCES, "BPF_ST stores into R%u ctx is not allowed", dreg);
        return check_mem_access(e, in, dreg, in->off, size, ACC_WRITE, -1, false);
    }
}

int check_ld_imm64(struct venv *e, const struct pbpf_insn *in)
{
    uint32_t dreg = PBPF_INSN_DST(in), src = PBPF_INSN_SRC(in);
    struct vreg *regs = cur_regs(e);
    if (in->off)
        return verr(e, -EINVAL, "BPF_LD_IMM64 uses reserved fields");
    if (dreg == 10)
        return verr(e, -EACCES, "frame pointer is read only");
    struct vreg *d = &regs[dreg];
    const struct pbpf_verifier_opts *o = e->opts;
    switch (src) {
    case 0:
        mark_reg_known(d, pbpf_insn_imm64(in));
        return 0;
    case PBPF_PSEUDO_MAP_FD:
    case PBPF_PSEUDO_MAP_IDX:
    case PBPF_PSEUDO_MAP_VALUE:
    case PBPF_PSEUDO_MAP_IDX_VALUE: {
        uint32_t idx = (uint32_t)in->imm;
        if (!o || !o->maps || idx >= o->map_cnt || !o->maps[idx])
            return verr(e, -EBADF, "fd %d is not pointing to valid bpf_map", in->imm);
        const struct pbpf_map *m = o->maps[idx];
        mark_reg_known(d, 0);
        d->map = m;
        if (src == PBPF_PSEUDO_MAP_FD || src == PBPF_PSEUDO_MAP_IDX) {
            d->type = CONST_PTR_TO_MAP;
            return 0;
        }
        uint32_t off = (uint32_t)in[1].imm;
        /* resolve_pseudo_ldimm64: only maps with map_direct_value_addr
         * (ARRAY) have a value address, and an array only when it has a
         * single element */
        if (pbpf_map_type(m) != PBPF_MAP_TYPE_ARRAY)
            return verr(e, -EINVAL, "no direct value access support for this map type");
        if (pbpf_map_max_entries(m) != 1)
            return verr(e, -PBPF_ENOTSUPP,
                        "invalid access to map value pointer, value_size=%u off=%u",
                        pbpf_map_value_size(m), off);
        if (off >= pbpf_map_value_size(m))
            return verr(e, -EINVAL, "invalid access to map value pointer, value_size=%u off=%u",
                        pbpf_map_value_size(m), off);
        d->type = PTR_TO_MAP_VALUE;
        d->off = (int32_t)off;
        return 0;
    }
    case PBPF_PSEUDO_FUNC: {
        int sp = find_subprog(e, (uint32_t)((int64_t)e->insn_idx + 1 + in->imm));
        if (sp < 0)
            return verr(e, -EINVAL, "invalid func reference at insn %u", e->insn_idx);
        /* Linux's check_ld_imm: a callback must be static (a global
         * function is verified for its BTF signature, not as a callback) */
        if (subprog_is_global(e, (uint32_t)sp))
            return verr(e, -EINVAL, "callback function not static");
        mark_reg_known(d, 0);
        d->type = PTR_TO_FUNC;
        d->range = (uint32_t)sp;
        return 0;
    }
    case PBPF_PSEUDO_BTF_ID:
        return verr(e, -EINVAL, "ldimm64 of a kernel BTF object is not supported (no kernel BTF)");
    default:
        return verr(e, -EINVAL, "unrecognized bpf_ld_imm64 insn");
    }
}

int check_ld_abs(struct venv *e, const struct pbpf_insn *in)
{
    uint8_t mode = PBPF_MODE(in->code);
    struct vreg *regs = cur_regs(e);
    uint32_t pt = e->prog_type;
    if (pt != PT_SOCKET_FILTER && pt != PT_SCHED_CLS && pt != PT_SCHED_ACT)
        return verr(e, -EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
    if (PBPF_INSN_DST(in) || in->off || PBPF_SIZE(in->code) == PBPF_SIZE_DW ||
        (mode == PBPF_MODE_ABS && PBPF_INSN_SRC(in)))
        return verr(e, -EINVAL, "BPF_LD_[ABS|IND] uses reserved fields");
    if (e->cur->nrefs)
        return verr(e, -EINVAL, "BPF_LD_[ABS|IND] cannot be mixed with socket references");
    if (e->cur->active_lock_id)
        return verr(e, -EINVAL, "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
    if (regs[6].type == NOT_INIT)
        return verr(e, -EACCES, "R6 !read_ok");
    if (regs[6].type != PTR_TO_CTX)
        return verr(e, -EINVAL, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
    if (mode == PBPF_MODE_IND && regs[PBPF_INSN_SRC(in)].type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", PBPF_INSN_SRC(in));
    for (int i = 1; i <= 5; i++)
        mark_reg_not_init(&regs[i]);
    static const int sizes[4] = {4, 2, 1, 8};
    mark_reg_unknown(&regs[0]);
    coerce_reg_to_size(&regs[0], (unsigned)sizes[PBPF_SIZE(in->code) >> 3]);
    return 0;
}
