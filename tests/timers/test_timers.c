/* bpf_timer: the programs of tests/progs/timers.bpf.c arm timers, the test
 * overwrites and deletes some of their values, waits, and reads what the
 * callbacks and the helpers left in the maps.  On pbpf's checked and
 * verified interpreter and its JIT (timer service thread), and in the
 * kernel through libbpf and BPF_PROG_TEST_RUN: every observation must
 * agree, and the reference run must match the C source's semantics.
 *
 *   test_timers engines DIR   pbpf's engines against the source
 *   test_timers kernel DIR    the kernel against the source and pbpf (77 without bpf())
 *   test_timers unit DIR      timers fired by the embedder, teardown with
 *                             timers armed (the sanitizer build checks it) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"
#include "pbpf/verifier.h"
#include "platform/platform.h"

#ifdef PBPF_TIMERS_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>
#endif

#include "../object/test_util.h"

/* struct elem of timers.bpf.c */
struct elem {
    uint64_t fired;
    uint64_t timer[2];
    uint64_t key_seen;
    uint64_t note;
};

static const char *dir;

/* A timer in the value of a map created without BTF: the lookup of key 0,
 * then bpf_timer_init(value + 0, map, CLOCK_MONOTONIC).  `map` is the
 * lddw immediate (pbpf: the map table index; the kernel: the fd). */
#define INSN(c, d, s, o, i) {(c), (uint8_t)((d) | (s) << 4), (o), (i)}
#define NO_BTF_PROG(map)                                                                           \
    {                                                                                              \
        INSN(0xb7, 1, 0, 0, 0), INSN(0x63, 10, 1, -4, 0), INSN(0xbf, 2, 10, 0, 0),                 \
            INSN(0x07, 2, 0, 0, -4), INSN(0x18, 1, 1, 0, map), INSN(0, 0, 0, 0, 0),                \
            INSN(0x85, 0, 0, 0, 1), INSN(0x15, 0, 0, 6, 0), INSN(0xbf, 1, 0, 0, 0),                \
            INSN(0x18, 2, 1, 0, map), INSN(0, 0, 0, 0, 0), INSN(0xb7, 3, 0, 0, 1),                 \
            INSN(0x85, 0, 0, 0, 169), INSN(0xb7, 0, 0, 0, 0), INSN(0x95, 0, 0, 0, 0)               \
    }
#define NO_BTF_REASON "has to have BTF in order to use bpf_timer"

struct backend {
    const char *name;
    int (*open)(struct backend *b, const char *path, char *err, size_t err_size);
    int (*run)(struct backend *b, const char *prog, char *err, size_t err_size);
    /* value NULL: delete */
    int (*update)(struct backend *b, const char *map, uint32_t key, const void *value);
    int (*lookup)(struct backend *b, const char *map, uint32_t key, void *value);
    void (*close)(struct backend *b);
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    struct pbpf_runtime *rt;
    struct pbpf_object *obj;
#ifdef PBPF_TIMERS_LIBBPF
    struct bpf_object *kobj;
#endif
};

/* --- pbpf --------------------------------------------------------------- */

static int p_open(struct backend *b, const char *path, char *err, size_t err_size)
{
    size_t len = 0;
    void *buf = read_file(path, &len);
    if (!buf) {
        snprintf(err, err_size, "cannot read %s", path);
        return -ENOENT;
    }
    int rc = pbpf_runtime_new(NULL, &b->rt);
    if (!rc)
        rc = pbpf_object_open_mem(buf, len, NULL, &b->obj);
    free(buf);
    if (rc) {
        snprintf(err, err_size, "open %s: %d", path, rc);
        return rc;
    }
    PBPF_OPTS(pbpf_object_load_opts, lo, .engine = b->engine, .mode = b->mode, .log_buf = err,
              .log_size = err_size);
    return pbpf_object_load(b->obj, b->rt, &lo);
}

static struct pbpf_map *p_map(struct backend *b, const char *name)
{
    int i = pbpf_object_find_map(b->obj, name);
    return i < 0 ? NULL : pbpf_object_map_handle(b->obj, (size_t)i);
}

