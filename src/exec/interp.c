/* The threaded interpreter: bytecode is pre-decoded once into interp_op
 * records, then executed by a computed-goto loop (interp_body.h) in one of
 * three flavours: checked, verified, and verified with counting. */
#include <errno.h>
#include <string.h>

#include "exec/compiler.h"
#include "exec/exec.h"
#include "platform/platform.h"

/* RFC 9669 §4.1 signed division and modulo: by zero → 0 / dividend;
 * INT_MIN / -1 overflows to INT_MIN and INT_MIN % -1 is 0 (C leaves both
 * undefined, so they are handled before dividing). */
static inline int32_t interp_sdiv32(int32_t a, int32_t b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return (int32_t)(0u - (uint32_t)a);
    return a / b;
}

static inline int64_t interp_sdiv64(int64_t a, int64_t b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return (int64_t)(0u - (uint64_t)a);
    return a / b;
}

static inline int32_t interp_smod32(int32_t a, int32_t b)
{
    if (b == 0)
        return a;
    if (b == -1)
        return 0;
    return a % b;
}

static inline int64_t interp_smod64(int64_t a, int64_t b)
{
    if (b == 0)
        return a;
    if (b == -1)
        return 0;
    return a % b;
}

#define INTERP_FN interp_checked
#define INTERP_CHECKED 1
#define INTERP_COUNT 1
#define INTERP_DIRECT 0
#include "exec/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_COUNT
#undef INTERP_DIRECT

#define INTERP_FN interp_counting
#define INTERP_CHECKED 0
#define INTERP_COUNT 1
#define INTERP_DIRECT 0
#include "exec/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_COUNT
#undef INTERP_DIRECT

#define INTERP_FN interp_fast
#define INTERP_CHECKED 0
#define INTERP_COUNT 0
#define INTERP_DIRECT 1
#include "exec/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_COUNT
#undef INTERP_DIRECT

/* A callback (bpf_loop, bpf_for_each_map_elem): the subprogram at pc runs
 * in a fresh interpreter frame set, in the flavour of the run.  Checked
 * runs keep the caller's live stack frames accessible (callback contexts
 * live there) while the callback's own stack is region 0. */
static int interp_callback(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5],
                           uint64_t *r0)
{
    struct pbpf_prog *prog = ctx->prog;
    if (prog->mode == PBPF_MODE_CHECKED) {
        struct pbpf_region saved = ctx->regions[0];
        unsigned n = ctx->nregions;
        if (n >= PBPF_MAX_REGIONS)
            return pbpf_run_fail(ctx, -ENOSPC, pc, "too many memory regions for a callback");
        ctx->regions[ctx->nregions++] = saved;
        int rc = interp_checked(prog, prog->ops, prog->ops + pc, ctx, args, r0, NULL);
        ctx->regions[0] = saved;
        ctx->nregions = n;
        return rc;
    }
    /* a run that counts, counts its callbacks too */
    if (ctx->count)
        return interp_counting(prog, prog->ops, prog->ops + pc, ctx, args, r0, NULL);
    const struct interp_op *ops = prog->ops + prog->cnt;
    return interp_fast(prog, ops, ops + pc, ctx, args, r0, NULL);
}

/* A callback with no run in progress (bpf_timer): the callback is the run,
 * with the regions the caller set up. */
static int interp_async(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5], uint64_t *r0)
{
    struct pbpf_prog *prog = ctx->prog;
    if (prog->mode == PBPF_MODE_CHECKED)
        return interp_checked(prog, prog->ops, prog->ops + pc, ctx, args, r0, NULL);
    const struct interp_op *ops = prog->ops + prog->cnt;
    return interp_fast(prog, ops, ops + pc, ctx, args, r0, NULL);
}

/* ops[0..cnt) hold xop numbers for the indexed flavours; ops[cnt..2cnt)
 * the same program with label addresses for the direct-threaded one. */
int pbpf_interp_prepare(struct pbpf_prog *prog, char *log, size_t log_size)
{
    (void)log;
    (void)log_size;
    size_t cnt = prog->cnt;
    struct interp_op *ops = pbpf_calloc(cnt * 2, sizeof *ops);
    if (!ops)
        return -ENOMEM;
    for (size_t pc = 0; pc < cnt; pc++) {
        const struct pbpf_insn *in = &prog->insns[pc];
        struct interp_op *o = &ops[pc];
        o->dst = PBPF_INSN_DST(in);
        o->src = PBPF_INSN_SRC(in);
        o->off = in->off;
        o->imm = in->imm;
        const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
        /* validated programs only; the second lddw slot keeps xop 0 and is
         * never dispatched */
        o->u.xop = info ? info->xop : 0;
        if (info && info->fmt == PBPF_FMT_LDDW) {
            pc++;
            ops[pc].imm = prog->insns[pc].imm;
        }
    }
#if PBPF_HAVE_COMPUTED_GOTO
    uint64_t labels_addr = 0;
    interp_fast(NULL, NULL, NULL, NULL, NULL, &labels_addr, NULL);
    const void *const *labels = (const void *const *)(uintptr_t)labels_addr;
    for (size_t pc = 0; pc < cnt; pc++) {
        ops[cnt + pc] = ops[pc];
        ops[cnt + pc].u.h = labels[ops[pc].u.xop];
    }
#else
    memcpy(ops + cnt, ops, cnt * sizeof *ops);
#endif
    prog->ops = ops;
    prog->run_callback = interp_callback;
    prog->run_async = interp_async;
    return 0;
}

int pbpf_interp_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                    int count, uint64_t *r0, uint64_t *executed)
{
    const uint64_t args[5] = {r1, r2, 0, 0, 0};
    if (prog->mode == PBPF_MODE_CHECKED)
        return interp_checked(prog, prog->ops, prog->ops, ctx, args, r0, executed);
    if (count)
        return interp_counting(prog, prog->ops, prog->ops, ctx, args, r0, executed);
    const struct interp_op *ops = prog->ops + prog->cnt;
    return interp_fast(prog, ops, ops, ctx, args, r0, executed);
}
