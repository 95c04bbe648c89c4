/* Calls and exits: helper calls checked against the prototype table
 * (src/helpers/proto.h), bpf-to-bpf calls with their own frames,
 * callbacks verified as calls, references and locks released on every
 * path, and the program's return value (check_return_code). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "verifier/vstate.h"

#define MAX_VAR_SIZE (1ull << 29)
#define H_MAP_LOOKUP_ELEM 1
#define H_MAP_UPDATE_ELEM 2
#define H_MAP_DELETE_ELEM 3
#define H_TAIL_CALL 12
#define H_MAP_PUSH_ELEM 87
#define H_MAP_POP_ELEM 88
#define H_SPIN_LOCK 93
#define H_SPIN_UNLOCK 94
#define H_TIMER_INIT 169
#define H_TIMER_SET_CALLBACK 170
#define H_SNPRINTF 165

static const char *mem_types =
    "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

static bool is_ptr(const struct vreg *r) { return r->type != SCALAR_VALUE && r->type != NOT_INIT; }

static bool is_null(const struct vreg *r) { return reg_is_const(r) && r->var_off.value == 0; }

static const char *hname(uint32_t id, char *buf, size_t n)
{
    const char *s = pbpf_helper_name(id);
    snprintf(buf, n, "bpf_%s", s ? s : "unknown");
    if (!s)
        snprintf(buf, n, "unknown");
    return buf;
}

uint32_t acquire_reference(struct venv *e)
{
    struct vstate *st = e->cur;
    if (st->nrefs == st->refs_cap) {
        uint32_t ncap = st->refs_cap ? st->refs_cap * 2 : 4;
        struct vref *r = vzalloc(e, ncap * sizeof *r);
        if (!r)
            return 0;
        if (st->nrefs)
            memcpy(r, st->refs, st->nrefs * sizeof *r);
        vfree(e, st->refs, st->refs_cap * sizeof *r);
        st->refs = r;
        st->refs_cap = ncap;
    }
    uint32_t id = ++e->id_gen;
    st->refs[st->nrefs].id = id;
    st->refs[st->nrefs].insn = e->insn_idx;
    st->nrefs++;
    return id;
}

static void invalidate_reg(struct venv *e, struct vreg *r)
{
    /* Linux's mark_reg_invalid: unknown for root, unreadable otherwise */
    if (e->unpriv)
        mark_reg_not_init(r);
    else
        mark_reg_unknown(r);
}

int release_reference(struct venv *e, uint32_t ref)
{
    struct vstate *st = e->cur;
    uint32_t i;
    for (i = 0; i < st->nrefs; i++)
        if (st->refs[i].id == ref)
            break;
    if (i == st->nrefs)
        return verr(e, -EINVAL, "release of unknown reference id=%u", ref);
    memmove(&st->refs[i], &st->refs[i + 1], (st->nrefs - i - 1) * sizeof *st->refs);
    st->nrefs--;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int r = 0; r < 11; r++)
            if (fr->regs[r].ref_obj_id == ref)
                invalidate_reg(e, &fr->regs[r]);
        for (int s = 0; s < (int)nslots(fr); s++)
            if (fr->stack[s].type[7] == STACK_SPILL && fr->stack[s].spilled.ref_obj_id == ref)
                invalidate_reg(e, &fr->stack[s].spilled);
    }
    return 0;
}

void invalidate_packet_pointers(struct venv *e)
{
    struct vstate *st = e->cur;
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vframe *fr = st->frame[f];
        for (int r = 0; r < 11; r++) {
            uint32_t t = VT_BASE(fr->regs[r].type);
            if (t == PTR_TO_PACKET || t == PTR_TO_PACKET_META || t == PTR_TO_PACKET_END)
                invalidate_reg(e, &fr->regs[r]);
        }
        for (int s = 0; s < (int)nslots(fr); s++) {
            struct vreg *sp = &fr->stack[s].spilled;
            uint32_t t = VT_BASE(sp->type);
            if (fr->stack[s].type[7] == STACK_SPILL &&
                (t == PTR_TO_PACKET || t == PTR_TO_PACKET_META || t == PTR_TO_PACKET_END))
                invalidate_reg(e, sp);
        }
    }
}

