/* The object API (bpf/libbpf.h) through load, attach and run: open
 * options (kconfig, object_name, btf_custom_path), settings before load and
 * -EBUSY after, autoload, map access by bpf_map__* and by fd with libbpf's
 * size checks, links and pbpf_bpf_fire, pinning.  Expected values follow
 * from object_api.bpf.c's source and the values the test gives it.
 *   test_compat_object DIR PROGS   (object_api.bpf.o in DIR, core_reloc.bpf.o in PROGS) */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/pbpf_attach.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_ERR(call, want)                                                                      \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long rc_ = (long)(call);                                                                   \
        CHECK(rc_ == -(want) && errno == (want), "%s: rc %ld errno %d, want -%d", #call, rc_,     \
              errno, (want));                                                                      \
    } while (0)

static char messages[4096];

static int collect(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    size_t n = strlen(messages);
    if (level != LIBBPF_DEBUG && n < sizeof messages - 1)
        vsnprintf(messages + n, sizeof messages - n, fmt, ap);
    return 0;
}

static const char *dir, *progs_dir;

static char *path(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", strcmp(name, "core_reloc.bpf.o") ? dir : progs_dir, name);
    return buf;
}

static void test_kconfig_missing(void)
{
    struct bpf_object *obj = bpf_object__open_file(path("object_api.bpf.o"), NULL);
    CHECK(obj != NULL, "open: %d", -errno);
    if (!obj)
        return;
    /* the strong extern CONFIG_PBPF_TEST_NUMBER has no value */
    messages[0] = 0;
    errno = 0;
    int rc = bpf_object__load(obj);
    CHECK(rc < 0 && errno == -rc, "load without kconfig: %d errno %d", rc, errno);
    CHECK(strstr(messages, "CONFIG_PBPF_TEST_NUMBER") != NULL, "message: %s", messages);
    /* one load attempt per object, as libbpf */
    CHECK(bpf_object__load(obj) < 0, "second load");
    bpf_object__close(obj);
}

