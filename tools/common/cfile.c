/* Reader of conformance test files; see cfile.h. */
#include "cfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cf_fail(char *err, size_t size, int rc, const char *fmt, ...)
{
    if (err && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, size, fmt, ap);
        va_end(ap);
    }
    return rc;
}

struct buf {
    char *p;
    size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        char *p = realloc(b->p, cap);
        if (!p)
            return -ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int pbpf_hex_parse(const char *text, uint8_t **out, size_t *len, char *err, size_t err_size)
{
    *out = NULL;
    *len = 0;
    size_t cap = strlen(text) / 2 + 1, n = 0;
    uint8_t *b = malloc(cap);
    if (!b)
        return -ENOMEM;
    const char *p = text;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
            continue;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
            p += 2;
        size_t digits = 0;
        while (isxdigit((unsigned char)p[digits]))
            digits++;
        if (digits == 0 || (p[digits] && !isspace((unsigned char)p[digits]) && p[digits] != ',')) {
            free(b);
            return cf_fail(err, err_size, -EINVAL, "invalid hex byte at '%.8s'", p);
        }
        if (digits > 2) {
            /* a run of digits without blanks: pairs of digits */
            if (digits % 2) {
                free(b);
                return cf_fail(err, err_size, -EINVAL, "odd number of hex digits at '%.8s'", p);
            }
        }
        for (size_t i = 0; i < digits; i += (digits > 2 ? 2 : digits)) {
            char t[3] = {p[i], digits > 2 || digits == 2 ? p[i + 1] : '\0', '\0'};
            b[n++] = (uint8_t)strtoul(t, NULL, 16);
        }
        p += digits;
    }
    *out = b;
    *len = n;
    return 0;
}

/* `-- raw`: tokens of more than two hex digits are whole 64-bit slots
 * (little-endian, byte 0 = opcode); tokens of one or two digits are bytes,
 * eight per instruction (conformance README §1). */
static int parse_raw(const char *text, struct pbpf_insn **out, size_t *cnt, char *err,
                     size_t err_size)
{
    size_t cap = 16, n = 0;
    uint8_t *bytes = malloc(cap);
    if (!bytes)
        return -ENOMEM;
    const char *p = text;
    int rc = 0;
    while (*p) {
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
            continue;
        }
        const char *start = p;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        const char *digits = p;
        while (isxdigit((unsigned char)*p))
            p++;
        size_t nd = (size_t)(p - digits);
        if (nd == 0 || nd > 16 || (*p && !isspace((unsigned char)*p) && *p != ',')) {
            rc = cf_fail(err, err_size, -EINVAL, "raw: invalid token '%.18s'", start);
            goto out;
        }
        uint64_t v = strtoull(digits, NULL, 16);
        size_t add = nd > 2 ? 8 : 1;
        if (n + add > cap) {
            cap = cap * 2 + add;
            uint8_t *nb = realloc(bytes, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            bytes = nb;
        }
        for (size_t i = 0; i < add; i++)
            bytes[n++] = (uint8_t)(v >> (8 * i));
    }
    if (n % 8) {
        rc = cf_fail(err, err_size, -EINVAL, "raw: %zu bytes is not a whole number of instructions",
                     n);
        goto out;
    }
    *cnt = n / 8;
    *out = malloc((n ? n : 8));
    if (!*out) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < *cnt; i++) {
        const uint8_t *b = bytes + 8 * i;
        (*out)[i].code = b[0];
        (*out)[i].regs = b[1];
        (*out)[i].off = (int16_t)(uint16_t)(b[2] | (b[3] << 8));
        (*out)[i].imm = (int32_t)((uint32_t)b[4] | ((uint32_t)b[5] << 8) | ((uint32_t)b[6] << 16) |
                                  ((uint32_t)b[7] << 24));
    }
out:
    free(bytes);
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
    memset(f, 0, sizeof *f);
}

enum section { SEC_NONE, SEC_ASM, SEC_RAW, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_IGNORED };

