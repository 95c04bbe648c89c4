/* The Linux kernel as a reference engine: the same bytecode run with
 * BPF_PROG_TEST_RUN, through the raw bpf() system call. */
#ifndef PBPF_BENCH_KERNEL_H
#define PBPF_BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* 0 when bpf() works here; otherwise a negative errno and the reason. */
int bench_kernel_probe(char *why, size_t why_size);

/* Loads insns as an XDP program (license GPL); returns an fd or a negative
 * errno, with the verifier's last words in log. */
int bench_kernel_load_xdp(const struct pbpf_insn *insns, size_t cnt, char *log, size_t log_size);

/* Runs the program `repeat` times on a copy of data (BPF_PROG_TEST_RUN);
 * *retval receives r0 (32 bits: the kernel reports no more) and *ns the
 * kernel's own mean time per run. */
int bench_kernel_run(int fd, const void *data, size_t len, uint32_t repeat, uint32_t *retval,
                     uint32_t *ns);

/* The instructions the kernel kept after verification (its "xlated" form,
 * before JIT): up to cap of them into out, their number in *cnt. */
int bench_kernel_xlated(int fd, struct pbpf_insn *out, size_t cap, size_t *cnt);

void bench_kernel_close(int fd);

#endif
