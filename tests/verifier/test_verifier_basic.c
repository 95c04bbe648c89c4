/* First verifier checks: straight-line ALU accepted, reads of unset
 * registers rejected with Linux's message. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pbpf/verifier.h"

#define I(c, d, s, o, i) {(c), (uint8_t)((d) | ((s) << 4)), (o), (i)}

static int fails;
static void expect(const char *name, const struct pbpf_insn *p, size_t n, int want_rc,
                   const char *want_msg)
{
    char log[512];
    PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof log, .mem_size = 8);
    int rc = pbpf_verify(p, n, &o, NULL);
    if (rc != want_rc || (want_msg && !strstr(log, want_msg))) {
        printf("FAIL %s: rc %d (want %d) log: %s\n", name, rc, want_rc, log);
        fails++;
    }
}

int main(void)
{
    const struct pbpf_insn ok[] = {I(0xb7, 0, 0, 0, 1), I(0x07, 0, 0, 0, 2), I(0x95, 0, 0, 0, 0)};
    expect("alu", ok, 3, 0, NULL);
    const struct pbpf_insn r0[] = {I(0x95, 0, 0, 0, 0)};
    expect("r0 unset", r0, 1, -EACCES, "R0 !read_ok");
    const struct pbpf_insn r3[] = {I(0xbf, 0, 3, 0, 0), I(0x95, 0, 0, 0, 0)};
    expect("r3 unset", r3, 2, -EACCES, "R3 !read_ok");
    /* An infinite loop whose state repeats, while a scalar holds an id
     * that links nothing (r0 after "r4 = r0; r4 &= 1"): Linux drops such
     * ids from the path at each checkpoint and detects the loop; when
     * only the checkpoint's copy dropped them, the exact comparison
     * failed on every iteration and the loop ran into the 1M budget. */
    const struct pbpf_insn same[] = {
        I(0x71, 0, 1, 0, 0),  I(0xbf, 4, 0, 0, 0), I(0x57, 4, 0, 0, 1),
        I(0x07, 4, 0, 0, 127), I(0xb7, 5, 0, 0, 0), I(0x6d, 4, 4, -2, 0),
        I(0xb7, 0, 0, 0, 0),  I(0x95, 0, 0, 0, 0)};
    expect("loop with a singular id", same, 8, -EINVAL, "infinite loop detected");
    /* insn_limit: a bounded loop is accepted within Linux's budget, and
     * rejected as too large exactly when the limit is one short of what it
     * needs */
    const struct pbpf_insn loop[] = {I(0xb7, 0, 0, 0, 0), I(0x07, 0, 0, 0, 1),
                                     I(0xa5, 0, 0, -2, 3000), I(0x95, 0, 0, 0, 0)};
    struct pbpf_verifier_stats st;
    int rc = pbpf_verify(loop, 4, NULL, &st);
    if (rc || st.processed_insns < 6000) {
        printf("FAIL loop: rc %d, %llu processed\n", rc, (unsigned long long)st.processed_insns);
        fails++;
    } else {
        char log[512], want[64];
        uint32_t need = (uint32_t)st.processed_insns;
        PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = log, .log_size = sizeof log,
                  .insn_limit = need);
        rc = pbpf_verify(loop, 4, &o, NULL);
        if (rc) {
            printf("FAIL loop within insn_limit %u: %d %s\n", need, rc, log);
            fails++;
        }
        o.insn_limit = need - 1;
        rc = pbpf_verify(loop, 4, &o, NULL);
        snprintf(want, sizeof want, "BPF program is too large. Processed %u insn", need);
        if (rc != -E2BIG || !strstr(log, want)) {
            printf("FAIL loop over insn_limit %u: %d %s\n", need - 1, rc, log);
            fails++;
        }
    }
    printf("%s\n", fails ? "FAILED" : "ok");
    return fails != 0;
}
