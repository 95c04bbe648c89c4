/* Precision tracking in the verifier (src/verifier/precise.c).
 *
 *   test_verifier_precision cases
 *     Programs where two paths join with a scalar that differs between
 *     them, and a later instruction needs its exact value (a stack or
 *     memory offset, a branch it decides, a subprogram's argument or
 *     return value, a spilled copy, a linked copy).  The path walked
 *     first holds a safe value and leaves a checkpoint at the join; the
 *     other holds an unsafe one and must not be pruned there: the bad
 *     variant is refused, the good one (both values safe) accepted.
 *
 *   test_verifier_precision kernel FACTOR [--at-most-kernel=PROG]... OBJECT...
 *     Every program of the objects that both pbpf and the kernel accept:
 *     pbpf's processed instructions are at most FACTOR times the kernel's
 *     (its "processed N insns" for the same relocated program, loaded in
 *     this run), plus 64; for each PROG named, at most the kernel's (a
 *     program where pbpf once pruned less than Linux's rules allow).
 *     Exits 77 when bpf() is unavailable. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "kobj.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "vcases.h"
#include "vload.h"

static int fails;

/* r3 is 0 on the path walked first, bad on the other; both reach the
 * instruction after the second jump, a pruning point the first path
 * leaves a checkpoint at (two jumps and eight instructions since the
 * start) */
#define PAD "r5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\n"
#define JOIN(v)                                                                                \
    "r2 = *(u8 *)(r1 + 0)\nr3 = " v "\nif r2 == 0 goto +1\nr3 = 0\n" PAD "if r2 == 1 goto +0\n"

struct pcase {
    const char *name;
    const char *bad, *good; /* the same program with an unsafe / a safe value */
    const char *msg;        /* in the rejection of bad */
};

#define CASE(name, v_bad, v_good, head, tail, msg)                                              \
    {name, head(v_bad) tail, head(v_good) tail, msg}

#define JOIN_SPILL(v)                                                                          \
    "r2 = *(u8 *)(r1 + 0)\nr3 = " v "\nif r2 == 0 goto +1\nr3 = 0\n"                           \
    "*(u64 *)(r10 - 16) = r3\n" PAD "if r2 == 1 goto +0\n"
/* r3 is linked to r7 on both paths (it has an id on both), to r6 on the
 * first path, and on the other when v links them */
#define JOIN_LINK(v)                                                                           \
    "r2 = *(u8 *)(r1 + 0)\nr3 = *(u8 *)(r1 + 1)\nr7 = r3\nr6 = *(u8 *)(r1 + 2)\n"           \
    "if r2 == 0 goto +1\n"                                                                     \
    "r6 = r3\n" v "\n" PAD "if r2 == 1 goto +0\n"

/* r2 (an unknown 64-bit value) is spilled to fp-8 and read back by fill
 * into r3; a branch bounds r3, and with it the slot when the fill kept the
 * whole value (8 bytes: r3 and the slot are linked, Linux's
 * assign_scalar_id_before_mov), not when it kept 4 of them */
#define SPILL_LINK(fill)                                                                       \
    "r2 = *(u64 *)(r1 + 0)\n*(u64 *)(r10 - 8) = r2\n" fill "\nif r3 > 7 goto +7\n"
#define SPILL_USE                                                                              \
    "r4 = *(u64 *)(r10 - 8)\nr5 = r10\nr5 += -16\nr5 += r4\n*(u8 *)(r5 + 0) = 0\nr0 = 0\n"    \
    "exit\nr0 = 0\nexit\n"
/* fp-8 holds r6 & MASK, which bpf_loop's callback reads through its
 * context and uses as an offset in its own stack, at every call: the
 * value does not change from call to call (its link, which the spill
 * gave it, is all that may), so the calls do not forget it */
#define LOOP_SLOT(mask)                                                                        \
    "r6 = *(u8 *)(r1 + 0)\nr6 &= " mask "\n*(u64 *)(r10 - 8) = r6\nr6 = 0\nr1 = 4\n"         \
    "r2 = func(7) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = 0\nexit\n"
#define LOOP_CB                                                                                \
    "r3 = *(u64 *)(r2 + 0)\nr4 = r10\nr4 += -8\nr4 += r3\n*(u8 *)(r4 + 0) = 0\nr0 = 0\nexit\n"

/* the callback uses the slot as an offset, then a branch on its copy
 * narrows the slot itself (the copy is linked to it): the value the next
 * call gets differs, but its exact bounds were needed, so the calls keep
 * them instead of forgetting the slot's value */
#define LOOP_NARROW_CB                                                                         \
    "r0 = 0\nr3 = *(u64 *)(r2 + 0)\nr4 = r10\nr4 += -8\nr4 += r3\n*(u8 *)(r4 + 0) = 0\n"     \
    "if r3 > 5 goto +0\nexit\n"

