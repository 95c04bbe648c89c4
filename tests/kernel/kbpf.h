/* kbpf: a thin test-only wrapper over Linux's raw bpf(2) syscall, so that
 * tests can use the kernel as the reference implementation (program
 * loading and the verifier's verdict, BPF_PROG_TEST_RUN, map commands).
 *
 * Every call returns a non-negative value (0 or a file descriptor) or a
 * negative errno, like the syscall itself; on systems without bpf() every
 * call returns -ENOSYS and kbpf_probe() says why.  Instructions are
 * struct pbpf_insn, whose layout is that of Linux's struct bpf_insn. */
#ifndef PBPF_TESTS_KBPF_H
#define PBPF_TESTS_KBPF_H

#include <stddef.h>
#include <stdint.h>

#include "pbpf/pbpf.h"

/* Program and map type numbers are Linux's (enum bpf_prog_type,
 * enum bpf_map_type); the few tests need are named here so that callers
 * don't have to include <linux/bpf.h>. */
enum {
    KBPF_PROG_SOCKET_FILTER = 1,
    KBPF_PROG_SCHED_CLS = 3,
    KBPF_PROG_XDP = 6,
};

/* Whether bpf() can load and test-run programs here.  Returns 1, or 0 with
 * a one-line reason in why ("not Linux", "bpf() not permitted: ..."), which
 * a test prints before exiting with the skip code. */
int kbpf_probe(char *why, size_t why_size);

struct kbpf_load_opts {
    uint32_t prog_type;                /* KBPF_PROG_* / enum bpf_prog_type */
    uint32_t expected_attach_type;
    const struct pbpf_insn *insns;
    size_t insn_cnt;
    const char *license;               /* NULL: "GPL" */
    const char *name;                  /* NULL: none; at most 15 chars used */
    /* optional: receives the verifier's full log when loading fails (the
     * load is retried with log level 1 to obtain it) */
    char *log_buf;
    size_t log_size;
    /* out: the verifier's reason for a rejection — its last message line,
     * without the statistics lines that follow it — or "" */
    char reason[256];
    /* non-zero: the first load asks for the verifier's statistics
     * (log_level 4, BPF_LOG_STATS) and fills the two fields below */
    int stats;
    long verify_us;      /* out: "verification time N usec", -1 unknown */
    long processed;      /* out: "processed N insns", -1 unknown */
};

/* Loads a program.  Returns its fd, or a negative errno (-EINVAL, -EACCES:
 * rejected by the verifier, reason filled). */
int kbpf_prog_load(struct kbpf_load_opts *opts);

struct kbpf_test_run {
    const void *data_in;
    uint32_t data_size_in;
    void *data_out;              /* optional */
    uint32_t data_size_out;      /* in: capacity; out: bytes the kernel produced */
    const void *ctx_in;          /* optional */
    uint32_t ctx_size_in;
    void *ctx_out;               /* optional */
    uint32_t ctx_size_out;       /* in: capacity; out: bytes produced */
    uint32_t repeat;             /* 0 or 1: once */
    uint32_t flags;
    uint32_t retval;             /* out: the program's 32-bit return value */
    uint32_t duration_ns;        /* out: average run time */
};

/* BPF_PROG_TEST_RUN.  Returns 0 or a negative errno. */
int kbpf_prog_test_run(int prog_fd, struct kbpf_test_run *run);

/* Map commands, with Linux's flags (BPF_ANY = 0, BPF_NOEXIST = 1,
 * BPF_EXIST = 2, ...).  Create returns the map fd. */
int kbpf_map_create(uint32_t map_type, uint32_t key_size, uint32_t value_size,
                    uint32_t max_entries, uint32_t map_flags);
int kbpf_map_update(int map_fd, const void *key, const void *value, uint64_t flags);
int kbpf_map_lookup(int map_fd, const void *key, void *value);
int kbpf_map_delete(int map_fd, const void *key);
/* key NULL: the first key.  -ENOENT after the last one. */
int kbpf_map_get_next_key(int map_fd, const void *key, void *next_key);

/* BPF_MAP_FREEZE: no more writes from user space. */
int kbpf_map_freeze(int map_fd);

/* Closes an fd returned by this library (ignores negative values). */
void kbpf_close(int fd);

#endif