static int p_run(struct backend *b, const char *prog, char *err, size_t err_size)
{
    int i = pbpf_object_find_prog(b->obj, prog);
    if (i < 0)
        return -ENOENT;
    uint8_t mem[64] = {0};
    uint64_t r0 = 0;
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = err_size);
    int rc = pbpf_prog_run(pbpf_object_prog_handle(b->obj, (size_t)i), mem, sizeof mem, &r0, &ro);
    if (!rc && r0) {
        snprintf(err, err_size, "%s returned %llu", prog, (unsigned long long)r0);
        rc = -EINVAL;
    }
    return rc;
}

static int p_update(struct backend *b, const char *map, uint32_t key, const void *value)
{
    if (!value)
        return pbpf_map_delete_elem(p_map(b, map), &key);
    return pbpf_map_update_elem(p_map(b, map), &key, value, 0);
}

static int p_lookup(struct backend *b, const char *map, uint32_t key, void *value)
{
    return pbpf_map_lookup_elem(p_map(b, map), &key, value);
}

static void p_close(struct backend *b)
{
    pbpf_object_close(b->obj);
    pbpf_runtime_free(b->rt);
    b->obj = NULL;
    b->rt = NULL;
}

static void backend_pbpf(struct backend *b, enum pbpf_engine e, enum pbpf_mode m,
                         const char *name)
{
    memset(b, 0, sizeof *b);
    b->name = name;
    b->open = p_open;
    b->run = p_run;
    b->update = p_update;
    b->lookup = p_lookup;
    b->close = p_close;
    b->engine = e;
    b->mode = m;
}

/* --- the kernel --------------------------------------------------------- */

#ifdef PBPF_TIMERS_LIBBPF
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

static int k_open(struct backend *b, const char *path, char *err, size_t err_size)
{
    b->kobj = bpf_object__open_file(path, NULL);
    if (!b->kobj) {
        snprintf(err, err_size, "libbpf cannot open %s", path);
        return -errno;
    }
    int rc = bpf_object__load(b->kobj);
    if (rc)
        snprintf(err, err_size, "libbpf load: %s", strerror(-rc));
    return rc;
}

static int k_map_fd(struct backend *b, const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(b->kobj, name);
    return m ? bpf_map__fd(m) : -1;
}

static int k_run(struct backend *b, const char *prog, char *err, size_t err_size)
{
    struct bpf_program *p = bpf_object__find_program_by_name(b->kobj, prog);
    uint8_t mem[64] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = mem, .data_size_in = sizeof mem, .repeat = 1);
    if (!p || bpf_prog_test_run_opts(bpf_program__fd(p), &o)) {
        snprintf(err, err_size, "BPF_PROG_TEST_RUN %s: %s", prog, strerror(errno));
        return -errno;
    }
    if (o.retval) {
        snprintf(err, err_size, "%s returned %u", prog, o.retval);
        return -EINVAL;
    }
    return 0;
}

static int k_update(struct backend *b, const char *map, uint32_t key, const void *value)
{
    int fd = k_map_fd(b, map);
    int rc = value ? bpf_map_update_elem(fd, &key, value, 0) : bpf_map_delete_elem(fd, &key);
    return rc ? -errno : 0;
}

static int k_lookup(struct backend *b, const char *map, uint32_t key, void *value)
{
    return bpf_map_lookup_elem(k_map_fd(b, map), &key, value) ? -errno : 0;
}

static void k_close(struct backend *b)
{
    bpf_object__close(b->kobj);
    b->kobj = NULL;
}
#endif

/* --- the script ----------------------------------------------------------- */

#define MAX_OBS 96
struct transcript {
    int64_t v[MAX_OBS];
    size_t n;
    char err[256];
};

static void obs(struct transcript *t, int64_t v)
{
    if (t->n < MAX_OBS)
        t->v[t->n++] = v;
}

/* indexes of the observations */
enum { O_RES = 0, O_FIRES = 32, O_ARR = 33 /* 8 × fired, key_seen, note */, O_HASH = 57, O_LRU = 63 };

