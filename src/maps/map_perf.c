/* PERF_EVENT_ARRAY maps and the perf buffers they hold (Linux
 * kernel/bpf/arraymap.c perf_event_array_map_ops, kernel/events/ring_buffer.c,
 * and the mmap layout of include/uapi/linux/perf_event.h).
 *
 * In Linux each element is a perf event fd (PERF_COUNT_SW_BPF_OUTPUT, one
 * per CPU) whose mmap'ed ring the consumer reads.  Here an element is a
 * struct pbpf_perf_buf, whose memory has the same layout as that mmap:
 *
 *   page 0   struct perf_event_mmap_page: data_head at byte 1024 (advanced
 *            by producers), data_tail at 1032 (advanced by the consumer),
 *            data_offset (4096) at 1040, data_size at 1048
 *   page 1.. data: a power of two of pages, records wrap at its end
 *
 * Records are Linux's: struct perf_event_header {u32 type; u16 misc;
 * u16 size} then, for PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW, u32 size
 * and the raw bytes zero-padded so the record is a multiple of 8 bytes;
 * when a sample does not fit it is dropped and counted, and the next
 * sample that fits is preceded by PERF_RECORD_LOST {header, u64 id,
 * u64 lost}.  A reader written like libbpf's perf_event_read_simple()
 * works unchanged on this memory. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

#define PB_PAGE 4096u
#define PB_HEAD_OFF 1024u
#define PB_TAIL_OFF 1032u
#define PB_DATA_OFFSET_OFF 1040u
#define PB_DATA_SIZE_OFF 1048u
#define PB_MAGIC 0x70627066u /* "pbpf" */
/* struct perf_event_header + u32 raw size */
#define PB_SAMPLE_HDR 12u
#define PB_LOST_SZ 24u

struct pbpf_perf_buf {
    uint32_t magic;
    uint32_t refcnt;
    int lock; /* producers: Linux's buffers are per CPU, these may be shared */
    int slot; /* the execution slot it takes samples from, or -1: any */
    uint64_t id;
    uint64_t lost; /* samples dropped since the last PERF_RECORD_LOST */
    void *raw;
    uint8_t *base; /* page 0 */
    uint8_t *data;
    uint64_t size;
    struct pbpf_epoch_node free_node;
};

static uint64_t *pb_head(struct pbpf_perf_buf *b) { return (uint64_t *)(b->base + PB_HEAD_OFF); }
static uint64_t *pb_tail(struct pbpf_perf_buf *b) { return (uint64_t *)(b->base + PB_TAIL_OFF); }

int pbpf_perf_buf_new(size_t page_cnt, struct pbpf_perf_buf **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    /* libbpf's perf_buffer__new: a power of two of data pages */
    if (!page_cnt || (page_cnt & (page_cnt - 1)) || page_cnt > (1u << 18))
        return -EINVAL;
    struct pbpf_perf_buf *b = pbpf_calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    b->size = (uint64_t)page_cnt * PB_PAGE;
    b->raw = pbpf_calloc(1, (size_t)b->size + 2 * PB_PAGE);
    if (!b->raw) {
        pbpf_free(b);
        return -ENOMEM;
    }
    static uint64_t next_id = 1;
    b->magic = PB_MAGIC;
    b->refcnt = 1;
    b->slot = -1;
    b->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
    b->base = (uint8_t *)(((uintptr_t)b->raw + PB_PAGE - 1) & ~(uintptr_t)(PB_PAGE - 1));
    b->data = b->base + PB_PAGE;
    uint64_t off = PB_PAGE;
    memcpy(b->base + PB_DATA_OFFSET_OFF, &off, 8);
    memcpy(b->base + PB_DATA_SIZE_OFF, &b->size, 8);
    *out = b;
    return 0;
}

static void pb_destroy(struct pbpf_perf_buf *b)
{
    b->magic = 0;
    pbpf_free(b->raw);
    pbpf_free(b);
}

