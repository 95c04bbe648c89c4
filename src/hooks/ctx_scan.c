/* Finding the context accesses of a program without the verifier.
 *
 * A forward data-flow pass to a fixed point over every path: each register
 * and each 8-byte slot of a stack frame is one of
 *   NOT    certainly not the context pointer,
 *   CTX+k  the context pointer moved by the constant k (r1 at entry is
 *          CTX+0; copies and spills keep k; adding or subtracting an
 *          immediate moves it),
 *   MOD    the context pointer moved by an amount the scan does not know
 *          as one constant (other operations, or two paths that moved it
 *          differently),
 *   VAR    the context pointer plus a register,
 *   TOP    the context on some paths and something else on others,
 *   STK    a pointer into the stack frame d levels up the call chain (0:
 *          the instruction's own) at the constant offset k, or at an
 *          offset the scan does not know,
 *   FUNC   the address of a subprogram (lddw src=4), for the helper that
 *          takes it as a callback,
 * joined at branch targets.
 *
 * Linux's verifier walks each path with the state of every frame of the
 * call chain (a spilled PTR_TO_CTX stays one in its slot, and a callee
 * reads it through a PTR_TO_STACK of its caller's frame), and its
 * convert_ctx_accesses rewrites each instruction by the pointer type the
 * walk saw there (save_aux_ptr_type, "same insn cannot be used with
 * different pointers").  The scan does the same per call chain: each
 * subprogram is scanned once per call site it is reached from (an
 * "instance", with its callers' frames in its state), so a context pointer
 * passed in r1..r5, or left on a caller's stack for a callee or for a
 * callback of bpf_loop, bpf_for_each_map_elem, bpf_find_vma or
 * bpf_user_ringbuf_drain (through their callback_ctx argument), is one
 * there; a callee's stores into a caller's frame flow back to the return
 * site, and a loop callback is entered again with the frames it left.
 * bpf_timer callbacks run on their own later (Linux: push_async_cb) and
 * start with nothing that is the context, as do callbacks the scan cannot
 * tie to a helper call.  An instruction reached in several instances is an
 * access only if its base is the context in all of them, and refused when
 * it is in some only.
 *
 * Linux reaches the same set of context accesses with its path-by-path
 * walk (check_mem_access on a PTR_TO_CTX register) and takes only those
 * whose register is back at offset 0 (check_ptr_off_reg: "dereference of
 * modified ctx ptr R1 off=8 disallowed", "negative offset ctx ptr R1 off=-4
 * disallowed", "variable ctx access ... disallowed"), so
 * `r1 += 4; r1 += -4; r0 = *(u32 *)(r1 + 0)` reads the context's first
 * field there and here.  Reads of a whole aligned 8-byte slot give what was
 * spilled there; narrower or variable-offset reads a number (Linux: a
 * partial fill or check_stack_read_var_off gives a scalar); a store at an
 * unknown stack offset leaves a slot that held the context as TOP (it may
 * or may not have been overwritten). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks/ctx.h"
#include "isa/insn.h"
#include "platform/platform.h"

/* One cell of the state: a marker, the context moved by a constant in
 * [V_CTX_MIN, V_CTX_MAX] (larger moves become V_MOD: no context has fields
 * that far out, and either way the dereference fails), a stack pointer or
 * a subprogram address. */
typedef int16_t cell;
#define V_BOT ((cell)INT16_MIN)
#define V_NOT ((cell)(INT16_MIN + 1))
#define V_MOD ((cell)(INT16_MIN + 2))
#define V_VAR ((cell)(INT16_MIN + 3))
#define V_TOP ((cell)(INT16_MIN + 4))
#define V_CTX_MIN (-16384)
#define V_CTX_MAX 16383
#define V_CTX ((cell)0)
/* STK(d, k): frame d (0..MAX_FRAMES-1), offset k in [-512, 511] */
#define V_STK_BASE 16384
#define STK_SPAN 1024
#define V_STKV_BASE (V_STK_BASE + MAX_FRAMES * STK_SPAN) /* frame d, unknown offset */
#define V_STKANY (V_STKV_BASE + MAX_FRAMES)               /* some frame, or no pointer */
#define V_FUNC_BASE (V_STKANY + 8)
#define V_FUNC_MAX 32000

