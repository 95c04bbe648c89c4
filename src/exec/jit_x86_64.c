/* The x86-64 JIT: verified bytecode → native code, System V and Windows x64.
 *
 * Register map (no spills: every eBPF register lives in an x86 register):
 *
 *   r0 rax   r1 rdi   r2 rsi   r3 rdx   r4 rcx   r5 r8
 *   r6 rbx   r7 r13   r8 r14   r9 r15   r10 rbp
 *
 * r1..r5 sit where System V passes the first five arguments, so a helper
 * call only adds the run context as the sixth; r6..r10 are callee-saved in
 * both ABIs, as eBPF wants across calls (RFC 9669 §4.3.1).  r12 points at the
 * bottom of the run's stack area; r9, r10 and r11 are scratch.
 *
 * Windows x64: the entry saves rdi and rsi (callee-saved there) and moves
 * its arguments from rcx, rdx and r8; a helper call passes r1..r4 in rcx,
 * rdx, r8, r9 and r5 and the run context on the stack above the 32 bytes of
 * shadow space.  Generated code touches no xmm register, so xmm6-15 need no
 * saving.
 *
 * Native stack of a run, from the entry down:
 *
 *   saved callee-saved registers
 *   [r12 + 4096]          the struct pbpf_run_ctx pointer
 *   [r12 .. r12 + 4096)   eight 512-byte eBPF frames; r10 of depth d is
 *                         r12 + 4096 - 512 d (the interpreter's layout)
 *   return address into the entry, then per bpf-to-bpf call: the caller's
 *   r6..r9 that the program uses, its r10 when that makes the count odd,
 *   and a return address (keeps 16-byte call alignment)
 *
 * With bpf-to-bpf calls the entry calls the program's first instruction,
 * so `exit` is always a `ret`; without, an `exit` is the epilogue itself.
 * Whatever stops a run early (LD_ABS out of bounds, a failed call) jumps to
 * the epilogue, which finds the saved registers through r12.  The entry
 * saves only the callee-saved registers the program uses and builds the
 * stack area only when something needs it: an empty program costs a call.
 *
 * A leaf (no call, no packet load, no r10: nothing reads the run context
 * and nothing can fail) is entered as int(r1, r2, uint64_t *r0): each exit
 * stores r0 where the third argument points, when it is not NULL, and
 * returns 0, so pbpf_prog_run jumps straight into the code.  The third
 * argument's register is r3 in System V and r5 on Windows; a program that
 * names it has the address pushed first and popped last.  The run
 * context's entry of a leaf is a stub after the code that calls it with a
 * stack slot for r0.
 *
 * Code is laid out in passes until every jump has its shortest encoding
 * and loop heads are 16-byte aligned (after a few passes a jump that needed
 * rel32 keeps it, so this converges even where padding grows), then
 * copied into pages that are made executable only after they stop being
 * writable (W^X, pbpf_exec_seal). */
#if defined(PBPF_JIT_X86_64)
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "helpers/helpers.h"
#include "helpers/proto.h"
#include "maps/map.h"
#include "platform/platform.h"

typedef uint64_t (*jit_entry_fn)(uint64_t r1, uint64_t r2, struct pbpf_run_ctx *ctx);

struct pbpf_jit_code {
    jit_entry_fn entry;
    void *mem;
    size_t size;
    uint32_t *offs; /* native offset of each instruction slot, [cnt] = end */
    /* callbacks: enters the subprogram of a struct jit_cb_args */
    uint64_t (*cb_entry)(const void *args);
    /* callbacks with no run in progress (timers): the same, as a run */
    uint64_t (*async_entry)(const void *args, struct pbpf_run_ctx *ctx);
};

/* What the callback entry loads: r1..r5, the code to call, and the frame
 * area and frame the callback runs in (offsets used by the generated code). */
struct jit_cb_args {
    uint64_t r[5];
    const void *target;
    uint64_t r12, rbp;
};

enum {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
};

static const uint8_t jit_reg[11] = {RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP};

#define JIT_STACK (PBPF_STACK_SIZE * PBPF_MAX_CALL_DEPTH)
#define JIT_CTX_OFF JIT_STACK
#define JIT_FRAME (JIT_STACK + 8)
/* A call from depth d is allowed while d + 1 < PBPF_MAX_CALL_DEPTH, that is
 * while r10 >= r12 + 2 * 512. */
#define JIT_CALL_LIMIT (2 * PBPF_STACK_SIZE)

#ifdef _WIN32
#define ARG1 RCX
#define ARG2 RDX
#define ARG3 R8
#else
#define ARG1 RDI
#define ARG2 RSI
#define ARG3 RDX
#endif

/* x86 condition codes (the low nibble of Jcc/CMOVcc). */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7, CC_S = 8,
       CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf };

/* Out-of-line labels that code jumps to with a rel32 patched at the end of
 * each pass. */
enum {
    LBL_EPILOGUE,
    LBL_PKT_FAIL,
    LBL_FAIL_DEPTH,
    LBL_FAIL_CALLX,
    LBL_FAIL_HELPER,
    LBL_RETPOLINE,
    LBL_CB_ENTRY,
    LBL_ASYNC_ENTRY,
    LBL_CTX_ENTRY,
    LBL_FIXED_COUNT,
};

enum stub_kind { STUB_DEPTH, STUB_CALLX, STUB_HELPER };

struct jit_stub {
    uint8_t kind;
    uint8_t reg; /* callx: the x86 register holding the helper id */
    uint32_t pc;
};

struct jit_fixup {
    uint32_t pos;   /* offset of a rel32 field */
    uint32_t label; /* LBL_* or LBL_FIXED_COUNT + stub index */
};

struct jit_state {
    const struct pbpf_prog *prog;
    unsigned flags;
    uint8_t *buf;
    size_t len, cap;
    int oom;
    uint32_t *addrs; /* this pass: offset of each instruction, [cnt] = end */
    uint32_t *prev;  /* the previous pass */
    int first_pass;
    int pass;
    uint8_t *loop_head; /* [pc]: a backward jump lands here (aligned) */
    uint8_t *long_jump; /* [pc]: this jump keeps its rel32 form */
    struct jit_stub *stubs;
    size_t nstubs, stubs_cap;
    struct jit_fixup *fix;
    size_t nfix, fix_cap;
    uint32_t labels[LBL_FIXED_COUNT];
    uint64_t seed, rng;
    /* entry frame (plan_frame) */
    int frame;
    int local_calls; /* bpf-to-bpf calls: the entry calls the body */
    /* no frame: the code has the leaf entry (r0 stored through the third
     * argument), and the program names the register that carries it, so
     * the entry pushes it */
    int leaf;
    int leaf_push_r0p;
    unsigned used; /* eBPF registers the program names */
    uint8_t saved[8];
    unsigned nsaved;
    unsigned frame_size;
    /* [pc]: the map r1 is known to hold at the helper call pc (one of the
     * program's maps), or NULL (find_map_args) */
    struct pbpf_map **call_map;
    unsigned helper_calls; /* this pass: calls left in the code */
};

/* --- byte emission -------------------------------------------------------- */

