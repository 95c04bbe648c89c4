/* Generic helpers from programs built by clang (tests/progs/helpers_*.bpf.c).
 *   str DIR    helpers_str.bpf.o: strtol, strtoul, strncmp, snprintf on
 *              tables of cases, run by pbpf (interpreter and JIT) and by the
 *              kernel (libbpf load + BPF_PROG_TEST_RUN); the .bss results
 *              must be identical.  Without bpf(): the parts with an
 *              independent oracle (the C library's printf on the formats
 *              where Linux and C agree) run, then exit 77.
 *   task DIR   helpers_task.bpf.o: current pid/uid/comm, jiffies64, the
 *              probe_read family on good and unmapped addresses,
 *              perf_event_output to a perf buffer, trace_printk to the
 *              runtime's print callback: expectations computed here from
 *              the process itself.
 *   unavailable DIR  unavailable_helper.bpf.o: bpf_get_current_task is
 *              refused at load, and accepted once the embedder registers
 *              it. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

static int failures, checks;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* The layout of helpers_str.bpf.c's .bss (same declarations). */
#define NSTRTO 32
#define NCMP 12
#define NFMT 40
#define FMT_OUT 64
#define NBAD 17
struct strto_res {
    long long rc_l, val_l, rc_ul, val_ul;
};
struct str_bss {
    struct strto_res strto[NSTRTO];
    long long cmp[NCMP];
    long long fmt_rc[NFMT];
    char fmt_out[NFMT][FMT_OUT];
    long long bad_rc[NBAD];
    char bad_out[16];
};

static const char *const str_progs[] = {"run_strto", "run_strncmp", "run_snprintf"};

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static struct pbpf_object *open_load(const char *path, struct pbpf_runtime *rt,
                                     enum pbpf_engine engine)
{
    size_t len;
    void *buf = read_all(path, &len);
    if (!buf) {
        CHECK(0, "cannot read %s", path);
        return NULL;
    }
    char msg[256] = "";
    struct pbpf_object *obj = NULL;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = sizeof msg);
    int rc = pbpf_object_open_mem(buf, len, &oo, &obj);
    free(buf);
    CHECK(rc == 0, "open %s: %d %s", path, rc, msg);
    if (rc)
        return NULL;
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = engine, .log_buf = msg,
              .log_size = sizeof msg);
    rc = pbpf_object_load(obj, rt, &lo);
    CHECK(rc == 0, "load %s: %d %s", path, rc, msg);
    if (rc) {
        pbpf_object_close(obj);
        return NULL;
    }
    return obj;
}

static int run_prog(struct pbpf_object *obj, const char *name, void *ctx, size_t ctx_len)
{
    int i = pbpf_object_find_prog(obj, name);
    CHECK(i >= 0, "no program %s", name);
    if (i < 0)
        return -ENOENT;
    char err[200] = "";
    uint64_t r0 = 0;
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    int rc = pbpf_prog_run(pbpf_object_prog_handle(obj, (size_t)i), ctx, ctx_len, &r0, &ro);
    CHECK(rc == 0 && r0 == 0, "run %s: %d r0 %llu %s", name, rc, (unsigned long long)r0, err);
    return rc;
}

static int read_bss(struct pbpf_object *obj, void *out, size_t size)
{
    int i = pbpf_object_find_map(obj, ".bss");
    CHECK(i >= 0, "no .bss map");
    if (i < 0)
        return -ENOENT;
    struct pbpf_map *m = pbpf_object_map_handle(obj, (size_t)i);
    CHECK(pbpf_map_value_size(m) == size, ".bss is %u bytes, expected %zu",
          pbpf_map_value_size(m), size);
    if (pbpf_map_value_size(m) != size)
        return -EINVAL;
    uint32_t k = 0;
    return pbpf_map_lookup_elem(m, &k, out);
}

/* pbpf's verifier on program `name` of the object alone (verified mode):
 * 1 refused (the log into msg), 0 loaded, -1 the object cannot be opened. */
