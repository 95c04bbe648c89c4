/* BTF: the BPF Type Format of the `.BTF` and `.BTF.ext` ELF sections
 * (Linux Documentation/bpf/btf.rst, spec/linux-btf.rst).  Parsing copies
 * and validates everything once; afterwards every type id below
 * pbpf_btf_type_cnt() and every name offset a type holds are known good,
 * so the queries need no further checks. */
#ifndef PBPF_BTF_BTF_H
#define PBPF_BTF_BTF_H

#include <stddef.h>
#include <stdint.h>

#include "platform/platform.h"

#define PBPF_BTF_MAGIC 0xeb9f

/* Formats "<prefix><message>" into err (if any) and returns code: the one
 * error formatter of the BTF, BTF.ext and CO-RE readers. */
int pbpf_btf_errf(char *err, size_t size, int code, const char *prefix, const char *fmt, ...)
    PBPF_PRINTF_FMT(5, 6);

/* Little-endian 32-bit read of unaligned section bytes. */
static inline uint32_t pbpf_btf_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* btf.rst §2.2: the kinds, numbered as in include/uapi/linux/btf.h. */
enum pbpf_btf_kind {
    PBPF_BTF_KIND_UNKN = 0,
    PBPF_BTF_KIND_INT = 1,
    PBPF_BTF_KIND_PTR = 2,
    PBPF_BTF_KIND_ARRAY = 3,
    PBPF_BTF_KIND_STRUCT = 4,
    PBPF_BTF_KIND_UNION = 5,
    PBPF_BTF_KIND_ENUM = 6,
    PBPF_BTF_KIND_FWD = 7,
    PBPF_BTF_KIND_TYPEDEF = 8,
    PBPF_BTF_KIND_VOLATILE = 9,
    PBPF_BTF_KIND_CONST = 10,
    PBPF_BTF_KIND_RESTRICT = 11,
    PBPF_BTF_KIND_FUNC = 12,
    PBPF_BTF_KIND_FUNC_PROTO = 13,
    PBPF_BTF_KIND_VAR = 14,
    PBPF_BTF_KIND_DATASEC = 15,
    PBPF_BTF_KIND_FLOAT = 16,
    PBPF_BTF_KIND_DECL_TAG = 17,
    PBPF_BTF_KIND_TYPE_TAG = 18,
    PBPF_BTF_KIND_ENUM64 = 19,
    PBPF_BTF_KIND_MAX = 19,
};

/* Host-order copies of the UAPI records (layouts identical to Linux's). */
struct pbpf_btf_type {
    uint32_t name_off;
    uint32_t info; /* vlen bits 0-15, kind bits 24-28, kind_flag bit 31 */
    uint32_t size_type; /* size for INT/ENUM/STRUCT/UNION/DATASEC/FLOAT/ENUM64, else a type id */
};
struct pbpf_btf_member {
    uint32_t name_off;
    uint32_t type;
    uint32_t offset; /* bit offset; with kind_flag: bitfield size << 24 | bit offset */
};
struct pbpf_btf_array {
    uint32_t type;
    uint32_t index_type;
    uint32_t nelems;
};
struct pbpf_btf_enum {
    uint32_t name_off;
    int32_t val;
};
struct pbpf_btf_enum64 {
    uint32_t name_off;
    uint32_t val_lo32;
    uint32_t val_hi32;
};
struct pbpf_btf_param {
    uint32_t name_off;
    uint32_t type;
};
struct pbpf_btf_var_secinfo {
    uint32_t type;
    uint32_t offset;
    uint32_t size;
};

#define PBPF_BTF_VAR_STATIC 0
#define PBPF_BTF_VAR_GLOBAL 1
#define PBPF_BTF_VAR_EXTERN 2

