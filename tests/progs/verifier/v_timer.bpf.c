/* bpf_timer: the timer argument is the struct bpf_timer of a map value
 * (BTF), at its exact offset, of the map passed to bpf_timer_init; the
 * field is not accessed directly; the callback is verified on its own
 * with (map, key, value) and must return 0. */
#include "vdefs.h"

struct bpf_timer {
    __u64 opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;
static long (*bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *)170;
static long (*bpf_timer_start)(struct bpf_timer *timer, __u64 nsecs, __u64 flags) = (void *)171;
static long (*bpf_timer_cancel)(struct bpf_timer *timer) = (void *)172;

struct tval {
    __u64 cnt;
    struct bpf_timer t;
    __u64 after;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, struct tval);
} tm SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, struct tval);
} tm2 SEC(".maps");

struct tval_plain {
    __u64 a, b, c, d;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct tval_plain);
} plain SEC(".maps");

static int cb_ok(void *map, __u32 *key, struct tval *v)
{
    v->cnt += *key;
    return 0;
}

static int cb_ret1(void *map, __u32 *key, struct tval *v)
{
    v->cnt++;
    return 1;
}

static struct tval *get(void)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&tm, &k);
}

SEC("xdp") int tm_ok(void *ctx)
{
    struct tval *v = get();
    if (!v)
        return XDP_PASS;
    bpf_timer_init(&v->t, &tm, 1);
    bpf_timer_set_callback(&v->t, cb_ok);
    bpf_timer_start(&v->t, 1000, 0);
    bpf_timer_cancel(&v->t);
    return XDP_PASS;
}

SEC("xdp") int tm_cb_returns_1(void *ctx)
{
    struct tval *v = get();
    if (!v)
        return XDP_PASS;
    bpf_timer_init(&v->t, &tm, 1);
    bpf_timer_set_callback(&v->t, cb_ret1);
    return XDP_PASS;
}

SEC("xdp") int tm_wrong_offset(void *ctx)
{
    struct tval *v = get();
    if (!v)
        return XDP_PASS;
    bpf_timer_init((struct bpf_timer *)&v->after, &tm, 1);
    return XDP_PASS;
}

SEC("xdp") int tm_other_map(void *ctx)
{
    struct tval *v = get();
    if (!v)
        return XDP_PASS;
    bpf_timer_init(&v->t, &tm2, 1);
    return XDP_PASS;
}

SEC("xdp") int tm_no_timer_in_value(void *ctx)
{
    __u32 k = 0;
    struct tval_plain *p = bpf_map_lookup_elem(&plain, &k);
    if (!p)
        return XDP_PASS;
    bpf_timer_init((struct bpf_timer *)&p->b, &plain, 1);
    return XDP_PASS;
}

SEC("xdp") int tm_read_field(void *ctx)
{
    struct tval *v = get();
    if (!v)
        return XDP_PASS;
    return (int)*(volatile __u64 *)&v->t;
}

char LICENSE[] SEC("license") = "GPL";
