/* Platform layer for Windows (built with mingw-w64 or MSVC). */
#if defined(_WIN32)
#include <errno.h>
#include <stdlib.h>
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <bcrypt.h>

#include "platform/platform.h"

void *pbpf_malloc(size_t size) { return malloc(size ? size : 1); }
void *pbpf_calloc(size_t n, size_t size) { return calloc(n ? n : 1, size ? size : 1); }
void *pbpf_realloc(void *p, size_t size) { return realloc(p, size ? size : 1); }
void pbpf_free(void *p) { free(p); }

void *pbpf_exec_alloc(size_t size)
{
    return VirtualAlloc(NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
}

int pbpf_exec_seal(void *p, size_t size)
{
    DWORD old;
    if (!VirtualProtect(p, size, PAGE_EXECUTE_READ, &old))
        return -EACCES;
    FlushInstructionCache(GetCurrentProcess(), p, size);
    return 0;
}

void pbpf_exec_free(void *p, size_t size)
{
    (void)size;
    if (p)
        VirtualFree(p, 0, MEM_RELEASE);
}

void *pbpf_pages_alloc(size_t size)
{
    /* committed pages are zeroed */
    return VirtualAlloc(NULL, size ? size : 1, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
}

int pbpf_pages_protect(void *p, size_t size, int writable)
{
    DWORD old;
    if (!VirtualProtect(p, size ? size : 1, writable ? PAGE_READWRITE : PAGE_READONLY, &old))
        return -EACCES;
    return 0;
}

void pbpf_pages_free(void *p, size_t size)
{
    (void)size;
    if (p)
        VirtualFree(p, 0, MEM_RELEASE);
}

static uint64_t qpc_ns(void)
{
    static LARGE_INTEGER freq; /* benign: every thread computes the same value */
    LARGE_INTEGER now;
    if (!freq.QuadPart)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
}

uint64_t pbpf_time_mono_ns(void) { return qpc_ns(); }
uint64_t pbpf_time_boot_ns(void) { return qpc_ns(); }
uint64_t pbpf_time_coarse_ns(void) { return (uint64_t)GetTickCount64() * 1000000u; }

uint64_t pbpf_time_real_ns(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    /* 100 ns units since 1601-01-01 → ns since 1970-01-01 */
    return (t - 116444736000000000ull) * 100u;
}

unsigned pbpf_cpu_count(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n ? (unsigned)n : 1;
}

int pbpf_random_bytes(void *buf, size_t len)
{
    NTSTATUS st = BCryptGenRandom(NULL, buf, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    return st == 0 ? 0 : -EIO;
}

uint64_t pbpf_process_id(void) { return GetCurrentProcessId(); }
uint64_t pbpf_thread_id(void) { return GetCurrentThreadId(); }

/* Windows has SIDs, not numeric user and group ids. */
int pbpf_current_uid_gid(uint64_t *out)
{
    *out = 0;
    return -EOPNOTSUPP;
}

/* The executable's base name, as Linux's comm of a process's main thread. */
void pbpf_current_comm(char *buf, size_t size)
{
    if (!size)
        return;
    char path[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, path, sizeof path);
    if (n == 0 || n >= sizeof path)
        n = 0;
    path[n] = 0;
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    size_t i = 0;
    while (base[i] && i < 15 && i + 1 < size) {
        buf[i] = base[i];
        i++;
    }
    buf[i] = 0;
}

int pbpf_mem_read(void *dst, const void *src, size_t len)
{
    SIZE_T n = 0;
    if (!len)
        return 0;
    if (!ReadProcessMemory(GetCurrentProcess(), src, dst, len, &n) || n != len)
        return -EFAULT;
    return 0;
}

void pbpf_sleep_ns(uint64_t ns) { Sleep((DWORD)((ns + 999999u) / 1000000u)); }

void pbpf_thread_yield(void) { SwitchToThread(); }

struct pbpf_thread {
    HANDLE h;
    void *(*fn)(void *arg);
    void *arg;
    void *ret;
};

static DWORD WINAPI thread_trampoline(LPVOID p)
{
    struct pbpf_thread *t = p;
    t->ret = t->fn(t->arg);
    return 0;
}

int pbpf_thread_start(struct pbpf_thread **out, void *(*fn)(void *arg), void *arg)
{
    struct pbpf_thread *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->fn = fn;
    t->arg = arg;
    t->h = CreateThread(NULL, 0, thread_trampoline, t, 0, NULL);
    if (!t->h) {
        free(t);
        return -EAGAIN;
    }
    *out = t;
    return 0;
}

void *pbpf_thread_join(struct pbpf_thread *t)
{
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    void *ret = t->ret;
    free(t);
    return ret;
}

/* Fiber-local storage runs its callback, with the slot's value, when a
 * thread ends (and when a fiber is deleted).  The callback is WINAPI and
 * learns only the value, so each key gets its own trampoline from a small
 * fixed table. */
#define TLS_KEYS 4

struct pbpf_tls_key {
    DWORD idx;
    void (*dtor)(void *value);
};

static struct pbpf_tls_key tls_keys[TLS_KEYS];
static LONG tls_used;

#define TLS_TRAMPOLINE(i)                                                                          \
    static VOID WINAPI tls_dtor##i(PVOID v)                                                        \
    {                                                                                              \
        if (v && tls_keys[i].dtor)                                                                 \
            tls_keys[i].dtor(v);                                                                   \
    }
TLS_TRAMPOLINE(0)
TLS_TRAMPOLINE(1)
TLS_TRAMPOLINE(2)
TLS_TRAMPOLINE(3)
static PFLS_CALLBACK_FUNCTION const tls_dtors[TLS_KEYS] = {tls_dtor0, tls_dtor1, tls_dtor2,
                                                             tls_dtor3};

int pbpf_tls_key_new(struct pbpf_tls_key **out, void (*dtor)(void *value))
{
    LONG i = InterlockedIncrement(&tls_used) - 1;
    if (i >= TLS_KEYS)
        return -EAGAIN;
    struct pbpf_tls_key *k = &tls_keys[i];
    k->dtor = dtor;
    k->idx = FlsAlloc(tls_dtors[i]);
    if (k->idx == FLS_OUT_OF_INDEXES)
        return -EAGAIN;
    *out = k;
    return 0;
}

int pbpf_tls_set(struct pbpf_tls_key *k, void *value)
{
    return FlsSetValue(k->idx, value) ? 0 : -ENOMEM;
}

struct pbpf_cond {
    SRWLOCK lock;
    CONDITION_VARIABLE cv;
};

int pbpf_cond_new(struct pbpf_cond **out)
{
    struct pbpf_cond *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    InitializeSRWLock(&c->lock);
    InitializeConditionVariable(&c->cv);
    *out = c;
    return 0;
}

void pbpf_cond_free(struct pbpf_cond *c) { free(c); }
void pbpf_cond_lock(struct pbpf_cond *c) { AcquireSRWLockExclusive(&c->lock); }
void pbpf_cond_unlock(struct pbpf_cond *c) { ReleaseSRWLockExclusive(&c->lock); }

void pbpf_cond_wait(struct pbpf_cond *c, uint64_t ns)
{
    /* milliseconds, rounded up so that a deadline is not missed by a
     * wake-up just before it; INFINITE is 0xffffffff */
    DWORD ms = INFINITE;
    if (ns != UINT64_MAX) {
        uint64_t m = (ns + 999999u) / 1000000u;
        ms = m >= INFINITE ? INFINITE - 1 : (DWORD)m;
    }
    SleepConditionVariableSRW(&c->cv, &c->lock, ms, 0);
}

void pbpf_cond_broadcast(struct pbpf_cond *c) { WakeAllConditionVariable(&c->cv); }
#endif

int pbpf_read_file(const char *path, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND || GetLastError() == ERROR_PATH_NOT_FOUND
                   ? -ENOENT
                   : -EACCES;
    LARGE_INTEGER size;
    if (!GetFileSizeEx(h, &size) || size.QuadPart > (1 << 30)) {
        CloseHandle(h);
        return -EFBIG;
    }
    size_t n = (size_t)size.QuadPart, got = 0;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        CloseHandle(h);
        return -ENOMEM;
    }
    while (got < n) {
        DWORD r = 0;
        DWORD want = (DWORD)(n - got > 0x40000000u ? 0x40000000u : n - got);
        if (!ReadFile(h, b + got, want, &r, NULL) || r == 0)
            break;
        got += r;
    }
    CloseHandle(h);
    *buf = b;
    *len = got;
    return 0;
}
