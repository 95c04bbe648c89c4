/* The shape of libbpf-bootstrap's "minimal" example: a tracepoint on
 * write(2) that prints a line for, and counts, the calls of one process,
 * in global variables the loader reads and sets through the skeleton
 * (.bss, .rodata). */
#include "compat_defs.h"

int my_pid = 0;                    /* .bss: set by the loader */
const volatile int fd_filter = -1; /* .rodata: set before load */
long counter;                      /* .bss */
unsigned long bytes;

SEC("tp/syscalls/sys_enter_write")
int handle_tp(struct trace_event_raw_sys_enter *ctx)
{
    int pid = bpf_get_current_pid_tgid() >> 32;

    if (pid != my_pid)
        return 0;
    if (fd_filter >= 0 && ctx->args[0] != (unsigned long)fd_filter)
        return 0;
    counter++;
    bytes += ctx->args[2];
    bpf_printk("BPF triggered from PID %d.\n", pid);
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
