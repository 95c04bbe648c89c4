/* Sequence counts: one writer at a time (the caller's lock) changes some
 * words in place; lock-free readers copy them and retry when a write ran
 * meanwhile (Linux's seqcount_t, include/linux/seqlock.h).
 *
 * The count is 64 bits.  A reader is fooled only if the count comes back
 * to the value it started from while it copies, which takes 2^63 writes of
 * the one object during a single copy: centuries at any rate a lock-taking
 * writer can reach, so an accepted copy is never torn.  (Linux's count is
 * 32 bits, but its readers run with preemption off or take the lock; ours
 * are user threads the host may stop for any time.) */
#ifndef PBPF_MAPS_SEQCOUNT_H
#define PBPF_MAPS_SEQCOUNT_H

#include <stdint.h>

/* The count to pass to pbpf_seq_read_retry(), or an odd value while a
 * write runs (the caller then waits and starts again). */
static inline uint64_t pbpf_seq_read_begin(const uint64_t *seq)
{
    return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

/* After the copy (whose loads must be atomic, relaxed is enough): whether
 * a write ran since pbpf_seq_read_begin() returned start. */
static inline int pbpf_seq_read_retry(const uint64_t *seq, uint64_t start)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(seq, __ATOMIC_RELAXED) != start;
}

/* Around the writer's atomic stores, with the writers' lock held. */
static inline void pbpf_seq_write_begin(uint64_t *seq)
{
    uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void pbpf_seq_write_end(uint64_t *seq)
{
    uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, s + 1, __ATOMIC_RELEASE);
}

#endif
