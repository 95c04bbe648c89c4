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
    printf("%s\n", fails ? "FAILED" : "ok");
    return fails != 0;
}
