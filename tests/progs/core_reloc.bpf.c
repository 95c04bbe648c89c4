/* CO-RE relocations (.BTF.ext core_relo records): a field offset, field
 * existence, a type's existence and size, an enum value, against a local
 * definition of kernel types that is deliberately incomplete. */
#include "bpf_defs.h"

struct task_struct {
    int pid;
    int tgid;
} __attribute__((preserve_access_index));

struct task_struct___missing {
    int no_such_field_anywhere;
} __attribute__((preserve_access_index));

enum bpf_map_type___local { BPF_MAP_TYPE_ARRAY___local = 2 };

static __u64 (*bpf_get_current_task)(void) = (void *)35;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

SEC("kprobe/do_nanosleep")
int read_tgid(void *ctx)
{
    struct task_struct *t = (void *)bpf_get_current_task();
    int tgid = 0;
    bpf_probe_read_kernel(&tgid, sizeof(tgid), __builtin_preserve_access_index(&t->tgid));
    if (!__builtin_preserve_field_info(t->pid, 2 /* FIELD_EXISTS */))
        return -1;
    if (__builtin_preserve_type_info(*(struct task_struct___missing *)0, 0 /* TYPE_EXISTS */))
        return -2;
    return tgid + __builtin_preserve_type_info(*t, 1 /* TYPE_SIZE */) +
           __builtin_preserve_enum_value(*(enum bpf_map_type___local *)BPF_MAP_TYPE_ARRAY___local,
                                         1 /* ENUMVAL_VALUE */);
}

char LICENSE[] SEC("license") = "GPL";
