/* A program calling a helper that means nothing outside the Linux kernel
 * (bpf_get_current_task, 35): pbpf refuses to load it unless the embedder
 * registers an implementation of its own for that id. */
#include "bpf_defs.h"

static __u64 (*bpf_get_current_task)(void) = (void *)35;

SEC("kprobe/do_nanosleep")
int current_task(void *ctx)
{
    return bpf_get_current_task() == 0x1234;
}

char LICENSE[] SEC("license") = "GPL";