/* Linux's check_map_func_compatibility, both directions */
static int map_func_compat(struct venv *e, const struct pbpf_map *m, uint32_t fn)
{
    uint32_t t = pbpf_map_type(m);
    char hb[64];
    bool ok = true;
    switch (t) {
    case PBPF_MAP_TYPE_PROG_ARRAY:
        ok = fn == H_TAIL_CALL;
        break;
    case PBPF_MAP_TYPE_PERF_EVENT_ARRAY:
        ok = fn == 22 || fn == 25 || fn == 55 || fn == 111 || fn == 121;
        break;
    case PBPF_MAP_TYPE_RINGBUF:
        ok = fn == 130 || fn == 131 || fn == 134 || fn == 198;
        break;
    case PBPF_MAP_TYPE_STACK_TRACE:
        ok = fn == 27 || fn == 67;
        break;
    case PBPF_MAP_TYPE_QUEUE:
    case PBPF_MAP_TYPE_STACK:
        ok = fn == 87 || fn == 88 || fn == 89;
        break;
    case PBPF_MAP_TYPE_BLOOM_FILTER:
        ok = fn == 87 || fn == 89;
        break;
    case PBPF_MAP_TYPE_DEVMAP:
    case PBPF_MAP_TYPE_DEVMAP_HASH:
    case PBPF_MAP_TYPE_CPUMAP:
    case PBPF_MAP_TYPE_XSKMAP:
        ok = fn == 51 || fn == 1;
        break;
    case PBPF_MAP_TYPE_ARRAY_OF_MAPS:
    case PBPF_MAP_TYPE_HASH_OF_MAPS:
        /* check_map_func_compatibility(): programs only look up (the
         * inner maps are changed from user space) */
        ok = fn == H_MAP_LOOKUP_ELEM;
        break;
    default:
        break;
    }
    if (ok) {
        switch (fn) {
        case H_TAIL_CALL:
            if (t != PBPF_MAP_TYPE_PROG_ARRAY)
                return verr(e, -EINVAL, "expected prog array map for tail call");
            break;
        case 22: case 25: case 55: case 111: case 121:
            ok = t == PBPF_MAP_TYPE_PERF_EVENT_ARRAY;
            break;
        case 130: case 131: case 134: case 198:
            ok = t == PBPF_MAP_TYPE_RINGBUF;
            break;
        case 87: case 89:
            ok = t == PBPF_MAP_TYPE_QUEUE || t == PBPF_MAP_TYPE_STACK ||
                 t == PBPF_MAP_TYPE_BLOOM_FILTER;
            break;
        case 88:
            ok = t == PBPF_MAP_TYPE_QUEUE || t == PBPF_MAP_TYPE_STACK;
            break;
        case 51:
            ok = t == PBPF_MAP_TYPE_DEVMAP || t == PBPF_MAP_TYPE_DEVMAP_HASH ||
                 t == PBPF_MAP_TYPE_CPUMAP || t == PBPF_MAP_TYPE_XSKMAP;
            break;
        case 27:
            ok = t == PBPF_MAP_TYPE_STACK_TRACE;
            break;
        default:
            break;
        }
    }
    if (!ok)
        return verr(e, -EINVAL, "cannot pass map_type %u into func %s#%u", t,
                    hname(fn, hb, sizeof hb), fn);
    return 0;
}

struct call_meta {
    const struct pbpf_map *map;
    uint32_t map_uid; /* vreg.map_uid of the map (or the timer's value) */
    bool map_arg;     /* map is a CONST_PTR_TO_MAP argument */
    int64_t alloc_size;
    /* array lookups: the key, when the stack holds a constant there */
    bool const_key_known;
    uint64_t const_key;
    uint32_t release_ref;
    int32_t func_subprog;
    int32_t cb_ctx_reg;
    int mem_regno; /* the previous PTR_TO_MEM-like argument, for its size */
    bool mem_uninit, mem_write, mem_or_null;
};

/* Linux's get_constant_map_key: the key of an array map lookup is a
 * constant when the stack bytes it points to are all known zero, or hold a
 * spilled constant scalar of exactly the key's size.  A lookup with such a
 * key below max_entries cannot fail, and Linux (6.13+) does not ask for a
 * NULL check then. */
static bool const_map_key(struct venv *e, const struct vreg *key, uint32_t key_size,
                          uint64_t *value)
{
    if (key->type != PTR_TO_STACK || !tnum_is_const(key->var_off) || !key_size || key_size > 8)
        return false;
    int64_t off = key->off + (int64_t)key->var_off.value;
    if (off >= 0 || off < -PBPF_STACK_SIZE || key->frameno > e->cur->curframe)
        return false;
    note_stack_read(e, key->frameno, off, off + key_size);
    const struct vslot *s = slot_r(e->cur->frame[key->frameno], (-off - 1) / 8);
    int idx = (int)((-off - 1) % 8);
    uint32_t zeros = 0, spilled = 0;
    for (int i = idx; i >= 0 && s->type[i] == STACK_ZERO; i--)
        zeros++;
    if (zeros >= key_size) {
        *value = 0;
        return true;
    }
    if (s->type[7] != STACK_SPILL || s->spilled.type != SCALAR_VALUE)
        return false;
    for (int i = idx; i >= 0 && s->type[i] == STACK_SPILL; i--)
        spilled++;
    if (spilled != key_size || !tnum_is_const(s->spilled.var_off))
        return false;
    /* the lookup's result depends on the spilled key's value */
    if (mark_precise_slot(e, key->frameno, (uint32_t)((-off - 1) / 8)))
        return false;
    *value = s->spilled.var_off.value;
    return true;
}

static bool is_mem_ptr_type(uint32_t t)
{
    switch (VT_BASE(t)) {
    case PTR_TO_STACK:
    case PTR_TO_PACKET:
    case PTR_TO_PACKET_META:
    case PTR_TO_MAP_KEY:
    case PTR_TO_MAP_VALUE:
    case PTR_TO_MEM:
        return !(t & VT_OR_NULL);
    default:
        return false;
    }
}

/* size bytes at the pointer in regno: readable (or writable when uninit) */
static int helper_mem_access(struct venv *e, uint32_t regno, int64_t size, bool uninit,
                             bool write, bool zero_ok)
{
    const struct vreg *r = &cur_regs(e)[regno];
    if (VT_BASE(r->type) == PTR_TO_STACK)
        return check_stack_read_range(e, regno, 0, (int32_t)size,
                                      uninit ? STACK_HELPER_WRITE : STACK_HELPER_READ, zero_ok);
    if (write && (r->type & VT_RDONLY))
        return verr(e, -EACCES, "R%u cannot write into %s", regno, vtype_str(r->type));
    return check_mem_region(e, regno, size, write, zero_ok, uninit);
}

/* Linux's check_reg_const_str: a constant string is in a frozen read-only
 * map (so it cannot change after verification), at a constant offset of a
 * map with direct value access, and ends within the value. */
