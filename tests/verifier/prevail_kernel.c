/* The PREVAIL cases in the Linux kernel: checks the justifications of
 * tests/verifier/justified.tsv against Linux's own verdicts.
 *
 *   prevail_kernel DIR JUSTIFIED [--all]
 *
 * Every case of DIR/yaml that prevail_build translates (the program
 * verifier_agree gives pbpf_verify: r1 = PREVAIL_MEM bytes of memory, r2 =
 * their size, r10 = the stack) is loaded into the running kernel as a
 * bpf-to-bpf subprogram of an XDP program whose main part proves a packet
 * of PREVAIL_MEM bytes and passes it in r1 (the memory), PREVAIL_MEM in
 * r2, and nothing in r3-r5, which stay uninitialised as they are for
 * pbpf_verify.  The main part uses no stack, so the code has its 512
 * bytes.  Differences from pbpf's convention: r1 is a packet pointer rather
 * than plain memory, and the code's outer exits return into the main part
 * (Linux checks the return value of a program, not of a subprogram, and
 * only the caller's reading r0 tells whether it was set: the main part
 * copies it).
 *
 * A case built as an XDP program already (a packet in its pre-state, a
 * context at a variable offset, a pointer into a caller's frame), or as
 * a socket filter (legacy packet loads; prevail_cases.h), is loaded
 * unchanged.  The maps a case uses
 * are created in pbpf and in the kernel, and each lddw of a map gets the
 * kernel map's fd.
 *
 * A prevail line of JUSTIFIED whose reason starts with "Linux rejects"
 * or "Linux accepts" makes a claim about Linux: the kernel's verdict must
 * be that one, and a text in double quotes after "kernel: " must occur in
 * the kernel's reason.  A claim the kernel contradicts fails the test.
 * Every other justified prevail case, and with --all every built case, is
 * printed with the kernel's verdict beside PREVAIL's and pbpf's.
 *
 * Exits 77 (skip) where bpf() cannot load programs. */
#include <stdio.h>

#if !defined(__linux__)
int main(void)
{
    printf("prevail_kernel: SKIP: needs Linux bpf()\n");
    return 77;
}
#else
#include <stdlib.h>
#include <string.h>

#include "build_insn.h"
#include "isa/insn.h"
#include "kbpf.h"
#include "pbpf/verifier.h"
#include "prevail_cases.h"
#include "vcases.h"

#define XDP_MD_DATA 0
#define XDP_MD_DATA_END 4

static struct vjustified *claims;
static size_t nclaims;

/* The prevail lines of the justified list. */
static int read_claims(const char *path)
{
    if (vjustified_read(path, &claims, &nclaims))
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < nclaims; i++)
        if (!strcmp(claims[i].suite, "prevail"))
            claims[k++] = claims[i];
    nclaims = k;
    return 0;
}

/* The XDP program around the code (see the top of the file). */
static int wrap(const struct pbpf_insn *code, size_t cnt, struct pbpf_insn **out, size_t *ocnt)
{
    const struct pbpf_insn head[] = {
        /* 0 */ MOV64_X(6, 1),
        /* 1 */ LDX(PBPF_SIZE_W, 0, 6, XDP_MD_DATA),
        /* 2 */ LDX(PBPF_SIZE_W, 7, 6, XDP_MD_DATA_END),
        /* 3 */ MOV64_X(8, 0),
        /* 4 */ ALU64_K(PBPF_ALU_ADD, 8, PREVAIL_MEM),
        /* 5 */ JMP_X(PBPF_JMP_JGT, 8, 7, 6), /* -> 12 */
        /* 6 */ MOV64_X(1, 0),
        /* 7 */ MOV64_K(2, PREVAIL_MEM),
        /* 8 */ CALL_LOCAL(5), /* -> 14 */
        /* 9 */ MOV64_X(1, 0), /* reads r0: it must have been set */
        /* 10 */ MOV64_K(0, 2),
        /* 11 */ EXIT(),
        /* 12 */ MOV64_K(0, 0),
        /* 13 */ EXIT(),
    };
    size_t nh = sizeof head / sizeof head[0];
    struct pbpf_insn *p = malloc((nh + cnt) * sizeof *p);
    if (!p)
        return -1;
    memcpy(p, head, sizeof head);
    memcpy(p + nh, code, cnt * sizeof *p);
    *out = p;
    *ocnt = nh + cnt;
    return 0;
}

