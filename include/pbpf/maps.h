/* pbpf maps: the embedder's view.  Map types, flags and errors are Linux's
 * (include/uapi/linux/bpf.h), so code written against bpf(2) ports by
 * renaming calls: pbpf_map_update_elem() returns what BPF_MAP_UPDATE_ELEM
 * would have set errno to (negated), for the same sequence of operations.
 *
 * Differences from Linux, by necessity:
 *  - there are no file descriptors: PROG_ARRAY, ARRAY_OF_MAPS and
 *    HASH_OF_MAPS take, as the value of an update, a pointer to a
 *    `struct pbpf_prog *` / `struct pbpf_map *`; lookups of map-in-map
 *    entries give the inner map's id (u32) as Linux does;
 *  - per-CPU values are per execution slot of the runtime (see pbpf.h);
 *  - a PROG_ARRAY slot holds a reference on its program (pbpf_prog_free
 *    only drops the caller's); the array takes programs of one program type,
 *    engine and mode, fixed by the first one stored or loaded with a
 *    reference to it (-EINVAL otherwise, Linux's bpf_prog_map_compatible),
 *    and its slots are cleared when the last reference that is not a
 *    program's goes (Linux: when the last user file descriptor closes). */
#ifndef PBPF_MAPS_H
#define PBPF_MAPS_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux map type numbers (spec/map-types.tsv). */
enum pbpf_map_type {
    PBPF_MAP_TYPE_UNSPEC = 0,
    PBPF_MAP_TYPE_HASH = 1,
    PBPF_MAP_TYPE_ARRAY = 2,
    PBPF_MAP_TYPE_PROG_ARRAY = 3,
    PBPF_MAP_TYPE_PERF_EVENT_ARRAY = 4,
    PBPF_MAP_TYPE_PERCPU_HASH = 5,
    PBPF_MAP_TYPE_PERCPU_ARRAY = 6,
    PBPF_MAP_TYPE_STACK_TRACE = 7,
    PBPF_MAP_TYPE_CGROUP_ARRAY = 8,
    PBPF_MAP_TYPE_LRU_HASH = 9,
    PBPF_MAP_TYPE_LRU_PERCPU_HASH = 10,
    PBPF_MAP_TYPE_LPM_TRIE = 11,
    PBPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
    PBPF_MAP_TYPE_HASH_OF_MAPS = 13,
    PBPF_MAP_TYPE_DEVMAP = 14,
    PBPF_MAP_TYPE_SOCKMAP = 15,
    PBPF_MAP_TYPE_CPUMAP = 16,
    PBPF_MAP_TYPE_XSKMAP = 17,
    PBPF_MAP_TYPE_SOCKHASH = 18,
    PBPF_MAP_TYPE_CGROUP_STORAGE = 19,
    PBPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20,
    PBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21,
    PBPF_MAP_TYPE_QUEUE = 22,
    PBPF_MAP_TYPE_STACK = 23,
    PBPF_MAP_TYPE_SK_STORAGE = 24,
    PBPF_MAP_TYPE_DEVMAP_HASH = 25,
    PBPF_MAP_TYPE_STRUCT_OPS = 26,
    PBPF_MAP_TYPE_RINGBUF = 27,
    PBPF_MAP_TYPE_INODE_STORAGE = 28,
    PBPF_MAP_TYPE_TASK_STORAGE = 29,
    PBPF_MAP_TYPE_BLOOM_FILTER = 30,
    PBPF_MAP_TYPE_USER_RINGBUF = 31,
    PBPF_MAP_TYPE_CGRP_STORAGE = 32,
    PBPF_MAP_TYPE_ARENA = 33,
};

/* Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
#define PBPF_ANY 0
#define PBPF_NOEXIST 1
#define PBPF_EXIST 2
#define PBPF_F_LOCK 4

/* Map creation flags (BPF_F_*). */
#define PBPF_F_NO_PREALLOC (1u << 0)
#define PBPF_F_NO_COMMON_LRU (1u << 1)
#define PBPF_F_NUMA_NODE (1u << 2)
#define PBPF_F_RDONLY (1u << 3)
#define PBPF_F_WRONLY (1u << 4)
#define PBPF_F_STACK_BUILD_ID (1u << 5)
#define PBPF_F_ZERO_SEED (1u << 6)
#define PBPF_F_RDONLY_PROG (1u << 7)
#define PBPF_F_WRONLY_PROG (1u << 8)
#define PBPF_F_CLONE (1u << 9)
#define PBPF_F_MMAPABLE (1u << 10)
#define PBPF_F_PRESERVE_ELEMS (1u << 11)
#define PBPF_F_INNER_MAP (1u << 12)

/* Linux's kernel-internal "operation not supported" (ENOTSUPP, 524), which
 * bpf(2) hands to user space for e.g. lookups in a ring buffer. */
#define PBPF_ENOTSUPP 524

/* Ring buffer record header (struct bpf_ringbuf_hdr) and flags. */
#define PBPF_RINGBUF_BUSY_BIT (1u << 31)
#define PBPF_RINGBUF_DISCARD_BIT (1u << 30)
#define PBPF_RINGBUF_HDR_SZ 8
#define PBPF_RB_NO_WAKEUP 1
#define PBPF_RB_FORCE_WAKEUP 2
#define PBPF_RB_AVAIL_DATA 0
#define PBPF_RB_RING_SIZE 1
#define PBPF_RB_CONS_POS 2
#define PBPF_RB_PROD_POS 3

struct pbpf_map;

/* The fields of union bpf_attr used by BPF_MAP_CREATE. */
struct pbpf_map_create_opts {
    size_t sz;
    uint32_t type; /* enum pbpf_map_type */
    uint32_t key_size;
    uint32_t value_size;
    uint32_t max_entries;
    uint32_t map_flags;
    /* ARRAY_OF_MAPS / HASH_OF_MAPS: a map like the ones it will hold */
    struct pbpf_map *inner_map;
    /* map_extra: BLOOM_FILTER's number of hash functions (low 4 bits) */
    uint64_t map_extra;
    const char *name;
    /* The value's struct bpf_spin_lock (4 bytes, 4-aligned), which Linux
     * finds in the value's BTF: the loader fills these in.  Needed by
     * bpf_spin_lock() and BPF_F_LOCK; copies of values skip the lock.
     * spin_lock_off is the offset, -1 for none.  Because options are
     * zero-initialised, an offset of 0 counts only with has_spin_lock set
     * (a positive offset counts on its own).  HASH and ARRAY only
     * (others: -EOPNOTSUPP, as Linux's map_check_btf). */
    int32_t spin_lock_off;
    int32_t has_spin_lock;
    /* The value's struct bpf_timer (16 bytes, 8-aligned), found in BTF by
     * the loader like the lock: needed by the bpf_timer_* helpers; copies
     * of values skip it.  Same convention: timer_off counts when positive
     * or with has_timer set.  HASH, LRU_HASH and ARRAY only (Linux's
     * map_check_btf: -EOPNOTSUPP for others). */
    int32_t timer_off;
    int32_t has_timer;
    /* The BTF type of the value, 0 for none (Linux: btf_value_type_id; the
     * verifier names a missing BTF when a program uses a timer). */
    uint32_t btf_value_type_id;
};

/* Values of DEVMAP / DEVMAP_HASH (value_size 4: ifindex only) and CPUMAP
 * (value_size 4: qsize only), as Linux's struct bpf_devmap_val and
 * struct bpf_cpumap_val.  pbpf has no program fds: bpf_prog_fd must be 0 or
 * negative (no program), and lookups give bpf_prog_id 0.  An XSKMAP value
 * is a 32-bit socket handle of the embedder's choosing (Linux: an AF_XDP
 * socket fd); user-space lookups of XSKMAP give -EOPNOTSUPP as Linux. */
