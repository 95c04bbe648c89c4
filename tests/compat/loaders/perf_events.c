/* A loader in the style of libbpf-tools' opensnoop: skeleton, then
 * perf_buffer__new on the events map with a sample and a lost callback,
 * perf_buffer__poll in a loop.  pbpf has no syscalls to trace: the loader
 * fires the tracepoint itself (pbpf_bpf_fire) and checks each event, then
 * overflows a one-page buffer on purpose: every event is either received
 * or reported lost. */
#include <bpf/libbpf.h>
#include <bpf/pbpf_attach.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "perf_events.skel.h"

#define PERF_BUFFER_PAGES 16

/* the program's struct event */
struct event {
    int pid;
    int flags;
    unsigned long long seq;
    char fname[24];
};

struct sys_enter {
    unsigned short type;
    unsigned char flags, preempt_count;
    int pid;
    long id;
    unsigned long args[6];
};

struct state {
    unsigned long long next_seq;
    long received, lost, bad;
};

static void handle_event(void *ctx, int cpu, void *data, __u32 data_sz)
{
    struct state *s = ctx;
    struct event ev;
    const struct event *e = &ev;
    char want[24];
    /* the record is the event, zero-padded up to a multiple of 8 with its
     * 4-byte size (Linux's PERF_SAMPLE_RAW) */
    if (data_sz < sizeof *e || cpu < 0 || cpu >= libbpf_num_possible_cpus()) {
        s->bad++;
        return;
    }
    /* a sample starts 4 bytes into an 8-aligned record (after its u32
     * size), on Linux as here: copy it out before reading u64 fields */
    memcpy(&ev, data, sizeof ev);
    for (int i = 0; i < 23; i++)
        want[i] = (char)('a' + (e->seq + (unsigned)i) % 26);
    want[23] = 0;
    if (e->seq < s->next_seq || e->pid != getpid() || e->flags != (int)(e->seq % 3) ||
        memcmp(e->fname, want, sizeof want) != 0) {
        fprintf(stderr, "bad event: seq %llu (next %llu) pid %d flags %d\n", e->seq, s->next_seq,
                e->pid, e->flags);
        s->bad++;
    }
    s->next_seq = e->seq + 1;
    s->received++;
}

static void handle_lost_events(void *ctx, int cpu, __u64 lost_cnt)
{
    struct state *s = ctx;
    s->lost += (long)lost_cnt;
}

static int fire(int n)
{
    static unsigned long long seq;
    for (int i = 0; i < n; i++) {
        seq++;
        struct sys_enter rec = {.id = 257, .args = {0, 0, seq % 3}};
        if (pbpf_bpf_fire(BPF_PROG_TYPE_TRACEPOINT, "syscalls/sys_enter_openat", &rec,
                          sizeof rec, NULL) != 1)
            return -1;
    }
    return 0;
}

static int run(size_t pages, int n, struct state *st, struct perf_events_bpf *obj, int *fired)
{
    struct perf_buffer *pb = perf_buffer__new(bpf_map__fd(obj->maps.events), pages,
                                              handle_event, handle_lost_events, st, NULL);
    int err;
    if (!pb) {
        fprintf(stderr, "failed to open perf buffer: %d\n", -errno);
        return -1;
    }
    if ((err = perf_buffer__poll(pb, 10)) != 0) {
        fprintf(stderr, "empty poll gave %d\n", err);
        perf_buffer__free(pb);
        return -1;
    }
    err = fire(n);
    /* a lost count reaches the reader, as on Linux, in a record written
     * before the next sample that fits: after the reader has made room, one
     * more event brings it */
    for (int flushed = 0; !err && st->received + st->lost < n;) {
        err = perf_buffer__poll(pb, 100);
        if (err > 0) {
            err = 0;
        } else if (err == 0 && !flushed && st->received + st->lost < n) {
            flushed = 1;
            n++;
            err = fire(1);
        } else if (err == 0) {
            fprintf(stderr, "timed out with %ld of %d events\n", st->received + st->lost, n);
            err = -1;
        }
    }
    if (!err)
        err = perf_buffer__consume(pb);
    perf_buffer__free(pb);
    *fired = n;
    return err;
}

int main(void)
{
    struct perf_events_bpf *obj = perf_events_bpf__open_and_load();
    struct state st = {.next_seq = 1};
    int err, failed = 0;
    if (!obj) {
        fprintf(stderr, "failed to open and/or load BPF object\n");
        return 1;
    }
    err = perf_events_bpf__attach(obj);
    if (err) {
        fprintf(stderr, "failed to attach BPF programs\n");
        goto cleanup;
    }
    /* room for all */
    int fired;
    err = run(PERF_BUFFER_PAGES, 200, &st, obj, &fired);
    printf("%ld events received, %ld lost, %ld wrong\n", st.received, st.lost, st.bad);
    if (err || fired != 200 || st.received != 200 || st.lost || st.bad ||
        obj->bss->output_errors)
        failed = 1;
    /* one page, 500 events before the first poll: some are lost, and each
     * is either received or counted lost */
    struct state small = {.next_seq = 201};
    long errors_before = obj->bss->output_errors;
    err = run(1, 500, &small, obj, &fired);
    printf("one page: %d fired, %ld received, %ld lost (program saw %ld failed outputs)\n",
           fired, small.received, small.lost, obj->bss->output_errors - errors_before);
    if (err || small.received + small.lost != fired || small.lost == 0 || small.bad ||
        small.lost != obj->bss->output_errors - errors_before)
        failed = 1;
    /* after perf_buffer__free, the map has no buffer: outputs fail */
    errors_before = obj->bss->output_errors;
    if (fire(1) || obj->bss->output_errors != errors_before + 1) {
        fprintf(stderr, "output after free did not fail\n");
        failed = 1;
    }
    err = 0;
cleanup:
    perf_events_bpf__destroy(obj);
    return err || failed ? 1 : 0;
}
