/* Threads that come and go: each thread that runs programs gets an epoch
 * record, and a thread that ends hands its record to the next new thread
 * (the platform's thread-exit destructor), so many short-lived threads
 * that run programs doing map updates and deletes leave no more records
 * than the most threads alive at once.  Handing records back must not
 * reclaim early: an element deleted by a thread that then ends stays
 * intact while an older section that saw it is still open, even after
 * other threads took that record over and went on deleting. */
#include "maps_test.h"

#include "maps/epoch.h"
#include "maps/map.h"
#include "platform/platform.h"

#define ROUNDS 40
#define THREADS 4
#define RUNS 200
#define KEYS 64

static struct pbpf_runtime *rt;

/* key = prandom & (KEYS - 1); update key with {key, key}; delete key */
static struct pbpf_prog *churn_prog(struct pbpf_map *m)
{
    const struct pbpf_insn prog[] = {
        I_CALL(7), /* bpf_get_prandom_u32 */
        MT_INSN(PBPF_CLS_ALU64 | PBPF_ALU_AND, 0, 0, 0, KEYS - 1),
        I_STX_W(10, 0, -4),
        I_STX_DW(10, 0, -24),
        I_STX_DW(10, 0, -16),
        I_MAP(1, m),
        I_MOV64_REG(2, 10),
        I_ADD64_IMM(2, -4),
        I_MOV64_REG(3, 10),
        I_ADD64_IMM(3, -24),
        I_MOV64_IMM(4, 0),
        I_CALL(2), /* bpf_map_update_elem */
        I_MAP(1, m),
        I_MOV64_REG(2, 10),
        I_ADD64_IMM(2, -4),
        I_CALL(3), /* bpf_map_delete_elem */
        I_MOV64_IMM(0, 0),
        I_EXIT(),
    };
    /* the epoch records are under test, not the verifier: the bytecode
     * runs as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = PBPF_MODE_VERIFIED);
    struct pbpf_prog *p = NULL;
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &p), 0);
    return p;
}

struct worker {
    struct pbpf_prog *prog;
    int failed;
};

static void *worker(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < RUNS; i++) {
        uint64_t r0 = 1;
        if (pbpf_prog_run(w->prog, NULL, 0, &r0, NULL) || r0 != 0)
            w->failed = 1;
    }
    return NULL;
}

static void churn(struct pbpf_prog *prog, unsigned base)
{
    unsigned most = 0, owned_base = 0;
    pbpf_epoch_rec_count(&owned_base);
    for (int round = 0; round < ROUNDS; round++) {
        struct pbpf_thread *th[THREADS];
        struct worker w[THREADS];
        int started = 0;
        for (int i = 0; i < THREADS; i++) {
            w[i] = (struct worker){prog, 0};
            if (pbpf_thread_start(&th[i], worker, &w[i]) == 0)
                started++;
            else
                break;
        }
        CHECK_EQ(started, THREADS);
        for (int i = 0; i < started; i++) {
            pbpf_thread_join(th[i]);
            CHECK_EQ(w[i].failed, 0);
        }
        unsigned owned = 0, n = pbpf_epoch_rec_count(&owned);
        if (n > most)
            most = n;
        /* joined threads have run their exit destructors */
        CHECK_EQ(owned, owned_base);
    }
    /* at most THREADS records were needed at once besides those that
     * existed before; without hand-back there would be ROUNDS * THREADS */
    printf("  records: %u before, at most %u after %d threads\n", base, most, ROUNDS * THREADS);
    CHECK(most <= base + THREADS);
}

/* A thread deletes a key and ends while this thread's section still
 * holds the deleted value; then more threads take the record over and
 * churn the same map (whose pool would hand the element out again if it
 * were reclaimed).  The value must stay as it was until the section ends. */
struct holder_arg {
    struct pbpf_map *m;
    uint32_t key;
};

