/* Writes the fuzzers' seed corpus in the input form of fuzz_input.h: a few
 * programs of our own that reach what the vectors do not (the fuzzers'
 * helpers, local calls, packet loads), and every conformance vector with a
 * program and no expected load error (when built with the conformance
 * reader, FUZZ_HAVE_CFILE).
 *
 * Usage: fuzz_corpus_gen CONFORMANCE_DIR OUT_DIR
 * Creates OUT_DIR/seed (the seeds) and OUT_DIR/work-* (where the fuzzers
 * keep what they find). */
#include <dirent.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "build_insn.h"
#if FUZZ_HAVE_CFILE
#include "cfile.h"
#endif

static int write_seed(const char *out_dir, const char *name, const uint8_t *mem, size_t mem_len,
                      const struct pbpf_insn *insns, size_t cnt)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed/%s", out_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fuzz_corpus_gen: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    /* the memory size is one byte: longer memories are cut */
    if (mem_len > 255)
        mem_len = 255;
    unsigned char len_byte = (unsigned char)mem_len;
    int ok = fwrite(&len_byte, 1, 1, f) == 1 &&
             (mem_len == 0 || fwrite(mem, 1, mem_len, f) == mem_len) &&
             fwrite(insns, sizeof *insns, cnt, f) == cnt;
    if (fclose(f) != 0 || !ok) {
        fprintf(stderr, "fuzz_corpus_gen: write error on %s\n", path);
        return -1;
    }
    return 0;
}

/* Helper ids as fuzz_interp.c and fuzz_diff.c register them. */
#define H_FILL 1000
#define H_REGION 1001
#define H_ABORT 1002
#define H_MIX 1003

static int write_own_seeds(const char *out_dir)
{
    static const uint8_t mem[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const struct pbpf_insn fill[] = {MOV64_K(3, 0x41), CALL(H_FILL), EXIT()};
    static const struct pbpf_insn region[] = {MOV64_K(1, 1), CALL(H_REGION),
                                              ST(PBPF_SIZE_W, 0, 4, 7),
                                              LDX(PBPF_SIZE_W, 0, 0, 4), EXIT()};
    static const struct pbpf_insn abort_[] = {MOV64_K(1, 7), CALL(H_ABORT), EXIT()};
    static const struct pbpf_insn mix[] = {MOV64_K(3, 3), MOV64_K(4, 4), MOV64_K(5, 5),
                                           CALL(H_MIX), STX(PBPF_SIZE_DW, 1, 0, 8), EXIT()};
    /* 5! by recursion, with n in callee-saved r6 */
    static const struct pbpf_insn fact[] = {
        MOV64_K(1, 5), CALL_LOCAL(1), EXIT(), JMP_K(PBPF_JMP_JGT, 1, 1, 2), MOV64_K(0, 1),
        EXIT(), MOV64_X(6, 1), ALU64_K(PBPF_ALU_SUB, 1, 1), CALL_LOCAL(-6),
        ALU64_X(PBPF_ALU_MUL, 0, 6), EXIT()};
    static const struct pbpf_insn stack[] = {
        ST(PBPF_SIZE_DW, 10, -8, 3), MOV64_X(1, 10), CALL_LOCAL(2), LDX(PBPF_SIZE_DW, 0, 10, -8),
        EXIT(), MOV64_K(2, 4), ATOMIC(PBPF_SIZE_DW, 1, 2, -8, PBPF_ALU_ADD | PBPF_ATOMIC_FETCH),
        EXIT()};
    static const struct pbpf_insn atomics[] = {
        MOV64_K(2, 9), ATOMIC(PBPF_SIZE_DW, 1, 2, 0, PBPF_ALU_ADD),
        ATOMIC(PBPF_SIZE_W, 1, 2, 8, PBPF_ALU_XOR | PBPF_ATOMIC_FETCH), MOV64_K(0, 0x0a09),
        ATOMIC(PBPF_SIZE_W, 1, 2, 8, PBPF_ATOMIC_CMPXCHG), ATOMIC(PBPF_SIZE_DW, 1, 2, 8,
        PBPF_ATOMIC_XCHG), EXIT()};
    static const struct pbpf_insn packet[] = {
        LDABS(PBPF_SIZE_W, 2), MOV64_X(6, 0), MOV64_K(7, 3), LDIND(PBPF_SIZE_H, 7, 4),
        ALU64_X(PBPF_ALU_ADD, 0, 6), LDABS(PBPF_SIZE_B, 15), EXIT()};
    static const struct pbpf_insn loop[] = {
        MOV64_K(0, 0), MOV64_K(2, 100), ALU64_K(PBPF_ALU_ADD, 0, 3), ALU64_K(PBPF_ALU_SUB, 2, 1),
        JMP_K(PBPF_JMP_JNE, 2, 0, -3), EXIT()};
    static const struct {
        const char *name;
        const struct pbpf_insn *insns;
        size_t cnt;
    } seeds[] = {
#define SEED(n) {"own-" #n, n, NINSNS(n)}
        SEED(fill), SEED(region), SEED(abort_), SEED(mix), SEED(fact),
        SEED(stack), SEED(atomics), SEED(packet), SEED(loop),
#undef SEED
    };
    for (size_t i = 0; i < NINSNS(seeds); i++)
        if (write_seed(out_dir, seeds[i].name, mem, sizeof mem, seeds[i].insns, seeds[i].cnt))
            return -1;
    return (int)NINSNS(seeds);
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz_corpus_gen: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_corpus_gen CONFORMANCE_DIR OUT_DIR\n");
        return 2;
    }
    const char *in_dir = argv[1], *out_dir = argv[2];
    char path[4096];
    if (make_dir(out_dir))
        return 1;
    static const char *const subdirs[] = {"seed", "work-interp", "work-diff"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", out_dir, subdirs[i]);
        if (make_dir(path))
            return 1;
    }
    int own = write_own_seeds(out_dir);
    if (own < 0)
        return 1;
#if FUZZ_HAVE_CFILE
    DIR *d = opendir(in_dir);
    if (!d) {
        /* the fuzzers still run, from our own seeds */
        printf("fuzz_corpus_gen: %d seeds; cannot open %s: %s\n", own, in_dir, strerror(errno));
        return 0;
    }
    unsigned written = 0, skipped = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".data") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", in_dir, e->d_name);
        struct pbpf_cfile cf;
        char err[256];
        memset(&cf, 0, sizeof cf);
        if (pbpf_cfile_load(path, &cf, err, sizeof err) != 0 || cf.has_error || !cf.insn_cnt) {
            skipped++;
            pbpf_cfile_free(&cf);
            continue;
        }
        snprintf(path, sizeof path, "%.*s", (int)(n - 5), e->d_name);
        int rc = write_seed(out_dir, path, cf.mem, cf.mem_len, cf.insns, cf.insn_cnt);
        pbpf_cfile_free(&cf);
        if (rc) {
            closedir(d);
            return 1;
        }
        written++;
    }
    closedir(d);
    printf("fuzz_corpus_gen: %d own and %u conformance seeds in %s/seed (%u files skipped)\n", own,
           written, out_dir, skipped);
    return written ? 0 : 1;
#else
    (void)in_dir;
    printf("fuzz_corpus_gen: %d own seeds in %s/seed (built without the conformance reader)\n",
           own, out_dir);
    return 0;
#endif
}
