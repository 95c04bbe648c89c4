/* libFuzzer target: arbitrary bytes → pbpf_prog_load (checked mode, small
 * budget) → pbpf_prog_run on a heap buffer of exactly the memory's size, so
 * that ASan sees any access the checked interpreter lets through.  Loading
 * may fail and runs may fault; neither may crash, leak or hang. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "pbpf/pbpf.h"

static struct pbpf_runtime *rt;
static uint8_t *scratch; /* the helpers' own buffer, 64 bytes */

/* 1000: memset(r1, r3, r2) if the run says the program may write there,
 * like helpers that take a pointer and a size (bpf_probe_read and kin). */
static uint64_t h_fill(uint64_t p, uint64_t len, uint64_t c, uint64_t d, uint64_t e,
                       struct pbpf_run_ctx *ctx)
{
    (void)d, (void)e;
    if (len > 4096 || !pbpf_run_ctx_check_mem(ctx, p, len, 1))
        return (uint64_t)-EFAULT;
    if (len)
        memset((void *)(uintptr_t)p, (int)c, (size_t)len);
    return 0;
}

/* 1001: hands the program a buffer (read-only if r1 is even), like
 * bpf_map_lookup_elem returning a map value */
static uint64_t h_region(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                         struct pbpf_run_ctx *ctx)
{
    (void)b, (void)c, (void)d, (void)e;
    if (pbpf_run_ctx_add_region(ctx, scratch, 64, (int)(a & 1)) != 0)
        return 0;
    return (uint64_t)(uintptr_t)scratch;
}

/* 1002: stops the run when r1 is 7 */
static uint64_t h_abort(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                        struct pbpf_run_ctx *ctx)
{
    (void)b, (void)c, (void)d, (void)e;
    if (a == 7)
        pbpf_run_ctx_abort(ctx, -EPERM, "fuzz abort");
    return a;
}

/* 1003: a pure function of the arguments */
static uint64_t h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                      struct pbpf_run_ctx *ctx)
{
    (void)ctx;
    return (a * 0x9e3779b97f4a7c15ull) ^ (b << 7) ^ (c >> 3) ^ (d + e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rt) {
        PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 1);
        if (pbpf_runtime_new(&ro, &rt) != 0)
            abort();
        scratch = malloc(64);
        if (!scratch)
            abort();
        pbpf_runtime_set_helper(rt, 1000, h_fill, "fuzz_fill");
        pbpf_runtime_set_helper(rt, 1001, h_region, "fuzz_region");
        pbpf_runtime_set_helper(rt, 1002, h_abort, "fuzz_abort");
        pbpf_runtime_set_helper(rt, 1003, h_mix, "fuzz_mix");
    }
    struct fuzz_input in;
    if (fuzz_input_split(data, size, 0, NULL, &in) != 0)
        return 0;

    char log[256];
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED, .insn_budget = FUZZ_BUDGET,
              .log_buf = log, .log_size = sizeof log);
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, in.insns, in.insn_cnt, &po, &prog);
    free(in.insns);
    if (rc != 0) {
        if (prog || rc >= 0 || !log[0])
            abort(); /* a failed load returns -errno, a message and no program */
        return 0;
    }
    uint8_t *mem = in.mem_len ? malloc(in.mem_len) : NULL;
    if (in.mem_len) {
        if (!mem)
            abort();
        memcpy(mem, in.mem, in.mem_len);
    }
    memset(scratch, 0x5a, 64);
    char err[256];
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    uint64_t r0 = 0;
    rc = pbpf_prog_run(prog, mem, in.mem_len, &r0, &ro);
    if (rc > 0 || ro.insns_executed > FUZZ_BUDGET)
        abort();
    if (rc < 0 && (!err[0] || ro.err_pc >= pbpf_prog_insn_cnt(prog)))
        abort(); /* a failed run says why and where */
    free(mem);
    pbpf_prog_free(prog);
    return 0;
}
