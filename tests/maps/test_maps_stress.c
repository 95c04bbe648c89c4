/* Multi-threaded stress per map family: writers and lock-free readers at
 * once, for a bounded time.  Checks that no update is lost (each thread
 * owns its keys and knows what the map must hold) and that no freed
 * element is read (a value pointer held inside an epoch section keeps its
 * contents, and every value found belongs to its key). */
#include "maps/map.h"
#include "maps_test.h"
#include "platform/platform.h"

enum { THREADS = 4, KEYS_PER_THREAD = 48 };
#define MAGIC 0x5bd1e995u

static struct pbpf_runtime *rt;
static double seconds = 0.4;
static int stop;
static int errors;

struct val {
    uint32_t key, seq, check, pad;
};

static struct val mkval(uint32_t key, uint32_t seq)
{
    return (struct val){key, seq, key ^ seq ^ MAGIC, 0};
}
static int val_ok(const struct val *v, uint32_t key)
{
    return v->key == key && v->check == (v->key ^ v->seq ^ MAGIC);
}

static void fail(const char *what)
{
    if (__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED) < 10)
        fprintf(stderr, "stress: %s\n", what);
}

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct targ {
    struct pbpf_map *m;
    int id;
    uint64_t ops;
};

static void run_threads(void *(*fn)(void *), struct pbpf_map *m, const char *name)
{
    struct pbpf_thread *th[THREADS];
    struct targ args[THREADS];
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    for (int i = 0; i < THREADS; i++) {
        args[i] = (struct targ){m, i, 0};
        if (pbpf_thread_start(&th[i], fn, &args[i])) {
            fail("thread start");
            return;
        }
    }
    uint64_t end = pbpf_time_mono_ns() + (uint64_t)(seconds * 1e9);
    while (pbpf_time_mono_ns() < end)
        pbpf_thread_yield();
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    uint64_t ops = 0;
    for (int i = 0; i < THREADS; i++) {
        pbpf_thread_join(th[i]);
        ops += args[i].ops;
    }
    printf("  %-22s %10llu ops\n", name, (unsigned long long)ops);
}

/* --- hash maps: owned keys, replacements, deletes, foreign lookups ------- */