static int play(struct backend *b, struct transcript *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/timers.bpf.o", dir);
    memset(t, 0, sizeof *t);
    int rc = b->open(b, path, t->err, sizeof t->err);
    if (rc) {
        if (b->close == p_close)
            p_close(b);
        return rc;
    }
    rc = b->run(b, "arm", t->err, sizeof t->err);
    if (!rc)
        rc = b->run(b, "arm_more", t->err, sizeof t->err);
    if (!rc)
        rc = b->run(b, "arm_doomed", t->err, sizeof t->err);
    /* before their 300 ms: an array update frees tarr[6]'s timer, a
     * delete thash[6]'s */
    struct elem zero;
    memset(&zero, 0, sizeof zero);
    if (!rc)
        rc = b->update(b, "tarr", 6, &zero);
    if (!rc)
        rc = b->update(b, "thash", 6, NULL);
    if (!rc)
        rc = b->run(b, "probe", t->err, sizeof t->err);
    if (rc) {
        if (!t->err[0])
            snprintf(t->err, sizeof t->err, "script: %d", rc);
        b->close(b);
        return rc;
    }
    /* every timer is due within 10 ms; the doomed ones would be at 300.
     * A loaded machine can run callbacks late: after the 500 ms, wait (up
     * to 5 s more) until the 8 callback runs the source implies are seen,
     * so that lateness is not mistaken for a missing run. */
    pbpf_sleep_ns(500ull * 1000 * 1000);
    for (int i = 0; i < 100; i++) {
        uint64_t fired = 0;
        b->lookup(b, "fires", 0, &fired);
        if (fired >= 8)
            break;
        pbpf_sleep_ns(50ull * 1000 * 1000);
    }
    for (uint32_t k = 0; k < 32; k++) {
        uint64_t v = 0;
        b->lookup(b, "res", k, &v);
        obs(t, (int64_t)v);
    }
    uint64_t f = 0;
    b->lookup(b, "fires", 0, &f);
    obs(t, (int64_t)f);
    for (uint32_t k = 0; k < 8; k++) {
        struct elem e;
        memset(&e, 0xff, sizeof e);
        b->lookup(b, "tarr", k, &e);
        obs(t, (int64_t)e.fired);
        obs(t, (int64_t)e.key_seen);
        obs(t, (int64_t)e.note);
        CHECK(e.timer[0] == 0 && e.timer[1] == 0, "%s: tarr[%u]'s timer reads as %llx %llx",
              b->name, k, (unsigned long long)e.timer[0], (unsigned long long)e.timer[1]);
    }
    for (uint32_t k = 5; k <= 6; k++) {
        struct elem e;
        memset(&e, 0, sizeof e);
        int lr = b->lookup(b, "thash", k, &e);
        obs(t, lr);
        obs(t, (int64_t)e.fired);
        obs(t, (int64_t)e.key_seen);
    }
    struct elem e;
    obs(t, b->lookup(b, "tlru", 3, &e));
    b->close(b);
    return 0;
}

