/* The object API of libbpf's bpf/libbpf.h (bpf_object__*, bpf_program__*,
 * bpf_map__*) over pbpf's ELF parser (pbpf/object.h) and loader
 * (pbpf/loader.h), plus libbpf's small utilities. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/btf.h"
#include "bpf/libbpf.h"
#include "compat/compat.h"
#include "compat/object.h"
#include "elf/elf.h"
#include "exec/exec.h"
#include "pbpf/loader.h"
#include "pbpf/object.h"
#include "platform/platform.h"

/* --- messages, errors, utilities ---------------------------------------------- */

static int print_default(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    return vfprintf(stderr, fmt, ap);
}

static libbpf_print_fn_t print_fn = print_default;

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
    libbpf_print_fn_t old = print_fn;
    print_fn = fn;
    return old;
}

void compat_print(enum compat_level level, const char *fmt, ...)
{
    libbpf_print_fn_t fn = print_fn;
    if (!fn)
        return;
    int saved = errno; /* a print function must not change the caller's errno */
    va_list ap;
    va_start(ap, fmt);
    fn((enum libbpf_print_level)level, fmt, ap);
    va_end(ap);
    errno = saved;
}

long libbpf_get_error(const void *ptr)
{
    return ptr ? 0 : -errno;
}

int libbpf_num_possible_cpus(void)
{
    struct pbpf_runtime *rt = compat_runtime();
    return rt ? (int)rt->slots : compat_err(-ENOMEM);
}

static const char *const libbpf_msgs[] = {
    [LIBBPF_ERRNO__LIBELF - __LIBBPF_ERRNO__START] = "Something wrong in libelf",
    [LIBBPF_ERRNO__FORMAT - __LIBBPF_ERRNO__START] = "BPF object format invalid",
    [LIBBPF_ERRNO__KVERSION - __LIBBPF_ERRNO__START] = "'version' section incorrect or lost",
    [LIBBPF_ERRNO__ENDIAN - __LIBBPF_ERRNO__START] = "Endian mismatch",
    [LIBBPF_ERRNO__INTERNAL - __LIBBPF_ERRNO__START] = "Internal error in libbpf",
    [LIBBPF_ERRNO__RELOC - __LIBBPF_ERRNO__START] = "Relocation failed",
    [LIBBPF_ERRNO__LOAD - __LIBBPF_ERRNO__START] = "Load program failure for unknown reason",
    [LIBBPF_ERRNO__VERIFY - __LIBBPF_ERRNO__START] = "Kernel verifier blocks program loading",
    [LIBBPF_ERRNO__PROG2BIG - __LIBBPF_ERRNO__START] = "Program too big",
    [LIBBPF_ERRNO__KVER - __LIBBPF_ERRNO__START] = "Incorrect kernel version",
    [LIBBPF_ERRNO__PROGTYPE - __LIBBPF_ERRNO__START] = "Kernel doesn't support this program type",
    [LIBBPF_ERRNO__WRNGPID - __LIBBPF_ERRNO__START] = "Wrong pid in netlink message",
    [LIBBPF_ERRNO__INVSEQ - __LIBBPF_ERRNO__START] = "Invalid netlink sequence",
    [LIBBPF_ERRNO__NLPARSE - __LIBBPF_ERRNO__START] = "Incorrect netlink message parsing",
};

int libbpf_strerror(int err, char *buf, size_t size)
{
    if (!buf || !size)
        return compat_err(-EINVAL);
    err = err < 0 ? -err : err;
    if (err < __LIBBPF_ERRNO__START) {
        snprintf(buf, size, "%s", strerror(err));
        return 0;
    }
    if (err < __LIBBPF_ERRNO__END) {
        snprintf(buf, size, "%s", libbpf_msgs[err - __LIBBPF_ERRNO__START]);
        return 0;
    }
    snprintf(buf, size, "Unknown libbpf error %d", err);
    return compat_err(-ENOENT);
}

