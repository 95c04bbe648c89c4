/* Finding the context accesses of a program without the verifier.
 *
 * A forward data-flow pass to a fixed point over every path: each register
 * and each 8-byte slot of the frame's stack is one of
 *   NOT    certainly not the context pointer,
 *   CTX+k  the context pointer moved by the constant k (r1 at entry is
 *          CTX+0; copies and spills keep k; adding or subtracting an
 *          immediate moves it),
 *   MOD    the context pointer moved by an amount the scan does not know
 *          as one constant (other operations, or two paths that moved it
 *          differently),
 *   VAR    the context pointer plus a register,
 *   TOP    the context on some paths and something else on others,
 * joined at branch targets.  Subprograms are entered with the caller's
 * r1..r5; callbacks (lddw src=4) with nothing that is the context.
 * Linux's verifier reaches the same set of context accesses with its
 * path-by-path walk (check_mem_access on a PTR_TO_CTX register) and takes
 * only those whose register is back at offset 0 (check_ptr_off_reg:
 * "dereference of modified ctx ptr R1 off=8 disallowed", "negative offset
 * ctx ptr R1 off=-4 disallowed", "variable ctx access ... disallowed"), so
 * `r1 += 4; r1 += -4; r0 = *(u32 *)(r1 + 0)` reads the context's first
 * field there and here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hooks/ctx.h"
#include "isa/insn.h"
#include "platform/platform.h"

/* One cell of the state: a marker below V_CTX_MIN, or the context moved by
 * a constant in [V_CTX_MIN, V_CTX_MAX] (larger moves become V_MOD: no
 * context has fields that far out, and either way the dereference fails). */
typedef int16_t cell;
#define V_BOT ((cell)INT16_MIN)
#define V_NOT ((cell)(INT16_MIN + 1))
#define V_MOD ((cell)(INT16_MIN + 2))
#define V_VAR ((cell)(INT16_MIN + 3))
#define V_TOP ((cell)(INT16_MIN + 4))
#define V_CTX_MIN (-16384)
#define V_CTX_MAX 16383
#define V_CTX ((cell)0)

#define NREGS 11
#define NSLOTS (PBPF_STACK_SIZE / 8)
#define STATE (NREGS + NSLOTS)

struct scan {
    const struct pbpf_insn *insns;
    size_t cnt;
    cell *st;        /* cnt * STATE; r10 != V_BOT marks a reached insn */
    size_t *work;
    uint8_t *queued;
    size_t nwork;
};

static int is_off(cell v) { return v >= V_CTX_MIN; }
static int is_ctxish(cell v) { return is_off(v) || v == V_MOD || v == V_VAR || v == V_TOP; }

static cell join(cell a, cell b)
{
    if (a == b || b == V_BOT)
        return a;
    if (a == V_BOT)
        return b;
    if (a == V_TOP || b == V_TOP || a == V_NOT || b == V_NOT)
        return V_TOP;
    /* the context on both sides, moved differently */
    return a == V_VAR || b == V_VAR ? V_VAR : V_MOD;
}

/* the context pointer v moved by the constant d */
static cell move(cell v, int64_t d)
{
    if (!is_off(v))
        return v;
    int64_t k = (int64_t)v + d;
    return k < V_CTX_MIN || k > V_CTX_MAX ? V_MOD : (cell)k;
}

static void flow(struct scan *s, size_t to, const cell *in)
{
    if (to >= s->cnt)
        return; /* validated programs never jump out; nothing to do */
    cell *d = s->st + to * STATE;
    int changed = 0;
    for (int i = 0; i < STATE; i++) {
        cell v = join(d[i], in[i]);
        changed |= v != d[i];
        d[i] = v;
    }
    if (changed && !s->queued[to]) {
        s->queued[to] = 1;
        s->work[s->nwork++] = to;
    }
}

static void entry_state(cell *st, int ctx_in_r1)
{
    for (int i = 0; i < STATE; i++)
        st[i] = V_NOT;
    if (ctx_in_r1)
        st[1] = V_CTX;
}

static unsigned size_bytes(uint8_t code)
{
    switch (PBPF_SIZE(code)) {
    case PBPF_SIZE_B: return 1;
    case PBPF_SIZE_H: return 2;
    case PBPF_SIZE_W: return 4;
    default: return 8;
    }
}

/* A store of n bytes at r10 + off: the slots it overlaps. */
static void stack_store(cell *st, int32_t off, unsigned n, cell v)
{
    if (off >= 0 || off < -PBPF_STACK_SIZE)
        return;
    if (n == 8 && off % 8 == 0) {
        st[NREGS + (-off) / 8 - 1] = v;
        return;
    }
    for (int32_t b = off; b < off + (int32_t)n && b < 0; b++)
        st[NREGS + (-b - 1) / 8] = V_NOT;
}

