/* Handles of the libbpf-compatible API: maps and programs behind small
 * integers, like Linux's bpf fds.
 *
 * Each handle reserves a real descriptor of the process (an empty memfd,
 * or /dev/null where memfd_create does not exist), and the table is indexed
 * by that number.  So a handle never aliases a file the process has open,
 * and a loader that close()s a map fd, as it would on Linux, really gives
 * the number back: the table notices that the descriptor is gone or is
 * another file (device and inode differ) the next time the number is used
 * or handed out again, and drops the map reference then.  On Windows the
 * descriptor is the C runtime's, of NUL; its stat has no inode, so the
 * handle is told apart by the OS handle under the descriptor instead. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#include <io.h>
#else
#include <sys/mman.h>
#endif

#include "compat/compat.h"
#include "maps/map.h"

struct handle {
    int kind; /* enum compat_fd_kind, 0 = free */
    int owned;
    void *ptr;
    uint32_t prog_type;
    struct fd_id {
#ifdef _WIN32
        intptr_t os; /* _get_osfhandle */
#else
        dev_t dev;
        ino_t ino;
#endif
    } id;
};

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *table;
static size_t table_cap;

/* What identifies descriptor fd's open file; 0 or a negative errno. */
static int fd_identity(int fd, struct fd_id *id)
{
#ifdef _WIN32
    id->os = _get_osfhandle(fd);
    return id->os == -1 ? -EBADF : 0;
#else
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return 0;
#endif
}

static int reserve_fd(struct fd_id *id)
{
    int fd = -1;
#ifdef _WIN32
    fd = _open("NUL", _O_RDONLY | _O_NOINHERIT);
#else
#ifdef MFD_CLOEXEC
    fd = memfd_create("pbpf-bpf-handle", MFD_CLOEXEC);
#endif
    if (fd < 0)
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
#endif
    if (fd < 0)
        return -errno;
    int rc = fd_identity(fd, id);
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

/* Drops what a handle holds; called with fd_lock held. */
static void handle_clear(struct handle *h)
{
    if (h->kind == COMPAT_FD_MAP)
        pbpf_map_free(h->ptr);
    else if (h->kind == COMPAT_FD_PROG && h->owned)
        pbpf_prog_free(h->ptr);
    memset(h, 0, sizeof *h);
}

/* Whether the descriptor fd is still the one the handle reserved. */
static int handle_alive(int fd, const struct handle *h)
{
    struct fd_id id = {0};
    if (fd_identity(fd, &id))
        return 0;
#ifdef _WIN32
    return id.os == h->id.os;
#else
    return id.dev == h->id.dev && id.ino == h->id.ino;
#endif
}

static int fd_new(int kind, void *ptr, uint32_t prog_type, int owned)
{
    struct fd_id id = {0};
    int fd = reserve_fd(&id);
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&fd_lock);
    if ((size_t)fd >= table_cap) {
        size_t cap = table_cap ? table_cap : 64;
        while (cap <= (size_t)fd)
            cap *= 2;
        struct handle *t = realloc(table, cap * sizeof *t);
        if (!t) {
            pthread_mutex_unlock(&fd_lock);
            close(fd);
            return -ENOMEM;
        }
        memset(t + table_cap, 0, (cap - table_cap) * sizeof *t);
        table = t;
        table_cap = cap;
    }
    /* the number was a handle the user close()d: that one is gone */
    handle_clear(&table[fd]);
    table[fd] = (struct handle){.kind = kind, .owned = owned, .ptr = ptr,
                                .prog_type = prog_type, .id = id};
    pthread_mutex_unlock(&fd_lock);
    return fd;
}

int compat_fd_new_map(struct pbpf_map *map)
{
    pbpf_map_get(map);
    int fd = fd_new(COMPAT_FD_MAP, map, 0, 1);
    if (fd < 0)
        pbpf_map_free(map);
    return fd;
}

int compat_fd_new_prog(struct pbpf_prog *prog, uint32_t prog_type, int owned)
{
    return fd_new(COMPAT_FD_PROG, prog, prog_type, owned);
}

/* The live handle at fd of kind, with fd_lock held; NULL and *err set when
 * there is none (-EBADF) or it is another kind (-EINVAL, as bpf(2) gives
 * for a program fd where a map fd is expected). */
static struct handle *lookup_locked(int fd, int kind, int *err)
{
    if (fd < 0 || (size_t)fd >= table_cap || !table[fd].kind) {
        *err = -EBADF;
        return NULL;
    }
    struct handle *h = &table[fd];
    if (!handle_alive(fd, h)) {
        handle_clear(h);
        *err = -EBADF;
        return NULL;
    }
    if (h->kind != kind) {
        *err = -EINVAL;
        return NULL;
    }
    return h;
}

struct pbpf_map *compat_fd_map(int fd, int *err)
{
    pthread_mutex_lock(&fd_lock);
    struct handle *h = lookup_locked(fd, COMPAT_FD_MAP, err);
    struct pbpf_map *m = h ? h->ptr : NULL;
    pthread_mutex_unlock(&fd_lock);
    return m;
}

struct pbpf_prog *compat_fd_prog(int fd, uint32_t *prog_type, int *err)
{
    pthread_mutex_lock(&fd_lock);
    struct handle *h = lookup_locked(fd, COMPAT_FD_PROG, err);
    struct pbpf_prog *p = h ? h->ptr : NULL;
    if (h && prog_type)
        *prog_type = h->prog_type;
    pthread_mutex_unlock(&fd_lock);
    return p;
}

void compat_fd_release(int fd, const void *ptr)
{
    if (fd < 0)
        return;
    pthread_mutex_lock(&fd_lock);
    if ((size_t)fd < table_cap && table[fd].kind && table[fd].ptr == ptr) {
        int alive = handle_alive(fd, &table[fd]);
        handle_clear(&table[fd]);
        if (alive)
            close(fd);
    }
    pthread_mutex_unlock(&fd_lock);
}
