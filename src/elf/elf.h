/* The object module: ELF64 little-endian EM_BPF relocatable objects (the
 * output of `clang -target bpf -c`) parsed into the description of
 * include/pbpf/object.h.  Input is a memory buffer; every header, section,
 * symbol and relocation is checked before use.  Reading files is the
 * caller's business (tools, tests). */
#ifndef PBPF_ELF_ELF_H
#define PBPF_ELF_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "btf/btf.h"
#include "pbpf/maps.h" /* map types and flags */
#include "pbpf/object.h"

#define PBPF_EM_BPF 247

/* ELF constants used (System V gABI). */
#define PBPF_SHT_NULL 0
#define PBPF_SHT_PROGBITS 1
#define PBPF_SHT_SYMTAB 2
#define PBPF_SHT_STRTAB 3
#define PBPF_SHT_RELA 4
#define PBPF_SHT_NOBITS 8
#define PBPF_SHT_REL 9
#define PBPF_SHF_WRITE 0x1
#define PBPF_SHF_ALLOC 0x2
#define PBPF_SHF_EXECINSTR 0x4
#define PBPF_SHN_UNDEF 0
#define PBPF_SHN_LORESERVE 0xff00
#define PBPF_SHN_ABS 0xfff1
#define PBPF_SHN_COMMON 0xfff2
#define PBPF_SHN_XINDEX 0xffff
#define PBPF_STB_LOCAL 0
#define PBPF_STB_GLOBAL 1
#define PBPF_STB_WEAK 2
#define PBPF_STT_NOTYPE 0
#define PBPF_STT_OBJECT 1
#define PBPF_STT_FUNC 2
#define PBPF_STT_SECTION 3

/* llvm-reloc.rst: relocation types of the BPF backend. */
#define PBPF_R_BPF_NONE 0
#define PBPF_R_BPF_64_64 1
#define PBPF_R_BPF_64_ABS64 2
#define PBPF_R_BPF_64_ABS32 3
#define PBPF_R_BPF_64_NODYLD32 4
#define PBPF_R_BPF_64_32 10


struct pbpf_elf_sec {
    const char *name;
    uint32_t type;
    uint64_t flags;
    const uint8_t *data; /* NULL for NOBITS */
    uint64_t size;
    uint32_t link;
    uint32_t info;
    uint64_t entsize;
};

struct pbpf_elf_sym {
    const char *name;
    uint8_t bind;
    uint8_t type;
    uint32_t shndx; /* section index, or PBPF_SHN_* */
    uint64_t value;
    uint64_t size;
};

struct pbpf_elf_rel {
    uint64_t offset;
    uint32_t sym;
    uint32_t type;
};

/* A function: a FUNC symbol of an executable section. */
struct pbpf_elf_func {
    uint32_t sec;
    uint32_t sym;
    size_t start; /* instruction index in the section */
    size_t cnt;
    int is_prog; /* an entry point (not in .text) */
};

/* An executable section, decoded, with its code relocations sorted. */
struct pbpf_elf_xsec {
    uint32_t sec;
    struct pbpf_insn *insns;
    size_t cnt;
    struct pbpf_elf_rel *rels; /* offsets converted to insn indexes */
    size_t rel_cnt;
};

/* Where a map's definition lives, for resolving symbols to maps. */
struct pbpf_elf_map_loc {
    uint32_t sec; /* section of the definition (or of the data) */
    uint64_t off;
    uint64_t size;
    int64_t values_off; /* BTF maps: byte offset of `values` in the definition, or -1 */
};

struct pbpf_object {
    uint8_t *image; /* our copy of the file */
    size_t size;
    struct pbpf_elf_sec *secs;
    size_t sec_cnt;
    struct pbpf_elf_sym *syms;
    size_t sym_cnt;
    struct pbpf_elf_xsec *xsecs;
    size_t xsec_cnt;
    struct pbpf_elf_func *funcs; /* sorted by (sec, start) */
    size_t func_cnt;

    struct pbpf_btf *btf;
    struct pbpf_btf_ext *btf_ext;

    struct pbpf_object_prog *progs;
    size_t prog_cnt;
    struct pbpf_object_map *maps;
    size_t map_cnt;
    struct pbpf_object_extern *externs;
    size_t extern_cnt;
    struct pbpf_elf_map_loc *map_locs; /* per map */
    int kconfig_map; /* index, or -1 */

    char license[128];
    uint32_t kern_version;
    int legacy_maps_sec, btf_maps_sec; /* section indexes, or -1 */

    char *err;
    size_t err_size;

    /* the loader's state (src/loader), freed with the object */
    struct pbpf_loader_state *loader;
    void (*loader_free)(struct pbpf_object *obj);
};

/* "section 'name' offset 0x..: ..." style errors into obj->err. */
int pbpf_elf_err(struct pbpf_object *obj, int code, const char *fmt, ...) PBPF_PRINTF_FMT(3, 4);

/* Steps of pbpf_object_open_mem, in order. */
int pbpf_elf_parse_maps(struct pbpf_object *obj);
int pbpf_elf_parse_externs(struct pbpf_object *obj);
int pbpf_elf_link_progs(struct pbpf_object *obj);
int pbpf_elf_map_init_slots(struct pbpf_object *obj);

/* Relocations of section sec (the REL section whose sh_info is sec):
 * checked and decoded into *out (caller frees). */
int pbpf_elf_rels_for(struct pbpf_object *obj, uint32_t sec, struct pbpf_elf_rel **out,
                      size_t *cnt);

int pbpf_elf_sec_def(const char *sec, uint32_t *prog_type, uint32_t *attach_type, int *sleepable,
                     const char **attach_target);

/* Whether a section name is a global-data section (.data, .rodata, .bss,
 * .data.*, .rodata.*), and whether it is read-only. */
int pbpf_elf_is_data_sec(const char *name, int *readonly);

#endif
