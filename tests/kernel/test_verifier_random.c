/* pbpf's verifier against Linux's on random programs.  Each program comes
 * from the verifier fuzzer's generator (fuzz/vgen.h) fed with bytes from a
 * seeded PRNG.  The generator writes for "r1 = N bytes of memory", which no
 * Linux program type gives, so every program gets a prologue that makes r1
 * exactly that: a socket filter that looks up key 0 of an array map whose
 * values are N bytes (1 where the generator drew 0: a map value cannot be
 * empty), null-checks the result and moves it into r1; it then sets r2..r9
 * (make_prog).  The same bytecode (lddw of the map: the kernel's fd there,
 * pbpf's map index) is verified by pbpf_verify (socket filter, the same
 * map, root's verdicts) and loaded by the kernel (BPF_PROG_LOAD as root):
 *
 *   pbpf accepts, Linux rejects: unsound, the test fails (with the program
 *     and both reasons) unless Linux's reason is in not_safety[] below;
 *   pbpf rejects, Linux accepts: incomplete, counted by pbpf's reason; the
 *     test fails above --max-incomplete per 10,000 programs drawn;
 *   both accept: each is test-run on the same packet and the same map
 *     value (BPF_PROG_TEST_RUN, pbpf_prog_test_run in verified mode), and
 *     r0 and the map value after the run must agree, unless they depend on
 *     addresses (pointers returned, stored or branched on) or on stack
 *     bytes never written: pbpf runs the program twice, in two runtimes on
 *     two threads with different stacks, stack contents and maps, and only
 *     what both runs agree on is compared with Linux.
 *
 * --count N is the number of programs with a valid control flow (cfg_ok);
 * the others drawn on the way (about five in six) are compared too.  Seed
 * 1 with 100,000 such programs (609,443 drawn; 8-15 minutes, nearly all
 * of it in the kernel): 12,364 accepted by both, no unsound verdict, 54
 * incomplete ones, all where Linux never looks: instructions in dead code
 * that break an encoding rule (neg with a non-zero immediate: 47; an
 * atomic fetch into r10: 7).  Linux checks only the paths it walks and
 * removes dead code from the program; pbpf checks every instruction's
 * encoding for its engines (pbpf_isa_validate, also in pbpf_prog_load).
 * Before the fixes this test brought (div/mod and oversized shifts
 * computed, atomic fetch into the base, r10 as an atomic's source on the
 * stack, 0 == pointer decided only with the pointer on the left, a
 * register compared with itself) a run of the same size, with r0 not yet
 * drawn in the prologue, gave 10 unsound and 59 incomplete verdicts; the
 * last of those fixes came from a run in between (one unsound verdict in
 * 600,000 programs).  The ceiling (cmake/parts/vrandom.cmake) is a few times the rate
 * measured.
 *
 * The two pbpf runs cannot expose a branch on a pointer's sign: pbpf's
 * pointers are user-space addresses, positive as 64-bit and often alike in
 * bit 31, Linux's are kernel addresses.  Seed 1 with 100,000 programs
 * shows one or two such run differences, as the addresses fall (program
 * 290437, "if r1 s>= r7", and 120505, "if w1 s> 3", on the map value
 * pointer); --no-runs compares verdicts only.
 *
 * Usage: test_verifier_random [--count N] [--seed S] [--max-incomplete M]
 *                             [--only I] [--no-runs] [-v]
 * --only I verifies program I (of all drawn) alone and prints it with both
 * logs (pbpf's at level 2).  Without bpf() the test skips (77). */
#include <alloca.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/maps.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "vgen.h"

#if defined(__SANITIZE_ADDRESS__)
#define VR_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VR_SANITIZED 1
#endif
#endif

/* Under ASan the test runs are not compared: ASan keeps locals on stacks
 * of its own, so the painting that exposes reads of never-written stack
 * bytes (run_thread) does not reach the interpreter's stack. */
#ifdef VR_SANITIZED
static int compare_runs_here = 0;
#else
static int compare_runs_here = 1;
#endif

/* Linux's reasons for a rejection that say nothing about the safety of
 * the program, so that pbpf accepting it is no unsoundness.  Each entry
 * cites where Linux's verifier.c prints it. */
