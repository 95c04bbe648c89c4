/* bpf_timer, run by pbpf's engines and by the kernel
 * (tests/timers/test_timers.c).  Programs record the helpers' return
 * values in `res` and callbacks count their runs in the values and in
 * `fires`; the test compares the maps after waiting for the timers. */
#include "bpf_defs.h"

struct bpf_timer {
    __u64 opaque[2];
} __attribute__((aligned(8)));

static long (*bpf_timer_init)(struct bpf_timer *timer, void *map, __u64 flags) = (void *)169;
static long (*bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *)170;
static long (*bpf_timer_start)(struct bpf_timer *timer, __u64 nsecs, __u64 flags) = (void *)171;
static long (*bpf_timer_cancel)(struct bpf_timer *timer) = (void *)172;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define BPF_F_TIMER_ABS 1
#define MS 1000000ull

struct elem {
    __u64 fired;
    struct bpf_timer t;
    __u64 key_seen;
    __u64 note;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct elem);
} tarr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct elem);
} thash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct elem);
} tlru SEC(".maps");

/* res[i]: return values of the helper calls, in the order of the programs */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __u64);
} res SEC(".maps");

/* fires[0]: every callback run */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} fires SEC(".maps");

static void put(__u32 i, long v)
{
    __u64 *r = bpf_map_lookup_elem(&res, &i);
    if (r)
        *r = (__u64)v;
}

static void count_fire(void)
{
    __u32 k = 0;
    __u64 *n = bpf_map_lookup_elem(&fires, &k);
    if (n)
        __sync_fetch_and_add(n, 1);
}

/* Counts its runs and records the key it was given. */
static int cb_count(void *map, __u32 *key, struct elem *v)
{
    v->fired++;
    v->key_seen = *key + 100;
    count_fire();
    return 0;
}

/* Re-arms itself until it has run three times. */
static int cb_periodic(void *map, __u32 *key, struct elem *v)
{
    v->fired++;
    count_fire();
    if (v->fired < 3)
        v->note = bpf_timer_start(&v->t, 2 * MS, 0);
    return 0;
}

/* Cancels its own timer: -EDEADLK. */
static int cb_self_cancel(void *map, __u32 *key, struct elem *v)
{
    v->fired++;
    count_fire();
    v->note = bpf_timer_cancel(&v->t);
    return 0;
}

/* Deletes its own element (the timer goes with it while it runs). */
static int cb_self_delete(void *map, __u32 *key, struct elem *v)
{
    v->fired++;
    count_fire();
    __u32 k = *key;
    long rc = bpf_map_delete_elem(map, &k);
    put(20, rc);
    return 0;
}

static struct elem *arr(__u32 k)
{
    return bpf_map_lookup_elem(&tarr, &k);
}

/* tarr[0]: init twice (-EBUSY), a callback, started for 5 ms.
 * thash[5]: a bad clock (-EINVAL), BOOTTIME, start without a callback
 * (-EINVAL), bad flags (-EINVAL), then 5 ms. */
SEC("xdp")
int arm(struct xdp_md *ctx)
{
    struct elem *v = arr(0);
    if (!v)
        return 1;
    put(0, bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC));
    put(1, bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC));
    put(2, bpf_timer_set_callback(&v->t, cb_count));
    put(3, bpf_timer_start(&v->t, 5 * MS, 0));

    __u32 k = 5;
    struct elem zero = {};
    bpf_map_update_elem(&thash, &k, &zero, BPF_ANY);
    struct elem *h = bpf_map_lookup_elem(&thash, &k);
    if (!h)
        return 2;
    put(4, bpf_timer_init(&h->t, &thash, 12345));
    put(5, bpf_timer_init(&h->t, &thash, CLOCK_BOOTTIME));
    put(6, bpf_timer_start(&h->t, 5 * MS, 0));
    put(7, bpf_timer_set_callback(&h->t, cb_count));
    put(8, bpf_timer_start(&h->t, 5 * MS, 4));
    put(9, bpf_timer_start(&h->t, 5 * MS, 0));
    return 0;
}

/* tarr[1]: armed for a second and cancelled (1), cancelled again (0);
 * tarr[2]: a timer that re-arms itself; tarr[3]: one that cancels
 * itself; tarr[4]: absolute time on CLOCK_MONOTONIC. */
SEC("xdp")
int arm_more(struct xdp_md *ctx)
{
    struct elem *v = arr(1);
    if (!v)
        return 1;
    put(10, bpf_timer_cancel(&v->t)); /* not initialised: -EINVAL */
    bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->t, cb_count);
    put(11, bpf_timer_start(&v->t, 1000 * MS, 0));
    put(12, bpf_timer_cancel(&v->t));
    put(13, bpf_timer_cancel(&v->t));

    v = arr(2);
    if (!v)
        return 2;
    bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->t, cb_periodic);
    put(14, bpf_timer_start(&v->t, 2 * MS, 0));

    v = arr(3);
    if (!v)
        return 3;
    bpf_timer_init(&v->t, &tarr, CLOCK_REALTIME);
    bpf_timer_set_callback(&v->t, cb_self_cancel);
    put(15, bpf_timer_start(&v->t, 2 * MS, 0));

    v = arr(4);
    if (!v)
        return 4;
    bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->t, cb_count);
    put(16, bpf_timer_start(&v->t, bpf_ktime_get_ns() + 3 * MS, BPF_F_TIMER_ABS));
    return 0;
}

/* Timers whose values go before they fire: tarr[6] (the test overwrites
 * it from user space), thash[6] (the test deletes it), both armed for
 * 300 ms so that a loaded machine still gets there first, and an LRU
 * element that deletes itself from its callback. */
SEC("xdp")
int arm_doomed(struct xdp_md *ctx)
{
    struct elem *v = arr(6);
    if (!v)
        return 1;
    bpf_timer_init(&v->t, &tarr, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->t, cb_count);
    put(17, bpf_timer_start(&v->t, 300 * MS, 0));

    __u32 k = 6;
    struct elem zero = {};
    bpf_map_update_elem(&thash, &k, &zero, BPF_ANY);
    struct elem *h = bpf_map_lookup_elem(&thash, &k);
    if (!h)
        return 2;
    bpf_timer_init(&h->t, &thash, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&h->t, cb_count);
    put(18, bpf_timer_start(&h->t, 300 * MS, 0));

    k = 3;
    bpf_map_update_elem(&tlru, &k, &zero, BPF_ANY);
    h = bpf_map_lookup_elem(&tlru, &k);
    if (!h)
        return 3;
    bpf_timer_init(&h->t, &tlru, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&h->t, cb_self_delete);
    put(19, bpf_timer_start(&h->t, 2 * MS, 0));
    return 0;
}

/* After the test overwrote tarr[6]: its timer is gone (-EINVAL). */
SEC("xdp")
int probe(struct xdp_md *ctx)
{
    struct elem *v = arr(6);
    if (!v)
        return 1;
    put(21, bpf_timer_start(&v->t, 1 * MS, 0));
    put(22, bpf_timer_cancel(&v->t));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
