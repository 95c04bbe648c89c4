/* Platform layer for POSIX systems (Linux, the BSDs, macOS). */
#if !defined(_WIN32)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
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

void *pbpf_pages_alloc(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int pbpf_pages_protect(void *p, size_t size, int writable)
{
    if (mprotect(p, size ? size : 1, writable ? PROT_READ | PROT_WRITE : PROT_READ) != 0)
        return -errno;
    return 0;
}

void pbpf_pages_free(void *p, size_t size)
{
    if (p)
        munmap(p, size ? size : 1);
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

int pbpf_current_uid_gid(uint64_t *out)
{
    *out = (uint64_t)getgid() << 32 | (uint32_t)getuid();
    return 0;
}

void pbpf_current_comm(char *buf, size_t size)
{
    if (!size)
        return;
    char name[17] = "";
#if defined(__linux__)
    if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0)
        name[0] = 0;
#else
    pthread_getname_np(pthread_self(), name, sizeof name);
#endif
    name[16] = 0;
    size_t n = 0;
    while (name[n] && n + 1 < size)
        n++;
    for (size_t i = 0; i < n; i++)
        buf[i] = name[i];
    buf[n] = 0;
}

/* Without process_vm_readv (not Linux, or refused by a seccomp policy), a
 * pipe does the same: write(2) fails with EFAULT on unreadable memory. */
static int mem_read_pipe(void *dst, const void *src, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -EFAULT;
    int rc = 0;
    const char *s = src;
    char *d = dst;
    while (len && !rc) {
        size_t n = len < 4096 ? len : 4096;
        ssize_t w = write(fds[1], s, n);
        if (w <= 0) {
            rc = -EFAULT;
            break;
        }
        ssize_t r = read(fds[0], d, (size_t)w);
        if (r != w)
            rc = -EFAULT;
        s += w;
        d += w;
        len -= (size_t)w;
    }
    close(fds[0]);
    close(fds[1]);
    return rc;
}

int pbpf_mem_read(void *dst, const void *src, size_t len)
{
    if (!len)
        return 0;
    if ((uintptr_t)src + len < (uintptr_t)src)
        return -EFAULT;
#if defined(__linux__)
    static int no_vm_readv;
    if (!__atomic_load_n(&no_vm_readv, __ATOMIC_RELAXED)) {
        struct iovec local = {dst, len}, remote = {(void *)(uintptr_t)src, len};
        ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
        if (n == (ssize_t)len)
            return 0;
        if (n >= 0 || errno == EFAULT)
            return -EFAULT;
        if (errno != ENOSYS && errno != EPERM)
            return -EFAULT;
        __atomic_store_n(&no_vm_readv, 1, __ATOMIC_RELAXED);
    }
#endif
    return mem_read_pipe(dst, src, len);
}

void pbpf_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
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

struct pbpf_tls_key {
    pthread_key_t key;
};

int pbpf_tls_key_new(struct pbpf_tls_key **out, void (*dtor)(void *value))
{
    struct pbpf_tls_key *k = malloc(sizeof *k);
    if (!k)
        return -ENOMEM;
    int rc = pthread_key_create(&k->key, dtor);
    if (rc) {
        free(k);
        return -rc;
    }
    *out = k;
    return 0;
}

int pbpf_tls_set(struct pbpf_tls_key *k, void *value)
{
    return -pthread_setspecific(k->key, value);
}

struct pbpf_cond {
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

int pbpf_cond_new(struct pbpf_cond **out)
{
    struct pbpf_cond *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    pthread_condattr_t a;
    pthread_condattr_init(&a);
#if !defined(__APPLE__)
    /* timed waits measure the monotonic clock, which does not jump */
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
#endif
    int rc = pthread_cond_init(&c->cv, &a);
    pthread_condattr_destroy(&a);
    if (rc) {
        free(c);
        return -rc;
    }
    rc = pthread_mutex_init(&c->mu, NULL);
    if (rc) {
        pthread_cond_destroy(&c->cv);
        free(c);
        return -rc;
    }
    *out = c;
    return 0;
}

void pbpf_cond_free(struct pbpf_cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void pbpf_cond_lock(struct pbpf_cond *c) { pthread_mutex_lock(&c->mu); }
void pbpf_cond_unlock(struct pbpf_cond *c) { pthread_mutex_unlock(&c->mu); }

void pbpf_cond_wait(struct pbpf_cond *c, uint64_t ns)
{
    if (ns == UINT64_MAX) {
        pthread_cond_wait(&c->cv, &c->mu);
        return;
    }
    struct timespec ts;
#if defined(__APPLE__)
    clock_gettime(CLOCK_REALTIME, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    /* past about 30 years: no limit in practice */
    if (ns > (uint64_t)1 << 60)
        ns = (uint64_t)1 << 60;
    uint64_t nsec = (uint64_t)ts.tv_nsec + ns % 1000000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u + nsec / 1000000000u);
    ts.tv_nsec = (long)(nsec % 1000000000u);
    pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

void pbpf_cond_broadcast(struct pbpf_cond *c) { pthread_cond_broadcast(&c->cv); }
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
