/* Unit tests of the kernel harness: kbpf's syscall wrappers, and kdiff's
 * wrapper program on hand-written raw-convention programs, each also run
 * by pbpf's checked interpreter.  Skips (77) where bpf() is unavailable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "kbpf.h"
#include "kdiff.h"
#include "unit.h"

static struct pbpf_runtime *rt;

/* r0 of pbpf's checked interpreter on a copy of mem (NULL: none) */
static int pbpf_r0(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t len,
                   uint64_t *r0)
{
    struct pbpf_prog *prog;
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED);
    int err = pbpf_prog_load(rt, insns, cnt, &po, &prog);
    if (err)
        return err;
    uint8_t *copy = NULL;
    if (mem) {
        copy = malloc(len + 1);
        if (!copy) {
            pbpf_prog_free(prog);
            return -ENOMEM;
        }
        memcpy(copy, mem, len);
    }
    err = pbpf_prog_run(prog, copy, len, r0, NULL);
    free(copy);
    pbpf_prog_free(prog);
    return err;
}

/* Runs in both and checks both give want. */
static void check_both(const struct pbpf_insn *insns, size_t cnt, const void *mem, size_t len,
                       uint64_t want, int line)
{
    struct kdiff_result res = {0};
    int err = kdiff_run(insns, cnt, mem, len, &res);
    if (err)
        unit_fail(__FILE__, line, "kernel: %s (%s)", strerror(-err), res.reason);
    else if (res.r0 != want)
        unit_fail(__FILE__, line, "kernel r0 0x%llx, want 0x%llx", (unsigned long long)res.r0,
                  (unsigned long long)want);
    uint64_t r0 = 0;
    err = pbpf_r0(insns, cnt, mem, len, &r0);
    if (err)
        unit_fail(__FILE__, line, "pbpf: %s", strerror(-err));
    else if (r0 != want)
        unit_fail(__FILE__, line, "pbpf r0 0x%llx, want 0x%llx", (unsigned long long)r0,
                  (unsigned long long)want);
}
#define CHECK_BOTH(insns, mem, len, want) check_both(insns, NINSNS(insns), mem, len, want, __LINE__)

/* XDP's return value is 32 bits: the upper half must come through too */
static void test_full_64bit_r0(void)
{
    const struct pbpf_insn p[] = {LDDW(0, 0x8123456789abcdefull), EXIT()};
    CHECK_BOTH(p, NULL, 0, 0x8123456789abcdefull);
}

/* two exits of the outer frame, each must deliver its own r0 */
static void test_every_outer_exit(void)
{
    const struct pbpf_insn p[] = {
        LDDW(0, 0x1111111122222222ull),
        JMP_K(PBPF_JMP_JEQ, 2, 4, 1),
        EXIT(),
        LDDW(0, 0x3333333344444444ull),
        EXIT(),
    };
    uint8_t four[4] = {1, 2, 3, 4};
    uint8_t five[5] = {1, 2, 3, 4, 5};
    CHECK_BOTH(p, four, sizeof four, 0x3333333344444444ull);
    CHECK_BOTH(p, five, sizeof five, 0x1111111122222222ull);
}

/* a local function's exit returns to its caller, not out of the program */
static void test_local_function_exit(void)
{
    const struct pbpf_insn p[] = {
        MOV64_K(6, 40),
        CALL_LOCAL(3),
        ALU64_X(PBPF_ALU_ADD, 0, 6),
        ALU64_K(PBPF_ALU_LSH, 0, 32),
        EXIT(),
        MOV64_K(0, 2),
        EXIT(),
    };
    CHECK_BOTH(p, NULL, 0, 42ull << 32);
}

/* without memory r1 = r2 = 0 */
static void test_no_memory_registers(void)
{
    const struct pbpf_insn p[] = {
        MOV64_X(0, 1),
        ALU64_X(PBPF_ALU_OR, 0, 2),
        ALU64_K(PBPF_ALU_ADD, 0, 7),
        EXIT(),
    };
    CHECK_BOTH(p, NULL, 0, 7);
}