static int check_reg_const_str(struct venv *e, uint32_t regno)
{
    const struct vreg *r = &cur_regs(e)[regno];
    const struct pbpf_map *mp = r->map;
    if (!pbpf_map_is_rdonly(mp))
        return verr(e, -EACCES, "R%u does not point to a readonly map'", regno);
    if (!tnum_is_const(r->var_off))
        return verr(e, -EACCES, "R%u is not a constant address'", regno);
    if (pbpf_map_type(mp) != PBPF_MAP_TYPE_ARRAY)
        return verr(e, -EACCES, "no direct value access support for this map type");
    int rc = check_mem_region(e, regno, (int64_t)pbpf_map_value_size(mp) - r->off, false, false,
                              false);
    if (rc)
        return rc;
    uint64_t off = (uint64_t)(int64_t)r->off + r->var_off.value;
    uint64_t c = 1;
    for (; off < pbpf_map_value_size(mp); off++) {
        rc = pbpf_map_direct_read(mp, (uint32_t)off, 1, 0, &c);
        if (rc)
            return verr(e, rc, "direct value access on string failed");
        if (!c)
            return 0;
    }
    return verr(e, -EINVAL, "string is not zero-terminated");
}

/* Linux's check_bpf_snprintf_call: bpf_snprintf's format (r3, a constant
 * string in a read-only map, check_reg_const_str) is checked when the
 * program loads, by bpf_bprintf_prepare against the number of u64
 * arguments that data_len (r5) gives.  (bpf_trace_printk's format is
 * checked only when it runs, there and here: helpers_fmt.c.) */
static int check_snprintf_call(struct venv *e, const struct vreg *regs)
{
    const struct vreg *fr = &regs[3], *lr = &regs[5];
    if (lr->var_off.value % 8)
        return verr(e, -EINVAL, "bpf_snprintf data_len %llu is not a multiple of 8",
                    (unsigned long long)lr->var_off.value);
    uint64_t nargs = lr->var_off.value / 8;
    if (!fr->map)
        return verr(e, -EFAULT, "verifier bug");
    uint32_t vsz = pbpf_map_value_size(fr->map);
    uint64_t off = (uint64_t)(int64_t)fr->off + fr->var_off.value;
    if (off >= vsz)
        return verr(e, -EFAULT, "verifier bug");
    char *fmt = pbpf_malloc(vsz - off);
    if (!fmt)
        return -ENOMEM;
    size_t n = 0;
    for (; off + n < vsz; n++) {
        uint64_t c = 0;
        if (pbpf_map_direct_read(fr->map, (uint32_t)(off + n), 1, 0, &c)) {
            pbpf_free(fmt);
            return verr(e, -EFAULT, "verifier bug");
        }
        fmt[n] = (char)c;
        if (!c)
            break;
    }
    int rc = pbpf_fmt_check(fmt, n < vsz - off ? n + 1 : n,
                            nargs > UINT32_MAX ? UINT32_MAX : (uint32_t)nargs);
    pbpf_free(fmt);
    if (rc)
        return verr(e, rc, "Invalid format string");
    return 0;
}

