/* bpf-to-bpf calls (RFC 9669 §4.3.1, src = 1): 16,384 calls of a small
 * function the compiler may not inline. */
#include "bench_prog.h"

static BENCH_NOINLINE u64 mix(u64 x, u64 i);

BENCH_PROG(calls)
{
    if (p + 8 > end)
        return 0;
    u64 x = BENCH_LOAD64(p);
    for (u32 i = 0; i < 16384; i++)
        x = mix(x, i);
    return BENCH_FOLD(x);
}

static BENCH_NOINLINE u64 mix(u64 x, u64 i)
{
    x ^= i;
    x *= 0x9e3779b97f4a7c15ull;
    return x ^ (x >> 29);
}
