/* Linux-compatible declarations for the map, call and object test
 * programs: bpf_base.h and the legacy map definition, more helpers by
 * their Linux ids (include/uapi/linux/bpf.h) and the first three fields
 * of __sk_buff.  Only what the tests use. */
#ifndef PBPF_TEST_BPF_DEFS_H
#define PBPF_TEST_BPF_DEFS_H

#include "bpf_base.h"

#define __kconfig __attribute__((section(".kconfig")))
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))

enum { LIBBPF_PIN_NONE = 0, LIBBPF_PIN_BY_NAME = 1 };
#define BPF_F_NO_PREALLOC 1u
#define BPF_ANY 0

/* The legacy definition in SEC("maps") (libbpf < 1.0, iproute2). */
struct bpf_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

static __u64 (*bpf_ktime_get_ns)(void) = (void *)5;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static long (*bpf_for_each_map_elem)(void *map, void *callback_fn, void *callback_ctx,
                                     __u64 flags) = (void *)164;

struct __sk_buff {
    __u32 len;
    __u32 pkt_type;
    __u32 mark;
};

#endif
