/* vgen: a generator of random, well-formed eBPF programs for verifier
 * testing, shared by the soundness fuzzer (fuzz/fuzz_verifier.c) and the
 * differential test against Linux's verifier
 * (tests/kernel/test_verifier_random.c).  Input bytes, taken one at a time,
 * drive it: ALU and JMP/JMP32 with K and X operands, loads and stores of
 * every size on the memory r1 points to and on the stack, atomics, lddw,
 * forward and backward jumps, exits, with offsets and immediates drawn
 * towards the edges (region ends, shift widths, 0 and -1).  The same bytes
 * always give the same program: the fuzzer's regression inputs depend on it.
 * Header-only, as the fuzz targets and the tests link different libraries. */
#ifndef PBPF_FUZZ_VGEN_H
#define PBPF_FUZZ_VGEN_H

#include <stddef.h>
#include <stdint.h>

#include "isa/insn.h"
#include "pbpf/pbpf.h"

#define VGEN_MAX_SLOTS 96

struct vgen {
    const uint8_t *p;
    size_t left;
    uint32_t mem_size;
};

static inline uint8_t vgen_take(struct vgen *g)
{
    if (!g->left)
        return 0;
    g->left--;
    return *g->p++;
}

static inline int32_t vgen_take32(struct vgen *g)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)vgen_take(g) << (8 * i);
    return (int32_t)v;
}

/* The size of the memory r1 points to, drawn from the input's first byte:
 * the generator's offsets and immediates are drawn towards its ends. */
static inline void vgen_init(struct vgen *g, const uint8_t *data, size_t size)
{
    static const uint32_t mem_sizes[] = {0, 1, 4, 8, 14, 16, 20, 32, 64, 100};
    g->p = data;
    g->left = size;
    g->mem_size = 0;
    g->mem_size = mem_sizes[vgen_take(g) % (sizeof mem_sizes / sizeof mem_sizes[0])];
}

/* An immediate: mostly edge values (0, ±1, shift widths, the memory size) */
static inline int32_t vgen_imm(struct vgen *g)
{
    static const int32_t edge[] = {0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 63, 64, 255, 0x7fffffff,
                                   (int32_t)0x80000000, 4096, -8, -512};
    uint8_t c = vgen_take(g);
    if (c < 160)
        return edge[c % (sizeof edge / sizeof edge[0])];
    if (c < 200)
        return (int32_t)g->mem_size - (c & 7);
    return vgen_take32(g);
}

/* A memory offset: near the ends of the memory region and the stack */
static inline int16_t vgen_off(struct vgen *g)
{
    uint8_t c = vgen_take(g);
    int32_t m = (int32_t)g->mem_size;
    switch (c & 7) {
    case 0: return (int16_t)(c >> 3);
    case 1: return (int16_t)(m - (c >> 4));
    case 2: return (int16_t)(-8 * (1 + (c >> 3)));
    case 3: return (int16_t)(-512 + (c >> 4));
    case 4: return (int16_t)(-(c >> 3));
    case 5: return (int16_t)(m + (c >> 4) - 8);
    default: return (int16_t)(int8_t)vgen_take(g);
    }
}

/* A base register for memory: r1 (the memory), r10 (the stack) or any */
static inline uint8_t vgen_base(struct vgen *g)
{
    uint8_t c = vgen_take(g);
    return c < 96 ? 1 : c < 192 ? 10 : (uint8_t)(c % 11);
}

static inline struct pbpf_insn vgen_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct pbpf_insn in = {code, (uint8_t)((dst & 0xf) | (src << 4)), off, imm};
    return in;
}

/* Each input byte is taken in statement order, never inside two arguments
 * of one call (C leaves their order unspecified), so that an input is the
 * same program whichever compiler built the harness. */