static inline unsigned pbpf_btf_kind(const struct pbpf_btf_type *t)
{
    return (t->info >> 24) & 0x1f;
}
static inline unsigned pbpf_btf_vlen(const struct pbpf_btf_type *t)
{
    return t->info & 0xffff;
}
static inline unsigned pbpf_btf_kflag(const struct pbpf_btf_type *t)
{
    return t->info >> 31;
}
/* The records that follow a type (members, params, enum values, ...). */
static inline const void *pbpf_btf_extra(const struct pbpf_btf_type *t)
{
    return t + 1;
}
#define PBPF_BTF_MEMBERS(t) ((const struct pbpf_btf_member *)pbpf_btf_extra(t))
#define PBPF_BTF_ARRAY(t) ((const struct pbpf_btf_array *)pbpf_btf_extra(t))
#define PBPF_BTF_PARAMS(t) ((const struct pbpf_btf_param *)pbpf_btf_extra(t))
#define PBPF_BTF_SECINFOS(t) ((const struct pbpf_btf_var_secinfo *)pbpf_btf_extra(t))
#define PBPF_BTF_VAR_LINKAGE(t) (*(const uint32_t *)pbpf_btf_extra(t))
#define PBPF_BTF_INT_BITS(t) (*(const uint32_t *)pbpf_btf_extra(t) & 0xff)
#define PBPF_BTF_INT_OFFSET(t) ((*(const uint32_t *)pbpf_btf_extra(t) >> 16) & 0xff)
#define PBPF_BTF_INT_ENCODING(t) ((*(const uint32_t *)pbpf_btf_extra(t) >> 24) & 0x0f)
#define PBPF_BTF_DECL_TAG_IDX(t) (*(const int32_t *)pbpf_btf_extra(t))

/* Bit offset and bitfield size (0 = not a bitfield) of member m of t. */
static inline uint32_t pbpf_btf_member_bit_offset(const struct pbpf_btf_type *t,
                                                  const struct pbpf_btf_member *m)
{
    return pbpf_btf_kflag(t) ? m->offset & 0xffffff : m->offset;
}
static inline uint32_t pbpf_btf_member_bitfield_size(const struct pbpf_btf_type *t,
                                                     const struct pbpf_btf_member *m)
{
    return pbpf_btf_kflag(t) ? m->offset >> 24 : 0;
}

struct pbpf_btf;

/* Parses and validates a `.BTF` blob (copied; data may be freed after).
 * Returns 0, -EINVAL with "BTF: ..." naming the type id or byte offset in
 * err, -ENOTSUP for a well-formed blob of an unknown version, or -ENOMEM. */
int pbpf_btf_parse(const void *data, size_t len, struct pbpf_btf **out, char *err,
                   size_t err_size);
void pbpf_btf_free(struct pbpf_btf *btf);

/* Number of type ids including void (id 0): valid ids are 1..cnt-1. */
uint32_t pbpf_btf_type_cnt(const struct pbpf_btf *btf);
/* The type with this id, or NULL for 0 (void) and out-of-range ids. */
const struct pbpf_btf_type *pbpf_btf_type_by_id(const struct pbpf_btf *btf, uint32_t id);
/* The string at off in the string section, or NULL if off is out of range. */
const char *pbpf_btf_str(const struct pbpf_btf *btf, uint32_t off);
/* The type's name ("" for anonymous types). */
const char *pbpf_btf_name(const struct pbpf_btf *btf, const struct pbpf_btf_type *t);
/* Name of a kind ("STRUCT"), as bpftool prints it. */
const char *pbpf_btf_kind_name(unsigned kind);

/* Follows typedef, const, volatile, restrict and type tags; returns the id
 * reached (0 for void).  Chains are bounded by parsing. */
uint32_t pbpf_btf_skip_mods(const struct pbpf_btf *btf, uint32_t id);
/* Like pbpf_btf_skip_mods but only modifiers and tags: typedefs are kept. */
uint32_t pbpf_btf_skip_qualifiers(const struct pbpf_btf *btf, uint32_t id);
/* Size in bytes of an object of the type (arrays multiplied out).
 * Returns 0, or -EINVAL for types without a size (void, func, fwd). */
