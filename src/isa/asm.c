/* Assembler: text → instructions.  Two syntaxes, told apart per line:
 *  - the conformance-file syntax (`add32 %r0, 1`, `ldxw %r1, [%r2+4]`),
 *    the uBPF-style assembly the conformance vectors are written in;
 *  - llvm-objdump's syntax (`w0 += 0x1`, `r1 = *(u32 *)(r2 + 0x4)`), which
 *    the disassembler emits, so that text round-trips.
 * Both resolve to rows of the one instruction table (isa_table.def). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa/asm_internal.h"
#include "isa/isa.h"
#include "platform/platform.h"

#define MAX_LABELS 4096
#define MAX_TOKENS 16

struct asm_state {
    const char *text;
    size_t line_no;
    char *err;
    size_t err_size;
    /* labels: name → slot */
    struct {
        char name[64];
        size_t slot;
    } labels[MAX_LABELS];
    size_t nlabels;
    int have_exit_label;
    size_t exit_slot;
    struct pbpf_insn *out;
    size_t cap, cnt;
};

static int asm_fail(struct asm_state *st, const char *fmt, ...)
{
    if (st->err && st->err_size) {
        int n = snprintf(st->err, st->err_size, "line %zu: ", st->line_no);
        if (n >= 0 && (size_t)n < st->err_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(st->err + n, st->err_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

int pbpf_asm_parse_number(const char *s, int64_t *out, int allow_u64)
{
    const char *p = s;
    int neg = 0;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!*p)
        return -1;
    uint64_t v = 0;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!*p)
            return -1;
    }
    for (; *p; p++) {
        int d;
        if (isdigit((unsigned char)*p))
            d = *p - '0';
        else if (base == 16 && isxdigit((unsigned char)*p))
            d = tolower((unsigned char)*p) - 'a' + 10;
        else
            return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -1; /* overflow */
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (!allow_u64 && !neg && v > INT64_MAX)
        return -1;
    if (neg && v > (uint64_t)INT64_MAX + 1)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* An immediate for a 32-bit field: signed or unsigned 32-bit values. */
static int parse_imm32(struct asm_state *st, const char *s, int32_t *out)
{
    int64_t v;
    if (pbpf_asm_parse_number(s, &v, 0) || v < INT32_MIN || v > (int64_t)UINT32_MAX)
        return asm_fail(st, "invalid 32-bit immediate '%s'", s);
    *out = (int32_t)(uint32_t)(uint64_t)v;
    return 0;
}

static int parse_reg(struct asm_state *st, const char *s, uint8_t *reg)
{
    const char *p = s;
    if (*p == '%')
        p++;
    if (*p != 'r')
        return asm_fail(st, "expected a register, got '%s'", s);
    p++;
    if (!isdigit((unsigned char)*p))
        return asm_fail(st, "expected a register, got '%s'", s);
    int n = 0;
    while (isdigit((unsigned char)*p) && n <= 10)
        n = n * 10 + (*p++ - '0');
    if (*p || n > 10)
        return asm_fail(st, "invalid register '%s'", s);
    *reg = (uint8_t)n;
    return 0;
}

static int is_reg(const char *s)
{
    const char *p = s[0] == '%' ? s + 1 : s;
    return p[0] == 'r' && isdigit((unsigned char)p[1]);
}

/* [%rN], [%rN+off], [%rN-off] */
static int parse_mem(struct asm_state *st, const char *s, uint8_t *reg, int16_t *off)
{
    size_t len = strlen(s);
    if (len < 3 || s[0] != '[' || s[len - 1] != ']')
        return asm_fail(st, "expected a memory operand [%%rN+off], got '%s'", s);
    char buf[64];
    if (len - 2 >= sizeof buf)
        return asm_fail(st, "memory operand too long");
    memcpy(buf, s + 1, len - 2);
    buf[len - 2] = '\0';
    char *sign = strpbrk(buf + 1, "+-");
    int64_t o = 0;
    if (sign) {
        if (pbpf_asm_parse_number(sign, &o, 0) || o < INT16_MIN || o > INT16_MAX)
            return asm_fail(st, "invalid offset in '%s'", s);
        *sign = '\0';
    }
    if (parse_reg(st, buf, reg))
        return -EINVAL;
    *off = (int16_t)o;
    return 0;
}

static const char *label_name(const char *s) { return s; }

static int find_label(struct asm_state *st, const char *name, size_t *slot)
{
    for (size_t i = 0; i < st->nlabels; i++) {
        if (!strcmp(st->labels[i].name, name)) {
            *slot = st->labels[i].slot;
            return 1;
        }
    }
    if (!strcmp(name, "exit") && st->have_exit_label) {
        *slot = st->exit_slot;
        return 1;
    }
    return 0;
}

/* A jump target: a label, or +N / -N slots relative to the next slot. */
static int parse_target(struct asm_state *st, const char *s, size_t pc, int64_t *rel)
{
    if (s[0] == '+' || s[0] == '-' || isdigit((unsigned char)s[0])) {
        if (pbpf_asm_parse_number(s, rel, 0))
            return asm_fail(st, "invalid jump offset '%s'", s);
        return 0;
    }
    size_t slot;
    if (!find_label(st, label_name(s), &slot))
        return asm_fail(st, "unknown label '%s'", s);
    *rel = (int64_t)slot - (int64_t)pc - 1;
    return 0;
}

static int emit(struct asm_state *st, struct pbpf_insn in)
{
    if (st->cnt == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 64;
        if (ncap > PBPF_MAX_INSNS * 2u)
            return asm_fail(st, "program too long");
        struct pbpf_insn *n = pbpf_realloc(st->out, ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        st->out = n;
        st->cap = ncap;
    }
    st->out[st->cnt++] = in;
    return 0;
}

/* Splits a line into tokens at blanks and commas; keeps [..] together. */
static size_t tokenize(char *line, char **tok, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (*p && n < max) {
        while (*p && (isspace((unsigned char)*p) || *p == ','))
            p++;
        if (!*p)
            break;
        tok[n++] = p;
        if (*p == '[') {
            while (*p && *p != ']')
                p++;
            if (*p)
                p++;
        } else {
            while (*p && !isspace((unsigned char)*p) && *p != ',')
                p++;
        }
        if (*p)
            *p++ = '\0';
    }
    return n;
}

/* Rows whose conformance mnemonic is `mn`. */
static const struct pbpf_opinfo *rows_named(const char *mn, const struct pbpf_opinfo **rows,
                                            size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < PBPF_XOP_COUNT && *n < 16; i++)
        if (!strcmp(pbpf_isa_table[i].mnemonic, mn))
            rows[(*n)++] = &pbpf_isa_table[i];
    return *n ? rows[0] : NULL;
}

/* The canonical field values of a row (what its EQ rules demand). */
static struct pbpf_insn row_insn(const struct pbpf_opinfo *op)
{
    struct pbpf_insn in = {op->code, 0, 0, 0};
    uint8_t src = op->src.kind == PBPF_RULE_EQ ? (uint8_t)op->src.value : 0;
    in.regs = PBPF_INSN_REGS(0, src);
    if (op->off.kind == PBPF_RULE_EQ)
        in.off = (int16_t)op->off.value;
    if (op->imm.kind == PBPF_RULE_EQ)
        in.imm = op->imm.value;
    return in;
}

static int set_dst(struct pbpf_insn *in, uint8_t r) { in->regs = PBPF_INSN_REGS(r, PBPF_INSN_SRC(in)); return 0; }
static int set_src(struct pbpf_insn *in, uint8_t r) { in->regs = PBPF_INSN_REGS(PBPF_INSN_DST(in), r); return 0; }

static int need(struct asm_state *st, size_t have, size_t want, const char *mn)
{
    if (have != want)
        return asm_fail(st, "'%s' takes %zu operand%s, got %zu", mn, want, want == 1 ? "" : "s",
                        have);
    return 0;
}

/* One instruction in conformance syntax: tok[0] is the mnemonic. */
static int asm_conformance(struct asm_state *st, char **tok, size_t ntok, int pass)
{
    char mn[48];
    size_t first_operand = 1;
    if (ntok == 0)
        return asm_fail(st, "empty instruction");
    if (!strcmp(tok[0], "lock")) {
        if (ntok >= 3 && !strcmp(tok[1], "fetch")) {
            snprintf(mn, sizeof mn, "lock fetch %s", tok[2]);
            first_operand = 3;
        } else if (ntok >= 2) {
            snprintf(mn, sizeof mn, "lock %s", tok[1]);
            first_operand = 2;
        } else {
            return asm_fail(st, "incomplete lock instruction");
        }
    } else {
        snprintf(mn, sizeof mn, "%s", tok[0]);
    }
    char **ops = tok + first_operand;
    size_t nops = ntok - first_operand;

    const struct pbpf_opinfo *rows[16];
    size_t nrows;
    if (!rows_named(mn, rows, &nrows)) {
        /* `add64` means `add`; `swap16` means `bswap16` */
        char alt[56];
        size_t len = strlen(mn);
        if (len > 2 && !strcmp(mn + len - 2, "64") && strncmp(mn, "movsx", 5) &&
            strncmp(mn, "le", 2) && strncmp(mn, "be", 2) && strncmp(mn, "bswap", 5) &&
            strncmp(mn, "swap", 4)) {
            snprintf(alt, sizeof alt, "%.*s", (int)(len - 2), mn);
            rows_named(alt, rows, &nrows);
        } else if (!strncmp(mn, "swap", 4)) {
            snprintf(alt, sizeof alt, "b%s", mn);
            rows_named(alt, rows, &nrows);
        }
        if (!nrows)
            return asm_fail(st, "unknown mnemonic '%s'", mn);
    }

    /* Pick the row by operand shape. */
    const struct pbpf_opinfo *op = NULL;
    unsigned want_fmt_x = nops >= 2 && is_reg(ops[1]);
    for (size_t i = 0; i < nrows && !op; i++) {
        const struct pbpf_opinfo *r = rows[i];
        switch (r->fmt) {
        case PBPF_FMT_ALU_K:
            if (!want_fmt_x)
                op = r;
            break;
        case PBPF_FMT_ALU_X:
            if (want_fmt_x)
                op = r;
            break;
        case PBPF_FMT_JCOND_K:
            if (!want_fmt_x)
                op = r;
            break;
        case PBPF_FMT_JCOND_X:
            if (want_fmt_x)
                op = r;
            break;
        case PBPF_FMT_CALL:
            if (nops == 1 && !is_reg(ops[0]) && strcmp(ops[0], "local"))
                op = r;
            break;
        case PBPF_FMT_CALL_LOCAL:
            if (nops == 2 && !strcmp(ops[0], "local"))
                op = r;
            break;
        case PBPF_FMT_CALLX:
            if (nops == 1 && is_reg(ops[0]))
                op = r;
            break;
        case PBPF_FMT_CALL_KFUNC:
            break;
        case PBPF_FMT_LDDW:
            if (r->src.kind == PBPF_RULE_ZERO)
                op = r;
            break;
        default:
            op = r;
            break;
        }
    }
    if (!op)
        return asm_fail(st, "invalid operands for '%s'", mn);

    size_t pc = st->cnt;
    struct pbpf_insn in = row_insn(op);
    uint8_t r;
    int64_t rel;
    switch (op->fmt) {
    case PBPF_FMT_ALU_K:
        if (need(st, nops, 2, mn) || parse_reg(st, ops[0], &r) || parse_imm32(st, ops[1], &in.imm))
            return -EINVAL;
        set_dst(&in, r);
        break;
    case PBPF_FMT_ALU_X:
    case PBPF_FMT_MOVSX:
        if (need(st, nops, 2, mn) || parse_reg(st, ops[0], &r))
            return -EINVAL;
        set_dst(&in, r);
        if (parse_reg(st, ops[1], &r))
            return -EINVAL;
        set_src(&in, r);
        break;
    case PBPF_FMT_NEG:
    case PBPF_FMT_END:
        if (need(st, nops, 1, mn) || parse_reg(st, ops[0], &r))
            return -EINVAL;
        set_dst(&in, r);
        break;
    case PBPF_FMT_LDDW: {
        int64_t v;
        if (need(st, nops, 2, mn) || parse_reg(st, ops[0], &r))
            return -EINVAL;
        if (pbpf_asm_parse_number(ops[1], &v, 1))
            return asm_fail(st, "invalid 64-bit immediate '%s'", ops[1]);
        set_dst(&in, r);
        in.imm = (int32_t)(uint32_t)(uint64_t)v;
        struct pbpf_insn hi = {0, 0, 0, (int32_t)(uint32_t)((uint64_t)v >> 32)};
        if (emit(st, in) || emit(st, hi))
            return -ENOMEM;
        return 0;
    }
    case PBPF_FMT_LDX: {
        uint8_t base;
        if (need(st, nops, 2, mn) || parse_reg(st, ops[0], &r) ||
            parse_mem(st, ops[1], &base, &in.off))
            return -EINVAL;
        in.regs = PBPF_INSN_REGS(r, base);
        break;
    }
    case PBPF_FMT_ST: {
        uint8_t base;
        if (need(st, nops, 2, mn) || parse_mem(st, ops[0], &base, &in.off) ||
            parse_imm32(st, ops[1], &in.imm))
            return -EINVAL;
        set_dst(&in, base);
        break;
    }
    case PBPF_FMT_STX:
    case PBPF_FMT_ATOMIC: {
        uint8_t base;
        if (need(st, nops, 2, mn) || parse_mem(st, ops[0], &base, &in.off) ||
            parse_reg(st, ops[1], &r))
            return -EINVAL;
        in.regs = PBPF_INSN_REGS(base, r);
        break;
    }
    case PBPF_FMT_JA:
        if (need(st, nops, 1, mn))
            return -EINVAL;
        if (pass == 2) {
            if (parse_target(st, ops[0], pc, &rel))
                return -EINVAL;
            if (rel < INT16_MIN || rel > INT16_MAX)
                return asm_fail(st, "jump offset %lld does not fit 16 bits (use ja32)",
                                (long long)rel);
            in.off = (int16_t)rel;
        }
        break;
    case PBPF_FMT_JA32:
        if (need(st, nops, 1, mn))
            return -EINVAL;
        if (pass == 2) {
            if (parse_target(st, ops[0], pc, &rel))
                return -EINVAL;
            in.imm = (int32_t)rel;
        }
        break;
    case PBPF_FMT_JCOND_K:
    case PBPF_FMT_JCOND_X:
        if (need(st, nops, 3, mn) || parse_reg(st, ops[0], &r))
            return -EINVAL;
        set_dst(&in, r);
        if (op->fmt == PBPF_FMT_JCOND_X) {
            if (parse_reg(st, ops[1], &r))
                return -EINVAL;
            set_src(&in, r);
        } else if (parse_imm32(st, ops[1], &in.imm)) {
            return -EINVAL;
        }
        if (pass == 2) {
            if (parse_target(st, ops[2], pc, &rel))
                return -EINVAL;
            if (rel < INT16_MIN || rel > INT16_MAX)
                return asm_fail(st, "jump offset %lld does not fit 16 bits", (long long)rel);
            in.off = (int16_t)rel;
        }
        break;
    case PBPF_FMT_CALL:
        if (parse_imm32(st, ops[0], &in.imm))
            return -EINVAL;
        break;
    case PBPF_FMT_CALL_LOCAL:
        if (pass == 2) {
            if (parse_target(st, ops[1], pc, &rel))
                return -EINVAL;
            in.imm = (int32_t)rel;
        }
        break;
    case PBPF_FMT_CALLX:
        if (parse_reg(st, ops[0], &r))
            return -EINVAL;
        set_dst(&in, r);
        break;
    case PBPF_FMT_EXIT:
        if (need(st, nops, 0, mn))
            return -EINVAL;
        if (pass == 1 && !st->have_exit_label) {
            st->have_exit_label = 1;
            st->exit_slot = pc;
        }
        break;
    case PBPF_FMT_LDABS:
        if (need(st, nops, 1, mn) || parse_imm32(st, ops[0], &in.imm))
            return -EINVAL;
        break;
    case PBPF_FMT_LDIND:
        if (need(st, nops, 2, mn) || parse_reg(st, ops[0], &r) || parse_imm32(st, ops[1], &in.imm))
            return -EINVAL;
        set_src(&in, r);
        break;
    default:
        return asm_fail(st, "cannot assemble '%s'", mn);
    }
    return emit(st, in);
}

static int asm_pass(struct asm_state *st, int pass)
{
    const char *p = st->text;
    st->line_no = 0;
    st->cnt = 0;
    /* the implicit `exit` label is found in pass 1 and used in pass 2 */
    if (pass == 1)
        st->have_exit_label = 0;
    char line[512];
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        st->line_no++;
        if (len >= sizeof line)
            return asm_fail(st, "line too long");
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (eol ? 1 : 0);

        char *hash = strpbrk(line, "#;");
        if (hash)
            *hash = '\0';
        /* llvm-objdump listings: "   3:\t07 01 ...\tr1 += 0x1" — drop the
         * address and byte columns if present */
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        size_t end = strlen(s);
        while (end && isspace((unsigned char)s[end - 1]))
            s[--end] = '\0';
        if (!*s)
            continue;
        /* labels, possibly followed by an instruction */
        char *colon = strchr(s, ':');
        if (colon && !strpbrk(s, " \t=[(") ) {
            *colon = '\0';
            if (pass == 1) {
                if (st->nlabels >= MAX_LABELS)
                    return asm_fail(st, "too many labels");
                size_t dummy;
                if (find_label(st, s, &dummy) && strcmp(s, "exit"))
                    return asm_fail(st, "label '%s' defined twice", s);
                snprintf(st->labels[st->nlabels].name, sizeof st->labels[0].name, "%s", s);
                st->labels[st->nlabels++].slot = st->cnt;
            }
            s = colon + 1;
            while (isspace((unsigned char)*s))
                s++;
            if (!*s)
                continue;
        }
        int rc;
        if (pbpf_asm_is_llvm_line(s)) {
            rc = pbpf_asm_llvm_line(s, pass, st->cnt, st->err, st->err_size, st->line_no,
                                    pbpf_asm_emit_cb, st);
        } else {
            char *tok[MAX_TOKENS] = {0};
            size_t ntok = tokenize(s, tok, MAX_TOKENS);
            rc = asm_conformance(st, tok, ntok, pass);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int pbpf_asm_emit_cb(void *state, struct pbpf_insn in)
{
    return emit((struct asm_state *)state, in);
}

int pbpf_asm(const char *text, struct pbpf_insn **out, size_t *cnt, char *err, size_t err_size)
{
    *out = NULL;
    *cnt = 0;
    if (err && err_size)
        err[0] = '\0';
    if (!text)
        return -EINVAL;
    struct asm_state *st = pbpf_calloc(1, sizeof *st);
    if (!st)
        return -ENOMEM;
    st->text = text;
    st->err = err;
    st->err_size = err_size;
    int rc = asm_pass(st, 1);
    if (!rc)
        rc = asm_pass(st, 2);
    if (!rc && st->cnt == 0) {
        st->line_no = 0;
        rc = asm_fail(st, "no instructions");
    }
    if (rc) {
        pbpf_free(st->out);
    } else {
        *out = st->out;
        *cnt = st->cnt;
    }
    pbpf_free(st);
    return rc;
}

void pbpf_free_insns(struct pbpf_insn *insns) { pbpf_free(insns); }
