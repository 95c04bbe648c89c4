/* Format strings.  Linux checks bpf_snprintf's format when it loads the
 * program (check_bpf_snprintf_call runs bpf_bprintf_prepare on the
 * constant string against data_len / 8 arguments: "Invalid format
 * string"); bpf_trace_printk's format only when it runs (the helper then
 * answers -EINVAL), so a bad one there still loads. */
#include "vdefs.h"

static long (*fmt_snprintf)(char *str, __u32 str_size, const char *fmt, __u64 *data,
                            __u32 data_len) = (void *)165;

char out[64];

#define SNP(name, fmt, ...)                                                                   \
    SEC("socket") int name(void *ctx)                                                         \
    {                                                                                         \
        static const char f[] = fmt;                                                          \
        __u64 a[] = {__VA_ARGS__};                                                            \
        return fmt_snprintf(out, sizeof(out), f, a, sizeof(a)) < 0;                           \
    }
#define SNP0(name, fmt)                                                                       \
    SEC("socket") int name(void *ctx)                                                         \
    {                                                                                         \
        static const char f[] = fmt;                                                          \
        return fmt_snprintf(out, sizeof(out), f, 0, 0) < 0;                                   \
    }

SNP(fmt_ints_ok, "%d %i %u %x %X|%ld %lld %lu %llx %lX", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
SNP(fmt_width_flags_ok, "%5d|%-5d|%05d|%+d|% d|", 1, 2, 3, 4, 5)
SNP(fmt_str_char_ok, "%s, %c! %-8s.", (__u64)(long)"a", 'x', (__u64)(long)"b")
SNP(fmt_ptrs_ok, "%p %pK %px %ps %pS %pB", 1, 2, 3, 4, 5, 6)
SNP(fmt_ip_ok, "%pI4 %pi4 %pI6 %pi6", (__u64)(long)out, (__u64)(long)out, (__u64)(long)out,
    (__u64)(long)out)
SNP(fmt_ks_us_ok, "%pks %pus", (__u64)(long)"k", (__u64)(long)"u")
SNP0(fmt_percent_ok, "100%% sure")
SNP0(fmt_no_conv_ok, "plain text\twith\nspace")
SNP(fmt_utf8_ok, "caf\xc3\xa9 %d", 1)
SNP(fmt_more_args_ok, "%d", 1, 2, 3)
/* 13 arguments: the verifier takes it (bprintf_prepare only counts); the
 * helper answers -EINVAL at run (more than MAX_BPRINTF_VARARGS) */
SNP(fmt_13_args_ok, "%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
SNP(fmt_octal, "%o", 8)
SNP(fmt_precision, "%.3d", 8)
SNP(fmt_short, "%hd", 8)
SNP(fmt_alt_form, "%#x", 8)
SNP(fmt_size_t, "%zu", 8)
SNP(fmt_lll, "%lllx", 8)
SNP(fmt_float, "%f", 8)
SNP(fmt_str_alpha_after, "%sx", (__u64)(long)"a")
SNP(fmt_too_few_args, "%d %d", 1)
SNP0(fmt_no_args, "%d")
SNP(fmt_ctrl_char, "bell\x07%d", 1)
SNP(fmt_trailing_percent, "%", 1)
SNP(fmt_width_then_end, "%5", 1)
SNP(fmt_ip5, "%pI5", (__u64)(long)out)
SNP(fmt_ptr_unknown, "%pZ", 1)
SNP(fmt_str_latin1_alpha_after, "%s\xc3", (__u64)(long)"a")

/* trace_printk: checked when it runs, not at load */
SEC("socket") int fmt_trace_printk_bad_loads_ok(void *ctx)
{
    static const char f[] = "%o %hd";
    bpf_trace_printk(f, sizeof(f), 1, 2);
    return 0;
}

char _license[] SEC("license") = "GPL";
