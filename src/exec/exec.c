/* Runtimes, programs and runs: the public API in front of the engines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/compiler.h"
#include "exec/exec.h"
#include "helpers/helpers.h"
#include "helpers/proto.h"
#include "hooks/ctx.h"
#include "maps/epoch.h"
#include "maps/map.h"
#include "pbpf/verifier.h"
#include "platform/platform.h"

int pbpf_runtime_new(const struct pbpf_runtime_opts *opts, struct pbpf_runtime **out)
{
    *out = NULL;
    struct pbpf_runtime *rt = pbpf_calloc(1, sizeof *rt);
    if (!rt)
        return -ENOMEM;
    unsigned slots = opts && opts->sz >= offsetof(struct pbpf_runtime_opts, slots) + sizeof(unsigned)
                         ? opts->slots
                         : 0;
    rt->slots = slots ? slots : pbpf_cpu_count();
    if (opts && opts->sz >= offsetof(struct pbpf_runtime_opts, print_ctx) + sizeof(void *)) {
        rt->print = opts->print;
        rt->print_ctx = opts->print_ctx;
    }
    if (opts && opts->sz >= offsetof(struct pbpf_runtime_opts, manual_timers) + sizeof(int))
        rt->manual_timers = opts->manual_timers;
    pbpf_helpers_register_builtin(rt);
    *out = rt;
    return 0;
}

void pbpf_runtime_free(struct pbpf_runtime *rt)
{
    if (!rt)
        return;
    pbpf_timer_service_stop(rt);
    pbpf_free(rt);
}

int pbpf_runtime_set_helper(struct pbpf_runtime *rt, uint32_t id, pbpf_helper_fn fn,
                            const char *name)
{
    if (!rt || id >= PBPF_HELPER_MAX)
        return -EINVAL;
    rt->helpers[id].fn = fn;
    rt->helpers[id].name = fn ? (name ? name : pbpf_helper_name(id)) : NULL;
    return 0;
}

static void log_msg(char *buf, size_t size, const char *fmt, ...) PBPF_PRINTF_FMT(3, 4);
static void log_msg(char *buf, size_t size, const char *fmt, ...)
{
    if (!buf || !size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

#define OPT(opts, type, field, def)                                                                \
    ((opts) && (opts)->sz >= offsetof(type, field) + sizeof((opts)->field) ? (opts)->field : (def))

int pbpf_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* lddw src=4 (BPF_PSEUDO_FUNC): imm is the subprogram's offset from the
 * next instruction, as libbpf writes it.  The value a program gets is an
 * address inside its own instructions (Linux: the subprogram's JITed
 * address), which only callback helpers interpret. */
static int resolve_func(struct pbpf_prog *prog, size_t pc, char *log, size_t log_size)
{
    struct pbpf_insn *in = &prog->insns[pc];
    int64_t t = (int64_t)pc + 1 + in->imm;
    size_t at = 0;
    while (t >= 0 && at < (size_t)t && at < prog->cnt)
        at += prog->insns[at].code == PBPF_OPCODE_LDDW ? 2 : 1;
    if (t < 0 || (uint64_t)t >= prog->cnt || at != (size_t)t) {
        log_msg(log, log_size, "insn %zu: function pointer to insn %lld outside the program", pc,
                (long long)t);
        return -EINVAL;
    }
    if (in[1].imm || in[0].off) {
        log_msg(log, log_size, "insn %zu: lddw src=4 with nonzero reserved fields", pc);
        return -EINVAL;
    }
    uint32_t *nt = pbpf_realloc(prog->cb_targets, (prog->n_cb_targets + 1) * sizeof *nt);
    if (!nt)
        return -ENOMEM;
    prog->cb_targets = nt;
    nt[prog->n_cb_targets++] = (uint32_t)t;
    uint64_t addr = pbpf_callback_addr(prog, (size_t)t);
    in[0].regs = (uint8_t)(in[0].regs & 0x0f);
    in[0].imm = (int32_t)(uint32_t)addr;
    in[1].imm = (int32_t)(uint32_t)(addr >> 32);
    return 0;
}

/* Map references: lddw src=1 (map) and src=2 (direct value address) with
 * imm indexing the caller's map table become plain 64-bit constants, as
 * Linux's verifier turns fds into addresses (resolve_pseudo_ldimm64).  The
 * maps are kept referenced; direct values become regions of checked runs. */
