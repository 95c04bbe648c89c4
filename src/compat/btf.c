/* The reading half of libbpf's bpf/btf.h (btf__parse*, lookups, sizes and
 * alignments) over pbpf's BTF parser (src/btf).  pbpf's parsed types are
 * host-order copies with the UAPI layout, so a struct btf_type pointer is
 * a pointer into them.  Errors follow libbpf 1.x: NULL and errno for
 * pointers, a negative errno (errno set too) for numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/utsname.h>
#endif

#include "bpf/btf.h"
#include "bpf/libbpf.h"
#include "btf/btf.h"
#include "compat/compat.h"
#include "compat/object.h"
#include "elf/elf.h"
#include "platform/platform.h"

/* Linux's MAX_RESOLVE_DEPTH, which libbpf's resolvers use too. */
#define RESOLVE_DEPTH 32

struct btf {
    struct pbpf_btf *b;
    bool owned;  /* false: an object's BTF (bpf_object__btf), freed with it */
    int ptr_sz;  /* 0: not known yet, -1: nothing tells */
};

struct btf_ext {
    struct pbpf_btf_ext *e;
};

int compat_kernel_release(char *buf, size_t size)
{
#ifdef _WIN32
    /* no Linux kernel: no kernel BTF, no kernel version */
    (void)buf, (void)size;
    return -1;
#else
    struct utsname u;
    if (uname(&u) != 0)
        return -1;
    snprintf(buf, size, "%s", u.release);
    return 0;
#endif
}

const struct pbpf_btf *compat_btf_core(const struct btf *btf)
{
    return btf->b;
}

static struct btf *btf_wrap(struct pbpf_btf *b, bool owned, int ptr_sz)
{
    struct btf *btf = calloc(1, sizeof *btf);
    if (!btf)
        return NULL;
    btf->b = b;
    btf->owned = owned;
    btf->ptr_sz = ptr_sz;
    return btf;
}

void btf__free(struct btf *btf)
{
    if (!btf)
        return;
    if (btf->owned)
        pbpf_btf_free(btf->b);
    free(btf);
}

void btf_ext__free(struct btf_ext *btf_ext)
{
    if (!btf_ext)
        return;
    pbpf_btf_ext_free(btf_ext->e);
    free(btf_ext);
}

/* Parses a .BTF blob: the struct btf, or NULL with errno. */
static struct btf *btf_from(const void *data, size_t size, int ptr_sz, const char *what)
{
    const uint8_t *p = data;
    if (size >= 2 && p[0] == 0xeb && p[1] == 0x9f) {
        /* libbpf byte-swaps big-endian BTF; pbpf's parser reads
         * little-endian BTF only */
        compat_print(COMPAT_WARN, "libbpf: %s: big-endian BTF is not supported\n", what);
        return compat_err_ptr(-EOPNOTSUPP);
    }
    char err[256] = "";
    struct pbpf_btf *b = NULL;
    int rc = pbpf_btf_parse(data, size, &b, err, sizeof err);
    if (rc) {
        compat_print(COMPAT_WARN, "libbpf: %s: %s\n", what, err);
        return compat_err_ptr(rc);
    }
    struct btf *btf = btf_wrap(b, true, ptr_sz);
    if (!btf) {
        pbpf_btf_free(b);
        return compat_err_ptr(-ENOMEM);
    }
    return btf;
}

struct btf *btf__new(const void *data, __u32 size)
{
    if (!data)
        return compat_err_ptr(-EINVAL);
    return btf_from(data, size, 0, "BTF");
}

static bool is_raw_btf(const uint8_t *p, size_t len)
{
    return len >= 2 && ((p[0] == 0x9f && p[1] == 0xeb) || (p[0] == 0xeb && p[1] == 0x9f));
}

struct btf *btf__parse_raw(const char *path)
{
    if (!path)
        return compat_err_ptr(-EINVAL);
    uint8_t *buf;
    size_t len;
    int rc = pbpf_read_file(path, &buf, &len);
    if (rc)
        return compat_err_ptr(rc);
    struct btf *btf;
    if (len < 2)
        btf = compat_err_ptr(-EIO); /* libbpf cannot read a magic number */
    else if (!is_raw_btf(buf, len))
        btf = compat_err_ptr(-EPROTO); /* not raw BTF: libbpf's answer */
    else
        btf = btf_from(buf, len, 0, path);
    int saved = errno;
    pbpf_free(buf);
    errno = saved;
    return btf;
}

/* --- ELF files ------------------------------------------------------------ */

static uint64_t rd_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

struct elf_sec {
    const uint8_t *data;
    size_t size;
};

/* Finds the sections named .BTF and .BTF.ext of a little-endian ELF file
 * (either class); *ptr_sz gets the class's pointer size.  0 or a
 * negative errno (-LIBBPF_ERRNO__FORMAT for what is not ELF, as libbpf). */
