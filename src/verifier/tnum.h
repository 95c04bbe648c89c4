/* Tracked numbers: a 64-bit value of which some bits are known.  A bit set
 * in mask is unknown; value holds the known bits (value & mask == 0).  The
 * same domain as Linux's kernel/bpf/tnum.c, written from its definition. */
#ifndef PBPF_VERIFIER_TNUM_H
#define PBPF_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
    uint64_t value, mask;
};

#define TNUM(v, m) ((struct tnum){(v), (m)})
static const struct tnum tnum_unknown = {0, UINT64_MAX};

static inline struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }
static inline bool tnum_is_const(struct tnum a) { return !a.mask; }
static inline bool tnum_is_unknown(struct tnum a) { return a.mask == UINT64_MAX; }
static inline bool tnum_equals_const(struct tnum a, uint64_t v)
{
    return tnum_is_const(a) && a.value == v;
}
/* every value b may hold, a may hold too */
static inline bool tnum_in(struct tnum a, struct tnum b)
{
    if (b.mask & ~a.mask)
        return false;
    return a.value == (b.value & ~a.mask);
}
static inline uint64_t tnum_umin(struct tnum a) { return a.value; }
static inline uint64_t tnum_umax(struct tnum a) { return a.value | a.mask; }

struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_lshift(struct tnum a, unsigned shift);
struct tnum tnum_rshift(struct tnum a, unsigned shift);
struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned bits);
struct tnum tnum_intersect(struct tnum a, struct tnum b);
struct tnum tnum_union(struct tnum a, struct tnum b);
/* the low `size` bytes, upper bits known zero */
struct tnum tnum_cast(struct tnum a, unsigned size);
static inline struct tnum tnum_subreg(struct tnum a) { return tnum_cast(a, 4); }
static inline struct tnum tnum_clear_subreg(struct tnum a)
{
    return tnum_lshift(tnum_rshift(a, 32), 32);
}
static inline struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
    return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}
static inline struct tnum tnum_const_subreg(struct tnum a, uint32_t v)
{
    return tnum_with_subreg(a, tnum_const(v));
}
static inline bool tnum_subreg_is_const(struct tnum a) { return !(uint32_t)a.mask; }

#endif
