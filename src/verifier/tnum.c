/* Tracked-number arithmetic: each operation returns a tnum holding every
 * result the operation can give on values the inputs hold. */
#include "verifier/tnum.h"

struct tnum tnum_range(uint64_t min, uint64_t max)
{
    uint64_t chi = min ^ max;
    if (!chi)
        return tnum_const(min);
    unsigned bits = 64 - (unsigned)__builtin_clzll(chi);
    if (bits > 63)
        return tnum_unknown;
    uint64_t delta = (1ull << bits) - 1;
    return TNUM(min & ~delta, delta);
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
    uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
    uint64_t sigma = sm + sv, chi = sigma ^ sv;
    uint64_t mu = chi | a.mask | b.mask;
    return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
    uint64_t dv = a.value - b.value;
    uint64_t alpha = dv + a.mask, beta = dv - b.mask;
    uint64_t chi = alpha ^ beta;
    uint64_t mu = chi | a.mask | b.mask;
    return TNUM(dv & ~mu, mu);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
    uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
    uint64_t v = a.value & b.value;
    return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
    uint64_t v = a.value | b.value, mu = a.mask | b.mask;
    return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
    uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;
    return TNUM(v & ~mu, mu);
}

/* Shift-and-add over the bits of a: known one bits add b, unknown bits
 * add b's possible values as unknown. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
    struct tnum acc_v = tnum_const(a.value * b.value);
    struct tnum acc_m = tnum_const(0);
    while (a.value || a.mask) {
        if (a.value & 1)
            acc_m = tnum_add(acc_m, TNUM(0, b.mask));
        else if (a.mask & 1)
            acc_m = tnum_add(acc_m, TNUM(0, b.value | b.mask));
        a = tnum_rshift(a, 1);
        b = tnum_lshift(b, 1);
    }
    return tnum_add(acc_v, acc_m);
}

struct tnum tnum_lshift(struct tnum a, unsigned shift)
{
    shift &= 63;
    return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, unsigned shift)
{
    shift &= 63;
    return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned bits)
{
    if (bits == 32) {
        shift &= 31;
        return TNUM((uint32_t)((int32_t)(uint32_t)a.value >> shift),
                    (uint32_t)((int32_t)(uint32_t)a.mask >> shift));
    }
    shift &= 63;
    return TNUM((uint64_t)((int64_t)a.value >> shift), (uint64_t)((int64_t)a.mask >> shift));
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
    uint64_t v = a.value | b.value, mu = a.mask & b.mask;
    return TNUM(v & ~mu, mu);
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
    uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
    return TNUM(a.value & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, unsigned size)
{
    if (size >= 8)
        return a;
    uint64_t keep = (1ull << (size * 8)) - 1;
    return TNUM(a.value & keep, a.mask & keep);
}
