/* Assembler front end for llvm-objdump's BPF syntax (what pbpf's
 * disassembler prints in its default style): `r1 += 0x5`, `w0 = w1`,
 * `if r1 s> 0x3 goto +2`, `r0 = *(u32 *)(r1 + 0x4)`, `lock *(u64 *)(r1 +
 * 0x0) += r2`, `r0 = atomic_fetch_add((u64 *)(r1 + 0x0), r0)`, ... */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/asm_internal.h"
#include "isa/isa.h"

struct cursor {
    const char *p;
    char *err;
    size_t err_size;
    size_t line_no;
};

static int cfail(struct cursor *c, const char *fmt, ...)
{
    if (c->err && c->err_size) {
        int n = snprintf(c->err, c->err_size, "line %zu: ", c->line_no);
        if (n >= 0 && (size_t)n < c->err_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

static void skip_ws(struct cursor *c)
{
    while (isspace((unsigned char)*c->p))
        c->p++;
}

static int accept(struct cursor *c, const char *lit)
{
    skip_ws(c);
    size_t n = strlen(lit);
    if (strncmp(c->p, lit, n))
        return 0;
    c->p += n;
    return 1;
}

static int expect(struct cursor *c, const char *lit)
{
    if (!accept(c, lit))
        return cfail(c, "expected '%s' at '%s'", lit, c->p);
    return 0;
}

/* rN or wN; *is32 tells which. */
static int reg(struct cursor *c, uint8_t *r, int *is32)
{
    skip_ws(c);
    if ((c->p[0] != 'r' && c->p[0] != 'w') || !isdigit((unsigned char)c->p[1]))
        return cfail(c, "expected a register at '%s'", c->p);
    if (is32)
        *is32 = c->p[0] == 'w';
    c->p++;
    int n = 0;
    while (isdigit((unsigned char)*c->p) && n <= 10)
        n = n * 10 + (*c->p++ - '0');
    if (n > 10 || isdigit((unsigned char)*c->p))
        return cfail(c, "invalid register");
    *r = (uint8_t)n;
    return 0;
}

static int peek_reg(struct cursor *c)
{
    skip_ws(c);
    return (c->p[0] == 'r' || c->p[0] == 'w') && isdigit((unsigned char)c->p[1]);
}

static int number(struct cursor *c, int64_t *v, int allow_u64)
{
    skip_ws(c);
    char buf[40];
    size_t n = 0;
    while ((isalnum((unsigned char)c->p[n]) || (n == 0 && (c->p[n] == '-' || c->p[n] == '+'))) &&
           n + 1 < sizeof buf) {
        buf[n] = c->p[n];
        n++;
    }
    buf[n] = '\0';
    if (!n || pbpf_asm_parse_number(buf, v, allow_u64))
        return cfail(c, "expected a number at '%s'", c->p);
    c->p += n;
    return 0;
}

static int imm32(struct cursor *c, int32_t *out)
{
    int64_t v;
    if (number(c, &v, 0))
        return -EINVAL;
    if (v < INT32_MIN || v > (int64_t)UINT32_MAX)
        return cfail(c, "immediate %lld does not fit 32 bits", (long long)v);
    *out = (int32_t)(uint32_t)(uint64_t)v;
    return 0;
}

/* "+ 0x4" / "- 0x8" inside a memory operand */
static int mem_off(struct cursor *c, int16_t *off)
{
    skip_ws(c);
    int neg;
    if (*c->p == '+')
        neg = 0;
    else if (*c->p == '-')
        neg = 1;
    else
        return cfail(c, "expected + or - offset at '%s'", c->p);
    c->p++;
    int64_t v;
    if (number(c, &v, 0))
        return -EINVAL;
    if (neg)
        v = -v;
    if (v < INT16_MIN || v > INT16_MAX)
        return cfail(c, "offset %lld does not fit 16 bits", (long long)v);
    *off = (int16_t)v;
    return 0;
}

/* "(u32 *)(r1 + 0x4)" after the '*' — size and signedness */
static int mem_operand(struct cursor *c, unsigned *size, int *sign, uint8_t *base, int16_t *off)
{
    if (expect(c, "("))
        return -EINVAL;
    skip_ws(c);
    *sign = 0;
    if (*c->p == 's')
        *sign = 1;
    else if (*c->p != 'u')
        return cfail(c, "expected u8/u16/u32/u64 at '%s'", c->p);
    c->p++;
    int64_t bits;
    if (number(c, &bits, 0) || (bits != 8 && bits != 16 && bits != 32 && bits != 64))
        return cfail(c, "invalid access size");
    *size = (unsigned)bits / 8;
    if (expect(c, "*") || expect(c, ")"))
        return -EINVAL;
    if (accept(c, "skb[")) { /* legacy packet access */
        *base = 0xff;
        return 0;
    }
    if (expect(c, "(") || reg(c, base, NULL) || mem_off(c, off) || expect(c, ")"))
        return -EINVAL;
    return 0;
}

static uint8_t size_bits(unsigned size)
{
    return size == 1 ? PBPF_SIZE_B : size == 2 ? PBPF_SIZE_H : size == 4 ? PBPF_SIZE_W : PBPF_SIZE_DW;
}

/* The row of the table with this format, operator and class. */
static const struct pbpf_opinfo *find(uint8_t fmt, const char *sym, int cls)
{
    for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
        const struct pbpf_opinfo *o = &pbpf_isa_table[i];
        if (o->fmt == fmt && !strcmp(o->sym, sym) && (cls < 0 || PBPF_CLASS(o->code) == cls))
            return o;
    }
    return NULL;
}

static struct pbpf_insn from_row(const struct pbpf_opinfo *op, uint8_t dst, uint8_t src)
{
    struct pbpf_insn in = {op->code, PBPF_INSN_REGS(dst, src), 0, 0};
    if (op->src.kind == PBPF_RULE_EQ)
        in.regs = PBPF_INSN_REGS(dst, (uint8_t)op->src.value);
    if (op->off.kind == PBPF_RULE_EQ)
        in.off = (int16_t)op->off.value;
    if (op->imm.kind == PBPF_RULE_EQ)
        in.imm = op->imm.value;
    return in;
}

int pbpf_asm_is_llvm_line(const char *s)
{
    return strchr(s, '=') || !strncmp(s, "if ", 3) || !strncmp(s, "goto", 4) ||
           !strncmp(s, "callx ", 6) || !strncmp(s, "call pc", 7) || !strncmp(s, "call kfunc", 10) ||
           !strncmp(s, "lock *", 6);
}

/* Jump target: "+3", "-0x2", optionally followed by " <label>". */
static int target(struct cursor *c, int64_t *rel)
{
    skip_ws(c);
    if (*c->p != '+' && *c->p != '-')
        return cfail(c, "expected +N or -N jump offset at '%s'", c->p);
    if (number(c, rel, 0))
        return -EINVAL;
    skip_ws(c);
    if (*c->p == '<') { /* llvm-objdump's symbolic annotation */
        while (*c->p && *c->p != '>')
            c->p++;
        if (*c->p)
            c->p++;
    }
    return 0;
}

static const char *const alu_ops[] = {"s>>=", "<<=", ">>=", "s/=", "s%=", "+=", "-=", "*=",
                                      "/=",   "|=",  "&=",  "%=",  "^=",  "=",  NULL};
static const char *const cmp_ops[] = {"s>=", "s<=", "s>", "s<", "==", "!=", ">=",
                                      "<=",  ">",   "<",  "&",  NULL};

static const char *which(struct cursor *c, const char *const *ops)
{
    skip_ws(c);
    for (size_t i = 0; ops[i]; i++)
        if (!strncmp(c->p, ops[i], strlen(ops[i]))) {
            c->p += strlen(ops[i]);
            return ops[i];
        }
    return NULL;
}

static int finish(struct cursor *c)
{
    skip_ws(c);
    if (*c->p)
        return cfail(c, "unexpected '%s'", c->p);
    return 0;
}

static int jump_off16(struct cursor *c, int pass, int64_t rel, int16_t *off)
{
    if (pass == 2 && (rel < INT16_MIN || rel > INT16_MAX))
        return cfail(c, "jump offset %lld does not fit 16 bits", (long long)rel);
    *off = (int16_t)rel;
    return 0;
}

int pbpf_asm_llvm_line(const char *s, int pass, size_t pc, char *err, size_t err_size,
                       size_t line_no, pbpf_asm_emit_fn emit, void *state)
{
    (void)pc;
    struct cursor c = {s, err, err_size, line_no};
    struct pbpf_insn in;
    const struct pbpf_opinfo *op;
    uint8_t d, r;
    int is32, is32b;
    int64_t rel;

    if (accept(&c, "if ")) {
        if (reg(&c, &d, &is32))
            return -EINVAL;
        const char *cmp = which(&c, cmp_ops);
        if (!cmp)
            return cfail(&c, "expected a comparison at '%s'", c.p);
        int x = peek_reg(&c);
        op = find(x ? PBPF_FMT_JCOND_X : PBPF_FMT_JCOND_K, cmp,
                  is32 ? PBPF_CLS_JMP32 : PBPF_CLS_JMP);
        if (!op)
            return cfail(&c, "no such comparison '%s'", cmp);
        in = from_row(op, d, 0);
        if (x) {
            if (reg(&c, &r, &is32b))
                return -EINVAL;
            in.regs = PBPF_INSN_REGS(d, r);
        } else if (imm32(&c, &in.imm)) {
            return -EINVAL;
        }
        if (expect(&c, "goto") || target(&c, &rel) || jump_off16(&c, pass, rel, &in.off) ||
            finish(&c))
            return -EINVAL;
        return emit(state, in);
    }
    if (accept(&c, "gotol ")) {
        if (target(&c, &rel) || finish(&c))
            return -EINVAL;
        in = from_row(&pbpf_isa_table[PBPF_XOP_JA32], 0, 0);
        in.imm = (int32_t)rel;
        return emit(state, in);
    }
    if (accept(&c, "goto ")) {
        if (target(&c, &rel) || finish(&c))
            return -EINVAL;
        in = from_row(&pbpf_isa_table[PBPF_XOP_JA], 0, 0);
        if (jump_off16(&c, pass, rel, &in.off))
            return -EINVAL;
        return emit(state, in);
    }
    if (accept(&c, "callx ")) {
        if (reg(&c, &d, NULL) || finish(&c))
            return -EINVAL;
        return emit(state, from_row(&pbpf_isa_table[PBPF_XOP_CALLX], d, 0));
    }
    if (accept(&c, "call pc")) {
        if (target(&c, &rel) || finish(&c))
            return -EINVAL;
        in = from_row(&pbpf_isa_table[PBPF_XOP_CALL_LOCAL], 0, 0);
        in.imm = (int32_t)rel;
        return emit(state, in);
    }
    if (accept(&c, "call kfunc(")) {
        int64_t off;
        in = from_row(&pbpf_isa_table[PBPF_XOP_CALL_KFUNC], 0, 0);
        if (imm32(&c, &in.imm) || expect(&c, ",") || number(&c, &off, 0) || expect(&c, ")") ||
            finish(&c))
            return -EINVAL;
        in.off = (int16_t)off;
        return emit(state, in);
    }
    if (accept(&c, "lock *")) {
        unsigned size;
        int sign;
        if (mem_operand(&c, &size, &sign, &d, &in.off))
            return -EINVAL;
        static const struct {
            const char *op, *sym;
        } aops[] = {{"+=", "add"}, {"|=", "or"}, {"&=", "and"}, {"^=", "xor"}};
        const char *sym = NULL;
        skip_ws(&c);
        for (size_t i = 0; i < 4; i++)
            if (accept(&c, aops[i].op))
                sym = aops[i].sym;
        if (!sym || (size != 4 && size != 8))
            return cfail(&c, "invalid atomic operation");
        if (reg(&c, &r, NULL) || finish(&c))
            return -EINVAL;
        uint8_t code = size == 8 ? 0xdb : 0xc3;
        for (size_t i = 0; i < PBPF_XOP_COUNT; i++) {
            op = &pbpf_isa_table[i];
            if (op->code == code && !strcmp(op->sym, sym) && !(op->imm.value & PBPF_ATOMIC_FETCH)) {
                int16_t off = in.off;
                in = from_row(op, d, r);
                in.regs = PBPF_INSN_REGS(d, r);
                in.off = off;
                return emit(state, in);
            }
        }
        return cfail(&c, "invalid atomic operation");
    }
    if (accept(&c, "*")) { /* store */
        unsigned size;
        int sign;
        int16_t off;
        if (mem_operand(&c, &size, &sign, &d, &off) || expect(&c, "="))
            return -EINVAL;
        uint8_t code;
        if (peek_reg(&c)) {
            if (reg(&c, &r, NULL))
                return -EINVAL;
            code = (uint8_t)(PBPF_CLS_STX | PBPF_MODE_MEM | size_bits(size));
            in = (struct pbpf_insn){code, PBPF_INSN_REGS(d, r), off, 0};
        } else {
            code = (uint8_t)(PBPF_CLS_ST | PBPF_MODE_MEM | size_bits(size));
            in = (struct pbpf_insn){code, PBPF_INSN_REGS(d, 0), off, 0};
            if (imm32(&c, &in.imm))
                return -EINVAL;
        }
        if (finish(&c))
            return -EINVAL;
        return emit(state, in);
    }

    /* dst OP rhs */
    if (reg(&c, &d, &is32))
        return -EINVAL;
    const char *aop = which(&c, alu_ops);
    if (!aop)
        return cfail(&c, "expected an assignment operator at '%s'", c.p);
    int cls = is32 ? PBPF_CLS_ALU : PBPF_CLS_ALU64;
    skip_ws(&c);
    if (!strcmp(aop, "=")) {
        if (accept(&c, "*")) { /* load */
            unsigned size;
            int sign;
            uint8_t base;
            int16_t off = 0;
            if (mem_operand(&c, &size, &sign, &base, &off))
                return -EINVAL;
            if (base == 0xff) { /* r0 = *(u8 *)skb[0x10] or skb[r1 + 0x10] */
                uint8_t mode = PBPF_MODE_ABS;
                int32_t k = 0;
                r = 0;
                if (peek_reg(&c)) {
                    mode = PBPF_MODE_IND;
                    if (reg(&c, &r, NULL) || mem_off(&c, &off))
                        return -EINVAL;
                    k = off;
                } else if (imm32(&c, &k)) {
                    return -EINVAL;
                }
                if (expect(&c, "]") || finish(&c))
                    return -EINVAL;
                in = (struct pbpf_insn){(uint8_t)(PBPF_CLS_LD | mode | size_bits(size)),
                                        PBPF_INSN_REGS(0, r), 0, k};
                return emit(state, in);
            }
            if (finish(&c))
                return -EINVAL;
            uint8_t mode = sign ? PBPF_MODE_MEMSX : PBPF_MODE_MEM;
            in = (struct pbpf_insn){(uint8_t)(PBPF_CLS_LDX | mode | size_bits(size)),
                                    PBPF_INSN_REGS(d, base), off, 0};
            return emit(state, in);
        }
        static const char *const fetch_names[] = {"add", "or", "and", "xor"};
        for (size_t i = 0; i < 4; i++) {
            char fn[32];
            snprintf(fn, sizeof fn, "atomic_fetch_%s(", fetch_names[i]);
            if (accept(&c, fn)) {
                unsigned size;
                int sign;
                uint8_t base;
                int16_t off;
                if (mem_operand(&c, &size, &sign, &base, &off) || expect(&c, ",") ||
                    reg(&c, &r, NULL) || expect(&c, ")") || finish(&c))
                    return -EINVAL;
                if (r != d)
                    return cfail(&c, "atomic_fetch: destination and source must be the same register");
                uint8_t code = size == 8 ? 0xdb : 0xc3;
                for (size_t k = 0; k < PBPF_XOP_COUNT; k++) {
                    op = &pbpf_isa_table[k];
                    if (op->code == code && !strcmp(op->sym, fetch_names[i]) &&
                        (op->imm.value & PBPF_ATOMIC_FETCH)) {
                        in = from_row(op, base, r);
                        in.regs = PBPF_INSN_REGS(base, r);
                        in.off = off;
                        return emit(state, in);
                    }
                }
            }
        }
        int x64 = accept(&c, "xchg_64(");
        int x32 = !x64 && accept(&c, "xchg32_32(");
        int c64 = !x64 && !x32 && accept(&c, "cmpxchg_64(");
        int c32 = !x64 && !x32 && !c64 && accept(&c, "cmpxchg32_32(");
        if (x64 || x32 || c64 || c32) {
            uint8_t base, r0;
            int16_t off;
            if (reg(&c, &base, NULL) || mem_off(&c, &off) || expect(&c, ","))
                return -EINVAL;
            if (c64 || c32) {
                if (reg(&c, &r0, NULL) || r0 != 0 || d != 0 || expect(&c, ","))
                    return cfail(&c, "cmpxchg compares with r0 and writes r0");
            }
            if (reg(&c, &r, NULL) || expect(&c, ")") || finish(&c))
                return -EINVAL;
            if ((x64 || x32) && r != d)
                return cfail(&c, "xchg: destination and source must be the same register");
            op = &pbpf_isa_table[x64   ? PBPF_XOP_ATOMIC64_XCHG
                                 : x32 ? PBPF_XOP_ATOMIC32_XCHG
                                 : c64 ? PBPF_XOP_ATOMIC64_CMPXCHG
                                       : PBPF_XOP_ATOMIC32_CMPXCHG];
            in = from_row(op, base, r);
            in.regs = PBPF_INSN_REGS(base, r);
            in.off = off;
            return emit(state, in);
        }
        if (accept(&c, "-")) { /* neg */
            if (reg(&c, &r, NULL) || r != d || finish(&c))
                return cfail(&c, "negation must be of the destination register");
            return emit(state, from_row(&pbpf_isa_table[is32 ? PBPF_XOP_NEG32 : PBPF_XOP_NEG64], d, 0));
        }
        static const struct {
            const char *name;
            enum pbpf_xop xop;
        } ends[] = {{"le16 ", PBPF_XOP_LE16},       {"le32 ", PBPF_XOP_LE32},
                    {"le64 ", PBPF_XOP_LE64},       {"be16 ", PBPF_XOP_BE16},
                    {"be32 ", PBPF_XOP_BE32},       {"be64 ", PBPF_XOP_BE64},
                    {"bswap16 ", PBPF_XOP_BSWAP16}, {"bswap32 ", PBPF_XOP_BSWAP32},
                    {"bswap64 ", PBPF_XOP_BSWAP64}};
        for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
            if (accept(&c, ends[i].name)) {
                if (reg(&c, &r, NULL) || r != d || finish(&c))
                    return cfail(&c, "byte swap must be of the destination register");
                return emit(state, from_row(&pbpf_isa_table[ends[i].xop], d, 0));
            }
        }
        if (accept(&c, "(s")) { /* movsx */
            int64_t bits;
            if (number(&c, &bits, 0) || expect(&c, ")") || reg(&c, &r, NULL) || finish(&c))
                return -EINVAL;
            enum pbpf_xop x;
            if (is32 && bits == 8)
                x = PBPF_XOP_MOVSX8_32;
            else if (is32 && bits == 16)
                x = PBPF_XOP_MOVSX16_32;
            else if (!is32 && bits == 8)
                x = PBPF_XOP_MOVSX8_64;
            else if (!is32 && bits == 16)
                x = PBPF_XOP_MOVSX16_64;
            else if (!is32 && bits == 32)
                x = PBPF_XOP_MOVSX32_64;
            else
                return cfail(&c, "invalid sign extension (s%lld)", (long long)bits);
            return emit(state, from_row(&pbpf_isa_table[x], d, r));
        }
        static const char *const pseudo[] = {NULL,     "map_fd(", "map_value(", "btf_var(",
                                             "func(",  "map_idx(", "map_idx_value("};
        for (int src = 1; src <= 6; src++) {
            if (accept(&c, pseudo[src])) {
                int32_t lo = 0, hi = 0;
                if (imm32(&c, &lo))
                    return -EINVAL;
                if (src == 2 || src == 6) {
                    if (expect(&c, ",") || imm32(&c, &hi))
                        return -EINVAL;
                }
                if (expect(&c, ")") || expect(&c, "ll") || finish(&c))
                    return -EINVAL;
                struct pbpf_insn a = {PBPF_OPCODE_LDDW, PBPF_INSN_REGS(d, src), 0, lo};
                struct pbpf_insn b = {0, 0, 0, hi};
                int rc = emit(state, a);
                return rc ? rc : emit(state, b);
            }
        }
        if (!peek_reg(&c)) {
            /* immediate: mov, or lddw when followed by "ll" */
            const char *save = c.p;
            int64_t v;
            if (number(&c, &v, 1))
                return -EINVAL;
            if (accept(&c, "ll")) {
                if (finish(&c))
                    return -EINVAL;
                struct pbpf_insn a = {PBPF_OPCODE_LDDW, PBPF_INSN_REGS(d, 0), 0,
                                      (int32_t)(uint32_t)(uint64_t)v};
                struct pbpf_insn b = {0, 0, 0, (int32_t)(uint32_t)((uint64_t)v >> 32)};
                int rc = emit(state, a);
                return rc ? rc : emit(state, b);
            }
            c.p = save;
        }
    }
    int x = peek_reg(&c);
    op = find(x ? PBPF_FMT_ALU_X : PBPF_FMT_ALU_K, aop, cls);
    if (!op)
        return cfail(&c, "no such operation '%s'", aop);
    in = from_row(op, d, 0);
    if (x) {
        if (reg(&c, &r, NULL))
            return -EINVAL;
        in.regs = PBPF_INSN_REGS(d, r);
    } else if (imm32(&c, &in.imm)) {
        return -EINVAL;
    }
    if (finish(&c))
        return -EINVAL;
    return emit(state, in);
}
