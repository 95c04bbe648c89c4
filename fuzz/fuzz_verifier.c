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

#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "vgen.h"

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
    struct vgen g;
    vgen_init(&g, data, size);
    struct pbpf_insn insns[VGEN_MAX_SLOTS];
    size_t cnt = vgen_prog(&g, insns);

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
        mem[i] = vgen_take(&g);
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
