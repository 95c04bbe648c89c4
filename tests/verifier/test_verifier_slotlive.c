/* Stack slot liveness in the verifier's state pruning (src/verifier/cfg.c,
 * state.c): a slot that every path from a join overwrites before reading
 * it does not block pruning there; a slot that some path reads does, by
 * whatever means it is read.
 *
 * Each program has two paths that join with the stack slot at fp-8
 * different and everything else equal.  The path walked first (the
 * branch not taken) holds a safe value and leaves a checkpoint at the
 * join; the other holds an unsafe one.  When the slot is read after the
 * join (a load, a subprogram or a subprogram of a subprogram through a
 * pointer, a bpf_loop callback through its context, a helper, a narrower
 * store), the second path must not be pruned: the unsafe variant is
 * refused, the safe one accepted.  When the slot is overwritten first,
 * the second path is pruned at the join: the verifier processes as many
 * instructions as for the same program whose two paths agree on the slot
 * (and more when the slot is read first, which shows the join is where
 * the pruning happens).  The same holds for a caller's registers and
 * slots at a join inside a subprogram: those read after the return
 * block the pruning, the others do not.
 *
 * Registers too: a helper reads its arguments only (as many as its
 * prototype has), so a register past them is dead at the call and a
 * value that differs there does not block the pruning at a join before
 * it; one that is an argument does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

static int fails;

#define PT_SCHED_CLS 3

/* r2 is random; the branch not taken (r2 != 0) runs `first`, the other
 * `other`; both reach the instruction after the second jump, a pruning
 * point the first path leaves a checkpoint at (two jumps and eight
 * instructions since the start).  r3 = 0, r4 = V, r5 = 0 on both. */
#define PAD "r5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\nr5 = 0\n"
#define JOIN(v, first, other)                                                                  \
    "call 7\nr2 = r0\nr3 = 0\nr4 = " v "\nif r2 == 0 goto +2\n" first "\ngoto +1\n" other      \
    "\n" PAD "if r2 == 1 goto +0\n"
/* fp-8 holds 0 on the first path, V on the other */
#define JOIN_VAL(v) JOIN(v, "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r4")

/* the value read from fp-8, as an offset from fp-16: 0 and 4 are in the
 * stack, 16 is not */
#define USE_R0 "r1 = r10\nr1 += -16\nr1 += r0\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"

struct scase {
    const char *name;
    uint32_t prog_type;
    int caps;
    const char *bad, *good;
    const char *msg; /* in the rejection of bad */
};

/* read fp-8 after the join */
#define T_LOAD "r0 = *(u64 *)(r10 - 8)\n" USE_R0
/* a subprogram reads it through a pointer */
#define T_CALL "r1 = r10\nr1 += -8\ncall pc+6\n" USE_R0 "r0 = *(u64 *)(r1 + 0)\nexit\n"
/* a subprogram of a subprogram reads it */
#define T_CALL2                                                                                \
    "r1 = r10\nr1 += -8\ncall pc+6\n" USE_R0 "call pc+1\nexit\nr0 = *(u64 *)(r1 + 0)\nexit\n"
/* bpf_loop(1, cb, fp-8, 0); the callback reads its context */
#define T_LOOP                                                                                 \
    "r1 = 1\nr2 = func(7) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall 181\nr0 = 0\nexit\n"          \
    "r0 = *(u64 *)(r2 + 0)\n" USE_R0
/* bpf_csum_diff(fp-8, 8, NULL, 0, 0) reads it: a loader without
 * CAP_PERFMON may not read uninitialised stack */
#define T_HELPER "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\nr0 = 0\nexit\n"
/* a 4-byte store into it: without CAP_PERFMON, a spilled pointer may not
 * be partly overwritten */
#define T_NARROW "*(u32 *)(r10 - 8) = 0\nr0 = 0\nexit\n"

/* The same join inside a subprogram: the caller sets r6 (or fp-8) to 0
 * on the first path, V on the other, calls f, and reads it after the
 * return; f's checkpoint at its join holds the caller's frame as it is
 * then (Linux compares a caller's registers and slots that are read
 * after the return). */
