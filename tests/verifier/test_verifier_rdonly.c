/* Program access to maps created BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG,
 * and the values of frozen read-only maps read as constants (Linux's
 * check_map_access_type, record_func_map, bpf_map_direct_read and
 * check_reg_const_str).  Each case is verified by pbpf and, where bpf()
 * works, loaded into the kernel with maps made the same way: the verdicts
 * must be equal and both reasons must contain the expected words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf.h"
#include "pbpf/maps.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"

enum {
    M_RO,          /* ARRAY, 1 element, RDONLY_PROG, frozen */
    M_RO_UNFROZEN, /* ARRAY, 1 element, RDONLY_PROG */
    M_WO,          /* ARRAY, 1 element, WRONLY_PROG */
    M_RO2,         /* ARRAY, 2 elements, RDONLY_PROG, frozen */
    M_FROZEN,      /* ARRAY, 1 element, frozen, no program flag */
    M_RO_HASH,     /* HASH, RDONLY_PROG, frozen */
    M_RO_QUEUE,    /* QUEUE, RDONLY_PROG */
    M_RO_PERCPU,   /* PERCPU_ARRAY, RDONLY_PROG, frozen */
    M_CNT,
};

static const struct {
    uint32_t type, key_size, value_size, max_entries, flags;
    int fill, freeze;
} defs[M_CNT] = {
    [M_RO] = {PBPF_MAP_TYPE_ARRAY, 4, 16, 1, PBPF_F_RDONLY_PROG, 1, 1},
    [M_RO_UNFROZEN] = {PBPF_MAP_TYPE_ARRAY, 4, 16, 1, PBPF_F_RDONLY_PROG, 1, 0},
    [M_WO] = {PBPF_MAP_TYPE_ARRAY, 4, 16, 1, PBPF_F_WRONLY_PROG, 1, 0},
    [M_RO2] = {PBPF_MAP_TYPE_ARRAY, 4, 16, 2, PBPF_F_RDONLY_PROG, 1, 1},
    [M_FROZEN] = {PBPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 1, 1},
    [M_RO_HASH] = {PBPF_MAP_TYPE_HASH, 4, 16, 4, PBPF_F_RDONLY_PROG, 1, 1},
    [M_RO_QUEUE] = {PBPF_MAP_TYPE_QUEUE, 0, 4, 4, PBPF_F_RDONLY_PROG, 0, 0},
    [M_RO_PERCPU] = {PBPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 1, PBPF_F_RDONLY_PROG, 0, 1},
};

/* The value at key 0: u32 0x11223344 at 0, s8 -16 at 5, "hi" at 8, and
 * "xy" without a terminator at 14. */
static uint8_t value0[16] = {0x44, 0x33, 0x22, 0x11, 0, 0xf0, 0, 0, 'h', 'i', 0, 0, 0, 0, 'x', 'y'};

struct rcase {
    const char *name;
    int want_rc;          /* pbpf's; the kernel's must be equal */
    const char *want_msg; /* in both reasons (NULL: not compared) */
    const char *text;
};

#define LOOKUP(m)                                                                                  \
    "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\nr1 = map_fd(" #m ") ll\ncall 1\n"
#define BRANCH_ON_R2(v) "if r2 == " v " goto ok\nr0 = *(u64 *)(r2 + 0)\nexit\nok: r0 = 0\nexit\n"
/* bpf_snprintf(fp-16, 16, fmt in r3, fp-24 = {7}, 8) */
#define SNPRINTF_FMT(m, off)                                                                       \
    "r1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\nr1 = 7\n*(u64 *)(r10 - 24) = r1\n"  \
    "r1 = r10\nr1 += -16\nr2 = 16\nr3 = map_value(" #m ", " #off ") ll\nr4 = r10\nr4 += -24\n"     \
    "r5 = 8\ncall 165\nr0 = 0\nexit\n"