static int resolve_maps(struct pbpf_prog *prog, struct pbpf_map *const *maps, size_t map_cnt,
                        char *log, size_t log_size)
{
    if (map_cnt) {
        prog->maps = pbpf_calloc(map_cnt, sizeof *prog->maps);
        if (!prog->maps)
            return -ENOMEM;
        for (size_t i = 0; i < map_cnt; i++) {
            if (!maps[i]) {
                log_msg(log, log_size, "map %zu of the map table is NULL", i);
                return -EINVAL;
            }
            pbpf_map_get(maps[i]);
            __atomic_add_fetch(&maps[i]->prog_holders, 1, __ATOMIC_RELAXED);
            prog->maps[prog->map_cnt++] = maps[i];
        }
    }
    for (size_t pc = 0; pc + 1 < prog->cnt; pc++) {
        struct pbpf_insn *in = &prog->insns[pc];
        if (in->code != PBPF_OPCODE_LDDW)
            continue;
        unsigned src = PBPF_INSN_SRC(in);
        if (src == PBPF_PSEUDO_MAP_FD || src == PBPF_PSEUDO_MAP_VALUE) {
            uint32_t idx = (uint32_t)in->imm;
            if (idx >= map_cnt) {
                log_msg(log, log_size, "insn %zu: fd %d is not pointing to valid bpf_map", pc,
                        in->imm);
                return -EBADF;
            }
            struct pbpf_map *m = maps[idx];
            uint64_t addr = (uint64_t)(uintptr_t)m;
            if (src == PBPF_PSEUDO_MAP_VALUE) {
                uint32_t off = (uint32_t)in[1].imm, zero = 0;
                if (m->type != PBPF_MAP_TYPE_ARRAY || m->max_entries != 1) {
                    log_msg(log, log_size,
                         "insn %zu: direct value access on map '%s' (type %u): only "
                         "single-element array maps have one",
                         pc, m->name, m->type);
                    return -EINVAL;
                }
                if (off >= m->value_size) {
                    log_msg(log, log_size,
                         "insn %zu: invalid access to map value pointer, value_size=%u off=%u",
                         pc, m->value_size, off);
                    return -EINVAL;
                }
                uint8_t *v = pbpf_map_lookup_prog(m, &zero, 0);
                if (!v)
                    return -EINVAL;
                addr = (uint64_t)(uintptr_t)(v + off);
                /* .rodata: libbpf creates it BPF_F_RDONLY_PROG */
                int writable = !(m->map_flags & PBPF_F_RDONLY_PROG);
                int known = 0;
                for (unsigned r = 0; r < prog->n_static_regions; r++)
                    known |= prog->static_regions[r].start == (uintptr_t)v;
                if (!known) {
                    if (prog->n_static_regions + 8 >= PBPF_MAX_REGIONS) {
                        log_msg(log, log_size, "insn %zu: too many global data maps", pc);
                        return -E2BIG;
                    }
                    struct pbpf_region *nr = pbpf_realloc(
                        prog->static_regions, (prog->n_static_regions + 1) * sizeof *nr);
                    if (!nr)
                        return -ENOMEM;
                    prog->static_regions = nr;
                    nr[prog->n_static_regions].start = (uintptr_t)v;
                    nr[prog->n_static_regions].end = (uintptr_t)v + m->value_size;
                    nr[prog->n_static_regions].writable = writable;
                    prog->n_static_regions++;
                }
            }
            if (m->type == PBPF_MAP_TYPE_PROG_ARRAY && !pbpf_prog_array_compatible(m, prog)) {
                /* bpf_check_tail_call() at load */
                log_msg(log, log_size,
                        "insn %zu: prog array '%s' holds programs of another type or engine", pc,
                        m->name);
                return -EINVAL;
            }
            in[0].regs = (uint8_t)(in[0].regs & 0x0f);
            in[0].imm = (int32_t)(uint32_t)addr;
            in[1].imm = (int32_t)(uint32_t)(addr >> 32);
        } else if (src == PBPF_PSEUDO_FUNC) {
            int rc = resolve_func(prog, pc, log, log_size);
            if (rc)
                return rc;
        }
        pc++;
    }
    return 0;
}

