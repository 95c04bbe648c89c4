/* Verdicts of the verifier test programs (tests/progs/verifier) against
 * their manifest (tests/verifier/cases.tsv: object, program, accept or
 * reject, and for rejections a substring of Linux's reason).
 *
 *   kernel_verdicts kernel MANIFEST OBJDIR
 *       loads every case into the running kernel with libbpf: the kernel
 *       must agree with the manifest (this validates the manifest itself).
 *       Exits 77 (skip) where bpf() is unavailable.
 *   kernel_verdicts dump OBJDIR OBJ...
 *       prints every program's kernel verdict and the last lines of its
 *       log (to write and review manifest entries).
 *
 * Every program of every object named in the manifest must be listed in
 * it, and every listed program must exist. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "vcases.h"

/* Keeps only CAP_BPF and CAP_NET_ADMIN (Linux's "bpf" privilege class). */
static int drop_to_cap_bpf(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof(d));
    const int keep[] = {39 /* CAP_BPF */, CAP_NET_ADMIN};
    for (size_t i = 0; i < 2; i++) {
        d[keep[i] / 32].effective |= 1u << (keep[i] % 32);
        d[keep[i] / 32].permitted |= 1u << (keep[i] % 32);
    }
    return (int)syscall(SYS_capset, &h, d);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

static int have_bpf(void)
{
    struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", prog, 2, NULL);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static char logbuf[1 << 22];

/* Loads program `prog` of object file `path` alone.  Returns the kernel's
 * (or libbpf's) error, 0 on success; the verifier log is in logbuf. */
static int kernel_load(const char *path, const char *prog)
{
    logbuf[0] = 0;
    struct bpf_object *obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        snprintf(logbuf, sizeof(logbuf), "libbpf cannot open %s: %d", path, -errno);
        return -errno;
    }
    struct bpf_program *p, *want = NULL;
    bpf_object__for_each_program(p, obj)
    {
        int me = strcmp(bpf_program__name(p), prog) == 0;
        bpf_program__set_autoload(p, me);
        if (me)
            want = p;
    }
    if (!want) {
        bpf_object__close(obj);
        snprintf(logbuf, sizeof(logbuf), "no program %s", prog);
        return -ENOENT;
    }
    bpf_program__set_log_buf(want, logbuf, sizeof(logbuf));
    bpf_program__set_log_level(want, 1);
    int err = bpf_object__load(obj);
    bpf_object__close(obj);
    return err;
}

static void dump(const char *objdir, const char *objname)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", objdir, objname);
    struct bpf_object *obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        printf("%s: cannot open\n", path);
        return;
    }
    struct bpf_program *p;
    char names[1024][64];
    int n = 0;
    bpf_object__for_each_program(p, obj)
    {
        if (n < 1024)
            snprintf(names[n++], 64, "%s", bpf_program__name(p));
    }
    bpf_object__close(obj);
    for (int i = 0; i < n; i++) {
        int err = kernel_load(path, names[i]);
        char tail[4096];
        vcase_log_reason(logbuf, tail, sizeof(tail));
        printf("%s\t%s\t%s\t%s\n", objname, names[i], err ? "reject" : "accept", err ? tail : "");
    }
}

int main(int argc, char **argv)
{
    libbpf_set_print(quiet_print);
    if (argc >= 3 && strcmp(argv[1], "dump") == 0) {
        if (getenv("VCASE_CAPS") && !strcmp(getenv("VCASE_CAPS"), "bpf") && drop_to_cap_bpf()) {
            fprintf(stderr, "capset failed\n");
            return 1;
        }
        if (!have_bpf()) {
            fprintf(stderr, "SKIP: bpf() unavailable\n");
            return 77;
        }
        for (int i = 3; i < argc; i++)
            dump(argv[2], argv[i]);
        return 0;
    }
    if (argc != 4 || strcmp(argv[1], "kernel") != 0) {
        fprintf(stderr, "usage: %s kernel MANIFEST OBJDIR | dump OBJDIR OBJ...\n", argv[0]);
        return 2;
    }
    struct vcases cs;
    if (vcases_read(argv[2], &cs) != 0)
        return 1;
    if (!have_bpf()) {
        fprintf(stderr, "SKIP: bpf() unavailable (needs root on Linux)\n");
        vcases_free(&cs);
        return 77;
    }
    int bad = vcases_check_listed(&cs, argv[3]);
    size_t acc = 0, rej = 0, agree = 0;
    for (size_t i = 0; i < cs.cnt; i++) {
        if (cs.v[i].accept)
            acc++;
        else
            rej++;
    }
    /* root cases here, bpf-class cases in a child with fewer capabilities;
     * each process reports its failures on stdout and counts agreement in
     * its exit status (0: all agreed). */
    for (int caps = VCASE_ROOT; caps <= VCASE_BPF; caps++) {
        fflush(stdout);
        pid_t pid = caps == VCASE_BPF ? fork() : 0;
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid > 0) {
            int st = 0;
            waitpid(pid, &st, 0);
            int n = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
            if (n == 254) {
                printf("cannot drop to CAP_BPF: the bpf-class cases are not checked\n");
                bad++;
            } else {
                bad += n;
            }
            continue;
        }
        if (caps == VCASE_BPF && drop_to_cap_bpf() != 0)
            _exit(254);
        int fails = 0;
        for (size_t i = 0; i < cs.cnt; i++) {
            const struct vcase *c = &cs.v[i];
            if (c->caps != caps)
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[3], c->object);
            int err = kernel_load(path, c->program);
            char reason[4096];
            vcase_log_reason(logbuf, reason, sizeof(reason));
            const char *cn = caps == VCASE_BPF ? "bpf" : "root";
            if (c->accept && err) {
                printf("FAIL %s %s (%s): kernel rejects (%d): %s\n", c->object, c->program, cn,
                       err, reason);
                fails++;
            } else if (!c->accept && !err) {
                printf("FAIL %s %s (%s): kernel accepts, manifest expects \"%s\"\n", c->object,
                       c->program, cn, c->message);
                fails++;
            } else if (!c->accept && !vcase_log_has(logbuf, c->message)) {
                printf("FAIL %s %s (%s): kernel rejects with \"%s\", manifest expects \"%s\"\n",
                       c->object, c->program, cn, reason, c->message);
                fails++;
            }
        }
        fflush(stdout);
        if (caps == VCASE_BPF)
            _exit(fails > 250 ? 250 : fails);
        bad += fails;
    }
    agree = cs.cnt >= (size_t)bad ? cs.cnt - (size_t)bad : 0;
    printf("kernel: %zu cases (%zu accept, %zu reject), %zu agree with the manifest\n", cs.cnt,
           acc, rej, agree);
    vcases_free(&cs);
    return bad ? 1 : 0;
}
