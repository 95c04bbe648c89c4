/* pbpf extension to the libbpf-compatible API: firing attach points.
 *
 * bpf_program__attach() records a link from an attach point to a program
 * (libbpf.h).  Where Linux fires the program from a kernel event, a pbpf
 * embedder fires the attach point itself when the event happens. */
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

#ifdef __cplusplus
}
#endif
#endif
