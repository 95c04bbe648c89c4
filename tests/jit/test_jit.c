/* The x86-64 JIT against the checked interpreter:
 *   rows     every instruction row of the ISA table, random operands
 *   random   whole random programs (loops, calls, helpers, memory)
 *   errors   run failures: call depth, callx to an unknown helper, helper
 *            abort, LD_ABS out of bounds from a subprogram
 *   harden   W^X of the code pages at every stage, constant blinding (by
 *            request and for untrusted programs), retpolines
 *   jumps    jumps of every distance around the short/long encoding limit
 *   align    helpers called from nested bpf-to-bpf calls get a 16-byte
 *            aligned stack (the C ABIs' rule), whatever registers are saved
 *   leaf     code that calls nothing and loads no packet bytes: its own
 *            entry stores r0 (pbpf_prog_run's shortest path), also when the
 *            program names the register that carries r0's address
 * PBPF_JIT_SEED=<n> replays another random sequence. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "jit_diff.h"
#include "jit_gen.h"
#include "platform/platform.h"

#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif

static struct pbpf_runtime *rt;
static _Alignas(16) uint8_t mem[GEN_BUF];
static uint8_t init[GEN_BUF];
static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static uint64_t abort_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                             struct pbpf_run_ctx *ctx)
{
    (void)b, (void)c, (void)d, (void)e;
    if (a == 7)
        pbpf_run_ctx_abort(ctx, -EPERM, "helper refused 7");
    return a + 1;
}

static const unsigned flag_sets[] = {0, PBPF_JIT_BLIND_CONSTANTS, PBPF_JIT_RETPOLINE,
                                     PBPF_JIT_BLIND_CONSTANTS | PBPF_JIT_RETPOLINE};

static void fill_init(struct gen_src *s)
{
    for (size_t i = 0; i < GEN_BUF; i++)
        init[i] = (uint8_t)gen_u32(s);
}

static int compare(const struct pbpf_insn *insns, size_t cnt, unsigned flags, const char *what)
{
    char why[512];
    int d = diff_run(rt, insns, cnt, flags, mem, init, GEN_BUF, GEN_BUF, why, sizeof why);
    if (d) {
        fprintf(stderr, "FAIL %s (jit flags %u): %s\n", what, flags, why);
        diff_dump(stderr, insns, cnt);
        failures++;
    }
    return d;
}

/* Each row alone: random registers, the instruction, a dump of r0..r9. */
static void test_rows(struct gen_src *s)
{
    static struct gen g;
    for (unsigned x = 0; x < PBPF_XOP_COUNT; x++) {
        const struct pbpf_opinfo *op = &pbpf_isa_table[x];
        int kind = gen_is_alu(op) ? 0 : gen_is_mem(op) ? 1 : gen_is_jcond(op) ? 2
                 : gen_is_pkt(op) ? 3 : op->fmt == PBPF_FMT_LDDW && op->src.kind == PBPF_RULE_ZERO ? 4
                 : -1;
        if (kind < 0)
            continue;
        unsigned bad = 0;
        for (int iter = 0; iter < 64 && !bad; iter++) {
            memset(&g, 0, sizeof g);
            g.src = s;
            g.base = 6 + gen_below(s, 4);
            g.reserved = 1u << g.base;
            fill_init(s);
            gen_emit(&g, PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, g.base, 1, 0, 0);
            for (unsigned r = 0; r <= 9; r++)
                if (r != g.base && r != 1)
                    gen_lddw(&g, r, gen_imm64(s));
            gen_init_stack(&g);
            /* four instances per program: loading costs more than running */
            for (int inst = 0; inst < 4; inst++)
            switch (kind) {
            case 0:
                gen_alu_row(&g, op, gen_wreg(&g), gen_rreg(&g));
                break;
            case 1:
                gen_mem_row(&g, op);
                break;
            case 2: {
                /* taken: r0 = 1, not taken: r0 = 2 */
                unsigned a = gen_rreg(&g), b = gen_below(s, 3) ? gen_rreg(&g) : a;
                int32_t imm = gen_below(s, 3) ? gen_imm(s) : 0;
                if (op->fmt == PBPF_FMT_JCOND_K)
                    gen_emit(&g, op->code, a, 0, 2, imm);
                else
                    gen_emit(&g, op->code, a, b, 2, 0);
                gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 2);
                gen_emit(&g, PBPF_OPCODE_JA, 0, 0, 1, 0);
                gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 1);
                break;
            }
            case 3: {
                int32_t imm = (int32_t)gen_below(s, GEN_BUF + 8) - 4;
                unsigned r = gen_wreg(&g);
                if (gen_below(s, 2))
                    gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, r, 0, 0, (int32_t)gen_below(s, 80));
                gen_emit(&g, op->code, 0, op->fmt == PBPF_FMT_LDIND ? r : 0, 0,
                         gen_below(s, 6) ? (op->fmt == PBPF_FMT_LDIND ? imm / 4 : imm) : gen_imm(s));
                break;
            }
            default:
                gen_lddw(&g, gen_wreg(&g), gen_imm64(s));
                break;
            }
            for (unsigned r = 0; r <= 9; r++)
                gen_emit(&g, PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, g.base, r,
                         (int16_t)(GEN_MEM + 8 * r), 0);
            gen_emit(&g, PBPF_OPCODE_EXIT, 0, 0, 0, 0);
            bad = compare(g.insns, g.cnt, flag_sets[iter & 3], op->name) != 0;
        }
    }
}

