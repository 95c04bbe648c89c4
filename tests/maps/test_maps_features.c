/* Redirect maps (DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP), pinning, memory
 * mapping and bpf_spin_lock in map values: user side and from programs. */
#include "maps/map.h"
#include "maps_test.h"
#include "platform/platform.h"

enum { H_LOOKUP = 1, H_UPDATE = 2, H_DELETE = 3, H_SPIN_LOCK = 93, H_SPIN_UNLOCK = 94 };

static struct pbpf_runtime *rt; /* 2 execution slots */

static int run_mode(const struct pbpf_insn *insns, size_t n, enum pbpf_mode mode, uint64_t *r0,
                    char *err, size_t err_size)
{
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = mode);
    char log[256] = "";
    po.log_buf = log;
    po.log_size = sizeof log;
    struct pbpf_prog *prog = NULL;
    int rc = pbpf_prog_load(rt, insns, n, &po, &prog);
    if (rc) {
        fprintf(stderr, "load failed: %d %s\n", rc, log);
        return rc;
    }
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = err_size);
    rc = pbpf_prog_run(prog, NULL, 0, r0, &ro);
    pbpf_prog_free(prog);
    return rc;
}

#define RUN(mode, r0, ...)                                                                         \
    ({                                                                                             \
        const struct pbpf_insn mt_p[] = {__VA_ARGS__};                                             \
        char mt_err[200] = "";                                                                     \
        run_mode(mt_p, MT_LEN(mt_p), mode, r0, mt_err, sizeof mt_err);                             \
    })

/* key k on the stack at r10-4; r2 = &key */
#define KEY_R2(k) I_ST_W(10, -4, k), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -4)

static struct pbpf_map *create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
                               uint32_t flags, int *rc)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = ks, .value_size = vs,
              .max_entries = max, .map_flags = flags);
    struct pbpf_map *m = NULL;
    *rc = pbpf_map_create(rt, &o, &m);
    return m;
}

/* --- DEVMAP, DEVMAP_HASH ---------------------------------------------------- */

