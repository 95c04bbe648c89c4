/* Scalar value tracking: a scalar is a tnum plus unsigned and signed 64-
 * and 32-bit ranges, all describing the same set of values.  After every
 * change reg_bounds_sync() lets each view tighten the others, as Linux's
 * reg_bounds_sync() does (kernel/bpf/verifier.c). */
#include <string.h>

#include "verifier/vstate.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void bounds_unbounded(struct vreg *r)
{
    r->smin = INT64_MIN;
    r->smax = INT64_MAX;
    r->umin = 0;
    r->umax = UINT64_MAX;
    r->s32_min = INT32_MIN;
    r->s32_max = INT32_MAX;
    r->u32_min = 0;
    r->u32_max = UINT32_MAX;
}

void mark_reg_unknown(struct vreg *r)
{
    memset(r, 0, sizeof *r);
    r->type = SCALAR_VALUE;
    r->var_off = tnum_unknown;
    bounds_unbounded(r);
}

void mark_reg_known(struct vreg *r, uint64_t v)
{
    memset(r, 0, sizeof *r);
    r->type = SCALAR_VALUE;
    r->var_off = tnum_const(v);
    r->smin = r->smax = (int64_t)v;
    r->umin = r->umax = v;
    r->s32_min = r->s32_max = (int32_t)(uint32_t)v;
    r->u32_min = r->u32_max = (uint32_t)v;
}

void mark_reg_not_init(struct vreg *r)
{
    memset(r, 0, sizeof *r);
    r->type = NOT_INIT;
}

bool reg_is_const(const struct vreg *r)
{
    return r->type == SCALAR_VALUE && tnum_is_const(r->var_off);
}

bool reg_is_const32(const struct vreg *r)
{
    return r->type == SCALAR_VALUE && tnum_subreg_is_const(r->var_off);
}

static void update_reg32_bounds(struct vreg *r)
{
    struct tnum v = tnum_subreg(r->var_off);
    r->s32_min = MAX(r->s32_min, (int32_t)(uint32_t)(v.value | (v.mask & 0x80000000u)));
    r->s32_max = MIN(r->s32_max, (int32_t)(uint32_t)(v.value | (v.mask & 0x7fffffffu)));
    r->u32_min = MAX(r->u32_min, (uint32_t)v.value);
    r->u32_max = MIN(r->u32_max, (uint32_t)(v.value | v.mask));
}

static void update_reg64_bounds(struct vreg *r)
{
    struct tnum v = r->var_off;
    r->smin = MAX(r->smin, (int64_t)(v.value | (v.mask & (1ull << 63))));
    r->smax = MIN(r->smax, (int64_t)(v.value | (v.mask & ~(1ull << 63))));
    r->umin = MAX(r->umin, v.value);
    r->umax = MIN(r->umax, v.value | v.mask);
}

static void deduce_bounds32(struct vreg *r)
{
    /* a signed range that does not cross the sign boundary is also an
     * unsigned one, and the reverse */
    if (r->s32_min >= 0 || r->s32_max < 0) {
        uint32_t lo = MAX((uint32_t)r->s32_min, r->u32_min);
        uint32_t hi = MIN((uint32_t)r->s32_max, r->u32_max);
        r->s32_min = (int32_t)lo;
        r->u32_min = lo;
        r->s32_max = (int32_t)hi;
        r->u32_max = hi;
        return;
    }
    if ((int32_t)r->u32_max >= 0) {
        r->s32_min = (int32_t)r->u32_min;
        r->u32_max = MIN((uint32_t)r->s32_max, r->u32_max);
        r->s32_max = (int32_t)r->u32_max;
    } else if ((int32_t)r->u32_min < 0) {
        r->u32_min = MAX((uint32_t)r->s32_min, r->u32_min);
        r->s32_min = (int32_t)r->u32_min;
        r->s32_max = (int32_t)r->u32_max;
    }
}

