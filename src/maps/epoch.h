/* Epoch-based reclamation: memory a lock-free reader may still hold is
 * freed only after every reader that could have seen it has left.
 *
 * A program run is one read-side critical section: pbpf_epoch_enter() at
 * the start, pbpf_epoch_exit() at the end (nesting is allowed).  Writers
 * unlink an element under their lock and hand it to pbpf_epoch_retire();
 * its callback runs once no thread is still inside a section that began
 * before the element was unlinked. */
#ifndef PBPF_MAPS_EPOCH_H
#define PBPF_MAPS_EPOCH_H

#include <stdint.h>

struct pbpf_epoch_node {
    struct pbpf_epoch_node *next;
    uint64_t epoch;
    void *owner; /* the map it belongs to: pbpf_epoch_forget() */
    void (*fn)(struct pbpf_epoch_node *node);
};

/* One per running thread that has used maps: records are never freed
 * (scans walk the list without a lock) but a thread's record is handed to
 * the next new thread once it has ended (the platform's thread-exit
 * destructor), so there are never more than the most threads alive at
 * once.  The first cache line is what other threads read (the
 * epoch, during their scans); the second holds the thread's retired nodes,
 * which other threads touch only in pbpf_epoch_reclaim() and
 * pbpf_epoch_forget(). */
struct pbpf_epoch_rec {
    _Alignas(64) struct pbpf_epoch_rec *next;
    /* epoch seen at entry, 0 when outside a section */
    uint64_t epoch;
    unsigned depth;
    /* the record's number (0, 1, ... in order of creation; a thread that
     * takes a record over gets its number): spreads per-thread resources
     * such as a hash map's free lists */
    unsigned home;
    _Alignas(64) int lock; /* guards the limbo list */
    /* a thread has the record (pbpf_epoch_self); 0 once it has ended, when
     * the next thread that needs a record takes this one over, limbo list
     * and home included */
    int owned;
    unsigned limbo_len;
    /* FIFO in retire order: tags never decrease from head to tail */
    struct pbpf_epoch_node *limbo, **limbo_tail;
};

struct pbpf_epoch_rec *pbpf_epoch_rec_slow(void);
extern _Thread_local struct pbpf_epoch_rec *pbpf_epoch_self;
extern uint64_t pbpf_epoch_global;

static inline unsigned pbpf_epoch_home(void)
{
    struct pbpf_epoch_rec *r = pbpf_epoch_self;
    if (__builtin_expect(!r, 0))
        r = pbpf_epoch_rec_slow();
    return r->home;
}

static inline void pbpf_epoch_enter(void)
{
    struct pbpf_epoch_rec *r = pbpf_epoch_self;
    if (__builtin_expect(!r, 0))
        r = pbpf_epoch_rec_slow();
    if (r->depth++ == 0) {
        /* The store must be visible before the section's first pointer
         * load (pairs with the fence in retire's scan): exchange is a full
         * barrier on every target. */
        __atomic_exchange_n(&r->epoch, __atomic_load_n(&pbpf_epoch_global, __ATOMIC_RELAXED),
                            __ATOMIC_SEQ_CST);
    }
}

static inline void pbpf_epoch_exit(void)
{
    struct pbpf_epoch_rec *r = pbpf_epoch_self;
    if (--r->depth == 0)
        __atomic_store_n(&r->epoch, 0, __ATOMIC_RELEASE);
}

/* Defers node->fn(node) until no reader can still see it.  The caller has
 * already unlinked it from every structure a reader can reach. */
void pbpf_epoch_retire(struct pbpf_epoch_node *node, void *owner,
                       void (*fn)(struct pbpf_epoch_node *node));
/* Runs the callbacks that are safe now. */
void pbpf_epoch_reclaim(void);
/* Runs at once every pending callback of owner (the map is being
 * destroyed: nothing can run on it any more). */
void pbpf_epoch_forget(void *owner);
/* Records in the list (for tests): all of them, and through *owned, how
 * many a live thread holds. */
unsigned pbpf_epoch_rec_count(unsigned *owned);

#endif