static void test_devmap(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0);
    /* programs may only read the values they look up */
    CHECK(pbpf_map_flags(m) & PBPF_F_RDONLY_PROG);
    struct pbpf_devmap_val v = {.ifindex = 7, .bpf_prog_fd = -1}, out;
    uint32_t k = 1;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), -ENOENT);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_ANY), 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_NOEXIST), -EEXIST);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 3), -EINVAL);
    memset(&out, 0xff, sizeof out);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), 0);
    CHECK_EQ(out.ifindex, 7);
    CHECK_EQ(out.bpf_prog_id, 0);
    /* entry programs need fds, which pbpf has not */
    v.bpf_prog_fd = 3;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_ANY), -EINVAL);
    k = 4;
    v.bpf_prog_fd = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_ANY), -E2BIG);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -EINVAL);
    /* ifindex 0 empties the entry; deleting an empty one succeeds */
    k = 1;
    v.ifindex = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_EXIST), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), -ENOENT);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), 0);
    /* the key walk covers every index */
    uint32_t next = 99;
    CHECK_EQ(pbpf_map_get_next_key(m, NULL, &next), 0);
    CHECK_EQ(next, 0);
    k = 3;
    CHECK_EQ(pbpf_map_get_next_key(m, &k, &next), -ENOENT);
    CHECK_EQ(pbpf_map_lookup_and_delete_elem(m, &k, &out), -PBPF_ENOTSUPP);

    /* the hook's view */
    struct pbpf_redirect_target t;
    k = 2;
    v = (struct pbpf_devmap_val){.ifindex = 42};
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 2, &t), 0);
    CHECK_EQ(t.map_type, PBPF_MAP_TYPE_DEVMAP);
    CHECK_EQ(t.ifindex, 42);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 1, &t), -ENOENT);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 100, &t), -ENOENT);

    /* programs: lookup gives the value; writing it is refused in checked
     * mode; update and delete are refused */
    for (int mode = 0; mode < 2; mode++) {
        uint64_t r0 = 0;
        CHECK_EQ(RUN(mode ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED, &r0, KEY_R2(2), I_MAP(1, m),
                     I_CALL(H_LOOKUP), I_JNE_IMM(0, 0, 2), I_MOV64_IMM(0, -1), I_EXIT(),
                     I_LDX_W(0, 0, 0), I_EXIT()),
                 0);
        CHECK_EQ(r0, 42);
        r0 = 1;
        CHECK_EQ(RUN(mode ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED, &r0, KEY_R2(1), I_MAP(1, m),
                     I_CALL(H_LOOKUP), I_EXIT()),
                 0);
        CHECK_EQ(r0, 0);
    }
    uint64_t r0 = 0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(2), I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JNE_IMM(0, 0, 1), I_EXIT(), I_ST_W(0, 0, 5), I_EXIT()),
             -EFAULT);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(2), I_MAP(1, m), I_CALL(H_DELETE), I_EXIT()), 0);
    CHECK_EQ((int64_t)r0, -EPERM); /* BPF_F_RDONLY_PROG answers first */
    CHECK_EQ(RUN(PBPF_MODE_VERIFIED, &r0, KEY_R2(2), I_MAP(1, m), I_CALL(H_DELETE), I_EXIT()), 0);
    CHECK_EQ((int64_t)r0, -EINVAL);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 2, &t), 0);
    pbpf_map_free(m);

    /* DEVMAP_HASH */
    m = mt_map(rt, PBPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2, 0);
    uint32_t ifx = 9;
    k = 1000;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &ifx, PBPF_EXIST), 0); /* inserts, as Linux */
    CHECK_EQ(pbpf_map_update_elem(m, &k, &ifx, PBPF_NOEXIST), -EEXIST);
    uint32_t zero = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &zero, PBPF_ANY), -EINVAL);
    k = 5;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &ifx, PBPF_ANY), 0);
    k = 6;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &ifx, PBPF_ANY), -E2BIG);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), -ENOENT);
    k = 1000;
    uint32_t got = 0;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &got), 0);
    CHECK_EQ(got, 9);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 1000, &t), 0);
    CHECK_EQ(t.ifindex, 9);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 6, &t), -ENOENT);
    r0 = 0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(1000), I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JNE_IMM(0, 0, 1), I_EXIT(), I_LDX_W(0, 0, 0), I_EXIT()),
             0);
    CHECK_EQ(r0, 9);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), 0);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 1000, &t), -ENOENT);
    pbpf_map_free(m);

    int rc;
    CHECK(create(PBPF_MAP_TYPE_DEVMAP, 4, 12, 1, 0, &rc) == NULL && rc == -EINVAL);
    CHECK(create(PBPF_MAP_TYPE_DEVMAP, 4, 4, 1, PBPF_F_RDONLY_PROG, &rc) == NULL && rc == -EINVAL);
    CHECK(create(PBPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 1, PBPF_F_NO_PREALLOC, &rc) == NULL &&
          rc == -EINVAL);
}

/* --- CPUMAP, XSKMAP -------------------------------------------------------- */

