/* Every conformance vector (the .data files of ../shared/conformance) on the JIT and on
 * the checked interpreter: both must give the expected r0, and the same
 * return code and memory contents.  Each vector runs with every JIT
 * hardening combination.  Usage: test_jit_conformance <dir> */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfile.h"
#include "jit_diff.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <conformance dir>\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        printf("SKIP: no conformance vectors in %s\n", argv[1]);
        return 77;
    }
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt) != 0)
        return 1;
    static const unsigned flags[] = {0, PBPF_JIT_BLIND_CONSTANTS, PBPF_JIT_RETPOLINE,
                                     PBPF_JIT_BLIND_CONSTANTS | PBPF_JIT_RETPOLINE};
    unsigned files = 0, failed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".data"))
            continue;
        char path[4096], err[256];
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        struct pbpf_cfile f;
        if (pbpf_cfile_load(path, &f, err, sizeof err) != 0) {
            fprintf(stderr, "FAIL %s: %s\n", e->d_name, err);
            failed++;
            continue;
        }
        if (f.has_error) {
            pbpf_cfile_free(&f);
            continue;
        }
        files++;
        uint8_t *mem = malloc(f.mem_len ? f.mem_len : 1);
        for (unsigned i = 0; i < sizeof flags / sizeof flags[0] && mem; i++) {
            char why[512];
            int r = diff_run(rt, f.insns, f.insn_cnt, flags[i], mem, f.mem, f.mem_len, f.mem_len,
                             why, sizeof why);
            if (r) {
                fprintf(stderr, "FAIL %s (jit flags %u): %s\n", e->d_name, flags[i], why);
                failed++;
                break;
            }
            /* the expected result, from the JIT itself */
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                      .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED,
                      .jit_flags = flags[i]);
            struct pbpf_prog *p = NULL;
            uint64_t r0 = 0;
            if (f.mem_len)
                memcpy(mem, f.mem, f.mem_len);
            int rc = pbpf_prog_load(rt, f.insns, f.insn_cnt, &o, &p);
            if (rc == 0)
                rc = pbpf_prog_run(p, f.mem_len ? mem : NULL, f.mem_len, &r0, NULL);
            pbpf_prog_free(p);
            if (rc != 0 || (f.has_result && r0 != f.result)) {
                fprintf(stderr, "FAIL %s (jit flags %u): rc %d r0 0x%" PRIx64 ", want 0x%" PRIx64 "\n",
                        e->d_name, flags[i], rc, r0, f.result);
                failed++;
                break;
            }
        }
        free(mem);
        pbpf_cfile_free(&f);
    }
    closedir(d);
    pbpf_runtime_free(rt);
    if (files == 0) {
        printf("SKIP: no conformance vectors in %s\n", argv[1]);
        return 77;
    }
    printf("%u vectors, %u failed\n", files, failed);
    return failed ? 1 : 0;
}