static void deduce_bounds64(struct vreg *r)
{
    if (r->smin >= 0 || r->smax < 0) {
        uint64_t lo = MAX((uint64_t)r->smin, r->umin);
        uint64_t hi = MIN((uint64_t)r->smax, r->umax);
        r->smin = (int64_t)lo;
        r->umin = lo;
        r->smax = (int64_t)hi;
        r->umax = hi;
        return;
    }
    if ((int64_t)r->umax >= 0) {
        r->smin = (int64_t)r->umin;
        r->umax = MIN((uint64_t)r->smax, r->umax);
        r->smax = (int64_t)r->umax;
    } else if ((int64_t)r->umin < 0) {
        r->umin = MAX((uint64_t)r->smin, r->umin);
        r->smin = (int64_t)r->umin;
        r->smax = (int64_t)r->umax;
    }
}

/* The 64-bit range tells the low half's range when the upper 32 bits are
 * the same at both ends; a known upper half turns the 32-bit range into a
 * 64-bit one. */
static void deduce_cross(struct vreg *r)
{
    if ((r->umin >> 32) == (r->umax >> 32)) {
        r->u32_min = MAX(r->u32_min, (uint32_t)r->umin);
        r->u32_max = MIN(r->u32_max, (uint32_t)r->umax);
        if ((int32_t)(uint32_t)r->umin <= (int32_t)(uint32_t)r->umax) {
            r->s32_min = MAX(r->s32_min, (int32_t)(uint32_t)r->umin);
            r->s32_max = MIN(r->s32_max, (int32_t)(uint32_t)r->umax);
        }
    }
    if (((uint64_t)r->smin >> 32) == ((uint64_t)r->smax >> 32)) {
        if ((uint32_t)r->smin <= (uint32_t)r->smax) {
            r->u32_min = MAX(r->u32_min, (uint32_t)r->smin);
            r->u32_max = MIN(r->u32_max, (uint32_t)r->smax);
        }
        if ((int32_t)(uint32_t)r->smin <= (int32_t)(uint32_t)r->smax) {
            r->s32_min = MAX(r->s32_min, (int32_t)(uint32_t)r->smin);
            r->s32_max = MIN(r->s32_max, (int32_t)(uint32_t)r->smax);
        }
    }
    if (!(r->var_off.mask >> 32)) {
        uint64_t hi = r->var_off.value & 0xffffffff00000000ull;
        r->umin = MAX(r->umin, hi | r->u32_min);
        r->umax = MIN(r->umax, hi | r->u32_max);
        /* with a known upper half, the signed 64-bit range follows
         * from the unsigned one when that one does not cross the sign */
        if ((int64_t)r->umin <= (int64_t)r->umax) {
            r->smin = MAX(r->smin, (int64_t)r->umin);
            r->smax = MIN(r->smax, (int64_t)r->umax);
        }
    }
}

static void bound_offset(struct vreg *r)
{
    struct tnum v64 = tnum_intersect(r->var_off, tnum_range(r->umin, r->umax));
    struct tnum v32 =
        tnum_intersect(tnum_subreg(r->var_off), tnum_range(r->u32_min, r->u32_max));
    r->var_off = tnum_or(tnum_clear_subreg(v64), v32);
}

void reg_bounds_sync(struct vreg *r)
{
    update_reg32_bounds(r);
    update_reg64_bounds(r);
    deduce_bounds32(r);
    deduce_bounds64(r);
    deduce_cross(r);
    deduce_bounds32(r);
    deduce_bounds64(r);
    bound_offset(r);
    update_reg32_bounds(r);
    update_reg64_bounds(r);
}

void reg_bounds_from_var_off(struct vreg *r)
{
    bounds_unbounded(r);
    reg_bounds_sync(r);
}

void zext_32_to_64(struct vreg *r)
{
    r->var_off = tnum_subreg(r->var_off);
    r->umin = r->u32_min;
    r->umax = r->u32_max;
    r->smin = r->u32_min;
    r->smax = r->u32_max;
    reg_bounds_sync(r);
}

