/* Tail calls and callbacks, run by pbpf's engines and by the kernel
 * (tests/calls/test_calls.c).  Programs leave their results in r0 and in
 * the maps; they never read the context, which differs between pbpf's raw
 * runs and the kernel's XDP test runs. */
#include "bpf_defs.h"

#define BPF_MAP_TYPE_PERCPU_HASH 5

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} jmp_table SEC(".maps");

/* state[0]: programs entered; state[1]: a trace of which ran, one decimal
 * digit per program; state[2..3]: callback results */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} state SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} values SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 32);
    __type(key, __u32);
    __type(value, __u64);
} table SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} pcpu SEC(".maps");

/* always 0, but unknown to the verifier: callback contexts that start from
 * it do not make the verifier walk every iteration with exact counters */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} zero SEC(".maps");

static __u64 opaque_zero(void)
{
    __u32 k = 0;
    __u64 *z = bpf_map_lookup_elem(&zero, &k);
    return z ? *z : 0;
}

static __u64 *slot(__u32 k)
{
    return bpf_map_lookup_elem(&state, &k);
}

/* Records that program `digit` ran; returns the count so far. */
static __u64 enter(__u64 digit)
{
    __u64 *n = slot(0), *trace = slot(1);
    if (!n || !trace)
        return 0;
    *n += 1;
    *trace = *trace * 10 + digit;
    return *n;
}

/* --- tail calls ----------------------------------------------------------- */

/* Jumps to slot 0 (itself, when the test puts it there) until the kernel's
 * limit makes the call fall through. */
SEC("xdp")
int chain_self(struct xdp_md *ctx)
{
    __u64 n = enter(1);
    bpf_tail_call(ctx, &jmp_table, 0);
    return 1000 + (int)n;
}

/* Jumps to the slot named by values[0]; falls through when it is empty. */
SEC("xdp")
int chain_a(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&values, &k);
    __u32 next = v ? (__u32)*v : 7;
    enter(2);
    bpf_tail_call(ctx, &jmp_table, next);
    return 2;
}

SEC("xdp")
int chain_b(struct xdp_md *ctx)
{
    enter(3);
    bpf_tail_call(ctx, &jmp_table, 3);
    return 3;
}

SEC("xdp")
int chain_c(struct xdp_md *ctx)
{
    return 40 + (int)enter(4);
}

/* An index past max_entries and a huge one fall through. */
SEC("xdp")
int chain_out_of_range(struct xdp_md *ctx)
{
    enter(5);
    bpf_tail_call(ctx, &jmp_table, 8);
    bpf_tail_call(ctx, &jmp_table, 0xffffffffu);
    return 55;
}

/* --- callbacks ----------------------------------------------------------- */

struct loop_ctx {
    __u64 sum;
    __u64 calls;
    __u32 stop_at;
};

static int loop_body(__u32 i, void *data)
{
    struct loop_ctx *c = data;
    c->calls++;
    c->sum = c->sum * 3 + i;
    __u32 k = i & 15;
    __u64 *v = bpf_map_lookup_elem(&values, &k);
    if (v)
        *v += i + 1;
    return i == c->stop_at;
}

/* bpf_loop to the end, stopped early, with flags, and past BPF_MAX_LOOPS. */
SEC("xdp")
int loops(struct xdp_md *ctx)
{
    __u64 z = opaque_zero();
    struct loop_ctx c = {.stop_at = 1000, .calls = z, .sum = z};
    long full = bpf_loop(20, loop_body, &c, 0);
    struct loop_ctx d = {.stop_at = 6, .calls = z, .sum = z};
    long early = bpf_loop(100, loop_body, &d, 0);
    long bad_flags = bpf_loop(5, loop_body, &d, 1);
    long too_many = bpf_loop((1u << 23) + 1, loop_body, &d, 0);
    __u64 *r2 = slot(2), *r3 = slot(3);
    if (r2)
        *r2 = c.sum ^ (d.sum << 32);
    if (r3)
        *r3 = c.calls * 1000 + d.calls;
    /* 32 bits only: where Linux's verifier inlines bpf_loop (flags 0, one
     * callback) the -E2BIG is a 32-bit move, zero-extended (inline_bpf_loop) */
    return (int)(full * 1000 + early * 10) + (bad_flags == -22) + 2 * ((int)too_many == -7);
}