static void test_random(struct gen_src *s, unsigned n)
{
    static struct gen g;
    for (unsigned i = 0; i < n; i++) {
        size_t cnt = gen_program(&g, s, gen_below(s, 4) == 0);
        if (!cnt)
            continue;
        fill_init(s);
        char what[64];
        snprintf(what, sizeof what, "random program %u", i);
        if (compare(g.insns, cnt, flag_sets[i & 3], what))
            return;
    }
}

#define I(code, dst, src, off, imm)                                                                \
    {                                                                                              \
        (code), PBPF_INSN_REGS(dst, src), (off), (imm)                                             \
    }

static void test_errors(void)
{
    pbpf_runtime_set_helper(rt, 1001, abort_helper, "abort_helper");
    /* unbounded recursion: the interpreter and the JIT stop at depth 8 */
    const struct pbpf_insn recurse[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 5),
        I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, 1),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
        I(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_DW, 10, 0, -8, 1),
        I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, -2),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* seven nested calls are fine (depth 8 is the limit, not one more);
     * each level keeps its own value in its own frame: r0 = 7 + 6 + ... + 1 */
    const struct pbpf_insn deep_ok[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6, 0, 0, 6),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 0),
        I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, 1),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 0, 0, 0, 1),
        I(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, 10, 0, -8, 0),
        I(PBPF_CLS_JMP | PBPF_JMP_JEQ, 6, 0, 4, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_SUB, 6, 0, 0, 1),
        I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, -5),
        I(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_DW, 1, 10, -8, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 1, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    struct pbpf_insn deep_bad[sizeof deep_ok / sizeof deep_ok[0]];
    memcpy(deep_bad, deep_ok, sizeof deep_ok);
    deep_bad[0].imm = 7;
    const struct pbpf_insn callx_bad[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 3, 0, 0, 1002),
        I(PBPF_OPCODE_CALLX, 3, 0, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    const struct pbpf_insn callx_huge[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 1, 0, 0, -1),
        I(PBPF_OPCODE_CALLX, 1, 0, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    const struct pbpf_insn callx_ok[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 1, 0, 0, 41),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 4, 0, 0, 1001),
        I(PBPF_OPCODE_CALLX, 4, 0, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    const struct pbpf_insn helper_abort[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 1, 6, 0, 0),
        I(PBPF_OPCODE_CALL, 0, 0, 0, 1001),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 6, 0, 0, 1),
        I(PBPF_CLS_JMP | PBPF_JMP_JLT, 6, 0, -4, 100),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* LD_ABS out of bounds in a subprogram ends the whole run, r0 = 0 */
    const struct pbpf_insn ldabs_sub[] = {
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 6, 1, 0, 0),
        I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, 2),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 99),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
        I(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_W, 0, 0, 0, 2),
        I(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_W, 0, 0, 0, 100000),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* the same without calls: the run takes the fast entry (no map, no
     * call), which must give the same r0 = 0 */
    const struct pbpf_insn ldabs_flat[] = {
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 6, 1, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 99),
        I(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_W, 0, 0, 0, 2),
        I(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_H, 0, 0, 0, 15),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    const struct {
        const char *name;
        const struct pbpf_insn *insns;
        size_t cnt;
        int rc;
    } cases[] = {
#define CASE(p, rc) {#p, p, sizeof p / sizeof p[0], rc}
        CASE(recurse, -E2BIG),   CASE(deep_ok, 0),       CASE(deep_bad, -E2BIG),
        CASE(callx_bad, -EINVAL), CASE(callx_huge, -EINVAL), CASE(callx_ok, 0),
        CASE(helper_abort, -EPERM), CASE(ldabs_sub, 0), CASE(ldabs_flat, 0),
#undef CASE
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (unsigned f = 0; f < 4; f++) {
            memset(init, 0x5a, sizeof init);
            compare(cases[i].insns, cases[i].cnt, flag_sets[f], cases[i].name);
            /* and the JIT's own result is the documented one */
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                      .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                      .jit_flags = flag_sets[f]);
            struct pbpf_prog *p = NULL;
            int rc = pbpf_prog_load(rt, cases[i].insns, cases[i].cnt, &o, &p);
            CHECK(rc == 0, "%s: load %d", cases[i].name, rc);
            if (rc)
                continue;
            uint64_t r0 = 12345;
            char msg[160] = "";
            PBPF_OPTS(pbpf_run_opts, ro, .err_buf = msg, .err_size = sizeof msg);
            rc = pbpf_prog_run(p, mem, 16, &r0, &ro);
            CHECK(rc == cases[i].rc, "%s: rc %d, want %d (%s)", cases[i].name, rc, cases[i].rc,
                  msg);
            if (cases[i].rc)
                CHECK(msg[0] != '\0' && ro.err_pc < cases[i].cnt, "%s: no message or pc (%s, %zu)",
                      cases[i].name, msg, ro.err_pc);
            if (!strcmp(cases[i].name, "deep_ok"))
                CHECK(r0 == 28, "deep_ok: r0 %" PRIu64, r0);
            if (!strcmp(cases[i].name, "callx_ok"))
                CHECK(r0 == 42, "callx_ok: r0 %" PRIu64, r0);
            if (!strcmp(cases[i].name, "ldabs_sub") || !strcmp(cases[i].name, "ldabs_flat"))
                CHECK(r0 == 0, "%s: r0 %" PRIu64, cases[i].name, r0);
            /* without run options (the fast entry when the program
             * calls nothing): the same verdict and r0 */
            uint64_t r0_plain = 54321;
            int rc_plain = pbpf_prog_run(p, mem, 16, &r0_plain, NULL);
            CHECK(rc_plain == rc && (rc || r0_plain == r0),
                  "%s: without options rc %d r0 %" PRIu64 ", with options rc %d r0 %" PRIu64,
                  cases[i].name, rc_plain, r0_plain, rc, r0);
            if (!strcmp(cases[i].name, "helper_abort"))
                CHECK(ro.err_pc == 2 && strstr(msg, "refused 7"), "helper_abort: pc %zu '%s'",
                      ro.err_pc, msg);
            pbpf_prog_free(p);
        }
    }
    /* the JIT refuses unverified programs */
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
              .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_CHECKED);
    struct pbpf_prog *p = NULL;
    CHECK(pbpf_prog_load(rt, callx_ok, 4, &o, &p) == -EINVAL && !p, "checked JIT load accepted");
}

