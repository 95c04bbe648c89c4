/* Generator of well-formed random eBPF programs for differential testing of
 * the JIT against the checked interpreter (tests/jit and fuzz/fuzz_jit.c).
 *
 * Programs are safe by construction, so the checked interpreter must run
 * them without a fault and a JIT run in verified mode is meaningful:
 *   - memory is only touched through the base register B (one of r6..r9,
 *     never written after `B = r1`) within GEN_MEM bytes, or through r10
 *     within the top GEN_STACK bytes of the frame, which every function
 *     initializes first;
 *   - jumps go forward inside their block; loops count a reserved register
 *     down from at most GEN_LOOP_MAX, nested at most twice;
 *   - functions only call functions defined after them (no recursion) and
 *     never from inside a loop;
 *   - helper calls clobber r1..r5 (as on Linux), so they are set again
 *     right after each call;
 *   - r10 is never read as a value (its address differs between engines).
 * Instructions are picked from the ISA table, so every row with a format
 * below is exercised.  Operand bytes come from a gen_src: a PRNG (tests) or
 * the fuzzer's input. */
#ifndef PBPF_TESTS_JIT_GEN_H
#define PBPF_TESTS_JIT_GEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"

#define GEN_MEM 256        /* data bytes the program may access through B */
#define GEN_DUMP 80        /* after them: r0..r9 stored at the end of main */
#define GEN_BUF (GEN_MEM + GEN_DUMP)
#define GEN_STACK 64       /* initialized bytes at the top of every frame */
#define GEN_LOOP_MAX 6
#define GEN_MAX_INSNS 4096
#define GEN_MAX_FUNCS 4
#define GEN_HELPER_ID 1000 /* a pure test helper, registered by the user */

struct gen_src {
    const uint8_t *data; /* fuzz input, or NULL for the PRNG */
    size_t len, pos;
    uint64_t rng;
};

static inline uint32_t gen_u32(struct gen_src *s)
{
    if (s->data) {
        uint32_t v = 0;
        for (int i = 0; i < 4; i++)
            v = v << 8 | (s->pos < s->len ? s->data[s->pos++] : 0);
        return v;
    }
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (uint32_t)(s->rng >> 16);
}

static inline uint32_t gen_below(struct gen_src *s, uint32_t n) { return n ? gen_u32(s) % n : 0; }

static inline int gen_exhausted(const struct gen_src *s) { return s->data && s->pos >= s->len; }

/* Immediates that hit the corner cases: 0, ±1, extremes, powers of two,
 * shift counts beyond the width. */
static inline int32_t gen_imm(struct gen_src *s)
{
    static const int32_t special[] = {0, 1, -1, 2, 7, 8, 31, 32, 33, 63, 64, 65, -2, 255, 256,
                                      0x7fffffff, INT32_MIN, 0x10000, -65536, 1 << 30, 16};
    switch (gen_below(s, 4)) {
    case 0:
        return special[gen_below(s, sizeof special / sizeof special[0])];
    case 1:
        return (int32_t)gen_below(s, 64) - 32;
    default:
        return (int32_t)gen_u32(s);
    }
}

static inline uint64_t gen_imm64(struct gen_src *s)
{
    static const uint64_t special[] = {0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                       0xffffffff, 0x100000000ull, 0x80000000ull};
    if (gen_below(s, 3) == 0)
        return special[gen_below(s, sizeof special / sizeof special[0])];
    return (uint64_t)gen_u32(s) << 32 | gen_u32(s);
}

struct gen_call_fix {
    size_t pc;
    unsigned func;
};

struct gen {
    struct gen_src *src;
    struct pbpf_insn insns[GEN_MAX_INSNS];
    size_t cnt;
    int overflow;
    unsigned base;     /* B */
    unsigned reserved; /* bit mask of registers not to write */
    unsigned nfuncs;
    size_t func_pc[GEN_MAX_FUNCS];
    struct gen_call_fix calls[256];
    size_t ncalls;
    int allow_pkt;     /* LD_ABS/LD_IND may appear (they can end the run) */
};

static inline struct pbpf_insn *gen_emit(struct gen *g, uint8_t code, unsigned dst, unsigned src,
                                         int16_t off, int32_t imm)
{
    static struct pbpf_insn scratch;
    if (g->cnt >= GEN_MAX_INSNS) {
        g->overflow = 1;
        return &scratch;
    }
    struct pbpf_insn *in = &g->insns[g->cnt++];
    in->code = code;
    in->regs = PBPF_INSN_REGS(dst, src);
    in->off = off;
    in->imm = imm;
    return in;
}