static int elf_btf_sections(const uint8_t *img, size_t len, struct elf_sec *btf,
                            struct elf_sec *ext, int *ptr_sz)
{
    memset(btf, 0, sizeof *btf);
    memset(ext, 0, sizeof *ext);
    if (len < 52 || memcmp(img, "\177ELF", 4) != 0)
        return -LIBBPF_ERRNO__FORMAT;
    int is64 = img[4] == 2;
    if ((img[4] != 1 && img[4] != 2) || (is64 && len < 64))
        return -LIBBPF_ERRNO__FORMAT;
    if (img[5] != 1)
        return -LIBBPF_ERRNO__ENDIAN; /* big-endian: pbpf reads little-endian BTF only */
    *ptr_sz = is64 ? 8 : 4;
    uint64_t shoff = is64 ? rd_le(img + 0x28, 8) : rd_le(img + 0x20, 4);
    unsigned shentsize = (unsigned)rd_le(img + (is64 ? 0x3a : 0x2e), 2);
    uint64_t shnum = rd_le(img + (is64 ? 0x3c : 0x30), 2);
    uint64_t shstrndx = rd_le(img + (is64 ? 0x3e : 0x32), 2);
    unsigned need = is64 ? 64 : 40;
    if (!shoff || shentsize < need || shoff > len || len - shoff < shentsize)
        return -LIBBPF_ERRNO__FORMAT;
    const uint8_t *sh0 = img + shoff;
    /* more than 0xff00 sections: the counts are in section 0 (ELF gABI) */
    if (shnum == 0)
        shnum = is64 ? rd_le(sh0 + 0x20, 8) : rd_le(sh0 + 0x14, 4);
    if (shstrndx == 0xffff)
        shstrndx = rd_le(sh0 + (is64 ? 0x28 : 0x18), 4);
    if (shnum > (len - shoff) / shentsize || shstrndx >= shnum)
        return -LIBBPF_ERRNO__FORMAT;
#define SH(i) (img + shoff + (uint64_t)(i) * shentsize)
#define SH_OFF(s) (is64 ? rd_le((s) + 0x18, 8) : rd_le((s) + 0x10, 4))
#define SH_SIZE(s) (is64 ? rd_le((s) + 0x20, 8) : rd_le((s) + 0x14, 4))
    const uint8_t *strsh = SH(shstrndx);
    uint64_t str_off = SH_OFF(strsh), str_size = SH_SIZE(strsh);
    if (str_off > len || str_size > len - str_off)
        return -LIBBPF_ERRNO__FORMAT;
    const char *strs = (const char *)img + str_off;
    for (uint64_t i = 1; i < shnum; i++) {
        const uint8_t *s = SH(i);
        uint64_t name = rd_le(s, 4), type = rd_le(s + 4, 4);
        uint64_t off = SH_OFF(s), size = SH_SIZE(s);
        if (name >= str_size || type == 8 /* SHT_NOBITS */)
            continue;
        const char *nm = strs + name;
        size_t max = (size_t)(str_size - name);
        struct elf_sec *dst = NULL;
        if (strnlen(nm, max) == strlen(BTF_ELF_SEC) && !strncmp(nm, BTF_ELF_SEC, max))
            dst = btf;
        else if (strnlen(nm, max) == strlen(BTF_EXT_ELF_SEC) && !strncmp(nm, BTF_EXT_ELF_SEC, max))
            dst = ext;
        if (!dst)
            continue;
        if (off > len || size > len - off)
            return -LIBBPF_ERRNO__FORMAT;
        dst->data = img + off;
        dst->size = (size_t)size;
    }
#undef SH
#undef SH_OFF
#undef SH_SIZE
    return 0;
}

struct btf *btf__parse_elf(const char *path, struct btf_ext **btf_ext)
{
    if (btf_ext)
        *btf_ext = NULL;
    if (!path)
        return compat_err_ptr(-EINVAL);
    uint8_t *img;
    size_t len;
    int rc = pbpf_read_file(path, &img, &len);
    if (rc)
        return compat_err_ptr(rc);
    struct elf_sec sb, se;
    int ptr_sz = 0;
    struct btf *btf = NULL;
    rc = elf_btf_sections(img, len, &sb, &se, &ptr_sz);
    if (rc) {
        compat_print(COMPAT_WARN, "libbpf: %s: not a little-endian ELF file\n", path);
    } else if (!sb.data) {
        compat_print(COMPAT_WARN, "libbpf: failed to find '%s' ELF section in %s\n",
                     BTF_ELF_SEC, path);
        rc = -ENOENT; /* libbpf 1.1's answer (later versions: ENODATA) */
    } else if (!(btf = btf_from(sb.data, sb.size, ptr_sz, path))) {
        rc = -errno;
    } else if (btf_ext && se.data) {
        char err[256] = "";
        struct btf_ext *ext = calloc(1, sizeof *ext);
        rc = ext ? pbpf_btf_ext_parse(se.data, se.size, btf->b, &ext->e, err, sizeof err)
                 : -ENOMEM;
        if (rc) {
            if (*err)
                compat_print(COMPAT_WARN, "libbpf: %s: %s\n", path, err);
            free(ext);
            btf__free(btf);
            btf = NULL;
        } else {
            *btf_ext = ext;
        }
    }
    pbpf_free(img);
    return btf ? btf : compat_err_ptr(rc);
}

