/* Raw bpf(2) wrapper for the kernel differential tests; see kbpf.h. */
#include "kbpf.h"
#include "klog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if defined(__linux__)
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    long r = syscall(__NR_bpf, cmd, attr, sizeof *attr);
    if (r < 0)
        return -errno;
    return (int)r;
}

static int load_once(const struct kbpf_load_opts *o, char *log, size_t log_size, int level)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = o->prog_type;
    a.expected_attach_type = o->expected_attach_type;
    a.insns = (uint64_t)(uintptr_t)o->insns;
    a.insn_cnt = (uint32_t)o->insn_cnt;
    a.license = (uint64_t)(uintptr_t)(o->license ? o->license : "GPL");
    if (o->name) {
        size_t n = strlen(o->name);
        if (n >= sizeof a.prog_name)
            n = sizeof a.prog_name - 1;
        memcpy(a.prog_name, o->name, n);
    }
    if (log && log_size) {
        log[0] = '\0';
        a.log_level = (uint32_t)level;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = log_size > UINT32_MAX ? UINT32_MAX : (uint32_t)log_size;
    }
    return sys_bpf(BPF_PROG_LOAD, &a);
}

int kbpf_prog_load(struct kbpf_load_opts *o)
{
    o->reason[0] = '\0';
    if (!o->insns || !o->insn_cnt || o->insn_cnt > UINT32_MAX) {
        snprintf(o->reason, sizeof o->reason, "kbpf_prog_load: no instructions");
        return -EINVAL;
    }
    /* First without a log: with log level 1 a log too small for a long but
     * valid program would make the load fail (libbpf does the same). */
    int fd;
    o->verify_us = o->processed = -1;
    if (o->stats) {
        char st[1024];
        fd = load_once(o, st, sizeof st, 4); /* BPF_LOG_STATS */
        st[sizeof st - 1] = '\0';
        klog_stats(st, &o->verify_us, &o->processed);
    } else {
        fd = load_once(o, NULL, 0, 0);
    }
    if (fd >= 0)
        return fd;
    int err = fd;
    /* Since Linux 6.4 the log keeps its tail when it overflows, so a
     * modest buffer still ends with the verdict. */
    size_t size = o->log_buf && o->log_size ? o->log_size : 1u << 20;
    char *log = o->log_buf && o->log_size ? o->log_buf : malloc(size);
    if (!log) {
        snprintf(o->reason, sizeof o->reason, "%s", strerror(-err));
        return err;
    }
    int again = load_once(o, log, size, 1);
    if (again >= 0) {
        /* accepted the second time (should not happen); keep it */
        if (log != o->log_buf)
            free(log);
        return again;
    }
    log[size - 1] = '\0';
    klog_reason(log, o->reason, sizeof o->reason);
    if (!o->reason[0])
        snprintf(o->reason, sizeof o->reason, "%s", strerror(-err));
    if (log != o->log_buf)
        free(log);
    return err;
}

int kbpf_prog_test_run(int prog_fd, struct kbpf_test_run *r)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.test.prog_fd = (uint32_t)prog_fd;
    a.test.data_in = (uint64_t)(uintptr_t)r->data_in;
    a.test.data_size_in = r->data_size_in;
    a.test.data_out = (uint64_t)(uintptr_t)r->data_out;
    a.test.data_size_out = r->data_out ? r->data_size_out : 0;
    a.test.ctx_in = (uint64_t)(uintptr_t)r->ctx_in;
    a.test.ctx_size_in = r->ctx_size_in;
    a.test.ctx_out = (uint64_t)(uintptr_t)r->ctx_out;
    a.test.ctx_size_out = r->ctx_out ? r->ctx_size_out : 0;
    a.test.repeat = r->repeat;
    a.test.flags = r->flags;
    int err = sys_bpf(BPF_PROG_TEST_RUN, &a);
    /* -ENOSPC: Linux still reports the sizes and the result */
    if (err < 0 && err != -ENOSPC)
        return err;
    r->retval = a.test.retval;
    r->duration_ns = a.test.duration;
    r->data_size_out = a.test.data_size_out;
    r->ctx_size_out = a.test.ctx_size_out;
    return err < 0 ? err : 0;
}