/* Linux's MAX_CALL_FRAMES */
#define MAX_FRAMES 8
#define NREGS 11
#define NSLOTS (PBPF_STACK_SIZE / 8)
#define WIDTH(depth) (NREGS + NSLOTS * ((size_t)(depth) + 1))
#define WMAX WIDTH(MAX_FRAMES - 1)

/* Cells of state the scan may hold beyond one state per instruction (a
 * bound on call chains: Linux walks each too, within its own limits). */
#define EXTRA_CELLS ((size_t)1 << 24)

/* helper ids (include/uapi/linux/bpf.h) */
#define H_FOR_EACH_MAP_ELEM 164
#define H_TIMER_SET_CALLBACK 170
#define H_FIND_VMA 180
#define H_LOOP 181
#define H_USER_RINGBUF_DRAIN 209

struct inst {
    uint32_t start, end; /* the subprogram's instructions */
    uint32_t call_pc;    /* in the parent */
    int32_t parent;      /* -1: a program entry (the main one, an async callback) */
    int32_t child, sibling;
    uint8_t depth;
    uint8_t callback; /* entered by a helper that may call it again */
    cell *st;         /* (end - start) * WIDTH(depth); r10 != V_BOT: reached */
    uint8_t *queued;
    cell *exit; /* WIDTH(depth): the join of its exits */
};

struct scan {
    const struct pbpf_insn *insns;
    size_t cnt;
    uint32_t *entries; /* subprogram starts, ascending */
    size_t nentries;
    struct inst *in;
    size_t ninst, cap_inst;
    uint64_t *work; /* inst << 32 | pc */
    size_t nwork, cap_work;
    size_t cells, budget;
    int err;
};

static int is_off(cell v) { return v >= V_CTX_MIN && v <= V_CTX_MAX; }
static int is_ctxish(cell v) { return is_off(v) || v == V_MOD || v == V_VAR || v == V_TOP; }
static int is_stk(cell v) { return v >= V_STK_BASE && v < V_STKV_BASE; }
static int is_stkv(cell v) { return v >= V_STKV_BASE && v < V_STKANY; }
static int is_stackish(cell v) { return is_stk(v) || is_stkv(v) || v == V_STKANY; }
static int stk_frame(cell v)
{
    return is_stk(v) ? (v - V_STK_BASE) / STK_SPAN : v - V_STKV_BASE;
}
static int stk_off(cell v) { return (v - V_STK_BASE) % STK_SPAN - 512; }
static cell stk(int d, int64_t k)
{
    if (d < 0 || d >= MAX_FRAMES)
        return V_NOT;
    if (k < -512 || k > 511)
        return (cell)(V_STKV_BASE + d);
    return (cell)(V_STK_BASE + d * STK_SPAN + (k + 512));
}

static cell join(cell a, cell b)
{
    if (a == b || b == V_BOT)
        return a;
    if (a == V_BOT)
        return b;
    if (is_ctxish(a) || is_ctxish(b)) {
        if (a == V_TOP || b == V_TOP || !is_ctxish(a) || !is_ctxish(b))
            return V_TOP;
        /* the context on both sides, moved differently */
        return a == V_VAR || b == V_VAR ? V_VAR : V_MOD;
    }
    if (is_stackish(a) && is_stackish(b) && a != V_STKANY && b != V_STKANY &&
        stk_frame(a) == stk_frame(b))
        return (cell)(V_STKV_BASE + stk_frame(a));
    if (is_stackish(a) || is_stackish(b))
        return V_STKANY;
    return V_NOT; /* numbers, different subprograms */
}

/* the context pointer v moved by the constant d */
static cell move(cell v, int64_t d)
{
    if (is_stk(v))
        return stk(stk_frame(v), stk_off(v) + d);
    if (!is_off(v))
        return v;
    int64_t k = (int64_t)v + d;
    return k < V_CTX_MIN || k > V_CTX_MAX ? V_MOD : (cell)k;
}

/* a cell seen from `by` frames further down the call chain (by = 1: from a
 * callee, -1: from the caller after the callee returned) */