static const struct {
    const char *prefix;
    const char *why;
} not_safety[] = {
    /* do_check(): more than BPF_COMPLEXITY_LIMIT_INSNS (1M) instructions
     * processed; how many a program costs depends on the state pruning,
     * which pbpf does not copy instruction for instruction */
    {"BPF program is too large. Processed", "Linux's budget of processed instructions"},
    /* push_stack(): more than BPF_COMPLEXITY_LIMIT_JMP_SEQ (8192) branch
     * states pending at once, a bound on the verifier's own memory */
    {"The sequence of ", "Linux's bound on pending branch states"},
};

#define PROLOGUE 26 /* instructions before the generated body, at most */
#define BODY_BYTES 512
#define MAX_INSNS (PROLOGUE + VGEN_MAX_SLOTS)

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fill(uint64_t *s, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = splitmix(s);
        for (size_t k = 0; k < 8 && i + k < n; k++)
            p[i + k] = (uint8_t)(v >> (8 * k));
    }
}

/* One map per memory size the generator draws, on each side (array, key
 * 0, value = the size; a size of 0 becomes 1, as a map value cannot be
 * empty).  Two pbpf runtimes, for the address-independence check. */
#define NSIZES 101
static int kmap[NSIZES];
static struct pbpf_runtime *rt[2];
static struct pbpf_map *pmap[2][NSIZES];

static uint32_t value_size(uint32_t mem_size) { return mem_size ? mem_size : 1; }

static int maps_for(uint32_t mem_size)
{
    if (mem_size >= NSIZES)
        return -EINVAL;
    if (kmap[mem_size] > 0)
        return 0;
    int fd = kbpf_map_create(PBPF_MAP_TYPE_ARRAY, 4, value_size(mem_size), 1, 0);
    if (fd < 0)
        return fd;
    kmap[mem_size] = fd;
    for (int r = 0; r < 2; r++) {
        PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
                  .value_size = value_size(mem_size), .max_entries = 1);
        int rc = pbpf_map_create(rt[r], &mo, &pmap[r][mem_size]);
        if (rc)
            return rc;
    }
    return 0;
}

/* The program: the prologue, then the generator's body.  imm of the lddw
 * at 3 is the map: 0 (pbpf's index) here, the fd for the kernel.  After
 * the lookup, r2 = the memory's size (as for pbpf's type 0), and each of
 * r3..r9 and r0 is, by the PRNG, a constant (0, 1, -1, the size, a random 64-bit
 * value), a byte read from the memory (a scalar neither side knows) or
 * left as it is (uninitialised; r0: the map value pointer, which most
 * programs would otherwise return, leaving few runs to compare): a generated body reads registers it never wrote,
 * which with all of them uninitialised (as in a type 0 program) stops
 * most programs at their first instructions. */
static size_t make_prog(uint64_t seed, uint64_t idx, struct pbpf_insn *out, uint32_t *mem_size,
                        uint64_t *rng)
{
    uint64_t s = seed ^ (0xd1b54a32d192ed03ull * (idx + 1));
    uint8_t bytes[BODY_BYTES];
    fill(&s, bytes, sizeof bytes);
    struct vgen g;
    vgen_init(&g, bytes, sizeof bytes);
    *mem_size = g.mem_size;
    size_t n = 0;
    out[n++] = vgen_insn(PBPF_CLS_ST | PBPF_MODE_MEM | PBPF_SIZE_W, 10, 0, -4, 0);
    out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, 2, 10, 0, 0);
    out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_ADD, 2, 0, 0, -4);
    out[n++] = vgen_insn(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, 1, 1, 0, 0);
    out[n++] = vgen_insn(0, 0, 0, 0, 0);
    out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_CALL, 0, 0, 0, 1); /* bpf_map_lookup_elem */
    out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_JNE, 0, 0, 1, 0);
    out[n++] = vgen_insn(PBPF_CLS_JMP | PBPF_JMP_EXIT, 0, 0, 0, 0);
    out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV | PBPF_SRC_X, 1, 0, 0, 0);
    out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, 2, 0, 0, (int32_t)g.mem_size);
    for (uint8_t r = 3; r <= 10; r++) {
        uint64_t v = splitmix(&s);
        /* r0 last (as "r10"): the map value pointer when left as it is */
        uint8_t reg = r == 10 ? 0 : r;
        switch (v % 8) {
        case 0: out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, reg, 0, 0, 0); break;
        case 1: out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, reg, 0, 0, 1); break;
        case 2: out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, reg, 0, 0, -1); break;
        case 3:
            out[n++] = vgen_insn(PBPF_CLS_ALU64 | PBPF_ALU_MOV, reg, 0, 0, (int32_t)g.mem_size);
            break;
        case 4:
            out[n++] = vgen_insn(PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW, reg, 0, 0,
                                 (int32_t)(v >> 8));
            out[n++] = vgen_insn(0, 0, 0, 0, (int32_t)(v >> 40));
            break;
        case 5:
        case 6: out[n++] = vgen_insn(PBPF_CLS_LDX | PBPF_MODE_MEM | PBPF_SIZE_B, reg, 0, 0, 0); break;
        default: break;
        }
    }
    *rng = s;
    return n + vgen_prog(&g, out + n);
}