struct pbpf_devmap_val {
    uint32_t ifindex;
    union {
        int32_t bpf_prog_fd;
        uint32_t bpf_prog_id;
    };
};
struct pbpf_cpumap_val {
    uint32_t qsize;
    union {
        int32_t bpf_prog_fd;
        uint32_t bpf_prog_id;
    };
};

/* Creates a map; 0 or a negative errno, as BPF_MAP_CREATE. */
int pbpf_map_create(struct pbpf_runtime *rt, const struct pbpf_map_create_opts *opts,
                    struct pbpf_map **out);
/* Drops the caller's reference.  No program may be running with it. */
void pbpf_map_free(struct pbpf_map *map);

uint32_t pbpf_map_type(const struct pbpf_map *map);
uint32_t pbpf_map_key_size(const struct pbpf_map *map);
uint32_t pbpf_map_value_size(const struct pbpf_map *map);
uint32_t pbpf_map_max_entries(const struct pbpf_map *map);
uint32_t pbpf_map_flags(const struct pbpf_map *map);
uint32_t pbpf_map_id(const struct pbpf_map *map);
const char *pbpf_map_name(const struct pbpf_map *map);
/* Bytes a user-side lookup writes: value_size, or for per-CPU maps
 * slots × round_up(value_size, 8) (Linux's user-space view). */
size_t pbpf_map_user_value_size(const struct pbpf_map *map);

/* The element operations of bpf(2).  For QUEUE, STACK and BLOOM_FILTER the
 * key is NULL: update pushes, lookup peeks, lookup_and_delete pops. */
int pbpf_map_lookup_elem(struct pbpf_map *map, const void *key, void *value);
int pbpf_map_lookup_elem_flags(struct pbpf_map *map, const void *key, void *value,
                               uint64_t flags);
int pbpf_map_update_elem(struct pbpf_map *map, const void *key, const void *value,
                         uint64_t flags);
int pbpf_map_delete_elem(struct pbpf_map *map, const void *key);
/* key NULL: the first key.  A key not in the map restarts from the first
 * key for hash maps, as Linux. */
int pbpf_map_get_next_key(struct pbpf_map *map, const void *key, void *next_key);
int pbpf_map_lookup_and_delete_elem(struct pbpf_map *map, const void *key, void *value);
/* BPF_MAP_FREEZE: no more writes from user space (-EPERM after), and for a
 * BPF_F_RDONLY_PROG map values the verifier may read as constants.  -EBUSY
 * while a writable mapping is held (pbpf_map_mmap_prot) or a write is in
 * progress, -EPERM when already frozen or BPF_F_RDONLY, -PBPF_ENOTSUPP for
 * values with a spin lock or a timer (Linux's map_freeze). */
int pbpf_map_freeze(struct pbpf_map *map);

struct pbpf_map_batch_opts {
    size_t sz;
    uint64_t elem_flags;
    uint64_t flags;
};

/* Batch operations (BPF_MAP_*_BATCH).  in_batch NULL starts at the
 * beginning; out_batch receives the position to continue from (a key for
 * arrays, a u32 bucket for hash maps: give it key_size or 4 bytes, the
 * larger).  *count is in: capacity, out: elements done.  -ENOENT means the
 * end was reached (with *count elements still returned). */
int pbpf_map_lookup_batch(struct pbpf_map *map, const void *in_batch, void *out_batch,
                          void *keys, void *values, uint32_t *count,
                          const struct pbpf_map_batch_opts *opts);
int pbpf_map_lookup_and_delete_batch(struct pbpf_map *map, const void *in_batch,
                                     void *out_batch, void *keys, void *values, uint32_t *count,
                                     const struct pbpf_map_batch_opts *opts);
int pbpf_map_update_batch(struct pbpf_map *map, const void *keys, const void *values,
                          uint32_t *count, const struct pbpf_map_batch_opts *opts);
