/* Epoch-based reclamation (see epoch.h).
 *
 * Each thread keeps the nodes it retired in a list of its own, so that
 * retiring touches no shared cache line but the (mostly read) global epoch.
 *
 * Correctness argument: retire() follows the caller's unlink with a full
 * fence, then reads the global epoch G and tags the node with G + 1.  The
 * global epoch only grows by increments, and an increment that produced a
 * value >= G + 1 came after that read, hence after the unlink.  A reader
 * that published epoch >= G + 1 read the global epoch after such an
 * increment, so its loads come after the unlink and cannot reach the node.
 * A reader whose record shows an epoch <= G may hold it; the node waits.
 * A reader whose record shows 0 had not published yet: it publishes with a
 * full barrier before loading pointers and the reclaimer scans after a full
 * barrier (store-buffering pattern), so one of the two sees the other's
 * store and the reader's later loads see the unlink.  Reclaimers advance
 * the global epoch before they scan, which is what lets tags age. */
#include "maps/epoch.h"
#include "platform/platform.h"

_Thread_local struct pbpf_epoch_rec *pbpf_epoch_self;
uint64_t pbpf_epoch_global = 1;

static struct pbpf_epoch_rec *epoch_recs; /* push-only list */
static unsigned epoch_homes;

/* A thread tries to reclaim its own list once this many nodes wait. */
#define EPOCH_BATCH 32

/* A full barrier as well as a lock (exchange is one on every target):
 * retire() relies on it to order the caller's unlink before its read of
 * the global epoch. */
static void lock(int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_SEQ_CST))
        pbpf_thread_yield();
}

static void unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

static void rec_init(struct pbpf_epoch_rec *r)
{
    r->limbo = NULL;
    r->owned = 1;
    r->home = __atomic_fetch_add(&epoch_homes, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&r->limbo_tail, &r->limbo, __ATOMIC_RELEASE);
}

static void rec_release(void *arg);

/* The thread-exit slot whose destructor hands a record back: made by the
 * first thread that needs it; NULL if the platform could not make one
 * (records then stay with their threads for good, as they would with no
 * threads ending). */
static struct pbpf_tls_key *epoch_key;
static int epoch_key_state; /* 0: none yet, 1: being made, 2: made, 3: failed */

static struct pbpf_tls_key *exit_key(void)
{
    int s = __atomic_load_n(&epoch_key_state, __ATOMIC_ACQUIRE);
    if (s == 0 && __atomic_compare_exchange_n(&epoch_key_state, &s, 1, 0, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE)) {
        struct pbpf_tls_key *k = NULL;
        int ok = pbpf_tls_key_new(&k, rec_release) == 0;
        epoch_key = ok ? k : NULL;
        __atomic_store_n(&epoch_key_state, ok ? 2 : 3, __ATOMIC_RELEASE);
        return epoch_key;
    }
    while ((s = __atomic_load_n(&epoch_key_state, __ATOMIC_ACQUIRE)) == 1)
        pbpf_thread_yield();
    return s == 2 ? epoch_key : NULL;
}

struct pbpf_epoch_rec *pbpf_epoch_rec_slow(void)
{
    /* A record an ended thread left first: its epoch is 0 (it was outside
     * every section, see rec_release), so taking it over changes nothing
     * for the scans; nodes still in its limbo list keep their tags and are
     * reclaimed by the new owner or by pbpf_epoch_reclaim() elsewhere. */
    struct pbpf_epoch_rec *r;
    for (r = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE); r; r = r->next)
        if (!__atomic_load_n(&r->owned, __ATOMIC_RELAXED) &&
            !__atomic_exchange_n(&r->owned, 1, __ATOMIC_ACQUIRE))
            break;
    if (!r) {
        static struct pbpf_epoch_rec fallback; /* out of memory: share one, depth-guarded */
        static int fallback_once;
        r = pbpf_calloc(1, sizeof *r);
        if (!r) {
            if (__atomic_exchange_n(&fallback_once, 1, __ATOMIC_ACQ_REL)) {
                /* another thread is linking it; it is usable once its tail
                 * is set.  It is never handed back (no exit destructor). */
                while (!__atomic_load_n(&fallback.limbo_tail, __ATOMIC_ACQUIRE))
                    pbpf_thread_yield();
                pbpf_epoch_self = &fallback;
                return &fallback;
            }
            r = &fallback;
        }
        rec_init(r);
        struct pbpf_epoch_rec *head = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE);
        do
            r->next = head;
        while (!__atomic_compare_exchange_n(&epoch_recs, &head, r, 1, __ATOMIC_RELEASE,
                                            __ATOMIC_ACQUIRE));
        if (r == &fallback) {
            pbpf_epoch_self = r;
            return r;
        }
    }
    /* If the destructor cannot be registered the record stays this
     * thread's after it ends: a leak of one record, not an error. */
    struct pbpf_tls_key *k = exit_key();
    if (k)
        (void)pbpf_tls_set(k, r);
    pbpf_epoch_self = r;
    return r;
}

