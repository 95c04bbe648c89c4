/* Internal view of programs, runtimes and runs, shared by the engines. */
#ifndef PBPF_EXEC_EXEC_H
#define PBPF_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "isa/isa.h"
#include "maps/epoch.h"
#include "platform/platform.h"
#include "pbpf/pbpf.h"

/* Helper ids an embedder may register: Linux's 0..211 and room beyond. */
#define PBPF_HELPER_MAX 1024
/* The instruction libbpf writes where a CO-RE relocation could not be
 * resolved (`call 0xbad2310`), and the program's helper slot, one past the
 * ids embedders register, that runs it: it stops the run with a message
 * naming the instruction. */
#define PBPF_CORE_POISON_ID 0xbad2310u
#define PBPF_HELPER_POISON_SLOT PBPF_HELPER_MAX
/* Memory regions a checked run can know at once (stack, input, helpers'). */
#define PBPF_MAX_REGIONS 64
/* Linux's MAX_TAIL_CALL_CNT (include/linux/bpf.h): a run makes at most 33
 * tail calls; the 34th falls through like a missing slot. */
#define PBPF_MAX_TAIL_CALL_CNT 33
/* Linux's BPF_MAX_LOOPS: bpf_loop's largest nr_loops. */
#define PBPF_MAX_LOOPS (1u << 23)
/* Default instruction budget of a checked run. */
#define PBPF_DEFAULT_BUDGET (16ull * 1000 * 1000)

struct pbpf_helper_entry {
    pbpf_helper_fn fn;
    const char *name;
};

struct pbpf_runtime {
    struct pbpf_helper_entry helpers[PBPF_HELPER_MAX];
    unsigned slots;
    pbpf_print_fn print; /* bpf_trace_printk's output, or NULL */
    void *print_ctx;
    /* bpf_timer: the service (timer.c), created by the first
     * bpf_timer_init; manual: the embedder fires timers itself
     * (pbpf_runtime_run_timers), no thread is started */
    struct pbpf_timer_service *timers;
    int manual_timers;
};

/* A pre-decoded instruction of the threaded interpreter: one per slot, so
 * jump offsets carry over unchanged.  `h` is the handler's label address
 * (computed goto) or its xop number (switch dispatch). */
struct interp_op {
    union {
        const void *h;
        uintptr_t xop;
    } u;
    uint8_t dst;
    uint8_t src;
    int16_t off;
    int32_t imm;
};

struct pbpf_jit_code; /* engine-private */

struct pbpf_prog {
    struct pbpf_runtime *rt;
    struct pbpf_insn *insns;
    size_t cnt;
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    uint64_t budget;
    /* verified prog_type 0: the mem size the verifier was told; runs
     * with less are refused */
    uint32_t min_mem;
    /* jit_leaf_entry (below) when the runs need no epoch section either:
     * pbpf_prog_run jumps to it, so a run costs the call of the code (the
     * entries are next to min_mem: a run reads one line of the program) */
    int (*leaf_entry)(uint64_t r1, uint64_t r2, uint64_t *r0);
    /* jit_entry (below) when the program calls nothing and names no map: runs
     * need no epoch section, slot or regions (pbpf_prog_run's short path) */
    uint64_t (*fast_entry)(uint64_t r1, uint64_t r2, struct pbpf_run_ctx *ctx);
    char name[64];
    /* helpers as they were when the program was loaded, by id */
    pbpf_helper_fn helpers[PBPF_HELPER_MAX + 1]; /* + PBPF_HELPER_POISON_SLOT */
    /* interpreter: one table per dispatch flavour, built on first use */
    struct interp_op *ops;
    /* JIT: native code and its entry point */
    struct pbpf_jit_code *jit;
    /* its entry: r0 = jit_entry(r1, r2, ctx); NULL on the interpreter */
    uint64_t (*jit_entry)(uint64_t r1, uint64_t r2, struct pbpf_run_ctx *ctx);
    /* JIT code that never reads the run context and cannot fail (no
     * calls, no packet loads) also has this entry, which stores r0
     * through its third argument when that is not NULL and returns 0 */
    int (*jit_leaf_entry)(uint64_t r1, uint64_t r2, uint64_t *r0);
    unsigned jit_flags; /* PBPF_JIT_* */
    uint32_t prog_type, expected_attach_type;
    /* maps the program refers to (references held), and the map values
     * it addresses directly (global data): regions of every checked run */
    struct pbpf_map **maps;
    size_t map_cnt;
    struct pbpf_region *static_regions;
    unsigned n_static_regions;
    /* runs enter an epoch section (maps or helpers can reach map
     * elements); a program that calls nothing and names no map skips it */
    int needs_epoch;
    /* subprograms whose address the program takes (lddw src=4), sorted:
     * the callbacks bpf_loop and bpf_for_each_map_elem may call */
    uint32_t *cb_targets;
    size_t n_cb_targets;
    /* engine entry of a callback: runs the subprogram at pc with r1..r5 */
    int (*run_callback)(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5],
                        uint64_t *r0);
    /* the same with no run of the program in progress (bpf_timer
     * callbacks): the callback is the run */
    int (*run_async)(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5], uint64_t *r0);
    /* references: the loader or embedder's, and one per prog array slot
     * holding it (Linux: a prog array holds its programs) */
    uint32_t refcnt;
    struct pbpf_epoch_node free_node;
};