static int check_arg(struct venv *e, uint32_t fn, int argi, uint8_t kind, struct call_meta *m)
{
    uint32_t regno = (uint32_t)argi + 1;
    struct vreg *r = &cur_regs(e)[regno];
    if (kind == PBPF_ARG_NONE)
        return 0;
    if (r->type == NOT_INIT)
        return verr(e, -EACCES, "R%u !read_ok", regno);
    /* every kind but ARG_ANYTHING looks at a scalar's value (a size, a
     * constant, NULL): it must be precise (Linux's check_mem_size_reg,
     * ARG_CONST_ALLOC_SIZE_OR_ZERO, ...) */
    if (kind != PBPF_ARG_ANYTHING && r->type == SCALAR_VALUE) {
        int rc = mark_precise(e, (uint16_t)(1u << regno));
        if (rc)
            return rc;
    }
    switch (kind) {
    case PBPF_ARG_ANYTHING:
        if (e->unpriv && is_ptr(r))
            return verr(e, -EACCES, "R%u leaks addr into helper function", regno);
        return 0;
    case PBPF_ARG_CONST_MAP_PTR:
        if (r->type != CONST_PTR_TO_MAP)
            return verr(e, -EACCES, "R%u type=%s expected=map_ptr", regno, vtype_str(r->type));
        /* bpf_timer_init: the map of the timer's value (Linux compares
         * map_uid too, which is 0 without inner maps) */
        if (m->map && (m->map != r->map || m->map_uid != r->map_uid))
            return verr(e, -EINVAL,
                        "timer pointer in R1 map_uid=%u doesn't match map pointer in R2 map_uid=%u",
                        m->map_uid, r->map_uid);
        m->map = r->map;
        m->map_uid = r->map_uid;
        m->map_arg = true;
        return 0;
    case PBPF_ARG_PTR_TO_MAP_KEY:
    case PBPF_ARG_PTR_TO_MAP_VALUE:
    case PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
        if (kind == PBPF_ARG_PTR_TO_MAP_KEY && m->map)
            m->const_key_known = const_map_key(e, r, pbpf_map_key_size(m->map), &m->const_key);
        if (!is_mem_ptr_type(r->type))
            return verr(e, -EACCES, "R%u type=%s expected=%s", regno, vtype_str(r->type),
                        mem_types);
        if (!m->map)
            return verr(e, -EACCES, "invalid map_ptr to access map->%s",
                        kind == PBPF_ARG_PTR_TO_MAP_KEY ? "key" : "value");
        return helper_mem_access(e, regno,
                                 kind == PBPF_ARG_PTR_TO_MAP_KEY ? pbpf_map_key_size(m->map)
                                                                 : pbpf_map_value_size(m->map),
                                 kind == PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE,
                                 kind == PBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, false);
    case PBPF_ARG_PTR_TO_MEM:
    case PBPF_ARG_PTR_TO_MEM_OR_NULL:
    case PBPF_ARG_PTR_TO_UNINIT_MEM:
    case PBPF_ARG_PTR_TO_RW_MEM_OR_NULL: {
        bool or_null = kind == PBPF_ARG_PTR_TO_MEM_OR_NULL || kind == PBPF_ARG_PTR_TO_RW_MEM_OR_NULL;
        m->mem_regno = (int)regno;
        m->mem_uninit = kind == PBPF_ARG_PTR_TO_UNINIT_MEM;
        /* Linux's MEM_WRITE: the helper writes the memory */
        m->mem_write = m->mem_uninit || kind == PBPF_ARG_PTR_TO_RW_MEM_OR_NULL;
        m->mem_or_null = or_null && is_null(r);
        if (m->mem_or_null)
            return 0;
        if (!is_mem_ptr_type(r->type))
            return verr(e, -EACCES, "R%u type=%s expected=%s", regno, vtype_str(r->type),
                        mem_types);
        return 0;
    }
    case PBPF_ARG_CONST_SIZE:
    case PBPF_ARG_CONST_SIZE_OR_ZERO: {
        bool zero_ok = kind == PBPF_ARG_CONST_SIZE_OR_ZERO;
        if (r->type != SCALAR_VALUE)
            return verr(e, -EACCES, "R%u type=%s expected=scalar", regno, vtype_str(r->type));
        if (r->smin < 0)
            return verr(e, -EACCES, "R%u min value is negative, either use unsigned or 'var &= const'",
                        regno);
        if (r->umin == 0 && !zero_ok)
            return verr(e, -EACCES, "R%u invalid zero-sized read: u64=[%llu,%llu]", regno,
                        (unsigned long long)r->umin, (unsigned long long)r->umax);
        if (r->umax >= MAX_VAR_SIZE)
            return verr(e, -EACCES,
                        "R%u unbounded memory access, use 'var &= const' or 'if (var < const)'",
                        regno);
        if (m->mem_regno < 0)
            return 0;
        if (m->mem_or_null) {
            if (r->umax)
                return verr(e, -EACCES, "R%d type=scalar expected=%s", m->mem_regno, mem_types);
            return 0;
        }
        if (r->umax == 0)
            return 0;
        if (m->mem_uninit && !tnum_is_const(r->var_off) && e->unpriv) {
            /* check_mem_size_reg: with a size that is not a constant the
             * helper may fill only part of the memory, so raw mode is off
             * and all of it must be initialised (for a loader without
             * CAP_PERFMON, which may not read uninitialised stack); the
             * helper then writes it (check_stack_range_initialized's
             * clobber) */
            int rc = VT_BASE(cur_regs(e)[m->mem_regno].type) == PTR_TO_STACK
                         ? check_stack_read_range(e, (uint32_t)m->mem_regno, 0,
                                                  (int32_t)r->umax, STACK_HELPER_INIT_WRITE,
                                                  zero_ok)
                         : helper_mem_access(e, (uint32_t)m->mem_regno, (int64_t)r->umax,
                                             false, false, zero_ok);
            if (rc)
                return rc;
        }
        return helper_mem_access(e, (uint32_t)m->mem_regno, (int64_t)r->umax, m->mem_uninit,
                                 m->mem_write,
                                 zero_ok);
    }
    case PBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO:
        if (!reg_is_const(r))
            return verr(e, -EACCES, "R%u is not a known constant'", regno);
        m->alloc_size = (int64_t)r->var_off.value;
        return 0;
    case PBPF_ARG_PTR_TO_CTX:
    case PBPF_ARG_PTR_TO_CTX_OR_NULL:
        if (kind == PBPF_ARG_PTR_TO_CTX_OR_NULL && is_null(r))
            return 0;
        if (r->type != PTR_TO_CTX)
            return verr(e, -EACCES, "R%u type=%s expected=ctx", regno, vtype_str(r->type));
        if (r->off || !tnum_equals_const(r->var_off, 0))
            return verr(e, -EACCES, "dereference of modified ctx ptr R%u off=%d disallowed", regno,
                        r->off);
        return 0;
    case PBPF_ARG_PTR_TO_SOCK_COMMON:
        /* check_reg_type's sock_types: any socket pointer, not NULL (no
         * arithmetic is allowed on them, so the offset is 0) */
        if (r->type != PTR_TO_SOCK_COMMON && r->type != PTR_TO_SOCKET)
            return verr(e, -EACCES, "R%u type=%s expected=sock_common, sock, tcp_sock, xdp_sock",
                        regno, vtype_str(r->type));
        return 0;
    case PBPF_ARG_PTR_TO_FUNC:
        if (r->type != PTR_TO_FUNC)
            return verr(e, -EACCES, "R%u type=%s expected=func", regno, vtype_str(r->type));
        m->func_subprog = (int32_t)r->range;
        return 0;
    case PBPF_ARG_PTR_TO_STACK_OR_NULL:
        if (is_null(r)) {
            m->cb_ctx_reg = (int32_t)regno;
            return 0;
        }
        if (VT_BASE(r->type) != PTR_TO_STACK)
            return verr(e, -EACCES, "R%u type=%s expected=fp", regno, vtype_str(r->type));
        m->cb_ctx_reg = (int32_t)regno;
        return 0;
    case PBPF_ARG_PTR_TO_ALLOC_MEM:
        if (r->type != (PTR_TO_MEM | VT_RINGBUF))
            return verr(e, -EACCES, "R%u type=%s expected=ringbuf_mem", regno, vtype_str(r->type));
        if (r->off || !tnum_equals_const(r->var_off, 0))
            return verr(e, -EACCES,
                        "R%u must have zero offset when passed to release func or trusted arg to kfunc",
                        regno);
        if (!r->ref_obj_id)
            return verr(e, -EINVAL, "R%u must be referenced when passed to release function", regno);
        m->release_ref = r->ref_obj_id;
        return 0;
    case PBPF_ARG_PTR_TO_LONG:
    case PBPF_ARG_PTR_TO_INT:
        if (!is_mem_ptr_type(r->type) || VT_BASE(r->type) == PTR_TO_MEM)
            return verr(e, -EACCES, "R%u type=%s expected=fp, pkt, pkt_meta, map_key, map_value",
                        regno, vtype_str(r->type));
        return helper_mem_access(e, regno, kind == PBPF_ARG_PTR_TO_LONG ? 8 : 4, true, true,
                                 false);
    case PBPF_ARG_PTR_TO_CONST_STR:
        if (VT_BASE(r->type) != PTR_TO_MAP_VALUE || (r->type & VT_OR_NULL))
            return verr(e, -EACCES, "R%u type=%s expected=map_value", regno, vtype_str(r->type));
        return check_reg_const_str(e, regno);
    case PBPF_ARG_PTR_TO_SPIN_LOCK: {
        if (VT_BASE(r->type) != PTR_TO_MAP_VALUE || (r->type & VT_OR_NULL))
            return verr(e, -EACCES, "R%u type=%s expected=map_value, ptr_", regno,
                        vtype_str(r->type));
        const struct pbpf_map *mp = r->map;
        if (!tnum_is_const(r->var_off))
            return verr(e, -EINVAL,
                        "R%u doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
                        regno);
        if (mp->spin_lock_off < 0)
            return verr(e, -EINVAL, "map '%s' has no valid bpf_spin_lock", pbpf_map_name(mp));
        int64_t off = r->off + (int64_t)r->var_off.value;
        if (off != mp->spin_lock_off)
            return verr(e, -EINVAL, "off %lld doesn't point to 'struct bpf_spin_lock' that is at %d",
                        (long long)off, mp->spin_lock_off);
        struct vstate *st = e->cur;
        /* the lock is identified by the map value pointer's id (0: a
         * global value) and the map */
        uint32_t lock_id = r->id ? r->id : 0xffffffffu;
        if (fn == H_SPIN_LOCK) {
            if (st->active_lock_id)
                return verr(e, -EINVAL, "Locking two bpf_spin_locks are not allowed");
            st->active_lock_id = lock_id;
            st->active_lock_map = mp;
        } else {
            if (!st->active_lock_id)
                return verr(e, -EINVAL, "bpf_spin_unlock without taking a lock");
            if (st->active_lock_id != lock_id || st->active_lock_map != mp)
                return verr(e, -EINVAL, "bpf_spin_unlock of different lock");
            st->active_lock_id = 0;
            st->active_lock_map = NULL;
        }
        return 0;
    }
    case PBPF_ARG_PTR_TO_TIMER: {
        /* Linux's process_timer_func */
        if (VT_BASE(r->type) != PTR_TO_MAP_VALUE || (r->type & VT_OR_NULL))
            return verr(e, -EACCES, "R%u type=%s expected=map_value", regno, vtype_str(r->type));
        const struct pbpf_map *mp = r->map;
        if (!tnum_is_const(r->var_off))
            return verr(e, -EINVAL,
                        "R%u doesn't have constant offset. bpf_timer has to be at the constant offset",
                        regno);
        if (mp->timer_off < 0 && !mp->btf_value_type_id)
            return verr(e, -EINVAL, "map '%s' has to have BTF in order to use bpf_timer",
                        pbpf_map_name(mp));
        if (mp->timer_off < 0)
            return verr(e, -EINVAL, "map '%s' has no valid bpf_timer", pbpf_map_name(mp));
        int64_t off = r->off + (int64_t)r->var_off.value;
        if (off != mp->timer_off)
            return verr(e, -EINVAL, "off %lld doesn't point to 'struct bpf_timer' that is at %d",
                        (long long)off, mp->timer_off);
        m->map = mp;
        m->map_uid = r->map_uid;
        return 0;
    }
    default: {
        char hb[64];
        return verr(e, -EINVAL, "argument %d of %s#%u is not supported by pbpf", argi + 1,
                    hname(fn, hb, sizeof hb), fn);
    }
    }
}