static const struct rcase cases[] = {
    /* writes into a read-only map */
    {"stx into rdonly", -EACCES, "write into map forbidden, value_size=16 off=4 size=4",
     "r1 = map_value(0, 0) ll\nr2 = 1\n*(u32 *)(r1 + 4) = r2\nr0 = 0\nexit\n"},
    {"st into rdonly", -EACCES, "write into map forbidden, value_size=16 off=8 size=8",
     "r1 = map_value(0, 8) ll\n*(u64 *)(r1 + 0) = 1\nr0 = 0\nexit\n"},
    {"store through lookup", -EACCES, "write into map forbidden, value_size=16 off=15 size=1",
     LOOKUP(0) "if r0 == 0 goto out\nr1 = 1\n*(u8 *)(r0 + 15) = r1\nout: r0 = 0\nexit\n"},
    {"atomic on rdonly", -EACCES, "write into map forbidden, value_size=16 off=0 size=4",
     "r1 = map_value(0, 0) ll\nr2 = 1\nlock *(u32 *)(r1 + 0) += r2\nr0 = 0\nexit\n"},
    {"store into unfrozen rdonly", -EACCES, "write into map forbidden",
     "r1 = map_value(1, 0) ll\nr2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit\n"},
    {"store into frozen rw ok", 0, NULL,
     "r1 = map_value(4, 0) ll\nr2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit\n"},
    {"helper writes rdonly", -EACCES, "write into map forbidden, value_size=16 off=8 size=4",
     "r3 = map_value(0, 8) ll\nr2 = 0\nr4 = 4\ncall 26\nr0 = 0\nexit\n"},
    {"helper reads rdonly ok", 0, NULL,
     "r1 = r10\nr1 += -8\nr2 = 8\nr3 = map_value(0, 8) ll\ncall 113\nr0 = 0\nexit\n"},
    {"update_elem rdonly", -EACCES, "write into map forbidden",
     "r2 = 0\n*(u32 *)(r10 - 4) = r2\n*(u64 *)(r10 - 24) = r2\n*(u64 *)(r10 - 16) = r2\n"
     "r2 = r10\nr2 += -4\nr3 = r10\nr3 += -24\nr4 = 0\nr1 = map_fd(0) ll\ncall 2\nr0 = 0\nexit\n"},
    {"delete_elem rdonly", -EACCES, "write into map forbidden",
     "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\nr1 = map_fd(5) ll\ncall 3\n"
     "r0 = 0\nexit\n"},
    {"push rdonly", -EACCES, "write into map forbidden",
     "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\nr3 = 0\nr1 = map_fd(6) ll\ncall 87\n"
     "r0 = 0\nexit\n"},
    {"pop rdonly", -EACCES, "write into map forbidden",
     "r2 = r10\nr2 += -4\nr1 = map_fd(6) ll\ncall 88\nr0 = 0\nexit\n"},
    {"peek rdonly ok", 0, NULL, "r2 = r10\nr2 += -4\nr1 = map_fd(6) ll\ncall 89\nr0 = 0\nexit\n"},
    {"lookup rdonly ok", 0, NULL,
     LOOKUP(5) "if r0 == 0 goto out\nr0 = *(u8 *)(r0 + 15)\nout: r0 = 0\nexit\n"},
    /* reads from a write-only map */
    {"load from wronly", -EACCES, "read from map forbidden, value_size=16 off=0 size=4",
     "r1 = map_value(2, 0) ll\nr0 = *(u32 *)(r1 + 0)\nexit\n"},
    {"store into wronly ok", 0, NULL,
     "r1 = map_value(2, 0) ll\nr2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit\n"},
    {"helper reads wronly", -EACCES, "read from map forbidden, value_size=16 off=0 size=16",
     "r2 = 0\n*(u32 *)(r10 - 4) = r2\nr2 = r10\nr2 += -4\nr3 = map_value(2, 0) ll\nr4 = 0\n"
     "r1 = map_fd(4) ll\ncall 2\nr0 = 0\nexit\n"},
    /* values of frozen read-only arrays are constants */
    {"const u32", 0, NULL, "r1 = map_value(0, 0) ll\nr2 = *(u32 *)(r1 + 0)\n" BRANCH_ON_R2("0x11223344")},
    {"const u8 wrong value", -EACCES, "R2 invalid mem access 'scalar'",
     "r1 = map_value(0, 0) ll\nr2 = *(u8 *)(r1 + 1)\n" BRANCH_ON_R2("0x44")},
    {"const through lookup", 0, NULL,
     LOOKUP(0) "if r0 == 0 goto out\nr2 = *(u16 *)(r0 + 2)\n" BRANCH_ON_R2("0x1122")
               "out: r0 = 0\nexit\n"},
    {"const s8", 0, NULL, "r1 = map_value(0, 0) ll\nr2 = *(s8 *)(r1 + 5)\n" BRANCH_ON_R2("-16")},
    {"not frozen: not const", -EACCES, "R2 invalid mem access 'scalar'",
     "r1 = map_value(1, 0) ll\nr2 = *(u32 *)(r1 + 0)\n" BRANCH_ON_R2("0x11223344")},
    {"not rdonly: not const", -EACCES, "R2 invalid mem access 'scalar'",
     "r1 = map_value(4, 0) ll\nr2 = *(u32 *)(r1 + 0)\n" BRANCH_ON_R2("0x11223344")},
    {"hash: not const", -EACCES, "R2 invalid mem access 'scalar'",
     LOOKUP(5) "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 0)\n" BRANCH_ON_R2("0x11223344")
               "out: r0 = 0\nexit\n"},
    {"percpu: not const", -EACCES, "R2 invalid mem access 'scalar'",
     LOOKUP(7) "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 0)\n" BRANCH_ON_R2("0x11223344")
               "out: r0 = 0\nexit\n"},
    /* map_direct_value_addr refuses arrays of more than one element: a
     * direct value address (lddw) fails, and so does a read that Linux
     * would turn into a constant (the load fails with ENOTSUPP) */
    {"two-element rdonly array", -PBPF_ENOTSUPP, NULL,
     LOOKUP(3) "if r0 == 0 goto out\nr2 = *(u32 *)(r0 + 0)\n" BRANCH_ON_R2("0x11223344")
               "out: r0 = 0\nexit\n"},
    {"map_value of two-element array", -PBPF_ENOTSUPP,
     "invalid access to map value pointer, value_size=16 off=4",
     "r1 = map_value(3, 4) ll\nr0 = 0\nexit\n"},
    {"map_value of hash", -EINVAL, "no direct value access support for this map type",
     "r1 = map_value(5, 0) ll\nr0 = 0\nexit\n"},
    /* constant strings (bpf_snprintf's format) */
    {"fmt in frozen rdonly ok", 0, NULL, SNPRINTF_FMT(0, 8)},
    {"fmt not terminated", -EINVAL, "string is not zero-terminated", SNPRINTF_FMT(0, 14)},
    {"fmt in unfrozen map", -EACCES, "R3 does not point to a readonly map'", SNPRINTF_FMT(1, 8)},
    {"fmt in two-element array", -PBPF_ENOTSUPP, "direct value access on string failed",
     LOOKUP(3) "if r0 == 0 goto out\nr1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n"
               "r1 = 7\n*(u64 *)(r10 - 24) = r1\nr1 = r10\nr1 += -16\nr2 = 16\nr3 = r0\n"
               "r3 += 8\nr4 = r10\nr4 += -24\nr5 = 8\ncall 165\nout: r0 = 0\nexit\n"},
    {"fmt in hash", -EACCES, "no direct value access support for this map type",
     LOOKUP(5) "if r0 == 0 goto out\nr1 = 0\n*(u64 *)(r10 - 8) = r1\n*(u64 *)(r10 - 16) = r1\n"
               "r1 = 7\n*(u64 *)(r10 - 24) = r1\nr1 = r10\nr1 += -16\nr2 = 16\nr3 = r0\n"
               "r3 += 8\nr4 = r10\nr4 += -24\nr5 = 8\ncall 165\nout: r0 = 0\nexit\n"},
};

