/* The low-level libbpf-compatible API (bpf/bpf.h) on pbpf: handles, map
 * operations, batches, pinning, program loading, and libbpf's error
 * convention (negative errno returned, errno set).  Expected values come
 * from bpf(2)'s documented semantics and from what the test itself put in. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* rc < 0 with errno == -rc, the convention of every call */
#define CHECK_ERR(call, want)                                                                      \
    do {                                                                                           \
        errno = 0;                                                                                 \
        int rc_ = (call);                                                                          \
        CHECK(rc_ == -(want) && errno == (want), "%s: rc %d errno %d, want -%d", #call, rc_,      \
              errno, (want));                                                                      \
    } while (0)

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

static void test_handles(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL);
    CHECK(fd >= 0, "create: %d", fd);
    /* the handle is a descriptor of the process: no open file shares it */
#ifdef _WIN32
    int other = open("NUL", O_RDONLY);
#else
    int other = open("/dev/null", O_RDONLY);
#endif
    CHECK(other >= 0 && other != fd, "open gave %d, handle %d", other, fd);
    struct stat st;
    CHECK(fstat(fd, &st) == 0, "the handle is not a live descriptor");
    __u32 k = 1;
    __u64 v = 42, out = 0;
    CHECK(bpf_map_update_elem(fd, &k, &v, BPF_ANY) == 0, "update");
    /* close() releases the handle, as for a Linux bpf fd */
    close(fd);
    CHECK_ERR(bpf_map_lookup_elem(fd, &k, &out), EBADF);
    /* the number of a file that is not a handle is not a map */
    CHECK_ERR(bpf_map_lookup_elem(other, &k, &out), EBADF);
    close(other);
    CHECK_ERR(bpf_map_lookup_elem(-1, &k, &out), EBADF);
    CHECK_ERR(bpf_map_lookup_elem(100000, &k, &out), EBADF);
    /* a number reused by a new handle is the new map */
    int fd2 = bpf_map_create(BPF_MAP_TYPE_ARRAY, "arr2", 4, 8, 4, NULL);
    CHECK(fd2 >= 0, "create 2");
    CHECK(bpf_map_lookup_elem(fd2, &k, &out) == 0 && out == 0, "fresh map: %llu",
          (unsigned long long)out);
    close(fd2);
}

static void test_array_and_hash(void)
{
    int a = bpf_map_create(BPF_MAP_TYPE_ARRAY, "a", 4, 8, 8, NULL);
    __u32 k;
    __u64 v, out;
    for (k = 0; k < 8; k++) {
        v = k * 3u;
        CHECK(bpf_map_update_elem(a, &k, &v, BPF_ANY) == 0, "update %u", k);
    }
    for (k = 0; k < 8; k++)
        CHECK(bpf_map_lookup_elem(a, &k, &out) == 0 && out == k * 3u, "lookup %u: %llu", k,
              (unsigned long long)out);
    k = 8;
    CHECK_ERR(bpf_map_lookup_elem(a, &k, &out), ENOENT);
    CHECK_ERR(bpf_map_update_elem(a, &k, &v, BPF_ANY), E2BIG);
    k = 0;
    CHECK_ERR(bpf_map_update_elem(a, &k, &v, BPF_NOEXIST), EEXIST);
    CHECK_ERR(bpf_map_delete_elem(a, &k), EINVAL);
    /* get_next_key walks 0..7 from NULL */
    __u32 next, cnt = 0;
    for (int rc = bpf_map_get_next_key(a, NULL, &next); rc == 0;
         rc = bpf_map_get_next_key(a, &next, &next))
        CHECK(next == cnt++, "next %u", next);
    CHECK(cnt == 8, "walked %u keys", cnt);
    CHECK(bpf_map_freeze(a) == 0, "freeze");
    CHECK_ERR(bpf_map_update_elem(a, &k, &v, BPF_ANY), EPERM);
    close(a);

    int h = bpf_map_create(BPF_MAP_TYPE_HASH, "h", 4, 8, 16, NULL);
    for (k = 100; k < 110; k++) {
        v = k + 1;
        CHECK(bpf_map_update_elem(h, &k, &v, BPF_NOEXIST) == 0, "hash update %u", k);
    }
    k = 105;
    CHECK(bpf_map_lookup_and_delete_elem(h, &k, &out) == 0 && out == 106, "lookup_and_delete");
    CHECK_ERR(bpf_map_lookup_elem(h, &k, &out), ENOENT);
    CHECK_ERR(bpf_map_delete_elem(h, &k), ENOENT);
    /* batches: read all 9, then delete them in one call */
    __u32 keys[16], count = 16, batch_out;
    __u64 vals[16];
    LIBBPF_OPTS(bpf_map_batch_opts, bo);
    int rc = bpf_map_lookup_batch(h, NULL, &batch_out, keys, vals, &count, &bo);
    CHECK((rc == 0 || (rc == -ENOENT && errno == ENOENT)) && count == 9,
          "lookup_batch rc %d count %u", rc, count);
    for (__u32 i = 0; i < count; i++)
        CHECK(vals[i] == keys[i] + 1, "batch value of %u: %llu", keys[i],
              (unsigned long long)vals[i]);
    CHECK(bpf_map_delete_batch(h, keys, &count, &bo) == 0 && count == 9, "delete_batch %u",
          count);
    CHECK_ERR(bpf_map_get_next_key(h, NULL, &next), ENOENT);
    __u32 ukeys[3] = {1, 2, 3};
    __u64 uvals[3] = {10, 20, 30};
    count = 3;
    CHECK(bpf_map_update_batch(h, ukeys, uvals, &count, NULL) == 0 && count == 3,
          "update_batch");
    k = 2;
    CHECK(bpf_map_lookup_elem(h, &k, &out) == 0 && out == 20, "after update_batch");
    close(h);

    /* a queue: update pushes, lookup_and_delete pops, no key */
    int q = bpf_map_create(BPF_MAP_TYPE_QUEUE, "q", 0, 4, 4, NULL);
    CHECK(q >= 0, "queue %d", q);
    __u32 qv;
    for (qv = 1; qv <= 3; qv++)
        CHECK(bpf_map_update_elem(q, NULL, &qv, BPF_ANY) == 0, "push");
    CHECK(bpf_map_lookup_and_delete_elem(q, NULL, &qv) == 0 && qv == 1, "pop %u", qv);
    close(q);

    /* bad definitions fail as BPF_MAP_CREATE does */
    CHECK_ERR(bpf_map_create(BPF_MAP_TYPE_ARRAY, "bad", 8, 8, 1, NULL), EINVAL);
    CHECK_ERR(bpf_map_create(BPF_MAP_TYPE_HASH, "bad", 4, 8, 0, NULL), EINVAL);
}