static cell shift(cell v, int by)
{
    if (!is_stk(v) && !is_stkv(v))
        return v;
    int d = stk_frame(v) + by;
    if (d < 0 || d >= MAX_FRAMES)
        return V_NOT; /* a dead frame */
    return is_stk(v) ? stk(d, stk_off(v)) : (cell)(V_STKV_BASE + d);
}

static cell *slot(cell *st, int frame, int idx) { return &st[NREGS + frame * NSLOTS + idx]; }

static void flow(struct scan *s, size_t ii, size_t to, const cell *in)
{
    struct inst *I = &s->in[ii];
    if (to < I->start || to >= I->end)
        return; /* out of the subprogram: Linux refuses such jumps */
    size_t w = WIDTH(I->depth);
    cell *d = I->st + (to - I->start) * w;
    int changed = 0;
    for (size_t i = 0; i < w; i++) {
        cell v = join(d[i], in[i]);
        changed |= v != d[i];
        d[i] = v;
    }
    if (changed && !I->queued[to - I->start]) {
        if (s->nwork == s->cap_work) {
            size_t nc = s->cap_work ? s->cap_work * 2 : 256;
            uint64_t *nw = pbpf_realloc(s->work, nc * sizeof *nw);
            if (!nw) {
                s->err = -ENOMEM;
                return;
            }
            s->work = nw;
            s->cap_work = nc;
        }
        I->queued[to - I->start] = 1;
        s->work[s->nwork++] = (uint64_t)ii << 32 | to;
    }
}

