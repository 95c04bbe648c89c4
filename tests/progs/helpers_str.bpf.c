/* String and format helpers, each called on a table of cases; results go
 * to .bss so that a run in pbpf and one in the kernel (BPF_PROG_TEST_RUN
 * of the same object loaded by libbpf) can be compared byte for byte. */
#include "bpf_defs.h"

static long (*bpf_strtol)(const char *buf, unsigned long buf_len, __u64 flags,
                          long *res) = (void *)105;
static long (*bpf_strtoul)(const char *buf, unsigned long buf_len, __u64 flags,
                           unsigned long *res) = (void *)106;
static long (*bpf_snprintf)(char *str, __u32 str_size, const char *fmt, __u64 *data,
                            __u32 data_len) = (void *)165;
static long (*bpf_strncmp)(const char *s1, __u32 s1_sz, const char *s2) = (void *)182;

#define NSTRTO 32
#define NCMP 12
#define NFMT 40
#define FMT_OUT 64
#define NBAD 17

struct strto_res {
    long long rc_l, val_l, rc_ul, val_ul;
};
/* one object, so that its layout is the C declaration's */
struct str_bss {
    struct strto_res strto[NSTRTO];
    long long cmp[NCMP];
    long long fmt_rc[NFMT];
    char fmt_out[NFMT][FMT_OUT];
    long long bad_rc[NBAD];
    char bad_out[16];
} res;

#define STRTO(i, s, len, flags)                                                                    \
    do {                                                                                           \
        long v = -7777;                                                                            \
        unsigned long uv = 7777;                                                                   \
        res.strto[i].rc_l = bpf_strtol(s, len, flags, &v);                                             \
        res.strto[i].val_l = v;                                                                        \
        res.strto[i].rc_ul = bpf_strtoul(s, len, flags, &uv);                                          \
        res.strto[i].val_ul = (long long)uv;                                                           \
    } while (0)

SEC("socket")
int run_strto(void *ctx)
{
    STRTO(0, "123", 3, 0);
    STRTO(1, "  -42xyz", 8, 0);
    STRTO(2, "0x1f", 4, 0);
    STRTO(3, "0x1f", 4, 16);
    STRTO(4, "0x", 2, 0);
    STRTO(5, "0x", 2, 16);
    STRTO(6, "017", 3, 0);
    STRTO(7, "017", 3, 10);
    STRTO(8, "08", 2, 0);
    STRTO(9, "-", 1, 0);
    STRTO(10, "   ", 3, 0);
    STRTO(11, "9223372036854775807", 19, 0);
    STRTO(12, "9223372036854775808", 19, 0);
    STRTO(13, "-9223372036854775808", 20, 0);
    STRTO(14, "-9223372036854775809", 20, 0);
    STRTO(15, "18446744073709551615", 20, 0);
    STRTO(16, "18446744073709551616", 20, 0);
    STRTO(17, "12", 2, 2);
    STRTO(18, "12", 2, 0x20);
    STRTO(19, "ff", 2, 16);
    STRTO(20, "FF", 2, 16);
    STRTO(21, "z", 1, 0);
    STRTO(22, "\t\n 7", 4, 0);
    STRTO(23, "123456", 3, 0);
    STRTO(24, "+5", 2, 0);
    STRTO(25, "0xg", 3, 0);
    STRTO(26, "1234567890123456789012345678901234567890123456789012345678901234567890", 70, 0);
    STRTO(27, "-0", 2, 0);
    STRTO(28, "0X1A", 4, 0);
    STRTO(29, "777", 3, 8);
    STRTO(30, "778", 3, 8);
    STRTO(31, "0000000000000000000000000000000000000000000000000000000000000000012", 67, 0);
    return 0;
}

SEC("socket")
int run_strncmp(void *ctx)
{
    res.cmp[0] = bpf_strncmp("abc", 3, "abc");
    res.cmp[1] = bpf_strncmp("abc", 3, "abd");
    res.cmp[2] = bpf_strncmp("abd", 3, "abc");
    res.cmp[3] = bpf_strncmp("ab", 3, "abc");
    res.cmp[4] = bpf_strncmp("abcdef", 3, "abcxyz");
    res.cmp[5] = bpf_strncmp("\xff", 1, "a");
    res.cmp[6] = bpf_strncmp("", 1, "");
    res.cmp[7] = bpf_strncmp("abc", 1, "x");
    res.cmp[8] = bpf_strncmp("abc", 4, "abc");
    res.cmp[9] = bpf_strncmp("abc", 4, "ab");
    res.cmp[10] = bpf_strncmp("a\0c", 3, "a");
    res.cmp[11] = bpf_strncmp("zzzz", 2, "zz");
    return 0;
}

static const __u8 ip4[4] = {192, 168, 1, 20};
static const __u8 ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* A pointer computed at run time: in a constant initializer it would be a
 * data relocation, which neither libbpf nor pbpf's loader applies. */
#define P(x)                                                                                       \
    ({                                                                                             \
        __u64 p_ = (__u64)(long)(x);                                                               \
        asm volatile("" : "+r"(p_));                                                               \
        p_;                                                                                        \
    })

