/* Assembler: text in the conformance files' syntax or in llvm-objdump's
 * (the two styles of the disassembler) to instructions.  Every line is
 * matched against the templates of all ISA table rows (syntax.h), so the
 * assembler knows exactly the instructions the table knows and accepts
 * exactly what the disassembler prints.
 *
 * Beyond the two syntaxes, a line may carry: "name:" labels (also before an
 * instruction on the same line), "#" or ";" comments, a listing prefix
 * ("12:" and llvm-objdump's hex bytes), llvm-objdump's " <LBB0_2>" target
 * annotation, and ".insn 0x..." for one raw slot (little-endian 64-bit, as
 * the disassembler prints what is not an instruction).  Spellings of ours
 * where llvm has none: "call pc+N" (local call), "call kfunc N[, off]",
 * "r1 = map_fd(N) ll" and the other lddw pseudo sources (syntax.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "isa/syntax.h"
#include "pbpf/pbpf.h"
#include "platform/platform.h"

#define NSTYLES 3

/* Values a template match captured. */
struct fields {
    int dst, src;      /* -1: not in the text */
    int has_off, has_imm;
    int16_t off;
    int32_t imm;
    int32_t imm2;      /* second slot of lddw */
    const char *label; /* jump target given as a label */
    size_t label_len;
    int label_in_imm;  /* $T: the target goes to imm, else to off */
};

/* Where and why the best (farthest) failed match stopped. */
struct failure {
    const char *pos;
    char why[128];
};

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}
static int is_ident(char c) { return is_ident_start(c) || is_digit(c); }

static const char *skip_space(const char *p)
{
    while (is_space(*p))
        p++;
    return p;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void set_why(struct failure *f, const char *pos, const char *fmt, ...)
{
    /* keep the first explanation given at the farthest position */
    if (f->pos && (pos < f->pos || (pos == f->pos && f->why[0])))
        return;
    f->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof(f->why), fmt, ap);
    va_end(ap);
}

/* An unsigned number, decimal or 0x hex.  Returns the end, or NULL if there
 * is none there; *overflow is set when it exceeds 64 bits. */
static const char *read_number(const char *p, uint64_t *v, int *overflow)
{
    uint64_t x = 0;
    int base = 10;
    *overflow = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hex_digit(p[2]) >= 0) {
        base = 16;
        p += 2;
    } else if (!is_digit(*p)) {
        return NULL;
    }
    for (;; p++) {
        int d = hex_digit(*p);
        if (d < 0 || d >= base)
            break;
        if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            *overflow = 1;
        x = x * (uint64_t)base + (uint64_t)d;
    }
    if (is_ident(*p)) /* "12abc", "0x1g": not a number */
        return NULL;
    *v = x;
    return p;
}

/* An optionally signed number: *neg, *mag.  sign_required: the "+"/"-" is
 * part of the syntax (offsets). */
static const char *read_signed(const char *p, int *neg, uint64_t *mag, int *had_sign,
                               struct failure *f)
{
    const char *start = p;
    *neg = 0;
    *had_sign = 0;
    if (*p == '+' || *p == '-') {
        *neg = *p == '-';
        *had_sign = 1;
        p = skip_space(p + 1);
    }
    int overflow;
    const char *e = read_number(p, mag, &overflow);
    if (!e) {
        set_why(f, p, "expected a number at '%.20s'", p);
        return NULL;
    }
    if (overflow) {
        set_why(f, start, "number '%.*s' exceeds 64 bits", (int)(e - start), start);
        return NULL;
    }
    return e;
}

/* Converts sign and magnitude to a value in [lo, hi]; 32-bit immediates also
 * take their unsigned spelling (0xffffffff = -1) and the 64-bit
 * sign-extended one (0xffffffffffffffff = -1). */