/* r1 points at the memory, r2 is its length; writes come back */
static void test_memory_in_and_out(void)
{
    const struct pbpf_insn p[] = {
        LDX(PBPF_SIZE_DW, 0, 1, 0),
        ALU64_X(PBPF_ALU_ADD, 0, 2),
        ST(PBPF_SIZE_B, 1, 8, 0x5a),
        EXIT(),
    };
    uint8_t mem[9] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0};
    uint64_t v;
    memcpy(&v, mem, 8);
    CHECK_BOTH(p, mem, sizeof mem, v + 9);
    uint8_t out[9] = {0};
    struct kdiff_result res = {.mem_out = out};
    CHECK_EQ(kdiff_run(p, NINSNS(p), mem, sizeof mem, &res), 0);
    CHECK_EQ(out[8], 0x5a);
    CHECK(memcmp(out, mem, 8) == 0);
}

/* the largest memory kdiff promises reaches the program whole */
static void test_largest_memory(void)
{
    const struct pbpf_insn p[] = {
        LDX(PBPF_SIZE_B, 0, 1, KDIFF_MAX_MEM - 1),
        ALU64_K(PBPF_ALU_LSH, 0, 32),
        ALU64_X(PBPF_ALU_OR, 0, 2),
        EXIT(),
    };
    static uint8_t mem[KDIFF_MAX_MEM];
    mem[KDIFF_MAX_MEM - 1] = 0xa7;
    CHECK_BOTH(p, mem, sizeof mem, (0xa7ull << 32) | KDIFF_MAX_MEM);
}

/* the code has the whole 512-byte stack */
static void test_full_stack(void)
{
    const struct pbpf_insn p[] = {
        ST(PBPF_SIZE_DW, 10, -512, 11),
        ST(PBPF_SIZE_DW, 10, -8, 31),
        LDX(PBPF_SIZE_DW, 0, 10, -512),
        LDX(PBPF_SIZE_DW, 3, 10, -8),
        ALU64_X(PBPF_ALU_ADD, 0, 3),
        EXIT(),
    };
    CHECK_BOTH(p, NULL, 0, 42);
}

/* a rejection carries the verifier's own reason, not its statistics */
static void test_rejection_reason(void)
{
    const struct pbpf_insn p[] = {MOV64_K(0, 1), ALU64_K(PBPF_ALU_LSH, 0, 64), EXIT()};
    struct kdiff_result res = {0};
    int err = kdiff_run(p, NINSNS(p), NULL, 0, &res);
    CHECK(err < 0);
    CHECK(res.rejected);
    CHECK_CONTAINS(res.reason, "invalid shift 64");
    uint64_t r0 = 0;
    CHECK(kdiff_run_insns(p, NINSNS(p), NULL, 0, &r0) < 0);
}

static void test_short_form(void)
{
    const struct pbpf_insn p[] = {MOV64_K(0, -1), EXIT()};
    uint64_t r0 = 0;
    CHECK_EQ(kdiff_run_insns(p, NINSNS(p), NULL, 0, &r0), 0);
    CHECK_EQ(r0, UINT64_MAX);
}

static void test_wrap_keeps_code(void)
{
    const struct pbpf_insn p[] = {MOV64_K(0, 3), JA(0), EXIT()};
    struct pbpf_insn *w;
    size_t n;
    CHECK_EQ(kdiff_wrap(p, NINSNS(p), 0, 0, &w, &n), 0);
    CHECK(n > NINSNS(p));
    CHECK(memcmp(w + n - NINSNS(p), p, sizeof p) == 0);
    free(w);
    CHECK_EQ(kdiff_wrap(p, NINSNS(p), 1, KDIFF_MAX_MEM + 1, &w, &n), -E2BIG);
    CHECK_EQ(kdiff_wrap(p, 0, 0, 0, &w, &n), -EINVAL);
}

