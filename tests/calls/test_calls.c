/* Tail calls and callbacks: the programs of tests/progs/calls.bpf.c run
 * through scripts (prog array updates, map values, runs) on pbpf's checked
 * and verified interpreter and its JIT, and on the kernel through libbpf and
 * BPF_PROG_TEST_RUN; every run's r0 and the maps at the end must agree.
 *
 *   test_calls engines DIR   pbpf's engines against each other
 *   test_calls kernel DIR    the same scripts against the kernel (77 without bpf())
 *   test_calls unit          prog array rules and failures, on raw bytecode */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbpf/loader.h"
#include "pbpf/maps.h"
#include "pbpf/object.h"
#include "pbpf/pbpf.h"

#ifdef PBPF_CALLS_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#include "../object/test_util.h"

/* Linux's MAX_TAIL_CALL_CNT (include/linux/bpf.h). */
#define LINUX_MAX_TAIL_CALL_CNT 33

static const char *dir;

/* --- backends: something that loads calls.bpf.o and runs its programs --- */

struct backend {
    const char *name;
    int (*open)(struct backend *b, const char *path, char *err, size_t err_size);
    /* prog NULL: delete the slot */
    int (*set_slot)(struct backend *b, uint32_t slot, const char *prog);
    int (*set_u64)(struct backend *b, const char *map, uint32_t key, uint64_t v);
    int (*get_u64)(struct backend *b, const char *map, uint32_t key, uint64_t *v);
    int (*run)(struct backend *b, const char *prog, uint64_t *r0, char *err, size_t err_size);
    void (*close)(struct backend *b);
    enum pbpf_engine engine;
    enum pbpf_mode mode;
    struct pbpf_runtime *rt;
    struct pbpf_object *obj;
#ifdef PBPF_CALLS_LIBBPF
    struct bpf_object *kobj;
#endif
};

static int p_open(struct backend *b, const char *path, char *err, size_t err_size)
{
    size_t len = 0;
    void *buf = read_file(path, &len);
    if (!buf) {
        snprintf(err, err_size, "cannot read %s", path);
        return -ENOENT;
    }
    int rc = pbpf_object_open_mem(buf, len, NULL, &b->obj);
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

static struct pbpf_prog *p_prog(struct backend *b, const char *name)
{
    int i = pbpf_object_find_prog(b->obj, name);
    return i < 0 ? NULL : pbpf_object_prog_handle(b->obj, (size_t)i);
}

static int p_set_slot(struct backend *b, uint32_t slot, const char *prog)
{
    struct pbpf_map *m = p_map(b, "jmp_table");
    if (!prog)
        return pbpf_map_delete_elem(m, &slot);
    struct pbpf_prog *p = p_prog(b, prog);
    return pbpf_map_update_elem(m, &slot, &p, 0);
}

static int p_set_u64(struct backend *b, const char *map, uint32_t key, uint64_t v)
{
    return pbpf_map_update_elem(p_map(b, map), &key, &v, 0);
}

static int p_get_u64(struct backend *b, const char *map, uint32_t key, uint64_t *v)
{
    return pbpf_map_lookup_elem(p_map(b, map), &key, v);
}

static int p_run(struct backend *b, const char *prog, uint64_t *r0, char *err, size_t err_size)
{
    uint8_t mem[64] = {0};
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = err_size);
    int rc = pbpf_prog_run(p_prog(b, prog), mem, sizeof mem, r0, &ro);
    *r0 = (uint32_t)*r0; /* the kernel reports 32 bits */
    return rc;
}

static void p_close(struct backend *b)
{
    pbpf_object_close(b->obj);
    b->obj = NULL;
}

#ifdef PBPF_CALLS_LIBBPF
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

static int k_prog_fd(struct backend *b, const char *name)
{
    struct bpf_program *p = bpf_object__find_program_by_name(b->kobj, name);
    return p ? bpf_program__fd(p) : -1;
}