int libbpf_prog_type_by_name(const char *name, enum bpf_prog_type *prog_type,
                             enum bpf_attach_type *expected_attach_type)
{
    uint32_t t, a;
    int sleepable;
    if (!name)
        return compat_err(-EINVAL);
    int rc = pbpf_sec_prog_type(name, &t, &a, &sleepable);
    if (rc) {
        compat_print(COMPAT_DEBUG, "libbpf: failed to guess program type from ELF section '%s'\n",
                     name);
        return compat_err(-ESRCH); /* libbpf's answer for an unknown section */
    }
    if (prog_type)
        *prog_type = (enum bpf_prog_type)t;
    if (expected_attach_type)
        *expected_attach_type = (enum bpf_attach_type)a;
    return 0;
}

__u32 libbpf_major_version(void) { return LIBBPF_MAJOR_VERSION; }
__u32 libbpf_minor_version(void) { return LIBBPF_MINOR_VERSION; }
const char *libbpf_version_string(void) { return "v1.1"; }

/* Linux's enum bpf_map_type, by value, without the BPF_MAP_TYPE_ prefix. */
static const char *const map_type_names[] = {
    "unspec",       "hash",          "array",          "prog_array",
    "perf_event_array", "percpu_hash", "percpu_array", "stack_trace",
    "cgroup_array", "lru_hash",      "lru_percpu_hash", "lpm_trie",
    "array_of_maps", "hash_of_maps", "devmap",         "sockmap",
    "cpumap",       "xskmap",        "sockhash",       "cgroup_storage",
    "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",
    "sk_storage",   "devmap_hash",   "struct_ops",     "ringbuf",
    "inode_storage", "task_storage", "bloom_filter",   "user_ringbuf",
    "cgrp_storage", "arena",
};

const char *libbpf_bpf_map_type_str(enum bpf_map_type t)
{
    return (unsigned)t < sizeof map_type_names / sizeof *map_type_names ? map_type_names[t]
                                                                        : NULL;
}

const char *libbpf_bpf_prog_type_str(enum bpf_prog_type t)
{
    return pbpf_prog_type_name((uint32_t)t);
}

const char *libbpf_bpf_attach_type_str(enum bpf_attach_type t)
{
    return pbpf_attach_type_name((uint32_t)t);
}

/* --- objects ------------------------------------------------------------------- */

/* libbpf's name for a global-data map: up to 8 characters of the object
 * name, then the section name, 15 characters at most, characters the
 * kernel refuses replaced (libbpf.c: internal_map_name()). */
static void internal_map_name(const char *obj_name, const char *sec, char out[16])
{
    size_t sfx = strlen(sec) > 7 ? strlen(sec) : 7;
    if (sfx > 15)
        sfx = 15;
    size_t pfx = strchr(sec + 1, '.') ? 0 : 15 - sfx;
    if (pfx > strlen(obj_name))
        pfx = strlen(obj_name);
    snprintf(out, 16, "%.*s%.*s", (int)pfx, obj_name, (int)sfx, sec);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            *p = '_';
}

static int is_data_map(const struct bpf_map *m)
{
    return m->kind == PBPF_OBJMAP_DATA || m->kind == PBPF_OBJMAP_KCONFIG;
}

static char *dup_opt(const char *s, int *err)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *err = -ENOMEM;
    return d;
}

