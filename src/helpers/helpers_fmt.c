/* bpf_trace_printk (6) and bpf_snprintf (165): Linux's restricted printf
 * (kernel/bpf/helpers.c bpf_bprintf_prepare, then bstr_printf of
 * lib/vsprintf.c).
 *
 * The format is checked first, as Linux does, and any fault gives -EINVAL
 * before anything is written: every ASCII character printable or white
 * space (bytes over 0x7f pass, for UTF-8); conversions %d %i %u %x %X with an optional l or ll, %c, %s, %ks,
 * %us, %p (also %pK %px %ps %pS %pB), %pI4 %pi4 %pI6 %pi6, and %%; before
 * the conversion only the flags "0+- " and a width (no precision, no '#',
 * no h/z/j); after %s the next character must be NUL, space or
 * punctuation (Linux's Latin-1 ctype); IP addresses ignore the width; no more conversions than arguments (3 for trace_printk, 12
 * for snprintf).  Strings and IP addresses are read fault-safe when the
 * format is checked, into a 512-byte area shared with the numbers (Linux's
 * MAX_BPRINTF_BIN_ARGS): -ENOSPC when it runs out; an unreadable string
 * prints as "".  %us reads the same memory as %s and %ks (Linux: user
 * memory only, so a kernel address prints as "").  Pointers print as 16 hex digits of their value (Linux
 * prints a hash of it for %p, zeros for %pK without privileges, and the
 * symbol for %ps/%pS/%pB: nothing pbpf can reproduce). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "platform/platform.h"

#define MAX_BPRINTF_VARARGS 12
#define MAX_TRACE_PRINTK_VARARGS 3
#define MAX_BPRINTF_BUF 1024
#define MAX_BPRINTF_BIN_ARGS 512

#define ARGS uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct pbpf_run_ctx *ctx

/* Linux's <linux/ctype.h>, whose table (lib/ctype.c) is Latin-1: 0x80 to
 * 0x9f are controls, 0xa0 is a space, 0xa1-0xbf, 0xd7 and 0xf7 are
 * punctuation, the rest of 0xc0-0xff are letters. */
static int k_isdigit(int c) { return c >= '0' && c <= '9'; }
static int k_isalpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}
static int k_isalnum(int c) { return k_isdigit(c) || k_isalpha(c); }
static int k_isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0; }
static int k_isprint(int c) { return (c >= 0x20 && c < 0x7f) || c >= 0xa0; }
static int k_ispunct(int c)
{
    return (c > 0x20 && c < 0x7f && !k_isalnum(c)) || (c >= 0xa1 && c <= 0xbf) || c == 0xd7 ||
           c == 0xf7;
}

/* The arguments as bpf_bprintf_prepare stores them: strings and IP
 * addresses already read (and formatted), numbers as raw values. */
struct fmt_args {
    uint64_t val[MAX_BPRINTF_VARARGS];
    /* strings: offset into pool (NUL-terminated) */
    uint32_t str[MAX_BPRINTF_VARARGS];
    char pool[MAX_BPRINTF_BIN_ARGS + 64];
    size_t used; /* Linux's tmp_buf - bin_args */
};

/* strncpy_from_{kernel,user}_nofault: length with the NUL, or -EFAULT. */
static int copy_str(char *dst, uint64_t src, size_t size)
{
    size_t n = 0;
    while (n < size) {
        uint64_t a = src + n;
        size_t chunk = 4096 - (size_t)(a & 4095);
        if (chunk > size - n)
            chunk = size - n;
        if (pbpf_mem_read(dst + n, (const void *)(uintptr_t)a, chunk))
            return -EFAULT;
        for (size_t i = 0; i < chunk; i++)
            if (!dst[n + i])
                return (int)(n + i + 1);
        n += chunk;
    }
    dst[size - 1] = 0;
    return (int)size;
}

static void fmt_ip(char *out, size_t size, const uint8_t *ip, char kind, char ver)
{
    if (ver == '4') {
        snprintf(out, size, kind == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0], ip[1],
                 ip[2], ip[3]);
        return;
    }
    size_t o = 0;
    for (int i = 0; i < 16; i += 2) {
        if (kind == 'I' && i)
            out[o++] = ':';
        o += (size_t)snprintf(out + o, size - o, "%02x%02x", ip[i], ip[i + 1]);
    }
}