static int to_range(int neg, uint64_t mag, int64_t lo, int64_t hi, int unsigned32, int64_t *out)
{
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return 0;
        int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        if (v < lo)
            return 0;
        *out = v;
        return 1;
    }
    if (mag <= (uint64_t)hi) {
        *out = (int64_t)mag;
        return 1;
    }
    if (unsigned32 && mag <= UINT32_MAX) {
        *out = (int32_t)(uint32_t)mag;
        return 1;
    }
    if (unsigned32 && mag >= (uint64_t)INT64_MIN + (uint64_t)INT64_MAX - (uint64_t)INT32_MAX) {
        /* 0xffffffff80000000 .. 0xffffffffffffffff */
        *out = (int64_t)(mag - UINT64_MAX - 1);
        return 1;
    }
    return 0;
}

static const char *read_reg(const char *p, int *reg, struct failure *f)
{
    if (!is_digit(*p)) {
        set_why(f, p, "expected a register number at '%.20s'", p);
        return NULL;
    }
    int r = 0;
    const char *s = p;
    while (is_digit(*p) && r < 100)
        r = r * 10 + (*p++ - '0');
    if (is_digit(*p) || r > 10) {
        while (is_digit(*p))
            p++;
        set_why(f, s, "no register r%.*s (registers are r0..r10)", (int)(p - s), s);
        return NULL;
    }
    if (is_ident(*p)) {
        set_why(f, p, "bad register name at '%.20s'", s);
        return NULL;
    }
    *reg = r;
    return p;
}

/* A jump target: "+N", "-N", "N" (slots after the next instruction) or a
 * label. */
static const char *read_target(const char *p, int64_t lo, int64_t hi, int64_t *rel,
                               struct fields *v, struct failure *f)
{
    if (is_ident_start(*p)) {
        const char *s = p;
        while (is_ident(*p))
            p++;
        v->label = s;
        v->label_len = (size_t)(p - s);
        *rel = 0;
        return p;
    }
    int neg, had_sign;
    uint64_t mag;
    const char *s = p;
    const char *e = read_signed(p, &neg, &mag, &had_sign, f);
    if (!e)
        return NULL;
    if (!to_range(neg, mag, lo, hi, 0, rel)) {
        set_why(f, s, "jump offset %.*s out of range", (int)(e - s), s);
        return NULL;
    }
    return e;
}

