/* BTF as C: the type definitions a program includes (vmlinux.h), as
 * `bpftool btf dump file X format c` and libbpf's btf_dump__dump_type
 * produce them.  The output compiles as C11 with gcc and clang (also
 * -target bpf) and gives every struct and union the size and member
 * offsets the BTF says: where the natural layout of the emitted members
 * would differ, explicit padding (unnamed bit-fields) and
 * __attribute__((packed)) make it so.
 *
 * Ordering: a type is defined before any use that needs it complete
 * (by-value members, arrays, typedefs used by value); a struct or union
 * only pointed to is forward-declared; typedefs come before any use.
 * Anonymous structs and unions are written inline where they are used;
 * an anonymous enum is inline where it is used once, and written on its
 * own (its users then see an integer of its size) otherwise.  Types whose
 * names collide (kernel BTF can hold two different `struct foo`) get
 * libbpf's suffixes: the second `foo` in id order is `foo___2`. */
#ifndef PBPF_BTF_BTF_DUMP_C_H
#define PBPF_BTF_BTF_DUMP_C_H

#include <stdarg.h>
#include <stdint.h>

#include "btf/btf.h"

struct pbpf_btf_cdump;

/* Receives the text, in pieces, printf-style (libbpf's
 * btf_dump_printf_fn_t). */
typedef void (*pbpf_btf_cdump_out)(void *ctx, const char *fmt, va_list ap);

/* A dumper over b (which must outlive it).  NULL on out of memory. */
struct pbpf_btf_cdump *pbpf_btf_cdump_new(const struct pbpf_btf *b, pbpf_btf_cdump_out out,
                                          void *ctx);
void pbpf_btf_cdump_free(struct pbpf_btf_cdump *d);

/* Writes type id and every type it needs that this dumper has not written
 * yet.  Pointers, functions and other unnamed kinds write only what they
 * need.  Returns 0, -EINVAL for an id out of range, or -ENOMEM. */
int pbpf_btf_cdump_type(struct pbpf_btf_cdump *d, uint32_t id);

/* Writes every type of the BTF (the whole header body, no guard). */
int pbpf_btf_cdump_all(struct pbpf_btf_cdump *d);

/* Writes the declaration of a variable or member `name` of type id
 * ("" for an abstract declarator), without defining named types, indented
 * by indent tabs when anonymous bodies span lines; strip_mods leaves
 * const, volatile and restrict out. */
int pbpf_btf_cdump_decl(struct pbpf_btf_cdump *d, uint32_t id, const char *name, int indent,
                        int strip_mods);

/* The name the dump gives type id (with a ___N suffix for a collision),
 * or NULL when the type has none. */
const char *pbpf_btf_cdump_name(struct pbpf_btf_cdump *d, uint32_t id);

#endif
