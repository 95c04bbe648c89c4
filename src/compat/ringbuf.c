/* ring_buffer__*: consumers of BPF_MAP_TYPE_RINGBUF maps.  pbpf's ring
 * buffers have Linux's memory layout (pbpf/maps.h), and records are read
 * as libbpf reads them (pbpf_ringbuf_consume).
 *
 * Linux wakes a consumer through epoll on the map fd; pbpf's ring buffers
 * have no wake-up channel, so ring_buffer__poll checks the producer
 * position every millisecond until a record is there or the timeout ends. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "bpf/libbpf.h"
#include "compat/compat.h"
#include "maps/map.h"

struct ring {
    struct pbpf_map *map; /* a reference */
    ring_buffer_sample_fn cb;
    void *ctx;
};

struct ring_buffer {
    struct ring *rings;
    size_t cnt;
};

int ring_buffer__add(struct ring_buffer *rb, int map_fd, ring_buffer_sample_fn sample_cb,
                     void *ctx)
{
    int err = 0;
    if (!rb || !sample_cb)
        return compat_err(-EINVAL);
    struct pbpf_map *m = compat_fd_map(map_fd, &err);
    if (!m)
        return compat_err(err);
    if (pbpf_map_type(m) != BPF_MAP_TYPE_RINGBUF) {
        compat_print(COMPAT_WARN, "libbpf: ringbuf: map fd=%d is not BPF_MAP_TYPE_RINGBUF\n",
                     map_fd);
        return compat_err(-EINVAL);
    }
    struct ring *r = realloc(rb->rings, (rb->cnt + 1) * sizeof *r);
    if (!r)
        return compat_err(-ENOMEM);
    rb->rings = r;
    pbpf_map_get(m);
    r[rb->cnt++] = (struct ring){.map = m, .cb = sample_cb, .ctx = ctx};
    return 0;
}

struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx,
                                     const struct ring_buffer_opts *opts)
{
    if (opts && opts->sz < sizeof(size_t))
        return compat_err_ptr(-EINVAL);
    struct ring_buffer *rb = calloc(1, sizeof *rb);
    if (!rb)
        return compat_err_ptr(-ENOMEM);
    int rc = ring_buffer__add(rb, map_fd, sample_cb, ctx);
    if (rc) {
        ring_buffer__free(rb);
        return compat_err_ptr(rc);
    }
    return rb;
}

void ring_buffer__free(struct ring_buffer *rb)
{
    if (!rb)
        return;
    int saved = errno;
    for (size_t i = 0; i < rb->cnt; i++)
        pbpf_map_free(rb->rings[i].map);
    free(rb->rings);
    free(rb);
    errno = saved;
}

/* Every ring once; the count of records, or the first error (a callback's
 * negative return stops consumption, as libbpf). */
static int consume_all(struct ring_buffer *rb)
{
    long total = 0;
    for (size_t i = 0; i < rb->cnt; i++) {
        int n = pbpf_ringbuf_consume(rb->rings[i].map, rb->rings[i].cb, rb->rings[i].ctx);
        if (n < 0)
            return n;
        total += n;
    }
    return total > INT_MAX ? INT_MAX : (int)total;
}

int ring_buffer__consume(struct ring_buffer *rb)
{
    if (!rb)
        return compat_err(-EINVAL);
    return compat_err(consume_all(rb));
}

static int has_data(struct ring_buffer *rb)
{
    for (size_t i = 0; i < rb->cnt; i++)
        if (pbpf_ringbuf_query(rb->rings[i].map, PBPF_RB_AVAIL_DATA))
            return 1;
    return 0;
}

int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms)
{
    if (!rb)
        return compat_err(-EINVAL);
    struct timespec tick = {0, 1000 * 1000};
    for (long waited = 0; !has_data(rb) && (timeout_ms < 0 || waited < timeout_ms); waited++)
        nanosleep(&tick, NULL);
    return compat_err(consume_all(rb));
}
