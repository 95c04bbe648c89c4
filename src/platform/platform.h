/* The platform layer: the only code that talks to the operating system.
 * Porting pbpf to a new host means writing one more file that implements
 * these functions (posix.c, win32.c). */
#ifndef PBPF_PLATFORM_PLATFORM_H
#define PBPF_PLATFORM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* printf-style format checking for the core's message functions: declare
 * them `... PBPF_PRINTF_FMT(fmt_index, first_arg_index);`.  On mingw-w64 the
 * "printf" archetype means msvcrt's printf (no %zu, %llu); the core is built
 * with its C99 printf (__USE_MINGW_ANSI_STDIO), which "gnu_printf" describes.
 * Checking there also catches LLP64 mistakes (%lu for a uint64_t). */
#if defined(__MINGW32__)
#define PBPF_PRINTF_FMT(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define PBPF_PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))
#else
#define PBPF_PRINTF_FMT(f, a)
#endif

void *pbpf_malloc(size_t size);
void *pbpf_calloc(size_t n, size_t size);
void *pbpf_realloc(void *p, size_t size);
void pbpf_free(void *p);

/* Memory for generated code.  W^X: pages are read+write after alloc and
 * become read+execute (never both) after pbpf_exec_seal(). */
void *pbpf_exec_alloc(size_t size);
int pbpf_exec_seal(void *p, size_t size);
void pbpf_exec_free(void *p, size_t size);

/* Whole pages for memory that user space maps and whose protection
 * changes (the values of BPF_F_MMAPABLE arrays): zeroed and read+write
 * after alloc.  pbpf_pages_protect makes the pages of [p, p + size)
 * read-only (writable 0) or read+write again, as mprotect: 0 or a
 * negative errno.  A write to a read-only page faults (SIGSEGV, or an
 * access violation on Windows). */
void *pbpf_pages_alloc(size_t size);
int pbpf_pages_protect(void *p, size_t size, int writable);
void pbpf_pages_free(void *p, size_t size);

/* Clocks, in nanoseconds. */
uint64_t pbpf_time_mono_ns(void);   /* CLOCK_MONOTONIC: bpf_ktime_get_ns */
uint64_t pbpf_time_boot_ns(void);   /* including suspend: bpf_ktime_get_boot_ns */
uint64_t pbpf_time_coarse_ns(void); /* cheap, lower resolution */
uint64_t pbpf_time_real_ns(void);   /* wall clock (TAI approximated by UTC) */

unsigned pbpf_cpu_count(void);
/* Fills buf with unpredictable bytes; returns 0 or a negative errno. */
int pbpf_random_bytes(void *buf, size_t len);

/* Reads a whole file (the CO-RE target BTF) into *buf (pbpf_malloc'ed,
 * free with pbpf_free).  Returns 0 or a negative errno (-ENOENT ...);
 * files over 1 GiB give -EFBIG. */
int pbpf_read_file(const char *path, uint8_t **buf, size_t *len);

uint64_t pbpf_process_id(void);
uint64_t pbpf_thread_id(void);
/* The user and group of the process: gid << 32 | uid (Linux's
 * bpf_get_current_uid_gid).  -EOPNOTSUPP where the host has no such ids
 * (Windows). */
int pbpf_current_uid_gid(uint64_t *out);
/* The name of the calling thread (Linux: the task's comm, 16 bytes with
 * the NUL), NUL-terminated and truncated to size - 1 bytes. */
void pbpf_current_comm(char *buf, size_t size);

/* Copies len bytes of this process's memory from src to dst without
 * crashing on an address that is not mapped or not readable: 0, or
 * -EFAULT when any byte of [src, src+len) cannot be read (dst is then
 * undefined).  Linux: process_vm_readv on the process itself; Windows:
 * ReadProcessMemory. */
int pbpf_mem_read(void *dst, const void *src, size_t len);

/* Sleeps for about ns nanoseconds (waits of the poll APIs). */
void pbpf_sleep_ns(uint64_t ns);

/* Threads: yield for spin-wait back-off in map locks; start/join for
 * tests and tools (the core itself never starts threads). */
void pbpf_thread_yield(void);
struct pbpf_thread;
int pbpf_thread_start(struct pbpf_thread **out, void *(*fn)(void *arg), void *arg);
/* Waits for the thread, returns what fn returned, frees the handle. */
void *pbpf_thread_join(struct pbpf_thread *t);

/* A thread-local slot with a destructor: when a thread ends while its
 * value in the slot is not NULL, dtor(value) runs on that thread (POSIX:
 * a pthread key's destructor; Windows: a fiber-local storage callback).
 * The main thread's value may not be destroyed at process exit.  Keys
 * live as long as the process.  0 or a negative errno. */
struct pbpf_tls_key;
int pbpf_tls_key_new(struct pbpf_tls_key **out, void (*dtor)(void *value));
int pbpf_tls_set(struct pbpf_tls_key *k, void *value);

/* A lock with a condition to wait on (the timer service's). */
struct pbpf_cond;
int pbpf_cond_new(struct pbpf_cond **out);
void pbpf_cond_free(struct pbpf_cond *c);
void pbpf_cond_lock(struct pbpf_cond *c);
void pbpf_cond_unlock(struct pbpf_cond *c);
/* With the lock held: releases it until woken or until about ns
 * nanoseconds have passed (UINT64_MAX: no time limit), then takes it
 * again.  Wake-ups may be spurious. */
void pbpf_cond_wait(struct pbpf_cond *c, uint64_t ns);
/* Wakes every waiter. */
void pbpf_cond_broadcast(struct pbpf_cond *c);

#endif