static void emit_bytes(struct jit_state *st, const void *p, size_t n)
{
    if (st->len + n > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        while (cap < st->len + n)
            cap *= 2;
        uint8_t *b = pbpf_realloc(st->buf, cap);
        if (!b) {
            st->oom = 1;
            return;
        }
        st->buf = b;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
}

static void emit1(struct jit_state *st, uint8_t b) { emit_bytes(st, &b, 1); }

static void emit4(struct jit_state *st, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    emit_bytes(st, b, 4);
}

static void emit8(struct jit_state *st, uint64_t v)
{
    emit4(st, (uint32_t)v);
    emit4(st, (uint32_t)(v >> 32));
}

static int fits8(int64_t v) { return v >= -128 && v <= 127; }
static int fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* REX prefix; `force` for byte access to sil/dil/bpl/spl. */
static void emit_rex(struct jit_state *st, int w, int r, int x, int b, int force)
{
    uint8_t v = (uint8_t)(0x40 | (w ? 8 : 0) | ((r >> 3) & 1) << 2 | ((x >> 3) & 1) << 1 |
                          ((b >> 3) & 1));
    if (v != 0x40 || force)
        emit1(st, v);
}

static void emit_modrm_mem(struct jit_state *st, int reg, int base, int32_t disp)
{
    int mod = (disp == 0 && (base & 7) != RBP) ? 0 : fits8(disp) ? 1 : 2;
    emit1(st, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
    if ((base & 7) == RSP)
        emit1(st, 0x24);
    if (mod == 1)
        emit1(st, (uint8_t)disp);
    else if (mod == 2)
        emit4(st, (uint32_t)disp);
}

/* op reg, r/m with r/m a register. */
static void emit_rr(struct jit_state *st, int w, const char *op, size_t nop, int reg, int rm)
{
    emit_rex(st, w, reg, 0, rm, 0);
    emit_bytes(st, op, nop);
    emit1(st, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* op reg, [base + disp]; `p66` for 16-bit operands, `byte_reg` when reg is
 * an 8-bit operand (needs REX for sil/dil/bpl). */
static void emit_rm(struct jit_state *st, int w, int p66, int byte_reg, const char *op, size_t nop,
                    int reg, int base, int32_t disp)
{
    if (p66)
        emit1(st, 0x66);
    emit_rex(st, w, reg, 0, base, byte_reg && reg >= 4 && reg < 8);
    emit_bytes(st, op, nop);
    emit_modrm_mem(st, reg, base, disp);
}

/* Two-operand ALU, register forms: `op dst, src` with the r/m, reg opcode. */
enum { OP_ADD = 0x01, OP_OR = 0x09, OP_AND = 0x21, OP_SUB = 0x29, OP_XOR = 0x31, OP_CMP = 0x39,
       OP_MOV = 0x89, OP_TEST = 0x85 };
/* The /digit of the immediate forms (0x81, 0x83). */
enum { EXT_ADD = 0, EXT_OR = 1, EXT_ADC = 2, EXT_AND = 4, EXT_SUB = 5, EXT_XOR = 6, EXT_CMP = 7 };

static void emit_alu_rr(struct jit_state *st, uint8_t op, int w, int dst, int src)
{
    char o = (char)op;
    emit_rr(st, w, &o, 1, src, dst);
}

static void emit_mov_rr(struct jit_state *st, int w, int dst, int src)
{
    if (w && dst == src)
        return;
    emit_alu_rr(st, OP_MOV, w, dst, src);
}

static void emit_alu_ri(struct jit_state *st, int ext, int w, int dst, int32_t imm)
{
    emit_rex(st, w, 0, 0, dst, 0);
    if (fits8(imm)) {
        emit1(st, 0x83);
        emit1(st, (uint8_t)(0xc0 | ext << 3 | (dst & 7)));
        emit1(st, (uint8_t)imm);
    } else {
        emit1(st, 0x81);
        emit1(st, (uint8_t)(0xc0 | ext << 3 | (dst & 7)));
        emit4(st, (uint32_t)imm);
    }
}

/* mov r32, imm32 (zero-extends); the size never depends on the value. */
static void emit_mov_ri32(struct jit_state *st, int dst, uint32_t imm)
{
    emit_rex(st, 0, 0, 0, dst, 0);
    emit1(st, (uint8_t)(0xb8 + (dst & 7)));
    emit4(st, imm);
}

/* mov r64, sign-extended imm32 (REX.W C7 /0); constant size. */
static void emit_mov_ri_sx(struct jit_state *st, int dst, int32_t imm)
{
    emit_rex(st, 1, 0, 0, dst, 0);
    emit1(st, 0xc7);
    emit1(st, (uint8_t)(0xc0 | (dst & 7)));
    emit4(st, (uint32_t)imm);
}

static void emit_mov_imm64(struct jit_state *st, int dst, uint64_t v)
{
    if (v <= UINT32_MAX) {
        emit_mov_ri32(st, dst, (uint32_t)v);
    } else if (fits32((int64_t)v)) {
        emit_mov_ri_sx(st, dst, (int32_t)v);
    } else {
        emit_rex(st, 1, 0, 0, dst, 0);
        emit1(st, (uint8_t)(0xb8 + (dst & 7)));
        emit8(st, v);
    }
}

/* mov r64, imm64 always in its ten-byte form (addresses, blinded values). */
static void emit_mov_abs64(struct jit_state *st, int dst, uint64_t v)
{
    emit_rex(st, 1, 0, 0, dst, 0);
    emit1(st, (uint8_t)(0xb8 + (dst & 7)));
    emit8(st, v);
}

/* Loads an instruction immediate into reg: sign-extended to 64 bits when w,
 * else zero-extended from 32.  With constant blinding the value never
 * appears in the code: it is stored xor a random key and decoded at run
 * time, so a program cannot plant chosen bytes in executable memory. */
static uint32_t jit_key(struct jit_state *st)
{
    /* xorshift64*: cheap and deterministic per pass (same seed each pass,
     * so instruction sizes stay the same) */
    st->rng ^= st->rng >> 12;
    st->rng ^= st->rng << 25;
    st->rng ^= st->rng >> 27;
    return (uint32_t)((st->rng * 0x2545f4914f6cdd1dull) >> 32);
}

static int blinding(const struct jit_state *st) { return st->flags & PBPF_JIT_BLIND_CONSTANTS; }

static void emit_load_imm(struct jit_state *st, int reg, int32_t imm, int w)
{
    if (blinding(st)) {
        int32_t key = (int32_t)jit_key(st);
        if (w)
            emit_mov_ri_sx(st, reg, imm ^ key);
        else
            emit_mov_ri32(st, reg, (uint32_t)(imm ^ key));
        emit_rex(st, w, 0, 0, reg, 0);
        emit1(st, 0x81);
        emit1(st, (uint8_t)(0xc0 | EXT_XOR << 3 | (reg & 7)));
        emit4(st, (uint32_t)key);
    } else if (w) {
        if (imm >= 0)
            emit_mov_ri32(st, reg, (uint32_t)imm);
        else
            emit_mov_ri_sx(st, reg, imm);
    } else {
        emit_mov_ri32(st, reg, (uint32_t)imm);
    }
}

/* --- jumps and labels --------------------------------------------------- */

static void add_fixup(struct jit_state *st, uint32_t label)
{
    if (st->nfix == st->fix_cap) {
        size_t cap = st->fix_cap ? st->fix_cap * 2 : 64;
        struct jit_fixup *f = pbpf_realloc(st->fix, cap * sizeof *f);
        if (!f) {
            st->oom = 1;
            return;
        }
        st->fix = f;
        st->fix_cap = cap;
    }
    st->fix[st->nfix].pos = (uint32_t)st->len;
    st->fix[st->nfix].label = label;
    st->nfix++;
}

/* jcc/jmp rel32 to a label (cc < 0: jmp). */
static void emit_jump_label(struct jit_state *st, int cc, uint32_t label)
{
    if (cc < 0) {
        emit1(st, 0xe9);
    } else {
        emit1(st, 0x0f);
        emit1(st, (uint8_t)(0x80 + cc));
    }
    add_fixup(st, label);
    emit4(st, 0);
}

static void emit_call_label(struct jit_state *st, uint32_t label)
{
    emit1(st, 0xe8);
    add_fixup(st, label);
    emit4(st, 0);
}

static uint32_t add_stub(struct jit_state *st, uint8_t kind, size_t pc, int reg)
{
    if (st->nstubs == st->stubs_cap) {
        size_t cap = st->stubs_cap ? st->stubs_cap * 2 : 16;
        struct jit_stub *s = pbpf_realloc(st->stubs, cap * sizeof *s);
        if (!s) {
            st->oom = 1;
            return LBL_EPILOGUE;
        }
        st->stubs = s;
        st->stubs_cap = cap;
    }
    st->stubs[st->nstubs].kind = kind;
    st->stubs[st->nstubs].reg = (uint8_t)reg;
    st->stubs[st->nstubs].pc = (uint32_t)pc;
    return (uint32_t)(LBL_FIXED_COUNT + st->nstubs++);
}

/* Passes in which a jump may switch between its short and long forms
 * freely; after them a jump that needed rel32 keeps it, so that the layout
 * converges even though loop alignment can make distances grow. */
#define JIT_FREE_PASSES 4

/* A jump of instruction pc to instruction `target`.  The target's offset
 * comes from the previous pass, the jump's own from this one; in the last
 * pass (nothing moved) both are exact. */
static void emit_jump_insn(struct jit_state *st, int cc, size_t pc, size_t target)
{
    int64_t rel = (int64_t)st->prev[target] - (int64_t)(st->len + 2);
    if (!st->first_pass && !st->long_jump[pc] && fits8(rel)) {
        emit1(st, (uint8_t)(cc < 0 ? 0xeb : 0x70 + cc));
        emit1(st, (uint8_t)rel);
        return;
    }
    if (!st->first_pass && st->pass > JIT_FREE_PASSES)
        st->long_jump[pc] = 1;
    rel -= cc < 0 ? 3 : 4;
    if (cc < 0) {
        emit1(st, 0xe9);
        emit4(st, (uint32_t)rel);
    } else {
        emit1(st, 0x0f);
        emit1(st, (uint8_t)(0x80 + cc));
        emit4(st, (uint32_t)rel);
    }
}

/* Indirect call of the address in r10: `call r10`, or with retpolines a
 * call of a thunk that steers speculation into a harmless loop. */
static void emit_call_r10(struct jit_state *st)
{
    if (st->flags & PBPF_JIT_RETPOLINE) {
        emit_call_label(st, LBL_RETPOLINE);
    } else {
        static const uint8_t call_r10[] = {0x41, 0xff, 0xd2};
        emit_bytes(st, call_r10, sizeof call_r10);
    }
}

static void emit_push(struct jit_state *st, int r)
{
    emit_rex(st, 0, 0, 0, r, 0);
    emit1(st, (uint8_t)(0x50 + (r & 7)));
}

static void emit_pop(struct jit_state *st, int r)
{
    emit_rex(st, 0, 0, 0, r, 0);
    emit1(st, (uint8_t)(0x58 + (r & 7)));
}

/* Multi-byte NOPs (Intel SDM, NOP: the recommended sequences). */
static void emit_nops(struct jit_state *st, unsigned n)
{
    static const uint8_t nop[9][9] = {
        {0x90},
        {0x66, 0x90},
        {0x0f, 0x1f, 0x00},
        {0x0f, 0x1f, 0x40, 0x00},
        {0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    while (n) {
        unsigned k = n > 9 ? 9 : n;
        emit_bytes(st, nop[k - 1], k);
        n -= k;
    }
}

/* Loop heads start on a 16-byte boundary: the decoder fetches them in one
 * go on each iteration (the NOPs in front run once, on entry). */
#define JIT_LOOP_ALIGN 16

static void mark_loop_heads(struct jit_state *st)
{
    const struct pbpf_prog *prog = st->prog;
    for (size_t pc = 0; pc < prog->cnt; pc++) {
        const struct pbpf_insn *in = &prog->insns[pc];
        const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
        int64_t t;
        if (info && (info->fmt == PBPF_FMT_JA || info->fmt == PBPF_FMT_JA32 ||
                     info->fmt == PBPF_FMT_JCOND_K || info->fmt == PBPF_FMT_JCOND_X) &&
            pbpf_isa_jump_target(in, pc, &t) && t >= 0 && (size_t)t <= pc)
            st->loop_head[t] = 1;
        if (in->code == PBPF_OPCODE_LDDW)
            pc++;
    }
}

/* --- instructions ------------------------------------------------------- */

/* Calls the helper whose address is in r10 with r1..r5 and the run context,
 * then stops the run if the helper reported an error (Linux helpers cannot
 * abort a program; ours can, through pbpf_run_ctx_abort). */
static void emit_helper_call(struct jit_state *st, size_t pc)
{
#ifdef _WIN32
    /* Microsoft x64: rcx, rdx, r8, r9, then the stack above 32 bytes of
     * shadow space; 48 keeps rsp 16-byte aligned. */
    emit_alu_ri(st, EXT_SUB, 1, RSP, 48);
    emit_rm(st, 1, 0, 0, "\x89", 1, R8, RSP, 32); /* r5 */
    emit_mov_rr(st, 1, R9, RCX);                  /* r4 */
    emit_mov_rr(st, 1, R8, RDX);                  /* r3 */
    emit_mov_rr(st, 1, RDX, RSI);                 /* r2 */
    emit_mov_rr(st, 1, RCX, RDI);                 /* r1 */
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 1, 0, 0, "\x89", 1, R11, RSP, 40);
    emit_call_r10(st);
    emit_alu_ri(st, EXT_ADD, 1, RSP, 48);
#else
    emit_rm(st, 1, 0, 0, "\x8b", 1, R9, R12, JIT_CTX_OFF);
    emit_call_r10(st);
#endif
    /* cmp dword [ctx + err], 0; jne stub */
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 0, 0, 0, "\x83", 1, EXT_CMP, R11, (int32_t)offsetof(struct pbpf_run_ctx, err));
    emit1(st, 0);
    emit_jump_label(st, CC_NE, add_stub(st, STUB_HELPER, pc, 0));
}

/* dst op= imm for the ALU operations with an x86 immediate form. */
static void emit_alu_imm(struct jit_state *st, int ext, uint8_t op, int w, int dst, int32_t imm)
{
    if (blinding(st)) {
        emit_load_imm(st, R10, imm, w);
        emit_alu_rr(st, op, w, dst, R10);
    } else {
        emit_alu_ri(st, ext, w, dst, imm);
    }
}

/* Shift by a register: x86 takes the count in cl, and rcx is r4. */
static void emit_shift_x(struct jit_state *st, int ext, int w, int dst, int src)
{
    char op = (char)0xd3;
    if (src == RCX) {
        if (dst != RCX) {
            emit_rr(st, w, &op, 1, ext, dst);
            return;
        }
        emit_mov_rr(st, 1, R11, RCX);
        emit_rr(st, w, &op, 1, ext, R11);
        emit_mov_rr(st, 1, RCX, R11);
        return;
    }
    if (!(st->used & 1u << 4)) {
        /* r4 is never named (nor passed to a helper): rcx is free */
        emit_mov_rr(st, 1, RCX, src);
        emit_rr(st, w, &op, 1, ext, dst);
        return;
    }
    emit_mov_rr(st, 1, R11, RCX);
    emit_mov_rr(st, 1, RCX, src);
    if (dst == RCX) {
        emit_rr(st, w, &op, 1, ext, R11);
    } else {
        emit_rr(st, w, &op, 1, ext, dst);
    }
    emit_mov_rr(st, 1, RCX, R11);
}

static void emit_shift_k(struct jit_state *st, int ext, int w, int dst, int32_t imm)
{
    unsigned n = (unsigned)imm & (w ? 63u : 31u); /* RFC 9669 §4.1: masked */
    if (n == 0) {
        if (!w)
            emit_mov_rr(st, 0, dst, dst); /* still zero-extends */
        return;
    }
    emit_rex(st, w, 0, 0, dst, 0);
    emit1(st, 0xc1);
    emit1(st, (uint8_t)(0xc0 | ext << 3 | (dst & 7)));
    emit1(st, (uint8_t)n);
}

static int is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

/* RFC 9669 §4.1 division and modulo.  x86 div/idiv fault on a zero divisor
 * and on INT_MIN / -1, where eBPF defines the results (x / 0 = 0, x % 0 = x,
 * INT_MIN / -1 = INT_MIN, x % -1 = 0).  Immediate divisors are settled at
 * compile time; register divisors are fixed up with cmov, without branches:
 * divisor 0 or -1 becomes 1 after the dividend was made 0 (division by 0)
 * or negated (by -1), and a remainder by 0 is replaced by the dividend. */
static void emit_divmod(struct jit_state *st, int w, int is_signed, int is_mod, int dst, int src,
                        int is_imm, int32_t imm)
{
    if (is_imm) {
        uint64_t d = w ? (uint64_t)(int64_t)imm : (uint64_t)(uint32_t)imm;
        if (d == 0) {
            if (!is_mod)
                emit_alu_rr(st, OP_XOR, 0, dst, dst);
            else if (!w)
                emit_mov_rr(st, 0, dst, dst);
            return;
        }
        if (is_signed && imm == -1) {
            if (is_mod) {
                emit_alu_rr(st, OP_XOR, 0, dst, dst);
            } else {
                char neg = (char)0xf7;
                emit_rr(st, w, &neg, 1, 3, dst);
            }
            return;
        }
        if (!is_signed && is_pow2(d)) {
            unsigned k = 0;
            while ((1ull << k) != d)
                k++;
            if (is_mod)
                emit_alu_ri(st, EXT_AND, w, dst, (int32_t)(d - 1));
            else
                emit_shift_k(st, 5, w, dst, (int32_t)k);
            return;
        }
    }
    /* originals of rax and rdx are kept in r9 and r10 */
    int orig_dst = dst == RAX ? R9 : dst == RDX ? R10 : dst;
    int orig_src = src == RAX ? R9 : src == RDX ? R10 : src;
    emit_mov_rr(st, 1, R9, RAX);
    emit_mov_rr(st, 1, R10, RDX);
    if (is_imm)
        emit_load_imm(st, R11, imm, w);
    else
        emit_mov_rr(st, 1, R11, orig_src);
    emit_mov_rr(st, w, RAX, orig_dst);
    if (!is_signed) {
        if (!is_imm) {
            if (!is_mod) {
                static const char cmovz[] = {0x0f, 0x44};
                emit_alu_rr(st, OP_TEST, w, R11, R11);
                emit_rr(st, w, cmovz, 2, RAX, R11); /* x / 0: dividend 0 */
            }
            emit_alu_ri(st, EXT_CMP, w, R11, 1);
            emit_alu_ri(st, EXT_ADC, w, R11, 0); /* divisor 0 → 1 */
        }
        emit_alu_rr(st, OP_XOR, 0, RDX, RDX);
        char op = (char)0xf7;
        emit_rr(st, w, &op, 1, 6, R11); /* div r11 */
    } else {
        if (!is_imm) {
            static const char cmove[] = {0x0f, 0x44}, cmovbe[] = {0x0f, 0x46};
            char neg = (char)0xf7;
            emit_mov_rr(st, 1, RDX, RAX);
            emit_rr(st, w, &neg, 1, 3, RDX);
            emit_alu_ri(st, EXT_CMP, w, R11, -1);
            emit_rr(st, w, cmove, 2, RAX, RDX); /* x / -1: dividend -x */
            if (!is_mod) {
                emit_alu_rr(st, OP_TEST, w, R11, R11);
                emit_rr(st, w, cmove, 2, RAX, R11); /* x / 0: dividend 0 */
            }
            emit_rm(st, w, 0, 0, "\x8d", 1, RDX, R11, 1); /* lea rdx, [r11 + 1] */
            emit_alu_ri(st, EXT_CMP, w, RDX, 1);
            emit_mov_ri32(st, RDX, 1);
            emit_rr(st, w, cmovbe, 2, R11, RDX); /* divisor -1 or 0 → 1 */
        }
        if (w)
            emit1(st, 0x48);
        emit1(st, 0x99); /* cqo / cdq */
        char op = (char)0xf7;
        emit_rr(st, w, &op, 1, 7, R11); /* idiv r11 */
    }
    int res = RAX;
    if (is_mod) {
        res = RDX;
        if (!is_imm) {
            static const char cmovz[] = {0x0f, 0x44};
            emit_alu_rr(st, OP_TEST, w, orig_src, orig_src);
            emit_rr(st, w, cmovz, 2, RDX, orig_dst); /* x % 0 = x */
        }
    }
    emit_mov_rr(st, w, dst, res);
    if (dst != RAX)
        emit_mov_rr(st, 1, RAX, R9);
    if (dst != RDX)
        emit_mov_rr(st, 1, RDX, R10);
}

static void emit_bswap(struct jit_state *st, int width, int dst)
{
    if (width == 16) {
        /* ror r16, 8; movzx r32, r16 */
        emit1(st, 0x66);
        emit_rex(st, 0, 0, 0, dst, 0);
        emit1(st, 0xc1);
        emit1(st, (uint8_t)(0xc0 | 1 << 3 | (dst & 7)));
        emit1(st, 8);
        emit_rr(st, 0, "\x0f\xb7", 2, dst, dst);
    } else {
        emit_rex(st, width == 64, 0, 0, dst, 0);
        emit1(st, 0x0f);
        emit1(st, (uint8_t)(0xc8 + (dst & 7)));
    }
}

static void emit_load(struct jit_state *st, unsigned size, int sx, int dst, int base, int32_t off)
{
    if (sx) {
        if (size == 1)
            emit_rm(st, 1, 0, 0, "\x0f\xbe", 2, dst, base, off);
        else if (size == 2)
            emit_rm(st, 1, 0, 0, "\x0f\xbf", 2, dst, base, off);
        else
            emit_rm(st, 1, 0, 0, "\x63", 1, dst, base, off);
        return;
    }
    if (size == 1)
        emit_rm(st, 0, 0, 0, "\x0f\xb6", 2, dst, base, off);
    else if (size == 2)
        emit_rm(st, 0, 0, 0, "\x0f\xb7", 2, dst, base, off);
    else
        emit_rm(st, size == 8, 0, 0, "\x8b", 1, dst, base, off);
}

static void emit_store_reg(struct jit_state *st, unsigned size, int base, int32_t off, int src)
{
    if (size == 1)
        emit_rm(st, 0, 0, 1, "\x88", 1, src, base, off);
    else
        emit_rm(st, size == 8, size == 2, 0, "\x89", 1, src, base, off);
}

static void emit_store_imm(struct jit_state *st, unsigned size, int base, int32_t off, int32_t imm)
{
    if (blinding(st)) {
        emit_load_imm(st, R10, imm, size == 8);
        emit_store_reg(st, size, base, off, R10);
        return;
    }
    if (size == 1) {
        emit_rm(st, 0, 0, 0, "\xc6", 1, 0, base, off);
        emit1(st, (uint8_t)imm);
    } else if (size == 2) {
        emit_rm(st, 0, 1, 0, "\xc7", 1, 0, base, off);
        emit1(st, (uint8_t)imm);
        emit1(st, (uint8_t)(imm >> 8));
    } else {
        emit_rm(st, size == 8, 0, 0, "\xc7", 1, 0, base, off);
        emit4(st, (uint32_t)imm);
    }
}

/* RFC 9669 §5.3 atomics; every locked x86 instruction is a full barrier,
 * which covers the sequentially consistent order the interpreter uses. */
static void emit_atomic(struct jit_state *st, int w, int32_t op, int dst, int src, int32_t off)
{
    int base = dst;
    switch (op) {
    case PBPF_ALU_ADD:
    case PBPF_ALU_OR:
    case PBPF_ALU_AND:
    case PBPF_ALU_XOR: {
        char o = (char)(op == PBPF_ALU_ADD ? OP_ADD : op == PBPF_ALU_OR ? OP_OR
                        : op == PBPF_ALU_AND ? OP_AND : OP_XOR);
        emit1(st, 0xf0);
        emit_rm(st, w, 0, 0, &o, 1, src, base, off);
        return;
    }
    case PBPF_ALU_ADD | PBPF_ATOMIC_FETCH:
        emit1(st, 0xf0);
        emit_rm(st, w, 0, 0, "\x0f\xc1", 2, src, base, off); /* lock xadd */
        return;
    case PBPF_ATOMIC_XCHG:
        emit_rm(st, w, 0, 0, "\x87", 1, src, base, off); /* xchg locks implicitly */
        return;
    case PBPF_ATOMIC_CMPXCHG:
        /* r0 is the expected value and receives the old one */
        emit1(st, 0xf0);
        emit_rm(st, w, 0, 0, "\x0f\xb1", 2, src, base, off);
        if (!w)
            emit_mov_rr(st, 0, RAX, RAX); /* a successful 32-bit cmpxchg leaves rax's top */
        return;
    default: {
        /* fetch-or/and/xor: a cmpxchg loop in rax; r0 is saved in r10 */
        int alu = op & ~PBPF_ATOMIC_FETCH;
        uint8_t o = (uint8_t)(alu == PBPF_ALU_OR ? OP_OR : alu == PBPF_ALU_AND ? OP_AND : OP_XOR);
        int b = base == RAX ? R10 : base;
        int s = src == RAX ? R10 : src;
        emit_mov_rr(st, 1, R10, RAX);
        size_t loop = st->len;
        emit_rm(st, w, 0, 0, "\x8b", 1, RAX, b, off);
        emit_mov_rr(st, 1, R11, RAX);
        emit_alu_rr(st, o, w, R11, s);
        emit1(st, 0xf0);
        emit_rm(st, w, 0, 0, "\x0f\xb1", 2, R11, b, off);
        emit1(st, 0x75); /* jne loop */
        emit1(st, (uint8_t)(int8_t)((int64_t)loop - (int64_t)(st->len + 1)));
        emit_mov_rr(st, w, src, RAX);
        if (src != RAX)
            emit_mov_rr(st, 1, RAX, R10);
        return;
    }
    }
}

/* Linux's legacy packet loads (RFC 9669 §5.5): r0 = big-endian bytes of the
 * packet at the offset; out of bounds ends the whole run with r0 = 0. */
static void emit_ldpkt(struct jit_state *st, unsigned size, int ind, int src, int32_t imm)
{
    if (ind) {
        emit_rm(st, 0, 0, 0, "\x8d", 1, R10, src, imm); /* lea r10d, [src + imm] */
        emit_alu_rr(st, OP_TEST, 0, R10, R10);
        emit_jump_label(st, CC_S, LBL_PKT_FAIL);
    } else {
        if (imm < 0) {
            emit_jump_label(st, -1, LBL_PKT_FAIL);
            return;
        }
        emit_load_imm(st, R10, imm, 0);
    }
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 1, 0, 0, "\x8d", 1, R9, R10, (int32_t)size); /* lea r9, [r10 + size] */
    emit_rm(st, 1, 0, 0, "\x3b", 1, R9, R11, (int32_t)offsetof(struct pbpf_run_ctx, pkt_len));
    emit_jump_label(st, CC_A, LBL_PKT_FAIL);
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R11, (int32_t)offsetof(struct pbpf_run_ctx, pkt));
    /* [r11 + r10]: REX.X|REX.B, SIB index r10, base r11 */
    static const uint8_t movzx8[] = {0x43, 0x0f, 0xb6, 0x04, 0x13};
    static const uint8_t movzx16[] = {0x43, 0x0f, 0xb7, 0x04, 0x13};
    static const uint8_t mov32[] = {0x43, 0x8b, 0x04, 0x13};
    if (size == 1) {
        emit_bytes(st, movzx8, sizeof movzx8);
    } else if (size == 2) {
        emit_bytes(st, movzx16, sizeof movzx16);
        static const uint8_t ror_ax_8[] = {0x66, 0xc1, 0xc8, 0x08};
        emit_bytes(st, ror_ax_8, sizeof ror_ax_8);
    } else {
        emit_bytes(st, mov32, sizeof mov32);
        emit_bswap(st, 32, RAX);
    }
}

static int jcc_of(uint8_t op)
{
    switch (op) {
    case PBPF_JMP_JEQ: return CC_E;
    case PBPF_JMP_JNE: return CC_NE;
    case PBPF_JMP_JSET: return CC_NE;
    case PBPF_JMP_JGT: return CC_A;
    case PBPF_JMP_JGE: return CC_AE;
    case PBPF_JMP_JLT: return CC_B;
    case PBPF_JMP_JLE: return CC_BE;
    case PBPF_JMP_JSGT: return CC_G;
    case PBPF_JMP_JSGE: return CC_GE;
    case PBPF_JMP_JSLT: return CC_L;
    default: return CC_LE; /* JSLE */
    }
}

static void emit_epilogue(struct jit_state *st);
static uint64_t jit_tail_nested(struct pbpf_run_ctx *ctx, struct pbpf_prog *caller, uint64_t r1);
static void emit_unwind(struct jit_state *st);
static void emit_push(struct jit_state *st, int r);
static void emit_pop(struct jit_state *st, int r);

/* bpf_tail_call (Linux: emit_bpf_tail_call_indirect): the C side picks the
 * target and counts the call; a target's code is entered by a jump after
 * this frame is unwound, as if the run had called it: the native stack does
 * not grow, and the target's exit returns to the run.  The target gets r1
 * (its context), r2 = 0 and the run context.  A call that falls through
 * leaves r0 = 0, as the interpreter does. */
static void emit_tail_call(struct jit_state *st, size_t pc)
{
    emit_push(st, RDI); /* r1 */
#ifdef _WIN32
    emit_alu_ri(st, EXT_SUB, 1, RSP, 40);
    emit_mov_rr(st, 1, R8, RDX);  /* index */
    emit_mov_rr(st, 1, RDX, RSI); /* map */
    emit_rm(st, 1, 0, 0, "\x8b", 1, RCX, R12, JIT_CTX_OFF);
#else
    emit_alu_ri(st, EXT_SUB, 1, RSP, 8);
    emit_rm(st, 1, 0, 0, "\x8b", 1, RDI, R12, JIT_CTX_OFF); /* map and index are in place */
#endif
    emit_mov_abs64(st, R10, (uint64_t)(uintptr_t)pbpf_tail_call_target);
    emit_call_r10(st);
#ifdef _WIN32
    emit_alu_ri(st, EXT_ADD, 1, RSP, 40);
#else
    emit_alu_ri(st, EXT_ADD, 1, RSP, 8);
#endif
    emit_pop(st, RDI);
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 0, 0, 0, "\x83", 1, EXT_CMP, R11, (int32_t)offsetof(struct pbpf_run_ctx, err));
    emit1(st, 0);
    emit_jump_label(st, CC_NE, add_stub(st, STUB_HELPER, pc, 0));
    emit_alu_rr(st, OP_TEST, 1, RAX, RAX);
    emit1(st, 0x0f); /* jz rel32: fall through, patched below */
    emit1(st, 0x84);
    size_t jz = st->len;
    emit4(st, 0);
    if (st->local_calls) {
        /* from a subprogram's frame the jump would lose its caller: the
         * target runs nested and the subprogram returns its r0 */
        emit_rm(st, 1, 0, 0, "\x8d", 1, R11, R12, JIT_STACK);
        emit_alu_rr(st, OP_CMP, 1, RBP, R11);
        emit1(st, 0x0f); /* je rel32: the outermost frame, patched below */
        emit1(st, 0x84);
        size_t je = st->len;
        emit4(st, 0);
        emit_mov_rr(st, 1, ARG3, RDI); /* r1 */
        emit_rm(st, 1, 0, 0, "\x8b", 1, ARG1, R12, JIT_CTX_OFF);
        emit_mov_abs64(st, ARG2, (uint64_t)(uintptr_t)st->prog);
#ifdef _WIN32
        emit_alu_ri(st, EXT_SUB, 1, RSP, 32);
#endif
        emit_mov_abs64(st, R10, (uint64_t)(uintptr_t)jit_tail_nested);
        emit_call_r10(st);
#ifdef _WIN32
        emit_alu_ri(st, EXT_ADD, 1, RSP, 32);
#endif
        emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
        emit_rm(st, 0, 0, 0, "\x83", 1, EXT_CMP, R11, (int32_t)offsetof(struct pbpf_run_ctx, err));
        emit1(st, 0);
        emit_jump_label(st, CC_NE, add_stub(st, STUB_HELPER, pc, 0));
        emit1(st, 0xc3); /* the subprogram's exit */
        if (!st->oom) {
            uint32_t rel = (uint32_t)(st->len - (je + 4));
            memcpy(st->buf + je, &rel, 4);
        }
    }
    emit_rm(st, 1, 0, 0, "\x8b", 1, R10, RAX, (int32_t)offsetof(struct pbpf_prog, jit));
    emit_rm(st, 1, 0, 0, "\x8b", 1, R10, R10, (int32_t)offsetof(struct pbpf_jit_code, entry));
#ifdef _WIN32
    emit_rm(st, 1, 0, 0, "\x8b", 1, R8, R12, JIT_CTX_OFF);
    emit_alu_rr(st, OP_XOR, 0, RDX, RDX);
    emit_mov_rr(st, 1, RCX, RDI);
#else
    emit_rm(st, 1, 0, 0, "\x8b", 1, RDX, R12, JIT_CTX_OFF);
    emit_alu_rr(st, OP_XOR, 0, RSI, RSI);
#endif
    emit_unwind(st);
    if (st->flags & PBPF_JIT_RETPOLINE) {
        emit_jump_label(st, -1, LBL_RETPOLINE); /* the thunk jumps to r10 */
    } else {
        static const uint8_t jmp_r10[] = {0x41, 0xff, 0xe2};
        emit_bytes(st, jmp_r10, sizeof jmp_r10);
    }
    if (!st->oom) {
        uint32_t rel = (uint32_t)(st->len - (jz + 4));
        memcpy(st->buf + jz, &rel, 4);
    }
    emit_alu_rr(st, OP_XOR, 0, RAX, RAX);
}

/* --- map lookups the JIT does itself ---------------------------------- */

/* Which helper calls get r1 from an lddw of one of the program's maps in
 * straight-line code: a forward walk that knows r1's value only from such
 * an lddw up to the next instruction that may change it or that control
 * can reach from elsewhere (any jump or call target, a callback entry).
 * The maps are those the program holds references on (lddw src=1 resolved
 * at load, exec.c), so the constant is that map whatever the verifier saw.
 * Returns -ENOMEM or 0 (st->call_map filled). */
static int find_map_args(struct jit_state *st)
{
    const struct pbpf_prog *prog = st->prog;
    if (!prog->map_cnt)
        return 0;
    uint8_t *entry = pbpf_calloc(prog->cnt + 1, 1);
    st->call_map = pbpf_calloc(prog->cnt + 1, sizeof *st->call_map);
    if (!entry || !st->call_map) {
        pbpf_free(entry);
        return -ENOMEM;
    }
    entry[0] = 1;
    for (size_t i = 0; i < prog->n_cb_targets; i++)
        if (prog->cb_targets[i] < prog->cnt)
            entry[prog->cb_targets[i]] = 1;
    for (size_t pc = 0; pc < prog->cnt; pc += pbpf_isa_slots(&prog->insns[pc])) {
        const struct pbpf_insn *in = &prog->insns[pc];
        const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
        int64_t t;
        if (info && info->fmt == PBPF_FMT_CALL_LOCAL)
            t = (int64_t)pc + 1 + in->imm;
        else if (!pbpf_isa_jump_target(in, pc, &t))
            continue;
        if (t >= 0 && (size_t)t < prog->cnt)
            entry[t] = 1;
    }
    struct pbpf_map *r1 = NULL;
    for (size_t pc = 0; pc < prog->cnt; pc += pbpf_isa_slots(&prog->insns[pc])) {
        const struct pbpf_insn *in = &prog->insns[pc];
        const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
        unsigned cls = PBPF_CLASS(in->code), d = PBPF_INSN_DST(in);
        if (entry[pc] || !info) {
            r1 = NULL;
            if (!info)
                continue;
        }
        if (info->fmt == PBPF_FMT_CALL) {
            st->call_map[pc] = r1;
            r1 = NULL; /* r1..r5 are the callee's */
        } else if (in->code == PBPF_OPCODE_LDDW) {
            r1 = NULL;
            if (d == 1 && pc + 1 < prog->cnt) {
                uintptr_t v = (uintptr_t)((uint64_t)(uint32_t)in[0].imm |
                                          (uint64_t)(uint32_t)in[1].imm << 32);
                for (size_t i = 0; i < prog->map_cnt; i++)
                    if ((uintptr_t)prog->maps[i] == v)
                        r1 = prog->maps[i];
            }
        } else if (cls == PBPF_CLS_ST || (cls == PBPF_CLS_STX && PBPF_MODE(in->code) == PBPF_MODE_MEM) ||
                   info->fmt == PBPF_FMT_JCOND_K || info->fmt == PBPF_FMT_JCOND_X) {
            /* writes memory or only compares: r1 stays */
        } else if ((cls == PBPF_CLS_ALU || cls == PBPF_CLS_ALU64 || cls == PBPF_CLS_LDX) && d != 1 &&
                   info->fmt != PBPF_FMT_LDABS && info->fmt != PBPF_FMT_LDIND) {
            /* writes another register */
        } else {
            /* writes r1, may (atomics, calls, packet loads), or ends the
             * straight line (exit, ja) */
            r1 = NULL;
        }
    }
    pbpf_free(entry);
    return 0;
}

/* dst = src * c (c > 0, dst != src), by a shift when c is a power of two. */
static void emit_mul_const(struct jit_state *st, int dst, int src, uint64_t c)
{
    if (is_pow2(c)) {
        unsigned k = 0;
        while ((1ull << k) != c)
            k++;
        emit_mov_rr(st, 1, dst, src);
        if (k)
            emit_shift_k(st, 4 /* shl */, 1, dst, (int32_t)k);
    } else if (c <= INT32_MAX) {
        /* imul dst, src, imm32 */
        emit_rex(st, 1, dst, 0, src, 0);
        emit1(st, 0x69);
        emit1(st, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
        emit4(st, (uint32_t)c);
    } else {
        emit_mov_imm64(st, dst, c);
        emit_rex(st, 1, dst, 0, src, 0); /* imul dst, src */
        emit1(st, 0x0f);
        emit1(st, 0xaf);
        emit1(st, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
    }
}

/* bpf_map_lookup_elem of an array map without a call, as the helper
 * computes it (map_array.c: array_lookup, array_of_maps_lookup; Linux:
 * array_map_gen_lookup): r0 = NULL unless the u32 at r2 is below
 * max_entries, else the value's address (ARRAY_OF_MAPS: the inner map
 * stored there).  Only r0, r3 (a division: PERCPU_ARRAY slots), r10 and
 * r11 change; r1..r5 are dead after a call.  0, or -1 when the map is not
 * one the JIT indexes itself. */
static int emit_array_lookup(struct jit_state *st, const struct pbpf_map *m)
{
    struct pbpf_map_array_layout lay;
    if (pbpf_map_array_layout(m, &lay))
        return -1;
    int percpu = m->type == PBPF_MAP_TYPE_PERCPU_ARRAY;
    if (percpu && !m->slots)
        return -1;
    emit_alu_rr(st, OP_XOR, 0, RAX, RAX);
    emit_rm(st, 0, 0, 0, "\x8b", 1, R10, RSI, 0); /* mov r10d, [key] */
    emit_alu_ri(st, EXT_CMP, 0, R10, (int32_t)m->max_entries);
    emit1(st, 0x70 + CC_AE); /* jae done (rel8 patched below) */
    size_t jpos = st->len;
    emit1(st, 0);
    if (m->type == PBPF_MAP_TYPE_ARRAY_OF_MAPS) {
        /* mov rax, [r11 + r10 * 8] (an acquire load on x86) */
        static const uint8_t ld[] = {0x4b, 0x8b, 0x04, 0xd3};
        emit_mov_abs64(st, R11, (uint64_t)(uintptr_t)lay.values);
        emit_bytes(st, ld, sizeof ld);
    } else if (lay.elem_size <= 8 && is_pow2(lay.elem_size) && !(percpu && m->slots > 1)) {
        /* lea rax, [r11 + r10 * elem_size] */
        unsigned k = lay.elem_size == 8 ? 3 : lay.elem_size == 4 ? 2 : lay.elem_size == 2 ? 1 : 0;
        emit_mov_abs64(st, R11, (uint64_t)(uintptr_t)lay.values);
        uint8_t lea[] = {0x4b, 0x8d, 0x04, (uint8_t)(k << 6 | (R10 & 7) << 3 | (R11 & 7))};
        emit_bytes(st, lea, sizeof lea);
    } else {
        emit_mul_const(st, RAX, R10, lay.elem_size);
        emit_mov_abs64(st, R11, (uint64_t)(uintptr_t)lay.values);
        emit_alu_rr(st, OP_ADD, 1, RAX, R11);
        if (percpu && m->slots > 1) {
            /* + (ctx->slot % slots) * stride; the slot is below slots
             * whenever the runtime has as many as the map, so the
             * division is rarely run */
            emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
            emit_rm(st, 0, 0, 0, "\x8b", 1, R11, R11,
                    (int32_t)offsetof(struct pbpf_run_ctx, slot));
            emit_alu_ri(st, EXT_CMP, 0, R11, (int32_t)m->slots);
            emit1(st, 0x70 + CC_B);
            size_t jslot = st->len;
            emit1(st, 0);
            emit_mov_rr(st, 1, R10, RAX);
            emit_mov_rr(st, 0, RAX, R11);
            emit_alu_rr(st, OP_XOR, 0, RDX, RDX);
            emit_mov_ri32(st, R11, m->slots);
            emit_rex(st, 0, 0, 0, R11, 0); /* div r11d */
            emit1(st, 0xf7);
            emit1(st, (uint8_t)(0xc0 | 6 << 3 | (R11 & 7)));
            emit_mov_rr(st, 0, R11, RDX);
            emit_mov_rr(st, 1, RAX, R10);
            if (!st->oom)
                st->buf[jslot] = (uint8_t)(st->len - (jslot + 1));
            emit_mul_const(st, R10, R11, lay.stride);
            emit_alu_rr(st, OP_ADD, 1, RAX, R10);
        }
    }
    if (!st->oom)
        st->buf[jpos] = (uint8_t)(st->len - (jpos + 1));
    return 0;
}

/* bpf_map_lookup_elem of another map the JIT knows: a direct call of the
 * map type's lookup with the run's slot, which is all the helper does for
 * verified programs (helpers_maps.c), without the helper's dispatch and
 * the check of the run's error after it (lookups cannot fail a run). */
static int emit_direct_lookup(struct jit_state *st, const struct pbpf_map *m)
{
    if (!m->ops || !m->ops->lookup)
        return -1;
#ifdef _WIN32
    emit_alu_ri(st, EXT_SUB, 1, RSP, 32); /* shadow space; rsp stays 16-byte aligned */
    emit_mov_rr(st, 1, RCX, RDI);
    emit_mov_rr(st, 1, RDX, RSI);
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 0, 0, 0, "\x8b", 1, R8, R11, (int32_t)offsetof(struct pbpf_run_ctx, slot));
#else
    emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
    emit_rm(st, 0, 0, 0, "\x8b", 1, RDX, R11, (int32_t)offsetof(struct pbpf_run_ctx, slot));
#endif
    emit_mov_abs64(st, R10, (uint64_t)(uintptr_t)m->ops->lookup);
    emit_call_r10(st);
#ifdef _WIN32
    emit_alu_ri(st, EXT_ADD, 1, RSP, 32);
#endif
    return 0;
}

static int emit_insn(struct jit_state *st, size_t pc, char *log, size_t log_size)
{
    const struct pbpf_prog *prog = st->prog;
    const struct pbpf_insn *in = &prog->insns[pc];
    const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
    if (!info) {
        snprintf(log, log_size, "insn %zu: not an instruction", pc);
        return -EINVAL;
    }
    uint8_t code = in->code;
    int w = PBPF_CLASS(code) == PBPF_CLS_ALU64 || PBPF_CLASS(code) == PBPF_CLS_JMP;
    int dst = jit_reg[PBPF_INSN_DST(in) <= 10 ? PBPF_INSN_DST(in) : 0];
    int src = jit_reg[PBPF_INSN_SRC(in) <= 10 ? PBPF_INSN_SRC(in) : 0];
    int32_t imm = in->imm;
    int16_t off = in->off;
    uint8_t op = PBPF_OP(code);

    switch (info->fmt) {
    case PBPF_FMT_ALU_K:
    case PBPF_FMT_ALU_X: {
        int k = info->fmt == PBPF_FMT_ALU_K;
        switch (op) {
        case PBPF_ALU_ADD:
        case PBPF_ALU_SUB:
        case PBPF_ALU_OR:
        case PBPF_ALU_AND:
        case PBPF_ALU_XOR: {
            static const struct { uint8_t bpf, rr, ext; } m[] = {
                {PBPF_ALU_ADD, OP_ADD, EXT_ADD}, {PBPF_ALU_SUB, OP_SUB, EXT_SUB},
                {PBPF_ALU_OR, OP_OR, EXT_OR},    {PBPF_ALU_AND, OP_AND, EXT_AND},
                {PBPF_ALU_XOR, OP_XOR, EXT_XOR},
            };
            unsigned i = 0;
            while (m[i].bpf != op)
                i++;
            if (k)
                emit_alu_imm(st, m[i].ext, m[i].rr, w, dst, imm);
            else
                emit_alu_rr(st, m[i].rr, w, dst, src);
            break;
        }
        case PBPF_ALU_MOV:
            if (k)
                emit_load_imm(st, dst, imm, w);
            else
                emit_mov_rr(st, w, dst, src);
            break;
        case PBPF_ALU_MUL:
            if (k && !blinding(st)) {
                emit_rex(st, w, dst, 0, dst, 0);
                emit1(st, fits8(imm) ? 0x6b : 0x69);
                emit1(st, (uint8_t)(0xc0 | (dst & 7) << 3 | (dst & 7)));
                if (fits8(imm))
                    emit1(st, (uint8_t)imm);
                else
                    emit4(st, (uint32_t)imm);
            } else {
                if (k)
                    emit_load_imm(st, R10, imm, w);
                emit_rr(st, w, "\x0f\xaf", 2, dst, k ? R10 : src);
            }
            break;
        case PBPF_ALU_LSH:
        case PBPF_ALU_RSH:
        case PBPF_ALU_ARSH: {
            int ext = op == PBPF_ALU_LSH ? 4 : op == PBPF_ALU_RSH ? 5 : 7;
            if (k)
                emit_shift_k(st, ext, w, dst, imm);
            else
                emit_shift_x(st, ext, w, dst, src);
            break;
        }
        case PBPF_ALU_DIV:
        case PBPF_ALU_MOD:
            emit_divmod(st, w, off == 1, op == PBPF_ALU_MOD, dst, src, k, imm);
            break;
        default:
            goto unsupported;
        }
        break;
    }
    case PBPF_FMT_NEG: {
        char neg = (char)0xf7;
        emit_rr(st, w, &neg, 1, 3, dst);
        break;
    }
    case PBPF_FMT_END:
        if (code == (PBPF_CLS_ALU | PBPF_ALU_END) /* to little endian: truncate only */) {
            if (imm == 16)
                emit_rr(st, 0, "\x0f\xb7", 2, dst, dst);
            else if (imm == 32)
                emit_mov_rr(st, 0, dst, dst);
        } else {
            emit_bswap(st, imm, dst);
        }
        break;
    case PBPF_FMT_MOVSX:
        if (off == 8) {
            emit_rex(st, w, dst, 0, src, src >= 4 && src < 8);
            emit1(st, 0x0f);
            emit1(st, 0xbe);
            emit1(st, (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7)));
        } else if (off == 16) {
            emit_rr(st, w, "\x0f\xbf", 2, dst, src);
        } else {
            emit_rr(st, 1, "\x63", 1, dst, src);
        }
        break;
    case PBPF_FMT_LDDW: {
        if (PBPF_INSN_SRC(in) != 0)
            goto unsupported;
        uint64_t v = pbpf_insn_imm64(in);
        if (blinding(st)) {
            uint64_t key = ((uint64_t)jit_key(st) << 32) | jit_key(st);
            emit_mov_abs64(st, dst, v ^ key);
            emit_mov_abs64(st, R10, key);
            emit_alu_rr(st, OP_XOR, 1, dst, R10);
        } else {
            emit_mov_imm64(st, dst, v);
        }
        break;
    }
    case PBPF_FMT_LDX:
        emit_load(st, pbpf_isa_mem_size(info), PBPF_MODE(code) == PBPF_MODE_MEMSX, dst, src, off);
        break;
    case PBPF_FMT_ST:
        emit_store_imm(st, pbpf_isa_mem_size(info), dst, off, imm);
        break;
    case PBPF_FMT_STX:
        emit_store_reg(st, pbpf_isa_mem_size(info), dst, off, src);
        break;
    case PBPF_FMT_ATOMIC:
        emit_atomic(st, pbpf_isa_mem_size(info) == 8, imm, dst, src, off);
        break;
    case PBPF_FMT_JA:
    case PBPF_FMT_JA32: {
        int64_t t;
        pbpf_isa_jump_target(in, pc, &t);
        if ((size_t)t != pc + 1)
            emit_jump_insn(st, -1, pc, (size_t)t);
        break;
    }
    case PBPF_FMT_JCOND_K:
    case PBPF_FMT_JCOND_X: {
        int64_t t;
        pbpf_isa_jump_target(in, pc, &t);
        if (info->fmt == PBPF_FMT_JCOND_X) {
            emit_alu_rr(st, op == PBPF_JMP_JSET ? OP_TEST : OP_CMP, w, dst, src);
        } else if (blinding(st)) {
            emit_load_imm(st, R10, imm, w);
            emit_alu_rr(st, op == PBPF_JMP_JSET ? OP_TEST : OP_CMP, w, dst, R10);
        } else if (op == PBPF_JMP_JSET) {
            emit_rex(st, w, 0, 0, dst, 0);
            emit1(st, 0xf7);
            emit1(st, (uint8_t)(0xc0 | (dst & 7)));
            emit4(st, (uint32_t)imm);
        } else if (imm == 0) {
            emit_alu_rr(st, OP_TEST, w, dst, dst); /* same flags as cmp dst, 0 */
        } else {
            emit_alu_ri(st, EXT_CMP, w, dst, imm);
        }
        emit_jump_insn(st, jcc_of(op), pc, (size_t)t);
        break;
    }
    case PBPF_FMT_CALL: {
        uint32_t id = (uint32_t)imm;
        if (id > PBPF_HELPER_POISON_SLOT || !prog->helpers[id]) {
            snprintf(log, log_size, "insn %zu: unknown helper %u", pc, id);
            return -EINVAL;
        }
        if (prog->helpers[id] == pbpf_helper_map_lookup_elem && st->call_map && st->call_map[pc] &&
            emit_array_lookup(st, st->call_map[pc]) == 0)
            break;
        st->helper_calls++;
        if (prog->helpers[id] == pbpf_helper_map_lookup_elem && st->call_map && st->call_map[pc] &&
            emit_direct_lookup(st, st->call_map[pc]) == 0)
            break;
        if (prog->helpers[id] == pbpf_helper_tail_call) {
            emit_tail_call(st, pc);
            break;
        }
        const struct pbpf_helper_proto *hp = pbpf_helper_proto(id);
        if (hp && (hp->flags & PBPF_PROTO_CALLBACK)) {
            /* the helper may call back into the program: it finds the
             * frame area and the caller's frame in the run context */
            emit_rm(st, 1, 0, 0, "\x8b", 1, R11, R12, JIT_CTX_OFF);
            emit_rm(st, 1, 0, 0, "\x89", 1, R12, R11, (int32_t)offsetof(struct pbpf_run_ctx, jit_r12));
            emit_rm(st, 1, 0, 0, "\x89", 1, RBP, R11, (int32_t)offsetof(struct pbpf_run_ctx, jit_rbp));
        }
        emit_mov_abs64(st, R10, (uint64_t)(uintptr_t)prog->helpers[id]);
        emit_helper_call(st, pc);
        break;
    }
    case PBPF_FMT_CALLX: {
        /* callx (Linux/uBPF extension, 0x8d): the register holds a helper
         * id, checked at run time like the interpreter does */
        uint32_t stub = add_stub(st, STUB_CALLX, pc, dst);
        emit_mov_rr(st, 1, R11, dst);
        emit_alu_ri(st, EXT_CMP, 1, R11, PBPF_HELPER_MAX);
        emit_jump_label(st, CC_AE, stub);
        emit_mov_abs64(st, R10, (uint64_t)(uintptr_t)prog->helpers);
        static const uint8_t load[] = {0x4f, 0x8b, 0x14, 0xda}; /* mov r10, [r10 + r11*8] */
        emit_bytes(st, load, sizeof load);
        emit_alu_rr(st, OP_TEST, 1, R10, R10);
        emit_jump_label(st, CC_E, stub);
        st->helper_calls++;
        emit_helper_call(st, pc);
        break;
    }
    case PBPF_FMT_CALL_LOCAL: {
        /* RFC 9669 §4.3.2: a fresh frame, r6..r9 preserved for the caller
         * (only those the program names: the others never change) and r10
         * one frame down for the callee.  With the return address an odd
         * number of pushes keeps the callee's stack 16-byte aligned for
         * helper calls, so r10 is pushed too when the count is even, else
         * restored by an add. */
        int saved[5];
        unsigned k = 0;
        for (unsigned r = 6; r <= 9; r++)
            if (st->used & 1u << r)
                saved[k++] = jit_reg[r];
        int push_rbp = k % 2 == 0;
        if (push_rbp)
            saved[k++] = RBP;
        size_t t = (size_t)((int64_t)pc + 1 + imm);
        emit_rm(st, 1, 0, 0, "\x8d", 1, R11, R12, JIT_CALL_LIMIT);
        emit_alu_rr(st, OP_CMP, 1, RBP, R11);
        emit_jump_label(st, CC_B, add_stub(st, STUB_DEPTH, pc, 0));
        for (unsigned i = 0; i < k; i++)
            emit_push(st, saved[i]);
        emit_alu_ri(st, EXT_SUB, 1, RBP, PBPF_STACK_SIZE);
        emit1(st, 0xe8);
        /* rel32 from the previous pass: exact once nothing moves */
        int64_t rel = (int64_t)st->prev[t] - ((int64_t)st->len + 4 - st->addrs[pc] + st->prev[pc]);
        emit4(st, st->first_pass ? 0 : (uint32_t)rel);
        for (unsigned i = k; i-- > 0;)
            emit_pop(st, saved[i]);
        if (!push_rbp)
            emit_alu_ri(st, EXT_ADD, 1, RBP, PBPF_STACK_SIZE);
        break;
    }
    case PBPF_FMT_EXIT:
        /* with bpf-to-bpf calls the entry called the body and each exit
         * returns to its caller; without, exit is the epilogue */
        if (st->local_calls)
            emit1(st, 0xc3);
        else
            emit_epilogue(st);
        break;
    case PBPF_FMT_LDABS:
    case PBPF_FMT_LDIND:
        emit_ldpkt(st, pbpf_isa_mem_size(info), info->fmt == PBPF_FMT_LDIND, src, imm);
        break;
    default:
        goto unsupported;
    }
    return 0;
unsupported:
    snprintf(log, log_size, "insn %zu: %s is not supported by the JIT", pc, info->name);
    return -EOPNOTSUPP;
}

/* --- run-time failures, called from generated code ---------------------- */

static void jit_fail_depth(struct pbpf_run_ctx *ctx, uint64_t pc)
{
    pbpf_run_fail(ctx, -E2BIG, (size_t)pc, "call depth exceeds %d frames", PBPF_MAX_CALL_DEPTH);
}

static void jit_fail_callx(struct pbpf_run_ctx *ctx, uint64_t pc, uint64_t id)
{
    pbpf_run_fail(ctx, -EINVAL, (size_t)pc, "callx to unknown helper %llu",
                  (unsigned long long)id);
}

/* A tail call from a subprogram (calls.c: pbpf_tail_call_nested). */
static uint64_t jit_tail_nested(struct pbpf_run_ctx *ctx, struct pbpf_prog *caller, uint64_t r1)
{
    uint64_t r0 = 0;
    pbpf_tail_call_nested(ctx, caller, r1, 0, &r0);
    return r0;
}

static void jit_fail_helper(struct pbpf_run_ctx *ctx, uint64_t pc)
{
    if (ctx->err_pc == (size_t)-1)
        ctx->err_pc = (size_t)pc;
}

/* A callback of a helper the program called: runs in the frame below the
 * caller's, like a bpf-to-bpf call (the generated code stored the frame
 * area and the caller's frame in the run context before the helper call).
 * A failure inside unwinds the whole run from the generated code. */
static int jit_run_callback(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5],
                            uint64_t *r0)
{
    const struct pbpf_prog *prog = ctx->prog;
    const struct pbpf_jit_code *jc = prog->jit;
    if (ctx->jit_rbp < ctx->jit_r12 + JIT_CALL_LIMIT)
        return pbpf_run_fail(ctx, -E2BIG, pc, "call depth exceeds %d frames", PBPF_MAX_CALL_DEPTH);
    struct jit_cb_args a;
    memcpy(a.r, args, sizeof a.r);
    a.target = (const uint8_t *)jc->mem + jc->offs[pc];
    a.r12 = ctx->jit_r12;
    a.rbp = ctx->jit_rbp - PBPF_STACK_SIZE;
    uint64_t saved = ctx->jit_rbp;
    *r0 = jc->cb_entry(&a);
    ctx->jit_rbp = saved;
    return ctx->err;
}