static char logbuf[1 << 20];

/* Checks one claim; returns 1 when the kernel contradicts it. */
static int check_claim(const struct vjustified *c, int krej, const char *kreason)
{
    int says_rej = !strncmp(c->reason, "Linux rejects", 13);
    int says_acc = !strncmp(c->reason, "Linux accepts", 13);
    if (!says_rej && !says_acc)
        return 0;
    if (says_rej != krej) {
        printf("FAIL %s: justified.tsv says \"%.13s\", the kernel %s%s%s\n", c->key, c->reason,
               krej ? "rejects: " : "accepts", krej ? kreason : "", "");
        return 1;
    }
    const char *q = strstr(c->reason, "kernel: \"");
    if (q) {
        char want[256];
        q += 9;
        const char *e = strchr(q, '"');
        snprintf(want, sizeof want, "%.*s", e ? (int)(e - q) : 0, q);
        if (!strstr(kreason, want)) {
            printf("FAIL %s: justified.tsv quotes the kernel as \"%s\", it says \"%s\"\n", c->key,
                   want, kreason);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--all"))) {
        fprintf(stderr, "usage: %s DIR JUSTIFIED [--all]\n", argv[0]);
        return 2;
    }
    int all = argc == 4;
    char why[256];
    if (!kbpf_probe(why, sizeof why)) {
        printf("prevail_kernel: SKIP: %s\n", why);
        return 77;
    }
    if (read_claims(argv[2]))
        return 2;
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 2;
    char ydir[4096];
    snprintf(ydir, sizeof ydir, "%.4000s/yaml", argv[1]);
    size_t n;
    char **files = vcase_list_dir(ydir, ".yaml", &n);
    if (!files || !n) {
        printf("%s: no .yaml files\n", ydir);
        vcase_list_free(files);
        return 2;
    }
    int bad = 0;
    size_t loaded = 0, checked = 0, kacc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4600], err[256];
        snprintf(path, sizeof path, "%s/%s", ydir, files[i]);
        struct prevail_file pf;
        if (prevail_file_read(path, &pf, err, sizeof err)) {
            printf("FAIL %s: %s\n", files[i], err);
            bad = 1;
            continue;
        }
        for (size_t k = 0; k < pf.cnt; k++) {
            const struct prevail_case *pc = &pf.v[k];
            char key[400];
            snprintf(key, sizeof key, "%s:%s", files[i], pc->name);
            struct vjustified *cl = NULL;
            for (size_t j = 0; j < nclaims; j++)
                if (!strcmp(claims[j].key, key)) {
                    cl = &claims[j];
                    cl->used = 1;
                }
            if (pc->expected_exception || (!cl && !all))
                continue;
            struct prevail_prog pp;
            if (prevail_build(pc, &pp, err, sizeof err)) {
                if (cl && (!strncmp(cl->reason, "Linux ", 6))) {
                    printf("FAIL %s: justified.tsv makes a claim about Linux, but the case is "
                           "not built: %s\n",
                           key, err);
                    bad = 1;
                }
                continue;
            }
            /* the case's maps, in pbpf and in the kernel */
            struct pbpf_map *maps[PV_MAXMAPS] = {0};
            int fds[PV_MAXMAPS], prc = 0;
            for (size_t m = 0; m < PV_MAXMAPS; m++)
                fds[m] = -1;
            for (size_t m = 0; m < pp.nmaps && !prc; m++) {
                const struct prevail_map *md = &pp.maps[m];
                PBPF_OPTS(pbpf_map_create_opts, mo, .type = md->type, .key_size = md->key_size,
                          .value_size = md->value_size, .max_entries = md->max_entries);
                prc = pbpf_map_create(rt, &mo, &maps[m]);
                fds[m] = kbpf_map_create(md->type, md->key_size, md->value_size, md->max_entries, 0);
                if (fds[m] < 0 && !prc)
                    prc = fds[m];
            }
            PBPF_OPTS(pbpf_verifier_opts, o, .log_buf = logbuf, .log_size = sizeof logbuf,
                      .log_level = 1, .prog_type = pp.prog_type, .mem_size = pp.mem_size,
                      .gpl = 1, .maps = maps, .map_cnt = pp.nmaps);
            if (prc) {
                printf("FAIL %s: cannot create its maps: %d\n", key, prc);
                bad = 1;
            } else {
                prc = pbpf_verify(pp.insns, pp.cnt, &o, NULL);
            }
            for (size_t m = 0; m < pp.nmaps; m++)
                if (maps[m])
                    pbpf_map_free(maps[m]);
            char preason[512];
            vcase_log_reason(logbuf, preason, sizeof preason);
            char *bar = strrchr(preason, '|');
            if (bar && bar[1] == ' ')
                memmove(preason, bar + 2, strlen(bar + 2) + 1);
            struct pbpf_insn *w = NULL;
            size_t wc = 0;
            if (pp.prog_type != 0) {
                /* built as XDP or a socket filter already: the kernel gets
                 * it as it is */
                w = malloc(pp.cnt * sizeof *w);
                if (w)
                    memcpy(w, pp.insns, pp.cnt * sizeof *w);
                wc = pp.cnt;
            }
            if ((pp.prog_type == 0 && wrap(pp.insns, pp.cnt, &w, &wc)) || !w) {
                for (size_t m = 0; m < PV_MAXMAPS; m++)
                    if (fds[m] >= 0)
                        kbpf_close(fds[m]);
                prevail_prog_free(&pp);
                continue;
            }
            struct kbpf_load_opts lo = {.prog_type = pp.prog_type ? pp.prog_type : KBPF_PROG_XDP,
                                        .insns = w, .insn_cnt = wc,
                                        .name = "prevail"};
            /* lddw src=1: the map's index for pbpf, its fd for the kernel */
            for (size_t x = 0; x + 1 < wc; x++)
                if (w[x].code == (PBPF_CLS_LD | PBPF_MODE_IMM | PBPF_SIZE_DW) &&
                    (PBPF_INSN_SRC(&w[x]) == PBPF_PSEUDO_MAP_FD ||
                     PBPF_INSN_SRC(&w[x]) == PBPF_PSEUDO_MAP_VALUE) &&
                    w[x].imm >= 0 &&
                    w[x].imm < PV_MAXMAPS)
                    w[x].imm = fds[w[x].imm];
            int fd = kbpf_prog_load(&lo);
            free(w);
            for (size_t m = 0; m < PV_MAXMAPS; m++)
                if (fds[m] >= 0)
                    kbpf_close(fds[m]);
            prevail_prog_free(&pp);
            loaded++;
            int krej = fd < 0;
            if (fd >= 0) {
                kbpf_close(fd);
                kacc++;
            }
            if (cl) {
                checked++;
                bad |= check_claim(cl, krej, lo.reason);
            }
            if (all || (cl && strncmp(cl->reason, "Linux ", 6)))
                printf("%s\tlinux %s%s\tprevail %s\tpbpf %s%s%s\n", key,
                       krej ? "reject: " : "accept", krej ? lo.reason : "",
                       pc->reject ? "reject" : "accept", prc ? "reject: " : "accept",
                       prc ? preason : "", cl ? "\t(listed)" : "");
        }
        prevail_file_free(&pf);
    }
    vcase_list_free(files);
    for (size_t j = 0; j < nclaims; j++)
        if (!claims[j].used) {
            printf("FAIL %s: listed in justified.tsv, no such case\n", claims[j].key);
            bad = 1;
        }
    free(claims);
    pbpf_runtime_free(rt);
    printf("prevail_kernel: %zu cases loaded into the kernel (%zu accepted), %zu justified "
           "lines checked%s\n",
           loaded, kacc, checked, bad ? "; FAILED" : "");
    return bad;
}
#endif