/* bpf_bprintf_prepare(): 0 (a->... filled) or -EINVAL / -ENOSPC.  With
 * a == NULL (raw unused) only the format is checked against num_args, as
 * the verifier's check_bpf_snprintf_call asks it (no argument is read, so
 * there is no -ENOSPC either). */
static int prepare(const char *fmt, size_t fmt_size, const uint64_t *raw, uint32_t num_args,
                   struct fmt_args *a)
{
    const char *end = memchr(fmt, 0, fmt_size);
    if (!end)
        return -EINVAL;
    if (a)
        a->used = 0;
    uint32_t n = 0;
    for (size_t i = 0; fmt + i < end; i++) {
        /* ASCII must be printable or space; other bytes pass (UTF-8) */
        int c = (unsigned char)fmt[i];
        if (c < 0x80 && !k_isprint(c) && !k_isspace(c))
            return -EINVAL;
        if (c != '%')
            continue;
        if (fmt[i + 1] == '%') {
            i++;
            continue;
        }
        if (n >= num_args)
            return -EINVAL;
        i++;
        while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')
            i++;
        if (fmt[i] >= '1' && fmt[i] <= '9') {
            i++;
            while (k_isdigit(fmt[i]))
                i++;
        }
        size_t arg_size;
        if (fmt[i] == 'p') {
            if ((fmt[i + 1] == 'k' || fmt[i + 1] == 'u') && fmt[i + 2] == 's') {
                i += 2;
                goto str;
            }
            int nx = (unsigned char)fmt[i + 1];
            if (nx == 0 || k_isspace(nx) || k_ispunct(nx) || nx == 'K' || nx == 'x' ||
                nx == 's' || nx == 'S' || nx == 'B') {
                /* %pB: Linux formats the symbol into the area; pbpf
                 * prints the value, stored like the other pointers */
                i++;
                arg_size = 8;
                goto number;
            }
            if ((nx != 'i' && nx != 'I') || (fmt[i + 2] != '4' && fmt[i + 2] != '6'))
                return -EINVAL;
            i += 2;
            if (!a) {
                n++;
                continue;
            }
            size_t ipsz = fmt[i] == '4' ? 4 : 16;
            if (MAX_BPRINTF_BIN_ARGS - a->used < ipsz)
                return -ENOSPC;
            uint8_t ip[16];
            if (pbpf_mem_read(ip, (const void *)(uintptr_t)raw[n], ipsz))
                memset(ip, 0, ipsz);
            char txt[48];
            fmt_ip(txt, sizeof txt, ip, fmt[i - 1], fmt[i]);
            size_t len = strlen(txt), room = MAX_BPRINTF_BIN_ARGS - a->used;
            if (len + 1 > room)
                len = room - 1;
            memcpy(a->pool + a->used, txt, len);
            a->pool[a->used + len] = 0;
            a->str[n] = (uint32_t)a->used;
            a->used += len + 1;
            n++;
            continue;
        } else if (fmt[i] == 's') {
        str:; /* a declaration follows: C11 wants a statement after a label */
            int nx = (unsigned char)fmt[i + 1];
            if (nx != 0 && !k_isspace(nx) && !k_ispunct(nx))
                return -EINVAL;
            if (!a) {
                n++;
                continue;
            }
            if (a->used == MAX_BPRINTF_BIN_ARGS)
                return -ENOSPC;
            int len = copy_str(a->pool + a->used, raw[n], MAX_BPRINTF_BIN_ARGS - a->used);
            if (len < 0) {
                a->pool[a->used] = 0;
                len = 1;
            }
            a->str[n] = (uint32_t)a->used;
            a->used += (size_t)len;
            n++;
            continue;
        } else if (fmt[i] == 'c') {
            if (!a) {
                n++;
                continue;
            }
            if (a->used == MAX_BPRINTF_BIN_ARGS)
                return -ENOSPC;
            a->val[n] = (uint8_t)raw[n];
            a->used++;
            n++;
            continue;
        }
        arg_size = 4;
        if (fmt[i] == 'l') {
            arg_size = 8;
            i++;
        }
        if (fmt[i] == 'l')
            i++;
        if (fmt[i] != 'i' && fmt[i] != 'd' && fmt[i] != 'u' && fmt[i] != 'x' && fmt[i] != 'X')
            return -EINVAL;
    number:
        if (!a) {
            n++;
            continue;
        }
        a->used = (a->used + 3) & ~(size_t)3;
        if (MAX_BPRINTF_BIN_ARGS - a->used < arg_size)
            return -ENOSPC;
        a->val[n] = arg_size == 8 ? raw[n] : (uint32_t)raw[n];
        a->used += arg_size;
        n++;
    }
    return 0;
}