/* A callback with no run in progress (bpf_timer): it is the run, entered
 * like the program, so that a failure inside unwinds through the
 * epilogue. */
static int jit_run_async(struct pbpf_run_ctx *ctx, size_t pc, const uint64_t args[5],
                         uint64_t *r0)
{
    const struct pbpf_jit_code *jc = ctx->prog->jit;
    struct jit_cb_args a;
    memset(&a, 0, sizeof a);
    memcpy(a.r, args, sizeof a.r);
    a.target = (const uint8_t *)jc->mem + jc->offs[pc];
    *r0 = jc->async_entry(&a, ctx);
    return ctx->err;
}

/* --- the whole program ------------------------------------------------- */

/* What the entry must set up, so that a small program costs little to
 * call: callee-saved registers are saved only when the program uses them,
 * and the stack area and r12 exist only when something needs them (r10,
 * calls, packet loads). */
static void plan_frame(struct jit_state *st)
{
    const struct pbpf_prog *prog = st->prog;
    unsigned used = 1u << 0 | 1u << 1 | 1u << 2;
    int frame = 0;
    for (size_t pc = 0; pc < prog->cnt; pc++) {
        const struct pbpf_insn *in = &prog->insns[pc];
        const struct pbpf_opinfo *info = pbpf_isa_lookup(in);
        unsigned d = PBPF_INSN_DST(in), sr = PBPF_INSN_SRC(in);
        if (info && info->dst.kind >= PBPF_RULE_REG_READ && d <= 10)
            used |= 1u << d;
        if (info && info->src.kind >= PBPF_RULE_REG_READ && sr <= 10)
            used |= 1u << sr;
        if (info && (info->fmt == PBPF_FMT_CALL || info->fmt == PBPF_FMT_CALLX ||
                     info->fmt == PBPF_FMT_CALL_LOCAL || info->fmt == PBPF_FMT_LDABS ||
                     info->fmt == PBPF_FMT_LDIND))
            frame = 1;
        if (info && (info->fmt == PBPF_FMT_CALL || info->fmt == PBPF_FMT_CALLX))
            used |= 0x3eu; /* a helper reads r1..r5 */
        if (info && info->fmt == PBPF_FMT_CALL_LOCAL)
            st->local_calls = 1;
        if (in->code == PBPF_OPCODE_LDDW)
            pc++;
    }
    if (used & 1u << 10)
        frame = 1;
    if (prog->n_cb_targets) {
        /* callbacks are called like subprograms: their exit returns */
        st->local_calls = 1;
        frame = 1;
    }
    st->frame = frame;
    st->used = used;
    st->leaf = !frame;
    st->leaf_push_r0p = 0;
    for (unsigned r = 1; r <= 5; r++)
        if (jit_reg[r] == ARG3 && (used & 1u << r))
            st->leaf_push_r0p = st->leaf;
    st->nsaved = 0;
    for (unsigned r = 6; r <= 9; r++)
        if (used & 1u << r)
            st->saved[st->nsaved++] = jit_reg[r];
#ifdef _WIN32
    st->saved[st->nsaved++] = RDI;
    st->saved[st->nsaved++] = RSI;
#endif
    if (frame) {
        st->saved[st->nsaved++] = RBP;
        st->saved[st->nsaved++] = R12;
    }
    /* after the pushes rsp is 8 + 8 * nsaved mod 16: the frame (and its
     * padding) makes r12 16-byte aligned */
    st->frame_size = JIT_FRAME + (st->nsaved % 2 ? 8 : 0);
}

