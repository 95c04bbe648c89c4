/* The shape of libbpf-bootstrap's "minimal" example: a tracepoint on
 * write(2) that counts the calls of one process in global variables the
 * loader reads and sets through the skeleton (.bss, .data, .rodata). */
#include "compat_defs.h"

int my_pid = 0;                 /* .data... set by the loader */
const volatile int fd_filter = -1; /* .rodata: set before load */
long counter;                   /* .bss */
unsigned long bytes;

SEC("tp/syscalls/sys_enter_write")
int handle_tp(struct trace_event_raw_sys_enter *ctx)
{
    /* Linux refuses reads of the record's common fields (the first 8
     * bytes, tp_prog_is_valid_access), so the test's records carry the
     * writer's pid in the unused sixth argument */
    if ((int)ctx->args[5] != my_pid)
        return 0;
    if (fd_filter >= 0 && ctx->args[0] != (unsigned long)fd_filter)
        return 0;
    counter++;
    bytes += ctx->args[2];
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
