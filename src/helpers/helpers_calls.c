/* The helpers that call back into the program: bpf_loop (181) and
 * bpf_for_each_map_elem (164), and the registration of bpf_tail_call (12),
 * whose jump the engines make themselves (exec/calls.c). */
#include <errno.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "maps/map.h"

/* bpf_loop (kernel/bpf/bpf_iter.c): calls callback(i, ctx) for i from 0
 * while the callback returns 0; returns the number of calls made (the one
 * that returned 1 included). */
static uint64_t h_loop(uint64_t nr_loops, uint64_t fn, uint64_t cb_ctx, uint64_t flags, uint64_t r5,
                       struct pbpf_run_ctx *ctx)
{
    (void)r5;
    uint32_t n = (uint32_t)nr_loops;
    if (flags)
        return (uint64_t)-EINVAL;
    if (n > PBPF_MAX_LOOPS)
        return (uint64_t)-E2BIG;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t args[5] = {i, cb_ctx, 0, 0, 0}, r0 = 0;
        if (pbpf_call_callback(ctx, fn, args, &r0))
            return 0; /* the run stops */
        if (r0)
            return (uint64_t)i + 1;
    }
    return n;
}

/* One element: key and value become readable (the value writable unless
 * the map is read-only for programs) for the callback only. */
static int each_elem(struct pbpf_run_ctx *ctx, struct pbpf_map *m, uint64_t fn, void *key,
                     void *val, uint64_t cb_ctx, uint64_t *r0)
{
    unsigned n = ctx->nregions;
    if (pbpf_run_ctx_add_region(ctx, key, m->key_size, 0) ||
        pbpf_run_ctx_add_region(ctx, val, m->value_size, !(m->map_flags & PBPF_F_RDONLY_PROG))) {
        pbpf_run_ctx_abort(ctx, -ENOSPC, "bpf_for_each_map_elem: too many memory regions");
        return ctx->err;
    }
    uint64_t args[5] = {(uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)key, (uint64_t)(uintptr_t)val,
                        cb_ctx, 0};
    int rc = pbpf_call_callback(ctx, fn, args, r0);
    ctx->nregions = n;
    return rc;
}

/* bpf_for_each_map_elem: callback(map, &key, &value, ctx) for each
 * element while it returns 0; returns the number of elements visited
 * (Linux: bpf_for_each_array_elem, bpf_for_each_hash_elem).  Per-CPU maps
 * give the value of the run's slot. */
static uint64_t h_for_each_map_elem(uint64_t map, uint64_t fn, uint64_t cb_ctx, uint64_t flags,
                                    uint64_t r5, struct pbpf_run_ctx *ctx)
{
    (void)r5;
    struct pbpf_map *m = (struct pbpf_map *)(uintptr_t)map;
    if (pbpf_run_ctx_prog(ctx)->mode == PBPF_MODE_CHECKED && !pbpf_map_is_live(m)) {
        pbpf_run_ctx_abort(ctx, -EINVAL, "bpf_for_each_map_elem: r1 is not a map");
        return 0;
    }
    if (flags)
        return (uint64_t)-EINVAL;
    unsigned slot = pbpf_run_ctx_slot(ctx);
    uint64_t visited = 0, r0 = 0;
    switch (m->type) {
    case PBPF_MAP_TYPE_ARRAY:
    case PBPF_MAP_TYPE_PERCPU_ARRAY:
        for (uint32_t i = 0; i < m->max_entries; i++) {
            uint32_t key = i;
            void *val = pbpf_map_lookup_prog(m, &key, slot);
            if (!val)
                continue;
            visited++;
            if (each_elem(ctx, m, fn, &key, val, cb_ctx, &r0))
                return 0;
            if (r0)
                break;
        }
        return visited;
    case PBPF_MAP_TYPE_HASH:
    case PBPF_MAP_TYPE_PERCPU_HASH:
    case PBPF_MAP_TYPE_LRU_HASH:
    case PBPF_MAP_TYPE_LRU_PERCPU_HASH: {
        /* bucket order, without locks; the next key is found before the
         * callback runs, so that it may delete the element it is given.
         * A walk restarted by concurrent deletions stops after max_entries
         * elements. */
        _Alignas(8) uint8_t cur[PBPF_MAP_MAX_KEY], next[PBPF_MAP_MAX_KEY];
        int have = m->ops->get_next_key(m, NULL, cur) == 0;
        for (uint32_t steps = 0; have && steps < m->max_entries; steps++) {
            int have_next = m->ops->get_next_key(m, cur, next) == 0;
            void *val = pbpf_map_lookup_prog(m, cur, slot);
            if (val) {
                visited++;
                if (each_elem(ctx, m, fn, cur, val, cb_ctx, &r0))
                    return 0;
                if (r0)
                    break;
            }
            memcpy(cur, next, m->key_size);
            have = have_next;
        }
        return visited;
    }
    default:
        pbpf_run_ctx_abort(ctx, -EOPNOTSUPP,
                           "bpf_for_each_map_elem: map type not supported (array and hash maps are)");
        return 0;
    }
}

void pbpf_helpers_register_calls(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 12, pbpf_helper_tail_call, NULL);
    pbpf_runtime_set_helper(rt, 164, h_for_each_map_elem, NULL);
    pbpf_runtime_set_helper(rt, 181, h_loop, NULL);
}