static void test_cpumap_xskmap(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0);
    struct pbpf_cpumap_val v = {.qsize = 192}, out;
    uint32_t k = 1;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_NOEXIST), -EEXIST);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), 0);
    CHECK_EQ(out.qsize, 192);
    CHECK_EQ(out.bpf_prog_id, 0);
    /* slots 0 and 1 exist; 2 and 3 are in range but no possible CPU */
    k = 2;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), -ENODEV);
    k = 4;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), -E2BIG);
    k = 0;
    v.qsize = 16385;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), -EOVERFLOW);
    struct pbpf_redirect_target t;
    CHECK_EQ(pbpf_map_redirect_lookup(m, 1, &t), 0);
    CHECK_EQ(t.qsize, 192);
    CHECK_EQ(t.key, 1);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 0, &t), -ENOENT);
    /* qsize 0 deletes */
    k = 1;
    v.qsize = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), -ENOENT);
    /* programs cannot look CPUMAP up (only bpf_redirect_map may use it) */
    v.qsize = 8;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    uint64_t r0 = 1;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(1), I_MAP(1, m), I_CALL(H_LOOKUP), I_EXIT()), 0);
    CHECK_EQ(r0, 0);
    pbpf_map_free(m);
    int rc;
    CHECK(create(PBPF_MAP_TYPE_CPUMAP, 4, 4, 8193, 0, &rc) == NULL && rc == -E2BIG);

    m = mt_map(rt, PBPF_MAP_TYPE_XSKMAP, 4, 4, 2, 0);
    uint32_t sock = 77, got;
    k = 0;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &sock, PBPF_EXIST), -ENOENT);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &sock, PBPF_NOEXIST), 0);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &sock, PBPF_NOEXIST), -EEXIST);
    CHECK_EQ(pbpf_map_update_elem(m, &k, &sock, PBPF_EXIST), 0);
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &got), -EOPNOTSUPP);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 0, &t), 0);
    CHECK_EQ(t.xsk, 77);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 1, &t), -ENOENT);
    /* a program's lookup gives a pointer whose first word is the handle */
    r0 = 0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(0), I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JNE_IMM(0, 0, 1), I_EXIT(), I_LDX_W(0, 0, 0), I_EXIT()),
             0);
    CHECK_EQ(r0, 77);
    CHECK_EQ(pbpf_map_delete_elem(m, &k), 0);
    CHECK_EQ(pbpf_map_redirect_lookup(m, 0, &t), -ENOENT);
    struct pbpf_map *arr = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 4, 2, 0);
    CHECK_EQ(pbpf_map_redirect_lookup(arr, 0, &t), -EINVAL);
    pbpf_map_free(arr);
    pbpf_map_free(m);
}

/* --- pinning ---------------------------------------------------------------- */

static void test_pin(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 2, 0), *got = NULL;
    CHECK_EQ(pbpf_map_get_pinned("/sys/fs/bpf/counts", &got), -ENOENT);
    CHECK(got == NULL);
    CHECK_EQ(pbpf_map_pin(m, "/sys/fs/bpf/counts"), 0);
    CHECK_EQ(pbpf_map_pin(m, "/sys/fs/bpf/counts"), -EEXIST);
    CHECK_EQ(pbpf_map_pin(m, ""), -EINVAL);
    CHECK_EQ(pbpf_map_pin(m, "/sys/fs/bpf/other"), 0);
    uint32_t k = 1;
    uint64_t v = 1234;
    CHECK_EQ(pbpf_map_update_elem(m, &k, &v, 0), 0);
    /* the pin keeps the map when its creator lets go */
    pbpf_map_free(m);
    CHECK_EQ(pbpf_map_get_pinned("/sys/fs/bpf/counts", &got), 0);
    CHECK(got != NULL);
    v = 0;
    CHECK_EQ(pbpf_map_lookup_elem(got, &k, &v), 0);
    CHECK_EQ(v, 1234);
    CHECK_EQ(pbpf_map_unpin("/sys/fs/bpf/counts"), 0);
    CHECK_EQ(pbpf_map_unpin("/sys/fs/bpf/counts"), -ENOENT);
    CHECK_EQ(pbpf_map_get_pinned("/sys/fs/bpf/counts", &m), -ENOENT);
    /* still reachable through the other path, and by the reference held */
    struct pbpf_map *again = NULL;
    CHECK_EQ(pbpf_map_get_pinned("/sys/fs/bpf/other", &again), 0);
    CHECK(again == got);
    pbpf_map_free(again);
    CHECK_EQ(pbpf_map_unpin("/sys/fs/bpf/other"), 0);
    CHECK_EQ(pbpf_map_lookup_elem(got, &k, &v), 0);
    pbpf_map_free(got);
}

/* --- memory mapping ----------------------------------------------------------- */

