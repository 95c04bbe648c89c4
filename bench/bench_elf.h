/* A minimal reader for the benchmark objects: one function's code from an
 * ELF64 little-endian eBPF object built by clang. */
#ifndef PBPF_BENCH_ELF_H
#define PBPF_BENCH_ELF_H

#include <stddef.h>

#include "pbpf/pbpf.h"

/* Reads the object at path and returns (allocated, free with free()) a copy
 * of the section that holds the function symbol `sym`, with *entry set to
 * the function's first instruction within it.  The benchmark programs are
 * self-contained: a section with relocations is refused, since nothing here
 * would apply them.  Returns 0 or a negative errno with a message in err. */
int bench_elf_load(const char *path, const char *sym, struct pbpf_insn **insns, size_t *cnt,
                   size_t *entry, char *err, size_t err_size);

#endif