int pbpf_map_delete_batch(struct pbpf_map *map, const void *keys, uint32_t *count,
                          const struct pbpf_map_batch_opts *opts);

/* Ring buffers: the memory a consumer reads, laid out as Linux's mmap of a
 * BPF_MAP_TYPE_RINGBUF: consumer_pos (written by the consumer), producer_pos
 * (written by programs), then `size` bytes of data.  Records start with an
 * 8-byte header {u32 len | BUSY | DISCARD, u32 pg_off}.  As with Linux's
 * double mapping, `data` may be read past its end by up to `size` bytes: a
 * record that wraps is readable contiguously. */
struct pbpf_ringbuf_area {
    /* 64-bit positions: Linux's unsigned long on its 64-bit targets, kept
     * 64-bit on LLP64 hosts (Windows) too */
    uint64_t *consumer_pos;
    const uint64_t *producer_pos;
    const uint8_t *data;
    size_t size;
};
int pbpf_ringbuf_area(struct pbpf_map *map, struct pbpf_ringbuf_area *area);

/* Consumes every committed record (libbpf's ring_buffer__consume): calls
 * cb for each one not discarded; a negative return from cb stops there.
 * Returns the number of records consumed, or a negative errno. */
typedef int (*pbpf_ringbuf_sample_fn)(void *ctx, void *data, size_t size);
int pbpf_ringbuf_consume(struct pbpf_map *map, pbpf_ringbuf_sample_fn cb, void *ctx);

/* --- perf event arrays ----------------------------------------------------
 *
 * A PERF_EVENT_ARRAY holds, at each index, a perf buffer: what a perf event
 * fd opened with PERF_COUNT_SW_BPF_OUTPUT and PERF_SAMPLE_RAW, and its
 * mmap'ed ring, are on Linux.  libbpf's perf_buffer opens one per CPU and
 * stores it at the CPU's index; the same here means one per execution slot
 * of the runtime (pbpf_map_max_entries() of a map sized for the runtime),
 * put in the map with
 *
 *     struct pbpf_perf_buf *b;  pbpf_perf_buf_new(8, &b);
 *     pbpf_map_update_elem(map, &slot, &b, PBPF_ANY);   (the value is a
 *         pointer to the buffer pointer; the map takes its own reference)
 *     pbpf_perf_buf_free(b);    (drops the caller's; the map keeps it)
 *
 * Programs write with bpf_perf_event_output(ctx, map, flags, data, size):
 * flags is an index, or BPF_F_CURRENT_CPU for the index of the slot the
 * program runs in; any other bit gives -EINVAL, an index past the map
 * -E2BIG, an empty index -ENOENT, a sample that does not fit -ENOSPC
 * (counted, and reported to the consumer by a PERF_RECORD_LOST record
 * before the next sample that fits), a sample over 65,523 bytes -E2BIG.
 * A buffer bound to a slot (pbpf_perf_buf_bind; perf_buffer__new binds
 * buffer i to slot i, as libbpf opens event i on CPU i) takes samples only
 * from programs running in that slot: others get -EOPNOTSUPP, as Linux
 * answers for another CPU's event.  Differences from Linux: an unbound
 * buffer (the default) takes samples from any slot; writers of one buffer
 * serialise on a lock; BPF_F_PRESERVE_ELEMS is accepted and
 * changes nothing (no fd is ever closed here).  User-space lookups give
 * -PBPF_ENOTSUPP, as Linux; delete empties an index (-ENOENT if empty).
 *
 * Memory of a buffer (pbpf_perf_buf_mmap), as Linux's mmap of the event
 * fd: page 0 is a struct perf_event_mmap_page of which data_head (byte
 * offset 1024, u64, written by producers with release order), data_tail
 * (1032, u64, written by the consumer), data_offset (1040: 4096) and
 * data_size (1048) are kept; page_cnt pages of data follow.  Records are
 * struct perf_event_header {u32 type; u16 misc; u16 size} followed by:
 *   PERF_RECORD_SAMPLE (9): u32 size; size bytes (the program's data,
 *       zero-padded so that the whole record is a multiple of 8 bytes);
 *   PERF_RECORD_LOST (2): u64 id; u64 lost (samples dropped).
 * Records wrap at the end of the data pages (no second mapping): a reader
 * copies a wrapped record out, as libbpf's perf_event_read_simple does.
 *
 * A libbpf-style perf_buffer is: one buffer per index, poll to wait, then
 * consume every buffer (libbpf's callbacks get the CPU: pass a per-buffer
 * ctx).  One consumer per buffer at a time. */