static int k_set_slot(struct backend *b, uint32_t slot, const char *prog)
{
    int fd = k_map_fd(b, "jmp_table");
    if (!prog)
        return bpf_map_delete_elem(fd, &slot) ? -errno : 0;
    int pfd = k_prog_fd(b, prog);
    return bpf_map_update_elem(fd, &slot, &pfd, 0) ? -errno : 0;
}

static int k_set_u64(struct backend *b, const char *map, uint32_t key, uint64_t v)
{
    return bpf_map_update_elem(k_map_fd(b, map), &key, &v, 0) ? -errno : 0;
}

static int k_get_u64(struct backend *b, const char *map, uint32_t key, uint64_t *v)
{
    return bpf_map_lookup_elem(k_map_fd(b, map), &key, v) ? -errno : 0;
}

static int k_run(struct backend *b, const char *prog, uint64_t *r0, char *err, size_t err_size)
{
    uint8_t mem[64] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = mem, .data_size_in = sizeof mem, .repeat = 1);
    int rc = bpf_prog_test_run_opts(k_prog_fd(b, prog), &o);
    if (rc) {
        snprintf(err, err_size, "BPF_PROG_TEST_RUN: %s", strerror(errno));
        return -errno;
    }
    *r0 = o.retval;
    return 0;
}

static void k_close(struct backend *b)
{
    bpf_object__close(b->kobj);
    b->kobj = NULL;
}
#endif

/* --- scripts ---------------------------------------------------------- */

enum { END, SLOT, DEL, VAL, HASH, RUN };

struct step {
    int op;
    uint32_t key;
    const char *prog; /* SLOT, RUN */
    uint64_t v;       /* VAL (values[key]), HASH (table[key]) */
};

struct script {
    const char *name;
    struct step steps[16];
};

static const struct script scripts[] = {
    {"tail call limit", {{SLOT, 0, "chain_self", 0}, {RUN, 0, "chain_self", 0},
                         {RUN, 0, "chain_self", 0}, {END, 0, NULL, 0}}},
    {"chain and run-time updates",
     {{VAL, 0, NULL, 1},
      {SLOT, 1, "chain_b", 0},
      {SLOT, 3, "chain_c", 0},
      {RUN, 0, "chain_a", 0},
      {DEL, 3, NULL, 0},
      {RUN, 0, "chain_a", 0},
      {SLOT, 3, "chain_self", 0},
      {RUN, 0, "chain_a", 0},
      {SLOT, 1, "chain_c", 0},
      {RUN, 0, "chain_a", 0},
      {VAL, 0, NULL, 5},
      {RUN, 0, "chain_a", 0},
      {END, 0, NULL, 0}}},
    {"index out of range", {{SLOT, 0, "chain_c", 0}, {RUN, 0, "chain_out_of_range", 0},
                            {END, 0, NULL, 0}}},
    {"bpf_loop", {{VAL, 3, NULL, 100}, {RUN, 0, "loops", 0}, {RUN, 0, "loops", 0},
                  {END, 0, NULL, 0}}},
    {"bpf_for_each_map_elem",
     {{VAL, 1, NULL, 5},
      {VAL, 7, NULL, 11},
      {VAL, 15, NULL, 3},
      {HASH, 3, NULL, 9},
      {HASH, 17, NULL, 100},
      {HASH, 30, NULL, 1},
      {RUN, 0, "each", 0},
      {HASH, 4, NULL, 7},
      {RUN, 0, "each", 0},
      {END, 0, NULL, 0}}},
    {"for_each over a per-CPU array", {{RUN, 0, "each_percpu", 0}, {END, 0, NULL, 0}}},
    {"nested callbacks", {{RUN, 0, "nested_loops", 0}, {END, 0, NULL, 0}}},
    {"tail calls from subprograms",
     {{VAL, 0, NULL, 1},
      {SLOT, 1, "chain_c", 0},
      {RUN, 0, "sub_caller", 0},
      {DEL, 1, NULL, 0},
      {RUN, 0, "sub_caller", 0},
      {SLOT, 1, "chain_b", 0},
      {SLOT, 3, "sub_caller", 0},
      {RUN, 0, "sub_caller", 0},
      {SLOT, 1, "chain_c", 0},
      {RUN, 0, "sub_deep", 0},
      {END, 0, NULL, 0}}},
    {"tail call limit through subprograms",
     {{SLOT, 0, "sub_self", 0}, {RUN, 0, "sub_self", 0}, {SLOT, 0, "chain_self", 0},
      {RUN, 0, "sub_self", 0}, {END, 0, NULL, 0}}},
};
#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