/* Matches line (already trimmed) against template t. */
static int match(const char *t, const char *line, struct fields *v, struct failure *f)
{
    const char *p = line;
    memset(v, 0, sizeof(*v));
    v->dst = v->src = -1;
    while (*t) {
        if (*t == ' ') {
            p = skip_space(p);
            t++;
            continue;
        }
        if (*t == ',') {
            /* conformance files separate operands by "," and/or blanks */
            p = skip_space(p);
            if (*p == ',')
                p++;
            t++;
            continue;
        }
        if (*t != '$') {
            p = skip_space(p);
            if (*p != *t) {
                set_why(f, p, "");
                return 0;
            }
            p++;
            t++;
            continue;
        }
        char ph = t[1];
        t += 2;
        p = skip_space(p);
        const char *s = p;
        int neg, had_sign;
        uint64_t mag;
        int64_t x;
        switch (ph) {
        case 'd':
        case 's': {
            int r;
            if (!(p = read_reg(p, &r, f)))
                return 0;
            int *slot = ph == 'd' ? &v->dst : &v->src;
            if (*slot >= 0 && *slot != r) {
                /* "r1 = -r1": the repeated register must be the same */
                set_why(f, s, "register r%d must be r%d here", r, *slot);
                return 0;
            }
            *slot = r;
            break;
        }
        case 'o':
        case 'k':
            if (*p != '+' && *p != '-') {
                if (ph == 'o' && (*p == ']' || *p == ')')) {
                    v->off = 0; /* "[%r1]" */
                    v->has_off = 1;
                    break;
                }
                set_why(f, p, "expected '+' or '-' at '%.20s'", p);
                return 0;
            }
            if (!(p = read_signed(p, &neg, &mag, &had_sign, f)))
                return 0;
            if (ph == 'o') {
                if (!to_range(neg, mag, INT16_MIN, INT16_MAX, 0, &x)) {
                    set_why(f, s, "offset %.*s out of range (16 bits)", (int)(p - s), s);
                    return 0;
                }
                v->off = (int16_t)x;
                v->has_off = 1;
            } else {
                if (!to_range(neg, mag, INT32_MIN, INT32_MAX, 0, &x)) {
                    set_why(f, s, "immediate %.*s out of range (32 bits)", (int)(p - s), s);
                    return 0;
                }
                v->imm = (int32_t)x;
                v->has_imm = 1;
            }
            break;
        case 'i':
            if (!(p = read_signed(p, &neg, &mag, &had_sign, f)))
                return 0;
            if (!to_range(neg, mag, INT32_MIN, INT32_MAX, 1, &x)) {
                set_why(f, s, "immediate %.*s out of range (32 bits)", (int)(p - s), s);
                return 0;
            }
            v->imm = (int32_t)x;
            v->has_imm = 1;
            break;
        case 'L': {
            if (!(p = read_signed(p, &neg, &mag, &had_sign, f)))
                return 0;
            if (neg && mag > (uint64_t)INT64_MAX + 1) {
                set_why(f, s, "immediate %.*s out of range (64 bits)", (int)(p - s), s);
                return 0;
            }
            uint64_t u = neg ? (uint64_t)0 - mag : mag;
            v->imm = (int32_t)(uint32_t)u;
            v->imm2 = (int32_t)(uint32_t)(u >> 32);
            v->has_imm = 1;
            break;
        }
        case 'J':
        case 'O':
            if (*p != ',')
                break;
            p = skip_space(p + 1);
            s = p;
            if (!(p = read_signed(p, &neg, &mag, &had_sign, f)))
                return 0;
            if (ph == 'J') {
                if (!to_range(neg, mag, INT32_MIN, INT32_MAX, 1, &x)) {
                    set_why(f, s, "immediate %.*s out of range (32 bits)", (int)(p - s), s);
                    return 0;
                }
                v->imm2 = (int32_t)x;
            } else {
                if (!to_range(neg, mag, INT16_MIN, INT16_MAX, 0, &x)) {
                    set_why(f, s, "offset %.*s out of range (16 bits)", (int)(p - s), s);
                    return 0;
                }
                v->off = (int16_t)x;
                v->has_off = 1;
            }
            break;
        case 't':
            if (!(p = read_target(p, INT16_MIN, INT16_MAX, &x, v, f)))
                return 0;
            v->off = (int16_t)x;
            v->has_off = 1;
            break;
        case 'T':
            if (!(p = read_target(p, INT32_MIN, INT32_MAX, &x, v, f)))
                return 0;
            v->imm = (int32_t)x;
            v->has_imm = 1;
            v->label_in_imm = 1;
            break;
        default:
            return 0;
        }
    }
    p = skip_space(p);
    if (*p) {
        set_why(f, p, "unexpected '%.20s'", p);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */

struct label {
    const char *name;
    size_t len;
    size_t slot;
    unsigned line;
};

struct fixup {
    size_t slot; /* the jump or call */
    const char *name;
    size_t len;
    int in_imm;
    unsigned line;
};

struct assembler {
    struct pbpf_insn *insns;
    size_t cnt, cap;
    struct label *labels;
    size_t nlabels, labels_cap;
    struct fixup *fixups;
    size_t nfixups, fixups_cap;
    long first_exit; /* slot of the first exit: the implicit label "exit" */
    char *err;
    size_t err_size;
};

static int errorf(struct assembler *a, int rc, unsigned line, const char *fmt, ...)
{
    if (a->err && a->err_size) {
        int n = line ? snprintf(a->err, a->err_size, "line %u: ", line) : 0;
        if (n < 0)
            n = 0;
        if ((size_t)n < a->err_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(a->err + n, a->err_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *np = pbpf_realloc(*p, ncap * elem);
    if (!np)
        return -ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

static int emit(struct assembler *a, const struct pbpf_insn *in, unsigned line)
{
    if (a->cnt >= PBPF_MAX_INSNS)
        return errorf(a, -E2BIG, line, "more than %u instructions", PBPF_MAX_INSNS);
    if (grow((void **)&a->insns, &a->cap, a->cnt + 1, sizeof(*in)))
        return errorf(a, -ENOMEM, line, "out of memory");
    a->insns[a->cnt++] = *in;
    return 0;
}

static const struct label *find_label(const struct assembler *a, const char *name, size_t len)
{
    for (size_t i = 0; i < a->nlabels; i++)
        if (a->labels[i].len == len && !memcmp(a->labels[i].name, name, len))
            return &a->labels[i];
    return NULL;
}

static int define_label(struct assembler *a, const char *name, size_t len, unsigned line)
{
    const struct label *old = find_label(a, name, len);
    if (old)
        return errorf(a, -EINVAL, line, "label '%.*s' already defined on line %u", (int)len, name,
                      old->line);
    if (grow((void **)&a->labels, &a->labels_cap, a->nlabels + 1, sizeof(*a->labels)))
        return errorf(a, -ENOMEM, line, "out of memory");
    a->labels[a->nlabels++] = (struct label){name, len, a->cnt, line};
    return 0;
}

/* Whether word is (the last word of) a mnemonic of the table. */
static int known_word(const char *w, size_t len)
{
    for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
        const char *m = pbpf_isa_table[i].mnemonic;
        const char *last = strrchr(m, ' ');
        last = last ? last + 1 : m;
        if (strlen(last) == len && !memcmp(last, w, len))
            return 1;
    }
    return 0;
}

/* Spellings the conformance syntax allows besides the table's mnemonics
 * (README §1): "add64" for "add", "swap16" for "bswap16".  Rewrites the
 * mnemonic word of line into buf. */
static const char *normalize(const char *line, char *buf, size_t size)
{
    const char *w = line;
    if (!strncmp(w, "lock", 4) && is_space(w[4])) {
        w = skip_space(w + 4);
        if (!strncmp(w, "fetch", 5) && is_space(w[5]))
            w = skip_space(w + 5);
    }
    const char *e = w;
    while (is_ident(*e))
        e++;
    size_t len = (size_t)(e - w);
    if (len == 0 || known_word(w, len))
        return line;
    const char *drop = NULL, *add = "";
    if (len > 2 && !memcmp(e - 2, "64", 2) && known_word(w, len - 2))
        drop = e - 2;
    else if (len > 4 && !memcmp(w, "swap", 4) && len < 32) {
        char tmp[40];
        snprintf(tmp, sizeof(tmp), "b%.*s", (int)len, w);
        if (known_word(tmp, len + 1)) {
            add = "b";
            drop = e;
        }
    }
    if (!drop)
        return line;
    int n = snprintf(buf, size, "%.*s%s%.*s%s", (int)(w - line), line, add, (int)(drop - w), w, e);
    return n > 0 && (size_t)n < size ? buf : line;
}

/* Builds the instruction of row op from the captured fields. */
static void encode(const struct pbpf_opinfo *op, const struct fields *v, struct pbpf_insn out[2])
{
    memset(out, 0, 2 * sizeof(*out));
    int dst = v->dst >= 0 ? v->dst : 0;
    int src = v->src >= 0 ? v->src : (op->src.kind == PBPF_RULE_EQ ? (int)op->src.value : 0);
    out[0].code = op->code;
    out[0].regs = PBPF_INSN_REGS(dst, src);
    out[0].off = v->has_off ? v->off : (int16_t)(op->off.kind == PBPF_RULE_EQ ? op->off.value : 0);
    out[0].imm = v->has_imm ? v->imm : (op->imm.kind == PBPF_RULE_EQ ? op->imm.value : 0);
    out[1].imm = v->imm2;
}

/* ".insn 0x0123456789abcdef": one raw slot, as the disassembler prints an
 * instruction it does not know. */
static int raw_slot(struct assembler *a, const char *p, unsigned line)
{
    uint64_t v;
    int overflow;
    const char *e = read_number(skip_space(p), &v, &overflow);
    if (!e || overflow || *skip_space(e))
        return errorf(a, -EINVAL, line, ".insn needs one 64-bit number");
    struct pbpf_insn in = {
        .code = (uint8_t)v,
        .regs = (uint8_t)(v >> 8),
        .off = (int16_t)(uint16_t)(v >> 16),
        .imm = (int32_t)(uint32_t)(v >> 32),
    };
    return emit(a, &in, line);
}

static int assemble_line(struct assembler *a, char (*tmpl)[PBPF_XOP_COUNT][PBPF_SYNTAX_TEMPLATE_MAX],
                         const char *line, unsigned no)
{
    if (!strncmp(line, ".insn", 5) && (is_space(line[5]) || !line[5]))
        return raw_slot(a, line + 5, no);
    char norm[256];
    const char *text = normalize(line, norm, sizeof(norm));
    struct failure f = {0};
    struct fields v;
    for (int s = 0; s < NSTYLES; s++) {
        for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
            if (!tmpl[s][i][0] || !match(tmpl[s][i], text, &v, &f))
                continue;
            const struct pbpf_opinfo *op = &pbpf_isa_table[i];
            struct pbpf_insn in[2];
            encode(op, &v, in);
            if (v.label) {
                if (grow((void **)&a->fixups, &a->fixups_cap, a->nfixups + 1,
                         sizeof(*a->fixups)))
                    return errorf(a, -ENOMEM, no, "out of memory");
                a->fixups[a->nfixups++] =
                    (struct fixup){a->cnt, v.label, v.label_len, v.label_in_imm, no};
            }
            if (op->fmt == PBPF_FMT_EXIT && a->first_exit < 0)
                a->first_exit = (long)a->cnt;
            int rc = emit(a, &in[0], no);
            if (!rc && op->fmt == PBPF_FMT_LDDW)
                rc = emit(a, &in[1], no);
            return rc;
        }
    }
    /* Nothing matched: explain the attempt that got farthest. */
    const char *w = line;
    while (is_ident(*w))
        w++;
    if (!f.pos || f.pos <= w)
        return errorf(a, -EINVAL, no, "unknown instruction '%.*s'", (int)(w > line ? w - line : 1),
                      line);
    if (f.why[0])
        return errorf(a, -EINVAL, no, "%s", f.why);
    return errorf(a, -EINVAL, no, "syntax error at '%.40s' in '%.60s'", f.pos, line);
}

static int resolve(struct assembler *a)
{
    for (size_t i = 0; i < a->nfixups; i++) {
        const struct fixup *fx = &a->fixups[i];
        const struct label *l = find_label(a, fx->name, fx->len);
        long target;
        if (l)
            target = (long)l->slot;
        else if (fx->len == 4 && !memcmp(fx->name, "exit", 4) && a->first_exit >= 0)
            target = a->first_exit; /* README §1: the first exit is label "exit" */
        else
            return errorf(a, -EINVAL, fx->line, "unknown label '%.*s'", (int)fx->len, fx->name);
        /* RFC 9669 §4.3: offsets count slots from the next instruction */
        long rel = target - (long)fx->slot - 1;
        struct pbpf_insn *in = &a->insns[fx->slot];
        if (fx->in_imm) {
            in->imm = (int32_t)rel;
        } else {
            if (rel < INT16_MIN || rel > INT16_MAX)
                return errorf(a, -EINVAL, fx->line, "label '%.*s' is too far away (%ld slots)",
                              (int)fx->len, fx->name, rel);
            in->off = (int16_t)rel;
        }
    }
    return 0;
}

/* Listings number their lines: "   12: r0 = 0x1" (pbpf's CLI) or
 * "   12:\tb7 00 00 00 01 00 00 00\tr0 = 0x1" (llvm-objdump).  The slot
 * number and the bytes are skipped; the text after them is assembled. */
static char *skip_listing_prefix(char *p)
{
    char *q = p;
    while (is_digit(*q))
        q++;
    if (q == p || *q != ':')
        return p;
    q = (char *)skip_space(q + 1);
    /* byte pairs: "b7 00 ..." (no instruction starts with two hex digits
     * and a blank) */
    while (hex_digit(q[0]) >= 0 && hex_digit(q[1]) >= 0 && (is_space(q[2]) || !q[2]))
        q = (char *)skip_space(q + 2);
    return q;
}

int pbpf_asm(const char *text, struct pbpf_insn **out, size_t *cnt, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = 0;
    if (!text || !out || !cnt) {
        if (err && err_size)
            snprintf(err, err_size, "no text to assemble");
        return -EINVAL;
    }
    *out = NULL;
    *cnt = 0;
    struct assembler a = {.first_exit = -1, .err = err, .err_size = err_size};
    char(*tmpl)[PBPF_XOP_COUNT][PBPF_SYNTAX_TEMPLATE_MAX] =
        pbpf_malloc(sizeof(*tmpl) * NSTYLES);
    char *buf = NULL;
    int rc = 0;
    if (!tmpl)
        return errorf(&a, -ENOMEM, 0, "out of memory");
    /* conformance first: its lines start with a mnemonic, llvm's rarely do */
    for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
        pbpf_syntax_template(&pbpf_isa_table[i], PBPF_DISASM_CONFORMANCE, tmpl[0][i]);
        pbpf_syntax_template(&pbpf_isa_table[i], PBPF_DISASM_LLVM, tmpl[1][i]);
        pbpf_syntax_template(&pbpf_isa_table[i], PBPF_SYNTAX_LLVM14, tmpl[2][i]);
    }

    size_t len = strlen(text);
    buf = pbpf_malloc(len + 1);
    if (!buf) {
        rc = errorf(&a, -ENOMEM, 0, "out of memory");
        goto out;
    }
    memcpy(buf, text, len + 1);

    unsigned no = 0;
    for (char *line = buf; line && *line && !rc;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        no++;
        /* comments: '#' (conformance files) and ';' */
        char *c = strpbrk(line, "#;");
        if (c)
            *c = 0;
        char *e = line + strlen(line);
        while (e > line && is_space(e[-1]))
            *--e = 0;
        /* llvm-objdump's annotation of a jump target: "goto +0x6 <LBB0_2>" */
        if (e > line && e[-1] == '>') {
            char *lt = strrchr(line, '<');
            if (lt && lt > line && is_space(lt[-1])) {
                *lt = 0;
                e = lt;
                while (e > line && is_space(e[-1]))
                    *--e = 0;
            }
        }
        char *p = skip_listing_prefix((char *)skip_space(line));
        /* "name:" defines a label, possibly before an instruction */
        while (is_ident_start(*p)) {
            char *q = p;
            while (is_ident(*q))
                q++;
            char *colon = (char *)skip_space(q);
            if (*colon != ':')
                break;
            if ((rc = define_label(&a, p, (size_t)(q - p), no)) != 0)
                break;
            p = (char *)skip_space(colon + 1);
        }
        if (!rc && *p)
            rc = assemble_line(&a, tmpl, p, no);
        line = nl ? nl + 1 : NULL;
    }
    if (!rc && a.cnt == 0)
        rc = errorf(&a, -EINVAL, 0, "no instructions");
    if (!rc)
        rc = resolve(&a);
out:
    /* labels and fixups point into buf: release it only now */
    pbpf_free(buf);
    pbpf_free(tmpl);
    pbpf_free(a.labels);
    pbpf_free(a.fixups);
    if (rc) {
        pbpf_free(a.insns);
        return rc;
    }
    *out = a.insns;
    *cnt = a.cnt;
    return 0;
}

void pbpf_free_insns(struct pbpf_insn *insns) { pbpf_free(insns); }