#define PBPF_F_INDEX_MASK 0xffffffffull
#define PBPF_F_CURRENT_CPU PBPF_F_INDEX_MASK
#define PBPF_PERF_RECORD_LOST 2
#define PBPF_PERF_RECORD_SAMPLE 9

struct pbpf_perf_buf;

/* A buffer with page_cnt data pages of 4096 bytes (a power of two, at
 * most 2^18): 0, -EINVAL or -ENOMEM. */
int pbpf_perf_buf_new(size_t page_cnt, struct pbpf_perf_buf **out);
/* Drops the caller's reference (a map holding the buffer keeps it). */
void pbpf_perf_buf_free(struct pbpf_perf_buf *buf);
/* Binds the buffer to execution slot `slot` (-1: unbind, the default):
 * 0 or -EINVAL. */
int pbpf_perf_buf_bind(struct pbpf_perf_buf *buf, int slot);
/* The buffer's memory in Linux's layout (above): 4096 + data bytes. */
int pbpf_perf_buf_mmap(struct pbpf_perf_buf *buf, void **base, size_t *size);
/* Bytes written and not yet consumed (data_head - data_tail). */
size_t pbpf_perf_buf_avail(struct pbpf_perf_buf *buf);

/* Consumes every record written so far: sample(ctx, data, size) for each
 * PERF_RECORD_SAMPLE (size is the record's u32 size: the program's size
 * rounded so that 4 + size is a multiple of 8), lost(ctx, count) for each
 * PERF_RECORD_LOST; either may be NULL.  A negative return from sample
 * stops there (that record counts as consumed) and is returned.  Returns
 * the number of records consumed, or -EINVAL on a record pbpf did not
 * write, -ENOMEM. */
typedef int (*pbpf_perf_sample_fn)(void *ctx, void *data, uint32_t size);
typedef void (*pbpf_perf_lost_fn)(void *ctx, uint64_t lost);
int pbpf_perf_buf_consume(struct pbpf_perf_buf *buf, pbpf_perf_sample_fn sample,
                          pbpf_perf_lost_fn lost, void *ctx);
/* Waits until at least one of the n buffers (NULL entries are skipped) has
 * unread records, or timeout_ms passes (-1: no limit, 0: just look), as
 * epoll_wait on the event fds.  Returns how many buffers have records (0
 * on timeout).  Producers wake nobody: the wait looks again after a sleep
 * that grows from 50 µs to 1 ms, so a record is seen within about 1 ms. */
int pbpf_perf_buf_poll(struct pbpf_perf_buf *const *bufs, size_t n, int timeout_ms);
/* The buffer at index of a PERF_EVENT_ARRAY (no reference taken: valid
 * while it stays in the map): 0, -EINVAL (not a perf event array), -E2BIG
 * (index past the end), -ENOENT (empty). */
int pbpf_perf_event_array_get(struct pbpf_map *map, uint32_t index, struct pbpf_perf_buf **out);