static void *hash_worker(void *p)
{
    struct targ *a = p;
    struct pbpf_map *m = a->m;
    uint32_t base = (uint32_t)a->id * KEYS_PER_THREAD;
    int present[KEYS_PER_THREAD] = {0};
    uint32_t seq[KEYS_PER_THREAD] = {0};
    uint64_t s = 0x9e3779b97f4a7c15ull * (uint64_t)(a->id + 1);
    int percpu = pbpf_map_is_percpu(pbpf_map_type(m));
    int lru = pbpf_map_type(m) == PBPF_MAP_TYPE_LRU_HASH;
    int inplace = pbpf_map_type(m) == PBPF_MAP_TYPE_HASH && !(pbpf_map_flags(m) & PBPF_F_NO_PREALLOC);
    uint8_t uv[64 * 16];
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint32_t i = (uint32_t)(xs(&s) % KEYS_PER_THREAD), key = base + i;
        uint32_t op = (uint32_t)(xs(&s) % 8);
        a->ops++;
        if (op < 3) {
            struct val v = mkval(key, ++seq[i]);
            int rc;
            if (percpu) {
                for (unsigned sl = 0; sl < 4; sl++)
                    memcpy(uv + sl * sizeof v, &v, sizeof v);
                rc = pbpf_map_update_elem(m, &key, uv, PBPF_ANY);
            } else {
                rc = pbpf_map_update_elem(m, &key, &v, PBPF_ANY);
            }
            if (rc)
                fail("update of an owned key failed");
            present[i] = 1;
        } else if (op < 4) {
            int rc = pbpf_map_delete_elem(m, &key);
            if (!lru && rc != (present[i] ? 0 : -ENOENT))
                fail("delete disagrees with the owner's record");
            present[i] = 0;
        } else {
            /* a lookup of anyone's key, held across other work */
            uint32_t other = (uint32_t)(xs(&s) % (THREADS * KEYS_PER_THREAD));
            pbpf_epoch_enter();
            struct val *v = pbpf_map_lookup_prog(m, &other, (unsigned)a->id);
            /* per-CPU values are updated in place (as Linux); so are the
             * values of preallocated HASH maps (map_hash.c): a reader may
             * see the bytes change, but they stay its key's.  The other
             * maps promise a stable value to a reader. */
            if (v && !percpu && inplace) {
                for (int spin = 0; spin < 50; spin++)
                    if (__atomic_load_n(&v->key, __ATOMIC_RELAXED) != other)
                        fail("value of another key (element reused while visible)");
            } else if (v && !percpu) {
                struct val snap = *v;
                if (!val_ok(&snap, other))
                    fail("value of another key (element reused while visible)");
                for (int spin = 0; spin < 50; spin++)
                    __asm__ __volatile__("" ::: "memory");
                if (memcmp(&snap, v, sizeof snap) != 0)
                    fail("value changed under a reader (element reused)");
            }
            /* a copy by key is never a mix of two updates */
            struct val c;
            if (!percpu && pbpf_map_lookup_elem(m, &other, &c) == 0 && !val_ok(&c, other))
                fail("copy of a value mixes two updates");
            pbpf_epoch_exit();
        }
    }
    /* no update lost: the map holds exactly what this thread last wrote */
    for (uint32_t i = 0; i < KEYS_PER_THREAD; i++) {
        uint32_t key = base + i;
        int rc = pbpf_map_lookup_elem(m, &key, uv);
        if (lru) {
            if (!present[i] && rc == 0)
                fail("lru: deleted key came back");
        } else if (rc != (present[i] ? 0 : -ENOENT)) {
            fail("final state differs from the owner's record");
        }
        if (rc == 0 && present[i]) {
            struct val v;
            memcpy(&v, uv, sizeof v);
            if (!val_ok(&v, key) || v.seq != seq[i])
                fail("lost update: value is not the last one written");
        }
    }
    return NULL;
}

static void stress_hash(uint32_t type, uint32_t flags, const char *name)
{
    /* room for every key: updates of owned keys never see E2BIG */
    struct pbpf_map *m =
        mt_map(rt, type, 4, sizeof(struct val), THREADS * KEYS_PER_THREAD, flags);
    run_threads(hash_worker, m, name);
    pbpf_map_free(m);
}

/* --- array: concurrent atomic adds from programs lose nothing ------------- */

static struct pbpf_prog *counter_prog;
static void *array_worker(void *p)
{
    struct targ *a = p;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint64_t r0;
        if (pbpf_prog_run(counter_prog, NULL, 0, &r0, NULL) || r0 != 1)
            fail("counter program failed");
        a->ops++;
    }
    return NULL;
}