int pbpf_cfile_parse(const char *text, size_t len, struct pbpf_cfile *out, char *err,
                     size_t err_size)
{
    memset(out, 0, sizeof *out);
    struct buf sec[SEC_IGNORED + 1];
    int seen[SEC_IGNORED + 1] = {0};
    memset(sec, 0, sizeof sec);
    enum section cur = SEC_NONE;
    int rc = 0;
    size_t line_no = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
        line_no++;
        const char *line = p;
        p += n + (eol ? 1 : 0);
        if (memchr(line, '\0', n)) {
            rc = cf_fail(err, err_size, -EINVAL, "line %zu: NUL byte", line_no);
            goto out;
        }
        while (n && (line[n - 1] == '\r' || isspace((unsigned char)line[n - 1])))
            n--;
        const char *s = line;
        while (n && isspace((unsigned char)*s))
            s++, n--;
        if (n >= 2 && s[0] == '-' && s[1] == '-') {
            const char *name = s + 2;
            size_t nl = n - 2;
            while (nl && isspace((unsigned char)*name))
                name++, nl--;
            const char *hash = memchr(name, '#', nl);
            if (hash)
                nl = (size_t)(hash - name);
            while (nl && isspace((unsigned char)name[nl - 1]))
                nl--;
#define IS(str) (nl == strlen(str) && !memcmp(name, str, nl))
            if (IS("asm"))
                cur = SEC_ASM;
            else if (IS("raw"))
                cur = SEC_RAW;
            else if (IS("mem"))
                cur = SEC_MEM;
            else if (IS("result"))
                cur = SEC_RESULT;
            else if (IS("error"))
                cur = SEC_ERROR;
            else if (IS("c") || IS("no register offset"))
                cur = SEC_IGNORED;
            else {
                rc = cf_fail(err, err_size, -EINVAL, "line %zu: unknown section '%.*s'", line_no,
                             (int)nl, name);
                goto out;
            }
#undef IS
            seen[cur] = 1;
            continue;
        }
        if (cur == SEC_IGNORED)
            continue;
        /* comments run from '#' to the end of the line, in every section */
        const char *hash = memchr(s, '#', n);
        if (hash)
            n = (size_t)(hash - s);
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
        if (cur == SEC_ERROR && seen[SEC_ERROR] == 1) {
            /* the line after `-- error` is the message, even if empty */
            if ((rc = buf_add(&sec[SEC_ERROR], s, n)))
                goto out;
            seen[SEC_ERROR] = 2;
            continue;
        }
        if (!n)
            continue;
        if (cur == SEC_NONE) {
            rc = cf_fail(err, err_size, -EINVAL, "line %zu: text outside any section", line_no);
            goto out;
        }
        if ((rc = buf_add(&sec[cur], s, n)) || (rc = buf_add(&sec[cur], "\n", 1)))
            goto out;
    }

    if (seen[SEC_RAW]) {
        if ((rc = parse_raw(sec[SEC_RAW].p ? sec[SEC_RAW].p : "", &out->insns, &out->insn_cnt, err,
                            err_size)))
            goto out;
    }
    if (seen[SEC_ASM]) {
        out->asm_text = strdup(sec[SEC_ASM].p ? sec[SEC_ASM].p : "");
        if (!out->asm_text) {
            rc = -ENOMEM;
            goto out;
        }
        if (!seen[SEC_RAW]) {
            struct pbpf_insn *insns;
            size_t cnt;
            char aerr[200];
            rc = pbpf_asm(out->asm_text, &insns, &cnt, aerr, sizeof aerr);
            if (rc) {
                rc = cf_fail(err, err_size, rc, "asm: %s", aerr);
                goto out;
            }
            /* own allocation for a uniform free() */
            out->insns = malloc(cnt * sizeof *insns);
            if (!out->insns) {
                pbpf_free_insns(insns);
                rc = -ENOMEM;
                goto out;
            }
            memcpy(out->insns, insns, cnt * sizeof *insns);
            out->insn_cnt = cnt;
            pbpf_free_insns(insns);
        }
    }
    if (!seen[SEC_RAW] && !seen[SEC_ASM]) {
        rc = cf_fail(err, err_size, -EINVAL, "no program (neither -- asm nor -- raw)");
        goto out;
    }
    if (seen[SEC_MEM] && sec[SEC_MEM].p) {
        if ((rc = pbpf_hex_parse(sec[SEC_MEM].p, &out->mem, &out->mem_len, err, err_size)))
            goto out;
    }
    if (seen[SEC_RESULT]) {
        const char *r = sec[SEC_RESULT].p ? sec[SEC_RESULT].p : "";
        while (isspace((unsigned char)*r))
            r++;
        char *e;
        errno = 0;
        int neg = *r == '-';
        unsigned long long v = strtoull(neg ? r + 1 : r, &e, 0);
        while (isspace((unsigned char)*e))
            e++;
        if (e == r || *e || errno) {
            rc = cf_fail(err, err_size, -EINVAL, "result: invalid number '%.20s'", r);
            goto out;
        }
        out->has_result = 1;
        out->result = neg ? 0 - (uint64_t)v : (uint64_t)v;
    }
    if (seen[SEC_ERROR]) {
        out->has_error = 1;
        out->error_text = strdup(sec[SEC_ERROR].p ? sec[SEC_ERROR].p : "");
        if (!out->error_text) {
            rc = -ENOMEM;
            goto out;
        }
    }
out:
    for (int i = 0; i <= SEC_IGNORED; i++)
        free(sec[i].p);
    if (rc)
        pbpf_cfile_free(out);
    return rc;
}

int pbpf_cfile_load(const char *path, struct pbpf_cfile *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cf_fail(err, err_size, -errno, "%s: %s", path, strerror(errno));
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > (64u << 20)) {
            rc = cf_fail(err, err_size, -EFBIG, "%s: file too large", path);
            break;
        }
        if ((rc = buf_add(&b, chunk, n)))
            break;
    }
    if (!rc && ferror(f))
        rc = cf_fail(err, err_size, -EIO, "%s: read error", path);
    fclose(f);
    if (!rc) {
        char e2[256];
        rc = pbpf_cfile_parse(b.p ? b.p : "", b.len, out, e2, sizeof e2);
        if (rc)
            cf_fail(err, err_size, rc, "%s: %s", path, e2);
    }
    free(b.p);
    return rc;
}