static int pbpf_refuses(const char *path, struct pbpf_runtime *rt, const char *name, char *msg,
                        size_t msg_size)
{
    size_t len;
    void *buf = read_all(path, &len);
    if (!buf)
        return -1;
    struct pbpf_object *obj = NULL;
    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = msg, .log_size = msg_size);
    int rc = pbpf_object_open_mem(buf, len, &oo, &obj);
    free(buf);
    if (rc)
        return -1;
    for (size_t i = 0; i < pbpf_object_prog_cnt(obj); i++)
        pbpf_object_set_autoload(obj, i, strcmp(pbpf_object_prog(obj, i)->name, name) == 0);
    msg[0] = 0;
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = PBPF_ENGINE_INTERP,
              .mode = PBPF_MODE_VERIFIED, .log_buf = msg, .log_size = msg_size);
    rc = pbpf_object_load(obj, rt, &lo);
    pbpf_object_close(obj);
    return rc != 0;
}

/* --- the kernel's run ------------------------------------------------------ */

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
    (void)l, (void)f, (void)ap;
    return 0;
}

/* 0 with bss filled, or a negative errno with why (-EPERM/-ENOSYS: skip). */
static int kernel_run(const char *path, const char *const *progs, size_t n, void *bss, size_t size,
                      char *why, size_t why_size)
{
    if (!getenv("PBPF_TEST_VERBOSE"))
        libbpf_set_print(quiet); /* libbpf's own messages only on demand */
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    long err = libbpf_get_error(o);
    if (err) {
        snprintf(why, why_size, "libbpf cannot open %.200s: %ld", path, err);
        return (int)err;
    }
    /* the programs with formats Linux refuses load one at a time */
    struct bpf_program *bp;
    bpf_object__for_each_program(bp, o)
    {
        if (strncmp(bpf_program__name(bp), "bad_", 4) == 0)
            bpf_program__set_autoload(bp, false);
    }
    int rc = bpf_object__load(o);
    if (rc) {
        snprintf(why, why_size, "the kernel refused %.200s: %d (needs Linux, root)", path, rc);
        bpf_object__close(o);
        return rc;
    }
    unsigned char pkt[64] = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        struct bpf_program *p = bpf_object__find_program_by_name(o, progs[i]);
        LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof pkt,
                    .repeat = 1);
        rc = p ? bpf_prog_test_run_opts(bpf_program__fd(p), &t) : -ENOENT;
        if (rc)
            snprintf(why, why_size, "BPF_PROG_TEST_RUN of %s: %d", progs[i], rc);
    }
    struct bpf_map *m, *bss_map = NULL;
    bpf_object__for_each_map(m, o)
    {
        const char *nm = bpf_map__name(m);
        if (strlen(nm) >= 4 && strcmp(nm + strlen(nm) - 4, ".bss") == 0)
            bss_map = m;
    }
    if (!rc && !bss_map) {
        snprintf(why, why_size, "libbpf made no .bss map");
        rc = -ENOENT;
    }
    uint32_t k = 0;
    if (!rc)
        rc = bpf_map__lookup_elem(bss_map, &k, sizeof k, bss, size, 0);
    bpf_object__close(o);
    return rc;
}

/* Whether the kernel refuses to load program `name` of the object alone:
 * 1 refused, 0 loaded, -1 the object cannot be opened. */
static int kernel_refuses(const char *path, const char *name)
{
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    if (libbpf_get_error(o))
        return -1;
    struct bpf_program *p;
    bpf_object__for_each_program(p, o)
    {
        bpf_program__set_autoload(p, strcmp(bpf_program__name(p), name) == 0);
    }
    int rc = bpf_object__load(o);
    bpf_object__close(o);
    return rc != 0;
}

/* --- str ---------------------------------------------------------------------- */

static const char *const strto_in[NSTRTO] = {
    "123", "  -42xyz", "0x1f", "0x1f", "0x", "0x", "017", "017", "08", "-", "   ",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616", "12", "12", "ff",
    "FF", "z", "\\t\\n 7", "123456", "+5", "0xg", "1234567890...", "-0", "0X1A", "777", "778",
    "000...012"};

