/* Structural validation of raw bytecode (RFC 9669 §3, §4, §5): what can be
 * decided from the instructions alone, before any data-flow analysis. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "platform/platform.h"

static int fail(char *err, size_t err_size, size_t *bad_pc, size_t pc, int rc, const char *fmt, ...)
{
    if (bad_pc)
        *bad_pc = pc;
    if (err && err_size) {
        int n = snprintf(err, err_size, "insn %zu: ", pc);
        if (n >= 0 && (size_t)n < err_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

/* Which rows with this opcode accept field value v under the rule picked by
 * get(); returns how many remain, compacting rows[]. */
typedef const struct pbpf_rule *(*rule_of)(const struct pbpf_opinfo *);
static const struct pbpf_rule *src_rule(const struct pbpf_opinfo *o) { return &o->src; }
static const struct pbpf_rule *off_rule(const struct pbpf_opinfo *o) { return &o->off; }
static const struct pbpf_rule *imm_rule(const struct pbpf_opinfo *o) { return &o->imm; }

static size_t filter(const struct pbpf_opinfo **rows, size_t n, rule_of get, int64_t v)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pbpf_rule *r = get(rows[i]);
        int ok = r->kind == PBPF_RULE_ZERO ? v == 0
                 : r->kind == PBPF_RULE_EQ ? v == r->value
                                           : 1;
        if (ok)
            rows[k++] = rows[i];
    }
    return k;
}

/* Describes why field `what` (value v) fits none of rows[0..n). */
static void describe(char *buf, size_t size, const struct pbpf_opinfo **rows, size_t n, rule_of get,
                     const char *what, int64_t v)
{
    int all_zero = 1;
    for (size_t i = 0; i < n; i++)
        all_zero &= get(rows[i])->kind == PBPF_RULE_ZERO;
    if (all_zero) {
        snprintf(buf, size, "%s must be 0 (is %lld)", what, (long long)v);
        return;
    }
    size_t len = (size_t)snprintf(buf, size, "invalid %s %lld (allowed:", what, (long long)v);
    for (size_t i = 0; i < n && len < size; i++) {
        const struct pbpf_rule *r = get(rows[i]);
        long long allowed = r->kind == PBPF_RULE_EQ ? r->value : 0;
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", i ? ", " : " ", allowed);
    }
    if (len < size)
        snprintf(buf + len, size - len, ")");
}

static int check_reg(const struct pbpf_rule *r, unsigned reg, const char *what, char *msg,
                     size_t size)
{
    switch (r->kind) {
    case PBPF_RULE_ZERO:
        if (reg != 0) {
            snprintf(msg, size, "%s must be 0 (is %u)", what, reg);
            return -1;
        }
        return 0;
    case PBPF_RULE_REG_READ:
        if (reg > 10) {
            snprintf(msg, size, "invalid %s register r%u", what, reg);
            return -1;
        }
        return 0;
    case PBPF_RULE_REG_WRITE:
        if (reg > 10) {
            snprintf(msg, size, "invalid %s register r%u", what, reg);
            return -1;
        }
        if (reg == 10) {
            snprintf(msg, size, "%s register r10 is written (frame pointer is read-only)", what);
            return -1;
        }
        return 0;
    default:
        return 0;
    }
}

