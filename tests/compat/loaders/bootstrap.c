/* A loader written as libbpf-bootstrap's bootstrap.c is: a skeleton with
 * a minimum duration in .rodata, a ring buffer polled with
 * ring_buffer__poll, one event per process start and exit.
 *
 * pbpf has no scheduler events: the loader fires the two tracepoints
 * itself (pbpf_bpf_fire) for a few made-up processes, then checks that
 * every event arrived in order with what it fired. */
#include <bpf/libbpf.h>
#include <bpf/pbpf_attach.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bootstrap.skel.h"

#define TASK_COMM_LEN 16
#define NPROC 50

/* the program's struct event (bootstrap.bpf.c) */
struct event {
    int pid;
    int ppid;
    unsigned exit_code;
    unsigned pad;
    unsigned long long duration_ns;
    char comm[TASK_COMM_LEN];
    _Bool exit_event;
};

/* the tracepoint records bootstrap.bpf.c reads */
struct exec_ctx {
    unsigned long long common;
    int pid;
    int ppid;
    char comm[TASK_COMM_LEN];
};
struct exit_ctx {
    unsigned long long common;
    int pid;
    int ppid;
    unsigned exit_code;
};

struct seen {
    int n;
    int bad;
};

static int handle_event(void *ctx, void *data, size_t data_sz)
{
    struct seen *s = ctx;
    const struct event *e = data;
    /* events come in firing order: exec of i, then exit of i */
    int i = s->n / 2, exit = s->n % 2;
    char comm[TASK_COMM_LEN];
    snprintf(comm, sizeof comm, "proc%d", i);
    if (data_sz != sizeof *e || e->pid != 1000 + i || e->ppid != 1 || e->exit_event != exit ||
        (!exit && strcmp(e->comm, comm) != 0) ||
        (exit && e->exit_code != (unsigned)(i % 7))) {
        fprintf(stderr, "event %d: size %zu pid %d ppid %d exit %d code %u comm %.16s\n", s->n,
                data_sz, e->pid, e->ppid, e->exit_event, e->exit_code, e->comm);
        s->bad++;
    }
    s->n++;
    return 0;
}

int main(void)
{
    struct ring_buffer *rb = NULL;
    struct bootstrap_bpf *skel;
    struct seen seen = {0};
    int err;

    skel = bootstrap_bpf__open();
    if (!skel) {
        fprintf(stderr, "Failed to open and load BPF skeleton\n");
        return 1;
    }
    skel->rodata->min_duration_ns = 0; /* report every exec and exit */

    err = bootstrap_bpf__load(skel);
    if (err) {
        fprintf(stderr, "Failed to load and verify BPF skeleton\n");
        goto cleanup;
    }
    err = bootstrap_bpf__attach(skel);
    if (err) {
        fprintf(stderr, "Failed to attach BPF skeleton\n");
        goto cleanup;
    }
    rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), handle_event, &seen, NULL);
    if (!rb) {
        err = -1;
        fprintf(stderr, "Failed to create ring buffer\n");
        goto cleanup;
    }
    /* nothing there yet: poll times out with 0 records */
    err = ring_buffer__poll(rb, 10);
    if (err != 0) {
        fprintf(stderr, "empty poll: %d\n", err);
        err = -1;
        goto cleanup;
    }

    for (int i = 0; i < NPROC; i++) {
        struct exec_ctx ex = {.pid = 1000 + i, .ppid = 1};
        struct exit_ctx ez = {.pid = 1000 + i, .ppid = 1, .exit_code = (unsigned)(i % 7) << 8};
        snprintf(ex.comm, sizeof ex.comm, "proc%d", i);
        if (pbpf_bpf_fire(BPF_PROG_TYPE_TRACEPOINT, "sched/sched_process_exec", &ex, sizeof ex,
                          NULL) != 1 ||
            pbpf_bpf_fire(BPF_PROG_TYPE_TRACEPOINT, "sched/sched_process_exit", &ez, sizeof ez,
                          NULL) != 1) {
            fprintf(stderr, "firing did not run the program\n");
            err = -1;
            goto cleanup;
        }
        if (i % 10 == 9) {
            err = ring_buffer__poll(rb, 100 /* timeout, ms */);
            if (err < 0) {
                printf("Error polling ring buffer: %d\n", err);
                goto cleanup;
            }
        }
    }
    err = ring_buffer__consume(rb);
    printf("%d events (expected %d), %d wrong; exec_start holds %s\n", seen.n, 2 * NPROC,
           seen.bad, "no entries after every exit");
    if (err < 0 || seen.n != 2 * NPROC || seen.bad)
        err = -1;
    /* every exit deleted its start time */
    int key;
    if (bpf_map__get_next_key(skel->maps.exec_start, NULL, &key, sizeof key) != -ENOENT) {
        fprintf(stderr, "exec_start still has pid %d\n", key);
        err = -1;
    }

cleanup:
    ring_buffer__free(rb);
    bootstrap_bpf__destroy(skel);
    return err < 0 ? 1 : 0;
}
