/* The low-level calls of libbpf's bpf/bpf.h (BPF_MAP_CREATE, BPF_PROG_LOAD,
 * element and batch operations, pinning, test runs) on pbpf's maps and
 * programs, through the handle table (fd.c). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/bpf.h"
#include "bpf/pbpf_attach.h"
#include "compat/compat.h"
#include "exec/exec.h"
#include "pbpf/hooks.h"
#include "pbpf/maps.h"

/* BPF_PSEUDO_MAP_* (include/uapi/linux/bpf.h) */
#define PSEUDO_MAP_FD 1
#define PSEUDO_MAP_VALUE 2
#define PSEUDO_MAP_IDX 5
#define PSEUDO_MAP_IDX_VALUE 6

static struct pbpf_runtime *runtime;
static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;

/* bpf_trace_printk's messages go to the function the loader set with
 * pbpf_bpf_set_trace_print, else nowhere (Linux: the trace pipe, lost when
 * nobody reads it). */
static void (*trace_fn)(void *ctx, const char *msg, size_t len);
static void *trace_ctx;

void pbpf_bpf_set_trace_print(void (*fn)(void *ctx, const char *msg, size_t len), void *ctx)
{
    __atomic_store_n(&trace_ctx, ctx, __ATOMIC_RELAXED);
    __atomic_store_n(&trace_fn, fn, __ATOMIC_RELEASE);
}

static void trace_print(void *ctx, const char *msg, size_t len)
{
    void (*fn)(void *, const char *, size_t) = __atomic_load_n(&trace_fn, __ATOMIC_ACQUIRE);
    if (fn)
        fn(__atomic_load_n(&trace_ctx, __ATOMIC_RELAXED), msg, len);
}

static void runtime_make(void)
{
    PBPF_OPTS(pbpf_runtime_opts, ro, .print = trace_print);
    if (pbpf_runtime_new(&ro, &runtime) != 0)
        runtime = NULL;
}

struct pbpf_runtime *compat_runtime(void)
{
    pthread_once(&runtime_once, runtime_make);
    return runtime;
}

/* --- maps ------------------------------------------------------------------ */

int bpf_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
                   __u32 value_size, __u32 max_entries, const struct bpf_map_create_opts *opts)
{
    struct pbpf_runtime *rt = compat_runtime();
    struct pbpf_map *inner = NULL, *map;
    int err = 0;
    if (!rt)
        return compat_err(-ENOMEM);
    if (opts && opts->sz < sizeof(size_t))
        return compat_err(-EINVAL);
    uint32_t inner_fd = COMPAT_OPT(opts, struct bpf_map_create_opts, inner_map_fd, 0);
    if (map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS || map_type == BPF_MAP_TYPE_HASH_OF_MAPS) {
        inner = compat_fd_map((int)inner_fd, &err);
        if (!inner)
            return compat_err(err);
    }
    PBPF_OPTS(pbpf_map_create_opts, co, .type = map_type, .key_size = key_size,
              .value_size = value_size, .max_entries = max_entries,
              .map_flags = COMPAT_OPT(opts, struct bpf_map_create_opts, map_flags, 0),
              .map_extra = COMPAT_OPT(opts, struct bpf_map_create_opts, map_extra, 0),
              .inner_map = inner, .name = map_name);
    err = pbpf_map_create(rt, &co, &map);
    if (err)
        return compat_err(err);
    int fd = compat_fd_new_map(map);
    pbpf_map_free(map); /* the handle holds its own reference */
    return compat_err(fd);
}

/* PROG_ARRAY and maps of maps take fds as values: pbpf's maps take the
 * program or map pointer (pbpf/maps.h). */
static int fd_value(struct pbpf_map *m, const void *value, void **ptr)
{
    int err = 0, fd;
    switch (pbpf_map_type(m)) {
    case BPF_MAP_TYPE_PROG_ARRAY:
        memcpy(&fd, value, sizeof fd);
        *ptr = compat_fd_prog(fd, NULL, &err);
        return *ptr ? 0 : err;
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
        memcpy(&fd, value, sizeof fd);
        *ptr = compat_fd_map(fd, &err);
        return *ptr ? 0 : err;
    default:
        return 1;
    }
}

