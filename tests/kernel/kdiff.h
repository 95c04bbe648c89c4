/* kdiff: runs raw-convention programs in the Linux kernel, for
 * differential tests against pbpf.
 *
 * "Raw convention" is the one of the conformance vectors and of
 * pbpf_prog_run(): r1 = pointer to a private copy of the input memory,
 * r2 = its length (both 0 without memory), r10 = a 512-byte stack, result =
 * the full 64-bit r0 at the program's outer exit.  The kernel has no such
 * program type, so kdiff_wrap() builds an XDP program around the code
 * (kdiff.c explains how) and BPF_PROG_TEST_RUN runs it. */
#ifndef PBPF_TESTS_KDIFF_H
#define PBPF_TESTS_KDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* Bytes before the input memory in the packet: the slot the wrapper
 * stores the 64-bit r0 in. */
#define KDIFF_RESULT_BYTES 8u
/* Largest memory kdiff can pass: XDP test runs take one page minus the
 * headroom and the shared info. */
#define KDIFF_MAX_MEM 3000u

struct kdiff_result {
    uint64_t r0;
    /* in, optional: a buffer of mem_len bytes that receives the memory as
     * the program left it */
    uint8_t *mem_out;
    /* out: set when the kernel's verifier refused the program */
    int rejected;
    /* out: the verifier's reason, or what else failed */
    char reason[256];
};

/* Builds the XDP program that runs insns with the raw convention.  mem
 * says whether r1 points at memory (mem_len bytes) or r1 = r2 = 0.
 * *out is malloc'ed.  Returns 0 or -ENOMEM/-EINVAL/-E2BIG. */
int kdiff_wrap(const struct pbpf_insn *insns, size_t cnt, int mem, size_t mem_len,
               struct pbpf_insn **out, size_t *out_cnt);

/* Loads and runs insns in the kernel with mem (NULL: none) as input.
 * Returns 0 with res->r0; or a negative errno: the load's (res->rejected
 * set, res->reason = the verifier's message) or the run's. */
int kdiff_run(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t mem_len,
              struct kdiff_result *res);

/* The short form: only the kernel's r0. */
int kdiff_run_insns(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t mem_len,
                    uint64_t *r0_kernel);

#endif