int pbpf_btf_type_size(const struct pbpf_btf *btf, uint32_t id, uint64_t *size);
/* Looks up a member of a struct/union by name, searching anonymous
 * struct/union members too.  On success *bit_off is the member's bit
 * offset from the start of the outer type and *m the member. */
int pbpf_btf_find_member(const struct pbpf_btf *btf, uint32_t id, const char *name,
                         const struct pbpf_btf_member **m, uint64_t *bit_off);
/* First type id of this kind with this name, or -ENOENT. */
int64_t pbpf_btf_find_by_name_kind(const struct pbpf_btf *btf, const char *name, unsigned kind);

/* --- .BTF.ext ------------------------------------------------------- */

/* Records as they are in the ELF: insn_off is a byte offset from the start
 * of the section named sec_name_off (btf.rst §4.2), not an insn index. */
struct pbpf_btf_ext_func {
    uint32_t sec_name_off;
    uint32_t insn_off;
    uint32_t type_id;
};
struct pbpf_btf_ext_line {
    uint32_t sec_name_off;
    uint32_t insn_off;
    uint32_t file_name_off;
    uint32_t line_off;
    uint32_t line_col; /* line << 10 | column */
};
/* CO-RE relocation kinds (libbpf's enum bpf_core_relo_kind). */
enum pbpf_core_relo_kind {
    PBPF_CORE_FIELD_BYTE_OFFSET = 0,
    PBPF_CORE_FIELD_BYTE_SIZE = 1,
    PBPF_CORE_FIELD_EXISTS = 2,
    PBPF_CORE_FIELD_SIGNED = 3,
    PBPF_CORE_FIELD_LSHIFT_U64 = 4,
    PBPF_CORE_FIELD_RSHIFT_U64 = 5,
    PBPF_CORE_TYPE_ID_LOCAL = 6,
    PBPF_CORE_TYPE_ID_TARGET = 7,
    PBPF_CORE_TYPE_EXISTS = 8,
    PBPF_CORE_TYPE_SIZE = 9,
    PBPF_CORE_ENUMVAL_EXISTS = 10,
    PBPF_CORE_ENUMVAL_VALUE = 11,
    PBPF_CORE_TYPE_MATCHES = 12,
    PBPF_CORE_RELO_KIND_MAX = 12,
};
struct pbpf_btf_ext_core {
    uint32_t sec_name_off;
    uint32_t insn_off;
    uint32_t type_id;
    uint32_t access_str_off; /* "0:1:2": member/array indexes */
    uint32_t kind;           /* enum pbpf_core_relo_kind */
};

struct pbpf_btf_ext {
    struct pbpf_btf_ext_func *funcs;
    size_t func_cnt;
    struct pbpf_btf_ext_line *lines;
    size_t line_cnt;
    struct pbpf_btf_ext_core *cores;
    size_t core_cnt;
};

/* Parses `.BTF.ext` against the `.BTF` whose strings it names.  Every
 * string offset and type id in the records is checked. */
int pbpf_btf_ext_parse(const void *data, size_t len, const struct pbpf_btf *btf,
                       struct pbpf_btf_ext **out, char *err, size_t err_size);
void pbpf_btf_ext_free(struct pbpf_btf_ext *ext);

/* --- CO-RE ------------------------------------------------------------ */

struct pbpf_core_result {
    int exists;         /* a matching target type/field/enumerator was found */
    uint64_t value;     /* what the instruction gets (0 when !exists) */
    uint32_t target_id; /* the target type that matched */
};

/* Resolves one CO-RE record (local type id, access string "0:1:2", kind)
 * against target BTF.  Returns 0 with res->exists = 0 when nothing in the
 * target matches (existence kinds then have value 0; for the others the
 * loader must poison the instruction), or -EINVAL/-ENOTSUP for a malformed
 * record. */
int pbpf_core_resolve(const struct pbpf_btf *local, uint32_t type_id, const char *access,
                      uint32_t kind, const struct pbpf_btf *target, struct pbpf_core_result *res,
                      char *err, size_t err_size);

#endif