static inline void gen_lddw(struct gen *g, unsigned dst, uint64_t v)
{
    gen_emit(g, PBPF_OPCODE_LDDW, dst, 0, 0, (int32_t)(uint32_t)v);
    gen_emit(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

/* Random picks scan forward from a random start, so that they end even
 * when an exhausted fuzz input keeps yielding the same value. */
static inline unsigned gen_wreg(struct gen *g)
{
    unsigned r = gen_below(g->src, 10);
    while (g->reserved & (1u << r))
        r = (r + 1) % 10; /* r0 is never reserved */
    return r;
}

/* Any readable register except r10 (whose value is engine-specific). */
static inline unsigned gen_rreg(struct gen *g) { return gen_below(g->src, 10); }

static inline const struct pbpf_opinfo *gen_row(struct gen *g, int (*want)(const struct pbpf_opinfo *))
{
    unsigned x = gen_below(g->src, PBPF_XOP_COUNT);
    while (!want(&pbpf_isa_table[x]))
        x = (x + 1) % PBPF_XOP_COUNT; /* every caller wants some row */
    return &pbpf_isa_table[x];
}

static inline int gen_rule_value(struct gen *g, const struct pbpf_rule *r, int32_t any)
{
    return r->kind == PBPF_RULE_EQ ? r->value : r->kind == PBPF_RULE_ZERO ? 0 : any;
}

static inline int gen_is_alu(const struct pbpf_opinfo *op)
{
    return op->fmt == PBPF_FMT_ALU_K || op->fmt == PBPF_FMT_ALU_X || op->fmt == PBPF_FMT_NEG ||
           op->fmt == PBPF_FMT_END || op->fmt == PBPF_FMT_MOVSX;
}

static inline int gen_is_mem(const struct pbpf_opinfo *op)
{
    return op->fmt == PBPF_FMT_LDX || op->fmt == PBPF_FMT_ST || op->fmt == PBPF_FMT_STX ||
           op->fmt == PBPF_FMT_ATOMIC;
}

static inline int gen_is_jcond(const struct pbpf_opinfo *op)
{
    return op->fmt == PBPF_FMT_JCOND_K || op->fmt == PBPF_FMT_JCOND_X;
}

static inline int gen_is_pkt(const struct pbpf_opinfo *op)
{
    return op->fmt == PBPF_FMT_LDABS || op->fmt == PBPF_FMT_LDIND;
}

/* One ALU row with random operands; dst from the writable registers. */
static inline void gen_alu_row(struct gen *g, const struct pbpf_opinfo *op, unsigned dst,
                               unsigned src)
{
    int32_t imm = gen_rule_value(g, &op->imm, gen_imm(g->src));
    int16_t off = (int16_t)gen_rule_value(g, &op->off, 0);
    unsigned s = op->src.kind == PBPF_RULE_REG_READ ? src : 0;
    gen_emit(g, op->code, dst, s, off, imm);
}

/* A memory row on B or on the stack, in bounds and naturally aligned. */
static inline void gen_mem_row(struct gen *g, const struct pbpf_opinfo *op)
{
    unsigned size = pbpf_isa_mem_size(op);
    int stack = gen_below(g->src, 3) == 0;
    unsigned base = stack ? 10 : g->base;
    unsigned span = stack ? GEN_STACK : GEN_MEM;
    unsigned slot = gen_below(g->src, span / size);
    int16_t off = (int16_t)(stack ? -(int)span + (int)(slot * size) : (int)(slot * size));
    if (op->fmt != PBPF_FMT_ATOMIC && gen_below(g->src, 4) == 0 && !stack) {
        /* unaligned plain access */
        off = (int16_t)gen_below(g->src, span - size + 1);
    }
    switch (op->fmt) {
    case PBPF_FMT_LDX:
        gen_emit(g, op->code, gen_wreg(g), base, off, 0);
        break;
    case PBPF_FMT_ST:
        gen_emit(g, op->code, base, 0, off, gen_imm(g->src));
        break;
    case PBPF_FMT_STX:
        gen_emit(g, op->code, base, gen_rreg(g), off, 0);
        break;
    default: { /* atomic: the fetch forms write src; cmpxchg reads and writes r0 */
        unsigned s = op->src.kind == PBPF_RULE_REG_WRITE ? gen_wreg(g) : gen_rreg(g);
        if (op->imm.value == PBPF_ATOMIC_CMPXCHG && gen_below(g->src, 2)) {
            /* make the compare succeed, sometimes with junk above 32 bits */
            gen_emit(g, PBPF_CLS_LDX | PBPF_MODE_MEM | (size == 8 ? PBPF_SIZE_DW : PBPF_SIZE_W), 0,
                     base, off, 0);
            if (size == 4 && gen_below(g->src, 2)) {
                unsigned t = gen_wreg(g);
                if (t != 0 && t != s) {
                    gen_lddw(g, t, (uint64_t)gen_u32(g->src) << 32);
                    gen_emit(g, PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_OR, 0, t, 0, 0);
                }
            }
        }
        gen_emit(g, op->code, base, s, off, op->imm.value);
        break;
    }
    }
}

static inline void gen_reset_args(struct gen *g)
{
    for (unsigned r = 1; r <= 5; r++)
        if (!(g->reserved & (1u << r)))
            gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, r, 0, 0, gen_imm(g->src));
}

static void gen_block(struct gen *g, unsigned func, int depth, unsigned items);

/* One item of a block: a few instructions that keep the invariants. */
static inline void gen_item(struct gen *g, unsigned func, int depth, unsigned remaining,
                            size_t *jumps, unsigned *jump_items, unsigned *njumps, unsigned item)
{
    struct gen_src *s = g->src;
    unsigned kind = gen_below(s, 100);
    if (kind < 40) {
        const struct pbpf_opinfo *op = gen_row(g, gen_is_alu);
        gen_alu_row(g, op, gen_wreg(g), gen_rreg(g));
    } else if (kind < 62) {
        gen_mem_row(g, gen_row(g, gen_is_mem));
    } else if (kind < 66) {
        /* a register-computed address inside the buffer */
        unsigned t = gen_wreg(g);
        const struct pbpf_opinfo *op = gen_row(g, gen_is_mem);
        unsigned size = pbpf_isa_mem_size(op);
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, t, gen_rreg(g), 0, 0);
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_AND, t, 0, 0, (GEN_MEM - 8) & ~7);
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, t, g->base, 0, 0);
        if (op->fmt == PBPF_FMT_LDX)
            gen_emit(g, op->code, gen_wreg(g), t, 0, 0);
        else if (op->fmt == PBPF_FMT_ST)
            gen_emit(g, op->code, t, 0, (int16_t)(8 - size), gen_imm(s));
        else if (op->fmt == PBPF_FMT_STX)
            gen_emit(g, op->code, t, gen_rreg(g), (int16_t)(8 - size), 0);
        else {
            unsigned sr = op->src.kind == PBPF_RULE_REG_WRITE ? gen_wreg(g) : gen_rreg(g);
            gen_emit(g, op->code, t, sr, 0, op->imm.value);
        }
    } else if (kind < 70) {
        gen_lddw(g, gen_wreg(g), gen_imm64(s));
    } else if (kind < 82 && remaining > 1) {
        /* forward jump over 1..4 of the following items of this block */
        const struct pbpf_opinfo *op =
            gen_below(s, 8) == 0 ? &pbpf_isa_table[PBPF_XOP_JA + gen_below(s, 2)]
                                 : gen_row(g, gen_is_jcond);
        jumps[*njumps] = g->cnt;
        unsigned skip = 1 + gen_below(s, remaining - 1 < 4 ? remaining - 1 : 4);
        jump_items[(*njumps)++] = item + 1 + skip;
        if (op->fmt == PBPF_FMT_JCOND_K)
            gen_emit(g, op->code, gen_rreg(g), 0, 0, gen_below(s, 2) ? gen_imm(s) : 0);
        else if (op->fmt == PBPF_FMT_JCOND_X)
            gen_emit(g, op->code, gen_rreg(g), gen_rreg(g), 0, 0);
        else
            gen_emit(g, op->code, 0, 0, 0, 0);
    } else if (kind < 86 && depth < 2) {
        /* bounded loop: counter in a reserved register */
        unsigned c = 6;
        while (c <= 9 && (g->reserved & (1u << c)))
            c++;
        if (c > 9)
            return;
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, c, 0, 0, 1 + (int32_t)gen_below(s, GEN_LOOP_MAX));
        size_t top = g->cnt;
        g->reserved |= 1u << c;
        gen_block(g, func, depth + 1, 1 + gen_below(s, 6));
        g->reserved &= ~(1u << c);
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_SUB, c, 0, 0, 1);
        gen_emit(g, PBPF_CLS_JMP | PBPF_JMP_JNE, c, 0, (int16_t)((int64_t)top - (int64_t)g->cnt - 1), 0);
    } else if (kind < 90) {
        gen_emit(g, PBPF_OPCODE_CALL, 0, 0, 0, GEN_HELPER_ID);
        gen_reset_args(g);
    } else if (kind < 92) {
        unsigned r = gen_wreg(g);
        gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, r, 0, 0, GEN_HELPER_ID);
        gen_emit(g, PBPF_OPCODE_CALLX, r, 0, 0, 0);
        gen_reset_args(g);
    } else if (kind < 95 && depth == 0 && func + 1 < g->nfuncs && g->ncalls < 256) {
        g->calls[g->ncalls].pc = g->cnt;
        g->calls[g->ncalls].func = func + 1 + gen_below(s, g->nfuncs - func - 1);
        g->ncalls++;
        gen_emit(g, PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, 0);
    } else if (kind < 97 && g->allow_pkt) {
        const struct pbpf_opinfo *op = gen_row(g, gen_is_pkt);
        int32_t imm = (int32_t)gen_below(s, GEN_BUF + 8) - 4;
        if (op->fmt == PBPF_FMT_LDIND) {
            unsigned r = gen_rreg(g);
            if (!(g->reserved & (1u << r)) && gen_below(s, 2))
                gen_emit(g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, r, 0, 0, (int32_t)gen_below(s, 64));
            gen_emit(g, op->code, 0, r, 0, gen_below(s, 4) ? (int32_t)gen_below(s, 64) : gen_imm(s));
        } else {
            gen_emit(g, op->code, 0, 0, 0, gen_below(s, 8) ? imm : gen_imm(s));
        }
    } else {
        const struct pbpf_opinfo *op = gen_row(g, gen_is_alu);
        gen_alu_row(g, op, gen_wreg(g), gen_rreg(g));
    }
}