static const struct pcase cases[] = {
    CASE("callback's context slot narrowed by a link", "15", "7", LOOP_SLOT, LOOP_NARROW_CB,
         "stack"),
    CASE("bound through a spill's link", "r3 = *(u32 *)(r10 - 8)", "r3 = *(u64 *)(r10 - 8)",
         SPILL_LINK, SPILL_USE, "fp pointer"),
    CASE("callback's context slot at every call", "15", "7", LOOP_SLOT, LOOP_CB, "stack"),
    CASE("stack offset", "16", "4", JOIN,
         "r4 = r10\nr4 += -8\nr4 += r3\n*(u8 *)(r4 + 0) = 0\nr0 = 0\nexit\n", "stack"),
    CASE("memory offset", "64", "63", JOIN,
         "r4 = r1\nr4 += r3\nr0 = *(u8 *)(r4 + 0)\nr0 = 0\nexit\n", "invalid access to memory"),
    CASE("decided branch", "16", "4", JOIN,
         "if r3 > 8 goto +2\nr0 = 0\nexit\nr0 = r9\nexit\n", "R9 !read_ok"),
    CASE("spilled offset", "16", "4", JOIN_SPILL,
         "r3 = 0\nr6 = *(u64 *)(r10 - 16)\nr4 = r10\nr4 += -8\nr4 += r6\n"
         "*(u8 *)(r4 + 0) = 0\nr0 = 0\nexit\n",
         "stack"),
    CASE("argument of a subprogram", "16", "4", JOIN,
         "r1 = r3\ncall local f\nr0 = 0\nexit\n"
         "f: r2 = r10\nr2 += -8\nr2 += r1\n*(u8 *)(r2 + 0) = 0\nr0 = 0\nexit\n",
         "stack"),
    CASE("return value of a subprogram", "16", "4", JOIN,
         "r1 = r3\ncall local f\nr4 = r10\nr4 += -8\nr4 += r0\n*(u8 *)(r4 + 0) = 0\n"
         "r0 = 0\nexit\nf: r0 = r1\nexit\n",
         "stack"),
    CASE("spilled across a subprogram", "16", "4", JOIN,
         "*(u64 *)(r10 - 8) = r3\nr1 = r10\nr1 += -8\ncall local f\nr4 = r10\nr4 += -16\n"
         "r4 += r0\n*(u8 *)(r4 + 0) = 0\nr0 = 0\nexit\nf: r0 = *(u64 *)(r1 + 0)\nexit\n",
         "stack"),
    /* r6 bounds r3 through their link on the first path only */
    CASE("linked copy", "r5 = 0", "r6 = r3", JOIN_LINK,
         "if r6 > 7 goto +6\nr4 = r10\nr4 += -8\nr4 += r3\n*(u8 *)(r4 + 0) = 0\nr0 = 0\n"
         "exit\nr0 = 0\nexit\n",
         "stack"),
};

static int verify_text(const char *name, const char *text, char *log, size_t log_size,
                       struct pbpf_verifier_stats *st)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256];
    if (pbpf_asm(text, &p, &n, err, sizeof err)) {
        printf("FAIL %s: asm: %s\n", name, err);
        fails++;
        return 1;
    }
    PBPF_OPTS(pbpf_verifier_opts, o, .mem_size = 64, .log_buf = log, .log_size = log_size);
    int rc = pbpf_verify(p, n, &o, st);
    free(p);
    return rc;
}

static int run_cases(void)
{
    static char log[1 << 14];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct pcase *c = &cases[i];
        struct pbpf_verifier_stats st = {0};
        int rc = verify_text(c->name, c->good, log, sizeof log, &st);
        if (rc) {
            printf("FAIL %s (safe values): rc %d: %s\n", c->name, rc, log);
            fails++;
        }
        rc = verify_text(c->name, c->bad, log, sizeof log, &st);
        if (rc != -EACCES || !strstr(log, c->msg)) {
            printf("FAIL %s (unsafe value): rc %d (want %d, \"%s\"): %s\n", c->name, rc,
                   -EACCES, c->msg, log);
            fails++;
        }
    }
    printf("%zu join cases: %s\n", sizeof cases / sizeof cases[0], fails ? "FAILED" : "ok");
    return fails ? 1 : 0;
}

