/* Reader of conformance test files: splits the text into its sections
 * (`-- asm`, `-- raw`, `-- mem`, `-- result`, `-- error`, ...) and turns
 * each into data.  See cfile.h; the format is the conformance suite's
 * README §1. */
#include "cfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t err_size, int rc, const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

enum section {
    SEC_NONE,
    SEC_ASM,
    SEC_RAW,
    SEC_MEM,
    SEC_RESULT,
    SEC_ERROR,
    SEC_C,
    SEC_IGNORED, /* `-- no register offset`: a uBPF leftover, contents are junk */
    SEC_COUNT,
};

static const char *const section_names[SEC_COUNT] = {
    [SEC_ASM] = "asm",       [SEC_RAW] = "raw", [SEC_MEM] = "mem",
    [SEC_RESULT] = "result", [SEC_ERROR] = "error", [SEC_C] = "c",
    [SEC_IGNORED] = "no register offset",
};

/* A line of the input without its line end (LF or CR-LF). */
struct line {
    const char *p;
    size_t len;
    unsigned no; /* 1-based */
};

static int next_line(const char **cur, const char *end, struct line *l, unsigned *no)
{
    if (*cur >= end)
        return 0;
    const char *s = *cur;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl ? nl : end;
    *cur = nl ? nl + 1 : end;
    if (e > s && e[-1] == '\r')
        e--;
    l->p = s;
    l->len = (size_t)(e - s);
    l->no = ++*no;
    return 1;
}

/* The line with its comment (from `#`) and surrounding blanks removed. */
static void strip(const struct line *l, const char **p, size_t *len)
{
    const char *s = l->p, *e = l->p + l->len;
    for (const char *h = s; h < e; h++) {
        if (*h == '#') {
            e = h;
            break;
        }
    }
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *p = s;
    *len = (size_t)(e - s);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Growable byte buffer. */
struct bytes {
    uint8_t *p;
    size_t len, cap;
};

static int bytes_push(struct bytes *b, uint8_t v)
{
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            return -ENOMEM;
        b->p = np;
        b->cap = cap;
    }
    b->p[b->len++] = v;
    return 0;
}

/* Splits a run of text into tokens at blanks and commas.  Returns the token
 * length (0 at the end). */
static size_t next_token(const char **cur, const char *end, const char **tok)
{
    const char *s = *cur;
    while (s < end && (isspace((unsigned char)*s) || *s == ','))
        s++;
    const char *t = s;
    while (s < end && !isspace((unsigned char)*s) && *s != ',')
        s++;
    *tok = t;
    *cur = s;
    return (size_t)(s - t);
}

/* Hex digits of a token after an optional 0x; NULL if it is not hex. */
static const char *hex_digits(const char *tok, size_t len, size_t *ndig)
{
    if (len >= 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
        tok += 2;
        len -= 2;
    }
    if (len == 0)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (hexval((unsigned char)tok[i]) < 0)
            return NULL;
    *ndig = len;
    return tok;
}

/* Appends the bytes a `-- mem`-style token spells: pairs of hex digits (a
 * lone digit is one byte). */
static int hex_token_bytes(const char *tok, size_t len, struct bytes *b, char *err,
                           size_t err_size, unsigned line)
{
    size_t n;
    const char *d = hex_digits(tok, len, &n);
    if (!d || (n > 1 && n % 2))
        return line ? fail(err, err_size, -EINVAL, "line %u: bad hex byte '%.*s'", line, (int)len,
                           tok)
                    : fail(err, err_size, -EINVAL, "bad hex byte '%.*s'", (int)len, tok);
    if (n == 1)
        return bytes_push(b, (uint8_t)hexval((unsigned char)d[0]));
    for (size_t i = 0; i < n; i += 2) {
        int rc = bytes_push(b, (uint8_t)(hexval((unsigned char)d[i]) << 4 |
                                         hexval((unsigned char)d[i + 1])));
        if (rc)
            return rc;
    }
    return 0;
}