static struct bpf_object *object_open(const void *buf, size_t len, const char *default_name,
                                      const struct bpf_object_open_opts *opts)
{
    char log[256] = "";
    struct bpf_object *obj;
    int err = 0;

    if (!buf || !len || (opts && opts->sz < sizeof(size_t)))
        return compat_err_ptr(-EINVAL);
    obj = calloc(1, sizeof *obj);
    if (!obj)
        return compat_err_ptr(-ENOMEM);
    const char *name = COMPAT_OPT(opts, struct bpf_object_open_opts, object_name, NULL);
    /* at most BPF_OBJ_NAME_LEN - 1 characters, as libbpf keeps */
    snprintf(obj->name, sizeof obj->name, "%.15s", name ? name : default_name);
    obj->kconfig = dup_opt(COMPAT_OPT(opts, struct bpf_object_open_opts, kconfig, NULL), &err);
    obj->btf_custom_path =
        dup_opt(COMPAT_OPT(opts, struct bpf_object_open_opts, btf_custom_path, NULL), &err);
    obj->pin_root_path =
        dup_opt(COMPAT_OPT(opts, struct bpf_object_open_opts, pin_root_path, NULL), &err);
    if (err)
        goto fail;

    PBPF_OPTS(pbpf_object_opts, oo, .log_buf = log, .log_size = sizeof log);
    err = pbpf_object_open_mem(buf, len, &oo, &obj->o);
    if (err) {
        compat_print(COMPAT_WARN, "libbpf: failed to open object '%s': %s\n", obj->name, log);
        goto fail;
    }
    obj->prog_cnt = pbpf_object_prog_cnt(obj->o);
    obj->map_cnt = pbpf_object_map_cnt(obj->o);
    obj->progs = calloc(obj->prog_cnt ? obj->prog_cnt : 1, sizeof *obj->progs);
    obj->maps = calloc(obj->map_cnt ? obj->map_cnt : 1, sizeof *obj->maps);
    if (!obj->progs || !obj->maps) {
        err = -ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < obj->prog_cnt; i++) {
        const struct pbpf_object_prog *p = pbpf_object_prog(obj->o, i);
        struct bpf_program *bp = &obj->progs[i];
        bp->obj = obj;
        bp->idx = i;
        bp->name = p->name;
        bp->sec = p->section;
        bp->target = p->attach_target;
        bp->type = p->prog_type;
        bp->attach_type = p->expected_attach_type;
        bp->autoload = true;
        bp->fd = -1;
    }
    for (size_t i = 0; i < obj->map_cnt; i++) {
        const struct pbpf_object_map *d = pbpf_object_map(obj->o, i);
        struct bpf_map *m = &obj->maps[i];
        m->obj = obj;
        m->idx = i;
        m->kind = d->kind;
        m->real_name = d->name;
        m->type = d->type;
        m->key_size = d->key_size;
        m->value_size = d->value_size;
        m->max_entries = d->max_entries;
        m->map_flags = d->map_flags;
        m->fd = -1;
        if (is_data_map(m)) {
            internal_map_name(obj->name, d->name, m->name);
            /* the section's bytes, writable until load (skeletons point
             * their .data/.rodata/.bss members here) */
            m->init_size = d->value_size ? d->value_size : 1;
            m->init = pbpf_pages_alloc(m->init_size);
            if (!m->init) {
                err = -ENOMEM;
                goto fail;
            }
            if (d->data)
                memcpy(m->init, d->data,
                       d->data_size < d->value_size ? d->data_size : d->value_size);
            m->mmaped = m->init;
        } else {
            snprintf(m->name, sizeof m->name, "%s", d->name);
        }
    }
    return obj;
fail:
    bpf_object__close(obj);
    return compat_err_ptr(err);
}

struct bpf_object *bpf_object__open_mem(const void *obj_buf, size_t obj_buf_sz,
                                        const struct bpf_object_open_opts *opts)
{
    char name[64];
    /* libbpf's default name for an object in memory */
    snprintf(name, sizeof name, "%lx-%lx", (unsigned long)(uintptr_t)obj_buf,
             (unsigned long)obj_buf_sz);
    return object_open(obj_buf, obj_buf_sz, name, opts);
}