void coerce_reg_to_size(struct vreg *r, unsigned size)
{
    if (size >= 8)
        return;
    /* a narrowed value is no longer the one its linked copies hold */
    r->id = 0;
    r->var_off = tnum_cast(r->var_off, size);
    uint64_t mask = (1ull << (size * 8)) - 1;
    if ((r->umin & ~mask) == (r->umax & ~mask)) {
        r->umin &= mask;
        r->umax &= mask;
    } else {
        r->umin = 0;
        r->umax = mask;
    }
    r->smin = (int64_t)r->umin;
    r->smax = (int64_t)r->umax;
    r->u32_min = 0;
    r->u32_max = UINT32_MAX;
    r->s32_min = INT32_MIN;
    r->s32_max = INT32_MAX;
    if (size < 4) {
        r->u32_min = (uint32_t)r->umin;
        r->u32_max = (uint32_t)r->umax;
    }
    reg_bounds_sync(r);
}

/* sign extension of the low `size` bytes (movsx, ldsx) */
void coerce_reg_to_size_sx(struct vreg *r, unsigned size)
{
    r->id = 0; /* as coerce_reg_to_size */
    unsigned bits = size * 8;
    if (tnum_is_const(r->var_off)) {
        int64_t v = (int64_t)(r->var_off.value << (64 - bits)) >> (64 - bits);
        mark_reg_known(r, (uint64_t)v);
        return;
    }
    int64_t lo = -(1ll << (bits - 1)), hi = (1ll << (bits - 1)) - 1;
    uint64_t m = (1ull << bits) - 1;
    /* a range inside the positive half keeps its value */
    if (r->umax <= (uint64_t)hi && (r->umin & ~m) == 0) {
        uint64_t umin = r->umin, umax = r->umax;
        mark_reg_unknown(r);
        r->umin = umin;
        r->umax = umax;
        r->smin = (int64_t)umin;
        r->smax = (int64_t)umax;
    } else {
        mark_reg_unknown(r);
        r->smin = lo;
        r->smax = hi;
    }
    reg_bounds_sync(r);
}

/* ---- ALU on scalars ---- */

/* ---- arithmetic on the ranges, one routine for both widths ----
 *
 * An ALU op computes the ranges of its own width: the 64-bit ones
 * (smin..umax) for ALU64, the 32-bit ones (s32_min..u32_max) for ALU.  A
 * span is either set, widened to 64 bits (the signed bounds sign-extended,
 * the unsigned ones zero-extended), so that the same code serves both;
 * the limits of the width decide what overflows. */
struct span {
    int64_t smin, smax;
    uint64_t umin, umax;
};

static int64_t w_smin(bool w32) { return w32 ? INT32_MIN : INT64_MIN; }
static int64_t w_smax(bool w32) { return w32 ? INT32_MAX : INT64_MAX; }
static uint64_t w_umax(bool w32) { return w32 ? UINT32_MAX : UINT64_MAX; }

static struct span span_get(const struct vreg *r, bool w32)
{
    struct span v;
    if (w32) {
        v.smin = r->s32_min;
        v.smax = r->s32_max;
        v.umin = r->u32_min;
        v.umax = r->u32_max;
    } else {
        v.smin = r->smin;
        v.smax = r->smax;
        v.umin = r->umin;
        v.umax = r->umax;
    }
    return v;
}

/* v's bounds are within the width's limits */
static void span_put(struct vreg *r, bool w32, struct span v)
{
    if (w32) {
        r->s32_min = (int32_t)v.smin;
        r->s32_max = (int32_t)v.smax;
        r->u32_min = (uint32_t)v.umin;
        r->u32_max = (uint32_t)v.umax;
    } else {
        r->smin = v.smin;
        r->smax = v.smax;
        r->umin = v.umin;
        r->umax = v.umax;
    }
}

static void span_signed_unbounded(struct span *v, bool w32)
{
    v->smin = w_smin(w32);
    v->smax = w_smax(w32);
}

static void span_unsigned_unbounded(struct span *v, bool w32)
{
    v->umin = 0;
    v->umax = w_umax(w32);
}

/* a + b in the width's signed range (32-bit operands never overflow the
 * 64-bit sum, so the range test catches their overflow) */
static bool s_add_overflows(int64_t a, int64_t b, bool w32, int64_t *r)
{
    return __builtin_add_overflow(a, b, r) || *r < w_smin(w32) || *r > w_smax(w32);
}

static bool s_sub_overflows(int64_t a, int64_t b, bool w32, int64_t *r)
{
    return __builtin_sub_overflow(a, b, r) || *r < w_smin(w32) || *r > w_smax(w32);
}

