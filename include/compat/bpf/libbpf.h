/* pbpf's libbpf-compatible object API: the calls of libbpf's bpf/libbpf.h
 * that pbpf implements, with libbpf 1.1's signatures and the skeleton
 * structures `bpftool gen skeleton` emits code for.  Build a loader with
 * `-I<pbpf>/include/compat` and link it with pbpf_bpf and pbpf.
 *
 * Objects are opened with pbpf's ELF parser and loaded with pbpf's loader
 * into one process-wide runtime (pbpf.h): maps and programs get handles in
 * the table described in bpf/bpf.h.  What differs from libbpf, and why, is
 * listed in docs/libbpf-compat.md. */
#ifndef PBPF_COMPAT_LIBBPF_H
#define PBPF_COMPAT_LIBBPF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf.h"
#include "libbpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libbpf's own error codes, beyond errno values. */
/* The libbpf version whose interface these headers follow. */
LIBBPF_API __u32 libbpf_major_version(void);
LIBBPF_API __u32 libbpf_minor_version(void);
LIBBPF_API const char *libbpf_version_string(void);

/* Linux's names of the values, lower case without prefix ("array",
 * "sched_cls", "cgroup_inet_ingress"), or NULL for unknown values. */
LIBBPF_API const char *libbpf_bpf_attach_type_str(enum bpf_attach_type t);
LIBBPF_API const char *libbpf_bpf_map_type_str(enum bpf_map_type t);
LIBBPF_API const char *libbpf_bpf_prog_type_str(enum bpf_prog_type t);

enum libbpf_errno {
    __LIBBPF_ERRNO__START = 4000,
    LIBBPF_ERRNO__LIBELF = __LIBBPF_ERRNO__START,
    LIBBPF_ERRNO__FORMAT,
    LIBBPF_ERRNO__KVERSION,
    LIBBPF_ERRNO__ENDIAN,
    LIBBPF_ERRNO__INTERNAL,
    LIBBPF_ERRNO__RELOC,
    LIBBPF_ERRNO__LOAD,
    LIBBPF_ERRNO__VERIFY,
    LIBBPF_ERRNO__PROG2BIG,
    LIBBPF_ERRNO__KVER,
    LIBBPF_ERRNO__PROGTYPE,
    LIBBPF_ERRNO__WRNGPID,
    LIBBPF_ERRNO__INVSEQ,
    LIBBPF_ERRNO__NLPARSE,
    __LIBBPF_ERRNO__END,
};

LIBBPF_API int libbpf_strerror(int err, char *buf, size_t size);

enum libbpf_print_level {
    LIBBPF_WARN,
    LIBBPF_INFO,
    LIBBPF_DEBUG,
};

typedef int (*libbpf_print_fn_t)(enum libbpf_print_level level, const char *, va_list ap);

/* Sets the function that receives the library's messages (NULL: none);
 * returns the previous one.  The default prints warnings and information
 * to stderr, as libbpf's. */
LIBBPF_API libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn);

/* -errno when ptr is NULL, else 0 (libbpf 1.x never encodes errors in
 * pointers). */
LIBBPF_API long libbpf_get_error(const void *ptr);

/* The number of execution slots of pbpf's runtime: the number of values a
 * per-CPU map holds per key. */
LIBBPF_API int libbpf_num_possible_cpus(void);

struct bpf_object;
struct bpf_program;
struct bpf_map;
struct bpf_link;

struct bpf_object_open_opts {
    size_t sz;
    /* the object's name (default: the file name up to its first '.') */
    const char *object_name;
    bool relaxed_maps;
    const char *pin_root_path;
    __u32 : 32;
    const char *kconfig;
    const char *btf_custom_path;
    char *kernel_log_buf;
    size_t kernel_log_size;
    __u32 kernel_log_level;
    size_t : 0;
};
#define bpf_object_open_opts__last_field kernel_log_level

LIBBPF_API struct bpf_object *bpf_object__open(const char *path);
LIBBPF_API struct bpf_object *bpf_object__open_file(const char *path,
                                                    const struct bpf_object_open_opts *opts);
LIBBPF_API struct bpf_object *bpf_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
                                                   const struct bpf_object_open_opts *opts);
LIBBPF_API int bpf_object__load(struct bpf_object *obj);
LIBBPF_API void bpf_object__close(struct bpf_object *object);
LIBBPF_API const char *bpf_object__name(const struct bpf_object *obj);
LIBBPF_API unsigned int bpf_object__kversion(const struct bpf_object *obj);
/* The object's BTF (bpf/btf.h), or NULL when it has none; it belongs to
 * the object and goes with bpf_object__close. */
struct btf;
LIBBPF_API struct btf *bpf_object__btf(const struct bpf_object *obj);

LIBBPF_API struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj,
                                                                const char *name);
LIBBPF_API struct bpf_program *bpf_object__next_program(const struct bpf_object *obj,
                                                        struct bpf_program *prog);
LIBBPF_API struct bpf_program *bpf_object__prev_program(const struct bpf_object *obj,
                                                        struct bpf_program *prog);
