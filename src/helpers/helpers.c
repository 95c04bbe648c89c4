/* Helper names by Linux id, and the helpers that need nothing but the
 * platform layer (time, randomness, execution slot). */
#include <stddef.h>

#include "helpers/helpers.h"
#include "helpers/helper_ids.def"
#include "hooks/hooks.h"
#include "platform/platform.h"

static const char *const helper_names[PBPF_LINUX_HELPER_MAX + 1] = {
#define PBPF_X_NAME(id, name) [id] = #name,
    PBPF_HELPER_IDS(PBPF_X_NAME)
#undef PBPF_X_NAME
};

const char *pbpf_helper_name(uint32_t id)
{
    return id <= PBPF_LINUX_HELPER_MAX ? helper_names[id] : NULL;
}

/* bpf_ktime_get_ns (5): CLOCK_MONOTONIC, as in Linux. */
static uint64_t h_ktime_get_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                               struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return pbpf_time_mono_ns();
}

/* bpf_ktime_get_boot_ns (125): includes time spent suspended. */
static uint64_t h_ktime_get_boot_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                    struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return pbpf_time_boot_ns();
}

/* bpf_ktime_get_coarse_ns (160) */
static uint64_t h_ktime_get_coarse_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                      struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return pbpf_time_coarse_ns();
}

/* bpf_ktime_get_tai_ns (208): TAI approximated by the wall clock. */
static uint64_t h_ktime_get_tai_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                   struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return pbpf_time_real_ns();
}

/* bpf_get_prandom_u32 (7): a per-thread xorshift generator seeded from the
 * platform's random source (Linux: per-CPU prandom state). */
static uint64_t h_get_prandom_u32(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                  struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    static _Thread_local uint64_t state;
    if (!state) {
        if (pbpf_random_bytes(&state, sizeof state) != 0 || !state)
            state = pbpf_time_mono_ns() | 1;
    }
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}

/* bpf_get_smp_processor_id (8): the execution slot the program runs in. */
static uint64_t h_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                       struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return pbpf_run_ctx_slot(ctx);
}

/* bpf_get_numa_node_id (42): pbpf does not place memory per node. */
static uint64_t h_get_numa_node_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                   struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return 0;
}

void pbpf_helpers_register_builtin(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 5, h_ktime_get_ns, NULL);
    pbpf_runtime_set_helper(rt, 7, h_get_prandom_u32, NULL);
    pbpf_runtime_set_helper(rt, 8, h_get_smp_processor_id, NULL);
    pbpf_runtime_set_helper(rt, 42, h_get_numa_node_id, NULL);
    pbpf_runtime_set_helper(rt, 125, h_ktime_get_boot_ns, NULL);
    pbpf_runtime_set_helper(rt, 160, h_ktime_get_coarse_ns, NULL);
    pbpf_runtime_set_helper(rt, 208, h_ktime_get_tai_ns, NULL);
    pbpf_helpers_register_maps(rt);
    pbpf_helpers_register_fmt(rt);
    pbpf_helpers_register_str(rt);
    pbpf_helpers_register_task(rt);
    pbpf_helpers_register_calls(rt);
    pbpf_helpers_register_timers(rt);
    pbpf_helpers_register_trace(rt);
    pbpf_hooks_register_helpers(rt);
}
