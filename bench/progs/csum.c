/* The Internet checksum (RFC 1071: 16-bit ones' complement sum) of the
 * 1,500 input bytes, 16 times. */
#include "bench_prog.h"

BENCH_PROG(csum)
{
    if (p + BENCH_INPUT_LEN > end)
        return 0;
    u64 total = 0;
    for (u32 r = 0; r < 16; r++) {
        u64 sum = r; /* a different pass each time: nothing to share */
        for (u32 i = 0; i < BENCH_INPUT_LEN; i += 2)
            sum += BENCH_LOAD16(p + i);
        /* 750 16-bit words need at most two folds to fit 16 bits */
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        total = (total << 16 | total >> 48) ^ (~sum & 0xffff);
    }
    return BENCH_FOLD(total);
}
