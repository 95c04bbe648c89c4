/* Helpers about the running task and its memory, as far as they mean
 * something inside one process: the probe_read family as fault-safe
 * copies within the process (Linux: copy_from_kernel_nofault and
 * copy_from_user_nofault, kernel/trace/bpf_trace.c), the current process,
 * thread, user and name, and jiffies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "platform/platform.h"

#define ARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct pbpf_run_ctx *ctx
#define UNUSED5 (void)r1, (void)r2, (void)r3, (void)r4, (void)r5

/* The tick rate of bpf_jiffies64: Linux's is CONFIG_HZ (100 to 1000,
 * a kernel build option); pbpf counts milliseconds of boot time. */
#define PBPF_JIFFIES_HZ 1000u

static int checked(const struct pbpf_run_ctx *ctx) { return ctx->prog->mode == PBPF_MODE_CHECKED; }

static int dst_ok(struct pbpf_run_ctx *ctx, uint64_t dst, uint64_t size, const char *helper)
{
    if (!checked(ctx) || !size || (dst && pbpf_run_ctx_check_mem(ctx, dst, size, 1)))
        return 1;
    char msg[128];
    snprintf(msg, sizeof msg, "bpf_%s: dst is not %llu writable bytes", helper,
             (unsigned long long)size);
    pbpf_run_ctx_abort(ctx, -EFAULT, msg);
    return 0;
}

/* bpf_probe_read_kernel(dst, size, unsafe_ptr) and its user, legacy
 * variants: all of size bytes or -EFAULT with dst zeroed. */
static uint64_t probe_read(struct pbpf_run_ctx *ctx, uint64_t dst, uint64_t size, uint64_t src,
                           const char *helper)
{
    if (!dst_ok(ctx, dst, size, helper))
        return 0;
    if (!size)
        return 0;
    if (pbpf_mem_read((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, (size_t)size)) {
        memset((void *)(uintptr_t)dst, 0, (size_t)size);
        return (uint64_t)(int64_t)-EFAULT;
    }
    return 0;
}

/* The _str variants (strncpy_from_{kernel,user}_nofault): the length with
 * the NUL; a string that does not fit is cut to size - 1 bytes and a NUL
 * (the result is then size); -EFAULT with dst zeroed when a byte before
 * the NUL cannot be read; 0 for size 0. */
static uint64_t probe_read_str(struct pbpf_run_ctx *ctx, uint64_t dst, uint64_t size,
                               uint64_t src, const char *helper)
{
    if (!dst_ok(ctx, dst, size, helper))
        return 0;
    if (!size)
        return 0;
    char *d = (char *)(uintptr_t)dst;
    uint64_t n = 0;
    while (n < size) {
        uint64_t a = src + n;
        /* never read across a page the string may not reach */
        uint64_t chunk = 4096 - (a & 4095);
        if (chunk > size - n)
            chunk = size - n;
        if (pbpf_mem_read(d + n, (const void *)(uintptr_t)a, (size_t)chunk)) {
            memset(d, 0, (size_t)size);
            return (uint64_t)(int64_t)-EFAULT;
        }
        for (uint64_t k = 0; k < chunk; k++) {
            if (!d[n + k])
                return n + k + 1;
        }
        n += chunk;
    }
    d[size - 1] = 0;
    return size;
}

static uint64_t h_probe_read(ARGS)
{
    (void)r4, (void)r5;
    return probe_read(ctx, r1, r2, r3, "probe_read");
}
static uint64_t h_probe_read_kernel(ARGS)
{
    (void)r4, (void)r5;
    return probe_read(ctx, r1, r2, r3, "probe_read_kernel");
}
static uint64_t h_probe_read_user(ARGS)
{
    (void)r4, (void)r5;
    return probe_read(ctx, r1, r2, r3, "probe_read_user");
}
static uint64_t h_probe_read_str(ARGS)
{
    (void)r4, (void)r5;
    return probe_read_str(ctx, r1, r2, r3, "probe_read_str");
}
static uint64_t h_probe_read_kernel_str(ARGS)
{
    (void)r4, (void)r5;
    return probe_read_str(ctx, r1, r2, r3, "probe_read_kernel_str");
}
static uint64_t h_probe_read_user_str(ARGS)
{
    (void)r4, (void)r5;
    return probe_read_str(ctx, r1, r2, r3, "probe_read_user_str");
}

/* bpf_get_current_pid_tgid (14): tgid (the process) << 32 | pid (the
 * thread), Linux's naming. */
static uint64_t h_get_current_pid_tgid(ARGS)
{
    UNUSED5, (void)ctx;
    return pbpf_process_id() << 32 | (uint32_t)pbpf_thread_id();
}

/* bpf_get_current_uid_gid (15): gid << 32 | uid */
static uint64_t h_get_current_uid_gid(ARGS)
{
    UNUSED5, (void)ctx;
    uint64_t v;
    return pbpf_current_uid_gid(&v) == 0 ? v : (uint64_t)(int64_t)-EINVAL;
}

/* bpf_get_current_comm (16): strscpy_pad of the thread's name. */
static uint64_t h_get_current_comm(ARGS)
{
    (void)r3, (void)r4, (void)r5;
    if (!dst_ok(ctx, r1, r2, "get_current_comm"))
        return 0;
    if (!r2)
        return 0;
    char name[16];
    pbpf_current_comm(name, sizeof name);
    char *d = (char *)(uintptr_t)r1;
    memset(d, 0, (size_t)r2);
    size_t n = strlen(name);
    if (n > r2 - 1)
        n = (size_t)r2 - 1;
    memcpy(d, name, n);
    return 0;
}

/* bpf_jiffies64 (118) */
static uint64_t h_jiffies64(ARGS)
{
    UNUSED5, (void)ctx;
    return pbpf_time_boot_ns() / (1000000000u / PBPF_JIFFIES_HZ);
}

void pbpf_helpers_register_task(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 4, h_probe_read, NULL);
    pbpf_runtime_set_helper(rt, 14, h_get_current_pid_tgid, NULL);
    uint64_t ids;
    /* where the host has no numeric ids, the helper is not there */
    if (pbpf_current_uid_gid(&ids) == 0)
        pbpf_runtime_set_helper(rt, 15, h_get_current_uid_gid, NULL);
    pbpf_runtime_set_helper(rt, 16, h_get_current_comm, NULL);
    pbpf_runtime_set_helper(rt, 45, h_probe_read_str, NULL);
    pbpf_runtime_set_helper(rt, 112, h_probe_read_user, NULL);
    pbpf_runtime_set_helper(rt, 113, h_probe_read_kernel, NULL);
    pbpf_runtime_set_helper(rt, 114, h_probe_read_user_str, NULL);
    pbpf_runtime_set_helper(rt, 115, h_probe_read_kernel_str, NULL);
    pbpf_runtime_set_helper(rt, 118, h_jiffies64, NULL);
}