#define FMT(i, size, fmt, ...)                                                                     \
    do {                                                                                           \
        static const char f[] = fmt;                                                               \
        __u64 a[] = {__VA_ARGS__};                                                                 \
        res.fmt_rc[i] = bpf_snprintf(res.fmt_out[i], size, f, a, sizeof(a));                               \
    } while (0)
#define FMT0(i, size, fmt)                                                                         \
    do {                                                                                           \
        static const char f[] = fmt;                                                               \
        res.fmt_rc[i] = bpf_snprintf(res.fmt_out[i], size, f, 0, 0);                                       \
    } while (0)

SEC("socket")
int run_snprintf(void *ctx)
{
    FMT(0, FMT_OUT, "%d %u %x %X", -5, -5, 255, 255);
    FMT(1, FMT_OUT, "%ld %lld", -1234567890123ll, 9000000000ll);
    FMT(2, FMT_OUT, "%lu %llx %lX", -1ll, 0xdeadbeefcafeull, 0xabcull);
    FMT(3, FMT_OUT, "%5d|%-5d|%05d|%+d|% d|", 42, 42, 42, 42, 42);
    FMT(4, FMT_OUT, "%-05d|%+05d|%08x|% 5d|", -42, 42, 0xbeef, -3);
    FMT(5, FMT_OUT, "%s|%10s|%-10s|", P("abc"), P("de"), P("fg"));
    FMT(6, FMT_OUT, "%c%c%c|%3c|%-3c|", 'a', 'b', 'c', 'x', 'y');
    FMT(7, FMT_OUT, "%pI4 %pi4", P(ip4), P(ip4));
    FMT(8, FMT_OUT, "%pI6", P(ip6));
    FMT(9, FMT_OUT, "%pi6", P(ip6));
    FMT0(10, FMT_OUT, "100%% sure");
    FMT(18, FMT_OUT, "tab\there\n%d", 1);
    FMT0(20, 5, "hello world");
    FMT(21, FMT_OUT, "[%s]", 0);
    FMT(22, FMT_OUT, "%pks|", P("kern"));
    FMT(11, FMT_OUT, "caf\xc3\xa9 %d\xa0", 1);
    FMT(12, FMT_OUT, "%s\xa1|%s\xd7", P("x"), P("y"));
    FMT(13, FMT_OUT, "%p|%px|%pK|", 0, 0, 0);
    FMT(14, FMT_OUT, "%10c|%-4s|%+5u|", 'q', P(""), 7);
    FMT(15, FMT_OUT, "%llu %lld", 0xffffffffffffffffull, 0x8000000000000000ull);
    FMT(16, FMT_OUT, "%x %d", 0x1ffffffffull, 0x180000000ull);
    FMT(17, FMT_OUT, "\x81\xff %d", 3);
    FMT(23, FMT_OUT, "%d", 1, 2, 3);
    FMT(24, FMT_OUT, "%lli %li %i", -9ll, -8ll, -7);
    FMT(25, FMT_OUT, "%20pI4|%-16pI4|", P(ip4), P(ip4));
    FMT(26, FMT_OUT, "%s.", P("dot"));
    FMT(27, FMT_OUT, "%s ", P("sp"));
    FMT(31, FMT_OUT, "%d%d%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    FMT(32, 0, "%d", 5);
    FMT(34, FMT_OUT, "%pI4x", P(ip4));
    FMT(35, FMT_OUT, "%x %x", -1ll, 0x100000001ll);
    FMT(36, 1, "%d", 5);
    FMT(39, FMT_OUT, "%12lld|%-12llu|", -77ll, 77ll);
    return 0;
}

/* Formats Linux refuses: its verifier checks the format of bpf_snprintf
 * when it loads the program (check_bpf_snprintf_call), so each is a
 * program of its own; pbpf's verifier refuses them too, and run unverified
 * (the checked interpreter) the helper answers -EINVAL. */
#define BAD(n, fmt, ...)                                                                           \
    SEC("socket") int bad_##n(void *ctx)                                                           \
    {                                                                                              \
        static const char f[] = fmt;                                                               \
        __u64 a[] = {__VA_ARGS__};                                                                 \
        res.bad_rc[n] = bpf_snprintf(res.bad_out, sizeof(res.bad_out), f, a, sizeof(a));           \
        return 0;                                                                                  \
    }
#define BAD0(n, fmt)                                                                               \
    SEC("socket") int bad_##n(void *ctx)                                                           \
    {                                                                                              \
        static const char f[] = fmt;                                                               \
        res.bad_rc[n] = bpf_snprintf(res.bad_out, sizeof(res.bad_out), f, 0, 0);                   \
        return 0;                                                                                  \
    }

BAD(0, "%o", 8)
BAD(1, "%.3d", 8)
BAD(2, "%hd", 8)
BAD(3, "%#x", 8)
BAD(4, "%sx", P("abc"))
BAD(5, "%d %d", 1)
BAD0(6, "%d")
BAD(7, "bell\x07%d", 1)
BAD(8, "%z", 1)
BAD(9, "%5", 1)
BAD(10, "%", 1)
BAD(11, "%pI5", P(ip4))
BAD(12, "%ll%d", 5, 6)
BAD(13, "%lllx", 5)
BAD(14, "%d%d%d%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
BAD(15, "%s\x85", P("x"))
BAD(16, "%s\xc3", P("x"))

char LICENSE[] SEC("license") = "GPL";
