/* Freezing BPF_F_MMAPABLE arrays and their user mappings: the order of
 * operations a loader can try (writable mapping, freeze, unmap, update)
 * gives the same result in pbpf as in the kernel, where bpf() works, and
 * a frozen BPF_F_RDONLY_PROG array's memory is read-only: a write through
 * any pointer to it faults, so the values the verifier reads as constants
 * cannot change under a program. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbpf.h"
#include "maps/map.h"
#include "maps_test.h"
#include "platform/platform.h"

static struct pbpf_runtime *rt;

/* Linux's numbers, for the kernel side (include/uapi/linux/bpf.h). */
enum { K_MAP_ARRAY = 2, K_F_RDONLY = 1u << 3, K_F_WRONLY = 1u << 4, K_F_MMAPABLE = 1u << 10, K_F_RDONLY_PROG = 1u << 7 };

/* One map in both worlds: pbpf's and, when kfd >= 0, the kernel's. */
struct twin {
    struct pbpf_map *m;
    int kfd;
    void *kmaps[4]; /* the kernel mappings made, unmapped at the end */
    size_t kmap_cnt;
};

static int have_kernel;

static struct twin twin_new(uint32_t flags)
{
    struct twin t = {.kfd = -1};
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 8, .max_entries = 2, .map_flags = flags);
    CHECK_EQ(pbpf_map_create(rt, &o, &t.m), 0);
    if (have_kernel) {
        uint32_t kf = 0;
        kf |= flags & PBPF_F_MMAPABLE ? K_F_MMAPABLE : 0;
        kf |= flags & PBPF_F_RDONLY_PROG ? K_F_RDONLY_PROG : 0;
        kf |= flags & PBPF_F_RDONLY ? K_F_RDONLY : 0;
        kf |= flags & PBPF_F_WRONLY ? K_F_WRONLY : 0;
        t.kfd = kbpf_map_create(K_MAP_ARRAY, 4, 8, 2, kf);
        CHECK(t.kfd >= 0);
    }
    return t;
}

static void twin_free(struct twin *t)
{
    pbpf_map_free(t->m);
    for (size_t i = 0; i < t->kmap_cnt; i++)
        munmap(t->kmaps[i], 4096);
    if (t->kfd >= 0)
        close(t->kfd);
}

/* Each step runs in pbpf and in the kernel; the kernel's result must be
 * the one pbpf gives, and pbpf's the one the test expects from Linux's
 * map_freeze and bpf_map_mmap. */
static void agree(int line, const char *what, int pbpf_rc, int kernel_rc, int want)
{
    mt_checks++;
    if (pbpf_rc != want) {
        mt_failures++;
        fprintf(stderr, "%s:%d: %s: pbpf %d, expected %d\n", __FILE__, line, what, pbpf_rc, want);
    }
    if (have_kernel && kernel_rc != pbpf_rc) {
        mt_failures++;
        fprintf(stderr, "%s:%d: %s: pbpf %d, kernel %d\n", __FILE__, line, what, pbpf_rc,
                kernel_rc);
    }
}