static void emit_prologue(struct jit_state *st)
{
    if (st->leaf_push_r0p)
        emit_push(st, ARG3);
    for (unsigned i = 0; i < st->nsaved; i++)
        emit_push(st, st->saved[i]);
#ifdef _WIN32
    emit_mov_rr(st, 1, RDI, RCX);
    emit_mov_rr(st, 1, RSI, RDX);
    int ctx_reg = R8;
#else
    int ctx_reg = RDX;
#endif
    if (st->frame) {
#ifdef _WIN32
        /* touch the stack page by page: Windows grows it through a guard page */
        emit_alu_ri(st, EXT_SUB, 1, RSP, JIT_STACK);
        emit_rm(st, 0, 0, 0, "\x83", 1, EXT_OR, RSP, 0);
        emit1(st, 0);
        emit_alu_ri(st, EXT_SUB, 1, RSP, (int32_t)(st->frame_size - JIT_STACK));
#else
        emit_alu_ri(st, EXT_SUB, 1, RSP, (int32_t)st->frame_size);
#endif
        emit_mov_rr(st, 1, R12, RSP);
        emit_rm(st, 1, 0, 0, "\x89", 1, ctx_reg, R12, JIT_CTX_OFF);
        emit_rm(st, 1, 0, 0, "\x8d", 1, RBP, R12, JIT_STACK);
    }
    /* registers other than r1, r2 and r10 start at 0, as in the checked
     * interpreter, so that runs are reproducible */
    for (unsigned r = 0; r <= 9; r++)
        if (r != 1 && r != 2 && (r == 0 || (st->used & 1u << r)))
            emit_alu_rr(st, OP_XOR, 0, jit_reg[r], jit_reg[r]);
    if (st->frame && st->local_calls)
        emit_alu_ri(st, EXT_SUB, 1, RSP, 8); /* 16-byte aligned inside the body */
}