static void test_loaded(void)
{
    LIBBPF_OPTS(bpf_object_open_opts, opts,
                .kconfig = "CONFIG_PBPF_TEST_NUMBER=5\nCONFIG_PBPF_TEST_FLAG=y\n");
    struct bpf_object *obj = bpf_object__open_file(path("object_api.bpf.o"), &opts);
    int fd = -1;
    __u32 k = 0;
    __u64 v = 0;
    CHECK(obj != NULL, "open: %d", -errno);
    if (!obj)
        return;
    CHECK(strcmp(bpf_object__name(obj), "object_api") == 0, "name %s", bpf_object__name(obj));
    struct bpf_map *values = bpf_object__find_map_by_name(obj, "values");
    struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
    struct bpf_program *raw = bpf_object__find_program_by_name(obj, "count_raw");
    struct bpf_program *xdp = bpf_object__find_program_by_name(obj, "xdp_pass");
    struct bpf_program *off = bpf_object__find_program_by_name(obj, "not_loaded");
    CHECK(values && bss && raw && xdp && off, "lookups by name");
    if (!values || !bss || !raw || !xdp || !off)
        goto out;
    CHECK_ERR(bpf_map__fd(values), EINVAL); /* no fd before load */
    CHECK(bpf_map__set_max_entries(values, 8) == 0, "set_max_entries");
    CHECK(bpf_program__set_autoload(off, false) == 0, "set_autoload");
    CHECK(!bpf_program__autoload(off), "autoload off");
    CHECK(bpf_program__type(raw) == BPF_PROG_TYPE_RAW_TRACEPOINT, "type %d",
          bpf_program__type(raw));
    size_t before = bpf_program__insn_cnt(raw);

    messages[0] = 0;
    int rc = bpf_object__load(obj);
    CHECK(rc == 0, "load: %d %s", rc, messages);
    if (rc)
        goto out;
    CHECK(bpf_map__max_entries(values) == 8, "max_entries %u", bpf_map__max_entries(values));
    CHECK_ERR(bpf_map__set_max_entries(values, 16), EBUSY);
    CHECK_ERR(bpf_program__set_autoload(off, true), EBUSY);
    CHECK_ERR(bpf_program__set_type(raw, BPF_PROG_TYPE_XDP), EBUSY);
    CHECK(bpf_program__fd(raw) >= 0 && bpf_program__fd(xdp) >= 0, "loaded programs have fds");
    CHECK_ERR(bpf_program__fd(off), EINVAL);
    CHECK(bpf_program__insn_cnt(raw) >= before, "after load %zu insns, before %zu",
          bpf_program__insn_cnt(raw), before);
    fd = bpf_map__fd(values);
    CHECK(fd >= 0 && bpf_object__find_map_fd_by_name(obj, "values") == fd, "map fd %d", fd);

    /* the map is the loaded one: 8 entries, by fd */
    k = 7;
    CHECK(bpf_map_lookup_elem(fd, &k, &v) == 0, "index 7 exists");
    k = 8;
    CHECK_ERR(bpf_map_lookup_elem(fd, &k, &v), ENOENT);

    /* attach: raw_tp has an attach point, xdp has none */
    struct bpf_link *link = bpf_program__attach(raw);
    CHECK(link != NULL, "attach raw_tp: %d", -errno);
    errno = 0;
    CHECK(bpf_program__attach(xdp) == NULL && errno == EOPNOTSUPP, "attach xdp: errno %d",
          errno);
    CHECK(libbpf_get_error(NULL) == -EOPNOTSUPP, "libbpf_get_error");
    __u64 r0 = 0;
    char ctx[64] = {0};
    for (int i = 0; i < 3; i++)
        CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sys_enter", ctx, sizeof ctx, &r0) ==
                  1,
              "fire %d", i);
    CHECK(r0 == 7, "CONFIG_PBPF_TEST_FLAG=y: r0 %llu", (unsigned long long)r0);
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sys_exit", ctx, sizeof ctx, NULL) == 0,
          "another attach point runs nothing");
    k = 0;
    CHECK(bpf_map__lookup_elem(values, &k, sizeof k, &v, sizeof v, 0) == 0 && v == 3 * 5,
          "values[0] %llu: 3 runs adding CONFIG_PBPF_TEST_NUMBER", (unsigned long long)v);
    /* libbpf's size checks */
    CHECK_ERR(bpf_map__lookup_elem(values, &k, 2, &v, sizeof v, 0), EINVAL);
    CHECK_ERR(bpf_map__lookup_elem(values, &k, sizeof k, &v, 4, 0), EINVAL);
    v = 100;
    CHECK(bpf_map__update_elem(values, &k, sizeof k, &v, sizeof v, BPF_ANY) == 0, "update");
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sys_enter", ctx, sizeof ctx, NULL) == 1,
          "fire");
    CHECK(bpf_map_lookup_elem(fd, &k, &v) == 0 && v == 105, "program saw the update: %llu",
          (unsigned long long)v);
    __u32 next;
    CHECK(bpf_map__get_next_key(values, NULL, &next, sizeof next) == 0 && next == 0,
          "first key");
    CHECK_ERR(bpf_map__delete_elem(values, &k, sizeof k, 0), EINVAL); /* arrays */

    /* .bss is the map's own memory after load */
    size_t sz = 0;
    const __u64 *runs = bpf_map__initial_value(bss, &sz);
    CHECK(runs && sz == sizeof(__u64) && *runs == 4, "runs %llu", runs ? (unsigned long long)*runs
                                                                       : 0ull);

    /* attach points given by the caller; a return probe has its own */
    struct bpf_program *ret = bpf_object__find_program_by_name(obj, "on_return");
    struct bpf_program *sw = bpf_object__find_program_by_name(obj, "on_switch");
    struct bpf_link *l_auto = bpf_program__attach(ret);
    struct bpf_link *l_kp = bpf_program__attach_kprobe(ret, false, "vfs_read");
    struct bpf_link *l_tp = bpf_program__attach_tracepoint(sw, "sched", "sched_wakeup");
    struct bpf_link *l_raw = bpf_program__attach_raw_tracepoint(raw, "sched_switch");
    CHECK(l_auto && l_kp && l_tp && l_raw, "explicit attaches");
    r0 = 0;
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_KPROBE, "do_nanosleep%return", ctx, sizeof ctx, &r0) == 1 &&
              r0 == 2,
          "kretprobe fired: r0 %llu", (unsigned long long)r0);
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_KPROBE, "do_nanosleep", ctx, sizeof ctx, NULL) == 0,
          "the entry of do_nanosleep has no program");
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_KPROBE, "vfs_read", ctx, sizeof ctx, NULL) == 1, "kprobe");
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_TRACEPOINT, "sched/sched_wakeup", ctx, sizeof ctx, &r0) ==
                  1 &&
              r0 == 4,
          "tracepoint");
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sched_switch", ctx, sizeof ctx, NULL) == 1,
          "raw tracepoint");
    errno = 0;
    CHECK(bpf_program__attach_tracepoint(raw, "sched", "x") == NULL && errno == EINVAL,
          "a raw_tp program at a tracepoint: errno %d", errno);
    bpf_link__destroy(l_auto);
    bpf_link__destroy(l_kp);
    bpf_link__destroy(l_tp);
    bpf_link__destroy(l_raw);

    /* lookup_and_delete on a hash map of the object */
    struct bpf_map *pairs = bpf_object__find_map_by_name(obj, "pairs");
    __u32 pk = 3;
    __u64 pv = 33, got = 0;
    CHECK(bpf_map__update_elem(pairs, &pk, sizeof pk, &pv, sizeof pv, BPF_NOEXIST) == 0, "add");
    CHECK(bpf_map__lookup_and_delete_elem(pairs, &pk, sizeof pk, &got, sizeof got, 0) == 0 &&
              got == 33,
          "lookup_and_delete %llu", (unsigned long long)got);
    CHECK_ERR(bpf_map__lookup_elem(pairs, &pk, sizeof pk, &got, sizeof got, 0), ENOENT);

    /* detached: nothing runs */
    CHECK(bpf_link__destroy(link) == 0, "destroy");
    CHECK(pbpf_bpf_fire(BPF_PROG_TYPE_RAW_TRACEPOINT, "sys_enter", ctx, sizeof ctx, NULL) == 0,
          "fired after destroy");

    /* pinning a loaded map */
    CHECK(bpf_map__pin(values, "/sys/fs/bpf/pbpf_compat_values") == 0, "pin");
    int g = bpf_obj_get("/sys/fs/bpf/pbpf_compat_values");
    CHECK(g >= 0 && g != fd, "obj_get %d", g);
    v = 9;
    CHECK(bpf_map_update_elem(g, &k, &v, BPF_ANY) == 0, "update via pin");
    CHECK(bpf_map_lookup_elem(fd, &k, &v) == 0 && v == 9, "same map");
    CHECK(bpf_map__unpin(values, "/sys/fs/bpf/pbpf_compat_values") == 0, "unpin");
    CHECK_ERR(bpf_obj_get("/sys/fs/bpf/pbpf_compat_values"), ENOENT);
    close(g);
