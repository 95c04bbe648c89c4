/* Handles of the libbpf-compatible API: maps and programs behind small
 * integers, like Linux's bpf fds.
 *
 * Each handle reserves a real descriptor of the process (an empty memfd,
 * or /dev/null where memfd_create does not exist), and the table is indexed
 * by that number.  So a handle never aliases a file the process has open,
 * and a loader that close()s a map fd, as it would on Linux, really gives
 * the number back: the table notices that the descriptor is gone or is
 * another file (device and inode differ) the next time the number is used
 * or handed out again, and drops the map reference then. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat/compat.h"
#include "maps/map.h"

struct handle {
    int kind; /* enum compat_fd_kind, 0 = free */
    int owned;
    void *ptr;
    uint32_t prog_type;
    dev_t dev;
    ino_t ino;
};

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle *table;
static size_t table_cap;

static int reserve_fd(struct stat *st)
{
    int fd = -1;
#ifdef MFD_CLOEXEC
    fd = memfd_create("pbpf-bpf-handle", MFD_CLOEXEC);
#endif
    if (fd < 0)
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        return -e;
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
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == h->dev && st.st_ino == h->ino;
}

static int fd_new(int kind, void *ptr, uint32_t prog_type, int owned)
{
    struct stat st;
    int fd = reserve_fd(&st);
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
                                .prog_type = prog_type, .dev = st.st_dev, .ino = st.st_ino};
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