static cell stack_load(const cell *st, int32_t off, unsigned n)
{
    if (n == 8 && off < 0 && off >= -PBPF_STACK_SIZE && off % 8 == 0)
        return st[NREGS + (-off) / 8 - 1];
    return V_NOT;
}

/* Transfer function of one instruction: successors get the new state. */
static void step(struct scan *s, size_t pc)
{
    const struct pbpf_insn *in = &s->insns[pc];
    cell st[STATE];
    memcpy(st, s->st + pc * STATE, sizeof st);
    uint8_t cls = PBPF_CLASS(in->code), dst = PBPF_INSN_DST(in), src = PBPF_INSN_SRC(in);
    uint8_t mode = PBPF_MODE(in->code);
    if (dst >= NREGS || src >= NREGS)
        return;
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64: {
        uint8_t op = PBPF_OP(in->code);
        int x = (in->code & PBPF_SRC_X) != 0;
        if (op == PBPF_ALU_MOV) {
            /* a 64-bit copy keeps the pointer; 32-bit or sign-extending ones
             * (off != 0) make a number */
            st[dst] = cls == PBPF_CLS_ALU64 && x && in->off == 0 ? st[src] : V_NOT;
        } else if (cls == PBPF_CLS_ALU64 && !x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB)) {
            /* Linux folds a constant into the pointer's fixed offset
             * (adjust_ptr_min_max_vals: dst->off += smin) */
            st[dst] = move(st[dst], op == PBPF_ALU_ADD ? (int64_t)in->imm : -(int64_t)in->imm);
        } else if (cls == PBPF_CLS_ALU64 && x && op == PBPF_ALU_SUB && is_ctxish(st[dst]) &&
                   is_ctxish(st[src])) {
            /* pointer minus pointer: a number (a privileged loader's) */
            st[dst] = st[dst] == V_TOP || st[src] == V_TOP ? V_TOP : V_NOT;
        } else if (cls == PBPF_CLS_ALU64 && x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB) &&
                   (is_ctxish(st[dst]) || (op == PBPF_ALU_ADD && is_ctxish(st[src])))) {
            /* the context plus or minus a register: a variable offset */
            cell p = is_ctxish(st[dst]) ? st[dst] : st[src];
            st[dst] = p == V_TOP ? V_TOP : V_VAR;
        } else if (is_ctxish(st[dst]) || (x && is_ctxish(st[src]))) {
            st[dst] = st[dst] == V_TOP || (x && st[src] == V_TOP) ? V_TOP : V_MOD;
        } else {
            st[dst] = V_NOT;
        }
        flow(s, pc + 1, st);
        return;
    }
    case PBPF_CLS_LD:
        if (in->code == PBPF_OPCODE_LDDW) {
            st[dst] = V_NOT;
            if (src == PBPF_PSEUDO_FUNC) {
                cell cb[STATE];
                entry_state(cb, 0);
                flow(s, pc + (size_t)(int64_t)in->imm + 1, cb);
            }
            flow(s, pc + 2, st);
        } else {
            /* LD_ABS / LD_IND: r0 gets the data, r1..r5 are clobbered */
            for (int r = 0; r <= 5; r++)
                st[r] = V_NOT;
            flow(s, pc + 1, st);
        }
        return;
    case PBPF_CLS_LDX: {
        unsigned n = size_bytes(in->code);
        st[dst] = src == 10 && mode == PBPF_MODE_MEM ? stack_load(st, in->off, n) : V_NOT;
        flow(s, pc + 1, st);
        return;
    }
    case PBPF_CLS_ST:
    case PBPF_CLS_STX: {
        unsigned n = size_bytes(in->code);
        if (dst == 10) {
            cell v = cls == PBPF_CLS_STX && mode == PBPF_MODE_MEM ? st[src] : V_NOT;
            stack_store(st, in->off, n, v);
        }
        if (mode == PBPF_MODE_ATOMIC) {
            if (in->imm == PBPF_ATOMIC_CMPXCHG)
                st[0] = V_NOT;
            else if (in->imm & PBPF_ATOMIC_FETCH)
                st[src] = V_NOT;
        }
        flow(s, pc + 1, st);
        return;
    }
    default: /* JMP, JMP32 */
        break;
    }
    uint8_t op = PBPF_OP(in->code);
    if (cls == PBPF_CLS_JMP && op == PBPF_JMP_EXIT)
        return;
    if (cls == PBPF_CLS_JMP && op == PBPF_JMP_CALL) {
        if (src == PBPF_PSEUDO_CALL && in->code == PBPF_OPCODE_CALL) {
            cell callee[STATE];
            entry_state(callee, 0);
            memcpy(callee + 1, st + 1, 5 * sizeof *st);
            flow(s, pc + (size_t)(int64_t)in->imm + 1, callee);
        }
        /* Linux: subprograms return scalars; helpers' r0 is never the ctx */
        for (int r = 0; r <= 5; r++)
            st[r] = V_NOT;
        flow(s, pc + 1, st);
        return;
    }
    if (in->code == PBPF_OPCODE_JA) {
        flow(s, pc + (size_t)(int64_t)in->off + 1, st);
        return;
    }
    if (in->code == PBPF_OPCODE_JA32) {
        flow(s, pc + (size_t)(int64_t)in->imm + 1, st);
        return;
    }
    flow(s, pc + 1, st);
    flow(s, pc + (size_t)(int64_t)in->off + 1, st);
}

