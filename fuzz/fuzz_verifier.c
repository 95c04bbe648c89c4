/* libFuzzer target: soundness of the verifier.  The input bytes drive a
 * generator of well-formed programs (ALU and JMP/JMP32 with K and X
 * operands, loads and stores of every size on the memory r1 points to and
 * on the stack, atomics, lddw, forward and backward jumps, exits) with
 * offsets and immediates drawn towards the edges (region ends, shift
 * widths, 0 and -1).  Every program pbpf_verify accepts, as type 0 with r1
 * = N bytes of memory (the context it was verified for), is then run in the
 * checked interpreter on exactly N heap bytes: a memory fault, an exhausted
 * budget or any other failed run means the verifier accepted an unsafe
 * program, and the fuzzer stops (abort) after printing the program.  ASan
 * sees the memory as well, in case a check is missing in the interpreter
 * too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/insn.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

#define GEN_MAX_SLOTS 96

struct gen {
    const uint8_t *p;
    size_t left;
    uint32_t mem_size;
};

static uint8_t take(struct gen *g)
{
    if (!g->left)
        return 0;
    g->left--;
    return *g->p++;
}

static int32_t take32(struct gen *g)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)take(g) << (8 * i);
    return (int32_t)v;
}

/* An immediate: mostly edge values (0, ±1, shift widths, the memory size) */
static int32_t gen_imm(struct gen *g)
{
    static const int32_t edge[] = {0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 63, 64, 255, 0x7fffffff,
                                   (int32_t)0x80000000, 4096, -8, -512};
    uint8_t c = take(g);
    if (c < 160)
        return edge[c % (sizeof edge / sizeof edge[0])];
    if (c < 200)
        return (int32_t)g->mem_size - (c & 7);
    return take32(g);
}

/* A memory offset: near the ends of the memory region and the stack */
static int16_t gen_off(struct gen *g)
{
    uint8_t c = take(g);
    int32_t m = (int32_t)g->mem_size;
    switch (c & 7) {
    case 0: return (int16_t)(c >> 3);
    case 1: return (int16_t)(m - (c >> 4));
    case 2: return (int16_t)(-8 * (1 + (c >> 3)));
    case 3: return (int16_t)(-512 + (c >> 4));
    case 4: return (int16_t)(-(c >> 3));
    case 5: return (int16_t)(m + (c >> 4) - 8);
    default: return (int16_t)(int8_t)take(g);
    }
}

/* A base register for memory: r1 (the memory), r10 (the stack) or any */
static uint8_t gen_base(struct gen *g)
{
    uint8_t c = take(g);
    return c < 96 ? 1 : c < 192 ? 10 : (uint8_t)(c % 11);
}

static struct pbpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct pbpf_insn in = {code, (uint8_t)((dst & 0xf) | (src << 4)), off, imm};
    return in;
}

/* Each input byte is taken in statement order, never inside two arguments
 * of one call (C leaves their order unspecified), so that an input is the
 * same program whichever compiler built the harness. */