static int setup_callback_frame(struct venv *e, uint32_t fn, const struct call_meta *m,
                                uint32_t callsite);
static int push_async_callback(struct venv *e, const struct call_meta *m);
static bool is_cgroup_ret01(uint32_t pt);

int check_helper_call(struct venv *e, const struct pbpf_insn *in, uint32_t *next_idx)
{
    uint32_t fn = (uint32_t)in->imm;
    char hb[64];
    const struct pbpf_helper_proto *p = pbpf_helper_proto(fn);
    if (!p) {
        if (!pbpf_helper_name(fn))
            return verr(e, -EINVAL, "invalid func unknown#%d", in->imm);
        return verr(e, -EINVAL, "helper %s#%u is not supported by pbpf", hname(fn, hb, sizeof hb),
                    fn);
    }
    if (!pbpf_helper_allowed(p, e->prog_type))
        return verr(e, -EINVAL, "program of this type cannot use helper %s#%u",
                    hname(fn, hb, sizeof hb), fn);
    if ((p->flags & PBPF_PROTO_GPL_ONLY) && !(e->opts && e->opts->gpl))
        return verr(e, -EINVAL, "cannot call GPL-restricted function from non-GPL compatible program");
    if (p->flags & PBPF_PROTO_SLEEPABLE)
        return verr(e, -EINVAL, "helper call might sleep in a non-sleepable prog");
    struct call_meta m;
    memset(&m, 0, sizeof m);
    m.mem_regno = -1;
    m.func_subprog = -1;
    m.cb_ctx_reg = -1;
    m.alloc_size = -1;
    for (int i = 0; i < 5; i++) {
        int rc = check_arg(e, fn, i, p->args[i], &m);
        if (rc)
            return rc;
        if (p->args[i] != PBPF_ARG_PTR_TO_MEM && p->args[i] != PBPF_ARG_PTR_TO_MEM_OR_NULL &&
            p->args[i] != PBPF_ARG_PTR_TO_UNINIT_MEM && p->args[i] != PBPF_ARG_PTR_TO_RW_MEM_OR_NULL)
            m.mem_regno = -1;
    }
    /* record_func_map: helpers that change a map refuse read-only ones */
    if (m.map && (pbpf_map_flags(m.map) & PBPF_F_RDONLY_PROG) &&
        (fn == H_MAP_UPDATE_ELEM || fn == H_MAP_DELETE_ELEM || fn == H_MAP_PUSH_ELEM ||
         fn == H_MAP_POP_ELEM))
        return verr(e, -EACCES, "write into map forbidden");
    if (fn == H_TAIL_CALL && e->cur->nrefs)
        return verr(e, -EINVAL, "tail_call would lead to reference leak");
    /* check_map_func_compatibility() comes after every argument is
     * checked (a lookup in a ring buffer fails on its zero-sized key) */
    if (m.map_arg) {
        int rc = map_func_compat(e, m.map, fn);
        if (rc)
            return rc;
    }
    if (m.release_ref) {
        int rc = release_reference(e, m.release_ref);
        if (rc)
            return rc;
    }
    struct vreg *regs = cur_regs(e);
    if (fn == H_TIMER_SET_CALLBACK) {
        /* the callback runs later, on its own: a path of its own */
        int rc = push_async_callback(e, &m);
        if (rc)
            return rc;
    } else if ((p->flags & PBPF_PROTO_CALLBACK) && m.func_subprog >= 0) {
        /* the callback runs as a call from here; its exit returns to
         * the instruction after the helper (check_exit) */
        int rc = setup_callback_frame(e, fn, &m, e->insn_idx);
        if (rc)
            return rc;
        *next_idx = e->subprogs[m.func_subprog].start;
        return 0;
    }
    if (fn == H_SNPRINTF) {
        int rc = check_snprintf_call(e, regs);
        if (rc)
            return rc;
    }
    for (int i = 1; i <= 5; i++)
        mark_reg_not_init(&regs[i]);
    struct vreg *r0 = &regs[0];
    switch (p->ret) {
    case PBPF_RET_INTEGER:
        mark_reg_unknown(r0);
        break;
    case PBPF_RET_VOID:
        mark_reg_not_init(r0);
        break;
    case PBPF_RET_PTR_TO_MAP_VALUE_OR_NULL:
        if (!m.map)
            return verr(e, -EINVAL, "kernel subsystem misconfigured verifier");
        mark_reg_known(r0, 0);
        /* from a map of maps too: the null check makes it the inner map
         * (verifier.c, mark_ptr_or_null_reg) */
        r0->type = PTR_TO_MAP_VALUE | VT_OR_NULL;
        r0->map = m.map;
        r0->map_uid = m.map_uid;
        r0->id = ++e->id_gen;
        if (fn == H_MAP_LOOKUP_ELEM && m.const_key_known &&
            (pbpf_map_type(m.map) == PBPF_MAP_TYPE_ARRAY ||
             pbpf_map_type(m.map) == PBPF_MAP_TYPE_PERCPU_ARRAY) &&
            m.const_key < pbpf_map_max_entries(m.map) &&
            /* an inner map's template may differ from the map in the
             * slot in max_entries (BPF_F_INNER_MAP): keep the check */
            !(pbpf_map_flags(m.map) & PBPF_F_INNER_MAP)) {
            r0->type = PTR_TO_MAP_VALUE;
            r0->id = 0;
        }
        break;
    case PBPF_RET_PTR_TO_ALLOC_MEM_OR_NULL: {
        if (m.alloc_size < 0)
            return verr(e, -EINVAL, "kernel subsystem misconfigured verifier");
        mark_reg_known(r0, 0);
        r0->type = PTR_TO_MEM | VT_RINGBUF | VT_OR_NULL;
        r0->range = (uint32_t)m.alloc_size;
        r0->id = ++e->id_gen;
        uint32_t ref = acquire_reference(e);
        if (!ref)
            return -ENOMEM;
        r0->ref_obj_id = ref;
        break;
    }
    case PBPF_RET_PTR_TO_SOCKET_OR_NULL:
        /* bpf_sk_fullsock: the same socket as a full one, or NULL; a new
         * id for the NULL check (pbpf has no helper that acquires a
         * socket reference, so there is no ref_obj_id to carry over) */
        mark_reg_known(r0, 0);
        r0->type = PTR_TO_SOCKET | VT_OR_NULL;
        r0->id = ++e->id_gen;
        break;
    default:
        return verr(e, -EINVAL, "return type of %s#%u is not supported by pbpf",
                    hname(fn, hb, sizeof hb), fn);
    }
    if (p->flags & PBPF_PROTO_PKT_CHANGE)
        invalidate_packet_pointers(e);
    (*next_idx)++;
    return 0;
}