/* The epilogue but its ret: the stack as the entry found it. */
static void emit_unwind(struct jit_state *st)
{
    if (st->frame)
        emit_rm(st, 1, 0, 0, "\x8d", 1, RSP, R12, (int32_t)st->frame_size);
    for (unsigned i = st->nsaved; i-- > 0;)
        emit_pop(st, st->saved[i]);
}

/* A leaf's exit: r0 goes where the third argument points (ARG3 itself
 * when the program never names its register: nothing else writes it, the
 * division keeps rdx), and the entry returns 0. */
static void emit_epilogue(struct jit_state *st)
{
    emit_unwind(st);
    if (st->leaf) {
        int p = ARG3;
        if (st->leaf_push_r0p) {
            p = R11;
            emit_pop(st, p);
        }
        emit_alu_rr(st, OP_TEST, 1, p, p);
        size_t jz = st->len;
        emit1(st, 0x74);
        emit1(st, 0);
        size_t from = st->len;
        emit_rm(st, 1, 0, 0, "\x89", 1, RAX, p, 0);
        if (!st->oom)
            st->buf[jz + 1] = (uint8_t)(st->len - from);
        emit_alu_rr(st, OP_XOR, 0, RAX, RAX);
    }
    emit1(st, 0xc3);
}

/* The entry of the run context's calling convention (jit_entry) of a
 * leaf: the code at offset 0 called with the third argument pointing at a
 * stack slot for r0 (the run context is never read). */