static const char *last_line(const char *log)
{
    const char *last = log;
    for (const char *q = log; *q; q++)
        if (q[0] == '\n' && q[1] && strncmp(q + 1, "processed ", 10))
            last = q + 1;
    return last;
}

int main(void)
{
    struct pbpf_runtime *rt;
    struct pbpf_map *maps[M_CNT];
    int kfd[M_CNT];
    char why[256];
    int kernel = kbpf_probe(why, sizeof why);
    if (!kernel)
        printf("note: no kernel comparison: %s\n", why);
    if (pbpf_runtime_new(NULL, &rt)) {
        printf("FAIL runtime\n");
        return 1;
    }
    for (int i = 0; i < M_CNT; i++) {
        PBPF_OPTS(pbpf_map_create_opts, o, .type = defs[i].type, .key_size = defs[i].key_size,
                  .value_size = defs[i].value_size, .max_entries = defs[i].max_entries,
                  .map_flags = defs[i].flags);
        uint32_t zero = 0;
        kfd[i] = -1;
        if (pbpf_map_create(rt, &o, &maps[i]) ||
            (defs[i].fill && pbpf_map_update_elem(maps[i], &zero, value0, PBPF_ANY)) ||
            (defs[i].freeze && pbpf_map_freeze(maps[i]))) {
            printf("FAIL map %d\n", i);
            return 1;
        }
        if (!kernel)
            continue;
        kfd[i] = kbpf_map_create(defs[i].type, defs[i].key_size, defs[i].value_size,
                                 defs[i].max_entries, defs[i].flags);
        if (kfd[i] < 0 || (defs[i].fill && kbpf_map_update(kfd[i], &zero, value0, 0)) ||
            (defs[i].freeze && kbpf_map_freeze(kfd[i]))) {
            printf("FAIL kernel map %d: %d\n", i, kfd[i]);
            return 1;
        }
    }
    int fails = 0, kernel_cmp = 0;
    static char log[1 << 16], klog[1 << 16];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct rcase *k = &cases[c];
        struct pbpf_insn *p = NULL;
        size_t n = 0;
        char err[256];
        if (pbpf_asm(k->text, &p, &n, err, sizeof err)) {
            printf("FAIL %s: asm: %s\n", k->name, err);
            fails++;
            continue;
        }
        log[0] = '\0';
        PBPF_OPTS(pbpf_verifier_opts, o, .prog_type = 1 /* socket filter */, .maps = maps,
                  .map_cnt = M_CNT, .log_buf = log, .log_size = sizeof log, .gpl = 1);
        int rc = pbpf_verify(p, n, &o, NULL);
        const char *why_ours = last_line(log);
        if (rc != k->want_rc || (k->want_msg && !strstr(why_ours, k->want_msg))) {
            printf("FAIL %s: pbpf rc %d (want %d): %s\n", k->name, rc, k->want_rc, why_ours);
            fails++;
        }
        if (kernel) {
            /* the same program with the kernel's map fds */
            for (size_t i = 0; i + 1 < n; i++) {
                uint8_t src = (uint8_t)(p[i].regs >> 4);
                if (p[i].code == 0x18 && (src == 1 || src == 2) /* BPF_PSEUDO_MAP_FD, _VALUE */) {
                    p[i].imm = kfd[p[i].imm];
                    i++;
                }
            }
            struct kbpf_load_opts lo = {.prog_type = KBPF_PROG_SOCKET_FILTER, .insns = p,
                                        .insn_cnt = n, .log_buf = klog, .log_size = sizeof klog};
            int fd = kbpf_prog_load(&lo);
            int krc = fd >= 0 ? 0 : fd;
            kbpf_close(fd);
            kernel_cmp++;
            if (krc != k->want_rc || (k->want_msg && !strstr(lo.reason, k->want_msg))) {
                printf("FAIL %s: kernel rc %d (want %d): %s\n", k->name, krc, k->want_rc,
                       lo.reason);
                fails++;
            }
        }
        free(p);
    }
    for (int i = 0; i < M_CNT; i++) {
        pbpf_map_free(maps[i]);
        kbpf_close(kfd[i]);
    }
    pbpf_runtime_free(rt);
    printf("%zu cases, %d compared with the kernel, %d failed\n", sizeof cases / sizeof cases[0],
           kernel_cmp, fails);
    return fails ? 1 : 0;
}