int pbpf_fmt_check(const char *fmt, size_t fmt_size, uint32_t num_args)
{
    return prepare(fmt, fmt_size, NULL, num_args, NULL);
}

struct out {
    char *buf;
    size_t size, pos;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void put_padded(struct out *o, const char *s, size_t len, int width, int left)
{
    int pad = width > (int)len ? width - (int)len : 0;
    for (int k = 0; !left && k < pad; k++)
        put(o, ' ');
    for (size_t k = 0; k < len; k++)
        put(o, s[k]);
    for (int k = 0; left && k < pad; k++)
        put(o, ' ');
}

/* bstr_printf() over a prepared format: the length of the whole output
 * (the buffer holds what fits, NUL-terminated when size > 0). */
static size_t render(char *buf, size_t size, const char *fmt, const struct fmt_args *a)
{
    struct out o = {buf, size, 0};
    uint32_t n = 0;
    for (size_t i = 0; fmt[i]; i++) {
        if (fmt[i] != '%') {
            put(&o, fmt[i]);
            continue;
        }
        if (fmt[i + 1] == '%') {
            put(&o, '%');
            i++;
            continue;
        }
        char flags[8];
        size_t nf = 0;
        int left = 0, width = 0;
        i++;
        while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
            left |= fmt[i] == '-';
            if (nf < sizeof flags - 1)
                flags[nf++] = fmt[i];
            i++;
        }
        flags[nf] = 0;
        while (k_isdigit(fmt[i]) && width < 100000)
            width = width * 10 + (fmt[i++] - '0');
        while (k_isdigit(fmt[i]))
            i++;
        if (fmt[i] == 'p' && !((fmt[i + 1] == 'k' || fmt[i + 1] == 'u') && fmt[i + 2] == 's')) {
            char t[24];
            if (fmt[i + 1] == 'i' || fmt[i + 1] == 'I') {
                /* bstr_printf copies the address formatted by
                 * bpf_bprintf_prepare, ignoring the width */
                const char *s = a->pool + a->str[n];
                put_padded(&o, s, strlen(s), 0, 0);
            } else {
                snprintf(t, sizeof t, "%016llx", (unsigned long long)a->val[n]);
                put_padded(&o, t, strlen(t), width, left);
            }
            /* vsprintf: a pointer conversion takes every alphanumeric
             * character after the p */
            while (k_isalnum((unsigned char)fmt[i + 1]))
                i++;
            n++;
            continue;
        }
        if (fmt[i] == 'p')
            i += 2; /* %ks, %us */
        if (fmt[i] == 's') {
            const char *s = a->pool + a->str[n++];
            put_padded(&o, s, strlen(s), width, left);
            continue;
        }
        if (fmt[i] == 'c') {
            char ch = (char)a->val[n++];
            put_padded(&o, &ch, 1, width, left);
            continue;
        }
        int ll = 0;
        while (fmt[i] == 'l') {
            ll = 1;
            i++;
        }
        /* the number with its sign (flags '+' and ' '), then the width:
         * '-' pads on the right, '0' with zeros after the sign */
        char spec[16], t[32];
        int plus = strchr(flags, '+') != NULL, space = strchr(flags, ' ') != NULL;
        int zero = strchr(flags, '0') != NULL && !left;
        snprintf(spec, sizeof spec, "%%%s%sll%c", plus ? "+" : "", space && !plus ? " " : "",
                 fmt[i]);
        uint64_t v = a->val[n++];
        int len;
        if (fmt[i] == 'd' || fmt[i] == 'i')
            len = snprintf(t, sizeof t, spec, ll ? (long long)v : (long long)(int32_t)(uint32_t)v);
        else
            len = snprintf(t, sizeof t, spec, (unsigned long long)(ll ? v : (uint32_t)v));
        if (len < 0)
            len = 0;
        if (zero && width > len) {
            size_t k = 0;
            if (t[0] == '+' || t[0] == '-' || t[0] == ' ')
                put(&o, t[k++]);
            for (int z = len; z < width; z++)
                put(&o, '0');
            for (; k < (size_t)len; k++)
                put(&o, t[k]);
        } else {
            put_padded(&o, t, (size_t)len, width, left);
        }
    }
    if (size)
        buf[o.pos < size ? o.pos : size - 1] = 0;
    return o.pos;
}

