/* Global data: .data, .rodata, .bss, a custom .data.* section, string
 * literals (.rodata.str1.1) and a .kconfig extern. */
#include "bpf_defs.h"

int counter = 7;
const volatile __u32 limit = 100;
__u64 hits;
__u32 custom_slot SEC(".data.custom") = 3;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;

static const char greeting[] = "hello %d\n";

SEC("tracepoint/syscalls/sys_enter_write")
int trace_write(void *ctx)
{
    hits++;
    counter += custom_slot;
    if (counter > limit)
        bpf_trace_printk(greeting, sizeof(greeting), counter);
    bpf_trace_printk("literal %u\n", 12, LINUX_KERNEL_VERSION);
    return CONFIG_BPF_SYSCALL;
}

char LICENSE[] SEC("license") = "GPL";