static void emit_ctx_entry(struct jit_state *st)
{
    st->labels[LBL_CTX_ENTRY] = (uint32_t)st->len;
    emit_push(st, RAX);
    emit_mov_rr(st, 1, ARG3, RSP);
    emit1(st, 0xe8);
    emit4(st, (uint32_t)-(int32_t)(st->len + 4));
    emit_pop(st, RAX);
    emit1(st, 0xc3);
}

/* Entry of callbacks (bpf_loop, bpf_for_each_map_elem), called from C
 * with a struct jit_cb_args: saves what the C ABI wants saved, loads r1..r5,
 * the frame area (r12) and the callback's frame (r10), and calls the
 * subprogram, whose exit returns here. */
static void emit_cb_entry(struct jit_state *st)
{
    static const uint8_t saved[] = {RBX, RBP, R12, R13, R14, R15,
#ifdef _WIN32
                                    RDI, RSI,
#endif
    };
    st->labels[LBL_CB_ENTRY] = (uint32_t)st->len;
    for (size_t i = 0; i < sizeof saved; i++)
        emit_push(st, saved[i]);
    emit_mov_rr(st, 1, R11, ARG1);
    for (unsigned r = 1; r <= 5; r++)
        emit_rm(st, 1, 0, 0, "\x8b", 1, jit_reg[r], R11,
                (int32_t)(offsetof(struct jit_cb_args, r) + 8 * (r - 1)));
    emit_rm(st, 1, 0, 0, "\x8b", 1, R10, R11, (int32_t)offsetof(struct jit_cb_args, target));
    emit_rm(st, 1, 0, 0, "\x8b", 1, R12, R11, (int32_t)offsetof(struct jit_cb_args, r12));
    emit_rm(st, 1, 0, 0, "\x8b", 1, RBP, R11, (int32_t)offsetof(struct jit_cb_args, rbp));
    emit_call_r10(st); /* rsp is 8 mod 16 after an even number of pushes */
    for (size_t i = sizeof saved; i-- > 0;)
        emit_pop(st, saved[i]);
    emit1(st, 0xc3);
}