/* Code pages are never writable; blinding keeps immediates out of the code
 * and changes from one compilation to the next. */
static int code_has(const void *code, size_t size, uint32_t v)
{
    const uint8_t *c = code;
    for (size_t i = 0; i + 4 <= size; i++)
        if (!memcmp(c + i, &v, 4))
            return 1;
    return 0;
}

/* The protection of the page holding p as "rwx" letters ('-' for what is
 * not allowed), from the OS: /proc/self/maps, or VirtualQuery on Windows. */
static int page_prot(const void *p, char out[4])
{
#if defined(_WIN32)
    MEMORY_BASIC_INFORMATION mi;
    if (VirtualQuery(p, &mi, sizeof mi) != sizeof mi || mi.State != MEM_COMMIT)
        return -1;
    DWORD pr = mi.Protect & 0xff;
    int x = pr == PAGE_EXECUTE || pr == PAGE_EXECUTE_READ || pr == PAGE_EXECUTE_READWRITE ||
            pr == PAGE_EXECUTE_WRITECOPY;
    int w = pr == PAGE_READWRITE || pr == PAGE_WRITECOPY || pr == PAGE_EXECUTE_READWRITE ||
            pr == PAGE_EXECUTE_WRITECOPY;
    int r = pr != PAGE_NOACCESS && pr != PAGE_EXECUTE;
    snprintf(out, 4, "%c%c%c", r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-');
    return 0;
#else
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[512];
    int found = -1;
    uintptr_t a = (uintptr_t)p;
    while (found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi) {
            snprintf(out, 4, "%.3s", perms);
            found = 0;
        }
    }
    fclose(f);
    return found;
#endif
}