/* What a script observed: each run's r0, then the maps. */
#define MAX_OBS 128
struct transcript {
    uint64_t v[MAX_OBS];
    size_t n;
    char err[256];
};

static void obs(struct transcript *t, uint64_t v)
{
    if (t->n < MAX_OBS)
        t->v[t->n++] = v;
}

static int play(struct backend *b, const struct script *s, struct transcript *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/calls.bpf.o", dir);
    memset(t, 0, sizeof *t);
    int rc = b->open(b, path, t->err, sizeof t->err);
    if (rc)
        return rc;
    for (const struct step *st = s->steps; st->op != END && !rc; st++) {
        uint64_t r0 = 0;
        switch (st->op) {
        case SLOT:
            rc = b->set_slot(b, st->key, st->prog);
            break;
        case DEL:
            rc = b->set_slot(b, st->key, NULL);
            break;
        case VAL:
            rc = b->set_u64(b, "values", st->key, st->v);
            break;
        case HASH:
            rc = b->set_u64(b, "table", st->key, st->v);
            break;
        case RUN:
            rc = b->run(b, st->prog, &r0, t->err, sizeof t->err);
            obs(t, r0);
            break;
        }
        if (rc && !t->err[0])
            snprintf(t->err, sizeof t->err, "step %d: %d", (int)(st - s->steps), rc);
    }
    for (uint32_t k = 0; k < 4 && !rc; k++) {
        uint64_t v = 0;
        rc = b->get_u64(b, "state", k, &v);
        obs(t, v);
    }
    for (uint32_t k = 0; k < 16 && !rc; k++) {
        uint64_t v = 0;
        rc = b->get_u64(b, "values", k, &v);
        obs(t, v);
    }
    for (uint32_t k = 0; k < 32 && !rc; k++) {
        uint64_t v = 0;
        int hr = b->get_u64(b, "table", k, &v);
        obs(t, hr == 0 ? v : 0xdeadull << 32);
    }
    b->close(b);
    return rc;
}

static void backend_pbpf(struct backend *b, struct pbpf_runtime *rt, enum pbpf_engine e,
                         enum pbpf_mode m, const char *name)
{
    memset(b, 0, sizeof *b);
    b->name = name;
    b->open = p_open;
    b->set_slot = p_set_slot;
    b->set_u64 = p_set_u64;
    b->get_u64 = p_get_u64;
    b->run = p_run;
    b->close = p_close;
    b->engine = e;
    b->mode = m;
    b->rt = rt;
}

static int have_jit(struct pbpf_runtime *rt)
{
    struct pbpf_insn insns[2] = {{.code = 0xb7}, {.code = 0x95}};
    struct pbpf_prog *p = NULL;
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1,
              .engine = PBPF_ENGINE_JIT, .mode = PBPF_MODE_VERIFIED);
    int rc = pbpf_prog_load(rt, insns, 2, &po, &p);
    pbpf_prog_free(p);
    return rc == 0;
}

static void compare(const char *what, const struct script *s, const struct transcript *a,
                    const char *an, const struct transcript *b, const char *bn)
{
    CHECK(a->n == b->n, "%s: %s: %zu observations on %s, %zu on %s", what, s->name, a->n, an,
          b->n, bn);
    for (size_t i = 0; i < a->n && i < b->n; i++)
        CHECK(a->v[i] == b->v[i], "%s: %s: observation %zu: %s 0x%llx, %s 0x%llx", what, s->name,
              i, an, (unsigned long long)a->v[i], bn, (unsigned long long)b->v[i]);
}

