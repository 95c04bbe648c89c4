/* Map helpers: bpf_map_{lookup,update,delete}_elem, push/pop/peek and the
 * ring buffer helpers, by Linux id.
 *
 * A program names a map by a 64-bit immediate holding the struct pbpf_map
 * pointer (the loader patches lddw src=1 into that).  In verified mode the
 * verifier has proven every argument; in checked mode each argument is
 * validated here (the map against the registry of live maps, memory
 * against the run's regions) and a bad one stops the run with -EFAULT
 * instead of crashing.  Value pointers handed to a checked program become
 * regions of the run. */
#include <errno.h>
#include <stdio.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "maps/map.h"

#define ARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct pbpf_run_ctx *ctx
#define UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5

static int checked(const struct pbpf_run_ctx *ctx) { return ctx->prog->mode == PBPF_MODE_CHECKED; }

static uint64_t fault(struct pbpf_run_ctx *ctx, const char *helper, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "bpf_%s: %s", helper, what);
    pbpf_run_ctx_abort(ctx, -EFAULT, msg);
    return 0;
}

/* Validates the map argument (and, when len > 0, one memory argument). */
static struct pbpf_map *arg_map(struct pbpf_run_ctx *ctx, uint64_t r, const char *helper)
{
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)r;
    if (checked(ctx) && !pbpf_map_is_live(m)) {
        fault(ctx, helper, "argument 1 is not a map");
        return NULL;
    }
    return m;
}

static int arg_mem(struct pbpf_run_ctx *ctx, uint64_t p, uint64_t len, int write,
                   const char *helper, const char *what)
{
    if (!checked(ctx))
        return 1;
    if (p && pbpf_run_ctx_check_mem(ctx, p, len, write))
        return 1;
    fault(ctx, helper, what);
    return 0;
}

static int is_outer(const struct pbpf_map *m)
{
    return m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == PBPF_MAP_TYPE_HASH_OF_MAPS;
}

/* bpf_map_lookup_elem (1): the value in place, or NULL. */
uint64_t pbpf_helper_map_lookup_elem(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    if (!checked(ctx)) {
        struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)r1;
        return (uint64_t)(uintptr_t)pbpf_map_lookup_prog(m, (const void *)(uintptr_t)r2, ctx->slot);
    }
    struct pbpf_map *m = arg_map(ctx, r1, "map_lookup_elem");
    if (!m || !arg_mem(ctx, r2, m->key_size, 0, "map_lookup_elem", "key is not readable memory"))
        return 0;
    void *v = pbpf_map_lookup_prog(m, (const void *)(uintptr_t)r2, ctx->slot);
    if (v && !is_outer(m) &&
        pbpf_run_ctx_add_region(ctx, v, m->value_size, !(m->map_flags & PBPF_F_RDONLY_PROG)))
        return fault(ctx, "map_lookup_elem", "too many memory regions in one run");
    return (uint64_t)(uintptr_t)v;
}

/* bpf_map_update_elem (2) */
static uint64_t h_map_update_elem(ARGS)
{
    (void)r5;
    struct pbpf_map *m = arg_map(ctx, r1, "map_update_elem");
    if (!m)
        return 0;
    if (checked(ctx)) {
        if (!arg_mem(ctx, r2, m->key_size, 0, "map_update_elem", "key is not readable memory") ||
            !arg_mem(ctx, r3, m->value_size, 0, "map_update_elem", "value is not readable memory"))
            return 0;
        if (m->map_flags & PBPF_F_RDONLY_PROG)
            return (uint64_t)(int64_t)-EPERM;
    }
    return (uint64_t)(int64_t)pbpf_map_update_prog(m, (const void *)(uintptr_t)r2,
                                                   (const void *)(uintptr_t)r3, r4, ctx->slot);
}