static void set_unbounded(struct vreg *d, bool alu32)
{
    struct span v;
    span_signed_unbounded(&v, alu32);
    span_unsigned_unbounded(&v, alu32);
    span_put(d, alu32, v);
}

void bounds_add(struct vreg *d, const struct vreg *s, bool w32)
{
    struct span a = span_get(d, w32), b = span_get(s, w32), r;
    if (s_add_overflows(a.smin, b.smin, w32, &r.smin) ||
        s_add_overflows(a.smax, b.smax, w32, &r.smax))
        span_signed_unbounded(&r, w32);
    r.umin = a.umin + b.umin;
    r.umax = a.umax + b.umax;
    /* the sums wrapped (64-bit) or left the width (32-bit) */
    if (r.umin < a.umin || r.umax < a.umax || r.umin > w_umax(w32) || r.umax > w_umax(w32))
        span_unsigned_unbounded(&r, w32);
    span_put(d, w32, r);
}

void bounds_sub(struct vreg *d, const struct vreg *s, bool w32)
{
    struct span a = span_get(d, w32), b = span_get(s, w32), r;
    if (s_sub_overflows(a.smin, b.smax, w32, &r.smin) ||
        s_sub_overflows(a.smax, b.smin, w32, &r.smax))
        span_signed_unbounded(&r, w32);
    if (a.umin < b.umax) {
        span_unsigned_unbounded(&r, w32);
    } else {
        r.umin = a.umin - b.umax;
        r.umax = a.umax - b.umin;
    }
    span_put(d, w32, r);
}

static void alu_mul(struct vreg *d, const struct vreg *s, bool w32)
{
    struct span a = span_get(d, w32), b = span_get(s, w32), r;
    uint64_t hi;
    if (a.smin < 0 || b.smin < 0 || __builtin_mul_overflow(a.umax, b.umax, &hi) ||
        hi > w_umax(w32)) {
        set_unbounded(d, w32);
        return;
    }
    r.umin = a.umin * b.umin;
    r.umax = hi;
    if (r.umax > (uint64_t)w_smax(w32)) {
        span_signed_unbounded(&r, w32);
    } else {
        r.smin = (int64_t)r.umin;
        r.smax = (int64_t)r.umax;
    }
    span_put(d, w32, r);
}

/* and/or/xor: the unsigned range follows from the result's tnum and from
 * the operands; the signed one only when both are non-negative. */
static void alu_bitwise(struct vreg *d, const struct vreg *s, uint8_t op, bool w32)
{
    struct span a = span_get(d, w32), b = span_get(s, w32), r;
    struct tnum v = w32 ? tnum_subreg(d->var_off) : d->var_off;
    bool nonneg = a.smin >= 0 && b.smin >= 0;
    r.umin = v.value;
    r.umax = v.value | v.mask;
    if (op == PBPF_ALU_AND)
        r.umax = MIN(r.umax, MIN(a.umax, b.umax));
    else if (op == PBPF_ALU_OR)
        r.umin = MAX(r.umin, MAX(a.umin, b.umin));
    if (nonneg && r.umax <= (uint64_t)w_smax(w32)) {
        r.smin = (int64_t)r.umin;
        r.smax = (int64_t)r.umax;
    } else {
        span_signed_unbounded(&r, w32);
    }
    span_put(d, w32, r);
}

static void alu_lsh(struct vreg *d, unsigned sh, bool w32)
{
    struct span r = span_get(d, w32);
    if (r.umax > (w_umax(w32) >> sh)) {
        span_unsigned_unbounded(&r, w32);
    } else {
        r.umin <<= sh;
        r.umax <<= sh;
    }
    span_signed_unbounded(&r, w32);
    span_put(d, w32, r);
}

static void alu_rsh(struct vreg *d, unsigned sh, bool w32)
{
    struct span r = span_get(d, w32);
    r.umin >>= sh;
    r.umax >>= sh;
    span_signed_unbounded(&r, w32);
    span_put(d, w32, r);
}

static void alu_arsh(struct vreg *d, unsigned sh, bool w32)
{
    /* the sign-extended 32-bit bounds shift as the 32-bit values do */
    struct span r = span_get(d, w32);
    r.smin >>= sh;
    r.smax >>= sh;
    span_unsigned_unbounded(&r, w32);
    span_put(d, w32, r);
}

