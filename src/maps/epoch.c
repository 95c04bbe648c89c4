/* Epoch-based reclamation (see epoch.h).
 *
 * Correctness argument: retire() stores the unlink (done by the caller),
 * then advances the global epoch to E and tags the node with E.  A reader
 * that published epoch >= E read the global epoch after that advance, so
 * its loads come after the unlink and cannot reach the node.  A reader
 * whose record we saw as 0 or < E may hold it; the node waits.  The reader
 * publishes with a full barrier before loading pointers and the reclaimer
 * scans after a full barrier (store-buffering pattern): one of the two sees
 * the other's store. */
#include "maps/epoch.h"
#include "platform/platform.h"

_Thread_local struct pbpf_epoch_rec *pbpf_epoch_self;
uint64_t pbpf_epoch_global = 1;

static struct pbpf_epoch_rec *epoch_recs; /* push-only list */
/* FIFO in retire order: tags increase from head to tail */
static struct pbpf_epoch_node *limbo, **limbo_tail = &limbo;
static unsigned limbo_len;
static int limbo_lock;

static void lock(void)
{
    while (__atomic_exchange_n(&limbo_lock, 1, __ATOMIC_ACQUIRE))
        pbpf_thread_yield();
}

static void unlock(void) { __atomic_store_n(&limbo_lock, 0, __ATOMIC_RELEASE); }

struct pbpf_epoch_rec *pbpf_epoch_rec_slow(void)
{
    /* Records are never freed: a thread's record is reachable from the
     * list for the life of the process (threads are few and long-lived). */
    static struct pbpf_epoch_rec fallback; /* out of memory: share one, depth-guarded */
    struct pbpf_epoch_rec *r = pbpf_calloc(1, sizeof *r);
    if (!r)
        return &fallback;
    struct pbpf_epoch_rec *head = __atomic_load_n(&epoch_recs, __ATOMIC_ACQUIRE);
    do
        r->next = head;
    while (!__atomic_compare_exchange_n(&epoch_recs, &head, r, 1, __ATOMIC_RELEASE,
                                        __ATOMIC_ACQUIRE));
    pbpf_epoch_self = r;
    return r;
}

/* Oldest epoch a reader may still be in (UINT64_MAX: no reader). */
static uint64_t oldest_reader(void)
{
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

/* Takes the nodes that are safe from the head of the limbo list (lock
 * held): the list is sorted by tag, so the first unsafe node ends it. */
static struct pbpf_epoch_node *collect(uint64_t oldest)
{
    struct pbpf_epoch_node *done = limbo, **pp = &limbo;
    while (*pp && (*pp)->epoch <= oldest) {
        pp = &(*pp)->next;
        limbo_len--;
    }
    if (pp == &limbo)
        return NULL;
    limbo = *pp;
    *pp = NULL;
    if (!limbo)
        limbo_tail = &limbo;
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
    lock();
    struct pbpf_epoch_node *done = collect(oldest_reader());
    unlock();
    run(done);
}

void pbpf_epoch_retire(struct pbpf_epoch_node *node, void *owner,
                       void (*fn)(struct pbpf_epoch_node *node))
{
    node->owner = owner;
    node->fn = fn;
    node->next = NULL;
    lock();
    /* tagged under the lock so the list stays sorted; a reader in epoch
     * >= the tag entered after the caller's unlink */
    node->epoch = __atomic_add_fetch(&pbpf_epoch_global, 1, __ATOMIC_SEQ_CST);
    *limbo_tail = node;
    limbo_tail = &node->next;
    limbo_len++;
    struct pbpf_epoch_node *done = NULL;
    if (limbo_len >= 64)
        done = collect(oldest_reader());
    unlock();
    run(done);
}

void pbpf_epoch_forget(void *owner)
{
    lock();
    struct pbpf_epoch_node *done = NULL, **pp = &limbo;
    limbo_tail = &limbo;
    while (*pp) {
        struct pbpf_epoch_node *n = *pp;
        if (n->owner == owner) {
            *pp = n->next;
            n->next = done;
            done = n;
            limbo_len--;
        } else {
            pp = &n->next;
            limbo_tail = pp;
        }
    }
    unlock();
    run(done);
}