struct pbpf_region {
    uintptr_t start;
    uintptr_t end; /* exclusive */
    int writable;
};

struct pbpf_run_ctx {
    struct pbpf_prog *prog;
    void *user;
    unsigned slot;
    /* packet that LD_ABS/LD_IND read (RFC 9669 §5.5; Linux: the skb data) */
    const uint8_t *pkt;
    size_t pkt_len;
    /* the hook's state (src/hooks: packet buffer, redirect result), or NULL */
    void *hook;
    /* what the attachment gives a tracing program (0 when none):
     * bpf_get_func_ip, bpf_get_attach_cookie (helpers_trace.c) */
    uint64_t func_ip;
    uint64_t attach_cookie;
    /* checked mode: what the program may touch */
    struct pbpf_region regions[PBPF_MAX_REGIONS];
    unsigned nregions;
    /* regions every program of the run sees (stack, input): a tail call
     * keeps these and replaces the rest with its target's */
    unsigned nbase_regions;
    /* tail calls made so far (Linux: tail_call_cnt) */
    uint32_t tail_calls;
    /* callbacks running (bpf_loop, bpf_for_each_map_elem) */
    uint32_t cb_depth;
    /* interpreter: the program a pending tail call continues with */
    struct pbpf_prog *tail_target;
    /* checked and counting interpreter runs: instructions so far, kept here
     * across helper calls so that callbacks share the run's budget */
    uint64_t count;
    /* JIT: the frame area and the current frame of the caller of a callback
     * helper (stored by the generated code before the call) */
    uint64_t jit_r12, jit_rbp;
    /* set when the run stops early */
    int err;
    size_t err_pc;
    char msg[160];
};

/* Records a run failure (first one wins) and returns err. */
int pbpf_run_fail(struct pbpf_run_ctx *ctx, int err, size_t pc, const char *fmt, ...)
    PBPF_PRINTF_FMT(4, 5);

/* A run context for prog with only the stack region (region 0); the
 * caller adds the regions of its context and packet (checked runs). */
void pbpf_run_ctx_init(struct pbpf_run_ctx *ctx, struct pbpf_prog *prog, void *user);
/* Runs prog on the engine it was loaded for with r1, r2: the regions added
 * so far stay for tail calls, the program's static regions follow.
 * Returns 0 and r0 or the run's error with the reason in ctx->msg. */
int pbpf_run_ctx_exec(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                      uint64_t *r0);

/* Positive ctx->err of the interpreter's tail call helper: the engine
 * continues with ctx->tail_target (never seen outside the engine). */
#define PBPF_RUN_TAIL_CALL 1