/* Advances the global epoch, then returns the oldest epoch a reader may
 * still be in (UINT64_MAX: no reader). */
static uint64_t advance_and_scan(void)
{
    __atomic_add_fetch(&pbpf_epoch_global, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t min = UINT64_MAX;
    for (struct pbpf_epoch_rec *r = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE); r;
         r = r->next) {
        uint64_t e = __atomic_load_n(&r->epoch, __ATOMIC_SEQ_CST);
        if (e && e < min)
            min = e;
    }
    return min;
}

/* Takes the nodes that are safe from the head of r's limbo list (r's lock
 * held): the list is sorted by tag, so the first unsafe node ends it. */
static struct pbpf_epoch_node *collect(struct pbpf_epoch_rec *r, uint64_t oldest)
{
    struct pbpf_epoch_node *done = r->limbo, **pp = &r->limbo;
    unsigned n = 0;
    while (*pp && (*pp)->epoch <= oldest) {
        pp = &(*pp)->next;
        n++;
    }
    if (pp == &r->limbo)
        return NULL;
    /* written under the lock; read without it by reclaim's quick skip */
    __atomic_store_n(&r->limbo_len, r->limbo_len - n, __ATOMIC_RELAXED);
    r->limbo = *pp;
    *pp = NULL;
    if (!r->limbo)
        r->limbo_tail = &r->limbo;
    return done;
}

static void run(struct pbpf_epoch_node *done)
{
    while (done) {
        struct pbpf_epoch_node *n = done;
        done = n->next;
        n->fn(n);
    }
}

void pbpf_epoch_reclaim(void)
{
    uint64_t oldest = advance_and_scan();
    for (struct pbpf_epoch_rec *r = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE); r;
         r = r->next) {
        if (!__atomic_load_n(&r->limbo_len, __ATOMIC_RELAXED))
            continue;
        lock(&r->lock);
        struct pbpf_epoch_node *done = collect(r, oldest);
        unlock(&r->lock);
        run(done);
    }
}

void pbpf_epoch_retire(struct pbpf_epoch_node *node, void *owner,
                       void (*fn)(struct pbpf_epoch_node *node))
{
    struct pbpf_epoch_rec *r = pbpf_epoch_self;
    if (__builtin_expect(!r, 0))
        r = pbpf_epoch_rec_slow();
    node->owner = owner;
    node->fn = fn;
    node->next = NULL;
    /* the lock's exchange is the full barrier that puts the caller's
     * unlink before the read of the epoch (see the top of the file); the
     * tag is taken under the lock so the list stays sorted */
    lock(&r->lock);
    node->epoch = __atomic_load_n(&pbpf_epoch_global, __ATOMIC_SEQ_CST) + 1;
    *r->limbo_tail = node;
    r->limbo_tail = &node->next;
    unsigned len = r->limbo_len + 1;
    __atomic_store_n(&r->limbo_len, len, __ATOMIC_RELAXED);
    struct pbpf_epoch_node *done = NULL;
    if (len >= EPOCH_BATCH && len % (EPOCH_BATCH / 2) == 0)
        done = collect(r, advance_and_scan());
    unlock(&r->lock);
    run(done);
}

void pbpf_epoch_forget(void *owner)
{
    for (struct pbpf_epoch_rec *r = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE); r;
         r = r->next) {
        lock(&r->lock);
        struct pbpf_epoch_node *done = NULL, **pp = &r->limbo;
        r->limbo_tail = &r->limbo;
        while (*pp) {
            struct pbpf_epoch_node *n = *pp;
            if (n->owner == owner) {
                *pp = n->next;
                n->next = done;
                done = n;
                __atomic_store_n(&r->limbo_len, r->limbo_len - 1, __ATOMIC_RELAXED);
            } else {
                pp = &n->next;
                r->limbo_tail = pp;
            }
        }
        unlock(&r->lock);
        run(done);
    }
}

/* The thread-exit destructor of a thread's record.  A thread that ends
 * inside a section (it left a program without returning) keeps its record:
 * its published epoch must go on holding back what it may have seen, as
 * it would if the thread still ran.  Otherwise the thread reclaims what it
 * retired that is safe already, while the record is still its own (the
 * callbacks may use pbpf_epoch_home()), and hands the record back. */
static void rec_release(void *arg)
{
    struct pbpf_epoch_rec *r = arg;
    if (r->depth)
        return;
    uint64_t oldest = advance_and_scan();
    lock(&r->lock);
    struct pbpf_epoch_node *done = collect(r, oldest);
    unlock(&r->lock);
    run(done);
    if (pbpf_epoch_self == r)
        pbpf_epoch_self = NULL;
    __atomic_store_n(&r->owned, 0, __ATOMIC_RELEASE);
}

unsigned pbpf_epoch_rec_count(unsigned *owned)
{
    unsigned n = 0, o = 0;
    for (struct pbpf_epoch_rec *r = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE); r;
         r = r->next) {
        n++;
        o += __atomic_load_n(&r->owned, __ATOMIC_RELAXED) != 0;
    }
    if (owned)
        *owned = o;
    return n;
}