static void test_percpu(void)
{
    int ncpu = libbpf_num_possible_cpus();
    CHECK(ncpu > 0, "cpus %d", ncpu);
    if (ncpu <= 0 || ncpu > 4096)
        return;
    int m = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 4, 1, NULL);
    /* user space sees one value per CPU, each rounded up to 8 bytes */
    __u64 *vals = calloc((size_t)ncpu, 8);
    for (int i = 0; i < ncpu; i++)
        vals[i] = (__u64)i * 7;
    __u32 k = 0;
    CHECK(bpf_map_update_elem(m, &k, vals, BPF_ANY) == 0, "percpu update");
    memset(vals, 0xff, (size_t)ncpu * 8);
    CHECK(bpf_map_lookup_elem(m, &k, vals) == 0, "percpu lookup");
    for (int i = 0; i < ncpu; i++)
        CHECK((vals[i] & 0xffffffffu) == (__u64)i * 7, "cpu %d: %llu", i,
              (unsigned long long)vals[i]);
    free(vals);
    close(m);
}

static void test_pin(void)
{
    int m = bpf_map_create(BPF_MAP_TYPE_HASH, "pinned", 4, 4, 4, NULL);
    __u32 k = 7, v = 77, out = 0;
    CHECK(bpf_map_update_elem(m, &k, &v, BPF_ANY) == 0, "update");
    CHECK(bpf_obj_pin(m, "/sys/fs/bpf/pbpf_compat_test") == 0, "pin");
    CHECK_ERR(bpf_obj_pin(m, "/sys/fs/bpf/pbpf_compat_test"), EEXIST);
    close(m); /* the pin keeps the map */
    int g = bpf_obj_get("/sys/fs/bpf/pbpf_compat_test");
    CHECK(g >= 0, "obj_get %d", g);
    CHECK(bpf_map_lookup_elem(g, &k, &out) == 0 && out == 77, "pinned value %u", out);
    close(g);
    CHECK_ERR(bpf_obj_get("/sys/fs/bpf/pbpf_compat_nothing"), ENOENT);
}

