/* pbpf_prog_load in verified mode: the verifier decides what loads (as
 * Linux's BPF_PROG_LOAD), on the interpreter and the JIT; checked mode and
 * preverified programs do not run it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                           \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static struct pbpf_runtime *rt;
static int have_jit;

struct loaded {
    int rc;
    char log[2048];
    struct pbpf_verifier_stats st;
    struct pbpf_prog *prog;
};

static void load(const char *text, enum pbpf_engine engine, enum pbpf_mode mode,
                 const char *license, uint32_t mem_size, int preverified, struct loaded *l)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256];
    memset(l, 0, sizeof *l);
    if (pbpf_asm(text, &p, &n, err, sizeof err)) {
        printf("asm: %s\n", err);
        fails++;
        l->rc = -EINVAL;
        return;
    }
    PBPF_OPTS(pbpf_prog_opts, o, .engine = engine, .mode = mode, .license = license,
              .mem_size = mem_size, .preverified = preverified, .log_buf = l->log,
              .log_size = sizeof l->log, .verifier_stats = &l->st);
    l->rc = pbpf_prog_load(rt, p, n, &o, &l->prog);
    pbpf_free_insns(p);
}

/* reads the u64 at r1 + 8 */
static const char *const read8 = "r0 = *(u64 *)(r1 + 8)\nexit\n";

