/* Context and socket pointers against Linux: small socket-filter and TC
 * programs that move the context pointer by constants (and back), spill
 * it, and read skb->sk's struct bpf_sock fields.  Each is loaded by the
 * kernel (BPF_PROG_LOAD) and by pbpf on every engine (checked interpreter,
 * which uses the context scan; verified interpreter and JIT, which use
 * pbpf_verify first); the verdicts must agree, and where both accept, the
 * test runs (BPF_PROG_TEST_RUN on the same packet) must return the same
 * value.  Without bpf() the test skips (77). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/hooks.h"
#include "pbpf/pbpf.h"
#include "unit.h"

static struct pbpf_runtime *rt;

struct ccase {
    const char *name;
    uint32_t prog_type;
    const char *text;
};

/* the context scan (checked mode) refuses what Linux takes: it knows no
 * register's value (src/hooks/ctx.h) */
static int scan_refuses(const struct ccase *c) { return !strcmp(c->name, "ctx plus a register"); }

#define SK "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +1\n"

static const struct ccase cases[] = {
    /* the context pointer moved by constants */
    {"ctx +4 -4", 1, "r1 += 4\nr1 += -4\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"ctx -8 +8", 3, "r1 -= 8\nr1 += 8\nr0 = *(u32 *)(r1 + 16)\nexit\n"},
    {"ctx moved", 1, "r1 += 8\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"ctx moved back short", 1, "r1 += 8\nr1 += -4\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"ctx negative", 3, "r1 += -4\nr0 = *(u32 *)(r1 + 4)\nexit\n"},
    {"ctx spilled moved", 3,
     "r1 += 8\n*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr2 += -8\n"
     "r0 = *(u32 *)(r2 + 0)\nexit\n"},
    {"ctx moved on one path", 1,
     "r6 = r1\nr0 = *(u32 *)(r1 + 0)\nif r0 > 10 goto +1\nr6 += 4\nr0 = *(u32 *)(r6 + 0)\n"
     "exit\n"},
    {"ctx moved alike on both paths", 3,
     "r6 = r1\nr0 = *(u32 *)(r1 + 0)\nif r0 > 10 goto +2\nr6 += 4\nja +1\nr6 += 4\n"
     "r6 += -4\nr0 = *(u32 *)(r6 + 0)\nexit\n"},
    {"ctx data through moved", 3,
     "r1 += 76\nr1 += -76\nr2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr0 = r3\n"
     "r0 -= r2\nexit\n"},
    {"ctx plus a register", 3, "r2 = 4\nr1 += r2\nr1 += -4\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"ctx 32-bit add", 3, "w1 += 0\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"ctx to subprogram moved", 3,
     "r1 += 16\ncall pc+2\nr0 = 0\nexit\nr1 += -16\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    /* skb->sk: PTR_TO_SOCK_COMMON_OR_NULL */
    {"sk unchecked", 3, "r2 = *(u64 *)(r1 + 168)\nr0 = *(u32 *)(r2 + 4)\nexit\n"},
    {"sk bound_dev_if", 3, SK "r0 = *(u32 *)(r2 + 0)\nexit\n"},
    {"sk family", 3, SK "r0 = *(u32 *)(r2 + 4)\nexit\n"},
    {"sk family byte", 3, SK "r0 = *(u8 *)(r2 + 4)\nexit\n"},
    {"sk family half 6", 3, SK "r0 = *(u16 *)(r2 + 6)\nexit\n"},
    {"sk type", 3, SK "r0 = *(u32 *)(r2 + 8)\nexit\n"},
    {"sk protocol", 3, SK "r0 = *(u32 *)(r2 + 12)\nexit\n"},
    {"sk mark", 3, SK "r0 = *(u32 *)(r2 + 16)\nexit\n"},
    {"sk priority", 3, SK "r0 = *(u32 *)(r2 + 20)\nexit\n"},
    {"sk src_ip4", 3, SK "r0 = *(u32 *)(r2 + 24)\nexit\n"},
    {"sk src_ip4 byte 3", 3, SK "r0 = *(u8 *)(r2 + 27)\nexit\n"},
    {"sk src_ip6[3]", 3, SK "r0 = *(u32 *)(r2 + 40)\nexit\n"},
    {"sk src_port", 3, SK "r0 = *(u32 *)(r2 + 44)\nexit\n"},
    {"sk dst_port", 3, SK "r0 = *(u32 *)(r2 + 48)\nexit\n"},
    {"sk dst_port half", 3, SK "r0 = *(u16 *)(r2 + 48)\nexit\n"},
    {"sk dst_port byte 1", 3, SK "r0 = *(u8 *)(r2 + 49)\nexit\n"},
    {"sk dst_port pad", 3, SK "r0 = *(u16 *)(r2 + 50)\nexit\n"},
    {"sk dst_ip4", 3, SK "r0 = *(u32 *)(r2 + 52)\nexit\n"},
    {"sk dst_ip6[0]", 3, SK "r0 = *(u32 *)(r2 + 56)\nexit\n"},
    {"sk state", 3, SK "r0 = *(u32 *)(r2 + 72)\nexit\n"},
    {"sk rx_queue_mapping", 3, SK "r0 = *(u32 *)(r2 + 76)\nexit\n"},
    {"sk past the end", 3, SK "r0 = *(u32 *)(r2 + 80)\nexit\n"},
    {"sk u64", 3, SK "r0 = *(u64 *)(r2 + 24)\nexit\n"},
    {"sk misaligned", 3, SK "r0 = *(u32 *)(r2 + 6)\nexit\n"},
    {"sk negative", 3, SK "r0 = *(u32 *)(r2 - 4)\nexit\n"},
    {"sk write", 3, "r3 = 1\n" SK "*(u32 *)(r2 + 0) = r3\nexit\n"},
    {"sk arithmetic", 3, SK "r2 += 4\nr0 = *(u32 *)(r2 + 0)\nexit\n"},
    {"sk spilled", 3,
     "r2 = *(u64 *)(r1 + 168)\nr0 = 0\nif r2 == 0 goto +3\n*(u64 *)(r10 - 8) = r2\n"
     "r3 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r3 + 4)\nexit\n"},
    {"sk or stack by path", 3,
     "r2 = *(u64 *)(r1 + 168)\n*(u64 *)(r10 - 8) = r2\nif r2 != 0 goto +2\nr2 = r10\n"
     "r2 += -8\nr0 = *(u32 *)(r2 + 4)\nexit\n"},
};

/* an IPv4/UDP frame: 10.0.0.1:1234 -> 10.0.0.2:5678 */
static void make_pkt(uint8_t *p, size_t n)
{
    memset(p, 0, n);
    memset(p, 0x02, 6);
    memset(p + 6, 0x04, 6);
    p[12] = 0x08;
    uint8_t *ip = p + 14;
    ip[0] = 0x45;
    ip[3] = (uint8_t)(n - 14);
    ip[8] = 64;
    ip[9] = 17;
    ip[12] = 10, ip[15] = 1;
    ip[16] = 10, ip[19] = 2;
    uint8_t *udp = ip + 20;
    udp[0] = 1234 >> 8, udp[1] = 1234 & 0xff;
    udp[2] = 5678 >> 8, udp[3] = 5678 & 0xff;
}

static size_t compared_verdicts, compared_runs;

static void one(const struct ccase *c)
{
    struct pbpf_insn *p = NULL;
    size_t n = 0;
    char err[256];
    if (pbpf_asm(c->text, &p, &n, err, sizeof err)) {
        unit_fail(__FILE__, __LINE__, "%s: asm: %s", c->name, err);
        return;
    }
    uint8_t pkt[64];
    make_pkt(pkt, sizeof pkt);
    struct kbpf_load_opts lo = {.prog_type = c->prog_type, .insns = p, .insn_cnt = n};
    int kfd = kbpf_prog_load(&lo);
    uint32_t kret = 0;
    if (kfd >= 0) {
        struct kbpf_test_run k = {.data_in = pkt, .data_size_in = sizeof pkt};
        CHECK_EQ(kbpf_prog_test_run(kfd, &k), 0);
        kret = k.retval;
        kbpf_close(kfd);
    }
    static const struct {
        enum pbpf_engine e;
        enum pbpf_mode m;
        const char *name;
    } engines[] = {{PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "checked"},
                   {PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "verified"},
                   {PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "jit"}};
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        char log[4096] = "";
        struct pbpf_prog *prog = NULL;
        PBPF_OPTS(pbpf_prog_opts, po, .prog_type = c->prog_type, .engine = engines[i].e,
                  .mode = engines[i].m, .license = "GPL", .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_prog_load(rt, p, n, &po, &prog);
        if (rc == -EOPNOTSUPP && engines[i].e == PBPF_ENGINE_JIT)
            continue; /* no JIT for this CPU */
        /* checked mode runs unverified code (bounds-checked at run time):
         * it must take what Linux takes, and may take more */
        int checked = engines[i].m == PBPF_MODE_CHECKED;
        if (checked && (kfd < 0 || scan_refuses(c))) {
            if (kfd >= 0)
                CHECK(rc != 0); /* a known limit: drop the flag once it goes */
            pbpf_prog_free(prog);
            continue;
        }
        compared_verdicts++;
        if ((rc == 0) != (kfd >= 0)) {
            unit_fail(__FILE__, __LINE__, "%s (%s): pbpf %s, Linux %s (%s); pbpf's log: %s",
                      c->name, engines[i].name, rc ? "rejects" : "accepts",
                      kfd >= 0 ? "accepts" : "rejects", lo.reason, log);
        } else if (!rc) {
            PBPF_OPTS(pbpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof pkt,
                      .err_buf = err, .err_size = sizeof err);
            int trc = pbpf_prog_test_run(prog, &o);
            compared_runs++;
            if (trc || o.retval != kret)
                unit_fail(__FILE__, __LINE__, "%s (%s): run rc %d (%s), retval 0x%x, Linux 0x%x",
                          c->name, engines[i].name, trc, trc ? err : "", o.retval, kret);
        }
        pbpf_prog_free(prog);
    }
    free(p);
}

static void test_ctx_vs_linux(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        one(&cases[i]);
    printf("verdicts compared with Linux: %zu, test runs: %zu\n", compared_verdicts,
           compared_runs);
}

int main(void)
{
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("skipped: %s\n", why);
        return 77;
    }
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    UNIT_RUN(test_ctx_vs_linux);
    pbpf_runtime_free(rt);
    return unit_finish();
}
