/* Prog array rules and call failures on raw bytecode: which programs a
 * prog array takes, references (a program lives while a slot holds it; a
 * prog array's slots are cleared when only programs hold the array), tail
 * calls from subprograms, bad callback pointers and function references. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"

#include "../object/test_util.h"

#define PROG_TYPE_SCHED_CLS 3
#define PROG_TYPE_XDP 6

#define INSN(c, d, s, o, i) {(c), (uint8_t)((d) | (s) << 4), (o), (i)}
#define MOV_K(d, i) INSN(0xb7, d, 0, 0, i)
#define MOV_X(d, s) INSN(0xbf, d, s, 0, 0)
#define CALL(id) INSN(0x85, 0, 0, 0, id)
#define CALL_LOCAL(off) INSN(0x85, 0, 1, 0, off)
#define EXIT INSN(0x95, 0, 0, 0, 0)
#define LD_MAP(d, idx) INSN(0x18, d, 1, 0, idx), INSN(0, 0, 0, 0, 0)
#define LD_FUNC(d, off) INSN(0x18, d, 4, 0, off), INSN(0, 0, 0, 0, 0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct pbpf_runtime *rt;

static struct pbpf_prog *load(const struct pbpf_insn *insns, size_t cnt, uint32_t type,
                              enum pbpf_engine engine, struct pbpf_map *map, int *rc_out,
                              char *log, size_t log_size)
{
    struct pbpf_map *maps[1] = {map};
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .engine = engine,
              .mode = engine == PBPF_ENGINE_JIT ? PBPF_MODE_VERIFIED : PBPF_MODE_CHECKED,
              .prog_type = type, .maps = maps, .map_cnt = map ? 1 : 0, .log_buf = log,
              .log_size = log_size);
    struct pbpf_prog *p = NULL;
    int rc = pbpf_prog_load(rt, insns, cnt, &po, &p);
    if (rc_out)
        *rc_out = rc;
    return p;
}

static struct pbpf_map *prog_array(void)
{
    PBPF_OPTS(pbpf_map_create_opts, mo, .type = PBPF_MAP_TYPE_PROG_ARRAY, .key_size = 4,
              .value_size = 4, .max_entries = 4);
    struct pbpf_map *m = NULL;
    CHECK(pbpf_map_create(rt, &mo, &m) == 0, "prog array");
    return m;
}

static const struct pbpf_insn target[] = {MOV_K(0, 42), EXIT};
/* bpf_tail_call(r1, map, 0); return 7 */
static const struct pbpf_insn caller[] = {LD_MAP(2, 0), MOV_K(3, 0), CALL(12), MOV_K(0, 7), EXIT};

static void prog_array_takes_one_type_and_engine(int have_jit)
{
    char log[256] = "";
    struct pbpf_map *m = prog_array();
    struct pbpf_prog *a = load(target, N(target), PROG_TYPE_XDP, PBPF_ENGINE_INTERP, NULL, NULL, log, 0);
    struct pbpf_prog *b = load(target, N(target), PROG_TYPE_SCHED_CLS, PBPF_ENGINE_INTERP, NULL, NULL,
                               log, 0);
    uint32_t k = 0;
    CHECK(pbpf_map_update_elem(m, &k, &a, 0) == 0, "first program");
    k = 1;
    CHECK(pbpf_map_update_elem(m, &k, &b, 0) == -EINVAL, "another program type");
    if (have_jit) {
        struct pbpf_prog *j = load(target, N(target), PROG_TYPE_XDP, PBPF_ENGINE_JIT, NULL, NULL, log, 0);
        CHECK(pbpf_map_update_elem(m, &k, &j, 0) == -EINVAL, "another engine");
        pbpf_prog_free(j);
    }
    /* a program using the array must be of its type too (bpf_check_tail_call) */
    int rc = 0;
    struct pbpf_prog *c = load(caller, N(caller), PROG_TYPE_SCHED_CLS, PBPF_ENGINE_INTERP, m, &rc, log,
                               sizeof log);
    CHECK(!c && rc == -EINVAL && strstr(log, "prog array"), "caller of another type: %d %s", rc,
          log);
    pbpf_prog_free(b);
    pbpf_prog_free(a);
    pbpf_map_free(m);
}