/* What the C source says, checked on every run. */
static void check_semantics(const char *who, const struct transcript *t)
{
    const int64_t *res = &t->v[O_RES];
    const int64_t want_res[23] = {0,       -EBUSY,  0, 0, -EINVAL, 0, -EINVAL, 0,
                                  -EINVAL, 0,       -EINVAL, 0, 1, 0, 0,       0,
                                  0,       0,       0,       0, 0, -EINVAL, -EINVAL};
    for (int i = 0; i < 23; i++)
        CHECK(res[i] == want_res[i], "%s: res[%d] = %lld, want %lld", who, i, (long long)res[i],
              (long long)want_res[i]);
#define ARR(k, field) t->v[O_ARR + 3 * (k) + (field)]
    CHECK(ARR(0, 0) == 1 && ARR(0, 1) == 100, "%s: tarr[0] fired %lld key %lld", who,
          (long long)ARR(0, 0), (long long)ARR(0, 1));
    CHECK(ARR(1, 0) == 0, "%s: the cancelled timer fired %lld times", who, (long long)ARR(1, 0));
    CHECK(ARR(2, 0) == 3 && ARR(2, 2) == 0, "%s: periodic: %lld runs, last start %lld", who,
          (long long)ARR(2, 0), (long long)ARR(2, 2));
    CHECK(ARR(3, 0) == 1 && ARR(3, 2) == -EDEADLK, "%s: self-cancel: %lld runs, cancel %lld",
          who, (long long)ARR(3, 0), (long long)ARR(3, 2));
    CHECK(ARR(4, 0) == 1 && ARR(4, 1) == 104, "%s: absolute: %lld runs", who,
          (long long)ARR(4, 0));
    CHECK(ARR(6, 0) == 0, "%s: overwritten value's timer fired", who);
#undef ARR
    const int64_t *h = &t->v[O_HASH];
    CHECK(h[0] == 0 && h[1] == 1 && h[2] == 105, "%s: thash[5]: %lld fired %lld key %lld", who,
          (long long)h[0], (long long)h[1], (long long)h[2]);
    CHECK(h[3] == -ENOENT, "%s: thash[6] lookup %lld", who, (long long)h[3]);
    CHECK(t->v[O_LRU] == -ENOENT, "%s: the LRU element that deleted itself: %lld", who,
          (long long)t->v[O_LRU]);
    /* tarr[0], thash[5], 3 × periodic, self-cancel, absolute, LRU */
    CHECK(t->v[O_FIRES] == 8, "%s: %lld callback runs", who, (long long)t->v[O_FIRES]);
}

static void compare(const struct transcript *a, const char *an, const struct transcript *b,
                    const char *bn)
{
    CHECK(a->n == b->n, "%zu observations on %s, %zu on %s", a->n, an, b->n, bn);
    for (size_t i = 0; i < a->n && i < b->n; i++)
        CHECK(a->v[i] == b->v[i], "observation %zu: %s %lld, %s %lld", i, an, (long long)a->v[i],
              bn, (long long)b->v[i]);
}

static int have_jit(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 0;
    struct pbpf_insn insns[2] = {{.code = 0xb7}, {.code = 0x95}};
    struct pbpf_prog *p = NULL;
    PBPF_OPTS(pbpf_prog_opts, po, .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED);
    int rc = pbpf_prog_load(rt, insns, 2, &po, &p);
    pbpf_prog_free(p);
    pbpf_runtime_free(rt);
    return rc == 0;
}

static int test_engines(void)
{
    struct backend eng[3];
    size_t n = 0;
    backend_pbpf(&eng[n++], PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "interp-checked");
    backend_pbpf(&eng[n++], PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "interp-verified");
    if (have_jit())
        backend_pbpf(&eng[n++], PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "jit");
    struct transcript ref, t;
    for (size_t e = 0; e < n; e++) {
        struct transcript *tr = e ? &t : &ref;
        int rc = play(&eng[e], tr);
        CHECK(rc == 0, "%s: %d %s", eng[e].name, rc, tr->err);
        if (rc)
            continue;
        check_semantics(eng[e].name, tr);
        if (e)
            compare(&ref, eng[0].name, &t, eng[e].name);
        printf("%-16s %zu observations\n", eng[e].name, tr->n);
    }
    return test_failures ? 1 : 0;
}