/* The platform layer's code pages: writable and not executable while the
 * JIT writes them, executable and no longer writable once sealed. */
static void test_wx_stages(void)
{
    size_t size = 3 * 4096;
    uint8_t *p = pbpf_exec_alloc(size);
    CHECK(p != NULL, "pbpf_exec_alloc");
    if (!p)
        return;
    char prot[4];
    for (size_t off = 0; off < size; off += 4096) {
        CHECK(page_prot(p + off, prot) == 0 && !strcmp(prot, "rw-"),
              "fresh code page +%zu is %s, want rw-", off, prot);
        memset(p + off, 0xc3, 4096); /* ret */
    }
    CHECK(pbpf_exec_seal(p, size) == 0, "pbpf_exec_seal");
    for (size_t off = 0; off < size; off += 4096)
        CHECK(page_prot(p + off, prot) == 0 && !strcmp(prot, "r-x"),
              "sealed code page +%zu is %s, want r-x", off, prot);
    pbpf_exec_free(p, size);
}

/* Retpolines: no indirect call (call r10: 41 ff d2) is left in the code,
 * the thunk (pause; lfence) is there, and results do not change. */
static void test_retpoline(void)
{
    const struct pbpf_insn prog[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 1, 0, 0, 41),
        I(PBPF_CLS_JMP | PBPF_JMP_CALL, 0, 0, 0, 1001),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 1, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 2, 0, 0, 1001),
        I(PBPF_CLS_JMP | PBPF_SRC_X | PBPF_JMP_CALL, 2, 0, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    static const uint8_t call_r10[] = {0x41, 0xff, 0xd2}, thunk[] = {0xf3, 0x90, 0x0f, 0xae, 0xe8};
    pbpf_runtime_set_helper(rt, 1001, abort_helper, "abort_helper");
    uint64_t want = 0;
    for (int retp = 0; retp < 2; retp++) {
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                  .jit_flags = retp ? PBPF_JIT_RETPOLINE : 0);
        struct pbpf_prog *p = NULL;
        CHECK(pbpf_prog_load(rt, prog, sizeof prog / sizeof prog[0], &o, &p) == 0,
              "retpoline %d: load", retp);
        if (!p)
            return;
        uint64_t r0 = 0;
        CHECK(pbpf_prog_run(p, NULL, 0, &r0, NULL) == 0, "retpoline %d: run", retp);
        if (!retp)
            want = r0;
        CHECK(r0 == want && r0 == abort_helper(abort_helper(41, 0, 0, 0, 0, NULL), 0, 0, 0, 0, NULL),
              "retpoline %d: r0 %" PRIu64, retp, r0);
        const void *code;
        size_t size;
        CHECK(pbpf_prog_jited(p, &code, &size) == 0, "pbpf_prog_jited");
        int has_call = 0, has_thunk = 0;
        for (size_t i = 0; i + sizeof thunk <= size; i++) {
            has_call |= !memcmp((const uint8_t *)code + i, call_r10, sizeof call_r10);
            has_thunk |= !memcmp((const uint8_t *)code + i, thunk, sizeof thunk);
        }
        CHECK(has_call == !retp && has_thunk == retp, "retpoline %d: call r10 %d, thunk %d",
              retp, has_call, has_thunk);
        pbpf_prog_free(p);
    }
}

