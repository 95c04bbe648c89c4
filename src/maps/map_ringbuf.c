/* RINGBUF maps (Linux kernel/bpf/ringbuf.c), with Linux's memory layout:
 *
 *   page 0   pbpf's bookkeeping (Linux: struct bpf_ringbuf's fields)
 *   page 1   consumer_pos  (uint64_t, advanced by the consumer)
 *   page 2   producer_pos  (uint64_t, advanced by reservations)
 *   page 3.. data: `size` bytes, then `size` bytes of shadow
 *
 * Records are {u32 len | BUSY | DISCARD, u32 pg_off} followed by the
 * sample, padded to 8 bytes; positions grow forever and are masked.
 * Linux maps the data pages twice so a record that wraps is contiguous;
 * here the shadow plays that part: the program writes the wrapped tail
 * into the shadow and commit copies it to the start of the data before
 * the header's BUSY bit clears.  A consumer may read a record either
 * contiguously (as libbpf does) or wrapping. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "platform/platform.h"

#define RB_PAGE 4096u
#define RB_META_PAGES 3u
/* Linux: RINGBUF_MAX_RECORD_SZ (UINT_MAX / 4) */
#define RB_MAX_RECORD ((uint32_t)UINT32_MAX / 4)

struct rb_meta {
    struct pbpf_map *map;
    int lock;
    uint64_t mask;
    uint64_t pending_pos;
};

struct ringbuf_map {
    struct pbpf_map m;
    void *raw;      /* allocation (unaligned) */
    uint8_t *base;  /* page 0, page-aligned */
    struct rb_meta *meta;
    uint64_t *consumer_pos, *producer_pos;
    uint8_t *data;
    uint64_t size;
};

struct rb_hdr {
    uint32_t len;
    uint32_t pg_off;
};

static struct ringbuf_map *R(struct pbpf_map *m) { return (struct ringbuf_map *)m; }

/* ringbuf_map_alloc() */
static int rb_alloc(const struct pbpf_map_create_opts *o, unsigned slots, struct pbpf_map **out)
{
    (void)slots;
    if (o->map_flags & ~PBPF_F_NUMA_NODE)
        return -EINVAL;
    if (o->key_size || o->value_size || !o->max_entries ||
        (o->max_entries & (o->max_entries - 1)) || (o->max_entries % RB_PAGE))
        return -EINVAL;
    if (o->max_entries > (1u << 30))
        return -ENOMEM;
    struct ringbuf_map *r = pbpf_calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->size = o->max_entries;
    size_t total = (size_t)RB_META_PAGES * RB_PAGE + 2 * (size_t)r->size + RB_PAGE;
    r->raw = pbpf_calloc(1, total);
    if (!r->raw) {
        pbpf_free(r);
        return -ENOMEM;
    }
    r->base = (uint8_t *)(((uintptr_t)r->raw + RB_PAGE - 1) & ~(uintptr_t)(RB_PAGE - 1));
    /* Linux's bpf_ringbuf_area_alloc() allocates every page at creation;
     * touching them here likewise keeps first-use page faults out of
     * reservations (a large calloc is mapped on demand by the host) */
    for (size_t off = 0; off < total; off += RB_PAGE)
        ((volatile uint8_t *)r->raw)[off] = 0;
    r->meta = (struct rb_meta *)r->base;
    r->meta->map = &r->m;
    r->meta->mask = r->size - 1;
    r->consumer_pos = (uint64_t *)(r->base + RB_PAGE);
    r->producer_pos = (uint64_t *)(r->base + 2 * RB_PAGE);
    r->data = r->base + RB_META_PAGES * RB_PAGE;
    *out = &r->m;
    return 0;
}

static void rb_destroy(struct pbpf_map *m)
{
    pbpf_free(R(m)->raw);
    pbpf_free(m);
}