int push_frame(struct venv *e, uint32_t callsite, uint32_t subprog)
{
    struct vstate *st = e->cur;
    if (st->curframe + 1 >= PBPF_MAX_CALL_DEPTH)
        return verr(e, -E2BIG, "the call stack of %u frames is too deep", st->curframe + 2);
    uint32_t fno = st->curframe + 1;
    frame_release(e, st->frame[fno]);
    st->frame[fno] = frame_alloc(e);
    if (!st->frame[fno])
        return -ENOMEM;
    struct vframe *f = st->frame[fno];
    f->callsite = (int32_t)callsite;
    f->subprog = subprog;
    f->frameno = fno;
    for (int i = 0; i < 11; i++)
        mark_reg_not_init(&f->regs[i]);
    mark_reg_known(&f->regs[10], 0);
    f->regs[10].type = PTR_TO_STACK;
    f->regs[10].frameno = (uint8_t)fno;
    st->curframe = fno;
    return 0;
}

int check_subprog_call(struct venv *e, const struct pbpf_insn *in, uint32_t *next_idx)
{
    uint32_t target = (uint32_t)((int64_t)e->insn_idx + 1 + in->imm);
    int sp = find_subprog(e, target);
    if (sp < 0)
        return verr(e, -EFAULT, "verifier bug. No program starts at insn %u", target);
    if (subprog_is_global(e, (uint32_t)sp))
        return check_global_call(e, (uint32_t)sp, next_idx);
    struct vframe *caller = cur_frame(e);
    int rc = push_frame(e, e->insn_idx, (uint32_t)sp);
    if (rc)
        return rc;
    struct vframe *callee = cur_frame(e);
    for (int i = 1; i <= 5; i++)
        callee->regs[i] = caller->regs[i];
    for (int i = 0; i <= 5; i++)
        mark_reg_not_init(&caller->regs[i]);
    *next_idx = target;
    return 0;
}

