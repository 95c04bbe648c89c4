/* Calls out of a program into other code of the run: tail calls (a jump to
 * another program through a prog array) and callbacks (a helper calling a
 * subprogram whose address the program passed it).  The engines do the
 * jump or the call; this file decides where it goes. */
#include <errno.h>
#include <stdlib.h>

#include "exec/compiler.h"
#include "exec/exec.h"
#include "maps/map.h"

/* A prog array's owner, packed so that it is claimed with one
 * compare-and-swap: the program type and the engine and mode (Linux keeps
 * type and JITed-ness: a tail call never crosses from interpreted code to
 * native code; here it does not cross between checked and verified runs
 * either, whose frames and regions differ). */
static uint64_t owner_of(const struct pbpf_prog *prog)
{
    return 1ull << 63 | (uint64_t)prog->prog_type << 16 | (uint64_t)prog->engine << 8 |
           (uint64_t)prog->mode;
}

int pbpf_prog_array_compatible(struct pbpf_map *m, const struct pbpf_prog *prog)
{
    uint64_t want = owner_of(prog), cur = 0;
    if (__atomic_compare_exchange_n(&m->prog_owner, &cur, want, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return 1;
    return cur == want;
}

struct pbpf_prog *pbpf_tail_call_target(struct pbpf_run_ctx *ctx, uint64_t map, uint64_t index)
{
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)map;
    if (ctx->prog->mode == PBPF_MODE_CHECKED &&
        (!pbpf_map_is_live(m) || m->type != PBPF_MAP_TYPE_PROG_ARRAY)) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_tail_call: r2 is not a prog array");
        return NULL;
    }
    if (PBPF_UNLIKELY(ctx->cb_depth)) {
        /* Linux's verifier refuses a tail call in a callback (bpf_loop's,
         * bpf_for_each_map_elem's): checked runs of unverified code stop */
        pbpf_run_ctx_abort(ctx, -EOPNOTSUPP, "bpf_tail_call inside a callback is not supported");
        return NULL;
    }
    /* Linux's order (___bpf_prog_run, JMP_TAIL_CALL): the index is a u32
     * checked first; the count goes up before the slot is read, so a
     * missing slot still counts */
    uint32_t i = (uint32_t)index;
    if (i >= m->max_entries || ctx->tail_calls >= PBPF_MAX_TAIL_CALL_CNT)
        return NULL;
    ctx->tail_calls++;
    struct pbpf_prog *t = pbpf_map_prog_array_get(m, i);
    if (!t)
        return NULL;
    ctx->prog = t;
    if (t->mode == PBPF_MODE_CHECKED) {
        /* the target's global data replaces the caller's */
        ctx->nregions = ctx->nbase_regions;
        for (unsigned r = 0; r < t->n_static_regions; r++)
            ctx->regions[ctx->nregions++] = t->static_regions[r];
    }
    return t;
}

uint64_t pbpf_helper_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct pbpf_run_ctx *ctx)
{
    (void)r1, (void)r4, (void)r5;
    struct pbpf_prog *t = pbpf_tail_call_target(ctx, r2, r3);
    if (t && !ctx->err) {
        ctx->tail_target = t;
        ctx->err = PBPF_RUN_TAIL_CALL;
    }
    /* a call that falls through: r0 is unreadable after it (the verifier
     * marks it so for a void helper); 0 keeps engines alike */
    return 0;
}

/* Linux allows tail calls from bpf-to-bpf subprograms since 5.10 (the
 * x86-64 JIT unwinds the subprogram's frame and jumps to the target, whose
 * exit then returns to the subprogram's caller).  A tail call passes only
 * r1, so the target may as well run on a stack of its own: it runs nested
 * here, and the subprogram returns its r0.  The run's tail call count is
 * shared (MAX_TAIL_CALL_CNT bounds the nesting). */
int pbpf_tail_call_nested(struct pbpf_run_ctx *ctx, struct pbpf_prog *caller, uint64_t r1,
                          int count, uint64_t *r0)
{
    struct pbpf_prog *t = ctx->prog;
    struct pbpf_region stack = ctx->regions[0];
    uint64_t jit_r12 = ctx->jit_r12, jit_rbp = ctx->jit_rbp;
    int rc;
    if (t->jit_entry) {
        *r0 = t->jit_entry(r1, 0, ctx);
        rc = ctx->err;
    } else {
        rc = pbpf_interp_run(t, ctx, r1, 0, count, r0, NULL);
    }
    ctx->prog = caller;
    ctx->jit_r12 = jit_r12;
    ctx->jit_rbp = jit_rbp;
    if (caller->mode == PBPF_MODE_CHECKED) {
        /* the caller's stack window and global data again */
        ctx->regions[0] = stack;
        ctx->nregions = ctx->nbase_regions;
        for (unsigned r = 0; r < caller->n_static_regions; r++)
            ctx->regions[ctx->nregions++] = caller->static_regions[r];
    }
    return rc;
}

/* The pc of the callback at address fn, or (size_t)-1 with the run failed. */
static size_t callback_pc(struct pbpf_run_ctx *ctx, uint64_t fn)
{
    const struct pbpf_prog *prog = ctx->prog;
    uintptr_t base = (uintptr_t)prog->insns, a = (uintptr_t)fn;
    size_t pc = (a - base) / sizeof *prog->insns;
    uint32_t key = (uint32_t)pc;
    if (a < base || (a - base) % sizeof *prog->insns || pc >= prog->cnt ||
        !bsearch(&key, prog->cb_targets, prog->n_cb_targets, sizeof key, pbpf_cmp_u32)) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "callback is not a function of the program (lddw src=4)");
        return (size_t)-1;
    }
    return pc;
}

int pbpf_call_async(struct pbpf_run_ctx *ctx, uint64_t fn, const uint64_t args[5], uint64_t *r0)
{
    size_t pc = callback_pc(ctx, fn);
    if (pc == (size_t)-1)
        return ctx->err;
    /* a callback all the same: no tail calls (Linux's verifier refuses
     * them in async callbacks too) */
    ctx->cb_depth = 1;
    return ctx->prog->run_async(ctx, pc, args, r0);
}

int pbpf_call_callback(struct pbpf_run_ctx *ctx, uint64_t fn, const uint64_t args[5],
                       uint64_t *r0)
{
    const struct pbpf_prog *prog = ctx->prog;
    size_t pc = callback_pc(ctx, fn);
    if (pc == (size_t)-1)
        return ctx->err;
    if (ctx->cb_depth + 1 >= PBPF_MAX_CALL_DEPTH) {
        pbpf_run_ctx_abort(ctx, -E2BIG, "callbacks nested too deep");
        return ctx->err;
    }
    ctx->cb_depth++;
    int rc = prog->run_callback(ctx, pc, args, r0);
    ctx->cb_depth--;
    return rc;
}
