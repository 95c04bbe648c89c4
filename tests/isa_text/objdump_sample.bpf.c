/* Compiled with clang -target bpf -mcpu=v3 and disassembled with
 * llvm-objdump: a sample of every instruction kind clang emits, to compare
 * pbpf's llvm-style disassembly and assembler with llvm's own text. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long s64;
typedef int s32;

static long (*helper_lookup)(void *map, const void *key) = (void *)1;
static u64 (*helper_ktime)(void) = (void *)5;

u64 global_counter;

static __attribute__((noinline)) u64 mix(u64 a, u64 b)
{
    return (a ^ (b << 7)) * 0x9e3779b97f4a7c15ull + (a >> 3);
}

static __attribute__((noinline)) u32 mix32(u32 a, u32 b)
{
    u32 r = a * 31 + b;
    r ^= r >> 13;
    r = r / (b | 1) + r % 7;
    return r - (a & 0xff) + (b | 0x100) - (s32)a / 1;
}

int sample(u64 *p, u32 *q, s64 x, s32 y)
{
    u16 *h = (u16 *)(p + 16);
    u8 *c = (u8 *)(q + 48);
    u64 acc = 0x1122334455667788ull;
    __sync_fetch_and_add(p, 5);
    __sync_fetch_and_add(q, 7);
    acc += __sync_fetch_and_add(p + 1, x);
    acc += __sync_fetch_and_add(q + 1, (u32)y);
    acc += __sync_lock_test_and_set(p + 2, 9);
    acc += __sync_lock_test_and_set(q + 2, 3);
    acc += __sync_val_compare_and_swap(p + 3, 1, x);
    acc += __sync_val_compare_and_swap(q + 3, 2, (u32)y);
    __sync_fetch_and_or(p, 2);
    __sync_fetch_and_and(p, 0xff);
    __sync_fetch_and_xor(p, 0x10);
    acc += __sync_fetch_and_or(p + 4, x);
    acc += __sync_fetch_and_and(q + 4, (u32)y);
    acc += __sync_fetch_and_xor(p + 5, x);
    if (*q != 3)
        acc += mix(*q, acc);
    if (y > -5)
        acc -= 1;
    if ((u32)y < 1000u)
        acc += mix32((u32)acc, (u32)y);
    if (x >= 0x7fffffff)
        acc <<= 3;
    if ((s32)acc <= y)
        acc = -acc;
    q[-2] = (u32)x;
    p[1] = 3;
    h[2] = (u16)acc;
    c[3] = (u8)y;
    *(volatile u32 *)(q + 6) = 0x12345;
    *(volatile u16 *)(h + 6) = 0x1234;
    *(volatile u8 *)(c + 6) = 0x12;
    acc += h[4] + c[5] + (u64)q[7];
    acc = acc / (u64)x + acc % (u64)(x | 1);
    acc = __builtin_bswap64(acc) + __builtin_bswap32((u32)acc) + __builtin_bswap16((u16)acc);
    acc = (s64)acc >> (y & 63);
    acc = acc >> (x & 63);
    acc += (s64)(s32)acc;
    acc += helper_lookup(p, q);
    acc += helper_ktime();
    global_counter += acc;
    for (int i = 0; i < (int)(x & 7); i++)
        acc = mix(acc, (u64)i);
    return (int)(acc ^ (acc >> 32));
}