#define IN_CALLEE(v, first, other, after, n)                                                   \
    "call 7\nr2 = r0\nr3 = 0\nr4 = " v "\nif r2 == 0 goto +2\n" first "\ngoto +1\n" other      \
    "\nr1 = r2\ncall pc+" n "\n" after PAD "if r1 == 1 goto +0\nr0 = 0\nexit\n"
#define USE_R6 "r1 = r10\nr1 += -16\nr1 += r6\n*(u8 *)(r1 + 0) = 0\nr0 = 0\nexit\n"
#define CALLER_REG(v) IN_CALLEE(v, "r6 = r3", "r6 = r4", USE_R6, "6")
#define CALLER_SLOT(v)                                                                         \
    IN_CALLEE(v, "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r4",                          \
              "r6 = *(u64 *)(r10 - 8)\n" USE_R6, "7")

/* The join with r6 = the context and r7 = fp-8 kept from before it */
#define PT_SOCKET_FILTER 1
#define CTX_JOIN(first, other) "r6 = r1\nr7 = r10\nr7 += -8\n" JOIN("0", first, other)
/* bpf_skb_load_bytes(skb, 0, r3, 4): r3, its third argument, is read */
#define T_ARG3 "r1 = r6\nr2 = 0\nr4 = 4\ncall 26\nr0 = 0\nexit\n"

static const struct scase cases[] = {
    /* r3 is a stack pointer on the first path, a scalar (bad) or the
     * same pointer on the other */
    {"helper's third argument", PT_SOCKET_FILTER, PBPF_VERIFIER_CAP_BPF,
     CTX_JOIN("r3 = r7", "r3 = r4") T_ARG3, CTX_JOIN("r3 = r7", "r3 = r7") T_ARG3,
     "R3 type=scalar expected=fp"},
    {"caller's register after the return", 0, PBPF_VERIFIER_CAP_ROOT, CALLER_REG("16"),
     CALLER_REG("4"), "stack"},
    {"caller's slot after the return", 0, PBPF_VERIFIER_CAP_ROOT, CALLER_SLOT("16"),
     CALLER_SLOT("4"), "stack"},
    {"load", 0, PBPF_VERIFIER_CAP_ROOT, JOIN_VAL("16") T_LOAD, JOIN_VAL("4") T_LOAD, "stack"},
    {"subprogram through a pointer", 0, PBPF_VERIFIER_CAP_ROOT, JOIN_VAL("16") T_CALL,
     JOIN_VAL("4") T_CALL, "stack"},
    {"subprogram of a subprogram", 0, PBPF_VERIFIER_CAP_ROOT, JOIN_VAL("16") T_CALL2,
     JOIN_VAL("4") T_CALL2, "stack"},
    {"bpf_loop callback's context", PT_SCHED_CLS, PBPF_VERIFIER_CAP_ROOT, JOIN_VAL("16") T_LOOP,
     JOIN_VAL("4") T_LOOP, "stack"},
    /* fp-8 written on the first path only (bad), or on both */
    {"helper argument", PT_SCHED_CLS, PBPF_VERIFIER_CAP_BPF,
     JOIN("0", "*(u64 *)(r10 - 8) = r3", "r5 = 0") T_HELPER,
     JOIN("0", "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r4") T_HELPER,
     "invalid read from stack"},
    /* fp-8 holds a scalar on the first path, a pointer (bad) on the other */
    {"narrower store", PT_SCHED_CLS, PBPF_VERIFIER_CAP_BPF,
     JOIN("0", "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r10") T_NARROW,
     JOIN("0", "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r4") T_NARROW,
     "attempt to corrupt spilled pointer on stack"},
};