void *pbpf_ringbuf_reserve(struct pbpf_map *m, uint64_t size, uint64_t flags)
{
    struct ringbuf_map *r = R(m);
    if (m->type != PBPF_MAP_TYPE_RINGBUF || flags || size > RB_MAX_RECORD)
        return NULL;
    uint64_t len = (size + PBPF_RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
    if (len > r->size)
        return NULL;
    uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
    pbpf_map_lock(&r->meta->lock);
    uint64_t pend = r->meta->pending_pos, prod = *r->producer_pos;
    uint64_t nprod = prod + (uint64_t)len;
    /* the oldest record still busy bounds the span of records in flight */
    while (pend < prod) {
        struct rb_hdr *h = (struct rb_hdr *)(r->data + (pend & r->meta->mask));
        uint32_t hl = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
        if (hl & PBPF_RINGBUF_BUSY_BIT)
            break;
        hl &= ~PBPF_RINGBUF_DISCARD_BIT;
        pend += (hl + PBPF_RINGBUF_HDR_SZ + 7) & ~7u;
    }
    r->meta->pending_pos = pend;
    if (nprod - cons > r->meta->mask || nprod - pend > r->meta->mask) {
        pbpf_map_unlock(&r->meta->lock);
        return NULL;
    }
    struct rb_hdr *h = (struct rb_hdr *)(r->data + (prod & r->meta->mask));
    h->pg_off = (uint32_t)(((uint8_t *)h - r->base) / RB_PAGE);
    __atomic_store_n(&h->len, (uint32_t)size | PBPF_RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
    /* pairs with the consumer's acquire of producer_pos */
    __atomic_store_n(r->producer_pos, nprod, __ATOMIC_RELEASE);
    pbpf_map_unlock(&r->meta->lock);
    return h + 1;
}

static struct ringbuf_map *rb_of_hdr(struct rb_hdr *h)
{
    uint8_t *page = (uint8_t *)((uintptr_t)h & ~(uintptr_t)(RB_PAGE - 1));
    struct rb_meta *meta = (struct rb_meta *)(page - (size_t)h->pg_off * RB_PAGE);
    return R(meta->map);
}

void pbpf_ringbuf_commit(void *sample, int discard)
{
    struct rb_hdr *h = (struct rb_hdr *)sample - 1;
    struct ringbuf_map *r = rb_of_hdr(h);
    uint32_t len = h->len & ~(PBPF_RINGBUF_BUSY_BIT | PBPF_RINGBUF_DISCARD_BIT);
    uint64_t start = (uint64_t)((uint8_t *)h - r->data);
    uint64_t end = start + PBPF_RINGBUF_HDR_SZ + len;
    if (end > r->size && !discard)
        memcpy(r->data, r->data + r->size, (size_t)(end - r->size));
    uint32_t nl = len | (discard ? PBPF_RINGBUF_DISCARD_BIT : 0);
    __atomic_exchange_n(&h->len, nl, __ATOMIC_ACQ_REL);
}

int pbpf_ringbuf_is_reserved(struct pbpf_map *m, const void *p)
{
    struct ringbuf_map *r = R(m);
    uintptr_t a = (uintptr_t)p;
    if (m->type != PBPF_MAP_TYPE_RINGBUF || a < (uintptr_t)r->data + PBPF_RINGBUF_HDR_SZ ||
        a >= (uintptr_t)r->data + r->size + PBPF_RINGBUF_HDR_SZ || (a & 7))
        return 0;
    const struct rb_hdr *h = (const struct rb_hdr *)p - 1;
    return (__atomic_load_n(&h->len, __ATOMIC_ACQUIRE) & PBPF_RINGBUF_BUSY_BIT) != 0;
}

int pbpf_ringbuf_output(struct pbpf_map *m, const void *data, uint64_t size, uint64_t flags)
{
    if (flags & ~(uint64_t)(PBPF_RB_NO_WAKEUP | PBPF_RB_FORCE_WAKEUP))
        return -EINVAL;
    void *p = pbpf_ringbuf_reserve(m, size, 0);
    if (!p)
        return -EAGAIN;
    memcpy(p, data, (size_t)size);
    pbpf_ringbuf_commit(p, 0);
    return 0;
}

uint64_t pbpf_ringbuf_query(struct pbpf_map *m, uint64_t flags)
{
    struct ringbuf_map *r = R(m);
    if (m->type != PBPF_MAP_TYPE_RINGBUF)
        return 0;
    uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
    uint64_t prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
    switch (flags) {
    case PBPF_RB_AVAIL_DATA: return prod - cons;
    case PBPF_RB_RING_SIZE: return r->size;
    case PBPF_RB_CONS_POS: return cons;
    case PBPF_RB_PROD_POS: return prod;
    default: return 0;
    }
}

int pbpf_ringbuf_area(struct pbpf_map *m, struct pbpf_ringbuf_area *area)
{
    if (!m || !area || m->type != PBPF_MAP_TYPE_RINGBUF)
        return -EINVAL;
    struct ringbuf_map *r = R(m);
    area->consumer_pos = r->consumer_pos;
    area->producer_pos = r->producer_pos;
    area->data = r->data;
    area->size = (size_t)r->size;
    return 0;
}

/* What libbpf's ringbuf_process_ring() does over the mmap'ed buffer. */
int pbpf_ringbuf_consume(struct pbpf_map *m, pbpf_ringbuf_sample_fn cb, void *ctx)
{
    if (!m || !cb || m->type != PBPF_MAP_TYPE_RINGBUF)
        return -EINVAL;
    struct ringbuf_map *r = R(m);
    int n = 0;
    uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
    for (;;) {
        uint64_t prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
        if (cons >= prod)
            break;
        const struct rb_hdr *h = (const struct rb_hdr *)(r->data + (cons & (r->size - 1)));
        uint32_t len = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
        if (len & PBPF_RINGBUF_BUSY_BIT)
            break;
        uint32_t sz = len & ~PBPF_RINGBUF_DISCARD_BIT;
        cons += (sz + PBPF_RINGBUF_HDR_SZ + 7) & ~7u;
        int rc = 0;
        if (!(len & PBPF_RINGBUF_DISCARD_BIT)) {
            rc = cb(ctx, (void *)(h + 1), sz);
            n++;
        }
        __atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
        if (rc < 0)
            return rc;
    }
    return n;
}

static int rb_notsupp(void) { return -PBPF_ENOTSUPP; }
static int rb_update(struct pbpf_map *m, const void *k, const void *v, uint64_t f, int s)
{
    (void)m, (void)k, (void)v, (void)f, (void)s;
    return rb_notsupp();
}
static int rb_delete(struct pbpf_map *m, const void *k)
{
    (void)m, (void)k;
    return rb_notsupp();
}
static int rb_get_next_key(struct pbpf_map *m, const void *k, void *n)
{
    (void)m, (void)k, (void)n;
    return rb_notsupp();
}
static int rb_copy_value(struct pbpf_map *m, const void *k, void *v)
{
    (void)m, (void)k, (void)v;
    return rb_notsupp();
}

const struct pbpf_map_ops pbpf_map_ringbuf_ops = {
    .alloc = rb_alloc,
    .destroy = rb_destroy,
    .update = rb_update,
    .delete = rb_delete,
    .get_next_key = rb_get_next_key,
    .copy_value = rb_copy_value,
};
