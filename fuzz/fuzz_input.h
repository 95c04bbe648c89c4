/* How fuzz inputs become a run: the first byte is the memory size (0-255),
 * the next bytes (as many as that, or what is left) the memory's contents,
 * and the rest, in whole 8-byte slots, the program.  The seed corpus
 * generator (corpus_gen.c) writes conformance vectors in this form. */
#ifndef PBPF_FUZZ_INPUT_H
#define PBPF_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/pbpf.h"

/* Programs longer than this are cut: the fuzzer explores small ones. */
#define FUZZ_MAX_INSNS 4096
/* Checked-mode budget: enough for the conformance loops, small enough
 * that libFuzzer runs thousands of inputs per second. */
#define FUZZ_BUDGET 10000

struct fuzz_input {
    const uint8_t *mem; /* initial memory contents */
    size_t mem_len;
    struct pbpf_insn *insns; /* malloc'ed, aligned copy */
    size_t insn_cnt;
};

/* Returns 0, or -1 if there is no instruction. */
static inline int fuzz_input_split(const uint8_t *data, size_t size, size_t prefix,
                                   const struct pbpf_insn *pre, struct fuzz_input *in)
{
    if (size < 1)
        return -1;
    size_t mem_len = data[0];
    data++, size--;
    if (mem_len > size)
        mem_len = size;
    in->mem = data;
    in->mem_len = mem_len;
    data += mem_len, size -= mem_len;
    size_t cnt = size / sizeof(struct pbpf_insn);
    if (cnt > FUZZ_MAX_INSNS)
        cnt = FUZZ_MAX_INSNS;
    if (cnt == 0)
        return -1;
    in->insns = malloc((prefix + cnt) * sizeof(struct pbpf_insn));
    if (!in->insns)
        return -1;
    if (prefix)
        memcpy(in->insns, pre, prefix * sizeof(struct pbpf_insn));
    memcpy(in->insns + prefix, data, cnt * sizeof(struct pbpf_insn));
    in->insn_cnt = prefix + cnt;
    return 0;
}

#endif