static void stress_array(void)
{
    struct pbpf_map *m = mt_map(rt, PBPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
    const struct pbpf_insn prog[] = {
        I_ST_W(10, -4, 0), I_MOV64_REG(2, 10), I_ADD64_IMM(2, -4), I_MAP(1, m), I_CALL(1),
        I_JEQ_IMM(0, 0, 3), I_MOV64_IMM(1, 1), I_XADD_DW(0, 1, 0), I_MOV64_IMM(0, 1), I_EXIT(),
    };
    /* the engine is under test, not the verifier: verified mode runs
     * the bytecode as the test built it (preverified) */
    PBPF_OPTS(pbpf_prog_opts, po, .preverified = 1, .mode = PBPF_MODE_VERIFIED);
    CHECK_EQ(pbpf_prog_load(rt, prog, MT_LEN(prog), &po, &counter_prog), 0);
    struct pbpf_thread *th[THREADS];
    struct targ args[THREADS];
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    for (int i = 0; i < THREADS; i++) {
        args[i] = (struct targ){m, i, 0};
        pbpf_thread_start(&th[i], array_worker, &args[i]);
    }
    uint64_t end = pbpf_time_mono_ns() + (uint64_t)(seconds * 1e9);
    while (pbpf_time_mono_ns() < end)
        pbpf_thread_yield();
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    uint64_t total = 0;
    for (int i = 0; i < THREADS; i++) {
        pbpf_thread_join(th[i]);
        total += args[i].ops;
    }
    uint32_t k = 0;
    uint64_t v = 0;
    CHECK_EQ(pbpf_map_lookup_elem(m, &k, &v), 0);
    CHECK_EQ(v, total);
    printf("  %-22s %10llu ops\n", "array atomic add", (unsigned long long)total);
    pbpf_prog_free(counter_prog);
    pbpf_map_free(m);
}

/* --- LPM: owned prefixes, lookups check the value matches the prefix ---- */

static void *lpm_worker(void *p)
{
    struct targ *a = p;
    struct pbpf_map *m = a->m;
    uint64_t s = 12345u + (uint64_t)a->id;
    int present[KEYS_PER_THREAD] = {0};
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint32_t i = (uint32_t)(xs(&s) % KEYS_PER_THREAD);
        uint8_t k[8];
        uint32_t plen = 24, id = (uint32_t)a->id * 256 + i;
        memcpy(k, &plen, 4);
        k[4] = 10, k[5] = (uint8_t)a->id, k[6] = (uint8_t)i, k[7] = 0;
        uint32_t op = (uint32_t)(xs(&s) % 4);
        a->ops++;
        if (op == 0) {
            if (pbpf_map_update_elem(m, k, &id, PBPF_ANY))
                fail("lpm update failed");
            present[i] = 1;
        } else if (op == 1) {
            if (pbpf_map_delete_elem(m, k) != (present[i] ? 0 : -ENOENT))
                fail("lpm delete disagrees with the owner's record");
            present[i] = 0;
        } else {
            plen = 32;
            memcpy(k, &plen, 4);
            k[5] = (uint8_t)(xs(&s) % THREADS);
            k[7] = 77;
            pbpf_epoch_enter();
            uint32_t *v = pbpf_map_lookup_prog(m, k, 0);
            if (v && *v != (uint32_t)k[5] * 256 + k[6])
                fail("lpm value of another prefix");
            pbpf_epoch_exit();
        }
    }
    for (uint32_t i = 0; i < KEYS_PER_THREAD; i++) {
        uint8_t k[8];
        uint32_t plen = 24, v;
        memcpy(k, &plen, 4);
        k[4] = 10, k[5] = (uint8_t)a->id, k[6] = (uint8_t)i, k[7] = 0;
        if ((pbpf_map_lookup_elem(m, k, &v) == 0) != present[i])
            fail("lpm final state differs");
    }
    return NULL;
}

/* --- queue: every pushed value popped exactly once ---------------------- */

static uint64_t q_pushed_sum, q_popped_sum;
static void *queue_worker(void *p)
{
    struct targ *a = p;
    uint64_t n = 0, pushed = 0, popped = 0;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint64_t v = ((uint64_t)a->id << 40) | ++n, out;
        if (pbpf_map_update_elem(a->m, NULL, &v, PBPF_ANY) == 0)
            pushed += v;
        if (pbpf_map_lookup_and_delete_elem(a->m, NULL, &out) == 0)
            popped += out;
        a->ops += 2;
    }
    __atomic_add_fetch(&q_pushed_sum, pushed, __ATOMIC_RELAXED);
    __atomic_add_fetch(&q_popped_sum, popped, __ATOMIC_RELAXED);
    return NULL;
}