static int test_kernel(void)
{
#ifndef PBPF_TIMERS_LIBBPF
    printf("SKIP: built without libbpf\n");
    return 77;
#else
    libbpf_set_print(libbpf_quiet);
    struct backend k, p;
    memset(&k, 0, sizeof k);
    k.name = "kernel";
    k.open = k_open;
    k.run = k_run;
    k.update = k_update;
    k.lookup = k_lookup;
    k.close = k_close;
    struct transcript kt, pt;
    int rc = play(&k, &kt);
    if (rc == -EPERM || rc == -ENOSYS || rc == -EACCES) {
        printf("SKIP: the kernel refuses bpf(): %s\n", kt.err);
        return 77;
    }
    CHECK(rc == 0, "kernel: %d %s", rc, kt.err);
    if (rc)
        return 1;
    check_semantics("kernel", &kt);
    /* the map without BTF: the kernel's verifier gives the reason pbpf's
     * gives (test_unit) */
    int mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nobtf", 4, 16, 1, NULL);
    CHECK(mfd >= 0, "kernel map: %s", strerror(errno));
    if (mfd >= 0) {
        /* the same 8-byte layout as Linux's struct bpf_insn (registers in
         * one byte, dst in the low nibble) */
        const struct pbpf_insn insns[] = NO_BTF_PROG(mfd);
        char log[4096] = "";
        LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = log, .log_size = sizeof log,
                    .log_level = 1);
        int pfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "nobtf", "GPL", (const struct bpf_insn *)insns,
                                sizeof insns / sizeof insns[0], &lo);
        CHECK(pfd < 0 && errno == EINVAL && strstr(log, NO_BTF_REASON),
              "kernel: %d errno %d, log: %.200s", pfd, errno, log);
        if (pfd >= 0)
            close(pfd);
        close(mfd);
    }
    int jit = have_jit();
    backend_pbpf(&p, jit ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP,
                 jit ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED, "pbpf");
    rc = play(&p, &pt);
    CHECK(rc == 0, "pbpf: %d %s", rc, pt.err);
    if (!rc)
        compare(&kt, "kernel", &pt, "pbpf");
    printf("kernel and pbpf (%s): %zu observations compared\n", jit ? "JIT" : "interpreter", kt.n);
    return test_failures ? 1 : 0;
#endif
}

static struct pbpf_prog *prog_of(struct pbpf_object *obj, const char *name)
{
    int i = pbpf_object_find_prog(obj, name);
    return i < 0 ? NULL : pbpf_object_prog_handle(obj, (size_t)i);
}

/* manual_timers: nothing fires until the embedder says the time has come,
 * and then on its thread; the runtime and the maps go with timers armed. */