struct btf *btf__parse(const char *path, struct btf_ext **btf_ext)
{
    if (btf_ext)
        *btf_ext = NULL;
    struct btf *btf = btf__parse_raw(path);
    if (btf || errno != EPROTO)
        return btf;
    return btf__parse_elf(path, btf_ext);
}

/* libbpf looks for the running kernel's BTF in sysfs, then for a vmlinux
 * image with debug information where distributions install one. */
struct btf *btf__load_vmlinux_btf(void)
{
    static const char *const elf_paths[] = {
        "/boot/vmlinux-%s",
        "/lib/modules/%s/vmlinux-%s",
        "/lib/modules/%s/build/vmlinux",
        "/usr/lib/modules/%s/kernel/vmlinux",
        "/usr/lib/debug/boot/vmlinux-%s",
        "/usr/lib/debug/boot/vmlinux-%s.debug",
        "/usr/lib/debug/lib/modules/%s/vmlinux",
    };
    struct btf *btf = btf__parse_raw("/sys/kernel/btf/vmlinux");
    if (btf)
        return btf;
    char release[256];
    if (compat_kernel_release(release, sizeof release) == 0) {
        for (size_t i = 0; i < sizeof elf_paths / sizeof elf_paths[0]; i++) {
            char path[512];
            /* every %s is the release */
            snprintf(path, sizeof path, elf_paths[i], release, release);
            FILE *f = fopen(path, "rb");
            if (!f)
                continue;
            fclose(f);
            btf = btf__parse_elf(path, NULL);
            if (btf)
                return btf;
        }
    }
    compat_print(COMPAT_WARN, "libbpf: failed to find valid kernel BTF\n");
    return compat_err_ptr(-ESRCH);
}

/* --- queries ------------------------------------------------------------------ */

__u32 btf__type_cnt(const struct btf *btf) { return pbpf_btf_type_cnt(btf->b); }

const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id)
{
    static const struct btf_type void_type;
    if (id == 0)
        return &void_type;
    const struct pbpf_btf_type *t = pbpf_btf_type_by_id(btf->b, id);
    if (!t)
        return compat_err_ptr(-EINVAL);
    /* the same three words as struct btf_type, followed by the same
     * kind-specific records */
    return (const struct btf_type *)(const void *)t;
}

const char *btf__str_by_offset(const struct btf *btf, __u32 offset)
{
    const char *s = pbpf_btf_str(btf->b, offset);
    return s ? s : compat_err_ptr(-EINVAL);
}

const char *btf__name_by_offset(const struct btf *btf, __u32 offset)
{
    return btf__str_by_offset(btf, offset);
}

static __s32 find_name(const struct btf *btf, const char *name, bool any_kind, __u32 kind)
{
    if (!btf || !name)
        return compat_err(-EINVAL);
    if (!strcmp(name, "void") || (!any_kind && kind == BTF_KIND_UNKN))
        return 0;
    __u32 cnt = btf__type_cnt(btf);
    for (__u32 id = 1; id < cnt; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (!any_kind && btf_kind(t) != kind)
            continue;
        const char *s = pbpf_btf_str(btf->b, t->name_off);
        if (s && !strcmp(s, name))
            return (__s32)id;
    }
    return compat_err(-ENOENT);
}

__s32 btf__find_by_name(const struct btf *btf, const char *type_name)
{
    return find_name(btf, type_name, true, 0);
}

__s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name, __u32 kind)
{
    return find_name(btf, type_name, false, kind);
}

enum btf_endianness btf__endianness(const struct btf *btf)
{
    (void)btf; /* pbpf parses little-endian BTF only */
    return BTF_LITTLE_ENDIAN;
}

/* libbpf's guess for BTF without an ELF class: the size of `long`. */
static int guess_ptr_size(const struct btf *btf)
{
    static const char *const longs[] = {"long",          "long int",          "unsigned long",
                                        "long unsigned int", "unsigned long int", "int long",
                                        "int long unsigned"};
    __u32 cnt = btf__type_cnt(btf);
    for (__u32 id = 1; id < cnt; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        if (!btf_is_int(t) || (t->size != 4 && t->size != 8))
            continue;
        const char *s = pbpf_btf_str(btf->b, t->name_off);
        for (size_t i = 0; s && i < sizeof longs / sizeof longs[0]; i++)
            if (!strcmp(s, longs[i]))
                return (int)t->size;
    }
    return -1;
}