/* Pinning (BPF_OBJ_PIN / BPF_OBJ_GET within the process): one name space
 * of paths (like one bpffs mount) for maps, programs and other objects
 * (the libbpf layer's links); a pinned path holds a reference on its
 * object until it is unpinned.  The object loader's pinning by name
 * (pbpf_loader_opts.pin_root_path) uses the same name space.
 * pin: 0, -EEXIST (path taken, by an object of any kind), -EINVAL (empty
 * path or longer than 4095 bytes), -ENOMEM.
 * get_pinned: 0 and a new reference the caller drops (pbpf_map_free(),
 * pbpf_prog_free()), -ENOENT (nothing pinned there) or -EINVAL (an object
 * of another kind is).
 * unpin: 0, -ENOENT, or -EINVAL (another kind: pbpf_map_unpin removes
 * maps only; pbpf_unpin removes anything, as unlink() on bpffs). */
int pbpf_map_pin(struct pbpf_map *map, const char *path);
int pbpf_map_get_pinned(const char *path, struct pbpf_map **out);
int pbpf_map_unpin(const char *path);
int pbpf_prog_pin(struct pbpf_prog *prog, const char *path);
int pbpf_prog_get_pinned(const char *path, struct pbpf_prog **out);
int pbpf_unpin(const char *path);

/* Other objects: the pin holds a reference taken with ops->get and dropped
 * with ops->put (which must not pin or unpin); get_pinned finds only
 * objects pinned with the same ops. */
struct pbpf_pin_ops {
    void (*get)(void *obj);
    void (*put)(void *obj);
};
int pbpf_obj_pin(void *obj, const struct pbpf_pin_ops *ops, const char *path);
int pbpf_obj_get_pinned(const char *path, const struct pbpf_pin_ops *ops, void **out);

/* What is pinned at path: PBPF_PIN_MAP, PBPF_PIN_PROG, PBPF_PIN_OTHER, or
 * -ENOENT. */
#define PBPF_PIN_MAP 1
#define PBPF_PIN_PROG 2
#define PBPF_PIN_OTHER 3
int pbpf_pinned_kind(const char *path);

/* Memory mapping (mmap of the map fd, MAP_SHARED): for an ARRAY created
 * with BPF_F_MMAPABLE, the value memory itself (max_entries values, each
 * round_up(value_size, 8) bytes apart, on pages of their own), so program
 * writes are visible and user writes are seen by programs.  -EINVAL for an
 * array without BPF_F_MMAPABLE, -PBPF_ENOTSUPP for other types (ring
 * buffers: see pbpf_ringbuf_area) and for values with a spin lock or a
 * timer.  The memory lives as long as the map.
 *
 * prot is PBPF_MAP_PROT_READ, optionally | PBPF_MAP_PROT_WRITE, as
 * mmap's PROT_READ and PROT_WRITE.  As Linux, a writable mapping is
 * refused with -EPERM once the map is frozen and with -EACCES for a map
 * created BPF_F_RDONLY_PROG, and while one is held (until
 * pbpf_map_munmap with the same prot) pbpf_map_freeze fails with -EBUSY.
 * A BPF_F_RDONLY map gives -EACCES for a writable mapping and -EINVAL for
 * a read-only one, a BPF_F_WRONLY map -EACCES (its fd's mode).
 * Freezing a BPF_F_RDONLY_PROG map makes the memory read-only, as libbpf
 * maps .rodata after load: a write through any pointer into it faults, so
 * the values the verifier took as constants stay what programs read.
 * pbpf_map_mmap is pbpf_map_mmap_prot with PROT_READ | PROT_WRITE. */
#define PBPF_MAP_PROT_READ 1u
#define PBPF_MAP_PROT_WRITE 2u
int pbpf_map_mmap_prot(struct pbpf_map *map, unsigned prot, void **ptr, size_t *size);
int pbpf_map_mmap(struct pbpf_map *map, void **ptr, size_t *size);
/* Ends a mapping made with prot: 0, or -EINVAL when map has no writable
 * mapping to end. */
int pbpf_map_munmap(struct pbpf_map *map, unsigned prot);

/* Reclaims memory of map elements freed while programs might still have
 * been reading them; safe at any time, needed only to bound memory when
 * maps change while nothing runs. */
void pbpf_maps_reclaim(void);

#ifdef __cplusplus
}
#endif
#endif
