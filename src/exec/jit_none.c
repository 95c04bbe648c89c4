/* Hosts without a JIT: loading a program for the JIT engine fails clearly. */
#if !defined(PBPF_JIT_X86_64)
#include <errno.h>
#include <stdio.h>

#include "exec/exec.h"

int pbpf_jit_compile(struct pbpf_prog *prog, char *log, size_t log_size)
{
    (void)prog;
    if (log && log_size)
        snprintf(log, log_size, "no JIT for this host CPU (use the interpreter)");
    return -EOPNOTSUPP;
}

int pbpf_jit_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                 uint64_t *r0)
{
    (void)prog, (void)ctx, (void)r1, (void)r2, (void)r0;
    return -EOPNOTSUPP;
}

void pbpf_jit_free(struct pbpf_prog *prog) { (void)prog; }

int pbpf_prog_jited(const struct pbpf_prog *prog, const void **code, size_t *size)
{
    (void)prog, (void)code, (void)size;
    return -ENOENT;
}

int pbpf_prog_jited_offsets(const struct pbpf_prog *prog, const uint32_t **offs, size_t *cnt)
{
    (void)prog, (void)offs, (void)cnt;
    return -ENOENT;
}
#endif