static void print_prog(FILE *f, const struct pbpf_insn *insns, size_t cnt)
{
    for (size_t pc = 0; pc < cnt;) {
        char buf[128];
        int k = pbpf_disasm_insn(insns, cnt, pc, PBPF_DISASM_LLVM, buf, sizeof buf);
        fprintf(f, "%4zu: %s\n", pc, k > 0 ? buf : "(?)");
        pc += k > 0 ? (size_t)k : 1;
    }
}

/* Whether every instruction can be reached from the first and every jump
 * lands inside the program (Linux's check_cfg rejects the rest before any
 * data-flow analysis: "unreachable insn", "jump out of range").  Most of
 * the generator's programs fail it; the test draws until one passes, so
 * that --count programs reach the verifiers' data-flow checks, and
 * compares the verdicts on the others too (they are cheap). */
static int cfg_ok(const struct pbpf_insn *insns, size_t cnt)
{
    uint8_t seen[MAX_INSNS] = {0}, half[MAX_INSNS] = {0};
    size_t stack[MAX_INSNS], sp = 0;
    for (size_t pc = 0; pc + 1 < cnt; pc++)
        if (insns[pc].code == (PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW))
            half[++pc] = 1;
    stack[sp++] = 0;
    seen[0] = 1;
    while (sp) {
        size_t pc = stack[--sp];
        uint8_t code = insns[pc].code, cls = code & 7, op = code & 0xf0;
        size_t next[2], nn = 0;
        int lddw = code == (PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW);
        if (lddw && pc + 1 < cnt)
            seen[pc + 1] = 1;
        if ((cls == PBPF_CLS_JMP || cls == PBPF_CLS_JMP32) && op == PBPF_JMP_EXIT)
            continue;
        int jump = (cls == PBPF_CLS_JMP || cls == PBPF_CLS_JMP32) && op != PBPF_JMP_CALL;
        if (!jump || op != PBPF_JMP_JA)
            next[nn++] = pc + (lddw ? 2 : 1);
        if (jump) {
            int64_t t = (int64_t)pc + 1 + insns[pc].off;
            if (t < 0 || (uint64_t)t >= cnt)
                return 0;
            next[nn++] = (size_t)t;
        }
        for (size_t i = 0; i < nn; i++) {
            if (next[i] >= cnt || half[next[i]])
                return 0;
            if (!seen[next[i]]) {
                seen[next[i]] = 1;
                stack[sp++] = next[i];
            }
        }
    }
    for (size_t pc = 0; pc < cnt; pc++)
        if (!seen[pc])
            return 0;
    return 1;
}

/* The last line of pbpf's log: its reason */
static const char *last_line(const char *log, char *out, size_t size)
{
    size_t n = strlen(log);
    while (n && log[n - 1] == '\n')
        n--;
    size_t b = n;
    while (b && log[b - 1] != '\n')
        b--;
    snprintf(out, size, "%.*s", (int)(n - b), log + b);
    return out;
}