int compat_map_update(struct pbpf_map *m, const void *key, const void *value, __u64 flags);
int compat_map_update(struct pbpf_map *m, const void *key, const void *value, __u64 flags)
{
    void *ptr;
    if (!value && pbpf_map_value_size(m))
        return -EFAULT;
    int rc = value ? fd_value(m, value, &ptr) : 1;
    if (rc < 0)
        return rc;
    return pbpf_map_update_elem(m, key, rc == 0 ? (const void *)&ptr : value, flags);
}

#define WITH_MAP(fd, m)                                                                            \
    int err_ = 0;                                                                                  \
    struct pbpf_map *m = compat_fd_map((fd), &err_);                                               \
    if (!m)                                                                                        \
        return compat_err(err_);

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
    WITH_MAP(fd, m);
    return compat_err(compat_map_update(m, key, value, flags));
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_lookup_elem(m, key, value));
}

int bpf_map_lookup_elem_flags(int fd, const void *key, void *value, __u64 flags)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_lookup_elem_flags(m, key, value, flags));
}

int bpf_map_lookup_and_delete_elem(int fd, const void *key, void *value)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_lookup_and_delete_elem(m, key, value));
}

int bpf_map_delete_elem(int fd, const void *key)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_delete_elem(m, key));
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_get_next_key(m, key, next_key));
}

int bpf_map_freeze(int fd)
{
    WITH_MAP(fd, m);
    return compat_err(pbpf_map_freeze(m));
}

static int batch_opts(const struct bpf_map_batch_opts *opts, struct pbpf_map_batch_opts *o)
{
    if (opts && opts->sz < sizeof(size_t))
        return -EINVAL;
    *o = (struct pbpf_map_batch_opts){
        .sz = sizeof *o,
        .elem_flags = COMPAT_OPT(opts, struct bpf_map_batch_opts, elem_flags, 0),
        .flags = COMPAT_OPT(opts, struct bpf_map_batch_opts, flags, 0)};
    return 0;
}

int bpf_map_delete_batch(int fd, const void *keys, __u32 *count,
                         const struct bpf_map_batch_opts *opts)
{
    struct pbpf_map_batch_opts o;
    WITH_MAP(fd, m);
    int rc = batch_opts(opts, &o);
    return compat_err(rc ? rc : pbpf_map_delete_batch(m, keys, count, &o));
}

int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
                         __u32 *count, const struct bpf_map_batch_opts *opts)
{
    struct pbpf_map_batch_opts o;
    WITH_MAP(fd, m);
    int rc = batch_opts(opts, &o);
    return compat_err(rc ? rc
                         : pbpf_map_lookup_batch(m, in_batch, out_batch, keys, values, count, &o));
}

int bpf_map_lookup_and_delete_batch(int fd, void *in_batch, void *out_batch, void *keys,
                                    void *values, __u32 *count,
                                    const struct bpf_map_batch_opts *opts)
{
    struct pbpf_map_batch_opts o;
    WITH_MAP(fd, m);
    int rc = batch_opts(opts, &o);
    return compat_err(rc ? rc
                         : pbpf_map_lookup_and_delete_batch(m, in_batch, out_batch, keys, values,
                                                            count, &o));
}

int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
                         const struct bpf_map_batch_opts *opts)
{
    struct pbpf_map_batch_opts o;
    WITH_MAP(fd, m);
    int rc = batch_opts(opts, &o);
    return compat_err(rc ? rc : pbpf_map_update_batch(m, keys, values, count, &o));
}

/* --- pinning ------------------------------------------------------------- */

