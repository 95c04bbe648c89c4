/* FNV-1a (64-bit) over the 1,500 input bytes, 16 times in a chain: one load
 * and a multiply per byte. */
#include "bench_prog.h"

BENCH_PROG(fnv)
{
    if (p + BENCH_INPUT_LEN > end)
        return 0;
    u64 h = 0xcbf29ce484222325ull;
    for (u32 r = 0; r < 16; r++)
        for (u32 i = 0; i < BENCH_INPUT_LEN; i++) {
            h ^= p[i];
            h *= 0x100000001b3ull;
        }
    return BENCH_FOLD(h);
}