int pbpf_isa_validate(const struct pbpf_insn *insns, size_t cnt, char *err, size_t err_size,
                      size_t *bad_pc)
{
    char msg[160];
    if (cnt == 0)
        return fail(err, err_size, bad_pc, 0, -EINVAL, "program is empty");
    if (cnt > PBPF_MAX_INSNS)
        return fail(err, err_size, bad_pc, 0, -E2BIG, "program has %zu instructions, more than %u",
                    cnt, PBPF_MAX_INSNS);

    /* second_slot[pc] marks the second half of a lddw: no jump may land there. */
    unsigned char *second_slot = pbpf_calloc(cnt, 1);
    if (!second_slot)
        return fail(err, err_size, bad_pc, 0, -ENOMEM, "out of memory");
    int rc = 0;

    for (size_t pc = 0; pc < cnt; pc++) {
        const struct pbpf_insn *in = &insns[pc];
        const struct pbpf_opinfo *first = pbpf_isa_first(in->code);
        if (!first) {
            rc = fail(err, err_size, bad_pc, pc, -EINVAL, "unknown opcode 0x%02x", in->code);
            goto out;
        }
        const struct pbpf_opinfo *rows[16];
        size_t n = 0;
        for (const struct pbpf_opinfo *o = first;
             o < pbpf_isa_table + PBPF_XOP_COUNT && o->code == in->code && n < 16; o++)
            rows[n++] = o;

        struct {
            rule_of get;
            const char *what;
            int64_t v;
        } fields[] = {{src_rule, "src", PBPF_INSN_SRC(in)},
                      {off_rule, "offset", in->off},
                      {imm_rule, "imm", in->imm}};
        for (size_t f = 0; f < 3; f++) {
            size_t k = filter(rows, n, fields[f].get, fields[f].v);
            if (k == 0) {
                describe(msg, sizeof msg, rows, n, fields[f].get, fields[f].what, fields[f].v);
                rc = fail(err, err_size, bad_pc, pc, -EINVAL, "%s (opcode 0x%02x): %s",
                          first->mnemonic, in->code, msg);
                goto out;
            }
            n = k;
        }
        const struct pbpf_opinfo *op = rows[0];
        if (check_reg(&op->dst, PBPF_INSN_DST(in), "dst", msg, sizeof msg) ||
            check_reg(&op->src, PBPF_INSN_SRC(in), "src", msg, sizeof msg)) {
            rc = fail(err, err_size, bad_pc, pc, -EINVAL, "%s (opcode 0x%02x): %s", op->mnemonic,
                      in->code, msg);
            goto out;
        }
        if (op->fmt == PBPF_FMT_LDDW) {
            /* RFC 9669 §5.4: a wide instruction; the second slot carries only
             * the upper 32 bits of the immediate, every other field zero. */
            if (pc + 1 >= cnt) {
                rc = fail(err, err_size, bad_pc, pc, -EINVAL,
                          "lddw is truncated (no second slot)");
                goto out;
            }
            const struct pbpf_insn *hi = &insns[pc + 1];
            if (hi->code || hi->regs || hi->off) {
                rc = fail(err, err_size, bad_pc, pc + 1, -EINVAL,
                          "second slot of lddw must have opcode, registers and offset 0");
                goto out;
            }
            second_slot[++pc] = 1;
        }
    }

    for (size_t pc = 0; pc < cnt; pc++) {
        if (second_slot[pc])
            continue;
        const struct pbpf_insn *in = &insns[pc];
        int64_t target;
        const char *kind = "jump";
        int has = pbpf_isa_jump_target(in, pc, &target);
        if (!has && in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL) {
            target = (int64_t)pc + 1 + in->imm;
            kind = "call";
            has = 1;
        }
        if (!has)
            continue;
        if (target < 0 || target >= (int64_t)cnt) {
            rc = fail(err, err_size, bad_pc, pc, -EINVAL, "%s out of range to insn %lld", kind,
                      (long long)target);
            goto out;
        }
        if (second_slot[target]) {
            rc = fail(err, err_size, bad_pc, pc, -EINVAL,
                      "%s into the middle of lddw at insn %lld", kind, (long long)target);
            goto out;
        }
    }

    {
        size_t last = cnt - 1;
        if (second_slot[last]) /* the program ends with a lddw */
            last--;
        uint8_t code = insns[last].code;
        if (second_slot[cnt - 1] ||
            (code != PBPF_OPCODE_EXIT && code != PBPF_OPCODE_JA && code != PBPF_OPCODE_JA32))
            rc = fail(err, err_size, bad_pc, last, -EINVAL,
                      "last instruction is not an exit or unconditional jump");
    }
out:
    pbpf_free(second_slot);
    return rc;
}