int kbpf_map_create(uint32_t map_type, uint32_t key_size, uint32_t value_size,
                    uint32_t max_entries, uint32_t map_flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = map_type;
    a.key_size = key_size;
    a.value_size = value_size;
    a.max_entries = max_entries;
    a.map_flags = map_flags;
    return sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    a.key = (uint64_t)(uintptr_t)key;
    a.value = (uint64_t)(uintptr_t)value;
    a.flags = flags;
    int err = sys_bpf(cmd, &a);
    return err < 0 ? err : 0;
}

int kbpf_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
    return map_elem(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
}

int kbpf_map_lookup(int fd, const void *key, void *value)
{
    return map_elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int kbpf_map_delete(int fd, const void *key)
{
    return map_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

int kbpf_map_get_next_key(int fd, const void *key, void *next_key)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    a.key = (uint64_t)(uintptr_t)key;
    a.next_key = (uint64_t)(uintptr_t)next_key;
    int err = sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
    return err < 0 ? err : 0;
}

int kbpf_map_freeze(int fd)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_fd = (uint32_t)fd;
    int err = sys_bpf(BPF_MAP_FREEZE, &a);
    return err < 0 ? err : 0;
}

void kbpf_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

int kbpf_probe(char *why, size_t why_size)
{
    /* r0 = 2 (XDP_PASS); exit — loaded and run once, since some sandboxes
     * allow loading but not BPF_PROG_TEST_RUN. */
    static const struct pbpf_insn prog[] = {
        {.code = 0xb7, .regs = 0, .off = 0, .imm = 2},
        {.code = 0x95, .regs = 0, .off = 0, .imm = 0},
    };
    struct kbpf_load_opts lo = {.prog_type = KBPF_PROG_XDP, .insns = prog, .insn_cnt = 2};
    int fd = kbpf_prog_load(&lo);
    if (fd < 0) {
        if (fd == -ENOSYS)
            snprintf(why, why_size, "the kernel has no bpf() syscall");
        else if (fd == -EPERM || fd == -EACCES)
            snprintf(why, why_size, "bpf() not permitted (%s; euid %u; needs root or CAP_BPF)",
                     strerror(-fd), (unsigned)geteuid());
        else
            snprintf(why, why_size, "bpf(BPF_PROG_LOAD) of a trivial XDP program failed: %s",
                     lo.reason);
        return 0;
    }
    uint8_t pkt[64] = {0};
    struct kbpf_test_run run = {.data_in = pkt, .data_size_in = sizeof pkt};
    int err = kbpf_prog_test_run(fd, &run);
    kbpf_close(fd);
    if (err < 0 || run.retval != 2) {
        snprintf(why, why_size, "bpf(BPF_PROG_TEST_RUN) does not work: %s",
                 err < 0 ? strerror(-err) : "wrong return value");
        return 0;
    }
    return 1;
}

#else /* not Linux */

int kbpf_probe(char *why, size_t why_size)
{
    snprintf(why, why_size, "not Linux: no bpf() syscall");
    return 0;
}

int kbpf_prog_load(struct kbpf_load_opts *o)
{
    snprintf(o->reason, sizeof o->reason, "not Linux");
    return -ENOSYS;
}

int kbpf_prog_test_run(int prog_fd, struct kbpf_test_run *run)
{
    return -ENOSYS;
}

int kbpf_map_create(uint32_t map_type, uint32_t key_size, uint32_t value_size,
                    uint32_t max_entries, uint32_t map_flags)
{
    return -ENOSYS;
}

int kbpf_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
    return -ENOSYS;
}

int kbpf_map_lookup(int fd, const void *key, void *value)
{
    return -ENOSYS;
}

int kbpf_map_delete(int fd, const void *key)
{
    return -ENOSYS;
}

int kbpf_map_get_next_key(int fd, const void *key, void *next_key)
{
    return -ENOSYS;
}

int kbpf_map_freeze(int fd)
{
    (void)fd;
    return -ENOSYS;
}

void kbpf_close(int fd)
{
}

#endif
