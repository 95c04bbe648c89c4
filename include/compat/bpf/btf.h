/* pbpf's libbpf-compatible BTF API: the reading half of libbpf's bpf/btf.h
 * (parse a file, look types and strings up, sizes and alignments) with
 * libbpf 1.1's signatures and error conventions, over pbpf's own BTF
 * parser, and the inline accessors libbpf users walk types with.  Types
 * are Linux's UAPI records (<linux/btf.h>): struct btf_type,
 * struct btf_member, ...  BTF as C text comes from btf_dump__*.
 * Building and writing BTF (btf__add_*, dedup) is not provided; see
 * docs/libbpf-compat.md. */
#ifndef PBPF_COMPAT_BTF_H
#define PBPF_COMPAT_BTF_H

#include <linux/btf.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "libbpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BTF_ELF_SEC ".BTF"
#define BTF_EXT_ELF_SEC ".BTF.ext"
#define MAPS_ELF_SEC ".maps"

struct btf;
struct btf_ext;
struct btf_type;
struct bpf_object;

enum btf_endianness {
    BTF_LITTLE_ENDIAN = 0,
    BTF_BIG_ENDIAN = 1,
};

/* Making a struct btf.  All return NULL with errno set on failure:
 * ENOENT (no file, or an ELF file without .BTF, as libbpf 1.1), EPROTO
 * (btf__parse_raw: not BTF), EIO (too short to be), LIBBPF_ERRNO__FORMAT
 * (btf__parse_elf: not ELF), EINVAL (malformed BTF), ENOMEM.  btf__parse takes raw BTF or an ELF
 * file; with btf_ext non-NULL, the ELF's .BTF.ext is parsed too (NULL
 * when it has none) and is the caller's to free. */
LIBBPF_API struct btf *btf__new(const void *data, __u32 size);
LIBBPF_API struct btf *btf__parse(const char *path, struct btf_ext **btf_ext);
LIBBPF_API struct btf *btf__parse_elf(const char *path, struct btf_ext **btf_ext);
LIBBPF_API struct btf *btf__parse_raw(const char *path);
/* The running kernel's BTF: /sys/kernel/btf/vmlinux, else a vmlinux ELF
 * file where distributions put one. */
LIBBPF_API struct btf *btf__load_vmlinux_btf(void);
LIBBPF_API void btf__free(struct btf *btf);
LIBBPF_API void btf_ext__free(struct btf_ext *btf_ext);

/* Type ids run from 1 to btf__type_cnt() - 1; 0 is void. */
LIBBPF_API __u32 btf__type_cnt(const struct btf *btf);
/* id 0 gives a zeroed (void) type; ids past the end NULL and EINVAL. */
LIBBPF_API const struct btf_type *btf__type_by_id(const struct btf *btf, __u32 id);
/* The first type with that name (kind: of that kind), 0 for "void", or
 * -ENOENT. */
LIBBPF_API __s32 btf__find_by_name(const struct btf *btf, const char *type_name);
LIBBPF_API __s32 btf__find_by_name_kind(const struct btf *btf, const char *type_name,
                                        __u32 kind);
/* A string of the string section, or NULL (EINVAL) past its end. */
LIBBPF_API const char *btf__name_by_offset(const struct btf *btf, __u32 offset);
LIBBPF_API const char *btf__str_by_offset(const struct btf *btf, __u32 offset);
/* Size in bytes of an object of the type (modifiers, typedefs and
 * variables followed, arrays multiplied out): -EINVAL for types without
 * a size, -E2BIG past 4 GiB. */
LIBBPF_API __s64 btf__resolve_size(const struct btf *btf, __u32 type_id);
/* The id reached after modifiers, typedefs and variables, or -EINVAL. */
LIBBPF_API int btf__resolve_type(const struct btf *btf, __u32 type_id);
/* The type's alignment as the C compiler lays it out (1 for a packed
 * struct), or 0 with errno EINVAL for kinds without one. */
LIBBPF_API int btf__align_of(const struct btf *btf, __u32 id);
LIBBPF_API enum btf_endianness btf__endianness(const struct btf *btf);
/* The target's pointer size: 8 or 4, from the ELF class or the size of
 * the BTF's `long`; 0 when nothing tells. */
LIBBPF_API size_t btf__pointer_size(const struct btf *btf);

/* --- inline accessors (libbpf's btf.h helpers) ----------------------- */

static inline __u16 btf_kind(const struct btf_type *t) { return (__u16)BTF_INFO_KIND(t->info); }
static inline __u16 btf_vlen(const struct btf_type *t) { return (__u16)BTF_INFO_VLEN(t->info); }
static inline bool btf_kflag(const struct btf_type *t) { return BTF_INFO_KFLAG(t->info); }