static int verify_text(const char *name, const char *text, uint32_t prog_type, int caps,
                       char *log, size_t log_size, struct pbpf_verifier_stats *st)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256];
    if (pbpf_asm(text, &p, &n, err, sizeof err)) {
        printf("FAIL %s: asm: %s\n", name, err);
        fails++;
        return 1;
    }
    PBPF_OPTS(pbpf_verifier_opts, o, .prog_type = prog_type, .mem_size = 64, .gpl = 1,
              .caps = caps, .log_buf = log, .log_size = log_size);
    memset(st, 0, sizeof *st);
    int rc = pbpf_verify(p, n, &o, st);
    free(p);
    return rc;
}

static void read_cases(void)
{
    static char log[1 << 14];
    struct pbpf_verifier_stats st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct scase *c = &cases[i];
        int rc = verify_text(c->name, c->good, c->prog_type, c->caps, log, sizeof log, &st);
        if (rc) {
            printf("FAIL %s (safe values): rc %d: %s\n", c->name, rc, log);
            fails++;
        }
        rc = verify_text(c->name, c->bad, c->prog_type, c->caps, log, sizeof log, &st);
        if (rc != -EACCES || !strstr(log, c->msg)) {
            printf("FAIL %s (unsafe value): rc %d (want %d, \"%s\"): %s\n", c->name, rc,
                   -EACCES, c->msg, log);
            fails++;
        }
    }
    printf("%zu read cases: %s\n", sizeof cases / sizeof cases[0], fails ? "FAILED" : "ok");
}

/* after the join: some work with branches, then fp-8 read (after being
 * overwritten when dead) */
#define WORK                                                                                   \
    "call 7\nr6 = r0\nr6 &= 7\nif r6 > 3 goto +2\nr6 += 1\nr6 += 1\nif r6 > 5 goto +1\n"    \
    "r6 += 2\n"
#define T_DEAD "*(u64 *)(r10 - 8) = r5\n" WORK "r0 = *(u64 *)(r10 - 8)\nexit\n"
#define T_LIVE WORK "r0 = *(u64 *)(r10 - 8)\nr0 = 0\nexit\n"
/* fp-8: a scalar on both paths, or a scalar and a pointer */
#define SAME JOIN("0", "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r3")
#define DIFF JOIN("0", "*(u64 *)(r10 - 8) = r3", "*(u64 *)(r10 - 8) = r10")

static uint64_t processed_as(const char *name, const char *text, uint32_t prog_type)
{
    static char log[1 << 14];
    struct pbpf_verifier_stats st;
    int rc = verify_text(name, text, prog_type, PBPF_VERIFIER_CAP_ROOT, log, sizeof log, &st);
    if (rc) {
        printf("FAIL %s: rc %d: %s\n", name, rc, log);
        fails++;
    }
    return st.processed_insns;
}

static uint64_t processed(const char *name, const char *text)
{
    return processed_as(name, text, 0);
}

/* a caller's r6: a scalar on both paths, or a scalar and a pointer; dead
 * after the return (overwritten first) or read */
#define C_SAME(after, n) IN_CALLEE("0", "r6 = r3", "r6 = r3", after, n)
#define C_DIFF(after, n) IN_CALLEE("0", "r6 = r3", "r6 = r10", after, n)
#define C_DEAD "r6 = 0\nr0 = r6\nexit\n"
#define C_LIVE "r0 = r6\nr0 = 0\nexit\n"

/* r3 at the join: a scalar on both paths, or a scalar and a pointer;
 * after it, bpf_get_prandom_u32 (no argument: r3 is dead at the call) or
 * a copy of r3 before it (read) */
#define H_SAME CTX_JOIN("r3 = r4", "r3 = r4")
#define H_DIFF CTX_JOIN("r3 = r4", "r3 = r10")
#define H_DEAD "call 7\n" WORK "r0 = 0\nexit\n"
#define H_LIVE "r5 = r3\ncall 7\n" WORK "r0 = 0\nexit\n"

/* r6 is read after the join.  On the first path r7 = r6 links the two (r7
 * is never read again); on the other, r6 is linked to r7 the same way, or
 * to nothing (r6 &= -1 keeps its value, not its link) */