static int setup_callback_frame(struct venv *e, uint32_t fn, const struct call_meta *m,
                                uint32_t callsite)
{
    struct vframe *caller = cur_frame(e);
    struct vreg ctx;
    if (m->cb_ctx_reg >= 0)
        ctx = caller->regs[m->cb_ctx_reg];
    else
        mark_reg_not_init(&ctx);
    int rc = push_frame(e, callsite, (uint32_t)m->func_subprog);
    if (rc)
        return rc;
    struct vframe *cb = cur_frame(e);
    cb->in_callback = true;
    cb->cb_ret_min = 0;
    cb->cb_ret_max = 1;
    if (fn == H_LOOP) {
        /* long (*callback)(u64 index, void *ctx) */
        mark_reg_unknown(&cb->regs[1]);
        cb->regs[2] = ctx;
    } else if (fn == H_FOR_EACH_MAP_ELEM) {
        /* long (*callback)(map, key, value, ctx) */
        mark_reg_known(&cb->regs[1], 0);
        cb->regs[1].type = CONST_PTR_TO_MAP;
        cb->regs[1].map = m->map;
        mark_reg_known(&cb->regs[2], 0);
        cb->regs[2].type = PTR_TO_MAP_KEY;
        cb->regs[2].map = m->map;
        mark_reg_known(&cb->regs[3], 0);
        cb->regs[3].type = PTR_TO_MAP_VALUE;
        cb->regs[3].map = m->map;
        cb->regs[4] = ctx;
    } else {
        char hb[64];
        return verr(e, -EINVAL, "callbacks of %s#%u are not supported by pbpf",
                    hname(fn, hb, sizeof hb), fn);
    }
    memcpy(cb->cb_args, &cb->regs[1], sizeof cb->cb_args);
    e->cur->cb_unroll++;
    e->cb_entry[e->subprogs[m->func_subprog].start] = 1;
    return 0;
}

/* Linux's push_async_cb: a bpf_timer callback is verified as a program of
 * its own that starts at the callback with a fresh stack and (map, key,
 * value) in r1-r3, explored after the current path; it must return 0. */
static int push_async_callback(struct venv *e, const struct call_meta *m)
{
    uint32_t start = e->subprogs[m->func_subprog].start;
    struct vstate *st = push_stack(e, start, e->insn_idx);
    if (!st)
        return -ENOMEM;
    for (uint32_t f = 1; f <= st->curframe; f++) {
        frame_release(e, st->frame[f]);
        st->frame[f] = NULL;
    }
    st->curframe = 0;
    frame_release(e, st->frame[0]);
    struct vframe *cb = st->frame[0] = frame_alloc(e);
    if (!cb)
        return -ENOMEM;
    st->nrefs = 0;
    /* a path of its own: nothing before it feeds its values */
    st->nhist = 0;
    st->bt_root = true;
    st->hist_lost = false;
    st->bt_memo_pos = 0;
    st->active_lock_id = 0;
    st->active_lock_map = NULL;
    cb->callsite = -1;
    cb->subprog = (uint32_t)m->func_subprog;
    cb->frameno = 0;
    for (int i = 0; i < 11; i++)
        mark_reg_not_init(&cb->regs[i]);
    mark_reg_known(&cb->regs[10], 0);
    cb->regs[10].type = PTR_TO_STACK;
    cb->regs[10].frameno = 0;
    /* int (*callback)(void *map, void *key, void *value) */
    mark_reg_known(&cb->regs[1], 0);
    cb->regs[1].type = CONST_PTR_TO_MAP;
    cb->regs[1].map = m->map;
    mark_reg_known(&cb->regs[2], 0);
    cb->regs[2].type = PTR_TO_MAP_KEY;
    cb->regs[2].map = m->map;
    mark_reg_known(&cb->regs[3], 0);
    cb->regs[3].type = PTR_TO_MAP_VALUE;
    cb->regs[3].map = m->map;
    cb->in_callback = true;
    cb->cb_ret_min = 0;
    cb->cb_ret_max = 0;
    memcpy(cb->cb_args, &cb->regs[1], sizeof cb->cb_args);
    e->cb_entry[start] = 1;
    return 0;
}

bool prog_ret_checked(uint32_t pt) { return is_cgroup_ret01(pt); }

static bool is_cgroup_ret01(uint32_t pt)
{
    switch (pt) {
    case PT_CGROUP_SKB:
    case PT_CGROUP_SOCK:
    case PT_CGROUP_SOCK_ADDR:
    case PT_CGROUP_DEVICE:
    case PT_CGROUP_SYSCTL:
    case PT_CGROUP_SOCKOPT:
    case PT_SK_LOOKUP:
        return true;
    default:
        return false;
    }
}