struct bpf_object *bpf_object__open_file(const char *path, const struct bpf_object_open_opts *opts)
{
    if (!path)
        return compat_err_ptr(-EINVAL);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        compat_print(COMPAT_WARN, "libbpf: elf: failed to open %s: %s\n", path, strerror(e));
        return compat_err_ptr(-e);
    }
    size_t cap = 1 << 16, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf)
        return compat_err_ptr(-ENOMEM);
    if (rerr) {
        free(buf);
        return compat_err_ptr(-EIO);
    }
    /* libbpf: the file's base name up to its first '.' */
    char name[256];
    const char *base = strrchr(path, '/');
    snprintf(name, sizeof name, "%s", base ? base + 1 : path);
    char *dot = strchr(name, '.');
    if (dot)
        *dot = '\0';
    struct bpf_object *obj = object_open(buf, len, name, opts);
    int e = errno;
    free(buf);
    errno = e;
    return obj;
}

struct bpf_object *bpf_object__open(const char *path)
{
    return bpf_object__open_file(path, NULL);
}

int bpf_object__load(struct bpf_object *obj)
{
    struct pbpf_runtime *rt = compat_runtime();
    char log[2048] = "";
    int rc;

    if (!obj)
        return compat_err(-EINVAL);
    if (obj->loaded) {
        compat_print(COMPAT_WARN, "libbpf: object '%s': load can't be attempted twice\n",
                     obj->name);
        return compat_err(-EINVAL);
    }
    if (!rt)
        return compat_err(-ENOMEM);
    for (size_t i = 0; i < obj->map_cnt; i++) {
        struct bpf_map *m = &obj->maps[i];
        /* libbpf sizes a perf event array without max_entries for every
         * possible CPU (bpf_object__create_map) */
        if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !m->max_entries) {
            rc = pbpf_object_set_map_max_entries(obj->o, i, rt->slots);
            if (rc)
                return compat_err(rc);
            m->max_entries = rt->slots;
        }
        if (m->kind != PBPF_OBJMAP_DATA)
            continue;
        rc = pbpf_object_set_map_initial_value(obj->o, i, m->init, m->value_size);
        if (rc)
            return compat_err(rc);
    }
    /* as libbpf on Linux: every program passes the verifier at load */
    PBPF_OPTS(pbpf_object_load_opts, lo, .mode = PBPF_MODE_VERIFIED,
              .btf_custom_path = obj->btf_custom_path,
              .kconfig = obj->kconfig, .pin_root_path = obj->pin_root_path, .log_buf = log,
              .log_size = sizeof log);
    rc = pbpf_object_load(obj->o, rt, &lo);
    obj->loaded = true; /* as libbpf: one attempt, failed or not */
    if (rc) {
        compat_print(COMPAT_WARN, "libbpf: failed to load object '%s': %s\n", obj->name, log);
        return compat_err(rc);
    }
    for (size_t i = 0; i < obj->map_cnt; i++) {
        struct bpf_map *m = &obj->maps[i];
        m->map = pbpf_object_map_handle(obj->o, i);
        m->fd = compat_fd_new_map(m->map);
        if (m->fd < 0)
            return compat_err(m->fd);
        if (!is_data_map(m))
            continue;
        /* libbpf maps global data over the map after load: read-only for
         * .rodata and .kconfig (BPF_F_RDONLY_PROG, frozen: their memory is
         * now read-only), and the image that was there before becomes
         * read-only too (libbpf remaps the same address) */
        void *mem;
        size_t size;
        unsigned prot = PBPF_MAP_PROT_READ;
        if (!(m->map_flags & BPF_F_RDONLY_PROG))
            prot |= PBPF_MAP_PROT_WRITE;
        if (pbpf_map_mmap_prot(m->map, prot, &mem, &size) == 0) {
            m->mmaped = mem;
            m->mmap_prot = prot;
        } else {
            m->mmaped = NULL;
        }
        if (!(prot & PBPF_MAP_PROT_WRITE)) {
            rc = pbpf_pages_protect(m->init, m->init_size, 0);
            if (rc)
                return compat_err(rc);
        }
    }
    for (size_t i = 0; i < obj->prog_cnt; i++) {
        struct bpf_program *p = &obj->progs[i];
        p->prog = pbpf_object_prog_handle(obj->o, i);
        if (!p->prog)
            continue;
        p->fd = compat_fd_new_prog(p->prog, p->type, 0);
        if (p->fd < 0)
            return compat_err(p->fd);
    }
    return 0;
}