static void *delete_and_end(void *arg)
{
    struct holder_arg *a = arg;
    /* the result goes back through join: the checks' counters are the
     * main thread's */
    pbpf_epoch_enter();
    int rc = pbpf_map_delete_prog(a->m, &a->key);
    pbpf_epoch_exit();
    return rc ? (void *)1 : NULL;
}

static void held_across_hand_back(struct pbpf_map *m, struct pbpf_prog *prog)
{
    uint32_t key = 1000; /* outside the churn program's keys */
    uint64_t val[2] = {0x1234567890abcdefull, ~0x1234567890abcdefull};
    CHECK_EQ(pbpf_map_update_elem(m, &key, val, 0), 0);
    pbpf_epoch_enter();
    const uint64_t *held = pbpf_map_lookup_prog(m, &key, 0);
    CHECK(held != NULL);
    struct holder_arg a = {m, key};
    struct pbpf_thread *t;
    CHECK_EQ(pbpf_thread_start(&t, delete_and_end, &a), 0);
    CHECK(pbpf_thread_join(t) == NULL);
    churn(prog, pbpf_epoch_rec_count(NULL));
    pbpf_maps_reclaim();
    if (held) {
        CHECK_EQ(held[0], val[0]);
        CHECK_EQ(held[1], val[1]);
    }
    pbpf_epoch_exit();
    uint64_t out[2];
    CHECK_EQ(pbpf_map_lookup_elem(m, &key, out), -ENOENT);
}

/* A thread that ends inside a section (it never left the program) keeps
 * its record and goes on holding back what it may have seen.  Last in
 * the process: nothing retired after it is ever reclaimed. */
static void *enter_and_end(void *arg)
{
    struct holder_arg *a = arg;
    pbpf_epoch_enter();
    return pbpf_map_lookup_prog(a->m, &a->key, 0); /* checked by the joiner */
}

static void ended_inside_section(struct pbpf_map *m)
{
    uint32_t key = 2000;
    uint64_t val[2] = {77, 78};
    CHECK_EQ(pbpf_map_update_elem(m, &key, val, 0), 0);
    struct holder_arg a = {m, key};
    unsigned owned_before = 0, owned_after = 0;
    pbpf_epoch_rec_count(&owned_before);
    struct pbpf_thread *t;
    CHECK_EQ(pbpf_thread_start(&t, enter_and_end, &a), 0);
    const uint64_t *held = pbpf_thread_join(t);
    CHECK(held != NULL);
    pbpf_epoch_rec_count(&owned_after);
    CHECK_EQ(owned_after, owned_before + 1);
    CHECK_EQ(pbpf_map_delete_elem(m, &key), 0);
    /* other values go through the pool meanwhile */
    for (uint32_t k = 0; k < 4 * KEYS; k++) {
        uint64_t v[2] = {k, k};
        uint32_t kk = k % KEYS;
        pbpf_map_update_elem(m, &kk, v, 0);
        pbpf_map_delete_elem(m, &kk);
    }
    pbpf_maps_reclaim();
    if (held) {
        CHECK_EQ(held[0], 77);
        CHECK_EQ(held[1], 78);
    }
}

int main(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 2);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    /* a preallocated map (elements go back to the pool) and one that
     * allocates per update (elements go back to the heap) */
    struct pbpf_map *pre = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 16, 4 * KEYS, 0);
    struct pbpf_map *np = mt_map(rt, PBPF_MAP_TYPE_HASH, 4, 16, 4 * KEYS, PBPF_F_NO_PREALLOC);
    struct pbpf_prog *pp = churn_prog(pre), *pn = churn_prog(np);
    if (!pp || !pn)
        return mt_report("maps_thread_churn");
    unsigned base = pbpf_epoch_rec_count(NULL);
    churn(pp, base);
    churn(pn, base);
    held_across_hand_back(pre, pp);
    held_across_hand_back(np, pn);
    pbpf_prog_free(pp);
    pbpf_prog_free(pn);
    ended_inside_section(pre);
    pbpf_map_free(pre);
    pbpf_map_free(np);
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    return mt_report("maps_thread_churn");
}
