/* libFuzzer target: the x86-64 JIT against the checked interpreter.
 *
 * The input does not hold bytecode: it drives the generator of
 * tests/jit/jit_gen.h, which builds programs that are safe by construction
 * (bounded loops, memory only inside the buffer or the initialized top of
 * the stack, calls without recursion), so running them on the JIT in
 * verified mode is legitimate.  Both engines must then agree on the return
 * code, r0 and every byte of memory. */
#include <stdio.h>
#include <stdlib.h>

#include "jit_diff.h"
#include "jit_gen.h"

static struct pbpf_runtime *rt;
static struct gen g;
static _Alignas(16) uint8_t mem[GEN_BUF];
static uint8_t init[GEN_BUF];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 1);
        if (pbpf_runtime_new(&ro, &rt) != 0)
            abort();
        pbpf_runtime_set_helper(rt, GEN_HELPER_ID, gen_helper, "test_mix");
    }
    if (size < 2)
        return 0;
    unsigned flags = data[0] & (PBPF_JIT_BLIND_CONSTANTS | PBPF_JIT_RETPOLINE);
    int allow_pkt = data[0] >> 7;
    struct gen_src s = {.data = data + 1, .len = size - 1};
    for (size_t i = 0; i < GEN_BUF; i++)
        init[i] = (uint8_t)(i * 37 + 11);
    size_t cnt = gen_program(&g, &s, allow_pkt);
    if (!cnt)
        return 0;
    char why[512];
    int d = diff_run(rt, g.insns, cnt, flags, mem, init, GEN_BUF, GEN_BUF, why, sizeof why);
    if (d) {
        fprintf(stderr, "JIT and interpreter differ (jit flags %u): %s\n", flags, why);
        diff_dump(stderr, g.insns, cnt);
        abort();
    }
    return 0;
}