/* the subprogram starting at pc: its index in entries, or -1 */
static long entry_index(const struct scan *s, size_t pc)
{
    size_t lo = 0, hi = s->nentries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->entries[mid] == pc)
            return (long)mid;
        if (s->entries[mid] < pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The instance of the subprogram `e` called from instance `parent` at
 * call_pc (parent -1: an entry of its own), created on first use; -1 and
 * s->err set when out of memory or over the budget. */
static long instance(struct scan *s, long parent, uint32_t call_pc, long e, int callback)
{
    uint32_t start = s->entries[e];
    if (parent >= 0) {
        for (int32_t c = s->in[parent].child; c >= 0; c = s->in[c].sibling)
            if (s->in[c].call_pc == call_pc && s->in[c].start == start)
                return c;
    } else {
        for (size_t i = 0; i < s->ninst; i++)
            if (s->in[i].parent < 0 && s->in[i].start == start)
                return (long)i;
    }
    uint8_t depth = parent >= 0 ? (uint8_t)(s->in[parent].depth + 1) : 0;
    uint32_t end = (size_t)e + 1 < s->nentries ? s->entries[e + 1] : (uint32_t)s->cnt;
    size_t w = WIDTH(depth), n = (size_t)(end - start) * w + w;
    if (s->cells + n > s->budget) {
        s->err = -E2BIG;
        return -1;
    }
    if (s->ninst == s->cap_inst) {
        size_t nc = s->cap_inst ? s->cap_inst * 2 : 16;
        struct inst *ni = pbpf_realloc(s->in, nc * sizeof *ni);
        if (!ni) {
            s->err = -ENOMEM;
            return -1;
        }
        s->in = ni;
        s->cap_inst = nc;
    }
    struct inst *I = &s->in[s->ninst];
    memset(I, 0, sizeof *I);
    I->start = start;
    I->end = end;
    I->call_pc = call_pc;
    I->parent = (int32_t)parent;
    I->child = I->sibling = -1;
    I->depth = depth;
    I->callback = (uint8_t)callback;
    I->st = pbpf_malloc(n * sizeof *I->st);
    I->queued = pbpf_calloc(end - start, 1);
    if (!I->st || !I->queued) {
        pbpf_free(I->st);
        pbpf_free(I->queued);
        s->err = -ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        I->st[i] = V_BOT;
    I->exit = I->st + (size_t)(end - start) * w;
    s->cells += n;
    if (parent >= 0) {
        I->sibling = s->in[parent].child;
        s->in[parent].child = (int32_t)s->ninst;
    }
    return (long)s->ninst++;
}

/* a fresh frame's state: nothing is the context but what r1 gives */
static void entry_state(cell *st, size_t w, cell r1)
{
    for (size_t i = 0; i < w; i++)
        st[i] = V_NOT;
    st[1] = r1;
    st[10] = stk(0, 0);
}

/* The state a callee (or callback) instance starts with: its own frame
 * empty, the caller's frames below it, regs[] from the caller (shifted). */
static void callee_state(cell *out, const cell *caller, uint8_t cdepth, const cell regs[6])
{
    size_t w = WIDTH(cdepth + 1);
    entry_state(out, w, V_NOT);
    for (int r = 1; r <= 5; r++)
        out[r] = shift(regs[r], 1);
    for (int f = 0; f <= cdepth; f++)
        for (int i = 0; i < NSLOTS; i++)
            *slot(out, f + 1, i) = shift(*slot((cell *)caller, f, i), 1);
}

/* The caller's state after the callee returned: its registers from before
 * the call (r0..r5 are the callee's numbers), its frames as the callee
 * left them. */
static void return_state(cell *out, const cell *caller, uint8_t cdepth, const cell *cexit)
{
    memcpy(out, caller, WIDTH(cdepth) * sizeof *out);
    for (int r = 0; r <= 5; r++)
        out[r] = V_NOT;
    for (int f = 0; f <= cdepth; f++)
        for (int i = 0; i < NSLOTS; i++)
            *slot(out, f, i) = shift(*slot((cell *)cexit, f + 1, i), -1);
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

/* A store of n bytes of v through a stack pointer p at +off, in a state
 * with frames 0..depth. */
static void stack_store(cell *st, uint8_t depth, cell p, int32_t off, unsigned n, cell v)
{
    if (is_stk(p)) {
        int f = stk_frame(p);
        int64_t a = (int64_t)stk_off(p) + off;
        if (f > depth || a >= 0 || a < -PBPF_STACK_SIZE)
            return;
        if (n == 8 && a % 8 == 0) {
            *slot(st, f, (int)(-a / 8 - 1)) = v;
            return;
        }
        for (int64_t b = a; b < a + (int64_t)n && b < 0; b++)
            *slot(st, f, (int)((-b - 1) / 8)) = V_NOT;
        return;
    }
    /* somewhere in one frame, or in any: a slot that held the context
     * may or may not still hold it */
    for (int f = 0; f <= depth; f++) {
        if (is_stkv(p) && stk_frame(p) != f)
            continue;
        for (int i = 0; i < NSLOTS; i++)
            if (is_ctxish(*slot(st, f, i)))
                *slot(st, f, i) = V_TOP;
    }
}

static cell stack_load(cell *st, uint8_t depth, cell p, int32_t off, unsigned n)
{
    if (!is_stk(p) || n != 8)
        return V_NOT;
    int f = stk_frame(p);
    int64_t a = (int64_t)stk_off(p) + off;
    if (f > depth || a >= 0 || a < -PBPF_STACK_SIZE || a % 8)
        return V_NOT;
    return *slot(st, f, (int)(-a / 8 - 1));
}

/* Callback helpers: which register holds the callback, which its
 * callback_ctx, and which of the callback's arguments receives it. */
static int callback_regs(int32_t helper, int *fn_reg, int *ctx_reg, int *cb_arg)
{
    switch (helper) {
    case H_LOOP: /* bpf_loop(nr, fn, ctx, flags); fn(index, ctx) */
    case H_USER_RINGBUF_DRAIN: /* (map, fn, ctx, flags); fn(dynptr, ctx) */
        *fn_reg = 2, *ctx_reg = 3, *cb_arg = 2;
        return 1;
    case H_FOR_EACH_MAP_ELEM: /* (map, fn, ctx, flags); fn(map, key, value, ctx) */
        *fn_reg = 2, *ctx_reg = 3, *cb_arg = 4;
        return 1;
    case H_FIND_VMA: /* (task, addr, fn, ctx, flags); fn(task, vma, ctx) */
        *fn_reg = 3, *ctx_reg = 4, *cb_arg = 3;
        return 1;
    default:
        return 0;
    }
}

static long func_entry(const struct scan *s, cell v)
{
    if (v < V_FUNC_BASE || v > V_FUNC_MAX)
        return -1;
    long e = v - V_FUNC_BASE;
    return (size_t)e < s->nentries ? e : -1;
}

/* A call into a subprogram or a callback: its instance's entry, and when
 * it has returned, the caller's state after it. */
static void step_call(struct scan *s, size_t ii, size_t pc, const cell *st, long e,
                      const cell regs[6], int callback)
{
    uint8_t depth = s->in[ii].depth;
    cell after[WMAX];
    memcpy(after, st, WIDTH(depth) * sizeof *after);
    for (int r = 0; r <= 5; r++)
        after[r] = V_NOT;
    if (e < 0 || depth + 1 >= MAX_FRAMES) {
        /* no subprogram there, or a chain deeper than Linux takes: the
         * callee is not followed */
        flow(s, ii, pc + 1, after);
        return;
    }
    long ci = instance(s, (long)ii, (uint32_t)pc, e, callback);
    if (ci < 0)
        return;
    cell in[WMAX];
    callee_state(in, st, depth, regs);
    flow(s, (size_t)ci, s->entries[e], in);
    const struct inst *C = &s->in[ci];
    int returned = C->exit[10] != V_BOT;
    if (callback) {
        /* called again with the frames it left; or not at all */
        if (returned) {
            for (int f = 1; f <= depth + 1; f++)
                for (int i = 0; i < NSLOTS; i++)
                    *slot(in, f, i) = *slot((cell *)C->exit, f, i);
            flow(s, (size_t)ci, s->entries[e], in);
        }
        flow(s, ii, pc + 1, after);
    }
    if (returned) {
        cell ret[WMAX];
        return_state(ret, st, depth, s->in[ci].exit);
        flow(s, ii, pc + 1, ret);
    }
}

/* Transfer function of one instruction: successors get the new state. */
static void step(struct scan *s, size_t ii, size_t pc)
{
    const struct pbpf_insn *in = &s->insns[pc];
    uint8_t depth = s->in[ii].depth;
    size_t w = WIDTH(depth);
    cell st[WMAX];
    memcpy(st, s->in[ii].st + (pc - s->in[ii].start) * w, w * sizeof *st);
    uint8_t cls = PBPF_CLASS(in->code), dst = PBPF_INSN_DST(in), src = PBPF_INSN_SRC(in);
    uint8_t mode = PBPF_MODE(in->code);
    if (dst >= NREGS || src >= NREGS)
        return;
    switch (cls) {
    case PBPF_CLS_ALU:
    case PBPF_CLS_ALU64: {
        uint8_t op = PBPF_OP(in->code);
        int x = (in->code & PBPF_SRC_X) != 0;
        cell d = st[dst], sv = x ? st[src] : V_NOT;
        if (op == PBPF_ALU_MOV) {
            /* a 64-bit copy keeps the pointer; 32-bit or sign-extending ones
             * (off != 0) make a number */
            st[dst] = cls == PBPF_CLS_ALU64 && x && in->off == 0 ? sv : V_NOT;
        } else if (cls == PBPF_CLS_ALU64 && !x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB)) {
            /* Linux folds a constant into the pointer's fixed offset
             * (adjust_ptr_min_max_vals: dst->off += smin) */
            st[dst] = move(d, op == PBPF_ALU_ADD ? (int64_t)in->imm : -(int64_t)in->imm);
        } else if (cls == PBPF_CLS_ALU64 && x && op == PBPF_ALU_SUB && is_ctxish(d) &&
                   is_ctxish(sv)) {
            /* pointer minus pointer: a number (a privileged loader's) */
            st[dst] = d == V_TOP || sv == V_TOP ? V_TOP : V_NOT;
        } else if (cls == PBPF_CLS_ALU64 && x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB) &&
                   (is_ctxish(d) || (op == PBPF_ALU_ADD && is_ctxish(sv)))) {
            /* the context plus or minus a register: a variable offset */
            cell p = is_ctxish(d) ? d : sv;
            st[dst] = p == V_TOP ? V_TOP : V_VAR;
        } else if (is_ctxish(d) || is_ctxish(sv)) {
            st[dst] = d == V_TOP || sv == V_TOP ? V_TOP : V_MOD;
        } else if (cls == PBPF_CLS_ALU64 && x && (op == PBPF_ALU_ADD || op == PBPF_ALU_SUB) &&
                   (is_stackish(d) || is_stackish(sv)) && !(is_stackish(d) && is_stackish(sv))) {
            /* a stack pointer moved by a register */
            cell p = is_stackish(d) ? d : sv;
            st[dst] = p == V_STKANY || (op == PBPF_ALU_SUB && !is_stackish(d))
                          ? V_STKANY
                          : (cell)(V_STKV_BASE + stk_frame(p));
        } else {
            st[dst] = V_NOT;
        }
        flow(s, ii, pc + 1, st);
        return;
    }
    case PBPF_CLS_LD:
        if (in->code == PBPF_OPCODE_LDDW) {
            st[dst] = V_NOT;
            if (src == PBPF_PSEUDO_FUNC) {
                long e = entry_index(s, pc + (size_t)(int64_t)in->imm + 1);
                if (e >= 0 && V_FUNC_BASE + e <= V_FUNC_MAX)
                    st[dst] = (cell)(V_FUNC_BASE + e);
            }
            flow(s, ii, pc + 2, st);
        } else {
            /* LD_ABS / LD_IND: r0 gets the data, r1..r5 are clobbered */
            for (int r = 0; r <= 5; r++)
                st[r] = V_NOT;
            flow(s, ii, pc + 1, st);
        }
        return;
    case PBPF_CLS_LDX: {
        unsigned n = size_bytes(in->code);
        st[dst] = mode == PBPF_MODE_MEM ? stack_load(st, depth, st[src], in->off, n) : V_NOT;
        flow(s, ii, pc + 1, st);
        return;
    }
    case PBPF_CLS_ST:
    case PBPF_CLS_STX: {
        unsigned n = size_bytes(in->code);
        if (is_stackish(st[dst])) {
            cell v = cls == PBPF_CLS_STX && mode == PBPF_MODE_MEM ? st[src] : V_NOT;
            stack_store(st, depth, st[dst], in->off, n, v);
        }
        if (mode == PBPF_MODE_ATOMIC) {
            if (in->imm == PBPF_ATOMIC_CMPXCHG)
                st[0] = V_NOT;
            else if (in->imm & PBPF_ATOMIC_FETCH)
                st[src] = V_NOT;
        }
        flow(s, ii, pc + 1, st);
        return;
    }
    default: /* JMP, JMP32 */
        break;
    }
    uint8_t op = PBPF_OP(in->code);
    if (cls == PBPF_CLS_JMP && op == PBPF_JMP_EXIT) {
        /* the instance's exit: its caller continues (step_call) */
        struct inst *I = &s->in[ii];
        int changed = 0;
        for (size_t i = 0; i < w; i++) {
            cell v = join(I->exit[i], st[i]);
            changed |= v != I->exit[i];
            I->exit[i] = v;
        }
        if (changed && I->parent >= 0) {
            struct inst *P = &s->in[I->parent];
            size_t at = I->call_pc - P->start;
            if (P->st[at * WIDTH(P->depth) + 10] != V_BOT && !P->queued[at]) {
                cell ps[WMAX];
                memcpy(ps, P->st + at * WIDTH(P->depth), WIDTH(P->depth) * sizeof *ps);
                P->st[at * WIDTH(P->depth) + 10] = V_BOT; /* forces the re-queue */
                flow(s, (size_t)I->parent, I->call_pc, ps);
            }
        }
        return;
    }
    if (cls == PBPF_CLS_JMP && op == PBPF_JMP_CALL) {
        if (src == PBPF_PSEUDO_CALL && in->code == PBPF_OPCODE_CALL) {
            long e = entry_index(s, pc + (size_t)(int64_t)in->imm + 1);
            step_call(s, ii, pc, st, e, st, 0);
            return;
        }
        int fr, cr, ca;
        if (src == 0 && in->code == PBPF_OPCODE_CALL && callback_regs(in->imm, &fr, &cr, &ca)) {
            cell regs[6] = {V_NOT, V_NOT, V_NOT, V_NOT, V_NOT, V_NOT};
            regs[ca] = st[cr];
            step_call(s, ii, pc, st, func_entry(s, st[fr]), regs, 1);
            return;
        }
        if (src == 0 && in->code == PBPF_OPCODE_CALL && in->imm == H_TIMER_SET_CALLBACK) {
            /* runs later, on its own: an entry of its own */
            long e = func_entry(s, st[2]);
            if (e >= 0) {
                long ci = instance(s, -1, 0, e, 0);
                if (ci >= 0) {
                    cell fresh[WMAX];
                    entry_state(fresh, WIDTH(0), V_NOT);
                    flow(s, (size_t)ci, s->entries[e], fresh);
                }
            }
        }
        /* Linux: subprograms return scalars; helpers' r0 is never the ctx */
        for (int r = 0; r <= 5; r++)
            st[r] = V_NOT;
        flow(s, ii, pc + 1, st);
        return;
    }
    if (in->code == PBPF_OPCODE_JA) {
        flow(s, ii, pc + (size_t)(int64_t)in->off + 1, st);
        return;
    }
    if (in->code == PBPF_OPCODE_JA32) {
        flow(s, ii, pc + (size_t)(int64_t)in->imm + 1, st);
        return;
    }
    flow(s, ii, pc + 1, st);
    flow(s, ii, pc + (size_t)(int64_t)in->off + 1, st);
}

/* What instruction pc is in one instance's state st. */
enum { K_NONE, K_ACCESS, K_OTHER };
static int classify(const struct pbpf_insn *insns, size_t pc, const cell *st, int *kind, char *msg,
                    size_t msg_size)
{
    const struct pbpf_insn *in = &insns[pc];
    uint8_t cls = PBPF_CLASS(in->code), mode = PBPF_MODE(in->code);
    *kind = K_NONE;
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
    *kind = K_OTHER;
    if (mode == PBPF_MODE_ATOMIC && (is_off(v) || v == V_MOD || v == V_VAR)) {
        /* check_atomic asks is_ctx_reg() before any offset */
        snprintf(msg, msg_size, "insn %zu: BPF_ATOMIC stores into R%u ctx is not allowed", pc, base);
        return -EACCES;
    }
    if (v == V_CTX) {
        *kind = K_ACCESS;
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

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Subprogram starts: 0, the targets of bpf-to-bpf calls and of lddw
 * src=4, in range. */
static int find_entries(struct scan *s)
{
    s->entries = pbpf_malloc((s->cnt + 1) * sizeof *s->entries);
    if (!s->entries)
        return -ENOMEM;
    size_t n = 0;
    s->entries[n++] = 0;
    for (size_t pc = 0; pc < s->cnt; pc++) {
        const struct pbpf_insn *in = &s->insns[pc];
        int64_t t = -1;
        if (in->code == PBPF_OPCODE_CALL && PBPF_INSN_SRC(in) == PBPF_PSEUDO_CALL)
            t = (int64_t)pc + in->imm + 1;
        else if (in->code == PBPF_OPCODE_LDDW && PBPF_INSN_SRC(in) == PBPF_PSEUDO_FUNC)
            t = (int64_t)pc + in->imm + 1;
        if (t > 0 && t < (int64_t)s->cnt)
            s->entries[n++] = (uint32_t)t;
    }
    qsort(s->entries, n, sizeof *s->entries, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || s->entries[u - 1] != s->entries[i])
            s->entries[u++] = s->entries[i];
    s->nentries = u;
    return 0;
}

static void run(struct scan *s)
{
    while (s->nwork && !s->err) {
        uint64_t item = s->work[--s->nwork];
        size_t ii = (size_t)(item >> 32), pc = (size_t)(uint32_t)item;
        s->in[ii].queued[pc - s->in[ii].start] = 0;
        step(s, ii, pc);
    }
}

/* Callbacks no helper call gave an instance (their address went through
 * something the scan does not follow): entries of their own, in which
 * nothing is the context. */
static int orphan_callbacks(struct scan *s)
{
    int added = 0;
    for (size_t pc = 0; pc < s->cnt && !s->err; pc++) {
        const struct pbpf_insn *in = &s->insns[pc];
        if (in->code != PBPF_OPCODE_LDDW || PBPF_INSN_SRC(in) != PBPF_PSEUDO_FUNC)
            continue;
        long e = entry_index(s, pc + (size_t)(int64_t)in->imm + 1);
        if (e < 0)
            continue;
        int reached = 0;
        for (size_t i = 0; i < s->ninst && !reached; i++)
            reached = s->in[i].start == s->entries[e] && s->in[i].st[10] != V_BOT;
        if (reached)
            continue;
        long ci = instance(s, -1, 0, e, 0);
        if (ci < 0)
            break;
        cell fresh[WMAX];
        entry_state(fresh, WIDTH(0), V_NOT);
        flow(s, (size_t)ci, s->entries[e], fresh);
        added = 1;
    }
    return added;
}

/* The verdict on every instruction over all instances: kinds[pc] gets
 * K_ACCESS for the accesses; 0 or the first refusal. */
static int verdicts(struct scan *s, uint8_t *kinds, char *msg, size_t msg_size)
{
    for (size_t i = 0; i < s->ninst; i++) {
        const struct inst *I = &s->in[i];
        size_t w = WIDTH(I->depth);
        for (size_t pc = I->start; pc < I->end; pc++) {
            const cell *st = I->st + (pc - I->start) * w;
            if (st[10] == V_BOT)
                continue;
            int k;
            int rc = classify(s->insns, pc, st, &k, msg, msg_size);
            if (rc)
                return rc;
            if (k == K_NONE)
                continue;
            if (kinds[pc] && kinds[pc] != k) {
                /* Linux's save_aux_ptr_type */
                snprintf(msg, msg_size,
                         "insn %zu: same insn cannot be used with different pointers (the "
                         "context in one call of its subprogram, another pointer in another)",
                         pc);
                return -EACCES;
            }
            kinds[pc] = (uint8_t)k;
        }
    }
    return 0;
}

int pbpf_ctx_scan(const struct pbpf_insn *insns, size_t cnt, struct pbpf_ctx_site **out,
                  size_t *n, char *msg, size_t msg_size)
{
    *out = NULL;
    *n = 0;
    if (!cnt)
        return 0;
    if (cnt > UINT32_MAX / 2) {
        snprintf(msg, msg_size, "context scan: %zu instructions are too many", cnt);
        return -E2BIG;
    }
    struct scan s;
    memset(&s, 0, sizeof s);
    s.insns = insns;
    s.cnt = cnt;
    s.budget = cnt * WIDTH(0) + EXTRA_CELLS;
    uint8_t *kinds = NULL;
    int rc = find_entries(&s);
    if (!rc) {
        long mi = instance(&s, -1, 0, 0, 0);
        if (mi >= 0) {
            cell entry[WMAX];
            entry_state(entry, WIDTH(0), V_CTX);
            flow(&s, (size_t)mi, 0, entry);
        }
        do
            run(&s);
        while (!s.err && orphan_callbacks(&s));
        rc = s.err;
    }
    if (rc == -E2BIG)
        snprintf(msg, msg_size,
                 "context scan: too many call paths (the states of the subprograms' "
                 "instructions per call site exceed %zu cells)",
                 s.budget);
    if (!rc) {
        kinds = pbpf_calloc(cnt, 1);
        rc = kinds ? verdicts(&s, kinds, msg, msg_size) : -ENOMEM;
    }
    size_t nsites = 0;
    for (size_t pc = 0; !rc && pc < cnt; pc++)
        nsites += kinds[pc] == K_ACCESS;
    if (!rc && nsites) {
        *out = pbpf_calloc(nsites, sizeof **out);
        if (!*out)
            rc = -ENOMEM;
        for (size_t pc = 0; !rc && pc < cnt; pc++) {
            if (kinds[pc] != K_ACCESS)
                continue;
            (*out)[*n].insn_idx = (uint32_t)pc;
            (*out)[*n].base_off = 0;
            (*n)++;
        }
    }
    if (rc == -ENOMEM)
        snprintf(msg, msg_size, "context scan: out of memory");
    pbpf_free(kinds);
    for (size_t i = 0; i < s.ninst; i++) {
        pbpf_free(s.in[i].st);
        pbpf_free(s.in[i].queued);
    }
    pbpf_free(s.in);
    pbpf_free(s.work);
    pbpf_free(s.entries);
    return rc;
}