/* Returns the misalignment of its frame: the frame address is the call's
 * rsp minus 16 (return address and saved frame pointer), so it is 16-byte
 * aligned exactly when the caller's stack was, as both ABIs require. */
static uint64_t align_helper(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                             struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return (uint64_t)((uintptr_t)__builtin_frame_address(0) & 15);
}

static void test_align(void)
{
    pbpf_runtime_set_helper(rt, 1002, align_helper, "align_helper");
    for (unsigned nregs = 0; nregs <= 4; nregs++) {
        for (unsigned depth = 0; depth < 4; depth++) {
            struct pbpf_insn prog[32];
            size_t n = 0;
            /* main names nregs of r6..r9, then calls a chain of depth
             * functions, the last of which calls the helper */
            for (unsigned r = 0; r < nregs; r++)
                prog[n++] = (struct pbpf_insn)I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6 + r, 0, 0,
                                                (int32_t)r + 1);
            for (unsigned f = 0; f <= depth; f++) {
                if (f < depth)
                    prog[n++] = (struct pbpf_insn)I(PBPF_OPCODE_CALL, 0, PBPF_PSEUDO_CALL, 0, 1);
                else
                    prog[n++] = (struct pbpf_insn)I(PBPF_OPCODE_CALL, 0, 0, 0, 1002);
                if (f == 0)
                    for (unsigned r = 0; r < nregs; r++) /* r0 += r6.. : still there */
                        prog[n++] = (struct pbpf_insn)I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD,
                                                        0, 6 + r, 0, 0);
                prog[n++] = (struct pbpf_insn)I(PBPF_OPCODE_EXIT, 0, 0, 0, 0);
                if (f == 0 && nregs && depth) {
                    /* the call at the top jumps over main's adds and exit */
                    prog[n - 2 - nregs].imm = (int32_t)nregs + 1;
                }
            }
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                      .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED);
            struct pbpf_prog *p = NULL;
            char what[64];
            snprintf(what, sizeof what, "align: %u registers, depth %u", nregs, depth);
            CHECK(pbpf_prog_load(rt, prog, n, &o, &p) == 0, "%s: load", what);
            if (!p)
                continue;
            uint64_t r0 = ~0ull, want = 0;
            for (unsigned r = 0; r < nregs; r++)
                want += r + 1;
            CHECK(pbpf_prog_run(p, NULL, 0, &r0, NULL) == 0 && r0 == want,
                  "%s: r0 %" PRIu64 ", want %" PRIu64, what, r0, want);
            pbpf_prog_free(p);
        }
    }
}

