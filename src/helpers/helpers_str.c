/* String helpers: bpf_strncmp (182), bpf_strtol (105), bpf_strtoul (106),
 * with the semantics of Linux's kernel/bpf/helpers.c and the integer
 * parser of lib/kstrtox.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"

#define ARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct pbpf_run_ctx *ctx

/* BPF_STRTOX_BASE_MASK */
#define STRTOX_BASE_MASK 0x1Fu

static int checked(const struct pbpf_run_ctx *ctx) { return ctx->prog->mode == PBPF_MODE_CHECKED; }

static uint64_t fault(struct pbpf_run_ctx *ctx, const char *helper, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "bpf_%s: %s", helper, what);
    pbpf_run_ctx_abort(ctx, -EFAULT, msg);
    return 0;
}

/* bpf_strncmp(s1, s1_sz, s2): Linux's strncmp (lib/string.c), which
 * answers -1, 0 or 1. */
static uint64_t h_strncmp(ARGS)
{
    (void)r4, (void)r5;
    const unsigned char *a = (const unsigned char *)(uintptr_t)r1;
    const unsigned char *b = (const unsigned char *)(uintptr_t)r3;
    if (checked(ctx) && (!r1 || !pbpf_run_ctx_check_mem(ctx, r1, r2, 0)))
        return fault(ctx, "strncmp", "s1 is not readable memory");
    for (uint64_t k = 0; k < r2; k++) {
        if (checked(ctx) && !pbpf_run_ctx_check_mem(ctx, r3 + k, 1, 0))
            return fault(ctx, "strncmp", "s2 is not a readable string");
        if (a[k] != b[k])
            return (uint64_t)(int64_t)(a[k] < b[k] ? -1 : 1);
        if (!a[k])
            break;
    }
    return 0;
}

/* Linux's isspace: the ASCII white space and Latin-1's no-break space
 * (lib/ctype.c marks 160 as space). */
static int k_isspace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 160; }

#define KSTRTOX_OVERFLOW (1u << 31)

/* _parse_integer_fixup_radix() */
static const char *fixup_radix(const char *s, unsigned *base)
{
    if (*base == 0) {
        if (s[0] == '0') {
            char x = s[2];
            int xd = (x >= '0' && x <= '9') || ((x | 0x20) >= 'a' && (x | 0x20) <= 'f');
            *base = ((s[1] | 0x20) == 'x' && xd) ? 16 : 8;
        } else {
            *base = 10;
        }
    }
    if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
        s += 2;
    return s;
}

/* _parse_integer(): digits consumed, with KSTRTOX_OVERFLOW set on
 * overflow (parsing goes on). */
static unsigned parse_integer(const char *s, unsigned base, uint64_t *res)
{
    uint64_t r = 0;
    unsigned rv = 0;
    for (;; s++) {
        unsigned c = (unsigned char)*s, lc = c | 0x20, val;
        if (c >= '0' && c <= '9')
            val = c - '0';
        else if (lc >= 'a' && lc <= 'f')
            val = lc - 'a' + 10;
        else
            break;
        if (val >= base)
            break;
        if ((r & (~0ull << 60)) && r > (UINT64_MAX - val) / base)
            rv |= KSTRTOX_OVERFLOW;
        r = r * base + val;
        rv++;
    }
    *res = r;
    return rv;
}

/* __bpf_strtoull(): characters consumed, or -EINVAL / -ERANGE. */
static int strtoull_common(const char *buf, size_t len, uint64_t flags, uint64_t *res, int *neg)
{
    unsigned base = (unsigned)(flags & STRTOX_BASE_MASK);
    if (!len)
        return -EINVAL;
    if (base != 0 && base != 8 && base != 10 && base != 16)
        return -EINVAL;
    if (flags & ~(uint64_t)STRTOX_BASE_MASK)
        return -EINVAL;
    size_t k = 0;
    while (k < len && k_isspace((unsigned char)buf[k]))
        k++;
    *neg = k < len && buf[k] == '-';
    if (*neg)
        k++;
    size_t consumed = k, cur = len - k;
    if (!cur)
        return -EINVAL;
    char str[64];
    if (cur > sizeof str - 1)
        cur = sizeof str - 1;
    memcpy(str, buf + k, cur);
    str[cur] = 0;
    const char *p = fixup_radix(str, &base);
    unsigned n = parse_integer(p, base, res);
    if (n & KSTRTOX_OVERFLOW)
        return -ERANGE;
    if (n == 0)
        return -EINVAL;
    return (int)(consumed + (size_t)(p + n - str));
}

static int check_args(struct pbpf_run_ctx *ctx, uint64_t buf, uint64_t len, uint64_t res,
                      const char *helper)
{
    if (!checked(ctx))
        return 1;
    if (!buf || !pbpf_run_ctx_check_mem(ctx, buf, len, 0)) {
        fault(ctx, helper, "buf is not readable memory");
        return 0;
    }
    if (!res || !pbpf_run_ctx_check_mem(ctx, res, 8, 1)) {
        fault(ctx, helper, "res is not 8 writable bytes");
        return 0;
    }
    return 1;
}

/* bpf_strtol(buf, buf_len, flags, res) */
static uint64_t h_strtol(ARGS)
{
    (void)r5;
    if (!check_args(ctx, r1, r2, r4, "strtol"))
        return 0;
    uint64_t v;
    int neg;
    int rc = strtoull_common((const char *)(uintptr_t)r1, (size_t)r2, r3, &v, &neg);
    /* __bpf_strtoll(): the magnitude must fit the sign */
    if (rc >= 0 && (neg ? (int64_t)(0 - v) > 0 : (int64_t)v < 0))
        rc = -ERANGE;
    /* on an error *res is 0 (Linux since 6.12: "Zero former ARG_PTR_TO_
     * {LONG,INT} args in case of error") */
    int64_t r = rc < 0 ? 0 : neg ? (int64_t)(0 - v) : (int64_t)v;
    memcpy((void *)(uintptr_t)r4, &r, 8);
    return (uint64_t)(int64_t)rc;
}

/* bpf_strtoul(buf, buf_len, flags, res): a '-' is -EINVAL */
static uint64_t h_strtoul(ARGS)
{
    (void)r5;
    if (!check_args(ctx, r1, r2, r4, "strtoul"))
        return 0;
    uint64_t v;
    int neg;
    int rc = strtoull_common((const char *)(uintptr_t)r1, (size_t)r2, r3, &v, &neg);
    if (rc >= 0 && neg)
        rc = -EINVAL;
    if (rc < 0)
        v = 0; /* as bpf_strtol */
    memcpy((void *)(uintptr_t)r4, &v, 8);
    return (uint64_t)(int64_t)rc;
}

void pbpf_helpers_register_str(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 105, h_strtol, NULL);
    pbpf_runtime_set_helper(rt, 106, h_strtoul, NULL);
    pbpf_runtime_set_helper(rt, 182, h_strncmp, NULL);
}