void pbpf_perf_buf_free(struct pbpf_perf_buf *b)
{
    if (b && __atomic_sub_fetch(&b->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        pb_destroy(b);
}

static void pb_destroy_node(struct pbpf_epoch_node *n)
{
    pb_destroy((struct pbpf_perf_buf *)((char *)n - offsetof(struct pbpf_perf_buf, free_node)));
}

/* A map drops its reference: a program may still be writing. */
static void pb_put_deferred(struct pbpf_perf_buf *b)
{
    if (__atomic_sub_fetch(&b->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        pbpf_epoch_retire(&b->free_node, NULL, pb_destroy_node);
}

int pbpf_perf_buf_bind(struct pbpf_perf_buf *b, int slot)
{
    if (!b || b->magic != PB_MAGIC || slot < -1)
        return -EINVAL;
    __atomic_store_n(&b->slot, slot, __ATOMIC_RELAXED);
    return 0;
}

int pbpf_perf_buf_mmap(struct pbpf_perf_buf *b, void **base, size_t *size)
{
    if (!b || !base || !size)
        return -EINVAL;
    *base = b->base;
    *size = (size_t)b->size + PB_PAGE;
    return 0;
}

size_t pbpf_perf_buf_avail(struct pbpf_perf_buf *b)
{
    if (!b)
        return 0;
    uint64_t head = __atomic_load_n(pb_head(b), __ATOMIC_ACQUIRE);
    uint64_t tail = __atomic_load_n(pb_tail(b), __ATOMIC_ACQUIRE);
    return (size_t)(head - tail);
}

static void pb_write(struct pbpf_perf_buf *b, uint64_t pos, const void *src, size_t n)
{
    size_t off = (size_t)(pos & (b->size - 1)), first = (size_t)b->size - off;
    if (first > n)
        first = n;
    if (src) {
        memcpy(b->data + off, src, first);
        memcpy(b->data, (const uint8_t *)src + first, n - first);
    } else {
        memset(b->data + off, 0, first);
        memset(b->data, 0, n - first);
    }
}

/* perf_event_output() of a PERF_SAMPLE_RAW sample: -ENOSPC (counted as
 * lost) when the record does not fit; -E2BIG when it cannot be described
 * by the 16-bit header size (Linux writes a corrupt header then). */
static int pbpf_perf_buf_output(struct pbpf_perf_buf *b, const void *data, uint64_t size)
{
    if (size > 0xffff)
        return -E2BIG;
    /* perf_prepare_sample(): the u32 size and the data round up to 8 */
    uint32_t raw = (uint32_t)(((size + 4 + 7) & ~(uint64_t)7) - 4);
    uint32_t rec = 8 + 4 + raw;
    if (rec > 0xffff)
        return -E2BIG;
    pbpf_map_lock(&b->lock);
    uint64_t head = *pb_head(b), tail = __atomic_load_n(pb_tail(b), __ATOMIC_ACQUIRE);
    uint64_t need = rec + (b->lost ? PB_LOST_SZ : 0);
    /* ring_buffer_has_space(): CIRC_SPACE leaves one byte free, so Linux
     * never fills the ring to the last byte */
    if (head - tail + need >= b->size) {
        b->lost++;
        pbpf_map_unlock(&b->lock);
        return -ENOSPC;
    }
    if (b->lost) {
        /* PERF_RECORD_LOST (2), misc 0 */
        uint8_t l[PB_LOST_SZ];
        uint32_t type = 2;
        uint16_t misc = 0, sz = PB_LOST_SZ;
        memcpy(l, &type, 4);
        memcpy(l + 4, &misc, 2);
        memcpy(l + 6, &sz, 2);
        memcpy(l + 8, &b->id, 8);
        memcpy(l + 16, &b->lost, 8);
        pb_write(b, head, l, sizeof l);
        head += PB_LOST_SZ;
        b->lost = 0;
    }
    /* PERF_RECORD_SAMPLE (9); misc PERF_RECORD_MISC_USER (2): programs run
     * in user space here */
    uint8_t h[PB_SAMPLE_HDR];
    uint32_t type = 9;
    uint16_t misc = 2, sz = (uint16_t)rec;
    memcpy(h, &type, 4);
    memcpy(h + 4, &misc, 2);
    memcpy(h + 6, &sz, 2);
    memcpy(h + 8, &raw, 4);
    pb_write(b, head, h, sizeof h);
    pb_write(b, head + PB_SAMPLE_HDR, data, (size_t)size);
    pb_write(b, head + PB_SAMPLE_HDR + size, NULL, raw - (size_t)size);
    /* pairs with the consumer's acquire of data_head */
    __atomic_store_n(pb_head(b), head + rec, __ATOMIC_RELEASE);
    pbpf_map_unlock(&b->lock);
    return 0;
}

int pbpf_perf_buf_consume(struct pbpf_perf_buf *b, pbpf_perf_sample_fn sample,
                          pbpf_perf_lost_fn lost, void *ctx)
{
    if (!b)
        return -EINVAL;
    int n = 0, rc = 0;
    uint64_t head = __atomic_load_n(pb_head(b), __ATOMIC_ACQUIRE);
    uint64_t tail = *pb_tail(b);
    uint8_t *copy = NULL;
    while (tail < head && rc >= 0) {
        size_t off = (size_t)(tail & (b->size - 1));
        uint8_t hdr[8];
        for (int i = 0; i < 8; i++)
            hdr[i] = b->data[(off + (size_t)i) & (b->size - 1)];
        uint32_t type;
        uint16_t sz;
        memcpy(&type, hdr, 4);
        memcpy(&sz, hdr + 6, 2);
        if (sz < 8 || sz > head - tail) {
            rc = -EINVAL; /* not written by pbpf_perf_buf_output */
            break;
        }
        const uint8_t *rec = b->data + off;
        if (off + sz > b->size) {
            /* wrapped: contiguous copy, as libbpf's perf_event_read_simple */
            if (!copy && !(copy = pbpf_malloc(0x10000))) {
                rc = -ENOMEM;
                break;
            }
            size_t first = (size_t)b->size - off;
            memcpy(copy, b->data + off, first);
            memcpy(copy + first, b->data, sz - first);
            rec = copy;
        }
        if (type == 9 && sz >= PB_SAMPLE_HDR) {
            uint32_t rsz;
            memcpy(&rsz, rec + 8, 4);
            if (rsz > (uint32_t)sz - PB_SAMPLE_HDR)
                rsz = (uint32_t)sz - PB_SAMPLE_HDR;
            if (sample)
                rc = sample(ctx, (void *)(rec + PB_SAMPLE_HDR), rsz);
            n++;
        } else if (type == 2 && sz >= PB_LOST_SZ) {
            uint64_t cnt;
            memcpy(&cnt, rec + 16, 8);
            if (lost)
                lost(ctx, cnt);
            n++;
        }
        tail += sz;
        /* the record's bytes are read before the producer may reuse them */
        __atomic_store_n(pb_tail(b), tail, __ATOMIC_RELEASE);
    }
    pbpf_free(copy);
    return rc < 0 ? rc : n;
}

int pbpf_perf_buf_poll(struct pbpf_perf_buf *const *bufs, size_t n, int timeout_ms)
{
    if (!bufs && n)
        return -EINVAL;
    uint64_t start = pbpf_time_mono_ns(), wait = 50000;
    for (;;) {
        int ready = 0;
        for (size_t i = 0; i < n; i++)
            if (bufs[i] && pbpf_perf_buf_avail(bufs[i]))
                ready++;
        if (ready || timeout_ms == 0)
            return ready;
        uint64_t now = pbpf_time_mono_ns();
        if (timeout_ms > 0 && now - start >= (uint64_t)timeout_ms * 1000000u)
            return 0;
        /* no wake-ups from producers: back off up to 1 ms between looks */
        pbpf_sleep_ns(wait);
        if (wait < 1000000)
            wait *= 2;
    }
}

/* --- the map ---------------------------------------------------------------- */

struct perf_map {
    struct pbpf_map m;
    struct pbpf_perf_buf **bufs;
};

static struct perf_map *P(struct pbpf_map *m) { return (struct perf_map *)m; }

/* fd_array_map_alloc_check() + array_map_alloc_check() */
static int perf_alloc(const struct pbpf_map_create_opts *o, unsigned slots, struct pbpf_map **out)
{
    (void)slots;
    uint32_t ok = PBPF_F_NUMA_NODE | PBPF_F_RDONLY | PBPF_F_WRONLY | PBPF_F_PRESERVE_ELEMS;
    if (o->max_entries == 0 || o->key_size != 4 || o->value_size != 4 || (o->map_flags & ~ok))
        return -EINVAL;
    if (o->max_entries > (1u << 26))
        return -ENOMEM;
    struct perf_map *p = pbpf_calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->bufs = pbpf_calloc(o->max_entries, sizeof *p->bufs);
    if (!p->bufs) {
        pbpf_free(p);
        return -ENOMEM;
    }
    *out = &p->m;
    return 0;
}

static void perf_destroy(struct pbpf_map *m)
{
    for (uint32_t i = 0; i < m->max_entries; i++)
        pbpf_perf_buf_free(P(m)->bufs[i]);
    pbpf_free(P(m)->bufs);
    pbpf_free(m);
}

/* bpf_fd_array_map_update_elem(): only BPF_ANY; the value is a pointer to
 * a struct pbpf_perf_buf * (Linux: the perf event fd). */
static int perf_update(struct pbpf_map *m, const void *key, const void *value, uint64_t flags,
                       int slot)
{
    (void)slot;
    if (flags != PBPF_ANY)
        return -EINVAL;
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    struct pbpf_perf_buf *b;
    memcpy(&b, value, sizeof b);
    if (!b || b->magic != PB_MAGIC)
        return -EBADF;
    __atomic_add_fetch(&b->refcnt, 1, __ATOMIC_RELAXED);
    struct pbpf_perf_buf *old = __atomic_exchange_n(&P(m)->bufs[i], b, __ATOMIC_ACQ_REL);
    if (old)
        pb_put_deferred(old);
    return 0;
}

static int perf_delete(struct pbpf_map *m, const void *key)
{
    uint32_t i = pbpf_map_key_index(key);
    if (i >= m->max_entries)
        return -E2BIG;
    struct pbpf_perf_buf *old = __atomic_exchange_n(&P(m)->bufs[i], NULL, __ATOMIC_ACQ_REL);
    if (!old)
        return -ENOENT;
    pb_put_deferred(old);
    return 0;
}

/* Linux's perf_event_array_map_ops has no map_fd_sys_lookup_elem:
 * bpf_fd_array_map_lookup_elem() answers ENOTSUPP. */
static int perf_copy_value(struct pbpf_map *m, const void *key, void *value)
{
    (void)m, (void)key, (void)value;
    return -PBPF_ENOTSUPP;
}

int pbpf_perf_event_array_get(struct pbpf_map *m, uint32_t index, struct pbpf_perf_buf **out)
{
    *out = NULL;
    if (!m || m->type != PBPF_MAP_TYPE_PERF_EVENT_ARRAY)
        return -EINVAL;
    if (index >= m->max_entries)
        return -E2BIG;
    *out = __atomic_load_n(&P(m)->bufs[index], __ATOMIC_ACQUIRE);
    return *out ? 0 : -ENOENT;
}

int pbpf_perf_event_output(struct pbpf_map *m, uint64_t flags, unsigned slot, const void *data,
                           uint64_t size)
{
    /* bpf_perf_event_output() / __bpf_perf_event_output() */
    if (flags & ~PBPF_F_INDEX_MASK)
        return -EINVAL;
    uint64_t index = flags & PBPF_F_INDEX_MASK;
    if (index == PBPF_F_CURRENT_CPU)
        index = slot;
    struct pbpf_perf_buf *b;
    int rc = pbpf_perf_event_array_get(m, (uint32_t)index, &b);
    if (rc)
        return rc;
    /* __bpf_perf_event_output(): an event opened for another CPU */
    int bound = __atomic_load_n(&b->slot, __ATOMIC_RELAXED);
    if (bound >= 0 && (unsigned)bound != slot)
        return -EOPNOTSUPP;
    return pbpf_perf_buf_output(b, data, size);
}

const struct pbpf_map_ops pbpf_map_perf_event_array_ops = {
    .alloc = perf_alloc,
    .destroy = perf_destroy,
    .update = perf_update,
    .delete = perf_delete,
    .get_next_key = pbpf_map_array_get_next_key,
    .copy_value = perf_copy_value,
};
