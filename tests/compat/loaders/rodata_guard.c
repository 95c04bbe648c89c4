/* After load, a skeleton's .rodata is read-only: the verifier took its
 * values as constants, so neither a write through the skeleton (before or
 * after load's pointer) nor bpf_map_update_elem may change them.  libbpf
 * maps .rodata read-only after load (a write faults) and the kernel
 * refuses updates of a frozen map (EPERM); the skeleton's writable
 * mapping of .data keeps that map from being frozen (EBUSY).  Built
 * against pbpf and, as compat_skel_rodata_guard_kernel, against the
 * system's libbpf running in the kernel: the checks hold for both.  The
 * writes that must fault are done in child processes. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rodata_guard.skel.h"

#define XDP_DROP 1
#define XDP_PASS 2

static void on_fault(int sig)
{
    (void)sig;
    _exit(3);
}

/* 1 if writing v at p faults, 0 if the write is done, -1 on trouble. */
static int write_faults(volatile __u32 *p, __u32 v)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        *p = v;
        _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) == 3 ? 1 : WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int failed;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rodata_guard:%d: %s\n", __LINE__, #cond);                            \
            failed = 1;                                                                            \
        }                                                                                          \
    } while (0)

/* Runs the program on a len-byte packet; the verdict, or -1. */
static int run(struct rodata_guard_bpf *skel, __u32 len)
{
    unsigned char pkt[256] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = len, .repeat = 1);
    int err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.guard), &topts);
    if (err) {
        fprintf(stderr, "test run: %d\n", err);
        return -1;
    }
    return (int)topts.retval;
}

int main(void)
{
    struct rodata_guard_bpf *skel = rodata_guard_bpf__open();
    if (!skel) {
        fprintf(stderr, "Failed to open BPF skeleton: %s\n", strerror(errno));
        return 1;
    }
    /* before load, .rodata is the loader's to set */
    volatile __u32 *before = &skel->rodata->limit;
    EXPECT(write_faults(before, 64) == 0);
    *before = 64;
    int err = rodata_guard_bpf__load(skel);
    if (err) {
        fprintf(stderr, "Failed to load BPF skeleton: %d\n", err);
        rodata_guard_bpf__destroy(skel);
        return 1;
    }
    EXPECT(skel->rodata->limit == 64);
    EXPECT(run(skel, 64) == XDP_PASS);
    EXPECT(run(skel, 65) == XDP_DROP);
    EXPECT(skel->bss->seen == 65);

    /* writes to .rodata after load fault, through the pointer the
     * skeleton has now and through the one it had before load */
    EXPECT(write_faults(&skel->rodata->limit, 200) == 1);
    EXPECT(write_faults(before, 200) == 1);
    EXPECT(skel->rodata->limit == 64);

    /* the map API refuses to change it */
    int ro_fd = bpf_map__fd(skel->maps.rodata);
    __u32 zero = 0, val[16] = {200};
    err = bpf_map_update_elem(ro_fd, &zero, val, BPF_ANY);
    EXPECT(err == -EPERM && errno == EPERM);
    EXPECT(bpf_map__update_elem(skel->maps.rodata, &zero, sizeof zero, val,
                                bpf_map__value_size(skel->maps.rodata), BPF_ANY) == -EPERM);
    EXPECT(bpf_map_freeze(ro_fd) == -EPERM);
    EXPECT(run(skel, 65) == XDP_DROP && run(skel, 64) == XDP_PASS);

    /* .data stays writable through the skeleton; its mapping is writable,
     * so the map cannot be frozen */
    skel->data->bias = 5;
    EXPECT(run(skel, 20) == XDP_PASS);
    EXPECT(skel->bss->seen == 69);
    err = bpf_map_freeze(bpf_map__fd(skel->maps.data));
    EXPECT(err == -EBUSY && errno == EBUSY);
    EXPECT(write_faults(&skel->data->bias, 6) == 0);

    rodata_guard_bpf__destroy(skel);
    if (!failed)
        printf("rodata_guard: .rodata is read-only after load\n");
    return failed;
}