/* Exact result of an operation on two constants, as the interpreter
 * computes it (shifts: by less than the width; no div or mod, whose
 * results Linux does not compute). */
static uint64_t const_op(uint8_t op, bool alu32, uint64_t a, uint64_t b)
{
    if (alu32) {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        switch (op) {
        case PBPF_ALU_ADD: return (uint32_t)(x + y);
        case PBPF_ALU_SUB: return (uint32_t)(x - y);
        case PBPF_ALU_MUL: return (uint32_t)(x * y);
        case PBPF_ALU_OR: return x | y;
        case PBPF_ALU_AND: return x & y;
        case PBPF_ALU_XOR: return x ^ y;
        case PBPF_ALU_LSH: return (uint32_t)(x << (y & 31));
        case PBPF_ALU_RSH: return x >> (y & 31);
        case PBPF_ALU_ARSH: return (uint32_t)((int32_t)x >> (y & 31));
        default: return 0;
        }
    }
    switch (op) {
    case PBPF_ALU_ADD: return a + b;
    case PBPF_ALU_SUB: return a - b;
    case PBPF_ALU_MUL: return a * b;
    case PBPF_ALU_OR: return a | b;
    case PBPF_ALU_AND: return a & b;
    case PBPF_ALU_XOR: return a ^ b;
    case PBPF_ALU_LSH: return a << (b & 63);
    case PBPF_ALU_RSH: return a >> (b & 63);
    case PBPF_ALU_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
    default: return 0;
    }
}

/* dst = dst OP src on scalars (Linux's adjust_scalar_min_max_vals).  The
 * caller handled mov, neg and end and checked the shift immediates. */
int scalar_alu(uint8_t op, bool alu32, struct vreg *d, const struct vreg *s)
{
    /* a new value: no longer linked to the copies of the old one (Linux
     * clears the id after scalar ALU ops for the same reason) */
    d->id = 0;
    unsigned bits = alu32 ? 32 : 64;
    bool s_const = alu32 ? tnum_subreg_is_const(s->var_off) : tnum_is_const(s->var_off);
    bool d_const = alu32 ? tnum_subreg_is_const(d->var_off) : tnum_is_const(d->var_off);
    uint64_t sv = alu32 ? (uint32_t)s->var_off.value : s->var_off.value;
    /* Linux computes no result for div and mod, nor for a shift by an
     * unknown or oversized amount, even of constants
     * (is_safe_to_compute_dst_reg_range; the amount is compared in all 64
     * bits, for 32-bit shifts too): the whole register becomes unknown,
     * its upper half too after a 32-bit op, as adjust_scalar_min_max_vals
     * returns before its zero extension.  A constant result here would
     * let pbpf prune branches Linux walks. */
    bool shift = op == PBPF_ALU_LSH || op == PBPF_ALU_RSH || op == PBPF_ALU_ARSH;
    if (op == PBPF_ALU_DIV || op == PBPF_ALU_MOD || (shift && !(s_const && s->umax < bits))) {
        mark_reg_unknown(d);
        return 0;
    }
    if (s_const && d_const) {
        uint64_t v = const_op(op, alu32, d->var_off.value, s->var_off.value);
        mark_reg_known(d, alu32 ? (uint32_t)v : v);
        return 0;
    }
    struct tnum a = alu32 ? tnum_subreg(d->var_off) : d->var_off;
    struct tnum b = alu32 ? tnum_subreg(s->var_off) : s->var_off;
    struct tnum r;
    switch (op) {
    case PBPF_ALU_ADD: r = tnum_add(a, b); break;
    case PBPF_ALU_SUB: r = tnum_sub(a, b); break;
    case PBPF_ALU_MUL: r = tnum_mul(a, b); break;
    case PBPF_ALU_AND: r = tnum_and(a, b); break;
    case PBPF_ALU_OR: r = tnum_or(a, b); break;
    case PBPF_ALU_XOR: r = tnum_xor(a, b); break;
    case PBPF_ALU_LSH: r = tnum_lshift(a, (unsigned)sv); break;
    case PBPF_ALU_RSH: r = tnum_rshift(a, (unsigned)sv); break;
    default: r = tnum_arshift(a, (unsigned)sv, bits); break;
    }
    if (alu32)
        r = tnum_subreg(r);
    /* the ranges of the width that is not computed become unknown */
    struct vreg old = *d;
    d->var_off = r;
    switch (op) {
    case PBPF_ALU_ADD: bounds_add(d, s, alu32); break;
    case PBPF_ALU_SUB: bounds_sub(d, s, alu32); break;
    case PBPF_ALU_MUL: alu_mul(d, s, alu32); break;
    case PBPF_ALU_AND:
    case PBPF_ALU_OR:
    case PBPF_ALU_XOR: alu_bitwise(d, s, op, alu32); break;
    case PBPF_ALU_LSH: alu_lsh(d, (unsigned)sv, alu32); break;
    case PBPF_ALU_RSH: alu_rsh(d, (unsigned)sv, alu32); break;
    default: alu_arsh(d, (unsigned)sv, alu32); break;
    }
    if (alu32) {
        /* zero-extended: the 64-bit views are the 32-bit unsigned range */
        d->umin = d->u32_min;
        d->umax = d->u32_max;
        d->smin = d->u32_min;
        d->smax = d->u32_max;
    } else {
        /* the 32-bit view of a 64-bit op: only what the tnum says, plus
         * add/sub on the low halves, which do not depend on carries in */
        struct vreg lo = old;
        set_unbounded(d, true);
        if (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB) {
            if (op == PBPF_ALU_ADD)
                bounds_add(&lo, s, true);
            else
                bounds_sub(&lo, s, true);
            d->u32_min = lo.u32_min;
            d->u32_max = lo.u32_max;
            d->s32_min = lo.s32_min;
            d->s32_max = lo.s32_max;
        }
    }
    reg_bounds_sync(d);
    return 0;
}