static inline bool btf_is_void(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_UNKN; }
static inline bool btf_is_int(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_INT; }
static inline bool btf_is_ptr(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_PTR; }
static inline bool btf_is_array(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_ARRAY; }
static inline bool btf_is_struct(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_STRUCT;
}
static inline bool btf_is_union(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_UNION; }
static inline bool btf_is_composite(const struct btf_type *t)
{
    return btf_is_struct(t) || btf_is_union(t);
}
static inline bool btf_is_enum(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_ENUM; }
static inline bool btf_is_enum64(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_ENUM64;
}
static inline bool btf_is_fwd(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FWD; }
static inline bool btf_is_typedef(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_TYPEDEF;
}
static inline bool btf_is_volatile(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_VOLATILE;
}
static inline bool btf_is_const(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_CONST; }
static inline bool btf_is_restrict(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_RESTRICT;
}
static inline bool btf_is_type_tag(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_TYPE_TAG;
}
/* a modifier: const, volatile, restrict, type tag */
static inline bool btf_is_mod(const struct btf_type *t)
{
    return btf_is_volatile(t) || btf_is_const(t) || btf_is_restrict(t) || btf_is_type_tag(t);
}
static inline bool btf_is_func(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FUNC; }
static inline bool btf_is_func_proto(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_FUNC_PROTO;
}
static inline bool btf_is_var(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_VAR; }
static inline bool btf_is_datasec(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_DATASEC;
}
static inline bool btf_is_float(const struct btf_type *t) { return btf_kind(t) == BTF_KIND_FLOAT; }
static inline bool btf_is_decl_tag(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_DECL_TAG;
}
static inline bool btf_is_any_enum(const struct btf_type *t)
{
    return btf_is_enum(t) || btf_is_enum64(t);
}
/* kinds CO-RE treats as the same: equal, or both enums */
static inline bool btf_kind_core_compat(const struct btf_type *t1, const struct btf_type *t2)
{
    return btf_kind(t1) == btf_kind(t2) || (btf_is_any_enum(t1) && btf_is_any_enum(t2));
}

/* INT: the word after the type (encoding, bit offset, bits) */
static inline __u8 btf_int_encoding(const struct btf_type *t)
{
    return (__u8)BTF_INT_ENCODING(*(const __u32 *)(t + 1));
}
static inline __u8 btf_int_offset(const struct btf_type *t)
{
    return (__u8)BTF_INT_OFFSET(*(const __u32 *)(t + 1));
}
static inline __u8 btf_int_bits(const struct btf_type *t)
{
    return (__u8)BTF_INT_BITS(*(const __u32 *)(t + 1));
}

/* The records that follow a type. */
static inline struct btf_array *btf_array(const struct btf_type *t)
{
    return (struct btf_array *)(t + 1);
}
static inline struct btf_enum *btf_enum(const struct btf_type *t)
{
    return (struct btf_enum *)(t + 1);
}
static inline struct btf_enum64 *btf_enum64(const struct btf_type *t)
{
    return (struct btf_enum64 *)(t + 1);
}
static inline __u64 btf_enum64_value(const struct btf_enum64 *e)
{
    return (__u64)e->val_hi32 << 32 | e->val_lo32;
}
static inline struct btf_member *btf_members(const struct btf_type *t)
{
    return (struct btf_member *)(t + 1);
}
/* Member member_idx of a struct or union: its offset in bits from the
 * start, and its size in bits when it is a bitfield (else 0).  With
 * kind_flag set the offset word holds both (size in the top 8 bits). */
static inline __u32 btf_member_bit_offset(const struct btf_type *t, __u32 member_idx)
{
    const struct btf_member *m = btf_members(t) + member_idx;
    return btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
}
static inline __u32 btf_member_bitfield_size(const struct btf_type *t, __u32 member_idx)
{
    const struct btf_member *m = btf_members(t) + member_idx;
    return btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
}
static inline struct btf_param *btf_params(const struct btf_type *t)
{
    return (struct btf_param *)(t + 1);
}
static inline struct btf_var *btf_var(const struct btf_type *t)
{
    return (struct btf_var *)(t + 1);
}
static inline struct btf_var_secinfo *btf_var_secinfos(const struct btf_type *t)
{
    return (struct btf_var_secinfo *)(t + 1);
}
static inline struct btf_decl_tag *btf_decl_tag(const struct btf_type *t)
{
    return (struct btf_decl_tag *)(t + 1);
}

#ifdef __cplusplus
}
#endif

/* BTF as C (libbpf's btf_dump): type definitions that compile, in an
 * order that defines every type before a use that needs it complete. */
struct btf_dump;

struct btf_dump_opts {
    size_t sz;
};
#define btf_dump_opts__last_field sz

typedef void (*btf_dump_printf_fn_t)(void *ctx, const char *fmt, va_list args);

LIBBPF_API struct btf_dump *btf_dump__new(const struct btf *btf, btf_dump_printf_fn_t printf_fn,
                                          void *ctx, const struct btf_dump_opts *opts);
LIBBPF_API void btf_dump__free(struct btf_dump *d);
/* Writes type id and what it needs that this dumper has not written. */
LIBBPF_API int btf_dump__dump_type(struct btf_dump *d, __u32 id);

struct btf_dump_emit_type_decl_opts {
    size_t sz;
    const char *field_name; /* the declarator's name ("" or NULL: abstract) */
    int indent_level;       /* tabs before the lines after the first */
    bool strip_mods;        /* leave const, volatile and restrict out */
    size_t : 0;
};
#define btf_dump_emit_type_decl_opts__last_field strip_mods

/* Writes a declaration of type id (no definitions of named types). */
LIBBPF_API int btf_dump__emit_type_decl(struct btf_dump *d, __u32 id,
                                        const struct btf_dump_emit_type_decl_opts *opts);

#endif