static void stress_queue(void)
{
    struct pbpf_map *q = mt_map(rt, PBPF_MAP_TYPE_QUEUE, 0, 8, 64, 0);
    run_threads(queue_worker, q, "queue");
    uint64_t out;
    while (pbpf_map_lookup_and_delete_elem(q, NULL, &out) == 0)
        q_popped_sum += out;
    CHECK_EQ(q_popped_sum, q_pushed_sum);
    pbpf_map_free(q);
}

/* --- ring buffer: producers on threads, one consumer --------------------- */

static uint64_t rb_produced;
static void *rb_worker(void *p)
{
    struct targ *a = p;
    uint8_t rec[64];
    uint64_t n = 0;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        size_t len = 8 + (size_t)(n % 50);
        for (size_t j = 0; j < len; j++)
            rec[j] = (uint8_t)(n + j);
        pbpf_epoch_enter();
        if (pbpf_ringbuf_output(a->m, rec, len, 0) == 0)
            __atomic_add_fetch(&rb_produced, 1, __ATOMIC_RELAXED);
        pbpf_epoch_exit();
        n++;
        a->ops++;
    }
    return NULL;
}

static int rb_check(void *ctx, void *data, size_t size)
{
    const uint8_t *p = data;
    for (size_t j = 0; j < size; j++)
        if (p[j] != (uint8_t)(p[0] + j)) {
            fail("ring buffer record corrupted");
            break;
        }
    ++*(uint64_t *)ctx;
    return 0;
}

static void stress_ringbuf(void)
{
    struct pbpf_map *rb = mt_map(rt, PBPF_MAP_TYPE_RINGBUF, 0, 0, 16384, 0);
    struct pbpf_thread *th[THREADS - 1];
    struct targ args[THREADS - 1];
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    for (int i = 0; i < THREADS - 1; i++) {
        args[i] = (struct targ){rb, i, 0};
        pbpf_thread_start(&th[i], rb_worker, &args[i]);
    }
    /* the time given, and on a machine so loaded that no producer has run
     * yet, until a record has come (at most 30 s more) */
    uint64_t consumed = 0, now = pbpf_time_mono_ns(), end = now + (uint64_t)(seconds * 1e9),
             cap = end + 30ull * 1000 * 1000 * 1000;
    for (; (now < end || !consumed) && now < cap; now = pbpf_time_mono_ns())
        if (pbpf_ringbuf_consume(rb, rb_check, &consumed) < 0)
            fail("consume failed");
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < THREADS - 1; i++)
        pbpf_thread_join(th[i]);
    pbpf_ringbuf_consume(rb, rb_check, &consumed);
    CHECK_EQ(consumed, rb_produced);
    CHECK(consumed > 0);
    printf("  %-22s %10llu records\n", "ringbuf", (unsigned long long)consumed);
    pbpf_map_free(rb);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        seconds = atof(argv[1]);
    PBPF_OPTS(pbpf_runtime_opts, ro, .slots = 4);
    if (pbpf_runtime_new(&ro, &rt))
        return 1;
    stress_hash(PBPF_MAP_TYPE_HASH, 0, "hash");
    stress_hash(PBPF_MAP_TYPE_HASH, PBPF_F_NO_PREALLOC, "hash no-prealloc");
    stress_hash(PBPF_MAP_TYPE_PERCPU_HASH, 0, "percpu hash");
    stress_hash(PBPF_MAP_TYPE_LRU_HASH, 0, "lru hash");
    stress_array();
    struct pbpf_map *lpm =
        mt_map(rt, PBPF_MAP_TYPE_LPM_TRIE, 8, 4, THREADS * KEYS_PER_THREAD, PBPF_F_NO_PREALLOC);
    run_threads(lpm_worker, lpm, "lpm");
    pbpf_map_free(lpm);
    stress_queue();
    stress_ringbuf();
    pbpf_maps_reclaim();
    pbpf_runtime_free(rt);
    CHECK_EQ(errors, 0);
    return mt_report("maps_stress");
}
