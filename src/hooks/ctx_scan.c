/* Finding the context accesses of a program without the verifier.
 *
 * A forward data-flow pass to a fixed point over every path: each register
 * and each 8-byte slot of the frame's stack is one of
 *   NOT  certainly not the context pointer,
 *   CTX  the unmodified context pointer (r1 at entry, copies, spills),
 *   MOD  the context pointer moved by arithmetic,
 *   TOP  the context on some paths and something else on others,
 * joined at branch targets (two different values give TOP).  Subprograms
 * are entered with the caller's r1..r5; callbacks (lddw src=4) with
 * nothing that is the context.  Linux's verifier reaches the same set of
 * context accesses with its path-by-path walk (check_mem_access on a
 * PTR_TO_CTX register), and refuses MOD and TOP dereferences the same way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hooks/ctx.h"
#include "isa/insn.h"
#include "platform/platform.h"

enum { V_BOT = 0, V_NOT, V_CTX, V_MOD, V_TOP };

#define NREGS 11
#define NSLOTS (PBPF_STACK_SIZE / 8)
#define STATE (NREGS + NSLOTS)

struct scan {
    const struct pbpf_insn *insns;
    size_t cnt;
    uint8_t *st;     /* cnt * STATE; r10 != V_BOT marks a reached insn */
    size_t *work;
    uint8_t *queued;
    size_t nwork;
};

static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b || b == V_BOT)
        return a;
    if (a == V_BOT)
        return b;
    return V_TOP;
}

static void flow(struct scan *s, size_t to, const uint8_t *in)
{
    if (to >= s->cnt)
        return; /* validated programs never jump out; nothing to do */
    uint8_t *d = s->st + to * STATE;
    int changed = 0;
    for (int i = 0; i < STATE; i++) {
        uint8_t v = join(d[i], in[i]);
        changed |= v != d[i];
        d[i] = v;
    }
    if (changed && !s->queued[to]) {
        s->queued[to] = 1;
        s->work[s->nwork++] = to;
    }
}

static void entry_state(uint8_t *st, int ctx_in_r1)
{
    memset(st, V_NOT, STATE);
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
static void stack_store(uint8_t *st, int32_t off, unsigned n, uint8_t v)
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

static uint8_t stack_load(const uint8_t *st, int32_t off, unsigned n)
{
    if (n == 8 && off < 0 && off >= -PBPF_STACK_SIZE && off % 8 == 0)
        return st[NREGS + (-off) / 8 - 1];
    return V_NOT;
}

static int is_ctxish(uint8_t v) { return v == V_CTX || v == V_MOD || v == V_TOP; }

/* Transfer function of one instruction: successors get the new state. */
static void step(struct scan *s, size_t pc)
{
    const struct pbpf_insn *in = &s->insns[pc];
    uint8_t st[STATE];
    memcpy(st, s->st + pc * STATE, STATE);
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
        } else if (cls == PBPF_CLS_ALU64 && !x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB) &&
                   in->imm == 0) {
            /* r += 0 leaves the pointer as it is */
        } else if (is_ctxish(st[dst]) || (x && is_ctxish(st[src]))) {
            st[dst] = V_MOD;
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
                uint8_t cb[STATE];
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
            uint8_t v = cls == PBPF_CLS_STX && mode == PBPF_MODE_MEM ? st[src] : V_NOT;
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
            uint8_t callee[STATE];
            entry_state(callee, 0);
            memcpy(callee + 1, st + 1, 5);
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
    const uint8_t *st = s->st + pc * STATE;
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
    switch (st[base]) {
    case V_CTX:
        if (mode == PBPF_MODE_ATOMIC) {
            snprintf(msg, msg_size, "insn %zu: BPF_ATOMIC stores into R%u ctx is not allowed", pc,
                     base);
            return -EACCES;
        }
        *is_access = 1;
        return 0;
    case V_MOD:
        snprintf(msg, msg_size, "insn %zu: dereference of modified ctx ptr R%u off=%d disallowed",
                 pc, base, in->off);
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
    s.st = pbpf_calloc(cnt, STATE);
    s.work = pbpf_calloc(cnt, sizeof *s.work);
    s.queued = pbpf_calloc(cnt, 1);
    int rc = 0;
    if (!s.st || !s.work || !s.queued) {
        rc = -ENOMEM;
        goto out;
    }
    uint8_t entry[STATE];
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
