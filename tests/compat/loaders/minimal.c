/* A loader written as libbpf-bootstrap's minimal.c is: open the skeleton,
 * set read-only data, load, set a global, attach, and read the counters
 * the program keeps in .bss.  Built against pbpf's headers (include/compat)
 * and the skeleton `bpftool gen skeleton` makes from minimal.bpf.o.
 *
 * With Linux, write(2) fires the tracepoint and bpf_printk writes to the
 * trace pipe; in pbpf the loader fires the attach point with the record
 * the kernel would pass (pbpf_bpf_fire) and collects the printed lines
 * (pbpf_bpf_set_trace_print). */
#include <bpf/libbpf.h>
#include <bpf/pbpf_attach.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "minimal.skel.h"

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    return vfprintf(stderr, format, args);
}

/* The trace lines, one after the other. */
static char trace[8192];
static size_t trace_len;

static void collect_trace(void *ctx, const char *msg, size_t len)
{
    if (trace_len + len < sizeof trace) {
        memcpy(trace + trace_len, msg, len);
        trace_len += len;
    }
}

/* What the kernel passes to syscalls/sys_enter_write programs. */
struct sys_enter_write {
    unsigned short type;
    unsigned char flags, preempt_count;
    int pid;
    long id;
    unsigned long args[6];
};

static int fire_write(int fd, size_t len)
{
    struct sys_enter_write rec = {.pid = getpid(), .id = 1 /* __NR_write */,
                                  .args = {(unsigned long)fd, 0, len}};
    return pbpf_bpf_fire(BPF_PROG_TYPE_TRACEPOINT, "syscalls/sys_enter_write", &rec, sizeof rec,
                         NULL);
}

int main(void)
{
    struct minimal_bpf *skel;
    int err, failed = 0;

    libbpf_set_print(libbpf_print_fn);
    pbpf_bpf_set_trace_print(collect_trace, NULL);

    skel = minimal_bpf__open();
    if (!skel) {
        fprintf(stderr, "Failed to open BPF skeleton: %s\n", strerror(errno));
        return 1;
    }
    /* only writes to stdout count */
    skel->rodata->fd_filter = 1;

    err = minimal_bpf__load(skel);
    if (err) {
        fprintf(stderr, "Failed to load BPF skeleton: %d\n", err);
        goto cleanup;
    }
    skel->bss->my_pid = getpid();

    err = minimal_bpf__attach(skel);
    if (err) {
        fprintf(stderr, "Failed to attach BPF skeleton: %d\n", err);
        goto cleanup;
    }
    printf("Successfully started!\n");

    /* the writes: which count is decided here, from the program's rules;
     * the first five come while my_pid names another process */
    long want_count = 0;
    unsigned long want_bytes = 0;
    char want_trace[8192] = "";
    skel->bss->my_pid = getpid() + 1;
    for (int i = 0; i < 20; i++) {
        int fd = i % 3 == 2 ? 2 : 1;
        size_t len = 10u + (size_t)i;
        if (i == 5)
            skel->bss->my_pid = getpid();
        if (fire_write(fd, len) != 1) {
            fprintf(stderr, "firing the tracepoint did not run one program\n");
            err = -1;
            goto cleanup;
        }
        if (i >= 5 && fd == 1) {
            want_count++;
            want_bytes += len;
            snprintf(want_trace + strlen(want_trace), sizeof want_trace - strlen(want_trace),
                     "BPF triggered from PID %d.\n", getpid());
        }
    }
    trace[trace_len] = 0;
    if (strcmp(trace, want_trace) != 0) {
        fprintf(stderr, "trace:\n%s\nexpected:\n%s\n", trace, want_trace);
        failed = 1;
    }
    printf("counter %ld bytes %lu (expected %ld, %lu)\n", skel->bss->counter, skel->bss->bytes,
           want_count, want_bytes);
    if (skel->bss->counter != want_count || skel->bss->bytes != want_bytes)
        failed = 1;

    /* the same values through the map API */
    __u32 zero = 0;
    struct minimal_bpf__bss bss;
    err = bpf_map__lookup_elem(skel->maps.bss, &zero, sizeof zero, &bss, sizeof bss, 0);
    if (err || bss.counter != want_count) {
        fprintf(stderr, "bss by lookup: %d, counter %ld\n", err, bss.counter);
        failed = 1;
    }

    /* detached, the program no longer runs */
    minimal_bpf__detach(skel);
    if (fire_write(1, 5) != 0 || skel->bss->counter != want_count) {
        fprintf(stderr, "a detached program ran\n");
        failed = 1;
    }
    err = 0;

cleanup:
    minimal_bpf__destroy(skel);
    return err || failed ? 1 : 0;
}