/* Entry of callbacks with no run in progress (bpf_timer), called from C
 * with a struct jit_cb_args and the run context: the program's prologue
 * (the same saved registers and frame area, so that the epilogue unwinds
 * it), then r1..r5 from the arguments and a call of the subprogram. */
static void emit_async_entry(struct jit_state *st)
{
    st->labels[LBL_ASYNC_ENTRY] = (uint32_t)st->len;
    for (unsigned i = 0; i < st->nsaved; i++)
        emit_push(st, st->saved[i]);
#ifdef _WIN32
    emit_alu_ri(st, EXT_SUB, 1, RSP, JIT_STACK);
    emit_rm(st, 0, 0, 0, "\x83", 1, EXT_OR, RSP, 0);
    emit1(st, 0);
    emit_alu_ri(st, EXT_SUB, 1, RSP, (int32_t)(st->frame_size - JIT_STACK));
#else
    emit_alu_ri(st, EXT_SUB, 1, RSP, (int32_t)st->frame_size);
#endif
    emit_mov_rr(st, 1, R12, RSP);
    emit_rm(st, 1, 0, 0, "\x89", 1, ARG2, R12, JIT_CTX_OFF);
    emit_rm(st, 1, 0, 0, "\x8d", 1, RBP, R12, JIT_STACK);
    emit_mov_rr(st, 1, R11, ARG1);
    emit_alu_rr(st, OP_XOR, 0, RAX, RAX);
    for (unsigned r = 6; r <= 9; r++)
        if (st->used & 1u << r)
            emit_alu_rr(st, OP_XOR, 0, jit_reg[r], jit_reg[r]);
    for (unsigned r = 1; r <= 5; r++)
        emit_rm(st, 1, 0, 0, "\x8b", 1, jit_reg[r], R11,
                (int32_t)(offsetof(struct jit_cb_args, r) + 8 * (r - 1)));
    emit_rm(st, 1, 0, 0, "\x8b", 1, R10, R11, (int32_t)offsetof(struct jit_cb_args, target));
    emit_alu_ri(st, EXT_SUB, 1, RSP, 8); /* 16-byte aligned inside the body */
    emit_call_r10(st);
    emit_jump_label(st, -1, LBL_EPILOGUE);
}

/* A C function called when a run fails: arg2 (pc) and arg3 are set by the
 * stub; the stack is realigned below the frame area. */