static int k_mmap(struct twin *t, int writable, void **out)
{
    *out = NULL;
    if (t->kfd < 0)
        return 0;
    void *p = mmap(NULL, 4096, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, t->kfd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *out = p;
    if (t->kmap_cnt < MT_LEN(t->kmaps))
        t->kmaps[t->kmap_cnt++] = p;
    return 0;
}

static int k_munmap(struct twin *t, void *p)
{
    if (!p)
        return 0;
    for (size_t i = 0; i < t->kmap_cnt; i++)
        if (t->kmaps[i] == p)
            t->kmaps[i] = t->kmaps[--t->kmap_cnt];
    return munmap(p, 4096) ? -errno : 0;
}

#define MMAP(t, prot, ptr, want)                                                                   \
    do {                                                                                           \
        size_t sz_;                                                                                \
        void *kp_;                                                                                 \
        int prc_ = pbpf_map_mmap_prot((t)->m, prot, (ptr), &sz_);                                  \
        int krc_ = k_mmap((t), (prot) & PBPF_MAP_PROT_WRITE, &kp_);                                \
        agree(__LINE__, "mmap " #prot, prc_, krc_, want);                                         \
    } while (0)

#define FREEZE(t, want) agree(__LINE__, "freeze", pbpf_map_freeze((t)->m), kfreeze(t), want)

static int kfreeze(struct twin *t) { return t->kfd >= 0 ? kbpf_map_freeze(t->kfd) : 0; }

static void update(struct twin *t, uint64_t v, int want, int line)
{
    uint32_t k = 1;
    int krc = t->kfd >= 0 ? kbpf_map_update(t->kfd, &k, &v, 0) : 0;
    agree(line, "update", pbpf_map_update_elem(t->m, &k, &v, 0), krc, want);
}

/* Writes v at p in a child process: 1 if the write faulted, 0 if it was
 * done, -1 when the child could not run.  The child's own handler exits
 * (so a sanitizer's report on the fault does not count as the answer). */
static void on_fault(int sig)
{
    (void)sig;
    _exit(3);
}

static int write_faults(void *p, uint64_t v)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        *(volatile uint64_t *)p = v;
        _exit(0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) == 3 ? 1 : WEXITSTATUS(st) == 0 ? 0 : -1;
}

static uint64_t value_at(void *p, uint32_t i)
{
    uint64_t v;
    memcpy(&v, (uint8_t *)p + i * 8, 8);
    return v;
}

/* A map programs may write: a writable mapping keeps it from being frozen;
 * once frozen, user space may neither map it writable nor update it, and
 * programs still write it (freezing is about user space only). */
static void test_writable_map(void)
{
    struct twin t = twin_new(PBPF_F_MMAPABLE);
    void *rw, *ro;
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &rw, 0);
    FREEZE(&t, -EBUSY);
    update(&t, 5, 0, __LINE__);
    /* the writable view shows the update, and writes through it are seen */
    CHECK_EQ(value_at(rw, 1), 5);
    uint64_t v = 6;
    memcpy((uint8_t *)rw + 8, &v, 8);
    uint32_t k = 1;
    CHECK_EQ(pbpf_map_lookup_elem(t.m, &k, &v), 0);
    CHECK_EQ(v, 6);
    /* unmapping the writable view (kernel: the last one) allows freezing */
    CHECK_EQ(pbpf_map_munmap(t.m, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE), 0);
    CHECK_EQ(pbpf_map_munmap(t.m, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE), -EINVAL);
    for (size_t i = t.kmap_cnt; i-- > 0;)
        CHECK_EQ(k_munmap(&t, t.kmaps[i]), 0);
    MMAP(&t, PBPF_MAP_PROT_READ, &ro, 0);
    FREEZE(&t, 0);
    FREEZE(&t, -EPERM);
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &rw, -EPERM);
    MMAP(&t, PBPF_MAP_PROT_READ, &ro, 0);
    update(&t, 7, -EPERM, __LINE__);
    CHECK(!pbpf_map_is_rdonly(t.m));
    /* a program's write lands (the memory was not made read-only) */
    uint64_t r0 = 1;
    const struct pbpf_insn prog[] = {
        I_ST_W(10, -4, 0), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -4), I_MAP(1, t.m), I_CALL(1),
        I_JNE_IMM(0, 0, 2), I_MOV64_IMM(0, 1), I_EXIT(), I_ST_DW(0, 0, 0x77),
        I_MOV64_IMM(0, 0), I_EXIT(),
    };
    PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED);
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &p), 0);
    if (p) {
        CHECK_EQ(pbpf_prog_run(p, NULL, 0, &r0, NULL), 0);
        CHECK_EQ(r0, 0);
        pbpf_prog_free(p);
    }
    CHECK_EQ(value_at(ro, 0), 0x77);
    twin_free(&t);
}

/* .rodata's map: never mapped writable; once frozen its memory is
 * read-only, through mappings made before and after the freeze. */
static void test_rdonly_prog_map(void)
{
    struct twin t = twin_new(PBPF_F_MMAPABLE | PBPF_F_RDONLY_PROG);
    void *rw, *before, *after;
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &rw, -EACCES);
    MMAP(&t, PBPF_MAP_PROT_READ, &before, 0);
    update(&t, 42, 0, __LINE__);
    CHECK_EQ(value_at(before, 1), 42);
    /* before the freeze, pbpf's memory is still writable (bpf(2) updates
     * write it) */
    CHECK_EQ(write_faults((uint8_t *)before + 8, 43), 0);
    CHECK(!pbpf_map_is_rdonly(t.m));
    FREEZE(&t, 0);
    CHECK(pbpf_map_is_rdonly(t.m));
    update(&t, 44, -EPERM, __LINE__);
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &rw, -EPERM);
    MMAP(&t, PBPF_MAP_PROT_READ, &after, 0);
    CHECK(before == after);
    CHECK_EQ(value_at(after, 1), 42);
    CHECK_EQ(write_faults((uint8_t *)before + 8, 45), 1);
    CHECK_EQ(write_faults(after, 46), 1);
    CHECK_EQ(value_at(after, 1), 42);
    CHECK_EQ(value_at(after, 0), 0);
    /* the kernel's read-only mapping faults the same way */
    if (t.kfd >= 0 && t.kmap_cnt)
        CHECK_EQ(write_faults(t.kmaps[0], 47), 1);
    /* a program may read the value and gets what the verifier assumed */
    uint32_t k = 1;
    uint64_t v = 0;
    CHECK_EQ(pbpf_map_lookup_elem(t.m, &k, &v), 0);
    CHECK_EQ(v, 42);
    twin_free(&t);
}