static void slot_keeps_program_alive(enum pbpf_engine e)
{
    struct pbpf_map *m = prog_array();
    struct pbpf_prog *a = load(target, N(target), PROG_TYPE_XDP, e, NULL, NULL, NULL, 0);
    struct pbpf_prog *c = load(caller, N(caller), PROG_TYPE_XDP, e, m, NULL, NULL, 0);
    CHECK(a && c, "load");
    uint32_t k = 0;
    CHECK(pbpf_map_update_elem(m, &k, &a, 0) == 0, "insert");
    pbpf_prog_free(a); /* the slot's reference remains */
    uint64_t r0 = 0;
    CHECK(pbpf_prog_run(c, NULL, 0, &r0, NULL) == 0 && r0 == 42, "tail call: r0 %llu",
          (unsigned long long)r0);
    CHECK(pbpf_map_delete_elem(m, &k) == 0, "delete");
    CHECK(pbpf_prog_run(c, NULL, 0, &r0, NULL) == 0 && r0 == 7, "falls through: r0 %llu",
          (unsigned long long)r0);
    /* the caller in its own array: dropping the user's reference to the
     * array clears it, which breaks the cycle (the sanitizer build checks
     * that nothing leaks) */
    CHECK(pbpf_map_update_elem(m, &k, &c, 0) == 0, "self");
    pbpf_map_free(m);
    pbpf_prog_free(c);
}

/* main: r6 = 5; call sub; r0 += r6; exit.  sub: r6 = 9;
 * bpf_tail_call(r1, map, 0); r0 = 1; exit.  The target replaces sub: main
 * gets its r0 and its own r6 back. */
static void tail_call_from_subprogram_returns_to_the_caller(enum pbpf_engine e)
{
    static const struct pbpf_insn sub[] = {
        MOV_K(6, 5), CALL_LOCAL(2), INSN(0x0f, 0, 6, 0, 0), EXIT,
        MOV_K(6, 9), LD_MAP(2, 0), MOV_K(3, 0), CALL(12), MOV_K(0, 1), EXIT,
    };
    struct pbpf_map *m = prog_array();
    struct pbpf_prog *a = load(target, N(target), PROG_TYPE_XDP, e, NULL, NULL, NULL, 0);
    struct pbpf_prog *p = load(sub, N(sub), PROG_TYPE_XDP, e, m, NULL, NULL, 0);
    uint32_t k = 0;
    CHECK(pbpf_map_update_elem(m, &k, &a, 0) == 0, "insert");
    char err[160] = "";
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    uint64_t r0 = 0;
    int rc = pbpf_prog_run(p, NULL, 0, &r0, &ro);
    CHECK(rc == 0 && r0 == 42 + 5, "engine %d: %d r0 %llu %s", e, rc, (unsigned long long)r0,
          err);
    CHECK(pbpf_map_delete_elem(m, &k) == 0, "delete");
    rc = pbpf_prog_run(p, NULL, 0, &r0, &ro);
    CHECK(rc == 0 && r0 == 1 + 5, "engine %d, falls through: %d r0 %llu %s", e, rc,
          (unsigned long long)r0, err);
    pbpf_prog_free(a);
    pbpf_prog_free(p);
    pbpf_map_free(m);
}

/* bpf_loop(1, cb, 0, 0) whose callback tail-calls: Linux's verifier
 * refuses it, a checked run stops. */
static void tail_call_in_a_callback_stops_the_run(void)
{
    static const struct pbpf_insn prog[] = {
        MOV_X(6, 1), MOV_K(1, 1), LD_FUNC(2, 5), MOV_K(3, 0), MOV_K(4, 0), CALL(181), EXIT,
        MOV_X(1, 6), LD_MAP(2, 0), MOV_K(3, 0), CALL(12), MOV_K(0, 0), EXIT,
    };
    struct pbpf_map *m = prog_array();
    struct pbpf_prog *a = load(target, N(target), PROG_TYPE_XDP, PBPF_ENGINE_INTERP, NULL, NULL,
                               NULL, 0);
    char log[256] = "";
    struct pbpf_prog *p = load(prog, N(prog), PROG_TYPE_XDP, PBPF_ENGINE_INTERP, m, NULL, log,
                               sizeof log);
    CHECK(p != NULL, "load: %s", log);
    uint32_t k = 0;
    CHECK(pbpf_map_update_elem(m, &k, &a, 0) == 0, "insert");
    char err[160] = "";
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    uint64_t r0 = 0;
    int rc = p ? pbpf_prog_run(p, NULL, 0, &r0, &ro) : -1;
    CHECK(rc == -EOPNOTSUPP && strstr(err, "callback"), "%d %s", rc, err);
    pbpf_prog_free(a);
    pbpf_prog_free(p);
    pbpf_map_free(m);
}

