/* The libbpf-compatible layer (include/compat/bpf/) over pbpf's core:
 * shared internals of its files.  Nothing in the core includes this. */
#ifndef PBPF_COMPAT_COMPAT_H
#define PBPF_COMPAT_COMPAT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "pbpf/maps.h"
#include "pbpf/pbpf.h"
#include "platform/platform.h"

/* The one runtime every object, map and program of the process lives in
 * (created on first use, lives until exit).  NULL when it cannot be made. */
struct pbpf_runtime *compat_runtime(void);

/* --- handle table ------------------------------------------------------- */

enum compat_fd_kind {
    COMPAT_FD_MAP = 1,
    COMPAT_FD_PROG = 2,
};

/* A new handle for a map (takes a new reference) or a program.  owned:
 * the table frees the program when the handle goes (bpf_prog_load); else
 * the program belongs to an object that releases the handle itself.
 * Returns the fd or a negative errno. */
int compat_fd_new_map(struct pbpf_map *map);
int compat_fd_new_prog(struct pbpf_prog *prog, uint32_t prog_type, int owned);
/* The map/program of a live handle, or NULL (-EBADF / -EINVAL in *err). */
struct pbpf_map *compat_fd_map(int fd, int *err);
struct pbpf_prog *compat_fd_prog(int fd, uint32_t *prog_type, int *err);
/* Releases fd if it is still the handle of ptr (an object closing the
 * handles it made; the user may have closed and reused the number). */
void compat_fd_release(int fd, const void *ptr);

/* Whether a link (attach.c) is pinned at path. */
int compat_link_pinned(const char *path);

/* --- errors and messages ------------------------------------------------- */

/* libbpf's convention: negative errno returned and errno set. */
static inline int compat_err(int rc)
{
    if (rc < 0)
        errno = -rc;
    return rc;
}
static inline void *compat_err_ptr(int rc)
{
    errno = rc < 0 ? -rc : rc;
    return NULL;
}

enum compat_level { COMPAT_WARN = 0, COMPAT_INFO = 1, COMPAT_DEBUG = 2 };
void compat_print(enum compat_level level, const char *fmt, ...) PBPF_PRINTF_FMT(2, 3);

#define COMPAT_OPT(opts, type, field, def)                                                         \
    ((opts) && (opts)->sz >= offsetof(type, field) + sizeof((opts)->field) ? (opts)->field : (def))

/* The parsed BTF under a libbpf struct btf (src/compat/btf.c). */
struct btf;
struct pbpf_btf;
const struct pbpf_btf *compat_btf_core(const struct btf *btf);

/* The running Linux kernel's release ("6.18.0-...") into buf: 0, or -1
 * where there is none (not Linux, uname failed).  (src/compat/btf.c) */
int compat_kernel_release(char *buf, size_t size);

#endif