/* A CO-RE relocation the loader could not resolve: the program may load
 * (the instruction may be dead code), but reaching it stops the run. */
static uint64_t core_poison_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct pbpf_run_ctx *ctx)
{
    (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
    pbpf_run_ctx_abort(ctx, -EINVAL, "CO-RE relocation could not be resolved");
    return 0;
}

/* What the engines cannot run on their own: pseudo instructions that need
 * the object loader, and calls of helpers this runtime does not have. */
static int check_resolved(struct pbpf_prog *prog, char *log, size_t log_size)
{
    for (size_t pc = 0; pc < prog->cnt; pc++) {
        struct pbpf_insn *in = &prog->insns[pc];
        if (in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == 0 &&
            (uint32_t)in->imm == PBPF_CORE_POISON_ID) {
            in->imm = PBPF_HELPER_POISON_SLOT;
            prog->helpers[PBPF_HELPER_POISON_SLOT] = core_poison_helper;
            continue;
        }
        if (in->code == PBPF_OPCODE_LDDW) {
            if (PBPF_INSN_SRC(in) != 0) {
                log_msg(log, log_size,
                     "insn %zu: lddw with src=%u (a map or function reference) needs the "
                     "object loader to resolve it",
                     pc, PBPF_INSN_SRC(in));
                return -EINVAL;
            }
            pc++;
        } else if (in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == 0) {
            uint32_t id = (uint32_t)in->imm;
            if (id >= PBPF_HELPER_MAX || !prog->helpers[id]) {
                const char *name = pbpf_helper_name(id);
                if (name)
                    log_msg(log, log_size,
                         "insn %zu: helper %u (bpf_%s) is not available for this runtime", pc, id,
                         name);
                else
                    log_msg(log, log_size, "insn %zu: unknown helper %u", pc, id);
                return -EINVAL;
            }
            /* the program type's helper set (Linux: get_func_proto) */
            const struct pbpf_helper_proto *hp = pbpf_helper_proto(id);
            if (hp && !pbpf_helper_allowed(hp, prog->prog_type)) {
                if (!prog->prog_type)
                    log_msg(log, log_size,
                            "insn %zu: bpf_%s#%u reads what a tracing program's attachment "
                            "gives; a program without a type has none",
                            pc, pbpf_helper_name(id), id);
                else
                    log_msg(log, log_size,
                            "insn %zu: program of this type cannot use helper bpf_%s#%u", pc,
                            pbpf_helper_name(id), id);
                return -EINVAL;
            }
        } else if (in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_KFUNC_CALL) {
            log_msg(log, log_size, "insn %zu: kfunc calls (call src=2) are not supported", pc);
            return -EOPNOTSUPP;
        }
    }
    return 0;
}

/* Verified mode: the verifier decides whether the program loads (Linux's
 * bpf_check from BPF_PROG_LOAD).  Its log goes to the caller's buffer. */
static int verify(struct pbpf_prog *prog, const struct pbpf_insn *insns,
                  const struct pbpf_prog_opts *opts, char *log, size_t log_size,
                  struct pbpf_verifier_ctx_access **sites, size_t *nsites)
{
    uint32_t mem_size = OPT(opts, struct pbpf_prog_opts, mem_size, 0);
    if (!prog->prog_type)
        prog->min_mem = mem_size;
    *sites = NULL;
    *nsites = 0;
    if (OPT(opts, struct pbpf_prog_opts, preverified, 0))
        return 0; /* no proof: the context scan finds the accesses */
    struct pbpf_verifier_stats st;
    PBPF_OPTS(pbpf_verifier_opts, vo, .prog_type = prog->prog_type,
              .expected_attach_type = prog->expected_attach_type,
              .maps = OPT(opts, struct pbpf_prog_opts, maps, NULL),
              .map_cnt = OPT(opts, struct pbpf_prog_opts, map_cnt, 0), .mem_size = mem_size,
              .log_level = OPT(opts, struct pbpf_prog_opts, log_level, 0), .log_buf = log,
              .log_size = log_size,
              .line_info = OPT(opts, struct pbpf_prog_opts, line_info, NULL),
              .line_info_cnt = OPT(opts, struct pbpf_prog_opts, line_info_cnt, 0),
              .gpl = pbpf_license_gpl_compatible(OPT(opts, struct pbpf_prog_opts, license, NULL)),
              .caps = OPT(opts, struct pbpf_prog_opts, verifier_caps, PBPF_VERIFIER_CAP_ROOT),
              .btf = OPT(opts, struct pbpf_prog_opts, btf, NULL),
              .btf_size = OPT(opts, struct pbpf_prog_opts, btf_size, 0),
              .func_info = OPT(opts, struct pbpf_prog_opts, func_info, NULL),
              .func_info_cnt = OPT(opts, struct pbpf_prog_opts, func_info_cnt, 0));
    /* the context accesses the verifier proved: the ones to rewrite */
    *sites = prog->cnt ? pbpf_calloc(prog->cnt, sizeof **sites) : NULL;
    if (prog->cnt && !*sites)
        return -ENOMEM;
    vo.ctx_access = *sites;
    vo.ctx_access_cap = prog->cnt;
    int rc = pbpf_verify(insns, prog->cnt, &vo, &st);
    *nsites = st.ctx_access_cnt;
    struct pbpf_verifier_stats *out = OPT(opts, struct pbpf_prog_opts, verifier_stats, NULL);
    if (out)
        *out = st;
    return rc;
}

int pbpf_prog_load(struct pbpf_runtime *rt, const struct pbpf_insn *insns, size_t insn_cnt,
                   const struct pbpf_prog_opts *opts, struct pbpf_prog **out)
{
    char *log = OPT(opts, struct pbpf_prog_opts, log_buf, NULL);
    size_t log_size = OPT(opts, struct pbpf_prog_opts, log_size, 0);
    if (log && log_size)
        log[0] = '\0';
    *out = NULL;
    if (!rt || (!insns && insn_cnt)) {
        log_msg(log, log_size, "no runtime or no instructions");
        return -EINVAL;
    }
    int rc = pbpf_isa_validate(insns, insn_cnt, log, log_size, NULL);
    if (rc)
        return rc;

    struct pbpf_prog *prog = pbpf_calloc(1, sizeof *prog);
    if (!prog)
        return -ENOMEM;
    prog->rt = rt;
    prog->refcnt = 1;
    prog->cnt = insn_cnt;
    prog->engine = OPT(opts, struct pbpf_prog_opts, engine, PBPF_ENGINE_INTERP);
    prog->mode = OPT(opts, struct pbpf_prog_opts, mode, PBPF_MODE_CHECKED);
    prog->budget = OPT(opts, struct pbpf_prog_opts, insn_budget, 0);
    prog->jit_flags = OPT(opts, struct pbpf_prog_opts, jit_flags, 0);
    if ((prog->jit_flags & PBPF_JIT_BLIND_CONSTANTS) &&
        (prog->jit_flags & PBPF_JIT_NO_BLIND_CONSTANTS)) {
        log_msg(log, log_size, "jit_flags: PBPF_JIT_BLIND_CONSTANTS and "
                               "PBPF_JIT_NO_BLIND_CONSTANTS together");
        rc = -EINVAL;
        goto fail;
    }
    if (OPT(opts, struct pbpf_prog_opts, untrusted, 0) &&
        !(prog->jit_flags & PBPF_JIT_NO_BLIND_CONSTANTS))
        prog->jit_flags |= PBPF_JIT_BLIND_CONSTANTS;
    if (!prog->budget)
        prog->budget = PBPF_DEFAULT_BUDGET;
    const char *name = OPT(opts, struct pbpf_prog_opts, name, NULL);
    snprintf(prog->name, sizeof prog->name, "%s", name ? name : "prog");
    for (unsigned i = 0; i < PBPF_HELPER_MAX; i++)
        prog->helpers[i] = rt->helpers[i].fn;

    prog->insns = pbpf_malloc(insn_cnt * sizeof *insns);
    if (!prog->insns) {
        rc = -ENOMEM;
        goto fail;
    }
    memcpy(prog->insns, insns, insn_cnt * sizeof *insns);

    if (prog->engine != PBPF_ENGINE_INTERP && prog->engine != PBPF_ENGINE_JIT) {
        log_msg(log, log_size, "unknown engine %d", (int)prog->engine);
        rc = -EINVAL;
        goto fail;
    }
    if (prog->mode != PBPF_MODE_CHECKED && prog->mode != PBPF_MODE_VERIFIED) {
        log_msg(log, log_size, "unknown mode %d", (int)prog->mode);
        rc = -EINVAL;
        goto fail;
    }
    if (prog->engine == PBPF_ENGINE_JIT && prog->mode != PBPF_MODE_VERIFIED) {
        /* Unverified code runs only on the checked interpreter. */
        log_msg(log, log_size, "the JIT runs only verified programs (use the checked interpreter)");
        rc = -EINVAL;
        goto fail;
    }
    prog->prog_type = OPT(opts, struct pbpf_prog_opts, prog_type, 0);
    prog->expected_attach_type = OPT(opts, struct pbpf_prog_opts, expected_attach_type, 0);
    struct pbpf_verifier_ctx_access *vsites = NULL;
    size_t nvsites = 0;
    if (prog->mode == PBPF_MODE_VERIFIED) {
        /* on the bytecode as given: map references are still indexes */
        rc = verify(prog, insns, opts, log, log_size, &vsites, &nvsites);
        if (rc) {
            pbpf_free(vsites);
            goto fail;
        }
    }
    /* Context accesses of a typed program move to pbpf's internal context
     * (Linux: convert_ctx_accesses after the verifier's check): the ones
     * the verifier proved, or for unverified code those the context scan
     * finds.  Before map and function references are resolved: the scan
     * follows callbacks from their lddw src=4, which resolve_maps turns
     * into plain constants. */
    if (prog->prog_type) {
        char msg[200] = "";
        if (vsites) {
            rc = pbpf_ctx_apply_sites(prog->prog_type, prog->expected_attach_type, prog->insns,
                                      prog->cnt, vsites, nvsites, msg, sizeof msg);
        } else {
            rc = pbpf_ctx_apply(prog->prog_type, prog->expected_attach_type, prog->insns,
                                prog->cnt, msg, sizeof msg);
        }
        if (rc)
            log_msg(log, log_size, "%s", msg);
    }
    pbpf_free(vsites);
    if (!rc)
        rc = resolve_maps(prog, OPT(opts, struct pbpf_prog_opts, maps, NULL),
                          OPT(opts, struct pbpf_prog_opts, map_cnt, 0), log, log_size);
    if (!rc)
        rc = check_resolved(prog, log, log_size);
    if (rc)
        goto fail;
    if (prog->n_cb_targets)
        qsort(prog->cb_targets, prog->n_cb_targets, sizeof *prog->cb_targets, pbpf_cmp_u32);
    prog->needs_epoch = prog->map_cnt > 0;
    for (size_t pc = 0; pc < prog->cnt; pc++)
        if (prog->insns[pc].code == PBPF_OPCODE_CALL || prog->insns[pc].code == PBPF_OPCODE_CALLX)
            prog->needs_epoch = 1;
    rc = pbpf_interp_prepare(prog, log, log_size);
    if (rc)
        goto fail;
    if (prog->engine == PBPF_ENGINE_JIT) {
        rc = pbpf_jit_compile(prog, log, log_size);
        if (rc)
            goto fail;
        if (!prog->needs_epoch)
            prog->fast_entry = prog->jit_entry;
        if (!prog->needs_epoch)
            prog->leaf_entry = prog->jit_leaf_entry;
    }
    *out = prog;
    return 0;
fail:
    pbpf_prog_free(prog);
    return rc;
}

static void prog_destroy(struct pbpf_prog *prog)
{
    if (prog->jit)
        pbpf_jit_free(prog);
    pbpf_free(prog->ops);
    pbpf_free(prog->insns);
    for (size_t i = 0; i < prog->map_cnt; i++) {
        __atomic_sub_fetch(&prog->maps[i]->prog_holders, 1, __ATOMIC_RELAXED);
        pbpf_map_put_deferred(prog->maps[i]);
    }
    pbpf_free(prog->maps);
    pbpf_free(prog->static_regions);
    pbpf_free(prog->cb_targets);
    pbpf_free(prog);
}

void pbpf_prog_get(struct pbpf_prog *prog) { __atomic_add_fetch(&prog->refcnt, 1, __ATOMIC_RELAXED); }

void pbpf_prog_free(struct pbpf_prog *prog)
{
    if (prog && __atomic_sub_fetch(&prog->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        prog_destroy(prog);
}

static void prog_destroy_node(struct pbpf_epoch_node *n)
{
    prog_destroy((struct pbpf_prog *)((char *)n - offsetof(struct pbpf_prog, free_node)));
}

void pbpf_prog_put_deferred(struct pbpf_prog *prog)
{
    if (__atomic_sub_fetch(&prog->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        pbpf_epoch_retire(&prog->free_node, NULL, prog_destroy_node);
}

size_t pbpf_prog_insn_cnt(const struct pbpf_prog *prog) { return prog->cnt; }
const struct pbpf_insn *pbpf_prog_insns(const struct pbpf_prog *prog) { return prog->insns; }
enum pbpf_engine pbpf_prog_engine(const struct pbpf_prog *prog) { return prog->engine; }
enum pbpf_mode pbpf_prog_mode(const struct pbpf_prog *prog) { return prog->mode; }

/* Execution slots: a thread keeps the slot it was first given, handed out
 * round-robin, so runs on one thread see the same per-slot state. */
static unsigned thread_slot(const struct pbpf_runtime *rt)
{
    static unsigned next_slot;
    static _Thread_local unsigned mine_plus_one;
    /* the last runtime's answer: saves a division per run */
    static _Thread_local const struct pbpf_runtime *last_rt;
    static _Thread_local unsigned last_slot;
    if (PBPF_LIKELY(rt == last_rt))
        return last_slot;
    if (!mine_plus_one)
        mine_plus_one = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) + 1;
    last_slot = (mine_plus_one - 1) % rt->slots;
    last_rt = rt;
    return last_slot;
}

/* The run's failure report; out of line so that the common path stays short. */
static void run_report(struct pbpf_run_ctx *ctx, int rc, uint64_t executed,
                       struct pbpf_run_opts *opts)
{
    const struct pbpf_prog *prog = ctx->prog;
    if (rc && ctx->err_pc < prog->cnt && prog->insns[ctx->err_pc].code == PBPF_OPCODE_CALL &&
        prog->insns[ctx->err_pc].imm == PBPF_HELPER_POISON_SLOT &&
        PBPF_INSN_SRC(&prog->insns[ctx->err_pc]) == 0)
        snprintf(ctx->msg, sizeof ctx->msg,
                 "insn %zu: CO-RE relocation could not be resolved (the loader poisoned this "
                 "instruction: call 0xbad2310)",
                 ctx->err_pc);
    if (opts->sz >= offsetof(struct pbpf_run_opts, insns_executed) + sizeof(uint64_t))
        opts->insns_executed = executed;
    if (opts->sz >= offsetof(struct pbpf_run_opts, err_pc) + sizeof(size_t))
        opts->err_pc = rc ? ctx->err_pc : 0;
    char *eb = OPT(opts, struct pbpf_run_opts, err_buf, NULL);
    size_t es = OPT(opts, struct pbpf_run_opts, err_size, 0);
    if (eb && es)
        snprintf(eb, es, "%s", rc ? ctx->msg : "");
}

/* The fixed cost of a run is what this function does besides the engine:
 * no allocation, and only the setup the program can observe.  The regions
 * exist only for checked runs, the epoch section only for programs that
 * can reach map elements (they name a map or call a helper).  Every path
 * but the shortest is a function of its own, so that pbpf_prog_run itself
 * needs no stack frame for a run context it does not use. */
static int run_refused(const struct pbpf_prog *prog, const void *mem, size_t mem_len,
                       struct pbpf_run_opts *opts) PBPF_NOINLINE;
static int run_short(struct pbpf_prog *prog, void *mem, size_t mem_len,
                     uint64_t *r0) PBPF_NOINLINE;
static int run_full(struct pbpf_prog *prog, void *mem, size_t mem_len, uint64_t *r0,
                    struct pbpf_run_opts *opts) PBPF_NOINLINE;

int pbpf_prog_run(struct pbpf_prog *prog, void *mem, size_t mem_len, uint64_t *r0,
                  struct pbpf_run_opts *opts)
{
    if (PBPF_UNLIKELY(mem_len < prog->min_mem || (!mem && mem_len)))
        return run_refused(prog, mem, mem_len, opts);
    if (PBPF_LIKELY(prog->leaf_entry && !opts))
        return prog->leaf_entry((uint64_t)(uintptr_t)mem, mem_len, r0);
    if (prog->fast_entry && !opts)
        return run_short(prog, mem, mem_len, r0);
    return run_full(prog, mem, mem_len, r0, opts);
}

static int run_refused(const struct pbpf_prog *prog, const void *mem, size_t mem_len,
                       struct pbpf_run_opts *opts)
{
    if (opts && opts->err_buf && opts->err_size) {
        if (!mem && mem_len)
            snprintf(opts->err_buf, opts->err_size, "mem is NULL but mem_len is %zu", mem_len);
        else
            snprintf(opts->err_buf, opts->err_size,
                     "mem of %zu bytes: the program was verified for %u", mem_len, prog->min_mem);
    }
    return -EINVAL;
}

/* JIT code that calls no helper and reaches no map whose elements can be
 * freed: it reads only the packet fields of the context (LD_ABS/LD_IND),
 * and it can fail only through the call depth limit of bpf-to-bpf calls,
 * which sets err, err_pc and msg together (pbpf_run_fail, which needs
 * nothing else of ctx). */
static int run_short(struct pbpf_prog *prog, void *mem, size_t mem_len, uint64_t *r0)
{
    struct pbpf_run_ctx ctx;
    ctx.pkt = mem;
    ctx.pkt_len = mem_len;
    ctx.err = 0;
    uint64_t result = prog->fast_entry((uint64_t)(uintptr_t)mem, mem_len, &ctx);
    if (!ctx.err && r0)
        *r0 = result;
    return ctx.err;
}

static int run_full(struct pbpf_prog *prog, void *mem, size_t mem_len, uint64_t *r0,
                    struct pbpf_run_opts *opts)
{
    struct pbpf_run_ctx ctx;
    ctx.prog = prog;
    ctx.user = opts ? OPT(opts, struct pbpf_run_opts, user, NULL) : NULL;
    ctx.slot = thread_slot(prog->rt);
    ctx.pkt = mem;
    ctx.pkt_len = mem_len;
    ctx.hook = NULL;
    ctx.tail_calls = 0;
    ctx.cb_depth = 0;
    ctx.count = 0;
    ctx.err = 0;
    ctx.err_pc = (size_t)-1;
    ctx.msg[0] = '\0';
    ctx.nregions = 0;
    if (prog->mode == PBPF_MODE_CHECKED) {
        /* region 0 is the stack, filled in by the engine */
        ctx.nregions = 1;
        if (mem && mem_len) {
            ctx.regions[1].start = (uintptr_t)mem;
            ctx.regions[1].end = (uintptr_t)mem + mem_len;
            ctx.regions[1].writable = 1;
            ctx.nregions = 2;
        }
        ctx.nbase_regions = ctx.nregions;
        for (unsigned i = 0; i < prog->n_static_regions; i++)
            ctx.regions[ctx.nregions++] = prog->static_regions[i];
    }
    uint64_t executed = 0, result = 0;
    int rc;
    /* map elements the program can reach stay allocated until it ends */
    int epoch = prog->needs_epoch;
    if (epoch)
        pbpf_epoch_enter();
    if (prog->jit_leaf_entry) {
        rc = prog->jit_leaf_entry((uint64_t)(uintptr_t)mem, mem_len, &result);
    } else if (PBPF_LIKELY(prog->jit_entry != NULL)) {
        result = prog->jit_entry((uint64_t)(uintptr_t)mem, mem_len, &ctx);
        rc = ctx.err;
    } else {
        int count = opts ? OPT(opts, struct pbpf_run_opts, count_insns, 0) : 0;
        rc = pbpf_interp_run(prog, &ctx, (uint64_t)(uintptr_t)mem, mem_len, count, &result,
                             &executed);
    }
    if (epoch)
        pbpf_epoch_exit();
    if (PBPF_UNLIKELY(opts != NULL))
        run_report(&ctx, rc, executed, opts);
    if (rc == 0 && r0)
        *r0 = result;
    return rc;
}

void pbpf_run_ctx_init(struct pbpf_run_ctx *ctx, struct pbpf_prog *prog, void *user)
{
    memset(ctx, 0, offsetof(struct pbpf_run_ctx, regions));
    ctx->prog = prog;
    ctx->user = user;
    ctx->slot = thread_slot(prog->rt);
    ctx->tail_calls = 0;
    ctx->cb_depth = 0;
    ctx->tail_target = NULL;
    ctx->count = 0;
    ctx->err = 0;
    ctx->err_pc = (size_t)-1;
    ctx->msg[0] = '\0';
    /* region 0 is the stack, filled in by the engine */
    ctx->nregions = 1;
}

int pbpf_run_ctx_exec(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                      uint64_t *r0)
{
    /* each run starts afresh (a test run repeats on one context) */
    ctx->tail_calls = 0;
    ctx->cb_depth = 0;
    ctx->tail_target = NULL;
    ctx->count = 0;
    ctx->nbase_regions = ctx->nregions;
    for (unsigned i = 0; i < prog->n_static_regions && ctx->nregions < PBPF_MAX_REGIONS; i++)
        ctx->regions[ctx->nregions++] = prog->static_regions[i];
    uint64_t result = 0, executed = 0;
    int rc;
    /* map elements the program can reach stay allocated until it ends */
    pbpf_epoch_enter();
    if (prog->engine == PBPF_ENGINE_JIT)
        rc = pbpf_jit_run(prog, ctx, r1, r2, &result);
    else
        rc = pbpf_interp_run(prog, ctx, r1, r2, 0, &result, &executed);
    pbpf_epoch_exit();
    /* the next run starts from the same base regions */
    ctx->nregions = ctx->nbase_regions;
    if (rc && ctx->err_pc < prog->cnt && prog->insns[ctx->err_pc].code == PBPF_OPCODE_CALL &&
        prog->insns[ctx->err_pc].imm == PBPF_HELPER_POISON_SLOT &&
        PBPF_INSN_SRC(&prog->insns[ctx->err_pc]) == 0)
        snprintf(ctx->msg, sizeof ctx->msg,
                 "insn %zu: CO-RE relocation could not be resolved (the loader poisoned this "
                 "instruction: call 0xbad2310)",
                 ctx->err_pc);
    if (rc == 0 && r0)
        *r0 = result;
    return rc;
}

int pbpf_run_fail(struct pbpf_run_ctx *ctx, int err, size_t pc, const char *fmt, ...)
{
    if (ctx->err && ctx->msg[0])
        return ctx->err;
    ctx->err = err;
    ctx->err_pc = pc;
    int n = snprintf(ctx->msg, sizeof ctx->msg, "insn %zu: ", pc);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof ctx->msg)
        vsnprintf(ctx->msg + n, sizeof ctx->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return err;
}

void *pbpf_run_ctx_user(const struct pbpf_run_ctx *ctx) { return ctx->user; }
struct pbpf_prog *pbpf_run_ctx_prog(const struct pbpf_run_ctx *ctx) { return ctx->prog; }
unsigned pbpf_run_ctx_slot(const struct pbpf_run_ctx *ctx) { return ctx->slot; }

int pbpf_run_ctx_check_mem(const struct pbpf_run_ctx *ctx, uint64_t ptr, uint64_t len, int write)
{
    if (ctx->prog->mode == PBPF_MODE_VERIFIED)
        return 1;
    return len == 0 || pbpf_region_ok(ctx, ptr, len, write);
}

int pbpf_run_ctx_add_region(struct pbpf_run_ctx *ctx, void *ptr, uint64_t len, int writable)
{
    if (ctx->prog->mode == PBPF_MODE_VERIFIED)
        return 0;
    if (ctx->nregions >= PBPF_MAX_REGIONS)
        return -ENOSPC;
    ctx->regions[ctx->nregions].start = (uintptr_t)ptr;
    ctx->regions[ctx->nregions].end = (uintptr_t)ptr + len;
    ctx->regions[ctx->nregions].writable = writable;
    ctx->nregions++;
    return 0;
}

void pbpf_run_ctx_abort(struct pbpf_run_ctx *ctx, int err, const char *msg)
{
    if (ctx->err)
        return;
    ctx->err = err ? err : -EINVAL;
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "aborted by helper");
}