/* ---- branches ---- */

static void reg_views(const struct vreg *r, bool is32, uint64_t *umin, uint64_t *umax,
                      int64_t *smin, int64_t *smax, struct tnum *t)
{
    if (is32) {
        *umin = r->u32_min;
        *umax = r->u32_max;
        *smin = r->s32_min;
        *smax = r->s32_max;
        *t = tnum_subreg(r->var_off);
    } else {
        *umin = r->umin;
        *umax = r->umax;
        *smin = r->smin;
        *smax = r->smax;
        *t = r->var_off;
    }
}

/* 1: a OP b always holds, 0: never, -1: unknown (scalars). */
int branch_taken(const struct vreg *a, const struct vreg *b, uint8_t op, bool is32)
{
    uint64_t au, aU, bu, bU;
    int64_t as, aS, bs, bS;
    struct tnum at, bt;
    reg_views(a, is32, &au, &aU, &as, &aS, &at);
    reg_views(b, is32, &bu, &bU, &bs, &bS, &bt);
    switch (op) {
    case PBPF_JMP_JEQ:
    case PBPF_JMP_JNE: {
        int eq = -1;
        if (tnum_is_const(at) && tnum_is_const(bt))
            eq = at.value == bt.value;
        else if (au > bU || aU < bu || as > bS || aS < bs)
            eq = 0;
        else if ((at.value ^ bt.value) & ~(at.mask | bt.mask))
            eq = 0;
        if (eq < 0)
            return -1;
        return op == PBPF_JMP_JEQ ? eq : !eq;
    }
    case PBPF_JMP_JSET:
        if (at.value & bt.value)
            return 1;
        if (!((at.value | at.mask) & (bt.value | bt.mask)))
            return 0;
        return -1;
    case PBPF_JMP_JGT:
        return au > bU ? 1 : aU <= bu ? 0 : -1;
    case PBPF_JMP_JGE:
        return au >= bU ? 1 : aU < bu ? 0 : -1;
    case PBPF_JMP_JLT:
        return aU < bu ? 1 : au >= bU ? 0 : -1;
    case PBPF_JMP_JLE:
        return aU <= bu ? 1 : au > bU ? 0 : -1;
    case PBPF_JMP_JSGT:
        return as > bS ? 1 : aS <= bs ? 0 : -1;
    case PBPF_JMP_JSGE:
        return as >= bS ? 1 : aS < bs ? 0 : -1;
    case PBPF_JMP_JSLT:
        return aS < bs ? 1 : as >= bS ? 0 : -1;
    case PBPF_JMP_JSLE:
        return aS <= bs ? 1 : as > bS ? 0 : -1;
    }
    return -1;
}