static void test_mmap(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 12, 3, PBPF_F_MMAPABLE);
    void *p = NULL;
    size_t size = 0;
    CHECK_EQ(pbpf_map_mmap(m, &p, &size), 0);
    CHECK(p != NULL);
    CHECK_EQ(size, 3 * 16); /* values 8-byte aligned */
    uint8_t *mem = p;
    /* a program's write is seen through the mapping... */
    uint64_t r0;
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(2), I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JNE_IMM(0, 0, 1), I_EXIT(), I_ST_W(0, 8, 0x5151), I_MOV64_IMM(0, 0), I_EXIT()),
             0);
    uint32_t w;
    memcpy(&w, mem + 2 * 16 + 8, 4);
    CHECK_EQ(w, 0x5151);
    /* ...and a write through it by programs and lookups */
    w = 0xabcd;
    memcpy(mem + 16, &w, 4);
    CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, KEY_R2(1), I_MAP(1, m), I_CALL(H_LOOKUP),
                 I_JNE_IMM(0, 0, 1), I_EXIT(), I_LDX_W(0, 0, 0), I_EXIT()),
             0);
    CHECK_EQ(r0, 0xabcd);
    uint8_t val[12];
    uint32_t k = 1;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, val), 0);
    memcpy(&w, val, 4);
    CHECK_EQ(w, 0xabcd);
    pbpf_map_free(m);

    m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 12, 3, 0);
    CHECK_EQ(pbpf_map_mmap(m, &p, &size), -EINVAL);
    pbpf_map_free(m);
    m = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 12, 3, 0);
    CHECK_EQ(pbpf_map_mmap(m, &p, &size), -PBPF_ENOTSUPP);
    CHECK(p == NULL);
    pbpf_map_free(m);
}

/* --- bpf_spin_lock ------------------------------------------------------------ */

struct locked_val {
    uint64_t a;
    uint32_t lock; /* struct bpf_spin_lock */
    uint32_t b;
};

static struct pbpf_map *lock_map(uint32_t type, int32_t off, int has, int *rc)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = type, .key_size = 4,
              .value_size = sizeof(struct locked_val), .max_entries = 4, .spin_lock_off = off,
              .has_spin_lock = has);
    struct pbpf_map *m = NULL;
    *rc = pbpf_map_create(rt, &o, &m);
    return m;
}

static struct pbpf_prog *lock_prog;

static void *lock_worker(void *arg)
{
    uint64_t r0;
    for (int i = 0; i < 5000; i++)
        if (pbpf_prog_run(lock_prog, NULL, 0, &r0, NULL) || r0 != 0)
            return arg;
    return NULL;
}