/* bpf_map_delete_elem (3) */
static uint64_t h_map_delete_elem(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    struct pbpf_map *m = arg_map(ctx, r1, "map_delete_elem");
    if (!m)
        return 0;
    if (checked(ctx)) {
        if (!arg_mem(ctx, r2, m->key_size, 0, "map_delete_elem", "key is not readable memory"))
            return 0;
        if (m->map_flags & PBPF_F_RDONLY_PROG)
            return (uint64_t)(int64_t)-EPERM;
    }
    return (uint64_t)(int64_t)pbpf_map_delete_prog(m, (const void *)(uintptr_t)r2);
}

/* bpf_map_push_elem (87) */
static uint64_t h_map_push_elem(ARGS)
{
    (void)r4, (void)r5;
    struct pbpf_map *m = arg_map(ctx, r1, "map_push_elem");
    if (!m || !arg_mem(ctx, r2, m->value_size, 0, "map_push_elem", "value is not readable memory"))
        return 0;
    return (uint64_t)(int64_t)pbpf_map_push_prog(m, (const void *)(uintptr_t)r2, r3);
}

/* bpf_map_pop_elem (88) */
static uint64_t h_map_pop_elem(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    struct pbpf_map *m = arg_map(ctx, r1, "map_pop_elem");
    if (!m || !arg_mem(ctx, r2, m->value_size, 1, "map_pop_elem", "value is not writable memory"))
        return 0;
    return (uint64_t)(int64_t)pbpf_map_pop_prog(m, (void *)(uintptr_t)r2);
}

/* bpf_map_peek_elem (89); for a bloom filter the value is the input. */
static uint64_t h_map_peek_elem(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    struct pbpf_map *m = arg_map(ctx, r1, "map_peek_elem");
    int w = m && m->type != PBPF_MAP_TYPE_BLOOM_FILTER;
    if (!m || !arg_mem(ctx, r2, m->value_size, w, "map_peek_elem", "value is not accessible memory"))
        return 0;
    return (uint64_t)(int64_t)pbpf_map_peek_prog(m, (void *)(uintptr_t)r2);
}

static struct pbpf_map *arg_ringbuf(struct pbpf_run_ctx *ctx, uint64_t r, const char *helper)
{
    struct pbpf_map *m = arg_map(ctx, r, helper);
    if (m && m->type != PBPF_MAP_TYPE_RINGBUF) {
        if (checked(ctx))
            fault(ctx, helper, "argument 1 is not a ring buffer");
        return NULL;
    }
    return m;
}

/* bpf_ringbuf_output (130) */
static uint64_t h_ringbuf_output(ARGS)
{
    (void)r5;
    struct pbpf_map *m = arg_ringbuf(ctx, r1, "ringbuf_output");
    if (!m || !arg_mem(ctx, r2, r3, 0, "ringbuf_output", "data is not readable memory"))
        return 0;
    return (uint64_t)(int64_t)pbpf_ringbuf_output(m, (const void *)(uintptr_t)r2, r3, r4);
}

/* bpf_ringbuf_reserve (131) */
static uint64_t h_ringbuf_reserve(ARGS)
{
    (void)r4, (void)r5;
    struct pbpf_map *m = arg_ringbuf(ctx, r1, "ringbuf_reserve");
    if (!m)
        return 0;
    void *p = pbpf_ringbuf_reserve(m, r2, r3);
    if (p && checked(ctx) && pbpf_run_ctx_add_region(ctx, p, r2, 1)) {
        pbpf_ringbuf_commit(p, 1);
        return fault(ctx, "ringbuf_reserve", "too many memory regions in one run");
    }
    return (uint64_t)(uintptr_t)p;
}

static uint64_t commit(struct pbpf_run_ctx *ctx, uint64_t r1, int discard, const char *helper)
{
    void *p = (void *)(uintptr_t)r1;
    if (checked(ctx) && !pbpf_ringbuf_find_sample(p))
        return fault(ctx, helper, "argument 1 is not a reserved ring buffer sample");
    pbpf_ringbuf_commit(p, discard);
    return 0;
}

/* bpf_ringbuf_submit (132), bpf_ringbuf_discard (133) */
static uint64_t h_ringbuf_submit(ARGS)
{
    UNUSED5;
    return commit(ctx, r1, 0, "ringbuf_submit");
}

