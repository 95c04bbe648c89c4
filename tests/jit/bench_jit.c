/* Quick numbers for the JIT against the verified interpreter: the fixed
 * cost of running an empty program, and an arithmetic loop.
 * Usage: bench_jit [iterations] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "isa/insn.h"
#include "pbpf/pbpf.h"
#include "platform/platform.h"

#define I(code, dst, src, off, imm)                                                                \
    {                                                                                              \
        (code), PBPF_INSN_REGS(dst, src), (off), (imm)                                             \
    }

static double now(void) { return (double)pbpf_time_mono_ns() * 1e-9; }

static double ns_per_run(struct pbpf_runtime *rt, const struct pbpf_insn *insns, size_t cnt,
                         enum pbpf_engine engine, unsigned runs, uint64_t *r0)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1, .engine = engine, .mode = PBPF_MODE_VERIFIED);
    struct pbpf_prog *p;
    if (pbpf_prog_load(rt, insns, cnt, &o, &p) != 0)
        exit(1);
    uint64_t mem[2] = {0, 0};
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (unsigned i = 0; i < runs; i++)
            pbpf_prog_run(p, mem, sizeof mem, r0, NULL);
        double t = (now() - t0) * 1e9 / runs;
        if (t < best)
            best = t;
    }
    pbpf_prog_free(p);
    return best;
}

int main(int argc, char **argv)
{
    unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 2000000;
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt) != 0)
        return 1;
    const struct pbpf_insn empty[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* r0 = sum over i < 1000 of (i * 7 ^ i >> 3) % 13 + (i << 2), 1000 iterations */
    const struct pbpf_insn loop[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 3, 6, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MUL, 3, 0, 0, 7),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 4, 6, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_RSH, 4, 0, 0, 3),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_XOR, 3, 4, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOD, 3, 0, 0, 13),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 3, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 5, 6, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_LSH, 5, 0, 0, 2),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 5, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 6, 0, 0, 1),
        I(PBPF_CLS_JMP | PBPF_JMP_JLT, 6, 0, -12, 1000),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    uint64_t a, b;
    double ie = ns_per_run(rt, empty, 2, PBPF_ENGINE_INTERP, runs, &a);
    double je = ns_per_run(rt, empty, 2, PBPF_ENGINE_JIT, runs, &b);
    printf("empty program: interp %.2f ns/run, jit %.2f ns/run\n", ie, je);
    double il = ns_per_run(rt, loop, sizeof loop / sizeof loop[0], PBPF_ENGINE_INTERP, runs / 500, &a);
    double jl = ns_per_run(rt, loop, sizeof loop / sizeof loop[0], PBPF_ENGINE_JIT, runs / 500, &b);
    printf("arith loop (12 insns x 1000): interp %.0f ns/run, jit %.0f ns/run (%.1fx), r0 %s\n",
           il, jl, il / jl, a == b ? "equal" : "DIFFERENT");
    pbpf_runtime_free(rt);
    return a == b ? 0 : 1;
}
