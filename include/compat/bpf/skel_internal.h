/* Light skeletons (`bpftool gen skeleton -L`, which include this header)
 * are not supported by pbpf's libbpf-compatible layer; this header exists
 * to say so when such a skeleton is compiled against include/compat.
 *
 * Why: a light skeleton does not go through libbpf's object API at all.
 * Its NAME__load() calls bpf_load_and_run(), which (in libbpf's
 * skel_internal.h) issues bpf(2) itself: it creates a map holding the
 * generated loader blob and loads a BPF_PROG_TYPE_SYSCALL loader program,
 * then runs it with BPF_PROG_RUN.  That program does the loading from
 * inside the kernel: it creates every map and loads every program through
 * the bpf_sys_bpf helper (166), looks kernel types up with
 * bpf_btf_find_by_name_kind (167), closes with bpf_sys_close (168), and
 * writes the descriptors into the skeleton's bpf_loader_ctx.  Afterwards
 * skel_finalize_map_data() mmap()s each map descriptor MAP_SHARED |
 * MAP_FIXED over skel->bss/data/rodata.
 *
 * pbpf provides none of that: its runtime has no bpf_sys_bpf,
 * bpf_btf_find_by_name_kind or bpf_sys_close (a program would have to
 * drive the loader and the descriptor table of src/compat from inside
 * the core, which calls nothing above it), and its map descriptors are
 * placeholder descriptors whose memory cannot be mmap()ed.  Build the
 * skeleton without -L (`bpftool gen skeleton X.bpf.o`): regular
 * skeletons work unchanged (docs/libbpf-compat.md). */
#ifndef PBPF_COMPAT_SKEL_INTERNAL_H
#define PBPF_COMPAT_SKEL_INTERNAL_H
#error "pbpf: light skeletons (bpftool gen skeleton -L) are not supported: their loader is a BPF_PROG_TYPE_SYSCALL program that needs the bpf_sys_bpf helper and mmap()able map descriptors, which pbpf does not have; generate the skeleton without -L (see include/compat/bpf/skel_internal.h)"
#endif