static void test_harden(void)
{
    test_wx_stages();
    test_retpoline();
    const uint32_t magic = 0x3c1d5e9au;
    const struct pbpf_insn prog[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, (int32_t)magic),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 0, 0, 0, (int32_t)magic),
        I(PBPF_CLS_JMP | PBPF_JMP_JEQ, 0, 0, 1, (int32_t)magic),
        I(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_W, 10, 0, -4, (int32_t)magic),
        I(PBPF_OPCODE_LDDW, 3, 0, 0, (int32_t)magic),
        I(0, 0, 0, 0, (int32_t)magic),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    const void *code[2];
    size_t size[2];
    struct pbpf_prog *p[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                  .jit_flags = i ? PBPF_JIT_BLIND_CONSTANTS : 0);
        CHECK(pbpf_prog_load(rt, prog, 7, &o, &p[i]) == 0, "harden load %d", i);
        if (!p[i])
            return;
        uint64_t r0 = 0;
        CHECK(pbpf_prog_run(p[i], NULL, 0, &r0, NULL) == 0 && r0 == 2ull * magic,
              "harden run %d: r0 %" PRIx64, i, r0);
    }
    const void *c0;
    size_t s0;
    CHECK(pbpf_prog_jited(p[0], &c0, &s0) == 0 && s0 > 0, "pbpf_prog_jited");
    CHECK(code_has(c0, s0, magic), "unblinded code lacks the immediate");
    for (int i = 1; i < 3; i++) {
        CHECK(pbpf_prog_jited(p[i], &code[i - 1], &size[i - 1]) == 0, "pbpf_prog_jited");
        CHECK(!code_has(code[i - 1], size[i - 1], magic), "blinded code contains the immediate");
    }
    CHECK(size[0] != size[1] || memcmp(code[0], code[1], size[0]),
          "two blinded compilations are identical");
    /* untrusted programs are blinded by default; PBPF_JIT_NO_BLIND_CONSTANTS
     * opts out; asking for both is an error */
    for (int no_blind = 0; no_blind < 2; no_blind++) {
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                  .untrusted = 1, .jit_flags = no_blind ? PBPF_JIT_NO_BLIND_CONSTANTS : 0);
        struct pbpf_prog *u = NULL;
        const void *uc;
        size_t us;
        CHECK(pbpf_prog_load(rt, prog, 7, &o, &u) == 0 && pbpf_prog_jited(u, &uc, &us) == 0,
              "untrusted load (no_blind %d)", no_blind);
        if (u) {
            CHECK(code_has(uc, us, magic) == no_blind, "untrusted (no_blind %d): immediate %s",
                  no_blind, no_blind ? "missing" : "present");
            uint64_t r0 = 0;
            CHECK(pbpf_prog_run(u, NULL, 0, &r0, NULL) == 0 && r0 == 2ull * magic,
                  "untrusted run: r0 %" PRIx64, r0);
        }
        pbpf_prog_free(u);
    }
    {
        char msg[128] = "";
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                  .jit_flags = PBPF_JIT_BLIND_CONSTANTS | PBPF_JIT_NO_BLIND_CONSTANTS,
                  .log_buf = msg, .log_size = sizeof msg);
        struct pbpf_prog *u = NULL;
        CHECK(pbpf_prog_load(rt, prog, 7, &o, &u) == -EINVAL && !u && strstr(msg, "together"),
              "blind and no-blind accepted (%s)", msg);
    }
    /* W^X: the program's code pages are read+execute, not writable */
    char prot[4];
    if (page_prot(c0, prot) == 0)
        CHECK(!strcmp(prot, "r-x"), "code pages are %s", prot);
    else
        CHECK(0, "protection of the code pages not found");
    for (int i = 0; i < 3; i++)
        pbpf_prog_free(p[i]);
    /* an interpreter program has no native code */
    struct pbpf_prog *ip = NULL;
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, io, .preverified = 1, .engine = PBPF_ENGINE_INTERP);
    CHECK(pbpf_prog_load(rt, prog, 7, &io, &ip) == 0, "interp load");
    CHECK(pbpf_prog_jited(ip, &c0, &s0) == -ENOENT, "interp program reports native code");
    pbpf_prog_free(ip);
}

/* Forward and backward jumps over n fillers of different native sizes:
 * the layout passes must pick rel8 or rel32 correctly on both sides of the
 * limit, also when the choice of other jumps moves the code. */