void bpf_object__close(struct bpf_object *obj)
{
    if (!obj)
        return;
    for (size_t i = 0; obj->progs && i < obj->prog_cnt; i++) {
        compat_links_forget(&obj->progs[i]);
        compat_fd_release(obj->progs[i].fd, obj->progs[i].prog);
    }
    for (size_t i = 0; obj->maps && i < obj->map_cnt; i++) {
        struct bpf_map *m = &obj->maps[i];
        if (m->mmap_prot)
            pbpf_map_munmap(m->map, m->mmap_prot);
        compat_fd_release(m->fd, m->map);
        pbpf_pages_free(m->init, m->init_size);
    }
    btf__free(obj->btf);
    pbpf_object_close(obj->o);
    free(obj->progs);
    free(obj->maps);
    free(obj->kconfig);
    free(obj->btf_custom_path);
    free(obj->pin_root_path);
    free(obj);
}

const char *bpf_object__name(const struct bpf_object *obj)
{
    return obj ? obj->name : compat_err_ptr(-EINVAL);
}

/* The object's SEC("version"), else, as libbpf fills it in when opening,
 * the running kernel's KERNEL_VERSION(a, b, c) from uname (c capped at
 * 255). */
unsigned int bpf_object__kversion(const struct bpf_object *obj)
{
    char release[256];
    unsigned a, b, c;
    if (!obj)
        return 0;
    if (pbpf_object_kern_version(obj->o))
        return pbpf_object_kern_version(obj->o);
    if (compat_kernel_release(release, sizeof release) != 0 ||
        sscanf(release, "%u.%u.%u", &a, &b, &c) != 3)
        return 0;
    return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

struct bpf_program *bpf_object__find_program_by_name(const struct bpf_object *obj,
                                                     const char *name)
{
    if (!obj || !name)
        return compat_err_ptr(-EINVAL);
    for (size_t i = 0; i < obj->prog_cnt; i++)
        if (strcmp(obj->progs[i].name, name) == 0)
            return &obj->progs[i];
    return compat_err_ptr(-ENOENT);
}

struct bpf_program *bpf_object__next_program(const struct bpf_object *obj,
                                             struct bpf_program *prog)
{
    if (!obj)
        return NULL;
    size_t i = prog ? prog->idx + 1 : 0;
    return i < obj->prog_cnt ? &obj->progs[i] : NULL;
}

struct bpf_program *bpf_object__prev_program(const struct bpf_object *obj,
                                             struct bpf_program *prog)
{
    if (!obj)
        return NULL;
    size_t i = prog ? prog->idx : obj->prog_cnt;
    return i > 0 && i <= obj->prog_cnt ? &obj->progs[i - 1] : NULL;
}

struct bpf_map *bpf_object__find_map_by_name(const struct bpf_object *obj, const char *name)
{
    if (!obj || !name)
        return compat_err_ptr(-EINVAL);
    for (size_t i = 0; i < obj->map_cnt; i++) {
        const struct bpf_map *m = &obj->maps[i];
        /* ".bss" finds the global-data map by its section, as libbpf */
        if (name[0] == '.' ? is_data_map(m) && strcmp(m->real_name, name) == 0
                           : strcmp(m->name, name) == 0)
            return &obj->maps[i];
    }
    return compat_err_ptr(-ENOENT);
}

int bpf_object__find_map_fd_by_name(const struct bpf_object *obj, const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
    return m ? bpf_map__fd(m) : -errno;
}

struct bpf_map *bpf_object__next_map(const struct bpf_object *obj, const struct bpf_map *map)
{
    if (!obj)
        return NULL;
    size_t i = map ? map->idx + 1 : 0;
    return i < obj->map_cnt ? &obj->maps[i] : NULL;
}

struct bpf_map *bpf_object__prev_map(const struct bpf_object *obj, const struct bpf_map *map)
{
    if (!obj)
        return NULL;
    size_t i = map ? map->idx : obj->map_cnt;
    return i > 0 && i <= obj->map_cnt ? &obj->maps[i - 1] : NULL;
}

/* --- programs ------------------------------------------------------------------ */

const char *bpf_program__name(const struct bpf_program *prog) { return prog->name; }
const char *bpf_program__section_name(const struct bpf_program *prog) { return prog->sec; }
bool bpf_program__autoload(const struct bpf_program *prog) { return prog->autoload; }
int bpf_program__fd(const struct bpf_program *prog)
{
    if (!prog)
        return compat_err(-EINVAL);
    return prog->fd >= 0 ? prog->fd : compat_err(-EINVAL);
}
enum bpf_prog_type bpf_program__type(const struct bpf_program *prog)
{
    return (enum bpf_prog_type)prog->type;
}
enum bpf_attach_type bpf_program__expected_attach_type(const struct bpf_program *prog)
{
    return (enum bpf_attach_type)prog->attach_type;
}

/* Settings change the object before load; -EBUSY after, as libbpf. */
int bpf_program__set_autoload(struct bpf_program *prog, bool autoload)
{
    if (prog->obj->loaded)
        return compat_err(-EBUSY);
    int rc = pbpf_object_set_autoload(prog->obj->o, prog->idx, autoload);
    if (!rc)
        prog->autoload = autoload;
    return compat_err(rc);
}

int bpf_program__set_type(struct bpf_program *prog, enum bpf_prog_type type)
{
    if (prog->obj->loaded)
        return compat_err(-EBUSY);
    int rc = pbpf_object_set_prog_type(prog->obj->o, prog->idx, type, prog->attach_type);
    if (!rc)
        prog->type = type;
    return compat_err(rc);
}

int bpf_program__set_expected_attach_type(struct bpf_program *prog, enum bpf_attach_type type)
{
    if (prog->obj->loaded)
        return compat_err(-EBUSY);
    int rc = pbpf_object_set_prog_type(prog->obj->o, prog->idx, prog->type, type);
    if (!rc)
        prog->attach_type = type;
    return compat_err(rc);
}

const struct bpf_insn *bpf_program__insns(const struct bpf_program *prog)
{
    const struct pbpf_insn *insns;
    size_t cnt;
    if (prog->obj->loaded &&
        pbpf_object_prog_xlated(prog->obj->o, prog->idx, &insns, &cnt) == 0)
        return (const struct bpf_insn *)insns;
    /* libbpf, before load: the function's instructions as the ELF file
     * has them (relocations not applied yet) */
    const struct pbpf_object_prog *p = pbpf_object_prog(prog->obj->o, prog->idx);
    const struct pbpf_object *o = prog->obj->o;
    for (size_t i = 0; i < o->sec_cnt; i++)
        if (o->secs[i].data && strcmp(o->secs[i].name, p->section) == 0 &&
            (o->secs[i].flags & 0x4 /* SHF_EXECINSTR */) &&
            (p->sec_insn_off + p->sec_insn_cnt) * 8 <= o->secs[i].size)
            return (const struct bpf_insn *)(o->secs[i].data + p->sec_insn_off * 8);
    return (const struct bpf_insn *)p->insns;
}

size_t bpf_program__insn_cnt(const struct bpf_program *prog)
{
    const struct pbpf_insn *insns;
    size_t cnt;
    if (prog->obj->loaded &&
        pbpf_object_prog_xlated(prog->obj->o, prog->idx, &insns, &cnt) == 0)
        return cnt;
    return pbpf_object_prog(prog->obj->o, prog->idx)->sec_insn_cnt;
}

/* --- maps ------------------------------------------------------------------------- */

int bpf_map__fd(const struct bpf_map *map)
{
    if (!map)
        return compat_err(-EINVAL);
    return map->fd >= 0 ? map->fd : compat_err(-EINVAL);
}
const char *bpf_map__name(const struct bpf_map *map) { return map ? map->name : NULL; }
enum bpf_map_type bpf_map__type(const struct bpf_map *map)
{
    return (enum bpf_map_type)map->type;
}
__u32 bpf_map__max_entries(const struct bpf_map *map) { return map->max_entries; }
__u32 bpf_map__map_flags(const struct bpf_map *map) { return map->map_flags; }
__u32 bpf_map__key_size(const struct bpf_map *map) { return map->key_size; }
__u32 bpf_map__value_size(const struct bpf_map *map) { return map->value_size; }
bool bpf_map__is_internal(const struct bpf_map *map) { return is_data_map(map); }

static const struct pbpf_object_map *map_def(const struct bpf_map *map)
{
    return pbpf_object_map(map->obj->o, map->idx);
}
__u32 bpf_map__numa_node(const struct bpf_map *map) { return map_def(map)->numa_node; }
__u64 bpf_map__map_extra(const struct bpf_map *map) { return map_def(map)->map_extra; }
__u32 bpf_map__btf_key_type_id(const struct bpf_map *map) { return map_def(map)->btf_key_type_id; }
__u32 bpf_map__btf_value_type_id(const struct bpf_map *map)
{
    return map_def(map)->btf_value_type_id;
}

int bpf_map__reuse_fd(struct bpf_map *map, int fd)
{
    int err = 0;
    if (map->obj->loaded)
        return compat_err(-EBUSY);
    struct pbpf_map *m = compat_fd_map(fd, &err);
    if (!m)
        return compat_err(err);
    return compat_err(pbpf_object_reuse_map(map->obj->o, map->idx, m));
}

int bpf_map__set_max_entries(struct bpf_map *map, __u32 max_entries)
{
    if (map->obj->loaded)
        return compat_err(-EBUSY);
    int rc = pbpf_object_set_map_max_entries(map->obj->o, map->idx, max_entries);
    if (!rc)
        map->max_entries = max_entries;
    return compat_err(rc);
}

int bpf_map__set_value_size(struct bpf_map *map, __u32 size)
{
    if (map->obj->loaded)
        return compat_err(-EBUSY);
    int rc = pbpf_object_set_map_value_size(map->obj->o, map->idx, size);
    if (rc)
        return compat_err(rc);
    if (map->init) {
        /* a global-data section grows with zeroes or is cut, as libbpf */
        size_t n_size = size ? size : 1;
        uint8_t *n = pbpf_pages_alloc(n_size);
        if (!n)
            return compat_err(-ENOMEM);
        memcpy(n, map->init, size < map->value_size ? size : map->value_size);
        pbpf_pages_free(map->init, map->init_size);
        map->init = map->mmaped = n;
        map->init_size = n_size;
    }
    map->value_size = size;
    return 0;
}

int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size)
{
    if (map->obj->loaded)
        return compat_err(-EBUSY);
    if (map->kind != PBPF_OBJMAP_DATA || size != map->value_size)
        return compat_err(-EINVAL);
    memcpy(map->init, data, size);
    return 0;
}