struct each_ctx {
    __u64 sum;
    __u64 keys;
    __u64 stop_after;
    __u64 seen;
};

static __u64 double_elem(void *map, __u32 *key, __u64 *val, struct each_ctx *c)
{
    c->sum += *val;
    c->keys += *key;
    *val = *val * 2 + 1;
    c->seen++;
    return c->seen == c->stop_after;
}

/* bpf_for_each_map_elem over an array (whole, then stopped early) and a
 * hash map; the callback rewrites every value it sees. */
SEC("xdp")
int each(struct xdp_md *ctx)
{
    __u64 z = opaque_zero();
    struct each_ctx a = {.stop_after = 100, .seen = z, .sum = z, .keys = z};
    long na = bpf_for_each_map_elem(&values, double_elem, &a, 0);
    struct each_ctx b = {.stop_after = 5, .seen = z, .sum = z, .keys = z};
    long nb = bpf_for_each_map_elem(&values, double_elem, &b, 0);
    struct each_ctx h = {.stop_after = 100, .seen = z, .sum = z, .keys = z};
    long nh = bpf_for_each_map_elem(&table, double_elem, &h, 0);
    long bad = bpf_for_each_map_elem(&values, double_elem, &a, 2);
    __u64 *r2 = slot(2), *r3 = slot(3);
    if (r2)
        *r2 = a.sum + (b.sum << 20) + (h.sum << 40);
    if (r3)
        *r3 = a.keys + (b.keys << 16) + (h.keys << 32);
    return (int)(na * 10000 + nb * 1000 + nh * 10) + (bad == -22);
}

/* The per-CPU array: the value of the CPU (execution slot) the run is on. */
SEC("xdp")
int each_percpu(struct xdp_md *ctx)
{
    for (__u32 k = 0; k < 4; k++) {
        __u64 *v = bpf_map_lookup_elem(&pcpu, &k);
        if (v)
            *v = k * 7 + 1;
    }
    __u64 z = opaque_zero();
    struct each_ctx p = {.stop_after = 100, .seen = z, .sum = z, .keys = z};
    long n = bpf_for_each_map_elem(&pcpu, double_elem, &p, 0);
    return (int)(n * 1000 + p.sum * 10 + p.keys);
}

/* A loop whose body calls bpf_loop again: callbacks nest. */
static int inner_body(__u32 i, void *data)
{
    *(__u64 *)data += i;
    return 0;
}

static int outer_body(__u32 i, void *data)
{
    __u64 s = opaque_zero();
    bpf_loop(i, inner_body, &s, 0);
    *(__u64 *)data += s;
    return 0;
}

SEC("xdp")
int nested_loops(struct xdp_md *ctx)
{
    __u64 total = opaque_zero();
    bpf_loop(10, outer_body, &total, 0);
    return (int)total;
}

/* --- tail calls from subprograms and callbacks ---------------------------- */

/* A tail call from a subprogram replaces the subprogram: the target's r0 is
 * what the subprogram's caller gets back (Linux since 5.10, x86-64 JIT). */
static __noinline int sub_tail(struct xdp_md *ctx, __u32 idx)
{
    enter(6);
    bpf_tail_call(ctx, &jmp_table, idx);
    /* not a constant: clang would fold a constant return into the callers */
    return 600 + (int)idx;
}

/* Calls sub_tail with the slot in values[0]; what it returns comes back
 * here, and this program goes on. */
SEC("xdp")
int sub_caller(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&values, &k);
    __u32 next = v ? (__u32)*v : 7;
    int r = sub_tail(ctx, next);
    enter(7);
    return r + 10000;
}

/* Puts itself in slot 0: every level adds 1 on its way back, so r0 counts
 * the programs entered until the limit makes the call fall through. */
SEC("xdp")
int sub_self(struct xdp_md *ctx)
{
    enter(8);
    return sub_tail(ctx, 0) + 1;
}

/* A tail call two subprogram levels down. */
static __noinline int sub_outer(struct xdp_md *ctx, __u32 idx)
{
    return sub_tail(ctx, idx) * 2;
}

SEC("xdp")
int sub_deep(struct xdp_md *ctx)
{
    enter(9);
    return sub_outer(ctx, 1) + 3;
}

char LICENSE[] SEC("license") = "GPL";
