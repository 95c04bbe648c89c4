/* A length-prefixed record parser: the input is a chain of records
 * [type u8][len u8][len value bytes]; each pass walks it, mixes every
 * record's type and length in, and reads the 32-bit value of type-1
 * records.  Every access is bounds-checked against the end, as a packet
 * parser must.  16 passes; at most 128 records each (so that the verifier
 * sees a bounded loop). */
#include "bench_prog.h"

BENCH_PROG(parse)
{
    u64 acc = 0;
    for (u32 r = 0; r < 16; r++) {
        const u8 *q = p;
        for (u32 n = 0; n < 128; n++) {
            if (q + 2 > end)
                break;
            u32 type = q[0];
            u32 len = q[1];
            const u8 *next = q + 2 + len;
            if (next > end)
                break;
            acc = acc * 31 + (type << 8 | len);
            if (type == 1 && q + 6 <= end)
                acc ^= BENCH_LOAD32(q + 2);
            q = next;
        }
    }
    return BENCH_FOLD(acc);
}
