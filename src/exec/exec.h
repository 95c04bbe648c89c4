/* Internal view of programs, runtimes and runs, shared by the engines. */
#ifndef PBPF_EXEC_EXEC_H
#define PBPF_EXEC_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "isa/isa.h"
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
/* Default instruction budget of a checked run. */
#define PBPF_DEFAULT_BUDGET (16ull * 1000 * 1000)

struct pbpf_helper_entry {
    pbpf_helper_fn fn;
    const char *name;
};

struct pbpf_runtime {
    struct pbpf_helper_entry helpers[PBPF_HELPER_MAX];
    unsigned slots;
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
    char name[64];
    /* helpers as they were when the program was loaded, by id */
    pbpf_helper_fn helpers[PBPF_HELPER_MAX + 1]; /* + PBPF_HELPER_POISON_SLOT */
    /* interpreter: one table per dispatch flavour, built on first use */
    struct interp_op *ops;
    /* JIT: native code and its entry point */
    struct pbpf_jit_code *jit;
    unsigned jit_flags; /* PBPF_JIT_* */
    uint32_t prog_type, expected_attach_type;
    /* maps the program refers to (references held), and the map values
     * it addresses directly (global data): regions of every checked run */
    struct pbpf_map **maps;
    size_t map_cnt;
    struct pbpf_region *static_regions;
    unsigned n_static_regions;
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
    /* checked mode: what the program may touch */
    struct pbpf_region regions[PBPF_MAX_REGIONS];
    unsigned nregions;
    /* set when the run stops early */
    int err;
    size_t err_pc;
    char msg[160];
};

/* Records a run failure (first one wins) and returns err. */
int pbpf_run_fail(struct pbpf_run_ctx *ctx, int err, size_t pc, const char *fmt, ...)
    PBPF_PRINTF_FMT(4, 5);

/* A run context for prog with only the stack region (region 0) and the
 * program's static regions; the caller adds its own (context, packet). */
void pbpf_run_ctx_init(struct pbpf_run_ctx *ctx, struct pbpf_prog *prog, void *user);
/* Runs prog on the engine it was loaded for with r1, r2; returns 0 and r0
 * or the run's error with the reason in ctx->msg. */
int pbpf_run_ctx_exec(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                      int count, uint64_t *r0, uint64_t *executed);

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

/* JIT entry points (jit_*.c); -EOPNOTSUPP where the host has no JIT. */
int pbpf_jit_compile(struct pbpf_prog *prog, char *log, size_t log_size);
int pbpf_jit_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                 uint64_t *r0);
void pbpf_jit_free(struct pbpf_prog *prog);

#endif