out:
    bpf_object__close(obj);
    /* the object's handles went with it */
    if (fd >= 0)
        CHECK_ERR(bpf_map_lookup_elem(fd, &k, &v), EBADF);
}

/* bpf_map__reuse_fd: a second object uses the first one's map */
static void test_reuse_fd(void)
{
    LIBBPF_OPTS(bpf_object_open_opts, opts, .kconfig = "CONFIG_PBPF_TEST_NUMBER=2\n");
    struct bpf_object *a = bpf_object__open_file(path("object_api.bpf.o"), &opts);
    struct bpf_object *b = bpf_object__open_file(path("object_api.bpf.o"), &opts);
    CHECK(a && b, "open twice");
    if (!a || !b)
        goto out;
    CHECK(bpf_object__load(a) == 0, "load a");
    int fd = bpf_object__find_map_fd_by_name(a, "values");
    struct bpf_map *bm = bpf_object__find_map_by_name(b, "values");
    CHECK(bpf_map__reuse_fd(bm, fd) == 0, "reuse_fd");
    CHECK(bpf_object__load(b) == 0, "load b");
    CHECK(bpf_map__fd(bm) != fd, "b has its own handle");
    __u32 k = 1;
    __u64 v = 77, got = 0;
    CHECK(bpf_map_update_elem(fd, &k, &v, BPF_ANY) == 0, "update through a");
    CHECK(bpf_map__lookup_elem(bm, &k, sizeof k, &got, sizeof got, 0) == 0 && got == 77,
          "b sees it: %llu", (unsigned long long)got);
    CHECK_ERR(bpf_map__reuse_fd(bm, fd), EBUSY);
out:
    bpf_object__close(a);
    bpf_object__close(b);
}

static void test_open_mem_and_btf_path(void)
{
    FILE *f = fopen(path("object_api.bpf.o"), "rb");
    static char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "memobj");
    struct bpf_object *obj = bpf_object__open_mem(buf, n, &opts);
    CHECK(obj && strcmp(bpf_object__name(obj), "memobj") == 0, "open_mem with object_name");
    bpf_object__close(obj);
    errno = 0;
    CHECK(bpf_object__open_mem(buf, 16, NULL) == NULL && errno == EINVAL,
          "a truncated object: errno %d", errno);
    CHECK(bpf_object__open_file(path("no_such_file.o"), NULL) == NULL && errno == ENOENT,
          "missing file: errno %d", errno);

    /* CO-RE against a BTF file that is not there */
    LIBBPF_OPTS(bpf_object_open_opts, bo, .btf_custom_path = "/nonexistent/vmlinux");
    obj = bpf_object__open_file(path("core_reloc.bpf.o"), &bo);
    CHECK(obj != NULL, "open core_reloc: %d", -errno);
    if (obj) {
        messages[0] = 0;
        int rc = bpf_object__load(obj);
        CHECK(rc < 0 && strstr(messages, "/nonexistent/vmlinux"), "load: %d %s", rc, messages);
        bpf_object__close(obj);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DIR PROGS\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    progs_dir = argv[2];
    libbpf_set_print(collect);
    test_kconfig_missing();
    test_loaded();
    test_reuse_fd();
    test_open_mem_and_btf_path();
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("compat object: all checks passed\n");
    return 0;
}
