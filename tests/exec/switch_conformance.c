/* The interpreter built with switch dispatch (the fallback for compilers
 * without computed goto) passes every conformance vector in both modes and
 * reports errors like the threaded build. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cfile.h"

static int run_dir(struct pbpf_runtime *rt, const char *dir, enum pbpf_mode mode)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("cannot open %s\n", dir);
        return 1;
    }
    int pass = 0, fail = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".data"))
            continue;
        char path[1024], err[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct pbpf_cfile f;
        if (pbpf_cfile_load(path, &f, err, sizeof err)) {
            printf("FAIL %s: %s\n", e->d_name, err);
            fail++;
            continue;
        }
        struct pbpf_prog *prog;
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .mode = mode, .log_buf = err, .log_size = sizeof err);
        int rc = pbpf_prog_load(rt, f.insns, f.insn_cnt, &o, &prog);
        uint64_t r0 = 0;
        if (rc == 0) {
            PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
            rc = pbpf_prog_run(prog, f.mem, f.mem_len, &r0, &ro);
            pbpf_prog_free(prog);
        }
        if (rc == 0 && f.has_result && r0 == f.result)
            pass++;
        else {
            printf("FAIL %s (mode %d): rc %d r0 0x%llx: %s\n", e->d_name, (int)mode, rc,
                   (unsigned long long)r0, err);
            fail++;
        }
        pbpf_cfile_free(&f);
    }
    closedir(d);
    printf("mode %d: %d passed, %d failed\n", (int)mode, pass, fail);
    return fail != 0 || pass != 313;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: switch_conformance DIR\n");
        return 2;
    }
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    int bad = run_dir(rt, argv[1], PBPF_MODE_CHECKED) | run_dir(rt, argv[1], PBPF_MODE_VERIFIED);

    /* an out-of-bounds read still stops the checked run with -EFAULT */
    struct pbpf_insn oob[] = {{0x79, 0x10, 0, 0}, {0x95, 0, 0, 0}};
    struct pbpf_prog *prog;
    uint64_t r0;
    int rc = pbpf_prog_load(rt, oob, 2, NULL, &prog);
    if (rc == 0) {
        rc = pbpf_prog_run(prog, NULL, 0, &r0, NULL);
        pbpf_prog_free(prog);
    }
    if (rc != -EFAULT) {
        printf("FAIL: out-of-bounds read gave %d, want -EFAULT\n", rc);
        bad = 1;
    }
    pbpf_runtime_free(rt);
    printf("%d passed, %d failed\n", bad ? 0 : 1, bad ? 1 : 0);
    return bad;
}
