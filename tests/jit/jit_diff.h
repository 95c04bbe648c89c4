/* Runs one program on the checked interpreter and on the JIT over the same
 * memory and compares what they did: return code, r0, failure pc and
 * message, and every byte of memory.  Shared by tests/jit and the fuzzer. */
#ifndef PBPF_TESTS_JIT_DIFF_H
#define PBPF_TESTS_JIT_DIFF_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pbpf/pbpf.h"

struct diff_result {
    int rc;
    uint64_t r0;
    size_t err_pc;
    char msg[160];
};

/* 0: same behaviour; 1: they differ (described in why); -1: a program
 * failed to load (described in why). */
static inline int diff_run(struct pbpf_runtime *rt, const struct pbpf_insn *insns, size_t cnt,
                           unsigned jit_flags, uint8_t *mem, const uint8_t *init, size_t mem_len,
                           size_t cmp_len, char *why, size_t why_size)
{
    struct pbpf_prog *progs[2] = {NULL, NULL};
    struct diff_result res[2];
    static uint8_t after[2][1 << 16];
    char log[256];
    int ret = -1;
    for (int e = 0; e < 2; e++) {
        /* the engine is under test, not the verifier: verified mode runs
         * the bytecode as the test built it (preverified) */
        PBPF_OPTS(pbpf_prog_opts, o, .preverified = 1,
                  .engine = e ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP,
                  .mode = e ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED, .log_buf = log,
                  .log_size = sizeof log, .jit_flags = jit_flags);
        int rc = pbpf_prog_load(rt, insns, cnt, &o, &progs[e]);
        if (rc) {
            snprintf(why, why_size, "%s load: %d %s", e ? "jit" : "interp", rc, log);
            goto out;
        }
    }
    for (int e = 0; e < 2; e++) {
        if (mem_len)
            memcpy(mem, init, mem_len);
        struct diff_result *r = &res[e];
        memset(r, 0, sizeof *r);
        PBPF_OPTS(pbpf_run_opts, ro, .err_buf = r->msg, .err_size = sizeof r->msg);
        r->rc = pbpf_prog_run(progs[e], mem_len ? mem : NULL, mem_len, &r->r0, &ro);
        r->err_pc = ro.err_pc;
        if (mem_len)
            memcpy(after[e], mem, cmp_len);
    }
    ret = 1;
    if (res[0].rc != res[1].rc)
        snprintf(why, why_size, "rc: interp %d (%s) jit %d (%s)", res[0].rc, res[0].msg, res[1].rc,
                 res[1].msg);
    else if (res[0].rc == 0 && res[0].r0 != res[1].r0)
        snprintf(why, why_size, "r0: interp 0x%" PRIx64 " jit 0x%" PRIx64, res[0].r0, res[1].r0);
    else if (res[0].rc && (res[0].err_pc != res[1].err_pc || strcmp(res[0].msg, res[1].msg)))
        snprintf(why, why_size, "failure: interp pc %zu '%s', jit pc %zu '%s'", res[0].err_pc,
                 res[0].msg, res[1].err_pc, res[1].msg);
    else if (mem_len && memcmp(after[0], after[1], cmp_len)) {
        size_t i = 0;
        while (after[0][i] == after[1][i])
            i++;
        snprintf(why, why_size, "memory at byte %zu: interp %02x jit %02x", i, after[0][i],
                 after[1][i]);
    } else
        ret = 0;
    /* the JIT without run options takes pbpf_prog_run's short paths (for
     * code that calls nothing, an entry that stores r0 itself): the same
     * result, with a place for r0 and without one */
    for (int k = 0; ret == 0 && k < 2; k++) {
        if (mem_len)
            memcpy(mem, init, mem_len);
        uint64_t r0 = ~res[1].r0;
        int rc = pbpf_prog_run(progs[1], mem_len ? mem : NULL, mem_len, k ? NULL : &r0, NULL);
        if (rc != res[1].rc || (k == 0 && r0 != (rc ? ~res[1].r0 : res[1].r0))) {
            snprintf(why, why_size,
                     "jit without options%s: rc %d r0 0x%" PRIx64 ", with options rc %d r0 0x%" PRIx64,
                     k ? " and r0" : "", rc, r0, res[1].rc, res[1].r0);
            ret = 1;
        } else if (mem_len && memcmp(mem, after[1], cmp_len)) {
            snprintf(why, why_size, "jit without options%s: memory differs from the run with them",
                     k ? " and r0" : "");
            ret = 1;
        }
    }
out:
    pbpf_prog_free(progs[0]);
    pbpf_prog_free(progs[1]);
    return ret;
}

static inline void diff_dump(FILE *f, const struct pbpf_insn *insns, size_t cnt)
{
    for (size_t i = 0; i < cnt; i++)
        fprintf(f, "  %4zu: code %02x dst r%u src r%u off %d imm %d\n", i, insns[i].code,
                insns[i].regs & 15, insns[i].regs >> 4, insns[i].off, insns[i].imm);
}

#endif