int pbpf_hex_parse(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size)
{
    struct bytes b = {0};
    const char *cur = text, *end = text + strlen(text), *tok;
    size_t n;
    while ((n = next_token(&cur, end, &tok)) != 0) {
        int rc = hex_token_bytes(tok, n, &b, err, err_size, 0);
        if (rc) {
            free(b.p);
            return rc == -ENOMEM ? fail(err, err_size, rc, "out of memory") : rc;
        }
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

/* `-- raw`: either one 64-bit number per slot (byte 0 = the low byte, i.e.
 * the opcode) or eight hex bytes per slot.  Tokens of at most two digits
 * are bytes; bpf_conformance itself reads every token as a slot, which
 * makes its negative/ tests meaningless (README §1). */
static int raw_line(const char *p, size_t len, unsigned no, struct bytes *b, char *err,
                    size_t err_size)
{
    const char *cur = p, *end = p + len, *tok;
    size_t n;
    while ((n = next_token(&cur, end, &tok)) != 0) {
        size_t nd;
        const char *d = hex_digits(tok, n, &nd);
        if (!d)
            return fail(err, err_size, -EINVAL, "line %u: bad hex in raw program: '%.*s'", no,
                        (int)n, tok);
        int rc = 0;
        if (nd <= 2) {
            rc = hex_token_bytes(tok, n, b, err, err_size, no);
        } else if (nd <= 16) {
            if (b->len % 8)
                return fail(err, err_size, -EINVAL,
                            "line %u: 64-bit slot '%.*s' after an incomplete instruction", no,
                            (int)n, tok);
            uint64_t v = 0;
            for (size_t i = 0; i < nd; i++)
                v = v << 4 | (uint64_t)hexval((unsigned char)d[i]);
            for (int i = 0; i < 8 && !rc; i++)
                rc = bytes_push(b, (uint8_t)(v >> (8 * i)));
        } else {
            return fail(err, err_size, -EINVAL, "line %u: raw value '%.*s' wider than 64 bits",
                        no, (int)n, tok);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_result(const char *p, size_t len, unsigned no, uint64_t *out, char *err,
                        size_t err_size)
{
    char buf[64];
    if (len >= sizeof(buf))
        return fail(err, err_size, -EINVAL, "line %u: result too long", no);
    memcpy(buf, p, len);
    buf[len] = 0;
    const char *s = buf;
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return fail(err, err_size, -EINVAL, "line %u: bad result '%s'", no, buf);
    uint64_t v = 0;
    for (; *s; s++) {
        int d = hexval((unsigned char)*s);
        if (d < 0 || d >= base)
            return fail(err, err_size, -EINVAL, "line %u: bad result '%s'", no, buf);
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return fail(err, err_size, -ERANGE, "line %u: result '%s' exceeds 64 bits", no, buf);
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = neg ? (uint64_t)0 - v : v;
    return 0;
}

static char *dup_range(const char *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, p, len);
        s[len] = 0;
    }
    return s;
}

static int section_of(const char *name, size_t len)
{
    for (int s = SEC_ASM; s < SEC_COUNT; s++)
        if (strlen(section_names[s]) == len && !memcmp(section_names[s], name, len))
            return s;
    return -1;
}

/* Builds the instruction array from raw bytes. */
static int raw_to_insns(const struct bytes *b, struct pbpf_cfile *out)
{
    size_t cnt = b->len / 8;
    out->insns = calloc(cnt ? cnt : 1, sizeof(*out->insns));
    if (!out->insns)
        return -ENOMEM;
    for (size_t i = 0; i < cnt; i++) {
        const uint8_t *q = b->p + 8 * i;
        out->insns[i].code = q[0];
        out->insns[i].regs = q[1];
        out->insns[i].off = (int16_t)(uint16_t)(q[2] | q[3] << 8);
        out->insns[i].imm = (int32_t)((uint32_t)q[4] | (uint32_t)q[5] << 8 |
                                      (uint32_t)q[6] << 16 | (uint32_t)q[7] << 24);
    }
    out->insn_cnt = cnt;
    return 0;
}

/* Assembles the `-- asm` section.  The text handed to the assembler starts
 * with one empty line per line above the section, so that its messages
 * name lines of the file. */
static int assemble(const struct pbpf_cfile *f, unsigned first_line, struct pbpf_cfile *out,
                    char *err, size_t err_size)
{
    size_t tlen = strlen(f->asm_text);
    char *text = malloc(first_line + tlen + 1);
    if (!text)
        return fail(err, err_size, -ENOMEM, "out of memory");
    memset(text, '\n', first_line);
    memcpy(text + first_line, f->asm_text, tlen + 1);
    struct pbpf_insn *insns;
    size_t cnt;
    int rc = pbpf_asm(text, &insns, &cnt, err, err_size);
    free(text);
    if (rc)
        return rc;
    out->insns = malloc((cnt ? cnt : 1) * sizeof(*insns));
    if (!out->insns) {
        pbpf_free_insns(insns);
        return fail(err, err_size, -ENOMEM, "out of memory");
    }
    memcpy(out->insns, insns, cnt * sizeof(*insns));
    out->insn_cnt = cnt;
    pbpf_free_insns(insns);
    return 0;
}

int pbpf_cfile_parse(const char *text, size_t len, struct pbpf_cfile *out, char *err,
                     size_t err_size)
{
    memset(out, 0, sizeof(*out));
    const char *cur = text, *end = text + len;
    struct line l;
    unsigned no = 0;
    int sec = SEC_NONE;
    int seen[SEC_COUNT] = {0};
    unsigned asm_line = 0; /* line of the `-- asm` header */
    const char *asm_start = NULL, *asm_end = NULL;
    struct bytes raw = {0}, mem = {0};
    int have_result_value = 0, want_error_line = 0;
    int rc = 0;

    if (len && memchr(text, 0, len))
        return fail(err, err_size, -EINVAL, "file contains a NUL byte");

    while (next_line(&cur, end, &l, &no)) {
        const char *p;
        size_t n;
        strip(&l, &p, &n);
        if (n >= 2 && p[0] == '-' && p[1] == '-') {
            const char *name = p + 2;
            size_t nl = n - 2;
            while (nl && isspace((unsigned char)*name)) {
                name++;
                nl--;
            }
            int s = section_of(name, nl);
            if (s < 0) {
                rc = fail(err, err_size, -EINVAL, "line %u: unknown section '%.*s'", l.no,
                          (int)nl, name);
                goto out;
            }
            if (seen[s]) {
                rc = fail(err, err_size, -EINVAL, "line %u: second '-- %s' section", l.no,
                          section_names[s]);
                goto out;
            }
            if (sec == SEC_ASM)
                asm_end = l.p;
            seen[s] = 1;
            sec = s;
            if (s == SEC_ASM) {
                asm_line = l.no;
                asm_start = cur;
                asm_end = end;
            }
            if (s == SEC_ERROR) {
                out->has_error = 1;
                want_error_line = 1;
            }
            continue;
        }
        if (sec == SEC_ERROR && want_error_line) {
            /* the expected message is the whole next line, as written */
            want_error_line = 0;
            const char *s = l.p, *e = l.p + l.len;
            while (s < e && isspace((unsigned char)*s))
                s++;
            while (e > s && isspace((unsigned char)e[-1]))
                e--;
            out->error_text = dup_range(s, (size_t)(e - s));
            if (!out->error_text) {
                rc = fail(err, err_size, -ENOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        if (n == 0)
            continue;
        switch (sec) {
        case SEC_NONE:
            rc = fail(err, err_size, -EINVAL, "line %u: text before the first section", l.no);
            goto out;
        case SEC_RAW:
            rc = raw_line(p, n, l.no, &raw, err, err_size);
            break;
        case SEC_MEM: {
            const char *c = p, *e = p + n, *tok;
            size_t tn;
            while (!rc && (tn = next_token(&c, e, &tok)) != 0)
                rc = hex_token_bytes(tok, tn, &mem, err, err_size, l.no);
            break;
        }
        case SEC_RESULT:
            if (have_result_value) {
                rc = fail(err, err_size, -EINVAL, "line %u: more than one result", l.no);
                goto out;
            }
            rc = parse_result(p, n, l.no, &out->result, err, err_size);
            have_result_value = 1;
            break;
        default: /* asm is taken as a whole below; c and the rest are ignored */
            break;
        }
        if (rc) {
            if (rc == -ENOMEM)
                fail(err, err_size, rc, "out of memory");
            goto out;
        }
    }

    if (seen[SEC_RESULT] && !have_result_value) {
        rc = fail(err, err_size, -EINVAL, "'-- result' section is empty");
        goto out;
    }
    out->has_result = seen[SEC_RESULT];
    if (out->has_error && !out->error_text) {
        out->error_text = dup_range("", 0);
        if (!out->error_text) {
            rc = fail(err, err_size, -ENOMEM, "out of memory");
            goto out;
        }
    }
    if (!seen[SEC_ASM] && !seen[SEC_RAW]) {
        rc = fail(err, err_size, -EINVAL, "no program: neither '-- asm' nor '-- raw'");
        goto out;
    }
    if (seen[SEC_ASM]) {
        out->asm_text = dup_range(asm_start, (size_t)(asm_end - asm_start));
        if (!out->asm_text) {
            rc = fail(err, err_size, -ENOMEM, "out of memory");
            goto out;
        }
    }
    if (seen[SEC_RAW]) {
        /* README §1: `-- raw` overrides `-- asm` when both exist */
        if (raw.len % 8) {
            rc = fail(err, err_size, -EINVAL,
                      "raw program of %zu bytes is not a whole number of instructions", raw.len);
            goto out;
        }
        if (raw.len == 0) {
            rc = fail(err, err_size, -EINVAL, "'-- raw' section is empty");
            goto out;
        }
        rc = raw_to_insns(&raw, out);
        if (rc) {
            fail(err, err_size, rc, "out of memory");
            goto out;
        }
    } else {
        rc = assemble(out, asm_line, out, err, err_size);
        if (rc)
            goto out;
    }
    if (seen[SEC_MEM]) {
        out->mem = mem.p;
        out->mem_len = mem.len;
        mem.p = NULL;
    }
out:
    free(raw.p);
    free(mem.p);
    if (rc)
        pbpf_cfile_free(out);
    return rc;
}

int pbpf_cfile_load(const char *path, struct pbpf_cfile *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return fail(err, err_size, -errno, "%s: %s", path, strerror(errno));
    struct bytes b = {0};
    int c, rc = 0;
    while ((c = getc(fp)) != EOF) {
        if ((rc = bytes_push(&b, (uint8_t)c)) != 0)
            break;
    }
    int rerr = ferror(fp);
    fclose(fp);
    if (!rc && rerr)
        rc = fail(err, err_size, -EIO, "%s: read error", path);
    else if (rc)
        rc = fail(err, err_size, rc, "%s: out of memory", path);
    if (!rc) {
        char msg[256];
        rc = pbpf_cfile_parse(b.p ? (const char *)b.p : "", b.len, out, msg, sizeof(msg));
        if (rc)
            fail(err, err_size, rc, "%s: %s", path, msg);
    }
    free(b.p);
    return rc;
}

void pbpf_cfile_free(struct pbpf_cfile *f)
{
    if (!f)
        return;
    free(f->insns);
    free(f->asm_text);
    free(f->mem);
    free(f->error_text);
    memset(f, 0, sizeof(*f));
}