static void compare_str(const struct str_bss *a, const struct str_bss *k, const char *what)
{
    for (int i = 0; i < NSTRTO; i++) {
        const struct strto_res *x = &a->strto[i], *y = &k->strto[i];
        CHECK(x->rc_l == y->rc_l && x->val_l == y->val_l, "%s strtol case %d (\"%s\"): %lld, %lld; "
              "kernel %lld, %lld", what, i, strto_in[i], x->rc_l, x->val_l, y->rc_l, y->val_l);
        CHECK(x->rc_ul == y->rc_ul && x->val_ul == y->val_ul, "%s strtoul case %d (\"%s\"): "
              "%lld, %lld; kernel %lld, %lld", what, i, strto_in[i], x->rc_ul, x->val_ul, y->rc_ul,
              y->val_ul);
    }
    for (int i = 0; i < NCMP; i++)
        CHECK(a->cmp[i] == k->cmp[i], "%s strncmp case %d: %lld, kernel %lld", what, i, a->cmp[i],
              k->cmp[i]);
    for (int i = 0; i < NFMT; i++) {
        CHECK(a->fmt_rc[i] == k->fmt_rc[i], "%s snprintf case %d: %lld, kernel %lld", what, i,
              a->fmt_rc[i], k->fmt_rc[i]);
        CHECK(memcmp(a->fmt_out[i], k->fmt_out[i], FMT_OUT) == 0,
              "%s snprintf case %d: \"%.64s\", kernel \"%.64s\"", what, i, a->fmt_out[i],
              k->fmt_out[i]);
    }
}

/* Formats where Linux's vsprintf and C's printf agree: the C library is an
 * oracle independent of both. */
static void check_str_with_libc(const struct str_bss *a)
{
    char e[FMT_OUT];
    int n;
#define LIBC(i, ...)                                                                               \
    do {                                                                                           \
        n = snprintf(e, sizeof e, __VA_ARGS__);                                                    \
        CHECK(a->fmt_rc[i] == n + 1 && strcmp(a->fmt_out[i], e) == 0,                              \
              "snprintf case %d: %lld \"%s\", C library %d \"%s\"", i, a->fmt_rc[i],               \
              a->fmt_out[i], n + 1, e);                                                            \
    } while (0)
    LIBC(0, "%d %u %x %X", -5, (unsigned)-5, 255, 255);
    LIBC(1, "%ld %lld", -1234567890123l, 9000000000ll);
    LIBC(2, "%lu %llx %lX", (unsigned long)-1l, 0xdeadbeefcafeull, 0xabcul);
    LIBC(3, "%5d|%-5d|%05d|%+d|% d|", 42, 42, 42, 42, 42);
    LIBC(4, "%-5d|%+05d|%08x|% 5d|", -42, 42, 0xbeef, -3); /* C: 0 is ignored with - */
    LIBC(5, "%s|%10s|%-10s|", "abc", "de", "fg");
    LIBC(6, "%c%c%c|%3c|%-3c|", 'a', 'b', 'c', 'x', 'y');
    LIBC(10, "100%% sure");
    LIBC(24, "%lli %li %i", -9ll, -8l, -7);
    LIBC(35, "%x %x", (unsigned)-1, 1u);
    LIBC(39, "%12lld|%-12llu|", -77ll, 77ull);
#undef LIBC
    /* truncation: the length of the whole output with its NUL */
    CHECK(a->fmt_rc[20] == 12 && strcmp(a->fmt_out[20], "hell") == 0, "snprintf case 20: %lld %s",
          a->fmt_rc[20], a->fmt_out[20]);
    /* strtol on plain decimal input: C's strtoll */
    CHECK(a->strto[0].rc_l == 3 && a->strto[0].val_l == strtoll("123", NULL, 0), "strtol 123");
    CHECK(a->strto[11].val_l == strtoll("9223372036854775807", NULL, 10), "strtol max");
}