#define JSET_FALSE 0xf0 /* internal: !(a & b) */

static uint8_t negate_op(uint8_t op)
{
    switch (op) {
    case PBPF_JMP_JEQ: return PBPF_JMP_JNE;
    case PBPF_JMP_JNE: return PBPF_JMP_JEQ;
    case PBPF_JMP_JGT: return PBPF_JMP_JLE;
    case PBPF_JMP_JLE: return PBPF_JMP_JGT;
    case PBPF_JMP_JGE: return PBPF_JMP_JLT;
    case PBPF_JMP_JLT: return PBPF_JMP_JGE;
    case PBPF_JMP_JSGT: return PBPF_JMP_JSLE;
    case PBPF_JMP_JSLE: return PBPF_JMP_JSGT;
    case PBPF_JMP_JSGE: return PBPF_JMP_JSLT;
    case PBPF_JMP_JSLT: return PBPF_JMP_JSGE;
    case PBPF_JMP_JSET: return JSET_FALSE;
    }
    return op;
}

static void set_views(struct vreg *r, bool is32, uint64_t umin, uint64_t umax, int64_t smin,
                      int64_t smax, struct tnum t)
{
    if (is32) {
        r->u32_min = (uint32_t)umin;
        r->u32_max = (uint32_t)umax;
        r->s32_min = (int32_t)smin;
        r->s32_max = (int32_t)smax;
        r->var_off = tnum_with_subreg(r->var_off, t);
    } else {
        r->umin = umin;
        r->umax = umax;
        r->smin = smin;
        r->smax = smax;
        r->var_off = t;
    }
}

/* Narrows a and b (scalars) to the values where `a OP b` holds.  Ranges
 * may end up empty (min > max): the caller then treats the branch as dead. */