/* Checked-mode region test. */
static inline int pbpf_region_ok(const struct pbpf_run_ctx *ctx, uint64_t a, uint64_t n, int w)
{
    if (a + n < a)
        return 0;
    for (unsigned i = 0; i < ctx->nregions; i++) {
        const struct pbpf_region *r = &ctx->regions[i];
        if (a >= r->start && a + n <= r->end)
            return !w || r->writable;
    }
    return 0;
}

/* Interpreter entry points (interp.c). */
int pbpf_interp_prepare(struct pbpf_prog *prog, char *log, size_t log_size);
int pbpf_interp_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                    int count, uint64_t *r0, uint64_t *executed);

/* Program references (exec.c).  pbpf_prog_free drops the caller's; a prog
 * array slot holds one, dropped after the epoch (a run may still be in the
 * program it jumped to). */
void pbpf_prog_get(struct pbpf_prog *prog);
void pbpf_prog_put_deferred(struct pbpf_prog *prog);

/* Tail calls and callbacks (calls.c). */
/* bpf_prog_map_compatible(): a prog array takes programs of one program
 * type and engine, fixed by the first program that is stored in it or
 * loaded with a reference to it.  1 yes, 0 no. */
int pbpf_prog_array_compatible(struct pbpf_map *m, const struct pbpf_prog *prog);
/* A prog array lost its last user reference: its slots are cleared
 * (Linux: prog_array_map_clear), which breaks the cycle of a program that
 * is stored in the prog array it uses. */
void pbpf_prog_array_clear(struct pbpf_map *m);
/* The built-in bpf_tail_call (12).  The engines recognise it by address:
 * the interpreter continues with ctx->tail_target when it returns with
 * ctx->err == PBPF_RUN_TAIL_CALL; the JIT calls pbpf_tail_call_target. */
uint64_t pbpf_helper_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct pbpf_run_ctx *ctx);
/* The program bpf_tail_call(ctx, map, index) jumps to, counted against
 * the run's limit and made current (ctx->prog, regions), or NULL: the call
 * falls through. */
struct pbpf_prog *pbpf_tail_call_target(struct pbpf_run_ctx *ctx, uint64_t map, uint64_t index);
/* A tail call below the run's outermost frame: the target (ctx->prog,
 * made current by pbpf_tail_call_target) runs nested on a stack of its
 * own with r1; its r0 is what the calling subprogram returns.  caller is
 * the program that made the call, current again afterwards; count: the
 * interpreter counts instructions.  0 or the run's error. */
int pbpf_tail_call_nested(struct pbpf_run_ctx *ctx, struct pbpf_prog *caller, uint64_t r1,
                          int count, uint64_t *r0);
/* Calls the callback at address fn (a value of lddw src=4) with r1..r5;
 * 0 and its r0, or a negative errno with the run failed. */
int pbpf_call_callback(struct pbpf_run_ctx *ctx, uint64_t fn, const uint64_t args[5],
                       uint64_t *r0);
/* Runs the callback at address fn of ctx->prog as a run of its own (a
 * bpf_timer callback); ctx is initialised, regions included.  0 and its
 * r0, or a negative errno. */
int pbpf_call_async(struct pbpf_run_ctx *ctx, uint64_t fn, const uint64_t args[5], uint64_t *r0);
/* The runtime is going: its timer service stops (timer.c). */
void pbpf_timer_service_stop(struct pbpf_runtime *rt);
/* qsort/bsearch order of uint32_t */
int pbpf_cmp_u32(const void *a, const void *b);
/* The address lddw src=4 gives for the subprogram at pc. */
static inline uint64_t pbpf_callback_addr(const struct pbpf_prog *prog, size_t pc)
{
    return (uint64_t)(uintptr_t)&prog->insns[pc];
}

/* JIT entry points (jit_*.c); -EOPNOTSUPP where the host has no JIT. */
int pbpf_jit_compile(struct pbpf_prog *prog, char *log, size_t log_size);
int pbpf_jit_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                 uint64_t *r0);
void pbpf_jit_free(struct pbpf_prog *prog);

#endif