/* At the fixed point: is insn pc an access through the context? */
static int classify(const struct scan *s, size_t pc, int *is_access, char *msg, size_t msg_size)
{
    const struct pbpf_insn *in = &s->insns[pc];
    const cell *st = s->st + pc * STATE;
    uint8_t cls = PBPF_CLASS(in->code), mode = PBPF_MODE(in->code);
    *is_access = 0;
    unsigned base;
    if (cls == PBPF_CLS_LDX && (mode == PBPF_MODE_MEM || mode == PBPF_MODE_MEMSX))
        base = PBPF_INSN_SRC(in);
    else if ((cls == PBPF_CLS_ST || cls == PBPF_CLS_STX) &&
             (mode == PBPF_MODE_MEM || mode == PBPF_MODE_ATOMIC))
        base = PBPF_INSN_DST(in);
    else
        return 0;
    if (base >= NREGS)
        return 0;
    cell v = st[base];
    if (mode == PBPF_MODE_ATOMIC && v != V_NOT && v != V_TOP) {
        /* check_atomic asks is_ctx_reg() before any offset */
        snprintf(msg, msg_size, "insn %zu: BPF_ATOMIC stores into R%u ctx is not allowed", pc, base);
        return -EACCES;
    }
    if (v == V_CTX) {
        *is_access = 1;
        return 0;
    }
    if (is_off(v)) {
        /* __check_ptr_off_reg */
        snprintf(msg, msg_size, "insn %zu: %s ctx ptr R%u off=%d disallowed", pc,
                 v < 0 ? "negative offset" : "dereference of modified", base, (int)v);
        return -EACCES;
    }
    switch (v) {
    case V_MOD:
        snprintf(msg, msg_size,
                 "insn %zu: dereference of modified ctx ptr R%u disallowed (moved by an "
                 "operation or by different amounts on different paths)",
                 pc, base);
        return -EACCES;
    case V_VAR:
        snprintf(msg, msg_size,
                 "insn %zu: variable ctx access disallowed (R%u is the context plus a register)",
                 pc, base);
        return -EACCES;
    case V_TOP:
        snprintf(msg, msg_size,
                 "insn %zu: same insn cannot be used with different pointers (R%u is the "
                 "context on some paths only)",
                 pc, base);
        return -EACCES;
    default:
        return 0;
    }
}

int pbpf_ctx_scan(const struct pbpf_insn *insns, size_t cnt, struct pbpf_ctx_site **out,
                  size_t *n, char *msg, size_t msg_size)
{
    *out = NULL;
    *n = 0;
    if (!cnt)
        return 0;
    struct scan s = {insns, cnt, NULL, NULL, NULL, 0};
    s.st = pbpf_calloc(cnt, STATE * sizeof *s.st);
    s.work = pbpf_calloc(cnt, sizeof *s.work);
    s.queued = pbpf_calloc(cnt, 1);
    int rc = 0;
    if (!s.st || !s.work || !s.queued) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < cnt * STATE; i++)
        s.st[i] = V_BOT;
    cell entry[STATE];
    entry_state(entry, 1);
    flow(&s, 0, entry);
    while (s.nwork) {
        size_t pc = s.work[--s.nwork];
        s.queued[pc] = 0;
        step(&s, pc);
    }
    size_t nsites = 0;
    for (size_t pc = 0; pc < cnt && !rc; pc++) {
        int acc;
        if (s.st[pc * STATE + 10] == V_BOT)
            continue;
        rc = classify(&s, pc, &acc, msg, msg_size);
        if (!rc && acc)
            nsites++;
    }
    if (rc || !nsites)
        goto out;
    *out = pbpf_calloc(nsites, sizeof **out);
    if (!*out) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t pc = 0; pc < cnt; pc++) {
        int acc;
        if (s.st[pc * STATE + 10] != V_BOT && classify(&s, pc, &acc, NULL, 0) == 0 && acc) {
            (*out)[*n].insn_idx = (uint32_t)pc;
            (*out)[*n].base_off = 0;
            (*n)++;
        }
    }
out:
    pbpf_free(s.st);
    pbpf_free(s.work);
    pbpf_free(s.queued);
    return rc;
}