/* Facts of the C source and Linux's limit, checked on the reference run. */
static void check_semantics(const struct script *s, const struct transcript *t)
{
    if (strcmp(s->name, "tail call limit") == 0) {
        /* chain_self enters once and then 33 times through tail calls; the
         * 34th call falls through and returns 1000 + programs entered */
        CHECK(t->v[0] == 1000 + 1 + LINUX_MAX_TAIL_CALL_CNT, "limit: r0 %llu",
              (unsigned long long)t->v[0]);
        CHECK(t->v[1] == 1000 + 2 * (1 + LINUX_MAX_TAIL_CALL_CNT), "second run: r0 %llu",
              (unsigned long long)t->v[1]);
        CHECK(t->v[2] == 2 * (1 + LINUX_MAX_TAIL_CALL_CNT), "entered %llu",
              (unsigned long long)t->v[2]);
    } else if (strcmp(s->name, "chain and run-time updates") == 0) {
        /* a→b→c: 40 + 3 entered; a→b, slot 3 empty: 3; a→b→self→(slot 0
         * empty): 1000 + 8; a→c: 40 + 10; a with slot 5 empty: 2 */
        uint64_t want[] = {43, 3, 1008, 50, 2};
        for (size_t i = 0; i < 5; i++)
            CHECK(t->v[i] == want[i], "chain run %zu: r0 %llu, C source says %llu", i,
                  (unsigned long long)t->v[i], (unsigned long long)want[i]);
        CHECK(t->v[5] == 11, "entered %llu", (unsigned long long)t->v[5]);
    } else if (strcmp(s->name, "index out of range") == 0) {
        CHECK(t->v[0] == 55, "r0 %llu", (unsigned long long)t->v[0]);
    } else if (strcmp(s->name, "nested callbacks") == 0) {
        uint64_t want = 0;
        for (uint64_t i = 0; i < 10; i++)
            for (uint64_t j = 0; j < i; j++)
                want += j;
        CHECK(t->v[0] == want, "nested: r0 %llu, want %llu", (unsigned long long)t->v[0],
              (unsigned long long)want);
    } else if (strcmp(s->name, "tail calls from subprograms") == 0) {
        /* run 1: sub_caller → sub_tail → chain_c (40 + 2 entered), + 10000.
         * run 2: slot 1 empty, sub_tail falls through: 600 + 1.
         * run 3: sub_tail → chain_b → sub_caller → sub_tail → ...: the 33
         * calls that succeed enter 17 sub_callers, the 34th (chain_b's)
         * falls through with 3, and each sub_caller adds 10000.
         * run 4: sub_deep → sub_outer → sub_tail → chain_c, the last
         * program entered (state[0] after the runs): (40 + n) * 2 + 3. */
        CHECK(t->v[0] == 10000 + 40 + 2, "sub_caller: r0 %llu", (unsigned long long)t->v[0]);
        CHECK(t->v[1] == 10000 + 600 + 1, "fall through: r0 %llu", (unsigned long long)t->v[1]);
        CHECK(t->v[2] == 3 + 10000 * (1 + (LINUX_MAX_TAIL_CALL_CNT - 1) / 2), "cycle: r0 %llu",
              (unsigned long long)t->v[2]);
        CHECK(t->v[3] == (40 + t->v[4]) * 2 + 3, "sub_deep: r0 %llu, %llu entered",
              (unsigned long long)t->v[3], (unsigned long long)t->v[4]);
    } else if (strcmp(s->name, "tail call limit through subprograms") == 0) {
        /* sub_self nests once per tail call; the last sub_tail falls
         * through with 600 + 0 and each of the 34 levels adds 1.  Then
         * sub_self → sub_tail → chain_self, which loops until the limit
         * and returns 1000 + entered (the last one): + 1. */
        CHECK(t->v[0] == 600 + 1 + LINUX_MAX_TAIL_CALL_CNT, "limit: r0 %llu",
              (unsigned long long)t->v[0]);
        CHECK(t->v[1] == 1000 + t->v[2] + 1, "chain_self below: r0 %llu, %llu entered",
              (unsigned long long)t->v[1], (unsigned long long)t->v[2]);
    } else if (strcmp(s->name, "bpf_loop") == 0) {
        /* 20 full iterations, 7 until i == 6, -EINVAL, -E2BIG */
        CHECK(t->v[0] == 20 * 1000 + 7 * 10 + 1 + 2, "loops: r0 %llu",
              (unsigned long long)t->v[0]);
    }
}