static inline size_t vgen_prog(struct vgen *g, struct pbpf_insn *out)
{
    static const uint8_t alu_ops[] = {PBPF_ALU_ADD, PBPF_ALU_SUB, PBPF_ALU_MUL, PBPF_ALU_DIV,
                                      PBPF_ALU_OR,  PBPF_ALU_AND, PBPF_ALU_LSH, PBPF_ALU_RSH,
                                      PBPF_ALU_NEG, PBPF_ALU_MOD, PBPF_ALU_XOR, PBPF_ALU_MOV,
                                      PBPF_ALU_ARSH};
    static const uint8_t jmp_ops[] = {PBPF_JMP_JEQ,  PBPF_JMP_JGT,  PBPF_JMP_JGE,
                                      PBPF_JMP_JSET, PBPF_JMP_JNE,  PBPF_JMP_JSGT,
                                      PBPF_JMP_JSGE, PBPF_JMP_JLT,  PBPF_JMP_JLE,
                                      PBPF_JMP_JSLT, PBPF_JMP_JSLE};
    static const uint8_t sizes[] = {PBPF_SIZE_B, PBPF_SIZE_H, PBPF_SIZE_W, PBPF_SIZE_DW};
    static const int32_t atomics[] = {0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1,
                                      PBPF_ATOMIC_XCHG, PBPF_ATOMIC_CMPXCHG};
    size_t n = 0, want = 1 + vgen_take(g) % 40;
    while (n < want && n + 3 < VGEN_MAX_SLOTS && g->left) {
        uint8_t kind = vgen_take(g) % 16, dst = vgen_take(g) % 10, src = vgen_take(g) % 11;
        switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3: { /* ALU / ALU64, K or X */
            uint8_t op = alu_ops[vgen_take(g) % sizeof alu_ops];
            uint8_t cls = kind & 1 ? PBPF_CLS_ALU : PBPF_CLS_ALU64;
            if (kind & 2 && op != PBPF_ALU_NEG)
                out[n++] = vgen_insn((uint8_t)(cls | op | PBPF_SRC_X), dst, src, 0, 0);
            else
                out[n++] = vgen_insn((uint8_t)(cls | op), dst, 0, 0, vgen_imm(g));
            break;
        }
        case 4: /* mov of a pointer-like register, or of a constant */
            if (vgen_take(g) & 1)
                out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, dst,
                              vgen_take(g) & 1 ? 1 : 10, 0, 0);
            else
                out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, dst, 0, 0, vgen_imm(g));
            break;
        case 5:
        case 6: { /* load */
            uint8_t size = sizes[vgen_take(g) & 3], base = vgen_base(g);
            int16_t off = vgen_off(g);
            out[n++] = vgen_insn((uint8_t)(PBPF_CLS_LDX | PBPF_MODE_MEM | size), dst, base, off, 0);
            break;
        }
        case 7: { /* store of an immediate */
            uint8_t size = sizes[vgen_take(g) & 3], base = vgen_base(g);
            int16_t off = vgen_off(g);
            int32_t imm = vgen_imm(g);
            out[n++] = vgen_insn((uint8_t)(PBPF_CLS_ST | PBPF_MODE_MEM | size), base, 0, off, imm);
            break;
        }
        case 8:
        case 9: { /* store of a register */
            uint8_t size = sizes[vgen_take(g) & 3], base = vgen_base(g);
            int16_t off = vgen_off(g);
            out[n++] = vgen_insn((uint8_t)(PBPF_CLS_STX | PBPF_MODE_MEM | size), base, src, off, 0);
            break;
        }
        case 10:
        case 11: { /* conditional jump, mostly forward */
            uint8_t op = jmp_ops[vgen_take(g) % sizeof jmp_ops];
            uint8_t cls = vgen_take(g) & 1 ? PBPF_CLS_JMP32 : PBPF_CLS_JMP;
            int16_t off = (int16_t)((int8_t)vgen_take(g) % 12);
            if (kind & 1)
                out[n++] = vgen_insn((uint8_t)(cls | op | PBPF_SRC_X), dst, src, off, 0);
            else
                out[n++] = vgen_insn((uint8_t)(cls | op), dst, 0, off, vgen_imm(g));
            break;
        }
        case 12: /* unconditional jump */
            out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_JA, 0, 0, (int16_t)((int8_t)vgen_take(g) % 8), 0);
            break;
        case 13: { /* lddw: two slots */
            int32_t lo = vgen_imm(g), hi = vgen_imm(g);
            out[n++] = vgen_insn(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, dst, 0, 0, lo);
            out[n++] = vgen_insn(0, 0, 0, 0, hi);
            break;
        }
        case 14:
            out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0);
            break;
        default: { /* atomic read-modify-write */
            uint8_t size = vgen_take(g) & 1 ? PBPF_SIZE_DW : PBPF_SIZE_W, base = vgen_base(g);
            int16_t off = vgen_off(g);
            int32_t op = atomics[vgen_take(g) % 10];
            out[n++] = vgen_insn((uint8_t)(PBPF_CLS_STX | PBPF_MODE_ATOMIC | size), base, src, off, op);
            break;
        }
        }
    }
    out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0);
    return n;
}

#endif
