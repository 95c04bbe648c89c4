/* bpf_spin_lock: on a map value with a struct bpf_spin_lock (BTF), paired
 * with bpf_spin_unlock on every path, no helper calls while held, the
 * lock word itself not accessed directly. */
#include "vdefs.h"

struct locked {
    struct bpf_spin_lock lock;
    __u32 pad;
    __u64 cnt;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct locked);
} lm SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} nolock SEC(".maps");

#define SL(name, body)                                                                          \
    ASM_PROG("tc", name, body, __imm_addr(lm), __imm_addr(nolock), __imm(bpf_spin_lock),        \
             __imm(bpf_spin_unlock), __imm(bpf_map_lookup_elem), __imm(bpf_get_prandom_u32))
#define GET(m) "r1 = 0; *(u32 *)(r10 - 4) = r1; r2 = r10; r2 += -4; r1 = %[" #m "] ll; call %[bpf_map_lookup_elem]; if r0 == 0 goto lx_%=; r6 = r0;"
#define LOCK "r1 = r6; call %[bpf_spin_lock];"
#define UNLOCK "r1 = r6; call %[bpf_spin_unlock];"
#define END "lx_%=: r0 = 0; exit;"

SL(sl_pair_ok, GET(lm) LOCK "r1 = *(u64 *)(r6 + 8); r1 += 1; *(u64 *)(r6 + 8) = r1;" UNLOCK END)
SL(sl_missing_unlock, GET(lm) LOCK "r1 = 1; *(u64 *)(r6 + 8) = r1;" END)
SL(sl_unlock_without_lock, GET(lm) UNLOCK END)
SL(sl_double_lock, GET(lm) LOCK LOCK UNLOCK UNLOCK END)
SL(sl_call_while_locked, GET(lm) LOCK "call %[bpf_get_prandom_u32];" UNLOCK END)
SL(sl_unlock_one_path, GET(lm) LOCK "r1 = *(u64 *)(r6 + 8); if r1 > 5 goto l0_%=;" UNLOCK "l0_%=:" END)
SL(sl_branch_both_unlock_ok, GET(lm) LOCK "r1 = *(u64 *)(r6 + 8); if r1 > 5 goto l0_%=; r1 = 0; *(u64 *)(r6 + 8) = r1; l0_%=:" UNLOCK END)
SL(sl_no_lock_in_value, GET(nolock) LOCK UNLOCK END)
SL(sl_lock_offset_wrong, GET(lm) "r1 = r6; r1 += 8; call %[bpf_spin_lock]; r1 = r6; r1 += 8; call %[bpf_spin_unlock];" END)
SL(sl_read_lock_word, GET(lm) "r0 = *(u32 *)(r6 + 0);" END)
SL(sl_write_lock_word, GET(lm) "r1 = 0; *(u32 *)(r6 + 0) = r1;" END)
SL(sl_lock_stack, "r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = r10; r1 += -8; call %[bpf_spin_lock]; r0 = 0; exit;")
SL(sl_exit_while_locked, GET(lm) LOCK "r0 = 0; exit;" END)
SL(sl_unlocked_access_ok, GET(lm) "r1 = 2; *(u64 *)(r6 + 8) = r1;" END)

SEC("tc") int sl_c_counter_ok(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct locked *v = bpf_map_lookup_elem(&lm, &k);
    if (!v)
        return TC_ACT_OK;
    bpf_spin_lock(&v->lock);
    v->cnt += skb->len;
    bpf_spin_unlock(&v->lock);
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