/* BPF_PROG_TEST_RUN directly: retval, repeat and data out */
static void test_kbpf_test_run(void)
{
    /* r0 = *(u8 *)(data + 0) if the packet has a byte, else 99 */
    const struct pbpf_insn p[] = {
        LDX(PBPF_SIZE_W, 2, 1, 0),
        LDX(PBPF_SIZE_W, 3, 1, 4),
        MOV64_X(4, 2),
        ALU64_K(PBPF_ALU_ADD, 4, 1),
        MOV64_K(0, 99),
        JMP_X(PBPF_JMP_JGT, 4, 3, 1),
        LDX(PBPF_SIZE_B, 0, 2, 0),
        EXIT(),
    };
    struct kbpf_load_opts lo = {.prog_type = KBPF_PROG_XDP, .insns = p, .insn_cnt = NINSNS(p)};
    int fd = kbpf_prog_load(&lo);
    CHECK(fd >= 0);
    uint8_t in[20] = {3}, out[32];
    struct kbpf_test_run run = {.data_in = in,
                                .data_size_in = sizeof in,
                                .data_out = out,
                                .data_size_out = sizeof out,
                                .repeat = 10};
    CHECK_EQ(kbpf_prog_test_run(fd, &run), 0);
    CHECK_EQ(run.retval, 3);
    CHECK_EQ(run.data_size_out, sizeof in);
    CHECK(memcmp(in, out, sizeof in) == 0);
    kbpf_close(fd);

    /* a verifier rejection: reading r0 before writing it */
    const struct pbpf_insn bad[] = {EXIT()};
    char log[4096];
    struct kbpf_load_opts lb = {.prog_type = KBPF_PROG_XDP,
                                .insns = bad,
                                .insn_cnt = 1,
                                .log_buf = log,
                                .log_size = sizeof log};
    CHECK_EQ(kbpf_prog_load(&lb), -EACCES);
    CHECK_CONTAINS(lb.reason, "R0 !read_ok");
    CHECK_CONTAINS(log, "R0 !read_ok");
}

/* the map commands, on a hash map (BPF_MAP_TYPE_HASH = 1) */
static void test_kbpf_maps(void)
{
    int fd = kbpf_map_create(1, 4, 8, 4, 0);
    CHECK(fd >= 0);
    uint32_t k1 = 1, k2 = 2, k;
    uint64_t v = 0x1122334455667788ull, got = 0;
    CHECK_EQ(kbpf_map_lookup(fd, &k1, &got), -ENOENT);
    CHECK_EQ(kbpf_map_update(fd, &k1, &v, 0), 0);
    CHECK_EQ(kbpf_map_update(fd, &k1, &v, 1 /* BPF_NOEXIST */), -EEXIST);
    CHECK_EQ(kbpf_map_update(fd, &k2, &v, 2 /* BPF_EXIST */), -ENOENT);
    CHECK_EQ(kbpf_map_lookup(fd, &k1, &got), 0);
    CHECK_EQ(got, v);
    CHECK_EQ(kbpf_map_get_next_key(fd, NULL, &k), 0);
    CHECK_EQ(k, k1);
    CHECK_EQ(kbpf_map_get_next_key(fd, &k1, &k), -ENOENT);
    CHECK_EQ(kbpf_map_delete(fd, &k1), 0);
    CHECK_EQ(kbpf_map_delete(fd, &k1), -ENOENT);
    kbpf_close(fd);
    CHECK(kbpf_map_create(1, 0, 8, 4, 0) < 0);
}

int main(void)
{
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("kernel_kdiff: SKIP: %s\n", why);
        return 77;
    }
    if (pbpf_runtime_new(NULL, &rt) != 0) {
        fprintf(stderr, "pbpf_runtime_new failed\n");
        return 1;
    }
    UNIT_RUN(test_full_64bit_r0);
    UNIT_RUN(test_every_outer_exit);
    UNIT_RUN(test_local_function_exit);
    UNIT_RUN(test_no_memory_registers);
    UNIT_RUN(test_memory_in_and_out);
    UNIT_RUN(test_largest_memory);
    UNIT_RUN(test_full_stack);
    UNIT_RUN(test_rejection_reason);
    UNIT_RUN(test_short_form);
    UNIT_RUN(test_wrap_keeps_code);
    UNIT_RUN(test_kbpf_test_run);
    UNIT_RUN(test_kbpf_maps);
    pbpf_runtime_free(rt);
    return unit_finish();
}