static void test_jumps(struct gen_src *s)
{
    static struct gen g;
    for (unsigned n = 0; n < 90; n++) {
        for (unsigned variant = 0; variant < 6; variant++) {
            memset(&g, 0, sizeof g);
            g.src = s;
            fill_init(s);
            gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 0);
            gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6, 0, 0, 3);
            size_t top = g.cnt;
            /* forward: skip the fillers when r6 is odd */
            size_t fwd = g.cnt;
            gen_emit(&g, PBPF_CLS_JMP | PBPF_JMP_JSET, 6, 0, 0, 1);
            for (unsigned i = 0; i < n; i++) {
                /* native sizes 2, 4 and 7 bytes, so every distance occurs */
                unsigned pick = variant == 0 ? i % 3 : gen_below(s, 3);
                int32_t imm = pick == 1 ? 1 + (int32_t)gen_below(s, 100) : 1000 + (int32_t)i;
                if (variant == 2 && i % 5 == 4)
                    gen_emit(&g, PBPF_CLS_JMP | PBPF_JMP_JEQ, 0, 0, (int16_t)(n - i - 1), imm);
                else if (pick == 0)
                    gen_emit(&g, PBPF_CLS_ALU | PBPF_SRC_X | PBPF_ALU_MOV, 0, 0, 0, 0);
                else
                    gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_ADD, 0, 0, 0, imm);
            }
            g.insns[fwd].off = (int16_t)(g.cnt - fwd - 1);
            gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_MUL, 0, 0, 0, 3);
            gen_emit(&g, PBPF_CLS_ALU64 | PBPF_ALU_SUB, 6, 0, 0, 1);
            gen_emit(&g, PBPF_CLS_JMP | PBPF_JMP_JNE, 6, 0, (int16_t)((int64_t)top - (int64_t)g.cnt - 1), 0);
            gen_emit(&g, PBPF_OPCODE_EXIT, 0, 0, 0, 0);
            char what[64];
            snprintf(what, sizeof what, "jumps over %u fillers", n);
            if (compare(g.insns, g.cnt, variant < 3 ? 0 : PBPF_JIT_BLIND_CONSTANTS, what))
                return;
            /* the loop head (target of the backward jump) is 16-byte aligned */
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                      .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED);
            struct pbpf_prog *p = NULL;
            const uint32_t *offs = NULL;
            size_t cnt = 0;
            CHECK(pbpf_prog_load(rt, g.insns, g.cnt, &o, &p) == 0 &&
                      pbpf_prog_jited_offsets(p, &offs, &cnt) == 0 && cnt == g.cnt,
                  "%s: offsets", what);
            if (offs)
                CHECK(offs[top] % 16 == 0 && offs[cnt] > offs[top], "%s: loop head at %u", what,
                      offs[top]);
            pbpf_prog_free(p);
        }
    }
}

/* Programs the JIT compiles as leaves (no call, no packet load): the entry
 * pbpf_prog_run jumps to stores r0 through its third argument, which
 * arrives in a register that is also an eBPF register (r3 in System V,
 * r5 on Windows); the entry of the run context's convention calls that
 * code.  Both give the checked interpreter's r0 and memory, with and
 * without a place for r0. */