/* A reason with its numbers as N, to count alike reasons together */
static void generalise(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < size; p++) {
        if (*p >= '0' && *p <= '9') {
            out[o++] = 'N';
            while (p[1] >= '0' && p[1] <= '9')
                p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

#define MAX_REASONS 64
static struct {
    char reason[160];
    uint64_t count, first;
} incomplete[MAX_REASONS];
static size_t n_reasons;

static void count_incomplete(const char *reason, uint64_t idx)
{
    char g[160];
    generalise(reason, g, sizeof g);
    for (size_t i = 0; i < n_reasons; i++)
        if (!strcmp(incomplete[i].reason, g)) {
            incomplete[i].count++;
            return;
        }
    if (n_reasons < MAX_REASONS) {
        snprintf(incomplete[n_reasons].reason, sizeof incomplete[0].reason, "%s", g);
        incomplete[n_reasons].count = 1;
        incomplete[n_reasons++].first = idx;
    }
}

static struct {
    uint64_t drawn, programs, both_accept, both_reject, same_reason, unsound, excused, incomplete;
    uint64_t runs, runs_address_bound, run_mismatch;
} st;

static char plog[1 << 16], klog[1 << 20];

static int run_pbpf(int r, const struct pbpf_insn *insns, size_t cnt, uint32_t mem_size,
                    const uint8_t *val, const uint8_t *pkt, size_t pkt_len, uint32_t *ret,
                    uint8_t *val_after, char *err, size_t err_size)
{
    struct pbpf_map *m = pmap[r][mem_size];
    uint32_t key = 0;
    int rc = pbpf_map_update_elem(m, &key, val, 0);
    if (rc)
        return rc;
    struct pbpf_prog *prog = NULL;
    PBPF_OPTS(pbpf_prog_opts, po, .prog_type = KBPF_PROG_SOCKET_FILTER,
              .engine = PBPF_ENGINE_INTERP, .mode = PBPF_MODE_VERIFIED, .license = "GPL",
              .maps = &m, .map_cnt = 1, .log_buf = err, .log_size = err_size);
    rc = pbpf_prog_load(rt[r], insns, cnt, &po, &prog);
    if (rc)
        return rc;
    PBPF_OPTS(pbpf_test_run_opts, o, .data_in = pkt, .data_size_in = (uint32_t)pkt_len,
              .err_buf = err, .err_size = err_size);
    rc = pbpf_prog_test_run(prog, &o);
    pbpf_prog_free(prog);
    if (rc)
        return rc;
    *ret = o.retval;
    return pbpf_map_lookup_elem(m, &key, val_after);
}

/* pbpf's run r, on a thread of its own whose stack was first painted with
 * a pattern of its own: the two runs then have different stack addresses
 * and different bytes in the stack a program reads without writing (root
 * may: Linux's allow_uninit_stack), so that whatever depends on either
 * shows up as a difference between them. */
struct run_job {
    int r;
    const struct pbpf_insn *insns;
    size_t cnt;
    uint32_t mem_size;
    const uint8_t *val, *pkt;
    uint32_t ret;
    uint8_t *after;
    char err[256];
    int rc;
};

static __attribute__((noinline)) void paint_stack(uint8_t pattern)
{
    uint8_t area[32768];
    memset(area, pattern, sizeof area);
    __asm__ volatile("" : : "r"(area) : "memory");
}

static void *run_thread(void *arg)
{
    struct run_job *j = arg;
    paint_stack(j->r ? 0xa5 : 0x5a);
    /* the second run's stack 80 bytes further down: its addresses differ
     * from the first's in their low byte too */
    uint8_t *shift = alloca(j->r ? 80 : 16);
    __asm__ volatile("" : : "r"(shift) : "memory");
    j->rc = run_pbpf(j->r, j->insns, j->cnt, j->mem_size, j->val, j->pkt, 64, &j->ret, j->after,
                     j->err, sizeof j->err);
    return NULL;
}

/* Both accepted: the same run on each side.  0, or -1 on a difference */
static int compare_runs(uint64_t idx, const struct pbpf_insn *insns, size_t cnt,
                        uint32_t mem_size, int kfd, uint64_t *rng)
{
    uint32_t vs = value_size(mem_size);
    uint8_t val[NSIZES], after[3][NSIZES], pkt[64];
    fill(rng, val, vs);
    fill(rng, pkt, sizeof pkt);
    uint32_t ret[3];
    for (int r = 0; r < 2; r++) {
        struct run_job j = {.r = r, .insns = insns, .cnt = cnt, .mem_size = mem_size, .val = val,
                            .pkt = pkt, .after = after[r], .rc = -1};
        pthread_t t;
        if (pthread_create(&t, NULL, run_thread, &j) || pthread_join(t, NULL)) {
            fprintf(stderr, "program %" PRIu64 ": no thread for pbpf's run\n", idx);
            return -1;
        }
        if (j.rc) {
            fprintf(stderr, "program %" PRIu64 ": pbpf's run failed (%d): %s\n", idx, j.rc, j.err);
            return -1;
        }
        ret[r] = j.ret;
    }
    uint32_t key = 0;
    struct kbpf_test_run k = {.data_in = pkt, .data_size_in = sizeof pkt};
    int rc = kbpf_map_update(kmap[mem_size], &key, val, 0);
    if (!rc)
        rc = kbpf_prog_test_run(kfd, &k);
    if (!rc)
        rc = kbpf_map_lookup(kmap[mem_size], &key, after[2]);
    if (rc) {
        fprintf(stderr, "program %" PRIu64 ": the kernel's run failed: %s\n", idx, strerror(-rc));
        return -1;
    }
    ret[2] = k.retval;
    st.runs++;
    /* an address seen in either result may have steered the other too
     * (a branch on a pointer's bits): then neither is compared */
    if (ret[0] != ret[1] || memcmp(after[0], after[1], vs)) {
        st.runs_address_bound++;
        return 0;
    }
    if (ret[0] != ret[2] || memcmp(after[0], after[2], vs)) {
        st.run_mismatch++;
        fprintf(stderr, "program %" PRIu64 ": runs differ: r0 pbpf 0x%x, Linux 0x%x%s\n", idx,
                ret[0], ret[2], memcmp(after[0], after[2], vs) ? "; the map value differs" : "");
        return -1;
    }
    return 0;
}

/* One program: 0, 1 (a difference that fails the test); *deep: whether it
 * passed cfg_ok() */
static int one(uint64_t seed, uint64_t idx, int verbose, int *deep)
{
    struct pbpf_insn insns[MAX_INSNS];
    uint32_t mem_size;
    uint64_t rng;
    size_t cnt = make_prog(seed, idx, insns, &mem_size, &rng);
    int rc = maps_for(mem_size);
    if (rc) {
        fprintf(stderr, "maps of %u bytes: %s\n", mem_size, strerror(-rc));
        return 1;
    }
    st.drawn++;
    *deep = cfg_ok(insns, cnt);
    st.programs += (uint64_t)*deep;

    plog[0] = '\0';
    struct pbpf_map *m = pmap[0][mem_size];
    PBPF_OPTS(pbpf_verifier_opts, vo, .prog_type = KBPF_PROG_SOCKET_FILTER, .maps = &m,
              .map_cnt = 1, .gpl = 1, .log_buf = plog, .log_size = sizeof plog,
              .log_level = verbose ? 2 : 0, .caps = PBPF_VERIFIER_CAP_ROOT);
    int prc = pbpf_verify(insns, cnt, &vo, NULL);
    char preason[256];
    last_line(plog, preason, sizeof preason);

    struct pbpf_insn kinsns[MAX_INSNS];
    memcpy(kinsns, insns, cnt * sizeof insns[0]);
    kinsns[3].imm = kmap[mem_size];
    klog[0] = '\0';
    struct kbpf_load_opts lo = {.prog_type = KBPF_PROG_SOCKET_FILTER,
                                .insns = kinsns,
                                .insn_cnt = cnt,
                                .log_buf = klog,
                                .log_size = sizeof klog};
    int kfd = kbpf_prog_load(&lo);
    /* Linux prints the two states after "infinite loop detected": the
     * reason is the line before them */
    const char *inf = strstr(klog, "infinite loop detected");
    if (kfd < 0 && inf) {
        size_t n = strcspn(inf, "\n");
        snprintf(lo.reason, sizeof lo.reason, "%.*s", (int)(n < 255 ? n : 255), inf);
    }

    if (verbose) {
        printf("program %" PRIu64 " of seed %" PRIu64 " (%u bytes of memory):\n", idx, seed,
               mem_size);
        print_prog(stdout, insns, cnt);
        printf("--- pbpf: %s (%d)\n%s\n--- Linux: %s\n%s\n", prc ? "rejects" : "accepts", prc,
               plog, kfd >= 0 ? "accepts" : "rejects", klog);
    }

    int fail = 0;
    if (!prc && kfd >= 0) {
        st.both_accept++;
        if (compare_runs_here && compare_runs(idx, insns, cnt, mem_size, kfd, &rng)) {
            print_prog(stderr, insns, cnt);
            fail = 1;
        }
    } else if (prc && kfd < 0) {
        st.both_reject++;
        st.same_reason += !strcmp(preason, lo.reason);
    } else if (!prc) {
        int excused = 0;
        for (size_t i = 0; i < sizeof not_safety / sizeof not_safety[0]; i++)
            excused |= !strncmp(lo.reason, not_safety[i].prefix, strlen(not_safety[i].prefix));
        if (excused) {
            st.excused++;
        } else {
            st.unsound++;
            fail = 1;
            fprintf(stderr,
                    "UNSOUND: program %" PRIu64 " of seed %" PRIu64
                    " (%u bytes of memory): pbpf accepts, Linux rejects: %s\n",
                    idx, seed, mem_size, lo.reason);
            print_prog(stderr, insns, cnt);
        }
    } else {
        st.incomplete++;
        count_incomplete(preason, idx);
        if (verbose < 0)
            fprintf(stderr, "incomplete: program %" PRIu64 ": %s\n", idx, preason);
    }
    kbpf_close(kfd);
    return fail;
}

int main(int argc, char **argv)
{
#ifdef VR_SANITIZED
    /* ASan makes pbpf's verifier several times slower on the programs that
     * loop into the 1M-instruction budget */
    uint64_t count = 1000;
#else
    uint64_t count = 3000;
#endif
    uint64_t seed = 1, only = UINT64_MAX, max_incomplete = 0;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--max-incomplete") && i + 1 < argc)
            max_incomplete = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-v"))
            verbose = -1;
        else if (!strcmp(argv[i], "--no-runs"))
            compare_runs_here = 0;
        else {
            fprintf(stderr,
                    "usage: %s [--count N] [--seed S] [--max-incomplete PER_10000] [--only I] "
                    "[--no-runs] [-v]\n",
                    argv[0]);
            return 2;
        }
    }
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("skipped: %s\n", why);
        return 77;
    }
    for (int r = 0; r < 2; r++)
        if (pbpf_runtime_new(NULL, &rt[r]))
            return 1;
    int failed = 0, deep;
    if (only != UINT64_MAX) {
        failed = one(seed, only, 1, &deep);
    } else {
        for (uint64_t i = 0; st.programs < count; i++)
            failed |= one(seed, i, verbose, &deep);
    }
    printf("seed %" PRIu64 ": %" PRIu64 " programs drawn, %" PRIu64
           " with a valid control flow; both accept %" PRIu64 ", both reject %" PRIu64
           " (same reason %" PRIu64 "), unsound %" PRIu64 " (+%" PRIu64
           " over Linux's limits), incomplete %" PRIu64 "\n",
           seed, st.drawn, st.programs, st.both_accept, st.both_reject, st.same_reason, st.unsound,
           st.excused, st.incomplete);
    printf("test runs compared %" PRIu64 " (address-dependent, not compared: %" PRIu64
           "), differing %" PRIu64 "\n",
           st.runs, st.runs_address_bound, st.run_mismatch);
    for (size_t i = 0; i < n_reasons; i++)
        printf("  incomplete %6" PRIu64 " (first: program %" PRIu64 "): %s\n", incomplete[i].count,
               incomplete[i].first, incomplete[i].reason);
    if (only == UINT64_MAX && st.incomplete * 10000 > max_incomplete * st.drawn) {
        printf("FAIL: %" PRIu64 " incomplete verdicts, more than %" PRIu64
               " per 10,000 programs\n",
               st.incomplete, max_incomplete);
        failed = 1;
    }
    for (int r = 0; r < 2; r++) {
        for (int s = 0; s < NSIZES; s++)
            pbpf_map_free(pmap[r][s]);
        pbpf_runtime_free(rt[r]);
    }
    for (int s = 0; s < NSIZES; s++)
        if (kmap[s] > 0)
            kbpf_close(kmap[s]);
    return failed;
}