static void emit_fail_block(struct jit_state *st, uint32_t label, uint64_t fn)
{
    st->labels[label] = (uint32_t)st->len;
    emit_rm(st, 1, 0, 0, "\x8b", 1, ARG1, R12, JIT_CTX_OFF);
    emit_rm(st, 1, 0, 0, "\x8d", 1, RSP, R12, -48); /* aligned, with shadow space */
    emit_mov_abs64(st, R10, fn);
    emit_call_r10(st);
    emit_jump_label(st, -1, LBL_EPILOGUE);
}

static void emit_tail(struct jit_state *st)
{
    for (size_t i = 0; i < st->nstubs; i++) {
        const struct jit_stub *s = &st->stubs[i];
        /* once emitted, a stub's pc field holds its offset: stubs are the
         * labels LBL_FIXED_COUNT + i of the fixups */
        uint32_t here = (uint32_t)st->len;
        if (s->kind == STUB_CALLX)
            emit_mov_rr(st, 1, ARG3, s->reg);
        emit_mov_ri32(st, ARG2, s->pc);
        emit_jump_label(st, -1,
                        s->kind == STUB_DEPTH   ? LBL_FAIL_DEPTH
                        : s->kind == STUB_CALLX ? LBL_FAIL_CALLX
                                                : LBL_FAIL_HELPER);
        st->stubs[i].pc = here; /* from now on: the stub's offset */
    }
    if (st->leaf) {
        /* nothing can fail (no calls, no packet loads): no jump goes to a
         * shared epilogue, each exit is one */
        emit_ctx_entry(st);
        return;
    }
    if (!st->local_calls) {
        st->labels[LBL_EPILOGUE] = (uint32_t)st->len;
        emit_epilogue(st);
    }
    st->labels[LBL_PKT_FAIL] = (uint32_t)st->len;
    emit_alu_rr(st, OP_XOR, 0, RAX, RAX);
    emit_jump_label(st, -1, LBL_EPILOGUE);
    emit_fail_block(st, LBL_FAIL_DEPTH, (uint64_t)(uintptr_t)jit_fail_depth);
    emit_fail_block(st, LBL_FAIL_CALLX, (uint64_t)(uintptr_t)jit_fail_callx);
    emit_fail_block(st, LBL_FAIL_HELPER, (uint64_t)(uintptr_t)jit_fail_helper);
    if (st->prog->n_cb_targets) {
        emit_cb_entry(st);
        emit_async_entry(st);
    }
    if (st->flags & PBPF_JIT_RETPOLINE) {
        /* retpoline: the return predictor speculates into the pause loop,
         * the architectural path returns to the target in r10 */
        static const uint8_t thunk[] = {
            0xe8, 0x07, 0x00, 0x00, 0x00, /* call set */
            0xf3, 0x90,                   /* capture: pause */
            0x0f, 0xae, 0xe8,             /* lfence */
            0xeb, 0xf9,                   /* jmp capture */
            0x4c, 0x89, 0x14, 0x24,       /* set: mov [rsp], r10 */
            0xc3,                         /* ret */
        };
        st->labels[LBL_RETPOLINE] = (uint32_t)st->len;
        emit_bytes(st, thunk, sizeof thunk);
    }
}

static int emit_pass(struct jit_state *st, char *log, size_t log_size)
{
    st->len = 0;
    st->nstubs = 0;
    st->nfix = 0;
    st->helper_calls = 0;
    st->rng = st->seed;
    emit_prologue(st);
    if (st->local_calls) {
        emit1(st, 0xe8); /* call the first instruction, just past the epilogue */
        size_t call_pos = st->len;
        emit4(st, 0);
        st->labels[LBL_EPILOGUE] = (uint32_t)st->len;
        emit_epilogue(st);
        uint32_t rel = (uint32_t)(st->len - (call_pos + 4));
        if (!st->oom)
            memcpy(st->buf + call_pos, &rel, 4);
    }
    const struct pbpf_prog *prog = st->prog;
    for (size_t pc = 0; pc < prog->cnt; pc++) {
        if (st->loop_head[pc])
            emit_nops(st, (unsigned)(-st->len & (JIT_LOOP_ALIGN - 1)));
        st->addrs[pc] = (uint32_t)st->len;
        int rc = emit_insn(st, pc, log, log_size);
        if (rc)
            return rc;
        if (prog->insns[pc].code == PBPF_OPCODE_LDDW && pc + 1 < prog->cnt) {
            pc++;
            st->addrs[pc] = (uint32_t)st->len;
        }
    }
    st->addrs[prog->cnt] = (uint32_t)st->len;
    emit_tail(st);
    if (st->oom)
        return -ENOMEM;
    for (size_t i = 0; i < st->nfix; i++) {
        const struct jit_fixup *f = &st->fix[i];
        uint32_t target = f->label < LBL_FIXED_COUNT ? st->labels[f->label]
                                                     : st->stubs[f->label - LBL_FIXED_COUNT].pc;
        uint32_t r = target - (f->pos + 4);
        memcpy(st->buf + f->pos, &r, 4);
    }
    if (st->len > INT32_MAX) {
        snprintf(log, log_size, "program too large for the JIT");
        return -E2BIG;
    }
    return 0;
}

/* Whether runs of code that calls no helper need no epoch section: the
 * program reaches only values of plain ARRAY maps it holds, which stay
 * where they are for the map's life (no element is ever freed).  Per-CPU
 * arrays need the run's slot and outer maps hand out inner maps that an
 * update may retire, so those keep the full run. */
static int no_epoch_maps(const struct pbpf_prog *prog)
{
    for (size_t i = 0; i < prog->map_cnt; i++)
        if (prog->maps[i]->type != PBPF_MAP_TYPE_ARRAY)
            return 0;
    return 1;
}

int pbpf_jit_compile(struct pbpf_prog *prog, char *log, size_t log_size)
{
    char dummy[1];
    if (!log || !log_size) {
        log = dummy;
        log_size = sizeof dummy;
    }
    struct jit_state st;
    memset(&st, 0, sizeof st);
    st.prog = prog;
    st.flags = prog->jit_flags;
    if (blinding(&st) && (pbpf_random_bytes(&st.seed, sizeof st.seed) != 0 || !st.seed))
        st.seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)prog;
    int rc = -ENOMEM;
    st.addrs = pbpf_calloc(prog->cnt + 1, sizeof *st.addrs);
    st.prev = pbpf_calloc(prog->cnt + 1, sizeof *st.prev);
    st.loop_head = pbpf_calloc(prog->cnt + 1, 1);
    st.long_jump = pbpf_calloc(prog->cnt + 1, 1);
    if (!st.addrs || !st.prev || !st.loop_head || !st.long_jump)
        goto out;
    plan_frame(&st);
    mark_loop_heads(&st);
    if (find_map_args(&st))
        goto out;
    st.first_pass = 1;
    for (int pass = 0;; pass++) {
        st.pass = pass;
        rc = emit_pass(&st, log, log_size);
        if (rc)
            goto out;
        int same = !st.first_pass &&
                   memcmp(st.addrs, st.prev, (prog->cnt + 1) * sizeof *st.addrs) == 0;
        if (same)
            break;
        if (pass > 64) {
            snprintf(log, log_size, "JIT layout did not converge");
            rc = -E2BIG;
            goto out;
        }
        uint32_t *t = st.prev;
        st.prev = st.addrs;
        st.addrs = t;
        st.first_pass = 0;
    }
    struct pbpf_jit_code *jc = pbpf_calloc(1, sizeof *jc);
    if (!jc)
        goto out;
    jc->size = st.len;
    jc->mem = pbpf_exec_alloc(st.len);
    if (!jc->mem) {
        pbpf_free(jc);
        goto out;
    }
    memcpy(jc->mem, st.buf, st.len);
    rc = pbpf_exec_seal(jc->mem, jc->size);
    if (rc) {
        snprintf(log, log_size, "cannot make JIT code executable (%d)", rc);
        pbpf_exec_free(jc->mem, jc->size);
        pbpf_free(jc);
        goto out;
    }
    jc->entry = (jit_entry_fn)(uintptr_t)jc->mem;
    if (st.leaf) {
        prog->jit_leaf_entry = (int (*)(uint64_t, uint64_t, uint64_t *))(uintptr_t)jc->mem;
        jc->entry = (jit_entry_fn)(uintptr_t)((uint8_t *)jc->mem + st.labels[LBL_CTX_ENTRY]);
    }
    prog->jit_entry = jc->entry; /* pbpf_prog_run calls it directly */
    if (prog->n_cb_targets) {
        jc->cb_entry = (uint64_t(*)(const void *))(uintptr_t)((uint8_t *)jc->mem +
                                                               st.labels[LBL_CB_ENTRY]);
        prog->run_callback = jit_run_callback;
        jc->async_entry = (uint64_t(*)(const void *, struct pbpf_run_ctx *))(uintptr_t)(
            (uint8_t *)jc->mem + st.labels[LBL_ASYNC_ENTRY]);
        prog->run_async = jit_run_async;
    }
    if (!st.helper_calls && no_epoch_maps(prog))
        prog->needs_epoch = 0; /* so also the short path of pbpf_prog_run */
    jc->offs = st.addrs; /* the last pass's layout, for pbpf_prog_jited_offsets */
    st.addrs = NULL;
    prog->jit = jc;
    rc = 0;
out:
    if (rc == -ENOMEM)
        snprintf(log, log_size, "out of memory while compiling");
    pbpf_free(st.buf);
    pbpf_free(st.addrs);
    pbpf_free(st.prev);
    pbpf_free(st.loop_head);
    pbpf_free(st.long_jump);
    pbpf_free(st.call_map);
    pbpf_free(st.stubs);
    pbpf_free(st.fix);
    return rc;
}

int pbpf_jit_run(struct pbpf_prog *prog, struct pbpf_run_ctx *ctx, uint64_t r1, uint64_t r2,
                 uint64_t *r0)
{
    if (prog->jit_leaf_entry) /* no stub in between */
        prog->jit_leaf_entry(r1, r2, r0);
    else
        *r0 = prog->jit->entry(r1, r2, ctx);
    return ctx->err;
}

void pbpf_jit_free(struct pbpf_prog *prog)
{
    struct pbpf_jit_code *jc = prog->jit;
    if (!jc)
        return;
    pbpf_exec_free(jc->mem, jc->size);
    pbpf_free(jc->offs);
    pbpf_free(jc);
    prog->jit = NULL;
    prog->jit_entry = NULL;
    prog->fast_entry = NULL;
    prog->jit_leaf_entry = NULL;
    prog->leaf_entry = NULL;
}

int pbpf_prog_jited(const struct pbpf_prog *prog, const void **code, size_t *size)
{
    if (!prog || !prog->jit)
        return -ENOENT;
    if (code)
        *code = prog->jit->mem;
    if (size)
        *size = prog->jit->size;
    return 0;
}

int pbpf_prog_jited_offsets(const struct pbpf_prog *prog, const uint32_t **offs, size_t *cnt)
{
    if (!prog || !prog->jit)
        return -ENOENT;
    if (offs)
        *offs = prog->jit->offs;
    if (cnt)
        *cnt = prog->cnt;
    return 0;
}
#endif