static void test_unsafe_refused(void)
{
    struct loaded l;
    /* checked mode: loads, and the run is bounds-checked */
    load(read8, PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, NULL, 0, 0, &l);
    CHECK(l.rc == 0);
    uint64_t r0 = 0, mem[1] = {0};
    if (l.prog)
        CHECK(pbpf_prog_run(l.prog, mem, sizeof mem, &r0, NULL) == -EFAULT);
    pbpf_prog_free(l.prog);
    /* verified mode, 8 bytes of memory: refused with Linux's reason */
    for (int e = 0; e <= have_jit; e++) {
        load(read8, e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 8, 0, &l);
        CHECK(l.rc == -EACCES);
        CHECK(!l.prog);
        CHECK(strstr(l.log, "invalid access to memory, mem_size=8 off=8 size=8") != NULL);
        CHECK(l.st.processed_insns >= 1);
    }
    /* uninitialised register: -EACCES, "R2 !read_ok" */
    load("r0 = r2\nr0 += r3\nexit\n", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
    CHECK(l.rc == -EACCES);
    CHECK(strstr(l.log, "R3 !read_ok") != NULL);
    /* an infinite loop: -EINVAL as Linux */
    load("r0 = 0\nl: if r0 == 0 goto l\nexit\n", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
    CHECK(l.rc == -EINVAL);
    CHECK(strstr(l.log, "infinite loop detected") != NULL);
}

static void test_safe_loads_and_runs(void)
{
    struct loaded l;
    for (int e = 0; e <= have_jit; e++) {
        load(read8, e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 16, 0, &l);
        CHECK(l.rc == 0);
        CHECK(l.st.processed_insns == 2);
        if (!l.prog)
            continue;
        uint64_t mem[2] = {1, 0x1122334455667788ull}, r0 = 0;
        CHECK(pbpf_prog_run(l.prog, mem, sizeof mem, &r0, NULL) == 0);
        CHECK(r0 == mem[1]);
        /* fewer bytes than the verifier was told: refused, not run */
        char eb[128] = "";
        PBPF_OPTS(pbpf_run_opts, ro, .err_buf = eb, .err_size = sizeof eb);
        CHECK(pbpf_prog_run(l.prog, mem, 8, &r0, &ro) == -EINVAL);
        CHECK(strstr(eb, "verified for 16") != NULL);
        CHECK(pbpf_prog_run(l.prog, mem, 8, &r0, NULL) == -EINVAL);
        pbpf_prog_free(l.prog);
    }
}

/* Found by fuzz_verifier: a program verified for no memory is run with
 * r1 = NULL; the verifier took r1 for a non-null pointer and pruned the
 * branch that loops forever. */
static void test_no_mem_r1_may_be_null(void)
{
    struct loaded l;
    load("l: if r1 == 0 goto l\nr0 = 0\nexit\n", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED,
         NULL, 0, 0, &l);
    CHECK(l.rc == -EINVAL);
    CHECK(strstr(l.log, "infinite loop detected") != NULL);
    /* with memory the pointer is non-null and the loop is dead code */
    load("l: if r1 == 0 goto l\nr0 = 0\nexit\n", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED,
         NULL, 8, 0, &l);
    CHECK(l.rc == 0);
    pbpf_prog_free(l.prog);
    /* the null check is what a program must do before touching r1 */
    for (int e = 0; e <= have_jit; e++) {
        load("r0 = 7\nif r1 != 0 goto +1\nr0 = 9\nexit\n",
             e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
        CHECK(l.rc == 0);
        if (!l.prog)
            continue;
        uint64_t r0 = 0, mem = 0;
        CHECK(pbpf_prog_run(l.prog, NULL, 0, &r0, NULL) == 0);
        CHECK(r0 == 9);
        CHECK(pbpf_prog_run(l.prog, &mem, sizeof mem, &r0, NULL) == 0);
        CHECK(r0 == 7);
        /* NULL memory with a length is the caller's error */
        CHECK(pbpf_prog_run(l.prog, NULL, 8, &r0, NULL) == -EINVAL);
        pbpf_prog_free(l.prog);
    }
}

static void test_license(void)
{
    /* bpf_ktime_get_ns (5) is for everyone; bpf_trace_printk (6) is
     * GPL-only on Linux */
    static const char *const printk = "r1 = r10\nr1 += -8\nr2 = 0\n*(u64 *)(r10 - 8) = r2\n"
                                      "r2 = 8\ncall 6\nr0 = 0\nexit\n";
    struct loaded l;
    load(printk, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
    CHECK(l.rc == -EINVAL);
    CHECK(strstr(l.log, "cannot call GPL-restricted function from non-GPL compatible program"));
    load(printk, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "Proprietary", 0, 0, &l);
    CHECK(l.rc == -EINVAL);
    load(printk, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "Dual BSD/GPL", 0, 0, &l);
    CHECK(l.rc == 0);
    pbpf_prog_free(l.prog);
    load("call 5\nexit\n", PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
    CHECK(l.rc == 0);
    pbpf_prog_free(l.prog);
    CHECK(pbpf_license_gpl_compatible("GPL"));
    CHECK(pbpf_license_gpl_compatible("GPL v2"));
    CHECK(!pbpf_license_gpl_compatible("GPLv3"));
    CHECK(!pbpf_license_gpl_compatible(NULL));
}

static void test_preverified(void)
{
    /* the embedder vouches for the bytecode: no verifier, no stats */
    struct loaded l;
    load(read8, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, NULL, 0, 1, &l);
    CHECK(l.rc == 0);
    CHECK(l.st.processed_insns == 0);
    uint64_t mem[2] = {0, 42}, r0 = 0;
    if (l.prog)
        CHECK(pbpf_prog_run(l.prog, mem, sizeof mem, &r0, NULL) == 0 && r0 == 42);
    pbpf_prog_free(l.prog);
}

int main(void)
{
    if (pbpf_runtime_new(NULL, &rt)) {
        printf("cannot create a runtime\n");
        return 1;
    }
    struct loaded l;
    load("r0 = 0\nexit\n", PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, NULL, 0, 0, &l);
    have_jit = l.rc == 0;
    if (!have_jit)
        printf("no JIT on this host (%s): interpreter only\n", l.log);
    pbpf_prog_free(l.prog);
    test_unsafe_refused();
    test_safe_loads_and_runs();
    test_no_mem_r1_may_be_null();
    test_license();
    test_preverified();
    pbpf_runtime_free(rt);
    if (fails)
        printf("%d checks failed\n", fails);
    else
        printf("verified loads: all checks passed\n");
    return fails ? 1 : 0;
}