const void *bpf_map__initial_value(struct bpf_map *map, size_t *psize)
{
    if (!map->mmaped)
        return NULL;
    if (psize)
        *psize = map->value_size;
    return map->mmaped;
}

int bpf_program__pin(struct bpf_program *prog, const char *path)
{
    if (!prog || !path)
        return compat_err(-EINVAL);
    if (!prog->prog) {
        compat_print(COMPAT_WARN, "libbpf: prog '%s': can't pin program that wasn't loaded\n",
                     prog->name);
        return compat_err(-EINVAL);
    }
    return compat_err(pbpf_prog_pin(prog->prog, path));
}

int bpf_program__unpin(struct bpf_program *prog, const char *path)
{
    if (!prog || !path)
        return compat_err(-EINVAL);
    if (!prog->prog) {
        compat_print(COMPAT_WARN, "libbpf: prog '%s': can't unpin program that wasn't loaded\n",
                     prog->name);
        return compat_err(-EINVAL);
    }
    /* libbpf unlinks the path: whatever a program pinned there */
    struct pbpf_prog *p;
    int rc = pbpf_prog_get_pinned(path, &p);
    if (rc)
        return compat_err(rc);
    pbpf_prog_free(p);
    return compat_err(pbpf_unpin(path));
}

int bpf_map__pin(struct bpf_map *map, const char *path)
{
    if (!map || !path)
        return compat_err(-EINVAL);
    if (!map->map) {
        compat_print(COMPAT_WARN, "libbpf: map '%s': can't pin a map that is not created\n",
                     map->name);
        return compat_err(-EINVAL);
    }
    return compat_err(pbpf_map_pin(map->map, path));
}