static uint64_t h_ringbuf_discard(ARGS)
{
    UNUSED5;
    return commit(ctx, r1, 1, "ringbuf_discard");
}

/* bpf_ringbuf_query (134) */
static uint64_t h_ringbuf_query(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    struct pbpf_map *m = arg_ringbuf(ctx, r1, "ringbuf_query");
    return m ? pbpf_ringbuf_query(m, r2) : 0;
}

/* bpf_perf_event_output (25): the context is not looked at (Linux takes
 * the registers of a tracing context from it). */
static uint64_t h_perf_event_output(ARGS)
{
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)r2;
    if (checked(ctx) && !pbpf_map_is_live(m))
        return fault(ctx, "perf_event_output", "argument 2 is not a map");
    if (m->type != PBPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        if (checked(ctx))
            return fault(ctx, "perf_event_output", "argument 2 is not a perf event array");
        return (uint64_t)(int64_t)-EINVAL;
    }
    if (r5 && !arg_mem(ctx, r4, r5, 0, "perf_event_output", "data is not readable memory"))
        return 0;
    return (uint64_t)(int64_t)pbpf_perf_event_output(m, r3, ctx->slot,
                                                     (const void *)(uintptr_t)r4, r5);
}

/* bpf_spin_lock (93), bpf_spin_unlock (94): the u32 of a struct
 * bpf_spin_lock in a map value.  The verifier proves the pointer and the
 * pairing; checked mode can only check the memory. */
static uint64_t spin(struct pbpf_run_ctx *ctx, uint64_t r1, int lock, const char *helper)
{
    if (checked(ctx) && ((r1 & 3) || !arg_mem(ctx, r1, 4, 1, helper, "argument 1 is not a "
                                                                      "writable, aligned lock")))
        return (r1 & 3) ? fault(ctx, helper, "argument 1 is not a writable, aligned lock") : 0;
    if (lock && checked(ctx)) {
        /* unverified code may lock a word that is never released (its own
         * input, or a lock an earlier run kept): wait a bounded time, then
         * fault instead of spinning forever (found by fuzz_interp) */
        const int *w = (const int *)(uintptr_t)r1;
        unsigned long spins = 0;
        while (__atomic_load_n(w, __ATOMIC_ACQUIRE) != 0)
            if (++spins > (1ul << 24))
                return fault(ctx, helper, "the lock stays held (checked mode does not wait forever)");
    }
    if (lock)
        pbpf_map_spin_lock((void *)(uintptr_t)r1);
    else
        pbpf_map_spin_unlock((void *)(uintptr_t)r1);
    return 0;
}

static uint64_t h_spin_lock(ARGS)
{
    UNUSED5;
    return spin(ctx, r1, 1, "spin_lock");
}

static uint64_t h_spin_unlock(ARGS)
{
    UNUSED5;
    return spin(ctx, r1, 0, "spin_unlock");
}

void pbpf_helpers_register_maps(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 1, pbpf_helper_map_lookup_elem, NULL);
    pbpf_runtime_set_helper(rt, 2, h_map_update_elem, NULL);
    pbpf_runtime_set_helper(rt, 3, h_map_delete_elem, NULL);
    pbpf_runtime_set_helper(rt, 25, h_perf_event_output, NULL);
    pbpf_runtime_set_helper(rt, 87, h_map_push_elem, NULL);
    pbpf_runtime_set_helper(rt, 88, h_map_pop_elem, NULL);
    pbpf_runtime_set_helper(rt, 89, h_map_peek_elem, NULL);
    pbpf_runtime_set_helper(rt, 93, h_spin_lock, NULL);
    pbpf_runtime_set_helper(rt, 94, h_spin_unlock, NULL);
    pbpf_runtime_set_helper(rt, 130, h_ringbuf_output, NULL);
    pbpf_runtime_set_helper(rt, 131, h_ringbuf_reserve, NULL);
    pbpf_runtime_set_helper(rt, 132, h_ringbuf_submit, NULL);
    pbpf_runtime_set_helper(rt, 133, h_ringbuf_discard, NULL);
    pbpf_runtime_set_helper(rt, 134, h_ringbuf_query, NULL);
}