/* Maps whose fd user space may only read (BPF_F_RDONLY) or only write
 * (BPF_F_WRONLY): the fd's mode decides what can be mapped, and a
 * read-only fd cannot freeze. */
static void test_rdonly_wronly_maps(void)
{
    struct twin t = twin_new(PBPF_F_MMAPABLE | PBPF_F_RDONLY);
    void *p;
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &p, -EACCES);
    MMAP(&t, PBPF_MAP_PROT_READ, &p, -EINVAL);
    FREEZE(&t, -EPERM);
    twin_free(&t);
    t = twin_new(PBPF_F_MMAPABLE | PBPF_F_WRONLY);
    MMAP(&t, PBPF_MAP_PROT_READ | PBPF_MAP_PROT_WRITE, &p, -EACCES);
    MMAP(&t, PBPF_MAP_PROT_READ, &p, -EACCES);
    FREEZE(&t, 0);
    twin_free(&t);
}

/* Values with a spin lock can be neither mapped nor frozen (Linux: the map
 * has a btf_record; needs BTF in the kernel, so pbpf only). */
static void test_fields(void)
{
    PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
              .value_size = 16, .max_entries = 1, .map_flags = PBPF_F_MMAPABLE,
              .spin_lock_off = 8, .has_spin_lock = 1);
    struct pbpf_map *m = NULL;
    CHECK_EQ(pbpf_map_create(rt, &o, &m), 0);
    if (!m)
        return;
    void *p;
    size_t sz;
    CHECK_EQ(pbpf_map_mmap_prot(m, PBPF_MAP_PROT_READ, &p, &sz), -PBPF_ENOTSUPP);
    CHECK_EQ(pbpf_map_freeze(m), -PBPF_ENOTSUPP);
    pbpf_map_free(m);
}

/* Updates racing with a freeze: each update either lands before the
 * freeze (which then waits for it, or gives -EBUSY and is retried) or is
 * refused with -EPERM; none writes the pages after they became read-only
 * (that would crash the test), and the value after the freeze is the
 * last update that succeeded. */
struct racer {
    struct pbpf_map *m;
    uint64_t last_ok;
    int bad;
};

static void *race_updates(void *arg)
{
    struct racer *r = arg;
    uint32_t k = 0;
    /* bounded: a writer that never pauses keeps a freeze failing with
     * EBUSY (as on Linux), so the test's freeze may only succeed after */
    for (uint64_t v = 1; v <= 20000; v++) {
        int rc = pbpf_map_update_elem(r->m, &k, &v, 0);
        if (rc == -EPERM)
            break;
        if (rc) {
            r->bad = rc;
            break;
        }
        __atomic_store_n(&r->last_ok, v, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void test_freeze_races_updates(void)
{
    int raced = 0; /* rounds where updates landed before the freeze */
    for (int round = 0; round < 20; round++) {
        PBPF_OPTS(pbpf_map_create_opts, o, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
                  .value_size = 8, .max_entries = 1,
                  .map_flags = PBPF_F_MMAPABLE | PBPF_F_RDONLY_PROG);
        struct racer r = {0};
        CHECK_EQ(pbpf_map_create(rt, &o, &r.m), 0);
        if (!r.m)
            return;
        struct pbpf_thread *th;
        CHECK_EQ(pbpf_thread_start(&th, race_updates, &r), 0);
        /* freeze once updates are going (at most 2 s of waiting) */
        for (int w = 0; w < 20000 && !__atomic_load_n(&r.last_ok, __ATOMIC_ACQUIRE); w++)
            pbpf_sleep_ns(100000);
        int rc, tries = 0;
        while ((rc = pbpf_map_freeze(r.m)) == -EBUSY && tries < 10000)
            tries++;
        pbpf_thread_join(th);
        if (rc == -EBUSY) /* the writer outran every try: it has stopped now */
            rc = pbpf_map_freeze(r.m);
        CHECK_EQ(rc, 0);
        CHECK_EQ(r.bad, 0);
        uint32_t k = 0;
        uint64_t v = 0;
        CHECK_EQ(pbpf_map_lookup_elem(r.m, &k, &v), 0);
        CHECK_EQ(v, r.last_ok);
        raced += r.last_ok > 0;
        pbpf_map_free(r.m);
    }
    CHECK(raced > 0);
}

int main(void)
{
    char why[200] = "";
    have_kernel = kbpf_probe(why, sizeof why);
    if (!have_kernel)
        printf("note: no kernel comparison: %s\n", why);
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    CHECK_EQ(pbpf_runtime_new(&ro, &rt), 0);
    if (!rt)
        return mt_report("map_freeze");
    test_writable_map();
    test_rdonly_prog_map();
    test_rdonly_wronly_maps();
    test_fields();
    test_freeze_races_updates();
    pbpf_runtime_free(rt);
    return mt_report("map_freeze");
}
