/* What the libbpf-style example programs use beyond tests/progs/bpf_defs.h
 * (helper ids and UAPI values from include/uapi/linux/bpf.h). */
#ifndef PBPF_TEST_COMPAT_DEFS_H
#define PBPF_TEST_COMPAT_DEFS_H

#include "../../progs/bpf_defs.h"

#define NULL ((void *)0)
enum { XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2, XDP_TX = 3 };

static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static void (*bpf_ringbuf_discard)(void *data, __u64 flags) = (void *)133;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;

/* libbpf's bpf_printk for up to three arguments */
#define bpf_printk(fmt, ...)                                                                       \
    ({                                                                                             \
        static const char ____fmt[] = fmt;                                                         \
        bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);                                 \
    })

/* The record of a syscalls/sys_enter_* tracepoint
 * (struct trace_event_raw_sys_enter): programs may not read its first 8
 * bytes (Linux's tp_prog_is_valid_access). */
struct trace_event_raw_sys_enter {
    __u16 type;
    __u8 flags;
    __u8 preempt_count;
    __s32 pid;
    long id;
    unsigned long args[6];
};

#endif