#define bpf_object__for_each_program(pos, obj)                                                     \
    for ((pos) = bpf_object__next_program((obj), NULL); (pos) != NULL;                            \
         (pos) = bpf_object__next_program((obj), (pos)))

LIBBPF_API struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj,
                                                        const char *name);
LIBBPF_API int bpf_object__find_map_fd_by_name(const struct bpf_object *obj, const char *name);
LIBBPF_API struct bpf_map *bpf_object__next_map(const struct bpf_object *obj,
                                                const struct bpf_map *map);
LIBBPF_API struct bpf_map *bpf_object__prev_map(const struct bpf_object *obj,
                                                const struct bpf_map *map);
#define bpf_object__for_each_map(pos, obj)                                                         \
    for ((pos) = bpf_object__next_map((obj), NULL); (pos) != NULL;                                \
         (pos) = bpf_object__next_map((obj), (pos)))
#define bpf_map__for_each bpf_object__for_each_map

LIBBPF_API int libbpf_prog_type_by_name(const char *name, enum bpf_prog_type *prog_type,
                                        enum bpf_attach_type *expected_attach_type);

LIBBPF_API const char *bpf_program__name(const struct bpf_program *prog);
LIBBPF_API const char *bpf_program__section_name(const struct bpf_program *prog);
LIBBPF_API bool bpf_program__autoload(const struct bpf_program *prog);
LIBBPF_API int bpf_program__set_autoload(struct bpf_program *prog, bool autoload);
/* Before load: the program's own instructions as in the ELF section;
 * after: the instructions pbpf loaded (subprograms linked, CO-RE and map
 * references resolved). */
LIBBPF_API const struct bpf_insn *bpf_program__insns(const struct bpf_program *prog);
LIBBPF_API size_t bpf_program__insn_cnt(const struct bpf_program *prog);
LIBBPF_API int bpf_program__fd(const struct bpf_program *prog);
/* Pins the loaded program (the pin keeps it after its object closes);
 * unpin removes the program pinned at path. */
LIBBPF_API int bpf_program__pin(struct bpf_program *prog, const char *path);
LIBBPF_API int bpf_program__unpin(struct bpf_program *prog, const char *path);
LIBBPF_API enum bpf_prog_type bpf_program__type(const struct bpf_program *prog);
LIBBPF_API int bpf_program__set_type(struct bpf_program *prog, enum bpf_prog_type type);
LIBBPF_API enum bpf_attach_type
bpf_program__expected_attach_type(const struct bpf_program *prog);
LIBBPF_API int bpf_program__set_expected_attach_type(struct bpf_program *prog,
                                                     enum bpf_attach_type type);

/* Attaching: pbpf has no kernel events, so a link records "this program
 * runs at this attach point" (the program type and the SEC() target, e.g.
 * tracepoint syscalls/sys_enter_write) in a process-wide list; the embedder
 * (or a test) fires the attach point with pbpf_bpf_fire()
 * (bpf/pbpf_attach.h) and every attached program runs.  Programs whose
 * section has no automatic attach point (xdp, tc, socket filters...)
 * give -EOPNOTSUPP, as libbpf's bpf_program__attach does for them. */
LIBBPF_API struct bpf_link *bpf_program__attach(const struct bpf_program *prog);
/* The same with the attach point given: tracepoints "category/name"; raw
 * tracepoints "name"; kprobes "func", return probes "func%return". */
LIBBPF_API struct bpf_link *bpf_program__attach_tracepoint(const struct bpf_program *prog,
                                                           const char *tp_category,
                                                           const char *tp_name);
LIBBPF_API struct bpf_link *bpf_program__attach_raw_tracepoint(const struct bpf_program *prog,
                                                               const char *tp_name);
LIBBPF_API struct bpf_link *bpf_program__attach_kprobe(const struct bpf_program *prog,
                                                       bool retprobe, const char *func_name);
LIBBPF_API int bpf_link__destroy(struct bpf_link *link);
/* Pinning a link keeps it attached after bpf_link__destroy and after its
 * object closes, until bpf_link__unpin; bpf_link__open gives the pinned
 * link itself with a reference of its own (destroy it as any link). */
LIBBPF_API int bpf_link__pin(struct bpf_link *link, const char *path);
LIBBPF_API int bpf_link__unpin(struct bpf_link *link);
LIBBPF_API const char *bpf_link__pin_path(const struct bpf_link *link);
LIBBPF_API struct bpf_link *bpf_link__open(const char *path);

LIBBPF_API int bpf_map__fd(const struct bpf_map *map);
/* Before load: use the map behind fd instead of creating one (type, sizes,
 * max_entries and flags must match at load). */
