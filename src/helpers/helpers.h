/* The helper table: Linux helper ids, names, and pbpf's implementations. */
#ifndef PBPF_HELPERS_HELPERS_H
#define PBPF_HELPERS_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* Highest Linux helper id (include/uapi/linux/bpf.h; frozen since 6.2). */
#define PBPF_LINUX_HELPER_MAX 211

/* Registers every built-in helper with the runtime. */
void pbpf_helpers_register_builtin(struct pbpf_runtime *rt);
/* The map helpers (helpers_maps.c). */
void pbpf_helpers_register_maps(struct pbpf_runtime *rt);
/* The built-in bpf_map_lookup_elem: the JIT recognises it by address and
 * inlines lookups of maps it knows (jit_x86_64.c) when it is still the
 * program's helper 1. */
struct pbpf_run_ctx;
uint64_t pbpf_helper_map_lookup_elem(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct pbpf_run_ctx *ctx);
/* trace_printk, snprintf (helpers_fmt.c) */
void pbpf_helpers_register_fmt(struct pbpf_runtime *rt);
/* Linux's bpf_bprintf_prepare on a format alone (what the verifier's
 * check_bpf_snprintf_call asks): 0, or -EINVAL for a format that is not
 * NUL-terminated within fmt_size, has a conversion Linux does not take, or
 * more conversions than num_args. */
int pbpf_fmt_check(const char *fmt, size_t fmt_size, uint32_t num_args);
/* strncmp, strtol, strtoul (helpers_str.c) */
void pbpf_helpers_register_str(struct pbpf_runtime *rt);
/* probe_read*, current pid/uid/comm, jiffies64 (helpers_task.c) */
void pbpf_helpers_register_task(struct pbpf_runtime *rt);
/* Tail calls and callbacks (helpers_calls.c). */
void pbpf_helpers_register_calls(struct pbpf_runtime *rt);
void pbpf_helpers_register_timers(struct pbpf_runtime *rt);
/* get_func_ip, get_attach_cookie (helpers_trace.c) */
void pbpf_helpers_register_trace(struct pbpf_runtime *rt);

#endif
