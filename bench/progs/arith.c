/* Register arithmetic only: 50,000 rounds of xorshift64 (Marsaglia 13/7/17)
 * seeded from the first input bytes. */
#include "bench_prog.h"

BENCH_PROG(arith)
{
    if (p + 8 > end)
        return 0;
    u64 x = BENCH_LOAD64(p) | 1;
    for (u32 i = 0; i < 50000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return BENCH_FOLD(x);
}