LIBBPF_API int bpf_map__reuse_fd(struct bpf_map *map, int fd);
LIBBPF_API const char *bpf_map__name(const struct bpf_map *map);
LIBBPF_API enum bpf_map_type bpf_map__type(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__max_entries(const struct bpf_map *map);
LIBBPF_API int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries);
LIBBPF_API __u32 bpf_map__map_flags(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__numa_node(const struct bpf_map *map);
LIBBPF_API __u64 bpf_map__map_extra(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__btf_key_type_id(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__btf_value_type_id(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__key_size(const struct bpf_map *map);
LIBBPF_API __u32 bpf_map__value_size(const struct bpf_map *map);
LIBBPF_API int bpf_map__set_value_size(struct bpf_map *map, __u32 size);
LIBBPF_API bool bpf_map__is_internal(const struct bpf_map *map);
LIBBPF_API int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size);
LIBBPF_API const void *bpf_map__initial_value(struct bpf_map *map, size_t *psize);
LIBBPF_API int bpf_map__pin(struct bpf_map *map, const char *path);
LIBBPF_API int bpf_map__unpin(struct bpf_map *map, const char *path);

LIBBPF_API int bpf_map__lookup_elem(const struct bpf_map *map, const void *key, size_t key_sz,
                                    void *value, size_t value_sz, __u64 flags);
LIBBPF_API int bpf_map__update_elem(const struct bpf_map *map, const void *key, size_t key_sz,
                                    const void *value, size_t value_sz, __u64 flags);
LIBBPF_API int bpf_map__lookup_and_delete_elem(const struct bpf_map *map, const void *key,
                                               size_t key_sz, void *value, size_t value_sz,
                                               __u64 flags);
LIBBPF_API int bpf_map__delete_elem(const struct bpf_map *map, const void *key, size_t key_sz,
                                    __u64 flags);
LIBBPF_API int bpf_map__get_next_key(const struct bpf_map *map, const void *cur_key,
                                     void *next_key, size_t key_sz);

/* --- ring buffers (BPF_MAP_TYPE_RINGBUF) ----------------------------------- */

struct ring_buffer;

typedef int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size);

struct ring_buffer_opts {
    size_t sz;
};
#define ring_buffer_opts__last_field sz

LIBBPF_API struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb,
                                                void *ctx, const struct ring_buffer_opts *opts);
LIBBPF_API void ring_buffer__free(struct ring_buffer *rb);
LIBBPF_API int ring_buffer__add(struct ring_buffer *rb, int map_fd,
                                ring_buffer_sample_fn sample_cb, void *ctx);
/* Consumes what is there; when nothing is, waits up to timeout_ms (-1:
 * for ever) for a record.  Returns the number of records consumed. */
LIBBPF_API int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms);
LIBBPF_API int ring_buffer__consume(struct ring_buffer *rb);

/* --- perf buffers (BPF_MAP_TYPE_PERF_EVENT_ARRAY) ------------------------- */

struct perf_buffer;

typedef void (*perf_buffer_sample_fn)(void *ctx, int cpu, void *data, __u32 size);
typedef void (*perf_buffer_lost_fn)(void *ctx, int cpu, __u64 cnt);

struct perf_buffer_opts {
    size_t sz;
};
#define perf_buffer_opts__last_field sz

/* One buffer of page_cnt pages (a power of two) per possible CPU (pbpf's
 * execution slots, at most the map's max_entries), stored in the map at
 * the CPU's index as libbpf stores its perf event fds. */
LIBBPF_API struct perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt,
                                                perf_buffer_sample_fn sample_cb,
                                                perf_buffer_lost_fn lost_cb, void *ctx,
                                                const struct perf_buffer_opts *opts);
LIBBPF_API void perf_buffer__free(struct perf_buffer *pb);
/* Waits up to timeout_ms (-1: for ever) for records, consumes the buffers
 * that have some; returns how many had. */
LIBBPF_API int perf_buffer__poll(struct perf_buffer *pb, int timeout_ms);
LIBBPF_API int perf_buffer__consume(struct perf_buffer *pb);
LIBBPF_API int perf_buffer__consume_buffer(struct perf_buffer *pb, size_t buf_idx);
LIBBPF_API size_t perf_buffer__buffer_cnt(const struct perf_buffer *pb);

/* --- skeletons (bpftool gen skeleton) ------------------------------------- */

struct bpf_map_skeleton {
    const char *name;
    struct bpf_map **map;
    void **mmaped;
};

struct bpf_prog_skeleton {
    const char *name;
    struct bpf_program **prog;
    struct bpf_link **link;
};

struct bpf_object_skeleton {
    size_t sz;
    const char *name;
    const void *data;
    size_t data_sz;
    struct bpf_object **obj;
    int map_cnt;
    int map_skel_sz;
    struct bpf_map_skeleton *maps;
    int prog_cnt;
    int prog_skel_sz;
    struct bpf_prog_skeleton *progs;
};

LIBBPF_API int bpf_object__open_skeleton(struct bpf_object_skeleton *s,
                                         const struct bpf_object_open_opts *opts);
LIBBPF_API int bpf_object__load_skeleton(struct bpf_object_skeleton *s);
LIBBPF_API int bpf_object__attach_skeleton(struct bpf_object_skeleton *s);
LIBBPF_API void bpf_object__detach_skeleton(struct bpf_object_skeleton *s);
LIBBPF_API void bpf_object__destroy_skeleton(struct bpf_object_skeleton *s);

#ifdef __cplusplus
}
#endif
#endif