static void test_prog_load(void)
{
    int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pm", 4, 8, 1, NULL);
    /* r1 = map (lddw src=1 imm=fd); r0 = 0; exit */
    struct bpf_insn insns[] = {
        {.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = m},
        {0},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    char log[256] = "";
    LIBBPF_OPTS(bpf_prog_load_opts, po, .log_buf = log, .log_size = sizeof log);
    int p = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", insns, 4, &po);
    CHECK(p >= 0, "prog_load %d: %s", p, log);
    /* a program fd is not a map fd, and the other way round */
    __u32 k = 0;
    __u64 v;
    CHECK_ERR(bpf_map_lookup_elem(p, &k, &v), EINVAL);
    LIBBPF_OPTS(bpf_test_run_opts, to);
    CHECK_ERR(bpf_prog_test_run_opts(m, &to), EINVAL);
    /* the program runs: socket filter over a packet, r0 = 0 */
    unsigned char pkt[64] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, tr, .data_in = pkt, .data_size_in = sizeof pkt, .repeat = 3);
    tr.retval = 12345;
    CHECK(bpf_prog_test_run_opts(p, &tr) == 0 && tr.retval == 0, "test run: errno %d retval %u",
          errno, tr.retval);
    /* a program that returns a map value's byte: r0 = *(u8 *)(map value + 0) */
    struct bpf_insn val[] = {
        {.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_VALUE,
         .imm = m},
        {.imm = 0},
        {.code = BPF_LDX | BPF_MEM | BPF_B, .dst_reg = 0, .src_reg = 1, .off = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int pv = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "v", "GPL", val, 4, &po);
    CHECK(pv >= 0, "prog_load map value: %d %s", pv, log);
    __u64 seven = 7;
    CHECK(bpf_map_update_elem(m, &k, &seven, BPF_ANY) == 0, "update");
    LIBBPF_OPTS(bpf_test_run_opts, tv, .data_in = pkt, .data_size_in = sizeof pkt);
    CHECK(bpf_prog_test_run_opts(pv, &tv) == 0 && tv.retval == 7, "map value run: %u",
          tv.retval);
    close(pv);
    /* a prog array takes program fds */
    int pa = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, NULL);
    CHECK(bpf_map_update_elem(pa, &k, &p, BPF_ANY) == 0, "prog array update");
    CHECK_ERR(bpf_map_update_elem(pa, &k, &m, BPF_ANY), EINVAL);
    /* an fd that is not a map in lddw */
    insns[0].imm = p;
    CHECK_ERR(bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "t", "GPL", insns, 4, &po), EINVAL);
    CHECK(strstr(log, "not a map") != NULL, "log: %s", log);
    close(pa);
    /* the verifier decides, as in the kernel: reading the map value one
     * byte past its 8 is refused with EACCES and Linux's reason */
    val[2].off = 8;
    log[0] = 0;
    CHECK_ERR(bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "v", "GPL", val, 4, &po), EACCES);
    CHECK(strstr(log, "invalid access to map value, value_size=8 off=8 size=1") != NULL,
          "log: %s", log);
    /* bpf_trace_printk is GPL-only: refused for another license */
    struct bpf_insn printk[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = 0},
        {.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = 10, .src_reg = 2, .off = -8},
        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 1, .src_reg = 10},
        {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 1, .imm = -8},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = 8},
        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_trace_printk},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    log[0] = 0;
    CHECK_ERR(bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pk", "Proprietary", printk, 8, &po),
              EINVAL);
    CHECK(strstr(log, "GPL-restricted") != NULL, "log: %s", log);
    int pk = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "pk", "GPL", printk, 8, &po);
    CHECK(pk >= 0, "GPL prog with trace_printk: %d %s", pk, log);
    if (pk >= 0)
        close(pk);
    close(p);
    close(m);
}

static void test_util(void)
{
    char buf[128];
    CHECK(libbpf_strerror(-ENOENT, buf, sizeof buf) == 0 && strcmp(buf, strerror(ENOENT)) == 0,
          "strerror: %s", buf);
    CHECK(libbpf_strerror(LIBBPF_ERRNO__FORMAT, buf, sizeof buf) == 0 && buf[0], "libbpf code");
    CHECK(libbpf_strerror(99999, buf, sizeof buf) < 0, "unknown code");
    errno = ENOENT;
    CHECK(libbpf_get_error(NULL) == -ENOENT, "get_error NULL");
    CHECK(libbpf_get_error(buf) == 0, "get_error ptr");
    libbpf_print_fn_t old = libbpf_set_print(NULL);
    CHECK(old == quiet, "set_print returns the previous function");
    libbpf_set_print(old);
    enum bpf_prog_type t;
    enum bpf_attach_type at;
    CHECK(libbpf_prog_type_by_name("xdp", &t, &at) == 0 && t == BPF_PROG_TYPE_XDP, "xdp");
    CHECK_ERR(libbpf_prog_type_by_name("no_such_section", &t, &at), ESRCH);
}

int main(void)
{
    libbpf_set_print(quiet);
    test_handles();
    test_array_and_hash();
    test_percpu();
    test_pin();
    test_prog_load();
    test_util();
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("compat api: all checks passed\n");
    return 0;
}
