/* libFuzzer target: the checked interpreter is the oracle for the verified
 * one.  A program that completes in checked mode (every access in bounds,
 * within the budget) must give the same r0 and the same memory when run
 * again, on the same buffer with the same contents, in verified mode.
 *
 * Inputs are made deterministic first, so that only real differences are
 * reported: r3..r9 start at 0 in both modes (a prologue sets them), r10 is
 * renamed r9 (stack addresses differ between the two runs), and the only
 * helpers are pure functions of their arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "isa/insn.h"
#include "pbpf/pbpf.h"

static struct pbpf_runtime *rt;

/* 1003: a mix of the arguments */
static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                      struct pbpf_run_ctx *ctx)
{
    (void)ctx;
    return (a * 0x9e3779b97f4a7c15ull) ^ (b << 7) ^ (c >> 3) ^ (d + e);
}

/* 1000: memset(r1, r3, r2).  A bad pointer stops the run: in verified mode
 * pbpf_run_ctx_check_mem trusts the verifier, so a helper that only
 * returned an error would write there when the verified run repeats it. */
static uint64_t h_fill(uint64_t p, uint64_t len, uint64_t c, uint64_t d, uint64_t e,
                       struct pbpf_run_ctx *ctx)
{
    (void)d, (void)e;
    if (len > 4096 || !pbpf_run_ctx_check_mem(ctx, p, len, 1)) {
        pbpf_run_ctx_abort(ctx, -EFAULT, "fuzz_fill: bad buffer");
        return 0;
    }
    if (len)
        memset((void *)(uintptr_t)p, (int)c, (size_t)len);
    return 0;
}

static int load(const struct fuzz_input *in, enum pbpf_mode mode, struct pbpf_prog **prog)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = mode, .insn_budget = FUZZ_BUDGET);
    return pbpf_prog_load(rt, in->insns, in->insn_cnt, &po, prog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 1);
        if (pbpf_runtime_new(&ro, &rt) != 0)
            abort();
        for (uint32_t id = 0; id < 1024; id++) /* clocks and randomness differ run to run */
            pbpf_runtime_set_helper(rt, id, NULL, NULL);
        pbpf_runtime_set_helper(rt, 1000, h_fill, "fuzz_fill");
        pbpf_runtime_set_helper(rt, 1003, h_mix, "fuzz_mix");
    }
    static const struct pbpf_insn prologue[] = {
#define ZERO(r) {PBPF_CLS_ALU64 | PBPF_ALU_MOV, PBPF_INSN_REGS(r, 0), 0, 0}
        ZERO(3), ZERO(4), ZERO(5), ZERO(6), ZERO(7), ZERO(8), ZERO(9),
#undef ZERO
    };
    const size_t npro = sizeof prologue / sizeof prologue[0];
    struct fuzz_input in;
    if (fuzz_input_split(data, size, npro, prologue, &in) != 0)
        return 0;
    /* a function's address (lddw src=4) points into each load's own
     * instructions, so an r0 that may hold one differs between the two
     * loads by design (exec.c resolve_func) */
    int func_addr = 0;
    for (size_t pc = npro; pc < in.insn_cnt; pc++) {
        struct pbpf_insn *i = &in.insns[pc];
        if (i->code == PBPF_OPCODE_LDDW && PBPF_INSN_SRC(i) == PBPF_PSEUDO_FUNC)
            func_addr = 1;
        if (PBPF_INSN_DST(i) == 10)
            i->regs = PBPF_INSN_REGS(9, PBPF_INSN_SRC(i));
        if (PBPF_INSN_SRC(i) == 10)
            i->regs = PBPF_INSN_REGS(PBPF_INSN_DST(i), 9);
        if (i->code == PBPF_OPCODE_LDDW)
            pc++; /* the second slot's fields are checked, not renamed */
    }

    struct pbpf_prog *checked = NULL, *verified = NULL;
    if (load(&in, PBPF_MODE_CHECKED, &checked) != 0) {
        free(in.insns);
        return 0;
    }
    if (load(&in, PBPF_MODE_VERIFIED, &verified) != 0)
        abort(); /* the mode does not change what loads */
    free(in.insns);

    /* one buffer for both runs, so that pointers into it are equal */
    size_t len = in.mem_len;
    uint8_t *mem = len ? malloc(len) : NULL;
    uint8_t *after = len ? malloc(len) : NULL;
    if (len && (!mem || !after))
        abort();
    if (len)
        memcpy(mem, in.mem, len);
    uint64_t r0_checked = 0, r0_verified = 0;
    PBPF_OPTS(pbpf_run_opts, co, .count_insns = 1);
    int rc = pbpf_prog_run(checked, mem, len, &r0_checked, &co);
    if (rc == 0) {
        if (len) {
            memcpy(after, mem, len);
            memcpy(mem, in.mem, len);
        }
        PBPF_OPTS(pbpf_run_opts, vo, .count_insns = 1);
        rc = pbpf_prog_run(verified, mem, len, &r0_verified, &vo);
        if (rc != 0) {
            fprintf(stderr, "verified run failed (%d) where the checked run passed\n", rc);
            abort();
        }
        if (!func_addr && r0_checked != r0_verified) {
            fprintf(stderr, "r0: checked 0x%llx, verified 0x%llx\n",
                    (unsigned long long)r0_checked, (unsigned long long)r0_verified);
            abort();
        }
        if (len && memcmp(after, mem, len) != 0) {
            fprintf(stderr, "memory differs between checked and verified runs\n");
            abort();
        }
        if (co.insns_executed != vo.insns_executed) {
            fprintf(stderr, "executed %llu checked, %llu verified\n",
                    (unsigned long long)co.insns_executed, (unsigned long long)vo.insns_executed);
            abort();
        }
    }
    free(mem);
    free(after);
    pbpf_prog_free(checked);
    pbpf_prog_free(verified);
    return 0;
}