/* bpf_loop with a callback that is not one of the program's functions */
static void bad_callback_pointer_stops_the_run(void)
{
    static const struct pbpf_insn bad[] = {
        MOV_K(1, 3), MOV_X(2, 10), MOV_K(3, 0), MOV_K(4, 0), CALL(181), EXIT,
    };
    struct pbpf_prog *p = load(bad, N(bad), 0, PBPF_ENGINE_INTERP, NULL, NULL, NULL, 0);
    char err[160] = "";
    PBPF_OPTS(pbpf_run_opts, ro, .err_buf = err, .err_size = sizeof err);
    uint64_t r0 = 0;
    int rc = pbpf_prog_run(p, NULL, 0, &r0, &ro);
    CHECK(rc == -EINVAL && strstr(err, "callback"), "%d %s", rc, err);
    pbpf_prog_free(p);
}

/* bpf_loop(5, f, 0, 0) with f = r0 = (i == 3) : the C helper's count */
static void loop_counts_calls(enum pbpf_engine e)
{
    static const struct pbpf_insn loop[] = {
        MOV_K(1, 5), LD_FUNC(2, 5), MOV_K(3, 0), MOV_K(4, 0), CALL(181), EXIT,
        /* f: */ MOV_K(0, 0), INSN(0x55, 1, 0, 1, 3), MOV_K(0, 1), EXIT,
    };
    struct pbpf_prog *p = load(loop, N(loop), 0, e, NULL, NULL, NULL, 0);
    uint64_t r0 = 0;
    CHECK(p && pbpf_prog_run(p, NULL, 0, &r0, NULL) == 0 && r0 == 4, "engine %d: r0 %llu", e,
          (unsigned long long)r0);
    pbpf_prog_free(p);
}

static void func_reference_outside_the_program_is_refused(void)
{
    static const struct pbpf_insn far[] = {LD_FUNC(2, 100), MOV_K(0, 0), EXIT};
    static const struct pbpf_insn mid[] = {LD_FUNC(2, 0), LD_FUNC(3, -2), MOV_K(0, 0), EXIT};
    char log[256] = "";
    int rc = 0;
    CHECK(!load(far, N(far), 0, PBPF_ENGINE_INTERP, NULL, &rc, log, sizeof log) && rc == -EINVAL &&
              strstr(log, "outside"),
          "far: %d %s", rc, log);
    /* the second slot of an lddw is not an instruction */
    CHECK(!load(mid, N(mid), 0, PBPF_ENGINE_INTERP, NULL, &rc, log, sizeof log) && rc == -EINVAL,
          "into an lddw: %d %s", rc, log);
}

static int jit_available(void)
{
    struct pbpf_prog *p = load(target, N(target), 0, PBPF_ENGINE_JIT, NULL, NULL, NULL, 0);
    pbpf_prog_free(p);
    return p != NULL;
}

int test_calls_unit(void);
int test_calls_unit(void)
{
    if (pbpf_runtime_new(NULL, &rt))
        return 1;
    int jit = jit_available();
    prog_array_takes_one_type_and_engine(jit);
    bad_callback_pointer_stops_the_run();
    tail_call_in_a_callback_stops_the_run();
    func_reference_outside_the_program_is_refused();
    for (int e = 0; e <= jit; e++) {
        slot_keeps_program_alive((enum pbpf_engine)e);
        tail_call_from_subprogram_returns_to_the_caller((enum pbpf_engine)e);
        loop_counts_calls((enum pbpf_engine)e);
    }
    pbpf_runtime_free(rt);
    printf("%s\n", test_failures ? "FAILED" : "ok");
    return test_failures ? 1 : 0;
}