static int test_str(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/helpers_str.bpf.o", dir);
    struct pbpf_runtime *rt;
    PBPF_OPTS(pbpf_runtime_opts, rto, .slots = 2);
    if (pbpf_runtime_new(&rto, &rt))
        return 1;
    struct str_bss ours[2];
    int n_engines = 0;
    /* the JIT runs only verified programs: the checked interpreter here */
    int engines = 1;
    for (int e = 0; e < engines; e++) {
        struct pbpf_object *obj = open_load(path, rt, e == 0 ? PBPF_ENGINE_INTERP : PBPF_ENGINE_JIT);
        if (!obj)
            break;
        unsigned char pkt[64] = {0};
        for (size_t i = 0; i < sizeof str_progs / sizeof *str_progs; i++)
            run_prog(obj, str_progs[i], pkt, sizeof pkt);
        for (int i = 0; i < NBAD; i++) {
            char name[16];
            snprintf(name, sizeof name, "bad_%d", i);
            run_prog(obj, name, pkt, sizeof pkt);
        }
        memset(&ours[e], 0, sizeof ours[e]);
        CHECK(read_bss(obj, &ours[e], sizeof ours[e]) == 0, "read .bss");
        pbpf_object_close(obj);
        n_engines++;
    }
    /* The verdicts of the verifier, as Linux's: the formats pass its
     * check_bpf_snprintf_call, each bad one fails it ("Invalid format
     * string"; the kernel's verdicts are checked below). */
    for (size_t i = 0; n_engines && i < sizeof str_progs / sizeof *str_progs; i++) {
        char msg[4096];
        int r = pbpf_refuses(path, rt, str_progs[i], msg, sizeof msg);
        CHECK(r == 0, "pbpf's verifier refuses %s: %d %s", str_progs[i], r, msg);
    }
    for (int i = 0; n_engines && i < NBAD; i++) {
        char name[16], msg[4096];
        snprintf(name, sizeof name, "bad_%d", i);
        int r = pbpf_refuses(path, rt, name, msg, sizeof msg);
        CHECK(r == 1 && strstr(msg, "Invalid format string"),
              "pbpf's verifier on %s: %d (want refused, \"Invalid format string\"): %s", name, r,
              msg);
    }
    pbpf_runtime_free(rt);
    if (!n_engines)
        return 1;
    check_str_with_libc(&ours[0]);
    /* bpf_bprintf_prepare() answers -EINVAL to each bad format */
    for (int i = 0; i < NBAD; i++)
        CHECK(ours[0].bad_rc[i] == -EINVAL, "bad format %d: %lld", i, ours[0].bad_rc[i]);
    if (n_engines == 2)
        CHECK(memcmp(&ours[0], &ours[1], sizeof ours[0]) == 0, "interpreter and JIT differ");

    static struct str_bss kern;
    char why[256] = "";
    int rc = kernel_run(path, str_progs, sizeof str_progs / sizeof *str_progs, &kern, sizeof kern,
                        why, sizeof why);
    if (failures) {
        fprintf(stderr, "helpers str: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    if (rc) {
        printf("SKIP: kernel comparison: %s (%d checks passed without it)\n", why, checks);
        return 77;
    }
    compare_str(&ours[0], &kern, "pbpf");
    for (int i = 0; i < NBAD; i++) {
        char name[16];
        snprintf(name, sizeof name, "bad_%d", i);
        CHECK(kernel_refuses(path, name) == 1, "the kernel loads %s", name);
    }
    if (failures) {
        fprintf(stderr, "helpers str: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("helpers str: %d checks passed (against the kernel)\n", checks);
    return 0;
}

/* --- task ---------------------------------------------------------------------- */

struct task_ctx {
    uint64_t common, good, bad, str, empty;
};
struct task_res {
    long long pid_tgid, uid_gid, comm_rc, jiffies;
    char comm[16];
    char comm4[4];
    long long rd_rc[6];
    char rd[6][16];
    long long str_rc[8];
    char str[8][12];
    long long perf_rc[4];
};
struct task_bss {
    struct task_res res;
    long long printk_rc[3];
};

static char printed[4][256];
static int n_printed;

static void on_print(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    if (n_printed < 4) {
        snprintf(printed[n_printed], sizeof printed[0], "%.*s", (int)len, msg);
        n_printed++;
    }
}

struct perf_seen {
    int samples;
    uint64_t first[2];
    uint32_t size;
};

static int on_sample(void *ctx, void *data, uint32_t size)
{
    struct perf_seen *s = ctx;
    if (!s->samples++) {
        s->size = size;
        memcpy(s->first, data, size >= 16 ? 16 : size);
    }
    return 0;
}

static int test_task(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/helpers_task.bpf.o", dir);
    prctl(PR_SET_NAME, "helpers-task-th", 0, 0, 0);
    struct pbpf_runtime *rt;
    PBPF_OPTS(pbpf_runtime_opts, rto, .slots = 1, .print = on_print);
    if (pbpf_runtime_new(&rto, &rt))
        return 1;
    struct pbpf_object *obj = open_load(path, rt, PBPF_ENGINE_INTERP);
    if (!obj)
        return 1;
    int mi = pbpf_object_find_map(obj, "events");
    CHECK(mi >= 0, "no map events");
    struct pbpf_map *events = mi >= 0 ? pbpf_object_map_handle(obj, (size_t)mi) : NULL;
    CHECK(events && pbpf_map_type(events) == PBPF_MAP_TYPE_PERF_EVENT_ARRAY, "events type");
    /* a perf buffer at the slot the program runs in (the runtime has one) */
    struct pbpf_perf_buf *pb = NULL;
    CHECK(pbpf_perf_buf_new(1, &pb) == 0, "perf buf");
    uint32_t slot0 = 0;
    CHECK(pbpf_map_update_elem(events, &slot0, &pb, PBPF_ANY) == 0, "perf buf in map");

    /* an unmapped page: mapped, then unmapped */
    void *hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 4096);
    static const char good[16] = "0123456789abcde";
    static const char str[] = "pbpf-str";
    struct task_ctx c = {0, (uintptr_t)good, (uintptr_t)hole, (uintptr_t)str, 5};
    uint64_t before = (uint64_t)time(NULL);
    struct timespec bt0, bt1;
    clock_gettime(CLOCK_BOOTTIME, &bt0);
    run_prog(obj, "run_task", &c, sizeof c);
    clock_gettime(CLOCK_BOOTTIME, &bt1);
    run_prog(obj, "run_printk", NULL, 0);
    (void)before;

    struct task_bss b;
    memset(&b, 0, sizeof b);
    CHECK(read_bss(obj, &b, sizeof b) == 0, "read .bss");
    struct task_res *r = &b.res;
    uint64_t pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)syscall(SYS_gettid);
    CHECK((uint64_t)r->pid_tgid == pid_tgid, "pid_tgid %llx, expected %llx",
          (unsigned long long)r->pid_tgid, (unsigned long long)pid_tgid);
    uint64_t uid_gid = (uint64_t)getgid() << 32 | getuid();
    CHECK((uint64_t)r->uid_gid == uid_gid, "uid_gid %llx", (unsigned long long)r->uid_gid);
    char name[17] = "";
    prctl(PR_GET_NAME, name, 0, 0, 0);
    CHECK(r->comm_rc == 0 && strcmp(r->comm, name) == 0, "comm %lld \"%.16s\", expected \"%s\"",
          r->comm_rc, r->comm, name);
    CHECK(memcmp(r->comm4, name, 3) == 0 && r->comm4[3] == 0, "comm in 4 bytes \"%.4s\"",
          r->comm4);
    uint64_t j0 = ((uint64_t)bt0.tv_sec * 1000000000u + (uint64_t)bt0.tv_nsec) / 1000000u;
    uint64_t j1 = ((uint64_t)bt1.tv_sec * 1000000000u + (uint64_t)bt1.tv_nsec) / 1000000u;
    CHECK((uint64_t)r->jiffies >= j0 && (uint64_t)r->jiffies <= j1,
          "jiffies64 %lld not within [%llu, %llu] ms of boot time", r->jiffies,
          (unsigned long long)j0, (unsigned long long)j1);

    for (int i = 0; i < 3; i++)
        CHECK(r->rd_rc[i] == 0 && memcmp(r->rd[i], good, 16) == 0, "probe_read %d: %lld", i,
              r->rd_rc[i]);
    static const char zero16[16];
    for (int i = 3; i < 5; i++)
        CHECK(r->rd_rc[i] == -EFAULT && memcmp(r->rd[i], zero16, 16) == 0,
              "probe_read %d of an unmapped page: %lld, dst zeroed %d", i, r->rd_rc[i],
              memcmp(r->rd[i], zero16, 16) == 0);
    CHECK(r->rd_rc[5] == 0, "probe_read of size 0: %lld", r->rd_rc[5]);

    long long slen = (long long)sizeof str; /* with the NUL */
    for (int i = 0; i < 3; i++)
        CHECK(r->str_rc[i] == slen && strcmp(r->str[i], str) == 0, "probe_read_str %d: %lld %s",
              i, r->str_rc[i], r->str[i]);
    CHECK(r->str_rc[3] == 5 && strcmp(r->str[3], "pbpf") == 0, "cut string: %lld %s",
          r->str_rc[3], r->str[3]);
    static const char zero12[12];
    CHECK(r->str_rc[4] == -EFAULT && memcmp(r->str[4], zero12, 12) == 0,
          "probe_read_user_str of an unmapped page: %lld", r->str_rc[4]);
    CHECK(r->str_rc[5] == 0, "probe_read_user_str size 0: %lld", r->str_rc[5]);
    CHECK(r->str_rc[6] == 1 && r->str[6][0] == 0, "size 1: %lld", r->str_rc[6]);
    CHECK(r->str_rc[7] == 9 && strcmp(r->str[7], str) == 0, "exact fit: %lld", r->str_rc[7]);

    CHECK(r->perf_rc[0] == 0, "perf_event_output to the current slot: %lld", r->perf_rc[0]);
    CHECK(r->perf_rc[1] == -ENOENT, "perf_event_output to an empty index: %lld", r->perf_rc[1]);
    CHECK(r->perf_rc[2] == -EINVAL, "perf_event_output with high flag bits: %lld", r->perf_rc[2]);
    CHECK(r->perf_rc[3] == -E2BIG, "perf_event_output past the map: %lld", r->perf_rc[3]);
    struct perf_seen seen = {0};
    CHECK(pbpf_perf_buf_consume(pb, on_sample, NULL, &seen) == 1, "one sample");
    /* u32 size + 16 bytes rounds up to 24 with 4 bytes of padding */
    CHECK(seen.samples == 1 && seen.size == 20 && seen.first[0] == 0x1122334455667788ull &&
              seen.first[1] == pid_tgid, "sample: %d, size %u", seen.samples, seen.size);

    /* trace_printk: the callback got what C's printf makes of the format */
    char e[64];
    int n = snprintf(e, sizeof e, "%d %u %x|%%|", -5, (unsigned)-5, 255);
    CHECK(b.printk_rc[0] == n, "trace_printk returned %lld, expected %d", b.printk_rc[0], n);
    CHECK(n_printed == 1 && strcmp(printed[0], e) == 0, "printed %d: \"%s\", expected \"%s\"",
          n_printed, printed[0], e);
    CHECK(b.printk_rc[1] == -EINVAL, "trace_printk %%o: %lld", b.printk_rc[1]);
    CHECK(b.printk_rc[2] == -EINVAL, "trace_printk with 4 conversions: %lld", b.printk_rc[2]);

    pbpf_perf_buf_free(pb);
    pbpf_object_close(obj);
    pbpf_runtime_free(rt);
    if (failures) {
        fprintf(stderr, "helpers task: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("helpers task: %d checks passed\n", checks);
    return 0;
}

/* --- helpers that mean nothing here ----------------------------------------- */

static uint64_t my_current_task(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                struct pbpf_run_ctx *ctx)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)ctx;
    return 0x1234;
}

/* bpf_get_current_task is refused at load with Linux's name for it; an
 * implementation the embedder registers for the id is taken. */
static int test_unavailable(const char *dir)
{
    char path[1024], msg[256] = "";
    snprintf(path, sizeof path, "%s/unavailable_helper.bpf.o", dir);
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    size_t len;
    void *buf = read_all(path, &len);
    CHECK(buf != NULL, "cannot read %s", path);
    for (int pass = 0; buf && pass < 2; pass++) {
        struct pbpf_object *obj = NULL;
        CHECK(pbpf_object_open_mem(buf, len, NULL, &obj) == 0, "open %s", path);
        if (!obj)
            break;
        if (pass == 1)
            CHECK(pbpf_runtime_set_helper(rt, 35, my_current_task, NULL) == 0, "register 35");
        PBPF_OPTS(pbpf_object_load_opts, lo, .log_buf = msg, .log_size = sizeof msg);
        int rc = pbpf_object_load(obj, rt, &lo);
        if (pass == 0) {
            CHECK(rc == -EINVAL, "load without helper 35: %d", rc);
            CHECK(strstr(msg, "helper 35 (bpf_get_current_task) is not available for this "
                              "runtime") != NULL, "message: %s", msg);
        } else {
            CHECK(rc == 0, "load with an embedder's helper 35: %d %s", rc, msg);
            if (rc == 0) {
                uint64_t r0 = 0;
                CHECK(pbpf_prog_run(pbpf_object_prog_handle(obj, 0), NULL, 0, &r0, NULL) == 0 &&
                          r0 == 1, "the embedder's helper ran: r0 %llu", (unsigned long long)r0);
            }
        }
        pbpf_object_close(obj);
    }
    free(buf);
    pbpf_runtime_free(rt);
    if (failures) {
        fprintf(stderr, "helpers unavailable: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("helpers unavailable: %d checks passed\n", checks);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s str|task|unavailable DIR\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "str") == 0)
        return test_str(argv[2]);
    if (strcmp(argv[1], "task") == 0)
        return test_task(argv[2]);
    if (strcmp(argv[1], "unavailable") == 0)
        return test_unavailable(argv[2]);
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
