/* perf_buffer__*: consumers of BPF_MAP_TYPE_PERF_EVENT_ARRAY maps.  As
 * libbpf's perf_buffer__new opens one perf event per CPU and stores it at
 * the CPU's index, this makes one pbpf perf buffer per execution slot of
 * the runtime (pbpf/maps.h) and stores it at the slot's index; programs
 * write with bpf_perf_event_output(..., BPF_F_CURRENT_CPU, ...). */
#include <limits.h>
#include <stdlib.h>

#include "bpf/libbpf.h"
#include "compat/compat.h"
#include "maps/map.h"

struct perf_cpu_buf {
    struct perf_buffer *pb;
    int cpu;
};

struct perf_buffer {
    perf_buffer_sample_fn sample_cb;
    perf_buffer_lost_fn lost_cb;
    void *ctx;
    struct pbpf_map *map; /* a reference */
    struct pbpf_perf_buf **bufs;
    struct perf_cpu_buf *cpus;
    size_t cnt;
};

static int on_sample(void *ctx, void *data, uint32_t size)
{
    struct perf_cpu_buf *c = ctx;
    if (c->pb->sample_cb)
        c->pb->sample_cb(c->pb->ctx, c->cpu, data, size);
    return 0;
}

static void on_lost(void *ctx, uint64_t lost)
{
    struct perf_cpu_buf *c = ctx;
    if (c->pb->lost_cb)
        c->pb->lost_cb(c->pb->ctx, c->cpu, lost);
}

void perf_buffer__free(struct perf_buffer *pb)
{
    if (!pb)
        return;
    int saved = errno;
    for (size_t i = 0; i < pb->cnt; i++) {
        if (!pb->bufs[i])
            continue;
        /* as closing libbpf's event fd: the map's entry goes too */
        uint32_t key = (uint32_t)i;
        struct pbpf_perf_buf *cur;
        if (pbpf_perf_event_array_get(pb->map, key, &cur) == 0 && cur == pb->bufs[i])
            pbpf_map_delete_elem(pb->map, &key);
        pbpf_perf_buf_free(pb->bufs[i]);
    }
    if (pb->map)
        pbpf_map_free(pb->map);
    free(pb->bufs);
    free(pb->cpus);
    free(pb);
    errno = saved;
}

struct perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt, perf_buffer_sample_fn sample_cb,
                                     perf_buffer_lost_fn lost_cb, void *ctx,
                                     const struct perf_buffer_opts *opts)
{
    int err = 0;
    if ((opts && opts->sz < sizeof(size_t)) || page_cnt == 0 || (page_cnt & (page_cnt - 1)))
        return compat_err_ptr(-EINVAL);
    struct pbpf_map *m = compat_fd_map(map_fd, &err);
    if (!m)
        return compat_err_ptr(err);
    if (pbpf_map_type(m) != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        compat_print(COMPAT_WARN, "libbpf: map '%s' should be BPF_MAP_TYPE_PERF_EVENT_ARRAY\n",
                     pbpf_map_name(m));
        return compat_err_ptr(-EINVAL);
    }
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0)
        return compat_err_ptr(ncpu ? ncpu : -EINVAL);
    size_t cnt = (size_t)ncpu;
    if (cnt > pbpf_map_max_entries(m))
        cnt = pbpf_map_max_entries(m); /* libbpf: the map bounds the CPUs */
    struct perf_buffer *pb = calloc(1, sizeof *pb);
    if (!pb)
        return compat_err_ptr(-ENOMEM);
    pb->sample_cb = sample_cb;
    pb->lost_cb = lost_cb;
    pb->ctx = ctx;
    pbpf_map_get(m);
    pb->map = m;
    pb->bufs = calloc(cnt ? cnt : 1, sizeof *pb->bufs);
    pb->cpus = calloc(cnt ? cnt : 1, sizeof *pb->cpus);
    if (!pb->bufs || !pb->cpus) {
        perf_buffer__free(pb);
        return compat_err_ptr(-ENOMEM);
    }
    pb->cnt = cnt;
    for (size_t i = 0; i < cnt; i++) {
        uint32_t key = (uint32_t)i;
        pb->cpus[i] = (struct perf_cpu_buf){.pb = pb, .cpu = (int)i};
        err = pbpf_perf_buf_new(page_cnt, &pb->bufs[i]);
        if (!err) /* as libbpf opens the event of index i on CPU i */
            err = pbpf_perf_buf_bind(pb->bufs[i], (int)i);
        if (!err)
            err = pbpf_map_update_elem(m, &key, &pb->bufs[i], BPF_ANY);
        if (err) {
            compat_print(COMPAT_WARN, "libbpf: failed to set up perf buffer for cpu %zu: %d\n",
                         i, err);
            perf_buffer__free(pb);
            return compat_err_ptr(err);
        }
    }
    return pb;
}

static int consume_one(struct perf_buffer *pb, size_t i)
{
    int n = pbpf_perf_buf_consume(pb->bufs[i], on_sample, on_lost, &pb->cpus[i]);
    return n < 0 ? n : 0;
}

int perf_buffer__consume_buffer(struct perf_buffer *pb, size_t buf_idx)
{
    if (!pb || buf_idx >= pb->cnt)
        return compat_err(-EINVAL);
    return compat_err(consume_one(pb, buf_idx));
}

int perf_buffer__consume(struct perf_buffer *pb)
{
    if (!pb)
        return compat_err(-EINVAL);
    for (size_t i = 0; i < pb->cnt; i++) {
        int rc = consume_one(pb, i);
        if (rc) {
            compat_print(COMPAT_WARN, "libbpf: error while processing records: %d\n", rc);
            return compat_err(rc);
        }
    }
    return 0;
}

int perf_buffer__poll(struct perf_buffer *pb, int timeout_ms)
{
    if (!pb)
        return compat_err(-EINVAL);
    int ready = pbpf_perf_buf_poll(pb->bufs, pb->cnt, timeout_ms);
    if (ready < 0)
        return compat_err(ready);
    /* libbpf returns the number of buffers that had data */
    for (size_t i = 0; ready && i < pb->cnt; i++) {
        if (!pbpf_perf_buf_avail(pb->bufs[i]))
            continue;
        int rc = consume_one(pb, i);
        if (rc)
            return compat_err(rc);
    }
    return ready;
}

size_t perf_buffer__buffer_cnt(const struct perf_buffer *pb) { return pb ? pb->cnt : 0; }