int bpf_obj_pin(int fd, const char *pathname)
{
    int err = 0;
    struct pbpf_map *m = compat_fd_map(fd, &err);
    if (m)
        return compat_err(pbpf_map_pin(m, pathname));
    if (err != -EINVAL)
        return compat_err(err);
    struct pbpf_prog *p = compat_fd_prog(fd, NULL, &err);
    if (!p)
        return compat_err(err);
    return compat_err(pbpf_prog_pin(p, pathname));
}

int bpf_obj_get(const char *pathname)
{
    int kind = pbpf_pinned_kind(pathname);
    if (kind == PBPF_PIN_MAP) {
        struct pbpf_map *m;
        int rc = pbpf_map_get_pinned(pathname, &m);
        if (rc)
            return compat_err(rc);
        int fd = compat_fd_new_map(m);
        pbpf_map_free(m);
        return compat_err(fd);
    }
    if (kind == PBPF_PIN_PROG) {
        struct pbpf_prog *p;
        int rc = pbpf_prog_get_pinned(pathname, &p);
        if (rc)
            return compat_err(rc);
        /* the handle owns the reference the pin gave */
        int fd = compat_fd_new_prog(p, p->prog_type, 1);
        if (fd < 0)
            pbpf_prog_free(p);
        return compat_err(fd);
    }
    if (kind > 0 && compat_link_pinned(pathname)) {
        compat_print(COMPAT_WARN, "libbpf: %s: links have no fd in pbpf: open it with "
                                  "bpf_link__open()\n", pathname);
        return compat_err(-EOPNOTSUPP);
    }
    return compat_err(kind < 0 ? kind : -EINVAL);
}

/* --- programs ------------------------------------------------------------ */

/* Adds m to the program's map table (once) and returns its index. */
static int map_index(struct pbpf_map ***maps, size_t *cnt, struct pbpf_map *m)
{
    for (size_t i = 0; i < *cnt; i++)
        if ((*maps)[i] == m)
            return (int)i;
    struct pbpf_map **n = realloc(*maps, (*cnt + 1) * sizeof *n);
    if (!n)
        return -ENOMEM;
    *maps = n;
    n[*cnt] = m;
    return (int)(*cnt)++;
}