static void gen_block(struct gen *g, unsigned func, int depth, unsigned items)
{
    size_t jumps[64];
    unsigned jump_items[64], njumps = 0;
    size_t item_pc[66];
    if (items > 64)
        items = 64;
    for (unsigned i = 0; i < items; i++) {
        item_pc[i] = g->cnt;
        gen_item(g, func, depth, items - i, jumps, jump_items, &njumps, i);
    }
    item_pc[items] = g->cnt;
    for (unsigned j = 0; j < njumps; j++) {
        size_t target = item_pc[jump_items[j] <= items ? jump_items[j] : items];
        struct pbpf_insn *in = &g->insns[jumps[j]];
        int64_t rel = (int64_t)target - (int64_t)jumps[j] - 1;
        if (in->code == PBPF_OPCODE_JA32)
            in->imm = (int32_t)rel;
        else
            in->off = (int16_t)rel;
    }
}

static inline void gen_init_stack(struct gen *g)
{
    for (int off = -GEN_STACK; off < 0; off += 8)
        gen_emit(g, PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_DW, 10, 0, (int16_t)off,
                 (int32_t)gen_u32(g->src));
}

/* Builds a whole program into g->insns; returns its length or 0 when it
 * did not fit. */
static inline size_t gen_program(struct gen *g, struct gen_src *src, int allow_pkt)
{
    memset(g, 0, sizeof *g);
    g->src = src;
    g->allow_pkt = allow_pkt;
    g->base = 6 + gen_below(src, 4);
    g->reserved = 1u << g->base;
    g->nfuncs = 1 + gen_below(src, GEN_MAX_FUNCS);
    unsigned items = 4 + gen_below(src, 40);
    for (unsigned f = 0; f < g->nfuncs; f++) {
        g->func_pc[f] = g->cnt;
        if (f == 0) {
            gen_emit(g, PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, g->base, 1, 0, 0);
            for (unsigned r = 0; r <= 9; r++)
                if (r != g->base && r != 1)
                    gen_lddw(g, r, gen_imm64(src));
        }
        gen_init_stack(g);
        gen_block(g, f, 0, f == 0 ? items : 2 + gen_below(src, 12));
        if (f == 0)
            for (unsigned r = 0; r <= 9; r++)
                gen_emit(g, PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, g->base, r,
                         (int16_t)(GEN_MEM + 8 * r), 0);
        gen_emit(g, PBPF_OPCODE_EXIT, 0, 0, 0, 0);
    }
    for (size_t i = 0; i < g->ncalls; i++) {
        struct pbpf_insn *in = &g->insns[g->calls[i].pc];
        in->imm = (int32_t)((int64_t)g->func_pc[g->calls[i].func] - (int64_t)g->calls[i].pc - 1);
    }
    return g->overflow ? 0 : g->cnt;
}

/* The test helper: a pure mix of its arguments. */
static inline uint64_t gen_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                  struct pbpf_run_ctx *ctx)
{
    (void)ctx;
    return (a * 0x9e3779b97f4a7c15ull) ^ (b << 7) ^ (c >> 3) ^ (d * 31) ^ (e + 0x1234);
}

#endif