static int test_engines(void)
{
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    struct backend eng[3];
    size_t n = 0;
    backend_pbpf(&eng[n++], rt, PBPF_ENGINE_INTERP, PBPF_MODE_CHECKED, "interp-checked");
    backend_pbpf(&eng[n++], rt, PBPF_ENGINE_INTERP, PBPF_MODE_VERIFIED, "interp-verified");
    if (have_jit(rt))
        backend_pbpf(&eng[n++], rt, PBPF_ENGINE_JIT, PBPF_MODE_VERIFIED, "jit");
    else
        printf("no JIT on this host: interpreter only\n");
    for (size_t i = 0; i < NSCRIPTS; i++) {
        struct transcript ref, t;
        int rc = play(&eng[0], &scripts[i], &ref);
        CHECK(rc == 0, "%s on %s: %d %s", scripts[i].name, eng[0].name, rc, ref.err);
        if (rc)
            continue;
        check_semantics(&scripts[i], &ref);
        for (size_t e = 1; e < n; e++) {
            rc = play(&eng[e], &scripts[i], &t);
            CHECK(rc == 0, "%s on %s: %d %s", scripts[i].name, eng[e].name, rc, t.err);
            if (!rc)
                compare("engines", &scripts[i], &ref, eng[0].name, &t, eng[e].name);
        }
        printf("%-36s %zu engines agree\n", scripts[i].name, n);
    }
    pbpf_runtime_free(rt);
    return test_failures ? 1 : 0;
}

static int test_kernel(void)
{
#ifndef PBPF_CALLS_LIBBPF
    printf("SKIP: built without libbpf\n");
    return 77;
#else
    libbpf_set_print(libbpf_quiet);
    struct pbpf_runtime *rt;
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    struct backend k, p;
    memset(&k, 0, sizeof k);
    k.name = "kernel";
    k.open = k_open;
    k.set_slot = k_set_slot;
    k.set_u64 = k_set_u64;
    k.get_u64 = k_get_u64;
    k.run = k_run;
    k.close = k_close;
    backend_pbpf(&p, rt, have_jit(rt) ? PBPF_ENGINE_JIT : PBPF_ENGINE_INTERP,
                 have_jit(rt) ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED, "pbpf");
    for (size_t i = 0; i < NSCRIPTS; i++) {
        struct transcript kt, pt;
        int rc = play(&k, &scripts[i], &kt);
        if (rc && i == 0 && (rc == -EPERM || rc == -ENOSYS || rc == -EACCES)) {
            printf("SKIP: the kernel refuses bpf(): %s\n", kt.err);
            pbpf_runtime_free(rt);
            return 77;
        }
        CHECK(rc == 0, "%s in the kernel: %d %s", scripts[i].name, rc, kt.err);
        if (rc)
            continue;
        check_semantics(&scripts[i], &kt);
        rc = play(&p, &scripts[i], &pt);
        CHECK(rc == 0, "%s on pbpf: %d %s", scripts[i].name, rc, pt.err);
        if (!rc)
            compare("kernel", &scripts[i], &kt, "kernel", &pt, p.name);
        printf("%-36s kernel and pbpf (%s) compared\n", scripts[i].name,
               p.engine == PBPF_ENGINE_JIT ? "JIT" : "interpreter");
    }
    pbpf_runtime_free(rt);
    return test_failures ? 1 : 0;
#endif
}

int test_calls_unit(void);

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "unit") == 0)
        return test_calls_unit();
    if (argc < 3) {
        fprintf(stderr, "usage: %s engines|kernel DIR | unit\n", argv[0]);
        return 2;
    }
    dir = argv[2];
    if (strcmp(argv[1], "engines") == 0)
        return test_engines();
    if (strcmp(argv[1], "kernel") == 0)
        return test_kernel();
    fprintf(stderr, "unknown test %s\n", argv[1]);
    return 2;
}
