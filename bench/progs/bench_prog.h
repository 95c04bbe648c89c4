/* One source, two targets: every benchmark program is compiled by clang
 * for eBPF (-target bpf) and by the host compiler into the bench runner, so
 * that both run exactly the same algorithm.
 *
 * A program is a function of the input bytes [p, end).  The runner gives
 * the eBPF build its start with a prologue: `r2 += r1` for pbpf's raw
 * convention (r1 = input, r2 = length), two context loads for the kernel's
 * XDP (data, data_end).  Bounds are checked with pointer comparisons
 * against `end`, the form Linux's verifier proves packet accesses with. */
#ifndef PBPF_BENCH_PROG_H
#define PBPF_BENCH_PROG_H

#ifdef __bpf__
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
/* Aligned or not, eBPF loads any address (the kernel's x86 JIT and pbpf
 * alike); a plain dereference keeps it one instruction. */
#define BENCH_LOAD16(q) (*(const u16 *)(q))
#define BENCH_LOAD32(q) (*(const u32 *)(q))
#define BENCH_LOAD64(q) (*(const u64 *)(q))
#define BENCH_NOINLINE __attribute__((noinline))
#else
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
static inline u16 bench_load16(const u8 *q) { u16 v; memcpy(&v, q, sizeof v); return v; }
static inline u32 bench_load32(const u8 *q) { u32 v; memcpy(&v, q, sizeof v); return v; }
static inline u64 bench_load64(const u8 *q) { u64 v; memcpy(&v, q, sizeof v); return v; }
#define BENCH_LOAD16(q) bench_load16(q)
#define BENCH_LOAD32(q) bench_load32(q)
#define BENCH_LOAD64(q) bench_load64(q)
#if defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
/* noclone: a specialised copy of the callee would not be a call any more */
#define BENCH_NOINLINE __attribute__((noinline, noclone))
#endif
#endif

/* The entry point: bench_<name>(p, end) in both builds. */
#define BENCH_PROG(name) u64 bench_##name(const u8 *p, const u8 *end)

/* The kernel reports the low 32 bits of r0; folding the high half in keeps
 * the comparison of all engines meaningful. */
#define BENCH_FOLD(x) (((x) ^ ((x) >> 32)) & 0xffffffffu)

/* Input size the runner passes (bytes). */
#define BENCH_INPUT_LEN 1500

#endif