size_t btf__pointer_size(const struct btf *btf)
{
    struct btf *b = (struct btf *)btf;
    if (!b->ptr_sz)
        b->ptr_sz = guess_ptr_size(btf);
    return b->ptr_sz < 0 ? 0 : (size_t)b->ptr_sz;
}

/* the pointer size for sizes and alignments: the host's when unknown */
static __u32 ptr_size(const struct btf *btf)
{
    size_t n = btf__pointer_size(btf);
    return n ? (__u32)n : (__u32)sizeof(void *);
}

__s64 btf__resolve_size(const struct btf *btf, __u32 type_id)
{
    uint64_t elems = 1;
    for (int depth = 0; depth < RESOLVE_DEPTH; depth++) {
        const struct btf_type *t = type_id ? btf__type_by_id(btf, type_id) : NULL;
        if (!t)
            break;
        switch (btf_kind(t)) {
        case BTF_KIND_INT:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_DATASEC:
        case BTF_KIND_FLOAT:
        case BTF_KIND_PTR: {
            uint64_t size = btf_is_ptr(t) ? ptr_size(btf) : t->size;
            if (elems && size > UINT32_MAX / elems)
                return compat_err(-E2BIG);
            return (__s64)(elems * size);
        }
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_VAR:
        case BTF_KIND_DECL_TAG:
        case BTF_KIND_TYPE_TAG:
            type_id = t->type;
            break;
        case BTF_KIND_ARRAY: {
            const struct btf_array *a = btf_array(t);
            if (elems && a->nelems > UINT32_MAX / elems)
                return compat_err(-E2BIG);
            elems *= a->nelems;
            type_id = a->type;
            break;
        }
        default: /* void, FWD, FUNC, FUNC_PROTO: no size */
            return compat_err(-EINVAL);
        }
    }
    return compat_err(-EINVAL);
}

int btf__resolve_type(const struct btf *btf, __u32 type_id)
{
    for (int depth = 0; depth < RESOLVE_DEPTH; depth++) {
        const struct btf_type *t = type_id ? btf__type_by_id(btf, type_id) : NULL;
        /* libbpf counts a forward declaration as void here */
        if (!t || btf_is_fwd(t))
            return compat_err(-EINVAL);
        if (!btf_is_mod(t) && !btf_is_typedef(t) && !btf_is_var(t))
            return (int)type_id;
        type_id = t->type;
    }
    return compat_err(-EINVAL);
}

int btf__align_of(const struct btf *btf, __u32 id)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    if (!t)
        return compat_err(-EINVAL);
    switch (btf_kind(t)) {
    case BTF_KIND_INT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_FLOAT: {
        /* scalars align to their size, at most a pointer's (x86-32's
         * 8-byte long long in a struct aligns to 4) */
        __u32 p = ptr_size(btf);
        return (int)(t->size < p ? t->size : p);
    }
    case BTF_KIND_PTR:
        return (int)ptr_size(btf);
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
        return btf__align_of(btf, t->type);
    case BTF_KIND_ARRAY:
        return btf__align_of(btf, btf_array(t)->type);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
        const struct btf_member *m = btf_members(t);
        int max = 1;
        for (__u32 i = 0; i < btf_vlen(t); i++, m++) {
            int a = btf__align_of(btf, m->type);
            if (a <= 0) /* 0: errno says why */
                return a < 0 ? compat_err(a) : 0;
            if (a > max)
                max = a;
            /* a member off its type's alignment: the struct is packed */
            if (!btf_member_bitfield_size(t, i) &&
                btf_member_bit_offset(t, i) % (8u * (unsigned)a))
                return 1;
        }
        /* so is one whose size is not a multiple of its alignment */
        return t->size % (unsigned)max ? 1 : max;
    }
    default:
        compat_print(COMPAT_WARN, "libbpf: unsupported BTF_KIND:%u\n", btf_kind(t));
        errno = EINVAL;
        return 0;
    }
}

/* --- the object's BTF --------------------------------------------------------- */

struct btf *bpf_object__btf(const struct bpf_object *obj)
{
    if (!obj)
        return compat_err_ptr(-EINVAL);
    if (!obj->o->btf)
        return NULL;
    struct bpf_object *o = (struct bpf_object *)obj;
    if (!o->btf)
        /* a BPF object: 64-bit pointers (libbpf reads the ELF class) */
        o->btf = btf_wrap(o->o->btf, false, 8);
    return o->btf ? o->btf : compat_err_ptr(-ENOMEM);
}