static struct pbpf_object *load_whole(struct pbpf_runtime *rt, const char *path, char *msg,
                                      size_t msz)
{
    size_t len;
    void *buf = vcase_read_file(path, &len);
    struct pbpf_object *o = NULL;
    int rc = buf ? vload_object(buf, len, &o, msg, msz) : -ENOENT;
    free(buf);
    if (rc)
        return NULL;
    /* untyped sections ("2/1") get tc's type, as tc gives them */
    for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++)
        if (!pbpf_object_prog(o, i)->type_known)
            pbpf_object_set_prog_type(o, i, 3 /* BPF_PROG_TYPE_SCHED_CLS */, 0);
    PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_CHECKED, .log_buf = msg,
              .log_size = msz, .pin_root_path = "/test_verifier_precision");
    if (pbpf_object_load(o, rt, &lo)) {
        pbpf_object_close(o);
        return NULL;
    }
    return o;
}

#define AT_MOST "--at-most-kernel="

/* whether PROG is named by an --at-most-kernel option among argv */
static bool at_most_kernel(const char *prog, int argc, char **argv)
{
    for (int a = 0; a < argc; a++)
        if (!strncmp(argv[a], AT_MOST, strlen(AT_MOST)) && !strcmp(argv[a] + strlen(AT_MOST), prog))
            return true;
    return false;
}

static int run_kernel(double factor, int argc, char **argv)
{
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("SKIP: %s\n", why);
        return 77;
    }
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 2;
    static char log[1 << 16];
    size_t compared = 0, strict = 0, named = 0;
    for (int a = 0; a < argc; a++)
        named += !strncmp(argv[a], AT_MOST, strlen(AT_MOST));
    printf("%-22s %-24s %9s %9s %6s\n", "object", "program", "pbpf", "kernel", "ratio");
    for (int a = 0; a < argc; a++) {
        if (!strncmp(argv[a], AT_MOST, strlen(AT_MOST)))
            continue;
        char msg[256] = "";
        const char *base = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        struct pbpf_object *o = load_whole(rt, argv[a], msg, sizeof msg);
        if (!o) {
            printf("FAIL %s: %s\n", base, msg);
            fails++;
            continue;
        }
        struct kobj ko;
        if (kobj_open(&ko, o, why, sizeof why)) {
            printf("FAIL %s: kernel maps: %s\n", base, why);
            fails++;
            pbpf_object_close(o);
            continue;
        }
        for (size_t i = 0; i < pbpf_object_prog_cnt(o); i++) {
            const struct pbpf_object_prog *op = pbpf_object_prog(o, i);
            struct vload vl = {0};
            if (pbpf_object_prog_xlated(o, i, &vl.insns, &vl.cnt) ||
                pbpf_object_prog_maps(o, i, &vl.maps, &vl.map_cnt))
                continue;
            vl.prog = op;
            vl.prog_type = op->prog_type;
            vl.attach_type = op->expected_attach_type;
            vl.gpl = vload_license_gpl(pbpf_object_license(o));
            PBPF_OPTS(pbpf_verifier_opts, vo, .log_buf = log, .log_size = sizeof log);
            vload_verifier_opts(&vl, &vo);
            struct pbpf_verifier_stats st = {0};
            int vrc = pbpf_verify(vl.insns, vl.cnt, &vo, &st);
            long kus = -1, kins = -1;
            int fd = kobj_load_prog(&ko, i, op->prog_type, op->expected_attach_type, &kus, &kins,
                                    why, sizeof why);
            /* programs one of them refuses are other tests' business */
            if (vrc || fd < 0 || kins <= 0)
                continue;
            compared++;
            bool at_most = at_most_kernel(op->name, argc, argv);
            strict += at_most;
            double limit = at_most ? (double)kins : factor * (double)kins + 64;
            printf("%-22s %-24s %9llu %9ld %6.2f\n", base, op->name,
                   (unsigned long long)st.processed_insns, kins,
                   (double)st.processed_insns / (double)kins);
            if ((double)st.processed_insns > limit) {
                printf("FAIL %s %s: %llu processed instructions, the kernel %ld (limit %.0f)\n",
                       base, op->name, (unsigned long long)st.processed_insns, kins, limit);
                fails++;
            }
        }
        kobj_close(&ko);
        pbpf_object_close(o);
    }
    pbpf_runtime_free(rt);
    if (!compared) {
        printf("FAIL: no program accepted by both\n");
        fails++;
    }
    if (strict != named) {
        printf("FAIL: %zu of the %zu programs named --at-most-kernel compared\n", strict, named);
        fails++;
    }
    printf("%zu programs compared (limit %.1f x the kernel's + 64; %zu at most the kernel's): "
           "%s\n",
           compared, factor, strict, fails ? "FAILED" : "ok");
    return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "cases"))
        return run_cases();
    if (argc >= 4 && !strcmp(argv[1], "kernel"))
        return run_kernel(strtod(argv[2], NULL), argc - 3, argv + 3);
    fprintf(stderr, "usage: %s cases | kernel FACTOR OBJECT...\n", argv[0]);
    return 2;
}
