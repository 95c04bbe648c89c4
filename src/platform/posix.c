/* Platform layer for POSIX systems (Linux, the BSDs, macOS). */
#if !defined(_WIN32)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#include <sys/syscall.h>
#endif

#include "platform/platform.h"

void *pbpf_malloc(size_t size) { return malloc(size ? size : 1); }
void *pbpf_calloc(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }
void *pbpf_realloc(void *p, size_t size) { return realloc(p, size ? size : 1); }
void pbpf_free(void *p) { free(p); }

void *pbpf_exec_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int pbpf_exec_seal(void *p, size_t size)
{
    if (mprotect(p, size, PROT_READ | PROT_EXEC) != 0)
        return -errno;
#if defined(__aarch64__)
    __builtin___clear_cache((char *)p, (char *)p + size);
#endif
    return 0;
}

void pbpf_exec_free(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t pbpf_time_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

uint64_t pbpf_time_boot_ns(void)
{
#ifdef CLOCK_BOOTTIME
    return clock_ns(CLOCK_BOOTTIME);
#else
    return clock_ns(CLOCK_MONOTONIC);
#endif
}

uint64_t pbpf_time_coarse_ns(void)
{
#ifdef CLOCK_MONOTONIC_COARSE
    return clock_ns(CLOCK_MONOTONIC_COARSE);
#else
    return clock_ns(CLOCK_MONOTONIC);
#endif
}

uint64_t pbpf_time_real_ns(void) { return clock_ns(CLOCK_REALTIME); }

unsigned pbpf_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? (unsigned)n : 1;
}

int pbpf_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
#if defined(__linux__)
        ssize_t n = getrandom(p, len, 0);
#else
        ssize_t n = -1;
        errno = ENOSYS;
#endif
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return -errno;
            n = read(fd, p, len);
            close(fd);
            if (n <= 0)
                return -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

uint64_t pbpf_process_id(void) { return (uint64_t)getpid(); }

uint64_t pbpf_thread_id(void)
{
#if defined(__linux__)
    return (uint64_t)syscall(SYS_gettid);
#else
    return (uint64_t)getpid();
#endif
}

void pbpf_thread_yield(void) { sched_yield(); }

struct pbpf_thread {
    pthread_t tid;
};

int pbpf_thread_start(struct pbpf_thread **out, void *(*fn)(void *arg), void *arg)
{
    struct pbpf_thread *t = malloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    int rc = pthread_create(&t->tid, NULL, fn, arg);
    if (rc) {
        free(t);
        return -rc;
    }
    *out = t;
    return 0;
}

void *pbpf_thread_join(struct pbpf_thread *t)
{
    void *ret = NULL;
    pthread_join(t->tid, &ret);
    free(t);
    return ret;
}
#endif

int pbpf_read_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    int rc = 0;
    while (b) {
        if (n == cap) {
            uint8_t *nb = cap >= (1u << 30) ? NULL : realloc(b, cap * 2);
            if (!nb) {
                rc = cap >= (1u << 30) ? -EFBIG : -ENOMEM;
                break;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!b)
        return -ENOMEM;
    if (rc) {
        free(b);
        return rc;
    }
    *buf = b;
    *len = n;
    return 0;
}