#define LINK_JOIN(other)                                                                       \
    "call 7\nr6 = r0\ncall 7\nr2 = r0\nr4 = 0\nif r2 == 0 goto +2\nr7 = r6\ngoto +1\n" other \
    "\n" PAD "if r2 == 1 goto +0\nr5 = r6\n" WORK "r0 = 0\nexit\n"

static void pruning(void)
{
    uint64_t same_dead = processed("same, dead", SAME T_DEAD);
    uint64_t diff_dead = processed("differing, dead", DIFF T_DEAD);
    uint64_t same_live = processed("same, read", SAME T_LIVE);
    uint64_t diff_live = processed("differing, read", DIFF T_LIVE);
    printf("processed: dead slot %llu (same) %llu (differing); read slot %llu (same) %llu "
           "(differing)\n",
           (unsigned long long)same_dead, (unsigned long long)diff_dead,
           (unsigned long long)same_live, (unsigned long long)diff_live);
    if (diff_dead != same_dead) {
        printf("FAIL: a slot overwritten before any read blocked the pruning at the join\n");
        fails++;
    }
    if (diff_live <= same_live) {
        printf("FAIL: a slot read after the join did not block the pruning there\n");
        fails++;
    }
    uint64_t c_same_dead = processed("caller's r6 same, dead", C_SAME(C_DEAD, "3"));
    uint64_t c_diff_dead = processed("caller's r6 differing, dead", C_DIFF(C_DEAD, "3"));
    uint64_t c_same_live = processed("caller's r6 same, read", C_SAME(C_LIVE, "3"));
    uint64_t c_diff_live = processed("caller's r6 differing, read", C_DIFF(C_LIVE, "3"));
    printf("processed, join in a subprogram: caller's dead r6 %llu (same) %llu (differing); "
           "read r6 %llu (same) %llu (differing)\n",
           (unsigned long long)c_same_dead, (unsigned long long)c_diff_dead,
           (unsigned long long)c_same_live, (unsigned long long)c_diff_live);
    if (c_diff_dead != c_same_dead) {
        printf("FAIL: a caller's register dead after the return blocked the pruning\n");
        fails++;
    }
    if (c_diff_live <= c_same_live) {
        printf("FAIL: a caller's register read after the return did not block the pruning\n");
        fails++;
    }
    uint64_t h_same_dead = processed_as("r3 same, helper", H_SAME H_DEAD, PT_SOCKET_FILTER);
    uint64_t h_diff_dead = processed_as("r3 differing, helper", H_DIFF H_DEAD, PT_SOCKET_FILTER);
    uint64_t h_same_live = processed_as("r3 same, read", H_SAME H_LIVE, PT_SOCKET_FILTER);
    uint64_t h_diff_live = processed_as("r3 differing, read", H_DIFF H_LIVE, PT_SOCKET_FILTER);
    printf("processed, register past a helper's arguments: %llu (same) %llu (differing); "
           "read %llu (same) %llu (differing)\n",
           (unsigned long long)h_same_dead, (unsigned long long)h_diff_dead,
           (unsigned long long)h_same_live, (unsigned long long)h_diff_live);
    if (h_diff_dead != h_same_dead) {
        printf("FAIL: a register no argument of the next helper blocked the pruning\n");
        fails++;
    }
    if (h_diff_live <= h_same_live) {
        printf("FAIL: a register read after the join did not block the pruning there\n");
        fails++;
    }
    uint64_t l_same = processed("r6 linked to dead r7 on both paths", LINK_JOIN("r7 = r6"));
    uint64_t l_diff = processed("r6 linked to dead r7 on one path", LINK_JOIN("r6 &= -1"));
    printf("processed, a link to a dead register: %llu (on both paths) %llu (on one)\n",
           (unsigned long long)l_same, (unsigned long long)l_diff);
    if (l_diff != l_same) {
        printf("FAIL: a link to a register never read again blocked the pruning\n");
        fails++;
    }
}

int main(void)
{
    read_cases();
    pruning();
    printf("%s\n", fails ? "FAILED" : "ok");
    return fails ? 1 : 0;
}
