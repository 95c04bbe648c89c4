/* pbpf extensions to the libbpf-compatible API: what Linux does in the
 * kernel and a pbpf embedder does itself.
 *
 * bpf_program__attach() records a link from an attach point to a program
 * (libbpf.h).  Where Linux fires the program from a kernel event, a pbpf
 * embedder fires the attach point itself when the event happens.  Where
 * Linux appends bpf_printk()/bpf_trace_printk() messages to the trace pipe,
 * pbpf hands them to a function the embedder sets. */
#ifndef PBPF_COMPAT_PBPF_ATTACH_H
#define PBPF_COMPAT_PBPF_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "libbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs every program attached at (prog_type, target) — target is the part
 * of the SEC() name after "type/", e.g. "syscalls/sys_enter_write" for
 * SEC("tp/syscalls/sys_enter_write") — with r1 = ctx (ctx_size bytes the
 * program may read and write), in the order they were attached.  Returns
 * the number of programs run, or a negative errno (errno set) when one
 * fails; *last_ret (if not NULL) receives the r0 of the last one. */
LIBBPF_API int pbpf_bpf_fire(enum bpf_prog_type prog_type, const char *target, void *ctx,
                             size_t ctx_size, __u64 *last_ret);

/* Where bpf_trace_printk messages go (len bytes, no NUL); NULL (the
 * default): nowhere, as Linux's when nobody reads the trace pipe.  Called
 * from the thread running the program. */
LIBBPF_API void pbpf_bpf_set_trace_print(void (*fn)(void *ctx, const char *msg, size_t len),
                                         void *ctx);

#ifdef __cplusplus
}
#endif
#endif