static int checked(const struct pbpf_run_ctx *ctx) { return ctx->prog->mode == PBPF_MODE_CHECKED; }

static uint64_t fault(struct pbpf_run_ctx *ctx, const char *helper, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "bpf_%s: %s", helper, what);
    pbpf_run_ctx_abort(ctx, -EFAULT, msg);
    return 0;
}

/* Checked mode: the length of a NUL-terminated string the program may
 * read, or -1. */
static int64_t checked_strlen(const struct pbpf_run_ctx *ctx, uint64_t p)
{
    for (uint64_t k = 0; k < (1u << 20); k++) {
        if (!pbpf_run_ctx_check_mem(ctx, p + k, 1, 0))
            return -1;
        if (!*(const char *)(uintptr_t)(p + k))
            return (int64_t)k;
    }
    return -1;
}

/* bpf_trace_printk(fmt, fmt_size, a1, a2, a3) */
static uint64_t h_trace_printk(ARGS)
{
    if (checked(ctx) && (!r1 || !pbpf_run_ctx_check_mem(ctx, r1, r2, 0)))
        return fault(ctx, "trace_printk", "fmt is not readable memory");
    uint64_t raw[3] = {r3, r4, r5};
    struct fmt_args a;
    int rc = prepare((const char *)(uintptr_t)r1, (size_t)r2, raw, MAX_TRACE_PRINTK_VARARGS, &a);
    if (rc)
        return (uint64_t)(int64_t)rc;
    char buf[MAX_BPRINTF_BUF];
    size_t len = render(buf, sizeof buf, (const char *)(uintptr_t)r1, &a);
    struct pbpf_runtime *rt = ctx->prog->rt;
    if (rt->print)
        rt->print(rt->print_ctx, buf, len < sizeof buf ? len : sizeof buf - 1);
    return len;
}

/* bpf_snprintf(str, str_size, fmt, data, data_len): the length with the
 * NUL of the whole output; str holds what fits. */
static uint64_t h_snprintf(ARGS)
{
    if (r5 % 8 || r5 > MAX_BPRINTF_VARARGS * 8 || (r5 && !r4))
        return (uint64_t)(int64_t)-EINVAL;
    if (checked(ctx)) {
        if (r2 && (!r1 || !pbpf_run_ctx_check_mem(ctx, r1, r2, 1)))
            return fault(ctx, "snprintf", "str is not writable memory");
        if (checked_strlen(ctx, r3) < 0)
            return fault(ctx, "snprintf", "fmt is not a readable string");
        if (r5 && !pbpf_run_ctx_check_mem(ctx, r4, r5, 0))
            return fault(ctx, "snprintf", "data is not readable memory");
    }
    uint64_t raw[MAX_BPRINTF_VARARGS];
    if (r5)
        memcpy(raw, (const void *)(uintptr_t)r4, (size_t)r5);
    struct fmt_args a;
    const char *fmt = (const char *)(uintptr_t)r3;
    int rc = prepare(fmt, strlen(fmt) + 1, raw, (uint32_t)(r5 / 8), &a);
    if (rc)
        return (uint64_t)(int64_t)rc;
    return render(r2 ? (char *)(uintptr_t)r1 : NULL, (size_t)r2, fmt, &a) + 1;
}

void pbpf_helpers_register_fmt(struct pbpf_runtime *rt)
{
    pbpf_runtime_set_helper(rt, 6, h_trace_printk, NULL);
    pbpf_runtime_set_helper(rt, 165, h_snprintf, NULL);
}
