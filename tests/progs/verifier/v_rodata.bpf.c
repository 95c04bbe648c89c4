/* Read-only global data: libbpf creates .rodata with BPF_F_RDONLY_PROG and
 * freezes it after writing its initial value, so programs may not write it
 * (directly, through a helper or atomically) and the verifier reads its
 * values as constants: a branch on a `const volatile` setting is decided
 * at load time and its dead side never explored.  .data is neither. */
#include "vdefs.h"

const volatile __u32 cfg_on = 0;
const volatile __u64 cfg_word = 0x1122334455667788ull;
const volatile char ro_fmt[8] = "v=%d";
volatile __u32 dat_on = 0;
volatile char rw_fmt[8] = "v=%d";

static long (*bpf_snprintf)(char *str, __u32 str_size, const char *fmt, __u64 *data,
                            __u32 data_len) = (void *)165;

#define RO(name, body)                                                                        \
    ASM_PROG("socket", name, body, __imm_addr(cfg_on), __imm_addr(cfg_word),              \
             __imm_addr(ro_fmt), __imm_addr(dat_on), __imm_addr(rw_fmt),                   \
             __imm(bpf_get_prandom_u32), __imm(bpf_skb_load_bytes),                         \
             __imm(bpf_probe_read_kernel), __imm(bpf_snprintf))

/* r2 = 0 from .rodata: the scalar dereference is on a dead path */
RO(ro_dead_branch_ok, "r1 = %[cfg_on] ll; r2 = *(u32 *)(r1 + 0); if r2 == 0 goto l0_%=;"
                      "r0 = *(u64 *)(r2 + 0); l0_%=: r0 = 0; exit;")
/* the same from .data: the value may change, both paths are explored */
RO(data_live_branch, "r1 = %[dat_on] ll; r2 = *(u32 *)(r1 + 0); if r2 == 0 goto l0_%=;"
                     "r0 = *(u64 *)(r2 + 0); l0_%=: r0 = 0; exit;")
/* 64-bit and narrower reads of the constant */
RO(ro_const_u64_ok, "r1 = %[cfg_word] ll; r2 = *(u64 *)(r1 + 0); r3 = 0x1122334455667788 ll;"
                    "if r2 == r3 goto l0_%=; r0 = *(u64 *)(r2 + 0); l0_%=: r0 = 0; exit;")
RO(ro_const_u16_ok, "r1 = %[cfg_word] ll; r2 = *(u16 *)(r1 + 2);"
                    "if r2 == 0x5566 goto l0_%=; r0 = *(u64 *)(r2 + 0); l0_%=: r0 = 0; exit;")
RO(ro_const_u8_wrong, "r1 = %[cfg_word] ll; r2 = *(u8 *)(r1 + 7);"
                      "if r2 == 0x88 goto l0_%=; r0 = *(u64 *)(r2 + 0); l0_%=: r0 = 0; exit;")
/* a variable offset is no constant address: the value is unknown */
RO(ro_var_off_unknown, "call %[bpf_get_prandom_u32]; r0 &= 4; r1 = %[cfg_word] ll; r1 += r0;"
                       "r2 = *(u32 *)(r1 + 0); if r2 == 0 goto l0_%=; r0 = *(u64 *)(r2 + 0);"
                       "l0_%=: r0 = 0; exit;")
/* writes */
RO(ro_write_stx, "r1 = %[cfg_on] ll; r2 = 1; *(u32 *)(r1 + 0) = r2; r0 = 0; exit;")
RO(ro_write_atomic, "r1 = %[cfg_on] ll; r2 = 1; lock *(u32 *)(r1 + 0) += r2; r0 = 0; exit;")
RO(ro_write_helper, "r3 = %[cfg_word] ll; r2 = 0; r4 = 8; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
RO(data_write_helper_ok, "r3 = %[dat_on] ll; r2 = 0; r4 = 4; call %[bpf_skb_load_bytes]; r0 = 0; exit;")
RO(ro_read_helper_ok, "r1 = r10; r1 += -8; r2 = 8; r3 = %[cfg_word] ll;"
                      "call %[bpf_probe_read_kernel]; r0 = 0; exit;")
/* bpf_snprintf's format must be a constant string: in a frozen map */
RO(ro_snprintf_fmt_ok, "r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1;"
                       "r1 = 7; *(u64 *)(r10 - 24) = r1; r1 = r10; r1 += -16; r2 = 16;"
                       "r3 = %[ro_fmt] ll; r4 = r10; r4 += -24; r5 = 8; call %[bpf_snprintf];"
                       "r0 = 0; exit;")
RO(data_snprintf_fmt, "r1 = 0; *(u64 *)(r10 - 8) = r1; *(u64 *)(r10 - 16) = r1;"
                      "r1 = 7; *(u64 *)(r10 - 24) = r1; r1 = r10; r1 += -16; r2 = 16;"
                      "r3 = %[rw_fmt] ll; r4 = r10; r4 += -24; r5 = 8; call %[bpf_snprintf];"
                      "r0 = 0; exit;")
/* the output of bpf_snprintf is written: not into .rodata */
RO(ro_snprintf_out, "r1 = 7; *(u64 *)(r10 - 24) = r1; r1 = %[cfg_word] ll; r2 = 8;"
                    "r3 = %[ro_fmt] ll; r4 = r10; r4 += -24; r5 = 8; call %[bpf_snprintf];"
                    "r0 = 0; exit;")

/* In C: a `const volatile` switch turns off code the verifier would
 * refuse (an unbounded dereference) */
SEC("socket") int ro_c_config_ok(void *ctx)
{
    (void)ctx;
    if (cfg_on)
        return *(volatile int *)(long)bpf_get_prandom_u32();
    return 0;
}

char _license[] SEC("license") = "GPL";