static void test_spin_lock(void)
{
    int rc;
    /* creation checks */
    CHECK(lock_map(PBPF_MAP_TYPE_PERCPU_ARRAY, 8, 0, &rc) == NULL && rc == -EOPNOTSUPP);
    CHECK(lock_map(PBPF_MAP_TYPE_ARRAY, 6, 0, &rc) == NULL && rc == -EINVAL);
    CHECK(lock_map(PBPF_MAP_TYPE_ARRAY, 16, 0, &rc) == NULL && rc == -EINVAL);
    CHECK(lock_map(PBPF_MAP_TYPE_ARRAY, -1, 1, &rc) == NULL && rc == -EINVAL);
    /* zero-initialised options mean no lock */
    struct pbpf_map *plain = lock_map(PBPF_MAP_TYPE_ARRAY, 0, 0, &rc);
    CHECK_EQ(rc, 0);
    struct locked_val v = {1, 0x55, 2}, out;
    uint32_t k = 0;
    CHECK_EQ(pbpf_map_update_elem(plain, &k, &v, PBPF_F_LOCK), -EINVAL);
    CHECK_EQ(pbpf_map_lookup_elem_flags(plain, &k, &out, PBPF_F_LOCK), -EINVAL);
    CHECK_EQ(pbpf_map_update_elem(plain, &k, &v, 0), 0);
    CHECK_EQ(pbpf_map_lookup_elem(plain, &k, &out), 0);
    CHECK_EQ(out.lock, 0x55);
    pbpf_map_free(plain);

    for (int ti = 0; ti < 2; ti++) {
        uint32_t type = ti ? PBPF_MAP_TYPE_HASH : PBPF_MAP_TYPE_ARRAY;
        struct pbpf_map *m = lock_map(type, 8, 0, &rc);
        CHECK_EQ(rc, 0);
        if (!m)
            continue;
        k = 1;
        v = (struct locked_val){10, 0x77, 20};
        if (ti) {
            CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK | PBPF_EXIST), -ENOENT);
            CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK | PBPF_NOEXIST), 0);
        } else {
            CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK | PBPF_NOEXIST), -EEXIST);
            CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK), 0);
        }
        CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK | 3), -EINVAL);
        /* the lock word is never copied in or out */
        memset(&out, 0xee, sizeof out);
        CHECK_EQ(pbpf_map_lookup_elem_flags(m, &k, &out, PBPF_F_LOCK), 0);
        CHECK_EQ(out.a, 10);
        CHECK_EQ(out.b, 20);
        CHECK_EQ(out.lock, 0);
        uint8_t *inplace = pbpf_map_lookup_prog(m, &k, 0);
        uint32_t word;
        memcpy(&word, inplace + 8, 4);
        CHECK_EQ(word, 0);
        CHECK_EQ(pbpf_map_lookup_elem(m, &k, &out), 0);
        CHECK_EQ(out.lock, 0);

        /* two threads increment b under the lock from a program */
        const struct pbpf_insn prog[] = {
            KEY_R2(1), I_MAP(1, m), I_CALL(H_LOOKUP), I_JNE_IMM(0, 0, 2), I_MOV64_IMM(0, 1),
            I_EXIT(), I_MOV64_REG(6, 0), I_MOV64_REG(1, 6), I_ADD64_IMM(1, 8),
            I_CALL(H_SPIN_LOCK), I_LDX_W(1, 6, 12), I_ADD64_IMM(1, 1), I_STX_W(6, 1, 12),
            I_LDX_DW(1, 6, 0), I_ADD64_IMM(1, 3), I_STX_DW(6, 1, 0), I_MOV64_REG(1, 6),
            I_ADD64_IMM(1, 8), I_CALL(H_SPIN_UNLOCK), I_MOV64_IMM(0, 0), I_EXIT(),
        };
        for (int mode = 0; mode < 2; mode++) {
            /* the engine is under test, not the verifier: verified mode runs
             * the bytecode as the test built it (preverified) */
            PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1,
                      .mode = mode ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED);
            CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &lock_prog), 0);
            v = (struct locked_val){0, 0, 0};
            CHECK_EQ(pbpf_map_update_elem(m, &k, &v, PBPF_F_LOCK), 0);
            struct pbpf_thread *th[2];
            int started = 0;
            for (int i = 0; i < 2; i++)
                started += pbpf_thread_start(&th[i], lock_worker, &th[i]) == 0;
            CHECK_EQ(started, 2);
            for (int i = 0; i < started; i++)
                CHECK(pbpf_thread_join(th[i]) == NULL);
            CHECK_EQ(pbpf_map_lookup_elem_flags(m, &k, &out, PBPF_F_LOCK), 0);
            CHECK_EQ(out.b, 10000);
            CHECK_EQ(out.a, 30000);
            pbpf_prog_free(lock_prog);
        }
        /* checked mode refuses a lock that is not writable, aligned memory */
        uint64_t r0;
        CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_LDDW(1, 0x1000), I_CALL(H_SPIN_LOCK), I_EXIT()),
                 -EFAULT);
        CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_MOV64_REG(1, 10), I_ADD64_IMM(1, -6),
                     I_CALL(H_SPIN_LOCK), I_EXIT()),
                 -EFAULT);
        /* nor does it wait forever for a lock nobody will release: here a
         * stack word the program set to 1 itself (found by fuzz_interp,
         * which hung on such a program) */
        CHECK_EQ(RUN(PBPF_MODE_CHECKED, &r0, I_ST_W(10, -8, 1), I_MOV64_REG(1, 10),
                     I_ADD64_IMM(1, -8), I_CALL(H_SPIN_LOCK), I_MOV64_IMM(0, 0), I_EXIT()),
                 -EFAULT);
        pbpf_map_free(m);
    }
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    test_devmap();
    test_cpumap_xskmap();
    test_pin();
    test_mmap();
    test_spin_lock();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_features");
}