static size_t gen_prog(struct gen *g, struct pbpf_insn *out)
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
    size_t n = 0, want = 1 + take(g) % 40;
    while (n < want && n + 3 < GEN_MAX_SLOTS && g->left) {
        uint8_t kind = take(g) % 16, dst = take(g) % 10, src = take(g) % 11;
        switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3: { /* ALU / ALU64, K or X */
            uint8_t op = alu_ops[take(g) % sizeof alu_ops];
            uint8_t cls = kind & 1 ? PBPF_CLS_ALU : PBPF_CLS_ALU64;
            if (kind & 2 && op != PBPF_ALU_NEG)
                out[n++] = mk((uint8_t)(cls | op | PBPF_SRC_X), dst, src, 0, 0);
            else
                out[n++] = mk((uint8_t)(cls | op), dst, 0, 0, gen_imm(g));
            break;
        }
        case 4: /* mov of a pointer-like register, or of a constant */
            if (take(g) & 1)
                out[n++] = mk(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, dst,
                              take(g) & 1 ? 1 : 10, 0, 0);
            else
                out[n++] = mk(PBPF_CLS_ALU64 | PBPF_ALU_MOV, dst, 0, 0, gen_imm(g));
            break;
        case 5:
        case 6: { /* load */
            uint8_t size = sizes[take(g) & 3], base = gen_base(g);
            int16_t off = gen_off(g);
            out[n++] = mk((uint8_t)(PBPF_CLS_LDX | PBPF_MODE_MEM | size), dst, base, off, 0);
            break;
        }
        case 7: { /* store of an immediate */
            uint8_t size = sizes[take(g) & 3], base = gen_base(g);
            int16_t off = gen_off(g);
            int32_t imm = gen_imm(g);
            out[n++] = mk((uint8_t)(PBPF_CLS_ST | PBPF_MODE_MEM | size), base, 0, off, imm);
            break;
        }
        case 8:
        case 9: { /* store of a register */
            uint8_t size = sizes[take(g) & 3], base = gen_base(g);
            int16_t off = gen_off(g);
            out[n++] = mk((uint8_t)(PBPF_CLS_STX | PBPF_MODE_MEM | size), base, src, off, 0);
            break;
        }
        case 10:
        case 11: { /* conditional jump, mostly forward */
            uint8_t op = jmp_ops[take(g) % sizeof jmp_ops];
            uint8_t cls = take(g) & 1 ? PBPF_CLS_JMP32 : PBPF_CLS_JMP;
            int16_t off = (int16_t)((int8_t)take(g) % 12);
            if (kind & 1)
                out[n++] = mk((uint8_t)(cls | op | PBPF_SRC_X), dst, src, off, 0);
            else
                out[n++] = mk((uint8_t)(cls | op), dst, 0, off, gen_imm(g));
            break;
        }
        case 12: /* unconditional jump */
            out[n++] = mk(PBPF_CLS_JMP | PBPF_JMP_JA, 0, 0, (int16_t)((int8_t)take(g) % 8), 0);
            break;
        case 13: { /* lddw: two slots */
            int32_t lo = gen_imm(g), hi = gen_imm(g);
            out[n++] = mk(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, dst, 0, 0, lo);
            out[n++] = mk(0, 0, 0, 0, hi);
            break;
        }
        case 14:
            out[n++] = mk(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0);
            break;
        default: { /* atomic read-modify-write */
            uint8_t size = take(g) & 1 ? PBPF_SIZE_DW : PBPF_SIZE_W, base = gen_base(g);
            int16_t off = gen_off(g);
            int32_t op = atomics[take(g) % 10];
            out[n++] = mk((uint8_t)(PBPF_CLS_STX | PBPF_MODE_ATOMIC | size), base, src, off, op);
            break;
        }
        }
    }
    out[n++] = mk(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0);
    return n;
}

static void dump(const struct pbpf_insn *insns, size_t cnt, uint32_t mem_size, const char *what,
                 const char *msg)
{
    fprintf(stderr, "verifier soundness: %s: %s\naccepted as type 0 with %u bytes of memory:\n",
            what, msg, mem_size);
    for (size_t pc = 0; pc < cnt;) {
        char buf[128];
        int k = pbpf_disasm_insn(insns, cnt, pc, PBPF_DISASM_LLVM, buf, sizeof buf);
        fprintf(stderr, "%4zu: %s\n", pc, k > 0 ? buf : "(?)");
        pc += k > 0 ? (size_t)k : 1;
    }
}

static struct pbpf_runtime *rt;
static char vlog[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 1);
        if (pbpf_runtime_new(&ro, &rt) != 0)
            abort();
    }
    static const uint32_t mem_sizes[] = {0, 1, 4, 8, 14, 16, 20, 32, 64, 100};
    struct gen g = {data, size, 0};
    g.mem_size = mem_sizes[take(&g) % (sizeof mem_sizes / sizeof mem_sizes[0])];
    struct pbpf_insn insns[GEN_MAX_SLOTS];
    size_t cnt = gen_prog(&g, insns);

    /* a tenth of Linux's budget: a loop that runs into it costs seconds under
     * the sanitizers, not tens of seconds; soundness is checked all the same
     * on what is accepted */
    PBPF_OPTS(pbpf_verifier_opts, vo, .mem_size = g.mem_size, .log_buf = vlog,
              .log_size = sizeof vlog, .gpl = 1, .insn_limit = 100000);
    struct pbpf_verifier_stats st;
    int rc = pbpf_verify(insns, cnt, &vo, &st);
    if (rc > 0)
        abort(); /* 0 or a negative errno */
    if (rc)
        return 0;

    char msg[256] = "";
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED, .log_buf = msg,
              .log_size = sizeof msg);
    struct pbpf_prog *prog = NULL;
    rc = pbpf_prog_load(rt, insns, cnt, &po, &prog);
    if (rc) {
        dump(insns, cnt, g.mem_size, "the loader refuses a verified program", msg);
        abort();
    }
    uint8_t *mem = g.mem_size ? malloc(g.mem_size) : NULL;
    if (g.mem_size && !mem)
        abort();
    for (uint32_t i = 0; i < g.mem_size; i++)
        mem[i] = take(&g);
    char err[256] = "";
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    uint64_t r0;
    rc = pbpf_prog_run(prog, mem, g.mem_size, &r0, &ro);
    if (rc) {
        char what[64];
        snprintf(what, sizeof what, "run failed (%d) at insn %zu", rc, ro.err_pc);
        dump(insns, cnt, g.mem_size, what, err);
        abort();
    }
    free(mem);
    pbpf_prog_free(prog);
    return 0;
}