static void refine(struct vreg *a, struct vreg *b, uint8_t op, bool is32)
{
    uint64_t au, aU, bu, bU;
    int64_t as, aS, bs, bS;
    struct tnum at, bt;
    reg_views(a, is32, &au, &aU, &as, &aS, &at);
    reg_views(b, is32, &bu, &bU, &bs, &bS, &bt);
    uint64_t umax_all = is32 ? UINT32_MAX : UINT64_MAX;
    int64_t smin_all = is32 ? INT32_MIN : INT64_MIN, smax_all = is32 ? INT32_MAX : INT64_MAX;
    switch (op) {
    case PBPF_JMP_JEQ: {
        uint64_t lo = MAX(au, bu), hi = MIN(aU, bU);
        int64_t slo = MAX(as, bs), shi = MIN(aS, bS);
        struct tnum t = tnum_intersect(at, bt);
        au = bu = lo;
        aU = bU = hi;
        as = bs = slo;
        aS = bS = shi;
        at = bt = t;
        break;
    }
    case PBPF_JMP_JNE:
        /* only a constant at one end of the other's range helps */
        if (tnum_is_const(bt)) {
            uint64_t v = bt.value;
            if (au == v && aU != v)
                au++;
            else if (aU == v && au != v)
                aU--;
            if (as == (is32 ? (int64_t)(int32_t)v : (int64_t)v) && as != aS)
                as++;
            else if (aS == (is32 ? (int64_t)(int32_t)v : (int64_t)v) && as != aS)
                aS--;
        }
        if (tnum_is_const(at)) {
            uint64_t v = at.value;
            if (bu == v && bU != v)
                bu++;
            else if (bU == v && bu != v)
                bU--;
            if (bs == (is32 ? (int64_t)(int32_t)v : (int64_t)v) && bs != bS)
                bs++;
            else if (bS == (is32 ? (int64_t)(int32_t)v : (int64_t)v) && bs != bS)
                bS--;
        }
        break;
    case PBPF_JMP_JSET:
        if (tnum_is_const(bt) && bt.value && !(bt.value & (bt.value - 1)))
            at = tnum_or(at, bt);
        break;
    case JSET_FALSE:
        if (tnum_is_const(bt))
            at = tnum_and(at, tnum_const(~bt.value & umax_all));
        break;
    case PBPF_JMP_JGT: /* a > b */
        if (bu == umax_all) {
            au = 1;
            aU = 0;
            break;
        }
        au = MAX(au, bu + 1);
        if (!aU) {
            bu = 1;
            bU = 0;
            break;
        }
        bU = MIN(bU, aU - 1);
        break;
    case PBPF_JMP_JGE:
        au = MAX(au, bu);
        bU = MIN(bU, aU);
        break;
    case PBPF_JMP_JLT: /* a < b */
        if (!bU) {
            au = 1;
            aU = 0;
            break;
        }
        aU = MIN(aU, bU - 1);
        if (au == umax_all) {
            bu = 1;
            bU = 0;
            break;
        }
        bu = MAX(bu, au + 1);
        break;
    case PBPF_JMP_JLE:
        aU = MIN(aU, bU);
        bu = MAX(bu, au);
        break;
    case PBPF_JMP_JSGT:
        if (bs == smax_all) {
            as = 1;
            aS = 0;
            break;
        }
        as = MAX(as, bs + 1);
        if (aS == smin_all) {
            bs = 1;
            bS = 0;
            break;
        }
        bS = MIN(bS, aS - 1);
        break;
    case PBPF_JMP_JSGE:
        as = MAX(as, bs);
        bS = MIN(bS, aS);
        break;
    case PBPF_JMP_JSLT:
        if (bS == smin_all) {
            as = 1;
            aS = 0;
            break;
        }
        aS = MIN(aS, bS - 1);
        if (as == smax_all) {
            bs = 1;
            bS = 0;
            break;
        }
        bs = MAX(bs, as + 1);
        break;
    case PBPF_JMP_JSLE:
        aS = MIN(aS, bS);
        bs = MAX(bs, as);
        break;
    }
    set_views(a, is32, au, aU, as, aS, at);
    set_views(b, is32, bu, bU, bs, bS, bt);
}

static bool reg_sane(const struct vreg *r)
{
    if (r->type != SCALAR_VALUE)
        return true;
    return r->umin <= r->umax && r->smin <= r->smax && r->u32_min <= r->u32_max &&
           r->s32_min <= r->s32_max && !(r->var_off.value & r->var_off.mask) &&
           tnum_umin(r->var_off) <= r->umax && tnum_umax(r->var_off) >= r->umin;
}

/* The true branch's registers (t1 OP t2) and the false branch's (f1, f2)
 * narrowed.  A register whose range becomes empty gets umin > umax, which
 * reg_is_impossible() reports. */
void reg_set_min_max(struct vreg *t1, struct vreg *t2, struct vreg *f1, struct vreg *f2,
                     uint8_t op, bool is32)
{
    if (t1->type != SCALAR_VALUE || t2->type != SCALAR_VALUE)
        return;
    bool dead_t = false, dead_f = false;
    refine(t1, t2, op, is32);
    refine(f1, f2, negate_op(op), is32);
    struct vreg *rs[4] = {t1, t2, f1, f2};
    for (int i = 0; i < 4; i++) {
        bool sane = reg_sane(rs[i]);
        if (sane) {
            reg_bounds_sync(rs[i]);
            sane = reg_sane(rs[i]);
        }
        if (!sane) {
            if (i < 2)
                dead_t = true;
            else
                dead_f = true;
        }
    }
    if (dead_t) {
        t1->umin = 1;
        t1->umax = 0;
    }
    if (dead_f) {
        f1->umin = 1;
        f1->umax = 0;
    }
}

/* the old range contains the current one (state pruning) */
bool reg_range_within(const struct vreg *old, const struct vreg *cur)
{
    return old->umin <= cur->umin && old->umax >= cur->umax && old->smin <= cur->smin &&
           old->smax >= cur->smax && old->u32_min <= cur->u32_min &&
           old->u32_max >= cur->u32_max && old->s32_min <= cur->s32_min &&
           old->s32_max >= cur->s32_max;
}