static void test_leaf(void)
{
    const struct pbpf_insn r3_r5[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 3, 0, 0, 7),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 5, 0, 0, 9),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 0, 3, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MUL, 0, 5, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* division and shifts use rdx and rcx without naming r3 */
    const struct pbpf_insn div_shift[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 0, 0, 0, 100),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 4, 0, 0, 7),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_DIV, 0, 4, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 2, 0, 0, 1000),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOD, 2, 4, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 2, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 4, 0, 0, 3),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_LSH, 0, 4, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* callee-saved registers pushed after r0's address */
    const struct pbpf_insn saved[] = {
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 6, 0, 0, 1),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 7, 0, 0, 2),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 8, 0, 0, 3),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 9, 0, 0, 4),
        I(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 3, 0, 0, 5),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 0, 6, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 7, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 8, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 9, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_ADD, 0, 3, 0, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* memory through r1, two exits */
    const struct pbpf_insn mem_exits[] = {
        I(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_DW, 3, 1, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 3, 0, 0, 1),
        I(PBPF_CLS_STX | PBPF_MODE_MEM | PBPF_SIZE_DW, 1, 3, 8, 0),
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 0, 3, 0, 0),
        I(PBPF_CLS_JMP | PBPF_JMP_JGT, 3, 0, 1, 0),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
        I(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 0, 0, 0, 2),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    /* not a leaf: a packet load can end the run, it needs the context */
    const struct pbpf_insn ldabs[] = {
        I(PBPF_CLS_ALU64 | PBPF_SRC_X | PBPF_ALU_MOV, 6, 1, 0, 0),
        I(PBPF_CLS_LD | PBPF_MODE_ABS | PBPF_SIZE_W, 0, 0, 0, 2),
        I(PBPF_OPCODE_EXIT, 0, 0, 0, 0),
    };
    uint64_t w0;
    memset(init, 0x5a, sizeof init);
    memcpy(&w0, init, sizeof w0);
    const struct {
        const char *name;
        const struct pbpf_insn *insns;
        size_t cnt;
        int leaf;
        int known; /* want is r0 */
        uint64_t want;
    } cases[] = {
#define CASE(p, leaf, known, want) {#p, p, sizeof p / sizeof p[0], leaf, known, want}
        CASE(r3_r5, 1, 1, 7ull * 9),
        CASE(div_shift, 1, 1, (100ull / 7 + 1000ull % 7) << 3),
        CASE(saved, 1, 1, 1ull + 2 + 3 + 4 + 5),
        CASE(mem_exits, 1, 1, w0 + 1 > 0 ? w0 + 1 + 2 : w0 + 1),
        CASE(ldabs, 0, 0, 0),
#undef CASE
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (unsigned f = 0; f < 4; f++) {
            compare(cases[i].insns, cases[i].cnt, flag_sets[f], cases[i].name);
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1, .engine = PBPF_ENGINE_JIT,
                      .mode = PBPF_MODE_VERIFIED, .jit_flags = flag_sets[f]);
            struct pbpf_prog *p = NULL;
            int rc = pbpf_prog_load(rt, cases[i].insns, cases[i].cnt, &o, &p);
            CHECK(rc == 0, "%s: load %d", cases[i].name, rc);
            if (rc)
                continue;
            CHECK(!p->leaf_entry == !cases[i].leaf, "%s: leaf entry %s", cases[i].name,
                  p->leaf_entry ? "used" : "not used");
            uint64_t r0_opts = 1, r0_plain = 2;
            PBPF_OPTS(pbpf_run_opts, ro);
            memcpy(mem, init, sizeof mem);
            int rc_opts = pbpf_prog_run(p, mem, GEN_BUF, &r0_opts, &ro);
            memcpy(mem, init, sizeof mem);
            int rc_plain = pbpf_prog_run(p, mem, GEN_BUF, &r0_plain, NULL);
            memcpy(mem, init, sizeof mem);
            int rc_null = pbpf_prog_run(p, mem, GEN_BUF, NULL, NULL);
            CHECK(rc_opts == 0 && rc_plain == 0 && rc_null == 0 && r0_opts == r0_plain,
                  "%s (jit flags %u): rc %d %d %d, r0 %" PRIx64 " with options, %" PRIx64
                  " without",
                  cases[i].name, flag_sets[f], rc_opts, rc_plain, rc_null, r0_opts, r0_plain);
            if (cases[i].known)
                CHECK(r0_plain == cases[i].want, "%s: r0 %" PRIx64 ", want %" PRIx64,
                      cases[i].name, r0_plain, cases[i].want);
            pbpf_prog_free(p);
        }
    }
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 1500;
    struct gen_src s = {.rng = 0x243f6a8885a308d3ull};
    const char *seed = getenv("PBPF_JIT_SEED");
    if (seed)
        s.rng = strtoull(seed, NULL, 0) | 1;
    if (pbpf_runtime_new(NULL, &rt) != 0)
        return 1;
    pbpf_runtime_set_helper(rt, GEN_HELPER_ID, gen_helper, "test_mix");
    int all = !strcmp(what, "all");
    if (all || !strcmp(what, "rows"))
        test_rows(&s);
    if (all || !strcmp(what, "random"))
        test_random(&s, n);
    if (all || !strcmp(what, "errors"))
        test_errors();
    if (all || !strcmp(what, "harden"))
        test_harden();
    if (all || !strcmp(what, "align"))
        test_align();
    if (all || !strcmp(what, "jumps"))
        test_jumps(&s);
    if (all || !strcmp(what, "leaf"))
        test_leaf();
    pbpf_runtime_free(rt);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok: %s\n", what);
    return 0;
}