static int test_unit(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/timers.bpf.o", dir);
    size_t len = 0;
    void *buf = read_file(path, &len);
    CHECK(buf != NULL, "read %s", path);
    if (!buf)
        return 1;
    for (int order = 0; order < 2; order++) {
        struct pbpf_runtime *rt = NULL;
        struct pbpf_object *obj = NULL;
        PBPF_OPTS(pbpf_runtime_opts, ro, .manual_timers = 1);
        char err[256] = "";
        PBPF_OPTS(pbpf_object_load_opts, lo, .log_buf = err, .log_size = sizeof err);
        int rc = pbpf_runtime_new(&ro, &rt);
        if (!rc)
            rc = pbpf_object_open_mem(buf, len, NULL, &obj);
        if (!rc)
            rc = pbpf_object_load(obj, rt, &lo);
        CHECK(rc == 0, "load: %d %s", rc, err);
        if (rc) {
            pbpf_object_close(obj);
            pbpf_runtime_free(rt);
            break;
        }
        uint8_t mem[64] = {0};
        uint64_t r0 = 1, start = pbpf_time_mono_ns();
        CHECK(pbpf_prog_run(prog_of(obj, "arm"), mem, sizeof mem, &r0, NULL) == 0 && r0 == 0,
              "arm");
        CHECK(pbpf_prog_run(prog_of(obj, "arm_more"), mem, sizeof mem, &r0, NULL) == 0 && r0 == 0,
              "arm_more");
        /* the earliest deadline is 2 ms away: nothing is due yet */
        CHECK(pbpf_runtime_run_timers(rt, start) == 0, "nothing due");
        pbpf_sleep_ns(30ull * 1000 * 1000);
        struct pbpf_map *fires = pbpf_object_map_handle(obj, (size_t)pbpf_object_find_map(obj, "fires"));
        uint32_t k = 0;
        uint64_t n = 0;
        pbpf_map_lookup_elem(fires, &k, &n);
        CHECK(n == 0, "fired without being asked: %llu", (unsigned long long)n);
        /* tarr[0], thash[5], periodic (first run), self-cancel, absolute */
        int fired = pbpf_runtime_run_timers(rt, pbpf_time_mono_ns());
        CHECK(fired == 5, "fired %d", fired);
        /* the periodic timer re-armed itself for 2 ms from its run, and
         * again from its second run: both are due 10 ms ahead, the third
         * run stops it */
        fired = pbpf_runtime_run_timers(rt, pbpf_time_mono_ns() + 10ull * 1000 * 1000);
        CHECK(fired == 2, "periodic: fired %d", fired);
        pbpf_map_lookup_elem(fires, &k, &n);
        CHECK(n == 7, "callback runs %llu", (unsigned long long)n);
        CHECK(pbpf_runtime_run_timers(rt, UINT64_MAX) == 0, "nothing left armed");
        /* tarr[1] armed again for a second, then everything goes: the
         * runtime first or the object first */
        CHECK(pbpf_prog_run(prog_of(obj, "arm_doomed"), mem, sizeof mem, &r0, NULL) == 0,
              "arm_doomed");
        if (order == 0) {
            pbpf_runtime_free(rt);
            pbpf_object_close(obj);
        } else {
            pbpf_object_close(obj);
            CHECK(pbpf_runtime_run_timers(rt, UINT64_MAX) == 0, "timers of freed maps fired");
            pbpf_runtime_free(rt);
        }
    }
    /* a map without BTF: the verifier names the missing BTF, a checked run
     * of the unverified program stops at the helper */
    {
        struct pbpf_runtime *rt0 = NULL;
        struct pbpf_map *m = NULL;
        PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_ARRAY, .key_size = 4,
                  .value_size = 16, .max_entries = 1, .name = "nobtf");
        CHECK(pbpf_runtime_new(NULL, &rt0) == 0 && pbpf_map_create(rt0, &mo, &m) == 0,
              "map without BTF");
        const struct pbpf_insn insns[] = NO_BTF_PROG(0);
        char log[512] = "";
        PBPF_OPTS(pbpf_verifier_opts, vo, .prog_type = 6, .maps = &m, .map_cnt = 1, .gpl = 1,
                  .log_buf = log, .log_size = sizeof log);
        int rc = pbpf_verify(insns, sizeof insns / sizeof insns[0], &vo, NULL);
        CHECK(rc == -EINVAL && strstr(log, NO_BTF_REASON), "verify: %d %s", rc, log);
        struct pbpf_prog *p = NULL;
        PBPF_OPTS(pbpf_prog_opts, po, .mode = PBPF_MODE_CHECKED, .prog_type = 6, .maps = &m,
                  .map_cnt = 1);
        rc = pbpf_prog_load(rt0, insns, sizeof insns / sizeof insns[0], &po, &p);
        CHECK(rc == 0, "checked load: %d", rc);
        if (!rc) {
            uint8_t mem[64] = {0};
            char err[160] = "";
            PBPF_OPTS(pbpf_run_opts, run, .err_buf = err, .err_size = sizeof err);
            uint64_t r0 = 0;
            rc = pbpf_prog_run(p, mem, sizeof mem, &r0, &run);
            CHECK(rc == -EINVAL && strstr(err, "bpf_timer"), "checked run: %d %s", rc, err);
        }
        pbpf_prog_free(p);
        pbpf_map_free(m);
        pbpf_runtime_free(rt0);
    }
    /* a runtime with a service thread, freed with timers armed */
    struct pbpf_runtime *rt = NULL;
    struct pbpf_object *obj = NULL;
    if (pbpf_runtime_new(NULL, &rt) == 0 && pbpf_object_open_mem(buf, len, NULL, &obj) == 0 &&
        pbpf_object_load(obj, rt, NULL) == 0) {
        uint8_t mem[64] = {0};
        uint64_t r0 = 1;
        CHECK(pbpf_prog_run(prog_of(obj, "arm_doomed"), mem, sizeof mem, &r0, NULL) == 0,
              "arm_doomed");
        CHECK(pbpf_runtime_run_timers(rt, 0) == -EBUSY, "run_timers with a service thread");
    }
    pbpf_object_close(obj);
    pbpf_runtime_free(rt);
    free(buf);
    return test_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s engines|kernel|unit DIR\n", argv[0]);
        return 2;
    }
    dir = argv[2];
    if (strcmp(argv[1], "engines") == 0)
        return test_engines();
    if (strcmp(argv[1], "kernel") == 0)
        return test_kernel();
    if (strcmp(argv[1], "unit") == 0)
        return test_unit();
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
