/* pbpf's libbpf-compatible low-level API: the calls of libbpf's bpf/bpf.h
 * that pbpf implements, with libbpf 1.1's signatures, so that a loader
 * written for libbpf builds with `-I<pbpf>/include/compat` and links with
 * pbpf_bpf (libpbpf_bpf.a) and pbpf instead of -lbpf.
 *
 * File descriptors: maps, programs and links live in a process-wide table
 * indexed by small integers that are real descriptors of the process (each
 * handle reserves one, see docs/libbpf-compat.md), so they never collide
 * with the process's files and close(fd) releases the handle as it would a
 * Linux bpf fd (the release happens the next time the number is looked at
 * or reused).
 *
 * Errors: as libbpf 1.x, calls return a negative errno and also set errno;
 * calls returning a pointer return NULL and set errno. */
#ifndef PBPF_COMPAT_BPF_H
#define PBPF_COMPAT_BPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libbpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_map_create_opts {
    size_t sz;
    __u32 btf_fd;
    __u32 btf_key_type_id;
    __u32 btf_value_type_id;
    __u32 btf_vmlinux_value_type_id;
    __u32 inner_map_fd;
    __u32 map_flags;
    __u64 map_extra;
    __u32 numa_node;
    __u32 map_ifindex;
};
#define bpf_map_create_opts__last_field map_ifindex

LIBBPF_API int bpf_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
                              __u32 value_size, __u32 max_entries,
                              const struct bpf_map_create_opts *opts);

struct bpf_prog_load_opts {
    size_t sz;
    int attempts;
    enum bpf_attach_type expected_attach_type;
    __u32 prog_btf_fd;
    __u32 prog_flags;
    __u32 prog_ifindex;
    __u32 kern_version;
    __u32 attach_btf_id;
    __u32 attach_prog_fd;
    __u32 attach_btf_obj_fd;
    const int *fd_array;
    const void *func_info;
    __u32 func_info_cnt;
    __u32 func_info_rec_size;
    const void *line_info;
    __u32 line_info_cnt;
    __u32 line_info_rec_size;
    __u32 log_level;
    __u32 log_size;
    char *log_buf;
};
#define bpf_prog_load_opts__last_field log_buf

/* Loads insns; map references are lddw with src BPF_PSEUDO_MAP_FD /
 * BPF_PSEUDO_MAP_VALUE (imm = a map fd) or BPF_PSEUDO_MAP_IDX /
 * BPF_PSEUDO_MAP_IDX_VALUE (imm = an index into opts->fd_array).  When
 * loading fails, log_buf (if given) receives the reason. */
LIBBPF_API int bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name,
                             const char *license, const struct bpf_insn *insns, size_t insn_cnt,
                             const struct bpf_prog_load_opts *opts);

LIBBPF_API int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);
LIBBPF_API int bpf_map_lookup_elem(int fd, const void *key, void *value);
LIBBPF_API int bpf_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags);
LIBBPF_API int bpf_map_lookup_and_delete_elem(int fd, const void *key, void *value);
LIBBPF_API int bpf_map_delete_elem(int fd, const void *key);
LIBBPF_API int bpf_map_get_next_key(int fd, const void *key, void *next_key);
LIBBPF_API int bpf_map_freeze(int fd);

struct bpf_map_batch_opts {
    size_t sz;
    __u64 elem_flags;
    __u64 flags;
};
#define bpf_map_batch_opts__last_field flags

LIBBPF_API int bpf_map_delete_batch(int fd, const void *keys, __u32 *count,
                                    const struct bpf_map_batch_opts *opts);
LIBBPF_API int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys,
                                    void *values, __u32 *count,
                                    const struct bpf_map_batch_opts *opts);
LIBBPF_API int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch,
                                               void *keys, void *values, __u32 *count,
                                               const struct bpf_map_batch_opts *opts);
LIBBPF_API int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                                    const struct bpf_map_batch_opts *opts);

/* Pins a map or a program in the process's pin name space (paths are
 * names, no file is created; maps, programs and links share it).
 * bpf_obj_get gives a new handle on a pinned map or program; a pinned
 * link has no handle (-EOPNOTSUPP): bpf_link__open() opens it. */
LIBBPF_API int bpf_obj_pin(int fd, const char *pathname);
LIBBPF_API int bpf_obj_get(const char *pathname);

struct bpf_test_run_opts {
    size_t sz;
    const void *data_in;
    void *data_out;
    __u32 data_size_in;
    __u32 data_size_out;
    const void *ctx_in;
    void *ctx_out;
    __u32 ctx_size_in;
    __u32 ctx_size_out;
    __u32 retval;
    int repeat;
    __u32 duration;
    __u32 flags;
    __u32 cpu;
    __u32 batch_size;
};
#define bpf_test_run_opts__last_field batch_size

LIBBPF_API int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