static int check_return_range(struct venv *e, const struct vreg *r0, const char *where,
                              int64_t lo, int64_t hi)
{
    if (r0->type != SCALAR_VALUE)
        return verr(e, -EINVAL, "At %s the register R0 is not a known value (%s)", where,
                    vtype_str(r0->type));
    if (r0->smin >= lo && r0->smax <= hi)
        return 0;
    if (r0->smin == INT64_MIN && r0->smax == INT64_MAX && tnum_is_unknown(r0->var_off))
        return verr(e, -EINVAL,
                    "At %s the register R0 has unknown scalar value should have been in [%lld, %lld]",
                    where, (long long)lo, (long long)hi);
    return verr(e, -EINVAL, "At %s the register R0 has smin=%lld smax=%lld should have been in [%lld, %lld]",
                where, (long long)r0->smin, (long long)r0->smax, (long long)lo, (long long)hi);
}

int check_exit(struct venv *e, bool *path_done, uint32_t *next_idx)
{
    struct vstate *st = e->cur;
    struct vframe *f = cur_frame(e);
    struct vreg *r0 = &f->regs[0];
    if (st->active_lock_id)
        return verr(e, -EINVAL, "BPF_EXIT instruction in %s cannot be used inside bpf_spin_lock-ed region",
                    st->curframe ? "subprog" : "main prog");
    /* A subprogram may return nothing (a void function): the caller's r0
     * is then uninitialised, and only reading it is an error.  The main
     * program and callbacks must return a value (Linux: check_return_code
     * runs only at the main exit, prepare_func_exit checks callbacks). */
    if (r0->type == NOT_INIT && !st->curframe)
        return verr(e, -EACCES, "R0 !read_ok");
    if (r0->type == NOT_INIT && f->in_callback)
        return verr(e, -EACCES, "R0 not a scalar value");
    if (st->curframe) {
        /* return to the caller */
        if (VT_BASE(r0->type) == PTR_TO_STACK && r0->frameno == st->curframe)
            return verr(e, -EINVAL, "cannot return stack pointer to the caller");
        uint32_t callsite = (uint32_t)f->callsite;
        struct vframe *caller = st->frame[st->curframe - 1];
        if (f->in_callback) {
            /* the range check needs r0 precise (Linux's prepare_func_exit) */
            int rc = mark_precise(e, 1);
            if (rc)
                return rc;
            rc = check_return_range(e, r0, "callback return", f->cb_ret_min, f->cb_ret_max);
            if (rc)
                return rc;
            /* the helper may call the callback again: re-enter it with
             * the caller's state as the callback left it */
            /* for the backtracking: the callee's frame ends here, and
             * the next call (again) starts it anew */
            if (st->nhist)
                st->hist[st->nhist - 1].flags |= H_CBEXIT;
            struct vreg args[5];
            memcpy(args, f->cb_args, sizeof args);
            uint32_t sp = f->subprog;
            st->curframe--;
            /* the next call sees the caller's frame as the call left it
             * (as Linux, which re-examines the call instruction) */
            struct vstate *again = push_stack(e, e->subprogs[sp].start, e->insn_idx);
            if (!again)
                return -ENOMEM;
            for (int i = 0; i <= 5; i++)
                mark_reg_not_init(&caller->regs[i]);
            mark_reg_unknown(&caller->regs[0]);
            again->cb_unroll++;
            widen_callback_scalars(again, e->subprogs[sp].start);
            e->cur = again;
            rc = push_frame(e, callsite, sp);
            if (!rc) {
                struct vframe *cb = cur_frame(e);
                cb->in_callback = true;
                cb->cb_ret_min = 0;
                cb->cb_ret_max = 1;
                memcpy(cb->cb_args, args, sizeof args);
                memcpy(&cb->regs[1], args, sizeof args);
            }
            e->cur = st;
            if (rc)
                return rc;
            *next_idx = callsite + 1;
            return 0;
        }
        caller->regs[0] = *r0;
        for (int i = 1; i <= 5; i++)
            mark_reg_not_init(&caller->regs[i]);
        st->curframe--;
        *next_idx = callsite + 1;
        return 0;
    }
    if (st->nrefs)
        return verr(e, -EINVAL, "Unreleased reference id=%u alloc_insn=%u", st->refs[0].id,
                    st->refs[0].insn);
    /* Linux's check_return_code tests for a leaked pointer first, before
     * any check of the program type's return range */
    if (e->unpriv && r0->type != SCALAR_VALUE)
        return verr(e, -EACCES, "R0 leaks addr as return value");
    if (f->subprog && !f->in_callback) {
        /* a global function's exit (Linux's check_return_code for a
         * subprogram): the caller gets an unknown scalar */
        if (r0->type != SCALAR_VALUE)
            return verr(e, -EINVAL, "At subprogram exit the register R0 is not a scalar value (%s)",
                        vtype_str(r0->type));
    } else if (f->in_callback) {
        /* a bpf_timer callback's exit (push_async_callback) */
        int rc = mark_precise(e, 1);
        if (rc)
            return rc;
        rc = check_return_range(e, r0, "async callback return", f->cb_ret_min, f->cb_ret_max);
        if (rc)
            return rc;
    } else if (is_cgroup_ret01(e->prog_type)) {
        /* Linux's check_return_code marks r0 precise */
        int rc = mark_precise(e, 1);
        if (rc)
            return rc;
        rc = check_return_range(e, r0, "program exit", 0, 1);
        if (rc)
            return rc;
    }
    *path_done = true;
    return 0;
}