int bpf_map__unpin(struct bpf_map *map, const char *path)
{
    if (!map || !path)
        return compat_err(-EINVAL);
    return compat_err(pbpf_map_unpin(path));
}

/* bpf_map__*_elem: the sizes must be the map's (per-CPU values: one per
 * possible CPU, each rounded up to 8 bytes), as libbpf checks. */
static int check_sizes(const struct bpf_map *map, size_t key_sz, const size_t *value_sz)
{
    if (!map->map)
        return -ENOENT;
    if (key_sz != map->key_size)
        return -EINVAL;
    if (value_sz && *value_sz != pbpf_map_user_value_size(map->map))
        return -EINVAL;
    return 0;
}

int compat_map_update(struct pbpf_map *m, const void *key, const void *value, __u64 flags);

int bpf_map__lookup_elem(const struct bpf_map *map, const void *key, size_t key_sz, void *value,
                         size_t value_sz, __u64 flags)
{
    int rc = check_sizes(map, key_sz, &value_sz);
    return compat_err(rc ? rc : pbpf_map_lookup_elem_flags(map->map, key, value, flags));
}

int bpf_map__update_elem(const struct bpf_map *map, const void *key, size_t key_sz,
                         const void *value, size_t value_sz, __u64 flags)
{
    int rc = check_sizes(map, key_sz, &value_sz);
    return compat_err(rc ? rc : compat_map_update(map->map, key, value, flags));
}

int bpf_map__lookup_and_delete_elem(const struct bpf_map *map, const void *key, size_t key_sz,
                                    void *value, size_t value_sz, __u64 flags)
{
    int rc = check_sizes(map, key_sz, &value_sz);
    if (!rc && flags)
        rc = -EINVAL; /* pbpf_map_lookup_and_delete_elem takes no BPF_F_LOCK */
    return compat_err(rc ? rc : pbpf_map_lookup_and_delete_elem(map->map, key, value));
}

int bpf_map__delete_elem(const struct bpf_map *map, const void *key, size_t key_sz, __u64 flags)
{
    int rc = check_sizes(map, key_sz, NULL);
    (void)flags; /* BPF_MAP_DELETE_ELEM's flags change nothing for pbpf's maps */
    return compat_err(rc ? rc : pbpf_map_delete_elem(map->map, key));
}

int bpf_map__get_next_key(const struct bpf_map *map, const void *cur_key, void *next_key,
                          size_t key_sz)
{
    int rc = check_sizes(map, key_sz, NULL);
    return compat_err(rc ? rc : pbpf_map_get_next_key(map->map, cur_key, next_key));
}
