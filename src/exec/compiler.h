/* Small portable wrappers over compiler builtins used by the engines. */
#ifndef PBPF_EXEC_COMPILER_H
#define PBPF_EXEC_COMPILER_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PBPF_LIKELY(x) __builtin_expect(!!(x), 1)
#define PBPF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PBPF_NOINLINE __attribute__((noinline))
/* PBPF_FORCE_SWITCH_DISPATCH builds the interpreter's switch fallback, the
 * path compilers without computed goto take; a test build exercises it. */
#if !defined(PBPF_FORCE_SWITCH_DISPATCH)
#define PBPF_HAVE_COMPUTED_GOTO 1
#endif
static inline uint16_t pbpf_bswap16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t pbpf_bswap32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t pbpf_bswap64(uint64_t v) { return __builtin_bswap64(v); }
#else
#define PBPF_LIKELY(x) (x)
#define PBPF_UNLIKELY(x) (x)
#define PBPF_NOINLINE
static inline uint16_t pbpf_bswap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }
static inline uint32_t pbpf_bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
static inline uint64_t pbpf_bswap64(uint64_t v)
{
    return ((uint64_t)pbpf_bswap32((uint32_t)v) << 32) | pbpf_bswap32((uint32_t)(v >> 32));
}
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PBPF_HOST_BIG_ENDIAN 1
#else
#define PBPF_HOST_BIG_ENDIAN 0
#endif

/* Host byte order → little/big endian, truncated to the width (RFC 9669
 * §4.2: the result is zero-extended into the 64-bit register). */
static inline uint64_t pbpf_to_le(uint64_t v, int width)
{
#if PBPF_HOST_BIG_ENDIAN
    return width == 16 ? pbpf_bswap16((uint16_t)v)
           : width == 32 ? pbpf_bswap32((uint32_t)v)
                         : pbpf_bswap64(v);
#else
    return width == 16 ? (uint16_t)v : width == 32 ? (uint32_t)v : v;
#endif
}

static inline uint64_t pbpf_to_be(uint64_t v, int width)
{
#if PBPF_HOST_BIG_ENDIAN
    return width == 16 ? (uint16_t)v : width == 32 ? (uint32_t)v : v;
#else
    return width == 16 ? pbpf_bswap16((uint16_t)v)
           : width == 32 ? pbpf_bswap32((uint32_t)v)
                         : pbpf_bswap64(v);
#endif
}

/* Unaligned loads and stores: eBPF programs may access any byte address. */
static inline uint64_t pbpf_load(uintptr_t a, unsigned size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)a;
    case 2: {
        uint16_t v;
        memcpy(&v, (const void *)a, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, (const void *)a, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, (const void *)a, 8);
        return v;
    }
    }
}

static inline void pbpf_store(uintptr_t a, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)a = (uint8_t)v;
        break;
    case 2: {
        uint16_t t = (uint16_t)v;
        memcpy((void *)a, &t, 2);
        break;
    }
    case 4: {
        uint32_t t = (uint32_t)v;
        memcpy((void *)a, &t, 4);
        break;
    }
    default:
        memcpy((void *)a, &v, 8);
        break;
    }
}

#endif
