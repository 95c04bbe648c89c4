/* Writes the fuzzers' seed corpus: every conformance vector with a program
 * (and not an expected load error), in the input form of fuzz_input.h.
 *
 * Usage: fuzz_corpus_gen CONFORMANCE_DIR OUT_DIR
 * Creates OUT_DIR/seed (the seeds) and OUT_DIR/work-* (where the fuzzers
 * keep what they find). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cfile.h"

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
    DIR *d = opendir(in_dir);
    if (!d) {
        /* the fuzzers still run, from an empty corpus */
        printf("fuzz_corpus_gen: no seeds: cannot open %s: %s\n", in_dir, strerror(errno));
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
        snprintf(path, sizeof path, "%s/seed/%.*s", out_dir, (int)(n - 5), e->d_name);
        FILE *f = fopen(path, "wb");
        if (!f) {
            fprintf(stderr, "fuzz_corpus_gen: cannot write %s: %s\n", path, strerror(errno));
            pbpf_cfile_free(&cf);
            closedir(d);
            return 1;
        }
        /* the memory size is one byte: longer memories are cut */
        size_t mem_len = cf.mem_len > 255 ? 255 : cf.mem_len;
        unsigned char len_byte = (unsigned char)mem_len;
        int ok = fwrite(&len_byte, 1, 1, f) == 1 &&
                 (mem_len == 0 || fwrite(cf.mem, 1, mem_len, f) == mem_len) &&
                 fwrite(cf.insns, sizeof *cf.insns, cf.insn_cnt, f) == cf.insn_cnt;
        if (fclose(f) != 0 || !ok) {
            fprintf(stderr, "fuzz_corpus_gen: write error on %s\n", path);
            pbpf_cfile_free(&cf);
            closedir(d);
            return 1;
        }
        written++;
        pbpf_cfile_free(&cf);
    }
    closedir(d);
    printf("fuzz_corpus_gen: %u seeds in %s/seed (%u files skipped)\n", written, out_dir, skipped);
    return written ? 0 : 1;
}
