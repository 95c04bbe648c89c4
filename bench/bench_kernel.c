/* A private, minimal bpf() wrapper: just what the benchmark needs (load an
 * XDP program, test-run it).  Elsewhere than Linux the kernel column says
 * why it is empty. */
#include "bench_kernel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if defined(__linux__)
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

int bench_kernel_probe(char *why, size_t why_size)
{
    /* the smallest valid program: r0 = 0; exit */
    static const struct pbpf_insn ret0[] = {{0xb7, 0, 0, 0}, {0x95, 0, 0, 0}};
    char log[256];
    int fd = bench_kernel_load_xdp(ret0, 2, log, sizeof log);
    if (fd < 0) {
        snprintf(why, why_size, "bpf(BPF_PROG_LOAD) failed: %s%s%s", strerror(-fd),
                 log[0] ? ": " : "", log);
        return fd;
    }
    close(fd);
    return 0;
}

int bench_kernel_load_xdp(const struct pbpf_insn *insns, size_t cnt, char *log, size_t log_size)
{
    /* struct pbpf_insn has struct bpf_insn's layout (RFC 9669 §3). */
    _Static_assert(sizeof(struct pbpf_insn) == sizeof(struct bpf_insn), "insn layout");
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_XDP;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = (uint32_t)cnt;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    if (log && log_size)
        log[0] = '\0';
    long fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return (int)fd;
    int err = errno;
    if (log && log_size) {
        /* Load again with a verifier log for the reason: its last line
         * before the "processed N insns" summary. */
        static char big[1 << 20];
        attr.log_buf = (uint64_t)(uintptr_t)big;
        attr.log_size = sizeof big;
        attr.log_level = 1;
        big[0] = '\0';
        long fd2 = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd2 >= 0)
            close((int)fd2);
        size_t n = strnlen(big, sizeof big - 1);
        big[n] = '\0';
        while (n && big[n - 1] == '\n')
            big[--n] = '\0';
        char *last = strrchr(big, '\n');
        if (last && strstr(last, "processed ")) {
            *last = '\0';
            last = strrchr(big, '\n');
        }
        snprintf(log, log_size, "%s", last ? last + 1 : big);
    }
    return -err;
}

int bench_kernel_run(int fd, const void *data, size_t len, uint32_t repeat, uint32_t *retval,
                     uint32_t *ns)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.test.prog_fd = (uint32_t)fd;
    attr.test.data_in = (uint64_t)(uintptr_t)data;
    attr.test.data_size_in = (uint32_t)len;
    attr.test.repeat = repeat;
    if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
        return -errno;
    *retval = attr.test.retval;
    *ns = attr.test.duration;
    return 0;
}

int bench_kernel_xlated(int fd, struct pbpf_insn *out, size_t cap, size_t *cnt)
{
    struct bpf_prog_info info;
    memset(&info, 0, sizeof info);
    info.xlated_prog_insns = (uint64_t)(uintptr_t)out;
    info.xlated_prog_len = (uint32_t)(cap * sizeof *out);
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t)fd;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t)(uintptr_t)&info;
    if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
        return -errno;
    *cnt = info.xlated_prog_len / sizeof *out;
    return *cnt <= cap ? 0 : -E2BIG;
}

void bench_kernel_close(int fd) { close(fd); }

#else

int bench_kernel_probe(char *why, size_t why_size)
{
    snprintf(why, why_size, "not Linux");
    return -EOPNOTSUPP;
}

int bench_kernel_load_xdp(const struct pbpf_insn *insns, size_t cnt, char *log, size_t log_size)
{
    (void)insns, (void)cnt;
    snprintf(log, log_size, "not Linux");
    return -EOPNOTSUPP;
}

int bench_kernel_run(int fd, const void *data, size_t len, uint32_t repeat, uint32_t *retval,
                     uint32_t *ns)
{
    (void)fd, (void)data, (void)len, (void)repeat, (void)retval, (void)ns;
    return -EOPNOTSUPP;
}

int bench_kernel_xlated(int fd, struct pbpf_insn *out, size_t cap, size_t *cnt)
{
    (void)fd, (void)out, (void)cap, (void)cnt;
    return -EOPNOTSUPP;
}

void bench_kernel_close(int fd) { (void)fd; }

#endif
