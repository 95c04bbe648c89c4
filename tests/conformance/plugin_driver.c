/* Drives pbpf-plugin the way bpf_conformance_runner drives a plugin
 * (README §2 of the conformance suite), for every .data file of the given
 * directories:
 *
 *     plugin_driver PLUGIN DIR... [-- PLUGIN_OPTIONS...]
 *
 * Per test it starts `PLUGIN [<memory>] [<options>...]` with the program as
 * one line of blank-separated hex bytes on stdin and <memory> present only
 * when the test has `-- mem`.  A `-- result` test passes when the plugin
 * exits 0 and prints that r0 in hex (0x optional); an `-- error` test when
 * it exits non-zero with a message.  (The upstream runner also compares
 * that message with the file's expected text, which is runtime-specific.)
 * POSIX only: it starts processes. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfile.h"
#include "pbpf/pbpf.h"

struct capture {
    char out[4096];
    char err[4096];
    int status;
};

static void read_all(int fd, char *buf, size_t size)
{
    size_t n = 0;
    for (;;) {
        ssize_t got = read(fd, buf + n, size - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
        if (n == size - 1) {
            /* drain the rest so the child never blocks on a full pipe */
            char sink[512];
            while (read(fd, sink, sizeof sink) > 0)
                ;
            break;
        }
    }
    buf[n] = '\0';
}

/* Runs argv with `input` on stdin; stdout and stderr captured. */
static int spawn(char **argv, const char *input, struct capture *c)
{
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err))
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]), close(out[1]), close(err[1]);
    size_t len = strlen(input), done = 0;
    while (done < len) {
        ssize_t w = write(in[1], input + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the plugin stopped reading: its exit status tells why */
        done += (size_t)w;
    }
    close(in[1]);
    read_all(out[0], c->out, sizeof c->out);
    read_all(err[0], c->err, sizeof c->err);
    close(out[0]), close(err[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 0;
}

static char *hex_line(const uint8_t *b, size_t n)
{
    char *s = malloc(n * 3 + 2);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%s%02x", i ? " " : "", b[i]);
    s[k] = '\0';
    return s;
}

static void insn_bytes(const struct pbpf_insn *in, uint8_t *o)
{
    o[0] = in->code;
    o[1] = in->regs;
    o[2] = (uint8_t)((uint16_t)in->off & 0xff);
    o[3] = (uint8_t)((uint16_t)in->off >> 8);
    for (int i = 0; i < 4; i++)
        o[4 + i] = (uint8_t)((uint32_t)in->imm >> (8 * i));
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* Returns 1 if the test passed. */
static int run_test(const char *plugin, const char *path, const char *name, char **opts,
                    int nopts)
{
    struct pbpf_cfile cf;
    char err[256] = "";
    if (pbpf_cfile_load(path, &cf, err, sizeof err)) {
        printf("FAIL %s: cannot read: %s\n", name, err);
        return 0;
    }
    uint8_t *code = malloc(cf.insn_cnt * 8 + 1);
    for (size_t i = 0; code && i < cf.insn_cnt; i++)
        insn_bytes(&cf.insns[i], code + 8 * i);
    char *prog = code ? hex_line(code, cf.insn_cnt * 8) : NULL;
    char *mem = cf.mem ? hex_line(cf.mem, cf.mem_len) : NULL;
    char *input = prog ? malloc(strlen(prog) + 2) : NULL;
    char **argv = calloc((size_t)nopts + 3, sizeof *argv);
    int ok = 0;
    if (!input || !argv || (cf.mem && !mem)) {
        printf("FAIL %s: out of memory\n", name);
        goto out;
    }
    sprintf(input, "%s\n", prog);
    int a = 0;
    argv[a++] = (char *)plugin;
    if (mem)
        argv[a++] = mem;
    for (int i = 0; i < nopts; i++)
        argv[a++] = opts[i];
    argv[a] = NULL;

    struct capture c;
    int rc = spawn(argv, input, &c);
    if (rc) {
        printf("FAIL %s: cannot start the plugin: %s\n", name, strerror(-rc));
        goto out;
    }
    trim(c.out);
    trim(c.err);
    if (cf.has_error) {
        if (c.status == 0)
            printf("FAIL %s: expected an error, the plugin exited 0 with '%s'\n", name, c.out);
        else if (!c.out[0] && !c.err[0])
            printf("FAIL %s: exit %d without a message\n", name, c.status);
        else if (strchr(c.err, '\n'))
            printf("FAIL %s: the message is not one line: '%s'\n", name, c.err);
        else
            ok = 1;
    } else if (c.status != 0) {
        printf("FAIL %s: exit %d: %s\n", name, c.status, c.err);
    } else {
        char *end;
        errno = 0;
        uint64_t r0 = strtoull(c.out, &end, 16);
        if (!c.out[0] || *end || errno)
            printf("FAIL %s: output '%s' is not a hex number\n", name, c.out);
        else if (r0 != cf.result)
            printf("FAIL %s: r0 = 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", name, r0, cf.result);
        else
            ok = 1;
    }
    if (ok)
        printf("PASS %s\n", name);
out:
    free(argv);
    free(input);
    free(mem);
    free(prog);
    free(code);
    pbpf_cfile_free(&cf);
    return ok;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PLUGIN DIR... [-- PLUGIN_OPTIONS...]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int ndirs = 0, opt0 = argc;
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--")) {
            opt0 = i + 1;
            break;
        } else {
            ndirs++;
        }
    int passed = 0, failed = 0;
    for (int d = 0; d < ndirs; d++) {
        const char *dir = argv[2 + d];
        DIR *dp = opendir(dir);
        if (!dp) {
            fprintf(stderr, "cannot open %s: %s\n", dir, strerror(errno));
            return 1;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l <= 5 || strcmp(e->d_name + l - 5, ".data"))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 512;
                char **nn = realloc(names, cap * sizeof *nn);
                if (!nn)
                    return 1;
                names = nn;
            }
            names[n++] = strdup(e->d_name);
        }
        closedir(dp);
        qsort(names, n, sizeof *names, cmp);
        for (size_t i = 0; i < n; i++) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            if (run_test(argv[1], path, names[i], argv + opt0, argc - opt0))
                passed++;
            else
                failed++;
            free(names[i]);
        }
        free(names);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed || !passed ? 1 : 0;
}