int bpf_prog_load(enum bpf_prog_type prog_type, const char *prog_name, const char *license,
                  const struct bpf_insn *insns, size_t insn_cnt,
                  const struct bpf_prog_load_opts *opts)
{
    struct pbpf_runtime *rt = compat_runtime();
    struct pbpf_map **maps = NULL;
    size_t map_cnt = 0;
    struct pbpf_prog *prog = NULL;
    char own_log[1024] = "";
    int rc = 0;

    if (!rt)
        return compat_err(-ENOMEM);
    if ((opts && opts->sz < sizeof(size_t)) || !insns || !insn_cnt)
        return compat_err(-EINVAL);
    const int *fd_array = COMPAT_OPT(opts, struct bpf_prog_load_opts, fd_array, NULL);
    char *log_buf = COMPAT_OPT(opts, struct bpf_prog_load_opts, log_buf, NULL);
    size_t log_size = COMPAT_OPT(opts, struct bpf_prog_load_opts, log_size, 0);
    if (!log_buf || !log_size) {
        log_buf = own_log;
        log_size = sizeof own_log;
    }

    struct pbpf_insn *copy = malloc(insn_cnt * sizeof *copy);
    if (!copy)
        return compat_err(-ENOMEM);
    memcpy(copy, insns, insn_cnt * sizeof *copy);
    /* map fds → indexes into the program's own map table (pbpf.h) */
    for (size_t i = 0; i < insn_cnt; i++) {
        unsigned src = copy[i].regs >> 4;
        if (copy[i].code != 0x18 || i + 1 >= insn_cnt)
            continue;
        if (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX ||
            src == PSEUDO_MAP_IDX_VALUE) {
            int fd = copy[i].imm, err = 0;
            if (src == PSEUDO_MAP_IDX || src == PSEUDO_MAP_IDX_VALUE) {
                if (!fd_array) {
                    snprintf(log_buf, log_size,
                             "insn %zu: map index %d without fd_array", i, fd);
                    rc = -EINVAL;
                    goto out;
                }
                fd = fd_array[copy[i].imm];
            }
            struct pbpf_map *m = compat_fd_map(fd, &err);
            if (!m) {
                snprintf(log_buf, log_size, "insn %zu: fd %d is not a map", i, fd);
                rc = err == -EINVAL ? -EINVAL : -EBADF;
                goto out;
            }
            int idx = map_index(&maps, &map_cnt, m);
            if (idx < 0) {
                rc = idx;
                goto out;
            }
            copy[i].imm = idx;
            copy[i].regs = (uint8_t)((copy[i].regs & 0x0f) |
                                     ((src == PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX
                                           ? PSEUDO_MAP_FD
                                           : PSEUDO_MAP_VALUE)
                                      << 4));
            i++;
        }
    }
    /* as BPF_PROG_LOAD: the verifier decides (verified mode), with the
     * license for GPL-only helpers and the caller's log level */
    PBPF_OPTS(pbpf_prog_opts, po, .engine = PBPF_ENGINE_INTERP, .mode = PBPF_MODE_VERIFIED,
              .license = license,
              .log_level = (int)COMPAT_OPT(opts, struct bpf_prog_load_opts, log_level, 0),
              .name = prog_name, .log_buf = log_buf, .log_size = log_size, .maps = maps,
              .map_cnt = map_cnt, .prog_type = prog_type,
              .expected_attach_type =
                  COMPAT_OPT(opts, struct bpf_prog_load_opts, expected_attach_type, 0));
    rc = pbpf_prog_load(rt, copy, insn_cnt, &po, &prog);
    if (rc) {
        compat_print(COMPAT_DEBUG, "libbpf: prog '%s': load failed: %s\n",
                     prog_name ? prog_name : "", log_buf);
        goto out;
    }
    rc = compat_fd_new_prog(prog, prog_type, 1);
    if (rc < 0)
        pbpf_prog_free(prog);
out:
    free(copy);
    free(maps);
    return compat_err(rc);
}

int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts *opts)
{
    int err = 0;
    struct pbpf_prog *prog = compat_fd_prog(prog_fd, NULL, &err);
    if (!prog)
        return compat_err(err);
    if (!opts || opts->sz < sizeof(size_t))
        return compat_err(-EINVAL);
    char msg[256] = "";
#define IN(f, def) COMPAT_OPT(opts, struct bpf_test_run_opts, f, def)
    PBPF_OPTS(pbpf_test_run_opts, t, .data_in = IN(data_in, NULL), .data_out = IN(data_out, NULL),
              .data_size_in = IN(data_size_in, 0), .data_size_out = IN(data_size_out, 0),
              .ctx_in = IN(ctx_in, NULL), .ctx_out = IN(ctx_out, NULL),
              .ctx_size_in = IN(ctx_size_in, 0), .ctx_size_out = IN(ctx_size_out, 0),
              .repeat = IN(repeat, 0), .flags = IN(flags, 0), .cpu = IN(cpu, 0),
              .batch_size = IN(batch_size, 0), .err_buf = msg, .err_size = sizeof msg);
#undef IN
    int rc = pbpf_prog_test_run(prog, &t);
    /* the out fields, as BPF_PROG_TEST_RUN writes them back (also with
     * -ENOSPC, where data_size_out tells the size needed) */
#define OUT(f)                                                                                     \
    if (opts->sz >= offsetof(struct bpf_test_run_opts, f) + sizeof(opts->f))                       \
        opts->f = t.f;
    if (rc == 0 || rc == -ENOSPC) {
        OUT(data_size_out);
        OUT(ctx_size_out);
        OUT(retval);
        OUT(duration);
    }
#undef OUT
    if (rc)
        compat_print(COMPAT_DEBUG, "libbpf: test run of fd %d: %s\n", prog_fd, msg);
    return compat_err(rc);
}
